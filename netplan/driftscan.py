"""Snapshot drift of two snapshot files, with the resources whose JSON is unchanged never built.

Two inventories of one estate taken a month apart are mostly the same JSON, byte for byte, and the
same bytes give the same model. :func:`scan` reads both files before the estate is built: msgspec
splits each file's resource list into spans (the current file's split is the loader's own,
:func:`netplan.loader.read_snapshot`, which the estate is then built from), and each resource's
bytes are compared with those of the resource of the same ID in the other file. The baseline's IDs
and types are all read; a current resource with the bytes of a baseline resource has its ID and
type, so only the current resources that differ are read further. After the estate (the newer
file) is built as usual, :func:`snapshot_drift_files` builds the model of what
differs only (one small Estate per file, through the same loader) and compares those two with
:func:`netplan.drift.snapshot_drift`; every other resource, with its children, counts as unchanged.
The report is the one the comparison of the two full Estates gives (tests compare both ways), at
about the cost of loading one file instead of two, and one Estate in memory instead of two.

Where one resource's model depends on another's bytes, they are skipped together or built together:

- a standalone child (a subnet, peering, route, security rule or DNS zone group listed as its own
  resource) is folded into its parent's model: a resource is skipped only with its *group*, the
  parent and every standalone child of it, all unchanged;
- a child whose parent is not in the file (an orphan) gives a gap: its group is always built, so
  that each small Estate has every gap of the full one (gaps make drift UNKNOWN);
- a private endpoint's addresses are its NICs': an endpoint is skipped only when its NICs are, and
  the NICs of each endpoint built are built too;
- the baseline's declarations are resolved against all of its VNets (those built and the unchanged
  ones, which are the current estate's), so that a bad reference is the same error as before.

When the pre-pass cannot vouch for this (not two regular files, a shape only the full loader reads,
a resource without an ID or an ID twice in a file, a file changed since the scan, a child ID outside
its parent's), the functions return None and the caller compares full Estates, as before. Errors in
the files are never raised here: the full path raises them, in the same order as ever.
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from netplan import kinds, rawjson
from netplan.drift import same_properties, snapshot_drift
from netplan.errors import InputError
from netplan.estate import Estate, build_estate
from netplan.ids import parent_id, rid_key
from netplan.loader import (
    RawSnapshot,
    infer_type,
    parse_declarations,
    read_declarations,
    read_snapshot,
    snapshot_from_data,
)
from netplan.record import record
from netplan.report.model import Report

#: Types the loader folds into their parent's model (lower case): such a resource is skipped only
#: together with its parent.
_CHILD_TYPES = frozenset(k.type.lower() for k in kinds.ALL if k.child_of) | {kinds.ZONE_GROUP.type.lower()}


class _Head(msgspec.Struct):
    """What the pre-pass reads of a resource: its ID and type (everything else is skipped)."""

    id: Any = None
    type: Any = None


class _Top(msgspec.Struct):
    """A snapshot object as :func:`netplan.loader.read_snapshot` reads it: the resource list is the
    first of ``resources``, ``value``, ``data``; the other members the loader reads. All as spans."""

    resources: msgspec.Raw | UnsetType = UNSET
    value: msgspec.Raw | UnsetType = UNSET
    data: msgspec.Raw | UnsetType = UNSET
    declarations: msgspec.Raw | UnsetType = UNSET
    gaps: msgspec.Raw | UnsetType = UNSET
    subscriptions: msgspec.Raw | UnsetType = UNSET


_HEAD = msgspec.json.Decoder(_Head)
_HEADS = msgspec.json.Decoder(list[_Head])
_TOP = msgspec.json.Decoder(_Top | list[msgspec.Raw])

#: The file's identity as :mod:`netplan.rawjson` checks it: (device, inode, size, mtime).
Stamp = tuple[int, int, int, int]


@record(frozen=False, slots=False)
class _File:
    """One scanned snapshot file: each resource's place in the file, key, group and type."""

    path: str
    stamp: Stamp
    #: The file's declarations, gaps and subscriptions as the loader read them (no resources).
    snap: RawSnapshot
    #: The name of the resource list ("resources", ...; "" when the file is the list): JSON paths.
    base: str
    #: Each resource's JSON path as the loader gives it, when the loader read the file (else they
    #: are made from ``base``).
    paths: list[str] | None
    #: Each resource's byte range in the file.
    places: list[tuple[int, int]]
    keys: list[str]
    #: The key of each resource's group: its parent's for a standalone child, else its own.
    groups: list[str]
    #: Lower-case type of each resource ("" when it has none the loader would accept).
    types: list[str]
    #: Groups with a standalone child whose parent is not in the file as its parent kind (orphans).
    orphans: set[str]
    #: Groups with a standalone child (the others are one resource).
    parented: set[str]


