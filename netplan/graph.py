"""The estate as a graph, and the diagrams drawn from it (Graphviz dot, Mermaid, node-link JSON).

:func:`build_graph` turns an :class:`~netplan.estate.Estate` into a :class:`networkx.MultiDiGraph`:
one node per VNet (and per VNet that a peering names but the snapshot lacks, marked
``external``), one edge per peering *link* (so a peering is two edges, and an Initiated one is a
single edge), and, unless ``resources=False``, nodes for gateways, internal load balancer
frontends, private endpoints and the services they connect to (marked ``external`` when outside
the snapshot), Private DNS zones with one edge per VNet link, and the declared on-prem networks.
Node keys are :func:`netplan.ids.rid_key` of the resource ID (``onprem:<name>`` for on-prem), so
lookups are case-insensitive; the ``id`` attribute keeps the original spelling. Every attribute
is a plain JSON value. Building is one pass over the resources: fine for 10,000 VNets.

The renderers draw what a person wants to see: VNets as boxes (name and prefixes) grouped by
subscription and region, each peering as one line labelled with its state (Connected solid,
Initiated dashed, Disconnected red), sync problems, disabled access, gateway transit and global
peering; overlapping VNets filled by the overlap's severity (red: an error that blocks a peering,
orange: a warning inside one routing domain, grey: VNets that never route to each other, which is
legitimate, P3). :func:`neighbourhood` cuts the graph down to the VNets
within N peerings of one VNet, with their resources. Output is deterministic (sorted), so golden
files can lock it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    import networkx as nx

from netplan.addr import Prefix
from netplan.estate import Estate
from netplan.ids import name_of, parent_id, parse_id, rid_key, sub_and_group
from netplan.jsonout import Stream
from netplan.model import Peering, PeeringState, SyncLevel, VNet, ZoneLink
from netplan.overlaps import find_overlaps

#: Node kinds.
VNET, LB_FRONTEND, PRIVATE_ENDPOINT, SERVICE, PLS, GATEWAY, ZONE, ONPREM = (
    "vnet", "lb-frontend", "private-endpoint", "service", "private-link-service", "gateway", "dns-zone", "onprem",
)  # fmt: skip
#: Edge kinds.
PEERING, CONTAINS, CONNECTS, FRONTS, ZONE_LINK = "peering", "contains", "connects", "fronts", "zone-link"


class _Eager:
    """The walk's sink for a graph object (networkx's, or anything with ``add_node`` / ``add_edge``):
    each node and edge is added with its attributes at once."""

    __slots__ = ("g",)

    def __init__(self, g: Any) -> None:
        self.g = g

    def __contains__(self, n: object) -> bool:
        return n in self.g

    def node(self, n: str, make: Callable[..., dict[str, Any]], *args: Any) -> None:
        self.g.add_node(n, **make(*args))

    def edge(self, u: str, v: str, key: str, make: Callable[..., dict[str, Any]], *args: Any) -> None:
        self.g.add_edge(u, v, key=key, **make(*args))


#: How a node's or an edge's attributes are made: the function and its arguments.
_Maker = tuple[Callable[..., dict[str, Any]], tuple[Any, ...]]


class _Lazy:
    """The walk's sink for the node-link JSON of a whole estate (:func:`node_link_stream`), which
    runs no graph algorithm: each node and edge keeps only how its attributes are made, and they
    are made when it is written (as a networkx graph's would be: added again, a node or an edge is
    updated with the new attributes; an edge's missing end is a node without attributes). The
    attributes of a whole 10k-VNet estate held at once cost several times its model's memory."""

    __slots__ = ("edges", "nodes")

    def __init__(self) -> None:
        #: Node key -> how its attributes are made.
        self.nodes: dict[str, list[_Maker]] = {}
        #: (source, target, key) -> how its attributes are made.
        self.edges: dict[tuple[str, str, str], list[_Maker]] = {}

    def __contains__(self, n: object) -> bool:
        return n in self.nodes

    def node(self, n: str, make: Callable[..., dict[str, Any]], *args: Any) -> None:
        self.nodes.setdefault(n, []).append((make, args))

    def edge(self, u: str, v: str, key: str, make: Callable[..., dict[str, Any]], *args: Any) -> None:
        nodes = self.nodes
        if u not in nodes:
            nodes[u] = []
        if v not in nodes:
            nodes[v] = []
        self.edges.setdefault((u, v, key), []).append((make, args))


def _attrs(makers: list[_Maker]) -> dict[str, Any]:
    """The attributes of a node or an edge: its makers' dicts, each updating the one before."""
    if len(makers) == 1:
        make, args = makers[0]
        return make(*args)
    out: dict[str, Any] = {}
    for make, args in makers:
        out.update(make(*args))
    return out


_STRUCTS: dict[tuple[str, ...], type[msgspec.Struct]] = {}


def _struct(names: tuple[str, ...]) -> type[msgspec.Struct]:
    """A msgspec Struct class whose members are ``names``, in that order (one per list of names)."""
    cls = _STRUCTS.get(names)
    if cls is None:
        cls = _STRUCTS[names] = msgspec.defstruct("_Item", [(n, Any) for n in names])
    return cls


class _Shape:
    """A maker of the attributes of a kind of node or edge that a graph holds tens of thousands of
    (VNets, peering links, zone links): the attribute names in order, and a function of the walk's
    arguments giving their values. Called, it makes the attribute dict, as every maker does; the
    node-link JSON instead makes a msgspec Struct of the same members in the same order (a node's
    ``id`` first, an edge's ``source``, ``target`` and ``key`` last), which :mod:`netplan.jsonout`
    writes as the same text as the dict, without building the dict."""

    __slots__ = ("as_edge", "as_node", "names", "values")

    def __init__(self, names: tuple[str, ...], values: Callable[..., tuple[Any, ...]]) -> None:
        self.names = names
        self.values = values
        self.as_node = _struct(("id", *names))
        self.as_edge = _struct((*names, "source", "target", "key"))

    def __call__(self, *args: Any) -> dict[str, Any]:
        return dict(zip(self.names, self.values(*args), strict=True))


#: The attributes of a VNet node (of the snapshot's VNets and of the remote VNets it lacks).
_VNET_ATTRS = (
    "kind", "resource_id", "name", "location", "subscription", "resource_group", "prefixes", "overlapping",
    "overlap_severity", "external", "dns_servers", "gateways", "forwarder", "forwarder_ip",
)  # fmt: skip
#: The attributes of a peering link's edge.
_PEERING_ATTRS = (
    "kind", "resource_id", "name", "state", "sync_level", "allow_virtual_network_access", "allow_forwarded_traffic",
    "allow_gateway_transit", "use_remote_gateways", "global", "remote_prefixes", "peer_complete_vnets",
    "local_subnets", "remote_subnets",
)  # fmt: skip
#: The attributes of a DNS zone's VNet link edge.
_ZONE_LINK_ATTRS = ("kind", "resource_id", "name", "registration_enabled", "resolution_policy")


def build_graph(
    estate: Estate, overlapping: Iterable[str] | Mapping[str, str] | None = None, resources: bool = True,
    into: Any = None,
) -> Any:
    """The estate as a MultiDiGraph (see the module docstring for nodes, edges and attributes).

    ``overlapping``: IDs of VNets whose address space overlaps another's, or a mapping from those
    IDs to the worst severity of their overlaps (``error``, ``warning``, ``info``, as
    :func:`vnets_overlapping` returns); their nodes get ``overlapping=True`` and
    ``overlap_severity``. ``resources=False`` keeps only VNets, peering links and on-prem networks.
    ``into``: the empty graph to fill (anything with networkx's ``add_node``, ``add_edge`` and ``in``).
    """
    # networkx is imported here, not at the top: it costs about 20 MB and a third of a second, and
    # every command imports this module through the CLI while only graph drawing needs networkx.
    if into is None:
        import networkx as nx

        into = nx.MultiDiGraph()
    _walk(estate, overlapping, resources, _Eager(into))
    return into


def _walk(estate: Estate, overlapping: Iterable[str] | Mapping[str, str] | None, resources: bool, g: Any) -> None:
    """Give every node and edge of the estate's graph to the sink ``g`` (:class:`_Eager`,
    :class:`_Lazy`), in the order a graph is built, with the function that makes its attributes."""
    if isinstance(overlapping, Mapping):
        over: dict[str, str | None] = {rid_key(k): v for k, v in overlapping.items()}
    else:
        over = {rid_key(k): None for k in overlapping or ()}
    forwarders = {rid_key(f.vnet_id): f for f in estate.forwarders}
    gateways: dict[str, list[str]] = {}
    for gw in estate.gateways:
        if gw.vnet_id:
            gateways.setdefault(rid_key(gw.vnet_id), []).append(gw.gateway_type)
    texts = _prefix_texts(encoded=isinstance(g, _Lazy))

    def vnet_values(v: VNet, vk: str) -> tuple[Any, ...]:
        fwd = forwarders.get(vk)
        sub, group = sub_and_group(v.id)
        return (
            VNET, v.id, v.name, v.location, sub, group, texts(v.address_prefixes), vk in over, over.get(vk), False,
            list(map(str, v.dns_servers)) if v.dns_servers else [], gateways.get(vk, []), fwd.device if fwd else None,
            str(fwd.ip) if fwd and fwd.ip else None,
        )  # fmt: skip

    def remote_values(p: Peering, rk: str) -> tuple[Any, ...]:
        pid = parse_id(p.remote_vnet_id)
        return (
            VNET, p.remote_vnet_id, pid.name or name_of(p.remote_vnet_id), "", pid.subscription, pid.resource_group,
            texts(p.remote_current_prefixes), rk in over, over.get(rk), True, [], [], None, None,
        )  # fmt: skip

    def peering_values(p: Peering, v: VNet, rk: str) -> tuple[Any, ...]:
        return _peering_values(p, v, by_key.get(rk), texts)

    vnet_attrs = _Shape(_VNET_ATTRS, vnet_values)
    remote_attrs = _Shape(_VNET_ATTRS, remote_values)
    peering_attrs = _Shape(_PEERING_ATTRS, peering_values)
    # Each node's key string once: an edge names its two ends by the same strings (memory at 10k VNets).
    vnet_keys = [v.key for v in estate.vnets]
    keys = dict(zip(vnet_keys, vnet_keys, strict=True))
    by_key = dict(zip(vnet_keys, estate.vnets, strict=True))
    for v, vk in zip(estate.vnets, vnet_keys, strict=True):
        g.node(vk, vnet_attrs, v, vk)
    # A link names its remote VNet mostly by the very text of that VNet's ID: found by the text (a
    # hash), not by a lower-cased copy of it.
    by_text = dict(zip([v.id for v in estate.vnets], vnet_keys, strict=True))
    for v, vk in zip(estate.vnets, vnet_keys, strict=True):
        for p in v.peerings:
            rk = by_text.get(p.remote_vnet_id)
            if rk is None:
                rk = rid_key(p.remote_vnet_id)
                rk = keys.get(rk) or keys.setdefault(rk, rk)
            if rk not in g:
                g.node(rk, remote_attrs, p, rk)
            g.edge(vk, rk, p.key, peering_attrs, p, v, rk)
    for net in estate.onprem:
        nk = f"onprem:{net.name}"
        g.node(nk, dict, {"kind": ONPREM, "resource_id": None, "name": net.name, "prefixes": [str(p) for p in net.prefixes], "external": False})
        if net.via_vnet_id and rid_key(net.via_vnet_id) in g:
            via = rid_key(net.via_vnet_id)
            g.edge(via, nk, f"{via}->{nk}", dict, {"kind": CONNECTS, "via_gateway": bool(gateways.get(via))})
    if resources:
        _add_resources(g, estate, by_key)


def _prefix_texts(encoded: bool) -> Callable[[tuple[Prefix, ...]], Any]:
    """``[str(p) for p in prefixes]``, made once per list of prefix objects: the loader shares one
    object per prefix text, and a graph writes each VNet's address space again on every peering to
    it (most of a 10k-VNet estate's 200,000 prefix texts). The memo is keyed by the identities of
    the objects (and of the tuple: a VNet's own, asked again for each link that peers all of it) and
    holds them, so that no other object can take one of those identities. ``encoded``: the texts as
    their JSON (a :class:`msgspec.Raw`, shared by every item that holds them, for the node-link JSON),
    else a new list at each call (a graph's attributes may be changed by its user)."""
    memo: dict[tuple[int, ...], tuple[tuple[Prefix, ...], Any]] = {}
    by_tuple: dict[int, tuple[tuple[Prefix, ...], Any]] = {}
    get = memo.get

    def texts(prefixes: tuple[Prefix, ...]) -> Any:
        hit = by_tuple.get(id(prefixes))
        if hit is None:
            key = tuple(map(id, prefixes))
            hit = get(key)
            if hit is None:
                strs = [str(p) for p in prefixes]
                hit = memo[key] = (prefixes, msgspec.Raw(_ENCODE(strs)) if encoded else strs)
            by_tuple[id(prefixes)] = (prefixes, hit[1])
        return hit[1] if encoded else list(hit[1])

    return texts


_ENCODE = msgspec.json.Encoder().encode


def _peering_values(
    p: Peering, local: VNet, remote: VNet | None, texts: Callable[[tuple[Prefix, ...]], Any]
) -> tuple[Any, ...]:
    is_global = None if remote is None or not local.location or not remote.location else local.location != remote.location
    peered = p.remote_prefixes
    if remote is not None and peered == remote.address_prefixes:
        peered = remote.address_prefixes  # the same texts: those of the remote VNet's node
    return (
        PEERING, p.id, p.name, str(p.state), str(p.sync_level) if p.sync_level else None,
        p.allow_virtual_network_access, p.allow_forwarded_traffic, p.allow_gateway_transit, p.use_remote_gateways,
        is_global, texts(peered), p.peer_complete_vnets, list(p.local_subnet_names), list(p.remote_subnet_names),
    )  # fmt: skip


def _add_resources(g: Any, estate: Estate, vnets: Mapping[str, VNet]) -> None:
    """The resource nodes and their edges (see :func:`_walk`; ``vnets``: its VNets by key, as
    :meth:`Estate.vnet` finds them); small, so their attributes are made as they are walked."""

    def vnet_key(subnet_id: str | None) -> str | None:
        # Estate.vnet_of_subnet's key, from the walk's index (not the Estate's, built again).
        vid = parent_id(subnet_id) if subnet_id else ""
        if not vid:
            return None
        k = rid_key(vid)
        return k if k in vnets else None

    for gw in estate.gateways:
        g.node(gw.key, dict, {"kind": GATEWAY, "resource_id": gw.id, "name": gw.name, "gateway_type": gw.gateway_type, "sku": gw.sku,
               "external": False})  # fmt: skip
        if gw.vnet_id and rid_key(gw.vnet_id) in g:
            g.edge(rid_key(gw.vnet_id), gw.key, f"contains:{gw.key}", dict, {"kind": CONTAINS})
    for lb in estate.load_balancers:
        for fe in lb.frontends:
            if not fe.is_internal:
                continue
            g.node(
                fe.key, dict, {"kind": LB_FRONTEND, "resource_id": fe.id, "name": f"{lb.name}/{fe.name}", "lb": lb.id, "sku": lb.sku,
                "ip": str(fe.private_ip) if fe.private_ip else None, "subnet": fe.subnet_id, "external": False})  # fmt: skip
            vk = vnet_key(fe.subnet_id)
            if vk is not None:
                g.edge(vk, fe.key, f"contains:{fe.key}", dict, {"kind": CONTAINS})
    for pls in estate.private_link_services:
        g.node(pls.key, dict, {"kind": PLS, "resource_id": pls.id, "name": pls.name, "alias": pls.alias, "external": False})
        for fid in pls.frontend_ids:
            if rid_key(fid) in g:
                g.edge(pls.key, rid_key(fid), f"fronts:{rid_key(fid)}", dict, {"kind": FRONTS})
    # Which services behind private endpoints are in the snapshot, in one pass (not Estate.by_id).
    present = estate.present(c.target_id for pe in estate.private_endpoints for c in pe.connections)
    for pe in estate.private_endpoints:
        g.node(
            pe.key, dict, {"kind": PRIVATE_ENDPOINT, "resource_id": pe.id, "name": pe.name,
            "ips": [str(ip) for ip in estate.endpoint_ips(pe)], "subnet": pe.subnet_id, "external": False})  # fmt: skip
        vk = vnet_key(pe.subnet_id)
        if vk is not None:
            g.edge(vk, pe.key, f"contains:{pe.key}", dict, {"kind": CONTAINS})
        for c in pe.connections:
            tk = rid_key(c.target_id)
            if tk not in g:
                # A PaaS resource (storage, database) or a Private Link Service the snapshot lacks.
                tp = parse_id(c.target_id)
                g.node(tk, dict, {"kind": SERVICE, "resource_id": c.target_id, "name": tp.name or name_of(c.target_id),
                       "service_type": tp.type, "external": tk not in present})  # fmt: skip
            g.edge(pe.key, tk, f"connects:{c.name}", dict, {"kind": CONNECTS, "status": str(c.status),
                   "group_ids": list(c.group_ids), "manual": c.manual})  # fmt: skip
    for z in estate.zones:
        g.node(z.key, dict, {"kind": ZONE, "resource_id": z.id, "name": z.name, "external": False})
    # Thousands of links name a few zones and each VNet: each ID spelling keyed once.
    keyed: dict[str, str] = {}
    for link in estate.zone_links:
        zk = keyed.get(link.zone_id) or keyed.setdefault(link.zone_id, rid_key(link.zone_id))
        vk = keyed.get(link.vnet_id) or keyed.setdefault(link.vnet_id, rid_key(link.vnet_id))
        if zk in g and vk in g:
            g.edge(zk, vk, link.key, _ZONE_LINK, link)


def _zone_link_values(link: ZoneLink) -> tuple[Any, ...]:
    return (ZONE_LINK, link.id, link.name, link.registration_enabled, str(link.resolution_policy))


_ZONE_LINK = _Shape(_ZONE_LINK_ATTRS, _zone_link_values)


# ---------------------------------------------------------------------------------------------
# Cutting the graph down


def neighbourhood(g: nx.MultiDiGraph, vnet_key: str, depth: int = 1) -> nx.MultiDiGraph:
    """The VNets within ``depth`` peering links (either direction) of ``vnet_key``, with everything
    attached to them (resources, zones, on-prem): a breadth-first walk over peering edges only."""
    start = rid_key(vnet_key)
    seen = {start}
    frontier = [start]
    for _ in range(max(depth, 0)):
        nxt = []
        for n in frontier:
            for _u, m, d in g.out_edges(n, data=True):
                if d.get("kind") == PEERING and m not in seen:
                    seen.add(m)
                    nxt.append(m)
            for m, _v, d in g.in_edges(n, data=True):
                if d.get("kind") == PEERING and m not in seen:
                    seen.add(m)
                    nxt.append(m)
        frontier = nxt
    keep = set(seen)
    for n in seen:
        for _u, m, d in g.out_edges(n, data=True):
            if d.get("kind") != PEERING:
                keep.add(m)
                # A private endpoint's service, a PLS's frontend: one more step out.
                keep.update(m2 for _x, m2, d2 in g.out_edges(m, data=True) if d2.get("kind") in (CONNECTS, FRONTS))
        for m, _v, d in g.in_edges(n, data=True):
            if d.get("kind") == ZONE_LINK:
                keep.add(m)
    # Keep PLSs whose frontends are shown, and VNet nodes only from the walk.
    for n, d in g.nodes(data=True):
        if d.get("kind") == PLS and any(m in keep for m in g.successors(n)):
            keep.add(n)
    return g.subgraph(keep).copy()


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def vnets_overlapping(estate: Estate) -> dict[str, str]:
    """VNet ID -> the worst severity of its overlaps (``error``, ``warning``, ``info``)."""
    out: dict[str, str] = {}
    for group in find_overlaps(estate).groups:
        severity = str(group.severity)
        for vid in group.vnet_ids():
            old = out.get(vid)
            if old is None or _SEVERITY_ORDER.get(severity, 0) < _SEVERITY_ORDER.get(old, 0):
                out[vid] = severity
    return out


# ---------------------------------------------------------------------------------------------
# Peerings as one line per VNet pair


class _Pair:
    """The (one or two) links of one peering, for drawing it once."""

    def __init__(self, a: str, b: str) -> None:
        self.a, self.b = a, b
        self.links: dict[str, dict[str, Any]] = {}  # local node -> link attributes

    @property
    def state(self) -> str:
        states = {d["state"] for d in self.links.values()}
        if len(self.links) == 2 and states == {str(PeeringState.CONNECTED)}:
            return "Connected"
        if str(PeeringState.DISCONNECTED) in states:
            return "Disconnected"
        return "Initiated"

    def label(self, g: nx.MultiDiGraph) -> str:
        parts = [self.state]
        if self.state != "Connected" or len(self.links) == 1:
            only = [g.nodes[k]["name"] for k, d in self.links.items()]
            if len(self.links) == 1:
                parts[0] += f" ({only[0]} only)"
        syncs = sorted({d["sync_level"] for d in self.links.values()
                        if d["sync_level"] and d["sync_level"] != str(SyncLevel.FULLY_IN_SYNC)})  # fmt: skip
        parts.extend(syncs)
        for k, d in sorted(self.links.items()):
            if not d["allow_virtual_network_access"]:
                parts.append(f"access off ({g.nodes[k]['name']})")
        for k, d in sorted(self.links.items()):
            other = self.b if k == self.a else self.a
            back = self.links.get(other)
            if d["use_remote_gateways"] and back is not None and back["allow_gateway_transit"]:
                parts.append(f"gateway transit via {g.nodes[other]['name']}")
        if any(d["global"] for d in self.links.values()):
            parts.append("global")
        if any(not d["peer_complete_vnets"] for d in self.links.values()):
            parts.append("subnet-level")
        return ", ".join(parts)

    @property
    def problem(self) -> bool:
        return self.state != "Connected" or any(
            (d["sync_level"] and d["sync_level"] != str(SyncLevel.FULLY_IN_SYNC)) or not d["allow_virtual_network_access"]
            for d in self.links.values()
        )


def _pairs(g: nx.MultiDiGraph) -> list[_Pair]:
    pairs: dict[tuple[str, str], _Pair] = {}
    for u, v, d in g.edges(data=True):
        if d.get("kind") != PEERING:
            continue
        a, b = sorted((u, v))
        pair = pairs.setdefault((a, b), _Pair(a, b))
        pair.links[u] = d
    return [pairs[k] for k in sorted(pairs)]


def _vnet_sort(g: nx.MultiDiGraph, n: str) -> tuple[str, str, str, str]:
    d = g.nodes[n]
    return (d.get("subscription") or "", d.get("location") or "", d.get("name") or "", n)


def _short_ids(g: nx.MultiDiGraph) -> dict[str, str]:
    """Stable short identifiers (v1, r1, ...) for the diagram languages, in sorted order."""
    vnets = sorted((n for n, d in g.nodes(data=True) if d.get("kind") == VNET), key=lambda n: _vnet_sort(g, n))
    others = sorted(n for n, d in g.nodes(data=True) if d.get("kind") != VNET)
    ids = {n: f"v{i}" for i, n in enumerate(vnets, 1)}
    ids.update({n: f"r{i}" for i, n in enumerate(others, 1)})
    return ids


def _groups(g: nx.MultiDiGraph) -> dict[str, dict[str, list[str]]]:
    """subscription -> region -> VNet nodes, sorted."""
    out: dict[str, dict[str, list[str]]] = {}
    for n, d in g.nodes(data=True):
        if d.get("kind") == VNET:
            sub = d.get("subscription") or "(unknown subscription)"
            region = d.get("location") or "(region not in snapshot)"
            out.setdefault(sub, {}).setdefault(region, []).append(n)
    for regions in out.values():
        for region in regions:
            regions[region].sort(key=lambda n: _vnet_sort(g, n))
    return {s: dict(sorted(out[s].items())) for s in sorted(out)}


def _vnet_lines(d: dict[str, Any]) -> list[str]:
    lines = [d["name"], *d["prefixes"]]
    if d.get("forwarder"):
        lines.append(f"forwarder: {d['forwarder']}" + (f" {d['forwarder_ip']}" if d.get("forwarder_ip") else ""))
    if d.get("gateways"):
        lines.append("gateway: " + ", ".join(sorted(d["gateways"])))
    if d.get("overlapping"):
        sev = d.get("overlap_severity")
        lines.append(f"OVERLAPS ({sev})" if sev else "OVERLAPS")
    if d.get("external"):
        lines.append("(not in snapshot)")
    return lines


def _resource_lines(d: dict[str, Any]) -> list[str]:
    kind = d["kind"]
    if kind == LB_FRONTEND:
        return [f"LB {d['name']}", f"{d.get('ip') or '?'} ({d.get('sku')})"]
    if kind == PRIVATE_ENDPOINT:
        return [f"PE {d['name']}", ", ".join(d.get("ips") or []) or "?"]
    if kind == SERVICE:
        return [d["name"], d.get("service_type") or "service", *(["(not in snapshot)"] if d.get("external") else [])]
    if kind == PLS:
        return [f"PLS {d['name']}"]
    if kind == GATEWAY:
        return [f"{d.get('gateway_type')} gateway {d['name']}"]
    if kind == ZONE:
        return [f"zone {d['name']}"]
    if kind == ONPREM:
        return [f"on-prem {d['name']}", *d.get("prefixes", [])]
    return [str(d.get("name"))]


# ---------------------------------------------------------------------------------------------
# Graphviz dot


def _dq(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_label(lines: list[str]) -> str:
    return _dq("\n".join(lines)).replace("\n", "\\n")


_DOT_SHAPES = {LB_FRONTEND: "component", PRIVATE_ENDPOINT: "cds", SERVICE: "box3d", PLS: "component",
               GATEWAY: "hexagon", ZONE: "note", ONPREM: "folder"}  # fmt: skip


#: Overlap severity -> (fill, border): red blocks a peering, orange shares a routing domain, grey
#: never routes (legitimate, P3).
_OVERLAP_COLORS = {"error": ("#f8d0d0", "#c00000"), "warning": ("#fde8c8", "#d08000"), "info": ("#eeeeee", "#808080")}


def to_dot(g: nx.MultiDiGraph, title: str = "vnetplan") -> str:
    """Graphviz source: ``dot -Tsvg``. Subscriptions and regions are clusters."""
    ids = _short_ids(g)
    out = [
        f"digraph {_dq(title)} {{",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11, compound=true, newrank=true];',
        '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9, dir=none];',
    ]
    for si, (sub, regions) in enumerate(_groups(g).items(), 1):
        out.append(f"  subgraph cluster_s{si} {{")
        out.append(f"    label={_dq('subscription ' + sub)}; style=dashed; color=grey50;")
        for ri, (region, nodes) in enumerate(regions.items(), 1):
            out.append(f"    subgraph cluster_s{si}_r{ri} {{")
            out.append(f"      label={_dq(region)}; style=rounded; color=grey70;")
            for n in nodes:
                d = g.nodes[n]
                attrs = [f"label={_dot_label(_vnet_lines(d))}"]
                if d.get("overlapping"):
                    fill, line = _OVERLAP_COLORS.get(d.get("overlap_severity") or "error", _OVERLAP_COLORS["error"])
                    attrs.append(f'style="rounded,filled", fillcolor="{fill}", color="{line}"')
                elif d.get("external"):
                    attrs.append('style="rounded,dashed", color=grey50')
                out.append(f"      {ids[n]} [{', '.join(attrs)}];")
            out.append("    }")
        out.append("  }")
    for n in sorted((n for n, d in g.nodes(data=True) if d.get("kind") != VNET), key=lambda n: ids[n]):
        d = g.nodes[n]
        style = ', style=dashed, color=grey50' if d.get("external") else ""
        out.append(f"  {ids[n]} [shape={_DOT_SHAPES.get(d['kind'], 'box')}, label={_dot_label(_resource_lines(d))}{style}];")
    for pair in _pairs(g):
        state = pair.state
        attrs = [f"label={_dq(pair.label(g))}"]
        if state == "Initiated":
            attrs.append("style=dashed")
        elif state == "Disconnected":
            attrs.append("color=red, fontcolor=red")
        if state == "Connected" and pair.problem:
            attrs.append('color="#d08000", fontcolor="#d08000"')
        if len(pair.links) == 1:
            # Point from the side that created its link towards the side that did not.
            (local,) = pair.links
            a, b = local, (pair.b if local == pair.a else pair.a)
            attrs.append("dir=forward")
        else:
            a, b = pair.a, pair.b
        out.append(f"  {ids[a]} -> {ids[b]} [{', '.join(attrs)}];")
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (ids[e[0]], ids[e[1]], e[2].get("kind", ""))):
        kind = d.get("kind")
        if kind == PEERING:
            continue
        label = ""
        if kind == ZONE_LINK:
            extra = [x for x in ("registration" if d.get("registration_enabled") else "",
                                 "NxDomainRedirect" if d.get("resolution_policy") == "NxDomainRedirect" else "") if x]  # fmt: skip
            label = ", ".join(["link", *extra])
        elif kind == CONNECTS and d.get("status"):
            label = str(d["status"])
        elif kind == CONNECTS:
            label = "gateway" if d.get("via_gateway") else "declared"
        style = "dotted" if kind in (ZONE_LINK, FRONTS) else "solid"
        color = ', color=red, fontcolor=red' if kind == CONNECTS and d.get("status") not in (None, "Approved") else ""
        lbl = f", label={_dq(label)}" if label else ""
        out.append(f"  {ids[u]} -> {ids[v]} [style={style}, dir=forward{lbl}{color}];")
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Mermaid


