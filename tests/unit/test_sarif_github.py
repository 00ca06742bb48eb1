"""The audit's SARIF as GitHub code scanning receives it: one alert per finding, identities that
survive edits to other resources, valid SARIF 2.1.0, and what GitHub does with levels, security
severity, suppressions and categories.

The upload action is simulated by :mod:`tests.unit.codeql_upload` (its fingerprinting, re-implemented
and checked against the action's test vectors); the estate is the golden audit estate written to a
temporary checkout as ``estate.json``, the way the CI recipe writes it.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import itertools
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bench.synth import generate
from checks.registry import audit, rule_infos
from checks.suppressions import load_suppressions
from netplan.estate import load_estate
from netplan.report import Finding, Report, RuleInfo, Severity, Status
from netplan.report.locate import ResourceLines
from netplan.report.sarif import FINGERPRINT_KEY, SarifOptions, to_sarif
from tests.checks.builders import GOLDEN_SUPPRESSIONS, GOLDEN_TODAY, golden_builder
from tests.unit.codeql_upload import alerts, line_hashes, upload

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
HUB_RG = "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f/resourceGroups/rg-hub"


def validate(doc: dict[str, Any]) -> None:
    jsonschema.Draft4Validator(SCHEMA).validate(doc)


def sarif_of(checkout: Path, snapshot: dict[str, Any], options: SarifOptions | None = None,
             suppressions: str = "") -> dict[str, Any]:  # fmt: skip
    """Write the snapshot as ``estate.json`` in the checkout, audit it, and render the SARIF as the
    CLI does (the snapshot path relative to the checkout)."""
    (checkout / "estate.json").write_text(json.dumps(snapshot, indent=2) + "\n")
    estate = load_estate(["estate.json"], [])
    supp = []
    if suppressions:
        (checkout / "suppressions.yaml").write_text(suppressions)
        supp = load_suppressions(checkout / "suppressions.yaml", rule_infos())
    report = audit(estate, suppressions=supp, today=dt.date.fromisoformat(GOLDEN_TODAY))
    return to_sarif(report, options, ResourceLines.scan(report.sources))


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def edited(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Other resources change: a new VNet in the hub's resource group ahead of everything, and a tag
    on an existing VNet (which moves every line after it)."""
    snap = copy.deepcopy(snapshot)
    snap["resources"].insert(0, {
        "name": "hub-vnet-2", "id": f"{HUB_RG}/providers/Microsoft.Network/virtualNetworks/hub-vnet-2",
        "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
        "properties": {"addressSpace": {"addressPrefixes": ["10.250.0.0/16"]}, "subnets": []},
    })  # fmt: skip
    spoke = next(r for r in snap["resources"] if r["name"] == "spoke-us")
    spoke["tags"] = {"owner": "network-team", "cost-centre": "4711"}
    return snap


def test_the_line_hash_matches_the_actions_test_vectors() -> None:
    # From github/codeql-action src/fingerprints.test.ts ("hash").
    assert line_hashes("") == {1: "c129715d7a2bc9a3:1"}
    assert line_hashes(" a\nb\n  \t\tc\n d") == {
        1: "271789c17abda88f:1", 2: "54703d4cd895b18:1", 3: "180aee12dab6264:1", 4: "a23a3dc5e078b07b:1",
    }  # fmt: skip
    crlf = line_hashes(" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n")
    assert crlf == line_hashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n")
    assert crlf[1] == "e9496ae3ebfced30:1" and crlf[7] == "c129715d7a2bc9a3:1"


