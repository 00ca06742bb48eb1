"""Planning the NSG rules a connection needs: the traffic-rule part of the plan (issue 18).

:func:`plan_rules` runs after the connectivity changes are planned. On the estate as it will be
after them (:func:`netplan.whatif.apply_in_memory`) it asks every intent connection's app ports
(:func:`netplan.verify.connection_flows`); for each one an NSG rule denies, it plans a security rule
in that NSG that allows exactly that flow:

* priority: the largest free number (same direction) below the denying rule's, so that it is
  evaluated first and sits next to the rule it overrides;
* the narrowest match: the sources the flow really comes from (the blocked consumer subnets, or
  the Private Link Service's NAT addresses at the provider), the destination address, the port,
  TCP; never ``*`` or ``Internet`` as a source;
* a name (``vnetplan-allow-<consumer>-<port>``) and description that say it is vnetplan's.

It is an ordinary change (PUT of the child resource, in the NSG's resource group) that apply,
resume and verify handle like the others, unless the NSG lives in a resource group another party
manages (the AKS node resource group ``MC_*``, a Mendix-managed group): then it is returned as an
owner's change (:class:`OwnerChange`), which the plan shows, apply never sends, and the what-if
names as the condition for the connection to verify.

Routes come first (:func:`plan_routes`): when a user-defined route drops an app port's flow (next
hop None or Internet, or a virtual appliance address that nothing forwards at), the plan adds, in
that route table, a route for exactly the destination address (a ``/32``: more specific than the
route that drops it, so nothing else changes path) to a forwarding appliance the subnet can reach
(a declared forwarder, an Azure Firewall or a NIC with IP forwarding, in its VNet or a peered one),
the first one with which the flow then gets through. It never adds, widens or changes a
``0.0.0.0/0`` route, and never edits or deletes a route it did not create: when no narrower route
fixes the flow (the dropping route is already a ``/32``, or a system route drops it), the route is
named in a problem for its owner. NSG rules are then planned on the estate with those routes, whose
paths may cross other NSGs.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from typing import Any

from netplan import kinds
from netplan.addr import IPAddress, parse_ip, prefix_of_ip
from netplan.changeset import Change
from netplan.estate import Estate
from netplan.flow import FlowVerdict, flow
from netplan.ids import name_of, parse_id, rid_key, short_id
from netplan.model import Direction, FirewallRule, NetworkSecurityGroup, PeeringState, PortRange, RouteTable
from netplan.routes import SOURCE_USER, effective_routes, route_table_of
from netplan.verify import connection_flows
from netplan.vocab import Action

#: Tags by which AKS and Mendix mark the resource groups they manage.
_MANAGED_TAGS = ("aks-managed-cluster-name", "mendix-managed", "managed-by-mendix")


@dataclass(frozen=True)
class RuleNeed:
    """One security rule a connection needs."""

    nsg_id: str
    name: str
    body: Mapping[str, Any]
    group: str
    reason: str
    #: Why another party must make it (empty: vnetplan can).
    owner: str = ""

    @property
    def rule_id(self) -> str:
        return f"{self.nsg_id}/securityRules/{self.name}"

    @property
    def change_id(self) -> str:
        return self.rule_id

    def owner_message(self) -> str:
        return (f"allow TCP in network security group {name_of(self.nsg_id)} for {self.group}: {self.owner}, so its "
                f"owner must add the rule: {self.az_command()}")  # fmt: skip

    def az_command(self) -> str:
        p = parse_id(self.nsg_id)
        props = self.body["properties"]
        src = " ".join(props.get("sourceAddressPrefixes") or [props.get("sourceAddressPrefix", "")])
        dst = props.get("destinationAddressPrefix", "*")
        return (f"az network nsg rule create -g {p.resource_group} --nsg-name {p.name} -n {self.name} "
                f"--priority {props['priority']} --direction {props['direction']} --access Allow --protocol Tcp "
                f"--source-address-prefixes {src} --destination-address-prefixes {dst} "
                f"--destination-port-ranges {props['destinationPortRange']}")  # fmt: skip


@dataclass(frozen=True)
class RouteNeed:
    """One route a connection needs, in an existing route table."""

    route_table_id: str
    name: str
    body: Mapping[str, Any]
    group: str
    reason: str
    #: Why another party must make it (empty: vnetplan can).
    owner: str = ""

    @property
    def change_id(self) -> str:
        return f"{self.route_table_id}/routes/{self.name}"

    def az_command(self) -> str:
        p = parse_id(self.route_table_id)
        props = self.body["properties"]
        return (f"az network route-table route create -g {p.resource_group} --route-table-name {p.name} -n {self.name} "
                f"--address-prefix {props['addressPrefix']} --next-hop-type {props['nextHopType']} "
                f"--next-hop-ip-address {props['nextHopIpAddress']}")  # fmt: skip

    def owner_message(self) -> str:
        props = self.body["properties"]
        return (f"route {props['addressPrefix']} to {props['nextHopIpAddress']} in route table "
                f"{name_of(self.route_table_id)} for {self.group}: {self.owner}, so its owner must add the route: "
                f"{self.az_command()}")  # fmt: skip


@dataclass(frozen=True)
class FirewallNeed:
    """A flow the declared rules of a forwarder deny. vnetplan never writes a firewall: this is
    always the owner's change, which the plan names and the what-if assumes made only when asked
    (an ``auto`` option that verifies once it is made is ``needs-owner``)."""

    device: str
    ip: str
    port: int
    group: str
    reason: str
    #: The rule the allow must come before ("" when the default denied it).
    before: str = ""
    owner: str = "vnetplan does not write firewall rules"

    @property
    def change_id(self) -> str:
        return f"firewall:{self.device}:{self.group}:{self.ip}:tcp/{self.port}"

    def owner_message(self) -> str:
        return self.reason

    def az_command(self) -> str:
        before = f" before rule '{self.before}'" if self.before else ""
        return (f"allow TCP {self.port} to {self.ip} for {self.group} in firewall {self.device} (a network rule{before}), "
                "then add it to the forwarder's declared rules")  # fmt: skip


Need = RuleNeed | RouteNeed | FirewallNeed


def managed_by_other(estate: Estate, resource: NetworkSecurityGroup | RouteTable) -> str:
    """Why ``resource`` (an NSG or route table) belongs to a resource group another party manages
    ("" when it does not)."""
    rg = parse_id(resource.id).resource_group
    if rg.lower().startswith("mc_"):
        return f"{rg} is the AKS node resource group: AKS manages it and reverts or forbids changes there"
    keys = {k.lower() for k in resource.tags}
    if keys & set(_MANAGED_TAGS):
        return f"{resource.name} is tagged as managed by another party ({', '.join(sorted(keys & set(_MANAGED_TAGS)))})"
    return ""


def free_priority(nsg: NetworkSecurityGroup, direction: Direction, below: int, taken: set[int]) -> int | None:
    """The largest priority (100-4096) below ``below`` that no rule of ``direction`` uses."""
    used = {r.priority for r in nsg.rules if r.direction is direction} | taken
    for p in range(min(below - 1, 4096), 99, -1):
        if p not in used:
            return p
    return None


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
    return "-".join(x for x in out.split("-") if x)[:40]


#: Priorities already given to planned rules, per (NSG key, direction): a rule only the owner can
#: make is not in the estate the next planning pass sees, so its priority is remembered here.
Taken = dict[tuple[str, Direction], set[int]]


def plan_rules(estate: Estate, after: Estate, intent: Any, taken: Taken | None = None) -> tuple[list[Need], list[tuple[str, str, str]]]:
    """The routes, then the security rules, the intent's connections need on ``after`` (the estate
    after the plan's other changes). ``taken``: priorities earlier passes gave (updated in place).

    Returns (routes and rules, problems) where a problem is (code, message, group).
    """
    taken = {} if taken is None else taken
    needs: dict[str, Need] = {}
    problems: list[tuple[str, str, str]] = []
    # A flow can be blocked twice: an outbound NSG rule at the source hides a route that drops it
    # further on (the walk stops at the first block). Each round plans what blocks now, on the
    # estate with everything planned so far made (owner's changes too: what else blocks once the
    # owner has made them), until nothing new is found.
    for _round in range(_ROUNDS):
        routes, route_problems, after = plan_routes(after, intent)
        rules, rule_problems = _plan_nsg_rules(after, intent, taken)
        problems += [p for p in (*route_problems, *rule_problems) if p not in problems]
        found: list[Need] = [*routes, *rules]
        new = [n for n in found if rid_key(n.change_id) not in needs]
        if not new:
            break
        for n in new:
            needs[rid_key(n.change_id)] = n
            if isinstance(n, FirewallNeed):
                after = with_firewall_opening(after, n)  # what else blocks once the owner allows it
            elif isinstance(n, RuleNeed) or n.owner:
                after = with_rule(after, n) if isinstance(n, RuleNeed) else with_route(after, n)
    return list(needs.values()), problems


#: Rounds of route and rule planning (a flow has at most a route and an NSG at each end to pass).
_ROUNDS = 4


def with_rule(estate: Estate, need: RuleNeed) -> Estate:
    """``estate`` with the security rule added to its NSG (what the what-if does with the change)."""
    g = estate.get(need.nsg_id)
    raw = copy.deepcopy(dict(getattr(g, "raw", None) or {}))
    props = raw.setdefault("properties", {})
    props["securityRules"] = [r for r in props.get("securityRules") or [] if rid_key(str(r.get("id", ""))) != rid_key(need.rule_id)]
    props["securityRules"].append({"name": need.name, "id": need.rule_id, **copy.deepcopy(dict(need.body))})
    return estate.with_resources([raw])


def with_firewall_opening(estate: Estate, need: FirewallNeed) -> Estate:
    """``estate`` as it would be once the firewall's owner allowed the flow (an allow rule first in
    its declared rules): for the planner to see what else blocks behind it, and for the what-if of
    an option that verifies only once the owner acts. Never written anywhere."""
    dst = prefix_of_ip(parse_ip(need.ip))
    opening = FirewallRule(f"owner-allows-{need.ip}-{need.port}", True, (), (dst,), ("tcp",),
                           (PortRange(need.port, need.port),))  # fmt: skip
    fwds = tuple(dc_replace(f, rules=(opening, *f.rules)) if f.device == need.device and f.rules is not None else f
                 for f in estate.forwarders)  # fmt: skip
    return dc_replace(estate, forwarders=fwds)


def _plan_nsg_rules(after: Estate, intent: Any, taken: Taken) -> tuple[list[RuleNeed | FirewallNeed], list[tuple[str, str, str]]]:
    needs: dict[str, RuleNeed] = {}
    firewall: dict[str, FirewallNeed] = {}
    problems: list[tuple[str, str, str]] = []
    for conn in intent.connections:
        consumer = after.vnet(conn.consumer_vnet_id)
        if consumer is None:
            continue
        group = consumer.name
        for port, ip, verdict in connection_flows(after, intent, conn):
            parts = verdict.parts or [verdict]
            for part in parts:
                b = part.blocked_by
                if b is None:
                    continue
                if b.kind == "route":
                    continue  # plan_routes named it
                if b.kind == "firewall-rule" and b.resource:
                    fw = FirewallNeed(b.resource, ip, port, group, _firewall_message(part, port, ip, group),
                                      b.rule if b.rule and b.rule != "default" else "")  # fmt: skip
                    firewall.setdefault(rid_key(fw.change_id), fw)
                    continue
                if b.kind != "nsg-rule" or not b.resource or b.priority is None:
                    continue
                nsg = after.get(b.resource)
                if not isinstance(nsg, NetworkSecurityGroup):
                    continue
                decision = next((d for d in part.decisions if d.nsg.key == nsg.key and d.allowed is False), None)
                if decision is None:
                    continue
                need = _need_for(after, nsg, decision.direction, part, port, ip, b.priority, group,
                                 taken.setdefault((nsg.key, decision.direction), set()))  # fmt: skip
                if isinstance(need, str):
                    problems.append(("no-free-priority", need, group))
                    continue
                key = rid_key(need.rule_id)
                if key in needs:
                    old = needs[key]
                    srcs = sorted({*old.body["properties"]["sourceAddressPrefixes"], *need.body["properties"]["sourceAddressPrefixes"]})
                    body = {"properties": {**old.body["properties"], "sourceAddressPrefixes": srcs}}
                    needs[key] = RuleNeed(old.nsg_id, old.name, body, old.group, old.reason, old.owner)
                else:
                    needs[key] = need
                    taken[(nsg.key, decision.direction)].add(int(need.body["properties"]["priority"]))
    return [*needs.values(), *firewall.values()], problems


def _firewall_message(part: FlowVerdict, port: int, ip: str, group: str) -> str:
    """A flow a forwarder's declared rules deny: vnetplan never writes a firewall, so its owner must."""
    b = part.blocked_by
    assert b is not None
    why = next((r.message for r in reversed(part.reasons) if r.code == "firewall-denies"), "its declared rules deny it")
    before = f" before rule '{b.rule}'" if b.rule and b.rule != "default" else ""
    return (f"{group}: {part.source} -> {ip} TCP {port}: {why}; vnetplan does not write firewall rules, so the owner "
            f"of firewall {b.resource} must allow it (a network rule for TCP {port} from {part.source} to {ip}{before}) "
            "and the forwarder's declared rules must then say so")  # fmt: skip


