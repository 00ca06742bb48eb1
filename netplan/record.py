"""``@record``: a frozen, slotted dataclass that costs less to define.

``@record`` makes exactly the class ``@dataclass(frozen=True, slots=True)`` makes, with the same
``__init__`` (signature, defaults, annotations, bytecode), the same frozen ``__setattr__`` and
``__delattr__``, the same pickling, the same fields for :func:`dataclasses.fields` and
:func:`dataclasses.replace`, and the same results from ``==``, ``hash()`` and ``repr()``; none of
its methods is compiled for the class.

Why: on Python 3.11 the dataclass decorator writes each generated method as source and compiles
it when the module is imported. Every command imports some hundred model and result classes, and
compiling their methods was about half of a read command's start-up (issue 15: about 140 ms of
``vnetplan audit``'s 290 ms of imports). Here ``==``, ``hash()``, ``repr()`` and the frozen
``__setattr__``/``__delattr__`` are closures over the class's field names (code compiled once,
with this module), and ``__init__`` is the dataclass's own ``__init__`` compiled once per *shape*
(the number of fields, and which of them have a ``default_factory``) with placeholder names, then
given the class's field names with :meth:`types.CodeType.replace` (no compiler). The fields
themselves are read as the dataclass reads them (:func:`_bare`), without its three questions per
field about ``ClassVar``, ``InitVar`` and ``KW_ONLY`` when no annotation's leading name can be one.

``@record(frozen=False, slots=False)`` is ``@dataclass`` made the same way (a mutable class is
unhashable, as the dataclass makes it), ``@record(slots=False)`` ``@dataclass(frozen=True)`` (a
class that keeps a ``__dict__``, for a ``cached_property``).

The promise, checked by ``tests/unit/test_record.py`` against a plain dataclass of the same
fields: equal exactly when the dataclass's would be (same class, the same ``compare`` fields in
the same order), the hash of the same tuple (so sets and dicts of records keep their order), the
same ``repr`` text (``repr=False`` fields left out; ``...`` for a record that contains itself),
the same ``__init__`` signature and errors, the same :class:`~dataclasses.FrozenInstanceError`.
A class that defines ``__eq__``, ``__hash__`` or ``__repr__`` itself, or asks for ``order``, is
left to the dataclass decorator unchanged; one that has a dataclass base, its own
``__init__``/``__post_init__``/``__setattr__``/``__delattr__``/pickling, or a ``ClassVar``,
``InitVar``, ``KW_ONLY`` or ``init=False`` field gets the dataclass's generated ``__init__`` and
frozen methods (only ``==``, ``hash()`` and ``repr()`` shared).
"""

from __future__ import annotations

import abc
import dataclasses
import inspect
import re
import reprlib
import sys
import typing
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, fields
from operator import attrgetter
from types import CellType, CodeType, FunctionType, MemberDescriptorType
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")

#: The default an ``__init__`` parameter of a ``default_factory`` field has (shown as ``<factory>``).
#: A private name of :mod:`dataclasses`; without it every class takes the dataclass's own path.
_HAS_DEFAULT_FACTORY: Any = getattr(dataclasses, "_HAS_DEFAULT_FACTORY", None)

#: The ``__init__`` text :func:`_init_code` copies is Python 3.11's (3.13 writes its methods another
#: way); on any other version every class takes the dataclass's own path, which is always right.
_SAME_DATACLASS_TEXT = sys.version_info[:2] == (3, 11)

