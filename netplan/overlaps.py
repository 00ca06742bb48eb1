"""Address-overlap analysis: every overlap in an estate, classified by what it breaks (DESIGN P3).

The promise: :func:`find_overlaps` reports every pair of overlapping address prefixes among all
VNets (IPv4 and IPv6, a VNet's own prefixes included) and the declared on-prem networks, each
classified:

- ``error`` / ``peered``: the two VNets have a peering link between them (any state) or are about
  to (``planned``): Azure refuses it with ``VnetAddressSpacesOverlap``;
- ``error`` / ``routing-domain``: the third-VNet rule: the two VNets are both linked with a third
  one (``VnetAddressSpaceOverlapsWithAlreadyPeeredVnet``), which cannot route to both;
- ``warning`` / ``routing-domain``: the two are in one routing domain (connected through hubs,
  forwarded traffic or shared gateways, see :mod:`netplan.topology`), or a VNet overlaps declared
  on-prem space reachable from its domain;
- ``warning`` / ``self``: a VNet's own prefixes overlap each other;
- ``info`` / ``isolated``: the two never route to each other: legitimate, never an error.

How it scales: CIDR prefixes are laminar (two overlap iff one contains the other), so identical
prefixes are bucketed, the distinct ones sorted by (version, start, length) and swept with a
stack of open enclosing prefixes: every containment pair falls out in O(n log n + k). Pairs whose
two sides are in different routing domains, the bulk of a large estate ("200 isolated VNets on
10.0.0.0/16"), are kept as blocks and only expanded into pairs when asked for, so the analysis
costs time proportional to the groups it reports, not to their square. Results are grouped by
(severity, scope, enclosing prefix); every pair stays available (:meth:`OverlapGroup.pairs`).

The P3 helpers for one pair of VNets (the planner, the rules, the TUI) are
:func:`overlapping_prefixes` and :func:`peering_blockers`; they look only at the two VNets and
their peers, never at the whole estate.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netplan.addr import HOST_BITS4, HOST_BITS6, Prefix
from netplan.errors import RefError
from netplan.estate import Estate
from netplan.ids import rid_key, short_id
from netplan.jsonout import Stream
from netplan.record import record
from netplan.slotnew import twin
from netplan.topology import Domains, LinkGraph, PeerPair, link_graph, onprem_key, peered_space


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


class Scope(StrEnum):
    PEERED = "peered"
    ROUTING_DOMAIN = "routing-domain"
    SELF = "self"
    ISOLATED = "isolated"


_SCOPE_RANK = {Scope.PEERED: 0, Scope.ROUTING_DOMAIN: 1, Scope.SELF: 2, Scope.ISOLATED: 3}

#: Azure's error codes for peerings that cannot be created (P3).
SPACES_OVERLAP = "VnetAddressSpacesOverlap"
OVERLAPS_ALREADY_PEERED = "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet"
ANOTHER_PEERING = "AnotherPeeringAlreadyReferencesRemoteVnet"


@dataclass(frozen=True, slots=True, eq=False)
class Member:
    """One side of an overlap: a VNet's address prefix, or a declared on-prem network's.

    Compared by identity: one Member per prefix entry of the estate (a VNet that lists the same
    prefix twice has two), which also keeps hashing cheap in large groups.
    """

    #: The VNet ID in its original spelling; None for an on-prem network.
    vnet: str | None
    prefix: Prefix
    #: The on-prem network's declared name; None for a VNet.
    onprem: str | None = None
    #: Routing-domain label (:meth:`netplan.topology.LinkGraph.domains`): equal iff one domain.
    domain: int = field(default=-1, compare=False)
    #: An on-prem network without ``via``: assumed reachable from every domain.
    everywhere: bool = field(default=False, compare=False)

    @property
    def key(self) -> str:
        return rid_key(self.vnet) if self.vnet else onprem_key(self.onprem or "")

    @property
    def label(self) -> str:
        """``rg/name`` for a VNet, ``on-prem 'name'`` for a declaration (for tables and reasons)."""
        return short_id(self.vnet) if self.vnet else f"on-prem '{self.onprem}'"

    def sort_key(self) -> tuple[str, int, int, int]:
        return (self.key, self.prefix.version, self.prefix.value, self.prefix.length)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"vnet": self.vnet, "prefix": str(self.prefix)}
        if self.onprem is not None:
            d["onprem"] = self.onprem
        return d


# Members are built through a twin of the same layout (netplan.slotnew), not the frozen __init__:
# a large estate's overlaps have tens of thousands (a fifth of 50,000 VNets on one /16).
_MemberSlots = twin(Member, ("vnet", "prefix", "onprem", "domain", "everywhere"))


def _new_member(vnet: str | None, prefix: Prefix, onprem: str | None, domain: int, everywhere: bool) -> Member:
    o = _MemberSlots()
    o.vnet = vnet
    o.prefix = prefix
    o.onprem = onprem
    o.domain = domain
    o.everywhere = everywhere
    o.__class__ = Member
    return o


@record
class OverlapPair:
    """Two overlapping prefixes and why the overlap matters (or does not)."""

    a: Member
    b: Member
    severity: Severity
    scope: Scope
    reason: str
    #: The Azure error code the overlap produces on a peering PUT, when there is one.
    code: str | None = None
    #: The third VNet of the third-VNet rule (its ID).
    third_vnet: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"a": self.a.to_dict(), "b": self.b.to_dict(), "reason": self.reason}
        if self.code:
            d["code"] = self.code
        if self.third_vnet:
            d["third_vnet"] = self.third_vnet
        return d


@record
class _CrossDomainBlock:
    """Pairs of ``left`` x ``right`` (or within ``left`` when ``right`` is None) whose sides are in
    different routing domains: all ``info``/``isolated``, expanded on demand."""

    left: Sequence[Member]
    right: Sequence[Member] | None
    count: int

    def index_pairs(self, index: dict[int, int], reason: int) -> Iterator[list[int]]:
        """The pairs as ``[member index, member index, reason index]`` (see OverlapGroup.to_dict)."""
        if self.right is None:
            items = self.left
            for i, x in enumerate(items):
                xd, xi = x.domain, index[id(x)]
                for j in range(i + 1, len(items)):
                    y = items[j]
                    if xd != y.domain:
                        yield [xi, index[id(y)], reason]
        else:
            for x in self.left:
                xd, xi = x.domain, index[id(x)]
                for y in self.right:
                    if xd != y.domain:
                        yield [xi, index[id(y)], reason]

    def pairs(self, reason: str) -> Iterator[OverlapPair]:
        if self.right is None:
            items = self.left
            for i, x in enumerate(items):
                for j in range(i + 1, len(items)):
                    y = items[j]
                    if x.domain != y.domain:
                        yield OverlapPair(x, y, Severity.INFO, Scope.ISOLATED, reason)
        else:
            for x in self.left:
                for y in self.right:
                    if x.domain != y.domain:
                        yield OverlapPair(x, y, Severity.INFO, Scope.ISOLATED, reason)


@record(frozen=False, slots=False)
class OverlapGroup:
    """All overlaps of one (severity, scope) under one enclosing prefix."""

    severity: Severity
    scope: Scope
    #: The enclosing prefix: the larger side of every pair in the group.
    prefix: Prefix
    explicit: list[OverlapPair] = field(default_factory=list)
    blocks: list[_CrossDomainBlock] = field(default_factory=list)
    #: The one reason shared by the pairs of ``blocks`` (set when the report is assembled).
    block_reason: str = ""
    _members: dict[Member, None] = field(default_factory=dict, repr=False)

    @property
    def members(self) -> list[Member]:
        """Every prefix involved: VNets by ID, then on-prem networks by name; each by prefix."""
        return sorted(self._members, key=Member.sort_key)

    @property
    def pair_count(self) -> int:
        return len(self.explicit) + sum(b.count for b in self.blocks)

    @property
    def reasons(self) -> list[str]:
        """The distinct reasons, in first-seen order."""
        seen: dict[str, None] = {}
        for p in self.explicit:
            seen.setdefault(p.reason, None)
        if self.blocks:
            seen.setdefault(self.block_reason, None)
        return list(seen)

    def pairs(self) -> Iterator[OverlapPair]:
        """Every pair of the group (cross-domain blocks expanded lazily)."""
        yield from self.explicit
        for b in self.blocks:
            yield from b.pairs(self.block_reason)

    def vnet_ids(self) -> set[str]:
        return {m.vnet for m in self._members if m.vnet}

    def to_dict(self, with_pairs: bool = True, *, lazy: bool = False) -> dict[str, Any]:
        """The JSON form. ``pairs`` holds every overlapping pair as ``[a, b, r]``: indexes into
        ``members`` (the two sides) and ``reasons`` (why), so that a group of 1,000 VNets on one
        prefix stays a few megabytes; ``codes`` and ``third_vnets`` collect the Azure error codes
        and the third VNets (P3) named by the group's pairs. Without ``with_pairs`` the key is left
        out (``pair_count`` still counts them); with ``lazy`` it is a :class:`netplan.jsonout.Stream`
        that expands the pairs only while being written."""
        members = self.members
        reasons = self.reasons
        d: dict[str, Any] = {
            "severity": str(self.severity),
            "scope": str(self.scope),
            "prefix": str(self.prefix),
            "members": [m.to_dict() for m in members],
        }
        if with_pairs:
            pairs = self._index_pairs(members, reasons)
            if lazy:

                d["pairs"] = Stream(pairs)
            else:
                d["pairs"] = list(pairs)
        d["pair_count"] = self.pair_count
        d["reasons"] = reasons
        d["codes"] = sorted({p.code for p in self.explicit if p.code})
        d["third_vnets"] = sorted({p.third_vnet for p in self.explicit if p.third_vnet})
        return d

    def _index_pairs(self, members: list[Member], reasons: list[str]) -> Iterator[list[int]]:
        index = {id(m): i for i, m in enumerate(members)}
        r_index = {r: i for i, r in enumerate(reasons)}
        for p in self.explicit:
            yield [index[id(p.a)], index[id(p.b)], r_index[p.reason]]
        for b in self.blocks:
            yield from b.index_pairs(index, r_index[self.block_reason])

    def _add_members(self, ms: Iterable[Member]) -> None:
        for m in ms:
            self._members.setdefault(m, None)


@record(frozen=False, slots=False)
class OverlapReport:
    """The grouped result of :func:`find_overlaps`, errors first, in a stable order."""

    groups: list[OverlapGroup]
    vnet_count: int
    prefix_count: int
    onprem_prefix_count: int
    #: Set when the snapshot admits gaps: "isolated" may then be wrong.
    incomplete: str | None = None

    @property
    def has_errors(self) -> bool:
        return any(g.severity is Severity.ERROR for g in self.groups)

    def worst(self) -> Severity | None:
        return min((g.severity for g in self.groups), key=lambda s: s.rank, default=None)

    def all_pairs(self) -> Iterator[OverlapPair]:
        for g in self.groups:
            yield from g.pairs()

    def groups_of(self, vnet_id: str) -> list[OverlapGroup]:
        """The groups in which a VNet (an ID, any case) takes part, in report order."""
        k = rid_key(vnet_id)
        return [g for g in self.groups if any(m.vnet and rid_key(m.vnet) == k for m in g._members)]

    def overlapping_vnets(self, min_severity: Severity = Severity.INFO) -> set[str]:
        """IDs of VNets in at least one overlap at or above ``min_severity``."""
        out: set[str] = set()
        for g in self.groups:
            if g.severity.rank <= min_severity.rank:
                out |= g.vnet_ids()
        return out

    def summary(self) -> dict[str, Any]:
        by_sev: dict[str, int] = {str(s): 0 for s in Severity}
        groups_by_sev: dict[str, int] = {str(s): 0 for s in Severity}
        by_scope: dict[str, int] = {str(s): 0 for s in Scope}
        for g in self.groups:
            by_sev[str(g.severity)] += g.pair_count
            groups_by_sev[str(g.severity)] += 1
            by_scope[str(g.scope)] += g.pair_count
        out: dict[str, Any] = {
            "groups": len(self.groups),
            "groups_by_severity": groups_by_sev,
            "pairs": sum(by_sev.values()),
            "pairs_by_severity": by_sev,
            "pairs_by_scope": by_scope,
            "overlapping_vnets": len(self.overlapping_vnets()),
            "vnets": self.vnet_count,
            "prefixes": self.prefix_count,
            "onprem_prefixes": self.onprem_prefix_count,
        }
        if self.incomplete:
            out["incomplete"] = self.incomplete
        return out

    def to_dict(self, with_pairs: bool = True, *, isolated_pairs: bool = True) -> dict[str, Any]:
        """Every group with its members and pair count; the pairs of error and warning groups with
        ``with_pairs``, and those of isolated (info) groups only with ``isolated_pairs`` too."""
        return {
            "overlaps": [g.to_dict(_lists_pairs(g, with_pairs, isolated_pairs)) for g in self.groups],
            "summary": self.summary(),
        }

    def to_stream(self, *, isolated_pairs: bool = False) -> dict[str, Any]:
        """:meth:`to_dict` for :func:`netplan.jsonout.write_json`: groups and pairs produced while
        they are written, so memory stays bounded by the largest group's members, not its pairs."""

        groups = (g.to_dict(_lists_pairs(g, True, isolated_pairs), lazy=True) for g in self.groups)
        return {"overlaps": Stream(groups), "summary": self.summary()}


