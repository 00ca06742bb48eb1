"""Pilot tests: subscription display names, "who owns" address search, and bounded tables.

A network engineer knows subscriptions by name, looks an address up to find who holds it, and
opens the hub with hundreds of peerings: each must work without reading GUIDs, scanning the tree
by eye, or waiting for a table of thousands of rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable

from netplan.estate import Estate, load_estate
from tests.tui.pilot_keys import type_text
from tests.tui.test_pilot import SIZE, make, pick, settle, static_text
from tests.unit.builders import EstateBuilder
from tui.widgets.sidebar.estate_tree import EstateTree
from tui.widgets.tabs import findings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "mendix-estate.json"


def sample() -> Estate:
    return load_estate([SAMPLE])


async def test_subscriptions_show_their_display_names_in_tree_and_details() -> None:
    estate = sample()
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        tree = app.screen.query_one(EstateTree)
        labels = [str(n.label) for n in tree.root.children]
        assert [s.split("  ")[0] for s in labels] == [
            "sub-connectivity-prod", "sub-corp-landingzone-prod", "sub-mendix-prod",
        ]  # fmt: skip
        assert not any("3f2b8c1e" in s for s in labels)
        await pick(app, pilot, "vnet-mendix-weu")
        details = static_text(app, "#details-body")
        assert "sub-mendix-prod (c0d8e6f4-2a91-4b7c-a53e-6f1b9d2e8c04)" in details
        # The filter finds VNets by their subscription's name too.
        await pilot.press("slash")
        await type_text(pilot, "landingzone")
        shown = {str(n.label).split("  ")[0] for n in tree.root.children}
        assert "vnet-corp-spoke1-weu" in shown and "vnet-mendix-weu" not in shown


async def test_without_names_the_tree_shows_the_subscription_id(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        labels = [str(n.label) for n in app.screen.query_one(EstateTree).root.children]
        assert labels[0].startswith("0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c")


async def test_an_address_in_the_filter_lists_who_owns_it_and_the_overlap(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, "10.20.1.10")
        tree = app.screen.query_one(EstateTree)
        rows = [str(n.label) for n in tree.root.children]
        # The ILB frontend's address lies in the Mendix VNet and in the isolated lab VNet (an overlap).
        assert rows[0].startswith("10.20.1.10: 2 VNets, 1 resource") and "overlap" in rows[0]
        assert [r.split("  ")[0] for r in rows[1:]] == ["vnet-lab-isolated", "vnet-mendix-prod"]
        mendix = tree.root.children[2]
        assert [str(c.label) for c in mendix.children] == ["subnet ilb  10.20.1.0/24", "LB frontend lb-mendix-apps  10.20.1.10"]
        # Enter: the first VNet is selected and the answer heads its details, at the pane's width.
        await pilot.press("enter")
        await pilot.pause()
        details = static_text(app, "#details-body")
        assert "Who owns 10.20.1.10 (2)" in details and "LB frontend lb-mendix-apps" in details
        assert "Overlap: 10.20.1.10 is in 2 networks" in details
        # The cursor on a resource row selects the VNet holding it.
        tree.move_cursor(mendix.children[1])
        await pilot.pause()
        assert app.screen.selected is not None and app.screen.selected.endswith("/vnet-mendix-prod")


async def test_a_prefix_in_the_filter_lists_the_vnets_inside_and_around_it(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        await type_text(pilot, "10.30.0.0/16")
        rows = [str(n.label) for n in app.screen.query_one(EstateTree).root.children]
        assert rows[0].startswith("10.30.0.0/16: 2 VNets") and "overlap" not in rows[0]
        assert sorted(r.split("  ")[0] for r in rows[1:]) == ["vnet-erp-dr", "vnet-erp-prod"]
        await pilot.press(*["backspace"] * 9)
        await type_text(pilot, "99.0.0/16")
        rows = [str(n.label) for n in app.screen.query_one(EstateTree).root.children]
        assert rows == ["no VNet in the snapshot holds 10.99.0.0/16"]


def hub_estate(spokes: int) -> Estate:
    b = EstateBuilder()
    b.vnet("vnet-hub", ["10.0.0.0/16"], rg="rg-hub", subnets={"GatewaySubnet": "10.0.0.0/27"})
    for i in range(spokes):
        b.vnet(f"spoke-{i:03d}", [f"10.{100 + i // 256}.{i % 256}.0/24"], rg="rg-spokes")
        b.peer("vnet-hub", f"spoke-{i:03d}")
    return b.estate()


async def test_a_hub_with_249_peerings_shows_200_rows_says_so_and_filters() -> None:
    app = make(hub_estate(249))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pick(app, pilot, "vnet-hub")
        await pilot.press("2")
        await pilot.pause()
        details = static_text(app, "#details-body")
        assert "Peerings (249)" in details and "showing 200 of 249 — filter to narrow (i)" in details
        assert "spoke-199" in details and "spoke-200" not in details
        # i: the filter over the tables; it narrows every table and counts what matches.
        await pilot.press("i")
        await type_text(pilot, "spoke-24")
        await pilot.pause()
        details = static_text(app, "#details-body")
        assert "Peerings (9 of 249 match 'spoke-24')" in details and "showing" not in details
        assert "spoke-248" in details and "spoke-199" not in details


async def test_the_findings_view_is_bounded_with_an_honest_count(estate: Estate, monkeypatch: Any) -> None:
    monkeypatch.setattr(findings, "MAX_ROWS", 2)
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await pilot.pause()
        table = app.screen.query_one("#findings-table", DataTable)
        summary = static_text(app, "#findings-summary")
        listed = int(summary.split("showing 2 of ")[1].split(" ")[0])
        assert table.row_count == 2 and listed > 2 and "filter to narrow" in summary
