"""VNP-PEER-004: peered address spaces that overlap, which blocks peering or routing (P3).

For every peering link that is Connected or Initiated:
- FAIL when the two VNets' address spaces overlap (Azure: ``VnetAddressSpacesOverlap``), or when
  the remote VNet overlaps another VNet already peered with this one
  (``VnetAddressSpaceOverlapsWithAlreadyPeeredVnet``): the local VNet cannot route to both;
- PASS otherwise.
The remote space is the remote VNet's when it is in the snapshot, else what the link itself says
(``remoteVirtualNetworkAddressSpace``, the remote's current space, which Azure validates), and the
message says so. With subnet peering only the named subnets count, and with IPv6-only peering only
IPv6 space (P9). Overlaps between VNets that are not peered are legitimate (P3) and are never
reported here.

Cost: per link, a comparison of two small prefix lists; per VNet, one sorted sweep over its
peers' prefixes. No pairwise loop over VNets or prefixes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from checks.model import (
    COUNTED_PASS,
    Context,
    Outcome,
    Rule,
    Severity,
    Span,
    cross_overlaps,
    failed,
    passed,
    spans_of,
)
from checks.rules import _docs
from netplan.ids import name_of
from netplan.model import Peering, PeeringState, VNet
from netplan.topology import link_graph, peered_space


def _space(ctx: Context, link: Peering, rk: str) -> tuple[list[Span], bool]:
    """The remote VNet's address space (``rk``: its key) and whether it came from the snapshot
    (else the link)."""
    remote = ctx.vnet_spans.get(rk)
    if remote is not None:
        return remote, True
    return spans_of(link.remote_current_prefixes), False


def _peer_conflicts(ctx: Context, links: list[tuple[Peering, str]]) -> dict[str, list[str]]:
    """Remote VNet key -> sentences about other peers of a VNet whose space overlaps it (one sweep),
    given the VNet's links that are not Disconnected, each with its remote's key.

    The sweep visits the peers' prefixes by (IP version, first address, widest first), each
    compared with the widest reaching one seen so far. They are put in that order by one C sort of
    ints, as :func:`netplan.overlaps.find_overlaps` does: (IPv6?, first address, length, position),
    which for CIDR prefixes is the same order, ties kept in the peerings' order (a hub of 250 spokes
    has 2,500 prefixes and a few overlaps)."""
    peers: list[tuple[list[Span], str, str]] = []
    seen: set[str] = set()
    whole = False  # every peer's prefixes take part in the sweep
    for p, rk in links:
        space, from_snapshot = _space(ctx, p, rk)
        whole = whole or not from_snapshot or rk in seen
        seen.add(rk)
        peers.append((space, rk, p.remote_vnet_id))
    if not whole:
        # Only a prefix that overlaps another of the list is reported or named, and the sweep over
        # those alone pairs them as the whole sweep does (the widest one reaching a reported prefix
        # overlaps it, so it is kept too). A peer in the snapshot without any overlap in the estate
        # (nor within itself) has none in the list, unless the list holds a space the estate does
        # not (a remote outside the snapshot) or one VNet twice: then all take part.
        flagged = ctx.overlapping_vnets
        peers = [peer for peer in peers if peer[1] in flagged]
        if not peers:
            return {}
    spans: list[Span] = []
    owners: list[tuple[str, str]] = []  # per span: the remote VNet's key and ID as the link spells it
    for space, rk, remote_id in peers:
        spans += space
        owners += [(rk, remote_id)] * len(space)
    bits = len(spans).bit_length()
    packed = [((sp[0] == 6) << 136 | sp[1] << 8 | sp[3].length) << bits | i for i, sp in enumerate(spans)]
    packed.sort()
    mask = (1 << bits) - 1
    out: dict[str, list[str]] = defaultdict(list)
    top_version, top_last, top = 0, -1, 0
    for k in packed:
        i = k & mask
        version, first, last, x = spans[i]
        if version == top_version and first <= top_last:
            (key, remote_id), (top_key, top_id) = owners[i], owners[top]
            if top_key != key:
                y = spans[top][3]
                out[key].append(f"{x} overlaps {y} of {name_of(top_id)}")
                out[top_key].append(f"{y} overlaps {x} of {name_of(remote_id)}")
        if version != top_version or last > top_last:
            top_version, top_last, top = version, last, i
    return out


def _no_overlap(ctx: Context, v: VNet, p: Peering, source: str) -> Outcome:
    """The PASS of link ``p`` of ``v`` (counted only, unless passes are listed); ``source`` says
    where the spaces compared came from."""
    if not ctx.list_passed:
        return COUNTED_PASS
    remote = name_of(p.remote_vnet_id)
    what = f"Peering {p.name} of VNet {v.name} to {remote}"
    return passed(p.id, f"{what}: no overlap with {remote} or with the other peers of {v.name}{source}.")


def check(ctx: Context) -> Iterator[Outcome]:
    graph = link_graph(ctx.estate)
    vnet_spans = ctx.vnet_spans
    partial_pairs = ctx.partial_pairs
    suspects = ctx.self_overlap_suspects
    key = ctx.key
    for vk, v in zip(ctx.vnet_keys, ctx.estate.vnets, strict=True):
        if not v.peerings:
            continue
        links = [(p, key(p.remote_vnet_id)) for p in v.peerings if p.state is not PeeringState.DISCONNECTED]
        conflicts = _peer_conflicts(ctx, links) if len(v.peerings) > 1 else {}
        own = vnet_spans[vk]
        # Disjoint spans of one IP version: they reach from the first's start to the last's end.
        version = own[0][0] if own and own[0][0] == own[-1][0] and vk not in suspects else 0
        low, high = (own[0][1], own[-1][2]) if version else (0, -1)
        for p, rk in links:
            pk = (vk, rk) if vk < rk else (rk, vk)
            if version and pk not in partial_pairs and rk not in conflicts:
                # Both whole spaces in the snapshot, each disjoint, of one IP version and apart: no
                # overlap, told by two integer comparisons (most peerings).
                rs = vnet_spans.get(rk)
                if rs and rs[0][0] == version == rs[-1][0] and rk not in suspects and (rs[0][1] > high or low > rs[-1][2]):
                    yield _no_overlap(ctx, v, p, "")
                    continue
            space = vnet_spans.get(rk)
            from_snapshot = space is not None
            if space is None:
                space = spans_of(p.remote_current_prefixes)
            local = own
            # Whole address spaces on both links (the common case): nothing to narrow down.
            pair = graph.pair(vk, rk) if pk in partial_pairs else None
            partial = peered_space(ctx.estate, pair) if pair is not None else None
            source = "" if from_snapshot else " (remote space as the link records it; the VNet is not in the snapshot)"
            if partial is not None:
                # Subnet peering / IPv6-only: only what the peering connects must not overlap (P9).
                local = spans_of(partial.get(vk, ()))
                space = spans_of(partial.get(rk, ()))
                source += " (only the peered subnets or IPv6 space count)"
            overlapping = cross_overlaps(local, space)
            others = conflicts.get(rk)
            if not overlapping and not others:
                yield _no_overlap(ctx, v, p, source)
                continue
            remote = name_of(p.remote_vnet_id)
            reasons = [f"{a} of {v.name} overlaps {b} of {remote} (VnetAddressSpacesOverlap)" for a, b in overlapping]
            reasons += [
                f"{remote}'s {s}, also peered with {v.name} (VnetAddressSpaceOverlapsWithAlreadyPeeredVnet)"
                for s in sorted(set(others or ()))
            ]
            what = f"Peering {p.name} of VNet {v.name} to {remote}"
            yield failed(p.id, f"{what}: " + "; ".join(reasons) + f": traffic cannot be routed to both{source}.")


RULE = Rule(
    id="VNP-PEER-004",
    title="Peered VNet address spaces overlap",
    severity=Severity.HIGH,
    rationale=(
        "Peering fails when the two VNets overlap (VnetAddressSpacesOverlap) or when one overlaps a VNet "
        "already peered with the other (VnetAddressSpaceOverlapsWithAlreadyPeeredVnet); an overlap that "
        "appears after an address space change leaves routes ambiguous (P3)."
    ),
    remediation=(
        "Re-address one side (az network vnet update -g <rg> -n <vnet> --address-prefixes <new-prefixes>, "
        "then az network vnet peering sync on each link), or connect the overlapping network through "
        "Private Link instead of peering (vnetplan plan recommends which)."
    ),
    check=check,
    references=(_docs.PEERING_OVERVIEW, _docs.PEERING_MANAGE, _docs.PEERING_ADDRESS_SPACE),
    tags=("peering", "addressing", "connectivity"),
)
