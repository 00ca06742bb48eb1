"""Issue 18 on the bundled Mendix sample (samples/mendix-estate.json + mendix-intent.yaml): the
traffic-rule verdicts of ``routes``, ``reach --port``, ``verify``, ``whatif``, ``plan``, audit and
the TUI's Home matrix, on the sample as shipped and on copies where one NSG rule or route blocks a
connection of the intent (the fix is planned; in the AKS node resource group it is the owner's).
The emulator loop (plan -> apply -> inventory -> verify) is in
tests/integration/test_sample_traffic_loop.py."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from checks.registry import audit
from netplan.dns.health import Health, domain_health, intent_ports
from netplan.estate import estate_from_data
from netplan.intent import load_intent
from vnetplan.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ESTATE = SAMPLES / "mendix-estate.json"
INTENT = SAMPLES / "mendix-intent.yaml"
FRONTEND = "10.20.0.250"
AKS_NSG_RG = "MC_rg-mendix-weu_aks-mendix-weu_westeurope"


@cache
def _sample_text() -> str:
    return ESTATE.read_text()


def sample() -> dict[str, Any]:
    return json.loads(_sample_text())


def resource(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in doc["resources"] if r.get("name") == name)


def add_rule(doc: dict[str, Any], nsg: str, name: str, priority: int, direction: str, access: str, *,
             src: str = "*", dst: str = "*", ports: str = "*") -> dict[str, Any]:  # fmt: skip
    g = resource(doc, nsg)
    g["properties"]["securityRules"].append({"name": name, "id": f"{g['id']}/securityRules/{name}", "properties": {
        "priority": priority, "direction": direction, "access": access, "protocol": "*", "sourcePortRange": "*",
        "sourceAddressPrefix": src, "destinationAddressPrefix": dst, "destinationPortRange": ports}})  # fmt: skip
    return doc


def add_route(doc: dict[str, Any], table: str, name: str, prefix: str, hop: str, ip: str | None = None) -> dict[str, Any]:
    rt = resource(doc, table)
    props: dict[str, Any] = {"addressPrefix": prefix, "nextHopType": hop}
    if ip:
        props["nextHopIpAddress"] = ip
    rt["properties"]["routes"].append({"name": name, "id": f"{rt['id']}/routes/{name}", "properties": props})
    return doc


def spoke2_nsg_denies_mendix() -> dict[str, Any]:
    """spoke2's own NSG (rg-corp-spoke2-weu, vnetplan may write there) denies its traffic to the Mendix VNet."""
    return add_rule(sample(), "nsg-corp-spoke2-app", "deny-out-mendix", 300, "Outbound", "Deny", dst="10.20.0.0/16")


def spokes_route_mendix_to_none() -> dict[str, Any]:
    """spoke2 (peering asked) and spoke3 (auto: its existing path through the hub) drop the Mendix space."""
    doc = add_route(sample(), "rt-corp-spoke2-weu", "no-mendix", "10.20.0.0/16", "None")
    return add_route(doc, "rt-corp-spoke3-neu", "no-mendix", "10.20.0.0/16", "None")


def aks_nsg_allows_only_spoke1() -> dict[str, Any]:
    """The AKS node NSG (in the node resource group AKS manages) lets only spoke1 reach the apps."""
    doc = sample()
    rule = next(r for r in resource(doc, "aks-agentpool-31415926-nsg")["properties"]["securityRules"]
                if r["name"] == "allow-web-private")  # fmt: skip
    rule["properties"]["sourceAddressPrefix"] = "10.110.0.0/22"
    return doc


def write(tmp_path: Path, doc: dict[str, Any], name: str = "estate.json") -> str:
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return str(p)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return rc, out.out, out.err


