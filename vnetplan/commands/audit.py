"""``vnetplan audit``: run the compliance rule pack over an estate (a snapshot, or Azure with
``--live``) and report in a CI format.

Exit 0 when no unsuppressed FAIL finding is at or above ``--fail-on`` (default high); 1 when one
is; 2 when the audit could not be done (bad estate or suppression file, unknown rule id, an output
file that cannot be written). What the snapshot cannot show becomes UNKNOWN findings, counted on
stderr, never a silent pass.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from checks import registry, suppressions
from netplan.errors import ExitCode
from netplan.intent import load_intent_partial
from netplan.report import FAIL_ON_CHOICES, FORMATS, parse_fail_on, run_info, summary_line, write_report
from vnetplan.commands._common import add_pretty_arg
from vnetplan.commands._reporting import add_sarif_args, add_source_args, load_source, sarif_options


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
    add_source_args(p)
    p.add_argument("--rules", action="append", default=[], metavar="IDS",
                   help="comma-separated rule ids to run (default: all; see vnetplan rules)")  # fmt: skip
    p.add_argument("--skip", action="append", default=[], metavar="IDS", help="comma-separated rule ids not to run")
    p.add_argument("--intent", metavar="FILE",
                   help="intent file: its declared consumers must resolve the app domain (VNP-DNS-001)")  # fmt: skip
    p.add_argument("--suppressions", metavar="FILE",
                   help="YAML file of accepted findings: rule, resource (ID or glob), reason, expires")  # fmt: skip
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    p.add_argument("--include-passed", action="store_true",
                   help="also list PASS findings (default: failures, UNKNOWNs and suppressed findings are listed, "
                        "passes only counted per rule)")  # fmt: skip
    add_pretty_arg(p)
    add_sarif_args(p)
    p.add_argument("--fail-on", choices=FAIL_ON_CHOICES, default="high",
                   help="exit 1 when an unsuppressed failure has this severity or higher (default high; none: never)")  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    registry.select(args.rules, args.skip)  # unknown ids are a usage error before any work
    estate = load_source(args)
    supp = suppressions.load_suppressions(args.suppressions, registry.rule_infos()) if args.suppressions else []
    intent = None
    if args.intent:
        # A connection whose VNet may be where the estate could not read is UNKNOWN, not an error.
        intent = load_intent_partial(args.intent, estate)
    started, clock = time.time(), time.perf_counter()
    timings: dict[str, float] = {}
    report = registry.audit(
        estate, only=args.rules, skip=args.skip, suppressions=supp, intent=intent, fail_on=parse_fail_on(args.fail_on),
        timings=timings, include_passed=args.include_passed,
    )  # fmt: skip
    report = replace(report, run=run_info(started, time.perf_counter() - clock, timings))
    write_report(report, args.format, args.output, sarif=sarif_options(args), pretty=args.pretty)
    print(summary_line(report), file=sys.stderr)
    return int(ExitCode.PROBLEMS if report.failed else ExitCode.OK)
