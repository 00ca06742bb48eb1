"""``vnetplan recommend --intent`` compares topologies the way ``vnetplan plan`` decides, and the
decisions explain themselves the same way everywhere (CLI table, markdown, JSON, a plan file read
back, the TUI through :mod:`netplan.explain`).

Estates: the bundled Mendix sample (a landing zone: spoke2 pinned to peering, the legacy VNet served
by its own endpoint, spoke3 served through the hub with one peering to resync) and the hand-built
landing zones of ``test_dnspath`` (a hub with a DNS private resolver and a firewall, the central
zone linked to the hub).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netplan.compare import compare_connections
from netplan.estate import load_estate
from netplan.explain import BAD, GOOD, explain_plan
from netplan.intent import load_intent
from netplan.plan import ChangeSet, make_plan
from tests.unit.builders import EstateBuilder
from tests.unit.test_dnspath import INTENT, LB_IP, landing_zone
from vnetplan.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
AUTO = "  - consumer: vnet-spoke\n    method: auto\n    subnet: pe\n"


def write(tmp_path: Path, b: EstateBuilder, connections: str) -> tuple[str, str]:
    est = b.write(tmp_path / "estate.json")
    intent = tmp_path / "intent.yaml"
    intent.write_text(INTENT.format(connections=connections.rstrip("\n")))
    return est, str(intent)


def test_recommend_and_plan_make_the_same_decision_for_every_auto_connection_of_the_sample() -> None:
    est = load_estate([SAMPLES / "mendix-estate.json"])
    intent = load_intent(SAMPLES / "mendix-intent.yaml", est)
    planned = {d.consumer_id: d for d in make_plan(est, intent).decisions}
    compared = compare_connections(est, intent)
    assert [d.consumer_id for d in compared] == [c.consumer_vnet_id for c in intent.connections]
    for d in compared:
        if d.asked == "auto":
            assert d.to_dict() == planned[d.consumer_id].to_dict()
    spoke2 = next(d for d in compared if d.consumer_id.endswith("vnet-corp-spoke2-weu"))
    # Pinned to peering: compared anyway, and the first reason says what the pin means.
    assert spoke2.reasons[0]["code"] == "asked"
    assert spoke2.reasons[0]["message"].startswith("the intent pins peering, so the plan uses it: its what-if verifies")
    assert {o["option"] for o in spoke2.options} >= {"peering", "private-link", "shared-endpoint"}


def test_recommend_intent_table_compares_the_existing_path_peering_and_private_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b, _ = landing_zone(stale_sync=True)
    est, intent = write(tmp_path, b, AUTO)
    assert main(["recommend", "--estate", est, "--intent", intent]) == 0
    text = capsys.readouterr().out
    assert "rg-spoke/vnet-spoke: existing-path (expose-apps, asked auto)" in text
    assert "[repair] peering link vnet-hub-to-vnet-spoke of vnet-hub does not know 10.2.0.0/24" in text
    chosen = [line for line in text.splitlines() if line.strip().startswith("->")]
    assert len(chosen) == 1 and "existing-path: verifies; 1 change" in chosen[0] and chosen[0].endswith("(chosen)")
    # The other options with what they need, their exposure and rough cost, and their verdict.
    # An endpoint of its own would need another answer from the central zone the hub consults (A2).
    assert "private-link: does not verify (not planned); " in text and "[zone-answer-conflict]" in text
    assert "exposure: one private endpoint in the consumer VNet" in text
    assert "private endpoint hours" in text and "USD/month" in text
    assert "peering: verifies; 2 changes; exposure: the whole provider VNet" in text


def test_recommend_intent_json_shared_endpoint_when_the_consumer_cannot_have_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = EstateBuilder()
    b.vnet("vnet-hub", ["10.0.0.0/22"], rg="rg-hub", subnets={"pe": "10.0.1.0/24"})
    b.vnet("vnet-mendix", ["10.100.0.0/16"], rg="rg-mendix", subnets={"aks": "10.100.0.0/20", "pls-nat": "10.100.16.0/28"})
    b.lb("kubernetes-internal", "vnet-mendix", "aks", LB_IP, rg="rg-mendix")
    b.vnet("vnet-spoke", ["10.100.0.0/20"], rg="rg-spoke", subnets={"app": "10.100.1.0/24"})
    b.peer("vnet-hub", "vnet-spoke")
    fe = f"{b.rid('loadBalancers', 'kubernetes-internal', 'rg-mendix')}/frontendIPConfigurations/fe"
    b.pls("pls-mendix", fe, "vnet-mendix", "pls-nat", "10.100.16.5", rg="rg-mendix", auto_approval=[b.sub.rsplit("/", 1)[-1]])
    b.pe("pe-other", "vnet-hub", "pe", "10.0.1.4", b.rid("storageAccounts", "st", "rg-hub"), rg="rg-hub")
    est, intent = write(tmp_path, b, "  - consumer: vnet-spoke\n    method: auto\n")
    assert main(["recommend", "--estate", est, "--intent", intent, "--consumer", "vnet-spoke", "--format", "json"]) == 0
    [c] = json.loads(capsys.readouterr().out)["connections"]
    assert c["method"] == "shared-endpoint" and c["verify_as"] == "private-link"
    by = {o["option"]: o for o in c["options"]}
    assert [o["option"] for o in c["options"] if o["chosen"]] == ["shared-endpoint"]
    assert by["shared-endpoint"]["verifies"] and not by["private-link"]["verifies"]
    # Why the endpoint of its own is out: it cannot be planned (no subnet for it, and it overlaps).
    assert by["private-link"]["verdict"] == "not planned" and by["private-link"]["reasons"]
    assert "peering" not in by  # overlapping the provider: peering is not an option at all (P3)
    assert any("create privateEndpoints" in ch for ch in by["shared-endpoint"]["changes"])
    assert by["shared-endpoint"]["cost"]["items"][0]["label"] == "private endpoint hours"
    assert any(w["code"] == "verifies" for w in c["why"])


def test_recommend_intent_with_no_verifying_option_is_none_exit_1_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b, _ = landing_zone(spoke_dns=["192.0.2.53"])  # a DNS server the snapshot cannot see
    est, intent = write(tmp_path, b, AUTO)
    assert main(["recommend", "--estate", est, "--intent", intent, "--format", "json"]) == 1
    [c] = json.loads(capsys.readouterr().out)["connections"]
    assert c["method"] == "none" and not any(o["chosen"] for o in c["options"])
    assert not any(o["verifies"] for o in c["options"])
    assert c["why"][0]["code"] == "no-verifying-option"
    assert any("192.0.2.53" in w["message"] for w in c["why"] if w["code"] == "resolution-path")


def test_recommend_intent_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b, _ = landing_zone()
    b.vnet("vnet-other", ["10.9.0.0/16"], rg="rg-other")
    est, intent = write(tmp_path, b, AUTO)
    assert main(["recommend", "--estate", est, "--intent", intent, "--consumer", "vnet-other"]) == 2
    assert "vnet-other is not a consumer of any connection" in capsys.readouterr().err
    assert main(["recommend", "--estate", est, "--intent", intent, "--provider", "vnet-mendix"]) == 2
    assert "--provider comes from the intent file" in capsys.readouterr().err
    assert main(["recommend", "--estate", est, "--consumer", "vnet-spoke"]) == 2
    err = capsys.readouterr().err
    assert "--provider, --use-case (or --intent FILE)" in err and "Traceback" not in err


def test_explanations_of_a_plan_file_read_back_are_those_of_the_fresh_plan(tmp_path: Path) -> None:
    """What the TUI's Plan tab shows for a plan it made or a plan file it loaded."""
    est = load_estate([SAMPLES / "mendix-estate.json"])
    cs = make_plan(est, load_intent(SAMPLES / "mendix-intent.yaml", est))
    fresh = explain_plan(cs)
    again = explain_plan(ChangeSet.from_dict(json.loads(json.dumps(cs.to_dict()))))
    assert [e.lines() for e in again] == [e.lines() for e in fresh]
    spoke3 = next(e for e in fresh if e.consumer.endswith("vnet-corp-spoke3-neu"))
    assert spoke3.chosen is not None and spoke3.chosen.name == "existing-path"
    assert [code for code, _ in spoke3.why] == ["existing-path", "repair", "resolution-path"]
    tones = {text.split(":")[0].strip("-> ").strip(): tone for text, tone in spoke3.lines() if text.startswith("    ")}
    assert tones["existing-path"] == GOOD and tones["shared-endpoint"] == BAD
    # Nothing dropped: every reason of the decision is a line, every option is a line.
    d = next(d for d in cs.decisions if d.consumer_id.endswith("vnet-corp-spoke3-neu"))
    text = spoke3.text()
    assert all(r["message"] in text for r in d.reasons)


@pytest.mark.parametrize(("peered", "says"), [(True, "resolved as in vnet-hub"),
                                              (False, "unreachable on port 53: resolves nothing")])  # fmt: skip
def test_recommend_by_the_rules_says_where_a_custom_dns_consumer_resolves(peered: bool, says: str) -> None:
    from netplan.recommend import Code, recommend

    b, _ = landing_zone(spoke_peered=peered)
    rec = recommend(b.estate(), "vnet-spoke", "vnet-mendix")
    [note] = [r for r in rec.reasons if r.code == Code.CUSTOM_DNS]
    assert note.message.startswith("vnet-spoke uses custom DNS servers (10.0.0.68) and resolves with custom DNS 10.0.0.68")
    assert says in note.message
