"""``@record`` makes the class ``@dataclass(frozen=True, slots=True)`` makes, as far as anyone can tell.

Each record class of ours is compared with a plain frozen, slotted dataclass of the same fields:
``==``, ``hash()`` and ``repr()`` on the same values, the frozen error, ``replace`` and ``fields``.
"""

from __future__ import annotations

import ast
import dataclasses
import dis
import inspect
import pickle
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

from netplan import model
from netplan import record as record_module
from netplan.addr import parse_prefix
from netplan.record import record

ROOT = Path(__file__).resolve().parents[2]


@record
class _Pair:
    a: int
    b: str = "x"
    note: str = dataclasses.field(default="", compare=False)
    tags: dict[str, str] = dataclasses.field(default_factory=dict, hash=False, repr=False)


@dataclasses.dataclass(frozen=True, slots=True)
class _PlainPair:
    a: int
    b: str = "x"
    note: str = dataclasses.field(default="", compare=False)
    tags: dict[str, str] = dataclasses.field(default_factory=dict, hash=False, repr=False)


@record
class _One:
    only: Any


@dataclasses.dataclass(frozen=True, slots=True)
class _PlainOne:
    only: Any


@record
class _Empty:
    pass


@record(frozen=False, slots=False)
class _Mutable:
    """A record changed after it is made (``@dataclass``)."""

    a: int
    b: list[int] = dataclasses.field(default_factory=list)
    c: str = "c"
    hidden: int = dataclasses.field(default=0, repr=False, compare=False)


@record(slots=False)
class _FrozenDict:
    a: int
    b: dict[str, int] = dataclasses.field(default_factory=dict, hash=False)
    c: tuple[int, ...] = ()


@record(frozen=False)
class _MutableSlots:
    a: int
    b: str = "b"


def test_equality_hash_and_repr_are_the_dataclass_ones() -> None:
    for args in [(1,), (1, "y"), (1, "y", "note"), (2, "x", "other", {"k": "v"})]:
        r, p = _Pair(*args), _PlainPair(*args)  # type: ignore[arg-type]
        assert repr(r) == repr(p).replace("_PlainPair", "_Pair")
        assert r == _Pair(*args)  # type: ignore[arg-type]
        assert not r != _Pair(*args)  # type: ignore[arg-type]  # noqa: SIM202
    # compare=False fields do not count; hash=False fields count for ==, not for hash.
    assert _Pair(1, "y", "a") == _Pair(1, "y", "b")
    assert _Pair(1, "y", tags={"k": "v"}) != _Pair(1, "y")
    assert hash(_Pair(1, "y", "n", {"k": "v"})) == hash(_PlainPair(1, "y", "n", {"k": "v"})) == hash((1, "y"))
    assert _Pair(1) != _PlainPair(1) and _Pair(1).__eq__(_PlainPair(1)) is NotImplemented
    assert hash(_One(5)) == hash(_PlainOne(5)) == hash((5,)) and _One(5) == _One(5) and _One(5) != _One(6)
    assert repr(_One("s")) == "_One(only='s')" and repr(_Empty()) == "_Empty()"
    assert _Empty() == _Empty() and hash(_Empty()) == hash(())


def test_frozen_replace_fields_slots_and_pickle_as_a_dataclass() -> None:
    r = _Pair(1, "y")
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.a = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del r.a  # type: ignore[misc]
    assert dataclasses.replace(r, a=3) == _Pair(3, "y")
    assert [f.name for f in dataclasses.fields(r)] == [f.name for f in dataclasses.fields(_PlainPair)]
    assert not hasattr(r, "__dict__") and _Pair.__slots__ == _PlainPair.__slots__
    assert pickle.loads(pickle.dumps(r)) == r
    assert _Pair.__match_args__ == _PlainPair.__match_args__


def test_a_record_that_contains_itself_shows_dots() -> None:
    box: list[Any] = []
    one = _One(box)
    box.append(one)
    assert repr(one) == "_One(only=[...])" == repr(_PlainOne(box)).replace("_PlainOne(only=[_One(only=[...])])", "_One(only=[...])")


def _record_classes() -> list[type]:
    """Every class of ours decorated with ``@record``, found in the source."""
    found = []
    for path in sorted(p for pkg in ("netplan", "checks", "vnetplan", "tui") for p in (ROOT / pkg).rglob("*.py")):
        tree = ast.parse(path.read_text())
        names = [n.name for n in tree.body if isinstance(n, ast.ClassDef)
                 and any((isinstance(d, ast.Name) and d.id == "record")
                         or (isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "record")
                         for d in n.decorator_list)]  # fmt: skip
        if names:
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            mod = __import__(module, fromlist=names)
            found += [getattr(mod, n) for n in names]
    return found


