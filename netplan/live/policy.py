"""Azure Policy before and during apply: would the planned resources be allowed?

Azure landing zones deny private DNS zones (and more) outside the connectivity subscription with
Azure Policy (A1). :func:`check_policy` asks, before the first write, for every resource the plan
creates or updates: ``POST {resource group}/providers/Microsoft.PolicyInsights/checkPolicyRestrictions``
(azure-mgmt-policyinsights, ``policy_restrictions.check_at_resource_group_scope``, api-version
2022-03-01) with the resource's type and body; a ``NonCompliant`` evaluation names the policy
assignment that would deny it. :func:`policy_violation` turns a ``RequestDisallowedByPolicy`` error
met during the run (ARM's 403, with an ``additionalInfo`` of type ``PolicyViolation``, or the
"Policy identifiers" list in its message) into the assignment's name and id.

The promise: a denial found before writing stops the apply with nothing written, naming the
assignment; a check that cannot be made is reported as such (never as "allowed"); only POSTs
of the check are sent, which change nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from netplan.ids import parent_id, parse_id, short_id
from netplan.live.credentials import redact

CHECK_API = "2022-03-01"


@dataclass(frozen=True)
class Denial:
    """Change ``change_id`` would be denied by the policy assignment ``assignment_id``."""

    change_id: str
    resource_id: str
    assignment_id: str
    definition_id: str = ""

    def sentence(self) -> str:
        name = self.assignment_id.rstrip("/").rsplit("/", 1)[-1] or "?"
        return (f"Azure Policy would deny change {self.change_id} ({short_id(self.resource_id)}): policy assignment "
                f"'{name}' ({self.assignment_id})")  # fmt: skip


@dataclass(frozen=True)
class Unknown:
    """The policy check could not be made for a change (reason in words)."""

    change_id: str
    reason: str


#: A checker: (resource group scope id, request body) -> the response body; raises when it cannot tell.
Checker = Callable[[str, Mapping[str, Any]], Mapping[str, Any]]


def request_for(step: Any) -> dict[str, Any]:
    """The checkPolicyRestrictions request for one change: its type, name, location and body."""
    body = dict(step.body or {})
    content: dict[str, Any] = {"type": parse_id(step.id).type or step.type, "name": parse_id(step.id).name}
    for k in ("location", "tags", "properties", "kind", "sku"):
        if k in body:
            content[k] = body[k]
    details: dict[str, Any] = {"resourceContent": content}
    if step.api_version:
        details["apiVersion"] = step.api_version
    if len(parse_id(step.id).types) > 1:
        details["scope"] = parent_id(step.id)  # a child: where it is created
    return {"resourceDetails": details}


def check_policy(steps: Iterable[Any], check: Checker) -> tuple[list[Denial], list[Unknown]]:
    """Every change (creates and updates) Azure Policy would deny, and those it could not check."""
    denials: list[Denial] = []
    unknown: list[Unknown] = []
    for s in steps:
        if str(getattr(s.action, "value", s.action)) == "delete":
            continue
        p = parse_id(s.id)
        scope = f"/subscriptions/{p.subscription}/resourceGroups/{p.resource_group}"
        try:
            result = check(scope, request_for(s))
        except Exception as exc:  # cannot tell: said so, never taken as "allowed"
            unknown.append(Unknown(s.key, _reason(exc)))
            continue
        evaluations = ((result.get("contentEvaluationResult") or {}).get("policyEvaluations")) or []
        for ev in evaluations:
            if str(ev.get("evaluationResult", "")).lower() == "noncompliant":
                info = ev.get("policyInfo") or {}
                denials.append(Denial(s.key, s.id, str(info.get("policyAssignmentId") or "an unnamed assignment"),
                                      str(info.get("policyDefinitionId") or "")))  # fmt: skip
    return denials, unknown


def sdk_checker(clients: Any) -> Checker:
    """A :data:`Checker` through azure-mgmt-policyinsights (the apply run's credential and endpoint)."""

    def check(scope: str, request: Mapping[str, Any]) -> Mapping[str, Any]:
        from azure.mgmt.policyinsights.models import CheckRestrictionsRequest

        p = parse_id(scope)
        client = clients.policy(p.subscription)
        model = CheckRestrictionsRequest.from_dict(dict(request))
        result = client.policy_restrictions.check_at_resource_group_scope(p.resource_group, model, api_version=CHECK_API)
        return result if isinstance(result, Mapping) else dict(result.serialize(keep_readonly=True))

    return check


def _reason(exc: BaseException) -> str:

    status = getattr(exc, "status_code", None)
    text = " ".join(str(getattr(getattr(exc, "error", None), "message", None) or exc).split())[:200]
    return redact(f"HTTP {status}: {text}" if status else text)


_IDENTIFIERS = re.compile(r"Policy identifiers:\s*'(\[.*\])'", re.DOTALL)


def policy_violation(exc: BaseException) -> tuple[str, str] | None:
    """(assignment name, assignment id) of a ``RequestDisallowedByPolicy`` error, else None."""
    err = getattr(exc, "error", None)
    if str(getattr(err, "code", "") or "") != "RequestDisallowedByPolicy":
        return None
    for extra in getattr(err, "additional_info", None) or []:
        info = getattr(extra, "info", None) or (extra.get("info") if isinstance(extra, Mapping) else None) or {}
        kind = getattr(extra, "type", None) or (extra.get("type") if isinstance(extra, Mapping) else None)
        if str(kind) == "PolicyViolation" and isinstance(info, Mapping) and info.get("policyAssignmentId"):
            name = info.get("policyAssignmentDisplayName") or info.get("policyAssignmentName") or ""
            return str(name), str(info["policyAssignmentId"])
    m = _IDENTIFIERS.search(str(getattr(err, "message", "") or ""))
    if m:
        try:
            ids = json.loads(m.group(1))
            a = (ids[0] or {}).get("policyAssignment") or {}
            return str(a.get("name") or ""), str(a.get("id") or "")
        except (ValueError, IndexError, AttributeError, TypeError):
            pass
    return "", ""
