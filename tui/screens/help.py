"""The help screen: what each region shows, the keys, and what the badges and verdicts mean."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# vnetplan — help

**Home** (tab 1) is the estate's health: audit findings (FAIL, UNKNOWN) by severity, overlaps by
severity, peering links that are not Connected or not in sync, and the app domain's consumers ×
answer (ILB, private endpoint, other private, public, NXDOMAIN, unknown) with reachability.
Enter on a row jumps to where it is fixed; **n** / **N** walk the problems from anywhere.

**Left**: the estate tree, subscriptions → resource
groups → VNets; **▲N** on a subscription or group counts its VNets with a problem badge. A small
estate opens expanded with the cursor on the first problem. Subscriptions show their display
names when the snapshot has them. **/** searches by name, group, region, prefix or subscription
name; an IP address or a CIDR prefix asks **who owns it**: the VNets, subnets and resources holding
it (an overlap when several do), in the tree and, after Enter, at the top of Details.

**Badges** on a VNet: **overlap** (its space overlaps another VNet's or on-prem space it routes to),
**peering** (a link not Connected, not in sync, or with access off), **custom DNS** (linked zones
are not consulted), **gap** (the snapshot could not read something this VNet depends on).

**Tabs**: 2 **Details**, 3 **Topology**, 4 **DNS** (press **i** to type a name), 5 **Overlaps**,
6 **Findings**, 7 **Plan**: recommend, plan, what-if, save, apply (after a confirmation), then
verification on a fresh inventory; the estate is re-read and every tab refreshes.

| key | action |
|---|---|
| 1 … 7 | Home, Details, Topology, DNS, Overlaps, Findings, Plan |
| n / N | next / previous problem |
| Enter | jump (Home, Overlaps, Findings rows); expand a tree node |
| j / k | down / up in the tree and tables (arrows too) |
| / | search: name, group, region, prefix; an IP or CIDR: who owns it |
| i | type in the tab's text box (DNS name, provider, findings filter, Details tables' filter) |
| r | recommend peering or Private Link for the selected VNet |
| p | plan the intent |
| w | what-if of the plan |
| s | save the plan |
| a | apply the plan (after a confirmation) |
| v | verify the intent's connections on the estate shown |
| R | reload the estate (the files, or Azure after an apply) |
| b | hide / show the sidebar |
| ctrl+p | command palette: every action above |
| ctrl+t | light / dark theme |
| escape | leave a text box; cancel running work; close this help |
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