@record(frozen=False, slots=False)
class _Kept:
    """What :func:`snapshot_drift_files` needs of a scanned file once its bytes are gone."""

    path: str
    stamp: Stamp
    snap: RawSnapshot
    #: (JSON path, key, group, type, start, end) in file order of each resource that may be built:
    #: those of changed groups, and every NIC, endpoint and zone group (an endpoint and its NICs
    #: are built together; see :func:`snapshot_drift_files`).
    cands: list[tuple[str, str, str, str, int, int]]
    #: Key -> index of each VNet in the file (the baseline's VNets in its order, for declarations).
    vnets: dict[str, int]


@record(frozen=False, slots=False)
class Scan:
    """Both files scanned, and the groups whose bytes are the same in both (see the module docstring)."""

    baseline: _Kept
    current: _Kept
    same: frozenset[str]
    #: VNet key -> its JSON in (baseline, current) without the subnets and peerings that are the
    #: same in both (a hub with 400 peerings and one changed is built with one).
    trimmed: dict[str, tuple[msgspec.Raw, msgspec.Raw]]


#: Kinds whose unchanged resources may still be built (see :attr:`_Kept.cands`).
_ENDPOINT_KINDS = frozenset(k.type.lower() for k in (kinds.NIC, kinds.PE, kinds.ZONE_GROUP))


def _path(f: _File, i: int) -> str:
    if f.paths is not None:
        return f.paths[i]
    return f"{f.base}[{i}]" if f.base else f"[{i}]"


def _keep(f: _File, same: frozenset[str], vnets: bool) -> _Kept:
    cands = [
        (_path(f, i), key, group, low, *f.places[i])
        for i, (key, group, low) in enumerate(zip(f.keys, f.groups, f.types, strict=True))
        if group not in same or low in _ENDPOINT_KINDS
    ]  # fmt: skip
    order = {key: i for i, (key, low) in enumerate(zip(f.keys, f.types, strict=True)) if low == _VNET} if vnets else {}
    return _Kept(f.path, f.stamp, f.snap, cands, order)


def _stamp_of(path: str) -> Stamp | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    # Only a regular file can be read twice (a pipe's bytes would be gone for the real load).
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None


def _read(path: str) -> tuple[bytes, Stamp] | None:
    if _stamp_of(path) is None:
        return None
    try:
        with open(path, "rb") as fh:
            stamp = rawjson.file_stamp(fh.fileno())
            data = fh.read()
            if stamp is None or rawjson.file_stamp(fh.fileno()) != stamp:
                return None
    except OSError:
        return None
    return data, stamp


