"""Snapshot loaders: Azure JSON in, a validated :class:`~netplan.estate.Estate` out.

Accepted shapes, as Azure tools really produce them: a top-level list of ARM resources; an object
with ``resources`` (our snapshot format, also written by ``vnetplan inventory``); an ARM list
response (``value``); Azure Resource Graph output (``data``); a single resource; what ``az ...
create`` prints (one top-level key such as ``newVNet`` or ``NewNIC`` wrapping a resource or a
list); and the Azure CLI's flattened shape, where ``properties`` is lifted to the top level. A
resource without ``type`` gets it from its ID's provider path. Subnets, peerings, routes and
security rules listed without their parent (``az network vnet subnet list``) are kept, with a
gap naming the missing parent, as are DNS zone groups without their private endpoint. VNets carry subnets and
peerings inline, as ARM returns them; private DNS record sets and VNet links are resources of
their own. Several files merge into one estate; the same resource ID twice is an error.

The promise: malformed input raises :class:`~netplan.errors.InputError` with one line naming the
file, the resource and the JSON path (``estate.json: resources[3] 'vnet-hub': properties.
addressSpace.addressPrefixes[0]: '10.0.0.1/16' has host bits set``). Resource types the model does
not cover are skipped and counted, never fatal.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any

import msgspec

from netplan import kinds, rawjson, slotnew, typedload
from netplan.addr import AddressError, IPAddress, Prefix, parse_ip, parse_prefix, parse_prefixes
from netplan.errors import InputError
from netplan.fwrules import parse_rules
from netplan.ids import parent_id, rid_key
from netplan.model import (
    ANY_PORT,
    ORPHAN_PARENT_REASON,
    Access,
    AddressSpec,
    ApplicationSecurityGroup,
    AzureFirewall,
    BackendAddress,
    BackendPool,
    ConnectionStatus,
    CustomDnsConfig,
    Direction,
    DnsForwarder,
    DnsResolver,
    DnsTarget,
    EndpointConnection,
    FirewallIp,
    Forwarder,
    ForwardingRule,
    ForwardingRuleset,
    Frontend,
    Gap,
    Gateway,
    LbRule,
    LoadBalancer,
    NetworkInterface,
    NetworkSecurityGroup,
    NextHopType,
    NicIpConfig,
    OnPremNetwork,
    Peering,
    PeeringState,
    PlsConnection,
    PlsNatIp,
    PortRange,
    PrivateDnsZone,
    PrivateEndpoint,
    PrivateLinkService,
    PublicAnswer,
    RecordSet,
    ResolutionPolicy,
    ResolverEndpoint,
    Route,
    RouteTable,
    RulesetLink,
    SecurityRule,
    Subnet,
    SyncLevel,
    VNet,
    ZoneGroup,
    ZoneGroupRecord,
    ZoneLink,
)
from netplan.record import record
from netplan.yamlio import load_with_lines
from netplan.yamlio import where as yaml_where

# Keys that stay at the top of a resource in both ARM and Azure CLI shapes. Anything else at the
# top of a resource without "properties" means the CLI's flattened shape.
_ENVELOPE = frozenset(
    {
        "id", "name", "type", "location", "tags", "etag", "sku", "zones", "kind", "extendedLocation",
        "resourceGroup", "managedBy", "identity", "systemData", "subscriptionId", "tenantId",
        "apiVersion", "plan",
    }
)  # fmt: skip



@record(frozen=False, slots=False)
class RawSnapshot:
    """One input file, parsed: its resources (with their JSON paths), declarations and gaps. A
    resource is a dict, or a span of the file decoded only while it is parsed (:mod:`netplan.rawjson`)."""

    file: str
    resources: list[tuple[str, dict[str, Any] | rawjson.Span]]
    declarations: dict[str, Any] | None = None
    gaps: list[dict[str, Any]] = field(default_factory=list)
    #: Subscription ID (lower case) -> display name, from the snapshot's ``subscriptions`` list.
    subscription_names: dict[str, str] = field(default_factory=dict)
    #: The file's bytes are ASCII, so every span is valid UTF-8 (the typed fast path skips the
    #: fields it does not read without decoding them; a span of another file is checked first).
    ascii: bool = False
    #: The file the resources are ranges of, when they are (its loading window is let go after them).
    origin: rawjson.SourceFile | None = None


class _At:
    """Error context for one resource: the file, the resource's path and its name; and where its
    JSON is kept for round trips (``source``: a span of the file, or the dict itself)."""

    __slots__ = ("file", "label", "source")

    def __init__(self, file: str, base: str, name: object, source: Any = None) -> None:
        self.file = file
        self.label = f"{base} '{name}'" if isinstance(name, str) and name else base
        self.source = source

    def err(self, path: str, message: str) -> InputError:
        return InputError(self.file, f"{self.label}: {path}" if path else self.label, message)


# ---------------------------------------------------------------------------------------------
# Reading files


def read_snapshot(path: str | Path) -> RawSnapshot:
    """Parse one snapshot file into raw resources, without interpreting them yet: each resource
    stays a range of the file (:class:`netplan.rawjson.FileSpan`; a span of its bytes when the file
    is not a regular file) until the loader builds its model, and the file's bytes are let go."""
    file = str(path)
    try:
        with open(path, "rb") as fh:
            stamp = rawjson.file_stamp(fh.fileno())
            text = fh.read()
            if stamp is not None and rawjson.file_stamp(fh.fileno()) != stamp:
                stamp = None  # written while read: keep these bytes rather than read it again
    except FileNotFoundError:
        raise InputError(file, "", "no such file") from None
    except IsADirectoryError:
        raise InputError(file, "", "is a directory, expected a JSON file") from None
    except OSError as exc:
        raise InputError(file, "", f"cannot read: {exc.strerror or exc}") from None
    array: msgspec.Raw | None = None
    items: list[msgspec.Raw] | None = None
    snap: RawSnapshot | None = None
    places: list[tuple[int, int]] | None = None
    # A snapshot object in one pass (the usual shape); anything else as below.
    doc = rawjson.split_doc(text)
    top = rawjson.split(text) if doc is None else None
    if doc is not None:
        member, items, others = doc
        # Placed first: when every resource's range starts with `{`, snapshot_from_data need not
        # look at each resource to find that it is an object.
        places = rawjson.item_ranges(text, items) if stamp is not None else None
        objects = places is not None and len(places) == len(items) and rawjson.objects_at(text, places)
        found = {**{k: rawjson.decode(v) for k, v in others.items()}, member: items}
        snap = snapshot_from_data(found, file, objects=objects)
    elif isinstance(top, list):
        items = top
        snap = snapshot_from_data(top, file)
    elif isinstance(top, dict):
        key = next((k for k in rawjson.RESOURCE_KEYS if k in top), None)
        items = rawjson.split_list(top[key]) if key is not None else None
        if key is not None and items is not None:
            array = top[key]
            # The other members (declarations, gaps) are small: decoded now, checked as ever.
            snap = snapshot_from_data({**{k: rawjson.decode(v) for k, v in top.items() if k != key}, key: items}, file)
    if snap is not None and items is not None:
        snap.ascii = text.isascii()
        if stamp is None:
            places = None
        elif doc is None:
            places = rawjson.ranges(text, array, items)
        if stamp is not None and places is not None and len(places) == len(snap.resources):
            # The model is built from the file read again in windows, and each resource keeps its
            # range, so the file's bytes go now (peak memory: the file, or the model, not both).
            src = rawjson.SourceFile(file, stamp)
            snap.resources = [(where, rawjson.FileSpan(src, a, b))
                              for (where, _), (a, b) in zip(snap.resources, places, strict=True)]  # fmt: skip
            snap.origin = src
        return snap
    # Anything else (one resource, an `az ... create` wrapper, JSON only the stdlib reads, an
    # error to word) takes the json path, as it always did.
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(file, f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}") from None
    except UnicodeDecodeError:
        raise InputError(file, "", "not UTF-8 JSON") from None
    except RecursionError:
        raise InputError(file, "", "nested too deeply to be a snapshot (JSON nesting beyond the parser's limit)") from None
    return snapshot_from_data(data, file)


def snapshot_from_data(data: Any, file: str = "<data>", *, objects: bool = False) -> RawSnapshot:
    """Find the resources in any of the accepted top-level shapes. ``objects``: the caller found
    every resource to be a JSON object (:func:`netplan.rawjson.objects_at`), so none is looked at."""
    declarations = None
    gaps: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    if isinstance(data, list):
        items, base = data, ""
    elif isinstance(data, dict):
        if "resources" in data:
            items, base = data["resources"], "resources"
        elif "value" in data:
            items, base = data["value"], "value"
        elif "data" in data:
            items, base = data["data"], "data"
        elif "id" in data and ("type" in data or "properties" in data):
            items, base = [data], ""
        elif (wrapped := _cli_wrapper(data)) is not None:
            items, base = wrapped
        else:
            raise InputError(
                file, "$", "no resources found: expected a list, or an object with 'resources', 'value' or 'data'"
            )
        if not isinstance(items, list):
            raise InputError(file, base, f"expected a list of resources, got {type(items).__name__}")
        if isinstance(data.get("declarations"), dict):
            declarations = data["declarations"]
        elif data.get("declarations") is not None:
            raise InputError(file, "declarations", "expected an object")
        raw_gaps = data.get("gaps", [])
        if not isinstance(raw_gaps, list):
            raise InputError(file, "gaps", "expected a list")
        gaps = raw_gaps
        names = _subscription_names(data.get("subscriptions"), file)
    else:
        raise InputError(file, "$", f"expected a JSON list or object, got {type(data).__name__}")
    if objects:
        paths = [f"{base}[{i}]" for i in range(len(items))] if base else [f"[{i}]" for i in range(len(items))]
        return RawSnapshot(file, list(zip(paths, items, strict=True)), declarations, gaps, names)
    resources = []
    for i, item in enumerate(items):
        path = f"{base}[{i}]" if base else f"[{i}]"
        if rawjson.is_span(item):
            if not rawjson.is_object(item):
                raise InputError(file, path, f"expected a resource object, got {rawjson.type_name(item)}")
        elif not isinstance(item, dict):
            raise InputError(file, path, f"expected a resource object, got {type(item).__name__}")
        resources.append((path, item))
    return RawSnapshot(file, resources, declarations, gaps, names)


