"""`vnetplan inventory --source resource-graph` against the emulator's Resource Graph endpoint.

What a user relies on: the snapshot is the one ARM listing gives (same resources, same gaps; only
the etags Resource Graph does not carry differ), in far fewer requests; `$skipToken` pages are
followed; the quota headers are respected and a 429 is waited out, not fatal; a named subscription
Resource Graph does not show is reported, never silently skipped; management groups scope the read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netplan.estate import load_estate
from netplan.live import resourcegraph
from tests.emulator import Emulator, FaultConfig, ForbiddenRule
from tests.integration.test_inventory import SUB_A, SUB_B, TOKEN, _seed
from vnetplan.cli import main

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
GRAPH_TYPES = set(resourcegraph.GRAPH_KINDS)


def _run(emu: Any, out: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> int:
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", TOKEN)
    return main(["inventory", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--out", str(out), "--quiet", *extra])


def _comparable(path: Path) -> dict[str, Any]:
    """The snapshot without what legitimately differs: when it was taken, the source, and the etags
    of the resources read from Resource Graph (its rows have none)."""
    snap = json.loads(path.read_text())
    for r in snap["resources"]:
        if str(r.get("type", "")).lower() in GRAPH_TYPES:
            r.pop("etag", None)
    inv = snap.get("inventory", {})
    inv.pop("taken_at", None)
    inv.pop("source", None)
    return snap


def _both(emu: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[Path, int, Path, int]:
    arm, graph = tmp_path / "arm.json", tmp_path / "graph.json"
    emu.reset()
    rc_arm = _run(emu, arm, monkeypatch, *extra)
    arm_requests = emu.stats.requests
    emu.reset()
    rc_graph = _run(emu, graph, monkeypatch, "--source", "resource-graph", *extra)
    assert (rc_arm, rc_graph) == (0, 0)
    assert emu.stats.writes == 0
    return arm, arm_requests, graph, emu.stats.requests


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*-estate.json")))
def test_resource_graph_snapshot_equals_the_arm_listing_snapshot(
    sample: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Emulator(snapshot=str(SAMPLES / sample)) as emu:
        arm, _n_arm, graph, _n_graph = _both(emu, tmp_path, monkeypatch)
    a, g = _comparable(arm), _comparable(graph)
    assert a["resources"], sample
    assert g == a, sample
    # The loaded estates agree too (what every analysis sees).
    assert load_estate([str(graph)]).vnets == load_estate([str(arm)]).vnets
    # Both record the subscriptions' display names, as the sample names them.
    names = load_estate([str(SAMPLES / sample)]).subscription_names
    assert names and load_estate([str(graph)]).subscription_names == load_estate([str(arm)]).subscription_names == names


def test_many_subscriptions_cost_few_requests_and_pages_are_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resourcegraph, "PAGE_SIZE", 10)  # 72 VNets + zone + link: several pages
    with Emulator(snapshot=str(_seed(tmp_path))) as emu:
        arm, n_arm, graph, n_graph = _both(emu, tmp_path, monkeypatch)
        posts = emu.stats.by_kind.get("POST Microsoft.ResourceGraph/resources", 0)
    assert _comparable(graph) == _comparable(arm)
    assert len(load_estate([str(graph)]).vnets) == 72
    assert posts >= 9  # the subscriptions query + ceil(75 / 10) resource pages
    # Resource Graph: the queries, plus one ARM call per zone (record sets) only.
    assert n_graph == posts + 1 and n_graph < n_arm


def test_quota_headers_are_respected_and_a_429_is_waited_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resourcegraph, "PAGE_SIZE", 25)
    faults = FaultConfig(graph_quota=2, graph_window_s=1.0)
    with Emulator(snapshot=str(_seed(tmp_path)), faults=faults) as emu:
        out = tmp_path / "graph.json"
        # 1 + 3 pages under a quota of 2 per second: the client waits when the header says 0 left.
        assert _run(emu, out, monkeypatch, "--source", "resource-graph") == 0
        assert emu.stats.by_status.get("429", 0) == 0
        assert len(load_estate([str(out)]).vnets) == 72
        # A second run starts without knowing the quota is spent (by another client, just now):
        # it gets a 429 and waits it out.
        emu.spend_graph_quota()
        assert _run(emu, out, monkeypatch, "--source", "resource-graph") == 0
        assert emu.stats.by_status.get("429", 0) >= 1
        assert len(load_estate([str(out)]).vnets) == 72


def test_a_named_subscription_resource_graph_cannot_see_is_a_gap_not_a_silence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Emulator(snapshot=str(_seed(tmp_path))) as emu:
        emu.set_faults(forbidden=[ForbiddenRule(scope=f"/subscriptions/{SUB_B}")])
        out = tmp_path / "graph.json"
        args = ("--source", "resource-graph", "--subscription", SUB_A, "--subscription", SUB_B)
        assert _run(emu, out, monkeypatch, *args) == 2
        err = capsys.readouterr().err
        assert SUB_B in err and "--allow-partial" in err and not out.exists()
        assert _run(emu, out, monkeypatch, *args, "--allow-partial") == 0
    est = load_estate([str(out)])
    assert [g.scope for g in est.gaps] == [f"/subscriptions/{SUB_B}"]
    assert len(est.vnets) == 71


def test_management_group_scopes_the_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed = json.loads(_seed(tmp_path).read_text())
    seed["subscriptions"] = [
        {"subscriptionId": SUB_A, "managementGroups": ["mg-platform"]},
        {"subscriptionId": SUB_B, "managementGroups": ["mg-apps"]},
    ]
    path = tmp_path / "seed-mg.json"
    path.write_text(json.dumps(seed))
    with Emulator(snapshot=str(path)) as emu:
        out = tmp_path / "graph.json"
        assert _run(emu, out, monkeypatch, "--source", "resource-graph", "--management-group", "mg-apps") == 0
    snap = json.loads(out.read_text())
    assert snap["inventory"]["subscriptions"] == [SUB_B]
    assert [r["name"] for r in snap["resources"]] == ["vnet-apps"]
    assert main(["inventory", "--management-group", "mg-apps", "--out", str(out)]) == 2
