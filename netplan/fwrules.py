"""What a declared forwarder (a firewall or NVA) allows or denies: its declared rule base.

No Azure API that vnetplan reads shows a firewall's rules, so a forwarder declaration may state
them (``rules:``); without them, traffic through the forwarder is reachable "if the firewall allows
it", as the user declared that it forwards. With them, the forwarder decides like an Azure Firewall
network rule collection: the rules are taken in order, the first whose protocol, port, source and
destination match the flow decides (allow or deny), and a flow no rule matches gets the declared
``default`` (``deny`` unless stated: "by default, Azure Firewall denies all traffic until you
manually configure rules to allow traffic", Microsoft Learn, "Azure Firewall rule processing
logic"). The firewall sees the flow as the source sent it: the source address and the destination
address and port before any load balancer or Private Link translation.

A declaration::

    forwarders:
      - vnet: hub
        device: azfw-hub
        ip: 10.0.1.4          # required with rules: the address routes send traffic to
        default: deny         # deny (default) or allow: what no rule matches
        rules:
          - name: deny-spoke1-to-db
            action: deny      # allow or deny
            source: [10.1.0.0/16]
            destination: [10.2.1.0/24]
            protocol: tcp     # tcp, udp, icmp, any (or a list); default any
            ports: [1433]     # ports and low-high ranges, or "*"; default *
          - name: allow-spokes
            action: allow
            source: 10.0.0.0/8
            destination: "*"
            ports: ["443", "8000-8999"]

A rule whose source or destination covers only part of the flow's (a subnet source, say) matches
that part only: the answer is UNKNOWN when it could change the decision, as for an NSG.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from netplan.addr import AddressError, Prefix, parse_ip, parse_prefix, prefix_of_ip
from netplan.errors import InputError
from netplan.model import ANY_PORT, FirewallRule, Forwarder, PortRange
from netplan.nsg import Ports, merge_ports, ports_minus, ports_within
from netplan.record import record

Path = tuple[str | int, ...]

_RULE_KEYS = ("name", "action", "source", "destination", "protocol", "ports")
_PROTOCOLS = ("tcp", "udp", "icmp")


# ---------------------------------------------------------------------------------------------
# Parsing (from a declarations file or a snapshot's ``declarations``)


def parse_rules(e: dict[str, Any], path: Path, fail: Callable[[Path, str], InputError]) -> tuple[tuple[FirewallRule, ...] | None, bool]:
    """A forwarder entry's ``rules`` and ``default``: (the rules, or None when none are declared;
    whether a flow no rule matches is allowed). Bad input raises the loader's one-line error."""
    raw_default = e.get("default")
    default_allow = False
    if raw_default is not None:
        if not isinstance(raw_default, str) or raw_default.lower() not in ("allow", "deny"):
            raise fail((*path, "default"), f"unknown default {raw_default!r} (expected allow or deny)")
        default_allow = raw_default.lower() == "allow"
    raw = e.get("rules")
    if raw is None:
        if raw_default is not None:
            raise fail((*path, "default"), "a default needs rules: without 'rules' the firewall's rule base is not declared")
        return None, False
    if not isinstance(raw, list) or not raw:
        raise fail((*path, "rules"), "expected a non-empty list of rules (leave 'rules' out when the firewall's rule base "
                   "is not declared)")  # fmt: skip
    if e.get("ip") is None:
        raise fail((*path, "rules"), "rules need the forwarder's 'ip' (the next hop address routes send traffic to)")
    rules: list[FirewallRule] = []
    names: set[str] = set()
    for i, r in enumerate(raw):
        rp: Path = (*path, "rules", i)
        if not isinstance(r, dict):
            raise fail(rp, "expected a mapping with action, source, destination, protocol, ports")
        for k in r:
            if k not in _RULE_KEYS:
                raise fail((*rp, k), f"unknown key '{k}' (expected one of {', '.join(_RULE_KEYS)})")
        name = r.get("name", f"rules[{i}]")
        if not isinstance(name, str) or not name:
            raise fail((*rp, "name"), f"expected a non-empty string, got {name!r}")
        if name.lower() in names:
            raise fail((*rp, "name"), f"two rules of this forwarder are named '{name}'")
        names.add(name.lower())
        action = r.get("action")
        if not isinstance(action, str) or action.lower() not in ("allow", "deny"):
            raise fail((*rp, "action"), f"unknown action {action!r} (expected allow or deny)")
        rules.append(FirewallRule(
            name, action.lower() == "allow", _addresses(r, rp, "source", fail), _addresses(r, rp, "destination", fail),
            _protocols(r, rp, fail), _ports(r, rp, fail)))  # fmt: skip
    return tuple(rules), default_allow


