"""The loader's fast path: the common shapes of the bulk kinds decoded straight into typed structs.

A 10k-VNet snapshot is mostly VNets (with their subnets and peering links inline), and with route
tables and NSGs on every subnet, those too. The checked parsers of :mod:`netplan.loader` walk a
decoded dict field by field, building a JSON path for every value in case it is wrong; that costs
several times the parse itself. Here msgspec decodes a resource's span (:mod:`netplan.rawjson`)
into :class:`msgspec.Struct` types that name only the fields the model reads (the others are
skipped without being built), checking their JSON types in C, and the model objects are built from
the structs with no per-field paths.

The contract with the checked path: this path only ever builds what the checked parser would build
from the same JSON, and it gives up (returns None) on anything else, however harmless: a field of
another JSON type (``"true"`` for ``true``), the Azure CLI's flattened shape, a missing name or ID,
an enum value it does not know, a prefix or address that does not parse, a shape it does not model
(IPAM pool allocations, delegations without ``properties``). The loader then parses the resource
with the checked parser, which builds the same object or raises the one-line error naming the
file and the JSON path. So every malformed resource still reaches the checked parser; a test
(``tests/unit/test_typedload.py``) compares both paths on every fixture and on mutated payloads.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from msgspec import UNSET, Raw, Struct, UnsetType

from netplan import kinds, rawjson, slotnew
from netplan.addr import AddressError, parse_ip, parse_prefix, parse_prefixes
from netplan.ids import parent_id
from netplan.model import (
    NetworkInterface,
    NextHopType,
    NicIpConfig,
    Peering,
    PeeringState,
    ResolutionPolicy,
    Route,
    RouteTable,
    Subnet,
    SyncLevel,
    VNet,
    ZoneLink,
)

_intern = sys.intern
_T = TypeVar("_T")

# ---------------------------------------------------------------------------------------------
# Structs: only the fields the model reads. None: absent or null (the checked parsers treat the
# two alike for every field here); UNSET: absent, where presence alone matters.


class _Ref(Struct, gc=False):
    id: str | None = None


class _Space(Struct, rename="camel", gc=False):
    address_prefixes: list[str] | None = None
    ipam_pool_prefix_allocations: Any = UNSET


class _SubnetProps(Struct, rename="camel", gc=False):
    address_prefix: str | None = None
    address_prefixes: list[str] | None = None
    ipam_pool_prefix_allocations: Any = UNSET
    delegations: list[Any] | None = None
    ip_configurations: list[_Ref] | None = None
    network_security_group: _Ref | None = None
    route_table: _Ref | None = None
    private_endpoint_network_policies: str | None = None
    private_link_service_network_policies: str | None = None


class _Subnet(Struct, gc=False):
    id: str | None = None
    name: str | None = None
    properties: _SubnetProps | None = None


class _PeeringProps(Struct, rename="camel", gc=False):
    remote_virtual_network: _Ref | None = None
    peering_state: str | None = None
    peering_sync_level: str | None = None
    # Kept as spans: each is its remote VNet's address space, in the same bytes (see _space).
    remote_address_space: Raw | UnsetType = UNSET
    remote_virtual_network_address_space: Raw | UnsetType = UNSET
    allow_virtual_network_access: bool | None = None
    allow_forwarded_traffic: bool | None = None
    allow_gateway_transit: bool | None = None
    use_remote_gateways: bool | None = None
    peer_complete_vnets: bool | None = None
    local_subnet_names: list[Any] | None = None
    remote_subnet_names: list[Any] | None = None
    enable_only_i_pv6_peering: bool | None = msgspec.field(default=None, name="enableOnlyIPv6Peering")
    remote_gateways: list[_Ref] | None = None
    provisioning_state: str | None = None


class _Peering(Struct, gc=False):
    id: str | None = None
    name: str | None = None
    properties: _PeeringProps | None = None


class _Dhcp(Struct, rename="camel", gc=False):
    dns_servers: list[str] | None = None


class _VNetProps(Struct, rename="camel", gc=False):
    address_space: Raw | UnsetType = UNSET
    dhcp_options: Any = None
    subnets: list[_Subnet] | None = None
    virtual_network_peerings: list[_Peering] | None = None


class _RouteProps(Struct, rename="camel", gc=False):
    address_prefix: str | None = None
    next_hop_type: str | None = None
    next_hop_ip_address: str | None = None


class Child(Struct, gc=False):
    """A route of a route table or a custom rule of an NSG: ``properties`` stays a span, decoded the
    first time its text is seen (:func:`pending`; tables and NSGs made from one template repeat the
    same routes and rules)."""

    id: str | None = None
    name: str | None = None
    properties: Raw | UnsetType = UNSET


class _RouteTableProps(Struct, rename="camel", gc=False):
    routes: list[Child] | None = None
    disable_bgp_route_propagation: bool | None = None


class _ZoneLinkProps(Struct, rename="camel", gc=False):
    virtual_network: _Ref | None = None
    registration_enabled: bool | None = None
    resolution_policy: str | None = None
    virtual_network_link_state: str | None = None


class RuleProps(Struct, rename="camel", gc=False):
    """A security rule's properties. The fields the loader's rule fast path checks the type of
    itself (``_security_rule_typed``) are ``Any`` here, so that both read the same values."""

    priority: int | None = None
    direction: str | None = None
    access: str | None = None
    #: Absent means any protocol (null is not: the checked parser rejects it).
    protocol: str = "*"
    source_address_prefix: Any = None
    source_address_prefixes: Any = None
    source_application_security_groups: Any = None
    destination_address_prefix: Any = None
    destination_address_prefixes: Any = None
    destination_application_security_groups: Any = None
    source_port_range: Any = None
    source_port_ranges: Any = None
    destination_port_range: Any = None
    destination_port_ranges: Any = None
    description: Any = None


class DefaultRuleProps(Struct, rename="camel", gc=False):
    """The members of a default rule's properties the loader compares with Azure's own, each the
    value the stdlib reads (``Any``); the absent ones as ``dict.get`` gives them."""

    priority: Any = None
    direction: Any = None
    access: Any = None
    source_address_prefix: Any = None
    destination_address_prefix: Any = None
    protocol: Any = "*"
    destination_port_range: Any = "*"


class DefaultRule(Struct, gc=False):
    """A default security rule, read only to check that it is Azure's own (every other member is
    skipped, not built as a dict). Without ``properties`` (the flattened shape) the loader leaves
    the NSG to the checked parser."""

    name: Any = None
    properties: DefaultRuleProps | UnsetType | None = UNSET


class _NsgProps(Struct, rename="camel", gc=False):
    # Custom rules typed (the loader's rule fast path reads them, see :func:`nsg_builder`); the
    # default rules only as far as the loader checks that they are Azure's own.
    security_rules: list[Child] | None = None
    default_security_rules: list[DefaultRule] | None = None


class _NicIpConfigProps(Struct, rename="camel", gc=False):
    private_ip_address: str | None = msgspec.field(default=None, name="privateIPAddress")
    subnet: _Ref | None = None
    primary: bool | None = None
    application_security_groups: list[_Ref] | None = None
    load_balancer_backend_address_pools: list[_Ref] | None = None


class _NicIpConfig(Struct, gc=False):
    id: str | None = None
    name: str | None = None
    properties: _NicIpConfigProps | None = None


class _NicProps(Struct, rename="camel", gc=False):
    ip_configurations: list[_NicIpConfig] | None = None
    virtual_machine: _Ref | None = None
    private_endpoint: _Ref | None = None
    private_link_service: _Ref | None = None
    network_security_group: _Ref | None = None
    enable_ip_forwarding: bool | None = msgspec.field(default=None, name="enableIPForwarding")
    #: The checked parser reads ``primary is True``: any JSON value.
    primary: Any = None


class _Head(Struct, gc=False):
    """What every resource is dispatched on; ``properties`` stays a span until its kind is known."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    location: str | None = None
    tags: dict[str, str] | None = None
    properties: Raw | UnsetType = UNSET


