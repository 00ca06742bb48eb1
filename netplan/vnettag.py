"""The ``VirtualNetwork`` service tag where an NSG applies (R3), asked per address, not materialised.

Azure's ``VirtualNetwork`` tag, for an NSG on a subnet, holds the VNet's address space, the space
of every Connected peering (what the link has peered: ``remoteAddressSpace``, stale until synced,
or the remote VNet's space when the payload lacks it), the on-premises prefixes of the gateway the
VNet uses (its own, or the hub's through ``useRemoteGateways``) and the prefixes of the subnet's
user-defined routes. :func:`tag_members` lists them: that list is the definition.

On a hub peered with thousands of spokes that list holds thousands of prefixes, and building it (or
an interval index of it) for every hub a query meets costs milliseconds. An NSG rule only asks
whether one address or subnet prefix lies in the tag, and only the members that overlap that
prefix can answer. :meth:`VnetTag.overlapping` finds exactly those: the VNet's own prefixes and
the few other members by a scan, and the peered spaces through the estate's index of VNet address
spaces (which VNets own the address?) and one dictionary probe per owner (does this VNet have a
Connected link that peers that owner's prefix?). A link whose peered space is not the remote VNet's
current space (a stale peering, a remote VNet outside the snapshot) puts the prefixes the
estate's index cannot see among the VNet's few other members. The estate-wide index is one pass
over the peering links, built once per Estate; each question then costs O(log n + hits).

``tests/unit/test_vnettag.py`` checks :meth:`VnetTag.overlapping` against :func:`tag_members` on
random estates.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from netplan.addr import Prefix, PrefixRangeIndex, ip_from_int
from netplan.estate import Estate
from netplan.ids import rid_key
from netplan.model import PeeringState, Subnet, VNet
from netplan.routes import _index as route_index
from netplan.routes import route_table_of

#: Above this many, a VNet's other members are searched through an index, not scanned.
_SCAN_LIMIT = 32


def tag_members(estate: Estate, subnet: Subnet) -> list[Prefix]:
    """Every member of the ``VirtualNetwork`` tag for an NSG on ``subnet`` (the definition; see the
    module docstring). Duplicates are kept: the list is read as a set of addresses."""
    vnet = estate.vnet(subnet.vnet_id)
    members: list[Prefix] = list(_vnet_members(estate, vnet)) if vnet is not None else list(subnet.prefixes)
    members.extend(_route_prefixes(estate, subnet))
    return members


def _vnet_members(estate: Estate, vnet: VNet) -> list[Prefix]:
    ridx = route_index(estate)
    members: list[Prefix] = list(vnet.address_prefixes)
    if vnet.key in ridx.gateway_vnets:
        members.extend(ridx.onprem_by_via.get(vnet.key, ()))
    for link in vnet.peerings:
        if link.state is not PeeringState.CONNECTED:
            continue
        if link.remote_prefixes:
            members.extend(link.remote_prefixes)
        else:
            remote = estate.vnet(link.remote_vnet_id)
            if remote is not None:
                members.extend(remote.address_prefixes)
        if link.use_remote_gateways:
            members.extend(ridx.onprem_by_via.get(rid_key(link.remote_vnet_id), ()))
    return members


def _route_prefixes(estate: Estate, subnet: Subnet) -> list[Prefix]:
    rt, _missing = route_table_of(estate, subnet)
    return [r.prefix for r in rt.routes if r.prefix is not None] if rt is not None else []


class _TagIndex:
    """Estate-wide, from one pass over the peering links: for each (VNet, remote VNet) pair with a
    Connected link, the prefixes the link peers; for each VNet, its members that the estate's
    index of VNet spaces cannot find (gateway on-premises prefixes, peered prefixes that are not
    the remote VNet's current space); the longest VNet prefix per IP version."""

    def __init__(self, estate: Estate) -> None:
        ridx = route_index(estate)
        spaces = {v.key: v.address_prefixes for v in estate.vnets}
        self.max_length: dict[int, int] = {}
        for prefixes in spaces.values():
            for q in prefixes:
                if q.length > self.max_length.get(q.version, -1):
                    self.max_length[q.version] = q.length
        self.peered: dict[tuple[str, str], tuple[Prefix, ...]] = {}
        self.other: dict[str, list[Prefix]] = {}
        connected = PeeringState.CONNECTED
        onprem = ridx.onprem_by_via
        for v in estate.vnets:
            key = v.key
            other: list[Prefix] = list(onprem.get(key, ())) if key in ridx.gateway_vnets else []
            for link in v.peerings:
                if link.state is not connected:
                    continue
                rkey = rid_key(link.remote_vnet_id)
                space = spaces.get(rkey)
                if space is None:
                    other.extend(link.remote_prefixes)
                else:
                    peered = link.remote_prefixes or space
                    if peered is not space and peered != space:
                        own = set(space)
                        other.extend(q for q in peered if q not in own)
                    pair = (key, rkey)
                    before = self.peered.get(pair)
                    self.peered[pair] = peered if before is None else before + peered
                if link.use_remote_gateways:
                    other.extend(onprem.get(rkey, ()))
            if other:
                self.other[key] = other
        self._other_index: dict[str, PrefixRangeIndex] = {}

    def other_overlapping(self, vnet_key: str, p: Prefix) -> list[Prefix]:
        other = self.other.get(vnet_key)
        if not other:
            return []
        if len(other) <= _SCAN_LIMIT:
            return [q for q in other if q.overlaps(p)]
        ix = self._other_index.get(vnet_key)
        if ix is None:
            ix = self._other_index[vnet_key] = PrefixRangeIndex([(q, None) for q in other])
        return [q for q, _ in ix.overlapping(p)]

    def owned(self, estate: Estate, p: Prefix) -> list[tuple[Prefix, VNet]]:
        """(address prefix, VNet) for every VNet prefix overlapping ``p``. When no VNet prefix is
        longer than ``p`` (an address, a subnet), those are the prefixes containing its first
        address: the estate's address index (the one every flow query uses) finds them; else the
        estate's range index (built once, on the first such question)."""
        if p.length >= self.max_length.get(p.version, -1):
            first = ip_from_int(p.version, p.value)
            return [(q, v) for v in estate.vnets_containing(first) for q in v.address_prefixes if q.overlaps(p)]
        return estate.vnets_overlapping(p)


def _tag_index(estate: Estate) -> _TagIndex:
    return estate.memo("vnettag", _TagIndex)


class VnetTag:
    """The ``VirtualNetwork`` tag for an NSG on one subnet (see the module docstring)."""

    __slots__ = ("_estate", "_own", "_routes", "_vnet")

    def __init__(self, estate: Estate, subnet: Subnet) -> None:
        # Kept by the estate's flow index: a weak reference back, so that no cycle keeps the estate.
        self._estate = weakref.ref(estate)
        self._vnet = estate.vnet(subnet.vnet_id)
        self._own: tuple[Prefix, ...] = self._vnet.address_prefixes if self._vnet is not None else subnet.prefixes
        self._routes = _route_prefixes(estate, subnet)

    def contains(self, p: Prefix) -> bool:
        """Does one member hold every address of ``p``? (the usual answer, from the estate's index
        of addresses alone: no member list, no range index)."""
        if any(q.contains(p) for q in self._own) or any(q.contains(p) for q in self._routes):
            return True
        vnet = self._vnet
        if vnet is None:
            return False
        estate, idx = self._indexes()
        if any(q.contains(p) for q in idx.other_overlapping(vnet.key, p)):
            return True
        first = ip_from_int(p.version, p.value)
        owners = [(q, v) for v in estate.vnets_containing(first) for q in v.address_prefixes if q.contains(p)]
        return bool(self._peered(idx, owners))

    def overlapping(self, p: Prefix) -> list[Prefix]:
        """The members that share an address with ``p`` (each prefix once or more): exactly those of
        :func:`tag_members` that overlap ``p``."""
        out = [q for q in self._own if q.overlaps(p)]
        out.extend(q for q in self._routes if q.overlaps(p))
        vnet = self._vnet
        if vnet is None:
            return out
        estate, idx = self._indexes()
        out.extend(idx.other_overlapping(vnet.key, p))
        out.extend(self._peered(idx, idx.owned(estate, p)))
        return out

    def _indexes(self) -> tuple[Estate, _TagIndex]:
        estate = self._estate()
        assert estate is not None, "VirtualNetwork tag used after its estate was freed"
        return estate, _tag_index(estate)

    def _peered(self, idx: _TagIndex, owned: Iterable[tuple[Prefix, VNet]]) -> list[Prefix]:
        """Of the VNet prefixes ``owned``, those a Connected link of this VNet peers."""
        assert self._vnet is not None
        key = self._vnet.key
        peered = idx.peered
        out = []
        for q, owner in owned:
            okey = owner.key
            if okey != key:
                got = peered.get((key, okey))
                if got is not None and q in got:
                    out.append(q)
        return out
