"""How a compliance rule is declared, and what it yields.

A :class:`Rule` owns its metadata (stable opaque id, :class:`Severity`, title, rationale,
remediation with the ``az`` command where there is one, Microsoft references, tags), validated
when the rule module is imported: a malformed rule fails the import, not a compliance run. Its
``check`` is a pure function of a :class:`Context` (the Estate, the optional intent, and shared
indexes computed once per run) that yields :class:`Outcome` values: one per resource it judged,
PASS, FAIL or UNKNOWN (with the reason), so coverage is visible and a gap never reads as a pass.
:meth:`Rule.run` turns outcomes into the neutral :class:`netplan.report.Finding`.

Severity and Status are the enums of :mod:`netplan.report.model`, re-exported here, so the rules
and the writers share one definition without the core importing this package.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter, le

from netplan.addr import HOST_BITS4, HOST_BITS6, Prefix
from netplan.estate import Estate
from netplan.ids import name_of, rid_key
from netplan.intent import AnyIntent
from netplan.model import Gateway, Peering, PeeringState, VNet, ZoneLink
from netplan.overlaps import OverlapReport, find_overlaps
from netplan.record import record
from netplan.report.model import Finding, RuleInfo, Severity, Status
from netplan.topology import link_graph

__all__ = ["COUNTED_PASS", "Context", "Outcome", "Rule", "RuleDefinitionError", "Severity", "Status", "failed", "passed", "unknown"]

#: ``VNP-<AREA>-<NNN>``: opaque and stable; the title may change, the id never does.
RULE_ID = re.compile(r"^VNP-[A-Z]{2,6}-\d{3}$")
TAG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: Only Microsoft's documentation is cited as a reference for Azure behaviour.
REFERENCE = re.compile(r"^https://learn\.microsoft\.com/\S+$")


class RuleDefinitionError(ValueError):
    """A rule whose metadata is invalid (raised at import of the rule module)."""


@record
class Outcome:
    """One judgement of a rule about one resource (``item`` when a resource is judged more than once)."""

    status: Status
    resource: str
    message: str
    item: str = ""


def passed(resource: str, message: str, item: str = "") -> Outcome:
    return Outcome(Status.PASS, resource, message, item)


def failed(resource: str, message: str, item: str = "") -> Outcome:
    return Outcome(Status.FAIL, resource, message, item)


def unknown(resource: str, message: str, item: str = "") -> Outcome:
    return Outcome(Status.UNKNOWN, resource, message, item)


#: What a rule yields for a PASS when the run does not list passes (``Context.list_passed`` False):
#: the pass is counted for its rule, and its sentence is never built. The hot rules write
#: ``yield passed(...) if ctx.list_passed else COUNTED_PASS`` so that an estate of 50,000 VNets
#: does not format a million sentences nobody reads.
COUNTED_PASS = Outcome(Status.PASS, "", "")


class Context:
    """What a rule may look at: the Estate, the intent (or None), and indexes shared by rules.

    Indexes are built on first use and cached for the run, each in one pass over the estate.

    ``list_passed`` False: the run lists failures and UNKNOWNs only; PASS outcomes are counted per
    rule in :attr:`unlisted_passes` (:meth:`Rule.run` builds no finding for them), and a rule may
    yield :data:`COUNTED_PASS` instead of building a PASS sentence.
    """

    def __init__(self, estate: Estate, intent: AnyIntent | None = None, *, list_passed: bool = True) -> None:
        self.estate = estate
        self.intent = intent
        self.list_passed = list_passed
        #: Rule id -> PASS outcomes counted but not listed (only when ``list_passed`` is False).
        self.unlisted_passes: dict[str, int] = {}
        self._connected_peers: dict[str, list[VNet]] = {}
        self._keys: dict[str, str] = {}
        self._zone_names: dict[str, str] = {}

    def key(self, rid: str) -> str:
        """:func:`netplan.ids.rid_key` of ``rid``, computed once per spelling in the run (the rules
        key the same remote VNet IDs and parents again and again: hundreds of thousands of calls
        at 10,000 VNets)."""
        got = self._keys.get(rid)
        if got is None:
            got = self._keys[rid] = rid_key(rid)
        return got

    @cached_property
    def vnet_keys(self) -> list[str]:
        """The key of each VNet of ``estate.vnets``, in that order (``VNet.key`` computes it at
        each access)."""
        return [rid_key(v.id) for v in self.estate.vnets]

    @cached_property
    def vnets_by_key(self) -> dict[str, VNet]:
        """VNet key -> VNet, as :meth:`netplan.estate.Estate.vnet` finds them."""
        return dict(zip(self.vnet_keys, self.estate.vnets, strict=True))

    def vnet(self, rid: str | None) -> VNet | None:
        """:meth:`netplan.estate.Estate.vnet`, from :attr:`vnets_by_key`."""
        return self.vnets_by_key.get(self.key(rid)) if rid else None

    @cached_property
    def links_from(self) -> dict[tuple[str, str], Peering]:
        """(local VNet key, remote VNet key) -> the link object in local towards remote, in any
        state: the first of the pair's links that local owns, as :meth:`Topology.link` finds it."""
        out: dict[tuple[str, str], Peering] = {}
        key = self.key
        for p, a, b in link_graph(self.estate).link_ends():
            local = key(p.vnet_id)
            if local == a:
                out.setdefault((a, b), p)
            elif local == b:
                out.setdefault((b, a), p)
        return out

    def link_from(self, local: str, remote: str) -> Peering | None:
        """:meth:`link` by keys, from an index of every link built once."""
        return self.links_from.get((local, remote))

    @cached_property
    def zone_links_by_vnet(self) -> dict[str, list[ZoneLink]]:
        """VNet key -> its Private DNS zone links, as :meth:`netplan.estate.Estate.links_of_vnet`
        gives them (a VNet without a link has no entry)."""
        out: dict[str, list[ZoneLink]] = {}
        key = self.key
        for link in self.estate.zone_links:
            k = key(link.vnet_id)
            got = out.get(k)
            if got is None:
                out[k] = [link]
            else:
                got.append(link)
        return out

    def zone_name(self, zone_id: str) -> str:
        """The name of the private zone ``zone_id`` (lower case), from the snapshot's zone when it
        holds it, else from the ID; once per ID spelling."""
        got = self._zone_names.get(zone_id)
        if got is None:
            z = self.estate.zone(zone_id)
            got = self._zone_names[zone_id] = z.name if z else name_of(zone_id).lower()
        return got

    @cached_property
    def self_overlap_suspects(self) -> frozenset[str]:
        """Keys of the VNets whose prefixes :func:`maybe_self_overlapping` cannot prove disjoint."""
        return frozenset(k for k, spans in self.vnet_spans.items() if len(spans) > 1 and maybe_self_overlapping(spans))

    @cached_property
    def partial_pairs(self) -> frozenset[tuple[str, str]]:
        """The topology's pair keys with a link that peers only some subnets or only IPv6 (P9)."""
        return frozenset(
            (a, b) if a < b else (b, a) for p, a, b in link_graph(self.estate).link_ends()
            if not p.peer_complete_vnets or p.only_ipv6
        )  # fmt: skip

    def has_link(self, local: str, remote: str) -> bool:
        """A link object (any state) exists in ``local`` towards ``remote``."""
        return self.link(local, remote) is not None

    def link(self, local: str, remote: str) -> Peering | None:
        """The link object in ``local`` towards ``remote`` (:meth:`Topology.link`)."""
        return self.links_from.get((rid_key(local), rid_key(remote)))

    def both_connected(self, a: str, b: str) -> bool:
        """Both link objects of the a-b peering exist and are Connected (P1: only then traffic flows)."""
        pair = link_graph(self.estate).pair(rid_key(a), rid_key(b))
        return pair is not None and pair.connected

    def connected_peers_of(self, key: str) -> list[VNet]:
        """The VNets in the snapshot that VNet ``key`` (in the snapshot) is peered with, both links
        Connected, by key. Built per VNet asked about (a rule asks for a few hundred of 50,000)."""
        got = self._connected_peers.get(key)
        if got is None:
            got = []
            graph = link_graph(self.estate)
            if self.vnet(key) is not None:
                for other in graph.neighbours(key):
                    pair = graph.pair(key, other)
                    links = pair.links if pair is not None else ()
                    remote = self.vnet(other)
                    if remote is not None and len(links) == 2 and all(p.state is PeeringState.CONNECTED for p in links):
                        got.append(remote)
                got.sort(key=lambda v: v.key)
            self._connected_peers[key] = got
        return got

    @cached_property
    def record_ips(self) -> set[str]:
        """Every address an A/AAAA record in any private zone points to (as text)."""
        return {v for r in self.estate.record_sets if r.rtype in ("A", "AAAA") for v in r.values}

    @cached_property
    def vnet_spans(self) -> dict[str, list[Span]]:
        """VNet key -> its address prefixes as sorted spans."""
        return {k: spans_of(v.address_prefixes) for k, v in zip(self.vnet_keys, self.estate.vnets, strict=True)}

    @cached_property
    def overlap_report(self) -> OverlapReport:
        """:func:`netplan.overlaps.find_overlaps` of the estate (VNP-NET-003 reports from it)."""
        return find_overlaps(self.estate)

    @cached_property
    def overlapping_vnets(self) -> frozenset[str]:
        """Keys of the VNets with a prefix that overlaps another VNet's (or a declared on-premises
        network's) anywhere in the estate, peered or not, or another prefix of their own."""
        keys = {self.key(vid) for group in self.overlap_report.groups for vid in group.vnet_ids()}
        suspects = self.self_overlap_suspects
        for key, spans in self.vnet_spans.items():
            if key in suspects and key not in keys and _self_overlapping(spans):
                keys.add(key)
        return frozenset(keys)

    @cached_property
    def _gateways(self) -> dict[str, list[Gateway]]:
        out: dict[str, list[Gateway]] = defaultdict(list)
        for g in self.estate.gateways:
            if g.vnet_id:
                out[rid_key(g.vnet_id)].append(g)
        return dict(out)

    def gateways_of(self, vnet_id: str) -> list[Gateway]:
        """The virtual network gateways in a VNet (an index; Estate.gateways_of scans)."""
        return self._gateways.get(rid_key(vnet_id), [])

    def gateways_in(self, key: str) -> list[Gateway]:
        """:meth:`gateways_of` by VNet key."""
        return self._gateways.get(key, [])

    def gap_note(self, rid: str) -> str | None:
        """Why the snapshot may be incomplete for ``rid`` (a recorded gap covering it), else None."""
        gaps = self.estate.gaps_for(rid)
        if not gaps:
            return None
        return "; ".join(f"the snapshot could not read {g.kind} in {g.scope} ({g.reason})" for g in gaps)