def _lists_pairs(g: OverlapGroup, with_pairs: bool, isolated_pairs: bool) -> bool:
    return with_pairs and (isolated_pairs or g.severity is not Severity.INFO)


# ---------------------------------------------------------------------------------------------
# The sweep


def containment_pairs(prefixes: Sequence[Prefix]) -> Iterator[tuple[int, int]]:
    """Index pairs ``(i, j)`` of *distinct* prefixes where ``prefixes[i]`` contains ``prefixes[j]``.

    Sort by (version, first address, length) and keep a stack of the prefixes still open at the
    current address: because CIDR prefixes are laminar, everything left on the stack after popping
    the ones that ended contains the current prefix. O(n log n + k). Duplicates must be removed by
    the caller (identical prefixes are reported once per bucket, not by the sweep).
    """
    order = sorted(
        range(len(prefixes)), key=lambda i: (prefixes[i].version, prefixes[i].value, prefixes[i].length)
    )
    stack: list[tuple[int, int]] = []  # (index, last address)
    version = -1
    for i in order:
        p = prefixes[i]
        if p.version != version:
            stack.clear()
            version = p.version
        first = p.value
        while stack and stack[-1][1] < first:
            stack.pop()
        for j, _last in stack:
            yield j, i
        stack.append((i, p.value | ((1 << ((32 if version == 4 else 128) - p.length)) - 1)))


