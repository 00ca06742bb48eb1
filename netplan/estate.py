"""The Estate: every resource of an Azure estate, immutable and indexed.

One frozen value holds the parsed resources (tuples of :mod:`netplan.model` objects), the user's
declarations (on-prem prefixes, forwarding hubs, DNS forwarders, public answers), and the gaps the
snapshot admits to (subscriptions or kinds that could not be read). Indexes are built lazily and
cached: by normalized resource ID, by VNet, by IP address. Analyses take an Estate and return new
values; nothing mutates it. :meth:`Estate.with_resources` makes the what-if copies the planner
needs by re-parsing ARM JSON, so there is one path from JSON to model.
"""

from __future__ import annotations

import difflib
import gc
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from dataclasses import replace as dc_replace
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import Any, TypeVar

from netplan import kinds
from netplan.addr import (
    IPAddress,
    Prefix,
    PrefixIndex,
    PrefixRangeIndex,
    clear_parse_cache,
    parse_ip,
    prefix_of_ip,
)
from netplan.errors import InputError, RefError
from netplan.fwrules import rules_dict
from netplan.ids import parent_id, parse_id, rid_key, rid_keys, sub_and_group
from netplan.loader import (
    RawSnapshot,
    parse_declarations,
    parse_snapshots,
    read_declarations,
    read_snapshot,
    snapshot_from_data,
)
from netplan.model import (
    ApplicationSecurityGroup,
    AzureFirewall,
    DnsForwarder,
    DnsResolver,
    Forwarder,
    ForwardingRule,
    ForwardingRuleset,
    Frontend,
    Gap,
    Gateway,
    LoadBalancer,
    NetworkInterface,
    NetworkSecurityGroup,
    OnPremNetwork,
    Peering,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkService,
    PublicAnswer,
    RecordSet,
    ResolverEndpoint,
    RouteTable,
    RulesetLink,
    Subnet,
    VNet,
    ZoneGroup,
    ZoneLink,
)
from netplan.record import record
from netplan.topology import Topology, build_topology

#: The resource fields, one per kind's ``field`` in the kind table (:mod:`netplan.kinds`).
RESOURCE_FIELDS = kinds.ESTATE_FIELDS


@record
class IpOwner:
    """A resource that holds an IP address in the estate."""

    #: "lb-frontend", "private-endpoint", "nic", "resolver-inbound", "pls-nat", "firewall"
    kind: str
    resource_id: str
    ip: IPAddress
    subnet_id: str | None
    vnet_id: str | None
    #: The owning top-level resource (the LB of a frontend, the PE of a NIC, ...).
    parent_id: str


_T = TypeVar("_T")


def _index(resources: Iterable[Any]) -> dict[str, Any]:
    """``{r.key: r for r in resources}`` (a later one of the same key takes its place), keyed in C."""
    items = list(resources)
    return dict(zip(rid_keys(map(_ID, items)), items, strict=True))


_ID = attrgetter("id")


