"""Property-based: random zone trees and names. The simulator never crashes and agrees with a naive
reference written here from the RFCs (RFC 1034 4.3.2 lookup, RFC 4592 wildcards, D3 most specific
linked zone, CNAME chains with a loop guard) by scanning every record on every step.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netplan.dns.simulator import MAX_CNAME_HOPS, DnsSimulator, Status
from tests.unit.builders import EstateBuilder

PARENT = "example.internal"
CHILD = f"b.{PARENT}"
LABELS = ["a", "b", "c", "x"]

rel_name = st.lists(st.sampled_from(LABELS), min_size=1, max_size=3).map(".".join)
owner = st.one_of(rel_name, rel_name.map(lambda n: f"*.{n}"), st.just("*"))
zone_choice = st.sampled_from([PARENT, CHILD])


@st.composite
def zones(draw: st.DrawFn) -> dict[str, dict[str, tuple[str, str]]]:
    """zone -> {relative owner: (type, value)}; one record set per owner (CNAME excludes others)."""
    out: dict[str, dict[str, tuple[str, str]]] = {PARENT: {}, CHILD: {}}
    for _ in range(draw(st.integers(0, 12))):
        z = draw(zone_choice)
        name = draw(owner)
        if draw(st.booleans()):
            out[z][name] = ("A", f"10.0.{len(out[z])}.{draw(st.integers(1, 250))}")
        else:
            target = f"{draw(rel_name)}.{draw(zone_choice)}"
            out[z][name] = ("CNAME", target)
    return out


def reference(records: dict[str, dict[str, tuple[str, str]]], linked: set[str], qname: str) -> tuple[str, tuple[str, ...]]:
    """The naive answer: (status, addresses)."""
    def full(z: str, rel: str) -> str:
        return z if rel == "@" else f"{rel}.{z}"

    def exists(z: str, n: str) -> bool:
        return n == z or any(full(z, r) == n or full(z, r).endswith("." + n) for r in records[z])

    def at(z: str, n: str) -> tuple[str, str] | None:
        return next((v for r, v in records[z].items() if full(z, r) == n), None)

    seen = {qname}
    current = qname
    for _ in range(MAX_CNAME_HOPS + 1):
        covering = [z for z in linked if current == z or current.endswith("." + z)]
        if not covering:
            return "PUBLIC", ()
        z = max(covering, key=len)
        if exists(z, current):
            rec = at(z, current)
        else:
            ce = current
            while True:
                ce = ce.split(".", 1)[1]
                if exists(z, ce):
                    break
            if not exists(z, f"*.{ce}"):
                return "NXDOMAIN", ()
            rec = at(z, f"*.{ce}")
        if rec is None:
            return "NOERROR", ()
        rtype, value = rec
        if rtype == "A":
            return "NOERROR", (value,)
        if value in seen:
            return "SERVFAIL", ()  # a CNAME loop
        seen.add(value)
        current = value
    return "SERVFAIL", ()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    recs=zones(),
    link_parent=st.booleans(),
    link_child=st.booleans(),
    queries=st.lists(st.lists(st.sampled_from([*LABELS, "*"]), min_size=0, max_size=4), min_size=1, max_size=6),
    base=zone_choice,
)
def test_simulator_agrees_with_the_naive_reference(
    recs: dict[str, dict[str, tuple[str, str]]], link_parent: bool, link_child: bool, queries: list[list[str]], base: str
) -> None:
    b = EstateBuilder()
    b.vnet("v", ["10.1.0.0/16"])
    linked = set()
    for zname, flag in ((PARENT, link_parent), (CHILD, link_child)):
        zid = b.zone(zname)
        for rel, (rtype, value) in recs[zname].items():
            b.record(zid, rel, rtype, [value])
        if flag:
            b.zone_link(zid, "v")
            linked.add(zname)
    sim = DnsSimulator(b.estate())
    for labels in queries:
        qname = ".".join([*labels, base])
        got = sim.resolve("v", qname)
        want = reference(recs, linked, qname)
        assert (got.status.value, got.addresses) == want, (qname, got.reasons)
        if got.status is Status.NOERROR and got.addresses:
            assert got.chain[-1].value == got.addresses[0]
