"""Apply and verify from the TUI: thin glue between the Plan tab's workers and the core's live path.

Everything here runs inside thread workers (``VnetplanApp.apply_changes`` / ``verify_applied``)
and calls the same core functions as ``vnetplan apply [--verify]``: the plan is the planner's
``ChangeSet.to_dict()`` read by :func:`netplan.live.apply.plan_from_dict` (with the estate in
memory, so a peering's address spaces are checked as planned), written by
:func:`netplan.live.apply.apply_plan` with a :class:`~netplan.live.journal.Journal` next to the saved
plan file (so ``vnetplan apply PLAN.json`` can finish or resume it from the shell), and verified
on a fresh :func:`netplan.live.inventory.take_inventory` with
:func:`netplan.verify.verify_connection`, per connection, with the method the plan chose. The
Azure SDK is imported inside functions only (the TUI opens on a snapshot without it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from netplan.estate import Estate
from netplan.ids import parse_id


class ApplyCancelled(Exception):
    """Raised from the executor's progress callback when the user cancelled the apply worker.

    The executor starts no new change after it; the changes in flight finish (never half a write)
    and are journalled.
    """


def target_label(endpoint: str | None) -> str:
    """Where writes go, in words, for the confirmation modal."""
    return f"ARM endpoint {endpoint}" if endpoint else "Azure Resource Manager (management.azure.com)"


def outcomes_after_cancel(plan: Any, seen: Mapping[str, Any], journal_path: str) -> list[Any]:
    """Each step's StepResult after a cancelled run: as reported, else as the journal records it.

    Changes in flight when the user cancelled finished after the last progress report; the
    journal (fsync'd before and after every write) says whether they were written.
    """
    from netplan.live.apply import Outcome, StepResult
    from netplan.live.journal import Journal

    journal = Journal(journal_path, plan.plan_id).load()
    out = []
    for step in plan.steps:
        if step.change_id in seen:
            out.append(seen[step.change_id])
            continue
        state = journal.state(step.change_id)
        res = StepResult(step)
        if state.last == "done":
            res.outcome = Outcome.DONE
        elif state.last == "already":
            res.outcome = Outcome.ALREADY
        elif state.last == "failed":
            res.outcome, res.message = Outcome.FAILED, state.reason
        elif state.started:
            res.message = "in flight when cancelled: re-run the apply to finish it (the journal knows)"
        else:
            res.message = "not started: cancelled"
        out.append(res)
    return out


def subscriptions_to_read(estate: Estate, plan: Any) -> tuple[str, ...]:
    """What to re-inventory: the loaded estate's subscriptions plus every one the plan writes in."""
    subs = set(estate.subscriptions)
    subs |= {parse_id(s.resource_id).subscription for s in plan.steps}
    subs |= {parse_id(str(c.get("consumer", ""))).subscription for c in plan.connections}
    subs.discard("")
    return tuple(sorted(subs))


def fresh_estate(snapshot: Mapping[str, Any], declarations: Mapping[str, Any]) -> Estate:
    """The inventory read after apply, as an Estate, keeping the user's declarations.

    An inventory holds only what Azure returns; on-prem prefixes, forwarders and DNS forwarders
    are the user's declarations and would otherwise be lost, turning a verdict that depends on
    them into a different one.
    """
    from netplan.loader import parse_declarations, parse_snapshots, snapshot_from_data

    data = dict(snapshot)
    if declarations:
        data["declarations"] = dict(declarations)
    parsed = parse_snapshots([snapshot_from_data(data, "<inventory after apply>")])
    return Estate.build(parsed, [parse_declarations(f, d) for f, d in parsed.declarations])


def verify_after_apply(
    estate: Estate,
    intent: Any,
    plan: Any,
    endpoint: str | None,
    ca_bundle: str | None,
    log: Callable[[str], None],
) -> tuple[list[Any], Estate]:
    """Re-inventory (GET requests only), then verify each connection of ``intent`` on the result.

    Returns the :class:`netplan.verify.ConnectionVerification` per connection (intent order) and
    the fresh Estate. Raises :class:`netplan.live.inventory.LiveError` when Azure cannot be read
    and :class:`netplan.errors.InputError` when the intent no longer matches the estate (a VNet it
    names is gone): both exit 2 in the CLI, a notification here.
    """
    from netplan.intent import parse_intent
    from netplan.live.credentials import make_credential
    from netplan.live.inventory import InventoryOptions, take_inventory
    from netplan.verify import verify_connection

    subs = subscriptions_to_read(estate, plan)
    log(f"re-inventorying {len(subs)} subscription(s) to verify")
    inv = take_inventory(make_credential(), InventoryOptions(subscriptions=subs, endpoint=endpoint, ca_bundle=ca_bundle),
                         show_progress=False)  # fmt: skip
    fresh = fresh_estate(inv.snapshot, estate.declarations_dict())
    log(f"read {len(fresh.vnets)} VNet(s); verifying {len(intent.connections)} connection(s)")
    # The intent's references are resolved again against what Azure holds now.
    live_intent = parse_intent(intent.file, dict(intent.source), {}, fresh)
    methods = {str(c["consumer"]).lower(): str(c["method"]) for c in plan.connections}
    results = []
    for conn in live_intent.connections:
        apps: Sequence[str] = () if conn.wildcard else conn.apps
        method = methods.get(conn.consumer_vnet_id.lower(), conn.method.value)
        results.append(verify_connection(fresh, live_intent.provider.vnet_id, conn.consumer_vnet_id,
                                         live_intent.provider.app_domain, apps, method))  # fmt: skip
    return results, fresh
