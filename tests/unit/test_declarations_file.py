"""`--declarations` accepts a declarations file or a snapshot file (whose `declarations` key it takes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netplan.loader import load_estate, read_declarations

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "mendix-estate.json"


def test_a_snapshot_given_as_declarations_gives_its_declarations_key(tmp_path: Path) -> None:
    data = json.loads(SAMPLE.read_text())
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps({"resources": data["resources"]}))
    with_snapshot = load_estate([bare], [SAMPLE])
    decl = tmp_path / "d.json"
    decl.write_text(json.dumps(data["declarations"]))
    with_file = load_estate([bare], [decl])
    assert with_snapshot.declarations_dict() == with_file.declarations_dict() == load_estate([SAMPLE]).declarations_dict()
    assert with_snapshot.onprem and not load_estate([bare]).onprem


def test_errors_in_a_snapshot_s_declarations_name_the_line(tmp_path: Path) -> None:
    snap = tmp_path / "s.json"
    snap.write_text('{\n "resources": [],\n "declarations": {\n  "onprem": 5\n }\n}\n')
    with pytest.raises(Exception, match=r"s\.json: line 4: onprem: expected a list"):
        read_declarations(snap)
    empty = tmp_path / "e.json"
    empty.write_text('{"resources": []}')
    assert not read_declarations(empty).onprem
