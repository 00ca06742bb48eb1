"""``vnetplan whatif``: the estate after a plan, verified in memory before anything is applied.

Reads an intent (and optionally a saved plan file, which must have been made from this very
estate), applies the changes to an in-memory copy and verifies every connection before -> after.
Exit 0 the result would verify; 1 it would not (a connection FAIL or UNKNOWN, a routed overlap);
2 error (bad files, or a plan made from a different estate).
"""

from __future__ import annotations

import argparse
import json

from netplan.changeset import ChangeSet
from netplan.errors import ExitCode, InputError
from netplan.intent import load_intent
from netplan.plan import estate_fingerprint, make_plan
from netplan.whatif import what_if
from vnetplan.commands._common import add_estate_args, add_format_arg, emit, emit_json, load
from vnetplan.commands.plan import render_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "whatif",
        help="verify the estate as it will be after a plan (DNS + reachability, before -> after)",
        description=(
            "Apply the plan for INTENT (or a saved --plan file) to an in-memory copy of the estate and verify each "
            "connection before and after: DNS simulation, reachability and routed overlaps. Private endpoint "
            "addresses are placeholders until Azure assigns them. Exit 0 would verify, 1 would not, 2 error."
        ),
    )
    add_estate_args(p)
    add_format_arg(p)
    p.add_argument("--intent", required=True, metavar="FILE", help="the intent YAML file")
    p.add_argument("--plan", metavar="PLAN.json", help="a plan file from 'vnetplan plan --out' (default: plan now)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:

    estate = load(args)
    intent = load_intent(args.intent, estate)
    if args.plan:
        try:
            with open(args.plan, encoding="utf-8") as fh:
                data = json.load(fh)
        except OSError as exc:
            raise InputError(args.plan, "", f"cannot read: {exc.strerror or exc}") from None
        except json.JSONDecodeError as exc:
            raise InputError(args.plan, f"line {exc.lineno}", f"invalid JSON: {exc.msg}") from None
        if not isinstance(data, dict):
            raise InputError(args.plan, "", "not a plan file")
        cs = ChangeSet.from_dict(data, args.plan)
        if cs.estate_fingerprint != estate_fingerprint(estate):
            raise InputError(args.plan, "made_from.estate_fingerprint", "the plan was made from a different estate; plan again")
    else:
        cs = make_plan(estate, intent)
    wi = what_if(estate, intent, cs)
    if args.format == "json":
        emit_json(wi.to_dict(), pretty=args.pretty)
    else:
        emit(render_table(cs, wi))
    return int(ExitCode.OK if wi.would_verify else ExitCode.PROBLEMS)
