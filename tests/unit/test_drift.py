"""Drift: snapshot vs snapshot (property level, gaps as UNKNOWN) and intent vs estate."""

from __future__ import annotations

import textwrap
from pathlib import Path

from netplan.drift import has_drift, snapshot_drift
from netplan.ids import name_of
from netplan.intent import load_intent
from netplan.intentdrift import intent_drift
from netplan.report.model import Report, Status
from tests.unit.builders import EstateBuilder


def baseline_builder() -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"shared": "10.0.1.0/24"})
    b.vnet("spoke", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24", "pe": "10.1.2.0/24"})
    b.vnet("old-spoke", ["10.2.0.0/16"])
    b.peer("hub", "spoke")
    b.lb("ilb", "spoke", "app", "10.1.1.10")
    z = b.zone("azure.mendixapps.io")
    b.record(z, "*", "A", ["10.1.1.10"])
    b.zone_link(z, "spoke")
    b.zone_link(z, "hub")
    return b


def changed(report: Report) -> set[tuple[str, str, str]]:
    return {(f.rule, name_of(f.resource), f.item) for f in report.findings if f.status is Status.FAIL}


def test_identical_snapshots_are_in_sync() -> None:
    report = snapshot_drift(baseline_builder().estate(), baseline_builder().estate())
    assert report.findings == [] and not has_drift(report)
    assert report.summary()["unchanged"] > 10


def test_every_added_removed_and_changed_property_is_reported() -> None:
    old = baseline_builder().estate()
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"shared": "10.0.1.0/24"}, dns=["10.0.1.53"])
    b.vnet("spoke", ["10.1.0.0/16", "10.11.0.0/16"], subnets={"app": "10.1.1.0/24", "pe": "10.1.2.0/24"})
    b.vnet("new-spoke", ["10.3.0.0/16"])
    b.peer("hub", "spoke", b_to_a={"sync": "LocalNotInSync", "allow_vnet_access": False})
    b.lb("ilb", "spoke", "app", "10.1.1.20")  # the cluster was rebuilt: a new frontend address
    z = b.zone("azure.mendixapps.io")
    b.record(z, "*", "A", ["10.1.1.10"], ttl=60)  # the record still points at the old address
    b.zone_link(z, "spoke")
    new = b.estate()
    report = snapshot_drift(old, new, baseline_name="old.json")
    got = changed(report)
    assert got == {
        ("VNP-DRIFT-001", "new-spoke", ""),
        ("VNP-DRIFT-002", "old-spoke", ""),
        ("VNP-DRIFT-002", "link-hub", ""),
        ("VNP-DRIFT-003", "hub", "dns_servers"),
        ("VNP-DRIFT-003", "spoke", "address_prefixes"),
        ("VNP-DRIFT-003", "spoke-to-hub", "sync_level"),
        ("VNP-DRIFT-003", "spoke-to-hub", "allow_virtual_network_access"),
        ("VNP-DRIFT-003", "hub-to-spoke", "remote_prefixes"),
        ("VNP-DRIFT-003", "fe", "private_ip"),
        ("VNP-DRIFT-004", "*", "ttl"),
    }
    msgs = {(name_of(f.resource), f.item): f.message for f in report.findings}
    assert msgs[("spoke", "address_prefixes")] == "VNet spoke: address_prefixes +10.11.0.0/16."
    assert msgs[("fe", "private_ip")] == "Frontend fe: private_ip 10.1.1.10 -> 10.1.1.20."
    assert msgs[("spoke-to-hub", "sync_level")] == "Peering spoke-to-hub: sync_level FullyInSync -> LocalNotInSync."
    assert has_drift(report)
    assert report.summary()["baseline"] == "old.json"


def test_resource_missing_under_a_gap_of_the_new_snapshot_is_unknown_not_removed() -> None:
    old = baseline_builder().estate()
    b = baseline_builder()
    b._vnets.pop("old-spoke")
    b.gap(b.vid("hub").split("/resourceGroups/")[0], reason="AuthorizationFailed")
    report = snapshot_drift(old, b.estate())
    unknown = [f for f in report.findings if f.status is Status.UNKNOWN]
    assert [name_of(f.resource) for f in unknown] == ["old-spoke"]
    assert "could not read" in unknown[0].message
    assert has_drift(report), "drift that cannot be ruled out is not 'in sync'"


def test_resource_new_where_the_baseline_had_a_gap_is_unknown_not_added() -> None:
    b = baseline_builder()
    b.gap(b.vid("hub").split("/resourceGroups/")[0], reason="AuthorizationFailed")
    b._vnets.pop("old-spoke")
    old = b.estate()
    report = snapshot_drift(old, baseline_builder().estate())
    assert [(f.status, name_of(f.resource)) for f in report.findings] == [(Status.UNKNOWN, "old-spoke")]
    assert "the baseline could not read" in report.findings[0].message