def _subscription_names(value: object, file: str) -> dict[str, str]:
    """The display names of a snapshot's ``subscriptions`` list (ARM's ``GET /subscriptions``
    items: ``subscriptionId`` and ``displayName``; a bare ID string names nothing)."""
    if value is None:
        return {}
    if not isinstance(value, list):
        raise InputError(file, "subscriptions", "expected a list of subscriptions")
    out: dict[str, str] = {}
    for i, item in enumerate(value):
        if isinstance(item, str):
            continue
        if not isinstance(item, dict):
            raise InputError(file, f"subscriptions[{i}]", f"expected an object, got {type(item).__name__}")
        sid, name = item.get("subscriptionId"), item.get("displayName")
        if not isinstance(sid, str) or not sid.strip():
            raise InputError(file, f"subscriptions[{i}].subscriptionId", "expected the subscription ID")
        if name is not None and not isinstance(name, str):
            raise InputError(file, f"subscriptions[{i}].displayName", f"expected a string, got {type(name).__name__}")
        if name and name.strip():
            out[sid.strip().lower()] = name.strip()
    return out


def _cli_wrapper(data: dict[str, Any]) -> tuple[list[Any], str] | None:
    """What ``az ... create`` prints: one top-level key (``newVNet``, ``NewNIC``, ...) wrapping one
    resource or a list of them. Returns (items, base path), or None for any other object."""
    if len(data) != 1:
        return None
    ((key, value),) = data.items()
    if isinstance(value, dict) and "id" in value:
        return [value], key
    if isinstance(value, list) and value and all(isinstance(v, dict) and "id" in v for v in value):
        return value, key
    return None


def infer_type(rid: object) -> str | None:
    """The ARM type a resource ID names (``.../providers/Microsoft.Network/privateEndpoints/pe/
    privateDnsZoneGroups/default`` -> ``Microsoft.Network/privateEndpoints/privateDnsZoneGroups``),
    for payloads that omit ``type`` (the Azure CLI does for zone groups, subnets, peerings)."""
    if not isinstance(rid, str) or not rid.startswith("/"):
        return None
    parts = [p for p in rid.split("/") if p]
    low = [p.lower() for p in parts]
    if "providers" not in low:
        return None
    rest = parts[low.index("providers") + 1 :]
    # namespace, then type/name pairs: an odd count after the namespace is not a resource ID.
    if len(rest) < 3 or len(rest) % 2 != 1:
        return None
    return "/".join((rest[0], *rest[1::2]))


# ---------------------------------------------------------------------------------------------
# Field access with paths


def _props(obj: dict[str, Any], at: _At, path: str) -> tuple[dict[str, Any], str]:
    """The properties of an ARM object, or the object itself in the CLI's flattened shape."""
    if "properties" in obj:
        props = obj["properties"]
        if not isinstance(props, dict):
            raise at.err(_join(path, "properties"), f"expected an object, got {type(props).__name__}")
        return props, _join(path, "properties")
    if any(k not in _ENVELOPE for k in obj):
        return obj, path
    raise at.err(path, "missing 'properties'")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _str(obj: dict[str, Any], key: str, at: _At, path: str, required: bool = True) -> str | None:
    v = obj.get(key)
    if v is None:
        if required:
            raise at.err(_join(path, key), f"missing '{key}'")
        return None
    if not isinstance(v, str) or (required and not v):
        raise at.err(_join(path, key), f"expected a non-empty string, got {v!r}")
    return v


def _bool(obj: dict[str, Any], key: str, at: _At, path: str, default: bool) -> bool:
    v = obj.get(key)
    if v is None:
        return default
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    raise at.err(_join(path, key), f"expected true or false, got {v!r}")


def _list(obj: dict[str, Any], key: str, at: _At, path: str) -> list[Any]:
    v = obj.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise at.err(_join(path, key), f"expected a list, got {type(v).__name__}")
    return v


def _objects(obj: dict[str, Any], key: str, at: _At, path: str) -> Iterator[tuple[dict[str, Any], str]]:
    """The items of a list of objects, each with its JSON path; a non-object item is an error."""
    base = _join(path, key)
    for i, item in enumerate(_list(obj, key, at, path)):
        item_path = _join(base, i)
        if not isinstance(item, dict):
            raise at.err(item_path, "expected an object")
        yield item, item_path


def _ref(obj: dict[str, Any], key: str, at: _At, path: str) -> str | None:
    """The ``id`` of a sub-resource reference such as ``"subnet": {"id": "..."}``."""
    v = obj.get(key)
    if v is None:
        return None
    if not isinstance(v, dict):
        raise at.err(_join(path, key), f"expected an object with 'id', got {type(v).__name__}")
    return _str(v, "id", at, _join(path, key), required=False)


def _ref_ids(obj: dict[str, Any], key: str, at: _At, path: str) -> tuple[str, ...]:
    out = []
    for i, item in enumerate(_list(obj, key, at, path)):
        p = _join(_join(path, key), i)
        if not isinstance(item, dict):
            raise at.err(p, "expected an object with 'id'")
        rid = _str(item, "id", at, p, required=False)
        if rid:
            out.append(rid)
    return tuple(out)


def _prefix(value: object, at: _At, path: str) -> Prefix:
    try:
        return parse_prefix(value)
    except AddressError as exc:
        raise at.err(path, str(exc)) from None


def _prefixes(values: object, at: _At, path: str) -> tuple[Prefix, ...]:
    if values is None:
        return ()
    if not isinstance(values, list):
        raise at.err(path, f"expected a list of CIDR prefixes, got {type(values).__name__}")
    try:
        # Hot path (100,000s of prefixes): no per-item JSON path unless one is bad.
        return parse_prefixes(values)
    except AddressError:
        return tuple(_prefix(v, at, f"{path}[{i}]") for i, v in enumerate(values))


def _ip(value: object, at: _At, path: str) -> IPAddress:
    try:
        return parse_ip(value)
    except AddressError as exc:
        raise at.err(path, str(exc)) from None


def _opt_ip(obj: dict[str, Any], key: str, at: _At, path: str) -> IPAddress | None:
    v = obj.get(key)
    if isinstance(v, str) and "/" in v:
        # NIC ipconfigs with privateIPAddressPrefixLength carry "172.20.2.16/28": the first
        # address of the delegated block is the configuration's address.
        v = v.split("/", 1)[0]
    return None if v in (None, "") else _ip(v, at, _join(path, key))


# Lower-cased value -> member, per enum class: iterating an Enum costs more than a lookup, and
# every peering link has two enum fields.
_ENUM_BY_VALUE: dict[Any, dict[str, Any]] = {}


def _enum(enum_cls: Any, value: object, at: _At, path: str) -> Any:
    if isinstance(value, str):
        by_value = _ENUM_BY_VALUE.get(enum_cls)
        if by_value is None:
            by_value = {}
            for member in enum_cls:
                by_value.setdefault(member.value.lower(), member)
            _ENUM_BY_VALUE[enum_cls] = by_value
        hit = by_value.get(value.lower())
        if hit is not None:
            return hit
    allowed = ", ".join(m.value for m in enum_cls)
    raise at.err(path, f"unknown value {value!r} (expected one of {allowed})")


def _word(value: str | None) -> str | None:
    """A value repeated across the estate (a policy, a state, a location, a tag, a referenced ID),
    shared: an estate of 10k VNets holds it 40,000 times, and one string is enough."""
    return None if value is None else sys.intern(value)


def _sub_name(obj: dict[str, Any], rid: str | None) -> str:
    name = obj.get("name")
    if isinstance(name, str) and name:
        return name
    return rid.rstrip("/").rsplit("/", 1)[-1] if rid else ""


# ---------------------------------------------------------------------------------------------
# One parser per resource type. Each returns a model object, or a list for inline children.


def _subnet(obj: dict[str, Any], vnet_id: str, at: _At, path: str) -> Subnet:
    rid = _str(obj, "id", at, path, required=False)
    name = _sub_name(obj, rid)
    rid = rid or f"{vnet_id}/subnets/{name}"
    props, pp = _props(obj, at, path)
    if props.get("addressPrefixes"):
        prefixes = _prefixes(props["addressPrefixes"], at, _join(pp, "addressPrefixes"))
    elif props.get("addressPrefix") is not None:
        prefixes = (_prefix(props["addressPrefix"], at, _join(pp, "addressPrefix")),)
    else:
        prefixes = ()
    prefixes = _with_ipam(prefixes, props, at, pp)
    delegations = []
    for i, d in enumerate(_list(props, "delegations", at, pp)):
        if isinstance(d, dict):
            dp = d.get("properties", d)
            svc = dp.get("serviceName") if isinstance(dp, dict) else None
            if isinstance(svc, str):
                delegations.append(svc)
        else:
            raise at.err(_join(_join(pp, "delegations"), i), "expected an object")
    return Subnet(
        id=rid,
        name=name,
        vnet_id=vnet_id,
        prefixes=prefixes,
        ip_configuration_ids=_ref_ids(props, "ipConfigurations", at, pp),
        nsg_id=_ref(props, "networkSecurityGroup", at, pp),
        route_table_id=_ref(props, "routeTable", at, pp),
        delegations=tuple(delegations),
        private_endpoint_network_policies=_word(_str(props, "privateEndpointNetworkPolicies", at, pp, required=False)),
        private_link_service_network_policies=_word(
            _str(props, "privateLinkServiceNetworkPolicies", at, pp, required=False)
        ),
    )