#: Marks an IPv6 prefix in the sweep's int keys: ``(IPv6 flag, address, length)`` packed into one int
#: (an address has at most 128 bits, a length 8).
_SIX = 1 << 136
_ADDR = (1 << 128) - 1


def _unpack(k: int) -> Prefix:
    """The prefix of a packed key (see ``_SIX``)."""
    return Prefix(6 if k >= _SIX else 4, (k >> 8) & _ADDR, k & 255)


def cross_overlaps(left: Sequence[Prefix], right: Sequence[Prefix]) -> list[tuple[Prefix, Prefix]]:
    """Every ``(l, r)`` with ``l`` from ``left`` and ``r`` from ``right`` that overlap (same sweep)."""
    tagged: dict[Prefix, tuple[list[int], list[int]]] = {}
    for p in left:
        tagged.setdefault(p, ([], []))[0].append(1)
    for p in right:
        tagged.setdefault(p, ([], []))[1].append(1)
    distinct = list(tagged)
    out: list[tuple[Prefix, Prefix]] = []
    for p in distinct:
        in_l, in_r = tagged[p]
        if in_l and in_r:
            out.append((p, p))
    for i, j in containment_pairs(distinct):
        outer, inner = distinct[i], distinct[j]
        if tagged[outer][0] and tagged[inner][1]:
            out.append((outer, inner))
        if tagged[inner][0] and tagged[outer][1]:
            out.append((inner, outer))
    out.sort(key=lambda lr: (lr[0], lr[1]))
    return out


