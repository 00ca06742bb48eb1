"""Planning the NSG rules and routes a connection needs (issue 18): narrow, before the denying rule or
more specific than the dropping route, never widening 0.0.0.0/0, owned."""

from __future__ import annotations

from typing import Any

from netplan import kinds
from netplan.compare import compare_connections
from netplan.intent import parse_intent
from netplan.model import Direction
from netplan.plan import make_plan
from netplan.whatif import what_if
from tests.unit.builders import EstateBuilder
from tests.unit.traffic_builders import attach, lb_rules, nsg, route, route_table, rule


def estate(nsg_rg: str = "rg-p") -> tuple[EstateBuilder, dict[str, Any]]:
    b = EstateBuilder()
    b.vnet("provider", ["10.2.0.0/16"], rg="rg-p", subnets={"aks": "10.2.0.0/22"})
    b.vnet("consumer", ["10.10.0.0/16"], subnets={"app": "10.10.1.0/24"})
    b.lb("ilb", "provider", "aks", "10.2.0.250", rg="rg-p")
    lb_rules(b, "ilb", [(443, 443)])
    g = nsg("nsg-aks", [rule("allow-hub", 100, src="10.0.0.0/16", ports="443"),
                        rule("deny-vnet", 4000, access="Deny", src="VirtualNetwork")], rg=nsg_rg)  # fmt: skip
    b.add(g)
    attach(b, "provider", "aks", nsg_id=g["id"])
    return b, g


def intent_for(e: Any) -> Any:
    data = {"version": 1, "provider": {"vnet": "provider", "load_balancer": "ilb", "app_domain": "apps.example.com"},
            "connections": [{"consumer": "consumer", "method": "peering", "ports": [443]}]}  # fmt: skip
    return parse_intent("<test>", data, {}, e)


def test_plan_adds_the_narrowest_allow_rule_before_the_denying_one_and_whatif_verifies() -> None:
    b, g = estate()
    e = b.estate()
    intent = intent_for(e)
    cs = make_plan(e, intent)
    rules = [c for c in cs.changes if c.type == kinds.SECURITY_RULE.type]
    assert len(rules) == 1
    c = rules[0]
    assert c.id == g["id"] + "/securityRules/vnetplan-allow-in-consumer-443"
    props = c.body["properties"]  # type: ignore[index]
    assert props["priority"] == 3999 and props["direction"] == Direction.INBOUND.value and props["access"] == "Allow"
    assert props["sourceAddressPrefixes"] == ["10.10.1.0/24"]  # the consumer subnet, never * or Internet
    assert props["destinationAddressPrefix"] == "10.2.0.250/32" and props["destinationPortRange"] == "443"
    assert props["description"].startswith("vnetplan:")
    assert "deny-vnet" in c.reason
    w = what_if(e, intent, cs)
    (o,) = w.outcomes
    assert o.after == "PASS", o.after_reasons


def test_nsg_in_the_aks_node_resource_group_is_the_owners_change_and_whatif_says_so() -> None:
    b, _g = estate(nsg_rg="MC_rg-p_aks_westeurope")
    e = b.estate()
    intent = intent_for(e)
    cs = make_plan(e, intent)
    assert not [c for c in cs.changes if c.type == kinds.SECURITY_RULE.type]
    (p,) = [p for p in cs.problems if p.code == "owner-change"]
    assert "MC_rg-p_aks_westeurope" in p.message and "az network nsg rule create" in p.message and "--priority 3999" in p.message
    (o,) = what_if(e, intent, cs).outcomes
    assert o.after == "FAIL" and any("verifies only once the owner makes this change" in r for r in o.after_reasons)


# ---- routes -----------------------------------------------------------------------------------


def hub_spoke(routes: list[dict[str, Any]], *, rt_rg: str = "rg-net") -> tuple[EstateBuilder, dict[str, Any]]:
    """consumer and provider peered directly and both with a hub whose firewall (declared, 10.0.0.4)
    forwards; the consumer's app subnet has a route table with ``routes``."""
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], rg="rg-hub", subnets={"AzureFirewallSubnet": "10.0.0.0/26"})
    b.vnet("provider", ["10.2.0.0/16"], rg="rg-p", subnets={"aks": "10.2.0.0/22"})
    b.vnet("consumer", ["10.10.0.0/16"], subnets={"app": "10.10.1.0/24"})
    b.lb("ilb", "provider", "aks", "10.2.0.250", rg="rg-p")
    lb_rules(b, "ilb", [(443, 443)])
    b.peer("consumer", "hub", allow_forwarded=True)
    b.peer("provider", "hub", allow_forwarded=True)
    b.peer("consumer", "provider")
    b.forwarder("hub", "azfw", ip="10.0.0.4")
    rt = route_table("rt-consumer", routes, rg=rt_rg)
    b.add(rt)
    attach(b, "consumer", "app", rt_id=rt["id"])
    return b, rt


def _routes(cs: Any) -> list[Any]:
    return [c for c in cs.changes if c.type == kinds.ROUTE.type]


