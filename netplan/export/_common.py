"""What every exporter needs from a change (its name, parent, scope, sent body and dependencies),
and the walk the code exporters (Bicep, Terraform) share: the header comment, one comment per
change, the note for a delete, and each private endpoint whose address a change needs."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from netplan.ids import name_of, parse_id, rid_key
from netplan.live.apply import Action as ApplyAction
from netplan.live.apply import Step, with_ownership
from netplan.plan import Action, Change, ChangeSet

#: The query parameter of a peering resync (P4).
SYNC_PARAM = "syncRemoteAddressSpace"
T_PE = "microsoft.network/privateendpoints"
_PATH_PART = re.compile(r"([^.\[\]]+)(?:\[(\d+)\])?")


@dataclass(frozen=True, slots=True)
class Expr:
    """A value only known at deployment (a private endpoint's IP): written as an expression."""

    #: The private endpoint whose address this is, and the api-version to read it with.
    pe_id: str
    pe_api: str


@dataclass(frozen=True)
class Item:
    """One change as the exporters see it."""

    #: 1-based position in the plan's (dependency) order.
    n: int
    change: Change
    #: Identifier unique within the output (letters, digits, underscores).
    label: str
    subscription: str
    resource_group: str
    #: The parent resource's ID (the resource group's for a top-level resource).
    parent_id: str
    #: The names below the resource group: ``("vnet-a", "peer-1")`` for a peering.
    names: tuple[str, ...]
    #: The body the SDK would send (ownership marks added), placeholders as :class:`Expr`.
    body: dict[str, Any]
    #: Labels of the items this one depends on, in plan order.
    deps: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.names[-1]

    @property
    def sync(self) -> bool:
        return any(k.lower() == SYNC_PARAM.lower() and str(v).lower() == "true" for k, v in self.change.query.items())

    @property
    def type_api(self) -> str:
        return f"{self.change.type}@{self.change.api_version}"

    @property
    def is_delete(self) -> bool:
        return self.change.action is Action.DELETE


def sent_body(change: Change, plan_id: str) -> dict[str, Any]:
    """The plan's body with what ``vnetplan apply`` adds to a create (the ``managed-by`` and plan-id
    tags, or a record set's metadata): the exact body the SDK sends, before placeholders are filled."""
    if change.body is None:
        return {}

    step = Step(change_id=change.key, action=ApplyAction(change.action.value), type=change.type,
                resource_id=change.id, body=change.body)  # fmt: skip
    return with_ownership(step, plan_id)


def _set_path(body: dict[str, Any], path: str, value: Any) -> None:
    parts = [(m.group(1), m.group(2)) for m in _PATH_PART.finditer(path)]
    cur: Any = body
    for i, (key, idx) in enumerate(parts):
        last = i == len(parts) - 1
        if idx is None:
            if last:
                cur[key] = value
            else:
                cur = cur[key]
        else:
            seq = cur[key]
            if last:
                seq[int(idx)] = value
            else:
                cur = seq[int(idx)]


def _ident(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_]+", "_", text.replace("*", "wildcard")).strip("_")
    return s if s and not s[0].isdigit() else f"r_{s}"


def items(cs: ChangeSet) -> list[Item]:
    """The plan's changes, in order, with unique labels and resolved dependencies."""
    apis = {rid_key(c.id): c.api_version for c in cs.changes}
    labels: dict[str, str] = {}
    used: set[str] = set()
    for c in cs.changes:
        p = parse_id(c.id)
        kind = c.type.rsplit("/", 1)[-1]
        base = _ident(f"{kind}_{name_of(c.id)}")
        label = base
        if label.lower() in used:
            label = _ident(f"{base}_{p.resource_group}")
        n = 2
        while label.lower() in used:
            label, n = f"{base}_{n}", n + 1
        used.add(label.lower())
        labels[c.key] = label
    out = []
    for i, c in enumerate(cs.changes, 1):
        p = parse_id(c.id)
        if len(p.types) > 1:
            parent = c.id.rstrip("/").rsplit("/", 2)[0]
        else:
            parent = f"/subscriptions/{p.subscription}/resourceGroups/{p.resource_group}"
        body = copy.deepcopy(sent_body(c, cs.plan_id))
        for ph in c.placeholders:
            _set_path(body, ph.path, Expr(ph.from_id, apis.get(rid_key(ph.from_id), c.api_version)))
        deps = tuple(dict.fromkeys(labels[d] for d in c.depends_on if d in labels))
        out.append(Item(i, c, labels[c.key], p.subscription, p.resource_group, parent, p.names, body, deps))
    return out


def header_lines(cs: ChangeSet, tool: str) -> list[str]:
    """The comment every output starts with: the plan id, where it came from, what it holds."""
    s = cs.summary()
    lines = [
        f"vnetplan plan {cs.plan_id}: {s['create']} to create, {s['update']} to update, {s['delete']} to delete",
        f"Generated by `vnetplan plan --format {tool}`; intent {cs.intent_file or '-'}; "
        f"estate {', '.join(cs.estate_sources) or '-'} ({cs.estate_fingerprint or 'no fingerprint'}).",
        "Each resource is one change of the plan, with the exact body `vnetplan apply` would send.",
    ]
    lines += [f"PROBLEM [{p.code}] {p.message}" for p in cs.problems]
    lines += [f"warning: {w}" for w in cs.warnings]
    return lines


def sync_command(item: Item) -> str:
    """The Azure CLI command that resyncs a peering link (what a declarative tool cannot send)."""
    vnet, link = item.names[0], item.names[-1]
    return (f"az network vnet peering sync --subscription {item.subscription} -g {item.resource_group} "
            f"--vnet-name {vnet} -n {link}")  # fmt: skip


def delete_command(item: Item) -> str:
    return f"az resource delete --ids {item.change.id} --api-version {item.change.api_version}"


def comment(text: str, marker: str) -> list[str]:
    """``text`` as comment lines (``marker`` is ``//`` or ``#``), one per line of text."""
    return [f"{marker} {line}".rstrip() for line in text.splitlines()]


def header_comment(cs: ChangeSet, tool: str, marker: str) -> list[str]:
    """:func:`header_lines` as comment lines."""
    return comment("\n".join(header_lines(cs, tool)), marker)


def change_comment(item: Item, marker: str) -> list[str]:
    """The comment above each change: its position, action, type and ID, then why."""
    c = item.change
    return comment(f"{item.n}. {c.action.value} {c.type} {c.id}\n{c.reason}", marker)


def delete_comment(item: Item, marker: str, what: str) -> list[str]:
    """A delete is not expressed as code (``what``: where the resource is to be removed from)."""
    return comment(f"Not expressed as code: remove {what} that manages it, or run\n{delete_command(item)}", marker)


def endpoint_reads(its: list[Item]) -> Iterator[tuple[str, Item | None, Item]]:
    """Each private endpoint whose address a change needs, once, in plan order: its ID, its
    change when the plan creates it (else None: it exists already), and the first change needing it."""
    by_id = {it.change.id.lower(): it for it in its}
    seen: set[str] = set()
    for it in its:
        for ph in it.change.placeholders:
            key = ph.from_id.lower()
            if key not in seen:
                seen.add(key)
                yield ph.from_id, by_id.get(key), it


def text_of(lines: list[str]) -> str:
    """The file: the lines without trailing blank ones, ending in a newline."""
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
