"""VNP-ADDR-001: a VNet whose address space uses a range Azure never allows (R6).

Azure rejects VNet address prefixes that contain or lie in 224.0.0.0/4 (multicast),
255.255.255.255/32 (broadcast), 127.0.0.0/8 (loopback), 169.254.0.0/16 (link-local) or
168.63.129.16/32 (the platform's virtual IP: DNS, DHCP, health probes). FAIL: a VNet prefix (IPAM
pool allocations included) touches one of them, naming both; a snapshot can show one when it was
edited by hand or comes from a template that never deployed. PASS otherwise. One finding per VNet.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, Span, failed, passed, span
from checks.rules import _docs
from netplan.addr import parse_prefix
from netplan.free import AZURE_FORBIDDEN, forbidden_overlaps

#: The forbidden ranges as spans; IPv4 space below the lowest of them (127.0.0.0, so all of 10/8)
#: or between 169.254/16 and 224/4 (172.16/12, 192.168/16) touches none, which most prefixes show
#: by two integer comparisons.
_FORBIDDEN = [span(f) for f in AZURE_FORBIDDEN]
_LAST = itemgetter(2)
_LOW = min(f[1] for f in _FORBIDDEN)
_GAP = (parse_prefix("169.254.0.0/16").value + 2**16, parse_prefix("224.0.0.0/4").value - 1)


def _touches(sp: Span) -> bool:
    if sp[0] == 4 and (sp[2] < _LOW or (_GAP[0] <= sp[1] and sp[2] <= _GAP[1])):
        return False
    return any(f[0] == sp[0] and f[1] <= sp[2] and sp[1] <= f[2] for f in _FORBIDDEN)


def check(ctx: Context) -> Iterator[Outcome]:
    spans = ctx.vnet_spans
    for vk, v in zip(ctx.vnet_keys, ctx.estate.vnets, strict=True):
        mine = spans[vk]
        # IPv4 space wholly below the lowest forbidden range (all of 10/8) or wholly in the gap above
        # 169.254/16, told from its bounds; else each span.
        if (
            not mine
            or (mine[-1][0] == 4 and ((high := max(map(_LAST, mine))) < _LOW or (_GAP[0] <= mine[0][1] and high <= _GAP[1])))
            or not any(map(_touches, mine))
        ):
            yield passed(v.id, f"VNet {v.name} uses none of the ranges Azure forbids in a VNet.") if ctx.list_passed else COUNTED_PASS
            continue
        bad = [f"{p} (touches {', '.join(str(f) for f in hits)})" for p in v.address_prefixes if (hits := forbidden_overlaps(p))]
        if bad:
            yield failed(v.id, f"VNet {v.name} uses address space Azure does not allow in a VNet: {'; '.join(bad)}.")
        else:
            yield passed(v.id, f"VNet {v.name} uses none of the ranges Azure forbids in a VNet.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-ADDR-001",
    title="VNet address space includes a range Azure does not allow",
    severity=Severity.HIGH,
    rationale=(
        "Azure refuses 224.0.0.0/4, 255.255.255.255/32, 127.0.0.0/8, 169.254.0.0/16 and 168.63.129.16/32 in a "
        "VNet's address space: they are multicast, broadcast, loopback, link-local and the platform's own "
        "virtual IP (DNS, DHCP, health probes). A snapshot or plan that uses them cannot be deployed (R6)."
    ),
    remediation=(
        "Choose another range (vnetplan free --size /N suggests one) and update the VNet: "
        "az network vnet update -g <rg> -n <vnet> --address-prefixes <prefixes...>."
    ),
    check=check,
    references=(_docs.VNET_FAQ, _docs.VNET_MANAGE),
    tags=("addressing",),
)
