"""The vnetplan terminal UI: one factory, :func:`create_app`, builds it for the CLI and the tests.

The app is a view over the core. It holds the loaded :class:`~netplan.estate.Estate` and hands it
down to the widgets; anything that takes time (badges over the whole estate, the estate graph,
overlaps, DNS answers, the resolution matrix) runs in a thread worker that calls a core function
and posts a past-tense message (:mod:`tui.messages`). Workers are exclusive per kind, so a new
request cancels the old one, and Escape cancels all of them. Errors reach the user as
notifications carrying the same one line the CLI prints (``vnetplan: error: ...``), never as a
traceback. The promise: nothing here decides anything about the network that the CLI could not
also say.
"""

from __future__ import annotations

import gc
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from checks import registry
from netplan import overlaps, whatif
from netplan import plan as planner
from netplan import recommend as recommender
from netplan.changeset import read_plan, with_source_estate
from netplan.dns.health import domain_health, intent_ports
from netplan.dns.matrix import app_names, resolution_matrix
from netplan.dns.names import DnsNameError
from netplan.dns.simulator import resolve
from netplan.errors import InputError, UsageError, VnetplanError
from netplan.estate import Estate
from netplan.graph import build_graph
from netplan.ids import parse_id, rid_key
from netplan.intent import parse_intent
from netplan.live.apply import ApplyOptions, ApplyResult, ChangeResult, Outcome, apply_plan
from netplan.live.credentials import acquire, redact
from netplan.live.interrupt import summarize
from netplan.live.inventory import InventoryOptions, take_inventory
from netplan.live.journal import Journal
from netplan.live.postapply import fresh_estate, subscriptions_to_read
from netplan.model import PeeringState, SyncLevel, VNet
from netplan.traffic import vnet_traffic
from netplan.triage import peering_problems
from netplan.verdict import check_verdict, plan_document, plan_file_text, recorded_verdict
from netplan.verify import verify_intent
from tui import messages as m
from tui.applying import ApplyCancelled, outcomes_after_cancel, target_label, verify_after_apply
from tui.screens.confirm_apply import ConfirmApplyScreen
from tui.screens.confirm_overwrite import ConfirmOverwriteScreen, would_lose_data
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.widgets.details.vnet_details import VnetDetails, attached_index
from tui.widgets.tabs.findings import digest

#: The default app domain of the DNS tab's matrix (Mendix on Azure); replaced by the intent's.
DEFAULT_APP_DOMAIN = "azure.mendixapps.io"

#: The longest an analysis waits for the screen to draw the results of the one before it (the UI
#: may be busy with something else, or closing): after that it runs anyway.
DRAW_WAIT_S = 2.0

#: Badge names, in the order the tree shows them.
OVERLAP, PEERING, CUSTOM_DNS, GAP = "overlap", "peering", "custom-dns", "gap"


def error_line(exc: BaseException) -> str:
    """The one line the CLI prints for ``exc`` (vnetplan/cli.py), reused in notifications."""
    if isinstance(exc, VnetplanError):
        return f"vnetplan: error: {exc}"
    return f"vnetplan: internal error: {type(exc).__name__}: {exc}"


def vnet_badges(v: VNet, has_gap: bool) -> set[str]:
    """The badges that follow from one VNet's own facts (no estate-wide analysis needed)."""
    out: set[str] = set()
    for p in v.peerings:
        # P1/P4/P5: only a Connected, in-sync link with access allowed carries all traffic.
        if (
            p.state is not PeeringState.CONNECTED
            or (p.sync_level is not None and p.sync_level is not SyncLevel.FULLY_IN_SYNC)
            or not p.allow_virtual_network_access
        ):
            out.add(PEERING)
            break
    if v.dns_servers:
        # D2: linked zones are not consulted; resolution depends on the custom servers.
        out.add(CUSTOM_DNS)
    if has_gap:
        out.add(GAP)
    return out


