"""Quiet by default: skipped resource types are listed only with --verbose, or when one of them can
change the answer (then the note says which, and what the model misses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vnetplan.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "mendix-estate.json"
SUB = "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f/resourceGroups/rg/providers"


def with_extra(tmp_path: Path, *extra: dict[str, object], declarations: bool = True) -> Path:
    data = json.loads(SAMPLE.read_text())
    data["resources"].extend(extra)
    if not declarations:
        data.pop("declarations")
    out = tmp_path / "estate.json"
    out.write_text(json.dumps(data))
    return out


def test_the_sample_loads_quietly_and_verbose_lists_what_was_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overlaps", "--estate", str(SAMPLE)]) == 0
    assert "skipped" not in capsys.readouterr().err
    assert main(["overlaps", "--estate", str(SAMPLE), "--verbose"]) == 0
    err = capsys.readouterr().err
    (line,) = [x for x in err.splitlines() if "skipped" in x]
    assert line.startswith("vnetplan: skipped ") and "types not modelled: Microsoft.Compute/virtualMachines (5)" in line


def test_a_skipped_type_that_changes_reachability_is_named_without_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = {"type": "Microsoft.Network/virtualHubs", "name": "vwan-hub", "id": f"{SUB}/Microsoft.Network/virtualHubs/vwan-hub",
           "location": "westeurope", "properties": {"addressPrefix": "10.250.0.0/23"}}  # fmt: skip
    main(["reach", "--estate", str(with_extra(tmp_path, hub)), "vnet-corp-spoke1-weu", "vnet-mendix-weu"])
    lines = [x for x in capsys.readouterr().err.splitlines() if "skipped" in x]
    assert lines == ["vnetplan: note: skipped resources whose effect this answer does not include: "
                     "Microsoft.Network/virtualHubs (1): Virtual WAN hub routing (--verbose lists every skipped type)"]  # fmt: skip


def test_on_prem_gateways_matter_only_when_no_declaration_says_what_they_reach(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lng = {"type": "Microsoft.Network/localNetworkGateways", "name": "lng", "id": f"{SUB}/Microsoft.Network/localNetworkGateways/lng",
           "location": "westeurope", "properties": {"localNetworkAddressSpace": {"addressPrefixes": ["192.168.0.0/16"]}}}  # fmt: skip
    main(["free", "--estate", str(with_extra(tmp_path, lng, declarations=False)), "--size", "24"])
    err = capsys.readouterr().err
    assert "Microsoft.Network/localNetworkGateways" in err and "on-premises prefixes" in err
    assert "virtualMachines" not in err  # the types that cannot change the answer stay quiet
