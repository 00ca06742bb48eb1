"""Plans that verify in real DNS architectures (issue 14), on hand-built landing-zone estates.

A hub with a DNS private resolver (inbound 10.0.0.68) and a firewall that forwards between spokes,
the central zone ``azure.mendixapps.io`` in the connectivity resource group linked to the hub, a
Mendix provider peered with the hub, and spokes that resolve through the resolver. Each test names
the situation: how a consumer resolves, where the plan writes, the existing path first, and which
Private Link topology ``auto`` keeps (only what the what-if verifies).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netplan.changeset import ChangeSet
from netplan.dnspath import PathKind, existing_path, resolution_path
from netplan.estate import Estate
from netplan.intent import load_intent
from netplan.plan import make_plan
from netplan.vocab import Action
from netplan.whatif import what_if
from tests.dns.builders import resolver
from tests.unit.builders import EstateBuilder
from tests.unit.traffic_builders import attach, nsg, route, route_table, rule
from vnetplan.cli import main

DOMAIN = "azure.mendixapps.io"
LB_IP = "10.100.0.250"
RESOLVER_IP = "10.0.0.68"

INTENT = """\
version: 1
provider:
  vnet: vnet-mendix
  load_balancer: kubernetes-internal
  app_domain: azure.mendixapps.io
  private_link_service:
    name: pls-mendix
    nat_subnet: pls-nat
  dns:
    resource_group: rg-dns