def _peering(obj: dict[str, Any], vnet_id: str, at: _At, path: str) -> Peering:
    rid = _str(obj, "id", at, path, required=False)
    name = _sub_name(obj, rid)
    rid = rid or f"{vnet_id}/virtualNetworkPeerings/{name}"
    props, pp = _props(obj, at, path)
    remote = _ref(props, "remoteVirtualNetwork", at, pp)
    if not remote:
        raise at.err(_join(pp, "remoteVirtualNetwork"), "missing remoteVirtualNetwork.id")
    if "peeringState" not in props:
        raise at.err(_join(pp, "peeringState"), "missing 'peeringState'")
    state = _enum(PeeringState, props["peeringState"], at, _join(pp, "peeringState"))
    sync = props.get("peeringSyncLevel")
    sync_level = None if sync is None else _enum(SyncLevel, sync, at, _join(pp, "peeringSyncLevel"))
    peered = _address_space(props, "remoteAddressSpace", at, pp)
    current = _address_space(props, "remoteVirtualNetworkAddressSpace", at, pp)
    return Peering(
        id=rid,
        name=name,
        vnet_id=vnet_id,
        remote_vnet_id=sys.intern(remote),
        state=state,
        sync_level=sync_level,
        allow_virtual_network_access=_bool(props, "allowVirtualNetworkAccess", at, pp, True),
        allow_forwarded_traffic=_bool(props, "allowForwardedTraffic", at, pp, False),
        allow_gateway_transit=_bool(props, "allowGatewayTransit", at, pp, False),
        use_remote_gateways=_bool(props, "useRemoteGateways", at, pp, False),
        remote_prefixes=peered if peered is not None else (current or ()),
        remote_current_prefixes=current if current is not None else (peered or ()),
        peer_complete_vnets=_bool(props, "peerCompleteVnets", at, pp, True),
        local_subnet_names=tuple(s for s in _list(props, "localSubnetNames", at, pp) if isinstance(s, str)),
        remote_subnet_names=tuple(s for s in _list(props, "remoteSubnetNames", at, pp) if isinstance(s, str)),
        only_ipv6=_bool(props, "enableOnlyIPv6Peering", at, pp, False),
        remote_gateway_ids=_ref_ids(props, "remoteGateways", at, pp),
        provisioning_state=_word(_str(props, "provisioningState", at, pp, required=False)),
    )


def _address_space(props: dict[str, Any], key: str, at: _At, path: str) -> tuple[Prefix, ...] | None:
    """``{key: {"addressPrefixes": [...]}}`` of a peering; None when the payload has no such field."""
    space = props.get(key)
    if space is None:
        return None
    if not isinstance(space, dict):
        raise at.err(_join(path, key), "expected an object with addressPrefixes")
    if space.get("addressPrefixes") is None:
        return None
    return _prefixes(space.get("addressPrefixes"), at, _join(_join(path, key), "addressPrefixes"))


def _with_ipam(prefixes: tuple[Prefix, ...], holder: dict[str, Any], at: _At, path: str) -> tuple[Prefix, ...]:
    """``prefixes`` plus the ``allocatedAddressPrefixes`` of ``ipamPoolPrefixAllocations`` (a VNet's
    addressSpace or a subnet): space an IPAM pool allocated is used even when a payload lists it
    only there."""
    if "ipamPoolPrefixAllocations" not in holder:
        return prefixes
    extra: list[Prefix] = []
    for alloc, ap in _objects(holder, "ipamPoolPrefixAllocations", at, path):
        extra.extend(_prefixes(alloc.get("allocatedAddressPrefixes"), at, _join(ap, "allocatedAddressPrefixes")))
    if not extra:
        return prefixes
    return tuple(dict.fromkeys((*prefixes, *extra)))


def _location(obj: dict[str, Any], at: _At) -> str:
    loc = obj.get("location")
    if loc is None:
        return ""
    if not isinstance(loc, str):
        raise at.err("location", f"expected a string, got {loc!r}")
    return sys.intern(loc.replace(" ", "").lower())


def _tags_of(obj: dict[str, Any], at: _At) -> dict[str, str]:
    tags = obj.get("tags")
    if tags is None:
        return {}
    if not isinstance(tags, dict):
        raise at.err("tags", "expected an object")
    return {sys.intern(str(k)): sys.intern(str(v)) for k, v in tags.items()}


def parse_vnet(obj: dict[str, Any], rid: str, at: _At) -> VNet:
    rid = sys.intern(rid)  # peerings and zone links name it again
    props, pp = _props(obj, at, "")
    space = props.get("addressSpace")
    if not isinstance(space, dict):
        raise at.err(_join(pp, "addressSpace"), "missing addressSpace.addressPrefixes")
    prefixes = _prefixes(space.get("addressPrefixes"), at, _join(_join(pp, "addressSpace"), "addressPrefixes"))
    prefixes = _with_ipam(prefixes, space, at, _join(pp, "addressSpace"))
    dhcp = props.get("dhcpOptions") or {}
    if not isinstance(dhcp, dict):
        raise at.err(_join(pp, "dhcpOptions"), "expected an object")
    dhcp_path = _join(pp, "dhcpOptions")
    dns_servers = _list(dhcp, "dnsServers", at, dhcp_path)
    dns = tuple(_ip(v, at, _join(_join(dhcp_path, "dnsServers"), i)) for i, v in enumerate(dns_servers))
    subnets_path = _join(pp, "subnets")
    subnets = tuple(
        _subnet(s, rid, at, f"{subnets_path}[{i}]") if isinstance(s, dict)
        else _raise(at.err(f"{subnets_path}[{i}]", "expected a subnet object"))
        for i, s in enumerate(_list(props, "subnets", at, pp))
    )  # fmt: skip
    peerings_path = _join(pp, "virtualNetworkPeerings")
    peerings = tuple(
        _peering(s, rid, at, f"{peerings_path}[{i}]") if isinstance(s, dict)
        else _raise(at.err(f"{peerings_path}[{i}]", "expected a peering object"))
        for i, s in enumerate(_list(props, "virtualNetworkPeerings", at, pp))
    )  # fmt: skip
    return VNet(
        id=rid,
        name=_sub_name(obj, rid),
        location=_location(obj, at),
        address_prefixes=prefixes,
        subnets=subnets,
        peerings=peerings,
        dns_servers=dns,
        tags=_tags_of(obj, at),
        source=at.source,
    )


def _raise(exc: Exception) -> Any:
    raise exc


def parse_load_balancer(obj: dict[str, Any], rid: str, at: _At) -> LoadBalancer:
    props, pp = _props(obj, at, "")
    sku = obj.get("sku") or props.get("sku") or {}
    sku_name = sku.get("name") if isinstance(sku, dict) else None
    frontends = []
    for fe, fp in _objects(props, "frontendIPConfigurations", at, pp):
        fe_id = _str(fe, "id", at, fp, required=False)
        name = _sub_name(fe, fe_id)
        fprops, fpp = _props(fe, at, fp)
        frontends.append(
            Frontend(
                id=fe_id or f"{rid}/frontendIPConfigurations/{name}",
                name=name,
                lb_id=rid,
                private_ip=_opt_ip(fprops, "privateIPAddress", at, fpp),
                subnet_id=_ref(fprops, "subnet", at, fpp),
                public_ip_id=_ref(fprops, "publicIPAddress", at, fpp),
                allocation=_str(fprops, "privateIPAllocationMethod", at, fpp, required=False),
            )
        )
    pools = []
    for bp, bpp in _objects(props, "backendAddressPools", at, pp):
        bp_id = _str(bp, "id", at, bpp, required=False)
        bname = _sub_name(bp, bp_id)
        bprops, bpprops = _props(bp, at, bpp) if "properties" in bp else ({}, bpp)
        addrs = []
        for a, ap in _objects(bprops, "loadBalancerBackendAddresses", at, bpprops):
            aprops, app = _props(a, at, ap) if "properties" in a else (a, ap)  # ARM nests, the CLI flattens
            addrs.append(BackendAddress(
                _opt_ip(aprops, "ipAddress", at, app),
                _ref(aprops, "subnet", at, app),
                _ref(aprops, "virtualNetwork", at, app),
            ))  # fmt: skip
        pools.append(BackendPool(bp_id or f"{rid}/backendAddressPools/{bname}", bname, tuple(addrs)))
    rules = []
    for r, rp in _objects(props, "loadBalancingRules", at, pp):
        rprops, rpp = _props(r, at, rp)
        fe_port, be_port = rprops.get("frontendPort", 0), rprops.get("backendPort", rprops.get("frontendPort", 0))
        for key, v in (("frontendPort", fe_port), ("backendPort", be_port)):
            if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 65535:
                raise at.err(_join(rpp, key), f"invalid port {v!r} (0-65535)")
        pool_ids = _ref_ids(rprops, "backendAddressPools", at, rpp) or tuple(
            x for x in [_ref(rprops, "backendAddressPool", at, rpp)] if x
        )
        rules.append(LbRule(
            _sub_name(r, r.get("id")), _ref(rprops, "frontendIPConfiguration", at, rpp), pool_ids,
            str(rprops.get("protocol") or "All"), fe_port, be_port,
        ))  # fmt: skip
    return LoadBalancer(
        id=rid,
        name=_sub_name(obj, rid),
        location=_location(obj, at),
        # Azure's default SKU for an LB created without one is Basic.
        sku=sku_name if isinstance(sku_name, str) else "Basic",
        frontends=tuple(frontends),
        backend_pools=tuple(pools),
        rules=tuple(rules),
        tags=_tags_of(obj, at),
        source=at.source,
    )


def _status(conn_props: dict[str, Any], at: _At, path: str) -> ConnectionStatus:
    state = conn_props.get("privateLinkServiceConnectionState") or {}
    if not isinstance(state, dict):
        raise at.err(_join(path, "privateLinkServiceConnectionState"), "expected an object")
    status = state.get("status", "Pending")
    return _enum(ConnectionStatus, status, at, _join(_join(path, "privateLinkServiceConnectionState"), "status"))


