"""Reachability between a VNet and a VNet, an address or a declared on-prem network.

:func:`reach` answers "can traffic from SOURCE get to TARGET?" with a :class:`Verdict` that says
why: ``reachable`` is True, False or None (cannot be determined), ``path`` lists the VNets crossed
and the resource reached, and every reason names the resources it is about. The rules are
DESIGN's peering behaviours: a peering carries traffic only when both of its links are Connected
(P1) and both allow virtual network access (P5); peering is not transitive (P2) except through a
hub the user declares as a forwarder (an NVA or firewall; the model does not see route tables, so
the spokes' user-defined routes are assumed as declared) whose spoke links allow forwarded
traffic, or through a shared gateway (``useRemoteGateways`` / ``allowGatewayTransit``) towards
declared on-prem networks; a link that is not in sync only routes to the address space it knows
(P4); a Basic internal load balancer's frontend is unreachable across global peering (P6);
subnet-level peering connects only the named subnets. A working direct peering decides on its
own (no detour through a hub around it). What the snapshot cannot show (a VNet
outside it, a gap it records, an address nobody holds) makes the answer None with the reason,
never a silent pass.

The promise on cost: one query looks at the source's peerings, the target's and those of at most
one forwarding hub in between: no all-pairs computation. The per-estate indexes it uses
(neighbours, forwarders, out-of-snapshot address space, on-prem prefixes) are built once per
Estate, in one pass over the peering links.

Network security groups are not part of the model: an NSG can still drop traffic that this module
finds reachable (the target subnet's NSG is named in the reasons).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import field
from enum import StrEnum
from typing import Any

from netplan.addr import AddressError, IPAddress, Prefix, PrefixIndex, parse_ip
from netplan.estate import Estate
from netplan.ids import rid_key, short_id
from netplan.model import (
    ConnectionStatus,
    Forwarder,
    Frontend,
    Gap,
    LoadBalancer,
    NetworkInterface,
    NicIpConfig,
    OnPremNetwork,
    Peering,
    PeeringState,
    PrivateEndpoint,
    Subnet,
    SyncLevel,
    VNet,
)
from netplan.record import record


class Code(StrEnum):
    """Stable reason codes (the ``code`` of every reason in JSON output)."""

    SAME_VNET = "same-vnet"
    PEERED = "peered"
    VIA_FORWARDER = "via-forwarder"
    ROUTES_ASSUMED = "routes-assumed"
    FIREWALL_RULES = "firewall-rules-declared"
    NO_ROUTE_TABLE = "no-route-table"
    GATEWAY_TRANSIT = "gateway-transit"
    LOCAL_GATEWAY = "local-gateway"
    NOT_PEERED = "not-peered"
    NOT_TRANSITIVE = "not-transitive"
    PEERING_INITIATED = "peering-initiated"
    PEERING_DISCONNECTED = "peering-disconnected"
    PEERING_LINK_MISSING = "peering-link-missing"
    VNET_ACCESS_DISABLED = "vnet-access-disabled"
    FORWARDED_TRAFFIC_BLOCKED = "forwarded-traffic-not-allowed"
    NOT_IN_SYNC = "peering-not-in-sync"
    BASIC_LB_GLOBAL_PEERING = "basic-lb-global-peering"
    SUBNET_PEERING = "subnet-peering"
    IPV6_ONLY_PEERING = "ipv6-only-peering"
    GATEWAY_TRANSIT_MISSING = "gateway-transit-not-configured"
    GATEWAY_TRANSIT_INVALID = "gateway-transit-invalid"
    NO_GATEWAY = "no-gateway"
    ONPREM_VIA_FORWARDER = "onprem-via-forwarder"
    ONPREM_NO_VIA = "onprem-no-via"
    UDR_NOT_EVALUATED = "user-defined-routes-not-evaluated"
    NSG_NOT_EVALUATED = "nsg-not-evaluated"
    OVERLAP = "address-overlap"
    OUTSIDE_SNAPSHOT = "outside-snapshot"
    SNAPSHOT_GAP = "snapshot-gap"
    NO_OWNER = "no-resource-holds-address"
    ENDPOINT_NOT_APPROVED = "endpoint-not-approved"
    REGION_UNKNOWN = "region-unknown"


@record
class Reason:
    """One reason of a verdict: a stable code and a sentence naming the resources."""

    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": str(self.code), "message": self.message}


@record
class Target:
    """What the TARGET argument resolved to."""

    #: The text the user gave.
    input: str
    #: The VNet holding the target (None: on-prem, or nowhere in the snapshot).
    vnet: str | None
    subnet: str | None = None
    #: The resource reached: an LB frontend, private endpoint, NIC ipconfig, resolver inbound
    #: endpoint, ``onprem:<name>``; None for a VNet target or an address nobody holds.
    resource: str | None = None
    #: "vnet", "lb-frontend", "private-endpoint", "nic", "resolver-inbound", "pls-nat",
    #: "address" (inside a VNet, no resource holds it), "onprem", "outside" (not in the snapshot).
    kind: str = "vnet"
    #: The address, for IP targets.
    ip: IPAddress | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "vnet": self.vnet, "subnet": self.subnet, "resource": self.resource, "kind": self.kind}


@record
class Verdict:
    """The answer to one reachability question, with its reasons."""

    source: str
    target: Target
    #: True reachable, False not, None cannot be determined (the reasons say why).
    reachable: bool | None
    #: VNet IDs in the order traffic crosses them, then the target resource (empty unless reachable).
    path: list[str] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target.to_dict(),
            "reachable": self.reachable,
            "path": list(self.path),
            "reasons": [r.to_dict() for r in self.reasons],
        }

    def codes(self) -> list[str]:
        return [str(r.code) for r in self.reasons]


# ---------------------------------------------------------------------------------------------
# Per-estate indexes, built once


# Gap kinds that cannot change a reachability answer (they are Private DNS / resolver rules).
_DNS_GAP_KINDS = frozenset(
    k.lower() for k in (
        "privateDnsZones", "recordSets", "virtualNetworkLinks", "privateDnsZoneGroups",
        "dnsForwardingRulesets", "forwardingRules", "outboundEndpoints",
    )
)  # fmt: skip
# Gap kinds that hold address owners: they matter when an address has no owner in the snapshot.
_OWNER_GAP_KINDS = frozenset(
    k.lower() for k in (
        "loadBalancers", "privateEndpoints", "networkInterfaces", "privateLinkServices",
        "dnsResolvers", "inboundEndpoints",
    )
)  # fmt: skip
_GATEWAY_GAP_KINDS = frozenset({"virtualnetworkgateways"})


class _Index:
    """Forwarders and address lookups of one estate; neighbours and links are the Estate's shared
    topology (:attr:`Estate.topology`)."""

    def __init__(self, estate: Estate) -> None:
        # A weak reference: the index lives as long as the estate, and must not keep it alive.
        self._ref = weakref.ref(estate)
        topo = estate.topology
        # vnet key -> neighbour keys, from links on either side, so that a peering seen only from
        # one side (Initiated, Disconnected) still explains itself; ``ids``: their original IDs.
        self.neighbours: dict[str, set[str]] = topo.adjacency
        self.ids = topo.ids
        self._topo = topo
        external: list[tuple[Prefix, object]] = []
        for v in estate.vnets:
            for p in v.peerings:
                if estate.vnet(p.remote_vnet_id) is None:
                    external.extend((q, p) for q in p.remote_prefixes)
        self.external = PrefixIndex(external)
        self.forwarders: dict[str, Forwarder] = {}
        for f in estate.forwarders:
            self.forwarders.setdefault(rid_key(f.vnet_id), f)
        self.onprem = PrefixIndex([(q, n) for n in estate.onprem for q in n.prefixes])
        self.gateways: dict[str, int] = {}
        for g in estate.gateways:
            if g.vnet_id:
                self.gateways[rid_key(g.vnet_id)] = self.gateways.get(rid_key(g.vnet_id), 0) + 1

    @property
    def estate(self) -> Estate:
        e = self._ref()
        assert e is not None, "estate index used after its estate was freed"
        return e


    def link(self, local: VNet, remote_key: str) -> Peering | None:
        """The local side's link towards ``remote_key``: O(1) hops on 500-spoke hubs."""
        return self._topo.link(local.key, remote_key)


