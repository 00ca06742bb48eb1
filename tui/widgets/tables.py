"""Filling a DataTable with many rows at once, for the tables the analyses fill on the UI thread.

``DataTable.add_row`` re-checks the cursor through its reactive machinery and sorts the columns on
every row, and the table then measures every cell of every new row when it is next idle, even in
columns of a fixed width, where the measure is not used. The Home table (up to 800 rows, filled
again as each analysis reports) and the Findings table (500 rows) spent a quarter of a second of
the UI thread on that on the 10k estate, in the middle of whatever key was pressed then.

:func:`add_rows` puts the rows in the table's own structures as ``add_row`` does, checks the
cursor once, and leaves out of the measuring the rows whose every column has a fixed width (the
table's size still follows: its dimensions are updated when idle, as after ``add_row``). In
columns sized by their content it works out the width of text cells itself (:func:`cell_width`:
the widest line, as the table's measure finds it) instead of leaving them to the table's measure,
which renders each cell's measure through Rich's console options (the Findings table's 2,500
cells: 0.2 s of the UI thread when the audit arrived, on the 10k estate). The table shows exactly
what ``add_row`` would have made it show (``tests/tui/test_tables.py``). Textual versions whose
DataTable lacks the structures used here get ``add_row`` row by row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any

from rich.cells import cell_len
from rich.errors import MarkupError
from rich.protocol import is_renderable
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets._data_table import DuplicateKey, Row, RowKey

#: The DataTable attributes add_rows writes (the ones add_row writes).
_INTERNALS = ("_row_locations", "_data", "rows", "_new_rows", "_require_update_dimensions", "_update_count")


def cell_width(cell: Any) -> int | None:
    """The width the DataTable measures ``cell`` at in a row one line high (the widest line of the
    text it shows), or None when only its measure can tell (a renderable other than text, a string
    of several lines, markup that does not parse)."""
    if cell is None:
        return 0
    if isinstance(cell, Text):
        plain = cell.plain
    elif isinstance(cell, str):
        # The table reads a string as markup (emoji codes included) and, in a row one line high,
        # keeps its first line only: a string of several lines is left to it.
        if "\n" in cell:
            return None
        if "[" in cell or ":" in cell:
            try:
                plain = Text.from_markup(cell).plain
            except MarkupError:
                return None
        else:
            plain = cell
    elif isinstance(cell, float):
        plain = f"{cell:.2f}"
    elif not is_renderable(cell):
        plain = str(cell)
        if "\n" in plain:
            return None
    else:
        return None
    return max(map(cell_len, plain.splitlines()), default=0)


def add_rows(table: DataTable[Any], rows: Iterable[tuple[Sequence[Any], str]]) -> None:
    """Append ``rows`` (cells, key) to ``table``: one line each, no label, as ``add_row`` would."""
    if not all(hasattr(table, name) for name in _INTERNALS):
        for cells, key in rows:
            table.add_row(*cells, key=key)
        return
    columns = table.ordered_columns
    keys = [c.key for c in columns]
    measured = [c for c in columns if c.auto_width]
    measure = bool(measured)
    was_empty = table.row_count == 0
    index = table.row_count
    for cells, key in rows:
        row_key = RowKey(key)
        if row_key in table._row_locations:
            raise DuplicateKey(f"The row key {row_key!r} already exists.")
        if len(cells) > len(keys):
            raise ValueError("More values provided than there are columns.")
        table._row_locations[row_key] = index
        table._data[row_key] = dict(zip_longest(keys, cells))
        table.rows[row_key] = Row(row_key, 1, None, False)
        if measure:
            widths = [cell_width(cell) for cell, column in zip_longest(cells, columns) if column.auto_width]
            if None in widths:
                table._new_rows.add(row_key)  # measured by the table when idle
            else:
                for column, width in zip(measured, widths, strict=True):
                    if width is not None and width > column.content_width:
                        column.content_width = width
        index += 1
    table._require_update_dimensions = True
    table.cursor_coordinate = table.cursor_coordinate
    if was_empty and table.row_count and columns and table.show_cursor and table.cursor_type != "none":
        table._highlight_cursor()
    table._update_count += 1
    table.check_idle()