def parse_private_link_service(obj: dict[str, Any], rid: str, at: _At) -> PrivateLinkService:
    props, pp = _props(obj, at, "")
    nat = []
    for cfg, cp in _objects(props, "ipConfigurations", at, pp):
        cprops, cpp = _props(cfg, at, cp)
        subnet = _ref(cprops, "subnet", at, cpp)
        if subnet:
            nat.append(PlsNatIp(_sub_name(cfg, None), subnet, _opt_ip(cprops, "privateIPAddress", at, cpp)))
    conns = []
    for c, cp in _objects(props, "privateEndpointConnections", at, pp):
        cprops, cpp = _props(c, at, cp)
        conns.append(
            PlsConnection(_sub_name(c, c.get("id")), _ref(cprops, "privateEndpoint", at, cpp), _status(cprops, at, cpp))
        )

    def subs(key: str) -> tuple[str, ...]:
        v = props.get(key) or {}
        s = (v.get("subscriptions") or []) if isinstance(v, dict) else []
        return tuple(x for x in s if isinstance(x, str))

    return PrivateLinkService(
        id=rid,
        name=_sub_name(obj, rid),
        location=_location(obj, at),
        frontend_ids=_ref_ids(props, "loadBalancerFrontendIpConfigurations", at, pp),
        nat_ips=tuple(nat),
        alias=_str(props, "alias", at, pp, required=False),
        visibility_subscriptions=subs("visibility"),
        auto_approval_subscriptions=subs("autoApproval"),
        connections=tuple(conns),
        fqdns=tuple(x for x in _list(props, "fqdns", at, pp) if isinstance(x, str)),
        tags=_tags_of(obj, at),
        source=at.source,
    )


def parse_private_endpoint(obj: dict[str, Any], rid: str, at: _At) -> PrivateEndpoint:
    props, pp = _props(obj, at, "")
    subnet = _ref(props, "subnet", at, pp)
    if not subnet:
        raise at.err(_join(pp, "subnet"), "missing subnet.id")
    conns = []
    for key, manual in (("privateLinkServiceConnections", False), ("manualPrivateLinkServiceConnections", True)):
        for c, cp in _objects(props, key, at, pp):
            cprops, cpp = _props(c, at, cp)
            target = _str(cprops, "privateLinkServiceId", at, cpp)
            assert target is not None
            groups = tuple(g for g in _list(cprops, "groupIds", at, cpp) if isinstance(g, str))
            conns.append(EndpointConnection(_sub_name(c, c.get("id")), target, groups, _status(cprops, at, cpp), manual))
    custom = []
    for c, cp in _objects(props, "customDnsConfigs", at, pp):
        ips = tuple(_ip(v, at, _join(_join(cp, "ipAddresses"), j)) for j, v in enumerate(_list(c, "ipAddresses", at, cp)))
        fqdn = c.get("fqdn")
        if isinstance(fqdn, str):
            custom.append(CustomDnsConfig(fqdn.lower().rstrip("."), ips))
    static = []
    for c, cp in _objects(props, "ipConfigurations", at, pp):
        cprops, cpp = _props(c, at, cp)
        ip = _opt_ip(cprops, "privateIPAddress", at, cpp)
        if ip is not None:
            static.append(ip)
    return PrivateEndpoint(
        id=rid,
        name=_sub_name(obj, rid),
        location=_location(obj, at),
        subnet_id=subnet,
        nic_ids=_ref_ids(props, "networkInterfaces", at, pp),
        connections=tuple(conns),
        custom_dns=tuple(custom),
        static_ips=tuple(static),
        tags=_tags_of(obj, at),
        source=at.source,
    )


def parse_zone_group(obj: dict[str, Any], rid: str, at: _At) -> ZoneGroup:
    props, pp = _props(obj, at, "")
    zone_ids = []
    records = []
    for cfg, cp in _objects(props, "privateDnsZoneConfigs", at, pp):
        cprops, cpp = _props(cfg, at, cp)
        zid = _str(cprops, "privateDnsZoneId", at, cpp)
        assert zid is not None
        zone_ids.append(zid)
        for j, rs in enumerate(_list(cprops, "recordSets", at, cpp)):
            rp = _join(_join(cpp, "recordSets"), j)
            if isinstance(rs, dict) and isinstance(rs.get("fqdn"), str):
                ips = tuple(_ip(v, at, _join(_join(rp, "ipAddresses"), k)) for k, v in enumerate(_list(rs, "ipAddresses", at, rp)))
                records.append(ZoneGroupRecord(rs["fqdn"].lower().rstrip("."), ips))
    return ZoneGroup(
        id=rid,
        name=_sub_name(obj, rid),
        endpoint_id=parent_id(rid),
        zone_ids=tuple(zone_ids),
        records=tuple(records),
        source=at.source,
    )


def parse_nic(obj: dict[str, Any], rid: str, at: _At) -> NetworkInterface:
    props, pp = _props(obj, at, "")
    cfgs = []
    for c, cp in _objects(props, "ipConfigurations", at, pp):
        cid = _str(c, "id", at, cp, required=False)
        name = _sub_name(c, cid)
        cprops, cpp = _props(c, at, cp)
        cfgs.append(
            NicIpConfig(
                id=cid or f"{rid}/ipConfigurations/{name}",
                name=name,
                private_ip=_opt_ip(cprops, "privateIPAddress", at, cpp),
                subnet_id=_ref(cprops, "subnet", at, cpp),
                primary=_bool(cprops, "primary", at, cpp, False),
                asg_ids=_ref_ids(cprops, "applicationSecurityGroups", at, cpp),
                backend_pool_ids=_ref_ids(cprops, "loadBalancerBackendAddressPools", at, cpp),
            )
        )
    return NetworkInterface(
        id=rid,
        name=_sub_name(obj, rid),
        location=_location(obj, at),
        ip_configs=tuple(cfgs),
        vm_id=_ref(props, "virtualMachine", at, pp),
        private_endpoint_id=_ref(props, "privateEndpoint", at, pp),
        private_link_service_id=_ref(props, "privateLinkService", at, pp),
        nsg_id=_ref(props, "networkSecurityGroup", at, pp),
        ip_forwarding=_bool(props, "enableIPForwarding", at, pp, False),
        primary=props.get("primary") is True,
        tags=_tags_of(obj, at),
        source=at.source,
    )


def parse_zone(obj: dict[str, Any], rid: str, at: _At) -> PrivateDnsZone:
    name = _str(obj, "name", at, "") or ""
    return PrivateDnsZone(id=sys.intern(rid), name=name.lower().rstrip("."), tags=_tags_of(obj, at), source=at.source)


def parse_record_set(obj: dict[str, Any], rid: str, at: _At, rtype: str) -> RecordSet:
    props, pp = _props(obj, at, "")
    name = (_str(obj, "name", at, "") or "").lower()
    values: list[str] = []

    def items(key: str) -> list[Any]:
        return _list(props, key, at, pp)

    if rtype == "A":
        values = [str(_ip(r.get("ipv4Address") if isinstance(r, dict) else r, at, _join(_join(pp, "aRecords"), i)))
                  for i, r in enumerate(items("aRecords"))]  # fmt: skip
    elif rtype == "AAAA":
        values = [str(_ip(r.get("ipv6Address") if isinstance(r, dict) else r, at, _join(_join(pp, "aaaaRecords"), i)))
                  for i, r in enumerate(items("aaaaRecords"))]  # fmt: skip
    elif rtype == "CNAME":
        c = props.get("cnameRecord")
        if isinstance(c, dict) and isinstance(c.get("cname"), str):
            values = [c["cname"].lower().rstrip(".")]
        elif c is not None:
            raise at.err(_join(pp, "cnameRecord"), "expected an object with 'cname'")
    elif rtype == "SOA":
        s = props.get("soaRecord")
        if isinstance(s, dict):
            values = [f"{s.get('host', '')} {s.get('email', '')} {s.get('serialNumber', '')}"]
    else:
        key = {"MX": "mxRecords", "PTR": "ptrRecords", "SRV": "srvRecords", "TXT": "txtRecords"}[rtype]
        values = [json.dumps(r, sort_keys=True) for r in items(key)]
    ttl = props.get("ttl")
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 0):
        raise at.err(_join(pp, "ttl"), f"expected a non-negative integer, got {ttl!r}")
    return RecordSet(
        id=rid,
        name=name,
        zone_id=sys.intern(parent_id(rid)),
        rtype=rtype,
        ttl=ttl,
        values=tuple(values),
        auto_registered=_bool(props, "isAutoRegistered", at, pp, False),
        source=at.source,
    )


def parse_zone_link(obj: dict[str, Any], rid: str, at: _At) -> ZoneLink:
    props, pp = _props(obj, at, "")
    vnet = _ref(props, "virtualNetwork", at, pp)
    if not vnet:
        raise at.err(_join(pp, "virtualNetwork"), "missing virtualNetwork.id")
    policy = props.get("resolutionPolicy")
    return ZoneLink(
        id=rid,
        name=_sub_name(obj, rid),
        zone_id=sys.intern(parent_id(rid)),
        vnet_id=sys.intern(vnet),
        registration_enabled=_bool(props, "registrationEnabled", at, pp, False),
        resolution_policy=ResolutionPolicy.DEFAULT
        if policy is None
        else _enum(ResolutionPolicy, policy, at, _join(pp, "resolutionPolicy")),
        state=_word(_str(props, "virtualNetworkLinkState", at, pp, required=False)),
        tags=_tags_of(obj, at),
        source=at.source,
    )


def parse_gateway(obj: dict[str, Any], rid: str, at: _At) -> Gateway:
    props, pp = _props(obj, at, "")
    vnet_id = None
    for c, cp in _objects(props, "ipConfigurations", at, pp):
        cprops, cpp = _props(c, at, cp)
        subnet = _ref(cprops, "subnet", at, cpp)
        if subnet:
            vnet_id = parent_id(subnet)
            break
    sku = props.get("sku")
    return Gateway(
        id=rid,
        name=_sub_name(obj, rid),
        location=_location(obj, at),
        vnet_id=vnet_id,
        gateway_type=str(props.get("gatewayType") or "Vpn"),
        sku=sku.get("name") if isinstance(sku, dict) else None,
        source=at.source,
    )


