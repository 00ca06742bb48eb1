"""VNP-DNS-006: a linked zone nested under another zone linked to the same VNet (D3, D7).

Allowed by Azure, and sometimes intended: the more specific zone answers every name under it
(D3), so records for those names in the parent zone are never seen from this VNet. Reported as
low severity so it is reviewed once and suppressed when intended.

FAIL: a VNet linked to ``a.example.com`` and ``example.com`` (``item`` is the nested name).
PASS: no linked zone lies under another. One finding per VNet that has zone links.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed
from checks.rules import _docs
from netplan.dns.names import ancestors


def check(ctx: Context) -> Iterator[Outcome]:
    by_vnet = ctx.zone_links_by_vnet
    for vk, v in zip(ctx.vnet_keys, ctx.estate.vnets, strict=True):
        links = by_vnet.get(vk)
        if not links:
            continue
        names = {ctx.zone_name(link.zone_id) for link in links}
        nested = False
        for name in sorted(names):
            parents = [a for a in ancestors(name)[1:] if a in names]
            if parents:
                nested = True
                yield failed(
                    v.id,
                    f"VNet {v.name} is linked to {name} and to {parents[0]}: names under {name} are answered only "
                    f"by {name}, never by {parents[0]} (D3).",
                    name,
                )
        if not nested:
            yield passed(v.id, f"No zone linked to VNet {v.name} lies under another linked zone.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-DNS-006",
    title="A linked private DNS zone is nested under another linked zone",
    severity=Severity.LOW,
    rationale=(
        "When several linked zones match a name, the most specific zone answers, and a name missing from it "
        "is NXDOMAIN even if the parent zone has a record (D3)."
    ),
    remediation=(
        "Move the records for names under the nested zone into it, or remove the nested zone's link "
        "(az network private-dns link vnet delete -g <rg> -z <zone> -n <link>); suppress if intended."
    ),
    check=check,
    references=(_docs.PRIVATE_DNS_OVERVIEW, _docs.PRIVATE_DNS_LINKS),
    tags=("dns", "private-dns"),
)