# ---------------------------------------------------------------------------------------------
# Classification


class _Classifier:
    """Classifies one pair of members; holds the peering links, the domains and the planned pairs."""

    def __init__(self, estate: Estate, graph: LinkGraph, planned: set[tuple[str, str]], domains: Domains) -> None:
        self.estate = estate
        self.graph = graph
        self.planned = planned
        self.domains = domains
        self.planned_adj: dict[str, set[str]] = {}
        for a, b in planned:
            self.planned_adj.setdefault(a, set()).add(b)
            self.planned_adj.setdefault(b, set()).add(a)

    def name(self, key: str) -> str:
        return short_id(self.graph.name(key))

    def adj(self, key: str) -> set[str]:
        base = self.graph.neighbours(key)
        extra = self.planned_adj.get(key)
        return base | extra if extra else base

    def classify(self, x: Member, y: Member) -> OverlapPair:
        if x.vnet and y.vnet:
            return self._vnets(x, y)
        return self._onprem(x, y)

    def _vnets(self, x: Member, y: Member) -> OverlapPair:
        xk, yk = x.key, y.key
        if xk == yk:
            return OverlapPair(
                x, y, Severity.WARNING, Scope.SELF,
                f"{x.label}: its own address prefixes {x.prefix} and {y.prefix} overlap: the smaller one adds "
                "no address space, and a VNet's prefixes are expected to be disjoint (remove the inner one)",
            )  # fmt: skip
        pk = (xk, yk) if xk < yk else (yk, xk)
        pair = self.graph.pair(xk, yk)
        if pair is not None and not self._peered_overlap(pair, x, y):
            return OverlapPair(
                x, y, Severity.INFO, Scope.PEERED,
                f"{x.label} and {y.label} are peered ({pair.describe()}) {_partial_peering(pair)}, and "
                f"{x.prefix} / {y.prefix} overlap outside what it connects: not a peering error (P9)",
            )  # fmt: skip
        if pair is not None:
            return OverlapPair(
                x, y, Severity.ERROR, Scope.PEERED,
                f"{x.label} and {y.label} are peered ({pair.describe()}) but overlap on {x.prefix} / {y.prefix}: "
                f"Azure rejects such a peering ({SPACES_OVERLAP}) and traffic to the overlap cannot be routed",
                code=SPACES_OVERLAP,
            )  # fmt: skip
        if pk in self.planned:
            return OverlapPair(
                x, y, Severity.ERROR, Scope.PEERED,
                f"the planned peering {x.label} - {y.label} will fail with {SPACES_OVERLAP} "
                f"(overlapping prefixes {x.prefix}, {y.prefix})",
                code=SPACES_OVERLAP,
            )  # fmt: skip
        ax, ay = self.adj(xk), self.adj(yk)
        if len(ax) > len(ay):
            ax, ay = ay, ax
        common = sorted(k for k in ax if k in ay)
        if common:
            third = common[0]
            more = f" (and {len(common) - 1} more)" if len(common) > 1 else ""
            planned_note = " (counting planned peerings)" if self.planned else ""
            return OverlapPair(
                x, y, Severity.ERROR, Scope.ROUTING_DOMAIN,
                f"{x.label} and {y.label} are both peered with {self.name(third)}{more}{planned_note}, which "
                f"cannot route {x.prefix} / {y.prefix} to both; Azure rejects the second of those peerings "
                f"({OVERLAPS_ALREADY_PEERED})",
                code=OVERLAPS_ALREADY_PEERED, third_vnet=self.graph.name(third),
            )  # fmt: skip
        size = self.domains.sizes.get(x.domain, 0)
        return OverlapPair(
            x, y, Severity.WARNING, Scope.ROUTING_DOMAIN,
            f"{x.label} and {y.label} are not peered with each other but are in one routing domain "
            f"({size} VNets connected through peerings): traffic forwarded by a hub or through a shared "
            f"gateway cannot tell {x.prefix} and {y.prefix} apart, and they can never be peered",
        )  # fmt: skip

    def _peered_overlap(self, pair: PeerPair, x: Member, y: Member) -> bool:
        """Does the overlap of ``x`` and ``y`` lie in what the peering connects? Always, unless it
        is a subnet peering or IPv6-only (then only the connected prefixes count, P9)."""
        space = peered_space(self.estate, pair)
        if space is None:
            return True
        xs = [_meet(p, x.prefix) for p in space.get(x.key, ()) if p.overlaps(x.prefix)]
        ys = [_meet(p, y.prefix) for p in space.get(y.key, ()) if p.overlaps(y.prefix)]
        return any(a.overlaps(b) for a in xs for b in ys)

    def _onprem(self, x: Member, y: Member) -> OverlapPair:
        if x.vnet is None and y.vnet is not None:
            x, y = y, x
        if x.vnet is not None:
            # x is the VNet, y the on-prem network.
            net = next((n for n in self.estate.onprem if n.name == y.onprem), None)
            via = net.via_vnet_id if net else None
            if via is None:
                where = "it declares no via VNet, so it is assumed reachable from every routing domain"
            elif rid_key(via) == x.key:
                where = f"it is reached through {x.label}'s own gateway"
            else:
                where = f"it is reached through {short_id(via)}'s gateway, in the same routing domain"
            return OverlapPair(
                x, y, Severity.WARNING, Scope.ROUTING_DOMAIN,
                f"{x.label} overlaps {y.label} ({x.prefix} / {y.prefix}): {where}; traffic to the overlap "
                "goes to the VNet, never on-premises",
            )  # fmt: skip
        return OverlapPair(
            x, y, Severity.WARNING, Scope.ROUTING_DOMAIN,
            f"declared {x.label} and {y.label} overlap ({x.prefix} / {y.prefix}) and are reachable from the same "
            "routing domain: routes to the overlap are ambiguous",
        )  # fmt: skip


