"""A Static that draws only the lines on screen: long Rich tables are rendered in chunks of rows.

Textual renders a Static's whole renderable to know its height, and again to draw it. The Details
of a hub VNet hold tables of hundreds of rows (bounded at 200 each); rendering them all through
Rich took most of a second on every selection. :class:`LazyStatic` keeps the same content (tests
and snapshots read it as before) but lays it out as a :class:`LineDocument`: each part of a
``Group`` is rendered on its own, and a long table is cut into chunks of :data:`CHUNK` rows that
share the column widths of the whole table (measured once, from the widest cell of each column),
so its height is known without rendering it and only the chunks that scroll into view are drawn.
The lines are the ones Rich draws for the whole table (``tests/tui/test_lazy_lines.py``).
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from rich._pick import pick_bool
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.strip import Strip
from textual.widgets import Static

#: Rows rendered at a time for a long table (a screen or so).
CHUNK = 16


def _lines(console: Console, options: ConsoleOptions, renderable: RenderableType, width: int) -> list[Strip]:
    segments = console.render(renderable, options)
    return [Strip(line) for line in Segment.split_and_crop_lines(segments, width, include_new_lines=False, pad=False)]


def _cell_text(cell: Any) -> str | None:
    """The text of a cell whose rendering is one line and measured by its text; None otherwise."""
    text = cell.plain if isinstance(cell, Text) else cell if isinstance(cell, str) else None
    if text is None or "\n" in text or (isinstance(cell, str) and "[" in text):
        return None  # another renderable, several lines, or console markup: rendered as a whole
    return text


def chunkable(table: Table) -> bool:
    """True when every row of ``table`` is one line (cut, never wrapped) and nothing else in the
    table depends on the rows around it, so chunks of rows draw the same lines as the whole."""
    if (table.show_lines or table.show_footer or table.leading or table.row_styles or table.width is not None
            or not all(c.no_wrap for c in table.columns) or len(table.rows) <= CHUNK):  # fmt: skip
        return False
    return all(_cell_text(cell) is not None for c in table.columns for cell in c._cells)


class _TableBlock:
    """A long table: its title and header rendered now, its rows chunk by chunk as they are shown."""

    def __init__(self, table: Table, console: Console, options: ConsoleOptions, width: int, wrap: Any,
                 extremes: list[list[Any]]) -> None:  # fmt: skip
        self.table, self.console, self.wrap = table, console, wrap
        extra = table._extra_width
        # The widths Rich gives the whole table: measuring is by each column's widest text and
        # longest word, so a table of those two cells per column measures the same.
        proxy = copy.copy(table)
        proxy.columns = [replace(c, _cells=cells) for c, cells in zip(table.columns, extremes, strict=True)]
        proxy.rows = table.rows[:2]
        self.widths = proxy._calculate_column_widths(console, options.update_width(width - extra))
        self.options = options.update(width=sum(self.widths) + extra, highlight=table.highlight, height=None)
        self.width = width
        # The title and the header now; no row until a line of it is asked for (a layout asks
        # only the height, and the pane is laid out at two widths when its scrollbar appears).
        self.head = self._annotation(table.title, table.title_style, "table.title", table.title_justify)
        if table.show_header:
            self.head += self._rows(0, 0, header=True)
        self.chunks: dict[int, list[Strip]] = {}
        self.divider = self._plain_divider()
        self.tail = self._annotation(table.caption, table.caption_style, "table.caption", table.caption_justify)
        self.rows_at = len(self.head)
        self.height = self.rows_at + len(table.rows) + len(self.tail)

    @staticmethod
    def extremes(cells: list[Any]) -> list[Any]:
        if not cells:
            return []
        texts = [(_cell_text(c) or "") for c in cells]
        widest = max(range(len(cells)), key=lambda i: cell_len(texts[i]))
        wordiest = max(range(len(cells)), key=lambda i: max((cell_len(w) for w in texts[i].split()), default=0))
        return [cells[widest], cells[wordiest]]

    def _annotation(self, text: Any, style: Any, default: str, justify: Any) -> list[Strip]:
        if not text:
            return []
        rendered = (self.console.render_str(text, style=Style.pick_first(style, default), highlight=False)
                    if isinstance(text, str) else text)  # fmt: skip
        return _lines(self.console, self.options.update(justify=justify), self.wrap(rendered), self.width)

    def _rows(self, a: int, b: int, header: bool = False) -> list[Strip]:
        """The lines of rows ``a`` to ``b`` (the header's alone with ``header``), as in the whole table."""
        t = self.table
        part = copy.copy(t)
        part.columns = [replace(c, _cells=c._cells[a:b]) for c in t.columns]
        part.rows = t.rows[a:b]
        part.show_header = header
        part.title = part.caption = None

        class _Body:
            def __rich_console__(self, console: Console, options: ConsoleOptions) -> Any:
                return part._render(console, options, self_widths)

        self_widths = self.widths
        return _lines(self.console, self.options, self.wrap(_Body()), self.width)

    def _plain_divider(self) -> Segment | None:
        """The column divider of the rows when a row can be drawn as one line of text (see
        :meth:`_row_line`): left-justified columns, no edge, a visible divider that is the same
        character on every row, every column wider than its padding; None otherwise (the rows
        are rendered by Rich's table)."""
        t = self.table
        if t.show_edge or t.box is None or t.padding != (0, 1, 0, 1) or t.collapse_padding or t.pad_edge:
            return None
        get_style = self.console.get_style
        if any(c.justify != "left" or get_style(c.style or "") or c.vertical != "top" for c in t.columns):
            return None
        if get_style(t.style or "") or t.row_styles:
            return None
        if any(r.style or r.end_section for r in t.rows):
            return None
        last = len(self.widths) - 1
        if any(w < (i > 0) + (i < last) + 1 for i, w in enumerate(self.widths)):
            return None  # a column narrower than its padding: Rich's table decides what shows
        box = t.box.substitute(self.options, safe=pick_bool(t.safe_box, self.console.safe_box)).get_plain_headed_box()
        if len({box.head_vertical, box.mid_vertical, box.foot_vertical}) != 1 or not box.mid_vertical.strip():
            return None
        return Segment(box.mid_vertical, get_style(t.border_style or ""))

    def _row_line(self, r: int) -> Text:
        """Row ``r`` as one line of text: each cell cut or padded to its column's width as Rich's
        table does it (left-justified, no wrap), one space of padding between cells, the divider."""
        t, console, divider = self.table, self.console, self.divider
        assert divider is not None
        out = Text(no_wrap=True, overflow="crop")
        last = len(t.columns) - 1
        for i, (column, width) in enumerate(zip(t.columns, self.widths, strict=True)):
            cell = column._cells[r]
            text = cell.copy() if isinstance(cell, Text) else console.render_str(str(cell), highlight=False)
            left, right = (0 if i == 0 else 1), (0 if i == last else 1)
            inner = max(0, width - left - right)
            overflow = text.overflow or column.overflow or "fold"
            if text.justify not in (None, "left", "default"):
                raise ValueError("a cell justified other than left")  # chunkable tables have none
            text.truncate(inner, overflow=overflow, pad=True)
            text.truncate(inner, overflow=overflow)
            if left:
                out.append(" ")
            out.append_text(text)
            if right:
                out.append(" ")
            if i != last:
                out.append(divider.text, divider.style)
        return out

    def _rows_quick(self, a: int, b: int) -> list[Strip]:
        """Rows ``a`` to ``b`` drawn as lines of text (:meth:`_row_line`): the same cells and styles
        as Rich's table draws them, at a tenth of its cost (it lays out each cell as a block)."""
        rows = [self._row_line(r) for r in range(a, min(b, len(self.table.rows)))]
        return _lines(self.console, self.options, self.wrap(Group(*rows)), self.width)

    def line(self, y: int) -> Strip:
        if y < len(self.head):
            return self.head[y]
        if y >= self.height - len(self.tail):
            return self.tail[y - (self.height - len(self.tail))]
        row = y - self.rows_at
        k = row // CHUNK
        if k not in self.chunks:
            a, b = k * CHUNK, (k + 1) * CHUNK
            self.chunks[k] = self._rows_quick(a, b) if self.divider is not None else self._rows(a, b)
        return self.chunks[k][row - k * CHUNK]


def _memo(memo: dict[int, Any], table: Table) -> bool:
    """True when ``table`` is drawn chunk by chunk; its columns' extreme cells kept in ``memo``."""
    entry = memo.get(id(table))
    if entry is None or entry[0] is not table:  # (the table is kept: an ID is never another's)
        entry = memo[id(table)] = (table, [_TableBlock.extremes(c._cells) for c in table.columns]
                                   if chunkable(table) else None)  # fmt: skip
    return entry[1] is not None


class LineDocument:
    """A renderable laid out at one width: lines rendered now, or (long tables) when asked."""

    def __init__(self, renderable: RenderableType, console: Console, options: ConsoleOptions, width: int,
                 wrap: Any = lambda r: r, memo: dict[int, Any] | None = None) -> None:  # fmt: skip
        parts = list(renderable.renderables) if isinstance(renderable, Group) else [renderable]
        # What does not depend on the width, per table: the same content is laid out at two
        # widths as the pane's scrollbar appears (its cells were scanned at each).
        memo = {} if memo is None else memo
        self.blocks: list[tuple[int, list[Strip] | _TableBlock]] = []
        y = 0
        for part in parts:
            block: list[Strip] | _TableBlock = (
                _TableBlock(part, console, options, width, wrap, memo[id(part)][1])
                if isinstance(part, Table) and _memo(memo, part)
                else _lines(console, options.update_width(width), wrap(part), width)
            )  # fmt: skip
            self.blocks.append((y, block))
            y += block.height if isinstance(block, _TableBlock) else len(block)
        self.height = y

    def line(self, y: int) -> Strip | None:
        for start, block in reversed(self.blocks):
            if y >= start:
                if isinstance(block, _TableBlock):
                    return block.line(y - start) if y - start < block.height else None
                return block[y - start] if y - start < len(block) else None
        return None


class LazyStatic(Static):
    """A Static whose Rich content is drawn line by line as it scrolls into view (see the module)."""

    _document: tuple[Any, LineDocument] | None = None
    #: Per table of the content, what its layout at any width reuses (see LineDocument).
    _memo: dict[int, Any] | None = None

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        self._document = None
        self._memo = {}
        super().update(content, layout=layout)

    def _laid_out(self, width: int) -> LineDocument:
        style = self.visual_style.rich_style
        key = (width, style, self.app.console_options.max_height)
        if self._document is None or self._document[0] != key:
            console = self.app.console
            options = self.app.console_options.update(highlight=False)
            content = self.content
            assert isinstance(content, Group | Table)  # _lazy()
            if self._memo is None:
                self._memo = {}
            doc = LineDocument(content, console, options, width, lambda r: self.post_render(r, style), self._memo)
            self._document = (key, doc)
        return self._document[1]

    def _lazy(self) -> bool:
        # Text and strings are Textual Content (wrapped by Textual's rules): drawn as a Static.
        return isinstance(self.content, Group | Table)

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        if not width or not self._lazy():
            return super().get_content_height(container, viewport, width)
        return self._laid_out(width).height

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if not width or not self._lazy():
            return super().render_line(y)
        line = self._laid_out(width).line(y)
        return line if line is not None else Strip.blank(width, self.visual_style.rich_style)
