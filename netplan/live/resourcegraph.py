"""Inventory through Azure Resource Graph: one paged query for every modelled kind, tenant-wide.

Per-subscription ARM listing (:func:`netplan.live.inventory.take_inventory`) costs about eight list
calls per subscription plus their pages, so a tenant of 1,000 subscriptions needs thousands of calls
and meets ARM's throttling. Resource Graph answers one Kusto query across up to 1,000 subscriptions
(or whole management groups) at a time, 1,000 rows per page (``$skipToken``).

What Resource Graph holds and what it does not (Microsoft Learn, "Azure Resource Graph table and
resource type reference", the ``resources`` table): virtual networks (subnets and peerings inline,
as ARM returns them), load balancers, Private Link services, private endpoints, network interfaces,
route tables, network security groups, application security groups, Azure Firewalls, virtual
network gateways, Private DNS zones and their virtual network links, DNS private resolvers
with their inbound and outbound endpoints, and DNS forwarding rulesets. It does not hold private
endpoints' ``privateDnsZoneGroups``, DNS forwarding rulesets' ``forwardingRules`` and
``virtualNetworkLinks``, or (in the ``resources`` table) Private DNS record sets; those are read
from ARM, per parent, exactly as the ARM inventory reads them. A kind the ARM inventory lists that
is not in :data:`GRAPH_KINDS` is listed through ARM per subscription, so the two snapshots hold the
same resources whatever kinds the model grows.

Differences, stated: Resource Graph rows have no ``etag`` (ARM lists carry one; ``plan`` records
etags for ``apply``'s If-Match, so plan from an ARM inventory when you will apply), Resource Graph
data can lag ARM by seconds to minutes after a change, and it lowercases ``type`` (restored here
to ARM's spelling).

Throttling (Microsoft Learn, "Guidance for throttled requests in Azure Resource Graph"): every
response carries ``x-ms-user-quota-remaining`` and ``x-ms-user-quota-resets-after`` (hh:mm:ss);
when the quota is spent the next query waits for the reset instead of being refused, and a 429 is
retried after the reset (or Retry-After). Subscriptions named with ``--subscription`` that Resource
Graph does not show (no access, or not in the tenant) are gaps, never silently skipped.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TextIO

from netplan import kinds
from netplan.ids import parse_id
from netplan.live.inventory import (
    DNS_RESOLVER_API,
    InventoryOptions,
    InventoryResult,
    LiveError,
    _bind,
    _client_kwargs,
    _describe,
    _generic_list,
    _in_rgs,
    _Progress,
    _subscription_tasks,
    _Task,
    _to_rest,
    finish_snapshot,
    run_listings,
)

#: Resource Graph REST api-version (azure-mgmt-resourcegraph 8's default).
GRAPH_API = "2021-03-01"
#: Rows per page: Resource Graph's maximum ``$top``.
PAGE_SIZE = 1000
#: Subscriptions per query: the REST API's maximum (Microsoft Learn, Resource Graph troubleshooting).
SUBSCRIPTION_BATCH = 1000
#: Attempts for one page when throttled (429) or when Resource Graph fails with a 5xx.
ATTEMPTS = 6

#: Kinds read from Resource Graph's ``resources`` table: lower-case type -> ARM's spelling.
GRAPH_KINDS: dict[str, str] = {k.key: k.type for k in kinds.ALL if k.in_graph}

#: ARM-inventory task kinds whose resources (and follow-ups) Resource Graph replaces.
COVERED_TASKS = frozenset({
    "virtualNetworks", "loadBalancers", "privateLinkServices", "privateEndpoints", "networkInterfaces",
    "privateDnsZones", "dnsResolvers", "dnsForwardingRulesets", "routeTables", "networkSecurityGroups",
    "applicationSecurityGroups", "azureFirewalls",
})  # fmt: skip

#: The columns projected: the top-level members of an ARM resource body.
COLUMNS = ("id", "name", "type", "location", "tags", "sku", "zones", "kind", "extendedLocation", "properties")
#: Columns Resource Graph returns as null/empty when ARM would leave the member out.
_OPTIONAL = ("tags", "sku", "zones", "kind", "extendedLocation", "location")

RESOURCES_QUERY = (
    "resources\n"
    "| where type in~ (" + ", ".join(f"'{t}'" for t in sorted(GRAPH_KINDS)) + ")\n"
    "| project " + ", ".join(COLUMNS) + "\n"
    "| order by id asc"
)
SUBSCRIPTIONS_QUERY = (
    "resourcecontainers\n"
    "| where type =~ 'microsoft.resources/subscriptions'\n"
    "| project subscriptionId, name\n"
    "| order by subscriptionId asc"
)


@dataclass
class GraphStats:
    """What the Resource Graph part of a run cost."""

    queries: int = 0
    pages: int = 0
    throttled: int = 0
    waited_seconds: float = 0.0
    arm_requests: int = 0
    notes: list[str] = field(default_factory=list)


def parse_resets_after(text: str | None) -> float | None:
    """``"00:00:03"`` (hh:mm:ss, optionally with fractional seconds) -> 3.0; None when absent/garbled."""
    if not text:
        return None
    try:
        parts = [float(p) for p in text.strip().split(":")]
    except ValueError:
        return None
    secs = 0.0
    for p in parts:
        secs = secs * 60 + p
    return max(0.0, secs)


class _Quota:
    """The user's Resource Graph quota as the last response reported it; waits when it is spent."""

    def __init__(self, stats: GraphStats, sleep: Callable[[float], None]) -> None:
        self.remaining: int | None = None
        self.reset_at = 0.0
        self.stats = stats
        self.sleep = sleep
        self.lock = threading.Lock()

    def before(self) -> None:
        with self.lock:
            wait_s = self.reset_at - time.monotonic() if self.remaining is not None and self.remaining <= 0 else 0.0
        if wait_s > 0:
            self.stats.waited_seconds += wait_s
            self.sleep(wait_s)
            with self.lock:
                self.remaining = None

    def after(self, headers: Any) -> float | None:
        """Record the quota headers; the seconds until reset (None when not sent)."""
        remaining = headers.get("x-ms-user-quota-remaining")
        resets = parse_resets_after(headers.get("x-ms-user-quota-resets-after"))
        with self.lock:
            if remaining is not None and str(remaining).strip().lstrip("-").isdigit():
                self.remaining = int(str(remaining).strip())
            if resets is not None:
                self.reset_at = time.monotonic() + resets
        return resets


