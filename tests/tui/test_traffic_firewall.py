"""The details view's traffic section through a declared firewall with declared rules: a port its
rules allow shows the path and says so; a port they deny shows blocked by the firewall rule."""

from __future__ import annotations

from netplan.intent import parse_intent
from tests.tui.test_traffic_view import _traffic
from tests.unit.test_ruleplan import hub_spoke
from tests.unit.traffic_builders import route


async def test_a_declared_firewall_rule_shows_blocked_and_an_allowed_port_shows_the_rules_allow_it() -> None:
    b, _rt = hub_spoke([route("to-provider", "10.2.0.0/16", "VirtualAppliance", "10.0.0.4")])
    b.declarations["forwarders"][0]["rules"] = [
        {"name": "deny-8443", "action": "deny", "ports": 8443},
        {"name": "allow-https", "action": "allow", "protocol": "tcp", "ports": 443},
    ]
    e = b.estate()
    data = {"version": 1, "provider": {"vnet": "provider", "load_balancer": "ilb", "app_domain": "apps.example.com"},
            "connections": [{"consumer": "consumer", "method": "peering", "ports": [443, 8443]}]}  # fmt: skip
    text = await _traffic(e, parse_intent("<test>", data, {}, e), "consumer")
    assert "hub → provider (the firewall's declared rules allow it)" in text
    assert "firewall-rule azfw rule 'deny-8443'" in text
    assert "if the firewall allows it" not in text
