"""Drift: what changed between two snapshots.

:func:`snapshot_drift` compares two Estates resource by resource over everything the model holds
(VNets, subnets, peering links, load balancers and frontends, Private Link Services, private
endpoints, NICs and their IP configurations, zones, record sets, zone links, zone groups, gateways,
DNS resolvers, endpoints, rulesets, rules and links), keyed by case-insensitive resource ID. Each
added or removed resource is one finding; each changed property of a resource is one finding
naming the property and both values (lists show what was added and removed). A resource missing
from the new snapshot inside a scope that snapshot could not read is UNKNOWN, not "removed" (and
likewise a resource "added" where the baseline could not read).

Intent drift (where an estate departs from its intent) is :mod:`netplan.intentdrift`: it asks the
planner, which a comparison of two snapshots never needs.

Both return a :class:`netplan.report.Report` (kind ``drift``), so every output format of audit
serves drift too; :func:`merge` makes one of several. The promise on cost: one pass over each estate's resource index, no pairwise
comparisons; for two snapshot files, :mod:`netplan.driftscan` first skips the resources whose JSON
is the same in both, and this module compares what is left.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from ipaddress import IPv4Address, IPv6Address
from operator import attrgetter
from typing import Any

from netplan.addr import Prefix
from netplan.estate import Estate
from netplan.ids import name_of, rid_key
from netplan.model import Gap, PrivateEndpoint
from netplan.report.model import Finding, Report, RuleInfo, Severity, Status

_REF_DRIFT = "https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview"
_REF_PE = "https://learn.microsoft.com/azure/private-link/private-endpoint-dns-integration"

ADDED = RuleInfo(
    "VNP-DRIFT-001", "Resource added since the baseline", Severity.LOW,
    "A resource in the connectivity graph exists now that was not in the baseline snapshot.",
    "Review the change; if intended, take a new baseline (vnetplan inventory --out baseline.json).",
    (_REF_DRIFT,), ("drift",),
)  # fmt: skip
REMOVED = RuleInfo(
    "VNP-DRIFT-002", "Resource removed since the baseline", Severity.HIGH,
    "A resource of the baseline is gone: a deleted peering link, record or endpoint breaks connectivity.",
    "Restore it (vnetplan plan --intent ... recreates declared resources), or take a new baseline if intended.",
    (_REF_DRIFT,), ("drift",),
)  # fmt: skip
CHANGED = RuleInfo(
    "VNP-DRIFT-003", "Connectivity property changed since the baseline", Severity.HIGH,
    "A property that decides traffic or name resolution changed: peering state, flags or sync, address "
    "space, record values, link settings, endpoint addresses or approval.",
    "Compare with the change record; revert (az network ... update) or take a new baseline if intended.",
    (_REF_DRIFT,), ("drift",),
)  # fmt: skip
CHANGED_OTHER = RuleInfo(
    "VNP-DRIFT-004", "Other property changed since the baseline", Severity.MEDIUM,
    "A property that does not by itself decide connectivity changed (location, provisioning state, TTL, "
    "policies): worth knowing, rarely urgent.",
    "Review the change; take a new baseline if intended.",
    (_REF_DRIFT,), ("drift",),
)  # fmt: skip
SNAPSHOT_RULES: dict[str, RuleInfo] = {r.id: r for r in (ADDED, REMOVED, CHANGED, CHANGED_OTHER)}

#: Properties compared as their own resources (children) or never compared (identity, the source JSON).
_SKIP = frozenset({
    "id", "name", "source", "tags", "subnets", "peerings", "frontends", "ip_configs",
    # Changes whenever any NIC in the subnet changes; the NICs themselves are compared.
    "ip_configuration_ids",
    # Azure appends a random suffix to an endpoint's NIC name; the endpoint's addresses are compared.
    "nic_ids",
    # The remote VNet's current space: compared on the remote VNet itself (what a link routes is
    # remote_prefixes).
    "remote_current_prefixes",
})  # fmt: skip
#: Order matters here (DNS servers are tried in order); every other list is compared as a set.
_ORDERED = frozenset({"dns_servers"})
#: Properties that decide traffic or name resolution (VNP-DRIFT-003); the rest are VNP-DRIFT-004.
CONNECTIVITY = frozenset({
    "state", "sync_level", "allow_virtual_network_access", "allow_forwarded_traffic", "allow_gateway_transit",
    "use_remote_gateways", "remote_prefixes", "remote_vnet_id", "peer_complete_vnets", "local_subnet_names",
    "remote_subnet_names", "address_prefixes", "prefixes", "dns_servers", "nsg_id", "route_table_id", "values",
    "rtype", "private_ip", "ips", "static_ips", "subnet_id", "sku", "connections", "frontend_ids", "nat_ips",
    "vnet_id", "zone_id", "zone_ids", "records", "registration_enabled", "resolution_policy", "targets",
    "enabled", "domain", "ruleset_id", "outbound_endpoint_ids", "gateway_type", "public_ip_id", "custom_dns",
    "only_ipv6", "remote_gateway_ids",
})  # fmt: skip


_SCALARS = frozenset({str, int, bool, float})


def _plain(value: Any, ordered: bool = False) -> Any:
    """A comparable, printable form: strings for addresses and prefixes, sorted lists for sets."""
    if value is None or type(value) in _SCALARS:  # the common case first: this runs millions of times
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Prefix | IPv4Address | IPv6Address):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name not in ("source",)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        if ordered or len(items) < 2:
            return items
        try:
            return sorted(items)
        except TypeError:  # dicts (nested objects) or mixed types: any stable order will do
            return sorted(items, key=repr)
    return value


_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _compared_fields(cls: type) -> tuple[tuple[str, bool], ...]:
    """(field name, ordered) of a model class, computed once per class."""
    got = _FIELDS.get(cls)
    if got is None:
        got = tuple((f.name, f.name in _ORDERED) for f in dataclasses.fields(cls) if f.name not in _SKIP)
        _FIELDS[cls] = got
    return got


_GETTERS: dict[type, Callable[[Any], Any]] = {}


def same_properties(a: Any, b: Any) -> bool:
    """The compared properties of two resources are equal as the model holds them (a fast, exact
    test in C: equal here means equal :func:`facts`; unequal ones are compared through facts, which
    may still find them the same, e.g. a list in another order). Identity, tags and the children
    compared as their own resources (a VNet's subnets and peerings) are left out, as in facts."""
    cls = type(a)
    if cls is not type(b):
        return False
    get = _GETTERS.get(cls)
    if get is None:
        names = [name for name, _ in _compared_fields(cls)]
        get = _GETTERS[cls] = attrgetter(*names) if names else (lambda r: ())
    return bool(get(a) == get(b))


def facts(estate: Estate, resource: Any) -> dict[str, Any]:
    """The compared properties of one resource (model fields minus identity and children)."""
    out = {name: _plain(getattr(resource, name), ordered) for name, ordered in _compared_fields(type(resource))}
    if isinstance(resource, PrivateEndpoint):
        out["ips"] = sorted(str(ip) for ip in estate.endpoint_ips(resource))
    return out


def _kind(resource: Any) -> str:
    return type(resource).__name__


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]" if value else "[]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str) and value.startswith("/subscriptions/"):
        return name_of(value)
    return "none" if value is None else str(value)


