"""Plan -> apply -> verify from the TUI, against the ARM emulator (real SDK clients, HTTPS on loopback).

The clean sample estate is served by the emulator; the TUI opens the same snapshot with the clean
sample intent, plans, and applies through the confirmation modal. What a user relies on: nothing
is sent before an explicit confirm (cancelling sends not even a read), the modal names the
subscriptions touched, each change's row follows the executor, the result is verified on a fresh
inventory per connection, Escape stops an apply between changes (the journal says what is done),
and a failure is the CLI's one line in a notification.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Input, Log

from netplan.estate import Estate, load_estate
from netplan.ids import parse_id
from netplan.intent import Intent, load_intent
from tests.emulator import Emulator, FaultConfig
from tests.tui.test_pilot import Recorder, settle, static_text
from tui import messages as m
from tui.app import TuiOptions, VnetplanApp, create_app
from tui.screens.confirm_apply import ConfirmApplyScreen, subscriptions_touched
from tui.widgets.sidebar.estate_tree import EstateTree

pytestmark = pytest.mark.integration  # the apply tests start the ARM emulator

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "samples" / "clean-estate.json"
INTENT = ROOT / "samples" / "clean-intent.yaml"
SIZE = (160, 60)
FAKE_TOKEN = "tui-apply-test-token-not-a-secret"


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", FAKE_TOKEN)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    faults = FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)
    with Emulator(str(ESTATE), faults=faults) as e:
        yield e


@pytest.fixture
def sample() -> tuple[Estate, Intent]:
    estate = load_estate([ESTATE])
    return estate, load_intent(INTENT, estate)


def make(sample: tuple[Estate, Intent], emu: Emulator) -> VnetplanApp:
    estate, intent = sample
    options = TuiOptions(source="clean sample", intent=intent, app_domain=intent.provider.app_domain,
                         endpoint=emu.url, ca_bundle=emu.ca_path, polling_interval=0, analyse=False)  # fmt: skip
    return create_app(estate, options)


async def until(pilot: Any, cond: Callable[[], bool], timeout: float = 60.0) -> None:
    """Let the app run until ``cond`` holds (workers post from threads; the pilot must yield)."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.05)


async def plan_and_open_modal(app: VnetplanApp, pilot: Any, rec: Recorder, plan_path: Path) -> Any:
    await settle(app, pilot)
    await pilot.press("7")
    await pilot.pause()
    assert app.screen.query_one("#plan-apply", Button).disabled  # nothing to apply before a plan
    await pilot.click("#plan-make")
    await settle(app, pilot)
    (planned,) = rec.of(m.Planned)
    app.screen.query_one("#plan-path", Input).value = str(plan_path)
    await pilot.click("#plan-apply")
    await until(pilot, lambda: isinstance(app.screen, ConfirmApplyScreen))
    return planned.changes