def provider_estate() -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("mendix-vnet", ["10.20.0.0/16"], rg="rg-mendix", subnets={"aks": "10.20.0.0/22", "pls-nat": "10.20.8.0/28"})
    fe = b.lb("mendix-ilb", "mendix-vnet", "aks", "10.20.0.4", rg="rg-mendix")
    b.vnet("spoke-a", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24"})
    b.vnet("spoke-b", ["10.2.0.0/16"], subnets={"pe": "10.2.1.0/24"})
    pls = b.pls("pls-mendix", fe, "mendix-vnet", "pls-nat", "10.20.8.4", rg="rg-mendix")
    b.pe("pe-mendix", "spoke-b", "pe", "10.2.1.4", pls)
    b.peer("mendix-vnet", "spoke-a")
    z = b.zone("azure.mendixapps.io")
    b.record(z, "*", "A", ["10.20.0.4"])
    b.zone_link(z, "spoke-a")
    zb = b.zone("azure.mendixapps.io", rg="rg-spoke-b-dns")
    b.record(zb, "*", "A", ["10.2.1.4"])
    b.zone_link(zb, "spoke-b")
    return b


INTENT = """\
version: 1
provider:
  vnet: rg-mendix/mendix-vnet
  load_balancer: mendix-ilb
  frontend: 10.20.0.4
  app_domain: azure.mendixapps.io
  private_link_service:
    name: pls-mendix
    nat_subnet: pls-nat
connections:
  - consumer: spoke-a
    use_case: expose-apps
    method: peering
    apps: "*"
  - consumer: spoke-b
    use_case: expose-apps
    method: private-link
    apps: "*"
    subnet: pe
"""


def write_intent(tmp_path: Path) -> Path:
    p = tmp_path / "intent.yaml"
    p.write_text(textwrap.dedent(INTENT))
    return p


def test_intent_in_sync(tmp_path: Path) -> None:
    est = provider_estate().estate()
    report = intent_drift(est, load_intent(write_intent(tmp_path), est))
    assert [f.message for f in report.findings if f.status is not Status.PASS] == []
    assert not has_drift(report)
    assert {f.rule for f in report.findings} == {"VNP-DRIFT-101", "VNP-DRIFT-103", "VNP-DRIFT-104", "VNP-DRIFT-105"}


def test_intent_drift_after_rebuild_access_change_pending_endpoint_and_stray_peering(tmp_path: Path) -> None:
    b = EstateBuilder()
    b.vnet("mendix-vnet", ["10.20.0.0/16"], rg="rg-mendix", subnets={"aks": "10.20.0.0/22", "pls-nat": "10.20.8.0/28"})
    fe = b.lb("mendix-ilb", "mendix-vnet", "aks", "10.20.0.4", rg="rg-mendix")
    b.vnet("spoke-a", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24"})
    b.vnet("spoke-b", ["10.2.0.0/16"], subnets={"pe": "10.2.1.0/24"})
    b.vnet("stray", ["10.3.0.0/16"])
    pls = b.pls("pls-mendix", fe, "mendix-vnet", "pls-nat", "10.20.8.4", rg="rg-mendix")
    b.pe("pe-mendix", "spoke-b", "pe", "10.2.1.4", pls, status="Pending", manual=True)
    b.peer("mendix-vnet", "spoke-a", b_to_a={"allow_vnet_access": False})
    b.peer("mendix-vnet", "stray")
    z = b.zone("azure.mendixapps.io")
    b.record(z, "*", "A", ["10.20.0.9"])  # left at the old cluster's address
    b.zone_link(z, "spoke-a")
    est = b.estate()
    report = intent_drift(est, load_intent(write_intent(tmp_path), est))
    assert changed(report) == {
        ("VNP-DRIFT-101", "spoke-a-to-mendix-vnet", "peering to mendix-vnet"),
        ("VNP-DRIFT-102", "mendix-vnet-to-stray", "stray"),
        ("VNP-DRIFT-103", "pe-mendix", "private endpoint"),
        ("VNP-DRIFT-104", "spoke-b", "azure.mendixapps.io"),
        ("VNP-DRIFT-105", "spoke-a", "vnetplan-check.azure.mendixapps.io"),
        ("VNP-DRIFT-105", "spoke-b", "vnetplan-check.azure.mendixapps.io"),
    }
    msgs = {(f.rule, name_of(f.resource)): f.message for f in report.findings if f.status is Status.FAIL}
    assert "allowVirtualNetworkAccess is false" in msgs[("VNP-DRIFT-101", "spoke-a-to-mendix-vnet")]
    assert "10.20.0.9" in msgs[("VNP-DRIFT-105", "spoke-a")] and "expected 10.20.0.4" in msgs[("VNP-DRIFT-105", "spoke-a")]
    assert "Pending" in msgs[("VNP-DRIFT-103", "pe-mendix")]


def test_missing_peering_link_is_named_on_the_vnet_that_lacks_it(tmp_path: Path) -> None:
    b = provider_estate()
    b._links = [s for s in b._links if s.local != "spoke-a"]  # spoke-a's side was deleted
    b._links = [s if s.local != "mendix-vnet" else s.__class__(s.local, s.remote, {**s.kwargs, "state": "Disconnected"}, s.remote_prefixes)
                for s in b._links]  # fmt: skip
    est = b.estate()
    report = intent_drift(est, load_intent(write_intent(tmp_path), est))
    got = {(name_of(f.resource), f.item) for f in report.findings if f.rule == "VNP-DRIFT-101" and f.status is Status.FAIL}
    assert got == {("spoke-a", "peering to mendix-vnet"), ("mendix-vnet-to-spoke-a", "peering to spoke-a")}
