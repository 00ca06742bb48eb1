"""The apply executor's decisions, journal and preflight, rule by rule (no server needed).

``decide`` is what makes apply safe and resumable: it says "already done" only when the live
resource holds the plan, "stale" when someone else changed it, and never lets a delete touch what
vnetplan does not own. The journal survives a torn last line; the preflight evaluates ARM
permissions (actions minus notActions, wildcards) and never counts "could not tell" as granted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from netplan.changeset import Change, check_dependencies, set_path, with_ownership
from netplan.errors import InputError
from netplan.live.decide import Next as Decision
from netplan.live.decide import decide, matches
from netplan.live.errors import StalePlan, UnsafeDelete
from netplan.live.journal import ChangeState, Journal, JournalBusy, read_journal
from netplan.live.preflight import (
    PEER_ACTION,
    check_permissions,
    granted,
    permission_scope,
    required_permissions,
)
from netplan.vocab import Action

VNET = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/pass_local"
REMOTE = "/subscriptions/s2/resourceGroups/rg2/providers/Microsoft.Network/virtualNetworks/remote"
PEERING = f"{VNET}/virtualNetworkPeerings/to-remote"
ZONE = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/example.com"
PLAN = "vp-test"


def step(action: Action = Action.CREATE, rid: str = f"{ZONE}/virtualNetworkLinks/l", rtype: str = "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
         body: dict[str, Any] | None = None, **kw: Any) -> Change:  # fmt: skip
    if body is None and action != Action.DELETE:
        body = {"location": "Global", "properties": {"registrationEnabled": False, "virtualNetwork": {"id": VNET}}}
    if "before_etag" in kw:
        kw["etag"] = kw.pop("before_etag")
    if kw.pop("sync_remote", False):
        kw["query"] = {"syncRemoteAddressSpace": "true"}
    return Change(action, rid, rtype, "", body, "", key=f"{action.value}:{rid.lower()}", **kw)


def live_of(s: Change, **extra: Any) -> dict[str, Any]:
    body = with_ownership(s, PLAN)
    return {"id": s.id, "etag": "e1", **body, "properties": {**body.get("properties", {}), "provisioningState": "Succeeded"}, **extra}


NEW = ChangeState("c")


def test_pass_create_when_absent_is_written() -> None:
    s = step()
    assert decide(s, with_ownership(s, PLAN), None, NEW, PLAN, False) is Decision.WRITE


def test_pass_create_already_in_place_is_not_written_again() -> None:
    s = step()
    live = live_of(s)
    live["properties"]["virtualNetwork"]["id"] = VNET.upper()  # Azure may change the case of IDs
    assert decide(s, with_ownership(s, PLAN), live, NEW, PLAN, False) is Decision.ALREADY


def test_fail_create_whose_target_someone_else_made_is_stale() -> None:
    s = step()
    other = {"id": s.id, "etag": "x", "tags": {}, "properties": {"registrationEnabled": True, "virtualNetwork": {"id": VNET}}}
    with pytest.raises(StalePlan, match="exists now but did not when the plan was made"):
        decide(s, with_ownership(s, PLAN), other, NEW, PLAN, False)


def test_pass_create_left_failed_by_our_earlier_run_is_written_again() -> None:
    s = step()
    live = live_of(s)
    live["properties"]["provisioningState"] = "Failed"
    assert decide(s, with_ownership(s, PLAN), live, NEW, PLAN, False) is Decision.WRITE
    # an untaggable one (a peering) is recognised as ours through the journal
    p = step(rid=PEERING, rtype="Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
             body={"properties": {"remoteVirtualNetwork": {"id": REMOTE}}})  # fmt: skip
    failed = {"id": PEERING, "etag": "e2", "properties": {"remoteVirtualNetwork": {"id": REMOTE}, "provisioningState": "Failed"}}
    assert decide(p, dict(p.body or {}), failed, ChangeState("c", started=True), PLAN, False) is Decision.WRITE
    with pytest.raises(StalePlan):
        decide(p, dict(p.body or {}), failed, NEW, PLAN, False)


def test_fail_started_alone_does_not_make_a_different_resource_ours() -> None:
    """A crash between journalling `started` and the PUT: what exists now with other properties is
    someone else's; only Azure's acceptance of our create (absent, then `lro`) proves it ours."""
    p = step(rid=PEERING, rtype="Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
             body={"properties": {"remoteVirtualNetwork": {"id": REMOTE}, "allowForwardedTraffic": False}})  # fmt: skip
    theirs = {"id": PEERING, "etag": "e7", "properties": {"remoteVirtualNetwork": {"id": REMOTE}, "allowForwardedTraffic": True,
              "provisioningState": "Succeeded"}}  # fmt: skip
    with pytest.raises(StalePlan, match="exists now but did not"):
        decide(p, dict(p.body or {}), theirs, ChangeState("c", started=True), PLAN, False)
    assert decide(p, dict(p.body or {}), theirs, ChangeState("c", started=True, created_by_us=True), PLAN, False) is Decision.WRITE


def test_journal_proves_a_create_only_when_azure_accepted_it_while_the_target_was_absent(tmp_path: Path) -> None:
    path = tmp_path / "j"
    with Journal(path, PLAN) as j:
        j.record("started", "c1", resource_id="/x", absent=True)
        j.record("started", "c2", resource_id="/y", absent=True)
        j.record("lro", "c2", resource_id="/y", url=None, etag="e1", status=201)
        j.record("started", "c3", resource_id="/z", absent=False)
        j.record("lro", "c3", resource_id="/z", url=None, etag="e1", status=200)
    got = Journal(path, PLAN).load()
    assert [got.state(c).created_by_us for c in ("c1", "c2", "c3")] == [False, True, False]


def test_fail_update_with_changed_etag_is_stale_pass_with_same_etag_is_written() -> None:
    s = step(Action.UPDATE, before_etag="e0")
    live = {"id": s.id, "etag": "e0", "properties": {"registrationEnabled": True, "virtualNetwork": {"id": VNET}}}
    assert decide(s, dict(s.body or {}), live, NEW, PLAN, False) is Decision.WRITE
    with pytest.raises(StalePlan, match="etag differs"):
        decide(s, dict(s.body or {}), {**live, "etag": "e9"}, NEW, PLAN, False)
    # ... unless the new etag is the one our own (interrupted) write produced
    assert decide(s, dict(s.body or {}), {**live, "etag": "e9"}, ChangeState("c", written_etags={"e9"}), PLAN, False) is Decision.WRITE


def test_fail_update_of_a_resource_that_is_gone_is_stale() -> None:
    with pytest.raises(StalePlan, match="no longer exists"):
        decide(step(Action.UPDATE, before_etag="e0"), {}, None, NEW, PLAN, False)


def test_fail_delete_without_tag_or_journal_ownership_is_refused() -> None:
    s = step(Action.DELETE, body=None)
    with pytest.raises(UnsafeDelete, match="managed-by: vnetplan"):
        decide(s, {}, {"id": s.id, "tags": {"owner": "network-team"}}, NEW, PLAN, False)
    p = step(Action.DELETE, rid=PEERING, rtype="Microsoft.Network/virtualNetworks/virtualNetworkPeerings", body=None)
    with pytest.raises(UnsafeDelete, match="journal ownership"):
        decide(p, {}, {"id": PEERING, "properties": {}}, NEW, PLAN, False)


def test_pass_delete_of_owned_resource_is_written_and_of_missing_one_is_done() -> None:
    s = step(Action.DELETE, body=None)
    assert decide(s, {}, {"id": s.id, "tags": {"managed-by": "vnetplan"}}, NEW, PLAN, False) is Decision.WRITE
    p = step(Action.DELETE, rid=PEERING, rtype="Microsoft.Network/virtualNetworks/virtualNetworkPeerings", body=None)
    assert decide(p, {}, {"id": PEERING, "properties": {}}, NEW, PLAN, True) is Decision.WRITE
    assert decide(s, {}, None, NEW, PLAN, False) is Decision.ALREADY


def test_pass_sync_is_done_only_when_the_remote_address_space_is_synced() -> None:
    body = {"properties": {"remoteVirtualNetwork": {"id": REMOTE}}}
    p = step(Action.UPDATE, rid=PEERING, rtype="Microsoft.Network/virtualNetworks/virtualNetworkPeerings", body=body, sync_remote=True)
    live = {"id": PEERING, "etag": "e0", "properties": {"remoteVirtualNetwork": {"id": REMOTE}, "provisioningState": "Succeeded",
            "remoteAddressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
            "remoteVirtualNetworkAddressSpace": {"addressPrefixes": ["10.1.0.0/16", "10.11.0.0/16"]}}}  # fmt: skip
    assert decide(p, body, live, NEW, PLAN, False) is Decision.WRITE
    live["properties"]["remoteAddressSpace"] = {"addressPrefixes": ["10.11.0.0/16", "10.1.0.0/16"]}
    assert decide(p, body, live, NEW, PLAN, False) is Decision.ALREADY


def test_matches_lists_are_order_free_but_exact_in_length() -> None:
    want = {"properties": {"aRecords": [{"ipv4Address": "10.0.0.4"}, {"ipv4Address": "10.0.0.5"}]}}
    assert matches(want, {"properties": {"aRecords": [{"ipv4Address": "10.0.0.5"}, {"ipv4Address": "10.0.0.4"}], "ttl": 5}})
    assert not matches(want, {"properties": {"aRecords": [{"ipv4Address": "10.0.0.4"}]}})
    assert not matches(want, {"properties": {"aRecords": [{"ipv4Address": "10.0.0.4"}, {"ipv4Address": "10.0.0.4"}, {"ipv4Address": "10.0.0.5"}]}})
    assert matches({"location": "West Europe"}, {"location": "westeurope"})
    assert not matches({"tags": {"env": "Prod"}}, {"tags": {"env": "prod"}})


def test_ownership_tags_only_on_create_and_metadata_on_record_sets() -> None:
    z = with_ownership(step(), PLAN)
    assert z["tags"] == {"managed-by": "vnetplan", "vnetplan-plan": PLAN}
    rec = step(rid=f"{ZONE}/A/app", rtype="Microsoft.Network/privateDnsZones/A", body={"properties": {"ttl": 5, "aRecords": []}})
    assert with_ownership(rec, PLAN)["properties"]["metadata"]["managed-by"] == "vnetplan"
    assert "tags" not in with_ownership(step(Action.UPDATE), PLAN)


def test_placeholder_path_is_filled_and_a_wrong_path_is_an_error() -> None:
    body = {"properties": {"aRecords": [{"ipv4Address": "<from pe>"}]}}
    set_path(body, "properties.aRecords[0].ipv4Address", "10.0.0.4")
    assert body["properties"]["aRecords"] == [{"ipv4Address": "10.0.0.4"}]
    with pytest.raises(ValueError, match="does not exist"):
        set_path(body, "properties.aRecords[3].ipv4Address", "10.0.0.4")


def test_fail_dependency_cycle_is_rejected_before_anything_runs() -> None:
    a = Change(Action.CREATE, "/x/a", "t", "", {}, "", depends_on=("b",), key="a")
    b = Change(Action.CREATE, "/x/b", "t", "", {}, "", depends_on=("a",), key="b")
    assert "cycle" in (check_dependencies((a, b)) or "")


def test_journal_ignores_a_torn_last_line_but_not_a_corrupt_middle(tmp_path: Path) -> None:
    path = tmp_path / "j"
    with Journal(path, PLAN) as j:
        j.record("started", "c1", resource_id="/x")
        j.record("lro", "c1", url="https://arm/op/1", etag="e5")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write('{"event": "done", "plan_id": "vp-te')  # kill -9 mid-write
    st = Journal(path, PLAN).load().state("c1")
    assert st.started and st.lro_url == "https://arm/op/1" and st.written_etags == {"e5"} and not st.finished
    with Journal(path, PLAN) as j:  # a resumed run appends on a fresh line
        j.record("done", "c1", resource_id="/x")
    assert [r["event"] for r in read_journal(path)][-1] == "done"
    lines = path.read_text().splitlines()
    lines.insert(1, "not json")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="line 2"):
        read_journal(path)


def test_journal_records_are_on_disk_and_one_apply_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "j"
    with Journal(path, PLAN) as j:
        j.record("intent", "c1")
        assert json.loads(path.read_text().splitlines()[-1])["event"] == "intent"
        assert os.path.getsize(path) > 0
        with pytest.raises(JournalBusy):
            Journal(path, PLAN).open()


def test_preflight_p7_needs_peer_action_on_the_remote_vnet() -> None:
    p = step(rid=PEERING, rtype="Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
             body={"properties": {"remoteVirtualNetwork": {"id": REMOTE}}})  # fmt: skip
    reqs = {(r.action, r.scope) for r in required_permissions([p])}
    assert ("Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write", PEERING) in reqs
    assert (PEER_ACTION, REMOTE) in reqs
    assert permission_scope(PEERING, frozenset({PEERING.lower()})) == VNET  # a new peering: its VNet
    assert permission_scope(PEERING) == PEERING  # an existing one: its own scope

    perms = {VNET.lower(): [{"actions": ["*"], "notActions": []}],
             REMOTE.lower(): [{"actions": ["Microsoft.Network/*/read", "Microsoft.Network/virtualNetworks/*"],
                               "notActions": ["Microsoft.Network/virtualNetworks/peer/action"]}]}  # fmt: skip
    perms[PEERING.lower()] = perms[VNET.lower()]
    missing = check_permissions([p], lambda scope: perms[scope.lower()])
    assert [(m.requirement.action, m.requirement.scope, m.known) for m in missing] == [(PEER_ACTION, REMOTE, True)]
    assert f"missing '{PEER_ACTION}' on {REMOTE}" in missing[0].sentence()


def test_preflight_that_cannot_read_permissions_says_unknown_not_granted() -> None:
    p = step(rid=PEERING, rtype="Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
             body={"properties": {"remoteVirtualNetwork": {"id": REMOTE}}})  # fmt: skip

    def read(scope: str) -> list[dict[str, Any]]:
        if scope.lower() == REMOTE.lower():
            raise PermissionError("403 reading permissions in another tenant")
        return [{"actions": ["*"]}]

    missing = check_permissions([p], read)
    assert len(missing) == 1 and not missing[0].known and "cannot tell" in missing[0].sentence()


def test_granted_wildcards_and_not_actions() -> None:
    assert granted([{"actions": ["*"]}], PEER_ACTION)
    assert granted([{"actions": ["microsoft.network/*"]}], PEER_ACTION)
    assert not granted([{"actions": ["*"], "notActions": ["Microsoft.Network/virtualNetworks/*"]}], PEER_ACTION)
    # another entry (another role assignment) can still grant it
    assert granted([{"actions": ["*"], "notActions": ["Microsoft.Network/*"]}, {"actions": [PEER_ACTION]}], PEER_ACTION)
    assert not granted([], PEER_ACTION)


def test_preflight_asks_where_arm_can_answer_parent_or_resource_group_for_what_the_plan_creates() -> None:
    pls = "/subscriptions/s1/resourceGroups/rg-hub/providers/Microsoft.Network/privateLinkServices/pls"
    assert permission_scope(pls) == pls
    assert permission_scope(pls, frozenset({pls.lower()})) == "/subscriptions/s1/resourceGroups/rg-hub"
    link = f"{ZONE}/virtualNetworkLinks/l"
    assert permission_scope(link, frozenset({ZONE.lower(), link.lower()})) == "/subscriptions/s1/resourceGroups/rg"
    assert permission_scope(link, frozenset({link.lower()})) == ZONE
    subnet = f"{VNET}/subnets/pe"
    assert permission_scope(subnet, frozenset({link.lower()})) == subnet  # an endpoint joins an existing subnet