connections:
{connections}
"""


def landing_zone(*, spoke_dns: list[str] | None = None, hub_link: bool = True, stale_sync: bool = False,
                 forwarder: bool = True, spoke_peered: bool = True) -> tuple[EstateBuilder, str]:  # fmt: skip
    """The landing zone described in the module docstring; returns the builder and the central zone."""
    b = EstateBuilder()
    b.vnet("vnet-hub", ["10.0.0.0/22"], rg="rg-hub",
           subnets={"AzureFirewallSubnet": "10.0.0.0/26", "dnspr-in": "10.0.0.64/28", "pe": "10.0.1.0/24"})  # fmt: skip
    resolver(b, "dnspr-hub", "vnet-hub", "dnspr-in", RESOLVER_IP, rg="rg-hub")
    if forwarder:
        b.forwarder("vnet-hub", device="azfw", ip="10.0.0.4")
    b.vnet("vnet-mendix", ["10.100.0.0/16"], rg="rg-mendix", subnets={"aks": "10.100.0.0/20", "pls-nat": "10.100.16.0/28"})
    b.lb("kubernetes-internal", "vnet-mendix", "aks", LB_IP, rg="rg-mendix")
    b.peer("vnet-hub", "vnet-mendix", allow_forwarded=True)
    dns = [RESOLVER_IP] if spoke_dns is None else spoke_dns
    b.vnet("vnet-spoke", ["10.1.0.0/16", "10.2.0.0/24"], rg="rg-spoke", subnets={"app": "10.1.1.0/24", "pe": "10.1.2.0/24"},
           dns=dns)  # fmt: skip
    if spoke_peered:
        b.peer("vnet-hub", "vnet-spoke", allow_forwarded=True,
               a_to_b={"remote_prefixes": ["10.1.0.0/16"], "sync": "RemoteNotInSync"} if stale_sync else None)  # fmt: skip
    if forwarder:
        # User-defined routes send the spoke's and the provider's traffic for each other to the firewall.
        to_mendix = route_table("rt-spoke", [route("mendix", "10.100.0.0/16", "VirtualAppliance", "10.0.0.4")], rg="rg-spoke")
        to_spoke = route_table("rt-mendix", [route("spoke", "10.1.0.0/16", "VirtualAppliance", "10.0.0.4"),
                                             route("spoke-new", "10.2.0.0/24", "VirtualAppliance", "10.0.0.4")], rg="rg-mendix")  # fmt: skip
        b.add(to_mendix, to_spoke)
        for sn in ("app", "pe"):
            attach(b, "vnet-spoke", sn, rt_id=to_mendix["id"])
        attach(b, "vnet-mendix", "aks", rt_id=to_spoke["id"])
    zone = b.zone(DOMAIN, rg="rg-dns")
    b.record(zone, "*", "A", [LB_IP])
    if hub_link:
        b.zone_link(zone, "vnet-hub")
    return b, zone


def plan(tmp_path: Path, estate: Estate, connections: str) -> ChangeSet:
    p = tmp_path / "intent.yaml"
    p.write_text(INTENT.format(connections=connections.rstrip("\n")))
    return make_plan(estate, load_intent(p, estate))


def verifies(tmp_path: Path, estate: Estate, cs: ChangeSet) -> bool:
    return what_if(estate, load_intent(tmp_path / "intent.yaml", estate), cs).would_verify


AUTO = "  - consumer: vnet-spoke\n    method: auto\n    subnet: pe\n"


# ---------------------------------------------------------------------------------------------
# how a consumer resolves


def test_azure_provided_dns_resolves_with_its_own_links() -> None:
    b, _ = landing_zone(spoke_dns=[])
    est = b.estate()
    rp = resolution_path(est, est.resolve_vnet("vnet-spoke"))
    assert rp.kind is PathKind.AZURE and rp.resolver_vnet_id == est.resolve_vnet("vnet-spoke").id


def test_resolver_inbound_endpoint_resolves_as_in_the_hub() -> None:
    b, _ = landing_zone()
    est = b.estate()
    rp = resolution_path(est, est.resolve_vnet("vnet-spoke"))
    assert rp.kind is PathKind.RESOLVER and rp.resolver_vnet_id == est.resolve_vnet("vnet-hub").id
    assert "dnspr-hub" in rp.summary() or "resolver" in rp.summary()


def test_declared_forwarder_resolves_as_in_its_vnet() -> None:
    b, _ = landing_zone(spoke_dns=["10.0.1.10"])
    b.dns_forwarder("10.0.1.10", "vnet-hub", note="dns vm")
    est = b.estate()
    rp = resolution_path(est, est.resolve_vnet("vnet-spoke"))
    assert rp.kind is PathKind.FORWARDER and rp.resolver_vnet_id == est.resolve_vnet("vnet-hub").id


def test_unseen_dns_server_is_unknown_and_said_so(tmp_path: Path) -> None:
    b, _ = landing_zone(spoke_dns=["192.0.2.53"])
    est = b.estate()
    rp = resolution_path(est, est.resolve_vnet("vnet-spoke"))
    assert rp.kind is PathKind.UNKNOWN and rp.resolver_vnet_id is None
    cs = plan(tmp_path, est, AUTO)
    assert [d.method for d in cs.decisions] == ["none"]
    assert "dns-path-unknown" in [p.code for p in cs.problems]
    assert any("192.0.2.53" in p.message for p in cs.problems)


def test_unreachable_resolver_means_the_consumer_resolves_nothing(tmp_path: Path) -> None:
    """The spoke names the hub's resolver but is not peered with the hub: nothing answers it."""
    b, _ = landing_zone(spoke_peered=False)
    est = b.estate()
    rp = resolution_path(est, est.resolve_vnet("vnet-spoke"))
    assert rp.kind is PathKind.UNREACHABLE and rp.resolver_vnet_id is None
    assert "port 53" in rp.reasons[0]
    cs = plan(tmp_path, est, "  - consumer: vnet-spoke\n    method: peering\n")
    [p] = [p for p in cs.problems if p.code == "dns-server-unreachable"]
    assert "resolves nothing" in p.message
    # No record or link anywhere: nothing would make its names resolve.
    assert not [c for c in cs.changes if "privateDnsZones" in c.type]


