"""Route tables, NSGs and ASGs through the real azure-mgmt-network client against the ARM emulator.

What a user relies on: `vnetplan inventory` reads them (GET only) and the snapshot loads into the
same model; the emulator serves PUT/DELETE of security rules and routes with the LRO protocol, the
default rules Azure adds, and ARM's 400s for what Azure refuses (same priority and direction, a
VirtualAppliance route without a next hop address).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from netplan import kinds
from netplan.estate import load_estate
from netplan.model import Direction, NextHopType
from tests.emulator import Emulator, FaultConfig
from tests.emulator.clients import network_client as make_network_client
from tests.emulator.sample import SUB, sample_snapshot
from vnetplan.cli import main

pytestmark = pytest.mark.integration
RG = "rg-spoke"
TOKEN = "vnetplan-test-token-traffic"


@pytest.fixture
def emu() -> Any:
    with Emulator(sample_snapshot(), faults=FaultConfig(page_size=2, lro_polls=1, lro_retry_after=0, retry_after=0)) as e:
        yield e


def _rule(prio: int, port: str = "443", direction: str = "Inbound") -> dict[str, Any]:
    return {"properties": {"priority": prio, "direction": direction, "access": "Allow", "protocol": "Tcp",
                           "sourceAddressPrefix": "10.1.0.0/16", "sourcePortRange": "*",
                           "destinationAddressPrefix": "*", "destinationPortRange": port}}  # fmt: skip


def test_nsg_rules_and_routes_put_get_delete_with_lro_and_arm_errors(emu: Emulator) -> None:
    nc = make_network_client(emu, SUB)
    try:
        g = nc.network_security_groups.begin_create_or_update(RG, "nsg-app", {"location": "westeurope"}).result()
        assert {r.name for r in g.default_security_rules} >= {"DenyAllInBound", "AllowVnetOutBound"}
        r = nc.security_rules.begin_create_or_update(RG, "nsg-app", "allow-https", _rule(200)).result()
        assert r.provisioning_state == "Succeeded" and r.destination_port_range == "443"
        with pytest.raises(HttpResponseError) as ei:
            nc.security_rules.begin_create_or_update(RG, "nsg-app", "same-priority", _rule(200, "80")).result()
        assert ei.value.status_code == 400 and ei.value.error.code == "SecurityRuleConflict"
        with pytest.raises(HttpResponseError) as ei:
            nc.security_rules.begin_create_or_update(RG, "nsg-app", "bad-port", _rule(300, "70-60")).result()
        assert ei.value.error.code == "SecurityRuleInvalidPortRange"
        assert [x.name for x in nc.security_rules.list(RG, "nsg-app")] == ["allow-https"]
        nc.security_rules.begin_delete(RG, "nsg-app", "allow-https").result()
        with pytest.raises(ResourceNotFoundError):
            nc.security_rules.get(RG, "nsg-app", "allow-https")

        nc.route_tables.begin_create_or_update(RG, "rt-app", {"location": "westeurope"}).result()
        body = {"properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0.4"}}
        route = nc.routes.begin_create_or_update(RG, "rt-app", "default", body).result()
        assert route.next_hop_ip_address == "10.0.0.4"
        with pytest.raises(HttpResponseError) as ei:
            nc.routes.begin_create_or_update(RG, "rt-app", "nva", {"properties": {"addressPrefix": "10.0.0.0/8",
                                             "nextHopType": "VirtualAppliance"}}).result()  # fmt: skip
        assert ei.value.error.code == "VirtualApplianceNextHopIpAddressMissing"
        assert nc.route_tables.get(RG, "rt-app").routes[0].name == "default"
        nc.routes.begin_delete(RG, "rt-app", "default").result()
        assert list(nc.routes.list(RG, "rt-app")) == []
        assert emu.stats.writes > 0
    finally:
        nc.close()


def test_inventory_reads_route_tables_nsgs_and_asgs_with_gets_only(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nc = make_network_client(emu, SUB)
    try:
        nc.network_security_groups.begin_create_or_update(RG, "nsg-app", {
            "location": "westeurope", "properties": {"securityRules": [{"name": "deny-80", **_rule(100, "80")}]}}).result()  # fmt: skip
        nc.route_tables.begin_create_or_update(RG, "rt-app", {"location": "westeurope", "properties": {
            "disableBgpRoutePropagation": True,
            "routes": [{"name": "default", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "None"}}]}}).result()  # fmt: skip
        nc.application_security_groups.begin_create_or_update(RG, "asg-web", {"location": "westeurope"}).result()
    finally:
        nc.close()
    writes = emu.stats.writes
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", TOKEN)
    out = tmp_path / "estate.json"
    rc = main(["inventory", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--subscription", SUB,
               "--out", str(out), "--quiet"])  # fmt: skip
    assert rc == 0 and emu.stats.writes == writes
    e = load_estate([str(out)])
    (g,) = e.nsgs
    assert [(r.name, r.priority) for r in g.rules] == [("deny-80", 100)]
    assert len(g.ordered(Direction.INBOUND)) == 4
    (rt,) = e.route_tables
    assert rt.disable_bgp_route_propagation and rt.routes[0].next_hop_type is NextHopType.NONE
    assert [a.name for a in e.asgs] == ["asg-web"]


def test_planned_nsg_rule_applies_verifies_and_reapplies_as_a_no_op(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from netplan.intent import load_intent
    from netplan.plan import make_plan
    from tests.unit.test_ruleplan import estate as ruleplan_estate

    b, g = ruleplan_estate()
    b.peer("consumer", "provider")
    zone = b.zone("apps.example.com", rg="rg-p")
    b.record(zone, "*", "A", ["10.2.0.250"])
    b.zone_link(zone, "consumer")
    snap = b.snapshot()
    estate_file = tmp_path / "estate.json"
    estate_file.write_text(json.dumps(snap))
    intent_file = tmp_path / "intent.yaml"
    intent_file.write_text("version: 1\nprovider: {vnet: provider, load_balancer: ilb, app_domain: apps.example.com}\n"
                           "connections:\n  - {consumer: consumer, method: peering, ports: [443]}\n")  # fmt: skip
    e = load_estate([str(estate_file)])
    cs = make_plan(e, load_intent(str(intent_file), e))
    assert [c.type for c in cs.changes] == [kinds.SECURITY_RULE.type]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(cs.to_dict()))
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", TOKEN)
    with Emulator(snap, faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as emu:
        argv = ["apply", str(plan), "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--polling-interval", "0", "--yes"]
        rc = main([*argv, "--verify"])
        out = capsys.readouterr()
        assert rc == 0, out.err + out.out
        assert "result: PASS" in out.out
        nc = make_network_client(emu, g["id"].split("/")[2])
        try:
            r = nc.security_rules.get("rg-p", "nsg-aks", "vnetplan-allow-in-consumer-443")
            assert (r.priority, r.access, r.source_address_prefixes) == (3999, "Allow", ["10.10.1.0/24"])
        finally:
            nc.close()
        emu.stats.reset()
        assert main(argv) == 0
        assert emu.stats.writes == 0


def test_planned_route_applies_verifies_and_reapplies_as_a_no_op(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A None route over the provider's space: the plan adds a /32 via the hub's NVA (a NIC with IP
    forwarding), apply writes it through the real SDK, verification after apply passes."""
    import json

    from netplan.intent import load_intent
    from netplan.plan import make_plan
    from tests.unit.test_ruleplan import hub_spoke
    from tests.unit.traffic_builders import nic_set, route

    b, rt = hub_spoke([route("no-provider", "10.2.0.0/16", "None")])
    b.declarations.pop("forwarders")
    nic_set(b, b.nic("nva-nic", "hub", "AzureFirewallSubnet", "10.0.0.6", rg="rg-hub", vm="nva"), enableIPForwarding=True)
    zone = b.zone("apps.example.com", rg="rg-p")
    b.record(zone, "*", "A", ["10.2.0.250"])
    b.zone_link(zone, "consumer")
    snap = b.snapshot()
    estate_file = tmp_path / "estate.json"
    estate_file.write_text(json.dumps(snap))
    intent_file = tmp_path / "intent.yaml"
    intent_file.write_text("version: 1\nprovider: {vnet: provider, load_balancer: ilb, app_domain: apps.example.com}\n"
                           "connections:\n  - {consumer: consumer, method: peering, ports: [443]}\n")  # fmt: skip
    e = load_estate([str(estate_file)])
    cs = make_plan(e, load_intent(str(intent_file), e))
    assert [c.type for c in cs.changes] == [kinds.ROUTE.type], cs.problems
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(cs.to_dict()))
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", TOKEN)
    with Emulator(snap, faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as emu:
        argv = ["apply", str(plan), "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--polling-interval", "0", "--yes"]
        rc = main([*argv, "--verify"])
        out = capsys.readouterr()
        assert rc == 0, out.err + out.out
        assert "result: PASS" in out.out
        nc = make_network_client(emu, rt["id"].split("/")[2])
        try:
            r = nc.routes.get("rg-net", "rt-consumer", "vnetplan-consumer-to-10-2-0-250")
            assert (r.address_prefix, r.next_hop_type, r.next_hop_ip_address) == ("10.2.0.250/32", "VirtualAppliance", "10.0.0.6")
            assert {x.name for x in nc.routes.list("rg-net", "rt-consumer")} == {"no-provider", "vnetplan-consumer-to-10-2-0-250"}
        finally:
            nc.close()
        emu.stats.reset()
        assert main(argv) == 0
        assert emu.stats.writes == 0
