"""netplan.slotnew's constructors build the very object the dataclass's __init__ builds: the same
class, equal, the same hash, still frozen, the same under dataclasses.replace and pickle; a class
it cannot build for, or a caller naming other fields, is an error when the twin is made."""

from __future__ import annotations

import dataclasses
import pickle
from ipaddress import ip_address

import pytest

from netplan import slotnew
from netplan.addr import Prefix, parse_prefix
from netplan.model import NextHopType, Peering, PeeringState, Route, RouteTable, Subnet, SyncLevel

VNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-a"


def _same(made: object, expected: object) -> None:
    assert type(made) is type(expected)
    assert made == expected
    assert hash(made) == hash(expected)
    assert repr(made) == repr(expected)
    for f in dataclasses.fields(expected):  # type: ignore[arg-type]
        assert getattr(made, f.name) is getattr(expected, f.name)


def test_a_subnet_and_a_peering_are_the_objects_init_builds() -> None:
    prefixes = (parse_prefix("10.1.0.0/24"),)
    sub = Subnet(f"{VNET}/subnets/app", "app", VNET, prefixes, (), "nsg", None, ("Microsoft.Web/serverFarms",), "Disabled", None)
    _same(slotnew.builder(Subnet)(*(getattr(sub, f.name) for f in dataclasses.fields(sub))), sub)
    peer = Peering(f"{VNET}/virtualNetworkPeerings/p", "p", VNET, "/x/vnet-b", PeeringState.CONNECTED, SyncLevel.FULLY_IN_SYNC,
                   True, False, False, True, prefixes, prefixes, True, (), ("s",), False, (), "Succeeded")  # fmt: skip
    made = slotnew.builder(Peering)(*(getattr(peer, f.name) for f in dataclasses.fields(peer)))
    _same(made, peer)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.name = "other"  # type: ignore[misc]
    assert dataclasses.replace(made, name="q") == dataclasses.replace(peer, name="q")
    assert pickle.loads(pickle.dumps(made)) == peer
    assert made.key == peer.key


def test_a_prefix_keeps_its_order_and_hash() -> None:
    a, b = slotnew.builder(Prefix)(4, 10 << 24, 8), Prefix(4, 10 << 24, 16)
    assert a == Prefix(4, 10 << 24, 8) and a < b and sorted([b, a]) == [a, b]
    assert {a: 1}[Prefix(4, 10 << 24, 8)] == 1 and str(a) == "10.0.0.0/8"


def test_a_route_table_built_so_still_builds_its_routes_on_first_read() -> None:
    route = Route("/rt/routes/r", "r", "/rt", parse_prefix("0.0.0.0/0"), "0.0.0.0/0", NextHopType.VIRTUAL_APPLIANCE,
                  ip_address("10.0.0.4"))
    table = slotnew.builder(RouteTable)("/rt", "rt", "westeurope", (route,), False, {}, None)
    assert table.routes == (route,) and table == RouteTable("/rt", "rt", "westeurope", (route,), False, {}, None)


def test_other_fields_or_other_classes_are_refused_when_the_twin_is_made() -> None:
    with pytest.raises(TypeError, match="has the fields"):
        slotnew.twin(Prefix, ("version", "length", "value"))

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    with pytest.raises(TypeError, match="not a slotted dataclass"):
        slotnew.builder(NoSlots)
