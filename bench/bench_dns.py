"""Benchmark: the DNS resolution matrix (every VNet x app names) against resolving one by one.

    python bench/bench_dns.py [--vnets 10000] [--names 100] [--seed 7] [--sample 50000]

Builds a synthetic estate (``bench.synth.generate`` when it exists, else a hub-and-spoke
generator below that links central zones to most spokes, a few team zones to some, and gives a few
spokes custom DNS), then times :func:`netplan.dns.matrix.resolution_matrix` and the baseline: one
:meth:`DnsSimulator.resolve` call per (VNet, name) on a shared, warmed simulator. When the grid is
larger than ``--sample`` cells the baseline is timed on a random sample and scaled up (said so in
the output). Prints ratios measured in the same run; no absolute thresholds.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netplan.dns.matrix import app_names, resolution_matrix
from netplan.dns.simulator import DnsSimulator
from netplan.estate import Estate
from netplan.loader import parse_snapshots, snapshot_from_data

SUB = "/subscriptions/00000000-0000-0000-0000-00000000b0b0"
NET = "Microsoft.Network"
APP_DOMAIN = "azure.mendixapps.io"
PRIVATELINK = [
    "privatelink.blob.core.windows.net", "privatelink.file.core.windows.net", "privatelink.database.windows.net",
    "privatelink.vaultcore.azure.net", "privatelink.postgres.database.azure.com", "privatelink.azurecr.io",
    "privatelink.servicebus.windows.net", "privatelink.azurewebsites.net", "privatelink.redis.cache.windows.net",
    "privatelink.documents.azure.com",
]  # fmt: skip


def _vnet(i: int, dns: list[str] | None = None) -> dict[str, Any]:
    name = f"vnet-{i:05d}"
    rid = f"{SUB}/resourceGroups/rg-{i % 50}/providers/{NET}/virtualNetworks/{name}"
    props: dict[str, Any] = {
        "addressSpace": {"addressPrefixes": [f"10.{i // 256}.{i % 256}.0/24"]},
        "subnets": [{"name": "default", "id": f"{rid}/subnets/default",
                     "properties": {"addressPrefix": f"10.{i // 256}.{i % 256}.0/26"}}],
    }
    if dns:
        props["dhcpOptions"] = {"dnsServers": dns}
    return {"id": rid, "name": name, "type": f"{NET}/virtualNetworks", "location": "westeurope", "properties": props}


def synthetic(vnets: int, names: int, seed: int) -> Estate:
    """A hub-and-spoke estate of ``vnets`` VNets with central zones and a few irregular spokes."""
    rnd = random.Random(seed)
    res: list[dict[str, Any]] = []
    hub = _vnet(0)
    hub_id = hub["id"]
    res.append(hub)
    peerings: list[tuple[dict[str, Any], dict[str, Any]]] = []
    resolver_id = f"{SUB}/resourceGroups/rg-dns/providers/{NET}/dnsResolvers/dnspr-hub"
    res.append({"id": resolver_id, "name": "dnspr-hub", "type": f"{NET}/dnsResolvers", "location": "westeurope",
                "properties": {"virtualNetwork": {"id": hub_id}}})
    res.append({"id": f"{resolver_id}/inboundEndpoints/in", "name": "in", "type": f"{NET}/dnsResolvers/inboundEndpoints",
                "properties": {"ipConfigurations": [{"subnet": {"id": f"{hub_id}/subnets/default"},
                                                      "privateIpAddress": "10.0.0.4"}]}})
    zones: dict[str, str] = {}
    for zname in [APP_DOMAIN, *PRIVATELINK, *(f"team{t}.corp.internal" for t in range(200))]:
        zid = f"{SUB}/resourceGroups/rg-dns/providers/{NET}/privateDnsZones/{zname}"
        zones[zname] = zid
        res.append({"id": zid, "name": zname, "type": f"{NET}/privateDnsZones", "location": "global", "properties": {}})
    app_zone = zones[APP_DOMAIN]
    res.append({"id": f"{app_zone}/A/*", "name": "*", "type": f"{NET}/privateDnsZones/A",
                "properties": {"ttl": 300, "aRecords": [{"ipv4Address": "10.250.0.4"}]}})
    for a in range(names):
        if a % 3 == 0:
            res.append({"id": f"{app_zone}/A/app{a}", "name": f"app{a}", "type": f"{NET}/privateDnsZones/A",
                        "properties": {"ttl": 300, "aRecords": [{"ipv4Address": f"10.250.1.{a % 250}"}]}})
        elif a % 3 == 1:
            res.append({"id": f"{app_zone}/CNAME/app{a}", "name": f"app{a}", "type": f"{NET}/privateDnsZones/CNAME",
                        "properties": {"ttl": 300, "cnameRecord": {"cname": f"st{a}.blob.core.windows.net"}}})
    blob = zones["privatelink.blob.core.windows.net"]
    for a in range(0, names, 2):
        res.append({"id": f"{blob}/A/st{a}", "name": f"st{a}", "type": f"{NET}/privateDnsZones/A",
                    "properties": {"ttl": 300, "aRecords": [{"ipv4Address": f"10.0.1.{a % 250}"}]}})

    def link(zid: str, vid: str, n: int) -> None:
        res.append({"id": f"{zid}/virtualNetworkLinks/l{n}", "name": f"l{n}", "type": f"{NET}/privateDnsZones/virtualNetworkLinks",
                    "location": "global", "properties": {"virtualNetwork": {"id": vid}, "registrationEnabled": False}})

    for zname, zid in zones.items():
        if not zname.startswith("team"):
            link(zid, hub_id, 0)
    for i in range(1, vnets):
        roll = rnd.random()
        if roll < 0.05:
            # custom DNS: the hub's resolver, reached over a peering with the hub
            spoke = _vnet(i, ["10.0.0.4"])
            res.append(spoke)
            peerings.append((spoke, hub))
            continue
        if roll < 0.07:
            res.append(_vnet(i, ["172.16.0.53"]))  # custom DNS the estate does not model
            continue
        v = _vnet(i)
        res.append(v)
        if roll < 0.85:
            link(app_zone, v["id"], i)
        for k, zname in enumerate(PRIVATELINK):
            if roll < 0.6 or k < 3:
                link(zones[zname], v["id"], i)
        if rnd.random() < 0.1:
            link(zones[f"team{rnd.randrange(200)}.corp.internal"], v["id"], i)
    for a, b in peerings:
        for local, remote in ((a, b), (b, a)):
            local["properties"].setdefault("virtualNetworkPeerings", []).append({
                "name": f"to-{remote['name']}", "id": f"{local['id']}/virtualNetworkPeerings/to-{remote['name']}",
                "properties": {"remoteVirtualNetwork": {"id": remote["id"]}, "peeringState": "Connected",
                               "peeringSyncLevel": "FullyInSync", "allowVirtualNetworkAccess": True,
                               "remoteAddressSpace": remote["properties"]["addressSpace"]},
            })  # fmt: skip
    return Estate.build(parse_snapshots([snapshot_from_data({"resources": res}, "<bench>")]))


def build(vnets: int, names: int, seed: int) -> tuple[Estate, list[str], str]:
    try:
        from netplan import synth  # type: ignore[attr-defined]
    except ImportError:
        return synthetic(vnets, names, seed), [f"app{a}.{APP_DOMAIN}" for a in range(names)], "bench_dns.synthetic"
    from netplan.loader import parse_declarations

    snap = synth.generate(vnets, seed, 10)
    parsed = parse_snapshots([snapshot_from_data(snap, "<synth>")])
    estate = Estate.build(parsed, [parse_declarations(f, d) for f, d in parsed.declarations])
    # The app domain: azure.mendixapps.io if present, else the app zone (not privatelink.*) with most links.
    links: dict[str, int] = {}
    for link in estate.zone_links:
        z = estate.zone(link.zone_id)
        if z is not None and not z.name.startswith("privatelink."):
            links[z.name] = links.get(z.name, 0) + 1
    domain = APP_DOMAIN if estate.zones_named(APP_DOMAIN) else max(links, key=lambda n: links[n], default=APP_DOMAIN)
    found = app_names(estate, domain)[:names]
    found += [f"bench{a}.{domain}" for a in range(names - len(found))]
    return estate, found, "bench.synth.generate"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vnets", type=int, default=10_000)
    ap.add_argument("--names", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample", type=int, default=50_000, help="baseline cells timed at most (then scaled)")
    args = ap.parse_args()

    t0 = time.perf_counter()
    estate, names, source = build(args.vnets, args.names, args.seed)
    t_load = time.perf_counter() - t0
    print(f"estate: {len(estate.vnets)} VNets, {len(estate.zones)} zones, {len(estate.zone_links)} links, "
          f"{len(estate.record_sets)} record sets (from {source}, {t_load:.2f}s)")

    t0 = time.perf_counter()
    m = resolution_matrix(estate, names)
    t_matrix = time.perf_counter() - t0
    cells = len(estate.vnets) * len(names)
    counts = ", ".join(f"{s.value} {n}" for s, n in sorted(m.status_counts().items()))
    print(f"matrix: {len(estate.vnets)} VNets x {len(names)} names = {cells} cells in {t_matrix:.2f}s "
          f"({m.group_count} resolution contexts, {m.resolutions} queries simulated); {counts}")

    sim = DnsSimulator(estate)
    grid = [(v, n) for v in estate.vnets for n in names]
    sample = grid if len(grid) <= args.sample else random.Random(args.seed).sample(grid, args.sample)
    for v, n in sample[:100]:  # warm the per-zone and per-context caches, as the matrix has its own
        sim.resolve(v, n)
    t0 = time.perf_counter()
    for v, n in sample:
        sim.resolve(v, n)
    t_one = (time.perf_counter() - t0) * len(grid) / len(sample)
    how = "measured" if len(sample) == len(grid) else f"scaled from {len(sample)} sampled cells"
    print(f"one by one: {t_one:.2f}s ({how})")
    print(f"ratio one-by-one / matrix: {t_one / t_matrix:.1f}x")


if __name__ == "__main__":
    main()
