"""``vnetplan drift`` end to end: exit codes 0/1/2 and every output format locked by a golden file."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from netplan.drift import snapshot_drift
from netplan.report import FORMATS, render
from tests.checks.builders import GOLDEN_DRIFT_ESTATE, GOLDEN_ESTATE, golden_builder, golden_drift_builder
from tests.unit.builders import load_snapshot
from tests.unit.test_report_golden import GOLDEN_RUN, SUFFIX, check_golden
from vnetplan.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _write_estates() -> None:
    check_golden("drift-estate.json", json.dumps(golden_drift_builder().snapshot(), indent=1) + "\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_drift_output_matches_golden_file(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_estates()
    monkeypatch.chdir(ROOT)  # the SARIF writer reads the snapshot named relative to the checkout
    old = load_snapshot(golden_builder().snapshot(), GOLDEN_ESTATE)
    new = load_snapshot(golden_drift_builder().snapshot(), GOLDEN_DRIFT_ESTATE)
    report = replace(snapshot_drift(old, new, baseline_name=GOLDEN_ESTATE), run=GOLDEN_RUN)
    check_golden(f"drift.{SUFFIX[fmt]}", render(report, fmt) + "\n")


def test_drift_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_estates()
    base, new = str(ROOT / GOLDEN_ESTATE), str(ROOT / GOLDEN_DRIFT_ESTATE)
    assert main(["drift", "--baseline", base, "--estate", base]) == 0
    out, err = capsys.readouterr()
    assert "IN SYNC" in out and "vnetplan drift:" in err
    assert main(["drift", "--baseline", base, "--estate", new, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    props = {(f["resource"].rsplit("/", 1)[-1], f.get("item", "")) for f in data["findings"]}
    assert ("fe", "private_ip") in props and ("spoke-hr-to-hub-vnet", "state") in props
    assert ("hub-vnet-to-spoke-hr", "") in props  # removed link
    assert data["summary"]["removed"] == 1


def test_drift_usage_and_input_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = str(ROOT / GOLDEN_ESTATE)
    assert main(["drift", "--estate", base]) == 2
    assert "needs --baseline" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["drift", "--baseline", str(bad), "--estate", base]) == 2
    out, err = capsys.readouterr()
    assert str(bad) in err and out == ""
    intent = tmp_path / "intent.yaml"
    intent.write_text("version: 1\nprovider:\n  vnet: no-such-vnet\n")
    assert main(["drift", "--intent", str(intent), "--estate", base]) == 2
    assert str(intent) in capsys.readouterr().err


def test_drift_against_the_sample_intent_runs_and_reports_its_known_problems(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["drift", "--intent", str(ROOT / "samples" / "mendix-intent.yaml"),
               "--estate", str(ROOT / "samples" / "mendix-estate.json"), "--format", "json"])  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert rc == 1
    fails = {(f["rule"], f["resource"].rsplit("/", 1)[-1]) for f in data["findings"] if f["status"] == "FAIL"}
    # The sample's deliberate problem: spoke2's peering to the provider is only Initiated, and the
    # provider has no link back; spoke2 has no link to the app-domain zone either.
    assert ("VNP-DRIFT-101", "peer-corp-spoke2-weu-to-mendix-weu") in fails
    assert ("VNP-DRIFT-101", "vnet-mendix-weu") in fails
    assert ("VNP-DRIFT-104", "vnet-corp-spoke2-weu") in fails


def test_drift_sarif_and_junit_are_accepted_formats() -> None:
    import xml.etree.ElementTree as ET

    import jsonschema

    _write_estates()
    old = load_snapshot(golden_builder().snapshot(), GOLDEN_ESTATE)
    new = load_snapshot(golden_drift_builder().snapshot(), GOLDEN_DRIFT_ESTATE)
    report = snapshot_drift(old, new, baseline_name=GOLDEN_ESTATE)
    schema = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
    doc = json.loads(render(report, "sarif"))
    jsonschema.Draft4Validator(schema).validate(doc)
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} == {"VNP-DRIFT-002", "VNP-DRIFT-003"}
    root = ET.fromstring(render(report, "junit"))
    assert len(root.findall("./testsuite/testcase/failure")) == len(report.findings)
