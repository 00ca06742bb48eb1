"""Benchmark: writing the audit's SARIF on the 10k-VNet synthetic estate, against reading the file.

    python bench/bench_sarif.py [--vnets 10000] [--seed 1] [--prefixes-per-vnet 10]

The SARIF writer places each result on its resource's ``"id"`` line by scanning the snapshot text
(:mod:`netplan.report.locate`) instead of having the loader record positions. This prints, measured
in the same run, cold: the baseline ``json.load`` of the snapshot with the garbage collector
paused; the scan for the resources that have results (what ``vnetplan audit --format sarif`` does);
a scan indexing every resource; and the whole SARIF rendering (scan + JSON text). Ratios only.
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
from checks.registry import audit
from netplan.loader import load_estate
from netplan.report.locate import ResourceLines
from netplan.report.model import Status
from netplan.report.sarif import render_sarif


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vnets", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--prefixes-per-vnet", type=int, default=10)
    args = ap.parse_args(argv)

    doc = generate(args.vnets, args.seed, args.prefixes_per_vnet)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "estate.json"
        path.write_text(json.dumps(doc, indent=1))
        del doc
        gc.disable()
        t0 = time.perf_counter()
        with open(path, encoding="utf-8") as fh:
            json.load(fh)
        base = time.perf_counter() - t0
        gc.enable()
        report = audit(load_estate([path]))
        wanted = {f.resource for f in report.findings if f.status is not Status.PASS}
        t0 = time.perf_counter()
        found = ResourceLines.scan([str(path)], wanted=wanted)
        scan = time.perf_counter() - t0
        t0 = time.perf_counter()
        every = ResourceLines.scan([str(path)])
        full = time.perf_counter() - t0
        t0 = time.perf_counter()
        render_sarif(report)
        sarif = time.perf_counter() - t0
    size = path.stat().st_size if path.exists() else 0
    print(f"estate: {args.vnets} VNets, {len(every.places)} resources with an id; {len(wanted)} with results, "
          f"{len(found.places)} of them placed on their line{f'; {size} bytes' if size else ''}")  # fmt: skip
    print(f"baseline json.load (gc paused): {base:.2f} s")
    print(f"scan for the resources with results: {scan:.2f} s = {scan / base:.2f}x the baseline")
    print(f"scan indexing every resource:        {full:.2f} s = {full / base:.2f}x")
    print(f"render_sarif (scan + JSON text):     {sarif:.2f} s = {sarif / base:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
