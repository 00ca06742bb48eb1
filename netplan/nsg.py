"""Network security group evaluation (R3): first matching rule by priority, default rules included.

:func:`evaluate` answers, for one NSG, one direction and one flow (source IP, destination IP,
port, protocol), which rule decides and whether it allows: like Network Watcher's IP flow verify.
Service tags are evaluated where the estate shows their members: ``VirtualNetwork`` (the VNet the
NSG applies in, its peered spaces, the connected on-premises prefixes and the prefixes of the
subnet's user-defined routes, as Azure defines the tag), ``AzureLoadBalancer`` (168.63.129.16) and
``Internet`` (addresses outside the private and the VirtualNetwork space); any other tag is UNKNOWN
with its name. Application security groups match the NIC IP configurations that are members.

:func:`open_ports` gives the ports an NSG leaves open for a source/destination pair (used without
``--port``). A rule whose match is unknown (a tag) makes the decision unknown only if it could
change it: an unknown Allow before a definite Allow still allows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from netplan.addr import Prefix, PrefixSet, parse_prefix
from netplan.model import (
    ANY_PORT,
    Access,
    AddressSpec,
    Direction,
    NetworkSecurityGroup,
    PortRange,
    SecurityRule,
)
from netplan.record import record

AZURE_LB_IP = parse_prefix("168.63.129.16/32")
#: Not Internet: private, shared, link-local and loopback space.
_NOT_INTERNET = tuple(
    parse_prefix(p) for p in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
                              "127.0.0.0/8", "fc00::/7", "fe80::/10")
)  # fmt: skip
EVALUATED_TAGS = ("virtualnetwork", "azureloadbalancer", "internet")


class TagMembers(Protocol):
    """A service tag's members where an NSG applies, asked per prefix (a hub's ``VirtualNetwork``
    tag holds the space of every spoke: :class:`netplan.vnettag.VnetTag` finds the few that matter
    without listing them all)."""

    def contains(self, p: Prefix) -> bool:
        """Does one member hold every address of ``p``?"""
        ...

    def overlapping(self, p: Prefix) -> Sequence[Prefix]:
        """Every member sharing an address with ``p``."""
        ...


@record
class Members:
    """Tag members given as a list (scanned)."""

    prefixes: tuple[Prefix, ...]

    def contains(self, p: Prefix) -> bool:
        return any(q.contains(p) for q in self.prefixes)

    def overlapping(self, p: Prefix) -> Sequence[Prefix]:
        return [q for q in self.prefixes if q.overlaps(p)]


@record
class Context:
    """What the tags mean where the NSG applies."""

    #: The ``VirtualNetwork`` service tag's members there.
    virtual_network: TagMembers
    #: Address (as a host prefix, or a whole subnet's prefix) -> ASG ids of every NIC IP
    #: configuration in it: one tuple per configuration (a subnet holds several).
    asgs_of: Callable[[Prefix], list[tuple[str, ...]]]


def covered(p: Prefix, tag: TagMembers, extra: Sequence[Prefix] = ()) -> bool | None:
    """Does the tag (with ``extra`` members) hold ``p``? True: every address, in one member or
    together; False: none; None: only part of it. One member holding it all is asked first: the
    usual answer, and the cheap one."""
    if any(q.contains(p) for q in extra) or tag.contains(p):
        return True
    members = [*tag.overlapping(p), *(q for q in extra if q.overlaps(p))]
    return PrefixSet(members).covers(p) if members else False


@record
class Decision:
    """One NSG's verdict for one flow."""

    nsg: NetworkSecurityGroup
    direction: Direction
    #: True allowed, False denied, None unknown (an unevaluated service tag could decide).
    allowed: bool | None
    rule: SecurityRule | None
    #: Service tags the decision depended on and could not evaluate.
    unknown_tags: tuple[str, ...] = ()
    #: The flow as this NSG saw it (behind an ILB: the backend address and port; through Private
    #: Link: the NAT address as the source).
    src: Prefix | None = None
    dst: Prefix | None = None
    port: int | None = None

    def describe(self) -> str:
        where = f"network security group {self.nsg.name}"
        if self.allowed is None:
            return (f"{where} ({self.direction.value.lower()}): rule '{self.rule.name if self.rule else '?'}' matches "
                    f"on {', '.join(self.unknown_tags)}, which the snapshot cannot decide for this flow (a service "
                    "tag whose addresses it does not show, or a rule that covers only part of the source)")  # fmt: skip
        assert self.rule is not None
        r = self.rule
        verb = "allows" if self.allowed else "denies"
        kind = "default rule" if r.default else "rule"
        return f"{where} {verb} it ({self.direction.value.lower()}, {kind} '{r.name}', priority {r.priority})"


def _within(p: Prefix, members: Iterable[Prefix]) -> bool | None:
    """True: ``p`` lies inside the members; False: it shares no address; None: partly."""
    ms = list(members)
    if any(m.contains(p) for m in ms):
        return True
    return None if any(m.overlaps(p) for m in ms) else False


