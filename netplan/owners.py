"""Who owns an address: the VNets, subnets and resources holding an IP address or a CIDR prefix.

"Who owns 10.20.3.4" is the first question of many a network ticket. The answer comes from the
Estate's address indexes (:meth:`netplan.estate.Estate.vnets_overlapping`,
:meth:`~netplan.estate.Estate.ip_owners_within`), never from a scan of the estate's prefixes, so
it is as fast on 10,000 VNets as on ten. Several VNets holding the same address is an overlap and
is said as such; an address no VNet of the snapshot holds says that too (and names a declared
on-prem network holding it, if any), and a snapshot with gaps says the answer may be incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass

from netplan.addr import Prefix
from netplan.estate import Estate, IpOwner
from netplan.ids import rid_key
from netplan.model import OnPremNetwork, Subnet, VNet

#: What an :class:`IpOwner` kind is called on screen.
KIND_LABEL = {
    "lb-frontend": "LB frontend",
    "private-endpoint": "private endpoint",
    "nic": "NIC",
    "resolver-inbound": "DNS resolver inbound",
    "pls-nat": "Private Link service NAT",
    "firewall": "firewall",
}


@dataclass(frozen=True)
class VnetHolding:
    """One VNet holding (part of) the address or prefix asked about."""

    vnet: VNet
    #: The VNet's address prefixes that overlap the query.
    prefixes: tuple[Prefix, ...]
    #: Its subnets overlapping the query (for an address: the one containing it).
    subnets: tuple[Subnet, ...]
    #: Resources of this VNet holding an address inside the query, in address order.
    holders: tuple[IpOwner, ...]


@dataclass(frozen=True)
class WhoOwns:
    query: Prefix
    #: True when the query was one address (a host prefix).
    is_address: bool
    vnets: tuple[VnetHolding, ...]
    #: Holders whose VNet is not in the snapshot (their subnet's VNet was not read).
    elsewhere: tuple[IpOwner, ...] = ()
    #: Declared on-prem networks overlapping the query.
    onprem: tuple[OnPremNetwork, ...] = ()
    #: The snapshot has gaps: an owner in what was not read is not listed.
    incomplete: bool = False

    @property
    def overlap(self) -> bool:
        """More than one VNet (or a VNet and on-prem) holds the address: an address conflict."""
        return self.is_address and len(self.vnets) + len(self.onprem) > 1

    @property
    def holder_count(self) -> int:
        return sum(len(h.holders) for h in self.vnets) + len(self.elsewhere)


def holder_label(o: IpOwner) -> str:
    """``private endpoint pe-orders`` (the owning resource's name, its kind in words)."""
    return f"{KIND_LABEL.get(o.kind, o.kind)} {o.parent_id.rstrip('/').rsplit('/', 1)[-1]}"


def who_owns(estate: Estate, query: Prefix) -> WhoOwns:
    """The VNets (with subnets and resources) holding ``query``: an address as a host prefix, or
    a prefix, matching whatever overlaps it. VNets in order: the most specific holder first for an
    address, address order for a prefix."""
    host = query.length == query.bits
    by_vnet: dict[str, list[Prefix]] = {}
    vnets: dict[str, VNet] = {}
    for p, v in estate.vnets_overlapping(query):
        by_vnet.setdefault(v.key, []).append(p)
        vnets.setdefault(v.key, v)
    holders: dict[str, list[IpOwner]] = {}
    elsewhere: list[IpOwner] = []
    for o in estate.ip_owners_within(query):
        key = rid_key(o.vnet_id) if o.vnet_id else ""
        if key in vnets:
            holders.setdefault(key, []).append(o)
        else:
            elsewhere.append(o)
    out = []
    for key, v in vnets.items():
        subnets = tuple(s for s in v.subnets if any(sp.overlaps(query) for sp in s.prefixes))
        out.append(VnetHolding(v, tuple(by_vnet[key]), subnets, tuple(holders.get(key, ()))))
    onprem = tuple(n for n in estate.onprem if any(p.overlaps(query) for p in n.prefixes))
    return WhoOwns(query, host, tuple(out), tuple(elsewhere), onprem, incomplete=bool(estate.gaps))
