"""Addressing and private endpoint rules: exact sets of judged resources per status."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from checks.model import maybe_self_overlapping, spans_of
from checks.rules import (
    net_routing_domain_overlap,
    net_space_self_overlap,
    net_subnet_outside_space,
    pe_no_dns,
    pe_not_approved,
)
from netplan.addr import Prefix
from tests.checks.builders import judged, messages
from tests.unit.builders import EstateBuilder

ACCT = "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/acct"


def test_subnet_outside_space() -> None:
    b = EstateBuilder()
    b.vnet("v", ["10.1.0.0/16", "10.9.0.0/24"], subnets={"pass_inside": "10.1.1.0/24", "pass_second_range": "10.9.0.0/25",
                                                          "fail_outside": "10.2.0.0/24", "fail_straddles": "10.9.0.0/23"})  # fmt: skip
    est = b.estate()
    got = judged(net_subnet_outside_space.RULE, est)
    assert got == {"PASS": {"pass_inside", "pass_second_range"}, "FAIL": {"fail_outside", "fail_straddles"}, "UNKNOWN": set()}
    assert "10.2.0.0/24 outside the address space (10.1.0.0/16, 10.9.0.0/24)" in messages(net_subnet_outside_space.RULE, est)["fail_outside"]


def test_subnet_outside_space_in_every_shape_of_address_space() -> None:
    b = EstateBuilder()
    # Disjoint IPv4 prefixes, listed out of order: a subnet before, between or after them is outside.
    b.vnet("spread", ["10.20.0.0/16", "10.4.0.0/24", "10.8.0.0/22"], subnets={
        "pass_last_range": "10.20.7.0/24", "pass_first_range": "10.4.0.128/25", "pass_middle": "10.8.3.0/24",
        "fail_before_all": "10.0.0.0/24", "fail_between": "10.5.0.0/24", "fail_after_all": "10.21.0.0/24",
        "fail_ipv6_in_ipv4_space": "fd00::/64",
    })  # fmt: skip
    # Nested prefixes (reported by VNP-NET-002): a subnet inside either is inside.
    b.vnet("nested", ["10.30.0.0/16", "10.30.4.0/24"], subnets={"pass_in_outer": "10.30.9.0/24", "pass_in_both": "10.30.4.0/26"})
    # Dual stack: each subnet prefix must lie in a prefix of its own IP version.
    b.vnet("dual", ["10.40.0.0/16", "fd40::/48"], subnets={"pass_dual": ["10.40.1.0/24", "fd40:0:0:1::/64"],
                                                          "fail_v6_outside": ["10.40.2.0/24", "fd41::/64"]})  # fmt: skip
    got = judged(net_subnet_outside_space.RULE, b.estate())
    assert got == {
        "PASS": {"pass_last_range", "pass_first_range", "pass_middle", "pass_in_outer", "pass_in_both", "pass_dual"},
        "FAIL": {"fail_before_all", "fail_between", "fail_after_all", "fail_ipv6_in_ipv4_space", "fail_v6_outside"},
        "UNKNOWN": set(),
    }


def test_vnet_space_self_overlap() -> None:
    b = EstateBuilder()
    b.vnet("pass_disjoint", ["10.1.0.0/16", "10.2.0.0/16", "fd00::/64"])
    b.vnet("fail_nested", ["10.3.0.0/16", "10.3.4.0/24"])
    b.vnet("fail_v6", ["fd01::/48", "fd01:0:0:1::/64"])
    got = judged(net_space_self_overlap.RULE, b.estate())
    assert got == {"PASS": {"pass_disjoint"}, "FAIL": {"fail_nested", "fail_v6"}, "UNKNOWN": set()}


_PREFIX = st.one_of(
    st.integers(0, 2**12 - 1).flatmap(lambda v: st.integers(20, 32).map(lambda n: Prefix(4, (v << 20) >> (32 - n) << (32 - n), n))),
    st.integers(0, 2**8 - 1).flatmap(lambda v: st.integers(120, 128).map(lambda n: Prefix(6, (v << 120) >> (128 - n) << (128 - n), n))),
)


@given(st.lists(_PREFIX, max_size=8))
def test_the_quick_disjointness_test_never_misses_an_overlap(prefixes: list[Prefix]) -> None:
    # VNP-NET-002, VNP-NET-001 and VNP-PEER-004's estate-wide flags skip a VNet whose prefixes the
    # C-level test proves disjoint; a miss would be a silent pass.
    spans = spans_of(prefixes)
    overlapping = net_space_self_overlap.self_overlaps(spans)
    assert not overlapping or maybe_self_overlapping(spans)
    if len({p.version for p in prefixes}) == 1:  # one IP version: the test is exact
        assert maybe_self_overlapping(spans) == bool(overlapping)


def test_routing_domain_overlap_through_forwarding_hubs_and_with_onprem() -> None:
    b = EstateBuilder()
    b.vnet("hub1", ["10.0.0.0/16"], subnets={"GatewaySubnet": "10.0.255.0/27"})
    b.gateway("hub1-gw", "hub1")
    b.vnet("hub2", ["10.100.0.0/16"])
    b.vnet("fail_spoke_a", ["10.5.0.0/16"])
    b.vnet("fail_spoke_b", ["10.5.0.0/16"])   # same range as a, behind the other hub
    b.vnet("fail_spoke_onprem", ["192.168.10.0/24"])
    b.vnet("pass_isolated", ["10.5.0.0/16"])  # overlaps a and b but never routes to them: legitimate (P3)
    b.peer("hub1", "hub2", allow_forwarded=True)
    b.peer("hub1", "fail_spoke_a", allow_forwarded=True)
    b.peer("hub2", "fail_spoke_b", allow_forwarded=True)
    b.peer("fail_spoke_onprem", "hub1", a_to_b={"use_remote_gateways": True}, b_to_a={"allow_gateway_transit": True})
    b.forwarder("hub1", device="azfw", ip="10.0.0.4")
    b.forwarder("hub2", device="azfw", ip="10.100.0.4")
    b.onprem("datacenter", ["192.168.0.0/16"], via="hub1")
    est = b.estate()
    got = judged(net_routing_domain_overlap.RULE, est)
    assert {n.split("[")[0] for n in got["FAIL"]} == {"fail_spoke_a", "fail_spoke_b", "fail_spoke_onprem"}
    assert got["PASS"] == {"hub1", "hub2", "pass_isolated"}
    assert got["UNKNOWN"] == set()
    msg = messages(net_routing_domain_overlap.RULE, est)
    onprem = next(m for k, m in msg.items() if k.startswith("fail_spoke_onprem"))
    assert "datacenter" in onprem


def test_routing_domain_isolated_overlap_is_unknown_when_the_snapshot_has_gaps() -> None:
    b = EstateBuilder()
    b.vnet("unknown_a", ["10.6.0.0/16"])
    b.vnet("unknown_b", ["10.6.0.0/16"])
    b.vnet("pass_alone", ["10.7.0.0/16"])
    b.gap("/subscriptions/00000000-0000-0000-0000-00000000dead")
    got = judged(net_routing_domain_overlap.RULE, b.estate())
    assert got == {"PASS": {"pass_alone"}, "FAIL": set(), "UNKNOWN": {"unknown_a", "unknown_b"}}


def test_private_endpoint_not_approved() -> None:
    b = EstateBuilder()
    b.vnet("c", ["10.1.0.0/16"], subnets={"pe": "10.1.1.0/24"})
    b.pe("pass_approved", "c", "pe", "10.1.1.4", ACCT, group_ids=["blob"])
    b.pe("fail_pending", "c", "pe", "10.1.1.5", ACCT, group_ids=["blob"], status="Pending", manual=True)
    b.pe("fail_rejected", "c", "pe", "10.1.1.6", ACCT, group_ids=["blob"], status="Rejected")
    est = b.estate()
    got = judged(pe_not_approved.RULE, est)
    assert got == {"PASS": {"pass_approved"}, "FAIL": {"fail_pending", "fail_rejected"}, "UNKNOWN": set()}
    assert "to acct is Pending" in messages(pe_not_approved.RULE, est)["fail_pending"]


def test_private_endpoint_without_dns() -> None:
    b = EstateBuilder()
    b.vnet("c", ["10.1.0.0/16"], subnets={"pe": "10.1.1.0/24"})
    b.pe("pass_record", "c", "pe", "10.1.1.4", ACCT, group_ids=["blob"])
    b.pe("pass_zone_group", "c", "pe", "10.1.1.5", ACCT, group_ids=["blob"])
    b.pe("fail_nothing", "c", "pe", "10.1.1.6", ACCT, group_ids=["blob"])
    z = b.zone("privatelink.blob.core.windows.net")
    b.record(z, "acct", "A", ["10.1.1.4"])
    pe_id = b.rid("privateEndpoints", "pass_zone_group")
    b.add({"name": "default", "id": f"{pe_id}/privateDnsZoneGroups/default",
           "type": "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
           "properties": {"privateDnsZoneConfigs": [{"name": "blob", "properties": {"privateDnsZoneId": z}}]}})  # fmt: skip
    est = b.estate()
    got = judged(pe_no_dns.RULE, est)
    assert got == {"PASS": {"pass_record", "pass_zone_group"}, "FAIL": {"fail_nothing"}, "UNKNOWN": set()}
    b.gap(b.sub)
    assert judged(pe_no_dns.RULE, b.estate())["UNKNOWN"] == {"fail_nothing"}
