"""What GitHub's SARIF upload action does to fingerprints, re-implemented for the tests.

github/codeql-action (``src/fingerprints.ts``, ``addFingerprints``; read at v4.36.2) fills in
``partialFingerprints.primaryLocationLineHash`` for every result that has a physical location with
a ``region.startLine`` in a file of the checkout and no such fingerprint yet. The value is a
rolling hash (base 37, 64-bit wrap-around) of the 100 characters from the start of that line,
ignoring spaces and tabs and reading CR / CRLF as LF, plus ``:n`` where n counts how many earlier
lines of the file had the same hash. A fingerprint already present is never overwritten (the action
logs a warning when it differs from its own). Code scanning then keeps one alert per rule and
fingerprint (per category and branch).

This is an independent Python rendering of that documented behaviour, checked against the action's
own test vectors in :func:`tests.unit.test_sarif_github.test_the_line_hash_matches_the_actions_test_vectors`.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from urllib.parse import unquote

BLOCK_SIZE = 100
MOD = 37
MASK = (1 << 64) - 1
FIRST_MOD = pow(MOD, BLOCK_SIZE, 1 << 64)
_TAB, _SPACE, _LF, _CR, _EOF = 9, 32, 10, 13, 65535


class _LineHasher:
    def __init__(self) -> None:
        self.window = [0] * BLOCK_SIZE
        self.line_numbers = [-1] * BLOCK_SIZE
        self.hash = 0
        self.index = 0
        self.line = 0
        self.line_start = True
        self.prev_cr = False
        self.counts: dict[str, int] = {}
        self.out: dict[int, str] = {}

    def _output(self) -> None:
        value = format(self.hash & MASK, "x")
        self.counts[value] = self.counts.get(value, 0) + 1
        self.out[self.line_numbers[self.index]] = f"{value}:{self.counts[value]}"
        self.line_numbers[self.index] = -1

    def _update(self, current: int) -> None:
        begin = self.window[self.index]
        self.window[self.index] = current
        self.hash = (MOD * self.hash + current - FIRST_MOD * begin) & MASK
        self.index = (self.index + 1) % BLOCK_SIZE

    def process(self, current: int) -> None:
        if current in (_SPACE, _TAB) or (self.prev_cr and current == _LF):
            self.prev_cr = False
            return
        if current == _CR:
            current = _LF
            self.prev_cr = True
        else:
            self.prev_cr = False
        if self.line_numbers[self.index] != -1:
            self._output()
        if self.line_start:
            self.line_start = False
            self.line += 1
            self.line_numbers[self.index] = self.line
        if current == _LF:
            self.line_start = True
        self._update(current)

    def finish(self) -> dict[int, str]:
        self.process(_EOF)
        for _ in range(BLOCK_SIZE):
            if self.line_numbers[self.index] != -1:
                self._output()
            self._update(0)
        return self.out


def line_hashes(text: str) -> dict[int, str]:
    """Line number (1-based) -> the action's ``primaryLocationLineHash`` for that line."""
    hasher = _LineHasher()
    units = text.encode("utf-16-le")  # JavaScript strings are UTF-16 code units
    for i in range(0, len(units), 2):
        hasher.process(units[i] | (units[i + 1] << 8))
    return hasher.finish()


def upload(sarif: dict[str, Any], checkout: Path) -> dict[str, Any]:
    """The SARIF log as the action sends it: fingerprints filled in where absent."""
    doc = copy.deepcopy(sarif)
    cache: dict[Path, dict[int, str]] = {}
    for run in doc.get("runs", []):
        for result in run.get("results", []):
            loc = (result.get("locations") or [{}])[0].get("physicalLocation") or {}
            line = (loc.get("region") or {}).get("startLine")
            uri = (loc.get("artifactLocation") or {}).get("uri")
            if line is None or not isinstance(uri, str):
                continue
            uri = unquote(uri)
            uri = uri.removeprefix("file://")
            if "://" in uri:
                continue
            path = Path(uri) if uri.startswith("/") else checkout / uri
            if not path.is_file():
                continue
            if path not in cache:
                cache[path] = line_hashes(path.read_text(encoding="utf-8"))
            fps = result.setdefault("partialFingerprints", {})
            if "primaryLocationLineHash" not in fps and line in cache[path]:
                fps["primaryLocationLineHash"] = cache[path][line]
    return doc


def alerts(sarif: dict[str, Any]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Code scanning's view: (rule, primaryLocationLineHash) -> the results that become that alert."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for run in sarif["runs"]:
        for result in run["results"]:
            key = (result["ruleId"], result.get("partialFingerprints", {}).get("primaryLocationLineHash", ""))
            out.setdefault(key, []).append(result)
    return out
