"""The Azure Private DNS resolution simulator: what a VM in a given VNet gets back for a name.

Given an :class:`~netplan.estate.Estate`, a VNet and a name (A or AAAA, CNAMEs followed), the
simulator computes the answer of Azure-provided DNS (168.63.129.16) as seen from that VNet, and
says why. The rules it implements are DESIGN.md's D1-D8:

* D1 only zones linked to the VNet answer; peering carries no resolution.
* D2 a VNet with custom DNS servers does not consult its own links. A server that is a DNS private
  resolver inbound endpoint, a declared forwarder (``dns_forwarders``) or 168.63.129.16 itself is
  followed: the query is resolved as in the VNet where it sits. Any other server makes the answer
  UNKNOWN, "depends on custom DNS servers ...", never a guess. A server the VNet cannot reach
  (:func:`netplan.reach.reach`: no peering, not Connected, not routed; or UDP/TCP 53 closed by a
  route table or an NSG on the way, :func:`netplan.flow.flow`) gets no query: clients fail
  over to the next one, and when none is reachable the answer is SERVFAIL, with the reason.
* D3 the most specific linked zone answers and is authoritative: a missing name is NXDOMAIN.
* D4 names under no linked zone go to public DNS. Offline the one public answer we know is the
  privatelink CNAME of Azure PaaS names (:mod:`netplan.dns.names`), so
  ``acct.blob.core.windows.net`` continues as ``acct.privatelink.blob.core.windows.net`` and a
  linked privatelink zone can answer it. Other public names are PUBLIC (address unknown offline)
  unless the estate declares the answer (``public_dns``).
* D5 ``NxDomainRedirect`` on the link of a privatelink zone turns that zone's NXDOMAIN into public
  resolution; on any other zone it has no effect.
* D6 wildcards per RFC 4592: ``*`` answers names that do not exist, unless a closer existing node
  (an explicit record or an empty non-terminal) blocks it; explicit records beat ``*``.
* D7 two linked zones with the same name cannot exist in Azure; if the snapshot shows them, the
  answer is UNKNOWN (the snapshot is inconsistent).
* D8 forwarding rulesets linked to the VNet are applied first (longest dot-terminated domain
  wins); a rule forwarding to an inbound endpoint is followed, to anything else is UNKNOWN.
* Loops (a CNAME chain that comes back on itself or never ends, forwarding that comes back to a
  VNet already on the path) are SERVFAIL, as resolvers answer them.

Records of VMs in VNets linked to a zone with ``registrationEnabled`` are synthesized from their
NICs (the VM name comes from the NIC's ``virtualMachine`` id), unless the snapshot already carries
the auto-registered record set. Gaps the snapshot admits to in DNS-related kinds make every answer
UNKNOWN, naming the gap, because a zone or link we could not read could change it.

The promise: :meth:`DnsSimulator.resolve` never raises for a name it accepted and always returns a
frozen :class:`Answer` whose ``reasons`` explain the path (zone, record, CNAME hops, link policy,
forwarding). Per-zone data and per-VNet contexts are computed once and cached, so a simulator can
answer millions of queries (:mod:`netplan.dns.matrix`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any

from netplan.addr import AddressError, parse_ip
from netplan.dns.names import (
    AZURE_DNS_IP,
    DnsNameError,
    absolute,
    ancestors,
    is_privatelink_zone,
    is_under,
    normalize,
    privatelink_cname,
)
from netplan.errors import RefError, UsageError
from netplan.estate import Estate
from netplan.flow import flow
from netplan.ids import name_of, parent_id, rid_key
from netplan.model import (
    DnsResolver,
    ForwardingRule,
    Gap,
    Peering,
    PeeringState,
    PrivateDnsZone,
    ResolutionPolicy,
    ResolverEndpoint,
    VNet,
    ZoneLink,
)
from netplan.reach import reach
from netplan.record import record
from netplan.topology import link_routes

#: The longest CNAME chain followed before giving up (resolvers use similar limits).
MAX_CNAME_HOPS = 16
#: How many forwarding hops (custom DNS server, ruleset rule) a query may take.
MAX_FORWARD_HOPS = 8

QUERY_TYPES = ("A", "AAAA")


class Status(StrEnum):
    """The outcome of a simulated query."""

    #: The name exists; ``addresses`` holds the answer (empty: the name has no record of that type).
    NOERROR = "NOERROR"
    #: An authoritative linked zone says the name does not exist.
    NXDOMAIN = "NXDOMAIN"
    #: Public DNS would answer; offline the address is not known.
    PUBLIC = "PUBLIC"
    #: Resolution fails: a CNAME or forwarding loop, or no custom DNS server the VNet can reach.
    SERVFAIL = "SERVFAIL"
    #: The estate does not determine the answer (custom DNS, on-prem forwarding, a gap).
    UNKNOWN = "UNKNOWN"


@record
class ChainStep:
    """One record on the way to the answer: a CNAME hop or a final A/AAAA record."""

    name: str
    rtype: str
    value: str
    #: The private zone that holds the record; None for a public DNS answer.
    zone_id: str | None
    #: "record", "wildcard", "auto-registered", "public" (declared) or "public-privatelink" (D4).
    source: str = "record"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.rtype, "value": self.value, "zone": self.zone_id}


@record
class Answer:
    """The simulated answer for ``name`` asked from ``vnet_id``, with its explanation."""

    name: str
    vnet_id: str
    rtype: str
    status: Status
    addresses: tuple[str, ...] = ()
    #: The zone that gave the final answer (NOERROR/NXDOMAIN from a private zone), else None.
    zone_id: str | None = None
    #: The zone's DNS name, for messages.
    zone_name: str | None = None
    #: The record set (relative name: ``*``, ``app``, ``@``) that gave the final answer.
    record: str | None = None
    chain: tuple[ChainStep, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        """NOERROR with at least one address."""
        return self.status is Status.NOERROR and bool(self.addresses)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``vnetplan resolve`` (a contract: keys never change)."""
        return {
            "name": self.name,
            "vnet": self.vnet_id,
            "status": self.status.value,
            "addresses": list(self.addresses),
            "zone": self.zone_id,
            "chain": [s.to_dict() for s in self.chain],
            "reasons": list(self.reasons),
        }

    def summary(self) -> str:
        """One line: ``10.20.0.4 (zone azure.mendixapps.io, record *)`` or the status and first reason."""
        if self.resolved:
            where = f" (zone {self.zone_name}, record {self.record})" if self.zone_name else " (public DNS)"
            return f"{', '.join(self.addresses)}{where}"
        head = self.status.value if self.status is not Status.NOERROR else f"NOERROR without an {self.rtype} record"
        return f"{head}: {self.reasons[-1]}" if self.reasons else head