def _named(items: Any) -> dict[str, dict[str, Any]] | None:
    """Lists of named sub-objects (endpoint connections, NAT IPs) keyed by name, else None."""
    if not isinstance(items, list) or not all(isinstance(i, dict) and "name" in i for i in items):
        return None
    keyed = {str(i["name"]): i for i in items}
    return keyed if len(keyed) == len(items) else None


def _change_text(old: Any, new: Any) -> str:
    a, b = _named(old), _named(new)
    if a is not None and b is not None and (a or b):
        # Say which field of which named element changed, not the whole element twice.
        parts = [f"+{n}" for n in sorted(b.keys() - a.keys())] + [f"-{n}" for n in sorted(a.keys() - b.keys())]
        for n in sorted(a.keys() & b.keys()):
            for k in sorted(a[n].keys() | b[n].keys()):
                if a[n].get(k) != b[n].get(k):
                    parts.append(f"{n}.{k} {_show(a[n].get(k))} -> {_show(b[n].get(k))}")
        return " ".join(parts)
    if isinstance(old, list) and isinstance(new, list):
        gone = [_show(v) for v in old if v not in new]
        came = [_show(v) for v in new if v not in old]
        if gone or came:
            parts = [f"+{c}" for c in came] + [f"-{g}" for g in gone]
            return " ".join(parts)
        return f"{_show(old)} -> {_show(new)} (order)"
    return f"{_show(old)} -> {_show(new)}"


