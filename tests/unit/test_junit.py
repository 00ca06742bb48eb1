"""JUnit as Azure DevOps' PublishTestResults@2 reads it: when and where the run happened and how long
each rule took, names within 512 characters and still unique, the remediation command in each failure."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

from netplan.report import Finding, Report, RuleInfo, RunInfo, Severity, Status, render
from netplan.report.junit import MAX_TEST_NAME
from vnetplan.cli import main

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "tests" / "golden" / "audit-estate.json"


def test_the_cli_junit_has_timestamp_hostname_time_and_remediation(tmp_path: Path) -> None:
    from checks.registry import rule_infos

    out = tmp_path / "audit.xml"
    before = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    assert main(["audit", "--estate", str(ESTATE), "--format", "junit", "--output", str(out)]) == 1
    root = ET.parse(out).getroot()
    assert float(root.get("time") or "-1") >= 0
    suites = root.findall("testsuite")
    assert len(suites) >= len(rule_infos()) - 1  # all but VNP-SUPP-001 (no suppression expired)
    for suite in suites:
        started = dt.datetime.fromisoformat(suite.get("timestamp") or "")
        assert before <= started <= dt.datetime.now(dt.UTC).replace(tzinfo=None)
        assert suite.get("hostname")
        assert float(suite.get("time") or "-1") >= 0
    failures = [(c.get("classname"), c.find("failure")) for c in root.iter("testcase") if c.find("failure") is not None]
    assert failures
    infos = rule_infos()
    for rid, failure in failures:
        assert failure is not None and f"Remediation: {infos[rid].remediation}" in (failure.text or "")


def test_drift_junit_has_the_run_time_too(tmp_path: Path) -> None:
    out = tmp_path / "drift.xml"
    other = ROOT / "tests" / "golden" / "drift-estate.json"
    assert main(["drift", "--baseline", str(ESTATE), "--estate", str(other), "--format", "junit", "--output", str(out)]) == 1
    root = ET.parse(out).getroot()
    assert root.get("time") and all(s.get("timestamp") and s.get("hostname") for s in root.findall("testsuite"))


def test_long_resource_ids_give_names_within_the_azure_devops_limit_and_stay_unique() -> None:
    info = RuleInfo("VNP-DNS-001", "Private DNS zone is not linked", Severity.HIGH, "r" * 30, "Run az network x.")
    base = "/subscriptions/s/resourceGroups/" + "rg-" + "x" * 480 + "/providers/Microsoft.Network/virtualNetworks/"
    findings = [
        Finding(info.id, Severity.HIGH, Status.FAIL, base + "vnet-a", "a", item="privatelink.blob.core.windows.net"),
        Finding(info.id, Severity.HIGH, Status.FAIL, base + "vnet-b", "b", item="privatelink.blob.core.windows.net"),
        Finding(info.id, Severity.HIGH, Status.FAIL, "/subscriptions/s/short", "c"),
    ]
    run = RunInfo("2026-11-23T06:00:00", "agent-1", 1.5, {info.id: 0.5})
    root = ET.fromstring(render(Report("audit", findings, {info.id: info}, run=run), "junit"))
    cases = root.findall("./testsuite/testcase")
    names = [c.get("name") or "" for c in cases]
    assert all(len(f"{c.get('classname')}.{c.get('name')}") <= MAX_TEST_NAME for c in cases)
    assert len(set(names)) == 3
    assert "/subscriptions/s/short" in names
    long_names = [n for n in names if n != "/subscriptions/s/short"]
    assert all("..." in n for n in long_names)
    assert any("vnet-a" in n for n in long_names) and any("vnet-b" in n for n in long_names)
    # The failure text keeps the whole resource ID.
    assert {base + "vnet-a", base + "vnet-b"} <= {(c.findtext("failure") or "").split("\n")[0].split(" ")[2] for c in cases}
    suite = root.find("testsuite")
    assert suite is not None and (suite.get("time"), suite.get("hostname")) == ("0.500", "agent-1")
