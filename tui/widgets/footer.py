"""The footer, rebuilt only when what it shows changes.

Textual's Footer recomposes its keys (a widget each, styled anew) whenever the focused widget
changes, even when the keys it shows stay the same: moving from the tree to the filter, to a tab's
table and back cost a tenth of a second each on top of the keypress. :class:`KeysFooter` compares
the keys it would show (key, label, action, enabled, tooltip, group) with those it shows, and
recomposes only when they differ.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeysFooter(Footer):
    """A Footer that skips recomposing when the keys it shows did not change."""

    _shown: tuple[Any, ...] | None = None

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
