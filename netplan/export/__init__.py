"""The plan as infrastructure code: Terraform (azapi), Bicep and an ARM deployment template.

Teams that change Azure only through reviewed infrastructure code get the same plan ``vnetplan
apply`` would execute, as code they can commit: :func:`render_iac` turns a
:class:`netplan.plan.ChangeSet` into one of :data:`IAC_FORMATS`. The exporters read each change
generically (type, api-version, resource ID, body, dependencies, query parameters, placeholders),
so they follow the planner without knowing why a change is there.

The promise, for every format: one resource per change, with the exact body the SDK would send
(the plan's body with the ownership tags or record metadata ``vnetplan apply`` adds to what it
creates), in the plan's dependency order, and the plan id in a comment (and in the tags of what is
created). What a declarative tool cannot express is never dropped silently: the peering resync
(``syncRemoteAddressSpace=true``) is an ``azapi_resource_action`` in Terraform and a comment with
the ``az network vnet peering sync`` command in Bicep and ARM; a delete is a comment saying how.
A private endpoint's address, known only after Azure assigns it, is an expression that reads it
from the endpoint's network interface, never an invented value.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from netplan.export.arm import render_arm
from netplan.export.bicep import render_bicep
from netplan.export.terraform import render_terraform

if TYPE_CHECKING:
    from netplan.changeset import ChangeSet

#: ``vnetplan plan --format`` values that write infrastructure code.
IAC_FORMATS: tuple[str, ...] = ("terraform", "bicep", "arm")


def render_iac(cs: ChangeSet, fmt: str) -> dict[str, str]:
    """The plan as files: relative path -> text (``main.tf``; ``main.bicep`` + ``modules/*.bicep``;
    ``azuredeploy.json``)."""
    if fmt == "terraform":

        return {"main.tf": render_terraform(cs)}
    if fmt == "bicep":

        return render_bicep(cs)
    if fmt == "arm":

        return {"azuredeploy.json": render_arm(cs)}
    raise ValueError(f"unknown infrastructure-code format {fmt!r}")


def write_iac(files: dict[str, str], out_dir: Path) -> list[Path]:
    """Write the files under ``out_dir`` (created); the paths written, in order."""
    written = []
    for rel, text in files.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        written.append(path)
    return written


__all__ = ["IAC_FORMATS", "render_iac", "write_iac"]
