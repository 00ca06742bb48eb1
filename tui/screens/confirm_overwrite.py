"""Ask before a file is replaced: Save plan, Save intent and Apply never overwrite without a yes.

A modal naming the file, its size and when it was last changed, and what would replace it. It
dismisses with ``True`` only on the "Overwrite" button (clicked, or Tab to it and Enter); Cancel
has the focus when it opens, so an Enter typed by habit keeps the file, and Escape or ``n`` keep
it too. The app asks only when the file exists with other content: writing the same bytes again
loses nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


def would_lose_data(path: str, text: str) -> bool:
    """True when writing ``text`` at ``path`` would replace something else (a file with other content,
    or anything that is not a regular file: the write then fails with its own one-line error)."""
    p = Path(path)
    try:
        if not p.is_file():
            return False
        return p.read_text(encoding="utf-8") != text
    except (OSError, UnicodeDecodeError):
        return True


class ConfirmOverwriteScreen(ModalScreen[bool]):
    """Dismisses with True (overwrite) or False (keep the file)."""

    BINDINGS = [Binding("escape,n", "keep", "Keep the file")]

    def __init__(self, path: str, what: str) -> None:
        super().__init__()
        self.path = path
        #: What would replace the file, in words ("plan 7f3c…", "the intent").
        self.what = what

    def compose(self) -> ComposeResult:
        p = Path(self.path)
        head = Text(f"{p} already exists\n", style="bold")
        try:
            st = p.stat()
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(st.st_mtime))
            head.append(f"{st.st_size} bytes, last changed {when}\n", style="dim")
        except OSError:
            pass
        head.append(f"Replace it with {self.what}? Its current content would be lost.\n")
        head.append("Keep it to choose another path (the path box beside the button).", style="dim")
        with Vertical(id="overwrite-box"):
            yield Static(head, id="overwrite-summary")
            with Horizontal(id="overwrite-buttons"):
                yield Button("Keep the file", id="overwrite-keep")
                yield Button("Overwrite", id="overwrite-yes", variant="error")

    def on_mount(self) -> None:
        # Keep first: an Enter typed by habit must not destroy a file.
        self.query_one("#overwrite-keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "overwrite-yes")

    def action_keep(self) -> None:
        self.dismiss(False)
