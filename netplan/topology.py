"""The peering topology every analysis shares: who is linked to whom, and routing domains.

A peering is two link objects (P1); for questions such as "are these VNets peered?" or "could
traffic ever pass between them?" the tool needs the VNet pairs, not the links. This module builds,
once per :class:`~netplan.estate.Estate` and in time linear in VNets + peerings:

- :func:`peered_pairs`: every VNet pair with at least one link between them, in any state, with
  the links themselves (a pair whose only link is ``Initiated`` still blocks a second peering and
  still trips Azure's overlap checks);
- :func:`neighbours` / :func:`common_peers`: the adjacency behind the third-VNet rule (P3);
- :func:`routing_domains`: a union-find over peering links in any state, plus declared on-prem
  networks joined to their ``via`` VNet (which, through gateway transit, is the domain of every
  spoke using that gateway). Two VNets in different domains never exchange traffic, whatever
  the flags; two in one domain may, through a forwarding hub or a shared gateway. The domain is
  deliberately generous (any state, any flag): it answers "could this overlap ever matter?".

:class:`LinkGraph` answers the overlap analysis's questions (domains, and a few pairs' links and
neighbours) as the topology would, without building its dicts of every pair and node.

Peerings may point at VNets outside the snapshot; those remote VNets are nodes too (keyed by
their ID), so two VNets peered with the same unseen hub share a domain.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from functools import cached_property
from itertools import accumulate, chain, count, repeat
from typing import TYPE_CHECKING, cast

from netplan.addr import IPAddress, Prefix
from netplan.ids import rid_key, rid_keys, short_id
from netplan.model import OnPremNetwork, Peering, PeeringState, VNet
from netplan.record import record

if TYPE_CHECKING:  # the Estate owns its topology (estate.py imports this module)
    from netplan.estate import Estate

#: Prefix of the routing-domain keys of declared on-prem networks (VNet keys start with "/").
ONPREM_KEY_PREFIX = "onprem:"


def onprem_key(net: OnPremNetwork | str) -> str:
    """The routing-domain key of a declared on-prem network (by its declared name)."""
    name = net if isinstance(net, str) else net.name
    return ONPREM_KEY_PREFIX + name.lower()


@record
class PeerPair:
    """The link objects between two VNets (``a`` < ``b``, both rid keys), one or two of them."""

    a: str
    b: str
    links: tuple[Peering, ...]

    @property
    def states(self) -> tuple[str, ...]:
        """``local-name: state`` for each link, for reasons shown to the user."""
        return tuple(f"{link.vnet_id.rsplit('/', 1)[-1]}: {link.state}" for link in self.links)

    @property
    def connected(self) -> bool:
        """Both links exist and are Connected (P1): the peering carries traffic."""
        return len(self.links) == 2 and all(link.state == PeeringState.CONNECTED for link in self.links)

    @property
    def gateway_transit(self) -> bool:
        """One side uses the other's gateway (useRemoteGateways + allowGatewayTransit, P2)."""
        by_local = {rid_key(link.vnet_id): link for link in self.links}
        for local, link in by_local.items():
            other = self.b if local == self.a else self.a
            back = by_local.get(other)
            if link.use_remote_gateways and back is not None and back.allow_gateway_transit:
                return True
        return False

    def describe(self) -> str:
        if self.connected:
            return "Connected"
        return ", ".join(self.states)


