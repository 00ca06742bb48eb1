"""VNet references a user types: an ambiguous one says "ambiguous" and lists the VNets it matches;
one that matches nothing suggests the closest names (issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netplan.errors import RefError
from tests.unit.builders import SUB2, EstateBuilder
from vnetplan.cli import main


def estate() -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("vnet-app", ["10.1.0.0/16"], rg="rg-app-weu")
    b.vnet("vnet-app", ["10.2.0.0/16"], rg="rg-app-neu", key="app-neu")
    b.vnet("vnet-hub-weu", ["10.0.0.0/16"], rg="rg-hub")
    return b


def test_an_ambiguous_name_says_ambiguous_and_lists_every_match(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = estate().write(tmp_path / "e.json")
    assert main(["reach", "--estate", f, "vnet-app", "vnet-hub-weu"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == ("vnetplan: error: 'vnet-app' is ambiguous: it matches 2 VNets: rg-app-weu/vnet-app, "
                    "rg-app-neu/vnet-app; give resourceGroup/name or the full id")  # fmt: skip
    assert main(["reach", "--estate", f, "rg-app-neu/vnet-app", "vnet-hub-weu"]) in (0, 1)  # the hint works


def test_the_same_group_and_name_in_two_subscriptions_lists_full_ids() -> None:
    b = EstateBuilder()
    b.vnet("vnet-app", ["10.1.0.0/16"], rg="rg-app")
    b.vnet("vnet-app", ["10.2.0.0/16"], rg="rg-app", sub=SUB2, key="other")
    e = b.estate()
    with pytest.raises(RefError, match="is ambiguous") as info:
        e.resolve_vnet("rg-app/vnet-app")
    assert sorted(info.value.candidates) == sorted(v.id for v in e.vnets)


def test_no_match_suggests_the_closest_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = estate().write(tmp_path / "e.json")
    assert main(["reach", "--estate", f, "vnet-hub-wue", "vnet-hub-weu"]) == 2
    assert capsys.readouterr().err.strip() == "vnetplan: error: no VNet matches 'vnet-hub-wue'; did you mean: rg-hub/vnet-hub-weu"
    # A fragment too far for difflib still finds the names that contain it.
    with pytest.raises(RefError) as info:
        estate().estate().resolve_vnet("hub")
    assert info.value.candidates == ("rg-hub/vnet-hub-weu",)
    with pytest.raises(RefError) as info:
        estate().estate().resolve_vnet("zzzz")
    assert str(info.value) == "no VNet matches 'zzzz'" and info.value.candidates == ()


def test_a_reference_that_may_be_in_a_scope_not_read_names_that_scope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 11: with a subscription unreadable, "no VNet matches" would be a lie; say where it may be.
    b = estate()
    b.gap(SUB2, "virtualNetworks", "HTTP 403 AuthorizationFailed")
    e = b.estate()
    with pytest.raises(RefError) as info:
        e.resolve_vnet("rg-spokes/vnet-spoke-9")
    assert str(info.value) == (f"no VNet matches 'rg-spokes/vnet-spoke-9' in what was read; the estate could not read "
                               f"virtualNetworks in {SUB2} (HTTP 403 AuthorizationFailed), where it may be")  # fmt: skip
    full = f"{SUB2}/resourceGroups/rg-spokes/providers/Microsoft.Network/virtualNetworks/vnet-spoke-9"
    with pytest.raises(RefError, match=f"not in the estate, which could not read virtualNetworks in {SUB2}"):
        e.resolve_vnet(full)
    # A full ID in a subscription that was read is simply not there; a gap of another kind hides no VNet.
    other = full.replace(SUB2, "/subscriptions/00000000-0000-0000-0000-000000000001")
    with pytest.raises(RefError, match=r"is not in the estate$"):
        e.resolve_vnet(other)
    b2 = estate()
    b2.gap(SUB2, "privateEndpoints", "HTTP 403 AuthorizationFailed")
    with pytest.raises(RefError, match=r"^no VNet matches 'vnet-spoke-9'") as info:
        b2.estate().resolve_vnet("vnet-spoke-9")
    assert "could not read" not in str(info.value)
    # The CLI says the same in one error line (exit 2), after the one-line warning about the gap.
    f = b.write(tmp_path / "e.json")
    assert main(["reach", "--estate", f, "vnet-spoke-9", "vnet-hub-weu"]) == 2
    warning, line = capsys.readouterr().err.splitlines()
    assert warning.startswith("vnetplan: warning: snapshot is incomplete")
    assert line.startswith("vnetplan: error: no VNet matches") and "in what was read" in line and SUB2 in line
