"""Every key the main screen and the app bind is listed in docs/tui.md and in the help screen."""

from __future__ import annotations

from pathlib import Path

from tui.app import VnetplanApp
from tui.screens.help import HELP
from tui.screens.main import TABS, MainScreen

DOC = (Path(__file__).resolve().parents[2] / "docs" / "tui.md").read_text(encoding="utf-8")
SHOWN = {"slash": "/", "question_mark": "?", "f1": "F1", "escape": "Escape"}


def bound_keys() -> set[str]:
    keys: set[str] = set()
    for b in [*MainScreen.BINDINGS, *VnetplanApp.BINDINGS]:
        keys.update(k.strip() for k in b.key.split(","))  # type: ignore[union-attr]
    return keys


def help_keys() -> set[str]:
    """The keys in the first column of the help screen's key table (``n / N``, ``? or F1``)."""
    out: set[str] = set()
    for line in HELP.splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        tokens = line.split("|")[1].split()
        out.update(tokens if len(tokens) == 1 else (t for t in tokens if t not in ("/", "or")))
    return out


def test_every_bound_key_is_in_the_docs_and_the_help() -> None:
    keys = bound_keys()
    assert {"n", "N", "j", "k", "i", "r", "p", "w", "a", "v", "s", "R", "b", "slash", "ctrl+t", "q"} <= keys
    tabs = {str(i) for i in range(1, len(TABS) + 1)}
    assert tabs <= keys and f"`1` … `{len(TABS)}`" in DOC and f"1 … {len(TABS)}" in HELP
    for key in sorted(keys - tabs):
        shown = SHOWN.get(key, key)
        assert f"`{shown}`" in DOC, f"docs/tui.md does not list the key {shown}"
        assert shown.lower() in {k.lower() for k in help_keys()}, f"the help screen does not list the key {shown}"
