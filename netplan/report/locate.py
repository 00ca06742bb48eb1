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
from dataclasses import field
from itertools import compress
from typing import BinaryIO

from netplan.ids import rid_key
from netplan.record import record

# The string body unrolled ([^"\\]* then escapes), about three times faster than an alternation.
_ID_MEMBER = re.compile(rb'"id"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"')
_ID_QUICK = re.compile(rb'"id"\s*:\s*"([^"]*)"')
_strip_slash = operator.methodcaller("rstrip", b"/")
_SPACE = frozenset(b" \t\r\n")
#: Bytes read at a time.
BLOCK = 1 << 20


@record
class Place:
    """A file (as the report names it) and a 1-based line."""

    source: str
    line: int


@record(frozen=False, slots=False)
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
        # The wanted keys as bytes: a block whose members are ASCII and hold no escape (nearly
        # every one) is filtered by C loops, and only the members of the resources wanted, about a thousand
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
            if wanted_ascii is not None:
                places = self._quick(buf, cut, wanted_ascii)
            else:
                places = None
            if places is None:
                places = self._exact(buf, cut, wanted)
            counted = 0
            for start, end, key in places:
                line += _newlines(buf, counted, start)
                counted = start
                rank = _rank(buf, start, end, before)
                prev = best.get(key)
                if prev is None or rank < prev[0]:
                    best[key] = (rank, line)
            line += _newlines(buf, counted, cut)
            i = cut - 1
            while i >= 0 and buf[i] in _SPACE:
                i -= 1
            if i >= 0:
                before = buf[i : i + 1]
            carry = buf[cut:]
            if not more:
                break
        for key, (_, at) in best.items():
            self.places.setdefault(key, Place(source, at))

    @staticmethod
    def _quick(buf: bytes, cut: int, wanted: set[bytes]) -> list[tuple[int, int, str]] | None:
        """(start, end, key) of the wanted members starting before ``cut``, in order, found by C
        loops; None when a member's string holds an escape or a byte beyond ASCII (:meth:`_exact`
        reads those: a non-ASCII character can lower-case to an ASCII one)."""
        values = _ID_QUICK.findall(buf, 0, cut)
        joined = b"".join(values)
        if b"\\" in joined or not joined.isascii():
            return None
        if b"" in wanted:
            return None  # a member whose string is only slashes: read exactly
        stripped = list(map(_strip_slash, values))
        # Only the values of a wanted key's length (about 40% of a 10k-VNet estate's) are
        # lower-cased and looked up.
        lengths = set(map(len, wanted))
        near = list(compress(stripped, map(lengths.__contains__, map(len, stripped))))
        out = []
        at = 0
        for v in compress(near, map(wanted.__contains__, map(bytes.lower, near))):
            if not v.startswith(b"/"):
                continue
            head = b'"' + v
            while True:
                # The value's next occurrence; it is the member's when the nearest "id" before it
                # starts a member whose string is this one (another key can hold the same text).
                q = buf.find(head, at)
                if q < 0:
                    return None  # not in valid JSON: read exactly
                start = buf.rfind(b'"id"', 0, q)
                m = _ID_QUICK.match(buf, start) if start >= 0 else None
                if m is not None and m.start(1) == q + 1 and _strip_slash(m.group(1)) == v:
                    break
                at = q + 1
            at = m.end()
            out.append((start, at, v.lower().decode("ascii")))
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


def _newlines(buf: bytes, start: int, end: int) -> int:
    """``buf.count(b"\\n", start, end)``, fast where newlines are sparse.

    ``count`` looks at every byte; ``find`` is ``memchr``, many times faster over a long stretch.
    A snapshot written a resource per line has a few newlines per megabyte, so they are found one
    by one; once they come more often than one per 128 bytes (an indented file), the rest of the
    range is counted."""
    n = 0
    find = buf.find
    i = find(b"\n", start, end)
    while i >= 0:
        n += 1
        if not n & 15 and i - start < n << 7:
            # A newline per 128 bytes or more: count the rest byte by byte.
            return n + buf.count(b"\n", i + 1, end)
        i = find(b"\n", i + 1, end)
    return n
