"""Azure Resource Graph's query endpoint (``POST /providers/Microsoft.ResourceGraph/resources``),
for the queries vnetplan sends.

Answers the two query shapes of :mod:`netplan.live.resourcegraph` (the ``resources`` table filtered
by ``type in~ (...)`` and projected, and the ``resourcecontainers`` subscriptions query) from the
emulator's store, the way Resource Graph answers them (Microsoft Learn, "Guidance for throttled
requests in Azure Resource Graph" and the 2021-03-01 REST reference):

* rows are ``objectArray`` objects with the projected columns; ``type`` is lower-cased, missing
  optional columns are null (``kind`` is an empty string), there is no ``etag``;
* scope: ``subscriptions`` (at most 1,000), or ``managementGroups`` (a subscription's seed entry may
  list its ``managementGroups``; the tenant root group, named by the tenant id, holds every one), or
  neither (every subscription the principal can read); subscriptions the principal may not read
  (a ``forbidden`` fault rule on the subscription) are left out, as Resource Graph does;
* paging: ``options.$top`` (at most 1,000; default 1,000) and an opaque ``$skipToken``;
* throttling: a per-principal quota of ``graph_quota`` queries per ``graph_window_s`` seconds (the
  documented example is 15 per 5 s); every response carries ``x-ms-user-quota-remaining`` and
  ``x-ms-user-quota-resets-after`` (hh:mm:ss), and a query over quota gets 429 with both headers;
* a query it does not understand is a 400 ``BadRequest`` / ``InvalidQuery`` (never a silent empty
  result).
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from .errors import ArmError
from .store import subscription_of, type_of_id

if TYPE_CHECKING:
    from .backend import ArmRequest, ArmResponse, Backend

PATH = ["providers", "microsoft.resourcegraph", "resources"]
MAX_TOP = 1000
MAX_SUBSCRIPTIONS = 1000

_RESOURCES = re.compile(
    r"^\s*resources\s*\|\s*where\s+type\s+in~\s*\((?P<types>[^)]*)\)\s*"
    r"\|\s*project\s+(?P<cols>[\w\s,]+?)\s*(?:\|\s*order\s+by\s+id\s+asc\s*)?$",
    re.IGNORECASE | re.DOTALL,
)
_SUBSCRIPTIONS = re.compile(
    r"^\s*resourcecontainers\s*\|\s*where\s+type\s*=~\s*'microsoft\.resources/subscriptions'\s*"
    r"\|\s*project\s+(?P<cols>[\w\s,]+?)\s*(?:\|\s*order\s+by\s+subscriptionId\s+asc\s*)?$",
    re.IGNORECASE | re.DOTALL,
)


class Quota:
    """A sliding window of query times: ``limit`` queries per ``window`` seconds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: deque[float] = deque()

    def take(self, limit: int, window: float) -> tuple[bool, int, float]:
        """(allowed, remaining after this query, seconds until the quota resets)."""
        now = time.monotonic()
        with self.lock:
            while self.times and now - self.times[0] >= window:
                self.times.popleft()
            if limit > 0 and len(self.times) >= limit:
                return False, 0, window - (now - self.times[0])
            self.times.append(now)
            remaining = max(0, limit - len(self.times)) if limit > 0 else 1_000_000
            return True, remaining, window - (now - self.times[0])

    def spend(self, limit: int) -> None:
        """Use up the quota now, as another client of the same principal would have."""
        now = time.monotonic()
        with self.lock:
            self.times.clear()
            self.times.extend([now] * limit)


