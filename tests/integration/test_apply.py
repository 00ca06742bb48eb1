"""`vnetplan apply` through the real Azure SDK clients against the ARM emulator (HTTPS on loopback).

What a user relies on: a plan made by `vnetplan plan` is carried out exactly (tagged, in order,
private endpoint IPs filled in), the intent then verifies on a fresh inventory, a second apply
sends no write, a dry run sends no write, nothing happens without confirmation, a plan made from
an older estate is refused naming what changed, nothing vnetplan does not own is deleted, a
missing permission is one line naming the action and the scope, and the token never leaks.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.emulator import Emulator, FaultConfig, ForbiddenRule
from tests.emulator.sample import SUB, ZONE, rg_scope, sample_snapshot, vnet_id
from vnetplan.cli import main

pytestmark = pytest.mark.integration  # every test here talks to the ARM emulator

TOKEN = "vnetplan-apply-test-token-5d1e-SECRET"
HUB = vnet_id("hub", "rg-hub")
SPOKE1 = vnet_id("spoke1")
OVERLAP = vnet_id("overlap")
HUB_ZONE = f"{rg_scope('rg-dns')}/providers/Microsoft.Network/privateDnsZones/{ZONE}"
SPOKE_ZONE = f"{rg_scope('rg-spoke')}/providers/Microsoft.Network/privateDnsZones/{ZONE}"
PLS = f"{rg_scope('rg-hub')}/providers/Microsoft.Network/privateLinkServices/pls-apps"
PE = f"{rg_scope('rg-spoke')}/providers/Microsoft.Network/privateEndpoints/pe-pls-apps-overlap"

#: spoke1 by peering (wildcard record in the hub's zone already answers), overlap (10.0.128.0/20
#: overlaps the hub) by Private Link: a new PLS, a private endpoint, its own zone copy, two records
#: whose address only Azure knows.
INTENT = """\
version: 1
provider:
  vnet: hub
  load_balancer: ilb
  app_domain: azure.mendixapps.io
  private_link_service:
    name: pls-apps
    nat_subnet: default
  dns:
    resource_group: rg-dns
connections:
  - consumer: spoke1
    method: peering
    apps: "*"
  - consumer: overlap
    method: private-link
    subnet: default
    apps: [app1, app2]
"""

_RANDOM_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.IGNORECASE)


def make_plan(tmp_path: Path, snapshot: dict[str, Any] | None = None, intent: str = INTENT) -> Path:
    """Write the estate and intent, run the real planner, and return the plan file."""
    from netplan.estate import load_estate
    from netplan.intent import load_intent
    from netplan.plan import make_plan as plan_it

    estate_file = tmp_path / "estate.json"
    estate_file.write_text(json.dumps(snapshot or sample_snapshot()))
    intent_file = tmp_path / "intent.yaml"
    intent_file.write_text(intent)
    estate = load_estate([str(estate_file)])
    plan = plan_it(estate, load_intent(str(intent_file), estate)).to_dict()
    out = tmp_path / "plan.json"
    out.write_text(json.dumps(plan, indent=1))
    return out


def normalized_state(emu: Emulator) -> str:
    """The emulator's state with what Azure randomises (etags, GUIDs, link ids) blanked out."""
    snap = emu.resources()

    def scrub(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: scrub(v) for k, v in node.items() if k not in ("etag", "resourceGuid", "linkIdentifier")}
        if isinstance(node, list):
            return [scrub(x) for x in node]
        return _RANDOM_UUID.sub("<uuid>", node) if isinstance(node, str) else node

    return json.dumps(scrub(snap), sort_keys=True)


def by_id(emu: Emulator) -> dict[str, dict[str, Any]]:
    out = {}
    for r in emu.resources()["resources"]:
        out[r["id"].lower()] = r
        for p in r.get("properties", {}).get("virtualNetworkPeerings", []) or []:
            out[p["id"].lower()] = p
    return out


def apply_cli(emu: Emulator, plan: Path, *extra: str) -> int:
    return main(["apply", str(plan), "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--polling-interval", "0", *extra])


@pytest.fixture
def emu() -> Any:
    faults = FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)
    with Emulator(sample_snapshot(), faults=faults) as e:
        yield e


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNETPLAN_ACCESS_TOKEN", TOKEN)


