"""The Plan tab: plan a connection. Recommendation, then (with an intent) changes and what-if.

Top: provider (a VNet reference, prefilled from the intent) and use case; the consumer is the
VNet selected in the tree. "Recommend" runs :func:`netplan.recommend.recommend` and shows the
method with every reason, what blocks the other method, and the alternatives with their cost.
With an intent (``--intent``): "Plan" runs :func:`netplan.plan.make_plan` and shows the plan's
what-if verdict (the one its file records), each connection's decision with its reasons and every
option weighed (what it changes, whether it verifies, its exposure and cost), and the ordered
changes (the highlighted change's REST body, as a diff against the current resource when it is an
update); "What-if" runs :func:`netplan.whatif.what_if` and shows, per connection, the verification
before and after; "Save plan" writes the same JSON file as ``vnetplan plan --out`` (for
``vnetplan apply``); "Save intent" writes the intent as YAML. "Apply…" saves the plan, asks for
confirmation in a modal (:mod:`tui.screens.confirm_apply`), and then shows one row per change
whose status follows the executor (pending → done / already / failed / stale / refused /
not-run), a log, and, once every change is in place, the verification of each connection on a
fresh inventory: PASS, FAIL or UNKNOWN with the reasons.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Log, Select, Static

from netplan.explain import BAD, GOOD, explain_plan
from netplan.ids import short_id
from netplan.verify import combine

USE_CASES = ("expose-apps", "internal-service", "database")
RESULT_STYLE = {"PASS": "bold green", "FAIL": "bold red", "UNKNOWN": "bold yellow"}
#: How each executor outcome reads in the progress table (netplan.live.apply.Outcome values).
OUTCOME_STYLE = {
    "done": "green", "already": "green", "would-write": "cyan", "stale": "bold red",
    "refused": "bold red", "failed": "bold red", "not-run": "yellow",
}  # fmt: skip


def render_recommendation(rec: Any) -> Text:
    out = Text()
    out.append(f"{short_id(rec.consumer_id)} → {short_id(rec.provider_id)} ({rec.use_case}): ", style="bold")
    out.append(rec.method.upper(), style="bold green" if rec.ok else "bold red")
    out.append("\n")
    for r in rec.reasons:
        out.append(f"• {r.message}\n")
    if rec.blocked_by:
        out.append("Blocked\n", style="bold")
        for r in rec.blocked_by:
            out.append(f"• {r.method}: {r.message}\n", style="red")
    for alt in rec.alternatives:
        cost = (
            f", roughly {alt.cost.monthly:.0f} {alt.cost.currency}/month ({alt.cost.as_of} prices)"
            if alt.cost
            else ""
        )
        out.append(f"{alt.method}: {'possible' if alt.possible else 'not possible'}{cost}\n", style="dim")
    for u in rec.unblock:
        out.append(f"To unblock: {u}\n", style="yellow")
    return out


def change_body(change: Any) -> Text:
    """The REST call of one change: the body, or a diff against the current resource."""
    head = Text(f"{change.action.value.upper()} {change.id}?api-version={change.api_version}\n", style="bold")
    head.append(f"{change.reason}\n\n", style="dim")
    if change.action.value == "delete" or change.body is None:
        return head
    new = json.dumps(change.body, indent=2, sort_keys=True).splitlines()
    if change.before is None:
        for line in new:
            head.append(f"+ {line}\n", style="green")
        return head
    old = json.dumps(change.before, indent=2, sort_keys=True).splitlines()
    for line in difflib.unified_diff(old, new, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        style = (
            "green"
            if line.startswith("+")
            else "red"
            if line.startswith("-")
            else "cyan"
            if line.startswith("@@")
            else ""
        )
        head.append(line + "\n", style=style)
    return head


def render_verification(results: list[Any], offline: bool = False) -> Text:
    """Each connection's verdict on the fresh inventory, with the reasons (as ``vnetplan verify``)."""

    title = ("Verification on the estate shown (offline, as vnetplan verify)" if offline
             else "Verification after apply (fresh inventory)")  # fmt: skip
    out = Text(title + "\n", style="bold")
    for r in results:
        out.append(f"{short_id(r.consumer_vnet_id)} ({r.method.value}): ")
        out.append(r.result.value, style=RESULT_STYLE.get(r.result.value, ""))
        out.append("\n")
        for reason in r.reasons:
            out.append(f"    {reason}\n", style="dim")
        for check in r.checks:
            out.append("    ")
            out.append(check.result.value, style=RESULT_STYLE.get(check.result.value, ""))
            expected = f" (expected {', '.join(check.expected)})" if check.expected else ""
            out.append(f" {check.name}{expected}\n")
            for reason in check.reasons:
                out.append(f"      {reason}\n", style="dim")
    overall = combine([r.result for r in results]).value
    out.append("Overall: ", style="bold")
    out.append(overall + "\n", style=RESULT_STYLE.get(overall, ""))
    return out


