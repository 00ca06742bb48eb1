"""The app the snapshot tests drive: the one factory, the fixed test estate, fixed options.

Kept apart from the tests (as posting's snapshot app is) so that the screens a baseline shows
are built in exactly one way, and so ``textual run tests/tui/snapshot_app.py`` opens the same
app by hand when a baseline needs looking at.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.worker import WorkerState

from tests.tui.builders import mendix_estate
from tui.app import TuiOptions, VnetplanApp, create_app

#: The terminal sizes snapshots are taken at: the smallest usable, the comfortable one, a large one.
SMALL, SIZE, LARGE = (80, 24), (120, 40), (160, 48)


def snapshot_app(theme: str = "textual-dark") -> VnetplanApp:
    return create_app(mendix_estate(), TuiOptions(source="tests/tui/builders.py", theme=theme))


async def ready(pilot: Pilot[int]) -> None:
    """Wait until every start-up worker has posted its result and the screen has redrawn.

    Some workers start when another one's result arrives (the home screen fills in as analyses
    finish), so wait until redraws leave no worker unfinished, four times in a row (a table shown
    late needs a few more refreshes to lay out its rows)."""
    settled = 0
    for _ in range(200):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers)
        settled = 0 if busy else settled + 1
        if settled == 4:
            return
    raise AssertionError("the TUI's workers never settled")


async def pick(pilot: Pilot[int], name: str) -> None:
    """Filter the tree to ``name`` and put the cursor on the first match."""
    await pilot.press("slash", *name, "enter")
    await pilot.pause()
    await pilot.press("down", "up")
    await pilot.pause()


app = snapshot_app()
