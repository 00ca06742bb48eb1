"""The layout's promises that import-linter cannot state, checked on the source.

import-linter's contracts (pyproject.toml) say which layer may import which; these tests add what
a contract cannot: no module of ours loaded by string, and no ``except ImportError`` around a
module of ours (everything ships together).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("vnetplan", "tui", "checks", "netplan")


def _sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_no_module_of_ours_is_loaded_by_string() -> None:
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name.endswith(("import_module", "__import__", "find_spec", "run_module")):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert offenders == []


def test_no_import_of_ours_is_guarded_by_except_import_error() -> None:
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            guarded = any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in node.handlers
            )
            ours = [
                n for stmt in node.body for n in ast.walk(stmt)
                if isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] in PACKAGES
            ]  # fmt: skip
            if guarded and ours:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
