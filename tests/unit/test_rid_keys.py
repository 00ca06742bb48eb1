"""netplan.ids.rid_keys: the indexes' bulk keying gives each ID the key rid_key gives it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.synth import generate
from netplan.estate import load_estate
from netplan.ids import rid_key, rid_keys

ROOT = Path(__file__).resolve().parents[2]

ODD = [
    "/subscriptions/1111/resourceGroups/RG-A/providers/Microsoft.Network/virtualNetworks/Vnet-A",
    "  /subscriptions/1111/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-a/ ",
    "/subscriptions/1111/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-a//",
    "\t/Subscriptions/1111/resourceGroups/rg-a/ /",
    "/subscriptions/1111/resourceGroups/rg-İstanbul/providers/X/y/ÄÖ",  # lower() changes the length
    "/",
    "",
]


def test_rid_keys_is_rid_key_of_each() -> None:
    assert list(rid_keys(ODD)) == [rid_key(r) for r in ODD]


@pytest.mark.parametrize("estate", ["mendix-estate.json", "synthetic"])
def test_the_estate_index_keys_every_resource_and_child_by_rid_key(estate: str, tmp_path: Path) -> None:
    path = ROOT / "samples" / estate
    if estate == "synthetic":
        path = tmp_path / "synth.json"
        path.write_text(json.dumps(generate(60, 5, 4)))
    e = load_estate([str(path)])
    expected = {r.key: r for r in e._addressable()}
    assert len(expected) > 50
    assert list(e.by_id.items()) == list(expected.items())
