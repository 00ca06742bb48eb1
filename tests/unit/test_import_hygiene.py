"""Dependencies point inward, and offline commands stay light.

Each headless command runs in a fresh interpreter; afterwards neither Textual nor the Azure SDK
may be in ``sys.modules``. (import-linter checks the static import graph; this checks what really
loads, which also catches imports hidden in functions that run.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vnetplan.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "clean-estate.json"
MENDIX = ROOT / "samples" / "mendix-estate.json"
INTENT = ROOT / "samples" / "mendix-intent.yaml"

PROBE = """
import json, sys
from vnetplan.cli import main
try:
    rc = main(sys.argv[1:])
except SystemExit as exc:
    rc = exc.code
heavy = sorted({m.split('.')[0] + ('.' + m.split('.')[1] if m.startswith('azure.') and '.' in m else '')
                for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'azure.'))})
print(json.dumps({"rc": rc, "heavy": heavy}), file=sys.stderr)
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


def run_probe(args: list[str]) -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    last = proc.stderr.strip().splitlines()[-1]
    return json.loads(last)


def test_help_loads_neither_textual_nor_azure() -> None:
    out = run_probe(["--help"])
    assert out["rc"] == 0
    assert out["heavy"] == []


@pytest.mark.parametrize("command", sorted(c for c in OFFLINE if c in COMMANDS))
def test_offline_command_does_not_load_textual_or_azure_sdk(command: str) -> None:
    assert SAMPLE.exists(), "the clean sample estate is part of the repository"
    out = run_probe([command, *OFFLINE[command]])
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
