"""Address arithmetic for vnetplan: one strict prefix type, one overlap rule.

Every CIDR the tool reads goes through :func:`parse_prefix`, which is strict the way Azure is
(``10.0.0.1/16`` has host bits set and is rejected, ``10.0.0.0/33`` is out of range) and fast
(IPv4 is parsed without building an :mod:`ipaddress` object, since estates carry 100,000 prefixes).
The one decision that :mod:`ipaddress` leaves open is made here, once: an IPv4 and an IPv6 prefix
never overlap and never contain each other (``ipaddress`` answers ``False`` for ``overlaps`` but
raises for ``subnet_of``). Every other module compares addresses through this one.
"""

from __future__ import annotations

import ipaddress

# From _socket, the C module socket re-exports: importing socket itself builds its enums and loads
# selectors, about 2% of a read command's start-up (issue 15).
from _socket import AF_INET as _AF_INET
from _socket import AF_INET6 as _AF_INET6
from _socket import inet_ntop as _inet_ntop
from _socket import inet_pton as _inet_pton
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from netplan.slotnew import twin

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_V4_MAX = (1 << 32) - 1
#: The texts of an IPv4 octet and of a prefix length (``/24``): formatting a prefix looks them up
#: (twice as fast as formatting the integers; a graph of 10k VNets writes 250,000 prefixes).
_OCTETS = tuple(str(i) for i in range(256))
_LENGTHS = tuple(f"/{i}" for i in range(129))
_V6_MAX = (1 << 128) - 1


class AddressError(ValueError):
    """A string that is not a valid, strict CIDR prefix or IP address."""


@dataclass(frozen=True, slots=True, order=True)
class Prefix:
    """A CIDR prefix as integers: sortable, hashable, and cheap to compare.

    ``version`` is 4 or 6, ``value`` the network address as an int, ``length`` the prefix length.
    Ordering is (version, first address, length), which is the order the overlap sweep needs.
    """

    version: int
    value: int
    length: int

    @property
    def bits(self) -> int:
        return 32 if self.version == 4 else 128

    @property
    def first(self) -> int:
        return self.value

    @property
    def last(self) -> int:
        return self.value | ((1 << (self.bits - self.length)) - 1)

    @property
    def size(self) -> int:
        return 1 << (self.bits - self.length)

    @property
    def network(self) -> IPNetwork:
        """The equivalent :mod:`ipaddress` network (built on demand)."""
        if self.version == 4:
            return ipaddress.IPv4Network((self.value, self.length))
        return ipaddress.IPv6Network((self.value, self.length))

    def overlaps(self, other: Prefix) -> bool:
        """True when the two prefixes share an address. Different IP versions never overlap."""
        return self.version == other.version and self.value <= other.last and other.value <= self.last

    def contains(self, other: Prefix) -> bool:
        """True when ``other`` lies wholly inside this prefix (same version only)."""
        return (
            self.version == other.version
            and self.length <= other.length
            and self.value <= other.value
            and other.last <= self.last
        )

    def contains_ip(self, ip: IPAddress) -> bool:
        return ip.version == self.version and self.value <= int(ip) <= self.last

    def __str__(self) -> str:
        if self.version == 4:
            v, o = self.value, _OCTETS
            return f"{o[v >> 24]}.{o[(v >> 16) & 255]}.{o[(v >> 8) & 255]}.{o[v & 255]}{_LENGTHS[self.length]}"
        return f"{ipaddress.IPv6Address(self.value).compressed}/{self.length}"

    def __repr__(self) -> str:
        return f"Prefix('{self}')"


# A Prefix built without the frozen dataclass's __init__ (which sets each field through
# object.__setattr__): through its twin (netplan.slotnew). Same object, same equality and hash; a
# cold load builds one per distinct prefix text of the snapshot (115,000 at 10k VNets).
_PrefixSlots = twin(Prefix, ("version", "value", "length"))


def _new_prefix(version: int, value: int, length: int) -> Prefix:
    p = _PrefixSlots()
    p.version = version
    p.value = value
    p.length = length
    p.__class__ = Prefix
    return p


