"""The Home tab's tables are drawn with their rows the first time they are laid out.

The app-domain matrix arrives last (its worker finishes after the others) and used to be drawn,
for a moment, before its rows were laid out: a DataTable measures itself only when its message
queue is idle, so a table shown late with automatic sizes first appeared empty, and a screenshot
(or a busy terminal) could catch that. Here the tables never get that idle measurement at all:
whatever is on screen is what the first layout gives, and every consumer must be there.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.widgets import DataTable

from netplan.estate import Estate
from tests.tui.snapshot_app import LARGE, SIZE, SMALL, ready
from tests.tui.test_pilot import make
from tui.widgets.tabs.home import HomeView


def screen_lines(svg: str) -> list[str]:
    """The text rows of an exported screenshot (one <text> run per styled span, grouped by line)."""
    rows: dict[str, list[str]] = {}
    for m in re.finditer(r'<text[^>]*y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(m.group(1), []).append(m.group(2))
    out = []
    for _, parts in sorted(rows.items(), key=lambda kv: float(kv[0])):
        text = "".join(parts)
        for a, b in (("&#160;", " "), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&#x27;", "'"), ("&quot;", '"')):
            text = text.replace(a, b)
        out.append(text)
    return out


@pytest.mark.parametrize("size", [SIZE, LARGE], ids=["120x40", "160x48"])
async def test_the_matrix_is_drawn_with_its_rows_without_waiting_for_the_table_to_measure_itself(
    estate: Estate, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def never_idle(self: DataTable[Any], _: Any) -> None:
        return None  # the table's own measurement (row count, column widths) never runs

    monkeypatch.setattr(DataTable, "_on_idle", never_idle)
    app = make(estate)
    async with app.run_test(size=size) as pilot:
        await ready(pilot, measured=False)  # they never will
        home = app.screen.query_one(HomeView)
        assert home.health is not None and home.health.rows
        lines = screen_lines(app.export_screenshot())
        head = next(i for i, line in enumerate(lines) if "Consumers × answer" in line)
        assert "reach: TCP 443, 80, through peerings, routes and NSGs" in lines[head + 1]  # what the reach column judges
        below = lines[head + 2 :]
        assert "consumer" in below[0] and "verdict" in below[0]
        # Every consumer the pane has room for is on screen, with its verdict (none of them blank).
        room = min(len(home.health.rows), len(below) - 2)
        assert room >= 5
        for row, line in zip(home.health.rows[:room], below[1 : room + 1], strict=True):
            assert row.vnet.name[:12] in line and row.health.value in line, line


async def test_at_80x24_the_verdict_is_never_the_column_that_is_cut(estate: Estate) -> None:
    app = make(estate)
    async with app.run_test(size=SMALL) as pilot:
        await ready(pilot)
        home = app.screen.query_one(HomeView)
        table = app.screen.query_one("#home-matrix", DataTable)
        # The pane is narrower than every column: the answer counts are cut on the right, not the verdict.
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[:3] == ["consumer", "verdict", "reach"]
        widths = [c.get_render_width(table) for c in table.columns.values()]
        assert sum(widths[:3]) <= home.content_region.width - home.styles.scrollbar_size_vertical