class UnionFind:
    """Disjoint sets over string keys, with path halving and union by size."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._size: dict[str, int] = {}

    def add(self, x: str) -> None:
        if x not in self._parent:
            self._parent[x] = x
            self._size[x] = 1

    def find(self, x: str) -> str:
        parent = self._parent
        if x not in parent:
            self.add(x)
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self._size[ra] < self._size[rb]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._size[ra] += self._size[rb]

    def numbered(self) -> dict[str, int]:
        """Every key with a small domain number (0, 1, ... in first-seen order)."""
        roots: dict[str, int] = {}
        out: dict[str, int] = {}
        for x in self._parent:
            r = self.find(x)
            out[x] = roots.setdefault(r, len(roots))
        return out


@record(frozen=False, slots=False)
class Topology:
    """The pair, adjacency, link and domain indexes of one Estate (:attr:`netplan.estate.Estate.topology`)."""

    #: The links between each pair of VNets, keyed as :attr:`pairs` is.
    links: dict[tuple[str, str], list[Peering]]
    #: The VNets linked with each VNet (any state); a VNet without a peering has no entry.
    adjacency: dict[str, set[str]]
    domains: dict[str, int]
    #: Original-spelling ID of every node key (VNets outside the snapshot included).
    ids: dict[str, str] = field(default_factory=dict)
    #: The key of each VNet of ``estate.vnets``, in that order.
    vnet_keys: tuple[str, ...] = ()

    @cached_property
    def pairs(self) -> dict[tuple[str, str], PeerPair]:
        """Every VNet pair ``(a, b)``, ``a < b``, with at least one link between them."""
        return {k: PeerPair(k[0], k[1], tuple(v)) for k, v in self.links.items()}

    def pair(self, key: tuple[str, str]) -> PeerPair | None:
        """The pair ``key`` of :attr:`pairs`, made alone while the whole dict is not needed (the
        overlap analysis asks for a few of thousands)."""
        if "pairs" in self.__dict__:
            return self.pairs.get(key)
        links = self.links.get(key)
        return None if links is None else PeerPair(key[0], key[1], tuple(links))


    def link(self, local: str, remote: str) -> Peering | None:
        """The link object in VNet ``local`` towards ``remote`` (rid keys), in any state, or None."""
        pair = (local, remote) if local < remote else (remote, local)
        for p in self.links.get(pair, ()):
            if rid_key(p.vnet_id) == local:
                return p
        return None


def topology(estate: Estate) -> Topology:
    """The shared topology of ``estate`` (:attr:`netplan.estate.Estate.topology`: built once)."""
    return estate.topology


def build_topology(estate: Estate) -> Topology:
    """Build the topology of ``estate``; use :attr:`Estate.topology`, which keeps it. It is built
    from the Estate's :class:`LinkGraph` (its keys, link ends and domains), so that an audit, which
    needs both, keys the IDs and joins the domains once."""
    graph = link_graph(estate)
    keys, spelled, src, dst = graph._keys, graph._spelled, graph._src, graph._dst
    # Every node in first-seen order: each owner of links (every VNet, then the VNets of peerings
    # listed without them), then the remotes of its links.
    seen: list[int] = []
    at = 0
    for owner, n in zip(graph._owners, graph._counts, strict=True):
        seen.append(owner)
        if n:
            seen += dst[at : at + n]
            at += n
    ids = {keys[x]: spelled[x] for x in dict.fromkeys(seen)}
    links: dict[tuple[str, str], list[Peering]] = {}
    adjacency: dict[str, set[str]] = {}
    for p, a, b in zip(graph._links, src, dst, strict=True):
        if a == b:
            continue  # a link to its own VNet joins nothing
        vk, rk = keys[a], keys[b]
        pair = (vk, rk) if vk < rk else (rk, vk)
        got = links.get(pair)
        if got is None:
            links[pair] = [p]
        else:
            got.append(p)
        if vk in adjacency:
            adjacency[vk].add(rk)
        else:
            adjacency[vk] = {rk}
        if rk in adjacency:
            adjacency[rk].add(vk)
        else:
            adjacency[rk] = {vk}
    # Routing domains, numbered in the order the nodes were first seen; the declared on-prem
    # networks (and via VNets seen nowhere else) after them.
    onprem_nodes: list[str] = []
    for net in estate.onprem:
        onprem_nodes.append(onprem_key(net))
        if net.via_vnet_id:
            onprem_nodes.append(rid_key(net.via_vnet_id))
    order = list(ids) + list(dict.fromkeys(x for x in onprem_nodes if x not in ids))
    roots = graph.domains()._roots
    labels = list(map(roots.__getitem__, map(graph._index.__getitem__, order)))
    number = dict(zip(dict.fromkeys(labels), count(), strict=False))
    domains = dict(zip(order, map(number.__getitem__, labels), strict=True))
    return Topology(links, adjacency, domains, ids, tuple(keys[: len(estate.vnets)]))


class LinkGraph:
    """The peering links of an Estate over numbered nodes: what the overlap analysis asks of the
    topology, at a fraction of :class:`Topology`'s cost (:func:`link_graph` keeps one per Estate).

    The analysis needs the routing domain of every VNet with an overlapping prefix (a third of a
    large estate's), and only for the few overlaps inside one domain, the links between two VNets
    and their neighbours. :class:`Topology` keeps dicts of every pair, neighbour set and node keyed
    by ID text; at 50,000 VNets building them costs twice the whole overlap sweep. Here each VNet
    and each link's remote is keyed once, the nodes are numbered (VNet ``i`` of ``estate.vnets`` is
    node ``i``; nodes of one key are one node), domains are joined by a union-find over the numbers,
    and a pair's links or a node's neighbours are looked up only when asked. Every answer is the
    Topology's (``tests/unit/test_topology.py`` compares them).
    """

    def __init__(self, estate: Estate) -> None:
        vnets = estate.vnets
        n = len(vnets)
        spelled = [v.id for v in vnets]
        keys = list(rid_keys(spelled))
        index = dict(zip(keys, range(n), strict=True))
        # VNets of one key share one node, spelled as the last of them (as Topology.ids has it).
        unique = len(index) == n
        vnet_nodes = list(range(n)) if unique else list(map(index.__getitem__, keys))
        owners = list(vnet_nodes)
        owned: list[Sequence[Peering]] = [v.peerings for v in vnets]
        groups: dict[str, list[Peering]] = {}
        for o in estate.orphans:
            if isinstance(o, Peering):
                groups.setdefault(rid_key(o.vnet_id), []).append(o)
        for k, ls in groups.items():  # peerings listed without their VNet: owned by a node all the same
            node = self._node(index, keys, spelled, k, ls[0].vnet_id)
            spelled[node] = ls[0].vnet_id
            owners.append(node)
            owned.append(ls)
        counts = list(map(len, owned))
        links = list(chain.from_iterable(owned))
        src = list(chain.from_iterable(map(repeat, owners, counts)))
        remote_ids = [p.remote_vnet_id for p in links]
        remote_keys = list(rid_keys(remote_ids))
        found: list[int | None] = list(map(index.get, remote_keys))
        if None in found:  # VNets outside the snapshot: nodes of their own, spelled as first named
            for at, got in enumerate(found):
                if got is None:
                    found[at] = self._node(index, keys, spelled, remote_keys[at], remote_ids[at])
        dst = cast(list[int], found)
        # Declared on-prem networks are nodes too, joined to their via VNet (see Topology.domains).
        onprem_edges: list[tuple[int, int]] = []
        for net in estate.onprem:
            ok = self._node(index, keys, spelled, onprem_key(net), onprem_key(net))
            if net.via_vnet_id:
                vk = rid_key(net.via_vnet_id)
                onprem_edges.append((ok, self._node(index, keys, spelled, vk, vk)))
        parent = list(range(len(keys)))
        for a, b in chain(zip(src, dst, strict=True), onprem_edges):
            while parent[a] != a:
                parent[a] = a = parent[parent[a]]
            while parent[b] != b:
                parent[b] = b = parent[parent[b]]
            if a != b:
                if a < b:
                    parent[b] = a
                else:
                    parent[a] = b
        self._index = index
        self._keys = keys
        self._spelled = spelled
        self._links = links
        self._src = src
        self._dst = dst
        self._parent = parent
        self._vnet_nodes = vnet_nodes
        self._owners = owners
        self._counts = counts
        self._starts = list(accumulate(counts, initial=0))
        #: Owner positions other than a VNet's own (see _remotes_of), by node.
        self._more_owners: dict[int, list[int]] = {}
        for q in range(n if unique else 0, len(owners)):
            if q >= n or owners[q] != q:
                self._more_owners.setdefault(owners[q], []).append(q)
        self._by_remote: dict[int, dict[int, list[int]]] = {}

    @staticmethod
    def _node(index: dict[str, int], keys: list[str], spelled: list[str], key: str, spelling: str) -> int:
        """The node of ``key``, numbered next and spelled ``spelling`` when it is new."""
        node = index.get(key)
        if node is None:
            node = index[key] = len(keys)
            keys.append(key)
            spelled.append(spelling)
        return node

    def domains(self, extra_edges: Iterable[tuple[str, str]] = ()) -> Domains:
        """The routing domains (:attr:`Topology.domains`' partition), with ``extra_edges`` (pairs of
        VNet keys, e.g. planned peerings) joining domains as a peering would."""
        parent = list(self._parent)
        index = self._index
        for ka, kb in extra_edges:
            a, b = index[ka], index[kb]
            while parent[a] != a:
                parent[a] = a = parent[parent[a]]
            while parent[b] != b:
                parent[b] = b = parent[parent[b]]
            if a != b:
                parent[max(a, b)] = min(a, b)
        # Point every node at its root, halving the paths at C speed until they are one step long.
        while True:
            nxt = list(map(parent.__getitem__, parent))
            if nxt == parent:
                break
            parent = nxt
        return Domains(parent, list(map(parent.__getitem__, self._vnet_nodes)), self)

    def name(self, key: str) -> str:
        """The original spelling of a node's ID (:attr:`Topology.ids`), or ``key`` itself."""
        node = self._index.get(key)
        return key if node is None else self._spelled[node]

    def _remotes_of(self, x: int) -> dict[int, list[int]]:
        """The links node ``x`` owns, by remote node: their positions (in :attr:`_links`, so in the
        topology's order). Made per node asked about, in time linear in its links (a hub's
        neighbours ask for the hub's pair with each of them)."""
        got = self._by_remote.get(x)
        if got is None:
            got = self._by_remote[x] = {}
            owners = self._owners
            # Owner positions: VNet ``x`` is owner ``x`` (unless another VNet of its key is), then
            # VNets of its key listed before it and the peerings listed without their VNet.
            at = [x] if x < len(self._vnet_nodes) and owners[x] == x else []
            more = self._more_owners.get(x)
            if more:
                at = sorted(at + more)
            starts, dst = self._starts, self._dst
            for q in at:
                for s in range(starts[q], starts[q + 1]):
                    d = dst[s]
                    if d in got:
                        got[d].append(s)
                    else:
                        got[d] = [s]
        return got

    @cached_property
    def _towards(self) -> list[list[int]]:
        """Per node, the positions of the links whose remote it is."""
        out: list[list[int]] = [[] for _ in self._keys]
        _consume(map(list.append, map(out.__getitem__, self._dst), range(len(self._dst))))
        return out

    def pair(self, ka: str, kb: str) -> PeerPair | None:
        """:meth:`Topology.pair` of the VNet keys ``ka`` and ``kb``: their links in the order the
        topology lists them (the owners' order, each owner's links in its order), or None."""
        index = self._index
        a, b = index.get(ka), index.get(kb)
        if a is None or b is None or a == b:
            return None
        at = self._remotes_of(a).get(b, []) + self._remotes_of(b).get(a, [])
        if not at:
            return None
        at.sort()
        first, second = (ka, kb) if ka < kb else (kb, ka)
        return PeerPair(first, second, tuple(self._links[s] for s in at))

    def link_ends(self) -> Iterator[tuple[Peering, str, str]]:
        """Every link with the keys of its owner and its remote, in the order :attr:`Topology.links`
        lists them (links to their own VNet left out)."""
        keys = self._keys
        for p, a, b in zip(self._links, self._src, self._dst, strict=True):
            if a != b:
                yield p, keys[a], keys[b]

    def neighbours(self, key: str) -> set[str]:
        """:attr:`Topology.adjacency` of ``key``: the keys linked with it by a link in any state."""
        x = self._index.get(key)
        if x is None:
            return set()
        keys, src = self._keys, self._src
        out = {keys[d] for d in self._remotes_of(x)}
        out.update(keys[src[s]] for s in self._towards[x])
        out.discard(key)  # a link to its own VNet joins nothing
        return out


