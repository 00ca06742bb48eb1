"""The rule pack as a whole: explicit registration, unique ids, valid metadata, mappings in step."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import checks.rules
from bench.synth import generate
from checks.mappings import MAPPINGS
from checks.model import Rule, RuleDefinitionError, Severity, passed
from checks.registry import RULES, audit, rule_infos, select
from netplan.errors import UsageError
from netplan.estate import estate_from_data
from tests.unit.builders import EstateBuilder


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert "VNP-SUPP-001" not in ids  # reserved for expired suppressions


def test_every_rule_module_is_registered_exactly_once() -> None:
    modules = {m.name for m in pkgutil.iter_modules(checks.rules.__path__) if not m.name.startswith("_")}
    registered = {r.check.__module__.rsplit(".", 1)[-1] for r in RULES}
    assert registered == modules


def test_metadata_is_complete_for_every_rule() -> None:
    for r in RULES:
        assert isinstance(r.severity, Severity)
        assert r.references and all(u.startswith("https://learn.microsoft.com/") for u in r.references)
        assert r.tags
        # The rule module's docstring says what PASS and FAIL mean (STYLE.md point 3).
        doc = importlib.import_module(r.check.__module__).__doc__ or ""
        assert r.id in doc and "PASS" in doc and "FAIL" in doc, r.id


def test_bad_metadata_fails_at_definition() -> None:
    with pytest.raises(RuleDefinitionError, match="does not match"):
        Rule("PEER-1", "A title long enough", Severity.HIGH, "x" * 30, "y" * 30, lambda ctx: [], ("https://learn.microsoft.com/a",), ("t",))
    with pytest.raises(RuleDefinitionError, match=r"learn\.microsoft\.com"):
        Rule("VNP-XX-001", "A title long enough", Severity.HIGH, "x" * 30, "y" * 30, lambda ctx: [], ("http://example.com",), ("t",))
    with pytest.raises(RuleDefinitionError, match="Severity"):
        Rule("VNP-XX-001", "A title long enough", "high", "x" * 30, "y" * 30, lambda ctx: [], ("https://learn.microsoft.com/a",), ("t",))  # type: ignore[arg-type]
    ok = Rule("VNP-XX-001", "A title long enough", Severity.LOW, "x" * 30, "y" * 30, lambda ctx: [passed("/r", "m")],
              ("https://learn.microsoft.com/a",), ("t",))  # fmt: skip
    assert ok.info.severity is Severity.LOW


def test_compliance_mappings_cover_every_rule_and_nothing_else() -> None:
    assert set(MAPPINGS) == set(rule_infos())


def test_select_rejects_unknown_ids_and_honours_skip() -> None:
    with pytest.raises(UsageError, match="VNP-NOPE-001"):
        select(["VNP-PEER-001,VNP-NOPE-001"])
    chosen = select(["vnp-peer-001, VNP-PEER-002"], ["VNP-PEER-002"])
    assert [r.id for r in chosen] == ["VNP-PEER-001"]
    assert len(select()) == len(RULES)


def test_every_rule_runs_on_an_empty_and_a_busy_estate_without_error() -> None:
    assert audit(EstateBuilder().estate()).findings == []
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"a": "10.0.1.0/24"})
    b.vnet("spoke", ["10.1.0.0/16"], subnets={"a": "10.1.1.0/24"})
    b.peer("hub", "spoke")
    report = audit(b.estate())
    assert {f.rule for f in report.findings} >= {"VNP-PEER-001", "VNP-NET-001", "VNP-NET-002", "VNP-PEER-005"}
    assert not report.failed


def test_every_gap_is_an_unknown_finding_and_read_subscriptions_pass() -> None:
    from checks.rules import snapshot_gaps
    from tests.checks.builders import judged

    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.vnet("other", ["10.1.0.0/16"], sub="/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c")
    b.gap("/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c", kind="Microsoft.Network/privateDnsZones")
    b.gap("/subscriptions/11111111-2222-3333-4444-555555555555", reason="AuthorizationFailed")
    got = judged(snapshot_gaps.RULE, b.estate())
    assert got == {
        "PASS": {"6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f"},
        "FAIL": set(),
        "UNKNOWN": {"0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c[Microsoft.Network/privateDnsZones]",
                    "11111111-2222-3333-4444-555555555555[subscription]"},
    }


def test_counting_passes_gives_the_full_reports_failures_and_counts_on_a_generated_estate() -> None:
    """The CLI's default audit builds no PASS finding; on a generated estate with every kind of
    problem the generator makes (overlapping peers, Initiated and Disconnected links, out-of-sync
    links, default-address VNets), it must list exactly the full audit's non-PASS findings, with the
    same per-rule counts."""
    estate = estate_from_data(generate(600, seed=5, default_share=0.2), "synth")
    full = audit(estate, fail_on=None)
    counted = audit(estate, fail_on=None, include_passed=False)
    assert counted == full.without_passed()
    failing_rules = {f.rule for f in counted.findings if f.status.value == "FAIL"}
    assert {"VNP-PEER-001", "VNP-PEER-004"} <= failing_rules, failing_rules
    assert sum(counted.passed_not_listed.values()) == sum(1 for f in full.findings if f.status.value == "PASS") > 1000
