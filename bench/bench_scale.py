"""Benchmark: every read command against ``json.load`` of the same snapshot, cold, with peak memory.

Each measurement runs in a fresh Python process (cold: no warm caches, nothing imported yet):

- baseline: ``json.load`` of the snapshot with the garbage collector paused (its collector would
  otherwise inflate the baseline and flatter every ratio);
- each read command (``overlaps`` and ``audit`` in every format, ``graph``, ``resolve``, ``reach``,
  ``free``, ``drift`` of the snapshot against a drifted copy) through ``vnetplan.cli.main``, stdout to a
  file: wall time, peak RSS of the process, and the output's size;
- the overlap analysis alone (load excluded, first call in the process) against a plain
  sort-and-sweep over integer intervals that counts the same overlapping pairs, and against the
  same sweep over netaddr's ``IPNetwork`` objects (sorted by netaddr, spans read through ``.first``
  and ``.last``; the objects are built before the clock starts; skipped without netaddr).

Fairness notes. Each child runs with a bytecode cache (``PYTHONPYCACHEPREFIX`` in the temporary
directory, filled by one untimed import first): an installed package has its ``.pyc`` files, and
an environment with ``PYTHONDONTWRITEBYTECODE`` would otherwise charge every command the
compilation of every module (about half a second here), which no user pays. Nothing else is warm:
each figure is a fresh process. ``drift`` compares the snapshot with a drifted copy of it (about
1% of the resources removed, changed or re-located, written by :func:`drifted`), not with itself,
so it does the work of a real comparison; it reads two files, so its ratio is also given against
``json.load`` of both.

Targets (issue 15): every read command at most 4x ``json.load``; peak memory at most 3x the
file's size; output linear in the estate; the overlap analysis within 2x of the plain sweep.
The script reports the measured ratios whether or not a target is met.

    python bench/bench_scale.py --snapshot estate.json          # any snapshot (another generator's too)
    python bench/bench_scale.py --vnets 10000                   # synthetic, a fifth on 10.0.0.0/16
    python bench/bench_scale.py --vnets 10000 --only overlaps-json,audit-json
    python bench/bench_scale.py --sizes 1000,10000,50000 --prefixes-per-vnet 4   # and the growth in N
    python bench/bench_scale.py --snapshot estate.json --instructions --only audit-json,drift

``--instructions`` counts each command's user-space instructions under valgrind's cachegrind
against ``json.load``'s instead of timing them: on a shared machine whose speed moves by a third
from one minute to the next, it is the figure that shows a change's effect. It leaves out kernel
time, which is a third of ``json.load``'s CPU here and a few percent of a command's, so its ratios
read higher than the CPU ratios (they weigh against the commands, not for them).

Growth in N (``--sizes``): every figure at each size, then each command's CPU per VNet at each size
(minus the start-up floor every command pays: the interpreter, the CLI and the snapshot loader's
imports, measured in the same run), its growth from one size to the next divided by the growth of N log N (at most 1.0:
no worse than N log N), and the output's bytes per VNet and growth divided by N's (about 1.0:
linear in the estate). The same generator settings serve every size.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import gc, json, resource, sys, time
mode, path, out = sys.argv[1], sys.argv[2], sys.argv[3]
args = json.loads(sys.argv[4])
ru0 = resource.getrusage(resource.RUSAGE_SELF)
cpu0 = ru0.ru_utime + ru0.ru_stime
t0 = time.perf_counter()
if mode == "json":
    gc.disable()
    with open(path, "rb") as f:
        json.load(f)
    gc.enable()
    rc = 0
elif mode == "floor":
    # What every read command pays before it reads anything: the interpreter, the CLI and the loader
    # (the CLI imports the chosen command's own module only when it runs).
    import vnetplan.cli  # noqa: F401
    import vnetplan.commands._common  # noqa: F401
    rc = 0
elif mode == "sweep":
    from netplan.estate import load_estate
    from netplan.overlaps import find_overlaps
    estate = load_estate([path])
    ivs = []
    for v in estate.vnets:
        for p in v.address_prefixes:
            bits = 32 if p.version == 4 else 128
            ivs.append((p.version, p.value, p.value | ((1 << (bits - p.length)) - 1)))
    for o in estate.onprem:
        for p in o.prefixes:
            bits = 32 if p.version == 4 else 128
            ivs.append((p.version, p.value, p.value | ((1 << (bits - p.length)) - 1)))
    t_sweep = time.perf_counter()
    ivs.sort(key=lambda t: (t[0], t[1], -t[2]))
    stack, pairs, ver = [], 0, -1
    for v, a, b in ivs:
        if v != ver:
            stack.clear(); ver = v
        while stack and stack[-1] < a:
            stack.pop()
        pairs += len(stack)
        stack.append(b)
    sweep_s = time.perf_counter() - t_sweep
    t_an = time.perf_counter()
    report = find_overlaps(estate)
    an_s = time.perf_counter() - t_an
    # The same sweep over netaddr's IPNetwork objects (built from the prefix texts beforehand, not
    # timed), in netaddr's own sort order (version, first address, shorter prefix first), each
    # network's span read through its .first and .last: what a netaddr user would write at best.
    na_s = na_pairs = None
    try:
        from netaddr import IPNetwork
    except ImportError:
        pass
    else:
        nets = [IPNetwork(str(p)) for v in estate.vnets for p in v.address_prefixes]
        nets += [IPNetwork(str(p)) for o in estate.onprem for p in o.prefixes]
        t_na = time.perf_counter()
        nets.sort()
        stack, na_pairs, ver = [], 0, -1
        for n in nets:
            if n.version != ver:
                stack.clear(); ver = n.version
            a = n.first
            while stack and stack[-1] < a:
                stack.pop()
            na_pairs += len(stack)
            stack.append(n.last)
        na_s = time.perf_counter() - t_na
        del nets
    print(json.dumps({"sweep_s": sweep_s, "analysis_s": an_s, "sweep_pairs": pairs,
                      "analysis_pairs": report.summary()["pairs"], "netaddr_s": na_s, "netaddr_pairs": na_pairs}))
    sys.exit(0)
else:
    from vnetplan.cli import main
    with open(out, "w") as fh:
        sys.stdout = fh
        rc = main(args)
        sys.stdout.flush()
    sys.stdout = sys.__stdout__
secs = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
# The high-water mark of this process's own memory. ru_maxrss is not it: Linux carries it across
# exec, so a child started by a big parent reports the parent's peak.
try:
    with open("/proc/self/status") as st:
        peak = next(int(ln.split()[1]) * 1024 for ln in st if ln.startswith("VmHWM:"))
except OSError:
    peak = ru.ru_maxrss * 1024
print(json.dumps({"seconds": secs, "cpu": ru.ru_utime + ru.ru_stime - cpu0, "peak": peak, "rc": rc}))
"""


