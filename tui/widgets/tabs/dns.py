"""The DNS tab: ask a name from the selected VNet, and the app-domain matrix.

The answer comes from :func:`netplan.dns.simulator.resolve` (run by the app in a worker): its
status, addresses, the chain of records and every reason, so that an UNKNOWN (custom DNS, a
gap) reads as such and never as a pass. The matrix is
:func:`netplan.dns.matrix.resolution_matrix` over the app names recorded under the app domain:
one row per VNet, one column per app, each cell PASS (resolves), FAIL (NXDOMAIN, no record, or
public only) or UNKNOWN. It is a DataTable, which draws only the visible rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Static

from netplan.ids import short_id
from tui.widgets.tables import QuickTable

#: Rows put in the matrix table; the summary still counts every VNet. VNets with a FAIL or
#: UNKNOWN come first, so what needs attention is never cut off behind thousands of PASS rows.
MAX_ROWS = 2000

CELL_STYLE = {"PASS": "bold green", "FAIL": "bold red", "UNKNOWN": "bold yellow"}


def cell_verdict(answer: Any) -> str:
    """PASS / FAIL / UNKNOWN for one matrix cell (an app name must resolve privately)."""
    status = str(answer.status)
    if status == "UNKNOWN":
        return "UNKNOWN"
    return "PASS" if answer.resolved else "FAIL"


def render_answer(answer: Any) -> Text:
    out = Text()
    status = str(answer.status)
    style = (
        "bold green"
        if answer.resolved
        else ("bold yellow" if status in ("UNKNOWN", "PUBLIC") else "bold red")
    )
    out.append(f"{answer.name}", style="bold")
    out.append(f" from {short_id(answer.vnet_id)}\n", style="dim")
    out.append(f"{status}  ", style=style)
    out.append(answer.summary() + "\n")
    if answer.chain:
        out.append("\nChain\n", style="bold")
        for step in answer.chain:
            out.append(f"\u00a0\u00a0{step.name} {step.rtype} {step.value}")
            out.append(f"  ({step.source})\n", style="dim")
    if answer.reasons:
        out.append("\nWhy\n", style="bold")
        for i, reason in enumerate(answer.reasons, 1):
            out.append(f"\u00a0\u00a0{i}. {reason}\n")
    return out


class DnsPanel(Vertical):
    """Name box + answer, and the matrix. Posts :class:`DnsPanel.ResolveRequested` and
    :class:`DnsPanel.MatrixRequested`; the app runs the workers and hands the results back."""

    @dataclass
    class ResolveRequested(Message):
        """The user asked to resolve ``qname`` from the selected VNet."""

        qname: str

    @dataclass
    class MatrixRequested(Message):
        """The user asked for the matrix of the app names under ``domain``."""

        domain: str

    def __init__(self, app_domain: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.app_domain = app_domain
        self._matrix: tuple[str, Any | None] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="dns-row"):
            yield Label("Name", classes="dns-label")
            yield Input(placeholder="app1.azure.mendixapps.io", id="dns-name")
            yield Button("Resolve", id="dns-resolve", variant="primary")
        yield Static(Text("From: pick a VNet in the tree.", style="dim"), id="dns-from")
        yield Static("", id="dns-answer")
        with Horizontal(classes="dns-row"):
            yield Label("Apps in", classes="dns-label")
            yield Input(value=self.app_domain, id="dns-domain")
            yield Button("Matrix", id="dns-matrix")
        yield Static(Text("Computing the app-domain matrix…", style="dim"), id="dns-matrix-summary")
        yield QuickTable(id="dns-table", zebra_stripes=True, cursor_type="row")

    # ------------------------------------------------------------------ messages up

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "dns-name":
            self._ask()
        elif event.input.id == "dns-domain":
            self.post_message(self.MatrixRequested(event.value.strip()))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "dns-resolve":
            self._ask()
        elif event.button.id == "dns-matrix":
            self.post_message(self.MatrixRequested(self.query_one("#dns-domain", Input).value.strip()))

    def ask(self, name: str) -> None:
        """Fill the name box and resolve it (a jump from the Home tab's matrix)."""
        self.query_one("#dns-name", Input).value = name
        self._ask()

    def _ask(self) -> None:
        name = self.query_one("#dns-name", Input).value.strip()
        if name:
            self.query_one("#dns-answer", Static).update(Text(f"Resolving {name}…", style="dim"))
            self.post_message(self.ResolveRequested(name))

    # ------------------------------------------------------------------ attributes down

    def set_source(self, vnet_name: str | None) -> None:
        text = Text("From: ", style="bold")
        text.append(vnet_name or "pick a VNet in the tree", style="" if vnet_name else "dim")
        self.query_one("#dns-from", Static).update(text)

    def show_answer(self, answer: Any) -> None:
        self.query_one("#dns-answer", Static).update(render_answer(answer))

    def show_matrix(self, domain: str, matrix: Any | None) -> None:
        """Hand down a matrix. It can arrive before this tab has composed: kept and drawn on mount."""
        self._matrix = (domain, matrix)
        if self.is_mounted:
            self._draw_matrix(domain, matrix)

    def on_mount(self) -> None:
        if self._matrix is not None:
            self._draw_matrix(*self._matrix)

    def reset_matrix(self) -> None:
        """A new estate: the matrix of the old one goes; it is computed again."""
        self._matrix = None
        if self.is_mounted:
            self.query_one("#dns-table", DataTable).clear(columns=True)
            self.query_one("#dns-matrix-summary", Static).update(
                Text("Computing the app-domain matrix…", style="dim"))

    def _draw_matrix(self, domain: str, matrix: Any | None) -> None:
        table = self.query_one("#dns-table", DataTable)
        table.clear(columns=True)
        summary = self.query_one("#dns-matrix-summary", Static)
        if matrix is None:
            summary.update(
                Text(f"No app names recorded under {domain or '(no domain)'} in this estate.", style="dim")
            )
            return
        suffix = "." + domain
        table.add_column("VNet", key="vnet")
        for name in matrix.names:
            table.add_column(name[: -len(suffix)] if name.endswith(suffix) else name, key=name)
        counts = {"PASS": 0, "FAIL": 0, "UNKNOWN": 0}
        # A verdict depends only on the answer of the VNet's resolution context (its group), so
        # cells are built once per group, not once per VNet: 10,000 rows stay cheap.
        group_cells = [
            [Text(cell_verdict(a), style=CELL_STYLE[cell_verdict(a)]) for a in answers]
            for answers in matrix.groups
        ]
        group_ok = [all(c.plain == "PASS" for c in cells) for cells in group_cells]
        problems: list[tuple[Text, ...]] = []
        fine: list[tuple[Text, ...]] = []
        for v in matrix.vnets:
            g = matrix.group_of[v.key]
            for c in group_cells[g]:
                counts[c.plain] += 1
            (fine if group_ok[g] else problems).append((Text(v.name), *group_cells[g]))
        rows = (problems + fine)[:MAX_ROWS]
        table.add_rows(rows)
        text = Text(f"{len(matrix.vnets)} VNets × {len(matrix.names)} apps under {domain}: ")
        for k, style in CELL_STYLE.items():
            text.append(f"{counts[k]} {k}  ", style=style)
        if len(matrix.vnets) > len(rows):
            text.append(f"(first {len(rows)} VNets shown, problems first)", style="dim")
        summary.update(text)
