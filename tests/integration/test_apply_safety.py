"""Apply safety (issue 11) through the real SDK clients against the ARM emulator (HTTPS on loopback).

What a user holding Network Contributor rights relies on: the bearer token goes to the ARM endpoint
and nowhere else (whatever a journal or an answer names), a malformed plan or journal is refused
before anything is written, ownership is proven rather than assumed, and two applies racing for
the same resource end with one winner and a loser that says so.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import Emulator, FaultConfig
from tests.emulator.recorder import Recorder
from tests.emulator.sample import sample_snapshot
from tests.integration.test_apply import INTENT, TOKEN, apply_cli, by_id, make_plan
from vnetplan.cli import main

pytestmark = pytest.mark.integration


@pytest.fixture
def emu() -> Any:
    with Emulator(sample_snapshot(), faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as e:
        yield e


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", TOKEN)


@pytest.fixture
def recorder(emu: Emulator) -> Any:
    assert emu.ca is not None
    with Recorder(emu.ca) as rec:
        # The recorder is reachable and trusted: a request that left would be seen, token and all.
        import requests

        requests.get(f"{rec.url}/probe", verify=emu.ca_path, timeout=10, headers={"Authorization": "Bearer probe"})
        assert rec.requests and rec.requests[0]["headers"]["Authorization"] == "Bearer probe"
        rec.requests.clear()
        yield rec


def _last_err(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in "\n".join(err)
    return err[-1]


def test_an_operation_url_on_another_host_is_not_followed_and_gets_no_token(
    emu: Emulator, recorder: Recorder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan(tmp_path)
    emu.set_faults(lro_base_url=recorder.url)
    assert apply_cli(emu, plan, "--yes", "--no-preflight", "--attempts", "1") == 2
    last = _last_err(capsys)
    assert last.startswith("vnetplan: error: change ") and "not on the ARM endpoint" in last
    assert f"https://localhost:{recorder.url.rsplit(':', 1)[1]}" in last
    assert recorder.requests == []
    # The foreign URL is not in the journal either, so a resumed run cannot follow it.
    from netplan.live.journal import read_journal

    lros = [r for r in read_journal(f"{plan}.journal") if r["event"] == "lro"]
    assert lros and all(r["url"] is None and r["refused_url_origin"].startswith("https://localhost:") for r in lros)


def test_a_journal_naming_another_host_is_refused_naming_the_line_and_nothing_is_sent(
    emu: Emulator, recorder: Recorder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from netplan.live.journal import Journal

    plan = make_plan(tmp_path)
    data = json.loads(plan.read_text())
    first = data["changes"][0]
    key = first["key"]
    journal = tmp_path / "j"
    with Journal(journal, data["plan_id"]) as j:
        j.record("intent", key, resource_id=first["id"])
        j.record("started", key, resource_id=first["id"], absent=True)
        j.record("lro", key, resource_id=first["id"], url=f"{recorder.url}/steal?api-version=1", status=201)
    emu.stats.reset()
    assert apply_cli(emu, plan, "--yes", "--no-preflight", "--journal", str(journal), "--concurrency", "1") == 2
    last = _last_err(capsys)
    assert f"{journal}: line 4" in last and "not followed, no request sent" in last
    assert recorder.requests == []
    assert emu.stats.writes == 0


# ----------------------------------------------------------------------------------------------
# the whole plan is validated before anything is sent
# ----------------------------------------------------------------------------------------------
def _peering_index(d: dict[str, Any]) -> int:
    return next(i for i, c in enumerate(d["changes"]) if c["type"].endswith("virtualNetworkPeerings"))


def _placeholder_index(d: dict[str, Any]) -> int:
    return next(i for i, c in enumerate(d["changes"]) if c.get("placeholders"))


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda d: d["changes"][_peering_index(d)].update(id="/subscriptions/x"), "changes[{p}].id"),
        (lambda d: d["changes"][_peering_index(d)].update(id=d["changes"][_peering_index(d)]["id"].rsplit("/", 2)[0]),
         "changes[{p}].id"),
        (lambda d: d["changes"][0].update(depends_on="create:x"), "changes[0].depends_on"),
        (lambda d: d["changes"][0].update(depends_on=[None]), "changes[0].depends_on"),
        (lambda d: d["changes"][1].update(depends_on=["create:/nowhere"]), "changes[1].depends_on[0]"),
        (lambda d: d["changes"][1].update(key=d["changes"][0]["key"]), "changes[1].key"),
        (lambda d: d["changes"][0].update(body={"properties": "x"}), "changes[0].body.properties"),
        (lambda d: d["changes"][0].update(body=[1, 2]), "changes[0].body"),
        (lambda d: d["changes"][_placeholder_index(d)]["placeholders"][0].update(path="properties.nothing[3].ip"),
         "changes[{h}].placeholders[0].path"),
        (lambda d: d["changes"][_placeholder_index(d)].update(placeholders=[{"path": 1, "from": 2}]),
         "changes[{h}].placeholders[0]"),
        (lambda d: d["made_from"].update(etags=["x"]), "made_from.etags"),
        (lambda d: d["changes"][0].update(query="syncRemoteAddressSpace"), "changes[0].query"),
    ],
    ids=["short-id", "parent-id", "deps-not-list", "deps-null", "deps-unknown", "duplicate-key", "properties",
         "body-list", "placeholder-path", "placeholder-types", "etags", "query"],
)
def test_a_malformed_plan_is_refused_before_any_request_naming_file_and_json_path(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Any, where: str
) -> None:
    plan = make_plan(tmp_path)
    data = json.loads(plan.read_text())
    where = where.format(p=_peering_index(data), h=_placeholder_index(data))
    mutate(data)
    plan.write_text(json.dumps(data))
    assert apply_cli(emu, plan, "--yes") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"vnetplan: error: {plan}: {where}: "), err
    assert emu.stats.requests == 0


# ----------------------------------------------------------------------------------------------
# the journal never eats other files
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("content", ["important notes\nkeep me\n", '{"some": "json"}\n', "no newline at all"])
def test_a_file_that_is_not_a_journal_is_refused_and_left_untouched(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    plan = make_plan(tmp_path)
    victim = tmp_path / "notes.txt"
    victim.write_text(content)
    assert apply_cli(emu, plan, "--yes", "--journal", str(victim)) == 2
    last = _last_err(capsys)
    assert last.startswith(f"vnetplan: error: {victim}: line 1: not a vnetplan journal")
    assert victim.read_text() == content
    assert emu.stats.writes == 0


def test_a_journal_path_that_is_a_directory_or_cannot_be_written_is_one_line(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan(tmp_path)
    assert apply_cli(emu, plan, "--yes", "--journal", str(tmp_path)) == 2
    assert _last_err(capsys) == f"vnetplan: error: {tmp_path}: is a directory, not a journal file; give --journal a file path"
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    assert apply_cli(emu, plan, "--yes", "--journal", str(blocker / "j")) == 2
    last = _last_err(capsys)
    assert last.startswith(f"vnetplan: error: {blocker / 'j'}: cannot write the journal: ")
    assert emu.stats.writes == 0 and blocker.read_text() == "x"


# ----------------------------------------------------------------------------------------------
# ownership is proven; two applies racing end with one winner
# ----------------------------------------------------------------------------------------------
def _one_change_plan(plan: Path, kind: str) -> Any:
    from netplan.changeset import read_plan

    data = json.loads(plan.read_text())
    change = next(c for c in data["changes"] if c["type"].endswith(kind) and not c.get("depends_on"))
    data["changes"] = [{**change, "depends_on": []}]
    return read_plan(data, str(plan))


def _opts(emu: Emulator) -> Any:
    from netplan.live.apply import ApplyOptions

    return ApplyOptions(endpoint=emu.url, ca_bundle=emu.ca_path, polling_interval=0.0, attempt_backoff=0.0, preflight=False)


def test_two_applies_racing_for_one_peering_end_with_one_winner_and_a_loser_that_says_so(
    emu: Emulator, tmp_path: Path
) -> None:
    from netplan.live.apply import Outcome, apply_plan
    from netplan.live.journal import Journal
    from tests.emulator.clients import StaticTokenCredential

    plan = _one_change_plan(make_plan(tmp_path), "virtualNetworkPeerings")
    rid = plan.changes[0].id
    # Both runs read "absent" well before either PUT is processed.
    emu.set_faults(latency_ms=600, methods=["PUT"])
    results: dict[str, Any] = {}
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        barrier.wait()
        with Journal(tmp_path / f"{name}.journal", plan.plan_id) as j:
            results[name] = apply_plan(plan, StaticTokenCredential(TOKEN), _opts(emu), j)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    outcomes = sorted(r.results[0].outcome.value for r in results.values())
    assert outcomes == [Outcome.DONE.value, Outcome.STALE.value], [r.results[0].message for r in results.values()]
    loser = next(r for r in results.values() if r.results[0].outcome is Outcome.STALE)
    assert str(loser.error).startswith(f"someone else created {rid} while this apply ran")
    owners = [n for n in ("a", "b") if Journal(tmp_path / f"{n}.journal", plan.plan_id).load().owns(rid)]
    assert len(owners) == 1
    # The loser re-run later finds the peering as planned, and still does not claim it.
    emu.set_faults(latency_ms=0)
    other = "b" if owners == ["a"] else "a"
    with Journal(tmp_path / f"{other}.journal", plan.plan_id) as j:
        again = apply_plan(plan, StaticTokenCredential(TOKEN), _opts(emu), j)
    assert again.results[0].outcome is Outcome.ALREADY
    assert not Journal(tmp_path / f"{other}.journal", plan.plan_id).load().owns(rid)
    assert rid.lower() in by_id(emu)


def test_a_crash_before_the_put_leaves_no_ownership_and_someone_elses_resource_is_stale(
    emu: Emulator, tmp_path: Path
) -> None:
    """`started` was journalled, then the run died before sending; meanwhile a colleague created the
    peering with other settings. The re-run refuses it and never records it as ours."""
    from netplan.ids import parse_id
    from netplan.live.apply import Outcome, apply_plan
    from netplan.live.journal import Journal
    from tests.emulator.clients import StaticTokenCredential, network_client

    plan = _one_change_plan(make_plan(tmp_path), "virtualNetworkPeerings")
    step = plan.changes[0]
    journal = tmp_path / "j"
    with Journal(journal, plan.plan_id) as j:
        j.record("intent", step.key, resource_id=step.id)
        j.record("started", step.key, resource_id=step.id, absent=True)
    p = parse_id(step.id)
    theirs = json.loads(json.dumps(dict(step.body or {})))
    theirs["properties"]["allowForwardedTraffic"] = not theirs["properties"].get("allowForwardedTraffic", False)
    network_client(emu, p.subscription).virtual_network_peerings.begin_create_or_update(
        p.resource_group, p.names[0], p.names[1], theirs).result()
    with Journal(journal, plan.plan_id) as j:
        result = apply_plan(plan, StaticTokenCredential(TOKEN), _opts(emu), j)
    assert result.results[0].outcome is Outcome.STALE and "exists now but did not when the plan was made" in str(result.error)
    assert not Journal(journal, plan.plan_id).load().owns(step.id)


# ----------------------------------------------------------------------------------------------
# the plan records its what-if verdict; a stale plan writes nothing; plans work from any directory
# ----------------------------------------------------------------------------------------------
def cli_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, intent: str = INTENT) -> Path:
    """`vnetplan plan --out` as a user runs it: relative paths from a working directory of its own,
    the plan in a folder beside the inputs; then the current directory moves elsewhere."""
    work = tmp_path / "work"
    for d in (work / "data", work / "plans", tmp_path / "elsewhere"):
        d.mkdir(parents=True, exist_ok=True)
    (work / "data" / "estate.json").write_text(json.dumps(sample_snapshot()))
    (work / "data" / "intent.yaml").write_text(intent)
    monkeypatch.chdir(work)
    rc = main(["plan", "--estate", "data/estate.json", "--intent", "data/intent.yaml", "--out", "plans/plan.json",
               "--format", "json"])  # fmt: skip
    assert rc in (0, 1)
    monkeypatch.chdir(tmp_path / "elsewhere")
    return work / "plans" / "plan.json"


def _grow(emu: Emulator, vnet: str, prefix: str) -> None:
    snap = emu.resources()
    for r in snap["resources"]:
        if r["id"].lower() == vnet.lower():
            r["properties"]["addressSpace"]["addressPrefixes"].append(prefix)
    emu.load(snap)


def test_the_plan_file_records_its_whatif_verdict_and_apply_refuses_one_that_would_not_verify(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = cli_plan(tmp_path / "good", monkeypatch=monkeypatch)
    verdict = json.loads(good.read_text())["whatif"]
    assert verdict["verifies"] is True and verdict["summary"].startswith("the result would verify")
    # Peering a VNet that overlaps the provider: the what-if says it would not verify.
    bad = cli_plan(tmp_path / "bad", monkeypatch, INTENT.replace("method: private-link", "method: peering"))
    verdict = json.loads(bad.read_text())["whatif"]
    assert verdict["verifies"] is False and any("overlap" in r for r in verdict["reasons"])
    capsys.readouterr()
    assert apply_cli(emu, bad, "--yes") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"vnetplan: error: {bad}: whatif: the plan's what-if says the result would NOT verify")
    assert "--allow-unverified" in err[-1] and emu.stats.requests == 0
    apply_cli(emu, bad, "--yes", "--allow-unverified")
    err = capsys.readouterr().err
    assert "applying a plan whose what-if says the result would NOT verify (--allow-unverified)" in err
    assert emu.stats.requests > 0


def test_a_plan_made_with_relative_paths_applies_and_verifies_from_another_directory(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = cli_plan(tmp_path, monkeypatch=monkeypatch)
    made = json.loads(plan.read_text())["made_from"]
    import os

    assert made["paths"] == "plan-relative" and made["intent"] == os.path.join(os.pardir, "data", "intent.yaml")
    assert apply_cli(emu, plan, "--yes", "--verify") == 0, capsys.readouterr().err
    assert "result: PASS" in capsys.readouterr().out


def test_a_stale_plan_lists_every_difference_and_writes_nothing_even_without_its_estate_files(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.emulator.sample import vnet_id

    plan = cli_plan(tmp_path, monkeypatch=monkeypatch)
    (tmp_path / "work" / "data" / "estate.json").unlink()  # the plan's own record is enough
    _grow(emu, vnet_id("spoke1"), "10.11.0.0/16")  # a peering side (P4)
    _grow(emu, vnet_id("hub", "rg-hub"), "10.250.0.0/16")  # the other side, and the PLS's VNet
    emu.stats.reset()
    assert apply_cli(emu, plan, "--yes") == 2
    err = capsys.readouterr().err.strip().splitlines()
    stale = [line for line in err if line.startswith("vnetplan: stale: ")]
    assert len(stale) == 2 and all("addressSpace.addressPrefixes" in line for line in stale)
    assert any("rg-spoke/spoke1" in line for line in stale) and any("rg-hub/hub" in line for line in stale)
    assert err[-1].startswith("vnetplan: error: stale plan: ") and "2 differences in all" in err[-1]
    assert "nothing was written" in err[-1] and "--allow-stale" in err[-1]
    assert emu.stats.writes == 0


def test_allow_stale_applies_only_the_changes_still_valid(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.emulator.sample import vnet_id

    plan = cli_plan(tmp_path, monkeypatch=monkeypatch)
    _grow(emu, vnet_id("spoke1"), "10.11.0.0/16")
    assert apply_cli(emu, plan, "--yes", "--allow-stale") == 1
    out = capsys.readouterr()
    assert "stale change(s) were not applied (--allow-stale)" in out.err
    live = by_id(emu)
    peerings = [c["id"] for c in json.loads(plan.read_text())["changes"] if c["type"].endswith("virtualNetworkPeerings")]
    assert peerings and not any(p.lower() in live for p in peerings)
    from tests.integration.test_apply import PE

    assert PE.lower() in live  # the Private Link half did not depend on spoke1


# ----------------------------------------------------------------------------------------------
# preflight asks where the write happens; "cannot tell" stops
# ----------------------------------------------------------------------------------------------
def test_preflight_finds_a_join_denied_on_the_endpoints_own_subnet(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.emulator import ForbiddenRule
    from tests.emulator.sample import vnet_id

    subnet = f"{vnet_id('overlap')}/subnets/default"
    plan = make_plan(tmp_path)
    # Denied on the subnet only: the VNet's permissions do not show it (as in ARM).
    emu.set_faults(forbidden=[ForbiddenRule(scope=subnet, action="Microsoft.Network/virtualNetworks/subnets/join/action")])
    assert apply_cli(emu, plan, "--yes") == 2
    last = _last_err(capsys)
    assert last.startswith("vnetplan: error: preflight: missing 'Microsoft.Network/virtualNetworks/subnets/join/action' "
                           f"on {subnet}") and "nothing was changed" in last  # fmt: skip
    assert emu.stats.writes == 0


def test_preflight_that_cannot_tell_stops_unless_skip_preflight(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.emulator import ForbiddenRule
    from tests.emulator.authz import READ_ACTION
    from tests.emulator.sample import vnet_id

    plan = make_plan(tmp_path)
    hub = vnet_id("hub", "rg-hub")
    emu.set_faults(forbidden=[ForbiddenRule(scope=hub, action=READ_ACTION)])
    assert apply_cli(emu, plan, "--yes") == 2
    last = _last_err(capsys)
    assert last.startswith("vnetplan: error: preflight: cannot tell whether ") and "HTTP 403" in last
    assert "--skip-preflight" in last and "nothing was changed" in last
    assert emu.stats.writes == 0
    assert apply_cli(emu, plan, "--yes", "--skip-preflight") == 0
    assert emu.stats.writes > 0


# ----------------------------------------------------------------------------------------------
# Azure Policy: asked before writing; a denial during the run is one line and resumable
# ----------------------------------------------------------------------------------------------
def _zone_deny() -> Any:
    from tests.emulator import PolicyDeny
    from tests.emulator.sample import rg_scope

    # A landing zone's rule: no private DNS zones in the spokes' resource group.
    return PolicyDeny(type="Microsoft.Network/privateDnsZones", scope=rg_scope("rg-spoke"),
                      assignment="deny-pdns-outside-connectivity")  # fmt: skip


def test_a_policy_denial_stops_apply_before_the_first_write_naming_the_assignment(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan(tmp_path)
    deny = _zone_deny()
    emu.set_faults(policy_deny=[deny])
    emu.stats.reset()
    assert apply_cli(emu, plan, "--yes") == 2
    last = _last_err(capsys)
    assert last.startswith("vnetplan: error: Azure Policy would deny change create:") and "azure.mendixapps.io" in last
    assert f"policy assignment 'deny-pdns-outside-connectivity' ({deny.assignment_id()})" in last
    assert "nothing was changed" in last
    assert emu.stats.writes == 0
    checks = [k for k in emu.stats.by_kind if k.startswith("POST") and "checkPolicyRestrictions".lower() in k.lower()]
    assert checks, emu.stats.by_kind
    # Without the deny the same plan passes the check and applies.
    emu.set_faults(policy_deny=[])
    assert apply_cli(emu, plan, "--yes") == 0


def test_request_disallowed_by_policy_during_apply_is_one_line_and_the_journal_resumes(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from netplan.live.journal import read_journal

    plan = make_plan(tmp_path)
    deny = _zone_deny()
    emu.set_faults(policy_deny=[deny])
    # --skip-preflight: no permission or policy check before writing; Azure answers at the write.
    assert apply_cli(emu, plan, "--yes", "--skip-preflight", "--concurrency", "1") == 2
    last = _last_err(capsys)
    assert "was denied by Azure Policy: assignment 'Deny private DNS zones outside the connectivity subscription' " \
           f"({deny.assignment_id()})" in last and "re-run once the policy allows it" in last  # fmt: skip
    failed = [r for r in read_journal(f"{plan}.journal") if r["event"] == "failed"]
    assert failed and "Azure Policy" in failed[0]["reason"]
    emu.set_faults(policy_deny=[])
    assert apply_cli(emu, plan, "--yes") == 0
    out = capsys.readouterr().out
    assert out.count(" done") + out.count(" already") >= 9
