"""The TUI's plan file and the confirmation before apply: what a user relies on before anything is sent.

The plan saved from the Plan tab is byte for byte the file ``vnetplan plan --out`` writes (so it
carries the what-if verdict and ``vnetplan apply`` judges it like any other plan); the apply
confirmation shows that verdict and refuses a plan that would not verify unless the override is
ticked; Save and Apply never replace a file with other content without asking; the Plan tab says
why each connection is served as it is and what else was weighed. No server is started: the
endpoint is a closed loopback port, so anything sent would fail loudly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Checkbox, Input

from netplan.estate import Estate, load_estate
from netplan.intent import Intent, load_intent
from tests.tui.test_pilot import Recorder, settle, static_text
from tui import messages as m
from tui.app import TuiOptions, VnetplanApp, create_app
from tui.screens.confirm_apply import ConfirmApplyScreen
from tui.screens.confirm_overwrite import ConfirmOverwriteScreen
from vnetplan.cli import main

ROOT = Path(__file__).resolve().parents[2]
MENDIX, MENDIX_INTENT = ROOT / "samples" / "mendix-estate.json", ROOT / "samples" / "mendix-intent.yaml"
CLEAN, CLEAN_INTENT = ROOT / "samples" / "clean-estate.json", ROOT / "samples" / "clean-intent.yaml"
SIZE = (160, 60)
#: Nothing listens here: a request sent by mistake fails instead of reaching anything.
CLOSED = "https://127.0.0.1:9"


def make(estate_file: Path, intent_file: Path) -> tuple[VnetplanApp, Estate, Intent]:
    estate = load_estate([str(estate_file)])
    intent = load_intent(str(intent_file), estate)
    options = TuiOptions(source=str(estate_file), intent=intent, app_domain=intent.provider.app_domain,
                         endpoint=CLOSED, analyse=False)  # fmt: skip
    return create_app(estate, options), estate, intent


def unverifiable_intent(tmp_path: Path) -> Path:
    """The Mendix sample with spoke3 pinned to Private Link: spoke3 resolves through the hub's
    resolver, whose central zone answers the LB address for spoke2 (A2): the what-if says FAIL."""
    text = MENDIX_INTENT.read_text()
    pinned = text.replace("  - consumer: vnet-corp-spoke3-neu\n    use_case: expose-apps\n    method: auto",
                          "  - consumer: vnet-corp-spoke3-neu\n    use_case: expose-apps\n    method: private-link")
    assert pinned != text
    out = tmp_path / "intent.yaml"
    out.write_text(pinned)
    return out


async def make_plan(app: VnetplanApp, pilot: Any, rec: Recorder, plan_path: Path) -> Any:
    await settle(app, pilot)
    await pilot.press("p")
    await settle(app, pilot)
    (planned,) = rec.of(m.Planned)
    app.screen.query_one("#plan-path", Input).value = str(plan_path)
    return planned


async def until_screen(app: VnetplanApp, pilot: Any, kind: type[Any]) -> None:
    for _ in range(200):
        if isinstance(app.screen, kind):
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{kind.__name__} never opened; the screen is {type(app.screen).__name__}")


async def test_the_saved_plan_is_byte_for_byte_what_vnetplan_plan_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan saved after p, then (one app) after w: the files of ``plan`` and ``plan --what-if``."""
    app, _, _ = make(MENDIX, MENDIX_INTENT)
    rec = Recorder()
    saved = {what_if: tmp_path / "tui" / f"plan-{what_if}.json" for what_if in (False, True)}
    saved[False].parent.mkdir()
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await make_plan(app, pilot, rec, saved[False])
        await pilot.press("s")
        await settle(app, pilot)
        assert saved[False].exists()
        await pilot.press("w")
        await settle(app, pilot)
        app.screen.query_one("#plan-path", Input).value = str(saved[True])
        await pilot.press("s")
        await settle(app, pilot)
    for what_if in (False, True):
        cli = tmp_path / "cli" / f"plan-{what_if}.json"
        cli.parent.mkdir(exist_ok=True)
        argv = ["plan", "--estate", str(MENDIX), "--intent", str(MENDIX_INTENT), "--out", str(cli)]
        assert main([*argv, "--what-if"] if what_if else argv) == 1  # changes pending
        capsys.readouterr()
        assert saved[what_if].read_text() == cli.read_text(), what_if
        # The file carries the verdict apply judges it by (and the what-if itself, with w, as --what-if).
        assert '"verifies": true' in saved[what_if].read_text()
        assert ('"what_if": {' in saved[what_if].read_text()) == what_if


