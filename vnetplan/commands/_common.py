"""Options and helpers shared by the subcommands: estate loading, output, exit codes."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from netplan.estate import Estate


def add_estate_args(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument(
        "--estate", action="append", metavar="FILE", required=required, default=None,
        help="snapshot file (ARM JSON, ARM list, Resource Graph or Azure CLI output); repeat to merge several",
    )  # fmt: skip
    parser.add_argument(
        "--declarations", action="append", metavar="FILE", default=[],
        help="YAML/JSON declarations: on-prem prefixes, forwarding hubs, DNS forwarders, public DNS answers",
    )  # fmt: skip


def add_format_arg(parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("table", "json")) -> None:
    parser.add_argument("--format", choices=choices, default=choices[0], help=f"output format (default {choices[0]})")
    add_pretty_arg(parser)


def add_pretty_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pretty", action="store_true", default=None,
        help="indent JSON output (default: indented on a terminal, compact when piped or written to a file)",
    )  # fmt: skip


def load(args: argparse.Namespace) -> Estate:
    """Load the estate named on the command line; report skipped types and gaps on stderr."""
    from netplan.loader import load_estate

    estate: Estate = load_estate(args.estate or [], getattr(args, "declarations", None) or [])
    report_load(estate)
    return estate


def report_load(estate: Estate) -> None:
    if estate.skipped:
        total = sum(n for _, n in estate.skipped)
        kinds = ", ".join(f"{t} ({n})" for t, n in estate.skipped)
        print(f"vnetplan: skipped {total} resource(s) of types not modelled: {kinds}", file=sys.stderr)
    for gap in estate.gaps:
        print(f"vnetplan: warning: snapshot is incomplete: {gap.kind} in {gap.scope}: {gap.reason}", file=sys.stderr)


def emit(text: str) -> None:
    """Write the result to stdout (and only the result)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def emit_json(data: Any, pretty: bool | None = None) -> None:
    """Write JSON to stdout through the streamed C-encoder writer (:mod:`netplan.jsonout`):
    indented with ``pretty=True``, compact with False, and with None indented only on a terminal."""
    from netplan.jsonout import pretty_default, write_json

    write_json(sys.stdout, data, pretty=pretty_default(sys.stdout) if pretty is None else pretty)
