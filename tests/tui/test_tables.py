"""Rows put in a DataTable in bulk (tui/widgets/tables.py) show as DataTable.add_row's would."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from tui.widgets.tables import add_rows, cell_width

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


#: Cells whose width add_rows works out itself, and cells it leaves to the table's measure: markup
#: (read as the table reads it), emoji codes, wide characters, numbers, several lines, renderables.
ODD: list[tuple[tuple[Any, ...], str]] = [
    (("[bold]FAIL[/bold] rule", "vnet:smile:hub", 3.14159), "m0"),
    (("no [link] here", "東京 region 東京", 12345678901234), "m1"),
    ((Text("two\nlines, the second one longer"), "a\nb", None), "m2"),
    ((Text("ok"), Text.from_markup("[red]red[/red] tail"), "[green]x[/green]"), "m3"),
    ((Text("x" * 70), "10.0.0.0/16: overlaps 10.0.0.0/8 (:cross_mark:)", "last"), "m4"),
]


@pytest.mark.parametrize("split", [1, 3, 5])
async def test_bulk_rows_measure_like_add_row(split: int) -> None:
    """Columns sized by their content come out as wide as the table's own measure makes them (the
    widest cell, markup read, emoji replaced, a string's first line), the rows added in one or more
    batches (a later batch widens a column, never narrows it)."""
    app = Tables((None, None, None))
    async with app.run_test(size=(160, 20)) as pilot:
        one, bulk = app.query_one("#one", DataTable), app.query_one("#bulk", DataTable)
        rows = ODD
        for cells, key in rows:
            one.add_row(*cells, key=key)
        for i in range(0, len(rows), split):
            add_rows(bulk, rows[i : i + split])
        await pilot.pause()
        assert [c.content_width for c in bulk.ordered_columns] == [c.content_width for c in one.ordered_columns]
        assert bulk.virtual_size == one.virtual_size
        assert lines(bulk) == lines(one)
        assert "😄" in "".join(lines(bulk))
    # Left to the table's measure: what only rendering can tell.
    assert cell_width("a\nb") is None and cell_width("[/oops] bad markup") is None
    assert cell_width(Text("two\nlines")) == 5 and cell_width("東京") == 4