def test_every_finding_is_its_own_alert_and_the_action_keeps_our_fingerprints(checkout: Path) -> None:
    doc = sarif_of(checkout, golden_builder().snapshot())
    validate(doc)
    sent = upload(doc, checkout)
    results = sent["runs"][0]["results"]
    assert len(results) >= 9
    assert [r["partialFingerprints"] for r in results] == [r["partialFingerprints"] for r in doc["runs"][0]["results"]]
    collided = {k: v for k, v in alerts(sent).items() if len(v) > 1}
    assert not collided
    # Each result sits on its resource's "id" line in the snapshot.
    lines = (checkout / "estate.json").read_text().splitlines()
    for r in results:
        loc = r["locations"][0]
        line = loc["physicalLocation"]["region"]["startLine"]
        resource = loc["logicalLocations"][0]["fullyQualifiedName"]
        if resource.startswith("/subscriptions/"):
            assert f'"id": "{resource}"' in lines[line - 1], resource
        assert loc["physicalLocation"]["artifactLocation"]["uri"] == "estate.json"


def test_without_our_fingerprints_the_action_would_merge_alerts_at_line_one(checkout: Path) -> None:
    """The failure the fingerprints prevent (issue 17): everything at line 1, the action's hash."""
    doc = sarif_of(checkout, golden_builder().snapshot())
    for r in doc["runs"][0]["results"]:
        del r["partialFingerprints"]
        r["locations"][0]["physicalLocation"]["region"]["startLine"] = 1
    merged = alerts(upload(doc, checkout))
    assert len(merged) < len(doc["runs"][0]["results"])
    assert any(len(v) > 1 for v in merged.values())


def test_editing_other_resources_changes_no_fingerprint(checkout: Path) -> None:
    before = upload(sarif_of(checkout, golden_builder().snapshot()), checkout)
    after = upload(sarif_of(checkout, edited(golden_builder().snapshot())), checkout)

    def keyed(doc: dict[str, Any]) -> dict[tuple[str, str, str], tuple[str, int]]:
        out = {}
        for r in doc["runs"][0]["results"]:
            loc = r["locations"][0]
            ident = (r["ruleId"], loc["logicalLocations"][0]["fullyQualifiedName"], r["properties"].get("item", ""))
            out[ident] = (r["partialFingerprints"][FINGERPRINT_KEY], loc["physicalLocation"]["region"]["startLine"])
        return out

    old, new = keyed(before), keyed(after)
    assert old.keys() <= new.keys(), "the edit must not change the findings themselves"
    assert {k: v[0] for k, v in old.items()} == {k: new[k][0] for k in old}
    assert any(old[k][1] != new[k][1] for k in old), "the edit moved the resources' lines"


def test_the_actions_own_hash_would_change_with_the_same_edit(checkout: Path) -> None:
    """Why vnetplan sends its own: the first 100 characters of an "id" line are the same for every
    resource of a resource group, so the action's hash counts them, and a new resource renumbers."""

    def action_keys(snapshot: dict[str, Any]) -> dict[tuple[str, str], str]:
        doc = sarif_of(checkout, snapshot)
        for r in doc["runs"][0]["results"]:
            del r["partialFingerprints"]
        sent = upload(doc, checkout)
        return {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]):
                r["partialFingerprints"]["primaryLocationLineHash"] for r in sent["runs"][0]["results"]}  # fmt: skip

    old, new = action_keys(golden_builder().snapshot()), action_keys(edited(golden_builder().snapshot()))
    assert any(old[k] != new[k] for k in old if k in new)


def test_distinct_findings_on_one_resource_and_one_resource_group_never_collide() -> None:
    info = RuleInfo("VNP-DNS-001", "Private DNS zone is not linked", Severity.HIGH, "r" * 30, "m" * 30)
    vnet = f"{HUB_RG}/providers/Microsoft.Network/virtualNetworks/hub-vnet"
    findings = [
        Finding(info.id, Severity.HIGH, Status.FAIL, vnet, "m", item="privatelink.blob.core.windows.net"),
        Finding(info.id, Severity.HIGH, Status.FAIL, vnet, "m", item="azure.mendixapps.io"),
        Finding(info.id, Severity.HIGH, Status.FAIL, vnet + "-2", "m", item="azure.mendixapps.io"),
        Finding(info.id, Severity.HIGH, Status.UNKNOWN, vnet + "-3", "m"),
    ]
    doc = to_sarif(Report("audit", findings, {info.id: info}, sources=("estate.json",)))
    validate(doc)
    assert len(alerts(doc)) == len(findings)


