"""Drift: what changed between two snapshots, and where an estate departs from its intent.

:func:`snapshot_drift` compares two Estates resource by resource over everything the model holds
(VNets, subnets, peering links, load balancers and frontends, Private Link Services, private
endpoints, NICs and their IP configurations, zones, record sets, zone links, zone groups, gateways,
DNS resolvers, endpoints, rulesets, rules and links), keyed by case-insensitive resource ID. Each
added or removed resource is one finding; each changed property of a resource is one finding
naming the property and both values (lists show what was added and removed). A resource missing
from the new snapshot inside a scope that snapshot could not read is UNKNOWN, not "removed" (and
likewise a resource "added" where the baseline could not read).

:func:`intent_drift` checks each declared connection of an intent (:mod:`netplan.intent`) against
the estate: missing or extra peering links, link state, sync and flags, the private endpoint and
its approval, the app-domain zone link, and the name verification of :mod:`netplan.verify` (a
record whose address is no longer the LB frontend's, e.g. after the cluster was rebuilt).

Both return a :class:`netplan.report.Report` (kind ``drift``), so every output format of audit
serves drift too. The promise on cost: one pass over each estate's resource index, no pairwise
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
from netplan.dns.simulator import DnsSimulator
from netplan.dnspath import resolution_path
from netplan.estate import Estate, describe_gaps
from netplan.ids import name_of, rid_key
from netplan.intent import Intent, Unresolved, UnresolvedIntent
from netplan.model import ConnectionStatus, PeeringState, PrivateEndpoint, SyncLevel
from netplan.plan import make_plan
from netplan.report.model import Finding, Report, RuleInfo, Severity, Status
from netplan.verify import Method, Result, verify_connection

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
    findings: list[Finding] = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is None:
            assert b is not None
            old_gaps = baseline.gaps_for(b.id)
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
            gaps = current.gaps_for(a.id)
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


# ---------------------------------------------------------------------------------------------
# Intent drift

_REF_PEER = "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering"
_REF_LINK = "https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links"

PEERING_DRIFT = RuleInfo(
    "VNP-DRIFT-101", "Declared peering link is missing or not as declared", Severity.HIGH,
    "A connection the intent declares as peering needs both links Connected, in sync, with virtual network "
    "access and the declared forwarding/gateway flags (P1, P2, P4, P5).",
    "Run vnetplan plan --intent INTENT.yaml to get the exact changes, then vnetplan apply.",
    (_REF_PEER,), ("drift", "intent", "peering"),
)  # fmt: skip
EXTRA_PEERING = RuleInfo(
    "VNP-DRIFT-102", "Peering link the intent does not declare", Severity.MEDIUM,
    "The provider VNet is peered with a VNet that is not a declared peering consumer, exposing the whole "
    "provider network beyond what the intent allows.",
    "Remove the link (az network vnet peering delete -g <rg> --vnet-name <vnet> -n <link>) or declare the "
    "connection in the intent.",
    (_REF_PEER,), ("drift", "intent", "peering"),
)  # fmt: skip
ENDPOINT_DRIFT = RuleInfo(
    "VNP-DRIFT-103", "Declared private endpoint is missing or not Approved", Severity.HIGH,
    "A Private Link connection needs a private endpoint in the consumer VNet connected, and approved, to the "
    "provider's Private Link Service.",
    "Run vnetplan plan --intent INTENT.yaml; approve pending connections with "
    "az network private-endpoint-connection approve --id <connection-id>.",
    (_REF_PE,), ("drift", "intent", "private-link"),
)  # fmt: skip
DNS_LINK_DRIFT = RuleInfo(
    "VNP-DRIFT-104", "App-domain zone is not linked to a declared consumer", Severity.HIGH,
    "A consumer resolves the provider's app domain only through a private zone linked to its VNet (D1).",
    "az network private-dns link vnet create -g <zone-rg> -z <app-domain> -n <link> -v <consumer-vnet-id> -e false",
    (_REF_LINK,), ("drift", "intent", "dns"),
)  # fmt: skip
VERIFY_DRIFT = RuleInfo(
    "VNP-DRIFT-105", "Declared app name does not resolve to its expected target", Severity.HIGH,
    "Each app name must resolve, from the consumer, to the provider's LB frontend (peering) or the consumer's "
    "private endpoint (Private Link), and that address must be reachable; a record left at an old address "
    "after a cluster rebuild fails here.",
    "Update the record to the current address (az network private-dns record-set a add-record/remove-record), "
    "or fix what the verification names.",
    (_REF_PE,), ("drift", "intent", "dns", "verification"),
)  # fmt: skip
INTENT_RULES: dict[str, RuleInfo] = {
    r.id: r for r in (PEERING_DRIFT, EXTRA_PEERING, ENDPOINT_DRIFT, DNS_LINK_DRIFT, VERIFY_DRIFT)
}


def _f(rule: RuleInfo, status: Status, resource: str, message: str, item: str = "") -> Finding:
    return Finding(rule.id, rule.severity, status, resource, message, item)


def _peering_findings(estate: Estate, provider: Any, consumer: Any, conn: Any) -> list[Finding]:

    out: list[Finding] = []
    for local, remote, is_consumer in ((provider, consumer, False), (consumer, provider, True)):
        item = f"peering to {remote.name}"
        link = estate.peering(local.id, remote.id)
        if link is None:
            out.append(_f(PEERING_DRIFT, Status.FAIL, local.id, f"VNet {local.name} has no peering link to {remote.name}.", item))
            continue
        problems = []
        if link.state is not PeeringState.CONNECTED:
            problems.append(f"state is {link.state.value}")
        if link.sync_level is not None and link.sync_level is not SyncLevel.FULLY_IN_SYNC:
            problems.append(f"sync level is {link.sync_level.value}")
        if not link.allow_virtual_network_access:
            problems.append("allowVirtualNetworkAccess is false")
        if is_consumer:
            if link.allow_forwarded_traffic != conn.allow_forwarded_traffic:
                problems.append(f"allowForwardedTraffic is {str(link.allow_forwarded_traffic).lower()}, declared "
                                f"{str(conn.allow_forwarded_traffic).lower()}")  # fmt: skip
            if link.use_remote_gateways != conn.use_remote_gateways:
                problems.append(f"useRemoteGateways is {str(link.use_remote_gateways).lower()}, declared "
                                f"{str(conn.use_remote_gateways).lower()}")  # fmt: skip
        what = f"Peering link {link.name} of {local.name} to {remote.name}"
        if problems:
            out.append(_f(PEERING_DRIFT, Status.FAIL, link.id, f"{what}: " + "; ".join(problems) + ".", item))
        else:
            out.append(_f(PEERING_DRIFT, Status.PASS, link.id, f"{what} is Connected and as declared.", item))
    return out


#: Gap kinds under which a private endpoint may be missing.
_ENDPOINT_GAP_KINDS = frozenset({"", "*", "all", "subscription", "subscriptions", "resourcegroup", "resource-group",
                                 "privateendpoints"})  # fmt: skip


def _endpoint_findings(estate: Estate, intent: Any, consumer: Any) -> list[Finding]:

    pls = intent.provider.pls
    item = "private endpoint"
    if pls is None:
        return [_f(ENDPOINT_DRIFT, Status.UNKNOWN, consumer.id,
                   f"The intent names no Private Link Service for the provider, so {consumer.name}'s endpoint cannot be checked.",
                   item)]  # fmt: skip
    key = rid_key(pls.id)
    pes = [
        pe for pe in estate.private_endpoints
        if any(rid_key(c.target_id) == key for c in pe.connections)
        and (v := estate.vnet_of(pe.id)) is not None and v.key == consumer.key
    ]  # fmt: skip
    hidden = [g for g in estate.gaps_for(consumer.id) if g.kind.strip().lower() in _ENDPOINT_GAP_KINDS]
    if not pes and hidden:
        # An endpoint is in its VNet's subscription, which could not be listed for endpoints.
        return [_f(ENDPOINT_DRIFT, Status.UNKNOWN, consumer.id,
                   f"VNet {consumer.name} has no private endpoint to {pls.name} among those read; the estate "
                   f"{describe_gaps(hidden)}.", item)]  # fmt: skip
    if not pes:
        return [_f(ENDPOINT_DRIFT, Status.FAIL, consumer.id,
                   f"VNet {consumer.name} has no private endpoint to {pls.name}.", item)]  # fmt: skip
    out = []
    for pe in pes:
        bad = [c for c in pe.connections if rid_key(c.target_id) == key and c.status is not ConnectionStatus.APPROVED]
        if bad:
            out.append(_f(ENDPOINT_DRIFT, Status.FAIL, pe.id,
                          f"Private endpoint {pe.name} in {consumer.name} to {pls.name} is {bad[0].status.value}.", item))  # fmt: skip
        else:
            out.append(_f(ENDPOINT_DRIFT, Status.PASS, pe.id, f"Private endpoint {pe.name} in {consumer.name} is Approved.", item))
    return out


def _decided_methods(estate: Estate, intent: Any) -> dict[str, str]:
    """consumer VNet key -> the method the planner chooses for each ``auto`` connection."""
    if not any(c.method.value == "auto" for c in intent.connections):
        return {}

    # An existing path (through a hub) or a shared endpoint is held to the target it reaches.
    return {rid_key(d.consumer_id): (d.method if d.method in ("peering", "private-link") else f"{d.method}:{d.verify_method}")
            for d in make_plan(estate, intent).decisions}  # fmt: skip


def _unresolved_findings(u: Unresolved) -> list[Finding]:
    """A connection the estate cannot settle (a gap may hide its VNet): each check UNKNOWN, naming the gap."""
    why = u.reason()
    rule = ENDPOINT_DRIFT if u.method is Method.PRIVATE_LINK else PEERING_DRIFT
    what = {PEERING_DRIFT.id: "its peering links", ENDPOINT_DRIFT.id: "its private endpoint"}[rule.id]
    return [
        _f(rule, Status.UNKNOWN, u.resource, f"Connection {u.consumer}: {what} cannot be checked: {why}.", u.item),
        _f(DNS_LINK_DRIFT, Status.UNKNOWN, u.resource, f"Connection {u.consumer}: its zone link cannot be checked: {why}.",
           u.item),
        _f(VERIFY_DRIFT, Status.UNKNOWN, u.resource, f"Connection {u.consumer}: its app names cannot be verified: {why}.",
           u.item),
    ]  # fmt: skip


def intent_drift(estate: Estate, intent: Intent | UnresolvedIntent) -> Report:
    """Each declared connection of ``intent`` (from :mod:`netplan.intent`) against ``estate``.

    A connection whose VNet may be in a scope the estate could not read (``intent.unresolved``, or a
    whole :class:`UnresolvedIntent` when the provider is such a VNet) is UNKNOWN in every check,
    naming the gap; so is a provider peering to a VNet not read that may be such a consumer."""
    findings: list[Finding] = [f for u in intent.unresolved for f in _unresolved_findings(u)]
    if isinstance(intent, UnresolvedIntent):
        return Report("drift", findings, INTENT_RULES, sources=estate.sources, fail_on=Severity.INFO,
                      extra={"intent": intent.file})  # fmt: skip
    provider = estate.vnet(intent.provider.vnet_id)
    if provider is None:  # the intent loader resolves references, so only a hand-built intent gets here
        raise ValueError(f"provider VNet {intent.provider.vnet_id} is not in the estate")
    domain = intent.provider.app_domain
    sim = DnsSimulator(estate)
    decided = _decided_methods(estate, intent)
    peering_consumers: set[str] = set()
    for conn in intent.connections:
        consumer = estate.vnet(conn.consumer_vnet_id)
        if consumer is None:
            raise ValueError(f"consumer VNet {conn.consumer_vnet_id} is not in the estate")
        method = conn.method.value
        via_path = ""
        if method == "auto" and decided.get(consumer.key) in ("peering", "private-link"):
            # `auto` means what the planner chooses; drift must hold the estate to that choice, or a
            # plan and a drift check of the same intent would disagree about the target state.
            method = decided[consumer.key]
        elif method == "auto" and ":" in decided.get(consumer.key, ""):
            via_path, method = decided[consumer.key].split(":", 1)
        ver = verify_connection(
            estate, provider, consumer, domain, apps=() if conn.wildcard else conn.apps,
            method=method, lb_frontend=intent.provider.frontend_id, simulator=sim, ports=conn.ports,
        )  # fmt: skip
        # Served through a hub (existing path or shared endpoint): no direct peering or own
        # endpoint to hold it to; the name checks below are what must pass.
        if via_path:
            findings.append(_f(PEERING_DRIFT, Status.PASS, consumer.id,
                               f"Connection to {consumer.name}: the plan serves it by {via_path}.", "method"))  # fmt: skip
        elif ver.method is Method.PEERING:
            peering_consumers.add(consumer.key)
            findings += _peering_findings(estate, provider, consumer, conn)
        elif ver.method is Method.PRIVATE_LINK:
            findings += _endpoint_findings(estate, intent, consumer)
        else:
            why = "; ".join(ver.reasons) or "the method could not be decided"
            findings.append(_f(PEERING_DRIFT, Status.UNKNOWN, consumer.id,
                               f"Connection to {consumer.name}: method auto is undecided ({why}).", "method"))  # fmt: skip
        linked = {rid_key(link.zone_id) for link in estate.links_of_vnet(consumer.id)}
        zones = estate.zones_named(domain)

        rp = resolution_path(estate, consumer, sim) if consumer.dns_servers else None
        home = estate.vnet(rp.resolver_vnet_id) if rp is not None and rp.resolver_vnet_id else None
        home_linked = {rid_key(link.zone_id) for link in estate.links_of_vnet(home.id)} if home is not None else set()
        if any(z.key in linked for z in zones) and not consumer.dns_servers:
            findings.append(_f(DNS_LINK_DRIFT, Status.PASS, consumer.id, f"VNet {consumer.name} is linked to {domain}.", domain))
        elif home is not None and home.key != consumer.key and any(z.key in home_linked for z in zones):
            findings.append(_f(DNS_LINK_DRIFT, Status.PASS, consumer.id,
                               f"VNet {consumer.name} resolves as in {home.name} ({rp.summary() if rp else ''}), "
                               f"which is linked to {domain}.", domain))  # fmt: skip
        elif sim.dns_gaps and not any(z.key in linked for z in zones):
            via = f" (it resolves as in {home.name})" if home is not None and home.key != consumer.key else ""
            findings.append(_f(DNS_LINK_DRIFT, Status.UNKNOWN, consumer.id,
                               f"VNet {consumer.name}{via} is linked to no private zone {domain} that was read; the "
                               f"estate {describe_gaps(sim.dns_gaps)}, where a zone linked to it may be.", domain))  # fmt: skip
        elif home is not None and home.key != consumer.key:
            findings.append(_f(DNS_LINK_DRIFT, Status.FAIL, consumer.id,
                               f"VNet {consumer.name} resolves as in {home.name}, which is not linked to a private "
                               f"zone {domain}.", domain))  # fmt: skip
        elif any(z.key in linked for z in zones):
            findings.append(_f(DNS_LINK_DRIFT, Status.PASS, consumer.id, f"VNet {consumer.name} is linked to {domain}.", domain))
        elif consumer.dns_servers:
            findings.append(_f(DNS_LINK_DRIFT, Status.UNKNOWN, consumer.id,
                               f"VNet {consumer.name} uses custom DNS servers; its zone links are not consulted (D2).", domain))  # fmt: skip
        else:
            findings.append(_f(DNS_LINK_DRIFT, Status.FAIL, consumer.id,
                               f"VNet {consumer.name} is not linked to a private zone {domain}.", domain))  # fmt: skip
        for check in ver.checks:
            status = {Result.PASS: Status.PASS, Result.FAIL: Status.FAIL}.get(check.result, Status.UNKNOWN)
            expected = ", ".join(check.expected) or "unknown"
            why = "; ".join(check.reasons)
            findings.append(_f(VERIFY_DRIFT, status, consumer.id,
                               f"{check.name} from {consumer.name} (expected {expected}): {why or check.result.value}.",
                               check.name))  # fmt: skip
    for link in provider.peerings:
        if rid_key(link.remote_vnet_id) in peering_consumers:
            continue
        maybe = [u for u in intent.unresolved if estate.vnet(link.remote_vnet_id) is None and u.could_be(link.remote_vnet_id)]
        if maybe:
            findings.append(_f(EXTRA_PEERING, Status.UNKNOWN, link.id,
                               f"Provider {provider.name} has peering link {link.name} to {name_of(link.remote_vnet_id)}, "
                               f"which may be the declared consumer {maybe[0].consumer}: {maybe[0].reason()}.",
                               name_of(link.remote_vnet_id)))  # fmt: skip
        else:
            findings.append(_f(EXTRA_PEERING, Status.FAIL, link.id,
                               f"Provider {provider.name} has peering link {link.name} to {name_of(link.remote_vnet_id)}, "
                               "which the intent does not declare as a peering consumer.", name_of(link.remote_vnet_id)))  # fmt: skip
    return Report("drift", findings, INTENT_RULES, sources=estate.sources, fail_on=Severity.INFO,
                  extra={"intent": getattr(intent, "file", "")})  # fmt: skip
