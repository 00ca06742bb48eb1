"""Private DNS rules (D1-D8) on hand-built estates: exact sets of judged resources per status."""

from __future__ import annotations

from checks.model import Context, Status
from checks.rules import (
    dns_custom_servers_no_path,
    dns_dangling_record,
    dns_duplicate_zone_links,
    dns_multiple_registration,
    dns_nested_zone_links,
    dns_nxdomain_redirect,
    dns_ruleset_loop,
    dns_wildcard_shadowed,
    dns_zone_not_linked,
)
from netplan.intent import Connection, Intent, Provider
from netplan.vocab import Method, UseCase
from tests.checks.builders import judged, messages
from tests.dns.builders import resolver, ruleset
from tests.unit.builders import EstateBuilder

ZONE = "azure.mendixapps.io"
BLOB = "privatelink.blob.core.windows.net"


def intent_of(provider: str, consumers: tuple[str, ...] = (), private_only: bool | None = None) -> Intent:
    """An intent serving the apps of ZONE from ``provider`` to ``consumers``."""
    prov = Provider(provider, "", "", None, ZONE, private_only=private_only)
    conns = tuple(Connection(c, UseCase.EXPOSE_APPS, Method.AUTO, ("*",)) for c in consumers)
    return Intent("intent.yaml", prov, conns)


def test_zone_not_linked_fails_connected_consumers_without_a_link() -> None:
    b = EstateBuilder()
    b.vnet("provider", ["10.20.0.0/16"], subnets={"aks": "10.20.0.0/22"})
    b.vnet("pass_linked", ["10.1.0.0/16"])
    b.vnet("fail_unlinked", ["10.2.0.0/16"])
    b.vnet("not_needed_initiated", ["10.3.0.0/16"])
    b.vnet("unknown_custom_dns", ["10.4.0.0/16"], dns=["10.99.0.4"])
    b.vnet("not_needed_unpeered", ["10.5.0.0/16"])
    b.lb("mendix-ilb", "provider", "aks", "10.20.0.4")
    z = b.zone(ZONE)
    b.record(z, "*", "A", ["10.20.0.4"])
    b.zone_link(z, "provider")
    b.zone_link(z, "pass_linked")
    for c in ("pass_linked", "fail_unlinked", "unknown_custom_dns"):
        b.peer("provider", c)
    b.peer("provider", "not_needed_initiated", state="Initiated")
    est = b.estate()
    got = judged(dns_zone_not_linked.RULE, est)
    assert got == {
        "PASS": {f"pass_linked[{ZONE}]"},
        "FAIL": {f"fail_unlinked[{ZONE}]"},
        "UNKNOWN": {f"unknown_custom_dns[{ZONE}]"},
    }
    msg = messages(dns_zone_not_linked.RULE, est)[f"fail_unlinked[{ZONE}]"]
    assert "peered with provider, which holds internal load balancer mendix-ilb" in msg


def test_zone_not_linked_requires_the_endpoints_own_vnet_and_checks_same_name_zones() -> None:
    b = EstateBuilder()
    b.vnet("fail_pe_vnet", ["10.1.0.0/16"], subnets={"pe": "10.1.1.0/24"})
    b.vnet("pass_pe_vnet", ["10.2.0.0/16"], subnets={"pe": "10.2.1.0/24"})
    b.vnet("fail_twin_lacks_record", ["10.3.0.0/16"], subnets={"pe": "10.3.1.0/24"})
    acct = "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/acct"
    b.pe("pe1", "fail_pe_vnet", "pe", "10.1.1.5", acct, group_ids=["blob"])
    b.pe("pe2", "pass_pe_vnet", "pe", "10.2.1.5", acct, group_ids=["blob"])
    b.pe("pe3", "fail_twin_lacks_record", "pe", "10.3.1.5", acct, group_ids=["blob"])
    z = b.zone(BLOB)
    other = b.zone(BLOB, rg="rg-other-dns")
    b.record(z, "acct", "A", ["10.1.1.5", "10.2.1.5", "10.3.1.5"])
    b.zone_link(z, "pass_pe_vnet")
    b.zone_link(other, "fail_twin_lacks_record")
    est = b.estate()
    got = judged(dns_zone_not_linked.RULE, est)
    assert got == {
        "PASS": {f"pass_pe_vnet[{BLOB}]"},
        "FAIL": {f"fail_pe_vnet[{BLOB}]", f"fail_twin_lacks_record[{BLOB}]"},
        "UNKNOWN": set(),
    }
    assert "lacks acct.privatelink.blob.core.windows.net" in messages(dns_zone_not_linked.RULE, est)[
        f"fail_twin_lacks_record[{BLOB}]"
    ]


