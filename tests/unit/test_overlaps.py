"""Overlap analysis: one hand-built estate per P3 rule, the grouping, the one-pair helpers, the
sweep against a naive pairwise reference (hypothesis), and the `vnetplan overlaps` CLI."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netplan.addr import Prefix, parse_prefix
from netplan.errors import RefError
from netplan.overlaps import (
    ANOTHER_PEERING,
    OVERLAPS_ALREADY_PEERED,
    SPACES_OVERLAP,
    Member,
    OverlapReport,
    Scope,
    Severity,
    _new_member,
    containment_pairs,
    cross_overlaps,
    find_overlaps,
    overlapping_prefixes,
    peering_blockers,
)
from tests.unit.builders import EstateBuilder, vnet_id
from vnetplan.cli import main


def only(report: OverlapReport) -> tuple[Severity, Scope, set[str]]:
    """The single group of a report: severity, scope and the VNet names involved."""
    assert len(report.groups) == 1, [(g.severity, g.scope, str(g.prefix)) for g in report.groups]
    g = report.groups[0]
    return g.severity, g.scope, {m.label for m in g.members}


# ---------------------------------------------------------------------------------------------
# P3 rules, one estate each


def test_fail_peered_vnets_that_overlap_are_an_error() -> None:
    b = EstateBuilder()
    b.vnet("fail_app", ["10.10.0.0/16"])
    b.vnet("fail_data", ["10.10.4.0/22"])
    b.peer("fail_app", "fail_data")
    report = find_overlaps(b.estate())
    assert only(report) == (Severity.ERROR, Scope.PEERED, {"rg-net/fail_app", "rg-net/fail_data"})
    (pair,) = list(report.all_pairs())
    assert pair.code == SPACES_OVERLAP
    assert report.groups[0].prefix == parse_prefix("10.10.0.0/16")
    assert report.has_errors


def test_fail_a_single_initiated_link_is_enough_for_peered() -> None:
    b = EstateBuilder()
    b.vnet("fail_a", ["10.10.0.0/16"])
    b.vnet("fail_b", ["10.10.0.0/16"])
    b.peer("fail_a", "fail_b", state="Initiated")
    severity, scope, _ = only(find_overlaps(b.estate()))
    assert (severity, scope) == (Severity.ERROR, Scope.PEERED)
    assert "Initiated" in find_overlaps(b.estate()).groups[0].reasons[0]


def test_fail_third_vnet_rule_names_the_vnet_both_are_peered_with() -> None:
    # A overlaps C; C is peered with B and A is peered with B: B cannot route the overlap to both.
    b = EstateBuilder()
    b.vnet("fail_a", ["10.20.0.0/16"])
    b.vnet("pass_b", ["10.30.0.0/16"])
    b.vnet("fail_c", ["10.20.128.0/17"])
    b.peer("pass_b", "fail_c")
    b.peer("pass_b", "fail_a")
    report = find_overlaps(b.estate())
    assert only(report) == (Severity.ERROR, Scope.ROUTING_DOMAIN, {"rg-net/fail_a", "rg-net/fail_c"})
    (pair,) = list(report.all_pairs())
    assert pair.code == OVERLAPS_ALREADY_PEERED
    assert pair.third_vnet == vnet_id("pass_b")
    assert "rg-net/pass_b" in pair.reason


def test_fail_third_vnet_rule_with_a_planned_peering() -> None:
    b = EstateBuilder()
    b.vnet("fail_a", ["10.20.0.0/16"])
    b.vnet("pass_b", ["10.30.0.0/16"])
    b.vnet("fail_c", ["10.20.0.0/24"])
    b.peer("pass_b", "fail_c")
    e = b.estate()
    assert find_overlaps(e).groups[0].severity is Severity.INFO  # not yet connected
    report = find_overlaps(e, planned=[("fail_a", "pass_b")])
    assert only(report)[:2] == (Severity.ERROR, Scope.ROUTING_DOMAIN)
    assert next(report.all_pairs()).third_vnet == vnet_id("pass_b")


def test_warn_spokes_of_two_peered_hubs_overlap_inside_one_routing_domain() -> None:
    # spoke-weu - hub-weu - hub-neu - spoke-neu: no VNet is peered with both spokes (so Azure lets
    # every peering through), but forwarded traffic between the regions cannot tell them apart.
    b = EstateBuilder()
    b.vnet("hub-weu", ["10.0.0.0/16"])
    b.vnet("hub-neu", ["10.100.0.0/16"], location="northeurope")
    b.vnet("warn_spoke_weu", ["10.1.0.0/16"])
    b.vnet("warn_spoke_neu", ["10.1.0.0/16"], location="northeurope")
    b.peer("hub-weu", "hub-neu", allow_forwarded=True)
    b.peer("hub-weu", "warn_spoke_weu")
    b.peer("hub-neu", "warn_spoke_neu")
    b.forwarder("hub-weu")
    report = find_overlaps(b.estate())
    assert only(report) == (
        Severity.WARNING,
        Scope.ROUTING_DOMAIN,
        {"rg-net/warn_spoke_weu", "rg-net/warn_spoke_neu"},
    )
    assert not report.has_errors
    assert "one routing domain" in report.groups[0].reasons[0]


def test_info_two_hundred_isolated_vnets_on_the_default_range_are_one_group() -> None:
    b = EstateBuilder()
    for i in range(200):
        b.vnet(f"pass_default_{i:03}", ["10.0.0.0/16"], rg=f"rg-team{i:03}")
    report = find_overlaps(b.estate())
    severity, scope, names = only(report)
    assert (severity, scope) == (Severity.INFO, Scope.ISOLATED)
    assert len(names) == 200
    g = report.groups[0]
    assert g.prefix == parse_prefix("10.0.0.0/16")
    assert g.pair_count == 200 * 199 // 2
    assert len(list(g.pairs())) == 19_900
    d = report.to_dict()
    assert len(d["overlaps"]) == 1 and len(d["overlaps"][0]["pairs"]) == 19_900
    assert d["summary"]["pairs_by_severity"] == {"error": 0, "warning": 0, "info": 19_900}
    assert not report.has_errors


def test_isolated_group_mixes_with_a_peered_pair_under_the_same_prefix() -> None:
    # Three VNets on 10.0.0.0/16: two peered (error), the third isolated from both (info).
    b = EstateBuilder()
    b.vnet("fail_x", ["10.0.0.0/16"])
    b.vnet("fail_y", ["10.0.0.0/16"])
    b.vnet("pass_z", ["10.0.0.0/16"])
    b.peer("fail_x", "fail_y")
    report = find_overlaps(b.estate())
    assert [(g.severity, g.scope, g.pair_count) for g in report.groups] == [
        (Severity.ERROR, Scope.PEERED, 1),
        (Severity.INFO, Scope.ISOLATED, 2),
    ]
    assert report.groups_of(vnet_id("pass_z").upper()) == [report.groups[1]]
    assert report.groups_of(vnet_id("fail_x")) == report.groups
    info_pairs = {frozenset((p.a.label, p.b.label)) for p in report.groups[1].pairs()}
    assert info_pairs == {
        frozenset({"rg-net/fail_x", "rg-net/pass_z"}),
        frozenset({"rg-net/fail_y", "rg-net/pass_z"}),
    }


def test_warn_a_vnet_whose_own_prefixes_overlap_is_reported_as_self() -> None:
    b = EstateBuilder()
    b.vnet("warn_self", ["10.5.0.0/16", "10.5.8.0/21"])
    assert only(find_overlaps(b.estate())) == (Severity.WARNING, Scope.SELF, {"rg-net/warn_self"})


def test_pass_ipv4_and_ipv6_prefixes_never_overlap_but_ipv6_overlaps_are_found() -> None:
    b = EstateBuilder()
    b.vnet("pass_v4", ["0.0.0.0/0"])
    b.vnet("pass_v6", ["::/0"])
    assert find_overlaps(b.estate()).groups == []
    b.vnet("fail_v6", ["fd00:db8::/48"])
    b.vnet("fail_v6b", ["fd00:db8:0:1::/64"])
    b.peer("fail_v6", "fail_v6b")
    groups = find_overlaps(b.estate()).groups
    assert next((g.severity, str(g.prefix)) for g in groups) == (Severity.ERROR, "fd00:db8::/48")
    assert all(m.prefix.version == 6 for g in groups for m in g.members)


def test_warn_vnet_overlapping_onprem_space_of_its_routing_domain() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"GatewaySubnet": "10.0.255.0/27"})
    b.vnet("warn_spoke", ["192.168.10.0/24"])
    b.vnet("pass_island", ["192.168.20.0/24"])
    b.peer("hub", "warn_spoke", a_to_b={"allow_gateway_transit": True}, b_to_a={"use_remote_gateways": True})
    b.onprem("datacenter", ["192.168.0.0/16"], via="hub")
    report = find_overlaps(b.estate())
    assert [(g.severity, g.scope) for g in report.groups] == [
        (Severity.WARNING, Scope.ROUTING_DOMAIN),
        (Severity.INFO, Scope.ISOLATED),
    ]
    warn = report.groups[0]
    assert {m.label for m in warn.members} == {"rg-net/warn_spoke", "on-prem 'datacenter'"}
    assert "rg-net/hub's gateway" in warn.reasons[0]
    assert {m.label for m in report.groups[1].members} == {"rg-net/pass_island", "on-prem 'datacenter'"}
    onprem_member = next(m for m in warn.members if m.vnet is None)
    assert onprem_member.to_dict() == {"vnet": None, "prefix": "192.168.0.0/16", "onprem": "datacenter"}


def test_warn_onprem_without_via_is_assumed_reachable_from_everywhere() -> None:
    b = EstateBuilder()
    b.vnet("warn_island", ["172.16.5.0/24"])
    b.onprem("branch", ["172.16.0.0/12"])
    assert only(find_overlaps(b.estate()))[:2] == (Severity.WARNING, Scope.ROUTING_DOMAIN)
    assert "no via VNet" in find_overlaps(b.estate()).groups[0].reasons[0]


def test_fail_planned_pair_is_an_error() -> None:
    b = EstateBuilder()
    b.vnet("fail_mendix", ["10.8.0.0/16"])
    b.vnet("fail_consumer", ["10.8.0.0/20"])
    e = b.estate()
    assert only(find_overlaps(e))[:2] == (Severity.INFO, Scope.ISOLATED)
    report = find_overlaps(e, planned=[("rg-net/fail_mendix", "fail_consumer")])
    assert only(report)[:2] == (Severity.ERROR, Scope.PEERED)
    assert "planned peering" in report.groups[0].reasons[0]
    with pytest.raises(RefError):
        find_overlaps(e, planned=[("fail_mendix", "no-such-vnet")])


def test_groups_are_ordered_errors_first_then_by_prefix() -> None:
    b = EstateBuilder()
    b.vnet("i1", ["10.0.0.0/16"])
    b.vnet("i2", ["10.0.0.0/16"])
    b.vnet("s", ["10.9.0.0/16", "10.9.0.0/24"])
    b.vnet("p1", ["10.50.0.0/16"])
    b.vnet("p2", ["10.50.1.0/24"])
    b.peer("p1", "p2")
    order = [(str(g.severity), str(g.scope), str(g.prefix)) for g in find_overlaps(b.estate()).groups]
    assert order == [
        ("error", "peered", "10.50.0.0/16"),
        ("warning", "self", "10.9.0.0/16"),
        ("info", "isolated", "10.0.0.0/16"),
    ]


def test_gaps_in_the_snapshot_qualify_isolated_overlaps() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.0.0.0/16"])
    b.vnet("b", ["10.0.0.0/16"])
    b.gap("/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c")
    report = find_overlaps(b.estate())
    assert report.incomplete is not None
    assert "incomplete" in report.groups[0].reasons[0]
    assert "incomplete" in report.summary()


def test_no_overlaps_in_a_clean_hub_and_spoke() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    for i in range(1, 6):
        b.vnet(f"spoke{i}", [f"10.{i}.0.0/16", f"fd00:{i}::/64"])
        b.peer("hub", f"spoke{i}")
    report = find_overlaps(b.estate())
    assert report.groups == [] and report.summary()["pairs"] == 0
    assert report.summary()["prefixes"] == 11


# ---------------------------------------------------------------------------------------------
# One-pair helpers (P3) for the planner


def test_overlapping_prefixes_of_two_vnets() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.0.0.0/16", "10.1.0.0/16", "fd00::/48"])
    b.vnet("b", ["10.1.2.0/24", "10.2.0.0/16", "fd00::/64"])
    e = b.estate()
    got = overlapping_prefixes(e, vnet_id("a"), "b")
    assert [(str(x), str(y)) for x, y in got] == [("10.1.0.0/16", "10.1.2.0/24"), ("fd00::/48", "fd00::/64")]
    with pytest.raises(RefError):
        overlapping_prefixes(e, "a", "nope")


def test_peering_blockers_spaces_overlap_uses_azures_message() -> None:
    b = EstateBuilder()
    b.vnet("a", ["172.16.0.0/16"])
    b.vnet("b", ["172.16.0.0/16"])
    (blocker,) = peering_blockers(b.estate(), "a", "b")
    assert blocker.code == SPACES_OVERLAP
    assert blocker.message == (
        f"Cannot create or update peering {vnet_id('a')}/virtualNetworkPeerings/a-to-b. Virtual networks "
        f"{vnet_id('a')} and {vnet_id('b')} cannot be peered because their address spaces overlap. "
        "Overlapping address prefixes: 172.16.0.0/16, 172.16.0.0/16"
    )


def test_peering_blockers_third_vnet_in_both_directions_and_outside_the_snapshot() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.0.0.0/24"])
    b.vnet("b", ["10.1.0.0/24"])
    b.vnet("c", ["10.0.0.0/16"])  # overlaps a, already peered with b
    b.peer("b", "c")
    unseen = vnet_id("d", rg="rg-elsewhere")
    b.link("a", unseen, remote_prefixes=["10.1.0.0/20"])  # overlaps b, already linked with a
    blockers = peering_blockers(b.estate(), "a", "b")
    assert [(x.code, x.third_vnet) for x in blockers] == [
        (OVERLAPS_ALREADY_PEERED, vnet_id("c")),
        (OVERLAPS_ALREADY_PEERED, unseen),
    ]
    assert (
        "address space of the first virtual network overlaps with address space of virtual network "
        + vnet_id("c")
        in blockers[0].message
    )
    assert blockers[0].message.endswith("Overlapping address prefixes: 10.0.0.0/24.")
    assert "address space of the second virtual network" in blockers[1].message


def test_peering_blockers_another_peering_already_references_remote() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.0.0.0/16"])
    b.vnet("b", ["10.1.0.0/16"])
    b.peer("a", "b", state="Initiated")
    e = b.estate()
    (blocker,) = peering_blockers(e, "a", "b", peering_name="new-name")
    assert blocker.code == ANOTHER_PEERING
    assert blocker.message.startswith(
        f"Peering {vnet_id('a')}/virtualNetworkPeerings/a-to-b already references"
    )
    # Re-putting the existing link under its own name is an update, not a blocker.
    assert peering_blockers(e, "a", "b", peering_name="a-to-b") == []


def test_peering_blockers_none_for_a_clean_pair() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.0.0.0/16"])
    b.vnet("b", ["10.1.0.0/16"])
    assert peering_blockers(b.estate(), "a", "b") == []


# ---------------------------------------------------------------------------------------------
# The sweep against a naive pairwise reference


def _prefixes(version: int) -> st.SearchStrategy[Prefix]:
    bits = 32 if version == 4 else 128

    def make(value: int, length: int) -> Prefix:
        mask = ((1 << bits) - 1) ^ ((1 << (bits - length)) - 1)
        return Prefix(version, value & mask, length)

    # Small address window so random prefixes overlap often.
    top = 0x0A000000 if version == 4 else 0xFD00 << 112
    return st.builds(make, st.integers(top, top + 4095), st.integers(bits - 12, bits))


any_prefix = st.one_of(_prefixes(4), _prefixes(6))


@settings(max_examples=300, deadline=None)
@given(st.lists(any_prefix, max_size=40))
def test_sweep_finds_exactly_the_pairs_a_naive_pairwise_scan_finds(prefixes: list[Prefix]) -> None:
    distinct = list(dict.fromkeys(prefixes))
    got = {frozenset((distinct[i], distinct[j])) for i, j in containment_pairs(distinct)}
    nets = [p.network for p in distinct]
    naive = {
        frozenset((distinct[i], distinct[j]))
        for i in range(len(distinct))
        for j in range(i + 1, len(distinct))
        if nets[i].version == nets[j].version and nets[i].overlaps(nets[j])
    }
    assert got == naive
    for i, j in containment_pairs(distinct):
        assert distinct[i].contains(distinct[j])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), any_prefix), max_size=30), st.booleans())
def test_find_overlaps_reports_every_overlapping_member_pair_once(
    entries: list[tuple[int, Prefix]], hub: bool
) -> None:
    """Owners 0-5 are VNets (v0-v1 peered; with ``hub`` v2 is peered with v3 and v4), 6 is on-prem
    via v0 and 7 on-prem without via: every overlapping pair comes out exactly once, in the
    pairs and in the JSON, and every listed member takes part in one of its group's pairs."""
    b = EstateBuilder()
    owned: dict[int, list[Prefix]] = {}
    for o, p in entries:
        if p not in owned.setdefault(o, []):
            owned[o].append(p)
    vnets = {o: ps for o, ps in owned.items() if o < 6}
    for v, ps in vnets.items():
        b.vnet(f"v{v}", [str(p) for p in ps])
    if {0, 1} <= set(vnets):
        b.peer("v0", "v1")
    if hub and 2 in vnets:
        for spoke in (3, 4):
            if spoke in vnets:
                b.peer("v2", f"v{spoke}")
    labels = {6: "on-prem 'dc'", 7: "on-prem 'branch'"}
    if 6 in owned:
        b.onprem("dc", [str(p) for p in owned[6]], via="v0" if 0 in vnets else None)
    if 7 in owned:
        b.onprem("branch", [str(p) for p in owned[7]])
    report = find_overlaps(b.estate())
    got = sorted(
        tuple(sorted(((p.a.label, str(p.a.prefix)), (p.b.label, str(p.b.prefix)))))
        for p in report.all_pairs()
    )
    members = [(labels.get(o, f"rg-net/v{o}"), p) for o, ps in owned.items() for p in ps]
    naive = sorted(
        tuple(sorted(((la, str(pa)), (lb, str(pb)))))
        for i, (la, pa) in enumerate(members)
        for lb, pb in members[i + 1 :]
        if pa.version == pb.version and ipaddress.ip_network(str(pa)).overlaps(ipaddress.ip_network(str(pb)))
    )
    assert got == naive
    assert report.summary()["pairs"] == len(naive)
    for g in report.to_dict()["overlaps"]:
        assert len(g["pairs"]) == g["pair_count"]
        used = {i for a, b_, _r in g["pairs"] for i in (a, b_)}
        assert used == set(range(len(g["members"])))


