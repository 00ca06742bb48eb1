"""Rows put in a DataTable in bulk (tui/widgets/tables.py) show as DataTable.add_row's would."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable

from tui.widgets.tables import QuickTable, add_rows, cell_width, quick_cell

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


#: Cells of every kind the tables hold: styled and plain text, markup strings, empty cells, text
#: wider than its column (cut with an ellipsis, cropped, folded), justified, wide characters, a
#: Text ending without a line break, and cells QuickTable leaves to the DataTable (spans, lines).
QUICK_CELLS: list[Any] = [
    Text("FAIL", style="bold red"), "", Text(""), Text("", style="dim"), "vnet-hub-weu",
    "[bold]markup[/bold] string", Text("a much longer description of the overlap " * 3, style="dim"),
    Text("cut with an ellipsis " * 6, overflow="ellipsis", no_wrap=True, style="bold"),
    Text("ellipsis, no style " * 6, overflow="ellipsis"), Text("cut here please " * 8, overflow="crop"), Text("folded text " * 8, overflow="fold"),
    Text("left", justify="left", style="green"), Text("right", justify="right"), Text("東京 region 東京" * 4),
    Text("no end", end=""), Text("no end styled", end="", style="italic"), Text.from_markup("[red]red[/red] span"),
    Text("two\nlines"), 3.5, None, Text("  indented", style="on blue"),
]


@pytest.mark.parametrize("zebra", [True, False], ids=["zebra", "plain"])
async def test_quick_table_draws_every_cell_as_the_data_table_does(zebra: bool) -> None:
    """QuickTable's own drawing of a cell (and its styles worked out once per paint) gives exactly
    the segments the DataTable's drawing gives, for every kind of cell, column width (down to one
    column), cursor and hover state."""
    app = Tables((None, None, None))
    async with app.run_test(size=(160, 30)) as pilot:
        table = QuickTable(cursor_type="row", zebra_stripes=zebra)
        await app.mount(table)
        widths = [1, 2, 3, 5, 8, 13, 40, None]
        for i, width in enumerate(widths):
            table.add_column(f"c{i}", key=f"c{i}", width=width)
        for r, cell in enumerate(QUICK_CELLS):
            table.add_row(*([cell] * len(widths)), key=f"r{r}")
        await pilot.pause()
        quick = 0
        for r in range(len(QUICK_CELLS)):
            for c, column in enumerate(table.ordered_columns):
                width = column.get_render_width(table)
                for cursor, hover in ((False, False), (True, False), (False, True), (True, True)):
                    base = table._get_row_style(r, table.rich_style)
                    ours = table._render_cell(r, c, base, width, cursor, hover)
                    table._update_count += 1  # neither drawing is served from the other's cache
                    theirs = DataTable._render_cell(table, r, c, base, width, cursor, hover)
                    table._update_count += 1
                    assert ours == theirs, (QUICK_CELLS[r], width, cursor, hover)
                    _, cells = table._get_row_renderables(r)
                    options = app.console_options
                    quick += quick_cell(app.console, options, cells[c], width, table.cell_padding, base, base) is not None
        assert quick > len(QUICK_CELLS) * len(widths) * 4 * 2 // 3  # most cells take the quick way
        # A whole paint: the same lines as the DataTable's.
        table._clear_caches()
        ours_lines = [s.text for s in table.render_lines(Region(0, 0, table.size.width, table.size.height))]
        table._clear_caches()
        table._update_count += 1
        theirs_lines = [s.text for s in DataTable.render_lines(table, Region(0, 0, table.size.width, table.size.height))]
        assert ours_lines == theirs_lines and "FAIL" in "".join(ours_lines)
