"""Microsoft.Network resource provider of the emulator (everything except private DNS zones).

Typed behaviour for virtual networks, subnets, peerings (P1, P3, P4 of DESIGN.md), load balancers,
Private Link Services, private endpoints (with their NIC), private DNS zone groups, network
interfaces, route tables with their routes and network security groups with their security rules
(both writable as child resources; an NSG gets Azure's six default rules; a rule whose priority and
direction are taken answers 400 ``SecurityRuleConflict``, a VirtualAppliance route without
``nextHopIpAddress`` 400 ``VirtualApplianceNextHopIpAddressMissing``); any other Microsoft.Network type (dnsResolvers, dnsForwardingRulesets, gateways...)
is stored and served generically.

Peering rules: a new link is ``Initiated`` until the reverse link exists, then both are ``Connected``;
deleting one side (or its VNet) turns the other ``Disconnected``; a Disconnected link stays so on PUT
while the reverse is missing, and the reverse cannot be created while it is Disconnected (400
``RemotePeeringIsDisconnected``) - it must be deleted and recreated. Overlaps give 400
``VnetAddressSpacesOverlap`` / ``VnetAddressSpaceOverlapsWithAlreadyPeeredVnet``, a second link to the
same remote 400 ``AnotherPeeringAlreadyReferencesRemoteVnet``, a peering PUT is also checked for
``Microsoft.Network/virtualNetworks/peer/action`` on the remote VNet (injected 403s). A VNet address
space change makes ``remoteVirtualNetworkAddressSpace`` follow at once while ``remoteAddressSpace``
keeps the synced value until a PUT with ``syncRemoteAddressSpace=true``; ``peeringSyncLevel`` is
LocalNotInSync on the changed VNet's links and RemoteNotInSync on the links pointing at it.

Writes follow the Network RP's LRO protocol: PUT answers 201 (create) or 200 (update) with the
resource in ``provisioningState: Updating`` and an ``Azure-AsyncOperation`` header; DELETE answers
202 with ``Location`` (and ``Azure-AsyncOperation``) and the resource is removed when the operation
completes; a missing resource's DELETE answers 204.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from . import errors, ipam
from .backend import ArmRequest, ArmResponse, Backend, new_etag_network
from .errors import ArmError
from .store import INLINE_CHILDREN, ArmPath, Resource, find_inline, inline_list, parent_id_of

VNET = "microsoft.network/virtualnetworks"
PEERING_ACTION = "Microsoft.Network/virtualNetworks/peer/action"
READ_ONLY_TOP = ("id", "name", "type", "etag")


# ----------------------------------------------------------------------------------------------
# dispatch
# ----------------------------------------------------------------------------------------------
def handle(be: Backend, req: ArmRequest, arm: ArmPath) -> ArmResponse:
    """Serve one Microsoft.Network request (not private DNS zones)."""
    tchain = arm.type_chain.lower()
    if arm.is_collection:
        if req.method != "GET":
            raise ArmError(
                405, "MethodNotAllowed", f"The method '{req.method}' is not allowed on a collection."
            )
        return _list(be, req, arm, tchain)
    depth = len(arm.segments) // 2
    item_id = arm.item_id
    if depth >= 2:
        parent_t = "/".join(tchain.split("/")[:-1])
        child = tchain.split("/")[-1]
        if parent_t in INLINE_CHILDREN and child in INLINE_CHILDREN[parent_t] and depth == 2:
            return _inline(be, req, arm, INLINE_CHILDREN[parent_t][child])
    if req.method == "GET":
        r = be.store.get(item_id)
        if r is None:
            if depth >= 2 and not be.exists(parent_id_of(item_id)):
                raise errors.parent_not_found(parent_id_of(item_id))
            raise errors.resource_not_found(item_id) if depth == 1 else errors.nested_not_found(item_id)
        return ArmResponse(200, be.render(r))
    if req.method == "PUT":
        return _put_top(be, req, arm, tchain)
    if req.method == "PATCH":
        return _patch_tags(be, req, arm)
    if req.method == "DELETE":
        return _delete_top(be, req, arm, tchain)
    raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed.")


def _list(be: Backend, req: ArmRequest, arm: ArmPath, tchain: str) -> ArmResponse:
    parent_id = arm.collection_parent_id
    if parent_id is None:
        items = be.store.of_type(arm.type_chain, arm.scope())
        return be.page(req, [be.render(r) for r in items])
    parent_t = "/".join(tchain.split("/")[:-1])
    child = tchain.split("/")[-1]
    parent = be.store.get(parent_id)
    if parent is None:
        raise (
            errors.parent_not_found(parent_id)
            if len(arm.segments) > 3
            else errors.resource_not_found(parent_id)
        )
    if parent_t in INLINE_CHILDREN and child in INLINE_CHILDREN[parent_t]:
        prop = INLINE_CHILDREN[parent_t][child]
        return be.page(req, [copy.deepcopy(c) for c in inline_list(parent, prop)])
    items = [r for r in be.store.children(parent_id) if be.type_of(r).lower() == tchain]
    return be.page(req, [be.render(r) for r in items])


# ----------------------------------------------------------------------------------------------
# generic top-level / separately stored resources
# ----------------------------------------------------------------------------------------------
def _base_resource(arm: ArmPath, body: dict[str, Any], existing: Resource | None) -> Resource:
    """Merge a PUT body into the stored shape: server fields from ``existing``, the rest from body."""
    item_id = existing["id"] if existing else arm.item_id
    new: Resource = {
        "name": existing["name"] if existing else arm.names[-1],
        "id": item_id,
        "etag": new_etag_network(),
        "type": existing.get("type") if existing and existing.get("type") else _canonical_type(arm),
    }
    for k, v in body.items():
        if k not in READ_ONLY_TOP and k != "properties":
            new[k] = copy.deepcopy(v)
    if "location" not in new and existing and "location" in existing:
        new["location"] = existing["location"]
    props = copy.deepcopy(body.get("properties") or {})
    if not isinstance(props, dict):
        raise errors.invalid_request_content("properties must be a JSON object")
    props.pop("provisioningState", None)
    if existing:
        rg = existing.get("properties", {}).get("resourceGuid")
        if rg:
            props["resourceGuid"] = rg
    new["properties"] = props
    return new


def _canonical_type(arm: ArmPath) -> str:
    return "/".join([arm.namespace or "", *arm.segments[0::2]])


def _put_top(be: Backend, req: ArmRequest, arm: ArmPath, tchain: str) -> ArmResponse:
    body = req.json_object()
    item_id = arm.item_id
    depth = len(arm.segments) // 2
    if depth >= 2 and not be.exists(parent_id_of(item_id)):
        raise errors.parent_not_found(parent_id_of(item_id))
    existing = be.store.get(item_id)
    be.check_etag(req, existing, item_id)
    be.ensure_not_busy(req, item_id)
    if depth == 1 and not body.get("location") and not (existing and existing.get("location")):
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    new = _base_resource(arm, body, existing)
    props = new["properties"]
    if (
        depth == 1
        and "resourceGuid" not in props
        and tchain in (VNET, "microsoft.network/privatelinkservices")
    ):
        props["resourceGuid"] = str(uuid.uuid4())
    prepare = _PREPARE.get(tchain)
    if prepare is not None:
        prepare(be, req, new, existing)  # validates (raises before anything is stored) and fills fields
    props["provisioningState"] = "Updating"
    be.store.put(new)
    if tchain == VNET:
        _refresh_peering_views(be)
    after = _AFTER_PUT.get(tchain)
    if after is not None:
        after(be, new, existing)
    if tchain in _IP_OWNERS:
        _sync_subnet_refs(be, new["id"], new["properties"].get(_IP_OWNERS[tchain]) or [])
    be.applied()
    rid = new["id"]

    def ok() -> None:
        r = be.store.get(rid)
        if r is not None:
            r.setdefault("properties", {})["provisioningState"] = "Succeeded"

    def fail() -> None:
        r = be.store.get(rid)
        if r is not None:
            r.setdefault("properties", {})["provisioningState"] = "Failed"

    location = str(new.get("location") or _location_of_parent(be, rid))
    op = be.start_lro(req, "network", rid, location, ok, fail, render=lambda: _render_id(be, rid))
    out = be.render(be.store.get(rid) or new)
    return ArmResponse(200 if existing else 201, out, be.lro_headers(req, op, location=False))


def _delete_headers(be: Backend, req: ArmRequest, op: Any) -> dict[str, str]:
    """202 headers of a network DELETE: Location (as in the examples), plus Azure-AsyncOperation unless disabled."""
    return be.lro_headers(req, op, location=True, async_op=bool(be.faults.config.delete_async_operation))


def _render_id(be: Backend, rid: str) -> Any:
    r = be.store.get(rid)
    return be.render(r) if r is not None else None


def _location_of_parent(be: Backend, rid: str) -> str:
    p = be.store.get(parent_id_of(rid))
    return str(p.get("location", "global")) if p else "global"


def _patch_tags(be: Backend, req: ArmRequest, arm: ArmPath) -> ArmResponse:
    body = req.json_object()
    r = be.store.get(arm.item_id)
    if r is None:
        raise errors.resource_not_found(arm.item_id)
    be.check_etag(req, r, arm.item_id)
    be.ensure_not_busy(req, arm.item_id)
    if "tags" in body:
        r["tags"] = dict(body.get("tags") or {})
    r["etag"] = new_etag_network()
    be.applied()
    return ArmResponse(200, be.render(r))


def _delete_top(be: Backend, req: ArmRequest, arm: ArmPath, tchain: str) -> ArmResponse:
    item_id = arm.item_id
    r = be.store.get(item_id)
    if r is None:
        return ArmResponse(204)
    be.check_etag(req, r, item_id)
    be.ensure_not_busy(req, item_id)
    check = _PRE_DELETE.get(tchain)
    if check is not None:
        check(be, r)
    r.setdefault("properties", {})["provisioningState"] = "Deleting"
    be.applied()
    rid = r["id"]

    def ok() -> None:
        gone = be.store.delete(rid)
        for child in be.store.children(rid):
            be.store.delete(child["id"])
        if tchain in _IP_OWNERS:
            _sync_subnet_refs(be, rid, [])
        cleanup = _AFTER_DELETE.get(tchain)
        if gone is not None and cleanup is not None:
            cleanup(be, gone)

    def fail() -> None:
        cur = be.store.get(rid)
        if cur is not None:
            cur.setdefault("properties", {})["provisioningState"] = "Failed"

    op = be.start_lro(req, "network", rid, str(r.get("location") or _location_of_parent(be, rid)), ok, fail)
    return ArmResponse(202, None, _delete_headers(be, req, op))


# ----------------------------------------------------------------------------------------------
# inline children: subnets, peerings, LB frontends (read-only), NIC ipConfigurations
# ----------------------------------------------------------------------------------------------
def _inline(be: Backend, req: ArmRequest, arm: ArmPath, prop: str) -> ArmResponse:
    parent_id = arm.id_for(1)
    item_id = arm.item_id
    name = arm.names[-1]
    parent = be.store.get(parent_id)
    if parent is None:
        if req.method == "DELETE":
            return ArmResponse(204)
        raise errors.parent_not_found(parent_id)
    child = find_inline(parent, prop, name)
    if req.method == "GET":
        if child is None:
            raise errors.nested_not_found(item_id)
        return ArmResponse(200, copy.deepcopy(child))
    if prop not in _WRITABLE_INLINE:
        raise ArmError(
            405,
            "MethodNotAllowed",
            f"The emulator serves '{prop}' read-only; write the parent resource instead.",
        )
    if req.method == "PUT":
        body = req.json_object()
        be.check_etag(req, child, item_id)
        be.ensure_not_busy(req, child["id"] if child else item_id)
        if prop == "subnets":
            new = _prepare_subnet(be, parent, name, body, child)
        elif prop == "routes":
            new = _prepare_route(parent, name, body, child)
        elif prop == "securityRules":
            new = _prepare_security_rule(parent, name, body, child)
        else:
            new = _prepare_peering(be, req, parent, name, body, child)
        new["properties"]["provisioningState"] = "Updating"
        lst = inline_list(parent, prop)
        if child is None:
            lst.append(new)
        else:
            lst[lst.index(child)] = new
        parent["etag"] = new_etag_network()
        if prop == "virtualNetworkPeerings":
            _refresh_peering_views(be)
        be.applied()
        cid = new["id"]

        def set_state(state: str) -> None:
            p = be.store.get(parent_id)
            c = find_inline(p, prop, name) if p else None
            if c is not None:
                c["properties"]["provisioningState"] = state

        op = be.start_lro(
            req,
            "network",
            cid,
            str(parent.get("location", "global")),
            lambda: set_state("Succeeded"),
            lambda: set_state("Failed"),
            render=lambda: _render_inline(be, parent_id, prop, name),
        )
        cur = find_inline(parent, prop, name)
        return ArmResponse(200 if child else 201, copy.deepcopy(cur), be.lro_headers(req, op, location=False))
    if req.method == "DELETE":
        if child is None:
            return ArmResponse(204)
        be.check_etag(req, child, item_id)
        be.ensure_not_busy(req, child["id"])
        if prop == "subnets":
            _check_subnet_unused(be, child)
        child["properties"]["provisioningState"] = "Deleting"
        be.applied()
        cid = child["id"]
        removed_remote = _remote_id(child) if prop == "virtualNetworkPeerings" else None

        def ok() -> None:
            p = be.store.get(parent_id)
            if p is None:
                return
            lst = inline_list(p, prop)
            lst[:] = [c for c in lst if str(c.get("name", "")).lower() != name.lower()]
            p["etag"] = new_etag_network()
            if prop == "virtualNetworkPeerings":
                _on_peering_removed(be, p, removed_remote)

        def fail() -> None:
            p = be.store.get(parent_id)
            c = find_inline(p, prop, name) if p else None
            if c is not None:
                c["properties"]["provisioningState"] = "Failed"

        op = be.start_lro(req, "network", cid, str(parent.get("location", "global")), ok, fail)
        return ArmResponse(202, None, _delete_headers(be, req, op))
    raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed.")


_WRITABLE_INLINE = ("subnets", "virtualNetworkPeerings", "routes", "securityRules")


def _render_inline(be: Backend, parent_id: str, prop: str, name: str) -> Any:
    p = be.store.get(parent_id)
    c = find_inline(p, prop, name) if p else None
    return copy.deepcopy(c) if c is not None else None


# ----------------------------------------------------------------------------------------------
# virtual networks and subnets
# ----------------------------------------------------------------------------------------------
def vnet_prefixes(vnet: Resource) -> list[str]:
    """A VNet's address prefixes."""
    return list((vnet.get("properties", {}).get("addressSpace") or {}).get("addressPrefixes") or [])


