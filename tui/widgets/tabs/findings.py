"""The Findings tab: the audit rule pack's FAIL and UNKNOWN findings, filterable, with the why.

The findings come from :func:`checks.registry.audit` (run by the app in a worker). The table
lists what needs attention (FAIL, then UNKNOWN: a rule that could not judge says so, it is not a
pass); a severity floor and a text filter on rule id or message narrow it. Highlighting a row
shows the rule's title, rationale and remediation below; Enter jumps to the finding's VNet in the
tree (the resource itself, or the VNet that holds it).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, Select, Static

from netplan.estate import Estate
from netplan.ids import short_id
from tui.messages import VnetSelected
from tui.widgets.tables import QuickTable, add_rows

#: Rows put in the table; the summary counts every finding. Narrow with the filters to see more.
#: 500 rows fill ten screens and keep a redraw after each filter keystroke short on a big estate.
MAX_ROWS = 500

SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_STYLE = {
    "critical": "bold red",
    "high": "red",
    "medium": "dark_orange",
    "low": "yellow",
    "info": "dim",
}
STATUS_STYLE = {"FAIL": "bold red", "UNKNOWN": "bold yellow", "PASS": "green"}


@dataclass(frozen=True)
class AuditDigest:
    """What the Home and Findings tabs show of an audit report, worked out by :func:`digest` in the
    worker that ran the audit: on 10,000 VNets, finding each finding's VNet and sorting them took
    half a second of the UI thread, in the middle of whatever key was pressed then."""

    report: Any
    #: The FAIL and UNKNOWN findings not suppressed, in the report's order, each with the ID of
    #: the VNet it is in (the resource itself, or the VNet that holds it; None: in no VNet).
    listed: list[tuple[Any, str | None]]
    #: The same, in the core's order (FAIL first, then by severity, rule and resource).
    todo: list[tuple[Any, str | None]]
    #: Findings per status; PASS counts the passes the report counts without listing them.
    statuses: Counter[str]


def digest(estate: Estate, report: Any) -> AuditDigest:
    """The :class:`AuditDigest` of ``report`` (run it where the audit ran, off the UI thread)."""
    statuses = Counter(str(f.status) for f in report.findings)
    statuses["PASS"] += sum(report.passed_not_listed.values())
    listed = []
    for f in report.findings:
        if str(f.status) != "PASS" and f.suppressed is None:
            vnet = estate.vnet_of(f.resource) or estate.vnet(f.resource)
            listed.append((f, vnet.id if vnet is not None else None))
    todo = sorted(listed, key=lambda fv: fv[0].sort_key())
    return AuditDigest(report, listed, todo, statuses)


@dataclass(frozen=True)
class _Row:
    finding: Any
    vnet_id: str | None


def finding_detail(finding: Any, info: Any | None) -> Text:
    out = Text()
    out.append(f"{finding.status} ", style=STATUS_STYLE.get(str(finding.status), ""))
    out.append(f"{finding.rule} ", style="bold")
    out.append(f"({finding.severity})", style=SEVERITY_STYLE.get(str(finding.severity), ""))
    if info is not None:
        out.append(f" {info.title}", style="bold")
    out.append(f"\n{finding.message}\n")
    if info is not None:
        out.append("\nWhy it matters\n", style="bold")
        out.append(info.rationale + "\n")
        out.append("\nHow to fix\n", style="bold")
        out.append(info.remediation + "\n")
    return out


class FindingsView(Vertical):
    """Audit findings with severity/text filters; posts :class:`VnetSelected` with ``reveal``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._audit: AuditDigest | None = None
        self._estate: Estate | None = None
        self._rows: dict[str, _Row] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(id="findings-filters"):
            yield Select(
                [(f"{s} and above", s) for s in SEVERITIES],
                value="info",
                allow_blank=False,
                id="findings-severity",
            )
            yield Input(placeholder="filter: rule id or text", id="findings-filter")
        yield Static(Text("Running the audit rules…", style="dim"), id="findings-summary")
        yield QuickTable(id="findings-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="findings-detail")

    def show(self, estate: Estate, audit: AuditDigest) -> None:
        """Hand down the audit (its report, digested). It can arrive before this tab has composed:
        drawn on mount."""
        self._estate, self._audit = estate, audit
        if self.is_mounted:
            self._draw()

    def on_mount(self) -> None:
        if self._audit is not None:
            self._draw()

    def reset(self) -> None:
        """A new estate: the findings of the old one go; the audit runs again."""
        self._audit = self._estate = None
        self._rows = {}
        if self.is_mounted:
            self.query_one(DataTable).clear()
            self.query_one("#findings-summary", Static).update(Text("Running the audit rules…", style="dim"))
            self.query_one("#findings-detail", Static).update("")

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._draw()

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._draw()

    def _draw(self) -> None:
        audit, estate = self._audit, self._estate
        if audit is None or estate is None:
            return
        table = self.query_one(DataTable)
        if not table.columns:
            for label in ("status", "severity", "rule", "resource", "message"):
                table.add_column(label, key=label)
        table.clear()
        self._rows = {}
        floor = SEVERITIES.index(str(self.query_one(Select).value))
        needle = self.query_one("#findings-filter", Input).value.strip().lower()
        shown = 0
        statuses = audit.statuses
        counts = {
            "FAIL": statuses.get("FAIL", 0),
            "UNKNOWN": statuses.get("UNKNOWN", 0),
            "PASS": statuses.get("PASS", 0),
        }
        rows: list[tuple[tuple[Any, ...], str]] = []
        for i, (f, vnet_id) in enumerate(audit.todo):
            if SEVERITIES.index(str(f.severity)) > floor:
                continue
            if needle and needle not in f.rule.lower() and needle not in f.message.lower():
                continue
            shown += 1
            if shown > MAX_ROWS:
                continue
            key = f"f{i}"
            self._rows[key] = _Row(f, vnet_id)
            rows.append(((
                Text(str(f.status), style=STATUS_STYLE.get(str(f.status), "")),
                Text(str(f.severity), style=SEVERITY_STYLE.get(str(f.severity), "")),
                f.rule, short_id(f.resource), f.message,
            ), key))  # fmt: skip
        add_rows(table, rows)
        summary = Text()
        summary.append(f"{counts['FAIL']} FAIL", style=STATUS_STYLE["FAIL"])
        summary.append(f"  {counts['UNKNOWN']} UNKNOWN", style=STATUS_STYLE["UNKNOWN"])
        summary.append(f"  {counts['PASS']} PASS", style=STATUS_STYLE["PASS"])
        listed = f"{shown} listed" if shown <= MAX_ROWS else f"showing {MAX_ROWS} of {shown} — filter to narrow (i)"
        summary.append(f"  ({len(audit.report.rules)} rules; {listed})", style="dim")
        self.query_one("#findings-summary", Static).update(summary)

    def focus_finding(self, finding: Any) -> None:
        """Put the cursor on ``finding`` (a jump from the Home tab); clears filters that hide it."""
        if self._audit is None:
            return
        key = next((k for k, r in self._rows.items() if r.finding is finding), None)
        if key is None:
            self.query_one("#findings-filter", Input).value = ""
            self.query_one(Select).value = "info"
            self._draw()
            key = next((k for k, r in self._rows.items() if r.finding is finding), None)
        if key is not None:
            table = self.query_one(DataTable)
            table.move_cursor(row=table.get_row_index(key), animate=False, scroll=True)
            table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self._rows.get(str(event.row_key.value))
        if row is not None and self._audit is not None:
            info = self._audit.report.rules.get(row.finding.rule)
            self.query_one("#findings-detail", Static).update(finding_detail(row.finding, info))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self._rows.get(str(event.row_key.value))
        if row is not None and row.vnet_id:
            event.stop()
            self.post_message(VnetSelected(row.vnet_id, reveal=True))
