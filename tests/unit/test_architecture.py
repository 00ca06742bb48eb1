"""The layout's promises that import-linter cannot state, checked on the source.

import-linter's contracts (pyproject.toml) say which layer may import which; these tests add what
a contract cannot: no module of ours loaded by string, and no ``except ImportError`` around a
module of ours (everything ships together).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import Any

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


def _import_graph() -> tuple[Any, list[str]]:
    import grimp

    # Type-only imports (under TYPE_CHECKING) are left out: they never run.
    graph = grimp.build_graph(*PACKAGES, include_external_packages=True, exclude_type_checking_imports=True)
    ours = sorted(m for m in graph.modules if m.split(".")[0] in PACKAGES)
    return graph, ours


def test_the_import_graph_of_our_modules_has_no_cycle() -> None:
    """Every import counts, also one inside a function: data flows one way (sources -> Estate ->
    analyses -> decisions -> actions/outputs), so no module needs one that needs it."""
    import networkx as nx

    graph, ours = _import_graph()
    g = nx.DiGraph()
    for m in ours:
        g.add_edges_from((m, t) for t in graph.find_modules_directly_imported_by(m) if t.split(".")[0] in PACKAGES)
    cycles = sorted((c for c in nx.simple_cycles(g)), key=len)
    assert cycles == [], f"import cycles, shortest first: {cycles[:5]}"


def test_only_the_live_package_imports_the_azure_sdk() -> None:
    """The Azure SDK is the live path's business (netplan.live): nothing else may import it, so
    offline commands and the analyses never load it."""
    graph, ours = _import_graph()
    offenders = sorted(m for m in ours if not m.startswith("netplan.live")
                       and any(t.split(".")[0] == "azure" for t in graph.find_modules_directly_imported_by(m)))  # fmt: skip
    assert offenders == []


def test_every_kind_in_the_table_is_parsed_kept_and_listed_from_its_one_entry() -> None:
    """A new kind is one entry in netplan.kinds plus its model class, parser and Estate field: the
    loader, the Estate, the inventory, Resource Graph and apply all follow the entry."""
    import dataclasses

    from netplan import kinds, loader
    from netplan.estate import Estate
    from netplan.live.resourcegraph import GRAPH_KINDS

    estate_fields = {f.name for f in dataclasses.fields(Estate)}
    for k in kinds.ALL:
        if k.child_of:
            assert loader._CHILD_TYPES[k.key] == k.child_of and not k.field, k
        else:
            assert loader._PARSERS[k.key][0] == k.field and k.field in estate_fields, k
        if k.ownership is not None:  # written by apply: it needs the SDK operations to read and write it
            assert k.client in ("network", "privatedns") and k.operations, k
    for rt in kinds.RECORD_TYPES:
        assert loader._PARSERS[kinds.record_kind(rt).key][0] == "record_sets"
    assert set(loader.MODELLED_TYPES) == {k.key for k in kinds.ALL} | {kinds.record_kind(rt).key for rt in kinds.RECORD_TYPES}
    assert set(GRAPH_KINDS) == {k.key for k in kinds.ALL if k.in_graph}
