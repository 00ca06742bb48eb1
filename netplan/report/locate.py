"""Where each resource is in the snapshot files: the line of its own ``"id"`` member.

Code scanning shows an alert at a file and line, so the SARIF writer points each result at the line
where its resource is declared. The loader's hot path records no positions (``json.load`` keeps
none, and the Estate stays lean); instead, when a SARIF report is written, this module scans the
snapshot text once with one regular expression for ``"id": "..."`` members and keeps, for each
resource ID (case-insensitive, as Azure compares them), the line of its definition. A resource ID
also appears in references (``"remoteVirtualNetwork": {"id": ...}``, ``"subnet": {"id": ...}``);
an occurrence that is the only member of its object is such a reference and loses to one with
sibling members (``name``, ``type``, ``properties``). The line only places the annotation: the
alert's identity is the fingerprint, which never depends on it.

The promise: a resource found in no file (read live, a scope rather than a resource, a file that
cannot be read any more) has no line, and the writer falls back to line 1 of the first source.
"""

from __future__ import annotations

import io
import json
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress
from typing import BinaryIO

from netplan.ids import rid_key
from netplan.record import record

# The string body unrolled ([^"\\]* then escapes), about three times faster than an alternation.
_ID_MEMBER = re.compile(rb'"id"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"')
_ID_QUICK = re.compile(rb'"id"\s*:\s*"([^"]*)"')
_strip_slash = operator.methodcaller("rstrip", b"/")
_SPACE = frozenset(b" \t\r\n")
_SPACE_BYTES = b" \t\r\n"
#: Bytes read at a time.
BLOCK = 1 << 20


@record
class Place:
    """A file (as the report names it) and a 1-based line."""

    source: str
    line: int


@dataclass
class ResourceLines:
    """Resource ID key -> where the resource is defined, over several snapshot files."""

    places: dict[str, Place] = field(default_factory=dict)
    #: Keys to index (None: every resource).
    wanted: set[str] | None = None

    @classmethod
    def scan(cls, sources: Iterable[str], wanted: Iterable[str] | None = None) -> ResourceLines:
        """Index the snapshot files named in ``sources`` (paths as given on the command line).

        ``wanted``: only these resource IDs (the ones with results), which keeps the scan of a
        large estate close to one regular-expression pass. Names in angle brackets (``<live
        Azure>``) and files that cannot be read are skipped. Each file is read in blocks
        (:meth:`add_file`): a report on a big estate does not hold its text again.
        """
        out = cls(wanted={rid_key(w) for w in wanted} if wanted is not None else None)
        for source in sources:
            if source.startswith("<"):
                continue
            try:
                with open(source, "rb") as fh:
                    out.add_file(source, fh)
            except OSError:
                continue
        return out

    def add_text(self, source: str, text: str) -> None:
        """Index one file's text; the first file that defines a resource wins."""
        self.add_file(source, io.BytesIO(text.encode("utf-8", "surrogatepass")))

    def add_file(self, source: str, fh: BinaryIO, block: int = BLOCK) -> None:
        """Index one file, read in blocks of ``block`` bytes; the first file that defines a
        resource wins. What is read is indexed up to its last ``"id"`` (no member reaches past
        the start of another, and a member's rank needs only the bytes around it), and the scan
        goes on from there, so the result is the one of a single pass over the whole text."""
        wanted = self.wanted
        # The wanted keys as bytes: a block in ASCII whose members hold no escape (nearly every one)
        # is filtered by C loops, and only the members of the resources wanted, about a thousand
        # of a 10k-VNet estate's 100,000, are looked at by Python code.
        wanted_ascii = {k.encode() for k in wanted} if wanted is not None and all(map(str.isascii, wanted)) else None
        best: dict[str, tuple[int, int]] = {}  # key -> (rank, line); lower rank wins, then the first
        carry = b""
        before = b""  # the last non-space byte before buf (for ranking a member at buf's start)
        line = 1  # the line at buf's start
        while True:
            more = fh.read(block)
            buf = carry + more if carry else more
            if more:
                cut = buf.rfind(b'"id"')
                if cut == 0:
                    carry = buf  # a member starts the text and may go on: read on
                    continue
                if cut < 0:
                    cut = max(0, len(buf) - 3)  # no member here: keep only what may start one
            else:
                cut = len(buf)
            if wanted_ascii is not None and buf.isascii():
                places = self._quick(buf, cut, wanted_ascii)
            else:
                places = None
            if places is None:
                places = self._exact(buf, cut, wanted)
            counted = 0
            for start, end, key in places:
                line += buf.count(b"\n", counted, start)
                counted = start
                rank = _rank(buf, start, end, before)
                prev = best.get(key)
                if prev is None or rank < prev[0]:
                    best[key] = (rank, line)
            line += buf.count(b"\n", counted, cut)
            kept = buf[:cut].rstrip(_SPACE_BYTES)
            if kept:
                before = kept[-1:]
            carry = buf[cut:]
            if not more:
                break
        for key, (_, at) in best.items():
            self.places.setdefault(key, Place(source, at))

    @staticmethod
    def _quick(buf: bytes, cut: int, wanted: set[bytes]) -> list[tuple[int, int, str]] | None:
        """(start, end, key) of the wanted members starting before ``cut``, in order, found by C
        loops; None when a member's string holds an escape (:meth:`_exact` reads those)."""
        values = _ID_QUICK.findall(buf, 0, cut)
        if b"\\" in b"".join(values):
            return None
        out = []
        at = 0
        for v in compress(values, map(wanted.__contains__, map(_strip_slash, map(bytes.lower, values)))):
            if not v.startswith(b"/"):
                continue
            quoted = b'"' + v + b'"'
            while True:
                # The value's next occurrence; it is the member's when the nearest "id" before it
                # starts a member whose string is this one (another key can hold the same text).
                q = buf.find(quoted, at)
                if q < 0:
                    return None  # not in valid JSON: read exactly
                start = buf.rfind(b'"id"', 0, q)
                m = _ID_QUICK.match(buf, start) if start >= 0 else None
                if m is not None and m.start(1) == q + 1:
                    break
                at = q + 1
            at = m.end()
            out.append((start, at, v.lower().rstrip(b"/").decode("ascii")))
        return out

    @staticmethod
    def _exact(buf: bytes, cut: int, wanted: set[str] | None) -> list[tuple[int, int, str]]:
        """(start, end, key) of the wanted members (all when ``wanted`` is None) starting before
        ``cut``, in order, read as JSON text."""
        out = []
        for m in _ID_MEMBER.finditer(buf, 0, len(buf)):
            if m.start() >= cut:
                break
            value = m.group(1).decode("utf-8", "replace")
            if "\\" in value:
                value = json.loads(f'"{value}"')
            key = value.lower().rstrip("/")
            if (wanted is not None and key not in wanted) or not value.startswith("/"):
                continue
            out.append((m.start(), m.end(), key))
        return out

    def find(self, resource: str) -> Place | None:
        return self.places.get(rid_key(resource))


def _rank(text: bytes, start: int, end: int, before_text: bytes = b"") -> int:
    """0: members before it (a definition); 1: first member with others after; 2: alone (a reference).
    ``before_text``: the last non-space byte before ``text`` (when the match is at its start)."""
    i = start - 1
    while i >= 0 and text[i] in _SPACE:
        i -= 1
    before = text[i : i + 1] if i >= 0 else before_text
    j = end
    n = len(text)
    while j < n and text[j] in _SPACE:
        j += 1
    after = text[j : j + 1]
    if before == b",":
        return 0
    if before == b"{" and after == b"}":
        return 2
    return 1
