"""Real payload shapes (issue 13): what the Azure CLI prints, loaded without a traceback and with
the verdicts Azure's semantics give; the peering address-space fields read as Azure means them (P9).

The CLI-shaped files are in ``tests/fixtures/cli`` (their README says where each shape is
documented).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checks.rules import addr_forbidden_space, peer_address_overlap, peer_gateway_transit, peer_not_in_sync
from netplan.addr import parse_ip, parse_prefix
from netplan.errors import InputError
from netplan.free import find_free
from netplan.loader import infer_type, load_estate
from netplan.model import Peering, Subnet
from netplan.overlaps import Severity, find_overlaps
from netplan.reach import reach
from netplan.topology import link_routes, neighbours, peer_pair, peered_space
from tests.checks.builders import judged, messages
from tests.unit.builders import EstateBuilder, load_snapshot, vnet_id

CLI = Path(__file__).resolve().parents[1] / "fixtures" / "cli"
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "mendix-estate.json"


def cli(name: str) -> str:
    return str(CLI / name)


# ---------------------------------------------------------------------------------------------
# Loading what the CLI prints


def test_peering_list_without_its_vnet_is_kept_with_a_gap_naming_the_vnet() -> None:
    est = load_estate([cli("vnet-peering-list.json")])
    (link,) = est.orphans
    assert isinstance(link, Peering) and link.name == "spoke-to-hub"
    assert not est.vnets
    (gap,) = est.gaps
    assert gap.scope.endswith("/virtualNetworks/vnet-spoke") and gap.kind == "virtualNetworks"
    assert "not in the snapshot" in gap.reason
    # The link is still a link: the unseen spoke is the hub's neighbour.
    assert any(k.endswith("/vnet-spoke") for k in neighbours(est, link.remote_vnet_id))
    assert link.remote_gateway_ids[0].endswith("/virtualNetworkGateways/vgw-hub")


def test_subnet_list_without_its_vnet_is_used_space_and_a_gap() -> None:
    est = load_estate([cli("vnet-subnet-list.json")])
    assert sorted(o.name for o in est.orphans if isinstance(o, Subnet)) == ["snet-app", "snet-pe"]
    assert est.get(est.orphans[0].id) is est.orphans[0]
    r = find_free(est, 24, [parse_prefix("10.30.0.0/22")], count=4)
    assert [str(p) for p in r.prefixes] == ["10.30.0.0/24", "10.30.3.0/24"]
    assert r.incomplete and "gap" in r.incomplete


def test_orphans_join_their_vnet_when_both_files_are_given(tmp_path: Path) -> None:
    b = EstateBuilder()
    b.vnet("vnet-spoke", ["10.30.0.0/16"], rg="rg-spoke")
    spoke = b.snapshot()["resources"][0]
    spoke["id"] = spoke["id"].replace(vnet_id("x").split("/resourceGroups/")[0], "/subscriptions/5d1e9a47-0c2b-4f8e-9a63-7b2c1d0e4f58")
    f = tmp_path / "spoke.json"
    f.write_text(json.dumps([spoke]))
    est = load_estate([str(f), cli("vnet-subnet-list.json")])
    assert not est.orphans and not est.gaps
    assert [s.name for s in est.vnets[0].subnets] == ["snet-app", "snet-pe"]


def test_dns_zone_group_list_without_type_or_endpoint_loads() -> None:
    est = load_estate([cli("private-endpoint-dns-zone-group-list.json")])
    (zg,) = est.zone_groups
    assert zg.name == "default" and zg.zone_ids[0].endswith("/privatelink.blob.core.windows.net")
    assert zg.records[0].fqdn == "stspoke.privatelink.blob.core.windows.net"
    (gap,) = est.gaps
    assert gap.kind == "privateEndpoints" and gap.scope.endswith("/pe-stspoke-blob")


@pytest.mark.parametrize(
    ("rid", "expected"),
    [
        ("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/privateEndpoints/pe/privateDnsZoneGroups/default",
         "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"),
        ("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/privateDnsZones/z.com/A/www",
         "Microsoft.Network/privateDnsZones/A"),
        ("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s1",
         "Microsoft.Network/virtualNetworks/subnets"),
        ("/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets", None),
        ("/x", None),
    ],
)
def test_type_is_inferred_from_the_id_provider_path(rid: str, expected: str | None) -> None:
    assert infer_type(rid) == expected


@pytest.mark.parametrize(("name", "kind"), [("vnet-create.json", "vnets"), ("nic-create.json", "nics")])
def test_az_create_wrappers_are_accepted(name: str, kind: str) -> None:
    est = load_estate([cli(name)])
    (res,) = getattr(est, kind)
    assert res.name in ("vnet-new", "nic-app")


def test_any_single_key_wrapping_a_list_is_accepted(tmp_path: Path) -> None:
    vnet = json.loads((CLI / "vnet-create.json").read_text())["newVNet"]
    f = tmp_path / "w.json"
    f.write_text(json.dumps({"createdNetworks": [vnet]}))
    assert load_estate([str(f)]).vnets[0].name == "vnet-new"


def test_resource_graph_rows_without_id_and_type_are_one_line_exit_2() -> None:
    with pytest.raises(InputError) as exc:
        load_estate([cli("graph-query-projected.json")])
    msg = str(exc.value)
    assert msg.startswith(f"{cli('graph-query-projected.json')}: data[0] 'vnet-hub': not an ARM resource")
    assert "\n" not in msg and exc.value.exit_code == 2


# ---------------------------------------------------------------------------------------------
# remoteAddressSpace (peered) vs remoteVirtualNetworkAddressSpace (current), P4 / P9


def test_cli_peering_reads_both_spaces_as_azure_means_them() -> None:
    est = load_estate([cli("vnet-peering-list.json")])
    (link,) = est.orphans
    assert isinstance(link, Peering)
    assert [str(p) for p in link.remote_prefixes] == ["10.100.0.0/22"]
    assert [str(p) for p in link.remote_current_prefixes] == ["10.100.0.0/22", "10.100.8.0/24"]
    routes = link_routes(est, link)
    assert [str(p) for p in routes.prefixes] == ["10.100.0.0/22"]
    assert [str(p) for p in routes.unsynced] == ["10.100.8.0/24"]
    # free space: both the peered and the current space of an unseen VNet are in use
    r = find_free(est, 24, [parse_prefix("10.100.0.0/20")], count=20)
    assert not any(p.overlaps(parse_prefix("10.100.8.0/24")) for p in r.prefixes)


def test_sample_unsynced_hub_link_does_not_route_the_new_spoke3_prefix() -> None:
    est = load_estate([str(SAMPLE)])
    hub, spoke3 = est.resolve_vnet("vnet-hub-weu"), est.resolve_vnet("vnet-corp-spoke3-neu")
    link = est.peering(hub.id, spoke3.id)
    assert link is not None
    routes = link_routes(est, link)
    assert [str(p) for p in routes.prefixes] == ["10.120.0.0/22"]
    assert [str(p) for p in routes.unsynced] == ["10.120.8.0/24"]
    assert [str(p) for p in link.remote_current_prefixes] == ["10.120.0.0/22", "10.120.8.0/24"]
    new = reach(est, hub.name, str(parse_ip("10.120.8.10")))
    assert new.reachable is False and any(r.code == "peering-not-in-sync" for r in new.reasons)
    old = reach(est, hub.name, "10.120.1.10")
    assert old.reachable is not False


def _two(b: EstateBuilder, **link: Any) -> EstateBuilder:
    b.vnet("pass_a", ["10.0.0.0/16", "fd00:a::/48"], subnets={"app": ["10.0.1.0/24", "fd00:a:0:1::/64"], "db": "10.0.2.0/24"})
    b.vnet("pass_b", ["10.0.0.0/16", "fd00:b::/48"], subnets={"web": ["10.0.3.0/24", "fd00:b:0:3::/64"], "db": "10.0.2.0/24"})
    b.peer("pass_a", "pass_b", **link)
    return b


def test_subnet_peering_overlap_outside_the_named_subnets_is_not_an_error() -> None:
    est = _two(EstateBuilder(), peer_complete_vnets=False,
               a_to_b={"local_subnets": ["app"], "remote_subnets": ["web"]},
               b_to_a={"local_subnets": ["web"], "remote_subnets": ["app"]}).estate()
    report = find_overlaps(est)
    peered = [p for p in report.all_pairs() if p.a.vnet and p.b.vnet and p.a.key != p.b.key]
    assert peered and all(p.severity is Severity.INFO for p in peered)
    got = judged(peer_address_overlap.RULE, est)
    assert got["FAIL"] == set() and len(got["PASS"]) == 2
    pair = peer_pair(est, vnet_id("pass_a"), vnet_id("pass_b"))
    assert pair is not None
    space = peered_space(est, pair)
    assert space is not None and [str(p) for p in space[pair.a]] == ["10.0.1.0/24", "fd00:a:0:1::/64"]
    routes = link_routes(est, est.vnets[0].peerings[0])
    assert [str(p) for p in routes.prefixes] == ["10.0.3.0/24", "fd00:b:0:3::/64"]
    assert routes.applies_to("app") and not routes.applies_to("db")


def test_subnet_peering_of_overlapping_named_subnets_is_an_error() -> None:
    est = _two(EstateBuilder(), peer_complete_vnets=False,
               a_to_b={"local_subnets": ["db"], "remote_subnets": ["db"]},
               b_to_a={"local_subnets": ["db"], "remote_subnets": ["db"]}).estate()
    assert any(p.severity is Severity.ERROR for p in find_overlaps(est).all_pairs())
    got = judged(peer_address_overlap.RULE, est)
    assert got["PASS"] == set() and len(got["FAIL"]) == 2


def test_ipv6_only_peering_neither_validates_nor_routes_ipv4() -> None:
    est = _two(EstateBuilder(), peer_complete_vnets=False, only_ipv6=True,
               a_to_b={"local_subnets": ["app"], "remote_subnets": ["web"]},
               b_to_a={"local_subnets": ["web"], "remote_subnets": ["app"]}).estate()
    assert not any(p.severity is Severity.ERROR for p in find_overlaps(est).all_pairs())
    assert [str(p) for p in link_routes(est, est.vnets[0].peerings[0]).prefixes] == ["fd00:b:0:3::/64"]
    b = EstateBuilder()
    b.vnet("a", ["10.1.0.0/16", "fd00:a::/48"], subnets={"app": ["10.1.1.0/24", "fd00:a:0:1::/64"]})
    b.vnet("b", ["10.2.0.0/16", "fd00:b::/48"], subnets={"web": ["10.2.3.0/24", "fd00:b:0:3::/64"]})
    b.peer("a", "b", only_ipv6=True)
    b.nic("nic-web", "b", "web", "10.2.3.4")
    v4 = reach(b.estate(), "a", "10.2.3.4")
    assert v4.reachable is False and any(r.code == "ipv6-only-peering" for r in v4.reasons)


# ---------------------------------------------------------------------------------------------
# remoteGateways: a gateway outside the snapshot never fails gateway transit


def test_gateway_transit_passes_for_a_gateway_named_by_remote_gateways() -> None:
    est = load_estate([cli("vnet-peering-list.json")])
    assert est.orphans  # the spoke itself is outside the snapshot: nothing judged, nothing failed
    b = EstateBuilder()
    b.vnet("spoke", ["10.30.0.0/16"])
    gw = "/subscriptions/5d1e9a47-0c2b-4f8e-9a63-7b2c1d0e4f58/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworkGateways/vgw-hub"
    b.link("spoke", vnet_id("hub", rg="rg-hub"), name="pass_named_gateway", use_remote_gateways=True,
           remote_prefixes=["10.100.0.0/22"], remote_gateways=[gw])
    b.link("spoke", vnet_id("hub2", rg="rg-hub"), name="unknown_not_named", state="Initiated", remote_prefixes=["10.101.0.0/22"])
    b.vnet("hub3", ["10.102.0.0/22"])
    b.vnet("spoke3", ["10.31.0.0/16"])
    b.peer("spoke3", "hub3", a_to_b={"name": "pass_hub_gateway_unseen", "use_remote_gateways": True, "remote_gateways": [gw]},
           b_to_a={"allow_gateway_transit": True})
    got = judged(peer_gateway_transit.RULE, b.estate())
    assert got == {"PASS": {"pass_named_gateway", "pass_hub_gateway_unseen"}, "FAIL": set(), "UNKNOWN": set()}


# ---------------------------------------------------------------------------------------------
# Address space Azure never allows (R6) and IPAM pool allocations


@pytest.mark.parametrize(
    "within", ["224.0.0.0/3", "255.255.255.0/24", "126.0.0.0/7", "169.254.0.0/15", "168.63.128.0/23"]
)
def test_free_never_suggests_a_range_azure_forbids(within: str) -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    r = find_free(b.estate(), 30, [parse_prefix(within)], count=2000)
    forbidden = [parse_prefix(f) for f in ("224.0.0.0/4", "255.255.255.255/32", "127.0.0.0/8", "169.254.0.0/16",
                                          "168.63.129.16/32")]
    assert r.prefixes and not any(p.overlaps(f) for p in r.prefixes for f in forbidden)


def test_audit_flags_a_vnet_using_forbidden_space() -> None:
    b = EstateBuilder()
    b.vnet("pass_private", ["10.0.0.0/16"])
    b.vnet("fail_link_local", ["10.1.0.0/16", "169.254.0.0/24"])
    b.vnet("fail_wraps_wireserver", ["168.63.0.0/16"])
    b.vnet("fail_loopback", ["127.1.0.0/16"])
    est = b.estate()
    got = judged(addr_forbidden_space.RULE, est)
    assert got == {"PASS": {"pass_private"}, "FAIL": {"fail_link_local", "fail_wraps_wireserver", "fail_loopback"},
                   "UNKNOWN": set()}
    msg = messages(addr_forbidden_space.RULE, est)
    assert "168.63.0.0/16 (touches 168.63.129.16/32)" in msg["fail_wraps_wireserver"]


def test_ipam_pool_allocations_count_as_used_space() -> None:
    b = EstateBuilder()
    b.vnet("ipam", [])
    snap = b.snapshot()
    pool = "/subscriptions/5d1e9a47-0c2b-4f8e-9a63-7b2c1d0e4f58/resourceGroups/rg-avnm/providers/Microsoft.Network/networkManagers/avnm/ipamPools/pool-weu"
    snap["resources"][0]["properties"]["addressSpace"]["ipamPoolPrefixAllocations"] = [
        {"pool": {"id": pool}, "numberOfIpAddresses": "1024", "allocatedAddressPrefixes": ["10.0.0.0/22"]}
    ]
    est = load_snapshot(snap)
    assert [str(p) for p in est.vnets[0].address_prefixes] == ["10.0.0.0/22"]
    r = find_free(est, 22, [parse_prefix("10.0.0.0/20")])
    assert [str(p) for p in r.prefixes] == ["10.0.4.0/22"]


def test_reach_through_a_gateway_named_by_remote_gateways_but_not_in_the_snapshot() -> None:
    gw = "/subscriptions/5d1e9a47-0c2b-4f8e-9a63-7b2c1d0e4f58/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworkGateways/vgw-hub"
    b = EstateBuilder()
    b.vnet("hub", ["10.100.0.0/22"])
    b.vnet("spoke", ["10.30.0.0/16"])
    b.peer("spoke", "hub", a_to_b={"use_remote_gateways": True, "remote_gateways": [gw]},
           b_to_a={"allow_gateway_transit": True})
    b.onprem("datacenter", ["192.168.0.0/16"], via="hub")
    v = reach(b.estate(), "spoke", "192.168.1.10")
    assert v.reachable is True and any(r.code == "gateway-transit" for r in v.reasons)


def test_unsynced_link_to_a_vnet_outside_the_snapshot_fails_the_sync_rule() -> None:
    b = EstateBuilder()
    b.vnet("spoke", ["10.30.0.0/16"])
    b.link("spoke", vnet_id("partner-hub", rg="rg-partner"), name="fail_unsynced", sync=None, remote_prefixes=["10.100.0.0/22"])
    b.link("spoke", vnet_id("partner-2", rg="rg-partner"), name="unknown_synced", sync=None, remote_prefixes=["10.101.0.0/22"])
    snap = b.snapshot()
    link = snap["resources"][0]["properties"]["virtualNetworkPeerings"][0]
    link["properties"]["remoteVirtualNetworkAddressSpace"]["addressPrefixes"].append("10.100.8.0/24")
    est = load_snapshot(snap)
    assert judged(peer_not_in_sync.RULE, est) == {"PASS": set(), "FAIL": {"fail_unsynced"}, "UNKNOWN": {"unknown_synced"}}
    assert "10.100.8.0/24" in messages(peer_not_in_sync.RULE, est)["fail_unsynced"]


# ---------------------------------------------------------------------------------------------
# The CLI on every CLI-shaped file: a verdict or one line, never a traceback


@pytest.mark.parametrize("name", sorted(p.name for p in CLI.glob("*.json")))
@pytest.mark.parametrize("command", [["audit"], ["overlaps"], ["free", "--size", "/24"]])
def test_every_cli_shape_loads_in_every_command(name: str, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from vnetplan.cli import main

    try:
        code = main([*command, "--estate", cli(name)])
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if name == "graph-query-projected.json":
        assert code == 2
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and "data[0] 'vnet-hub': not an ARM resource" in lines[0]
    else:
        assert code in (0, 1), err