Check = Callable[[Context], Iterable[Outcome]]

#: A prefix as plain integers, (version, first address, last address, prefix): the rules' hot loops
#: compare these instead of calling Prefix properties, which matters at 100,000 prefixes.
Span = tuple[int, int, int, Prefix]


def span(p: Prefix) -> Span:
    return (p.version, p.value, p.value | (HOST_BITS4 if p.version == 4 else HOST_BITS6)[p.length], p)


def spans_of(prefixes: Iterable[Prefix]) -> list[Span]:
    """Spans sorted by (version, first, last)."""
    # span() written out: 100,000 prefixes at 10k VNets.
    out = [(p.version, p.value, p.value | (HOST_BITS4 if p.version == 4 else HOST_BITS6)[p.length], p) for p in prefixes]
    out.sort()
    return out


_FIRST = itemgetter(1)
_LAST = itemgetter(2)


def maybe_self_overlapping(spans: list[Span]) -> bool:
    """False when one VNet's sorted spans certainly share no address: each starts after the one
    before it ends (sorted by first address, that makes them all disjoint), tested in C. True when
    they may (then ask :func:`_self_overlapping` or list the pairs)."""
    if len(spans) < 2:
        return False
    if spans[0][0] != spans[-1][0]:
        return True  # both IP versions: the plain loop decides
    return any(map(le, map(_FIRST, spans[1:]), map(_LAST, spans)))


