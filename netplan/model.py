"""The value objects of an Azure estate: frozen, typed, one class per resource kind.

Each object holds the facts the analyses need, parsed and validated once by the loader
(:mod:`netplan.loader`), plus ``raw``: the resource exactly as Azure returned it, which the
snapshot writer emits again so that a save/load round trip is exact. The object keeps only the
``source`` of that JSON (its range in the snapshot file, see :mod:`netplan.rawjson`, or the
dict it was built from) and ``raw`` decodes it on demand; callers copy it before changing it (it
may be shared). ``source`` takes no part in equality or hashing. Resource IDs keep
their original spelling; compare them with :func:`netplan.ids.rid_key` (the
:class:`~netplan.estate.Estate` indexes do).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netplan import rawjson
from netplan.addr import IPAddress, Prefix
from netplan.ids import parse_id, rid_key
from netplan.record import record

Raw = Mapping[str, Any]


def _source() -> Any:
    """Where the resource's JSON is (a span of the snapshot, or a dict): for round trips, never compared."""
    return field(default=None, compare=False, hash=False, repr=False)


def _tags() -> Any:
    return field(default_factory=dict, hash=False, repr=False)


class PeeringState(StrEnum):
    """``peeringState`` of one peering link (P1). Only CONNECTED carries traffic."""

    CONNECTED = "Connected"
    INITIATED = "Initiated"
    DISCONNECTED = "Disconnected"


class SyncLevel(StrEnum):
    """``peeringSyncLevel`` (P4). Absent on API versions before 2021; then None in the model."""

    FULLY_IN_SYNC = "FullyInSync"
    REMOTE_NOT_IN_SYNC = "RemoteNotInSync"
    LOCAL_NOT_IN_SYNC = "LocalNotInSync"
    LOCAL_AND_REMOTE_NOT_IN_SYNC = "LocalAndRemoteNotInSync"


class ResolutionPolicy(StrEnum):
    """``resolutionPolicy`` of a Private DNS VNet link (D5, api 2024-06-01+)."""

    DEFAULT = "Default"
    NX_DOMAIN_REDIRECT = "NxDomainRedirect"


class ConnectionStatus(StrEnum):
    """``privateLinkServiceConnectionState.status`` of a private endpoint connection."""

    APPROVED = "Approved"
    PENDING = "Pending"
    REJECTED = "Rejected"
    DISCONNECTED = "Disconnected"


class _Resource:
    """Shared helpers; every resource dataclass has ``id`` and ``name``."""

    __slots__ = ()
    id: str
    name: str

    @property
    def key(self) -> str:
        """The case-insensitive identity of this resource."""
        return rid_key(self.id)

    @property
    def subscription(self) -> str:
        return parse_id(self.id).subscription

    @property
    def resource_group(self) -> str:
        return parse_id(self.id).resource_group


class _Sourced(_Resource):
    """A top-level resource, with the JSON it was read from (see the module docstring)."""

    __slots__ = ()
    source: Any

    @property
    def raw(self) -> Raw:
        """The resource's JSON as read: decoded again at each call when it is kept as a span."""
        src = self.source
        if src is None:
            return {}
        out: Raw = rawjson.decode(src)
        return out


@record
class Subnet(_Resource):
    id: str
    name: str
    vnet_id: str
    #: ``addressPrefix`` or ``addressPrefixes`` (a subnet can have one IPv4 and one IPv6 prefix).
    prefixes: tuple[Prefix, ...]
    #: IDs of the IP configurations placed in this subnet (NIC ipconfigs, LB frontends).
    ip_configuration_ids: tuple[str, ...] = ()
    nsg_id: str | None = None
    #: The subnet's route table (user-defined routes, R1); see :mod:`netplan.routes`.
    route_table_id: str | None = None
    delegations: tuple[str, ...] = ()
    #: Disabled / Enabled / NetworkSecurityGroupEnabled / RouteTableEnabled (R5). Azure's default
    #: for a subnet created without it is Disabled.
    private_endpoint_network_policies: str | None = None
    private_link_service_network_policies: str | None = None

    def pe_policies(self) -> tuple[bool, bool]:
        """(NSGs apply to private endpoints here, route tables apply to them) per R5."""
        v = (self.private_endpoint_network_policies or "Disabled").lower()
        return v in ("enabled", "networksecuritygroupenabled"), v in ("enabled", "routetableenabled")