def test_cross_overlaps_lists_each_pair_in_left_right_order() -> None:
    left = [parse_prefix("10.0.0.0/24"), parse_prefix("10.1.0.0/16")]
    right = [parse_prefix("10.0.0.0/16"), parse_prefix("10.1.1.0/24"), parse_prefix("10.2.0.0/16")]
    assert [(str(a), str(b)) for a, b in cross_overlaps(left, right)] == [
        ("10.0.0.0/24", "10.0.0.0/16"),
        ("10.1.0.0/16", "10.1.1.0/24"),
    ]


# ---------------------------------------------------------------------------------------------
# CLI


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_shape_and_exit_1_on_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = EstateBuilder()
    b.vnet("fail_a", ["10.0.0.0/16"])
    b.vnet("fail_b", ["10.0.1.0/24"])
    b.vnet("pass_c", ["10.0.0.0/16"])
    b.peer("fail_a", "fail_b")
    path = b.write(tmp_path / "estate.json")
    code, out, _err = run_cli(capsys, "overlaps", "--estate", path, "--format", "json")
    assert code == 1
    data: dict[str, Any] = json.loads(out)
    assert set(data) == {"overlaps", "summary"}
    first = data["overlaps"][0]
    assert {"severity", "scope", "prefix", "members", "pairs", "reasons"} <= set(first)
    assert (first["severity"], first["scope"], first["prefix"]) == ("error", "peered", "10.0.0.0/16")
    assert first["members"] == [
        {"vnet": vnet_id("fail_a"), "prefix": "10.0.0.0/16"},
        {"vnet": vnet_id("fail_b"), "prefix": "10.0.1.0/24"},
    ]
    # Pairs are [member index, member index, reason index].
    assert first["pairs"] == [[0, 1, 0]]
    assert "are peered" in first["reasons"][0]
    assert first["codes"] == ["VnetAddressSpacesOverlap"] and first["pair_count"] == 1
    assert [o["severity"] for o in data["overlaps"]] == ["error", "info"]
    # The isolated group: members and pair count, its pairs only with --pairs.
    info = data["overlaps"][1]
    assert "pairs" not in info and info["pair_count"] == 2 and len(info["members"]) == 3
    assert data["summary"]["pairs_by_severity"]["info"] == 2
    code, out, _err = run_cli(capsys, "overlaps", "--estate", path, "--format", "json", "--pairs")
    assert code == 1
    with_pairs: dict[str, Any] = json.loads(out)
    assert with_pairs["overlaps"][0] == first
    info = with_pairs["overlaps"][1]
    named = {
        frozenset((info["members"][a]["vnet"], info["members"][b]["vnet"])) for a, b, _r in info["pairs"]
    }
    assert named == {
        frozenset((vnet_id("fail_a"), vnet_id("pass_c"))),
        frozenset((vnet_id("fail_b"), vnet_id("pass_c"))),
    }
    assert data["summary"]["vnets"] == 3 and data["summary"]["prefixes"] == 3
    assert data["summary"]["pairs_by_severity"]["error"] == 1