# The kinds this path builds, each decoded whole in one pass, its properties typed, when its
# ``type`` is written as Azure writes it (the union's tag; msgspec finds it wherever it is in the
# object). Anything else (another kind, another spelling of the type, a properties value the
# structs do not take) is decoded as a :class:`_Head` first, as it always was, and its properties
# by its builder (which then fails as the union did, and the checked parser takes the resource).


class _Whole(Struct, tag_field="type", gc=False):
    id: str | None = None
    name: str | None = None
    location: str | None = None
    tags: dict[str, str] | None = None


class _VNetWhole(_Whole, tag=kinds.VNET.type):
    properties: _VNetProps | UnsetType = UNSET


class _NicWhole(_Whole, tag=kinds.NIC.type):
    properties: _NicProps | UnsetType = UNSET


class _ZoneLinkWhole(_Whole, tag=kinds.ZONE_LINK.type):
    properties: _ZoneLinkProps | UnsetType = UNSET


class _RouteTableWhole(_Whole, tag=kinds.ROUTE_TABLE.type):
    properties: _RouteTableProps | UnsetType = UNSET


class _NsgWhole(_Whole, tag=kinds.NSG.type):
    properties: _NsgProps | UnsetType = UNSET


_HEAD = msgspec.json.Decoder(_Head)
_WHOLE = msgspec.json.Decoder(_VNetWhole | _NicWhole | _ZoneLinkWhole | _RouteTableWhole | _NsgWhole)
_WHOLE_KINDS: dict[type, str] = {
    _VNetWhole: kinds.VNET.key, _NicWhole: kinds.NIC.key, _ZoneLinkWhole: kinds.ZONE_LINK.key,
    _RouteTableWhole: kinds.ROUTE_TABLE.key, _NsgWhole: kinds.NSG.key,
}
_VNET_PROPS = msgspec.json.Decoder(_VNetProps)
_SPACE = msgspec.json.Decoder(_Space | None)
_DHCP = msgspec.json.Decoder(_Dhcp)
_ROUTE_TABLE_PROPS = msgspec.json.Decoder(_RouteTableProps)
_ZONE_LINK_PROPS = msgspec.json.Decoder(_ZoneLinkProps)
_NSG_PROPS = msgspec.json.Decoder(_NsgProps)
_NIC_PROPS = msgspec.json.Decoder(_NicProps)
_ROUTE_PROPS = msgspec.json.Decoder(_RouteProps)
_RULE_PROPS = msgspec.json.Decoder(RuleProps)


