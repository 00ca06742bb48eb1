"""Benchmark: every audit rule (and snapshot drift) over the 10k-VNet synthetic estate, against loading it.

    python bench/bench_audit.py [--vnets 10000] [--seed 1] [--prefixes-per-vnet 10] [--repeat 1]

Generates the estate with :func:`bench.synth.generate`, writes it to a temporary snapshot file,
and times (a) ``load_estate`` on it (the baseline: parse + model + first index use) and (b) the
full rule pack on the loaded estate (``checks.registry.audit``), then each rule on its own. Prints
the ratio all-rules / load (target <= 2.0) and the slowest rules. Ratios only, measured in the
same run; no absolute thresholds.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synth import generate
from checks.model import Context
from checks.registry import RULES, audit
from netplan.drift import snapshot_drift
from netplan.loader import load_estate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vnets", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--prefixes-per-vnet", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=1, help="take the best of N runs of each timing")
    args = ap.parse_args(argv)

    doc = generate(args.vnets, args.seed, args.prefixes_per_vnet)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "estate.json"
        path.write_text(json.dumps(doc))
        del doc
        loads, audits = [], []
        report = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            estate = load_estate([path])
            loads.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            report = audit(estate)
            audits.append(time.perf_counter() - t0)
        # Snapshot drift of the estate against a second load of the same file (every resource compared).
        again = load_estate([path])
        t0 = time.perf_counter()
        drift = snapshot_drift(estate, again)
        drift_s = time.perf_counter() - t0
    assert report is not None
    load_s, audit_s = min(loads), min(audits)
    counts = estate.counts()
    print(f"estate: {counts['vnets']} VNets, {counts['address_prefixes']} address prefixes, "
          f"{counts['peerings']} peering links, {counts['record_sets']} record sets")  # fmt: skip
    s = report.summary()
    print(f"findings: {s['total']} ({s['fail']} FAIL, {s['unknown']} UNKNOWN, {s['pass']} PASS) from {len(RULES)} rules")
    print(f"load_estate: {load_s:.2f}s   all rules: {audit_s:.2f}s   ratio all-rules/load: {audit_s / load_s:.2f} (target <= 2.0)")
    # Each rule alone on a fresh context (shared indexes rebuilt), to show where the time goes.
    per_rule = []
    gc.disable()  # as checks.registry.run_rules does
    for rule in RULES:
        t0 = time.perf_counter()
        rule.run(Context(estate))
        per_rule.append((time.perf_counter() - t0, rule.id))
    gc.enable()
    per_rule.sort(reverse=True)
    print(f"snapshot drift (10k vs 10k, {drift.summary()['unchanged']} resources compared): {drift_s:.2f}s, "
          f"ratio drift/load: {drift_s / load_s:.2f}")  # fmt: skip
    print("slowest rules (alone, vs load): " + ", ".join(f"{rid} {t / load_s:.2f}x" for t, rid in per_rule[:5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
