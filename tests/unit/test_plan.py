"""The planner: ordered ARM changes with exact bodies, only what is missing, placeholders, golden plans.

The estate is a Mendix-on-Azure provider VNet (AKS behind an internal Standard LB) and corporate
spokes: one plain spoke (peering), one whose space overlaps the provider (Private Link only), and
one in another region. Golden plans are regenerated with ``UPDATE_GOLDEN=1 pytest tests/unit/test_plan.py``.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from netplan.changeset import ChangeSet
from netplan.estate import Estate
from netplan.intent import load_intent
from netplan.plan import make_plan
from netplan.vocab import Action
from tests.fixtures import AZURE_REST_EXAMPLES, official_example
from tests.unit.builders import SUB2, EstateBuilder
from tests.unit.test_import_hygiene import run_probes
from vnetplan.cli import main

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
DOMAIN = "azure.mendixapps.io"
LB_IP = "10.100.0.250"
SUB2_ID = SUB2.rsplit("/", 1)[-1]


def mendix_builder() -> EstateBuilder:
    """Provider + three consumers; nothing connected yet."""
    b = EstateBuilder()
    b.vnet("vnet-mendix", ["10.100.0.0/16"], rg="rg-mendix",
           subnets={"aks": "10.100.0.0/20", "pls-nat": "10.100.16.0/28", "svc-pe": "10.100.17.0/24"})  # fmt: skip
    b.lb("kubernetes-internal", "vnet-mendix", "aks", LB_IP, rg="rg-mendix")
    b.vnet("vnet-spoke-a", ["10.1.0.0/16"], rg="rg-spoke-a", subnets={"workload": "10.1.1.0/24", "pe": "10.1.2.0/24"})
    # Overlaps the provider: peering is impossible (P3), Private Link is the only way.
    b.vnet("vnet-spoke-b", ["10.100.0.0/16"], rg="rg-spoke-b", sub=SUB2, subnets={"pe": "10.100.2.0/24"})
    b.vnet("vnet-spoke-c", ["10.3.0.0/16"], rg="rg-spoke-c", subnets={"workload": "10.3.1.0/24", "pe": "10.3.2.0/24"})
    return b


INTENT = """\
version: 1
provider:
  vnet: vnet-mendix
  load_balancer: kubernetes-internal
  app_domain: azure.mendixapps.io
  private_link_service:
    name: pls-mendix
    nat_subnet: pls-nat
  dns:
    resource_group: rg-dns
connections:
{connections}
"""

PEERING_A = """\
  - consumer: rg-spoke-a/vnet-spoke-a
    use_case: expose-apps
    method: peering
"""
PL_B = """\
  - consumer: vnet-spoke-b
    use_case: expose-apps
    method: auto
    subnet: pe
