"""Peering rules (P1-P8) on hand-built hub-and-spoke estates: exact sets of judged links per status."""

from __future__ import annotations

from checks.rules import (
    lb_basic_global_peering,
    peer_access_disabled,
    peer_address_overlap,
    peer_gateway_transit,
    peer_limit,
    peer_not_connected,
    peer_not_in_sync,
)
from tests.checks.builders import judged, messages
from tests.unit.builders import EstateBuilder, vnet_id


def test_peer_not_connected_fails_initiated_and_disconnected_links() -> None:
    b = EstateBuilder()
    for name in ("hub", "s1", "s2", "s3"):
        b.vnet(name, [f"10.{len(b._vnets)}.0.0/16"])
    b.peer("hub", "s1", a_to_b={"name": "pass_hub_s1"}, b_to_a={"name": "pass_s1_hub"})
    b.peer("hub", "s2", state="Initiated", a_to_b={"name": "fail_initiated"})
    b.peer("hub", "s3", state="Disconnected", a_to_b={"name": "fail_disconnected"})
    est = b.estate()
    got = judged(peer_not_connected.RULE, est)
    assert got == {"PASS": {"pass_hub_s1", "pass_s1_hub"}, "FAIL": {"fail_initiated", "fail_disconnected"}, "UNKNOWN": set()}
    msg = messages(peer_not_connected.RULE, est)
    assert "Initiated: s2 has no link back" in msg["fail_initiated"]
    assert "Disconnected" in msg["fail_disconnected"]


def test_peer_not_in_sync_judges_connected_links_by_sync_level() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.vnet("s1", ["10.1.0.0/16"])
    b.vnet("s2", ["10.2.0.0/16", "10.22.0.0/16"])
    b.peer("hub", "s1", a_to_b={"name": "pass_synced"}, b_to_a={"name": "fail_remote_not_in_sync", "sync": "RemoteNotInSync"})
    # Older API version: no sync level; the hub's link still believes s2 is only 10.2.0.0/16 (P4).
    b.peer("hub", "s2", sync=None, a_to_b={"name": "fail_stale_space", "remote_prefixes": ["10.2.0.0/16"]},
           b_to_a={"name": "pass_no_level_current"})  # fmt: skip
    b.peer("s1", vnet_id("outside", rg="rg-other"), state="Initiated", a_to_b={"name": "not_judged_initiated"})
    est = b.estate()
    got = judged(peer_not_in_sync.RULE, est)
    assert got == {
        "PASS": {"pass_synced", "pass_no_level_current"},
        "FAIL": {"fail_remote_not_in_sync", "fail_stale_space"},
        "UNKNOWN": set(),
    }
    assert "missing 10.22.0.0/16" in messages(peer_not_in_sync.RULE, est)["fail_stale_space"]


def test_peer_not_in_sync_is_unknown_when_remote_is_outside_snapshot_and_level_missing() -> None:
    b = EstateBuilder()
    b.vnet("spoke", ["10.1.0.0/16"])
    b.link("spoke", vnet_id("hub", sub="/subscriptions/00000000-0000-0000-0000-000000000001"), name="unknown_link",
           remote_prefixes=["10.0.0.0/16"], sync=None)  # fmt: skip
    b.gap("/subscriptions/00000000-0000-0000-0000-000000000001")
    got = judged(peer_not_in_sync.RULE, b.estate())
    assert got["UNKNOWN"] == {"unknown_link"}
    assert "could not read" in messages(peer_not_in_sync.RULE, b.estate())["unknown_link"]


def test_peer_access_disabled_fails_only_connected_links_without_access() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.vnet("s1", ["10.1.0.0/16"])
    b.vnet("s2", ["10.2.0.0/16"])
    b.peer("hub", "s1", a_to_b={"name": "pass_open"}, b_to_a={"name": "fail_blocked", "allow_vnet_access": False})
    b.peer("hub", "s2", state="Initiated", a_to_b={"name": "not_connected", "allow_vnet_access": False})
    got = judged(peer_access_disabled.RULE, b.estate())
    assert got == {"PASS": {"pass_open"}, "FAIL": {"fail_blocked"}, "UNKNOWN": set()}


