"""Markdown for a pull-request comment: the verdict, a per-rule table, then the failing details.

Details are capped (:data:`MAX_DETAILS` rows) because PR comments have a size limit; the cap is
stated in the output, never silent.
"""

from __future__ import annotations

from netplan.ids import short_id
from netplan.report.model import Report

MAX_DETAILS = 100


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    s = report.summary()
    icon = ":x:" if report.failed else ":white_check_mark:"
    verdict = "failed" if report.failed else "passed"
    lines = [
        f"## vnetplan {report.kind}: {icon} {verdict}",
        "",
        f"{s['fail']} failed, {s['unknown']} unknown, {s['pass']} passed, {s['suppressed']} suppressed "
        f"({s['rules']} rules; fail-on `{s['fail_on']}`).",
        "",
        "| Rule | Severity | Title | Fail | Unknown | Pass | Suppressed |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for info, c in report.per_rule():
        if not any(c.values()):
            continue
        lines.append(
            f"| `{info.id}` | {info.severity.value} | {_cell(info.title)} | {c['fail']} | {c['unknown']} "
            f"| {c['pass']} | {c['suppressed']} |"
        )
    shown = report.sorted_findings()
    if shown:
        lines += ["", "### Findings", "", "| Status | Severity | Rule | Resource | Message |", "|---|---|---|---|---|"]
        for f in shown[:MAX_DETAILS]:
            status = "SUPPRESSED" if f.suppressed is not None else f.status.value
            lines.append(
                f"| {status} | {f.severity.value} | `{f.rule}` | `{_cell(short_id(f.resource))}` | {_cell(f.message)} |"
            )
        if len(shown) > MAX_DETAILS:
            lines += ["", f"... and {len(shown) - MAX_DETAILS} more (see the JSON or SARIF report for all)."]
    return "\n".join(lines) + "\n"
