"""Effective routes per subnet (R1), as Azure computes them and Network Watcher shows them.

:func:`effective_routes` returns, for one subnet, the route table Azure applies to traffic leaving
it: system routes (the VNet's own space ``VnetLocal``, ``0.0.0.0/0`` ``Internet``, ``None`` for the
RFC 1918 and 100.64.0.0/10 ranges that no VNet or peered prefix covers, removed from the table when
a user route overrides 0.0.0.0/0, so that private traffic follows it to the appliance, as
hub-and-spoke relies on: see the comment in :func:`effective_routes`), one route per Connected
peering link with the space that link has peered (``VNetPeering`` / ``VNetGlobalPeering``, from
:func:`netplan.topology.link_routes`: stale until synced, IPv6 only, the named subnets), private
endpoint ``/32`` routes (``InterfaceEndpoint``, for endpoints in the VNet and its directly peered
VNets), gateway routes to the declared on-premises prefixes (the VNet's own gateway, or the hub's
through ``useRemoteGateways``; dropped when the subnet's route table sets
``disableBgpRoutePropagation``), and the route table's user-defined routes. On equal prefixes the
user route wins, then the gateway route, then the system route; the losers are ``Invalid``, as the
portal shows them. :meth:`EffectiveRoutes.lookup` picks the longest matching Active prefix.

What the snapshot cannot show makes :attr:`EffectiveRoutes.unknown` non-empty (a route table the
subnet references that is not in the snapshot): callers then answer UNKNOWN with that reason.

The promise on cost: one subnet's table is built from its VNet's own peering links, the PEs of the
VNet and its peers, and its route table; per-estate indexes (PEs by VNet, gateways, on-prem
prefixes by gateway VNet) are built once per Estate. Tables are cached per subnet.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import field
from typing import Any

from netplan.addr import IPAddress, Prefix, parse_prefix, prefix_of_ip
from netplan.errors import RefError
from netplan.estate import Estate
from netplan.ids import rid_key, short_id
from netplan.model import NextHopType, Peering, PeeringState, RouteTable, Subnet, VNet
from netplan.record import record
from netplan.topology import link_routes

#: Source of an effective route, as Azure names it.
SOURCE_DEFAULT = "Default"
SOURCE_USER = "User"
SOURCE_GATEWAY = "VirtualNetworkGateway"
_RANK = {SOURCE_USER: 3, SOURCE_GATEWAY: 2, SOURCE_DEFAULT: 1}

#: Next hop types of system routes (besides the user-route ones in :class:`NextHopType`).
HOP_PEERING = "VNetPeering"
HOP_GLOBAL_PEERING = "VNetGlobalPeering"
HOP_ENDPOINT = "InterfaceEndpoint"

#: The address ranges Azure routes to None unless a VNet or peered prefix covers them (R1).
NONE_RANGES = tuple(parse_prefix(p) for p in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))
DEFAULT_ROUTE = parse_prefix("0.0.0.0/0")


@record
class EffectiveRoute:
    """One row of a subnet's effective route table."""

    source: str
    state: str
    prefixes: tuple[Prefix, ...]
    next_hop_type: str
    next_hop_ips: tuple[IPAddress, ...] = ()
    #: The user route's name (None for system and gateway routes), as Azure's ``name``.
    name: str | None = None
    #: The resource the route comes from: the user route, the peering link, the endpoint, the gateway VNet.
    resource_id: str | None = None
    #: For a user route with a service tag as its prefix: the tag (not matched by address).
    service_tag: str | None = None

    @property
    def active(self) -> bool:
        return self.state == "Active"

    def prefix_text(self) -> list[str]:
        return [self.service_tag] if self.service_tag else [str(p) for p in self.prefixes]

    def to_dict(self) -> dict[str, Any]:
        """The row in the shape of Azure's effective route table (``az network nic show-effective-route-table``)."""
        return {
            "name": self.name,
            "source": self.source,
            "state": self.state,
            "addressPrefix": self.prefix_text(),
            "nextHopType": self.next_hop_type,
            "nextHopIpAddress": [str(ip) for ip in self.next_hop_ips],
        }