RECORDS = _record_classes()


def test_the_model_is_made_of_records() -> None:
    assert model.VNet in RECORDS and model.Subnet in RECORDS and len(RECORDS) >= 40


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_each_record_class_keys_on_its_dataclass_fields(cls: type) -> None:
    """The shared methods read the fields a generated ``__eq__``/``__hash__``/``__repr__`` would."""
    fs = dataclasses.fields(cls)
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen or cls.__hash__ is None  # type: ignore[comparison-overlap]

    def stand_in(values: list[Any]) -> Any:
        """An instance built without __init__'s checks (values are tuples, as the model's children
        built on first read are)."""
        obj = object.__new__(cls)
        for f, v in zip(fs, values, strict=True):
            object.__setattr__(obj, f.name, v)
        return obj

    values: list[Any] = [(f"v{i}",) for i in range(len(fs))]
    obj = stand_in(values)
    assert obj == stand_in(list(values)) and obj != object()
    for i, f in enumerate(fs):
        other = stand_in([*values[:i], ("changed",), *values[i + 1 :]])
        assert (obj == other) is not f.compare, f.name
    if params.frozen:
        assert hash(obj) == hash(tuple(v for f, v in zip(fs, values, strict=True) if (f.compare if f.hash is None else f.hash)))
    assert repr(obj) == f"{cls.__qualname__}(" + ", ".join(f"{f.name}={v!r}" for f, v in zip(fs, values, strict=True) if f.repr) + ")"


def test_a_model_object_compares_hashes_and_reads_as_a_dataclass() -> None:
    vnet = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v"
    a = model.Subnet(f"{vnet}/subnets/a", "a", vnet, (parse_prefix("10.0.0.0/24"),))
    b = dataclasses.replace(a, nsg_id=f"{vnet}-nsg")
    assert a == dataclasses.replace(a) and a != b and len({a, dataclasses.replace(a), b}) == 2
    values = tuple(getattr(a, f.name) for f in dataclasses.fields(a))
    assert hash(a) == hash(values)
    assert repr(a) == "Subnet(" + ", ".join(f"{f.name}={getattr(a, f.name)!r}" for f in dataclasses.fields(a)) + ")"


def _twin(cls: type) -> type:
    """A plain ``@dataclass(frozen=..., slots=...)`` declared as ``cls`` was (frozen and slotted as
    it is): the same bases, fields, defaults, docstring (none when the dataclass wrote it) and names."""
    namespace: dict[str, Any] = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__annotations__": {f.name: f.type for f in dataclasses.fields(cls)},
    }
    if not (cls.__doc__ or "").startswith(f"{cls.__name__}("):
        namespace["__doc__"] = cls.__doc__
    for f in dataclasses.fields(cls):
        namespace[f.name] = dataclasses.field(
            default=f.default, default_factory=f.default_factory, init=f.init, repr=f.repr, hash=f.hash,
            compare=f.compare, metadata=f.metadata, kw_only=f.kw_only,
        )  # type: ignore[call-overload]  # fmt: skip
    for name, value in vars(cls).items():
        if name in namespace:
            continue
        if (callable(value) and not name.startswith("__")) or isinstance(value, property | staticmethod | classmethod):
            namespace[name] = value
    frozen, slots = cls.__dataclass_params__.frozen, "__slots__" in cls.__dict__  # type: ignore[attr-defined]
    return dataclasses.dataclass(frozen=frozen, slots=slots)(type(cls.__name__, cls.__bases__, namespace))


def _instructions(fn: Any) -> list[tuple[str, Any]]:
    """The bytecode of ``fn``, with the cells of the default factories named by field position."""
    names = {f"_dflt_{name}": f"_dflt_{i}" for i, name in enumerate(fn.__code__.co_varnames[1:])}
    # Python 3.12 on names these __dataclass_dflt_{name}__ and __dataclass_HAS_DEFAULT_FACTORY__.
    names |= {f"__dataclass_dflt_{name}__": f"_dflt_{i}" for i, name in enumerate(fn.__code__.co_varnames[1:])}
    names["__dataclass_HAS_DEFAULT_FACTORY__"] = "_HAS_DEFAULT_FACTORY"
    return [(i.opname, names.get(i.argval, i.argval)) for i in dis.get_instructions(fn)]


