"""The apply executor: carry out a plan's changes in Azure through the real SDK, safely.

:func:`apply_plan` runs each :class:`Step` (one change of the plan) through the azure-mgmt-network
and azure-mgmt-privatedns operations (``begin_create_or_update`` / ``begin_delete`` with the SDK's
long-running-operation pollers; record sets are synchronous), in dependency order, independent
steps in parallel (bounded). Before each write it re-reads the target (and the resources the
plan's preconditions name) and decides from the live state:

* already exactly as planned -> nothing is sent (``already``); this is what makes a re-run after a
  crash, or a second apply, a no-op;
* changed since the plan was made (etag or planned properties differ, a create whose target now
  exists, a precondition that no longer holds), and not by us -> :class:`StalePlan` (exit 2);
* a delete of a resource without the ``managed-by: vnetplan`` tag (metadata for record sets,
  journal ownership for peerings and zone groups) -> :class:`UnsafeDelete` (exit 2);
* otherwise the write, journalled before (``started``) and after (``lro`` with the status URL and
  etag, then ``done``), verified by a re-read.

Transient failures (429/5xx/connection resets beyond the SDK's own retries, a failed LRO, 409
AnotherOperationInProgress) are retried from a fresh re-read, a bounded number of times; a 403
is explained as the missing action and scope (:class:`PermissionDenied`); anything else stops
the run. After a failure no new step starts; the journal says exactly what was done.

The promise: only this module and the inventory send requests to Azure; with ``dry_run`` no
write is sent at all (reads only, to report what each change would do). The Azure SDK is
imported inside functions only.
"""

from __future__ import annotations

import contextlib
import copy
import heapq
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netplan import kinds
from netplan.errors import ExitCode, VnetplanError
from netplan.ids import parent_id, parse_id, rid_key, short_id
from netplan.live.credentials import redact
from netplan.live.guard import ARM_ENDPOINT
from netplan.live.guard import origin as origin_of
from netplan.live.journal import ChangeState, Journal

MANAGED_BY = "managed-by"
MANAGED_BY_VALUE = "vnetplan"
PLAN_TAG = "vnetplan-plan"

# Lower-cased types (how the executor compares them), from the kind table.
T_VNET = kinds.VNET.key
T_SUBNET = kinds.SUBNET.key
T_PEERING = kinds.PEERING.key
T_PLS = kinds.PLS.key
T_PE = kinds.PE.key
T_ZONE_GROUP = kinds.ZONE_GROUP.key
T_ZONE = kinds.ZONE.key
T_LINK = kinds.ZONE_LINK.key
RECORD_TYPES = kinds.RECORD_TYPES
T_RULE = kinds.SECURITY_RULE.key
T_ROUTE = kinds.ROUTE.key

#: Types that carry ARM tags; the others record ownership in metadata (record sets) or the journal.
TAGGABLE = frozenset(k.key for k in kinds.KINDS if k.ownership is kinds.Ownership.TAGS)
#: Types whose ownership lives in the journal (no tags, no metadata).
JOURNAL_OWNED = frozenset(k.key for k in kinds.KINDS if k.ownership is kinds.Ownership.JOURNAL)

#: The plan file's schema (netplan/plan.py, ``ChangeSet.to_dict``).
PLAN_SCHEMA = "vnetplan.plan/v1"
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Outcome(StrEnum):
    DONE = "done"  # written by this run and verified
    ALREADY = "already"  # live state already as planned: nothing sent
    WOULD_WRITE = "would-write"  # dry run: a write would be sent
    STALE = "stale"
    REFUSED = "refused"
    FAILED = "failed"
    NOT_RUN = "not-run"  # never started (an earlier failure, or a dependency not done)


class ApplyError(VnetplanError):
    """A change could not be applied (exit 2). ``change_id`` names it."""

    def __init__(self, message: str, change_id: str = "") -> None:
        self.change_id = change_id
        super().__init__(message)


class StalePlan(ApplyError):
    """The live state changed since the plan was made."""


class UnsafeDelete(ApplyError):
    """A delete of something vnetplan does not own."""


class PermissionDenied(ApplyError):
    """Azure answered 403: names the missing action and its scope."""


class PolicyDenied(ApplyError):
    """Azure Policy denies a planned resource (before the run, or RequestDisallowedByPolicy during it)."""


@dataclass(frozen=True)
class Precondition:
    """The plan assumed ``resource_id``'s value at ``path`` was ``expected`` (e.g. a VNet's prefixes)."""

    resource_id: str
    path: tuple[str, ...]
    expected: Any
    why: str = ""


@dataclass(frozen=True)
class Step:
    """One change of a plan, as the executor runs it."""

    change_id: str
    action: Action
    #: ARM type, e.g. ``Microsoft.Network/virtualNetworks/virtualNetworkPeerings`` or ``.../A``
    type: str
    resource_id: str
    #: the exact REST body to PUT (None for a delete)
    body: Mapping[str, Any] | None = None
    depends_on: tuple[str, ...] = ()
    #: PUT with ``syncRemoteAddressSpace=true`` (a peering whose remote address space changed)
    sync_remote: bool = False
    #: the target's etag when the plan was made (updates and deletes), if the plan recorded it
    before_etag: str | None = None
    #: the target's writable properties as planned on (compared when there is no etag)
    before: Mapping[str, Any] | None = None
    preconditions: tuple[Precondition, ...] = ()
    #: values only Azure knows, filled before the write: (dotted body path, private endpoint id)
    placeholders: tuple[tuple[str, str], ...] = ()
    description: str = ""
    api_version: str = ""

    @property
    def tkey(self) -> str:
        """The type, lower-cased, with record types folded to their zone type + record type."""
        return self.type.lower()

    @property
    def is_record(self) -> bool:
        t = self.type.split("/")
        return len(t) == 3 and t[1].lower() == "privatednszones" and t[2].upper() in RECORD_TYPES


@dataclass(frozen=True)
class ApplyPlan:
    plan_id: str
    steps: tuple[Step, ...]
    #: what ``--verify`` checks afterwards: dicts for :func:`netplan.verify.verify_connection`
    connections: tuple[Mapping[str, Any], ...] = ()
    source: str = ""
    #: what the changes depend on, as the plan saw it (``made_from.observed``, netplan.verdict):
    #: resource id -> {"exists": bool, "address_prefixes": [...]}
    observed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class ApplyOptions:
    endpoint: str | None = None
    ca_bundle: str | None = None
    concurrency: int = 8
    dry_run: bool = False
    #: SDK retries per request (429/5xx/resets, Retry-After honoured)
    retries: int = 6
    backoff: float = 0.8
    backoff_max: float = 30.0
    #: seconds between LRO polls when Azure sends no Retry-After
    polling_interval: float = 5.0
    #: attempts per change (a failed LRO, a conflict, retries exhausted) before giving up
    attempts: int = 5
    #: pause between attempts (doubles, capped at backoff_max)
    attempt_backoff: float = 2.0
    #: how long to wait for an LRO left in flight by an earlier, interrupted run
    resume_wait: float = 900.0
    #: check the permissions the plan needs (Microsoft.Authorization/permissions) before writing
    preflight: bool = True
    #: go on with the changes still valid when the whole-plan staleness check finds differences
    allow_stale: bool = False


@dataclass
class StepResult:
    step: Step
    outcome: Outcome = Outcome.NOT_RUN
    message: str = ""
    attempts: int = 0
    writes: int = 0


@dataclass
class ApplyResult:
    plan_id: str
    results: list[StepResult]
    error: ApplyError | None = None
    seconds: float = 0.0
    #: the whole-plan staleness check's findings, one sentence each (shown one line each)
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and all(r.outcome in (Outcome.DONE, Outcome.ALREADY, Outcome.WOULD_WRITE) for r in self.results)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.ok else ExitCode.ERROR

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)