async def test_the_confirmation_shows_that_the_result_would_verify(tmp_path: Path) -> None:
    app, _, _ = make(CLEAN, CLEAN_INTENT)
    rec = Recorder()
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await make_plan(app, pilot, rec, tmp_path / "plan.json")
        assert "What-if verdict: the result would verify (2 checks PASS)" in static_text(app, "#plan-summary")
        await pilot.press("a")
        await until_screen(app, pilot, ConfirmApplyScreen)
        summary = static_text(app, "#confirm-summary")
        assert "What-if: the result would verify (2 checks PASS)" in summary
        assert not app.screen.query(Checkbox)  # nothing to override
        assert not app.screen.query_one("#confirm-apply", Button).disabled
        await pilot.press("escape")
        await settle(app, pilot)
        assert not rec.of(m.Applied)


async def test_a_plan_that_would_not_verify_needs_the_explicit_override(tmp_path: Path) -> None:
    app, _, _ = make(MENDIX, unverifiable_intent(tmp_path))
    rec = Recorder()
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await make_plan(app, pilot, rec, tmp_path / "plan.json")
        summary = static_text(app, "#plan-summary")
        assert "What-if verdict: the result would NOT verify (1 failing)" in summary
        await pilot.press("a")
        await until_screen(app, pilot, ConfirmApplyScreen)
        shown = static_text(app, "#confirm-summary").replace("\n", " ")
        assert "What-if: the result would NOT verify (1 failing)" in shown
        # The reasons, as the plan file records them: which connection, which name, which answer.
        assert "rg-corp-spoke3-neu/vnet-corp-spoke3-neu [private-link] FAIL" in shown
        assert "resolves to 10.20.0.250" in shown
        apply = app.screen.query_one("#confirm-apply", Button)
        assert apply.disabled
        # Every keyboard path to Apply is closed: Tab moves past it, Enter lands on Cancel or the box.
        for _ in range(4):
            await pilot.press("tab")
            assert app.screen.focused is not apply
        await pilot.press("escape")
        await settle(app, pilot)
        assert not rec.of(m.Applied) and app.apply_plan is None
        assert not (tmp_path / "plan.json.journal").exists()

        # Ticking the override (the CLI's --allow-unverified) is what enables Apply.
        await pilot.press("a")
        await until_screen(app, pilot, ConfirmApplyScreen)
        box = app.screen.query_one("#confirm-override", Checkbox)
        assert "--allow-unverified" in str(box.label)
        box.focus()
        await pilot.press("space")
        await pilot.pause()
        assert not app.screen.query_one("#confirm-apply", Button).disabled
        box.focus()
        await pilot.press("space")  # and un-ticking it closes Apply again
        await pilot.pause()
        assert app.screen.query_one("#confirm-apply", Button).disabled
        await pilot.press("escape")
        await settle(app, pilot)
        assert not rec.of(m.Applied)


async def test_saving_over_another_file_asks_and_keeping_it_loses_nothing(tmp_path: Path) -> None:
    app, _, _ = make(CLEAN, CLEAN_INTENT)
    rec = Recorder()
    out = tmp_path / "plan.json"
    out.write_text("my own notes, not a plan\n")
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        planned = await make_plan(app, pilot, rec, out)
        await pilot.press("s")
        await until_screen(app, pilot, ConfirmOverwriteScreen)
        assert str(out) in static_text(app, "#overwrite-summary")
        await pilot.press("enter")  # the focus starts on "Keep the file": an Enter by habit keeps it
        await settle(app, pilot)
        assert out.read_text() == "my own notes, not a plan\n"
        assert any("kept as it was" in n.message for n in app._notifications)

        # Apply saves first: it asks too, and keeping the file starts nothing.
        await pilot.press("a")
        await until_screen(app, pilot, ConfirmOverwriteScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmApplyScreen)
        assert out.read_text() == "my own notes, not a plan\n"
        assert not (tmp_path / "plan.json.journal").exists()
        assert any("apply not started" in x.text for x in rec.of(m.ApplyLogged))

        # Overwrite, explicitly: the plan replaces the file.
        await pilot.press("s")
        await until_screen(app, pilot, ConfirmOverwriteScreen)
        await pilot.click("#overwrite-yes")
        await settle(app, pilot)
        assert f'"plan_id": "{planned.changes.plan_id}"' in out.read_text()

        # The same plan again, or Apply over it: the same bytes, nothing to lose, no question.
        await pilot.press("a")
        await until_screen(app, pilot, ConfirmApplyScreen)
        await pilot.press("escape")
        await settle(app, pilot)


