"""Peering topology: pairs with their link states, common peers, routing domains (union-find)."""

from __future__ import annotations

from netplan.ids import rid_key
from netplan.topology import (
    common_peers,
    neighbours,
    onprem_key,
    peer_pair,
    peered_pairs,
    routing_domains,
)
from tests.unit.builders import EstateBuilder, vnet_id


def k(name: str) -> str:
    return rid_key(vnet_id(name))


def test_peered_pairs_keep_one_entry_per_vnet_pair_with_both_links() -> None:
    b = EstateBuilder()
    for n, p in (("hub", "10.0.0.0/16"), ("spoke1", "10.1.0.0/16"), ("spoke2", "10.2.0.0/16")):
        b.vnet(n, [p])
    b.peer("hub", "spoke1")
    b.peer("hub", "spoke2", state="Initiated")
    pairs = peered_pairs(b.estate())
    assert len(pairs) == 2
    full = peer_pair(b.estate(), vnet_id("spoke1"), vnet_id("hub"))
    assert full is not None and full.connected and len(full.links) == 2
    half = pairs[tuple(sorted((k("hub"), k("spoke2"))))]  # type: ignore[index]
    assert not half.connected
    assert half.states == ("hub: Initiated",)


def test_peer_pair_ignores_id_case() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.0.0.0/16"])
    b.vnet("b", ["10.1.0.0/16"])
    b.peer("a", "b")
    e = b.estate()
    assert peer_pair(e, vnet_id("A").upper(), vnet_id("b")) is not None


def test_common_peers_names_the_hub_between_two_spokes() -> None:
    b = EstateBuilder()
    for n, p in (
        ("hub", "10.0.0.0/16"),
        ("s1", "10.1.0.0/16"),
        ("s2", "10.2.0.0/16"),
        ("lone", "10.3.0.0/16"),
    ):
        b.vnet(n, [p])
    b.peer("hub", "s1")
    b.peer("hub", "s2", state="Disconnected")  # any state counts
    e = b.estate()
    assert common_peers(e, vnet_id("s1"), vnet_id("s2")) == [k("hub")]
    assert common_peers(e, vnet_id("s1"), vnet_id("lone")) == []
    assert neighbours(e, vnet_id("hub")) == {k("s1"), k("s2")}


def test_routing_domains_join_peered_vnets_and_onprem_via_its_gateway() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"GatewaySubnet": "10.0.255.0/27"})
    b.vnet("spoke", ["10.1.0.0/16"])
    b.vnet("island", ["10.9.0.0/16"])
    b.gateway("vpngw", "hub")
    b.peer("hub", "spoke", a_to_b={"allow_gateway_transit": True}, b_to_a={"use_remote_gateways": True})
    b.onprem("dc-amsterdam", ["192.168.0.0/16"], via="hub")
    b.onprem("branch-unknown", ["172.20.0.0/16"])
    e = b.estate()
    d = routing_domains(e)
    assert d[k("hub")] == d[k("spoke")] == d[onprem_key("dc-amsterdam")]
    assert d[k("island")] != d[k("hub")]
    assert d[onprem_key("branch-unknown")] not in (d[k("hub")], d[k("island")])
    pair = peer_pair(e, vnet_id("hub"), vnet_id("spoke"))
    assert pair is not None and pair.gateway_transit


def test_routing_domains_with_planned_edges_merge_domains_without_touching_the_cache() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.0.0.0/16"])
    b.vnet("b", ["10.1.0.0/16"])
    e = b.estate()
    assert routing_domains(e)[k("a")] != routing_domains(e)[k("b")]
    planned = routing_domains(e, [(vnet_id("a"), vnet_id("b"))])
    assert planned[k("a")] == planned[k("b")]
    assert routing_domains(e)[k("a")] != routing_domains(e)[k("b")]


def test_vnets_peered_with_the_same_hub_outside_the_snapshot_share_a_domain() -> None:
    b = EstateBuilder()
    b.vnet("s1", ["10.1.0.0/16"])
    b.vnet("s2", ["10.2.0.0/16"])
    unseen = vnet_id("hub-elsewhere", rg="rg-other")
    b.link("s1", unseen, remote_prefixes=["10.0.0.0/16"])
    b.link("s2", unseen, remote_prefixes=["10.0.0.0/16"])
    d = routing_domains(b.estate())
    assert d[k("s1")] == d[k("s2")] == d[rid_key(unseen)]
