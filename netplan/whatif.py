"""What-if: the estate as it will be after a change set, and what changes for each connection.

:func:`post_resources` turns each change into the resource as Azure would return it afterwards
(peering links ``Connected`` when both sides exist, else ``Initiated``; a new private endpoint with
a NIC whose address is a placeholder — the first free address of the subnet, tagged
``vnetplan-placeholder`` — unless the plan pins one; records with their placeholders filled from
those addresses; zone links ``Completed``), and :meth:`Estate.with_resources` re-parses them
through the same loader as a snapshot. :func:`what_if` then verifies every connection of the intent
(DNS simulation + reachability, :func:`netplan.verify.verify_connection`) before and after, and
checks the routed address overlaps the plan creates. The promise: a plan whose result would not
verify (custom DNS servers, an overlap, an unapproved endpoint) says so here, before apply; a
result that depends on a placeholder address says so too.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from netplan import bodies as B
from netplan import kinds
from netplan.addr import IPAddress, ip_from_int
from netplan.changeset import PLACEHOLDER_PREFIX, Change, ChangeSet
from netplan.dns.simulator import DnsSimulator
from netplan.dns.simulator import Status as DnsStatus
from netplan.estate import Estate
from netplan.ids import name_of, parent_id, parse_id, rid_key
from netplan.intent import Intent, InternalService, UseCase
from netplan.reach import reach
from netplan.recommend import peering_blockers
from netplan.record import record
from netplan.verify import verify_connection
from netplan.vocab import Action, Status

PLACEHOLDER_TAG = "vnetplan-placeholder"


@record
class ConnectionOutcome:
    """One connection's verification before and after the plan."""

    consumer_id: str
    method: str
    before: str
    after: str
    before_reasons: tuple[str, ...] = ()
    after_reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"consumer": self.consumer_id, "method": self.method, "before": self.before, "after": self.after,
                "before_reasons": list(self.before_reasons), "after_reasons": list(self.after_reasons)}  # fmt: skip


@record
class ServiceOutcome:
    """An internal service's name, resolved from the provider VNet before and after the plan."""

    fqdn: str
    before: str
    after: str
    before_reasons: tuple[str, ...] = ()
    after_reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"fqdn": self.fqdn, "before": self.before, "after": self.after,
                "before_reasons": list(self.before_reasons), "after_reasons": list(self.after_reasons)}  # fmt: skip


@dataclass(frozen=True)
class WhatIf:
    plan_id: str
    after: Estate
    outcomes: tuple[ConnectionOutcome, ...]
    #: Private endpoint ID -> the placeholder address the what-if gave it.
    placeholders: Mapping[str, str] = field(default_factory=dict)
    #: Routed overlaps in the result (sentences), from netplan.overlaps when available.
    overlaps: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    services: tuple[ServiceOutcome, ...] = ()

    @property
    def would_verify(self) -> bool:
        return (all(o.after == Status.PASS for o in self.outcomes) and all(s.after == Status.PASS for s in self.services)
                and not self.overlaps)  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "would_verify": self.would_verify,
            "connections": [o.to_dict() for o in self.outcomes],
            "services": [o.to_dict() for o in self.services],
            "placeholders": dict(self.placeholders),
            "overlaps": list(self.overlaps),
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------------------------


