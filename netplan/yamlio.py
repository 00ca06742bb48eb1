"""YAML/JSON input files with line numbers, so errors can say "file:line: field: problem".

Declarations and intent files are small and written by hand; when one is wrong the user needs the
line. :func:`load_with_lines` parses once (libyaml's C parser when PyYAML has it) to the node tree,
builds the data from it (safe constructor), and returns a map from each value's path (a tuple of
keys and indexes) to its 1-based line.

PyYAML is imported when a file is read, not with this module (as in :mod:`netplan.bounds`): the
loader imports this module, but a command given a JSON snapshot alone reads no YAML, and importing
PyYAML costs every such command's start-up about 30 ms (issue 15).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from netplan.bounds import check_yaml_text
from netplan.errors import InputError

if TYPE_CHECKING:
    import yaml

PathKey = tuple[str | int, ...]


def _walk(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], yaml: Any) -> None:
    """Record the line of ``node`` and of everything under it (``yaml``: the PyYAML module)."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else str(k.start_mark.line)
            lines[(*path, key)] = k.start_mark.line + 1
            _walk(v, (*path, key), lines, yaml)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _walk(v, (*path, i), lines, yaml)


def load_with_lines(path: str | Path) -> tuple[Any, dict[PathKey, int]]:
    """Load a YAML (or JSON, a subset) file. Errors raise :class:`InputError` naming the line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), "", f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "", "not UTF-8 text") from None

    import yaml  # deferred: see the module's docstring

    check_yaml_text(text, str(path))  # alias bombs, huge scalars, deep nesting: refused before loading
    # The safe loader, on libyaml's C parser when PyYAML was built with it (same data, same marks).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputError(str(path), where, f"invalid YAML: {' '.join(str(exc.problem or exc.context).split())}") from None
    except yaml.YAMLError as exc:
        raise InputError(str(path), "", f"invalid YAML: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()
    lines: dict[PathKey, int] = {}
    if node is not None:
        _walk(node, (), lines, yaml)
    return data, lines


def where(path: PathKey, lines: dict[PathKey, int]) -> str:
    """``line 12: connections[0].consumer`` for a path (the nearest known line)."""
    dotted = ""
    for part in path:
        dotted += f"[{part}]" if isinstance(part, int) else (f".{part}" if dotted else str(part))
    probe = path
    while probe and probe not in lines:
        probe = probe[:-1]
    line = lines.get(probe)
    if line is None:
        return dotted
    return f"line {line}: {dotted}" if dotted else f"line {line}"
