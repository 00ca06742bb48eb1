"""Benchmark: concurrent inventory vs a strictly sequential one, against the ARM emulator.

50 subscriptions x 40 VNets, 50 ms of emulator latency on every request (as a far-away ARM
region would add). Both runs happen in this script, on this machine, so the ratio is
meaningful even on a shared, noisy host. Target: concurrent >= 8x faster than sequential.

    python bench/bench_inventory.py [--subs 50] [--vnets 40] [--latency-ms 50] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.emulated import emulator  # noqa: E402
from netplan.live.credentials import StaticTokenCredential  # noqa: E402
from netplan.live.inventory import InventoryOptions, take_inventory  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subs", type=int, default=50)
    ap.add_argument("--vnets", type=int, default=40)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--concurrency", type=int, default=InventoryOptions.concurrency)
    args = ap.parse_args()
    with emulator(args.subs, args.vnets, args.latency_ms) as (url, ca):
        cred = StaticTokenCredential("bench-token")
        results = {}
        for label, conc in (("sequential", 1), ("concurrent", args.concurrency)):
            opts = InventoryOptions(endpoint=url, ca_bundle=ca, concurrency=conc)
            t0 = time.perf_counter()
            res = take_inventory(cred, opts, show_progress=False)
            results[label] = (time.perf_counter() - t0, len(res.snapshot["resources"]))
    print(f"inventory of {args.subs} subscriptions x {args.vnets} VNets, {args.latency_ms:.0f} ms per request")
    print(f"{'run':<12} {'seconds':>8} {'resources':>10}")
    for label, (secs, n) in results.items():
        print(f"{label:<12} {secs:8.2f} {n:10d}")
    ratio = results["sequential"][0] / results["concurrent"][0]
    print(f"speed-up concurrent (x{args.concurrency}) vs sequential: {ratio:.1f}x (target >= 8x)")


if __name__ == "__main__":
    main()
