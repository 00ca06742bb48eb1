"""VNP-GAP-001: part of the estate could not be read, so every rule is blind there.

A snapshot (or a live inventory with partial results) records what it could not read: a
subscription the identity may not list, a resource kind that failed. Rules that look at a resource
near a gap answer UNKNOWN, but resources inside an unread subscription are simply absent, and no
rule can report on what it never sees. This rule makes each gap visible on its own.

UNKNOWN: one finding per recorded gap (resource = the gap's scope). PASS: one finding per
subscription of the estate that no gap covers. There is no FAIL: a gap is not a defect of the
network, it is a limit of what this audit can say.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, passed, unknown
from checks.rules import _docs


def check(ctx: Context) -> Iterator[Outcome]:
    est = ctx.estate
    for g in est.gaps:
        scope = g.scope or "*"
        yield unknown(
            scope, f"The snapshot could not read {g.kind} in {scope} ({g.reason}): no rule can judge what is there.", g.kind
        )
    for sub in est.subscriptions:
        sid = f"/subscriptions/{sub}"
        if not est.gaps_for(sid):
            yield passed(sid, f"Subscription {sub} was read without recorded gaps.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-GAP-001",
    title="Part of the estate could not be read",
    severity=Severity.HIGH,
    rationale=(
        "An audit that silently skips a subscription it could not read reports a clean estate it never saw; "
        "each recorded gap is reported so the result is read for what it covers."
    ),
    remediation=(
        "Grant the auditing identity Reader on the scope (az role assignment create --assignee <id> --role Reader "
        "--scope <scope>) and take the inventory again (vnetplan inventory --out estate.json)."
    ),
    check=check,
    references=(_docs.RBAC_ASSIGN,),
    tags=("coverage",),
)