"""


def intent_file(tmp_path: Path, connections: str, extra: str = "") -> Path:
    p = tmp_path / "intent.yaml"
    p.write_text(INTENT.format(connections=connections.rstrip("\n")) + extra)
    return p


def plan_of(estate: Estate, path: Path) -> ChangeSet:
    return make_plan(estate, load_intent(path, estate))


def kinds(cs: ChangeSet) -> list[tuple[str, str, str]]:
    return [(c.action.value, c.type.rsplit("/", 1)[-1], c.id.rsplit("/", 1)[-1]) for c in cs.changes]


def golden(name: str, data: dict[str, Any]) -> None:
    path = GOLDEN / name
    data = json.loads(json.dumps(data))
    # tmp_path and the checkout's location differ per run: keep file names only.
    data["made_from"]["intent"] = Path(data["made_from"]["intent"]).name
    data["made_from"]["estate_sources"] = [Path(p).name for p in data["made_from"].get("estate_sources", [])]
    # Decision messages come from the analyses (netplan.overlaps words Azure's errors); the golden
    # file locks the plan, so it keeps their codes only.
    for d in data["decisions"]:
        d["reasons"] = [r["code"] for r in d["reasons"]]
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"golden file {path} missing: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(), f"plan differs from {path.name}; inspect, then UPDATE_GOLDEN=1"


# ---------------------------------------------------------------------------------------------
# peering


def test_peering_plan_creates_both_links_zone_link_and_wildcard_to_lb_frontend(tmp_path: Path) -> None:
    est = mendix_builder().estate()
    cs = plan_of(est, intent_file(tmp_path, PEERING_A))
    assert kinds(cs) == [
        ("create", "virtualNetworkPeerings", "vnet-mendix-to-vnet-spoke-a"),
        ("create", "virtualNetworkPeerings", "vnet-spoke-a-to-vnet-mendix"),
        ("create", "privateDnsZones", DOMAIN),
        ("create", "virtualNetworkLinks", "link-vnet-spoke-a"),
        ("create", "A", "*"),
    ]
    rec = cs.changes[-1]
    assert rec.body is not None and rec.body["properties"]["aRecords"] == [{"ipv4Address": LB_IP}]
    zone = cs.changes[2]
    assert "/resourceGroups/rg-dns/" in zone.id
    assert zone.key in rec.depends_on and zone.key in cs.changes[3].depends_on
    assert cs.decisions[0].method == "peering" and not cs.problems
    golden("plan_peering.json", cs.to_dict())


def test_peering_body_matches_official_create_payload_fields(tmp_path: Path) -> None:
    official = official_example("vnet-peering/VirtualNetworkPeeringCreate.json")
    cs = plan_of(mendix_builder().estate(), intent_file(tmp_path, PEERING_A))
    body = cs.changes[0].body
    assert body is not None
    assert set(body) == {"properties"}
    expected = {"allowForwardedTraffic", "allowGatewayTransit", "allowVirtualNetworkAccess", "remoteVirtualNetwork",
                "useRemoteGateways"}  # fmt: skip
    assert set(body["properties"]) == expected
    assert set(official["parameters"]["VirtualNetworkPeeringParameters"]["properties"]) == expected


def test_only_the_missing_side_of_an_initiated_peering_is_created(tmp_path: Path) -> None:
    b = mendix_builder()
    b.peer("vnet-mendix", "vnet-spoke-a", state="Initiated")  # the provider's link exists, spoke-a's does not
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A))
    peerings = [k for k in kinds(cs) if k[1] == "virtualNetworkPeerings"]
    assert peerings == [("create", "virtualNetworkPeerings", "vnet-spoke-a-to-vnet-mendix")]


def test_disconnected_link_is_deleted_before_it_is_recreated(tmp_path: Path) -> None:
    b = mendix_builder()
    b.peer("vnet-spoke-a", "vnet-mendix", state="Disconnected")
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A))
    keys = [c.key for c in cs.changes]
    delete = next(c for c in cs.changes if c.action is Action.DELETE)
    recreate = next(c for c in cs.changes if c.action is Action.CREATE and c.id == delete.id)
    assert keys.index(delete.key) < keys.index(recreate.key)
    assert delete.key in recreate.depends_on


def test_out_of_sync_peering_is_updated_with_sync_query(tmp_path: Path) -> None:
    b = mendix_builder()
    b.peer("vnet-mendix", "vnet-spoke-a", sync="LocalNotInSync")
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A))
    updates = [c for c in cs.changes if c.action is Action.UPDATE]
    assert {c.id.rsplit("/", 1)[-1] for c in updates} == {"vnet-mendix-to-vnet-spoke-a", "vnet-spoke-a-to-vnet-mendix"}
    assert all(c.query == {"syncRemoteAddressSpace": "true"} for c in updates)
    assert all(c.before is not None and "peeringState" not in c.before.get("properties", {}) for c in updates)


def test_disabled_vnet_access_is_switched_on_keeping_other_flags(tmp_path: Path) -> None:
    b = mendix_builder()
    b.peer("vnet-spoke-a", "vnet-mendix", a_to_b={"allow_vnet_access": False, "allow_forwarded": True})
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A))
    [upd] = [c for c in cs.changes if c.type.endswith("virtualNetworkPeerings")]
    assert upd.action is Action.UPDATE and upd.body is not None
    assert upd.body["properties"]["allowVirtualNetworkAccess"] is True
    assert upd.body["properties"]["allowForwardedTraffic"] is True  # not ours to switch off
    assert "allow_virtual_network_access" in upd.reason


def test_estate_that_matches_the_intent_gives_an_empty_plan(tmp_path: Path) -> None:
    b = mendix_builder()
    b.peer("vnet-spoke-a", "vnet-mendix")
    z = b.zone(DOMAIN, rg="rg-dns")
    b.record(z, "*", "A", [LB_IP])
    b.zone_link(z, "vnet-spoke-a")
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A))
    assert cs.empty and not cs.problems


def test_wrong_record_is_updated_and_shows_before(tmp_path: Path) -> None:
    b = mendix_builder()
    b.peer("vnet-spoke-a", "vnet-mendix")
    z = b.zone(DOMAIN, rg="rg-dns")
    b.record(z, "*", "A", ["10.100.0.99"])
    b.zone_link(z, "vnet-spoke-a")
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A))
    [c] = cs.changes
    assert c.action is Action.UPDATE and c.type.endswith("/A")
    assert c.before is not None and c.before["properties"]["aRecords"] == [{"ipv4Address": "10.100.0.99"}]
    assert c.body is not None and c.body["properties"]["aRecords"] == [{"ipv4Address": LB_IP}]
    assert c.body["properties"]["ttl"] == 300


def test_per_app_records_instead_of_wildcard(tmp_path: Path) -> None:
    conn = PEERING_A + "    apps: [sales, hr-portal]\n"
    cs = plan_of(mendix_builder().estate(), intent_file(tmp_path, conn))
    assert sorted(k[2] for k in kinds(cs) if k[1] == "A") == ["hr-portal", "sales"]


def test_explicit_peering_blocked_by_overlap_is_a_problem_not_a_change(tmp_path: Path) -> None:
    conn = "  - consumer: vnet-spoke-b\n    method: peering\n"
    cs = plan_of(mendix_builder().estate(), intent_file(tmp_path, conn))
    assert cs.empty
    assert [p.code for p in cs.problems] == ["VnetAddressSpacesOverlap"]
    assert cs.decisions[0].method == "none"


def test_consumer_already_linked_to_a_zone_of_that_name_gets_records_there(tmp_path: Path) -> None:
    b = mendix_builder()
    own = b.zone(DOMAIN, rg="rg-spoke-a")
    b.zone_link(own, "vnet-spoke-a")
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A))
    recs = [c for c in cs.changes if c.type.endswith("/A")]
    assert [c.id.lower() for c in recs] == [f"{own}/A/*".lower()]
    assert not any(c.type.endswith("privateDnsZones") for c in cs.changes)  # D7: no second zone of that name


# ---------------------------------------------------------------------------------------------
# Private Link


def test_private_link_plan_pls_endpoint_zone_and_placeholder_record(tmp_path: Path) -> None:
    est = mendix_builder().estate()
    cs = plan_of(est, intent_file(tmp_path, PL_B))
    assert kinds(cs) == [
        ("create", "privateLinkServices", "pls-mendix"),
        ("create", "privateEndpoints", "pe-pls-mendix-vnet-spoke-b"),
        ("create", "privateDnsZones", DOMAIN),
        ("create", "virtualNetworkLinks", "link-vnet-spoke-b"),
        ("create", "A", "*"),
    ]
    pls, pe, zone, _link, rec = cs.changes
    assert pls.body is not None
    assert pls.body["properties"]["autoApproval"] == {"subscriptions": [SUB2_ID]}
    assert pls.body["properties"]["ipConfigurations"][0]["properties"]["subnet"]["id"].endswith("/subnets/pls-nat")
    assert pe.body is not None and pe.body["properties"]["subnet"]["id"].endswith("vnet-spoke-b/subnets/pe")
    assert pls.key in pe.depends_on
    # The consumer's own copy of the zone, in its resource group: its answer is its own endpoint.
    assert "/resourceGroups/rg-spoke-b/" in zone.id
    assert [p.to_dict() for p in rec.placeholders] == [
        {"path": "properties.aRecords[0].ipv4Address", "from": pe.id, "value": "privateIPAddress"}]
    assert pe.key in rec.depends_on and zone.key in rec.depends_on
    assert cs.decisions[0].method == "private-link"
    assert {r["code"] for r in cs.decisions[0].reasons} >= {"only-method"}
    golden("plan_private_link.json", cs.to_dict())


def test_static_ip_is_pinned_on_the_endpoint_and_the_record(tmp_path: Path) -> None:
    conn = PL_B + "    static_ip: 10.100.2.50\n"
    cs = plan_of(mendix_builder().estate(), intent_file(tmp_path, conn))
    pe = next(c for c in cs.changes if c.type.endswith("privateEndpoints"))
    rec = next(c for c in cs.changes if c.type.endswith("/A"))
    assert pe.body is not None and pe.body["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"] == "10.100.2.50"
    assert rec.body is not None and rec.body["properties"]["aRecords"] == [{"ipv4Address": "10.100.2.50"}]
    assert rec.placeholders == ()


def test_existing_approved_endpoint_is_reused(tmp_path: Path) -> None:
    b = mendix_builder()
    fe = f"{b.rid('loadBalancers', 'kubernetes-internal', 'rg-mendix')}/frontendIPConfigurations/fe"
    pls = b.pls("pls-mendix", fe, "vnet-mendix", "pls-nat", "10.100.16.5", rg="rg-mendix", auto_approval=[SUB2_ID],
                visibility=[SUB2_ID])  # fmt: skip
    b.pe("pe-mendix", "vnet-spoke-b", "pe", "10.100.2.7", pls, rg="rg-spoke-b")
    cs = plan_of(b.estate(), intent_file(tmp_path, PL_B))
    assert [k[1] for k in kinds(cs)] == ["privateDnsZones", "virtualNetworkLinks", "A"]
    rec = cs.changes[-1]
    assert rec.body is not None and rec.body["properties"]["aRecords"] == [{"ipv4Address": "10.100.2.7"}]


def test_pending_endpoint_is_a_problem(tmp_path: Path) -> None:
    b = mendix_builder()
    fe = f"{b.rid('loadBalancers', 'kubernetes-internal', 'rg-mendix')}/frontendIPConfigurations/fe"
    pls = b.pls("pls-mendix", fe, "vnet-mendix", "pls-nat", "10.100.16.5", rg="rg-mendix", auto_approval=[SUB2_ID],
                visibility=[SUB2_ID])  # fmt: skip
    b.pe("pe-mendix", "vnet-spoke-b", "pe", "10.100.2.7", pls, rg="rg-spoke-b", status="Pending")
    cs = plan_of(b.estate(), intent_file(tmp_path, PL_B))
    assert "endpoint-not-approved" in [p.code for p in cs.problems]


def test_existing_pls_without_the_consumer_subscription_is_updated(tmp_path: Path) -> None:
    b = mendix_builder()
    fe = f"{b.rid('loadBalancers', 'kubernetes-internal', 'rg-mendix')}/frontendIPConfigurations/fe"
    b.pls("pls-mendix", fe, "vnet-mendix", "pls-nat", "10.100.16.5", rg="rg-mendix")
    cs = plan_of(b.estate(), intent_file(tmp_path, PL_B))
    upd = cs.changes[0]
    assert upd.action is Action.UPDATE and upd.type.endswith("privateLinkServices")
    assert upd.body is not None and upd.body["properties"]["autoApproval"]["subscriptions"] == [SUB2_ID]
    # An update is a full PUT: what the PLS already had stays, read-only fields go.
    assert upd.body["properties"]["loadBalancerFrontendIpConfigurations"] == [{"id": fe}]
    assert "alias" not in upd.body["properties"] and "provisioningState" not in upd.body["properties"]


def test_nat_subnet_with_network_policies_enabled_is_fixed_first(tmp_path: Path) -> None:
    b = mendix_builder()
    for s in b._vnets["vnet-mendix"]["properties"]["subnets"]:
        if s["name"] == "pls-nat":
            s["properties"]["privateLinkServiceNetworkPolicies"] = "Enabled"
    cs = plan_of(b.estate(), intent_file(tmp_path, PL_B))
    sub, pls = cs.changes[0], cs.changes[1]
    assert sub.type.endswith("/subnets") and sub.action is Action.UPDATE
    assert sub.body is not None and sub.body["properties"]["privateLinkServiceNetworkPolicies"] == "Disabled"
    assert sub.body["properties"]["addressPrefix"] == "10.100.16.0/28"
    assert "ipConfigurations" not in sub.body["properties"] and "provisioningState" not in sub.body["properties"]
    assert sub.key in pls.depends_on


def test_two_private_link_consumers_get_separate_zones(tmp_path: Path) -> None:
    conns = PL_B + "  - consumer: vnet-spoke-c\n    method: private-link\n    subnet: pe\n"
    cs = plan_of(mendix_builder().estate(), intent_file(tmp_path, conns))
    zones = [c.id for c in cs.changes if c.type.endswith("privateDnsZones")]
    assert len(zones) == 2 and len({z.lower() for z in zones}) == 2
    assert len([c for c in cs.changes if c.type.endswith("privateLinkServices")]) == 1
    assert not cs.problems


def test_mixed_methods_sharing_one_zone_is_a_problem(tmp_path: Path) -> None:
    b = mendix_builder()
    shared = b.zone(DOMAIN, rg="rg-dns")
    b.zone_link(shared, "vnet-spoke-a")
    b.zone_link(shared, "vnet-spoke-b")
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A + PL_B))
    codes = [p.code for p in cs.problems]
    # auto picks nothing that does not verify, and names what blocks the recommended option (A2).
    assert "zone-shared-by-different-targets" in codes and "no-verifying-option" in codes
    assert [d.method for d in cs.decisions] == ["peering", "none"]
    [blocked] = [p for p in cs.problems if p.code == "zone-shared-by-different-targets"]
    assert "shared endpoint" in blocked.message and "A2" in blocked.message


def test_every_created_resource_is_tagged_with_the_plan(tmp_path: Path) -> None:
    cs = plan_of(mendix_builder().estate(), intent_file(tmp_path, PEERING_A + PL_B))
    for c in cs.changes:
        if c.action is not Action.CREATE or c.body is None:
            continue
        if c.type.endswith("/A"):
            meta = c.body["properties"]["metadata"]
        elif c.type.endswith("virtualNetworkPeerings"):
            continue  # peerings take no tags; apply records ownership in its journal
        else:
            meta = c.body["tags"]
        assert meta == {"managed-by": "vnetplan", "vnetplan-plan": cs.plan_id}, c.id


# ---------------------------------------------------------------------------------------------
# internal services


def test_internal_services_link_the_zone_and_build_an_endpoint_with_its_own_zone(tmp_path: Path) -> None:
    b = mendix_builder()
    b.vnet("vnet-shared", ["10.9.0.0/16"], rg="rg-shared", subnets={"lb": "10.9.0.0/24", "nat": "10.9.1.0/28"})
    fe = b.lb("lb-api", "vnet-shared", "lb", "10.9.0.10", rg="rg-shared")
    b.pls("pls-api", fe, "vnet-shared", "nat", "10.9.1.4", rg="rg-shared")
    z = b.zone("privatelink.database.windows.net", rg="rg-dns")
    b.record(z, "sql-prod", "A", ["10.9.0.20"])
    extra = textwrap.dedent("""\
        internal_services:
          - fqdn: sql-prod.privatelink.database.windows.net
            private_zone: privatelink.database.windows.net
          - fqdn: api.corp.internal
            private_link_service: pls-api
            subnet: svc-pe
    """)
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A, extra))
    svc = [c for c in cs.changes if c.group in ("sql-prod.privatelink.database.windows.net", "api.corp.internal")]
    assert [(c.action.value, c.type.rsplit("/", 1)[-1], c.id.rsplit("/", 1)[-1]) for c in svc] == [
        ("create", "privateEndpoints", "pe-pls-api-vnet-mendix"),
        ("create", "privateDnsZones", "api.corp.internal"),
        ("create", "virtualNetworkLinks", "link-vnet-mendix"),
        ("create", "virtualNetworkLinks", "link-vnet-mendix"),
        ("create", "A", "@"),
    ]
    assert any(c.id.lower().startswith(z.lower() + "/virtualnetworklinks/") for c in svc)
    # pls-api does not auto-approve the provider's subscription: said now, not discovered after apply.
    assert any("pls-api stays Pending" in w for w in cs.warnings)


# ---------------------------------------------------------------------------------------------
# serialisation and the command line


def test_plan_json_round_trips(tmp_path: Path) -> None:
    cs = plan_of(mendix_builder().estate(), intent_file(tmp_path, PEERING_A + PL_B))
    again = ChangeSet.from_dict(json.loads(json.dumps(cs.to_dict())))
    assert again.to_dict() == cs.to_dict()


def test_plan_is_deterministic(tmp_path: Path) -> None:
    p = intent_file(tmp_path, PEERING_A + PL_B)
    assert plan_of(mendix_builder().estate(), p).to_dict() == plan_of(mendix_builder().estate(), p).to_dict()


def test_cli_plan_exit_codes_and_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = mendix_builder()
    est = b.write(tmp_path / "estate.json")
    intent = intent_file(tmp_path, PEERING_A + PL_B)
    out = tmp_path / "plan.json"
    assert main(["plan", "--estate", est, "--intent", str(intent), "--out", str(out)]) == 1
    table = capsys.readouterr().out
    assert "10 to create" in table and "placeholder: properties.aRecords[0].ipv4Address" in table
    saved = json.loads(out.read_text())
    assert saved["schema"] == "vnetplan.plan/v1" and saved["summary"]["create"] == 10
    assert main(["plan", "--estate", est, "--intent", str(intent), "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert md.startswith("### vnetplan plan") and "| 1 | create |" in md and "```diff" in md
    assert main(["plan", "--estate", est, "--intent", str(intent), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["plan_id"] == saved["plan_id"]


def test_cli_plan_exit_0_when_nothing_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = mendix_builder()
    b.peer("vnet-spoke-a", "vnet-mendix")
    z = b.zone(DOMAIN, rg="rg-dns")
    b.record(z, "*", "A", [LB_IP])
    b.zone_link(z, "vnet-spoke-a")
    est = b.write(tmp_path / "estate.json")
    assert main(["plan", "--estate", est, "--intent", str(intent_file(tmp_path, PEERING_A))]) == 0
    assert "no changes" in capsys.readouterr().out


def test_cli_plan_bad_intent_exits_2_with_file_line_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    est = mendix_builder().write(tmp_path / "estate.json")
    bad = intent_file(tmp_path, "  - consumer: vnet-spoke-z\n")
    assert main(["plan", "--estate", est, "--intent", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: line 12: connections[0].consumer: no VNet matches 'vnet-spoke-z'" in err
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.fixture(scope="module")
def planner_probes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The three planner commands, each in its own process (tests/unit/test_import_hygiene.py)."""
    tmp_path = tmp_path_factory.mktemp("probes")
    est = mendix_builder().write(tmp_path / "estate.json")
    intent = str(intent_file(tmp_path, PEERING_A + PL_B))
    runs = {
        "plan": ["plan", "--estate", est, "--intent", intent, "--what-if"],
        "whatif": ["whatif", "--estate", est, "--intent", intent],
        "recommend": ["recommend", "--estate", est, "--consumer", "vnet-spoke-b", "--provider", "vnet-mendix",
                      "--use-case", "expose-apps"],
    }  # fmt: skip
    return dict(zip(runs, run_probes(list(runs.values())), strict=True))