def _items(r: dict[str, Any], key: str) -> list[tuple[Path, Any]] | None:
    v = r.get(key)
    if v is None:
        return None
    if isinstance(v, list):
        return [((key, j), x) for j, x in enumerate(v)]
    return [((key,), v)]


def _addresses(r: dict[str, Any], rp: Path, key: str, fail: Callable[[Path, str], InputError]) -> tuple[Prefix, ...]:
    items = _items(r, key)
    if items is None:
        return ()
    if not items:
        raise fail((*rp, key), "expected a prefix, an address, '*' or a non-empty list of them")
    out: list[Prefix] = []
    for sub, v in items:
        if v == "*" or (isinstance(v, str) and v.lower() == "any"):
            return ()
        try:
            out.append(parse_prefix(v) if isinstance(v, str) and "/" in v else prefix_of_ip(parse_ip(v)))
        except AddressError as exc:
            raise fail((*rp, *sub), f"{exc} (expected a CIDR prefix, an address or '*')") from None
    return tuple(out)


def _protocols(r: dict[str, Any], rp: Path, fail: Callable[[Path, str], InputError]) -> tuple[str, ...]:
    items = _items(r, "protocol")
    if items is None:
        return ()
    out: list[str] = []
    for sub, v in items:
        p = v.lower() if isinstance(v, str) else None
        if p in ("any", "*"):
            return ()
        if p not in _PROTOCOLS:
            raise fail((*rp, *sub), f"unknown protocol {v!r} (expected tcp, udp, icmp or any)")
        out.append(p)
    if not out:
        raise fail((*rp, "protocol"), "expected a protocol or a non-empty list of them")
    return tuple(out)


def _ports(r: dict[str, Any], rp: Path, fail: Callable[[Path, str], InputError]) -> tuple[PortRange, ...]:
    items = _items(r, "ports")
    if items is None:
        return ()
    if not items:
        raise fail((*rp, "ports"), "expected a port, a 'low-high' range, '*' or a non-empty list of them")
    out: list[PortRange] = []
    for sub, v in items:
        bad = f"malformed port range {v!r} (expected '*', a port 0-65535, or 'low-high' with low <= high)"
        if isinstance(v, bool):
            raise fail((*rp, *sub), bad)
        t = str(v).strip() if isinstance(v, (int, str)) else ""
        if t == "*":
            return ()
        lo_s, sep, hi_s = t.partition("-")
        if not lo_s.isascii() or not lo_s.isdigit() or (sep and (not hi_s.isascii() or not hi_s.isdigit())):
            raise fail((*rp, *sub), bad)
        lo = int(lo_s)
        hi = int(hi_s) if sep else lo
        if not 0 <= lo <= hi <= 65535:
            raise fail((*rp, *sub), bad)
        out.append(PortRange(lo, hi))
    return tuple(out)


def rules_dict(fwd: Forwarder) -> dict[str, Any]:
    """The ``rules`` / ``default`` keys of a forwarder's declaration (empty when none are declared):
    what :func:`parse_rules` reads back."""
    if fwd.rules is None:
        return {}
    out: list[dict[str, Any]] = []
    for r in fwd.rules:
        d: dict[str, Any] = {"name": r.name, "action": "allow" if r.allow else "deny"}
        if r.sources:
            d["source"] = [str(p) for p in r.sources]
        if r.destinations:
            d["destination"] = [str(p) for p in r.destinations]
        if r.protocols:
            d["protocol"] = list(r.protocols)
        if r.ports:
            d["ports"] = [str(p) for p in r.ports]
        out.append(d)
    return {"default": "allow" if fwd.default_allow else "deny", "rules": out}