# The fast path of parse_prefix reads a canonical IPv4 address with inet_pton, which takes exactly
# four decimal octets of at most 255 without leading zeros, and a length written 0 to 32 without a
# leading zero; an IPv6 address only in the form inet_ntop writes it (lower case, the longest run
# of zeros compressed), which ipaddress reads to the same value. Anything it does not fully accept
# goes through the complete checks below, which also word the error, so behaviour is the same.
# Snapshots repeat the same prefix text many times (every peering link copies the remote VNet's
# address space twice), so parsed prefixes are memoized by their text. Bounded for long sessions.
_PARSED: dict[str, Prefix] = {}
_PARSED_MAX = 1 << 20
_V4_LENGTH = {str(n): n for n in range(33)}
_V6_LENGTH = {str(n): n for n in range(129)}
_from_bytes = int.from_bytes


def parse_prefix(text: object) -> Prefix:
    """Parse a strict CIDR prefix (``10.0.0.0/16``, ``fd00:db8::/64``).

    Raises :class:`AddressError` with a message that says what is wrong: not a string, no ``/``,
    an octet out of range, a length out of range, or host bits set.
    """
    if type(text) is str:
        hit = _PARSED.get(text)
        if hit is not None:
            return hit
        addr, _, n = text.partition("/")
        length = _V4_LENGTH.get(n)
        if length is not None:
            try:
                value = _from_bytes(_inet_pton(_AF_INET, addr))  # big-endian
            except (OSError, ValueError):  # not dotted-quad (IPv6 too); or NUL / non-ASCII text
                value = -1
            if value >= 0 and not value & (_V4_MAX >> length):
                # _new_prefix and _remember, inline: a cold load parses 115,000 texts at 10k VNets.
                p = _PrefixSlots()
                p.version = 4
                p.value = value
                p.length = length
                p.__class__ = Prefix
                if len(_PARSED) >= _PARSED_MAX:
                    _PARSED.clear()
                _PARSED[text] = p
                return p
        if ":" in addr:
            six = _parse_v6(addr, n)
            if six is not None:
                return _remember(text, six)
        return _remember(text, _parse_prefix_checked(text))
    return _parse_prefix_checked(text)


def _parse_v6(addr: str, n: str) -> Prefix | None:
    """parse_prefix's fast path for IPv6 (ipaddress takes 20 times as long); None for anything it
    does not fully accept."""
    length = _V6_LENGTH.get(n)
    if length is None:
        return None
    try:
        packed = _inet_pton(_AF_INET6, addr)
    except (OSError, ValueError):
        return None
    value = _from_bytes(packed)
    if value & (_V6_MAX >> length) or _inet_ntop(_AF_INET6, packed) != addr:
        return None
    return _new_prefix(6, value, length)


def clear_parse_cache() -> None:
    """Forget memoized prefixes (benchmarks measure a cold load with it)."""
    _PARSED.clear()


def parse_prefixes(values: list[object]) -> tuple[Prefix, ...]:
    """``parse_prefix`` over a list; when every text was seen before, a single pass of lookups."""
    cache = _PARSED
    try:
        return tuple([cache[v] for v in values])  # type: ignore[index]
    except (KeyError, TypeError):  # a text not seen yet, or not a string at all
        return tuple(map(parse_prefix, values))


def _remember(text: str, p: Prefix) -> Prefix:
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.clear()
    _PARSED[text] = p
    return p