def test_unknown_results_are_review_with_level_none(checkout: Path) -> None:
    results = sarif_of(checkout, golden_builder().snapshot())["runs"][0]["results"]
    unknown = [r for r in results if r["properties"]["status"] == "UNKNOWN"]
    assert unknown
    for r in results:
        if r in unknown:
            assert (r["kind"], r["level"]) == ("review", "none") and r["message"]["text"].startswith("UNKNOWN: ")
        else:
            assert r.get("kind", "fail") == "fail" and r["level"] in ("error", "warning", "note")


def test_only_exposure_rules_are_security_alerts(checkout: Path) -> None:
    rules = sarif_of(checkout, golden_builder().snapshot())["runs"][0]["tool"]["driver"]["rules"]
    security = {r["id"] for r in rules if "security-severity" in r["properties"]}
    assert security == {i.id for i in rule_infos().values() if "exposure" in i.tags} == {"VNP-DNS-003", "VNP-DNS-008"}
    for r in rules:
        props = r["properties"]
        if r["id"] in security:
            assert "security" in props["tags"] and "problem.severity" not in props
        else:
            assert props["problem.severity"] in ("error", "warning", "recommendation") and "security" not in props["tags"]


def test_suppressed_findings_are_left_out_unless_asked_and_then_all_results_carry_suppressions(checkout: Path) -> None:
    snap = golden_builder().snapshot()
    default = sarif_of(checkout, snap, suppressions=GOLDEN_SUPPRESSIONS)["runs"][0]
    kept = sarif_of(checkout, snap, SarifOptions(include_suppressed=True), suppressions=GOLDEN_SUPPRESSIONS)
    validate(kept)
    kept_results = kept["runs"][0]["results"]
    assert default["properties"]["summary"]["suppressed"] == 1
    assert len(kept_results) == len(default["results"]) + 1
    assert not any("suppressions" in r for r in default["results"])
    # SARIF §3.27.23: either every result has suppressions or none has.
    assert all("suppressions" in r for r in kept_results)
    suppressed = [r for r in kept_results if r["suppressions"]]
    assert len(suppressed) == 1 and suppressed[0]["suppressions"][0]["status"] == "accepted"


def test_automation_details_only_with_a_category(checkout: Path) -> None:
    snap = golden_builder().snapshot()
    assert "automationDetails" not in sarif_of(checkout, snap)["runs"][0]
    doc = sarif_of(checkout, snap, SarifOptions(category="vnetplan-audit"))
    validate(doc)
    assert doc["runs"][0]["automationDetails"] == {"id": "vnetplan-audit/"}


def test_a_resource_only_referenced_or_in_a_minified_file_is_placed_sensibly(tmp_path: Path) -> None:
    vnet = f"{HUB_RG}/providers/Microsoft.Network/virtualNetworks/hub-vnet"
    text = json.dumps({"resources": [
        {"name": "pe", "id": f"{HUB_RG}/providers/Microsoft.Network/privateEndpoints/pe",
         "properties": {"subnet": {"id": vnet.upper() + "/subnets/a"}}},
        {"name": "hub-vnet", "id": vnet, "properties": {"subnets": [{"id": vnet + "/subnets/a", "name": "a"}]}},
    ]}, indent=1)  # fmt: skip
    (tmp_path / "e.json").write_text(text)
    lines = ResourceLines.scan([str(tmp_path / "e.json"), "<live Azure>", str(tmp_path / "missing.json")])
    rows = text.splitlines()
    subnet = lines.find(vnet + "/subnets/a")
    assert subnet is not None and '"name": "a"' in rows[subnet.line] + rows[subnet.line - 2]
    hub = lines.find(vnet.lower())
    assert hub is not None and rows[hub.line - 1].strip() == f'"id": "{vnet}",'
    (tmp_path / "m.json").write_text(json.dumps(json.loads(text)))
    assert ResourceLines.scan([str(tmp_path / "m.json")]).find(vnet) == type(hub)(str(tmp_path / "m.json"), 1)


