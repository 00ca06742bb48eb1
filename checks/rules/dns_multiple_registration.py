"""VNP-DNS-007: more than one registration-enabled zone link on a VNet (D7).

A VNet can auto-register its VMs in one private zone only. FAIL: two or more links with
``registrationEnabled`` (a snapshot merged from several sources, or a failed change); PASS: at
most one. One finding per VNet that has zone links.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed
from checks.rules import _docs


def check(ctx: Context) -> Iterator[Outcome]:
    by_vnet = ctx.zone_links_by_vnet
    for vk, v in zip(ctx.vnet_keys, ctx.estate.vnets, strict=True):
        links = by_vnet.get(vk)
        if not links:
            continue
        reg = sorted(ctx.zone_name(link.zone_id) for link in links if link.registration_enabled)
        if len(reg) > 1:
            yield failed(v.id, f"VNet {v.name} has {len(reg)} registration-enabled zone links ({', '.join(reg)}); at most one is allowed.")
        elif reg:
            yield passed(v.id, f"VNet {v.name} registers its VMs in {reg[0]} only.") if ctx.list_passed else COUNTED_PASS
        else:
            yield passed(v.id, f"VNet {v.name} has no registration-enabled zone link.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-DNS-007",
    title="VNet has more than one registration-enabled private DNS zone",
    severity=Severity.MEDIUM,
    rationale="Only one private zone per VNet can have auto-registration enabled (D7); the others do not register VMs.",
    remediation=(
        "Keep one registration zone: az network private-dns link vnet update -g <rg> -z <zone> -n <link> "
        "--registration-enabled false"
    ),
    check=check,
    references=(_docs.PRIVATE_DNS_AUTOREG, _docs.PRIVATE_DNS_LINKS),
    tags=("dns", "private-dns"),
)