def _meet(a: Prefix, b: Prefix) -> Prefix:
    """The intersection of two overlapping prefixes (CIDR prefixes nest: the longer one)."""
    return a if a.length >= b.length else b


def _partial_peering(pair: PeerPair) -> str:
    link = pair.links[0]
    if not link.peer_complete_vnets:
        return "by subnet peering"
    return "for IPv6 only (enableOnlyIPv6Peering)"


# ---------------------------------------------------------------------------------------------
# find_overlaps


def _resolve_planned(estate: Estate, planned: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for a, b in planned:
        ak = estate.resolve_vnet(a).key
        bk = estate.resolve_vnet(b).key
        if ak != bk:
            out.add((ak, bk) if ak < bk else (bk, ak))
    return out


def find_overlaps(estate: Estate, planned: Iterable[tuple[str, str]] = ()) -> OverlapReport:
    """Every address overlap in ``estate``, classified (P3) and grouped; see the module docstring.

    ``planned``: VNet pairs (IDs, ``rg/name`` or unique names) about to be peered; overlaps between
    them, or with VNets already peered with either, are errors. An unknown reference raises
    :class:`~netplan.errors.RefError`.
    """
    # Many small objects, no cycles: pause the cyclic collector, as the loader does.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _find_overlaps(estate, planned)
    finally:
        if was_enabled:
            gc.enable()


def _find_overlaps(estate: Estate, planned: Iterable[tuple[str, str]]) -> OverlapReport:
    graph = link_graph(estate)
    planned_keys = _resolve_planned(estate, planned)
    domains = graph.domains(planned_keys)
    classifier = _Classifier(estate, graph, planned_keys, domains)

    # Every prefix becomes one int that sorts as (IPv6?, first address, length, owner): one C sort
    # of ints lines up identical prefixes (they overlap pairwise without a sweep) and puts each
    # enclosing prefix before what it contains (the sweep). Members (and routing domains) are made
    # only for the prefixes that overlap. All of this matters at 100,000 prefixes.
    vnets = estate.vnets
    labels = domains.vnets
    nets = estate.onprem
    owner_bits = (len(vnets) + len(nets)).bit_length() or 1
    packed = [
        ((_SIX if p.version == 6 else 0) | p.value << 8 | p.length) << owner_bits | oi
        for oi, v in enumerate(vnets) for p in v.address_prefixes
    ]  # fmt: skip
    prefix_count = len(packed)
    base = len(vnets)
    packed += [
        ((_SIX if p.version == 6 else 0) | p.value << 8 | p.length) << owner_bits | (base + i)
        for i, net in enumerate(nets) for p in net.prefixes
    ]  # fmt: skip
    onprem_count = len(packed) - prefix_count
    packed.sort()
    owner_mask = (1 << owner_bits) - 1

    made: dict[int, list[Member]] = {}
    new = _new_member

    def members_of(at: int) -> list[Member]:
        """The members of the prefix whose run of owners starts at ``packed[at]``."""
        ms = made.get(at)
        if ms is None:
            k = packed[at] >> owner_bits
            p = _unpack(k)
            ms = made[at] = []
            j = at
            while j < len(packed) and packed[j] >> owner_bits == k:
                oi = packed[j] & owner_mask
                if oi < base:
                    ms.append(new(vnets[oi].id, p, None, labels[oi], False))
                else:
                    net = nets[oi - base]
                    ms.append(new(None, p, net.name, domains.of(onprem_key(net)), net.via_vnet_id is None))
                j += 1
        return ms

    incomplete = None
    if estate.gaps:
        incomplete = (
            f"the snapshot is incomplete ({len(estate.gaps)} gap(s), e.g. {estate.gaps[0].kind} in "
            f"{estate.gaps[0].scope}): peerings there could connect VNets reported as isolated"
        )
    groups: dict[tuple[Severity, Scope, Prefix], OverlapGroup] = {}
    builder = _GroupBuilder(groups, classifier, incomplete)
    same, contained = _sweep(packed, owner_bits)
    for at in same:
        builder.block(_unpack(packed[at] >> owner_bits), members_of(at), None)
    for outer, inner in contained:
        builder.block(_unpack(packed[outer] >> owner_bits), members_of(outer), members_of(inner))
    builder.finish()

    ordered = sorted(
        groups.values(),
        key=lambda g: (
            g.severity.rank,
            _SCOPE_RANK[g.scope],
            g.prefix.version,
            g.prefix.value,
            g.prefix.length,
        ),
    )
    return OverlapReport(ordered, len(estate.vnets), prefix_count, onprem_count, incomplete)


def _sweep(packed: list[int], owner_bits: int) -> tuple[list[int], list[tuple[int, int]]]:
    """The sweep over the sorted packed prefixes: the run starts of prefixes held more than once,
    and the (outer run start, inner run start) of every prefix that contains another. A prefix's
    last address comes from its version's table of host bits (IPv4 sorts before IPv6; the stack
    starts afresh at the switch)."""
    same: list[int] = []
    contained: list[tuple[int, int]] = []
    stack: list[tuple[int, int]] = []  # (run start, last address) of the open enclosing prefixes
    prev = -1
    six: bool | None = None
    host = HOST_BITS4
    for at, c in enumerate(packed):
        k = c >> owner_bits
        if k == prev:
            if not same or same[-1] != stack[-1][0]:
                same.append(stack[-1][0])
            continue
        prev = k
        if (k >= _SIX) is not six:
            stack.clear()
            six = k >= _SIX
            host = HOST_BITS6 if six else HOST_BITS4
        first = (k >> 8) & _ADDR
        while stack and stack[-1][1] < first:
            stack.pop()
        for outer, _last in stack:
            contained.append((outer, at))
        stack.append((at, first | host[k & 255]))
    return same, contained


class _GroupBuilder:
    """Turns blocks of overlapping members into grouped explicit pairs and cross-domain blocks."""

    def __init__(self, groups: dict[tuple[Severity, Scope, Prefix], OverlapGroup], classifier: _Classifier,
                 incomplete: str | None) -> None:  # fmt: skip
        self.groups = groups
        self.classifier = classifier
        self.incomplete = incomplete
        # id(list) -> (the list itself, kept alive so the id stays unique, its partition)
        self._dom_cache: dict[int, tuple[list[Member], dict[int, list[Member]]]] = {}
        self._rank_cache: dict[int, tuple[list[Member], dict[int, int]]] = {}
        # id(group) -> {id(bucket list): None if all its members were added, else the one
        # excluded domain of the partial add}
        self._added: dict[int, dict[int, set[int] | None]] = {}

    def _doms(self, ms: list[Member]) -> dict[int, list[Member]]:
        """Members by routing domain, memoized per bucket list (a /16 shared by 1,000 VNets
        encloses many smaller prefixes; partition it once, not once per enclosed prefix)."""
        key = id(ms)
        hit = self._dom_cache.get(key)
        if hit is not None and hit[0] is ms:
            return hit[1]
        doms = _by_domain(ms)
        self._dom_cache[key] = (ms, doms)
        return doms

    def _rank(self, ms: list[Member]) -> dict[int, int]:
        """The position of each domain in :meth:`_doms` of ``ms`` (memoized alike)."""
        key = id(ms)
        hit = self._rank_cache.get(key)
        if hit is not None and hit[0] is ms:
            return hit[1]
        rank = {d: i for i, d in enumerate(self._doms(ms))}
        self._rank_cache[key] = (ms, rank)
        return rank

    def group(self, severity: Severity, scope: Scope, prefix: Prefix) -> OverlapGroup:
        key = (severity, scope, prefix)
        g = self.groups.get(key)
        if g is None:
            g = self.groups[key] = OverlapGroup(severity, scope, prefix)
        return g

    def explicit(self, prefix: Prefix, x: Member, y: Member) -> None:
        pair = self.classifier.classify(x, y)
        g = self.group(pair.severity, pair.scope, prefix)
        g.explicit.append(pair)
        g._add_members((x, y))

    def block(self, prefix: Prefix, left: list[Member], right: list[Member] | None) -> None:
        """All pairs of ``left`` x ``right`` (or within ``left``), enclosing prefix ``prefix``."""
        wild_l = [m for m in left if m.everywhere]
        norm_l = [m for m in left if not m.everywhere] if wild_l else left
        if right is None:
            # Pairs involving an on-prem network without `via` are always classified one by one.
            for i, w in enumerate(wild_l):
                for m in (*wild_l[i + 1 :], *norm_l):
                    self.explicit(prefix, w, m)
            by_dom = self._doms(norm_l)
            same = 0
            for ms in by_dom.values():
                for i, x in enumerate(ms):
                    for y in ms[i + 1 :]:
                        self.explicit(prefix, x, y)
                same += len(ms) * (len(ms) - 1) // 2
            total = len(norm_l) * (len(norm_l) - 1) // 2
            cross = total - same
            if cross:
                self._cross(prefix, norm_l, None, cross, (norm_l, None))
            return
        wild_r = [m for m in right if m.everywhere]
        norm_r = [m for m in right if not m.everywhere] if wild_r else right
        for w in wild_l:
            for m in right:
                self.explicit(prefix, w, m)
        for w in wild_r:
            for m in norm_l:
                self.explicit(prefix, m, w)
        dom_l, dom_r = self._doms(norm_l), self._doms(norm_r)
        # The domains on both sides, in the left side's order; found from the smaller side (10,000
        # isolated VNets on one /16 are 10,000 domains, and that /16 encloses many prefixes).
        if len(dom_r) < len(dom_l):
            common = [d for d in dom_r if d in dom_l]
            if len(common) > 1:
                rank = self._rank(norm_l)
                common.sort(key=rank.__getitem__)
        else:
            common = [d for d in dom_l if d in dom_r]
        same = 0
        for d in common:
            ls, rs = dom_l[d], dom_r[d]
            for x in ls:
                for y in rs:
                    self.explicit(prefix, x, y)
            same += len(ls) * len(rs)
        cross = len(norm_l) * len(norm_r) - same
        if cross:
            # A member is involved when the other side has a domain other than its own.
            excl_l = next(iter(dom_r)) if len(dom_r) == 1 else None
            excl_r = next(iter(dom_l)) if len(dom_l) == 1 else None
            self._cross(prefix, norm_l, norm_r, cross, (norm_l, excl_l), (norm_r, excl_r))

    def _cross(
        self,
        prefix: Prefix,
        left: list[Member],
        right: list[Member] | None,
        count: int,
        *involved: tuple[list[Member], int | None],
    ) -> None:
        """Record a cross-domain block; ``involved``: (members, the one domain whose members are
        not involved or None), so a bucket shared by many VNets is added once, not once per
        prefix it encloses."""
        g = self.group(Severity.INFO, Scope.ISOLATED, prefix)
        # The bucket lists are kept as they are (not copied): they live as long as the report.
        g.blocks.append(_CrossDomainBlock(left, right, count))
        seen = self._added.setdefault(id(g), {})
        for ms, excluded in involved:
            before = seen.get(id(ms), ())
            if before is None:
                continue  # all of this bucket is in the group already
            if excluded is None or (before and excluded not in before):
                # Everything (or, with two different exclusions, the rest as well) is involved.
                g._add_members(ms)
                seen[id(ms)] = None
            elif excluded not in before:
                g._add_members([m for m in ms if m.domain != excluded])
                seen[id(ms)] = {excluded}

    def finish(self) -> None:
        """Write the shared reason of each group's cross-domain pairs, from its final members."""
        for g in self.groups.values():
            if not g.blocks:
                continue
            ms = g._members
            kinds = "VNets and on-prem networks" if any(m.onprem for m in ms) else "VNets"
            n_domains = len({m.domain for m in ms})
            g.block_reason = (
                f"{len(ms)} prefixes of {kinds} in {n_domains} separate routing domains overlap within "
                f"{g.prefix}: those in different domains never route to each other (no peering path), so "
                "the overlap is legitimate; it matters only if they are ever connected (use Private Link then)"
            )
            if self.incomplete:
                g.block_reason += f"; but {self.incomplete}"


def _by_domain(ms: list[Member]) -> dict[int, list[Member]]:
    out: dict[int, list[Member]] = {}
    for m in ms:
        d = out.get(m.domain)
        if d is None:
            out[m.domain] = [m]
        else:
            d.append(m)
    return out


# ---------------------------------------------------------------------------------------------
# P3 helpers for one pair of VNets


@record
class PeeringBlocker:
    """Why Azure would refuse a new peering between two VNets, with Azure's own code and message."""

    code: str
    message: str
    #: The overlapping (first side, other side) prefixes; empty for ANOTHER_PEERING.
    prefixes: tuple[tuple[Prefix, Prefix], ...] = ()
    #: The third VNet (OVERLAPS_ALREADY_PEERED) or the existing link (ANOTHER_PEERING).
    third_vnet: str | None = None
    #: The VNet whose peering PUT fails.
    vnet: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "prefixes": [[str(a), str(b)] for a, b in self.prefixes],
            "third_vnet": self.third_vnet,
            "vnet": self.vnet,
        }


