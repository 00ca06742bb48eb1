"""The plan as an ARM deployment template, deployed at subscription scope.

A plan touches several resource groups and often several subscriptions, and one ARM deployment
writes into one resource group; so the template (``az deployment sub create --location <region>
--template-file azuredeploy.json``) holds one nested deployment (``Microsoft.Resources/deployments``)
per change, each with the ``subscriptionId`` and ``resourceGroup`` of its resource and an inner
template with exactly that one resource: ``type``, ``apiVersion``, ``name`` (``parent/child`` for a
child resource, whose parent exists), ``location``/``tags``/``properties`` from the exact REST body,
and ``comments`` with the change's reason. ``dependsOn`` between the deployments follows the plan's
ordering. The plan id is in the template's ``metadata`` and in the deployment names (and the tags of
what is created). A private endpoint's address is a ``reference()`` to its network interface
(evaluated in the inner scope, after the endpoint's deployment). ARM cannot send a peering's
``syncRemoteAddressSpace=true``: the link is written, and its ``comments`` and the template's
``metadata.vnetplan.afterDeployment`` give the ``az network vnet peering sync`` command to run.
"""

from __future__ import annotations

import json
from typing import Any

from netplan.changeset import ChangeSet
from netplan.export._common import Expr, Item, delete_command, header_lines, items, sync_command

SCHEMA = "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
INNER_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
DEPLOYMENTS_API = "2022-09-01"


def _expressions(value: Any) -> Any:
    if isinstance(value, Expr):
        pe = f"reference('{value.pe_id}', '{value.pe_api}')"
        return f"[reference({pe}.networkInterfaces[0].id, '{value.pe_api}').ipConfigurations[0].properties.privateIPAddress]"
    if isinstance(value, dict):
        return {k: _expressions(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expressions(v) for v in value]
    if isinstance(value, str) and value.startswith("["):
        return "[" + value  # a literal that starts with "[" is escaped as "[[" in ARM
    return value


def deployment_name(cs: ChangeSet, it: Item) -> str:
    return f"vnetplan-{cs.plan_id}-{it.n:02d}"[:64]


def _inner_resource(it: Item) -> dict[str, Any]:
    c = it.change
    res: dict[str, Any] = {"type": c.type, "apiVersion": c.api_version, "name": "/".join(it.names)}
    body = _expressions(it.body)
    for key in ("location", "tags"):
        if key in body:
            res[key] = body.pop(key)
    res.update(body)
    comment = c.reason
    if it.sync:
        comment += f". After deployment, resync the link (ARM cannot send syncRemoteAddressSpace=true): {sync_command(it)}"
    res["comments"] = comment
    return res


def to_arm(cs: ChangeSet) -> dict[str, Any]:
    its = items(cs)
    names = {it.label: deployment_name(cs, it) for it in its}
    after: list[str] = []
    resources: list[dict[str, Any]] = []
    for it in its:
        if it.is_delete:
            after.append(f"{it.n}. delete {it.change.id}: not expressed in the template; run {delete_command(it)}")
            continue
        if it.sync:
            after.append(f"{it.n}. resync peering {it.change.id}: {sync_command(it)}")
        dep: dict[str, Any] = {
            "type": "Microsoft.Resources/deployments",
            "apiVersion": DEPLOYMENTS_API,
            "name": names[it.label],
            "subscriptionId": it.subscription,
            "resourceGroup": it.resource_group,
        }
        deps = [names[d] for d in it.deps if d in names and not any(x.label == d and x.is_delete for x in its)]
        if deps:
            dep["dependsOn"] = deps
        dep["properties"] = {
            "mode": "Incremental",
            "expressionEvaluationOptions": {"scope": "inner"},
            "template": {"$schema": INNER_SCHEMA, "contentVersion": "1.0.0.0", "resources": [_inner_resource(it)]},
        }
        resources.append(dep)
    meta: dict[str, Any] = {"planId": cs.plan_id, "description": header_lines(cs, "arm")}
    if after:
        meta["afterDeployment"] = after
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "metadata": {"vnetplan": meta}, "resources": resources}


def render_arm(cs: ChangeSet) -> str:
    return json.dumps(to_arm(cs), indent=2, ensure_ascii=False)