def _need_for(after: Estate, nsg: NetworkSecurityGroup, direction: Direction, part: Any, port: int, ip: str,
              blocking_priority: int, group: str, taken: set[int]) -> RuleNeed | str:  # fmt: skip
    """The narrowest allow rule for one blocked flow, or a sentence saying why there is none."""
    prio = free_priority(nsg, direction, blocking_priority, taken)
    if prio is None:
        return (f"network security group {nsg.name} has no free {direction.value.lower()} priority below "
                f"{blocking_priority}: an allow rule for TCP {port} cannot be placed before the rule that denies it")  # fmt: skip
    decision = next(d for d in part.decisions if d.nsg.key == nsg.key and d.allowed is False)
    # The flow exactly as the denying NSG saw it: the consumer subnet (or, at a Private Link
    # provider, the NAT address) as the source; the backend address and port behind an ILB.
    if decision.src is None or decision.dst is None:
        return f"the flow to {ip} on TCP {port} is not known precisely enough for a narrow rule in {nsg.name}"
    sources = [str(decision.src)]
    if str(decision.src) in ("0.0.0.0/0", "::/0"):
        return f"the source of the flow to {ip} on TCP {port} is the whole Internet: vnetplan never allows * or Internet"
    dst = str(decision.dst)
    dport = decision.port if decision.port is not None else port
    name = f"vnetplan-allow-{'in' if direction is Direction.INBOUND else 'out'}-{_slug(group)}-{dport}"
    body = {"properties": {
        "description": f"vnetplan: lets {group} reach {ip} on TCP {port} (before rule {decision.rule.name if decision.rule else '?'}, "
                       f"priority {blocking_priority})",
        "protocol": "Tcp", "sourcePortRange": "*", "destinationPortRange": str(dport),
        "sourceAddressPrefixes": sources, "destinationAddressPrefix": dst,
        "access": "Allow", "priority": prio, "direction": direction.value,
    }}  # fmt: skip
    reason = (f"{group} -> {ip} TCP {port}: network security group {nsg.name} denies it ({direction.value.lower()}, rule "
              f"{decision.rule.name if decision.rule else '?'}, priority {blocking_priority}); allow it at priority {prio}")  # fmt: skip
    return RuleNeed(nsg.id, name, body, group, reason, managed_by_other(after, nsg))


