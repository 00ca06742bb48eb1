"""The loader's typed fast path (netplan.typedload) builds exactly what the checked parsers build,
and leaves every input it does not model to them: a snapshot read from a file (spans, the fast
path) and the same JSON handed over as data (dicts, the checked parsers only) give equal estates,
or the same one-line error naming the file and the JSON path."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.bench_traffic import with_traffic_kinds
from bench.synth import generate
from netplan import rawjson, typedload
from netplan.errors import InputError
from netplan.estate import Estate, estate_from_data, load_estate
from netplan.loader import DEFAULT_RULES, read_snapshot
from tests.unit.test_loader_fuzz import _paths

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TEXT = (ROOT / "samples" / "mendix-estate.json").read_text()
FAST_TYPES = ("microsoft.network/virtualnetworks", "microsoft.network/routetables",
              "microsoft.network/privatednszones/virtualnetworklinks", "microsoft.network/networksecuritygroups",
              "microsoft.network/networkinterfaces")  # fmt: skip


def _both(data: Any, tmp: Path) -> tuple[Estate | str, Estate | str]:
    """(from the file, from the data): an Estate, or the error line."""
    f = tmp / "estate.json"
    f.write_text(json.dumps(data))
    out: list[Estate | str] = []
    for load in (lambda: load_estate([f]), lambda: estate_from_data(json.loads(f.read_text()), str(f))):
        try:
            out.append(load())
        except InputError as exc:
            out.append(str(exc))
    return out[0], out[1]


def _snapshots() -> list[Path]:
    return [ROOT / "samples" / "mendix-estate.json", ROOT / "samples" / "clean-estate.json",
            *sorted((ROOT / "tests" / "fixtures").rglob("*.json"))]  # fmt: skip


@pytest.mark.parametrize("path", _snapshots(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_fixture_loads_the_same_from_the_file_as_from_its_data(path: Path, tmp_path: Path) -> None:
    from_file, from_data = _both(json.loads(path.read_text()), tmp_path)
    assert from_file == from_data


def test_the_sample_and_a_synthetic_estate_take_the_fast_path(tmp_path: Path) -> None:
    doc = with_traffic_kinds(generate(40, 3, 4), per_subnet=True)
    from_file, from_data = _both(doc, tmp_path)
    assert isinstance(from_file, Estate) and from_file == from_data
    assert from_file.vnets and from_file.route_tables and from_file.zone_links and from_file.nsgs
    for path in (ROOT / "samples" / "mendix-estate.json", tmp_path / "estate.json"):
        for _where, span in read_snapshot(path).resources:
            assert rawjson.is_span(span)
            kind = str(rawjson.decode(span).get("type", "")).lower()
            if kind in FAST_TYPES:
                # The shapes Azure returns are all built by the fast path (nothing falls back).
                assert typedload.resource(span) is not None, kind


JUNK = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False),
    st.text(max_size=8), st.sampled_from(["10.0.0.1/16", "10.0.0.0/33", "::/129", "Connected", "", "/", "x/y", "true",
                                          "FullyInSync", "VirtualAppliance", "10.0.0.4", "NxDomainRedirect"]),
    st.lists(st.sampled_from(["10.9.0.0/24", "a", 1]), max_size=2), st.just([]), st.just({}),
    st.dictionaries(st.sampled_from(["id", "name", "properties", "serviceName"]), st.text(max_size=4), max_size=2),
)  # fmt: skip
_DATA = json.loads(SAMPLE_TEXT)
TARGETS = [i for i, r in enumerate(_DATA["resources"]) if str(r.get("type", "")).lower() in FAST_TYPES]


SUB = "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f/resourceGroups/rg-net/providers/Microsoft.Network"
HUB = f"{SUB}/virtualNetworks/hub"


def _every_field() -> dict[str, Any]:
    """One VNet, route table and zone link with every field the model reads set (and a few it does not)."""
    ref = {"id": f"{SUB}/networkSecurityGroups/nsg"}
    subnet = {"name": "app", "id": f"{HUB}/subnets/app", "etag": "W/1", "properties": {
        "addressPrefix": "10.1.0.0/24", "addressPrefixes": ["10.1.0.0/24", "fd00::/64"],
        "delegations": [{"name": "d", "properties": {"serviceName": "Microsoft.Web/serverFarms"}}, {"serviceName": "X/y"}],
        "ipConfigurations": [{"id": f"{SUB}/networkInterfaces/nic/ipConfigurations/c"}, {"id": ""}, {}],
        "networkSecurityGroup": ref, "routeTable": {"id": f"{SUB}/routeTables/rt"},
        "privateEndpointNetworkPolicies": "NetworkSecurityGroupEnabled", "privateLinkServiceNetworkPolicies": "Enabled"}}
    space = {"addressPrefixes": ["10.2.0.0/16"]}
    peering = {"name": "to-spoke", "id": f"{HUB}/virtualNetworkPeerings/to-spoke", "properties": {
        "remoteVirtualNetwork": {"id": f"{SUB}/virtualNetworks/spoke"}, "peeringState": "Connected",
        "peeringSyncLevel": "RemoteNotInSync", "remoteAddressSpace": space,
        "remoteVirtualNetworkAddressSpace": {"addressPrefixes": ["10.2.0.0/16", "10.3.0.0/16"]},
        "allowVirtualNetworkAccess": False, "allowForwardedTraffic": True, "allowGatewayTransit": True,
        "useRemoteGateways": True, "peerCompleteVnets": False, "localSubnetNames": ["app", 3],
        "remoteSubnetNames": ["db"], "enableOnlyIPv6Peering": True,
        "remoteGateways": [{"id": f"{SUB}/virtualNetworkGateways/gw"}], "provisioningState": "Succeeded"}}
    vnet = {"name": "hub", "id": HUB, "type": "Microsoft.Network/virtualNetworks", "location": "West Europe",
            "tags": {"env": "prod"}, "properties": {
                "addressSpace": {"addressPrefixes": ["10.1.0.0/16", "fd00::/48"]},
                "dhcpOptions": {"dnsServers": ["10.1.0.4"]}, "subnets": [subnet], "virtualNetworkPeerings": [peering]}}
    # IPAM pool allocations: the checked parser's alone (the fast path gives up on them).
    ipam = {"name": "ipam", "id": f"{SUB}/virtualNetworks/ipam", "type": "Microsoft.Network/virtualNetworks",
            "properties": {"addressSpace": {"addressPrefixes": ["10.5.0.0/16"], "ipamPoolPrefixAllocations": [
                {"allocatedAddressPrefixes": ["10.8.0.0/16"]}]}, "subnets": [
                {"name": "s", "id": f"{SUB}/virtualNetworks/ipam/subnets/s", "properties": {
                    "ipamPoolPrefixAllocations": [{"allocatedAddressPrefixes": ["10.8.1.0/24"]}]}}]}}
    rt = {"name": "rt", "id": f"{SUB}/routeTables/rt", "type": "Microsoft.Network/routeTables", "location": "westeurope",
          "tags": {}, "properties": {"disableBgpRoutePropagation": True, "routes": [
              {"name": "fw", "id": f"{SUB}/routeTables/rt/routes/fw", "properties": {
                  "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.1.0.4"}},
              {"name": "tag", "id": f"{SUB}/routeTables/rt/routes/tag", "properties": {
                  "addressPrefix": "AzureCloud", "nextHopType": "Internet"}}]}}
    zone = "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/z.io"
    link = {"name": "l", "id": f"{zone}/virtualNetworkLinks/l", "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            "location": "global", "properties": {"virtualNetwork": {"id": HUB}, "registrationEnabled": True,
                                                 "resolutionPolicy": "NxDomainRedirect", "virtualNetworkLinkState": "Completed"}}
    nsg_id = f"{SUB}/networkSecurityGroups/nsg"
    rule = {"name": "https", "id": f"{nsg_id}/securityRules/https", "properties": {
        "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp", "description": "web",
        "sourceAddressPrefix": "10.0.0.0/8", "sourcePortRange": "*", "destinationAddressPrefix": "VirtualNetwork",
        "destinationPortRange": "443-444"}}
    ports = {"name": "ports", "id": f"{nsg_id}/securityRules/ports", "properties": {
        "priority": 4000, "direction": "Outbound", "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*",
        "destinationAddressPrefix": "10.1.2.3", "destinationPortRanges": ["80", "8000-8080"]}}
    defaults = [{"name": n, "id": f"{nsg_id}/defaultSecurityRules/{n}", "properties": {
        "priority": prio, "direction": d, "access": a, "protocol": "*", "sourceAddressPrefix": src,
        "sourcePortRange": "*", "destinationAddressPrefix": dst, "destinationPortRange": "*"}}
        for n, prio, d, a, src, dst in DEFAULT_RULES]
    nsg = {"name": "nsg", "id": nsg_id, "type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope",
           "properties": {"securityRules": [rule, ports], "defaultSecurityRules": defaults}}
    # Prefix lists: the checked rule parser's alone.
    lists = {"name": "lists", "id": f"{SUB}/networkSecurityGroups/lists", "type": "Microsoft.Network/networkSecurityGroups",
             "properties": {"securityRules": [{"name": "r", "id": f"{SUB}/networkSecurityGroups/lists/securityRules/r",
                                               "properties": {"priority": 200, "direction": "Outbound", "access": "Deny",
                                                              "sourceAddressPrefixes": ["10.1.0.0/24"],
                                                              "destinationAddressPrefix": "*",
                                                              "destinationPortRanges": ["22", "3389"]}}]}}
    return {"resources": [vnet, rt, link, nsg, ipam, lists]}


def _damaged() -> list[tuple[str, Any]]:
    """Every field of :func:`_every_field` deleted, and set to values of other JSON types."""
    base = _every_field()
    values: list[Any] = [None, True, "true", 7, "", "x", " Internet", "²", [], ["10.9.0.0/24"], ["80", "443"], {}, {"id": "x"}]
    out = []
    for k, path in enumerate(_paths(base["resources"])[1:]):
        # Four of the values per field, in turn (all of them for every field takes too long).
        for change in ("delete", *(values[(4 * k + j) % len(values)] for j in range(4))):
            if change == "delete" and not isinstance(path[-1], str):
                continue
            data = _every_field()
            parent = data["resources"]
            for p in path[:-1]:
                parent = parent[p]
            if change == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = change
            out.append((f"{'.'.join(map(str, path))}={change!r}", data))
    return out


def test_every_field_deleted_or_of_another_type_loads_or_fails_the_same_on_both_paths(tmp_path: Path) -> None:
    first = _both(_every_field(), tmp_path)
    assert isinstance(first[0], Estate) and first[0] == first[1]
    fast = [typedload.resource(span) for _w, span in read_snapshot(tmp_path / "estate.json").resources]
    assert [f is not None for f in fast] == [True, True, True, True, False, False]
    cases = _damaged()
    assert len(cases) > 800
    for label, data in cases:
        from_file, from_data = _both(data, tmp_path)
        assert from_file == from_data, label


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resource=st.sampled_from(TARGETS), pick=st.integers(0, 10**6), junk=JUNK, delete=st.booleans())
def test_a_damaged_vnet_route_table_or_zone_link_loads_or_fails_the_same_on_both_paths(
    resource: int, pick: int, junk: Any, delete: bool
) -> None:
    data = json.loads(SAMPLE_TEXT)
    target = data["resources"][resource]
    paths = _paths(target)
    path = paths[1 + pick % (len(paths) - 1)]
    parent = target
    for p in path[:-1]:
        parent = parent[p]
    if delete and isinstance(path[-1], str):
        del parent[path[-1]]
    else:
        parent[path[-1]] = junk
    with tempfile.TemporaryDirectory() as tmp:
        from_file, from_data = _both(data, Path(tmp))
    assert from_file == from_data


def test_non_ascii_text_in_a_field_the_fast_path_skips_is_checked_for_utf8(tmp_path: Path) -> None:
    data = _every_field()
    data["resources"][0]["properties"]["note"] = "Zürich"
    data["resources"][0]["tags"]["site"] = "Genève"
    f = tmp_path / "estate.json"
    f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert load_estate([f]) == estate_from_data(data, str(f))
    assert load_estate([f]).vnets[0].tags["site"] == "Genève"
    f.write_bytes(f.read_bytes().replace("Zürich".encode(), b"Z\xffrich"))
    with pytest.raises(InputError, match="not UTF-8 JSON"):
        load_estate([f])


def test_a_port_in_non_ascii_digits_is_read_as_int_reads_it_or_is_one_error_line(tmp_path: Path) -> None:
    # "²".isdigit() is true but int("²") fails: this once escaped the rule fast path as a traceback.
    data = _every_field()
    rule = data["resources"][3]["properties"]["securityRules"][0]["properties"]
    rule["destinationPortRange"] = "²"
    from_file, from_data = _both(data, tmp_path)
    assert from_file == from_data
    assert isinstance(from_file, str) and "securityRules[0].properties.destinationPortRange" in from_file
    rule["destinationPortRange"] = "٤٤٣"  # Arabic-Indic digits: int() reads them, as the checked parser does
    from_file, from_data = _both(data, tmp_path)
    assert isinstance(from_file, Estate) and from_file == from_data
    # Port lists (the rule fast path reads the plain ones; the checked parser the rest), as Azure means them.
    for ranges, want in ((["80", 8080], "80,8080"), (["80", " 443"], "80,443"), (["*", "1-2"], "*,1-2"), (["80", "x"], None)):
        rule["destinationPortRanges"] = ranges
        from_file, from_data = _both(data, tmp_path)
        assert from_file == from_data, ranges
        if want is None:
            assert isinstance(from_file, str) and "destinationPortRanges[1]: malformed port range 'x'" in from_file
        else:
            assert isinstance(from_file, Estate)
            nsg = from_file.get(data["resources"][3]["id"])
            assert nsg.rules[0].ports_text() == want


def test_a_type_in_another_case_or_after_the_properties_is_built_the_same(tmp_path: Path) -> None:
    # Route tables and NSGs written as Azure writes their type are decoded whole in one pass;
    # another spelling of the type, or the type after the properties, must build the same objects.
    for spell in (str.lower, str.upper, lambda t: t):
        data = _every_field()
        moved = []
        for r in data["resources"]:
            r["type"] = spell(r["type"])
            moved.append({k: v for k, v in r.items() if k != "type"} | {"type": r["type"]})
        for doc in (data, {"resources": moved}):
            from_file, from_data = _both(doc, tmp_path)
            assert isinstance(from_file, Estate) and from_file == from_data
            fast = [typedload.resource(span) for _w, span in read_snapshot(tmp_path / "estate.json").resources]
            assert [f is not None for f in fast] == [True, True, True, True, False, False]
            assert from_file.nsgs[0].rules[0].name == "https" and from_file.route_tables[0].routes[0].name == "fw"


def test_a_resource_whose_text_also_appears_earlier_in_the_file_keeps_its_own_range(tmp_path: Path) -> None:
    # The resource list is read in one pass and each resource's range found from the first one's
    # text: a copy of that text earlier in the file (here under a member the loader ignores, and
    # in a list the loader does not read) must not shift the ranges.
    data = _every_field()
    first = data["resources"][0]
    doc = {"note": [first], "value": [first, {"id": "x"}], "resources": data["resources"], "declarations": {}}
    f = tmp_path / "estate.json"
    f.write_text(json.dumps(doc))
    snap = read_snapshot(f)
    assert [type(s) for _w, s in snap.resources] == [rawjson.FileSpan] * len(data["resources"])
    assert [rawjson.decode(s) for _w, s in snap.resources] == data["resources"]
    assert load_estate([f]) == estate_from_data(doc, str(f))
