"""Who owns an address or a prefix: the answer an engineer acts on, checked against the sample's
documented facts and, on a synthetic estate, against a plain scan of every prefix."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.synth import generate
from netplan.addr import Prefix, parse_address_query, parse_prefix
from netplan.estate import Estate, estate_from_data, load_estate
from netplan.owners import holder_label, who_owns

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def mendix() -> Estate:
    return load_estate([ROOT / "samples" / "mendix-estate.json"])


def test_an_address_in_two_overlapping_vnets_names_both_and_the_endpoint_holding_it(mendix: Estate) -> None:
    r = who_owns(mendix, parse_address_query("10.20.3.4"))  # type: ignore[arg-type]
    assert r.is_address and r.overlap
    # The most specific holder first: the legacy /22 inside the Mendix /16 (samples/README.md [4]).
    assert [(h.vnet.name, [str(p) for p in h.prefixes], [s.name for s in h.subnets]) for h in r.vnets] == [
        ("vnet-legacy-apps-weu", ["10.20.0.0/22"], ["snet-pe"]),
        ("vnet-mendix-weu", ["10.20.0.0/16"], ["snet-aks-nodes"]),
    ]
    assert [holder_label(o) for o in r.vnets[0].holders] == ["private endpoint pe-mendix-apps-legacy-weu"]
    assert r.vnets[1].holders == ()


def test_a_prefix_lists_every_vnet_subnet_and_holder_inside_it(mendix: Estate) -> None:
    r = who_owns(mendix, parse_prefix("10.110.2.0/24"))
    assert not r.is_address and not r.overlap
    [h] = r.vnets
    assert h.vnet.name == "vnet-corp-spoke1-weu" and [s.name for s in h.subnets] == ["snet-data"]
    assert [(o.kind, str(o.ip)) for o in h.holders] == [("private-endpoint", "10.110.2.4"), ("private-endpoint", "10.110.2.5")]


def test_an_address_outside_every_vnet_says_so_and_names_declared_onprem(mendix: Estate) -> None:
    onprem = who_owns(mendix, parse_address_query("172.16.1.10"))  # type: ignore[arg-type]
    assert onprem.vnets == () and [n.name for n in onprem.onprem] == ["dc-amsterdam"]
    nowhere = who_owns(mendix, parse_address_query("10.99.0.1"))  # type: ignore[arg-type]
    assert nowhere.vnets == () and nowhere.onprem == () and nowhere.holder_count == 0


@pytest.mark.parametrize(
    ("text", "want"),
    [("10.20.3.4", "10.20.3.4/32"), ("10.20.3.4/24", "10.20.3.0/24"), ("fd00::1", "fd00::1/128"),
     ("vnet-hub", None), ("10.20", None), ("", None), ("10.0.0.0/33", None)],
)  # fmt: skip
def test_what_counts_as_an_address_query(text: str, want: str | None) -> None:
    got = parse_address_query(text)
    assert (str(got) if got else None) == want


def _scan(estate: Estate, q: Prefix) -> set[tuple[str, str]]:
    return {(v.key, str(p)) for v in estate.vnets for p in v.address_prefixes if p.overlaps(q)}


def test_the_index_answers_as_a_scan_of_every_prefix_would() -> None:
    estate = estate_from_data(generate(300, seed=3), "synth")
    rng = random.Random(7)
    prefixes = [p for v in estate.vnets for p in v.address_prefixes if p.version == 4]
    queries = [parse_prefix("10.0.0.0/8"), parse_prefix("172.16.0.0/12"), parse_prefix("192.168.0.0/24")]
    for _ in range(200):
        p = rng.choice(prefixes)
        length = rng.randint(max(8, p.length - 4), 32)
        host = p.value + rng.randrange(p.size)
        queries.append(Prefix(4, host & ~((1 << (32 - length)) - 1), length))
    for q in queries:
        got = {(v.key, str(p)) for p, v in estate.vnets_overlapping(q)}
        assert got == _scan(estate, q), str(q)
        owners = {(o.resource_id, str(o.ip)) for o in estate.ip_owners_within(q)}
        assert owners == {(o.resource_id, str(o.ip)) for ip, os in estate._ip_owners.items()
                          if q.contains_ip(ip) for o in os}, str(q)  # fmt: skip