_paused = 0
_paused_lock = threading.Lock()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while the start-up analyses run (nested runs: until the last
    one ends), and what they built frozen out of the collector's view afterwards.

    The analyses allocate millions of objects that live as long as the estate; the collections
    they set off walked them again and again (2.4 of 6 s on the 10k estate), each holding the
    interpreter lock for up to a quarter of a second, so that a key pressed then waited for it.
    They leave almost no cyclic garbage (38 objects on the 10k estate), so pausing costs nothing.
    """
    global _paused
    with _paused_lock:
        _paused += 1
        gc.disable()
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            gc.freeze()
            if not _paused:
                gc.enable()


@dataclass(frozen=True)
class TuiOptions:
    """What the CLI passes in: where the estate came from, and the DNS tab's app domain."""

    source: str = ""
    app_domain: str = DEFAULT_APP_DOMAIN
    theme: str = "textual-dark"
    #: Run the estate-wide workers at start-up (the benchmark turns them off to time them apart).
    analyse: bool = True
    #: The loaded intent (netplan.intent.Intent), when the CLI was given one.
    intent: Any = None
    #: ARM base URL for apply and the re-inventory after it (None = public Azure; the emulator in tests).
    endpoint: str | None = None
    #: CA bundle to trust for ``endpoint``.
    ca_bundle: str | None = None
    #: Seconds between polls of a long-running operation that sends no Retry-After (as the CLI's).
    polling_interval: float = 5.0
    #: Reads the estate again from where it came from (the CLI's loader over the same files), for R.
    reload: Callable[[], Estate] | None = None
    #: ``--credential``: how apply and the re-inventory after it sign in (netplan.live.credentials).
    credential: str = "auto"