# ---------------------------------------------------------------------------------------------
# Evaluation


@record
class FwDecision:
    """A forwarder's verdict for one flow."""

    fwd: Forwarder
    #: True allowed, False denied, None unknown (a rule that covers part of the flow could decide).
    allowed: bool | None
    #: The rule that decided (None: the default), or for an unknown answer the partial rule.
    rule: FirewallRule | None

    @property
    def rule_name(self) -> str:
        return self.rule.name if self.rule is not None else "default"

    def describe(self, flow: str) -> str:
        who = f"firewall {self.fwd.device} (declared rules)"
        if self.allowed is None:
            assert self.rule is not None
            return (f"{who}: rule '{self.rule.name}' covers only part of {flow}, and it could decide: unknown for the "
                    "whole of it (ask from one address)")  # fmt: skip
        if self.rule is None:
            verb = "allows" if self.allowed else "denies"
            return f"{who} {verb} {flow} by its default: no declared rule matches it"
        return f"{who} {'allows' if self.allowed else 'denies'} {flow} by rule '{self.rule.name}'"


def _within(p: Prefix, members: Sequence[Prefix]) -> bool | None:
    """True: ``p`` lies in the members (any when there are none); False: it shares no address; None: partly."""
    if not members or any(m.contains(p) for m in members):
        return True
    return None if any(m.overlaps(p) for m in members) else False


def _proto(rule: FirewallRule, protocol: str) -> bool:
    return not rule.protocols or protocol.lower() in rule.protocols


def _port_ranges(rule: FirewallRule) -> tuple[PortRange, ...]:
    return rule.ports or (ANY_PORT,)


def evaluate(fwd: Forwarder, src: Prefix, dst: Prefix, port: int, protocol: str) -> FwDecision:
    """The first declared rule that matches, else the default (see the module docstring)."""
    assert fwd.rules is not None
    uncertain: list[FirewallRule] = []
    for rule in fwd.rules:
        if not _proto(rule, protocol) or not any(r.lo <= port <= r.hi for r in _port_ranges(rule)):
            continue
        ms, md = _within(src, rule.sources), _within(dst, rule.destinations)
        if ms is False or md is False:
            continue
        if ms is None or md is None:
            uncertain.append(rule)
            continue
        conflict = next((u for u in uncertain if u.allow != rule.allow), None)
        if conflict is not None:
            return FwDecision(fwd, None, conflict)
        return FwDecision(fwd, rule.allow, rule)
    conflict = next((u for u in uncertain if u.allow != fwd.default_allow), None)
    if conflict is not None:
        return FwDecision(fwd, None, conflict)
    return FwDecision(fwd, fwd.default_allow, None)


def open_ports(fwd: Forwarder, src: Prefix, dst: Prefix, protocol: str) -> tuple[Ports, Ports]:
    """(ports the declared rules surely allow, ports a partly matching rule could decide)."""
    assert fwd.rules is not None
    undecided: Ports = [(ANY_PORT.lo, ANY_PORT.hi)]
    allowed: Ports = []
    unsure: Ports = []
    for rule in fwd.rules:
        if not undecided:
            break
        if not _proto(rule, protocol):
            continue
        ms, md = _within(src, rule.sources), _within(dst, rule.destinations)
        if ms is False or md is False:
            continue
        for r in _port_ranges(rule):
            hit = ports_within(undecided, r.lo, r.hi)
            if not hit:
                continue
            if ms is None or md is None:
                unsure.extend(hit)  # decided for part of the flow only: unknown, whatever follows
            elif rule.allow:
                allowed.extend(hit)
            undecided = ports_minus(undecided, r.lo, r.hi)
    if fwd.default_allow:
        allowed.extend(undecided)
    return merge_ports(allowed), merge_ports(unsure)


def first_deny(fwd: Forwarder, src: Prefix, dst: Prefix, protocol: str) -> str:
    """The name of the first declared deny rule that covers the whole flow on some port, else
    ``default`` (what a flow no rule allows meets)."""
    assert fwd.rules is not None
    for rule in fwd.rules:
        if not rule.allow and _proto(rule, protocol) and _within(src, rule.sources) and _within(dst, rule.destinations):
            return rule.name
    return "default"