def test_peer_address_overlap_fails_overlapping_pairs_and_already_peered_overlaps() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.vnet("ok", ["10.1.0.0/16"])
    b.vnet("same", ["10.0.128.0/17"])        # overlaps the hub itself
    b.vnet("twin_a", ["10.5.0.0/16"])
    b.vnet("twin_b", ["10.5.0.0/24"])        # overlaps twin_a, both peered with the hub
    b.vnet("isolated", ["10.1.0.0/16"])      # overlaps "ok", never peered: legitimate (P3)
    b.peer("hub", "ok", a_to_b={"name": "pass_hub_ok"}, b_to_a={"name": "pass_ok_hub"})
    b.peer("hub", "same", state="Initiated", a_to_b={"name": "fail_hub_same"})
    b.peer("hub", "twin_a", a_to_b={"name": "fail_hub_twin_a"}, b_to_a={"name": "pass_twin_a_hub"})
    b.peer("hub", "twin_b", a_to_b={"name": "fail_hub_twin_b"}, b_to_a={"name": "pass_twin_b_hub"})
    est = b.estate()
    got = judged(peer_address_overlap.RULE, est)
    assert got == {
        "PASS": {"pass_hub_ok", "pass_ok_hub", "pass_twin_a_hub", "pass_twin_b_hub"},
        "FAIL": {"fail_hub_same", "fail_hub_twin_a", "fail_hub_twin_b"},
        "UNKNOWN": set(),
    }
    msg = messages(peer_address_overlap.RULE, est)
    assert "VnetAddressSpacesOverlap" in msg["fail_hub_same"]
    assert "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet" in msg["fail_hub_twin_b"]


def test_peer_address_overlap_uses_the_links_remote_space_for_vnets_outside_the_snapshot() -> None:
    b = EstateBuilder()
    b.vnet("spoke", ["10.1.0.0/16"])
    b.link("spoke", vnet_id("far", rg="rg-x"), name="fail_far", remote_prefixes=["10.1.4.0/24"], state="Initiated")
    est = b.estate()
    assert judged(peer_address_overlap.RULE, est)["FAIL"] == {"fail_far"}
    assert "as the link records it" in messages(peer_address_overlap.RULE, est)["fail_far"]


def test_peer_limit_fails_from_ninety_percent_of_five_hundred() -> None:
    b = EstateBuilder()
    b.vnet("pass_hub", ["10.0.0.0/16"])
    b.vnet("fail_hub", ["10.1.0.0/16"])
    for i in range(peer_limit.WARN_AT - 1):
        b.link("pass_hub", vnet_id(f"x{i}", rg="rg-far"), state="Initiated", remote_prefixes=[])
    for i in range(peer_limit.WARN_AT):
        b.link("fail_hub", vnet_id(f"y{i}", rg="rg-far"), state="Initiated", remote_prefixes=[])
    est = b.estate()
    got = judged(peer_limit.RULE, est)
    assert got == {"PASS": {"pass_hub"}, "FAIL": {"fail_hub"}, "UNKNOWN": set()}
    assert "450 peerings, 50 below the limit of 500" in messages(peer_limit.RULE, est)["fail_hub"]


def _hub_with_gateway(b: EstateBuilder, name: str = "hub", transit: bool = True) -> None:
    b.vnet(name, [f"10.{len(b._vnets)}.0.0/16"])
    b.subnet(name, "GatewaySubnet", f"10.{len(b._vnets) - 1}.255.0/27")
    b.gateway(f"{name}-gw", name)


