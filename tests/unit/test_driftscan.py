"""Snapshot drift of two files through the byte pre-pass (:mod:`netplan.driftscan`) gives the report
of the full comparison of two Estates: property changes, keys re-ordered (no change), resources moved
in the file or to another resource group, gaps and orphans, an endpoint whose NIC changed, a hub with
one changed peering among many, and bad declarations (the same error)."""

from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from bench.synth import generate
from netplan import driftscan
from netplan.drift import snapshot_drift
from netplan.errors import InputError
from netplan.estate import load_estate
from netplan.ids import name_of
from netplan.report import FORMATS, render
from netplan.report.model import Report, Status
from tests.checks.builders import golden_builder, golden_drift_builder
from tests.unit.builders import EstateBuilder
from vnetplan.cli import main

NET = "Microsoft.Network"


def _write(path: Path, snap: Any, indent: int | None) -> str:
    path.write_text(json.dumps(snap, indent=indent))
    return str(path)


def both_ways(tmp_path: Path, old: Any, new: Any, decls: tuple[str, ...] = (), indent: int | None = None) -> Report:
    """The drift of ``old`` -> ``new`` through the pre-pass, checked equal to the full comparison's
    in every format but SARIF (which reads the files; its findings are these)."""
    b = _write(tmp_path / "old.json", old, indent)
    c = _write(tmp_path / "new.json", new, None)
    pre = driftscan.scan(b, c)
    assert pre is not None, "the pre-pass gave up"
    current = load_estate([c], decls)
    fast = driftscan.snapshot_drift_files(pre, current, decls, baseline_name=b)
    assert fast is not None, "the pre-pass fell back to the full comparison"
    full = snapshot_drift(load_estate([b], decls), current, baseline_name=b)
    assert fast.findings == full.findings
    assert fast.extra == full.extra
    for fmt in FORMATS:
        if fmt != "sarif":
            assert render(fast, fmt) == render(full, fmt), fmt
    return fast


def test_golden_drift_estates_give_the_full_report(tmp_path: Path) -> None:
    report = both_ways(tmp_path, golden_builder().snapshot(), golden_drift_builder().snapshot(), indent=1)
    props = {(name_of(f.resource), f.item) for f in report.findings}
    assert ("fe", "private_ip") in props and ("spoke-hr-to-hub-vnet", "state") in props


def _vnets(snap: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in snap["resources"] if r["type"].lower() == f"{NET}/virtualnetworks".lower()]


def test_keys_reordered_and_resources_moved_in_the_file_are_no_change(tmp_path: Path) -> None:
    old = golden_builder().snapshot()
    new = copy.deepcopy(old)
    new["resources"] = [dict(reversed(list(r.items()))) for r in reversed(new["resources"])]
    report = both_ways(tmp_path, old, new)
    assert report.findings == []
    assert report.extra["unchanged"] == len(load_estate([str(tmp_path / "new.json")]).by_id)


def test_a_vnet_moved_to_another_resource_group_is_removed_and_added(tmp_path: Path) -> None:
    old = golden_builder().snapshot()
    new = copy.deepcopy(old)
    vnet = _vnets(new)[-1]
    rg = vnet["id"].split("/resourceGroups/")[1].split("/")[0]
    moved = json.loads(json.dumps(vnet).replace(f"/resourceGroups/{rg}/", "/resourceGroups/rg-moved/"))
    new["resources"] = [moved if r is vnet else r for r in new["resources"]]
    report = both_ways(tmp_path, old, new)
    rules = {(f.rule, f.resource) for f in report.findings}
    assert ("VNP-DRIFT-002", vnet["id"]) in rules and ("VNP-DRIFT-001", moved["id"]) in rules


def test_endpoint_whose_nic_changed_reports_its_new_address(tmp_path: Path) -> None:
    """The endpoint's JSON is the same in both files; its NIC's address is not."""
    b = EstateBuilder()
    b.vnet("spoke", ["10.1.0.0/16"], subnets={"pe": "10.1.2.0/24"})
    pe = b.pe("pe-sql", "spoke", "pe", "10.1.2.4", b.rid("servers", "sql"), group_ids=("sqlServer",))
    old = b.snapshot()
    new = json.loads(json.dumps(old).replace('"10.1.2.4"', '"10.1.2.9"'))
    report = both_ways(tmp_path, old, new)
    assert any(f.resource == pe and f.item == "ips" and "10.1.2.9" in f.message for f in report.findings)