@pytest.mark.parametrize("protocol", ["Udp", "Tcp"])
def test_an_nsg_closing_port_53_at_the_resolver_means_the_consumer_resolves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], protocol: str
) -> None:
    """Peered with the hub, but the resolver's inbound subnet denies DNS from the spoke (UDP or
    TCP 53): ``resolve`` answers SERVFAIL naming the rule, and the plan writes no record."""
    b, _ = landing_zone(forwarder=False)
    deny = nsg("nsg-dnspr-in", [rule("deny-dns-from-spoke", 100, access="Deny", src="10.1.0.0/16", ports="53",
                                     protocol=protocol)], rg="rg-hub")  # fmt: skip
    b.add(deny)
    attach(b, "vnet-hub", "dnspr-in", nsg_id=deny["id"])
    est = b.estate()
    rp = resolution_path(est, est.resolve_vnet("vnet-spoke"))
    assert rp.kind is PathKind.UNREACHABLE
    assert f"{protocol.upper()} 53 to {RESOLVER_IP}" in rp.reasons[0] and "nsg-dnspr-in" in rp.reasons[0]
    path = b.write(tmp_path / "estate.json")
    assert main(["resolve", "--estate", path, "--vnet", "vnet-spoke", f"app1.{DOMAIN}"]) == 1
    out = capsys.readouterr().out
    assert "SERVFAIL" in out and "deny-dns-from-spoke" in out
    cs = plan(tmp_path, est, "  - consumer: vnet-spoke\n    method: peering\n")
    assert "dns-server-unreachable" in [p.code for p in cs.problems]
    assert not [c for c in cs.changes if "privateDnsZones" in c.type]


def test_an_nsg_allowing_dns_leaves_the_resolver_path_intact() -> None:
    """The same NSG with an allow for 53 first, and a deny for everything else: still resolved."""
    b, _ = landing_zone(forwarder=False)
    g = nsg("nsg-dnspr-in", [rule("allow-dns", 100, src="10.0.0.0/8", ports="53", protocol="*"),
                             rule("deny-rest", 200, access="Deny", src="10.1.0.0/16", protocol="*")], rg="rg-hub")  # fmt: skip
    b.add(g)
    attach(b, "vnet-hub", "dnspr-in", nsg_id=g["id"])
    est = b.estate()
    rp = resolution_path(est, est.resolve_vnet("vnet-spoke"))
    assert rp.kind is PathKind.RESOLVER, rp.reasons


# ---------------------------------------------------------------------------------------------
# where records and links go


def test_central_zone_is_reused_and_linked_where_resolution_happens(tmp_path: Path) -> None:
    """Peering asked for; the spoke resolves through the hub, whose central zone is not linked yet:
    the plan links the central zone to the hub (not to the spoke, which never consults its links)
    and creates no copy of the zone."""
    b, zone = landing_zone(hub_link=False, forwarder=False)
    est = b.estate()
    cs = plan(tmp_path, est, "  - consumer: vnet-spoke\n    method: peering\n")
    dns = [(c.action.value, c.type.rsplit("/", 1)[-1], c.id) for c in cs.changes if "privateDnsZones" in c.type]
    assert dns == [("create", "virtualNetworkLinks", f"{zone}/virtualNetworkLinks/link-vnet-hub")]
    link = next(c for c in cs.changes if c.type.endswith("virtualNetworkLinks"))
    assert link.body is not None and link.body["properties"]["virtualNetwork"]["id"].endswith("/vnet-hub")
    assert "vnet-spoke resolves as in vnet-hub" in link.reason
    assert not cs.problems
    assert verifies(tmp_path, est, cs)


def test_a_more_specific_zone_would_shadow_the_record(tmp_path: Path) -> None:
    b, _ = landing_zone(forwarder=False, hub_link=True)
    sales = b.zone(f"sales.{DOMAIN}", rg="rg-dns")
    b.zone_link(sales, "vnet-hub")
    est = b.estate()
    cs = plan(tmp_path, est, "  - consumer: vnet-spoke\n    method: peering\n    apps: [sales]\n")
    [p] = [p for p in cs.problems if p.code == "zone-shadowed"]
    assert f"sales.{DOMAIN}" in p.message and "D3" in p.message


