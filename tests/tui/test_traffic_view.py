"""The details view's traffic section: the selected VNet's flows per app port (netplan.flow), with the
route hops and what blocks them, not peering-level reachability."""

from __future__ import annotations

from typing import Any

from netplan.intent import parse_intent
from tests.tui.test_pilot import pick, settle, static_text
from tests.unit.test_ruleplan import estate as nsg_estate
from tests.unit.test_ruleplan import hub_spoke, intent_for
from tests.unit.traffic_builders import route
from tui.app import TuiOptions, create_app

SIZE = (160, 48)


async def _traffic(e: Any, intent: Any, name: str, domain: str = "apps.example.com") -> str:
    app = create_app(e, TuiOptions(source="test estate", app_domain=domain, intent=intent))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pick(app, pilot, name)
        await settle(app, pilot)
        return static_text(app, "#details-traffic")


async def test_a_port_an_nsg_denies_shows_blocked_with_the_rule_though_the_vnets_are_peered() -> None:
    b, _g = nsg_estate()
    b.peer("consumer", "provider")
    e = b.estate()
    text = await _traffic(e, intent_for(e), "consumer")
    assert "TCP 443" in text and "blocked" in text
    assert "nsg-rule nsg-aks rule 'deny-vnet' (4000)" in text


async def test_a_route_to_the_hub_firewall_shows_its_hops_and_the_firewall_caveat() -> None:
    b, _rt = hub_spoke([route("to-provider", "10.2.0.0/16", "VirtualAppliance", "10.0.0.4")])
    e = b.estate()
    data = {"version": 1, "provider": {"vnet": "provider", "load_balancer": "ilb", "app_domain": "apps.example.com"},
            "connections": [{"consumer": "consumer", "method": "peering", "ports": [443, 8443]}]}  # fmt: skip
    text = await _traffic(e, parse_intent("<test>", data, {}, e), "consumer")
    assert "reachable" in text and "TCP 8443" in text
    assert "hub → provider (if the firewall allows it)" in text


async def test_a_none_route_shows_blocked_by_the_route() -> None:
    b, _rt = hub_spoke([route("no-provider", "10.2.0.0/16", "None")])
    e = b.estate()
    text = await _traffic(e, intent_for(e), "consumer")
    assert "blocked" in text and "route no-provider" in text


async def test_without_an_intent_connection_or_app_address_it_says_there_is_nothing_to_ask() -> None:
    b, _g = nsg_estate()
    e = b.estate()
    text = await _traffic(e, None, "consumer")
    assert "no name under apps.example.com resolves to a private address from this VNet" in text