def _split(path: str) -> tuple[_File, bytes, list[msgspec.Raw]] | None:
    """The file's resources as :func:`netplan.loader.read_snapshot` splits them, with their places;
    and the file's bytes (the resources' spans are views of them). ``keys``, ``groups`` and
    ``types`` are left empty (:class:`_Ids` fills them)."""
    got = _read(path)
    if got is None:
        return None
    data, stamp = got
    array: msgspec.Raw | None = None
    try:
        doc = rawjson.split_doc(data)  # the usual shape, in one pass (as the loader reads it)
        if doc is not None:
            base, items, others = doc
            rest = {k: rawjson.decode(v) for k, v in others.items()}
        else:
            top = _TOP.decode(data)
            if isinstance(top, list):
                base, items, rest = "", top, None
            else:
                base = next((k for k in rawjson.RESOURCE_KEYS if getattr(top, k) is not UNSET), "")
                if not base:
                    return None
                array = getattr(top, base)
                listed = rawjson.split_list(array)
                if listed is None:
                    return None
                items = listed
                rest = {k: rawjson.decode(getattr(top, k)) for k in ("declarations", "gaps", "subscriptions")
                        if getattr(top, k) is not UNSET}  # fmt: skip
        snap = snapshot_from_data([] if rest is None else {**rest, base: []}, path)
    except (InputError, ValueError, RecursionError):  # msgspec's errors are ValueErrors
        return None
    places = rawjson.item_ranges(data, items) if doc is not None else rawjson.ranges(data, array, items)
    if places is None or len(places) != len(items):
        return None
    snap.ascii = data.isascii()
    return _File(path, stamp, snap, base, None, places, [], [], [], set(), set()), data, items


def _placed(snap: RawSnapshot) -> _File | None:
    """The current file as :func:`netplan.loader.read_snapshot` read it: each resource's place
    is its range of the file; None when they are not ranges of one regular file (a pipe's bytes, a
    shape only the json path reads)."""
    src = snap.origin
    if src is None:
        return None
    places = []
    for _, item in snap.resources:
        if type(item) is not rawjson.FileSpan or item.file is not src:
            return None
        places.append((item.start, item.end))
    paths = [path for path, _ in snap.resources]
    return _File(snap.file, src.stamp, snap, "", paths, places, [], [], [], set(), set())