@pytest.mark.parametrize("command", ["plan", "whatif", "recommend"])
def test_planner_commands_load_neither_azure_sdk_nor_textual(planner_probes: dict[str, dict[str, Any]], command: str) -> None:
    out = planner_probes[command]
    assert out["rc"] in (0, 1), out
    assert out["heavy"] == [], f"vnetplan {command} loaded {out['heavy']}"


def test_markdown_for_a_pull_request_comment_is_stable(tmp_path: Path) -> None:
    from vnetplan.commands.plan import render_markdown

    cs = plan_of(mendix_builder().estate(), intent_file(tmp_path, PEERING_A + PL_B))
    text = render_markdown(cs) + "\n"
    path = GOLDEN / "plan_mixed.md"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), "markdown differs from plan_mixed.md; inspect, then UPDATE_GOLDEN=1"


def test_second_consumer_overlapping_the_first_is_not_peered_too(tmp_path: Path) -> None:
    b = mendix_builder()
    b.vnet("vnet-spoke-e", ["10.1.128.0/17"], rg="rg-spoke-e", subnets={"pe": "10.1.128.0/24"})
    both_peering = PEERING_A + "  - consumer: vnet-spoke-e\n    method: peering\n"
    cs = plan_of(b.estate(), intent_file(tmp_path, both_peering))
    assert [p.code for p in cs.problems] == ["VnetAddressSpaceOverlapsWithAlreadyPeeredVnet"]
    assert [d.method for d in cs.decisions] == ["peering", "none"]
    auto = PEERING_A + "  - consumer: vnet-spoke-e\n    subnet: pe\n    whole_network: true\n"
    cs = plan_of(b.estate(), intent_file(tmp_path, auto))
    assert [d.method for d in cs.decisions] == ["peering", "private-link"] and not cs.problems
    assert cs.decisions[1].reasons[0]["code"] == "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet"


