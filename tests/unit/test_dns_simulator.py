"""The resolution simulator, rule by rule (DESIGN.md D1-D8), on small hand-built estates.

VNets are named for the case: ``pass_*`` VNets get the private answer, ``fail_*`` do not.
"""

from __future__ import annotations

import pytest

from netplan.dns.simulator import DnsSimulator, Status, resolve
from netplan.errors import RefError, UsageError
from tests.dns.builders import APP_DOMAIN, mendix_provider, resolver, ruleset
from tests.unit.builders import EstateBuilder

APP = f"myapp.{APP_DOMAIN}"


def provider_with_spokes() -> tuple[EstateBuilder, dict[str, str]]:
    b = EstateBuilder()
    p = mendix_provider(b)
    b.vnet("pass_linked", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24"})
    b.vnet("fail_peered_not_linked", ["10.2.0.0/16"], subnets={"app": "10.2.1.0/24"})
    b.zone_link(p["zone"], "pass_linked")
    b.peer("mendix-vnet", "pass_linked")
    b.peer("mendix-vnet", "fail_peered_not_linked")
    return b, p


# ---------------------------------------------------------------- D1


def test_pass_linked_vnet_gets_the_lb_frontend_from_the_wildcard() -> None:
    b, p = provider_with_spokes()
    a = resolve(b.estate(), "pass_linked", APP)
    assert a.status is Status.NOERROR
    assert a.addresses == ("10.20.0.4",)
    assert a.zone_id == p["zone"]
    assert a.record == "*"
    assert [s.to_dict() for s in a.chain] == [{"name": APP, "type": "A", "value": "10.20.0.4", "zone": p["zone"]}]
    assert a.summary() == "10.20.0.4 (zone azure.mendixapps.io, record *)"


def test_fail_peering_does_not_carry_resolution_d1() -> None:
    b, _ = provider_with_spokes()
    a = resolve(b.estate(), "fail_peered_not_linked", APP)
    assert a.status is Status.PUBLIC
    assert a.addresses == ()
    assert any("not linked to this VNet" in r and "D1" in r for r in a.reasons)


# ---------------------------------------------------------------- D3


def test_most_specific_linked_zone_wins_and_is_authoritative_d3() -> None:
    b = EstateBuilder()
    b.vnet("spoke", ["10.1.0.0/16"])
    parent = b.zone("mendixapps.io")
    b.record(parent, "*.azure", "A", ["10.9.9.9"])
    b.record(parent, "other.azure", "A", ["10.9.9.8"])
    child = b.zone(APP_DOMAIN)
    b.record(child, "myapp", "A", ["10.20.0.4"])
    b.zone_link(parent, "spoke")
    b.zone_link(child, "spoke")
    sim = DnsSimulator(b.estate())
    hit = sim.resolve("spoke", APP)
    assert (hit.status, hit.addresses, hit.zone_id) == (Status.NOERROR, ("10.20.0.4",), child)
    # The parent zone has a record for it, but the child zone is the most specific and says no.
    miss = sim.resolve("spoke", f"other.{APP_DOMAIN}")
    assert miss.status is Status.NXDOMAIN
    assert miss.zone_id == child
    assert "authoritative" in miss.reasons[-1]


def test_fail_missing_name_in_linked_zone_is_nxdomain_without_public_fallback_d3() -> None:
    b = EstateBuilder()
    p = mendix_provider(b, wildcard=False)
    b.record(p["zone"], "myapp", "A", ["10.20.0.4"])
    e = b.estate()
    assert resolve(e, "mendix-vnet", APP).addresses == ("10.20.0.4",)
    a = resolve(e, "mendix-vnet", f"missing.{APP_DOMAIN}")
    assert a.status is Status.NXDOMAIN
    assert a.addresses == ()


# ---------------------------------------------------------------- D4


def privatelink_estate(policy: str | None = None) -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("pass_linked_privatelink", ["10.1.0.0/16"], subnets={"pe": "10.1.2.0/24"})
    b.vnet("fail_not_linked", ["10.2.0.0/16"])
    z = b.zone("privatelink.blob.core.windows.net")
    b.record(z, "acct", "A", ["10.1.2.5"])
    b.zone_link(z, "pass_linked_privatelink", resolution_policy=policy)
    return b


def test_pass_privatelink_cname_chain_answers_privately_d4() -> None:
    e = privatelink_estate().estate()
    a = resolve(e, "pass_linked_privatelink", "acct.blob.core.windows.net")
    assert a.status is Status.NOERROR
    assert a.addresses == ("10.1.2.5",)
    assert [(s.name, s.rtype, s.value, s.source) for s in a.chain] == [
        ("acct.blob.core.windows.net", "CNAME", "acct.privatelink.blob.core.windows.net", "public-privatelink"),
        ("acct.privatelink.blob.core.windows.net", "A", "10.1.2.5", "record"),
    ]
    assert a.chain[0].zone_id is None


def test_fail_unlinked_vnet_follows_the_privatelink_cname_to_public_dns_d4() -> None:
    a = resolve(privatelink_estate().estate(), "fail_not_linked", "acct.blob.core.windows.net")
    assert a.status is Status.PUBLIC
    assert a.chain[0].value == "acct.privatelink.blob.core.windows.net"


def test_missing_privatelink_record_is_nxdomain_when_the_resource_has_an_endpoint_d4() -> None:
    b = privatelink_estate()
    storage = "/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/other"
    b.pe("pe-other", "pass_linked_privatelink", "pe", "10.1.2.9", storage, group_ids=["blob"])
    a = resolve(b.estate(), "pass_linked_privatelink", "other.blob.core.windows.net")
    assert a.status is Status.NXDOMAIN
    assert a.chain[0].value == "other.privatelink.blob.core.windows.net"


def test_missing_privatelink_record_without_a_known_endpoint_is_unknown_d4() -> None:
    # Public DNS only CNAMEs into privatelink when the account has an endpoint somewhere.
    a = resolve(privatelink_estate().estate(), "pass_linked_privatelink", "other.blob.core.windows.net")
    assert a.status is Status.UNKNOWN
    assert "has a private endpoint somewhere" in a.reasons[-1]


def test_keyvault_uses_its_own_privatelink_zone_name_d4() -> None:
    b = EstateBuilder()
    b.vnet("spoke", ["10.1.0.0/16"])
    z = b.zone("privatelink.vaultcore.azure.net")
    b.record(z, "kv-prod", "A", ["10.1.2.7"])
    b.zone_link(z, "spoke")
    assert resolve(b.estate(), "spoke", "kv-prod.vault.azure.net").addresses == ("10.1.2.7",)


# ---------------------------------------------------------------- D5


def test_nxdomain_redirect_on_privatelink_link_falls_back_to_public_d5() -> None:
    e = privatelink_estate("NxDomainRedirect").estate()
    a = resolve(e, "pass_linked_privatelink", "other.blob.core.windows.net")
    assert a.status is Status.PUBLIC
    assert any("NxDomainRedirect" in r and "D5" in r for r in a.reasons)
    # Without the policy the privatelink zone is authoritative: NXDOMAIN (asked directly).
    strict = resolve(privatelink_estate().estate(), "pass_linked_privatelink", "other.privatelink.blob.core.windows.net")
    assert strict.status is Status.NXDOMAIN


def test_nxdomain_redirect_has_no_effect_on_the_custom_app_domain_d5() -> None:
    b = EstateBuilder()
    p = mendix_provider(b, wildcard=False)
    b.vnet("spoke", ["10.1.0.0/16"])
    b.zone_link(p["zone"], "spoke", resolution_policy="NxDomainRedirect")
    a = resolve(b.estate(), "spoke", APP)
    assert a.status is Status.NXDOMAIN
    assert "no effect" in a.reasons[-1]


# ---------------------------------------------------------------- D6


def wildcard_estate() -> tuple[EstateBuilder, str]:
    b = EstateBuilder()
    p = mendix_provider(b)
    b.record(p["zone"], "admin", "A", ["10.20.0.9"])
    b.record(p["zone"], "x.team", "A", ["10.20.0.10"])
    return b, p["zone"]


def test_explicit_record_beats_the_wildcard_d6() -> None:
    b, _ = wildcard_estate()
    a = resolve(b.estate(), "mendix-vnet", f"admin.{APP_DOMAIN}")
    assert (a.addresses, a.record, a.chain[0].source) == (("10.20.0.9",), "admin", "record")


def test_wildcard_matches_several_labels_d6() -> None:
    b, _ = wildcard_estate()
    a = resolve(b.estate(), "mendix-vnet", f"a.b.c.{APP_DOMAIN}")
    assert (a.status, a.addresses, a.chain[0].source) == (Status.NOERROR, ("10.20.0.4",), "wildcard")


def test_closer_existing_node_blocks_the_wildcard_d6() -> None:
    b, _ = wildcard_estate()
    sim = DnsSimulator(b.estate())
    # team.<zone> exists as an empty non-terminal (because of x.team): it is the closest
    # encloser of y.team.<zone>, and there is no *.team, so RFC 4592 says NXDOMAIN.
    assert sim.resolve("mendix-vnet", f"y.team.{APP_DOMAIN}").status is Status.NXDOMAIN
    # The empty non-terminal itself exists: NOERROR with no data, never the wildcard.
    ent = sim.resolve("mendix-vnet", f"team.{APP_DOMAIN}")
    assert (ent.status, ent.addresses) == (Status.NOERROR, ())
    assert not ent.resolved


def test_wildcard_without_the_queried_type_is_nodata_d6() -> None:
    b, _ = wildcard_estate()
    a = resolve(b.estate(), "mendix-vnet", APP, "AAAA")
    assert (a.status, a.addresses) == (Status.NOERROR, ())
    assert "NODATA" in a.reasons[-1]


# ---------------------------------------------------------------- CNAME chains


def test_cname_chain_across_two_zones() -> None:
    b, _ = wildcard_estate()
    corp = b.zone("corp.internal")
    b.record(corp, "portal", "CNAME", [f"admin.{APP_DOMAIN}"])
    b.zone_link(corp, "mendix-vnet")
    a = resolve(b.estate(), "mendix-vnet", "portal.corp.internal")
    assert a.addresses == ("10.20.0.9",)
    assert [(s.rtype, s.zone_id is not None) for s in a.chain] == [("CNAME", True), ("A", True)]


def test_cname_loop_is_servfail_not_a_crash() -> None:
    b = EstateBuilder()
    b.vnet("spoke", ["10.1.0.0/16"])
    z = b.zone("corp.internal")
    b.record(z, "a", "CNAME", ["b.corp.internal"])
    b.record(z, "b", "CNAME", ["a.corp.internal"])
    b.zone_link(z, "spoke")
    a = resolve(b.estate(), "spoke", "a.corp.internal")
    assert a.status is Status.SERVFAIL
    assert "loop" in a.reasons[-1]


def test_long_cname_chain_is_cut_off() -> None:
    b = EstateBuilder()
    b.vnet("spoke", ["10.1.0.0/16"])
    z = b.zone("corp.internal")
    for i in range(30):
        b.record(z, f"n{i}", "CNAME", [f"n{i + 1}.corp.internal"])
    b.zone_link(z, "spoke")
    a = resolve(b.estate(), "spoke", "n0.corp.internal")
    assert a.status is Status.SERVFAIL
    assert "longer than" in a.reasons[-1]


# ---------------------------------------------------------------- D2: custom DNS


def hub_with_resolver() -> tuple[EstateBuilder, dict[str, str]]:
    b = EstateBuilder()
    p = mendix_provider(b)
    b.vnet("hub", ["10.0.0.0/16"], subnets={"dns-in": "10.0.4.0/28", "fw": "10.0.1.0/24"})
    resolver(b, "dnspr-hub", "hub", "dns-in", "10.0.4.4")
    b.zone_link(p["zone"], "hub")
    return b, p


def test_fail_custom_dns_servers_not_in_the_estate_are_unknown_d2() -> None:
    b, p = hub_with_resolver()
    b.vnet("fail_custom_dns", ["10.3.0.0/16"], dns=["10.50.0.10", "10.50.0.11"])
    b.zone_link(p["zone"], "fail_custom_dns")  # linked, but custom DNS means the link is not consulted
    a = resolve(b.estate(), "fail_custom_dns", APP)
    assert a.status is Status.UNKNOWN
    assert a.reasons[-1].startswith("depends on custom DNS servers 10.50.0.10, 10.50.0.11")


def test_custom_dns_server_that_is_a_known_vm_says_how_to_declare_it_d2() -> None:
    b, _ = hub_with_resolver()
    b.nic("vm-dns01-nic", "hub", "fw", "10.0.1.10", vm="vm-dns01")
    b.vnet("unknown_vm_dns", ["10.3.0.0/16"], dns=["10.0.1.10"])
    b.peer("unknown_vm_dns", "hub")
    a = resolve(b.estate(), "unknown_vm_dns", APP)
    assert a.status is Status.UNKNOWN
    assert "nic vm-dns01-nic in VNet hub" in a.reasons[-1] and "dns_forwarders" in a.reasons[-1]


def test_pass_custom_dns_pointing_at_a_resolver_inbound_endpoint_resolves_as_in_the_hub_d2() -> None:
    b, _ = hub_with_resolver()
    b.vnet("pass_via_resolver", ["10.3.0.0/16"], dns=["10.0.4.4"])
    b.peer("pass_via_resolver", "hub")
    a = resolve(b.estate(), "pass_via_resolver", APP)
    assert (a.status, a.addresses) == (Status.NOERROR, ("10.20.0.4",))
    assert "inbound endpoint" in a.reasons[0] and "hub" in a.reasons[0]


def test_pass_custom_dns_pointing_at_a_declared_forwarder_d2() -> None:
    b, _ = hub_with_resolver()
    b.dns_forwarder("10.0.1.10", "hub", note="BIND on vm-dns01")
    b.vnet("pass_via_forwarder", ["10.3.0.0/16"], dns=["10.0.1.10"])
    b.peer("pass_via_forwarder", "hub")
    a = resolve(b.estate(), "pass_via_forwarder", APP)
    assert a.addresses == ("10.20.0.4",)
    assert "declared DNS forwarder" in a.reasons[0]


def test_custom_dns_set_to_azure_dns_uses_the_vnets_own_links_d2() -> None:
    b, p = hub_with_resolver()
    b.vnet("pass_explicit_azure_dns", ["10.3.0.0/16"], dns=["168.63.129.16"])
    b.zone_link(p["zone"], "pass_explicit_azure_dns")
    assert resolve(b.estate(), "pass_explicit_azure_dns", APP).addresses == ("10.20.0.4",)


def test_fail_second_server_disagreeing_makes_the_answer_unknown_d2() -> None:
    b, _ = hub_with_resolver()
    b.vnet("other-hub", ["10.9.0.0/16"], subnets={"dns": "10.9.0.0/28"})
    b.dns_forwarder("10.9.0.4", "other-hub")  # other-hub is not linked to the zone
    b.vnet("fail_disagreeing", ["10.3.0.0/16"], dns=["10.0.4.4", "10.9.0.4"])
    b.peer("fail_disagreeing", "hub")
    b.peer("fail_disagreeing", "other-hub")
    a = resolve(b.estate(), "fail_disagreeing", APP)
    assert a.status is Status.UNKNOWN
    assert "disagree" in a.reasons[-1] and "10.20.0.4" in a.reasons[-1] and "PUBLIC" in a.reasons[-1]


def test_fail_custom_dns_server_the_vnet_cannot_reach_is_servfail_with_the_reason() -> None:
    b, _ = hub_with_resolver()
    b.vnet("fail_not_peered", ["10.3.0.0/16"], dns=["10.0.4.4"])
    b.vnet("fail_initiated", ["10.4.0.0/16"], dns=["10.0.4.4"])
    b.peer("fail_initiated", "hub", state="Initiated")
    est = b.estate()
    for name in ("fail_not_peered", "fail_initiated"):
        a = resolve(est, name, APP)
        assert (a.status, a.addresses) == (Status.SERVFAIL, ())
        assert "cannot reach any of its custom DNS servers: 10.0.4.4" in a.reasons[-1]
    assert "not peered" in resolve(est, "fail_not_peered", APP).reasons[-1]


def test_unreachable_first_server_fails_over_to_the_next_d2() -> None:
    b, _ = hub_with_resolver()
    b.vnet("far", ["10.9.0.0/16"], subnets={"dns": "10.9.0.0/28"})
    b.dns_forwarder("10.9.0.4", "far")
    b.vnet("pass_failover", ["10.3.0.0/16"], dns=["10.9.0.4", "10.0.4.4"])
    b.peer("pass_failover", "hub")
    a = resolve(b.estate(), "pass_failover", APP)
    assert (a.status, a.addresses) == (Status.NOERROR, ("10.20.0.4",))
    assert a.reasons[0].startswith("custom DNS server(s) not reachable from VNet pass_failover") and "10.9.0.4" in a.reasons[0]


def test_stale_peering_to_the_resolver_subnet_is_servfail() -> None:
    b, _ = hub_with_resolver()
    b.vnet("fail_stale", ["10.3.0.0/16"], dns=["10.0.4.4"])
    # the hub grew 10.0.0.0/16 from an older space; the spoke's link never synced it
    b.peer("fail_stale", "hub", sync="LocalNotInSync", a_to_b={"remote_prefixes": ["10.0.0.0/22"]})
    a = resolve(b.estate(), "fail_stale", APP)
    assert a.status is Status.SERVFAIL


# ---------------------------------------------------------------- D7


def test_two_same_name_zones_linked_to_one_vnet_are_ambiguous_d7() -> None:
    b = EstateBuilder()
    b.vnet("spoke", ["10.1.0.0/16"])
    z1 = b.zone(APP_DOMAIN, rg="rg-dns-a")
    z2 = b.zone(APP_DOMAIN, rg="rg-dns-b")
    b.record(z1, "*", "A", ["10.20.0.4"])
    b.record(z2, "*", "A", ["10.30.0.4"])
    b.zone_link(z1, "spoke")
    b.zone_link(z2, "spoke")
    a = resolve(b.estate(), "spoke", APP)
    assert a.status is Status.UNKNOWN
    assert "D7" in a.reasons[-1] and z1 in a.reasons[-1] and z2 in a.reasons[-1]


# ---------------------------------------------------------------- D8: forwarding rulesets


def test_pass_ruleset_forwards_to_the_hub_inbound_endpoint_d8() -> None:
    b, _ = hub_with_resolver()
    b.vnet("pass_ruleset_spoke", ["10.3.0.0/16"])
    ruleset(b, "rs-hub", {"azure.mendixapps.io.": ["10.0.4.4"], "mendixapps.io.": ["192.168.10.5"]},
            ["pass_ruleset_spoke"])
    a = resolve(b.estate(), "pass_ruleset_spoke", APP)
    assert a.addresses == ("10.20.0.4",)
    assert "azure.mendixapps.io." in a.reasons[0] and "inbound endpoint" in a.reasons[0]


def test_fail_ruleset_to_on_premises_is_unknown_and_longest_match_wins_d8() -> None:
    b, _ = hub_with_resolver()
    b.vnet("fail_onprem_rule", ["10.3.0.0/16"])
    ruleset(b, "rs-onprem", {"mendixapps.io.": ["10.0.4.4"], "azure.mendixapps.io.": ["192.168.10.5"]},
            ["fail_onprem_rule"])
    a = resolve(b.estate(), "fail_onprem_rule", APP)
    assert a.status is Status.UNKNOWN
    assert "192.168.10.5:53" in a.reasons[-1]


def test_fail_ruleset_forwarding_to_azure_dns_is_invalid_d8() -> None:
    b, _ = hub_with_resolver()
    b.vnet("fail_rule_to_azure_dns", ["10.3.0.0/16"])
    ruleset(b, "rs-bad", {".": ["168.63.129.16"]}, ["fail_rule_to_azure_dns"])
    a = resolve(b.estate(), "fail_rule_to_azure_dns", APP)
    assert a.status is Status.UNKNOWN
    assert "not a valid target" in a.reasons[-1]


def test_fail_ruleset_linked_to_the_inbound_endpoints_own_vnet_loops_d8() -> None:
    b, _ = hub_with_resolver()
    ruleset(b, "rs-loop", {"azure.mendixapps.io.": ["10.0.4.4"]}, ["hub"])
    a = resolve(b.estate(), "hub", APP)
    assert a.status is Status.SERVFAIL
    assert "forwarding loop" in a.reasons[-1]


def test_disabled_rule_is_ignored_d8() -> None:
    b, p = hub_with_resolver()
    b.vnet("spoke", ["10.3.0.0/16"])
    b.zone_link(p["zone"], "spoke")
    ruleset(b, "rs", {"azure.mendixapps.io.": ["192.168.10.5"]}, ["spoke"], disabled=["azure.mendixapps.io."])
    assert resolve(b.estate(), "spoke", APP).addresses == ("10.20.0.4",)


# ---------------------------------------------------------------- registration


def test_registration_zone_answers_vm_names_from_their_nics() -> None:
    b = EstateBuilder()
    b.vnet("workload", ["10.1.0.0/16"], subnets={"vms": "10.1.1.0/24"})
    b.vnet("reader", ["10.2.0.0/16"])
    z = b.zone("corp.internal")
    b.zone_link(z, "workload", registration=True)
    b.zone_link(z, "reader")
    b.nic("vm-web01-nic", "workload", "vms", "10.1.1.5", vm="vm-web01")
    b.nic("orphan-nic", "workload", "vms", "10.1.1.6")  # no VM: nothing is registered
    sim = DnsSimulator(b.estate())
    a = sim.resolve("reader", "vm-web01.corp.internal")
    assert (a.status, a.addresses, a.chain[0].source) == (Status.NOERROR, ("10.1.1.5",), "auto-registered")
    assert sim.resolve("reader", "orphan-nic.corp.internal").status is Status.NXDOMAIN


def test_two_registration_zones_on_one_vnet_make_vm_names_unknown_d7() -> None:
    b = EstateBuilder()
    b.vnet("workload", ["10.1.0.0/16"], subnets={"vms": "10.1.1.0/24"})
    z1 = b.zone("corp.internal")
    z2 = b.zone("other.internal")
    b.zone_link(z1, "workload", registration=True)
    b.zone_link(z2, "workload", registration=True)
    b.nic("vm-web01-nic", "workload", "vms", "10.1.1.5", vm="vm-web01")
    a = resolve(b.estate(), "workload", "vm-web01.corp.internal")
    assert a.status is Status.UNKNOWN
    assert "D7" in a.reasons[-1]


def test_vm_in_a_vnet_without_registration_link_is_not_registered() -> None:
    b = EstateBuilder()
    b.vnet("workload", ["10.1.0.0/16"], subnets={"vms": "10.1.1.0/24"})
    z = b.zone("corp.internal")
    b.zone_link(z, "workload")  # resolution only
    b.nic("vm-web01-nic", "workload", "vms", "10.1.1.5", vm="vm-web01")
    assert resolve(b.estate(), "workload", "vm-web01.corp.internal").status is Status.NXDOMAIN


# ---------------------------------------------------------------- public answers, gaps, input


def test_declared_public_answer_is_used_for_names_under_no_linked_zone() -> None:
    b = EstateBuilder()
    b.vnet("spoke", ["10.1.0.0/16"])
    b.public_dns("www.example.com", ["93.184.215.14"])
    a = resolve(b.estate(), "spoke", "WWW.Example.com.")
    assert (a.status, a.addresses, a.zone_id, a.name) == (Status.NOERROR, ("93.184.215.14",), None, "www.example.com")


def test_a_dns_gap_in_the_snapshot_makes_the_answer_unknown() -> None:
    b, _ = provider_with_spokes()
    b.gap("/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c", kind="privateDnsZones", reason="AuthorizationFailed")
    a = resolve(b.estate(), "pass_linked", APP)
    assert a.status is Status.UNKNOWN
    assert a.addresses == ("10.20.0.4",)  # what we saw is still shown
    assert "privateDnsZones" in a.reasons[-1]


@pytest.mark.parametrize("kind", ["subscription", "*"])
def test_an_unread_subscription_makes_the_answer_unknown(kind: str) -> None:
    b, _ = provider_with_spokes()
    b.gap("/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c", kind=kind)
    assert resolve(b.estate(), "pass_linked", APP).status is Status.UNKNOWN


def test_a_gap_in_an_unrelated_kind_changes_nothing() -> None:
    b, _ = provider_with_spokes()
    b.gap("/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c", kind="loadBalancers")
    assert resolve(b.estate(), "pass_linked", APP).status is Status.NOERROR


def test_invalid_names_types_and_vnets_are_usage_errors() -> None:
    b, _ = provider_with_spokes()
    sim = DnsSimulator(b.estate())
    with pytest.raises(UsageError):
        sim.resolve("pass_linked", "bad..name")
    with pytest.raises(UsageError):
        sim.resolve("pass_linked", APP, "MX")
    with pytest.raises(RefError):
        sim.resolve("no-such-vnet", APP)
