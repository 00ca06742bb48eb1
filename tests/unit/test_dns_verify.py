"""Verification: expected target from the estate, simulated answer, reachability, live comparison.

Consumers are named for the case (``pass_*`` / ``fail_*`` / ``unknown_*``).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from netplan.dns.live import LiveAnswer, Nameserver, parse_nameserver
from netplan.dns.simulator import DnsSimulator
from netplan.errors import RefError, UsageError
from netplan.verify import Method, Result, check_name, expected_target, verify_connection, verify_service
from tests.dns.builders import APP_DOMAIN, mendix_provider
from tests.unit.builders import EstateBuilder
from vnetplan.cli import main

APP = f"myapp.{APP_DOMAIN}"


def estate_builder() -> tuple[EstateBuilder, dict[str, str]]:
    b = EstateBuilder()
    p = mendix_provider(b)
    for name, n in (("pass_peered", 1), ("fail_initiated", 2), ("fail_not_linked", 3), ("unknown_custom_dns", 4)):
        b.vnet(name, [f"10.{n}.0.0/16"], subnets={"app": f"10.{n}.1.0/24"},
               dns=["10.99.0.53"] if name == "unknown_custom_dns" else ())
    b.peer("pass_peered", "mendix-vnet")
    b.peer("fail_initiated", "mendix-vnet", state="Initiated")
    b.peer("fail_not_linked", "mendix-vnet")
    b.peer("unknown_custom_dns", "mendix-vnet")
    for name in ("pass_peered", "fail_initiated", "unknown_custom_dns"):
        b.zone_link(p["zone"], name)
    return b, p


@pytest.fixture(scope="module")
def estate():  # type: ignore[no-untyped-def]
    return estate_builder()[0].estate()


def test_pass_peered_and_linked_consumer(estate) -> None:  # type: ignore[no-untyped-def]
    v = verify_connection(estate, "mendix-vnet", "pass_peered", APP_DOMAIN, ["myapp"])
    assert v.result is Result.PASS
    assert v.method is Method.PEERING
    assert v.expected is not None and v.expected.addresses == ("10.20.0.4",)
    (c,) = v.checks
    assert (c.name, c.result, c.reachable) == (APP, Result.PASS, True)
    assert "resolves to 10.20.0.4 (zone azure.mendixapps.io, record *), reachable" in c.reasons[0]


def test_fail_initiated_peering_names_the_unreachable_frontend(estate) -> None:  # type: ignore[no-untyped-def]
    v = verify_connection(estate, "mendix-vnet", "fail_initiated", APP_DOMAIN, ["myapp"])
    assert v.result is Result.FAIL
    (c,) = v.checks
    assert c.reachable is False
    assert c.reasons[0].startswith(
        "resolves to 10.20.0.4 (zone azure.mendixapps.io, record *), but that LB frontend is not reachable: "
    )
    assert "Initiated" in c.reasons[0]


def test_fail_peered_but_not_linked_does_not_resolve(estate) -> None:  # type: ignore[no-untyped-def]
    v = verify_connection(estate, "mendix-vnet", "fail_not_linked", APP_DOMAIN, ["myapp"])
    assert v.result is Result.FAIL
    assert "does not resolve from fail_not_linked to 10.20.0.4: PUBLIC" in v.checks[0].reasons[0]


def test_fail_unlinked_and_unpeered_says_fixing_dns_is_not_enough() -> None:
    b, _ = estate_builder()
    b.vnet("fail_both", ["10.8.0.0/16"], subnets={"app": "10.8.1.0/24"})
    b.peer("fail_both", "mendix-vnet", state="Initiated")
    c = verify_connection(b.estate(), "mendix-vnet", "fail_both", APP_DOMAIN, ["myapp"]).checks[0]
    assert c.result is Result.FAIL
    assert "not linked to this VNet (D1" in c.reasons[0]
    assert c.reasons[1].startswith("fixing DNS is not enough: the expected target 10.20.0.4 is not reachable either: ")
    assert "Initiated" in c.reasons[1]


def test_unknown_when_the_consumer_uses_custom_dns(estate) -> None:  # type: ignore[no-untyped-def]
    v = verify_connection(estate, "mendix-vnet", "unknown_custom_dns", APP_DOMAIN, ["myapp"])
    assert v.result is Result.UNKNOWN
    assert "depends on custom DNS servers 10.99.0.53" in v.checks[0].reasons[0]


def test_fail_record_pointing_elsewhere_names_both_addresses() -> None:
    b, p = estate_builder()
    b.record(p["zone"], "myapp", "A", ["10.20.0.99"])
    v = verify_connection(b.estate(), "mendix-vnet", "pass_peered", APP_DOMAIN, ["myapp"])
    assert v.result is Result.FAIL
    assert "resolves to 10.20.0.99 (zone azure.mendixapps.io, record myapp), expected 10.20.0.4" in v.checks[0].reasons[0]


def test_default_names_are_the_explicit_records_else_a_wildcard_probe(estate) -> None:  # type: ignore[no-untyped-def]
    v = verify_connection(estate, "mendix-vnet", "pass_peered", APP_DOMAIN)
    assert [c.name for c in v.checks] == [f"vnetplan-check.{APP_DOMAIN}"]
    b, p = estate_builder()
    b.record(p["zone"], "crm", "A", ["10.20.0.4"])
    b.record(p["zone"], "erp", "A", ["10.20.0.4"])
    v2 = verify_connection(b.estate(), "mendix-vnet", "pass_peered", APP_DOMAIN)
    assert [c.name for c in v2.checks] == [f"crm.{APP_DOMAIN}", f"erp.{APP_DOMAIN}"]
    assert v2.result is Result.PASS


# ---------------------------------------------------------------- Private Link


def private_link_builder(status: str = "Approved") -> EstateBuilder:
    """A consumer whose address space overlaps the provider's: only Private Link can connect them."""
    b = EstateBuilder()
    p = mendix_provider(b, wildcard=False)
    pls = b.pls("mendix-pls", p["frontend"], "mendix-vnet", "pls-nat", "10.20.8.5", rg="rg-mendix")
    b.vnet("pass_overlapping_pl", ["10.20.0.0/16"], rg="rg-corp", subnets={"pe": "10.20.5.0/24"})
    b.pe("pe-mendix", "pass_overlapping_pl", "pe", "10.20.5.5", pls, rg="rg-corp", status=status)
    zone = b.zone(APP_DOMAIN, rg="rg-corp-dns")
    b.record(zone, "*", "A", ["10.20.5.5"])
    b.zone_link(zone, "pass_overlapping_pl")
    return b


