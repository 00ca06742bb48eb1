"""Dependencies point inward, and offline commands stay light.

Each headless command runs in a fresh interpreter; afterwards neither Textual nor the Azure SDK
may be in ``sys.modules``. (import-linter checks the static import graph; this checks what really
loads, which also catches imports hidden in functions that run.)

One interpreter imports ``vnetplan.cli`` (what every command's process does first) and forks a
child per command, so each command still starts from exactly that state, but the suite pays one
interpreter start-up for all of them instead of one each.

The CLI imports a command's module only when that command runs (``vnetplan.cli.command_module``,
its deliberate deferred imports): the read commands must not pay for the planner, the plan model
or apply, and ``--help`` must still list every command, in order, with the same text.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vnetplan.cli import COMMANDS, build_parser, command_module

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "clean-estate.json"
MENDIX = ROOT / "samples" / "mendix-estate.json"
INTENT = ROOT / "samples" / "mendix-intent.yaml"

#: Runs each command line of the JSON list in argv[1] in a forked child of one interpreter that has
#: imported only the CLI; prints one JSON list of {"rc", "heavy", "ours"} (heavy: the Textual and
#: Azure SDK packages loaded once the command ran; ours: our own modules loaded) as the last line of
#: stderr.
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
            ours = sorted(m for m in sys.modules if m.split('.')[0] in ('vnetplan', 'netplan', 'checks', 'tui'))
            out = {"rc": rc, "heavy": heavy, "ours": ours}
        except BaseException as exc:
            out = {"rc": f"internal: {type(exc).__name__}: {exc}", "heavy": [], "ours": []}
        sys.stdout.flush(); sys.stderr.flush()
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    results.append(json.loads(data) if data else {"rc": "child died", "heavy": [], "ours": []})
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
    runs = {"--help": ["--help"], **{c: [c, *OFFLINE[c]] for c in CHECKED},
            "drift --intent": ["drift", "--estate", str(MENDIX), "--intent", str(INTENT)]}  # fmt: skip
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


#: What only planning and apply need: the planner, the plan model and its writers, the IaC exports
#: and the live apply path. A command that only reads a snapshot loads none of them.
PLANNING = ("netplan.plan", "netplan.planopts", "netplan.changeset", "netplan.whatif", "netplan.verdict",
            "netplan.export", "netplan.bodies", "netplan.live.apply", "netplan.live.postapply", "netplan.live.arm")  # fmt: skip

#: The commands that only read a snapshot (the read commands of issue 15) and the rule listing.
READ_ONLY = ("overlaps", "free", "graph", "audit", "rules", "reach", "routes", "resolve", "drift")


@pytest.mark.parametrize("command", READ_ONLY)
def test_read_command_loads_neither_the_planner_nor_apply(command: str, probed: dict[str, dict[str, Any]]) -> None:
    out = probed[command]
    assert out["rc"] in (0, 1), out
    loaded = [m for m in out["ours"] if m.startswith(PLANNING)]
    assert loaded == [], f"vnetplan {command} loaded {loaded}"


@pytest.mark.parametrize("command", CHECKED)
def test_a_command_loads_its_own_module_and_only_those_it_builds_on(
    command: str, probed: dict[str, dict[str, Any]]
) -> None:
    """Each command's process imports its own module; another command's only where one builds on
    the other's code (whatif renders as plan does); the shared helpers (``_common``; ``_reporting``,
    for the commands that write a findings report) are not commands."""
    builds_on = {"whatif": {"plan"}, "apply": {"verify"}}
    loaded = {m.rsplit(".", 1)[-1] for m in probed[command]["ours"] if m.startswith("vnetplan.commands.")}
    assert loaded - {"_common", "_reporting"} == {command} | builds_on.get(command, set())


def test_drift_of_two_snapshots_loads_no_rule(probed: dict[str, dict[str, Any]]) -> None:
    """Drift reports in audit's formats but runs no rule: the rule pack is a tenth of a second of its start-up."""
    assert probed["drift"]["rc"] in (0, 1), probed["drift"]
    assert [m for m in probed["drift"]["ours"] if m.split(".")[0] == "checks"] == []


def test_drift_loads_intent_drift_and_the_planner_only_with_an_intent(probed: dict[str, dict[str, Any]]) -> None:
    """``vnetplan drift`` imports intent drift (and so the planner) where it runs, for ``--intent``."""
    assert "netplan.intentdrift" not in probed["drift"]["ours"]
    with_intent = probed["drift --intent"]
    assert with_intent["rc"] in (0, 1), with_intent
    assert {"netplan.intentdrift", "netplan.plan"} <= set(with_intent["ours"])


@pytest.mark.parametrize("command", ["audit", "drift"])
def test_reading_a_snapshot_loads_no_live_inventory(command: str, probed: dict[str, dict[str, Any]]) -> None:
    """``--live`` imports the inventory (and its thread pool) where it runs; a snapshot needs neither."""
    assert [m for m in probed[command]["ours"] if m.startswith("netplan.live.inventory")] == []


def test_overlaps_loads_no_rule_and_no_dns_simulation(probed: dict[str, dict[str, Any]]) -> None:
    loaded = [m for m in probed["overlaps"]["ours"] if m.startswith(("checks", "netplan.dns", "netplan.report"))]
    assert loaded == []


def test_every_command_module_is_registered_under_its_own_name() -> None:
    on_disk = {p.stem for p in (ROOT / "vnetplan" / "commands").glob("*.py") if not p.stem.startswith("_")}
    assert set(COMMANDS) == on_disk
    for name in COMMANDS:
        module = command_module(name)
        assert module.__name__ == f"vnetplan.commands.{name}"
        assert callable(module.register) and callable(module.run)
    with pytest.raises(KeyError):
        command_module("no-such-command")


def _commands(parser: Any) -> Any:
    return next(a for a in parser._actions if a.dest == "command")


def test_help_lists_every_command_in_order_and_each_command_reads_as_in_the_whole_parser() -> None:
    whole = build_parser()
    listed = [m[1] for m in re.finditer(r"^    (\S+)", whole.format_help(), re.MULTILINE)]
    assert listed == list(COMMANDS)
    one_line = {c.dest: c.help for c in _commands(whole)._choices_actions}
    for name in COMMANDS:
        alone = build_parser(name)
        # The top level reads the same (usage, description, epilog) but for the command list...
        assert alone.format_usage() == whole.format_usage()
        assert alone.epilog == whole.epilog and alone.description == whole.description
        # ... and the command itself exactly the same: its one-line help, its --help and its usage.
        assert [(c.dest, c.help) for c in _commands(alone)._choices_actions] == [(name, one_line[name])]
        assert _commands(alone).choices[name].format_help() == _commands(whole).choices[name].format_help()


def test_help_and_an_unknown_command_list_every_command(probed: dict[str, dict[str, Any]]) -> None:
    """The whole parser is built for ``--help`` (so it imports every command module, yet still
    neither Textual nor the Azure SDK)."""
    assert {f"vnetplan.commands.{c}" for c in COMMANDS} <= set(probed["--help"]["ours"])


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