def test_zone_not_linked_also_needs_consumers_declared_by_the_intent() -> None:
    b = EstateBuilder()
    b.vnet("provider", ["10.20.0.0/16"], subnets={"aks": "10.20.0.0/22"})
    b.vnet("fail_declared", ["10.9.0.0/16"])
    z = b.zone(ZONE)
    b.record(z, "*", "A", ["10.20.0.4"])
    intent = intent_of(b.vid("provider"), consumers=(b.vid("fail_declared"),))
    assert judged(dns_zone_not_linked.RULE, b.estate(), intent)["FAIL"] == {f"fail_declared[{ZONE}]"}
    assert judged(dns_zone_not_linked.RULE, b.estate())["FAIL"] == set()


def test_custom_dns_needs_a_resolver_inbound_endpoint_or_a_declared_forwarder() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"inbound": "10.0.10.0/28", "vm": "10.0.1.0/24"})
    resolver(b, "hub-resolver", "hub", "inbound", "10.0.10.4")
    b.vnet("pass_resolver", ["10.1.0.0/16"], dns=["10.0.10.4"])
    b.vnet("pass_declared", ["10.2.0.0/16"], dns=["10.0.1.4"])
    b.vnet("fail_undeclared", ["10.3.0.0/16"], dns=["10.0.10.4", "192.168.1.53"])
    b.vnet("azure_dns", ["10.4.0.0/16"])
    b.dns_forwarder("10.0.1.4", "hub", note="BIND forwarding to 168.63.129.16")
    b.zone(ZONE)
    est = b.estate()
    got = judged(dns_custom_servers_no_path.RULE, est)
    assert got == {"PASS": {"pass_resolver", "pass_declared"}, "FAIL": {"fail_undeclared"}, "UNKNOWN": set()}
    assert "192.168.1.53 is neither" in messages(dns_custom_servers_no_path.RULE, est)["fail_undeclared"]


def test_dangling_record_fails_addresses_nobody_holds_inside_a_vnet() -> None:
    b = EstateBuilder()
    b.vnet("provider", ["10.20.0.0/16"], subnets={"aks": "10.20.0.0/22", "vm": "10.20.8.0/24"})
    b.lb("ilb", "provider", "aks", "10.20.0.4")
    b.nic("vm1-nic", "provider", "vm", "10.20.8.4", vm="vm1")
    b.onprem("dc", ["192.168.0.0/16"])
    z = b.zone(ZONE)
    b.record(z, "pass_lb", "A", ["10.20.0.4"])
    b.record(z, "pass_vm", "A", ["10.20.8.4"])
    b.record(z, "pass_onprem", "A", ["192.168.4.10"])
    b.record(z, "fail_old_cluster", "A", ["10.20.0.9"])
    b.record(z, "fail_one_of_two", "A", ["10.20.0.4", "10.20.0.10"])
    b.record(z, "unknown_elsewhere", "A", ["172.16.0.5"])
    est = b.estate()
    got = judged(dns_dangling_record.RULE, est)
    assert got == {
        "PASS": {"pass_lb", "pass_vm", "pass_onprem"},
        "FAIL": {"fail_old_cluster", "fail_one_of_two"},
        "UNKNOWN": {"unknown_elsewhere"},
    }
    assert "10.20.0.9 (in provider)" in messages(dns_dangling_record.RULE, est)["fail_old_cluster"]


def test_dangling_record_is_unknown_under_a_gap_or_without_any_nics() -> None:
    b = EstateBuilder()
    b.vnet("provider", ["10.20.0.0/16"], subnets={"aks": "10.20.0.0/22"})
    z = b.zone(ZONE)
    b.record(z, "unknown_no_nics", "A", ["10.20.0.9"])
    assert judged(dns_dangling_record.RULE, b.estate())["UNKNOWN"] == {"unknown_no_nics"}
    b.nic("n", "provider", "aks", "10.20.0.50", vm="vm")
    assert judged(dns_dangling_record.RULE, b.estate())["FAIL"] == {"unknown_no_nics"}
    b.gap(b.sub, kind="Microsoft.Network/networkInterfaces")
    assert judged(dns_dangling_record.RULE, b.estate())["UNKNOWN"] == {"unknown_no_nics"}


def test_wildcard_shadowed_by_an_explicit_record_pointing_elsewhere() -> None:
    b = EstateBuilder()
    z = b.zone(ZONE)
    b.record(z, "*", "A", ["10.20.0.4"])
    b.record(z, "pass_same", "A", ["10.20.0.4"])
    b.record(z, "fail_stale", "A", ["10.20.0.99"])
    b.record(z, "not_judged_cname", "CNAME", ["elsewhere.example.com"])
    other = b.zone("corp.internal")
    b.record(other, "no_wildcard_here", "A", ["10.0.0.1"])
    est = b.estate()
    got = judged(dns_wildcard_shadowed.RULE, est)
    assert got == {"PASS": {"pass_same"}, "FAIL": {"fail_stale"}, "UNKNOWN": set()}