def render_verdict(verdict: Any) -> Text:
    """One line: the plan's what-if verdict (netplan.verdict.Verdict), as its plan file records it."""
    out = Text("What-if verdict: ", style="bold")
    if verdict is None:
        out.append("none recorded\n", style="bold yellow")
        return out
    out.append(f"{verdict.summary}\n", style={True: "bold green", False: "bold red", None: "bold yellow"}[verdict.verifies])
    for r in verdict.reasons:
        out.append(f"  • {r}\n", style="red" if verdict.verifies is False else "yellow")
    return out


#: How each tone of :meth:`netplan.explain.Explanation.lines` is styled.
TONE_STYLE = {GOOD: "green", BAD: "red", "": ""}


def render_decisions(cs: Any) -> Text:
    """Why each connection is served the way it is: the reasons, and every option weighed.

    The words are :func:`netplan.explain.explain_plan`'s (the same ``vnetplan plan`` prints); a
    method pinned by the intent weighs no other option, and the tab says so.
    """
    out = Text()
    explanations = explain_plan(cs)
    if explanations:
        out.append("Decisions: why each connection is served so, and what else was weighed\n", style="bold underline")
    for ex in explanations:
        for i, (line, tone) in enumerate(ex.lines()):
            out.append(line + "\n", style=("bold " + TONE_STYLE[tone]).strip() if i == 0 else TONE_STYLE[tone])
        if not ex.options and ex.asked != "auto":
            out.append(f"  no other option weighed: {ex.asked} is pinned by the intent (method: auto weighs them)\n",
                       style="dim")  # fmt: skip
    return out


def render_whatif(wi: Any) -> Text:
    out = Text("What-if: verification before → after\n", style="bold")
    for o in wi.outcomes:
        out.append(f"{short_id(o.consumer_id)} ({o.method}): ")
        out.append(o.before, style=RESULT_STYLE.get(o.before, ""))
        out.append(" → ")
        out.append(o.after, style=RESULT_STYLE.get(o.after, ""))
        out.append("\n")
        for r in o.after_reasons:
            out.append(f"    {r}\n", style="dim")
    for sv in wi.services:
        out.append(f"{sv.fqdn} (from the provider): {sv.before} → {sv.after}\n")
    for note in (*wi.overlaps, *wi.notes):
        out.append(f"note: {note}\n", style="yellow")
    out.append("The result would verify.\n" if wi.would_verify else "The result would NOT verify.\n",
               style="bold green" if wi.would_verify else "bold red")  # fmt: skip
    return out


