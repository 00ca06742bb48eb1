"""The home screen's core facts: the app domain's consumer × answer matrix, and peering links that
do not carry all traffic, on the hand-made Mendix estate (tests/tui/builders.py) and the sample."""

from __future__ import annotations

from pathlib import Path

from netplan.dns.health import AnswerKind, Health, domain_health
from netplan.loader import load_estate
from netplan.triage import peering_problems
from tests.tui.builders import APP_DOMAIN, ILB_IP, mendix_builder

ROOT = Path(__file__).resolve().parents[2]


def test_each_consumer_gets_its_answer_kind_reachability_and_verdict() -> None:
    estate = mendix_builder().estate()
    health = domain_health(estate, APP_DOMAIN)
    rows = {r.vnet.name: r for r in health.rows}
    assert health.names == ("orders.azure.mendixapps.io", "portal.azure.mendixapps.io")
    # erp-prod: linked to the app zone, peered Connected with the provider: the ILB, reachable.
    erp = rows["vnet-erp-prod"]
    assert erp.counts == {AnswerKind.ILB: 2} and erp.addresses == (ILB_IP,)
    assert erp.reachable is True and erp.health is Health.PASS
    # data-prod: the zone is not linked, so public DNS answers: FAIL with the reason.
    data = rows["vnet-data-prod"]
    assert data.counts == {AnswerKind.PUBLIC: 2} and data.health is Health.FAIL
    assert any("not linked" in r for r in data.reasons)
    # legacy: custom DNS servers, the answer cannot be known offline: UNKNOWN, never a pass.
    assert rows["vnet-legacy"].counts == {AnswerKind.UNKNOWN: 2}
    assert rows["vnet-legacy"].health is Health.UNKNOWN
    # Problems first.
    order = [r.health for r in health.rows]
    assert order == sorted(order, key=[Health.FAIL, Health.UNKNOWN, Health.PASS].index)


def test_an_address_answered_but_not_reachable_fails() -> None:
    b = mendix_builder()
    zone = next(z for z in b.estate().zones if z.name == APP_DOMAIN)
    # The lab VNet is isolated (no peering): linking the zone makes it resolve the ILB it cannot reach.
    b.zone_link(zone.id, "vnet-lab-isolated")
    rows = {r.vnet.name: r for r in domain_health(b.estate(), APP_DOMAIN).rows}
    lab = rows["vnet-lab-isolated"]
    assert lab.counts == {AnswerKind.ILB: 2}
    assert lab.reachable is False and lab.health is Health.FAIL
    assert any("not reachable" in r for r in lab.reasons)


def test_a_domain_without_app_names_has_no_rows() -> None:
    health = domain_health(mendix_builder().estate(), "nothing.example")
    assert health.rows == () and health.names == ()


def test_peering_problems_on_the_sample_name_each_link_and_why() -> None:
    estate = load_estate([ROOT / "samples" / "mendix-estate.json"])
    found = {(p.vnet.name, p.kind) for p in peering_problems(estate)}
    assert found == {
        ("vnet-corp-spoke2-weu", "not connected"),
        ("vnet-hub-weu", "not in sync"),
        ("vnet-corp-spoke3-neu", "not in sync"),
    }
    msg = next(p.message for p in peering_problems(estate) if p.kind == "not connected")
    assert msg.startswith("Initiated to vnet-mendix-weu") and "(P1)" in msg
