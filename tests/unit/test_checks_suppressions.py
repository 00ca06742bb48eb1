"""Suppressions: matching by rule and resource glob, expiry as a finding, errors with file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from checks.registry import audit, rule_infos
from checks.suppressions import load_suppressions
from netplan.errors import InputError
from netplan.report.model import Status
from tests.unit.builders import EstateBuilder

TODAY = dt.date(2026, 11, 23)


def _estate() -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.vnet("lab-spoke", ["10.1.0.0/16"], rg="rg-lab")
    b.vnet("prod-spoke", ["10.2.0.0/16"], rg="rg-prod")
    b.peer("hub", "lab-spoke", state="Initiated")
    b.peer("hub", "prod-spoke", state="Initiated")
    return b


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "suppressions.yaml"
    p.write_text(text)
    return p


def test_active_suppression_marks_matching_findings_and_they_no_longer_fail(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
suppressions:
  - rule: VNP-PEER-001
    resource: "*/virtualnetworks/hub/virtualNetworkPeerings/hub-to-lab-spoke"
    reason: lab spoke is torn down weekly (CHG-1234)
    expires: 2026-12-31
""")
    supp = load_suppressions(path, rule_infos())
    report = audit(_estate().estate(), suppressions=supp, today=TODAY)
    fails = {f.resource.rsplit("/", 1)[-1]: f for f in report.findings if f.rule == "VNP-PEER-001" and f.status is Status.FAIL}
    assert fails["hub-to-lab-spoke"].suppressed is not None
    assert fails["hub-to-lab-spoke"].suppressed.reason.startswith("lab spoke")
    assert fails["hub-to-prod-spoke"].suppressed is None
    assert [f.resource.rsplit("/", 1)[-1] for f in report.failing()] == ["hub-to-prod-spoke"]


def test_expired_suppression_is_a_finding_and_suppresses_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
- rule: VNP-PEER-001
  resource: "*hub-to-*"
  reason: accepted during migration
  expires: 2026-11-22
""")
    supp = load_suppressions(path, rule_infos())
    report = audit(_estate().estate(), suppressions=supp, today=TODAY)
    assert all(f.suppressed is None for f in report.findings)
    expired = [f for f in report.findings if f.rule == "VNP-SUPP-001"]
    assert len(expired) == 1 and expired[0].status is Status.FAIL
    assert "expired on 2026-11-22" in expired[0].message and f"{path}:1" in expired[0].message
    assert "VNP-SUPP-001" in report.rules
    # Still current on its expiry day.
    same_day = audit(_estate().estate(), suppressions=supp, today=dt.date(2026, 11, 22))
    assert not [f for f in same_day.findings if f.rule == "VNP-SUPP-001"]
    assert not same_day.failed


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("- rule: VNP-NOPE-001\n  resource: x\n  reason: r\n  expires: 2026-01-01\n", "line 1: [0].rule: unknown rule id"),
        ("- rule: VNP-PEER-001\n  resource: x\n  reason: r\n  expires: soon\n", "line 4: [0].expires: 'expires' must be a date"),
        ("- rule: VNP-PEER-001\n  resource: x\n  expires: 2026-01-01\n", "line 1: [0]: 'reason' is required"),
        ("suppressions:\n  - rule: VNP-PEER-001\n    resource: x\n    reason: r\n    expires: 2026-01-01\n    owner: me\n",
         "line 6: suppressions[0].owner: unknown field"),
        ("- rule: [unclosed\n", "invalid YAML"),
    ],
)
def test_mistakes_name_the_file_and_line(tmp_path: Path, text: str, where: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InputError) as exc:
        load_suppressions(path, rule_infos())
    assert str(exc.value).startswith(f"{path}: ")
    assert where in str(exc.value)
