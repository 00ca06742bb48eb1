"""The simulator and verification on the realistic sample estate (samples/mendix-estate.json):
the deliberate DNS problems it carries are found, and what works is shown to work."""

from __future__ import annotations

from pathlib import Path

import pytest

from netplan.dns.matrix import app_names, resolution_matrix
from netplan.dns.simulator import DnsSimulator, Status
from netplan.estate import Estate
from netplan.loader import load_estate
from netplan.verify import Method, Result, verify_connection

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
DOMAIN = "azure.mendixapps.io"


@pytest.fixture(scope="module")
def estate() -> Estate:
    e: Estate = load_estate([SAMPLES / "mendix-estate.json"])
    return e


@pytest.fixture(scope="module")
def sim(estate: Estate) -> DnsSimulator:
    return DnsSimulator(estate)


def test_linked_spoke_resolves_the_app_to_the_lb_frontend(sim: DnsSimulator) -> None:
    a = sim.resolve("vnet-corp-spoke1-weu", f"hr-portal.{DOMAIN}")
    assert (a.status, a.addresses, a.record) == (Status.NOERROR, ("10.20.0.250",), "hr-portal")


def test_unlinked_spoke_gets_public_and_is_told_why(sim: DnsSimulator) -> None:
    a = sim.resolve("vnet-corp-spoke2-weu", f"sales.{DOMAIN}")
    assert a.status is Status.PUBLIC
    assert "not linked to this VNet (D1" in a.reasons[-1]


def test_custom_dns_spoke_resolves_through_the_hub_resolver(sim: DnsSimulator) -> None:
    a = sim.resolve("vnet-corp-spoke3-neu", f"sales.{DOMAIN}")
    assert (a.status, a.addresses) == (Status.NOERROR, ("10.20.0.250",))
    assert a.reasons[0].startswith("custom DNS server 10.100.0.68 is the inbound endpoint")


def test_overlapping_legacy_vnet_has_its_own_zone_answering_with_its_endpoint(sim: DnsSimulator) -> None:
    a = sim.resolve("vnet-legacy-apps-weu", f"sales.{DOMAIN}")
    assert a.addresses == ("10.20.3.4",)
    assert a.zone_id is not None and "/rg-legacy-apps-weu/" in a.zone_id.lower()


def test_on_premises_forwarding_rule_is_unknown(sim: DnsSimulator) -> None:
    a = sim.resolve("vnet-corp-spoke1-weu", "corp.contoso.com")
    assert a.status is Status.UNKNOWN
    assert "172.16.1.10:53" in a.reasons[-1]


def test_privatelink_chain_from_declared_public_cname(sim: DnsSimulator) -> None:
    a = sim.resolve("vnet-corp-spoke1-weu", "psql-orders-weu.postgres.database.azure.com")
    assert a.addresses == ("10.110.2.4",)
    assert [s.rtype for s in a.chain] == ["CNAME", "A"]
    # The provider is not linked to the blob zone: its apps would go to the public endpoint.
    assert sim.resolve("vnet-mendix-weu", "stcorpdataweu01.blob.core.windows.net").status is Status.PUBLIC


def test_matrix_equals_one_by_one_on_the_sample(estate: Estate, sim: DnsSimulator) -> None:
    names = [*app_names(estate, DOMAIN), f"sales.{DOMAIN}", "corp.contoso.com", "stcorpdataweu01.blob.core.windows.net"]
    m = resolution_matrix(estate, names)
    assert [m.answer(v, n) for v in estate.vnets for n in names] == [sim.resolve(v, n) for v in estate.vnets for n in names]


def test_verify_on_the_sample(estate: Estate, sim: DnsSimulator) -> None:
    ok = verify_connection(estate, "vnet-mendix-weu", "vnet-corp-spoke1-weu", DOMAIN, ["hr-portal", "sales"],
                           simulator=sim, ports=[443])  # fmt: skip
    assert ok.result is Result.PASS, [c.reasons for c in ok.checks]
    # The default app ports are 443 and 80, which the sample's load balancer serves; 8080 it does not.
    both = verify_connection(estate, "vnet-mendix-weu", "vnet-corp-spoke1-weu", DOMAIN, ["sales"], simulator=sim)
    assert both.result is Result.PASS and [(p.port, p.result) for p in both.ports] == [(443, Result.PASS), (80, Result.PASS)]
    other = verify_connection(estate, "vnet-mendix-weu", "vnet-corp-spoke1-weu", DOMAIN, ["sales"], simulator=sim,
                              ports=[8080])  # fmt: skip
    assert other.result is Result.FAIL and other.ports[0].blocked_by["kind"] == "lb-rule"  # type: ignore[index]
    legacy = verify_connection(estate, "vnet-mendix-weu", "vnet-legacy-apps-weu", DOMAIN, ["sales"], simulator=sim,
                               ports=[443])  # fmt: skip
    assert (legacy.method, legacy.result) == (Method.PRIVATE_LINK, Result.PASS)
    broken = verify_connection(estate, "vnet-mendix-weu", "vnet-corp-spoke2-weu", DOMAIN, ["sales"], simulator=sim)
    assert broken.result is Result.FAIL


def test_private_link_never_expects_an_endpoint_in_an_unpeered_vnet(estate: Estate, sim: DnsSimulator) -> None:
    # spoke3 has no endpoint; the only one to the Mendix PLS is in the legacy VNet, which spoke3
    # cannot reach. Its address is not what spoke3 should resolve to.
    v = verify_connection(estate, "vnet-mendix-weu", "vnet-corp-spoke3-neu", DOMAIN, ["sales"],
                          method="private-link", simulator=sim)  # fmt: skip
    assert v.result is Result.FAIL
    assert v.expected is None
    text = " ".join([*v.reasons, *(r for c in v.checks for r in c.reasons)])
    assert "no private endpoint in or peered with vnet-corp-spoke3-neu" in text
    assert "vnet-legacy-apps-weu" in text
