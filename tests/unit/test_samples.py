"""The sample estates in samples/: raw-JSON consistency (no netplan loader) and their deliberate facts.

Every sample must be internally consistent the way Azure data is: references point at resources in
the file (case-insensitively; only PaaS targets of private endpoints may be outside), IPs lie in
their subnets, subnets in their VNet's space, FullyInSync peerings carry the remote's real space.
The mendix sample must keep the problems it is there to show (listed in samples/README.md).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
ESTATES = sorted(SAMPLES.glob("*-estate.json"))
# Targets that are legitimately outside the snapshot (PaaS resources reached by private endpoint).
OUTSIDE = ("/microsoft.dbforpostgresql/", "/microsoft.storage/", "/microsoft.sql/", "/microsoft.keyvault/")
Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    return data


def walk(obj: Any) -> Iterator[dict[str, Any]]:
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from walk(v)


def defined_ids(doc: dict[str, Any]) -> set[str]:
    """Ids of resources and of their inline children (objects with an id and a name or properties)."""
    return {
        o["id"].lower()
        for o in walk(doc["resources"])
        if isinstance(o.get("id"), str) and ("name" in o or "properties" in o)
    }


def references(doc: dict[str, Any]) -> Iterator[str]:
    for o in walk(doc["resources"]):
        if set(o) == {"id"} and isinstance(o["id"], str):
            yield o["id"]
        for key in ("privateLinkServiceId", "privateDnsZoneId"):
            if isinstance(o.get(key), str):
                yield o[key]
    decl = doc.get("declarations") or {}
    for key, field in (("onprem", "via"), ("forwarders", "vnet"), ("dns_forwarders", "vnet")):
        for e in decl.get(key, []):
            yield e[field]


def of_type(doc: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [r for r in doc["resources"] if r["type"].lower() == rtype.lower()]


def by_name(doc: dict[str, Any], rtype: str, name: str) -> dict[str, Any]:
    found = [r for r in of_type(doc, rtype) if r["name"] == name]
    assert len(found) == 1, f"{rtype} {name}: {len(found)} found"
    return found[0]


def vnet_prefixes(vnet: dict[str, Any]) -> list[Net]:
    return [
        ipaddress.ip_network(p, strict=True) for p in vnet["properties"]["addressSpace"]["addressPrefixes"]
    ]


def subnet_index(doc: dict[str, Any]) -> dict[str, list[Net]]:
    out = {}
    for v in of_type(doc, "Microsoft.Network/virtualNetworks"):
        for s in v["properties"].get("subnets", []):
            p = s["properties"]
            raw = p.get("addressPrefixes") or [p["addressPrefix"]]
            out[s["id"].lower()] = [ipaddress.ip_network(x, strict=True) for x in raw]
    return out


def ip_placements(doc: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(ip, subnet id) for every private IP bound to a subnet: NICs, LB frontends, PLS NAT, resolvers..."""
    for o in walk(doc["resources"]):
        props = o.get("properties") if isinstance(o.get("properties"), dict) else o
        subnet = props.get("subnet")
        if not isinstance(subnet, dict) or "id" not in subnet:
            continue
        ip = props.get("privateIPAddress") or props.get("privateIpAddress")
        if ip:
            yield ip, subnet["id"]


