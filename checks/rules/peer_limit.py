"""VNP-PEER-005: a VNet at or near the peering limit (P8).

PASS: fewer than :data:`WARN_AT` peering links. FAIL: :data:`WARN_AT` or more (90% of the default
limit of :data:`LIMIT`), naming the count: the next spokes will not fit without a limit increase
or a second hub. One finding per VNet.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed
from checks.rules import _docs

#: Azure's default maximum number of peerings per VNet.
LIMIT = 500
#: Warn from 90% of the limit, while there is still time to plan a second hub.
WARN_AT = LIMIT * 9 // 10


def check(ctx: Context) -> Iterator[Outcome]:
    for v in ctx.estate.vnets:
        n = len(v.peerings)
        if n >= LIMIT:
            yield failed(v.id, f"VNet {v.name} has {n} peerings, at the limit of {LIMIT}: no further peering can be created.")
        elif n >= WARN_AT:
            yield failed(v.id, f"VNet {v.name} has {n} peerings, {LIMIT - n} below the limit of {LIMIT}.")
        else:
            yield passed(v.id, f"VNet {v.name} has {n} of {LIMIT} peerings.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-PEER-005",
    title="VNet is near the peering limit",
    severity=Severity.MEDIUM,
    rationale=(
        f"A VNet can have {LIMIT} peerings by default (P8). A hub close to the limit cannot take new spokes; "
        "planning a second hub or Virtual WAN takes longer than the next request."
    ),
    remediation=(
        "Remove unused peerings (az network vnet peering list -g <rg> --vnet-name <vnet> -o table), "
        "split spokes across another hub, or move to Azure Virtual WAN / Virtual Network Manager."
    ),
    check=check,
    references=(_docs.NETWORK_LIMITS,),
    tags=("peering", "capacity"),
)