def _typed(props: Any, decoder: msgspec.json.Decoder[_T]) -> _T:
    """A resource's ``properties``: decoded by ``decoder`` when still a span (a :class:`_Head`'s),
    as they are when the resource was decoded whole."""
    if props is UNSET:
        raise GiveUp
    return decoder.decode(props) if type(props) is Raw else props


def rule_props(raw: Raw) -> RuleProps:
    """A rule's ``properties`` span, typed (raises msgspec's errors: the NSG takes the checked path)."""
    return _RULE_PROPS.decode(raw)


# The builders of the three most numerous objects (at 10k VNets: 39,000 subnets, 13,000 peering
# links, 10,000 VNets), their fields named: one added to the model without them is an error at
# import, never a wrong object. Equal to the objects __init__ builds (tests/unit/test_typedload.py
# compares both paths).
_SubnetSlots = slotnew.twin(Subnet, (
    "id", "name", "vnet_id", "prefixes", "ip_configuration_ids", "nsg_id", "route_table_id", "delegations",
    "private_endpoint_network_policies", "private_link_service_network_policies"))  # fmt: skip


def _new_subnet(rid: str, name: str, vnet_id: str, prefixes: tuple[Any, ...], ipcs: tuple[str, ...], nsg: str | None,
                rt: str | None, delegations: tuple[str, ...], pe: str | None, pls: str | None) -> Subnet:  # fmt: skip
    o = _SubnetSlots()
    o.id = rid
    o.name = name
    o.vnet_id = vnet_id
    o.prefixes = prefixes
    o.ip_configuration_ids = ipcs
    o.nsg_id = nsg
    o.route_table_id = rt
    o.delegations = delegations
    o.private_endpoint_network_policies = pe
    o.private_link_service_network_policies = pls
    o.__class__ = Subnet
    return o