def _cells(fn: Any) -> dict[str, int]:
    """The closure of ``fn``: each cell's contents (by identity) under its name, the default
    factories named by field position as in :func:`_instructions` (the order of the cells follows
    the names, which differ)."""
    fields_ = fn.__code__.co_varnames[1 : fn.__code__.co_argcount]
    rename = {f"_dflt_{name}": f"_dflt_{i}" for i, name in enumerate(fields_)}
    rename |= {f"__dataclass_dflt_{name}__": f"_dflt_{i}" for i, name in enumerate(fields_)}
    rename["__dataclass_HAS_DEFAULT_FACTORY__"] = "_HAS_DEFAULT_FACTORY"
    return {rename.get(n, n): id(c.cell_contents) for n, c in zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True)}


def _described(cls: type) -> list[tuple[Any, ...]]:
    """Each field as the dataclass keeps it (its kind too: a field, a ClassVar or an InitVar)."""
    return [
        (f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.hash, f.compare, dict(f.metadata), f.kw_only,
         f._field_type)  # type: ignore[attr-defined]
        for f in cls.__dataclass_fields__.values()  # type: ignore[attr-defined]
    ]  # fmt: skip


def _outcome(action: Any) -> tuple[type, str] | None:
    try:
        action()
    except Exception as exc:  # the outcome is what is compared
        return type(exc), str(exc)
    return None


@pytest.mark.parametrize("cls", [_Pair, _One, _Empty, _Mutable, _FrozenDict, _MutableSlots, *RECORDS],
                         ids=lambda c: f"{c.__module__}.{c.__qualname__}")  # fmt: skip
def test_each_record_class_is_made_as_the_dataclass_makes_it(cls: type) -> None:
    """``__init__`` (its bytecode, signature, defaults, annotations and errors), the docstring, the
    frozen errors, pickling's state and the class's attributes are those of the plain dataclass."""
    twin = _twin(cls)
    assert str(inspect.signature(cls)) == str(inspect.signature(twin))
    assert cls.__doc__ == twin.__doc__ and cls.__match_args__ == twin.__match_args__  # type: ignore[attr-defined]
    assert cls.__dict__.get("__slots__") == twin.__dict__.get("__slots__")
    assert cls.__init__.__qualname__ == twin.__init__.__qualname__  # type: ignore[misc]
    assert (cls.__hash__ is None) == (twin.__hash__ is None)  # type: ignore[comparison-overlap]
    if "__slots__" not in cls.__dict__:  # the defaults a slotless dataclass leaves on the class
        kept = [n for n in vars(twin) if not n.startswith("__") and not callable(getattr(twin, n))]
        assert {n: getattr(cls, n) for n in kept} == {n: getattr(twin, n) for n in kept}
    init, twin_init = cls.__init__, twin.__init__  # type: ignore[misc]
    assert init.__defaults__ == twin_init.__defaults__ and init.__kwdefaults__ == twin_init.__kwdefaults__
    assert init.__annotations__ == twin_init.__annotations__ and init.__globals__ is twin_init.__globals__
    assert _instructions(init) == _instructions(twin_init)
    assert _cells(init) == _cells(twin_init)
    assert _described(cls) == _described(twin)
    made = ("__init__", "__eq__", "__hash__", "__repr__", "__setattr__", "__delattr__", "__getstate__", "__setstate__",
            "__match_args__", "__slots__", "__dataclass_fields__", "__dataclass_params__", "__abstractmethods__")  # fmt: skip
    assert [n in vars(cls) for n in made] == [n in vars(twin) for n in made]
    params, twin_params = cls.__dataclass_params__, twin.__dataclass_params__  # type: ignore[attr-defined]
    assert (params.init, params.frozen, params.order, params.unsafe_hash) == (
        twin_params.init, twin_params.frozen, twin_params.order, twin_params.unsafe_hash
    )  # fmt: skip
    assert _outcome(cls) == _outcome(twin)  # the missing arguments, named alike
    fs = dataclasses.fields(cls)
    assert _outcome(lambda: cls(*range(len(fs) + 1))) == _outcome(lambda: twin(*range(len(fs) + 1)))

    def stand_in(of: type) -> Any:
        obj = object.__new__(of)
        for i, f in enumerate(fs):
            object.__setattr__(obj, f.name, (f"v{i}",))
        return obj

    obj, twin_obj = stand_in(cls), stand_in(twin)
    assert obj.__getstate__() == twin_obj.__getstate__()
    assert hasattr(cls, "__setstate__") == hasattr(twin, "__setstate__")
    if hasattr(cls, "__setstate__"):  # a frozen, slotted class pickles through its own methods
        copy = object.__new__(cls)
        copy.__setstate__(obj.__getstate__())
        assert copy == obj
    if "<locals>" not in cls.__qualname__:
        assert pickle.loads(pickle.dumps(obj)) == obj
    for name in ([f.name for f in fs][:1] or ["absent"]) + ["not_a_field"]:
        assert _outcome(lambda: setattr(obj, name, 1)) == _outcome(lambda: setattr(twin_obj, name, 1))  # noqa: B023
        assert _outcome(lambda: delattr(obj, name)) == _outcome(lambda: delattr(twin_obj, name))  # noqa: B023