# ----------------------------------------------------------------------------------------------
# comparing the plan with live state
# ----------------------------------------------------------------------------------------------
def _norm_str(key: str, a: str, b: str) -> bool:
    if a == b:
        return True
    if a.startswith("/subscriptions/") or key in ("id", "location"):
        return a.replace(" ", "").lower() == b.replace(" ", "").lower()
    return False


def matches(desired: Any, live: Any, key: str = "") -> bool:
    """Whether ``live`` holds everything ``desired`` says (extra live fields are fine).

    Dicts: every desired key must match. Lists: same length, each desired item matching a
    distinct live item (order-free: Azure does not keep order for records or configs). IDs and
    locations compare case- and space-insensitively, as Azure treats them.
    """
    if isinstance(desired, Mapping):
        if not isinstance(live, Mapping):
            return False
        return all(k in live and matches(v, live[k], k) for k, v in desired.items())
    if isinstance(desired, list):
        if not isinstance(live, list) or len(desired) != len(live):
            return False
        free = list(live)
        for d in desired:
            for i, item in enumerate(free):
                if matches(d, item, key):
                    del free[i]
                    break
            else:
                return False
        return True
    if isinstance(desired, str) and isinstance(live, str):
        return _norm_str(key, desired, live)
    if isinstance(desired, bool) or isinstance(live, bool):
        return desired is live or (isinstance(live, str) and str(desired).lower() == live.lower())
    return bool(desired == live)


def _props(res: Mapping[str, Any] | None) -> Mapping[str, Any]:
    p = (res or {}).get("properties")
    return p if isinstance(p, Mapping) else {}


def _dig(res: Any, path: Sequence[str]) -> Any:
    cur = res
    for k in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(k)
    return cur


def _same_value(expected: Any, live: Any) -> bool:
    if isinstance(expected, list) and isinstance(live, list):
        return sorted(map(str, expected)) == sorted(map(str, live))
    return matches(expected, live)


def _tags(res: Mapping[str, Any] | None, step: Step) -> Mapping[str, Any]:
    if step.is_record:
        md = _props(res).get("metadata")
        return md if isinstance(md, Mapping) else {}
    t = (res or {}).get("tags")
    return t if isinstance(t, Mapping) else {}


def _managed(res: Mapping[str, Any] | None, step: Step) -> bool:
    return any(str(k).lower() == MANAGED_BY and str(v).lower() == MANAGED_BY_VALUE for k, v in _tags(res, step).items())


def _of_plan(res: Mapping[str, Any] | None, step: Step, plan_id: str) -> bool:
    return _managed(res, step) and any(str(k).lower() == PLAN_TAG and str(v) == plan_id for k, v in _tags(res, step).items())


def _succeeded(res: Mapping[str, Any]) -> bool:
    state = _props(res).get("provisioningState")
    return state in (None, "Succeeded")


def _in_sync(res: Mapping[str, Any]) -> bool:
    p = _props(res)
    synced = set((p.get("remoteAddressSpace") or {}).get("addressPrefixes") or [])
    current = set((p.get("remoteVirtualNetworkAddressSpace") or {}).get("addressPrefixes") or [])
    # Both: a snapshot can carry a stale remoteVirtualNetworkAddressSpace next to a sync level that
    # says the link is not in sync.
    return (synced == current if current else True) and p.get("peeringSyncLevel") in (None, "FullyInSync")


def supported_type(rtype: str) -> bool:
    """Whether apply can read and write this ARM type."""
    t = rtype.lower()
    parts = rtype.split("/")
    is_record = len(parts) == 3 and parts[1].lower() == "privatednszones" and parts[2].upper() in RECORD_TYPES
    return is_record or t in (T_VNET, T_SUBNET, T_PEERING, T_PLS, T_PE, T_ZONE_GROUP, T_ZONE, T_LINK, T_RULE, T_ROUTE)


def with_ownership(step: Step, plan_id: str) -> dict[str, Any]:
    """The body to send: a create of a taggable resource carries ``managed-by`` and the plan id.

    Only creates are tagged: tagging a resource someone else made would make it deletable by a
    later plan.
    """
    body = copy.deepcopy(dict(step.body or {}))
    if step.action != Action.CREATE:
        return body
    mark = {MANAGED_BY: MANAGED_BY_VALUE, PLAN_TAG: plan_id}
    if step.tkey in TAGGABLE:
        body["tags"] = {**mark, **dict(body.get("tags") or {})}
    elif step.is_record:
        props = body.setdefault("properties", {})
        props["metadata"] = {**mark, **dict(props.get("metadata") or {})}
    return body


def set_path(body: dict[str, Any], path: str, value: Any) -> None:
    """Set ``properties.aRecords[0].ipv4Address``-style ``path`` in ``body`` (containers must exist)."""
    parts = [(m.group(1), m.group(2)) for m in _PATH_PART.finditer(path)]
    if not parts:
        raise ApplyError(f"placeholder path {path!r} is empty")
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
            raise ApplyError(f"placeholder path {path!r} does not exist in the change's body") from None


# ----------------------------------------------------------------------------------------------
# decisions
# ----------------------------------------------------------------------------------------------
class Decision(StrEnum):
    WRITE = "write"
    ALREADY = "already"


def decide(
    step: Step,
    body: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    journal_state: ChangeState,
    plan_id: str,
    owned_in_journal: bool,
) -> Decision:
    """What to do with one step given the live target; raises StalePlan / UnsafeDelete.

    "Ours" is proven, never assumed: an etag Azure returned for one of our writes, a create of
    ours that Azure accepted while the target was absent, or (taggable kinds) this plan's tags.
    A ``started`` record alone proves nothing: the run may have died before its write was sent,
    and a resource that now differs from the plan is then someone else's.
    """
    ours_before = live is not None and (
        str(live.get("etag", "")) in journal_state.written_etags
        or (step.action == Action.CREATE and (journal_state.created_by_us or (journal_state.started and matches(body, live))))
    )
    if step.action == Action.DELETE:
        if live is None:
            return Decision.ALREADY
        if not (_managed(live, step) or owned_in_journal):
            how = "journal ownership record" if step.tkey in JOURNAL_OWNED else f"'{MANAGED_BY}: {MANAGED_BY_VALUE}' tag"
            raise UnsafeDelete(
                f"refusing to delete {step.resource_id}: it has no {how}, so vnetplan did not create it",
                step.change_id,
            )
        if step.before_etag and str(live.get("etag", "")) != step.before_etag and not ours_before:
            raise StalePlan(f"{step.resource_id} changed since the plan was made (etag differs); re-plan", step.change_id)
        return Decision.WRITE
    if live is not None and matches(body, live) and _succeeded(live) and (not step.sync_remote or _in_sync(live)):
        return Decision.ALREADY
    ours = ours_before or (live is not None and _of_plan(live, step, plan_id))
    if step.action == Action.CREATE:
        if live is None or ours:
            return Decision.WRITE
        raise StalePlan(
            f"{step.resource_id} exists now but did not when the plan was made, and differs from the plan; re-plan",
            step.change_id,
        )
    if live is None:
        raise StalePlan(f"{step.resource_id} no longer exists; re-plan", step.change_id)
    if ours:
        return Decision.WRITE
    if step.before_etag is not None:
        if str(live.get("etag", "")) != step.before_etag:
            raise StalePlan(f"{step.resource_id} changed since the plan was made (etag differs); re-plan", step.change_id)
    elif step.before is not None and not matches(step.before, live):
        raise StalePlan(f"{step.resource_id} changed since the plan was made; re-plan", step.change_id)
    return Decision.WRITE