class _Ids:
    """Keys, groups and types of a file's resources, gathered in file order (see :func:`_scan_file`)."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.groups: list[str] = []
        self.types: list[str] = []
        #: Key -> lower-case type; a key seen twice makes :meth:`add` refuse.
        self.of: dict[str, str] = {}
        #: Group -> the parent kinds its standalone children name.
        self.parents: dict[str, set[str]] = {}
        self._lower: dict[str, str] = {}

    def head(self, rid: Any, rtype: Any) -> bool:
        """Add a resource by its ID and type as read; False when the pre-pass cannot vouch for it
        (no ID, or an ID twice)."""
        if not isinstance(rid, str) or not rid.strip():
            return False
        key = rid_key(rid)
        if rtype is None:
            rtype = infer_type(rid)
        low = ""
        if isinstance(rtype, str):
            low = self._lower.get(rtype) or self._lower.setdefault(rtype, rtype.lower())  # a file has a few type spellings
        group = rid_key(parent_id(rid)) if low in _CHILD_TYPES else key
        return self.add(key, group, low)

    def add(self, key: str, group: str, low: str) -> bool:
        """Add a resource whose key, group and type are known (the same bytes as one read before)."""
        if key in self.of:
            return False  # an ID twice: the loader's error (or its choice) decides, on the full path
        self.of[key] = low
        if low in _CHILD_TYPES:
            self.parents.setdefault(group, set()).add(low.rsplit("/", 1)[0])
        self.keys.append(key)
        self.groups.append(group)
        self.types.append(low)
        return True

    def fill(self, f: _File) -> None:
        types = self.of
        f.keys, f.groups, f.types = self.keys, self.groups, self.types
        f.orphans = {g for g, want in self.parents.items() if g not in types or want != {types[g]}}
        f.parented = set(self.parents)


def _scan_file(path: str) -> tuple[_File, bytes, list[msgspec.Raw]] | None:
    """:func:`_split` of the file with each resource's key, group and type (every resource's ID and
    type decoded)."""
    got = _split(path)
    if got is None:
        return None
    f, data, items = got
    try:
        heads = [_HEAD.decode(raw) for raw in items]
    except (ValueError, RecursionError):
        return None
    ids = _Ids()
    for h in heads:
        if not ids.head(h.id, h.type):
            return None
    ids.fill(f)
    return f, data, items


_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_VNET = kinds.VNET.type.lower()
#: A VNet's inline children, each a model of its own JSON and the VNet's ID only (the loader's
#: ``_subnet`` / ``_peering`` and their typed twins).
_CHILD_LISTS = ("subnets", "virtualNetworkPeerings")


def _children(span: msgspec.Raw) -> list[tuple[str, msgspec.Raw]] | None:
    """(key, bytes) of each element of a JSON list of child objects; None when one has no ID or
    an ID twice, or it is no such list."""
    items = rawjson.split_list(span)
    try:
        heads = _HEADS.decode(span)
    except (ValueError, RecursionError):
        return None
    if items is None or len(heads) != len(items):
        return None
    out = []
    for h, raw in zip(heads, items, strict=True):
        if not isinstance(h.id, str) or not h.id.strip():
            return None
        out.append((rid_key(h.id), raw))
    return out if len({k for k, _ in out}) == len(out) else None


def _trim(old: msgspec.Raw, new: msgspec.Raw | bytes) -> tuple[msgspec.Raw, msgspec.Raw] | None:
    """Both JSONs of a changed VNet without the subnets and peerings whose bytes are the same in
    both; None when there are none, or the shape is not the usual one (then it is built whole).
    The VNet's ID must be the same bytes: each child's model holds it."""
    try:
        mo, mn = _MEMBERS.decode(old), _MEMBERS.decode(new)
        if "id" not in mo or mo.get("id") != mn.get("id") or "properties" not in mo or "properties" not in mn:
            return None
        po, pn = _MEMBERS.decode(mo["properties"]), _MEMBERS.decode(mn["properties"])
    except (ValueError, RecursionError):
        return None
    dropped = False
    for name in _CHILD_LISTS:
        if name not in po or name not in pn:
            continue
        lo, ln = _children(po[name]), _children(pn[name])
        if lo is None or ln is None:
            continue
        there = dict(ln)
        same = {k for k, raw in lo if there.get(k) == raw}
        if same:
            dropped = True
            po[name] = msgspec.Raw(_ENCODE([raw for k, raw in lo if k not in same]))
            pn[name] = msgspec.Raw(_ENCODE([raw for k, raw in ln if k not in same]))
    if not dropped:
        return None
    mo["properties"], mn["properties"] = msgspec.Raw(_ENCODE(po)), msgspec.Raw(_ENCODE(pn))
    return msgspec.Raw(_ENCODE(mo)), msgspec.Raw(_ENCODE(mn))


_ENCODE = msgspec.json.Encoder().encode


#: How many of a resource's first bytes find the baseline resource it may be the same as.
HEAD_BYTES = 256


#: A changed VNet's unchanged children are left out of what is built when its JSON is at least
#: this long (a hub with hundreds of peerings); for a small one, trimming costs more than it saves.
TRIM_FROM = 16 << 10


def scan(baseline: str | Path, current: str | Path | RawSnapshot) -> Scan | None:
    """Read both snapshot files and find the groups of resources whose bytes are the same in both;
    None when the pre-pass cannot vouch for the result (see the module docstring). Never raises for
    a bad file: the full load reports it. ``current``: its path, or the file as
    :func:`netplan.loader.read_snapshot` read it (the load builds the estate from the same read).

    One file's bytes are held at a time: the current file is split first (each resource's place
    kept, its bytes let go), then the baseline read whole, and the current file read again in
    windows, in its order.
    A current resource whose bytes are a baseline resource's (found by its first bytes, then
    compared byte for byte) holds the same ID and type: it takes that resource's key, group and type, and
    only the other resources' IDs and types are decoded."""
    was_enabled = gc.isenabled()
    gc.disable()  # tens of thousands of small objects, no cycles (as in the loader)
    try:
        if not isinstance(current, RawSnapshot):
            if _stamp_of(str(current)) is None:
                return None  # not opened: a pipe's bytes are the real load's
            try:
                current = read_snapshot(current)
            except InputError:
                return None
        c = _placed(current)
        if c is None:
            return None
        base = _scan_file(str(baseline))
        if base is None:
            return None
        b, b_data, b_raw = base
        b_keys, b_groups, b_types, b_places = b.keys, b.groups, b.types, b.places
        at_b = {k: i for i, k in enumerate(b_keys)}
        # Each baseline resource by its first bytes (its ID is there, in the usual member order);
        # a hit is compared byte for byte. Not by a hash of all its bytes: hashing both files
        # whole cost more than the rest of the comparison.
        by_head: dict[bytes, int] = {}
        for i, (start, end) in enumerate(b_places):
            by_head.setdefault(b_data[start : min(end, start + HEAD_BYTES)], i)
        same_bytes = b_data.startswith
        ids = _Ids()
        add = ids.add
        #: (index in the current file, index in the baseline or -1) of each resource whose bytes
        #: differ from those of the baseline's resource of its key (or that has none).
        changed: list[tuple[int, int]] = []
        #: The current bytes of each changed VNet that may be trimmed (see below).
        big: dict[int, bytes] = {}
        src = rawjson.SourceFile(c.path, c.stamp)
        for j, (start, end) in enumerate(c.places):
            view = src.view(start, end)  # raises if the file changed since its scan
            hit = by_head.get(bytes(view[:HEAD_BYTES]))
            if hit is not None:
                at, to = b_places[hit]
                if to - at == end - start and same_bytes(view, at):
                    if not add(b_keys[hit], b_groups[hit], b_types[hit]):
                        return None
                    continue
            try:
                h = _HEAD.decode(view)
            except (ValueError, RecursionError):
                return None
            if not ids.head(h.id, h.type):
                return None
            i = at_b.get(ids.keys[-1], -1)
            if i >= 0:
                at, to = b_places[i]
                if to - at == end - start and same_bytes(view, at):
                    continue  # the same bytes (whose first bytes another resource's share)
                if b_types[i] == ids.types[-1] == _VNET and max(end - start, to - at) >= TRIM_FROM:
                    big[j] = bytes(view)
            changed.append((j, i))
        ids.fill(c)
        differ: set[str] = set()
        trimmed: dict[str, tuple[msgspec.Raw, msgspec.Raw]] = {}
        for j, i in changed:
            differ.add(c.groups[j])
            if i < 0:
                continue
            differ.add(b_groups[i])
            key = c.keys[j]
            # A changed VNet alone in its group (no standalone children) in both files.
            if j in big and key not in b.parented and key not in c.parented:
                got = _trim(b_raw[i], big[j])
                if got is not None:
                    trimmed[key] = got
        in_c = ids.of
        differ.update(g for key, g in zip(b_keys, b_groups, strict=True) if key not in in_c)
        same = frozenset((set(b_groups) & set(c.groups)) - differ - b.orphans - c.orphans)
        # Only what may be built is kept (the per-resource lists of 50k VNets are tens of MiB).
        return Scan(_keep(b, same, vnets=True), _keep(c, same, vnets=False), same, trimmed)
    except InputError:
        return None
    finally:
        if was_enabled:
            gc.enable()


