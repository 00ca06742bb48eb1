"""Golden files for the output formats of ``vnetplan resolve`` and ``vnetplan verify``.

The outputs are a contract with scripts and readers; any change must be deliberate. Regenerate
with ``VNETPLAN_UPDATE_GOLDEN=1 pytest tests/unit/test_dns_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.dns.builders import APP_DOMAIN, mendix_provider, resolver
from tests.unit.builders import EstateBuilder
from vnetplan.cli import main

GOLDEN = Path(__file__).resolve().parents[1] / "dns" / "golden"


def estate(tmp_path: Path) -> str:
    b = EstateBuilder()
    p = mendix_provider(b)
    b.record(p["zone"], "crm", "A", ["10.20.0.4"])
    b.vnet("hub", ["10.0.0.0/16"], subnets={"dns-in": "10.0.4.0/28", "pe": "10.0.5.0/24"})
    resolver(b, "dnspr-hub", "hub", "dns-in", "10.0.4.4")
    blob = b.zone("privatelink.blob.core.windows.net")
    b.record(blob, "stcorp", "A", ["10.0.5.4"])
    b.zone_link(blob, "hub")
    b.zone_link(p["zone"], "hub")
    b.vnet("corp-spoke-1", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24"}, dns=["10.0.4.4"])
    b.vnet("corp-spoke-2", ["10.2.0.0/16"], subnets={"app": "10.2.1.0/24"})
    b.vnet("corp-spoke-3", ["10.3.0.0/16"], subnets={"app": "10.3.1.0/24"}, dns=["10.3.0.53"])
    b.peer("corp-spoke-1", "mendix-vnet")
    b.peer("corp-spoke-1", "hub")  # its custom DNS server is the hub's resolver: it must reach it
    b.peer("corp-spoke-2", "mendix-vnet", state="Initiated")
    b.peer("corp-spoke-3", "mendix-vnet")
    b.zone_link(p["zone"], "corp-spoke-2")
    return b.write(tmp_path / "estate.json")


CASES = {
    "resolve_privatelink.txt": ["resolve", "--vnet", "corp-spoke-1", "stcorp.blob.core.windows.net"],
    "resolve_privatelink.json": ["resolve", "--vnet", "corp-spoke-1", "stcorp.blob.core.windows.net", "--format", "json",
                                 "--pretty"],
    "resolve_custom_dns.json": ["resolve", "--vnet", "corp-spoke-3", f"crm.{APP_DOMAIN}", "--format", "json", "--pretty"],
    "resolve_matrix.txt": ["resolve", "--all-vnets", "--app-domain", APP_DOMAIN],
    "verify.txt": ["verify", "--app-domain", APP_DOMAIN, "--provider", "mendix-vnet", "--consumer", "corp-spoke-1",
                   "--consumer", "corp-spoke-2", "--consumer", "corp-spoke-3"],
    "verify.json": ["verify", "--app-domain", APP_DOMAIN, "--provider", "mendix-vnet", "--consumer", "corp-spoke-1",
                    "--consumer", "corp-spoke-2", "--consumer", "corp-spoke-3", "--format", "json", "--pretty"],
}  # fmt: skip


@pytest.mark.parametrize("golden", sorted(CASES))
def test_output_matches_the_golden_file(golden: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("NO_COLOR", "1")
    args = CASES[golden]
    main([args[0], "--estate", estate(tmp_path), *args[1:]])
    out = capsys.readouterr().out
    path = GOLDEN / golden
    if os.environ.get("VNETPLAN_UPDATE_GOLDEN"):
        path.write_text(out)
    assert path.exists(), f"missing golden file {path}; run with VNETPLAN_UPDATE_GOLDEN=1"
    assert out == path.read_text()
