"""``vnetplan plan --format terraform|bicep|arm``: the plan as infrastructure code.

Each output is parsed (Terraform with python-hcl2, the ARM template as JSON, Bicep with a small
reader of the subset vnetplan writes) and every resource is checked against the plan: its type and
api-version, where it goes (parent, subscription, resource group), the exact body ``vnetplan apply``
would send, and its dependencies. Golden files lock the sample plan in all three formats.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import hcl2
import pytest

from netplan.changeset import Change, ChangeSet
from netplan.export import render_iac
from netplan.export._common import items, sent_body
from netplan.vocab import Action
from vnetplan.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "iac"
UPDATE = os.environ.get("VNETPLAN_UPDATE_GOLDEN") == "1"
PRIVATE_LINK_PLAN = ROOT / "tests" / "golden" / "plan_private_link.json"


def sample_plan(tmp_path: Path) -> ChangeSet:
    out = tmp_path / "plan.json"
    main(["plan", "--estate", "samples/mendix-estate.json", "--intent", "samples/mendix-intent.yaml",
          "--out", str(out), "--format", "json", "--output", str(tmp_path / "shown.json")])  # fmt: skip
    return ChangeSet.from_dict(json.loads(out.read_text()))


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the sample paths are named as users write them


def update_plan() -> ChangeSet:
    """The private-link plan plus an update of an existing peering that also needs a resync (P4)."""
    cs = ChangeSet.from_dict(json.loads(PRIVATE_LINK_PLAN.read_text()))
    vnet = "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f/resourceGroups/rg-mendix/providers/Microsoft.Network/virtualNetworks/vnet-mendix"
    remote = "/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c/resourceGroups/rg-spoke-b/providers/Microsoft.Network/virtualNetworks/vnet-spoke-b"
    body = {"properties": {"allowForwardedTraffic": False, "allowGatewayTransit": True, "allowVirtualNetworkAccess": True,
                           "remoteVirtualNetwork": {"id": remote}, "useRemoteGateways": False}}  # fmt: skip
    peering = Change(Action.UPDATE, f"{vnet}/virtualNetworkPeerings/vnet-mendix-to-vnet-spoke-b",
                     "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "2026-03-01", body,
                     "flags differ; the link is RemoteNotInSync: sync the remote address space (P4)",
                     before={**body, "properties": {**body["properties"], "allowGatewayTransit": False}},
                     query={"syncRemoteAddressSpace": "true"})  # fmt: skip
    return replace(cs, changes=(*cs.changes, peering))


def expected_bodies(cs: ChangeSet, placeholder: Any) -> dict[str, dict[str, Any]]:
    """Resource ID -> the body apply would send, with each placeholder replaced by ``placeholder(pe_id)``."""
    out = {}
    for it in items(cs):
        body = json.loads(json.dumps(sent_body(it.change, cs.plan_id)))
        for ph in it.change.placeholders:
            cur: Any = body
            parts = re.findall(r"([^.\[\]]+)(?:\[(\d+)\])?", ph.path)
            for i, (key, idx) in enumerate(parts):
                last = i == len(parts) - 1
                if idx:
                    if last:
                        cur[key][int(idx)] = placeholder(ph.from_id)
                    else:
                        cur = cur[key][int(idx)]
                elif last:
                    cur[key] = placeholder(ph.from_id)
                else:
                    cur = cur[key]
        out[it.change.id] = body
    return out


# --- Terraform ---------------------------------------------------------------------------------


def _unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals and returns expressions as text."""
    if isinstance(value, str):
        return json.loads(value) if value.startswith('"') and value.endswith('"') else value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if k != "__is_block__"}
    return value


def terraform_blocks(text: str) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    doc = _unquote(hcl2.loads(text))
    resources: dict[str, dict[str, Any]] = {}
    actions: dict[str, dict[str, Any]] = {}
    for block in doc.get("resource", []):
        for rtype, named in block.items():
            for label, attrs in named.items():
                (resources if rtype == "azapi_resource" else actions)[label] = attrs
    return resources, actions, doc.get("import", [])


