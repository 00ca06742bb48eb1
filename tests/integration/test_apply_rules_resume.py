"""Resuming an interrupted apply whose plan writes security rules and routes (issue 18).

The sample with spoke2's NSG denying the Mendix VNet and spoke2/spoke3 routing its space to None
plans eight changes: two peerings and two zone links first, then two security rules and two routes
(the kind order). ``kill -9`` of the apply after the N-th write the emulator served, with the next
write (a rule or a route) held in flight and then dropped or landed, then the same command again
with the same journal: every rule and route is there exactly once, as planned, and the estate is
the one a run without a kill ends in (the kill machinery of ``test_apply_faults``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from netplan.live.journal import read_journal
from tests.emulator import Emulator, FaultConfig
from tests.integration.test_apply import normalized_state
from tests.integration.test_apply_faults import _apply, _rerun, kill_at_write
from tests.unit.test_sample_traffic import INTENT, add_route, spoke2_nsg_denies_mendix
from vnetplan.cli import main

pytestmark = pytest.mark.integration  # every test here talks to the ARM emulator

QUICK = FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)
CHILD_KINDS = ("Microsoft.Network/networkSecurityGroups/securityRules", "Microsoft.Network/routeTables/routes")


def _estate() -> dict[str, Any]:
    doc = add_route(spoke2_nsg_denies_mendix(), "rt-corp-spoke2-weu", "no-mendix", "10.20.0.0/16", "None")
    return add_route(doc, "rt-corp-spoke3-neu", "no-mendix", "10.20.0.0/16", "None")


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], Any, list[dict[str, Any]]]:
    """(the plan file, the estate, the state a kill-free apply ends in, the planned rules and routes)."""
    tmp = tmp_path_factory.mktemp("rules-plan")
    doc = _estate()
    estate = tmp / "estate.json"
    estate.write_text(json.dumps(doc))
    plan = tmp / "plan.json"
    assert main(["plan", "--estate", str(estate), "--intent", str(INTENT), "--out", str(plan)]) in (0, 1)
    changes = json.loads(plan.read_text())["changes"]
    children = [c for c in changes if c["type"] in CHILD_KINDS]
    assert len(changes) == 8 and len(children) == 4, [c["id"] for c in changes]
    assert all(c["type"] not in CHILD_KINDS for c in changes[:4]), "rules and routes come last"
    with Emulator(doc, faults=QUICK) as emu:
        result = _apply(emu, plan, tmp / "ref.journal")
        assert result.ok, result.error
        assert emu.stats.writes == 8  # one write per change: the N-th write is the N-th change
        return plan, doc, _state(emu), children


def _state(emu: Emulator) -> Any:
    """normalized_state, with each parent's security rules and routes in name order (two writes in
    flight at once land in either order; Azure keeps no order among them either)."""
    state = json.loads(normalized_state(emu))
    for r in state["resources"]:
        props = r.get("properties") or {}
        for key in ("securityRules", "routes"):
            if isinstance(props.get(key), list):
                props[key] = sorted(props[key], key=lambda x: str(x.get("name", "")).lower())
    return state


def _count(emu: Emulator, children: list[dict[str, Any]]) -> int:
    return sum(len(_children_in(emu, c)) for c in children)


def _children_in(emu: Emulator, change: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries named like ``change`` in its parent's securityRules / routes."""
    parent_id, _, name = change["id"].rpartition("/")
    parent_id = parent_id.rsplit("/", 1)[0]
    parent = next(r for r in emu.resources()["resources"] if r["id"].lower() == parent_id.lower())
    key = "securityRules" if change["type"].endswith("securityRules") else "routes"
    return [x for x in parent["properties"].get(key) or [] if x["name"].lower() == name.lower()]


# After 5 writes: one rule written, the second rule held and landing after the kill; after 6:
# both rules written, a route held and dropped; after 7: the last route held and landing.
@pytest.mark.parametrize("after", [5, 6, 7])
def test_kill_during_the_rule_and_route_writes_then_rerun_writes_each_once(
    planned: tuple[Path, dict[str, Any], Any, list[dict[str, Any]]], tmp_path: Path, after: int,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    plan, doc, want, children = planned
    journal = tmp_path / "apply.journal"
    with Emulator(doc, faults=QUICK) as emu:
        gate = kill_at_write(emu, plan, journal, after)
        landed = after % 2 == 1
        present = _count(emu, children)
        gate.open(drop=not landed)
        if landed:  # the held write goes on after its client died: wait until the store has it
            deadline = time.monotonic() + 900
            while _count(emu, children) == present:
                assert time.monotonic() < deadline, "the held write never landed"
                time.sleep(0.02)
        done = {r["change"].lower() for r in read_journal(journal) if r.get("event") == "done"}
        unfinished = [c for c in children if c["key"] not in done]
        assert unfinished, "the kill interrupted the rule and route writes"
        writes_before = emu.stats.writes
        rc, out, err = _rerun(emu, plan, journal, monkeypatch, capsys)
        assert rc == 0, err
        # What was done before the kill is not written again; what never reached the store is. (A
        # write whose operation its killed client never saw finish is sent again: a PUT of the
        # same child, so it stays one entry.)
        rewritten = emu.stats.writes - writes_before
        assert 8 - after - landed <= rewritten <= 8 - len(done), (rewritten, after, len(done))
        for c in children:
            (entry,) = _children_in(emu, c)  # exactly once
            assert {k: entry["properties"].get(k) for k in c["body"]["properties"]} == c["body"]["properties"], c["id"]
        assert _state(emu) == want
        assert out.count("already") >= len(done)
