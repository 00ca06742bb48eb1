"""Declared firewall rules: the per-port decision (first match, else the default) and the open-port
set used without --port agree, for any rule list and any host-to-host flow."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from netplan.addr import Prefix, parse_prefix
from netplan.fwrules import evaluate, open_ports
from netplan.model import FirewallRule, Forwarder, PortRange

HOSTS = [parse_prefix(p) for p in ("10.1.1.4/32", "10.1.1.5/32", "10.2.1.4/32")]
NETS = [parse_prefix(p) for p in ("10.1.0.0/16", "10.1.1.0/24", "10.2.0.0/16", "10.0.0.0/8")] + HOSTS
PORTS = [0, 1, 22, 53, 80, 443, 1433, 8000, 8443, 8999, 65535]


@st.composite
def port_range(draw: st.DrawFn) -> PortRange:
    lo = draw(st.sampled_from(PORTS))
    hi = draw(st.sampled_from([p for p in PORTS if p >= lo]))
    return PortRange(lo, hi)


rules = st.builds(
    FirewallRule,
    name=st.text(alphabet="abcdefgh", min_size=1, max_size=4),
    allow=st.booleans(),
    sources=st.lists(st.sampled_from(NETS), max_size=2).map(tuple),
    destinations=st.lists(st.sampled_from(NETS), max_size=2).map(tuple),
    protocols=st.sampled_from([(), ("tcp",), ("udp",), ("tcp", "udp"), ("icmp",)]),
    ports=st.lists(port_range(), max_size=3).map(tuple),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(rules, min_size=1, max_size=6), st.booleans(), st.sampled_from(HOSTS), st.sampled_from(HOSTS),
       st.sampled_from(["tcp", "udp"]), st.sampled_from([*PORTS, 2, 444, 9000]))  # fmt: skip
def test_the_decision_for_a_port_is_the_first_matching_rule_and_agrees_with_the_open_ports(
    rs: list[FirewallRule], default_allow: bool, src: Prefix, dst: Prefix, protocol: str, port: int
) -> None:
    fwd = Forwarder("/v/hub", "fw", None, "", tuple(rs), default_allow)
    d = evaluate(fwd, src, dst, port, protocol)
    # The definition: the first rule whose protocol, port, source and destination match decides.
    first = next((r for r in rs if (not r.protocols or protocol in r.protocols)
                  and any(p.lo <= port <= p.hi for p in (r.ports or (PortRange(0, 65535),)))
                  and (not r.sources or any(s.contains(src) for s in r.sources))
                  and (not r.destinations or any(t.contains(dst) for t in r.destinations))), None)  # fmt: skip
    assert d.rule == first
    assert d.allowed == (first.allow if first is not None else default_allow)
    allowed, unsure = open_ports(fwd, src, dst, protocol)
    assert not unsure  # host to host: no rule covers part of the flow
    assert d.allowed == any(lo <= port <= hi for lo, hi in allowed)
