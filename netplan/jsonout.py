"""Fast, streamed JSON output: the C encoder, item by item, compact or indented.

Python's ``json.dumps`` uses its C encoder only for compact output in one string; ``indent=``
and ``JSONEncoder.iterencode`` both fall back to the pure-Python encoder (about 10x slower). This
writer walks only the outer structure itself and hands every leaf value, and every chunk of a long
array, to the C encoder, writing as it goes, so a report of millions of items is never one string.

- :class:`Stream` marks an array whose items are produced lazily (a generator): it is written in
  chunks of :data:`CHUNK` items and never held whole.
- A :attr:`Stream.basic` array written compact goes through msgspec, and into a UTF-8 file or
  stdout as msgspec's bytes, never decoded to text. Its items may be msgspec Structs and hold
  :class:`msgspec.Raw` JSON: both are written as the dicts and values they stand for, in both
  layouts (the stdlib's encoder is given them as such).
- ``pretty=True`` gives exactly the bytes of ``json.dumps(data, indent=2, ensure_ascii=False)``
  (each chunk is indented by the encoder and re-indented to its depth; JSON strings never hold a
  raw newline, so re-indenting lines is safe); ``pretty=False`` gives the compact form with
  ``(",", ":")`` separators.

:func:`pretty_default` is the CLI's rule: indented on a terminal, compact otherwise (``--pretty``
forces indentation).
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from itertools import islice
from typing import IO, Any

import msgspec

#: Items of a :class:`Stream` encoded per call of the C encoder.
CHUNK = 4096
#: ... and of a :attr:`Stream.basic` one, whose items are large (a graph's nodes and edges: a
#: chunk is held as dicts, as JSON bytes and as text at once while it is written).
BASIC_CHUNK = 1024


def _builtin(value: Any) -> Any:
    """For the stdlib's encoder, the values msgspec writes itself: a Struct as the dict of its
    members (in order, by their JSON names), a Raw as the value its JSON holds. The same text as
    msgspec's, compact or indented."""
    if isinstance(value, msgspec.Struct):
        return {f.encode_name: getattr(value, f.name) for f in msgspec.structs.fields(value)}
    if isinstance(value, msgspec.Raw):
        return msgspec.json.decode(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_COMPACT = json.JSONEncoder(ensure_ascii=False, check_circular=False, separators=(",", ":"), default=_builtin)
_MSGSPEC = msgspec.json.Encoder().encode


class Stream:
    """A JSON array whose items come from an iterable, consumed once while writing."""

    __slots__ = ("basic", "items", "plain")

    def __init__(self, items: Iterable[Any], plain: bool = False, basic: bool = False) -> None:
        self.items = items
        #: The items hold no Stream (each is encoded as a whole without being looked into).
        self.plain = plain
        #: The items hold no float (plain items only): compact chunks are then encoded by msgspec,
        #: three times faster than the stdlib's C encoder and the same text for every other value
        #: it takes (strings, ints, bools, None, lists, dicts with string keys); a chunk it refuses
        #: (a str subclass, a lone surrogate, a key of another type) goes to the stdlib as before.
        #: Floats it writes in another form (``1e16``, not ``1e+16``), hence the promise.
        self.basic = basic and plain

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def pretty_default(stream: IO[str]) -> bool:
    """Indented output on a terminal, compact when piped or redirected."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def write_json(out: IO[str], data: Any, *, pretty: bool = False) -> None:
    """Write ``data`` (dicts, lists, scalars, :class:`Stream` arrays) as JSON to ``out``, then a newline."""
    w = _Writer(out, pretty)
    w.value(data, 0)
    out.write("\n")


def dumps(data: Any, *, pretty: bool = False) -> str:
    """The same text as :func:`write_json`, without the trailing newline (for tests and golden files)."""
    buf = io.StringIO()
    write_json(buf, data, pretty=pretty)
    return buf.getvalue()[:-1]


#: Types that never hold a Stream the writer walks to (lists are encoded whole).
_PLAIN = frozenset({str, int, float, bool, type(None), list, tuple})


def _needs_walk(value: Any) -> bool:
    """True when a value holds a Stream somewhere the writer must walk to (dicts are walked; plain
    lists are encoded whole, so a Stream must not hide inside a plain list). Asked of every item
    of a streamed array: exact type checks first, the abstract ones only for other types."""
    kind = type(value)
    if kind in _PLAIN:
        return False
    if kind is dict:
        plain = _PLAIN
        return any(type(v) not in plain and _needs_walk(v) for v in value.values())
    if isinstance(value, Stream):
        return True
    if isinstance(value, Mapping):
        return any(_needs_walk(v) for v in value.values())
    return False


def _fast(items: list[Any]) -> bytes | None:
    """msgspec's compact JSON (UTF-8) of float-free values (see :attr:`Stream.basic`), or None
    when it refuses one of them (the stdlib's encoder then writes them)."""
    try:
        return _MSGSPEC(items)
    except (TypeError, ValueError):  # an unsupported type or key; a lone surrogate (UnicodeEncodeError)
        return None


def _utf8_buffer(out: IO[str]) -> IO[bytes] | None:
    """The binary stream under a text stream that writes UTF-8 (a file, stdout), else None: msgspec's
    UTF-8 is written there as it is, the same bytes as its text written through the text stream,
    without decoding it and encoding it again (tens of MiB for a graph of 10k VNets). The bytes hold
    no newline (compact JSON), so the text stream's newline translation changes nothing."""
    if not isinstance(out, io.TextIOWrapper):
        return None
    try:
        return out.buffer if codecs.lookup(out.encoding).name == "utf-8" else None
    except (LookupError, TypeError, ValueError):  # an unknown encoding; a detached stream
        return None


class _Writer:
    def __init__(self, out: IO[str], pretty: bool) -> None:
        self.out = out
        self.pretty = pretty
        if pretty:
            self._enc = json.JSONEncoder(ensure_ascii=False, check_circular=False, indent=2, default=_builtin)
        else:
            self._enc = _COMPACT

    def atom(self, value: Any, level: int) -> str:
        text = self._enc.encode(value)
        if self.pretty and level and "\n" in text:
            text = text.replace("\n", "\n" + "  " * level)
        return text

    def value(self, value: Any, level: int) -> None:
        if isinstance(value, Stream):
            self.array(value, level)
        elif isinstance(value, Mapping) and _needs_walk(value):
            self.mapping(value, level)
        else:
            self.out.write(self.atom(value, level))

    def mapping(self, value: Mapping[str, Any], level: int) -> None:
        out = self.out
        if not value:
            out.write("{}")
            return
        if self.pretty:
            inner = "\n" + "  " * (level + 1)
            sep, colon, close = "," + inner, ": ", "\n" + "  " * level + "}"
            out.write("{" + inner)
        else:
            sep, colon, close = ",", ":", "}"
            out.write("{")
        first = True
        for k, v in value.items():
            if not first:
                out.write(sep)
            first = False
            out.write(self._enc.encode(str(k)) + colon)
            self.value(v, level + 1)
        out.write(close)

    def array(self, items: Iterable[Any], level: int) -> None:
        out = self.out
        plain = isinstance(items, Stream) and items.plain
        fast = isinstance(items, Stream) and items.basic and not self.pretty
        size = min(CHUNK, BASIC_CHUNK) if fast else CHUNK
        it = iter(items)
        if self.pretty:
            inner = "\n" + "  " * (level + 1)
            sep, close = "," + inner, "\n" + "  " * level + "]"
        else:
            inner, sep, close = "", ",", "]"
        wrote = False
        pending: list[Any] = []
        raw = _utf8_buffer(out) if fast else None

        def flush() -> None:
            nonlocal wrote
            if not pending:
                return
            out.write(sep if wrote else "[" + inner)
            wrote = True
            data = _fast(pending) if fast else None
            if data is not None and raw is not None:
                out.flush()  # what the text stream holds goes first
                raw.write(memoryview(data)[1:-1])
                pending.clear()
                return
            text = data.decode() if data is not None else self._enc.encode(pending)
            if self.pretty:
                # "[\n  a,\n  b\n]" -> the items, re-indented to this depth
                body = text[2 + 2 : -2]
                if level + 1 > 1:
                    body = body.replace("\n  ", "\n" + "  " * (level + 1))
                out.write(body)
            else:
                out.write(text[1:-1])
            pending.clear()

        while True:
            chunk = list(islice(it, size))
            if not chunk:
                break
            if plain:
                pending = chunk
                flush()
                pending = []
                continue
            for item in chunk:
                if _needs_walk(item):
                    flush()
                    out.write(sep if wrote else "[" + inner)
                    wrote = True
                    self.value(item, level + 1)
                else:
                    pending.append(item)
            flush()
        out.write(close if wrote else "[]")