#: Methods whose presence on the class means the dataclass must write the class's ``__init__`` and
#: frozen methods itself (it refuses, skips or calls them).
_OWN_METHODS = ("__init__", "__setattr__", "__delattr__", "__getstate__", "__setstate__")
#: Annotations that make a field something else than a plain ``__init__`` parameter.
_SPECIAL_TYPES = ("ClassVar", "InitVar", "KW_ONLY")
#: Names the generated ``__init__`` uses for itself; a field of one of these names is left to
#: the dataclass (it would clash with them).
_INTERNAL = ("self", "__dataclass_builtins_object__", "_HAS_DEFAULT_FACTORY")


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of these attributes of an object (always a tuple, as the generated methods build)."""
    if len(names) >= 2:
        return attrgetter(*names)
    if len(names) == 1:
        name = names[0]
        return lambda obj: (getattr(obj, name),)
    return lambda obj: ()


def _named(cls: type, made: dict[str, Any]) -> dict[str, Any]:
    """The methods, each with the qualified name the dataclass gives it (``Class.__eq__``)."""
    for name, fn in made.items():
        fn.__qualname__ = f"{cls.__qualname__}.{name}"
    return made


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

    return _named(cls, {"__eq__": __eq__, "__hash__": __hash__, "__repr__": __repr__})


def _frozen_methods(cls: type, names: tuple[str, ...], slots: bool = True) -> dict[str, Any]:
    """The dataclass's frozen ``__setattr__`` and ``__delattr__``, and (``slots``) its
    ``__getstate__`` and ``__setstate__`` for pickling a frozen slotted class, as closures. ``cls``
    is the class as written, before the slotted copy is made: the generated methods refer to that
    one too."""

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)  # type: ignore[arg-type]

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)  # type: ignore[arg-type]

    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, name) for name in names]

    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state):  # noqa: B905 (as the dataclass's: zip, not strict)
            object.__setattr__(self, name, value)

    made = {"__setattr__": __setattr__, "__delattr__": __delattr__}
    if slots:
        made |= {"__getstate__": __getstate__, "__setstate__": __setstate__}
    return _named(cls, made)


#: ``__init__`` code by shape (one letter per field: ``F`` has a default_factory, ``P`` not; then
#: ``=`` for a frozen class, ``+`` for a mutable one).
_INIT_CODE: dict[str, CodeType] = {}


def _init_code(shape: str) -> CodeType:
    """The code of the dataclass's ``__init__`` for fields ``_0``, ``_1``, ... of this shape: the
    text :mod:`dataclasses` writes (``_field_init``/``_field_assign``/``_init_fn``, Python 3.11),
    compiled once."""
    code = _INIT_CODE.get(shape)
    if code is None:
        frozen = shape.endswith("=")
        body, cells = [], ["__dataclass_builtins_object__"]
        for i, kind in enumerate(shape[:-1]):
            value = f"_{i}"
            if kind == "F":
                cells.append(f"_dflt_{i}")
                value = f"_dflt_{i}() if _{i} is _HAS_DEFAULT_FACTORY else _{i}"
            if frozen:
                body.append(f"  __dataclass_builtins_object__.__setattr__(self,'_{i}',{value})")
            else:
                body.append(f"  self._{i}={value}")
        if "F" in shape:
            cells.append("_HAS_DEFAULT_FACTORY")
        params = "".join(f",_{i}" for i in range(len(shape) - 1))
        text = "\n".join(body or ["  None"])
        source = f"def __create_fn__({', '.join(cells)}):\n def __init__(self{params}):\n{text}\n return __init__"
        outer = next(c for c in compile(source, "<string>", "exec").co_consts if isinstance(c, CodeType))
        code = _INIT_CODE[shape] = next(c for c in outer.co_consts if isinstance(c, CodeType))
    return code


def _init(cls: type, fs: tuple[Field[Any], ...], frozen: bool = True) -> Callable[..., None]:
    """``cls.__init__`` as the dataclass writes it for these fields, from the shape's code."""
    names = [f.name for f in fs]
    seen_default = False
    for f in fs:  # the dataclass's own check
        if f.default is not MISSING or f.default_factory is not MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
    shape = "".join("P" if f.default_factory is MISSING else "F" for f in fs) + ("=" if frozen else "+")
    template = _init_code(shape)
    placeholder = {f"_{i}": name for i, name in enumerate(names)}
    code = template.replace(
        co_varnames=("self", *names),
        # The field names: constants of a frozen class's __init__, attribute names of a mutable one's.
        co_consts=tuple(placeholder.get(c, c) if isinstance(c, str) else c for c in template.co_consts),
        co_names=tuple(placeholder.get(n, n) for n in template.co_names),
    )
    values: dict[str, Any] = {"__dataclass_builtins_object__": object, "_HAS_DEFAULT_FACTORY": _HAS_DEFAULT_FACTORY}
    values.update((f"_dflt_{i}", f.default_factory) for i, f in enumerate(fs) if f.default_factory is not MISSING)
    defaults = tuple(
        _HAS_DEFAULT_FACTORY if f.default is MISSING else f.default
        for f in fs
        if f.default is not MISSING or f.default_factory is not MISSING
    )
    module = sys.modules.get(cls.__module__)
    init = FunctionType(
        code, module.__dict__ if module else {}, "__init__", defaults or None,
        tuple(CellType(values[name]) for name in code.co_freevars),
    )  # fmt: skip
    init.__annotations__ = {**{f.name: f.type for f in fs}, "return": None}
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _signature_doc(cls: type, fs: tuple[Field[Any], ...]) -> str:
    """The docstring the dataclass gives a class without one: its name and ``__init__``'s
    signature as :func:`inspect.signature` writes it. Written here when every annotation is text
    (``from __future__ import annotations``), which :mod:`inspect` shows as its ``repr``."""
    if all(type(f.type) is str for f in fs):
        params = []
        for f in fs:
            default = f.default if f.default_factory is MISSING else _HAS_DEFAULT_FACTORY
            params.append(f"{f.name}: {f.type!r}" if default is MISSING else f"{f.name}: {f.type!r} = {default!r}")
        signature = f"({', '.join(params)}) -> None"
    else:
        try:
            signature = str(inspect.signature(cls))
        except (TypeError, ValueError):
            signature = ""
    return cls.__name__ + signature.replace(" -> None", "")