def _mq(text: str) -> str:
    """Mermaid label text: quotes and pipes would end the label."""
    return text.replace('"', "#quot;").replace("|", "#124;")


def to_mermaid(g: nx.MultiDiGraph) -> str:
    """A Mermaid flowchart (renders in GitHub/GitLab Markdown and most wikis)."""
    ids = _short_ids(g)
    out = ["flowchart LR"]
    for si, (sub, regions) in enumerate(_groups(g).items(), 1):
        out.append(f'  subgraph s{si}["subscription {_mq(sub)}"]')
        for ri, (region, nodes) in enumerate(regions.items(), 1):
            out.append(f'    subgraph s{si}r{ri}["{_mq(region)}"]')
            for n in nodes:
                out.append(f'      {ids[n]}["{_mq("<br/>".join(_vnet_lines(g.nodes[n])))}"]')
            out.append("    end")
        out.append("  end")
    for n in sorted((n for n, d in g.nodes(data=True) if d.get("kind") != VNET), key=lambda n: ids[n]):
        d = g.nodes[n]
        text = _mq("<br/>".join(_resource_lines(d)))
        shape = {GATEWAY: ("{{", "}}"), ONPREM: ("[(", ")]"), ZONE: ("[/", "/]"), SERVICE: ("[[", "]]")}.get(d["kind"], ("(", ")"))
        out.append(f'  {ids[n]}{shape[0]}"{text}"{shape[1]}')
    edge_no = 0
    styles: list[str] = []
    for pair in _pairs(g):
        state = pair.state
        if len(pair.links) == 1:
            (local,) = pair.links
            a, b = local, (pair.b if local == pair.a else pair.a)
            # One link only: an arrow from the side that has it; dashed unless Disconnected (red).
            arrow = "-->" if state == "Disconnected" else "-.->"
        else:
            a, b = pair.a, pair.b
            arrow = "-.-" if state == "Initiated" else "---"
        out.append(f'  {ids[a]} {arrow}|"{_mq(pair.label(g))}"| {ids[b]}')
        if state == "Disconnected":
            styles.append(f"  linkStyle {edge_no} stroke:#c00000,stroke-width:2px,color:#c00000")
        elif state == "Connected" and pair.problem:
            styles.append(f"  linkStyle {edge_no} stroke:#d08000,color:#d08000")
        edge_no += 1
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (ids[e[0]], ids[e[1]], e[2].get("kind", ""))):
        kind = d.get("kind")
        if kind == PEERING:
            continue
        label = ""
        if kind == ZONE_LINK:
            label = "link" + (", registration" if d.get("registration_enabled") else "")
        elif kind == CONNECTS:
            label = str(d["status"]) if d.get("status") else ("gateway" if d.get("via_gateway") else "declared")
        arrow = "-.->" if kind in (ZONE_LINK, FRONTS) else "-->"
        out.append(f'  {ids[u]} {arrow}{"|" + _mq(label) + "|" if label else ""} {ids[v]}')
        if kind == CONNECTS and d.get("status") not in (None, "Approved"):
            styles.append(f"  linkStyle {edge_no} stroke:#c00000,color:#c00000")
        edge_no += 1
    out.extend(styles)
    ext = [ids[n] for n, d in g.nodes(data=True) if d.get("external")]
    for sev, cls in (("error", "overlap"), ("warning", "overlapWarning"), ("info", "overlapInfo")):
        fill, line = _OVERLAP_COLORS[sev]
        out.append(f"  classDef {cls} fill:{fill},stroke:{line},stroke-width:2px")
    out.append("  classDef external stroke-dasharray:4 3,stroke:#808080")
    for sev, cls in (("error", "overlap"), ("warning", "overlapWarning"), ("info", "overlapInfo")):
        over = [ids[n] for n, d in g.nodes(data=True)
                if d.get("overlapping") and (d.get("overlap_severity") or "error") == sev]  # fmt: skip
        if over:
            out.append(f"  class {','.join(sorted(over, key=_id_order))} {cls}")
    if ext:
        out.append(f"  class {','.join(sorted(ext, key=_id_order))} external")
    return "\n".join(out) + "\n"


