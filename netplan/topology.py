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

Peerings may point at VNets outside the snapshot; those remote VNets are nodes too (keyed by
their ID), so two VNets peered with the same unseen hub share a domain.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from netplan.estate import Estate
from netplan.ids import rid_key
from netplan.model import OnPremNetwork, Peering, PeeringState

#: Prefix of the routing-domain keys of declared on-prem networks (VNet keys start with "/").
ONPREM_KEY_PREFIX = "onprem:"


def onprem_key(net: OnPremNetwork | str) -> str:
    """The routing-domain key of a declared on-prem network (by its declared name)."""
    name = net if isinstance(net, str) else net.name
    return ONPREM_KEY_PREFIX + name.lower()


@dataclass(frozen=True, slots=True)
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


@dataclass
class Topology:
    """The pair, adjacency and domain indexes of one Estate (built by :func:`topology`)."""

    pairs: dict[tuple[str, str], PeerPair]
    adjacency: dict[str, set[str]]
    domains: dict[str, int]
    #: Original-spelling ID of every node key (VNets outside the snapshot included).
    ids: dict[str, str] = field(default_factory=dict)


# Estates are immutable but hash by value (expensive for 10k VNets), so the cache is keyed by
# object identity and cleared when the Estate is collected.
_CACHE: dict[int, Topology] = {}


def topology(estate: Estate) -> Topology:
    """The shared topology of ``estate``, computed once per Estate object."""
    key = id(estate)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    topo = _build(estate)
    _CACHE[key] = topo
    weakref.finalize(estate, _CACHE.pop, key, None)
    return topo


def _build(estate: Estate) -> Topology:
    links: dict[tuple[str, str], list[Peering]] = {}
    adjacency: dict[str, set[str]] = {}
    ids: dict[str, str] = {}
    uf = UnionFind()
    for v in estate.vnets:
        vk = v.key
        ids[vk] = v.id
        uf.add(vk)
        adjacency.setdefault(vk, set())
        for p in v.peerings:
            rk = rid_key(p.remote_vnet_id)
            if rk == vk:
                continue
            ids.setdefault(rk, p.remote_vnet_id)
            pair = (vk, rk) if vk < rk else (rk, vk)
            links.setdefault(pair, []).append(p)
            adjacency[vk].add(rk)
            adjacency.setdefault(rk, set()).add(vk)
            uf.union(vk, rk)
    for net in estate.onprem:
        ok = onprem_key(net)
        uf.add(ok)
        if net.via_vnet_id:
            # The gateway's VNet; spokes using it (gateway transit) are peered with it, hence
            # already in its domain.
            uf.union(ok, rid_key(net.via_vnet_id))
    pairs = {k: PeerPair(k[0], k[1], tuple(v)) for k, v in links.items()}
    return Topology(pairs, adjacency, uf.numbered(), ids)


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