def _parse_prefix_checked(text: object) -> Prefix:
    """parse_prefix without the fast path: every check, with the message that names the fault."""
    if not isinstance(text, str):
        raise AddressError(f"expected a CIDR prefix string, got {type(text).__name__} {text!r}")
    addr, slash, length_s = text.strip().partition("/")
    if not slash:
        raise AddressError(f"{text!r} is not a CIDR prefix (no /length)")
    # isascii(): str.isdigit() also accepts digits such as '²' or '١', which int() rejects or reads.
    if not (length_s.isascii() and length_s.isdigit()):
        raise AddressError(f"{text!r} has an invalid prefix length")
    length = int(length_s)
    if ":" not in addr:
        parts = addr.split(".")
        if len(parts) != 4 or not all(p.isascii() and p.isdigit() and len(p) <= 3 for p in parts):
            raise AddressError(f"{text!r} is not a valid IPv4 prefix")
        if any(len(p) > 1 and p[0] == "0" for p in parts):
            # Leading zeros read as octal by some tools; ipaddress rejects them too.
            raise AddressError(f"{text!r} has an octet with a leading zero")
        o0, o1, o2, o3 = (int(p) for p in parts)
        if max(o0, o1, o2, o3) > 255:
            raise AddressError(f"{text!r} has an octet above 255")
        if length > 32:
            raise AddressError(f"{text!r} has prefix length {length} (IPv4 allows 0-32)")
        value = (o0 << 24) | (o1 << 16) | (o2 << 8) | o3
        if value & (_V4_MAX >> length):
            raise AddressError(f"{text!r} has host bits set (did you mean {_network_text(4, value, length)}?)")
        return Prefix(4, value, length)
    if "%" in addr:
        # ipaddress accepts a zone index (fe80::%eth0); a network prefix never carries one.
        raise AddressError(f"{text!r} is not a valid IPv6 prefix (zone index)")
    try:
        ip6 = ipaddress.IPv6Address(addr)
    except ValueError as exc:
        raise AddressError(f"{text!r} is not a valid IPv6 prefix") from exc
    if length > 128:
        raise AddressError(f"{text!r} has prefix length {length} (IPv6 allows 0-128)")
    value = int(ip6)
    if value & (_V6_MAX >> length):
        raise AddressError(f"{text!r} has host bits set (did you mean {_network_text(6, value, length)}?)")
    return Prefix(6, value, length)


def _network_text(version: int, value: int, length: int) -> str:
    bits = 32 if version == 4 else 128
    mask = ((1 << bits) - 1) ^ ((1 << (bits - length)) - 1)
    return str(Prefix(version, value & mask, length))


_IPv4Address = ipaddress.IPv4Address


def parse_ip(text: object) -> IPAddress:
    """Parse one IP address (no prefix length)."""
    if type(text) is str:
        # A canonical IPv4 address (inet_pton takes what ipaddress takes without surrounding space:
        # four decimal octets of at most 255, no leading zeros) from its integer, a tenth of the
        # string parse; anything else as below.
        try:
            return _IPv4Address(_from_bytes(_inet_pton(_AF_INET, text)))
        except (OSError, ValueError):
            pass
    if not isinstance(text, str):
        raise AddressError(f"expected an IP address string, got {type(text).__name__} {text!r}")
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError as exc:
        raise AddressError(f"{text!r} is not a valid IP address") from exc


def prefix_of_ip(ip: IPAddress) -> Prefix:
    """The host prefix (/32 or /128) holding exactly this address."""
    return Prefix(ip.version, int(ip), 32 if ip.version == 4 else 128)


def ip_from_int(version: int, value: int) -> IPAddress:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


class PrefixIndex:
    """Which of a set of prefixes contain a given address.

    A dict per prefix length: a lookup masks the address once for each length present in the
    index (at most 33 for IPv4, 129 for IPv6), so it costs O(distinct lengths + hits) whatever
    the number of prefixes.
    """

    def __init__(self, items: list[tuple[Prefix, object]]) -> None:
        self._by_len: dict[tuple[int, int], dict[int, list[tuple[Prefix, object]]]] = {}
        for p, obj in items:
            self._by_len.setdefault((p.version, p.length), {}).setdefault(p.value, []).append((p, obj))
        # Longest prefixes first, so the most specific match comes first.
        self._lengths = sorted(self._by_len, key=lambda vl: -vl[1])

    def lookup(self, ip: IPAddress) -> list[tuple[Prefix, object]]:
        v = int(ip)
        bits = 32 if ip.version == 4 else 128
        out: list[tuple[Prefix, object]] = []
        for version, length in self._lengths:
            if version != ip.version:
                continue
            hits = self._by_len[(version, length)].get(v & ~((1 << (bits - length)) - 1))
            if hits:
                out.extend(hits)
        return out