def plan_json(capsys: pytest.CaptureFixture[str], tmp_path: Path, doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``vnetplan plan --what-if --out`` on ``doc`` with the sample intent: (the plan file, stdout)."""
    out = tmp_path / "plan.json"
    rc, text, err = run(capsys, "plan", "--estate", write(tmp_path, doc), "--intent", str(INTENT), "--what-if",
                        "--out", str(out))  # fmt: skip
    assert rc in (1, 3), err  # changes pending (3: with problems)
    return json.loads(out.read_text()), text


def changes_of(plan: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [c for c in plan["changes"] if c["type"] == f"Microsoft.Network/{kind}"]


def whatif_results(capsys: pytest.CaptureFixture[str], tmp_path: Path, doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    rc, out, err = run(capsys, "whatif", "--estate", write(tmp_path, doc, "w.json"), "--intent", str(INTENT),
                       "--format", "json")  # fmt: skip
    assert rc in (0, 1), err
    return {c["consumer"].rsplit("/", 1)[-1]: c for c in json.loads(out)["connections"]}


# ---- the sample as shipped ---------------------------------------------------------------------


def test_routes_on_the_sample_show_the_spokes_default_route_to_the_hub_firewall_as_azure_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out, _ = run(capsys, "routes", "--estate", str(ESTATE), "vnet-corp-spoke1-weu/snet-app", "--format", "json")
    assert rc == 0
    rows = {(r["source"], r["state"], r["addressPrefix"][0], r["nextHopType"]): r for r in json.loads(out)["value"]}
    assert rows[("User", "Active", "0.0.0.0/0", "VirtualAppliance")]["nextHopIpAddress"] == ["10.100.0.4"]
    assert ("Default", "Invalid", "0.0.0.0/0", "Internet") in rows  # overridden by the user route
    assert ("Default", "Active", "10.110.0.0/22", "VnetLocal") in rows
    assert ("Default", "Active", "10.100.0.0/22", "VNetPeering") in rows
    assert ("Default", "Active", "10.110.2.4/32", "InterfaceEndpoint") in rows  # the PostgreSQL endpoint
    # disableBgpRoutePropagation: no gateway route to on-premises 172.16.0.0/12.
    assert not any(k[3] == "VirtualNetworkGateway" for k in rows)


def test_routes_on_the_sample_carry_what_the_hubs_out_of_sync_link_has_peered_not_spoke3s_new_prefix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out, _ = run(capsys, "routes", "--estate", str(ESTATE), "vnet-hub-weu/AzureFirewallSubnet", "--format", "json")
    assert rc == 0
    peered = {r["addressPrefix"][0]: r["nextHopType"] for r in json.loads(out)["value"] if r["nextHopType"].startswith("VNet")}
    # Spoke3 added 10.120.8.0/24, but the hub's link (LocalNotInSync) still carries only what it peered (P4, P9).
    assert peered["10.120.0.0/22"] == "VNetGlobalPeering" and "10.120.8.0/24" not in peered
    assert {"10.110.0.0/22", "10.111.0.0/22", "10.20.0.0/16"} <= set(peered)


def test_reach_port_on_the_sample_passes_the_hub_firewall_and_names_the_nsg_rule_that_denies_ssh(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rc, out, _ = run(capsys, "reach", "--estate", str(ESTATE), "vnet-corp-spoke1-weu/snet-app", FRONTEND, "--port", "443",
                     "--format", "json")  # fmt: skip
    v = json.loads(out)
    assert rc == 0 and v["reachable"] is True and "blocked_by" not in v
    assert [h["route"]["nextHopType"] for h in v["hops"] if h.get("route")] == ["VirtualAppliance", "VNetPeering"]
    assert any("if the firewall allows it" in r["message"] for r in v["reasons"])
    rc, out, _ = run(capsys, "reach", "--estate", str(ESTATE), "vnet-corp-spoke2-weu/snet-app", "10.110.0.4", "--port", "22",
                     "--format", "json")  # fmt: skip
    v = json.loads(out)
    assert v["reachable"] is False
    assert {k: v["blocked_by"][k] for k in ("kind", "rule", "priority")} == {"kind": "nsg-rule", "rule": "deny-ssh", "priority": 120}
    assert v["blocked_by"]["resource"].endswith("/networkSecurityGroups/nsg-corp-spoke1-app")


def test_verify_on_the_sample_checks_each_app_port_of_each_connection(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "verify", "--estate", str(ESTATE), "--intent", str(INTENT), "--format", "json")
    assert rc == 1  # spoke2 FAILs
    conns = {c["consumer"].rsplit("/", 1)[-1]: c for c in json.loads(out)["connections"]}
    for name in ("vnet-legacy-apps-weu", "vnet-corp-spoke3-neu"):
        ports = {(p["port"], p["result"]) for p in conns[name]["ports"]}
        assert ports == {(443, "PASS"), (80, "PASS")}, (name, conns[name]["ports"])
    # spoke2's peering with the Mendix VNet is only Initiated: each port FAILs, saying so.
    spoke2 = conns["vnet-corp-spoke2-weu"]
    assert spoke2["result"] == "FAIL" and {p["port"] for p in spoke2["ports"]} == {443, 80}
    assert all(p["result"] == "FAIL" for p in spoke2["ports"])


def test_audit_on_the_sample_flags_the_endpoint_subnet_whose_route_table_its_policies_ignore() -> None:
    e = estate_from_data(sample(), str(ESTATE))
    intent = load_intent(str(INTENT), e)
    report = audit(e, intent=intent)
    failed = {(f.rule, f.resource.rsplit("/", 1)[-1]) for f in report.findings if f.status.value == "FAIL"}
    assert ("VNP-PE-003", "snet-data") in failed
    assert not {r for r, _ in failed} & {"VNP-NSG-001", "VNP-NSG-002", "VNP-RT-001"}


def test_the_home_matrix_on_the_sample_reaches_the_frontend_through_the_firewall_on_both_app_ports() -> None:
    e = estate_from_data(sample(), str(ESTATE))
    intent = load_intent(str(INTENT), e)
    rows = {r.vnet.name: r for r in domain_health(e, "azure.mendixapps.io", ports=intent_ports(intent)).rows}
    for name in ("vnet-corp-spoke1-weu", "vnet-corp-spoke3-neu"):
        assert rows[name].addresses == (FRONTEND,) and rows[name].reachable is True, rows[name].reasons
        assert rows[name].health is Health.PASS


# ---- a connection blocked by an NSG rule or a route: planned, verified ---------------------------


def test_on_the_sample_a_spoke_nsg_denying_mendix_gets_an_allow_rule_per_app_port_and_whatif_verifies(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = spoke2_nsg_denies_mendix()
    plan, text = plan_json(capsys, tmp_path, doc)
    rules = {c["id"].rsplit("/", 1)[-1]: c["body"]["properties"] for c in changes_of(plan, "networkSecurityGroups/securityRules")}
    assert set(rules) == {"vnetplan-allow-out-vnet-corp-spoke2-weu-443", "vnetplan-allow-out-vnet-corp-spoke2-weu-80"}
    for port, props in ((443, rules["vnetplan-allow-out-vnet-corp-spoke2-weu-443"]), (80, rules["vnetplan-allow-out-vnet-corp-spoke2-weu-80"])):
        # Below the denying rule (300), the spoke's app subnet to the frontend only, on that port.
        assert props["direction"] == "Outbound" and props["access"] == "Allow" and props["priority"] in (299, 298)
        assert props["sourceAddressPrefixes"] == ["10.111.0.0/24"] and props["destinationAddressPrefix"] == f"{FRONTEND}/32"
        assert props["destinationPortRange"] == str(port) and props["description"].startswith("vnetplan:")
    assert all("/resourceGroups/rg-corp-spoke2-weu/" in c["id"] for c in changes_of(plan, "networkSecurityGroups/securityRules"))
    assert plan["whatif"]["verifies"] is True and "the result would verify" in text
    after = whatif_results(capsys, tmp_path, doc)
    assert after["vnet-corp-spoke2-weu"]["after"] == "PASS"


def test_on_the_sample_none_routes_get_host_routes_via_the_hub_firewall_for_peering_and_for_auto(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = spokes_route_mendix_to_none()
    plan, _ = plan_json(capsys, tmp_path, doc)
    routes = {c["id"].split("/routeTables/")[1]: c["body"]["properties"] for c in changes_of(plan, "routeTables/routes")}
    want = {"addressPrefix": f"{FRONTEND}/32", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.100.0.4"}
    # spoke2 (method peering) and spoke3 (auto: the existing path through the hub, kept).
    assert routes == {"rt-corp-spoke2-weu/routes/vnetplan-vnet-corp-spoke2-weu-to-10-20-0-250": want,
                      "rt-corp-spoke3-neu/routes/vnetplan-vnet-corp-spoke3-neu-to-10-20-0-250": want}  # fmt: skip
    spoke3 = next(d for d in plan["decisions"] if d["consumer"].endswith("vnet-corp-spoke3-neu"))
    assert spoke3["method"] == "existing-path"
    assert not any(c["body"] and c["body"].get("properties", {}).get("addressPrefix") == "0.0.0.0/0" for c in plan["changes"])
    assert plan["whatif"]["verifies"] is True
    after = whatif_results(capsys, tmp_path, doc)
    assert after["vnet-corp-spoke3-neu"]["before"] == "FAIL" and after["vnet-corp-spoke3-neu"]["after"] == "PASS"


def test_on_the_sample_the_aks_node_nsg_is_the_owners_change_and_whatif_verifies_only_once_made(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = aks_nsg_allows_only_spoke1()
    plan, _ = plan_json(capsys, tmp_path, doc)
    assert not changes_of(plan, "networkSecurityGroups/securityRules")  # apply never sends it
    owner = [p for p in plan["problems"] if p["code"] == "owner-change"]
    # spoke2 (peered directly: VirtualNetwork, denied by deny-vnet-in 4000), spoke3 (through the hub's
    # firewall: not in the tag, denied by DenyAllInBound 65500) and the legacy VNet (its Private Link
    # traffic arrives from the NAT subnet, denied by deny-vnet-in): one rule per app port each.
    assert sorted(p["group"] for p in owner) == sorted(["vnet-corp-spoke2-weu", "vnet-legacy-apps-weu",
                                                        "vnet-corp-spoke3-neu"] * 2)  # fmt: skip
    assert all(f"az network nsg rule create -g {AKS_NSG_RG}" in p["message"] for p in owner)
    priorities = [int(re.search(r"--priority (\d+)", p["message"]).group(1)) for p in owner]  # type: ignore[union-attr]
    assert len(set(priorities)) == len(priorities)  # the owner can make every one: no priority twice in one NSG
    spoke3 = [p["message"] for p in owner if p["group"] == "vnet-corp-spoke3-neu"]
    assert all("--source-address-prefixes 10.120.0.0/24 10.120.8.0/24" in m for m in spoke3)
    legacy = [p["message"] for p in owner if p["group"] == "vnet-legacy-apps-weu"]
    assert all("--source-address-prefixes 10.20.4.4/32" in m for m in legacy)  # the PLS NAT address
    assert plan["whatif"]["verifies"] is False
    after = whatif_results(capsys, tmp_path, doc)
    assert after["vnet-corp-spoke3-neu"]["after"] == "FAIL"
    assert any("verifies only once the owner makes this change" in r for r in after["vnet-corp-spoke3-neu"]["after_reasons"])


def test_on_the_sample_reach_port_verify_audit_and_the_home_matrix_name_the_aks_rule_that_blocks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    doc = aks_nsg_allows_only_spoke1()
    f = write(tmp_path, doc)
    rc, out, _ = run(capsys, "reach", "--estate", f, "vnet-corp-spoke3-neu/snet-app", FRONTEND, "--port", "443", "--format", "json")
    v = json.loads(out)
    # Through the hub's firewall spoke3 is not in the Mendix VNet's VirtualNetwork tag: the default rule denies it.
    assert v["reachable"] is False and (v["blocked_by"]["rule"], v["blocked_by"]["priority"]) == ("DenyAllInBound", 65500)
    rc, out, _ = run(capsys, "verify", "--estate", f, "--intent", str(INTENT), "--format", "json")
    spoke3 = next(c for c in json.loads(out)["connections"] if c["consumer"].endswith("vnet-corp-spoke3-neu"))
    assert rc == 1 and {(p["port"], p["result"]) for p in spoke3["ports"]} == {(443, "FAIL"), (80, "FAIL")}
    assert all(p["blocked_by"]["rule"] == "DenyAllInBound" for p in spoke3["ports"])
    e = estate_from_data(copy.deepcopy(doc), f)
    intent = load_intent(str(INTENT), e)
    denied = [x for x in audit(e, intent=intent).findings if x.rule == "VNP-NSG-002" and x.status.value == "FAIL"]
    by_consumer = {x.resource.rsplit("/", 1)[-1]: x.message for x in denied}
    assert "NSG aks-agentpool-31415926-nsg denies it (rule DenyAllInBound, priority 65500)" in by_consumer["vnet-corp-spoke3-neu"]
    # The Private Link consumer is denied at the provider, where its traffic arrives from the NAT subnet.
    assert "(rule deny-vnet-in, priority 4000)" in by_consumer["vnet-legacy-apps-weu"]
    row = next(r for r in domain_health(e, "azure.mendixapps.io", ports=intent_ports(intent)).rows
               if r.vnet.name == "vnet-corp-spoke3-neu")  # fmt: skip
    assert row.reachable is False and row.health is Health.FAIL
    assert any("TCP 443: not reachable" in r and "DenyAllInBound" in r for r in row.reasons)
