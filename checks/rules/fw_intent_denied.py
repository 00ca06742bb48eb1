"""VNP-FW-001: an intent connection that a declared firewall rule denies.

A forwarder declaration may state the firewall's rule base (``rules``, :mod:`netplan.fwrules`:
first match, else the declared default, deny as Azure Firewall does). For each connection of the
intent, each app port is asked of :func:`netplan.verify.connection_flows` (effective routes,
peerings, NSGs and the declared firewall rules) from the consumer VNet's workload subnets to the
address it should reach. FAIL: the routes send a port through a firewall whose declared rules deny
it (the rule named, or its default). PASS: the connection passes through a firewall with declared
rules and none of its ports is denied there. UNKNOWN: a declared rule covers only part of a
consumer subnet, so the firewall's answer depends on the address. Connections that pass no
firewall with declared rules, and estates that declare none, are not judged here; NSGs, routes and
peerings are other rules' findings.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.intent import Intent
from netplan.verify import connection_flows


def check(ctx: Context) -> Iterator[Outcome]:

    intent = ctx.intent
    if not isinstance(intent, Intent) or not any(f.rules is not None for f in ctx.estate.forwarders):
        return
    for conn in intent.connections:
        consumer = ctx.vnet(conn.consumer_vnet_id)
        if consumer is None:
            continue
        what = f"Connection from {consumer.name}"
        flows = connection_flows(ctx.estate, intent, conn)
        parts = [(port, ip, p) for port, ip, v in flows for p in (v.parts or [v])]
        denied = [(port, ip, p) for port, ip, p in parts if p.blocked_by is not None and p.blocked_by.kind == "firewall-rule"]
        if denied:
            port, ip, p = denied[0]
            b = p.blocked_by
            assert b is not None
            rule = "its default (no declared rule matches)" if b.rule == "default" else f"rule {b.rule}"
            yield failed(consumer.id, f"{what} to {ip} on TCP {port}: firewall {b.resource} denies it from {p.source} "
                         f"by {rule} (declared rules).", item=f"{ip}:{port}")  # fmt: skip
            continue
        codes = [(port, ip, p, p.codes()) for port, ip, p in parts]
        unsure = next(((port, ip, p) for port, ip, p, c in codes if "firewall-unknown" in c), None)
        if unsure is not None:
            port, ip, p = unsure
            why = next(r.message for r in p.reasons if r.code == "firewall-unknown")
            yield unknown(consumer.id, f"{what} to {ip} on TCP {port}: {why}", item=f"{ip}:{port}")
        elif any("firewall-allows" in c for *_x, c in codes):
            yield (passed(consumer.id, f"{what}: the declared firewall rules allow its app ports.") if ctx.list_passed
                   else COUNTED_PASS)  # fmt: skip


RULE = Rule(
    id="VNP-FW-001",
    title="Intent connection is denied by a declared firewall rule",
    severity=Severity.HIGH,
    rationale=(
        "In a hub-and-spoke estate the spokes' routes send traffic through the hub firewall, which denies what no "
        "rule allows (Azure Firewall processes rules in order, the first match decides, and traffic no rule allows "
        "is denied). Peering, DNS, routes and NSGs can all be right while the firewall drops a connection's port."
    ),
    remediation=(
        "Ask the firewall's owner to allow the connection's port from the consumer's subnets to the app's address "
        "(an Azure Firewall network rule before the rule that denies it), then update the forwarder's declared "
        "rules. vnetplan's plan names this as the owner's change; it never writes a firewall."
    ),
    check=check,
    references=(_docs.FIREWALL_RULES, _docs.UDR_OVERVIEW),
    tags=("firewall", "traffic-rules", "intent"),
)