def test_the_sample_estates_audit_through_the_cli_keeps_every_alert_apart_and_stable(checkout: Path) -> None:
    """The Done-when of issue 17 on the shipped sample: ``vnetplan audit --format sarif`` as the CI
    recipe runs it, through the simulated upload, before and after an edit to other resources."""
    from vnetplan.cli import main

    sample = json.loads((ROOT / "samples" / "mendix-estate.json").read_text())

    def run(snapshot: dict[str, Any]) -> dict[tuple[str, str, str], str]:
        (checkout / "estate.json").write_text(json.dumps(snapshot, indent=2) + "\n")
        assert main(["audit", "--estate", "estate.json", "--format", "sarif", "--output", "vnetplan.sarif"]) in (0, 1)
        doc = json.loads((checkout / "vnetplan.sarif").read_text())
        validate(doc)
        sent = upload(doc, checkout)
        assert not {k: v for k, v in alerts(sent).items() if len(v) > 1}
        out = {}
        for r in sent["runs"][0]["results"]:
            loc = r["locations"][0]
            resource = loc["logicalLocations"][0]["fullyQualifiedName"]
            if resource.startswith("/subscriptions/") and "/" in resource[15:]:
                row = (checkout / "estate.json").read_text().splitlines()[loc["physicalLocation"]["region"]["startLine"] - 1]
                assert resource.lower() in row.lower(), (resource, row)
            out[(r["ruleId"], resource, r["properties"].get("item", ""))] = r["partialFingerprints"][FINGERPRINT_KEY]
        return out

    before = run(sample)
    assert len(before) >= 4
    edited_sample = copy.deepcopy(sample)
    first = edited_sample["resources"][0]
    edited_sample["resources"].insert(0, {**copy.deepcopy(first), "name": first["name"] + "-2",
                                          "id": first["id"] + "-2", "tags": {"owner": "someone"}})  # fmt: skip
    after = run(edited_sample)
    assert {k: after.get(k) for k in before} == before


def _one_pass(text: str) -> dict[str, int]:
    """The places as one regular-expression pass over the whole text gives them (the reference
    for the block-wise scan): key -> line of its best-ranked "id" member."""
    member = re.compile(r'"id"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"')
    best: dict[str, tuple[int, int]] = {}
    for m in member.finditer(text):
        value = json.loads(f'"{m.group(1)}"')
        if not value.startswith("/"):
            continue
        i = m.start() - 1
        while i >= 0 and text[i] in " \t\r\n":
            i -= 1
        j = m.end()
        while j < len(text) and text[j] in " \t\r\n":
            j += 1
        before, after = text[i : i + 1] if i >= 0 else "", text[j : j + 1]
        rank = 0 if before == "," else 2 if (before, after) == ("{", "}") else 1
        key = value.lower().rstrip("/")
        if key not in best or rank < best[key][0]:
            best[key] = (rank, text.count("\n", 0, m.start()) + 1)
    return {k: line for k, (_, line) in best.items()}


@pytest.mark.parametrize("block", [1, 7, 100, 1000, 4 << 20])
def test_the_block_wise_scan_places_every_resource_as_one_pass_over_the_text_would(block: int) -> None:
    # Blocks much smaller than an "id" member: every match straddles blocks.
    doc = generate(12, 2, 3)
    for text in (json.dumps(doc, indent=2), json.dumps(doc), json.dumps(doc, indent="\t").replace("\n", "\r\n")):
        lines = ResourceLines()
        lines.add_file("s.json", io.BytesIO(text.encode()), block=block)
        assert lines.places and {k: p.line for k, p in lines.places.items()} == _one_pass(text)


