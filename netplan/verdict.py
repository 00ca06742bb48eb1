"""A plan file records its what-if verdict, and what it was read from, so that apply can judge it.

:func:`plan_document` is the plan file as ``vnetplan plan --out`` (and ``--format json``) writes
it: :meth:`ChangeSet.to_dict` plus

* ``whatif``: ``{"verifies": true|false|null, "summary": "...", "reasons": [...]}`` from
  :func:`netplan.whatif.what_if` (``null`` when the what-if could not tell: an UNKNOWN result
  without a FAIL, or the what-if itself failed — the reason says which);
* ``made_from.observed``: for every resource the changes depend on (the target's parent, a
  peering's remote VNet, an endpoint's subnet, a link's VNet, a zone, an LB frontend...), whether
  it existed, and for VNets their address space — what apply's whole-plan staleness check compares
  with the live estate, without needing the estate files again.

:func:`plan_file_text` is the text of the file at a path (its estate and intent paths made relative
to the plan file, so apply finds them from any directory): ``vnetplan plan --out`` and the TUI's
Save/Apply write exactly this. :func:`recorded_verdict` reads the verdict back; :func:`check_verdict` is apply's rule: a plan
whose what-if says it would not verify is refused unless the user explicitly allows it.
The promise: the verdict in the file is the one the what-if computed on the estate the plan was
made from; a plan without one says "no verdict", never "verifies".
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from netplan.changeset import Change, ChangeSet, depended_ids
from netplan.errors import UsageError
from netplan.ids import rid_key, short_id
from netplan.vocab import Action
from netplan.whatif import what_if


@dataclass(frozen=True)
class Verdict:
    """What the plan's what-if said. ``verifies`` None: it could not tell (or was never run)."""

    verifies: bool | None
    summary: str
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"verifies": self.verifies, "summary": self.summary, "reasons": list(self.reasons)}


def verdict_of(wi: Any) -> Verdict:
    """The verdict of a :class:`netplan.whatif.WhatIf`."""
    reasons: list[str] = []
    statuses: list[str] = []
    for o in wi.outcomes:
        statuses.append(str(o.after))
        if o.after != "PASS":
            reasons.extend(f"{short_id(o.consumer_id)} [{o.method}] {o.after}: {r}" for r in o.after_reasons or ("no reason given",))
    for sv in wi.services:
        statuses.append(str(sv.after))
        if sv.after != "PASS":
            reasons.extend(f"{sv.fqdn} from the provider {sv.after}: {r}" for r in sv.after_reasons or ("no reason given",))
    reasons.extend(f"overlap: {x}" for x in wi.overlaps)
    if wi.would_verify:
        n = len(statuses)
        return Verdict(True, f"the result would verify ({n} check{'s' if n != 1 else ''} PASS)", ())
    if wi.overlaps or "FAIL" in statuses:
        fails = statuses.count("FAIL") + len(wi.overlaps)
        return Verdict(False, f"the result would NOT verify ({fails} failing)", tuple(reasons))
    return Verdict(None, "the what-if cannot tell whether the result would verify (UNKNOWN)", tuple(reasons))


def with_verdict(estate: Any, intent: Any, cs: ChangeSet, whatif: Any = None) -> ChangeSet:
    """The change set with its what-if verdict and what its changes depend on, as apply judges it
    (``whatif``: the :class:`netplan.whatif.WhatIf` when already computed)."""
    try:
        if whatif is None:
            whatif = what_if(estate, intent, cs)
        verdict = verdict_of(whatif)
    except Exception as exc:  # the plan is still useful; the verdict says it could not be made
        verdict = Verdict(None, "the what-if could not be computed", (f"{type(exc).__name__}: {exc}",))
    return replace(cs, whatif=verdict.to_dict(), observed=observed(estate, cs.changes))


def plan_document(estate: Any, intent: Any, cs: ChangeSet, whatif: Any = None) -> dict[str, Any]:
    """The plan file: the change set, its what-if verdict and what its changes depend on."""
    return with_verdict(estate, intent, cs, whatif).to_dict()


