"""VNP-DNS-005: two private zones with the same name linked to one VNet (D7).

Azure refuses the second link; a snapshot that shows both (merged estates, a link made before a
zone was re-created) leaves resolution of that name undefined. FAIL: a VNet linked to two or more
zones of one name (``item`` is the name). PASS: every linked zone name is distinct. One finding
per VNet that has zone links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed
from checks.rules import _docs


def check(ctx: Context) -> Iterator[Outcome]:
    by_vnet = ctx.zone_links_by_vnet
    for vk, v in zip(ctx.vnet_keys, ctx.estate.vnets, strict=True):
        links = by_vnet.get(vk)
        if not links:
            continue
        by_name: dict[str, dict[str, str]] = defaultdict(dict)
        for link in links:
            by_name[ctx.zone_name(link.zone_id)][ctx.key(link.zone_id)] = link.zone_id
        dupes = {n: ids for n, ids in by_name.items() if len(ids) > 1}
        for name in sorted(dupes):
            ids = ", ".join(sorted(dupes[name].values()))
            yield failed(v.id, f"VNet {v.name} is linked to {len(dupes[name])} zones named {name} ({ids}).", name)
        if not dupes:
            yield passed(v.id, f"VNet {v.name}'s {len(by_name)} linked zone names are distinct.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-DNS-005",
    title="Two private DNS zones with the same name are linked to one VNet",
    severity=Severity.HIGH,
    rationale=(
        "Two zones with the same name cannot both be linked to one VNet (D7); when a snapshot shows it, "
        "which zone answers is undefined and records in the other are invisible."
    ),
    remediation=(
        "Keep one zone per name: merge the records and delete the extra link "
        "(az network private-dns link vnet delete -g <rg> -z <zone> -n <link>)."
    ),
    check=check,
    references=(_docs.PRIVATE_DNS_LINKS, _docs.NETWORK_LIMITS),
    tags=("dns", "private-dns"),
)
