"""After apply, the re-read estate keeps the user's declarations and re-reads every touched subscription."""

from __future__ import annotations

import json
from pathlib import Path

from netplan.changeset import Change, ChangeSet
from netplan.estate import load_estate
from netplan.live.postapply import fresh_estate, subscriptions_to_read
from netplan.vocab import Action

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "mendix-estate.json"


def test_fresh_inventory_keeps_declared_forwarders_and_onprem() -> None:
    estate = load_estate([SAMPLE])
    inventory = {"resources": json.loads(SAMPLE.read_text())["resources"]}  # what Azure returns: no declarations
    fresh = fresh_estate(inventory, estate.declarations_dict())
    assert [f.device for f in fresh.forwarders] == [f.device for f in estate.forwarders] == ["azfw-hub-weu"]
    assert [n.name for n in fresh.onprem] == [n.name for n in estate.onprem]
    assert fresh_estate(inventory, {}).forwarders == ()


def test_subscriptions_to_read_adds_those_the_plan_writes_in() -> None:
    estate = load_estate([SAMPLE])
    other = "11111111-2222-3333-4444-555555555555"
    pe = f"/subscriptions/{other}/resourceGroups/rg/providers/Microsoft.Network/privateEndpoints/pe"
    plan = ChangeSet("vp-x", "", "", (), (Change(Action.CREATE, pe, "Microsoft.Network/privateEndpoints", "", {}, ""),))
    subs = subscriptions_to_read(estate, plan)
    assert set(estate.subscriptions) < set(subs) and other in subs