async def test_saving_the_intent_over_another_file_asks(tmp_path: Path) -> None:
    app, _, intent = make(CLEAN, CLEAN_INTENT)
    out = tmp_path / "intent.yaml"
    out.write_text("version: 1\n# someone's draft\n")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("7")
        await pilot.pause()
        app.screen.query_one("#plan-intent-path", Input).value = str(out)
        await pilot.click("#plan-save-intent")
        await until_screen(app, pilot, ConfirmOverwriteScreen)
        await pilot.press("n")
        await settle(app, pilot)
        assert out.read_text() == "version: 1\n# someone's draft\n"
        await pilot.click("#plan-save-intent")
        await until_screen(app, pilot, ConfirmOverwriteScreen)
        await pilot.click("#overwrite-yes")
        await settle(app, pilot)
    again = load_intent(out, app.estate)
    assert [c.consumer_vnet_id for c in again.connections] == [c.consumer_vnet_id for c in intent.connections]


async def test_the_plan_tab_says_why_each_connection_is_served_so_and_what_else_was_weighed(tmp_path: Path) -> None:
    app, _, _ = make(CLEAN, CLEAN_INTENT)
    rec = Recorder()
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await make_plan(app, pilot, rec, tmp_path / "plan.json")
        shown = static_text(app, "#plan-decisions").replace("\n", " ")
    # The words of netplan.explain (those `vnetplan plan` prints).
    # spoke-a is pinned to peering by the intent: nothing else was weighed, and it says so.
    assert "rg-spoke-a/vnet-spoke-a: peering (expose-apps, asked peering)" in shown
    assert "[asked] the intent asks for peering" in shown
    assert "no other option weighed: peering is pinned by the intent" in shown
    # spoke-c is auto: Private Link, because it exposes less; peering also verifies; a shared
    # endpoint in the hub is impossible (the hub has no endpoint subnet).
    assert "rg-spoke-c/vnet-spoke-c: private-link (expose-apps, asked auto)" in shown
    assert "[smaller-exposure] both methods work; Private Link exposes one endpoint instead of the whole VNet" in shown
    assert "-> private-link: verifies; 5 changes" in shown and "(chosen)" in shown
    assert "peering: verifies; 5 changes; exposure: the whole provider VNet" in shown
    assert "shared-endpoint: does not verify (not planned)" in shown and "no subnet that holds private endpoints" in shown
    assert shown.count("(chosen)") == 1


#: Where apply would write, and the title that says so.
TITLES = [
    (None, "vnetplan → Azure Resource Manager (management.azure.com)"),
    ("https://management.usgovcloudapi.net", "vnetplan → Azure US Government (https://management.usgovcloudapi.net)"),
    (CLOSED, f"vnetplan → local ARM emulator {CLOSED} (not Azure)"),
    ("https://localhost:8443", "vnetplan → local ARM emulator https://localhost:8443 (not Azure)"),
    ("https://arm.contoso.example", "vnetplan → ARM endpoint https://arm.contoso.example"),
]  # fmt: skip


async def test_the_title_says_whether_apply_writes_to_azure_or_to_the_emulator(tmp_path: Path) -> None:
    """For each kind of endpoint, the title, and the confirmation's target before anything is sent.
    One app and one plan: the endpoint is set (as ``--endpoint`` would) before each confirmation."""
    from dataclasses import replace

    app, _, _ = make(CLEAN, CLEAN_INTENT)
    rec = Recorder()
    app.options = replace(app.options, endpoint=TITLES[0][0])
    app.update_title()
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        assert app.title == TITLES[0][1]
        await make_plan(app, pilot, rec, tmp_path / "plan.json")
        for endpoint, title in TITLES:
            app.options = replace(app.options, endpoint=endpoint)
            app.update_title()
            assert app.title == title
            # The confirmation names the same target before anything is sent.
            await pilot.press("a")
            await until_screen(app, pilot, ConfirmApplyScreen)
            assert f"Target: {title.removeprefix('vnetplan → ')}" in static_text(app, "#confirm-summary"), endpoint
            await pilot.press("escape")
            await settle(app, pilot)
        assert not rec.of(m.Applied)
