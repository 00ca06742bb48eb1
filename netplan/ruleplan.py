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
names as the condition for the connection to verify. Routes are not planned: a flow dropped by a
route is a problem of the plan, with the route named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netplan import kinds
from netplan.changeset import Change
from netplan.estate import Estate
from netplan.ids import parse_id, rid_key
from netplan.model import Direction, NetworkSecurityGroup
from netplan.verify import connection_flows
from netplan.vocab import Action

TYPE_SECURITY_RULE = kinds.SECURITY_RULE.type
TYPE_ROUTE = kinds.ROUTE.type
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

    def az_command(self) -> str:
        p = parse_id(self.nsg_id)
        props = self.body["properties"]
        src = " ".join(props.get("sourceAddressPrefixes") or [props.get("sourceAddressPrefix", "")])
        dst = props.get("destinationAddressPrefix", "*")
        return (f"az network nsg rule create -g {p.resource_group} --nsg-name {p.name} -n {self.name} "
                f"--priority {props['priority']} --direction {props['direction']} --access Allow --protocol Tcp "
                f"--source-address-prefixes {src} --destination-address-prefixes {dst} "
                f"--destination-port-ranges {props['destinationPortRange']}")  # fmt: skip


def managed_by_other(estate: Estate, nsg: NetworkSecurityGroup) -> str:
    """Why ``nsg`` belongs to a resource group another party manages ("" when it does not)."""
    rg = parse_id(nsg.id).resource_group
    if rg.lower().startswith("mc_"):
        return f"{rg} is the AKS node resource group: AKS manages it and reverts or forbids changes there"
    keys = {k.lower() for k in nsg.tags}
    if keys & set(_MANAGED_TAGS):
        return f"{nsg.name} is tagged as managed by another party ({', '.join(sorted(keys & set(_MANAGED_TAGS)))})"
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


def plan_rules(estate: Estate, after: Estate, intent: Any) -> tuple[list[RuleNeed], list[tuple[str, str, str]]]:
    """The security rules the intent's connections need on ``after`` (the estate after the plan).

    Returns (rules, problems) where a problem is (code, message, group).
    """

    needs: dict[str, RuleNeed] = {}
    problems: list[tuple[str, str, str]] = []
    taken: dict[tuple[str, Direction], set[int]] = {}
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
                    problems.append(("route-blocks-connection", f"{part.source} cannot reach {ip} on TCP {port}: "
                                     f"{part.reasons[-1].message if part.reasons else 'a route drops it'}; vnetplan does not plan "
                                     "routes: add one that sends the traffic to the provider (or its firewall)", group))  # fmt: skip
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
    return list(needs.values()), problems


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


def changes_for(needs: Sequence[RuleNeed], tags: Mapping[str, str]) -> list[Any]:
    """The plan changes for the rules vnetplan may make (owner's changes are not changes)."""


    out = []
    for n in needs:
        if n.owner:
            continue
        out.append(Change(Action.CREATE, n.rule_id, TYPE_SECURITY_RULE, kinds.NETWORK_API, dict(n.body), n.reason,
                          group=n.group))  # fmt: skip
    return out
