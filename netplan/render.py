"""Plain-text rendering for the CLI: aligned tables and optional colour.

Colour only when stdout is a terminal and ``NO_COLOR`` is unset (https://no-color.org), so piped
output and golden files stay plain.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

_COLORS = {
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
    "dim": "2",
    "bold": "1",
}

SEVERITY_COLORS = {
    "critical": "red",
    "error": "red",
    "high": "red",
    "warning": "yellow",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
    "pass": "green",
    "fail": "red",
    "unknown": "yellow",
}


def use_color(stream: TextIO | None = None) -> bool:
    s = stream or sys.stdout
    return not os.environ.get("NO_COLOR") and hasattr(s, "isatty") and s.isatty()


def paint(text: str, color: str | None, enabled: bool) -> str:
    if not enabled or not color or color not in _COLORS:
        return text
    return f"\x1b[{_COLORS[color]}m{text}\x1b[0m"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], colors: Sequence[str | None] | None = None,
          color: bool = False) -> str:
    """An aligned text table. ``colors`` gives one colour name (or None) per row."""
    cells = [[str(c) for c in r] for r in rows]
    widths = [len(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for i, r in enumerate(cells):
        line = "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        lines.append(paint(line, colors[i] if colors else None, color))
    return "\n".join(lines)