def _plain(cls: type) -> bool:
    """Whether the dataclass would write ``cls``'s ``__init__`` as :func:`_init` does: no dataclass
    among its bases, none of :data:`_OWN_METHODS` of its own (nor ``__post_init__`` inherited),
    every field a plain, positional ``__init__`` parameter."""
    if any(name in cls.__dict__ for name in _OWN_METHODS) or hasattr(cls, "__post_init__"):
        return False
    if any(hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:]):
        return False
    if not _SAME_DATACLASS_TEXT or _HAS_DEFAULT_FACTORY is None or "__slots__" in cls.__dict__:
        return False
    for name, annotation in inspect.get_annotations(cls).items():
        if name in _INTERNAL or name.startswith("_dflt_") or any(word in str(annotation) for word in _SPECIAL_TYPES):
            return False
        default = cls.__dict__.get(name)
        if isinstance(default, Field) and (not default.init or default.kw_only is True):
            return False
    return True


#: The leading name of an annotation's text, read as :mod:`dataclasses` reads it (``_is_type``).
_LEADING = re.compile(r"^(?:\s*(\w+)\s*\.)?\s*(\w+)")
#: What makes an annotation something else than a field (its leading name bound to one of these).
_SPECIAL_OBJECTS = (typing.ClassVar, dataclasses.InitVar, dataclasses.KW_ONLY, typing, dataclasses)


