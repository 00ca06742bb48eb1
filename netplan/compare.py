"""Every way to serve each connection of an intent, weighed as the plan weighs them.

``vnetplan recommend --intent`` asks this module; ``vnetplan plan`` asks
:func:`netplan.planopts.plan_auto`. Both use :func:`netplan.planopts.compare_options` (the one
home of the comparison) and :func:`netplan.planopts.decision_of` (the one home of the reasons): for
an expose-apps connection, the existing path (what the consumer reaches and resolves already, with
the repairs it needs), peering, a private endpoint of the consumer's own, and one shared endpoint in
a hub it is peered with, each planned on top of the connections before it and checked by the
what-if; the first that verifies is chosen. Connections are taken in the intent's order and each is
planned as the plan would plan it before the next is compared, so the comparison sees what the plan
will see. A connection pinned to a method is compared as ``auto`` would compare it, and a first
reason says what the pin means (whether the pinned method verifies). Other use cases
(internal-service, database) have no app names to resolve: the method rules decide
(:func:`netplan.recommend.recommend`) and say why.

The promise: the decision for an ``auto`` connection here is the decision ``vnetplan plan`` makes
(same options, same verdicts, same choice).
"""

from __future__ import annotations

from dataclasses import replace

from netplan.errors import UsageError
from netplan.estate import Estate
from netplan.ids import rid_key
from netplan.intent import Connection, Intent
from netplan.model import VNet
from netplan.plan import Decision, _Planner
from netplan.planopts import compare_options, decision_of
from netplan.vocab import Method, UseCase

#: The plan ID the comparison plans under (it appears only in the bodies it never shows).
COMPARE_ID = "vp-compare"


def compare_connections(estate: Estate, intent: Intent, consumer: str | None = None) -> tuple[Decision, ...]:
    """One decision per connection of ``intent`` (only ``consumer``'s, when given), with every
    option weighed. Raises :class:`UsageError` when ``consumer`` is not a consumer of the intent."""
    target = estate.resolve_vnet(consumer) if consumer else None
    if target is not None and not any(rid_key(c.consumer_vnet_id) == target.key for c in intent.connections):
        raise UsageError(f"{target.name} is not a consumer of any connection in {intent.file}")
    pl = _Planner(estate, intent, COMPARE_ID)
    out: list[Decision] = []
    for conn in intent.connections:
        vnet = estate.vnet(conn.consumer_vnet_id)
        assert vnet is not None  # the intent's references are resolved against this estate
        if target is None or vnet.key == target.key:
            out.append(_compare(pl, conn, vnet))
            if target is not None:
                break
        # As the plan would plan it: the next connection is compared on top of it.
        pl.plan_connection(conn)
    return tuple(out)


def _compare(pl: _Planner, conn: Connection, vnet: VNet) -> Decision:
    np0 = len(pl.problems)
    try:
        if conn.use_case is not UseCase.EXPOSE_APPS:
            method, reasons, _rec = pl.choose(replace(conn, method=Method.AUTO), vnet)
            return Decision(vnet.id, conn.use_case.value, conn.method.value, method, tuple(reasons))
        cmp = compare_options(pl, conn, vnet)
        decision, _problems = decision_of(pl, conn, vnet, cmp)
    finally:
        del pl.problems[np0:]  # what blocks an option is in its reasons; nothing here is planned
    if conn.method is Method.AUTO:
        return decision
    pinned = conn.method.value
    o = next((o for o in cmp.options if o.name == pinned), None)
    if o is None:
        how = "it is not a possible option here (see the reasons)"
    elif o.verifies:
        how = "its what-if verifies"
    else:
        how = f"its what-if does not verify ({o.verdict}" + (f": {o.reasons[0]})" if o.reasons else ")")
    note = {"code": "asked", "message": f"the intent pins {pinned}, so the plan uses it: {how}; "
            f"auto would choose {decision.method}"}  # fmt: skip
    return replace(decision, reasons=(note, *decision.reasons))