class VnetplanApp(App[int]):
    """The vnetplan TUI. Build it with :func:`create_app`."""

    CSS_PATH = "vnetplan.tcss"
    TITLE = "vnetplan"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("f1,question_mark", "help", "Help", key_display="?"),
        Binding("slash", "focus_filter", "Filter", key_display="/"),
        Binding("ctrl+t", "toggle_theme", "Theme"),
        Binding("escape", "cancel_work", "Cancel", show=False),
    ]

    def __init__(self, estate: Estate, options: TuiOptions) -> None:
        super().__init__()
        self.estate = estate
        self.options = options
        #: What a cancelled apply left behind (netplan.live.interrupt), for the cancel message.
        self.cancel_summary: Any = None
        self.badges: dict[str, frozenset[str]] = {}
        self.overlaps_known = False
        self.graph: object | None = None
        self.changes: Any = None
        #: The plan file's content for ``self.changes`` (netplan.verdict.plan_document: verdict included).
        self.plan_doc: dict[str, Any] | None = None
        #: The what-if shown (w) for ``self.changes``: saved with the plan, as ``vnetplan plan --what-if --out``.
        self.whatif: Any = None
        #: The executor's plan of the running or last apply (netplan.changeset.ChangeSet, as apply runs it).
        self.apply_plan: Any = None
        #: What-if asked (w) before a plan existed: run it when the plan arrives.
        self.whatif_after_plan = False
        #: True once the estate shown was read from Azure (after an apply): R reads Azure again.
        self.live_estate = False
        self.update_title()

    def update_title(self) -> None:
        """The target in the title (where apply writes), the source and plan's subscriptions below."""

        self.title = f"vnetplan → {target_label(self.options.endpoint)}"
        parts = [("Azure (re-read after apply)" if self.live_estate else self.options.source) or "estate"]
        if self.changes is not None and not self.changes.empty:

            subs = sorted({parse_id(c.id).subscription for c in self.changes.changes} - {""})
            parts.append(f"plan touches {', '.join(self.estate.subscription_label(x) for x in subs)}")
        self.sub_title = " · ".join(parts)

    # ------------------------------------------------------------------ set-up

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(self.estate, self.options)

    def on_mount(self) -> None:
        self.theme = self.options.theme
        # The loaded estate lives as long as the app: keep the collector from walking its million
        # objects again on every full collection (they made random keypresses 0.4 s slower).
        gc.freeze()

    def on_ready(self) -> None:
        # After the first screen is drawn: the estate-wide work never delays it.
        if self.options.analyse:
            self.start_analyses()

    def start_analyses(self) -> None:
        """Estate-wide work in the background: the screen is usable meanwhile."""
        self.run_analyses(self.estate, self.options.app_domain)

    @work(thread=True, exclusive=True, group="analyses", exit_on_error=False, description="analyses")
    def run_analyses(self, estate: Estate, domain: str) -> None:
        """Every start-up analysis, one after the other in one thread, each posted as it finishes
        (Home fills in section by section, its own first). One thread, not one per analysis: the
        UI thread then shares the interpreter with one busy thread, not five, so keys stay quick
        while the analyses run. A failing analysis is the CLI's one line in a notification, its
        Home sections say so, and the others still run."""
        worker = get_current_worker()
        with collector_paused():
            self._run_steps(estate, domain, worker)

    def _run_steps(self, estate: Estate, domain: str, worker: Worker[Any]) -> None:
        steps: list[tuple[Callable[[], None], tuple[str, ...]]] = [
            (lambda: self._badges(estate, worker), ("overlaps", "peerings")),
            (lambda: self._health(estate, domain, worker), ("dns",)),
            (lambda: self._audit(estate, worker), ("findings",)),
            (lambda: self._graph(estate, worker), ()),
            (lambda: self._matrix(estate, domain, worker), ()),
        ]
        for i, (step, sections) in enumerate(steps):
            if worker.is_cancelled:
                return
            if i:
                self._wait_drawn(worker)
            try:
                step()
                # Its result (and the tables drawn from the ones before) lives as long as the
                # estate: out of the collector's way, or a full collection walks the audit's
                # findings in the middle of a keypress (1-2 s on the 10k estate).
                gc.freeze()
            except Exception as exc:  # every analysis failure is shown (one line), never a traceback
                line = error_line(exc)
                self.post_message(m.WorkFailed(line))
                for section in sections:
                    if not self.closing_down:
                        self.call_from_thread(self.main.section_unavailable, section, line)
        if not worker.is_cancelled:
            self.post_message(m.AnalysesFinished())

    def _wait_drawn(self, worker: Worker[Any]) -> None:
        """Block the analyses' thread until the UI thread has handled what it posted so far and
        drawn it (or :data:`DRAW_WAIT_S` passed, or the work was cancelled).

        Drawing a result (the Home table, the findings) takes the UI thread 0.1-0.2 s on the 10k
        estate; with the next analysis running beside it, the two shared the interpreter lock and
        the drawing took twice as long, and so did a key pressed meanwhile, which waits for it.
        """
        drawn = threading.Event()
        if self.closing_down or not self.call_after_refresh(drawn.set):
            return
        deadline = time.monotonic() + DRAW_WAIT_S
        while not drawn.wait(0.05):
            if worker.is_cancelled or self.closing_down or time.monotonic() > deadline:
                return

    @property
    def closing_down(self) -> bool:
        """True once the screens are gone (the app is exiting): a worker's result that arrives now
        has nowhere to be shown, and is dropped (it raised IndexError from ``main``)."""
        return not self.screen_stack

    @property
    def main(self) -> MainScreen:
        # The default screen sits at the bottom of the stack, under help and the palette.
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    # ------------------------------------------------------------------ workers
    #
    # Every @work names its description: by default Textual builds it from repr() of the
    # arguments, and repr() of a 10,000-VNet Estate takes seconds, on every cursor move.

    def _badges(self, estate: Estate, worker: Worker[Any]) -> None:
        out: dict[str, frozenset[str]] = {}
        for v in estate.vnets:
            out[v.key] = frozenset(vnet_badges(v, bool(estate.gaps) and bool(estate.gaps_for(v.id))))
        report = None
        if not worker.is_cancelled:
            report = overlaps.find_overlaps(estate)
            # Only overlaps that matter get the badge: an isolated one (info) is legitimate (P3).
            for vid in report.overlapping_vnets(overlaps.Severity.WARNING):
                key = rid_key(vid)
                out[key] = out.get(key, frozenset()) | {OVERLAP}
        if worker.is_cancelled:
            return

        attached = (estate, attached_index(estate))  # for the Details tab's first selection
        self.post_message(m.BadgesComputed(out, report is not None, attached))
        self.post_message(m.PeeringsFound(peering_problems(estate)))
        if report is not None:
            self.post_message(m.OverlapsFound(report))

    def _health(self, estate: Estate, domain: str, worker: Worker[Any]) -> None:
        # Reach per app port by the traffic rules, on the ports the intent's connections name.
        health = domain_health(estate, domain, ports=intent_ports(self.options.intent)) if domain else None
        if not worker.is_cancelled:
            self.post_message(m.HealthComputed(health))

    @work(thread=True, exclusive=True, group="verify", exit_on_error=False, description="verify")
    def verify_offline(self, estate: Estate, intent: Any) -> None:

        results = verify_intent(estate, intent)
        if not get_current_worker().is_cancelled:
            self.post_message(m.Verified(results, estate, offline=True))

    @work(thread=True, exclusive=True, group="reload", exit_on_error=False, description="reload")
    def reload_estate(self) -> None:
        """R: read the estate again (the files, or Azure when the estate shown came from there)."""
        if self.live_estate and self.apply_plan is not None:

            subs = subscriptions_to_read(self.estate, self.apply_plan)
            credential = acquire(self.options.credential, self.options.endpoint)
            inv = take_inventory(credential, InventoryOptions(subscriptions=subs, endpoint=self.options.endpoint,
                                 ca_bundle=self.options.ca_bundle), show_progress=False)  # fmt: skip
            estate = fresh_estate(inv.snapshot, self.estate.declarations_dict())
            live = True
        elif self.options.reload is not None:
            estate = self.options.reload()
            live = False
        else:
            raise VnetplanError("this estate was not read from files the TUI can read again")
        if not get_current_worker().is_cancelled:
            self.post_message(m.EstateLoaded(estate, live=live))

    def _graph(self, estate: Estate, worker: Worker[Any]) -> None:
        g = build_graph(estate)
        if not worker.is_cancelled:
            self.post_message(m.GraphBuilt(g))

    def _audit(self, estate: Estate, worker: Worker[Any]) -> None:
        # The tabs list FAIL and UNKNOWN only: the passes are counted, not built (180,000 on 10k VNets).
        report = registry.audit(estate, include_passed=False)
        audit = digest(estate, report)
        if not worker.is_cancelled:
            self.post_message(m.AuditFinished(report, audit))

    @work(thread=True, exclusive=True, group="resolve", exit_on_error=False, description="resolve")
    def resolve_name(self, estate: Estate, vnet_id: str, name: str) -> None:

        try:
            answer = resolve(estate, vnet_id, name)
        except DnsNameError as exc:
            # The CLI maps a malformed name to a usage error; say the same line here.
            raise UsageError(str(exc)) from None
        if not get_current_worker().is_cancelled:
            self.post_message(m.NameResolved(answer))

    @work(thread=True, exclusive=True, group="traffic", exit_on_error=False, description="traffic")
    def compute_traffic(self, estate: Estate, vnet_id: str) -> None:
        traffic = vnet_traffic(estate, vnet_id, self.options.app_domain, self.options.intent)
        if not get_current_worker().is_cancelled:
            self.post_message(m.TrafficComputed(traffic))

    @work(thread=True, exclusive=True, group="matrix", exit_on_error=False, description="matrix")
    def compute_matrix(self, estate: Estate, domain: str) -> None:
        """The DNS tab's matrix for another domain (the app domain's is one of the analyses)."""
        self._matrix(estate, domain, get_current_worker())

    def _matrix(self, estate: Estate, domain: str, worker: Worker[Any]) -> None:
        names = app_names(estate, domain) if domain else []
        matrix = resolution_matrix(estate, names) if names else None
        if not worker.is_cancelled:
            self.post_message(m.MatrixComputed(domain, matrix))

    @work(thread=True, exclusive=True, group="recommend", exit_on_error=False, description="recommend")
    def recommend(self, estate: Estate, consumer: str, provider: str, use_case: str) -> None:
        rec = recommender.recommend(estate, consumer, provider, use_case)
        if not get_current_worker().is_cancelled:
            self.post_message(m.Recommended(rec))

    @work(thread=True, exclusive=True, group="plan", exit_on_error=False, description="plan")
    def make_plan(self, estate: Estate, intent: Any) -> None:
        cs = planner.make_plan(estate, intent)
        # The plan file as `vnetplan plan --out` writes it: the what-if verdict and what it depends on.
        document = plan_document(estate, intent, cs)
        if not get_current_worker().is_cancelled:
            self.post_message(m.Planned(cs, document))

    @work(thread=True, exclusive=True, group="whatif", exit_on_error=False, description="whatif")
    def what_if(self, estate: Estate, intent: Any, changes: Any) -> None:
        wi = whatif.what_if(estate, intent, changes)
        if not get_current_worker().is_cancelled:
            self.post_message(m.WhatIfComputed(wi, changes))

    def plan_data(self) -> dict[str, Any] | None:
        """The plan file's content (before its paths are made relative to where it is written)."""
        if self.changes is None or self.plan_doc is None:
            return None
        if self.whatif is None:
            return self.plan_doc
        return {**self.plan_doc, "what_if": self.whatif.to_dict()}

    def write_file(self, path: str, text: str, what: str, done: Callable[[bool], None]) -> None:
        """Write ``text`` at ``path``; when that would replace other content, ask first.

        ``done(True)`` once written; ``done(False)`` when the user kept the file or the write
        failed (the CLI's one line, in a notification). Nothing is ever overwritten unasked.
        """
        def write(ok: bool | None) -> None:
            if not ok:
                self.notify(f"{path} kept as it was: nothing written", timeout=5)
                done(False)
                return
            try:
                Path(path).write_text(text, encoding="utf-8")
            except OSError as exc:
                self.post_message(m.WorkFailed(error_line(InputError(path, "", f"cannot write: {exc.strerror or exc}"))))
                done(False)
                return
            done(True)

        if not path:
            self.post_message(m.WorkFailed(error_line(UsageError(f"give a file path to write {what} to"))))
            done(False)
        elif would_lose_data(path, text):
            self.push_screen(ConfirmOverwriteScreen(path, what), write)
        else:
            write(True)

    def save_plan(self, path: str, then: Callable[[bool], None] | None = None) -> None:
        """Write the plan file exactly as ``vnetplan plan --out`` does (the file ``vnetplan apply`` reads)."""
        data = self.plan_data()
        if data is None:
            return
        plan_id = self.changes.plan_id

        def done(ok: bool) -> None:
            if ok:
                self.notify(f"plan {plan_id} written to {path}", timeout=5)
            if then is not None:
                then(ok)

        self.write_file(path, plan_file_text(data, path), f"plan {plan_id}", done)

    def save_intent(self, path: str) -> None:
        """Write the intent the Plan tab works with as YAML (the file ``--intent`` and ``vnetplan plan`` read)."""
        import yaml

        intent = self.options.intent
        if intent is None:
            return
        text = yaml.safe_dump(dict(intent.source), sort_keys=False, allow_unicode=True)

        def done(ok: bool) -> None:
            if ok:
                self.notify(f"intent written to {path}", timeout=5)

        self.write_file(path, text, "the intent", done)

    # ------------------------------------------------------------------ apply and verify

    def request_apply(self, path: str) -> None:
        """Save the plan to ``path`` (asking before replacing another file), then ask for confirmation
        showing the plan's what-if verdict; only a confirm starts the apply.

        The plan file and its journal (``PATH.journal``) are what ``vnetplan apply PATH`` reads,
        so an apply interrupted here can be finished or resumed from the shell. The executor reads
        the very content written to the file.
        """

        data = self.plan_data()
        if data is None:
            return
        if any(w.is_running for w in self.workers if w.group in ("apply", "verify")):
            # One apply at a time (the journal is locked too); say so rather than ignore the click.
            self.notify("An apply or its verification is still running (Escape stops it).", severity="warning")
            return
        text = plan_file_text(data, path)
        written = json.loads(text)
        try:
            plan = with_source_estate(read_plan(written, path or "<plan>"), self.estate)
        except VnetplanError as exc:
            self.post_message(m.WorkFailed(error_line(exc)))
            return
        changes = self.changes

        def confirmed(ok: bool | None) -> None:
            if not ok:
                self.post_message(m.ApplyLogged("apply cancelled at the confirmation: nothing was sent"))
                self.notify("apply cancelled: nothing was sent", timeout=4)
                return
            # The CLI's rule and note: the modal allowed an unverified plan only with the override.
            note = check_verdict(plan, path, allow_unverified=True)
            if note:
                self.post_message(m.ApplyLogged(f"note: {note}"))
            self.apply_plan = plan
            self.main.show_apply_started(plan, target_label(self.options.endpoint), journal)
            self.apply_changes(plan, journal)

        # Absolute, so the modal and the log say exactly which file to hand to `vnetplan apply --journal`.
        journal = f"{Path(path).resolve()}.journal" if path else ""

        def saved(ok: bool) -> None:
            if not ok:
                self.post_message(m.ApplyLogged("apply not started: the plan file was not written; nothing was sent"))
                return
            # As `vnetplan apply` shows them: what the plan knows it does not solve.
            notes = [f"problem (not solved by this plan): {p.message}" for p in changes.problems]
            notes += [f"warning: {w}" for w in changes.warnings]
            self.push_screen(ConfirmApplyScreen(plan, target_label(self.options.endpoint), journal, notes,
                                                recorded_verdict(plan), names=self.estate.subscription_name),
                             confirmed)  # fmt: skip

        self.save_plan(path, saved)

    @work(thread=True, exclusive=True, group="apply", exit_on_error=False, description="apply")
    def apply_changes(self, plan: Any, journal_path: str) -> None:

        worker = get_current_worker()
        seen: dict[str, ChangeResult] = {}

        def progress(result: ChangeResult, done: int, total: int) -> None:
            seen[result.change.key] = result
            self.post_message(m.ApplyProgressed(result, done, total))
            # The executor calls this between changes: raising here starts no new change, and
            # lets the ones in flight finish (a thread cannot be stopped mid-write, nor should it).
            if worker.is_cancelled:
                raise ApplyCancelled

        def log(text: str) -> None:
            self.post_message(m.ApplyLogged(redact(text)))

        opts = ApplyOptions(
            endpoint=self.options.endpoint,
            ca_bundle=self.options.ca_bundle,
            polling_interval=self.options.polling_interval,
        )
        # One token before any work: a missing credential is the CLI's one line (a notification).
        credential = acquire(self.options.credential, self.options.endpoint)
        try:
            with Journal(journal_path, plan.plan_id) as journal:
                result = apply_plan(plan, credential, opts, journal, log, progress)
        except ApplyCancelled:

            results = outcomes_after_cancel(plan, seen, journal_path)
            # Counted from the journal: the changes in flight at the cancel have finished since.
            done = [cid for cid, r in seen.items() if r.outcome in (Outcome.DONE, Outcome.ALREADY)]
            self.cancel_summary = summarize(plan, journal_path, done)
            self.post_message(m.Applied(ApplyResult(plan.plan_id, results), cancelled=True))
            return
        self.post_message(m.Applied(result))

    @work(thread=True, exclusive=True, group="verify", exit_on_error=False, description="verify")
    def verify_applied(self, plan: Any) -> None:

        intent = self.options.intent
        results, fresh = verify_after_apply(
            self.estate,
            intent.file,
            intent.source,
            plan,
            self.options.endpoint,
            self.options.ca_bundle,
            lambda text: self._log_apply(redact(text)),
            credential=acquire(self.options.credential, self.options.endpoint),
        )
        if not get_current_worker().is_cancelled:
            self.post_message(m.Verified(results, fresh))

    def _log_apply(self, text: str) -> None:
        self.post_message(m.ApplyLogged(text))

    def on_apply_progressed(self, message: m.ApplyProgressed) -> None:
        self.main.show_apply_progress(message.result, message.done, message.total)

    def on_apply_logged(self, message: m.ApplyLogged) -> None:
        self.main.show_apply_log(message.text)

    def on_applied(self, message: m.Applied) -> None:
        result = message.result
        self.main.show_applied(result, message.cancelled)
        if result.error is not None:
            # The same line `vnetplan apply` prints before exiting 2.
            self.post_message(m.WorkFailed(error_line(result.error)))
        elif message.cancelled:
            s = self.cancel_summary
            text = (f"apply cancelled: {s.sentence()}; {s.rerun('Apply')}" if s is not None
                    else "apply cancelled: no new change was started; the journal records what is done")  # fmt: skip
            self.post_message(m.ApplyLogged(text))
            self.notify(text, severity="warning", timeout=8)
        elif self.options.intent is not None and self.apply_plan is not None:
            self.verify_applied(self.apply_plan)

    def on_verified(self, message: m.Verified) -> None:
        self.main.show_verification(message.results, offline=message.offline)
        if not message.offline and message.estate is not None:
            # The estate as Azure now holds it: every tab shows it (the plan made before is spent).
            self.set_estate(message.estate, live=True)

    def on_estate_loaded(self, message: m.EstateLoaded) -> None:
        self.set_estate(message.estate, live=message.live)
        self.notify(f"reloaded: {len(message.estate.vnets)} VNets", timeout=3)

    def set_estate(self, estate: Estate, live: bool = False) -> None:
        """Show a new estate everywhere: tree, Home, every tab; analyses run again on it."""
        old_intent = self.options.intent
        if old_intent is not None:
            from dataclasses import replace

            try:
                intent = parse_intent(old_intent.file, dict(old_intent.source), {}, estate)
            except VnetplanError as exc:
                self.post_message(m.WorkFailed(error_line(exc)))
                intent = old_intent
            self.options = replace(self.options, intent=intent)
            self.main.options = self.options
        gc.unfreeze()
        self.estate = estate
        self.live_estate = live
        self.badges = {}
        self.graph = None
        self.changes = None
        self.plan_doc = None
        self.whatif = None
        self.main.set_estate(estate)
        self.main.reset_plan()
        self.update_title()
        gc.freeze()
        if self.options.analyse:
            self.start_analyses()

    def on_recommended(self, message: m.Recommended) -> None:
        self.main.show_recommendation(message.recommendation)

    def on_planned(self, message: m.Planned) -> None:
        self.changes = message.changes
        self.plan_doc = message.document
        self.whatif = None
        verdict = recorded_verdict(message.document) if message.document is not None else None
        self.main.show_plan(message.changes, verdict)
        self.update_title()
        if self.whatif_after_plan:
            self.whatif_after_plan = False
            self.what_if(self.estate, self.options.intent, message.changes)

    def on_what_if_computed(self, message: m.WhatIfComputed) -> None:
        if message.changes is self.changes:
            self.whatif = message.whatif
        self.main.show_whatif(message.whatif)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            line = error_line(event.worker.error)
            self.post_message(m.WorkFailed(line))
            if event.worker.group == "verify":
                self.main.show_verification_failed(line)
        elif event.state is WorkerState.CANCELLED and event.worker.group == "verify":
            # A verification stopped by Escape has no verdict: say so, never leave "Verifying…".
            self.main.show_verification_failed("cancelled")

    # ------------------------------------------------------------------ messages up, attributes down

    def on_badges_computed(self, message: m.BadgesComputed) -> None:
        if self.closing_down:
            return
        self.badges = message.badges
        self.overlaps_known = message.overlaps_known
        if message.attached is not None and message.attached[0] is self.estate:
            self.main.query_one(VnetDetails).use_attached(*message.attached)
        self.main.show_badges(message.badges, message.overlaps_known)

    def on_graph_built(self, message: m.GraphBuilt) -> None:
        if self.closing_down:
            return
        self.graph = message.graph
        self.main.show_graph(message.graph)

    def on_overlaps_found(self, message: m.OverlapsFound) -> None:
        if self.closing_down:
            return
        self.main.show_overlaps(message.report)

    def on_audit_finished(self, message: m.AuditFinished) -> None:
        if self.closing_down:
            return
        self.main.show_findings(message.digest)

    def on_name_resolved(self, message: m.NameResolved) -> None:
        if self.closing_down:
            return
        self.main.show_answer(message.answer)

    def on_matrix_computed(self, message: m.MatrixComputed) -> None:
        if self.closing_down:
            return
        self.main.show_matrix(message.domain, message.matrix)

    def on_peerings_found(self, message: m.PeeringsFound) -> None:
        if self.closing_down:
            return
        self.main.show_peerings(message.problems)

    def on_health_computed(self, message: m.HealthComputed) -> None:
        if self.closing_down:
            return
        self.main.show_health(message.health)

    def on_analyses_finished(self, message: m.AnalysesFinished) -> None:
        # Handled after every result before it (one queue): the reports, the graph, the matrix and
        # the tables drawn from them live as long as the estate. Out of the collector's way too,
        # or a full collection walks them all in the middle of a later keypress (0.2-0.8 s).
        gc.freeze()

    def on_traffic_computed(self, message: m.TrafficComputed) -> None:
        if self.closing_down:
            return
        self.main.show_traffic(message.traffic)

    def on_work_failed(self, message: m.WorkFailed) -> None:
        self.notify(message.text, title="vnetplan", severity="error", timeout=8)

    def on_vnet_selected(self, message: m.VnetSelected) -> None:
        self.main.select_vnet(message.vnet_id, message.reveal)

    # ------------------------------------------------------------------ actions

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_focus_filter(self) -> None:
        self.main.focus_filter()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_cancel_work(self) -> None:
        running = [w for w in self.workers if w.is_running]
        self.workers.cancel_all()
        if running:
            self.notify(f"cancelled {len(running)} running task(s)", timeout=3)

    def action_show_tab(self, tab: str) -> None:
        self.main.show_tab(tab)

    def action_verify(self) -> None:
        """v: verify the intent's connections on the estate shown (offline, as ``vnetplan verify``)."""
        intent = self.options.intent
        if intent is None:
            self.notify("Nothing to verify: open with --intent FILE.", severity="warning")
            return
        self.main.show_verifying()
        self.verify_offline(self.estate, intent)

    def action_reload(self) -> None:
        """R: read the estate again and refresh every tab."""
        if any(w.is_running for w in self.workers if w.group in ("apply", "verify")):
            self.notify("An apply or its verification is running; reload when it ends.", severity="warning")
            return
        self.notify("reloading the estate…", timeout=2)
        self.reload_estate()

    def action_apply_plan(self) -> None:
        """The palette's "Apply the plan": the same path as the Plan tab's Apply button."""
        from textual.widgets import Input

        self.main.show_tab("plan")
        if self.changes is None or self.changes.empty:
            self.notify("Nothing to apply yet: make the plan first (Plan (intent)).", severity="warning")
            return
        self.request_apply(self.main.query_one("#plan-path", Input).value.strip())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if not isinstance(screen, MainScreen):
            return
        yield SystemCommand("Filter VNets", "Type to narrow the estate tree", self.action_focus_filter)
        yield SystemCommand("Who owns an IP or CIDR", "Type an address in the filter: the VNets, subnets and "
                            "resources holding it", self.action_focus_filter)  # fmt: skip
        yield SystemCommand("Show the estate's health (Home)", "Findings, overlaps, peerings, app-domain matrix",
                            lambda: self.action_show_tab("home"))  # fmt: skip
        yield SystemCommand("Next problem", "Jump to the next problem anywhere (n)",
                            lambda: screen.action_next_problem(1))  # fmt: skip
        yield SystemCommand("Reload the estate", "Read the files (or Azure after an apply) again (R)", self.action_reload)
        yield SystemCommand("Toggle the sidebar", "Hide or show the estate tree (b)", screen.action_toggle_sidebar)
        yield SystemCommand("Show VNet details", "Address space, subnets, peerings, LBs, endpoints, zones",
                            lambda: self.action_show_tab("details"))  # fmt: skip
        yield SystemCommand("Show topology", "The selected VNet's peerings and attached resources",
                            lambda: self.action_show_tab("topology"))  # fmt: skip
        yield SystemCommand("Resolve a DNS name", "Simulated Azure DNS answer from the selected VNet",
                            lambda: self.action_show_tab("dns"))  # fmt: skip
        yield SystemCommand("Show overlaps", "Overlapping address space, grouped, by severity",
                            lambda: self.action_show_tab("overlaps"))  # fmt: skip
        yield SystemCommand("Show findings", "The audit rules' FAIL and UNKNOWN findings, with remediation",
                            lambda: self.action_show_tab("findings"))  # fmt: skip
        yield SystemCommand("Plan a connection", "Recommendation for the selected VNet; plan and what-if of the intent",
                            lambda: self.action_show_tab("plan"))  # fmt: skip
        yield SystemCommand("Recommend a method", "Peering or Private Link for the selected VNet (r)",
                            screen.action_recommend)  # fmt: skip
        if self.options.intent is not None:
            yield SystemCommand("Make the plan", "Plan the intent's connections (p)", screen.action_plan)
            yield SystemCommand("What-if", "Verification before → after the plan (w)", screen.action_what_if)
            yield SystemCommand("Save the plan", "Write the plan file vnetplan apply reads (s)", screen.action_save_plan)
            yield SystemCommand("Apply the plan", "Confirm the changes and subscriptions, apply, then verify",
                                self.action_apply_plan)  # fmt: skip
            yield SystemCommand("Verify", "Verify the intent's connections on the estate shown (v)", self.action_verify)
        yield SystemCommand("Toggle light/dark theme", "Switch between textual-dark and textual-light",
                            self.action_toggle_theme)  # fmt: skip
        yield SystemCommand(
            "Cancel running work", "Stop the analyses that are still running", self.action_cancel_work
        )


def create_app(estate: Estate, options: TuiOptions | None = None) -> VnetplanApp:
    """The one factory: the CLI (``vnetplan tui``), the tests and the benchmark all build the app here."""
    return VnetplanApp(estate, options or TuiOptions())