def test_gateway_transit_pass_and_every_fail_case() -> None:
    b = EstateBuilder()
    _hub_with_gateway(b, "hub")
    b.vnet("nogw", ["10.50.0.0/16"])
    _hub_with_gateway(b, "hub2")
    for s in ("good", "no_transit", "to_nogw", "twice", "own_gw"):
        b.vnet(s, [f"10.{100 + len(b._vnets)}.0.0/16"])
    b.subnet("own_gw", "GatewaySubnet", f"10.{100 + len(b._vnets) - 1}.255.0/27")
    b.gateway("own-gw", "own_gw")
    b.peer("good", "hub", a_to_b={"name": "pass_good", "use_remote_gateways": True}, b_to_a={"allow_gateway_transit": True})
    b.peer("no_transit", "hub", a_to_b={"name": "fail_no_transit", "use_remote_gateways": True})
    b.peer("to_nogw", "nogw", a_to_b={"name": "fail_no_gateway", "use_remote_gateways": True},
           b_to_a={"allow_gateway_transit": True})  # fmt: skip
    b.peer("twice", "hub", a_to_b={"name": "fail_twice_1", "use_remote_gateways": True}, b_to_a={"allow_gateway_transit": True})
    b.peer("twice", "hub2", a_to_b={"name": "fail_twice_2", "use_remote_gateways": True}, b_to_a={"allow_gateway_transit": True})
    b.peer("own_gw", "hub", a_to_b={"name": "fail_own_gateway", "use_remote_gateways": True},
           b_to_a={"allow_gateway_transit": True})  # fmt: skip
    b.link("good", vnet_id("elsewhere", rg="rg-far"), name="unknown_remote", use_remote_gateways=False, state="Initiated")
    est = b.estate()
    got = judged(peer_gateway_transit.RULE, est)
    assert got == {
        "PASS": {"pass_good"},
        "FAIL": {"fail_no_transit", "fail_no_gateway", "fail_twice_1", "fail_twice_2", "fail_own_gateway"},
        "UNKNOWN": set(),
    }
    msg = messages(peer_gateway_transit.RULE, est)
    assert "does not allow gateway transit" in msg["fail_no_transit"]
    assert "nogw has no virtual network gateway" in msg["fail_no_gateway"]
    assert "at most one per VNet" in msg["fail_twice_1"]
    assert "has its own gateway own-gw" in msg["fail_own_gateway"]


def test_gateway_transit_to_a_vnet_outside_the_snapshot_is_unknown() -> None:
    b = EstateBuilder()
    b.vnet("spoke", ["10.1.0.0/16"])
    b.link("spoke", vnet_id("hub", rg="rg-hub"), name="unknown_hub", use_remote_gateways=True, remote_prefixes=["10.0.0.0/16"])
    assert judged(peer_gateway_transit.RULE, b.estate())["UNKNOWN"] == {"unknown_hub"}


def test_basic_lb_fails_only_behind_global_peering() -> None:
    b = EstateBuilder()
    b.vnet("provider", ["10.20.0.0/16"], subnets={"aks": "10.20.0.0/22"}, location="westeurope")
    b.vnet("local", ["10.21.0.0/16"], location="westeurope")
    b.vnet("provider2", ["10.30.0.0/16"], subnets={"aks": "10.30.0.0/22"}, location="westeurope")
    b.vnet("far", ["10.40.0.0/16"], location="northeurope")
    b.vnet("provider3", ["10.50.0.0/16"], subnets={"aks": "10.50.0.0/22"}, location="westeurope")
    b.peer("provider", "local")
    b.peer("provider2", "far")
    b.peer("provider3", "far", state="Initiated")  # not Connected: not a path (VNP-PEER-001 reports it)
    b.lb("pass_basic_regional", "provider", "aks", "10.20.0.4", sku="Basic")
    b.lb("fail_basic_global", "provider2", "aks", "10.30.0.4", sku="Basic")
    b.lb("pass_standard_global", "provider2", "aks", "10.30.0.5", sku="Standard")
    b.lb("pass_basic_initiated", "provider3", "aks", "10.50.0.4", sku="Basic")
    est = b.estate()
    got = judged(lb_basic_global_peering.RULE, est)
    assert got == {
        "PASS": {"pass_basic_regional", "pass_standard_global", "pass_basic_initiated"},
        "FAIL": {"fail_basic_global"},
        "UNKNOWN": set(),
    }
    assert "far (northeurope)" in messages(lb_basic_global_peering.RULE, est)["fail_basic_global"]