def child_env(tmp: str) -> dict[str, str]:
    """The children's environment: bytecode cached in ``tmp`` (see the module docstring)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
    return env


#: How --instructions runs a child: cachegrind without its cache simulation counts every user-space
#: instruction the process executes (its "I refs" line), the same on an idle or a busy machine.
VALGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
_IREFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def _run(
    mode: str, path: str, out: str, args: list[str], env: dict[str, str] | None = None, instructions: bool = False
) -> dict[str, Any]:
    proc = subprocess.run(
        [*(VALGRIND if instructions else []), sys.executable, "-c", _CHILD, mode, path, out, json.dumps(args)],
        cwd=ROOT, capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        raise SystemExit(f"{mode} {args[:1]} failed:\n{proc.stderr[-2000:]}")
    result = dict(json.loads(lines[-1]))
    if instructions:
        found = _IREFS.findall(proc.stderr)
        if not found:
            raise SystemExit(f"{mode} {args[:1]}: no instruction count in valgrind's output:\n{proc.stderr[-2000:]}")
        result["instructions"] = int(found[-1].replace(",", ""))
    return result


def _refs(path: str) -> tuple[str, str]:
    """Two VNets of the snapshot (rg/name) for reach and resolve: the first hub and a spoke."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    vnets = [r for r in data.get("resources", []) if str(r.get("type", "")).lower() == "microsoft.network/virtualnetworks"]
    hubs = [v for v in vnets if (v.get("properties") or {}).get("virtualNetworkPeerings")]
    a = (hubs or vnets)[0]["id"]
    b = next((v["id"] for v in vnets if v["id"] != a), a)
    return a, b


