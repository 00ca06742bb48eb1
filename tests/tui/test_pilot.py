"""Pilot tests: drive the app with keys as a user would, assert on the screen and the messages.

Each test opens the hand-made Mendix estate (tests/tui/builders.py) through the same factory the
CLI uses, waits for the workers, then checks what a network engineer would look for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from textual.message import Message
from textual.widgets import DataTable, Input, Static, TabbedContent

from netplan.estate import Estate
from tests.tui.pilot_keys import type_text
from tests.unit.builders import SUB, SUB2
from tui import messages as m
from tui.app import TuiOptions, VnetplanApp, create_app, error_line
from tui.screens.help import HelpScreen
from tui.widgets.sidebar.estate_tree import EstateTree
from tui.widgets.tabs.dns import DnsPanel

SIZE = (140, 44)


def plain(widget: Static) -> str:
    """The text a Static shows, as a terminal would print it."""
    console = Console(width=200, record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def static_text(app: VnetplanApp, selector: str) -> str:
    return plain(app.screen.query_one(selector, Static))


class Recorder:
    """A message_hook that keeps the app's own messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def __call__(self, message: Message) -> None:
        if type(message).__module__.startswith("tui"):
            self.messages.append(message)

    def of(self, kind: type[Any]) -> list[Any]:
        return [x for x in self.messages if isinstance(x, kind)]


def make(estate: Estate) -> VnetplanApp:
    return create_app(estate, TuiOptions(source="test estate"))


