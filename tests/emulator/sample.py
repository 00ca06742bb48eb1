"""A small ARM-shaped estate for emulator tests, mirroring the official example payloads' shapes.

Field names, nesting and casing follow ``tests/fixtures/azure-rest-examples`` (VirtualNetworkGet,
LoadBalancerGet, PrivateZoneGet, RecordSetAGet, VirtualNetworkLinkGet): subnets and peerings inline
in VNets, frontends inline in the LB, record sets and links as separate resources.

Layout (subscription ``SUB``):

* ``rg-hub``: VNet ``hub`` 10.0.0.0/16 (subnets ``default`` 10.0.0.0/24, ``lb`` 10.0.1.0/24) and an
  internal Standard LB ``ilb`` with frontend ``fe`` at 10.0.1.4 (Dynamic) in ``lb``;
* ``rg-spoke``: VNets ``spoke1`` 10.1.0.0/16, ``spoke2`` 10.2.0.0/16 and ``overlap`` 10.0.128.0/20
  (overlaps ``hub``);
* ``rg-dns``: private zone ``azure.mendixapps.io`` with its SOA, an A record ``*`` -> 10.0.1.4 and a
  link ``hub-link`` to ``hub``.
"""

from __future__ import annotations

import uuid
from typing import Any

SUB = "00000000-0000-0000-0000-00000000a001"
LOCATION = "westeurope"
ZONE = "azure.mendixapps.io"


def rg_scope(rg: str, sub: str = SUB) -> str:
    """``/subscriptions/{sub}/resourceGroups/{rg}``."""
    return f"/subscriptions/{sub}/resourceGroups/{rg}"


def vnet_id(name: str, rg: str = "rg-spoke", sub: str = SUB) -> str:
    """A VNet id."""
    return f"{rg_scope(rg, sub)}/providers/Microsoft.Network/virtualNetworks/{name}"


def vnet(name: str, rg: str, prefixes: list[str], subnets: dict[str, str], sub: str = SUB) -> dict[str, Any]:
    """A VNet in the VirtualNetworkGet shape."""
    vid = vnet_id(name, rg, sub)
    return {
        "name": name,
        "id": vid,
        "etag": 'W/"00000000-0000-0000-0000-000000000001"',
        "type": "Microsoft.Network/virtualNetworks",
        "location": LOCATION,
        "tags": {},
        "properties": {
            "addressSpace": {"addressPrefixes": list(prefixes)},
            "provisioningState": "Succeeded",
            "resourceGuid": str(uuid.uuid5(uuid.NAMESPACE_URL, vid.lower())),
            "subnets": [
                {
                    "name": sn,
                    "id": f"{vid}/subnets/{sn}",
                    "etag": 'W/"00000000-0000-0000-0000-000000000001"',
                    "properties": {"addressPrefix": prefix, "provisioningState": "Succeeded"},
                }
                for sn, prefix in subnets.items()
            ],
            "virtualNetworkPeerings": [],
            "enableDdosProtection": False,
        },
    }


def sample_snapshot(sub: str = SUB) -> dict[str, Any]:
    """The sample estate as ``{"resources": [...]}``."""
    hub = vnet("hub", "rg-hub", ["10.0.0.0/16"], {"default": "10.0.0.0/24", "lb": "10.0.1.0/24"}, sub)
    lb_subnet = f"{hub['id']}/subnets/lb"
    lb_id = f"{rg_scope('rg-hub', sub)}/providers/Microsoft.Network/loadBalancers/ilb"
    fe_id = f"{lb_id}/frontendIPConfigurations/fe"
    hub["properties"]["subnets"][1]["properties"]["ipConfigurations"] = [{"id": fe_id}]
    lb = {
        "name": "ilb",
        "type": "Microsoft.Network/loadBalancers",
        "etag": 'W/"00000000-0000-0000-0000-000000000002"',
        "id": lb_id,
        "location": LOCATION,
        "sku": {"name": "Standard", "tier": "Regional"},
        "properties": {
            "frontendIPConfigurations": [
                {
                    "name": "fe",
                    "type": "Microsoft.Network/loadBalancers/frontendIPConfigurations",
                    "etag": 'W/"00000000-0000-0000-0000-000000000002"',
                    "id": fe_id,
                    "properties": {
                        "privateIPAddress": "10.0.1.4",
                        "privateIPAddressVersion": "IPv4",
                        "privateIPAllocationMethod": "Dynamic",
                        "provisioningState": "Succeeded",
                        "subnet": {"id": lb_subnet},
                    },
                }
            ],
            "backendAddressPools": [],
            "loadBalancingRules": [],
            "probes": [],
            "inboundNatRules": [],
            "inboundNatPools": [],
            "provisioningState": "Succeeded",
            "resourceGuid": "00000000-0000-0000-0000-0000000000b1",
        },
    }
    zone_id = f"{rg_scope('rg-dns', sub)}/providers/Microsoft.Network/privateDnsZones/{ZONE}"
    zone = {
        "id": zone_id,
        "name": ZONE,
        "type": "Microsoft.Network/privateDnsZones",
        "location": "global",
        "etag": "00000000-0000-0000-0000-0000000000d1",
        "tags": {},
        "properties": {"provisioningState": "Succeeded", "internalId": ""},
    }
    soa = {
        "id": f"{zone_id}/SOA/@",
        "name": "@",
        "type": "Microsoft.Network/privateDnsZones/SOA",
        "etag": "00000000-0000-0000-0000-0000000000d2",
        "properties": {
            "ttl": 3600,
            "fqdn": f"{ZONE}.",
            "isAutoRegistered": False,
            "soaRecord": {
                "email": "azureprivatedns-host.microsoft.com",
                "expireTime": 2419200,
                "host": "azureprivatedns.net",
                "minimumTtl": 10,
                "refreshTime": 3600,
                "retryTime": 300,
                "serialNumber": 1,
            },
        },
    }
    wildcard = {
        "id": f"{zone_id}/A/*",
        "name": "*",
        "type": "Microsoft.Network/privateDnsZones/A",
        "etag": "00000000-0000-0000-0000-0000000000d3",
        "properties": {
            "metadata": {},
            "ttl": 300,
            "fqdn": f"*.{ZONE}.",
            "isAutoRegistered": False,
            "aRecords": [{"ipv4Address": "10.0.1.4"}],
        },
    }
    link = {
        "id": f"{zone_id}/virtualNetworkLinks/hub-link",
        "name": "hub-link",
        "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "location": "global",
        "etag": "00000000-0000-0000-0000-0000000000d4",
        "tags": {},
        "properties": {
            "virtualNetwork": {"id": hub["id"]},
            "registrationEnabled": False,
            "virtualNetworkLinkState": "Completed",
            "provisioningState": "Succeeded",
        },
    }
    return {
        "resources": [
            hub,
            vnet("spoke1", "rg-spoke", ["10.1.0.0/16"], {"default": "10.1.0.0/24"}, sub),
            vnet("spoke2", "rg-spoke", ["10.2.0.0/16"], {"default": "10.2.0.0/24"}, sub),
            vnet("overlap", "rg-spoke", ["10.0.128.0/20"], {"default": "10.0.128.0/24"}, sub),
            lb,
            zone,
            soa,
            wildcard,
            link,
        ]
    }