def subnet_prefixes(subnet: Resource) -> list[str]:
    """A subnet's prefixes (``addressPrefix`` and/or ``addressPrefixes``)."""
    p = subnet.get("properties", {})
    out = []
    if p.get("addressPrefix"):
        out.append(p["addressPrefix"])
    out.extend(x for x in p.get("addressPrefixes") or [] if x not in out)
    return out


def _validate_prefixes(prefixes: list[str], owner_id: str) -> None:
    for p in prefixes:
        if ipam.parse_prefix(p) is None:
            raise errors.bad_request(
                "InvalidAddressPrefixFormat",
                f"Address prefix {p} of resource {owner_id} is not formatted correctly. It should follow "
                "CIDR notation, for example 10.0.0.0/24.",
            )


def _check_subnet_fits(vnet: Resource, subnet_name: str, prefixes: list[str], others: list[Resource]) -> None:
    vp = vnet_prefixes(vnet)
    for p in prefixes:
        if not ipam.within_any(p, vp):
            raise errors.bad_request(
                "NetcfgInvalidSubnet",
                f"Subnet '{subnet_name}' is not valid in virtual network '{vnet['name']}'.",
            )
    for o in others:
        if str(o.get("name", "")).lower() == subnet_name.lower():
            continue
        if ipam.overlapping_pairs(prefixes, subnet_prefixes(o)):
            raise errors.bad_request(
                "NetcfgSubnetRangesOverlap",
                f"Subnet '{subnet_name}' is not valid because its IP address range overlaps with that of an "
                f"existing subnet in virtual network '{vnet['name']}'.",
            )


