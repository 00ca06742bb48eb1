"""Benchmark: route tables and NSGs on the 10k-VNet synthetic estate (issue 18).

    python bench/bench_traffic.py [--vnets 10000] [--seed 1] [--repeat 3]

The synthetic estate (``synth.generate``) gets a route table (a 0.0.0.0/0 route to the hub's
appliance address, one more specific route) and an NSG (three custom rules) on every subnet, as
separate resources referenced by the subnets: one of each per VNet shared by its subnets (the
measured target), and, reported alongside, a distinct one per subnet. The versions are written to
temporary files and, in this one run, timed cold (an empty prefix memo, a fresh Estate each time;
best of ``--repeat``):

* ``json.load`` of the file with the collector paused (the baseline), ``load_estate`` without and
  with the traffic kinds; target: with / without <= 1.5;
* effective routes of one spoke subnet, and one ``reach --port`` flow query from another, after
  load: the estate's shared indexes (by ID, by address, the peering index that every analysis
  uses) are built by a first query on a different subnet, whose time is printed on its own; each
  measured query then starts from a subnet never asked before (no per-subnet cache); target: each
  under 5 ms.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netplan.addr import clear_parse_cache
from netplan.loader import load_estate

T = TypeVar("T")


def _synth(vnets: int, seed: int) -> dict[str, Any]:
    try:
        from bench.synth import generate  # type: ignore[import-not-found]
    except ImportError:
        from netplan.synth import generate
    return generate(vnets, seed, 10)


def with_traffic_kinds(doc: dict[str, Any], per_subnet: bool = False) -> dict[str, Any]:
    """A copy of ``doc`` with a route table and an NSG on every subnet: one of each per VNet, shared
    by its subnets (the usual spoke layout), or with ``per_subnet`` a distinct one per subnet."""
    out = json.loads(json.dumps(doc))
    extra: list[dict[str, Any]] = []
    for r in out["resources"]:
        if r.get("type") != "Microsoft.Network/virtualNetworks":
            continue
        rg_scope = r["id"].split("/providers/")[0]
        made: set[str] = set()
        for s in r["properties"].get("subnets", []):
            base = f"{r['name']}-{s['name']}" if per_subnet else r["name"]
            rt_id = f"{rg_scope}/providers/Microsoft.Network/routeTables/rt-{base}"
            nsg_id = f"{rg_scope}/providers/Microsoft.Network/networkSecurityGroups/nsg-{base}"
            s["properties"]["routeTable"] = {"id": rt_id}
            s["properties"]["networkSecurityGroup"] = {"id": nsg_id}
            if base in made:
                continue
            made.add(base)
            extra.append({
                "id": rt_id, "name": f"rt-{base}", "type": "Microsoft.Network/routeTables", "location": r["location"],
                "properties": {"disableBgpRoutePropagation": True, "routes": [
                    {"name": "default", "id": f"{rt_id}/routes/default", "properties": {
                        "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.0.4"}},
                    {"name": "blackhole", "id": f"{rt_id}/routes/blackhole", "properties": {
                        "addressPrefix": "192.168.255.0/24", "nextHopType": "None"}},
                ]},
            })  # fmt: skip
            extra.append({
                "id": nsg_id, "name": f"nsg-{base}", "type": "Microsoft.Network/networkSecurityGroups",
                "location": r["location"],
                "properties": {"securityRules": [
                    {"name": name, "id": f"{nsg_id}/securityRules/{name}", "properties": {
                        "priority": prio, "direction": "Inbound", "access": access, "protocol": "Tcp",
                        "sourceAddressPrefix": src, "sourcePortRange": "*", "destinationAddressPrefix": "*",
                        "destinationPortRange": port}}
                    for name, prio, access, src, port in (
                        ("allow-https", 100, "Allow", "10.0.0.0/8", "443"),
                        ("allow-ssh-jump", 110, "Allow", "10.0.0.0/24", "22"),
                        ("deny-vnet", 4000, "Deny", "VirtualNetwork", "*"),
                    )
                ]},
            })  # fmt: skip
    out["resources"].extend(extra)
    return out


def best(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    times: list[float] = []
    result: Any = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--vnets", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from netplan.flow import flow
    from netplan.routes import effective_routes

    base = _synth(args.vnets, args.seed)
    full = with_traffic_kinds(base)
    dense = with_traffic_kinds(base, per_subnet=True)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for label, doc in (("without", base), ("with", full), ("dense", dense)):
            p = Path(tmp) / f"{label}.json"
            p.write_text(json.dumps(doc))
            paths[label] = str(p)

        def json_nogc(path: str) -> Any:
            gc.disable()
            try:
                with open(path, "rb") as fh:
                    return json.load(fh)
            finally:
                gc.enable()

        def cold(path: str) -> Any:
            clear_parse_cache()
            return load_estate([path])

        t_json, _ = best(lambda: json_nogc(paths["with"]), args.repeat)
        t_without, _ = best(lambda: cold(paths["without"]), args.repeat)
        t_dense, _ = best(lambda: cold(paths["dense"]), args.repeat)
        t_with, estate = best(lambda: cold(paths["with"]), args.repeat)

        # Spoke subnets with a peering (so their tables have peering and endpoint routes), each
        # with a target address in the VNet it is peered with.
        spokes = [v for v in estate.vnets if v.peerings and v.subnets and len(v.peerings) < 5]
        cases = []
        for v in spokes[: args.repeat * 2 + 1]:
            hub = estate.vnet(v.peerings[0].remote_vnet_id)
            if hub is not None and hub.subnets:
                cases.append((v.subnets[0], str(hub.subnets[-1].prefixes[0].network[4])))
        first_sub, first_target = cases[0]
        t0 = time.perf_counter()
        flow(estate, first_sub.id, first_target, 443)
        t_first = time.perf_counter() - t0
        from netplan.reach import reach

        routes_times, flow_times, reach_times = [], [], []
        for i in range(args.repeat):
            sub, _t = cases[1 + 2 * i]
            gc.collect()
            t0 = time.perf_counter()
            table = effective_routes(estate, sub.id)
            routes_times.append(time.perf_counter() - t0)
            sub2, target = cases[2 + 2 * i]
            gc.collect()
            t0 = time.perf_counter()
            verdict = flow(estate, sub2.id, target, 443)
            flow_times.append(time.perf_counter() - t0)
            vnet2 = estate.vnet(sub2.vnet_id)
            assert vnet2 is not None
            gc.collect()
            t0 = time.perf_counter()
            reach(estate, vnet2.id, target)
            reach_times.append(time.perf_counter() - t0)
        size_with = os.path.getsize(paths["with"]) / 1e6
        size_without = os.path.getsize(paths["without"]) / 1e6
        size_dense = os.path.getsize(paths["dense"]) / 1e6

    print(f"estate: {len(estate.vnets)} VNets, {sum(len(v.subnets) for v in estate.vnets)} subnets, "
          f"{len(estate.route_tables)} route tables, {len(estate.nsgs)} NSGs "
          f"({size_without:.1f} MB without, {size_with:.1f} MB with)")  # fmt: skip
    print(f"json.load (gc paused), with:   {t_json * 1000:9.1f} ms")
    print(f"load_estate without:           {t_without * 1000:9.1f} ms  ({t_without / t_json:.2f}x json.load)")
    print(f"load_estate with:              {t_with * 1000:9.1f} ms  ({t_with / t_json:.2f}x json.load)")
    ratio = t_with / t_without
    print(f"load with / without:           {ratio:9.2f}x   (target <= 1.5; one route table + NSG per VNet, on every subnet)")
    print(f"load_estate, one per subnet:   {t_dense * 1000:9.1f} ms  ({t_dense / t_without:.2f}x without; "
          f"{size_dense:.1f} MB: a distinct route table + NSG per subnet, reported, not a target)")
    print(f"first query after load:        {t_first * 1000:9.1f} ms  (builds the estate's shared indexes, once)")
    t_routes, t_flow = min(routes_times), min(flow_times)
    print(f"effective routes, one subnet:  {t_routes * 1000:9.2f} ms  ({len(table.routes)} routes; target < 5 ms)")
    print(f"reach --port 443, one flow:    {t_flow * 1000:9.2f} ms  (reachable={verdict.reachable}; target < 5 ms)")
    print(f"  of which peering-level reach: {min(reach_times) * 1000:8.2f} ms  (netplan.reach to the same address, "
          f"which the flow asks first)")
    print(f"load average during the run:   {os.getloadavg()[0]:9.1f}")
    ok = ratio <= 1.5 and t_routes < 0.005 and t_flow < 0.005
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
