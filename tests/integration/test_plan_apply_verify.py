"""The closed loop on the command line, as a user runs it: ``vnetplan plan`` -> ``vnetplan apply``
against the ARM emulator -> ``vnetplan inventory`` of what Azure now holds -> ``vnetplan verify
--intent`` on that new snapshot (issue 14's "Done when").

The bundled Mendix sample is a landing zone: the central zone ``azure.mendixapps.io`` in the
connectivity subscription linked to the hub, spokes resolving through the hub's DNS private
resolver, a legacy VNet served by its own endpoint, spoke2's peering with the Mendix VNet only
Initiated and the hub's link to spoke3 out of sync. After the plan is applied every connection
verifies on a fresh inventory. And where it must not pass: the same loop without the apply FAILs
naming what is broken, a zone link deleted after the apply FAILs again, and a subscription the
inventory cannot read makes the connections that depend on it UNKNOWN, never PASS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import Emulator, FaultConfig, ForbiddenRule
from tests.unit.builders import EstateBuilder
from tests.unit.test_dnspath import INTENT as LZ_INTENT
from tests.unit.test_dnspath import LB_IP
from vnetplan.cli import main

pytestmark = pytest.mark.integration  # every test here talks to the ARM emulator

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ESTATE = SAMPLES / "mendix-estate.json"
INTENT = SAMPLES / "mendix-intent.yaml"
CONSUMERS = ("vnet-corp-spoke2-weu", "vnet-legacy-apps-weu", "vnet-corp-spoke3-neu")


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", "vnetplan-loop-test-token")


def emulator(*forbidden: ForbiddenRule) -> Emulator:
    faults = FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0, forbidden=list(forbidden))
    return Emulator(json.loads(ESTATE.read_text()), faults=faults)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with emulator() as e:
        yield e


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def inventory(capsys: pytest.CaptureFixture[str], emu: Emulator, out: Path, *extra: str,
              declarations: bool = True) -> tuple[int, str]:  # fmt: skip
    """A fresh snapshot of the emulator, carrying the sample's declarations (the hub's firewall that
    forwards between spokes, the resolver as DNS forwarder, on-premises): what no Azure API shows."""
    decl = ("--declarations", str(ESTATE)) if declarations else ()
    rc, _, err = run(capsys, "inventory", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--out", str(out),
                     *decl, "--quiet", *extra)  # fmt: skip
    return rc, err


def verify(capsys: pytest.CaptureFixture[str], snapshot: Path) -> tuple[int, dict[str, Any]]:
    rc, out, err = run(capsys, "verify", "--estate", str(snapshot), "--intent", str(INTENT), "--format", "json")
    assert "Traceback" not in err
    return rc, json.loads(out)


def results(report: dict[str, Any]) -> dict[str, str]:
    """Consumer VNet name -> its result."""
    return {c["consumer"].rsplit("/", 1)[-1]: c["result"] for c in report["connections"]}


def test_plan_apply_inventory_then_verify_intent_passes_on_the_sample(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.json"
    rc, out, err = run(capsys, "plan", "--estate", str(ESTATE), "--intent", str(INTENT), "--what-if", "--out", str(plan))
    assert rc == 1, err  # changes pending
    assert "the result would verify" in out  # the what-if says so before anything is applied
    assert json.loads(plan.read_text())["whatif"]["verifies"] is True  # and the plan file records it

    rc, out, err = run(capsys, "apply", str(plan), "--endpoint", emu.url, "--ca-bundle", emu.ca_path,
                       "--polling-interval", "0", "--yes")  # fmt: skip
    assert rc == 0, err

    snap = tmp_path / "after.json"
    rc, err = inventory(capsys, emu, snap)
    assert rc == 0, err
    rc, report = verify(capsys, snap)
    assert results(report) == dict.fromkeys(CONSUMERS, "PASS"), report
    assert rc == 0
    # The table says the same, for a person.
    rc, out, _ = run(capsys, "verify", "--estate", str(snap), "--intent", str(INTENT))
    assert rc == 0 and "FAIL" not in out and "UNKNOWN" not in out


def test_without_the_apply_the_fresh_inventory_fails_naming_what_is_broken(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snap = tmp_path / "before.json"
    rc, err = inventory(capsys, emu, snap)
    assert rc == 0, err
    rc, report = verify(capsys, snap)
    assert rc == 1
    res = results(report)
    # spoke2 resolves with its own links and is linked to no zone of the app domain: the names go
    # to public DNS. The legacy VNet (its own endpoint) and spoke3 (through the hub) are served.
    assert res == {"vnet-corp-spoke2-weu": "FAIL", "vnet-legacy-apps-weu": "PASS", "vnet-corp-spoke3-neu": "PASS"}
    spoke2 = next(c for c in report["connections"] if c["consumer"].endswith("vnet-corp-spoke2-weu"))
    [failed] = [k for k in spoke2["checks"] if k["result"] != "PASS"]
    assert failed["name"] == "hr-portal.azure.mendixapps.io"
    assert "azure.mendixapps.io exists in the estate but is not linked to this VNet (D1" in failed["reasons"][0]


def test_a_zone_link_deleted_after_the_apply_fails_again(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.json"
    assert run(capsys, "plan", "--estate", str(ESTATE), "--intent", str(INTENT), "--out", str(plan))[0] == 1
    rc, _, err = run(capsys, "apply", str(plan), "--endpoint", emu.url, "--ca-bundle", emu.ca_path,
                     "--polling-interval", "0", "--yes")  # fmt: skip
    assert rc == 0, err
    link = next(c["id"] for c in json.loads(plan.read_text())["changes"] if c["id"].endswith("/link-vnet-corp-spoke2-weu"))
    # Someone removes the zone link spoke2 resolves the app names through.
    state = emu.resources()
    state["resources"] = [r for r in state["resources"] if r["id"].lower() != link.lower()]
    emu.load(state)
    snap = tmp_path / "after.json"
    assert inventory(capsys, emu, snap)[0] == 0
    rc, report = verify(capsys, snap)
    assert rc == 1
    assert results(report) == {"vnet-corp-spoke2-weu": "FAIL", "vnet-legacy-apps-weu": "PASS", "vnet-corp-spoke3-neu": "PASS"}


def test_what_the_inventory_cannot_read_is_unknown_never_pass(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plan is applied, but the identity that re-inventories may not read DNS private resolvers
    in the connectivity subscription (and nobody declared the resolver as a DNS forwarder): what
    spoke3 resolves through 10.100.0.68 cannot be told, nor whether a resolver's ruleset changes the
    others' answers. Every name check is UNKNOWN naming the gap; nothing PASSes."""
    plan = tmp_path / "plan.json"
    assert run(capsys, "plan", "--estate", str(ESTATE), "--intent", str(INTENT), "--out", str(plan))[0] == 1
    rc, _, err = run(capsys, "apply", str(plan), "--endpoint", emu.url, "--ca-bundle", emu.ca_path,
                     "--polling-interval", "0", "--yes")  # fmt: skip
    assert rc == 0, err
    sample = json.loads(ESTATE.read_text())
    declarations = {k: v for k, v in sample["declarations"].items() if k != "dns_forwarders"}
    decl = tmp_path / "declarations.json"
    decl.write_text(json.dumps(declarations))
    hub = next(r["id"] for r in sample["resources"] if r["id"].endswith("/virtualNetworks/vnet-hub-weu"))
    connectivity = "/".join(hub.split("/")[:3])
    emu.set_faults(forbidden=[ForbiddenRule(connectivity, action="Microsoft.Network/dnsResolvers/read")])
    snap = tmp_path / "partial.json"
    common = ("inventory", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--out", str(snap), "--quiet",
              "--declarations", str(decl))  # fmt: skip
    # Without --allow-partial the inventory refuses (exit 2); with it the snapshot records the gap.
    assert run(capsys, *common)[0] == 2 and not snap.exists()
    rc, _, err = run(capsys, *common, "--allow-partial")
    assert rc == 0, err
    rc, report = verify(capsys, snap)
    assert rc == 1
    assert results(report) == dict.fromkeys(CONSUMERS, "UNKNOWN"), results(report)
    spoke3 = next(c for c in report["connections"] if c["consumer"].endswith("vnet-corp-spoke3-neu"))
    text = json.dumps(spoke3)
    assert "10.100.0.68 is not a DNS private resolver inbound endpoint or a declared DNS forwarder" in text
    spoke2 = next(c for c in report["connections"] if c["consumer"].endswith("vnet-corp-spoke2-weu"))
    assert "could not read dnsResolvers in " + connectivity in json.dumps(spoke2)


