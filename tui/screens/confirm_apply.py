"""The apply confirmation: what will be written, where, and in which subscriptions, before anything is sent.

A modal over the main screen. It lists every change of the plan (action, type, resource), the
subscriptions the writes land in and the ones whose VNets a peering needs ``peer/action`` on (P7:
possibly another team's subscription), the target (public Azure or the ``--endpoint`` given) and
the journal file, and the plan's what-if verdict (the one the plan file records,
:mod:`netplan.verdict`): "would verify", "would NOT verify" with each reason, or "cannot tell" with
why. It dismisses with ``True`` only on an explicit confirm: the "Apply" button, clicked or pressed
from the keyboard (Tab to it, Enter). For a plan whose what-if says the result would NOT verify
the button stays disabled until the override is ticked ("Apply anyway", the CLI's
``--allow-unverified``). Cancel has the focus when it opens, so an Enter typed by habit cancels;
Escape and ``n`` cancel too. The promise: nothing is sent to Azure unless this screen returned
``True``, and never for an unverified plan without the override.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, Static

from netplan import kinds
from netplan.ids import parse_id, short_id

#: Reasons listed under the verdict; the rest are counted (the plan file holds them all).
MAX_REASONS = 8


def subscriptions_touched(steps: Iterable[Any]) -> dict[str, list[str]]:
    """Subscription -> what the plan does there (``N write(s)``, ``peer/action on rg/vnet``).

    ``steps`` are :class:`netplan.changeset.Change`. A peering's remote VNet is touched too: Azure
    checks ``virtualNetworks/peer/action`` on it (P7), so its owner must know before the apply.
    """
    writes: dict[str, int] = {}
    peers: dict[str, list[str]] = {}
    for s in steps:
        sub = parse_id(s.id).subscription
        if sub:
            writes[sub] = writes.get(sub, 0) + 1
        if s.type.lower() == kinds.PEERING.key and s.body is not None:
            remote = str(((s.body.get("properties") or {}).get("remoteVirtualNetwork") or {}).get("id") or "")
            rsub = parse_id(remote).subscription if remote else ""
            if rsub:
                peers.setdefault(rsub, [])
                if short_id(remote) not in peers[rsub]:
                    peers[rsub].append(short_id(remote))
    out: dict[str, list[str]] = {}
    for sub in sorted({*writes, *peers}):
        what = [f"{writes[sub]} write(s)"] if sub in writes else []
        what.extend(f"peer/action on {v}" for v in peers.get(sub, []))
        out[sub] = what
    return out


class ConfirmApplyScreen(ModalScreen[bool]):
    """Dismisses with True (apply) or False (cancel)."""

    BINDINGS = [
        Binding("escape,n", "cancel", "Cancel"),
    ]

    def __init__(self, plan: Any, target: str, journal: str, notes: Iterable[str] = (), verdict: Any = None,
                 names: Callable[[str], str | None] | None = None) -> None:  # fmt: skip
        super().__init__()
        #: Subscription ID -> display name (the estate's), None when unknown.
        self.names = names or (lambda _sub: None)
        self.plan = plan
        self.target = target
        self.journal = journal
        #: The plan's problems and warnings: what this apply will not solve, said before it starts.
        self.notes = tuple(notes)
        #: The plan's what-if verdict (netplan.verdict.Verdict); None when the plan records none.
        self.verdict = verdict

    @property
    def unverified(self) -> bool:
        """The what-if says the result would NOT verify: applying needs the override."""
        return self.verdict is not None and self.verdict.verifies is False

    def verdict_text(self) -> Text:
        v = self.verdict
        out = Text("What-if: ", style="bold")
        if v is None:
            out.append("the plan records no verdict: nothing says the result will verify\n", style="bold yellow")
            return out
        style = {True: "bold green", False: "bold red", None: "bold yellow"}[v.verifies]
        out.append(f"{v.summary}\n", style=style)
        for r in v.reasons[:MAX_REASONS]:
            out.append(f"  • {r}\n", style="red" if v.verifies is False else "yellow")
        if len(v.reasons) > MAX_REASONS:
            out.append(f"  … {len(v.reasons) - MAX_REASONS} more (in the plan file's whatif.reasons)\n", style="dim")
        return out

    def compose(self) -> ComposeResult:
        steps = list(self.plan.changes)
        subs = subscriptions_touched(steps)
        head = Text(f"Apply plan {self.plan.plan_id}: {len(steps)} change(s)\n", style="bold")
        head.append(f"Target: {self.target}\n")
        head.append(f"Journal: {self.journal}\n", style="dim")
        head.append(f"Subscriptions touched ({len(subs)}):\n", style="bold")
        for sub, what in subs.items():
            name = self.names(sub)
            head.append(f"  {f'{name} ({sub})' if name else sub}: {', '.join(what)}\n")
        for note in self.notes:
            head.append(f"{note}\n", style="bold red" if note.startswith("problem") else "yellow")
        head.append_text(self.verdict_text())
        with Vertical(id="confirm-box"):
            yield Static(head, id="confirm-summary")
            yield DataTable(id="confirm-table", cursor_type="row", zebra_stripes=True, show_cursor=False)
            yield Static(
                Text("Nothing has been sent yet. Changes already in place are skipped; "
                     "one changed since the plan was made stops the run.", style="dim"),
                id="confirm-note",
            )  # fmt: skip
            if self.unverified:
                yield Checkbox("Apply anyway: the result would NOT verify (as --allow-unverified)", id="confirm-override")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="confirm-cancel")
                yield Button(f"Apply {len(steps)} change(s)", id="confirm-apply", variant="error",
                             disabled=self.unverified)  # fmt: skip

    def on_mount(self) -> None:
        table = self.query_one("#confirm-table", DataTable)
        for col in ("#", "action", "type", "resource", "subscription"):
            table.add_column(col, key=col)
        for i, s in enumerate(self.plan.changes, 1):
            sub = parse_id(s.id).subscription
            table.add_row(str(i), s.action.value, s.type.rsplit("/", 1)[-1], short_id(s.id),
                          self.names(sub) or sub)  # fmt: skip
        # Cancel first: an Enter typed by habit must not apply.
        self.query_one("#confirm-cancel", Button).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.checkbox.id == "confirm-override":
            self.query_one("#confirm-apply", Button).disabled = not event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        ok = event.button.id == "confirm-apply"
        if ok and self.unverified and not self.query_one("#confirm-override", Checkbox).value:
            return  # never without the override (a press that raced the disabled state)
        self.dismiss(ok)

    def action_cancel(self) -> None:
        self.dismiss(False)
