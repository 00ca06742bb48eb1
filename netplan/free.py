"""Free address space: prefixes of a given size that overlap nothing in the estate.

The promise: every prefix :func:`find_free` suggests is aligned to its size, lies inside the
requested supernet(s), touches none of the ranges Azure forbids in a VNet (:data:`AZURE_FORBIDDEN`),
and overlaps no VNet address prefix (IPAM pool allocations included), no address space of a VNet outside the
snapshot that a peering link reports (``remoteVirtualNetworkAddressSpace``), and no declared
on-prem prefix. Suggestions come lowest address first, supernets in the order given (by default
the RFC 1918 ranges 10/8, 172.16/12, 192.168/16).

How: the used prefixes are turned into intervals, sorted and merged once (O(n log n)); the gaps
between them are walked and each gap yields its first aligned blocks, so the cost is
O(n log n + count), never the number of candidate prefixes (a /29 in 10/8 has two million).
"""

from __future__ import annotations

from collections.abc import Sequence

from netplan.addr import Prefix, parse_prefix
from netplan.errors import UsageError
from netplan.estate import Estate
from netplan.model import Peering, Subnet
from netplan.record import record

#: Address space Azure never allows in a VNet (R6): multicast, broadcast, loopback, link-local and
#: the Azure platform's virtual IP. ``free`` never suggests a prefix that touches them.
AZURE_FORBIDDEN: tuple[Prefix, ...] = (
    parse_prefix("224.0.0.0/4"),
    parse_prefix("255.255.255.255/32"),
    parse_prefix("127.0.0.0/8"),
    parse_prefix("169.254.0.0/16"),
    parse_prefix("168.63.129.16/32"),
)


def forbidden_overlaps(prefix: Prefix) -> list[Prefix]:
    """The ranges of :data:`AZURE_FORBIDDEN` that ``prefix`` contains or lies in."""
    return [f for f in AZURE_FORBIDDEN if f.overlaps(prefix)]


#: The private IPv4 ranges of RFC 1918, in the order suggestions are drawn from them.
RFC1918: tuple[Prefix, ...] = (
    parse_prefix("10.0.0.0/8"),
    parse_prefix("172.16.0.0/12"),
    parse_prefix("192.168.0.0/16"),
)


@record
class FreeResult:
    """Suggested free prefixes, with what was searched and how complete the picture is."""

    length: int
    within: tuple[Prefix, ...]
    requested: int
    prefixes: tuple[Prefix, ...]
    #: How many used prefixes (VNets, unseen peered VNets, on-prem) were taken into account.
    used_prefixes: int
    #: Set when the snapshot admits gaps: space used in unread scopes is not known.
    incomplete: str | None = None

    @property
    def found(self) -> bool:
        return bool(self.prefixes)

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = {
            "size": f"/{self.length}",
            "within": [str(p) for p in self.within],
            "requested": self.requested,
            "free": [str(p) for p in self.prefixes],
            "used_prefixes": self.used_prefixes,
        }
        if self.incomplete:
            d["incomplete"] = self.incomplete
        return d


def parse_size(text: str) -> int:
    """``/22`` or ``22`` -> 22. Range is checked against the IP version by :func:`find_free`."""
    t = text.strip().removeprefix("/")
    if not t.isdigit():
        raise UsageError(f"--size '{text}' is not a prefix length such as /22")
    return int(t)


def used_prefixes(estate: Estate) -> list[Prefix]:
    """Every prefix in use: VNet address spaces, the spaces that peering links report for VNets
    outside the snapshot (both the peered ``remoteAddressSpace`` and the current
    ``remoteVirtualNetworkAddressSpace``: an unsynced prefix is used all the same), the subnets of
    VNets that are themselves outside it, and declared on-prem prefixes."""
    used = [p for v in estate.vnets for p in v.address_prefixes]
    links = [link for v in estate.vnets for link in v.peerings]
    links += [o for o in estate.orphans if isinstance(o, Peering)]
    for link in links:
        if estate.vnet(link.remote_vnet_id) is None:
            used.extend(dict.fromkeys((*link.remote_prefixes, *link.remote_current_prefixes)))
    used.extend(q for o in estate.orphans if isinstance(o, Subnet) for q in o.prefixes)
    used.extend(p for net in estate.onprem for p in net.prefixes)
    return used


def merged_intervals(prefixes: Sequence[Prefix], version: int) -> list[tuple[int, int]]:
    """The inclusive address ranges covered by ``prefixes`` of one IP version, sorted and merged."""
    spans = sorted((p.first, p.last) for p in prefixes if p.version == version)
    out: list[tuple[int, int]] = []
    for first, last in spans:
        if out and first <= out[-1][1] + 1:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def free_blocks(used: list[tuple[int, int]], supernet: Prefix, length: int, limit: int) -> list[Prefix]:
    """Up to ``limit`` aligned /``length`` blocks inside ``supernet`` that touch no ``used`` range."""
    bits = supernet.bits
    size = 1 << (bits - length)
    lo, hi = supernet.first, supernet.last
    out: list[Prefix] = []
    cursor = lo  # the first address not yet known to be used
    # Binary search would skip the ranges below the supernet; a linear skip keeps it simple and
    # the walk is O(n) per supernet at most.
    for first, last in [*used, (hi + 1, hi + 1)]:
        if last < cursor:
            continue
        gap_end = min(first - 1, hi)
        start = (cursor + size - 1) // size * size  # align up
        while start + size - 1 <= gap_end and len(out) < limit:
            out.append(Prefix(supernet.version, start, length))
            start += size
        if len(out) >= limit or first > hi:
            break
        cursor = max(cursor, last + 1)
        if cursor > hi:
            break
    return out


def find_free(
    estate: Estate, length: int, within: Sequence[Prefix] | None = None, count: int = 1
) -> FreeResult:
    """Up to ``count`` free /``length`` prefixes inside ``within`` (default :data:`RFC1918`).

    Raises :class:`~netplan.errors.UsageError` for a length out of range for the IP version, a
    length shorter than a supernet, or a count below 1.
    """
    supernets = tuple(within) if within else RFC1918
    if count < 1:
        raise UsageError(f"--count must be at least 1 (got {count})")
    for s in supernets:
        if not 0 <= length <= s.bits:
            raise UsageError(f"--size /{length} is out of range for IPv{s.version} (0-{s.bits})")
    fitting = [s for s in supernets if s.length <= length]
    if not fitting:
        raise UsageError(f"--size /{length} is larger than {', '.join(str(s) for s in supernets)}")
    used = used_prefixes(estate)
    # The forbidden ranges are never suggested, but they are not "used" space of the estate.
    by_version = {v: merged_intervals([*used, *AZURE_FORBIDDEN], v) for v in {s.version for s in fitting}}
    found: list[Prefix] = []
    seen: set[Prefix] = set()
    for s in fitting:
        for p in free_blocks(by_version[s.version], s, length, count - len(found)):
            if p not in seen:  # overlapping --within supernets must not suggest a block twice
                seen.add(p)
                found.append(p)
        if len(found) >= count:
            break
    incomplete = None
    if estate.gaps:
        g = estate.gaps[0]
        incomplete = (
            f"the snapshot is incomplete ({len(estate.gaps)} gap(s), e.g. {g.kind} in {g.scope}): "
            "address space used there is not known"
        )
    return FreeResult(length, supernets, count, tuple(found), len(used), incomplete)
