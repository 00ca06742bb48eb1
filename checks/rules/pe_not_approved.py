"""VNP-PE-001: a private endpoint whose connection is not Approved.

PASS: every connection of the endpoint is Approved. FAIL: one is Pending (waiting for the service
owner), Rejected or Disconnected: the endpoint has an address but carries no traffic. One finding
per private endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.ids import name_of
from netplan.model import ConnectionStatus


def check(ctx: Context) -> Iterator[Outcome]:
    for pe in ctx.estate.private_endpoints:
        if not pe.connections:
            yield unknown(pe.id, f"Private endpoint {pe.name} lists no connection, so its approval state is unknown.")
            continue
        bad = [c for c in pe.connections if c.status is not ConnectionStatus.APPROVED]
        if bad:
            text = ", ".join(f"{c.name} to {name_of(c.target_id)} is {c.status.value}" for c in bad)
            yield failed(pe.id, f"Private endpoint {pe.name}: connection {text}, so it carries no traffic.")
        else:
            targets = ", ".join(name_of(c.target_id) for c in pe.connections)
            yield passed(pe.id, f"Private endpoint {pe.name}'s connection to {targets} is Approved.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-PE-001",
    title="Private endpoint connection is not Approved",
    severity=Severity.HIGH,
    rationale=(
        "A private endpoint carries traffic only once the service side approves its connection; Pending, "
        "Rejected and Disconnected endpoints keep an address that leads nowhere."
    ),
    remediation=(
        "The service owner approves it: az network private-endpoint-connection approve --id <connection-id> "
        "--description <why>; a Rejected or Disconnected endpoint must be deleted and re-created."
    ),
    check=check,
    references=(_docs.PE_MANAGE,),
    tags=("private-link", "private-endpoint", "connectivity"),
)