def test_apply_sample_plan_then_intent_verifies_and_second_apply_sends_no_write(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan(tmp_path)
    changes = json.loads(plan.read_text())["changes"]
    assert len(changes) == 9
    rc = apply_cli(emu, plan, "--yes", "--verify")
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "result: PASS" in out.out
    assert emu.stats.writes >= 9
    live = by_id(emu)
    for c in changes:
        assert c["id"].lower() in live, c["id"]
    # Everything taggable carries managed-by and the plan id; records carry it in metadata.
    plan_id = json.loads(plan.read_text())["plan_id"]
    for rid in (PLS, PE, SPOKE_ZONE):
        assert live[rid.lower()]["tags"] == {"managed-by": "vnetplan", "vnetplan-plan": plan_id}
    app1 = live[f"{SPOKE_ZONE}/A/app1".lower()]["properties"]
    assert app1["metadata"]["managed-by"] == "vnetplan"
    # The record holds the address Azure gave the endpoint's NIC, not the plan's placeholder.
    nic_id = live[PE.lower()]["properties"]["networkInterfaces"][0]["id"]
    nic_ip = live[nic_id.lower()]["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
    assert app1["aRecords"] == [{"ipv4Address": nic_ip}] and nic_ip.startswith("10.0.128.")
    assert live[f"{HUB}/virtualNetworkPeerings/hub-to-spoke1".lower()]["properties"]["peeringState"] == "Connected"

    before = normalized_state(emu)
    emu.stats.reset()
    assert apply_cli(emu, plan, "--yes") == 0
    assert emu.stats.writes == 0
    assert normalized_state(emu) == before
    assert capsys.readouterr().out.count("already") == 9


def test_dry_run_sends_no_write_and_writes_no_journal(emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = make_plan(tmp_path)
    before = normalized_state(emu)
    assert apply_cli(emu, plan, "--dry-run") == 0
    assert emu.stats.writes == 0 and emu.stats.requests > 0
    assert normalized_state(emu) == before
    assert not Path(f"{plan}.journal").exists()
    out = capsys.readouterr()
    assert out.out.count("would-write") == 9 and "nothing was sent" in out.err


def test_without_a_terminal_and_without_yes_nothing_is_sent(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    plan = make_plan(tmp_path)
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # piped input is not a confirmation
    assert apply_cli(emu, plan) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("vnetplan: error: refusing to apply without confirmation") and "--yes" in err[-1]
    assert emu.stats.requests == 0


def test_stale_plan_address_space_changed_is_refused_naming_the_vnet(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan(tmp_path)
    # Someone grows spoke1's address space after the plan was made.
    snap = emu.resources()
    for r in snap["resources"]:
        if r["id"].lower() == SPOKE1.lower():
            r["properties"]["addressSpace"]["addressPrefixes"].append("10.11.0.0/16")
    emu.load(snap)
    emu.stats.reset()
    assert apply_cli(emu, plan, "--yes") == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("vnetplan: error: ") and "rg-spoke/spoke1 changed since the plan was made" in err
    assert "addressPrefixes" in err and "re-plan" in err
    peering_writes = [k for k in emu.stats.by_kind if k.startswith("PUT") and "virtualNetworkPeerings" in k]
    assert peering_writes == []


def _with_change(plan: Path, change: dict[str, Any], etags: dict[str, str] | None = None) -> Path:
    data = json.loads(plan.read_text())
    data["changes"] = [change]
    data["made_from"]["etags"] = etags or {}
    out = plan.with_name("plan-edited.json")
    out.write_text(json.dumps(data))
    return out


def test_stale_plan_etag_changed_is_refused_and_the_record_keeps_its_new_value(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wildcard = f"{HUB_ZONE}/A/*"
    planned_etag = by_id(emu)[wildcard.lower()]["etag"]
    plan = _with_change(make_plan(tmp_path), {
        "key": f"update:{wildcard.lower()}", "action": "update", "id": wildcard, "type": "Microsoft.Network/privateDnsZones/A",
        "api_version": "2024-06-01", "depends_on": [], "reason": "point the apps at the new frontend",
        "body": {"properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.0.1.5"}]}},
        "before": {"properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.0.1.4"}]}},
    }, {wildcard: planned_etag})  # fmt: skip
    from tests.emulator.clients import dns_client

    dc = dns_client(emu, SUB)
    dc.record_sets.create_or_update("rg-dns", ZONE, "A", "*", {"properties": {"ttl": 60, "aRecords": [{"ipv4Address": "10.0.1.9"}]}})
    emu.stats.reset()
    assert apply_cli(emu, plan, "--yes") == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "changed since the plan was made (etag differs)" in err and "/A/*" in err
    assert emu.stats.writes == 0
    assert by_id(emu)[wildcard.lower()]["properties"]["aRecords"] == [{"ipv4Address": "10.0.1.9"}]


