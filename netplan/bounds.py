"""Bounds on hostile input: YAML alias bombs, huge scalars, deep nesting, oversized documents.

Intent and declaration files are YAML written by hand, plans and snapshots are JSON: all of them
may come from someone else (a pull request, a shared drive). A few hundred bytes of YAML aliases
("billion laughs") expand into billions of nodes the moment anything walks them; a JSON document
nested ten thousand levels deep ends Python's parser in a ``RecursionError``. The checks here run
before (YAML: on the parser's event stream, which never expands an alias) or right after (JSON:
iteratively) parsing, and turn each into one :class:`~netplan.errors.InputError` naming the file
and the place.

The promise: no input file makes a command run out of memory, recurse out of the stack or hang on
expansion; the limits are far above anything a real estate, intent or plan needs.
"""

from __future__ import annotations

from typing import Any

from netplan.errors import InputError

#: A hand-written YAML file (intent, declarations) larger than this is refused.
MAX_YAML_BYTES = 4 * 1024 * 1024
#: Aliases (``*name``) per YAML document: real intents use none or a few.
MAX_YAML_ALIASES = 64
#: Nesting of mappings and sequences, YAML or JSON (ARM payloads nest about 12 deep).
MAX_DEPTH = 64
#: One YAML scalar (a name, a prefix, an address list written as one string).
MAX_YAML_SCALAR = 64 * 1024


def check_yaml_text(text: str, file: str) -> None:
    """Refuse YAML that is too large, holds too many aliases, nests too deeply or has a huge scalar.

    Walks PyYAML's event stream (no alias is ever expanded, nothing is built), with libyaml's C
    parser when PyYAML has it: a hostile file of megabytes is refused in milliseconds, not seconds.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    if len(text) > MAX_YAML_BYTES:
        raise InputError(file, "", f"the document is {len(text)} characters, more than the {MAX_YAML_BYTES} a YAML input may have")
    depth = 0
    aliases = 0
    try:
        for ev in yaml.parse(text, Loader=loader):
            if isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(file, _line(ev), f"nested more than {MAX_DEPTH} levels deep")
            elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
            elif isinstance(ev, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_YAML_ALIASES:
                    raise InputError(file, _line(ev), f"more than {MAX_YAML_ALIASES} YAML aliases (*name): refused (an alias bomb?)")
            elif isinstance(ev, yaml.ScalarEvent) and len(ev.value) > MAX_YAML_SCALAR:
                raise InputError(file, _line(ev), f"a value of {len(ev.value)} characters, more than {MAX_YAML_SCALAR}")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(exc.problem or exc.context).split())
        if "maximum nesting depth" in problem:  # libyaml's own limit (1000), met while scanning ahead
            raise InputError(file, where, f"nested more than {MAX_DEPTH} levels deep") from None
        raise InputError(file, where, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise InputError(file, "", f"invalid YAML: {' '.join(str(exc).split())}") from None


def _line(ev: Any) -> str:
    mark = getattr(ev, "start_mark", None)
    return f"line {mark.line + 1}" if mark is not None else ""


def check_depth(data: Any, file: str, limit: int = MAX_DEPTH) -> None:
    """Refuse parsed data nested deeper than ``limit`` (iterative: never recurses itself)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if d > limit:
            raise InputError(file, "", f"nested more than {limit} levels deep")
        stack.extend((c, d + 1) for c in children if isinstance(c, dict | list))


def loads_json(text: str | bytes, file: str) -> Any:
    """``json.loads`` with depth bounded and errors as one InputError line."""
    import json

    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError(file, "", f"nested more than {MAX_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise InputError(file, f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}") from None
    except UnicodeDecodeError:
        raise InputError(file, "", "not UTF-8 JSON") from None
    check_depth(data, file)
    return data
