"""Starting background work costs nothing per keystroke beyond the work itself.

Textual describes a worker, by default, with repr() of its arguments; repr() of an Estate walks
every resource (seconds on 10,000 VNets), and the TUI starts a worker on every cursor move (the
selected VNet's traffic). The app names each worker itself, so the estate is never turned into text.
"""

from __future__ import annotations

import pytest

from netplan.estate import Estate
from tests.tui.test_pilot import make, pick, settle


async def test_the_analyses_and_a_cursor_move_never_render_the_estate_as_text(
    estate: Estate, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def counting_repr(self: Estate) -> str:
        calls.append(1)
        return "Estate(...)"

    monkeypatch.setattr(Estate, "__repr__", counting_repr)
    app = make(estate)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)  # the start-up analyses ran in a worker
        await pick(app, pilot, "spoke1")  # a selection starts the traffic worker
        await settle(app, pilot)
        assert app.main.selected is not None
    assert calls == []