@record(slots=False)
class Estate:
    """An immutable Azure estate. Build it with :func:`load_estate` (files) or :func:`estate_from_data`."""

    vnets: tuple[VNet, ...] = ()
    load_balancers: tuple[LoadBalancer, ...] = ()
    private_link_services: tuple[PrivateLinkService, ...] = ()
    private_endpoints: tuple[PrivateEndpoint, ...] = ()
    zone_groups: tuple[ZoneGroup, ...] = ()
    nics: tuple[NetworkInterface, ...] = ()
    gateways: tuple[Gateway, ...] = ()
    zones: tuple[PrivateDnsZone, ...] = ()
    record_sets: tuple[RecordSet, ...] = ()
    zone_links: tuple[ZoneLink, ...] = ()
    dns_resolvers: tuple[DnsResolver, ...] = ()
    resolver_endpoints: tuple[ResolverEndpoint, ...] = ()
    rulesets: tuple[ForwardingRuleset, ...] = ()
    forwarding_rules: tuple[ForwardingRule, ...] = ()
    ruleset_links: tuple[RulesetLink, ...] = ()
    route_tables: tuple[RouteTable, ...] = ()
    nsgs: tuple[NetworkSecurityGroup, ...] = ()
    asgs: tuple[ApplicationSecurityGroup, ...] = ()
    firewalls: tuple[AzureFirewall, ...] = ()
    # Declarations: what the user states because no Azure API shows it.
    onprem: tuple[OnPremNetwork, ...] = ()
    forwarders: tuple[Forwarder, ...] = ()
    dns_forwarders: tuple[DnsForwarder, ...] = ()
    public_dns: tuple[PublicAnswer, ...] = ()
    #: What the snapshot could not read; analyses that depend on it answer UNKNOWN.
    gaps: tuple[Gap, ...] = ()
    #: Resources of types the model does not cover, skipped: (type, count).
    skipped: tuple[tuple[str, int], ...] = ()
    #: The files this estate was read from.
    sources: tuple[str, ...] = ()
    #: Subscription ID (lower case) -> display name, as the inventory's subscription listing gave them.
    subscription_names: tuple[tuple[str, str], ...] = ()
    #: Standalone subnet/peering resources folded into their VNets (kept for the round trip).
    child_raw: tuple[Mapping[str, Any], ...] = field(default=(), compare=False, repr=False)
    #: Standalone subnets/peerings whose VNet is not in the snapshot (each VNet has a gap).
    orphans: tuple[Subnet | Peering, ...] = ()

    # ------------------------------------------------------------------ construction

    @classmethod
    def build(cls, parsed: Any, declarations: Sequence[Any] = ()) -> Estate:
        """Assemble an Estate from :class:`netplan.loader.Parsed` and parsed declarations."""
        kwargs: dict[str, Any] = {name: tuple(parsed.buckets.get(name, ())) for name in RESOURCE_FIELDS}
        base = cls(
            **kwargs,
            gaps=tuple(parsed.gaps),
            skipped=tuple(sorted(parsed.skipped.items())),
            sources=tuple(parsed.files),
            child_raw=tuple(parsed.child_raw),
            orphans=tuple(parsed.orphans),
            subscription_names=tuple(sorted(parsed.subscription_names.items())),
        )
        if not declarations:
            return base
        return base.with_declarations(declarations)

    def with_declarations(self, declarations: Sequence[Any]) -> Estate:
        """Resolve the VNet references of parsed declarations against this estate."""
        onprem = list(self.onprem)
        forwarders = list(self.forwarders)
        dns_forwarders = list(self.dns_forwarders)
        public = list(self.public_dns)
        for d in declarations:
            for net, file, where in d.onprem:
                via = self._decl_vnet(net.via_vnet_id, file, where) if net.via_vnet_id else None
                onprem.append(OnPremNetwork(net.name, net.prefixes, via))
            for fwd, file, where in d.forwarders:
                _add_forwarder(forwarders, dc_replace(fwd, vnet_id=self._decl_vnet(fwd.vnet_id, file, where)), file, where)
            for dfw, file, where in d.dns_forwarders:
                dns_forwarders.append(DnsForwarder(dfw.ip, self._decl_vnet(dfw.vnet_id, file, where), dfw.note))
            public.extend(d.public_dns)
        return _replace(
            self,
            onprem=tuple(onprem),
            forwarders=tuple(forwarders),
            dns_forwarders=tuple(dns_forwarders),
            public_dns=tuple(public),
        )

    def _decl_vnet(self, ref: str, file: str, where: str) -> str:
        try:
            return self.resolve_vnet(ref).id
        except RefError as exc:
            raise InputError(file, where, str(exc)) from None

    def with_resources(self, add: Iterable[Mapping[str, Any]], remove: Iterable[str] = ()) -> Estate:
        """A new Estate with ARM resources added/replaced (by ID) and others removed.

        Used by the what-if: the planner's change bodies go through the same loader as a snapshot.
        Declarations and gaps carry over.
        """
        drop = {rid_key(r) for r in remove}
        added = [dict(r) for r in add]
        drop.update(rid_key(r["id"]) for r in added)
        # Only the new resources are parsed; every unchanged object is reused as it is (a what-if on
        # a 10k-VNet estate must not re-parse 10k VNets). Standalone subnets/peerings folded into
        # a VNet that is replaced go through the parser again with it.
        children = [
            dict(c) for c in self.child_raw
            if rid_key(parent_id(str(c.get("id", "")))) in drop and rid_key(str(c.get("id", ""))) not in drop
        ]  # fmt: skip
        kept_children = tuple(c for c in self.child_raw if rid_key(parent_id(str(c.get("id", "")))) not in drop)
        snap = RawSnapshot("<what-if>", [(f"resources[{i}]", r) for i, r in enumerate([*added, *children])])
        parsed = parse_snapshots([snap])
        buckets: dict[str, Any] = {}
        for name in RESOURCE_FIELDS:
            old = tuple(r for r in getattr(self, name) if r.key not in drop)
            buckets[name] = old + tuple(parsed.buckets.get(name, ()))
        orphans = tuple(o for o in self.orphans if rid_key(o.vnet_id) not in drop) + tuple(parsed.orphans)
        new = Estate(**buckets, skipped=self.skipped, child_raw=kept_children + tuple(parsed.child_raw), orphans=orphans)
        return _replace(
            new,
            onprem=self.onprem,
            forwarders=self.forwarders,
            dns_forwarders=self.dns_forwarders,
            public_dns=self.public_dns,
            # The gap of an orphan's missing parent closes when the what-if adds that parent.
            gaps=tuple(g for g in self.gaps if not (g.orphan_parent and rid_key(g.scope) in drop)),
            sources=self.sources,
            subscription_names=self.subscription_names,
        )

    # ------------------------------------------------------------------ snapshot output

    def raw_resources(self) -> list[Mapping[str, Any]]:
        """The ARM JSON of every modelled resource, as read (for the snapshot writer)."""
        out: list[Mapping[str, Any]] = []
        for name in RESOURCE_FIELDS:
            out.extend(getattr(r, "raw", None) or {} for r in getattr(self, name))
        out.extend(self.child_raw)
        return [r for r in out if r]

    def to_snapshot(self) -> dict[str, Any]:
        """The snapshot format the loaders read: ``{"resources": [...], "declarations", "gaps"}``."""
        snap: dict[str, Any] = {"resources": self.raw_resources()}
        decl = self.declarations_dict()
        if decl:
            snap["declarations"] = decl
        if self.gaps:
            snap["gaps"] = [{"scope": g.scope, "kind": g.kind, "reason": g.reason} for g in self.gaps]
        if self.subscription_names:
            snap["subscriptions"] = [{"subscriptionId": s, "displayName": n} for s, n in self.subscription_names]
        return snap

    def declarations_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.onprem:
            d["onprem"] = [
                {"name": n.name, "prefixes": [str(p) for p in n.prefixes], **({"via": n.via_vnet_id} if n.via_vnet_id else {})}
                for n in self.onprem
            ]
        if self.forwarders:
            d["forwarders"] = [
                {"vnet": f.vnet_id, "device": f.device, **({"ip": str(f.ip)} if f.ip else {}), **({"note": f.note} if f.note else {}),
                 **rules_dict(f)}
                for f in self.forwarders
            ]
        if self.dns_forwarders:
            d["dns_forwarders"] = [
                {"ip": str(f.ip), "vnet": f.vnet_id, **({"note": f.note} if f.note else {})} for f in self.dns_forwarders
            ]
        if self.public_dns:
            d["public_dns"] = [{"name": a.name, "type": a.rtype, "addresses": list(a.values)} for a in self.public_dns]
        return d

    # ------------------------------------------------------------------ indexes

    @cached_property
    def topology(self) -> Topology:
        """The peering topology every analysis shares: VNet pairs and their links, adjacency,
        routing domains (:mod:`netplan.topology`), built once per Estate."""
        return build_topology(self)

    @cached_property
    def _memos(self) -> dict[str, Any]:
        return {}

    def memo(self, key: str, build: Callable[[Estate], _T]) -> _T:
        """The per-estate index an analysis keeps under ``key`` (e.g. ``"reach"``), built by
        ``build(self)`` on first use and kept as long as this (immutable) Estate. An index that
        needs the estate back holds only a weak reference to it, so that nothing keeps a dropped
        Estate alive (and no reference cycle waits for the collector)."""
        memos = self._memos
        hit = memos.get(key)
        if hit is None:
            hit = memos[key] = build(self)
        return hit

    def _addressable(self, traffic_children: bool = True) -> Iterator[Any]:
        """Every resource and addressable child, in the order :attr:`by_id` indexes them (a later
        one of the same ID takes its place there); without the routes of route tables and the
        rules of NSGs unless ``traffic_children``."""
        for name in RESOURCE_FIELDS:
            yield from getattr(self, name)
        for v in self.vnets:
            yield from v.subnets
            yield from v.peerings
        yield from self.orphans
        for lb in self.load_balancers:
            yield from lb.frontends
        for nic in self.nics:
            yield from nic.ip_configs
        if traffic_children:
            for rt in self.route_tables:
                yield from rt.routes
            for nsg in self.nsgs:
                yield from nsg.rules  # default rules are shared objects, not addressable children

    @cached_property
    def by_id(self) -> dict[str, Any]:
        """Every resource and addressable child (subnets, peerings, frontends, NIC ipconfigs, routes,
        security rules)."""
        return _index(self._addressable())

    @cached_property
    def _by_id(self) -> dict[str, Any]:
        """:attr:`by_id` without routes and security rules: their objects are built when their
        table or NSG is first read (:func:`netplan.model._built_on_first_read`), and a lookup of
        one by ID (:meth:`get`) reads only its parent's."""
        if "by_id" in self.__dict__:
            return self.by_id
        return _index(self._addressable(traffic_children=False))

    def present(self, rids: Iterable[str]) -> set[str]:
        """The keys (:func:`~netplan.ids.rid_key`) of those of ``rids`` that :meth:`contains`, found
        in one pass over the resources without building :attr:`by_id` (whose key strings cost
        16 MiB at 10k VNets): only an ID as long as one asked about is lower-cased. Routes and
        security rules are looked for as :meth:`get` does (they are built when first read)."""
        want = {rid_key(r) for r in rids}
        if not want:
            return set()
        if "by_id" in self.__dict__:
            return {k for k in want if k in self.by_id}
        lengths = {len(k) for k in want}
        found = set()
        for r in self._addressable(traffic_children=False):
            rid = r.id.strip().rstrip("/")
            # lower() keeps an ASCII text's length; other text is compared whatever its length.
            if len(rid) in lengths or not rid.isascii():
                k = rid.lower()
                if k in want:
                    found.add(k)
        found.update(k for k in want - found if ("/routes/" in k or "/securityrules/" in k) and self.get(k) is not None)
        return found

    def get(self, rid: str | None) -> Any | None:
        if not rid:
            return None
        key = rid_key(rid)
        hit = self._by_id.get(key)
        if hit is None and ("/routes/" in key or "/securityrules/" in key):
            # A route or rule is looked for in the table or NSG its ID names (the last of equal
            # keys, as the full index keeps it); one held elsewhere (an ID that does not name its
            # parent), or none, in the full index.
            parent = self._by_id.get(rid_key(parent_id(key)))
            children = parent.routes if isinstance(parent, RouteTable) else parent.rules if isinstance(parent, NetworkSecurityGroup) else ()
            hit = next((c for c in reversed(children) if c.key == key), None)
            if hit is None:
                hit = self.by_id.get(key)
        return hit

    def contains(self, rid: str | None) -> bool:
        return self.get(rid) is not None

    @cached_property
    def _vnets(self) -> dict[str, VNet]:
        return {v.key: v for v in self.vnets}

    def vnet(self, rid: str | None) -> VNet | None:
        return None if not rid else self._vnets.get(rid_key(rid))

    @cached_property
    def _subnets(self) -> dict[str, Subnet]:
        return {s.key: s for v in self.vnets for s in v.subnets}

    def subnet(self, rid: str | None) -> Subnet | None:
        return None if not rid else self._subnets.get(rid_key(rid))

    def vnet_of_subnet(self, subnet_id: str | None) -> VNet | None:
        return None if not subnet_id else self.vnet(parent_id(subnet_id))

    def vnet_of(self, rid: str | None) -> VNet | None:
        """The VNet a resource lives in: a VNet itself, a subnet, peering, LB frontend, PE or NIC."""
        if not rid:
            return None
        own = self.vnet(rid)
        if own is not None:
            return own
        r = self.get(rid)
        if isinstance(r, Subnet | Peering):
            return self.vnet(r.vnet_id)
        if isinstance(r, Frontend | PrivateEndpoint):
            return self.vnet_of_subnet(r.subnet_id)
        if isinstance(r, LoadBalancer):
            return next((self.vnet_of_subnet(f.subnet_id) for f in r.frontends if f.subnet_id), None)
        if isinstance(r, NetworkInterface):
            return next((self.vnet_of_subnet(c.subnet_id) for c in r.ip_configs if c.subnet_id), None)
        if isinstance(r, DnsResolver):
            return self.vnet(r.vnet_id)
        if isinstance(r, ResolverEndpoint):
            return self.vnet_of_subnet(r.subnet_id)
        return None

    def peering(self, local: str, remote: str) -> Peering | None:
        """The link on ``local``'s side whose remote is ``remote`` (there is at most one, P3)."""
        v = self.vnet(local)
        if v is None:
            return None
        rk = rid_key(remote)
        return next((p for p in v.peerings if rid_key(p.remote_vnet_id) == rk), None)

    @cached_property
    def _frontends(self) -> dict[str, Frontend]:
        return {f.key: f for lb in self.load_balancers for f in lb.frontends}

    def frontend(self, rid: str | None) -> Frontend | None:
        return None if not rid else self._frontends.get(rid_key(rid))

    # Small indexes of one kind, where a lookup only wants that kind: :attr:`by_id` holds a key
    # string for every resource and child (16 MiB at 10k VNets), built only when a lookup needs it.
    @cached_property
    def _load_balancers(self) -> dict[str, LoadBalancer]:
        return {lb.key: lb for lb in self.load_balancers}

    @cached_property
    def _nics(self) -> dict[str, NetworkInterface]:
        return {n.key: n for n in self.nics}

    def load_balancer_of(self, frontend: Frontend) -> LoadBalancer | None:
        return self._load_balancers.get(rid_key(frontend.lb_id)) if frontend.lb_id else None

    def endpoint_ips(self, pe: PrivateEndpoint) -> tuple[IPAddress, ...]:
        """A private endpoint's addresses: its NICs' IPs, else ipConfigurations, else customDnsConfigs."""
        ips: list[IPAddress] = []
        for nic_id in pe.nic_ids:
            nic = self._nics.get(rid_key(nic_id)) if nic_id else None
            if nic is not None:
                ips.extend(c.private_ip for c in nic.ip_configs if c.private_ip is not None)
        if not ips:
            ips.extend(pe.static_ips)
        if not ips:
            for cfg in pe.custom_dns:
                ips.extend(cfg.ips)
        return tuple(dict.fromkeys(ips))

    @cached_property
    def _ip_owners(self) -> dict[IPAddress, list[IpOwner]]:
        idx: dict[IPAddress, list[IpOwner]] = defaultdict(list)

        def vnet_id_of(subnet_id: str | None) -> str | None:
            return parent_id(subnet_id) if subnet_id else None

        for lb in self.load_balancers:
            for fe in lb.frontends:
                if fe.private_ip is not None:
                    idx[fe.private_ip].append(
                        IpOwner("lb-frontend", fe.id, fe.private_ip, fe.subnet_id, vnet_id_of(fe.subnet_id), lb.id)
                    )
        pe_nics: set[str] = set()
        for pe in self.private_endpoints:
            pe_nics.update(rid_key(n) for n in pe.nic_ids)
            for ip in self.endpoint_ips(pe):
                idx[ip].append(IpOwner("private-endpoint", pe.id, ip, pe.subnet_id, vnet_id_of(pe.subnet_id), pe.id))
        for nic in self.nics:
            if nic.key in pe_nics or nic.private_endpoint_id or nic.private_link_service_id:
                continue  # counted as the endpoint / PLS it belongs to
            for c in nic.ip_configs:
                if c.private_ip is not None:
                    idx[c.private_ip].append(IpOwner("nic", c.id, c.private_ip, c.subnet_id, vnet_id_of(c.subnet_id), nic.id))
        for pls in self.private_link_services:
            for nat in pls.nat_ips:
                if nat.private_ip is not None:
                    idx[nat.private_ip].append(
                        IpOwner("pls-nat", pls.id, nat.private_ip, nat.subnet_id, vnet_id_of(nat.subnet_id), pls.id)
                    )
        for fw in self.firewalls:
            for fip in fw.ips:
                idx[fip.ip].append(IpOwner("firewall", fw.id, fip.ip, fip.subnet_id, vnet_id_of(fip.subnet_id), fw.id))
        for ep in self.resolver_endpoints:
            if ep.direction == "inbound":
                for ip in ep.ips:
                    idx[ip].append(IpOwner("resolver-inbound", ep.id, ip, ep.subnet_id, vnet_id_of(ep.subnet_id), ep.resolver_id))
        return dict(idx)

    def ip_owners(self, ip: IPAddress | str) -> list[IpOwner]:
        """Resources in the estate holding this address (several when VNets overlap)."""
        addr = parse_ip(ip) if isinstance(ip, str) else ip
        return list(self._ip_owners.get(addr, ()))

    @cached_property
    def _vnet_prefix_index(self) -> PrefixIndex:
        return PrefixIndex([(p, v) for v in self.vnets for p in v.address_prefixes])

    def vnets_containing(self, ip: IPAddress | str) -> list[VNet]:
        """VNets whose address space contains the address (several when they overlap)."""
        addr = parse_ip(ip) if isinstance(ip, str) else ip
        seen: dict[str, VNet] = {}
        for _p, v in self._vnet_prefix_index.lookup(addr):
            assert isinstance(v, VNet)
            seen.setdefault(v.key, v)
        return list(seen.values())

    @cached_property
    def _vnet_range_index(self) -> PrefixRangeIndex:
        return PrefixRangeIndex([(p, v) for v in self.vnets for p in v.address_prefixes])

    def vnets_overlapping(self, prefix: Prefix) -> list[tuple[Prefix, VNet]]:
        """(address prefix, VNet) for every VNet prefix overlapping ``prefix`` (containing it or
        inside it), from an index: no scan of the estate's prefixes."""
        return self._vnet_range_index.overlapping(prefix)  # type: ignore[return-value]

    @cached_property
    def _owner_range_index(self) -> PrefixRangeIndex:
        return PrefixRangeIndex([(prefix_of_ip(ip), o) for ip, owners in self._ip_owners.items() for o in owners])

    def ip_owners_within(self, prefix: Prefix) -> list[IpOwner]:
        """Resources holding an address inside ``prefix``, in address order (see :meth:`ip_owners`)."""
        return [o for _, o in self._owner_range_index.overlapping(prefix)]  # type: ignore[misc]

    def subnet_containing(self, vnet: VNet, ip: IPAddress) -> Subnet | None:
        return next((s for s in vnet.subnets if any(p.contains_ip(ip) for p in s.prefixes)), None)

    # DNS indexes

    @cached_property
    def _zones_by_key(self) -> dict[str, PrivateDnsZone]:
        return {z.key: z for z in self.zones}

    def zone(self, rid: str | None) -> PrivateDnsZone | None:
        return None if not rid else self._zones_by_key.get(rid_key(rid))

    @cached_property
    def _zones_by_name(self) -> dict[str, list[PrivateDnsZone]]:
        idx: dict[str, list[PrivateDnsZone]] = defaultdict(list)
        for z in self.zones:
            idx[z.name].append(z)
        return dict(idx)

    def zones_named(self, name: str) -> list[PrivateDnsZone]:
        return list(self._zones_by_name.get(name.lower().rstrip("."), ()))

    @cached_property
    def _links_by_zone(self) -> dict[str, list[ZoneLink]]:
        idx: dict[str, list[ZoneLink]] = defaultdict(list)
        for link in self.zone_links:
            idx[rid_key(link.zone_id)].append(link)
        return dict(idx)

    def links_of_zone(self, zone_id: str) -> list[ZoneLink]:
        return list(self._links_by_zone.get(rid_key(zone_id), ()))

    @cached_property
    def _links_by_vnet(self) -> dict[str, list[ZoneLink]]:
        idx: dict[str, list[ZoneLink]] = defaultdict(list)
        for link in self.zone_links:
            idx[rid_key(link.vnet_id)].append(link)
        return dict(idx)

    def links_of_vnet(self, vnet_id: str) -> list[ZoneLink]:
        """The Private DNS zone links of a VNet (the zones it resolves, D1)."""
        return list(self._links_by_vnet.get(rid_key(vnet_id), ()))

    @cached_property
    def _records_by_zone(self) -> dict[str, list[RecordSet]]:
        idx: dict[str, list[RecordSet]] = defaultdict(list)
        for r in self.record_sets:
            idx[rid_key(r.zone_id)].append(r)
        return dict(idx)

    def records_of_zone(self, zone_id: str) -> list[RecordSet]:
        return list(self._records_by_zone.get(rid_key(zone_id), ()))

    def forwarders_of(self, vnet_id: str) -> list[Forwarder]:
        k = rid_key(vnet_id)
        return [f for f in self.forwarders if rid_key(f.vnet_id) == k]

    def gateways_of(self, vnet_id: str) -> list[Gateway]:
        k = rid_key(vnet_id)
        return [g for g in self.gateways if g.vnet_id and rid_key(g.vnet_id) == k]

    def gaps_for(self, rid: str) -> list[Gap]:
        """Gaps whose scope covers this resource ID (a subscription, a resource group, a kind)."""
        k = rid_key(rid)
        return [g for g in self.gaps if k.startswith(rid_key(g.scope)) or rid_key(g.scope) in ("*", "")]

    def vnet_gaps(self, ref: str) -> list[Gap]:
        """The gaps that could hide a VNet named by ``ref`` (a full ID, ``resourceGroup/name`` or a
        name): scopes the snapshot could not read VNets in (kind ``virtualNetworks`` or everything)
        that could hold it. Empty when every place such a VNet could be was read."""
        text = ref.strip()
        if text.startswith("/"):
            return [g for g in self.gaps if hides_vnets(g) and _scope_covers(g.scope, text)]
        rg, _, name = text.rpartition("/")
        out = []
        for g in self.gaps:
            if not hides_vnets(g):
                continue
            scope = parse_id(g.scope)
            if rg and scope.resource_group and scope.resource_group.lower() != rg.lower():
                continue
            if scope.names and (scope.types[0].lower() != "virtualnetworks" or scope.names[0].lower() != name.lower()):
                continue  # a gap for one resource (a VNet missing beside its listed children)
            out.append(g)
        return out

    def subscription_name(self, sub: str) -> str | None:
        """The display name of a subscription, when the snapshot recorded it."""
        return self._subscription_names.get(sub.strip().lower())

    def subscription_label(self, sub: str) -> str:
        """The display name when known, else the subscription ID."""
        return self.subscription_name(sub) or sub

    @cached_property
    def _subscription_names(self) -> dict[str, str]:
        return dict(self.subscription_names)

    @cached_property
    def subscriptions(self) -> tuple[str, ...]:
        subs = {sub_and_group(v.id)[0] for v in self.vnets}
        return tuple(sorted(s for s in subs if s))

    # ------------------------------------------------------------------ references

    def resolve_vnet(self, ref: str) -> VNet:
        """A VNet by full ID, ``resourceGroup/name`` or a name unique in the estate.

        Raises :class:`RefError` listing the candidates when the reference is ambiguous or unknown.
        """
        text = ref.strip()
        if not text:
            raise RefError("empty VNet reference")
        if text.startswith("/"):
            v = self.vnet(text)
            if v is None:
                gaps = self.vnet_gaps(text)
                if gaps:
                    raise RefError(f"VNet '{text}' is not in the estate, which {describe_gaps(gaps)}")
                raise RefError(f"VNet '{text}' is not in the estate", self._suggest(text.rsplit("/", 1)[-1]))
            return v
        if "/" in text:
            rg, _, name = text.partition("/")
            matches = [
                v for v in self.vnets if v.name.lower() == name.lower() and parse_id(v.id).resource_group.lower() == rg.lower()
            ]
        else:
            matches = [v for v in self.vnets if v.name.lower() == text.lower()]
        if len(matches) == 1:
            return matches[0]
        if not matches and (gaps := self.vnet_gaps(text)):
            # Not "no such VNet": it may be where the snapshot could not look.
            raise RefError(f"no VNet matches '{text}' in what was read; the estate {describe_gaps(gaps)}, "
                           "where it may be")  # fmt: skip
        if not matches:
            cands = self._suggest(text.rsplit("/", 1)[-1])
            hint = f"; did you mean: {', '.join(cands)}" if cands else ""
            raise RefError(f"no VNet matches '{text}'{hint}", cands)
        # resourceGroup/name when that tells them apart, else the full ids (same group name in two
        # subscriptions).
        short = [f"{parse_id(v.id).resource_group}/{v.name}" for v in matches]
        cands = tuple(short) if len({c.lower() for c in short}) == len(short) else tuple(v.id for v in matches)
        raise RefError(f"'{text}' is ambiguous: it matches {len(matches)} VNets: {', '.join(cands)}; "
                       "give resourceGroup/name or the full id", cands)  # fmt: skip

    def _suggest(self, name: str) -> tuple[str, ...]:
        """The closest VNet names (difflib), else those containing ``name`` (as resourceGroup/name)."""
        by_name: dict[str, list[VNet]] = {}
        for v in self.vnets:
            by_name.setdefault(v.name.lower(), []).append(v)
        close = difflib.get_close_matches(name.lower(), list(by_name), n=5, cutoff=0.6)
        if not close and len(name) >= 3:
            close = sorted(n for n in by_name if name.lower() in n)[:5]
        return tuple(f"{parse_id(v.id).resource_group}/{v.name}" for c in close for v in by_name[c])

    # ------------------------------------------------------------------ summaries

    def counts(self) -> dict[str, int]:
        out = {name: len(getattr(self, name)) for name in RESOURCE_FIELDS}
        out["subnets"] = sum(len(v.subnets) for v in self.vnets)
        out["peerings"] = sum(len(v.peerings) for v in self.vnets)
        out["address_prefixes"] = sum(len(v.address_prefixes) for v in self.vnets)
        return out