def test_a_none_route_over_the_provider_space_gets_a_host_route_via_the_hub_firewall_and_whatif_verifies() -> None:
    b, rt = hub_spoke([route("no-provider", "10.2.0.0/16", "None")])
    e = b.estate()
    intent = intent_for(e)
    cs = make_plan(e, intent)
    (c,) = _routes(cs)
    assert c.id == rt["id"] + "/routes/vnetplan-consumer-to-10-2-0-250"
    # The narrowest route: the app's frontend only, to the firewall the consumer can reach.
    assert c.body["properties"] == {"addressPrefix": "10.2.0.250/32", "nextHopType": "VirtualAppliance",  # type: ignore[index]
                                    "nextHopIpAddress": "10.0.0.4"}  # fmt: skip
    assert "no-provider" in c.reason and "only traffic to 10.2.0.250 changes path" in c.reason and "azfw" in c.reason
    (o,) = what_if(e, intent, cs).outcomes
    assert o.before == "FAIL" and o.after == "PASS", o.after_reasons


def test_a_route_to_an_appliance_nobody_holds_is_bypassed_and_the_default_route_is_never_touched() -> None:
    b, _rt = hub_spoke([route("default", "0.0.0.0/0", "VirtualAppliance", "10.0.0.4"),
                       route("to-provider", "10.2.0.0/16", "VirtualAppliance", "10.0.0.9")])  # fmt: skip
    e = b.estate()
    intent = intent_for(e)
    cs = make_plan(e, intent)
    (c,) = _routes(cs)
    props = c.body["properties"]  # type: ignore[index]
    assert (props["addressPrefix"], props["nextHopIpAddress"]) == ("10.2.0.250/32", "10.0.0.4")
    assert not any(x.body and x.body.get("properties", {}).get("addressPrefix") == "0.0.0.0/0" for x in cs.changes)  # type: ignore[union-attr]
    assert all(x.action.value == "create" for x in _routes(cs))  # existing routes are never edited
    (o,) = what_if(e, intent, cs).outcomes
    assert o.after == "PASS", o.after_reasons


def test_a_host_route_that_drops_the_frontend_is_left_to_its_owner_and_named() -> None:
    b, _rt = hub_spoke([route("no-app", "10.2.0.250/32", "None")])
    e = b.estate()
    cs = make_plan(e, intent_for(e))
    assert not _routes(cs)
    (p,) = [p for p in cs.problems if p.code == "route-blocks-connection"]
    assert "no-app" in p.message and "already as specific as the address" in p.message and "rt-consumer" in p.message


def test_no_appliance_to_route_through_names_the_route_and_plans_nothing() -> None:
    b, _rt = hub_spoke([route("no-provider", "10.2.0.0/16", "None")])
    b.declarations.pop("forwarders")
    e = b.estate()
    cs = make_plan(e, intent_for(e))
    assert not _routes(cs)
    (p,) = [p for p in cs.problems if p.code == "route-blocks-connection"]
    assert "no-provider" in p.message and "no forwarding appliance" in p.message


def test_a_route_table_in_the_aks_node_resource_group_is_the_owners_change() -> None:
    b, _rt = hub_spoke([route("no-provider", "10.2.0.0/16", "None")], rt_rg="MC_rg-p_aks_westeurope")
    e = b.estate()
    intent = intent_for(e)
    cs = make_plan(e, intent)
    assert not _routes(cs)
    (p,) = [p for p in cs.problems if p.code == "owner-change"]
    assert "az network route-table route create -g MC_rg-p_aks_westeurope" in p.message
    assert "--address-prefix 10.2.0.250/32 --next-hop-type VirtualAppliance --next-hop-ip-address 10.0.0.4" in p.message
    (o,) = what_if(e, intent, cs).outcomes
    assert o.after == "FAIL" and any("verifies only once the owner makes this change" in r for r in o.after_reasons)


# ---- auto: the same routes and rules, on whichever option it weighs ---------------------------


def auto_intent(e: Any) -> Any:
    data = {"version": 1, "provider": {"vnet": "provider", "load_balancer": "ilb", "app_domain": "apps.example.com"},
            "connections": [{"consumer": "consumer", "method": "auto", "ports": [443]}]}  # fmt: skip
    return parse_intent("<test>", data, {}, e)


def test_auto_plans_the_allow_rule_an_nsg_blocked_connection_needs_and_chooses_the_option_that_then_verifies() -> None:
    b, g = estate()
    e = b.estate()
    intent = auto_intent(e)
    cs = make_plan(e, intent)
    (d,) = cs.decisions
    assert d.method == "peering"  # without the rule no option verifies, and auto would pick none
    (c,) = [c for c in cs.changes if c.type == kinds.SECURITY_RULE.type]
    props = c.body["properties"]  # type: ignore[index]
    assert c.id == g["id"] + "/securityRules/vnetplan-allow-in-consumer-443"
    assert (props["priority"], props["sourceAddressPrefixes"], props["destinationAddressPrefix"]) == (3999, ["10.10.1.0/24"], "10.2.0.250/32")
    peering = next(o for o in d.options if o["option"] == "peering")
    assert peering["verifies"] and "create securityRules vnetplan-allow-in-consumer-443" in peering["changes"]
    (o,) = what_if(e, intent, cs).outcomes
    assert o.before == "FAIL" and o.after == "PASS", o.after_reasons


