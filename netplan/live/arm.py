"""The client layer apply talks to Azure through: SDK clients per subscription, and one read, one
write and one operation-wait per resource, dispatched through the kind table (:mod:`netplan.kinds`).

The promise: every request goes through the real Azure SDK operations (``get``,
``begin_create_or_update``, ``begin_delete``; record sets are synchronous), on the inventory's
shared transport and retry policy; writes are conditional on exactly the state just re-read
(If-Match / If-None-Match), so a change made between our read and our write is never overwritten;
an operation URL is followed only on the ARM endpoint itself. The Azure SDK is imported inside
functions only, so offline commands never load it.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

from netplan import kinds
from netplan.changeset import Change
from netplan.ids import parse_id, short_id
from netplan.live.credentials import redact
from netplan.live.errors import ApplyError, PermissionDenied
from netplan.live.guard import origin, same_endpoint
from netplan.live.inventory import InventoryOptions, _client_kwargs, _to_rest
from netplan.live.journal import Journal
from netplan.vocab import Action

_AUTHZ = re.compile(r"perform action '([^']+)' over scope '([^']+)'", re.IGNORECASE)
OP_URI = re.compile(r"use uri:\s*(\S+?)\.?$", re.IGNORECASE)


class Clients:
    """SDK clients per subscription, built on the inventory's shared transport and options."""

    def __init__(self, credential: Any, endpoint: str | None = None, ca_bundle: str | None = None, concurrency: int = 8,
                 retries: int = 6, backoff: float = 0.8, backoff_max: float = 30.0, polling_interval: float = 5.0) -> None:  # fmt: skip
        self.credential = credential
        self.endpoint = endpoint
        self.backoff_max = backoff_max
        self.polling_interval = polling_interval
        self.inv = InventoryOptions(endpoint=endpoint, ca_bundle=ca_bundle, concurrency=max(4, concurrency),
                                    retries=retries, backoff=backoff)  # fmt: skip
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}

    def _kw(self) -> dict[str, Any]:
        kw = _client_kwargs(self.inv)
        kw["retry_backoff_max"] = self.backoff_max
        kw["polling_interval"] = self.polling_interval
        return kw

    def client(self, which: str, sub: str) -> Any:
        """The ``which`` client ("network", "privatedns", "policy") of subscription ``sub``."""
        key = (which, sub.lower())
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._make(which, sub)
            return self._clients[key]

    def _make(self, which: str, sub: str) -> Any:
        kw = self._kw()
        if which == "network":
            from azure.mgmt.network import NetworkManagementClient

            return NetworkManagementClient(self.credential, sub, **kw)
        if which == "privatedns":
            from azure.mgmt.privatedns import PrivateDnsManagementClient

            return PrivateDnsManagementClient(self.credential, sub, **kw)
        if which == "policy":
            from azure.mgmt.policyinsights import PolicyInsightsClient

            return PolicyInsightsClient(self.credential, sub, kw.pop("base_url", None), **kw)
        raise ValueError(f"no client {which!r}")

    def net(self, sub: str) -> Any:
        return self.client("network", sub)

    def dns(self, sub: str) -> Any:
        return self.client("privatedns", sub)

    def policy(self, sub: str) -> Any:
        return self.client("policy", sub)

    def close(self) -> None:
        for c in self._clients.values():
            with contextlib.suppress(Exception):  # closing is best effort
                c.close()


def rest(model: Any) -> dict[str, Any] | None:
    """An SDK model as its REST JSON (None stays None)."""
    return None if model is None else _to_rest(model)


def _operations(clients: Clients, kind: kinds.Kind, sub: str) -> Any:
    return getattr(clients.client(kind.client, sub), kind.operations)


def read_resource(clients: Clients, rid: str, rtype: str | None = None) -> dict[str, Any] | None:
    """GET one resource through its SDK operation; None when it (or its parent) does not exist."""
    from azure.core.exceptions import ResourceNotFoundError

    p = parse_id(rid)
    kind = kinds.kind_of(rtype or p.type)
    if kind is None or not kind.operations or not p.names:
        raise ApplyError(f"vnetplan apply cannot handle resources of type {rtype or p.type} ({rid})")
    ops = _operations(clients, kind, p.subscription)
    try:
        if kind.operations == "record_sets":
            return rest(ops.get(p.resource_group, p.names[0], p.types[1].upper(), p.names[1]))
        return rest(ops.get(p.resource_group, *p.names))
    except ResourceNotFoundError:
        return None


class Capture:
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
            extra: dict[str, Any] = {}
            if url and not same_endpoint(url, self.endpoint):
                # Never journalled as a URL to follow: a resumed run would send the token there.
                extra["refused_url_origin"] = origin(url)
                url = None
            self.url, self.etag = url, (str(etag) if etag else None)
            if self.journal is not None:
                self.journal.record("lro", self.change_id, url=url, etag=self.etag, status=http.status_code, **extra)