def test_pass_private_link_expects_the_endpoint_ip_in_the_consumer() -> None:
    e = private_link_builder().estate()
    v = verify_connection(e, "mendix-vnet", "pass_overlapping_pl", APP_DOMAIN, ["myapp"])
    assert v.method is Method.PRIVATE_LINK
    assert v.expected is not None and v.expected.addresses == ("10.20.5.5",)
    assert v.result is Result.PASS, v.checks[0].reasons


def test_fail_private_link_endpoint_pending_approval() -> None:
    e = private_link_builder("Pending").estate()
    v = verify_connection(e, "mendix-vnet", "pass_overlapping_pl", APP_DOMAIN, ["myapp"])
    assert v.result is Result.FAIL
    assert any("Pending, not Approved" in r for r in v.reasons)


def test_fail_private_link_forced_without_a_pls() -> None:
    b, _ = estate_builder()
    e = b.estate()
    exp, method, _, failures = expected_target(e, e.resolve_vnet("mendix-vnet"), e.resolve_vnet("pass_peered"),
                                               APP_DOMAIN, "private-link")
    assert exp is None and method is Method.PRIVATE_LINK
    assert failures == ["Private Link: no Private Link Service is attached to LB frontend fe of mendix-ilb"]


def test_several_frontends_need_a_choice_unless_the_zone_points_at_one() -> None:
    def build(record_ip: str) -> EstateBuilder:
        b = EstateBuilder()
        b.vnet("prov", ["10.20.0.0/16"], subnets={"a": "10.20.0.0/24"})
        b.lb("ilb", "prov", "a", "10.20.0.4", extra_frontends=[("fe2", "a", "10.20.0.5")])
        b.vnet("cons", ["10.1.0.0/16"])
        b.peer("cons", "prov")
        z = b.zone(APP_DOMAIN)
        b.record(z, "*", "A", [record_ip])
        b.zone_link(z, "cons")
        return b

    ambiguous = build("10.20.0.9").estate()
    v = verify_connection(ambiguous, "prov", "cons", APP_DOMAIN, ["x"])
    assert v.result is Result.UNKNOWN and v.expected is None
    assert "name one with --lb-frontend" in v.reasons[0]
    picked = verify_connection(ambiguous, "prov", "cons", APP_DOMAIN, ["x"], lb_frontend="10.20.0.5")
    assert picked.expected is not None and picked.expected.addresses == ("10.20.0.5",)
    assert picked.result is Result.FAIL  # the zone points at 10.20.0.9
    with pytest.raises(RefError):
        verify_connection(ambiguous, "prov", "cons", APP_DOMAIN, ["x"], lb_frontend="10.20.0.6")
    pointed = verify_connection(build("10.20.0.5").estate(), "prov", "cons", APP_DOMAIN, ["x"])
    assert pointed.expected is not None and pointed.expected.addresses == ("10.20.0.5",)
    assert pointed.result is Result.PASS


