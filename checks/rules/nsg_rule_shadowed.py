"""VNP-NSG-001: a security rule no traffic can reach, because a higher-priority rule matches all of it.

NSG rules are evaluated by priority and the first match wins (R3): a rule whose protocol, sources,
destinations and ports all lie inside one earlier rule of the same direction never decides
anything. PASS: some traffic reaches the rule. FAIL: it is shadowed (named, with the rule that
shadows it; a Deny shadowed by an Allow is the dangerous case). One finding per custom rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed
from checks.rules import _docs
from netplan.model import AddressSpec, SecurityRule


def _covers(a: AddressSpec, b: AddressSpec) -> bool:
    """Every address ``b`` names is also named by ``a`` (decided on what is written; tags by name)."""
    if a.any:
        return True
    if b.any:
        return False
    tags_a = {t.lower() for t in a.tags}
    asgs_a = {x.lower() for x in a.asg_ids}
    return (all(any(p.contains(q) for p in a.prefixes) for q in b.prefixes)
            and all(t.lower() in tags_a for t in b.tags) and all(x.lower() in asgs_a for x in b.asg_ids))  # fmt: skip


def shadows(first: SecurityRule, later: SecurityRule) -> bool:
    return (
        first.direction is later.direction
        and (first.protocol == "*" or first.protocol == later.protocol)
        and _covers(first.source, later.source)
        and _covers(first.destination, later.destination)
        and all(any(p.lo <= q.lo and q.hi <= p.hi for p in first.destination_ports) for q in later.destination_ports)
        and all(any(p.lo <= q.lo and q.hi <= p.hi for p in first.source_ports) for q in later.source_ports)
    )


def check(ctx: Context) -> Iterator[Outcome]:
    for nsg in ctx.estate.nsgs:
        rules = sorted(nsg.rules, key=lambda r: r.priority)
        for i, rule in enumerate(rules):
            what = f"Rule {rule.name} (priority {rule.priority}, {rule.access.value} {rule.direction.value.lower()}) of NSG {nsg.name}"
            by = next((r for r in rules[:i] if shadows(r, rule)), None)
            if by is None:
                yield passed(rule.id, f"{what} is reached by some traffic.") if ctx.list_passed else COUNTED_PASS
            else:
                yield failed(rule.id, f"{what} is never evaluated: rule {by.name} (priority {by.priority}, "
                             f"{by.access.value}) matches all the traffic it names first.")  # fmt: skip


RULE = Rule(
    id="VNP-NSG-001",
    title="NSG security rule is shadowed by a higher-priority rule",
    severity=Severity.MEDIUM,
    rationale=(
        "Security rules are processed in priority order and processing stops at the first match (R3). A rule "
        "entirely covered by an earlier rule of the same direction never takes effect: a Deny that an Allow "
        "shadows leaves the traffic open that its author meant to close."
    ),
    remediation=(
        "Give the rule a lower priority number than the rule that shadows it (az network nsg rule update -g <rg> "
        "--nsg-name <nsg> -n <rule> --priority <n>), or delete it if it is redundant."
    ),
    check=check,
    references=(_docs.NSG_OVERVIEW, _docs.NSG_HOW_IT_WORKS),
    tags=("nsg", "traffic-rules"),
)
