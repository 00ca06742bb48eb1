"""Constructors of frozen, slotted dataclasses for the loader's bulk objects.

A cold load of 10k VNets builds 115,000 prefixes, 39,000 subnets, 13,000 peering links and 10,000
VNets. The dataclass's ``__init__`` sets each field through ``object.__setattr__`` (its own
``__setattr__`` refuses: the class is frozen); filling the slots through their descriptors
(``Subnet.__dict__["id"].__set__(obj, value)``) halves that, but each such call still packs its
arguments into a tuple. Instead the fields are stored into an object of a *twin* class
(:func:`twin`: the same base, the same ``__slots__``, so the same memory layout, and no frozen
``__setattr__``) with plain attribute stores, and the object is then made an instance of the real
class (``obj.__class__ = cls``, which CPython allows between classes of one layout, and checks).
A peering link costs a third of the descriptor calls' instructions, a prefix two thirds (valgrind).
The constructors of the most numerous objects are written out where they are used (no code is
generated at import: start-up counts too); :func:`builder` serves the others. The object is the
one ``__init__`` builds: the same class, equal, the same hash (``tests/unit/test_slotnew.py``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


def twin(cls: type, names: tuple[str, ...] | None = None) -> type:
    """The twin of the frozen, slotted dataclass ``cls``: a class of the same base and ``__slots__``
    (the same layout), without the frozen ``__setattr__``. A constructor stores the fields into
    ``twin()`` and then sets the object's ``__class__`` to ``cls``. ``names``, when given, must be
    the fields in order (a field added to the model and not to the constructor is an error at
    import, never a wrong object); a class whose layout the twin cannot share is one too."""
    fs = dataclasses.fields(cls)
    fields = tuple(f.name for f in fs)
    if names is not None and fields != names:
        raise TypeError(f"{cls.__name__} has the fields {fields}, the builder fills {names}")
    slots = cls.__dict__.get("__slots__")
    if slots is None or set(slots) != set(fields) or any(not f.init for f in fs):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass whose slots are its init fields")
    made = type(f"_{cls.__name__}Slots", (cls.__base__ or object,), {"__slots__": slots, "__module__": __name__})
    probe = made()
    probe.__class__ = cls  # raises TypeError now if CPython finds the layouts differ
    return made


def builder(cls: type[_T]) -> Callable[..., _T]:
    """A constructor of the frozen, slotted dataclass ``cls`` taking every field positionally, in the
    order of :func:`dataclasses.fields` (no defaults), through its :func:`twin`. The most numerous
    objects have theirs written out (one attribute store per field, no loop)."""
    made = twin(cls)
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    put = setattr

    def build(*args: Any) -> _T:
        obj = made()
        for name, value in zip(names, args, strict=True):
            put(obj, name, value)
        obj.__class__ = cls
        return obj

    build.__qualname__ = build.__name__ = f"new_{cls.__name__}"
    return build