def parse_dns_resolver(obj: dict[str, Any], rid: str, at: _At) -> DnsResolver:
    props, pp = _props(obj, at, "")
    vnet = _ref(props, "virtualNetwork", at, pp)
    if not vnet:
        raise at.err(_join(pp, "virtualNetwork"), "missing virtualNetwork.id")
    return DnsResolver(id=rid, name=_sub_name(obj, rid), location=_location(obj, at), vnet_id=vnet, source=at.source)


def _parse_resolver_endpoint(direction: str) -> Callable[[dict[str, Any], str, _At], ResolverEndpoint]:
    def parse(obj: dict[str, Any], rid: str, at: _At) -> ResolverEndpoint:
        props, pp = _props(obj, at, "")
        subnet = _ref(props, "subnet", at, pp)
        ips = []
        for c, cp in _objects(props, "ipConfigurations", at, pp):
            subnet = subnet or _ref(c, "subnet", at, cp)
            ip = _opt_ip(c, "privateIpAddress", at, cp)
            if ip is not None:
                ips.append(ip)
        return ResolverEndpoint(
            id=rid, name=_sub_name(obj, rid), resolver_id=parent_id(rid), direction=direction,
            subnet_id=subnet, ips=tuple(ips), source=at.source,
        )  # fmt: skip

    return parse


def parse_ruleset(obj: dict[str, Any], rid: str, at: _At) -> ForwardingRuleset:
    props, pp = _props(obj, at, "")
    return ForwardingRuleset(
        id=rid,
        name=_sub_name(obj, rid),
        location=_location(obj, at),
        outbound_endpoint_ids=_ref_ids(props, "dnsResolverOutboundEndpoints", at, pp),
        source=at.source,
    )


def parse_forwarding_rule(obj: dict[str, Any], rid: str, at: _At) -> ForwardingRule:
    props, pp = _props(obj, at, "")
    domain = _str(props, "domainName", at, pp) or ""
    targets = []
    for i, t in enumerate(_list(props, "targetDnsServers", at, pp)):
        tp = _join(_join(pp, "targetDnsServers"), i)
        if not isinstance(t, dict):
            raise at.err(tp, "expected an object with ipAddress")
        port = t.get("port", 53)
        if not isinstance(port, int) or not 0 < port < 65536:
            raise at.err(_join(tp, "port"), f"invalid port {port!r}")
        targets.append(DnsTarget(_ip(t.get("ipAddress"), at, _join(tp, "ipAddress")), port))
    return ForwardingRule(
        id=rid,
        name=_sub_name(obj, rid),
        ruleset_id=parent_id(rid),
        domain=domain.lower(),
        targets=tuple(targets),
        enabled=str(props.get("forwardingRuleState", "Enabled")).lower() == "enabled",
        source=at.source,
    )


def parse_ruleset_link(obj: dict[str, Any], rid: str, at: _At) -> RulesetLink:
    props, pp = _props(obj, at, "")
    vnet = _ref(props, "virtualNetwork", at, pp)
    if not vnet:
        raise at.err(_join(pp, "virtualNetwork"), "missing virtualNetwork.id")
    return RulesetLink(id=rid, name=_sub_name(obj, rid), ruleset_id=parent_id(rid), vnet_id=vnet, source=at.source)


# ---------------------------------------------------------------------------------------------
# Traffic rules: route tables, network security groups, application security groups, firewalls


_HOPS = {t.value.lower(): t for t in NextHopType}


def _route_fast(obj: dict[str, Any], table_id: str) -> Route | None:
    props = obj.get("properties")
    rid, name = obj.get("id"), obj.get("name")
    if not isinstance(props, dict) or not isinstance(rid, str) or not rid or not isinstance(name, str) or not name:
        return None
    text = props.get("addressPrefix")
    hop = _HOPS.get(str(props.get("nextHopType", "")).lower())
    if not isinstance(text, str) or not text or hop is None:
        return None
    ip_text = props.get("nextHopIpAddress")
    try:
        prefix = parse_prefix(text) if (text[:1].isdigit() or ":" in text) else None
        ip = parse_ip(ip_text) if ip_text else None
    except AddressError:
        return None
    if hop is NextHopType.VIRTUAL_APPLIANCE and ip is None:
        return None
    return Route(rid, name, table_id, prefix, text, hop, ip)


def _route(obj: dict[str, Any], table_id: str, at: _At, path: str) -> Route:
    fast = _route_fast(obj, table_id)
    if fast is not None:
        return fast
    rid = _str(obj, "id", at, path, required=False)
    name = _sub_name(obj, rid)
    rid = rid or f"{table_id}/routes/{name}"
    props, pp = _props(obj, at, path)
    text = _str(props, "addressPrefix", at, pp)
    assert text is not None
    prefix = _prefix(text, at, _join(pp, "addressPrefix")) if ("/" in text or text[:1].isdigit() or ":" in text) else None
    hop = props.get("nextHopType")
    if hop is None:
        raise at.err(_join(pp, "nextHopType"), "missing 'nextHopType'")
    hop_type = _enum(NextHopType, hop, at, _join(pp, "nextHopType"))
    ip = _opt_ip(props, "nextHopIpAddress", at, pp)
    if hop_type is NextHopType.VIRTUAL_APPLIANCE and ip is None:
        raise at.err(_join(pp, "nextHopIpAddress"), "a VirtualAppliance route needs nextHopIpAddress")
    return Route(id=rid, name=name, route_table_id=table_id, prefix=prefix, address_prefix=text,
                 next_hop_type=hop_type, next_hop_ip=ip)  # fmt: skip


def parse_route_table(obj: dict[str, Any], rid: str, at: _At) -> RouteTable:
    props, pp = _props(obj, at, "")
    routes = tuple(_route(r, rid, at, rp) for r, rp in _objects(props, "routes", at, pp))
    return RouteTable(
        id=rid,
        name=_sub_name(obj, rid),
        location=_location(obj, at),
        routes=routes,
        disable_bgp_route_propagation=_bool(props, "disableBgpRoutePropagation", at, pp, False),
        tags=_tags_of(obj, at),
        source=at.source,
    )


_PROTOCOLS = {p.lower(): p for p in ("*", "Tcp", "Udp", "Icmp", "Esp", "Ah")}


def _port_range(text: object, at: _At, path: str) -> PortRange:
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not text.strip():
        raise at.err(path, f"malformed port range {text!r} (expected '*', a port, or 'low-high')")
    t = text.strip()
    if t == "*":
        return ANY_PORT
    lo_s, sep, hi_s = t.partition("-")
    try:
        lo = int(lo_s)
        hi = int(hi_s) if sep else lo
    except ValueError:
        raise at.err(path, f"malformed port range {text!r} (expected '*', a port, or 'low-high')") from None
    if not (0 <= lo <= hi <= 65535):
        raise at.err(path, f"malformed port range {text!r} (ports 0-65535, low <= high)")
    return PortRange(lo, hi)


def _ports(props: dict[str, Any], single: str, plural: str, at: _At, pp: str) -> tuple[PortRange, ...]:
    many = _list(props, plural, at, pp)
    if many:
        return tuple(_port_range(v, at, _join(_join(pp, plural), i)) for i, v in enumerate(many))
    one = props.get(single)
    if one is None:
        return (ANY_PORT,)
    return (_port_range(one, at, _join(pp, single)),)


def _address_spec(props: dict[str, Any], side: str, at: _At, pp: str) -> AddressSpec:
    texts: list[tuple[str, Any]] = []
    many = _list(props, f"{side}AddressPrefixes", at, pp)
    if many:
        texts = [(_join(_join(pp, f"{side}AddressPrefixes"), i), v) for i, v in enumerate(many)]
    elif props.get(f"{side}AddressPrefix") not in (None, ""):
        texts = [(_join(pp, f"{side}AddressPrefix"), props[f"{side}AddressPrefix"])]
    asgs = _ref_ids(props, f"{side}ApplicationSecurityGroups", at, pp)
    if not texts and not asgs:
        raise at.err(_join(pp, f"{side}AddressPrefix"), f"the rule names no {side} (prefix, service tag or application security group)")
    any_ = False
    prefixes: list[Prefix] = []
    tags: list[str] = []
    for where, v in texts:
        if not isinstance(v, str) or not v.strip():
            raise at.err(where, f"expected an address prefix or service tag, got {v!r}")
        v = v.strip()
        if v in ("*", "0.0.0.0/0", "Any", "any"):
            any_ = True
        elif v[:1].isdigit() or ":" in v:
            text = v if "/" in v else (f"{v}/128" if ":" in v else f"{v}/32")
            prefixes.append(_prefix(text, at, where))
        else:
            tags.append(v)
    return AddressSpec(any_, tuple(prefixes), tuple(tags), asgs)


_DIRECTIONS = {"inbound": Direction.INBOUND, "outbound": Direction.OUTBOUND}
_ACCESS = {"allow": Access.ALLOW, "deny": Access.DENY}
_SPEC_MEMO: dict[str, AddressSpec] = {}
_PORT_MEMO: dict[str, PortRange] = {}


def _fast_spec(props: dict[str, Any], side: str) -> AddressSpec | None:
    """The common shape (one prefix or tag, no list, no ASG), memoised; None for anything else."""
    return _spec_fast(props.get(f"{side}AddressPrefix"), props.get(f"{side}AddressPrefixes"),
                      props.get(f"{side}ApplicationSecurityGroups"))  # fmt: skip


def _spec_fast(v: object, many: object, asgs: object) -> AddressSpec | None:
    """:func:`_fast_spec` from the values of ``*AddressPrefix``, ``*AddressPrefixes`` and
    ``*ApplicationSecurityGroups``."""
    if many or asgs:
        return None
    if not isinstance(v, str) or not v or v != v.strip():
        return None
    hit = _SPEC_MEMO.get(v)
    if hit is None:
        if v in ("*", "0.0.0.0/0", "Any", "any"):
            hit = AddressSpec(any=True)
        elif v[:1].isdigit() or ":" in v:
            try:
                hit = AddressSpec(prefixes=(parse_prefix(v if "/" in v else (f"{v}/128" if ":" in v else f"{v}/32")),))
            except AddressError:
                return None
        else:
            hit = AddressSpec(tags=(v,))
        if len(_SPEC_MEMO) < 65536:
            _SPEC_MEMO[v] = hit
    return hit


