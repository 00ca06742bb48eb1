"""Pilot tests: subscription display names, "who owns" address search, and bounded tables.

A network engineer knows subscriptions by name, looks an address up to find who holds it, and
opens the hub with hundreds of peerings: each must work without reading GUIDs, scanning the tree
by eye, or waiting for a table of thousands of rows.
"""

from __future__ import annotations

from pathlib import Path

from netplan.estate import Estate, load_estate
from tests.tui.test_pilot import SIZE, make, pick, settle, static_text
from tui.widgets.sidebar.estate_tree import EstateTree

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
        await pilot.press("slash", *"landingzone")
        await pilot.pause()
        shown = {str(n.label).split("  ")[0] for n in tree.root.children}
        assert "vnet-corp-spoke1-weu" in shown and "vnet-mendix-weu" not in shown


async def test_without_names_the_tree_shows_the_subscription_id(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        labels = [str(n.label) for n in app.screen.query_one(EstateTree).root.children]
        assert labels[0].startswith("0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c")