@pytest.mark.parametrize("which", ["sample", "update"])
def test_terraform_has_one_azapi_resource_per_change_with_the_exact_body(which: str, tmp_path: Path) -> None:
    cs = sample_plan(tmp_path) if which == "sample" else update_plan()
    text = render_iac(cs, "terraform")["main.tf"]
    resources, actions, imports = terraform_blocks(text)
    its = items(cs)
    assert len(resources) == len(its)
    labels = {it.change.id: it.label for it in its}
    want = expected_bodies(cs, lambda pe: f"${{data.azapi_resource.{labels[pe]}_nic.output.properties.ipConfigurations[0].properties.privateIPAddress}}")
    for it in its:
        c = it.change
        r = resources[it.label]
        assert r["type"] == f"{c.type}@{c.api_version}"
        assert r["parent_id"] + "/" + c.type.rsplit("/", 1)[-1] + "/" + r["name"] == c.id or (
            r["parent_id"] + f"/providers/{c.type}/{r['name']}" == c.id
        )
        body = dict(r["body"])
        for k in ("location", "tags"):
            if k in r:
                body[k] = r[k]
        assert body == want[c.id], c.id
        assert r.get("depends_on", []) == [f"${{azapi_resource.{d}}}" for d in it.deps]
    updated = [it for it in its if it.change.action is Action.UPDATE]
    assert [(i["to"], i["id"]) for i in imports] == [
        (f"${{azapi_resource.{it.label}}}", f"{it.change.id}?api-version={it.change.api_version}") for it in updated
    ]
    synced = [it for it in its if it.sync]
    # Both plans sync a peering: the sample resyncs the hub's link to spoke3 (its existing path).
    assert updated and synced
    assert set(actions) == {f"{it.label}_sync" for it in synced}
    for it in synced:
        a = actions[f"{it.label}_sync"]
        assert a["method"] == "PUT" and a["query_parameters"] == {"syncRemoteAddressSpace": ["true"]}
        assert a["resource_id"] == f"${{azapi_resource.{it.label}.id}}"
    assert cs.plan_id in text.splitlines()[0]


# --- ARM ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["sample", "update"])
def test_arm_template_has_one_nested_deployment_per_change_with_the_exact_body(which: str, tmp_path: Path) -> None:
    cs = sample_plan(tmp_path) if which == "sample" else update_plan()
    doc = json.loads(render_iac(cs, "arm")["azuredeploy.json"])
    assert doc["$schema"].endswith("subscriptionDeploymentTemplate.json#")
    assert doc["metadata"]["vnetplan"]["planId"] == cs.plan_id
    its = items(cs)
    deployments = doc["resources"]
    assert len(deployments) == len(its)
    names = {it.label: d["name"] for it, d in zip(its, deployments, strict=True)}
    want = expected_bodies(cs, lambda pe: "[reference(reference('{0}', '{1}').networkInterfaces[0].id, '{1}')"
                           ".ipConfigurations[0].properties.privateIPAddress]".format(pe, "2026-03-01"))  # fmt: skip
    for it, dep in zip(its, deployments, strict=True):
        c = it.change
        assert dep["type"] == "Microsoft.Resources/deployments" and cs.plan_id in dep["name"]
        assert (dep["subscriptionId"], dep["resourceGroup"]) == (it.subscription, it.resource_group)
        assert dep.get("dependsOn", []) == [names[d] for d in it.deps]
        (res,) = dep["properties"]["template"]["resources"]
        assert (res["type"], res["apiVersion"], res["name"]) == (c.type, c.api_version, "/".join(it.names))
        body = {k: v for k, v in res.items() if k not in ("type", "apiVersion", "name", "comments")}
        assert body == want[c.id], c.id
        assert res["comments"].startswith(c.reason)
    after = doc["metadata"]["vnetplan"].get("afterDeployment", [])
    assert len(after) == sum(1 for it in its if it.sync)
    assert all("az network vnet peering sync" in a for a in after)


# --- Bicep -------------------------------------------------------------------------------------