def _index(estate: Estate) -> _Index:
    """This module's index of ``estate``, kept by the estate (:meth:`Estate.memo`)."""
    return estate.memo("reach", _Index)


# ---------------------------------------------------------------------------------------------
# Naming things in messages


def _vn(v: VNet | str) -> str:
    return short_id(v.id if isinstance(v, VNet) else v)


def _link_name(p: Peering) -> str:
    return f"peering link '{p.name}' of {_vn(p.vnet_id)}"


def _prefixes(ps: Iterable[Prefix]) -> str:
    return ", ".join(str(p) for p in ps) or "none"


# ---------------------------------------------------------------------------------------------
# One peering hop


@record(frozen=False, slots=False)
class _Hop:
    """The peering between ``a`` and ``b`` and whether it carries traffic (P1, P5)."""

    a: VNet
    b: VNet
    ab: Peering | None
    ba: Peering | None
    ok: bool | None
    reasons: list[Reason]

    @property
    def is_global(self) -> bool | None:
        if not self.a.location or not self.b.location:
            return None
        return self.a.location != self.b.location

    @property
    def kind(self) -> str:
        g = self.is_global
        return "global peering" if g else ("regional peering" if g is False else "peering (region unknown)")


def _hop(idx: _Index, a: VNet, b: VNet) -> _Hop:
    ab = idx.link(a, b.key)
    ba = idx.link(b, a.key)
    reasons: list[Reason] = []
    ok: bool | None = True
    for link, other in ((ab, b), (ba, a)):
        if link is None:
            continue
        if link.state is PeeringState.INITIATED:
            reasons.append(Reason(Code.PEERING_INITIATED,
                f"{_link_name(link)} is Initiated: {_vn(other)} has no link back, so the peering "
                f"carries no traffic until {_vn(other)} creates its side (P1)"))  # fmt: skip
            ok = False
        elif link.state is PeeringState.DISCONNECTED:
            reasons.append(Reason(Code.PEERING_DISCONNECTED,
                f"{_link_name(link)} is Disconnected: {_vn(other)} deleted its side; delete this link "
                f"and peer again (P1)"))  # fmt: skip
            ok = False
    if ab is None or ba is None:
        present, missing_in = (ab, b) if ab is not None else (ba, a)
        if present is not None and present.state is PeeringState.CONNECTED:
            # Azure never shows Connected with one link: the snapshot was taken at two moments.
            reasons.append(Reason(Code.PEERING_LINK_MISSING,
                f"{_link_name(present)} says Connected but {_vn(missing_in)} has no link back in the "
                "snapshot; the peering's real state cannot be determined"))  # fmt: skip
            ok = None if ok else ok
    for link in (ab, ba):
        if link is not None and not link.allow_virtual_network_access:
            reasons.append(Reason(Code.VNET_ACCESS_DISABLED,
                f"{_link_name(link)} has allowVirtualNetworkAccess=false: no traffic crosses the "
                f"peering between {_vn(a)} and {_vn(b)} (P5)"))  # fmt: skip
            ok = False
    return _Hop(a, b, ab, ba, ok, reasons)


# ---------------------------------------------------------------------------------------------
# Routes between two VNets


@record(frozen=False, slots=False)
class _Route:
    hops: list[_Hop]
    forwarder: Forwarder | None
    ok: bool | None
    reasons: list[Reason]

    @property
    def vnets(self) -> list[str]:
        if not self.hops:
            return []
        return [self.hops[0].a.id, *(h.b.id for h in self.hops)]