def _fast_port(v: object) -> PortRange | None:
    """``*``, ``443`` or ``80-88`` exactly as written (ASCII digits, no spaces), memoised; None
    for anything else (the checked parser reads or rejects it)."""
    if v == "*":
        return ANY_PORT
    if type(v) is not str:
        return None
    hit = _PORT_MEMO.get(v)
    if hit is None:
        lo_s, sep, hi_s = v.partition("-")
        if not (lo_s.isascii() and lo_s.isdigit()) or (sep and not (hi_s.isascii() and hi_s.isdigit())):
            return None
        lo, hi = int(lo_s), int(hi_s) if sep else int(lo_s)
        if not 0 <= lo <= hi <= 65535:
            return None
        hit = PortRange(lo, hi)
        if len(_PORT_MEMO) < 65536:
            _PORT_MEMO[v] = hit
    return hit


def _fast_ports(props: dict[str, Any], single: str, plural: str) -> tuple[PortRange, ...] | None:
    return _ports_fast(props.get(single), props.get(plural))


def _ports_fast(v: object, many: object) -> tuple[PortRange, ...] | None:
    """:func:`_fast_ports` from the values of ``*PortRange`` and ``*PortRanges``."""
    if many:
        if type(many) is not list:
            return None
        ports = [_fast_port(p) for p in many]
        return None if None in ports else tuple(ports)  # type: ignore[arg-type]
    if v is None:
        return (ANY_PORT,)
    one = _fast_port(v)
    return None if one is None else (one,)


def _security_rule_fast(obj: dict[str, Any], nsg_id: str, default: bool) -> SecurityRule | None:
    """The ARM shape of a well-formed rule, without building JSON paths (10k NSGs); None: use the
    checked parser, which names the problem."""
    props = obj.get("properties")
    rid, name = obj.get("id"), obj.get("name")
    if not isinstance(props, dict) or not isinstance(rid, str) or not rid or not isinstance(name, str) or not name:
        return None
    prio = props.get("priority")
    if type(prio) is not int or not (100 <= prio <= 4096 or (default and prio >= 65000)):
        return None
    d = _DIRECTIONS.get(str(props.get("direction", "")).lower())
    a = _ACCESS.get(str(props.get("access", "")).lower())
    proto = _PROTOCOLS.get(str(props.get("protocol", "*")).lower())
    src, dst = _fast_spec(props, "source"), _fast_spec(props, "destination")
    sports = _fast_ports(props, "sourcePortRange", "sourcePortRanges")
    dports = _fast_ports(props, "destinationPortRange", "destinationPortRanges")
    if d is None or a is None or proto is None or src is None or dst is None or sports is None or dports is None:
        return None
    desc = props.get("description")
    return SecurityRule(rid, name, nsg_id, prio, d, a, proto, src, dst, sports, dports, default,
                        desc if isinstance(desc, str) else "")  # fmt: skip


def _security_rule(obj: dict[str, Any], nsg_id: str, at: _At, path: str, default: bool) -> SecurityRule:
    fast = _security_rule_fast(obj, nsg_id, default)
    if fast is not None:
        return fast
    rid = _str(obj, "id", at, path, required=False)
    name = _sub_name(obj, rid)
    rid = rid or f"{nsg_id}/{'defaultSecurityRules' if default else 'securityRules'}/{name}"
    props, pp = _props(obj, at, path)
    prio = props.get("priority")
    if not isinstance(prio, int) or isinstance(prio, bool) or not (100 <= prio <= 4096 or (default and prio >= 65000)):
        raise at.err(_join(pp, "priority"), f"invalid priority {prio!r} (100-4096)")
    proto = props.get("protocol", "*")
    if not isinstance(proto, str) or proto.lower() not in _PROTOCOLS:
        raise at.err(_join(pp, "protocol"), f"unknown protocol {proto!r} (expected *, Tcp, Udp, Icmp, Esp or Ah)")
    if "direction" not in props:
        raise at.err(_join(pp, "direction"), "missing 'direction'")
    if "access" not in props:
        raise at.err(_join(pp, "access"), "missing 'access'")
    desc = props.get("description")
    return SecurityRule(
        id=rid,
        name=name,
        nsg_id=nsg_id,
        priority=prio,
        direction=_enum(Direction, props["direction"], at, _join(pp, "direction")),
        access=_enum(Access, props["access"], at, _join(pp, "access")),
        protocol=_PROTOCOLS[proto.lower()],
        source=_address_spec(props, "source", at, pp),
        destination=_address_spec(props, "destination", at, pp),
        source_ports=_ports(props, "sourcePortRange", "sourcePortRanges", at, pp),
        destination_ports=_ports(props, "destinationPortRange", "destinationPortRanges", at, pp),
        default=default,
        description=desc if isinstance(desc, str) else "",
    )


#: Azure's default security rules, in every NSG (R3): (name, priority, direction, access, source, destination).
DEFAULT_RULES = (
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
)


def _spec_of(text: str) -> AddressSpec:
    return AddressSpec(any=True) if text == "*" else AddressSpec(tags=(text,))


def _default_rule(name: str, prio: int, d: str, a: str, src: str, dst: str, nsg_id: str) -> SecurityRule:
    return SecurityRule(f"{nsg_id}/defaultSecurityRules/{name}", name, nsg_id, prio, Direction(d), Access(a), "*",
                        _spec_of(src), _spec_of(dst), default=True)  # fmt: skip


#: Azure's default rules, built once and shared by every NSG whose payload shows them unchanged (or
#: omits them): 10k NSGs must not cost 60k rule objects. Their ``nsg_id`` is empty.
SHARED_DEFAULT_RULES: tuple[SecurityRule, ...] = tuple(_default_rule(*d, "") for d in DEFAULT_RULES)


def default_rules(nsg_id: str) -> tuple[SecurityRule, ...]:
    """Azure's six default rules of an NSG (they are there whether or not a payload lists them)."""
    return tuple(_default_rule(*d, nsg_id) for d in DEFAULT_RULES)


def _standard_defaults(items: list[Any]) -> bool:
    """The payload's defaultSecurityRules are exactly Azure's six (the usual case): no need to parse them."""
    if len(items) != len(DEFAULT_RULES):
        return False
    want = {n: (prio, d, a, src, dst) for n, prio, d, a, src, dst in DEFAULT_RULES}
    for item in items:
        if not isinstance(item, dict):
            return False
        props = item.get("properties", item)
        w = want.pop(str(item.get("name")), None)
        if w is None or not isinstance(props, dict):
            return False
        got = (props.get("priority"), props.get("direction"), props.get("access"),
               props.get("sourceAddressPrefix"), props.get("destinationAddressPrefix"))  # fmt: skip
        if got != w or props.get("protocol", "*") != "*" or props.get("destinationPortRange", "*") != "*":
            return False
    return True


def parse_nsg(obj: dict[str, Any], rid: str, at: _At) -> NetworkSecurityGroup:
    props, pp = _props(obj, at, "")
    rules = tuple(_security_rule(r, rid, at, rp, default=False) for r, rp in _objects(props, "securityRules", at, pp))
    raw_defaults = _list(props, "defaultSecurityRules", at, pp)
    if not raw_defaults or _standard_defaults(raw_defaults):
        defaults = SHARED_DEFAULT_RULES
    else:
        defaults = tuple(_security_rule(r, rid, at, rp, default=True) for r, rp in _objects(props, "defaultSecurityRules", at, pp))
    return NetworkSecurityGroup(
        id=rid,
        name=_sub_name(obj, rid),
        location=_location(obj, at),
        rules=rules,
        default_rules=defaults,
        tags=_tags_of(obj, at),
        source=at.source,
    )


def _rule_body_typed(p: typedload.RuleProps) -> tuple[Any, ...] | None:
    """:func:`_security_rule_fast` for a custom rule decoded by the typed fast path (the same
    checks on the same values, read as attributes instead of dict keys): every field of the rule
    after its ID, name and NSG ID, or None."""
    prio = p.priority
    if prio is None or not 100 <= prio <= 4096:
        return None
    d = _DIRECTIONS.get(p.direction.lower()) if p.direction is not None else None
    a = _ACCESS.get(p.access.lower()) if p.access is not None else None
    proto = _PROTOCOLS.get(p.protocol.lower())
    src = _spec_fast(p.source_address_prefix, p.source_address_prefixes, p.source_application_security_groups)
    dst = _spec_fast(p.destination_address_prefix, p.destination_address_prefixes, p.destination_application_security_groups)
    sports = _ports_fast(p.source_port_range, p.source_port_ranges)
    dports = _ports_fast(p.destination_port_range, p.destination_port_ranges)
    if d is None or a is None or proto is None or src is None or dst is None or sports is None or dports is None:
        return None
    desc = p.description
    return prio, d, a, proto, src, dst, sports, dports, False, desc if isinstance(desc, str) else ""


_new_rule = slotnew.builder(SecurityRule)
#: Per load (emptied when a parse ends): a custom rule's ``properties`` text -> :func:`_rule_body_typed`
#: of it. NSGs deployed from one template repeat the same rules.
_RULE_BODIES: dict[bytes, tuple[Any, ...] | None] = {}


def _rule_body(raw: msgspec.Raw) -> tuple[Any, ...] | None:
    return _rule_body_typed(typedload.rule_props(raw))


_DEFAULT_WANT = {n: (prio, d, a, src, dst) for n, prio, d, a, src, dst in DEFAULT_RULES}


