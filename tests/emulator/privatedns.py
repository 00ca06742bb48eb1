"""Private DNS (Microsoft.Network/privateDnsZones) resource provider of the emulator.

Zones and virtual network links use the 202 LRO pattern of the official examples (``Location`` to
``privateDnsOperationResults``, ``Azure-AsyncOperation`` to ``privateDnsOperationStatuses``, both
re-sent on every poll while running; ``Retry-After`` only when the faults configure one), and a PUT's
202 carries ``{}`` as JSON. Record sets are synchronous (200/201 for PUT, 200 for PATCH, 200/204 for DELETE):
azure-mgmt-privatedns 2.0.0 accepts only those codes for record sets. Record names are stored
lower-cased with a trailing-dot ``fqdn``; zones and links have location ``global``; zones carry
bare-GUID etags and no ``internalId`` (nor ``tags`` unless set), links quoted-GUID etags and, from
api-version 2024-06-01, ``resolutionPolicy`` ("Default" unless set). DESIGN D7 is enforced on links: one link per zone-VNet pair (409 Conflict), one
registration-enabled zone per VNet (409 Conflict), no two zones of the same name linked to one
VNet (400 BadRequest), and the limits (1000 links per zone, 1000 zones per VNet, 25,000 record
sets per zone, 20 records per record set).
"""

from __future__ import annotations

import copy
from typing import Any

from . import errors
from .backend import ArmRequest, ArmResponse, Backend, new_etag_dns, new_etag_dns_link
from .errors import ArmError
from .store import DNS_RECORD_TYPES, ArmPath, Resource

ZONE_TYPE = "Microsoft.Network/privateDnsZones"
LINK_TYPE = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"
MAX_RECORD_SETS = 25000
MAX_LINKS = 1000
MAX_REG_LINKS = 100
MAX_ZONES_PER_VNET = 1000
MAX_RECORDS = 20
RECORD_KEYS = {
    "A": "aRecords",
    "AAAA": "aaaaRecords",
    "CNAME": "cnameRecord",
    "MX": "mxRecords",
    "PTR": "ptrRecords",
    "SOA": "soaRecord",
    "SRV": "srvRecords",
    "TXT": "txtRecords",
}


def handle(be: Backend, req: ArmRequest, arm: ArmPath) -> ArmResponse:
    """Serve one private DNS request."""
    segs = arm.segments
    n = len(segs)
    if n == 1:  # /privateDnsZones (subscription or resource group)
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", "The method is not allowed on a collection.")
        zones = be.store.of_type(ZONE_TYPE, arm.scope())
        return be.page(req, [render_zone(be, z) for z in zones])
    zone_id = arm.id_for(1)
    if n == 2:
        return _zone(be, req, arm, zone_id)
    zone = be.store.get(zone_id)
    kind = segs[2]
    if zone is None:
        if req.method == "DELETE":
            return ArmResponse(204)
        raise errors.parent_not_found(zone_id)
    if kind.lower() == "virtualnetworklinks":
        if n == 3:
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", "The method is not allowed on a collection.")
            links = [r for r in be.store.children(zone["id"]) if be.type_of(r).lower() == LINK_TYPE.lower()]
            return be.page(req, [render_link(be, req, r) for r in links])
        return _link(be, req, arm, zone)
    rtype = kind.upper()
    if n == 3:
        if req.method != "GET":
            raise ArmError(405, "MethodNotAllowed", "The method is not allowed on a collection.")
        if rtype == "ALL":
            items = record_sets(be, zone)
        elif rtype in DNS_RECORD_TYPES:
            items = [r for r in record_sets(be, zone) if be.type_of(r).split("/")[-1].upper() == rtype]
        else:
            raise errors.bad_request("InvalidRecordType", f"The record type '{kind}' is not supported.")
        suffix = req.query.get("$recordsetnamesuffix")
        if suffix:
            items = [r for r in items if r["name"].endswith(suffix.lower())]
        return be.page(req, [be.render(r) for r in items])
    if rtype not in DNS_RECORD_TYPES:
        raise errors.bad_request("InvalidRecordType", f"The record type '{kind}' is not supported.")
    return _record(be, req, arm, zone, rtype)


# ----------------------------------------------------------------------------------------------
# zones
# ----------------------------------------------------------------------------------------------
def record_sets(be: Backend, zone: Resource) -> list[Resource]:
    """The zone's record sets, ordered by id."""
    prefix = ZONE_TYPE.lower() + "/"
    return [
        r
        for r in be.store.children(zone["id"])
        if be.type_of(r).lower().startswith(prefix)
        and be.type_of(r).split("/")[-1].upper() in DNS_RECORD_TYPES
    ]