def _direct(idx: _Index, s: VNet, t: VNet) -> _Route | None:
    if t.key not in idx.neighbours.get(s.key, ()):
        return None
    hop = _hop(idx, s, t)
    reasons = list(hop.reasons)
    if hop.ok:
        reasons.insert(0, Reason(Code.PEERED, f"{_vn(s)} and {_vn(t)} are peered ({hop.kind}, both links Connected)"))
    return _Route([hop], None, hop.ok, reasons)


def _via_hub(idx: _Index, s: VNet, hub: VNet, t: VNet) -> _Route:
    """S -> hub -> T: a forwarding hub (P2) if declared, else the non-transitivity answer."""
    first, second = _hop(idx, s, hub), _hop(idx, hub, t)
    fwd = idx.forwarders.get(hub.key)
    if fwd is None:
        msg = (f"{_vn(s)} and {_vn(t)} are both peered with {_vn(hub)}, but peering is not transitive (P2): "
               f"no traffic flows between them through {_vn(hub)} unless a firewall or NVA there forwards it "
               "(declare it under 'forwarders') or they peer directly")  # fmt: skip
        return _Route([first, second], None, False, [Reason(Code.NOT_TRANSITIVE, msg)])
    reasons = [*first.reasons, *second.reasons]
    ok: bool | None = _all_ok([first.ok, second.ok])
    # Forwarded traffic arrives in T (and, on the way back, in S) from the hub's device; each
    # receiving VNet's link to the hub must accept traffic that did not originate in the hub.
    for receiver, link, direction in ((t, second.ba, "to"), (s, first.ab, "back to")):
        if link is not None and not link.allow_forwarded_traffic:
            reasons.append(Reason(Code.FORWARDED_TRAFFIC_BLOCKED,
                f"{_link_name(link)} has allowForwardedTraffic=false: traffic that {fwd.device} in {_vn(hub)} "
                f"forwards {direction} {_vn(receiver)} is dropped (P2)"))  # fmt: skip
            ok = False
    if ok and not _forwarder_subnet_ok(first, second, fwd, reasons):
        ok = False
    if ok:
        where = f" at {fwd.ip}" if fwd.ip else ""
        reasons.insert(0, Reason(Code.VIA_FORWARDER,
            f"{_vn(s)} reaches {_vn(t)} through {fwd.device}{where} in hub {_vn(hub)} (declared forwarder; "
            f"{first.kind} then {second.kind})"))  # fmt: skip
        reasons.insert(1, Reason(Code.ROUTES_ASSUMED,
            f"the model does not see route tables: it assumes user-defined routes send {_vn(s)}'s and "
            f"{_vn(t)}'s traffic for each other to {fwd.device}, as declared"))  # fmt: skip
        if fwd.rules is not None:
            reasons.insert(2, Reason(Code.FIREWALL_RULES,
                f"{fwd.device}'s rules are declared: they decide each flow through it (first match, else "
                f"{'allow' if fwd.default_allow else 'deny'}); ask per port with --port N or a subnet SOURCE"))  # fmt: skip
        _route_table_warnings(s, t, fwd, reasons)
    return _Route([first, second], fwd, ok, reasons)


def _has_route_table(v: VNet) -> bool | None:
    """Whether any subnet of ``v`` has a route table (None: the snapshot shows no subnets)."""
    if not v.subnets:
        return None
    return any(sub.route_table_id for sub in v.subnets)


def _route_table_warnings(s: VNet, t: VNet, fwd: Forwarder, reasons: list[Reason]) -> None:
    """Say when the snapshot shows no route table where the declared forwarding needs routes.

    The routes themselves are not modelled, and a VNet without a route table can still learn a
    route to the device over BGP (Azure Route Server, an NVA); so the declaration stands, and the
    answer says what it rests on. Without a route in S, S's traffic for T never reaches the device;
    without one in T, T's replies bypass it, which works only if the device source-NATs.
    """
    if _has_route_table(s) is False:
        reasons.append(Reason(Code.NO_ROUTE_TABLE,
            f"no subnet of {_vn(s)} has a route table: its traffic for {_vn(t)} reaches {fwd.device} only if a "
            "route is learned another way (BGP from Azure Route Server or an NVA); otherwise it is dropped"))  # fmt: skip
    if _has_route_table(t) is False:
        reasons.append(Reason(Code.NO_ROUTE_TABLE,
            f"no subnet of {_vn(t)} has a route table: its replies to {_vn(s)} go back through {fwd.device} only "
            f"if a route is learned by BGP or {fwd.device} source-NATs the traffic (Azure Firewall application "
            "rules do; network rules to private addresses do not by default)"))  # fmt: skip


def _forwarder_subnet_ok(first: _Hop, second: _Hop, fwd: Forwarder, reasons: list[Reason]) -> bool:
    """With subnet-level peering to the hub, the device's subnet must be one of the peered ones."""
    if fwd.ip is None:
        return True
    ok = True
    hub = first.b
    sub = next((s for s in hub.subnets if any(p.contains_ip(fwd.ip) for p in s.prefixes)), None)
    for hop, hub_link in ((first, first.ba), (second, second.ab)):
        allowed = _allowed_subnets(hub_link, _reverse(hop, hub_link))
        if allowed is not None and (sub is None or sub.name.lower() not in allowed):
            reasons.append(Reason(Code.SUBNET_PEERING,
                f"the subnet of {fwd.device} ({fwd.ip}) is not among the subnets {', '.join(sorted(allowed))} "
                f"of {_vn(hub)} that the subnet-level peering with {_vn(hop.a if hop.b is hub else hop.b)} connects"))  # fmt: skip
            ok = False
    return ok


def _reverse(hop: _Hop, link: Peering | None) -> Peering | None:
    return hop.ba if link is hop.ab else hop.ab


