"""The home screen's core facts: the app domain's consumer × answer matrix, and peering links that
do not carry all traffic, on the hand-made Mendix estate (tests/tui/builders.py) and the sample."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netplan.dns.health import AnswerKind, Health, domain_health, intent_ports
from netplan.estate import load_estate
from netplan.intent import parse_intent
from netplan.triage import peering_problems
from tests.tui.builders import APP_DOMAIN, ILB_IP, mendix_builder
from tests.unit.builders import EstateBuilder
from tests.unit.traffic_builders import attach, nsg, route, route_table, rule

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


# ---- the reach column: the traffic rules, per app port, as verify judges them ------------------


def _with_nsg(rules: list[dict[str, Any]]) -> EstateBuilder:
    b = mendix_builder()
    g = nsg("nsg-ilb", rules, rg="rg-mendix")
    b.add(g)
    attach(b, "vnet-mendix-prod", "ilb", nsg_id=g["id"])
    return b


def test_the_reach_column_fails_when_an_nsg_denies_an_app_port_and_names_the_rule() -> None:
    b = _with_nsg([rule("deny-https-from-spokes", 300, access="Deny", src="10.30.0.0/16", ports="443")])
    erp = {r.vnet.name: r for r in domain_health(b.estate(), APP_DOMAIN).rows}["vnet-erp-prod"]
    # Peering alone says reachable; the NSG on the frontend's subnet denies TCP 443.
    assert erp.reachable is False and erp.health is Health.FAIL and erp.ports == (443, 80)
    (why,) = [r for r in erp.reasons if "TCP 443" in r]
    assert why.startswith(f"{ILB_IP} TCP 443: not reachable") and "deny-https-from-spokes" in why and "priority 300" in why
    assert not any("TCP 80" in r for r in erp.reasons)  # port 80 is allowed


def test_the_reach_column_judges_the_ports_of_the_intent_connection() -> None:
    b = _with_nsg([rule("deny-http", 300, access="Deny", ports="80")])
    e = b.estate()
    erp = e.resolve_vnet("vnet-erp-prod")
    default = {r.vnet.name: r for r in domain_health(e, APP_DOMAIN).rows}["vnet-erp-prod"]
    assert default.reachable is False and any("TCP 80" in r and "deny-http" in r for r in default.reasons)
    only_https = {r.vnet.name: r for r in domain_health(e, APP_DOMAIN, ports={erp.key: (443,)}).rows}["vnet-erp-prod"]
    assert only_https.ports == (443,) and only_https.reachable is True and only_https.health is Health.PASS


def test_intent_ports_maps_each_consumer_to_its_connection_ports() -> None:
    e = mendix_builder().estate()
    data = {"version": 1, "provider": {"vnet": "vnet-mendix-prod", "load_balancer": "lb-mendix-apps", "app_domain": APP_DOMAIN},
            "connections": [{"consumer": "vnet-erp-prod", "method": "peering", "ports": [8443]}]}  # fmt: skip
    intent = parse_intent("<test>", data, {}, e)
    ports = intent_ports(intent)
    assert ports == {e.resolve_vnet("vnet-erp-prod").key: (8443,)}
    assert intent_ports(None) == {}


def test_the_reach_column_fails_when_a_route_black_holes_the_frontend() -> None:
    b = mendix_builder()
    rt = route_table("rt-erp", [route("drop-mendix", "10.20.0.0/16", "None")], rg="rg-erp")
    b.add(rt)
    attach(b, "vnet-erp-prod", "app", rt_id=rt["id"])
    erp = {r.vnet.name: r for r in domain_health(b.estate(), APP_DOMAIN).rows}["vnet-erp-prod"]
    assert erp.reachable is False and erp.health is Health.FAIL
    assert any("TCP 443: not reachable" in r and "drop-mendix" in r for r in erp.reasons)


def test_a_service_tag_the_model_cannot_see_makes_reach_unknown_with_its_name() -> None:
    b = _with_nsg([rule("deny-cloud", 300, access="Deny", src="AzureCloud", ports="443")])
    erp = {r.vnet.name: r for r in domain_health(b.estate(), APP_DOMAIN).rows}["vnet-erp-prod"]
    assert erp.reachable is None and erp.health is Health.UNKNOWN
    assert any("TCP 443: reachability unknown" in r and "AzureCloud" in r for r in erp.reasons)


def test_a_vnet_without_a_workload_subnet_is_judged_by_its_peerings_and_says_so() -> None:
    # The sample's hub holds only a firewall, a gateway, the resolver (delegated) and Bastion: no
    # workload sends app traffic from it, and routes and NSGs are judged per workload subnet.
    estate = load_estate([ROOT / "samples" / "mendix-estate.json"])
    hub = next(r for r in domain_health(estate, "azure.mendixapps.io").rows if r.vnet.name == "vnet-hub-weu")
    assert hub.reachable is True and hub.health is Health.PASS
    assert hub.reasons == ("10.20.0.250: reachable by peerings (vnet-hub-weu has no workload subnet: routes and NSGs, "
                           "judged per subnet, are not asked)",)  # fmt: skip