def test_peerings_planned_together_count_towards_the_limit(tmp_path: Path) -> None:
    b = mendix_builder()
    for i in range(499):
        b.link("vnet-mendix", f"{SUB2}/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/x{i}",
               remote_prefixes=[f"172.{16 + i // 256}.{i % 256}.0/24"])  # fmt: skip
    conns = PEERING_A + "  - consumer: vnet-spoke-c\n    method: peering\n"
    cs = plan_of(b.estate(), intent_file(tmp_path, conns))
    assert [d.method for d in cs.decisions] == ["peering", "none"]
    assert [p.code for p in cs.problems] == ["peering-limit"]


# ---------------------------------------------------------------------------------------------
# the samples (samples/README.md): golden plans, one per sample, and idempotence


@pytest.mark.parametrize("sample", ["mendix", "clean"])
def test_golden_plan_on_the_sample_estates(sample: str) -> None:
    from netplan.estate import load_estate
    from netplan.whatif import apply_in_memory

    root = Path(__file__).resolve().parents[2] / "samples"
    est = load_estate([root / f"{sample}-estate.json"])
    intent = root / f"{sample}-intent.yaml"
    cs = make_plan(est, load_intent(intent, est))
    methods = {d.method for d in cs.decisions}
    assert methods >= {"peering", "private-link"}  # each sample exercises both methods
    golden(f"plan_sample_{sample}.json", cs.to_dict())
    after, _ = apply_in_memory(est, cs)
    again = make_plan(after, load_intent(intent, after))
    assert again.empty, [c.key for c in again.changes]
    assert [p.code for p in again.problems] == [p.code for p in cs.problems]


