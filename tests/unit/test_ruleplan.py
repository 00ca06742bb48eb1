"""Planning the NSG rules a connection needs (issue 18, L5): narrow, before the denying rule, owned."""

from __future__ import annotations

from typing import Any

from netplan import kinds
from netplan.intent import parse_intent
from netplan.model import Direction
from netplan.plan import make_plan
from netplan.whatif import what_if
from tests.unit.builders import EstateBuilder
from tests.unit.traffic_builders import attach, lb_rules, nsg, rule


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
