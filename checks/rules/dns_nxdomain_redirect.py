"""VNP-DNS-008: a privatelink zone link with NxDomainRedirect where private-only resolution is required (D5).

``resolutionPolicy: NxDomainRedirect`` makes a name missing from a privatelink zone fall back to
public DNS. That is right for some estates and wrong for those that must never resolve a service
publicly, which only the intent can say.

Judges every link of a privatelink zone. PASS: the Default policy (resolution stays private), or
NxDomainRedirect where the intent allows public fallback. FAIL: NxDomainRedirect where the intent
requires private-only resolution. UNKNOWN: NxDomainRedirect and no intent (or an intent that does
not say), stated as such. Links of other zones are not judged: D5 does not apply to them.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.dns.names import is_privatelink_zone
from netplan.ids import name_of
from netplan.intent import AnyIntent
from netplan.model import ResolutionPolicy


def private_only(intent: AnyIntent | None) -> bool | None:
    """Whether the intent requires private-only resolution: True, False, or None (not stated)."""
    return None if intent is None else intent.private_only


def check(ctx: Context) -> Iterator[Outcome]:
    required = private_only(ctx.intent)
    for link in ctx.estate.zone_links:
        zname = ctx.zone_name(link.zone_id)
        if not is_privatelink_zone(zname):
            continue
        what = f"Link {link.name} of zone {zname} to VNet {name_of(link.vnet_id)}"
        if link.resolution_policy is not ResolutionPolicy.NX_DOMAIN_REDIRECT:
            yield passed(link.id, f"{what} keeps resolution private (policy Default).") if ctx.list_passed else COUNTED_PASS
        elif required is True:
            yield failed(
                link.id,
                f"{what} has NxDomainRedirect: names missing from the zone resolve publicly, but the intent "
                "requires private-only resolution.",
            )
        elif required is False:
            yield passed(link.id, f"{what} has NxDomainRedirect; the intent allows public fallback.") if ctx.list_passed else COUNTED_PASS
        else:
            source = "no intent was given to say" if ctx.intent is None else "the intent does not say"
            yield unknown(
                link.id,
                f"{what} has NxDomainRedirect (names missing from the zone resolve publicly); {source} "
                "whether private-only resolution is required.",
            )


RULE = Rule(
    id="VNP-DNS-008",
    title="Privatelink zone link falls back to public DNS where private-only is required",
    severity=Severity.MEDIUM,
    rationale=(
        "With resolutionPolicy NxDomainRedirect, an NXDOMAIN from a privatelink zone falls back to public "
        "resolution (D5); a missing record then silently sends traffic to the service's public endpoint."
    ),
    remediation=(
        "Set the link back to Default: az network private-dns link vnet update -g <rg> -z <zone> -n <link> "
        "--resolution-policy Default (and add the missing records)."
    ),
    check=check,
    references=(_docs.PRIVATE_DNS_FALLBACK, _docs.PE_DNS),
    tags=("dns", "private-dns", "private-link", "exposure"),
)