_PeeringSlots = slotnew.twin(Peering, (
    "id", "name", "vnet_id", "remote_vnet_id", "state", "sync_level", "allow_virtual_network_access",
    "allow_forwarded_traffic", "allow_gateway_transit", "use_remote_gateways", "remote_prefixes",
    "remote_current_prefixes", "peer_complete_vnets", "local_subnet_names", "remote_subnet_names", "only_ipv6",
    "remote_gateway_ids", "provisioning_state"))  # fmt: skip


def _new_peering(rid: str, name: str, vnet_id: str, remote: str, state: PeeringState, sync: SyncLevel | None,
                 access: bool, forwarded: bool, transit: bool, remote_gw: bool, prefixes: tuple[Any, ...],
                 current: tuple[Any, ...], complete: bool, local_names: tuple[str, ...],
                 remote_names: tuple[str, ...], v6: bool, gateways: tuple[str, ...],
                 provisioning: str | None) -> Peering:  # fmt: skip
    o = _PeeringSlots()
    o.id = rid
    o.name = name
    o.vnet_id = vnet_id
    o.remote_vnet_id = remote
    o.state = state
    o.sync_level = sync
    o.allow_virtual_network_access = access
    o.allow_forwarded_traffic = forwarded
    o.allow_gateway_transit = transit
    o.use_remote_gateways = remote_gw
    o.remote_prefixes = prefixes
    o.remote_current_prefixes = current
    o.peer_complete_vnets = complete
    o.local_subnet_names = local_names
    o.remote_subnet_names = remote_names
    o.only_ipv6 = v6
    o.remote_gateway_ids = gateways
    o.provisioning_state = provisioning
    o.__class__ = Peering
    return o


_VNetSlots = slotnew.twin(VNet, (
    "id", "name", "location", "address_prefixes", "subnets", "peerings", "dns_servers", "tags", "source"))


def _new_vnet(rid: str, name: str, location: str, prefixes: tuple[Any, ...], subnets: tuple[Subnet, ...],
              peerings: tuple[Peering, ...], dns: tuple[Any, ...], tags: dict[str, str], source: Any) -> VNet:  # fmt: skip
    o = _VNetSlots()
    o.id = rid
    o.name = name
    o.location = location
    o.address_prefixes = prefixes
    o.subnets = subnets
    o.peerings = peerings
    o.dns_servers = dns
    o.tags = tags
    o.source = source
    o.__class__ = VNet
    return o


class Pending:
    """Children checked while loading, built when first read (see
    :func:`netplan.model._built_on_first_read`): their IDs, their names, and the fields after (ID,
    name, owner ID) of each (shared by every child of the same text); ``make`` builds one."""

    __slots__ = ("bodies", "ids", "make", "names")

    def __init__(self, make: Callable[..., Any], ids: list[str], names: list[str], bodies: list[tuple[Any, ...]]) -> None:
        self.make, self.ids, self.names, self.bodies = make, ids, names, bodies

    def build(self, owner_id: str) -> tuple[Any, ...]:
        make = self.make
        return tuple([make(rid, name, owner_id, *body) for rid, name, body in zip(self.ids, self.names, self.bodies, strict=True)])


_MISS: Any = object()