#: Gap kinds under which VNets may be missing: everything in a scope, or the VNets themselves.
_VNET_GAP_KINDS = frozenset({"", "*", "all", "subscription", "subscriptions", "resourcegroup", "resource-group",
                             "virtualnetworks", "microsoft.network/virtualnetworks"})  # fmt: skip


def hides_vnets(gap: Gap) -> bool:
    """Could VNets be missing under this gap (it covers VNets, or everything in its scope)?"""
    return gap.kind.strip().lower() in _VNET_GAP_KINDS


def _scope_covers(scope: str, rid: str) -> bool:
    s, k = rid_key(scope).rstrip("/"), rid_key(rid)
    return s in ("", "*") or k == s or k.startswith(s + "/")


def describe_gaps(gaps: Sequence[Gap]) -> str:
    """``could not read virtualNetworks in /subscriptions/S (HTTP 403 ...)``, gaps joined by "; "."""
    return "; ".join(f"could not read {g.kind} in {g.scope} ({g.reason})" for g in gaps)


def _add_forwarder(forwarders: list[Forwarder], fwd: Forwarder, file: str, where: str) -> None:
    """Add a declared forwarder. A declaration of the same device at the same address states its
    rules (a rules file beside a snapshot's declarations): it takes the place of the one without
    them; the same declaration twice is one; two different rule bases for one device are an error."""
    if fwd.ip is not None and fwd.rules is not None:
        for i, old in enumerate(forwarders):
            if old.ip != fwd.ip or rid_key(old.vnet_id) != rid_key(fwd.vnet_id) or old.device != fwd.device:
                continue
            if old.rules is None or (old.rules, old.default_allow) == (fwd.rules, fwd.default_allow):
                forwarders[i] = dc_replace(fwd, note=fwd.note or old.note)
                return
            raise InputError(file, where, f"forwarder {fwd.device} at {fwd.ip} already has declared rules: declare its "
                             "rule base once")  # fmt: skip
    if fwd not in forwarders:
        forwarders.append(fwd)


