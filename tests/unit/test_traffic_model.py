"""Route tables, NSGs, ASGs, firewalls in the model: every snapshot shape, Azure's defaults, bad input.

Bad input is one line naming the file and the JSON path (exit 2), never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netplan.errors import InputError
from netplan.estate import load_estate
from netplan.model import Access, Direction, NextHopType, PortRange
from tests.unit.builders import estate_of, load_snapshot, resource_id, vnet_dict
from tests.unit.traffic_builders import nsg, route, route_table, rule
from vnetplan.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "traffic"


def _body(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())["responses"]["200"]["body"]


def test_official_nsg_example_loads_with_its_rules_and_six_defaults() -> None:
    e = load_snapshot(_body("NetworkSecurityGroupGet.json"))
    (g,) = e.nsgs
    assert [r.name for r in g.rules] == ["rule1"]
    r = g.rules[0]
    assert (r.priority, r.direction, r.access, r.protocol) == (130, Direction.INBOUND, Access.ALLOW, "*")
    assert r.destination_ports == (PortRange(80, 80),) and r.source.any and r.destination.any
    assert {d.name for d in g.default_rules} == {
        "AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound",
        "AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound",
    }  # fmt: skip
    assert [x.name for x in g.ordered(Direction.INBOUND)] == ["rule1", "AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound"]


def test_official_route_table_and_asg_examples_load() -> None:
    e = load_snapshot(_body("RouteTableGet.json"))
    (rt,) = e.route_tables
    assert not rt.disable_bgp_route_propagation
    (r,) = rt.routes
    assert (str(r.prefix), r.next_hop_type, r.next_hop_ip) == ("10.0.3.0/24", NextHopType.VIRTUAL_NETWORK_GATEWAY, None)
    e2 = load_snapshot(_body("ApplicationSecurityGroupList.json"))
    assert [a.name for a in e2.asgs] == ["asg1", "asg2"]


def test_nsg_without_default_rules_gets_azures_defaults() -> None:
    e = estate_of([nsg("nsg-app", [rule("allow-https", 200, ports="443")])])
    g = e.nsgs[0]
    outbound = [r.name for r in g.ordered(Direction.OUTBOUND)]
    assert outbound == ["AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound"]
    assert e.get(g.id + "/securityRules/allow-https") is g.rules[0]


def test_rule_prefixes_tags_asgs_and_port_lists_are_kept_apart() -> None:
    asg_id = resource_id("applicationSecurityGroups", "asg-web")
    r = rule("mixed", 300, src=["10.1.0.0/16", "10.2.0.4", "VirtualNetwork", "Storage.WestEurope"],
             dst_asgs=[asg_id], ports=["443", "8000-8080"])  # fmt: skip
    g = estate_of([nsg("nsg", [r])]).nsgs[0].rules[0]
    assert [str(p) for p in g.source.prefixes] == ["10.1.0.0/16", "10.2.0.4/32"]
    assert g.source.tags == ("VirtualNetwork", "Storage.WestEurope")
    assert g.destination.asg_ids == (asg_id,)
    assert g.destination_ports == (PortRange(443, 443), PortRange(8000, 8080))


def test_cli_flattened_and_standalone_rules_and_routes_fold_into_their_parents() -> None:
    g = nsg("nsg-a")
    rt = route_table("rt-a", [])
    flat_rule = {  # `az network nsg rule list` output: properties lifted to the top
        "id": g["id"] + "/securityRules/r1", "name": "r1", "type": "Microsoft.Network/networkSecurityGroups/securityRules",
        "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "Udp",
        "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "destinationPortRange": "53",
    }  # fmt: skip
    flat_route = {
        "id": rt["id"] + "/routes/r1", "name": "r1", "type": "Microsoft.Network/routeTables/routes",
        "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0.4",
    }  # fmt: skip
    e = estate_of([g, rt, flat_rule, flat_route])
    assert [(r.name, r.protocol, r.access) for r in e.nsgs[0].rules] == [("r1", "Udp", Access.DENY)]
    assert [(str(r.prefix), str(r.next_hop_ip)) for r in e.route_tables[0].routes] == [("0.0.0.0/0", "10.0.0.4")]


def test_nic_forwarding_nsg_asgs_and_subnet_policies_are_read() -> None:
    v = vnet_dict("v", ["10.0.0.0/16"], subnets=[{
        "name": "pe", "properties": {"addressPrefix": "10.0.1.0/24", "privateEndpointNetworkPolicies": "RouteTableEnabled",
                                     "privateLinkServiceNetworkPolicies": "Disabled"}}])  # fmt: skip
    nid = resource_id("networkInterfaces", "nva-nic")
    nic = {"id": nid, "name": "nva-nic", "type": "Microsoft.Network/networkInterfaces", "location": "westeurope",
           "properties": {"enableIPForwarding": True, "networkSecurityGroup": {"id": resource_id("networkSecurityGroups", "n")},
                          "ipConfigurations": [{"name": "c", "properties": {
                              "privateIPAddress": "10.0.1.4", "subnet": {"id": v["id"] + "/subnets/pe"},
                              "applicationSecurityGroups": [{"id": resource_id("applicationSecurityGroups", "asg")}]}}]}}  # fmt: skip
    e = estate_of([v, nic])
    n = e.nics[0]
    assert n.ip_forwarding and n.nsg_id and n.ip_configs[0].asg_ids
    assert e.vnets[0].subnets[0].pe_policies() == (False, True)


def _write(tmp_path: Path, resources: list[dict[str, Any]]) -> str:
    p = tmp_path / "estate.json"
    p.write_text(json.dumps({"resources": resources}))
    return str(p)


@pytest.mark.parametrize(
    ("resource", "where", "what"),
    [
        (nsg("nsg-bad", [rule("bad-ports", 100, ports="80-70")]), "securityRules[0].properties.destinationPortRange", "malformed port range"),
        (nsg("nsg-bad", [rule("bad-ports", 100, ports="http")]), "securityRules[0].properties.destinationPortRange", "malformed port range"),
        (nsg("nsg-bad", [rule("bad-prio", 5000)]), "securityRules[0].properties.priority", "invalid priority"),
        (route_table("rt-bad", [route("r", "10.0.0.0/8", "Firewall")]), "routes[0].properties.nextHopType", "unknown value 'Firewall'"),
        (route_table("rt-bad", [route("r", "10.0.0.0/8", "VirtualAppliance")]), "routes[0].properties.nextHopIpAddress", "needs nextHopIpAddress"),
    ],
)
def test_bad_rule_or_route_is_one_line_exit_2_naming_file_and_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], resource: dict[str, Any], where: str, what: str
) -> None:
    path = _write(tmp_path, [resource])
    with pytest.raises(InputError):
        load_snapshot(json.loads(Path(path).read_text()), path)
    rc = main(["overlaps", "--estate", path])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1
    assert path in err[0] and where in err[0] and what in err[0] and "Traceback" not in err[0]


def test_firewall_holds_its_private_address() -> None:
    e = load_snapshot(json.loads((Path(__file__).resolve().parents[2] / "samples" / "mendix-estate.json").read_text()))
    (owner,) = e.ip_owners("10.100.0.4")
    assert owner.kind == "firewall" and owner.resource_id.endswith("/azfw-hub-weu")
    assert len(e.route_tables) == 3 and all(rt.disable_bgp_route_propagation for rt in e.route_tables)


def test_routes_and_rules_of_a_snapshot_file_are_found_by_id_in_any_spelling(tmp_path: Path) -> None:
    # A file goes through the typed fast path, which builds a table's routes and an NSG's rules
    # when they are first read; a lookup by ID still finds each (what plan/whatif/flow do).
    rt = route_table("rt-a", [route("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.0.4"), route("drop", "192.168.0.0/16", "None")])
    a = nsg("nsg-a", [rule("allow-https", 200, ports="443"), rule("deny-ssh", 300, access="Deny", ports="22")])
    b = nsg("nsg-b")
    # A rule listed in nsg-a whose ID names nsg-b (no Azure payload does this; the loader keeps it).
    a["properties"]["securityRules"][1]["id"] = b["id"] + "/securityRules/deny-ssh"
    path = tmp_path / "estate.json"
    path.write_text(json.dumps({"resources": [rt, a, b]}))
    e = load_estate([path])
    table, (ga, gb) = e.route_tables[0], e.nsgs
    assert e.get(rt["id"] + "/routes/drop") is table.routes[1]
    assert e.get((rt["id"] + "/ROUTES/TO-FW").upper()) is table.routes[0]
    assert e.get(a["id"] + "/securityRules/allow-https") is ga.rules[0]
    assert e.get(b["id"] + "/securityRules/deny-ssh") is ga.rules[1] and not gb.rules
    assert e.get(a["id"] + "/securityRules/deny-ssh") is None and not e.contains(rt["id"] + "/routes/other")
    assert {k: v for k, v in e.by_id.items() if "/routes/" in k or "/securityrules/" in k} == {
        r.key: r for r in (*table.routes, *ga.rules)
    }