@record(slots=False)
class EffectiveRoutes:
    """The effective route table of one subnet."""

    subnet_id: str
    route_table_id: str | None
    routes: tuple[EffectiveRoute, ...]
    #: Why the table may be incomplete (a referenced route table absent from the snapshot).
    unknown: tuple[str, ...] = ()
    disable_bgp_route_propagation: bool = False
    _active: list[tuple[Prefix, EffectiveRoute]] = field(default_factory=list, compare=False, repr=False)

    _by_length: list[tuple[int, int, dict[int, tuple[Prefix, EffectiveRoute]]]] | None = field(
        default=None, compare=False, repr=False)

    def lookup(self, ip: IPAddress) -> tuple[Prefix, EffectiveRoute] | None:
        """The Active route Azure uses for ``ip``: the longest matching prefix.

        One dictionary probe per prefix length present in the table, longest first (a subnet
        peered with hundreds of VNets carries thousands of routes, many private endpoint /32s);
        among equal Active prefixes the first listed wins."""
        table = self._by_length
        if table is None:
            by: dict[tuple[int, int], dict[int, tuple[Prefix, EffectiveRoute]]] = {}
            for p, r in self._active:
                shift = p.bits - p.length
                by.setdefault((p.version, p.length), {}).setdefault(p.value >> shift, (p, r))
            table = [
                (version, (32 if version == 4 else 128) - length, entries)
                for (version, length), entries in sorted(by.items(), key=lambda kv: -kv[0][1])
            ]
            object.__setattr__(self, "_by_length", table)  # a frozen dataclass's lazy memo
        value, version = int(ip), ip.version
        for v, shift, entries in table:
            if v == version:
                hit = entries.get(value >> shift)
                if hit is not None:
                    return hit
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"value": [r.to_dict() for r in self.routes]}


# ---------------------------------------------------------------------------------------------
# Per-estate index


class _Index:
    def __init__(self, estate: Estate) -> None:
        self._ref = weakref.ref(estate)
        self.tables: dict[str, RouteTable] = {rt.key: rt for rt in estate.route_tables}
        self.pe_ips: dict[str, list[tuple[IPAddress, str, str]]] = defaultdict(list)  # vnet key -> (ip, pe id, subnet id)
        for pe in estate.private_endpoints:
            vk = rid_key(pe.subnet_id.rsplit("/subnets/", 1)[0])
            for ip in estate.endpoint_ips(pe):
                self.pe_ips[vk].append((ip, pe.id, pe.subnet_id))
        self.gateway_vnets: dict[str, str] = {}
        for g in estate.gateways:
            if g.vnet_id:
                self.gateway_vnets.setdefault(rid_key(g.vnet_id), g.id)
        self.onprem_by_via: dict[str, list[Prefix]] = defaultdict(list)
        for n in estate.onprem:
            if n.via_vnet_id:
                self.onprem_by_via[rid_key(n.via_vnet_id)].extend(n.prefixes)
        self.cache: dict[str, EffectiveRoutes] = {}

    @property
    def estate(self) -> Estate:
        e = self._ref()
        assert e is not None, "route index used after its estate was freed"
        return e



def _index(estate: Estate) -> _Index:
    """This module's index of ``estate``, kept by the estate (:meth:`Estate.memo`)."""
    return estate.memo("routes", _Index)


# ---------------------------------------------------------------------------------------------
# What a peering link routes: netplan.topology.link_routes (shared with reach, overlaps, audit)


def _is_global(estate: Estate, a: VNet, link: Peering) -> bool:
    b = estate.vnet(link.remote_vnet_id)
    return b is not None and bool(a.location) and bool(b.location) and a.location != b.location


# ---------------------------------------------------------------------------------------------
# The table


def route_table_of(estate: Estate, subnet: Subnet) -> tuple[RouteTable | None, str | None]:
    """The subnet's route table, or (None, reason) when it references one the snapshot lacks."""
    if not subnet.route_table_id:
        return None, None
    rt = _index(estate).tables.get(rid_key(subnet.route_table_id))
    if rt is None:
        return None, (f"subnet {short_id(subnet.id)} uses route table {short_id(subnet.route_table_id)}, which is "
                      "not in the snapshot: its user-defined routes are unknown")  # fmt: skip
    return rt, None


