"""``@record`` makes the class ``@dataclass(frozen=True, slots=True)`` makes, as far as anyone can tell.

Each record class of ours is compared with a plain frozen, slotted dataclass of the same fields:
``==``, ``hash()`` and ``repr()`` on the same values, the frozen error, ``replace`` and ``fields``.
"""

from __future__ import annotations

import ast
import dataclasses
import pickle
from pathlib import Path
from typing import Any

import pytest

from netplan import model
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
                 and any(isinstance(d, ast.Name) and d.id == "record" for d in n.decorator_list)]  # fmt: skip
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
    assert params.frozen and "__slots__" in cls.__dict__

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
