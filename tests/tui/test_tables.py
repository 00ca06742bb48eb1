"""Rows put in a DataTable in bulk (tui/widgets/tables.py) show as DataTable.add_row's would."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from tui.widgets.tables import add_rows

ROWS: list[tuple[tuple[Any, ...], str]] = [
    ((Text("FAIL", style="bold red"), "vnet-hub-weu", f"10.{i}.0.0/16 overlaps a much longer description"), f"r{i}")
    for i in range(60)
]


class Tables(App[None]):
    def __init__(self, widths: tuple[int | None, ...]) -> None:
        super().__init__()
        self.widths = widths
        self.highlighted: list[tuple[str, int]] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="one", cursor_type="row")
        yield DataTable(id="bulk", cursor_type="row")

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            for label, width in zip(("status", "what", "detail"), self.widths, strict=True):
                table.add_column(label, key=label, width=width)
            table.styles.height = 20

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.highlighted.append((str(event.data_table.id), event.cursor_row))


def lines(table: DataTable[Any]) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


@pytest.mark.parametrize("widths", [(6, 14, 30), (None, None, None)], ids=["fixed", "measured"])
async def test_bulk_rows_draw_and_move_like_add_row(widths: tuple[int | None, ...]) -> None:
    app = Tables(widths)
    async with app.run_test(size=(80, 44)) as pilot:
        one, bulk = app.query_one("#one", DataTable), app.query_one("#bulk", DataTable)
        for cells, key in ROWS:
            one.add_row(*cells, key=key)
        add_rows(bulk, ROWS)
        await pilot.pause()
        assert lines(bulk) == lines(one)
        assert "10.3.0.0/16" in "".join(lines(bulk))
        assert bulk.virtual_size == one.virtual_size and bulk.row_count == one.row_count == 60
        # The first row is highlighted once, in both; the cursor moves and keys resolve the same.
        assert sorted(app.highlighted) == [("bulk", 0), ("one", 0)]
        for table in (one, bulk):
            table.move_cursor(row=42)
        await pilot.pause()
        assert lines(bulk) == lines(one)
        assert bulk.get_row_index("r42") == 42 and bulk.get_row_at(42)[1] == "vnet-hub-weu"
        with pytest.raises(Exception, match="already exists"):
            add_rows(bulk, ROWS[:1])