class LroFailed(Exception):
    """The write was accepted but its long-running operation did not succeed."""

    def __init__(self, cause: BaseException) -> None:
        self.cause = cause
        super().__init__(str(cause))


def _dns_condition(live: Mapping[str, Any] | None) -> dict[str, Any]:
    """Private DNS honours If-Match / If-None-Match: write only over exactly what we re-read."""
    from azure.core import MatchConditions

    if live is None:
        return {"match_condition": MatchConditions.IfMissing}
    if live.get("etag"):
        return {"etag": str(live["etag"]), "match_condition": MatchConditions.IfNotModified}
    return {}


def write_resource(clients: Clients, change: Change, body: Mapping[str, Any], live: Mapping[str, Any] | None,
                   hook: Capture) -> None:  # fmt: skip
    """Send one change through its SDK operation and wait for the LRO to end."""
    from azure.core import MatchConditions

    p = parse_id(change.id)
    kind = kinds.writable_kind(change.type)
    if kind is None or not p.names:
        raise ApplyError(f"vnetplan apply cannot write resources of type {change.type}", change.key)
    if change.action == Action.DELETE and kind is kinds.VNET:
        raise ApplyError(f"vnetplan apply cannot delete resources of type {change.type}", change.key)
    ops = _operations(clients, kind, p.subscription)
    kw: dict[str, Any] = {"raw_response_hook": hook}
    if kind.client == "network":
        # Write only over exactly what was just re-read (ARM answers 412 otherwise).
        kw["headers"] = {"If-Match": str(live["etag"])} if live and live.get("etag") else {"If-None-Match": "*"} if live is None else {}
    rg, names = p.resource_group, p.names
    if kind.operations == "record_sets":  # synchronous, and keyed by record type
        rtype = p.types[1].upper()
        if change.action == Action.DELETE:
            # The etag we just read: if someone changes the record in between, 412, not a lost edit.
            ops.delete(rg, names[0], rtype, names[1], etag=str((live or {}).get("etag") or ""),
                       match_condition=MatchConditions.IfNotModified, **kw)  # fmt: skip
        else:
            ops.create_or_update(rg, names[0], rtype, names[1], dict(body), **_dns_condition(live), **kw)
        return
    if change.action == Action.DELETE:
        poller = ops.begin_delete(rg, *names, **kw)
    else:
        if kind is kinds.PEERING:
            kw["sync_remote_address_space"] = "true" if change.sync_remote else None
        elif kind.client == "privatedns":
            kw.update(_dns_condition(live))
        poller = ops.begin_create_or_update(rg, *names, dict(body), **kw)
    try:
        poller.result()
    except Exception as exc:
        raise LroFailed(exc) from exc


def wait_for_operation(clients: Clients, sub: str, url: str, deadline: float, interval: float) -> None:
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


def error_message(exc: BaseException) -> str:
    """An SDK error as one redacted line (code: message)."""
    err = getattr(exc, "error", None)
    code = getattr(err, "code", None) or ""
    msg = getattr(err, "message", None) or getattr(exc, "message", None) or str(exc)
    text = f"{code}: {msg}" if code and code not in str(msg) else str(msg)
    return redact(" ".join(text.split()))


def status_of(exc: BaseException) -> int | None:
    return getattr(exc, "status_code", None)


def code_of(exc: BaseException) -> str:
    return str(getattr(getattr(exc, "error", None), "code", None) or "")


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt from a fresh read: a failed LRO, a connection error, 408/412/429/5xx,
    409 AnotherOperationInProgress."""
    from azure.core.exceptions import ServiceRequestError, ServiceResponseError

    if isinstance(exc, LroFailed | ServiceRequestError | ServiceResponseError):
        return True
    status = status_of(exc)
    if status in (408, 412, 429) or (status is not None and status >= 500):
        return True
    return status == 409 and code_of(exc) in ("AnotherOperationInProgress", "Conflict") and "in progress" in error_message(exc).lower()


def explain_forbidden(exc: BaseException, change: Change) -> PermissionDenied:
    """A 403 as one line: the action that is missing and the scope it is missing on."""
    msg = error_message(exc)
    m = _AUTHZ.search(msg)
    if m:
        action, scope = m.group(1), m.group(2)
        hint = ""
        if action.lower() == "microsoft.network/virtualnetworks/peer/action":
            hint = " (P7: peering needs it on the remote virtual network, possibly in another subscription or tenant)"
        return PermissionDenied(
            f"permission denied: the credential lacks '{action}' on {scope}{hint}; needed by change "
            f"{change.key} ({change.action.value} {short_id(change.id)}); grant a role with that "
            "action on that scope (e.g. Network Contributor) and re-run",
            change.key,
        )
    return PermissionDenied(
        f"permission denied for change {change.key} ({change.action.value} {short_id(change.id)}): {msg}",
        change.key,
    )