def test_mendix_sample_plan_finds_its_deliberate_problems() -> None:
    from netplan.estate import load_estate

    root = Path(__file__).resolve().parents[2] / "samples"
    est = load_estate([root / "mendix-estate.json"])
    cs = make_plan(est, load_intent(root / "mendix-intent.yaml", est))
    by_consumer = {d.consumer_id.rsplit("/", 1)[-1]: d.method for d in cs.decisions}
    assert by_consumer == {"vnet-corp-spoke2-weu": "peering", "vnet-legacy-apps-weu": "private-link",
                           "vnet-corp-spoke3-neu": "existing-path"}  # fmt: skip
    # spoke2's own link is Initiated: only the Mendix side is created (P1).
    peerings = [c for c in cs.changes if c.type.endswith("virtualNetworkPeerings")]
    assert [c.id.rsplit("/", 1)[-1] for c in peerings if c.action is Action.CREATE] == ["vnet-mendix-weu-to-vnet-corp-spoke2-weu"]
    # legacy overlaps the provider and already has its endpoint and zone: nothing to do for it.
    assert not [c for c in cs.changes if c.group == "vnet-legacy-apps-weu"]
    # spoke3 resolves through the hub's resolver (linked to the central zone, * -> the LB) and
    # reaches the LB through the hub's firewall: the one change is the resync of the hub's link.
    assert [(c.action.value, c.id.rsplit("/", 1)[-1], dict(c.query)) for c in cs.changes if c.group == "vnet-corp-spoke3-neu"] == [
        ("update", "peer-hub-weu-to-corp-spoke3-neu", {"syncRemoteAddressSpace": "true"})]
    spoke3 = next(d for d in cs.decisions if d.consumer_id.endswith("vnet-corp-spoke3-neu"))
    assert spoke3.reasons[0]["message"].startswith("already served by the existing path (vnet-corp-spoke3-neu -> vnet-hub-weu")
    assert "resolved as in vnet-hub-weu" in spoke3.path and spoke3.verify_as == "peering"
    assert not cs.problems and not cs.warnings


