"""VNP-NET-003: overlapping address space inside one routing domain (P2, P3), from the overlaps analysis.

Two VNets that are not peered directly but reach each other (through a forwarding hub or a shared
gateway), or a VNet whose space overlaps declared on-premises space reachable from its routing
domain, cannot route to the overlapping range unambiguously. This rule reports the ``warning``
overlaps of :func:`netplan.overlaps.find_overlaps` with scope ``routing-domain``; directly peered
overlaps are VNP-PEER-004's, a VNet's own overlapping prefixes VNP-NET-002's, and overlaps between
VNets that never route to each other are legitimate (P3) and pass.

Per VNet: FAIL when it is in a routing-domain overlap (``item`` names the other side and prefix);
UNKNOWN when it only has overlaps the analysis calls isolated but the snapshot records gaps (a
peering there could connect them); PASS otherwise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.overlaps import Scope
from netplan.overlaps import Severity as OverlapSeverity


def check(ctx: Context) -> Iterator[Outcome]:
    report = ctx.overlap_report
    problems: dict[str, list[tuple[str, str]]] = defaultdict(list)
    isolated: set[str] = set()
    for group in report.groups:
        if group.severity is OverlapSeverity.WARNING and group.scope is Scope.ROUTING_DOMAIN:
            for pair in group.pairs():
                for me, other in ((pair.a, pair.b), (pair.b, pair.a)):
                    if me.vnet:
                        problems[ctx.key(me.vnet)].append((f"{other.label} {other.prefix}", pair.reason))
        elif group.scope is Scope.ISOLATED and report.incomplete:
            isolated |= {ctx.key(v) for v in group.vnet_ids()}
    for vk, v in zip(ctx.vnet_keys, ctx.estate.vnets, strict=True):
        found = problems.get(vk)
        if found:
            for item, text in sorted(set(found)):
                yield failed(v.id, f"VNet {v.name}: {text}.", item)
        elif vk in isolated:
            yield unknown(v.id, f"VNet {v.name} overlaps VNets it does not route to today, but {report.incomplete}.")
        else:
            yield passed(v.id, f"VNet {v.name} has no overlap with networks in its routing domain.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-NET-003",
    title="Overlapping address space within one routing domain",
    severity=Severity.MEDIUM,
    rationale=(
        "Peering is not transitive, but hubs that forward traffic and shared gateways join VNets and "
        "on-premises networks into one routing domain (P2); overlapping ranges inside it cannot be routed "
        "to unambiguously (P3)."
    ),
    remediation=(
        "Re-address one side (az network vnet update -g <rg> -n <vnet> --address-prefixes ...), or reach the "
        "overlapping service through Private Link; vnetplan overlaps and vnetplan free list the options."
    ),
    check=check,
    references=(_docs.PEERING_OVERVIEW, _docs.GATEWAY_TRANSIT),
    tags=("addressing", "routing"),
)
