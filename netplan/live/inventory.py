"""Read an estate from Azure through the real SDK clients, concurrently, with progress.

``take_inventory`` lists, for each subscription, every resource kind the model covers:
VNets (with their subnets and peerings inline), load balancers, Private Link Services, private
endpoints and their DNS zone groups, NICs, route tables (routes inline), network security groups
(security and default rules inline), application security groups, Azure Firewalls (their private
addresses: next hops of user-defined routes), virtual network gateways, Private DNS zones with their
record sets and VNet links, and DNS private resolvers with their endpoints, forwarding rulesets,
rules and ruleset links. Work runs in a bounded thread pool across subscriptions and kinds; the
SDK pages (``nextLink``) and retries 429/5xx honouring Retry-After.

The promise: nothing is silently missing. A subscription or kind that fails (403, throttling
beyond retries, a 5xx) is reported by name; without ``allow_partial`` that makes the run an
error (exit 2), with it the snapshot records each gap so that later analyses answer UNKNOWN
where it matters. Only GET requests are sent.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TextIO

from netplan import kinds
from netplan.errors import VnetplanError
from netplan.ids import parse_id
from netplan.live.credentials import redact
from netplan.live.guard import EndpointGuard

#: api-versions for resource kinds that have no SDK installed (called through send_request).
DNS_RESOLVER_API = kinds.DNS_RESOLVER_API


class LiveError(VnetplanError):
    """Azure could not be read (auth, API failure, missing subscriptions): exit 2."""


@dataclass(frozen=True)
class InventoryOptions:
    subscriptions: tuple[str, ...] = ()
    resource_groups: tuple[str, ...] = ()
    #: ARM base URL (sovereign clouds, the test emulator); None = public Azure.
    endpoint: str | None = None
    #: CA bundle to trust for the endpoint (the emulator's test CA).
    ca_bundle: str | None = None
    concurrency: int = 32
    allow_partial: bool = False
    retries: int = 6
    #: Backoff factor for the SDK retry policy (seconds); Retry-After always wins.
    backoff: float = 0.8


@dataclass
class InventoryResult:
    snapshot: dict[str, Any]
    counts: dict[str, Counter[str]] = field(default_factory=dict)  # subscription -> kind -> n
    failures: list[dict[str, str]] = field(default_factory=list)  # gaps: scope/kind/reason
    requests: int = 0
    seconds: float = 0.0
    #: Subscription ID (lower case) -> display name, from the subscription list.
    names: dict[str, str] = field(default_factory=dict)
    #: Why the subscription list (and so the display names) could not be read; None when it was.
    names_unread: str | None = None


@dataclass
class _Task:
    subscription: str
    kind: str
    run: Callable[[], tuple[list[dict[str, Any]], list[_Task]]]
    scope: str


class _Progress:
    """A one-line progress bar on stderr when it is a terminal, quiet otherwise."""

    def __init__(self, stream: TextIO | None, enabled: bool) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.done = 0
        self.total = 0
        self.lock = threading.Lock()

    def add(self, n: int) -> None:
        with self.lock:
            self.total += n
            self._draw()

    def tick(self, label: str) -> None:
        with self.lock:
            self.done += 1
            self._draw(label)

    def _draw(self, label: str = "") -> None:
        if not self.enabled or not self.total:
            return
        width = 28
        filled = int(width * self.done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} {label[:40]:<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.total:
            self.stream.write("\n")
            self.stream.flush()


def _to_rest(model: Any) -> dict[str, Any]:
    """An SDK model as its REST JSON (TypeSpec models are mappings; older ones serialize())."""
    if isinstance(model, dict):
        return model
    if hasattr(model, "as_dict") and hasattr(model, "_attr_to_rest_field"):
        return dict(model.as_dict())
    if hasattr(model, "serialize"):
        return dict(model.serialize(keep_readonly=True))
    return dict(model)


_TRANSPORTS: dict[tuple[str | None, int], Any] = {}
_TRANSPORT_LOCK = threading.Lock()


def _transport(opts: InventoryOptions) -> Any:
    """One HTTP transport (one connection pool) shared by every client of a run.

    Clients are per subscription; without sharing, each would open its own TLS connections,
    and the handshakes, not Azure, would dominate a 50-subscription inventory.
    """
    key = (opts.ca_bundle, opts.concurrency)
    with _TRANSPORT_LOCK:
        if key not in _TRANSPORTS:
            import requests
            from azure.core.pipeline.transport import RequestsTransport

            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=max(10, opts.concurrency * 2))
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            if opts.ca_bundle:
                session.verify = opts.ca_bundle
            kw = {"connection_verify": opts.ca_bundle} if opts.ca_bundle else {}
            _TRANSPORTS[key] = RequestsTransport(session=session, session_owner=False, **kw)
        return _TRANSPORTS[key]


def _client_kwargs(opts: InventoryOptions) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "retry_total": opts.retries,
        "retry_backoff_factor": opts.backoff,
        # Every request of every client goes through the guard: the token only to the endpoint.
        "transport": EndpointGuard(_transport(opts), opts.endpoint),
    }
    if opts.endpoint:
        kw["base_url"] = opts.endpoint.rstrip("/")
        kw["credential_scopes"] = [opts.endpoint.rstrip("/") + "/.default"]
    if opts.ca_bundle:
        kw["connection_verify"] = opts.ca_bundle
    return kw


def _generic_list(client: Any, url: str) -> list[dict[str, Any]]:
    """GET an ARM list URL and follow nextLink (for kinds without an installed SDK)."""
    from azure.core.exceptions import HttpResponseError
    from azure.core.rest import HttpRequest

    out: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        resp = client.send_request(HttpRequest("GET", next_url))
        if resp.status_code == 404:
            # The resource provider or parent is not there: an empty list, as the portal shows.
            return out
        if resp.status_code >= 400:
            raise HttpResponseError(response=resp)
        body = resp.json()
        out.extend(body.get("value", []))
        next_url = body.get("nextLink")
    return out


def read_subscriptions(credential: Any, opts: InventoryOptions) -> list[dict[str, str]]:
    """Every subscription the credential can list, with its display name and state.

    ``GET /subscriptions`` through the SDK's ``SubscriptionClient`` (read-only). Each item is
    ``{"subscriptionId", "displayName", "state"}``, the shape ARM lists them in.
    """
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    kw = _client_kwargs(opts)
    client = SubscriptionClient(credential, kw.pop("base_url", None), **kw)
    out: list[dict[str, str]] = []
    for item in client.subscriptions.list():
        rest = _to_rest(item)
        sid = str(rest.get("subscriptionId") or "")
        if sid:
            out.append({
                "subscriptionId": sid,
                "displayName": str(rest.get("displayName") or ""),
                "state": str(rest.get("state") or "Enabled"),
            })  # fmt: skip
    return out


def list_subscriptions(credential: Any, opts: InventoryOptions) -> list[str]:
    """Every enabled subscription the credential can list (``GET /subscriptions``)."""
    return [s["subscriptionId"] for s in read_subscriptions(credential, opts) if s["state"] in USABLE_STATES]


#: Subscription states whose resources can be read (Disabled and Deleted ones cannot).
USABLE_STATES = ("Enabled", "Warned", "PastDue")


def subscription_names_block(names: dict[str, str], subs: Iterable[str]) -> list[dict[str, str]]:
    """The snapshot's ``subscriptions`` list: ID and display name of each inventoried subscription
    whose name is known (the shape of ARM's list, which the loader and the ARM emulator read)."""
    out = []
    for s in sorted(subs, key=str.lower):
        name = names.get(s.lower())
        if name:
            out.append({"subscriptionId": s, "displayName": name})
    return out


def _in_rgs(resources: Iterable[dict[str, Any]], rgs: tuple[str, ...]) -> list[dict[str, Any]]:
    if not rgs:
        return list(resources)
    wanted = {g.lower() for g in rgs}
    return [r for r in resources if parse_id(str(r.get("id", ""))).resource_group.lower() in wanted]


def _subscription_tasks(sub: str, credential: Any, opts: InventoryOptions) -> list[_Task]:
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.privatedns import PrivateDnsManagementClient

    kw = _client_kwargs(opts)
    net = NetworkManagementClient(credential, sub, **kw)
    dns = PrivateDnsManagementClient(credential, sub, **kw)
    rgs = opts.resource_groups
    scope = f"/subscriptions/{sub}"

    def listing(kind: str, fn: Callable[[], Iterable[Any]], follow: Callable[[list[dict[str, Any]]], list[_Task]] | None = None) -> _Task:
        def run() -> tuple[list[dict[str, Any]], list[_Task]]:
            items = _in_rgs((_to_rest(m) for m in fn()), rgs)
            return items, (follow(items) if follow else [])

        return _Task(sub, kind, run, scope)

    def zone_children(zones: list[dict[str, Any]]) -> list[_Task]:
        tasks = []
        for z in zones:
            p = parse_id(z["id"])
            zscope = z["id"]
            tasks.append(_Task(sub, "recordSets", _bind(lambda rg, n: [_to_rest(m) for m in dns.record_sets.list(rg, n)], p.resource_group, p.name), zscope))
            tasks.append(_Task(sub, "virtualNetworkLinks", _bind(lambda rg, n: [_to_rest(m) for m in dns.virtual_network_links.list(rg, n)], p.resource_group, p.name), zscope))
        return tasks

    def zone_groups(pes: list[dict[str, Any]]) -> list[_Task]:
        tasks = []
        for pe in pes:
            p = parse_id(pe["id"])

            def groups(rg: str, name: str, pe_id: str = pe["id"]) -> list[dict[str, Any]]:
                out = []
                for m in net.private_dns_zone_groups.list(name, rg):
                    body = _to_rest(m)
                    # ARM omits `type` on zone groups; the snapshot needs it to know the kind.
                    body.setdefault("type", "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
                    body.setdefault("id", f"{pe_id}/privateDnsZoneGroups/{body.get('name')}")
                    out.append(body)
                return out

            tasks.append(_Task(sub, "privateDnsZoneGroups", _bind(groups, p.resource_group, p.name), pe["id"]))
        return tasks

    def gateways(vnets: list[dict[str, Any]]) -> list[_Task]:
        # No subscription-wide list exists for gateways: list the resource groups of VNets
        # that have a GatewaySubnet (a gateway can only live there).
        groups = sorted({
            parse_id(v["id"]).resource_group
            for v in vnets
            for s in v.get("properties", {}).get("subnets", [])
            if str(s.get("name", "")).lower() == "gatewaysubnet"
        })  # fmt: skip
        return [
            _Task(sub, "virtualNetworkGateways", _bind(lambda rg: [_to_rest(m) for m in net.virtual_network_gateways.list(rg)], g), f"{scope}/resourceGroups/{g}")
            for g in groups
        ]

    def resolver_children(items: list[dict[str, Any]], children: tuple[str, ...]) -> list[_Task]:
        tasks = []
        for r in items:
            for child in children:
                url = f"{r['id']}/{child}?api-version={DNS_RESOLVER_API}"
                tasks.append(_Task(sub, child, _bind(lambda u: _generic_list(net, u), url), r["id"]))
        return tasks

    def generic(kind: str, follow_children: tuple[str, ...]) -> _Task:
        url = f"{scope}/providers/Microsoft.Network/{kind}?api-version={DNS_RESOLVER_API}"

        def run() -> tuple[list[dict[str, Any]], list[_Task]]:
            items = _in_rgs(_generic_list(net, url), rgs)
            return items, resolver_children(items, follow_children)

        return _Task(sub, kind, run, scope)

    # Every kind the SDK lists across a subscription (the kind table's `listing`), with the
    # follow-ups that list what lives under each; DNS Private Resolver kinds by URL (no SDK package).
    clients = {"network": net, "privatedns": dns}
    follow = {kinds.VNET.key: gateways, kinds.PE.key: zone_groups, kinds.ZONE.key: zone_children}
    return [
        *(listing(k.collection, getattr(getattr(clients[k.client], k.operations), k.listing), follow.get(k.key))
          for k in kinds.ALL if k.listing),
        generic("dnsResolvers", ("inboundEndpoints", "outboundEndpoints")),
        generic("dnsForwardingRulesets", ("forwardingRules", "virtualNetworkLinks")),
    ]


def _bind(fn: Callable[..., list[dict[str, Any]]], *args: Any) -> Callable[[], tuple[list[dict[str, Any]], list[_Task]]]:
    def run() -> tuple[list[dict[str, Any]], list[_Task]]:
        return fn(*args), []

    return run


def _describe(exc: BaseException) -> str:
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

    if isinstance(exc, HttpResponseError):
        code = getattr(getattr(exc, "error", None), "code", None) or ""
        msg = getattr(getattr(exc, "error", None), "message", None) or exc.reason or str(exc)
        status = exc.status_code or "?"
        return redact(f"HTTP {status} {code}: {msg}".replace("\n", " ").strip())
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return redact(f"connection failed: {exc}".replace("\n", " "))
    return redact(f"{type(exc).__name__}: {exc}".replace("\n", " "))


def run_listings(
    seeds: Mapping[str, Callable[[], list[_Task]]],
    opts: InventoryOptions,
    resources: list[dict[str, Any]],
    counts: dict[str, Counter[str]],
    failures: list[dict[str, str]],
    bar: _Progress,
) -> None:
    """Run the listing tasks of every subscription (``seeds`` makes each one's first tasks) and the
    tasks they lead to, ``opts.concurrency`` at a time: items go to ``resources`` and ``counts``, a
    listing that fails to ``failures`` (a gap); an authentication failure ends the inventory. The
    one listing loop of both inventories (ARM, and Resource Graph's ARM fallback)."""
    from azure.core.exceptions import ClientAuthenticationError

    lock = threading.Lock()
    with ThreadPoolExecutor(max_workers=max(1, opts.concurrency), thread_name_prefix="inventory") as pool:
        pending: dict[Future[tuple[list[dict[str, Any]], list[_Task]]], _Task] = {}

        def submit(tasks: list[_Task]) -> None:
            bar.add(len(tasks))
            for t in tasks:
                pending[pool.submit(t.run)] = t

        setup: dict[Future[list[_Task]], str] = {pool.submit(make): s for s, make in seeds.items()}
        for sfut, sub in setup.items():
            try:
                submit(sfut.result())
            except ClientAuthenticationError as exc:
                raise LiveError(f"authentication failed: {_describe(exc)}") from None
            except Exception as exc:
                failures.append({"scope": f"/subscriptions/{sub}", "kind": "*", "reason": _describe(exc)})
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                task = pending.pop(fut)
                bar.tick(f"{task.kind} {task.subscription[:8]}")
                try:
                    items, follow = fut.result()
                except ClientAuthenticationError as exc:
                    raise LiveError(f"authentication failed: {_describe(exc)}") from None
                except Exception as exc:
                    failures.append({"scope": task.scope, "kind": task.kind, "reason": _describe(exc)})
                    continue
                with lock:
                    resources.extend(items)
                    counts[task.subscription][task.kind] += len(items)
                submit(follow)
    bar.close()


def finish_snapshot(
    resources: list[dict[str, Any]],
    failures: list[dict[str, str]],
    subs: list[str],
    opts: InventoryOptions,
    names: Mapping[str, str],
    management_groups: Sequence[str] = (),
    tail: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The snapshot both inventories write (``tail``: last members of its ``inventory`` block);
    without ``opts.allow_partial`` a failed listing is an error naming it instead."""
    if failures and not opts.allow_partial:
        first = failures[0]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise LiveError(
            f"could not read {first['kind']} in {first['scope']}: {first['reason']}{more}; "
            "re-run with --allow-partial to write a snapshot that records what is missing"
        )
    # A stable order makes snapshots diffable: by kind as the loader expects, then by id.
    resources.sort(key=lambda r: (str(r.get("type", "")).lower(), str(r.get("id", "")).lower()))
    snapshot: dict[str, Any] = {"resources": resources}
    if failures:
        snapshot["gaps"] = failures
    block = subscription_names_block(dict(names), subs)
    if block:
        snapshot["subscriptions"] = block
    snapshot["inventory"] = {
        "taken_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "subscriptions": subs,
        **({"resource_groups": list(opts.resource_groups)} if opts.resource_groups else {}),
        **({"management_groups": list(management_groups)} if management_groups else {}),
        **({"endpoint": opts.endpoint} if opts.endpoint else {}),
        **(tail or {}),
    }
    return snapshot


def take_inventory(
    credential: Any,
    opts: InventoryOptions,
    progress: TextIO | None = None,
    show_progress: bool = True,
) -> InventoryResult:
    """Inventory the subscriptions in ``opts`` (or all the credential can list)."""
    from azure.core.exceptions import ClientAuthenticationError

    started = time.monotonic()
    # The subscription list gives the display names (and, without --subscription, the
    # subscriptions to read). Unreadable with named subscriptions: the names are a reported gap.
    names: dict[str, str] = {}
    names_unread: str | None = None
    try:
        listed = read_subscriptions(credential, opts)
        names = {s["subscriptionId"].lower(): s["displayName"] for s in listed if s["displayName"]}
        listed_ids = [s["subscriptionId"] for s in listed if s["state"] in USABLE_STATES]
    except ClientAuthenticationError as exc:
        raise LiveError(f"authentication failed: {_describe(exc)}") from None
    except Exception as exc:
        if not opts.subscriptions:
            raise LiveError(f"cannot list subscriptions: {_describe(exc)}") from None
        names_unread = _describe(exc)
        listed_ids = []
    subs = list(opts.subscriptions) or listed_ids
    if not subs:
        raise LiveError("the credential can see no subscriptions; pass --subscription ID")

    resources: list[dict[str, Any]] = []
    counts: dict[str, Counter[str]] = {s: Counter() for s in subs}
    failures: list[dict[str, str]] = []
    seeds = {s: partial(_subscription_tasks, s, credential, opts) for s in subs}
    run_listings(seeds, opts, resources, counts, failures, _Progress(progress, show_progress))
    tail = {"subscription_names_unread": names_unread} if names_unread else {}
    snapshot = finish_snapshot(resources, failures, subs, opts, names, tail=tail)
    return InventoryResult(
        snapshot, counts, failures, seconds=time.monotonic() - started, names=names, names_unread=names_unread
    )
