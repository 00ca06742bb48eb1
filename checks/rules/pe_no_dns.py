"""VNP-PE-002: a private endpoint with neither a DNS zone group nor a record pointing to it.

Clients reach a private endpoint by name only when a private zone answers the service's name with
the endpoint's address: a zone group (Azure keeps the record) or a hand-made A record.

PASS: the endpoint has a zone group with at least one zone, or an A/AAAA record in some private
zone points to one of its addresses. FAIL: neither. UNKNOWN: neither, but the snapshot records a
gap covering the endpoint (the zones may be in what could not be read). One finding per endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.ids import name_of, rid_key


def check(ctx: Context) -> Iterator[Outcome]:
    est = ctx.estate
    groups: dict[str, list[str]] = {}
    for g in est.zone_groups:
        groups.setdefault(rid_key(g.endpoint_id), []).extend(g.zone_ids)
    for pe in est.private_endpoints:
        zones = groups.get(pe.key, [])
        if zones:
            yield passed(pe.id, f"Private endpoint {pe.name} has a DNS zone group ({', '.join(name_of(z) for z in zones)}).") if ctx.list_passed else COUNTED_PASS
            continue
        ips = [str(ip) for ip in est.endpoint_ips(pe)]
        pointed = [ip for ip in ips if ip in ctx.record_ips]
        if pointed:
            yield passed(pe.id, f"Private endpoint {pe.name}: a private DNS record points to {', '.join(pointed)}.") if ctx.list_passed else COUNTED_PASS
            continue
        addrs = ", ".join(ips) or "no known address"
        note = ctx.gap_note(pe.id)
        if note:
            yield unknown(pe.id, f"Private endpoint {pe.name} ({addrs}) has no zone group or record in the snapshot, but {note}.")
        else:
            yield failed(
                pe.id,
                f"Private endpoint {pe.name} ({addrs}) has no DNS zone group and no private DNS record points to it: "
                "clients resolve the service's public address.",
            )


RULE = Rule(
    id="VNP-PE-002",
    title="Private endpoint has no DNS zone group or record",
    severity=Severity.MEDIUM,
    rationale=(
        "Without a private DNS record for the endpoint's address, clients resolve the service's public name "
        "to its public endpoint and bypass (or are refused by) the private endpoint."
    ),
    remediation=(
        "Add a zone group: az network private-endpoint dns-zone-group create -g <rg> --endpoint-name <pe> "
        "-n default --private-dns-zone <zone-id> --zone-name <zone>"
    ),
    check=check,
    references=(_docs.PE_DNS_INTEGRATION, _docs.PE_DNS),
    tags=("private-link", "private-endpoint", "dns"),
)