def in_sync_peerings(doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for v in of_type(doc, "Microsoft.Network/virtualNetworks"):
        for p in v["properties"].get("virtualNetworkPeerings", []):
            yield v, p


def peering(doc: dict[str, Any], local: str, remote: str) -> dict[str, Any] | None:
    v = by_name(doc, "Microsoft.Network/virtualNetworks", local)
    for p in v["properties"]["virtualNetworkPeerings"]:
        if p["properties"]["remoteVirtualNetwork"]["id"].lower().endswith("/" + remote.lower()):
            props: dict[str, Any] = p["properties"]
            return props
    return None


# ---------------------------------------------------------------------------------------------
# Consistency of every sample


def test_there_are_samples() -> None:
    assert {p.name for p in ESTATES} >= {"mendix-estate.json", "clean-estate.json"}


@pytest.mark.parametrize("path", ESTATES, ids=lambda p: p.name)
def test_pass_resources_have_arm_shape(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert set(doc) <= {"subscriptions", "resources", "declarations"}
    # Every subscription of the sample has a display name (the tree and the details show it).
    named = {s["subscriptionId"].lower() for s in doc.get("subscriptions", []) if s.get("displayName")}
    assert {r["id"].split("/")[2].lower() for r in doc["resources"]} <= named
    ids = [r["id"].lower() for r in doc["resources"]]
    assert len(ids) == len(set(ids)), "duplicate resource ids"
    for r in doc["resources"]:
        for key in ("id", "name", "type", "properties"):
            assert key in r, f"{r.get('id')}: no {key}"
        assert r["id"].startswith("/subscriptions/")
        assert r["id"].lower().rsplit("/", 1)[1] == r["name"].lower()
    for v in of_type(doc, "Microsoft.Network/virtualNetworks"):
        for child in v["properties"]["subnets"] + v["properties"]["virtualNetworkPeerings"]:
            assert "type" not in child and child["id"].lower().startswith(v["id"].lower() + "/")


@pytest.mark.parametrize("path", ESTATES, ids=lambda p: p.name)
def test_pass_every_reference_resolves(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    known = defined_ids(doc)
    missing = [
        r for r in references(doc) if r.lower() not in known and not any(o in r.lower() for o in OUTSIDE)
    ]
    assert not missing


@pytest.mark.parametrize("path", ESTATES, ids=lambda p: p.name)
def test_pass_addresses_are_consistent(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    subnets = subnet_index(doc)
    for v in of_type(doc, "Microsoft.Network/virtualNetworks"):
        space = vnet_prefixes(v)
        for s in v["properties"]["subnets"]:
            for net in subnets[s["id"].lower()]:
                assert any(net.version == p.version and net.subnet_of(p) for p in space), s["id"]  # type: ignore[arg-type]
        own = [p for p in space]
        for i, a in enumerate(own):
            assert not any(a.overlaps(b) for b in own[i + 1 :] if a.version == b.version), v["name"]  # type: ignore[arg-type]
    placements = list(ip_placements(doc))
    assert placements
    for ip, subnet_id in placements:
        addr = ipaddress.ip_address(ip)
        assert any(addr in n for n in subnets[subnet_id.lower()]), (ip, subnet_id)
        assert addr not in (next(iter(n)) for n in subnets[subnet_id.lower()])  # not the network address


@pytest.mark.parametrize("path", ESTATES, ids=lambda p: p.name)
def test_pass_in_sync_peerings_carry_the_remote_space(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    vnets = {v["id"].lower(): v for v in of_type(doc, "Microsoft.Network/virtualNetworks")}
    for _v, p in in_sync_peerings(doc):
        props = p["properties"]
        remote = vnets[props["remoteVirtualNetwork"]["id"].lower()]
        real = remote["properties"]["addressSpace"]["addressPrefixes"]
        if props["peeringSyncLevel"] == "FullyInSync":
            assert props["remoteVirtualNetworkAddressSpace"]["addressPrefixes"] == real, p["id"]
            assert props["remoteAddressSpace"]["addressPrefixes"] == real, p["id"]
        assert props["peeringState"] in ("Connected", "Initiated", "Disconnected")
        assert not (props["useRemoteGateways"] and props["allowGatewayTransit"])


@pytest.mark.parametrize("path", ESTATES, ids=lambda p: p.name)
def test_pass_dns_records_match_endpoints(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    zones = {z["id"].lower(): z for z in of_type(doc, "Microsoft.Network/privateDnsZones")}
    for z in zones.values():
        assert z["location"] == "global" and "W/" not in z["etag"]
    for rtype in ("A", "SOA", "CNAME"):
        for rec in of_type(doc, f"Microsoft.Network/privateDnsZones/{rtype}"):
            zone = zones[rec["id"].lower().rsplit(f"/{rtype.lower()}/", 1)[0]]
            assert rec["name"] == rec["name"].lower()
            fq = f"{zone['name']}." if rec["name"] == "@" else f"{rec['name']}.{zone['name']}."
            assert rec["properties"]["fqdn"] == fq
    for z in zones.values():
        assert f"{z['id']}/SOA/@".lower() in defined_ids(doc)
    nic_ips = {
        n["properties"]["privateEndpoint"]["id"].lower(): n["properties"]["ipConfigurations"][0][
            "properties"
        ]["privateIPAddress"]
        for n in of_type(doc, "Microsoft.Network/networkInterfaces")
        if "privateEndpoint" in n["properties"]
    }
    records = {r["id"].lower(): r for r in of_type(doc, "Microsoft.Network/privateDnsZones/A")}
    for zg in of_type(doc, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"):
        pe_id = zg["id"].lower().rsplit("/privatednszonegroups/", 1)[0]
        for cfg in zg["properties"]["privateDnsZoneConfigs"]:
            for rs in cfg["properties"]["recordSets"]:
                assert rs["ipAddresses"] == [nic_ips[pe_id]]
                rec = records[f"{cfg['properties']['privateDnsZoneId']}/A/{rs['recordSetName']}".lower()]
                assert rec["properties"]["aRecords"] == [{"ipv4Address": nic_ips[pe_id]}]


# ---------------------------------------------------------------------------------------------
# The mendix sample's deliberate facts

VNET = "Microsoft.Network/virtualNetworks"


@pytest.fixture(scope="module")
def mx() -> dict[str, Any]:
    return load("mendix-estate.json")


def test_mendix_subscriptions_regions_and_case_variants(mx: dict[str, Any]) -> None:
    subs = {r["id"].split("/")[2] for r in mx["resources"]}
    assert len(subs) == 3
    assert {v["location"] for v in of_type(mx, VNET)} == {"westeurope", "northeurope"}
    exact = {o["id"] for o in walk(mx["resources"]) if isinstance(o.get("id"), str) and set(o) != {"id"}}
    variants = [r for r in references(mx) if r not in exact and r.lower() in defined_ids(mx)]
    assert len(variants) >= 2, "case-insensitive id matching must be exercised"
    assert any("/resourcegroups/RG-" in v for v in variants)


def test_mendix_provider_lb_and_pls(mx: dict[str, Any]) -> None:
    lb = by_name(mx, "Microsoft.Network/loadBalancers", "kubernetes-internal")
    assert "/resourceGroups/MC_rg-mendix-weu_aks-mendix-weu_westeurope/" in lb["id"]
    assert lb["sku"] == {"name": "Standard", "tier": "Regional"}
    fe = lb["properties"]["frontendIPConfigurations"][0]
    assert fe["properties"]["privateIPAddress"].startswith("10.20.0.")
    assert fe["properties"]["subnet"]["id"].endswith("vnet-mendix-weu/subnets/snet-aks-nodes")
    aks = [
        s
        for s in by_name(mx, VNET, "vnet-mendix-weu")["properties"]["subnets"]
        if s["name"] == "snet-aks-nodes"
    ]
    assert {"id": fe["id"]} in aks[0]["properties"]["ipConfigurations"]
    pls = by_name(mx, "Microsoft.Network/privateLinkServices", "pls-mendix-apps")
    assert pls["properties"]["loadBalancerFrontendIpConfigurations"] == [{"id": fe["id"]}]
    nat = pls["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"]
    nat_subnet = next(s for v in of_type(mx, VNET) for s in v["properties"]["subnets"] if s["id"] == nat)
    assert nat_subnet["properties"]["privateLinkServiceNetworkPolicies"] == "Disabled"


def test_mendix_peerings(mx: dict[str, Any]) -> None:
    s1, h1 = (
        peering(mx, "vnet-corp-spoke1-weu", "vnet-hub-weu"),
        peering(mx, "vnet-hub-weu", "vnet-corp-spoke1-weu"),
    )
    assert s1 and h1
    assert s1["peeringState"] == h1["peeringState"] == "Connected"
    assert s1["peeringSyncLevel"] == h1["peeringSyncLevel"] == "FullyInSync"
    assert s1["useRemoteGateways"] and h1["allowGatewayTransit"] and s1["allowForwardedTraffic"]
    # spoke2 -> mendix exists only on spoke2's side
    s2m = peering(mx, "vnet-corp-spoke2-weu", "vnet-mendix-weu")
    assert s2m and s2m["peeringState"] == "Initiated"
    assert peering(mx, "vnet-mendix-weu", "vnet-corp-spoke2-weu") is None
    assert peering(mx, "vnet-corp-spoke2-weu", "vnet-hub-weu")["peeringState"] == "Connected"  # type: ignore[index]
    # hub <-> mendix Connected both ways
    assert peering(mx, "vnet-hub-weu", "vnet-mendix-weu")["peeringState"] == "Connected"  # type: ignore[index]
    assert peering(mx, "vnet-mendix-weu", "vnet-hub-weu")["peeringState"] == "Connected"  # type: ignore[index]
    # spoke3 (northeurope): global peering, Connected, not in sync after an address-space change
    s3 = by_name(mx, VNET, "vnet-corp-spoke3-neu")
    assert s3["location"] == "northeurope"
    s3h, hs3 = (
        peering(mx, "vnet-corp-spoke3-neu", "vnet-hub-weu"),
        peering(mx, "vnet-hub-weu", "vnet-corp-spoke3-neu"),
    )
    assert s3h and hs3 and s3h["peeringState"] == hs3["peeringState"] == "Connected"
    assert s3h["peeringSyncLevel"] == "RemoteNotInSync" and hs3["peeringSyncLevel"] == "LocalNotInSync"
    real = s3["properties"]["addressSpace"]["addressPrefixes"]
    # As Azure shows an unsynced link (P9): the remote's current space, and the stale peered one.
    assert hs3["remoteVirtualNetworkAddressSpace"]["addressPrefixes"] == real
    assert set(hs3["remoteAddressSpace"]["addressPrefixes"]) < set(real)


def test_mendix_legacy_overlaps_and_uses_private_link(mx: dict[str, Any]) -> None:
    legacy = vnet_prefixes(by_name(mx, VNET, "vnet-legacy-apps-weu"))
    mendix = vnet_prefixes(by_name(mx, VNET, "vnet-mendix-weu"))
    assert any(a.overlaps(b) for a in legacy for b in mendix)  # type: ignore[arg-type]
    assert not by_name(mx, VNET, "vnet-legacy-apps-weu")["properties"]["virtualNetworkPeerings"]
    pe = by_name(mx, "Microsoft.Network/privateEndpoints", "pe-mendix-apps-legacy-weu")
    conn = pe["properties"]["privateLinkServiceConnections"][0]["properties"]
    pls = by_name(mx, "Microsoft.Network/privateLinkServices", "pls-mendix-apps")
    assert conn["privateLinkServiceId"] == pls["id"]
    assert conn["privateLinkServiceConnectionState"]["status"] == "Approved"
    nic_id = pe["properties"]["networkInterfaces"][0]["id"]
    nic = next(n for n in of_type(mx, "Microsoft.Network/networkInterfaces") if n["id"] == nic_id)
    pe_ip = nic["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
    zones = [
        z for z in of_type(mx, "Microsoft.Network/privateDnsZones") if z["name"] == "azure.mendixapps.io"
    ]
    legacy_zone = next(z for z in zones if "/resourceGroups/rg-legacy-apps-weu/" in z["id"])
    star = by_id(mx, f"{legacy_zone['id']}/A/*")
    assert star["properties"]["aRecords"] == [{"ipv4Address": pe_ip}]
    assert linked_vnets(mx, legacy_zone) == ["vnet-legacy-apps-weu"]


def by_id(doc: dict[str, Any], rid: str) -> dict[str, Any]:
    return next(r for r in doc["resources"] if r["id"].lower() == rid.lower())


def linked_vnets(doc: dict[str, Any], zone: dict[str, Any]) -> list[str]:
    links = of_type(doc, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")
    prefix = zone["id"].lower() + "/virtualnetworklinks/"
    return sorted(
        link["properties"]["virtualNetwork"]["id"].rsplit("/", 1)[1]
        for link in links
        if link["id"].lower().startswith(prefix)
    )


def test_mendix_app_zone(mx: dict[str, Any]) -> None:
    zone = next(
        z
        for z in of_type(mx, "Microsoft.Network/privateDnsZones")
        if z["name"] == "azure.mendixapps.io" and "/resourceGroups/rg-privatedns-weu/" in z["id"]
    )
    hub = by_name(mx, VNET, "vnet-hub-weu")
    assert zone["id"].split("/")[2] == hub["id"].split("/")[2]  # the connectivity subscription
    lb = by_name(mx, "Microsoft.Network/loadBalancers", "kubernetes-internal")
    lb_ip = lb["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddress"]
    assert by_id(mx, f"{zone['id']}/A/*")["properties"]["aRecords"] == [{"ipv4Address": lb_ip}]
    explicit = [
        r for r in of_type(mx, "Microsoft.Network/privateDnsZones/A") if r["id"].startswith(zone["id"])
    ]
    assert len(explicit) >= 2
    assert by_id(mx, f"{zone['id']}/SOA/@")["properties"]["soaRecord"]["host"] == "azureprivatedns.net"
    # D1 gap: spoke2 is not linked
    assert linked_vnets(mx, zone) == ["vnet-corp-spoke1-weu", "vnet-corp-spoke3-neu", "vnet-hub-weu"]


def test_mendix_postgres_private_endpoint(mx: dict[str, Any]) -> None:
    pe = by_name(mx, "Microsoft.Network/privateEndpoints", "pe-psql-orders-weu")
    assert pe["properties"]["subnet"]["id"].endswith("vnet-corp-spoke1-weu/subnets/snet-data")
    conn = pe["properties"]["privateLinkServiceConnections"][0]["properties"]
    assert conn["groupIds"] == ["postgresqlServer"]
    assert conn["privateLinkServiceId"].endswith("/Microsoft.DBforPostgreSQL/flexibleServers/psql-orders-weu")
    assert conn["privateLinkServiceId"].lower() not in defined_ids(mx)  # outside the snapshot
    zone = by_name(mx, "Microsoft.Network/privateDnsZones", "privatelink.postgres.database.azure.com")
    assert by_id(mx, f"{zone['id']}/A/psql-orders-weu")
    assert linked_vnets(mx, zone) == ["vnet-corp-spoke1-weu", "vnet-hub-weu", "vnet-mendix-weu"]
    policies = [
        link["properties"]["resolutionPolicy"]
        for link in of_type(mx, "Microsoft.Network/privateDnsZones/virtualNetworkLinks")
        if link["id"].startswith(zone["id"])
    ]
    assert policies.count("NxDomainRedirect") == 1
    assert by_id(mx, f"{pe['id']}/privateDnsZoneGroups/default")


def test_mendix_hub_services_and_declarations(mx: dict[str, Any]) -> None:
    hub = by_name(mx, VNET, "vnet-hub-weu")
    names = {s["name"] for s in hub["properties"]["subnets"]}
    assert {"GatewaySubnet", "AzureFirewallSubnet"} <= names
    gw = of_type(mx, "Microsoft.Network/virtualNetworkGateways")[0]
    assert gw["properties"]["gatewayType"] == "Vpn"
    assert (
        gw["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"]
        == f"{hub['id']}/subnets/GatewaySubnet"
    )
    inbound = of_type(mx, "Microsoft.Network/dnsResolvers/inboundEndpoints")[0]
    inbound_ip = inbound["properties"]["ipConfigurations"][0]["privateIpAddress"]
    assert inbound_ip == "10.100.0.68"
    rules = of_type(mx, "Microsoft.Network/dnsForwardingRulesets/forwardingRules")
    assert rules[0]["properties"]["domainName"] == "corp.contoso.com."
    assert rules[0]["properties"]["targetDnsServers"][0] == {"ipAddress": "172.16.1.10", "port": 53}
    assert len(of_type(mx, "Microsoft.Network/dnsForwardingRulesets/virtualNetworkLinks")) >= 2
    custom = [v for v in of_type(mx, VNET) if v["properties"].get("dhcpOptions", {}).get("dnsServers")]
    assert [v["properties"]["dhcpOptions"]["dnsServers"] for v in custom] == [[inbound_ip]]
    decl = mx["declarations"]
    assert decl["onprem"][0]["prefixes"] == ["172.16.0.0/12"] and decl["onprem"][0]["via"] == hub["id"]
    assert decl["forwarders"][0]["vnet"] == hub["id"] and decl["forwarders"][0]["ip"] == "10.100.0.4"
    assert decl["dns_forwarders"][0]["ip"] == inbound_ip
    vm_nics = [
        n for n in of_type(mx, "Microsoft.Network/networkInterfaces") if "virtualMachine" in n["properties"]
    ]
    assert len(vm_nics) >= 2


# ---------------------------------------------------------------------------------------------
# The clean sample really is clean


def test_clean_estate_has_nothing_wrong() -> None:
    doc = load("clean-estate.json")
    vnets = of_type(doc, VNET)
    nets = [(v["name"], n) for v in vnets for n in vnet_prefixes(v)]
    for i, (a, na) in enumerate(nets):
        for b, nb in nets[i + 1 :]:
            assert a == b or not na.overlaps(nb), (a, b)  # type: ignore[arg-type]
    pairs = set()
    for v, p in in_sync_peerings(doc):
        assert p["properties"]["peeringState"] == "Connected"
        assert p["properties"]["peeringSyncLevel"] == "FullyInSync"
        pairs.add((v["id"].lower(), p["properties"]["remoteVirtualNetwork"]["id"].lower()))
    assert pairs and all((b, a) in pairs for a, b in pairs)
    lbs = of_type(doc, "Microsoft.Network/loadBalancers")
    assert lbs and all(lb["sku"]["name"] == "Standard" for lb in lbs)
    pes = of_type(doc, "Microsoft.Network/privateEndpoints")
    assert len(pes) == 1
    conn = pes[0]["properties"]["privateLinkServiceConnections"][0]["properties"]
    assert conn["privateLinkServiceConnectionState"]["status"] == "Approved"
    assert of_type(doc, "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    zone = of_type(doc, "Microsoft.Network/privateDnsZones")[0]
    assert linked_vnets(doc, zone) == sorted(v["name"] for v in vnets)