def test_update_with_unchanged_etag_is_written(emu: Emulator, tmp_path: Path) -> None:
    wildcard = f"{HUB_ZONE}/A/*"
    plan = _with_change(make_plan(tmp_path), {
        "key": f"update:{wildcard.lower()}", "action": "update", "id": wildcard, "type": "Microsoft.Network/privateDnsZones/A",
        "api_version": "2024-06-01", "depends_on": [], "reason": "point the apps at the new frontend",
        "body": {"properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.0.1.5"}]}},
    }, {wildcard: by_id(emu)[wildcard.lower()]["etag"]})  # fmt: skip
    assert apply_cli(emu, plan, "--yes") == 0
    assert by_id(emu)[wildcard.lower()]["properties"]["aRecords"] == [{"ipv4Address": "10.0.1.5"}]


def test_delete_of_a_resource_without_the_vnetplan_tag_is_refused(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = f"{HUB_ZONE}/virtualNetworkLinks/hub-link"
    plan = _with_change(make_plan(tmp_path), {
        "key": f"delete:{link.lower()}", "action": "delete", "id": link,
        "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "api_version": "2024-06-01",
        "depends_on": [], "reason": "tidy", "body": None,
    })  # fmt: skip
    assert apply_cli(emu, plan, "--yes") == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"vnetplan: error: refusing to delete {link}") and "managed-by: vnetplan" in err
    assert emu.stats.writes == 0 and link.lower() in by_id(emu)


def test_delete_of_what_vnetplan_created_tagged_or_journal_owned(emu: Emulator, tmp_path: Path) -> None:
    plan = make_plan(tmp_path)
    journal = tmp_path / "shared.journal"
    assert apply_cli(emu, plan, "--yes", "--journal", str(journal)) == 0
    peering = f"{HUB}/virtualNetworkPeerings/hub-to-spoke1"
    record = f"{SPOKE_ZONE}/A/app2"
    data = json.loads(plan.read_text())
    data["plan_id"] = "vp-teardown"
    data["changes"] = [
        {"key": f"delete:{x.lower()}", "action": "delete", "id": x, "type": t, "api_version": "", "depends_on": [], "body": None}
        for x, t in ((peering, "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"),
                     (record, "Microsoft.Network/privateDnsZones/A"),
                     (PE, "Microsoft.Network/privateEndpoints"))
    ]  # fmt: skip
    teardown = tmp_path / "teardown.json"
    teardown.write_text(json.dumps(data))
    # The peering has no tags: only the journal of the apply that created it proves ownership.
    assert apply_cli(emu, teardown, "--yes", "--journal", str(tmp_path / "other.journal")) == 2
    assert peering.lower() in by_id(emu)
    assert apply_cli(emu, teardown, "--yes", "--journal", str(journal)) == 0
    live = by_id(emu)
    assert peering.lower() not in live and record.lower() not in live and PE.lower() not in live
    assert f"{SPOKE_ZONE}/A/app1".lower() in live
    assert by_id(emu)[f"{vnet_id('spoke1')}/virtualNetworkPeerings/spoke1-to-hub".lower()]["properties"]["peeringState"] == "Disconnected"


