"""The estate graph: its nodes and edges, the neighbourhood cut, the dot / Mermaid / JSON writers
(locked by golden files), the `vnetplan graph` command, and the test builders it relies on.

Regenerate the golden files after an intended change with ``UPDATE_GOLDEN=1 pytest tests/unit/test_graph.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import networkx as nx
import pytest

from bench.synth import generate
from netplan.estate import Estate, load_estate
from netplan.graph import (
    build_graph,
    neighbourhood,
    to_dot,
    to_json,
    to_mermaid,
    to_node_link,
    vnets_overlapping,
)
from netplan.jsonout import dumps
from netplan.model import PeeringState
from tests.unit.builders import SUB2, EstateBuilder
from vnetplan.cli import main

GOLDEN = Path(__file__).parent / "golden" / "graph"
STORAGE = (
    "/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c/resourceGroups/rg-data/providers/"
    "Microsoft.Storage/storageAccounts/stcorpdata"
)


def small_estate() -> EstateBuilder:
    """Hub (firewall, VPN gateway) in westeurope; spoke1 uses its gateway; spoke2 in northeurope is
    RemoteNotInSync; the Mendix VNet in a second subscription; spoke2-mendix only Initiated; a
    Disconnected leftover; a Basic ILB with a Private Link Service; a private endpoint to storage
    outside the snapshot; the app zone linked to spoke1."""
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], rg="rg-hub",
           subnets={"AzureFirewallSubnet": "10.0.0.0/26", "GatewaySubnet": "10.0.255.0/27"})  # fmt: skip
    b.vnet("spoke1", ["10.1.0.0/16"], rg="rg-spoke1", subnets={"app": "10.1.1.0/24"})
    b.vnet("spoke2", ["10.2.0.0/16", "10.20.0.0/16"], rg="rg-spoke2", location="northeurope",
           subnets={"app": "10.2.1.0/24"})  # fmt: skip
    b.vnet("mendix", ["10.3.0.0/16"], rg="rg-mendix", sub=SUB2, subnets={"aks": "10.3.0.0/20", "pls": "10.3.16.0/24"})
    b.vnet("legacy", ["10.9.0.0/16"], rg="rg-legacy")
    b.peer("hub", "spoke1", a_to_b={"allow_gateway_transit": True},
           b_to_a={"use_remote_gateways": True, "allow_forwarded": True})  # fmt: skip
    b.peer("hub", "spoke2", sync="RemoteNotInSync", a_to_b={"remote_prefixes": ["10.2.0.0/16"]})
    b.peer("hub", "mendix", b_to_a={"allow_forwarded": True})
    b.peer("spoke2", "mendix", state="Initiated")
    b.peer("legacy", "hub", state="Disconnected")
    b.gateway("vpngw-hub", "hub", rg="rg-hub")
    b.forwarder("hub", device="azfw", ip="10.0.0.4")
    b.onprem("datacenter", ["172.16.0.0/12"], via="hub")
    fe = b.lb("kubernetes-internal", "mendix", "aks", "10.3.0.10", sku="Basic", rg="rg-mendix")
    b.pls("pls-mendix", fe, "mendix", "pls", "10.3.16.5", rg="rg-mendix")
    b.pe("pe-stcorpdata", "spoke1", "app", "10.1.1.20", STORAGE, group_ids=["blob"], rg="rg-spoke1")
    z = b.zone("azure.mendixapps.io")
    b.zone_link(z, "spoke1")
    return b


def key(e: Estate, ref: str) -> str:
    return e.resolve_vnet(ref).key


# ---------------------------------------------------------------------------------------------
# The builders other tests rely on


def test_builder_peer_states_create_the_links_azure_shows() -> None:
    e = small_estate().estate()
    hub, spoke2, mendix, legacy = (e.resolve_vnet(n) for n in ("hub", "spoke2", "mendix", "legacy"))
    assert e.peering(hub.id, spoke2.id) is not None and e.peering(spoke2.id, hub.id) is not None
    init = e.peering(spoke2.id, mendix.id)
    assert init is not None and init.state is PeeringState.INITIATED
    assert e.peering(mendix.id, spoke2.id) is None
    disc = e.peering(legacy.id, hub.id)
    assert disc is not None and disc.state is PeeringState.DISCONNECTED and e.peering(hub.id, legacy.id) is None
    stale = e.peering(hub.id, spoke2.id)
    assert stale is not None and [str(p) for p in stale.remote_prefixes] == ["10.2.0.0/16"]
    assert e.forwarders_of(hub.id)[0].device == "azfw"
    assert e.ip_owners("10.1.1.20")[0].kind == "private-endpoint"
    assert e.private_link_services[0].frontend_ids == (e.load_balancers[0].frontends[0].id,)


def test_builder_snapshot_file_round_trips_through_the_loader(tmp_path: Path) -> None:
    from netplan.estate import load_estate

    b = small_estate()
    e = load_estate([b.write(tmp_path / "e.json")])
    assert e.vnets == b.estate().vnets
    assert e.onprem == b.estate().onprem


# ---------------------------------------------------------------------------------------------
# Nodes and edges


def test_vnet_nodes_carry_name_region_prefixes_and_declarations() -> None:
    e = small_estate().estate()
    g = build_graph(e)
    hub = g.nodes[key(e, "hub")]
    assert hub["kind"] == "vnet" and hub["name"] == "hub" and hub["location"] == "westeurope"
    assert hub["prefixes"] == ["10.0.0.0/16"]
    assert hub["resource_id"] == e.resolve_vnet("hub").id
    assert hub["forwarder"] == "azfw" and hub["gateways"] == ["Vpn"]
    assert g.nodes[key(e, "mendix")]["subscription"] == SUB2.rsplit("/", 1)[-1]


def test_each_peering_link_is_one_edge_with_its_state_flags_and_scope() -> None:
    e = small_estate().estate()
    g = build_graph(e)
    hub, spoke1, spoke2, mendix = (key(e, n) for n in ("hub", "spoke1", "spoke2", "mendix"))

    def link(u: str, v: str) -> dict[str, object]:
        (d,) = [d for d in g.get_edge_data(u, v).values() if d["kind"] == "peering"]
        return d

    assert link(hub, spoke1)["allow_gateway_transit"] is True and link(spoke1, hub)["use_remote_gateways"] is True
    assert link(hub, spoke1)["global"] is False and link(hub, spoke2)["global"] is True
    assert link(hub, spoke2)["sync_level"] == "RemoteNotInSync"
    assert link(spoke2, mendix)["state"] == "Initiated" and not g.has_edge(mendix, spoke2)
    assert link(mendix, hub)["allow_forwarded_traffic"] is True
    peering_edges = [d for _u, _v, d in g.edges(data=True) if d["kind"] == "peering"]
    assert len(peering_edges) == sum(len(v.peerings) for v in e.vnets) == 8


def test_resources_services_zones_and_onprem_are_nodes() -> None:
    e = small_estate().estate()
    g = build_graph(e)
    fe = e.load_balancers[0].frontends[0]
    assert g.nodes[fe.key]["kind"] == "lb-frontend" and g.nodes[fe.key]["sku"] == "Basic"
    assert g.has_edge(key(e, "mendix"), fe.key)
    assert g.has_edge(e.private_link_services[0].key, fe.key)
    pe = e.private_endpoints[0]
    storage = STORAGE.lower()
    assert g.nodes[storage]["kind"] == "service" and g.nodes[storage]["external"] is True
    assert g.get_edge_data(pe.key, storage)["connects:pe-stcorpdata-conn"]["status"] == "Approved"
    zone = e.zones[0].key
    assert g.nodes[zone]["kind"] == "dns-zone" and g.has_edge(zone, key(e, "spoke1"))
    assert g.has_edge(key(e, "hub"), "onprem:datacenter")
    assert g.nodes[e.gateways[0].key]["kind"] == "gateway"


def test_vnet_named_by_a_peering_but_missing_from_the_snapshot_is_an_external_node() -> None:
    b = small_estate()
    partner = "/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c/resourceGroups/rg-p/providers/Microsoft.Network/virtualNetworks/Partner"
    b.link("hub", partner, remote_prefixes=["10.77.0.0/16"])
    g = build_graph(b.estate())
    node = g.nodes[partner.lower()]
    assert node["external"] is True and node["name"] == "Partner" and node["prefixes"] == ["10.77.0.0/16"]


def test_overlapping_flag_and_resources_switch() -> None:
    e = small_estate().estate()
    g = build_graph(e, overlapping=[e.resolve_vnet("spoke2").id.upper()], resources=False)
    assert g.nodes[key(e, "spoke2")]["overlapping"] is True
    assert g.nodes[key(e, "hub")]["overlapping"] is False
    assert {d["kind"] for _n, d in g.nodes(data=True)} == {"vnet", "onprem"}


def test_neighbourhood_follows_peerings_only_and_keeps_attached_resources() -> None:
    e = small_estate().estate()
    g = build_graph(e)
    one = neighbourhood(g, e.resolve_vnet("spoke1").id, 1)
    vnets = {d["name"] for _n, d in one.nodes(data=True) if d["kind"] == "vnet"}
    assert vnets == {"spoke1", "hub"}  # the zone linked to spoke1 is no path to other VNets
    kinds = {d["kind"] for _n, d in one.nodes(data=True)}
    assert {"private-endpoint", "service", "dns-zone", "gateway", "onprem"} <= kinds
    two = neighbourhood(g, key(e, "spoke1"), 2)
    assert {d["name"] for _n, d in two.nodes(data=True) if d["kind"] == "vnet"} == {
        "spoke1", "hub", "spoke2", "mendix", "legacy"}
    zero = neighbourhood(g, key(e, "mendix"), 0)
    assert {d["name"] for _n, d in zero.nodes(data=True) if d["kind"] == "vnet"} == {"mendix"}
    assert any(d["kind"] == "private-link-service" for _n, d in zero.nodes(data=True))


def test_build_graph_is_one_pass_on_a_thousand_vnets() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.255.0.0/16"])
    for i in range(1000):
        b.vnet(f"s{i}", [f"10.{i // 256}.{i % 256}.0/24"])
        b.peer("hub", f"s{i}")
    g = build_graph(b.estate(), resources=False)
    assert g.number_of_nodes() == 1001 and g.number_of_edges() == 2000
    assert isinstance(g, nx.MultiDiGraph)


# ---------------------------------------------------------------------------------------------
# Writers, locked by golden files


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 and review it"
    assert text == path.read_text()


def test_dot_golden_whole_estate() -> None:
    e = small_estate().estate()
    golden("small.dot", to_dot(build_graph(e, overlapping=[e.resolve_vnet("spoke2").id], resources=False)))


def test_mermaid_golden_whole_estate() -> None:
    e = small_estate().estate()
    golden("small.mmd", to_mermaid(build_graph(e, overlapping=[e.resolve_vnet("spoke2").id], resources=False)))


def test_dot_and_mermaid_golden_neighbourhood_with_resources() -> None:
    e = small_estate().estate()
    g = neighbourhood(build_graph(e), key(e, "mendix"), 1)
    golden("mendix-neighbourhood.dot", to_dot(g, "vnetplan: mendix +1"))
    golden("mendix-neighbourhood.mmd", to_mermaid(g))


def test_dot_draws_states_as_a_person_reads_them() -> None:
    e = small_estate().estate()
    dot = to_dot(build_graph(e, resources=False))
    lines = dot.splitlines()
    initiated = next(line for line in lines if "Initiated (spoke2 only)" in line)
    assert "style=dashed" in initiated and "dir=forward" in initiated
    disconnected = next(line for line in lines if "Disconnected (legacy only)" in line)
    assert "color=red" in disconnected
    assert any("Connected, gateway transit via hub" in line and "style" not in line for line in lines)
    assert any("RemoteNotInSync, global" in line for line in lines)


def test_mermaid_styles_disconnected_links_red_and_overlaps_filled() -> None:
    e = small_estate().estate()
    text = to_mermaid(build_graph(e, overlapping=[e.resolve_vnet("spoke2").id], resources=False))
    # linkStyle counts link definitions in order.
    edges = [line for line in text.splitlines() if any(a in line for a in (" --- ", " ---|", " -.-", " -->"))]
    red = next(i for i, line in enumerate(edges) if "Disconnected" in line)
    assert "-->" in edges[red]
    assert f"linkStyle {red} stroke:#c00000" in text
    spoke2 = next(line.split("[")[0].strip() for line in text.splitlines() if '["spoke2<br/>' in line)
    assert f"class {spoke2} overlap" in text


def test_json_is_node_link_data_networkx_can_read_back() -> None:
    e = small_estate().estate()
    data = json.loads(to_json(build_graph(e)))
    assert data["directed"] is True and data["multigraph"] is True
    g2 = nx.node_link_graph(data, edges="edges")
    assert g2.number_of_edges() == build_graph(e).number_of_edges()
    hub = next(n for n in data["nodes"] if n.get("name") == "hub")
    assert hub["id"] == key(e, "hub") and hub["resource_id"] == e.resolve_vnet("hub").id


@pytest.mark.parametrize("pretty", [False, True], ids=["compact", "pretty"])
def test_cli_graph_json_of_the_whole_estate_is_networkx_node_link_data_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pretty: bool
) -> None:
    # The command builds the whole-estate JSON without networkx (NodeLinkGraph, streamed out); it
    # must write exactly what networkx's graph gives, in both layouts, on the sample and a
    # synthetic estate with every resource kind.
    synth = tmp_path / "synth.json"
    synth.write_text(json.dumps(generate(60, 5, 4)))
    for path in (small_estate().write(tmp_path / "e.json"), str(synth), str(Path(__file__).parents[2] / "samples" / "mendix-estate.json")):
        e = load_estate([path])
        g = build_graph(e, overlapping=vnets_overlapping(e), resources=True)
        assert isinstance(g, nx.MultiDiGraph)
        expected = dumps(to_node_link(g), pretty=pretty)
        assert main(["graph", "--estate", str(path), "--format", "json", *(["--pretty"] if pretty else [])]) == 0
        out = capsys.readouterr().out
        assert out == expected + "\n"
        assert json.loads(out)["edges"], path


# ---------------------------------------------------------------------------------------------
# Overlap marks come from netplan.overlaps: the worst severity per VNet


def test_vnets_overlapping_keeps_the_worst_severity_per_vnet() -> None:
    b = small_estate()
    b.vnet("dup-of-spoke1", ["10.1.0.0/16"], rg="rg-dup")  # never routes to spoke1: info (P3)
    b.vnet("dup-of-mendix", ["10.3.0.0/16"], rg="rg-dup")  # isolated too: info for mendix ...
    b.vnet("peered-into-mendix", ["10.3.128.0/24"], rg="rg-x")
    b.peer("peered-into-mendix", "mendix")  # ... but a directly peered overlap is an error, the worst
    e = b.estate()
    marks = vnets_overlapping(e)
    ids = {n: e.resolve_vnet(n).id for n in ("spoke1", "dup-of-spoke1", "dup-of-mendix", "mendix", "peered-into-mendix")}
    assert marks == {ids["spoke1"]: "info", ids["dup-of-spoke1"]: "info", ids["dup-of-mendix"]: "info",
                     ids["mendix"]: "error", ids["peered-into-mendix"]: "error"}  # fmt: skip
    g = build_graph(e, overlapping=marks, resources=False)
    dot = to_dot(g)
    assert 'label="spoke1\\n10.1.0.0/16\\nOVERLAPS (info)"' in dot
    assert "OVERLAPS (error)" in to_mermaid(g)


# ---------------------------------------------------------------------------------------------
# CLI


def test_cli_graph_mermaid_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = small_estate().write(tmp_path / "e.json")
    assert main(["graph", "--estate", f, "--format", "mermaid"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("flowchart LR\n") and "spoke2 only" in out
    assert main(["graph", "--estate", f, "--format", "json", "--vnet", "rg-mendix/mendix", "--depth", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {n["name"] for n in data["nodes"] if n["kind"] == "vnet"} == {"mendix"}


def test_cli_graph_unknown_vnet_is_exit_2_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = small_estate().write(tmp_path / "e.json")
    assert main(["graph", "--estate", f, "--vnet", "menidx"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "did you mean: rg-mendix/mendix" in captured.err and "Traceback" not in captured.err


# ---------------------------------------------------------------------------------------------
# The Mendix sample, with the real overlap analysis


def test_sample_diagram_shows_the_initiated_peering_the_unsynced_one_and_the_isolated_overlap(
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample = Path(__file__).resolve().parents[2] / "samples" / "mendix-estate.json"
    assert main(["graph", "--estate", str(sample), "--format", "dot"]) == 0
    dot = capsys.readouterr().out
    lines = dot.splitlines()
    assert any("Initiated (vnet-corp-spoke2-weu only)" in line and "style=dashed" in line for line in lines)
    assert any("LocalNotInSync, RemoteNotInSync" in line and "global" in line for line in lines)
    # vnet-legacy-apps-weu overlaps vnet-mendix-weu, legitimately (they never route): grey, not red.
    for name in ("vnet-legacy-apps-weu", "vnet-mendix-weu"):
        (node,) = [line for line in lines if f'label="{name}\\n' in line]
        assert "OVERLAPS (info)" in node and 'fillcolor="#eeeeee"' in node