@record
class Peering(_Resource):
    """One of the two link objects of a VNet peering (P1), as seen from ``vnet_id``."""

    id: str
    name: str
    vnet_id: str
    remote_vnet_id: str
    state: PeeringState
    sync_level: SyncLevel | None = None
    allow_virtual_network_access: bool = True
    allow_forwarded_traffic: bool = False
    allow_gateway_transit: bool = False
    use_remote_gateways: bool = False
    #: The remote address space this link has peered (``remoteAddressSpace``; when a payload lacks
    #: it, ``remoteVirtualNetworkAddressSpace``): what it routes. Stale after the remote changed
    #: its space and this link was not synced (P4, P9). Use
    #: :func:`netplan.topology.link_routes` for the prefixes the link really routes.
    remote_prefixes: tuple[Prefix, ...] = ()
    #: The remote VNet's current address space as this link reports it
    #: (``remoteVirtualNetworkAddressSpace``, else ``remoteAddressSpace``): not necessarily routed.
    remote_current_prefixes: tuple[Prefix, ...] = ()
    #: False for subnet-level peering (only the named subnets are connected).
    peer_complete_vnets: bool = True
    local_subnet_names: tuple[str, ...] = ()
    remote_subnet_names: tuple[str, ...] = ()
    #: ``enableOnlyIPv6Peering``: only IPv6 space is peered; IPv4 is neither validated nor routed.
    only_ipv6: bool = False
    #: ``remoteGateways``: IDs of the gateways this link uses (may lie outside the snapshot).
    remote_gateway_ids: tuple[str, ...] = ()
    provisioning_state: str | None = None


@record
class VNet(_Sourced):
    id: str
    name: str
    location: str
    address_prefixes: tuple[Prefix, ...]
    subnets: tuple[Subnet, ...] = ()
    peerings: tuple[Peering, ...] = ()
    #: ``dhcpOptions.dnsServers``; empty means Azure-provided DNS (168.63.129.16), see D2.
    dns_servers: tuple[IPAddress, ...] = ()
    tags: Mapping[str, str] = _tags()
    source: Any = _source()

    @property
    def uses_azure_dns(self) -> bool:
        return not self.dns_servers


@record
class Frontend(_Resource):
    """A load balancer frontend IP configuration."""

    id: str
    name: str
    lb_id: str
    private_ip: IPAddress | None = None
    subnet_id: str | None = None
    public_ip_id: str | None = None
    allocation: str | None = None

    @property
    def is_internal(self) -> bool:
        # Decided by subnet/privateIPAddress, never by the LB's `scope` (official internal-LB
        # examples say scope "Public").
        return self.subnet_id is not None and self.public_ip_id is None


@record
class BackendAddress:
    """A backend pool member given by address (``loadBalancerBackendAddresses``)."""

    ip: IPAddress | None
    subnet_id: str | None = None
    vnet_id: str | None = None


@record
class BackendPool(_Resource):
    id: str
    name: str
    addresses: tuple[BackendAddress, ...] = ()


@record
class LbRule:
    """A load-balancing rule: frontend port to backend port (0 with protocol All = HA ports)."""

    name: str
    frontend_id: str | None
    backend_pool_ids: tuple[str, ...]
    protocol: str
    frontend_port: int
    backend_port: int


@record
class LoadBalancer(_Sourced):
    id: str
    name: str
    location: str
    sku: str
    frontends: tuple[Frontend, ...] = ()
    backend_pools: tuple[BackendPool, ...] = ()
    rules: tuple[LbRule, ...] = ()
    tags: Mapping[str, str] = _tags()
    source: Any = _source()

    @property
    def is_internal(self) -> bool:
        return any(f.is_internal for f in self.frontends)


@record
class PlsNatIp:
    """A Private Link Service NAT IP configuration (source NAT into the provider VNet)."""

    name: str
    subnet_id: str
    private_ip: IPAddress | None = None


@record
class PlsConnection:
    """A private endpoint connection as the Private Link Service sees it."""

    name: str
    private_endpoint_id: str | None
    status: ConnectionStatus