def _graph_client(credential: Any, opts: InventoryOptions) -> Any:
    from azure.mgmt.resourcegraph import ResourceGraphClient

    kw = _client_kwargs(opts)
    # 429 and 5xx are retried here, after the quota resets; the SDK must not sleep on them first.
    kw["retry_total"] = 0
    return ResourceGraphClient(credential, **kw)


def _query_all(
    client: Any,
    query: str,
    quota: _Quota,
    stats: GraphStats,
    *,
    subscriptions: list[str] | None,
    management_groups: list[str] | None,
    sleep: Callable[[float], None],
) -> list[dict[str, Any]]:
    """Every row of ``query`` in the scope, following ``$skipToken``."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

    rows: list[dict[str, Any]] = []
    token: str | None = None
    stats.queries += 1
    while True:
        request = QueryRequest(
            subscriptions=subscriptions or None,
            management_groups=management_groups or None,
            query=query,
            options=QueryRequestOptions(top=PAGE_SIZE, skip_token=token, result_format="objectArray"),
        )
        for attempt in range(ATTEMPTS):
            quota.before()
            try:
                body, headers = client.resources(
                    request, cls=lambda pr, de, _h: (de, pr.http_response.headers)
                )
            except ClientAuthenticationError:
                raise
            except HttpResponseError as exc:
                status = exc.status_code or 0
                if (status == 429 or status >= 500) and attempt + 1 < ATTEMPTS:
                    stats.throttled += status == 429
                    hdrs: Any = getattr(exc.response, "headers", None) or {}
                    resets = quota.after(hdrs)
                    retry_after = hdrs.get("Retry-After")
                    delay = resets if resets is not None else (
                        float(retry_after) if retry_after and str(retry_after).isdigit() else 2.0**attempt
                    )  # fmt: skip
                    stats.waited_seconds += delay
                    sleep(delay)
                    continue
                raise
            quota.after(headers)
            break
        stats.pages += 1
        data = body.data if hasattr(body, "data") else body.get("data", [])
        rows.extend(data or [])
        token = getattr(body, "skip_token", None) if not isinstance(body, dict) else body.get("$skipToken")
        if not token:
            return rows


def _arm_shape(row: dict[str, Any]) -> dict[str, Any]:
    """A Resource Graph row as the ARM list returns the resource: type spelled as ARM does, the
    members ARM leaves out when empty left out."""
    out: dict[str, Any] = {}
    for col in COLUMNS:
        if col not in row:
            continue
        v = row[col]
        if col in _OPTIONAL and (v is None or v == "" or (col == "zones" and v == [])):
            continue
        out[col] = v
    t = str(out.get("type", ""))
    out["type"] = GRAPH_KINDS.get(t.lower(), t)
    return out


def _fallback_tasks(
    sub: str, credential: Any, opts: InventoryOptions, by_kind: dict[str, list[dict[str, Any]]]
) -> list[_Task]:
    """ARM reads for what Resource Graph does not hold, for the resources of one subscription."""
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.privatedns import PrivateDnsManagementClient

    kw = _client_kwargs(opts)
    net = NetworkManagementClient(credential, sub, **kw)
    dns = PrivateDnsManagementClient(credential, sub, **kw)
    tasks: list[_Task] = []
    for z in by_kind.get("microsoft.network/privatednszones", []):
        p = parse_id(z["id"])
        tasks.append(_Task(sub, "recordSets", _bind(lambda rg, n: [_to_rest(m) for m in dns.record_sets.list(rg, n)], p.resource_group, p.name), z["id"]))
    for pe in by_kind.get("microsoft.network/privateendpoints", []):
        p = parse_id(pe["id"])

        def groups(rg: str, name: str, pe_id: str = pe["id"]) -> list[dict[str, Any]]:
            out = []
            for m in net.private_dns_zone_groups.list(name, rg):
                body = _to_rest(m)
                body.setdefault("type", "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
                body.setdefault("id", f"{pe_id}/privateDnsZoneGroups/{body.get('name')}")
                out.append(body)
            return out

        tasks.append(_Task(sub, "privateDnsZoneGroups", _bind(groups, p.resource_group, p.name), pe["id"]))
    for rs in by_kind.get("microsoft.network/dnsforwardingrulesets", []):
        for child in ("forwardingRules", "virtualNetworkLinks"):
            url = f"{rs['id']}/{child}?api-version={DNS_RESOLVER_API}"
            tasks.append(_Task(sub, child, _bind(lambda u: _generic_list(net, u), url), rs["id"]))
    # Kinds the ARM inventory lists that Resource Graph is not asked for: per subscription, via ARM.
    tasks.extend(t for t in _subscription_tasks(sub, credential, opts) if t.kind not in COVERED_TASKS)
    return tasks


def take_inventory_graph(
    credential: Any,
    opts: InventoryOptions,
    *,
    management_groups: tuple[str, ...] = (),
    progress: TextIO | None = None,
    show_progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[InventoryResult, GraphStats]:
    """The same snapshot as :func:`netplan.live.inventory.take_inventory`, read through Resource Graph."""
    from azure.core.exceptions import ClientAuthenticationError

    started = time.monotonic()
    stats = GraphStats()
    quota = _Quota(stats, sleep)
    client = _graph_client(credential, opts)
    named = list(opts.subscriptions)
    mgs = list(management_groups)
    failures: list[dict[str, str]] = []

    def scopes() -> list[tuple[list[str] | None, list[str] | None]]:
        if named:
            return [(named[i : i + SUBSCRIPTION_BATCH], None) for i in range(0, len(named), SUBSCRIPTION_BATCH)]
        if mgs:
            return [(None, mgs)]
        return [(None, None)]  # every subscription the credential can see (tenant scope)

    names: dict[str, str] = {}
    try:
        visible: dict[str, str] = {}
        for subs_scope, mg_scope in scopes():
            for row in _query_all(client, SUBSCRIPTIONS_QUERY, quota, stats, subscriptions=subs_scope,
                                  management_groups=mg_scope, sleep=sleep):  # fmt: skip
                sid = str(row.get("subscriptionId", ""))
                if sid:
                    visible.setdefault(sid.lower(), sid)
                    if row.get("name"):  # resourcecontainers' name is the display name
                        names.setdefault(sid.lower(), str(row["name"]))
        if named:
            subs = []
            for s in named:
                if s.lower() in visible:
                    subs.append(visible[s.lower()])
                else:
                    failures.append({
                        "scope": f"/subscriptions/{s}", "kind": "*",
                        "reason": "Resource Graph does not show this subscription (no read access, or not in this tenant)",
                    })  # fmt: skip
        else:
            subs = [visible[k] for k in sorted(visible)]
        if not subs:
            raise LiveError("Resource Graph shows no subscriptions to this credential; pass --subscription ID")
        rows: list[dict[str, Any]] = []
        for i in range(0, len(subs), SUBSCRIPTION_BATCH):
            rows.extend(_query_all(client, RESOURCES_QUERY, quota, stats, subscriptions=subs[i : i + SUBSCRIPTION_BATCH],
                                   management_groups=None, sleep=sleep))  # fmt: skip
    except ClientAuthenticationError as exc:
        raise LiveError(f"authentication failed: {_describe(exc)}") from None
    except LiveError:
        raise
    except Exception as exc:
        raise LiveError(f"Resource Graph query failed: {_describe(exc)}") from None

    wanted = {s.lower(): s for s in subs}
    resources: list[dict[str, Any]] = []
    counts: dict[str, Counter[str]] = {s: Counter() for s in subs}
    per_sub: dict[str, dict[str, list[dict[str, Any]]]] = {s: {} for s in subs}
    for row in _in_rgs((_arm_shape(r) for r in rows), opts.resource_groups):
        sub = wanted.get(parse_id(str(row.get("id", ""))).subscription.lower())
        if sub is None:
            continue
        resources.append(row)
        kind = row["type"].split("/", 1)[1]
        counts[sub][kind] += 1
        per_sub[sub].setdefault(row["type"].lower(), []).append(row)

    seeds = {s: partial(_fallback_tasks, s, credential, opts, per_sub[s]) for s in subs}
    run_listings(seeds, opts, resources, counts, failures, _Progress(progress, show_progress))
    snapshot = finish_snapshot(resources, failures, subs, opts, names, management_groups=mgs,
                               tail={"source": "resource-graph"})  # fmt: skip
    return InventoryResult(snapshot, counts, failures, seconds=time.monotonic() - started, names=names), stats
