"""`reach --port`: one flow, hop by hop, with routes, peerings and NSGs (R2-R5), on hand-built estates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netplan.errors import RefError
from netplan.flow import flow
from tests.unit.builders import EstateBuilder
from tests.unit.traffic_builders import asg, attach, lb_rules, nic_set, nsg, route, route_table, rule
from vnetplan.cli import main


def two_peered() -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("consumer", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24", "web": "10.1.2.0/24"})
    b.vnet("provider", ["10.2.0.0/16"], subnets={"svc": "10.2.1.0/24", "nat": "10.2.9.0/28"})
    b.peer("consumer", "provider")
    b.nic("vm-c", "consumer", "app", "10.1.1.4", vm="vm-c")
    b.nic("vm-p", "provider", "svc", "10.2.1.4", vm="vm-p")
    return b


def test_pass_peered_vnets_with_default_rules_allow_any_port() -> None:
    b = two_peered()
    g = nsg("nsg-svc")
    b.add(g)
    attach(b, "provider", "svc", nsg_id=g["id"])
    v = flow(b.estate(), "consumer/app", "10.2.1.4", 443)
    assert v.reachable is True and v.blocked_by is None
    assert "AllowVnetInBound" in " ".join(r.message for r in v.reasons)
    assert [h.route.next_hop_type for h in v.hops if h.route] == ["VNetPeering"]


def test_fail_nsg_rule_blocks_one_port_and_names_rule_and_priority() -> None:
    b = two_peered()
    g = nsg("nsg-svc", [rule("deny-https-from-consumer", 200, access="Deny", src="10.1.0.0/16", ports="443")])
    b.add(g)
    attach(b, "provider", "svc", nsg_id=g["id"])
    e = b.estate()
    v = flow(e, "consumer/app", "10.2.1.4", 443)
    assert v.reachable is False
    assert v.blocked_by is not None and v.blocked_by.to_dict() == {
        "kind": "nsg-rule", "resource": g["id"], "rule": "deny-https-from-consumer", "priority": 200}
    assert flow(e, "consumer/app", "10.2.1.4", 80).reachable is True
    # Without a port: reachable on some port, and the open ports say which.
    v = flow(e, "consumer/app", "10.2.1.4")
    assert v.reachable is True and v.open_ports == [(0, 442), (444, 65535)]


def test_fail_outbound_nsg_at_the_source_nic_is_checked_before_the_subnet() -> None:
    b = two_peered()
    g = nsg("nsg-vm", [rule("deny-out-443", 100, "Outbound", "Deny", dst="10.2.0.0/16", ports="443")])
    b.add(g)
    nic_set(b, b.rid("networkInterfaces", "vm-c"), networkSecurityGroup={"id": g["id"]})
    e = b.estate()
    v = flow(e, "10.1.1.4", "10.2.1.4", 443)
    assert v.reachable is False and v.blocked_by and v.blocked_by.rule == "deny-out-443"
    # The subnet as a whole is not held to one NIC's NSG.
    assert flow(e, "consumer/app", "10.2.1.4", 443).reachable is True


def test_fail_route_none_drops_and_blocked_by_names_the_route() -> None:
    b = two_peered()
    rt = route_table("rt-app", [route("drop-provider", "10.2.0.0/16", "None")])
    b.add(rt)
    attach(b, "consumer", "app", rt_id=rt["id"])
    v = flow(b.estate(), "consumer/app", "10.2.1.4", 443)
    assert v.reachable is False and v.blocked_by and v.blocked_by.kind == "route"
    assert v.blocked_by.resource == rt["id"] + "/routes/drop-provider"


def hub_with_appliance(forwarding: bool = True, allow_forwarded: bool = True) -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"nva": "10.0.1.0/24"})
    b.vnet("spoke1", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24"})
    b.vnet("spoke2", ["10.2.0.0/16"], subnets={"app": "10.2.1.0/24"})
    b.peer("spoke1", "hub", allow_forwarded=allow_forwarded)
    b.peer("spoke2", "hub", allow_forwarded=allow_forwarded)
    nva = b.nic("nva-nic", "hub", "nva", "10.0.1.4", vm="nva")
    if forwarding:
        nic_set(b, nva, enableIPForwarding=True)
    for s in ("spoke1", "spoke2"):
        rt = route_table(f"rt-{s}", [route("default", "0.0.0.0/0", "VirtualAppliance", "10.0.1.4")])
        b.add(rt)
        attach(b, s, "app", rt_id=rt["id"])
    b.nic("vm2", "spoke2", "app", "10.2.1.4", vm="vm2")
    return b


def test_pass_spoke_to_spoke_through_an_nva_with_ip_forwarding_hop_by_hop() -> None:
    v = flow(hub_with_appliance().estate(), "spoke1/app", "10.2.1.4", 22)
    assert v.reachable is True
    assert [h.to.rsplit("/", 1)[-1] for h in v.hops] == ["nva-nic", "spoke2"]
    assert v.hops[0].route is not None and v.hops[0].route.name == "default"


def test_fail_nic_without_ip_forwarding_is_a_black_hole() -> None:
    v = flow(hub_with_appliance(forwarding=False).estate(), "spoke1/app", "10.2.1.4", 22)
    assert v.reachable is False and v.blocked_by and v.blocked_by.kind == "route"
    assert "IP forwarding" in " ".join(r.message for r in v.reasons)


def test_fail_next_hop_nobody_owns_is_a_black_hole() -> None:
    b = hub_with_appliance()
    rt = route_table("rt-x", [route("default", "0.0.0.0/0", "VirtualAppliance", "10.0.1.99")])
    b.add(rt)
    attach(b, "spoke1", "app", rt_id=rt["id"])
    b.resources = [r for r in b.resources if r.get("name") != "rt-spoke1"]
    v = flow(b.estate(), "spoke1/app", "10.2.1.4", 22)
    assert v.reachable is False and "black hole" in " ".join(r.message for r in v.reasons)


def test_fail_forwarded_traffic_needs_allow_forwarded_traffic_on_the_receiving_link() -> None:
    v = flow(hub_with_appliance(allow_forwarded=False).estate(), "spoke1/app", "10.2.1.4", 22)
    assert v.reachable is False and v.blocked_by and v.blocked_by.kind == "peering"


def test_pass_declared_firewall_is_reachable_if_the_firewall_allows_it() -> None:
    b = hub_with_appliance(forwarding=False)
    b.resources = [r for r in b.resources if r.get("name") != "nva-nic"]
    b.forwarder("hub", device="azfw", ip="10.0.1.4")
    v = flow(b.estate(), "spoke1/app", "10.2.1.4", 443)
    assert v.reachable is True
    assert any(r.code == "via-firewall" and "if the firewall allows it" in r.message for r in v.reasons)


def test_unknown_service_tag_other_than_the_three_evaluated_ones_is_named() -> None:
    b = two_peered()
    g = nsg("nsg-svc", [rule("allow-storage", 100, src="Storage.WestEurope", ports="443"),
                        rule("deny-all", 4000, access="Deny")])  # fmt: skip
    b.add(g)
    attach(b, "provider", "svc", nsg_id=g["id"])
    v = flow(b.estate(), "consumer/app", "10.2.1.4", 443)
    assert v.reachable is None and "Storage.WestEurope" in " ".join(r.message for r in v.reasons)


def test_asg_rules_match_the_member_nics_only() -> None:
    b = two_peered()
    web = asg("asg-web")
    b.add(web)
    g = nsg("nsg-svc", [rule("allow-web", 100, dst_asgs=[web["id"]], ports="443"), rule("deny-rest", 200, access="Deny")])
    b.add(g)
    attach(b, "provider", "svc", nsg_id=g["id"])
    nic_set(b, b.rid("networkInterfaces", "vm-p"), asgs=[web["id"]])
    b.nic("vm-p2", "provider", "svc", "10.2.1.5", vm="vm-p2")
    e = b.estate()
    assert flow(e, "consumer/app", "10.2.1.4", 443).reachable is True
    v = flow(e, "consumer/app", "10.2.1.5", 443)
    assert v.reachable is False and v.blocked_by and v.blocked_by.rule == "deny-rest"


def test_internal_lb_is_judged_at_its_backends_on_the_backend_port() -> None:
    b = two_peered()
    b.lb("ilb", "provider", "svc", "10.2.1.10")
    pool = lb_rules(b, "ilb", [(443, 8443)])
    nic_set(b, b.rid("networkInterfaces", "vm-p"), pools=[pool])
    g = nsg("nsg-vm-p", [rule("allow-8443", 100, src="10.1.0.0/16", ports="8443"), rule("deny", 200, access="Deny")])
    b.add(g)
    nic_set(b, b.rid("networkInterfaces", "vm-p"), networkSecurityGroup={"id": g["id"]})
    e = b.estate()
    assert flow(e, "consumer/app", "10.2.1.10", 443).reachable is True
    v = flow(e, "consumer/app", "10.2.1.10", 80)
    assert v.reachable is False and v.blocked_by and v.blocked_by.kind == "lb-rule"


def private_link(nsg_src: str) -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("consumer", ["10.20.0.0/22"], subnets={"app": "10.20.0.0/24", "pe": "10.20.3.0/27"})
    b.vnet("provider", ["10.20.0.0/16"], rg="rg-p", subnets={"aks": "10.20.0.0/22", "nat": "10.20.4.0/28"})
    fe = b.lb("ilb", "provider", "aks", "10.20.0.250", rg="rg-p")
    pls = b.pls("pls", fe, "provider", "nat", "10.20.4.4", rg="rg-p")
    b.pe("pe-apps", "consumer", "pe", "10.20.3.4", pls)
    pool = lb_rules(b, "ilb", [(443, 443)])
    node = b.nic("node0", "provider", "aks", "10.20.0.4", rg="rg-p")
    nic_set(b, node, pools=[pool])
    g = nsg("nsg-aks", [rule("allow-https", 100, src=nsg_src, ports="443"), rule("deny-vnet", 4000, access="Deny", src="VirtualNetwork")],
            rg="rg-p")  # fmt: skip
    b.add(g)
    attach(b, "provider", "aks", nsg_id=g["id"])
    return b


def test_private_link_arrives_from_the_nat_addresses_at_the_provider() -> None:
    v = flow(private_link("10.20.4.0/28").estate(), "consumer/app", "10.20.3.4", 443)
    assert v.reachable is True and any(r.code == "private-link-nat" for r in v.reasons)
    # A rule written for the consumer's own range does not match: the backends see the NAT address.
    v = flow(private_link("10.30.0.0/16").estate(), "consumer/app", "10.20.3.4", 443)
    assert v.reachable is False and v.blocked_by and v.blocked_by.rule == "deny-vnet"


@pytest.mark.parametrize(("policies", "expected"), [("Disabled", True), ("NetworkSecurityGroupEnabled", False), ("Enabled", False)])
def test_nsg_on_a_private_endpoint_subnet_applies_only_when_its_policies_say_so(policies: str, expected: bool) -> None:
    b = private_link("10.20.4.0/28")
    g = nsg("nsg-pe", [rule("deny-443", 100, access="Deny", ports="443")])
    b.add(g)
    attach(b, "consumer", "pe", nsg_id=g["id"], pe_policies=policies)
    v = flow(b.estate(), "consumer/app", "10.20.3.4", 443)
    assert v.reachable is expected


def test_reference_that_reads_as_vnet_and_subnet_is_an_error_listing_both() -> None:
    b = EstateBuilder()
    b.vnet("app", ["10.1.0.0/16"], rg="web", subnets={"x": "10.1.1.0/24"})
    b.vnet("web", ["10.2.0.0/16"], rg="rg-w", subnets={"app": "10.2.1.0/24"})
    b.vnet("t", ["10.3.0.0/16"], subnets={"y": "10.3.1.0/24"})
    with pytest.raises(RefError) as ei:
        flow(b.estate(), "web/app", "10.3.1.4", 443)
    assert "reads both" in str(ei.value) and len(ei.value.candidates) == 2


def test_cli_json_keeps_reachable_and_reasons_and_adds_hops_and_blocked_by(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = two_peered()
    g = nsg("nsg-svc", [rule("deny-https", 300, access="Deny", ports="443")])
    b.add(g)
    attach(b, "provider", "svc", nsg_id=g["id"])
    f = b.write(tmp_path / "e.json")
    rc = main(["reach", "--estate", f, "consumer/app", "10.2.1.4", "--port", "443", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 1 and data["reachable"] is False and data["reasons"]
    assert data["blocked_by"] == {"kind": "nsg-rule", "resource": g["id"], "rule": "deny-https", "priority": 300}
    assert data["hops"][0]["route"]["nextHopType"] == "VNetPeering"
    rc = main(["reach", "--estate", f, "consumer/app", "10.2.1.4", "--port", "80", "--protocol", "udp"])
    out = capsys.readouterr().out
    assert rc == 0 and out.startswith("REACHABLE") and "UDP 80" in out
    with pytest.raises(SystemExit) as ei:
        main(["reach", "--estate", f, "consumer/app", "10.2.1.4", "--port", "70000"])
    assert ei.value.code == 2 and "invalid port '70000'" in capsys.readouterr().err


SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "mendix-estate.json"


def test_on_the_sample_ssh_only_from_the_jump_subnet_and_https_to_mendix_through_the_firewall() -> None:
    from netplan.estate import load_estate

    e = load_estate([str(SAMPLE)])
    assert flow(e, "vnet-corp-spoke1-weu/snet-mgmt", "10.110.0.4", 22).reachable is True
    v = flow(e, "vnet-corp-spoke2-weu/snet-app", "10.110.0.4", 22)
    assert v.reachable is False and v.blocked_by and (v.blocked_by.rule, v.blocked_by.priority) == ("deny-ssh", 120)
    v = flow(e, "vnet-corp-spoke1-weu/snet-app", "10.20.0.250", 443)
    assert v.reachable is True and [h.route.next_hop_type for h in v.hops if h.route] == ["VirtualAppliance", "VNetPeering"]
    assert {"via-firewall", "lb-backends-unknown"} <= set(v.codes())
    assert flow(e, "vnet-corp-spoke1-weu/snet-app", "10.20.0.250", 80).reachable is True
    assert flow(e, "vnet-corp-spoke1-weu/snet-app", "10.20.0.250", 8080).blocked_by.kind == "lb-rule"  # type: ignore[union-attr]
    v = flow(e, "vnet-legacy-apps-weu/snet-app", "10.20.3.4", 443)
    assert v.reachable is True and {"pe-nsg-not-applied", "private-link-nat"} <= set(v.codes())


# ---- behaviours of issue 18 that had no test of their own ----------------------------------------


def test_fail_inbound_nsg_on_the_destination_nic_applies_after_the_subnet_allows_it() -> None:
    b = two_peered()
    gs = nsg("nsg-svc", [rule("allow-443", 100, ports="443")])
    gn = nsg("nsg-vm-p", [rule("deny-443-nic", 100, access="Deny", ports="443")])
    b.add(gs)
    b.add(gn)
    attach(b, "provider", "svc", nsg_id=gs["id"])
    nic_set(b, b.rid("networkInterfaces", "vm-p"), networkSecurityGroup={"id": gn["id"]})
    v = flow(b.estate(), "consumer/app", "10.2.1.4", 443)
    # Inbound: the subnet's NSG first (it allows), then the NIC's (it denies).
    assert v.reachable is False and v.blocked_by and (v.blocked_by.resource, v.blocked_by.rule) == (gn["id"], "deny-443-nic")
    msgs = [r.message for r in v.reasons]
    assert [i for i, m in enumerate(msgs) if "nsg-svc allows it" in m] < [i for i, m in enumerate(msgs) if "nsg-vm-p denies it" in m]


def test_source_may_be_a_vnet_a_subnet_in_any_reference_form_its_id_or_an_ip_in_the_estate() -> None:
    b = two_peered()
    g = nsg("nsg-svc", [rule("deny-web", 100, access="Deny", src="10.1.2.0/24", ports="443")])
    b.add(g)
    attach(b, "provider", "svc", nsg_id=g["id"])
    e = b.estate()
    app_id = b.sid("consumer", "app")
    for source in ("consumer/app", "rg-net/consumer/app", app_id, "10.1.1.4"):
        v = flow(e, source, "10.2.1.4", 443)
        assert v.reachable is True, source
    # The VNet: each workload subnet is asked; web is denied, so the VNet as a whole is not reachable.
    v = flow(e, "consumer", "10.2.1.4", 443)
    assert v.reachable is False and {p.source.rsplit("/", 1)[-1]: p.reachable for p in v.parts} == {"app": True, "web": False}


def test_internet_and_azureloadbalancer_tags_are_evaluated_not_unknown() -> None:
    b = two_peered()
    g = nsg("nsg-svc", [rule("deny-internet", 100, access="Deny", src="Internet", ports="443"),
                        rule("deny-lb", 110, access="Deny", src="AzureLoadBalancer", ports="443")])  # fmt: skip
    b.add(g)
    attach(b, "provider", "svc", nsg_id=g["id"])
    v = flow(b.estate(), "consumer/app", "10.2.1.4", 443)
    # A peered private source is neither the Internet nor the load balancer's probe: both rules are passed over.
    assert v.reachable is True and "AllowVnetInBound" in " ".join(r.message for r in v.reasons)


def _through_the_hub(user_route_to_spoke: bool) -> EstateBuilder:
    """spoke -> hub firewall -> provider (spoke and provider are not peered); the provider's NSG allows
    only VirtualNetwork; with ``user_route_to_spoke`` the provider's subnet routes the spoke's space to
    the firewall (a user-route prefix: part of the VirtualNetwork tag)."""
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], rg="rg-hub", subnets={"AzureFirewallSubnet": "10.0.0.0/26"})
    b.vnet("provider", ["10.2.0.0/16"], subnets={"svc": "10.2.1.0/24"})
    b.vnet("spoke", ["10.10.0.0/16"], subnets={"app": "10.10.1.0/24"})
    b.nic("vm-p", "provider", "svc", "10.2.1.4", vm="vm-p")
    b.peer("spoke", "hub", allow_forwarded=True)
    b.peer("provider", "hub", allow_forwarded=True)
    b.forwarder("hub", "azfw", ip="10.0.0.4")
    rs = route_table("rt-spoke", [route("to-fw", "0.0.0.0/0", "VirtualAppliance", "10.0.0.4")])
    b.add(rs)
    attach(b, "spoke", "app", rt_id=rs["id"])
    g = nsg("nsg-svc", [rule("allow-vnet-443", 100, src="VirtualNetwork", ports="443"), rule("deny-all", 4000, access="Deny")])
    b.add(g)
    attach(b, "provider", "svc", nsg_id=g["id"])
    if user_route_to_spoke:
        rp = route_table("rt-provider", [route("spoke-via-fw", "10.10.0.0/16", "VirtualAppliance", "10.0.0.4")])
        b.add(rp)
        attach(b, "provider", "svc", rt_id=rp["id"])
    return b


def test_virtualnetwork_tag_holds_peered_spaces_and_user_route_prefixes_not_a_spoke_behind_the_hub() -> None:
    v = flow(_through_the_hub(False).estate(), "spoke/app", "10.2.1.4", 443)
    # The spoke is not peered with the provider: its space is not in the provider's VirtualNetwork tag.
    assert v.reachable is False and v.blocked_by and (v.blocked_by.rule, v.blocked_by.priority) == ("deny-all", 4000)
    v = flow(_through_the_hub(True).estate(), "spoke/app", "10.2.1.4", 443)
    # A user route for the spoke's space puts it in the tag (R3): the allow rule matches.
    assert v.reachable is True and any("allow-vnet-443" in r.message for r in v.reasons)
    assert any("if the firewall allows it" in r.message for r in v.reasons)