# ----------------------------------------------------------------------------------------------
# talking to Azure
# ----------------------------------------------------------------------------------------------
_AUTHZ = re.compile(r"perform action '([^']+)' over scope '([^']+)'", re.IGNORECASE)
_OP_URI = re.compile(r"use uri:\s*(\S+?)\.?$", re.IGNORECASE)


def explain_forbidden(exc: BaseException, step: Step) -> PermissionDenied:
    """A 403 as one line: the action that is missing and the scope it is missing on."""
    msg = _error_message(exc)
    m = _AUTHZ.search(msg)
    if m:
        action, scope = m.group(1), m.group(2)
        hint = ""
        if action.lower() == "microsoft.network/virtualnetworks/peer/action":
            hint = " (P7: peering needs it on the remote virtual network, possibly in another subscription or tenant)"
        return PermissionDenied(
            f"permission denied: the credential lacks '{action}' on {scope}{hint}; needed by change "
            f"{step.change_id} ({step.action.value} {short_id(step.resource_id)}); grant a role with that "
            "action on that scope (e.g. Network Contributor) and re-run",
            step.change_id,
        )
    return PermissionDenied(
        f"permission denied for change {step.change_id} ({step.action.value} {short_id(step.resource_id)}): {msg}",
        step.change_id,
    )


def _error_message(exc: BaseException) -> str:
    err = getattr(exc, "error", None)
    code = getattr(err, "code", None) or ""
    msg = getattr(err, "message", None) or getattr(exc, "message", None) or str(exc)
    text = f"{code}: {msg}" if code and code not in str(msg) else str(msg)
    return redact(" ".join(text.split()))


def _status(exc: BaseException) -> int | None:
    return getattr(exc, "status_code", None)


def _code(exc: BaseException) -> str:
    return str(getattr(getattr(exc, "error", None), "code", None) or "")


class _Clients:
    """SDK clients per subscription, built on the inventory's shared transport and options."""

    def __init__(self, credential: Any, opts: ApplyOptions) -> None:
        from netplan.live.inventory import InventoryOptions

        self.credential = credential
        self.opts = opts
        self.inv = InventoryOptions(endpoint=opts.endpoint, ca_bundle=opts.ca_bundle, concurrency=max(4, opts.concurrency),
                                    retries=opts.retries, backoff=opts.backoff)  # fmt: skip
        self._lock = threading.Lock()
        self._net: dict[str, Any] = {}
        self._dns: dict[str, Any] = {}
        self._policy: dict[str, Any] = {}

    def _kw(self) -> dict[str, Any]:
        from netplan.live.inventory import _client_kwargs

        kw = _client_kwargs(self.inv)
        kw["retry_backoff_max"] = self.opts.backoff_max
        kw["polling_interval"] = self.opts.polling_interval
        return kw

    def net(self, sub: str) -> Any:
        with self._lock:
            if sub.lower() not in self._net:
                from azure.mgmt.network import NetworkManagementClient

                self._net[sub.lower()] = NetworkManagementClient(self.credential, sub, **self._kw())
            return self._net[sub.lower()]

    def dns(self, sub: str) -> Any:
        with self._lock:
            if sub.lower() not in self._dns:
                from azure.mgmt.privatedns import PrivateDnsManagementClient

                self._dns[sub.lower()] = PrivateDnsManagementClient(self.credential, sub, **self._kw())
            return self._dns[sub.lower()]

    def policy(self, sub: str) -> Any:
        with self._lock:
            if sub.lower() not in self._policy:
                from azure.mgmt.policyinsights import PolicyInsightsClient

                kw = self._kw()
                self._policy[sub.lower()] = PolicyInsightsClient(self.credential, sub, kw.pop("base_url", None), **kw)
            return self._policy[sub.lower()]

    def close(self) -> None:
        for c in [*self._net.values(), *self._dns.values(), *self._policy.values()]:
            with contextlib.suppress(Exception):  # closing is best effort
                c.close()


def _rest(model: Any) -> dict[str, Any] | None:
    if model is None:
        return None
    from netplan.live.inventory import _to_rest

    return _to_rest(model)


def read_resource(clients: _Clients, rid: str, rtype: str | None = None) -> dict[str, Any] | None:
    """GET one resource through its SDK operation; None when it (or its parent) does not exist."""
    from azure.core.exceptions import ResourceNotFoundError

    p = parse_id(rid)
    t = (rtype or p.type).lower()
    n = p.names
    try:
        if t == T_VNET:
            return _rest(clients.net(p.subscription).virtual_networks.get(p.resource_group, n[0]))
        if t == T_SUBNET:
            return _rest(clients.net(p.subscription).subnets.get(p.resource_group, n[0], n[1]))
        if t == T_PEERING:
            return _rest(clients.net(p.subscription).virtual_network_peerings.get(p.resource_group, n[0], n[1]))
        if t == T_PLS:
            return _rest(clients.net(p.subscription).private_link_services.get(p.resource_group, n[0]))
        if t == T_PE:
            return _rest(clients.net(p.subscription).private_endpoints.get(p.resource_group, n[0]))
        if t == T_ZONE_GROUP:
            return _rest(clients.net(p.subscription).private_dns_zone_groups.get(p.resource_group, n[0], n[1]))
        if t == T_RULE:
            return _rest(clients.net(p.subscription).security_rules.get(p.resource_group, n[0], n[1]))
        if t == T_ROUTE:
            return _rest(clients.net(p.subscription).routes.get(p.resource_group, n[0], n[1]))
        if t == "microsoft.network/networkinterfaces":
            return _rest(clients.net(p.subscription).network_interfaces.get(p.resource_group, n[0]))
        if t == "microsoft.network/loadbalancers":
            return _rest(clients.net(p.subscription).load_balancers.get(p.resource_group, n[0]))
        if t == T_ZONE:
            return _rest(clients.dns(p.subscription).private_zones.get(p.resource_group, n[0]))
        if t == T_LINK:
            return _rest(clients.dns(p.subscription).virtual_network_links.get(p.resource_group, n[0], n[1]))
        if t.startswith(T_ZONE + "/") and len(p.types) == 2:
            return _rest(clients.dns(p.subscription).record_sets.get(p.resource_group, n[0], p.types[1].upper(), n[1]))
    except ResourceNotFoundError:
        return None
    raise ApplyError(f"vnetplan apply cannot handle resources of type {rtype or p.type} ({rid})")


class _Capture:
    """raw_response_hook: journal the LRO status URL and the etag Azure returned for our write."""

    def __init__(self, journal: Journal | None, change_id: str, endpoint: str | None = None) -> None:
        self.journal = journal
        self.change_id = change_id
        self.endpoint = endpoint
        self.url: str | None = None
        self.etag: str | None = None

    def __call__(self, response: Any) -> None:
        http = response.http_response
        method = str(getattr(response.http_request, "method", "")).upper()
        if method not in ("PUT", "DELETE", "PATCH") or self.url is not None:
            return
        headers = http.headers
        url = headers.get("Azure-AsyncOperation") or headers.get("Location")
        etag = None
        try:
            body = http.json() if http.status_code in (200, 201) and http.text() else None
            if isinstance(body, Mapping):
                etag = body.get("etag")
        except Exception:
            etag = None
        if url or etag or http.status_code < 300:
            from netplan.live.guard import origin, same_endpoint

            extra: dict[str, Any] = {}
            if url and not same_endpoint(url, self.endpoint):
                # Never journalled as a URL to follow: a resumed run would send the token there.
                extra["refused_url_origin"] = origin(url)
                url = None
            self.url, self.etag = url, (str(etag) if etag else None)
            if self.journal is not None:
                self.journal.record("lro", self.change_id, url=url, etag=self.etag, status=http.status_code, **extra)