class PlanPanel(VerticalScroll):
    """Inputs and results of planning; the app runs the workers and hands results down."""

    @dataclass
    class RecommendRequested(Message):
        """Recommend a method between the selected VNet (consumer) and ``provider``."""

        provider: str
        use_case: str

    @dataclass
    class PlanRequested(Message):
        """Make the plan of the loaded intent."""

    @dataclass
    class WhatIfRequested(Message):
        """Compute the what-if of the current plan."""

    @dataclass
    class SaveRequested(Message):
        """Write the current plan to ``path``."""

        path: str

    @dataclass
    class SaveIntentRequested(Message):
        """Write the loaded intent to ``path`` (YAML)."""

        path: str

    @dataclass
    class ApplyRequested(Message):
        """Save the plan to ``path`` and apply it after confirmation (journal ``path.journal``)."""

        path: str

    def __init__(self, provider: str, has_intent: bool, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.provider = provider
        self.has_intent = has_intent
        self._changes: list[Any] = []

    def compose(self) -> ComposeResult:
        with Horizontal(classes="plan-row"):
            yield Label("Provider", classes="plan-label")
            yield Input(value=self.provider, placeholder="rg/vnet or VNet name", id="plan-provider")
            yield Select(
                [(u, u) for u in USE_CASES], value=USE_CASES[0], allow_blank=False, id="plan-use-case"
            )
            yield Button("Recommend", id="plan-recommend", variant="primary")
        yield Static(Text("Consumer: the VNet selected in the tree.", style="dim"), id="plan-recommendation")
        if self.has_intent:
            with Horizontal(classes="plan-row"):
                yield Button("Plan (intent)", id="plan-make")
                yield Button("What-if", id="plan-whatif", disabled=True)
                yield Input(value="plan.json", id="plan-path")
                yield Button("Save plan", id="plan-save", disabled=True)
            with Horizontal(classes="plan-row"):
                yield Button("Apply…", id="plan-apply", variant="warning", disabled=True)
                yield Input(value="intent.yaml", id="plan-intent-path")
                yield Button("Save intent", id="plan-save-intent")
            yield Static("", id="plan-summary")
            # Under the summary, above the changes and the (long) decisions: the what-if is
            # seen where it is asked for, next to the buttons, without scrolling.
            yield Static("", id="plan-whatif-result")
            yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="plan-body")
            # Below the changes: the table stays next to the buttons, the reasons follow it.
            yield Static("", id="plan-decisions")
            yield Static("", id="apply-status")
            yield DataTable(id="apply-table", cursor_type="row", zebra_stripes=True)
            yield Log(id="apply-log", max_lines=2000)
            yield Static("", id="verify-result")
        else:
            yield Static(
                Text(
                    "Open with --intent FILE to plan the declared connections (changes, what-if).",
                    style="dim",
                )
            )

    def request(self, button_id: str) -> bool:
        """A key asked for what a button does (r, p, w, s): the same path as a click.

        Returns False when that button is absent or disabled (nothing to do yet), after saying why.
        """
        try:
            button = self.query_one(f"#{button_id}", Button)
        except Exception:
            return False
        if button.disabled:
            return False
        button.press()
        return True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "plan-recommend":
            provider = self.query_one("#plan-provider", Input).value.strip()
            use_case = str(self.query_one("#plan-use-case", Select).value)
            self.query_one("#plan-recommendation", Static).update(Text("Recommending…", style="dim"))
            self.post_message(self.RecommendRequested(provider, use_case))
        elif event.button.id == "plan-make":
            self.query_one("#plan-summary", Static).update(Text("Planning…", style="dim"))
            self.post_message(self.PlanRequested())
        elif event.button.id == "plan-whatif":
            self.query_one("#plan-whatif-result", Static).update(Text("Computing the what-if…", style="dim"))
            self._bring_into_view("#plan-whatif-result")
            self.post_message(self.WhatIfRequested())
        elif event.button.id == "plan-save":
            self.post_message(self.SaveRequested(self.query_one("#plan-path", Input).value.strip()))
        elif event.button.id == "plan-save-intent":
            self.post_message(self.SaveIntentRequested(self.query_one("#plan-intent-path", Input).value.strip()))
        elif event.button.id == "plan-apply":
            self.post_message(self.ApplyRequested(self.query_one("#plan-path", Input).value.strip()))

    # ------------------------------------------------------------------ attributes down

    def show_recommendation(self, rec: Any) -> None:
        self.query_one("#plan-recommendation", Static).update(render_recommendation(rec))

    def show_plan(self, cs: Any, verdict: Any = None) -> None:
        """The plan: counts, its what-if verdict, problems; the decisions and why; the changes."""
        s = cs.summary()
        text = Text(
            f"plan {cs.plan_id}: {s['create']} to create, {s['update']} to update, {s['delete']} to delete\n"
        )
        if not cs.empty:
            text.append_text(render_verdict(verdict))
        for p in cs.problems:
            text.append(f"problem {p.code}: {p.message}\n", style="red")
        for w in cs.warnings:
            text.append(f"warning: {w}\n", style="yellow")
        if cs.empty and not cs.problems:
            text.append("No changes: the estate matches the intent.\n", style="green")
        self.query_one("#plan-summary", Static).update(text)
        self.query_one("#plan-decisions", Static).update(render_decisions(cs))
        table = self.query_one("#plan-table", DataTable)
        table.clear(columns=True)
        for col in ("#", "action", "type", "resource", "why"):
            table.add_column(col, key=col)
        self._changes = list(cs.changes)
        for i, c in enumerate(self._changes, 1):
            table.add_row(
                str(i), c.action.value, c.type.split("/", 1)[-1], short_id(c.id), c.reason, key=str(i - 1)
            )
        self.query_one("#plan-whatif", Button).disabled = False
        self.query_one("#plan-save", Button).disabled = False
        # An empty plan has nothing to apply.
        self.query_one("#plan-apply", Button).disabled = cs.empty
        # The user just asked for it: show it from its buttons and summary, wherever the tab was
        # scrolled (to a what-if, an apply's rows or a verification).
        self.call_after_refresh(self.scroll_home, animate=False)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.data_table.id != "plan-table":
            return  # the apply table's rows are keyed by change id and have no body view
        i = int(str(event.row_key.value))
        if 0 <= i < len(self._changes):
            self.query_one("#plan-body", Static).update(change_body(self._changes[i]))

    def show_whatif(self, wi: Any) -> None:
        self.query_one("#plan-whatif-result", Static).update(render_whatif(wi))
        # The user just asked for it: on a short terminal, or with the tab scrolled down (to an
        # apply's rows), scroll just enough to show it.
        self._bring_into_view("#plan-whatif-result")

    def _bring_into_view(self, selector: str) -> None:
        """Scroll the tab (as little as needed) to show the widget ``selector``, once laid out."""
        self.call_after_refresh(self.scroll_to_widget, self.query_one(selector), animate=False)

    # ------------------------------------------------------------------ apply and verify

    def show_apply_started(self, plan: Any, target: str, journal: str) -> None:
        # The focus goes to Plan before Apply is disabled: otherwise it would move on to
        # the next text box, and the single-key actions (p, R, …) would be typed into it.
        # Without scrolling to it: the rows below are what the user must see now.
        self.query_one("#plan-make", Button).focus(scroll_visible=False)
        self.query_one("#plan-apply", Button).disabled = True
        self.query_one("#apply-status", Static).update(
            Text(f"Applying plan {plan.plan_id} to {target}: 0/{len(plan.changes)} (Escape cancels; "
                 f"journal {journal})", style="bold")
        )  # fmt: skip
        table = self.query_one("#apply-table", DataTable)
        table.clear(columns=True)
        # Status first: it is what changes, and it must stay visible on a narrow terminal.
        for col in ("#", "status", "action", "type", "resource", "note"):
            table.add_column(col, key=col)
        for i, step in enumerate(plan.changes, 1):
            table.add_row(str(i), Text("pending", style="dim"), step.action.value, step.type.rsplit("/", 1)[-1],
                          short_id(step.id), "", key=step.key)  # fmt: skip
        self.query_one("#verify-result", Static).update("")
        self.query_one("#apply-log", Log).clear()
        # The rows are below the plan: bring them into view, the user just asked for them.
        self.call_after_refresh(self.scroll_to_widget, self.query_one("#apply-status"), top=True, animate=False)

    def _set_row(self, result: Any) -> None:
        table = self.query_one("#apply-table", DataTable)
        outcome = result.outcome.value
        status = Text(outcome, style=OUTCOME_STYLE.get(outcome, ""))
        if result.message and outcome in ("not-run", "failed") and "in flight" in result.message:
            status = Text("in flight", style="yellow")
        table.update_cell(result.change.key, "status", status)
        table.update_cell(result.change.key, "note", result.message[:160])

    def show_apply_progress(self, result: Any, done: int, total: int) -> None:
        self._set_row(result)
        self.query_one("#apply-status", Static).update(
            Text(f"Applying: {done}/{total} change(s) finished (Escape cancels)", style="bold")
        )
        self.show_apply_log(f"[{done}/{total}] {result.change.action.value} {short_id(result.change.id)}: "
                            f"{result.outcome.value}")  # fmt: skip

    def show_apply_log(self, text: str) -> None:
        self.query_one("#apply-log", Log).write_line(text)

    def show_applied(self, result: Any, cancelled: bool) -> None:
        for r in result.results:
            self._set_row(r)
        n = len(result.results)
        done = sum(1 for r in result.results if r.outcome.value == "done")
        already = sum(1 for r in result.results if r.outcome.value == "already")
        if cancelled:
            text = Text(f"Cancelled: {done} change(s) written, {already} already in place, of {n}; "
                        "no new change was started. Re-run Apply (or vnetplan apply) to finish.", style="bold yellow")  # fmt: skip
        elif result.error is not None:
            text = Text(f"Apply stopped: {done} written, {already} already in place, of {n}. "
                        f"{result.error}", style="bold red")  # fmt: skip
        else:
            text = Text(f"Applied: {done} change(s) written, {already} already in place, in {result.seconds:.1f}s. "
                        "Verifying on a fresh inventory…", style="bold green")  # fmt: skip
        self.query_one("#apply-status", Static).update(text)
        self.show_apply_log(text.plain)
        self.query_one("#plan-apply", Button).disabled = False

    def reset(self) -> None:
        """A new estate: clear the plan and what-if made on the old one (apply rows and log stay)."""
        if not self.has_intent:
            return
        self._changes = []
        self.query_one("#plan-summary", Static).update(
            Text("The estate was read again: press p to plan on it.", style="dim"))
        self.query_one("#plan-decisions", Static).update("")
        self.query_one("#plan-table", DataTable).clear(columns=True)
        self.query_one("#plan-body", Static).update("")
        self.query_one("#plan-whatif-result", Static).update("")
        for b in ("#plan-whatif", "#plan-save", "#plan-apply"):
            self.query_one(b, Button).disabled = True

    def show_verifying(self) -> None:
        if self.has_intent:
            self.query_one("#verify-result", Static).update(Text("Verifying on the estate shown…", style="dim"))

    def show_verification(self, results: list[Any], offline: bool = False) -> None:

        if not self.has_intent:
            return
        self.query_one("#verify-result", Static).update(render_verification(results, offline))
        self.call_after_refresh(self.scroll_to_widget, self.query_one("#verify-result"), animate=False)
        overall = combine([r.result for r in results]).value
        if offline:
            return
        status = self.query_one("#apply-status", Static)
        text = Text(str(status.content).replace(" Verifying on a fresh inventory…", ""), style="bold")
        text.append(" Verified: ")
        text.append(overall, style=RESULT_STYLE.get(overall, ""))
        status.update(text)

    def show_verification_failed(self, line: str) -> None:
        """The re-inventory or the verification could not run: say so where the verdict would be."""
        self.query_one("#verify-result", Static).update(
            Text(f"Not verified: {line}\nThe changes are applied; run vnetplan verify on a fresh inventory.",
                 style="bold yellow")
        )  # fmt: skip
