"""Free-space finder: aligned, lowest first, never overlapping VNets, unseen peers or on-prem space;
exit codes of `vnetplan free`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netplan.addr import Prefix, parse_prefix
from netplan.errors import UsageError
from netplan.free import find_free, free_blocks, merged_intervals
from tests.unit.builders import EstateBuilder, vnet_id
from vnetplan.cli import main


def names(ps: tuple[Prefix, ...]) -> list[str]:
    return [str(p) for p in ps]


def corp() -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"])
    b.vnet("spoke1", ["10.1.0.0/16"])
    b.vnet("spoke2", ["10.2.0.0/22", "10.2.8.0/21"])
    return b


def test_lowest_aligned_prefix_after_the_used_space() -> None:
    r = find_free(corp().estate(), 22, count=3)
    assert names(r.prefixes) == ["10.2.4.0/22", "10.2.16.0/22", "10.2.20.0/22"]


def test_larger_size_skips_partly_used_blocks() -> None:
    # 10.2.0.0/16 is partly used, so the first free /16 is 10.3.0.0/16.
    assert names(find_free(corp().estate(), 16).prefixes) == ["10.3.0.0/16"]


def test_onprem_and_unseen_peered_vnets_count_as_used() -> None:
    b = corp()
    b.onprem("datacenter", ["10.3.0.0/16"], via="hub")
    b.link("hub", vnet_id("partner", rg="rg-partner"), remote_prefixes=["10.4.0.0/15"])
    r = find_free(b.estate(), 16)
    assert names(r.prefixes) == ["10.6.0.0/16"]
    assert r.used_prefixes == 6  # 4 VNet prefixes, the unseen peer, on-prem


def test_within_a_supernet_and_exhaustion() -> None:
    e = corp().estate()
    r = find_free(e, 17, [parse_prefix("10.0.0.0/15")])
    assert not r.found
    r = find_free(e, 24, [parse_prefix("10.2.0.0/20")], count=10)
    assert names(r.prefixes) == [f"10.2.{i}.0/24" for i in (4, 5, 6, 7)]


def test_default_ranges_move_on_to_172_16_when_10_8_is_full() -> None:
    b = EstateBuilder()
    b.vnet("big", ["10.0.0.0/8"])
    b.vnet("also", ["172.16.0.0/16"])
    assert names(find_free(b.estate(), 16).prefixes) == ["172.17.0.0/16"]


def test_ipv6_supernet() -> None:
    b = EstateBuilder()
    b.vnet("v6", ["10.0.0.0/16", "fd00:db8::/64"])
    r = find_free(b.estate(), 64, [parse_prefix("fd00:db8::/48")], count=2)
    assert names(r.prefixes) == ["fd00:db8:0:1::/64", "fd00:db8:0:2::/64"]


def test_bad_sizes_are_usage_errors() -> None:
    e = corp().estate()
    with pytest.raises(UsageError, match="out of range"):
        find_free(e, 33)
    with pytest.raises(UsageError, match="larger than"):
        find_free(e, 7)
    with pytest.raises(UsageError, match="at least 1"):
        find_free(e, 24, count=0)


def test_incomplete_snapshot_is_flagged() -> None:
    b = corp()
    b.gap("/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c")
    assert find_free(b.estate(), 24).incomplete


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 255), st.integers(20, 28)), max_size=25),
    st.integers(20, 28),
)
def test_free_blocks_are_aligned_free_and_the_lowest(used_specs: list[tuple[int, int]], length: int) -> None:
    supernet = parse_prefix("10.0.0.0/16")
    used = []
    for third, ln in used_specs:
        v = (10 << 24) | (third << 8)
        mask = ((1 << 32) - 1) ^ ((1 << (32 - ln)) - 1)
        used.append(Prefix(4, v & mask, ln))
    got = free_blocks(merged_intervals(used, 4), supernet, length, 3)
    # Reference: enumerate every candidate (fine at this size) and keep the free ones.
    size = 1 << (32 - length)
    expected = []
    for start in range(supernet.first, supernet.last + 1, size):
        cand = Prefix(4, start, length)
        if not any(cand.overlaps(u) for u in used):
            expected.append(cand)
        if len(expected) == 3:
            break
    assert got == expected


def test_cli_free_text_json_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = corp().write(tmp_path / "e.json")
    assert main(["free", "--estate", path, "--size", "/22"]) == 0
    assert capsys.readouterr().out == "10.2.4.0/22\n"
    assert main(["free", "--estate", path, "--size", "22", "--count", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["free"] == ["10.2.4.0/22", "10.2.16.0/22"] and data["size"] == "/22"
    assert data["within"] == ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
    assert main(["free", "--estate", path, "--size", "/17", "--within", "10.0.0.0/15"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "no free /17 left in 10.0.0.0/15" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--size", "/33"], "out of range"),
        (["--size", "big"], "not a prefix length"),
        (["--size", "/22", "--within", "10.0.0.1/16"], "host bits"),
        (["--size", "/22", "--count", "0"], "at least 1"),
    ],
)
def test_cli_free_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    path = corp().write(tmp_path / "e.json")
    assert main(["free", "--estate", path, *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and message in err


def test_sample_suggestions_overlap_nothing_in_the_mendix_estate() -> None:
    from netplan.loader import load_estate

    estate = load_estate([Path(__file__).resolve().parents[2] / "samples" / "mendix-estate.json"])
    used = [p for v in estate.vnets for p in v.address_prefixes] + [
        p for n in estate.onprem for p in n.prefixes
    ]
    for length in (16, 20, 24, 28):
        r = find_free(estate, length, count=20)
        assert len(r.prefixes) == 20
        for p in r.prefixes:
            assert p.length == length and p.value % p.size == 0
            assert not any(p.overlaps(u) for u in used), (p, length)
