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
from typing import BinaryIO

from netplan.ids import rid_key

# The string body unrolled ([^"\\]* then escapes), about three times faster than an alternation.
_ID_MEMBER = re.compile(rb'"id"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"')
_ID_QUICK = re.compile(rb'"id"\s*:\s*"([^"]*)"')
_VALUE = operator.methodcaller("group", 1)
_SPACE = frozenset(b" \t\r\n")
_SPACE_BYTES = b" \t\r\n"
#: Bytes read at a time, and how far past a match the text must be read to rank it.
BLOCK = 1 << 20
TAIL = 64 << 10


@dataclass(frozen=True)
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

    def add_file(self, source: str, fh: BinaryIO, block: int = BLOCK, tail: int = TAIL) -> None:
        """Index one file, read in blocks of ``block`` bytes; the first file that defines a
        resource wins. A match is taken once the text after it is read far enough to rank it
        (``tail`` bytes); the scan resumes where the last match ended, as one pass over the
        whole text would, so the result is the same (only an ``"id"`` member longer than
        ``tail``, or a run of more than ``tail`` spaces after one, could be read differently)."""
        wanted = self.wanted
        # The wanted keys as bytes: an ASCII value without an escape (nearly every one) is compared
        # without being decoded. A 10k-VNet estate has 100,000 "id" members; a report places about
        # a thousand resources, so only their members go through the loop below.
        wanted_ascii = {k.encode() for k in wanted if k.isascii()} if wanted is not None else None
        best: dict[str, tuple[int, int]] = {}  # key -> (rank, line); lower rank wins, then the first
        buf = b""
        before = b""  # the last non-space byte before buf (for ranking a match at buf's start)
        line = 1  # the line at buf[counted]
        counted = 0
        eof = False
        while not eof:
            more = fh.read(block)
            eof = not more
            if more:
                buf += more
            limit = len(buf) if eof else len(buf) - tail
            resume = 0
            waiting = -1  # a match that ends too near the end of what is read: taken with the next block
            # The members as _ID_MEMBER.finditer finds them, by the cheaper _ID_QUICK: in valid JSON the
            # two match the same text unless the string holds an escape (then _ID_MEMBER reads it).
            found = list(_ID_QUICK.finditer(buf))
            values = list(map(_VALUE, found))
            if wanted_ascii is None:
                picked: Iterable[int] = range(len(found))
            else:
                picked = [i for i, v in enumerate(values)
                          if b"\\" in v or not v.isascii() or v.lower().rstrip(b"/") in wanted_ascii]  # fmt: skip
            # The members that end too near the end of what is read wait for the next block.
            edge = len(found)
            while edge and found[edge - 1].end() > limit:
                edge -= 1
            last = 0  # found[:last] are taken
            for i in picked:
                if i >= edge:
                    break
                m = found[i]
                start = m.start()
                if start < resume:
                    continue  # inside the string of the last member taken (not in valid JSON)
                raw = values[i]
                if b"\\" in raw:
                    exact = _ID_MEMBER.match(buf, start)
                    if exact is None:
                        continue
                    if exact.end() > limit:
                        edge = i
                        break
                    end, raw = exact.end(), exact.group(1)
                else:
                    end = m.end()
                resume, last = end, i + 1
                value = raw.decode("utf-8", "replace")
                if "\\" in value:
                    value = json.loads(f'"{value}"')
                key = value.lower().rstrip("/")
                if (wanted is not None and key not in wanted) or not value.startswith("/"):
                    continue
                rank = _rank(buf, start, end, before)
                line += buf.count(b"\n", counted, start)
                counted = start
                prev = best.get(key)
                if prev is None or rank < prev[0]:
                    best[key] = (rank, line)
            # Members not picked between the last taken and the edge are taken too (none is wanted).
            if last < edge:
                for m in found[last:edge]:
                    if m.start() >= resume:
                        resume = m.end()
            if edge < len(found):
                waiting = found[edge].start()
            if eof:
                break
            # Keep what is not scanned yet (from the last match's end; at most a tail when the
            # block held no match, keeping a possible match's start).
            cut = resume if waiting < 0 else waiting
            if waiting < 0 and len(buf) - cut > tail:
                start = buf.find(b'"id"', len(buf) - tail)
                cut = start if start >= 0 else len(buf) - 3
            if cut:
                line += buf.count(b"\n", counted, cut)
                kept = buf[:cut].rstrip(_SPACE_BYTES)
                if kept:
                    before = kept[-1:]
                buf = buf[cut:]
                counted = 0
        for key, (_, at) in best.items():
            self.places.setdefault(key, Place(source, at))

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