def test_recommend_weighs_each_option_with_the_rules_it_needs_and_agrees_with_the_plan() -> None:
    b, _g = estate()
    e = b.estate()
    intent = auto_intent(e)
    (d,) = compare_connections(e, intent)
    assert d.method == make_plan(e, intent).decisions[0].method == "peering"
    peering = next(o for o in d.options if o["option"] == "peering")
    assert peering["chosen"] and any("securityRules vnetplan-allow-in-consumer-443" in x for x in peering["changes"])


def test_auto_plans_the_host_route_around_a_none_route_and_whatif_verifies() -> None:
    b, rt = hub_spoke([route("no-provider", "10.2.0.0/16", "None")])
    e = b.estate()
    intent = auto_intent(e)
    cs = make_plan(e, intent)
    (c,) = _routes(cs)
    assert c.id == rt["id"] + "/routes/vnetplan-consumer-to-10-2-0-250"
    assert c.body["properties"]["nextHopIpAddress"] == "10.0.0.4"  # type: ignore[index]
    (o,) = what_if(e, intent, cs).outcomes
    assert o.before == "FAIL" and o.after == "PASS", o.after_reasons


def test_auto_with_the_nsg_in_the_aks_node_resource_group_names_the_owners_rule_and_whatif_verifies_only_once_made() -> None:
    b, _g = estate(nsg_rg="MC_rg-p_aks_westeurope")
    e = b.estate()
    intent = auto_intent(e)
    cs = make_plan(e, intent)
    assert not [c for c in cs.changes if c.type == kinds.SECURITY_RULE.type]  # never sent by apply
    (p,) = [p for p in cs.problems if p.code == "owner-change"]  # once, not once per planning pass
    assert "az network nsg rule create -g MC_rg-p_aks_westeurope" in p.message and "--priority 3999" in p.message
    (d,) = cs.decisions
    assert d.method == "peering" and d.reasons[0]["code"] == "needs-owner"
    peering = next(o for o in d.options if o["option"] == "peering")
    assert peering["verdict"] == "needs-owner" and not peering["verifies"] and len(peering["owner_changes"]) == 1
    (o,) = what_if(e, intent, cs).outcomes
    assert o.after == "FAIL" and any("verifies only once the owner makes this change" in r for r in o.after_reasons)


def test_auto_with_the_route_table_in_the_aks_node_resource_group_names_the_owners_route() -> None:
    b, _rt = hub_spoke([route("no-provider", "10.2.0.0/16", "None")], rt_rg="MC_rg-p_aks_westeurope")
    e = b.estate()
    intent = auto_intent(e)
    cs = make_plan(e, intent)
    assert not _routes(cs)
    (p,) = [p for p in cs.problems if p.code == "owner-change"]
    assert "az network route-table route create -g MC_rg-p_aks_westeurope" in p.message
    (o,) = what_if(e, intent, cs).outcomes
    assert o.after == "FAIL" and any("verifies only once the owner makes this change" in r for r in o.after_reasons)



def test_a_flow_denied_at_the_source_and_dropped_by_a_route_behind_it_gets_both_the_rule_and_the_route() -> None:
    # The walk stops at the consumer's outbound NSG: the None route behind it shows only once the
    # rule is planned. Both are planned, and the what-if verifies.
    b, rt = hub_spoke([route("no-provider", "10.2.0.0/16", "None")])
    g = nsg("nsg-consumer", [rule("deny-out-provider", 300, "Outbound", "Deny", dst="10.2.0.0/16")], rg="rg-net")
    b.add(g)
    attach(b, "consumer", "app", nsg_id=g["id"])
    e = b.estate()
    for method in ("peering", "auto"):
        data = {"version": 1, "provider": {"vnet": "provider", "load_balancer": "ilb", "app_domain": "apps.example.com"},
                "connections": [{"consumer": "consumer", "method": method, "ports": [443]}]}  # fmt: skip
        intent = parse_intent("<test>", data, {}, e)
        cs = make_plan(e, intent)
        (r,) = [c for c in cs.changes if c.type == kinds.SECURITY_RULE.type]
        assert r.id == g["id"] + "/securityRules/vnetplan-allow-out-consumer-443" and r.body["properties"]["priority"] == 299  # type: ignore[index]
        (c,) = _routes(cs)
        assert c.id == rt["id"] + "/routes/vnetplan-consumer-to-10-2-0-250"
        (o,) = what_if(e, intent, cs).outcomes
        assert o.after == "PASS", (method, o.after_reasons)