def write_resource(clients: _Clients, step: Step, body: Mapping[str, Any], live: Mapping[str, Any] | None,
                   hook: _Capture) -> None:  # fmt: skip
    """Send one change through its SDK operation and wait for the LRO to end."""
    from azure.core import MatchConditions

    p = parse_id(step.resource_id)
    n = p.names
    t = step.tkey
    net = clients.net(p.subscription) if not t.startswith(T_ZONE) else None
    dns = clients.dns(p.subscription) if t.startswith(T_ZONE) else None
    kw: dict[str, Any] = {"raw_response_hook": hook}
    if net is not None:
        # Write only over exactly what was just re-read (ARM answers 412 otherwise): a change made
        # between our read and our write is never overwritten.
        kw["headers"] = {"If-Match": str(live["etag"])} if live and live.get("etag") else {"If-None-Match": "*"} if live is None else {}
    poller: Any = None
    if step.action == Action.DELETE:
        if t == T_PEERING:
            poller = net.virtual_network_peerings.begin_delete(p.resource_group, n[0], n[1], **kw)  # type: ignore[union-attr]
        elif t == T_SUBNET:
            poller = net.subnets.begin_delete(p.resource_group, n[0], n[1], **kw)  # type: ignore[union-attr]
        elif t == T_PLS:
            poller = net.private_link_services.begin_delete(p.resource_group, n[0], **kw)  # type: ignore[union-attr]
        elif t == T_PE:
            poller = net.private_endpoints.begin_delete(p.resource_group, n[0], **kw)  # type: ignore[union-attr]
        elif t == T_ZONE_GROUP:
            poller = net.private_dns_zone_groups.begin_delete(p.resource_group, n[0], n[1], **kw)  # type: ignore[union-attr]
        elif t == T_ZONE:
            poller = dns.private_zones.begin_delete(p.resource_group, n[0], **kw)  # type: ignore[union-attr]
        elif t == T_LINK:
            poller = dns.virtual_network_links.begin_delete(p.resource_group, n[0], n[1], **kw)  # type: ignore[union-attr]
        elif t == T_RULE:
            poller = net.security_rules.begin_delete(p.resource_group, n[0], n[1], **kw)  # type: ignore[union-attr]
        elif t == T_ROUTE:
            poller = net.routes.begin_delete(p.resource_group, n[0], n[1], **kw)  # type: ignore[union-attr]
        elif step.is_record:
            # The etag we just read: if someone changes the record in between, 412, not a lost edit.
            dns.record_sets.delete(p.resource_group, n[0], p.types[1].upper(), n[1], etag=str((live or {}).get("etag") or ""),  # type: ignore[union-attr]
                                   match_condition=MatchConditions.IfNotModified, **kw)  # fmt: skip
        else:
            raise ApplyError(f"vnetplan apply cannot delete resources of type {step.type}", step.change_id)
    else:
        b = dict(body)
        if t == T_PEERING:
            poller = net.virtual_network_peerings.begin_create_or_update(  # type: ignore[union-attr]
                p.resource_group, n[0], n[1], b, sync_remote_address_space="true" if step.sync_remote else None, **kw)
        elif t == T_VNET:
            poller = net.virtual_networks.begin_create_or_update(p.resource_group, n[0], b, **kw)  # type: ignore[union-attr]
        elif t == T_SUBNET:
            poller = net.subnets.begin_create_or_update(p.resource_group, n[0], n[1], b, **kw)  # type: ignore[union-attr]
        elif t == T_PLS:
            poller = net.private_link_services.begin_create_or_update(p.resource_group, n[0], b, **kw)  # type: ignore[union-attr]
        elif t == T_PE:
            poller = net.private_endpoints.begin_create_or_update(p.resource_group, n[0], b, **kw)  # type: ignore[union-attr]
        elif t == T_ZONE_GROUP:
            poller = net.private_dns_zone_groups.begin_create_or_update(p.resource_group, n[0], n[1], b, **kw)  # type: ignore[union-attr]
        elif t == T_ZONE:
            poller = dns.private_zones.begin_create_or_update(p.resource_group, n[0], b, **_dns_condition(live), **kw)  # type: ignore[union-attr]
        elif t == T_LINK:
            poller = dns.virtual_network_links.begin_create_or_update(p.resource_group, n[0], n[1], b, **_dns_condition(live), **kw)  # type: ignore[union-attr]
        elif t == T_RULE:
            poller = net.security_rules.begin_create_or_update(p.resource_group, n[0], n[1], b, **kw)  # type: ignore[union-attr]
        elif t == T_ROUTE:
            poller = net.routes.begin_create_or_update(p.resource_group, n[0], n[1], b, **kw)  # type: ignore[union-attr]
        elif step.is_record:
            dns.record_sets.create_or_update(p.resource_group, n[0], p.types[1].upper(), n[1], b, **_dns_condition(live), **kw)  # type: ignore[union-attr]
        else:
            raise ApplyError(f"vnetplan apply cannot write resources of type {step.type}", step.change_id)
    if poller is not None:
        try:
            poller.result()
        except Exception as exc:
            raise _LroFailed(exc) from exc


def _dns_condition(live: Mapping[str, Any] | None) -> dict[str, Any]:
    """Private DNS honours If-Match / If-None-Match: write only over exactly what we re-read."""
    from azure.core import MatchConditions

    if live is None:
        return {"match_condition": MatchConditions.IfMissing}
    if live.get("etag"):
        return {"etag": str(live["etag"]), "match_condition": MatchConditions.IfNotModified}
    return {}


class _LroFailed(Exception):
    """The write was accepted but its long-running operation did not succeed."""

    def __init__(self, cause: BaseException) -> None:
        self.cause = cause
        super().__init__(str(cause))


def _wait_for_operation(clients: _Clients, sub: str, url: str, deadline: float, interval: float) -> None:
    """Poll an LRO status URL left by an interrupted run until it is no longer in progress."""
    from azure.core.rest import HttpRequest

    client = clients.net(sub)
    while time.monotonic() < deadline:
        try:
            resp = client.send_request(HttpRequest("GET", url))
        except Exception:
            return  # unreachable (e.g. the endpoint restarted): the re-read decides
        if resp.status_code == 202:
            pass
        elif resp.status_code >= 300:
            return
        else:
            try:
                status = str((resp.json() or {}).get("status", "Succeeded"))
            except Exception:
                return
            if status.lower() not in ("inprogress", "running", "accepted", "updating", "creating", "deleting"):
                return
        try:
            wait_s = float(resp.headers.get("Retry-After", interval))
        except ValueError:
            wait_s = interval
        time.sleep(min(max(wait_s, 0.0), 60.0))


# ----------------------------------------------------------------------------------------------
# the run
# ----------------------------------------------------------------------------------------------
def _is_transient(exc: BaseException) -> bool:
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    if isinstance(exc, _LroFailed | ServiceRequestError | ServiceResponseError):
        return True
    status = _status(exc)
    if status in (408, 412, 429) or (status is not None and status >= 500):
        return True
    return status == 409 and _code(exc) in ("AnotherOperationInProgress", "Conflict") and "in progress" in _error_message(exc).lower()