def read_bicep_value(text: str) -> Any:
    """The object/array/string/number/bool literals vnetplan writes, as Python values
    (an expression such as ``x.outputs.privateIp`` comes back as its text)."""
    pos = 0

    def skip() -> None:
        nonlocal pos
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1

    def value() -> Any:
        nonlocal pos
        skip()
        ch = text[pos]
        if ch == "{":
            pos += 1
            obj = {}
            while True:
                skip()
                if text[pos] == "}":
                    pos += 1
                    return obj
                key = string() if text[pos] == "'" else word()
                skip()
                assert text[pos] == ":", text[pos - 20 : pos + 20]
                pos += 1
                obj[key] = value()
        if ch == "[":
            pos += 1
            arr = []
            while True:
                skip()
                if text[pos] == "]":
                    pos += 1
                    return arr
                arr.append(value())
        if ch == "'":
            return string()
        w = word()
        return {"true": True, "false": False, "null": None}.get(w, int(w) if re.fullmatch(r"-?\d+", w) else w)

    def string() -> str:
        nonlocal pos
        pos += 1
        out = []
        while text[pos] != "'":
            if text[pos] == "\\":
                pos += 1
                out.append({"n": "\n"}.get(text[pos], text[pos]))
            else:
                out.append(text[pos])
            pos += 1
        pos += 1
        return "".join(out)

    def word() -> str:
        nonlocal pos
        m = re.compile(r"[^\s:{}\[\]']+").match(text, pos)
        assert m, text[pos : pos + 40]
        pos = m.end()
        return m.group(0)

    return value()


MODULE = re.compile(r"^module (\w+) '([^']+)' = \{\n(.*?)^\}", re.M | re.S)


@pytest.mark.parametrize("which", ["sample", "update"])
def test_bicep_has_one_module_per_change_with_existing_parents_and_the_exact_body(which: str, tmp_path: Path) -> None:
    cs = sample_plan(tmp_path) if which == "sample" else update_plan()
    files = render_iac(cs, "bicep")
    main_text = files["main.bicep"]
    assert "targetScope = 'subscription'" in main_text and cs.plan_id in main_text.splitlines()[0]
    modules = {m.group(1): (m.group(2), m.group(3)) for m in MODULE.finditer(main_text)}
    its = items(cs)
    assert list(modules) == [it.label for it in its]
    want = expected_bodies(cs, lambda pe: f"{next(i.label for i in its if i.change.id == pe)}.outputs.privateIp")
    for it in its:
        c = it.change
        path, block = modules[it.label]
        module_text = files[path]
        declared = re.findall(r"^resource (\w+) '([^']+)'( existing)? =", module_text, re.M)
        own = [d for d in declared if not d[2]]
        assert own == [("res", f"{c.type}@{c.api_version}", "")]
        if len(it.names) > 1:
            assert [d[1] for d in declared if d[2]] == [f"{c.type.rsplit('/', 1)[0]}@{c.api_version}"]
            assert "parent: parentResource" in module_text
        assert f"scope: resourceGroup('{it.subscription}', '{it.resource_group}')" in block
        params = read_bicep_value(block[block.index("params:") + len("params:") : block.index("\n  }", block.index("params:")) + 4])
        assert params.pop("name") == it.name
        if len(it.names) > 1:
            assert params.pop("parentName") == "/".join(it.names[:-1])
        assert params == want[c.id], c.id
        deps = re.search(r"dependsOn: \[\n(.*?)\n  \]", block, re.S)
        assert (deps.group(1).split() if deps else []) == list(it.deps)
    synced = [it for it in its if it.sync]
    assert main_text.count("az network vnet peering sync") == len(synced)


# --- Golden files and the command line ---------------------------------------------------------


def check_golden(rel: str, text: str) -> None:
    path = GOLDEN / rel
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"{path} missing: run with VNETPLAN_UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"{rel} differs from the golden file (VNETPLAN_UPDATE_GOLDEN=1 to accept)"


@pytest.mark.parametrize("fmt", ["terraform", "bicep", "arm"])
def test_the_sample_plan_exports_match_the_golden_files(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / fmt
    args = ["plan", "--estate", "samples/mendix-estate.json", "--intent", "samples/mendix-intent.yaml", "--format", fmt]
    target = out if fmt == "bicep" else out / ("main.tf" if fmt == "terraform" else "azuredeploy.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    assert main([*args, "--output", str(target)]) == 1  # changes are pending
    for f in sorted(p for p in out.rglob("*") if p.is_file()):
        check_golden(f"mendix/{fmt}/{f.relative_to(out)}", f.read_text())


def test_the_update_plan_matches_its_golden_terraform() -> None:
    check_golden("update/main.tf", render_iac(update_plan(), "terraform")["main.tf"])


def test_bicep_needs_an_output_directory(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["plan", "--estate", "samples/mendix-estate.json", "--intent", "samples/mendix-intent.yaml", "--format", "bicep"]
    assert main(args) == 2
    assert "--output DIR" in capsys.readouterr().err
