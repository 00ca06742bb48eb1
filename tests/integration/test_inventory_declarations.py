"""Declarations survive inventory (issue 10): `vnetplan inventory --declarations FILE` (a declarations
file or a snapshot, whose `declarations` key is taken) and the snapshot already at --out carry the
declarations into the snapshot written, so `verify --intent` on it answers as on the original."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import Emulator
from vnetplan.cli import main

pytestmark = pytest.mark.integration  # talks to the ARM emulator

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "mendix-estate.json"
INTENT = ROOT / "samples" / "mendix-intent.yaml"
DECLARATIONS = json.loads(SAMPLE.read_text())["declarations"]


@pytest.fixture
def emu(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", "any-value")
    with Emulator(snapshot=str(SAMPLE)) as e:
        yield e


def inventory(emu: Emulator, out: Path, *extra: str) -> int:
    return main(["inventory", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--out", str(out), "--quiet", *extra])


def verify(estate: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    capsys.readouterr()
    code = main(["verify", "--estate", str(estate), "--intent", str(INTENT), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_declarations_file_is_carried_and_verify_answers_as_on_the_original(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decl = tmp_path / "declarations.json"
    decl.write_text(json.dumps(DECLARATIONS))
    out = tmp_path / "estate.json"
    assert inventory(emu, out, "--declarations", str(decl)) == 0
    assert json.loads(out.read_text())["declarations"] == DECLARATIONS
    assert verify(out, capsys) == verify(SAMPLE, capsys)
    # Without the declarations the answer differs: they matter to this estate.
    bare = tmp_path / "bare.json"
    assert inventory(emu, bare) == 0 and "declarations" not in json.loads(bare.read_text())
    assert verify(bare, capsys) != verify(SAMPLE, capsys)


def test_a_snapshot_is_accepted_as_declarations_and_the_previous_snapshot_keeps_them(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "estate.json"
    assert inventory(emu, out, "--declarations", str(SAMPLE)) == 0  # its `declarations` key
    assert json.loads(out.read_text())["declarations"] == DECLARATIONS
    capsys.readouterr()
    # The next inventory to the same file keeps them, and says so.
    assert main(["inventory", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--out", str(out)]) == 0
    assert json.loads(out.read_text())["declarations"] == DECLARATIONS
    assert f"declarations carried into the snapshot from {out}" in capsys.readouterr().err


def test_declarations_naming_a_vnet_not_read_are_one_line_and_nothing_is_written(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decl = tmp_path / "d.yaml"
    decl.write_text("forwarders:\n  - vnet: vnet-nowhere\n    device: fw\n")
    out = tmp_path / "estate.json"
    capsys.readouterr()
    assert inventory(emu, out, "--declarations", str(decl)) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"vnetplan: error: {decl}: ") and "vnet-nowhere" in line
    assert not out.exists()
    decl.write_text("forwarders: 3\n")  # a bad shape fails before Azure is read
    writes_before = emu.stats.requests
    assert inventory(emu, out, "--declarations", str(decl)) == 2
    assert "line 1: forwarders: expected a list" in capsys.readouterr().err
    assert emu.stats.requests == writes_before
