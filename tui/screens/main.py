"""The main screen: the estate tree on the left, the tabs for the selection and the estate on the right.

The screen owns the layout and passes what the app hands it down to the widgets of each region;
it keeps the current selection and re-draws only the visible tab when the selection changes (the
topology is drawn when its tab is shown, so moving through the tree never waits for it).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static, TabbedContent, TabPane

from netplan.estate import Estate
from netplan.ids import rid_key
from tui.widgets.details.vnet_details import VnetDetails
from tui.widgets.sidebar.estate_tree import EstateTree
from tui.widgets.tabs.dns import DnsPanel
from tui.widgets.tabs.topology import TopologyView


def estate_summary(estate: Estate) -> Text:
    text = Text(
        f"{len(estate.vnets)} VNets · {len(estate.subscriptions)} subscriptions · {len(estate.zones)} zones",
        style="dim",
    )
    if estate.gaps:
        text.append(f"\n{len(estate.gaps)} gap(s) in the snapshot", style="yellow")
    return text


class MainScreen(Screen[None]):
    """Tree + tabs. The app calls the ``show_*`` methods with results from its workers."""

    BINDINGS = [
        Binding("1", "show_tab('details')", "Details"),
        Binding("2", "show_tab('topology')", "Topology"),
        Binding("3", "show_tab('dns')", "DNS"),
        Binding("4", "show_tab('overlaps')", "Overlaps"),
        Binding("5", "show_tab('findings')", "Findings"),
        Binding("6", "show_tab('plan')", "Plan"),
        Binding("escape", "leave", "Back to tree", show=False),
    ]

    def __init__(
        self, estate: Estate, options: Any, *, overlaps_tab: bool, findings_tab: bool, plan_tab: bool = False
    ) -> None:
        super().__init__()
        self.estate = estate
        self.options = options
        self.overlaps_tab = overlaps_tab
        self.findings_tab = findings_tab
        self.plan_tab = plan_tab
        self.selected: str | None = None
        self.graph: Any | None = None
        self.badges: dict[str, frozenset[str]] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="/ filter VNets: name, group, region, prefix", id="filter")
                yield EstateTree(self.estate, id="tree")
                yield Static(estate_summary(self.estate), id="estate-summary")
            with TabbedContent(id="tabs", initial="details"):
                with TabPane("Details", id="details"):
                    yield VnetDetails(id="details-view")
                with TabPane("Topology", id="topology"):
                    yield TopologyView(id="topology-view")
                with TabPane("DNS", id="dns"):
                    yield DnsPanel(self.options.app_domain, id="dns-panel")
                if self.overlaps_tab:
                    from tui.widgets.tabs.overlaps import OverlapsView

                    with TabPane("Overlaps", id="overlaps"):
                        yield OverlapsView(id="overlaps-view")
                if self.findings_tab:
                    from tui.widgets.tabs.findings import FindingsView

                    with TabPane("Findings", id="findings"):
                        yield FindingsView(id="findings-view")
                if self.plan_tab:
                    from tui.widgets.tabs.plan import PlanPanel

                    intent = self.options.intent
                    provider = self._vnet_ref(intent.provider.vnet_id) if intent is not None else ""
                    with TabPane("Plan", id="plan"):
                        yield PlanPanel(provider, intent is not None, id="plan-panel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(EstateTree).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # No Overlaps tab without the overlap analysis: hide its key from the footer too.
        if action == "show_tab" and parameters == ("overlaps",):
            return self.overlaps_tab
        if action == "show_tab" and parameters == ("findings",):
            return self.findings_tab
        if action == "show_tab" and parameters == ("plan",):
            return self.plan_tab
        return True

    # ------------------------------------------------------------------ user input

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            event.stop()
            self.query_one(EstateTree).set_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            event.stop()
            tree = self.query_one(EstateTree)
            tree.focus()
            first = tree.first_match() if tree.filter_text else None
            if first is not None:
                # Selected here, not by a message from the tree: this handler runs in the screen,
                # so a message the tree posted now would stop bubbling at the screen (its sender).
                self.select_vnet(first)

    def on_dns_panel_resolve_requested(self, message: DnsPanel.ResolveRequested) -> None:
        if self.selected is None:
            self.notify(
                "Pick a VNet in the tree first: a DNS answer depends on the VNet asking.", severity="warning"
            )
            return
        self.app.resolve_name(self.estate, self.selected, message.qname)  # type: ignore[attr-defined]

    def on_dns_panel_matrix_requested(self, message: DnsPanel.MatrixRequested) -> None:
        self.query_one(DnsPanel).query_one("#dns-matrix-summary", Static).update(
            Text("Computing…", style="dim")
        )
        self.app.compute_matrix(self.estate, message.domain)  # type: ignore[attr-defined]

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "topology":
            self._draw_topology()

    def action_show_tab(self, tab: str) -> None:
        present = {"overlaps": self.overlaps_tab, "findings": self.findings_tab, "plan": self.plan_tab}
        if not present.get(tab, True):
            return
        self.query_one(TabbedContent).active = tab
        if tab == "dns":
            # The DNS tab is for typing a name: put the cursor there.
            self.query_one("#dns-name", Input).focus()
        elif tab in ("overlaps", "findings"):
            self.query_one(f"#{tab}-table").focus()

    def action_leave(self) -> None:
        """Escape: out of a text box back to the tree, and stop any running work."""
        if isinstance(self.focused, Input):
            self.query_one(EstateTree).focus()
        self.app.action_cancel_work()  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ attributes down

    def focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def show_tab(self, tab: str) -> None:
        self.action_show_tab(tab)

    def select_vnet(self, vnet_id: str, reveal: bool = False) -> None:
        v = self.estate.vnet(vnet_id)
        if v is None:
            self.notify(f"vnetplan: error: VNet {vnet_id} is not in the snapshot", severity="error")
            return
        self.selected = v.id
        if reveal:
            self.query_one(EstateTree).reveal(v)
        self.query_one(VnetDetails).show(self.estate, v, self.badges.get(v.key, frozenset()))
        self.query_one(DnsPanel).set_source(v.name)
        if self.query_one(TabbedContent).active == "topology":
            self._draw_topology()

    def _overlapping(self) -> set[str]:
        return {k for k, b in self.badges.items() if "overlap" in b}

    def _draw_topology(self) -> None:
        key = rid_key(self.selected) if self.selected else None
        self.query_one(TopologyView).show(self.graph, key, self._overlapping())

    def show_badges(self, badges: dict[str, frozenset[str]], overlaps_known: bool) -> None:
        self.badges = badges
        self.query_one(EstateTree).set_badges(badges, self.estate)
        if self.selected:
            v = self.estate.vnet(self.selected)
            if v is not None:
                self.query_one(VnetDetails).show(self.estate, v, badges.get(v.key, frozenset()))

    def show_graph(self, graph: Any) -> None:
        self.graph = graph
        if self.query_one(TabbedContent).active == "topology":
            self._draw_topology()

    def show_answer(self, answer: Any) -> None:
        self.query_one(DnsPanel).show_answer(answer)

    def show_matrix(self, domain: str, matrix: Any) -> None:
        self.query_one(DnsPanel).show_matrix(domain, matrix)

    def _vnet_ref(self, vnet_id: str) -> str:
        v = self.estate.vnet(vnet_id)
        return f"{v.resource_group}/{v.name}" if v is not None else vnet_id

    def on_plan_panel_recommend_requested(self, message: Any) -> None:
        if self.selected is None:
            self.notify("Pick the consumer VNet in the tree first.", severity="warning")
            return
        self.app.recommend(self.estate, self.selected, message.provider, message.use_case)  # type: ignore[attr-defined]

    def on_plan_panel_plan_requested(self, message: Any) -> None:
        self.app.make_plan(self.estate, self.options.intent)  # type: ignore[attr-defined]

    def on_plan_panel_what_if_requested(self, message: Any) -> None:
        app: Any = self.app
        if app.changes is not None:
            app.what_if(self.estate, self.options.intent, app.changes)

    def on_plan_panel_save_requested(self, message: Any) -> None:
        self.app.save_plan(message.path)  # type: ignore[attr-defined]

    def on_plan_panel_save_intent_requested(self, message: Any) -> None:
        self.app.save_intent(message.path)  # type: ignore[attr-defined]

    def on_plan_panel_apply_requested(self, message: Any) -> None:
        self.app.request_apply(message.path)  # type: ignore[attr-defined]

    def _plan_panel(self) -> Any:
        from tui.widgets.tabs.plan import PlanPanel

        return self.query_one(PlanPanel)

    def show_recommendation(self, rec: Any) -> None:
        self._plan_panel().show_recommendation(rec)

    def show_plan(self, cs: Any) -> None:
        self._plan_panel().show_plan(cs)

    def show_whatif(self, wi: Any) -> None:
        self._plan_panel().show_whatif(wi)

    def show_apply_started(self, plan: Any, target: str, journal: str) -> None:
        self._plan_panel().show_apply_started(plan, target, journal)

    def show_apply_progress(self, result: Any, done: int, total: int) -> None:
        self._plan_panel().show_apply_progress(result, done, total)

    def show_apply_log(self, text: str) -> None:
        self._plan_panel().show_apply_log(text)

    def show_applied(self, result: Any, cancelled: bool) -> None:
        self._plan_panel().show_applied(result, cancelled)

    def show_verification(self, results: list[Any]) -> None:
        self._plan_panel().show_verification(results)

    def show_verification_failed(self, line: str) -> None:
        self._plan_panel().show_verification_failed(line)

    def show_findings(self, report: Any) -> None:
        if self.findings_tab:
            from tui.widgets.tabs.findings import FindingsView

            self.query_one(FindingsView).show(self.estate, report)

    def show_overlaps(self, report: Any) -> None:
        if self.overlaps_tab:
            from tui.widgets.tabs.overlaps import OverlapsView

            self.query_one(OverlapsView).show(self.estate, report)
