"""``vnetplan plan``: the ordered ARM changes that realise an intent, as a table, JSON or Markdown,
or as infrastructure code (``--format terraform|bicep|arm``, :mod:`netplan.export`).

Exit codes follow ``terraform plan -detailed-exitcode``: 0 = the estate already matches the intent
(no changes, no problems); 1 = changes are pending, or the plan has problems it cannot solve, or
(with ``--what-if``) the result would not verify (terraform's 2, "succeeded with non-empty diff", is our 1 because 2 means error across vnetplan);
2 = error (bad estate or intent file, unknown reference), terraform's 1.
"""

from __future__ import annotations

import argparse
import difflib
import json
from pathlib import Path
from typing import Any

from netplan.errors import ExitCode, InputError, UsageError
from netplan.explain import BAD, GOOD, explain_plan
from netplan.export import IAC_FORMATS, render_iac, write_iac
from netplan.ids import short_id
from netplan.intent import load_intent
from netplan.plan import make_plan
from netplan.render import paint, use_color
from netplan.verdict import plan_document, plan_file_text
from netplan.whatif import what_if
from vnetplan.commands._common import add_estate_args, add_pretty_arg, emit, emit_json, load

_SIGN = {"create": "+", "update": "~", "delete": "-"}
_HUE = {"create": "green", "update": "yellow", "delete": "red"}
_TONE = {GOOD: "green", BAD: "red", "": None}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan",
        help="the ordered Azure changes (exact REST bodies) that realise an intent file",
        description=(
            "Compare the estate with the intent file and list, in dependency order, each ARM resource to create, "
            "update or delete, with its exact REST body: peering links, Private Link Service, private endpoints, "
            "private DNS zones, A records and VNet links. Private endpoint addresses Azure has yet to assign are "
            "placeholders naming the endpoint. With --what-if the result is also verified (DNS + reachability) "
            "before and after, in memory."
        ),
        epilog=(
            "Exit codes (like terraform plan -detailed-exitcode, renumbered to vnetplan's contract): "
            "0 no changes (terraform 0); 1 changes pending, problems the plan cannot solve, or with --what-if a "
            "result that would not verify (terraform 2); 2 error: bad estate or intent file, unknown reference "
            "(terraform 1)."
        ),
    )
    add_estate_args(p)
    p.add_argument("--intent", required=True, metavar="FILE", help="the intent YAML file")
    p.add_argument("--format", choices=("table", "json", "markdown", *IAC_FORMATS), default="table",
                   help="output format (default table); terraform (azapi), bicep or arm write the plan as "
                        "infrastructure code, one resource per change")  # fmt: skip
    p.add_argument("--output", metavar="PATH",
                   help="write the output to PATH instead of stdout (with --format bicep: a directory, required, "
                        "for main.bicep and its modules/)")  # fmt: skip
    add_pretty_arg(p)
    p.add_argument("--out", metavar="PLAN.json", help="also write the JSON plan file for apply")
    p.add_argument("--what-if", action="store_true", help="verify each connection before -> after the plan, in memory")
    p.set_defaults(func=run)


