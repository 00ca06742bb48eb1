"""The ``VirtualNetwork`` tag asked per prefix (:mod:`netplan.vnettag`) answers exactly as its
definition, the listed members (:func:`netplan.vnettag.tag_members`), on random estates: own and
overlapping spaces, Connected and Initiated links, stale and absent peered spaces, VNets outside
the snapshot, gateways with on-premises prefixes used through gateway transit, user routes."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from netplan.addr import Prefix, PrefixSet, parse_prefix
from netplan.estate import Estate
from netplan.nsg import covered
from netplan.vnettag import VnetTag, tag_members
from tests.unit.builders import SUB2, EstateBuilder, load_snapshot, resource_id
from tests.unit.traffic_builders import attach, route, route_table

#: Address blocks the random spaces are drawn from: nested, adjacent and overlapping on purpose.
_SPACES = ("10.0.0.0/16", "10.1.0.0/16", "10.0.0.0/15", "10.2.0.0/16", "10.3.0.0/17", "10.3.128.0/17", "10.4.0.0/16",
           "10.4.0.0/16", "10.5.0.0/24", "fd00:1::/48")  # fmt: skip
_ONPREM = ("192.168.0.0/24", "192.168.1.0/24", "172.16.0.0/16", "10.6.0.0/16")
_ROUTES = ("0.0.0.0/0", "10.7.0.0/16", "10.1.0.0/16", "192.168.0.0/23", "10.3.0.0/16")


def _random_estate(rnd: random.Random) -> Estate:
    b = EstateBuilder()
    names = [f"v{i}" for i in range(rnd.randint(2, 7))]
    gateways = []
    for i, name in enumerate(names):
        space = rnd.sample(_SPACES, rnd.randint(1, 2))
        first = parse_prefix(space[0])
        sub_len = 64 if first.version == 6 else 28
        subnets = {"app": str(Prefix(first.version, first.value, sub_len))}
        if rnd.random() < 0.4 and first.version == 4:
            subnets["GatewaySubnet"] = str(Prefix(4, first.value + 256, 27))
            gateways.append(name)
        b.vnet(name, space, subnets=subnets, key=name, rg=f"rg-{i}")
    for name in gateways:
        b.gateway(f"gw-{name}", name)
        b.onprem(f"dc-{name}", rnd.sample(_ONPREM, rnd.randint(1, 2)), via=name)
    outside = resource_id("virtualNetworks", "far", "rg-far", SUB2)
    for _ in range(rnd.randint(1, 10)):
        a, other = rnd.sample(names, 2)
        remote = outside if rnd.random() < 0.15 else other
        flags: dict[str, Any] = {"use_remote_gateways": rnd.random() < 0.4}
        if remote == outside or rnd.random() < 0.25:  # stale, partial, or the only record of the space
            flags["remote_prefixes"] = rnd.sample(_SPACES, rnd.randint(1, 2))
        b.peer(a, remote, state=rnd.choice(("Connected", "Connected", "Initiated")), a_to_b=flags)
    for name in names:
        if rnd.random() < 0.5:
            rt = route_table(f"rt-{name}", [route(f"r{j}", p, "VirtualAppliance", "10.9.0.4")
                                             for j, p in enumerate(rnd.sample(_ROUTES, rnd.randint(1, 2)))])  # fmt: skip
            b.add(rt)
            attach(b, name, "app", rt_id=rt["id"])
    snap = b.snapshot()
    for r in snap["resources"]:
        for link in r.get("properties", {}).get("virtualNetworkPeerings", ()):
            if rnd.random() < 0.2:  # an older payload: no peered space, the remote VNet's own counts
                link["properties"].pop("remoteAddressSpace")
                link["properties"].pop("remoteVirtualNetworkAddressSpace")
    return load_snapshot(snap)


def _queries(rnd: random.Random) -> list[Prefix]:
    out = []
    for _ in range(40):
        base = parse_prefix(rnd.choice((*_SPACES, *_ONPREM, "10.0.0.0/8", "0.0.0.0/0")))
        length = rnd.randint(base.length, base.bits) if rnd.random() < 0.6 else base.bits
        offset = rnd.randrange(base.size) & ~((1 << (base.bits - length)) - 1)
        out.append(Prefix(base.version, base.value + offset, length))
    return out


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_the_tag_asked_per_prefix_answers_as_its_listed_members(seed: int) -> None:
    rnd = random.Random(seed)
    estate = _random_estate(rnd)
    queries = _queries(rnd)
    extra = tuple(parse_prefix(x) for x in rnd.sample(("10.0.0.0/8", "172.16.0.0/12", "10.2.0.0/17", "fd00::/8"), 2))
    for v in estate.vnets:
        for s in v.subnets:
            members = tag_members(estate, s)
            listed = PrefixSet(members)
            tag = VnetTag(estate, s)
            for p in queries:
                assert set(tag.overlapping(p)) == {q for q in members if q.overlaps(p)}, (s.id, p)
                assert tag.contains(p) == any(q.contains(p) for q in members), (s.id, p)
                assert covered(p, tag) == listed.covers(p), (s.id, p)
                # As the Internet tag asks it: the tag and other space (private ranges) together.
                assert covered(p, tag, extra) == PrefixSet([*members, *extra]).covers(p), (s.id, p)


def test_a_hub_tag_holds_each_connected_spoke_and_the_on_premises_space_its_spokes_use() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"fw": "10.0.1.0/24", "GatewaySubnet": "10.0.255.0/27"})
    for i in range(1, 4):
        b.vnet(f"spoke{i}", [f"10.{i}.0.0/16"], subnets={"app": f"10.{i}.1.0/24"})
    b.peer("spoke1", "hub", a_to_b={"use_remote_gateways": True}, b_to_a={"allow_gateway_transit": True})
    b.peer("spoke2", "hub", state="Initiated")
    b.gateway("gw", "hub")
    b.onprem("dc", ["192.168.0.0/16"], via="hub")
    e = b.estate()
    hub = VnetTag(e, e.resolve_vnet("hub").subnets[0])
    spoke1 = VnetTag(e, e.resolve_vnet("spoke1").subnets[0])
    spoke3 = VnetTag(e, e.resolve_vnet("spoke3").subnets[0])
    host = parse_prefix
    assert covered(host("10.1.1.4/32"), hub) is True  # Connected spoke
    assert covered(host("10.2.1.4/32"), hub) is False  # only Initiated
    assert covered(host("192.168.3.4/32"), hub) is True  # its gateway's on-prem
    assert covered(host("192.168.3.4/32"), spoke1) is True  # through transit
    assert covered(host("10.1.1.4/32"), spoke3) is False  # not peered
    # Wider than the hub's space: the hub and spoke1 together hold 10.0.0.0/15, not 10.0.0.0/14.
    assert covered(host("10.0.0.0/15"), hub) is True
    assert covered(host("10.0.0.0/14"), hub) is None
