"""docs/ci.md: the CI recipes are valid YAML, and the files their vnetplan steps would upload are
what GitHub code scanning (SARIF 2.1.0) and Azure DevOps (JUnit) accept.

Each ``vnetplan audit|drift`` command in the recipes is run as written, on the golden estate (for
``estate.json``) with the CI variables pointed at a temporary directory, and each output file is
validated: SARIF against the shipped 2.1.0 schema, JUnit by parsing it.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

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


SHELL_KEYS = ("run", "script", "inlineScript")


def commands(node: Any) -> list[str]:
    """Every ``vnetplan audit`` / ``vnetplan drift`` line in the shell steps of a workflow or pipeline."""
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k in SHELL_KEYS and isinstance(v, str):
                out += [line.strip() for line in v.splitlines() if re.match(r"\s*vnetplan (audit|drift)\b", line)]
            else:
                out += commands(v)
    elif isinstance(node, list):
        for v in node:
            out += commands(v)
    return out


def test_recipes_are_valid_yaml_with_the_expected_shape() -> None:
    gh, ado = yaml_blocks()
    assert gh["permissions"]["id-token"] == "write" and gh["permissions"]["security-events"] == "write"
    steps = gh["jobs"]["audit"]["steps"]
    assert any(s.get("uses", "").startswith("azure/login@") for s in steps)
    upload = next(s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "vnetplan.sarif" and upload["if"] == "always()"
    tasks = [s.get("task", "") for s in ado["steps"]]
    assert "PublishTestResults@2" in tasks and "AzureCLI@2" in tasks


def run_recipe_command(cmd: str, workdir: Path, intent: Path) -> tuple[int, list[Path]]:
    cmd = cmd.replace("$(Build.ArtifactStagingDirectory)", str(workdir))
    argv = shlex.split(cmd)[1:]
    argv = [str(ESTATE) if a == "estate.json" else a for a in argv]
    argv = [str(intent) if a == "network/intent.yaml" else a for a in argv]
    out = Path(argv[argv.index("--output") + 1]) if "--output" in argv else None
    if out is not None and not out.is_absolute():
        out = workdir / out
        argv[argv.index("--output") + 1] = str(out)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
    rc = main(argv)
    return rc, [out] if out is not None else []


@pytest.mark.parametrize("which", ["github", "azure-devops"])
def test_the_files_the_recipes_upload_are_accepted_formats(which: str, tmp_path: Path) -> None:
    block = yaml_blocks()[0 if which == "github" else 1]
    intent = tmp_path / "intent.yaml"
    shutil.copy(ROOT / "samples" / "clean-intent.yaml", intent)
    cmds = commands(block)
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
            assert f.read_text().startswith("## vnetplan drift")