class Domains:
    """Routing-domain labels from :meth:`LinkGraph.domains`: two VNets (or on-prem networks) have
    one label iff :attr:`Topology.domains` puts them in one domain; the labels are not its numbers."""

    def __init__(self, roots: list[int], vnets: list[int], graph: LinkGraph) -> None:
        self._roots = roots
        #: The label of each VNet of ``estate.vnets``, in that order.
        self.vnets = vnets
        self._graph = graph

    def of(self, key: str) -> int:
        """The label of a node (a VNet key or an :func:`onprem_key`); -1 for an unknown key."""
        node = self._graph._index.get(key)
        return -1 if node is None else self._roots[node]

    @cached_property
    def sizes(self) -> dict[int, int]:
        """Per label, how many VNets (keys that start with ``/``, remote ones included) it holds."""
        roots = self._roots
        out: dict[int, int] = {}
        for key, node in self._graph._index.items():
            if key.startswith("/"):
                d = roots[node]
                out[d] = out.get(d, 0) + 1
        return out


def link_graph(estate: Estate) -> LinkGraph:
    """The :class:`LinkGraph` of ``estate``, built once and kept with it."""
    return estate.memo("link-graph", LinkGraph)


def _consume(it: Iterable[object]) -> None:
    """Run an iterator of side effects to its end, at C speed."""
    deque(it, maxlen=0)


