"""The resource kinds vnetplan writes, in one table: ARM type, api-version, and how ownership of a
resource vnetplan created is recorded.

Everything that names a written kind (the planner's bodies, the executor, the permission
preflight) takes the type from here, so that a new writable kind is one entry below (plus its body
builder and the executor's SDK operation). Types are compared case-insensitively (ARM treats them
so): :func:`kind_of` looks one up by any spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: api-versions sent with each PUT. azure-mgmt-network 33.x sends 2026-03-01 for every network
#: operation used here; azure-mgmt-privatedns 2.0 sends 2024-06-01 (see the examples' README).
NETWORK_API = "2026-03-01"
PRIVATE_DNS_API = "2024-06-01"

#: Record types of a Private DNS zone (child types ``Microsoft.Network/privateDnsZones/<type>``).
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT")


class Ownership(StrEnum):
    """Where vnetplan records that it created a resource (so that it deletes only its own)."""

    TAGS = "tags"  # ARM tags on the resource
    METADATA = "metadata"  # record sets: the record set's metadata
    JOURNAL = "journal"  # kinds with neither: the apply journal


@dataclass(frozen=True, slots=True)
class Kind:
    """One writable resource kind."""

    #: ARM type in Azure's spelling, e.g. ``Microsoft.Network/privateEndpoints``
    type: str
    api_version: str
    ownership: Ownership

    @property
    def key(self) -> str:
        """The type lower-cased: how types are compared."""
        return self.type.lower()


VNET = Kind("Microsoft.Network/virtualNetworks", NETWORK_API, Ownership.TAGS)
SUBNET = Kind("Microsoft.Network/virtualNetworks/subnets", NETWORK_API, Ownership.JOURNAL)
PEERING = Kind("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", NETWORK_API, Ownership.JOURNAL)
PLS = Kind("Microsoft.Network/privateLinkServices", NETWORK_API, Ownership.TAGS)
PE = Kind("Microsoft.Network/privateEndpoints", NETWORK_API, Ownership.TAGS)
ZONE_GROUP = Kind("Microsoft.Network/privateEndpoints/privateDnsZoneGroups", NETWORK_API, Ownership.JOURNAL)
ZONE = Kind("Microsoft.Network/privateDnsZones", PRIVATE_DNS_API, Ownership.TAGS)
ZONE_LINK = Kind("Microsoft.Network/privateDnsZones/virtualNetworkLinks", PRIVATE_DNS_API, Ownership.TAGS)
A_RECORD = Kind("Microsoft.Network/privateDnsZones/A", PRIVATE_DNS_API, Ownership.METADATA)
SECURITY_RULE = Kind("Microsoft.Network/networkSecurityGroups/securityRules", NETWORK_API, Ownership.JOURNAL)
ROUTE = Kind("Microsoft.Network/routeTables/routes", NETWORK_API, Ownership.JOURNAL)

#: Every writable kind.
KINDS: tuple[Kind, ...] = (
    VNET, SUBNET, PEERING, PLS, PE, ZONE_GROUP, ZONE, ZONE_LINK, A_RECORD, SECURITY_RULE, ROUTE,
)  # fmt: skip

_BY_KEY = {k.key: k for k in KINDS}


def kind_of(arm_type: str) -> Kind | None:
    """The kind of an ARM type in any spelling, or None when vnetplan does not write it."""
    return _BY_KEY.get(arm_type.lower())