def _partial(f: _Kept, same: set[str], trimmed: dict[str, msgspec.Raw]) -> Estate:
    """The Estate of the file's resources outside ``same`` (VNets in ``trimmed`` as trimmed), without
    declarations (see :func:`_check_declarations`), read again from the file."""
    src = rawjson.SourceFile(f.path, f.stamp)
    resources: list[tuple[str, Any]] = []
    for path, key, group, _, start, end in f.cands:
        if group not in same:
            resources.append((path, trimmed.get(key) or rawjson.FileSpan(src, start, end)))
    snap = f.snap
    return build_estate([RawSnapshot(snap.file, resources, None, snap.gaps, snap.subscription_names, ascii=snap.ascii,
                                     origin=src)])  # fmt: skip


def _check_declarations(
    pre: Scan, old: Estate, new: Estate, current: Estate, same: set[str], files: Sequence[str | Path]
) -> None:
    """Resolve the baseline's declarations (its own and ``files``) against every VNet of the
    baseline, in the file's order, as its full load does: a reference to a VNet the baseline does
    not hold is the same error (its unchanged VNets are the current estate's, byte for byte).

    Declarations the same as the current file's, none of whose references could name a VNet whose
    ID or name is not the same in both files (only ``old`` and ``new`` can hold such a VNet), resolve
    in the baseline as they did in the current estate: the VNets they match are the same ones. Then
    nothing is resolved again."""
    b = pre.baseline
    decls = [parse_declarations(b.path, b.snap.declarations)] if b.snap.declarations is not None else []
    decls.extend(read_declarations(p) for p in files)
    if not decls:
        return
    if b.snap.declarations == pre.current.snap.declarations:
        refs = [r for d in decls for r in (
            *(net.via_vnet_id for net, _, _ in d.onprem), *(f.vnet_id for f, _, _ in d.forwarders),
            *(f.vnet_id for f, _, _ in d.dns_forwarders),
        ) if r]  # fmt: skip
        named = {(v.key, v.name.lower()) for v in old.vnets} ^ {(v.key, v.name.lower()) for v in new.vnets}
        changed = {k for k, _ in named} | {n for _, n in named}
        if not any(rid_key(r) in changed or r.strip().rstrip("/").rsplit("/", 1)[-1].lower() in changed for r in refs):
            return
    order = b.vnets
    vnets = [*old.vnets, *(v for v in current.vnets if v.key in same)]  # a VNet's group is its own key
    vnets.sort(key=lambda v: order[v.key])
    Estate(vnets=tuple(vnets), gaps=old.gaps).with_declarations(decls)


