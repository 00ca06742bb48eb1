"""Benchmark: concurrent inventory vs a strictly sequential one, against the ARM emulator.

50 subscriptions x 40 VNets, 50 ms of emulator latency on every request (as a far-away ARM
region would add). Both runs happen in this script, on this machine, so the ratio is
meaningful even on a shared, noisy host. Target: concurrent >= 8x faster than sequential.

    python bench/bench_inventory.py [--subs 50] [--vnets 40] [--latency-ms 50] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netplan.live.credentials import StaticTokenCredential  # noqa: E402
from netplan.live.inventory import InventoryOptions, take_inventory  # noqa: E402


def estate(subs: int, vnets: int) -> dict[str, object]:
    resources = []
    for s in range(subs):
        sub = f"{s:08x}-0000-4000-8000-{s:012x}"
        for v in range(vnets):
            vid = f"/subscriptions/{sub}/resourceGroups/rg-{v % 4}/providers/Microsoft.Network/virtualNetworks/vnet-{v}"
            resources.append({
                "id": vid, "name": f"vnet-{v}", "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
                "properties": {"addressSpace": {"addressPrefixes": [f"10.{s % 250}.{v}.0/24"]},
                               "subnets": [{"name": "default", "id": f"{vid}/subnets/default",
                                            "properties": {"addressPrefix": f"10.{s % 250}.{v}.0/26"}}],
                               "virtualNetworkPeerings": []},
            })  # fmt: skip
    return {"resources": resources}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--subs", type=int, default=50)
    ap.add_argument("--vnets", type=int, default=40)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--concurrency", type=int, default=InventoryOptions.concurrency)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed.json"
        seed.write_text(json.dumps(estate(args.subs, args.vnets)))
        # The emulator runs in its own process, as Azure would: in-process it would compete with
        # the client for the GIL and measure Python scheduling rather than the inventory.
        faults = json.dumps({"latency_ms": args.latency_ms, "page_size": 100})
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.emulator", "--estate", str(seed), "--port", "0", "--faults", faults],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            ready = json.loads(proc.stdout.readline())
            cred = StaticTokenCredential("bench-token")
            results = {}
            for label, conc in (("sequential", 1), ("concurrent", args.concurrency)):
                opts = InventoryOptions(endpoint=ready["url"], ca_bundle=ready["ca"], concurrency=conc)
                t0 = time.perf_counter()
                res = take_inventory(cred, opts, show_progress=False)
                results[label] = (time.perf_counter() - t0, len(res.snapshot["resources"]))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"inventory of {args.subs} subscriptions x {args.vnets} VNets, {args.latency_ms:.0f} ms per request")
    print(f"{'run':<12} {'seconds':>8} {'resources':>10}")
    for label, (secs, n) in results.items():
        print(f"{label:<12} {secs:8.2f} {n:10d}")
    ratio = results["sequential"][0] / results["concurrent"][0]
    print(f"speed-up concurrent (x{args.concurrency}) vs sequential: {ratio:.1f}x (target >= 8x)")


if __name__ == "__main__":
    main()
