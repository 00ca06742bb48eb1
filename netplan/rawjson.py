"""Snapshot JSON read lean: each resource kept as a span of the file's bytes, decoded on demand.

A snapshot of 10k VNets is a 50 MB file; the same JSON as a Python tree (``json.load``) takes five
times that. The model needs each resource's tree only while its object is built, and the exact
JSON again only when a resource is written back (snapshot round trips, the update bodies of a plan,
what-if copies). So the file is read once into bytes, msgspec splits its resource list into
:class:`msgspec.Raw` spans (views into those bytes: no copy), each span is decoded into a dict only
while the loader builds its model object, and :func:`decode` gives an equal dict again whenever
``raw`` is asked for. The snapshot's bytes are the one copy of the JSON kept in memory.

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
from typing import Any, TypeGuard

import msgspec

#: A resource kept as its bytes in the snapshot file (see :func:`decode`).
Span = msgspec.Raw

_TOP = msgspec.json.Decoder(list[msgspec.Raw] | dict[str, msgspec.Raw])
_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_ANY = msgspec.json.Decoder()


def split(data: bytes) -> list[Span] | dict[str, Span] | None:
    """The top level of a JSON document with its items (a list) or values (an object) left as
    spans; None when msgspec cannot read it (not a list or object, malformed, or JSON only the
    stdlib accepts): the caller then reads the file with :mod:`json`."""
    try:
        return _TOP.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


def split_list(span: Span) -> list[Span] | None:
    """The items of a span holding a JSON list, each a span; None when it holds anything else."""
    try:
        return _LIST.decode(span)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None


def is_span(value: object) -> TypeGuard[Span]:
    return type(value) is msgspec.Raw


def is_utf8(span: Span) -> bool:
    """Are the span's bytes valid UTF-8? (msgspec checks the strings it decodes, not those it skips.)"""
    try:
        codecs.utf_8_decode(span, "strict", True)
    except UnicodeDecodeError:
        return False
    return True


def is_object(span: Span) -> bool:
    """Does the span hold a JSON object? (Spans start at their value's first character.)"""
    return memoryview(span)[:1] == b"{"


_KINDS = {ord("["): "list", ord('"'): "str", ord("t"): "bool", ord("f"): "bool", ord("n"): "NoneType"}


def type_name(span: Span) -> str:
    """The Python type name of the span's value (``dict``, ``list``, ``int`` ...), without decoding it."""
    first = memoryview(span)[0]
    if first == ord("{"):
        return "dict"
    if first in _KINDS:
        return _KINDS[first]
    return "float" if any(c in memoryview(span).tobytes() for c in b".eE") else "int"


def decode(value: Any) -> Any:
    """The JSON value of a span, as :func:`json.loads` gives it; anything else is returned as is."""
    if type(value) is not msgspec.Raw:
        return value
    try:
        return _ANY.decode(value)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return json.loads(bytes(value))
