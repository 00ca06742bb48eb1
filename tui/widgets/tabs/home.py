"""The Home tab: the estate's health, problems first, each one a jump to where it is fixed.

Four sections fill in as the app's workers finish: the audit's FAIL and UNKNOWN findings by
severity (:func:`checks.registry.audit`), overlap groups by severity
(:func:`netplan.overlaps.find_overlaps`), peering links that do not carry all traffic
(:func:`netplan.triage.peering_problems`), and the app domain's consumer × answer matrix with
reachability on the app ports by the traffic rules (:func:`netplan.dns.health.domain_health`). Until a section's worker has reported,
the section says it is still being computed: an empty section means "none", never "not yet".

Both tables are sized when they are filled: fixed column widths from the pane's width and a
height of exactly their rows, so the first layout after a section arrives is the final one (a
DataTable measures itself only when idle; a table shown late with automatic sizes was drawn for a
moment without its rows, and a screenshot or a busy terminal could catch that moment).

Every problem row is a :class:`Problem`; Enter on it posts :class:`HomeView.ProblemChosen` and the
screen jumps to the VNet and the tab where the problem is fixed (Findings with the finding
highlighted, Overlaps with the group, Details for a peering, DNS with the name asked from that
VNet). The same ordered list drives ``n`` / ``N`` (next / previous problem anywhere).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from netplan.dns.health import KINDS, AnswerKind
from netplan.estate import Estate
from netplan.ids import rid_key
from tui.widgets.tables import QuickTable, add_rows
from tui.widgets.tabs.findings import AuditDigest

#: Rows listed per section; the section header counts every one.
MAX_SECTION_ROWS = 200
#: Consumer rows in the matrix (problems first); the summary counts every VNet.
MAX_MATRIX_ROWS = 500

STATUS_STYLE = {
    "FAIL": "bold red", "UNKNOWN": "bold yellow", "PASS": "green",
    "error": "bold red", "warning": "bold dark_orange", "info": "dim",
    "not connected": "bold red", "not in sync": "bold red", "access disabled": "bold dark_orange",
}  # fmt: skip

#: Width of the status column (the longest status, "access disabled", plus the indent).
STATUS_WIDTH = 17

SECTIONS = ("findings", "overlaps", "peerings", "dns")
TITLES = {"findings": "Findings", "overlaps": "Overlaps", "peerings": "Peerings", "dns": "App domain"}


def cell(text: str, style: str = "") -> Text:
    """A table cell that is cut with an ellipsis instead of wrapping (a prefix never breaks)."""
    return Text(text, style=style, no_wrap=True, overflow="ellipsis")


@dataclass(frozen=True)
class Problem:
    """One thing to fix: where it is (VNet), which tab fixes it, and what to focus there."""

    section: str
    status: str
    title: str
    detail: str
    vnet_id: str | None
    #: "findings", "overlaps", "details" or "dns"
    tab: str
    #: The object to focus in that tab: a Finding, an OverlapGroup, a Peering, or an app name.
    ref: Any = None
    #: Sort rank within the section (lower first).
    rank: int = 0

    @property
    def is_problem(self) -> bool:
        return self.status not in ("PASS", "info")


def finding_problems(audit: AuditDigest) -> list[Problem]:
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    out = []
    for f, vnet_id in audit.listed:
        status = str(f.status)
        rank = (0 if status == "FAIL" else 10) + order.get(str(f.severity), 5)
        out.append(Problem("findings", status, f"{f.rule} {f.severity}", f.message, vnet_id, "findings", f, rank))
    out.sort(key=lambda p: p.rank)
    return out


def overlap_problems(report: Any) -> list[Problem]:
    rank = {"error": 0, "warning": 1, "info": 2}
    out = []
    for g in report.groups:
        sev = str(g.severity)
        members = g.members
        names = [m.label for m in members[:3]] + ([f"+{len(members) - 3} more"] if len(members) > 3 else [])
        first = next((m.vnet for m in members if m.vnet), None)
        out.append(Problem("overlaps", sev, f"{g.scope} under {g.prefix}",
                           f"{g.pair_count} pair(s): {', '.join(names)}", first, "overlaps", g, rank.get(sev, 3)))  # fmt: skip
    out.sort(key=lambda p: p.rank)
    return out


def peering_rows(problems: list[Any]) -> list[Problem]:
    return [
        Problem("peerings", p.kind, f"{p.vnet.name} → {p.peering.remote_vnet_id.rsplit('/', 1)[-1]}",
                p.message, p.vnet.id, "details", p.peering)
        for p in problems
    ]


def dns_rows(health: Any) -> list[Problem]:
    out = []
    for r in health.rows:
        first_bad = next((n for n in health.names), None)
        out.append(Problem("dns", r.health.value, r.vnet.name, "; ".join(r.reasons) or "resolves privately, reachable",
                           r.vnet.id, "dns", first_bad))  # fmt: skip
    return out


def fit_height(table: DataTable[Any]) -> None:
    """Give a table the height of its header and rows now, not when it next measures itself."""
    table.styles.height = table.row_count + (table.header_height if table.show_header else 0)


class HomeView(VerticalScroll):
    """The triage screen. The screen hands each analysis down; rows post :class:`ProblemChosen`."""

    @dataclass
    class ProblemChosen(Message):
        """The user chose a problem row (Enter): jump to where it is fixed."""

        problem: Problem

    def __init__(self, estate: Estate, app_domain: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.estate = estate
        self.app_domain = app_domain
        #: section -> its rows (None: still computing)
        self.sections: dict[str, list[Problem] | None] = dict.fromkeys(SECTIONS)
        self.notes: dict[str, str] = {}
        self.health: Any = None
        self._keys: dict[str, Problem] = {}
        self._width = -1

    def compose(self) -> ComposeResult:
        yield Static(self._headline(), id="home-summary")
        yield QuickTable(id="home-table", cursor_type="row", zebra_stripes=False)
        yield Static("", id="home-matrix-title")
        yield QuickTable(id="home-matrix", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        # Column widths follow the pane (an ellipsis, never a wrap or a sideways scroll).
        if self._width != self.content_region.width:
            self._draw()
            self._draw_matrix()

    # ------------------------------------------------------------------ attributes down

    def set_estate(self, estate: Estate) -> None:
        """A new estate (reload, after apply): every section is computing again."""
        self.estate = estate
        self.sections = dict.fromkeys(SECTIONS)
        self.notes = {}
        self.health = None
        if self.is_mounted:
            self._draw()
            self._draw_matrix()

    def show_findings(self, audit: AuditDigest) -> None:
        self.sections["findings"] = finding_problems(audit)
        self._redraw()

    def show_overlaps(self, report: Any) -> None:
        self.sections["overlaps"] = overlap_problems(report)
        self._redraw()

    def show_peerings(self, problems: list[Any]) -> None:
        self.sections["peerings"] = peering_rows(problems)
        self._redraw()

    def show_health(self, health: Any) -> None:
        self.health = health
        self.sections["dns"] = dns_rows(health) if health is not None else []
        if health is None or not health.names:
            self.notes["dns"] = f"no app names recorded under {self.app_domain} in this estate"
        self._redraw()
        if self.is_mounted:
            self._draw_matrix()

    def section_unavailable(self, section: str, why: str) -> None:
        """A section whose analysis is not installed or failed: say so, never show it empty."""
        self.sections[section] = []
        self.notes[section] = why
        self._redraw()

    def _redraw(self) -> None:
        if self.is_mounted:
            self._draw()

    # ------------------------------------------------------------------ queries

    def problems(self) -> list[Problem]:
        """Every problem, in screen order (what ``n`` / ``N`` walk)."""
        return [p for s in SECTIONS for p in (self.sections[s] or []) if p.is_problem]

    def focus_problem(self, problem: Problem) -> None:
        """Move the table's cursor onto ``problem`` (``n`` / ``N`` from anywhere)."""
        table = self.query_one("#home-table", DataTable)
        for key, p in self._keys.items():
            if p is problem:
                table.move_cursor(row=table.get_row_index(key), animate=False, scroll=True)
                return

    # ------------------------------------------------------------------ drawing

    def _headline(self) -> Text:
        e = self.estate
        out = Text(f"{len(e.vnets)} VNets · {len(e.subscriptions)} subscriptions · {len(e.zones)} zones",
                   style="bold")  # fmt: skip
        if e.gaps:
            out.append(f" · {len(e.gaps)} gap(s) in the snapshot: answers that depend on them are UNKNOWN",
                       style="yellow")  # fmt: skip
        pending = [TITLES[s] for s in SECTIONS if self.sections[s] is None]
        if pending:
            out.append(f"\nStill computing: {', '.join(pending)}…", style="dim")
        else:
            n = len(self.problems())
            out.append(f"\n{n} problem(s)" if n else "\nNo problems found", style="bold red" if n else "bold green")
            out.append(" · Enter jumps to where it is fixed · n / N next / previous", style="dim")
        return out

    def _section_header(self, section: str, rows: list[Problem] | None) -> tuple[Text, Text]:
        """(title, counts) of a section's header row."""
        title = cell(TITLES[section].upper(), "bold")
        out = Text(no_wrap=True, overflow="ellipsis")
        if section == "dns":
            out.append(f"{self.app_domain}: ", style="bold")
        if rows is None:
            out.append("computing…", style="dim")
            return title, out
        counts = Counter(p.status for p in rows)
        parts = [(f"{n} {s}", STATUS_STYLE.get(s, "")) for s, n in counts.most_common()]
        if not rows:
            parts = [(self.notes.get(section, "none"), "dim" if section in self.notes else "green")]
        for i, (text, style) in enumerate(parts):
            out.append("  " if i else "")
            out.append(text, style=style)
        return title, out

    def _draw(self) -> None:
        self.query_one("#home-summary", Static).update(self._headline())
        table = self.query_one("#home-table", DataTable)
        cursor = table.cursor_row
        # Fixed widths from the pane's: status, what (a third of the rest), detail (the rest).
        self._width = width = self.content_region.width
        status_w = STATUS_WIDTH if width >= 100 else 11
        free = max(20, width - status_w - 2 - 3 * 2 * table.cell_padding)
        what_w = max(12, free * 2 // 5)
        table.clear(columns=True)
        table.add_column("status", key="status", width=status_w)
        table.add_column("what", key="what", width=what_w)
        table.add_column("detail", key="detail", width=max(8, free - what_w))
        self._keys = {}
        rows: list[tuple[tuple[Any, ...], str]] = []
        for section in SECTIONS:
            listing = self.sections[section]
            title, counts = self._section_header(section, listing)
            rows.append(((title, "", counts), f"h:{section}"))
            listed = [p for p in listing or [] if p.is_problem or section == "overlaps"]
            for i, p in enumerate(listed[:MAX_SECTION_ROWS]):
                key = f"{section}:{i}"
                self._keys[key] = p
                rows.append(((cell("  " + p.status, STATUS_STYLE.get(p.status, "")), cell(p.title),
                              cell(p.detail, "dim" if not p.is_problem else "")), key))  # fmt: skip
            if len(listed) > MAX_SECTION_ROWS:
                rows.append(((cell(f"  … {len(listed) - MAX_SECTION_ROWS} more", "italic"), "",
                              cell(f"see the {TITLES[section]} tab", "dim")), f"m:{section}"))  # fmt: skip
        add_rows(table, rows)
        fit_height(table)
        if 0 <= cursor < table.row_count:
            table.move_cursor(row=cursor, animate=False)

    def _draw_matrix(self) -> None:

        KIND_LABELS = {AnswerKind.ILB: "ILB", AnswerKind.ENDPOINT: "PE", AnswerKind.PRIVATE: "private",
                       AnswerKind.PUBLIC: "public", AnswerKind.NXDOMAIN: "NXDOMAIN", AnswerKind.UNKNOWN: "unknown"}  # fmt: skip

        title = self.query_one("#home-matrix-title", Static)
        table = self.query_one("#home-matrix", DataTable)
        table.clear(columns=True)
        health = self.health
        if health is None or not health.rows:
            title.update("")
            table.display = False
            return
        table.display = True
        head = Text(f"\nConsumers × answer for {len(health.names)} app name(s) under {health.domain}",
                    style="bold")  # fmt: skip
        if len(health.rows) > MAX_MATRIX_ROWS:
            head.append(f" (first {MAX_MATRIX_ROWS} of {len(health.rows)} VNets, problems first)", style="dim")
        port_sets = {r.ports for r in health.rows}
        on = f"TCP {', '.join(map(str, next(iter(port_sets))))}" if len(port_sets) == 1 else "each intent connection's ports"
        head.append(f"\nreach: {on}, through peerings, routes and NSGs", style="dim")
        title.update(head)
        # The verdict first: on a narrow pane the answer counts are what is cut, never the verdict.
        fixed = [("verdict", "verdict", 7), ("reach", "reach", 5)]
        fixed += [(KIND_LABELS[k], k.value, max(3, len(KIND_LABELS[k]))) for k in KINDS]
        pad = 2 * table.cell_padding
        # The pane's vertical scrollbar is always reserved: it appears once the tab is taller than the pane.
        width = self.content_region.width - self.styles.scrollbar_size_vertical
        rest = width - sum(w + pad for _, _, w in fixed) - pad
        table.add_column("consumer", key="vnet", width=max(10, min(40, rest)))
        for label, key, width in fixed:
            table.add_column(label, key=key, width=width)
        rows = []
        for r in health.rows[:MAX_MATRIX_ROWS]:
            counts = [cell(str(r.counts.get(k, "")) if r.counts.get(k) else "·", "" if r.counts.get(k) else "dim")
                      for k in KINDS]  # fmt: skip
            reach = {True: ("yes", "green"), False: ("no", "bold red"), None: ("?", "yellow")}[r.reachable]
            if not r.addresses:
                reach = ("–", "dim")
            rows.append(((cell(r.vnet.name), cell(r.health.value, STATUS_STYLE.get(r.health.value, "")),
                          cell(*reach), *counts), r.vnet.key))  # fmt: skip
        add_rows(table, rows)
        fit_height(table)

    # ------------------------------------------------------------------ messages up

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = str(event.row_key.value)
        if event.data_table.id == "home-matrix":
            p = next((p for p in self.sections["dns"] or [] if p.vnet_id and rid_key(p.vnet_id) == key), None)
            if p is None and self.health is not None:
                row = next((r for r in self.health.rows if r.vnet.key == key), None)
                if row is not None:
                    p = Problem("dns", row.health.value, row.vnet.name, "", row.vnet.id, "dns",
                                self.health.names[0] if self.health.names else None)  # fmt: skip
            if p is not None:
                self.post_message(self.ProblemChosen(p))
            return
        problem = self._keys.get(key)
        if problem is not None:
            self.post_message(self.ProblemChosen(problem))
