"""VNP-PEER-003: ``allowVirtualNetworkAccess`` is off on a Connected peering link (P5).

PASS: a Connected link that allows virtual network access. FAIL: a Connected link with
``allowVirtualNetworkAccess=false``: the peering looks healthy but carries no traffic from the
remote VNet into this one. Links that are not Connected are not judged here (VNP-PEER-001).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed
from checks.rules import _docs
from netplan.ids import name_of
from netplan.model import PeeringState


def check(ctx: Context) -> Iterator[Outcome]:
    counted = not ctx.list_passed
    for v in ctx.estate.vnets:
        for p in v.peerings:
            if p.state is not PeeringState.CONNECTED:
                continue
            if counted and p.allow_virtual_network_access:
                yield COUNTED_PASS
                continue
            what = f"Peering {p.name} of VNet {v.name} to {name_of(p.remote_vnet_id)}"
            if p.allow_virtual_network_access:
                yield passed(p.id, f"{what} allows virtual network access.")
            else:
                yield failed(p.id, f"{what} is Connected but allowVirtualNetworkAccess is false, so it carries no traffic.")


RULE = Rule(
    id="VNP-PEER-003",
    title="Connected VNet peering has virtual network access disabled",
    severity=Severity.MEDIUM,
    rationale=(
        "allowVirtualNetworkAccess=false blocks traffic over a peering that otherwise shows Connected (P5); "
        "it is sometimes set on purpose, and then the finding should be suppressed with the reason."
    ),
    remediation=(
        "az network vnet peering update -g <rg> --vnet-name <vnet> -n <peering> "
        "--set allowVirtualNetworkAccess=true"
    ),
    check=check,
    references=(_docs.PEERING_MANAGE,),
    tags=("peering", "connectivity"),
)