def test_a_new_zone_would_shadow_a_parent_zone_the_consumer_already_sees(tmp_path: Path) -> None:
    b, central = landing_zone(forwarder=False, hub_link=False)
    parent = b.zone("mendixapps.io", rg="rg-dns")
    b.record(parent, "*", "A", ["10.100.0.99"])
    b.zone_link(parent, "vnet-hub")
    est = b.estate()
    # The central app zone is elsewhere: no zone of the app domain in the DNS resource group.
    est = est.with_resources([], [central])
    cs = plan(tmp_path, est, "  - consumer: vnet-spoke\n    method: peering\n")
    [p] = [p for p in cs.problems if p.code == "zone-would-shadow"]
    assert "mendixapps.io" in p.message and "D3" in p.message
    assert not [c for c in cs.changes if c.type.endswith("privateDnsZones")]


def test_two_consumers_through_one_zone_needing_different_answers(tmp_path: Path) -> None:
    """Private Link pinned for a spoke that resolves through the hub: the central zone answers the LB
    address for the hub and another spoke; an endpoint address there would break them (A2)."""
    b, _ = landing_zone(forwarder=False)
    b.vnet("vnet-spoke2", ["10.3.0.0/16"], rg="rg-spoke2", subnets={"app": "10.3.1.0/24"}, dns=[RESOLVER_IP])
    b.peer("vnet-hub", "vnet-spoke2")
    est = b.estate()
    cs = plan(tmp_path, est, "  - consumer: vnet-spoke\n    method: private-link\n    subnet: pe\n")
    [p] = [p for p in cs.problems if p.code == "zone-answer-conflict"]
    assert "vnet-spoke2" in p.message and "A2" in p.message and "shared endpoint" in p.message
    assert not [c for c in cs.changes if c.type.endswith("/A")]


# ---------------------------------------------------------------------------------------------
# the existing path first


def test_existing_path_serves_the_consumer_and_needs_nothing(tmp_path: Path) -> None:
    b, _ = landing_zone()
    est = b.estate()
    spoke = est.resolve_vnet("vnet-spoke")
    ep = existing_path(est, spoke, [f"app1.{DOMAIN}"], [LB_IP])
    assert ep.served is True and not ep.repairs
    assert [r.rsplit("/", 1)[-1] for r in ep.route[:3]] == ["vnet-spoke", "vnet-hub", "vnet-mendix"]
    cs = plan(tmp_path, est, AUTO)
    [d] = cs.decisions
    assert d.method == "existing-path" and d.verify_as == "peering"
    assert cs.empty and not cs.problems
    assert d.reasons[0]["message"].startswith("already served by the existing path (vnet-spoke -> vnet-hub -> vnet-mendix")
    assert "needs nothing" in d.reasons[0]["message"]


def test_existing_path_with_an_unsynced_peering_is_one_resync(tmp_path: Path) -> None:
    b, _ = landing_zone(stale_sync=True)
    est = b.estate()
    cs = plan(tmp_path, est, AUTO)
    [d] = cs.decisions
    assert d.method == "existing-path"
    [c] = cs.changes
    assert (c.action, c.id.rsplit("/", 1)[-1], dict(c.query)) == (Action.UPDATE, "vnet-hub-to-vnet-spoke",
                                                                  {"syncRemoteAddressSpace": "true"})  # fmt: skip
    assert "10.2.0.0/24" in c.reason
    assert verifies(tmp_path, est, cs)


def test_existing_path_with_a_missing_zone_link_creates_the_link(tmp_path: Path) -> None:
    """The network path works but the hub is not linked to the central zone: link it, nothing else."""
    b, zone = landing_zone(hub_link=False)
    est = b.estate()
    cs = plan(tmp_path, est, AUTO)
    [d] = cs.decisions
    assert d.method == "existing-path"
    assert [(c.action.value, c.id) for c in cs.changes] == [("create", f"{zone}/virtualNetworkLinks/link-vnet-hub")]
    assert verifies(tmp_path, est, cs)


# ---------------------------------------------------------------------------------------------
# Private Link topologies: per consumer vs one shared endpoint


