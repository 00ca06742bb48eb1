"""VNP-NET-002: a VNet address space whose own prefixes overlap each other.

PASS: the VNet's address prefixes are disjoint. FAIL: two of them overlap (one sorted sweep per
VNet), naming the pair. One finding per VNet.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, Span, failed, passed
from checks.rules import _docs
from netplan.addr import Prefix


def self_overlaps(spans: list[Span]) -> list[tuple[Prefix, Prefix]]:
    """Overlapping pairs within one VNet's sorted spans: each against the widest open one so far."""
    out: list[tuple[Prefix, Prefix]] = []
    top: Span | None = None
    for sp in spans:
        if top is not None and top[0] == sp[0] and top[2] >= sp[1]:
            out.append((top[3], sp[3]))
        if top is None or top[0] != sp[0] or sp[2] > top[2]:
            top = sp
    return out


def check(ctx: Context) -> Iterator[Outcome]:
    spans, suspects = ctx.vnet_spans, ctx.self_overlap_suspects
    for vk, v in zip(ctx.vnet_keys, ctx.estate.vnets, strict=True):
        pairs = self_overlaps(spans[vk]) if vk in suspects else None
        if pairs:
            text = "; ".join(f"{a} overlaps {b}" for a, b in pairs)
            yield failed(v.id, f"VNet {v.name} has overlapping address prefixes: {text}.")
        else:
            yield passed(v.id, f"VNet {v.name}'s address prefixes are disjoint.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-NET-002",
    title="VNet address space contains overlapping prefixes",
    severity=Severity.MEDIUM,
    rationale=(
        "Overlapping prefixes in one VNet's address space are redundant at best and confuse peering "
        "sync, overlap analysis and address planning."
    ),
    remediation="Remove the redundant prefix: az network vnet update -g <rg> -n <vnet> --address-prefixes <disjoint prefixes...>.",
    check=check,
    references=(_docs.VNET_MANAGE,),
    tags=("addressing",),
)