def pending(children: list[Any], body: Callable[[Any], tuple[Any, ...] | None], memo: dict[bytes, Any],
            make: Callable[..., Any]) -> Pending:  # fmt: skip
    """The :class:`Pending` build of ``children`` (typed structs with ``id``, ``name`` and a
    ``properties`` span), each checked now: ``body(span)`` gives the fields after (ID, name, owner
    ID), or None or :class:`GiveUp` for a child this path does not build (then neither is its
    owner: the checked parser takes it). ``memo`` keeps ``body`` per distinct text of a span."""
    ids = []
    names = []
    bodies = []
    get = memo.get
    for r in children:
        rid, name, raw = r.id, r.name, r.properties
        if not rid or not name or raw is UNSET:
            raise GiveUp
        text = bytes(raw)
        got = get(text, _MISS)
        if got is _MISS:
            got = body(raw)
            if len(memo) < MEMO_MAX:
                memo[text] = got
        if got is None:
            raise GiveUp
        ids.append(rid)
        names.append(name)
        bodies.append(got)
    return Pending(make, ids, names, bodies)


#: Per load (emptied by :func:`forget`): the text of a route's / rule's ``properties`` -> what was
#: built from it. Estates deployed from templates repeat them in every table and NSG.
_ROUTE_BODIES: dict[bytes, tuple[Any, ...]] = {}
#: At most this many texts each (a few MB): estates with more distinct routes or rules build the rest one by one.
MEMO_MAX = 1 << 14


#: Per load (emptied by :func:`forget`): the text of an address space object (``{"addressPrefixes":
#: [...]}``) with an ``addressPrefixes`` list and no IPAM allocations -> its parsed prefixes. Every
#: peering link copies its remote VNet's address space twice, in the same bytes as the VNet's own
#: (13,000 links of 10 prefixes each at 10k VNets): one lookup each, not one per prefix text.
_SPACES: dict[bytes, tuple[Any, ...]] = {}


def forget() -> None:
    """Empty the per-load memos (the loader calls this when a load ends)."""
    _ROUTE_BODIES.clear()
    _SPACES.clear()

_STATES = {m.value.lower(): m for m in PeeringState}
_SYNC = {m.value.lower(): m for m in SyncLevel}
_HOPS = {t.value.lower(): t for t in NextHopType}
_POLICIES = {m.value.lower(): m for m in ResolutionPolicy}


class GiveUp(Exception):
    """This resource is not in a shape this path builds: the checked parser takes it."""


def _word(value: str | None) -> str | None:
    return None if value is None else _intern(value)


def _ref_id(ref: _Ref | None) -> str | None:
    return None if ref is None else ref.id


def _ref_ids(refs: list[_Ref] | None) -> tuple[str, ...]:
    if not refs:
        return ()
    return tuple([r.id for r in refs if r.id])


def _space(raw: Raw | UnsetType) -> tuple[Any, ...] | None:
    """A peering's ``remoteAddressSpace``-like object (a span): None when absent, null or without
    addressPrefixes (its IPAM allocations are not read)."""
    if raw is UNSET:
        return None
    key = bytes(raw)
    got = _SPACES.get(key)
    if got is None:
        space = _SPACE.decode(raw)
        if space is None or space.address_prefixes is None:
            return None
        # A space not met before: its texts are new too (parse_prefixes would look them all up first).
        got = tuple(map(parse_prefix, space.address_prefixes))
        if space.ipam_pool_prefix_allocations is UNSET and len(_SPACES) < MEMO_MAX:
            _SPACES[key] = got
    return got


def _vnet_space(raw: Raw | UnsetType) -> tuple[Any, ...]:
    """A VNet's ``addressSpace`` (a span): its prefixes; :class:`GiveUp` when absent, null or with
    IPAM allocations (the checked parser reads those)."""
    if raw is UNSET:
        raise GiveUp
    key = bytes(raw)
    got = _SPACES.get(key)
    if got is None:
        space = _SPACE.decode(raw)
        if space is None or space.ipam_pool_prefix_allocations is not UNSET:
            raise GiveUp
        if space.address_prefixes is None:
            return ()
        # A space not met before: its texts are new too (parse_prefixes would look them all up first).
        got = tuple(map(parse_prefix, space.address_prefixes))
        if len(_SPACES) < MEMO_MAX:
            _SPACES[key] = got
    return got


def _bool(value: bool | None, default: bool) -> bool:
    return default if value is None else value


