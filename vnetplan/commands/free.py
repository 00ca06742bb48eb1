"""``vnetplan free``: suggest address prefixes of a given size that overlap nothing in the estate.

Exit 0 when at least one free prefix was found, 1 when none of that size remains, 2 on bad input
(``--size /33``, ``--within`` with host bits, an unreadable estate).
"""

from __future__ import annotations

import argparse
import sys

from netplan.errors import ExitCode, UsageError
from vnetplan.commands._common import add_estate_args, add_format_arg, emit, emit_json, load


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "free",
        help="free address prefixes of a given size (overlapping no VNet or on-prem space)",
        description=(
            "Suggest aligned prefixes of --size that overlap no VNet address space (including VNets outside "
            "the snapshot that peering links report) and no declared on-prem prefix, lowest first, inside "
            "--within (default the RFC 1918 ranges 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16). "
            "Exit 1 when no prefix of that size is free."
        ),
    )
    add_estate_args(p)
    p.add_argument("--size", required=True, metavar="/LEN", help="prefix length to find, e.g. /22")
    p.add_argument("--within", action="append", metavar="CIDR", default=None,
                   help="supernet to search (repeatable; default the RFC 1918 ranges)")  # fmt: skip
    p.add_argument(
        "--count", type=int, default=1, metavar="N", help="how many prefixes to suggest (default 1)"
    )
    add_format_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from netplan.addr import AddressError, parse_prefix
    from netplan.free import find_free, parse_size

    length = parse_size(args.size)
    within = []
    for text in args.within or ():
        try:
            within.append(parse_prefix(text))
        except AddressError as exc:
            raise UsageError(f"--within: {exc}") from None
    if args.count < 1:
        raise UsageError(f"--count must be at least 1 (got {args.count})")
    estate = load(args)
    result = find_free(estate, length, within or None, args.count)
    if result.incomplete:
        print(f"vnetplan: warning: {result.incomplete}", file=sys.stderr)
    if args.format == "json":
        emit_json(result.to_dict(), pretty=args.pretty)
    elif result.found:
        emit("\n".join(str(p) for p in result.prefixes))
    if not result.found:
        print(
            f"vnetplan: no free /{length} left in {', '.join(str(s) for s in result.within)}",
            file=sys.stderr,
        )
        return int(ExitCode.PROBLEMS)
    if len(result.prefixes) < result.requested:
        print(
            f"vnetplan: only {len(result.prefixes)} of {result.requested} free /{length} prefixes found",
            file=sys.stderr,
        )
    return int(ExitCode.OK)