def _body_lines(change: Any) -> list[str]:
    if change.action.value == "delete":
        return [f"- {change.id}"]
    new = json.dumps(change.body, indent=2, sort_keys=True).splitlines()
    if change.before is None:
        return [f"+ {line}" for line in new]
    old = json.dumps(change.before, indent=2, sort_keys=True).splitlines()
    out = []
    for line in difflib.unified_diff(old, new, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        out.append(line if line.startswith("@@") else f"{line[:1]} {line[1:]}")
    return out


def render_table(cs: Any, whatif: Any = None, color: bool = False) -> str:
    s = cs.summary()
    lines = [f"plan {cs.plan_id}: {s['create']} to create, {s['update']} to update, {s['delete']} to delete"]
    for ex in explain_plan(cs):
        lines.extend(paint(f"  {text}", _TONE[tone], color) for text, tone in ex.lines())
    groups: dict[str, list[Any]] = {}
    for c in cs.changes:
        groups.setdefault(c.group or "-", []).append(c)
    n = 0
    for g, changes in groups.items():
        lines.append("")
        lines.append(f"== {g}")
        for c in changes:
            n += 1
            a = c.action.value
            head = f"{n:>3}. {_SIGN[a]} {a:<6} {c.type.split('/', 1)[1]}  {short_id(c.id)}"
            lines.append(paint(head, _HUE[a], color))
            lines.append(f"       why: {c.reason}")
            if c.query:
                lines.append("       query: " + "&".join(f"{k}={v}" for k, v in c.query.items()))
            for ph in c.placeholders:
                lines.append(f"       placeholder: {ph.path} <- {ph.value} of {short_id(ph.from_id)} (known after apply)")
            lines.extend(f"       {line}" for line in _body_lines(c))
    for p in cs.problems:
        lines.append(paint(f"PROBLEM [{p.code}] {p.message}", "red", color))
    for w in cs.warnings:
        lines.append(paint(f"warning: {w}", "yellow", color))
    if whatif is not None:
        lines.append("")
        lines.append("what-if (verification before -> after):")
        for o in whatif.outcomes:
            lines.append(f"  {short_id(o.consumer_id)} [{o.method}]: {o.before} -> {o.after}")
            if o.after != "PASS":
                lines.extend(f"      - {r}" for r in o.after_reasons)
        for sv in whatif.services:
            lines.append(f"  {sv.fqdn} from the provider: {sv.before} -> {sv.after}")
            if sv.after != "PASS":
                lines.extend(f"      - {r}" for r in sv.after_reasons)
        lines.extend(f"  overlap: {x}" for x in whatif.overlaps)
        lines.extend(f"  note: {x}" for x in whatif.notes)
        lines.append("  the result would verify" if whatif.would_verify else "  THE RESULT WOULD NOT VERIFY: fix this before apply")
    if cs.empty and not cs.problems:
        lines.append("no changes: the estate matches the intent")
    return "\n".join(lines)


def render_markdown(cs: Any, whatif: Any = None) -> str:
    s = cs.summary()
    out = [f"### vnetplan plan `{cs.plan_id}`", "",
           f"**{s['create']}** to create, **{s['update']}** to update, **{s['delete']}** to delete.", ""]  # fmt: skip
    if cs.decisions:
        out += ["| consumer | use case | asked | method |", "|---|---|---|---|"]
        out += [f"| `{short_id(d.consumer_id)}` | {d.use_case} | {d.asked} | **{d.method}** |" for d in cs.decisions]
        out.append("")
        for ex in explain_plan(cs):
            if ex.why or ex.options:
                out.append(f"Why **{ex.method}** for `{ex.consumer}`:")
                out += [f"- {message}" for _code, message in ex.why]
                out += [f"- option {'**' + o.line() + '** (chosen)' if o.chosen else o.line()}" for o in ex.options]
                out.append("")
    if cs.changes:
        out += ["| # | action | type | resource | why |", "|---|---|---|---|---|"]
        for i, c in enumerate(cs.changes, 1):
            out.append(f"| {i} | {c.action.value} | {c.type.split('/', 1)[1]} | `{short_id(c.id)}` | {c.reason} |")
        out.append("")
        out.append("<details><summary>REST bodies</summary>")
        out.append("")
        for i, c in enumerate(cs.changes, 1):
            verb = "DELETE" if c.action.value == "delete" else "PUT"
            query = "".join(f"&{k}={v}" for k, v in c.query.items())
            out += [f"{i}. {c.action.value}: `{verb} {c.id}?api-version={c.api_version}{query}`", "", "```diff",
                    *_body_lines(c), "```", ""]  # fmt: skip
        out.append("</details>")
        out.append("")
    for p in cs.problems:
        out.append(f"- :x: **{p.code}**: {p.message}")
    for w in cs.warnings:
        out.append(f"- :warning: {w}")
    if whatif is not None:
        out += ["", "| consumer | method | before | after |", "|---|---|---|---|"]
        out += [f"| `{short_id(o.consumer_id)}` | {o.method} | {o.before} | {o.after} |" for o in whatif.outcomes]
        out += [f"| `{sv.fqdn}` (from the provider) | internal service | {sv.before} | {sv.after} |" for sv in whatif.services]
        out.append("")
        out.append("The result would verify." if whatif.would_verify else "**The result would not verify.**")
    if cs.empty and not cs.problems:
        out.append("No changes: the estate matches the intent.")
    return "\n".join(out)


def _emit(text: str, output: str | None) -> None:
    if not output:
        emit(text)
        return
    try:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None


def _write_iac(cs: Any, fmt: str, output: str | None) -> None:
    """Terraform and ARM are one file (stdout or --output); Bicep is a directory of files."""

    files = render_iac(cs, fmt)
    if fmt == "bicep":
        assert output, "checked before planning"
        try:
            write_iac(files, Path(output))
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        return
    (text,) = files.values()
    _emit(text, output)


def run(args: argparse.Namespace) -> int:

    if args.format == "bicep" and not args.output:
        raise UsageError("--format bicep writes main.bicep and modules/: give --output DIR")
    estate = load(args)
    intent = load_intent(args.intent, estate)
    cs = make_plan(estate, intent)
    wi = None
    if args.what_if:

        wi = what_if(estate, intent, cs)
    if args.out or args.format == "json":

        # The plan file records its what-if verdict (computed here when --what-if was not asked)
        # and what its changes depend on, for apply's checks.
        data = plan_document(estate, intent, cs, wi)
        if wi is not None:
            data["what_if"] = wi.to_dict()
    if args.out:
        try:
            Path(args.out).write_text(plan_file_text(data, args.out), encoding="utf-8")
        except OSError as exc:
            raise InputError(args.out, "", f"cannot write: {exc.strerror or exc}") from None
    if args.format in IAC_FORMATS:
        _write_iac(cs, args.format, args.output)
    elif args.format == "json":
        if args.output:
            _emit(json.dumps(data, indent=2, ensure_ascii=False), args.output)
        else:
            emit_json(data, pretty=args.pretty)
    elif args.format == "markdown":
        _emit(render_markdown(cs, wi), args.output)
    else:
        _emit(render_table(cs, wi, color=use_color() and not args.output), args.output)
    pending = not cs.empty or bool(cs.problems) or (wi is not None and not wi.would_verify)
    return int(ExitCode.PROBLEMS if pending else ExitCode.OK)