def _subnet(s: _Subnet, vnet_id: str) -> Subnet:
    rid, name, p = s.id, s.name, s.properties
    if not rid or not name or p is None or p.ipam_pool_prefix_allocations is not UNSET:
        raise GiveUp
    if p.address_prefixes:
        prefixes = parse_prefixes(p.address_prefixes)  # type: ignore[arg-type]
    elif p.address_prefix is not None:
        prefixes = (parse_prefix(p.address_prefix),)
    else:
        prefixes = ()
    delegations: tuple[str, ...] = ()
    if p.delegations:
        found = []
        for d in p.delegations:
            if not isinstance(d, dict):
                raise GiveUp
            dp = d.get("properties", d)
            svc = dp.get("serviceName") if isinstance(dp, dict) else None
            if isinstance(svc, str):
                found.append(svc)
        delegations = tuple(found)
    # Subnet names repeat across VNets (snet-app, snet-pe, ...): one string each.
    return _new_subnet(
        rid, _intern(name), vnet_id, prefixes, _ref_ids(p.ip_configurations), _ref_id(p.network_security_group),
        _ref_id(p.route_table), delegations, _word(p.private_endpoint_network_policies),
        _word(p.private_link_service_network_policies),
    )  # fmt: skip


def _peering(s: _Peering, vnet_id: str) -> Peering:
    rid, name, p = s.id, s.name, s.properties
    if not rid or not name or p is None:
        raise GiveUp
    remote = _ref_id(p.remote_virtual_network)
    state = _STATES.get(p.peering_state.lower()) if p.peering_state is not None else None
    if not remote or state is None:
        raise GiveUp
    sync = None
    if p.peering_sync_level is not None:
        sync = _SYNC.get(p.peering_sync_level.lower())
        if sync is None:
            raise GiveUp
    peered = _space(p.remote_address_space)
    current = _space(p.remote_virtual_network_address_space)
    if current is not None and current == peered:
        current = peered  # one tuple for the two equal spaces (a synced link): memory at 10k VNets
    local = p.local_subnet_names
    remote_names = p.remote_subnet_names
    return _new_peering(
        rid, name, vnet_id, _intern(remote), state, sync,
        _bool(p.allow_virtual_network_access, True), _bool(p.allow_forwarded_traffic, False),
        _bool(p.allow_gateway_transit, False), _bool(p.use_remote_gateways, False),
        peered if peered is not None else (current or ()),
        current if current is not None else (peered or ()),
        _bool(p.peer_complete_vnets, True),
        tuple([n for n in local if isinstance(n, str)]) if local else (),
        tuple([n for n in remote_names if isinstance(n, str)]) if remote_names else (),
        _bool(p.enable_only_i_pv6_peering, False), _ref_ids(p.remote_gateways), _word(p.provisioning_state),
    )  # fmt: skip


#: Location text -> its canonical form: an estate has a few locations, written on every resource.
_LOCATIONS: dict[str, str] = {}


def _location(loc: str | None) -> str:
    if loc is None:
        return ""
    hit = _LOCATIONS.get(loc)
    if hit is None:
        hit = _intern(loc.replace(" ", "").lower())
        if len(_LOCATIONS) < 4096:
            _LOCATIONS[loc] = hit
    return hit


def _tags(tags: dict[str, str] | None) -> dict[str, str]:
    return {_intern(k): _intern(v) for k, v in tags.items()} if tags else {}


def _vnet(head: Any, rid: str, name: str, span: rawjson.Span) -> VNet:
    p = _typed(head.properties, _VNET_PROPS)
    prefixes = _vnet_space(p.address_space)
    rid = _intern(rid)
    dns: tuple[Any, ...] = ()
    if p.dhcp_options:  # the checked parser reads `dhcpOptions or {}`
        if not isinstance(p.dhcp_options, dict):
            raise GiveUp
        servers = msgspec.convert(p.dhcp_options, _Dhcp).dns_servers
        dns = tuple([parse_ip(v) for v in servers]) if servers else ()
    subnets = tuple([_subnet(s, rid) for s in p.subnets]) if p.subnets else ()
    peerings = tuple([_peering(s, rid) for s in p.virtual_network_peerings]) if p.virtual_network_peerings else ()
    return _new_vnet(rid, name, _location(head.location), prefixes, subnets, peerings, dns, _tags(head.tags), span)


