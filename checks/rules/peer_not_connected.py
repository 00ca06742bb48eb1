"""VNP-PEER-001: a peering link that is not Connected carries no traffic (P1).

PASS: the link is Connected. UNKNOWN: it says Connected but the remote VNet, present in the
snapshot, has no link back (a snapshot read at two moments). FAIL: it is Initiated (the remote VNet never created its link back)
or Disconnected (the remote link was deleted; this one must be deleted and both recreated).
One finding per peering link.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.ids import name_of
from netplan.model import Peering, PeeringState


def _unanswered(ctx: Context, vk: str, p: Peering) -> bool:
    """A Connected link (of the VNet keyed ``vk``) whose remote VNet is in the snapshot without a
    link back."""
    rk = ctx.key(p.remote_vnet_id)
    return rk in ctx.vnets_by_key and ctx.link_from(rk, vk) is None


def check(ctx: Context) -> Iterator[Outcome]:
    counted = not ctx.list_passed
    key, vnets, links_from = ctx.key, ctx.vnets_by_key, ctx.links_from
    for vk, v in zip(ctx.vnet_keys, ctx.estate.vnets, strict=True):
        for p in v.peerings:
            if counted and p.state is PeeringState.CONNECTED:
                rk = key(p.remote_vnet_id)
                if rk not in vnets or (rk, vk) in links_from:  # not _unanswered(), written out
                    yield COUNTED_PASS
                    continue
            remote = name_of(p.remote_vnet_id)
            what = f"Peering {p.name} of VNet {v.name} to {remote}"
            if p.state is PeeringState.CONNECTED:
                if _unanswered(ctx, vk, p):
                    # Azure shows Connected only while the remote link exists; a snapshot that has the
                    # remote VNet without it was read at two moments (or the link was just deleted).
                    yield unknown(
                        p.id,
                        f"{what} says Connected, but {remote} in the snapshot has no link back: the snapshot "
                        "may be stale; take a new inventory.",
                    )
                else:
                    yield passed(p.id, f"{what} is Connected.") if ctx.list_passed else COUNTED_PASS
            elif p.state is PeeringState.INITIATED:
                yield failed(p.id, f"{what} is Initiated: {remote} has no link back, so no traffic flows.")
            else:
                yield failed(
                    p.id, f"{what} is Disconnected: the link in {remote} was deleted; delete this link and peer again."
                )


RULE = Rule(
    id="VNP-PEER-001",
    title="VNet peering link is not Connected",
    severity=Severity.HIGH,
    rationale=(
        "A peering is two link objects, one in each VNet. Only when both exist is the state Connected and "
        "traffic flows; Initiated means the remote side is missing, Disconnected that it was deleted (P1)."
    ),
    remediation=(
        "Initiated: create the link in the remote VNet (az network vnet peering create -g <remote-rg> "
        "--vnet-name <remote-vnet> -n <name> --remote-vnet <local-vnet-id> --allow-vnet-access). "
        "Disconnected: delete this link (az network vnet peering delete -g <rg> --vnet-name <vnet> -n <name>) "
        "and create both links again."
    ),
    check=check,
    references=(_docs.PEERING_OVERVIEW, _docs.PEERING_MANAGE),
    tags=("peering", "connectivity"),
)