def test_per_consumer_endpoint_when_the_consumer_resolves_with_its_own_links(tmp_path: Path) -> None:
    """No forwarder in the hub (no existing path), Azure-provided DNS: Private Link (smaller exposure)
    with an endpoint and a zone copy of its own; every option is listed with its verdict."""
    b, _ = landing_zone(spoke_dns=[], forwarder=False)
    est = b.estate()
    cs = plan(tmp_path, est, AUTO)
    [d] = cs.decisions
    assert d.method == "private-link"
    assert {o["option"]: o["verifies"] for o in d.options} == {"private-link": True, "peering": True,
                                                               "shared-endpoint": False}  # fmt: skip
    pe = next(c for c in cs.changes if c.type.endswith("privateEndpoints"))
    assert "/vnet-spoke/subnets/pe" in pe.body["properties"]["subnet"]["id"]  # type: ignore[index]
    zone = next(c for c in cs.changes if c.type.endswith("privateDnsZones"))
    assert "/resourceGroups/rg-spoke/" in zone.id
    assert verifies(tmp_path, est, cs)


def test_shared_endpoint_in_the_hub_when_the_consumer_cannot_have_its_own(tmp_path: Path) -> None:
    """The spoke overlaps the provider (no peering, no path) and names no subnet for an endpoint: one
    shared endpoint in the hub's endpoint subnet, reached over the spoke's peering with the hub."""
    b = EstateBuilder()
    b.vnet("vnet-hub", ["10.0.0.0/22"], rg="rg-hub", subnets={"pe": "10.0.1.0/24"})
    b.vnet("vnet-mendix", ["10.100.0.0/16"], rg="rg-mendix", subnets={"aks": "10.100.0.0/20", "pls-nat": "10.100.16.0/28"})
    b.lb("kubernetes-internal", "vnet-mendix", "aks", LB_IP, rg="rg-mendix")
    b.vnet("vnet-spoke", ["10.100.0.0/20"], rg="rg-spoke", subnets={"app": "10.100.1.0/24"})
    b.peer("vnet-hub", "vnet-spoke")
    pls_fe = f"{b.rid('loadBalancers', 'kubernetes-internal', 'rg-mendix')}/frontendIPConfigurations/fe"
    pls = b.pls("pls-mendix", pls_fe, "vnet-mendix", "pls-nat", "10.100.16.5", rg="rg-mendix",
                auto_approval=[b.sub.rsplit("/", 1)[-1]])  # fmt: skip
    b.pe("pe-other", "vnet-hub", "pe", "10.0.1.4", b.rid("storageAccounts", "st", "rg-hub"), rg="rg-hub")
    est = b.estate()
    cs = plan(tmp_path, est, "  - consumer: vnet-spoke\n    method: auto\n")
    [d] = cs.decisions
    assert d.method == "shared-endpoint" and d.verify_as == "private-link"
    by = {o["option"]: o for o in d.options}
    assert not by["private-link"]["verifies"] and by["shared-endpoint"]["verifies"]
    pe = next(c for c in cs.changes if c.type.endswith("privateEndpoints"))
    assert "/vnet-hub/subnets/pe" in pe.body["properties"]["subnet"]["id"]  # type: ignore[index]
    assert pe.body["properties"]["privateLinkServiceConnections"][0]["properties"]["privateLinkServiceId"] == pls  # type: ignore[index]
    assert verifies(tmp_path, est, cs)
    # The traffic rules are planned towards the shared endpoint the spoke resolves to, not the LB.
    assert not cs.problems


def test_auto_picks_nothing_when_no_option_verifies_and_says_why(tmp_path: Path) -> None:
    b, _ = landing_zone(spoke_dns=["192.0.2.53"])
    est = b.estate()
    cs = plan(tmp_path, est, AUTO)
    [d] = cs.decisions
    assert d.method == "none" and d.options
    [p] = [p for p in cs.problems if p.code == "no-verifying-option"]
    assert "existing-path" in p.message and "private-link" in p.message