def _normalize_subnet(vnet: Resource, sub: dict[str, Any], existing: Resource | None) -> Resource:
    name = str(sub.get("name") or "")
    if not name:
        raise errors.invalid_request_content("subnet name is required")
    props = copy.deepcopy(sub.get("properties") or {})
    props.pop("provisioningState", None)
    if existing:
        for k in ("ipConfigurations", "privateEndpoints", "purpose"):
            if k in existing.get("properties", {}) and k not in props:
                props[k] = copy.deepcopy(existing["properties"][k])
    props.setdefault("privateEndpointNetworkPolicies", "Disabled")
    props.setdefault("privateLinkServiceNetworkPolicies", "Enabled")
    props["provisioningState"] = "Succeeded"
    return {
        "name": existing["name"] if existing else name,
        "id": existing["id"] if existing else f"{vnet['id']}/subnets/{name}",
        "etag": new_etag_network(),
        "properties": props,
    }


def _prepare_vnet(be: Backend, req: ArmRequest | None, new: Resource, existing: Resource | None) -> None:
    props = new["properties"]
    prefixes = vnet_prefixes(new)
    if not prefixes:
        raise errors.bad_request(
            "InvalidRequestFormat", "Cannot parse the request: addressSpace.addressPrefixes is required."
        )
    _validate_prefixes(prefixes, new["id"])
    old_subnets = {
        str(s.get("name", "")).lower(): s for s in (existing or {}).get("properties", {}).get("subnets", [])
    }
    if "subnets" in props and isinstance(props["subnets"], list):
        subnets = [
            _normalize_subnet(new, s, old_subnets.get(str(s.get("name", "")).lower()))
            for s in props["subnets"]
        ]
    else:
        subnets = copy.deepcopy(list(old_subnets.values()))
    for s in subnets:
        sp = subnet_prefixes(s)
        _validate_prefixes(sp, s["id"])
        _check_subnet_fits(new, s["name"], sp, subnets)
    props["subnets"] = subnets
    # peerings are managed through their own endpoint; keep the stored ones
    props["virtualNetworkPeerings"] = copy.deepcopy(
        (existing or {}).get("properties", {}).get("virtualNetworkPeerings", [])
    )
    props.setdefault("enableDdosProtection", False)
    props.setdefault("privateEndpointVNetPolicies", "Disabled")


def _prepare_subnet(
    be: Backend, vnet: Resource, name: str, body: dict[str, Any], existing: Resource | None
) -> Resource:
    new = _normalize_subnet(vnet, {"name": name, **body}, existing)
    sp = subnet_prefixes(new)
    if not sp:
        raise errors.bad_request(
            "InvalidRequestFormat", "Cannot parse the request: addressPrefix is required."
        )
    _validate_prefixes(sp, new["id"])
    _check_subnet_fits(vnet, name, sp, inline_list(vnet, "subnets"))
    return new


def _check_subnet_unused(be: Backend, subnet: Resource) -> None:
    users = _subnet_users(be, subnet["id"])
    if users:
        raise errors.bad_request(
            "InUseSubnetCannotBeDeleted",
            f"Subnet {subnet['name']} is in use by {users[0]} and cannot be deleted. In order to delete the "
            "subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.",
        )


def _pre_delete_vnet(be: Backend, vnet: Resource) -> None:
    for s in inline_list(vnet, "subnets"):
        _check_subnet_unused(be, s)


def _after_delete_vnet(be: Backend, vnet: Resource) -> None:
    _on_peering_removed(be, vnet, None, local_deleted=True)


# ----------------------------------------------------------------------------------------------
# peerings (P1, P3, P4)
# ----------------------------------------------------------------------------------------------
def _remote_id(peering: Resource) -> str:
    return str(((peering.get("properties") or {}).get("remoteVirtualNetwork") or {}).get("id") or "")


def _reverse(be: Backend, local_id: str, remote: Resource) -> Resource | None:
    for p in inline_list(remote, "virtualNetworkPeerings"):
        if _remote_id(p).lower() == local_id.lower():
            return p
    return None


