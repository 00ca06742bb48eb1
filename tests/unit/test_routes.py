"""Effective routes per subnet (R1) and `vnetplan routes`, on hand-built estates."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netplan.addr import Prefix, parse_ip
from netplan.routes import SOURCE_DEFAULT, EffectiveRoute, EffectiveRoutes, effective_routes
from tests.unit.builders import EstateBuilder
from tests.unit.traffic_builders import attach, route, route_table
from vnetplan.cli import main


def _rows(e, sid):  # type: ignore[no-untyped-def]
    return [(r.source, r.state, ",".join(r.prefix_text()), r.next_hop_type) for r in effective_routes(e, sid).routes]


def hub_spoke() -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"AzureFirewallSubnet": "10.0.0.0/26", "GatewaySubnet": "10.0.1.0/27"})
    b.vnet("spoke1", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24", "pe": "10.1.2.0/24"})
    b.vnet("spoke2", ["10.2.0.0/16"], subnets={"app": "10.2.1.0/24"})
    b.peer("spoke1", "hub", a_to_b={"use_remote_gateways": True, "allow_forwarded": True},
           b_to_a={"allow_gateway_transit": True})  # fmt: skip
    b.peer("spoke2", "hub", state="Initiated")
    b.gateway("vgw", "hub")
    b.onprem("dc", ["172.16.0.0/12"], via="hub")
    return b


def test_system_peering_gateway_and_none_routes_of_a_spoke_subnet() -> None:
    e = hub_spoke().estate()
    rows = _rows(e, hub_spoke().sid("spoke1", "app"))
    assert ("Default", "Active", "10.1.0.0/16", "VnetLocal") in rows
    assert ("Default", "Active", "10.0.0.0/16", "VNetPeering") in rows
    assert ("VirtualNetworkGateway", "Active", "172.16.0.0/12", "VirtualNetworkGateway") in rows
    assert ("Default", "Invalid", "172.16.0.0/12", "None") in rows  # the gateway route wins on equal prefix
    assert ("Default", "Active", "10.0.0.0/8", "None") in rows
    assert ("Default", "Active", "0.0.0.0/0", "Internet") in rows
    # An Initiated peering routes nothing (P1): spoke2's link is not Connected.
    assert not any(r[2] == "10.1.0.0/16" for r in _rows(e, hub_spoke().sid("spoke2", "app")) if r[3] == "VNetPeering")


def test_user_routes_override_equal_prefixes_and_disable_bgp_drops_gateway_routes() -> None:
    b = hub_spoke()
    rt = route_table("rt-spoke1", [route("default", "0.0.0.0/0", "VirtualAppliance", "10.0.0.4"),
                                   route("hub", "10.0.0.0/16", "None")], disable_bgp=True)  # fmt: skip
    b.add(rt)
    attach(b, "spoke1", "app", rt_id=rt["id"])
    e = b.estate()
    rows = _rows(e, b.sid("spoke1", "app"))
    assert ("User", "Active", "0.0.0.0/0", "VirtualAppliance") in rows
    assert ("Default", "Invalid", "0.0.0.0/0", "Internet") in rows
    assert ("Default", "Invalid", "10.0.0.0/16", "VNetPeering") in rows and ("User", "Active", "10.0.0.0/16", "None") in rows
    assert not any(r[0] == "VirtualNetworkGateway" for r in rows)  # disableBgpRoutePropagation
    # A user 0.0.0.0/0 route removes the reserved ranges' None routes (Microsoft's routing example,
    # Subnet1): private traffic no other route covers follows the user route to the appliance.
    assert not any(r[3] == "None" and r[0] == "Default" for r in rows)
    table = effective_routes(e, b.sid("spoke1", "app"))
    _p, r = table.lookup(parse_ip("10.2.1.4")) or (None, None)
    assert r is not None and r.next_hop_type == "VirtualAppliance" and str(r.next_hop_ips[0]) == "10.0.0.4"
    _p, r = table.lookup(parse_ip("10.1.2.9")) or (None, None)
    assert r is not None and r.next_hop_type == "VnetLocal"  # longest prefix wins


def test_private_endpoint_routes_reach_own_and_peered_vnets_and_policies_can_invalidate_them() -> None:
    b = hub_spoke()
    pls = b.rid("privateLinkServices", "pls-x")
    b.pe("pe-x", "spoke1", "pe", "10.1.2.4", pls)
    e = b.estate()
    assert ("Default", "Active", "10.1.2.4/32", "InterfaceEndpoint") in _rows(e, b.sid("hub", "AzureFirewallSubnet"))
    rt = route_table("rt-hub", [route("to-pe-subnet", "10.1.2.0/24", "VirtualAppliance", "10.0.0.4")])
    b.add(rt)
    attach(b, "hub", "GatewaySubnet", rt_id=rt["id"])
    attach(b, "spoke1", "pe", pe_policies="RouteTableEnabled")
    e = b.estate()
    assert ("Default", "Invalid", "10.1.2.4/32", "InterfaceEndpoint") in _rows(e, b.sid("hub", "GatewaySubnet"))


def test_subnet_peering_routes_only_the_named_remote_subnets() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.1.0.0/16"], subnets={"x": "10.1.1.0/24"})
    b.vnet("b", ["10.2.0.0/16"], subnets={"y": "10.2.1.0/24", "z": "10.2.2.0/24"})
    b.peer("a", "b", peer_complete_vnets=False, a_to_b={"local_subnets": ["x"], "remote_subnets": ["y"]},
           b_to_a={"local_subnets": ["y"], "remote_subnets": ["x"]})  # fmt: skip
    rows = _rows(b.estate(), b.sid("a", "x"))
    assert [r[2] for r in rows if r[3] == "VNetPeering"] == ["10.2.1.0/24"]


def test_referenced_but_absent_route_table_is_unknown_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = hub_spoke()
    attach(b, "spoke1", "app", rt_id=b.rid("routeTables", "rt-gone"))
    table = effective_routes(b.estate(), b.sid("spoke1", "app"))
    assert table.unknown and "rt-gone" in table.unknown[0] and "not in the snapshot" in table.unknown[0]
    f = b.write(tmp_path / "e.json")
    rc = main(["routes", "--estate", f, "spoke1/app", "--format", "json"])
    out, err = capsys.readouterr()
    assert rc == 1 and "rt-gone" in err and json.loads(out)["unknown"]


def test_cli_prints_the_portal_table_and_azures_json_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = hub_spoke()
    b.nic("vm1-nic", "spoke1", "app", "10.1.1.4", vm="vm1")
    f = b.write(tmp_path / "e.json")
    assert main(["routes", "--estate", f, "rg-net/spoke1/app"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split() == ["Source", "State", "Address", "prefixes", "Next", "hop", "type", "Next", "hop", "IP", "address"]
    assert "VirtualNetworkGateway  Active   172.16.0.0/12" in out
    assert main(["routes", "--estate", f, "vm1-nic", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"value"}
    assert all(set(r) == {"name", "source", "state", "addressPrefix", "nextHopType", "nextHopIpAddress"} for r in data["value"])
    assert {"source": "Default", "state": "Active", "addressPrefix": ["10.1.0.0/16"], "nextHopType": "VnetLocal",
            "nextHopIpAddress": [], "name": None} in data["value"]  # fmt: skip
    assert main(["routes", "--estate", f, "spoke1/nosuch"]) == 2
    assert "no subnet 'nosuch'" in capsys.readouterr().err


# --- longest-prefix match over a large table ----------------------------------------------------

_ROUTES_STRATEGY = st.lists(
    st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 32), st.sampled_from(["VnetLocal", "VNetPeering", "None"])),
    min_size=0, max_size=60,
)  # fmt: skip


@given(_ROUTES_STRATEGY, st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=20))
def test_the_route_chosen_for_an_address_is_the_longest_matching_prefix_first_listed_on_a_tie(
    routes: list[tuple[int, int, str]], addresses: list[int]
) -> None:
    active = []
    for value, length, hop in routes:
        p = Prefix(4, value >> (32 - length) << (32 - length), length)
        active.append((p, EffectiveRoute(SOURCE_DEFAULT, "Active", (p,), hop)))
    table = EffectiveRoutes("subnet", None, tuple(r for _, r in active), _active=active)
    for a in addresses:
        ip = ipaddress.IPv4Address(a)
        want = None
        for p, r in active:  # the definition: longest match, the first listed among equals
            if p.contains_ip(ip) and (want is None or p.length > want[0].length):
                want = (p, r)
        got = table.lookup(ip)
        assert got == want and (got is None or got[1] is want[1])  # type: ignore[index]
