"""`vnetplan apply` under injected faults and kills: it always ends in exactly the planned state.

* 50 seeded runs (``VNETPLAN_SOAK_RUNS`` for a longer soak) with about 20% of requests failing
  (500, 429, connection resets) and 20% of long-running operations failing: each run converges to
  the same state as a fault-free run - nothing missing, nothing duplicated (one NIC per endpoint,
  one connection per endpoint on the Private Link Service), nothing deleted.
* ``kill -9`` of the apply process after the N-th write the emulator served, with the next write
  held in flight (``VNETPLAN_KILL_RUNS`` points), then the same command again with the same
  journal (run in this process: only the killed apply needs a process of its own): it finishes
  the plan, and the end state is the same.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from netplan.changeset import read_plan
from netplan.live.apply import ApplyOptions, Outcome, apply_plan
from netplan.live.journal import Journal, read_journal
from tests.emulator import Emulator, FaultConfig
from tests.emulator.clients import StaticTokenCredential
from tests.emulator.sample import sample_snapshot
from tests.emulator.server import WriteGate
from tests.integration.test_apply import PE, PLS, TOKEN, make_plan, normalized_state
from vnetplan.cli import main

pytestmark = pytest.mark.integration  # every test here talks to the ARM emulator

ROOT = Path(__file__).resolve().parents[2]
SOAK_RUNS = int(os.environ.get("VNETPLAN_SOAK_RUNS", "50"))
KILL_RUNS = int(os.environ.get("VNETPLAN_KILL_RUNS", "6"))

FAST = dict(retries=8, backoff=0.0, backoff_max=0.01, polling_interval=0.0, attempts=12, attempt_backoff=0.0)


def faults(seed: int) -> FaultConfig:
    # 7% each of 500 / 429 / reset ~ 20% of requests; 20% of LROs end Failed.
    return FaultConfig(seed=seed, error_rate=0.07, throttle_rate=0.07, reset_rate=0.07, lro_fail_rate=0.2,
                       lro_polls=1, lro_retry_after=0, retry_after=0)  # fmt: skip


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The sample plan and the state a fault-free apply ends in."""
    tmp = tmp_path_factory.mktemp("plan")
    plan = make_plan(tmp)
    with Emulator(sample_snapshot(), faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as emu:
        result = _apply(emu, plan, tmp / "ref.journal")
        assert result.ok, result.error
        return plan, normalized_state(emu)


def _apply(emu: Emulator, plan: Path, journal_path: Path) -> Any:
    data = json.loads(plan.read_text())
    p = read_plan(data, str(plan))
    opts = ApplyOptions(endpoint=emu.url, ca_bundle=emu.ca_path, concurrency=4, **FAST)  # type: ignore[arg-type]
    with Journal(journal_path, p.plan_id) as j:
        return apply_plan(p, StaticTokenCredential(TOKEN), opts, j)


def _duplicates(emu: Emulator) -> list[str]:
    res = emu.resources()["resources"]
    nics = [r for r in res if r["type"].lower() == "microsoft.network/networkinterfaces"]
    pls = next(r for r in res if r["id"].lower() == PLS.lower())
    conns = pls["properties"].get("privateEndpointConnections") or []
    out = []
    if len(nics) != 1:
        out.append(f"{len(nics)} NICs for one private endpoint")
    if len(conns) != 1:
        out.append(f"{len(conns)} endpoint connections on the Private Link Service")
    ids = [r["id"].lower() for r in res]
    if len(ids) != len(set(ids)):
        out.append("duplicate ids")
    return out


@pytest.mark.parametrize("seed", range(SOAK_RUNS))
def test_seeded_faults_converge_to_exactly_the_planned_state(planned: tuple[Path, str], tmp_path: Path, seed: int) -> None:
    plan, want = planned
    seed_ids = {r["id"].lower() for r in sample_snapshot()["resources"]}
    with Emulator(sample_snapshot(), faults=faults(seed)) as emu:
        result = _apply(emu, plan, tmp_path / "j")
        injected = emu.stats.faults
        assert result.ok, f"seed {seed}: {result.error} (faults {injected})"
        emu.set_faults(FaultConfig())  # read the end state without faults
        assert sum(injected.values()) > 0
        assert not _duplicates(emu)
        assert seed_ids <= {r["id"].lower() for r in emu.resources()["resources"]}, "a seed resource was deleted"
        assert normalized_state(emu) == want
        # And the journal agrees: every change ends done or already, nothing failed last.
        states = [Journal(tmp_path / "j", result.plan_id).load().state(r.change.key) for r in result.results]
        assert all(s.finished for s in states)
        assert all(r.outcome in (Outcome.DONE, Outcome.ALREADY) for r in result.results)


def _wait_held(gate: WriteGate, proc: subprocess.Popen[str], what: str) -> None:
    """Until the apply's next write is held: however slow the machine, as long as the apply runs
    (a generous cap only so that a hung apply ends the test); if it exits first, say why."""
    deadline = time.monotonic() + 900
    while not gate.held.wait(0.2):
        if proc.poll() is not None:
            _out, err = proc.communicate()
            raise AssertionError(f"the apply exited ({proc.returncode}) before {what}: {err[-2000:]}")
        assert time.monotonic() < deadline, f"the apply still runs after 900 s and never reached {what}"


def kill_at_write(emu: Emulator, plan: Path, journal: Path, after: int) -> WriteGate:
    """Start the apply in its own process, let ``after`` writes through, and SIGKILL it while write
    ``after + 1`` is held at the emulator; the gate is returned still closed (the test decides
    whether that write lands or is dropped)."""
    gate = emu.hold_writes_after(after)
    proc = _start(emu, plan, journal)
    _wait_held(gate, proc, f"write {after + 1}")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return gate


def _args(emu: Emulator, plan: Path, journal: Path) -> list[str]:
    return ["apply", str(plan), "--yes", "--endpoint", emu.url, "--ca-bundle", emu.ca_path,
            "--journal", str(journal), "--polling-interval", "0.05", "--concurrency", "2"]  # fmt: skip


def _start(emu: Emulator, plan: Path, journal: Path) -> subprocess.Popen[str]:
    """The apply in its own process: the one the test kills."""
    env = {**os.environ, "VNETPLAN_ACCESS_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "netplan", *_args(emu, plan, journal)]
    # As a terminal's foreground job, which Ctrl-C reaches: a suite started in the background
    # (`cmd &`, nohup) hands its children SIGINT ignored, and Python then never raises
    # KeyboardInterrupt, so the Ctrl-C test would wait for an interrupt that cannot come.
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_sigint_as_in_a_terminal)  # fmt: skip


def _sigint_as_in_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _rerun(emu: Emulator, plan: Path, journal: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The same command again after the kill. Nothing about it is the process boundary (the killed
    process was), so it runs in this process: the same CLI, without paying another interpreter and
    Azure SDK start-up."""
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", TOKEN)
    capsys.readouterr()
    rc = main(_args(emu, plan, journal))
    out, err = capsys.readouterr()
    return rc, out, err


# Kill points: after the N-th write the emulator has served, with the next write held in flight.
# Even N: the held write is dropped with the dead client; odd N: it lands after the client died
# (the write happened, the journal never heard of it).
KILL_POINTS = [1, 2, 3, 4, 5, 7, 9, 11, 13, 15][:KILL_RUNS]


@pytest.mark.parametrize("after", KILL_POINTS)
def test_kill_minus_nine_after_the_nth_write_then_rerun_converges(
    planned: tuple[Path, str], tmp_path: Path, after: int, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan, want = planned
    journal = tmp_path / "apply.journal"
    with Emulator(sample_snapshot(), faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as emu:
        gate = kill_at_write(emu, plan, journal, after)
        gate.open(drop=after % 2 == 0)
        assert gate.passed == after
        records = read_journal(journal)
        assert records, "the journal has the work started before the kill"
        rc, out, err = _rerun(emu, plan, journal, monkeypatch, capsys)
        assert rc == 0, err
        assert TOKEN not in out + err + journal.read_text()
        assert not _duplicates(emu)
        assert normalized_state(emu) == want
        # The re-run skipped what was done: "already" for each change finished before the kill.
        finished = {r["change"] for r in records if r.get("event") == "done"}
        assert out.count("already") >= len(finished)
        assert PE.lower() in normalized_state(emu).lower()


def test_ctrl_c_mid_run_exits_130_says_what_was_done_and_the_rerun_finishes(
    planned: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plan, want = planned
    journal = tmp_path / "apply.journal"
    total = len(json.loads(plan.read_text())["changes"])
    with Emulator(sample_snapshot(), faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as emu:
        gate = emu.hold_writes_after(2)
        proc = _start(emu, plan, journal)
        _wait_held(gate, proc, "its third write")
        proc.send_signal(signal.SIGINT)
        # The apply says at once that it stops starting changes and waits for those in flight.
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:
            seen.append(line)
            if "interrupted: no new change starts" in line:
                break
        assert seen and "waiting for the" in seen[-1], "".join(seen)
        gate.open()  # the write in flight goes on and finishes
        _, rest = proc.communicate(timeout=900)
        err = "".join(seen) + rest
        assert proc.returncode == 130, err
        lines = err.strip().splitlines()
        assert lines[-1] == "vnetplan: interrupted" and "Traceback" not in err
        # What was in flight finished and was journalled before the exit: nothing is left half-recorded.
        records = read_journal(journal)
        started = {r["change"] for r in records if r.get("event") == "started"}
        ended = {r["change"] for r in records if r.get("event") in ("done", "already", "failed")}
        assert started <= ended
        done = {r["change"] for r in records if r.get("event") in ("done", "already")}
        # One line says what was done before, what was in flight and finished, and what a rerun does.
        summary = lines[-2]
        m = re.fullmatch(r"vnetplan: interrupted: (\d+) of (\d+) change\(s\) were done before the interrupt; "
                         r"(\d+) in flight then finished \(.+\); (\d+) left \(.+\); "
                         r"`vnetplan apply .+` again skips the (\d+) done and applies the (\d+) left", summary)  # fmt: skip
        assert m, summary
        before, of, in_flight, left, skips, applies = map(int, m.groups())
        assert of == total and before >= 1 and in_flight >= 1
        assert before + in_flight == len(done) == skips and left == applies == total - len(done) > 0
        rc, out, err = _rerun(emu, plan, journal, monkeypatch, capsys)
        assert rc == 0, err
        assert out.count("already") >= len(done)
        assert normalized_state(emu) == want and not _duplicates(emu)


def test_every_peering_created_is_journal_owned_even_when_the_kill_hid_the_outcome(planned: tuple[Path, str], tmp_path: Path) -> None:
    """Ownership survives a kill between the write and its record: a later teardown may delete it."""
    plan, _ = planned
    data = json.loads(plan.read_text())
    peerings = [c["id"].lower() for c in data["changes"] if c["type"].endswith("virtualNetworkPeerings")]
    journal = tmp_path / "j"
    with Emulator(sample_snapshot(), faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as emu:
        result = _apply(emu, plan, journal)
        assert result.ok
        # Simulate the kill: drop the owned/done records, keep started (as if the process died after the PUT).
        kept = [r for r in read_journal(journal) if r.get("event") not in ("owned", "done")]
        journal.write_text("".join(json.dumps(r) + "\n" for r in kept))
        assert not any(Journal(journal, "x").load().owns(p) for p in peerings)
        assert _apply(emu, plan, journal).ok
        assert all(Journal(journal, "x").load().owns(p) for p in peerings)