def _tag_match(tag: str, p: Prefix, ctx: Context) -> bool | None:
    t = tag.lower()
    if t == "virtualnetwork":
        return covered(p, ctx.virtual_network)
    if t == "azureloadbalancer":
        return _within(p, (AZURE_LB_IP,))
    if t == "internet":
        # Not Internet: private and special space, and the VirtualNetwork tag.
        inside = covered(p, ctx.virtual_network, _NOT_INTERNET)
        return None if inside is None else not inside
    return None


def match_address(spec: AddressSpec, p: Prefix, ctx: Context) -> tuple[bool | None, tuple[str, ...]]:
    """Does address (or subnet) ``p`` match the spec? (True/False, or None with what is unknown)."""
    if spec.any:
        return True, ()
    partial = False
    for q in spec.prefixes:
        if q.contains(p):
            return True, ()
        partial = partial or q.overlaps(p)
    if spec.asg_ids:
        wanted = {a.lower() for a in spec.asg_ids}
        groups = [any(a.lower() in wanted for a in g) for g in ctx.asgs_of(p)]
        if groups and all(groups):
            return True, ()
        partial = partial or any(groups)
    unknown: list[str] = []
    for tag in spec.tags:
        m = _tag_match(tag, p, ctx)
        if m:
            return True, ()
        if m is None:
            unknown.append(tag if tag.lower() not in EVALUATED_TAGS else f"{tag} (covers part of {p})")
    if partial:
        unknown.append(f"{spec.describe()} (covers part of {p})")
    return (None, tuple(unknown)) if unknown else (False, ())


def _proto_match(rule: SecurityRule, protocol: str) -> bool:
    return rule.protocol == "*" or rule.protocol.lower() == protocol.lower()


def _port_match(ranges: Sequence[PortRange], port: int) -> bool:
    return any(r.lo <= port <= r.hi for r in ranges)


def evaluate(nsg: NetworkSecurityGroup, direction: Direction, src: Prefix, dst: Prefix, port: int,
             protocol: str, ctx: Context) -> Decision:  # fmt: skip
    """First matching rule by priority (R3); ``ctx``: what the tags mean where the NSG applies."""
    uncertain: list[tuple[SecurityRule, tuple[str, ...]]] = []
    for rule in nsg.ordered(direction):
        if not _proto_match(rule, protocol) or not _port_match(rule.destination_ports, port):
            continue
        ms, ts = match_address(rule.source, src, ctx)
        if ms is False:
            continue
        md, td = match_address(rule.destination, dst, ctx)
        if md is False:
            continue
        if ms is None or md is None:
            uncertain.append((rule, ts + td))
            continue
        allowed = rule.access is Access.ALLOW
        conflict = [(r, t) for r, t in uncertain if (r.access is Access.ALLOW) != allowed]
        if conflict:
            r, t = conflict[0]
            return Decision(nsg, direction, None, r, t, src, dst, port)
        return Decision(nsg, direction, allowed, rule, (), src, dst, port)
    # Unreachable with Azure's default rules in place (DenyAll* matches everything).
    if uncertain:
        r, t = uncertain[0]
        return Decision(nsg, direction, None, r, t, src, dst, port)
    return Decision(nsg, direction, True, None, (), src, dst, port)


# ---------------------------------------------------------------------------------------------
# Port sets (without --port)


Ports = list[tuple[int, int]]


def ports_minus(a: Ports, lo: int, hi: int) -> Ports:
    out: Ports = []
    for x, y in a:
        if y < lo or x > hi:
            out.append((x, y))
            continue
        if x < lo:
            out.append((x, lo - 1))
        if y > hi:
            out.append((hi + 1, y))
    return out


def ports_within(a: Ports, lo: int, hi: int) -> Ports:
    return [(max(x, lo), min(y, hi)) for x, y in a if not (y < lo or x > hi)]


def intersect(a: Ports, b: Ports) -> Ports:
    out: Ports = []
    for lo, hi in b:
        out.extend(ports_within(a, lo, hi))
    return sorted(out)


def open_ports(nsg: NetworkSecurityGroup, direction: Direction, src: Prefix, dst: Prefix, protocol: str,
               ctx: Context) -> tuple[Ports, Ports]:  # fmt: skip
    """(ports surely allowed, ports whose fate depends on an unevaluated service tag)."""
    undecided: Ports = [(ANY_PORT.lo, ANY_PORT.hi)]
    allowed: Ports = []
    unsure: Ports = []
    for rule in nsg.ordered(direction):
        if not undecided:
            break
        if not _proto_match(rule, protocol):
            continue
        ms, _ = match_address(rule.source, src, ctx)
        md, _ = match_address(rule.destination, dst, ctx)
        if ms is False or md is False:
            continue
        for r in rule.destination_ports:
            hit = ports_within(undecided, r.lo, r.hi)
            if not hit:
                continue
            if ms is None or md is None:
                unsure.extend(hit)
                continue
            if rule.access is Access.ALLOW:
                allowed.extend(hit)
            undecided = ports_minus(undecided, r.lo, r.hi)
    return merge_ports(allowed), merge_ports(unsure)


def merge_ports(ports: Iterable[tuple[int, int]]) -> Ports:
    out: Ports = []
    for lo, hi in sorted(ports):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def ports_text(ports: Ports) -> str:
    if ports == [(0, 65535)]:
        return "all ports"
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports) or "none"