def plan_relative(data: Mapping[str, Any], out: str) -> dict[str, Any]:
    """A copy of ``data`` whose estate and intent paths are relative to the plan file ``out``, so
    apply finds them from any directory (``made_from.paths: "plan-relative"``; absolute paths stay
    absolute)."""
    written = copy.deepcopy(dict(data))
    made = written.setdefault("made_from", {})
    base = os.path.dirname(os.path.abspath(out))

    def rel(p: str) -> str:
        return p if not p or os.path.isabs(p) else os.path.relpath(os.path.abspath(p), base)

    made["estate_sources"] = [rel(str(p)) for p in made.get("estate_sources") or []]
    if made.get("intent"):
        made["intent"] = rel(str(made["intent"]))
    made["paths"] = "plan-relative"
    return written


def plan_file_text(data: Mapping[str, Any], out: str) -> str:
    """The plan file's text when written at ``out`` (:func:`plan_document`'s dict, paths made
    plan-relative): what ``vnetplan plan --out`` and the TUI write, byte for byte."""
    return json.dumps(plan_relative(data, out), indent=2) + "\n"


def observed(estate: Any, changes: Sequence[Change]) -> dict[str, Any]:
    """``{resource id: {"exists": bool, "address_prefixes": [...]?}}`` for what the changes depend on.

    Resources the plan itself creates are left out (they cannot exist yet). For a peering, both
    VNets' address spaces are recorded: the peering was planned on them (P3/P4).
    """
    created = {rid_key(c.id) for c in changes if c.action is Action.CREATE}
    out: dict[str, Any] = {}
    for c in changes:
        for ref in depended_ids(c):
            key = rid_key(ref)
            if key in created or any(key.startswith(k + "/") for k in created) or ref in out:
                continue
            res = estate.get(ref) if hasattr(estate, "get") else None
            entry: dict[str, Any] = {"exists": res is not None}
            vnet = estate.vnet(ref) if hasattr(estate, "vnet") else None
            raw = getattr(vnet, "raw", None)
            prefixes = ((raw or {}).get("properties") or {}).get("addressSpace", {}).get("addressPrefixes") if raw else None
            if isinstance(prefixes, list):
                entry["exists"] = True
                entry["address_prefixes"] = list(prefixes)
            out[ref] = entry
    return out


def recorded_verdict(plan: ChangeSet | Mapping[str, Any]) -> Verdict | None:
    """The verdict a plan (or a plan file's content) records, or None when it records none."""
    w = plan.whatif if isinstance(plan, ChangeSet) else plan.get("whatif")
    if not isinstance(w, Mapping):
        return None
    v = w.get("verifies")
    reasons = w.get("reasons")
    listed = tuple(str(r) for r in reasons) if isinstance(reasons, list) else ()
    return Verdict(v if isinstance(v, bool) else None, str(w.get("summary") or ""), listed)


class UnverifiedPlan(UsageError):
    """The plan's what-if says the result would not verify (exit 2)."""


def check_verdict(plan: ChangeSet, file: str, allow_unverified: bool) -> str | None:
    """Apply's rule. Raises :class:`UnverifiedPlan` for a plan whose what-if would not verify
    (unless ``allow_unverified``); returns a note to show when the verdict is unknown or overridden."""
    v = recorded_verdict(plan)
    if v is None:
        return f"{file} records no what-if verdict (made by an older vnetplan or by hand): nothing says the result will verify"
    if v.verifies is False:
        first = f": {v.reasons[0]}" if v.reasons else ""
        if not allow_unverified:
            raise UnverifiedPlan(
                f"{file}: whatif: the plan's what-if says the result would NOT verify{first}; nothing was sent; "
                "fix the plan, or re-run with --allow-unverified to apply it anyway"
            )
        return f"applying a plan whose what-if says the result would NOT verify (--allow-unverified){first}"
    if v.verifies is None:
        return f"the plan's what-if could not tell whether the result will verify: {v.summary}"
    return None