def test_hub_with_one_changed_peering_among_many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"shared": "10.0.1.0/24", "fw": "10.0.2.0/24"})
    for i in range(30):
        b.vnet(f"spoke{i}", [f"10.{10 + i}.0.0/16"])
        b.peer("hub", f"spoke{i}")
    old = b.snapshot()
    new = copy.deepcopy(old)
    hub = next(v for v in _vnets(new) if v["name"] == "hub")
    hub["properties"]["virtualNetworkPeerings"][7]["properties"]["peeringState"] = "Disconnected"
    hub["properties"]["subnets"][1]["properties"]["addressPrefix"] = "10.0.3.0/24"
    monkeypatch.setattr(driftscan, "TRIM_FROM", 0)  # trim every changed VNet, however small
    pre = driftscan.scan(_write(tmp_path / "old.json", old, None), _write(tmp_path / "new.json", new, None))
    assert pre is not None and list(pre.trimmed) == [hub["id"].lower()]
    report = both_ways(tmp_path, old, new)
    assert sorted((name_of(f.resource), f.item) for f in report.findings) == [("fw", "prefixes"), ("hub-to-spoke7", "state")]


def test_gaps_orphans_and_standalone_children(tmp_path: Path) -> None:
    """Partial snapshots: a removal under a gap of the new file and an addition under a gap of the
    baseline are UNKNOWN; a standalone subnet is folded into its VNet, and one whose VNet is not
    in the file is an orphan with a gap (whose scope also covers a VNet named as its prefix)."""
    b = EstateBuilder()
    for name in ("hub", "app", "data", "sub-a", "sub-a2"):
        b.vnet(name, [f"10.{len(b._vnets)}.0.0/16"], subnets={"s1": f"10.{len(b._vnets)}.1.0/24"})
    old = b.snapshot()
    new = copy.deepcopy(old)
    by_name = {v["name"]: v for v in _vnets(new)}
    # The new snapshot could not read one resource group: "data" is missing there, UNKNOWN.
    new["gaps"] = [{"scope": by_name["data"]["id"].split("/providers/")[0], "kind": "resourceGroup", "reason": "403"}]
    new["resources"] = [r for r in new["resources"] if r["name"] != "data"]
    # "app" lists its subnet as a standalone resource (as `az network vnet subnet list` does), changed.
    app = by_name["app"]
    s1 = app["properties"].pop("subnets")[0]
    s1["type"] = f"{NET}/virtualNetworks/subnets"
    s1["properties"]["addressPrefix"] = "10.1.2.0/24"
    new["resources"].append(s1)
    # "sub-a" itself was not read, its subnet was: an orphan, with a gap scoped to sub-a's ID.
    orphan = by_name["sub-a"]["properties"]["subnets"][0]
    orphan["type"] = f"{NET}/virtualNetworks/subnets"
    new["resources"] = [r for r in new["resources"] if r["name"] != "sub-a"] + [orphan]
    # The baseline could not read a subscription where a VNet is new now: UNKNOWN, not added.
    extra = EstateBuilder(sub="/subscriptions/00000000-0000-0000-0000-00000000beef")
    extra.vnet("newcomer", ["10.99.0.0/16"])
    new["resources"] += extra.vnet_resources()
    old["gaps"] = [{"scope": "/subscriptions/00000000-0000-0000-0000-00000000beef", "kind": "subscription",
                    "reason": "AuthorizationFailed"}]  # fmt: skip
    report = both_ways(tmp_path, old, new)
    unknown = {name_of(f.resource) for f in report.findings if f.status is Status.UNKNOWN}
    assert {"data", "newcomer"} <= unknown
    assert any(name_of(f.resource) == "s1" and f.item == "prefixes" for f in report.findings)


def _standalone(vnet: dict[str, Any], i: int) -> dict[str, Any]:
    """Subnet ``i`` of ``vnet`` taken out of it and listed as its own resource."""
    s = vnet["properties"]["subnets"].pop(i)
    return {**s, "type": f"{NET}/virtualNetworks/subnets"}


