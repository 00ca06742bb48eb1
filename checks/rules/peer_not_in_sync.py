"""VNP-PEER-002: a Connected peering link that is not FullyInSync (P4).

PASS: Connected and ``peeringSyncLevel`` FullyInSync, or (older API versions without a sync level)
the remote address space the link knows equals the remote VNet's current space. FAIL: any other
sync level, or a stale remote space (for a remote outside the snapshot: its current space,
``remoteVirtualNetworkAddressSpace``, lists prefixes the link has not peered). UNKNOWN: no sync
level, the remote VNet is not in the snapshot and the link shows no unsynced prefix. Links that are not Connected are VNP-PEER-001's business and are not judged here.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.ids import name_of
from netplan.model import PeeringState, SyncLevel
from netplan.topology import link_routes


def check(ctx: Context) -> Iterator[Outcome]:
    counted = not ctx.list_passed
    for v in ctx.estate.vnets:
        for p in v.peerings:
            if p.state is not PeeringState.CONNECTED:
                continue
            if counted and p.sync_level is SyncLevel.FULLY_IN_SYNC:
                yield COUNTED_PASS
                continue
            what = f"Peering {p.name} of VNet {v.name} to {name_of(p.remote_vnet_id)}"
            if p.sync_level is SyncLevel.FULLY_IN_SYNC:
                yield passed(p.id, f"{what} is FullyInSync.")
            elif p.sync_level is not None:
                yield failed(
                    p.id,
                    f"{what} is {p.sync_level.value}: an address space change was not synced, so traffic to the "
                    "new prefixes is dropped.",
                )
            else:
                remote = ctx.vnet(p.remote_vnet_id)
                unsynced = link_routes(ctx.estate, p).unsynced if remote is None else ()
                if unsynced:
                    yield failed(
                        p.id,
                        f"{what} reports no sync level, but the remote's current space has "
                        f"{', '.join(str(x) for x in unsynced)}, which the link has not peered: traffic to it is dropped.",
                    )
                    continue
                if remote is None:
                    note = ctx.gap_note(p.remote_vnet_id) or "the remote VNet is not in the snapshot"
                    yield unknown(p.id, f"{what} reports no sync level and {note}, so staleness cannot be checked.")
                    continue
                known = {str(x) for x in p.remote_prefixes}
                actual = {str(x) for x in remote.address_prefixes}
                if known == actual:
                    yield passed(p.id, f"{what} reports no sync level; the remote address space it knows is current.") if ctx.list_passed else COUNTED_PASS
                else:
                    missing = ", ".join(sorted(actual - known)) or "none"
                    stale = ", ".join(sorted(known - actual)) or "none"
                    yield failed(
                        p.id,
                        f"{what} reports no sync level and its remote address space is stale "
                        f"(missing {missing}; no longer present {stale}).",
                    )


RULE = Rule(
    id="VNP-PEER-002",
    title="Connected VNet peering is not fully in sync",
    severity=Severity.HIGH,
    rationale=(
        "When a peered VNet's address space changes, each remote link must be synced; until then the "
        "peering stays Connected but routes only the old space, which silently breaks traffic (P4)."
    ),
    remediation=(
        "Sync the link on each side that is not in sync: "
        "az network vnet peering sync -g <rg> --vnet-name <vnet> -n <peering>."
    ),
    check=check,
    references=(_docs.PEERING_ADDRESS_SPACE, _docs.PEERING_MANAGE),
    tags=("peering", "connectivity"),
)
