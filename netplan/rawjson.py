"""Snapshot JSON read lean: each resource kept as a range of the file, decoded on demand.

A snapshot of 10k VNets is a 50 MB file; the same JSON as a Python tree (``json.load``) takes five
times that. The model needs each resource's tree only while its object is built, and the exact
JSON again only when a resource is written back (snapshot round trips, the update bodies of a plan,
what-if copies). So the file is read once into bytes, msgspec splits its resource list into
:class:`msgspec.Raw` spans (views into those bytes: no copy), and each resource's place in the file
is noted (:func:`ranges`); the bytes are then let go, the model is built from the file read again
in windows of a few MiB (:class:`SourceFile`), and each object keeps only its range
(:class:`FileSpan`): :func:`decode` reads the range again and gives an equal dict whenever ``raw``
is asked for. A file that is not a regular file (a pipe) cannot be read twice: its resources stay
spans of the bytes read. Peak memory is the file's bytes or the model, not both.

msgspec (chosen over orjson, which has no spans, and over the stdlib, measured on a 10k-VNet
estate: ``bench/bench_scale.py``) decodes JSON to the same values as :mod:`json`, keys in the same
order, the last of duplicate keys kept. What it does not accept (``NaN``, a lone surrogate, a
number beyond a float's range, a byte-order mark, UTF-16) is read by :mod:`json` exactly as before,
errors included: a file msgspec cannot split is left to the caller's ``json`` path, and a span it
cannot decode is decoded by ``json``.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from itertools import accumulate
from operator import add, itemgetter
from typing import Any, TypeGuard

import msgspec
from msgspec import UNSET, UnsetType

from netplan.errors import InputError


class SourceFile:
    """A snapshot file whose resources are kept as byte ranges (:class:`FileSpan`), not as its bytes.

    While the loader builds the model it reads the file forward in windows of a few MiB; afterwards
    a resource's JSON is read again from the file on demand (a snapshot round trip, the body of a
    planned update). The file's identity (device, inode, size, modification time) is checked on
    every read: a file changed or replaced since it was loaded is a one-line error, never another
    file's bytes taken for the resource."""

    __slots__ = ("_base", "_buf", "ahead", "path", "stamp")

    #: Bytes read at a time while the model is built (the resources are read in file order).
    LOADING = 4 << 20
    #: ... and afterwards (a plan reads a few resources; a snapshot written back, all in order).
    LATER = 256 << 10

    def __init__(self, path: str, stamp: tuple[int, int, int, int]) -> None:
        self.path = path
        self.stamp = stamp
        self.ahead = self.LOADING
        self._base = 0
        self._buf: bytes | None = None

    def view(self, start: int, end: int) -> memoryview:
        """The bytes ``[start, end)`` of the file, from the window held, else from a new window
        read from ``start`` on (:attr:`ahead` bytes, at least the range)."""
        buf, base = self._buf, self._base
        if buf is None or start < base or end > base + len(buf):
            buf = self._read(start, max(end - start, self.ahead))
            base = self._base = start
            self._buf = buf
        return memoryview(buf)[start - base : end - base]

    def loaded(self) -> None:
        """The model is built: let go of the loading window; later reads take smaller ones."""
        self._buf = None
        self.ahead = self.LATER

    def _read(self, start: int, size: int) -> bytes:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError as exc:
            raise InputError(self.path, "", f"cannot read it again: {exc.strerror or exc}") from None
        try:
            if _stamp(os.fstat(fd)) != self.stamp:
                raise InputError(self.path, "", "the file changed since it was read: read it again")
            data = os.pread(fd, size, start)
        finally:
            os.close(fd)
        return data


class FileSpan:
    """One resource of a :class:`SourceFile`: its JSON is the file's bytes ``[start, end)``."""

    __slots__ = ("end", "file", "start")

    def __init__(self, file: SourceFile, start: int, end: int) -> None:
        self.file = file
        self.start = start
        self.end = end

    def view(self) -> memoryview:
        return self.file.view(self.start, self.end)

    def __len__(self) -> int:
        return self.end - self.start


#: A resource kept as its bytes: a span of the snapshot's bytes in memory, or a range of its file.
Span = msgspec.Raw | FileSpan


