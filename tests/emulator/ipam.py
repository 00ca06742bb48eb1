"""Address helpers for the emulator: prefix parsing, containment/overlap and next-free-IP allocation.

Azure reserves the first four addresses and the last address of every IPv4 subnet, so dynamic
allocation starts at the fifth address (``x.x.x.4`` in a /24).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_prefix(text: Any) -> Network | None:
    """A network from CIDR text (host bits allowed), or None when invalid."""
    if not isinstance(text, str) or "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def overlapping_pairs(a: Iterable[str], b: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs (prefix of a, prefix of b) that overlap (same IP version only)."""
    out = []
    nb = [(p, parse_prefix(p)) for p in b]
    for pa in a:
        na = parse_prefix(pa)
        if na is None:
            continue
        for pb, nbb in nb:
            if nbb is not None and na.version == nbb.version and na.overlaps(nbb):
                out.append((pa, pb))
    return out


def within_any(prefix: str, containers: Iterable[str]) -> bool:
    """Whether ``prefix`` is inside one of ``containers``."""
    n = parse_prefix(prefix)
    if n is None:
        return False
    for c in containers:
        cn = parse_prefix(c)
        if cn is not None and cn.version == n.version and n.subnet_of(cn):  # type: ignore[arg-type]
            return True
    return False


def address_in(ip: str, prefixes: Iterable[str]) -> bool:
    """Whether the IP address lies in one of the prefixes."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for p in prefixes:
        n = parse_prefix(p)
        if n is not None and addr.version == n.version and addr in n:
            return True
    return False


def next_free(prefixes: Iterable[str], used: set[str]) -> str | None:
    """The first free IPv4 address in the subnet prefixes, skipping Azure's reserved addresses."""
    for p in prefixes:
        n = parse_prefix(p)
        if n is None or n.version != 4 or n.num_addresses < 8:
            continue
        last = n.num_addresses - 1
        for i in range(4, last):
            ip = str(n.network_address + i)
            if ip not in used:
                return ip
    return None
