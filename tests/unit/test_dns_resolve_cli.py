"""``vnetplan resolve``: the JSON contract, the table, and the exit codes (0 / 1 / 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.dns.builders import APP_DOMAIN, mendix_provider
from tests.unit.builders import EstateBuilder
from vnetplan.cli import main


@pytest.fixture
def estate_file(tmp_path: Path) -> str:
    b = EstateBuilder()
    p = mendix_provider(b)
    b.vnet("spoke-linked", ["10.1.0.0/16"])
    b.vnet("spoke-custom-dns", ["10.2.0.0/16"], dns=["10.50.0.10"])
    b.zone_link(p["zone"], "spoke-linked")
    return b.write(tmp_path / "estate.json")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    rc = main(["resolve", *args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_json_has_exactly_the_documented_keys_and_exit_0(estate_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "--estate", estate_file, "--vnet", "spoke-linked", f"MyApp.{APP_DOMAIN}.", "--format", "json")
    assert rc == 0
    doc = json.loads(out)
    assert list(doc) == ["name", "vnet", "status", "addresses", "zone", "chain", "reasons"]
    assert doc["name"] == f"myapp.{APP_DOMAIN}"
    assert doc["vnet"].endswith("/virtualNetworks/spoke-linked")
    assert doc["status"] == "NOERROR"
    assert doc["addresses"] == ["10.20.0.4"]
    assert doc["zone"].endswith(f"/privateDnsZones/{APP_DOMAIN}")
    assert doc["chain"] == [{"name": f"myapp.{APP_DOMAIN}", "type": "A", "value": "10.20.0.4", "zone": doc["zone"]}]
    assert doc["reasons"] and err == ""


def test_custom_dns_is_unknown_with_exit_1(estate_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--estate", estate_file, "--vnet", "spoke-custom-dns", f"myapp.{APP_DOMAIN}", "--format", "json")
    assert rc == 1
    doc = json.loads(out)
    assert (doc["status"], doc["addresses"], doc["zone"]) == ("UNKNOWN", [], None)
    assert "depends on custom DNS servers 10.50.0.10" in doc["reasons"][-1]


def test_nodata_is_exit_1_and_the_table_explains(estate_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--estate", estate_file, "--vnet", "spoke-linked", f"myapp.{APP_DOMAIN}", "--type", "aaaa")
    assert rc == 1
    assert "status:    NOERROR" in out and "NODATA" in out


def test_table_shows_the_chain_and_why(estate_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--estate", estate_file, "--vnet", "mendix-vnet", f"myapp.{APP_DOMAIN}")
    assert rc == 0
    assert "addresses: 10.20.0.4" in out
    assert "wildcard record *" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vnet", "nope", "x.example.com"], "no VNet matches 'nope'"),
        (["--vnet", "spoke-linked", "bad..name"], "empty label"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(
    estate_file: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    rc, out, err = run(capsys, "--estate", estate_file, *args)
    assert rc == 2
    assert out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_all_vnets_matrix_json_and_table(estate_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--estate", estate_file, "--all-vnets", f"myapp.{APP_DOMAIN}", "--format", "json")
    assert rc == 1  # spoke-custom-dns cannot be determined
    doc = json.loads(out)
    assert doc["names"] == [f"myapp.{APP_DOMAIN}"] and doc["type"] == "A"
    by_vnet = {r["vnet"].rsplit("/", 1)[-1]: r for r in doc["results"]}
    assert by_vnet["spoke-linked"]["addresses"] == ["10.20.0.4"]
    assert by_vnet["mendix-vnet"]["addresses"] == ["10.20.0.4"]
    assert by_vnet["spoke-custom-dns"]["status"] == "UNKNOWN"
    rc, out, _ = run(capsys, "--estate", estate_file, "--all-vnets", f"myapp.{APP_DOMAIN}")
    assert rc == 1
    assert out.rstrip().endswith("3 VNets x 1 names: NOERROR 2, UNKNOWN 1")


@pytest.mark.parametrize(
    "args",
    [
        ["--vnet", "spoke-linked"],
        ["--vnet", "spoke-linked", "a.example.com", "b.example.com"],
        ["--all-vnets", "--vnet", "spoke-linked", "a.example.com"],
        ["--all-vnets"],
        ["--all-vnets", "--app-domain", "nothing.example.com"],
    ],
)
def test_resolve_usage_errors(estate_file: str, capsys: pytest.CaptureFixture[str], args: list[str]) -> None:
    rc, out, err = run(capsys, "--estate", estate_file, *args)
    assert rc == 2 and out == "" and err.startswith("vnetplan: error: ")
