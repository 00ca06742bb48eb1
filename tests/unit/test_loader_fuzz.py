"""The loaders fed malformed input: any damage to a real snapshot ends in the loaded estate or in
one InputError line naming the file — never another exception, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netplan.errors import InputError
from netplan.estate import estate_from_data
from netplan.loader import snapshot_from_data

SAMPLE_TEXT = (Path(__file__).resolve().parents[2] / "samples" / "mendix-estate.json").read_text()
SAMPLE = json.loads(SAMPLE_TEXT)

JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(["10.0.0.1/16", "10.0.0.0/33", "::/129", "Connected", "", "/", "x/y"]),
    st.lists(st.text(max_size=4), max_size=3), st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2),
)  # fmt: skip


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _set(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = node
    for p in path[:-1]:
        parent = parent[p]
    parent[path[-1]] = value
    return node


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resource=st.integers(0, len(SAMPLE["resources"]) - 1), pick=st.integers(0, 10**6), junk=JUNK,
       delete=st.booleans())  # fmt: skip
def test_damaged_resource_loads_or_fails_with_one_input_error(resource: int, pick: int, junk: Any, delete: bool) -> None:
    data = json.loads(SAMPLE_TEXT)  # a fresh copy, three times cheaper than copy.deepcopy
    target = data["resources"][resource]
    paths = _paths(target)
    path = paths[pick % len(paths)]
    if delete and path and isinstance(path[-1], str):
        parent = target
        for p in path[:-1]:
            parent = parent[p]
        del parent[path[-1]]
    else:
        data["resources"][resource] = _set(target, path, junk)
    try:
        estate = estate_from_data(data, "fuzz.json")
    except InputError as exc:
        line = str(exc)
        assert line.startswith("fuzz.json: ")
        assert "\n" not in line
        return
    # What loads must also index: the analyses start from these.
    assert len(estate.by_id) >= len(estate.vnets)
    estate.ip_owners("10.20.0.250")
    estate.vnets_containing("10.20.0.250")


@settings(max_examples=100, deadline=None)
@given(top=JUNK)
def test_any_top_level_value_is_handled(top: Any) -> None:
    try:
        snapshot_from_data(top, "top.json")
    except InputError as exc:
        assert str(exc).startswith("top.json: ")