def peered_pairs(estate: Estate) -> Mapping[tuple[str, str], PeerPair]:
    """VNet key pairs ``(a, b)`` with ``a < b`` that have at least one link between them."""
    return topology(estate).pairs


def peer_pair(estate: Estate, a: str, b: str) -> PeerPair | None:
    """The links between two VNets (IDs or keys), or None when there is none."""
    ak, bk = rid_key(a), rid_key(b)
    return topology(estate).pairs.get((ak, bk) if ak < bk else (bk, ak))


def neighbours(estate: Estate, vnet: str) -> set[str]:
    """Keys of the VNets linked with ``vnet`` (an ID or key) by a link in any state."""
    return set(topology(estate).adjacency.get(rid_key(vnet), ()))


def common_peers(estate: Estate, a: str, b: str) -> list[str]:
    """Keys of the VNets linked (any state) with both ``a`` and ``b``, sorted. Cost: O(min degree)."""
    adj = topology(estate).adjacency
    na, nb = adj.get(rid_key(a), set()), adj.get(rid_key(b), set())
    if len(na) > len(nb):
        na, nb = nb, na
    return sorted(k for k in na if k in nb)


def routing_domains(estate: Estate, extra_edges: Iterable[tuple[str, str]] = ()) -> dict[str, int]:
    """Routing domain number per VNet key (and per on-prem network, keyed by :func:`onprem_key`).

    One domain = VNets connected through peering links in any state, plus the on-prem networks
    attached to one of them. ``extra_edges`` (pairs of VNet IDs or keys) joins domains as planned
    peerings would; without them the shared cached result is returned (do not mutate it).
    """
    topo = topology(estate)
    edges = [(rid_key(a), rid_key(b)) for a, b in extra_edges]
    if not edges:
        return topo.domains
    uf = UnionFind()
    roots: dict[int, str] = {}
    for k, d in topo.domains.items():
        root = roots.setdefault(d, k)
        uf.add(k)
        uf.union(root, k)
    for a, b in edges:
        uf.union(a, b)
    return uf.numbered()


