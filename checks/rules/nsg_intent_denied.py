"""VNP-NSG-002: an intent connection that a network security group denies.

For each connection of the intent, each app port is asked of :func:`netplan.verify.connection_flows`
(effective routes, peerings and NSGs, R1-R5) from the consumer VNet's workload subnets to the
address it should reach (the LB frontend for peering, its private endpoint for Private Link).
PASS: every port is allowed. FAIL: an NSG rule denies a port (named, with its priority). UNKNOWN:
the answer depends on something the snapshot cannot show (also: a declared VNet not in the
estate, which could not read where it may be). Without an intent the rule has nothing
to check. Routing and peering problems are other rules' findings; this one reports NSGs only.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.intent import Intent
from netplan.verify import connection_flows


def check(ctx: Context) -> Iterator[Outcome]:

    intent = ctx.intent
    if intent is None:
        return
    # Declared connections the estate cannot settle (netplan.intent.Unresolved: a gap may hide a VNet).
    for u in intent.unresolved:
        yield unknown(u.resource, f"Connection from {u.consumer}: whether NSGs allow its app ports cannot be decided: "
                      f"{u.reason()}.", u.item)  # fmt: skip
    if not isinstance(intent, Intent):  # no provider: every connection is in `unresolved`
        return
    for conn in intent.connections:
        consumer = ctx.vnet(conn.consumer_vnet_id)
        if consumer is None:
            continue
        flows = connection_flows(ctx.estate, intent, conn)
        what = f"Connection from {consumer.name}"
        denied = [(port, ip, v) for port, ip, v in flows if v.blocked_by is not None and v.blocked_by.kind == "nsg-rule"]
        if denied:
            port, ip, v = denied[0]
            b = v.blocked_by
            assert b is not None
            nsg = (b.resource or "").rsplit("/", 1)[-1]
            yield failed(consumer.id, f"{what} to {ip} on TCP {port}: NSG {nsg} denies it (rule {b.rule}, priority "
                         f"{b.priority}).", item=f"{ip}:{port}")  # fmt: skip
        elif any(v.reachable is None for _p, _ip, v in flows):
            port, ip, v = next(f for f in flows if f[2].reachable is None)
            why = v.reasons[-1].message if v.reasons else "unknown"
            yield unknown(consumer.id, f"{what} to {ip} on TCP {port}: whether NSGs allow it cannot be decided: {why}",
                          item=f"{ip}:{port}")  # fmt: skip
        elif flows:
            ports = ", ".join(str(p) for p in dict.fromkeys(p for p, _ip, _v in flows))
            yield passed(consumer.id, f"{what}: no NSG denies TCP {ports} to the apps.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-NSG-002",
    title="Intent connection is denied by a network security group",
    severity=Severity.HIGH,
    rationale=(
        "A connection the intent declares must work on its app ports end to end. Peering or Private Link, DNS and "
        "routes can all be right while an NSG on the consumer's or the provider's subnet or NIC drops the traffic "
        "(R3); through Private Link the provider's NSGs see the NAT addresses, not the consumer (R4)."
    ),
    remediation=(
        "Let vnetplan plan add the narrowest allow rule at a free priority before the denying rule, or add it "
        "yourself (az network nsg rule create -g <rg> --nsg-name <nsg> -n <name> --priority <n> --access Allow "
        "--protocol Tcp --source-address-prefixes <consumer prefix> --destination-port-ranges <port>)."
    ),
    check=check,
    references=(_docs.NSG_OVERVIEW, _docs.NSG_HOW_IT_WORKS),
    tags=("nsg", "traffic-rules", "intent"),
)