# ---------------------------------------------------------------- live comparison (fake resolver)


def fake(status: str, *addresses: str, detail: str = "") -> object:
    def query(ns: Nameserver, name: str, rtype: str = "A", *, timeout: float, retries: int) -> LiveAnswer:
        return LiveAnswer(str(ns), name, rtype, status, addresses, (), "udp", detail)

    return query


@pytest.mark.parametrize(
    ("live", "result", "text"),
    [
        (fake("NOERROR", "10.20.0.4"), Result.PASS, "live DNS 10.0.0.53:53 agrees: 10.20.0.4"),
        (fake("NOERROR", "10.20.0.77"), Result.FAIL,
         "live DNS 10.0.0.53:53 answers 10.20.0.77, the simulation says 10.20.0.4 (zone azure.mendixapps.io, record *)"),
        (fake("TIMEOUT", detail="no answer within 1s, 2 attempt(s)"), Result.FAIL,
         "live DNS 10.0.0.53:53: TIMEOUT (no answer within 1s, 2 attempt(s))"),
        (fake("SERVFAIL"), Result.FAIL, "live DNS 10.0.0.53:53: SERVFAIL"),
        (fake("NXDOMAIN"), Result.FAIL, "live DNS 10.0.0.53:53 answers NXDOMAIN, the simulation says 10.20.0.4"),
    ],
)
def test_live_answer_is_compared_side_by_side(estate, live: object, result: Result, text: str) -> None:  # type: ignore[no-untyped-def]
    exp, _, _, _ = expected_target(estate, estate.resolve_vnet("mendix-vnet"), estate.resolve_vnet("pass_peered"), APP_DOMAIN)
    c = check_name(estate, DnsSimulator(estate), estate.resolve_vnet("pass_peered"), APP, exp,
                   nameservers=[parse_nameserver("10.0.0.53")], timeout=1, query=live)  # type: ignore[arg-type]
    assert c.result is result
    assert any(r.startswith(text) for r in c.reasons), c.reasons


def test_parse_nameserver_forms_and_errors() -> None:
    assert parse_nameserver("127.0.0.1:5353") == Nameserver("127.0.0.1", 5353)
    assert parse_nameserver("168.63.129.16") == Nameserver("168.63.129.16", 53)
    assert parse_nameserver("[::1]:5353") == Nameserver("::1", 5353)
    assert parse_nameserver("fd00::53") == Nameserver("fd00::53", 53)
    for bad in ("dns.example.com", "127.0.0.1:0", "127.0.0.1:x"):
        with pytest.raises(UsageError):
            parse_nameserver(bad)


