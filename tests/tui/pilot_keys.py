"""Typing text into the focused widget as one burst of key events.

``pilot.press(*"some text")`` waits for the whole screen to settle after every character (two
idle waits of at least 20 ms each, and a layout and redraw of every change), which makes typing a
name cost about a second of a test's time. A user pasting or typing fast sends the same key events
back to back; the app handles each one in order all the same (each character reaches the focused
Input, which posts its Changed message), and the screen settles once at the end.

Only characters for a widget that already has the focus go through here: a key that moves the
focus (``slash``, ``i``, a tab number) is pressed with ``pilot.press``, because Textual applies a
focus change after the keys already queued.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.keys import _character_to_key
from textual.pilot import Pilot


def key_event(char: str) -> events.Key:
    """The key event a terminal sends for one printable character (as ``App._press_keys`` makes it)."""
    assert len(char) == 1 and char.isprintable(), char
    return events.Key(_character_to_key(char), char)


async def type_text(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` into the focused widget as one burst, then wait until the screen settled."""
    app = pilot.app
    driver = app._driver
    assert driver is not None
    for char in text:
        event = key_event(char)
        event.set_sender(app)
        driver.send_message(event)
    await pilot.pause()


class Typed(str):
    """Text among key names (``press(pilot, "slash", Typed("10.20.1.10"), "enter")``): typed as
    one burst by :func:`press`."""


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """``pilot.press`` for key names, :func:`type_text` for each :class:`Typed` text, in order."""
    for key in keys:
        if isinstance(key, Typed):
            await type_text(pilot, key)
        else:
            await pilot.press(key)
