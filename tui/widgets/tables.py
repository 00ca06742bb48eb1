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

:class:`QuickTable` is a DataTable that works out its styles once per paint: drawing a line, the
DataTable asks for its own Rich style and its header's, and each time Textual combines them anew
through every ancestor's CSS (a third of the time of drawing the Home table's 42 lines). Within one
paint (one ``render_lines``, with no await in it) the CSS cannot change, so the first answer is
kept until the paint ends. It also draws a cell of one line of plain text (a Text without spans,
which is what every cell of the Home, Findings and Overlaps tables is, strings included) by
cutting its text to the column as Rich would, instead of through Rich's padding, rendering and
line splitting (:func:`quick_cell`). The same lines: the Home table's 42 lines on the 10k estate
take 30-55 ms of CPU instead of 45-90 ms (both changes together; the machine was shared).
``tests/tui/test_tables.py`` compares every cell with the DataTable's own drawing, in every state
(cursor, hover, zebra, widths down to one column), and the snapshot tests draw every table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any, cast

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions
from rich.errors import MarkupError
from rich.protocol import is_renderable
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.css.styles import RenderStyles
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets._data_table import CellCacheKey, DuplicateKey, Row, RowKey

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


class _PaintStyles:
    """A component's styles during one paint: its Rich style worked out once, the rest as is."""

    def __init__(self, styles: RenderStyles) -> None:
        self._styles = styles
        self.rich_style = styles.rich_style

    def __getattr__(self, name: str) -> Any:
        return getattr(self._styles, name)


class QuickTable(DataTable[Any]):
    """A DataTable whose styles are worked out once per paint (see the module)."""

    _paint: dict[tuple[str, ...], Any] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._paint = {}
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    @property
    def rich_style(self) -> Style:
        paint = self._paint
        if paint is None:
            return super().rich_style
        style = paint.get(())
        if style is None:
            style = paint[()] = super().rich_style
        return cast(Style, style)

    def get_component_styles(self, *names: str) -> RenderStyles:
        paint = self._paint
        if paint is None:
            return super().get_component_styles(*names)
        styles = paint.get(names)
        if styles is None:
            styles = paint[names] = _PaintStyles(super().get_component_styles(*names))
        return cast(RenderStyles, styles)

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False) -> list[list[Segment]]:  # fmt: skip
        if row_index < 0 or column_index < 0 or row_index < self.fixed_rows or column_index < self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        row = self.rows.get(row_key) if row_key is not None else None
        if row_key is None or row is None or row.height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        column_key = self._column_locations.get_key(column_index)
        if column_key is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        cache_key: CellCacheKey = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
                                   self._update_count, self._pseudo_class_state)  # fmt: skip
        lines = self._cell_render_cache.get(cache_key)
        if lines is not None:
            return lines
        _, cells = self._get_row_renderables(row_index)
        cell = cells[column_index]
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )  # fmt: skip
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        console = self.app.console
        options = self.app.console_options
        quick = quick_cell(console, options, cell, width, self.cell_padding, pre_style, post_style)
        if quick is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        self._cell_render_cache[cache_key] = quick
        return quick


def quick_cell(console: Console, options: ConsoleOptions, cell: Any, width: int, padding: int, pre_style: Style,
               post_style: Style) -> list[list[Segment]] | None:  # fmt: skip
    """A DataTable cell one line high, as the table draws it (``Styled(Padding(cell, (0, padding)),
    pre_style, post_style)`` rendered at ``width``, one line, no wrap), when ``cell`` is one line of
    plain text (a Text without spans, tabs or line breaks, cut or folded at its end); None otherwise."""
    if not isinstance(cell, Text) or cell._spans or cell.no_wrap is False:
        return None
    plain = cell.plain
    if "\n" in plain or "\t" in plain or "\r" in plain:
        return None
    justify = cell.justify or options.justify or "default"
    overflow = cell.overflow or options.overflow or "fold"
    inner = width - 2 * padding
    if justify not in ("default", "left") or overflow == "ignore" or inner < 1:
        return None
    # Text.wrap (no wrap): justified left, padded with spaces of the text's own style; then cut.
    length = cell_len(plain)
    if length > inner:
        plain = set_cell_size(plain, inner - 1) + "…" if overflow == "ellipsis" else set_cell_size(plain, inner)
    elif justify == "left" and length < inner:
        plain += " " * (inner - length)
    # Text.render of the line (its style a span of the joined lines), then its end.
    text: list[Segment] = []
    if cell.style:
        if plain:
            get = console.get_style
            text.append(Segment(plain, Style.combine([get("", default=Style.null()),
                                                      get(cell.style, default=Style.null())])))  # fmt: skip
    else:
        text.append(Segment(plain))
    # Padding: the line padded to the inner width with Padding's style (none), then the padding.
    pad_style = console.get_style("none")
    if pad_style:
        return None  # a theme that styles "none": Rich applies it to the text too
    if text or cell.end:
        used = sum(seg.cell_length for seg in text)
        if used < inner:
            text.append(Segment(" " * (inner - used), pad_style))
    else:
        text.append(Segment(" " * inner, pad_style))  # no line at all: render_lines adds a blank one
    if padding:
        text = [Segment(" " * padding, pad_style), *text, Segment(" " * padding, pad_style)]
    return [list(Segment.apply_style(text, pre_style, post_style))]
