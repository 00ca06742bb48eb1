"""The planner: from an estate and an intent, the ordered set of ARM changes that realise it.

Each :class:`Change` creates, updates or deletes one ARM resource and carries its ID, type,
api-version, the exact REST body (:mod:`netplan.bodies`), the changes it depends on and the reason.
The order is a topological sort of those dependencies (networkx), ties broken by kind then ID, so
the same inputs always give the same plan. The promise: only what is missing or different is in
the plan (a plan on an estate that already matches the intent is empty); a private endpoint's
address, unknown until Azure assigns it, is never invented — the record that needs it carries a
:class:`Placeholder` naming the endpoint whose IP fills it (unless the intent pins a static IP);
whatever the plan cannot achieve (a method that is blocked, a zone name clash, a pending approval)
is a problem in the plan, never silently dropped. Everything created is tagged
``managed-by: vnetplan`` and with the plan ID. The plan model (:class:`Change`, :class:`ChangeSet`)
and its file form, with a versioned schema and the estate fingerprint and etags it was made from
(so ``apply`` can refuse a stale plan), live in :mod:`netplan.changeset`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from netplan import bodies as B
from netplan import kinds
from netplan.changeset import (
    PLACEHOLDER_PREFIX,
    TAG_MANAGED,
    TAG_PLAN,
    Change,
    ChangeSet,
    Decision,
    Placeholder,
    Problem,
)
from netplan.estate import Estate
from netplan.ids import name_of, parse_id, rid_key
from netplan.intent import Connection, Intent, InternalService, Method, UseCase
from netplan.model import (
    ConnectionStatus,
    PeeringState,
    PrivateEndpoint,
    PrivateLinkService,
    Subnet,
    SyncLevel,
    VNet,
)
from netplan.planopts import answer_conflict, dns_home, plan_auto, shadow_problem
from netplan.recommend import PEERING_LIMIT, Code, overlapping_prefixes, recommend
from netplan.ruleplan import Taken, changes_for, plan_rules
from netplan.vocab import Action
from netplan.whatif import apply_in_memory

#: VNet links per Private DNS zone (D7).
ZONE_LINK_LIMIT = 1000

#: Tie-break order of kinds (after dependencies): subnets before the services placed in them, the
#: zone before its records and links.
_KIND_ORDER = {kinds.SUBNET.type: 0, kinds.PEERING.type: 1, kinds.PLS.type: 2, kinds.PE.type: 3, kinds.ZONE.type: 4,
               kinds.ZONE_LINK.type: 5, kinds.A_RECORD.type: 6, "Microsoft.Network/networkSecurityGroups/securityRules": 7}  # fmt: skip


def estate_fingerprint(estate: Estate) -> str:
    """A hash of every resource as read (sorted by ID): any change to the estate changes it."""
    h = hashlib.sha256()
    for r in sorted(estate.raw_resources(), key=lambda r: rid_key(str(r.get("id", "")))):
        h.update(json.dumps(r, sort_keys=True, separators=(",", ":"), default=str).encode())
        h.update(b"\n")
    return "sha256:" + h.hexdigest()


# ---------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text.lower())[:80]


class _Planner:
    def __init__(self, estate: Estate, intent: Intent, plan_id: str) -> None:
        self.estate = estate
        self.intent = intent
        self.plan_id = plan_id
        self.tags = {TAG_MANAGED: "vnetplan", TAG_PLAN: plan_id}
        self.changes: dict[str, Change] = {}
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.decisions: list[Decision] = []
        #: zone key -> (addresses or placeholder source, who wants it) for clash detection.
        self.zone_targets: dict[str, tuple[str, str]] = {}
        #: planned zones (key -> id) and planned links (zone key, vnet key).
        self.planned_zones: dict[str, str] = {}
        self.planned_links: set[tuple[str, str]] = set()
        #: Consumers this plan peers with the provider, in intent order (the P3 third-VNet rule
        #: applies between them: the first one declared wins).
        self.planned_peers: list[VNet] = []
        #: Priorities the planned NSG rules took, per (NSG key, direction) (:mod:`netplan.ruleplan`).
        self.rule_priorities: Taken = {}
        self.provider = estate.vnet(intent.provider.vnet_id)
        assert self.provider is not None

    # ------------------------------------------------------------------ bookkeeping

    def add(self, change: Change) -> str:
        existing = self.changes.get(change.key)
        if existing is not None:
            deps = tuple(dict.fromkeys((*existing.depends_on, *change.depends_on)))
            reason = existing.reason if change.reason in existing.reason else f"{existing.reason}; {change.reason}"
            group = existing.group if change.group in existing.group.split(", ") else f"{existing.group}, {change.group}"
            self.changes[change.key] = replace(existing, depends_on=deps, reason=reason, group=group)
        else:
            self.changes[change.key] = change
        return change.key

    def problem(self, code: str, message: str, group: str) -> None:
        self.problems.append(Problem(code, message, group))

    # ------------------------------------------------------------------ peering

    def ensure_peering_link(self, local: VNet, remote: VNet, conn: Connection | None, group: str, reason: str) -> None:
        flags = {
            "allow_virtual_network_access": True,
            "allow_forwarded_traffic": bool(conn and conn.allow_forwarded_traffic and local.key == rid_key(conn.consumer_vnet_id)),
            "use_remote_gateways": bool(conn and conn.use_remote_gateways and local.key == rid_key(conn.consumer_vnet_id)),
            "allow_gateway_transit": bool(conn and conn.use_remote_gateways and local.key == self.provider.key),  # type: ignore[union-attr]
        }
        link = self.estate.peering(local.id, remote.id)
        if link is None:
            pid = B.peering_id(local.id, _slug(f"{local.name}-to-{remote.name}"))
            self.add(Change(Action.CREATE, pid, kinds.PEERING.type, kinds.PEERING.api_version,
                            B.peering_body(remote.id, **flags), reason, group=group))  # fmt: skip
            return
        if link.state is PeeringState.DISCONNECTED:
            # A Disconnected link cannot be revived: delete it and create it again (P1).
            dkey = self.add(Change(Action.DELETE, link.id, kinds.PEERING.type, kinds.PEERING.api_version, None,
                                   f"{local.name}'s link is Disconnected (the other side was deleted); it must be "
                                   "re-created", group=group))  # fmt: skip
            self.add(Change(Action.CREATE, link.id, kinds.PEERING.type, kinds.PEERING.api_version,
                            B.peering_body(remote.id, **flags), reason, depends_on=(dkey,), group=group))  # fmt: skip
            return
        want = dict(flags)
        # Keep flags an existing link already has on (another design may rely on them); enforce only
        # what this connection needs.
        want["allow_forwarded_traffic"] = want["allow_forwarded_traffic"] or link.allow_forwarded_traffic
        want["allow_gateway_transit"] = want["allow_gateway_transit"] or link.allow_gateway_transit
        want["use_remote_gateways"] = want["use_remote_gateways"] or link.use_remote_gateways
        have = {
            "allow_virtual_network_access": link.allow_virtual_network_access,
            "allow_forwarded_traffic": link.allow_forwarded_traffic,
            "allow_gateway_transit": link.allow_gateway_transit,
            "use_remote_gateways": link.use_remote_gateways,
        }
        out_of_sync = link.sync_level not in (None, SyncLevel.FULLY_IN_SYNC) and link.state is PeeringState.CONNECTED
        if want == have and not out_of_sync:
            return
        raw = self._peering_raw(local, link.id)
        before = B.update_body(raw, keep_top=()) if raw else None
        diffs = [k for k in want if want[k] != have[k]]
        why = reason + (f"; set {', '.join(diffs)}" if diffs else "")
        query: dict[str, str] = {}
        if out_of_sync:
            query["syncRemoteAddressSpace"] = "true"
            why += f"; the link is {link.sync_level.value if link.sync_level else ''}: sync the remote address space (P4)"
        self.add(Change(Action.UPDATE, link.id, kinds.PEERING.type, kinds.PEERING.api_version,
                        B.peering_body(remote.id, **want), why, group=group, before=before, query=query))  # fmt: skip

    def _peering_raw(self, vnet: VNet, peering_id: str) -> Mapping[str, Any] | None:
        k = rid_key(peering_id)
        for p in (vnet.raw.get("properties") or {}).get("virtualNetworkPeerings") or []:
            if isinstance(p, Mapping) and rid_key(str(p.get("id", ""))) == k:
                return p
        return next((r for r in self.estate.child_raw if rid_key(str(r.get("id", ""))) == k), None)

    # ------------------------------------------------------------------ DNS

    def zone_linked(self, vnet: VNet, name: str) -> str | None:
        """The ID of a zone named ``name`` linked (or planned to be linked) to ``vnet``."""
        for link in self.estate.links_of_vnet(vnet.id):
            z = self.estate.zone(link.zone_id)
            if z is not None and z.name == name:
                return z.id
        for zk, vk in self.planned_links:
            if vk == vnet.key and name_of(self.planned_zones.get(zk, "")).lower() == name:
                return self.planned_zones[zk]
        return None

    def zone_in(self, subscription: str, rg: str, name: str) -> str:
        """The zone named ``name`` in the resource group: existing, or the ID it will have."""
        for z in self.estate.zones_named(name):
            p = parse_id(z.id)
            if p.subscription.lower() == subscription.lower() and p.resource_group.lower() == rg.lower():
                return z.id
        return B.zone_id(subscription, rg, name)

    def ensure_zone(self, zid: str, group: str) -> tuple[str, ...]:
        if self.estate.zone(zid) is not None:
            return ()
        self.planned_zones[rid_key(zid)] = zid
        return (self.add(Change(Action.CREATE, zid, kinds.ZONE.type, kinds.ZONE.api_version,
                                B.private_zone_body(self.tags), f"private DNS zone {name_of(zid)}", group=group)),)  # fmt: skip

    def ensure_link(self, zid: str, vnet: VNet, group: str, zone_deps: tuple[str, ...], via: str = "") -> None:
        zk = rid_key(zid)
        if any(rid_key(link.zone_id) == zk for link in self.estate.links_of_vnet(vnet.id)):
            return
        self.planned_links.add((zk, vnet.key))
        existing_links = self.estate.links_of_zone(zid)
        planned = sum(1 for z, _ in self.planned_links if z == zk)
        if len(existing_links) + planned > ZONE_LINK_LIMIT:
            self.problem("zone-link-limit", f"zone {name_of(zid)} would have {len(existing_links) + planned} VNet links "
                         f"(limit {ZONE_LINK_LIMIT}, D7)", group)  # fmt: skip
        names = {link.name.lower() for link in existing_links}
        lname = _slug(f"link-{vnet.name}")
        if lname in names:
            lname = _slug(f"link-{parse_id(vnet.id).resource_group}-{vnet.name}")
        self.add(Change(Action.CREATE, B.zone_link_id(zid, lname), kinds.ZONE_LINK.type, kinds.ZONE_LINK.api_version,
                        B.zone_link_body(vnet.id, tags=self.tags),
                        f"{vnet.name} must resolve {name_of(zid)} from this zone{via} (D1: only linked VNets see a zone)",
                        depends_on=zone_deps, group=group))  # fmt: skip

    def ensure_record(self, zid: str, rname: str, addresses: tuple[str, ...], placeholder_from: str | None,
                      group: str, deps: tuple[str, ...], why: str) -> None:  # fmt: skip
        rid = B.record_id(zid, "A", rname)
        existing = next((r for r in self.estate.records_of_zone(zid) if r.rtype == "A" and r.name.lower() == rname.lower()), None)
        if placeholder_from is None and existing is not None and set(existing.values) == set(addresses):
            return
        if placeholder_from is None and existing is None and rname not in ("*", "@") and self._wildcard_answers(zid, rname, addresses):
            return
        if placeholder_from is not None:
            values: tuple[str, ...] = (f"{PLACEHOLDER_PREFIX}{placeholder_from}>",)
            holders: tuple[Placeholder, ...] = (Placeholder("properties.aRecords[0].ipv4Address", placeholder_from),)
        else:
            values, holders = addresses, ()
        meta = {TAG_MANAGED: "vnetplan", TAG_PLAN: self.plan_id}
        if existing is not None:
            before = B.update_body(existing.raw, keep_top=())
            body = copy.deepcopy(before)
            props = body.setdefault("properties", {})
            props["aRecords"] = [{"ipv4Address": a} for a in values]
            # No ownership metadata on an update: the record set was not created by vnetplan, and
            # marking it as ours would let a later plan delete it.
            now = ", ".join(existing.values) or "nothing"
            self.add(Change(Action.UPDATE, existing.id, kinds.A_RECORD.type, kinds.A_RECORD.api_version, body,
                            f"{why} (now {now})", depends_on=deps, group=group, before=before,
                            placeholders=holders))  # fmt: skip
            return
        self.add(Change(Action.CREATE, rid, kinds.A_RECORD.type, kinds.A_RECORD.api_version, B.a_record_body(values, metadata=meta),
                        why, depends_on=deps, group=group, placeholders=holders))  # fmt: skip

    def _wildcard_answers(self, zid: str, rname: str, addresses: tuple[str, ...]) -> bool:
        """D6: the zone's ``*`` already answers ``rname`` with ``addresses`` (no closer node blocks it)."""
        recs = self.estate.records_of_zone(zid)
        wild = next((r for r in recs if r.name == "*" and r.rtype == "A"), None)
        if wild is None or set(wild.values) != set(addresses) or "." in rname:
            return False
        low = rname.lower()
        return not any(r.name.lower() == low or r.name.lower().endswith("." + low) for r in recs)

    def claim_zone(self, zid: str, target: str, who: str) -> bool:
        k = rid_key(zid)
        prev = self.zone_targets.get(k)
        if prev is not None and prev[0] != target:
            self.problem("zone-shared-by-different-targets",
                         f"zone {zid} would have to answer {prev[0]} for {prev[1]} and {target} for {who}; one zone "
                         "answers a name the same way for every VNet that consults it (A2): give each a zone of its "
                         "own (link only one of them to each VNet, if each resolves with its own links), or serve "
                         "both with one answer (the LB frontend over peering or the existing path, or one shared "
                         "endpoint both reach)", who)  # fmt: skip
            return False
        self.zone_targets[k] = (target, who)
        return True

    # ------------------------------------------------------------------ Private Link

    def _subnet_raw(self, subnet: Subnet) -> Mapping[str, Any] | None:
        vnet = self.estate.vnet(subnet.vnet_id)
        k = subnet.key
        if vnet is not None:
            for s in (vnet.raw.get("properties") or {}).get("subnets") or []:
                if isinstance(s, Mapping) and (rid_key(str(s.get("id", ""))) == k or str(s.get("name", "")).lower() == subnet.name.lower()):
                    return s
        return next((r for r in self.estate.child_raw if rid_key(str(r.get("id", ""))) == k), None)

    def ensure_pls(self, consumer_subs: Iterable[str], group: str) -> tuple[str, ...]:
        """The provider's Private Link Service (created or updated); returns the dependency keys."""
        spec = self.intent.provider.pls
        assert spec is not None
        subs = sorted({s for s in consumer_subs})
        deps: list[str] = []
        if spec.nat_subnet_id:
            nat = self.estate.subnet(spec.nat_subnet_id)
            if nat is not None and (nat.private_link_service_network_policies or "").lower() == "enabled":
                raw = self._subnet_raw(nat)
                before = B.update_body(raw or {}, keep_top=())
                # A subnet's ipConfigurations are the NICs/frontends placed in it: read-only here.
                before.get("properties", {}).pop("ipConfigurations", None)
                body = copy.deepcopy(before)
                body.setdefault("properties", {})["privateLinkServiceNetworkPolicies"] = "Disabled"
                deps.append(self.add(Change(Action.UPDATE, nat.id, kinds.SUBNET.type, kinds.SUBNET.api_version, body,
                                            f"the Private Link Service's NAT subnet {nat.name} must have "
                                            "privateLinkServiceNetworkPolicies Disabled", group="provider",
                                            before=before)))  # fmt: skip
        lb = self.estate.get(self.intent.provider.lb_id)
        location = getattr(lb, "location", "") or (self.provider.location if self.provider else "")
        if not spec.exists:
            assert spec.nat_subnet_id is not None
            body = B.private_link_service_body(location, self.intent.provider.frontend_id, spec.nat_subnet_id,
                                               visibility=[*spec.visibility, *subs], auto_approval=[*spec.auto_approval, *subs],
                                               tags=self.tags)  # fmt: skip
            deps.append(self.add(Change(Action.CREATE, spec.id, kinds.PLS.type, kinds.PLS.api_version, body,
                                        f"Private Link Service on frontend {name_of(self.intent.provider.frontend_id)}",
                                        depends_on=tuple(deps), group="provider")))  # fmt: skip
            return tuple(deps)
        pls = self.estate.get(spec.id)
        if not isinstance(pls, PrivateLinkService):
            self.problem("private-link-service-missing", f"Private Link Service {spec.id} is not in the estate", group)
            return tuple(deps)
        have_auto = {s.lower() for s in pls.auto_approval_subscriptions}
        have_vis = {s.lower() for s in pls.visibility_subscriptions}
        want = [s for s in [*spec.auto_approval, *subs] if s.lower() not in have_auto]
        want_vis = [s for s in [*spec.visibility, *subs] if s.lower() not in have_vis]
        if want or want_vis:
            before = B.update_body(pls.raw)
            body = copy.deepcopy(before)
            props = body.setdefault("properties", {})
            props["autoApproval"] = {"subscriptions": sorted({*pls.auto_approval_subscriptions, *want})}
            props["visibility"] = {"subscriptions": sorted({*pls.visibility_subscriptions, *want_vis})}
            deps.append(self.add(Change(Action.UPDATE, pls.id, kinds.PLS.type, kinds.PLS.api_version, body,
                                        f"let subscription(s) {', '.join(sorted(set(want + want_vis)))} see and be "
                                        "auto-approved by the Private Link Service", depends_on=tuple(deps),
                                        group=group, before=before)))  # fmt: skip
        return tuple(deps)

    def endpoint_to(self, vnet: VNet, target_id: str) -> PrivateEndpoint | None:
        tk = rid_key(target_id)
        for pe in self.estate.private_endpoints:
            v = self.estate.vnet_of_subnet(pe.subnet_id)
            if v is not None and v.key == vnet.key and any(rid_key(c.target_id) == tk for c in pe.connections):
                return pe
        return None

    def ensure_endpoint(self, vnet: VNet, subnet_id: str | None, target_id: str, static_ip: str | None,
                        group: str, deps: tuple[str, ...], field_where: str) -> tuple[tuple[str, ...], str | None, str | None]:  # fmt: skip
        """A private endpoint in ``vnet`` to ``target_id``: (dependency keys, known IP, placeholder source)."""
        pe = self.endpoint_to(vnet, target_id)
        if pe is not None:
            for c in pe.connections:
                if rid_key(c.target_id) == rid_key(target_id) and c.status is not ConnectionStatus.APPROVED:
                    self.problem("endpoint-not-approved", f"private endpoint {pe.name} exists but its connection is "
                                 f"{c.status.value}; the Private Link Service owner must approve it", group)  # fmt: skip
            ips = self.estate.endpoint_ips(pe)
            if not ips:
                self.problem("endpoint-address-unknown", f"private endpoint {pe.name} has no address in the snapshot", group)
                return (), None, None
            return (), str(ips[0]), None
        if subnet_id is None:
            self.problem("endpoint-subnet-missing", f"{field_where}: a private endpoint in {vnet.name} needs 'subnet'", group)
            return (), None, None
        target = self.estate.get(target_id)
        if isinstance(target, PrivateLinkService) and not any(
            c.key == "create:" + target.key or c.key == "update:" + target.key for c in self.changes.values()
        ):
            sub = parse_id(vnet.id).subscription.lower()
            if sub not in {s.lower() for s in target.auto_approval_subscriptions}:
                self.warnings.append(f"{group}: the connection to {target.name} stays Pending until its owner approves it "
                                     f"(subscription {parse_id(vnet.id).subscription} is not in its autoApproval list)")  # fmt: skip
        p = parse_id(vnet.id)
        pe_id = f"{B.rg_scope(p.subscription, p.resource_group)}/privateEndpoints/{_slug('pe-' + name_of(target_id) + '-' + vnet.name)}"
        body = B.private_endpoint_body(vnet.location, subnet_id, target_id, _slug(f"{vnet.name}-to-{name_of(target_id)}"),
                                       static_ip=static_ip, request_message=f"vnetplan plan {self.plan_id}",
                                       tags=self.tags)  # fmt: skip
        key = self.add(Change(Action.CREATE, pe_id, kinds.PE.type, kinds.PE.api_version, body,
                              f"private endpoint in {vnet.name} to {name_of(target_id)}"
                              + (f" at pinned address {static_ip}" if static_ip else " (Azure assigns the address)"),
                              depends_on=deps, group=group))  # fmt: skip
        if static_ip:
            return (key,), static_ip, None
        return (key,), None, pe_id

    # ------------------------------------------------------------------ connections

    def choose(self, conn: Connection, consumer: VNet) -> tuple[str, tuple[Mapping[str, str], ...], Any]:
        """The method for ``conn`` from :func:`netplan.recommend.recommend` (or as asked), its reasons
        and the recommendation; problems for a method asked for but blocked. No decision recorded."""

        assert self.provider is not None
        rec = recommend(self.estate, consumer, self.provider, conn.use_case.value, whole_network=conn.whole_network,
                        services=conn.services, gateway_transit=conn.use_remote_gateways)  # fmt: skip
        reasons: tuple[Mapping[str, str], ...] = tuple(r.to_dict() for r in rec.reasons)
        if conn.method is Method.AUTO:
            method = rec.method
        else:
            method = conn.method.value
            blocked = [r for r in rec.blocked_by if r.method == method]
            if blocked:
                for r in blocked:
                    self.problem(r.code, f"{consumer.name}: {method} is blocked: {r.message}", consumer.name)
                method = "none"
            alt = next((a for a in rec.alternatives if a.method == method), None)
            own = tuple(r.to_dict() for r in alt.reasons) if alt else ()
            reasons = ({"code": "asked", "message": f"the intent asks for {conn.method.value}"}, *own)
        if method == "none" and conn.method is Method.AUTO:
            self.problem("no-method", f"{consumer.name}: " + "; ".join(r.message for r in rec.blocked_by), consumer.name)
        if method == "peering" and self.estate.peering(self.provider.id, consumer.id) is None:
            method, reasons = self._third_vnet_rule(conn, consumer, rec, reasons)
        return method, reasons, rec

    def decide(self, conn: Connection, consumer: VNet) -> str:
        method, reasons, _rec = self.choose(conn, consumer)
        self.decisions.append(Decision(consumer.id, conn.use_case.value, conn.method.value, method, reasons))
        return method

    def _third_vnet_rule(self, conn: Connection, consumer: VNet, rec: Any,
                         reasons: tuple[Mapping[str, str], ...]) -> tuple[str, tuple[Mapping[str, str], ...]]:  # fmt: skip
        """P3 between the consumers of this very plan: a consumer that overlaps another one peered
        with the provider earlier in the plan cannot be peered with the provider too."""

        assert self.provider is not None
        pl = next((a for a in rec.alternatives if a.method == "private-link"), None)
        total = len(self.provider.peerings) + len(self.planned_peers) + 1
        if total > PEERING_LIMIT:
            msg = f"{self.provider.name} would have {total} peerings with this plan (limit {PEERING_LIMIT}, P8)"
            why = {"code": str(Code.PEERING_LIMIT), "message": msg}
            if conn.method is Method.AUTO and pl is not None and pl.possible:
                return "private-link", (why, *reasons)
            self.problem(str(Code.PEERING_LIMIT), msg, consumer.name)
            return "none", (why, *reasons)
        for other in self.planned_peers:
            ov = overlapping_prefixes(consumer, other.address_prefixes)
            if not ov:
                continue
            msg = (f"{consumer.name} overlaps {other.name} ({', '.join(ov)}), which this plan peers with "
                   f"{self.provider.name} first (P3)")  # fmt: skip
            why = {"code": str(Code.OVERLAP_PEERED), "message": msg}
            if conn.method is Method.AUTO and pl is not None and pl.possible:
                return "private-link", (why, *reasons)
            self.problem(str(Code.OVERLAP_PEERED), msg, consumer.name)
            return "none", (why, *reasons)
        return "peering", reasons

    def _gateway_transit(self, conn: Connection, consumer: VNet, group: str) -> Connection:
        """P2: useRemoteGateways needs a gateway in the provider, none in the consumer, and no other
        link of the consumer already using a remote gateway. Otherwise a problem, and no flag."""
        assert self.provider is not None
        why = ""
        if not self.estate.gateways_of(self.provider.id):
            why = f"{self.provider.name} has no VPN/ExpressRoute gateway to share"
        elif self.estate.gateways_of(consumer.id):
            why = f"{consumer.name} has its own gateway; useRemoteGateways is not allowed with a local gateway"
        else:
            other = next((p for p in consumer.peerings if p.use_remote_gateways
                          and rid_key(p.remote_vnet_id) != self.provider.key), None)  # fmt: skip
            if other is not None:
                why = (f"{consumer.name} already uses the gateway of {name_of(other.remote_vnet_id)}; "
                       "a VNet can use only one remote gateway")  # fmt: skip
        if not why:
            return conn
        self.problem("gateway-transit-invalid", f"{conn.where}: use_remote_gateways: {why} (P2)", group)
        return replace(conn, use_remote_gateways=False)

    def plan_connection(self, conn: Connection) -> None:
        consumer = self.estate.vnet(conn.consumer_vnet_id)
        assert consumer is not None and self.provider is not None
        for g in self.estate.gaps_for(consumer.id):
            # The plan compares against what was read; what could not be read may already exist.
            self.warnings.append(f"{consumer.name}: the snapshot could not read {g.kind} in {g.scope} ({g.reason}): "
                                 "changes there are planned blind and may collide with resources that exist")  # fmt: skip
        if conn.use_case is UseCase.EXPOSE_APPS and conn.method is Method.AUTO:
            # `auto` weighs the existing path and every topology, and keeps only what verifies.

            plan_auto(self, conn, consumer)
            return
        self.realise(conn, consumer, self.decide(conn, consumer))

    def realise(self, conn: Connection, consumer: VNet, method: str) -> None:
        """The changes that serve ``conn`` by ``method`` ("peering", "private-link" or "none")."""
        assert self.provider is not None
        group = consumer.name
        if method == "none":
            return
        if method == "peering":
            self.planned_peers.append(consumer)
            if conn.use_remote_gateways:
                conn = self._gateway_transit(conn, consumer, group)
            self.ensure_peering_link(consumer, self.provider, conn, group, f"peering {consumer.name} -> {self.provider.name}")
            self.ensure_peering_link(self.provider, consumer, conn, group, f"peering {self.provider.name} -> {consumer.name}")
            if conn.use_case is not UseCase.EXPOSE_APPS:
                return
            ip = self.intent.provider.frontend_ip
            if ip is None:
                self.problem("frontend-address-unknown", "the provider frontend has no private IP in the snapshot", group)
                return
            self.app_dns(consumer, conn, (str(ip),), None, (), "peering", group)
            return
        # private-link
        if conn.use_case is not UseCase.EXPOSE_APPS:
            self.problem("private-link-direction", f"{conn.where}: {conn.use_case.value} over Private Link is declared "
                         "under internal_services (a private endpoint in the provider VNet)", group)  # fmt: skip
            return
        spec = self.intent.provider.pls
        if spec is None:
            self.problem("no-private-link-service", "Private Link chosen but the intent declares no Private Link "
                         "Service (provider.private_link_service with a nat_subnet)", group)  # fmt: skip
            return
        pls_deps = self.ensure_pls([parse_id(consumer.id).subscription], group)
        pe_deps, ip_known, ph = self.ensure_endpoint(consumer, conn.subnet_id, spec.id,
                                                     str(conn.static_ip) if conn.static_ip else None, group, pls_deps,
                                                     conn.where)  # fmt: skip
        if ip_known is None and ph is None:
            return
        self.app_dns(consumer, conn, (ip_known,) if ip_known else (), ph, pe_deps, "private-link", group)

    def app_dns(self, consumer: VNet, conn: Connection, ips: tuple[str, ...], ph: str | None,
                deps: tuple[str, ...], method: str, group: str) -> None:  # fmt: skip
        """Make the app names resolve, for ``consumer``, to ``ips`` (or the address of endpoint
        ``ph``), in the zone its resolution path consults (:mod:`netplan.planopts`)."""

        domain = self.intent.provider.app_domain
        where = dns_home(self, consumer, group)
        if where is None:
            return
        zid = self.zone_linked(where, domain)
        if zid is None:
            if method == "peering" or where.key != consumer.key:
                # The central zone (the DNS resource group's), reused: not a second copy.
                zid = self.zone_in(self.intent.provider.dns_subscription, self.intent.provider.dns_resource_group, domain)
                if self.estate.zone(zid) is None:
                    # Reuse a zone of that name that already answers with the frontend address
                    # rather than creating a second copy.
                    same = [z for z in self.estate.zones_named(domain)
                            if any(r.name == "*" and set(r.values) == set(ips) for r in self.estate.records_of_zone(z.id))]  # fmt: skip
                    if same:
                        zid = same[0].id
            else:
                # A Private Link consumer that resolves with its own links gets its own copy of the
                # zone: it answers with its own endpoint address.
                p = parse_id(consumer.id)
                zid = self.zone_in(p.subscription, p.resource_group, domain)
        names = ("*",) if conn.wildcard else conn.apps
        if shadow_problem(self, where, zid, names, group):
            return
        target = ips[0] if ips else f"endpoint {name_of(ph or '')}"
        if not self.claim_zone(zid, target, consumer.name):
            return
        if answer_conflict(self, zid, names, ips, ph, consumer, where, group):
            return
        zdeps = self.ensure_zone(zid, group)
        via = "" if where.key == consumer.key else f" ({consumer.name} resolves as in {where.name})"
        self.ensure_link(zid, where, group, zdeps, via)
        for n in names:
            fq = f"{n}.{domain}"
            what = {"peering": "the internal LB frontend", "private-link": "the private endpoint"}.get(method, method)
            why = f"{fq} -> " + (f"{ips[0]} ({what})" if ips else f"the address Azure assigns to {name_of(ph or '')}")
            self.ensure_record(zid, n, ips, ph, group, (*zdeps, *deps), why)

    def plan_service(self, svc: InternalService) -> None:
        assert self.provider is not None
        group = svc.fqdn
        if svc.zone_id is not None:
            zone = self.estate.zone(svc.zone_id)
            assert zone is not None
            other = self.zone_linked(self.provider, zone.name)
            if other is not None and rid_key(other) != zone.key:
                self.problem("zone-name-clash", f"{self.provider.name} is already linked to another zone named {zone.name} "
                             f"({other}); Azure allows one zone of a name per VNet (D7)", group)  # fmt: skip
                return
            self.ensure_link(zone.id, self.provider, group, ())
            rel = "@" if svc.fqdn == zone.name else svc.fqdn[: -len(zone.name) - 1]
            recs = [r for r in self.estate.records_of_zone(zone.id) if r.name.lower() in (rel, "*") and r.rtype in ("A", "CNAME", "AAAA")]
            if not recs:
                self.warnings.append(f"{svc.fqdn}: zone {zone.name} has no record for it: it will answer NXDOMAIN (D3)")
            return
        assert svc.pls_id is not None
        deps, ip, ph = self.ensure_endpoint(self.provider, svc.subnet_id, svc.pls_id, None, group, (), svc.where)
        if ip is None and ph is None:
            return
        # A zone named exactly the FQDN: it answers that one name and leaves the rest of the parent
        # domain to whoever answers it now (a parent zone would take over its whole namespace, D3).
        zid = self.zone_linked(self.provider, svc.fqdn) or self.zone_in(
            self.intent.provider.dns_subscription, self.intent.provider.dns_resource_group, svc.fqdn)
        if not self.claim_zone(zid, ip or f"endpoint {name_of(ph or '')}", group):
            return
        zdeps = self.ensure_zone(zid, group)
        self.ensure_link(zid, self.provider, group, zdeps)
        why = f"{svc.fqdn} -> " + (ip if ip else f"the address Azure assigns to {name_of(ph or '')}")
        self.ensure_record(zid, "@", (ip,) if ip else (), ph, group, (*zdeps, *deps), why)

    # ------------------------------------------------------------------ order

    def ordered(self) -> tuple[Change, ...]:
        import networkx as nx

        g: Any = nx.DiGraph()
        for k in self.changes:
            g.add_node(k)
        for k, c in self.changes.items():
            for d in c.depends_on:
                if d in self.changes:
                    g.add_edge(d, k)

        def sort_key(k: str) -> str:
            c = self.changes[k]
            return f"{0 if c.action is Action.DELETE else 1}{_KIND_ORDER.get(c.type, 9)}{rid_key(c.id)}"

        order = list(nx.lexicographical_topological_sort(g, key=sort_key))
        return tuple(self.changes[k] for k in order)