def _hms(seconds: float) -> str:
    s = max(0, math.ceil(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _bad_query(message: str) -> ArmError:
    return ArmError(400, "BadRequest", f"Please provide below info when asking for support: query is invalid. {message}",
                    details=[{"code": "InvalidQuery", "message": message}])  # fmt: skip


def _columns(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def handle(be: Backend, req: ArmRequest) -> ArmResponse:
    from .backend import TENANT_ID, ArmResponse

    if req.method != "POST":
        raise ArmError(405, "MethodNotAllowed", "The requested method is not allowed.")
    cfg = be.faults.config
    ok, remaining, resets = be.graph_quota.take(int(cfg.graph_quota), float(cfg.graph_window_s))
    headers = {"x-ms-user-quota-remaining": str(remaining), "x-ms-user-quota-resets-after": _hms(resets)}
    if not ok:
        be.stats.count("faults", "graph_throttle")
        raise ArmError(429, "RateLimiting", "Please provide below info when asking for support: the user quota has been exceeded.",
                       headers=headers)  # fmt: skip
    body = req.json_object()
    query = body.get("query")
    if not isinstance(query, str):
        raise _bad_query("query is required")
    options = body.get("options") or {}
    top = int(options.get("$top") or MAX_TOP)
    if not 1 <= top <= MAX_TOP:
        raise _bad_query(f"$top must be between 1 and {MAX_TOP}")
    skip = 0
    token = options.get("$skipToken")
    if token:
        try:
            skip = int(json.loads(base64.b64decode(token))["offset"])
        except (ValueError, KeyError, TypeError):
            raise _bad_query("$skipToken is not valid") from None

    subs = _scope(be, body, TENANT_ID)
    rows: list[dict[str, Any]]
    m = _RESOURCES.match(query)
    if m:
        types = {t.strip().strip("'\"").lower() for t in m.group("types").split(",") if t.strip()}
        cols = _columns(m.group("cols"))
        rows = [_row(be, r, cols) for r in be.store.all()
                if be.type_of(r).lower() in types and (subscription_of(r["id"]) or "").lower() in subs]  # fmt: skip
        rows.sort(key=lambda r: str(r.get("id", "")).lower())
    else:
        m = _SUBSCRIPTIONS.match(query)
        if not m:
            raise _bad_query("the emulator answers only the queries vnetplan sends")
        cols = _columns(m.group("cols"))
        rows = []
        for s in be.store.subscriptions():
            if s.lower() in subs:
                full = {"subscriptionId": s, "name": be.subscription_body(s)["displayName"],
                        "id": f"/subscriptions/{s}", "type": "microsoft.resources/subscriptions"}  # fmt: skip
                rows.append({c: full.get(c) for c in cols})
    page = rows[skip : skip + top]
    out: dict[str, Any] = {
        "totalRecords": len(rows),
        "count": len(page),
        "data": page,
        "facets": [],
        "resultTruncated": "false",
    }
    if skip + top < len(rows):
        out["$skipToken"] = base64.b64encode(json.dumps({"offset": skip + top}).encode()).decode()
    return ArmResponse(200, out, headers)


def _scope(be: Backend, body: dict[str, Any], tenant_id: str) -> set[str]:
    """Lower-cased subscription ids in the request's scope that the principal may read."""
    all_subs = {s.lower(): s for s in be.store.subscriptions()}
    named = body.get("subscriptions")
    groups = body.get("managementGroups")
    if named:
        if len(named) > MAX_SUBSCRIPTIONS:
            raise _bad_query(f"at most {MAX_SUBSCRIPTIONS} subscriptions per query")
        scope = {str(s).lower() for s in named if str(s).lower() in all_subs}
    elif groups:
        wanted = {str(g).lower() for g in groups}
        scope = set()
        for k in all_subs:
            mgs = {str(g).lower() for g in be.store.extra_subscriptions.get(k, {}).get("managementGroups", [])}
            if tenant_id.lower() in wanted or mgs & wanted:
                scope.add(k)
    else:
        scope = set(all_subs)
    return {
        k for k in scope
        if not be.faults.forbidden(f"/subscriptions/{all_subs[k]}", "Microsoft.Resources/subscriptions/read", "GET")
    }  # fmt: skip


def _row(be: Backend, r: dict[str, Any], cols: list[str]) -> dict[str, Any]:
    """A stored resource as Resource Graph indexes it: the body ARM's GET returns, flattened into columns."""
    from .privatedns import LINK_TYPE, ZONE_TYPE, render_zone

    rtype = be.type_of(r).lower()
    if rtype == ZONE_TYPE.lower():
        r = render_zone(be, r)
    elif rtype == LINK_TYPE.lower():
        # Resource Graph shows the provider's current api-version: links carry resolutionPolicy.
        r = be.render(r)
        r.setdefault("properties", {}).setdefault("resolutionPolicy", "Default")
    full: dict[str, Any] = {
        "id": r["id"],
        "name": r.get("name"),
        "type": str(r.get("type") or type_of_id(r["id"])).lower(),
        "location": r.get("location"),
        "tags": r.get("tags"),
        "sku": r.get("sku"),
        "zones": r.get("zones"),
        "kind": r.get("kind", ""),
        "extendedLocation": r.get("extendedLocation"),
        "properties": r.get("properties", {}),
        "subscriptionId": subscription_of(r["id"]),
    }
    return {c: json.loads(json.dumps(full.get(c))) for c in cols}