def test_standalone_subnets_go_with_their_vnet(tmp_path: Path) -> None:
    """The VNet's own JSON is the same in both files; one of its standalone subnets changed and one
    is gone: the gone one is removed (FAIL: no gap covers it), the changed one changed."""
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"s1": "10.0.1.0/24", "s2": "10.0.2.0/24", "s3": "10.0.3.0/24"})
    old = b.snapshot()
    hub = _vnets(old)[0]
    old["resources"] += [_standalone(hub, 2), _standalone(hub, 1)]
    new = copy.deepcopy(old)
    new["resources"].pop()  # s2
    new["resources"][-1]["properties"]["addressPrefix"] = "10.0.4.0/24"  # s3
    report = both_ways(tmp_path, old, new)
    assert sorted((f.status.value, name_of(f.resource), f.item) for f in report.findings) == [
        ("FAIL", "s2", ""), ("FAIL", "s3", "prefixes")
    ]


def test_an_orphan_the_same_in_both_files_keeps_its_gap(tmp_path: Path) -> None:
    """Both files hold a subnet of VNet "edge" but not the VNet (an orphan, with a gap scoped to
    edge's ID); a VNet "edge2" is new. The gap's scope is a prefix of edge2's ID, which the full
    comparison counts as covered (UNKNOWN): the pre-pass must build the unchanged orphan to know."""
    b = EstateBuilder()
    b.vnet("edge", ["10.0.0.0/16"], subnets={"s1": "10.0.1.0/24"})
    old = b.snapshot()
    edge = _vnets(old)[0]
    old["resources"] = [_standalone(edge, 0)]
    new = copy.deepcopy(old)
    b2 = EstateBuilder()
    b2.vnet("edge2", ["10.1.0.0/16"])
    new["resources"] += b2.vnet_resources()
    report = both_ways(tmp_path, old, new)
    assert [(f.status, name_of(f.resource)) for f in report.findings] == [(Status.UNKNOWN, "edge2")]


def test_a_vnet_whose_id_changed_spelling_changes_its_childrens_vnet_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same VNet by key, its ID written in another case: its children's JSON is the same bytes,
    their model's VNet ID is not; they are not left out of what is built."""
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"s1": "10.0.1.0/24"})
    b.vnet("spoke", ["10.1.0.0/16"])
    b.peer("hub", "spoke")
    old = b.snapshot()
    new = copy.deepcopy(old)
    hub = next(v for v in _vnets(new) if v["name"] == "hub")
    hub["id"] = hub["id"].replace("/resourceGroups/", "/resourcegroups/")
    hub["location"] = "northeurope"
    monkeypatch.setattr(driftscan, "TRIM_FROM", 0)
    report = both_ways(tmp_path, old, new)
    assert {name_of(f.resource) for f in report.findings if f.item == "vnet_id"} == {"s1", "hub-to-spoke"}


