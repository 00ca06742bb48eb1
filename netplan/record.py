"""``@record``: a frozen, slotted dataclass that costs less to define.

``@record`` makes exactly the class ``@dataclass(frozen=True, slots=True)`` makes, with the same
``__init__``, the same frozen ``__setattr__``/``__delattr__``, the same fields for
:func:`dataclasses.fields` and :func:`dataclasses.replace`, and the same results from ``==``,
``hash()`` and ``repr()``; only those three methods are shared among all record classes instead of
being written and compiled for each class (each class gets closures over its field names).

Why: on Python 3.11 the dataclass decorator writes each generated method as source and compiles
it when the module is imported. Every command imports some hundred model and result classes, and
compiling their methods was about half of a read command's start-up (issue 15: about 140 ms of
``vnetplan audit``'s 290 ms of imports, of which ``__eq__``, ``__hash__`` and ``__repr__`` are 55 ms).

The promise, checked by ``tests/unit/test_record.py`` against a plain dataclass of the same
fields: equal exactly when the dataclass's would be (same class, the same ``compare`` fields in
the same order), the hash of the same tuple (so sets and dicts of records keep their order), the
same ``repr`` text (``repr=False`` fields left out; ``...`` for a record that contains itself).
A class that defines ``__eq__``, ``__hash__`` or ``__repr__`` itself, or asks for ``order``, is
left to the dataclass decorator unchanged.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of these attributes of an object (always a tuple, as the generated methods build)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return lambda obj: ()


def _methods(cls: type, compared: list[str], hashed: list[str], shown: list[str]) -> dict[str, Any]:
    """``__eq__``, ``__hash__`` and ``__repr__`` of ``cls``: closures over the field names (made
    from code compiled once with this module, not compiled again per class)."""
    compared_of, hashed_of, shown_of, names = _getter(compared), _getter(hashed), _getter(shown), tuple(shown)

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compared_of(self) == compared_of(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed_of(self))

    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(names, shown_of(self), strict=True))
        return f"{self.__class__.__qualname__}({shown})"

    made = {"__eq__": __eq__, "__hash__": __hash__, "__repr__": __repr__}
    for name, fn in made.items():
        fn.__qualname__ = f"{cls.__qualname__}.{name}"
    return made


@dataclass_transform(frozen_default=True)
def record(cls: type[T]) -> type[T]:
    """``@dataclass(frozen=True, slots=True)``, with ``==``, ``hash()`` and ``repr()`` shared."""
    own = cls.__dict__
    if any(name in own for name in ("__eq__", "__hash__", "__repr__")):
        return dataclass(frozen=True, slots=True)(cls)
    made = dataclass(frozen=True, slots=True, eq=False, repr=False)(cls)
    fs = fields(made)  # type: ignore[arg-type]
    compared = [f.name for f in fs if f.compare]
    hashed = [f.name for f in fs if (f.compare if f.hash is None else f.hash)]
    shown = [f.name for f in fs if f.repr]
    for name, fn in _methods(made, compared, hashed, shown).items():
        setattr(made, name, fn)
    return made
