"""Benchmark: route tables and NSGs on the 10k-VNet synthetic estate (issue 18).

    python bench/bench_traffic.py [--vnets 10000] [--seed 1] [--repeat 3]

The synthetic estate (``synth.generate``) gets a route table (a 0.0.0.0/0 route to the hub's
appliance address, one more specific route) and an NSG (three custom rules) on every subnet, as
separate resources referenced by the subnets: one of each per VNet shared by its subnets (the
measured target), and, reported alongside, a distinct one per subnet. The versions are written to
temporary files and, in this one run, timed cold (an empty prefix memo, a fresh Estate each time):

* ``json.load`` of the file with the collector paused (the baseline), ``load_estate`` without and
  with the traffic kinds; target: with / without <= 1.5. The two files hold the same estate (the
  "with" file adds the route tables and NSGs and the subnets' references to them, nothing else).
  Each load runs cold in a fresh process, as a command does (a child started for it: its own heap,
  no memo or allocator state left by an earlier load; its imports are done before the clock
  starts). The two loads are timed in ``--repeat`` adjacent pairs (their order alternating), each
  in the child's CPU time (user + system: what other processes on a shared machine take is not
  counted) and wall time; the ratio is the median of the pairs' CPU ratios (adjacent loads see the
  same machine; the median drops a disturbed pair);
* effective routes of one spoke subnet, and one ``reach --port`` flow query from another, after
  load and ``gc.freeze()`` (as the commands do): the estate's shared indexes (by ID, by address,
  the peering index that every analysis uses) are built by a first query on a different subnet
  (which also builds the route and rule objects of the tables and NSGs it meets),
  whose time is printed on its own; each measured query then starts from a subnet never asked
  before (no per-subnet cache), toward a hub the queries before have not asked about where there
  is one; target: the median of each under 5 ms (CPU time; wall time printed alongside).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netplan.addr import clear_parse_cache
from netplan.estate import load_estate

T = TypeVar("T")


def _synth(vnets: int, seed: int) -> dict[str, Any]:
    try:
        from bench.synth import generate  # type: ignore[import-not-found]
    except ImportError:
        from bench.synth import generate
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


def timed(fn: Callable[[], T]) -> tuple[float, float, T]:
    """(CPU seconds of this process, wall seconds, result) of one call, after a collection."""
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    result = fn()
    return time.process_time() - c0, time.perf_counter() - w0, result


def _child_load(path: str) -> int:
    """In a fresh process: load ``path`` cold and print the load's CPU and wall seconds as JSON."""
    gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()  # user + system time of this process
    estate = load_estate([path])
    c1, w1 = time.process_time(), time.perf_counter()
    print(json.dumps({"cpu": c1 - c0, "wall": w1 - w0, "vnets": len(estate.vnets)}))
    return 0


