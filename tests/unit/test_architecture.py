"""The layout's promises that import-linter cannot state, checked on the source.

import-linter's contracts (pyproject.toml) say which layer may import which; these tests add what
a contract cannot: no module of ours loaded by string, and no ``except ImportError`` around a
module of ours (everything ships together).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("vnetplan", "tui", "checks", "netplan")


@functools.cache
def _trees() -> tuple[tuple[Path, ast.Module], ...]:
    """Every module of ours, parsed once for all the tests here."""
    paths = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))
    return tuple((p, ast.parse(p.read_text(), str(p))) for p in paths)


def _called_name(call: ast.Call) -> str:
    """``import_module`` for ``importlib.import_module(...)`` or ``import_module(...)``, else ""."""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def test_no_module_of_ours_is_loaded_by_string() -> None:
    offenders = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _called_name(node)
                if name.endswith(("import_module", "__import__", "find_spec", "run_module")):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert offenders == []


def test_no_import_of_ours_is_guarded_by_except_import_error() -> None:
    offenders = []
    for path, tree in _trees():
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
