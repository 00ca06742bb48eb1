"""The lean Estate: a loaded snapshot keeps each resource as a span of the file, not a JSON tree,
and everything that reads a resource's JSON back (``raw``, snapshot round trips, what-if copies)
sees what ``json.load`` of the file gives, byte for byte once written."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from netplan import rawjson
from netplan.errors import InputError
from netplan.estate import RESOURCE_FIELDS, Estate, estate_from_data, load_estate
from netplan.ids import rid_key

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [ROOT / "samples" / "mendix-estate.json", ROOT / "samples" / "clean-estate.json"]
SUB = "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f/resourceGroups/rg-net/providers/Microsoft.Network"


def _top_level(est: Estate) -> list[Any]:
    return [r for name in RESOURCE_FIELDS for r in getattr(est, name)]


def _vnet(name: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}, **(extra or {})}
    return {"name": name, "id": f"{SUB}/virtualNetworks/{name}", "type": "Microsoft.Network/virtualNetworks",
            "location": "westeurope", "properties": props}  # fmt: skip


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_loaded_sample_keeps_spans_and_raw_is_what_json_load_gives(path: Path) -> None:
    est = load_estate([path])
    tops = _top_level(est)
    assert tops and all(rawjson.is_span(r.source) for r in tops), "a file's resources are kept as spans"
    by_id = {rid_key(r["id"]): r for r in json.loads(path.read_text())["resources"] if "id" in r}
    for r in tops:
        assert r.raw == by_id[r.key]
        # Key order too: the snapshot writer emits the resource as it was read.
        assert list(r.raw) == list(by_id[r.key])


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_snapshot_round_trip_is_byte_identical_to_the_json_path(path: Path) -> None:
    lean = load_estate([path])
    tree = estate_from_data(json.loads(path.read_text()), str(path))
    assert json.dumps(lean.to_snapshot(), indent=2) == json.dumps(tree.to_snapshot(), indent=2)
    assert lean == tree


def test_changing_raw_does_not_change_the_estate(tmp_path: Path) -> None:
    f = tmp_path / "e.json"
    f.write_text(json.dumps({"resources": [_vnet("hub")]}))
    (v,) = load_estate([f]).vnets
    body = v.raw
    body["properties"]["addressSpace"]["addressPrefixes"].append("10.2.0.0/16")
    assert v.raw["properties"]["addressSpace"]["addressPrefixes"] == ["10.1.0.0/16"]


def test_what_if_copy_of_a_lean_estate_reads_the_unchanged_resources_from_their_spans(tmp_path: Path) -> None:
    f = tmp_path / "e.json"
    f.write_text(json.dumps({"resources": [_vnet("hub"), _vnet("spoke")]}))
    est = load_estate([f])
    grown = _vnet("spoke")
    grown["properties"]["addressSpace"]["addressPrefixes"] = ["10.1.0.0/16", "10.9.0.0/16"]
    after = est.with_resources([grown])
    assert [str(p) for p in after.vnet(grown["id"]).address_prefixes] == ["10.1.0.0/16", "10.9.0.0/16"]
    assert after.vnet(_vnet("hub")["id"]).raw == _vnet("hub")
    assert {r["name"] for r in after.to_snapshot()["resources"]} == {"hub", "spoke"}


@pytest.mark.parametrize(
    "value",
    ["NaN", "Infinity", "1e400", '"\\ud800"'],
    ids=["nan", "infinity", "out-of-range", "lone-surrogate"],
)
def test_json_only_the_stdlib_reads_loads_as_before(tmp_path: Path, value: str) -> None:
    # msgspec refuses these; the stdlib reads them, and so does the loader, with the same values.
    text = json.dumps({"resources": [_vnet("hub", {"custom": "X"})]}).replace('"X"', value)
    f = tmp_path / "e.json"
    f.write_text(text)
    (v,) = load_estate([f]).vnets
    expected = json.loads(text)["resources"][0]
    assert json.dumps(v.raw) == json.dumps(expected)
    assert str(v.address_prefixes[0]) == "10.1.0.0/16"


def test_invalid_utf8_inside_a_resource_is_one_error_line(tmp_path: Path) -> None:
    f = tmp_path / "e.json"
    f.write_bytes(json.dumps({"resources": [_vnet("hub", {"note": "Z"})]}).encode().replace(b"Z", b"\xff"))
    with pytest.raises(InputError, match="not UTF-8 JSON") as exc:
        load_estate([f])
    assert str(f) in str(exc.value)


def test_a_resource_that_is_not_an_object_is_named_with_its_type(tmp_path: Path) -> None:
    f = tmp_path / "e.json"
    f.write_text(json.dumps({"resources": [_vnet("hub"), [1, 2]]}))
    with pytest.raises(InputError, match=r"resources\[1\].*expected a resource object, got list"):
        load_estate([f])


def test_a_loaded_estate_keeps_ranges_of_the_file_not_its_bytes(tmp_path: Path) -> None:
    # A big snapshot's bytes are let go once the model is built (peak memory at 10k VNets); each
    # resource is read again from the file when its JSON is asked for.
    f = tmp_path / "e.json"
    vnets = [_vnet(f"v{i}", {"note": "x" * 2000}) for i in range(200)]
    f.write_text(json.dumps({"resources": vnets}, indent=1))
    est = load_estate([f])
    spans = [v.source for v in est.vnets]
    assert all(isinstance(s, rawjson.FileSpan) for s in spans)
    assert len({id(s.file) for s in spans}) == 1
    assert spans[0].file._buf is None, "the loading window is let go"
    assert [v.raw for v in est.vnets] == vnets
    assert len(spans[0].file._buf or b"") <= rawjson.SourceFile.LATER + 2100, "later reads take small windows"


def _written(vnets: list[dict[str, Any]], style: str) -> str:
    items = [json.dumps(v) for v in vnets]
    if style == "one a line":
        return '{"resources": [\n' + ",\n".join(items) + "\n]}"
    if style == "compact":
        return json.dumps({"resources": vnets}, separators=(",", ":"))
    if style == "indented":
        return json.dumps({"resources": vnets}, indent=2)
    if style == "uneven gaps":  # the same gap everywhere but once
        return '{"resources": [' + ", ".join(items[:700]) + " ,\n\t" + ", ".join(items[700:]) + "]}"
    return json.dumps({"resources": vnets})


@pytest.mark.parametrize("style", ["json.dump", "one a line", "compact", "indented", "uneven gaps"])
def test_each_resource_keeps_its_own_range_however_the_file_spaces_them(tmp_path: Path, style: str) -> None:
    # Over a thousand resources: the ranges are checked a chunk at a time when the gaps are even.
    f = tmp_path / "e.json"
    vnets = [_vnet(f"v{i}", {"note": "y" * (i % 7)}) for i in range(2100)]
    f.write_text(_written(vnets, style))
    est = load_estate([f])
    assert all(isinstance(v.source, rawjson.FileSpan) for v in est.vnets)
    assert [v.raw for v in est.vnets] == vnets
    assert [v.name for v in est.vnets] == [f"v{i}" for i in range(2100)]


def test_a_resource_that_is_not_an_object_among_many_is_named_with_its_type(tmp_path: Path) -> None:
    f = tmp_path / "e.json"
    f.write_text(json.dumps({"resources": [*(_vnet(f"v{i}") for i in range(1500)), "vnet", _vnet("last")]}))
    with pytest.raises(InputError, match=r"resources\[1500\].*expected a resource object, got str"):
        load_estate([f])


@pytest.mark.parametrize("change", ["rewritten", "replaced", "removed"])
def test_raw_of_a_snapshot_changed_since_it_was_loaded_is_one_error_line(tmp_path: Path, change: str) -> None:
    f = tmp_path / "e.json"
    f.write_text(json.dumps({"resources": [_vnet("hub"), _vnet("spoke")]}))
    est = load_estate([f])
    other = json.dumps({"resources": [_vnet("spoke"), _vnet("hub", {"x": 1})]})
    if change == "rewritten":
        f.write_text(other)
    elif change == "replaced":
        (tmp_path / "new.json").write_text(other)
        (tmp_path / "new.json").replace(f)
    else:
        f.unlink()
    with pytest.raises(InputError) as exc:
        _ = est.vnets[0].raw
    assert str(exc.value).startswith(f"{f}: ")
    assert ("changed since it was read" if change != "removed" else "cannot read it again") in str(exc.value)


def test_a_snapshot_read_from_a_pipe_keeps_its_bytes(tmp_path: Path) -> None:
    # A pipe cannot be read twice: its resources stay spans of the bytes read.
    fifo = tmp_path / "e.fifo"
    os.mkfifo(fifo)
    doc = {"resources": [_vnet("hub")]}
    writer = threading.Thread(target=fifo.write_text, args=(json.dumps(doc),))
    writer.start()
    est = load_estate([fifo])
    writer.join()
    (v,) = est.vnets
    assert type(v.source) is not rawjson.FileSpan and v.raw == doc["resources"][0]


def test_present_answers_as_contains_without_building_the_index_of_every_resource() -> None:
    # The graph asks whether the services behind private endpoints are in the snapshot; the answer
    # must be the index's, for any spelling of the ID, children included.
    vnet = _vnet("hub", {"subnets": [{"name": "app", "id": f"{SUB}/virtualNetworks/hub/subnets/app",
                                      "properties": {"addressPrefix": "10.1.0.0/24"}}]})  # fmt: skip
    odd = _vnet("ÿstanbul-İ")  # lower() of 'İ' is two characters: no length shortcut for it
    est = estate_from_data({"resources": [vnet, odd]}, "e.json")
    asked = [
        vnet["id"].upper(), f" {vnet['id']}/ ", f"{SUB}/virtualNetworks/hub/subnets/APP", odd["id"], odd["id"].lower(),
        f"{SUB}/virtualNetworks/other", "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
    ]  # fmt: skip
    found = est.present(asked)
    assert "by_id" not in est.__dict__
    assert {a for a in asked if rid_key(a) in found} == {a for a in asked if est.contains(a)}
    assert len(found) == 3
    assert est.present(asked) == found  # and from the index, once it is built