def _standard_defaults_typed(items: list[typedload.DefaultRule]) -> bool:
    """:func:`_standard_defaults` of default rules read by the typed fast path: the same checks on
    the same values; False also for a rule without ``properties`` (the checked parser reads that
    shape, and decides the same as ever)."""
    if len(items) != len(DEFAULT_RULES):
        return False
    want = dict(_DEFAULT_WANT)
    for item in items:
        props = item.properties
        w = want.pop(str(item.name), None)
        if w is None or not isinstance(props, typedload.DefaultRuleProps):
            return False
        got = (props.priority, props.direction, props.access, props.source_address_prefix, props.destination_address_prefix)
        if got != w or props.protocol != "*" or props.destination_port_range != "*":
            return False
    return True


def _nsg_rules_fast(custom: list[typedload.Child], defaults: list[typedload.DefaultRule],
                    nsg_id: str) -> tuple[Any, tuple[SecurityRule, ...]]:  # fmt: skip
    """The typed fast path's NSG rules (:mod:`netplan.typedload`): every rule checked by the rule
    fast path now and built when the NSG's rules are first read (:class:`typedload.Pending`), the
    default rules Azure's own; anything else gives the NSG to :func:`parse_nsg`."""
    if defaults and not _standard_defaults_typed(defaults):
        raise typedload.GiveUp
    rules = typedload.pending(custom, _rule_body, _RULE_BODIES, _new_rule) if custom else ()
    return rules, SHARED_DEFAULT_RULES


typedload.register(kinds.NSG, typedload.nsg_builder(_nsg_rules_fast, NetworkSecurityGroup))


def parse_asg(obj: dict[str, Any], rid: str, at: _At) -> ApplicationSecurityGroup:
    return ApplicationSecurityGroup(id=rid, name=_sub_name(obj, rid), location=_location(obj, at),
                                    tags=_tags_of(obj, at), source=at.source)  # fmt: skip


def parse_firewall(obj: dict[str, Any], rid: str, at: _At) -> AzureFirewall:
    props, pp = _props(obj, at, "")
    ips = []
    for c, cp in _objects(props, "ipConfigurations", at, pp):
        cprops, cpp = _props(c, at, cp)
        ip = _opt_ip(cprops, "privateIPAddress", at, cpp)
        if ip is not None:
            ips.append(FirewallIp(ip, _ref(cprops, "subnet", at, cpp)))
    return AzureFirewall(id=rid, name=_sub_name(obj, rid), location=_location(obj, at), ips=tuple(ips),
                         tags=_tags_of(obj, at), source=at.source)  # fmt: skip


# lower-case ARM type -> (bucket name in the estate, parser)
#: The parser of each kind (:mod:`netplan.kinds` says which Estate field its resources fill).
_PARSE: dict[kinds.Kind, Callable[[dict[str, Any], str, _At], Any]] = {
    kinds.VNET: parse_vnet,
    kinds.LOAD_BALANCER: parse_load_balancer,
    kinds.PLS: parse_private_link_service,
    kinds.PE: parse_private_endpoint,
    kinds.ZONE_GROUP: parse_zone_group,
    kinds.NIC: parse_nic,
    kinds.ZONE: parse_zone,
    kinds.ZONE_LINK: parse_zone_link,
    kinds.GATEWAY: parse_gateway,
    kinds.DNS_RESOLVER: parse_dns_resolver,
    kinds.RESOLVER_INBOUND: _parse_resolver_endpoint("inbound"),
    kinds.RESOLVER_OUTBOUND: _parse_resolver_endpoint("outbound"),
    kinds.RULESET: parse_ruleset,
    kinds.FORWARDING_RULE: parse_forwarding_rule,
    kinds.RULESET_LINK: parse_ruleset_link,
    kinds.ROUTE_TABLE: parse_route_table,
    kinds.NSG: parse_nsg,
    kinds.ASG: parse_asg,
    kinds.FIREWALL: parse_firewall,
}
for _rt in kinds.RECORD_TYPES:
    _PARSE[kinds.record_kind(_rt)] = (lambda rt: lambda obj, rid, at: parse_record_set(obj, rid, at, rt))(_rt)
#: Lower-cased ARM type -> (Estate field, parser).
_PARSERS: dict[str, tuple[str, Callable[[dict[str, Any], str, _At], Any]]] = {k.key: (k.field, fn) for k, fn in _PARSE.items()}
# Standalone subnets, peerings, routes and security rules (e.g. from `az network vnet subnet list`,
# `az network nsg rule list`) merge into their parent's list.
_CHILD_TYPES = {k.key: k.child_of for k in kinds.ALL if k.child_of}

MODELLED_TYPES = tuple(sorted(_PARSERS)) + tuple(sorted(_CHILD_TYPES))


@record(frozen=False, slots=False)
class Parsed:
    """Everything the loader read, by kind, before the Estate indexes it."""

    buckets: dict[str, list[Any]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)
    gaps: list[Gap] = field(default_factory=list)
    declarations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    child_raw: list[dict[str, Any]] = field(default_factory=list)
    #: Standalone subnets/peerings whose VNet is not in the snapshot (each with a gap).
    orphans: list[Subnet | Peering] = field(default_factory=list)
    #: Subscription ID (lower case) -> display name, from every snapshot's ``subscriptions``.
    subscription_names: dict[str, str] = field(default_factory=dict)


def parse_snapshots(snapshots: Iterable[RawSnapshot]) -> Parsed:
    try:
        return _parse_snapshots(snapshots)
    finally:
        # The memos of repeated route and rule texts serve one load (they hold their texts).
        typedload.forget()
        _RULE_BODIES.clear()


def _parse_snapshots(snapshots: Iterable[RawSnapshot]) -> Parsed:
    out = Parsed()
    seen: dict[str, tuple[str, str]] = {}
    children: list[tuple[str, str, str, Any, _At]] = []  # (kind, parent key, path, obj, at)
    # The bucket of each type the fast path builds (its list in out.buckets), found once.
    fast_buckets: dict[str, list[Any]] = {}
    for snap in snapshots:
        out.files.append(snap.file)
        for path, item in snap.resources:
            if rawjson.is_span(item) and (snap.ascii or rawjson.is_utf8(item)):
                # The common shapes of the bulk kinds, without building JSON paths (typedload);
                # anything else, a duplicate ID included, takes the checked path below.
                fast = typedload.resource(item)
                if fast is not None:
                    fast_type, fast_id, model = fast
                    key = rid_key(fast_id)
                    if key not in seen:
                        seen[key] = (snap.file, path)
                        built = fast_buckets.get(fast_type)
                        if built is None:
                            built = fast_buckets[fast_type] = out.buckets.setdefault(_PARSERS[fast_type][0], [])
                        built.append(model)
                        continue
            obj = _decoded(snap.file, item)
            name = obj.get("name")
            at = _At(snap.file, path, name, item)
            rtype = obj.get("type")
            if rtype is None:
                rtype = _type_from_id(obj, at)
            if not isinstance(rtype, str):
                raise at.err("type", f"expected a string, got {rtype!r}")
            low = rtype.lower()
            parser = _PARSERS.get(low)
            child_kind = _CHILD_TYPES.get(low)
            if parser is None and child_kind is None:
                out.skipped[rtype] += 1
                continue
            rid = _str(obj, "id", at, "")
            assert rid is not None
            key = rid_key(rid)
            if key in seen:
                f0, p0 = seen[key]
                raise at.err("id", f"duplicate resource id {rid} (also in {f0} at {p0})")
            seen[key] = (snap.file, path)
            if child_kind is not None:
                children.append((child_kind, rid_key(parent_id(rid)), path, obj, at))
                continue
            bucket, fn = parser  # type: ignore[misc]
            out.buckets.setdefault(bucket, []).append(fn(obj, rid, at))
        if snap.origin is not None:
            snap.origin.loaded()
        for i, g in enumerate(snap.gaps):
            if not isinstance(g, dict) or not all(isinstance(g.get(k), str) for k in ("scope", "kind", "reason")):
                raise InputError(snap.file, f"gaps[{i}]", "expected an object with scope, kind and reason strings")
            out.gaps.append(Gap(g["scope"], g["kind"], g["reason"]))
        if snap.declarations is not None:
            out.declarations.append((snap.file, snap.declarations))
        for sid, name in snap.subscription_names.items():
            out.subscription_names.setdefault(sid, name)
    if children:
        _merge_children(out, children, seen)
    _orphan_zone_groups(out)
    return out


def _decoded(file: str, item: Any) -> Any:
    """A resource as a dict (a span is decoded now), with the errors :func:`read_snapshot` gives."""
    try:
        return rawjson.decode(item)
    except UnicodeDecodeError:
        raise InputError(file, "", "not UTF-8 JSON") from None
    except RecursionError:
        raise InputError(file, "", "nested too deeply to be a snapshot (JSON nesting beyond the parser's limit)") from None


def _type_from_id(obj: dict[str, Any], at: _At) -> str:
    """The type of a resource that has none, from its ID; a one-line error when that cannot be."""
    rid = obj.get("id")
    if rid is None:
        keys = ", ".join(sorted(repr(str(k)) for k in obj)[:4]) or "none"  # repr: a key may hold a newline
        raise at.err(
            "", f"not an ARM resource: no 'id' and no 'type' (keys: {keys}); a Resource Graph query must "
            "project id, type and properties"
        )  # fmt: skip
    inferred = infer_type(rid)
    if inferred is None:
        raise at.err("type", f"missing 'type', and the id {rid!r} names no resource type")
    return inferred


def _orphan_gap(kind: str, parent: str, what: str) -> Gap:
    return Gap(parent, kind, f"{what} {ORPHAN_PARENT_REASON}")