def _replace(estate: Estate, **changes: Any) -> Estate:
    """dataclasses.replace, which also drops the cached indexes (they live in __dict__)."""
    from dataclasses import replace

    return replace(estate, **changes)


def build_estate(snapshots: Iterable[RawSnapshot], declaration_files: Sequence[str | Path] = ()) -> Estate:
    """The one way from snapshots to an Estate: parse them, add the declarations they carry and
    those of ``declaration_files``, and assemble the indexes."""
    # The JSON tree and the model are large and acyclic: the cyclic collector would traverse the
    # whole tree again and again while the model is built (measured: half the load time of a
    # 10k-VNet estate). Nothing here makes reference cycles, so it is paused for the load.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        parsed = parse_snapshots(snapshots)
        decls = [parse_declarations(f, d) for f, d in parsed.declarations]
        decls.extend(read_declarations(p) for p in declaration_files)
        return Estate.build(parsed, decls)
    finally:
        # The prefix memo holds every prefix text of the snapshot (a tenth of a 10k-VNet estate's
        # model); the model has the parsed prefixes, and later parses are few.
        clear_parse_cache()
        if was_enabled:
            gc.enable()


def load_estate(paths: Sequence[str | Path], declarations: Sequence[str | Path] = ()) -> Estate:
    """Read snapshot files (and optional declaration files) into one Estate."""
    if not paths:
        raise InputError("<command line>", "", "no estate file given")
    return build_estate((read_snapshot(p) for p in paths), declarations)


def estate_from_data(
    data: Any, source: str, declarations: Mapping[str, Any] | None = None, declaration_files: Sequence[str | Path] = ()
) -> Estate:
    """An Estate from snapshot data already in memory (an inventory just taken), named ``source``
    in messages; ``declarations`` (a snapshot's ``declarations`` key) are added to the data's own."""
    if declarations:
        data = {**data, "declarations": dict(declarations)}
    return build_estate([snapshot_from_data(data, source)], declaration_files)
