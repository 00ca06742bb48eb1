"""Zone files from an estate: Private DNS zones written as RFC 1035 master files.

:func:`zone_file` writes what :class:`~netplan.dns.simulator.DnsSimulator` serves from a zone (A,
AAAA and CNAME record sets, wildcards, and the VM records that registration-enabled links create),
so a real DNS server (BIND, NSD, Knot, unbound ``auth-zone``) loaded with it answers the way Azure
DNS would for a VNet linked to that zone. Uses: the live tests, reproducing a VNet's view on a
laptop, or a migration to self-hosted DNS. :func:`zones_for_vnet` picks the zones a VNet resolves.

The promise: names are absolute (dot-terminated), so ``$ORIGIN`` cannot change their meaning; the
output is deterministic for a given estate (sorted, fixed serial) so it can be diffed.
"""

from __future__ import annotations

from netplan.dns.simulator import DnsSimulator
from netplan.estate import Estate
from netplan.model import PrivateDnsZone, VNet

DEFAULT_TTL = 3600
#: The nameserver named in generated SOA/NS records. Out of the zone on purpose: an in-zone NS
#: name would add a node and change which names a wildcard answers (RFC 4592).
NS_NAME = "localhost."


def zone_file(estate: Estate, zone: PrivateDnsZone, *, simulator: DnsSimulator | None = None, serial: int = 1) -> str:
    """The master file for ``zone``."""
    sim = simulator or DnsSimulator(estate)
    origin = zone.name + "."
    lines = [
        f"; zone {zone.name} from {zone.id}",
        f"$ORIGIN {origin}",
        f"$TTL {DEFAULT_TTL}",
        f"@ IN SOA {NS_NAME} azureprivatedns-hostmaster.microsoft.com. {serial} 3600 300 2419200 10",
        f"@ IN NS {NS_NAME}",
    ]
    for full, rtype, values, ttl, source in sim.zone_records(zone):
        note = f"  ; {source}" if source != "record" else ""
        t = ttl if ttl is not None else DEFAULT_TTL
        for v in values:
            value = f"{v}." if rtype == "CNAME" else v
            lines.append(f"{full}. {t} IN {rtype} {value}{note}")
    return "\n".join(lines) + "\n"


def zones_for_vnet(estate: Estate, vnet: VNet) -> list[PrivateDnsZone]:
    """The zones linked to ``vnet`` (what Azure DNS consults for it, D1), by name."""
    zones: dict[str, PrivateDnsZone] = {}
    for link in estate.links_of_vnet(vnet.id):
        z = estate.zone(link.zone_id)
        if z is not None:
            zones.setdefault(z.key, z)
    return sorted(zones.values(), key=lambda z: z.name)