def _mutated(snap: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A month of change: resources removed, re-ordered keys, moved in the file, peerings
    disconnected, prefixes added, relocations, NIC addresses, a VNet moved to another group,
    subnets listed standalone (some with their VNet gone: orphans)."""
    new = copy.deepcopy(snap)
    out: list[dict[str, Any]] = []
    tail: list[dict[str, Any]] = []
    for r in new["resources"]:
        t = r["type"].lower().rsplit("/", 1)[-1]
        x = rng.random()
        props = r.get("properties") or {}
        if x < 0.03:
            continue
        if x < 0.06:
            r = dict(reversed(list(r.items())))
        elif x < 0.10 and t == "virtualnetworks" and props.get("virtualNetworkPeerings"):
            rng.choice(props["virtualNetworkPeerings"])["properties"]["peeringState"] = "Disconnected"
        elif x < 0.12 and t == "virtualnetworks":
            props["addressSpace"]["addressPrefixes"].append(f"100.64.{rng.randrange(256)}.0/24")
        elif x < 0.14:
            r["location"] = "northeurope"
        elif x < 0.24 and t == "networkinterfaces":
            props["ipConfigurations"][0]["properties"]["privateIPAddress"] = f"10.254.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        elif x < 0.15 and t == "virtualnetworks":
            rg = r["id"].split("/resourceGroups/")[1].split("/")[0]
            r = json.loads(json.dumps(r).replace(f"/resourceGroups/{rg}/", "/resourceGroups/rg-moved/"))
        elif x < 0.17 and t == "virtualnetworks" and props.get("subnets"):
            for s in props.pop("subnets"):
                tail.append({**s, "type": f"{NET}/virtualNetworks/subnets"})
            if rng.random() < 0.3:
                continue  # the VNet was not read, its subnets were
        if rng.random() < 0.02:
            tail.append(r)  # moved in the file
        else:
            out.append(r)
    new["resources"] = out + tail
    return new


@pytest.mark.parametrize("seed", range(6))
def test_random_changes_to_a_synthetic_estate_give_the_full_report(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    old = generate(120, seed=seed, prefixes_per_vnet=4, default_share=0.2)
    new = _mutated(old, rng)
    if seed % 2:
        old, new = new, old
    if seed % 3 == 0:
        monkeypatch.setattr(driftscan, "TRIM_FROM", 0)
    report = both_ways(tmp_path, old, new, indent=1 if seed == 4 else None)
    assert len(report.findings) > 10


def test_a_declaration_naming_a_vnet_the_baseline_lacks_is_the_same_error(tmp_path: Path) -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    old = b.snapshot()
    b.vnet("new-hub", ["10.1.0.0/16"])
    new = b.snapshot()
    decl = tmp_path / "decl.yaml"
    decl.write_text("forwarders:\n  - vnet: new-hub\n    device: azfw\n")
    errors = []
    for fast in (True, False):
        bp, cp = _write(tmp_path / "old.json", old, None), _write(tmp_path / "new.json", new, None)
        pre = driftscan.scan(bp, cp) if fast else None
        current = load_estate([cp], [str(decl)])
        with pytest.raises(InputError) as exc:
            if pre is not None:
                driftscan.snapshot_drift_files(pre, current, [str(decl)])
            else:
                load_estate([bp], [str(decl)])
        errors.append(str(exc.value))
    assert errors[0] == errors[1] and "new-hub" in errors[0]


def test_the_pre_pass_gives_up_where_it_cannot_vouch(tmp_path: Path) -> None:
    snap = golden_builder().snapshot()
    good = _write(tmp_path / "good.json", snap, None)
    assert driftscan.scan(good, good) is not None
    assert driftscan.scan(_write(tmp_path / "list.json", snap["resources"], None), good) is not None
    twice = {**snap, "resources": [*snap["resources"], snap["resources"][0]]}
    assert driftscan.scan(_write(tmp_path / "twice.json", twice, None), good) is None
    assert driftscan.scan(_write(tmp_path / "one.json", snap["resources"][0], None), good) is None
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert driftscan.scan(str(fifo), good) is None  # not opened: a pipe's bytes are the real load's
    # The current file changed after the scan: the loaded estate is not the one scanned.
    pre = driftscan.scan(good, good)
    assert pre is not None
    current = load_estate([good])
    os.utime(good, ns=(1, 1))
    assert driftscan.snapshot_drift_files(pre, current) is None


@pytest.mark.parametrize("fmt", ["table", "json", "sarif"])
def test_cli_output_is_the_full_comparisons(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = generate(60, seed=9, prefixes_per_vnet=4)
    b = _write(tmp_path / "old.json", old, None)
    c = _write(tmp_path / "new.json", _mutated(old, random.Random(9)), None)
    monkeypatch.chdir(tmp_path)
    took: list[Report | None] = []

    def spy(*args: Any, **kwargs: Any) -> Report | None:
        took.append(driftscan.snapshot_drift_files(*args, **kwargs))
        return took[-1]

    monkeypatch.setattr("vnetplan.commands.drift.snapshot_drift_files", spy)
    outs = []
    for fast in (True, False):
        if not fast:
            assert len(took) == 1 and took[0] is not None, "the CLI did not take the pre-pass"
            monkeypatch.setattr("vnetplan.commands.drift.scan", lambda *a: None)
        code = main(["drift", "--baseline", b, "--estate", c, "--format", fmt])
        out = capsys.readouterr().out
        if fmt != "table":
            data = json.loads(out)
            runs = data["runs"] if fmt == "sarif" else [data]
            for run in runs:  # the run's clock differs
                run.pop("run", None)
                for inv in run.get("invocations", []):
                    for k in ("startTimeUtc", "endTimeUtc"):
                        inv.pop(k, None)
            out = json.dumps(data)
        outs.append((code, out))
    assert outs[0] == outs[1] and outs[0][0] == 1