def _allowed_subnets(local_link: Peering | None, remote_link: Peering | None) -> set[str] | None:
    """Subnets of the local side's VNet that a subnet-level peering connects (None: all of them).

    ``local_link`` lives in that VNet (its localSubnetNames), ``remote_link`` in the other one
    (its remoteSubnetNames); when both restrict, only subnets both name are connected.
    """
    allowed: set[str] | None = None
    if local_link is not None and not local_link.peer_complete_vnets:
        allowed = {n.lower() for n in local_link.local_subnet_names}
    if remote_link is not None and not remote_link.peer_complete_vnets:
        named = {n.lower() for n in remote_link.remote_subnet_names}
        allowed = named if allowed is None else allowed & named
    return allowed


def _all_ok(values: Sequence[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def _routes(idx: _Index, s: VNet, t: VNet) -> list[_Route]:
    """Candidate routes from S to T: the direct peering, then one hop through each shared hub."""
    routes: list[_Route] = []
    direct = _direct(idx, s, t)
    if direct is not None:
        routes.append(direct)
    ns, nt = idx.neighbours.get(s.key, set()), idx.neighbours.get(t.key, set())
    small, large = (ns, nt) if len(ns) <= len(nt) else (nt, ns)
    hubs = [idx.estate.vnet(idx.ids[k]) for k in small if k in large and k not in (s.key, t.key)]
    for hub in sorted((h for h in hubs if h is not None), key=lambda h: (h.key not in idx.forwarders, h.name, h.key)):
        routes.append(_via_hub(idx, s, hub, t))
    return routes


# ---------------------------------------------------------------------------------------------
# Target-specific checks on a route's last hop


def _prefix_missing(known: Sequence[Prefix], actual: Iterable[Prefix]) -> list[Prefix]:
    return [p for p in actual if not any(k.contains(p) for k in known)]


def _sync_checks(route: _Route, target: Target, reasons: list[Reason]) -> bool | None:
    """P4: a link routes only to the remote address space it knows; the return path likewise."""
    ok: bool | None = True
    last, first = route.hops[-1], route.hops[0]
    t, s = last.b, first.a
    fwd_link, back_link = last.ab, first.ba  # what the sender knows of T / what T's side knows of S
    v6_only = [link for link in (fwd_link, back_link, last.ba, first.ab) if link is not None and link.only_ipv6]
    if v6_only:
        link = v6_only[0]
        if target.ip is not None and target.ip.version == 4:
            reasons.append(Reason(Code.IPV6_ONLY_PEERING,
                f"{_link_name(link)} peers IPv6 space only (enableOnlyIPv6Peering): {target.ip} is IPv4 and "
                "is not routed over it (P9)"))  # fmt: skip
            return False
        if target.ip is None:
            reasons.append(Reason(Code.IPV6_ONLY_PEERING,
                f"{_link_name(link)} peers IPv6 space only (enableOnlyIPv6Peering): IPv4 space of {_vn(t)} is "
                "not routed (P9)"))  # fmt: skip
            if not any(p.version == 6 for p in t.address_prefixes):
                return False
    out_of_sync = [
        link for link in (fwd_link, back_link)
        if link is not None and link.sync_level not in (None, SyncLevel.FULLY_IN_SYNC)
    ]  # fmt: skip
    if fwd_link is not None and fwd_link.remote_prefixes:
        if target.ip is not None:
            if not any(p.contains_ip(target.ip) for p in fwd_link.remote_prefixes):
                reasons.append(Reason(Code.NOT_IN_SYNC,
                    f"{_link_name(fwd_link)} knows {_vn(t)} as {_prefixes(fwd_link.remote_prefixes)}, which "
                    f"does not include {target.ip}: traffic to it is silently dropped until the peering is "
                    f"synced (peeringSyncLevel {fwd_link.sync_level or 'unknown'}, P4)"))  # fmt: skip
                ok = False
        else:
            missing = _prefix_missing(fwd_link.remote_prefixes, t.address_prefixes)
            if missing:
                reasons.append(Reason(Code.NOT_IN_SYNC,
                    f"{_link_name(fwd_link)} does not know {_prefixes(missing)} of {_vn(t)}: traffic to that "
                    f"space is silently dropped until the peering is synced (P4)"))  # fmt: skip
                if len(missing) == len(t.address_prefixes):
                    ok = False
    if back_link is not None and back_link.remote_prefixes:
        missing = _prefix_missing(back_link.remote_prefixes, s.address_prefixes)
        if missing:
            reasons.append(Reason(Code.NOT_IN_SYNC,
                f"{_link_name(back_link)} does not know {_prefixes(missing)} of {_vn(s)}: return traffic to "
                f"that space is silently dropped until the peering is synced (P4)"))  # fmt: skip
            if len(missing) == len(s.address_prefixes):
                ok = False
    if ok and out_of_sync and not any(r.code == Code.NOT_IN_SYNC for r in reasons):
        link = out_of_sync[0]
        reasons.append(Reason(Code.NOT_IN_SYNC,
            f"{_link_name(link)} is Connected but {link.sync_level}: traffic to address space added since the "
            f"last sync is silently dropped; sync the peering (P4)"))  # fmt: skip
    return ok


def _lb_check(idx: _Index, route: _Route, target: Target, reasons: list[Reason]) -> bool | None:
    """P6: a Basic internal LB's frontend is not reachable across global peering."""
    if target.kind != "lb-frontend" or target.resource is None:
        return True
    fe = idx.estate.frontend(target.resource)
    lb = idx.estate.load_balancer_of(fe) if fe is not None else None
    if lb is None:
        return True
    last = route.hops[-1]
    if lb.sku.lower() != "basic":
        if last.is_global:
            reasons.append(Reason(Code.BASIC_LB_GLOBAL_PEERING,
                f"load balancer {_vn(lb.id)} is {lb.sku} SKU, so its frontend is reachable across the global "
                f"peering between {_vn(last.a)} and {_vn(last.b)} (only Basic is not, P6)"))  # fmt: skip
        return True
    g = last.is_global
    if g:
        reasons.append(Reason(Code.BASIC_LB_GLOBAL_PEERING,
            f"load balancer {_vn(lb.id)} is Basic SKU and {_vn(last.a)} ({last.a.location}) reaches "
            f"{_vn(last.b)} ({last.b.location}) over global peering: a Basic internal LB's frontend is not "
            f"reachable across regions; use a Standard LB (P6)"))  # fmt: skip
        return False
    if g is None:
        reasons.append(Reason(Code.REGION_UNKNOWN,
            f"load balancer {_vn(lb.id)} is Basic SKU and the region of {_vn(last.a)} or {_vn(last.b)} is not "
            "in the snapshot: whether the peering is global (P6) cannot be determined"))  # fmt: skip
        return None
    return True


def _subnet_check(route: _Route, target: Target, reasons: list[Reason]) -> bool | None:
    """Subnet-level peering connects only the named subnets, on both sides of the last hop."""
    ok: bool | None = True
    last, first = route.hops[-1], route.hops[0]
    t_allowed = _allowed_subnets(last.ba, last.ab)
    if t_allowed is not None:
        t_sub = target.subnet.rsplit("/", 1)[-1].lower() if target.subnet else None
        if target.ip is None:
            reasons.append(Reason(Code.SUBNET_PEERING,
                f"the peering between {_vn(last.a)} and {_vn(last.b)} is subnet-level: only subnets "
                f"{', '.join(sorted(t_allowed)) or 'none'} of {_vn(last.b)} are reachable"))  # fmt: skip
            ok = bool(t_allowed)
        elif t_sub is None or t_sub not in t_allowed:
            reasons.append(Reason(Code.SUBNET_PEERING,
                f"{target.ip} is in subnet {t_sub or '(none)'} of {_vn(last.b)}, which is not among the subnets "
                f"{', '.join(sorted(t_allowed)) or 'none'} that the subnet-level peering with {_vn(last.a)} connects"))  # fmt: skip
            ok = False
    s_allowed = _allowed_subnets(first.ab, first.ba)
    if s_allowed is not None:
        reasons.append(Reason(Code.SUBNET_PEERING,
            f"the peering between {_vn(first.a)} and {_vn(first.b)} is subnet-level: only subnets "
            f"{', '.join(sorted(s_allowed)) or 'none'} of {_vn(first.a)} can send"))  # fmt: skip
        if not s_allowed:
            ok = False
    return ok


def _evaluate(idx: _Index, route: _Route, target: Target) -> tuple[bool | None, list[Reason]]:
    reasons = list(route.reasons)
    if route.ok is False:
        return False, reasons
    results = [route.ok, _sync_checks(route, target, reasons), _lb_check(idx, route, target, reasons),
               _subnet_check(route, target, reasons)]  # fmt: skip
    return _all_ok(results), reasons


def _best(idx: _Index, s: VNet, t: VNet, target: Target) -> tuple[bool | None, list[str], list[Reason]]:
    """The first route that works (direct first); else everything that is wrong with each."""
    if s.key == t.key:
        return True, [s.id], [Reason(Code.SAME_VNET, f"the target is inside {_vn(s)} itself")]
    routes = _routes(idx, s, t)
    if routes and routes[0].forwarder is None and len(routes[0].hops) == 1 and routes[0].ok:
        # A working direct peering gives S a system route to T's space; a detour through a hub
        # would need user-defined routes that override it, which the model does not see.
        routes = routes[:1]
    if not routes:
        return False, [], [Reason(Code.NOT_PEERED,
            f"{_vn(s)} and {_vn(t)} are not peered and share no peered VNet: no route between them")]  # fmt: skip
    unknown: tuple[list[str], list[Reason]] | None = None
    failures: list[Reason] = []
    for route in routes:
        ok, reasons = _evaluate(idx, route, target)
        if ok:
            # Say what is wrong with a direct peering that the working route goes around.
            return True, route.vnets, _dedupe(reasons + failures)
        if ok is None and unknown is None:
            unknown = (route.vnets, reasons)
        failures.extend(reasons)
    if unknown is not None:
        return None, [], _dedupe(unknown[1] + failures)
    return False, [], _dedupe(failures)


def _dedupe(reasons: Iterable[Reason]) -> list[Reason]:
    return list(dict.fromkeys(reasons))


# ---------------------------------------------------------------------------------------------
# Targets


@record(frozen=False, slots=False)
class _Candidate:
    target: Target
    vnet: VNet | None
    #: The source itself, a peer of it, or a peer of a peer: the only VNets a route can reach.
    near: bool = True
    #: rid_key of the VNet ("" when none), computed once: keys are not cached on the model.
    key: str = ""


def _ip_of_resource(estate: Estate, text: str) -> IPAddress | None:
    """A target given as the ID of a frontend, LB, private endpoint or NIC: its address."""
    r = estate.get(text)
    if isinstance(r, Frontend):
        return r.private_ip
    if isinstance(r, LoadBalancer):
        return next((f.private_ip for f in r.frontends if f.private_ip is not None), None)
    if isinstance(r, PrivateEndpoint):
        ips = estate.endpoint_ips(r)
        return ips[0] if ips else None
    if isinstance(r, NetworkInterface):
        return next((c.private_ip for c in r.ip_configs if c.private_ip is not None), None)
    if isinstance(r, NicIpConfig):
        return r.private_ip
    return None


def _ip_candidates(idx: _Index, s: VNet, text: str, ip: IPAddress) -> list[_Candidate]:
    """Every VNet holding ``ip`` (several when they overlap), with the resource that owns it.

    Shared default ranges can put one address in hundreds of isolated VNets: only candidates near
    the source get their subnet resolved.
    """
    estate = idx.estate
    out: list[_Candidate] = []
    seen: set[str] = set()
    owners = estate.ip_owners(ip)
    owner_by_vnet: dict[str, Any] = {}
    for o in owners:
        if o.vnet_id:
            owner_by_vnet.setdefault(rid_key(o.vnet_id), o)
    skey = s.key
    source_near = idx.neighbours.get(skey, set())
    for v in estate.vnets_containing(ip):
        vk = v.key
        seen.add(vk)
        near = vk == skey or vk in source_near or any(h in source_near for h in idx.neighbours.get(vk, ()))
        owner = owner_by_vnet.get(vk)
        if owner is not None:
            t = Target(text, v.id, owner.subnet_id, owner.resource_id, owner.kind, ip)
        else:
            sub = estate.subnet_containing(v, ip) if near else None
            t = Target(text, v.id, sub.id if sub else None, None, "address", ip)
        out.append(_Candidate(t, v, near, vk))
    # An owner whose VNet does not list the address in its space: trust the owner's subnet.
    for o in owners:
        if o.vnet_id and rid_key(o.vnet_id) not in seen:
            seen.add(rid_key(o.vnet_id))
            v2 = estate.vnet(o.vnet_id)
            kind = o.kind if v2 is not None else "outside"
            out.append(_Candidate(Target(text, o.vnet_id, o.subnet_id, o.resource_id, kind, ip), v2, True,
                                  rid_key(o.vnet_id)))
    return out


# ---------------------------------------------------------------------------------------------
# Gaps, route tables, NSGs


def _gap_reasons(gaps: Iterable[Gap], what: str) -> list[Reason]:
    return [Reason(Code.SNAPSHOT_GAP, f"the snapshot could not read {g.kind} in {g.scope} ({g.reason}), which "
                   f"covers {what}: the answer cannot be determined") for g in gaps]  # fmt: skip


def _relevant_gaps(estate: Estate, rid: str, owner_missing: bool) -> list[Gap]:
    out = []
    for g in estate.gaps_for(rid):
        kind = g.kind.lower()
        if kind in _DNS_GAP_KINDS or kind in _GATEWAY_GAP_KINDS:
            continue
        if kind in _OWNER_GAP_KINDS and not owner_missing:
            continue
        out.append(g)
    return out


def _context_reasons(estate: Estate, s: VNet, target: Target) -> list[Reason]:
    """Things the model does not evaluate on the two ends: route tables (UDRs), the target's NSG."""
    reasons = []
    tables = [sub for sub in s.subnets if sub.route_table_id]
    if tables:
        named = ", ".join(f"{sub.name} ({short_id(sub.route_table_id or '')})" for sub in tables[:3])
        more = f" and {len(tables) - 3} more" if len(tables) > 3 else ""
        reasons.append(Reason(Code.UDR_NOT_EVALUATED,
            f"user-defined routes not evaluated: subnets of {_vn(s)} with a route table: {named}{more}"))  # fmt: skip
    tsub = estate.subnet(target.subnet) if target.subnet else None
    if isinstance(tsub, Subnet) and tsub.route_table_id and rid_key(tsub.vnet_id) != s.key:
        reasons.append(Reason(Code.UDR_NOT_EVALUATED,
            f"user-defined routes not evaluated: the target subnet {_vn(tsub.id)} has route table "
            f"{short_id(tsub.route_table_id)}"))  # fmt: skip
    if isinstance(tsub, Subnet) and tsub.nsg_id:
        reasons.append(Reason(Code.NSG_NOT_EVALUATED,
            f"network security group {short_id(tsub.nsg_id)} on the target subnet {_vn(tsub.id)} is not "
            "evaluated and may still deny the traffic"))  # fmt: skip
    return reasons


def _endpoint_check(estate: Estate, target: Target) -> tuple[bool, list[Reason]]:
    if target.kind != "private-endpoint" or not target.resource:
        return True, []
    pe = estate.get(target.resource)
    if not isinstance(pe, PrivateEndpoint):
        return True, []
    bad = [c for c in pe.connections if c.status is not ConnectionStatus.APPROVED]
    if pe.connections and len(bad) == len(pe.connections):
        c = bad[0]
        return False, [Reason(Code.ENDPOINT_NOT_APPROVED,
            f"private endpoint {_vn(pe.id)}'s connection to {_vn(c.target_id)} is {c.status}: the endpoint "
            "passes no traffic until the service owner approves it")]  # fmt: skip
    return True, []


# ---------------------------------------------------------------------------------------------
# On-prem targets


def _onprem(idx: _Index, s: VNet, net: OnPremNetwork, target: Target) -> tuple[bool | None, list[str], list[Reason]]:
    estate = idx.estate
    label = f"on-prem network '{net.name}' ({_prefixes(net.prefixes)})"
    dest = f"onprem:{net.name}"
    if not net.via_vnet_id:
        return None, [], [Reason(Code.ONPREM_NO_VIA,
            f"{target.ip} is in {label}, whose declaration names no 'via' VNet: the gateway that reaches it is unknown")]  # fmt: skip
    via = estate.vnet(net.via_vnet_id)
    if via is None:
        return None, [], [Reason(Code.OUTSIDE_SNAPSHOT, f"{label} is reached through {_vn(net.via_vnet_id)}, which is not in the snapshot")]
    gw_count = idx.gateways.get(via.key, 0)
    # A link of S to the hub that names the gateway it uses (remoteGateways) proves the gateway
    # exists even when the snapshot does not hold it (P9).
    link_to_via = idx.link(s, via.key)
    if gw_count == 0 and link_to_via is not None and link_to_via.remote_gateway_ids:
        gw_count = len(link_to_via.remote_gateway_ids)
    if gw_count == 0:
        gaps = [g for g in estate.gaps_for(via.id) if g.kind.lower() in _GATEWAY_GAP_KINDS or g.kind == "*"]
        if gaps:
            return None, [], _gap_reasons(gaps, f"the gateway of {_vn(via)}")
        return None, [], [Reason(Code.NO_GATEWAY,
            f"{label} is declared via {_vn(via)}, but the snapshot has no virtual network gateway in {_vn(via)}")]  # fmt: skip
    if via.key == s.key:
        return True, [s.id, dest], [Reason(Code.LOCAL_GATEWAY, f"{_vn(s)} reaches {label} through its own gateway")]
    if via.key not in idx.neighbours.get(s.key, ()):
        return False, [], [Reason(Code.NOT_PEERED,
            f"{label} is reached through the gateway of {_vn(via)}, and {_vn(s)} is not peered with {_vn(via)}")]  # fmt: skip
    hop = _hop(idx, s, via)
    reasons = list(hop.reasons)
    if hop.ok is not True:
        return hop.ok, [], reasons
    users = [p for p in s.peerings if p.use_remote_gateways]
    problems: list[Reason] = []
    if idx.gateways.get(s.key):
        problems.append(Reason(Code.GATEWAY_TRANSIT_INVALID,
            f"{_vn(s)} has its own gateway, so it cannot use {_vn(via)}'s gateway (useRemoteGateways is not "
            "allowed with a local gateway, P2)"))  # fmt: skip
    if len(users) > 1:
        problems.append(Reason(Code.GATEWAY_TRANSIT_INVALID,
            f"{_vn(s)} sets useRemoteGateways on {len(users)} peerings ({', '.join(p.name for p in users)}); "
            "Azure allows one, so the snapshot is inconsistent (P2)"))  # fmt: skip
    if problems:
        return None, [], reasons + problems
    missing = []
    if hop.ab is not None and not hop.ab.use_remote_gateways:
        missing.append(f"{_link_name(hop.ab)} has useRemoteGateways=false")
    if hop.ba is not None and not hop.ba.allow_gateway_transit:
        missing.append(f"{_link_name(hop.ba)} has allowGatewayTransit=false")
    if not missing:
        return True, [s.id, via.id, dest], [Reason(Code.GATEWAY_TRANSIT,
            f"{_vn(s)} uses the gateway of {_vn(via)} (useRemoteGateways / allowGatewayTransit) to reach {label}")]  # fmt: skip
    if via.key in idx.forwarders:
        fwd = idx.forwarders[via.key]
        return None, [], [Reason(Code.ONPREM_VIA_FORWARDER,
            f"{_vn(s)} does not use {_vn(via)}'s gateway ({'; '.join(missing)}); reaching {label} through "
            f"{fwd.device} needs routes both ways (spoke UDRs, gateway routes back to {_vn(s)}) that the model "
            "does not see")]  # fmt: skip
    return False, [], [Reason(Code.GATEWAY_TRANSIT_MISSING,
        f"{label} is reached through the gateway of {_vn(via)}, but gateway transit is not set up: "
        f"{'; '.join(missing)} (peering is not transitive, P2)")]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Public API


def resolve_target(estate: Estate, text: str) -> IPAddress | VNet:
    """TARGET as an address (an IP, or the ID of a frontend / endpoint / NIC) or a VNet reference.

    Raises :class:`~netplan.errors.RefError` when it is neither (exit 2, listing candidates).
    """
    try:
        return parse_ip(text)
    except AddressError:
        pass
    if text.strip().startswith("/") and estate.vnet(text) is None:
        ip = _ip_of_resource(estate, text)
        if ip is not None:
            return ip
    return estate.resolve_vnet(text)


def reach(estate: Estate, source: str, target: str) -> Verdict:
    """Can traffic from VNet ``source`` reach ``target`` (a VNet reference or an IP address)?

    ``source`` is resolved with :meth:`Estate.resolve_vnet`; an unknown or ambiguous reference
    raises :class:`~netplan.errors.RefError`. See the module docstring for the rules.
    """
    s = estate.resolve_vnet(source)
    resolved = resolve_target(estate, target)
    idx = _index(estate)
    if isinstance(resolved, VNet):
        t = Target(target, resolved.id, kind="vnet")
        return _verdict_for(idx, s, _Candidate(t, resolved))
    return _reach_ip(idx, s, target, resolved)


def _verdict_for(idx: _Index, s: VNet, cand: _Candidate) -> Verdict:
    estate = idx.estate
    target = cand.target
    t = cand.vnet
    assert t is not None
    gaps = _relevant_gaps(estate, s.id, owner_missing=False)
    if t.key != s.key:
        gaps += _relevant_gaps(estate, t.id, owner_missing=target.kind == "address")
    if gaps:
        return Verdict(s.id, target, None, [], _gap_reasons(dict.fromkeys(gaps), f"{_vn(s)} or {_vn(t)}"))
    ok, path, reasons = _best(idx, s, t, target)
    if ok is not False:
        pe_ok, pe_reasons = _endpoint_check(estate, target)
        reasons += pe_reasons
        if not pe_ok:
            ok, path = False, []
    if target.kind == "address" and target.ip is not None:
        reasons.append(Reason(Code.NO_OWNER,
            f"no resource in the snapshot holds {target.ip} (it is inside {_vn(t)}'s address space)"))  # fmt: skip
    reasons += _context_reasons(estate, s, target)
    if ok and target.resource:
        path = [*path, target.resource]
    return Verdict(s.id, target, ok, path if ok else [], reasons)


def _reach_ip(idx: _Index, s: VNet, text: str, ip: IPAddress) -> Verdict:
    estate = idx.estate
    cands = _ip_candidates(idx, s, text, ip)
    inside = [c for c in cands if c.vnet is not None]
    outside = [c for c in cands if c.vnet is None]
    if inside:
        # Traffic to an address inside the source's own space never leaves the source VNet.
        skey = s.key
        own = next((c for c in inside if c.key == skey), None)
        held_elsewhere = [c for c in inside if c is not own and c.target.kind != "address"]
        if own is not None and own.target.kind == "address" and held_elsewhere:
            return _shadowed(idx, s, own, held_elsewhere[0])
        if own is not None:
            related = [own]
        else:
            # Only a VNet peered with the source, or sharing a peered hub with it, can be the one
            # reached; shared default ranges can put an address in hundreds of isolated VNets.
            related = [c for c in inside if c.near] or inside[:1]
        verdicts = [_verdict_for(idx, s, c) for c in related]
        chosen = next((v for v in verdicts if v.reachable), None) or next(
            (v for v in verdicts if v.reachable is None), verdicts[0]
        )
        if len(inside) > 1:
            others = [c.target.vnet or "" for c in inside if c.target is not chosen.target]
            shown = ", ".join(_vn(o) for o in others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
            note = Reason(Code.OVERLAP,
                f"{ip} is inside {len(inside)} VNets that overlap; the answer is for {_vn(chosen.target.vnet or '')}"
                f"{' (the one reachable from ' + _vn(s) + ')' if chosen.reachable else ''}; also in {shown}")  # fmt: skip
            reasons = [note, *chosen.reasons]
            if chosen.reachable is False:
                # Say why each of the others is not reachable either.
                for v in verdicts:
                    if v is not chosen:
                        reasons += v.reasons
            return Verdict(chosen.source, chosen.target, chosen.reachable, chosen.path, _dedupe(reasons))
        return chosen
    nets = [n for _p, n in idx.onprem.lookup(ip)]
    if nets:
        net = nets[0]
        assert isinstance(net, OnPremNetwork)
        target = Target(text, None, None, f"onprem:{net.name}", "onprem", ip)
        gaps = _relevant_gaps(estate, s.id, owner_missing=False)
        if gaps:
            return Verdict(s.id, target, None, [], _gap_reasons(gaps, _vn(s)))
        ok, path, reasons = _onprem(idx, s, net, target)
        reasons += _context_reasons(estate, s, target)
        return Verdict(s.id, target, ok, path if ok else [], reasons)
    ext = [link for _p, link in idx.external.lookup(ip)]
    if ext:
        link = ext[0]
        assert isinstance(link, Peering)
        target = Target(text, link.remote_vnet_id, None, None, "outside", ip)
        return Verdict(s.id, target, None, [], [Reason(Code.OUTSIDE_SNAPSHOT,
            f"{ip} is in the address space of {_vn(link.remote_vnet_id)} as {_link_name(link)} states it, but "
            f"that VNet is not in the snapshot: add its subscription to the inventory")])  # fmt: skip
    if outside:
        c = outside[0]
        return Verdict(s.id, c.target, None, [], [Reason(Code.OUTSIDE_SNAPSHOT,
            f"{ip} is held by {_vn(c.target.resource or '')} in {_vn(c.target.vnet or '')}, which is not in the snapshot")])  # fmt: skip
    target = Target(text, None, None, None, "outside", ip)
    reasons = [Reason(Code.OUTSIDE_SNAPSHOT,
        f"{ip} is outside the snapshot: no VNet, peering or declared on-prem network holds it")]  # fmt: skip
    all_gaps = [g for g in estate.gaps if g.kind.lower() not in _DNS_GAP_KINDS]
    if all_gaps:
        reasons += _gap_reasons(all_gaps[:5], "where the address may be")
    return Verdict(s.id, target, None, [], reasons)


def _shadowed(idx: _Index, s: VNet, own: _Candidate, holder: _Candidate) -> Verdict:
    """The address is in the source's own space but held by a resource in an overlapping VNet."""
    ip = holder.target.ip
    own_prefix = next((p for p in s.address_prefixes if ip is not None and p.contains_ip(ip)), None)
    reasons = [Reason(Code.OVERLAP,
        f"{ip} is inside {_vn(s)}'s own address space ({own_prefix}), so traffic to it never leaves {_vn(s)}; "
        f"{holder.target.kind} {_vn(holder.target.resource or '')} in {_vn(holder.target.vnet or '')} holds that "
        f"address and cannot be reached from {_vn(s)} while the two VNets overlap (use Private Link, or "
        "re-address one of them)")]  # fmt: skip
    reasons += _context_reasons(idx.estate, s, own.target)
    return Verdict(s.id, holder.target, False, [], reasons)


def reachable_vnets(estate: Estate, source: str) -> dict[str, list[str]]:
    """The VNets that ``source`` can reach at the VNet level, each with its path of VNet IDs.

    Includes the source itself (path ``[source]``). Peering state (P1), access (P5),
    non-transitivity and declared forwarders (P2, with allowForwardedTraffic both ways) are
    applied; target-specific rules (P4 sync of one address, P6 Basic LB, subnet-level peering)
    are not: ask :func:`reach` about a particular target. Cost: the source's peerings, plus those
    of the forwarding hubs among them.
    """
    s = estate.resolve_vnet(source)
    idx = _index(estate)
    out: dict[str, list[str]] = {s.id: [s.id]}
    hubs: list[VNet] = []
    for p in s.peerings:
        n = estate.vnet(p.remote_vnet_id)
        if n is None or n.id in out:
            continue
        if _hop(idx, s, n).ok:
            out[n.id] = [s.id, n.id]
            if n.key in idx.forwarders:
                hubs.append(n)
    for hub in hubs:
        back = idx.link(s, hub.key)
        if back is None or not back.allow_forwarded_traffic:
            continue
        for p in hub.peerings:
            t = estate.vnet(p.remote_vnet_id)
            if t is None or t.id in out:
                continue
            hop = _hop(idx, hub, t)
            if hop.ok and hop.ba is not None and hop.ba.allow_forwarded_traffic:
                out[t.id] = [s.id, hub.id, t.id]
    return out
