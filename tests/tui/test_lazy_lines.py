"""The Details pane draws a hub's long tables chunk by chunk (tui/widgets/lazy.py): every line it
draws must be the line Rich draws for the whole table, at any width, filtered or not - the same
characters in the same styles (rows drawn as one line of text may split them into other runs)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from rich.console import Console, Group
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import _Styled

from netplan.estate import Estate
from tests.unit.builders import EstateBuilder
from tui.widgets.details.vnet_details import attached_index, bounded_table, render_vnet
from tui.widgets.lazy import CHUNK, LineDocument, _TableBlock, chunkable


def hub_estate(spokes: int) -> Estate:
    b = EstateBuilder()
    b.vnet("vnet-hub", ["10.0.0.0/16"], rg="rg-hub", subnets={f"sn-{i:02d}": f"10.0.{i}.0/24" for i in range(40)})
    for i in range(spokes):
        # Names of varying length: the widest cell decides the column's width.
        b.vnet(f"spoke-{i:03d}{'-long-name' * (i % 4)}", [f"10.{100 + i // 256}.{i % 256}.0/24"], rg="rg-spokes")
        b.peer("vnet-hub", f"spoke-{i:03d}{'-long-name' * (i % 4)}")
    b.peer("vnet-hub", "/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/virtualNetworks/gone")
    return b.estate()


def whole(console: Console, renderable: Group, width: int, style: Style) -> list[list[Segment]]:
    segments = console.render(_Styled(renderable, style, None), console.options.update(highlight=False, width=width))
    return [same(line) for line in Segment.split_and_crop_lines(segments, width, include_new_lines=False, pad=False)]


def same(line: Iterable[Segment]) -> list[Segment]:
    """The line's characters and styles (neighbouring runs of one style joined)."""
    return list(Segment.simplify(line))


@pytest.mark.parametrize("width", [150, 97, 61, 33, 14])
@pytest.mark.parametrize("needle", ["", "spoke-1", "nothing-matches"])
def test_chunked_lines_are_the_lines_of_the_whole_render(width: int, needle: str) -> None:
    estate = hub_estate(230)
    hub = next(v for v in estate.vnets if v.name == "vnet-hub")
    group = render_vnet(estate, hub, frozenset({"peering"}), attached_index(estate), needle)
    assert isinstance(group, Group)
    console = Console(width=200, color_system="truecolor", force_terminal=True)
    style = Style(color="white", bgcolor="black")
    doc = LineDocument(group, console, console.options.update(highlight=False), width,
                       lambda r: _Styled(r, style, None))  # fmt: skip
    expected = whole(console, group, width, style)
    assert doc.height == len(expected)
    # Read from the bottom up, so chunks are made out of order, as a scroll to the end makes them.
    got = {y: same(doc.line(y) or []) for y in reversed(range(doc.height))}
    assert [got[y] for y in range(doc.height)] == expected
    if not needle:
        assert any(chunkable(t) for t in group.renderables if isinstance(t, Table))  # the case is covered
    quick = [block.divider is not None for _, block in doc.blocks if isinstance(block, _TableBlock)]
    # Wide panes draw the rows as lines of text; a column narrower than its padding, Rich's way.
    if quick:
        assert any(quick) if width >= 97 else not all(quick)


def test_short_tables_and_cells_of_several_lines_are_drawn_whole() -> None:
    rows: list[tuple[str | Text, ...]] = [(f"row {i}", "x") for i in range(CHUNK + 5)]
    assert chunkable(bounded_table("Long", ("a", "b"), rows))
    assert not chunkable(bounded_table("Short", ("a", "b"), rows[:CHUNK]))
    assert not chunkable(bounded_table("Two lines", ("a", "b"), [*rows, ("first\nsecond", "x")]))