def test_table_shows_an_update_as_a_diff_of_the_body(tmp_path: Path) -> None:
    from vnetplan.commands.plan import render_table

    b = mendix_builder()
    b.peer("vnet-spoke-a", "vnet-mendix")
    z = b.zone(DOMAIN, rg="rg-dns")
    b.record(z, "*", "A", ["10.100.0.99"])
    b.zone_link(z, "vnet-spoke-a")
    text = render_table(plan_of(b.estate(), intent_file(tmp_path, PEERING_A)))
    assert "1 to update" in text and "~ update privateDnsZones/A  rg-dns/azure.mendixapps.io/*" in text
    assert '-         "ipv4Address": "10.100.0.99"' in text
    assert '+         "ipv4Address": "10.100.0.250"' in text


def test_app_already_answered_by_the_wildcard_needs_no_record_of_its_own(tmp_path: Path) -> None:
    b = mendix_builder()
    b.peer("vnet-spoke-a", "vnet-mendix")
    z = b.zone(DOMAIN, rg="rg-dns")
    b.record(z, "*", "A", [LB_IP])
    b.record(z, "x.hr", "A", ["10.100.0.7"])  # a closer node: the wildcard no longer answers hr (D6)
    b.zone_link(z, "vnet-spoke-a")
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A + "    apps: [sales, hr]\n"))
    assert kinds(cs) == [("create", "A", "hr")]