def links_of(be: Backend, zone: Resource) -> list[Resource]:
    """The zone's virtual network links."""
    return [r for r in be.store.children(zone["id"]) if be.type_of(r).lower() == LINK_TYPE.lower()]


def render_zone(be: Backend, zone: Resource) -> Resource:
    """A zone with its computed counters."""
    out = copy.deepcopy(zone)
    links = links_of(be, zone)
    props = out.setdefault("properties", {})
    props["maxNumberOfRecordSets"] = MAX_RECORD_SETS
    props["numberOfRecordSets"] = len(record_sets(be, zone))
    props["maxNumberOfVirtualNetworkLinks"] = MAX_LINKS
    props["numberOfVirtualNetworkLinks"] = len(links)
    props["maxNumberOfVirtualNetworkLinksWithRegistration"] = MAX_REG_LINKS
    props["numberOfVirtualNetworkLinksWithRegistration"] = sum(
        1 for link in links if link.get("properties", {}).get("registrationEnabled")
    )
    props.setdefault("provisioningState", "Succeeded")
    return out


#: The first Private DNS api-version whose links have ``resolutionPolicy`` (D5).
RESOLUTION_POLICY_API = "2024-06-01"


def render_link(be: Backend, req: ArmRequest, link: Resource) -> Resource:
    """A link as the api-version of ``req`` shows it: 2024-06-01+ always has resolutionPolicy."""
    out = be.render(link)
    if (req.api_version or "") >= RESOLUTION_POLICY_API:
        out.setdefault("properties", {}).setdefault("resolutionPolicy", "Default")
    return out


def _zone(be: Backend, req: ArmRequest, arm: ArmPath, zone_id: str) -> ArmResponse:
    zone = be.store.get(zone_id)
    if req.method == "GET":
        if zone is None:
            raise errors.resource_not_found(zone_id)
        return ArmResponse(200, render_zone(be, zone))
    if req.method in ("PUT", "PATCH"):
        body = req.json_object()
        if req.method == "PATCH" and zone is None:
            raise errors.resource_not_found(zone_id)
        be.check_etag(req, zone, zone_id)
        be.ensure_not_busy(req, zone_id)
        if req.method == "PUT":
            new: Resource = {
                "id": zone["id"] if zone else zone_id,
                "name": zone["name"] if zone else arm.names[0].lower(),
                "type": ZONE_TYPE,
                "location": "global",
                "etag": new_etag_dns(),
                "properties": {"provisioningState": "Creating" if zone is None else "Updating"},
            }
            if body.get("tags"):
                new["tags"] = dict(body["tags"])
            be.store.put(new)
            if zone is None:
                _create_soa(be, new)
        else:
            new = zone  # type: ignore[assignment]
            if "tags" in body:
                new["tags"] = dict(body.get("tags") or {})
            new["etag"] = new_etag_dns()
            new["properties"]["provisioningState"] = "Updating"
        be.applied()
        return _dns_lro(be, req, new["id"], created=zone is None)
    if req.method == "DELETE":
        if zone is None:
            return ArmResponse(204)
        be.check_etag(req, zone, zone_id)
        be.ensure_not_busy(req, zone_id)
        if links_of(be, zone):
            raise errors.conflict(
                "CannotDeleteResource",
                f"The private DNS zone '{zone['name']}' cannot be deleted because it has virtual network links. "
                "Delete the virtual network links first.",
            )
        zone["properties"]["provisioningState"] = "Deleting"
        be.applied()
        return _dns_lro(be, req, zone["id"], delete=True)
    raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed.")


