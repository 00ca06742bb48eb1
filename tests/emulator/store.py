"""In-memory ARM resource store for the emulator, with ARM path parsing and snapshot load/save.

Resources are kept in their ARM REST shape and keyed by lower-cased resource id (Azure ids are
case-insensitive); the original spelling is kept for output. Subnets and peerings live inline in
their VNet, LB frontends (and other LB children) inline in their LB, NIC ipConfigurations inline in
their NIC - exactly as the seed snapshot holds them. Private DNS record sets and virtual network
links, and private endpoint DNS zone groups, are separate resources.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Resource = dict[str, Any]

# parent type (lower) -> child collection segment (lower) -> property name holding the inline list
INLINE_CHILDREN: dict[str, dict[str, str]] = {
    "microsoft.network/virtualnetworks": {
        "subnets": "subnets",
        "virtualnetworkpeerings": "virtualNetworkPeerings",
    },
    "microsoft.network/loadbalancers": {
        "frontendipconfigurations": "frontendIPConfigurations",
        "backendaddresspools": "backendAddressPools",
        "loadbalancingrules": "loadBalancingRules",
        "probes": "probes",
        "inboundnatrules": "inboundNatRules",
        "outboundrules": "outboundRules",
    },
    "microsoft.network/networkinterfaces": {"ipconfigurations": "ipConfigurations"},
    "microsoft.network/routetables": {"routes": "routes"},
    "microsoft.network/networksecuritygroups": {
        "securityrules": "securityRules",
        "defaultsecurityrules": "defaultSecurityRules",
    },
}

DNS_RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "PTR", "SOA", "SRV", "TXT")


@dataclass(frozen=True)
class ArmPath:
    """A parsed ARM URL path below ``/subscriptions/{id}``."""

    subscription: str
    resource_group: str | None
    namespace: str | None
    segments: tuple[str, ...]  # after the namespace: type, name, type, name, ...

    @property
    def is_collection(self) -> bool:
        """True when the path names a collection (ends in a type segment)."""
        return len(self.segments) % 2 == 1

    @property
    def type_chain(self) -> str:
        """The resource type, e.g. ``Microsoft.Network/virtualNetworks/subnets``."""
        return "/".join([self.namespace or "", *self.segments[0::2]])

    @property
    def names(self) -> tuple[str, ...]:
        """The resource names along the path."""
        return self.segments[1::2]

    def scope(self) -> str:
        """The subscription or resource-group scope prefix of the path."""
        s = f"/subscriptions/{self.subscription}"
        if self.resource_group is not None:
            s += f"/resourceGroups/{self.resource_group}"
        return s

    def id_for(self, depth: int) -> str:
        """The id of the resource ``depth`` levels deep (1 = top-level resource)."""
        return f"{self.scope()}/providers/{self.namespace}/" + "/".join(self.segments[: depth * 2])

    @property
    def item_id(self) -> str:
        """The id of the addressed resource (for an item path)."""
        return self.id_for(len(self.segments) // 2)

    @property
    def collection_parent_id(self) -> str | None:
        """For a nested collection path, the id of the parent resource; None for a top-level list."""
        depth = len(self.segments) // 2
        return self.id_for(depth) if depth else None


def parse_path(path: str) -> ArmPath | None:
    """Parse ``/subscriptions/{s}[/resourceGroups/{rg}]/providers/{ns}/...``; None when not of that form."""
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2 or parts[0].lower() != "subscriptions":
        return None
    sub = parts[1]
    rest = parts[2:]
    rg: str | None = None
    if len(rest) >= 2 and rest[0].lower() == "resourcegroups":
        rg = rest[1]
        rest = rest[2:]
    if not rest:
        return ArmPath(sub, rg, None, ())
    if rest[0].lower() != "providers" or len(rest) < 3:
        return None
    return ArmPath(sub, rg, rest[1], tuple(rest[2:]))


def type_of_id(resource_id: str) -> str:
    """The resource type derived from an id (``Microsoft.Network/virtualNetworks/subnets``)."""
    p = parse_path(resource_id)
    if p is None or p.namespace is None:
        return ""
    return p.type_chain


def parent_id_of(resource_id: str) -> str:
    """The id of the parent of a nested resource (the id without its last type/name pair)."""
    parts = resource_id.rstrip("/").split("/")
    return "/".join(parts[:-2])


def subscription_of(resource_id: str) -> str | None:
    """The subscription id in a resource id."""
    p = parse_path(resource_id)
    return p.subscription if p else None


def resource_group_of(resource_id: str) -> str | None:
    """The resource group name in a resource id."""
    p = parse_path(resource_id)
    return p.resource_group if p else None


def iter_resources(data: Any) -> Iterator[Resource]:
    """Resources from a snapshot: a list, or a dict with ``resources``, ``value`` or ``data``."""
    if isinstance(data, list):
        items: Iterable[Any] = data
    elif isinstance(data, dict):
        items = []
        for key in ("resources", "value", "data"):
            if isinstance(data.get(key), list):
                items = data[key]
                break
    else:
        raise ValueError("snapshot must be a JSON list or object")
    for r in items:
        if isinstance(r, dict) and isinstance(r.get("id"), str):
            yield r


class Store:
    """Resources keyed by lower-cased id. Not thread-safe by itself: the server holds a lock."""

    def __init__(self) -> None:
        self._items: dict[str, Resource] = {}
        self.extra_subscriptions: dict[str, dict[str, Any]] = {}

    # -- loading / saving -------------------------------------------------
    def load(self, data: Any) -> None:
        """Replace the contents with a snapshot (see :func:`iter_resources`)."""
        self._items.clear()
        self.extra_subscriptions.clear()
        if isinstance(data, dict) and isinstance(data.get("subscriptions"), list):
            for s in data["subscriptions"]:
                if isinstance(s, str):
                    self.extra_subscriptions[s.lower()] = {"subscriptionId": s}
                elif isinstance(s, dict) and s.get("subscriptionId"):
                    self.extra_subscriptions[str(s["subscriptionId"]).lower()] = dict(s)
        nested: list[Resource] = []
        for r in iter_resources(data):
            r = copy.deepcopy(r)
            rtype = type_of_id(r["id"]).lower()
            parent_type = "/".join(rtype.split("/")[:-1])
            child = rtype.split("/")[-1]
            if parent_type in INLINE_CHILDREN and child in INLINE_CHILDREN[parent_type]:
                nested.append(r)
                continue
            self._items[r["id"].lower()] = r
        for r in nested:  # standalone subnets/peerings/frontends in the seed: fold into the parent
            rtype = type_of_id(r["id"]).lower()
            parent_type = "/".join(rtype.split("/")[:-1])
            prop = INLINE_CHILDREN[parent_type][rtype.split("/")[-1]]
            parent = self._items.get(parent_id_of(r["id"]).lower())
            if parent is None:
                continue
            if prop in ("subnets", "virtualNetworkPeerings"):
                r.pop("type", None)
            lst = parent.setdefault("properties", {}).setdefault(prop, [])
            lst[:] = [c for c in lst if str(c.get("id", "")).lower() != r["id"].lower()]
            lst.append(r)

    def load_file(self, path: str | os.PathLike[str]) -> None:
        """Load a snapshot JSON file."""
        with open(path, encoding="utf-8") as fh:
            self.load(json.load(fh))

    def snapshot(self) -> dict[str, Any]:
        """The current state as ``{"resources": [...]}`` in the seed's inline shape (deep copy)."""
        out: dict[str, Any] = {"resources": [copy.deepcopy(r) for _, r in sorted(self._items.items())]}
        if self.extra_subscriptions:
            out["subscriptions"] = [dict(v) for _, v in sorted(self.extra_subscriptions.items())]
        return out

    def save_file(self, path: str | os.PathLike[str]) -> None:
        """Write the snapshot atomically (temp file + rename)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".state-", dir=str(target.parent))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self.snapshot(), fh, indent=1, sort_keys=False)
        os.replace(tmp, target)

    # -- access -------------------------------------------------------------
    def get(self, resource_id: str) -> Resource | None:
        """A stored (top-level or separately stored) resource, or None."""
        return self._items.get(resource_id.lower())

    def put(self, resource: Resource) -> None:
        """Insert or replace a resource (keyed by its id)."""
        self._items[resource["id"].lower()] = resource

    def delete(self, resource_id: str) -> Resource | None:
        """Remove and return a resource."""
        return self._items.pop(resource_id.lower(), None)

    def all(self) -> list[Resource]:
        """All stored resources, ordered by id."""
        return [r for _, r in sorted(self._items.items())]

    def of_type(self, rtype: str, scope: str | None = None) -> list[Resource]:
        """Stored resources of a type (case-insensitive), optionally under an id prefix, ordered by id."""
        t = rtype.lower()
        pre = scope.lower().rstrip("/") + "/" if scope else None
        out = []
        for key, r in sorted(self._items.items()):
            if pre is not None and not key.startswith(pre):
                continue
            if str(r.get("type") or type_of_id(r["id"])).lower() == t:
                out.append(r)
        return out

    def children(self, parent_id: str) -> list[Resource]:
        """Separately stored descendants of a resource (e.g. a zone's record sets and links)."""
        pre = parent_id.lower().rstrip("/") + "/"
        return [r for k, r in sorted(self._items.items()) if k.startswith(pre)]

    def subscriptions(self) -> list[str]:
        """Subscription ids present in resource ids plus configured ones, original spelling, sorted."""
        seen: dict[str, str] = {}
        for r in self._items.values():
            s = subscription_of(r["id"])
            if s:
                seen.setdefault(s.lower(), s)
        for k, v in self.extra_subscriptions.items():
            seen.setdefault(k, str(v.get("subscriptionId", k)))
        return [seen[k] for k in sorted(seen)]


def inline_list(parent: Resource, prop: str) -> list[Resource]:
    """The inline child list ``parent.properties[prop]`` (created when missing)."""
    props = parent.setdefault("properties", {})
    lst = props.get(prop)
    if not isinstance(lst, list):
        lst = []
        props[prop] = lst
    return lst


def find_inline(parent: Resource, prop: str, name: str) -> Resource | None:
    """An inline child by name (case-insensitive)."""
    for c in inline_list(parent, prop):
        if str(c.get("name", "")).lower() == name.lower():
            return c
    return None
