"""The plan model: one :class:`ChangeSet` of :class:`Change` s, its one reader and its one writer.

The planner (:mod:`netplan.plan`) makes a ChangeSet; ``vnetplan plan --out`` writes it
(:meth:`ChangeSet.to_dict`, plus the what-if verdict and what it observed: :mod:`netplan.verdict`);
``whatif``, ``apply``, the exports and the TUI read it back with :func:`read_plan` and work on the
same objects. Nothing else reads a plan file.

Each :class:`Change` creates, updates or deletes one ARM resource and carries its ID, type,
api-version, the exact REST body (:mod:`netplan.bodies`), the changes it depends on and the reason.
What apply needs beyond the file — the etag the target had when the plan was made (from
``made_from.etags``) and the preconditions it re-checks before the write (a peering's address
spaces, from the estate the plan was made from, :func:`with_source_estate`) — are fields of the
same Change, filled by the reader and the planner.

The promise of the reader: a plan file is checked whole before anything uses it (schema, IDs,
types, bodies, placeholders, dependencies); anything malformed is one :class:`InputError` naming
the file and the JSON path, never a half-read plan.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from netplan import kinds
from netplan.errors import InputError
from netplan.ids import parent_id, parse_id, rid_key, short_id
from netplan.record import record
from netplan.vocab import Action

SCHEMA = "vnetplan.plan/v1"
#: The tags (metadata, for record sets) on everything vnetplan creates.
TAG_MANAGED = "managed-by"
MANAGED_BY_VALUE = "vnetplan"
TAG_PLAN = "vnetplan-plan"
#: The text a body carries where an address is not known yet (see :class:`Placeholder`).
PLACEHOLDER_PREFIX = "<from "

#: Types that carry ARM tags; the others record ownership in metadata (record sets) or the journal.
TAGGABLE = frozenset(k.key for k in kinds.KINDS if k.ownership is kinds.Ownership.TAGS)

_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
#: Body keys whose value is the id of a resource a change depends on.
_REF_KEYS = frozenset({"id", "privatednszoneid", "privatelinkserviceid"})


@record
class Placeholder:
    """A value in a body that apply fills in: the private IP of resource ``from_id``."""

    #: Dotted path into the body, e.g. ``properties.aRecords[0].ipv4Address``.
    path: str
    from_id: str
    value: str = "privateIPAddress"

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "from": self.from_id, "value": self.value}


@dataclass(frozen=True)
class Precondition:
    """The plan assumed ``resource_id``'s value at ``path`` was ``expected`` (e.g. a VNet's prefixes)."""

    resource_id: str
    path: tuple[str, ...]
    expected: Any
    why: str = ""


@dataclass(frozen=True)
class Change:
    action: Action
    id: str
    type: str
    api_version: str
    #: The PUT body (None for a delete).
    body: Mapping[str, Any] | None
    reason: str
    #: Keys (:attr:`key`) of the changes that must be done first.
    depends_on: tuple[str, ...] = ()
    #: Which connection or service it serves ("provider", a consumer VNet name, a service FQDN).
    group: str = ""
    #: The writable part of the resource as it is now (updates), for the diff view; apply compares
    #: it with the live resource when there is no etag.
    before: Mapping[str, Any] | None = None
    placeholders: tuple[Placeholder, ...] = ()
    #: Extra query parameters of the PUT (``syncRemoteAddressSpace=true`` for a peering sync).
    query: Mapping[str, str] = field(default_factory=dict)
    #: The change's key in the plan (what ``depends_on`` names); default ``action:id`` lower-cased.
    key: str = ""
    #: The target's etag when the plan was made (updates and deletes; written to ``made_from.etags``).
    etag: str | None = None
    #: What apply re-checks just before the write (not in the file: from the source estate).
    preconditions: tuple[Precondition, ...] = ()

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", f"{self.action.value}:{rid_key(self.id)}")

    @property
    def tkey(self) -> str:
        """The type lower-cased: how types are compared."""
        return self.type.lower()

    @property
    def is_record(self) -> bool:
        """A Private DNS record set (``Microsoft.Network/privateDnsZones/<record type>``)."""
        return kinds.is_record_type(self.type)

    @property
    def sync_remote(self) -> bool:
        """A peering PUT with ``syncRemoteAddressSpace=true`` (its remote address space changed)."""
        return any(str(k).lower() == "syncremoteaddressspace" and str(v).lower() == "true" for k, v in self.query.items())

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "key": self.key, "action": self.action.value, "id": self.id, "type": self.type,
            "api_version": self.api_version, "group": self.group, "reason": self.reason,
            "depends_on": list(self.depends_on), "body": self.body,
        }  # fmt: skip
        if self.query:
            d["query"] = dict(self.query)
        if self.placeholders:
            d["placeholders"] = [p.to_dict() for p in self.placeholders]
        if self.before is not None:
            d["before"] = self.before
        return d


@record
class Decision:
    """How one connection is served, and why."""

    consumer_id: str
    use_case: str
    #: The method asked for in the intent ("auto", "peering", "private-link").
    asked: str
    #: The method in force ("peering", "private-link", "none").
    method: str
    reasons: tuple[Mapping[str, str], ...] = ()
    #: The method whose target verification expects ("peering": the LB frontend, "private-link": a
    #: private endpoint), when it differs from ``method`` (an existing path, a shared endpoint).
    verify_as: str = ""
    #: The existing path that serves the connection (method "existing-path"), in one line.
    path: str = ""
    #: Every option weighed for an ``auto`` connection: what it changes and whether it verifies.
    options: tuple[Mapping[str, Any], ...] = ()

    @property
    def verify_method(self) -> str:
        """The method :func:`netplan.verify.verify_connection` checks this connection with."""
        return self.verify_as or (self.method if self.method in ("peering", "private-link") else "auto")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"consumer": self.consumer_id, "use_case": self.use_case, "asked": self.asked,
                             "method": self.method, "reasons": [dict(r) for r in self.reasons]}  # fmt: skip
        if self.verify_as:
            d["verify_as"] = self.verify_as
        if self.path:
            d["path"] = self.path
        if self.options:
            d["options"] = [dict(o) for o in self.options]
        return d

    @classmethod
    def from_dict(cls, x: Mapping[str, Any]) -> Decision:
        return cls(x["consumer"], x["use_case"], x["asked"], x["method"], tuple(x.get("reasons", ())),
                   str(x.get("verify_as", "")), str(x.get("path", "")), tuple(x.get("options", ())))  # fmt: skip


@record
class Problem:
    """Something the plan cannot do; apply must not pretend it was done."""

    code: str
    message: str
    group: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "group": self.group}


@dataclass(frozen=True)
class ChangeSet:
    plan_id: str
    intent_file: str
    estate_fingerprint: str
    estate_sources: tuple[str, ...]
    changes: tuple[Change, ...]
    decisions: tuple[Decision, ...] = ()
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    #: What the changes depend on as the plan saw it (``made_from.observed``, :mod:`netplan.verdict`):
    #: resource id -> {"exists": bool, "address_prefixes": [...]}; apply's staleness check compares it.
    #: None when the plan records none.
    observed: Mapping[str, Mapping[str, Any]] | None = None
    #: The recorded what-if verdict (``whatif`` in the file), None when the plan records none.
    whatif: Mapping[str, Any] | None = None
    #: The file it was read from ("" when made in memory); relative ``made_from`` paths are beside it.
    source: str = ""

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def etags(self) -> dict[str, str]:
        """etag of every existing resource the plan updates or deletes (apply sends If-Match)."""
        return {c.id: c.etag for c in self.changes if c.etag}

    def summary(self) -> dict[str, int]:
        out = {a.value: 0 for a in Action}
        for c in self.changes:
            out[c.action.value] += 1
        return out

    def verify_connections(self) -> tuple[Mapping[str, str], ...]:
        """What ``--verify`` checks after apply: each decision's consumer and the method in force
        (an existing path or a shared endpoint is verified against the target it reaches)."""
        out = []
        for d in self.decisions:
            if d.consumer_id and d.method not in ("", "none"):
                method = d.verify_as or d.method
                out.append({"consumer": d.consumer_id, "method": method if method in ("peering", "private-link") else "auto",
                            "use_case": d.use_case})  # fmt: skip
        return tuple(out)

    def intent_path(self) -> str:
        """The intent file the plan was made from, as a usable path (see :func:`resolve_made_from`)."""
        return resolve_made_from(self.intent_file, self.source or None)

    def estate_paths(self) -> list[str]:
        """The estate files the plan was made from, as usable paths."""
        return [resolve_made_from(x, self.source or None) for x in self.estate_sources]

    def to_dict(self) -> dict[str, Any]:
        made: dict[str, Any] = {"intent": self.intent_file, "estate_sources": list(self.estate_sources),
                                "estate_fingerprint": self.estate_fingerprint, "etags": self.etags}  # fmt: skip
        if self.observed is not None:
            made["observed"] = {k: dict(v) for k, v in self.observed.items()}
        d: dict[str, Any] = {
            "schema": SCHEMA,
            "plan_id": self.plan_id,
            "made_from": made,
            "summary": self.summary(),
            "decisions": [d.to_dict() for d in self.decisions],
            "problems": [p.to_dict() for p in self.problems],
            "warnings": list(self.warnings),
            "changes": [c.to_dict() for c in self.changes],
        }
        if self.whatif is not None:
            d["whatif"] = dict(self.whatif)
        return d

    @classmethod
    def from_dict(cls, d: Any, file: str = "<plan>") -> ChangeSet:
        """The one reader: see :func:`read_plan`."""
        return read_plan(d, file)


def with_ownership(change: Change, plan_id: str) -> dict[str, Any]:
    """The body to send: a create of a taggable resource carries ``managed-by`` and the plan id.

    Only creates are tagged: tagging a resource someone else made would make it deletable by a
    later plan.
    """
    body = copy.deepcopy(dict(change.body or {}))
    if change.action != Action.CREATE:
        return body
    mark = {TAG_MANAGED: MANAGED_BY_VALUE, TAG_PLAN: plan_id}
    if change.tkey in TAGGABLE:
        body["tags"] = {**mark, **dict(body.get("tags") or {})}
    elif change.is_record:
        p = body.setdefault("properties", {})
        p["metadata"] = {**mark, **dict(p.get("metadata") or {})}
    return body


def _refs(node: Any, key: str = "") -> Iterator[str]:
    if isinstance(node, Mapping):
        for k, v in node.items():
            yield from _refs(v, str(k))
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v, key)
    elif isinstance(node, str) and key.lower() in _REF_KEYS and node.lower().startswith("/subscriptions/"):
        yield node


def depended_ids(change: Change) -> list[str]:
    """Existing resources a change needs: its parent and every resource id its body names."""
    out: list[str] = []
    if len(parse_id(change.id).types) > 1:
        out.append(parent_id(change.id))
    out.extend(r for r in _refs(change.body) if rid_key(r) != rid_key(change.id))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------------------------------------
# reading a plan file
# ---------------------------------------------------------------------------------------------
def set_path(body: dict[str, Any], path: str, value: Any) -> None:
    """Set ``properties.aRecords[0].ipv4Address``-style ``path`` in ``body`` (containers must exist).

    Raises ValueError when the path is empty or not a place in the body."""
    parts = [(m.group(1), m.group(2)) for m in _PATH_PART.finditer(path)]
    if not parts:
        raise ValueError(f"placeholder path {path!r} is empty")
    cur: Any = body
    for i, (key, idx) in enumerate(parts):
        last = i == len(parts) - 1
        try:
            if idx is not None:
                if last:
                    cur[int(idx)] = value
                else:
                    cur = cur[int(idx)]
            elif last:
                cur[key] = value
            else:
                cur = cur[key]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"placeholder path {path!r} does not exist in the change's body") from None


def supported_type(rtype: str) -> bool:
    """Whether vnetplan can write this ARM type (a kind of :mod:`netplan.kinds`, or a record set)."""
    return kinds.writable_kind(rtype) is not None


def check_dependencies(changes: tuple[Change, ...]) -> str | None:
    """Why the dependencies are unusable (a duplicate key, a key not in the plan, a cycle), or None."""
    keys = {c.key for c in changes}
    if len(keys) != len(changes):
        return "the plan has two changes with the same key"
    for c in changes:
        for d in c.depends_on:
            if d not in keys:
                return f"change {c.key} depends on {d}, which is not in the plan"
    state: dict[str, int] = {}
    deps = {c.key: c.depends_on for c in changes}
    for start in deps:
        if state.get(start):
            continue
        stack = [(start, iter(deps[start]))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return f"the plan's dependencies form a cycle through {nxt}"
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(deps[nxt])))
    return None


def _check_resource_id(rid: str, rtype: str, file: str, where: str) -> None:
    """A full ARM id (subscription, resource group, provider, type/name pairs) of type ``rtype``."""
    p = parse_id(rid)
    parts = [x for x in rid.strip().split("/") if x]
    if not rid.startswith("/subscriptions/") or not p.subscription or not p.resource_group or not p.provider \
            or not p.names or len(parts) != 6 + 2 * len(p.types) or any(not n.strip() for n in p.names):  # fmt: skip
        raise InputError(file, where, f"{rid!r} is not a full ARM resource id (/subscriptions/…/resourceGroups/…/providers/…)")
    if p.type.lower() != rtype.lower():
        raise InputError(file, where, f"{short_id(rid)} is a {p.type or 'resource of no type'}, not a {rtype}")


def _opt_mapping(c: Mapping[str, Any], key: str, file: str, where: str) -> Mapping[str, Any] | None:
    v = c.get(key)
    if v is not None and not isinstance(v, Mapping):
        raise InputError(file, f"{where}.{key}", "must be an object")
    return v


def _read_change(c: Any, where: str, file: str, etags: Mapping[str, str]) -> Change:
    if not isinstance(c, Mapping):
        raise InputError(file, where, "must be an object")
    for k in ("action", "id", "type"):
        if not isinstance(c.get(k), str) or not c.get(k):
            raise InputError(file, f"{where}.{k}", "missing")
    try:
        action = Action(str(c["action"]))
    except ValueError:
        raise InputError(file, f"{where}.action", f"must be create, update or delete, not {c['action']!r}") from None
    rid, rtype = str(c["id"]), str(c["type"])
    if not supported_type(rtype):
        raise InputError(file, f"{where}.type", f"vnetplan apply cannot write resources of type {rtype}")
    _check_resource_id(rid, rtype, file, f"{where}.id")
    body = c.get("body")
    if action != Action.DELETE and not isinstance(body, Mapping):
        raise InputError(file, f"{where}.body", f"a {action.value} needs the REST body")
    if body is not None and not isinstance(body, Mapping):
        raise InputError(file, f"{where}.body", "must be an object or null")
    if isinstance(body, Mapping) and "properties" in body and not isinstance(body["properties"], Mapping):
        raise InputError(file, f"{where}.body.properties", "must be an object")
    key = c.get("key")
    if key is not None and (not isinstance(key, str) or not key):
        raise InputError(file, f"{where}.key", "must be a non-empty string")
    deps = c.get("depends_on")
    if deps is not None and (not isinstance(deps, list) or not all(isinstance(d, str) and d for d in deps)):
        raise InputError(file, f"{where}.depends_on", "must be a list of change keys (strings)")
    phs = c.get("placeholders")
    if phs is not None and not isinstance(phs, list):
        raise InputError(file, f"{where}.placeholders", "must be a list")
    holders: list[Placeholder] = []
    for j, ph in enumerate(phs or []):
        if not isinstance(ph, Mapping) or not isinstance(ph.get("path"), str) or not isinstance(ph.get("from"), str) \
                or not ph["path"] or not ph["from"]:  # fmt: skip
            raise InputError(file, f"{where}.placeholders[{j}]", "needs 'path' and 'from' strings")
        if not isinstance(body, Mapping):
            raise InputError(file, f"{where}.placeholders[{j}]", "a placeholder needs a body to fill")
        try:
            set_path(copy.deepcopy(dict(body)), str(ph["path"]), "0.0.0.0")
        except ValueError:
            raise InputError(file, f"{where}.placeholders[{j}].path", f"{ph['path']!r} is not a place in the change's body") from None
        _check_resource_id(str(ph["from"]), kinds.PE.type, file, f"{where}.placeholders[{j}].from")
        holders.append(Placeholder(str(ph["path"]), str(ph["from"]), str(ph.get("value") or "privateIPAddress")))
    query = _opt_mapping(c, "query", file, where) or {}
    before = _opt_mapping(c, "before", file, where)
    for text in ("reason", "group", "api_version"):
        if c.get(text) is not None and not isinstance(c.get(text), str):
            raise InputError(file, f"{where}.{text}", "must be a string")
    return Change(
        action=action, id=rid, type=rtype, api_version=str(c.get("api_version") or ""),
        body=body if isinstance(body, Mapping) else None, reason=str(c.get("reason") or ""),
        depends_on=tuple(deps or ()), group=str(c.get("group") or ""), before=before,
        placeholders=tuple(holders), query={str(k): str(v) for k, v in query.items()}, key=str(key or ""),
        etag=etags.get(rid_key(rid)) if action != Action.CREATE else None,
    )  # fmt: skip


def read_plan(data: Any, file: str = "<plan>") -> ChangeSet:
    """A plan file's parsed JSON as a :class:`ChangeSet`, checked whole (see the module docstring)."""
    if not isinstance(data, Mapping):
        raise InputError(file, "", "a plan must be a JSON object")
    if data.get("schema") != SCHEMA:
        raise InputError(file, "schema", f"not a {SCHEMA} plan (schema {data.get('schema')!r})")
    plan_id = data.get("plan_id")
    if not isinstance(plan_id, str) or not plan_id:
        raise InputError(file, "plan_id", "missing")
    raw_made = data.get("made_from")
    if raw_made is not None and not isinstance(raw_made, Mapping):
        raise InputError(file, "made_from", "must be an object")
    made: Mapping[str, Any] = raw_made or {}
    raw_etags = made.get("etags")
    if raw_etags is not None and (not isinstance(raw_etags, Mapping) or not all(isinstance(v, str) for v in raw_etags.values())):
        raise InputError(file, "made_from.etags", "must map resource ids to etag strings")
    etags = {rid_key(str(k)): str(v) for k, v in (raw_etags or {}).items()}
    sources = made.get("estate_sources")
    if sources is not None and (not isinstance(sources, list) or not all(isinstance(s, str) for s in sources)):
        raise InputError(file, "made_from.estate_sources", "must be a list of file names")
    for text in ("intent", "estate_fingerprint"):
        if made.get(text) is not None and not isinstance(made.get(text), str):
            raise InputError(file, f"made_from.{text}", "must be a string")
    changes = data.get("changes")
    if not isinstance(changes, list):
        raise InputError(file, "changes", "must be a list")
    out: list[Change] = []
    seen: dict[str, str] = {}
    for i, c in enumerate(changes):
        change = _read_change(c, f"changes[{i}]", file, etags)
        if change.key in seen:
            raise InputError(file, f"changes[{i}].key", f"change {change.key} appears twice (also at {seen[change.key]})")
        seen[change.key] = f"changes[{i}]"
        out.append(change)
    for i, ch in enumerate(out):
        for j, d in enumerate(ch.depends_on):
            if d not in seen:
                raise InputError(file, f"changes[{i}].depends_on[{j}]", f"names {d}, which is not a change of this plan")
    why = check_dependencies(tuple(out))
    if why:
        raise InputError(file, "changes", why)
    raw_obs = made.get("observed")
    if raw_obs is not None and (not isinstance(raw_obs, Mapping) or not all(isinstance(v, Mapping) for v in raw_obs.values())):
        raise InputError(file, "made_from.observed", "must map resource ids to objects")
    for rid, obs in (raw_obs or {}).items():
        prefixes = obs.get("address_prefixes")
        if prefixes is not None and (not isinstance(prefixes, list) or not all(isinstance(x, str) for x in prefixes)):
            raise InputError(file, f"made_from.observed.{rid}.address_prefixes", "must be a list of strings")
    decisions: list[Decision] = []
    for i, x in enumerate(_list(data, "decisions", file)):
        try:
            decisions.append(Decision.from_dict(x))
        except (KeyError, TypeError, AttributeError):
            raise InputError(file, f"decisions[{i}]", "needs consumer, use_case, asked and method") from None
    problems: list[Problem] = []
    for i, p in enumerate(_list(data, "problems", file)):
        if not isinstance(p, Mapping) or not isinstance(p.get("code"), str) or not isinstance(p.get("message"), str):
            raise InputError(file, f"problems[{i}]", "needs code and message strings")
        problems.append(Problem(p["code"], p["message"], str(p.get("group") or "")))
    whatif = data.get("whatif")
    if whatif is not None and not isinstance(whatif, Mapping):
        raise InputError(file, "whatif", "must be an object")
    return ChangeSet(
        plan_id=plan_id, intent_file=str(made.get("intent") or ""), estate_fingerprint=str(made.get("estate_fingerprint") or ""),
        estate_sources=tuple(sources or ()), changes=tuple(out), decisions=tuple(decisions), problems=tuple(problems),
        warnings=tuple(str(w) for w in _list(data, "warnings", file)), observed=None if raw_obs is None else {str(k): v for k, v in raw_obs.items()},
        whatif=whatif, source=file,
    )  # fmt: skip