def _prepare_peering(
    be: Backend, req: ArmRequest, vnet: Resource, name: str, body: dict[str, Any], existing: Resource | None
) -> Resource:
    props_in = body.get("properties")
    if not isinstance(props_in, dict):
        raise errors.invalid_request_content("properties must be a JSON object")
    remote_id = str((props_in.get("remoteVirtualNetwork") or {}).get("id") or "")
    peering_id = existing["id"] if existing else f"{vnet['id']}/virtualNetworkPeerings/{name}"
    if not remote_id:
        raise errors.bad_request(
            "InvalidRequestFormat",
            f"Cannot parse the request: remoteVirtualNetwork.id of {peering_id} is required.",
        )
    be.check_authz(remote_id, PEERING_ACTION, None)
    remote = be.store.get(remote_id)
    if remote is None:
        raise errors.nested_not_found(remote_id)
    if remote["id"].lower() == vnet["id"].lower():
        raise errors.bad_request(
            "CannotPeerVnetWithItself", f"Virtual network {vnet['id']} cannot be peered with itself."
        )
    sync = str(req.query.get("syncremoteaddressspace", "")).lower() == "true"
    # P3: one peering per remote VNet
    for other in inline_list(vnet, "virtualNetworkPeerings"):
        if (
            str(other.get("name", "")).lower() != name.lower()
            and _remote_id(other).lower() == remote_id.lower()
        ):
            raise errors.bad_request(
                "AnotherPeeringAlreadyReferencesRemoteVnet",
                f"Peering {other['id']} already references remote virtual network {remote['id']}. Cannot add "
                "another peering referencing the same remote virtual network.",
            )
    lp, rp = vnet_prefixes(vnet), vnet_prefixes(remote)
    pairs = ipam.overlapping_pairs(lp, rp)
    if pairs:
        listed = ", ".join(f"{a}, {b}" for a, b in pairs)
        raise errors.bad_request(
            "VnetAddressSpacesOverlap",
            f"Cannot create or update peering {peering_id}. Virtual networks {vnet['id']} and {remote['id']} "
            f"cannot be peered because their address spaces overlap. Overlapping address prefixes: {listed}",
        )
    _check_already_peered(be, peering_id, vnet, remote, first_is_local=True)
    _check_already_peered(be, peering_id, remote, vnet, first_is_local=False)

    props = copy.deepcopy(props_in)
    for k in (
        "peeringState",
        "peeringSyncLevel",
        "provisioningState",
        "remoteAddressSpace",
        "remoteVirtualNetworkAddressSpace",
        "resourceGuid",
    ):
        props.pop(k, None)
    props["remoteVirtualNetwork"] = {"id": remote["id"]}
    for k, default in (
        ("allowVirtualNetworkAccess", True),
        ("allowForwardedTraffic", False),
        ("allowGatewayTransit", False),
        ("useRemoteGateways", False),
        ("doNotVerifyRemoteGateways", False),
        ("peerCompleteVnets", True),
    ):
        props.setdefault(k, default)
    old = (existing or {}).get("properties", {})
    props["resourceGuid"] = old.get("resourceGuid") or str(uuid.uuid4())
    if existing is None or sync:
        props["remoteAddressSpace"] = {"addressPrefixes": list(rp)}
    else:
        props["remoteAddressSpace"] = copy.deepcopy(
            old.get("remoteAddressSpace") or {"addressPrefixes": list(rp)}
        )
    props["remoteVirtualNetworkAddressSpace"] = {"addressPrefixes": list(rp)}
    reverse = _reverse(be, vnet["id"], remote)
    old_state = old.get("peeringState")
    if reverse is None:
        state = "Disconnected" if old_state == "Disconnected" else "Initiated"
    elif reverse["properties"].get("peeringState") == "Disconnected":
        raise errors.bad_request(
            "RemotePeeringIsDisconnected",
            f"Cannot create or update peering {peering_id} because remote peering {reverse['id']} referencing "
            f"parent virtual network {vnet['id']} is in Disconnected state. Update or re-create the remote peering "
            "to get it back to Initiated state. Peering gets Disconnected when remote vnet or remote peering is "
            "deleted and re-created.",
        )
    else:
        state = "Connected"
        reverse["properties"]["peeringState"] = "Connected"
        reverse["etag"] = new_etag_network()
    props["peeringState"] = state
    props["peeringSyncLevel"] = "FullyInSync"
    # Real peering bodies name the gateways a link uses and carry an (empty) routeServiceVips,
    # though the specification lists neither.
    props.pop("remoteGateways", None)
    if props.get("useRemoteGateways"):
        props["remoteGateways"] = [{"id": g} for g in _gateways_in(be, remote["id"])]
    props["routeServiceVips"] = {}
    return {
        "name": existing["name"] if existing else name,
        "id": peering_id,
        "etag": new_etag_network(),
        "properties": props,
        "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    }


def _gateways_in(be: Backend, vnet_id: str) -> list[str]:
    """IDs of the virtual network gateways (seeded from a snapshot) whose GatewaySubnet is in the VNet."""
    out = []
    for g in be.store.of_type("Microsoft.Network/virtualNetworkGateways"):
        for cfg in (g.get("properties") or {}).get("ipConfigurations") or []:
            sub = str(((cfg.get("properties") or cfg).get("subnet") or {}).get("id") or "")
            if sub.lower().startswith(vnet_id.lower() + "/subnets/"):
                out.append(str(g["id"]))
                break
    return out


def _check_already_peered(
    be: Backend, peering_id: str, first: Resource, second: Resource, first_is_local: bool
) -> None:
    """``first`` must not overlap a VNet (other than itself) already peered with ``second``."""
    fp = vnet_prefixes(first)
    for p in inline_list(second, "virtualNetworkPeerings"):
        third_id = _remote_id(p)
        if third_id.lower() == first["id"].lower():
            continue
        third = be.store.get(third_id)
        third_prefixes = (
            vnet_prefixes(third)
            if third
            else list(
                (p.get("properties", {}).get("remoteVirtualNetworkAddressSpace") or {}).get("addressPrefixes")
                or []
            )
        )
        pairs = ipam.overlapping_pairs(fp, third_prefixes)
        if pairs:
            a, b = (first, second) if first_is_local else (second, first)
            which = "first" if first_is_local else "second"
            other = "second" if first_is_local else "first"
            listed = ", ".join(sorted({x for x, _ in pairs}))
            raise errors.bad_request(
                "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet",
                f"Cannot create or update peering {peering_id}. Virtual networks {a['id']} and {b['id']} cannot "
                f"be peered because address space of the {which} virtual network overlaps with address space of "
                f"virtual network {third_id} already peered with the {other} virtual network. Overlapping address "
                f"prefixes: {listed}.",
            )


def _on_peering_removed(
    be: Backend, vnet: Resource, remote_id: str | None, local_deleted: bool = False
) -> None:
    """P1: the remote side of a removed peering becomes Disconnected (all links to a deleted VNet do)."""
    for other in be.store.of_type("Microsoft.Network/virtualNetworks"):
        if other["id"].lower() == vnet["id"].lower():
            continue
        if not local_deleted and (remote_id is None or other["id"].lower() != remote_id.lower()):
            continue
        for p in inline_list(other, "virtualNetworkPeerings"):
            if _remote_id(p).lower() == vnet["id"].lower() and (
                local_deleted or not _has_link(vnet, other["id"])
            ):
                p["properties"]["peeringState"] = "Disconnected"
                p["etag"] = new_etag_network()
    _refresh_peering_views(be)


def _has_link(vnet: Resource, remote_id: str) -> bool:
    return any(
        _remote_id(p).lower() == remote_id.lower() for p in inline_list(vnet, "virtualNetworkPeerings")
    )


def _refresh_peering_views(be: Backend) -> None:
    """P4: live remoteVirtualNetworkAddressSpace and peeringSyncLevel on every peering."""
    vnets = {v["id"].lower(): v for v in be.store.of_type("Microsoft.Network/virtualNetworks")}
    for v in vnets.values():
        for p in inline_list(v, "virtualNetworkPeerings"):
            props = p.setdefault("properties", {})
            remote = vnets.get(_remote_id(p).lower())
            if remote is None:
                continue
            rp = vnet_prefixes(remote)
            props["remoteVirtualNetworkAddressSpace"] = {"addressPrefixes": list(rp)}
            synced = set((props.get("remoteAddressSpace") or {}).get("addressPrefixes") or [])
            remote_ok = synced == set(rp)
            rev = _reverse(be, v["id"], remote)
            local_ok = True
            if rev is not None:
                rev_synced = set(
                    (rev.get("properties", {}).get("remoteAddressSpace") or {}).get("addressPrefixes") or []
                )
                local_ok = rev_synced == set(vnet_prefixes(v))
            props["peeringSyncLevel"] = (
                "FullyInSync"
                if local_ok and remote_ok
                else "LocalNotInSync"
                if remote_ok
                else "RemoteNotInSync"
                if local_ok
                else "LocalAndRemoteNotInSync"
            )


# ----------------------------------------------------------------------------------------------
# IP allocation in subnets (LB frontends, NICs, PLS)
# ----------------------------------------------------------------------------------------------
def _ip_holders(be: Backend) -> list[tuple[str, str, str]]:
    """(subnet id lower, ip, owner id) for every private IP held in the store."""
    out = []
    for r in be.store.all():
        t = be.type_of(r).lower()
        props = r.get("properties", {})
        configs: list[Resource] = []
        if t == "microsoft.network/loadbalancers":
            configs = props.get("frontendIPConfigurations") or []
        elif t in ("microsoft.network/networkinterfaces", "microsoft.network/privatelinkservices"):
            configs = props.get("ipConfigurations") or []
        for c in configs:
            cp = c.get("properties", {})
            sid = str((cp.get("subnet") or {}).get("id") or "")
            if sid and cp.get("privateIPAddress"):
                out.append((sid.lower(), str(cp["privateIPAddress"]), str(c.get("id") or r["id"])))
    return out


def _subnet_users(be: Backend, subnet_id: str) -> list[str]:
    return [owner for sid, _, owner in _ip_holders(be) if sid == subnet_id.lower()]


def _find_subnet(be: Backend, subnet_id: str, referrer: str) -> Resource:
    vnet = be.store.get(parent_id_of(subnet_id))
    sub = find_inline(vnet, "subnets", subnet_id.rstrip("/").split("/")[-1]) if vnet else None
    if sub is None:
        raise errors.bad_request(
            "InvalidResourceReference",
            f"Resource {subnet_id} referenced by resource {referrer} was not found. Please make sure that the "
            "referenced resource exists, and that both resources are in the same region.",
        )
    return sub


def _assign_ips(be: Backend, owner_id: str, configs: list[Resource], keep: dict[str, str]) -> None:
    """Fill privateIPAddress on configs with a subnet: Static must fit and be free, Dynamic gets the next free."""
    held = [(sid, ip, o) for sid, ip, o in _ip_holders(be) if not o.lower().startswith(owner_id.lower())]
    for c in configs:
        cp = c.setdefault("properties", {})
        sid = str((cp.get("subnet") or {}).get("id") or "")
        if not sid:
            continue
        sub = _find_subnet(be, sid, owner_id)
        prefixes = subnet_prefixes(sub)
        used = {ip for s, ip, _ in held if s == sid.lower()}
        method = cp.get("privateIPAllocationMethod") or (
            "Static" if cp.get("privateIPAddress") else "Dynamic"
        )
        cp["privateIPAllocationMethod"] = method
        ip: str | None
        if method == "Static" and cp.get("privateIPAddress"):
            ip = str(cp["privateIPAddress"])
            if not ipam.address_in(ip, prefixes):
                raise errors.bad_request(
                    "PrivateIPAddressNotInSubnet",
                    f"IP configuration {c.get('id')} references the private IP address {ip} which is not in the "
                    f"address space of subnet {sub['id']}.",
                )
            if ip in used:
                raise errors.bad_request(
                    "PrivateIPAddressInUse",
                    f"IP configuration {c.get('id')} is using the private IP address {ip} which is already "
                    "allocated to another resource.",
                )
        else:
            prev = keep.get(str(c.get("name", "")).lower())
            ip = (
                prev
                if prev and prev not in used and ipam.address_in(prev, prefixes)
                else ipam.next_free(prefixes, used)
            )
            if ip is None:
                raise errors.bad_request(
                    "SubnetIsFull",
                    f"Subnet {sub['name']} with address prefix {prefixes} does not have enough capacity.",
                )
            cp["privateIPAddress"] = ip
        cp.setdefault("privateIPAddressVersion", "IPv4")
        held.append((sid.lower(), str(cp["privateIPAddress"]), str(c.get("id") or owner_id)))


def _sync_subnet_refs(be: Backend, owner_id: str, configs: list[Resource]) -> None:
    """Keep ``subnet.properties.ipConfigurations`` back-references (as in VirtualNetworkGet) in step."""
    pre = owner_id.lower().rstrip("/") + "/"
    wanted: dict[str, list[str]] = {}
    for c in configs:
        sid = str((c.get("properties", {}).get("subnet") or {}).get("id") or "")
        if sid and c.get("id"):
            wanted.setdefault(sid.lower(), []).append(str(c["id"]))
    for vnet in be.store.of_type("Microsoft.Network/virtualNetworks"):
        for sub in inline_list(vnet, "subnets"):
            sp = sub.setdefault("properties", {})
            refs = [
                r
                for r in sp.get("ipConfigurations") or []
                if not str(r.get("id", "")).lower().startswith(pre)
            ]
            refs.extend({"id": i} for i in wanted.get(sub["id"].lower(), []))
            if refs:
                sp["ipConfigurations"] = refs
            else:
                sp.pop("ipConfigurations", None)


def _normalize_children(owner: Resource, prop: str, seg: str, ctype: str | None) -> list[Resource]:
    out = []
    for c in owner["properties"].get(prop) or []:
        if not isinstance(c, dict) or not c.get("name"):
            raise errors.invalid_request_content(f"every entry of {prop} needs a name")
        c = copy.deepcopy(c)
        c["id"] = f"{owner['id']}/{seg}/{c['name']}"
        c["etag"] = owner["etag"]
        if ctype:
            c["type"] = ctype
        c.setdefault("properties", {})["provisioningState"] = "Succeeded"
        out.append(c)
    owner["properties"][prop] = out
    return out


def _kept_ips(existing: Resource | None, prop: str) -> dict[str, str]:
    out = {}
    for c in (existing or {}).get("properties", {}).get(prop) or []:
        ip = c.get("properties", {}).get("privateIPAddress")
        if ip:
            out[str(c.get("name", "")).lower()] = str(ip)
    return out


def _prepare_lb(be: Backend, req: ArmRequest | None, new: Resource, existing: Resource | None) -> None:
    fes = _normalize_children(
        new,
        "frontendIPConfigurations",
        "frontendIPConfigurations",
        "Microsoft.Network/loadBalancers/frontendIPConfigurations",
    )
    for prop, seg in (
        ("backendAddressPools", "backendAddressPools"),
        ("loadBalancingRules", "loadBalancingRules"),
        ("probes", "probes"),
        ("inboundNatRules", "inboundNatRules"),
        ("outboundRules", "outboundRules"),
    ):
        _normalize_children(new, prop, seg, f"Microsoft.Network/loadBalancers/{seg}")
    _assign_ips(
        be,
        new["id"],
        [f for f in fes if (f["properties"].get("subnet") or {}).get("id")],
        _kept_ips(existing, "frontendIPConfigurations"),
    )
    new.setdefault("sku", {"name": "Standard", "tier": "Regional"})


def _prepare_nic(be: Backend, req: ArmRequest | None, new: Resource, existing: Resource | None) -> None:
    cfgs = _normalize_children(
        new, "ipConfigurations", "ipConfigurations", "Microsoft.Network/networkInterfaces/ipConfigurations"
    )
    _assign_ips(be, new["id"], cfgs, _kept_ips(existing, "ipConfigurations"))
    new["properties"].setdefault("macAddress", "")
    new["properties"].setdefault("nicType", "Standard")


def _prepare_pls(be: Backend, req: ArmRequest | None, new: Resource, existing: Resource | None) -> None:
    props = new["properties"]
    for fe in props.get("loadBalancerFrontendIpConfigurations") or []:
        fid = str(fe.get("id") or "")
        lb = be.store.get(parent_id_of(fid)) if fid else None
        if lb is None or find_inline(lb, "frontendIPConfigurations", fid.split("/")[-1]) is None:
            raise errors.bad_request(
                "InvalidResourceReference",
                f"Resource {fid} referenced by resource {new['id']} was not found. Please make sure that the "
                "referenced resource exists, and that both resources are in the same region.",
            )
    cfgs = _normalize_children(
        new, "ipConfigurations", "ipConfigurations", "Microsoft.Network/privateLinkServices/ipConfigurations"
    )
    _assign_ips(be, new["id"], cfgs, _kept_ips(existing, "ipConfigurations"))
    old = (existing or {}).get("properties", {})
    props["alias"] = old.get("alias") or (
        f"{new['name']}.{uuid.uuid4()}.{str(new.get('location', 'global')).replace(' ', '').lower()}"
        ".azure.privatelinkservice"
    )
    props["privateEndpointConnections"] = copy.deepcopy(old.get("privateEndpointConnections") or [])
    props.setdefault("networkInterfaces", copy.deepcopy(old.get("networkInterfaces") or []))
    props.setdefault("visibility", {"subscriptions": []})
    props.setdefault("autoApproval", {"subscriptions": []})
    props.setdefault("fqdns", [])


# -- private endpoints ---------------------------------------------------------------------------
def _prepare_pe(be: Backend, req: ArmRequest | None, new: Resource, existing: Resource | None) -> None:
    props = new["properties"]
    sid = str((props.get("subnet") or {}).get("id") or "")
    if not sid:
        raise errors.bad_request(
            "InvalidRequestFormat", "Cannot parse the request: properties.subnet.id is required."
        )
    _find_subnet(be, sid, new["id"])
    old = (existing or {}).get("properties", {})
    for prop, auto in (
        ("privateLinkServiceConnections", True),
        ("manualPrivateLinkServiceConnections", False),
    ):
        conns = []
        for c in props.get(prop) or []:
            if not isinstance(c, dict) or not c.get("name"):
                raise errors.invalid_request_content(f"every entry of {prop} needs a name")
            c = copy.deepcopy(c)
            c["id"] = f"{new['id']}/{prop}/{c['name']}"
            c["type"] = f"Microsoft.Network/privateEndpoints/{prop}"
            c["etag"] = new["etag"]
            cp = c.setdefault("properties", {})
            cp.setdefault("groupIds", [])
            prev = next(
                (p for p in old.get(prop) or [] if str(p.get("name", "")).lower() == c["name"].lower()), None
            )
            if prev is not None:
                cp["privateLinkServiceConnectionState"] = copy.deepcopy(
                    prev.get("properties", {}).get("privateLinkServiceConnectionState")
                )
            else:
                cp["privateLinkServiceConnectionState"] = (
                    {"status": "Approved", "description": "Auto-Approved", "actionsRequired": "None"}
                    if auto
                    else {"status": "Pending", "description": "Awaiting approval", "actionsRequired": "None"}
                )
            cp["provisioningState"] = "Succeeded"
            conns.append(c)
        props[prop] = conns
    props["networkInterfaces"] = copy.deepcopy(old.get("networkInterfaces") or [])
    props.setdefault("customDnsConfigs", copy.deepcopy(old.get("customDnsConfigs") or []))
    props.setdefault("ipConfigurations", [])


def _after_put_pe(be: Backend, pe: Resource, existing: Resource | None) -> None:
    props = pe["properties"]
    sid = props["subnet"]["id"]
    static_ip = next(
        (
            c.get("properties", {}).get("privateIPAddress")
            for c in props.get("ipConfigurations") or []
            if c.get("properties", {}).get("privateIPAddress")
        ),
        None,
    )
    nic_id = props["networkInterfaces"][0]["id"] if props.get("networkInterfaces") else None
    nic = be.store.get(nic_id) if nic_id else None
    if nic is None:
        scope = pe["id"].split("/providers/")[0]
        nic_name = props.get("customNetworkInterfaceName") or f"{pe['name']}.nic.{uuid.uuid4()}"
        nic_id = f"{scope}/providers/Microsoft.Network/networkInterfaces/{nic_name}"
        cfg: Resource = {
            "name": f"privateEndpointIpConfig.{uuid.uuid4()}",
            "properties": {
                "privateIPAllocationMethod": "Static" if static_ip else "Dynamic",
                "subnet": {"id": sid},
                "primary": True,
                "privateIPAddressVersion": "IPv4",
            },
        }
        if static_ip:
            cfg["properties"]["privateIPAddress"] = static_ip
        nic = {
            "name": nic_name,
            "id": nic_id,
            "etag": new_etag_network(),
            "type": "Microsoft.Network/networkInterfaces",
            "location": pe.get("location"),
            "properties": {"ipConfigurations": [cfg], "privateEndpoint": {"id": pe["id"]}},
        }
        _prepare_nic(be, None, nic, None)
        nic["properties"]["provisioningState"] = "Succeeded"
        nic["properties"]["resourceGuid"] = str(uuid.uuid4())
        be.store.put(nic)
        _sync_subnet_refs(be, nic_id, nic["properties"]["ipConfigurations"])
        props["networkInterfaces"] = [{"id": nic_id}]
    # register the connection on a target Private Link Service held in the store
    for prop in ("privateLinkServiceConnections", "manualPrivateLinkServiceConnections"):
        for c in props.get(prop) or []:
            target = str(c.get("properties", {}).get("privateLinkServiceId") or "")
            pls = be.store.get(target) if target else None
            if pls is None or be.type_of(pls).lower() != "microsoft.network/privatelinkservices":
                continue
            conns = inline_list(pls, "privateEndpointConnections")
            if any(
                str((x.get("properties", {}).get("privateEndpoint") or {}).get("id", "")).lower()
                == pe["id"].lower()
                for x in conns
            ):
                continue
            cname = f"{pe['name']}.{uuid.uuid4()}"
            conns.append(
                {
                    "name": cname,
                    "id": f"{pls['id']}/privateEndpointConnections/{cname}",
                    "type": "Microsoft.Network/privateLinkServices/privateEndpointConnections",
                    "etag": new_etag_network(),
                    "properties": {
                        "privateEndpoint": {"id": pe["id"]},
                        "privateLinkServiceConnectionState": copy.deepcopy(
                            c["properties"]["privateLinkServiceConnectionState"]
                        ),
                        "linkIdentifier": str(int(uuid.uuid4().int % 10**9)),
                        "provisioningState": "Succeeded",
                    },
                }
            )


def _after_delete_pe(be: Backend, pe: Resource) -> None:
    for n in pe.get("properties", {}).get("networkInterfaces") or []:
        be.store.delete(str(n.get("id", "")))
        _sync_subnet_refs(be, str(n.get("id", "")), [])
    for pls in be.store.of_type("Microsoft.Network/privateLinkServices"):
        conns = inline_list(pls, "privateEndpointConnections")
        conns[:] = [
            c
            for c in conns
            if str((c.get("properties", {}).get("privateEndpoint") or {}).get("id", "")).lower()
            != pe["id"].lower()
        ]
    for zg in be.store.children(pe["id"]):
        be.store.delete(zg["id"])
    _remove_zone_group_records(be, pe)


# -- private DNS zone groups -------------------------------------------------------------------------
def _pe_ip(be: Backend, pe: Resource) -> str | None:
    for n in pe.get("properties", {}).get("networkInterfaces") or []:
        nic = be.store.get(str(n.get("id", "")))
        for c in (nic or {}).get("properties", {}).get("ipConfigurations") or []:
            ip = c.get("properties", {}).get("privateIPAddress")
            if ip:
                return str(ip)
    return None


def _prepare_zone_group(
    be: Backend, req: ArmRequest | None, new: Resource, existing: Resource | None
) -> None:
    pe = be.store.get(parent_id_of(new["id"]))
    assert pe is not None
    new.pop("type", None)
    new.pop("location", None)
    ip = _pe_ip(be, pe)
    cfgs = []
    for c in new["properties"].get("privateDnsZoneConfigs") or []:
        if not isinstance(c, dict):
            raise errors.invalid_request_content("privateDnsZoneConfigs entries must be objects")
        c = copy.deepcopy(c)
        zone_id = str(c.get("properties", {}).get("privateDnsZoneId") or "")
        if not zone_id:
            raise errors.bad_request(
                "InvalidRequestFormat", "Cannot parse the request: privateDnsZoneId is required."
            )
        zone_name = zone_id.rstrip("/").split("/")[-1].lower()
        c.setdefault("name", zone_name.replace(".", "-"))
        fqdns = [str(d.get("fqdn")) for d in pe["properties"].get("customDnsConfigs") or [] if d.get("fqdn")]
        rs_name = pe["name"].lower()
        for f in fqdns:
            if f.lower().endswith("." + zone_name.replace("privatelink.", "", 1)) or f.lower().endswith(
                "." + zone_name
            ):
                rs_name = f.split(".")[0].lower()
                break
        c["properties"]["recordSets"] = [
            {
                "recordType": "A",
                "recordSetName": rs_name,
                "fqdn": f"{rs_name}.{zone_name}",
                "provisioningState": "Succeeded",
                "ttl": 10,
                "ipAddresses": [ip] if ip else [],
            }
        ]
        cfgs.append(c)
    new["properties"]["privateDnsZoneConfigs"] = cfgs


def _after_put_zone_group(be: Backend, zg: Resource, existing: Resource | None) -> None:
    from . import privatedns

    for c in zg["properties"].get("privateDnsZoneConfigs") or []:
        zone = be.store.get(str(c["properties"]["privateDnsZoneId"]))
        if zone is None:
            continue
        for rs in c["properties"].get("recordSets") or []:
            privatedns.upsert_a_record(
                be, zone, rs["recordSetName"], rs["ipAddresses"], ttl=int(rs.get("ttl", 10))
            )


def _remove_zone_group_records(be: Backend, owner: Resource) -> None:
    groups = [owner] if be.type_of(owner).lower().endswith("privatednszonegroups") else []
    for zg in groups:
        for c in zg.get("properties", {}).get("privateDnsZoneConfigs") or []:
            zone_id = str(c.get("properties", {}).get("privateDnsZoneId") or "")
            for rs in c.get("properties", {}).get("recordSets") or []:
                be.store.delete(f"{zone_id}/A/{rs.get('recordSetName', '')}")


def _after_delete_zone_group(be: Backend, zg: Resource) -> None:
    zg = dict(zg)
    zg["type"] = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups"
    _remove_zone_group_records(be, zg)


# ----------------------------------------------------------------------------------------------
# route tables and network security groups (routes and security rules are inline children)
# ----------------------------------------------------------------------------------------------
_NEXT_HOP_TYPES = {t.lower(): t for t in ("VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance", "None")}
_PROTOCOLS = {p.lower(): p for p in ("*", "Tcp", "Udp", "Icmp", "Esp", "Ah")}
_DEFAULT_RULES = (
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork", "Allow inbound traffic from all VMs in VNET"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*", "Allow inbound traffic from azure load balancer"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*", "Deny all inbound traffic"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork", "Allow outbound traffic from all VMs to all VMs in VNET"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet", "Allow outbound traffic from all VMs to Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*", "Deny all outbound traffic"),
)


def _normalize_route(table: Resource, name: str, body: dict[str, Any], existing: Resource | None) -> Resource:
    props = copy.deepcopy(body.get("properties") or {})
    if not isinstance(props, dict):
        raise errors.invalid_request_content("properties must be a JSON object")
    props.pop("provisioningState", None)
    hop = str(props.get("nextHopType") or "")
    if hop.lower() not in _NEXT_HOP_TYPES:
        raise errors.bad_request(
            "InvalidRequestFormat", f"Cannot parse the request: nextHopType '{hop}' is not a valid value."
        )
    props["nextHopType"] = _NEXT_HOP_TYPES[hop.lower()]
    prefix = str(props.get("addressPrefix") or "")
    if not prefix:
        raise errors.bad_request("InvalidRequestFormat", "Cannot parse the request: addressPrefix is required.")
    if prefix[:1].isdigit():
        _validate_prefixes([prefix], f"{table['id']}/routes/{name}")
    if props["nextHopType"] == "VirtualAppliance" and not props.get("nextHopIpAddress"):
        raise errors.bad_request(
            "VirtualApplianceNextHopIpAddressMissing",
            f"Route {name} has next hop type VirtualAppliance but no next hop IP address.",
        )
    if props["nextHopType"] != "VirtualAppliance" and props.get("nextHopIpAddress"):
        raise errors.bad_request(
            "NextHopIpAddressNotAllowed",
            f"Route {name} has next hop type {props['nextHopType']}: a next hop IP address is only allowed "
            "for VirtualAppliance.",
        )
    props.setdefault("hasBgpOverride", False)
    props["provisioningState"] = "Succeeded"
    return {
        "name": existing["name"] if existing else name,
        "id": existing["id"] if existing else f"{table['id']}/routes/{name}",
        "etag": new_etag_network(),
        "type": "Microsoft.Network/routeTables/routes",
        "properties": props,
    }


def _prepare_route(table: Resource, name: str, body: dict[str, Any], existing: Resource | None) -> Resource:
    new = _normalize_route(table, name, body, existing)
    for r in inline_list(table, "routes"):
        if str(r.get("name", "")).lower() == name.lower():
            continue
        if str(r.get("properties", {}).get("addressPrefix", "")).lower() == new["properties"]["addressPrefix"].lower():
            raise errors.bad_request(
                "RouteConflict",
                f"Route {name} has the same address prefix {new['properties']['addressPrefix']} as route "
                f"{r.get('name')} of route table {table['name']}.",
            )
    return new


def _prepare_route_table(be: Backend, req: ArmRequest | None, new: Resource, existing: Resource | None) -> None:
    props = new["properties"]
    routes = props.get("routes") or []
    if not isinstance(routes, list):
        raise errors.invalid_request_content("routes must be a list")
    out: list[Resource] = []
    old = {str(r.get("name", "")).lower(): r for r in (existing or {}).get("properties", {}).get("routes", [])}
    for r in routes:
        rname = str(r.get("name") or "")
        if not rname:
            raise errors.invalid_request_content("route name is required")
        out.append(_normalize_route(new, rname, r, old.get(rname.lower())))
    props["routes"] = out
    props.setdefault("disableBgpRoutePropagation", False)


def _port_ok(v: object) -> bool:
    if isinstance(v, int):
        return 0 <= v <= 65535
    t = str(v)
    if t == "*":
        return True
    lo, sep, hi = t.partition("-")
    try:
        a, b = int(lo), int(hi) if sep else int(lo)
    except ValueError:
        return False
    return 0 <= a <= b <= 65535


def _normalize_security_rule(nsg: Resource, name: str, body: dict[str, Any], existing: Resource | None) -> Resource:
    props = copy.deepcopy(body.get("properties") or {})
    if not isinstance(props, dict):
        raise errors.invalid_request_content("properties must be a JSON object")
    props.pop("provisioningState", None)
    prio = props.get("priority")
    if not isinstance(prio, int) or not 100 <= prio <= 4096:
        raise errors.bad_request(
            "SecurityRuleInvalidPriority",
            f"Security rule {name} has invalid Priority {prio}. Value provided: {prio} Allowed range 100-4096.",
        )
    proto = str(props.get("protocol") or "")
    if proto.lower() not in _PROTOCOLS:
        raise errors.bad_request("SecurityRuleInvalidProtocol", f"Security rule {name} has invalid Protocol {proto!r}.")
    props["protocol"] = _PROTOCOLS[proto.lower()]
    for key, allowed in (("direction", ("Inbound", "Outbound")), ("access", ("Allow", "Deny"))):
        v = str(props.get(key) or "")
        match = next((a for a in allowed if a.lower() == v.lower()), None)
        if match is None:
            raise errors.bad_request("InvalidRequestFormat", f"Cannot parse the request: {key} '{v}' is not valid.")
        props[key] = match
    for side in ("source", "destination"):
        ports = props.get(f"{side}PortRanges") or ([props[f"{side}PortRange"]] if props.get(f"{side}PortRange") is not None else [])
        for port in ports:
            if not _port_ok(port):
                raise errors.bad_request(
                    "SecurityRuleInvalidPortRange", f"Security rule {name} has invalid Port range {port!r}."
                )
        if not (props.get(f"{side}AddressPrefix") or props.get(f"{side}AddressPrefixes")
                or props.get(f"{side}ApplicationSecurityGroups")):
            raise errors.bad_request(
                "SecurityRuleParameterContainsUnsupportedValue",
                f"Security rule {name} names no {side} address prefix or application security group.",
            )
    props["provisioningState"] = "Succeeded"
    return {
        "name": existing["name"] if existing else name,
        "id": existing["id"] if existing else f"{nsg['id']}/securityRules/{name}",
        "etag": new_etag_network(),
        "type": "Microsoft.Network/networkSecurityGroups/securityRules",
        "properties": props,
    }


def _check_priority_free(nsg_name: str, rule: Resource, others: list[Resource]) -> None:
    p = rule["properties"]
    for o in others:
        if str(o.get("name", "")).lower() == str(rule["name"]).lower():
            continue
        op = o.get("properties", {})
        if op.get("priority") == p["priority"] and str(op.get("direction", "")).lower() == p["direction"].lower():
            raise errors.bad_request(
                "SecurityRuleConflict",
                f"Security rule {rule['name']} conflicts with rule {o.get('name')} of network security group "
                f"{nsg_name}: rules cannot have the same Priority ({p['priority']}) and Direction ({p['direction']}).",
            )


def _prepare_security_rule(nsg: Resource, name: str, body: dict[str, Any], existing: Resource | None) -> Resource:
    new = _normalize_security_rule(nsg, name, body, existing)
    _check_priority_free(nsg["name"], new, inline_list(nsg, "securityRules"))
    return new


def _prepare_nsg(be: Backend, req: ArmRequest | None, new: Resource, existing: Resource | None) -> None:
    props = new["properties"]
    rules = props.get("securityRules") or []
    if not isinstance(rules, list):
        raise errors.invalid_request_content("securityRules must be a list")
    old = {str(r.get("name", "")).lower(): r for r in (existing or {}).get("properties", {}).get("securityRules", [])}
    out: list[Resource] = []
    for r in rules:
        rname = str(r.get("name") or "")
        if not rname:
            raise errors.invalid_request_content("security rule name is required")
        rule = _normalize_security_rule(new, rname, r, old.get(rname.lower()))
        _check_priority_free(new["name"], rule, out)
        out.append(rule)
    props["securityRules"] = out
    props["defaultSecurityRules"] = [
        {
            "name": n,
            "id": f"{new['id']}/defaultSecurityRules/{n}",
            "etag": new["etag"],
            "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
            "properties": {
                "provisioningState": "Succeeded", "description": desc, "protocol": "*",
                "sourcePortRange": "*", "destinationPortRange": "*", "sourceAddressPrefix": src,
                "destinationAddressPrefix": dst, "access": access, "priority": prio, "direction": direction,
            },
        }
        for n, prio, direction, access, src, dst, desc in _DEFAULT_RULES
    ]  # fmt: skip


_IP_OWNERS = {
    "microsoft.network/loadbalancers": "frontendIPConfigurations",
    "microsoft.network/networkinterfaces": "ipConfigurations",
    "microsoft.network/privatelinkservices": "ipConfigurations",
}
_PREPARE = {
    VNET: _prepare_vnet,
    "microsoft.network/loadbalancers": _prepare_lb,
    "microsoft.network/networkinterfaces": _prepare_nic,
    "microsoft.network/privatelinkservices": _prepare_pls,
    "microsoft.network/privateendpoints": _prepare_pe,
    "microsoft.network/privateendpoints/privatednszonegroups": _prepare_zone_group,
    "microsoft.network/routetables": _prepare_route_table,
    "microsoft.network/networksecuritygroups": _prepare_nsg,
}
_AFTER_PUT = {
    "microsoft.network/privateendpoints": _after_put_pe,
    "microsoft.network/privateendpoints/privatednszonegroups": _after_put_zone_group,
}
_PRE_DELETE = {VNET: _pre_delete_vnet}
_AFTER_DELETE = {
    VNET: _after_delete_vnet,
    "microsoft.network/privateendpoints": _after_delete_pe,
    "microsoft.network/privateendpoints/privatednszonegroups": _after_delete_zone_group,
}