def _self_overlapping(spans: list[Span]) -> bool:
    """Whether two of one VNet's sorted spans share an address."""
    version, last = 0, -1
    for sp in spans:
        if sp[0] == version and sp[1] <= last:
            return True
        if sp[0] != version or sp[2] > last:
            version, last = sp[0], sp[2]
    return False


def cross_overlaps(a: list[Span], b: list[Span]) -> list[tuple[Prefix, Prefix]]:
    """Overlapping (prefix of a, prefix of b) pairs of two short span lists (a VNet's few prefixes),
    each sorted as :func:`spans_of` gives them; in the order of a, then b."""
    if not a or not b:
        return []
    # One IP version on both sides: nothing overlaps when one list's spans all start after the
    # other's end (two peered VNets' spaces are almost always apart).
    if a[0][0] == a[-1][0] == b[0][0] == b[-1][0] and (a[0][1] > max(map(_LAST, b)) or b[0][1] > max(map(_LAST, a))):
        return []
    return [(x[3], y[3]) for x in a for y in b if x[0] == y[0] and x[1] <= y[2] and y[1] <= x[2]]


@dataclass(frozen=True)
class Rule:
    """A compliance rule: metadata plus a pure check. Validated on construction."""

    id: str
    title: str
    severity: Severity
    rationale: str
    remediation: str
    check: Check = field(compare=False, repr=False)
    references: tuple[str, ...] = ()
    #: Lower-case-kebab labels. ``exposure`` marks a rule about traffic reaching what it should not:
    #: its SARIF results become security alerts on GitHub (``security-severity``); others are quality.
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problems: list[str] = []
        if not RULE_ID.match(self.id):
            problems.append(f"id {self.id!r} does not match VNP-<AREA>-<NNN>")
        if not isinstance(self.severity, Severity):
            problems.append(f"severity {self.severity!r} is not a Severity")
        if not (10 <= len(self.title) <= 100) or self.title.endswith("."):
            problems.append("title must be 10-100 characters without a final period")
        if len(self.rationale.strip()) < 20:
            problems.append("rationale is missing or too short")
        if len(self.remediation.strip()) < 20:
            problems.append("remediation is missing or too short")
        if not self.references:
            problems.append("at least one reference is required")
        problems += [f"reference {u!r} is not a learn.microsoft.com URL" for u in self.references if not REFERENCE.match(u)]
        if not self.tags:
            problems.append("at least one tag is required")
        problems += [f"tag {t!r} is not lower-case-kebab" for t in self.tags if not TAG.match(t)]
        if not callable(self.check):
            problems.append("check is not callable")
        if problems:
            raise RuleDefinitionError(f"rule {self.id}: " + "; ".join(problems))

    @property
    def info(self) -> RuleInfo:
        return RuleInfo(self.id, self.title, self.severity, self.rationale, self.remediation, self.references, self.tags)

    def run(self, ctx: Context) -> list[Finding]:
        """The rule's findings; without ``ctx.list_passed``, its passes are only counted (in
        ``ctx.unlisted_passes``)."""
        if ctx.list_passed:
            return [Finding(self.id, self.severity, o.status, o.resource, o.message, o.item) for o in self.check(ctx)]
        out: list[Finding] = []
        passes = 0
        counted, passed_ = COUNTED_PASS, Status.PASS
        for o in self.check(ctx):
            if o is counted or o.status is passed_:
                passes += 1
            else:
                out.append(Finding(self.id, self.severity, o.status, o.resource, o.message, o.item))
        if passes:
            ctx.unlisted_passes[self.id] = ctx.unlisted_passes.get(self.id, 0) + passes
        return out