def test_cli_table_exit_0_without_errors_and_cuts_big_groups(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = EstateBuilder()
    for i in range(30):
        b.vnet(f"team{i:02}", ["10.0.0.0/16"])
    path = b.write(tmp_path / "estate.json")
    code, out, _err = run_cli(capsys, "overlaps", "--estate", path)
    assert code == 0
    assert "INFO" in out and "isolated" in out and "10.0.0.0/16" in out
    assert "rg-net/team00" in out and "… and 22 more" in out
    assert "\x1b[" not in out  # no colour when not a terminal
    assert "435 overlapping pairs" in out
    assert "pair:" not in out
    code, out, _err = run_cli(capsys, "overlaps", "--estate", path, "--pairs")
    pairs = [line for line in out.splitlines() if line.strip().startswith("pair:")]
    assert code == 0 and len(pairs) == 435
    assert "pair: rg-net/team00 10.0.0.0/16  <->  rg-net/team01 10.0.0.0/16" in out


def test_cli_clean_estate_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.0.0.0/16"])
    code, out, _ = run_cli(capsys, "overlaps", "--estate", b.write(tmp_path / "e.json"))
    assert code == 0 and out.startswith("No overlaps")


def test_cli_bad_file_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resources": [{"id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/'
                   'virtualNetworks/v", "name": "v", "type": "Microsoft.Network/virtualNetworks", "location": "w",'
                   ' "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.1/16"]}}}]}')  # fmt: skip
    code, out, err = run_cli(capsys, "overlaps", "--estate", str(bad))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "bad.json" in err and "host bits" in err
    code, out, err = run_cli(capsys, "overlaps", "--estate", str(tmp_path / "missing.json"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_sample_legacy_spoke_overlaps_the_mendix_vnet_legitimately() -> None:
    # samples/README.md: vnet-legacy-apps-weu 10.20.0.0/22 overlaps vnet-mendix-weu 10.20.0.0/16,
    # with no peering path between them (the legacy VNet uses Private Link).
    from netplan.estate import load_estate

    report = find_overlaps(load_estate([SAMPLES / "mendix-estate.json"]))
    assert [(g.severity, g.scope, str(g.prefix)) for g in report.groups] == [
        (Severity.INFO, Scope.ISOLATED, "10.20.0.0/16")
    ]
    assert {m.label for m in report.groups[0].members} == {
        "rg-legacy-apps-weu/vnet-legacy-apps-weu",
        "rg-mendix-weu/vnet-mendix-weu",
    }
    # Peering them would fail: the planner sees why.
    (blocker,) = peering_blockers(
        load_estate([SAMPLES / "mendix-estate.json"]), "vnet-legacy-apps-weu", "vnet-mendix-weu"
    )
    assert blocker.code == SPACES_OVERLAP


def test_cli_clean_sample_has_no_overlaps(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["overlaps", "--estate", str(SAMPLES / "clean-estate.json"), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["overlaps"] == [] and data["summary"]["pairs"] == 0


def test_a_member_built_through_its_twin_is_the_object_init_builds() -> None:
    """find_overlaps builds its members through netplan.slotnew's twin: the same class, fields
    and frozenness as Member(...) (members compare by identity, so field by field)."""
    p = parse_prefix("10.0.0.0/16")
    made, want = _new_member("/v/a", p, None, 7, False), Member("/v/a", p, None, 7, False)
    assert type(made) is Member
    assert [getattr(made, f.name) for f in dataclasses.fields(Member)] == [getattr(want, f.name) for f in dataclasses.fields(Member)]
    assert made.key == want.key and made.label == want.label and made.to_dict() == want.to_dict()
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.domain = 1  # type: ignore[misc]