def test_a_record_is_made_as_the_dataclass_makes_it_whatever_its_fields() -> None:
    """Defaults after factories, several factories, a field named like the generated code's own
    names, one with ``init=False``, a docstring-less class, a record with a plain base."""

    class Base:
        __slots__ = ()

        @property
        def twice(self) -> Any:
            return self.a * 2  # type: ignore[attr-defined]

    @record
    class Many(Base):
        a: int
        b: list[int] = dataclasses.field(default_factory=list)
        c: str = "c"
        d: dict[str, int] = dataclasses.field(default_factory=dict, compare=False)
        e: tuple[int, ...] = ()

    @record
    class Odd:
        """Names the generated ``__init__`` uses itself, and a field left out of it."""

        self_: int
        _dflt_x: int = 1
        later: int = dataclasses.field(default=5, init=False)

    for cls in (Many, Odd):
        test_each_record_class_is_made_as_the_dataclass_makes_it(cls)
    one, two = Many(1), Many(1)
    assert one.b is not two.b and one == two and one.twice == 2 and Odd(1).later == 5
    assert Many(1, [2], "x", {"k": 1}, (3,)) == Many(1, [2], "x", {"k": 2}, (3,)) != Many(2)


def test_on_python_3_11_the_model_shares_init_code_and_elsewhere_takes_the_dataclass_path() -> None:
    """The shared ``__init__`` copies Python 3.11's dataclass text: it is used there (else the
    comparisons above would test the dataclass against itself) and nowhere else."""
    # The cache of compiled shapes fills only when the shared __init__ is made (the model is loaded).
    assert bool(record_module._INIT_CODE) == (sys.version_info[:2] == (3, 11))


def test_a_mutable_or_slotless_record_behaves_as_its_dataclass() -> None:
    """``@record(frozen=False, slots=False)`` is ``@dataclass``; ``@record(slots=False)`` is
    ``@dataclass(frozen=True)``: set, compared, hashed (or not), shown, copied and pickled alike."""
    for cls in (_Mutable, _FrozenDict, _MutableSlots):
        twin = _twin(cls)
        for args in [(1,), (1, [2] if cls is _Mutable else {"k": 2} if cls is _FrozenDict else "x")]:
            one, other = cls(*args), twin(*args)
            assert repr(one) == repr(other).replace(twin.__qualname__, cls.__qualname__)
            assert one == cls(*args) and one != cls(5) and (one == other) is False
            assert dataclasses.replace(one, a=7) == cls(7, *args[1:]) and dataclasses.astuple(one) == dataclasses.astuple(other)
            assert pickle.loads(pickle.dumps(one)) == one
            if cls is _FrozenDict:
                assert hash(one) == hash(cls(*args)) and _outcome(lambda: setattr(one, "a", 2)) == _outcome(lambda: setattr(other, "a", 2))  # noqa: B023
                one.__dict__["cache"] = 1  # a slotless frozen class keeps a dict (a cached_property's)
            else:
                assert _outcome(lambda: hash(one)) == _outcome(lambda: hash(other))  # noqa: B023
                one.a = 3
                assert one == cls(3, *args[1:])
    assert _Mutable(1).b is not _Mutable(1).b and _Mutable(1, hidden=5) == _Mutable(1)
    assert "__dict__" not in dir(_MutableSlots(1)) and not hasattr(_FrozenDict, "__slots__")


_CV = ClassVar  # an alias the substring checks cannot see: the dataclass resolves it


def test_a_record_reads_its_annotations_and_defaults_as_the_dataclass_does() -> None:
    """A ClassVar behind an alias is no field; a mutable default and a field() without an annotation
    are the dataclass's errors, word for word."""

    @record
    class Aliased:
        a: int
        b: _CV[int] = 1

    assert [f.name for f in dataclasses.fields(Aliased)] == ["a"] and Aliased(2).b == 1
    for make in (dataclasses.dataclass(frozen=True, slots=True), record):

        def bad_default(make: Any = make) -> Any:
            class Bad:
                a: list[int] = []

            return make(Bad)

        def no_annotation(make: Any = make) -> Any:
            class Bad:
                a: int
                b = dataclasses.field(default=1)

            return make(Bad)

        assert _outcome(bad_default) == (ValueError, "mutable default <class 'list'> for field a is not allowed: use default_factory")
        assert _outcome(no_annotation) == (TypeError, "'b' is a field but has no type annotation")
