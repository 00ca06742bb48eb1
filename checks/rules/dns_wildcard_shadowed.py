"""VNP-DNS-004: a wildcard record and an explicit record of the same type that point elsewhere.

In a zone with a ``*`` record, an explicit record of the same type beats the wildcard for its
name (D6). When they point to different places, the explicit one is often a leftover: after the
cluster behind the wildcard was rebuilt, ``app.zone`` still points to the old address.

FAIL: an explicit A/AAAA/CNAME record whose values differ from the wildcard's of that type. PASS:
the same values. Zones without a wildcard are not judged. One finding per explicit record set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed
from checks.rules import _docs
from netplan.dns.names import absolute
from netplan.ids import name_of, rid_key
from netplan.model import RecordSet

TYPES = ("A", "AAAA", "CNAME")


def check(ctx: Context) -> Iterator[Outcome]:
    est = ctx.estate
    by_zone: dict[str, list[RecordSet]] = defaultdict(list)
    for r in est.record_sets:
        if r.rtype in TYPES:
            by_zone[rid_key(r.zone_id)].append(r)
    for zone_key, records in by_zone.items():
        wild = {r.rtype: r for r in records if r.name == "*"}
        if not wild:
            continue
        zone = est.zone(zone_key)
        zname = zone.name if zone else name_of(records[0].zone_id)
        for r in records:
            w = wild.get(r.rtype)
            if r.name == "*" or w is None:
                continue
            fqdn = absolute(r.name, zname)
            mine, theirs = sorted(r.values), sorted(w.values)
            if mine == theirs:
                yield passed(r.id, f"Record {fqdn} ({r.rtype}) points where the wildcard *.{zname} does.") if ctx.list_passed else COUNTED_PASS
            else:
                yield failed(
                    r.id,
                    f"Record {fqdn} ({r.rtype} {', '.join(mine)}) differs from the wildcard *.{zname} "
                    f"({', '.join(theirs)}): the explicit record wins for this name (D6).",
                )


RULE = Rule(
    id="VNP-DNS-004",
    title="Explicit DNS record points elsewhere than the zone's wildcard",
    severity=Severity.MEDIUM,
    rationale=(
        "An explicit record beats the wildcard for its name (D6). When both exist and differ, the explicit "
        "record is often stale, e.g. an app name still pointing at a rebuilt cluster's old frontend."
    ),
    remediation=(
        "If the wildcard is current, delete the explicit record (az network private-dns record-set a delete "
        "-g <rg> -z <zone> -n <name>); if the difference is intended, suppress the finding with the reason."
    ),
    check=check,
    references=(_docs.DNS_RECORDS, _docs.PRIVATE_DNS_OVERVIEW),
    tags=("dns", "private-dns", "hygiene"),
)
