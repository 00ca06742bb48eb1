"""SVG snapshots of the main screens at a fixed size (pytest-textual-snapshot).

Baselines live in tests/tui/__snapshots__/; regenerate with ``pytest tests/tui --snapshot-update``
after a deliberate change, and look at them before committing (rsvg-convert turns one into a PNG).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.pilot_keys import Typed, press
from tests.tui.snapshot_app import LARGE, SIZE, SMALL, pick, ready, snapshot_app

Snap = Callable[..., bool]


def steps(*keys: str, vnet: str | None = None) -> Callable[[Pilot[Any]], Any]:
    async def run(pilot: Pilot[Any]) -> None:
        await ready(pilot)
        if vnet:
            await pick(pilot, vnet)
        await press(pilot, *keys)
        await ready(pilot)

    return run


# At 120x40 and 160x48 the app-domain matrix is on screen: it arrives last, and is drawn with its
# rows at once (tui/widgets/tabs/home.py sizes its tables when it fills them).
@pytest.mark.parametrize("size", [SMALL, SIZE, LARGE], ids=["80x24", "120x40", "160x48"])
def test_home_screen_on_start(snap_compare: Snap, size: tuple[int, int]) -> None:
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=steps())


@pytest.mark.parametrize("size", [SMALL, SIZE, LARGE], ids=["80x24", "120x40", "160x48"])
def test_vnet_details_of_the_provider(snap_compare: Snap, size: tuple[int, int]) -> None:
    assert snap_compare(snapshot_app(), terminal_size=size, run_before=steps("2", vnet="mendix-prod"))


def test_sidebar_hidden_at_80x24(snap_compare: Snap) -> None:
    assert snap_compare(snapshot_app(), terminal_size=SMALL, run_before=steps("2", "b", vnet="mendix-prod"))


def test_topology_of_the_provider(snap_compare: Snap) -> None:
    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=steps("3", vnet="mendix-prod"))


def test_dns_answer_from_a_consumer(snap_compare: Snap) -> None:
    keys = ("4", "i", Typed("orders.azure.mendixapps.io"), "enter")
    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=steps(*keys, vnet="erp-prod"))


def test_overlaps_tab(snap_compare: Snap) -> None:
    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=steps("5", "down", "up"))


def test_findings_tab(snap_compare: Snap) -> None:
    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=steps("6", "down", "up"))


def test_help_screen(snap_compare: Snap) -> None:
    assert snap_compare(snapshot_app(), terminal_size=SIZE, run_before=steps("question_mark"))


def test_light_theme_details(snap_compare: Snap) -> None:
    assert snap_compare(snapshot_app("textual-light"), terminal_size=SIZE, run_before=steps("2", vnet="data-prod"))


@pytest.mark.parametrize("size", [SMALL, SIZE, LARGE], ids=["80x24", "120x40", "160x48"])
def test_who_owns_an_address(snap_compare: Snap, size: tuple[int, int]) -> None:
    # The ILB frontend's address, held by the Mendix VNet and the isolated lab VNet (an overlap):
    # the tree lists both with the subnet and the frontend, Details heads with the full answer.
    assert snap_compare(snapshot_app(), terminal_size=size,
                        run_before=steps("slash", Typed("10.20.1.10"), "enter", "2"))  # fmt: skip
