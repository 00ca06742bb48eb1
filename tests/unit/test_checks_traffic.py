"""Traffic-rule rules (VNP-NSG-001/002, VNP-RT-001, VNP-PE-003): exact sets of judged resources."""

from __future__ import annotations

from typing import Any

from checks.rules import (
    nsg_intent_denied,
    nsg_rule_shadowed,
    pe_subnet_route_table_ignored,
    route_next_hop_unowned,
)
from netplan.intent import parse_intent
from tests.checks.builders import judged, messages
from tests.unit.builders import EstateBuilder
from tests.unit.traffic_builders import attach, lb_rules, nic_set, nsg, route, route_table, rule


def test_shadowed_rule_is_reported_with_the_rule_that_shadows_it() -> None:
    b = EstateBuilder()
    b.add(nsg("nsg", [
        rule("pass_allow_vnet_https", 100, src="10.0.0.0/8", ports="443"),
        rule("fail_deny_spoke_https", 200, access="Deny", src="10.1.0.0/16", ports="443"),  # inside 100
        rule("pass_deny_wider_ports", 300, access="Deny", src="10.1.0.0/16", ports="400-500"),  # not all inside 100
        rule("pass_other_direction", 400, "Outbound", src="10.1.0.0/16", ports="443"),
        rule("pass_udp", 500, src="10.1.0.0/16", ports="443", protocol="Udp"),
        rule("fail_any_after_any", 600, src="10.1.0.0/16", ports="443", protocol="Tcp"),
    ]))  # fmt: skip
    e = b.estate()
    assert judged(nsg_rule_shadowed.RULE, e) == {
        "PASS": {"pass_allow_vnet_https", "pass_deny_wider_ports", "pass_other_direction", "pass_udp"},
        "FAIL": {"fail_deny_spoke_https", "fail_any_after_any"}, "UNKNOWN": set(),
    }  # fmt: skip
    assert "rule pass_allow_vnet_https (priority 100, Allow)" in messages(nsg_rule_shadowed.RULE, e)["fail_deny_spoke_https"]


def test_route_next_hop_that_no_appliance_owns() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"nva": "10.0.1.0/24", "AzureFirewallSubnet": "10.0.2.0/26"})
    nva = b.nic("nva", "hub", "nva", "10.0.1.4", vm="nva")
    nic_set(b, nva, enableIPForwarding=True)
    b.nic("plain-vm", "hub", "nva", "10.0.1.5", vm="plain")
    b.forwarder("hub", device="azfw", ip="10.0.2.4")
    b.add(route_table("rt", [
        route("pass_to_nva", "10.1.0.0/16", "VirtualAppliance", "10.0.1.4"),
        route("pass_to_declared_firewall", "0.0.0.0/0", "VirtualAppliance", "10.0.2.4"),
        route("fail_to_plain_vm", "10.2.0.0/16", "VirtualAppliance", "10.0.1.5"),
        route("fail_to_nobody", "10.3.0.0/16", "VirtualAppliance", "10.0.1.99"),
        route("not_an_appliance_route", "10.4.0.0/16", "None"),
    ]))  # fmt: skip
    e = b.estate()
    assert judged(route_next_hop_unowned.RULE, e) == {
        "PASS": {"pass_to_nva", "pass_to_declared_firewall"}, "FAIL": {"fail_to_plain_vm", "fail_to_nobody"}, "UNKNOWN": set()}
    msgs = messages(route_next_hop_unowned.RULE, e)
    assert "does not have IP forwarding" in msgs["fail_to_plain_vm"] and "black hole" in msgs["fail_to_nobody"]


def test_private_endpoint_subnet_with_a_route_table_its_policies_ignore() -> None:
    b = EstateBuilder()
    b.vnet("v", ["10.1.0.0/16"], subnets={"fail_pe_disabled": "10.1.1.0/24", "fail_pe_nsg_only": "10.1.2.0/24",
                                          "pass_pe_routes": "10.1.3.0/24", "no_pe": "10.1.4.0/24"})  # fmt: skip
    rt = route_table("rt", [route("default", "0.0.0.0/0", "None")])
    b.add(rt)
    for s, pol in (("fail_pe_disabled", None), ("fail_pe_nsg_only", "NetworkSecurityGroupEnabled"), ("pass_pe_routes", "RouteTableEnabled")):
        attach(b, "v", s, rt_id=rt["id"], pe_policies=pol)
        b.pe(f"pe-{s}", "v", s, s and {"fail_pe_disabled": "10.1.1.4", "fail_pe_nsg_only": "10.1.2.4", "pass_pe_routes": "10.1.3.4"}[s],
             b.rid("privateLinkServices", "pls"))  # fmt: skip
    attach(b, "v", "no_pe", rt_id=rt["id"])
    assert judged(pe_subnet_route_table_ignored.RULE, b.estate()) == {
        "PASS": {"pass_pe_routes"}, "FAIL": {"fail_pe_disabled", "fail_pe_nsg_only"}, "UNKNOWN": set()}


def _intent(e: Any, consumers: list[str]) -> Any:
    data = {"version": 1, "provider": {"vnet": "provider", "load_balancer": "ilb", "app_domain": "apps.example.com"},
            "connections": [{"consumer": c, "method": "peering", "ports": [443]} for c in consumers]}  # fmt: skip
    return parse_intent("<test>", data, {}, e)


def test_intent_connection_denied_by_an_nsg_names_rule_and_port() -> None:
    b = EstateBuilder()
    b.vnet("provider", ["10.2.0.0/16"], subnets={"aks": "10.2.0.0/22"})
    b.vnet("pass_consumer", ["10.10.0.0/16"], subnets={"app": "10.10.1.0/24"})
    b.vnet("fail_consumer", ["10.11.0.0/16"], subnets={"app": "10.11.1.0/24"})
    b.peer("pass_consumer", "provider")
    b.peer("fail_consumer", "provider")
    b.lb("ilb", "provider", "aks", "10.2.0.250")
    lb_rules(b, "ilb", [(443, 443)])
    g = nsg("nsg-aks", [rule("allow-pass-consumer", 100, src="10.10.0.0/16", ports="443"),
                        rule("deny-vnet", 4000, access="Deny", src="VirtualNetwork")])  # fmt: skip
    b.add(g)
    attach(b, "provider", "aks", nsg_id=g["id"])
    e = b.estate()
    intent = _intent(e, ["pass_consumer", "fail_consumer"])
    assert judged(nsg_intent_denied.RULE, e, intent) == {
        "PASS": {"pass_consumer"}, "FAIL": {"fail_consumer[10.2.0.250:443]"}, "UNKNOWN": set()}
    assert "NSG nsg-aks denies it (rule deny-vnet, priority 4000)" in messages(nsg_intent_denied.RULE, e, intent)["fail_consumer[10.2.0.250:443]"]
    assert judged(nsg_intent_denied.RULE, e) == {"PASS": set(), "FAIL": set(), "UNKNOWN": set()}