@pytest.mark.parametrize("preflight", [True, False], ids=["preflight", "no-preflight"])
def test_forbidden_peer_action_on_the_remote_vnet_is_one_line_naming_action_and_scope(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], preflight: bool
) -> None:
    plan = make_plan(tmp_path)
    emu.set_faults(forbidden=[ForbiddenRule(scope=HUB, action="Microsoft.Network/virtualNetworks/peer/action")])
    extra = () if preflight else ("--no-preflight", "--concurrency", "1")
    assert apply_cli(emu, plan, "--yes", *extra) == 2
    err = capsys.readouterr().err.strip().splitlines()
    last = err[-1]
    assert last.startswith("vnetplan: error: ") and "\n" not in last
    assert "'Microsoft.Network/virtualNetworks/peer/action'" in last and HUB in last
    assert "spoke1-to-hub" in last and "Traceback" not in "\n".join(err)
    if preflight:
        assert "nothing was changed" in last and emu.stats.writes == 0


def test_token_never_appears_in_output_or_journal(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = make_plan(tmp_path)
    emu.set_faults(forbidden=[ForbiddenRule(scope=SPOKE_ZONE)], lro_fail_next=1)
    apply_cli(emu, plan, "--yes", "--no-preflight")
    apply_cli(emu, plan, "--dry-run")
    out = capsys.readouterr()
    journal = Path(f"{plan}.journal").read_text()
    assert journal and TOKEN not in out.out + out.err + journal


def test_an_empty_plan_is_nothing_to_do(emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = make_plan(tmp_path)
    data = json.loads(plan.read_text())
    data["changes"] = []
    plan.write_text(json.dumps(data))
    assert apply_cli(emu, plan) == 0
    assert emu.stats.requests == 0 and "nothing to do" in capsys.readouterr().err


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda d: d.update(schema="something/else"), "schema"),
        (lambda d: d["changes"][0].update(action="replace"), "changes[0].action"),
        (lambda d: d["changes"][1].update(depends_on=["create:/nowhere"]), "changes"),
        (lambda d: d["changes"][0].pop("body"), "changes[0].body"),
        (lambda d: d["changes"][0].update(type="Microsoft.Network/firewallPolicies"), "changes[0].type"),
    ],
    ids=["schema", "action", "dependency", "body", "unsupported-type"],
)
def test_bad_plan_file_is_one_line_naming_file_and_place(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Any, where: str
) -> None:
    plan = make_plan(tmp_path)
    data = copy.deepcopy(json.loads(plan.read_text()))
    mutate(data)
    plan.write_text(json.dumps(data))
    assert apply_cli(emu, plan, "--yes") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"vnetplan: error: {plan}: {where}")
    assert emu.stats.requests == 0


PEERING_ONLY = """\
version: 1
provider:
  vnet: hub
  load_balancer: ilb
  app_domain: azure.mendixapps.io
  dns:
    resource_group: rg-dns
connections:
  - consumer: spoke1
    method: peering
    apps: "*"
"""