def test_connected_link_without_its_remote_counterpart_in_the_snapshot_is_unknown() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.vnet("spoke", ["10.1.0.0/16"])
    b.vnet("far", ["10.2.0.0/16"])
    b.link("hub", "spoke", name="unknown_stale")  # Connected, but spoke shows no link back
    b.link("hub", vnet_id("outside", rg="rg-x"), name="pass_remote_outside_snapshot", remote_prefixes=["10.9.0.0/16"])
    b.peer("hub", "far", a_to_b={"name": "pass_hub_far"}, b_to_a={"name": "pass_far_hub"})
    est = b.estate()
    got = judged(peer_not_connected.RULE, est)
    assert got == {
        "PASS": {"pass_remote_outside_snapshot", "pass_hub_far", "pass_far_hub"},
        "FAIL": set(),
        "UNKNOWN": {"unknown_stale"},
    }
    assert "snapshot may be stale" in messages(peer_not_connected.RULE, est)["unknown_stale"]


def test_peer_address_overlap_names_each_peer_against_the_widest_overlapping_one_per_ip_version() -> None:
    # A hub whose peers overlap one another: a /16, a /24 at the same first address (listed
    # first), a /24 further in, a /24 apart; and IPv6, where a /48 and a /64 overlap but never an
    # IPv4 prefix. Each peer is named against the widest prefix already reaching it.
    b = EstateBuilder()
    b.vnet("hub", ["192.168.0.0/24"])
    b.vnet("narrow", ["10.1.0.0/24", "fd00:0:0:1::/64"])
    b.vnet("wide", ["10.1.0.0/16"])
    b.vnet("inner", ["10.1.5.0/24"])
    b.vnet("apart", ["10.2.0.0/24", "fd00::/48"])
    for spoke in ("narrow", "wide", "inner", "apart"):
        b.peer("hub", spoke, a_to_b={"name": f"to_{spoke}"}, b_to_a={"name": f"from_{spoke}"})
    msg = messages(peer_address_overlap.RULE, b.estate())
    assert judged(peer_address_overlap.RULE, b.estate())["FAIL"] == {"to_narrow", "to_wide", "to_inner", "to_apart"}

    def others(name: str) -> list[str]:
        text = msg[name]
        return [part.split(", also peered")[0] for part in text.split(": ", 1)[1].split("; ")]

    assert others("to_narrow") == ["narrow's 10.1.0.0/24 overlaps 10.1.0.0/16 of wide",
                                   "narrow's fd00:0:0:1::/64 overlaps fd00::/48 of apart"]  # fmt: skip
    assert others("to_wide") == ["wide's 10.1.0.0/16 overlaps 10.1.0.0/24 of narrow",
                                 "wide's 10.1.0.0/16 overlaps 10.1.5.0/24 of inner"]  # fmt: skip
    assert others("to_inner") == ["inner's 10.1.5.0/24 overlaps 10.1.0.0/16 of wide"]
    assert others("to_apart") == ["apart's fd00::/48 overlaps fd00:0:0:1::/64 of narrow"]


def test_peer_address_overlap_names_peers_that_overlap_only_a_remote_space_outside_the_snapshot() -> None:
    # "lone" overlaps nothing else in the estate; a link of the hub records a remote VNet outside
    # the snapshot whose space overlaps it: both are named. "apart" overlaps nothing anywhere and
    # passes.
    b = EstateBuilder()
    b.vnet("hub", ["192.168.0.0/24"])
    b.vnet("lone", ["10.7.0.0/16"])
    b.vnet("apart", ["10.8.0.0/16"])
    b.peer("hub", "lone", a_to_b={"name": "to_lone"}, b_to_a={"name": "from_lone"})
    b.peer("hub", "apart", a_to_b={"name": "to_apart"}, b_to_a={"name": "from_apart"})
    b.link("hub", vnet_id("far", rg="rg-x"), name="to_far", remote_prefixes=["10.7.4.0/24"])
    est = b.estate()
    got = judged(peer_address_overlap.RULE, est)
    assert got["FAIL"] == {"to_lone", "to_far"}
    assert {"to_apart", "from_apart", "from_lone"} <= got["PASS"]
    msg = messages(peer_address_overlap.RULE, est)
    assert "lone's 10.7.0.0/16 overlaps 10.7.4.0/24 of far" in msg["to_lone"]
    assert "far's 10.7.4.0/24 overlaps 10.7.0.0/16 of lone" in msg["to_far"]
