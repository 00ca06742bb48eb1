"""Preflight: does the credential hold the permissions a plan needs, before anything is written?

:func:`required_permissions` lists, for each change, the ARM actions it needs and the scope each
is needed on. The one that bites most (P7): a peering needs
``Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write`` on the *local* VNet and
``Microsoft.Network/virtualNetworks/peer/action`` on the *remote* one, which may sit in another
subscription or tenant. A private endpoint joins a subnet (``.../subnets/join/action``), a zone
link joins a VNet (``.../virtualNetworks/join/action``).

:func:`check_permissions` asks ARM (``GET {scope}/providers/Microsoft.Authorization/permissions``,
api-version 2022-04-01) for the effective permissions at each scope and evaluates them as ARM
does: an action is granted when some permission entry's ``actions`` match it (``*`` wildcards,
case-insensitive) and the same entry's ``notActions`` do not. The promise: a missing permission
is reported with its action, scope and the change that needs it; a scope whose permissions
cannot be read is reported as *unknown*, never as granted (and apply stops on it unless told to
skip the preflight). Each permission is asked at the scope of the resource written or joined.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netplan import kinds
from netplan.changeset import Change
from netplan.ids import parent_id, parse_id, rid_key, short_id
from netplan.live.credentials import redact
from netplan.vocab import Action

PERMISSIONS_API = "2022-04-01"
PEER_ACTION = "Microsoft.Network/virtualNetworks/peer/action"


@dataclass(frozen=True)
class Requirement:
    """``action`` is needed on ``scope`` by change ``change_id`` (``why`` in words)."""

    action: str
    scope: str
    change_id: str
    why: str


@dataclass(frozen=True)
class Missing:
    requirement: Requirement
    #: False: the permissions at the scope could not be read (the API cannot tell)
    known: bool = True
    reason: str = ""

    def sentence(self) -> str:
        r = self.requirement
        if not self.known:
            return f"cannot tell whether '{r.action}' is granted on {r.scope} ({self.reason}); needed by change {r.change_id}: {r.why}"
        return f"missing '{r.action}' on {r.scope}; needed by change {r.change_id}: {r.why}"


def _write_action(rtype: str, action: Action) -> str:
    return f"{rtype}/{'delete' if action == Action.DELETE else 'write'}"


def required_permissions(steps: Iterable[Change]) -> list[Requirement]:
    """The (action, scope) pairs each change needs."""
    out: list[Requirement] = []
    for s in steps:
        what = f"{s.action.value} {short_id(s.id)}"
        rtype = parse_id(s.id).type or s.type
        out.append(Requirement(_write_action(rtype, s.action), s.id, s.key, what))
        body: Mapping[str, Any] = s.body or {}
        props = body.get("properties") if isinstance(body.get("properties"), Mapping) else {}
        assert isinstance(props, Mapping)
        if s.action == Action.DELETE:
            continue
        if s.tkey == kinds.PEERING.key:
            remote = str((props.get("remoteVirtualNetwork") or {}).get("id") or "")
            if remote:
                out.append(Requirement(PEER_ACTION, remote, s.key, f"{what} (P7: peer/action on the remote VNet)"))
        elif s.tkey == kinds.PE.key:
            subnet = str((props.get("subnet") or {}).get("id") or "")
            if subnet:
                out.append(Requirement("Microsoft.Network/virtualNetworks/subnets/join/action", subnet, s.key, what))
        elif s.tkey == kinds.ZONE_LINK.key:
            vnet = str((props.get("virtualNetwork") or {}).get("id") or "")
            if vnet:
                out.append(Requirement("Microsoft.Network/virtualNetworks/join/action", vnet, s.key, what))
        elif s.tkey == kinds.PLS.key:
            for fe in props.get("loadBalancerFrontendIpConfigurations") or []:
                fid = str((fe or {}).get("id") or "")
                if fid:
                    out.append(Requirement("Microsoft.Network/loadBalancers/frontendIPConfigurations/join/action", fid, s.key, what))
        elif s.tkey == kinds.ZONE_GROUP.key:
            for cfg in props.get("privateDnsZoneConfigs") or []:
                zid = str(((cfg or {}).get("properties") or {}).get("privateDnsZoneId") or "")
                if zid:
                    out.append(Requirement("Microsoft.Network/privateDnsZones/join/action", zid, s.key, what))
    return out


def _match(pattern: str, action: str) -> bool:
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def granted(permissions: Sequence[Mapping[str, Any]], action: str) -> bool:
    """ARM's rule: some entry allows the action and that entry's notActions do not exclude it."""
    for entry in permissions:
        allowed = any(_match(str(a), action) for a in entry.get("actions") or [])
        if allowed and not any(_match(str(n), action) for n in entry.get("notActions") or []):
            return True
    return False


def permission_scope(resource_id: str, created: frozenset[str] = frozenset()) -> str:
    """Where to ask: the resource's own scope, where the write happens.

    An existing resource, child or not (a subnet an endpoint joins, a peering or record set
    updated), is asked at its own scope: a role assigned, or an action denied, on a subnet or a
    record set shows only there. Only what the plan itself creates (``created``: :func:`rid_key`
    of the plan's creates) cannot be asked about yet: a new child takes its parent's scope, a new
    top-level resource its resource group's.
    """
    scope = resource_id
    while rid_key(scope) in created and parse_id(scope).types:
        if len(parse_id(scope).types) > 1:
            scope = parent_id(scope)
        else:
            p = parse_id(scope)
            return f"/subscriptions/{p.subscription}/resourceGroups/{p.resource_group}"
    return scope


#: A reader: scope -> the ``value`` list of the permissions API; raises when it cannot tell.
PermissionReader = Callable[[str], Sequence[Mapping[str, Any]]]


def check_permissions(steps: Iterable[Change], read: PermissionReader) -> list[Missing]:
    """Every requirement not granted (or not knowable), one entry per (action, scope, change)."""
    todo = list(steps)
    created = frozenset(rid_key(s.id) for s in todo if s.action == Action.CREATE)
    cache: dict[str, Sequence[Mapping[str, Any]] | Exception] = {}
    missing: list[Missing] = []
    for req in required_permissions(todo):
        scope = permission_scope(req.scope, created)
        key = rid_key(scope)
        if key not in cache:
            try:
                cache[key] = list(read(scope))
            except Exception as exc:  # the API could not tell: reported, never assumed granted
                cache[key] = exc
        perms = cache[key]
        if isinstance(perms, Exception):
            missing.append(Missing(req, known=False, reason=_reason(perms)))
        elif not granted(perms, req.action):
            missing.append(Missing(req))
    return missing


def _reason(exc: Exception) -> str:

    status = getattr(exc, "status_code", None)
    text = " ".join(str(exc).split())[:200]
    return redact(f"HTTP {status}: {text}" if status else text)


def sdk_reader(clients: Any) -> PermissionReader:
    """A :data:`PermissionReader` over the SDK pipeline (the apply run's clients, any subscription)."""

    def read(scope: str) -> Sequence[Mapping[str, Any]]:
        from azure.core.exceptions import HttpResponseError
        from azure.core.rest import HttpRequest

        client = clients.net(parse_id(scope).subscription or "00000000-0000-0000-0000-000000000000")
        out: list[Mapping[str, Any]] = []
        url: str | None = f"{scope.rstrip('/')}/providers/Microsoft.Authorization/permissions?api-version={PERMISSIONS_API}"
        while url:
            resp = client.send_request(HttpRequest("GET", url))
            if resp.status_code >= 400:
                raise HttpResponseError(response=resp)
            body = resp.json()
            out.extend(body.get("value") or [])
            url = body.get("nextLink")
        return out

    return read
