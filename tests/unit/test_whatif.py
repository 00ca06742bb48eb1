"""What-if: the estate after the plan, verified before -> after, and idempotence of the planner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netplan.intent import load_intent
from netplan.model import PeeringState
from netplan.plan import make_plan
from netplan.whatif import PLACEHOLDER_TAG, apply_in_memory, what_if
from tests.unit.test_plan import LB_IP, PEERING_A, PL_B, intent_file, mendix_builder
from vnetplan.cli import main

SERVICES = """\
internal_services:
  - fqdn: api.corp.internal
    private_link_service: pls-api
    subnet: svc-pe
"""


def _with_shared_service():  # type: ignore[no-untyped-def]
    b = mendix_builder()
    b.vnet("vnet-shared", ["10.9.0.0/16"], rg="rg-shared", subnets={"lb": "10.9.0.0/24", "nat": "10.9.1.0/28"})
    fe = b.lb("lb-api", "vnet-shared", "lb", "10.9.0.10", rg="rg-shared")
    b.pls("pls-api", fe, "vnet-shared", "nat", "10.9.1.4", rg="rg-shared", auto_approval=[b.sub.rsplit("/", 1)[-1]])
    return b


@pytest.mark.parametrize(
    ("case", "connections", "extra"),
    [
        ("peering", PEERING_A, ""),
        ("private-link", PL_B, ""),
        ("mixed", PEERING_A + PL_B, ""),
        ("pinned-ip", PL_B + "    static_ip: 10.100.2.50\n", ""),
        ("per-app", PEERING_A + "    apps: [sales, hr]\n", ""),
        ("internal-service", PEERING_A, SERVICES),
    ],
    ids=lambda v: v if v in ("peering", "private-link", "mixed", "pinned-ip", "per-app", "internal-service") else "",
)
def test_plan_on_the_what_if_result_is_empty(tmp_path: Path, case: str, connections: str, extra: str) -> None:
    est = _with_shared_service().estate()
    path = intent_file(tmp_path, connections, extra)
    cs = make_plan(est, load_intent(path, est))
    assert not cs.empty and not cs.problems, case
    after, _ = apply_in_memory(est, cs)
    again = make_plan(after, load_intent(path, after))
    assert again.empty, [c.key for c in again.changes]
    assert not again.problems


def test_peering_links_are_connected_after_and_dns_verifies(tmp_path: Path) -> None:
    est = mendix_builder().estate()
    intent = load_intent(intent_file(tmp_path, PEERING_A), est)
    wi = what_if(est, intent, make_plan(est, intent))
    a = wi.after.resolve_vnet("vnet-spoke-a")
    m = wi.after.resolve_vnet("vnet-mendix")
    assert wi.after.peering(a.id, m.id).state is PeeringState.CONNECTED  # type: ignore[union-attr]
    assert wi.after.peering(m.id, a.id).state is PeeringState.CONNECTED  # type: ignore[union-attr]
    [o] = wi.outcomes
    assert (o.before, o.after) == ("FAIL", "PASS")
    assert wi.would_verify and not wi.overlaps


def test_existing_initiated_link_turns_connected_when_the_other_side_is_planned(tmp_path: Path) -> None:
    b = mendix_builder()
    b.peer("vnet-mendix", "vnet-spoke-a", state="Initiated")
    est = b.estate()
    intent = load_intent(intent_file(tmp_path, PEERING_A), est)
    after, _ = apply_in_memory(est, make_plan(est, intent))
    m, a = after.resolve_vnet("vnet-mendix"), after.resolve_vnet("vnet-spoke-a")
    assert after.peering(m.id, a.id).state is PeeringState.CONNECTED  # type: ignore[union-attr]


def test_private_endpoint_gets_a_placeholder_address_marked_as_such(tmp_path: Path) -> None:
    est = mendix_builder().estate()
    intent = load_intent(intent_file(tmp_path, PL_B), est)
    cs = make_plan(est, intent)
    wi = what_if(est, intent, cs)
    [(pe_id, ip)] = wi.placeholders.items()
    pe = wi.after.get(pe_id)
    assert wi.after.endpoint_ips(pe) == (wi.after.endpoint_ips(pe)[0],) and str(wi.after.endpoint_ips(pe)[0]) == ip
    nic = wi.after.get(pe.nic_ids[0])
    assert nic.tags.get(PLACEHOLDER_TAG) == "true"
    assert ip.startswith("10.100.2.")  # in the consumer's endpoint subnet
    zone = next(z for z in wi.after.zones if "/resourcegroups/rg-spoke-b/" in z.key)
    [rec] = wi.after.records_of_zone(zone.id)
    assert rec.values == (ip,)
    [o] = wi.outcomes
    assert (o.method, o.before, o.after) == ("private-link", "FAIL", "PASS")
    assert any("placeholders" in n for n in wi.notes)


def test_consumer_with_custom_dns_would_not_verify(tmp_path: Path) -> None:
    b = mendix_builder()
    b.vnet("vnet-spoke-d", ["10.4.0.0/16"], rg="rg-spoke-d", subnets={"workload": "10.4.1.0/24"}, dns=["10.4.1.10"])
    est = b.estate()
    conn = "  - consumer: vnet-spoke-d\n    method: peering\n"
    intent = load_intent(intent_file(tmp_path, conn), est)
    cs = make_plan(est, intent)
    # 10.4.1.10 is no resolver or declared forwarder: which zone answers spoke-d is unknown, so the
    # plan writes no record or link for it and says so.
    [problem] = [p for p in cs.problems if p.code == "dns-path-unknown"]
    assert "10.4.1.10" in problem.message and "dns_forwarders" in problem.message
    assert not [c for c in cs.changes if "privateDns" in c.type]
    wi = what_if(est, intent, cs)
    [o] = wi.outcomes
    assert o.after != "PASS"
    assert not wi.would_verify


def test_what_if_catches_overlaps_between_plans_made_apart(tmp_path: Path) -> None:
    """Each plan alone is fine; applied together, spoke-e overlaps spoke-a, already peered with the
    provider (P3). The what-if is the safety net for change sets the planner did not make at once."""
    from dataclasses import replace

    b = mendix_builder()
    b.vnet("vnet-spoke-e", ["10.1.128.0/17"], rg="rg-spoke-e", subnets={"workload": "10.1.128.0/24"})
    est = b.estate()
    first = make_plan(est, load_intent(intent_file(tmp_path, PEERING_A), est))
    second = make_plan(est, load_intent(intent_file(tmp_path, "  - consumer: vnet-spoke-e\n    method: peering\n"), est))
    assert not first.problems and not second.problems
    peerings = tuple(c for c in second.changes if c.type.endswith("virtualNetworkPeerings"))
    both = replace(first, changes=first.changes + peerings)
    wi = what_if(est, load_intent(intent_file(tmp_path, PEERING_A), est), both)
    assert any(x.startswith("VnetAddressSpaceOverlapsWithAlreadyPeeredVnet") for x in wi.overlaps)
    assert not wi.would_verify


def test_cli_whatif_exit_codes_and_stale_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = mendix_builder()
    est = b.write(tmp_path / "estate.json")
    intent = intent_file(tmp_path, PEERING_A)
    assert main(["whatif", "--estate", est, "--intent", str(intent), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["would_verify"] is True and data["connections"][0]["after"] == "PASS"
    plan = tmp_path / "plan.json"
    assert main(["plan", "--estate", est, "--intent", str(intent), "--out", str(plan)]) == 1
    capsys.readouterr()
    assert main(["whatif", "--estate", est, "--intent", str(intent), "--plan", str(plan)]) == 0
    assert "the result would verify" in capsys.readouterr().out
    b.vnet("vnet-late", ["10.50.0.0/16"], rg="rg-late")
    est2 = b.write(tmp_path / "estate2.json")
    assert main(["whatif", "--estate", est2, "--intent", str(intent), "--plan", str(plan)]) == 2
    assert "made from a different estate" in capsys.readouterr().err


def test_cli_plan_with_what_if_reports_before_and_after(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    est = mendix_builder().write(tmp_path / "estate.json")
    intent = intent_file(tmp_path, PEERING_A)
    assert main(["plan", "--estate", est, "--intent", str(intent), "--what-if"]) == 1
    out = capsys.readouterr().out
    assert "rg-spoke-a/vnet-spoke-a [peering]: FAIL -> PASS" in out
    assert LB_IP in out


def test_database_connection_is_checked_for_reachability(tmp_path: Path) -> None:
    est = mendix_builder().estate()
    intent = load_intent(intent_file(tmp_path, "  - consumer: vnet-spoke-c\n    use_case: database\n"), est)
    cs = make_plan(est, intent)
    assert [k for k in (c.type.rsplit("/", 1)[-1] for c in cs.changes)] == ["virtualNetworkPeerings"] * 2
    wi = what_if(est, intent, cs)
    [o] = wi.outcomes
    assert (o.method, o.before, o.after) == ("peering", "FAIL", "PASS")
    assert any("reachability only" in n for n in wi.notes)


def test_links_to_vnets_outside_the_snapshot_keep_their_state(tmp_path: Path) -> None:
    from tests.unit.builders import SUB2

    b = mendix_builder()
    outside = f"{SUB2}/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/vnet-elsewhere"
    b.link("vnet-mendix", outside, remote_prefixes=["172.20.0.0/16"])
    est = b.estate()
    intent = load_intent(intent_file(tmp_path, PEERING_A), est)
    after, _ = apply_in_memory(est, make_plan(est, intent))
    m = after.resolve_vnet("vnet-mendix")
    assert after.peering(m.id, outside).state is PeeringState.CONNECTED  # type: ignore[union-attr]
    assert after.peering(m.id, after.resolve_vnet("vnet-spoke-a").id).state is PeeringState.CONNECTED  # type: ignore[union-attr]


def test_deleting_one_side_leaves_the_other_disconnected(tmp_path: Path) -> None:
    from dataclasses import replace

    from netplan import bodies as B
    from netplan.changeset import Change
    from netplan.vocab import Action

    b = mendix_builder()
    b.peer("vnet-spoke-a", "vnet-mendix")
    est = b.estate()
    a, m = est.resolve_vnet("vnet-spoke-a"), est.resolve_vnet("vnet-mendix")
    link = est.peering(a.id, m.id)
    assert link is not None
    intent = load_intent(intent_file(tmp_path, PEERING_A), est)
    cs = make_plan(est, intent)
    delete = Change(Action.DELETE, link.id, B.TYPE_PEERING, B.API_VERSIONS[B.TYPE_PEERING], None, "test")
    after, _ = apply_in_memory(est, replace(cs, changes=(delete,)))
    assert after.peering(a.id, m.id) is None
    assert after.peering(m.id, a.id).state is PeeringState.DISCONNECTED  # type: ignore[union-attr]


def test_internal_services_resolve_from_the_provider_after_the_plan(tmp_path: Path) -> None:
    b = _with_shared_service()
    z = b.zone("privatelink.database.windows.net", rg="rg-dns")
    b.record(z, "sql-prod", "A", ["10.9.0.20"])
    extra = SERVICES + ("  - fqdn: sql-prod.privatelink.database.windows.net\n"
                        "    private_zone: privatelink.database.windows.net\n")  # fmt: skip
    est = b.estate()
    intent = load_intent(intent_file(tmp_path, PEERING_A, extra), est)
    wi = what_if(est, intent, make_plan(est, intent))
    got = {s.fqdn: (s.before, s.after) for s in wi.services}
    assert got == {"api.corp.internal": ("FAIL", "PASS"), "sql-prod.privatelink.database.windows.net": ("FAIL", "PASS")}
    assert wi.would_verify
