"""``vnetplan rules``: the rule pack's metadata, for policy reviews (table or JSON). Exit 0."""

from __future__ import annotations

import argparse

from checks import registry
from checks.mappings import MAPPINGS
from netplan.errors import ExitCode
from netplan.render import table
from vnetplan.commands._common import add_format_arg, emit, emit_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "rules",
        help="list the compliance rules with their ids, severities and metadata",
        description="List every rule of the vnetplan rule pack: id, severity, title, rationale, remediation, "
        "references, tags and compliance mappings.",
    )
    add_format_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    mappings = MAPPINGS
    infos = registry.rule_infos()
    if args.format == "json":
        emit_json({"rules": [{**infos[i].to_dict(), "mappings": {k: list(v) for k, v in mappings.get(i, {}).items()}}
                             for i in sorted(infos)]}, pretty=args.pretty)  # fmt: skip
    else:
        rows = [(i, infos[i].severity.value, infos[i].title, ", ".join(infos[i].tags)) for i in sorted(infos)]
        emit(table(("ID", "SEVERITY", "TITLE", "TAGS"), rows))
    return int(ExitCode.OK)