def drifted(path: str, out: str) -> dict[str, int]:
    """Write a drifted copy of the snapshot at ``path`` to ``out``: about 1% of the resources
    removed, 1% of the VNets moved to another region, 1% of the peering links Disconnected and 1% of
    the VNets with an extra address prefix, as a month of change might leave it. Returns the counts."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    counts = {"removed": 0, "relocated": 0, "disconnected": 0, "readdressed": 0}
    # A VNet the declarations name stays (without it the baseline would be an input error, exit 2).
    decl = data.get("declarations") or {}
    named = {str(e.get(k, "")).lower() for v in decl.values() if isinstance(v, list) for e in v if isinstance(e, dict)
             for k in ("vnet", "via")}  # fmt: skip
    kept = []
    for i, r in enumerate(data.get("resources", [])):
        if i % 100 == 37 and str(r.get("id", "")).lower() not in named:
            counts["removed"] += 1
            continue
        kept.append(r)
        if str(r.get("type", "")).lower() != "microsoft.network/virtualnetworks":
            continue
        props = r.get("properties") or {}
        if i % 100 == 11:
            r["location"] = "northeurope" if r.get("location") != "northeurope" else "westeurope"
            counts["relocated"] += 1
        if i % 100 == 23:
            space = props.setdefault("addressSpace", {}).setdefault("addressPrefixes", [])
            space.append(f"100.{64 + i % 64}.{i % 256}.0/24")
            counts["readdressed"] += 1
        for j, p in enumerate(props.get("virtualNetworkPeerings") or []):
            if (i + j) % 100 == 59:
                (p.setdefault("properties", {}))["peeringState"] = "Disconnected"
                counts["disconnected"] += 1
    data["resources"] = kept
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"))
    return counts


def commands(path: str, baseline: str | None = None) -> dict[str, list[str]]:
    a, b = _refs(path)
    est = ["--estate", path]
    cmds = {"overlaps-table": ["overlaps", *est], "overlaps-json": ["overlaps", *est, "--format", "json"]}
    for fmt in ("table", "json", "sarif", "junit", "markdown"):
        cmds[f"audit-{fmt}"] = ["audit", *est, "--format", fmt, "--fail-on", "none"]
    cmds.update({
        "graph-json": ["graph", *est, "--format", "json"],
        "resolve": ["resolve", *est, "--vnet", a, "app.privatelink.blob.core.windows.net"],
        "reach": ["reach", *est, b, a],
        "free": ["free", *est, "--size", "24"],
        "drift": ["drift", "--baseline", baseline or path, *est],
    })  # fmt: skip
    return cmds


def measure(path: str, args: argparse.Namespace, tmp: str, env: dict[str, str]) -> dict[str, Any]:
    """Every figure for one snapshot, printed as a table; returned for the growth table."""
    size = os.path.getsize(path)
    out = str(Path(tmp) / "out")
    only = set(args.only.split(",")) if args.only else None
    baseline = str(Path(tmp) / "drifted.json")
    changes = drifted(path, baseline) if not only or "drift" in only else {}

    def best(mode: str, cmd: list[str], file: str = path) -> dict[str, Any]:
        runs = [_run(mode, file, out, cmd, env) for _ in range(max(1, args.repeat))]
        r = min(runs, key=lambda x: x.get("seconds", x.get("analysis_s", 0)))
        r["out_bytes"] = os.path.getsize(out) if mode == "cli" and os.path.exists(out) else 0
        return r

    if args.instructions:
        return count(path, args, tmp, env, out, only, baseline, changes)
    base = best("json", [])
    print(f"snapshot {path}: {size / 2**20:.1f} MiB")
    print(f"baseline json.load (gc paused, cold process): {base['seconds']:.2f}s wall, {base['cpu']:.2f}s CPU, "
          f"peak {base['peak'] / 2**20:.0f} MiB")
    base2 = best("json", [], baseline) if changes else base
    if changes:
        print(f"drift baseline: {', '.join(f'{v} {k}' for k, v in changes.items())}; its json.load "
              f"{base2['seconds']:.2f}s wall, {base2['cpu']:.2f}s CPU")
    print(f"{'command':<16} {'seconds':>8} {'x json':>7} {'CPU s':>7} {'x json':>7} {'peak MiB':>9} {'x file':>7} "
          f"{'out MiB':>8} {'rc':>3}")  # fmt: skip
    worst_t = worst_c = worst_m = 0.0
    results: dict[str, dict[str, Any]] = {}
    for label, cmd in commands(path, baseline).items():
        if only and label not in only:
            continue
        r = results[label] = best("cli", cmd)
        rt, rc, rm = r["seconds"] / base["seconds"], r["cpu"] / base["cpu"], r["peak"] / size
        worst_t, worst_c, worst_m = max(worst_t, rt), max(worst_c, rc), max(worst_m, rm)
        print(f"{label:<16} {r['seconds']:8.2f} {rt:7.2f} {r['cpu']:7.2f} {rc:7.2f} {r['peak'] / 2**20:9.0f} {rm:7.2f} "
              f"{r['out_bytes'] / 2**20:8.2f} {r['rc']:>3}")  # fmt: skip
        if label == "drift":
            both_t, both_c = base["seconds"] + base2["seconds"], base["cpu"] + base2["cpu"]
            print(f"{'':<16} drift reads two files: {r['seconds'] / both_t:.2f}x json.load of both wall, "
                  f"{r['cpu'] / both_c:.2f}x CPU")
    if results:
        print(f"worst read command: {worst_t:.2f}x json.load wall, {worst_c:.2f}x CPU (target <= 4x); "
              f"peak {worst_m:.2f}x the file (target <= 3x)")
    if not only or "sweep" in only:
        s = best("sweep", [])
        same = s["sweep_pairs"] == s["analysis_pairs"]
        print(f"overlap analysis {s['analysis_s']:.3f}s vs plain integer sort-and-sweep {s['sweep_s']:.3f}s: "
              f"{s['analysis_s'] / s['sweep_s']:.1f}x (target <= 2x); pairs {s['analysis_pairs']} vs "
              f"{s['sweep_pairs']} ({'same' if same else 'DIFFERENT'})")  # fmt: skip
        if s["netaddr_s"] is None:
            print("netaddr is not installed: the sweep over its IPNetwork objects was skipped (pip install netaddr)")
        else:
            same = s["netaddr_pairs"] == s["analysis_pairs"]
            print(f"the same sweep over netaddr IPNetwork objects {s['netaddr_s']:.3f}s: the analysis is "
                  f"{s['netaddr_s'] / s['analysis_s']:.1f}x faster (target: ahead of netaddr); pairs "
                  f"{s['netaddr_pairs']} ({'same' if same else 'DIFFERENT'})")  # fmt: skip
    floor = min((_run("floor", path, out, [], env) for _ in range(3)), key=lambda r: r["cpu"]) if args.sizes else None
    return {"base": base, "results": results, "floor": floor, "size": size}


def count(
    path: str, args: argparse.Namespace, tmp: str, env: dict[str, str], out: str, only: set[str] | None,
    baseline: str, changes: dict[str, int],
) -> dict[str, Any]:
    """--instructions: each command's user-space instructions against json.load's (one run each:
    the count barely moves between runs, so no best-of). Kernel time (page faults: a third of
    json.load's CPU here) is not counted, which weighs against the commands, not for them."""
    base = _run("json", path, out, [], env, instructions=True)["instructions"]
    print(f"snapshot {path}: {os.path.getsize(path) / 2**20:.1f} MiB")
    print(f"baseline json.load (gc paused): {base / 1e6:,.0f}M instructions")
    base2 = _run("json", baseline, out, [], env, instructions=True)["instructions"] if changes else base
    print(f"{'command':<16} {'M instr':>9} {'x json':>7} {'rc':>3}")
    worst = 0.0
    results: dict[str, dict[str, Any]] = {}
    for label, cmd in commands(path, baseline).items():
        if only and label not in only:
            continue
        r = results[label] = _run("cli", path, out, cmd, env, instructions=True)
        ratio = r["instructions"] / base
        worst = max(worst, ratio)
        print(f"{label:<16} {r['instructions'] / 1e6:9,.0f} {ratio:7.2f} {r['rc']:>3}")
        if label == "drift":
            print(f"{'':<16} drift reads two files: {r['instructions'] / (base + base2):.2f}x json.load of both")
    if results:
        print(f"worst read command: {worst:.2f}x json.load's instructions (target <= 4x, in time)")
    return {"base": {"instructions": base}, "results": results, "floor": None, "size": os.path.getsize(path)}


def _n(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def growth(sizes: list[int], runs: list[dict[str, Any]]) -> None:
    """Time and output per VNet at each size, and how they grow from one size to the next against
    N log N (time) and N (output): a ratio of at most 1.0 is growth no worse than that."""
    floor = min(r["floor"]["cpu"] for r in runs)
    print(f"\ngrowth in N: CPU per VNet after the start-up floor ({floor:.2f}s CPU: interpreter, CLI and loader imports, best "
          "of 3), output bytes per VNet; '~' marks a command within 2x the floor at that size (the floor and the "
          "machine's noise dominate it: that step is left out of the worst growth)")
    head = " ".join(f"{n:>9}" for n in sizes)
    steps = list(itertools.pairwise(sizes))
    step_head = " ".join(f"{f'{_n(a)}>{_n(b)}':>9}" for a, b in steps)
    print(f"{'':<16} {'CPU us/VNet':^{10 * len(sizes)}} {'/ N log N':^{10 * len(steps)}} "
          f"{'out B/VNet':^{10 * len(sizes)}} {'/ N':^{10 * len(steps)}}")
    print(f"{'command':<16} {head} {step_head} {head} {step_head}")
    labels = ["json.load", *[k for k in runs[0]["results"] if all(k in r["results"] for r in runs)]]
    worst_t = worst_o = 0.0
    for label in labels:
        rows = [r["base"] if label == "json.load" else r["results"][label] for r in runs]
        cpu = [max(row["cpu"] - (0 if label == "json.load" else floor), 1e-6) for row in rows]
        noisy = [label != "json.load" and row["cpu"] < 2 * floor for row in rows]
        outs = [row.get("out_bytes", 0) for row in rows]
        per = " ".join(f"{('~' if q else '') + f'{c / n * 1e6:.1f}':>9}" for c, n, q in zip(cpu, sizes, noisy, strict=True))
        t_steps = [(cpu[i + 1] / cpu[i]) / ((b * math.log(b)) / (a * math.log(a))) for i, (a, b) in enumerate(steps)]
        o_steps = [(outs[i + 1] / outs[i]) / (b / a) if outs[i] else 0.0 for i, (a, b) in enumerate(steps)]
        if label != "json.load":
            worst_t = max(worst_t, *(t for i, t in enumerate(t_steps) if not (noisy[i] or noisy[i + 1])), 0.0)
            worst_o = max(worst_o, *o_steps)
        print(f"{label:<16} {per} {' '.join(f'{t:9.2f}' for t in t_steps)} "
              f"{' '.join(f'{o / n:9.0f}' for o, n in zip(outs, sizes, strict=True))} "
              f"{' '.join(f'{o:9.2f}' for o in o_steps)}")
    print(f"worst growth: CPU {worst_t:.2f}x of N log N (target <= 1), output {worst_o:.2f}x of N (linear: about 1)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--snapshot", help="benchmark this snapshot file (any generator's)")
    ap.add_argument("--vnets", type=int, default=10_000, help="synthetic estate size when no --snapshot")
    ap.add_argument("--sizes", help="synthetic sizes, comma-separated (e.g. 1000,10000,50000): every figure at "
                                    "each size, then the growth table")  # fmt: skip
    ap.add_argument("--default-share", type=float, default=0.2, help="synthetic: share of VNets on 10.0.0.0/16")
    ap.add_argument("--prefixes-per-vnet", type=int, default=10,
                    help="synthetic: average address prefixes per VNet (4 keeps 50k VNets within 10/8 + 172.16/12)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", help="comma-separated command labels to run")
    ap.add_argument("--repeat", type=int, default=1, help="runs per figure; the best is reported")
    ap.add_argument("--instructions", action="store_true",
                    help="count each command's instructions under valgrind (cachegrind) instead of timing it: a "
                         "figure that does not move with the machine's load; about 50x slower")  # fmt: skip
    args = ap.parse_args()
    if args.instructions and (args.sizes or shutil.which("valgrind") is None):
        ap.error("--instructions needs valgrind on PATH and one snapshot size (not --sizes)")
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(tmp)
        # Fill the pyc cache: the whole parser imports every command's module.
        subprocess.run([sys.executable, "-c", "import vnetplan.cli; vnetplan.cli.build_parser()"], cwd=ROOT, env=env, check=True)
        if args.snapshot:
            measure(args.snapshot, args, tmp, env)
            return
        sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else [args.vnets]
        runs = []
        for n in sizes:
            path = str(Path(tmp) / f"synth-{n}.json")
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "bench.synth", "--vnets", str(n), "--seed", str(args.seed),
                            "--default-share", str(args.default_share), "--prefixes-per-vnet", str(args.prefixes_per_vnet),
                            "--out", path], cwd=ROOT, check=True)  # fmt: skip
            print(f"\ngenerated {n} VNets ({args.default_share:.0%} on 10.0.0.0/16) in {time.perf_counter() - t0:.0f}s; "
                  f"load average {os.getloadavg()[0]:.1f}")
            runs.append(measure(path, args, tmp, env))
            os.remove(path)
        if len(sizes) > 1:
            growth(sizes, runs)


if __name__ == "__main__":
    main()