#: Next-hop address text -> address: every route table of a hub-and-spoke estate names the same few
#: appliances (ipaddress takes microseconds per parse). Bounded.
_NEXT_HOPS: dict[str, Any] = {}


def _next_hop(text: str) -> Any:
    hit = _NEXT_HOPS.get(text)
    if hit is None:
        hit = parse_ip(text)
        if len(_NEXT_HOPS) >= 4096:
            _NEXT_HOPS.clear()
        _NEXT_HOPS[text] = hit
    return hit


_new_route = slotnew.builder(Route)
_RouteTableSlots = slotnew.twin(RouteTable, (
    "id", "name", "location", "routes", "disable_bgp_route_propagation", "tags", "source"))


def _new_route_table(rid: str, name: str, location: str, routes: Any, no_bgp: bool, tags: dict[str, str],
                     source: Any) -> RouteTable:  # fmt: skip
    o = _RouteTableSlots()
    o.id = rid
    o.name = name
    o.location = location
    o.routes = routes
    o.disable_bgp_route_propagation = no_bgp
    o.tags = tags
    o.source = source
    o.__class__ = RouteTable
    return o


def _route_body(raw: Raw) -> tuple[Any, ...]:
    """(prefix, address prefix text, next hop type, next hop address) of a route's properties."""
    p = _ROUTE_PROPS.decode(raw)
    text, hop_text = p.address_prefix, p.next_hop_type
    hop = _HOPS.get(hop_text.lower()) if hop_text is not None else None
    if not text or hop is None:
        raise GiveUp
    ip_text = p.next_hop_ip_address
    # As the loader's own fast path (_route_fast): a prefix when it looks like one, else a service
    # tag kept as text.
    prefix = parse_prefix(text) if (text[:1].isdigit() or ":" in text) else None
    ip = _next_hop(ip_text) if ip_text else None
    if hop is NextHopType.VIRTUAL_APPLIANCE and ip is None:
        raise GiveUp
    return prefix, text, hop, ip


def _route_table(head: Any, rid: str, name: str, span: rawjson.Span) -> RouteTable:
    p = _typed(head.properties, _ROUTE_TABLE_PROPS)
    routes = pending(p.routes, _route_body, _ROUTE_BODIES, _new_route) if p.routes else ()
    return _new_route_table(rid, name, _location(head.location), routes, _bool(p.disable_bgp_route_propagation, False),
                      _tags(head.tags), span)  # fmt: skip


def _zone_link(head: Any, rid: str, name: str, span: rawjson.Span) -> ZoneLink:
    p = _typed(head.properties, _ZONE_LINK_PROPS)
    vnet = _ref_id(p.virtual_network)
    if not vnet:
        raise GiveUp
    policy = ResolutionPolicy.DEFAULT
    if p.resolution_policy is not None:
        found = _POLICIES.get(p.resolution_policy.lower())
        if found is None:
            raise GiveUp
        policy = found
    # parent_id's answer, without joining every part again (a link's ID has the zone's ID before it).
    parts = rid.rstrip("/").rsplit("/", 2)
    zone = parts[0] if len(parts) == 3 else parent_id(rid)
    o = _ZoneLinkSlots()
    o.id = rid
    o.name = name
    o.zone_id = _intern(zone)
    o.vnet_id = _intern(vnet)
    o.registration_enabled = _bool(p.registration_enabled, False)
    o.resolution_policy = policy
    o.state = _word(p.virtual_network_link_state)
    o.tags = _tags(head.tags)
    o.source = span
    o.__class__ = ZoneLink
    return o


# A zone's virtual network links are the most numerous resources after VNets (4,700 at 10k VNets).
_ZoneLinkSlots = slotnew.twin(ZoneLink, (
    "id", "name", "zone_id", "vnet_id", "registration_enabled", "resolution_policy", "state", "tags", "source"))