def test_peering_out_of_sync_after_an_address_change_is_synced(
    emu: Emulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.emulator.clients import network_client

    nc = network_client(emu, SUB)
    for rg, name, peer, remote in (("rg-hub", "hub", "hub-to-spoke1", SPOKE1), ("rg-spoke", "spoke1", "spoke1-to-hub", HUB)):
        nc.virtual_network_peerings.begin_create_or_update(rg, name, peer, {"properties": {"remoteVirtualNetwork": {"id": remote}}}).result()
    spoke = nc.virtual_networks.get("rg-spoke", "spoke1").as_dict()
    spoke["properties"]["addressSpace"]["addressPrefixes"].append("10.11.0.0/16")
    nc.virtual_networks.begin_create_or_update("rg-spoke", "spoke1", spoke).result()
    hub_link = nc.virtual_network_peerings.get("rg-hub", "hub", "hub-to-spoke1")
    assert hub_link.peering_sync_level != "FullyInSync"
    # The plan is made from a fresh inventory (with its etags), as a user would.
    snap = tmp_path / "live.json"
    assert main(["inventory", "--endpoint", emu.url, "--ca-bundle", emu.ca_path, "--out", str(snap), "--quiet"]) == 0
    plan = make_plan(tmp_path, json.loads(snap.read_text()), PEERING_ONLY)
    changes = json.loads(plan.read_text())["changes"]
    syncs = [c for c in changes if c.get("query", {}).get("syncRemoteAddressSpace") == "true"]
    assert syncs and all(c["action"] == "update" for c in syncs)
    emu.stats.reset()
    assert apply_cli(emu, plan, "--yes", "--verify") == 0
    puts = [k for k in emu.stats.by_kind if k.startswith("PUT") and "virtualNetworkPeerings" in k]
    assert puts
    for rg, name, peer in (("rg-hub", "hub", "hub-to-spoke1"), ("rg-spoke", "spoke1", "spoke1-to-hub")):
        link = nc.virtual_network_peerings.get(rg, name, peer)
        assert link.peering_sync_level == "FullyInSync" and link.peering_state == "Connected"
    assert "10.11.0.0/16" in nc.virtual_network_peerings.get("rg-hub", "hub", "hub-to-spoke1").remote_address_space.address_prefixes
    assert "result: PASS" in capsys.readouterr().out


SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.mark.parametrize("name", sorted(p.name[: -len("-intent.yaml")] for p in SAMPLES.glob("*-intent.yaml")))
def test_each_sample_plan_applies_verifies_on_a_fresh_inventory_and_reapplies_as_a_no_op(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    estate = json.loads((SAMPLES / f"{name}-estate.json").read_text())
    plan = make_plan(tmp_path, estate, (SAMPLES / f"{name}-intent.yaml").read_text())
    data = json.loads(plan.read_text())
    with Emulator(estate, faults=FaultConfig(lro_polls=1, lro_retry_after=0, retry_after=0)) as e:
        rc = apply_cli(e, plan, "--yes", "--verify")
        out = capsys.readouterr()
        # A plan without problems must verify; one that reports problems (the Mendix sample has
        # deliberate ones) is applied, and the verification says what is still wrong.
        assert rc == (1 if data["problems"] else 0), out.err
        assert out.out.count(" done") == len(data["changes"])
        assert ("result: PASS" in out.out) == (not data["problems"])
        e.stats.reset()
        assert apply_cli(e, plan, "--yes") == 0
        assert e.stats.writes == 0


def test_resume_waits_for_the_operation_an_interrupted_run_left_in_flight(emu: Emulator, tmp_path: Path) -> None:
    """A run killed after Azure accepted a PUT: the re-run polls the journalled LRO URL to its end
    and finds the change done, instead of writing it again (or tripping over a 409)."""
    from netplan.changeset import read_plan
    from netplan.live.apply import Outcome, apply_plan
    from netplan.live.journal import Journal
    from tests.emulator.clients import StaticTokenCredential, dns_client

    plan_file = make_plan(tmp_path)
    data = json.loads(plan_file.read_text())
    zone = next(c for c in data["changes"] if c["type"] == "Microsoft.Network/privateDnsZones")
    data["changes"] = [zone]
    plan = read_plan(data, "plan.json")
    step = plan.changes[0]
    from netplan.changeset import with_ownership

    emu.set_faults(lro_polls=25)
    seen: dict[str, str] = {}

    def hook(resp: Any) -> None:
        seen.setdefault("url", resp.http_response.headers.get("Azure-AsyncOperation", ""))

    # The "interrupted run": Azure accepts the PUT, the journal has started + lro, nobody polls.
    dns_client(emu, SUB).private_zones.begin_create_or_update("rg-spoke", ZONE, with_ownership(step, plan.plan_id), raw_response_hook=hook)
    journal = tmp_path / "j"
    with Journal(journal, plan.plan_id) as j:
        j.record("intent", step.key, resource_id=step.id)
        j.record("started", step.key, resource_id=step.id)
        j.record("lro", step.key, resource_id=step.id, url=seen["url"])
    assert by_id(emu)[SPOKE_ZONE.lower()]["properties"]["provisioningState"] == "Creating"
    writes = emu.stats.writes
    opts_kw = dict(endpoint=emu.url, ca_bundle=emu.ca_path, polling_interval=0.0, attempt_backoff=0.0, preflight=False)
    from netplan.live.apply import ApplyOptions

    with Journal(journal, plan.plan_id) as j:
        result = apply_plan(plan, StaticTokenCredential(TOKEN), ApplyOptions(**opts_kw), j)  # type: ignore[arg-type]
    assert result.ok and result.results[0].outcome is Outcome.ALREADY
    assert emu.stats.writes == writes
    assert by_id(emu)[SPOKE_ZONE.lower()]["properties"]["provisioningState"] == "Succeeded"
