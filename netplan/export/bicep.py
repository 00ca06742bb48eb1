"""The plan as Bicep: ``main.bicep`` (subscription scope) with one module per change, and one small
module file per resource shape under ``modules/``.

Bicep deploys a resource only into the scope of its file, and a plan writes into several resource
groups (often several subscriptions), so ``main.bicep`` (``az deployment sub create --location
<region> --template-file main.bicep``) instantiates, for each change, a module scoped to
``resourceGroup('<subscription>', '<group>')``. Each module file declares the parent as an
``existing`` resource and exactly one resource of the change's ``type@api-version``; the change's
exact REST body arrives as parameters (``location``, ``tags``, ``properties``). Module ``dependsOn``
follows the plan's ordering; the plan id is in the header comment, the module deployment names and
the tags of what is created. A private endpoint's module outputs the address Azure assigned (read
from its network interface), which the record that needs it takes as ``<module>.outputs.privateIp``.
Bicep cannot send a peering's ``syncRemoteAddressSpace=true``: the link is written, and a comment
gives the ``az network vnet peering sync`` command to run after the deployment.
"""

from __future__ import annotations

import json
import re
from typing import Any

from netplan.changeset import ChangeSet
from netplan.export._common import (
    T_PE,
    Expr,
    Item,
    change_comment,
    delete_comment,
    endpoint_reads,
    header_comment,
    items,
    sync_command,
    text_of,
)

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYS = ("location", "tags", "properties")


def _string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("${", "\\${").replace("\n", "\\n") + "'"


def bicep_value(value: Any, indent: int, exprs: dict[str, str]) -> str:
    """``value`` as a Bicep expression (multi-line objects and arrays, no commas)."""
    pad = "  " * indent
    if isinstance(value, Expr):
        return exprs[value.pe_id.lower()]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"json('{json.dumps(value)}')"  # Bicep has no float literal
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = ["{"]
        for k, v in value.items():
            key = k if _IDENT.match(k) else _string(k)
            lines.append(f"{pad}  {key}: {bicep_value(v, indent + 1, exprs)}")
        lines.append(f"{pad}}}")
        return "\n".join(lines)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        return "\n".join(["[", *(f"{pad}  {bicep_value(v, indent + 1, exprs)}" for v in value), f"{pad}]"])
    raise TypeError(f"cannot write {type(value).__name__} as Bicep")


def _shape(it: Item) -> tuple[str, str, bool, tuple[str, ...], bool]:
    keys = tuple(k for k in _KEYS if k in it.body)
    return (it.change.type, it.change.api_version, len(it.names) > 1, keys, it.change.type.lower() == T_PE)


def module_path(shape: tuple[str, str, bool, tuple[str, ...], bool]) -> str:
    rtype, api, _, keys, _ = shape
    kind = rtype.rsplit("/", 1)[-1]
    return f"modules/{kind}.{api}.{'-'.join(keys) or 'empty'}.bicep"


def _module_file(shape: tuple[str, str, bool, tuple[str, ...], bool]) -> str:
    rtype, api, child, keys, is_pe = shape
    lines = [f"// One {rtype} (api {api}), written by a vnetplan plan: the exact REST body comes as parameters."]
    lines.append("")
    if child:
        lines.append("@description('Name of the existing parent resource')")
        lines.append("param parentName string")
    lines.append("param name string")
    for k in keys:
        lines.append(f"param {k} {'string' if k == 'location' else 'object'}")
    lines.append("")
    if child:
        parent_type = rtype.rsplit("/", 1)[0]
        lines += [f"resource parentResource '{parent_type}@{api}' existing = {{", "  name: parentName", "}", ""]
    lines.append(f"resource res '{rtype}@{api}' = {{")
    if child:
        lines.append("  parent: parentResource")
    lines.append("  name: name")
    lines += [f"  {k}: {k}" for k in keys]
    lines.append("}")
    lines.append("")
    lines.append("output id string = res.id")
    if is_pe:
        lines.append("@description('The private IP Azure assigned to the endpoint (from its network interface)')")
        lines.append(
            f"output privateIp string = reference(res.properties.networkInterfaces[0].id, '{api}')"
            ".ipConfigurations[0].properties.privateIPAddress"
        )
    return "\n".join(lines) + "\n"


def render_bicep(cs: ChangeSet) -> dict[str, str]:
    its = items(cs)
    exprs: dict[str, str] = {}
    for pe_id, pe, user in endpoint_reads(its):
        api = pe.change.api_version if pe else user.change.api_version
        exprs[pe_id.lower()] = (
            f"{pe.label}.outputs.privateIp"
            if pe is not None
            else f"reference(reference('{pe_id}', '{api}').networkInterfaces[0].id, '{api}')"
            ".ipConfigurations[0].properties.privateIPAddress"
        )
    deleted = {it.label for it in its if it.is_delete}
    modules: dict[str, str] = {}
    out = header_comment(cs, "bicep", "//")
    out += ["// Deploy: az deployment sub create --location <region> --template-file main.bicep", ""]
    out += ["targetScope = 'subscription'", ""]
    for it in its:
        out += change_comment(it, "//")
        if it.is_delete:
            out += [*delete_comment(it, "//", "it from the template"), ""]
            continue
        shape = _shape(it)
        path = module_path(shape)
        modules.setdefault(path, _module_file(shape))
        params: dict[str, Any] = {}
        if len(it.names) > 1:
            params["parentName"] = "/".join(it.names[:-1])
        params["name"] = it.name
        for k in shape[3]:
            params[k] = it.body[k]
        out.append(f"module {it.label} '{path}' = {{")
        out.append(f"  name: {_string(f'vnetplan-{cs.plan_id}-{it.n:02d}'[:64])}")
        out.append(f"  scope: resourceGroup({_string(it.subscription)}, {_string(it.resource_group)})")
        out.append(f"  params: {bicep_value(params, 1, exprs)}")
        deps = [d for d in it.deps if d not in deleted]
        if deps:
            out.append("  dependsOn: [")
            out += [f"    {d}" for d in deps]
            out.append("  ]")
        out.append("}")
        if it.sync:
            out += ["// Bicep cannot send syncRemoteAddressSpace=true: after the deployment, resync the link with",
                    f"// {sync_command(it)}"]  # fmt: skip
        out.append("")
    return {"main.bicep": text_of(out), **dict(sorted(modules.items()))}
