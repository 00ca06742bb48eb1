"""Azure Policy for the emulator: a configurable deny rule, ``checkPolicyRestrictions``, and
``RequestDisallowedByPolicy`` on writes it denies.

A :class:`PolicyDeny` (in :class:`~tests.emulator.faults.FaultConfig` ``policy_deny``) denies
creating or updating resources of one type (``Microsoft.Network/privateDnsZones``; a trailing ``*``
matches any suffix) under a scope (a subscription or resource group id; every scope when empty),
as an Azure landing zone's "deny private DNS zones outside the connectivity subscription"
assignment does. Then:

* ``POST {subscription or resource group}/providers/Microsoft.PolicyInsights/checkPolicyRestrictions``
  (api-version 2022-03-01; the shape of the official example
  ``PolicyRestrictions_CheckAtResourceGroupScope.json``) answers, for the ``resourceContent`` asked
  about, ``contentEvaluationResult.policyEvaluations`` with one ``NonCompliant`` entry per deny that
  matches its type at that scope (``policyInfo`` naming the assignment and definition), and empty
  ``fieldRestrictions``;
* a PUT or PATCH of such a resource answers 403 ``RequestDisallowedByPolicy`` with ARM's message
  ("Resource 'x' was disallowed by policy. Policy identifiers: '[...]'.") and an ``additionalInfo``
  entry of type ``PolicyViolation`` naming the assignment.

The check is a read: it changes nothing and is not counted as a write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import ArmError

CHECK_SUFFIX = "/providers/microsoft.policyinsights/checkpolicyrestrictions"


@dataclass
class PolicyDeny:
    """Deny writes of ``type`` under ``scope``, by the named policy assignment."""

    type: str
    scope: str = ""
    assignment: str = "deny-private-dns-zones"
    display_name: str = "Deny private DNS zones outside the connectivity subscription"
    definition: str = "Deny-Private-DNS-Zones"

    def assignment_id(self) -> str:
        base = self.scope.rstrip("/") if self.scope else "/providers/Microsoft.Management/managementGroups/corp"
        return f"{base}/providers/Microsoft.Authorization/policyAssignments/{self.assignment}"

    def definition_id(self) -> str:
        return f"/providers/Microsoft.Authorization/policyDefinitions/{self.definition}"

    def matches(self, rtype: str, where: str) -> bool:
        t, want = rtype.lower(), self.type.lower()
        if not (t == want or (want.endswith("*") and t.startswith(want[:-1]))):
            return False
        s = self.scope.lower().rstrip("/")
        w = where.lower().rstrip("/")
        return not s or w == s or w.startswith(s + "/")


def is_check_path(path: str) -> bool:
    return path.lower().rstrip("/").endswith(CHECK_SUFFIX)


def check(denies: list[PolicyDeny], path: str, body: Any) -> tuple[int, dict[str, Any]]:
    """Answer a checkPolicyRestrictions POST: (status, body)."""
    scope = path[: len(path.rstrip("/")) - len(CHECK_SUFFIX)]
    details = (body or {}).get("resourceDetails") if isinstance(body, dict) else None
    content = (details or {}).get("resourceContent") if isinstance(details, dict) else None
    if not isinstance(content, dict) or not isinstance(content.get("type"), str):
        raise ArmError(400, "InvalidCheckRestrictionsRequest", "The request must carry resourceDetails.resourceContent with a type.")
    rtype = content["type"]
    evaluations = []
    for d in denies:
        if d.matches(rtype, scope):
            evaluations.append({
                "policyInfo": {"policyDefinitionId": d.definition_id(), "policyAssignmentId": d.assignment_id(),
                               "policySetDefinitionId": "", "policyDefinitionReferenceId": ""},
                "evaluationResult": "NonCompliant",
                "evaluationDetails": {"evaluatedExpressions": [{
                    "result": "True", "expressionKind": "field", "expression": "type", "path": "type",
                    "expressionValue": rtype.lower(), "targetValue": d.type.lower(), "operator": "equals"}]},
            })  # fmt: skip
    return 200, {"fieldRestrictions": [], "contentEvaluationResult": {"policyEvaluations": evaluations}}


def enforce(denies: list[PolicyDeny], rtype: str, resource_id: str, name: str) -> None:
    """Raise 403 RequestDisallowedByPolicy when a deny matches this write."""
    for d in denies:
        if d.matches(rtype, resource_id):
            ids = [{"policyAssignment": {"name": d.display_name, "id": d.assignment_id()},
                    "policyDefinition": {"name": d.definition, "id": d.definition_id()}}]  # fmt: skip
            err = ArmError(
                403, "RequestDisallowedByPolicy",
                f"Resource '{name}' was disallowed by policy. Policy identifiers: '{json.dumps(ids, separators=(',', ':'))}'.",
            )  # fmt: skip
            err.additional_info = [{"type": "PolicyViolation", "info": {
                "policyDefinitionDisplayName": d.display_name, "evaluationDetails": {"evaluatedExpressions": []},
                "policyDefinitionId": d.definition_id(), "policyDefinitionName": d.definition,
                "policyDefinitionEffect": "deny", "policyAssignmentId": d.assignment_id(),
                "policyAssignmentName": d.assignment, "policyAssignmentDisplayName": d.display_name,
                "policyAssignmentScope": d.scope or "/providers/Microsoft.Management/managementGroups/corp",
                "policyExemptionIds": []}}]  # fmt: skip
            raise err