@record
class PrivateLinkService(_Sourced):
    id: str
    name: str
    location: str
    frontend_ids: tuple[str, ...]
    nat_ips: tuple[PlsNatIp, ...] = ()
    alias: str | None = None
    visibility_subscriptions: tuple[str, ...] = ()
    auto_approval_subscriptions: tuple[str, ...] = ()
    connections: tuple[PlsConnection, ...] = ()
    fqdns: tuple[str, ...] = ()
    tags: Mapping[str, str] = _tags()
    source: Any = _source()


@record
class EndpointConnection:
    """A private endpoint's connection to its target service."""

    name: str
    #: privateLinkServiceId: a Private Link Service, or a PaaS resource (storage, PostgreSQL, ...).
    target_id: str
    group_ids: tuple[str, ...]
    status: ConnectionStatus
    #: True for manualPrivateLinkServiceConnections (approval requested by hand).
    manual: bool = False


@record
class CustomDnsConfig:
    fqdn: str
    ips: tuple[IPAddress, ...]


@record
class PrivateEndpoint(_Sourced):
    id: str
    name: str
    location: str
    subnet_id: str
    nic_ids: tuple[str, ...] = ()
    connections: tuple[EndpointConnection, ...] = ()
    custom_dns: tuple[CustomDnsConfig, ...] = ()
    #: Addresses stated on the endpoint itself (ipConfigurations). The NIC is the other source.
    static_ips: tuple[IPAddress, ...] = ()
    tags: Mapping[str, str] = _tags()
    source: Any = _source()


@record
class NicIpConfig(_Resource):
    id: str
    name: str
    private_ip: IPAddress | None
    subnet_id: str | None
    primary: bool = False
    #: applicationSecurityGroups this configuration is a member of (R3).
    asg_ids: tuple[str, ...] = ()
    #: loadBalancerBackendAddressPools this configuration is in (R4).
    backend_pool_ids: tuple[str, ...] = ()


@record
class NetworkInterface(_Sourced):
    id: str
    name: str
    location: str
    ip_configs: tuple[NicIpConfig, ...] = ()
    vm_id: str | None = None
    private_endpoint_id: str | None = None
    private_link_service_id: str | None = None
    #: ``networkSecurityGroup`` on the NIC itself (evaluated with the subnet's, R3).
    nsg_id: str | None = None
    #: ``enableIPForwarding``: the NIC may forward traffic not addressed to it (an NVA, R2).
    ip_forwarding: bool = False
    #: ``primary`` is ``true``: the VM's primary NIC (auto-registration records its primary address).
    primary: bool = False
    tags: Mapping[str, str] = _tags()
    source: Any = _source()


@record
class PrivateDnsZone(_Sourced):
    id: str
    #: The zone's DNS name, lower-case, without the final dot.
    name: str
    tags: Mapping[str, str] = _tags()
    source: Any = _source()


@record
class RecordSet(_Sourced):
    """A Private DNS record set. ``name`` is relative to the zone: ``@``, ``*``, ``app``, ``a.b``."""

    id: str
    name: str
    zone_id: str
    #: "A", "AAAA", "CNAME", "SOA", "MX", "PTR", "SRV", "TXT".
    rtype: str
    ttl: int | None
    #: A/AAAA: the addresses as text; CNAME: the target (lower-case, no final dot); others: text.
    values: tuple[str, ...]
    auto_registered: bool = False
    source: Any = _source()


@record
class ZoneLink(_Sourced):
    """A Private DNS zone's virtual network link (D1, D5, D7)."""

    id: str
    name: str
    zone_id: str
    vnet_id: str
    registration_enabled: bool = False
    resolution_policy: ResolutionPolicy = ResolutionPolicy.DEFAULT
    state: str | None = None
    tags: Mapping[str, str] = _tags()
    source: Any = _source()


@record
class ZoneGroupRecord:
    fqdn: str
    ips: tuple[IPAddress, ...]


@record
class ZoneGroup(_Sourced):
    """A private endpoint's ``privateDnsZoneGroups`` child: the zones Azure keeps records in."""

    id: str
    name: str
    endpoint_id: str
    zone_ids: tuple[str, ...]
    records: tuple[ZoneGroupRecord, ...] = ()
    source: Any = _source()


@record
class Gateway(_Sourced):
    """A virtual network gateway (VPN or ExpressRoute) in a VNet's GatewaySubnet (P2)."""

    id: str
    name: str
    location: str
    vnet_id: str | None
    gateway_type: str
    sku: str | None = None
    source: Any = _source()