def changes_for(needs: Sequence[Need], tags: Mapping[str, str]) -> list[Any]:
    """The plan changes for the routes and rules vnetplan may make (owner's changes are not changes)."""
    out = []
    for n in needs:
        if n.owner or isinstance(n, FirewallNeed):
            continue
        kind = kinds.ROUTE.type if isinstance(n, RouteNeed) else kinds.SECURITY_RULE.type
        out.append(Change(Action.CREATE, n.change_id, kind, kinds.NETWORK_API, dict(n.body), n.reason, group=n.group))
    return out


# ---------------------------------------------------------------------------------------------
# Routes


def plan_routes(after: Estate, intent: Any) -> tuple[list[RouteNeed], list[tuple[str, str, str]], Estate]:
    """The routes the intent's connections need on ``after``: (routes, problems, the estate with the
    routes vnetplan can make added). See the module docstring."""
    needs: dict[str, RouteNeed] = {}
    problems: list[tuple[str, str, str]] = []
    current = after
    for conn in intent.connections:
        consumer = after.vnet(conn.consumer_vnet_id)
        if consumer is None:
            continue
        group = consumer.name
        for port, ip, verdict in connection_flows(after, intent, conn):
            for part in verdict.parts or [verdict]:
                if part.blocked_by is None or part.blocked_by.kind != "route":
                    continue
                # A route planned for an earlier port or subnet (same route table) may serve this one.
                now = _part(flow(current, consumer.id, ip, port), part.source)
                if now is None or now.blocked_by is None or now.blocked_by.kind != "route":
                    continue
                need = _route_need(current, consumer.id, now, ip, port, group)
                if isinstance(need, str):
                    problems.append(("route-blocks-connection", need, group))
                    continue
                needs.setdefault(rid_key(need.change_id), need)
                if not need.owner:
                    current = with_route(current, need)
    return list(needs.values()), problems, current