def _id_order(short: str) -> tuple[str, int]:
    return (short[0], int(short[1:]))


# ---------------------------------------------------------------------------------------------
# JSON


def to_node_link(g: nx.MultiDiGraph) -> dict[str, Any]:
    """Node-link data (the shape of :func:`networkx.node_link_data` with ``edges="edges"``), sorted.

    Node ``id`` is the node key (the lower-cased resource ID); ``resource_id`` keeps the original spelling."""
    return {
        "directed": True,
        "multigraph": True,
        "graph": dict(g.graph),
        "nodes": [{"id": n, **g.nodes[n]} for n in sorted(g.nodes)],
        "edges": [
            {**d, "source": u, "target": v, "key": k}
            for u, v, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], str(e[2])))
        ],
    }


def node_link_stream(
    estate: Estate, overlapping: Iterable[str] | Mapping[str, str] | None = None
) -> dict[str, Any]:
    """:func:`to_node_link` of :func:`build_graph` of the whole estate with its resources, the nodes
    and edges as :class:`~netplan.jsonout.Stream` arrays: :func:`netplan.jsonout.write_json` writes
    the same text (a test compares it with networkx's), without the graph (:class:`_Lazy`): each
    item is made when it is written, a VNet, peering link or zone link as a Struct (:class:`_Shape`)
    and prefix lists as their JSON. No attribute is a float (:attr:`Stream.basic`)."""
    g = _Lazy()
    _walk(estate, overlapping, True, g)
    nodes, edges = g.nodes, g.edges

    def node_items() -> Iterator[Any]:
        for n in sorted(nodes):
            makers = nodes[n]
            if len(makers) == 1:
                make, args = makers[0]
                if isinstance(make, _Shape):
                    yield make.as_node(n, *make.values(*args))
                    continue
            yield {"id": n, **_attrs(makers)}

    def edge_items() -> Iterator[Any]:
        # Every edge key is a string: sorted as (source, target, key), as to_node_link sorts.
        for e in sorted(edges):
            makers = edges[e]
            if len(makers) == 1:
                make, args = makers[0]
                if isinstance(make, _Shape):
                    yield make.as_edge(*make.values(*args), *e)
                    continue
            d = _attrs(makers)  # a new dict: keys already in it keep their place, as in {**d, ...}
            d["source"], d["target"], d["key"] = e
            yield d

    return {
        "directed": True,
        "multigraph": True,
        "graph": {},
        "nodes": Stream(node_items(), plain=True, basic=True),
        "edges": Stream(edge_items(), plain=True, basic=True),
    }


def to_json(g: nx.MultiDiGraph) -> str:
    return json.dumps(to_node_link(g), indent=2, ensure_ascii=False) + "\n"
