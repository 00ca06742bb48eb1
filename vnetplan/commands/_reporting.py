"""Options and helpers shared by the commands that write a findings report (audit and drift): where
the estate comes from (``--estate`` or ``--live``) and the SARIF options. Apart from ``audit``'s
own module, so that drift does not import the rule pack (a tenth of a second of a drift's start-up)."""

from __future__ import annotations

import argparse
import sys

from netplan.errors import UsageError
from netplan.estate import Estate, estate_from_data
from netplan.live.credentials import acquire
from netplan.report.sarif import SarifOptions
from vnetplan.commands._common import add_credential_arg, add_estate_args, load, report_load, settle


def add_sarif_args(parser: argparse.ArgumentParser) -> None:
    """The SARIF-only options, shared by audit and drift."""
    group = parser.add_argument_group("SARIF (--format sarif)")
    group.add_argument("--sarif-category", metavar="NAME",
                       help="write runs[].automationDetails.id = NAME/ (default: none, so the upload action's "
                            "category input applies)")  # fmt: skip
    group.add_argument("--sarif-include-suppressed", action="store_true",
                       help="keep suppressed findings as results with a SARIF suppression (GitHub code scanning "
                            "ignores suppressions and opens alerts for them; default: left out)")  # fmt: skip


def sarif_options(args: argparse.Namespace) -> SarifOptions:
    return SarifOptions(category=args.sarif_category or None, include_suppressed=args.sarif_include_suppressed)


def add_source_args(parser: argparse.ArgumentParser) -> None:
    """``--estate FILE...`` or ``--live`` (with its options): where the estate comes from."""
    add_estate_args(parser, required=False)
    live = parser.add_argument_group("live Azure (instead of --estate)")
    live.add_argument("--live", action="store_true",
                      help="read the estate from Azure now (GET only; Reader is enough); scopes that cannot be read "
                           "become UNKNOWN findings")  # fmt: skip
    live.add_argument("--subscription", action="append", default=[], metavar="ID",
                      help="with --live: subscription to read; repeat; default: every one the credential can list")  # fmt: skip
    live.add_argument("--endpoint", metavar="URL", help="with --live: ARM base URL (sovereign clouds, an emulator)")
    live.add_argument("--ca-bundle", metavar="FILE", help="with --live: CA bundle to trust for --endpoint")
    add_credential_arg(live)


def load_source(args: argparse.Namespace) -> Estate:
    """The estate from ``--estate`` files, or from Azure with ``--live``.

    A live read never stops at a subscription or kind it cannot read: it records the gap, which the
    analyses report as UNKNOWN (VNP-GAP-001 names each one). Authentication or listing failures are
    errors (exit 2).
    """
    if args.live == bool(args.estate):
        raise UsageError("give either --estate FILE or --live")
    if not args.live:
        return load(args)

    # Deferred deliberately (docs/DEVELOPING.md): the live inventory (with its thread pool) is for
    # --live only; reading a snapshot need not import it (tests/unit/test_import_hygiene.py).
    from netplan.live.inventory import InventoryOptions, take_inventory

    opts = InventoryOptions(
        subscriptions=tuple(args.subscription), endpoint=args.endpoint, ca_bundle=args.ca_bundle, allow_partial=True
    )
    result = take_inventory(acquire(args.credential, args.endpoint), opts, progress=sys.stderr, show_progress=False)
    estate = estate_from_data(result.snapshot, "<live Azure>", declaration_files=args.declarations or [])
    settle()
    report_load(estate, verbose=bool(getattr(args, "verbose", False)))
    return estate