class Executor:
    """One run of a plan. Use :func:`apply_plan`."""

    def __init__(self, plan: ApplyPlan, clients: _Clients, opts: ApplyOptions, journal: Journal | None,
                 log: Callable[[str], None], stale: Mapping[str, str] | None = None) -> None:  # fmt: skip
        #: change id -> why it is stale (found before the first write, --allow-stale): not run
        self.stale = dict(stale or {})
        self.plan = plan
        self.clients = clients
        self.opts = opts
        self.journal = journal
        self.log = log
        self.pe_ips: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def _record(self, event: str, step: Step, **fields: Any) -> None:
        if self.journal is not None and not self.opts.dry_run:
            self.journal.record(event, step.change_id, resource_id=step.resource_id, **fields)

    def _jstate(self, step: Step) -> ChangeState:
        return self.journal.state(step.change_id) if self.journal is not None else ChangeState(step.change_id)

    def _owned(self, rid: str) -> bool:
        return self.journal is not None and self.journal.owns(rid)

    def _check_preconditions(self, step: Step) -> None:
        for pre in step.preconditions:
            live = read_resource(self.clients, pre.resource_id)
            value = _dig(live, pre.path) if live is not None else None
            if live is None or not _same_value(pre.expected, value):
                why = f" ({pre.why})" if pre.why else ""
                raise StalePlan(
                    f"{short_id(pre.resource_id)} changed since the plan was made: {'.'.join(pre.path)} is "
                    f"{value!r}, the plan assumed {pre.expected!r}{why}; re-plan",
                    step.change_id,
                )

    def _body(self, step: Step) -> tuple[dict[str, Any], bool]:
        """The body to send, placeholders filled; False when an endpoint's IP is not known (dry run)."""
        body = with_ownership(step, self.plan.plan_id)
        complete = True
        for path, pe in step.placeholders:
            ip = self.pe_ips.get(rid_key(pe)) or self._pe_ip(pe)
            if ip is None:
                if self.opts.dry_run:
                    complete = False
                    continue
                raise ApplyError(f"change {step.change_id}: private endpoint {pe} has no IP address yet", step.change_id)
            with self._lock:
                self.pe_ips[rid_key(pe)] = ip
            set_path(body, path, ip)
        return body, complete

    def _pe_ip(self, pe_id: str) -> str | None:
        """The IP Azure assigned to a private endpoint: read from its network interface."""
        pe = read_resource(self.clients, pe_id, T_PE)
        for nic_ref in _props(pe).get("networkInterfaces") or []:
            nic = read_resource(self.clients, str(nic_ref.get("id", "")), "Microsoft.Network/networkInterfaces")
            for cfg in _props(nic).get("ipConfigurations") or []:
                ip = _props(cfg).get("privateIPAddress")
                if ip:
                    return str(ip)
        for cfg in _props(pe).get("customDnsConfigs") or []:
            for ip in cfg.get("ipAddresses") or []:
                return str(ip)
        return None

    def run_step(self, step: Step) -> StepResult:
        res = StepResult(step)
        delay = self.opts.attempt_backoff
        self._record("intent", step, action=step.action.value, type=step.type)
        for attempt in range(1, max(1, self.opts.attempts) + 1):
            res.attempts = attempt
            try:
                self._attempt(step, res)
                return res
            except ApplyError as exc:
                res.outcome = Outcome.STALE if isinstance(exc, StalePlan) else Outcome.REFUSED if isinstance(exc, UnsafeDelete) else Outcome.FAILED
                res.message = str(exc)
                self._record("failed", step, reason=str(exc))
                raise
            except Exception as exc:
                from azure.core.exceptions import ClientAuthenticationError

                from netplan.live.guard import ForeignEndpoint

                cause = exc.cause if isinstance(exc, _LroFailed) else exc
                if isinstance(cause, ForeignEndpoint):
                    err = ApplyError(
                        f"change {step.change_id} ({step.action.value} {short_id(step.resource_id)}): Azure's answer "
                        f"named an operation URL on {origin_of(cause.url)}, not on the ARM endpoint: {cause}",
                        step.change_id,
                    )
                elif isinstance(cause, ClientAuthenticationError) and _status(cause) != 403:
                    err = ApplyError(f"authentication failed: {_error_message(cause)}", step.change_id)
                elif _status(cause) == 403 and _code(cause) == "RequestDisallowedByPolicy":
                    from netplan.live.policy import policy_violation

                    name, assignment = policy_violation(cause) or ("", "")
                    err = PolicyDenied(
                        f"change {step.change_id} ({step.action.value} {short_id(step.resource_id)}) was denied by Azure "
                        f"Policy: assignment '{name or '?'}' ({assignment or 'id not given'}); nothing was written for it; "
                        "the journal is kept: re-run once the policy allows it, or re-plan",
                        step.change_id,
                    )
                elif _status(cause) == 403:
                    err = explain_forbidden(cause, step)
                elif _is_transient(exc) and attempt < self.opts.attempts and not self._stop.is_set():
                    what = "operation failed" if isinstance(exc, _LroFailed) else "request failed"
                    self.log(f"change {step.change_id}: {what} ({_error_message(cause)}); retrying from a fresh read")
                    self._wait_conflict(step, cause)
                    time.sleep(min(delay, self.opts.backoff_max))
                    delay *= 2
                    continue
                else:
                    status = _status(cause)
                    prefix = f"HTTP {status} " if status else ""
                    err = ApplyError(
                        f"change {step.change_id} ({step.action.value} {short_id(step.resource_id)}) failed after "
                        f"{attempt} attempt(s): {prefix}{_error_message(cause)}",
                        step.change_id,
                    )
                res.outcome = Outcome.FAILED
                res.message = str(err)
                self._record("failed", step, reason=str(err))
                raise err from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_conflict(self, step: Step, exc: BaseException) -> None:
        """409 AnotherOperationInProgress names the running operation: wait for it."""
        if _status(exc) != 409:
            return
        m = _OP_URI.search(_error_message(exc))
        if m:
            _wait_for_operation(self.clients, parse_id(step.resource_id).subscription, m.group(1),
                                time.monotonic() + self.opts.resume_wait, self.opts.polling_interval)  # fmt: skip

    def _attempt(self, step: Step, res: StepResult) -> None:
        js = self._jstate(step)
        if js.lro_url and not js.finished and not self.opts.dry_run:
            from netplan.live.guard import origin, same_endpoint

            if not same_endpoint(js.lro_url, self.opts.endpoint):
                where = f"{self.journal.path}: line {js.lro_line}" if self.journal is not None else "the journal"
                raise ApplyError(
                    f"{where}: the operation URL of change {step.change_id} is on {origin(js.lro_url)}, not on the ARM "
                    f"endpoint {origin(self.opts.endpoint or ARM_ENDPOINT)}; not followed, no request sent (the journal "
                    "was edited or made for another endpoint)",
                    step.change_id,
                )
            # An earlier run was interrupted while Azure was working: let that finish first.
            _wait_for_operation(self.clients, parse_id(step.resource_id).subscription, js.lro_url,
                                time.monotonic() + self.opts.resume_wait, self.opts.polling_interval)  # fmt: skip
        self._check_preconditions(step)
        body, complete = self._body(step)
        live = read_resource(self.clients, step.resource_id, step.type)
        if not complete:  # dry run before the endpoint exists: it would be written
            res.outcome = Outcome.WOULD_WRITE
            return
        decision = decide(step, body, live, js, self.plan.plan_id, self._owned(step.resource_id))
        if decision == Decision.ALREADY:
            res.outcome = Outcome.ALREADY
            if js.created_by_us and step.action == Action.CREATE and step.tkey not in TAGGABLE and not self._owned(step.resource_id):
                # Azure accepted our create (conditional on absence) but the run died before
                # recording the outcome: proven ours. A bare `started` would not be proof.
                self._record("owned", step)
            elif js.started and step.action == Action.CREATE and step.tkey not in TAGGABLE and not self._owned(step.resource_id):
                self.log(f"change {step.change_id}: {short_id(step.resource_id)} is as planned, but this journal cannot "
                         "prove vnetplan created it (the run stopped before Azure answered); it is not recorded as owned")  # fmt: skip
            self._record("already", step, etag=(live or {}).get("etag"))
            self._after(step, live)
            return
        if self.opts.dry_run:
            res.outcome = Outcome.WOULD_WRITE
            return
        self._record("started", step, action=step.action.value, absent=live is None)
        hook = _Capture(self.journal, step.change_id, self.opts.endpoint)
        res.writes += 1
        try:
            write_resource(self.clients, step, body, live, hook)
        except Exception as exc:
            cause = exc.cause if isinstance(exc, _LroFailed) else exc
            if live is None and step.action != Action.DELETE and _status(cause) == 412:
                # Our create was conditional on absence (If-None-Match: *): another writer won.
                raise StalePlan(
                    f"someone else created {step.resource_id} while this apply ran; it is not recorded as ours "
                    "(re-read the estate and re-plan)",
                    step.change_id,
                ) from None
            raise
        after = read_resource(self.clients, step.resource_id, step.type)
        if step.action == Action.DELETE:
            if after is not None:
                raise _LroFailed(RuntimeError(f"{step.resource_id} still exists after its delete"))
        elif after is None or not _succeeded(after) or not matches(body, after) or (step.sync_remote and not _in_sync(after)):
            state = _props(after).get("provisioningState") if after else "missing"
            raise _LroFailed(RuntimeError(f"{short_id(step.resource_id)} is {state} after the write, not as planned"))
        if step.action == Action.CREATE and (step.tkey in JOURNAL_OWNED or step.tkey not in TAGGABLE):
            self._record("owned", step)
        res.outcome = Outcome.DONE
        self._record("done", step, etag=(after or {}).get("etag"))
        self._after(step, after)

    def _after(self, step: Step, live: Mapping[str, Any] | None) -> None:
        if step.tkey == T_PE and step.action != Action.DELETE and live is not None:
            ip = self._pe_ip(step.resource_id)
            if ip:
                with self._lock:
                    self.pe_ips[rid_key(step.resource_id)] = ip

    def run(self, progress: Callable[[StepResult, int, int], None] | None = None) -> ApplyResult:
        started = time.monotonic()
        steps = {s.change_id: s for s in self.plan.steps}
        results = {cid: StepResult(s) for cid, s in steps.items()}
        # Kahn's algorithm: a change becomes ready when its last dependency is done (linear, not
        # a rescan of every pending change each time one finishes).
        waiting = {cid: len(set(s.depends_on)) for cid, s in steps.items()}
        dependents: dict[str, list[str]] = {}
        for cid, s in steps.items():
            for d in set(s.depends_on):
                dependents.setdefault(d, []).append(cid)
        pos = {s.change_id: i for i, s in enumerate(self.plan.steps)}
        for cid, why in self.stale.items():
            if cid in results:
                results[cid].outcome, results[cid].message = Outcome.STALE, why
                waiting[cid] = -1  # never runs; its dependents never become ready
        ready = [(pos[cid], cid) for cid, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        error: ApplyError | None = None
        finished = 0
        with ThreadPoolExecutor(max_workers=max(1, self.opts.concurrency), thread_name_prefix="apply") as pool:
            running: dict[Future[StepResult], str] = {}

            def launch() -> None:
                # Plan order among the ready ones; at most `concurrency` in flight.
                while ready and len(running) < max(1, self.opts.concurrency):
                    _, cid = heapq.heappop(ready)
                    running[pool.submit(self.run_step, steps[cid])] = cid

            try:
                launch()
                while running:
                    done_now, _ = wait(list(running), return_when=FIRST_COMPLETED)
                    for fut in done_now:
                        cid = running.pop(fut)
                        finished += 1
                        try:
                            results[cid] = fut.result()
                        except ApplyError as exc:
                            results[cid].outcome = Outcome.STALE if isinstance(exc, StalePlan) else (
                                Outcome.REFUSED if isinstance(exc, UnsafeDelete) else Outcome.FAILED)
                            results[cid].message = str(exc)
                            error = error or exc
                            self._stop.set()
                        ok = results[cid].outcome in (Outcome.DONE, Outcome.ALREADY, Outcome.WOULD_WRITE)
                        if ok:
                            for dep in dependents.get(cid, ()):
                                waiting[dep] -= 1
                                if waiting[dep] == 0:
                                    heapq.heappush(ready, (pos[dep], dep))
                        if progress is not None:
                            progress(results[cid], finished, len(steps))
                    if error is None:
                        launch()
            except KeyboardInterrupt:
                self._stop.set()
                for fut in running:
                    fut.cancel()
                busy = sum(1 for f in running if not f.done())
                self.log(f"interrupted: no new change starts; waiting for the {busy} in flight to finish")
                raise
        if error is None and finished + len(self.stale) < len(steps):
            stuck = sorted(cid for cid in steps if results[cid].outcome == Outcome.NOT_RUN)
            if self.stale:
                for cid in stuck:
                    results[cid].message = "not run: it depends on a stale change"
            else:
                error = ApplyError(f"changes {', '.join(stuck[:5])} depend on changes not in the plan or in a cycle")
        return ApplyResult(self.plan.plan_id, [results[c] for c in steps], error, time.monotonic() - started)


def _read_any(clients: _Clients, rid: str) -> dict[str, Any] | None:
    """GET a resource; a child apply has no operation for (an LB frontend) is found in its parent."""
    try:
        return read_resource(clients, rid)
    except ApplyError:
        if len(parse_id(rid).types) < 2:
            raise
    parent = _read_any(clients, parent_id(rid))
    for items in _props(parent).values():
        if isinstance(items, list):
            for item in items:
                if isinstance(item, Mapping) and rid_key(str(item.get("id", ""))) == rid_key(rid):
                    return dict(item)
    return None


def find_stale(plan: ApplyPlan, clients: _Clients, journal: Journal | None) -> list[tuple[tuple[str, ...], str]]:
    """The whole-plan staleness check, before the first write: (change ids, sentence) per difference.

    Re-reads every change's target (what :func:`decide` would say now: a create whose target
    someone else made, an update whose etag moved, a delete of what is not ours), every resource
    the changes depend on (``plan.observed``: it must still exist, and a VNet must still have the
    address space the plan was made on, both sides of each peering included), and each change's
    preconditions. Changes the journal shows finished are not checked again. Reads only.
    """
    found: list[tuple[tuple[str, ...], str]] = []
    created = {rid_key(s.resource_id) for s in plan.steps if s.action == Action.CREATE}
    todo = [s for s in plan.steps if not (journal is not None and journal.state(s.change_id).finished)]
    for step in todo:
        js = journal.state(step.change_id) if journal is not None else ChangeState(step.change_id)
        live = read_resource(clients, step.resource_id, step.type)
        try:
            decide(step, with_ownership(step, plan.plan_id), live, js, plan.plan_id,
                   journal is not None and journal.owns(step.resource_id))  # fmt: skip
        except (StalePlan, UnsafeDelete) as exc:
            found.append(((step.change_id,), str(exc)))
    seen: set[str] = set()
    for rid, obs in plan.observed.items():
        key = rid_key(rid)
        users = [s for s in todo if key in {rid_key(r) for r in _depended(s)}]
        if not users or key in created:
            continue
        seen.add(key)
        live = _read_any(clients, rid)
        cid = users[0].change_id
        cids = tuple(u.change_id for u in users)
        also = f" (and {len(users) - 1} more)" if len(users) > 1 else ""
        if live is None and obs.get("exists"):
            found.append((cids, f"{short_id(rid)} no longer exists, and change {cid}{also} depends on it; re-plan"))
        want = obs.get("address_prefixes")
        if live is not None and isinstance(want, list):
            have = _dig(live, ("properties", "addressSpace", "addressPrefixes"))
            if not _same_value(want, have):
                found.append((cids, f"{short_id(rid)} changed since the plan was made: properties.addressSpace.addressPrefixes "
                                    f"is {have!r}, the plan assumed {want!r} (change {cid}{also} depends on it); re-plan"))  # fmt: skip
    for step in todo:
        for pre in step.preconditions:
            if rid_key(pre.resource_id) in seen:
                continue
            live = read_resource(clients, pre.resource_id)
            value = _dig(live, pre.path) if live is not None else None
            if live is None or not _same_value(pre.expected, value):
                why = f" ({pre.why})" if pre.why else ""
                found.append(((step.change_id,), f"{short_id(pre.resource_id)} changed since the plan was made: {'.'.join(pre.path)} "
                                              f"is {value!r}, the plan assumed {pre.expected!r}{why}; re-plan"))  # fmt: skip
            seen.add(rid_key(pre.resource_id))
    return found


def _depended(step: Step) -> list[str]:
    from netplan.verdict import depended_ids

    return depended_ids({"id": step.resource_id, "body": step.body})


def _stale_closure(plan: ApplyPlan, found: list[tuple[tuple[str, ...], str]]) -> dict[str, str]:
    """Change id -> reason, for the stale changes (--allow-stale skips them and what depends on them)."""
    out: dict[str, str] = {}
    for cids, why in found:
        for cid in cids:
            out.setdefault(cid, why)
    return out


def apply_plan(
    plan: ApplyPlan,
    credential: Any,
    opts: ApplyOptions,
    journal: Journal | None,
    log: Callable[[str], None] | None = None,
    progress: Callable[[StepResult, int, int], None] | None = None,
) -> ApplyResult:
    """Apply ``plan`` (see the module docstring). Azure failures end up in ``result.error``.

    First the whole-plan staleness check (:func:`find_stale`): any difference stops the run before
    anything is written (``StalePlan``), unless ``opts.allow_stale``, which skips the stale changes
    and what depends on them. With ``opts.preflight`` the permissions the plan needs are checked
    next, each at the scope of the resource written or joined; a permission the API says is
    missing, or one it cannot tell about, stops the run before anything is written.
    """
    say = log or (lambda _m: None)
    clients = _Clients(credential, opts)
    try:
        stale: dict[str, str] = {}
        differences: list[str] = []
        if plan.steps:
            found = find_stale(plan, clients, journal)
            differences = [d for _, d in found]
            refused = [(c, d) for c, d in found if d.startswith("refusing to delete")]
            if refused:  # never "still valid", whatever --allow-stale says
                err = UnsafeDelete(f"{refused[0][1]}; nothing was written", refused[0][0][0])
                return ApplyResult(plan.plan_id, [StepResult(s) for s in plan.steps], err, differences=differences)
            if found and not opts.allow_stale:
                first = found[0][1]
                more = f"; {len(found)} differences in all (listed above)" if len(found) > 1 else ""
                stale_err = StalePlan(f"stale plan: {first}{more}; nothing was written; re-plan, or --allow-stale to "
                                      "apply only the changes that are still valid", found[0][0][0])  # fmt: skip
                why = _stale_closure(plan, found)
                results = [StepResult(s, Outcome.STALE, why[s.change_id]) if s.change_id in why else StepResult(s)
                           for s in plan.steps]  # fmt: skip
                return ApplyResult(plan.plan_id, results, stale_err, differences=differences)
            stale = _stale_closure(plan, found)
        if opts.preflight and plan.steps:
            from netplan.live.preflight import check_permissions, sdk_reader

            todo = [s for s in plan.steps if not (journal is not None and journal.state(s.change_id).finished)]
            missing = check_permissions(todo, sdk_reader(clients))
            known = [m for m in missing if m.known]
            unknown = [m for m in missing if not m.known]
            for m in unknown[1:]:
                say(f"preflight: {m.sentence()}")
            if unknown and not known:
                more = f" (and {len(unknown) - 1} more, listed above)" if len(unknown) > 1 else ""
                cannot = PermissionDenied(f"preflight: {unknown[0].sentence()}{more}; nothing was changed; re-run with "
                                          "--skip-preflight to apply without the permission check", unknown[0].requirement.change_id)  # fmt: skip
                return ApplyResult(plan.plan_id, [StepResult(s) for s in plan.steps], cannot)
            if not known:
                from netplan.live.policy import check_policy, sdk_checker

                denials, unchecked = check_policy(todo, sdk_checker(clients))
                for u in unchecked:
                    say(f"policy check: cannot tell whether Azure Policy allows change {u.change_id} ({u.reason}); "
                        "a denial would stop the run at that write")  # fmt: skip
                if denials:
                    more = f" (and {len(denials) - 1} more)" if len(denials) > 1 else ""
                    by_policy = PolicyDenied(f"{denials[0].sentence()}{more}; nothing was changed", denials[0].change_id)
                    return ApplyResult(plan.plan_id, [StepResult(s) for s in plan.steps], by_policy)
            if known:
                more = f" (and {len(known) - 1} more)" if len(known) > 1 else ""
                denied = PermissionDenied(f"preflight: {known[0].sentence()}{more}; nothing was changed", known[0].requirement.change_id)
                return ApplyResult(plan.plan_id, [StepResult(s) for s in plan.steps], denied)
        result = Executor(plan, clients, opts, journal, say, stale).run(progress)
        result.differences = differences
        return result
    finally:
        clients.close()


def validate_plan(plan: ApplyPlan) -> None:
    """Dependencies must name changes of the plan and form no cycle (checked before anything is sent)."""
    ids = {s.change_id for s in plan.steps}
    if len(ids) != len(plan.steps):
        raise ApplyError("the plan has two changes with the same id")
    for s in plan.steps:
        for d in s.depends_on:
            if d not in ids:
                raise ApplyError(f"change {s.change_id} depends on {d}, which is not in the plan")
    state: dict[str, int] = {}
    deps = {s.change_id: s.depends_on for s in plan.steps}
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
                raise ApplyError(f"the plan's dependencies form a cycle through {nxt}")
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(deps[nxt])))


