"""The command-line contract every subcommand shares: exit codes, stderr-only diagnostics."""

from __future__ import annotations

import json
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

#: ``python -m netplan ARGS`` for each ARGS of the JSON list in argv[1], each in a child forked
#: from one interpreter that has imported the CLI (what ``netplan/__main__.py`` does first): the
#: child runs the real entry module with its own stdout/stderr files and exits as the interpreter
#: would (SystemExit's code; an uncaught exception prints its traceback and exits 1). Prints one
#: JSON list of [returncode, stdout, stderr] on the real stdout.
FORKED_MAIN = """
import json, os, runpy, sys, tempfile, traceback
import vnetplan.cli
results = []
for args in json.loads(sys.argv[1]):
    sys.stdout.flush(); sys.stderr.flush()
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    pid = os.fork()
    if pid == 0:
        os.dup2(out.fileno(), 1); os.dup2(err.fileno(), 2)
        sys.argv = ["-m", *args]
        code = 0
        try:
            runpy.run_module("netplan", run_name="__main__", alter_sys=True)
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr); code = 1
        except BaseException:
            traceback.print_exc(); code = 1
        try:
            sys.stdout.flush(); sys.stderr.flush()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    texts = []
    for f in (out, err):
        f.seek(0); texts.append(f.read().decode(errors="replace")); f.close()
    results.append([os.waitstatus_to_exitcode(status), *texts])
print(json.dumps(results))
"""


def run_forked(runs: list[list[str]]) -> list[tuple[int, str, str]]:
    """``python -m netplan`` for each argument list, each its own process (see FORKED_MAIN): the
    exit code and what it wrote on stdout and stderr, for one interpreter start-up in all."""
    proc = subprocess.run([sys.executable, "-c", FORKED_MAIN, json.dumps(runs)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout)
    assert len(results) == len(runs)
    return [(rc, out, err) for rc, out, err in results]


@pytest.fixture(scope="module")
def missing_estate_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple[int, str, str]]]:
    """Every command that reads --estate, given one that is not there, each in a real process."""
    missing = tmp_path_factory.mktemp("cli") / "nope.json"
    runs = {c: [c, "--estate", str(missing)] for c in COMMANDS if c not in NO_ESTATE}
    # Two more for the runner's own test below.
    runs |= {"--version": ["--version"], "no-such-command": ["no-such-command"]}
    return missing, dict(zip(runs, run_forked(list(runs.values())), strict=True))


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_estate_file_is_exit_2_without_traceback(
    command: str, missing_estate_runs: tuple[Path, dict[str, tuple[int, str, str]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # --help in this process (the parser is the same; `python -m netplan` is tested on its own)...
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert ("--estate" in capsys.readouterr().out) == (command not in NO_ESTATE), command
    if command in NO_ESTATE:
        return
    # ... the failure in a real process: exit 2 and no traceback, whatever the entry point does.
    missing, runs = missing_estate_runs
    returncode, stdout, stderr = runs[command]
    assert returncode == 2, (command, stderr)
    assert "Traceback" not in stderr
    # argparse may complain first about other required arguments; either way one clear line.
    assert str(missing) in stderr or "required" in stderr or "error:" in stderr
    assert stdout == ""


def test_the_forked_process_reports_what_a_process_would(
    missing_estate_runs: tuple[Path, dict[str, tuple[int, str, str]]],
) -> None:
    """The runner can fail a test: exit codes and both streams come back apart, per process."""
    runs = missing_estate_runs[1]
    version, unknown = runs["--version"], runs["no-such-command"]
    assert version[0] == 0 and version[1].startswith("vnetplan ") and version[2] == ""
    assert unknown[0] == 2 and "vnetplan: error:" in unknown[2] and unknown[1] == ""


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


def test_main_hands_the_collector_back_as_it_found_it(capsys: pytest.CaptureFixture[str]) -> None:
    """main() keeps the collector waiting while the command's modules are imported and freezes what
    it made; a caller that goes on (a test, a script) gets the collector back, enabled as it was and
    with nothing frozen, after a run, a usage error and a bad input alike."""
    import contextlib
    import gc

    sample = str(Path(__file__).resolve().parents[2] / "samples" / "mendix-estate.json")
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            for argv in (["overlaps", "--estate", sample], ["overlaps", "--no-such-option"], ["overlaps", "--estate", "/nonexistent.json"]):
                with contextlib.suppress(SystemExit):
                    main(argv)
                assert gc.isenabled() is enabled and gc.get_freeze_count() == 0, argv
        finally:
            gc.enable()
    capsys.readouterr()
