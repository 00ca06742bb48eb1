"""Issue 18's closed loop on the Mendix sample: where an NSG rule and routes block connections of the
intent, ``vnetplan plan`` adds the security rules and routes, ``apply`` writes them to the ARM
emulator (PUT of the child resources), a fresh ``inventory`` reads them back, and ``verify --intent``
passes on every app port; ``apply --verify`` says the same in one step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.emulator import Emulator, FaultConfig
from tests.unit.test_sample_traffic import (
    INTENT,
    add_route,
    run,
    spoke2_nsg_denies_mendix,
    write,
)

pytestmark = pytest.mark.integration  # the ARM emulator

CONSUMERS = ("vnet-corp-spoke2-weu", "vnet-legacy-apps-weu", "vnet-corp-spoke3-neu")


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", "vnetplan-traffic-loop-token")


def test_on_the_sample_an_nsg_deny_and_none_routes_are_planned_applied_and_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # spoke2's own NSG denies the Mendix VNet; spoke2 and spoke3 route its space to None.
    doc = add_route(spoke2_nsg_denies_mendix(), "rt-corp-spoke2-weu", "no-mendix", "10.20.0.0/16", "None")
    doc = add_route(doc, "rt-corp-spoke3-neu", "no-mendix", "10.20.0.0/16", "None")
    estate = write(tmp_path, doc)
    rc, out, _ = run(capsys, "verify", "--estate", estate, "--intent", str(INTENT), "--format", "json")
    before = {c["consumer"].rsplit("/", 1)[-1]: c["result"] for c in json.loads(out)["connections"]}
    assert rc == 1 and before["vnet-corp-spoke3-neu"] == "FAIL"  # the route drops it today

    plan = tmp_path / "plan.json"
    rc, out, err = run(capsys, "plan", "--estate", estate, "--intent", str(INTENT), "--what-if", "--out", str(plan))
    assert rc == 1, err
    assert "the result would verify" in out
    changes = json.loads(plan.read_text())["changes"]
    written = {c["id"].split("/providers/Microsoft.Network/", 1)[1] for c in changes
               if c["type"].endswith(("/securityRules", "/routes"))}  # fmt: skip
    assert written == {
        "networkSecurityGroups/nsg-corp-spoke2-app/securityRules/vnetplan-allow-out-vnet-corp-spoke2-weu-443",
        "networkSecurityGroups/nsg-corp-spoke2-app/securityRules/vnetplan-allow-out-vnet-corp-spoke2-weu-80",
        "routeTables/rt-corp-spoke2-weu/routes/vnetplan-vnet-corp-spoke2-weu-to-10-20-0-250",
        "routeTables/rt-corp-spoke3-neu/routes/vnetplan-vnet-corp-spoke3-neu-to-10-20-0-250",
    }

    faults = FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)
    with Emulator(json.loads(Path(estate).read_text()), faults=faults) as emu:
        rc, out, err = run(capsys, "apply", str(plan), "--endpoint", emu.url, "--ca-bundle", emu.ca_path,
                           "--polling-interval", "0", "--yes", "--verify")  # fmt: skip
        assert rc == 0, err + out
        rt3 = next(r for r in emu.resources()["resources"] if r["id"].lower().endswith("/routetables/rt-corp-spoke3-neu"))
        assert any(x["name"] == "vnetplan-vnet-corp-spoke3-neu-to-10-20-0-250" for x in rt3["properties"]["routes"])

        snap = tmp_path / "after.json"
        rc, _, err = run(capsys, "inventory", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--out", str(snap),
                         "--declarations", estate, "--quiet")  # fmt: skip
        assert rc == 0, err
    rc, out, _ = run(capsys, "verify", "--estate", str(snap), "--intent", str(INTENT), "--format", "json")
    report = json.loads(out)
    assert {c["consumer"].rsplit("/", 1)[-1]: c["result"] for c in report["connections"]} == dict.fromkeys(CONSUMERS, "PASS")
    assert rc == 0
    for c in report["connections"]:
        assert {(p["port"], p["result"]) for p in c["ports"]} == {(443, "PASS"), (80, "PASS")}, c["consumer"]