def rows(table: DataTable[Any]) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_plan_apply_verify_on_the_clean_sample(
    sample: tuple[Estate, Intent], emu: Emulator, tmp_path: Path
) -> None:
    """The whole loop once (each apply and verification costs a few seconds, so one run carries
    three stories): the modal, confirmed from the keyboard (Tab to Apply, Enter), the rows, the
    verification, then every tab showing the estate read back and planning again finding nothing."""
    rec = Recorder()
    app = make(sample, emu)
    before = app.estate
    plan_path = tmp_path / "plan.json"
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        changes = await plan_and_open_modal(app, pilot, rec, plan_path)
        n = len(changes.changes)
        assert n == 10
        # The modal: every change, the subscriptions, the emulator as target; nothing sent yet.
        modal = app.screen
        summary = static_text(app, "#confirm-summary")
        subs = {parse_id(c.id).subscription for c in changes.changes}
        assert f"{n} change(s)" in summary and emu.url in summary
        for sub in subs:
            # By name, ID beside it (the sample's snapshot names its subscriptions).
            assert f"{sample[0].subscription_name(sub)} ({sub})" in summary
        assert f"{n} write(s)" in summary  # the clean sample is one subscription
        assert modal.query_one("#confirm-table", DataTable).row_count == n
        assert {r[-1] for r in rows(modal.query_one("#confirm-table", DataTable))} == {
            sample[0].subscription_name(s) for s in subs
        }
        assert plan_path.is_file()  # saved first: `vnetplan apply` can resume from the shell
        assert emu.stats.writes == 0
        # Confirmed from the keyboard: the focus starts on Cancel, Tab moves it to Apply, Enter applies.
        await pilot.press("tab")
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#confirm-apply", Button)
        await pilot.press("enter")
        await until(pilot, lambda: bool(rec.of(m.Verified)) or bool(rec.of(m.WorkFailed)))
        assert not rec.of(m.WorkFailed), rec.of(m.WorkFailed)[0].text

        progressed = rec.of(m.ApplyProgressed)
        assert [p.done for p in progressed] == list(range(1, n + 1)) and {p.total for p in progressed} == {n}
        (applied,) = rec.of(m.Applied)
        assert applied.result.ok and not applied.cancelled
        assert emu.stats.writes >= n
        live = {r["id"].lower() for r in emu.resources()["resources"]}
        for c in changes.changes:
            if "/virtualnetworkpeerings/" not in c.id.lower():  # peerings live inside their VNet
                assert c.id.lower() in live, c.id
        table = app.main.query_one("#apply-table", DataTable)
        assert [r[1] for r in rows(table)] == ["done"] * n
        status = static_text(app, "#apply-status")
        assert "Applied: 10 change(s) written" in status and "Verified: PASS" in status
        assert any("[10/10]" in line for line in app.main.query_one("#apply-log", Log).lines)

        (verified,) = rec.of(m.Verified)
        intent = sample[1]
        assert [r.consumer_vnet_id.lower() for r in verified.results] == [
            c.consumer_vnet_id.lower() for c in intent.connections
        ]
        assert [r.result.value for r in verified.results] == ["PASS", "PASS"]
        # spoke-a asked for peering; spoke-c was 'auto' and the plan chose Private Link.
        assert [r.method.value for r in verified.results] == ["peering", "private-link"]
        shown = static_text(app, "#verify-result")
        assert "rg-spoke-a/vnet-spoke-a (peering): PASS" in shown
        assert "rg-spoke-c/vnet-spoke-c (private-link): PASS" in shown and "Overall: PASS" in shown
        # The token never reaches the screen.
        assert FAKE_TOKEN not in "\n".join(app.main.query_one("#apply-log", Log).lines)

        # After the apply, every tab shows the estate read back from Azure, in every region.
        await settle(app, pilot)
        assert app.estate is verified.estate and app.estate is not before
        assert app.main.estate is app.estate
        assert app.main.query_one(EstateTree).estate is app.estate
        assert "re-read after apply" in app.sub_title
        peerings = sum(len(v.peerings) for v in app.estate.vnets)
        assert peerings > sum(len(v.peerings) for v in before.vnets)
        # The plan made on the old estate is spent; planning again (p) finds nothing left to do.
        assert app.changes is None
        writes = emu.stats.writes
        await pilot.press("p")
        await until(pilot, lambda: len(rec.of(m.Planned)) == 2)
        await settle(app, pilot)
        assert rec.of(m.Planned)[-1].changes.empty
        assert "No changes: the estate matches the intent." in static_text(app, "#plan-summary")
        assert app.main.query_one("#plan-apply", Button).disabled
        assert emu.stats.writes == writes


async def test_cancelling_at_the_confirmation_sends_nothing(
    sample: tuple[Estate, Intent], emu: Emulator, tmp_path: Path
) -> None:
    """Each way out of the confirmation - Escape, a click on Cancel, Enter on the focused Cancel
    (where the focus starts: a habitual Enter applies nothing) - closes it and sends nothing, not
    even a read. One app and one plan; the modal is opened again for each way."""
    rec = Recorder()
    app = make(sample, emu)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await plan_and_open_modal(app, pilot, rec, tmp_path / "plan.json")
        for n, how in enumerate(["escape", "click-cancel", "enter-on-focused-cancel"], start=1):
            if n > 1:
                await pilot.click("#plan-apply")
                await until(pilot, lambda: isinstance(app.screen, ConfirmApplyScreen))
            if how == "escape":
                await pilot.press("escape")
            elif how == "click-cancel":
                await pilot.click("#confirm-cancel")
            else:
                await pilot.press("enter")
            await until(pilot, lambda: not isinstance(app.screen, ConfirmApplyScreen))
            await settle(app, pilot)
            assert emu.stats.writes == 0 and emu.stats.requests == 0, how
            assert not rec.of(m.Applied) and not rec.of(m.ApplyProgressed), how
            assert sum("nothing was sent" in x.text for x in rec.of(m.ApplyLogged)) == n, how
            assert not (tmp_path / "plan.json.journal").exists(), how