def domain_members(domains: Mapping[str, int]) -> dict[int, list[str]]:
    """The inverse of :func:`routing_domains`: the keys of each domain."""
    out: dict[int, list[str]] = {}
    for k, d in domains.items():
        out.setdefault(d, []).append(k)
    return out


def describe_links(pair: PeerPair | None) -> str:
    return "no link" if pair is None else pair.describe()


# ---------------------------------------------------------------------------------------------
# What a link routes (P4, P9)


@record
class LinkRoutes:
    """The prefixes one peering link routes from its VNet towards the remote one (P4, P9).

    A link routes the address space it has *peered* (``remoteAddressSpace``), not the remote VNet's
    current space (``remoteVirtualNetworkAddressSpace``): a prefix the remote added since the last
    sync is not routed from this side. ``enableOnlyIPv6Peering`` drops IPv4; subnet peering
    (``peerCompleteVnets: false``) routes only the prefixes of the named remote subnets, and only
    the named local subnets get the routes. Whether the link carries traffic at all (state, access
    flags) is the caller's question.
    """

    link: Peering
    #: Destination prefixes of the routes this link installs in its VNet.
    prefixes: tuple[Prefix, ...]
    #: Lower-case names of the local subnets that get the routes; None: every subnet.
    local_subnets: frozenset[str] | None = None
    #: The remote's current prefixes this link does not route because it was not synced.
    unsynced: tuple[Prefix, ...] = ()
    #: Why ``prefixes`` may be incomplete or too wide (None when they are exact).
    unknown: str | None = None

    def applies_to(self, subnet_name: str) -> bool:
        """Does the local subnet ``subnet_name`` get these routes?"""
        return self.local_subnets is None or subnet_name.lower() in self.local_subnets

    def routes_ip(self, ip: IPAddress) -> bool:
        return any(p.contains_ip(ip) for p in self.prefixes)


