"""What a declared forwarder allows or denies: its declared rules decide flows through it (first
match, else the declared default, deny unless stated), on hand-built hub-and-spoke estates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from checks.registry import audit
from netplan import kinds
from netplan.dns.health import Health, domain_health, intent_ports
from netplan.errors import InputError
from netplan.estate import estate_from_data, load_estate
from netplan.flow import flow
from netplan.intent import load_intent
from netplan.plan import make_plan
from netplan.reach import reach
from netplan.whatif import what_if
from tests.unit.builders import EstateBuilder
from tests.unit.test_ruleplan import auto_intent, hub_spoke, intent_for
from tests.unit.traffic_builders import attach, nsg, route, route_table, rule
from vnetplan.cli import main

FW_IP = "10.0.1.4"


def hub_with_firewall(rules: list[dict[str, Any]] | None, default: str | None = None) -> EstateBuilder:
    """spoke1 (10.1.0.0/16) and spoke2 (10.2.0.0/16) peered with a hub whose declared firewall
    (10.0.1.4) both spokes' 0.0.0.0/0 routes go to."""
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"AzureFirewallSubnet": "10.0.1.0/26"})
    b.vnet("spoke1", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24", "mgmt": "10.1.2.0/24"})
    b.vnet("spoke2", ["10.2.0.0/16"], subnets={"db": "10.2.1.0/24"})
    b.peer("spoke1", "hub", allow_forwarded=True)
    b.peer("spoke2", "hub", allow_forwarded=True)
    for s, subnets in (("spoke1", ("app", "mgmt")), ("spoke2", ("db",))):
        rt = route_table(f"rt-{s}", [route("default", "0.0.0.0/0", "VirtualAppliance", FW_IP)])
        b.add(rt)
        for sub in subnets:
            attach(b, s, sub, rt_id=rt["id"])
    b.nic("vm-app", "spoke1", "app", "10.1.1.4", vm="vm-app")
    b.nic("vm-db", "spoke2", "db", "10.2.1.4", vm="vm-db")
    b.forwarder("hub", device="azfw-hub", ip=FW_IP, rules=rules, default=default)
    return b


ALLOW_SQL = {"name": "allow-app-to-sql", "action": "allow", "source": ["10.1.1.0/24"], "destination": ["10.2.1.0/24"],
             "protocol": "tcp", "ports": [1433]}  # fmt: skip


def reasons(v: Any) -> str:
    return " ".join(r.message for r in v.reasons)


def test_pass_a_declared_allow_rule_lets_the_flow_through_and_the_reason_names_it() -> None:
    v = flow(hub_with_firewall([ALLOW_SQL]).estate(), "spoke1/app", "10.2.1.4", 1433)
    assert v.reachable is True and v.blocked_by is None
    assert "allow-app-to-sql" in reasons(v) and "if the firewall allows it" not in reasons(v)
    assert [h.to.rsplit("/", 1)[-1] for h in v.hops] == ["hub", "spoke2"]


def test_fail_a_flow_no_declared_rule_matches_is_denied_by_the_default() -> None:
    e = hub_with_firewall([ALLOW_SQL]).estate()
    v = flow(e, "spoke1/app", "10.2.1.4", 22)
    assert v.reachable is False
    assert v.blocked_by is not None and v.blocked_by.to_dict() == {
        "kind": "firewall-rule", "resource": "azfw-hub", "rule": "default", "priority": None}
    assert "by its default: no declared rule matches it" in reasons(v)
    # The other subnet of the same spoke is not in the rule's source either.
    assert flow(e, "spoke1/mgmt", "10.2.1.4", 1433).blocked_by.rule == "default"  # type: ignore[union-attr]


def test_fail_a_declared_deny_rule_blocks_and_blocked_by_names_it() -> None:
    deny = {"name": "deny-mgmt", "action": "deny", "source": "10.1.2.0/24", "destination": "*", "ports": "*"}
    e = hub_with_firewall([deny, {"name": "allow-spokes", "action": "allow", "source": "10.0.0.0/8"}]).estate()
    v = flow(e, "spoke1/mgmt", "10.2.1.4", 443)
    assert v.reachable is False and v.blocked_by is not None
    assert v.blocked_by.to_dict() == {"kind": "firewall-rule", "resource": "azfw-hub", "rule": "deny-mgmt", "priority": None}
    assert flow(e, "spoke1/app", "10.2.1.4", 443).reachable is True


def test_the_first_matching_rule_decides_not_the_most_specific() -> None:
    broad_allow = {"name": "allow-all-private", "action": "allow", "source": "10.0.0.0/8", "destination": "10.0.0.0/8"}
    narrow_deny = {"name": "deny-ssh", "action": "deny", "source": "10.1.1.4", "destination": "10.2.1.4", "ports": 22}
    assert flow(hub_with_firewall([broad_allow, narrow_deny]).estate(), "10.1.1.4", "10.2.1.4", 22).reachable is True
    v = flow(hub_with_firewall([narrow_deny, broad_allow]).estate(), "10.1.1.4", "10.2.1.4", 22)
    assert v.reachable is False and v.blocked_by and v.blocked_by.rule == "deny-ssh"


def test_a_declared_default_allow_lets_through_what_no_rule_denies() -> None:
    deny = {"name": "deny-rdp", "action": "deny", "ports": "3389"}
    e = hub_with_firewall([deny], default="allow").estate()
    assert flow(e, "spoke1/app", "10.2.1.4", 443).reachable is True
    assert flow(e, "spoke1/app", "10.2.1.4", 3389).blocked_by.rule == "deny-rdp"  # type: ignore[union-attr]


def test_protocol_and_port_ranges_are_matched() -> None:
    dns = {"name": "allow-dns-udp", "action": "allow", "protocol": ["udp"], "ports": ["53"]}
    high = {"name": "allow-high", "action": "allow", "protocol": "any", "ports": ["8000-8999"]}
    e = hub_with_firewall([dns, high]).estate()
    assert flow(e, "spoke1/app", "10.2.1.4", 53, "udp").reachable is True
    assert flow(e, "spoke1/app", "10.2.1.4", 53, "tcp").blocked_by.rule == "default"  # type: ignore[union-attr]
    assert flow(e, "spoke1/app", "10.2.1.4", 8443).reachable is True
    assert flow(e, "spoke1/app", "10.2.1.4", 9000).reachable is False


def test_without_rules_a_declared_forwarder_stays_reachable_if_the_firewall_allows_it() -> None:
    v = flow(hub_with_firewall(None).estate(), "spoke1/app", "10.2.1.4", 22)
    assert v.reachable is True and "if the firewall allows it" in reasons(v)


def test_the_nsgs_at_both_ends_still_apply_when_the_firewall_allows() -> None:
    b = hub_with_firewall([ALLOW_SQL])
    g = nsg("nsg-db", [rule("deny-sql-from-spoke1", 200, access="Deny", src="10.1.0.0/16", ports="1433")])
    b.add(g)
    attach(b, "spoke2", "db", nsg_id=g["id"])
    v = flow(b.estate(), "spoke1/app", "10.2.1.4", 1433)
    assert v.reachable is False and v.blocked_by is not None
    assert (v.blocked_by.kind, v.blocked_by.rule) == ("nsg-rule", "deny-sql-from-spoke1")
    assert "allow-app-to-sql" in reasons(v)  # the firewall was passed before the NSG refused it


def test_a_rule_covering_part_of_a_subnet_source_makes_the_answer_unknown_and_one_address_is_decided() -> None:
    host = {"name": "allow-one-vm", "action": "allow", "source": "10.1.1.4", "destination": "10.2.1.0/24"}
    e = hub_with_firewall([host]).estate()
    v = flow(e, "spoke1/app", "10.2.1.4", 443)
    assert v.reachable is None and "allow-one-vm" in reasons(v) and "covers only part" in reasons(v)
    assert flow(e, "10.1.1.4", "10.2.1.4", 443).reachable is True


def test_without_a_port_the_open_ports_are_those_the_declared_rules_allow() -> None:
    v = flow(hub_with_firewall([ALLOW_SQL, {"name": "allow-web", "action": "allow", "ports": [80, 443]}]).estate(),
             "spoke1/app", "10.2.1.4")  # fmt: skip
    assert v.reachable is True and v.open_ports == [(80, 80), (443, 443), (1433, 1433)]
    v = flow(hub_with_firewall([{"name": "deny-all", "action": "deny"}]).estate(), "spoke1/app", "10.2.1.4")
    assert v.reachable is False and v.blocked_by and v.blocked_by.rule == "deny-all"


def test_reach_cli_json_and_text_name_the_firewall_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    snap = hub_with_firewall([ALLOW_SQL]).write(tmp_path / "estate.json")
    assert main(["reach", "--estate", snap, "spoke1/app", "10.2.1.4", "--port", "22", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["reachable"] is False and out["blocked_by"]["kind"] == "firewall-rule" and out["blocked_by"]["rule"] == "default"
    assert main(["reach", "--estate", snap, "spoke1/app", "10.2.1.4", "--port", "1433"]) == 0
    text = capsys.readouterr().out
    assert "firewall azfw-hub (declared rules) allows" in text and "allow-app-to-sql" in text
    assert main(["reach", "--estate", snap, "spoke1/app", "10.2.1.4", "--port", "22"]) == 1
    assert "blocked by: firewall-rule azfw-hub rule 'default'\n" in capsys.readouterr().out


def test_declared_rules_survive_the_snapshot_round_trip() -> None:
    e = hub_with_firewall([ALLOW_SQL, {"name": "deny-rest", "action": "deny", "ports": ["1-1023"]}], default="allow").estate()
    again = estate_from_data(e.to_snapshot(), "<again>")
    assert again.forwarders == e.forwarders
    assert e.declarations_dict()["forwarders"][0]["rules"][1] == {"name": "deny-rest", "action": "deny", "ports": ["1-1023"]}


@pytest.mark.parametrize(("entry", "where", "what"), [
    ({"rules": [{"action": "allow", "ports": ["80-"]}]}, "forwarders[0].rules[0].ports[0]", "malformed port range '80-'"),
    ({"rules": [{"action": "allow", "ports": ["90-80"]}]}, "forwarders[0].rules[0].ports[0]", "malformed port range"),
    ({"rules": [{"action": "allow", "ports": 70000}]}, "forwarders[0].rules[0].ports", "malformed port range 70000"),
    ({"rules": [{"action": "permit"}]}, "forwarders[0].rules[0].action", "unknown action 'permit'"),
    ({"rules": [{"action": "allow", "protocol": "gre"}]}, "forwarders[0].rules[0].protocol", "unknown protocol 'gre'"),
    ({"rules": [{"action": "allow", "source": ["10.1.1.1/16"]}]}, "forwarders[0].rules[0].source[0]", "host bits"),
    ({"rules": [{"action": "allow", "port": 80}]}, "forwarders[0].rules[0].port", "unknown key 'port'"),
    ({"rules": [{"name": "a", "action": "allow"}, {"name": "A", "action": "deny"}]}, "forwarders[0].rules[1].name", "named 'A'"),
    ({"rules": []}, "forwarders[0].rules", "non-empty list of rules"),
    ({"default": "reject", "rules": [{"action": "allow"}]}, "forwarders[0].default", "unknown default 'reject'"),
    ({"default": "deny"}, "forwarders[0].default", "a default needs rules"),
    ({"ip": None, "rules": [{"action": "allow"}]}, "forwarders[0].rules", "rules need the forwarder's 'ip'"),
])  # fmt: skip
def test_bad_rule_declarations_are_one_line_errors_naming_file_and_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: dict[str, Any], where: str, what: str
) -> None:
    b = hub_with_firewall(None)
    snap = b.write(tmp_path / "estate.json")
    fwd = {"vnet": "hub", "device": "azfw-hub", "ip": FW_IP, **entry}
    if fwd["ip"] is None:
        del fwd["ip"]
    decl = tmp_path / "decl.json"
    decl.write_text(json.dumps({"forwarders": [fwd]}))
    assert main(["reach", "--estate", snap, "--declarations", str(decl), "spoke1/app", "10.2.1.4", "--port", "443"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"vnetplan: error: {decl}: ") and where in err[0] and what in err[0], err


# ---- planning: vnetplan never writes a firewall; the owner must ------------------------------


def provider_behind_firewall(routes: list[dict[str, Any]], fw_rules: list[dict[str, Any]], *,
                             provider_nsg: bool = False) -> tuple[Any, Any]:  # fmt: skip
    """test_ruleplan's hub_spoke (consumer and provider peered directly and with a hub whose declared
    firewall 10.0.0.4 forwards), the firewall's rules declared; returns (estate, intent)."""
    b, _rt = hub_spoke(routes)
    b.declarations["forwarders"][0]["rules"] = fw_rules
    if provider_nsg:
        g = nsg("nsg-aks", [rule("deny-vnet", 4000, access="Deny", src="VirtualNetwork")], rg="rg-p")
        b.add(g)
        attach(b, "provider", "aks", nsg_id=g["id"])
    e = b.estate()
    return e, intent_for(e)


VIA_FW = [route("to-provider", "10.2.0.0/16", "VirtualAppliance", "10.0.0.4")]
DENY_443 = [{"name": "deny-consumer-https", "action": "deny", "source": "10.10.0.0/16", "ports": 443},
            {"name": "allow-rest", "action": "allow"}]  # fmt: skip


def test_plan_names_a_connection_a_declared_firewall_rule_blocks_as_the_firewall_owners_change() -> None:
    e, intent = provider_behind_firewall(VIA_FW, DENY_443)
    cs = make_plan(e, intent)
    (p,) = [p for p in cs.problems if p.code == "owner-change"]
    assert "azfw" in p.message and "deny-consumer-https" in p.message and "TCP 443" in p.message
    assert "vnetplan does not write firewall rules" in p.message
    assert not [c for c in cs.changes if c.type in (kinds.SECURITY_RULE.type, kinds.ROUTE.type)]
    (o,) = what_if(e, intent, cs).outcomes
    assert o.after == "FAIL" and any("verifies only once the owner makes this change" in r for r in o.after_reasons)


def test_plan_still_adds_the_nsg_rule_behind_a_denying_firewall() -> None:
    e, intent = provider_behind_firewall(VIA_FW, DENY_443, provider_nsg=True)
    cs = make_plan(e, intent)
    (c,) = [c for c in cs.changes if c.type == kinds.SECURITY_RULE.type]
    assert c.id.endswith("/securityRules/vnetplan-allow-in-consumer-443")
    assert [p.code for p in cs.problems] == ["owner-change"]


def test_a_route_around_a_none_route_goes_to_the_firewall_whose_owner_must_then_allow_the_flow() -> None:
    e, intent = provider_behind_firewall([route("no-provider", "10.2.0.0/16", "None")], DENY_443)
    cs = make_plan(e, intent)
    (c,) = [c for c in cs.changes if c.type == kinds.ROUTE.type]
    assert c.body["properties"]["nextHopIpAddress"] == "10.0.0.4"  # type: ignore[index]
    (p,) = [p for p in cs.problems if p.code == "owner-change"]
    assert "deny-consumer-https" in p.message
    # Once the firewall allows it, the planned route serves the connection.
    allowed, intent2 = provider_behind_firewall([route("no-provider", "10.2.0.0/16", "None")],
                                                [{"name": "allow-all", "action": "allow"}])  # fmt: skip
    cs2 = make_plan(allowed, intent2)
    assert not cs2.problems
    (o,) = what_if(allowed, intent2, cs2).outcomes
    assert o.after == "PASS", o.after_reasons


# ---- the sample's rules file -----------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_the_sample_rules_file_takes_the_place_of_the_sample_forwarder_and_decides_its_flows() -> None:
    e = load_estate([SAMPLES / "mendix-estate.json"], [SAMPLES / "mendix-firewall-rules.yaml"])
    (fwd,) = e.forwarders
    assert fwd.device == "azfw-hub-weu" and fwd.rules is not None and fwd.note.startswith("Azure Firewall")
    v = flow(e, "vnet-corp-spoke1-weu/snet-app", "10.20.0.250", 443)
    assert v.reachable is True and "allow-corp-to-mendix-apps" in reasons(v)
    assert flow(e, "vnet-corp-spoke1-weu/snet-app", "10.20.0.250", 8080).blocked_by.rule == "default"  # type: ignore[union-attr]
    v = flow(e, "vnet-corp-spoke2-weu/snet-app", "10.110.0.4", 22)
    # The firewall refuses it before spoke1's NSG (deny-ssh) is reached.
    assert v.blocked_by is not None and (v.blocked_by.kind, v.blocked_by.rule) == ("firewall-rule", "deny-admin-between-spokes")
    assert flow(e, "vnet-corp-spoke2-weu/snet-app", "10.110.0.4", 443).reachable is True


def test_two_different_rule_bases_for_one_forwarder_are_an_error_naming_the_second(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("forwarders:\n  - vnet: rg-connectivity-weu/vnet-hub-weu\n    device: azfw-hub-weu\n"
                     "    ip: 10.100.0.4\n    rules:\n      - action: allow\n")  # fmt: skip
    rules = SAMPLES / "mendix-firewall-rules.yaml"
    with pytest.raises(InputError, match=r"other\.yaml: line 2: forwarders\[0\]\.vnet: forwarder azfw-hub-weu at "
                       r"10\.100\.0\.4 already has declared rules"):  # fmt: skip
        load_estate([SAMPLES / "mendix-estate.json"], [rules, other])
    # The same rules file twice is one declaration.
    assert len(load_estate([SAMPLES / "mendix-estate.json"], [rules, rules]).forwarders) == 1


def test_auto_with_a_firewall_rule_in_the_way_chooses_an_option_that_verifies_once_the_firewall_owner_allows_it() -> None:
    e, _ = provider_behind_firewall(VIA_FW, DENY_443)
    intent = auto_intent(e)
    cs = make_plan(e, intent)
    (d,) = cs.decisions
    assert d.method != "none" and "needs-owner" in [r["code"] for r in d.reasons], d.reasons
    chosen = next(o for o in d.options if o["chosen"])
    assert chosen["verdict"] == "needs-owner" and any("firewall azfw" in x for x in chosen["owner_changes"])
    (p,) = [p for p in cs.problems if p.code == "owner-change"]
    assert "deny-consumer-https" in p.message and "vnetplan does not write firewall rules" in p.message
    (o,) = what_if(e, intent, cs).outcomes
    assert o.after == "FAIL" and any("verifies only once the owner makes this change" in r for r in o.after_reasons)


def test_the_peering_level_answer_through_a_forwarder_with_rules_says_they_decide_per_flow() -> None:
    e = hub_with_firewall([ALLOW_SQL]).estate()
    v = reach(e, "spoke1", "spoke2")
    assert v.reachable is True
    (r,) = [r for r in v.reasons if r.code == "firewall-rules-declared"]
    assert "azfw-hub" in r.message and "--port" in r.message
    assert not any(r.code == "firewall-rules-declared" for r in reach(hub_with_firewall(None).estate(), "spoke1", "spoke2").reasons)
    # The per-flow answer evaluates them instead of repeating the caveat.
    assert "firewall-rules-declared" not in flow(e, "spoke1/app", "10.2.1.4", 1433).codes()


# ---- audit: VNP-FW-001 ----------------------------------------------------------------------


def fw_findings(e: Any, intent: Any) -> list[Any]:
    return [f for f in audit(e, intent=intent).findings if f.rule == "VNP-FW-001"]


def test_audit_fails_an_intent_connection_a_declared_firewall_rule_denies() -> None:
    e, intent = provider_behind_firewall(VIA_FW, DENY_443)
    (f,) = fw_findings(e, intent)
    assert f.status.value == "FAIL" and f.resource.endswith("/consumer")
    assert "10.2.0.250 on TCP 443: firewall azfw denies it" in f.message and "rule deny-consumer-https" in f.message
    # The NSG rule is not this rule's business, nor the reverse.
    assert not [x for x in audit(e, intent=intent).findings if x.rule == "VNP-NSG-002" and x.status.value == "FAIL"]


def test_audit_passes_when_the_declared_rules_allow_and_says_unknown_when_a_rule_covers_part_of_a_subnet() -> None:
    e, intent = provider_behind_firewall(VIA_FW, [{"name": "allow-https", "action": "allow", "ports": 443}])
    (f,) = fw_findings(e, intent)
    assert f.status.value == "PASS"
    e, intent = provider_behind_firewall(VIA_FW, [{"name": "allow-one-vm", "action": "allow", "source": "10.10.1.4"}])
    (f,) = fw_findings(e, intent)
    assert f.status.value == "UNKNOWN" and "allow-one-vm" in f.message and "covers only part" in f.message


def test_audit_does_not_judge_connections_without_a_firewall_whose_rules_are_declared() -> None:
    b, _rt = hub_spoke(VIA_FW)  # the forwarder is declared without rules
    e = b.estate()
    assert fw_findings(e, intent_for(e)) == []


def test_verify_cli_fails_the_port_a_declared_firewall_rule_denies_and_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b, _rt = hub_spoke(VIA_FW)
    b.declarations["forwarders"][0]["rules"] = [{"name": "allow-https", "action": "allow", "protocol": "tcp", "ports": 443}]
    estate = b.write(tmp_path / "estate.json")
    intent = tmp_path / "intent.yaml"
    intent.write_text("version: 1\nprovider: {vnet: provider, load_balancer: ilb, app_domain: apps.example.com}\n"
                      "connections:\n  - {consumer: consumer, method: peering, ports: [443, 8443]}\n")  # fmt: skip
    assert main(["verify", "--estate", estate, "--intent", str(intent), "--format", "json"]) == 1
    (c,) = json.loads(capsys.readouterr().out)["connections"]
    ports = {p["port"]: p for p in c["ports"]}
    assert c["result"] == "FAIL" and ports[443]["result"] == "PASS" and ports[8443]["result"] == "FAIL"
    assert ports[8443]["blocked_by"] == {"kind": "firewall-rule", "resource": "azfw", "rule": "default", "priority": None}


def test_the_home_matrix_on_the_sample_judges_its_reach_column_by_the_declared_firewall_rules(tmp_path: Path) -> None:
    rules = SAMPLES / "mendix-firewall-rules.yaml"
    e = load_estate([SAMPLES / "mendix-estate.json"], [rules])
    intent = load_intent(str(SAMPLES / "mendix-intent.yaml"), e)
    rows = {r.vnet.name: r for r in domain_health(e, "azure.mendixapps.io", ports=intent_ports(intent)).rows}
    assert rows["vnet-corp-spoke1-weu"].reachable is True and rows["vnet-corp-spoke1-weu"].health is Health.PASS
    # With the apps rule turned into a deny, spoke1's traffic to the frontend is refused by it.
    strict = tmp_path / "strict.yaml"
    strict.write_text(rules.read_text().replace("name: allow-corp-to-mendix-apps\n        action: allow",
                                                "name: deny-corp-to-mendix-apps\n        action: deny"))  # fmt: skip
    e = load_estate([SAMPLES / "mendix-estate.json"], [strict])
    row = next(r for r in domain_health(e, "azure.mendixapps.io", ports=intent_ports(intent)).rows
               if r.vnet.name == "vnet-corp-spoke1-weu")  # fmt: skip
    assert row.reachable is False and row.health is Health.FAIL
    assert any("deny-corp-to-mendix-apps" in r and "azfw-hub-weu" in r for r in row.reasons), row.reasons
