"""The VirtualNetwork service tag holds the on-premises prefixes of the gateway a VNet uses (R3):
its own gateway's, or the hub's through useRemoteGateways; not when the VNet uses no gateway."""

from __future__ import annotations

from netplan.flow import flow
from tests.unit.builders import EstateBuilder
from tests.unit.traffic_builders import attach, nsg, rule

DC = "172.16.1.10"  # an address in the declared on-premises network dc (172.16.0.0/12)


def hub_with_gateway(spoke_uses_gateway: bool) -> EstateBuilder:
    """A hub with a VPN gateway to the declared on-premises dc; a spoke peered with it (using its
    gateway or not) whose app subnet's NSG allows outbound 443 to VirtualNetwork only."""
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"GatewaySubnet": "10.0.1.0/27", "mgmt": "10.0.2.0/24"})
    b.vnet("spoke", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24"})
    if spoke_uses_gateway:
        b.peer("spoke", "hub", a_to_b={"use_remote_gateways": True}, b_to_a={"allow_gateway_transit": True})
    else:
        b.peer("spoke", "hub")
    b.gateway("vgw", "hub")
    b.onprem("dc", ["172.16.0.0/12"], via="hub")
    g = nsg("nsg-app", [rule("allow-vnet-443-out", 100, "Outbound", dst="VirtualNetwork", ports="443"),
                        rule("deny-all-out", 4000, "Outbound", "Deny")])  # fmt: skip
    b.add(g)
    attach(b, "spoke", "app", nsg_id=g["id"])
    attach(b, "hub", "mgmt", nsg_id=g["id"])
    return b


def test_virtualnetwork_tag_holds_the_on_premises_prefixes_of_the_hub_gateway_a_spoke_uses() -> None:
    b = hub_with_gateway(spoke_uses_gateway=True)
    e = b.estate()
    v = flow(e, "spoke/app", DC, 443)
    assert v.reachable is True, [r.message for r in v.reasons]
    assert any("allow-vnet-443-out" in r.message for r in v.reasons)  # the tag matched the on-prem address
    assert [h.route.next_hop_type for h in v.hops if h.route] == ["VirtualNetworkGateway"]
    # Another port is not in the allow rule: the deny after it decides.
    v = flow(e, "spoke/app", DC, 22)
    assert v.reachable is False and v.blocked_by and v.blocked_by.rule == "deny-all-out"


def test_virtualnetwork_tag_holds_the_on_premises_prefixes_of_the_vnet_s_own_gateway() -> None:
    b = hub_with_gateway(spoke_uses_gateway=True)
    e = b.estate()
    v = flow(e, "hub/mgmt", DC, 443)
    assert v.reachable is True and any("allow-vnet-443-out" in r.message for r in v.reasons)


def test_virtualnetwork_tag_leaves_out_on_premises_prefixes_when_the_spoke_uses_no_gateway() -> None:
    b = hub_with_gateway(spoke_uses_gateway=False)
    e = b.estate()
    v = flow(e, "spoke/app", DC, 443)
    # The outbound NSG is evaluated first: the on-prem address is not VirtualNetwork, so deny-all-out.
    assert v.reachable is False and v.blocked_by and (v.blocked_by.kind, v.blocked_by.rule) == ("nsg-rule", "deny-all-out")