def _stamp(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def file_stamp(fd: int) -> tuple[int, int, int, int] | None:
    """The identity :class:`SourceFile` checks, for a regular file (None for a pipe or a device:
    those cannot be read again, so their bytes are kept)."""
    st = os.fstat(fd)
    return _stamp(st) if stat.S_ISREG(st.st_mode) else None


_TOP = msgspec.json.Decoder(list[msgspec.Raw] | dict[str, msgspec.Raw])
_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_ANY = msgspec.json.Decoder()


def split(data: bytes) -> list[msgspec.Raw] | dict[str, msgspec.Raw] | None:
    """The top level of a JSON document with its items (a list) or values (an object) left as
    spans; None when msgspec cannot read it (not a list or object, malformed, or JSON only the
    stdlib accepts): the caller then reads the file with :mod:`json`."""
    try:
        return _TOP.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


def split_list(span: msgspec.Raw) -> list[msgspec.Raw] | None:
    """The items of a span holding a JSON list, each a span; None when it holds anything else."""
    try:
        return _LIST.decode(span)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


class _Doc(msgspec.Struct, gc=False):
    """A snapshot object's members that :func:`netplan.loader.snapshot_from_data` reads."""

    resources: list[msgspec.Raw] | UnsetType = UNSET
    value: list[msgspec.Raw] | UnsetType = UNSET
    data: list[msgspec.Raw] | UnsetType = UNSET
    declarations: msgspec.Raw | UnsetType = UNSET
    gaps: msgspec.Raw | UnsetType = UNSET
    subscriptions: msgspec.Raw | UnsetType = UNSET


_DOC = msgspec.json.Decoder(_Doc)
#: The members that hold a snapshot's resources, in the order the loader (and drift's pre-pass) looks
#: for them: one list for every reader.
RESOURCE_KEYS = ("resources", "value", "data")


def split_doc(data: bytes) -> tuple[str, list[msgspec.Raw], dict[str, msgspec.Raw]] | None:
    """A snapshot object read in one pass: (the member holding the resources, its items as spans,
    the other members the loader reads, as spans). None when the document is anything else (a
    list, no resource member, one of them not a list, not JSON msgspec reads): the caller then
    uses :func:`split`, which reads the top level first and the resource list second (two passes
    over the file's bytes)."""
    try:
        doc = _DOC.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    for key in RESOURCE_KEYS:
        items = getattr(doc, key)
        if items is not UNSET:
            others = {k: v for k in ("declarations", "gaps", "subscriptions") if (v := getattr(doc, k)) is not UNSET}
            return key, items, others
    return None


_GAP = re.compile(rb"[ \t\r\n,]*")
_WS = re.compile(rb"[ \t\r\n]*")


def _skip(pattern: re.Pattern[bytes], data: bytes, pos: int) -> int:
    m = pattern.match(data, pos)
    return pos if m is None else m.end()


def ranges(data: bytes, array: msgspec.Raw | None, items: list[msgspec.Raw]) -> list[tuple[int, int]] | None:
    """The byte ranges in ``data`` of ``items``, the elements of the JSON array ``array`` (a span
    of ``data``; None: the document itself is the array), each checked to hold the item's bytes
    (``bytes.startswith`` compares buffers without copying them). None when they cannot be placed."""
    if array is None:
        at = _skip(_WS, data, 0)
    else:
        head = memoryview(array)[:256].tobytes()
        at = data.find(head)
        while at >= 0 and not data.startswith(array, at):
            at = data.find(head, at + 1)
        if at < 0:
            return None
    if data[at : at + 1] != b"[":
        return None
    return _place(data, at + 1, items)


def item_ranges(data: bytes, items: list[msgspec.Raw]) -> list[tuple[int, int]] | None:
    """:func:`ranges` of ``items``, the elements of a JSON array in ``data`` (spans of it), found
    from where the first item's bytes are (the first of up to 8 places holding every item's bytes:
    any place found holds each item's exact bytes). None when they cannot be placed."""
    if not items:
        return []
    first = items[0]
    head = memoryview(first)[:256].tobytes()
    at = data.find(head)
    for _ in range(8):
        if at < 0:
            return None
        if data.startswith(first, at):
            got = _place_even(data, at, items) or _place(data, at, items)
            if got is not None:
                return got
        at = data.find(head, at + 1)
    return None


#: Items joined and compared with the file at a time by :func:`_place_even` (a few MB at most).
_CHUNK = 1024


def _place_even(data: bytes, pos: int, items: list[msgspec.Raw]) -> list[tuple[int, int]] | None:
    """:func:`_place` of items written with the same gap between each two (the one between the
    first two: json.dump's ``", "``, one resource a line's ``",\\n"``), the first at ``pos``: their
    ranges follow from their lengths, and the items of a chunk joined with the gap (and the gap
    before the chunk) are compared with the file's bytes there at once, so every item's bytes are
    checked at its range as in :func:`_place`. None when the items are not written so (the caller
    then places them one by one)."""
    if len(items) < 2:
        return None
    after = pos + len(items[0])
    second = _skip(_GAP, data, after)
    gap = data[after:second]
    if not gap or not data.startswith(items[1], second):
        return None
    step = len(gap)
    lens = list(map(len, items))
    starts = list(accumulate(map(step.__add__, lens[:-1]), initial=pos))
    for k in range(0, len(items), _CHUNK):
        if k and not data.startswith(gap, starts[k] - step):
            return None
        if not data.startswith(gap.join(items[k : k + _CHUNK]), starts[k]):
            return None
    return list(zip(starts, map(add, starts, lens), strict=True))


def objects_at(data: bytes, places: list[tuple[int, int]]) -> bool:
    """Does every range of ``data`` in ``places`` hold a JSON object (its first byte ``{``)?"""
    firsts = bytes(map(data.__getitem__, map(itemgetter(0), places)))
    return firsts.count(b"{") == len(places)


def _place(data: bytes, pos: int, items: list[msgspec.Raw]) -> list[tuple[int, int]] | None:
    """The ranges of ``items`` in ``data``, the first at or after ``pos`` past JSON's gaps (white
    space, a comma), each checked to hold the item's bytes."""
    out = []
    starts = data.startswith
    for item in items:
        # The usual gaps: none (the first item), one comma or a newline after the bracket, and
        # json.dump's ", " (as Azure's own files). A JSON value never starts with a gap character,
        # so the first of these places holding the item's bytes is where it starts.
        if starts(item, pos):
            pass
        elif starts(item, pos + 1):
            pos += 1
        elif starts(item, pos + 2):
            pos += 2
        else:
            pos = _skip(_GAP, data, pos)
            if not starts(item, pos):
                return None
        end = pos + len(item)
        out.append((pos, end))
        pos = end
    return out


def is_span(value: object) -> TypeGuard[Span]:
    return type(value) is msgspec.Raw or type(value) is FileSpan


def buffer(span: Span) -> Any:
    """The span's bytes (a view: no copy)."""
    return span.view() if type(span) is FileSpan else span


def is_utf8(span: Span) -> bool:
    """Are the span's bytes valid UTF-8? (msgspec checks the strings it decodes, not those it skips.)"""
    try:
        codecs.utf_8_decode(buffer(span), "strict", True)
    except UnicodeDecodeError:
        return False
    return True


def is_object(span: Span) -> bool:
    """Does the span hold a JSON object? (Spans start at their value's first character.)"""
    return memoryview(buffer(span))[:1] == b"{"


_KINDS = {ord("["): "list", ord('"'): "str", ord("t"): "bool", ord("f"): "bool", ord("n"): "NoneType"}


def type_name(span: Span) -> str:
    """The Python type name of the span's value (``dict``, ``list``, ``int`` ...), without decoding it."""
    view = memoryview(buffer(span))
    first = view[0]
    if first == ord("{"):
        return "dict"
    if first in _KINDS:
        return _KINDS[first]
    return "float" if any(c in view.tobytes() for c in b".eE") else "int"


def decode(value: Any) -> Any:
    """The JSON value of a span, as :func:`json.loads` gives it; anything else is returned as is."""
    kind = type(value)
    if kind is FileSpan:
        value = value.view()
    elif kind is not msgspec.Raw:
        return value
    try:
        return _ANY.decode(value)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return json.loads(bytes(value))