def needs_parent(step: Step) -> str | None:
    """The parent resource of a child change (peering -> VNet, record -> zone), else None."""
    return parent_id(step.resource_id) if len(parse_id(step.resource_id).types) > 1 else None



# ----------------------------------------------------------------------------------------------
# reading the planner's plan file (netplan/plan.py ChangeSet.to_dict, schema vnetplan.plan/v1)
# ----------------------------------------------------------------------------------------------
def plan_from_dict(data: Any, file: str = "<plan>", source_estate: Any = None) -> ApplyPlan:
    """The steps of a plan file. ``source_estate``: the Estate the plan was made from, if at hand,
    to add preconditions (a peering's local and remote address spaces as planned)."""
    from netplan.errors import InputError

    if not isinstance(data, Mapping):
        raise InputError(file, "", "a plan must be a JSON object")
    if data.get("schema") != PLAN_SCHEMA:
        raise InputError(file, "schema", f"not a {PLAN_SCHEMA} plan (schema {data.get('schema')!r})")
    plan_id = data.get("plan_id")
    if not isinstance(plan_id, str) or not plan_id:
        raise InputError(file, "plan_id", "missing")
    made = data.get("made_from") if isinstance(data.get("made_from"), Mapping) else {}
    assert isinstance(made, Mapping)
    if data.get("made_from") is not None and not isinstance(data.get("made_from"), Mapping):
        raise InputError(file, "made_from", "must be an object")
    raw_etags = made.get("etags")
    if raw_etags is not None and (not isinstance(raw_etags, Mapping) or not all(isinstance(v, str) for v in raw_etags.values())):
        raise InputError(file, "made_from.etags", "must map resource ids to etag strings")
    etags = {rid_key(str(k)): str(v) for k, v in (raw_etags or {}).items()}
    changes = data.get("changes")
    if not isinstance(changes, list):
        raise InputError(file, "changes", "must be a list")
    steps: list[Step] = []
    seen: dict[str, str] = {}
    for i, c in enumerate(changes):
        where = f"changes[{i}]"
        if not isinstance(c, Mapping):
            raise InputError(file, where, "must be an object")
        for k in ("action", "id", "type"):
            if not isinstance(c.get(k), str) or not c.get(k):
                raise InputError(file, f"{where}.{k}", "missing")
        try:
            action = Action(str(c["action"]))
        except ValueError:
            raise InputError(file, f"{where}.action", f"must be create, update or delete, not {c['action']!r}") from None
        rid = str(c["id"])
        if not supported_type(str(c["type"])):
            raise InputError(file, f"{where}.type", f"vnetplan apply cannot write resources of type {c['type']}")
        _check_resource_id(rid, str(c["type"]), file, f"{where}.id")
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
        holders = []
        for j, ph in enumerate(phs or []):
            if not isinstance(ph, Mapping) or not isinstance(ph.get("path"), str) or not isinstance(ph.get("from"), str) \
                    or not ph["path"] or not ph["from"]:  # fmt: skip
                raise InputError(file, f"{where}.placeholders[{j}]", "needs 'path' and 'from' strings")
            if not isinstance(body, Mapping):
                raise InputError(file, f"{where}.placeholders[{j}]", "a placeholder needs a body to fill")
            try:
                set_path(copy.deepcopy(dict(body)), str(ph["path"]), "0.0.0.0")
            except ApplyError:
                raise InputError(file, f"{where}.placeholders[{j}].path", f"{ph['path']!r} is not a place in the change's body") from None
            _check_resource_id(str(ph["from"]), "Microsoft.Network/privateEndpoints", file, f"{where}.placeholders[{j}].from")
            holders.append((str(ph["path"]), str(ph["from"])))
        for opt in ("query", "before"):
            if c.get(opt) is not None and not isinstance(c.get(opt), Mapping):
                raise InputError(file, f"{where}.{opt}", "must be an object")
        query = c.get("query") if isinstance(c.get("query"), Mapping) else {}
        assert isinstance(query, Mapping)
        sync = any(str(k).lower() == "syncremoteaddressspace" and str(v).lower() == "true" for k, v in query.items())
        before = c.get("before") if isinstance(c.get("before"), Mapping) else None
        change_id = str(key or f"{action.value}:{rid_key(rid)}")
        if change_id in seen:
            raise InputError(file, f"{where}.key", f"change {change_id} appears twice (also at {seen[change_id]})")
        seen[change_id] = where
        step = Step(
            change_id=change_id, action=action, type=str(c["type"]),
            resource_id=rid, body=body if isinstance(body, Mapping) else None,
            depends_on=tuple(deps or ()), sync_remote=sync,
            before_etag=etags.get(rid_key(rid)) if action != Action.CREATE else None, before=before,
            placeholders=tuple(holders), description=str(c.get("reason", "")), api_version=str(c.get("api_version", "")),
        )  # fmt: skip
        if source_estate is not None and step.tkey == T_PEERING and action != Action.DELETE:
            step = _with_peering_preconditions(step, source_estate)
        steps.append(step)
    ids = {s.change_id for s in steps}
    for i, s in enumerate(steps):
        for j, d in enumerate(s.depends_on):
            if d not in ids:
                raise InputError(file, f"changes[{i}].depends_on[{j}]", f"names {d}, which is not a change of this plan")
    raw_obs = made.get("observed")
    if raw_obs is not None and (not isinstance(raw_obs, Mapping) or not all(isinstance(v, Mapping) for v in raw_obs.values())):
        raise InputError(file, "made_from.observed", "must map resource ids to objects")
    for rid, obs in (raw_obs or {}).items():
        prefixes = obs.get("address_prefixes")
        if prefixes is not None and (not isinstance(prefixes, list) or not all(isinstance(x, str) for x in prefixes)):
            raise InputError(file, f"made_from.observed.{rid}.address_prefixes", "must be a list of strings")
    plan = ApplyPlan(plan_id, tuple(steps), _connections(data), file, dict(raw_obs or {}))
    try:
        validate_plan(plan)
    except ApplyError as exc:
        raise InputError(file, "changes", str(exc)) from None
    return plan


