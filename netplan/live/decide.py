"""Comparing a planned change with the live resource: already done, ours to write, or stale.

:func:`decide` is apply's rule for one change given what was just re-read; :func:`with_ownership`
(:mod:`netplan.changeset`) is the body sent (creates carry ``managed-by: vnetplan`` and the plan id). "Ours" is proven, never
assumed: see :func:`decide`. Pure functions, no requests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from netplan import kinds
from netplan.changeset import MANAGED_BY_VALUE, TAG_MANAGED, TAG_PLAN, Change
from netplan.live.errors import StalePlan, UnsafeDelete
from netplan.live.journal import ChangeState
from netplan.vocab import Action

#: Types whose ownership lives in the journal (no tags, no metadata).
JOURNAL_OWNED = frozenset(k.key for k in kinds.KINDS if k.ownership is kinds.Ownership.JOURNAL)


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


def props(res: Mapping[str, Any] | None) -> Mapping[str, Any]:
    p = (res or {}).get("properties")
    return p if isinstance(p, Mapping) else {}


def dig(res: Any, path: Sequence[str]) -> Any:
    cur = res
    for k in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(k)
    return cur


def same_value(expected: Any, live: Any) -> bool:
    if isinstance(expected, list) and isinstance(live, list):
        return sorted(map(str, expected)) == sorted(map(str, live))
    return matches(expected, live)


def _tags(res: Mapping[str, Any] | None, change: Change) -> Mapping[str, Any]:
    if change.is_record:
        md = props(res).get("metadata")
        return md if isinstance(md, Mapping) else {}
    t = (res or {}).get("tags")
    return t if isinstance(t, Mapping) else {}


def _managed(res: Mapping[str, Any] | None, change: Change) -> bool:
    return any(str(k).lower() == TAG_MANAGED and str(v).lower() == MANAGED_BY_VALUE for k, v in _tags(res, change).items())


def _of_plan(res: Mapping[str, Any] | None, change: Change, plan_id: str) -> bool:
    return _managed(res, change) and any(str(k).lower() == TAG_PLAN and str(v) == plan_id for k, v in _tags(res, change).items())


def succeeded(res: Mapping[str, Any]) -> bool:
    state = props(res).get("provisioningState")
    return state in (None, "Succeeded")


def in_sync(res: Mapping[str, Any]) -> bool:
    p = props(res)
    synced = set((p.get("remoteAddressSpace") or {}).get("addressPrefixes") or [])
    current = set((p.get("remoteVirtualNetworkAddressSpace") or {}).get("addressPrefixes") or [])
    # Both: a snapshot can carry a stale remoteVirtualNetworkAddressSpace next to a sync level that
    # says the link is not in sync.
    return (synced == current if current else True) and p.get("peeringSyncLevel") in (None, "FullyInSync")


class Next(StrEnum):
    """What to do with a change, given the live target."""

    WRITE = "write"
    ALREADY = "already"


def decide(
    change: Change,
    body: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    journal_state: ChangeState,
    plan_id: str,
    owned_in_journal: bool,
) -> Next:
    """What to do with one change given the live target; raises StalePlan / UnsafeDelete.

    "Ours" is proven, never assumed: an etag Azure returned for one of our writes, a create of
    ours that Azure accepted while the target was absent, or (taggable kinds) this plan's tags.
    A ``started`` record alone proves nothing: the run may have died before its write was sent,
    and a resource that now differs from the plan is then someone else's.
    """
    ours_before = live is not None and (
        str(live.get("etag", "")) in journal_state.written_etags
        or (change.action == Action.CREATE and (journal_state.created_by_us or (journal_state.started and matches(body, live))))
    )
    if change.action == Action.DELETE:
        if live is None:
            return Next.ALREADY
        if not (_managed(live, change) or owned_in_journal):
            how = "journal ownership record" if change.tkey in JOURNAL_OWNED else f"'{TAG_MANAGED}: {MANAGED_BY_VALUE}' tag"
            raise UnsafeDelete(f"refusing to delete {change.id}: it has no {how}, so vnetplan did not create it", change.key)
        if change.etag and str(live.get("etag", "")) != change.etag and not ours_before:
            raise StalePlan(f"{change.id} changed since the plan was made (etag differs); re-plan", change.key)
        return Next.WRITE
    if live is not None and matches(body, live) and succeeded(live) and (not change.sync_remote or in_sync(live)):
        return Next.ALREADY
    ours = ours_before or (live is not None and _of_plan(live, change, plan_id))
    if change.action == Action.CREATE:
        if live is None or ours:
            return Next.WRITE
        raise StalePlan(f"{change.id} exists now but did not when the plan was made, and differs from the plan; re-plan",
                        change.key)  # fmt: skip
    if live is None:
        raise StalePlan(f"{change.id} no longer exists; re-plan", change.key)
    if ours:
        return Next.WRITE
    if change.etag is not None:
        if str(live.get("etag", "")) != change.etag:
            raise StalePlan(f"{change.id} changed since the plan was made (etag differs); re-plan", change.key)
    elif change.before is not None and not matches(change.before, live):
        raise StalePlan(f"{change.id} changed since the plan was made; re-plan", change.key)
    return Next.WRITE