async def settle(app: VnetplanApp, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def pick(app: VnetplanApp, pilot: Any, name: str) -> None:
    """Filter the tree to one VNet and put the cursor on it (as a user types / name Enter)."""
    await pilot.press("slash")
    await type_text(pilot, name)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("down", "up")
    await pilot.pause()


async def test_opens_on_the_tree_of_subscriptions_with_counts_and_rollups(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        tree = app.screen.query_one(EstateTree)
        subs = [str(n.label) for n in tree.root.children]
        # ▲N: how many of the subscription's VNets carry a problem badge (overlap, peering, gap).
        assert subs == [f"{SUB2.rsplit('/', 1)[-1]}  6 VNets ▲3", f"{SUB.rsplit('/', 1)[-1]}  2 VNets ▲1"]
        groups = {str(g.label) for s in tree.root.children for g in s.children}
        assert "rg-data  1 ▲1" in groups and "rg-hub  1" in groups
        assert "8 VNets · 2 subscriptions · 1 zones" in static_text(app, "#estate-summary")
        assert app.screen.query_one(TabbedContent).active == "home"


async def test_a_small_estate_opens_expanded_with_the_cursor_on_the_first_problem(estate: Estate) -> None:
    from tui.widgets.tabs.home import HomeView

    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        tree = app.screen.query_one(EstateTree)
        assert all(n.is_expanded for s in tree.root.children for n in (s, *s.children))
        first = app.screen.query_one(HomeView).problems()[0]
        assert first.vnet_id is not None
        assert tree.cursor_node is not None and tree.cursor_node.data is not None
        assert tree.cursor_node.data.key == first.vnet_id
        assert app.main.selected == first.vnet_id


async def test_tree_nodes_are_added_only_when_expanded(estate: Estate, monkeypatch: Any) -> None:
    from tui.widgets.sidebar import estate_tree

    monkeypatch.setattr(estate_tree, "SMALL_ESTATE", 0)  # as a large estate opens
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        tree = app.screen.query_one(EstateTree)
        (second,) = [n for n in tree.root.children if SUB2.endswith(str(n.label).split()[0])]
        assert not second.children, "resource groups are built on expand, not up front"
        second.expand()
        await pilot.pause()
        groups = [str(n.label).split()[0] for n in second.children]
        assert groups == sorted(groups, key=str.lower) and "rg-erp" in groups


async def test_filter_then_enter_shows_the_vnet_details_and_keeps_that_selection(estate: Estate) -> None:
    rec = Recorder()
    app = make(estate)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        await pick(app, pilot, "data-prod")
        # Enter in the filter selects the first match itself; a row the typing highlighted earlier
        # must not replace it once the typing rests (the tree's 80 ms timer).
        await pilot.pause(0.2)
        assert str(app.screen.selected).endswith("/virtualNetworks/vnet-data-prod")  # type: ignore[attr-defined]
        details = static_text(app, "#details-body")
        assert "Address space: 10.32.0.0/16" in details
        assert "vnet-mendix-prod" in details and "RemoteNotInSync" in details
        assert "[peering]" in details


async def test_badges_mark_peering_custom_dns_and_overlap_problems(estate: Estate) -> None:
    rec = Recorder()
    app = make(estate)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        (badges,) = rec.of(m.BadgesComputed)
        by_name = {estate.vnet(k).name: b for k, b in badges.badges.items() if estate.vnet(k)}  # type: ignore[union-attr]
        assert "peering" in by_name["vnet-mendix-prod"]  # its link to vnet-crm-test is only Initiated
        assert "peering" in by_name["vnet-data-prod"]  # RemoteNotInSync
        assert "custom-dns" in by_name["vnet-legacy"]
        assert by_name["vnet-hub-weu"] == frozenset()
        assert badges.overlaps_known
        # erp-dr overlaps erp-prod and both peer with mendix-prod: the third-VNet rule (P3).
        assert "overlap" in by_name["vnet-erp-dr"] and "overlap" in by_name["vnet-erp-prod"]
        # lab overlaps mendix-prod but nothing routes between them: legitimate, no badge.
        assert "overlap" not in by_name["vnet-lab-isolated"]


async def test_topology_tab_draws_the_neighbourhood_with_link_states(estate: Estate) -> None:
    rec = Recorder()
    app = make(estate)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        assert rec.of(m.GraphBuilt)
        await pick(app, pilot, "mendix-prod")
        await pilot.press("3")
        await pilot.pause()
        text = static_text(app, "#topology-body")
        assert "vnet-crm-test" in text and "Initiated (vnet-mendix-prod side only)" in text
        assert "RemoteNotInSync" in text
        assert "vnet-hub-weu" in text and "forwarder azfw" in text
        assert "LB frontend" in text and "10.20.1.10" in text


async def test_dns_tab_resolves_an_app_name_from_the_selected_consumer(estate: Estate) -> None:
    rec = Recorder()
    app = make(estate)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        await pick(app, pilot, "erp-prod")
        await pilot.press("4", "i")
        await type_text(pilot, "portal.azure.mendixapps.io")
        await pilot.press("enter")
        await settle(app, pilot)
        (resolved,) = rec.of(m.NameResolved)
        assert resolved.answer.resolved and resolved.answer.addresses == ("10.20.1.10",)
        text = static_text(app, "#dns-answer")
        assert "NOERROR" in text and "10.20.1.10" in text and "zone azure.mendixapps.io" in text


async def test_dns_from_a_custom_dns_vnet_is_unknown_not_a_pass(estate: Estate) -> None:
    rec = Recorder()
    app = make(estate)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        await pick(app, pilot, "legacy")
        await pilot.press("4", "i")
        await type_text(pilot, "portal.azure.mendixapps.io")
        await pilot.press("enter")
        await settle(app, pilot)
        (resolved,) = rec.of(m.NameResolved)
        assert str(resolved.answer.status) == "UNKNOWN"
        assert "UNKNOWN" in static_text(app, "#dns-answer")


async def test_dns_matrix_counts_pass_fail_unknown_per_vnet(estate: Estate) -> None:
    rec = Recorder()
    app = make(estate)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        (computed,) = rec.of(m.MatrixComputed)
        assert computed.matrix.names == ("orders.azure.mendixapps.io", "portal.azure.mendixapps.io")
        await pilot.press("4", "i")
        await pilot.pause()
        table = app.screen.query_one("#dns-table", DataTable)
        rows = {
            str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)[1:]]
            for i in range(table.row_count)
        }
        assert rows["vnet-erp-prod"] == ["PASS", "PASS"]  # linked to the app zone
        assert rows["vnet-crm-test"] == ["FAIL", "FAIL"]  # not linked: peering does not carry DNS (D1)
        assert rows["vnet-legacy"] == ["UNKNOWN", "UNKNOWN"]  # custom DNS (D2)
        assert "4 PASS" in static_text(app, "#dns-matrix-summary")