def fresh_load(path: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of ``load_estate([path])`` in a fresh child process."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # imports are not timed, but cached
    out = subprocess.run([sys.executable, __file__, "--child-load", path], env=env, check=True, capture_output=True, text=True)
    got = json.loads(out.stdout)
    return got["cpu"], got["wall"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--vnets", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child-load", metavar="FILE", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_load:
        return _child_load(args.child_load)

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
        loads: dict[str, list[tuple[float, float]]] = {"without": [], "with": []}
        for i in range(max(args.repeat, 1)):
            for label in ("without", "with") if i % 2 == 0 else ("with", "without"):
                loads[label].append(fresh_load(paths[label]))
        t_dense = min(w for _c, w in (fresh_load(paths["dense"]) for _ in range(args.repeat)))
        estate = cold(paths["with"])
        # As every command does after loading (vnetplan.commands._common.settle): the estate is
        # taken out of the cyclic collector's view, so that the queries' allocations do not make
        # it rescan the whole model.
        gc.freeze()

        # Spoke subnets with a peering (so their tables have peering and endpoint routes), each
        # with a target address in the VNet it is peered with; a hub not asked before first.
        spokes = [v for v in estate.vnets if v.peerings and v.subnets and len(v.peerings) < 5]
        cases, by_hub = [], {}
        for v in spokes:
            hub = estate.vnet(v.peerings[0].remote_vnet_id)
            if hub is not None and hub.subnets:
                by_hub.setdefault(hub.key, []).append((v.subnets[0], str(hub.subnets[-1].prefixes[0].network[4])))
        while len(cases) < args.repeat * 2 + 1 and any(by_hub.values()):
            for hub_cases in by_hub.values():
                if hub_cases:
                    cases.append(hub_cases.pop(0))
        first_sub, first_target = cases[0]
        t_first, w_first, _v = timed(lambda: flow(estate, first_sub.id, first_target, 443))
        from netplan.reach import reach

        routes_times, flow_times, reach_times = [], [], []
        for i in range(args.repeat):
            sub, _t = cases[1 + 2 * i]
            cpu, wall, table = timed(lambda sub=sub: effective_routes(estate, sub.id))  # type: ignore[misc]
            routes_times.append((cpu, wall))
            sub2, target = cases[2 + 2 * i]
            cpu, wall, verdict = timed(lambda sub2=sub2, target=target: flow(estate, sub2.id, target, 443))  # type: ignore[misc]
            flow_times.append((cpu, wall))
            vnet2 = estate.vnet(sub2.vnet_id)
            assert vnet2 is not None
            cpu, wall, _r = timed(lambda vnet2=vnet2, target=target: reach(estate, vnet2.id, target))  # type: ignore[misc]
            reach_times.append((cpu, wall))
        gc.unfreeze()
        size_with = os.path.getsize(paths["with"]) / 1e6
        size_without = os.path.getsize(paths["without"]) / 1e6
        size_dense = os.path.getsize(paths["dense"]) / 1e6

    print(f"estate: {len(estate.vnets)} VNets, {sum(len(v.subnets) for v in estate.vnets)} subnets, "
          f"{len(estate.route_tables)} route tables, {len(estate.nsgs)} NSGs "
          f"({size_without:.1f} MB without, {size_with:.1f} MB with)")  # fmt: skip
    med = statistics.median
    t_without = med(c for c, _w in loads["without"])
    t_with = med(c for c, _w in loads["with"])
    w_without = med(w for _c, w in loads["without"])
    w_with = med(w for _c, w in loads["with"])
    pair_ratios = sorted(b[0] / a[0] for a, b in zip(loads["without"], loads["with"], strict=True))
    ratio = med(pair_ratios)
    print(f"json.load (gc paused), with:   {t_json * 1000:9.1f} ms  (wall, best of {args.repeat})")
    print(f"load_estate without:           {t_without * 1000:9.1f} ms  CPU, {w_without * 1000:.1f} ms wall "
          f"({w_without / t_json:.2f}x json.load; medians of {len(loads['without'])})")
    print(f"load_estate with:              {t_with * 1000:9.1f} ms  CPU, {w_with * 1000:.1f} ms wall "
          f"({w_with / t_json:.2f}x json.load)")
    print(f"load with / without:           {ratio:9.2f}x   (target <= 1.5; median of the pairs' CPU ratios "
          f"{', '.join(f'{r:.2f}' for r in pair_ratios)}; wall medians {w_with / w_without:.2f}x)")
    print(f"load_estate, one per subnet:   {t_dense * 1000:9.1f} ms  ({t_dense / min(w for _c, w in loads['without']):.2f}x "
          f"without, wall; {size_dense:.1f} MB: a distinct route table + NSG per subnet, reported, not a target)")
    print(f"first query after load:        {t_first * 1000:9.1f} ms  CPU, {w_first * 1000:.1f} ms wall (builds the "
          "estate's shared indexes, once)")

    def ms(times: list[tuple[float, float]]) -> str:
        return (f"{med(c for c, _w in times) * 1000:6.2f} ms CPU median ({', '.join(f'{c * 1000:.2f}' for c, _w in times)}; "
                f"wall {', '.join(f'{w * 1000:.2f}' for _c, w in times)})")

    t_routes = med(c for c, _w in routes_times)
    t_flow = med(c for c, _w in flow_times)
    print(f"effective routes, one subnet:  {ms(routes_times)}  {len(table.routes)} routes; target < 5 ms")
    print(f"reach --port 443, one flow:    {ms(flow_times)}  reachable={verdict.reachable}; target < 5 ms")
    print(f"  of which peering-level reach: {ms(reach_times)}  (netplan.reach to the same address, which the flow asks first)")
    print(f"load average during the run:   {os.getloadavg()[0]:9.1f}")
    ok = ratio <= 1.5 and t_routes < 0.005 and t_flow < 0.005
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