def _create_soa(be: Backend, zone: Resource) -> None:
    be.store.put(
        {
            "id": f"{zone['id']}/SOA/@",
            "name": "@",
            "type": f"{ZONE_TYPE}/SOA",
            "etag": new_etag_dns(),
            "properties": {
                "ttl": 3600,
                "fqdn": f"{zone['name']}.",
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
    )


def _dns_lro(
    be: Backend, req: ArmRequest, rid: str, *, created: bool = False, delete: bool = False
) -> ArmResponse:
    def set_state(state: str) -> None:
        r = be.store.get(rid)
        if r is not None:
            r.setdefault("properties", {})["provisioningState"] = state

    def ok() -> None:
        if delete:
            for child in be.store.children(rid):
                be.store.delete(child["id"])
            be.store.delete(rid)
        else:
            set_state("Succeeded")

    def render() -> Any:
        r = be.store.get(rid)
        if r is None:
            return None
        return render_zone(be, r) if be.type_of(r).lower() == ZONE_TYPE.lower() else render_link(be, req, r)

    op = be.start_lro(req, "privatedns", rid, "global", ok, lambda: set_state("Failed"), render=render)
    # A PUT/PATCH 202 carries an empty JSON object; a DELETE 202 no body.
    return ArmResponse(202, None if delete else {}, be.lro_headers(req, op, location=True))


# ----------------------------------------------------------------------------------------------
# virtual network links (D7)
# ----------------------------------------------------------------------------------------------
def _link(be: Backend, req: ArmRequest, arm: ArmPath, zone: Resource) -> ArmResponse:
    link_id = arm.item_id
    link = be.store.get(link_id)
    if req.method == "GET":
        if link is None:
            raise errors.resource_not_found(link_id)
        return ArmResponse(200, render_link(be, req, link))
    if req.method in ("PUT", "PATCH"):
        body = req.json_object()
        if req.method == "PATCH" and link is None:
            raise errors.resource_not_found(link_id)
        be.check_etag(req, link, link_id)
        be.ensure_not_busy(req, link_id)
        props_in = body.get("properties") or {}
        if not isinstance(props_in, dict):
            raise errors.invalid_request_content("properties must be a JSON object")
        old_props = (link or {}).get("properties", {})
        vnet_id = str(
            (props_in.get("virtualNetwork") or old_props.get("virtualNetwork") or {}).get("id") or ""
        )
        if not vnet_id:
            raise errors.bad_request(
                "BadRequest", "The virtual network link must reference a virtual network."
            )
        if link is not None and vnet_id.lower() != str(old_props["virtualNetwork"]["id"]).lower():
            raise errors.bad_request(
                "BadRequest", "The virtual network of an existing link cannot be changed."
            )
        reg = bool(props_in.get("registrationEnabled", old_props.get("registrationEnabled", False)))
        _check_link_rules(be, zone, link_id, vnet_id, reg)
        props = {
            "virtualNetwork": {"id": vnet_id},
            "registrationEnabled": reg,
            "virtualNetworkLinkState": "Completed",
            "provisioningState": "Creating" if link is None else "Updating",
        }
        policy = props_in.get("resolutionPolicy", old_props.get("resolutionPolicy"))
        if policy is not None:
            props["resolutionPolicy"] = policy
        new: Resource = {
            "id": link["id"] if link else link_id,
            "name": link["name"] if link else arm.names[-1],
            "type": LINK_TYPE,
            "location": "global",
            "etag": new_etag_dns_link(),
            "properties": props,
        }
        tags = dict(body["tags"] or {}) if "tags" in body else dict((link or {}).get("tags") or {})
        if tags:
            new["tags"] = tags
        be.store.put(new)
        be.applied()
        return _dns_lro(be, req, new["id"], created=link is None)
    if req.method == "DELETE":
        if link is None:
            return ArmResponse(204)
        be.check_etag(req, link, link_id)
        be.ensure_not_busy(req, link_id)
        link["properties"]["provisioningState"] = "Deleting"
        be.applied()
        return _dns_lro(be, req, link["id"], delete=True)
    raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed.")


def _check_link_rules(be: Backend, zone: Resource, link_id: str, vnet_id: str, reg: bool) -> None:
    vl = vnet_id.lower()
    zone_links = links_of(be, zone)
    for other in zone_links:
        if (
            other["id"].lower() != link_id.lower()
            and str(other["properties"]["virtualNetwork"]["id"]).lower() == vl
        ):
            raise errors.conflict(
                "Conflict",
                f"A virtual network link to virtual network '{vnet_id}' already exists in private DNS zone "
                f"'{zone['name']}' (link '{other['name']}'). Only one link per zone and virtual network is allowed.",
            )
    if len([x for x in zone_links if x["id"].lower() != link_id.lower()]) >= MAX_LINKS:
        raise errors.conflict(
            "Conflict",
            f"The private DNS zone '{zone['name']}' has reached its limit of "
            f"{MAX_LINKS} virtual network links.",
        )
    vnet_links = [
        x
        for x in be.store.of_type(LINK_TYPE)
        if str(x["properties"]["virtualNetwork"]["id"]).lower() == vl and x["id"].lower() != link_id.lower()
    ]
    for x in vnet_links:
        other_zone_id = x["id"].rsplit("/virtualNetworkLinks/", 1)[0]
        other_zone_name = other_zone_id.rstrip("/").split("/")[-1]
        if other_zone_id.lower() != zone["id"].lower() and other_zone_name.lower() == zone["name"].lower():
            raise errors.bad_request(
                "BadRequest",
                "A virtual network cannot be linked to multiple zones with overlapping namespaces. You tried to "
                f"link virtual network with '{zone['name']}' and '{other_zone_name}' zones.",
            )
        if reg and x["properties"].get("registrationEnabled") and other_zone_id.lower() != zone["id"].lower():
            raise errors.conflict(
                "Conflict",
                "A virtual network can only be linked to 1 Private DNS zone(s) with auto-registration enabled; "
                f"conflicting Private DNS zone is '{other_zone_id}'.",
            )
    if len(vnet_links) >= MAX_ZONES_PER_VNET:
        raise errors.conflict(
            "Conflict",
            f"The virtual network '{vnet_id}' is already linked to {MAX_ZONES_PER_VNET} private DNS zones.",
        )
    if (
        reg
        and sum(
            1
            for x in zone_links
            if x["properties"].get("registrationEnabled") and x["id"].lower() != link_id.lower()
        )
        >= MAX_REG_LINKS
    ):
        raise errors.conflict(
            "Conflict",
            f"The private DNS zone '{zone['name']}' has reached its limit of "
            f"{MAX_REG_LINKS} registration virtual network links.",
        )


# ----------------------------------------------------------------------------------------------
# record sets (synchronous)
# ----------------------------------------------------------------------------------------------
def _fqdn(name: str, zone: Resource) -> str:
    return f"{zone['name']}." if name == "@" else f"{name}.{zone['name']}."


def _record_count(props: dict[str, Any], rtype: str) -> int:
    v = props.get(RECORD_KEYS[rtype])
    if v is None:
        return 0
    return len(v) if isinstance(v, list) else 1


def _record(be: Backend, req: ArmRequest, arm: ArmPath, zone: Resource, rtype: str) -> ArmResponse:
    name = arm.names[-1].lower()
    rid = f"{zone['id']}/{rtype}/{name}"
    rs = be.store.get(rid)
    if req.method == "GET":
        if rs is None:
            raise errors.resource_not_found(rid)
        return ArmResponse(200, be.render(rs))
    if req.method in ("PUT", "PATCH"):
        body = req.json_object()
        if req.method == "PATCH" and rs is None:
            raise errors.resource_not_found(rid)
        be.check_etag(req, rs, rid)
        be.ensure_not_busy(req, rid)  # conflicts with an LRO on the zone itself
        props_in = body.get("properties") or {}
        if not isinstance(props_in, dict):
            raise errors.invalid_request_content("properties must be a JSON object")
        if rtype == "SOA" and rs is None:
            raise errors.bad_request(
                "BadRequest", "SOA record sets cannot be created; update the zone's '@' SOA."
            )
        base = copy.deepcopy(rs["properties"]) if (rs and req.method == "PATCH") else {}
        for k, v in props_in.items():
            if k in ("fqdn", "isAutoRegistered"):
                continue
            base[k] = copy.deepcopy(v)
        if rtype == "CNAME" and name == "@":
            raise errors.bad_request("BadRequest", "A CNAME record set cannot be created at the zone apex.")
        if _record_count(base, rtype) > MAX_RECORDS:
            raise errors.bad_request(
                "BadRequest",
                f"The record set '{name}' has more than {MAX_RECORDS} records, which is the maximum.",
            )
        if rs is None and len(record_sets(be, zone)) >= MAX_RECORD_SETS:
            raise errors.conflict(
                "Conflict",
                f"The private DNS zone '{zone['name']}' has reached its limit of "
                f"{MAX_RECORD_SETS} record sets.",
            )
        if rtype != "CNAME" and rs is None and be.store.get(f"{zone['id']}/CNAME/{name}") is not None:
            raise errors.conflict(
                "Conflict", f"The record set '{name}' conflicts with an existing CNAME record set."
            )
        base.setdefault("ttl", 3600)
        base["fqdn"] = _fqdn(name, zone)
        base["isAutoRegistered"] = False
        new = {
            "id": rs["id"] if rs else rid,
            "name": name,
            "type": f"{ZONE_TYPE}/{rtype}",
            "etag": new_etag_dns(),
            "properties": base,
        }
        be.store.put(new)
        be.applied()
        return ArmResponse(201 if rs is None else 200, be.render(new))
    if req.method == "DELETE":
        if rs is None:
            return ArmResponse(204)
        be.check_etag(req, rs, rid)
        if rtype == "SOA":
            raise errors.bad_request("BadRequest", "The SOA record set cannot be deleted.")
        be.store.delete(rid)
        be.applied()
        return ArmResponse(200)
    raise ArmError(405, "MethodNotAllowed", f"The method '{req.method}' is not allowed.")


def upsert_a_record(be: Backend, zone: Resource, name: str, ips: list[str], ttl: int = 10) -> None:
    """Create or replace an A record set (used by private endpoint DNS zone groups)."""
    name = name.lower()
    rid = f"{zone['id']}/A/{name}"
    be.store.put(
        {
            "id": rid,
            "name": name,
            "type": f"{ZONE_TYPE}/A",
            "etag": new_etag_dns(),
            "properties": {
                "ttl": ttl,
                "fqdn": _fqdn(name, zone),
                "isAutoRegistered": False,
                "aRecords": [{"ipv4Address": ip} for ip in ips],
            },
        }
    )