def _list(data: Mapping[str, Any], key: str, file: str) -> list[Any]:
    v = data.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise InputError(file, key, "must be a list")
    return v


def with_source_estate(cs: ChangeSet, estate: Any) -> ChangeSet:
    """``cs`` with the preconditions apply re-checks before each peering write (P3/P4: a peering
    planned on address spaces that have since changed may overlap or be unsynced), taken from
    ``estate``, the estate the plan was made from."""
    return replace(cs, changes=tuple(_with_peering_preconditions(c, estate) if c.tkey == kinds.PEERING.key
                                     and c.action != Action.DELETE else c for c in cs.changes))  # fmt: skip


def _with_peering_preconditions(change: Change, estate: Any) -> Change:
    pres: list[Precondition] = []
    body = change.body or {}
    remote = str(((body.get("properties") or {}).get("remoteVirtualNetwork") or {}).get("id") or "")
    for vid, role in ((parent_id(change.id), "local"), (remote, "remote")):
        v = estate.vnet(vid) if vid else None
        raw = getattr(v, "raw", None) or {}
        prefixes = ((raw.get("properties") or {}).get("addressSpace") or {}).get("addressPrefixes")
        if isinstance(prefixes, list):
            pres.append(Precondition(vid, ("properties", "addressSpace", "addressPrefixes"), list(prefixes),
                                     f"the {role} VNet's address space"))  # fmt: skip
    return replace(change, preconditions=tuple(pres))


def resolve_made_from(path: str, plan_file: str | None) -> str:
    """A ``made_from`` path as a usable path: absolute stays; ``vnetplan plan --out`` writes paths
    relative to the plan file; older plans hold paths relative to wherever ``plan`` ran, tried from
    the current directory last."""
    if not path or os.path.isabs(path) or not plan_file:
        return path
    beside = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(plan_file)), path))
    if os.path.exists(beside) or not os.path.exists(path):
        return beside
    return path
