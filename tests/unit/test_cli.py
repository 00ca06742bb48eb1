"""The command-line contract every subcommand shares: exit codes, stderr-only diagnostics."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vnetplan.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_every_registered_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out
    assert "Exit codes: 0" in out


def test_usage_errors_exit_2_with_one_line_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "vnetplan: error:" in captured.err


#: Commands that do not read a snapshot given with --estate (they talk to Azure or list metadata).
NO_ESTATE = {"inventory", "rules", "apply"}


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_estate_file_is_exit_2_without_traceback(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.json"
    # --help in this process (the parser is the same; `python -m netplan` is tested on its own)...
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert ("--estate" in capsys.readouterr().out) == (command not in NO_ESTATE), command
    if command in NO_ESTATE:
        return
    # ... the failure in a real process: exit 2 and no traceback, whatever the entry point does.
    args = [sys.executable, "-m", "netplan", command, "--estate", str(missing)]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2, (command, proc.stderr)
    assert "Traceback" not in proc.stderr
    # argparse may complain first about other required arguments; either way one clear line.
    assert str(missing) in proc.stderr or "required" in proc.stderr or "error:" in proc.stderr
    assert proc.stdout == ""


def test_python_dash_m_netplan_is_the_same_cli() -> None:
    proc = subprocess.run([sys.executable, "-m", "netplan", "--version"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.startswith("vnetplan ")


def test_a_ca_bundle_that_is_not_there_is_one_line_and_nothing_is_sent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped --ca-bundle path is the user's input error (exit 2, naming the file), not an
    internal error from deep inside the HTTP stack."""
    missing = tmp_path / "no-such-ca.pem"
    for argv in (["apply", str(tmp_path / "plan.json"), "--yes", "--ca-bundle", str(missing), "--endpoint", "https://127.0.0.1:9"],
                 ["inventory", "--ca-bundle", str(missing), "--endpoint", "https://127.0.0.1:9", "--out", str(tmp_path / "x.json")]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"vnetplan: error: {missing}: no such file (--ca-bundle)"]