def _plan_traffic_rules(planner: _Planner, estate: Estate, intent: Intent, plan_id: str, fp: str) -> None:
    """Routes and NSG rules the connections need once the other changes are made (:mod:`netplan.ruleplan`).
    An ``auto`` expose-apps connection has planned its own with the option it chose
    (:func:`netplan.planopts.plan_auto`)."""
    pinned = tuple(c for c in intent.connections if not (c.use_case is UseCase.EXPOSE_APPS and c.method is Method.AUTO))
    if not pinned:
        return
    draft = ChangeSet(plan_id=plan_id, intent_file=intent.file, estate_fingerprint=fp, estate_sources=estate.sources,
                      changes=planner.ordered())  # fmt: skip
    after, _ = apply_in_memory(estate, draft)
    needs, problems = plan_rules(estate, after, replace(intent, connections=pinned), planner.rule_priorities)
    # A connection the plan already cannot make (a blocked method, a missing frontend...) gets no
    # traffic rules: its problem is named, and rules for it would be noise.
    failed = {p.group for p in planner.problems}
    needs = [n for n in needs if n.group not in failed]
    for change in changes_for(needs, planner.tags):
        planner.add(change)
    for n in needs:
        if n.owner:
            planner.problem("owner-change", n.owner_message(), n.group)
    for code, message, group in dict.fromkeys(problems):
        if group not in failed:
            planner.problem(code, message, group)


def make_plan(estate: Estate, intent: Intent) -> ChangeSet:
    """The ordered change set that makes ``estate`` satisfy ``intent`` (empty when it already does)."""
    fp = estate_fingerprint(estate)
    canon = json.dumps(intent.source, sort_keys=True, default=str)
    plan_id = "vp-" + hashlib.sha256(f"{fp}\n{canon}".encode()).hexdigest()[:12]
    planner = _Planner(estate, intent, plan_id)
    for conn in intent.connections:
        planner.plan_connection(conn)
    for svc in intent.services:
        planner.plan_service(svc)
    _plan_traffic_rules(planner, estate, intent, plan_id, fp)
    changes = []
    for c in planner.ordered():
        if c.action is not Action.CREATE:
            r = estate.get(c.id)
            etag = (getattr(r, "raw", None) or {}).get("etag")
            if etag:
                c = replace(c, etag=str(etag))
        changes.append(c)
    return ChangeSet(
        plan_id=plan_id, intent_file=intent.file, estate_fingerprint=fp, estate_sources=estate.sources,
        changes=tuple(changes), decisions=tuple(planner.decisions), problems=tuple(planner.problems),
        warnings=tuple(dict.fromkeys(planner.warnings)),
    )  # fmt: skip
