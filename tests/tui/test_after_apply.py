"""After an apply the whole screen shows the estate read back from Azure, and the plan keys work
from every tab.

The bundled sample (the Mendix estate and its intent) is served by the ARM emulator; the TUI opens
the same snapshot with every estate-wide analysis on, plans with ``p`` and applies through the
confirmation. What a user relies on: once the apply is verified, Home, the Findings and Overlaps
tabs, the DNS matrix and the tree's badges are recomputed on the estate as the emulator now holds
it (the Initiated peering the plan completed is no longer a problem anywhere), and nothing of the
old estate is shown while that runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, TabbedContent

from netplan.estate import Estate, load_estate
from netplan.intent import Intent, load_intent
from tests.emulator import Emulator, FaultConfig
from tests.tui.test_apply_flow import until
from tests.tui.test_pilot import Recorder, settle, static_text
from tui import messages as m
from tui.app import TuiOptions, VnetplanApp, create_app
from tui.screens.confirm_apply import ConfirmApplyScreen
from tui.widgets.sidebar.estate_tree import EstateTree
from tui.widgets.tabs.home import HomeView
from tui.widgets.tabs.overlaps import OverlapsView

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "samples" / "mendix-estate.json"
INTENT = ROOT / "samples" / "mendix-intent.yaml"
SIZE = (160, 48)
TOKEN = "tui-after-apply-test-token-not-a-secret"
#: The peering the sample's plan completes: Initiated from spoke2, the Mendix side is created.
SPOKE2 = "vnet-corp-spoke2-weu"


@pytest.fixture
def sample() -> tuple[Estate, Intent]:
    estate = load_estate([ESTATE])
    return estate, load_intent(INTENT, estate)


def make(sample: tuple[Estate, Intent], **extra: Any) -> VnetplanApp:
    estate, intent = sample
    return create_app(estate, TuiOptions(source="sample", intent=intent, app_domain=intent.provider.app_domain,
                                         polling_interval=0, **extra))  # fmt: skip


def findings_rules(app: VnetplanApp) -> list[str]:
    table = app.main.query_one("#findings-table", DataTable)
    return [str(table.get_row_at(i)[2]) for i in range(table.row_count)]


def spoke2_badges(app: VnetplanApp) -> frozenset[str]:
    v = next(v for v in app.estate.vnets if v.name == SPOKE2)
    return app.main.badges.get(v.key, frozenset())


@pytest.mark.integration  # starts the ARM emulator
async def test_after_apply_home_findings_overlaps_and_badges_show_the_estate_read_back(
    sample: tuple[Estate, Intent], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", TOKEN)
    with Emulator(str(ESTATE), faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as emu:
        rec = Recorder()
        app = make(sample, endpoint=emu.url, ca_bundle=emu.ca_path)
        async with app.run_test(size=SIZE, message_hook=rec) as pilot:
            await settle(app, pilot)
            home = app.main.query_one(HomeView)
            # Before: the Initiated peering is a problem on Home, in the findings and on the tree.
            assert any("Initiated" in p.detail for p in home.sections["peerings"] or [])
            assert "VNP-PEER-001" in findings_rules(app)
            assert "peering" in spoke2_badges(app)
            old_overlaps = app.main.query_one(OverlapsView)._report

            await pilot.press("p")
            await until(pilot, lambda: bool(rec.of(m.Planned)))
            app.main.query_one("#plan-path", Input).value = str(tmp_path / "plan.json")
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, ConfirmApplyScreen))
            await pilot.click("#confirm-apply")
            await until(pilot, lambda: bool(rec.of(m.Verified)) or bool(rec.of(m.WorkFailed)))
            assert not rec.of(m.WorkFailed), rec.of(m.WorkFailed)[0].text
            await pilot.pause()
            # The estate read back replaces the old one at once: nothing of the old one is listed
            # while the analyses run again (each section computing, or already recomputed).
            assert app.estate is rec.of(m.Verified)[0].estate
            peerings = home.sections["peerings"]
            assert peerings is None or not any("Initiated" in p.detail for p in peerings)
            assert "VNP-PEER-001" not in findings_rules(app)

            await settle(app, pilot)
            assert len(rec.of(m.AuditFinished)) == 2 and len(rec.of(m.HealthComputed)) == 2
            # Home: every section recomputed; the peering problems are gone (the sample's other
            # findings, which the plan does not touch, are still there).
            assert all(s is not None for s in home.sections.values())
            assert home.sections["peerings"] == []
            home_findings = [p.title for p in home.sections["findings"] or []]
            assert home_findings and not any(t.startswith("VNP-PEER") for t in home_findings)
            # Findings: the new audit, without the peering rules' failures.
            rules = findings_rules(app)
            assert rules and not any(r.startswith("VNP-PEER") for r in rules)
            assert "VNP-PE-003" in rules
            assert static_text(app, "#findings-summary").startswith("1 FAIL  1 UNKNOWN")
            # Overlaps: recomputed on the new estate (the isolated overlap is still there).
            new_overlaps = app.main.query_one(OverlapsView)._report
            assert new_overlaps is not None and new_overlaps is not old_overlaps
            assert app.main.query_one("#overlaps-table", DataTable).row_count == 1
            # The tree: spoke2 no longer carries the peering badge; the title says where it came from.
            assert "peering" not in spoke2_badges(app)
            assert app.main.query_one(EstateTree).estate is app.estate
            assert "re-read after apply" in app.sub_title
            # The DNS app-domain matrix: spoke2 now resolves the apps privately.
            health = rec.of(m.HealthComputed)[-1].health
            assert next(r for r in health.rows if r.vnet.name == SPOKE2).health.value == "PASS"


async def test_p_from_a_tab_whose_table_has_the_focus_opens_the_plan_tab_and_plans(
    sample: tuple[Estate, Intent],
) -> None:
    """From Home, Overlaps and Findings in turn (one app: each p plans again from that tab)."""
    rec = Recorder()
    app = make(sample)
    async with app.run_test(size=SIZE, message_hook=rec) as pilot:
        await settle(app, pilot)
        for planned, tab in enumerate(["1", "5", "6"], start=1):
            await pilot.press(tab)
            await pilot.pause()
            assert app.main.query_one(TabbedContent).active != "plan", tab
            # Home, Overlaps, Findings: their table has the focus.
            assert isinstance(app.focused, DataTable), tab
            await pilot.press("p")
            await settle(app, pilot)
            # The switch sticks (the focus left in the hidden table does not pull the tabs back).
            assert app.main.query_one(TabbedContent).active == "plan", tab
            assert len(rec.of(m.Planned)) == planned, tab
            assert "3 to create, 1 to update" in static_text(app, "#plan-summary")