def _vnet(estate: Estate, ref: str) -> Any:
    v = estate.vnet(ref) if ref.startswith("/") else None
    return v if v is not None else estate.resolve_vnet(ref)


def overlapping_prefixes(estate: Estate, a_id: str, b_id: str) -> list[tuple[Prefix, Prefix]]:
    """The overlapping ``(prefix of a, prefix of b)`` pairs of two VNets (IDs or references).

    Raises :class:`~netplan.errors.RefError` when either VNet is not in the estate.
    """
    a, b = _vnet(estate, a_id), _vnet(estate, b_id)
    return cross_overlaps(a.address_prefixes, b.address_prefixes)


def peering_blockers(
    estate: Estate, a_id: str, b_id: str, peering_name: str | None = None
) -> list[PeeringBlocker]:
    """What stops a new peering ``a`` -> ``b`` (and its reverse link), as Azure would report it.

    - ``AnotherPeeringAlreadyReferencesRemoteVnet``: a link from ``a`` to ``b`` (or ``b`` to ``a``)
      exists already under another name;
    - ``VnetAddressSpacesOverlap``: the two address spaces overlap;
    - ``VnetAddressSpaceOverlapsWithAlreadyPeeredVnet``: one of them overlaps a third VNet already
      linked with the other (the third VNet's space from the estate, else from the link's
      ``remoteVirtualNetworkAddressSpace`` when the VNet is outside the snapshot).

    Messages follow Azure's wording for a PUT of the peering on ``a``'s side named
    ``peering_name`` (default ``<a>-to-<b>``). Cost: the two VNets' prefixes and peerings.
    """
    a, b = _vnet(estate, a_id), _vnet(estate, b_id)
    if a.key == b.key:
        raise RefError(f"cannot peer {short_id(a.id)} with itself")
    name = peering_name or f"{a.name}-to-{b.name}"
    peering_id = f"{a.id}/virtualNetworkPeerings/{name}"
    out: list[PeeringBlocker] = []
    for local, remote in ((a, b), (b, a)):
        existing = estate.peering(local.id, remote.id)
        if existing is not None and (local is not a or existing.name.lower() != name.lower()):
            out.append(PeeringBlocker(
                ANOTHER_PEERING,
                f"Peering {existing.id} already references remote virtual network {remote.id}. Cannot add "
                "another peering referencing the same remote virtual network.",
                (), existing.id, local.id,
            ))  # fmt: skip
    pairs = cross_overlaps(a.address_prefixes, b.address_prefixes)
    if pairs:
        listed = ", ".join(f"{x}, {y}" for x, y in pairs)
        out.append(PeeringBlocker(
            SPACES_OVERLAP,
            f"Cannot create or update peering {peering_id}. Virtual networks {a.id} and {b.id} cannot be peered "
            f"because their address spaces overlap. Overlapping address prefixes: {listed}",
            tuple(pairs), None, a.id,
        ))  # fmt: skip
    for first, second, which, other in ((a, b, "first", "second"), (b, a, "second", "first")):
        for link in second.peerings:
            third_key = rid_key(link.remote_vnet_id)
            if third_key in (a.key, b.key):
                continue
            third = estate.vnet(link.remote_vnet_id)
            third_prefixes = third.address_prefixes if third is not None else link.remote_current_prefixes
            hits = cross_overlaps(first.address_prefixes, third_prefixes)
            if not hits:
                continue
            listed = ", ".join(sorted({str(x) for x, _ in hits}))
            out.append(PeeringBlocker(
                OVERLAPS_ALREADY_PEERED,
                f"Cannot create or update peering {peering_id}. Virtual networks {a.id} and {b.id} cannot be "
                f"peered because address space of the {which} virtual network overlaps with address space of "
                f"virtual network {link.remote_vnet_id} already peered with the {other} virtual network. "
                f"Overlapping address prefixes: {listed}.",
                tuple(hits), link.remote_vnet_id, a.id,
            ))  # fmt: skip
    return out
