"""The streamed JSON writer: the same bytes as ``json.dumps``, written item by item."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from netplan import jsonout
from netplan.jsonout import Stream, dumps, write_json
from vnetplan.cli import main

ROOT = Path(__file__).resolve().parents[2]

DOC: dict[str, Any] = {
    "kind": "audit",
    "empty": [],
    "nothing": {},
    "findings": [{"rule": "VNP-1", "message": "naïve\nline", "n": i, "ok": i % 2 == 0, "x": None} for i in range(9)],
    "summary": {"pass": 3, "nested": {"deep": [1, [2, {"a": 1.5}]]}},
}


def _streamed() -> dict[str, Any]:
    """DOC with its arrays as Streams, a nested Stream inside a streamed dict included."""
    return {
        **DOC,
        "empty": Stream(iter([])),
        "findings": Stream(iter(DOC["findings"]), plain=True),  # items known to hold no Stream
        "groups": Stream(iter([{"members": [1, 2], "pairs": Stream(iter([[0, 1, 0]] * 5))}, {"pairs": Stream([])}])),
    }


def _plain() -> dict[str, Any]:
    return {**DOC, "groups": [{"members": [1, 2], "pairs": [[0, 1, 0]] * 5}, {"pairs": []}]}


@pytest.mark.parametrize("chunk", [1, 2, 4096])
def test_pretty_is_exactly_json_dumps_indent_2(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonout, "CHUNK", chunk)
    assert dumps(_streamed(), pretty=True) == json.dumps(_plain(), indent=2, ensure_ascii=False)


@pytest.mark.parametrize("chunk", [1, 3, 4096])
def test_compact_is_exactly_json_dumps_with_tight_separators(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonout, "CHUNK", chunk)
    expected = json.dumps(_plain(), ensure_ascii=False, separators=(",", ":"))
    assert dumps(_streamed(), pretty=False) == expected


class _Text(str):
    """A str subclass: msgspec refuses it, the stdlib writes its text."""


#: Values a float-free ("basic") stream may hold, with the texts msgspec must write as the stdlib
#: does: escapes, non-ASCII, U+2028, big and negative ints, int keys; and values msgspec refuses
#: (a lone surrogate, a str subclass, a bool key), which the stdlib then writes.
BASIC: list[Any] = [
    {"s": 'quote " back \\ nl \n tab \t nul \x00 del \x7f ß 中 \u2028 😀', "n": -(2**70), "b": [True, False, None]},
    {"ids": ["/subscriptions/x/resourceGroups/RG", ""], "k": {"1": 0}, 5: "int key", "t": (1, 2)},
    {"lone": "\ud800"}, {"sub": _Text("x")}, {True: "bool key"}, [], {},
]


@pytest.mark.parametrize("chunk", [1, 2, 4096])
def test_a_basic_stream_writes_the_stdlib_text(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonout, "CHUNK", chunk)
    for pretty, expected in ((False, json.dumps(BASIC, ensure_ascii=False, separators=(",", ":"))),
                             (True, json.dumps(BASIC, indent=2, ensure_ascii=False))):  # fmt: skip
        assert dumps(Stream(iter(BASIC), plain=True, basic=True), pretty=pretty) == expected


Item = msgspec.defstruct("Item", [("kind", Any), ("global", Any), ("prefixes", Any), ("source", Any)])


@pytest.mark.parametrize("chunk", [1, 2, 4096])
def test_structs_and_raw_json_are_written_as_the_values_they_stand_for(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # The graph's node-link JSON streams msgspec Structs (members in order, by their JSON names) with
    # prefix lists held as their JSON (Raw): the same text as the dicts and lists, compact or
    # indented, in a chunk msgspec writes and in one it refuses (a lone surrogate: the stdlib's).
    monkeypatch.setattr(jsonout, "BASIC_CHUNK", chunk)
    items = [Item("vnet", True, msgspec.Raw(b'["10.0.0.0/16","fd00::/64"]'), "a"), {"source": "b", "n": Item("x", None, msgspec.Raw(b"[]"), "\ud800")},
             Item("peering", False, [], "ß 中")]  # fmt: skip
    plain = [{"kind": "vnet", "global": True, "prefixes": ["10.0.0.0/16", "fd00::/64"], "source": "a"},
             {"source": "b", "n": {"kind": "x", "global": None, "prefixes": [], "source": "\ud800"}},
             {"kind": "peering", "global": False, "prefixes": [], "source": "ß 中"}]  # fmt: skip
    for pretty in (False, True):
        expected = json.dumps({"items": plain}, ensure_ascii=False, **({"indent": 2} if pretty else {"separators": (",", ":")}))
        assert dumps({"items": Stream(iter(items), plain=True, basic=True)}, pretty=pretty) == expected


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "latin-1"])
def test_a_basic_stream_to_a_file_writes_the_text_in_its_encoding(encoding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Into a UTF-8 file (stdout) msgspec's bytes go as they are, behind what the text layer held;
    # any other encoding gets the text, encoded by the stream as before.
    monkeypatch.setattr(jsonout, "BASIC_CHUNK", 2)
    items = [{"name": "café", "n": i} for i in range(5)]
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding=encoding)
    out.write("head ")
    write_json(out, {"a": 1, "items": Stream(iter(items), plain=True, basic=True), "z": [2]})
    out.flush()
    expected = "head " + json.dumps({"a": 1, "items": items, "z": [2]}, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert raw.getvalue() == expected.encode(encoding)


def test_a_stream_is_written_while_it_is_produced() -> None:
    """Items reach the output before the generator is exhausted (nothing holds the whole array)."""
    out = io.StringIO()
    seen_before_last: list[int] = []

    def items() -> Any:
        for i in range(3 * jsonout.CHUNK):
            if i == 3 * jsonout.CHUNK - 1:
                seen_before_last.append(len(out.getvalue()))
            yield i

    write_json(out, {"items": Stream(items())})
    assert seen_before_last[0] > 2 * jsonout.CHUNK  # two chunks were already written
    assert json.loads(out.getvalue())["items"] == list(range(3 * jsonout.CHUNK))


def test_cli_json_is_compact_when_piped_and_indented_with_pretty(capsys: pytest.CaptureFixture[str]) -> None:
    estate = str(ROOT / "samples" / "mendix-estate.json")
    main(["overlaps", "--estate", estate, "--format", "json"])
    compact = capsys.readouterr().out
    main(["overlaps", "--estate", estate, "--format", "json", "--pretty"])
    pretty = capsys.readouterr().out
    assert compact.count("\n") == 1 and pretty.count("\n") > 10
    assert json.loads(compact) == json.loads(pretty)
    assert pretty == json.dumps(json.loads(compact), indent=2, ensure_ascii=False) + "\n"