class PrefixSet:
    """The addresses covered by a set of prefixes, as sorted, merged ranges per IP version.

    :meth:`covers` answers in O(log n) whether a prefix lies inside the set: the question a service
    tag such as ``VirtualNetwork`` asks for every NSG rule, where a hub's set holds the address
    space of hundreds of spokes. Adjacent and nested prefixes are merged, so a prefix spanning two
    adjacent members is covered.
    """

    __slots__ = ("_ranges", "_starts")

    def __init__(self, prefixes: Iterable[Prefix] = ()) -> None:
        items = prefixes if isinstance(prefixes, (list, tuple)) else list(prefixes)
        spans: dict[int, list[tuple[int, int]]] = {}
        v4 = [(p.value, p.value | HOST_BITS4[p.length]) for p in items if p.version == 4]
        if v4:
            spans[4] = v4
        if len(v4) < len(items):
            spans[6] = [(p.value, p.value | ((1 << (128 - p.length)) - 1)) for p in items if p.version != 4]
        self._ranges: dict[int, list[tuple[int, int]]] = {v: _merge_spans(s) for v, s in spans.items()}
        self._starts = {v: [lo for lo, _hi in rs] for v, rs in self._ranges.items()}

    def union(self, prefixes: Iterable[Prefix]) -> PrefixSet:
        """A new set holding this one's addresses and ``prefixes``."""
        extra = list(prefixes)
        if not extra:
            return self
        out = PrefixSet(extra)
        for v, rs in self._ranges.items():
            out._ranges[v] = _merge_spans([*rs, *out._ranges.get(v, ())])
            out._starts[v] = [lo for lo, _hi in out._ranges[v]]
        return out

    def covers(self, p: Prefix) -> bool | None:
        """True: every address of ``p`` is in the set; False: none is; None: some are."""
        rs = self._ranges.get(p.version)
        if not rs:
            return False
        last = p.last
        i = bisect_right(self._starts[p.version], p.value) - 1
        if i >= 0 and rs[i][1] >= p.value:
            return True if rs[i][1] >= last else None
        return None if i + 1 < len(rs) and rs[i + 1][0] <= last else False

    def ranges(self, version: int) -> list[tuple[int, int]]:
        """The merged inclusive (first, last) ranges of one IP version."""
        return list(self._ranges.get(version, ()))


#: The host bits of a prefix of each length, IPv4 and IPv6 (its last address is its first | these).
HOST_BITS4 = tuple((1 << (32 - n)) - 1 for n in range(33))
HOST_BITS6 = tuple((1 << (128 - n)) - 1 for n in range(129))


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


class PrefixRangeIndex:
    """Which of a set of prefixes overlap a given prefix, without a scan of the set.

    Two CIDR prefixes overlap only when one contains the other. Those containing the query are
    found by a :class:`PrefixIndex` lookup of its first address (one probe per prefix length);
    those inside it start inside it, found by bisecting the prefixes sorted by first address.
    A query costs O(log n + distinct lengths + hits).
    """

    def __init__(self, items: list[tuple[Prefix, object]]) -> None:
        self._containing = PrefixIndex(items)
        self._sorted = sorted(items, key=lambda po: (po[0].version, po[0].value, po[0].length))
        self._keys = [(p.version, p.value) for p, _ in self._sorted]

    def overlapping(self, q: Prefix) -> list[tuple[Prefix, object]]:
        """Every (prefix, object) overlapping ``q``: the wider ones containing it first (longest
        first), then those inside it (or equal to it) in address order."""
        out = [po for po in self._containing.lookup(ip_from_int(q.version, q.value)) if po[0].length < q.length]
        i = bisect_left(self._keys, (q.version, q.value))
        j = bisect_right(self._keys, (q.version, q.last))
        out.extend(po for po in self._sorted[i:j] if po[0].length >= q.length)
        return out


def parse_address_query(text: str) -> Prefix | None:
    """What a user typed to ask "who owns": an IP address (as its host prefix) or a CIDR prefix,
    host bits allowed (``10.20.3.4/24`` asks about ``10.20.3.0/24``); None for anything else."""
    t = text.strip()
    if not t or not (t[0].isdigit() or ":" in t):
        return None
    try:
        net = ipaddress.ip_network(t, strict=False)
    except ValueError:
        return None
    return Prefix(net.version, int(net.network_address), net.prefixlen)
