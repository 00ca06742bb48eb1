"""``vnetplan audit`` and ``vnetplan rules`` end to end: exit codes, formats, files, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.checks.builders import GOLDEN_SUPPRESSIONS
from tests.unit.builders import EstateBuilder
from vnetplan.cli import main

ROOT = Path(__file__).resolve().parents[2]
ESTATE = ROOT / "tests" / "golden" / "audit-estate.json"


def clean_estate(tmp_path: Path) -> str:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"a": "10.0.1.0/24"})
    b.vnet("spoke", ["10.1.0.0/16"], subnets={"a": "10.1.1.0/24"})
    b.peer("hub", "spoke")
    return b.write(tmp_path / "clean.json")


def test_audit_clean_estate_exits_0_and_problems_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--estate", clean_estate(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "PASS:" in out and "0 failed" in out
    assert "vnetplan audit:" in err and "vnetplan audit:" not in out
    assert main(["audit", "--estate", str(ESTATE)]) == 1
    out, _ = capsys.readouterr()
    assert "VNP-PEER-001" in out


def test_fail_on_and_rule_selection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--estate", str(ESTATE), "--fail-on", "critical"]) == 0
    assert main(["audit", "--estate", str(ESTATE), "--fail-on", "none"]) == 0
    # Only medium rules selected: nothing at or above high fails.
    assert main(["audit", "--estate", str(ESTATE), "--rules", "VNP-DNS-004,VNP-DNS-002"]) == 0
    assert main(["audit", "--estate", str(ESTATE), "--rules", "VNP-DNS-004", "--fail-on", "medium"]) == 1
    capsys.readouterr()
    main(["audit", "--estate", str(ESTATE), "--skip", "VNP-PEER-001", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert "VNP-PEER-001" not in {f["rule"] for f in data["findings"]}


def test_suppressions_can_turn_a_failing_run_green(tmp_path: Path) -> None:
    supp = tmp_path / "s.yaml"
    supp.write_text(GOLDEN_SUPPRESSIONS)
    base = ["audit", "--estate", str(ESTATE), "--rules", "VNP-PEER-001"]
    assert main(base) == 1
    assert main([*base, "--suppressions", str(supp)]) == 0


def test_output_file_gets_the_report_and_stdout_stays_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "audit.xml"
    assert main(["audit", "--estate", str(ESTATE), "--format", "junit", "--output", str(out_file)]) == 1
    assert capsys.readouterr().out == ""
    assert ET.parse(out_file).getroot().tag == "testsuites"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--rules", "VNP-NOPE-001"], "unknown rule id(s): VNP-NOPE-001"),
        (["--suppressions", "MISSING"], "MISSING: cannot read"),
        (["--output", "/nonexistent-dir/x.sarif"], "cannot write /nonexistent-dir/x.sarif"),
    ],
)
def test_audit_errors_exit_2_with_one_line(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--estate", str(ESTATE), *args]) == 2
    out, err = capsys.readouterr()
    assert needle in err and "Traceback" not in err
    assert out == ""


def test_bad_estate_is_exit_2_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resources": [{"id": 3}]}')
    proc = subprocess.run([sys.executable, "-m", "netplan", "audit", "--estate", str(bad)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)  # fmt: skip
    assert proc.returncode == 2
    assert str(bad) in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_rules_lists_every_rule_with_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    from checks.registry import rule_infos

    assert main(["rules", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in data["rules"]] == sorted(rule_infos())
    peer = next(r for r in data["rules"] if r["id"] == "VNP-PEER-001")
    assert peer["severity"] == "high" and "az network vnet peering" in peer["remediation"]
    assert peer["mappings"]
    assert main(["rules"]) == 0
    assert "VNP-DNS-009" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs a shell")
def test_audit_from_the_console_script_writes_only_the_report_to_stdout() -> None:
    proc = subprocess.run([sys.executable, "-m", "netplan", "audit", "--estate", str(ESTATE), "--format", "sarif"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)  # fmt: skip
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["version"] == "2.1.0"
    assert "vnetplan audit:" in proc.stderr


def test_audit_with_the_sample_intent_requires_declared_consumers_to_resolve_the_app_domain(
    capsys: pytest.CaptureFixture[str],
) -> None:
    estate, intent = str(ROOT / "samples" / "mendix-estate.json"), str(ROOT / "samples" / "mendix-intent.yaml")
    base = ["audit", "--estate", estate, "--rules", "VNP-DNS-001", "--format", "json"]
    assert main(base) == 0
    without = json.loads(capsys.readouterr().out)
    assert main([*base, "--intent", intent]) == 1
    with_intent = json.loads(capsys.readouterr().out)
    fails = [f for f in with_intent["findings"] if f["status"] == "FAIL"]
    assert [f["resource"].rsplit("/", 1)[-1] for f in fails] == ["vnet-corp-spoke2-weu"]
    assert "intent declares it a consumer" in fails[0]["message"]
    assert not [f for f in without["findings"] if f["status"] == "FAIL"]


def test_audit_of_the_sample_estates(capsys: pytest.CaptureFixture[str]) -> None:
    """The clean sample passes every rule; the Mendix sample's deliberate peering problems fail, its
    legitimately overlapping legacy VNet (isolated, reached over Private Link) does not."""
    assert main(["audit", "--estate", str(ROOT / "samples" / "clean-estate.json"), "--format", "json"]) == 0
    clean = json.loads(capsys.readouterr().out)
    assert clean["summary"]["fail"] == 0 and clean["summary"]["unknown"] == 0
    mendix = str(ROOT / "samples" / "mendix-estate.json")
    assert main(["audit", "--estate", mendix, "--format", "json", "--include-passed"]) == 1
    data = json.loads(capsys.readouterr().out)
    fails = {(f["rule"], f["resource"].rsplit("/", 1)[-1]) for f in data["findings"] if f["status"] == "FAIL"}
    assert fails == {
        ("VNP-PEER-001", "peer-corp-spoke2-weu-to-mendix-weu"),
        ("VNP-PEER-002", "peer-hub-weu-to-corp-spoke3-neu"),
        ("VNP-PEER-002", "peer-corp-spoke3-neu-to-hub-weu"),
        # spoke1's endpoint subnet uses the spoke's route table, which its policies (Disabled) ignore.
        ("VNP-PE-003", "snet-data"),
    }
    overlap_rules = {"VNP-PEER-004", "VNP-NET-002", "VNP-NET-003"}
    legacy = [f for f in data["findings"] if f["rule"] in overlap_rules and "legacy" in f["resource"]]
    assert legacy and all(f["status"] == "PASS" for f in legacy)
    # By default the PASS findings are counted, not listed; everything else is the same.
    assert main(["audit", "--estate", mendix, "--format", "json"]) == 1
    default = json.loads(capsys.readouterr().out)
    passed = [f for f in data["findings"] if f["status"] == "PASS"]
    assert passed and not [f for f in default["findings"] if f["status"] == "PASS"]
    assert default["findings"] == [f for f in data["findings"] if f["status"] != "PASS"]
    assert default["summary"]["pass"] == data["summary"]["pass"] == len(passed)
    assert default["summary"]["passed_not_listed"] == len(passed)
    assert default["rules"] == data["rules"]
    assert sum(r["counts"]["pass"] for r in default["rules"]) == len(passed)


@pytest.mark.integration
def test_audit_live_reads_azure_and_turns_an_unreadable_subscription_into_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--live`` through the real Azure SDK against the ARM emulator (HTTPS on 127.0.0.1): the same
    findings as the snapshot it serves, and a 403 subscription is a VNP-GAP-001 UNKNOWN, not a pass."""
    from tests.emulator import Emulator, ForbiddenRule

    sub = "6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f"
    hidden = "0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c"
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", "vnetplan-test-token")
    assert main(["audit", "--estate", str(ESTATE), "--format", "json", "--fail-on", "none"]) == 0
    offline = json.loads(capsys.readouterr().out)
    with Emulator(snapshot=str(ESTATE)) as emu:
        live = ["audit", "--live", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--subscription", sub,
                "--format", "json", "--fail-on", "none"]  # fmt: skip
        assert main(live) == 0
        online = json.loads(capsys.readouterr().out)
        emu.set_faults(forbidden=[ForbiddenRule(scope=f"/subscriptions/{hidden}")])
        assert main([*live, "--subscription", hidden]) == 0
        partial = json.loads(capsys.readouterr().out)
        assert emu.stats.writes == 0

    def key(data: dict[str, object]) -> set[tuple[str, str, str, str]]:
        return {(f["rule"], f["resource"].lower(), f.get("item", ""), f["status"]) for f in data["findings"]}  # type: ignore[attr-defined,index]

    assert key(online) == key(offline)
    gaps = [f for f in partial["findings"] if f["rule"] == "VNP-GAP-001" and f["status"] == "UNKNOWN"]
    assert gaps and all(hidden in f["resource"] for f in gaps)
    assert "could not read" in gaps[0]["message"]
