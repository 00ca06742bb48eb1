"""docs/ci.md: the CI recipes are valid YAML that would work as written.

Every workflow grants nothing by default and each job only the permissions it uses; the OIDC
subjects the set-up creates cover every job that logs in (main, pull requests, the apply
environment); vnetplan is installed from its repository, never ``pip install vnetplan``; the actions
and Azure DevOps tasks are at their current major versions; every ``vnetplan`` command and flag in
the recipes exists in ``vnetplan <command> --help``. The audit/drift/plan commands are run as
written on the golden or sample estate with the CI variables pointed at a temporary directory, and
each output file is validated: SARIF against the shipped 2.1.0 schema, JUnit and Terraform by
parsing them.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import hcl2
import jsonschema
import pytest
import yaml

from vnetplan.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ci.md"
SCHEMA = json.loads((ROOT / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
ESTATE = ROOT / "tests" / "golden" / "audit-estate.json"


def yaml_blocks() -> list[Any]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", DOC.read_text(), re.S)]


def workflows() -> dict[str, dict[str, Any]]:
    """The GitHub workflows of the doc, by name."""
    return {b["name"]: b for b in yaml_blocks() if "jobs" in b}


def pipeline() -> dict[str, Any]:
    (ado,) = [b for b in yaml_blocks() if "pool" in b]
    return ado


#: Current major versions (looked up in the actions' and tasks' repositories, 2026-12).
ACTIONS = {"actions/checkout": "v7", "actions/setup-python": "v7", "azure/login": "v3",
           "github/codeql-action/upload-sarif": "v4"}  # fmt: skip
TASKS = {"UsePythonVersion": "0", "AzureCLI": "3", "PublishTestResults": "2", "PublishBuildArtifacts": "1"}

SHELL_KEYS = ("run", "script", "inlineScript")


def shell_lines(node: Any) -> list[str]:
    """Every line of every shell step of a workflow or pipeline."""
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in SHELL_KEYS and isinstance(v, str):
                out += [line.strip() for line in v.splitlines() if line.strip()]
            else:
                out += shell_lines(v)
    elif isinstance(node, list):
        for v in node:
            out += shell_lines(v)
    return out


def commands(node: Any, names: str = "audit|drift") -> list[str]:
    """The ``vnetplan <names>`` lines, without a trailing ``|| ...`` (an accepted exit code)."""
    return [line.split(" || ", 1)[0] for line in shell_lines(node) if re.match(rf"vnetplan ({names})\b", line)]


def steps_of(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def test_the_github_workflows_grant_each_job_only_what_it_uses() -> None:
    flows = workflows()
    assert set(flows) == {"vnetplan", "vnetplan-apply", "vnetplan-code"}
    for name, flow in flows.items():
        assert flow["permissions"] == {}, name
        for job_name, job in flow["jobs"].items():
            perms = job["permissions"]
            uses = [s.get("uses", "").split("@")[0] for s in steps_of(job)]
            assert perms.get("contents") == "read", (name, job_name)
            assert (perms.get("id-token") == "write") is ("azure/login" in uses), (name, job_name)
            assert (perms.get("security-events") == "write") is ("github/codeql-action/upload-sarif" in uses)
            assert set(perms) <= {"contents", "id-token", "security-events", "actions"}
    audit = flows["vnetplan"]["jobs"]["audit"]
    upload = next(s for s in steps_of(audit) if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "vnetplan.sarif" and upload["if"] == "always()"


def test_every_job_that_logs_in_has_a_federated_credential_subject() -> None:
    text = DOC.read_text()
    subjects = set(re.findall(r'"subject": "repo:<org>/<repo>:([^"]+)"', text))
    assert {"ref:refs/heads/main", "pull_request", "environment:network-apply"} <= subjects
    for flow in workflows().values():
        triggers = set(flow[True] if True in flow else flow["on"])  # YAML 1.1 reads "on" as True
        for job in flow["jobs"].values():
            if not any(s.get("uses", "").startswith("azure/login@") for s in steps_of(job)):
                continue
            if "environment" in job:
                needed = {f"environment:{job['environment']}"}
            else:
                cond = job.get("if", "")
                needed = set()
                if "pull_request" in triggers and "!= 'pull_request'" not in cond:
                    needed.add("pull_request")
                if triggers & {"push", "schedule"} and "== 'pull_request'" not in cond:
                    needed.add("ref:refs/heads/main")
            assert needed and needed <= subjects, (flow["name"], needed)


def test_vnetplan_is_installed_from_the_repository_and_actions_are_current() -> None:
    blocks = yaml_blocks()
    installs = [line for b in blocks for line in shell_lines(b) if line.startswith("pip install")]
    assert installs
    for line in installs:
        target = shlex.split(line)[2]
        assert "git+https://" in target or target.endswith(".whl"), line
    assert "pip install vnetplan\n" not in DOC.read_text()
    for flow in workflows().values():
        for job in flow["jobs"].values():
            for step in steps_of(job):
                if "uses" in step:
                    action, version = step["uses"].split("@")
                    assert ACTIONS.get(action) == version, step["uses"]
    for step in pipeline()["steps"]:
        if "task" in step:
            task, version = step["task"].split("@")
            assert TASKS.get(task) == version, step["task"]
        if step.get("task", "").startswith("AzureCLI@"):
            assert step["inputs"]["connectionType"] == "azureRM"


def _options(parser: argparse.ArgumentParser, command: str) -> set[str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    cmd = sub.choices[command]
    return {o for a in cmd._actions for o in a.option_strings}


def test_every_command_and_flag_in_the_recipes_exists() -> None:
    from vnetplan.cli import COMMANDS, build_parser

    parser = build_parser()
    text = DOC.read_text()
    lines = [line for b in yaml_blocks() for line in commands(b, r"[a-z-]+")]
    lines += [m.strip() for m in re.findall(r"^\s*(vnetplan [a-z-]+ .*)$", "\n".join(re.findall(r"```sh\n(.*?)```", text, re.S)), re.M)]
    assert len(lines) >= 12
    for line in lines:
        argv = shlex.split(line)
        assert argv[1] in COMMANDS, line
        flags = {a.split("=", 1)[0] for a in argv[2:] if a.startswith("--")}
        assert flags <= _options(parser, argv[1]), (line, flags - _options(parser, argv[1]))
        parser.parse_args([a.replace("$(Build.ArtifactStagingDirectory)", "/tmp") for a in argv[1:]])


def run_recipe_command(cmd: str, workdir: Path, intent: Path) -> tuple[int, list[Path]]:
    cmd = cmd.replace("$(Build.ArtifactStagingDirectory)", str(workdir))
    argv = shlex.split(cmd)[1:]
    argv = [str(ESTATE) if a == "estate.json" else a for a in argv]
    argv = [str(intent) if a == "network/intent.yaml" else a for a in argv]
    argv = [str(workdir / "plan.json") if a == "plan.json" else a for a in argv]
    out = Path(argv[argv.index("--output") + 1]) if "--output" in argv else None
    if out is not None and not out.is_absolute():
        out = workdir / out
        argv[argv.index("--output") + 1] = str(out)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    rc = main(argv)
    return rc, [out] if out is not None else []


@pytest.mark.parametrize("which", ["vnetplan", "vnetplan-apply", "vnetplan-code", "azure-devops"])
def test_the_files_the_recipes_write_are_accepted_formats(which: str, tmp_path: Path) -> None:
    block = pipeline() if which == "azure-devops" else workflows()[which]
    intent = tmp_path / "intent.yaml"
    shutil.copy(ROOT / "samples" / "clean-intent.yaml", intent)
    cmds = commands(block, "audit|drift|plan")
    assert cmds, "the recipe runs vnetplan"
    produced: list[Path] = []
    for cmd in cmds:
        if "--intent" in cmd:
            # The intent names the sample estate's VNets; drift it against that estate.
            cmd = cmd.replace("estate.json", str(ROOT / "samples" / "clean-estate.json"))
        rc, files = run_recipe_command(cmd, tmp_path, intent)
        assert rc in (0, 1), cmd
        produced += files
    assert produced
    for f in produced:
        assert f.exists(), f
        if f.suffix == ".sarif":
            jsonschema.Draft4Validator(SCHEMA).validate(json.loads(f.read_text()))
        elif f.suffix == ".xml":
            root = ET.parse(f).getroot()
            assert root.tag == "testsuites" and root.findall("./testsuite/testcase")
        elif f.suffix == ".md":
            assert f.read_text().startswith(("## vnetplan drift", "### vnetplan plan"))
        elif f.suffix == ".tf":
            doc = hcl2.loads(f.read_text())
            assert doc["resource"] and "vnetplan plan vp-" in f.read_text().splitlines()[0]
