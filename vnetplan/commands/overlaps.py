"""``vnetplan overlaps``: every address overlap in the estate, grouped and classified (DESIGN P3).

Exit 1 when any overlap is an ``error`` (peered or third-VNet rule), else 0; 2 on bad input.

The output grows with the estate, not with its square: every group is listed with its members and
pair count, the pairs of error and warning groups (what a user fixes) are listed in JSON, and the
pairs of isolated groups (a thousand VNets on the portal's default 10.0.0.0/16 make half a million)
only with ``--pairs``, written as they are expanded.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from netplan.errors import ExitCode
from netplan.render import SEVERITY_COLORS, paint, use_color
from vnetplan.commands._common import add_estate_args, add_format_arg, emit_json, load

if TYPE_CHECKING:
    from netplan.overlaps import OverlapGroup, OverlapReport

#: Members and reasons shown per group in the table before "... and N more".
MAX_MEMBERS = 8
MAX_REASONS = 3


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "overlaps",
        help="address overlaps between VNets and on-prem space, classified peered / routing-domain / isolated",
        description=(
            "Find every overlap between the address prefixes of all VNets and the declared on-prem prefixes. "
            "error: the VNets are peered or both peered with a third VNet (Azure refuses such peerings); "
            "warning: same routing domain, on-prem space, or a VNet's own prefixes; info: VNets that never "
            "route to each other. Exit 1 if any error."
        ),
    )
    add_estate_args(p)
    add_format_arg(p)
    p.add_argument(
        "--pairs", action="store_true",
        help="also list every pair of the isolated (info) groups; error and warning groups always list "
        "their pairs in JSON (the table lists pairs only with --pairs)",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from netplan.overlaps import find_overlaps

    estate = load(args)
    report = find_overlaps(estate)
    if args.format == "json":
        emit_json(report.to_stream(isolated_pairs=args.pairs), pretty=args.pretty)
    else:
        out = sys.stdout
        for line in table_lines(report, color=use_color(), pairs=args.pairs):
            out.write(line + "\n")
    return int(ExitCode.PROBLEMS if report.has_errors else ExitCode.OK)


def render_table(report: OverlapReport, color: bool = False, pairs: bool = False) -> str:
    """The grouped, human-readable report: one block per group, a summary line last."""
    return "\n".join(table_lines(report, color, pairs))


def table_lines(report: OverlapReport, color: bool = False, pairs: bool = False) -> Iterator[str]:
    """The lines of :func:`render_table`, produced one group at a time (``--pairs`` can list millions)."""
    for g in report.groups:
        yield from _group_lines(g, color)
        if pairs:
            for p in g.pairs():
                yield f"    pair: {p.a.label} {p.a.prefix}  <->  {p.b.label} {p.b.prefix}"
        yield ""
    lines: list[str] = []
    s = report.summary()
    sev = s["pairs_by_severity"]
    scope = (
        f"{_n(s['prefixes'], 'prefix', 'prefixes')} of {_n(s['vnets'], 'VNet')} and "
        f"{_n(s['onprem_prefixes'], 'on-prem prefix', 'on-prem prefixes')}"
    )
    if not report.groups:
        lines.append(f"No overlaps among {scope}.")
    else:
        lines.append(
            f"{_n(s['groups'], 'group')}, {_n(s['pairs'], 'overlapping pair')} (error {sev['error']}, "
            f"warning {sev['warning']}, info {sev['info']}) among {scope}"
        )
    if report.incomplete:
        lines.append(f"note: {report.incomplete}")
    yield from lines


def _group_lines(g: OverlapGroup, color: bool) -> list[str]:
    members = g.members
    n_pairs = g.pair_count
    head = (
        f"{str(g.severity).upper():7}  {g.scope}  {g.prefix}  "
        f"({len(members)} prefixes, {n_pairs} pair{'s' if n_pairs != 1 else ''})"
    )
    out = [paint(head, SEVERITY_COLORS.get(str(g.severity)), color)]
    width = max((len(m.label) for m in members[:MAX_MEMBERS]), default=0)
    for m in members[:MAX_MEMBERS]:
        out.append(f"    {m.label.ljust(width)}  {m.prefix}")
    if len(members) > MAX_MEMBERS:
        out.append(f"    … and {len(members) - MAX_MEMBERS} more")
    reasons = g.reasons
    for r in reasons[:MAX_REASONS]:
        out.append(f"  why: {r}")
    if len(reasons) > MAX_REASONS:
        out.append(f"  … and {len(reasons) - MAX_REASONS} more reasons (--format json or --pairs lists every pair)")
    return out


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