@record
class DnsResolver(_Sourced):
    id: str
    name: str
    location: str
    vnet_id: str
    source: Any = _source()


@record
class ResolverEndpoint(_Sourced):
    """An inbound or outbound endpoint of a DNS private resolver."""

    id: str
    name: str
    resolver_id: str
    direction: str  # "inbound" | "outbound"
    subnet_id: str | None
    ips: tuple[IPAddress, ...] = ()
    source: Any = _source()


@record
class ForwardingRuleset(_Sourced):
    id: str
    name: str
    location: str
    outbound_endpoint_ids: tuple[str, ...]
    source: Any = _source()


@record
class DnsTarget:
    ip: IPAddress
    port: int = 53


@record
class ForwardingRule(_Sourced):
    id: str
    name: str
    ruleset_id: str
    #: Lower-case and dot-terminated, as the API requires (D8).
    domain: str
    targets: tuple[DnsTarget, ...]
    enabled: bool = True
    source: Any = _source()


@record
class RulesetLink(_Sourced):
    id: str
    name: str
    ruleset_id: str
    vnet_id: str
    source: Any = _source()


# ---- declarations: facts the user states because no Azure API shows them ----


@record
class OnPremNetwork:
    """On-premises address space reached over VPN/ExpressRoute through ``via_vnet_id``'s gateway."""

    name: str
    prefixes: tuple[Prefix, ...]
    via_vnet_id: str | None = None


@record
class FirewallRule:
    """One declared rule of a forwarder's rule base, like an Azure Firewall network rule: the
    first rule that matches a flow decides (see :mod:`netplan.fwrules`)."""

    name: str
    allow: bool
    #: Source and destination prefixes; empty: any (``*``).
    sources: tuple[Prefix, ...] = ()
    destinations: tuple[Prefix, ...] = ()
    #: Lower-case protocols (``tcp``, ``udp``, ``icmp``); empty: any.
    protocols: tuple[str, ...] = ()
    ports: tuple[PortRange, ...] = ()


@record
class Forwarder:
    """A hub VNet whose NVA or firewall forwards traffic between its peered spokes (P2)."""

    vnet_id: str
    device: str
    ip: IPAddress | None = None
    note: str = ""
    #: The declared rule base, in order (None: not declared, the firewall is assumed to allow).
    rules: tuple[FirewallRule, ...] | None = None
    #: What happens to a flow no declared rule matches (Azure Firewall denies it).
    default_allow: bool = False


@record
class DnsForwarder:
    """A custom DNS server that forwards to Azure DNS from inside ``vnet_id`` (D2)."""

    ip: IPAddress
    vnet_id: str
    note: str = ""


@record
class PublicAnswer:
    """A public DNS answer supplied by the user, for names no private zone covers."""

    name: str
    rtype: str
    values: tuple[str, ...]


@record
class Gap:
    """Something the snapshot could not read (a subscription, a resource kind): analyses that
    depend on it answer UNKNOWN and name the gap."""

    scope: str
    kind: str
    reason: str

    @property
    def orphan_parent(self) -> bool:
        """The gap is a parent missing for children listed on their own (see the loader)."""
        return self.reason.endswith(ORPHAN_PARENT_REASON)


#: How the loader's gaps for a missing parent end (see :attr:`Gap.orphan_parent`).
ORPHAN_PARENT_REASON = "listed on its own, without its parent: the parent is not in the snapshot"

# ---- traffic rules: route tables, network security groups, application security groups ----


class NextHopType(StrEnum):
    """``nextHopType`` of a user-defined route (R2)."""

    VIRTUAL_APPLIANCE = "VirtualAppliance"
    VIRTUAL_NETWORK_GATEWAY = "VirtualNetworkGateway"
    VNET_LOCAL = "VnetLocal"
    INTERNET = "Internet"
    NONE = "None"


@record
class Route(_Resource):
    """One user-defined route of a route table."""

    id: str
    name: str
    route_table_id: str
    #: The destination prefix; None when ``address_prefix`` is a service tag.
    prefix: Prefix | None
    #: ``addressPrefix`` as written (a CIDR, or a service tag such as ``AzureCloud``).
    address_prefix: str
    next_hop_type: NextHopType
    next_hop_ip: IPAddress | None = None


