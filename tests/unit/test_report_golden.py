"""Every output format locked by a golden file, on a small but realistic estate.

Regenerate after an intended change with ``VNETPLAN_UPDATE_GOLDEN=1 pytest tests/unit/test_report_golden.py``
and review the diff. The estate itself is written to ``tests/golden/audit-estate.json`` too, so the
CLI, the CI recipe tests and people can run on exactly what the golden files describe.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from checks.registry import audit, rule_infos
from checks.suppressions import load_suppressions
from netplan.report import FORMATS, Report, RunInfo, render
from tests.checks.builders import GOLDEN_ESTATE, GOLDEN_SUPPRESSIONS, GOLDEN_TODAY, golden_builder
from tests.unit.builders import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("VNETPLAN_UPDATE_GOLDEN") == "1"
SUFFIX = {"table": "txt", "json": "json", "sarif": "sarif", "junit": "junit.xml", "markdown": "md"}
#: What the commands measure, fixed for the golden files (JUnit timestamp, hostname, time).
GOLDEN_RUN = RunInfo("2026-11-23T06:00:00", "ci-runner-01", 0.25)


@pytest.fixture(autouse=True)
def _at_checkout_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reports name their snapshot as users do (``tests/golden/...``, relative to the checkout),
    and the SARIF writer reads it from there to place each result on its resource's line."""
    monkeypatch.chdir(ROOT)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text)
    assert path.exists(), f"{path} missing: run with VNETPLAN_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{name} differs from the golden file (VNETPLAN_UPDATE_GOLDEN=1 to accept)"


def golden_report(tmp_path: Path, *, include_passed: bool = True) -> Report:
    snapshot = golden_builder().snapshot()
    text = json.dumps(snapshot, indent=1) + "\n"
    check_golden("audit-estate.json", text)
    estate = load_snapshot(snapshot, GOLDEN_ESTATE)
    supp_file = tmp_path / "suppressions.yaml"
    supp_file.write_text(GOLDEN_SUPPRESSIONS)
    supp = load_suppressions(supp_file, rule_infos())
    # Suppression sources would embed the tmp path; golden files name the file as users write it.
    supp = [s.__class__(s.rule, s.resource, s.reason, s.expires, "suppressions.yaml", s.line) for s in supp]
    report = audit(estate, suppressions=supp, today=dt.date.fromisoformat(GOLDEN_TODAY), include_passed=include_passed)
    timings = {rid: 0.001 * (i + 1) for i, rid in enumerate(sorted(report.rules))}
    return replace(report, run=replace(GOLDEN_RUN, rule_seconds=timings))


@pytest.mark.parametrize("fmt", FORMATS)
def test_audit_output_matches_golden_file(fmt: str, tmp_path: Path) -> None:
    """What ``vnetplan audit`` writes by default: PASS findings counted per rule, not listed."""
    report = golden_report(tmp_path).without_passed()
    check_golden(f"audit.{SUFFIX[fmt]}", render(report, fmt) + "\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_audit_without_building_passes_writes_the_same_report(fmt: str, tmp_path: Path) -> None:
    """The CLI's default run counts passes without building them (a 50,000-VNet estate passes
    millions of checks): every format is byte for byte what the full report minus its passes gives,
    suppressed and expired-suppression findings included."""
    counted = golden_report(tmp_path, include_passed=False)
    assert counted.passed_not_listed and not any(f.status.value == "PASS" for f in counted.findings)
    assert counted == golden_report(tmp_path).without_passed()
    assert render(counted, fmt) == (GOLDEN / f"audit.{SUFFIX[fmt]}").read_text()[:-1]


def test_golden_audit_finds_the_deliberate_problems(tmp_path: Path) -> None:
    report = golden_report(tmp_path)
    fails = {(f.rule, f.resource.rsplit("/", 1)[-1]) for f in report.findings if f.status.value == "FAIL"}
    assert {
        ("VNP-PEER-001", "mendix-vnet-to-hub-vnet"),
        ("VNP-PEER-002", "spoke-hr-to-hub-vnet"),
        ("VNP-LB-001", "mendix-ilb"),
        ("VNP-DNS-003", "billing"),
        ("VNP-DNS-004", "billing"),
        ("VNP-PE-001", "pe-stcorpdata"),
        ("VNP-DNS-002", "spoke-hr"),
        ("VNP-SUPP-001", "billing"),
    } <= fails
    unknown = {(f.rule, f.resource.rsplit("/", 1)[-1]) for f in report.findings if f.status.value == "UNKNOWN"}
    assert ("VNP-DNS-008", "link-spoke-erp") in unknown
    suppressed = [f for f in report.findings if f.suppressed]
    assert [f.resource.rsplit("/", 1)[-1] for f in suppressed] == ["mendix-vnet-to-hub-vnet"]
    assert report.failed


def test_table_is_coloured_only_when_asked(tmp_path: Path) -> None:
    report = golden_report(tmp_path)
    assert "\x1b[" not in render(report, "table")
    assert "\x1b[31m" in render(report, "table", color=True)
