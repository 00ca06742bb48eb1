"""netplan.ids.sub_and_group: the tree's and the estate's quick read of an ID agrees with parse_id."""

from __future__ import annotations

import pytest

from netplan.ids import parse_id, sub_and_group

IDS = [
    "/subscriptions/1111/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-a",
    "/SUBSCRIPTIONS/1111/RESOURCEGROUPS/RG-A/providers/Microsoft.Network/virtualNetworks/vnet-a",
    "  /subscriptions/1111/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-a ",
    "/subscriptions//resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-a",
    "subscriptions/1111/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-a",
    "/subscriptions/1111/resourceGroups/rg-a",
    "/subscriptions/1111/providers/Microsoft.Network/virtualNetworks/vnet-a",
    "/providers/Microsoft.Network/virtualNetworks/vnet-a",
    "",
]


@pytest.mark.parametrize("rid", IDS)
def test_sub_and_group_is_what_parse_id_says(rid: str) -> None:
    p = parse_id(rid)
    assert sub_and_group(rid) == (p.subscription, p.resource_group)
