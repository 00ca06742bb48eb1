"""bench.synth: deterministic, consistent synthetic estates of the requested size and prefix count."""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bench.synth import generate, main
from tests.unit.test_samples import defined_ids, ip_placements, references, subnet_index

VNET = "Microsoft.Network/virtualNetworks"


@pytest.fixture(scope="module")
def estate() -> dict[str, Any]:
    return generate(2000, seed=7, prefixes_per_vnet=10)


def vnets(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in doc["resources"] if r["type"] == VNET]


def peerings(doc: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(v, p) for v in vnets(doc) for p in v["properties"]["virtualNetworkPeerings"]]


def test_deterministic_for_a_seed() -> None:
    a = json.dumps(generate(300, seed=3, prefixes_per_vnet=4), sort_keys=True)
    b = json.dumps(generate(300, seed=3, prefixes_per_vnet=4), sort_keys=True)
    c = json.dumps(generate(300, seed=4, prefixes_per_vnet=4), sort_keys=True)
    assert a == b
    assert a != c


@pytest.mark.parametrize(("n", "ppv"), [(1, 1), (1, 5), (7, 3), (50, 1), (500, 10), (1200, 25)])
def test_vnet_and_prefix_counts(n: int, ppv: int) -> None:
    doc = generate(n, seed=1, prefixes_per_vnet=ppv)
    vs = vnets(doc)
    assert len(vs) == n
    assert sum(len(v["properties"]["addressSpace"]["addressPrefixes"]) for v in vs) == n * ppv
    assert len({v["id"].lower() for v in vs}) == n


def test_every_peering_refers_to_a_vnet_in_the_estate(estate: dict[str, Any]) -> None:
    ids = {v["id"].lower() for v in vnets(estate)}
    ps = peerings(estate)
    assert len(ps) > 1000
    assert all(p["properties"]["remoteVirtualNetwork"]["id"].lower() in ids for _, p in ps)
    names = [(v["id"], p["properties"]["remoteVirtualNetwork"]["id"]) for v, p in ps]
    assert len(names) == len(set(names)), "one peering per local/remote pair (P3)"
    per_vnet = Counter(v["id"] for v, _ in ps)
    assert max(per_vnet.values()) <= 500, "P8: 500 peerings per VNet"


def test_peering_states_and_flags(estate: dict[str, Any]) -> None:
    states = Counter(p["properties"]["peeringState"] for _, p in peerings(estate))
    sync = Counter(p["properties"]["peeringSyncLevel"] for _, p in peerings(estate))
    total = sum(states.values())
    assert states["Connected"] > 0.9 * total
    assert 0 < states["Initiated"] + states["Disconnected"] < 0.05 * total
    assert 0 < sync["RemoteNotInSync"] < 0.05 * total and sync["LocalNotInSync"] == sync["RemoteNotInSync"]
    by_id = {v["id"]: v for v in vnets(estate)}
    for v, p in peerings(estate):
        props = p["properties"]
        remote = by_id[props["remoteVirtualNetwork"]["id"]]
        if props["peeringSyncLevel"] == "FullyInSync":
            real = remote["properties"]["addressSpace"]["addressPrefixes"]
            assert props["remoteVirtualNetworkAddressSpace"]["addressPrefixes"] == real
        if props["useRemoteGateways"]:
            assert props["peeringState"] == "Connected" and not props["allowGatewayTransit"]
            back = [
                q["properties"]
                for q in remote["properties"]["virtualNetworkPeerings"]
                if q["properties"]["remoteVirtualNetwork"]["id"] == v["id"]
            ]
            assert back and back[0]["allowGatewayTransit"]


def test_default_ranges_are_reused_by_isolated_vnets(estate: dict[str, Any]) -> None:
    users = [v for v in vnets(estate) if "10.0.0.0/16" in v["properties"]["addressSpace"]["addressPrefixes"]]
    assert len(users) >= 20
    assert all(not v["properties"]["virtualNetworkPeerings"] for v in users)
    isolated = [v for v in vnets(estate) if not v["properties"]["virtualNetworkPeerings"]]
    assert 0.1 * len(vnets(estate)) < len(isolated) < 0.25 * len(vnets(estate))
    defaults = {"10.0.0.0/16", "10.1.0.0/16", "172.16.0.0/16", "192.168.0.0/24"}
    for v in users:
        assert set(v["properties"]["addressSpace"]["addressPrefixes"]) <= defaults