# ---------------------------------------------------------------- TCP probe (loopback only)


@pytest.fixture
def listener() -> Iterator[int]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                conn.close()
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join()
    srv.close()


def loopback_estate() -> EstateBuilder:
    """A provider whose LB frontend is 127.0.0.1, so the probe stays on this machine."""
    b = EstateBuilder()
    b.vnet("prov", ["127.0.0.0/16"], subnets={"a": "127.0.0.0/24"})
    b.lb("ilb", "prov", "a", "127.0.0.1")
    z = b.zone(APP_DOMAIN)
    b.record(z, "*", "A", ["127.0.0.1"])
    b.zone_link(z, "prov")
    return b


@pytest.mark.integration  # starts a TCP listener on loopback
def test_probe_tcp_pass_and_fail(listener: int) -> None:
    e = loopback_estate().estate()
    ok = verify_connection(e, "prov", "prov", APP_DOMAIN, ["myapp"], probe_tcp=listener, timeout=1)
    assert ok.result is Result.PASS, ok.checks[0].reasons
    assert ok.checks[0].probes[0].ok
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    bad = verify_connection(e, "prov", "prov", APP_DOMAIN, ["myapp"], probe_tcp=closed, timeout=1)
    assert bad.result is Result.FAIL
    assert any(r.startswith(f"TCP 127.0.0.1:{closed} failed") for r in bad.checks[0].reasons)


# ---------------------------------------------------------------- CLI


def test_cli_json_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = estate_builder()[0].write(tmp_path / "e.json")
    base = ["verify", "--estate", f, "--app-domain", APP_DOMAIN, "--provider", "mendix-vnet", "--app", "myapp"]
    assert main([*base, "--consumer", "pass_peered", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["result"] == "PASS"
    (conn,) = doc["connections"]
    assert conn["checks"][0]["simulated"]["addresses"] == ["10.20.0.4"]
    assert main([*base, "--consumer", "pass_peered", "--consumer", "fail_initiated"]) == 1
    out = capsys.readouterr().out
    assert "pass_peered" in out and "fail_initiated" in out and out.rstrip().endswith("result: FAIL")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "verify needs --consumer"),
        (["--consumer", "pass_peered", "--nameserver", "ns.example.com"], "expected an IP address"),
        (["--consumer", "pass_peered", "--timeout", "0"], "--timeout must be positive"),
        (["--consumer", "nope"], "no VNet matches 'nope'"),
    ],
)
def test_cli_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str) -> None:
    f = estate_builder()[0].write(tmp_path / "e.json")
    rc = main(["verify", "--estate", f, "--app-domain", APP_DOMAIN, "--provider", "mendix-vnet", *extra])
    err = capsys.readouterr()
    assert rc == 2 and err.out == ""
    assert message in err.err


