"""The resource kinds vnetplan writes, in one table: ARM type, api-version, how ownership of a
resource vnetplan created is recorded, and the Azure SDK operations that read and write it.

Everything that names a written kind (the planner's bodies, the plan reader, the executor's SDK
calls, the permission preflight) takes it from here, so that a new writable kind is one entry
below (plus its body builder). Types are compared case-insensitively (ARM treats them so):
:func:`kind_of` looks one up by any spelling.
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
    #: None: vnetplan only reads this kind (apply reads it to fill placeholders or to check)
    ownership: Ownership | None
    #: The SDK client that serves it ("network": azure-mgmt-network, "privatedns":
    #: azure-mgmt-privatedns) and the client's operations group (``get``, ``begin_create_or_update``
    #: and ``begin_delete`` take the resource group, then the names along the ID).
    client: str = "network"
    operations: str = ""

    @property
    def key(self) -> str:
        """The type lower-cased: how types are compared."""
        return self.type.lower()


VNET = Kind("Microsoft.Network/virtualNetworks", NETWORK_API, Ownership.TAGS, "network", "virtual_networks")
SUBNET = Kind("Microsoft.Network/virtualNetworks/subnets", NETWORK_API, Ownership.JOURNAL, "network", "subnets")
PEERING = Kind("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", NETWORK_API, Ownership.JOURNAL, "network",
               "virtual_network_peerings")  # fmt: skip
PLS = Kind("Microsoft.Network/privateLinkServices", NETWORK_API, Ownership.TAGS, "network", "private_link_services")
PE = Kind("Microsoft.Network/privateEndpoints", NETWORK_API, Ownership.TAGS, "network", "private_endpoints")
ZONE_GROUP = Kind("Microsoft.Network/privateEndpoints/privateDnsZoneGroups", NETWORK_API, Ownership.JOURNAL, "network",
                  "private_dns_zone_groups")  # fmt: skip
ZONE = Kind("Microsoft.Network/privateDnsZones", PRIVATE_DNS_API, Ownership.TAGS, "privatedns", "private_zones")
ZONE_LINK = Kind("Microsoft.Network/privateDnsZones/virtualNetworkLinks", PRIVATE_DNS_API, Ownership.TAGS, "privatedns",
                 "virtual_network_links")  # fmt: skip
#: Record sets: every type of :data:`RECORD_TYPES` (``record_sets`` takes the record type too).
A_RECORD = Kind("Microsoft.Network/privateDnsZones/A", PRIVATE_DNS_API, Ownership.METADATA, "privatedns", "record_sets")
SECURITY_RULE = Kind("Microsoft.Network/networkSecurityGroups/securityRules", NETWORK_API, Ownership.JOURNAL, "network",
                     "security_rules")  # fmt: skip
ROUTE = Kind("Microsoft.Network/routeTables/routes", NETWORK_API, Ownership.JOURNAL, "network", "routes")
#: Read by apply, never written: a private endpoint's NIC holds its IP; an LB frontend is checked.
NIC = Kind("Microsoft.Network/networkInterfaces", NETWORK_API, None, "network", "network_interfaces")
LOAD_BALANCER = Kind("Microsoft.Network/loadBalancers", NETWORK_API, None, "network", "load_balancers")

#: Every writable kind.
KINDS: tuple[Kind, ...] = (
    VNET, SUBNET, PEERING, PLS, PE, ZONE_GROUP, ZONE, ZONE_LINK, A_RECORD, SECURITY_RULE, ROUTE,
)  # fmt: skip

#: Kinds apply reads but never writes.
READ_ONLY: tuple[Kind, ...] = (NIC, LOAD_BALANCER)

_BY_KEY = {k.key: k for k in KINDS}
_READ_KEY = {k.key: k for k in (*KINDS, *READ_ONLY)}


def is_record_type(arm_type: str) -> bool:
    """A Private DNS record set type (``Microsoft.Network/privateDnsZones/<A, AAAA, ...>``)."""
    t = arm_type.split("/")
    return len(t) == 3 and t[0].lower() == "microsoft.network" and t[1].lower() == "privatednszones" \
        and t[2].upper() in RECORD_TYPES  # fmt: skip


def kind_of(arm_type: str) -> Kind | None:
    """The kind of an ARM type in any spelling (any record set type is :data:`A_RECORD`'s kind
    for its client and operations), or None when vnetplan does not write it."""
    return _BY_KEY.get(arm_type.lower()) or (A_RECORD if is_record_type(arm_type) else None)


def readable_kind(arm_type: str) -> Kind | None:
    """Like :func:`kind_of`, also for the kinds apply only reads."""
    return _READ_KEY.get(arm_type.lower()) or kind_of(arm_type)