async def test_a_bad_name_is_a_notification_with_the_cli_error_line(estate: Estate) -> None:
    rec = Recorder()
    app = make(estate)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        await pick(app, pilot, "erp-prod")
        await pilot.press("4", "i")
        await type_text(pilot, "bad..name")
        await pilot.press("enter")
        await settle(app, pilot)
        (failed,) = rec.of(m.WorkFailed)
        assert failed.text.startswith("vnetplan: error: ")
        assert "\n" not in failed.text and "Traceback" not in failed.text
        assert [n.message for n in app._notifications] == [failed.text]


async def test_resolving_without_a_selected_vnet_asks_for_one(estate: Estate) -> None:
    # Without the start-up analyses nothing picks the first problem's VNet for the user.
    app = create_app(estate, TuiOptions(source="test estate", analyse=False))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "i")
        await type_text(pilot, "portal.azure.mendixapps.io")
        await pilot.press("enter")
        await pilot.pause()
        assert any("Pick a VNet" in n.message for n in app._notifications)


async def test_help_screen_opens_and_closes(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_theme_toggles_between_dark_and_light(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"


async def test_command_palette_offers_the_main_actions(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Filter VNets", "Show topology", "Resolve a DNS name", "Toggle light/dark theme"} <= titles


async def test_escape_cancels_running_work(estate: Estate) -> None:
    import threading

    gate = threading.Event()
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)

        def slow() -> None:
            gate.wait(5)

        worker = app.run_worker(slow, thread=True, exclusive=True, group="slow")
        await pilot.press("escape")
        await pilot.pause()
        assert worker.is_cancelled
        gate.set()
        assert any("cancelled" in n.message for n in app._notifications)


def test_error_line_matches_the_cli() -> None:
    from netplan.errors import InputError

    assert (
        error_line(InputError("a.json", "$.value[3]", "bad prefix"))
        == "vnetplan: error: a.json: $.value[3]: bad prefix"
    )
    _ = DnsPanel, Input  # imported for the reader: these are the widgets driven above


async def test_findings_tab_lists_failures_with_remediation_and_jumps_to_the_vnet(estate: Estate) -> None:
    rec = Recorder()
    app = make(estate)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        (audit,) = rec.of(m.AuditFinished)
        await pilot.press("6")
        await pilot.pause()
        table = app.screen.query_one("#findings-table", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        # Every FAIL/UNKNOWN of the audit is listed, no PASS.
        assert len(rows) == sum(
            1 for f in audit.report.findings if str(f.status) != "PASS" and f.suppressed is None
        )
        assert all(r[0] in ("FAIL", "UNKNOWN") for r in rows)
        initiated = [r for r in rows if r[2] == "VNP-PEER-001"]
        assert initiated and "vnet-crm-test" in initiated[0][4]
        # Narrow to the rule, read the why, jump to the VNet.
        await pilot.click("#findings-filter")
        await type_text(pilot, "VNP-PEER-001")
        assert table.row_count == len(initiated)
        table.focus()
        await pilot.press("down", "up")
        await pilot.pause()
        detail = static_text(app, "#findings-detail")
        assert "Why it matters" in detail and "How to fix" in detail
        await pilot.press("enter")
        await pilot.pause()
        jumps = [x for x in rec.of(m.VnetSelected) if x.reveal]
        assert jumps and jumps[-1].vnet_id.endswith("/vnet-mendix-prod")
        assert app.main.selected is not None and app.main.selected.endswith("/vnet-mendix-prod")


async def test_severity_floor_hides_lower_findings(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await pilot.pause()
        from textual.widgets import Select

        table = app.screen.query_one("#findings-table", DataTable)
        before = table.row_count
        app.screen.query_one("#findings-severity", Select).value = "high"
        await pilot.pause()
        severities = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert severities <= {"critical", "high"} and table.row_count < before


async def test_plan_flow_on_the_sample_recommends_plans_and_what_ifs(tmp_path: Any) -> None:
    """The bundled sample and its intent: recommendation for a consumer, the plan, the what-if, saved."""
    import json

    from netplan.estate import load_estate
    from netplan.intent import load_intent

    root = Path(__file__).resolve().parents[2]
    estate = load_estate([root / "samples" / "mendix-estate.json"])
    intent = load_intent(root / "samples" / "mendix-intent.yaml", estate)
    rec = Recorder()
    app = create_app(
        estate, TuiOptions(source="sample", intent=intent, app_domain=intent.provider.app_domain)
    )
    async with app.run_test(size=(160, 50), message_hook=rec) as pilot:
        await settle(app, pilot)
        await pick(app, pilot, "corp-spoke2")
        await pilot.press("7")
        await pilot.pause()
        provider = app.screen.query_one("#plan-provider", Input).value
        assert provider == "rg-mendix-weu/vnet-mendix-weu"  # prefilled from the intent
        await pilot.click("#plan-recommend")
        await settle(app, pilot)
        (recommended,) = rec.of(m.Recommended)
        assert recommended.recommendation.consumer_id.endswith("/vnet-corp-spoke2-weu")
        text = static_text(app, "#plan-recommendation")
        assert (
            recommended.recommendation.method.upper() in text
            and "peering:" in text
            and "private-link:" in text
        )
        await pilot.click("#plan-make")
        await settle(app, pilot)
        (planned,) = rec.of(m.Planned)
        table = app.screen.query_one("#plan-table", DataTable)
        assert table.row_count == len(planned.changes.changes) > 0
        assert f"plan {planned.changes.plan_id}" in static_text(app, "#plan-summary")
        table.focus()
        await pilot.press("down", "up")
        await pilot.pause()
        first = planned.changes.changes[0]
        assert first.id in static_text(app, "#plan-body").replace("\n", "")
        await pilot.click("#plan-whatif")
        await settle(app, pilot)
        (wi,) = rec.of(m.WhatIfComputed)
        shown = static_text(app, "#plan-whatif-result")
        assert "before → after" in shown and len(wi.whatif.outcomes) == len(intent.connections)
        out = tmp_path / "plan.json"
        app.screen.query_one("#plan-path", Input).value = str(out)
        await pilot.click("#plan-save")
        await pilot.pause()
        assert json.loads(out.read_text())["plan_id"] == planned.changes.plan_id


async def test_overlaps_tab_puts_the_error_first_and_enter_jumps_to_its_vnet(estate: Estate) -> None:
    rec = Recorder()
    app = make(estate)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        (found,) = rec.of(m.OverlapsFound)
        await pilot.press("5")
        await pilot.pause()
        table = app.screen.query_one("#overlaps-table", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert len(rows) == len(found.report.groups) == 2
        # The third-VNet rule (erp-dr and erp-prod both peered with mendix-prod) is an error and
        # comes first; the isolated lab overlap is info, last.
        assert rows[0][0] == "error" and "vnet-erp-dr" in rows[0][4] and "vnet-erp-prod" in rows[0][4]
        assert rows[-1][0] == "info" and rows[-1][1] == "isolated" and "vnet-lab-isolated" in rows[-1][4]
        assert "1 error" in static_text(app, "#overlaps-summary")
        await pilot.press("down", "up")
        await pilot.pause()
        assert "Members" in static_text(app, "#overlaps-detail")
        await pilot.press("enter")
        await pilot.pause()
        jump = [x for x in rec.of(m.VnetSelected) if x.reveal][-1]
        assert jump.vnet_id.endswith(("/vnet-erp-dr", "/vnet-erp-prod"))
        assert app.main.selected == estate.vnet(jump.vnet_id).id  # type: ignore[union-attr]


async def test_home_matrix_lists_every_consumer_with_its_verdict(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(100):  # the matrix fills in when the DNS health worker reports
            table = app.screen.query_one("#home-matrix", DataTable)
            if table.row_count:
                break
            await pilot.pause(0.05)
        rows = {str(k.value): [str(c) for c in table.get_row(k)] for k in table.rows}
        assert rows, "the Home tab shows the consumer x answer matrix"
        assert all(r[1] in ("PASS", "FAIL", "UNKNOWN") for r in rows.values())  # the verdict, after the name
        assert {r[0] for r in rows.values()} == {v.name for v in estate.vnets if v.key in rows}