@record
class RouteTable(_Sourced):
    id: str
    name: str
    location: str
    routes: tuple[Route, ...] = ()
    #: Gateway (BGP) routes are not propagated to the subnets using this table (R1).
    disable_bgp_route_propagation: bool = False
    tags: Mapping[str, str] = _tags()
    source: Any = _source()


class Direction(StrEnum):
    INBOUND = "Inbound"
    OUTBOUND = "Outbound"


class Access(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True, slots=True, order=True)
class PortRange:
    lo: int
    hi: int

    def __str__(self) -> str:
        if self.lo == 0 and self.hi == 65535:
            return "*"
        return str(self.lo) if self.lo == self.hi else f"{self.lo}-{self.hi}"


ANY_PORT = PortRange(0, 65535)


@record
class AddressSpec:
    """The source or destination of a security rule: ``*``, prefixes, service tags and/or ASGs."""

    any: bool = False
    prefixes: tuple[Prefix, ...] = ()
    #: Service tags as written (``VirtualNetwork``, ``AzureLoadBalancer``, ``Internet``, ``Storage.WestEurope``...).
    tags: tuple[str, ...] = ()
    asg_ids: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.any:
            return "*"
        parts = [str(p) for p in self.prefixes] + list(self.tags) + [a.rsplit("/", 1)[-1] for a in self.asg_ids]
        return ", ".join(parts) or "(none)"


@record
class SecurityRule(_Resource):
    """A security rule (or one of Azure's default rules) of a network security group (R3)."""

    id: str
    name: str
    nsg_id: str
    priority: int
    direction: Direction
    access: Access
    #: "*", "Tcp", "Udp", "Icmp", "Esp", "Ah".
    protocol: str
    source: AddressSpec
    destination: AddressSpec
    source_ports: tuple[PortRange, ...] = (ANY_PORT,)
    destination_ports: tuple[PortRange, ...] = (ANY_PORT,)
    default: bool = False
    description: str = ""

    def ports_text(self) -> str:
        return ",".join(str(p) for p in self.destination_ports)


@record
class NetworkSecurityGroup(_Sourced):
    id: str
    name: str
    location: str
    rules: tuple[SecurityRule, ...] = ()
    default_rules: tuple[SecurityRule, ...] = ()
    tags: Mapping[str, str] = _tags()
    source: Any = _source()

    def ordered(self, direction: Direction) -> tuple[SecurityRule, ...]:
        """The rules of one direction in evaluation order: custom by priority, then defaults."""
        rules = [r for r in (*self.rules, *self.default_rules) if r.direction is direction]
        return tuple(sorted(rules, key=lambda r: (r.priority, r.default, r.name)))


def _built_on_first_read(cls: type, name: str) -> None:
    """Let the tuple field ``name`` of ``cls`` hold, until it is first read, a pending build of
    its children: an object whose ``build(owner_id)`` gives the tuple. Every read (attribute
    access, equality, ``repr``, :func:`dataclasses.replace`, pickling) sees the tuple, built once
    and then stored in the slot. The loader's fast path (:mod:`netplan.typedload`) uses this for a
    route table's routes and an NSG's rules: it checks every route and rule while loading (a bad
    one is the same one-line error as ever) but builds their objects only for the tables and
    NSGs an analysis reads, since most commands read few of them."""
    slot = cls.__dict__[name]
    get, put = slot.__get__, slot.__set__

    def read(self: Any) -> Any:
        value = get(self)
        if type(value) is not tuple:
            value = value.build(self.id)
            put(self, value)
        return value

    setattr(cls, name, property(read, put))


_built_on_first_read(RouteTable, "routes")
_built_on_first_read(NetworkSecurityGroup, "rules")


@record
class ApplicationSecurityGroup(_Sourced):
    id: str
    name: str
    location: str
    tags: Mapping[str, str] = _tags()
    source: Any = _source()


@record
class FirewallIp:
    ip: IPAddress
    subnet_id: str | None


@record
class AzureFirewall(_Sourced):
    """An Azure Firewall: a forwarding appliance at its private IP (its rule base is not modelled)."""

    id: str
    name: str
    location: str
    ips: tuple[FirewallIp, ...] = ()
    tags: Mapping[str, str] = _tags()
    source: Any = _source()
