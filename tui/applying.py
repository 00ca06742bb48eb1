"""Apply and verify from the TUI: thin glue between the Plan tab's workers and the core's live path.

Everything here runs inside thread workers (``VnetplanApp.apply_changes`` / ``verify_applied``)
and calls the same core functions as ``vnetplan apply [--verify]``: the plan is the file
``vnetplan plan --out`` writes (:func:`netplan.verdict.plan_document`, with its what-if verdict),
read by :func:`netplan.changeset.read_plan` (with the estate in memory, so a peering's
address spaces are checked as planned), written by
:func:`netplan.live.apply.apply_plan` with a :class:`~netplan.live.journal.Journal` next to the saved
plan file (so ``vnetplan apply PLAN.json`` can finish or resume it from the shell), and verified
on a fresh inventory by :func:`netplan.live.postapply.verify_after_apply` (the same function the
CLI uses). The Azure SDK is imported inside functions only (the TUI opens on a snapshot without it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from netplan.live.apply import ChangeResult, Outcome
from netplan.live.journal import Journal

# Re-exported for the app's workers; the logic is the core's.
from netplan.live.postapply import fresh_estate, subscriptions_to_read, verify_after_apply

__all__ = ["ApplyCancelled", "fresh_estate", "outcomes_after_cancel", "subscriptions_to_read", "target_label",
           "verify_after_apply"]


class ApplyCancelled(Exception):
    """Raised from the executor's progress callback when the user cancelled the apply worker.

    The executor starts no new change after it; the changes in flight finish (never half a write)
    and are journalled.
    """


#: The ARM hosts of the Azure clouds, by the name a user knows them by.
CLOUDS = {
    "management.azure.com": "Azure",
    "management.usgovcloudapi.net": "Azure US Government",
    "management.chinacloudapi.cn": "Azure operated by 21Vianet",
}  # fmt: skip


def target_label(endpoint: str | None) -> str:
    """Where writes go, in words, for the title and the confirmation modal: Azure (which cloud), or
    an endpoint on this machine (the ARM emulator: not Azure), or another endpoint by its URL."""
    if not endpoint:
        return "Azure Resource Manager (management.azure.com)"
    host = (urlsplit(endpoint).hostname or "").lower()
    if host in CLOUDS:
        return f"{CLOUDS[host]} ({endpoint})"
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return f"local ARM emulator {endpoint} (not Azure)"
    return f"ARM endpoint {endpoint}"


def outcomes_after_cancel(plan: Any, seen: Mapping[str, Any], journal_path: str) -> list[Any]:
    """Each step's ChangeResult after a cancelled run: as reported, else as the journal records it.

    Changes in flight when the user cancelled finished after the last progress report; the
    journal (fsync'd before and after every write) says whether they were written.
    """

    journal = Journal(journal_path, plan.plan_id).load()
    out = []
    for step in plan.changes:
        if step.key in seen:
            out.append(seen[step.key])
            continue
        state = journal.state(step.key)
        res = ChangeResult(step)
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