def test_cli_intent_verifies_every_declared_connection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = estate_builder()[0].write(tmp_path / "e.json")
    intent = tmp_path / "intent.yaml"
    intent.write_text(
        "version: 1\n"
        "provider:\n  vnet: mendix-vnet\n  load_balancer: mendix-ilb\n  app_domain: azure.mendixapps.io\n"
        "connections:\n"
        "  - consumer: pass_peered\n    apps: [myapp, crm]\n"
        "  - consumer: fail_initiated\n    apps: '*'\n"
    )
    rc = main(["verify", "--estate", f, "--intent", str(intent), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 1 and doc["result"] == "FAIL"
    first, second = doc["connections"]
    assert first["consumer"].endswith("/pass_peered") and first["result"] == "PASS"
    assert [c["name"] for c in first["checks"]] == [APP, f"crm.{APP_DOMAIN}"]
    assert second["consumer"].endswith("/fail_initiated") and second["result"] == "FAIL"
    assert [c["name"] for c in second["checks"]] == [f"vnetplan-check.{APP_DOMAIN}"]
    assert main(["verify", "--estate", f, "--intent", str(intent), "--provider", "mendix-vnet"]) == 2


# ---------------------------------------------------------------- internal services (provider -> service)


def services_builder(*, with_pe: bool = True, link_corp_zone: bool = True) -> EstateBuilder:
    """The provider's apps reach a corporate database through Private Link, and an API by a linked zone."""
    b, _ = estate_builder()
    b.subnet("mendix-vnet", "pe", "10.20.6.0/24")
    b.vnet("corp-data", ["10.40.0.0/16"], subnets={"db": "10.40.1.0/24", "nat": "10.40.9.0/28"})
    db_fe = b.lb("db-ilb", "corp-data", "db", "10.40.1.10")
    pls = b.pls("db-pls", db_fe, "corp-data", "nat", "10.40.9.5")
    if with_pe:
        b.pe("pe-db", "mendix-vnet", "pe", "10.20.6.5", pls, rg="rg-mendix")
    corp = b.zone("corp.internal")
    b.record(corp, "db", "A", ["10.20.6.5"])
    b.record(corp, "api", "A", ["10.1.1.20"])  # a VM in pass_peered, which is peered with the provider
    b.nic("api-nic", "pass_peered", "app", "10.1.1.20", vm="vm-api")
    if link_corp_zone:
        b.zone_link(corp, "mendix-vnet")
    return b


def test_pass_service_through_a_private_endpoint_and_a_linked_zone() -> None:
    b = services_builder()
    e = b.estate()
    pls_id = b.rid("privateLinkServices", "db-pls")
    zone_id = e.zones_named("corp.internal")[0].id
    db = verify_service(e, "mendix-vnet", "db.corp.internal", pls_id=pls_id)
    assert db.result is Result.PASS, db.check.reasons
    assert db.expected is not None and db.expected.addresses == ("10.20.6.5",)
    api = verify_service(e, "mendix-vnet", "api.corp.internal", zone_id=zone_id)
    assert api.result is Result.PASS, (api.reasons, api.check.reasons)


def test_fail_service_without_endpoint_or_zone_link() -> None:
    b = services_builder(with_pe=False, link_corp_zone=False)
    e = b.estate()
    db = verify_service(e, "mendix-vnet", "db.corp.internal", pls_id=b.rid("privateLinkServices", "db-pls"))
    assert db.result is Result.FAIL
    assert "no private endpoint in mendix-vnet connects to Private Link Service db-pls" in db.reasons
    api = verify_service(e, "mendix-vnet", "api.corp.internal", zone_id=e.zones_named("corp.internal")[0].id)
    assert api.result is Result.FAIL
    assert "private zone corp.internal is not linked to mendix-vnet (D1)" in api.reasons
    with pytest.raises(UsageError):
        verify_service(e, "mendix-vnet", "api.corp.internal")


def test_cli_intent_also_verifies_internal_services(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = services_builder().write(tmp_path / "e.json")
    intent = tmp_path / "intent.yaml"
    intent.write_text(
        "version: 1\n"
        "provider:\n  vnet: mendix-vnet\n  load_balancer: mendix-ilb\n  app_domain: azure.mendixapps.io\n"
        "connections:\n  - consumer: pass_peered\n    apps: [myapp]\n"
        "internal_services:\n"
        "  - fqdn: db.corp.internal\n    private_link_service: db-pls\n    subnet: pe\n"
        "  - fqdn: api.corp.internal\n    private_zone: corp.internal\n"
    )
    rc = main(["verify", "--estate", f, "--intent", str(intent), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0, doc
    assert [(s["fqdn"], s["via"], s["result"]) for s in doc["services"]] == [
        ("db.corp.internal", "private-endpoint", "PASS"), ("api.corp.internal", "private-zone", "PASS"),
    ]
    assert main(["verify", "--estate", f, "--intent", str(intent)]) == 0
    out = capsys.readouterr().out
    assert "service (private-endpoint)" in out and "service (private-zone)" in out