def snapshot_drift_files(
    pre: Scan, current: Estate, declaration_files: Sequence[str | Path] = (), *, baseline_name: str = ""
) -> Report | None:
    """:func:`netplan.drift.snapshot_drift` of the scanned baseline against ``current`` (the full
    Estate of the scanned current file, loaded after :func:`scan` with the same
    ``declaration_files``), building only what differs.
    None when the result could differ from the full comparison's: the caller then compares full
    Estates. Raises the loader's errors for what differs in the baseline (as its full load would)."""
    if _stamp_of(pre.current.path) != pre.current.stamp:
        return None  # the estate loaded is not the file scanned
    same = set(pre.same)
    # The groups of the NICs and endpoints (and of anything changed) in either file.
    group = {key: g for f in (pre.current, pre.baseline) for _, key, g, _, _, _ in f.cands}
    cur_group = {key: g for _, key, g, low, _, _ in pre.current.cands if low in _ENDPOINT_KINDS}
    for pe in current.private_endpoints:
        g = cur_group.get(pe.key)
        if g is None:
            return None  # an endpoint the scan did not see as one
        nics = [group[k] for n in pe.nic_ids if n and (k := rid_key(n)) in group]
        if g in same and any(n not in same for n in nics):
            same.discard(g)  # unchanged, but its NIC (and so its addresses) changed
    # The NICs of the endpoints built are built too (their addresses are the endpoints').
    for pe in current.private_endpoints:
        if cur_group[pe.key] not in same:
            same.difference_update(group[k] for n in pe.nic_ids if n and (k := rid_key(n)) in group)
    old_trim = {k: pair[0] for k, pair in pre.trimmed.items()}
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        try:
            while True:
                old = _partial(pre.baseline, same, old_trim)
                need = {
                    group[k] for pe in old.private_endpoints for n in pe.nic_ids
                    if n and (k := rid_key(n)) in group and group[k] in same
                }  # fmt: skip
                if not need:
                    break
                same -= need
            new = _partial(pre.current, same, {k: pair[1] for k, pair in pre.trimmed.items()})
        except InputError:
            # The full load says it, in its words (a trimmed VNet's paths are not the file's), or
            # a file changed since its scan.
            return None
        _check_declarations(pre, old, new, current, same, declaration_files)
        full, part = current.by_id, new.by_id
        for key, r in part.items():
            whole = full.get(key)
            if whole is None or not same_properties(whole, r):
                return None  # a child ID outside its parent's, claimed by two resources
        if any(key in full and key not in part for key in old.by_id):
            return None  # likewise in the baseline
    finally:
        if was_enabled:
            gc.enable()
    return snapshot_drift(
        old, new, baseline_name=baseline_name, sources=current.sources, unchanged=len(full) - len(part)
    )  # fmt: skip
