"""The main screen: the estate tree on the left, the tabs for the selection and the estate on the right.

The screen owns the layout and passes what the app hands it down to the widgets of each region;
it keeps the current selection and re-draws only the visible tab when the selection changes (the
topology is drawn when its tab is shown, so moving through the tree never waits for it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static, TabbedContent, TabPane, Tree

from netplan.estate import Estate
from netplan.ids import rid_key
from tui.widgets.details.vnet_details import VnetDetails
from tui.widgets.footer import KeysFooter
from tui.widgets.sidebar.estate_tree import EstateTree
from tui.widgets.tabs.dns import DnsPanel
from tui.widgets.tabs.findings import AuditDigest, FindingsView
from tui.widgets.tabs.home import HomeView, Problem
from tui.widgets.tabs.overlaps import OverlapsView
from tui.widgets.tabs.plan import PlanPanel
from tui.widgets.tabs.topology import TopologyView

if TYPE_CHECKING:  # the app imports this screen; the screen only needs the app's type
    from tui.app import VnetplanApp

#: The tabs in key order (1 … 7).
TABS = ("home", "details", "topology", "dns", "overlaps", "findings", "plan")
TAB_TITLES = {
    "home": "Home", "details": "Details", "topology": "Topology", "dns": "DNS",
    "overlaps": "Overlaps", "findings": "Findings", "plan": "Plan",
}  # fmt: skip
#: Actions that need the Plan tab (the planner's core modules).
PLAN_ACTIONS = ("recommend", "plan", "what_if", "apply", "verify", "save_plan")


def tab_label(tab: str) -> str:
    return f"{TABS.index(tab) + 1} {TAB_TITLES[tab]}"


def estate_summary(estate: Estate) -> Text:
    text = Text(
        f"{len(estate.vnets)} VNets · {len(estate.subscriptions)} subscriptions · {len(estate.zones)} zones",
        style="dim", no_wrap=True, overflow="ellipsis",
    )
    if estate.gaps:
        text.append(f"\n{len(estate.gaps)} gap(s) in the snapshot", style="yellow")
    return text


class FilterBox(Input):
    """The tree's filter box. It hands each new value to ``follow`` at once, so the tree is drawn
    filtered in the same frame as the box: through ``Input.Changed`` the box was drawn alone
    first, and the tree a frame and a timer tick later (a quarter of each keystroke's time)."""

    def __init__(self, follow: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._follow = follow

    def _watch_value(self, value: str) -> None:
        layout = self._layout_required
        super()._watch_value(value)
        # Input sets its virtual size to its text's width, which asks for a layout of the whole
        # screen on every keystroke, and a layout has the tree's scrollbar drawn again, unchanged,
        # in a frame of its own. The box scrolls its text itself (from that virtual size): a
        # repaint is all it needs.
        self._layout_required = layout
        if self.is_mounted:
            self._follow(value)


class MainScreen(Screen[None]):
    """Tree + tabs. The app calls the ``show_*`` methods with results from its workers."""

    BINDINGS = [
        # The tab labels carry their digit, so the footer keeps its room for the actions.
        *(Binding(str(i), f"show_tab('{tab}')", TAB_TITLES[tab], show=False) for i, tab in enumerate(TABS, 1)),
        Binding("n", "next_problem(1)", "Next problem", key_display="n/N"),
        Binding("N", "next_problem(-1)", "Previous problem", show=False),
        Binding("j", "cursor(1)", "Down", show=False),
        Binding("k", "cursor(-1)", "Up", show=False),
        Binding("i", "edit", "Edit", show=False),
        Binding("r", "recommend", "Recommend"),
        Binding("p", "plan", "Plan"),
        Binding("w", "what_if", "What-if"),
        Binding("a", "apply", "Apply"),
        Binding("v", "verify", "Verify"),
        Binding("s", "save_plan", "Save", show=False),
        Binding("R", "reload", "Reload"),
        Binding("b", "toggle_sidebar", "Sidebar"),
        Binding("escape", "leave", "Back to tree", show=False),
    ]

    @property
    def vapp(self) -> VnetplanApp:
        """The app, typed: the workers and actions this screen starts (checked by mypy)."""
        return cast("VnetplanApp", self.app)

    def __init__(
        self, estate: Estate, options: Any
    ) -> None:
        super().__init__()
        self.estate = estate
        self.options = options
        self.selected: str | None = None
        self.graph: Any | None = None
        self.badges: dict[str, frozenset[str]] = {}
        #: Index into the Home tab's problem list of the last ``n`` / ``N`` (-1: none yet).
        self.problem_index = -1
        self.first_open = True

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="sidebar"):
                yield FilterBox(self.filter_changed, placeholder="/ filter, or who owns an IP", id="filter")
                yield EstateTree(self.estate, id="tree")
                yield Static(estate_summary(self.estate), id="estate-summary")
            with TabbedContent(id="tabs", initial="home"):
                with TabPane(tab_label("home"), id="home"):
                    yield HomeView(self.estate, self.options.app_domain, id="home-view")
                with TabPane(tab_label("details"), id="details"):
                    yield VnetDetails(id="details-view")
                with TabPane(tab_label("topology"), id="topology"):
                    yield TopologyView(id="topology-view")
                with TabPane(tab_label("dns"), id="dns"):
                    yield DnsPanel(self.options.app_domain, id="dns-panel")
                with TabPane(tab_label("overlaps"), id="overlaps"):
                    yield OverlapsView(id="overlaps-view")
                with TabPane(tab_label("findings"), id="findings"):
                    yield FindingsView(id="findings-view")
                intent = self.options.intent
                provider = self._vnet_ref(intent.provider.vnet_id) if intent is not None else ""
                with TabPane(tab_label("plan"), id="plan"):
                    yield PlanPanel(provider, intent is not None, id="plan-panel")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one(EstateTree).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in PLAN_ACTIONS:
            # Without an intent only Recommend works: the others are hidden, not dead keys.
            return action == "recommend" or self.options.intent is not None
        return True

    # ------------------------------------------------------------------ user input

    def filter_changed(self, text: str) -> None:
        """Each keystroke in the filter box (called by the box, before it is drawn again)."""
        tree = self.query_one(EstateTree)
        before = tree.owners
        tree.set_filter(text)
        if (before is not None or tree.owners is not None) and self.selected:
            # The "who owns" answer heads the Details of the selected VNet: keep it current.
            self.select_vnet(self.selected)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            event.stop()  # the box called filter_changed already

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
        self.vapp.resolve_name(self.estate, self.selected, message.qname)

    def on_dns_panel_matrix_requested(self, message: DnsPanel.MatrixRequested) -> None:
        self.query_one(DnsPanel).query_one("#dns-matrix-summary", Static).update(
            Text("Computing…", style="dim")
        )
        self.vapp.compute_matrix(self.estate, message.domain)

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "topology":
            self._draw_topology()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        # Text boxes never take the focus on a tab switch (the digits would be typed into them):
        # `i` asks for the tab's box. Tables take it, so j/k and Enter work at once.
        table = {"home": "#home-table", "overlaps": "#overlaps-table", "findings": "#findings-table",
                 "dns": "#dns-table"}.get(tab)  # fmt: skip
        if table is not None:
            self.query_one(table).focus()
        elif isinstance(self.focused, Input) or self._pane_of(self.focused) not in (None, tab):
            # Focus left in the pane just hidden would move to that pane's next widget, and
            # the tabs follow the focus: the switch would be undone (p from the Home table).
            self._focus_tree()

    @staticmethod
    def _pane_of(widget: Any) -> str | None:
        """The id of the tab pane holding ``widget`` (None: the tree, the filter, nothing)."""
        if widget is None:
            return None
        return next((w.id for w in widget.ancestors if isinstance(w, TabPane)), None)

    def _focus_tree(self) -> None:
        tree = self.query_one(EstateTree)
        if self.query_one("#sidebar").display:
            tree.focus()
        else:
            self.query_one(TabbedContent).focus()

    def action_leave(self) -> None:
        """Escape: out of a text box back to the tree, and stop any running work."""
        if isinstance(self.focused, Input):
            self._focus_tree()
        self.vapp.action_cancel_work()

    def action_cursor(self, step: int) -> None:
        """j / k: down / up in the focused tree or table (arrows work too)."""
        widget = self.focused
        if isinstance(widget, Tree | DataTable):
            widget.action_cursor_down() if step > 0 else widget.action_cursor_up()

    def action_edit(self) -> None:
        """i: into the active tab's text box (the DNS name, the plan's provider, the findings filter,
        the Details tables' filter)."""
        if self.query_one(TabbedContent).active == "details":
            self.query_one(VnetDetails).ask_filter()
            return
        box = {"dns": "#dns-name", "plan": "#plan-provider", "findings": "#findings-filter",
               }.get(self.query_one(TabbedContent).active)  # fmt: skip
        if box is not None:
            self.query_one(box, Input).focus()
        else:
            self.focus_filter()

    def action_toggle_sidebar(self) -> None:
        """b: hide the tree for the full width (tables of a big hub), or show it again."""
        sidebar = self.query_one("#sidebar")
        sidebar.display = not sidebar.display
        if not sidebar.display and self.focused is not None and sidebar in self.focused.ancestors:
            self.query_one(TabbedContent).focus()
            active = self.query_one(TabbedContent).active
            self.action_show_tab(active)
        elif sidebar.display:
            self.query_one(EstateTree).focus()

    # ------------------------------------------------------------------ problems: n / N

    def action_next_problem(self, step: int) -> None:
        """n / N: the next / previous problem anywhere (the Home tab's order); the tree follows."""
        home = self.query_one(HomeView)
        problems = home.problems()
        if not problems:
            pending = any(v is None for v in home.sections.values())
            self.notify("Still computing; no problem found yet." if pending else "No problems in this estate.",
                        timeout=3)  # fmt: skip
            return
        self.problem_index = (self.problem_index + step) % len(problems) if self.problem_index >= 0 else (
            0 if step > 0 else len(problems) - 1)  # fmt: skip
        problem = problems[self.problem_index]
        home.focus_problem(problem)
        if self.query_one(TabbedContent).active == "home":
            # On Home the table's cursor is on the problem now: Enter jumps to where it is fixed.
            self.query_one("#home-table").focus()
        if problem.vnet_id:
            self.select_vnet(problem.vnet_id, reveal=True)
        self.notify(f"{self.problem_index + 1}/{len(problems)} {problem.status}: {problem.title}", timeout=3)

    def on_vnet_selected(self, message: Any) -> None:
        # Handled here, not in the app: a highlight that lands while the app shuts down finds
        # the screen still there, never an empty screen stack.
        message.stop()
        self.select_vnet(message.vnet_id, message.reveal)

    def on_home_view_problem_chosen(self, message: HomeView.ProblemChosen) -> None:
        self.jump_to(message.problem)

    def jump_to(self, problem: Problem) -> None:
        """Show the problem where it is fixed: its VNet in the tree, its tab, its row there."""
        if problem.vnet_id:
            self.select_vnet(problem.vnet_id, reveal=True)
        self.action_show_tab(problem.tab)
        if problem.tab == "findings":
            self.query_one(FindingsView).focus_finding(problem.ref)
        elif problem.tab == "overlaps":
            self.query_one(OverlapsView).focus_group(problem.ref)
        elif problem.tab == "dns" and problem.ref and self.selected:
            self.query_one(DnsPanel).ask(str(problem.ref))

    # ------------------------------------------------------------------ plan keys

    def _plan_panel_or_none(self) -> Any:
        self.action_show_tab("plan")
        return self._plan_panel()

    def action_recommend(self) -> None:
        panel = self._plan_panel_or_none()
        if panel is not None:
            panel.request("plan-recommend")

    def action_plan(self) -> None:
        panel = self._plan_panel_or_none()
        if panel is not None:
            panel.request("plan-make")

    def action_what_if(self) -> None:
        panel = self._plan_panel_or_none()
        if panel is not None and not panel.request("plan-whatif"):
            # No plan yet: make it, and the what-if follows when it arrives.
            self.vapp.whatif_after_plan = True
            panel.request("plan-make")

    def action_save_plan(self) -> None:
        panel = self._plan_panel_or_none()
        if panel is not None and not panel.request("plan-save"):
            self.notify("Nothing to save yet: make the plan first (p).", severity="warning")

    def action_apply(self) -> None:
        self.vapp.action_apply_plan()

    def action_verify(self) -> None:
        if self._plan_panel_or_none() is not None:
            self.vapp.action_verify()

    def action_reload(self) -> None:
        self.vapp.action_reload()

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
        self.query_one(VnetDetails).show(self.estate, v, self.badges.get(v.key, frozenset()),
                                         self.query_one(EstateTree).owners)  # fmt: skip
        if self.query_one(VnetDetails).wants_traffic(v.id):
            self.vapp.compute_traffic(self.estate, v.id)
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
                self.query_one(VnetDetails).show(self.estate, v, badges.get(v.key, frozenset()),
                                                 self.query_one(EstateTree).owners)  # fmt: skip

    def show_traffic(self, traffic: Any) -> None:
        self.query_one(VnetDetails).show_traffic(self.estate, traffic)

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
        self.vapp.recommend(self.estate, self.selected, message.provider, message.use_case)

    def on_plan_panel_plan_requested(self, message: Any) -> None:
        self.vapp.make_plan(self.estate, self.options.intent)

    def on_plan_panel_what_if_requested(self, message: Any) -> None:
        app: Any = self.app
        if app.changes is not None:
            app.what_if(self.estate, self.options.intent, app.changes)

    def on_plan_panel_save_requested(self, message: Any) -> None:
        self.vapp.save_plan(message.path)

    def on_plan_panel_save_intent_requested(self, message: Any) -> None:
        self.vapp.save_intent(message.path)

    def on_plan_panel_apply_requested(self, message: Any) -> None:
        self.vapp.request_apply(message.path)

    def _plan_panel(self) -> Any:

        return self.query_one(PlanPanel)

    def show_recommendation(self, rec: Any) -> None:
        self._plan_panel().show_recommendation(rec)

    def show_plan(self, cs: Any, verdict: Any = None) -> None:
        self._plan_panel().show_plan(cs, verdict)

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

    def show_verification(self, results: list[Any], offline: bool = False) -> None:
        self._plan_panel().show_verification(results, offline)

    def show_verifying(self) -> None:
        self.action_show_tab("plan")
        self._plan_panel().show_verifying()

    def reset_plan(self) -> None:
        """The estate changed: the plan made on the old one is spent (a new one is a key away)."""
        self._plan_panel().reset()

    def show_verification_failed(self, line: str) -> None:
        self._plan_panel().show_verification_failed(line)

    def show_findings(self, audit: AuditDigest) -> None:
        self.query_one(HomeView).show_findings(audit)
        self.query_one(FindingsView).show(self.estate, audit)
        self.home_complete()

    def show_overlaps(self, report: Any) -> None:
        self.query_one(HomeView).show_overlaps(report)
        self.query_one(OverlapsView).show(self.estate, report)
        self.home_complete()

    def show_peerings(self, problems: list[Any]) -> None:
        self.query_one(HomeView).show_peerings(problems)
        self.home_complete()

    def show_health(self, health: Any) -> None:
        self.query_one(HomeView).show_health(health)
        self.home_complete()

    def section_unavailable(self, section: str, why: str) -> None:
        self.query_one(HomeView).section_unavailable(section, why)
        self.home_complete()

    def home_complete(self) -> None:
        """Called after each Home section arrives: once all have, put the cursor on the first problem.

        Only when the estate is small (its tree opened expanded) and the user has not picked a
        VNet meanwhile: the cursor never jumps away from something the user is reading.
        """
        home = self.query_one(HomeView)
        if not self.first_open or any(v is None for v in home.sections.values()):
            return
        self.first_open = False
        if self.query_one(EstateTree).small and self.selected is None:
            first = next((p for p in home.problems() if p.vnet_id), None)
            if first is not None and first.vnet_id:
                self.select_vnet(first.vnet_id, reveal=True)

    def set_estate(self, estate: Estate) -> None:
        """A new estate (reload, or re-read after apply): every region starts over on it."""
        self.estate = estate
        self.badges = {}
        self.problem_index = -1
        self.query_one(EstateTree).set_estate(estate)
        self.query_one("#estate-summary", Static).update(estate_summary(estate))
        self.query_one(HomeView).set_estate(estate)
        # Nothing of the old estate stays on screen while its analyses run again.
        self.query_one(FindingsView).reset()
        self.query_one(OverlapsView).reset()
        self.query_one(DnsPanel).reset_matrix()
        self.graph = None
        v = estate.vnet(self.selected) if self.selected else None
        if v is not None:
            self.select_vnet(v.id, reveal=True)
        else:
            self.selected = None