def link_routes(estate: Estate, link: Peering) -> LinkRoutes:
    """The prefixes this link routes: see :class:`LinkRoutes`. Shared by overlaps, reach, free,
    the audit and effective routes, so that they all read the two address-space fields alike."""
    remote = estate.vnet(link.remote_vnet_id)
    peered = link.remote_prefixes
    unknown = None
    if not peered and not link.remote_current_prefixes:
        # A payload without either field (hand-written, or a pre-2016 shape): the remote's own space.
        if remote is not None:
            peered = remote.address_prefixes
        else:
            unknown = (f"{_link_label(link)} reports no remote address space and {short_id(link.remote_vnet_id)} "
                       "is not in the snapshot")  # fmt: skip
    current = remote.address_prefixes if remote is not None else link.remote_current_prefixes
    unsynced = tuple(p for p in current if not any(k.contains(p) for k in peered))
    if link.only_ipv6:
        peered = tuple(p for p in peered if p.version == 6)
        unsynced = tuple(p for p in unsynced if p.version == 6)
    prefixes = peered
    local = None
    if not link.peer_complete_vnets:
        local = frozenset(n.lower() for n in link.local_subnet_names)
        prefixes, why = _named_subnet_prefixes(remote, link.remote_subnet_names, peered, link.only_ipv6)
        if why:
            unknown = f"{_link_label(link)} peers subnets {', '.join(link.remote_subnet_names) or '(none)'} {why}"
        unsynced = tuple(p for p in unsynced if any(p.overlaps(q) for q in prefixes))
    return LinkRoutes(link, prefixes, local, unsynced, unknown)


def _link_label(link: Peering) -> str:
    return f"peering '{link.name}' of {short_id(link.vnet_id)}"


def _named_subnet_prefixes(
    vnet: VNet | None, names: Iterable[str], peered: tuple[Prefix, ...], only_ipv6: bool
) -> tuple[tuple[Prefix, ...], str | None]:
    """The prefixes of the named subnets of ``vnet`` that lie in ``peered`` space."""
    wanted = {n.lower() for n in names}
    if vnet is None:
        return peered, "of a VNet outside the snapshot: their prefixes are not known (the whole peered space is assumed)"
    subs = [s for s in vnet.subnets if s.name.lower() in wanted]
    out = tuple(
        q for s in subs for q in s.prefixes
        if (not only_ipv6 or q.version == 6) and (not peered or any(k.contains(q) for k in peered))
    )  # fmt: skip
    missing = sorted(wanted - {s.name.lower() for s in subs})
    if missing:
        return out, f"but {short_id(vnet.id)} has no subnet named {', '.join(missing)} in the snapshot"
    return out, None


def peered_space(estate: Estate, pair: PeerPair) -> dict[str, tuple[Prefix, ...]] | None:
    """Per VNet key of ``pair``, the prefixes the peering connects and that therefore must not
    overlap (P3, P9); None when both whole address spaces are peered (no subnet peering, not
    IPv6-only). The remote VNet's current space counts, synced or not: Azure validates it."""
    if all(link.peer_complete_vnets and not link.only_ipv6 for link in pair.links):
        return None
    out: dict[str, list[Prefix]] = {pair.a: [], pair.b: []}
    for link in pair.links:
        lk, rk = rid_key(link.vnet_id), rid_key(link.remote_vnet_id)
        local, remote = estate.vnet(link.vnet_id), estate.vnet(link.remote_vnet_id)
        local_space = local.address_prefixes if local is not None else ()
        remote_space = remote.address_prefixes if remote is not None else link.remote_current_prefixes
        for key, vnet, space, names in (
            (lk, local, local_space, link.local_subnet_names),
            (rk, remote, remote_space, link.remote_subnet_names),
        ):
            if link.peer_complete_vnets:
                got = tuple(space)
            else:
                got, _ = _named_subnet_prefixes(vnet, names, (), False)
            if link.only_ipv6:
                got = tuple(p for p in got if p.version == 6)
            out.setdefault(key, []).extend(got)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}
