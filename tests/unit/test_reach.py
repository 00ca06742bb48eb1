"""Reachability: one named case per peering rule (P1, P2, P4, P5, P6, gateway transit, subnet-level
peering, private endpoints), how targets resolve, UNKNOWN answers, and the `vnetplan reach` CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from netplan.errors import RefError
from netplan.estate import Estate
from netplan.reach import Code, Verdict, reach, reachable_vnets
from tests.unit.builders import SUB2, EstateBuilder, subnet_dict
from tests.unit.traffic_builders import attach, nsg, rule
from vnetplan.cli import main


def hub_and_spokes(*, forwarder: bool = False, fwd_flags: bool = True, lb_sku: str = "Standard",
                   regions: dict[str, str] | None = None) -> EstateBuilder:
    """A corporate hub (firewall, VPN gateway) with two spokes and a provider VNet holding an ILB.

    The spokes' subnets have route tables (0.0.0.0/0 to the firewall, as corporate spokes do); the
    provider's do not. Everything is in westeurope unless ``regions`` moves a VNet elsewhere.
    """
    b = EstateBuilder()
    where = regions or {}
    b.vnet("hub", ["10.0.0.0/16"], rg="rg-hub", location=where.get("hub"),
           subnets={"AzureFirewallSubnet": "10.0.0.0/26", "GatewaySubnet": "10.0.255.0/27"})  # fmt: skip
    rt1, rt2 = b.route_table("rt-spoke1", "rg-spoke1"), b.route_table("rt-spoke2", "rg-spoke2")
    b.vnet("spoke1", ["10.1.0.0/16"], rg="rg-spoke1", location=where.get("spoke1"),
           subnets=[subnet_dict("app", "10.1.1.0/24", route_table=rt1), subnet_dict("data", "10.1.2.0/24", route_table=rt1)])  # fmt: skip
    b.vnet("spoke2", ["10.2.0.0/16"], rg="rg-spoke2", location=where.get("spoke2"),
           subnets=[subnet_dict("app", "10.2.1.0/24", route_table=rt2)])  # fmt: skip
    b.vnet("provider", ["10.3.0.0/16"], rg="rg-provider", subnets={"aks": "10.3.0.0/20"},
           location=where.get("provider"))  # fmt: skip
    for spoke in ("spoke1", "spoke2", "provider"):
        b.peer("hub", spoke, b_to_a={"allow_forwarded": fwd_flags})
    b.lb("lb-apps", "provider", "aks", "10.3.0.10", rg="rg-provider", sku=lb_sku)
    b.nic("vm-app1", "spoke1", "app", "10.1.1.4", vm="vm-app1", rg="rg-spoke1")
    if forwarder:
        b.forwarder("hub", device="azfw", ip="10.0.0.4")
    return b


def pair(*, a_prefix: str = "10.1.0.0/16", b_prefix: str = "10.2.0.0/16", **peer: Any) -> EstateBuilder:
    """Two VNets, ``a`` and ``b``, peered as ``peer`` says; ``b`` holds a VM at 10.2.1.4."""
    b = EstateBuilder()
    b.vnet("a", [a_prefix], subnets={"app": a_prefix.replace(".0.0/16", ".1.0/24")})
    b.vnet("b", [b_prefix], subnets={"app": b_prefix.replace(".0.0/16", ".1.0/24")})
    b.peer("a", "b", **peer)
    b.nic("vm-b", "b", "app", b_prefix.replace(".0.0/16", ".1.4"), vm="vm-b")
    return b


def codes(v: Verdict) -> set[str]:
    return set(v.codes())


def messages(v: Verdict) -> str:
    return " | ".join(r.message for r in v.reasons)


# ---------------------------------------------------------------------------------------------
# P1: only a peering whose two links are Connected carries traffic


def test_pass_p1_connected_peering_reaches_the_peer_and_its_vm() -> None:
    e = pair().estate()
    v = reach(e, "a", "10.2.1.4")
    assert v.reachable is True
    assert v.path == [e.resolve_vnet("a").id, e.resolve_vnet("b").id, e.nics[0].ip_configs[0].id]
    assert Code.PEERED in codes(v)


def test_fail_p1_initiated_peering_names_the_link_and_the_side_that_must_act() -> None:
    e = pair(state="Initiated").estate()
    for src, dst in (("a", "10.2.1.4"), ("b", "a")):
        v = reach(e, src, dst)
        assert v.reachable is False
        assert v.path == []
        assert Code.PEERING_INITIATED in codes(v)
        assert "'a-to-b'" in messages(v) and "rg-net/b has no link back" in messages(v)


def test_fail_p1_disconnected_peering_says_the_other_side_deleted_its_link() -> None:
    v = reach(pair(state="Disconnected").estate(), "a", "b")
    assert v.reachable is False
    assert Code.PEERING_DISCONNECTED in codes(v)
    assert "rg-net/b deleted its side" in messages(v)


def test_unknown_p1_connected_link_without_its_counterpart_in_the_snapshot() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.1.0.0/16"])
    b.vnet("b", ["10.2.0.0/16"])
    b.link("a", "b", state="Connected")
    v = reach(b.estate(), "a", "b")
    assert v.reachable is None
    assert Code.PEERING_LINK_MISSING in codes(v)


# ---------------------------------------------------------------------------------------------
# P5: allowVirtualNetworkAccess=false on either link blocks a Connected peering


@pytest.mark.parametrize("side", ["a_to_b", "b_to_a"])
def test_fail_p5_vnet_access_disabled_on_either_link(side: str) -> None:
    flags: dict[str, Any] = {side: {"allow_vnet_access": False}}
    e = pair(**flags).estate()
    v = reach(e, "a", "10.2.1.4")
    assert v.reachable is False
    assert Code.VNET_ACCESS_DISABLED in codes(v)
    link = "a-to-b" if side == "a_to_b" else "b-to-a"
    assert f"'{link}'" in messages(v)


def test_pass_p5_access_enabled_on_both_links() -> None:
    assert reach(pair(allow_vnet_access=True).estate(), "a", "b").reachable is True


# ---------------------------------------------------------------------------------------------
# P2: not transitive, unless a declared forwarder with forwarded traffic allowed, or gateway transit


def test_fail_p2_spokes_of_a_hub_without_a_declared_forwarder_do_not_reach_each_other() -> None:
    v = reach(hub_and_spokes().estate(), "spoke1", "10.3.0.10")
    assert v.reachable is False
    assert codes(v) >= {Code.NOT_TRANSITIVE}
    assert "rg-hub/hub" in messages(v) and "not transitive" in messages(v)


def test_pass_p2_declared_forwarder_path_is_source_hub_target_resource_in_order() -> None:
    e = hub_and_spokes(forwarder=True).estate()
    v = reach(e, "spoke1", "10.3.0.10")
    assert v.reachable is True
    ids = [e.resolve_vnet(n).id for n in ("spoke1", "hub", "provider")]
    assert v.path == [*ids, e.load_balancers[0].frontends[0].id]
    assert {Code.VIA_FORWARDER, Code.ROUTES_ASSUMED} <= codes(v)
    assert "does not see route tables" in messages(v)
    assert v.target.kind == "lb-frontend"


def test_fail_p2_forwarder_but_target_link_refuses_forwarded_traffic() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.vnet("s", ["10.1.0.0/16"])
    b.vnet("t", ["10.2.0.0/16"])
    b.peer("hub", "s", b_to_a={"allow_forwarded": True})
    b.peer("hub", "t", b_to_a={"allow_forwarded": False})
    b.forwarder("hub", device="nva1")
    v = reach(b.estate(), "s", "t")
    assert v.reachable is False
    assert Code.FORWARDED_TRAFFIC_BLOCKED in codes(v)
    assert "'t-to-hub'" in messages(v) and "nva1" in messages(v)
    assert "'s-to-hub'" not in messages(v)


def test_fail_p2_forwarder_but_source_link_refuses_forwarded_return_traffic() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.vnet("s", ["10.1.0.0/16"])
    b.vnet("t", ["10.2.0.0/16"])
    b.peer("hub", "s", b_to_a={"allow_forwarded": False})
    b.peer("hub", "t", b_to_a={"allow_forwarded": True})
    b.forwarder("hub")
    v = reach(b.estate(), "s", "t")
    assert v.reachable is False
    assert "'s-to-hub'" in messages(v) and "back to rg-net/s" in messages(v)


def test_fail_p2_forwarder_with_hub_to_target_peering_initiated() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.vnet("s", ["10.1.0.0/16"])
    b.vnet("t", ["10.2.0.0/16"])
    b.peer("hub", "s", allow_forwarded=True)
    b.peer("hub", "t", state="Initiated", allow_forwarded=True)
    b.forwarder("hub")
    v = reach(b.estate(), "s", "t")
    assert v.reachable is False
    assert Code.PEERING_INITIATED in codes(v)


def test_pass_p2_direct_peering_initiated_but_forwarder_route_works_and_both_are_explained() -> None:
    b = hub_and_spokes(forwarder=True)
    b.peer("spoke2", "provider", state="Initiated")
    v = reach(b.estate(), "spoke2", "10.3.0.10")
    assert v.reachable is True
    assert len(v.path) == 4
    assert {Code.VIA_FORWARDER, Code.PEERING_INITIATED} <= codes(v)


def test_reachable_vnets_applies_forwarders_and_non_transitivity() -> None:
    e = hub_and_spokes(forwarder=True).estate()
    got = reachable_vnets(e, "spoke1")
    names = {e.vnet(k).name: [e.vnet(p).name for p in path] for k, path in got.items()}  # type: ignore[union-attr]
    assert names == {"spoke1": ["spoke1"], "hub": ["spoke1", "hub"], "spoke2": ["spoke1", "hub", "spoke2"],
                     "provider": ["spoke1", "hub", "provider"]}  # fmt: skip
    plain = reachable_vnets(hub_and_spokes().estate(), "spoke1")
    assert len(plain) == 2


# ---------------------------------------------------------------------------------------------
# Gateway transit towards declared on-prem networks


def gateway_estate(*, use_remote: bool = True, transit: bool = True, local_gw: bool = False) -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"GatewaySubnet": "10.0.255.0/27"})
    b.vnet("spoke", ["10.1.0.0/16"], subnets={"GatewaySubnet": "10.1.255.0/27"} if local_gw else None)
    b.peer("hub", "spoke", a_to_b={"allow_gateway_transit": transit}, b_to_a={"use_remote_gateways": use_remote})
    b.gateway("vpngw-hub", "hub")
    if local_gw:
        b.gateway("vpngw-spoke", "spoke")
    b.onprem("datacenter", ["172.16.0.0/12"], via="hub")
    return b


def test_pass_gateway_transit_spoke_reaches_onprem_through_hub_gateway() -> None:
    e = gateway_estate().estate()
    v = reach(e, "spoke", "172.16.8.9")
    assert v.reachable is True
    assert v.path == [e.resolve_vnet("spoke").id, e.resolve_vnet("hub").id, "onprem:datacenter"]
    assert v.target.kind == "onprem" and v.target.resource == "onprem:datacenter"
    assert Code.GATEWAY_TRANSIT in codes(v)


@pytest.mark.parametrize(("flags", "missing"), [
    ({"use_remote": False}, "useRemoteGateways=false"),
    ({"transit": False}, "allowGatewayTransit=false"),
])  # fmt: skip
def test_fail_gateway_transit_not_configured_names_the_missing_flag(flags: dict[str, bool], missing: str) -> None:
    v = reach(gateway_estate(**flags).estate(), "spoke", "172.16.8.9")
    assert v.reachable is False
    assert Code.GATEWAY_TRANSIT_MISSING in codes(v)
    assert missing in messages(v)


def test_unknown_gateway_transit_with_a_local_gateway_is_inconsistent() -> None:
    v = reach(gateway_estate(local_gw=True).estate(), "spoke", "172.16.8.9")
    assert v.reachable is None
    assert Code.GATEWAY_TRANSIT_INVALID in codes(v)


def test_unknown_gateway_transit_on_two_peerings() -> None:
    b = gateway_estate()
    b.vnet("hub2", ["10.9.0.0/16"], subnets={"GatewaySubnet": "10.9.255.0/27"})
    b.gateway("vpngw-hub2", "hub2")
    b.peer("hub2", "spoke", a_to_b={"allow_gateway_transit": True}, b_to_a={"use_remote_gateways": True})
    v = reach(b.estate(), "spoke", "172.16.8.9")
    assert v.reachable is None
    assert "Azure allows one" in messages(v)


def test_pass_onprem_through_the_sources_own_gateway() -> None:
    e = gateway_estate().estate()
    v = reach(e, "hub", "172.16.0.1")
    assert v.reachable is True
    assert v.path == [e.resolve_vnet("hub").id, "onprem:datacenter"]


def test_unknown_onprem_declared_via_a_vnet_without_gateway() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.onprem("dc", ["192.168.0.0/16"], via="hub")
    v = reach(b.estate(), "hub", "192.168.1.1")
    assert v.reachable is None
    assert Code.NO_GATEWAY in codes(v)


def test_fail_onprem_from_a_vnet_not_peered_with_the_gateway_vnet() -> None:
    b = gateway_estate()
    b.vnet("lonely", ["10.50.0.0/16"])
    v = reach(b.estate(), "lonely", "172.16.8.9")
    assert v.reachable is False
    assert Code.NOT_PEERED in codes(v)


# ---------------------------------------------------------------------------------------------
# P4: Connected but not in sync


def test_fail_p4_target_in_space_added_since_last_sync_is_dropped() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.1.0.0/16"])
    b.vnet("b", ["10.2.0.0/16", "10.20.0.0/16"], subnets={"new": "10.20.1.0/24"})
    b.nic("vm-new", "b", "new", "10.20.1.4")
    b.peer("a", "b", sync="RemoteNotInSync", a_to_b={"remote_prefixes": ["10.2.0.0/16"]})
    v = reach(b.estate(), "a", "10.20.1.4")
    assert v.reachable is False
    assert Code.NOT_IN_SYNC in codes(v)
    assert "10.20.1.4" in messages(v) and "RemoteNotInSync" in messages(v)


def test_pass_p4_not_in_sync_but_target_in_known_space_warns() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.1.0.0/16"])
    b.vnet("b", ["10.2.0.0/16", "10.20.0.0/16"], subnets={"old": "10.2.1.0/24"})
    b.nic("vm-old", "b", "old", "10.2.1.4")
    b.peer("a", "b", sync="RemoteNotInSync", a_to_b={"remote_prefixes": ["10.2.0.0/16"]})
    v = reach(b.estate(), "a", "10.2.1.4")
    assert v.reachable is True
    assert Code.NOT_IN_SYNC in codes(v)


def test_fail_p4_return_traffic_to_a_source_whose_space_the_remote_does_not_know() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.11.0.0/16"])  # re-addressed; b's link still knows the old space
    b.vnet("b", ["10.2.0.0/16"], subnets={"app": "10.2.1.0/24"})
    b.peer("a", "b", sync="LocalNotInSync", b_to_a={"remote_prefixes": ["10.1.0.0/16"]})
    v = reach(b.estate(), "a", "b")
    assert v.reachable is False
    assert "return traffic" in messages(v)


def test_pass_p4_fully_in_sync_vnet_target() -> None:
    assert reach(pair(sync="FullyInSync").estate(), "a", "b").reachable is True


# ---------------------------------------------------------------------------------------------
# P6: Basic internal LB frontends are unreachable across global peering


def lb_across(sku: str, location_b: str) -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("consumer", ["10.1.0.0/16"], location="westeurope")
    b.vnet("provider", ["10.3.0.0/16"], location=location_b, subnets={"aks": "10.3.0.0/20"})
    b.peer("consumer", "provider")
    b.lb("lb-apps", "provider", "aks", "10.3.0.10", sku=sku)
    return b


def test_fail_p6_basic_ilb_across_global_peering() -> None:
    v = reach(lb_across("Basic", "northeurope").estate(), "consumer", "10.3.0.10")
    assert v.reachable is False
    assert Code.BASIC_LB_GLOBAL_PEERING in codes(v)
    assert "Basic SKU" in messages(v) and "northeurope" in messages(v)


def test_pass_p6_standard_ilb_across_global_peering() -> None:
    v = reach(lb_across("Standard", "northeurope").estate(), "consumer", "10.3.0.10")
    assert v.reachable is True


def test_pass_p6_basic_ilb_over_regional_peering() -> None:
    assert reach(lb_across("Basic", "westeurope").estate(), "consumer", "10.3.0.10").reachable is True


def test_fail_p6_basic_ilb_behind_a_forwarder_when_the_last_hop_is_global() -> None:
    e = hub_and_spokes(forwarder=True, lb_sku="Basic", regions={"provider": "swedencentral"}).estate()
    v = reach(e, "spoke1", "10.3.0.10")
    assert v.reachable is False
    assert Code.BASIC_LB_GLOBAL_PEERING in codes(v)
    assert "rg-hub/hub (westeurope)" in messages(v)


def test_pass_p6_basic_ilb_behind_a_forwarder_when_only_the_first_hop_is_global() -> None:
    e = hub_and_spokes(forwarder=True, lb_sku="Basic", regions={"spoke1": "northeurope"}).estate()
    assert reach(e, "spoke1", "10.3.0.10").reachable is True


# ---------------------------------------------------------------------------------------------
# Private endpoints


def pe_estate(status: str = "Approved") -> EstateBuilder:
    b = hub_and_spokes()
    b.subnet("hub", "endpoints", "10.0.10.0/24")
    target = "/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stcorp"
    b.pe("pe-blob", "hub", "endpoints", "10.0.10.5", target, group_ids=["blob"], status=status, rg="rg-hub")
    return b


def test_pass_private_endpoint_from_its_own_vnet() -> None:
    e = pe_estate().estate()
    v = reach(e, "hub", "10.0.10.5")
    assert v.reachable is True
    assert v.path == [e.resolve_vnet("hub").id, e.private_endpoints[0].id]
    assert v.target.kind == "private-endpoint"


def test_pass_private_endpoint_from_a_directly_peered_vnet() -> None:
    e = pe_estate().estate()
    v = reach(e, "spoke1", "10.0.10.5")
    assert v.reachable is True
    assert v.target.subnet == e.resolve_vnet("hub").id + "/subnets/endpoints"


def test_fail_private_endpoint_from_a_vnet_peered_only_with_a_peer_of_it() -> None:
    b = pe_estate()
    b.vnet("far", ["10.60.0.0/16"])
    b.peer("spoke2", "far")
    v = reach(b.estate(), "far", "10.0.10.5")
    assert v.reachable is False
    assert Code.NOT_TRANSITIVE in codes(v)


def test_fail_private_endpoint_whose_connection_is_pending() -> None:
    v = reach(pe_estate(status="Pending").estate(), "spoke1", "10.0.10.5")
    assert v.reachable is False
    assert Code.ENDPOINT_NOT_APPROVED in codes(v)
    assert "Pending" in messages(v) and "stcorp" in messages(v)


# ---------------------------------------------------------------------------------------------
# Subnet-level peering


def subnet_peering(remote_subnets: list[str]) -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("a", ["10.1.0.0/16"], subnets={"web": "10.1.1.0/24", "db": "10.1.2.0/24"})
    b.vnet("b", ["10.2.0.0/16"], subnets={"app": "10.2.1.0/24", "mgmt": "10.2.9.0/24"})
    b.peer("a", "b", peer_complete_vnets=False,
           a_to_b={"local_subnets": ["web"], "remote_subnets": remote_subnets},
           b_to_a={"local_subnets": remote_subnets, "remote_subnets": ["web"]})  # fmt: skip
    b.nic("vm-app", "b", "app", "10.2.1.4")
    b.nic("vm-mgmt", "b", "mgmt", "10.2.9.4")
    return b


def test_pass_subnet_peering_target_in_a_named_subnet() -> None:
    v = reach(subnet_peering(["app"]).estate(), "a", "10.2.1.4")
    assert v.reachable is True
    assert Code.SUBNET_PEERING in codes(v)
    assert "only subnets web of rg-net/a can send" in messages(v)


def test_fail_subnet_peering_target_outside_the_named_subnets() -> None:
    v = reach(subnet_peering(["app"]).estate(), "a", "10.2.9.4")
    assert v.reachable is False
    assert "subnet mgmt" in messages(v)


# ---------------------------------------------------------------------------------------------
# Targets: what an address resolves to


def test_target_ip_of_lb_frontend_resolves_to_vnet_subnet_and_frontend() -> None:
    e = hub_and_spokes(forwarder=True).estate()
    v = reach(e, "spoke1", "10.3.0.10")
    fe = e.load_balancers[0].frontends[0]
    assert v.target.to_dict() == {"input": "10.3.0.10", "vnet": e.resolve_vnet("provider").id,
                                  "subnet": fe.subnet_id, "resource": fe.id, "kind": "lb-frontend"}  # fmt: skip


def test_target_ip_of_nic_and_target_given_as_resource_id() -> None:
    e = hub_and_spokes().estate()
    v = reach(e, "hub", "10.1.1.4")
    assert v.reachable is True and v.target.kind == "nic"
    fe = e.load_balancers[0].frontends[0]
    by_id = reach(e, "hub", fe.id.upper())
    assert by_id.target.resource == fe.id and by_id.reachable is True


def test_target_vnet_reference_by_resource_group_and_name() -> None:
    e = hub_and_spokes().estate()
    v = reach(e, "rg-spoke1/spoke1", "rg-hub/hub")
    assert v.reachable is True
    assert v.target.kind == "vnet" and v.path == [e.resolve_vnet("spoke1").id, e.resolve_vnet("hub").id]


def test_ip_in_vnet_space_that_no_resource_holds_is_answered_and_said() -> None:
    v = reach(hub_and_spokes().estate(), "hub", "10.1.2.99")
    assert v.reachable is True
    assert v.target.kind == "address" and v.target.subnet is not None and v.target.subnet.endswith("/subnets/data")
    assert Code.NO_OWNER in codes(v)


def test_unknown_ip_outside_the_snapshot() -> None:
    v = reach(hub_and_spokes().estate(), "spoke1", "192.0.2.10")
    assert v.reachable is None
    assert v.target.kind == "outside"
    assert Code.OUTSIDE_SNAPSHOT in codes(v)


def test_unknown_ip_in_a_peered_vnet_missing_from_the_snapshot() -> None:
    b = hub_and_spokes()
    other = "/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/partner"
    b.link("hub", other, remote_prefixes=["10.77.0.0/16"])
    v = reach(b.estate(), "hub", "10.77.1.1")
    assert v.reachable is None
    assert v.target.vnet == other
    assert "rg-x/partner" in messages(v) and "not in the snapshot" in messages(v)


def test_overlapping_vnets_the_answer_uses_the_one_reachable_from_the_source() -> None:
    b = hub_and_spokes()
    b.vnet("isolated", ["10.3.0.0/16"], rg="rg-other", subnets={"aks": "10.3.0.0/20"})
    b.lb("lb-other", "isolated", "aks", "10.3.0.10", rg="rg-other")
    e = b.estate()
    v = reach(e, "hub", "10.3.0.10")
    assert v.reachable is True
    assert v.target.vnet == e.resolve_vnet("provider").id
    assert Code.OVERLAP in codes(v) and "rg-other/isolated" in messages(v)


def test_fail_address_in_the_sources_own_space_held_by_an_overlapping_vnet() -> None:
    b = hub_and_spokes(forwarder=True)
    b.vnet("consumer", ["10.3.0.0/16"], rg="rg-consumer")  # overlaps the provider VNet
    e = b.estate()
    v = reach(e, "consumer", "10.3.0.10")
    assert v.reachable is False
    assert v.target.kind == "lb-frontend" and v.target.vnet == e.resolve_vnet("provider").id
    assert Code.OVERLAP in codes(v) and "Private Link" in messages(v)


# ---------------------------------------------------------------------------------------------
# What the snapshot cannot show


def test_unknown_when_a_gap_covers_the_target_and_the_gap_is_named() -> None:
    b = hub_and_spokes(forwarder=True)
    b.vnet("partner", ["10.40.0.0/16"], sub=SUB2, rg="rg-partner")
    b.peer("hub", "partner", b_to_a={"allow_forwarded": True})
    b.gap(SUB2, "virtualNetworks", "HTTP 403 AuthorizationFailed")
    e = b.estate()
    v = reach(e, "spoke1", "partner")
    assert v.reachable is None
    assert Code.SNAPSHOT_GAP in codes(v)
    assert "AuthorizationFailed" in messages(v)
    assert reach(e, "spoke1", "provider").reachable is True  # the gap covers only that subscription


def test_dns_gaps_do_not_change_reachability() -> None:
    b = hub_and_spokes()
    b.gap(b.sub, "privateDnsZones", "HTTP 403")
    assert reach(b.estate(), "spoke1", "hub").reachable is True


def test_owner_gap_makes_an_unowned_address_unknown() -> None:
    b = hub_and_spokes()
    b.gap(b.sub, "loadBalancers", "HTTP 429 throttled")
    e = b.estate()
    assert reach(e, "hub", "10.3.0.99").reachable is None
    assert reach(e, "hub", "10.3.0.10").reachable is True  # found anyway: the gap cannot change it


def test_route_tables_on_source_and_target_subnets_are_reported_as_not_evaluated() -> None:
    b = pair()
    b.subnet("a", "routed", "10.1.5.0/24", route_table=b.route_table("rt-spoke"))
    b.subnet("b", "fw", "10.2.5.0/24", route_table=b.route_table("rt-b"))
    b.nic("vm-fw", "b", "fw", "10.2.5.4")
    v = reach(b.estate(), "a", "10.2.5.4")
    assert v.reachable is True
    udr = [r.message for r in v.reasons if r.code == Code.UDR_NOT_EVALUATED]
    assert len(udr) == 2
    assert "rt-spoke" in udr[0] and "rt-b" in udr[1]


def test_same_vnet_target_is_reachable_with_a_one_vnet_path() -> None:
    e = hub_and_spokes().estate()
    v = reach(e, "spoke1", "10.1.1.4")
    assert v.reachable is True and v.path == [e.resolve_vnet("spoke1").id, e.nics[0].ip_configs[0].id]
    assert Code.SAME_VNET in codes(v)


def test_ambiguous_source_reference_lists_candidates() -> None:
    b = hub_and_spokes()
    b.vnet("spoke1", ["10.9.0.0/16"], rg="rg-dup", key="spoke1-dup")
    with pytest.raises(RefError) as exc:
        reach(b.estate(), "spoke1", "hub")
    assert len(exc.value.candidates) == 2


# ---------------------------------------------------------------------------------------------
# CLI


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_contract_and_exit_0_when_reachable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = hub_and_spokes(forwarder=True).write(tmp_path / "estate.json")
    code, out, err = run_cli(capsys, "reach", "--estate", f, "spoke1", "10.3.0.10", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["source", "target", "reachable", "path", "reasons"]
    assert list(data["target"]) == ["input", "vnet", "subnet", "resource", "kind"]
    assert data["reachable"] is True
    assert [p.rsplit("/", 1)[-1] for p in data["path"]] == ["spoke1", "hub", "provider", "fe"]
    assert all(set(r) == {"code", "message"} for r in data["reasons"])
    assert err == ""


def test_cli_exit_1_when_not_reachable_and_when_unknown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = hub_and_spokes().write(tmp_path / "estate.json")
    code, out, _ = run_cli(capsys, "reach", "--estate", f, "spoke1", "10.3.0.10")
    assert code == 1
    assert out.startswith("NOT REACHABLE  rg-spoke1/spoke1 -> 10.3.0.10: lb-frontend")
    assert "[not-transitive]" in out
    code, out, _ = run_cli(capsys, "reach", "--estate", f, "spoke1", "198.51.100.7", "--format", "json")
    assert code == 1
    assert json.loads(out)["reachable"] is None


def test_cli_ambiguous_vnet_is_exit_2_with_one_line_listing_candidates(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    b = hub_and_spokes()
    b.vnet("spoke1", ["10.9.0.0/16"], rg="rg-dup", key="spoke1-dup")
    f = b.write(tmp_path / "estate.json")
    code, out, err = run_cli(capsys, "reach", "--estate", f, "spoke1", "hub")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "rg-dup" in err and "rg-spoke1" in err
    code, out, err = run_cli(capsys, "reach", "--estate", f, "hub", "nosuchvnet")
    assert code == 2 and "no VNet matches 'nosuchvnet'" in err and "Traceback" not in err


def test_fail_p6_direct_peering_decides_even_when_a_forwarder_could_detour() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], location="northeurope")
    b.vnet("consumer", ["10.1.0.0/16"], location="westeurope")
    b.vnet("provider", ["10.3.0.0/16"], location="northeurope", subnets={"aks": "10.3.0.0/20"})
    b.peer("consumer", "provider")
    b.peer("hub", "consumer", allow_forwarded=True)
    b.peer("hub", "provider", allow_forwarded=True)
    b.forwarder("hub")
    b.lb("lb-basic", "provider", "aks", "10.3.0.10", sku="Basic")
    v = reach(b.estate(), "consumer", "10.3.0.10")
    assert v.reachable is False
    assert Code.BASIC_LB_GLOBAL_PEERING in codes(v)
    assert Code.VIA_FORWARDER not in codes(v)


def test_pass_p2_forwarder_from_a_source_without_route_table_says_what_the_answer_rests_on() -> None:
    e = hub_and_spokes(forwarder=True).estate()
    v = reach(e, "provider", "10.1.1.4")  # the provider's subnets have no route table
    assert v.reachable is True  # declared; a route may come from BGP (Route Server, NVA)
    (warning,) = [r.message for r in v.reasons if r.code == Code.NO_ROUTE_TABLE]
    assert "no subnet of rg-provider/provider has a route table" in warning and "BGP" in warning


def test_pass_p2_forwarder_to_a_target_without_route_table_warns_about_the_return_path() -> None:
    v = reach(hub_and_spokes(forwarder=True).estate(), "spoke1", "10.3.0.10")
    assert v.reachable is True
    (warning,) = [r.message for r in v.reasons if r.code == Code.NO_ROUTE_TABLE]
    assert "replies to rg-spoke1/spoke1" in warning and "source-NATs" in warning
    both = reach(hub_and_spokes(forwarder=True).estate(), "spoke1", "10.2.1.4")
    assert both.reachable is True and Code.NO_ROUTE_TABLE not in codes(both)


# ---------------------------------------------------------------------------------------------
# The sample estates (samples/README.md lists their deliberate problems)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def mendix() -> Estate:
    from netplan.estate import load_estate

    return load_estate([SAMPLES / "mendix-estate.json"])


def names(e: Estate, path: list[str]) -> list[str]:
    return [e.vnet(p).name if e.vnet(p) else p.rsplit("/", 1)[-1] for p in path]  # type: ignore[union-attr]


def test_sample_spoke1_reaches_the_mendix_ilb_through_the_hub_firewall(mendix: Estate) -> None:
    v = reach(mendix, "vnet-corp-spoke1-weu", "10.20.0.250")
    assert v.reachable is True
    assert names(mendix, v.path)[:3] == ["vnet-corp-spoke1-weu", "vnet-hub-weu", "vnet-mendix-weu"]
    assert v.target.kind == "lb-frontend" and v.target.vnet is not None and v.target.vnet.endswith("vnet-mendix-weu")
    # 10.20.0.250 is also inside the legacy VNet's space (deliberate overlap [4]); the reachable one is chosen.
    assert {Code.VIA_FORWARDER, Code.ROUTES_ASSUMED, Code.OVERLAP, Code.NO_ROUTE_TABLE} <= codes(v)


def test_sample_spoke2_mendix_peering_is_initiated_so_only_the_firewall_carries_it(mendix: Estate) -> None:
    v = reach(mendix, "vnet-corp-spoke2-weu", "10.20.0.250")
    assert v.reachable is True and Code.VIA_FORWARDER in codes(v)
    assert Code.PEERING_INITIATED in codes(v)
    without_firewall = replace(mendix, forwarders=())
    v2 = reach(without_firewall, "vnet-corp-spoke2-weu", "10.20.0.250")
    assert v2.reachable is False
    assert "'peer-corp-spoke2-weu-to-mendix-weu'" in messages(v2) and "has no link back" in messages(v2)


def test_sample_mendix_reaches_the_spoke_database_endpoint_only_as_declared(mendix: Estate) -> None:
    v = reach(mendix, "vnet-mendix-weu", "10.110.2.4")
    assert v.reachable is True
    assert v.target.kind == "private-endpoint"
    assert {Code.VIA_FORWARDER, Code.NO_ROUTE_TABLE} <= codes(v)
    assert "no subnet of rg-mendix-weu/vnet-mendix-weu has a route table" in messages(v)


def test_sample_hub_to_space_added_to_spoke3_since_the_last_sync_is_dropped(mendix: Estate) -> None:
    v = reach(mendix, "vnet-hub-weu", "10.120.8.4")
    assert v.reachable is False
    assert Code.NOT_IN_SYNC in codes(v) and "10.120.0.0/22" in messages(v)
    assert reach(mendix, "vnet-hub-weu", "10.120.0.4").reachable is True


def test_sample_legacy_vnet_reaches_the_apps_only_through_its_private_endpoint(mendix: Estate) -> None:
    ilb = reach(mendix, "vnet-legacy-apps-weu", "10.20.0.250")
    assert ilb.reachable is False and Code.OVERLAP in codes(ilb)
    pe = reach(mendix, "vnet-legacy-apps-weu", "10.20.3.4")
    assert pe.reachable is True and pe.target.kind == "private-endpoint"


def test_sample_spoke1_reaches_onprem_by_gateway_transit(mendix: Estate) -> None:
    v = reach(mendix, "vnet-corp-spoke1-weu", "172.16.1.10")
    assert v.reachable is True
    assert names(mendix, v.path) == ["vnet-corp-spoke1-weu", "vnet-hub-weu", "onprem:dc-amsterdam"]


def test_sample_clean_estate_spokes_reach_the_hub_and_onprem_but_not_each_other() -> None:
    from netplan.estate import load_estate

    e = load_estate([SAMPLES / "clean-estate.json"])
    assert reach(e, "vnet-spoke-a", "vnet-hub").reachable is True
    assert reach(e, "vnet-spoke-a", "192.168.1.1").reachable is True
    assert reach(e, "vnet-hub", "10.60.0.200").reachable is True
    assert reach(e, "vnet-spoke-c", "10.51.1.4").reachable is False  # no forwarder declared: P2


def test_address_in_many_overlapping_vnets_answers_for_the_peered_one_and_summarizes_the_rest() -> None:
    b = EstateBuilder()
    b.vnet("consumer", ["10.50.0.0/16"])
    for i in range(8):  # the "default" 10.0.0.0/16 reused by many isolated VNets
        b.vnet(f"default{i}", ["10.0.0.0/16"], rg=f"rg-{i}", subnets={"default": "10.0.0.0/24"})
    b.peer("consumer", "default5")
    e = b.estate()
    v = reach(e, "consumer", "10.0.0.4")
    assert v.reachable is True
    assert v.target.vnet == e.resolve_vnet("default5").id
    (note,) = [r.message for r in v.reasons if r.code == Code.OVERLAP]
    assert "inside 8 VNets" in note and "and 2 more" in note
    lonely = reach(e, "default0", "10.0.0.4")  # inside its own space: stays there
    assert lonely.reachable is True and lonely.path[0] == e.resolve_vnet("default0").id


def test_the_per_estate_index_does_not_keep_the_estate_alive() -> None:
    import gc
    import weakref

    from netplan.flow import flow
    from netplan.routes import effective_routes

    b = pair()
    g = nsg("nsg-b", [rule("deny-443", 200, access="Deny", ports="443")])
    b.add(g)
    attach(b, "b", "app", nsg_id=g["id"])
    e = b.estate()
    assert reach(e, "a", "b").reachable is True
    a = e.resolve_vnet("a")
    effective_routes(e, a.subnets[0])
    assert flow(e, a.id, "10.2.1.4", 443).reachable is False  # the NSG's rule: flow's index is built too
    gone = weakref.ref(e)
    gc.collect()
    gc.disable()  # no reference cycle: the estate goes when its last reference does, not at the next collection
    try:
        del e, a
        assert gone() is None
    finally:
        gc.enable()