def test_existing_zone_answering_the_frontend_is_reused_wherever_it_lives(tmp_path: Path) -> None:
    b = mendix_builder()
    z = b.zone(DOMAIN, rg="rg-platform-dns")
    b.record(z, "*", "A", [LB_IP])
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A))
    assert [k[1] for k in kinds(cs)] == ["virtualNetworkPeerings", "virtualNetworkPeerings", "virtualNetworkLinks"]
    assert cs.changes[-1].id.lower().startswith(z.lower())


def test_zone_link_limit_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import netplan.plan

    monkeypatch.setattr(netplan.plan, "ZONE_LINK_LIMIT", 1)  # stands for D7's 1000
    b = mendix_builder()
    z = b.zone(DOMAIN, rg="rg-dns")
    b.zone_link(z, "vnet-spoke-c")
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A))
    assert [p.code for p in cs.problems] == ["zone-link-limit"]


def test_gateway_transit_flags_on_both_links_when_the_provider_has_a_gateway(tmp_path: Path) -> None:
    b = mendix_builder()
    b.subnet("vnet-mendix", "GatewaySubnet", "10.100.255.0/27")
    b.gateway("vgw-mendix", "vnet-mendix", rg="rg-mendix")
    conn = PEERING_A + "    use_remote_gateways: true\n"
    cs = plan_of(b.estate(), intent_file(tmp_path, conn))
    flags = {c.id.rsplit("/", 1)[-1]: (c.body or {})["properties"] for c in cs.changes if c.type.endswith("Peerings")}
    assert flags["vnet-spoke-a-to-vnet-mendix"]["useRemoteGateways"] is True
    assert flags["vnet-mendix-to-vnet-spoke-a"]["allowGatewayTransit"] is True
    assert not cs.problems


