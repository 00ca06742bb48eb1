"""The terminal table: failing and UNKNOWN findings first, then a one-line summary.

Lists the findings the report holds: the CLI leaves PASS findings out unless ``--include-passed``
(an estate of 10,000 VNets passes hundreds of thousands of checks); the summary line counts them
either way. Colour only when the caller says the stream is a TTY.
"""

from __future__ import annotations

from netplan.ids import short_id
from netplan.render import SEVERITY_COLORS, paint, table
from netplan.report.model import Finding, Report, Status


def _status_text(f: Finding) -> str:
    return "SUPPRESSED" if f.suppressed is not None else f.status.value


def _row_color(f: Finding) -> str | None:
    if f.suppressed is not None:
        return "dim"
    if f.status is Status.UNKNOWN:
        return SEVERITY_COLORS["unknown"]
    return SEVERITY_COLORS.get(f.severity.value)


def _message(f: Finding) -> str:
    if f.suppressed is not None:
        return f"{f.message} [suppressed until {f.suppressed.expires}: {f.suppressed.reason}]"
    return f.message


def render_table(report: Report, *, color: bool = False) -> str:
    shown = report.sorted_findings()
    s = report.summary()
    lines: list[str] = []
    if shown:
        rows = [(_status_text(f), f.severity.value, f.rule, short_id(f.resource), _message(f)) for f in shown]
        lines.append(
            table(("STATUS", "SEVERITY", "RULE", "RESOURCE", "MESSAGE"), rows, [_row_color(f) for f in shown], color)
        )
        lines.append("")
    else:
        lines.append(f"no failing or UNKNOWN findings ({report.kind})")
    if report.kind == "drift":
        # Drift that cannot be ruled out is not "in sync" (exit 1, as netplan.drift.has_drift says).
        result = "DRIFT" if report.failed else ("UNKNOWN" if s["unknown"] else "IN SYNC")
    else:
        result = "FAIL" if report.failed else "PASS"
    verdict = paint(result, "red" if report.failed else ("yellow" if result == "UNKNOWN" else "green"), color)
    lines.append(
        f"{verdict}: {s['fail']} failed, {s['unknown']} unknown, {s['pass']} passed, {s['suppressed']} suppressed "
        f"({s['rules']} rules; fail-on {s['fail_on']})"
    )
    return "\n".join(lines)
