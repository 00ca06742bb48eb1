"""The Overlaps tab: every overlap the core found, grouped, errors first, severity-coloured.

Rows are :class:`netplan.overlaps.OverlapGroup` s as the report orders them (error, warning,
info). An ``info``/``isolated`` group is a legitimate overlap between VNets that never route to
each other (P3) and is shown as such, not as a problem. Highlighting a row shows the group's
members and reasons below the table; Enter jumps to the group's first VNet in the tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from netplan.estate import Estate
from tui.messages import VnetSelected
from tui.widgets.tables import QuickTable

SEVERITY_STYLE = {"error": "bold red", "warning": "bold dark_orange", "info": "dim"}
#: Groups put in the table (errors and warnings come first in the report); the summary counts all.
MAX_ROWS = 2000
#: Members listed in a row before "+N more".
ROW_MEMBERS = 3


@dataclass(frozen=True)
class _Row:
    group: Any
    first_vnet: str | None


def group_text(group: Any) -> Text:
    out = Text()
    out.append(f"{group.severity} ", style=SEVERITY_STYLE.get(str(group.severity), ""))
    out.append(f"{group.scope} under {group.prefix}: {group.pair_count} pair(s)\n", style="bold")
    for reason in group.reasons:
        out.append(f"\u00a0\u00a0{reason}\n")
    out.append("Members\n", style="bold")
    for m in group.members:
        out.append(f"\u00a0\u00a0{m.label:<40} {m.prefix}\n")
    return out


class OverlapsView(Vertical):
    """The overlap report as a table of groups; posts :class:`VnetSelected` with ``reveal``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: dict[str, _Row] = {}
        self._report: Any | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Looking for overlaps…", style="dim"), id="overlaps-summary")
        yield QuickTable(id="overlaps-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="overlaps-detail")

    def _columns(self, table: DataTable[Any]) -> None:
        # Added on first use: the report can arrive before this (hidden) tab has mounted.
        if table.columns:
            return
        for label, key in (
            ("severity", "severity"),
            ("scope", "scope"),
            ("prefix", "prefix"),
            ("pairs", "pairs"),
            ("members", "members"),
        ):
            table.add_column(label, key=key)

    def show(self, estate: Estate, report: Any) -> None:
        """Hand down a report. It can arrive before this tab has composed: kept and drawn on mount."""
        self._report = report
        if self.is_mounted:
            self._draw(report)

    def on_mount(self) -> None:
        if self._report is not None:
            self._draw(self._report)

    def reset(self) -> None:
        """A new estate: the groups of the old one go; the analysis runs again."""
        self._report = None
        self._rows = {}
        if self.is_mounted:
            self.query_one(DataTable).clear()
            self.query_one("#overlaps-summary", Static).update(Text("Looking for overlaps…", style="dim"))
            self.query_one("#overlaps-detail", Static).update("")

    def _draw(self, report: Any) -> None:
        table = self.query_one(DataTable)
        self._columns(table)
        table.clear()
        self._rows = {}
        counts = {"error": 0, "warning": 0, "info": 0}
        for i, g in enumerate(report.groups):
            sev = str(g.severity)
            counts[sev] = counts.get(sev, 0) + 1
            if i >= MAX_ROWS:
                continue
            members = g.members
            labels = [m.label for m in members[:ROW_MEMBERS]]
            if len(members) > ROW_MEMBERS:
                labels.append(f"+{len(members) - ROW_MEMBERS} more")
            key = f"g{i}"
            self._rows[key] = _Row(g, next((m.vnet for m in members if m.vnet), None))
            table.add_row(
                Text(sev, style=SEVERITY_STYLE.get(sev, "")), str(g.scope), str(g.prefix), str(g.pair_count),
                ", ".join(labels), key=key,
            )  # fmt: skip
        summary = Text(f"{len(report.groups)} overlap group(s): ")
        for sev, style in SEVERITY_STYLE.items():
            summary.append(f"{counts.get(sev, 0)} {sev}  ", style=style)
        if len(report.groups) > MAX_ROWS:
            summary.append(f"(first {MAX_ROWS} shown, most severe first)", style="dim")
        if not report.groups:
            summary = Text("No overlapping address space in this estate.", style="green")
        if report.incomplete:
            summary.append(f"\nIncomplete: {report.incomplete}", style="yellow")
        self.query_one("#overlaps-summary", Static).update(summary)

    def focus_group(self, group: Any) -> None:
        """Put the cursor on ``group`` (a jump from the Home tab)."""
        key = next((k for k, r in self._rows.items() if r.group is group), None)
        if key is not None:
            table = self.query_one(DataTable)
            table.move_cursor(row=table.get_row_index(key), animate=False, scroll=True)
            table.focus()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self._rows.get(str(event.row_key.value))
        if row is not None:
            self.query_one("#overlaps-detail", Static).update(group_text(row.group))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self._rows.get(str(event.row_key.value))
        if row is not None and row.first_vnet:
            event.stop()
            self.post_message(VnetSelected(row.first_vnet, reveal=True))
