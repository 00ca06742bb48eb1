"""Benchmark: `vnetplan apply` with independent changes in parallel against a strictly sequential run.

    python bench/bench_apply.py [--zones 40] [--latency-ms 50] [--concurrency 8] [--fault-runs 10]

A plan of ``--zones`` private DNS zones, each with a zone link and an A record that depend on it
(3 x zones changes: long-running zone and link PUTs, synchronous record PUTs), applied through the
real SDK clients to the ARM emulator (HTTPS on loopback, ``--latency-ms`` added to every request),
once with ``--concurrency`` changes in flight and once with 1; then a second apply (all
``already``: reads only). With ``--fault-runs`` it also applies the plan that many times under ~20%
injected request faults and 20% failed LROs, and reports how many runs converged. Ratios are
measured in the same run; no absolute thresholds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netplan.changeset import Change, ChangeSet
from netplan.live.apply import ApplyOptions, apply_plan
from netplan.live.journal import Journal
from netplan.vocab import Action
from tests.emulator import Emulator, FaultConfig
from tests.emulator.clients import StaticTokenCredential
from tests.emulator.sample import SUB, sample_snapshot, vnet_id


def build_plan(zones: int) -> ChangeSet:
    steps: list[Change] = []
    rg = f"/subscriptions/{SUB}/resourceGroups/rg-bench/providers/Microsoft.Network/privateDnsZones"
    for i in range(zones):
        zid = f"{rg}/bench{i:03d}.example.internal"
        zkey = f"create:{zid.lower()}"
        steps.append(Change(Action.CREATE, zid, "Microsoft.Network/privateDnsZones", "", {"location": "Global"}, ""))
        link = f"{zid}/virtualNetworkLinks/link-spoke1"
        steps.append(Change(Action.CREATE, link, "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "",
                            {"location": "Global", "properties": {"registrationEnabled": False, "virtualNetwork": {"id": vnet_id("spoke1")}}},
                            "", depends_on=(zkey,)))  # fmt: skip
        rec = f"{zid}/A/app"
        steps.append(Change(Action.CREATE, rec, "Microsoft.Network/privateDnsZones/A", "",
                            {"properties": {"ttl": 300, "aRecords": [{"ipv4Address": f"10.0.1.{4 + i % 200}"}]}},
                            "", depends_on=(zkey,)))  # fmt: skip
    return ChangeSet("vp-bench", "", "", (), tuple(steps))


def run(plan: ChangeSet, faults: FaultConfig, concurrency: int, twice: bool = False) -> tuple[float, float, bool, Any]:
    with Emulator(sample_snapshot(), faults=faults) as emu, tempfile.TemporaryDirectory() as tmp:
        opts = ApplyOptions(endpoint=emu.url, ca_bundle=emu.ca_path, concurrency=concurrency, retries=8, backoff=0.0,
                            backoff_max=0.01, polling_interval=0.0, attempts=12, attempt_backoff=0.0, preflight=False)  # fmt: skip
        with Journal(Path(tmp) / "j", plan.plan_id) as j:
            t0 = time.perf_counter()
            result = apply_plan(plan, StaticTokenCredential(), opts, j)
            first = time.perf_counter() - t0
            second = 0.0
            if twice:
                writes = emu.stats.writes
                t0 = time.perf_counter()
                again = apply_plan(plan, StaticTokenCredential(), opts, j)
                second = time.perf_counter() - t0
                assert again.ok and emu.stats.writes == writes, "second apply wrote"
        return first, second, result.ok, emu.stats.to_dict()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--zones", type=int, default=40)
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--fault-runs", type=int, default=10)
    args = ap.parse_args()
    plan = build_plan(args.zones)
    slow = FaultConfig(latency_ms=args.latency_ms, lro_polls=1, lro_retry_after=0, retry_after=0)
    par, again, ok1, stats = run(plan, slow, args.concurrency, twice=True)
    seq, _, ok2, _ = run(plan, slow, 1)
    print(f"plan: {len(plan.changes)} changes ({args.zones} zones + links + records), {args.latency_ms:.0f} ms per request")
    print(f"requests, apply + second apply: {stats['requests']} ({stats['writes']} writes, all in the first)")
    print(f"concurrency {args.concurrency}: {par:.2f}s   sequential: {seq:.2f}s   ratio {seq / par:.1f}x   (ok {ok1 and ok2})")
    print(f"second apply (nothing to do, reads only): {again:.2f}s, 0 writes")
    if args.fault_runs:
        good = 0
        t0 = time.perf_counter()
        for seed in range(args.fault_runs):
            faults = FaultConfig(seed=seed, error_rate=0.07, throttle_rate=0.07, reset_rate=0.07, lro_fail_rate=0.2,
                                 lro_polls=1, lro_retry_after=0, retry_after=0)  # fmt: skip
            _, _, ok, _st = run(plan, faults, args.concurrency)
            good += ok
        took = time.perf_counter() - t0
        print(f"under ~20% request faults + 20% failed LROs: {good}/{args.fault_runs} runs converged ({took / args.fault_runs:.2f}s per run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
