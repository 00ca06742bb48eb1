"""The formats' contracts beyond the golden bytes: SARIF validates against the 2.1.0 schema and
carries what GitHub needs, JUnit parses with one testcase per rule x resource, JSON has the
documented keys, and fingerprints are stable across runs and ID spellings."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from checks.registry import audit
from netplan.report import Finding, Report, RuleInfo, Severity, Status, render
from netplan.report.sarif import FINGERPRINT_KEY, to_sarif
from tests.checks.builders import GOLDEN_ESTATE, golden_builder
from tests.unit.builders import load_snapshot

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())


def _report() -> Report:
    estate = load_snapshot(golden_builder().snapshot(), GOLDEN_ESTATE)
    return audit(estate, today=dt.date(2026, 11, 23))


def validate_sarif(doc: dict[str, object]) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(doc)


def test_sarif_validates_against_the_2_1_0_schema_and_has_what_github_requires() -> None:
    doc = json.loads(render(_report(), "sarif"))
    validate_sarif(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    for r in rules:
        assert r["shortDescription"]["text"] and r["helpUri"].startswith("https://learn.microsoft.com/")
        props = r["properties"]
        assert 0.0 <= float(props["security-severity"]) <= 10.0 if "security-severity" in props else props["problem.severity"]
    assert run["results"], "the golden estate has failures"
    for res in run["results"]:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        loc = res["locations"][0]
        assert loc["physicalLocation"]["artifactLocation"]["uri"] == GOLDEN_ESTATE
        assert loc["physicalLocation"]["region"]["startLine"] >= 1
        assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith("/subscriptions/")
        assert res["level"] in ("error", "warning", "note", "none")
        assert len(res["partialFingerprints"][FINGERPRINT_KEY]) == 32
    # PASS findings are not alerts; UNKNOWN ones are, and say so.
    statuses = {res["properties"]["status"] for res in run["results"]}
    assert statuses == {"FAIL", "UNKNOWN"}
    assert all(res["message"]["text"].startswith("UNKNOWN: ") for res in run["results"] if res["properties"]["status"] == "UNKNOWN")


def test_sarif_fingerprints_are_stable_across_runs_and_id_case() -> None:
    a = {r["partialFingerprints"][FINGERPRINT_KEY] for r in to_sarif(_report())["runs"][0]["results"]}
    b = {r["partialFingerprints"][FINGERPRINT_KEY] for r in to_sarif(_report())["runs"][0]["results"]}
    assert a == b
    rid = "/subscriptions/S/resourceGroups/RG-Hub/providers/Microsoft.Network/virtualNetworks/Hub"
    f1 = Finding("VNP-PEER-001", Severity.HIGH, Status.FAIL, rid, "one wording")
    f2 = Finding("VNP-PEER-001", Severity.HIGH, Status.FAIL, rid.lower(), "another wording")
    assert f1.fingerprint == f2.fingerprint
    assert f1.fingerprint != Finding("VNP-PEER-002", Severity.HIGH, Status.FAIL, rid, "x").fingerprint


def test_sarif_for_an_absolute_snapshot_path_is_a_file_uri_and_still_valid(tmp_path: Path) -> None:
    info = RuleInfo("VNP-PEER-001", "VNet peering link is not Connected", Severity.HIGH, "r" * 30, "m" * 30)
    source = tmp_path / "estate dir" / "e.json"
    rep = Report("audit", [Finding("VNP-PEER-001", Severity.HIGH, Status.FAIL, "/subscriptions/s/x", "m")],
                 {info.id: info}, sources=(str(source),))  # fmt: skip
    doc = to_sarif(rep)
    validate_sarif(doc)
    uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/estate%20dir/e.json")
    assert uri == source.as_uri()


def test_junit_has_one_testcase_per_rule_and_resource_with_failures_for_fail() -> None:
    report = _report()
    root = ET.fromstring(render(report, "junit"))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(report.findings)
    keys = {(c.get("classname"), c.get("name")) for c in cases}
    assert len(keys) == len(cases), "rule x resource (x item) is unique"
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == sum(1 for f in report.findings if f.counts_as_failure)
    assert int(root.get("failures") or 0) == len(failed)
    skipped = [c.find("skipped") for c in cases if c.find("skipped") is not None]
    assert any((s.get("message") or "").startswith("UNKNOWN: ") for s in skipped if s is not None)
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests") or 0) == len(suite.findall("testcase"))


def test_json_contract() -> None:
    data = json.loads(render(_report(), "json"))
    assert set(data) >= {"findings", "summary"}
    for f in data["findings"]:
        assert {"rule", "severity", "status", "resource", "message"} <= set(f)
        assert f["status"] in ("PASS", "FAIL", "UNKNOWN")
        assert f["severity"] in ("critical", "high", "medium", "low", "info")
    s = data["summary"]
    assert s["total"] == len(data["findings"]) == s["pass"] + s["fail"] + s["unknown"]
    assert s["result"] == "fail" and s["fail_on"] == "high"


@pytest.mark.parametrize(("fail_on", "failed"), [("critical", False), ("high", True), ("low", True), ("none", False)])
def test_fail_on_threshold(fail_on: str, failed: bool) -> None:
    from netplan.report import parse_fail_on

    estate = load_snapshot(golden_builder().snapshot(), GOLDEN_ESTATE)
    assert audit(estate, fail_on=parse_fail_on(fail_on)).failed is failed


def test_medium_failures_do_not_fail_at_the_default_threshold() -> None:
    info = RuleInfo("VNP-DNS-004", "Explicit DNS record points elsewhere", Severity.MEDIUM, "r" * 30, "m" * 30)
    rep = Report("audit", [Finding(info.id, Severity.MEDIUM, Status.FAIL, "/subscriptions/s/r", "m")], {info.id: info})
    assert not rep.failed
    assert rep.summary()["failures_by_severity"]["medium"] == 1


def test_sarif_for_a_live_estate_uses_a_stable_nominal_artifact() -> None:
    from netplan.report.sarif import LIVE_URI

    info = RuleInfo("VNP-PEER-001", "VNet peering link is not Connected", Severity.HIGH, "r" * 30, "m" * 30)
    rep = Report("audit", [Finding("VNP-PEER-001", Severity.HIGH, Status.FAIL, "/subscriptions/s/x", "m")],
                 {info.id: info}, sources=("<live Azure>",))  # fmt: skip
    doc = to_sarif(rep)
    validate_sarif(doc)
    assert doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == LIVE_URI
