"""Starting background work costs nothing per keystroke beyond the work itself.

Textual describes a worker, by default, with repr() of its arguments; repr() of an Estate walks
every resource (seconds on 10,000 VNets), and the TUI starts a worker on every cursor move (the
selected VNet's traffic). The app names each worker itself, so the estate is never turned into text.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from netplan.estate import Estate
from tests.tui.test_pilot import make, pick, settle, static_text
from tui import app as app_module
from tui.screens.main import MainScreen
from tui.widgets.details import vnet_details
from tui.widgets.tabs.home import HomeView


async def test_the_analyses_and_a_cursor_move_never_render_the_estate_as_text(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def counting_repr(self: Estate) -> str:
        calls.append(1)
        return "Estate(...)"

    monkeypatch.setattr(Estate, "__repr__", counting_repr)
    app = make(estate)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)  # the start-up analyses ran in a worker
        await pick(app, pilot, "spoke1")  # a selection starts the traffic worker
        await settle(app, pilot)
        assert app.main.selected is not None
    assert calls == []


async def test_the_next_analysis_starts_once_the_results_before_it_are_drawn(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing an analysis's result and running the next analysis never share the interpreter: a
    key pressed while the findings were drawn waited for both (on 10,000 VNets, twice as long)."""
    drawn: list[bool] = []
    show_findings = MainScreen.show_findings

    def slow_show_findings(self: MainScreen, audit: Any) -> None:
        time.sleep(0.3)  # as long as a big estate's findings take to draw
        show_findings(self, audit)
        drawn.append(True)

    started_with_findings_drawn: list[bool] = []
    build_graph = app_module.build_graph

    def graph(estate: Estate) -> Any:  # the analysis after the audit
        started_with_findings_drawn.append(bool(drawn))
        return build_graph(estate)

    monkeypatch.setattr(MainScreen, "show_findings", slow_show_findings)
    monkeypatch.setattr(app_module, "build_graph", graph)
    app = make(estate)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert started_with_findings_drawn == [True]
        assert app.main.query_one(HomeView).sections["findings"]  # the audit's findings are on Home
        assert app.graph is not None  # and the analyses went on after them


async def test_the_details_index_is_built_off_the_ui_thread(estate: Estate, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first VNet selected after the analyses draws its Details without building the estate's
    index of LB frontends and private endpoints on the UI thread (the analyses' worker built it)."""
    threads: list[str] = []
    attached_index = app_module.attached_index

    def recording(estate: Estate) -> Any:
        threads.append(threading.current_thread().name)
        return attached_index(estate)

    monkeypatch.setattr(app_module, "attached_index", recording)
    monkeypatch.setattr(vnet_details, "attached_index", recording)
    app = make(estate)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pick(app, pilot, "spoke1")
        await settle(app, pilot)
        assert app.main.selected is not None
        assert "Address space" in static_text(app, "#details-body")
    assert len(threads) == 1 and threads[0] != threading.main_thread().name