def test_all_cidrs_are_strict_networks(estate: dict[str, Any]) -> None:
    seen = 0
    v6 = 0
    remote_space: set[str] = set()
    for v in vnets(estate):
        for p in v["properties"]["addressSpace"]["addressPrefixes"]:
            net = ipaddress.ip_network(p, strict=True)
            assert str(net) == p, "canonical text"
            if net.version == 4:
                assert 16 <= net.prefixlen <= 26
                assert (
                    net.subnet_of(ipaddress.IPv4Network("10.0.0.0/8"))
                    or net.subnet_of(ipaddress.IPv4Network("172.16.0.0/12"))
                    or net.subnet_of(ipaddress.IPv4Network("192.168.0.0/16"))
                )
            else:
                v6 += 1
                assert net.subnet_of(ipaddress.IPv6Network("fd00::/8")) and 48 <= net.prefixlen <= 64
            seen += 1
        for peer in v["properties"]["virtualNetworkPeerings"]:
            remote_space.update(peer["properties"]["remoteVirtualNetworkAddressSpace"]["addressPrefixes"])
    for p in remote_space:
        ipaddress.ip_network(p, strict=True)
    for e in estate["declarations"]["onprem"]:
        for p in e["prefixes"]:
            ipaddress.ip_network(p, strict=True)
    assert subnet_index(estate)  # parses every subnet prefix strictly
    assert seen == 20000 and v6 > 0


def test_references_resolve_and_addresses_are_consistent(estate: dict[str, Any]) -> None:
    known = defined_ids(estate)
    outside = (
        "/microsoft.storage/",
        "/microsoft.sql/",
        "/microsoft.keyvault/",
        "/microsoft.dbforpostgresql/",
    )
    missing = [
        r for r in references(estate) if r.lower() not in known and not any(o in r.lower() for o in outside)
    ]
    assert not missing
    subnets = subnet_index(estate)
    for v in vnets(estate):
        space = [ipaddress.ip_network(p) for p in v["properties"]["addressSpace"]["addressPrefixes"]]
        for s in v["properties"]["subnets"]:
            for net in subnets[s["id"].lower()]:
                assert any(net.version == p.version and net.subnet_of(p) for p in space)  # type: ignore[arg-type]
    for ip, subnet_id in ip_placements(estate):
        assert any(ipaddress.ip_address(ip) in n for n in subnets[subnet_id.lower()]), (ip, subnet_id)


def test_overlaps_only_where_intended(estate: dict[str, Any]) -> None:
    """Connected VNets get disjoint space, except a few injected accidental overlaps between spokes."""
    spans = []
    for v in vnets(estate):
        if not v["properties"]["virtualNetworkPeerings"]:
            continue
        for p in v["properties"]["addressSpace"]["addressPrefixes"]:
            net = ipaddress.ip_network(p)
            if net.version == 4:
                spans.append((int(net.network_address), int(net.broadcast_address), v["id"]))
    spans.sort()
    pairs = set()
    reach = (-1, "")
    for lo, hi, vid in spans:
        if lo <= reach[0] and vid != reach[1]:
            pairs.add(frozenset((vid, reach[1])))
        if hi > reach[0]:
            reach = (hi, vid)
    assert 0 < len(pairs) < 0.02 * len(vnets(estate))


def test_dns_and_services(estate: dict[str, Any]) -> None:
    types = Counter(r["type"] for r in estate["resources"])
    for t in (
        "Microsoft.Network/loadBalancers",
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        "Microsoft.Network/networkInterfaces",
        "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/privateDnsZones/A",
        "Microsoft.Network/privateDnsZones/SOA",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "Microsoft.Network/virtualNetworkGateways",
        "Microsoft.Network/dnsResolvers/inboundEndpoints",
    ):
        assert types[t] > 0, t
    links = Counter(
        r["id"].lower().split("/virtualnetworklinks/")[0]
        for r in estate["resources"]
        if r["type"] == "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
    )
    assert max(links.values()) <= 1000, "D7: 1000 links per zone"
    pairs = [
        (r["id"].lower().split("/virtualnetworklinks/")[0], r["properties"]["virtualNetwork"]["id"].lower())
        for r in estate["resources"]
        if r["type"] == "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
    ]
    assert len(pairs) == len(set(pairs)), "D7: one link per zone-VNet pair"
    decl = estate["declarations"]
    assert decl["onprem"] and decl["forwarders"] and decl["dns_forwarders"]


def test_cli_writes_the_same_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "estate.json"
    assert main(["--vnets", "40", "--seed", "2", "--prefixes-per-vnet", "3", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == generate(40, seed=2, prefixes_per_vnet=3)
    assert main(["--vnets", "5"]) == 0
    assert json.loads(capsys.readouterr().out) == generate(5)
    assert main(["--vnets", "0"]) == 2