def _part(v: FlowVerdict, source: str) -> FlowVerdict | None:
    return next((p for p in v.parts or [v] if p.source == source), None)


def with_route(estate: Estate, need: RouteNeed) -> Estate:
    """``estate`` with the route added to its route table (what the what-if does with the change)."""
    rt = estate.get(need.route_table_id)
    raw = copy.deepcopy(dict(getattr(rt, "raw", None) or {}))
    props = raw.setdefault("properties", {})
    props["routes"] = [r for r in props.get("routes") or [] if rid_key(str(r.get("id", ""))) != rid_key(need.change_id)]
    props["routes"].append({"name": need.name, "id": need.change_id, **copy.deepcopy(dict(need.body))})
    return estate.with_resources([raw])


def _route_need(after: Estate, consumer_id: str, part: FlowVerdict, ip: str, port: int, group: str) -> RouteNeed | str:
    """The narrowest route that gets one blocked flow through, or a sentence saying why there is none."""
    b = part.blocked_by
    assert b is not None
    what = f"{part.source} cannot reach {ip} on TCP {port}"
    why = next((r.message for r in reversed(part.reasons) if r.code in _ROUTE_CODES), "a route drops it")
    sub = after.subnet(b.at) if b.at else None
    dst = parse_ip(ip)
    hit = effective_routes(after, sub).lookup(dst) if sub is not None else None
    rt = route_table_of(after, sub)[0] if sub is not None else None
    if sub is None or hit is None or rt is None or hit[1].source != SOURCE_USER:
        return (f"{what}: {why}; no user-defined route decides this (the address is outside every peered space): "
                "the connection needs a peering or a path through a hub, not a route")  # fmt: skip
    prefix, route = hit
    if prefix.length >= prefix.bits:
        return (f"{what}: {why}; route '{route.name}' is already as specific as the address, so no narrower route can "
                f"override it: its owner must change it in route table {short_id(rt.id)}")  # fmt: skip
    tried: list[str] = []
    fallback: RouteNeed | None = None
    for app_ip, label in _appliances(after, sub, {i for i in route.next_hop_ips}):
        name = f"vnetplan-{_slug(group)}-to-{ip.replace('.', '-').replace(':', '-')}"[:80]
        body = {"properties": {"addressPrefix": str(prefix_of_ip(dst)), "nextHopType": "VirtualAppliance",
                               "nextHopIpAddress": str(app_ip)}}  # fmt: skip
        reason = (f"{group} -> {ip} TCP {port}: {short_id(sub.id)} sends it by route '{route.name}' ({prefix} "
                  f"{route.next_hop_type}{' ' + ', '.join(str(i) for i in route.next_hop_ips) if route.next_hop_ips else ''}), "
                  f"which drops it; add {prefix_of_ip(dst)} via {label} ({app_ip}) to route table {name_of(rt.id)}: more "
                  f"specific than '{route.name}', so only traffic to {ip} changes path (it passes {label}, which must "
                  "allow it)")  # fmt: skip
        need = RouteNeed(rt.id, name, body, group, reason, managed_by_other(after, rt))
        trial = _part(flow(with_route(after, need), consumer_id, ip, port), part.source)
        if trial is not None and (trial.reachable is True or (trial.blocked_by is not None and trial.blocked_by.kind == "nsg-rule")):
            return need
        if fallback is None and trial is not None and trial.blocked_by is not None and trial.blocked_by.kind == "firewall-rule":
            fallback = need  # the route works once the firewall's owner allows the flow (named then)
        tried.append(f"{label} ({app_ip})")
    if fallback is not None:
        return fallback
    tail = (f"a route via {', '.join(tried)} would not get it through either" if tried else
            "no forwarding appliance (declared forwarder, Azure Firewall, NIC with IP forwarding) in its VNet or a peered "
            "one could carry it")  # fmt: skip
    return f"{what}: {why}; {tail}: route table {short_id(rt.id)} needs its owner's decision"


