"""VNP-DNS-001: a private DNS zone not linked to a consumer VNet that needs it (D1).

"Needs it" is defined from the estate, without guessing at intent: a zone Z is needed by VNet C
when Z holds an A/AAAA record pointing to a service address in VNet S (a private endpoint's address
or an internal load balancer frontend), and either C is S and the service is a private endpoint
(an endpoint is placed in the VNet whose clients use it), or C is peered with S with both links
Connected (peering carries traffic but not name resolution, D1). When an intent is given, its
declared consumers need the provider's app-domain zone as well.

PASS: C is linked to Z, or to another zone of the same name that has the needed record names.
FAIL: it is not (its clients get public DNS or NXDOMAIN for those names). UNKNOWN: C uses custom
DNS servers, so its links are not consulted at all (D2, see VNP-DNS-002), or the snapshot records a
gap covering the zone (its links may be what could not be read), or a declared consumer is not in
the estate, which could not read where it may be (named). One finding per (consumer VNet, zone);
``item`` is the zone name.

Cost: one pass over the record sets, address owners from the estate's IP index, then the
Connected neighbours of each service VNet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import field

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.ids import name_of, rid_key
from netplan.model import PrivateDnsZone, VNet
from netplan.record import record


@record(frozen=False, slots=False)
class _Need:
    consumer: VNet
    zone: PrivateDnsZone
    #: Why: "peered with S, which holds private endpoint P (app -> 10.0.0.4)".
    why: str
    #: (relative name, type) of the records the consumer needs from the zone.
    names: set[tuple[str, str]] = field(default_factory=set)


def _intent_needs(ctx: Context) -> list[tuple[str, str, str]]:
    """(consumer VNet ID, zone name, why) declared by the intent: each connection's consumer needs
    the provider's app domain; so does a consumer in the estate whose provider VNet could not be
    read (:class:`netplan.intent.Unresolved` with ``consumer_vnet_id``)."""
    intent = ctx.intent
    if intent is None or not intent.app_domain:
        return []
    domain = intent.app_domain.lower().rstrip(".")
    consumers = [c.consumer_vnet_id for c in intent.connections]
    consumers += [u.consumer_vnet_id for u in intent.unresolved if u.consumer_vnet_id]
    return [(c, domain, "the intent declares it a consumer of the provider") for c in consumers]


def needs(ctx: Context) -> dict[tuple[str, str], _Need]:
    """(consumer VNet key, zone name) -> why the consumer needs a zone of that name."""
    est = ctx.estate
    # (service VNet key, zone key) -> [(record name, type, description, is_endpoint)]
    served: dict[tuple[str, str], list[tuple[str, str, str, bool]]] = defaultdict(list)
    for rec in est.record_sets:
        if rec.rtype not in ("A", "AAAA"):
            continue
        for value in rec.values:
            for owner in est.ip_owners(value):
                if owner.kind not in ("private-endpoint", "lb-frontend") or not owner.vnet_id:
                    continue
                what = "private endpoint" if owner.kind == "private-endpoint" else "internal load balancer"
                desc = f"{what} {name_of(owner.parent_id)} ({rec.name} -> {value})"
                served[(rid_key(owner.vnet_id), rid_key(rec.zone_id))].append(
                    (rec.name.lower(), rec.rtype, desc, owner.kind == "private-endpoint")
                )
    out: dict[tuple[str, str], _Need] = {}
    for (svc_key, zone_key), recs in served.items():
        svc, zone = ctx.vnet(svc_key), est.zone(zone_key)
        if svc is None or zone is None:
            continue
        consumers: list[tuple[VNet, str]] = [
            (c, f"it is peered with {svc.name}, which holds {recs[0][2]}") for c in ctx.connected_peers_of(svc_key)
        ]
        endpoints = [r for r in recs if r[3]]
        if endpoints:
            consumers.append((svc, f"it holds {endpoints[0][2]}"))
        for c, why in consumers:
            # Keyed by zone *name*: a VNet can link one zone of a name (D7), so two same-name zones
            # needed by one consumer are one need, met by a link to either that has the records.
            need = out.setdefault((c.key, zone.name), _Need(c, zone, why))
            need.names.update((n, t) for n, t, _d, _e in recs)
    provider = getattr(getattr(ctx.intent, "provider", None), "vnet_id", None)
    provider_links = {rid_key(link.zone_id) for link in est.links_of_vnet(provider)} if provider else set()
    for consumer_ref, zone_name, why in _intent_needs(ctx):
        declared = ctx.vnet(consumer_ref) if consumer_ref.startswith("/") else None
        zones = sorted(est.zones_named(zone_name), key=lambda z: (z.key not in provider_links, z.key))
        if declared is None or not zones or (declared.key, zone_name) in out:
            continue  # a consumer or zone outside the snapshot is drift's business (vnetplan drift --intent)
        linked = {rid_key(link.zone_id) for link in est.links_of_vnet(declared.id)}
        # The provider's own zone of that name is the one expected, unless the consumer has one linked.
        zone = next((z for z in zones if z.key in linked), zones[0])
        out[(declared.key, zone_name)] = _Need(declared, zone, why)
    return out


def check(ctx: Context) -> Iterator[Outcome]:
    est = ctx.estate
    # Declared consumers the estate cannot settle (netplan.intent.Unresolved: a gap may hide a VNet).
    domain = getattr(getattr(ctx.intent, "provider", None), "app_domain", None) or getattr(ctx.intent, "app_domain", "")
    for u in getattr(ctx.intent, "unresolved", ()):
        if u.consumer_vnet_id:
            continue  # the consumer is in the estate: judged below from its own links
        yield unknown(u.resource, f"Declared consumer {u.consumer} needs private zone {domain}, but whether it is "
                      f"linked cannot be told: {u.reason()}.", f"{u.item}: {domain}")  # fmt: skip
    for (_ck, _zk), need in sorted(needs(ctx).items()):
        c, z = need.consumer, need.zone
        linked = {ctx.key(link.zone_id) for link in ctx.zone_links_by_vnet.get(ctx.key(c.id), ())}
        what = f"VNet {c.name} needs private zone {z.name} because {need.why}"
        if z.key in linked:
            yield passed(c.id, f"{what}, and is linked to it.", z.name) if ctx.list_passed else COUNTED_PASS
            continue
        if c.dns_servers:
            servers = ", ".join(str(s) for s in c.dns_servers)
            yield unknown(
                c.id, f"{what}; it uses custom DNS servers {servers}, so its zone links are not consulted (D2).", z.name
            )
            continue
        twin = [o for o in est.zones_named(z.name) if o.key != z.key and o.key in linked]
        if twin:
            have = {(r.name.lower(), r.rtype) for o in twin for r in est.records_of_zone(o.id)}
            missing = sorted(f"{n}.{z.name}" if n != "@" else z.name for n, t in need.names - have)
            if not missing:
                yield passed(c.id, f"{what}, and is linked to {twin[0].id}, a zone of the same name with those records.", z.name) if ctx.list_passed else COUNTED_PASS
            else:
                yield failed(
                    c.id,
                    f"{what}, but is linked to another zone of that name ({twin[0].id}) that lacks "
                    f"{', '.join(missing)}: those names are NXDOMAIN there (D3).",
                    z.name,
                )
            continue
        gap = ctx.gap_note(z.id)
        if gap:
            yield unknown(c.id, f"{what}; no link is in the snapshot, but {gap}.", z.name)
            continue
        yield failed(c.id, f"{what}, but has no link to it: peering does not carry name resolution (D1).", z.name)


RULE = Rule(
    id="VNP-DNS-001",
    title="Private DNS zone is not linked to a consumer VNet that needs it",
    severity=Severity.HIGH,
    rationale=(
        "A private zone answers only for VNets linked to it; peering does not carry name resolution (D1). "
        "Clients in an unlinked consumer VNet resolve the service's public address or NXDOMAIN."
    ),
    remediation=(
        "Link the zone to the consumer VNet: az network private-dns link vnet create -g <zone-rg> "
        "-z <zone> -n <link-name> -v <consumer-vnet-id> -e false"
    ),
    check=check,
    references=(_docs.PRIVATE_DNS_LINKS, _docs.PRIVATE_DNS_OVERVIEW, _docs.PE_DNS_INTEGRATION),
    tags=("dns", "private-dns", "connectivity"),
)
