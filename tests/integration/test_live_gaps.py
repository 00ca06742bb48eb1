"""Read-only commands stay honest under partial failure (issue 11), through the real SDK.

The emulator holds the bundled sample and answers 403 for one subscription. ``audit --live`` and
``drift --live --intent`` must then report every check of a declared connection whose VNet may be
in that subscription as UNKNOWN, naming the subscription and the 403; never "no VNet matches"
(exit 2) and never a PASS for it. Checks that the readable part of the estate can answer keep
their verdicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import Emulator, ForbiddenRule
from vnetplan.cli import main

pytestmark = pytest.mark.integration  # every test here talks to the ARM emulator

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "mendix-estate.json"
INTENT = str(ROOT / "samples" / "mendix-intent.yaml")
#: The sample's corporate spokes and the legacy VNet: every consumer of the sample intent.
SPOKES = "a7c94e20-5b3f-4d18-8e6a-91f0c2d7b356"
#: The provider: the Mendix VNet and its internal load balancer.
MENDIX = "c0d8e6f4-2a91-4b7c-a53e-6f1b9d2e8c04"
CONSUMERS = ("rg-corp-spoke2-weu/vnet-corp-spoke2-weu", "vnet-legacy-apps-weu", "vnet-corp-spoke3-neu")


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(snapshot=str(SAMPLE)) as emu:
        yield emu


def _run(emu: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str,
         forbidden: str) -> tuple[int, list[dict[str, Any]], str]:  # fmt: skip
    emu.set_faults(forbidden=[ForbiddenRule(scope=f"/subscriptions/{forbidden}")])
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", "emulator-accepts-any-token")
    capsys.readouterr()
    rc = main([command, "--live", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--intent", INTENT,
               "--format", "json"])  # fmt: skip
    out, err = capsys.readouterr()
    assert emu.stats.writes == 0
    return rc, json.loads(out)["findings"], err


def _about(findings: list[dict[str, Any]], consumer: str) -> list[dict[str, Any]]:
    return [f for f in findings if f.get("item", "").startswith(f"consumer {consumer}")]


def test_drift_with_the_consumers_subscription_unreadable_is_unknown_naming_it(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, findings, err = _run(emulator, monkeypatch, capsys, "drift", SPOKES)
    assert rc == 1  # drift that cannot be ruled out is not "in sync"
    assert "no VNet matches" not in err + json.dumps(findings)
    # One warning for the subscription, not one per resource kind the inventory lists (issue 10).
    (warning,) = [line for line in err.splitlines() if "snapshot is incomplete" in line]
    assert f"/subscriptions/{SPOKES}" in warning and "HTTP 403 AuthorizationFailed" in warning
    for consumer in CONSUMERS:
        about = _about(findings, consumer)
        # Its peering or endpoint, its zone link and its app names: each UNKNOWN, naming the gap.
        assert {f["rule"] for f in about} == {"VNP-DRIFT-101", "VNP-DRIFT-104", "VNP-DRIFT-105"}, consumer
        for f in about:
            assert f["status"] == "UNKNOWN"
            assert f"/subscriptions/{SPOKES}" in f["message"] and "403" in f["message"], f["message"]
            assert f"'{consumer}'" in f["message"]
    # Nothing about a consumer passes; the provider's link to the (readable) hub is still judged.
    assert not [f for f in findings if f["status"] == "PASS"]
    assert [(f["rule"], f["status"]) for f in findings if "hub" in f["item"]] == [("VNP-DRIFT-102", "FAIL")]


def test_drift_with_the_providers_subscription_unreadable_is_unknown_for_every_connection(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, findings, err = _run(emulator, monkeypatch, capsys, "drift", MENDIX)
    assert rc == 1
    assert "no VNet matches" not in err
    assert len(findings) == 3 * len(CONSUMERS)
    for f in findings:
        assert f["status"] == "UNKNOWN"
        assert "provider VNet 'rg-mendix-weu/vnet-mendix-weu'" in f["message"]
        assert f"/subscriptions/{MENDIX}" in f["message"] and "403" in f["message"]


def test_audit_with_the_consumers_subscription_unreadable_is_unknown_naming_it(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, findings, err = _run(emulator, monkeypatch, capsys, "audit", SPOKES)
    assert rc == 1  # the readable part still has failures at --fail-on high (the hub's unsynced peering)
    assert "no VNet matches" not in err
    for consumer in CONSUMERS:
        about = _about(findings, consumer)
        # The intent's checks of the connection: its zone link (VNP-DNS-001) and NSGs (VNP-NSG-002).
        assert sorted(f["rule"] for f in about) == ["VNP-DNS-001", "VNP-NSG-002"], consumer
        for f in about:
            assert f["status"] == "UNKNOWN" and f"/subscriptions/{SPOKES}" in f["message"] and "403" in f["message"]
    # Every kind the inventory could not read is named once (VNP-GAP-001).
    gaps = [f for f in findings if f["rule"] == "VNP-GAP-001"]
    assert gaps and all(f["resource"] == f"/subscriptions/{SPOKES}" for f in gaps)
    assert any("virtualNetworks" in f["message"] for f in gaps)
    assert ("VNP-PEER-002", "FAIL") in {(f["rule"], f["status"]) for f in findings}


def test_audit_with_the_providers_subscription_unreadable_keeps_what_it_can_judge(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, findings, err = _run(emulator, monkeypatch, capsys, "audit", MENDIX)
    assert rc == 1 and "no VNet matches" not in err
    by = {(f["rule"], f["resource"].rsplit("/", 1)[-1]): f for f in findings}
    # The consumers were read: spoke2's missing link to the app domain's zone is still a FAIL.
    assert by[("VNP-DNS-001", "vnet-corp-spoke2-weu")]["status"] == "FAIL"
    # Whether NSGs allow each connection needs the provider's frontend: UNKNOWN, naming the gap.
    nsg = [f for f in findings if f["rule"] == "VNP-NSG-002"]
    assert len(nsg) == len(CONSUMERS)
    assert all(f["status"] == "UNKNOWN" and f"/subscriptions/{MENDIX}" in f["message"] for f in nsg)
    # The app records point at the Mendix LB frontend (10.20.0.250), which the legacy VNet's overlapping
    # space also contains: with the Mendix subscription unread that is UNKNOWN, not a dangling record.
    dangling = [f for f in findings if f["rule"] == "VNP-DNS-003" and "10.20.0.250" in f["message"]]
    assert dangling and all(f["status"] == "UNKNOWN" and f"/subscriptions/{MENDIX}" in f["message"] for f in dangling)
