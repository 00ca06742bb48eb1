"""``vnetplan drift``: has the estate moved away from a baseline snapshot or from the intent?

``--baseline OLD.json --estate NEW.json`` (or ``--live`` instead of ``--estate``): every added, removed and changed resource, property by
property. ``--intent INTENT.yaml --estate NOW.json``: each declared connection against the estate.
Both may be given (one report). Output formats as for audit. Exit 0 in sync, 1 drift (or drift
that cannot be ruled out: UNKNOWN findings), 2 could not compare (bad file, bad reference).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from netplan.drift import has_drift, merge, snapshot_drift
from netplan.driftscan import scan, snapshot_drift_files
from netplan.errors import ExitCode, UsageError
from netplan.estate import load_estate
from netplan.intent import load_intent_partial
from netplan.loader import read_snapshot
from netplan.report import FORMATS, Report, run_info, summary_line, write_report
from vnetplan.commands._common import add_pretty_arg, load, settle
from vnetplan.commands._reporting import add_sarif_args, add_source_args, load_source, sarif_options


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "drift",
        help="compare the estate with a baseline snapshot and/or the intent file; exit 1 on drift",
        description=(
            "Snapshot drift (--baseline): every added, removed and changed resource of the connectivity graph, "
            "property by property. Intent drift (--intent): missing or extra peering links, link state/flags/sync, "
            "private endpoint and approval, app-domain zone links, and name verification per declared "
            "connection. Exit 0 in sync, 1 drift, 2 error."
        ),
    )
    add_source_args(p)
    p.add_argument("--baseline", metavar="FILE", help="the earlier snapshot to compare with")
    p.add_argument("--intent", metavar="FILE", help="the intent file (provider and connections) to check against")
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")
    p.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    add_pretty_arg(p)
    add_sarif_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:

    if not args.baseline and not args.intent:
        raise UsageError("drift needs --baseline FILE (snapshot drift) and/or --intent FILE (intent drift)")
    # Two snapshot files: read both before the estate is built (while nothing else is in memory) to
    # find the resources whose JSON is unchanged; only the others are built and compared. The
    # current file is read once, for the pre-pass and the load.
    pre = None
    if args.baseline and args.estate and len(args.estate) == 1 and not args.live:
        current = read_snapshot(args.estate[0])
        pre = scan(args.baseline, current)
        estate = load(args, [current])
        del current
    else:
        estate = load_source(args)
    started, clock = time.time(), time.perf_counter()
    reports: list[Report] = []
    extra: dict[str, object] = {}
    if args.baseline:
        snap = None
        if pre is not None:
            snap = snapshot_drift_files(pre, estate, args.declarations or [], baseline_name=args.baseline)
            pre = None
        if snap is None:
            baseline = load_estate([args.baseline], args.declarations or [])
            settle()
            snap = snapshot_drift(baseline, estate, baseline_name=args.baseline)
        reports.append(snap)
        extra.update(snap.extra)
    if args.intent:
        # Deferred deliberately (docs/DEVELOPING.md): intent drift asks the planner, whose import a
        # comparison of two snapshots need not pay (tests/unit/test_import_hygiene.py checks both).
        from netplan.intentdrift import intent_drift

        # A connection whose VNet may be where the estate could not read is UNKNOWN, not an error.
        intent = load_intent_partial(args.intent, estate)
        reports.append(intent_drift(estate, intent))
        extra["intent"] = args.intent
    report = reports[0] if len(reports) == 1 else merge(reports, estate.sources, extra)
    report = replace(report, run=run_info(started, time.perf_counter() - clock))
    write_report(report, args.format, args.output, sarif=sarif_options(args), pretty=args.pretty)
    print(summary_line(report), file=sys.stderr)
    return int(ExitCode.PROBLEMS if has_drift(report) else ExitCode.OK)
