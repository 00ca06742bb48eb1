"""The emulator's request-level logic, independent of HTTP: routing, paging, LROs, authz, etags.

``Backend.handle`` takes an :class:`ArmRequest` (already authenticated, faults already decided by
the HTTP layer) and returns an :class:`ArmResponse`. It holds one re-entrant lock for the whole
request, so each request sees and leaves a consistent store. Resource-provider specifics live in
``network.py`` and ``privatedns.py``.
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from . import errors
from .errors import ArmError
from .faults import FaultInjector, Stats
from .store import ArmPath, Resource, Store, parse_path, type_of_id

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@dataclass
class ArmRequest:
    """One ARM request as the backend sees it."""

    method: str
    path: str
    query: dict[str, str]  # keys lower-cased
    headers: dict[str, str]  # keys lower-cased
    body: Any
    base_url: str
    arm: ArmPath | None = None

    @property
    def api_version(self) -> str:
        """The api-version query value (any value is accepted)."""
        return self.query.get("api-version", "")

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object, or 400 InvalidRequestContent."""
        if not isinstance(self.body, dict):
            raise errors.invalid_request_content("request body must be a JSON object")
        return self.body


@dataclass
class ArmResponse:
    """Status, JSON body (None for no body) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Operation:
    """A long-running operation (network or private DNS)."""

    id: str
    provider: str  # "network" | "privatedns"
    method: str
    resource_id: str
    subscription: str
    resource_group: str
    location: str
    api_version: str
    polls_left: int
    deadline: float
    will_fail: bool
    on_success: Callable[[], None]
    on_failure: Callable[[], None]
    render: Callable[[], Any] | None = None  # final body for the Location URL of PUT/PATCH
    status: str = "InProgress"
    error: dict[str, Any] | None = None
    start_time: str = ""


def new_etag_network() -> str:
    """Network RP etag: ``W/"guid"``."""
    return f'W/"{uuid.uuid4()}"'


def new_etag_dns() -> str:
    """Private DNS zone and record set etag: a bare GUID."""
    return str(uuid.uuid4())


def new_etag_dns_link() -> str:
    """Private DNS virtual network link etag: a quoted GUID (``"\"guid\""`` in JSON), as real links carry."""
    return f'"{uuid.uuid4()}"'


def now_iso() -> str:
    """Current UTC time in ARM's ISO format."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime())


