"""Options and helpers shared by the subcommands: estate loading, output, exit codes."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence
from typing import Any

from netplan.estate import Estate, build_estate, load_estate
from netplan.jsonout import pretty_default, write_json
from netplan.live.credentials import CREDENTIAL_CHOICES, TOKEN_ENV
from netplan.loader import RawSnapshot
from netplan.model import Gap


def add_estate_args(parser: argparse.ArgumentParser, required: bool = True) -> None:
    parser.add_argument(
        "--estate", action="append", metavar="FILE", required=required, default=None,
        help="snapshot file (ARM JSON, ARM list, Resource Graph or Azure CLI output); repeat to merge several",
    )  # fmt: skip
    parser.add_argument(
        "--declarations", action="append", metavar="FILE", default=[],
        help="YAML/JSON declarations: on-prem prefixes, forwarding hubs (and what their firewall allows: rules), DNS forwarders, public DNS answers",
    )  # fmt: skip
    add_verbose_arg(parser)


def add_verbose_arg(parser: argparse.ArgumentParser | Any) -> None:
    """``--verbose``: details behind one-line messages (credential probes, skipped resource types)."""
    parser.add_argument("--verbose", action="store_true",
                        help="say more on stderr: what each credential said, resource types skipped while loading")  # fmt: skip


def add_credential_arg(parser: argparse.ArgumentParser | Any) -> None:
    """``--credential``, for every command that talks to Azure (plus ``--verbose`` for its details)."""

    parser.add_argument(
        "--credential", choices=CREDENTIAL_CHOICES, default="auto",
        help=f"how to sign in to Azure (default auto: {TOKEN_ENV} if set, else DefaultAzureCredential); "
             "cli = the az login, managed-identity, workload-identity, env = AZURE_* service principal, "
             f"token = only {TOKEN_ENV}. Choosing one skips the probes of the others",
    )  # fmt: skip


def add_format_arg(parser: argparse.ArgumentParser, choices: tuple[str, ...] = ("table", "json")) -> None:
    parser.add_argument("--format", choices=choices, default=choices[0], help=f"output format (default {choices[0]})")
    add_pretty_arg(parser)


def add_pretty_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pretty", action="store_true", default=None,
        help="indent JSON output (default: indented on a terminal, compact when piped or written to a file)",
    )  # fmt: skip


def load(args: argparse.Namespace, snapshots: Sequence[RawSnapshot] | None = None) -> Estate:
    """Load the estate named on the command line; report skipped types and gaps on stderr.
    ``snapshots``: its files as already read (:func:`netplan.loader.read_snapshot`), when a command
    reads them before the load (drift's pre-pass)."""

    decls = getattr(args, "declarations", None) or []
    estate: Estate = load_estate(args.estate or [], decls) if snapshots is None else build_estate(snapshots, decls)
    settle()
    report_load(estate, verbose=bool(getattr(args, "verbose", False)))
    return estate


def settle() -> None:
    """Take what is loaded so far out of the cyclic collector's view (``gc.freeze``).

    A command keeps its Estate until it exits, and the Estate is a million objects at 50,000 VNets;
    every full collection triggered by an analysis's allocations (an index, a graph) would rescan
    them all (building the peering topology took 2.9 s instead of 0.6 s at 50k). Frozen objects are
    never collected, which costs nothing in a process that ends with the command.
    """
    gc.freeze()


#: Skipped resource types that change the answers (lower-case type -> what the model misses), said
#: even without --verbose. Other skipped types (VMs, public IPs, clusters...) do not: said only
#: with --verbose.
MATTERS = {
    "microsoft.network/virtualhubs": "Virtual WAN hub routing",
    "microsoft.network/virtualwans": "Virtual WAN routing",
    "microsoft.network/hubvirtualnetworkconnections": "Virtual WAN hub connections",
    "microsoft.network/networkvirtualappliances": "forwarding through a network virtual appliance",
    "microsoft.network/virtualnetworktaps": "traffic mirroring",
    "microsoft.network/localnetworkgateways": "on-premises prefixes (declare them: --declarations, key onprem)",
    "microsoft.network/connections": "site-to-site connections to on-premises (declare the prefixes: key onprem)",
}


def skipped_that_matter(estate: Estate) -> list[tuple[str, int, str]]:
    """(type, count, what is missed) for the skipped types that can change an answer."""
    out = []
    for rtype, n in estate.skipped:
        why = MATTERS.get(rtype.lower())
        if why is None:
            continue
        onprem_type = rtype.lower() in ("microsoft.network/localnetworkgateways", "microsoft.network/connections")
        if onprem_type and estate.onprem:
            continue  # the declarations say what those gateways reach
        out.append((rtype, n, why))
    return out


def report_load(estate: Estate, verbose: bool = False) -> None:
    """Say on stderr what the estate lacks: gaps always; skipped resource types with ``verbose``, or
    when a skipped type can change the answer (then which, and what the model misses)."""
    if estate.skipped and verbose:
        total = sum(n for _, n in estate.skipped)
        kinds = ", ".join(f"{t} ({n})" for t, n in estate.skipped)
        print(f"vnetplan: skipped {total} resource(s) of types not modelled: {kinds}", file=sys.stderr)
    elif estate.skipped:
        matter = skipped_that_matter(estate)
        if matter:
            kinds = "; ".join(f"{t} ({n}): {why}" for t, n, why in matter)
            print(f"vnetplan: note: skipped resources whose effect this answer does not include: {kinds} "
                  "(--verbose lists every skipped type)", file=sys.stderr)  # fmt: skip
    # One line per scope and cause: a subscription denied (403) fails once per resource kind listed,
    # which is one failure to the user; --verbose gives each kind's own line.
    groups: dict[tuple[str, str], list[Gap]] = {}
    for gap in estate.gaps:
        groups.setdefault((gap.scope.lower(), gap.reason.split(":", 1)[0]), []).append(gap)
    for (_scope, cause), gaps in groups.items():
        if len(gaps) == 1 or verbose:
            for gap in gaps:
                print(f"vnetplan: warning: snapshot is incomplete: {gap.kind} in {gap.scope}: {gap.reason}", file=sys.stderr)
            continue
        kinds = ", ".join(g.kind for g in gaps)
        print(f"vnetplan: warning: snapshot is incomplete: {len(gaps)} resource kinds in {gaps[0].scope} ({kinds}): "
              f"{cause} (--verbose for each)", file=sys.stderr)  # fmt: skip


def emit(text: str) -> None:
    """Write the result to stdout (and only the result)."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def emit_json(data: Any, pretty: bool | None = None) -> None:
    """Write JSON to stdout through the streamed C-encoder writer (:mod:`netplan.jsonout`):
    indented with ``pretty=True``, compact with False, and with None indented only on a terminal."""

    write_json(sys.stdout, data, pretty=pretty_default(sys.stdout) if pretty is None else pretty)