def _merge_children(out: Parsed, children: list[tuple[str, str, str, Any, _At]], seen: dict[str, tuple[str, str]]) -> None:
    """Fold standalone subnet/peering/route/security-rule resources into their parents. Those whose
    parent is not in the snapshot (``az network vnet subnet list`` / ``peering list`` alone) are
    kept (subnets and peerings as orphans), with a gap naming the missing parent, so that analyses
    that need it say UNKNOWN."""
    from dataclasses import replace

    gapped: set[str] = set()

    parents = {
        "subnets": ("vnets", "VNet"), "peerings": ("vnets", "VNet"),
        "routes": ("route_tables", "route table"), "security_rules": ("nsgs", "network security group"),
    }  # fmt: skip
    index: dict[str, dict[str, int]] = {}
    for kind, parent_key, _path, obj, at in children:
        bucket, label = parents[kind]
        idx_map = index.get(bucket)
        if idx_map is None:
            idx_map = index[bucket] = {r.key: i for i, r in enumerate(out.buckets.get(bucket, []))}
        idx = idx_map.get(parent_key)
        if idx is None:
            if kind in ("subnets", "peerings"):
                _keep_orphan(out, kind, obj, at, gapped)
            else:
                # A route or security rule alone: kept for the round trip, its parent is a gap.
                out.child_raw.append(obj)
                kind_name = "routeTables" if bucket == "route_tables" else "networkSecurityGroups"
                _add_gap(out, _orphan_gap(kind_name, parent_id(obj["id"]), f"the {label} of {_sub_name(obj, obj['id'])}"))
            continue
        parent = out.buckets[bucket][idx]
        out.child_raw.append(obj)
        if kind == "subnets":
            sub = _subnet(obj, parent.id, at, "")
            if any(s.key == sub.key for s in parent.subnets):
                raise at.err("id", f"duplicate resource id {sub.id} (also inline in its VNet)")
            parent = replace(parent, subnets=(*parent.subnets, sub))
        elif kind == "peerings":
            peer = _peering(obj, parent.id, at, "")
            if any(p.key == peer.key for p in parent.peerings):
                raise at.err("id", f"duplicate resource id {peer.id} (also inline in its VNet)")
            parent = replace(parent, peerings=(*parent.peerings, peer))
        elif kind == "routes":
            route = _route(obj, parent.id, at, "")
            if any(r.key == route.key for r in parent.routes):
                raise at.err("id", f"duplicate resource id {route.id} (also inline in its route table)")
            parent = replace(parent, routes=(*parent.routes, route))
        else:
            rule = _security_rule(obj, parent.id, at, "", default=False)
            if any(r.key == rule.key for r in parent.rules):
                raise at.err("id", f"duplicate resource id {rule.id} (also inline in its network security group)")
            parent = replace(parent, rules=(*parent.rules, rule))
        out.buckets[bucket][idx] = parent


def _keep_orphan(out: Parsed, kind: str, obj: dict[str, Any], at: _At, gapped: set[str]) -> None:
    vnet_id = parent_id(obj["id"])
    out.child_raw.append(obj)
    child = _subnet(obj, vnet_id, at, "") if kind == "subnets" else _peering(obj, vnet_id, at, "")
    out.orphans.append(child)
    if rid_key(vnet_id) not in gapped:
        gapped.add(rid_key(vnet_id))
        what = "a subnet" if kind == "subnets" else "a peering"
        _add_gap(out, _orphan_gap("virtualNetworks", vnet_id, f"the VNet of {what} ({child.name})"))


def _orphan_zone_groups(out: Parsed) -> None:
    """A DNS zone group listed without its private endpoint (``az network private-endpoint
    dns-zone-group list``) is kept; the missing endpoint is a gap."""
    groups = out.buckets.get("zone_groups")
    if not groups:
        return
    endpoints = {pe.key for pe in out.buckets.get("private_endpoints", [])}
    gapped: set[str] = set()
    for zg in groups:
        k = rid_key(zg.endpoint_id)
        if k not in endpoints and k not in gapped:
            gapped.add(k)
            _add_gap(out, _orphan_gap("privateEndpoints", zg.endpoint_id, f"the private endpoint of DNS zone group {zg.name}"))


def _add_gap(out: Parsed, gap: Gap) -> None:
    # A snapshot saved by `vnetplan inventory` / to_snapshot already carries the gap.
    if gap not in out.gaps:
        out.gaps.append(gap)


# ---------------------------------------------------------------------------------------------
# Declarations


@record(frozen=False, slots=False)
class Declarations:
    """Parsed declarations, with VNet references still as written (resolved by the Estate)."""

    onprem: list[tuple[OnPremNetwork, str, str]] = field(default_factory=list)  # (net, file, where)
    forwarders: list[tuple[Forwarder, str, str]] = field(default_factory=list)
    dns_forwarders: list[tuple[DnsForwarder, str, str]] = field(default_factory=list)
    public_dns: list[PublicAnswer] = field(default_factory=list)


_DECL_KEYS = ("onprem", "forwarders", "dns_forwarders", "public_dns")
_FORWARDER_KEYS = ("vnet", "device", "ip", "note", "default", "rules")


def parse_declarations(file: str, data: Any, lines: dict[Any, int] | None = None) -> Declarations:
    """Parse a declarations object (from its own YAML/JSON file or a snapshot's ``declarations``)."""

    lines = lines or {}

    def place(*path: str | int) -> str:
        return yaml_where(tuple(path), lines)

    def fail(path: tuple[str | int, ...], msg: str) -> InputError:
        return InputError(file, place(*path), msg)

    out = Declarations()
    if data is None:
        return out
    if not isinstance(data, dict):
        raise InputError(file, place(), "expected a mapping with onprem / forwarders / dns_forwarders / public_dns")
    for k in data:
        if k not in _DECL_KEYS:
            raise fail((k,), f"unknown key '{k}' (expected one of {', '.join(_DECL_KEYS)})")

    def entries(key: str) -> list[dict[str, Any]]:
        v = data.get(key) or []
        if not isinstance(v, list):
            raise fail((key,), "expected a list")
        for i, e in enumerate(v):
            if not isinstance(e, dict):
                raise fail((key, i), "expected a mapping")
        return v

    def text(e: dict[str, Any], path: tuple[str | int, ...], key: str, required: bool = True) -> str:
        v = e.get(key)
        if v is None and not required:
            return ""
        if not isinstance(v, str) or not v:
            raise fail((*path, key), f"expected a non-empty string, got {v!r}")
        return v

    def ip(e: dict[str, Any], path: tuple[str | int, ...], key: str) -> IPAddress:
        try:
            return parse_ip(e.get(key))
        except AddressError as exc:
            raise fail((*path, key), str(exc)) from None

    for i, e in enumerate(entries("onprem")):
        path: tuple[str | int, ...] = ("onprem", i)
        raw_prefixes = e.get("prefixes")
        if not isinstance(raw_prefixes, list) or not raw_prefixes:
            raise fail((*path, "prefixes"), "expected a non-empty list of CIDR prefixes")
        prefixes = []
        for j, p in enumerate(raw_prefixes):
            try:
                prefixes.append(parse_prefix(p))
            except AddressError as exc:
                raise fail((*path, "prefixes", j), str(exc)) from None
        net = OnPremNetwork(text(e, path, "name"), tuple(prefixes), text(e, path, "via", required=False) or None)
        out.onprem.append((net, file, place(*path, "via")))
    for i, e in enumerate(entries("forwarders")):
        path = ("forwarders", i)
        fwd_ip = ip(e, path, "ip") if e.get("ip") is not None else None
        for k in e:
            if k not in _FORWARDER_KEYS:
                raise fail((*path, k), f"unknown key '{k}' (expected one of {', '.join(_FORWARDER_KEYS)})")
        rules, default_allow = parse_rules(e, path, fail)
        fwd = Forwarder(text(e, path, "vnet"), text(e, path, "device"), fwd_ip, text(e, path, "note", required=False),
                        rules, default_allow)  # fmt: skip
        out.forwarders.append((fwd, file, place(*path, "vnet")))
    for i, e in enumerate(entries("dns_forwarders")):
        path = ("dns_forwarders", i)
        dfw = DnsForwarder(ip(e, path, "ip"), text(e, path, "vnet"), text(e, path, "note", required=False))
        out.dns_forwarders.append((dfw, file, place(*path, "vnet")))
    for i, e in enumerate(entries("public_dns")):
        path = ("public_dns", i)
        rtype = text(e, path, "type", required=False).upper() or "A"
        if rtype not in ("A", "AAAA", "CNAME"):
            raise fail((*path, "type"), f"unsupported type {rtype!r} (A, AAAA or CNAME)")
        values = e.get("addresses", e.get("values"))
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list) or not values:
            raise fail((*path, "addresses"), "expected a non-empty list")
        vals = []
        for j, v in enumerate(values):
            if rtype == "CNAME":
                vals.append(str(v).lower().rstrip("."))
            else:
                try:
                    vals.append(str(parse_ip(v)))
                except AddressError as exc:
                    raise fail((*path, "addresses", j), str(exc)) from None
        out.public_dns.append(PublicAnswer(text(e, path, "name").lower().rstrip("."), rtype, tuple(vals)))
    return out


def read_declarations_data(path: str | Path) -> tuple[Any, dict[Any, int]]:
    """The raw declarations in ``path`` and their line numbers: the whole file for a declarations
    file, or the ``declarations`` key of a snapshot (``{"resources": [...], "declarations": {...}}``;
    None when the snapshot has none)."""

    data, lines = load_with_lines(path)
    if isinstance(data, dict) and any(k in data for k in rawjson.RESOURCE_KEYS):
        sub = {k[1:]: n for k, n in lines.items() if isinstance(k, tuple) and k[:1] == ("declarations",)}
        return data.get("declarations"), sub
    return data, lines


def read_declarations(path: str | Path) -> Declarations:
    """A declarations file, or a snapshot file's ``declarations`` key."""
    data, lines = read_declarations_data(path)
    return parse_declarations(str(path), data, lines)


def merge_declarations(items: Sequence[Any]) -> dict[str, Any]:
    """Raw declaration mappings merged key by key (lists concatenated, in order)."""
    out: dict[str, Any] = {}
    for data in items:
        for key in _DECL_KEYS:
            if isinstance(data, dict) and data.get(key):
                out.setdefault(key, []).extend(data[key])
    return out
