"""``vnetplan audit``: run the compliance rule pack over an estate and report in a CI format.

Exit 0 when no unsuppressed FAIL finding is at or above ``--fail-on`` (default high); 1 when one
is; 2 when the audit could not be done (bad estate or suppression file, unknown rule id, an output
file that cannot be written). What the snapshot cannot show becomes UNKNOWN findings, counted on
stderr, never a silent pass.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from netplan.commands._common import add_estate_args, load
from netplan.errors import ExitCode
from netplan.report import FAIL_ON_CHOICES, FORMATS, parse_fail_on, summary_line, write_report


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="run the compliance rules (peering, overlaps, Private DNS, private endpoints) and report findings",
        description=(
            "Run the vnetplan rule pack over the estate and write the findings as a table, JSON, SARIF 2.1.0 "
            "(GitHub code scanning, Azure DevOps), JUnit XML or Markdown. Exit 0 when no unsuppressed failure "
            "is at or above --fail-on, 1 when one is, 2 when the audit could not be done."
        ),
    )
    add_estate_args(p)
    p.add_argument("--rules", action="append", default=[], metavar="IDS",
                   help="comma-separated rule ids to run (default: all; see vnetplan rules)")  # fmt: skip
    p.add_argument("--skip", action="append", default=[], metavar="IDS", help="comma-separated rule ids not to run")
    p.add_argument("--intent", metavar="FILE",
                   help="intent file: its declared consumers must resolve the app domain (VNP-DNS-001)")  # fmt: skip
    p.add_argument("--suppressions", metavar="FILE",
                   help="YAML file of accepted findings: rule, resource (ID or glob), reason, expires")  # fmt: skip
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--fail-on", choices=FAIL_ON_CHOICES, default="high",
                   help="exit 1 when an unsuppressed failure has this severity or higher (default high; none: never)")  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # The CLI is the outer shell and may load the rule pack; the core library (netplan/) must never
    # import checks/. import-linter only follows static imports, so this one is dynamic, here.
    registry = importlib.import_module("checks.registry")
    suppressions = importlib.import_module("checks.suppressions")
    registry.select(args.rules, args.skip)  # unknown ids are a usage error before any work
    estate = load(args)
    supp = suppressions.load_suppressions(args.suppressions, registry.rule_infos()) if args.suppressions else []
    intent = None
    if args.intent:
        from netplan.intent import load_intent

        intent = load_intent(args.intent, estate)
    report = registry.audit(
        estate, only=args.rules, skip=args.skip, suppressions=supp, intent=intent, fail_on=parse_fail_on(args.fail_on)
    )
    write_report(report, args.format, args.output)
    print(summary_line(report), file=sys.stderr)
    return int(ExitCode.PROBLEMS if report.failed else ExitCode.OK)
