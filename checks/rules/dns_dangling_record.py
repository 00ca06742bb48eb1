"""VNP-DNS-003: a private DNS record pointing to an address nobody owns (dangling).

Judges every A/AAAA record set. An address is accounted for when a load balancer frontend,
private endpoint, NIC, Private Link Service NAT address or resolver inbound endpoint in the
snapshot holds it, or when it lies in declared on-premises space. FAIL: an address inside a VNet
of the snapshot that nothing holds (typically a record left behind after a cluster or endpoint
was rebuilt). UNKNOWN: an address outside every VNet and declared network, or inside a VNet the
snapshot records a gap for, or while the snapshot could not read some VNets (one of them may hold
the address: address spaces overlap), or a snapshot without any network interfaces (VM addresses
would be invisible). PASS: every address is accounted for.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.addr import AddressError, parse_ip
from netplan.dns.names import absolute
from netplan.estate import describe_gaps, hides_vnets
from netplan.ids import name_of, rid_key


def check(ctx: Context) -> Iterator[Outcome]:
    est = ctx.estate
    onprem = [(p, n.name) for n in est.onprem for p in n.prefixes]
    no_nics = not est.nics
    unread = [g for g in est.gaps if hides_vnets(g)]
    zone_names = {z.key: z.name for z in est.zones}
    for rec in est.record_sets:
        if rec.rtype not in ("A", "AAAA"):
            continue
        fqdn = absolute(rec.name, zone_names.get(rid_key(rec.zone_id), name_of(rec.zone_id)))
        dangling: list[str] = []
        unsure: list[str] = []
        for value in rec.values:
            try:
                ip = parse_ip(value)
            except AddressError:
                unsure.append(f"{value} is not an address")
                continue
            if est.ip_owners(ip):
                continue
            holders = est.vnets_containing(ip)
            if holders:
                gap = next((g for g in (ctx.gap_note(v.id) for v in holders) if g), None)
                if gap:
                    unsure.append(f"{value} (in {holders[0].name}; {gap})")
                elif unread:
                    # Address space overlaps: a VNet not read may hold the address, and its owner.
                    unsure.append(f"{value} (in {holders[0].name}, but the snapshot {describe_gaps(unread)}, "
                                  "where another VNet may hold it)")  # fmt: skip
                elif no_nics:
                    unsure.append(f"{value} (in {holders[0].name}; the snapshot holds no network interfaces)")
                else:
                    dangling.append(f"{value} (in {holders[0].name})")
            elif any(p.contains_ip(ip) for p, _n in onprem):
                continue
            else:
                unsure.append(f"{value} (outside every VNet and declared on-premises network in the snapshot)")
        if dangling:
            yield failed(rec.id, f"Record {fqdn} points to {', '.join(dangling)}, which no frontend, endpoint or NIC holds.")
        elif unsure:
            yield unknown(rec.id, f"Record {fqdn}: the owner of {', '.join(unsure)} cannot be determined.")
        else:
            yield passed(rec.id, f"Record {fqdn}: every address is held by a resource in the estate.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-DNS-003",
    title="Private DNS record points to an address no resource holds",
    severity=Severity.HIGH,
    rationale=(
        "A record whose address no load balancer frontend, private endpoint or NIC holds sends clients to "
        "nowhere, or to whatever takes the address next; it is typical after a cluster or endpoint rebuild."
    ),
    remediation=(
        "Point the record at the current address (az network private-dns record-set a update / "
        "add-record / remove-record -g <rg> -z <zone> -n <name> ...) or delete it "
        "(az network private-dns record-set a delete -g <rg> -z <zone> -n <name>)."
    ),
    check=check,
    references=(_docs.PRIVATE_DNS_OVERVIEW, _docs.PE_DNS),
    tags=("dns", "private-dns", "hygiene", "exposure"),
)