def effective_routes(estate: Estate, subnet: Subnet | str) -> EffectiveRoutes:
    """The effective route table of a subnet (a :class:`Subnet` or its ID). See the module docstring."""
    idx = _index(estate)
    sub = subnet if isinstance(subnet, Subnet) else estate.subnet(subnet)
    if sub is None:
        raise KeyError(f"subnet {subnet} is not in the estate")
    hit = idx.cache.get(sub.key)
    if hit is not None:
        return hit
    vnet = estate.vnet(sub.vnet_id)
    assert vnet is not None
    rows: list[EffectiveRoute] = []
    covered: list[Prefix] = list(vnet.address_prefixes)
    rows.append(EffectiveRoute(SOURCE_DEFAULT, "Active", vnet.address_prefixes, NextHopType.VNET_LOCAL.value,
                               resource_id=vnet.id))  # fmt: skip
    peers: list[str] = []
    gateway_via: str | None = vnet.key if vnet.key in idx.gateway_vnets else None
    unknown: list[str] = []
    for link in vnet.peerings:
        if link.state is not PeeringState.CONNECTED:
            continue
        lr = link_routes(estate, link)
        if not lr.applies_to(sub.name):
            continue  # subnet peering: only the named local subnets get the routes
        if lr.unknown:
            unknown.append(lr.unknown)
        prefixes = lr.prefixes
        if prefixes:
            hop = HOP_GLOBAL_PEERING if _is_global(estate, vnet, link) else HOP_PEERING
            rows.append(EffectiveRoute(SOURCE_DEFAULT, "Active", prefixes, hop, resource_id=link.id))
            covered.extend(prefixes)
        peers.append(rid_key(link.remote_vnet_id))
        if gateway_via is None and link.use_remote_gateways:
            back = estate.peering(link.remote_vnet_id, vnet.id)
            if back is not None and back.allow_gateway_transit and rid_key(link.remote_vnet_id) in idx.gateway_vnets:
                gateway_via = rid_key(link.remote_vnet_id)
    # Private endpoint /32 routes: the VNet's own endpoints and its directly peered VNets'.
    for vk in (vnet.key, *peers):
        for ip, pe_id, _sub in idx.pe_ips.get(vk, ()):
            rows.append(EffectiveRoute(SOURCE_DEFAULT, "Active", (prefix_of_ip(ip),), HOP_ENDPOINT, resource_id=pe_id))
    rt, missing = route_table_of(estate, sub)
    disable_bgp = rt.disable_bgp_route_propagation if rt is not None else False
    if gateway_via is not None and not disable_bgp:
        prefixes = tuple(idx.onprem_by_via.get(gateway_via, ()))
        if prefixes:
            rows.append(EffectiveRoute(SOURCE_GATEWAY, "Active", prefixes, NextHopType.VIRTUAL_NETWORK_GATEWAY.value,
                                       resource_id=idx.gateway_vnets[gateway_via]))  # fmt: skip
    rows.append(EffectiveRoute(SOURCE_DEFAULT, "Active", (DEFAULT_ROUTE,), NextHopType.INTERNET.value))
    # A user 0.0.0.0/0 route removes the reserved ranges' None routes from the table (they are not
    # listed, not even Invalid), so private traffic that no longer route covers follows the user
    # route. Microsoft's "Virtual network traffic routing" (MicrosoftDocs/azure-docs,
    # articles/virtual-network/virtual-networks-udr-overview.md, "Routing example", Subnet2):
    # "Azure removed the routes for the 10.0.0.0/8, 192.168.0.0/16, and 100.64.0.0/10 address
    # prefixes from the Subnet1 route table when the user-defined route for the 0.0.0.0/0 address
    # prefix was added to Subnet1" (its Subnet1 table lists no None route).
    default_overridden = rt is not None and any(r.prefix == DEFAULT_ROUTE for r in rt.routes)
    for p in NONE_RANGES if not default_overridden else ():
        if not any(c.contains(p) for c in covered):
            rows.append(EffectiveRoute(SOURCE_DEFAULT, "Active", (p,), NextHopType.NONE.value))
    if rt is not None:
        for r in rt.routes:
            rows.append(EffectiveRoute(
                SOURCE_USER, "Active", (r.prefix,) if r.prefix is not None else (), r.next_hop_type.value,
                (r.next_hop_ip,) if r.next_hop_ip is not None else (), r.name, r.id,
                None if r.prefix is not None else r.address_prefix,
            ))  # fmt: skip
    rows = _resolve_states(estate, idx, rows)
    active = [(p, r) for r in rows if r.active for p in r.prefixes]
    if missing:
        unknown.insert(0, missing)
    out = EffectiveRoutes(sub.id, sub.route_table_id, tuple(rows), tuple(unknown), disable_bgp, active)
    idx.cache[sub.key] = out
    return out


def _resolve_states(estate: Estate, idx: _Index, rows: list[EffectiveRoute]) -> list[EffectiveRoute]:
    """Equal prefixes: user > gateway > system; the losers' prefixes are Invalid.

    A row with several prefixes (a VNet's space) stays Active for the prefixes nobody overrides: it
    is split into an Active row and an Invalid one, as the portal lists them.
    """
    best: dict[Prefix, int] = {}
    for r in rows:
        for p in r.prefixes:
            best[p] = max(best.get(p, 0), _RANK[r.source])
    out: list[EffectiveRoute] = []
    for r in rows:
        won = tuple(p for p in r.prefixes if _RANK[r.source] >= best[p])
        lost = tuple(p for p in r.prefixes if _RANK[r.source] < best[p])
        if not lost:
            out.append(r)
            continue
        if won:
            out.append(_with(r, "Active", won))
        out.append(_with(r, "Invalid", lost))
    return _endpoint_policies(estate, out)