# ------------------------------------------------------------------------------------------
# Zone data


@record
class _Rec:
    rname: str  # relative record-set name, as in the zone
    values: tuple[str, ...]
    source: str  # "record" | "auto-registered"
    ttl: int | None = None


@record
class _Lookup:
    """A zone's answer for one name: kind is answer, cname, nodata or nxdomain."""

    kind: str
    rec: _Rec | None = None
    wildcard: bool = False


@record(frozen=False, slots=False)
class _ZoneData:
    zone: PrivateDnsZone
    #: Every existing node: owners of record sets and their empty non-terminals, plus the apex.
    nodes: set[str] = field(default_factory=set)
    #: full name -> rtype -> record
    records: dict[str, dict[str, _Rec]] = field(default_factory=dict)

    def add(self, full: str, rtype: str, rec: _Rec) -> None:
        self.records.setdefault(full, {}).setdefault(rtype, rec)
        node = full
        while node != self.zone.name and is_under(node, self.zone.name):
            self.nodes.add(node)
            node = node.split(".", 1)[1]
        self.nodes.add(self.zone.name)

    def lookup(self, qname: str, rtype: str) -> _Lookup:
        """RFC 1034 / RFC 4592 lookup of ``qname`` (inside this zone)."""
        if qname in self.nodes:
            return self._at(self.records.get(qname, {}), rtype, wildcard=False)
        # Closest encloser: the nearest existing ancestor. The apex always exists.
        encloser = qname
        while encloser != self.zone.name:
            encloser = encloser.split(".", 1)[1]
            if encloser in self.nodes:
                break
        source = f"*.{encloser}"
        if source in self.nodes:
            return self._at(self.records.get(source, {}), rtype, wildcard=True)
        return _Lookup("nxdomain")

    @staticmethod
    def _at(node: dict[str, _Rec], rtype: str, wildcard: bool) -> _Lookup:
        if "CNAME" in node:
            return _Lookup("cname", node["CNAME"], wildcard)
        if rtype in node and node[rtype].values:
            return _Lookup("answer", node[rtype], wildcard)
        return _Lookup("nodata", None, wildcard)


# ------------------------------------------------------------------------------------------
# Resolution contexts


