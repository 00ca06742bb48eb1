"""The resource kinds vnetplan knows, in one table: ARM type, api-version, where the Estate keeps
them, how the inventory lists them (ARM, Resource Graph), the Azure SDK operations that read and
write them, and how ownership of a resource vnetplan created is recorded.

Everything that names a kind takes it from here: the loader (which parser fills which Estate
field; parsers register with :func:`netplan.loader.parses`), the Estate's fields, the inventory's
listings and Resource Graph's query, the planner's bodies, the plan reader, the executor's SDK
calls and the permission preflight. A new kind is one entry below plus its model class, its
parser and its Estate field (and, if vnetplan writes it, its body builder). Types are compared
case-insensitively (ARM treats them so): :func:`kind_of` looks one up by any spelling.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from netplan.record import record

#: api-versions sent with each PUT. azure-mgmt-network 33.x sends 2026-03-01 for every network
#: operation used here; azure-mgmt-privatedns 2.0 sends 2024-06-01 (see the examples' README).
NETWORK_API = "2026-03-01"
PRIVATE_DNS_API = "2024-06-01"
#: DNS Private Resolver (resolvers, endpoints, forwarding rulesets): read by URL, no SDK package.
DNS_RESOLVER_API = "2022-07-01"

#: Record types of a Private DNS zone (child types ``Microsoft.Network/privateDnsZones/<type>``).
RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT")


class Ownership(StrEnum):
    """Where vnetplan records that it created a resource (so that it deletes only its own)."""

    TAGS = "tags"  # ARM tags on the resource
    METADATA = "metadata"  # record sets: the record set's metadata
    JOURNAL = "journal"  # kinds with neither: the apply journal


@record
class Kind:
    """One resource kind."""

    #: ARM type in Azure's spelling, e.g. ``Microsoft.Network/privateEndpoints``
    type: str
    api_version: str
    #: Where ownership of what vnetplan creates is recorded; None: vnetplan never writes this kind.
    ownership: Ownership | None = None
    #: The SDK client that serves it ("network": azure-mgmt-network, "privatedns":
    #: azure-mgmt-privatedns) and the client's operations group (``get``, ``begin_create_or_update``
    #: and ``begin_delete`` take the resource group, then the names along the ID).
    client: str = "network"
    operations: str = ""
    #: The :class:`netplan.estate.Estate` field holding the parsed resources; "" for a child merged
    #: into its parent (see ``child_of``).
    field: str = ""
    #: A child kind folded into its parent's model: the parent's list it joins (``subnets``, ...).
    child_of: str = ""
    #: The SDK operation that lists it across a subscription ("list_all", "list_by_subscription",
    #: "list"), "" when it is listed under its parent (zone links, records, zone groups) or by URL.
    listing: str = ""
    #: Resource Graph's ``resources`` table holds it (``inventory --source resource-graph``).
    in_graph: bool = False

    @property
    def key(self) -> str:
        """The type lower-cased: how types are compared."""
        return self.type.lower()

    @property
    def collection(self) -> str:
        """The ARM collection name (last segment of the type), e.g. ``privateEndpoints``."""
        return self.type.rsplit("/", 1)[-1]


T, J, M = Ownership.TAGS, Ownership.JOURNAL, Ownership.METADATA
NET, DNS = "network", "privatedns"
_N = "Microsoft.Network/"

VNET = Kind(_N + "virtualNetworks", NETWORK_API, T, NET, "virtual_networks", "vnets", listing="list_all", in_graph=True)
SUBNET = Kind(_N + "virtualNetworks/subnets", NETWORK_API, J, NET, "subnets", child_of="subnets")
PEERING = Kind(_N + "virtualNetworks/virtualNetworkPeerings", NETWORK_API, J, NET, "virtual_network_peerings",
               child_of="peerings")  # fmt: skip
LOAD_BALANCER = Kind(_N + "loadBalancers", NETWORK_API, None, NET, "load_balancers", "load_balancers", listing="list_all",
                     in_graph=True)  # fmt: skip
PLS = Kind(_N + "privateLinkServices", NETWORK_API, T, NET, "private_link_services", "private_link_services",
           listing="list_by_subscription", in_graph=True)  # fmt: skip
PE = Kind(_N + "privateEndpoints", NETWORK_API, T, NET, "private_endpoints", "private_endpoints",
          listing="list_by_subscription", in_graph=True)  # fmt: skip
ZONE_GROUP = Kind(_N + "privateEndpoints/privateDnsZoneGroups", NETWORK_API, J, NET, "private_dns_zone_groups", "zone_groups")
NIC = Kind(_N + "networkInterfaces", NETWORK_API, None, NET, "network_interfaces", "nics", listing="list_all", in_graph=True)
GATEWAY = Kind(_N + "virtualNetworkGateways", NETWORK_API, None, NET, "virtual_network_gateways", "gateways", in_graph=True)
ZONE = Kind(_N + "privateDnsZones", PRIVATE_DNS_API, T, DNS, "private_zones", "zones", listing="list", in_graph=True)
#: Record sets: every type of :data:`RECORD_TYPES` (``record_sets`` takes the record type too).
A_RECORD = Kind(_N + "privateDnsZones/A", PRIVATE_DNS_API, M, DNS, "record_sets", "record_sets")
ZONE_LINK = Kind(_N + "privateDnsZones/virtualNetworkLinks", PRIVATE_DNS_API, T, DNS, "virtual_network_links", "zone_links",
                 in_graph=True)  # fmt: skip
DNS_RESOLVER = Kind(_N + "dnsResolvers", DNS_RESOLVER_API, field="dns_resolvers", in_graph=True)
RESOLVER_INBOUND = Kind(_N + "dnsResolvers/inboundEndpoints", DNS_RESOLVER_API, field="resolver_endpoints", in_graph=True)
RESOLVER_OUTBOUND = Kind(_N + "dnsResolvers/outboundEndpoints", DNS_RESOLVER_API, field="resolver_endpoints", in_graph=True)
RULESET = Kind(_N + "dnsForwardingRulesets", DNS_RESOLVER_API, field="rulesets", in_graph=True)
FORWARDING_RULE = Kind(_N + "dnsForwardingRulesets/forwardingRules", DNS_RESOLVER_API, field="forwarding_rules")
RULESET_LINK = Kind(_N + "dnsForwardingRulesets/virtualNetworkLinks", DNS_RESOLVER_API, field="ruleset_links")
ROUTE_TABLE = Kind(_N + "routeTables", NETWORK_API, None, NET, "route_tables", "route_tables", listing="list_all", in_graph=True)
ROUTE = Kind(_N + "routeTables/routes", NETWORK_API, J, NET, "routes", child_of="routes")
NSG = Kind(_N + "networkSecurityGroups", NETWORK_API, None, NET, "network_security_groups", "nsgs", listing="list_all",
           in_graph=True)  # fmt: skip
SECURITY_RULE = Kind(_N + "networkSecurityGroups/securityRules", NETWORK_API, J, NET, "security_rules",
                     child_of="security_rules")  # fmt: skip
ASG = Kind(_N + "applicationSecurityGroups", NETWORK_API, None, NET, "application_security_groups", "asgs",
           listing="list_all", in_graph=True)  # fmt: skip
FIREWALL = Kind(_N + "azureFirewalls", NETWORK_API, None, NET, "azure_firewalls", "firewalls", listing="list_all",
                in_graph=True)  # fmt: skip

#: Every kind, in the Estate's field order (the order of ``Estate.to_snapshot``).
ALL: tuple[Kind, ...] = (
    VNET, SUBNET, PEERING, LOAD_BALANCER, PLS, PE, ZONE_GROUP, NIC, GATEWAY, ZONE, A_RECORD, ZONE_LINK,
    DNS_RESOLVER, RESOLVER_INBOUND, RESOLVER_OUTBOUND, RULESET, FORWARDING_RULE, RULESET_LINK,
    ROUTE_TABLE, ROUTE, NSG, SECURITY_RULE, ASG, FIREWALL,
)  # fmt: skip

#: Every writable kind.
KINDS: tuple[Kind, ...] = tuple(k for k in ALL if k.ownership is not None)

#: The Estate's resource fields, in order.
ESTATE_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(k.field for k in ALL if k.field))

_BY_KEY = {k.key: k for k in ALL}


def is_record_type(arm_type: str) -> bool:
    """A Private DNS record set type (``Microsoft.Network/privateDnsZones/<A, AAAA, ...>``)."""
    t = arm_type.split("/")
    return len(t) == 3 and t[0].lower() == "microsoft.network" and t[1].lower() == "privatednszones" \
        and t[2].upper() in RECORD_TYPES  # fmt: skip


def record_kind(record_type: str) -> Kind:
    """The kind of one record type (``AAAA`` ...): :data:`A_RECORD` with that type."""
    return A_RECORD if record_type.upper() == "A" else replace(A_RECORD, type=f"{_N}privateDnsZones/{record_type.upper()}")


def kind_of(arm_type: str) -> Kind | None:
    """The kind of an ARM type in any spelling (any record set type is a record kind), or None when
    vnetplan does not model it."""
    k = _BY_KEY.get(arm_type.lower())
    if k is None and is_record_type(arm_type):
        return record_kind(arm_type.rsplit("/", 1)[-1])
    return k


def writable_kind(arm_type: str) -> Kind | None:
    """:func:`kind_of` for the kinds vnetplan writes, else None."""
    k = kind_of(arm_type)
    return k if k is not None and k.ownership is not None else None
