"""The footer, rebuilt only for keys it has not shown before.

Textual's Footer recomposes its keys (a widget each, styled anew) whenever the focused widget
changes, even when the keys it shows stay the same; and when they do change, as between the tree
and the filter box (which takes the letter keys), it builds every key widget again: a quarter of a
second of the UI thread, paid by ``/`` and again by the Enter that leaves the filter.
:class:`KeysFooter` compares the keys it would show (key, label, action, enabled, tooltip, group)
with those it shows and does nothing when they are the same; a set of keys it has shown before is
kept, hidden, and shown again instead of being rebuilt (a few sets: the tree's, a text box's, a
table's).
"""

from __future__ import annotations

from typing import Any

from textual.compose import compose
from textual.containers import HorizontalGroup
from textual.screen import Screen
from textual.widgets import Footer

#: Key sets kept (hidden) for reuse; the least recently shown goes beyond this.
KEPT_SETS = 8


class KeySet(HorizontalGroup):
    """The key widgets of one set of bindings, as Textual's Footer composes them."""

    DEFAULT_CSS = """
    KeySet {
        width: 1fr;
        height: 1;
    }
    """


class KeysFooter(Footer):
    """A Footer that composes each set of keys once and switches between them."""

    _shown: tuple[Any, ...] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: signature -> its KeySet, least recently shown first
        self._sets: dict[tuple[Any, ...], KeySet] = {}

    def _signature(self, screen: Screen[Any]) -> tuple[Any, ...]:
        active = screen.active_bindings
        keys = tuple(
            (b.key, b.key_display, b.description, b.action, enabled, tooltip, id(b.group))
            for (_, b, enabled, tooltip) in active.values() if b.show
        )  # fmt: skip
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        return keys, self.show_command_palette, None if palette is None else palette[2], self.compact

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if self._bindings_ready and screen.app.app_focus and self.is_attached and screen is self.screen:
            signature = self._signature(screen)
            if signature == self._shown:
                return
            self._shown = signature
        super().bindings_changed(screen)

    async def recompose(self) -> None:
        """Show the KeySet of the screen's bindings now, composing it only the first time."""
        if not self.is_attached or self._pruning or not self._bindings_ready:
            return
        signature = self._signature(self.screen)
        self._shown = signature
        keys = self._sets.pop(signature, None)
        async with self.batch():
            for other in self._sets.values():
                other.display = False
            if keys is None:
                keys = KeySet(*compose(self))
                await self.mount(keys)
            keys.display = True
            self._sets[signature] = keys
            while len(self._sets) > KEPT_SETS:
                oldest = next(iter(self._sets))
                await self._sets.pop(oldest).remove()