async def test_escape_during_apply_stops_between_changes_and_the_rows_say_what_is_done(
    sample: tuple[Estate, Intent], emu: Emulator, tmp_path: Path
) -> None:
    rec = Recorder()
    app = make(sample, emu)
    # The third write waits until the user has pressed Escape (a point the test controls, not a time).
    gate = emu.hold_writes_after(2)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await plan_and_open_modal(app, pilot, rec, tmp_path / "plan.json")
        await until(pilot, lambda: bool(app.screen.query("#confirm-apply")))
        await pilot.click("#confirm-apply")
        await until(pilot, gate.held.is_set)
        await until(pilot, lambda: bool(rec.of(m.ApplyProgressed)))
        await pilot.press("escape")
        await pilot.pause()
        gate.open()  # the write in flight finishes; no new change starts after it
        await until(pilot, lambda: bool(rec.of(m.Applied)))
        (applied,) = rec.of(m.Applied)
        assert applied.cancelled
        outcomes = [r.outcome.value for r in applied.result.results]
        written = sum(1 for o in outcomes if o == "done")
        assert 0 < written < 10 and "not-run" in outcomes
        # Every write the emulator took is a change the rows call done (nothing hidden, nothing invented).
        puts = sum(n for k, n in emu.stats.by_kind.items() if k.startswith("PUT"))
        assert puts == written
        assert "Cancelled:" in static_text(app, "#apply-status")
        # The cancel message counts what is really left: from the journal, after the in-flight finished.
        left = 10 - written
        (note,) = [n.message for n in app._notifications if n.message.startswith("apply cancelled")]
        assert f"; {left} left (" in note and f"Apply again skips the {written} done and applies the {left} left" in note
        assert " in flight then finished (" in note  # the write held at the cancel
        await settle(app, pilot)
        assert not rec.of(m.Verified)  # a partial apply is not verified as if it were complete


async def test_a_stale_plan_is_the_cli_error_line_in_a_notification(
    sample: tuple[Estate, Intent], emu: Emulator, tmp_path: Path
) -> None:
    rec = Recorder()
    app = make(sample, emu)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await plan_and_open_modal(app, pilot, rec, tmp_path / "plan.json")
        # Someone grows spoke-a's address space after the plan was made (P4: the peering would be
        # planned on a stale space).
        snap = emu.resources()
        for r in snap["resources"]:
            if r["id"].lower().endswith("/virtualnetworks/vnet-spoke-a"):
                r["properties"]["addressSpace"]["addressPrefixes"].append("10.99.0.0/24")
        emu.load(snap)
        await pilot.click("#confirm-apply")
        await until(pilot, lambda: bool(rec.of(m.Applied)))
        await settle(app, pilot)
        (failed,) = rec.of(m.WorkFailed)
        assert failed.text.startswith("vnetplan: error: ") and "\n" not in failed.text
        assert "vnet-spoke-a changed since the plan was made" in failed.text and "re-plan" in failed.text
        assert "Traceback" not in failed.text
        statuses = [r[1] for r in rows(app.main.query_one("#apply-table", DataTable))]
        assert "stale" in statuses
        assert not rec.of(m.Verified)


def test_subscriptions_touched_names_the_remote_vnet_of_a_peering(sample: tuple[Estate, Intent]) -> None:
    """P7: a peering needs peer/action on the remote VNet, whose subscription may be someone else's."""
    from netplan.changeset import Change
    from netplan.vocab import Action

    local = "/subscriptions/aaaa/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-a"
    remote = "/subscriptions/bbbb/resourceGroups/rg-b/providers/Microsoft.Network/virtualNetworks/vnet-b"
    step = Change(Action.CREATE, f"{local}/virtualNetworkPeerings/a-to-b", "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
                  "", {"properties": {"remoteVirtualNetwork": {"id": remote}}}, "", key="c1")  # fmt: skip
    assert subscriptions_touched([step]) == {"aaaa": ["1 write(s)"], "bbbb": ["peer/action on rg-b/vnet-b"]}


async def test_save_intent_writes_yaml_that_loads_back(
    sample: tuple[Estate, Intent], emu: Emulator, tmp_path: Path
) -> None:
    app = make(sample, emu)
    out = tmp_path / "saved-intent.yaml"
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("7")
        await pilot.pause()
        app.screen.query_one("#plan-intent-path", Input).value = str(out)
        await pilot.click("#plan-save-intent")
        await pilot.pause()
    again = load_intent(out, sample[0])
    assert again.provider == sample[1].provider
    assert [(c.consumer_vnet_id, c.method) for c in again.connections] == [
        (c.consumer_vnet_id, c.method) for c in sample[1].connections
    ]