class Backend:
    """State, LROs and dispatch. Thread-safe through ``self.lock``."""

    def __init__(
        self,
        store: Store,
        faults: FaultInjector,
        stats: Stats,
        *,
        principal_id: str = "5d8c5a16-0000-4000-8000-00000000c11e",
        state_file: Path | None = None,
    ) -> None:
        import threading

        self.lock = threading.RLock()
        self.store = store
        self.faults = faults
        self.stats = stats
        self.principal_id = principal_id
        self.state_file = state_file
        self.ops: dict[str, Operation] = {}
        from .resourcegraph import Quota

        self.graph_quota = Quota()

    # -- persistence ------------------------------------------------------------
    def persist(self) -> None:
        """Write the state file (when a state dir is configured)."""
        if self.state_file is not None:
            self.store.save_file(self.state_file)

    def applied(self) -> None:
        """Record that a write changed state, and persist."""
        self.stats.count("writes_applied")
        self.persist()

    # -- authorization ------------------------------------------------------------
    def check_authz(
        self, target: str, action: str, method: str | None = None, scope: str | None = None
    ) -> None:
        """Raise 403 AuthorizationFailed when a fault rule denies ``action`` on ``target``.

        ``scope`` is the scope named in the message (default: the target itself).
        """
        if self.faults.forbidden(target, action, method):
            self.stats.count("faults", "forbidden")
            raise errors.authorization_failed(self.principal_id, action, scope or target)

    @staticmethod
    def action_for(type_chain: str, method: str) -> str:
        """The ARM action a request needs (``.../read``, ``/write``, ``/delete``, ``/action``)."""
        verb = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}.get(
            method, "action"
        )
        return f"{type_chain}/{verb}"

    # -- preconditions ------------------------------------------------------------
    @staticmethod
    def _etags(header: str) -> set[str]:
        """The etags of an If-Match / If-None-Match header, unquoted (``W/"..."`` kept whole)."""
        out = set()
        for part in header.split(","):
            e = part.strip()
            if not e.startswith("W/") and len(e) >= 2 and e[0] == e[-1] == '"':
                e = e[1:-1]
            if e:
                out.add(e)
        return out

    @classmethod
    def check_etag(cls, req: ArmRequest, existing: Resource | None, resource_id: str) -> None:
        """If-Match / If-None-Match handling: 412 PreconditionFailed on mismatch."""
        # Compared unquoted on both sides: Private DNS links carry quoted etags (``"guid"``), which a
        # client sends back as they are.
        current = next(iter(cls._etags(str((existing or {}).get("etag", "")))), "")
        if_match = req.headers.get("if-match")
        if if_match is not None:
            tags = cls._etags(if_match)
            if existing is None or ("*" not in tags and current not in tags):
                raise errors.precondition_failed(resource_id)
        if_none = req.headers.get("if-none-match")
        if if_none is not None and existing is not None:
            tags = cls._etags(if_none)
            if "*" in tags or current in tags:
                raise errors.precondition_failed(resource_id)

    # -- paging ----------------------------------------------------------------------
    def page(self, req: ArmRequest, items: list[Any]) -> ArmResponse:
        """One page of ``items`` with a ``nextLink`` when more remain."""
        size = max(1, int(self.faults.config.page_size))
        top = req.query.get("$top")
        if top and top.isdigit() and int(top) > 0:
            size = min(size, int(top))
        skip_raw = req.query.get("$skiptoken", "0")
        skip = int(skip_raw) if skip_raw.isdigit() else 0
        chunk = items[skip : skip + size]
        body: dict[str, Any] = {"value": chunk}
        if skip + size < len(items):
            q = {k: v for k, v in req.query.items() if k != "$skiptoken"}
            q["$skiptoken"] = str(skip + size)
            body["nextLink"] = f"{req.base_url}{req.path}?{urlencode(q)}"
        return ArmResponse(200, body)

    # -- LROs ------------------------------------------------------------------------------
    def busy(self, resource_id: str) -> Operation | None:
        """An in-progress LRO on this resource, an ancestor or a descendant."""
        self.tick()
        rid = resource_id.lower().rstrip("/")
        for op in self.ops.values():
            if op.status != "InProgress":
                continue
            oid = op.resource_id.lower().rstrip("/")
            if oid == rid or rid.startswith(oid + "/") or oid.startswith(rid + "/"):
                return op
        return None

    def ensure_not_busy(self, req: ArmRequest, resource_id: str) -> None:
        """409 AnotherOperationInProgress when a write hits a resource with a running LRO."""
        op = self.busy(resource_id)
        if op is not None:
            raise errors.another_operation_in_progress(self.status_url(req, op))

    def tick(self) -> None:
        """Complete LROs that nobody polled before their deadline."""
        now = time.monotonic()
        for op in list(self.ops.values()):
            if op.status == "InProgress" and now >= op.deadline:
                self.finish(op)

    def start_lro(
        self,
        req: ArmRequest,
        provider: str,
        resource_id: str,
        location: str,
        on_success: Callable[[], None],
        on_failure: Callable[[], None],
        render: Callable[[], Any] | None = None,
    ) -> Operation:
        """Register an LRO. With ``lro_polls == 0`` it completes at once."""
        cfg = self.faults.config
        p = parse_path(resource_id)
        op = Operation(
            id=str(uuid.uuid4()),
            provider=provider,
            method=req.method,
            resource_id=resource_id,
            subscription=p.subscription if p else "",
            resource_group=(p.resource_group or "") if p else "",
            location=(location or "global").replace(" ", "").lower(),
            api_version=req.api_version,
            polls_left=max(0, int(cfg.lro_polls)),
            deadline=time.monotonic() + float(cfg.lro_max_seconds),
            will_fail=self.faults.lro_should_fail(),
            on_success=on_success,
            on_failure=on_failure,
            render=render,
            start_time=now_iso(),
        )
        self.ops[op.id] = op
        self.stats.count("lro_started")
        if op.polls_left == 0:
            self.finish(op)
        return op

    def finish(self, op: Operation) -> None:
        """Complete an LRO: apply success or failure, record the status, persist."""
        if op.status != "InProgress":
            return
        if op.will_fail:
            op.on_failure()
            op.status = "Failed"
            op.error = {
                "code": self.faults.config.lro_fail_code,
                "message": f"The operation '{op.id}' on resource '{op.resource_id}' failed "
                "(fault injected by the emulator).",
                "details": [],
            }
            self.stats.count("faults", "lro_failed")
        else:
            op.on_success()
            op.status = "Succeeded"
        self.persist()

    def status_url(self, req: ArmRequest, op: Operation) -> str:
        """The Azure-AsyncOperation URL of an LRO."""
        q = urlencode({"api-version": op.api_version or req.api_version})
        base = self.faults.config.lro_base_url or req.base_url
        if op.provider == "privatedns":
            return (
                f"{base}/subscriptions/{op.subscription}/resourceGroups/{op.resource_group}"
                f"/providers/Microsoft.Network/privateDnsOperationStatuses/{op.id}?{q}"
            )
        return (
            f"{base}/subscriptions/{op.subscription}/providers/Microsoft.Network/locations/"
            f"{op.location}/operations/{op.id}?{q}"
        )

    def result_url(self, req: ArmRequest, op: Operation) -> str:
        """The Location URL of an LRO."""
        q = urlencode({"api-version": op.api_version or req.api_version})
        base = self.faults.config.lro_base_url or req.base_url
        if op.provider == "privatedns":
            return (
                f"{base}/subscriptions/{op.subscription}/resourceGroups/{op.resource_group}"
                f"/providers/Microsoft.Network/privateDnsOperationResults/{op.id}?{q}"
            )
        return (
            f"{base}/subscriptions/{op.subscription}/providers/Microsoft.Network/locations/"
            f"{op.location}/operationResults/{op.id}?{q}"
        )

    def lro_headers(
        self, req: ArmRequest, op: Operation, *, location: bool, async_op: bool = True
    ) -> dict[str, str]:
        """Azure-AsyncOperation / Location (/ Retry-After when configured) headers for an LRO response."""
        h: dict[str, str] = self._retry_after()
        if async_op:
            h["Azure-AsyncOperation"] = self.status_url(req, op)
        if location:
            h["Location"] = self.result_url(req, op)
        return h

    def _retry_after(self) -> dict[str, str]:
        after = self.faults.config.lro_retry_after
        return {} if after is None else {"Retry-After": str(int(after))}

    def _poll(self, op_id: str) -> Operation:
        op = self.ops.get(op_id)
        if op is None:
            raise ArmError(404, "OperationNotFound", f"Operation '{op_id}' was not found.")
        self.stats.count("lro_polls")
        if op.status == "InProgress":
            if op.polls_left > 0:
                op.polls_left -= 1
            else:
                self.finish(op)
        return op

    def operation_status(self, req: ArmRequest, op_id: str) -> ArmResponse:
        """GET on an Azure-AsyncOperation URL: ``{"status": ...}`` (plus ``error`` when it failed), as
        real operation-status bodies are. Private DNS re-sends its LRO headers while running."""
        op = self._poll(op_id)
        body: dict[str, Any] = {"status": op.status}
        if op.error:
            body["error"] = op.error
        headers: dict[str, str] = {}
        if op.status == "InProgress":
            headers = (
                self.lro_headers(req, op, location=True) if op.provider == "privatedns" else self._retry_after()
            )
        return ArmResponse(200, body, headers)

    def operation_result(self, req: ArmRequest, op_id: str) -> ArmResponse:
        """GET on a Location URL: 202 while running, then the result (or the error)."""
        op = self._poll(op_id)
        if op.status == "InProgress":
            # Private DNS re-sends both URLs on every poll; the network RP only its Location.
            return ArmResponse(202, None, self.lro_headers(req, op, location=True, async_op=op.provider == "privatedns"))
        if op.status == "Failed":
            err = op.error or {}
            raise ArmError(400, str(err.get("code", "OperationFailed")), str(err.get("message", "")))
        if op.method in ("PUT", "PATCH") and op.render is not None:
            return ArmResponse(200, op.render())
        return ArmResponse(204 if op.provider == "network" else 200, None)

    # -- dispatch ---------------------------------------------------------------------------
    def handle(self, req: ArmRequest) -> ArmResponse:
        """Answer one authenticated ARM request (errors become ARM error responses)."""
        with self.lock:
            try:
                return self._dispatch(req)
            except ArmError as e:
                return ArmResponse(e.status, e.body(), dict(e.headers))

    def _dispatch(self, req: ArmRequest) -> ArmResponse:
        from . import authz, network, policy, privatedns

        if req.method == "GET" and authz.is_permissions_path(req.path):
            return authz.permissions(self, req)
        if req.method == "POST" and policy.is_check_path(req.path):
            status, body = policy.check(self.faults.config.policy_deny, req.path, req.body)
            return ArmResponse(status, body)
        parts = [p for p in req.path.split("/") if p]
        low = [p.lower() for p in parts]
        if low == ["subscriptions"]:
            if req.method != "GET":
                raise ArmError(405, "MethodNotAllowed", "The requested method is not allowed.")
            self.check_authz("/subscriptions", "Microsoft.Resources/subscriptions/read", req.method)
            return self.page(req, [self.subscription_body(s) for s in self.store.subscriptions()])
        if low == ["providers", "microsoft.resourcegraph", "resources"]:
            from . import resourcegraph

            return resourcegraph.handle(self, req)
        if low == ["tenants"]:
            return ArmResponse(200, {"value": [{"id": f"/tenants/{TENANT_ID}", "tenantId": TENANT_ID}]})
        arm = parse_path(req.path)
        if arm is None:
            raise ArmError(404, "NotFound", f"The requested path '{req.path}' is not served by the emulator.")
        req.arm = arm
        if arm.namespace is None:
            return self._scope_get(req, arm)
        segs = [s.lower() for s in arm.segments]
        ns = arm.namespace.lower()
        if ns == "microsoft.network" and req.method == "GET":
            if len(segs) == 4 and segs[0] == "locations" and segs[2] == "operations":
                return self.operation_status(req, arm.segments[3])
            if len(segs) == 4 and segs[0] == "locations" and segs[2] == "operationresults":
                return self.operation_result(req, arm.segments[3])
            if len(segs) == 2 and segs[0] == "privatednsoperationstatuses":
                return self.operation_status(req, arm.segments[1])
            if len(segs) == 2 and segs[0] == "privatednsoperationresults":
                return self.operation_result(req, arm.segments[1])
        if arm.is_collection:  # a list: matched on its path, reported on its parent scope (as ARM does)
            target = req.path.rstrip("/")
            scope = arm.collection_parent_id or arm.scope()
        else:
            target = scope = arm.item_id
        self.check_authz(target, self.action_for(arm.type_chain, req.method), req.method, scope)
        if req.method in ("PUT", "PATCH") and not arm.is_collection:
            policy.enforce(self.faults.config.policy_deny, arm.type_chain, arm.item_id, arm.names[-1])
        if ns == "microsoft.network" and segs and segs[0] == "privatednszones":
            return privatedns.handle(self, req, arm)
        return network.handle(self, req, arm)

    def _scope_get(self, req: ArmRequest, arm: ArmPath) -> ArmResponse:
        if req.method != "GET":
            raise ArmError(
                405, "MethodNotAllowed", "The emulator does not create subscriptions or resource groups."
            )
        subs = {s.lower(): s for s in self.store.subscriptions()}
        if arm.subscription.lower() not in subs:
            raise ArmError(
                404, "SubscriptionNotFound", f"The subscription '{arm.subscription}' could not be found."
            )
        if arm.resource_group is None:
            return ArmResponse(200, self.subscription_body(subs[arm.subscription.lower()]))
        scope = arm.scope().lower() + "/"
        for r in self.store.all():
            if r["id"].lower().startswith(scope):
                return ArmResponse(200, self.resource_group_body(arm, r))
        raise ArmError(
            404, "ResourceGroupNotFound", f"Resource group '{arm.resource_group}' could not be found."
        )

    def subscription_body(self, sub: str) -> dict[str, Any]:
        """A subscription as ARM lists it."""
        extra = self.store.extra_subscriptions.get(sub.lower(), {})
        return {
            "id": f"/subscriptions/{sub}",
            "subscriptionId": sub,
            "displayName": extra.get("displayName", f"Emulated subscription {sub[:8]}"),
            "state": extra.get("state", "Enabled"),
            "tenantId": extra.get("tenantId", TENANT_ID),
            "authorizationSource": "RoleBased",
            "subscriptionPolicies": {
                "locationPlacementId": "Public_2014-09-01",
                "quotaId": "PayAsYouGo_2014-09-01",
                "spendingLimit": "Off",
            },
        }

    @staticmethod
    def resource_group_body(arm: ArmPath, sample: Resource) -> dict[str, Any]:
        """A resource group derived from a resource inside it."""
        return {
            "id": arm.scope(),
            "name": arm.resource_group,
            "type": "Microsoft.Resources/resourceGroups",
            "location": sample.get("location", "westeurope")
            if sample.get("location") != "global"
            else "westeurope",
            "properties": {"provisioningState": "Succeeded"},
        }

    # -- helpers for providers ---------------------------------------------------------------
    def render(self, resource: Resource) -> Resource:
        """A deep copy for output."""
        return copy.deepcopy(resource)

    def exists(self, resource_id: str) -> bool:
        """Whether a stored resource exists."""
        return self.store.get(resource_id) is not None

    @staticmethod
    def type_of(resource: Resource) -> str:
        """A resource's type (from the body, else from the id)."""
        return str(resource.get("type") or type_of_id(resource["id"]))