def _bare(cls: type, slots: bool) -> type | None:
    """What ``dataclass(init=False, repr=False, eq=False, slots=slots)`` makes of a :func:`_plain`
    class (Python 3.11's ``_process_class`` with those flags): the fields, the parameters,
    ``__match_args__`` and the slotted copy, without asking three times per field whether its
    annotation is a ``ClassVar``, an ``InitVar`` or ``KW_ONLY``. None (nothing changed) when an
    annotation is not text or its leading name is bound to one of those (or to :mod:`typing` or
    :mod:`dataclasses` themselves): the dataclass decides those."""
    annotations = inspect.get_annotations(cls)
    module = sys.modules.get(cls.__module__)
    namespace = module.__dict__ if module is not None else {}
    for annotation in annotations.values():
        if type(annotation) is not str:
            return None
        m = _LEADING.match(annotation)
        if m is not None and any(namespace.get(m.group(i)) is o for i in (1, 2) for o in _SPECIAL_OBJECTS):
            return None
    cls.__dataclass_params__ = dataclasses._DataclassParams(False, False, False, False, False, False)  # type: ignore[attr-defined]
    found: dict[str, Field[Any]] = {}
    for name, annotation in annotations.items():  # _get_field, for a plain field
        default: Any = getattr(cls, name, MISSING)
        if isinstance(default, Field):
            f = default
        else:
            f = dataclasses.field(default=MISSING if isinstance(default, MemberDescriptorType) else default)
        f.name = name
        f.type = annotation
        f._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
        if f.kw_only is MISSING:
            f.kw_only = False
        if f.default.__class__.__hash__ is None:
            raise ValueError(f"mutable default {type(f.default)} for field {f.name} is not allowed: use default_factory")
        found[name] = f
        if isinstance(default, Field):
            if f.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, f.default)
    for name, value in cls.__dict__.items():
        if isinstance(value, Field) and name not in annotations:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    cls.__dataclass_fields__ = found  # type: ignore[attr-defined]
    if "__match_args__" not in cls.__dict__:
        setattr(cls, "__match_args__", tuple(found))  # noqa: B010 (not a known attribute)
    if slots:
        cls = dataclasses._add_slots(cls, False, False)  # type: ignore[attr-defined]
    abc.update_abstractmethods(cls)
    return cls


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(*, frozen: bool = True, slots: bool = True) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True)
def record(cls: type[T] | None = None, /, *, frozen: bool = True, slots: bool = True) -> Any:
    """``@dataclass(frozen=True, slots=True)``, with its methods shared instead of compiled.

    ``@record(frozen=False, slots=False)`` is ``@dataclass`` (and either flag alone the dataclass
    with that flag): the same sharing for a class that is changed after it is made, or that needs
    a ``__dict__`` (a ``cached_property``).
    """
    if cls is None:
        return lambda c: _record(c, frozen, slots)
    return _record(cls, frozen, slots)


def _record(cls: type[T], frozen: bool, slots: bool) -> type[T]:
    own = cls.__dict__
    if any(name in own for name in ("__eq__", "__hash__", "__repr__")):
        return dataclass(frozen=frozen, slots=slots)(cls)
    if _plain(cls):
        # Asked for with nothing generated; then given the dataclass's __init__ (and, frozen, its
        # __setattr__ and __delattr__) here, so that fields(), replace() and the parameters read
        # the same. A class without a docstring gets the dataclass's (its signature) once
        # __init__ is there.
        documented = bool(cls.__doc__)
        if not documented:
            cls.__doc__ = cls.__name__  # so that the dataclass does not compute one meanwhile
        made: Any = _bare(cls, slots) or dataclass(init=False, eq=False, repr=False, slots=slots)(cls)
        fs = fields(made)
        params = made.__dataclass_params__
        params.init = True
        params.frozen = frozen
        made.__init__ = _init(made, fs, frozen)
        if frozen:
            for name, fn in _frozen_methods(cls, tuple(f.name for f in fs), slots).items():
                setattr(made, name, fn)
        if not documented:
            made.__doc__ = _signature_doc(made, fs)
    else:
        made = dataclass(frozen=frozen, slots=slots, eq=False, repr=False)(cls)
        fs = fields(made)
    compared = [f.name for f in fs if f.compare]
    hashed = [f.name for f in fs if (f.compare if f.hash is None else f.hash)]
    shown = [f.name for f in fs if f.repr]
    for name, fn in _methods(made, compared, hashed, shown).items():
        setattr(made, name, fn)
    if not frozen:
        made.__hash__ = None  # a mutable dataclass with __eq__ is unhashable
    return made