async def test_a_verification_that_cannot_read_azure_says_not_verified_never_pass(
    sample: tuple[Estate, Intent], emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netplan.live import postapply as inventory  # where verification after apply reads Azure
    from netplan.live.inventory import LiveError

    def unreadable(*_a: Any, **_k: Any) -> Any:
        raise LiveError("could not read privateDnsZones in /subscriptions/x: HTTP 503")

    monkeypatch.setattr(inventory, "take_inventory", unreadable)
    rec = Recorder()
    app = make(sample, emu)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await plan_and_open_modal(app, pilot, rec, tmp_path / "plan.json")
        await pilot.click("#confirm-apply")
        await until(pilot, lambda: bool(rec.of(m.WorkFailed)))
        await settle(app, pilot)
        assert rec.of(m.Applied)[0].result.ok
        (failed,) = rec.of(m.WorkFailed)
        assert failed.text == "vnetplan: error: could not read privateDnsZones in /subscriptions/x: HTTP 503"
        assert not rec.of(m.Verified)
        shown = static_text(app, "#verify-result")
        assert shown.startswith("Not verified: vnetplan: error: could not read") and "PASS" not in shown


async def test_palette_apply_asks_for_a_plan_first_then_opens_the_same_confirmation(
    sample: tuple[Estate, Intent], emu: Emulator, tmp_path: Path
) -> None:
    rec = Recorder()
    app = make(sample, emu)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.main)]
        assert "Apply the plan" in titles
        app.action_apply_plan()
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmApplyScreen)  # no plan yet: nothing to confirm
        await pilot.click("#plan-make")
        await settle(app, pilot)
        app.screen.query_one("#plan-path", Input).value = str(tmp_path / "plan.json")
        app.action_apply_plan()
        await until(pilot, lambda: isinstance(app.screen, ConfirmApplyScreen))
        await pilot.press("escape")
        await settle(app, pilot)
        assert emu.stats.requests == 0


async def test_confirmation_names_the_problems_the_plan_does_not_solve(tmp_path: Path) -> None:
    """Private Link pinned for spoke3 of the Mendix sample: spoke3 resolves through the hub's resolver, whose
    central zone answers the LB address for spoke2; one zone cannot give both answers (A2). Said before
    anything is sent."""
    estate = load_estate([ROOT / "samples" / "mendix-estate.json"])
    text = (ROOT / "samples" / "mendix-intent.yaml").read_text()
    pinned = text.replace("  - consumer: vnet-corp-spoke3-neu\n    use_case: expose-apps\n    method: auto",
                          "  - consumer: vnet-corp-spoke3-neu\n    use_case: expose-apps\n    method: private-link")
    assert pinned != text
    (tmp_path / "intent.yaml").write_text(pinned)
    intent = load_intent(tmp_path / "intent.yaml", estate)
    rec = Recorder()
    # No emulator: an unreachable https endpoint proves that the modal itself sends nothing.
    options = TuiOptions(source="sample", intent=intent, app_domain=intent.provider.app_domain,
                         endpoint="https://127.0.0.1:9", analyse=False)  # fmt: skip
    app = create_app(estate, options)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await plan_and_open_modal(app, pilot, rec, tmp_path / "plan.json")
        summary = static_text(app, "#confirm-summary").replace("\n", " ")
        (planned,) = rec.of(m.Planned)
        assert planned.changes.problems
        assert "problem (not solved by this plan): zone" in summary and "vnet-corp-spoke3-neu" in summary
        # Three subscriptions in the sample; the summary names each one the plan writes in.
        for sub in {parse_id(c.id).subscription for c in planned.changes.changes}:
            assert sub in summary
        await pilot.press("escape")
        await settle(app, pilot)
        assert not rec.of(m.Applied)


async def test_escape_during_verification_leaves_it_not_verified(
    sample: tuple[Estate, Intent], emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from netplan.live import postapply as inventory  # where verification after apply reads Azure

    real = inventory.take_inventory
    release = threading.Event()

    def slow_inventory(*a: Any, **k: Any) -> Any:
        release.wait(10)  # held until the test has pressed Escape
        return real(*a, **k)

    monkeypatch.setattr(inventory, "take_inventory", slow_inventory)
    rec = Recorder()
    app = make(sample, emu)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await plan_and_open_modal(app, pilot, rec, tmp_path / "plan.json")
        await pilot.click("#confirm-apply")
        await until(pilot, lambda: any(w.group == "verify" and w.is_running for w in app.workers))
        await pilot.press("escape")
        release.set()
        await settle(app, pilot)
        assert rec.of(m.Applied)[0].result.ok and not rec.of(m.Verified)
        shown = static_text(app, "#verify-result")
        assert shown.startswith("Not verified: cancelled") and "PASS" not in shown


async def test_a_missing_credential_is_the_cli_line_once_and_nothing_is_sent(
    sample: tuple[Estate, Intent], emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from netplan.live.credentials import CredentialMissing

    monkeypatch.delenv("VNETPLAN_ACCESS_TOKEN")
    rec = Recorder()
    app = make(sample, emu)
    app.options = replace(app.options, credential="token")
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await plan_and_open_modal(app, pilot, rec, tmp_path / "plan.json")
        await until(pilot, lambda: bool(app.screen.query("#confirm-apply")))
        await pilot.click("#confirm-apply")
        await until(pilot, lambda: bool(rec.of(m.WorkFailed)))
        await settle(app, pilot)
        (failed,) = rec.of(m.WorkFailed)
        assert failed.text == f"vnetplan: error: {CredentialMissing('token')}"  # the line `vnetplan apply` prints
        assert "az login" in failed.text and "\n" not in failed.text
        assert emu.stats.requests == 0