def _nic_ip(text: str | None) -> Any:
    """As the checked parser reads ``privateIPAddress``: a ``/length`` dropped, empty is none."""
    if text is not None and "/" in text:
        text = text.split("/", 1)[0]
    return None if not text else parse_ip(text)


_new_nic_ip_config = slotnew.builder(NicIpConfig)
_new_nic = slotnew.builder(NetworkInterface)


def _nic(head: Any, rid: str, name: str, span: rawjson.Span) -> NetworkInterface:
    p = _typed(head.properties, _NIC_PROPS)
    configs = []
    for c in p.ip_configurations or ():
        cp = c.properties
        if cp is None:
            raise GiveUp
        cname = c.name or (c.id.rstrip("/").rsplit("/", 1)[-1] if c.id else "")
        configs.append(_new_nic_ip_config(
            c.id or f"{rid}/ipConfigurations/{cname}", cname, _nic_ip(cp.private_ip_address), _ref_id(cp.subnet),
            _bool(cp.primary, False), _ref_ids(cp.application_security_groups),
            _ref_ids(cp.load_balancer_backend_address_pools),
        ))  # fmt: skip
    return _new_nic(
        rid, name, _location(head.location), tuple(configs), _ref_id(p.virtual_machine), _ref_id(p.private_endpoint),
        _ref_id(p.private_link_service), _ref_id(p.network_security_group), _bool(p.enable_ip_forwarding, False),
        p.primary is True, _tags(head.tags), span,
    )  # fmt: skip


#: (a :class:`_Head` or a whole resource, ID, name, span) -> model object.
Builder = Callable[[Any, str, str, rawjson.Span], Any]
_BUILDERS: dict[str, Builder] = {
    kinds.VNET.key: _vnet, kinds.ROUTE_TABLE.key: _route_table, kinds.ZONE_LINK.key: _zone_link, kinds.NIC.key: _nic,
}


def nsg_builder(rules: Callable[[list[Child], list[DefaultRule], str], tuple[Any, Any]], make: type[Any]) -> Builder:
    """The builder of network security groups: ``rules(custom, defaults, nsg_id)`` gives (rules,
    default rules) from the typed custom rules (:class:`Child`) and default rules (:class:`DefaultRule`), or
    raises :class:`GiveUp`; ``make`` is the model class. The loader provides both, so that the
    rules are read by its one rule fast path."""

    slots = slotnew.twin(make, ("id", "name", "location", "rules", "default_rules", "tags", "source"))

    def build(head: Any, rid: str, name: str, span: rawjson.Span) -> Any:
        p = _typed(head.properties, _NSG_PROPS)
        custom, defaults = rules(p.security_rules or [], p.default_security_rules or [], rid)
        o = slots()
        o.id = rid
        o.name = name
        o.location = _location(head.location)
        o.rules = custom
        o.default_rules = defaults
        o.tags = _tags(head.tags)
        o.source = span
        o.__class__ = make
        return o

    return build


def register(kind: kinds.Kind, builder: Builder) -> None:
    """Add a kind to the fast path (the loader registers the kinds whose parsing it owns)."""
    _BUILDERS[kind.key] = builder


def resource(span: rawjson.Span) -> tuple[str, str, Any] | None:
    """(lower-cased type, ID, model object) of a resource in a shape this path builds, or None: the
    caller then decodes the span and parses it with the checked parser (the module docstring)."""
    # rawjson.buffer, inline (once per resource)
    buf: Any = span.file.view(span.start, span.end) if type(span) is rawjson.FileSpan else span
    head: Any
    try:
        head = _WHOLE.decode(buf)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        try:
            head = _HEAD.decode(buf)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            return None
        rtype = head.type
        low = rtype.lower() if rtype else ""
    else:
        low = _WHOLE_KINDS[type(head)]
    rid, name = head.id, head.name
    if not low or not rid or not name:
        return None
    build = _BUILDERS.get(low)
    if build is None:
        return None
    try:
        return low, rid, build(head, rid, name, span)
    except (GiveUp, AddressError, msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
