"""The ARM emulator (tests/emulator) driven by the real azure-mgmt-network / azure-mgmt-privatedns
clients over HTTPS on 127.0.0.1: paging, LROs, peering rules P1/P3/P4, private DNS rules D7, ARM
errors, injected faults (429 with Retry-After, 500, connection reset, LRO failure, 403), the
read-only write counter, persistence, control endpoints and the ``python -m tests.emulator`` CLI.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceModifiedError, ResourceNotFoundError

from tests.emulator import Emulator, FaultConfig, ForbiddenRule
from tests.emulator.clients import network_client as make_network_client
from tests.emulator.sample import SUB, ZONE, rg_scope, sample_snapshot, vnet_id
from tests.fixtures import AZURE_REST_EXAMPLES

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = AZURE_REST_EXAMPLES
HUB = vnet_id("hub", "rg-hub")
SPOKE1 = vnet_id("spoke1")
SPOKE2 = vnet_id("spoke2")
OVERLAP = vnet_id("overlap")


def peering_body(remote: str, **props: Any) -> dict[str, Any]:
    """A peering PUT body in REST shape (the SDK sends dicts as-is)."""
    return {
        "properties": {"remoteVirtualNetwork": {"id": remote}, "allowVirtualNetworkAccess": True, **props}
    }


def peer(nc: Any, rg: str, vnet: str, name: str, remote: str, **kw: Any) -> Any:
    """Create/update a peering through the LRO and return the result."""
    return nc.virtual_network_peerings.begin_create_or_update(
        rg, vnet, name, peering_body(remote), **kw
    ).result()


def raw(
    emu: Emulator, method: str, path: str, body: Any = None, token: str | None = "fake-token"
) -> tuple[int, Any]:
    """A plain HTTPS request to the emulator (urllib, trusting its CA)."""
    ctx = ssl.create_default_context(cafile=emu.ca_path)
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(emu.url + path, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
            text = resp.read()
            return resp.status, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        text = e.read()
        return e.code, json.loads(text) if text else None


# ----------------------------------------------------------------------------------------------
# reads
# ----------------------------------------------------------------------------------------------
def test_list_follows_next_link_across_pages(arm_emulator: Emulator, network_client: Any) -> None:
    names = sorted(v.name for v in network_client.virtual_networks.list_all())
    assert names == ["hub", "overlap", "spoke1", "spoke2"]
    # page size 2: two pages for the subscription list
    assert arm_emulator.stats.by_kind["GET Microsoft.Network/virtualNetworks[]"] == 2
    assert sorted(v.name for v in network_client.virtual_networks.list("rg-spoke")) == [
        "overlap",
        "spoke1",
        "spoke2",
    ]
    status, body = raw(
        arm_emulator, "GET", f"/subscriptions/{SUB}/providers/Microsoft.Network/virtualNetworks?api-version=x"
    )
    assert status == 200 and len(body["value"]) == 2
    assert body["nextLink"].startswith(arm_emulator.url) and "api-version=x" in body["nextLink"]


def test_get_returns_arm_shapes(network_client: Any, dns_client: Any) -> None:
    hub = network_client.virtual_networks.get("rg-hub", "hub")
    assert hub.address_space.address_prefixes == ["10.0.0.0/16"]
    assert [s.name for s in network_client.subnets.list("rg-hub", "hub")] == ["default", "lb"]
    fe = network_client.load_balancer_frontend_ip_configurations.get("rg-hub", "ilb", "fe")
    assert fe.private_ip_address == "10.0.1.4"
    assert fe.type == "Microsoft.Network/loadBalancers/frontendIPConfigurations"
    zone = dns_client.private_zones.get("rg-dns", ZONE)
    assert zone.location == "global" and zone.number_of_record_sets == 2
    assert zone.number_of_virtual_network_links == 1
    rs = dns_client.record_sets.get("rg-dns", ZONE, "A", "*")
    assert rs.fqdn == f"*.{ZONE}." and rs.a_records[0].ipv4_address == "10.0.1.4"
    with pytest.raises(ResourceNotFoundError) as ei:
        network_client.virtual_networks.get("rg-hub", "missing")
    assert ei.value.error.code == "ResourceNotFound"


def test_read_only_calls_send_no_writes(arm_emulator: Emulator, network_client: Any, dns_client: Any) -> None:
    nc, dc = network_client, dns_client
    list(nc.virtual_networks.list_all())
    for rg, v in (("rg-hub", "hub"), ("rg-spoke", "spoke1")):
        nc.virtual_networks.get(rg, v)
        list(nc.subnets.list(rg, v))
        list(nc.virtual_network_peerings.list(rg, v))
    list(nc.load_balancers.list_all())
    list(nc.load_balancer_frontend_ip_configurations.list("rg-hub", "ilb"))
    list(nc.private_link_services.list_by_subscription())
    list(nc.private_endpoints.list_by_subscription())
    list(nc.network_interfaces.list_all())
    list(nc.virtual_network_gateways.list("rg-hub"))
    for z in dc.private_zones.list():
        rg = z.id.split("/")[4]
        list(dc.record_sets.list(rg, z.name))
        list(dc.record_sets.list_by_type(rg, z.name, "A"))
        list(dc.virtual_network_links.list(rg, z.name))
    stats = arm_emulator.stats.to_dict()
    assert stats["requests"] > 15
    assert stats["writes"] == 0 and stats["writes_applied"] == 0
    assert set(stats["by_method"]) == {"GET"}


# ----------------------------------------------------------------------------------------------
# peering rules
# ----------------------------------------------------------------------------------------------
def test_peering_states_p1(arm_emulator: Emulator, network_client: Any) -> None:
    nc = network_client
    first = peer(nc, "rg-hub", "hub", "hub-to-spoke1", SPOKE1)
    assert first.peering_state == "Initiated" and first.provisioning_state == "Succeeded"
    assert first.remote_address_space.address_prefixes == ["10.1.0.0/16"]
    assert first.etag.startswith('W/"')
    back = peer(nc, "rg-spoke", "spoke1", "spoke1-to-hub", HUB)
    assert back.peering_state == "Connected"
    assert nc.virtual_network_peerings.get("rg-hub", "hub", "hub-to-spoke1").peering_state == "Connected"
    assert arm_emulator.stats.lro_polls >= 4  # both PUTs went through Azure-AsyncOperation polling

    nc.virtual_network_peerings.begin_delete("rg-spoke", "spoke1", "spoke1-to-hub").result()
    assert nc.virtual_network_peerings.get("rg-hub", "hub", "hub-to-spoke1").peering_state == "Disconnected"
    # a Disconnected link stays Disconnected on PUT while the remote side is missing
    assert peer(nc, "rg-hub", "hub", "hub-to-spoke1", SPOKE1).peering_state == "Disconnected"
    # the remote side cannot be re-created while this side is Disconnected
    with pytest.raises(HttpResponseError) as ei:
        peer(nc, "rg-spoke", "spoke1", "spoke1-to-hub", HUB)
    assert ei.value.status_code == 400 and ei.value.error.code == "RemotePeeringIsDisconnected"
    # delete and recreate both sides: Connected again
    nc.virtual_network_peerings.begin_delete("rg-hub", "hub", "hub-to-spoke1").result()
    assert peer(nc, "rg-hub", "hub", "hub-to-spoke1", SPOKE1).peering_state == "Initiated"
    assert peer(nc, "rg-spoke", "spoke1", "spoke1-to-hub", HUB).peering_state == "Connected"
    # the VNet GET shows the peerings inline
    hub = nc.virtual_networks.get("rg-hub", "hub")
    assert [p.name for p in hub.virtual_network_peerings] == ["hub-to-spoke1"]


def test_peering_overlap_errors_p3(network_client: Any) -> None:
    nc = network_client
    with pytest.raises(HttpResponseError) as ei:
        peer(nc, "rg-hub", "hub", "hub-to-overlap", OVERLAP)
    assert ei.value.status_code == 400
    assert ei.value.error.code == "VnetAddressSpacesOverlap"
    assert ei.value.error.message == (
        f"Cannot create or update peering {HUB}/virtualNetworkPeerings/hub-to-overlap. Virtual networks {HUB} and "
        f"{OVERLAP} cannot be peered because their address spaces overlap. Overlapping address prefixes: "
        "10.0.0.0/16, 10.0.128.0/20"
    )
    peer(nc, "rg-spoke", "spoke1", "spoke1-to-hub", HUB)
    with pytest.raises(HttpResponseError) as ei:
        peer(nc, "rg-spoke", "overlap", "overlap-to-spoke1", SPOKE1)
    assert ei.value.error.code == "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet"
    assert (
        f"overlaps with address space of virtual network {HUB} already peered with the second"
        in ei.value.error.message
    )
    with pytest.raises(HttpResponseError) as ei:
        peer(nc, "rg-spoke", "spoke1", "second-to-hub", HUB)
    assert ei.value.error.code == "AnotherPeeringAlreadyReferencesRemoteVnet"
    # nothing was written by the rejected PUTs
    assert [p.name for p in nc.virtual_network_peerings.list("rg-spoke", "spoke1")] == ["spoke1-to-hub"]
    assert list(nc.virtual_network_peerings.list("rg-spoke", "overlap")) == []


def test_address_space_change_and_sync_p4(network_client: Any) -> None:
    nc = network_client
    peer(nc, "rg-hub", "hub", "hub-to-spoke1", SPOKE1)
    peer(nc, "rg-spoke", "spoke1", "spoke1-to-hub", HUB)
    spoke1 = nc.virtual_networks.get("rg-spoke", "spoke1").as_dict()
    spoke1["properties"]["addressSpace"]["addressPrefixes"].append("10.11.0.0/16")
    nc.virtual_networks.begin_create_or_update("rg-spoke", "spoke1", spoke1).result()
    local = nc.virtual_network_peerings.get("rg-spoke", "spoke1", "spoke1-to-hub")
    remote = nc.virtual_network_peerings.get("rg-hub", "hub", "hub-to-spoke1")
    assert local.peering_sync_level == "LocalNotInSync"
    assert remote.peering_sync_level == "RemoteNotInSync"
    assert remote.remote_address_space.address_prefixes == ["10.1.0.0/16"]
    assert remote.remote_virtual_network_address_space.address_prefixes == ["10.1.0.0/16", "10.11.0.0/16"]
    synced = nc.virtual_network_peerings.begin_create_or_update(
        "rg-hub", "hub", "hub-to-spoke1", remote.as_dict(), sync_remote_address_space="true"
    ).result()
    assert synced.peering_sync_level == "FullyInSync"
    assert synced.remote_address_space.address_prefixes == ["10.1.0.0/16", "10.11.0.0/16"]
    assert (
        nc.virtual_network_peerings.get("rg-spoke", "spoke1", "spoke1-to-hub").peering_sync_level
        == "FullyInSync"
    )


def test_vnet_delete_disconnects_remote_links(arm_emulator: Emulator, network_client: Any) -> None:
    nc = network_client
    peer(nc, "rg-spoke", "spoke2", "to-spoke1", SPOKE1)
    peer(nc, "rg-spoke", "spoke1", "to-spoke2", SPOKE2)
    created = nc.virtual_networks.begin_create_or_update(
        "rg-spoke",
        "spoke3",
        {
            "location": "westeurope",
            "tags": {"env": "test"},
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.3.0.0/16"]},
                "subnets": [{"name": "default", "properties": {"addressPrefix": "10.3.0.0/24"}}],
            },
        },
    ).result()
    assert created.tags == {"env": "test"} and created.subnets[0].id.endswith("/spoke3/subnets/default")
    assert created.etag.startswith('W/"') and created.provisioning_state == "Succeeded"
    nc.virtual_networks.begin_delete("rg-spoke", "spoke2").result()
    assert nc.virtual_network_peerings.get("rg-spoke", "spoke1", "to-spoke2").peering_state == "Disconnected"
    assert sorted(v.name for v in nc.virtual_networks.list("rg-spoke")) == ["overlap", "spoke1", "spoke3"]
    # DELETE of a missing resource is 204, and went through 202 + Location before
    nc.virtual_networks.begin_delete("rg-spoke", "spoke2").result()
    assert arm_emulator.stats.by_status["202"] >= 1 and arm_emulator.stats.by_status["204"] >= 1


def test_delete_through_location_polling(arm_emulator: Emulator, network_client: Any) -> None:
    arm_emulator.set_faults(delete_async_operation=False, lro_polls=2)
    peer(network_client, "rg-hub", "hub", "p", SPOKE2)
    polls = arm_emulator.stats.lro_polls
    network_client.virtual_network_peerings.begin_delete("rg-hub", "hub", "p").result()
    assert arm_emulator.stats.lro_polls == polls + 3  # two 202s on the Location URL, then 204
    assert list(network_client.virtual_network_peerings.list("rg-hub", "hub")) == []


def test_latency_is_injected_per_method(arm_emulator: Emulator, network_client: Any) -> None:
    arm_emulator.set_faults(latency_ms=60, methods=["GET"], path_contains="/loadBalancers")
    network_client.virtual_networks.get("rg-hub", "hub")
    assert arm_emulator.stats.faults.get("latency", 0) == 0  # not a targeted path
    t0 = time.monotonic()
    network_client.load_balancers.get("rg-hub", "ilb")
    # A lower bound only: the injected sleep guarantees it, however busy the machine is.
    assert time.monotonic() - t0 >= 0.06
    assert arm_emulator.stats.faults["latency"] == 1


def test_generic_resources_are_served(arm_emulator: Emulator, arm_snapshot: dict[str, Any]) -> None:
    resolver = f"{rg_scope('rg-hub')}/providers/Microsoft.Network/dnsResolvers/resolver"
    arm_snapshot["resources"] += [
        {
            "id": resolver,
            "name": "resolver",
            "type": "Microsoft.Network/dnsResolvers",
            "location": "westeurope",
            "properties": {"virtualNetwork": {"id": HUB}, "provisioningState": "Succeeded"},
        },
        {
            "id": f"{resolver}/inboundEndpoints/in",
            "name": "in",
            "type": "Microsoft.Network/dnsResolvers/inboundEndpoints",
            "location": "westeurope",
            "properties": {"ipConfigurations": [{"privateIpAddress": "10.0.0.4"}]},
        },
    ]
    arm_emulator.load(arm_snapshot)
    status, body = raw(
        arm_emulator,
        "GET",
        f"/subscriptions/{SUB}/providers/Microsoft.Network/dnsResolvers?api-version=2022-07-01",
    )
    assert status == 200 and [r["name"] for r in body["value"]] == ["resolver"]
    status, body = raw(arm_emulator, "GET", f"{resolver}/inboundEndpoints?api-version=2022-07-01")
    assert (
        status == 200
        and body["value"][0]["properties"]["ipConfigurations"][0]["privateIpAddress"] == "10.0.0.4"
    )
    status, body = raw(arm_emulator, "GET", f"{resolver}/inboundEndpoints/nope?api-version=2022-07-01")
    assert status == 404 and body["error"]["code"] == "NotFound"


def test_patch_updates_tags_and_records(dns_client: Any) -> None:
    zone = dns_client.private_zones.begin_update("rg-dns", ZONE, {"tags": {"owner": "net"}}).result()
    assert zone.tags == {"owner": "net"}
    rs = dns_client.record_sets.update("rg-dns", ZONE, "A", "*", {"properties": {"metadata": {"k": "v"}}})
    assert rs.metadata == {"k": "v"} and rs.a_records[0].ipv4_address == "10.0.1.4"


def test_subnet_errors(network_client: Any) -> None:
    nc = network_client
    with pytest.raises(HttpResponseError) as ei:
        nc.subnets.begin_create_or_update(
            "rg-spoke", "spoke2", "bad", {"properties": {"addressPrefix": "10.9.0.0/24"}}
        )
    assert ei.value.status_code == 400 and ei.value.error.code == "NetcfgInvalidSubnet"
    with pytest.raises(HttpResponseError) as ei:
        nc.subnets.begin_create_or_update(
            "rg-spoke", "nope", "s", {"properties": {"addressPrefix": "10.9.0.0/24"}}
        )
    assert ei.value.status_code == 404 and ei.value.error.code == "ParentResourceNotFound"
    ok = nc.subnets.begin_create_or_update(
        "rg-spoke", "spoke2", "apps", {"properties": {"addressPrefix": "10.2.1.0/24"}}
    )
    assert ok.result().provisioning_state == "Succeeded"
    with pytest.raises(HttpResponseError) as ei:
        nc.subnets.begin_delete("rg-hub", "hub", "lb").result()
    assert ei.value.error.code == "InUseSubnetCannotBeDeleted"


def test_malformed_body_is_invalid_request_content(arm_emulator: Emulator) -> None:
    path = (
        f"{rg_scope('rg-spoke')}/providers/Microsoft.Network/virtualNetworks/spoke2/subnets/x?api-version=1"
    )
    ctx = ssl.create_default_context(cafile=arm_emulator.ca_path)
    req = urllib.request.Request(arm_emulator.url + path, data=b"{not json", method="PUT")
    req.add_header("Authorization", "Bearer t")
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(req, context=ctx, timeout=10)
    assert ei.value.code == 400
    assert json.loads(ei.value.read())["error"]["code"] == "InvalidRequestContent"
    assert arm_emulator.stats.writes_applied == 0


def test_another_operation_in_progress(arm_emulator: Emulator, network_client: Any) -> None:
    arm_emulator.set_faults(lro_polls=50)
    body = {"properties": {"addressPrefix": "10.2.1.0/24"}}
    network_client.subnets.begin_create_or_update("rg-spoke", "spoke2", "apps", body, polling=False)
    with pytest.raises(HttpResponseError) as ei:
        network_client.subnets.begin_create_or_update("rg-spoke", "spoke2", "apps", body, polling=False)
    assert ei.value.status_code == 409 and ei.value.error.code == "AnotherOperationInProgress"
    assert network_client.subnets.get("rg-spoke", "spoke2", "apps").provisioning_state == "Updating"


def test_load_balancer_private_link_and_private_endpoint(network_client: Any, dns_client: Any) -> None:
    nc = network_client
    lb = nc.load_balancers.get("rg-hub", "ilb").as_dict()
    lb["properties"]["frontendIPConfigurations"].append(
        {
            "name": "fe2",
            "properties": {"subnet": {"id": f"{HUB}/subnets/lb"}, "privateIPAllocationMethod": "Dynamic"},
        }
    )
    lb = nc.load_balancers.begin_create_or_update("rg-hub", "ilb", lb).result()
    assert [f.private_ip_address for f in lb.frontend_ip_configurations] == ["10.0.1.4", "10.0.1.5"]
    fe_id = lb.frontend_ip_configurations[0].id
    pls = nc.private_link_services.begin_create_or_update(
        "rg-hub",
        "pls",
        {
            "location": "westeurope",
            "properties": {
                "loadBalancerFrontendIpConfigurations": [{"id": fe_id}],
                "ipConfigurations": [{"name": "cfg", "properties": {"subnet": {"id": f"{HUB}/subnets/lb"}}}],
            },
        },
    ).result()
    assert pls.alias.startswith("pls.") and pls.alias.endswith(".westeurope.azure.privatelinkservice")
    assert pls.ip_configurations[0].private_ip_address == "10.0.1.6"
    pe = nc.private_endpoints.begin_create_or_update(
        "rg-spoke",
        "pe-apps",
        {
            "location": "westeurope",
            "properties": {
                "subnet": {"id": f"{SPOKE1}/subnets/default"},
                "privateLinkServiceConnections": [
                    {"name": "c", "properties": {"privateLinkServiceId": pls.id}}
                ],
            },
        },
    ).result()
    conn = pe.private_link_service_connections[0]
    assert conn.private_link_service_connection_state.status == "Approved"
    nic_id = pe.network_interfaces[0].id
    nic = nc.network_interfaces.get("rg-spoke", nic_id.split("/")[-1])
    assert nic.ip_configurations[0].private_ip_address == "10.1.0.4"
    pls = nc.private_link_services.get("rg-hub", "pls")
    assert pls.private_endpoint_connections[0].private_endpoint.id == pe.id
    manual = nc.private_endpoints.begin_create_or_update(
        "rg-spoke",
        "pe-manual",
        {
            "location": "westeurope",
            "properties": {
                "subnet": {"id": f"{SPOKE1}/subnets/default"},
                "manualPrivateLinkServiceConnections": [
                    {"name": "m", "properties": {"privateLinkServiceId": pls.id}}
                ],
            },
        },
    ).result()
    assert (
        manual.manual_private_link_service_connections[0].private_link_service_connection_state.status
        == "Pending"
    )
    # a DNS zone group on the endpoint writes the A record into the zone
    zone_id = f"{rg_scope('rg-dns')}/providers/Microsoft.Network/privateDnsZones/{ZONE}"
    zg = nc.private_dns_zone_groups.begin_create_or_update(
        "rg-spoke",
        "pe-apps",
        "default",
        {
            "properties": {
                "privateDnsZoneConfigs": [{"name": "apps", "properties": {"privateDnsZoneId": zone_id}}]
            }
        },
    ).result()
    assert zg.private_dns_zone_configs[0].record_sets[0].ip_addresses == ["10.1.0.4"]
    assert dns_client.record_sets.get("rg-dns", ZONE, "A", "pe-apps").a_records[0].ipv4_address == "10.1.0.4"
    nc.private_endpoints.begin_delete("rg-spoke", "pe-apps").result()
    with pytest.raises(ResourceNotFoundError):
        nc.network_interfaces.get("rg-spoke", nic_id.split("/")[-1])


# ----------------------------------------------------------------------------------------------
# private DNS
# ----------------------------------------------------------------------------------------------
def test_private_dns_zone_record_and_link_lros(arm_emulator: Emulator, dns_client: Any) -> None:
    dc = dns_client
    zone = dc.private_zones.begin_create_or_update(
        "rg-dns", "contoso.internal", {"location": "Global"}
    ).result()
    assert zone.location == "global" and zone.provisioning_state == "Succeeded"
    assert "-" in zone.etag and not zone.etag.startswith("W/")
    assert arm_emulator.stats.by_status.get("202", 0) >= 1
    rs = dc.record_sets.create_or_update(
        "rg-dns",
        "contoso.internal",
        "A",
        "MyApp",
        {"properties": {"ttl": 60, "aRecords": [{"ipv4Address": "10.1.0.9"}]}},
    )
    assert rs.name == "myapp" and rs.fqdn == "myapp.contoso.internal."
    assert rs.type == "Microsoft.Network/privateDnsZones/A"
    for i in range(3):
        dc.record_sets.create_or_update(
            "rg-dns",
            "contoso.internal",
            "CNAME",
            f"c{i}",
            {"properties": {"ttl": 60, "cnameRecord": {"cname": "myapp.contoso.internal"}}},
        )
    names = sorted(r.name for r in dc.record_sets.list("rg-dns", "contoso.internal"))
    assert names == ["@", "c0", "c1", "c2", "myapp"]  # five record sets over three pages
    assert [r.name for r in dc.record_sets.list_by_type("rg-dns", "contoso.internal", "CNAME")] == [
        "c0",
        "c1",
        "c2",
    ]
    link = dc.virtual_network_links.begin_create_or_update(
        "rg-dns",
        "contoso.internal",
        "spoke1",
        {
            "location": "Global",
            "tags": {"k": "v"},
            "properties": {"virtualNetwork": {"id": SPOKE1}, "registrationEnabled": False},
        },
    ).result()
    assert (
        link.virtual_network_link_state == "Completed"
        and link.location == "global"
        and link.tags == {"k": "v"}
    )
    patched = dc.virtual_network_links.begin_update(
        "rg-dns", "contoso.internal", "spoke1", {"properties": {"registrationEnabled": True}}
    ).result()
    assert patched.registration_enabled is True
    assert (
        dc.private_zones.get("rg-dns", "contoso.internal").number_of_virtual_network_links_with_registration
        == 1
    )
    dc.virtual_network_links.begin_delete("rg-dns", "contoso.internal", "spoke1").result()
    dc.record_sets.delete("rg-dns", "contoso.internal", "A", "myapp")
    dc.private_zones.begin_delete("rg-dns", "contoso.internal").result()
    with pytest.raises(ResourceNotFoundError):
        dc.private_zones.get("rg-dns", "contoso.internal")
    with pytest.raises(ResourceNotFoundError) as ei:
        dc.record_sets.create_or_update("rg-dns", "contoso.internal", "A", "x", {"properties": {"ttl": 1}})
    assert ei.value.error.code == "ParentResourceNotFound"


def test_private_dns_link_rules_d7(dns_client: Any) -> None:
    dc = dns_client
    link = {"location": "Global", "properties": {"virtualNetwork": {"id": HUB}, "registrationEnabled": False}}
    with pytest.raises(HttpResponseError) as ei:
        dc.virtual_network_links.begin_create_or_update("rg-dns", ZONE, "hub-again", link).result()
    assert ei.value.status_code == 409 and ei.value.error.code == "Conflict"
    # same zone name in another resource group cannot also be linked to hub
    dc.private_zones.begin_create_or_update("rg-other", ZONE, {"location": "Global"}).result()
    with pytest.raises(HttpResponseError) as ei:
        dc.virtual_network_links.begin_create_or_update("rg-other", ZONE, "hub", link).result()
    assert ei.value.status_code == 400 and ei.value.error.code == "BadRequest"
    assert "cannot be linked to multiple zones with overlapping namespaces" in ei.value.error.message
    # one registration-enabled zone per VNet
    reg = {
        "location": "Global",
        "properties": {"virtualNetwork": {"id": SPOKE2}, "registrationEnabled": True},
    }
    for zone in ("a.internal", "b.internal"):
        dc.private_zones.begin_create_or_update("rg-dns", zone, {"location": "Global"}).result()
    dc.virtual_network_links.begin_create_or_update("rg-dns", "a.internal", "spoke2", reg).result()
    with pytest.raises(HttpResponseError) as ei:
        dc.virtual_network_links.begin_create_or_update("rg-dns", "b.internal", "spoke2", reg).result()
    assert ei.value.error.code == "Conflict"
    assert "only be linked to 1 Private DNS zone(s) with auto-registration enabled" in ei.value.error.message


def test_if_match_mismatch_is_412(dns_client: Any) -> None:
    with pytest.raises(ResourceModifiedError) as ei:
        dns_client.record_sets.create_or_update(
            "rg-dns",
            ZONE,
            "A",
            "*",
            {"properties": {"ttl": 5, "aRecords": []}},
            etag="not-the-etag",
            match_condition=MatchConditions.IfNotModified,
        )
    assert ei.value.status_code == 412 and ei.value.error.code == "PreconditionFailed"
    current = dns_client.record_sets.get("rg-dns", ZONE, "A", "*")
    updated = dns_client.record_sets.create_or_update(
        "rg-dns",
        ZONE,
        "A",
        "*",
        {"properties": {"ttl": 5, "aRecords": [{"ipv4Address": "10.0.1.4"}]}},
        etag=current.etag,
        match_condition=MatchConditions.IfNotModified,
    )
    assert updated.ttl == 5 and updated.etag != current.etag


# ----------------------------------------------------------------------------------------------
# faults
# ----------------------------------------------------------------------------------------------
def test_429_with_retry_after_is_retried(arm_emulator: Emulator, network_client: Any) -> None:
    arm_emulator.set_faults(throttle_next=1, retry_after=1)
    t0 = time.monotonic()
    assert network_client.virtual_networks.get("rg-hub", "hub").name == "hub"
    assert time.monotonic() - t0 >= 0.9  # the SDK waited for Retry-After
    stats = arm_emulator.stats.to_dict()
    assert stats["faults"] == {"throttle": 1}
    assert stats["by_status"]["429"] == 1 and stats["by_method"]["GET"] == 2


def test_500_and_reset_never_corrupt_state(arm_emulator: Emulator, arm_snapshot: dict[str, Any]) -> None:
    no_retry = make_network_client(arm_emulator, SUB, retry_total=0)
    arm_emulator.set_faults(error_next=1)
    body = {"properties": {"addressPrefix": "10.2.1.0/24"}}
    with pytest.raises(HttpResponseError) as ei:
        no_retry.subnets.begin_create_or_update("rg-spoke", "spoke2", "apps", body)
    assert ei.value.status_code == 500 and ei.value.error.code == "InternalServerError"
    by_id = {r["id"]: r for r in arm_emulator.resources()["resources"]}
    assert by_id == {r["id"]: r for r in arm_snapshot["resources"]}  # nothing changed
    assert arm_emulator.stats.writes == 1 and arm_emulator.stats.writes_applied == 0
    # a reset connection on a GET is retried by the SDK's default policy
    retrying = make_network_client(arm_emulator, SUB)
    arm_emulator.set_faults(reset_next=1)
    assert retrying.virtual_networks.get("rg-spoke", "spoke2").name == "spoke2"
    assert arm_emulator.stats.faults == {"error": 1, "reset": 1}


def test_lro_failure_leaves_resource_failed(arm_emulator: Emulator, network_client: Any) -> None:
    arm_emulator.set_faults(lro_fail_next=1)
    poller = network_client.subnets.begin_create_or_update(
        "rg-spoke", "spoke2", "apps", {"properties": {"addressPrefix": "10.2.1.0/24"}}
    )
    with pytest.raises(HttpResponseError) as ei:
        poller.result()
    assert "InternalServerError" in str(ei.value)
    assert network_client.subnets.get("rg-spoke", "spoke2", "apps").provisioning_state == "Failed"


def test_injected_403_authorization_failed(arm_emulator: Emulator, network_client: Any) -> None:
    action = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write"
    arm_emulator.set_faults(forbidden=[{"scope": SPOKE1, "action": action}])
    with pytest.raises(HttpResponseError) as ei:
        peer(network_client, "rg-spoke", "spoke1", "to-hub", HUB)
    err = ei.value.error
    assert ei.value.status_code == 403 and err.code == "AuthorizationFailed"
    assert (
        f"does not have authorization to perform action '{action}' over scope '{SPOKE1}/virtualNetworkPeerings/to-hub'"
        in err.message
    )
    assert err.message.endswith("If access was recently granted, please refresh your credentials.")
    assert network_client.virtual_networks.get("rg-spoke", "spoke1").name == "spoke1"  # reads still allowed
    # P7: peer/action is checked on the remote VNet
    arm_emulator.set_faults(
        FaultConfig(forbidden=[ForbiddenRule(HUB, "Microsoft.Network/virtualNetworks/peer/action")])
    )
    with pytest.raises(HttpResponseError) as ei:
        peer(network_client, "rg-spoke", "spoke2", "to-hub", HUB)
    assert (
        "'Microsoft.Network/virtualNetworks/peer/action' over scope '" + HUB + "'" in ei.value.error.message
    )
    # a whole subscription can be denied
    arm_emulator.set_faults(FaultConfig(forbidden=[ForbiddenRule(f"/subscriptions/{SUB}")]))
    with pytest.raises(HttpResponseError) as ei:
        list(network_client.virtual_networks.list_all())
    assert ei.value.status_code == 403
    assert (
        "'Microsoft.Network/virtualNetworks/read' over scope '/subscriptions/" + SUB + "'"
        in ei.value.error.message
    )


def test_missing_bearer_is_401_and_token_never_echoed(arm_emulator: Emulator) -> None:
    status, body = raw(arm_emulator, "GET", "/subscriptions?api-version=2022-12-01", token=None)
    assert status == 401 and body["error"]["code"] == "AuthenticationFailed"
    status, body = raw(arm_emulator, "GET", "/subscriptions?api-version=2022-12-01", token="s3cret-token")
    assert status == 200 and "s3cret-token" not in json.dumps(body)
    assert body["value"] == [
        {
            "id": f"/subscriptions/{SUB}",
            "subscriptionId": SUB,
            "displayName": body["value"][0]["displayName"],
            "state": "Enabled",
            "tenantId": body["value"][0]["tenantId"],
            "authorizationSource": "RoleBased",
            "subscriptionPolicies": body["value"][0]["subscriptionPolicies"],
        }
    ]


def test_control_endpoints(arm_emulator: Emulator) -> None:
    status, cfg = raw(
        arm_emulator, "POST", "/_emulator/faults", {"latency_ms": 5, "page_size": 1}, token=None
    )
    assert status == 200 and cfg["page_size"] == 1 and cfg["latency_ms"] == 5
    status, page = raw(
        arm_emulator, "GET", f"/subscriptions/{SUB}/providers/Microsoft.Network/virtualNetworks?api-version=1"
    )
    assert len(page["value"]) == 1 and "nextLink" in page
    status, stats = raw(arm_emulator, "GET", "/_emulator/stats", token=None)
    assert stats["requests"] == 1 and stats["writes"] == 0
    status, _ = raw(arm_emulator, "POST", "/_emulator/faults", {"no_such_knob": 1}, token=None)
    assert status == 400
    status, snap = raw(arm_emulator, "GET", "/_emulator/resources", token=None)
    assert len(snap["resources"]) == len(sample_snapshot()["resources"])
    raw(arm_emulator, "POST", "/_emulator/reset", {"state": True}, token=None)
    assert raw(arm_emulator, "GET", "/_emulator/stats", token=None)[1]["requests"] == 0
    assert arm_emulator.faults.config.page_size == 2


def test_state_dir_persists_writes(tmp_path: Path, arm_snapshot: dict[str, Any]) -> None:
    with Emulator(arm_snapshot, state_dir=tmp_path, faults={"lro_polls": 0}) as emu:
        nc = make_network_client(emu, SUB)
        nc.subnets.begin_create_or_update(
            "rg-spoke", "spoke2", "apps", {"properties": {"addressPrefix": "10.2.1.0/24"}}
        ).result()
        ca_path, ca_pem = emu.ca_path, Path(emu.ca_path).read_bytes()
    assert (tmp_path / "state.json").exists()
    # The CA lives in the state dir and survives a restart: a --ca-bundle given once stays valid.
    assert ca_path == str(tmp_path / "ca.pem")
    with Emulator(None, state_dir=tmp_path) as emu:
        assert emu.ca_path == ca_path and Path(ca_path).read_bytes() == ca_pem
        nc = make_network_client(emu, SUB)
        assert nc.subnets.get("rg-spoke", "spoke2", "apps").address_prefix == "10.2.1.0/24"
        snap = emu.resources()
        spoke2 = next(r for r in snap["resources"] if r["id"] == SPOKE2)
        assert [s["name"] for s in spoke2["properties"]["subnets"]] == ["default", "apps"]


# ----------------------------------------------------------------------------------------------
# fidelity with the official examples and the CLI
# ----------------------------------------------------------------------------------------------
def _example(rel: str, status: str = "200") -> dict[str, Any]:
    return json.loads((EXAMPLES / rel).read_text())["responses"][status]["body"]


def test_output_keys_match_official_examples(
    network_client: Any, dns_client: Any, arm_emulator: Emulator
) -> None:
    peer(network_client, "rg-hub", "hub", "p", SPOKE1)
    ours = {
        "vnet-peering/VirtualNetworkPeeringGet.json": raw(
            arm_emulator, "GET", f"{HUB}/virtualNetworkPeerings/p?api-version=1"
        )[1],
        "private-dns/PrivateZoneGet.json": raw(
            arm_emulator,
            "GET",
            f"{rg_scope('rg-dns')}/providers/Microsoft.Network/privateDnsZones/{ZONE}?api-version=1",
        )[1],
        "private-dns/VirtualNetworkLinkGet.json": raw(
            arm_emulator,
            "GET",
            f"{rg_scope('rg-dns')}/providers/Microsoft.Network/privateDnsZones/{ZONE}/virtualNetworkLinks/hub-link?api-version=1",
        )[1],
        "private-dns/RecordSetAGet.json": raw(
            arm_emulator,
            "GET",
            f"{rg_scope('rg-dns')}/providers/Microsoft.Network/privateDnsZones/{ZONE}/A/*?api-version=1",
        )[1],
    }
    optional = {"remoteBgpCommunities", "tags", "metadata"}
    for rel, body in ours.items():
        ex = _example(rel)
        assert set(ex) - optional <= set(body), rel
        assert set(ex.get("properties", {})) - optional <= set(body["properties"]), rel


def test_cli_prints_json_line_serves_and_stops_on_sigterm(
    tmp_path: Path, arm_snapshot: dict[str, Any]
) -> None:
    estate = tmp_path / "estate.json"
    estate.write_text(json.dumps(arm_snapshot))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.emulator",
            "--estate",
            str(estate),
            "--port",
            "0",
            "--state-dir",
            str(tmp_path / "state"),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        info = json.loads(line)
        assert set(info) == {"url", "ca"} and info["url"].startswith("https://127.0.0.1:")
        ctx = ssl.create_default_context(cafile=info["ca"])
        req = urllib.request.Request(
            info["url"] + f"/subscriptions/{SUB}/resourceGroups/rg-hub/providers/"
            "Microsoft.Network/virtualNetworks/hub?api-version=2026-03-01"
        )
        req.add_header("Authorization", "Bearer x")
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
            assert json.loads(resp.read())["name"] == "hub"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""  # exactly one line on stdout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