def test_duplicate_and_nested_zone_links_and_registration_zones() -> None:
    b = EstateBuilder()
    for v in ("fail_dupe", "fail_nested", "fail_two_registration", "pass_clean"):
        b.vnet(v, [f"10.{len(b._vnets)}.0.0/16"])
    z1, z2 = b.zone("corp.internal"), b.zone("corp.internal", rg="rg-dns2")
    sub = b.zone("app.corp.internal")
    reg2 = b.zone("vms.corp.internal")
    b.zone_link(z1, "fail_dupe")
    b.zone_link(z2, "fail_dupe")
    b.zone_link(z1, "fail_nested")
    b.zone_link(sub, "fail_nested")
    b.zone_link(z1, "fail_two_registration", registration=True)
    b.zone_link(reg2, "fail_two_registration", registration=True)
    b.zone_link(z1, "pass_clean", registration=True)
    est = b.estate()
    assert judged(dns_duplicate_zone_links.RULE, est) == {
        "PASS": {"fail_nested", "fail_two_registration", "pass_clean"},
        "FAIL": {"fail_dupe[corp.internal]"},
        "UNKNOWN": set(),
    }
    assert judged(dns_nested_zone_links.RULE, est) == {
        "PASS": {"fail_dupe", "pass_clean"},
        "FAIL": {"fail_nested[app.corp.internal]", "fail_two_registration[vms.corp.internal]"},
        "UNKNOWN": set(),
    }
    assert judged(dns_multiple_registration.RULE, est) == {
        "PASS": {"fail_dupe", "fail_nested", "pass_clean"},
        "FAIL": {"fail_two_registration"},
        "UNKNOWN": set(),
    }
    assert dns_nested_zone_links.RULE.severity.value == "low"
    assert dns_duplicate_zone_links.RULE.severity.value == "high"


def test_nxdomain_redirect_is_unknown_without_intent_and_fails_when_private_only_required() -> None:
    b = EstateBuilder()
    b.vnet("consumer", ["10.1.0.0/16"])
    z = b.zone(BLOB)
    app = b.zone(ZONE)
    b.zone_link(z, "consumer", name="redirect", resolution_policy="NxDomainRedirect")
    b.zone_link(z, "consumer", name="pass_default")
    b.zone_link(app, "consumer", name="custom_zone_not_judged", resolution_policy="NxDomainRedirect")
    est = b.estate()
    assert judged(dns_nxdomain_redirect.RULE, est) == {"PASS": {"pass_default"}, "FAIL": set(), "UNKNOWN": {"redirect"}}
    assert "no intent was given to say" in messages(dns_nxdomain_redirect.RULE, est)["redirect"]
    silent = intent_of(b.vid("consumer"))
    assert "the intent does not say" in messages(dns_nxdomain_redirect.RULE, est, silent)["redirect"]
    strict = intent_of(b.vid("consumer"), private_only=True)
    assert judged(dns_nxdomain_redirect.RULE, est, strict)["FAIL"] == {"redirect"}
    lax = intent_of(b.vid("consumer"), private_only=False)
    assert judged(dns_nxdomain_redirect.RULE, est, lax)["PASS"] == {"pass_default", "redirect"}


def test_ruleset_loop_and_azure_dns_target() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"inbound": "10.0.10.0/28"})
    b.vnet("spoke", ["10.1.0.0/16"])
    resolver(b, "res", "hub", "inbound", "10.0.10.4")
    ruleset(b, "loops", {"corp.internal.": ["10.0.10.4"]}, ["hub", "spoke"])
    ruleset(b, "bad_target", {"contoso.com.": ["168.63.129.16"]}, [])
    est = b.estate()
    got = judged(dns_ruleset_loop.RULE, est)
    assert got == {"PASS": {"link-spoke", "rule0"}, "FAIL": {"link-hub", "rule0"}, "UNKNOWN": set()}
    fails = [f for f in dns_ruleset_loop.RULE.run(Context(est)) if f.status is Status.FAIL]
    assert {f.resource.split("/")[-3] for f in fails} == {"loops", "bad_target"}
    assert any("168.63.129.16, which is not a valid target" in f.message for f in fails)
    assert any("queries loop" in f.message for f in fails)


def test_zone_not_linked_is_unknown_when_a_gap_covers_the_zone() -> None:
    b = EstateBuilder()
    b.vnet("provider", ["10.20.0.0/16"], subnets={"aks": "10.20.0.0/22"})
    b.vnet("unknown_consumer", ["10.1.0.0/16"])
    b.lb("ilb", "provider", "aks", "10.20.0.4")
    z = b.zone(ZONE)
    b.record(z, "*", "A", ["10.20.0.4"])
    b.peer("provider", "unknown_consumer")
    b.gap(z.split("/providers/")[0], kind="Microsoft.Network/privateDnsZones/virtualNetworkLinks", reason="throttled")
    est = b.estate()
    assert judged(dns_zone_not_linked.RULE, est)["UNKNOWN"] == {f"unknown_consumer[{ZONE}]"}
    assert "throttled" in messages(dns_zone_not_linked.RULE, est)[f"unknown_consumer[{ZONE}]"]
