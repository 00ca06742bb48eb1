"""The help screen: what each region shows, the keys, and what the badges and verdicts mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# vnetplan — help

**Left**: the estate tree, subscriptions → resource groups → VNets. Arrows move, Enter or → expands.
Press **/** and type to filter by name, resource group, region or prefix.

**Badges** on a VNet: **overlap** (its address space overlaps another VNet's or on-prem space),
**peering** (a link that is not Connected, not in sync, or has access turned off),
**custom DNS** (linked Private DNS zones are not consulted; answers depend on those servers),
**gap** (the snapshot could not read something this VNet depends on).

**Tabs** (keys 1–6): **Details** of the selected VNet; **Topology**, its peerings and attached
resources; **DNS**, a simulated answer for a name asked from the selected VNet and the app-domain
matrix (PASS resolves privately, FAIL does not, UNKNOWN cannot be known from the snapshot);
**Overlaps** (when the overlap analysis is installed), grouped by severity — Enter jumps to the VNet;
**Findings** (key 5), the audit rules' FAIL and UNKNOWN findings with rationale and remediation;
**Plan** (key 6), the recommendation for the selected VNet, and with an intent the plan, each
change's REST body, the what-if, "Save plan" (the file `vnetplan apply` reads), "Save intent", and
"Apply…": a confirmation naming the changes and the subscriptions touched, then per-change
progress and a log (Escape stops between changes), then each connection verified on a fresh
inventory (PASS, FAIL or UNKNOWN with the reasons).

| key | action |
|---|---|
| / | filter the tree |
| 1 … 6 | Details, Topology, DNS, Overlaps, Findings, Plan |
| ctrl+p | command palette |
| ctrl+t | light / dark theme |
| escape | cancel running work, close this help |
| ? or F1 | this help |
| q | quit |
"""


class HelpScreen(ModalScreen[None]):
    """A modal over the main screen; Escape, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss_help", "Close", key_display="esc"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Markdown(HELP)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
