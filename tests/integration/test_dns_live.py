"""Live verification against a real DNS server: BIND on 127.0.0.1 serving zone files generated
from the estate (:mod:`netplan.dns.zonefile`), asked with dnspython through ``vnetplan verify
--nameserver``. Also a differential test: for wildcard and empty-non-terminal edge cases, BIND's
answers must equal the simulator's (RFC 4592, D6).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from netplan.dns.live import Nameserver, query
from netplan.dns.simulator import DnsSimulator, Status
from netplan.dns.zonefile import zone_file, zones_for_vnet
from netplan.estate import Estate
from tests.dns.builders import APP_DOMAIN, mendix_provider
from tests.integration.dns_server import BindServer, require_named
from tests.unit.builders import EstateBuilder
from vnetplan.cli import main

pytestmark = pytest.mark.integration

APP = f"myapp.{APP_DOMAIN}"


def builder(myapp_ip: str | None = None) -> EstateBuilder:
    """Provider + a peered, linked consumer; the zone has `*`, an explicit app and a CNAME chain."""
    b = EstateBuilder()
    p = mendix_provider(b)
    b.record(p["zone"], "crm", "A", ["10.20.0.4"])
    b.record(p["zone"], "portal", "CNAME", ["portal-host.corp.internal"])
    if myapp_ip:
        b.record(p["zone"], "myapp", "A", [myapp_ip])
    corp = b.zone("corp.internal")
    b.record(corp, "portal-host", "A", ["10.20.0.4"])
    b.vnet("corp-spoke-1", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24"})
    b.peer("corp-spoke-1", "mendix-vnet")
    b.zone_link(p["zone"], "corp-spoke-1")
    b.zone_link(corp, "corp-spoke-1")
    return b


def served_zones(estate: Estate, vnet: str) -> dict[str, str]:
    """The zone files of what ``vnet`` resolves: a stand-in for Azure DNS as that VNet sees it."""
    v = estate.resolve_vnet(vnet)
    sim = DnsSimulator(estate)
    return {z.name: zone_file(estate, z, simulator=sim) for z in zones_for_vnet(estate, v)}


@pytest.fixture
def named() -> str:
    return require_named()


@pytest.fixture
def server(tmp_path: Path, named: str) -> Iterator[BindServer]:
    with BindServer(served_zones(builder().estate(), "corp-spoke-1"), tmp_path / "bind", named) as s:
        yield s


def verify(capsys: pytest.CaptureFixture[str], estate_file: str, ns: str, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    rc = main([
        "verify", "--estate", estate_file, "--app-domain", APP_DOMAIN, "--provider", "mendix-vnet",
        "--consumer", "corp-spoke-1", "--app", "myapp", "--app", "crm", "--app", "portal",
        "--nameserver", ns, "--format", "json", *extra,
    ])  # fmt: skip
    return rc, json.loads(capsys.readouterr().out)


def test_pass_when_the_live_server_agrees_with_the_simulation(
    server: BindServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = builder().write(tmp_path / "estate.json")
    rc, doc = verify(capsys, f, server.address)
    checks = doc["connections"][0]["checks"]
    assert rc == 0, [c["reasons"] for c in checks]
    assert doc["result"] == "PASS"
    assert [c["name"] for c in checks] == [APP, f"crm.{APP_DOMAIN}", f"portal.{APP_DOMAIN}"]
    for c in checks:
        (live,) = c["live"]
        assert live["status"] == "NOERROR" and live["addresses"] == ["10.20.0.4"]
        assert any(r.startswith(f"live DNS {server.address} agrees: 10.20.0.4") for r in c["reasons"])
    # The CNAME across two zones is followed live too.
    assert checks[2]["live"][0]["cnames"] == ["portal-host.corp.internal"]


def test_fail_when_the_served_record_differs_names_both_addresses(
    tmp_path: Path, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # The server holds a record someone changed by hand; the snapshot still says the wildcard.
    changed = served_zones(builder(myapp_ip="10.20.0.99").estate(), "corp-spoke-1")
    f = builder().write(tmp_path / "estate.json")
    with BindServer(changed, tmp_path / "bind", named) as s:
        rc, doc = verify(capsys, f, s.address)
    assert rc == 1 and doc["result"] == "FAIL"
    myapp, crm, _portal = doc["connections"][0]["checks"]
    assert myapp["result"] == "FAIL"
    assert any(
        r == f"live DNS {s.address} answers 10.20.0.99, the simulation says 10.20.0.4 (zone {APP_DOMAIN}, record *)"
        for r in myapp["reasons"]
    ), myapp["reasons"]
    assert crm["result"] == "PASS"  # only the changed name fails


def test_fail_with_timeout_when_the_server_is_stopped(
    server: BindServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address = server.address
    server.stop()
    f = builder().write(tmp_path / "estate.json")
    rc, doc = verify(capsys, f, address, "--timeout", "0.3", "--retries", "1")
    assert rc == 1 and doc["result"] == "FAIL"
    for c in doc["connections"][0]["checks"]:
        assert c["live"][0]["status"] == "TIMEOUT"
        assert any(r.startswith(f"live DNS {address}: TIMEOUT (no answer within 0.3s, 2 attempt(s))") for r in c["reasons"])


def test_table_shows_simulated_and_live_side_by_side(
    server: BindServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = builder().write(tmp_path / "estate.json")
    rc = main(["verify", "--estate", f, "--app-domain", APP_DOMAIN, "--provider", "mendix-vnet",
               "--consumer", "corp-spoke-1", "--app", "myapp", "--nameserver", server.address])  # fmt: skip
    out = capsys.readouterr().out
    assert rc == 0
    header, _rule, row = out.splitlines()[:3]
    assert header.split()[:8] == ["consumer", "name", "method", "expected", "simulated", "live", "result", "why"]
    assert row.split()[:8] == ["corp-spoke-1", APP, "peering", "10.20.0.4", "10.20.0.4", server.address, "10.20.0.4", "PASS"]


def test_tcp_fallback_on_truncation(tmp_path: Path, named: str) -> None:
    # 90 addresses (BIND allows up to 100 per RRset) do not fit in a 1232-byte EDNS UDP answer:
    # the server sets TC and the query is repeated over TCP.
    many = "\n".join(f"big.example.internal. 60 IN A 10.1.0.{i + 1}" for i in range(90))
    text = ("$ORIGIN example.internal.\n$TTL 60\n@ IN SOA localhost. h.example.internal. 1 3600 300 2419200 10\n"
            f"@ IN NS localhost.\n{many}\n")  # fmt: skip
    with BindServer({"example.internal": text}, tmp_path / "bind", named) as s:
        a = query(Nameserver("127.0.0.1", s.port), "big.example.internal", timeout=2)
    assert a.status == "NOERROR" and a.transport == "tcp"
    assert len(a.addresses) == 90


def test_bind_and_the_simulator_agree_on_wildcard_edge_cases(tmp_path: Path, named: str) -> None:
    b = EstateBuilder()
    b.vnet("v", ["10.1.0.0/16"])
    z = b.zone("edge.internal")
    b.record(z, "*", "A", ["10.0.0.1"])
    b.record(z, "explicit", "A", ["10.0.0.2"])
    b.record(z, "x.ent", "A", ["10.0.0.3"])  # makes ent.edge.internal an empty non-terminal
    b.record(z, "*.wild", "A", ["10.0.0.4"])
    b.record(z, "alias", "CNAME", ["explicit.edge.internal"])
    b.record(z, "*.cn", "CNAME", ["x.ent.edge.internal"])
    b.record(z, "v6only", "AAAA", ["fd00::1"])
    b.zone_link(z, "v")
    e = b.estate()
    sim = DnsSimulator(e)
    names = [
        "explicit", "anything", "a.b.c", "ent", "y.ent", "x.ent", "z.x.ent", "wild", "q.wild", "q.r.wild",
        "*.wild", "alias", "k.cn", "v6only", "z.v6only", "edge.internal",
    ]
    with BindServer(served_zones(e, "v"), tmp_path / "bind", named) as s:
        ns = Nameserver("127.0.0.1", s.port)
        for label in names:
            fq = label if label == "edge.internal" else f"{label}.edge.internal"
            simulated = sim.resolve("v", fq)
            live = query(ns, fq)
            assert simulated.status is not Status.UNKNOWN
            assert (live.status, set(live.addresses)) == (simulated.status.value, set(simulated.addresses)), fq


def test_a_missing_dns_server_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.integration import dns_server

    monkeypatch.setattr(dns_server, "find_named", lambda: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must install it"):
        dns_server.require_named()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        dns_server.require_named()


def test_sample_estate_verified_against_bind_serving_its_zones(
    tmp_path: Path, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = Path(__file__).resolve().parents[2] / "samples" / "mendix-estate.json"
    from netplan.loader import load_estate

    zones = served_zones(load_estate([sample]), "vnet-corp-spoke1-weu")
    assert sorted(zones) == [APP_DOMAIN, "privatelink.blob.core.windows.net", "privatelink.postgres.database.azure.com"]
    with BindServer(zones, tmp_path / "bind", named) as s:
        rc = main(["verify", "--estate", str(sample), "--app-domain", APP_DOMAIN, "--provider", "vnet-mendix-weu",
                   "--consumer", "vnet-corp-spoke1-weu", "--app", "hr-portal", "--app", "sales",
                   "--nameserver", s.address, "--format", "json"])  # fmt: skip
        doc = json.loads(capsys.readouterr().out)
        pl = query(Nameserver("127.0.0.1", s.port), "psql-orders-weu.privatelink.postgres.database.azure.com")
    assert rc == 0, doc
    assert [c["live"][0]["addresses"] for c in doc["connections"][0]["checks"]] == [["10.20.0.250"], ["10.20.0.250"]]
    assert pl.addresses == ("10.110.2.4",)


@pytest.fixture
def servfail_server() -> Iterator[int]:
    """A UDP responder on 127.0.0.1 that answers every query with SERVFAIL (a broken resolver)."""
    import socket
    import threading

    import dns.message
    import dns.rcode

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except OSError:
                continue
            reply = dns.message.make_response(dns.message.from_wire(data))
            reply.set_rcode(dns.rcode.SERVFAIL)
            sock.sendto(reply.to_wire(), peer)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield sock.getsockname()[1]
    stop.set()
    t.join()
    sock.close()


def test_fail_with_servfail_names_the_resolver(servfail_server: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = builder().write(tmp_path / "estate.json")
    ns = f"127.0.0.1:{servfail_server}"
    rc, doc = verify(capsys, f, ns, "--timeout", "1")
    assert rc == 1 and doc["result"] == "FAIL"
    for c in doc["connections"][0]["checks"]:
        assert c["live"][0]["status"] == "SERVFAIL"
        assert any(r.startswith(f"live DNS {ns}: SERVFAIL") and "the simulation says 10.20.0.4" in r for r in c["reasons"])
