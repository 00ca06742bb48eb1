"""VNP-PEER-006: gateway transit misconfigured (P2).

Judges every peering link with ``useRemoteGateways=true``. FAIL when the local VNet has its own
virtual network gateway, when more than one link of the VNet uses remote gateways, when the remote
VNet has no gateway, or when the remote's link back does not set ``allowGatewayTransit``. UNKNOWN
when the remote VNet is outside the snapshot, or has no gateway in the snapshot but the snapshot
records a gap covering it. PASS otherwise. Links without ``useRemoteGateways`` are not judged.
A link whose ``remoteGateways`` names the gateway it uses (Azure fills it in when transit works)
never fails for a gateway the snapshot does not show: it passes (P9).
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.ids import name_of
from netplan.model import PeeringState


def check(ctx: Context) -> Iterator[Outcome]:
    vnets, links_from, counted = ctx.vnets_by_key, ctx.links_from, not ctx.list_passed
    for vk, v in zip(ctx.vnet_keys, ctx.estate.vnets, strict=True):
        if not v.peerings:
            continue
        using = [p for p in v.peerings if p.use_remote_gateways and p.state is not PeeringState.DISCONNECTED]
        if not using:
            continue
        own = ctx.gateways_in(vk)
        for p in using:
            if counted and not own and len(using) == 1:
                # The usual spoke, told before any sentence is built: the remote VNet is in the
                # snapshot with a gateway, and its link back allows gateway transit.
                rk = ctx.key(p.remote_vnet_id)
                back = links_from.get((rk, vk))
                if rk in vnets and ctx.gateways_in(rk) and back is not None and back.allow_gateway_transit:
                    yield COUNTED_PASS
                    continue
            remote_name = name_of(p.remote_vnet_id)
            what = f"Peering {p.name} of VNet {v.name} uses the gateway of {remote_name}"
            problems: list[str] = []
            if own:
                problems.append(f"{v.name} has its own gateway {own[0].name}")
            if len(using) > 1:
                others = ", ".join(sorted(q.name for q in using if q is not p))
                problems.append(f"{v.name} also uses remote gateways on {others} (at most one per VNet)")
            rk = ctx.key(p.remote_vnet_id)
            remote = vnets.get(rk)
            named = ", ".join(name_of(g) for g in p.remote_gateway_ids)
            if remote is None and named and not problems:
                yield passed(p.id, f"{what}: the link names the gateway it uses ({named}), though "
                                   f"{remote_name} is not in the snapshot.")
                continue
            if remote is None:
                if problems:
                    yield failed(p.id, f"{what}, but " + "; ".join(problems) + ".")
                else:
                    note = ctx.gap_note(p.remote_vnet_id) or f"{remote_name} is not in the snapshot"
                    yield unknown(p.id, f"{what}, but {note}: its gateway and transit setting cannot be checked.")
                continue
            remote_gateways = ctx.gateways_in(rk)
            if not remote_gateways and named:
                pass  # the link names the gateway it uses: it exists, outside the snapshot
            elif not remote_gateways:
                gap = ctx.gap_note(remote.id)
                if gap and not problems:
                    yield unknown(p.id, f"{what}, which has no gateway in the snapshot, but {gap}.")
                    continue
                problems.append(f"{remote_name} has no virtual network gateway")
            back = ctx.link_from(rk, vk)
            if back is None or not back.allow_gateway_transit:
                problems.append(f"{remote_name}'s link back to {v.name} does not allow gateway transit")
            if problems:
                yield failed(p.id, f"{what}, but " + "; ".join(problems) + ".")
            elif named and not remote_gateways:
                yield passed(p.id, f"{what}, which allows gateway transit; the link names the gateway it uses "
                                   f"({named}), which is not in the snapshot.")
            else:
                yield passed(p.id, f"{what}, which has a gateway and allows gateway transit.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-PEER-006",
    title="Gateway transit over a peering is misconfigured",
    severity=Severity.HIGH,
    rationale=(
        "A spoke reaches on-premises through a hub's gateway only when its link sets useRemoteGateways, the "
        "hub has a gateway and its link back sets allowGatewayTransit; a VNet may use remote gateways on one "
        "peering only, and not while it has a gateway of its own (P2)."
    ),
    remediation=(
        "On the hub's link: az network vnet peering update -g <hub-rg> --vnet-name <hub> -n <link> "
        "--set allowGatewayTransit=true. On extra spoke links or in a VNet with its own gateway: "
        "az network vnet peering update -g <rg> --vnet-name <vnet> -n <link> --set useRemoteGateways=false."
    ),
    check=check,
    references=(_docs.GATEWAY_TRANSIT, _docs.PEERING_MANAGE),
    tags=("peering", "gateway", "connectivity"),
)
