"""Loader: every accepted shape, the merge rules, and one-line errors that name file and path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netplan.addr import parse_prefix
from netplan.errors import InputError, RefError
from netplan.estate import Estate, load_estate
from netplan.model import PeeringState, ResolutionPolicy, SyncLevel
from tests.fixtures import AZURE_REST_EXAMPLES as EXAMPLES

SUB = "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f"


def vnet(name: str, prefixes: list[str], rg: str = "rg-net", peerings: list[dict[str, Any]] | None = None,
         subnets: list[dict[str, Any]] | None = None, dns: list[str] | None = None) -> dict[str, Any]:
    vid = f"{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}"
    props: dict[str, Any] = {
        "addressSpace": {"addressPrefixes": prefixes},
        "subnets": subnets or [],
        "virtualNetworkPeerings": peerings or [],
        "provisioningState": "Succeeded",
    }
    if dns:
        props["dhcpOptions"] = {"dnsServers": dns}
    return {"name": name, "id": vid, "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
            "properties": props}


def write(tmp_path: Path, name: str, data: Any) -> str:
    p = tmp_path / name
    p.write_text(json.dumps(data))
    return str(p)


def example_body(rel: str, status: str = "200") -> dict[str, Any]:
    return json.loads((EXAMPLES / rel).read_text())["responses"][status]["body"]


def test_official_vnet_get_example_loads_with_subnet_and_lb_reference(tmp_path: Path) -> None:
    body = example_body("virtual-network/VirtualNetworkGet.json")
    est = load_estate([write(tmp_path, "e.json", [body])])
    (v,) = est.vnets
    assert v.name == "test-vnet"
    assert v.address_prefixes == (parse_prefix("10.0.0.0/16"),)
    assert [s.name for s in v.subnets] == ["subnet1"]
    assert v.subnets[0].ip_configuration_ids[0].endswith("/frontendIPConfigurations/fe")


def test_official_list_response_shape_value_and_custom_dns(tmp_path: Path) -> None:
    body = example_body("virtual-network/VirtualNetworkList.json")
    est = load_estate([write(tmp_path, "list.json", body)])
    assert len(est.vnets) == len(body["value"])
    assert any(v.dns_servers for v in est.vnets)


def test_official_peering_and_private_dns_examples(tmp_path: Path) -> None:
    peering = example_body("vnet-peering/VirtualNetworkPeeringGet.json")
    v1 = vnet("vnet1", ["10.0.0.0/16"], rg="peerTest", peerings=[peering])
    zone = example_body("private-dns/PrivateZoneGet.json")
    record = example_body("private-dns/RecordSetAGet.json")
    link = example_body("private-dns/VirtualNetworkLinkGet.json")
    est = load_estate([write(tmp_path, "e.json", {"resources": [v1, zone, record, link]})])
    (p,) = est.vnets[0].peerings
    assert p.state is PeeringState.INITIATED
    assert p.sync_level is SyncLevel.FULLY_IN_SYNC
    assert p.remote_prefixes == (parse_prefix("12.0.0.0/8"),)
    assert est.records_of_zone(est.zones[0].id)[0].values == ("1.2.3.4",)
    assert est.zone_links[0].resolution_policy is ResolutionPolicy.DEFAULT


def test_old_api_peering_without_sync_level(tmp_path: Path) -> None:
    peering = example_body("vnet-peering/older-api-versions/2020-06-01/VirtualNetworkPeeringGet.json")
    est = load_estate([write(tmp_path, "e.json", [vnet("vnet1", ["10.0.0.0/16"], rg="peerTest", peerings=[peering])])])
    assert est.vnets[0].peerings[0].sync_level is None


def test_resource_graph_data_shape_and_cli_flattened_shape(tmp_path: Path) -> None:
    a = vnet("a", ["10.1.0.0/16"])
    flat = vnet("b", ["10.2.0.0/16"], subnets=[{"name": "s1", "properties": {"addressPrefix": "10.2.1.0/24"}}])
    props = flat.pop("properties")
    # Azure CLI: properties lifted to the top, resourceGroup added, nested subnets flattened too.
    props["subnets"] = [{"name": "s1", "addressPrefix": "10.2.1.0/24", "resourceGroup": "rg-net"}]
    flat.update(props, resourceGroup="rg-net")
    est = load_estate([write(tmp_path, "arg.json", {"data": [a], "count": 1}), write(tmp_path, "cli.json", [flat])])
    assert {v.name for v in est.vnets} == {"a", "b"}
    assert est.resolve_vnet("b").subnets[0].prefixes == (parse_prefix("10.2.1.0/24"),)


@pytest.mark.parametrize(
    ("prefix", "fragment"),
    [("10.0.0.1/16", "host bits set"), ("10.0.0.0/33", "prefix length 33"), ("10.0.0/16", "not a valid IPv4")],
)
def test_invalid_cidr_names_file_resource_and_path(tmp_path: Path, prefix: str, fragment: str) -> None:
    f = write(tmp_path, "bad.json", {"resources": [vnet("ok", ["10.9.0.0/16"]), vnet("hub", ["10.1.0.0/16", prefix])]})
    with pytest.raises(InputError) as exc:
        load_estate([f])
    msg = str(exc.value)
    assert msg.startswith(f"{f}: resources[1] 'hub': properties.addressSpace.addressPrefixes[1]: ")
    assert fragment in msg
    assert "\n" not in msg


def test_missing_properties_and_bad_json_are_one_line_errors(tmp_path: Path) -> None:
    f = write(tmp_path, "noprops.json", [{"id": f"{SUB}/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/x",
                                          "name": "x", "type": "Microsoft.Network/virtualNetworks"}])
    with pytest.raises(InputError, match=r"\[0\] 'x': missing 'properties'"):
        load_estate([f])
    bad = tmp_path / "broken.json"
    bad.write_text('{"resources": [\n  {"id": }\n]}')
    with pytest.raises(InputError, match=r"broken.json: line 2, column 10: invalid JSON"):
        load_estate([str(bad)])


def test_unknown_types_are_skipped_and_counted_missing_type_is_an_error(tmp_path: Path) -> None:
    vm = {"id": f"{SUB}/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/vm1", "name": "vm1",
          "type": "Microsoft.Compute/virtualMachines", "properties": {}}
    est = load_estate([write(tmp_path, "e.json", [vnet("a", ["10.0.0.0/16"]), vm, vm | {"id": vm["id"] + "2"}])])
    assert est.skipped == (("Microsoft.Compute/virtualMachines", 2),)
    with pytest.raises(InputError, match="missing 'type'"):
        load_estate([write(tmp_path, "t.json", [{"id": "/x", "name": "x", "properties": {}}])])


def test_duplicate_ids_across_files_are_an_error_even_with_different_case(tmp_path: Path) -> None:
    a = vnet("hub", ["10.0.0.0/16"])
    b = vnet("hub", ["10.0.0.0/16"])
    b["id"] = b["id"].replace("resourceGroups/rg-net", "resourcegroups/RG-NET")
    f1, f2 = write(tmp_path, "one.json", [a]), write(tmp_path, "two.json", [b])
    with pytest.raises(InputError, match=r"two.json: \[0\] 'hub': id: duplicate resource id .* \(also in .*one.json at \[0\]\)"):
        load_estate([f1, f2])


def test_vnet_references_full_id_rg_name_and_unique_name(tmp_path: Path) -> None:
    est = load_estate([write(tmp_path, "e.json", [vnet("app", ["10.0.0.0/16"], rg="rg-a"),
                                                   vnet("app", ["10.1.0.0/16"], rg="rg-b"),
                                                   vnet("hub", ["10.2.0.0/16"])])])
    assert est.resolve_vnet("hub").name == "hub"
    assert est.resolve_vnet("RG-B/App").address_prefixes[0] == parse_prefix("10.1.0.0/16")
    full = est.vnets[0].id.upper()
    assert est.resolve_vnet(full) is est.vnets[0]
    with pytest.raises(RefError) as amb:
        est.resolve_vnet("app")
    assert len(amb.value.candidates) == 2
    with pytest.raises(RefError, match="did you mean: rg-net/hub"):
        est.resolve_vnet("hubb")


def test_case_insensitive_cross_references(tmp_path: Path) -> None:
    hub = vnet("hub", ["10.0.0.0/16"], subnets=[{"name": "s", "properties": {"addressPrefix": "10.0.0.0/24"}}])
    sid = hub["properties"]["subnets"][0]["id"] = hub["id"] + "/subnets/s"
    nic = {"id": f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkInterfaces/nic1", "name": "nic1",
           "type": "Microsoft.Network/networkInterfaces", "location": "westeurope",
           "properties": {"ipConfigurations": [{"name": "ipconfig1", "id": "x/ipconfig1", "properties": {
               "privateIPAddress": "10.0.0.4", "subnet": {"id": sid.upper()}}}]}}
    est = load_estate([write(tmp_path, "e.json", [hub, nic])])
    (owner,) = est.ip_owners("10.0.0.4")
    assert owner.kind == "nic"
    assert est.vnet_of(nic["id"]) is est.vnets[0]


def test_round_trip_through_to_snapshot(tmp_path: Path) -> None:
    body = example_body("virtual-network/VirtualNetworkGet.json")
    lb = example_body("load-balancer/LoadBalancerGet.json")
    est = load_estate([write(tmp_path, "e.json", [body, lb])])
    again = load_estate([write(tmp_path, "again.json", est.to_snapshot())])
    assert again.to_snapshot() == est.to_snapshot()
    assert again.vnets == est.vnets and again.load_balancers == est.load_balancers


def test_declarations_file_resolves_vnets_and_reports_lines(tmp_path: Path) -> None:
    est_file = write(tmp_path, "e.json", [vnet("hub", ["10.0.0.0/16"])])
    decl = tmp_path / "onprem.yaml"
    decl.write_text("onprem:\n  - name: dc1\n    prefixes: [172.16.0.0/12]\n    via: hub\n"
                    "forwarders:\n  - vnet: hub\n    device: azfw\n    ip: 10.0.0.4\n")
    est = load_estate([est_file], [str(decl)])
    assert est.onprem[0].via_vnet_id == est.vnets[0].id
    assert est.forwarders_of(est.vnets[0].id)[0].device == "azfw"
    decl.write_text("onprem:\n  - name: dc1\n    prefixes: [172.16.0.1/12]\n")
    with pytest.raises(InputError, match=r"onprem.yaml: line 3: onprem\[0\].prefixes\[0\]: .*host bits"):
        load_estate([est_file], [str(decl)])
    decl.write_text("forwarders:\n  - vnet: nohub\n    device: fw\n")
    with pytest.raises(InputError, match=r"line 2: forwarders\[0\].vnet: no VNet matches 'nohub'"):
        load_estate([est_file], [str(decl)])


def test_what_if_copy_reparses_added_resources(tmp_path: Path) -> None:
    est = load_estate([write(tmp_path, "e.json", [vnet("a", ["10.0.0.0/16"])])])
    after = est.with_resources([vnet("b", ["10.1.0.0/16"])])
    assert [v.name for v in after.vnets] == ["a", "b"]
    assert [v.name for v in est.vnets] == ["a"]
    assert isinstance(after, Estate)


def test_what_if_reuses_unchanged_objects_and_replaces_by_id(tmp_path: Path) -> None:
    a, b = vnet("a", ["10.0.0.0/16"]), vnet("b", ["10.1.0.0/16"])
    est = load_estate([write(tmp_path, "e.json", [a, b])])
    b2 = vnet("b", ["10.1.0.0/16", "10.2.0.0/16"])
    after = est.with_resources([b2], remove=[])
    assert after.vnets[0] is est.vnets[0]  # not re-parsed
    assert after.resolve_vnet("b").address_prefixes == (parse_prefix("10.1.0.0/16"), parse_prefix("10.2.0.0/16"))
    gone = after.with_resources([], remove=[a["id"].upper()])
    assert [v.name for v in gone.vnets] == ["b"]


def test_subscription_display_names_are_read_merged_and_written_back(tmp_path: Path) -> None:
    sid = SUB.rsplit("/", 1)[1]
    other = "0b9d7f3e-8a2c-4e61-b7d4-5c3e2f1a0b9c"
    a = write(tmp_path, "a.json", {"subscriptions": [{"subscriptionId": sid.upper(), "displayName": "Connectivity"}],
                                   "resources": [vnet("hub", ["10.0.0.0/16"])]})  # fmt: skip
    b = write(tmp_path, "b.json", {"subscriptions": [other, {"subscriptionId": other, "displayName": "Apps"}],
                                   "resources": [vnet("spoke", ["10.1.0.0/16"])]})  # fmt: skip
    est = load_estate([a, b])
    assert est.subscription_label(sid) == "Connectivity" and est.subscription_name(other) == "Apps"
    assert est.subscription_label("11111111-2222-3333-4444-555555555555") == "11111111-2222-3333-4444-555555555555"
    again = load_estate([write(tmp_path, "c.json", est.to_snapshot())])
    assert again.subscription_names == est.subscription_names


@pytest.mark.parametrize(
    ("value", "where"),
    [({"a": 1}, "subscriptions: expected a list"), ([3], r"subscriptions\[0\]: expected an object"),
     ([{"displayName": "x"}], r"subscriptions\[0\].subscriptionId: expected the subscription ID"),
     ([{"subscriptionId": "s", "displayName": 7}], r"subscriptions\[0\].displayName: expected a string")],
)  # fmt: skip
def test_a_malformed_subscription_list_is_a_one_line_error(tmp_path: Path, value: Any, where: str) -> None:
    f = write(tmp_path, "s.json", {"subscriptions": value, "resources": [vnet("hub", ["10.0.0.0/16"])]})
    with pytest.raises(InputError, match=rf"s.json: {where}"):
        load_estate([f])
