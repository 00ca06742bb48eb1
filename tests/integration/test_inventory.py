"""`vnetplan inventory` through the real Azure SDK clients against the ARM emulator (HTTPS).

What a user relies on: the snapshot equals what Azure holds (round trip through the loader),
paging and throttling are handled, a subscription that cannot be read is never silently skipped,
inventory sends no write, and the token never appears in any output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netplan.estate import load_estate
from tests.emulator import Emulator, FaultConfig, ForbiddenRule
from vnetplan.cli import main

pytestmark = pytest.mark.integration  # every test here talks to the ARM emulator

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
SUB_A = "6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f"
SUB_B = "0b9d7f3e-8a2c-4e61-b7d4-5c3e2f1a0b9c"
TOKEN = "vnetplan-test-token-7f3c9d1e-SECRET"


def _vnet(sub: str, rg: str, name: str, prefix: str, subnets: list[tuple[str, str]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    vid = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}"
    return {
        "name": name, "id": vid, "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
        "properties": {
            "addressSpace": {"addressPrefixes": [prefix]},
            "subnets": [{"name": n, "id": f"{vid}/subnets/{n}", "properties": {"addressPrefix": p}} for n, p in subnets],
            "virtualNetworkPeerings": [],
        },
    }  # fmt: skip


def _seed(tmp_path: Path) -> Path:
    resources = [_vnet(SUB_A, "rg-hub", "vnet-hub", "10.100.0.0/22", [("GatewaySubnet", "10.100.3.0/27")])]
    # More VNets than one page (the emulator pages at 50) so nextLink is followed.
    resources += [_vnet(SUB_A, "rg-spokes", f"vnet-spoke-{i:03d}", f"10.{110 + i // 256}.{i % 256}.0/24") for i in range(70)]
    resources += [_vnet(SUB_B, "rg-apps", "vnet-apps", "10.200.0.0/16")]
    zone_id = f"/subscriptions/{SUB_A}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/azure.mendixapps.io"
    resources += [
        {"id": zone_id, "name": "azure.mendixapps.io", "type": "Microsoft.Network/privateDnsZones", "location": "global",
         "properties": {}},
        {"id": f"{zone_id}/A/*", "name": "*", "type": "Microsoft.Network/privateDnsZones/A",
         "properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.20.0.4"}]}},
        {"id": f"{zone_id}/virtualNetworkLinks/link-hub", "name": "link-hub", "location": "global",
         "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
         "properties": {"virtualNetwork": {"id": resources[0]["id"]}, "registrationEnabled": False}},
    ]  # fmt: skip
    path = tmp_path / "seed.json"
    path.write_text(json.dumps({"resources": resources}))
    return path


@pytest.fixture
def emulator(tmp_path: Path) -> Any:
    with Emulator(snapshot=str(_seed(tmp_path))) as emu:
        yield emu


def _inventory(emu: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, Path]:
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", TOKEN)
    out = tmp_path / "estate.json"
    rc = main(["inventory", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--out", str(out), *extra])
    return rc, out


def test_inventory_round_trips_the_estate_across_subscriptions_and_pages(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, out = _inventory(emulator, tmp_path, monkeypatch)
    assert rc == 0
    got = load_estate([str(out)])
    want = load_estate([str(tmp_path / "seed.json")])
    assert {v.key for v in got.vnets} == {v.key for v in want.vnets}
    assert len(got.vnets) == 72
    assert got.subscriptions == tuple(sorted([SUB_A, SUB_B]))
    assert [r.values for r in got.record_sets if r.name == "*"] == [("10.20.0.4",)]
    assert got.links_of_vnet(want.vnets[0].id)[0].name == "link-hub"
    assert emulator.stats.writes == 0
    err = capsys.readouterr().err
    assert "read " in err and TOKEN not in err


def test_inventory_of_each_sample_equals_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    samples = sorted(SAMPLES.glob("*-estate.json"))
    assert samples, "samples/ holds the bundled estates"
    for sample in samples:
        with Emulator(snapshot=str(sample)) as emu:
            rc, out = _inventory(emu, tmp_path, monkeypatch, "--quiet")
            assert rc == 0, sample
            got, want = load_estate([str(out)]), load_estate([str(sample)])
            for kind in ("vnets", "load_balancers", "private_link_services", "private_endpoints", "nics", "zones",
                         "record_sets", "zone_links", "zone_groups", "gateways", "dns_resolvers", "resolver_endpoints",
                         "rulesets", "forwarding_rules", "ruleset_links", "route_tables", "nsgs", "asgs", "firewalls"):  # fmt: skip
                assert {r.key for r in getattr(got, kind)} == {r.key for r in getattr(want, kind)}, (sample.name, kind)
            assert sorted(got.vnets, key=lambda v: v.key) == sorted(want.vnets, key=lambda v: v.key), sample.name
            assert got.subscription_names == want.subscription_names and want.subscription_names, sample.name
            assert emu.stats.writes == 0


def test_forbidden_subscription_is_an_error_naming_it(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.set_faults(forbidden=[ForbiddenRule(scope=f"/subscriptions/{SUB_B}")])
    rc, out = _inventory(emulator, tmp_path, monkeypatch, "--quiet")
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vnetplan: error: could not read ")
    assert SUB_B in err[0] and "403" in err[0] and "--allow-partial" in err[0]
    assert not out.exists()


def test_allow_partial_records_the_gap_and_analyses_see_it(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.set_faults(forbidden=[ForbiddenRule(scope=f"/subscriptions/{SUB_B}")])
    rc, out = _inventory(emulator, tmp_path, monkeypatch, "--quiet", "--allow-partial")
    assert rc == 0
    est = load_estate([str(out)])
    assert est.gaps and all(SUB_B in g.scope for g in est.gaps)
    assert est.gaps_for(f"/subscriptions/{SUB_B}/resourceGroups/rg-apps/providers/Microsoft.Network/virtualNetworks/x")
    assert not est.gaps_for(f"/subscriptions/{SUB_A}/resourceGroups/rg-hub")


def test_throttling_is_retried_honouring_retry_after(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.set_faults(FaultConfig(throttle_next=3, retry_after=0))
    rc, out = _inventory(emulator, tmp_path, monkeypatch, "--quiet", "--subscription", SUB_A)
    assert rc == 0
    assert emulator.stats.by_status.get("429", 0) == 3
    assert len(load_estate([str(out)]).vnets) == 71


def test_token_never_appears_in_snapshot_or_output(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.set_faults(forbidden=[ForbiddenRule(scope=f"/subscriptions/{SUB_B}")])
    _inventory(emulator, tmp_path, monkeypatch, "--allow-partial")
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err
    assert TOKEN not in (tmp_path / "estate.json").read_text()


def test_inventory_records_subscription_display_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The seed names SUB_A (as `GET /subscriptions` would); the emulator names SUB_B itself.
    seed = json.loads(_seed(tmp_path).read_text())
    seed["subscriptions"] = [{"subscriptionId": SUB_A, "displayName": "Platform Connectivity"}]
    (tmp_path / "named.json").write_text(json.dumps(seed))
    with Emulator(snapshot=str(tmp_path / "named.json")) as emu:
        rc, out = _inventory(emu, tmp_path, monkeypatch)
        assert rc == 0 and emu.stats.writes == 0
    snap = json.loads(out.read_text())
    assert {s["subscriptionId"]: s["displayName"] for s in snap["subscriptions"]} == {
        SUB_A: "Platform Connectivity", SUB_B: f"Emulated subscription {SUB_B[:8]}",
    }  # fmt: skip
    est = load_estate([str(out)])
    assert est.subscription_label(SUB_A) == "Platform Connectivity"
    assert est.subscription_name(SUB_B.upper()) == f"Emulated subscription {SUB_B[:8]}"
    # The summary names each subscription, ID beside it.
    assert f"Platform Connectivity ({SUB_A})" in capsys.readouterr().err
    # The names survive a round trip through the snapshot writer.
    assert load_estate([str(out)]).to_snapshot()["subscriptions"][0]["displayName"] in {
        "Platform Connectivity", f"Emulated subscription {SUB_B[:8]}"
    }


def test_unreadable_subscription_list_is_a_reported_gap_not_a_failure(
    emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.set_faults(forbidden=[ForbiddenRule(scope="/subscriptions", action="Microsoft.Resources/subscriptions/read")])
    # Named subscriptions: read as usual, shown by ID, and the missing names said on stderr.
    rc, out = _inventory(emulator, tmp_path, monkeypatch, "--quiet", "--subscription", SUB_A)
    assert rc == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vnetplan: warning: not read: the subscription list")
    assert "403" in err[0] and "AuthorizationFailed" in err[0]
    snap = json.loads(out.read_text())
    assert "subscriptions" not in snap and "403" in snap["inventory"]["subscription_names_unread"]
    est = load_estate([str(out)])
    assert len(est.vnets) == 71 and not est.gaps  # no analysis depends on a display name
    assert est.subscription_label(SUB_A) == SUB_A
    # Without --subscription the list is what says what to read: then it is an error, one line.
    out.unlink()
    rc, out = _inventory(emulator, tmp_path, monkeypatch, "--quiet")
    assert rc == 2 and not out.exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vnetplan: error: cannot list subscriptions: HTTP 403")