@record(frozen=False, slots=False)
class _Context:
    """What Azure DNS consults for queries from one VNet: its linked zones and rulesets."""

    vnet: VNet
    #: zone name -> [(zone, link)] (more than one distinct zone is the D7 inconsistency)
    zones: dict[str, list[tuple[PrivateDnsZone, ZoneLink]]]
    #: dot-terminated domain -> enabled rules from the rulesets linked to this VNet
    rules: dict[str, list[ForwardingRule]]

    def zone_for(self, name: str) -> tuple[str, list[tuple[PrivateDnsZone, ZoneLink]]] | None:
        for candidate in ancestors(name):
            hit = self.zones.get(candidate)
            if hit:
                return candidate, hit
        return None

    def rule_for(self, name: str) -> tuple[str, list[ForwardingRule]] | None:
        if not self.rules:
            return None
        for candidate in [*(a + "." for a in ancestors(name)), "."]:
            hit = self.rules.get(candidate)
            if hit:
                return candidate, hit
        return None

    @cached_property
    def zone_sig(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """Hashable view of ``zones``: name -> ((zone key, resolution policy), ...)."""
        return {n: tuple(sorted((z.key, link.resolution_policy.value) for z, link in e)) for n, e in self.zones.items()}

    @cached_property
    def rule_sig(self) -> dict[str, tuple[str, ...]]:
        """Hashable view of ``rules``: domain -> (rule keys)."""
        return {d: tuple(sorted(r.key for r in rs)) for d, rs in self.rules.items()}


@record(frozen=False, slots=False)
class _Walk:
    """A resolution in progress (mutable while walking, frozen into an Answer at the end)."""

    status: Status | None = None
    addresses: tuple[str, ...] = ()
    zone: PrivateDnsZone | None = None
    record: str | None = None
    chain: list[ChainStep] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def finish(self, status: Status, reason: str | None = None) -> _Walk:
        self.status = status
        if reason:
            self.reasons.append(reason)
        return self


# Gap kinds that can hide a zone, record, link, resolver or rule: any of them could change an answer.
_DNS_GAP_WORDS = ("dns", "zone", "record", "link", "resolver", "ruleset", "forwarding")
# Gap kinds that mean "nothing in this scope was read".
_WHOLE_SCOPE_KINDS = ("*", "", "all", "subscription", "subscriptions", "resourcegroup", "resource-group")


class DnsSimulator:
    """Answers queries against one Estate; build once, query many times (caches are per instance)."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self._zone_data: dict[str, _ZoneData] = {}
        self._contexts: dict[str, _Context] = {}
        self._public: dict[str, dict[str, tuple[str, ...]]] = defaultdict(dict)
        for ans in estate.public_dns:
            self._public[ans.name][ans.rtype] = ans.values
        self._dns_gaps = tuple(
            g for g in estate.gaps
            if g.kind.lower() in _WHOLE_SCOPE_KINDS or any(w in g.kind.lower() for w in _DNS_GAP_WORDS)
        )
        self._registered: dict[str, list[tuple[str, str, str]]] | None = None
        self._inbound: dict[str, list[ResolverEndpoint]] | None = None
        self._rules_by_ruleset: dict[str, list[ForwardingRule]] | None = None
        self._rulesets_by_vnet: dict[str, list[str]] | None = None
        self._endpoint_targets: set[str] | None = None
        self._targets: dict[str, tuple[VNet | None, str]] = {}
        self._server_reach: dict[tuple[str, str], tuple[bool | None, str]] = {}

    # ------------------------------------------------------------------ public API

    @property
    def dns_gaps(self) -> tuple[Gap, ...]:
        """The gaps under which a zone, link or forwarding rule may be missing (every answer is then UNKNOWN)."""
        return self._dns_gaps

    def resolve(self, vnet: VNet | str, name: str, rtype: str = "A") -> Answer:
        """The answer a VM in ``vnet`` gets for ``name`` (``rtype`` A or AAAA) from Azure DNS.

        ``vnet`` is a VNet or a reference :meth:`Estate.resolve_vnet` accepts. Raises
        :class:`UsageError` for an invalid name or type, :class:`RefError` for an unknown VNet.
        """
        v = vnet if isinstance(vnet, VNet) else self.estate.resolve_vnet(vnet)
        rt = rtype.upper()
        if rt not in QUERY_TYPES:
            raise UsageError(f"query type must be A or AAAA, not {rtype!r}")
        try:
            qname = normalize(name)
        except DnsNameError as exc:
            raise UsageError(str(exc)) from None
        return self.resolve_normalized(v, qname, rt)

    def resolve_normalized(self, vnet: VNet, qname: str, rtype: str) -> Answer:
        """:meth:`resolve` for callers that already normalized the name and checked the type."""
        return self._answer(vnet, qname, rtype, self._from_vnet(vnet, qname, rtype, ()))

    def server_target(self, vnet: VNet, ip: str) -> tuple[VNet | None, str]:
        """Where custom DNS server ``ip`` of ``vnet`` resolves: the VNet whose Azure DNS (links and
        rulesets) answers, and how we know; None (with the reason) when the estate cannot tell."""
        return self._dns_server_vnet(vnet, ip)

    def context_key(self, vnet: VNet) -> tuple[Any, ...]:
        """What resolution from ``vnet`` depends on: VNets with equal keys get equal answers."""
        if vnet.dns_servers:
            servers = tuple(str(s) for s in vnet.dns_servers)
            own = self._azure_key(vnet) if AZURE_DNS_IP in servers else ()
            reachable = tuple(self.server_reachable(vnet, ip)[0] for ip in servers)
            # An unreachable server's reason names this VNet: such VNets are their own group.
            named = any(
                ok is False or (ok is None and self._dns_server_vnet(vnet, ip)[0] is not None)
                for ok, ip in zip(reachable, servers, strict=True)
            )
            alone = vnet.key if named else ""
            return ("custom", servers, own, reachable, alone)
        return ("azure", self._azure_key(vnet))

    def cname_closure(self, qname: str, limit: int = 64) -> tuple[str, ...] | None:
        """Every name a query for ``qname`` can visit from any VNet: ``qname`` and the CNAME targets
        any zone of the estate, the declared public answers or the privatelink mapping can lead to.
        None when there are more than ``limit`` (the caller then falls back to whole contexts).
        """
        seen = [qname]
        i = 0
        while i < len(seen):
            name = seen[i]
            i += 1
            targets: list[str] = []
            for a in ancestors(name):
                for zone in self.estate.zones_named(a):
                    res = self._zone(zone).lookup(name, "A")
                    if res.kind == "cname" and res.rec is not None:
                        targets.append(res.rec.values[0])
            declared = self._public.get(name, {})
            targets.extend(declared.get("CNAME", ())[:1])
            pl = privatelink_cname(name)
            if pl is not None:
                targets.append(pl[0])
            for t in targets:
                if t not in seen:
                    seen.append(t)
            if len(seen) > limit:
                return None
        return tuple(seen)

    def context_view(self, vnet: VNet, zone_names: tuple[str, ...], rule_domains: tuple[str, ...]) -> tuple[Any, ...]:
        """The part of ``vnet``'s context that a query can see, given the zone names and rule
        domains its CNAME closure can touch (:func:`view_keys`). VNets with equal views get equal
        answers for that query: a finer grouping than :meth:`context_key`, per name.
        """
        if vnet.dns_servers:
            return self.context_key(vnet)  # resolution happens elsewhere; the servers decide
        ctx = self._context(vnet)
        zs = ctx.zone_sig
        rs = ctx.rule_sig
        return (
            "azure",
            tuple(zs.get(n) for n in zone_names),
            tuple(rs.get(d) for d in rule_domains) if rs else (),
        )

    def for_vnet(self, answer: Answer, vnet: VNet) -> Answer:
        """``answer`` (computed for a VNet with the same context key) as seen from ``vnet``."""
        return answer if rid_key(answer.vnet_id) == vnet.key else replace(answer, vnet_id=vnet.id)

    def zone_records(self, zone: PrivateDnsZone) -> list[tuple[str, str, tuple[str, ...], int | None, str]]:
        """What the simulator serves from ``zone``: (full name, type, values, TTL, source) for the
        A, AAAA and CNAME record sets, auto-registered VM records included, sorted by name."""
        data = self._zone(zone)
        return sorted(
            (full, rtype, rec.values, rec.ttl, rec.source)
            for full, node in data.records.items()
            for rtype, rec in node.items()
            if rtype in ("A", "AAAA", "CNAME") and rec.values
        )

    # ------------------------------------------------------------------ answer assembly

    def _answer(self, v: VNet, qname: str, rt: str, walk: _Walk) -> Answer:
        status = walk.status or Status.UNKNOWN
        reasons = list(walk.reasons)
        if self._dns_gaps and status is not Status.UNKNOWN:
            for g in self._dns_gaps:
                reasons.append(
                    f"the snapshot could not read {g.kind} in {g.scope} ({g.reason}); "
                    "a zone, link or rule there could change this answer"
                )
            status = Status.UNKNOWN
        zone = walk.zone
        return Answer(
            name=qname,
            vnet_id=v.id,
            rtype=rt,
            status=status,
            addresses=walk.addresses,
            zone_id=zone.id if zone is not None else None,
            zone_name=zone.name if zone is not None else None,
            record=walk.record,
            chain=tuple(walk.chain),
            reasons=tuple(reasons),
        )

    # ------------------------------------------------------------------ D2: where the query goes

    def server_reachable(self, v: VNet, ip: str) -> tuple[bool | None, str]:
        """Can VMs in ``v`` reach the custom DNS server ``ip``? (True/False/None, and why not)."""
        key = (v.key, ip)
        hit = self._server_reach.get(key)
        if hit is None:
            hit = self._server_reach[key] = _server_reach(self.estate, self._peer_links, v, ip)
        return hit

    @cached_property
    def _peer_links(self) -> dict[tuple[str, str], Peering]:
        """(local VNet key, remote VNet key) -> the local side's link (hubs have hundreds)."""
        return {(v.key, rid_key(p.remote_vnet_id)): p for v in self.estate.vnets for p in v.peerings}

    def _from_vnet(self, v: VNet, qname: str, rt: str, path: tuple[str, ...]) -> _Walk:
        if not v.dns_servers:
            return self._azure(v, qname, rt, path, _Walk())
        servers = [str(s) for s in v.dns_servers]
        unreachable: list[str] = []
        usable: list[str] = []
        for ip in servers:
            ok, why = self.server_reachable(v, ip)
            if ok is False:
                unreachable.append(f"{ip} ({why})")
                continue
            if ok is None and not usable and self._dns_server_vnet(v, ip)[0] is not None:
                return _Walk().finish(
                    Status.UNKNOWN,
                    f"whether VNet {v.name} can reach its custom DNS server {ip} cannot be determined ({why}), "
                    "so the answer is not known",
                )
            usable.append(ip)
        if not usable:
            return _Walk().finish(
                Status.SERVFAIL,
                f"VNet {v.name} cannot reach any of its custom DNS servers: {'; '.join(unreachable)}; queries time "
                "out (clients see SERVFAIL)",
            )
        walk = self._from_servers(v, usable, qname, rt, path)
        if unreachable:
            walk.reasons.insert(0, f"custom DNS server(s) not reachable from VNet {v.name}, skipped by clients: "
                                   f"{'; '.join(unreachable)}")
        return walk

    def _from_servers(self, v: VNet, servers: list[str], qname: str, rt: str, path: tuple[str, ...]) -> _Walk:
        outcomes: list[tuple[str, _Walk | None, str]] = []
        for ip in servers:
            target, how = self._dns_server_vnet(v, ip)
            if target is None:
                outcomes.append((ip, None, how))
                continue
            w = _Walk(reasons=[f"custom DNS server {ip} {how}"])
            outcomes.append((ip, self._azure(target, qname, rt, path, w), how))
        first_ip, first, first_how = outcomes[0]
        unknown = [ip for ip, w, _ in outcomes if w is None]
        if first is None:
            return _Walk().finish(
                Status.UNKNOWN,
                f"depends on custom DNS servers {', '.join(servers)}: {first_ip} {first_how}, so the answer is "
                "whatever that server returns (Azure-provided DNS and this VNet's zone links are not consulted)",
            )
        others = [(ip, w) for ip, w, _ in outcomes[1:] if w is not None]
        for ip, w in others:
            if (w.status, w.addresses) != (first.status, first.addresses):
                return _Walk().finish(
                    Status.UNKNOWN,
                    f"the custom DNS servers disagree: {first_ip} gives {_brief(first)}, {ip} gives {_brief(w)}; "
                    "the answer depends on which server a client uses",
                )
        if unknown:
            first.reasons.append(
                f"if {first_ip} does not answer, clients fail over to {', '.join(unknown)}, which the estate does not model"
            )
        return first

    def _dns_server_vnet(self, v: VNet, ip: str) -> tuple[VNet | None, str]:
        """The VNet whose Azure DNS a custom DNS server resolves with, and how we know."""
        if ip == AZURE_DNS_IP:
            return v, "is Azure-provided DNS itself"
        return self._forward_target(ip)

    def _forward_target(self, ip: str) -> tuple[VNet | None, str]:
        hit = self._targets.get(ip)
        if hit is None:
            hit = self._targets[ip] = self._find_forward_target(ip)
        return hit

    def _find_forward_target(self, ip: str) -> tuple[VNet | None, str]:
        inbound = self._inbound_by_ip().get(ip, [])
        declared = [f for f in self.estate.dns_forwarders if str(f.ip) == ip]
        places: dict[str, tuple[VNet | None, str]] = {}
        for ep in inbound:
            resolver = self.estate.get(ep.resolver_id)
            rvnet_id = resolver.vnet_id if isinstance(resolver, DnsResolver) else (
                parent_id(ep.subnet_id) if ep.subnet_id else None
            )
            rv = self.estate.vnet(rvnet_id)
            label = f"is the inbound endpoint {ep.name} of DNS private resolver {name_of(ep.resolver_id)}"
            if rv is None:
                places[rid_key(rvnet_id or ep.id)] = (None, f"{label}, whose VNet is not in the snapshot")
            else:
                places[rv.key] = (rv, f"{label}: resolved as in VNet {rv.name}")
        for f in declared:
            fv = self.estate.vnet(f.vnet_id)
            note = f" ({f.note})" if f.note else ""
            if fv is None:
                places[rid_key(f.vnet_id)] = (None, f"is a declared DNS forwarder{note} in a VNet not in the snapshot")
            else:
                places.setdefault(fv.key, (fv, f"is a declared DNS forwarder{note} to Azure DNS in VNet {fv.name}"))
        if len(places) > 1:
            return None, f"is ambiguous: several resolvers/forwarders hold {ip} (overlapping address spaces)"
        if places:
            return next(iter(places.values()))
        owners = self.estate.ip_owners(ip) if _is_ip(ip) else []
        if owners:
            # A VM we can see, but not what its DNS software does: say how to tell us.
            o = owners[0]
            where = f" in VNet {name_of(o.vnet_id)}" if o.vnet_id else ""
            return None, (
                f"is {o.kind} {name_of(o.parent_id)}{where}, not a DNS private resolver inbound endpoint; if it "
                "forwards to Azure DNS, declare it under dns_forwarders"
            )
        return None, "is not a DNS private resolver inbound endpoint or a declared DNS forwarder in the estate"

    # ------------------------------------------------------------------ Azure DNS in one VNet

    def _azure(self, v: VNet, qname: str, rt: str, path: tuple[str, ...], walk: _Walk) -> _Walk:
        if v.key in path:
            # Name the VNets after the first: the first is the asker, shared by a whole matrix group.
            hops = " -> ".join(self._vnet_name(k) for k in (*path[1:], v.key))
            return walk.finish(Status.SERVFAIL, f"forwarding loop through VNet {hops} (D8): resolvers answer SERVFAIL")
        if len(path) >= MAX_FORWARD_HOPS:
            return walk.finish(Status.UNKNOWN, f"more than {MAX_FORWARD_HOPS} forwarding hops")
        path = (*path, v.key)
        ctx = self._context(v)
        current = qname
        seen = {qname}
        for _hop in range(MAX_CNAME_HOPS + 1):
            # D8: rulesets linked to the VNet are consulted before its private zones.
            rule = ctx.rule_for(current)
            if rule is not None:
                return self._forward(rule, current, rt, path, walk)
            hit = ctx.zone_for(current)
            next_name: str | None = None
            if hit is not None:
                zname, entries = hit
                if len({z.key for z, _ in entries}) > 1:
                    ids = ", ".join(z.id for z, _ in entries)
                    return walk.finish(
                        Status.UNKNOWN,
                        f"{len(entries)} zones named {zname} are linked to this VNet ({ids}); Azure allows "
                        "only one (D7), so the snapshot is inconsistent and the answer is ambiguous",
                    )
                zone, link = entries[0]
                done, next_name = self._in_zone(zone, link, current, rt, walk)
                if done:
                    return walk
            if next_name is None:
                # Public resolution: no linked zone covers the name, or D5 sent it here.
                done, next_name = self._public_step(current, rt, walk)
                if done:
                    return walk
            assert next_name is not None
            if next_name in seen:
                return walk.finish(Status.SERVFAIL, f"CNAME loop at {next_name}: resolvers answer SERVFAIL")
            seen.add(next_name)
            current = next_name
        return walk.finish(
            Status.SERVFAIL, f"CNAME chain longer than {MAX_CNAME_HOPS} hops: resolvers give up (SERVFAIL)"
        )

    def _in_zone(self, zone: PrivateDnsZone, link: ZoneLink, qname: str, rt: str, walk: _Walk) -> tuple[bool, str | None]:
        """Look ``qname`` up in a linked zone. Returns (finished, CNAME target or name to take public)."""
        data = self._zone(zone)
        res = data.lookup(qname, rt)
        policy = link.resolution_policy
        redirect = policy is ResolutionPolicy.NX_DOMAIN_REDIRECT
        if res.kind in ("answer", "cname"):
            assert res.rec is not None
            rec = res.rec
            if rec.source == "ambiguous-registration" and not res.wildcard:
                walk.zone = zone
                walk.finish(
                    Status.UNKNOWN,
                    f"{qname}: VM {rec.rname} is in a VNet with registration enabled on several zones; Azure "
                    "allows one (D7), so the snapshot is inconsistent and where the VM record lives is unknown",
                )
                return True, None
            source = "wildcard" if res.wildcard else rec.source
            rtype = "CNAME" if res.kind == "cname" else rt
            for value in rec.values if res.kind == "answer" else rec.values[:1]:
                walk.chain.append(ChainStep(qname, rtype, value, zone.id, source))
            how = {"wildcard": f"wildcard record {rec.rname}", "auto-registered": f"auto-registered VM record {rec.rname}"}.get(
                source, f"record {rec.rname}"
            )
            if res.kind == "cname":
                walk.reasons.append(f"{qname}: CNAME {rec.values[0]} from {how} in linked zone {zone.name}")
                return False, rec.values[0]
            walk.addresses = rec.values
            walk.zone = zone
            walk.record = rec.rname
            walk.finish(Status.NOERROR, f"{qname}: {rt} {', '.join(rec.values)} from {how} in linked zone {zone.name}")
            return True, None
        if res.kind == "nodata":
            walk.zone = zone
            walk.record = "*" if res.wildcard else None
            walk.finish(Status.NOERROR, f"{qname} exists in linked zone {zone.name} but has no {rt} record (NODATA)")
            return True, None
        # NXDOMAIN from an authoritative linked zone (D3), unless D5 applies.
        if redirect and is_privatelink_zone(zone.name):
            walk.reasons.append(
                f"{qname} is not in linked zone {zone.name}; the link's resolutionPolicy NxDomainRedirect "
                "falls back to public resolution (D5)"
            )
            return False, None
        walk.zone = zone
        came = walk.chain[-1] if walk.chain else None
        if came is not None and came.source == "public-privatelink" and came.value == qname:
            # Public DNS publishes the privatelink CNAME only for a resource that has a private
            # endpoint somewhere. If the snapshot shows none, we cannot know whether the query ever
            # reaches this zone (no endpoint: the public address; one in another tenant: NXDOMAIN).
            resource = came.name.split(".", 1)[0]
            if not self._has_endpoint_to(resource):
                walk.finish(
                    Status.UNKNOWN,
                    f"{qname} has no record in linked zone {zone.name}; public DNS adds the privatelink CNAME only "
                    f"when '{resource}' has a private endpoint somewhere, and the snapshot shows none: without one "
                    "the public address is returned, with one elsewhere (another tenant) the answer is NXDOMAIN",
                )
                return True, None
        note = (
            "; the link's NxDomainRedirect has no effect on a zone that is not privatelink.* (D5)" if redirect else ""
        )
        walk.finish(
            Status.NXDOMAIN,
            f"{qname} has no record in linked zone {zone.name}, which is authoritative for its namespace (D3){note}",
        )
        return True, None

    def _has_endpoint_to(self, resource_name: str) -> bool:
        """Whether a private endpoint in the snapshot connects to a resource named ``resource_name``."""
        if self._endpoint_targets is None:
            self._endpoint_targets = {
                name_of(c.target_id).lower() for pe in self.estate.private_endpoints for c in pe.connections
            }
        return resource_name.lower() in self._endpoint_targets

    def _public_step(self, qname: str, rt: str, walk: _Walk) -> tuple[bool, str | None]:
        declared = self._public.get(qname)
        if declared:
            if "CNAME" in declared:
                target = declared["CNAME"][0]
                walk.chain.append(ChainStep(qname, "CNAME", target, None, "public"))
                walk.reasons.append(f"{qname}: CNAME {target} from public DNS (declared)")
                return False, target
            if rt in declared:
                for value in declared[rt]:
                    walk.chain.append(ChainStep(qname, rt, value, None, "public"))
                walk.addresses = declared[rt]
                walk.zone = None
                walk.record = None
                walk.finish(Status.NOERROR, f"{qname}: {rt} {', '.join(declared[rt])} from public DNS (declared)")
                return True, None
        pl = privatelink_cname(qname)
        if pl is not None:
            target, suffix = pl
            walk.chain.append(ChainStep(qname, "CNAME", target, None, "public-privatelink"))
            walk.reasons.append(
                f"{qname}: no linked private zone covers it; public DNS answers CNAME {target} "
                f"(the privatelink alias of {suffix}, D4)"
            )
            return False, target
        walk.zone = None
        unlinked = next((z for a in ancestors(qname) for z in self.estate.zones_named(a)), None)
        hint = (
            f"; private zone {unlinked.name} exists in the estate but is not linked to this VNet "
            "(D1: only linked VNets resolve it; peering does not carry resolution)"
            if unlinked is not None else ""
        )  # fmt: skip
        walk.finish(
            Status.PUBLIC,
            f"{qname} is under no linked private zone: public DNS answers it (the address is not known offline){hint}",
        )
        return True, None

    def _forward(self, rule: tuple[str, list[ForwardingRule]], qname: str, rt: str, path: tuple[str, ...],
                 walk: _Walk) -> _Walk:
        domain, rules = rule
        if len({tuple(r.targets) for r in rules}) > 1:
            names = ", ".join(f"{r.name} ({name_of(r.ruleset_id)})" for r in rules)
            return walk.finish(
                Status.UNKNOWN, f"{qname}: several forwarding rules for {domain} with different targets: {names}"
            )
        r = rules[0]
        label = f"rule {r.name} ({domain}) of ruleset {name_of(r.ruleset_id)}"
        if not r.targets:
            return walk.finish(Status.UNKNOWN, f"{qname}: {label} has no target DNS servers")
        first = r.targets[0]
        ip = str(first.ip)
        if ip == AZURE_DNS_IP:
            return walk.finish(
                Status.UNKNOWN, f"{qname}: {label} forwards to 168.63.129.16, which is not a valid target (D8)"
            )
        target, how = self._forward_target(ip)
        if target is None:
            return walk.finish(
                Status.UNKNOWN,
                f"{qname}: {label} forwards to {ip}:{first.port}, which {how} (on-premises or outside the "
                "snapshot): the answer depends on that server",
            )
        walk.reasons.append(f"{qname}: {label} forwards to {ip}, which {how}")
        return self._azure(target, qname, rt, path, walk)

    # ------------------------------------------------------------------ caches

    def _context(self, v: VNet) -> _Context:
        ctx = self._contexts.get(v.key)
        if ctx is None:
            zones: dict[str, list[tuple[PrivateDnsZone, ZoneLink]]] = defaultdict(list)
            for link in self.estate.links_of_vnet(v.id):
                zone = self.estate.zone(link.zone_id)
                if zone is not None:
                    zones[zone.name].append((zone, link))
            rules: dict[str, list[ForwardingRule]] = defaultdict(list)
            for rs in self._rulesets_of(v):
                for r in self._rules_of(rs):
                    if r.enabled:
                        rules[r.domain if r.domain.endswith(".") else r.domain + "."].append(r)
            ctx = _Context(v, dict(zones), dict(rules))
            self._contexts[v.key] = ctx
        return ctx

    def _azure_key(self, v: VNet) -> tuple[Any, ...]:
        links = tuple(sorted((rid_key(link.zone_id), link.resolution_policy.value) for link in self.estate.links_of_vnet(v.id)))
        return (links, tuple(sorted(self._rulesets_of(v))))

    def _rulesets_of(self, v: VNet) -> list[str]:
        if self._rulesets_by_vnet is None:
            idx: dict[str, list[str]] = defaultdict(list)
            for link in self.estate.ruleset_links:
                idx[rid_key(link.vnet_id)].append(rid_key(link.ruleset_id))
            self._rulesets_by_vnet = dict(idx)
        return self._rulesets_by_vnet.get(v.key, [])

    def _rules_of(self, ruleset_key: str) -> list[ForwardingRule]:
        if self._rules_by_ruleset is None:
            idx: dict[str, list[ForwardingRule]] = defaultdict(list)
            for r in self.estate.forwarding_rules:
                idx[rid_key(r.ruleset_id)].append(r)
            self._rules_by_ruleset = dict(idx)
        return self._rules_by_ruleset.get(ruleset_key, [])

    def _inbound_by_ip(self) -> dict[str, list[ResolverEndpoint]]:
        if self._inbound is None:
            idx: dict[str, list[ResolverEndpoint]] = defaultdict(list)
            for ep in self.estate.resolver_endpoints:
                if ep.direction == "inbound":
                    for ip in ep.ips:
                        idx[str(ip)].append(ep)
            self._inbound = dict(idx)
        return self._inbound

    def _vnet_name(self, key: str) -> str:
        v = self.estate.vnet(key)
        return v.name if v is not None else key

    def _zone(self, zone: PrivateDnsZone) -> _ZoneData:
        data = self._zone_data.get(zone.key)
        if data is None:
            data = _ZoneData(zone)
            data.nodes.add(zone.name)
            for rs in self.estate.records_of_zone(zone.id):
                full = absolute(rs.name, zone.name)
                if not is_under(full, zone.name):
                    continue
                source = "auto-registered" if rs.auto_registered else "record"
                data.add(full, rs.rtype, _Rec(rs.name, rs.values, source, rs.ttl))
            for vm_name, ip, rtype, source in self._registrations(zone):
                full = absolute(vm_name, zone.name)
                node = data.records.get(full, {})
                if "CNAME" in node or rtype in node:
                    continue  # an explicit record (or the snapshot's auto-registered one) wins
                data.add(full, rtype, _Rec(vm_name, (ip,), source))
            self._zone_data[zone.key] = data
        return data

    def _registrations(self, zone: PrivateDnsZone) -> Iterable[tuple[str, str, str, str]]:
        """(VM name, IP, A/AAAA, source) auto-registered in ``zone`` by its registration-enabled links."""
        if self._registered is None:
            self._registered = self._vm_records_by_vnet()
        out: dict[tuple[str, str], tuple[str, str]] = {}
        for link in self.estate.links_of_zone(zone.id):
            if link.registration_enabled:
                # D7: one registration zone per VNet. With several, where Azure keeps the VM
                # records is undetermined: the records are marked so that answers say UNKNOWN.
                source = "auto-registered" if self._registration_zones(link.vnet_id) <= 1 else "ambiguous-registration"
                for vm_name, ip, rtype in self._registered.get(rid_key(link.vnet_id), []):
                    out.setdefault((vm_name, rtype), (ip, source))
        return [(n, ip, rt, src) for (n, rt), (ip, src) in out.items()]

    def _registration_zones(self, vnet_id: str) -> int:
        return len({rid_key(link.zone_id) for link in self.estate.links_of_vnet(vnet_id) if link.registration_enabled})

    def _vm_records_by_vnet(self) -> dict[str, list[tuple[str, str, str]]]:
        """VM name and primary address per VNet, from the NICs (only NICs attached to a VM)."""
        by_vm: dict[str, list[Any]] = defaultdict(list)
        for nic in self.estate.nics:
            if nic.vm_id:
                by_vm[rid_key(nic.vm_id)].append(nic)
        idx: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for nics in by_vm.values():
            # Azure registers the primary NIC's primary IP configuration.
            primary = [n for n in nics if n.primary] or nics[:1]
            nic = primary[0]
            cfgs = [c for c in nic.ip_configs if c.primary] or list(nic.ip_configs[:1])
            for c in cfgs:
                if c.private_ip is None or not c.subnet_id:
                    continue
                vm_name = name_of(nic.vm_id or "").lower()
                try:
                    vm_name = normalize(vm_name)
                except DnsNameError:
                    continue  # a VM name that is not a valid DNS label is not registered
                rtype = "A" if c.private_ip.version == 4 else "AAAA"
                idx[rid_key(parent_id(c.subnet_id))].append((vm_name, str(c.private_ip), rtype))
        return dict(idx)


def view_keys(closure: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The zone names and rule domains (dot-terminated, plus ".") that a query visiting ``closure``
    can consult: every ancestor of every name in it."""
    names = tuple(dict.fromkeys(a for n in closure for a in ancestors(n)))
    return names, (*(n + "." for n in names), ".")


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _brief(w: _Walk) -> str:
    if w.status is Status.NOERROR and w.addresses:
        return ", ".join(w.addresses)
    return (w.status or Status.UNKNOWN).value


def resolve(estate: Estate, vnet: VNet | str, name: str, rtype: str = "A") -> Answer:
    """One query (builds a fresh :class:`DnsSimulator`; keep one for many queries)."""
    return DnsSimulator(estate).resolve(vnet, name, rtype)


def _server_reach(
    estate: Estate, links: dict[tuple[str, str], Peering], v: VNet, ip: str
) -> tuple[bool | None, str]:
    """Reachability of a custom DNS server from ``v`` (see :meth:`DnsSimulator.server_reachable`).

    First the network: the common case, a server in ``v`` itself or in a VNet directly peered with
    it, is decided from the peering links (matrices ask it for every VNet); anything else asks
    :func:`reach`. Then port 53, UDP and TCP, through the route tables and NSGs of ``v``'s workload
    subnets and the server's subnet (:func:`netplan.flow.flow`), when any of them has one.
    """
    if ip == AZURE_DNS_IP:
        return True, ""
    try:
        addr = parse_ip(ip)
    except AddressError:
        return None, f"{ip} is not an IP address"
    ok, why = _server_network(estate, links, v, ip, addr)
    if ok is not True or not _filtered(estate, v, addr):
        return ok, why
    for proto in ("udp", "tcp"):
        try:
            verdict = flow(estate, v.id, ip, 53, proto)
        except RefError:
            return True, ""  # no workload subnet to send from: nothing filters the VNet's queries
        if verdict.reachable is not True:
            reason = next((r.message for r in verdict.reasons if r.code != "per-subnet"), "")
            subnets = "; ".join(r.message for r in verdict.reasons if r.code == "per-subnet")
            return verdict.reachable, (f"{proto.upper()} 53 to {ip}: {subnets}" + (f" ({reason})" if reason else ""))
    return True, ""


def _filtered(estate: Estate, v: VNet, addr: Any) -> bool:
    """Does a route table or NSG stand between ``v``'s subnets and the server at ``addr``?"""
    if any(s.route_table_id or s.nsg_id for s in v.subnets):
        return True
    for holder in estate.vnets_containing(addr):
        server = estate.subnet_containing(holder, addr)
        if server is not None and server.nsg_id:
            return True
    return False


def _server_network(
    estate: Estate, links: dict[tuple[str, str], Peering], v: VNet, ip: str, addr: Any
) -> tuple[bool | None, str]:
    """Whether the network (peerings, forwarding) carries ``v``'s queries to ``ip`` at all."""
    if any(p.contains_ip(addr) for p in v.address_prefixes):
        return True, ""
    holders = estate.vnets_containing(addr)
    if not holders and not any(p.contains_ip(addr) for n in estate.onprem for p in n.prefixes):
        return None, f"{ip} is in no VNet and no declared on-premises network of the snapshot"
    if len(holders) == 1:
        t = holders[0]
        there, back = links.get((v.key, t.key)), links.get((t.key, v.key))
        if (
            there is not None and back is not None
            and all(lk.state is PeeringState.CONNECTED and lk.allow_virtual_network_access for lk in (there, back))
            and there.peer_complete_vnets and back.peer_complete_vnets
            and link_routes(estate, there).routes_ip(addr)
            and not link_routes(estate, back).unsynced
        ):  # fmt: skip
            return True, ""
    verdict = reach(estate, v.id, ip)
    if verdict.reachable is True:
        return True, ""
    why = verdict.reasons[0].message if verdict.reasons else "no route"
    return verdict.reachable, why