class _Post:
    """Builds the post-change ARM resources."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.add: dict[str, dict[str, Any]] = {}
        self.remove: set[str] = set()
        self.vnets: dict[str, dict[str, Any]] = {}
        self.placeholders: dict[str, str] = {}
        self.used_ips: set[IPAddress] = set()

    # --- VNets (peerings and subnets live inside them) ---

    def vnet_raw(self, vnet_id: str) -> dict[str, Any] | None:
        k = rid_key(vnet_id)
        if k in self.vnets:
            return self.vnets[k]
        v = self.estate.vnet(vnet_id)
        if v is None:
            return None
        raw = copy.deepcopy(dict(v.raw))
        props = raw.setdefault("properties", {})
        peerings = []
        for p in props.get("virtualNetworkPeerings") or []:
            p = dict(p)
            p.setdefault("id", B.peering_id(v.id, str(p.get("name", ""))))
            peerings.append(p)
        subnets = [dict(s) for s in props.get("subnets") or []]
        # Fold standalone children in, so that each VNet is one resource in the what-if.
        for child in self.estate.child_raw:
            cid = str(child.get("id", ""))
            if rid_key(parent_id(cid)) != k:
                continue
            self.remove.add(cid)
            if "/virtualnetworkpeerings/" in cid.lower():
                peerings.append(copy.deepcopy(dict(child)))
            else:
                subnets.append(copy.deepcopy(dict(child)))
        props["virtualNetworkPeerings"] = peerings
        props["subnets"] = subnets
        self.vnets[k] = raw
        return raw

    def put_peering(self, change: Change) -> None:
        vnet_id = parent_id(change.id)
        raw = self.vnet_raw(vnet_id)
        if raw is None:
            return
        peerings: list[dict[str, Any]] = raw["properties"]["virtualNetworkPeerings"]
        k = rid_key(change.id)
        old = next((p for p in peerings if rid_key(str(p.get("id", ""))) == k), None)
        props = dict((old or {}).get("properties") or {})
        props.update(copy.deepcopy(dict((change.body or {}).get("properties") or {})))
        new = {"name": name_of(change.id), "id": change.id, "type": kinds.PEERING.type, "properties": props}
        props["provisioningState"] = "Succeeded"
        props["peeringSyncLevel"] = "FullyInSync"
        remote = self.estate.vnet(props["remoteVirtualNetwork"]["id"])
        if remote is not None:
            space = {"addressPrefixes": [str(p) for p in remote.address_prefixes]}
            props["remoteAddressSpace"] = space
            props["remoteVirtualNetworkAddressSpace"] = copy.deepcopy(space)
            self.vnet_raw(remote.id)  # its link's state changes too
        props.setdefault("peeringState", "Initiated")
        peerings[:] = [p for p in peerings if rid_key(str(p.get("id", ""))) != k] + [new]

    def delete_peering(self, change: Change) -> None:
        raw = self.vnet_raw(parent_id(change.id))
        if raw is None:
            return
        k = rid_key(change.id)
        peerings = raw["properties"]["virtualNetworkPeerings"]
        gone = next((p for p in peerings if rid_key(str(p.get("id", ""))) == k), None)
        peerings[:] = [p for p in peerings if rid_key(str(p.get("id", ""))) != k]
        if gone is not None:
            self.vnet_raw(((gone.get("properties") or {}).get("remoteVirtualNetwork") or {}).get("id", ""))

    def settle_peerings(self, touched: set[str]) -> None:
        """P1: Connected when both links exist, Initiated when only this one was created,
        Disconnected when the other side was deleted."""
        links: dict[tuple[str, str], dict[str, Any]] = {}
        for vk, raw in self.vnets.items():
            for p in raw["properties"]["virtualNetworkPeerings"]:
                remote = ((p.get("properties") or {}).get("remoteVirtualNetwork") or {}).get("id", "")
                links[(vk, rid_key(remote))] = p
        for (vk, rk), p in links.items():
            props = p.setdefault("properties", {})
            if rk in self.vnets:
                has_back = (rk, vk) in links
            else:
                has_back = self.estate.vnet(rk) is not None and self.estate.peering(rk, vk) is not None
            if has_back:
                props["peeringState"] = "Connected"
            elif rid_key(str(p.get("id", ""))) in touched:
                props["peeringState"] = "Initiated"
            elif rk in self.vnets and self.estate.peering(rk, vk) is not None:
                props["peeringState"] = "Disconnected"  # the plan deletes the other side (P1)
            # else: a link to a VNet outside the snapshot, or one the plan does not touch: as read.
        # P4: a link is in sync when it knows the remote's space and the remote's link knows ours.
        for (vk, rk), p in links.items():
            props = p.setdefault("properties", {})
            if props.get("peeringSyncLevel") is None or self.estate.vnet(rk) is None:
                continue
            back = links.get((rk, vk))
            back_known = (self._known(back) if back is not None
                          else [str(x) for x in getattr(self.estate.peering(rk, vk), "remote_prefixes", ())])  # fmt: skip
            remote_ok = set(self._space(rk)) <= set(self._known(p))
            local_ok = set(self._space(vk)) <= set(back_known)
            props["peeringSyncLevel"] = ("FullyInSync" if remote_ok and local_ok else "LocalNotInSync" if remote_ok
                                         else "RemoteNotInSync" if local_ok else "LocalAndRemoteNotInSync")  # fmt: skip

    @staticmethod
    def _known(link: Mapping[str, Any]) -> list[str]:
        props = link.get("properties") or {}
        space = props.get("remoteVirtualNetworkAddressSpace") or props.get("remoteAddressSpace") or {}
        return [str(x) for x in space.get("addressPrefixes") or []]

    def _space(self, vnet_key: str) -> list[str]:
        raw = self.vnets.get(vnet_key)
        if raw is not None:
            return [str(x) for x in ((raw.get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes") or []]
        v = self.estate.vnet(vnet_key)
        return [str(x) for x in v.address_prefixes] if v is not None else []

    def update_subnet(self, change: Change) -> None:
        raw = self.vnet_raw(parent_id(change.id))
        if raw is None:
            return
        k = rid_key(change.id)
        for s in raw["properties"]["subnets"]:
            sid = str(s.get("id") or f"{raw['id']}/subnets/{s.get('name', '')}")
            if rid_key(sid) == k:
                s.setdefault("properties", {}).update(copy.deepcopy(dict((change.body or {}).get("properties") or {})))

    # --- other resources ---

    def base(self, change: Change) -> dict[str, Any]:
        existing = self.estate.get(change.id)
        old = copy.deepcopy(dict(getattr(existing, "raw", None) or {})) if change.action is Action.UPDATE else {}
        body = copy.deepcopy(dict(change.body or {}))
        out: dict[str, Any] = {**old, "id": change.id, "name": name_of(change.id), "type": change.type}
        for k, v in body.items():
            if k == "properties":
                out["properties"] = {**(old.get("properties") or {}), **v}
            else:
                out[k] = v
        out.setdefault("properties", {})["provisioningState"] = "Succeeded"
        return out

    def free_ip(self, subnet_id: str) -> IPAddress | None:
        """The first address of the subnet no one holds (Azure keeps the first four for itself)."""
        sub = self.estate.subnet(subnet_id)
        if sub is None or not sub.prefixes:
            return None
        p = sub.prefixes[0]
        for off in range(4, min(p.size - 1, 4096)):
            ip = ip_from_int(p.version, p.value + off)
            if ip not in self.used_ips and not self.estate.ip_owners(ip):
                self.used_ips.add(ip)
                return ip
        return None

    def put_endpoint(self, change: Change, approved_subs: dict[str, set[str]]) -> None:
        r = self.base(change)
        props = r["properties"]
        subnet_id = props["subnet"]["id"]
        sub = parse_id(change.id).subscription.lower()
        for c in props.get("privateLinkServiceConnections") or []:
            target = c["properties"]["privateLinkServiceId"]
            c.setdefault("id", f"{change.id}/privateLinkServiceConnections/{c.get('name', 'conn')}")
            ok = sub in approved_subs.get(rid_key(target), set())
            c["properties"]["privateLinkServiceConnectionState"] = {
                "status": "Approved" if ok else "Pending", "description": "what-if", "actionsRequired": "None"}
        static = [c["properties"]["privateIPAddress"] for c in props.get("ipConfigurations") or []]
        nic_id = f"{B.rg_scope(parse_id(change.id).subscription, parse_id(change.id).resource_group)}/networkInterfaces/{name_of(change.id)}.nic.whatif"
        props["networkInterfaces"] = [{"id": nic_id}]
        tags: dict[str, str] = {}
        if static:
            ip_text = str(static[0])
        else:
            ip = self.free_ip(subnet_id)
            ip_text = str(ip) if ip is not None else ""
            tags[PLACEHOLDER_TAG] = "true"
            if ip_text:
                self.placeholders[change.id] = ip_text
        self.add[rid_key(change.id)] = r
        nic: dict[str, Any] = {
            "name": name_of(nic_id), "id": nic_id, "type": "Microsoft.Network/networkInterfaces", "location": r.get("location", ""),
            "tags": tags,
            "properties": {
                "ipConfigurations": [{"name": "privateEndpointIpConfig", "id": f"{nic_id}/ipConfigurations/privateEndpointIpConfig",
                                      "properties": {"privateIPAddress": ip_text or None, "subnet": {"id": subnet_id}, "primary": True}}],
                "privateEndpoint": {"id": change.id},
                "provisioningState": "Succeeded",
            },
        }  # fmt: skip
        self.add[rid_key(nic_id)] = nic

    def put_child_rule(self, change: Change) -> None:
        """A security rule or route is a child kept inline in its NSG / route table: update the parent."""
        pid = parent_id(change.id)
        parent = self.add.get(rid_key(pid))
        if parent is None:
            existing = self.estate.get(pid)
            parent = copy.deepcopy(dict(getattr(existing, "raw", None) or {}))
            if not parent:
                return
            self.add[rid_key(pid)] = parent
        key = "securityRules" if change.type == kinds.SECURITY_RULE.type else "routes"
        items = [r for r in parent.setdefault("properties", {}).get(key) or [] if rid_key(str(r.get("id", ""))) != rid_key(change.id)]
        items.append({"name": name_of(change.id), "id": change.id, **copy.deepcopy(dict(change.body or {}))})
        parent["properties"][key] = items

    def put_record(self, change: Change) -> None:
        r = self.base(change)
        for rec in r["properties"].get("aRecords") or []:
            v = str(rec.get("ipv4Address", ""))
            if v.startswith(PLACEHOLDER_PREFIX):
                src = v[len(PLACEHOLDER_PREFIX):].rstrip(">")
                rec["ipv4Address"] = self.placeholders.get(src) or self._known_ip(src)
        r["properties"]["aRecords"] = [x for x in r["properties"].get("aRecords") or [] if x.get("ipv4Address")]
        r["properties"]["fqdn"] = f"{name_of(change.id)}.{name_of(parent_id(parent_id(change.id)))}."
        r["properties"]["isAutoRegistered"] = False
        self.add[rid_key(change.id)] = r

    def _known_ip(self, pe_id: str) -> str:
        pe = self.estate.get(pe_id)
        ips = self.estate.endpoint_ips(pe) if pe is not None else ()
        return str(ips[0]) if ips else ""


def post_resources(estate: Estate, changes: ChangeSet) -> tuple[list[dict[str, Any]], list[str], dict[str, str]]:
    """(resources to add or replace, IDs to remove, placeholder addresses) after ``changes``."""
    post = _Post(estate)
    touched: set[str] = set()
    # Which subscriptions each Private Link Service auto-approves after the plan.
    approved: dict[str, set[str]] = {
        p.key: {s.lower() for s in p.auto_approval_subscriptions} for p in estate.private_link_services
    }
    for c in changes.changes:
        if c.type == kinds.PLS.type and c.body:
            approved[rid_key(c.id)] = {s.lower() for s in c.body.get("properties", {}).get("autoApproval", {}).get("subscriptions", [])}
    for c in changes.changes:
        if c.type == kinds.PEERING.type:
            if c.action is Action.DELETE:
                post.delete_peering(c)
            else:
                post.put_peering(c)
                touched.add(rid_key(c.id))
        elif c.action is Action.DELETE:
            post.remove.add(c.id)
        elif c.type == kinds.SUBNET.type:
            post.update_subnet(c)
        elif c.type == kinds.PE.type:
            post.put_endpoint(c, approved)
        elif c.type == kinds.A_RECORD.type:
            post.put_record(c)
        elif c.type in (kinds.SECURITY_RULE.type, kinds.ROUTE.type):
            post.put_child_rule(c)
        else:
            r = post.base(c)
            if c.type == kinds.ZONE_LINK.type:
                r["properties"]["virtualNetworkLinkState"] = "Completed"
            if c.type == kinds.ZONE.type:
                r["name"] = name_of(c.id).lower()
            post.add[rid_key(c.id)] = r
    post.settle_peerings(touched)
    # The Private Link Services see their new endpoint connections.
    for r in list(post.add.values()):
        if r.get("type") != kinds.PE.type:
            continue
        for conn in r["properties"].get("privateLinkServiceConnections") or []:
            target = conn["properties"]["privateLinkServiceId"]
            tk = rid_key(target)
            pls = post.add.get(tk)
            if pls is None:
                existing = estate.get(target)
                if existing is None or not getattr(existing, "raw", None):
                    continue
                pls = copy.deepcopy(dict(existing.raw))
                post.add[tk] = pls
            pconns = pls.setdefault("properties", {}).setdefault("privateEndpointConnections", [])
            pconns.append({"name": f"{r['name']}.conn", "id": f"{target}/privateEndpointConnections/{r['name']}.conn",
                           "properties": {"privateEndpoint": {"id": r["id"]},
                                          "privateLinkServiceConnectionState": conn["properties"]["privateLinkServiceConnectionState"]}})  # fmt: skip
    resources = list(post.vnets.values()) + list(post.add.values())
    return resources, sorted(post.remove), dict(post.placeholders)


def apply_in_memory(estate: Estate, changes: ChangeSet) -> tuple[Estate, dict[str, str]]:
    """The estate after ``changes`` (via :meth:`Estate.with_resources`) and the placeholder IPs."""
    add, remove, placeholders = post_resources(estate, changes)
    return estate.with_resources(add, remove), placeholders


def _reach(estate: Estate, source: str, target: str) -> tuple[str, tuple[str, ...]]:
    """Network reachability only (database and internal-service connections have no app name)."""

    v = reach(estate, source, target)
    result = {True: "PASS", False: "FAIL", None: "UNKNOWN"}[v.reachable]
    return result, tuple(f"[{r.code}] {r.message}" for r in v.reasons)


def _verify(estate: Estate, intent: Intent, consumer_id: str, method: str, apps: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:

    names = () if apps == ("*",) else apps
    ports = next((c.ports for c in intent.connections if c.consumer_vnet_id.lower() == consumer_id.lower()), (443, 80))
    v = verify_connection(estate, intent.provider.vnet_id, consumer_id, intent.provider.app_domain, names,
                          method=method if method in ("peering", "private-link") else "auto",
                          lb_frontend=intent.provider.frontend_id, ports=ports)  # fmt: skip
    reasons = list(v.reasons)
    for c in v.checks:
        reasons.extend(f"{c.name}: {r}" for r in c.reasons if c.result is not Status.PASS)
    for pc in v.ports:
        reasons.extend(f"TCP {pc.port} to {pc.address}: {r}" for r in pc.reasons if pc.result is not Status.PASS)
    return v.result.value, tuple(dict.fromkeys(reasons))


def connection_result(estate: Estate, intent: Intent, consumer_id: str, method: str,
                      apps: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:  # fmt: skip
    """One expose-apps connection verified on ``estate``: ("PASS"/"FAIL"/"UNKNOWN", reasons)."""
    return _verify(estate, intent, consumer_id, method, apps)


def _service(estate: Estate, provider_id: str, svc: InternalService) -> tuple[str, tuple[str, ...]]:
    """Does the provider VNet resolve the service's FQDN to the service's private address?"""
    provider = estate.vnet(provider_id)
    if provider is None:
        return "UNKNOWN", (f"{provider_id} is not in the estate",)
    if svc.pls_id is not None:
        tk = rid_key(svc.pls_id)
        pes = [pe for pe in estate.private_endpoints
               if (v := estate.vnet_of_subnet(pe.subnet_id)) is not None and v.key == provider.key
               and any(rid_key(c.target_id) == tk for c in pe.connections)]  # fmt: skip
        expected = {str(ip) for pe in pes for ip in estate.endpoint_ips(pe)}
        what = f"the private endpoint to {name_of(svc.pls_id)}"
    else:
        assert svc.zone_id is not None
        zone = estate.zone(svc.zone_id)
        rel = "@" if zone is None or svc.fqdn == zone.name else svc.fqdn[: -len(zone.name) - 1]
        expected = {v for r in estate.records_of_zone(svc.zone_id) if r.rtype == "A" and r.name == rel for v in r.values}
        what = f"the record in zone {name_of(svc.zone_id)}"
    if not expected:
        return "FAIL", (f"no address for {svc.fqdn}: {what} does not exist",)
    answer = DnsSimulator(estate).resolve(provider, svc.fqdn)
    if answer.status is DnsStatus.UNKNOWN:
        return "UNKNOWN", answer.reasons
    if answer.resolved and set(answer.addresses) <= expected:
        return "PASS", ()
    got = ", ".join(answer.addresses) or answer.status.value
    return "FAIL", (f"{svc.fqdn} resolves from {provider.name} to {got}, expected {', '.join(sorted(expected))} ({what})",
                    *answer.reasons)  # fmt: skip


def _overlaps(after: Estate, changes: ChangeSet) -> tuple[str, ...]:
    """Routed overlaps between VNets the plan peers (the pairs it creates links for)."""

    out: list[str] = []
    for c in changes.changes:
        if c.type != kinds.PEERING.type or c.action is Action.DELETE or not c.body:
            continue
        a = after.vnet(parent_id(c.id))
        b = after.vnet(c.body["properties"]["remoteVirtualNetwork"]["id"])
        if a is None or b is None:
            continue
        # The a<->b link itself is not a blocker of itself; everything else peered is.
        out.extend(f"{x.code}: {x.message}" for x in peering_blockers(after, a, b) if x.code != "AnotherPeeringAlreadyReferencesRemoteVnet")
    return tuple(dict.fromkeys(out))


def what_if(estate: Estate, intent: Intent, changes: ChangeSet) -> WhatIf:
    """Verify every connection of ``intent`` before and after ``changes``."""
    after, placeholders = apply_in_memory(estate, changes)
    decided = {rid_key(d.consumer_id): d for d in changes.decisions}
    outcomes: list[ConnectionOutcome] = []
    notes: list[str] = []
    for conn in intent.connections:
        d = decided.get(rid_key(conn.consumer_vnet_id))
        m = d.method if d is not None else conn.method.value
        # An existing path or a shared endpoint is verified against the target it reaches.
        vm = d.verify_method if d is not None else m
        if conn.use_case is UseCase.EXPOSE_APPS:
            b, br = _verify(estate, intent, conn.consumer_vnet_id, vm, conn.apps)
            a, ar = _verify(after, intent, conn.consumer_vnet_id, vm, conn.apps)
        else:
            # No app name to resolve: the network path is what must work (the service's side for
            # internal-service, the provider's for database).
            src, dst = ((intent.provider.vnet_id, conn.consumer_vnet_id) if conn.use_case is UseCase.INTERNAL_SERVICE
                        else (conn.consumer_vnet_id, intent.provider.vnet_id))  # fmt: skip
            notes.append(f"{name_of(conn.consumer_vnet_id)}: {conn.use_case.value} is checked for reachability only")
            b, br = _reach(estate, src, dst)
            a, ar = _reach(after, src, dst)
        owner = [p.message for p in changes.problems if p.code == "owner-change" and p.group == name_of(conn.consumer_vnet_id)]
        if owner and a != "PASS":
            ar = (*ar, *(f"verifies only once the owner makes this change: {x}" for x in owner))
        outcomes.append(ConnectionOutcome(conn.consumer_vnet_id, m, b, a, br, ar))
    services: list[ServiceOutcome] = []
    for svc in intent.services:
        b, br = _service(estate, intent.provider.vnet_id, svc)
        a, ar = _service(after, intent.provider.vnet_id, svc)
        services.append(ServiceOutcome(svc.fqdn, b, a, br, ar))
    if placeholders:
        notes.append("private endpoint addresses are placeholders until Azure assigns them: "
                     + ", ".join(f"{name_of(k)}={v}" for k, v in sorted(placeholders.items())))  # fmt: skip
    return WhatIf(changes.plan_id, after, tuple(outcomes), placeholders, _overlaps(after, changes), tuple(notes), tuple(services))
