"""Dependencies point inward, and offline commands stay light.

Each headless command runs in a fresh interpreter; afterwards neither Textual nor the Azure SDK
may be in ``sys.modules``. (import-linter checks the static import graph; this checks what really
loads, which also catches imports hidden in functions that run.)

One interpreter imports ``vnetplan.cli`` (what every command's process does first) and forks a
child per command, so each command still starts from exactly that state, but the suite pays one
interpreter start-up for all of them instead of one each.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vnetplan.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "clean-estate.json"
MENDIX = ROOT / "samples" / "mendix-estate.json"
INTENT = ROOT / "samples" / "mendix-intent.yaml"

#: Runs each command line of the JSON list in argv[1] in a forked child of one interpreter that has
#: imported only the CLI; prints one JSON list of {"rc", "heavy"} (heavy: the Textual and Azure SDK
#: packages loaded once the command ran) as the last line of stderr.
PROBE = """
import json, os, sys
from vnetplan.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    sys.stdout.flush(); sys.stderr.flush()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            try:
                rc = main(argv)
            except SystemExit as exc:
                rc = exc.code
            heavy = sorted({m.split('.')[0] + ('.' + m.split('.')[1] if m.startswith('azure.') and '.' in m else '')
                            for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'azure.'))})
            out = {"rc": rc, "heavy": heavy}
        except BaseException as exc:
            out = {"rc": f"internal: {type(exc).__name__}: {exc}", "heavy": []}
        sys.stdout.flush(); sys.stderr.flush()
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    results.append(json.loads(data) if data else {"rc": "child died", "heavy": []})
print(json.dumps(results), file=sys.stderr)
"""

# Commands that work on a snapshot alone, with arguments that exercise their real code path.
OFFLINE = {
    "overlaps": ["--estate", str(SAMPLE)],
    "free": ["--estate", str(SAMPLE), "--size", "/24"],
    "graph": ["--estate", str(SAMPLE), "--format", "dot"],
    "audit": ["--estate", str(SAMPLE)],
    "rules": [],
    "reach": ["--estate", str(MENDIX), "vnet-corp-spoke2-weu", "10.20.0.250"],
    "routes": ["--estate", str(MENDIX), "vnet-corp-spoke1-weu/snet-app"],
    "resolve": ["--estate", str(MENDIX), "--vnet", "vnet-corp-spoke1-weu", "orders.azure.mendixapps.io"],
    "verify": ["--estate", str(MENDIX), "--intent", str(INTENT)],
    "recommend": ["--estate", str(MENDIX), "--consumer", "vnet-legacy-apps-weu", "--provider", "vnet-mendix-weu",
                  "--use-case", "expose-apps"],
    "plan": ["--estate", str(MENDIX), "--intent", str(INTENT)],
    "whatif": ["--estate", str(MENDIX), "--intent", str(INTENT)],
    "drift": ["--estate", str(MENDIX), "--baseline", str(MENDIX)],
}


def test_every_offline_command_is_covered() -> None:
    # inventory and apply talk to Azure; tui is Textual by definition.
    assert set(COMMANDS) - {"inventory", "apply", "tui"} <= set(OFFLINE)


def run_probes(runs: list[list[str]]) -> list[dict[str, Any]]:
    """Each command line of ``runs``, as its own process started from a fresh interpreter that
    imported the CLI (see :data:`PROBE`): its exit code and the heavy packages it loaded."""
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(runs)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    results: list[dict[str, Any]] = json.loads(proc.stderr.strip().splitlines()[-1])
    assert len(results) == len(runs)
    return results


CHECKED = sorted(c for c in OFFLINE if c in COMMANDS)


@pytest.fixture(scope="module")
def probed() -> dict[str, dict[str, Any]]:
    """``--help`` and every offline command, each in its own child process (one interpreter start)."""
    assert SAMPLE.exists(), "the clean sample estate is part of the repository"
    runs = {"--help": ["--help"], **{c: [c, *OFFLINE[c]] for c in CHECKED}}
    return dict(zip(runs, run_probes(list(runs.values())), strict=True))


def test_help_loads_neither_textual_nor_azure(probed: dict[str, dict[str, Any]]) -> None:
    out = probed["--help"]
    assert out["rc"] == 0
    assert out["heavy"] == []


@pytest.mark.parametrize("command", CHECKED)
def test_offline_command_does_not_load_textual_or_azure_sdk(command: str, probed: dict[str, dict[str, Any]]) -> None:
    out = probed[command]
    assert out["rc"] in (0, 1), out
    assert out["heavy"] == [], f"vnetplan {command} loaded {out['heavy']}"


def test_core_package_imports_without_ui_or_rules() -> None:
    code = (
        "import sys, pkgutil, importlib, netplan\n"
        "for m in pkgutil.walk_packages(netplan.__path__, 'netplan.'):\n"
        "    if m.name.split('.')[-1] in ('__main__',) or '.live' in m.name or m.name.endswith('.apply'):\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'tui', 'checks')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