def _with(r: EffectiveRoute, state: str, prefixes: tuple[Prefix, ...]) -> EffectiveRoute:
    return EffectiveRoute(r.source, state, prefixes, r.next_hop_type, r.next_hop_ips, r.name, r.resource_id, r.service_tag)


def _endpoint_policies(estate: Estate, rows: list[EffectiveRoute]) -> list[EffectiveRoute]:
    """R5: with route-table network policies on the endpoint's subnet, a user route covering the
    endpoint's address takes precedence over the endpoint's /32 route, which turns Invalid."""
    users = [p for r in rows if r.source == SOURCE_USER and r.active for p in r.prefixes]
    if not users:
        return rows
    out = []
    for r in rows:
        if r.next_hop_type == HOP_ENDPOINT and r.resource_id:
            pe = estate.get(r.resource_id)
            sub = estate.subnet(getattr(pe, "subnet_id", None))
            if sub is not None and sub.pe_policies()[1] and any(u.contains(r.prefixes[0]) for u in users):
                out.append(_with(r, "Invalid", r.prefixes))
                continue
        out.append(r)
    return out


# ---------------------------------------------------------------------------------------------
# References


def subnet_of_nic(estate: Estate, nic_id: str) -> Subnet | None:
    nic = estate.get(nic_id)
    cfgs = getattr(nic, "ip_configs", ())
    cfg = next((c for c in cfgs if c.primary and c.subnet_id), None) or next((c for c in cfgs if c.subnet_id), None)
    return estate.subnet(cfg.subnet_id) if cfg is not None else None


def describe_hop(r: EffectiveRoute) -> str:
    ips = ", ".join(str(i) for i in r.next_hop_ips)
    return f"{r.next_hop_type}{' ' + ips if ips else ''}"


def routes_text(rows: Iterable[EffectiveRoute]) -> list[list[str]]:
    """The table rows as the portal's "Effective routes" blade shows them."""
    return [[r.source, r.state, ", ".join(r.prefix_text()), r.next_hop_type,
             ", ".join(str(i) for i in r.next_hop_ips) or "-"] for r in rows]  # fmt: skip


def resolve_subnet(estate: Estate, ref: str) -> Subnet | None:
    """A subnet by ID or ``VNET/SUBNET`` (any VNet reference form before the last ``/``); None if neither.

    Raises :class:`~netplan.errors.RefError` when the VNet part is ambiguous, or when the VNet
    exists but has no such subnet (naming its subnets).
    """

    text = ref.strip()
    if text.startswith("/"):
        sub = estate.subnet(text)
        if sub is not None:
            return sub
        if "/subnets/" in text.lower():
            raise RefError(f"subnet '{text}' is not in the estate")
        return None
    if "/" not in text:
        return None
    vref, _, name = text.rpartition("/")
    try:
        vnet = estate.resolve_vnet(vref)
    except RefError:
        return None
    sub = next((s for s in vnet.subnets if s.name.lower() == name.lower()), None)
    if sub is None:
        names = ", ".join(s.name for s in vnet.subnets) or "none"
        raise RefError(f"VNet {short_id(vnet.id)} has no subnet '{name}' (its subnets: {names})")
    return sub


def resolve_subnet_or_nic(estate: Estate, ref: str) -> tuple[Subnet, str | None]:
    """SUBNET (ID or ``VNET/SUBNET``) or a NIC (ID or name): the subnet, and the NIC ID if one was named."""

    text = ref.strip()
    nic = estate.get(text) if text.startswith("/") else None
    if nic is None and "/" not in text:
        matches = [n for n in estate.nics if n.name.lower() == text.lower()]
        if len(matches) > 1:
            raise RefError(f"'{text}' matches {len(matches)} network interfaces, give one of: "
                           + ", ".join(n.id for n in matches))  # fmt: skip
        nic = matches[0] if matches else None
    if nic is not None and hasattr(nic, "ip_configs"):
        sub = subnet_of_nic(estate, nic.id)
        if sub is None:
            raise RefError(f"network interface {short_id(nic.id)} has no IP configuration in a subnet of the estate")
        return sub, nic.id
    sub = resolve_subnet(estate, text)
    if sub is None:
        raise RefError(f"'{text}' is neither a subnet (VNET/SUBNET or a subnet ID) nor a network interface in the estate")
    return sub, None