def _check_resource_id(rid: str, rtype: str, file: str, where: str) -> None:
    """A full ARM id (subscription, resource group, provider, type/name pairs) of type ``rtype``."""
    from netplan.errors import InputError

    p = parse_id(rid)
    parts = [x for x in rid.strip().split("/") if x]
    if not rid.startswith("/subscriptions/") or not p.subscription or not p.resource_group or not p.provider \
            or not p.names or len(parts) != 6 + 2 * len(p.types) or any(not n.strip() for n in p.names):  # fmt: skip
        raise InputError(file, where, f"{rid!r} is not a full ARM resource id (/subscriptions/…/resourceGroups/…/providers/…)")
    if p.type.lower() != rtype.lower():
        raise InputError(file, where, f"{short_id(rid)} is a {p.type or 'resource of no type'}, not a {rtype}")


def _with_peering_preconditions(step: Step, estate: Any) -> Step:
    """P3/P4: a peering planned on address spaces that have since changed may overlap or be unsynced."""
    pres: list[Precondition] = []
    remote = str(_dig(step.body, ("properties", "remoteVirtualNetwork", "id")) or "")
    for vid, role in ((parent_id(step.resource_id), "local"), (remote, "remote")):
        v = estate.vnet(vid) if vid else None
        prefixes = _dig(getattr(v, "raw", None), ("properties", "addressSpace", "addressPrefixes"))
        if isinstance(prefixes, list):
            pres.append(Precondition(vid, ("properties", "addressSpace", "addressPrefixes"), list(prefixes),
                                     f"the {role} VNet's address space"))  # fmt: skip
    from dataclasses import replace

    return replace(step, preconditions=tuple(pres))