@pytest.mark.parametrize("block", [7, 1000, 4 << 20])
def test_the_scan_for_the_resources_with_results_places_them_as_the_whole_scan_does(block: int) -> None:
    # A report places only its resources with results: they are compared as bytes when their
    # member is plain ASCII, and read as JSON text when it holds an escape or other characters.
    doc = generate(12, 2, 3)
    resources = doc["resources"]
    odd = f"{HUB_RG}/providers/Microsoft.Network/virtualNetworks/vnet-zürich"
    resources.append({"name": "vnet-zürich", "id": odd, "properties": {"addressSpace": {"addressPrefixes": []}}})
    escaped = resources[5]["id"]
    ids = [r["id"] for r in resources]
    wanted = {*ids[::3], odd.upper(), escaped.lower() + "/", "/subscriptions/none/resourceGroups/x"}
    keys = {w.strip().rstrip("/").lower() for w in wanted}
    for text in (json.dumps(doc, indent=2, ensure_ascii=False), json.dumps(doc, ensure_ascii=True)):
        text = text.replace(json.dumps(escaped), json.dumps(escaped).replace("/", "\\/"), 1)
        assert "\\/" in text
        lines = ResourceLines(wanted=keys)
        lines.add_file("s.json", io.BytesIO(text.encode()), block=block)
        expected = {k: line for k, line in _one_pass(text).items() if k in keys}
        assert {k: p.line for k, p in lines.places.items()} == expected
        assert odd.lower() in expected and escaped.lower() in expected


@pytest.mark.parametrize("block", [7, 1000, 4 << 20])
def test_the_quick_scan_reads_other_text_beyond_ascii_trailing_slashes_and_long_lines_as_the_whole_scan(
    block: int,
) -> None:
    # The quick path (C loops over ASCII members) serves a block with non-ASCII text outside its
    # "id" members; a member spelled with extra slashes or another case is the same resource; a
    # file with resources on long lines counts its few newlines by another route than an indented one.
    doc = generate(12, 2, 3)
    resources = doc["resources"]
    for r in resources[::4]:
        r["tags"] = {"site": "Zürich", "owner": "Ærø"}
    ids = [r["id"] for r in resources]
    resources.append({"name": "ref", "id": ids[3].upper() + "//", "properties": {}})
    resources.insert(2, {"name": "ref2", "properties": {"peer": {"id": ids[6] + "/", "name": "x"}}})
    # A reference, then a longer ID that starts with the same text, then the definition.
    solo = f"{HUB_RG}/providers/Microsoft.Network/virtualNetworks/solo"
    resources[-1:-1] = [
        {"name": "nic", "properties": {"vnet": {"id": solo}, "subnet": {"id": solo + "/subnets/a", "name": "a"}}},
        {"name": "solo", "id": solo, "properties": {}},
    ]
    # A character beyond ASCII that lower-cases to an ASCII one (the Kelvin sign): read exactly.
    kelvin = f"{HUB_RG}/providers/Microsoft.Network/virtualNetworks/vnet-\u212a"
    resources.insert(5, {"name": "kelvin", "id": kelvin, "properties": {}})
    keys = {i.lower() for i in ids[::2]} | {ids[3].lower(), ids[6].lower(), solo.lower(), kelvin.lower()}
    texts = (
        json.dumps(doc, indent=2, ensure_ascii=False),
        "{\"resources\": [\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in resources) + "\n]}",
        json.dumps(doc, ensure_ascii=False).replace("}, {", "},\n\n\n{"),
        json.dumps(doc, indent=1, ensure_ascii=False).replace("\n", "\n\n\n"),
    )
    for text, wanted in itertools.product(texts, (keys, {solo.lower()})):
        lines = ResourceLines(wanted=wanted)
        lines.add_file("s.json", io.BytesIO(text.encode()), block=block)
        expected = {k: line for k, line in _one_pass(text).items() if k in wanted}
        assert {k: p.line for k, p in lines.places.items()} == expected
        assert solo.lower() in expected
        if wanted is keys:
            assert {ids[3].lower(), ids[6].lower(), kelvin.lower()} <= set(expected)
