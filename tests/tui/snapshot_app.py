"""The app the snapshot tests drive: the one factory, the fixed test estate, fixed options.

Kept apart from the tests (as posting's snapshot app is) so that the screens a baseline shows
are built in exactly one way, and so ``textual run tests/tui/snapshot_app.py`` opens the same
app by hand when a baseline needs looking at.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.worker import WorkerState

from tests.tui.builders import mendix_estate
from tests.tui.pilot_keys import type_text
from tui.app import TuiOptions, VnetplanApp, create_app
from tui.widgets.tabs.home import HomeView

#: The terminal sizes snapshots are taken at: the smallest usable, the comfortable one, a large one.
SMALL, SIZE, LARGE = (80, 24), (120, 40), (160, 48)


def snapshot_app(theme: str = "textual-dark") -> VnetplanApp:
    return create_app(mendix_estate(), TuiOptions(source="tests/tui/builders.py", theme=theme))


def home_tables_measured(pilot: Pilot[int]) -> bool:
    """Every Home table on screen has measured itself (a DataTable does so when idle). The screen
    looks the same before (home.py sizes them when it fills them), but the SVG's segments differ."""
    for home in pilot.app.screen_stack[0].query(HomeView):
        for table in home.query(DataTable):
            header = table.header_height if table.show_header else 0
            if table.display and table.virtual_size.height != table.row_count + header:
                return False
    return True


def quiescent(pilot: Pilot[int]) -> bool:
    """Nothing is queued or owed: no widget has a message waiting (e.g. a Resize a table has not
    handled yet) and the screen owes no layout, scroll or repaint."""
    app = pilot.app
    screen = app.screen
    nodes = [app, *app.screen_stack, *screen.walk_children(with_self=False)]
    if any(node.message_queue_size for node in nodes):
        return False
    return not (screen._layout_required or screen._scroll_required or screen._repaint_required
                or screen._recompose_required or screen._dirty_widgets)  # fmt: skip


def repaint_tables(pilot: Pilot[int]) -> None:
    """Have every DataTable draw its lines afresh at the size it has now.

    A DataTable caches each row's segments without its width, and its Resize handler does not
    repaint: a row drawn at the width a table had just before the pane's scrollbar appeared
    (when its Resize was still queued) is then kept at the new width. It shows the same text and
    colours, but its segments differ (the fill at the right edge is missing), so a screenshot
    depended on whether a frame was drawn in that moment. After a repaint it never does."""
    for screen in pilot.app.screen_stack:
        for table in screen.query(DataTable):
            table.refresh()


async def ready(pilot: Pilot[int], measured: bool = True) -> None:
    """Wait until every start-up worker has posted its result and the screen has redrawn.

    Some workers start when another one's result arrives (the home screen fills in as analyses
    finish), so wait until redraws leave no worker unfinished, the Home tab computing nothing,
    (``measured``) its tables measured, and nothing queued or owed (:func:`quiescent`), four
    times in a row; then repaint the tables (:func:`repaint_tables`) and wait for that once."""
    settled, repainted = 0, False
    for _ in range(200):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers)
        # A worker's result is a message: the Home tab has shown it only once it no longer says "computing".
        busy = busy or any(v is None for h in pilot.app.screen_stack[0].query(HomeView) for v in h.sections.values())
        busy = busy or (measured and not home_tables_measured(pilot))
        busy = busy or not quiescent(pilot)
        settled = 0 if busy else settled + 1
        if repainted and settled:
            return
        if settled == 4:
            repaint_tables(pilot)
            settled, repainted = 0, True
    raise AssertionError("the TUI's workers never settled")


async def pick(pilot: Pilot[int], name: str) -> None:
    """Filter the tree to ``name`` and put the cursor on the first match."""
    await pilot.press("slash")
    await type_text(pilot, name)
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press("down", "up")
    await pilot.pause()


app = snapshot_app()
