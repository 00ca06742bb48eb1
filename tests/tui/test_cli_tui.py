"""``vnetplan tui`` as a command: bad input fails before the terminal is taken over (exit 2, one line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vnetplan.cli import main
from vnetplan.commands import tui as tui_command


def test_missing_estate_file_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    assert main(["tui", "--estate", str(missing)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vnetplan: error: ") and "nope.json" in err[0]


def test_malformed_estate_names_file_and_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"value": [{"id": "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v",'
                   ' "type": "Microsoft.Network/virtualNetworks", "name": "v", "location": "westeurope",'
                   ' "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/33"]}}}]}')  # fmt: skip
    assert main(["tui", "--estate", str(bad)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "bad.json" in line and "10.0.0.0/33" in line


def test_missing_bundled_sample_is_a_clear_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        tui_command, "default_estate_path", lambda: tmp_path / "samples" / "mendix-estate.json"
    )
    assert main(["tui"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "bundled sample estate" in line and "--estate FILE" in line


def test_default_sample_is_located_next_to_the_installed_package() -> None:
    import netplan

    assert (
        tui_command.default_estate_path()
        == Path(netplan.__file__).resolve().parents[1] / "samples" / "mendix-estate.json"
    )


def test_bad_intent_exits_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[2]
    bad = tmp_path / "intent.yaml"
    bad.write_text("version: 1\nprovider:\n  vnet: rg-nowhere/vnet-missing\n")
    assert main(["tui", "--estate", str(root / "samples" / "mendix-estate.json"), "--intent", str(bad)]) == 2
    (line,) = [x for x in capsys.readouterr().err.strip().splitlines() if x.startswith("vnetplan: error")]
    assert "intent.yaml" in line


def test_ca_bundle_without_endpoint_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tui", "--ca-bundle", "ca.pem"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("vnetplan: error: ") and "--endpoint" in line


def test_plain_http_endpoint_is_refused_the_token_never_travels_in_clear(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tui", "--endpoint", "http://127.0.0.1:8080"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "https://" in line and "http://127.0.0.1:8080" in line


def test_missing_ca_bundle_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-ca.pem"
    assert main(["tui", "--endpoint", "https://127.0.0.1:1", "--ca-bundle", str(missing)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"vnetplan: error: {missing}") and "no such file" in line


def test_endpoint_and_ca_bundle_reach_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.app

    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    seen: dict[str, object] = {}

    class NotRun:
        return_code = 0

        def run(self) -> None:
            seen["ran"] = True

    def fake_create_app(estate: object, options: tui.app.TuiOptions) -> NotRun:
        seen["options"] = options
        return NotRun()

    monkeypatch.setattr(tui.app, "create_app", fake_create_app)
    assert main(["tui", "--endpoint", "https://127.0.0.1:8443", "--ca-bundle", str(ca)]) == 0
    options = seen["options"]
    assert isinstance(options, tui.app.TuiOptions) and seen["ran"]
    assert options.endpoint == "https://127.0.0.1:8443" and options.ca_bundle == str(ca)
    assert options.intent is not None  # the bundled sample's intent: the Plan tab can apply