def test_a_shared_hub_endpoint_verifies_on_a_fresh_inventory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The spoke overlaps the provider and has no subnet for an endpoint: `auto` plans one shared
    endpoint in the hub it is peered with. After apply, `verify --intent` (method auto, no plan at
    hand) finds the spoke resolving to that endpoint in its peered hub and checks it as Private Link."""
    b = EstateBuilder()
    b.vnet("vnet-hub", ["10.0.0.0/22"], rg="rg-hub", subnets={"pe": "10.0.1.0/24"})
    b.vnet("vnet-mendix", ["10.100.0.0/16"], rg="rg-mendix", subnets={"aks": "10.100.0.0/20", "pls-nat": "10.100.16.0/28"})
    b.lb("kubernetes-internal", "vnet-mendix", "aks", LB_IP, rg="rg-mendix")
    b.vnet("vnet-spoke", ["10.100.0.0/20"], rg="rg-spoke", subnets={"app": "10.100.1.0/24"})
    b.peer("vnet-hub", "vnet-spoke")
    fe = f"{b.rid('loadBalancers', 'kubernetes-internal', 'rg-mendix')}/frontendIPConfigurations/fe"
    b.pls("pls-mendix", fe, "vnet-mendix", "pls-nat", "10.100.16.5", rg="rg-mendix", auto_approval=[b.sub.rsplit("/", 1)[-1]])
    b.pe("pe-other", "vnet-hub", "pe", "10.0.1.4", b.rid("storageAccounts", "st", "rg-hub"), rg="rg-hub")
    estate = b.write(tmp_path / "estate.json")
    intent = tmp_path / "intent.yaml"
    intent.write_text(LZ_INTENT.format(connections="  - consumer: vnet-spoke\n    method: auto\n"))
    plan = tmp_path / "plan.json"
    rc, out, err = run(capsys, "plan", "--estate", estate, "--intent", str(intent), "--what-if", "--out", str(plan))
    assert rc == 1, err
    data = json.loads(plan.read_text())
    assert [d["method"] for d in data["decisions"]] == ["shared-endpoint"] and not data["problems"]
    assert data["whatif"]["verifies"] is True
    with Emulator(json.loads(Path(estate).read_text()), faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as e:
        rc, _, err = run(capsys, "apply", str(plan), "--endpoint", e.url, "--ca-bundle", e.ca_path,
                         "--polling-interval", "0", "--yes")  # fmt: skip
        assert rc == 0, err
        snap = tmp_path / "after.json"
        rc, _, err = run(capsys, "inventory", "--endpoint", e.url, "--ca-bundle", e.ca_path, "--out", str(snap), "--quiet")
        assert rc == 0, err
    rc, out, err = run(capsys, "verify", "--estate", str(snap), "--intent", str(intent), "--format", "json")
    assert rc == 0, out + err
    [conn] = json.loads(out)["connections"]
    assert conn["result"] == "PASS" and conn["method"] == "private-link"
    assert any("in peered vnet-hub (a shared endpoint)" in r for r in conn["reasons"])