def snapshot_drift(
    baseline: Estate,
    current: Estate,
    *,
    baseline_name: str = "",
    sources: tuple[str, ...] | None = None,
    unchanged: int = 0,
) -> Report:
    """Every added, removed and changed resource between two snapshots (see the module docstring).

    :mod:`netplan.driftscan` passes the Estates of what differs between two files only, with
    ``unchanged``, the count of resources it found unchanged by their bytes, and ``sources``, the
    current estate's files (by default ``current``'s)."""
    # Millions of short-lived values on a heap holding two estates: the cyclic GC would rescan both
    # again and again (as in the loader); nothing here makes cycles, so pause it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _snapshot_drift(baseline, current, baseline_name, current.sources if sources is None else sources, unchanged)
    finally:
        if was_enabled:
            gc.enable()


def _snapshot_drift(baseline: Estate, current: Estate, baseline_name: str, sources: tuple[str, ...], unchanged: int) -> Report:
    old, new = baseline.by_id, current.by_id
    old_gaps_for, new_gaps_for = _gaps_for(baseline), _gaps_for(current)
    findings: list[Finding] = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is None:
            assert b is not None
            old_gaps = old_gaps_for(b.id)
            if old_gaps:
                g = old_gaps[0]
                findings.append(Finding(
                    ADDED.id, ADDED.severity, Status.UNKNOWN, b.id,
                    f"{_kind(b)} {b.name} is not in the baseline, but the baseline could not read {g.kind} in "
                    f"{g.scope} ({g.reason}).",
                ))  # fmt: skip
            else:
                findings.append(Finding(ADDED.id, ADDED.severity, Status.FAIL, b.id, f"{_kind(b)} {b.name} was added."))
            continue
        if b is None:
            assert a is not None
            gaps = new_gaps_for(a.id)
            if gaps:
                g = gaps[0]
                findings.append(Finding(
                    REMOVED.id, REMOVED.severity, Status.UNKNOWN, a.id,
                    f"{_kind(a)} {a.name} is not in the new snapshot, but that snapshot could not read {g.kind} "
                    f"in {g.scope} ({g.reason}).",
                ))  # fmt: skip
            else:
                findings.append(Finding(REMOVED.id, REMOVED.severity, Status.FAIL, a.id, f"{_kind(a)} {a.name} was removed."))
            continue
        if not isinstance(a, PrivateEndpoint) and same_properties(a, b):
            # Model equality of the compared fields is exact and cheap; facts are built only to say
            # what differs. An endpoint's addresses live on its NIC, so endpoints are always compared.
            unchanged += 1
            continue
        fa, fb = facts(baseline, a), facts(current, b)
        diffs = [p for p in sorted(fa.keys() | fb.keys()) if fa.get(p) != fb.get(p)]
        if not diffs:
            unchanged += 1
        for prop in diffs:
            rule = CHANGED if prop in CONNECTIVITY else CHANGED_OTHER
            findings.append(Finding(
                rule.id, rule.severity, Status.FAIL, b.id,
                f"{_kind(b)} {b.name}: {prop} {_change_text(fa.get(prop), fb.get(prop))}.", prop,
            ))  # fmt: skip
    counts = {r: sum(1 for f in findings if f.rule == r) for r in SNAPSHOT_RULES}
    extra = {
        "baseline": baseline_name or (baseline.sources[0] if baseline.sources else ""),
        "unchanged": unchanged,
        "added": counts[ADDED.id],
        "removed": counts[REMOVED.id],
        "changed_properties": counts[CHANGED.id] + counts[CHANGED_OTHER.id],
    }
    return Report("drift", findings, SNAPSHOT_RULES, sources=sources, fail_on=Severity.INFO, extra=extra)


def _gaps_for(estate: Estate) -> Callable[[str], list[Gap]]:
    """:meth:`Estate.gaps_for` with each gap's scope key made once, not once per resource asked
    about (a drift of thousands of added or removed resources in an estate with hundreds of gaps)."""
    scopes = [(rid_key(g.scope), g) for g in estate.gaps]

    def gaps_for(rid: str) -> list[Gap]:
        k = rid_key(rid)
        return [g for s, g in scopes if k.startswith(s) or s in ("*", "")]

    return gaps_for


def has_drift(report: Report) -> bool:
    """Exit 1 for drift: any FAIL, or any UNKNOWN (drift that cannot be ruled out is not "in sync")."""
    return any(f.status is not Status.PASS and f.suppressed is None for f in report.findings)


def merge(reports: Iterable[Report], sources: tuple[str, ...], extra: Mapping[str, Any]) -> Report:
    """One drift report from several (snapshot drift and intent drift in one run)."""
    findings: list[Finding] = []
    rules: dict[str, RuleInfo] = {}
    for r in reports:
        findings.extend(r.findings)
        rules.update(r.rules)
    return Report("drift", findings, rules, sources=sources, fail_on=Severity.INFO, extra=dict(extra))
