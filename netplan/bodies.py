"""ARM REST request bodies for the resources the planner creates or updates.

Each builder returns the exact JSON body of the PUT that creates the resource, with the field
names of the official example payloads (``../shared/azure-rest-examples/``:
VirtualNetworkPeeringCreate, PrivateLinkServiceCreate, PrivateEndpointCreate,
PrivateEndpointDnsZoneGroupCreate, PrivateZonePut, RecordSetAPut, VirtualNetworkLinkPut,
SubnetCreate). The promise: a body holds only writable fields; read-only ones (``provisioningState``,
``peeringState``, ``alias``...) never appear, so apply can send it as is. Resource IDs of the
resources themselves are built here too, so every module spells them the same way.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

# Types and api-versions come from the kind table (netplan.kinds).
#: Read-only properties Azure returns but rejects or ignores on PUT; stripped from update bodies.
READ_ONLY = frozenset({
    "provisioningState", "resourceGuid", "peeringState", "peeringSyncLevel", "remoteAddressSpace",
    "remoteVirtualNetworkAddressSpace", "remoteBgpCommunities", "remoteVirtualNetworkEncryption",
    "alias", "networkInterfaces", "privateEndpointConnections",
    "customDnsConfigs", "virtualNetworkLinkState", "fqdn", "isAutoRegistered", "ipConfigurationProfiles",
    "purpose", "privateEndpoints", "serviceAssociationLinks", "resourceNavigationLinks",
})  # fmt: skip


def rg_scope(subscription: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription}/resourceGroups/{resource_group}/providers/Microsoft.Network"


def peering_id(vnet_id: str, name: str) -> str:
    return f"{vnet_id}/virtualNetworkPeerings/{name}"


def zone_id(subscription: str, resource_group: str, zone: str) -> str:
    return f"{rg_scope(subscription, resource_group)}/privateDnsZones/{zone}"


def record_id(zone_id_: str, rtype: str, name: str) -> str:
    return f"{zone_id_}/{rtype}/{name}"


def zone_link_id(zone_id_: str, name: str) -> str:
    return f"{zone_id_}/virtualNetworkLinks/{name}"


def peering_body(
    remote_vnet_id: str,
    *,
    allow_virtual_network_access: bool = True,
    allow_forwarded_traffic: bool = False,
    allow_gateway_transit: bool = False,
    use_remote_gateways: bool = False,
) -> dict[str, Any]:
    """One peering link (VirtualNetworkPeeringCreate: properties only, no name/id)."""
    return {
        "properties": {
            "allowForwardedTraffic": allow_forwarded_traffic,
            "allowGatewayTransit": allow_gateway_transit,
            "allowVirtualNetworkAccess": allow_virtual_network_access,
            "remoteVirtualNetwork": {"id": remote_vnet_id},
            "useRemoteGateways": use_remote_gateways,
        }
    }


def private_link_service_body(
    location: str,
    frontend_id: str,
    nat_subnet_id: str,
    *,
    visibility: Sequence[str] = (),
    auto_approval: Sequence[str] = (),
    fqdns: Sequence[str] = (),
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A Private Link Service on an internal LB frontend, NAT addresses from ``nat_subnet_id``
    (PrivateLinkServiceCreate). The NAT address is left to Azure (Dynamic)."""
    props: dict[str, Any] = {
        "autoApproval": {"subscriptions": sorted(set(auto_approval))},
        "ipConfigurations": [
            {
                "name": "nat-ipconfig-0",
                "properties": {
                    "primary": True,
                    "privateIPAddressVersion": "IPv4",
                    "privateIPAllocationMethod": "Dynamic",
                    "subnet": {"id": nat_subnet_id},
                },
            }
        ],
        "loadBalancerFrontendIpConfigurations": [{"id": frontend_id}],
        "visibility": {"subscriptions": sorted(set(visibility))},
    }
    if fqdns:
        props["fqdns"] = list(fqdns)
    body: dict[str, Any] = {"location": location, "properties": props}
    if tags:
        body["tags"] = dict(tags)
    return body


def private_endpoint_body(
    location: str,
    subnet_id: str,
    target_id: str,
    connection_name: str,
    *,
    group_ids: Sequence[str] = (),
    static_ip: str | None = None,
    request_message: str = "",
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A private endpoint in ``subnet_id`` connected to ``target_id`` (PrivateEndpointCreate).

    ``static_ip`` pins the address (ipConfigurations); otherwise Azure assigns one from the subnet.
    A Private Link Service takes no group IDs; a PaaS resource needs its sub-resource (``blob``...).
    """
    conn_props: dict[str, Any] = {"privateLinkServiceId": target_id}
    if group_ids:
        conn_props["groupIds"] = list(group_ids)
    if request_message:
        conn_props["requestMessage"] = request_message
    props: dict[str, Any] = {
        "privateLinkServiceConnections": [{"name": connection_name, "properties": conn_props}],
        "subnet": {"id": subnet_id},
    }
    if static_ip:
        ipconf: dict[str, Any] = {"privateIPAddress": static_ip}
        if group_ids:
            ipconf = {"groupId": group_ids[0], "memberName": group_ids[0], **ipconf}
        props["ipConfigurations"] = [{"name": "static-ipconfig", "properties": ipconf}]
    body: dict[str, Any] = {"location": location, "properties": props}
    if tags:
        body["tags"] = dict(tags)
    return body


def zone_group_body(zone_ids: Sequence[str]) -> dict[str, Any]:
    """A private endpoint's privateDnsZoneGroups child (PrivateEndpointDnsZoneGroupCreate)."""
    return {
        "properties": {
            "privateDnsZoneConfigs": [
                {"name": z.rstrip("/").rsplit("/", 1)[-1].replace(".", "-"), "properties": {"privateDnsZoneId": z}}
                for z in zone_ids
            ]
        }
    }


def private_zone_body(tags: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A Private DNS zone (PrivateZonePut): location is always ``Global``."""
    body: dict[str, Any] = {"location": "Global"}
    if tags:
        body["tags"] = dict(tags)
    return body


def a_record_body(addresses: Sequence[str], ttl: int = 300, metadata: Mapping[str, str] | None = None) -> dict[str, Any]:
    """An A record set (RecordSetAPut). Private DNS record sets carry ``metadata``, not tags."""
    props: dict[str, Any] = {"aRecords": [{"ipv4Address": a} for a in addresses], "ttl": ttl}
    if metadata:
        props = {"metadata": dict(metadata), **props}
    return {"properties": props}


def zone_link_body(vnet_id: str, *, registration_enabled: bool = False, resolution_policy: str | None = None,
                   tags: Mapping[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """A virtual network link of a Private DNS zone (VirtualNetworkLinkPut)."""
    props: dict[str, Any] = {"registrationEnabled": registration_enabled, "virtualNetwork": {"id": vnet_id}}
    if resolution_policy:
        props["resolutionPolicy"] = resolution_policy
    body: dict[str, Any] = {"location": "Global", "properties": props}
    if tags:
        body["tags"] = dict(tags)
    return body


def update_body(raw: Mapping[str, Any], keep_top: Sequence[str] = ("location", "tags", "sku")) -> dict[str, Any]:
    """A PUT body for an existing resource: its writable part as read, to be modified by the caller.

    PUT replaces the whole resource, so an update must carry every writable property the
    resource already has, not only the changed one.
    """
    body: dict[str, Any] = {k: copy.deepcopy(raw[k]) for k in keep_top if k in raw}
    props = raw.get("properties")
    if isinstance(props, Mapping):
        body["properties"] = {k: copy.deepcopy(v) for k, v in props.items() if k not in READ_ONLY}
    return body