def test_gateway_transit_without_a_provider_gateway_is_a_problem(tmp_path: Path) -> None:
    conn = PEERING_A + "    use_remote_gateways: true\n"
    cs = plan_of(mendix_builder().estate(), intent_file(tmp_path, conn))
    assert [p.code for p in cs.problems] == ["gateway-transit-invalid"]
    assert all(not (c.body or {})["properties"]["useRemoteGateways"] for c in cs.changes if c.type.endswith("Peerings"))


EXAMPLES = AZURE_REST_EXAMPLES


def _keys(d: Any, prefix: str = "") -> set[str]:
    """Dotted key paths of a JSON body (list items folded into ``[]``)."""
    out: set[str] = set()
    if isinstance(d, dict):
        for k, v in d.items():
            out.add(prefix + k)
            if k not in ("tags", "metadata"):  # free-form keys
                out |= _keys(v, prefix + k + ".")
    elif isinstance(d, list):
        for v in d:
            out |= _keys(v, prefix.rstrip(".") + "[].")
    return out


@pytest.mark.parametrize(
    ("example", "param"),
    [
        ("private-link-service/PrivateLinkServiceCreate.json", "parameters"),
        ("private-endpoint/PrivateEndpointCreate.json", "parameters"),
        ("private-endpoint/PrivateEndpointDnsZoneGroupCreate.json", "parameters"),
        ("private-dns/PrivateZonePut.json", "parameters"),
        ("private-dns/RecordSetAPut.json", "parameters"),
        ("private-dns/VirtualNetworkLinkPut.json", "parameters"),
        ("vnet-peering/VirtualNetworkPeeringCreate.json", "VirtualNetworkPeeringParameters"),
    ],
)
def test_bodies_use_only_field_names_of_the_official_payloads(example: str, param: str) -> None:
    from netplan import bodies as B

    official = json.loads((EXAMPLES / example).read_text())["parameters"][param]
    sid = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    ours = {
        "PrivateLinkServiceCreate": B.private_link_service_body("westeurope", "/fe", sid, visibility=["a"],
                                                                auto_approval=["a"], fqdns=["x"], tags={"k": "v"}),
        "PrivateEndpointCreate": B.private_endpoint_body("westeurope", sid, "/pls", "c", group_ids=["file"],
                                                         static_ip="10.0.0.5", request_message="m"),
        "PrivateEndpointDnsZoneGroupCreate": B.zone_group_body(["/z/zone1.com"]),
        "PrivateZonePut": B.private_zone_body({"k": "v"}),
        "RecordSetAPut": B.a_record_body(["10.0.0.1"], metadata={"k": "v"}),
        "VirtualNetworkLinkPut": B.zone_link_body("/v", tags={"k": "v"}),
        "VirtualNetworkPeeringCreate": B.peering_body("/v"),
    }[Path(example).stem]  # fmt: skip
    # In the REST schema though not in these examples: tags on tracked resources, the names of
    # sub-resources, and the primary flag of a PLS ipConfiguration.
    schema_only = {"tags", "properties.privateDnsZoneConfigs[].name", "properties.privateLinkServiceConnections[].name",
                   "properties.ipConfigurations[].properties.primary"}  # fmt: skip
    extra = _keys(ours) - _keys(official) - schema_only
    assert not extra, f"fields not in {example}: {sorted(extra)}"


def test_snapshot_gap_on_a_consumer_is_a_warning(tmp_path: Path) -> None:
    b = mendix_builder()
    b.gap(f"{b.sub}/resourceGroups/rg-spoke-a", kind="privateDnsZones", reason="AuthorizationFailed")
    cs = plan_of(b.estate(), intent_file(tmp_path, PEERING_A))
    assert any("could not read privateDnsZones" in w for w in cs.warnings)


def test_malformed_plan_file_is_an_input_error() -> None:
    from netplan.errors import InputError

    with pytest.raises(InputError, match=r"not a vnetplan\.plan/v1 plan"):
        ChangeSet.from_dict({"schema": "other"}, "p.json")
    # One reader for every command: the error names the file and the JSON path.
    with pytest.raises(InputError, match=r"^p\.json: plan_id: missing$"):
        ChangeSet.from_dict({"schema": "vnetplan.plan/v1", "changes": []}, "p.json")
    with pytest.raises(InputError, match=r"^p\.json: changes\[0\]\.id: missing$"):
        ChangeSet.from_dict({"schema": "vnetplan.plan/v1", "plan_id": "x", "changes": [{"action": "explode"}]}, "p.json")