_ROUTE_CODES = frozenset({"route-none", "route-internet", "black-hole", "no-route", "routing-loop", "wrong-vnet"})


def _appliances(estate: Estate, sub: Any, exclude: set[IPAddress]) -> list[tuple[IPAddress, str]]:
    """Forwarding appliances that ``sub`` can send to: in its VNet (another subnet) or a VNet it is
    Connected-peered with; firewalls and declared forwarders first, then NICs with IP forwarding."""
    vnet = estate.vnet(sub.vnet_id)
    if vnet is None:
        return []
    near = {vnet.key}
    for link in vnet.peerings:
        back = estate.peering(link.remote_vnet_id, vnet.id)
        if link.state is PeeringState.CONNECTED and back is not None and back.state is PeeringState.CONNECTED:
            near.add(rid_key(link.remote_vnet_id))
    first: list[tuple[IPAddress, str]] = []
    later: list[tuple[IPAddress, str]] = []
    for f in estate.forwarders:
        if f.ip is not None and rid_key(f.vnet_id) in near:
            first.append((f.ip, f"forwarder {f.device}"))
    for fw in estate.firewalls:
        for fip in fw.ips:
            if fip.subnet_id and rid_key(fip.subnet_id.rsplit("/subnets/", 1)[0]) in near:
                first.append((fip.ip, f"firewall {fw.name}"))
    for nic in estate.nics:
        if not nic.ip_forwarding:
            continue
        for c in nic.ip_configs:
            if c.private_ip is not None and c.subnet_id and rid_key(c.subnet_id.rsplit("/subnets/", 1)[0]) in near:
                later.append((c.private_ip, f"appliance {nic.name}"))
    out: dict[IPAddress, str] = {}
    for app_ip, label in (*first, *later):
        if app_ip in exclude or any(p.contains_ip(app_ip) for p in sub.prefixes):
            continue  # the hop that drops it, or the subnet itself (a routing loop)
        out.setdefault(app_ip, label)
    return list(out.items())[:_MAX_CANDIDATES]


#: How many appliances the planner tries for one blocked flow (each is a what-if of the flow).
_MAX_CANDIDATES = 6
