"""Verification after apply: re-read Azure, then verify the intent's connections on what is there.

Shared by ``vnetplan apply --verify`` and the TUI's apply flow, so both give the same verdict. The
fresh inventory keeps the user's declarations (on-prem prefixes, forwarders, DNS forwarders): an
inventory holds only what Azure returns, and a verdict that depends on a declared forwarder would
otherwise change. Only GET requests are sent; the Azure SDK is imported inside functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from netplan.changeset import ChangeSet
from netplan.estate import Estate, estate_from_data
from netplan.ids import parse_id
from netplan.intent import parse_intent
from netplan.live.credentials import make_credential
from netplan.live.inventory import InventoryOptions, take_inventory
from netplan.verify import verify_connection


def subscriptions_to_read(estate: Estate, plan: ChangeSet) -> tuple[str, ...]:
    """What to re-inventory: the loaded estate's subscriptions plus every one the plan writes in."""
    subs = set(estate.subscriptions)
    subs |= {parse_id(s.id).subscription for s in plan.changes}
    subs |= {parse_id(str(c.get("consumer", ""))).subscription for c in plan.verify_connections()}
    subs.discard("")
    return tuple(sorted(subs))


def fresh_estate(snapshot: Mapping[str, Any], declarations: Mapping[str, Any]) -> Estate:
    """The inventory read after apply, as an Estate, keeping the user's declarations.

    An inventory holds only what Azure returns; on-prem prefixes, forwarders and DNS forwarders
    are the user's declarations and would otherwise be lost, turning a verdict that depends on
    them into a different one.
    """
    return estate_from_data(snapshot, "<inventory after apply>", declarations)


def verify_after_apply(
    estate: Estate,
    intent_file: str,
    intent_data: Mapping[str, Any],
    plan: Any,
    endpoint: str | None,
    ca_bundle: str | None,
    log: Callable[[str], None],
    lines: Mapping[Any, int] | None = None,
    credential: Any = None,
) -> tuple[list[Any], Estate]:
    """Re-inventory (GET requests only), then verify each connection of the intent on the result.

    ``estate`` is the estate the plan was made from (its subscriptions are re-read and its
    declarations kept; an empty Estate when it is not at hand). The intent is given as its file
    name and parsed data (``lines`` for error messages) because its references are resolved again
    against what Azure holds now.

    Returns the :class:`netplan.verify.ConnectionVerification` per connection (intent order) and
    the fresh Estate. Raises :class:`netplan.live.inventory.LiveError` when Azure cannot be read
    and :class:`netplan.errors.InputError` when the intent no longer matches the estate (a VNet it
    names is gone): both exit 2 in the CLI, a notification here. ``credential`` is the one the
    apply used (default: ``--credential auto``).
    """

    subs = subscriptions_to_read(estate, plan)
    log(f"re-inventorying {len(subs)} subscription(s) to verify")
    inv = take_inventory(credential or make_credential(), InventoryOptions(subscriptions=subs, endpoint=endpoint, ca_bundle=ca_bundle),
                         show_progress=False)  # fmt: skip
    fresh = fresh_estate(inv.snapshot, estate.declarations_dict())
    live_intent = parse_intent(intent_file, dict(intent_data), dict(lines or {}), fresh)
    log(f"read {len(fresh.vnets)} VNet(s); verifying {len(live_intent.connections)} connection(s)")
    methods = {str(c["consumer"]).lower(): str(c["method"]) for c in plan.verify_connections()}
    results = []
    for conn in live_intent.connections:
        apps: Sequence[str] = () if conn.wildcard else conn.apps
        method = methods.get(conn.consumer_vnet_id.lower(), conn.method.value)
        results.append(verify_connection(fresh, live_intent.provider.vnet_id, conn.consumer_vnet_id,
                                         live_intent.provider.app_domain, apps, method, ports=conn.ports))  # fmt: skip
    return results, fresh
