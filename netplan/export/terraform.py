"""The plan as Terraform with the azapi provider (Azure/azapi 2.x): one ``azapi_resource`` per change.

Each resource has ``type = "<type>@<api-version>"``, ``name``, ``parent_id`` (the parent resource's
ID, the resource group's for a top-level resource), ``location`` and ``tags`` when the body has them
(azapi sends them in the body), ``body`` with the rest of the exact REST body, and ``depends_on``
from the plan's ordering. A resource the plan updates exists already: an ``import`` block
(``<id>?api-version=<version>``, Terraform 1.5+) brings it under this configuration first. A
peering resync is an ``azapi_resource_action`` (``method = "PUT"``, ``query_parameters =
{ syncRemoteAddressSpace = ["true"] }``) after the link, because an imported link whose body is
unchanged is never written again. A record that needs a private endpoint's IP reads it from the
endpoint's network interface (``data "azapi_resource"``), once Azure has assigned it. A delete is a
comment: declarative code deletes by removing the resource from the configuration that manages it.
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
    comment,
    delete_comment,
    endpoint_reads,
    header_comment,
    items,
    text_of,
)
from netplan.vocab import Action

#: The provider version constraint written in ``required_providers``.
AZAPI_VERSION = "~> 2.0"
_BARE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _string(text: str) -> str:
    # JSON escapes are valid HCL escapes; ${ and %{ would start a template sequence.
    return json.dumps(text, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


def _nic_data_label(pe_label: str) -> str:
    return f"{pe_label}_nic"


def hcl(value: Any, indent: int, exprs: dict[str, str]) -> str:
    """``value`` as an HCL expression (objects and tuples across lines)."""
    pad = "  " * indent
    if isinstance(value, Expr):
        return exprs[value.pe_id.lower()]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = ["{"]
        for k, v in value.items():
            key = k if _BARE_KEY.match(k) else _string(k)
            lines.append(f"{pad}  {key} = {hcl(v, indent + 1, exprs)}")
        lines.append(f"{pad}}}")
        return "\n".join(lines)
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        inner = [f"{pad}  {hcl(v, indent + 1, exprs)}," for v in value]
        return "\n".join(["[", *inner, f"{pad}]"])
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def _resource(it: Item, exprs: dict[str, str], needs_nic: set[str]) -> list[str]:
    c = it.change
    body = dict(it.body)
    location = body.pop("location", None)
    tags = body.pop("tags", None)
    out = [f'resource "azapi_resource" "{it.label}" {{']
    out.append(f"  type      = {_string(it.type_api)}")
    out.append(f"  name      = {_string(it.name)}")
    out.append(f"  parent_id = {_string(it.parent_id)}")
    if location is not None:
        out.append(f"  location  = {_string(str(location))}")
    if tags is not None:
        out.append(f"  tags      = {hcl(tags, 1, exprs)}")
    out.append(f"  body      = {hcl(body, 1, exprs)}")
    if it.sync:
        out.append('  update_query_parameters = { syncRemoteAddressSpace = ["true"] }')
    if c.type.lower() == T_PE and it.label in needs_nic:
        out.append('  response_export_values = ["properties.networkInterfaces"]')
    if it.deps:
        out.append("  depends_on = [" + ", ".join(f"azapi_resource.{d}" for d in it.deps) + "]")
    out.append("}")
    return out


def _nic_block(label: str, pe_name: str, api: str, nic_id: str) -> list[str]:
    return [
        f"# The IP Azure assigned to private endpoint {pe_name}, read from its network interface.",
        f'data "azapi_resource" "{label}" {{',
        f'  type                   = "Microsoft.Network/networkInterfaces@{api}"',
        f"  resource_id            = {nic_id}",
        '  response_export_values = ["properties.ipConfigurations"]',
        "}",
        "",
    ]


def render_terraform(cs: ChangeSet) -> str:
    its = items(cs)
    exprs: dict[str, str] = {}
    after: dict[str, list[str]] = {}  # planned endpoint label -> the NIC read that follows it
    unplanned: list[str] = []  # reads of endpoints that exist already
    for pe_id, pe, user in endpoint_reads(its):
        pe_name = pe_id.rstrip("/").rsplit("/", 1)[-1]
        if pe is not None:
            label = _nic_data_label(pe.label)
            nic_id = f"azapi_resource.{pe.label}.output.properties.networkInterfaces[0].id"
            after[pe.label] = _nic_block(label, pe_name, pe.change.api_version, nic_id)
        else:
            label = _nic_data_label(f"pe_{len(exprs) + 1}")
            api = user.change.api_version
            unplanned += [
                f'data "azapi_resource" "{label}_pe" {{',
                f'  type                   = "Microsoft.Network/privateEndpoints@{api}"',
                f"  resource_id            = {_string(pe_id)}",
                '  response_export_values = ["properties.networkInterfaces"]',
                "}",
                "",
                *_nic_block(label, pe_name, api, f"data.azapi_resource.{label}_pe.output.properties.networkInterfaces[0].id"),
            ]
        exprs[pe_id.lower()] = f"data.azapi_resource.{label}.output.properties.ipConfigurations[0].properties.privateIPAddress"
    needs_nic = set(after)
    out = header_comment(cs, "terraform", "#")
    out += [
        "",
        "terraform {",
        '  required_version = ">= 1.5"',
        "  required_providers {",
        "    azapi = {",
        '      source  = "Azure/azapi"',
        f'      version = "{AZAPI_VERSION}"',
        "    }",
        "  }",
        "}",
        "",
        'provider "azapi" {}',
        "",
        *unplanned,
    ]
    for it in its:
        c = it.change
        out += change_comment(it, "#")
        if it.is_delete:
            out += [*delete_comment(it, "#", "this resource from the configuration"), ""]
            continue
        if c.action is Action.UPDATE:
            out += ["import {", f"  to = azapi_resource.{it.label}",
                    f"  id = {_string(f'{c.id}?api-version={c.api_version}')}", "}"]  # fmt: skip
        out += _resource(it, exprs, needs_nic)
        if it.sync:
            out += comment(
                "Resync the link with the remote VNet's address space (P4): a PUT with syncRemoteAddressSpace=true.\n"
                "An imported link whose body is unchanged is never written again, so the sync is its own action.",
                "#",
            )
            body = {k: v for k, v in it.body.items() if k not in ("location", "tags")}
            out += [
                f'resource "azapi_resource_action" "{it.label}_sync" {{',
                f"  type             = {_string(it.type_api)}",
                f"  resource_id      = azapi_resource.{it.label}.id",
                '  method           = "PUT"',
                f"  body             = {hcl(body, 1, exprs)}",
                '  query_parameters = { syncRemoteAddressSpace = ["true"] }',
                f"  depends_on       = [azapi_resource.{it.label}]",
                "}",
            ]
        out.append("")
        out += after.get(it.label, [])
    return text_of(out)