def _connections(data: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    """What --verify should check: the plan's decisions (consumer VNet and method in force)."""
    out = []
    for d in data.get("decisions") or []:
        if isinstance(d, Mapping) and d.get("consumer") and d.get("method") not in (None, "none"):
            # An existing path or a shared endpoint is verified against the target it reaches.
            method = str(d.get("verify_as") or d["method"])
            if method not in ("peering", "private-link"):
                method = "auto"
            out.append({"consumer": str(d["consumer"]), "method": method, "use_case": str(d.get("use_case", ""))})
    return tuple(out)


def resolve_made_from(path: str, plan_file: str | None) -> str:
    """A ``made_from`` path as a usable path: absolute stays; ``vnetplan plan --out`` writes paths
    relative to the plan file (``made_from.paths: plan-relative``); older plans hold paths relative
    to wherever ``plan`` ran, tried from the current directory last."""
    import os

    if not path or os.path.isabs(path) or not plan_file:
        return path
    beside = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(plan_file)), path))
    if os.path.exists(beside) or not os.path.exists(path):
        return beside
    return path


def intent_file_of(data: Mapping[str, Any], plan_file: str | None = None) -> str:
    made = data.get("made_from")
    raw = str(made.get("intent") or "") if isinstance(made, Mapping) else ""
    return resolve_made_from(raw, plan_file)


def estate_sources_of(data: Mapping[str, Any], plan_file: str | None = None) -> list[str]:
    made = data.get("made_from")
    raw = [str(x) for x in (made.get("estate_sources") or [])] if isinstance(made, Mapping) else []
    return [resolve_made_from(x, plan_file) for x in raw]
