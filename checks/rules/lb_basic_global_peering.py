"""VNP-LB-001: a Basic internal load balancer behind global VNet peering (P6).

Judges every internal load balancer. FAIL: Basic SKU, and its VNet is peered (both links
Connected) with a VNet in another region, whose clients cannot reach the frontend. PASS: Standard
SKU, or no global peering. UNKNOWN: the frontend's VNet is not in the snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.ids import parent_id


def _region(location: str) -> str:
    return location.replace(" ", "").lower()


def check(ctx: Context) -> Iterator[Outcome]:
    for lb in ctx.estate.load_balancers:
        if not lb.is_internal:
            continue
        # As Estate.vnet_of(lb.id), without its index of every resource and child (16 MiB at 10k VNets).
        vnet = next((ctx.vnet(parent_id(f.subnet_id)) for f in lb.frontends if f.subnet_id), None)
        if vnet is None:
            note = ctx.gap_note(lb.id) or "its frontend subnet's VNet is not in the snapshot"
            yield unknown(lb.id, f"Internal load balancer {lb.name}: {note}, so its peers cannot be checked.")
            continue
        remote = [r for r in ctx.connected_peers_of(vnet.key) if _region(r.location) != _region(vnet.location)]
        if lb.sku.lower() != "basic":
            yield passed(lb.id, f"Internal load balancer {lb.name} in {vnet.name} is {lb.sku} SKU.") if ctx.list_passed else COUNTED_PASS
        elif remote:
            names = ", ".join(f"{r.name} ({r.location})" for r in remote)
            yield failed(
                lb.id,
                f"Basic internal load balancer {lb.name} in {vnet.name} ({vnet.location}) is unreachable from "
                f"globally peered {names}.",
            )
        else:
            yield passed(lb.id, f"Basic internal load balancer {lb.name} in {vnet.name} has no globally peered VNet.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-LB-001",
    title="Basic internal load balancer behind global VNet peering",
    severity=Severity.HIGH,
    rationale=(
        "Resources in a VNet peered across regions cannot reach the frontend of a Basic internal load "
        "balancer; the Standard SKU works over global peering (P6)."
    ),
    remediation=(
        "Upgrade the load balancer to the Standard SKU (Microsoft's AzureBasicLoadBalancerUpgrade PowerShell "
        "module: Start-AzBasicLoadBalancerUpgrade -ResourceGroupName <rg> -BasicLoadBalancerName <lb>), "
        "or reach it through Private Link."
    ),
    check=check,
    references=(_docs.PEERING_OVERVIEW, _docs.LB_SKUS, _docs.LB_UPGRADE),
    tags=("load-balancer", "peering", "connectivity"),
)
