"""Benchmark: the TUI on a 10,000-VNet synthetic estate against the clean sample, in one run.

    python bench/bench_tui.py [--vnets 10000] [--seed 1] [--presses 40]

For each estate (samples/clean-estate.json, then ``bench.synth.generate(VNETS)``) it measures,
with Textual's pilot in a headless terminal of 160x48 and the app built by the same factory the
CLI uses:

- load: reading the snapshot into an Estate (what ``vnetplan tui`` does before the UI starts);
- first screen: from ``run_test()`` start until Textual's Ready event (tree and tabs drawn);
- analyses: until every start-up worker (badges + overlaps, graph, audit, DNS matrix) finished;
- keypress latency: cursor moves through filtered VNets (each one re-renders the details pane),
  while the analyses still run and after they finished, and typing into the filter (each
  keystroke re-filters the whole tree); median and worst, as press + pause until idle.

- select the biggest hub: the filter narrowed to the VNet with the most peerings, then Enter until
  its Details (every table bounded, 200 rows at most) are drawn; and its Details tab shown;
- who owns: the last keystroke of an IP address in the filter (the "who owns" answer from the
  estate's address indexes) until the tree is redrawn.

Baselines measured in the same run: the clean sample (the ratio 10k / clean), and ``json.load`` of
the 10k snapshot with the collector paused, cold (the floor any reader stands on). Issue 16's
targets on the 10k estate: first screen under 1 s, keypress latency under 50 ms median and under
200 ms p99 over the whole walk (the biggest hub included); the script prints each measure against
them. No assertion: a benchmark reports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netplan.estate import Estate, load_estate
from tui.app import TuiOptions, create_app

ROOT = Path(__file__).resolve().parents[1]
SIZE = (160, 48)


async def _latency(pilot: Any, keys: list[str]) -> list[float]:
    out = []
    for key in keys:
        t = time.perf_counter()
        await pilot.press(key)
        await pilot.pause()
        out.append(time.perf_counter() - t)
    return out


def biggest_hub(estate: Estate) -> Any:
    return max(estate.vnets, key=lambda v: (len(v.peerings), v.name))


def owned_address(estate: Estate) -> str:
    """An address some resource holds (the first private endpoint's, else an LB frontend's)."""
    for pe in estate.private_endpoints:
        ips = estate.endpoint_ips(pe)
        if ips:
            return str(ips[0])
    fe = next(f for lb in estate.load_balancers for f in lb.frontends if f.private_ip is not None)
    return str(fe.private_ip)


async def _timed(pilot: Any, *keys: str) -> float:
    t = time.perf_counter()
    await pilot.press(*keys)
    await pilot.pause()
    return time.perf_counter() - t


async def measure(estate: Estate, presses: int, filter_text: str) -> dict[str, float]:
    from textual import events

    app = create_app(estate, TuiOptions(source="bench"))
    figures: dict[str, float] = {}
    ready: list[float] = []

    def hook(message: object) -> None:
        # Ready: the first screen has been composed and drawn (the analyses start after it).
        if isinstance(message, events.Ready) and not ready:
            ready.append(time.perf_counter())

    t0 = time.perf_counter()
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await pilot.pause()
        figures["first_screen_s"] = (ready[0] if ready else time.perf_counter()) - t0
        # Cursor moves through filtered VNets while the start-up analyses are still running.
        await pilot.press("slash", *filter_text, "enter")
        during = await _latency(pilot, ["down"] * presses)
        await app.workers.wait_for_complete()
        figures["analyses_s"] = time.perf_counter() - t0
        await pilot.pause()
        after = await _latency(pilot, ["up"] * presses)
        await pilot.press("slash", *["backspace"] * 20)
        typing = await _latency(pilot, list("vnet-0"))
        # The biggest hub: filter to its name, Enter selects it and draws its Details.
        hub = biggest_hub(estate)
        await pilot.press(*["backspace"] * 20, *hub.name)
        await pilot.pause()
        figures["hub_peerings"] = float(len(hub.peerings))
        figures["select_hub_ms"] = await _timed(pilot, "enter") * 1000
        figures["hub_details_tab_ms"] = await _timed(pilot, "2") * 1000
        # Who owns an address: the keystroke that completes it.
        addr = owned_address(estate)
        await pilot.press("slash", *["backspace"] * 40, *addr[:-1])
        await pilot.pause()
        figures["who_owns_key_ms"] = await _timed(pilot, addr[-1]) * 1000
    # The whole scripted walk: cursor moves during and after the analyses, filter keystrokes,
    # selecting the biggest hub and showing its Details tab.
    walk = [*during, *after, *typing, figures["select_hub_ms"] / 1000, figures["hub_details_tab_ms"] / 1000]
    figures["walk_keys"] = float(len(walk))
    figures["walk_median_ms"] = statistics.median(walk) * 1000
    figures["walk_p99_ms"] = statistics.quantiles(walk, n=100, method="inclusive")[98] * 1000
    figures["key_during_median_ms"] = statistics.median(during) * 1000
    figures["key_during_max_ms"] = max(during) * 1000
    figures["key_after_median_ms"] = statistics.median(after) * 1000
    figures["key_after_max_ms"] = max(after) * 1000
    figures["filter_key_median_ms"] = statistics.median(typing) * 1000
    figures["filter_key_max_ms"] = max(typing) * 1000
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vnets", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--presses", type=int, default=40)
    args = ap.parse_args(argv)

    from bench.synth import generate

    results: dict[str, dict[str, float]] = {}
    # Warm-up: the first app in a process pays for Textual's lazy imports and CSS parsing.
    asyncio.run(measure(load_estate([ROOT / "samples" / "clean-estate.json"]), 2, "vnet"))
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "synth.json"
        big.write_text(json.dumps(generate(args.vnets, args.seed)))
        for label, path, needle in (
            ("clean", ROOT / "samples" / "clean-estate.json", "vnet"),
            (f"synth-{args.vnets}", big, "spoke"),
        ):
            t = time.perf_counter()
            estate = load_estate([path])
            load_s = time.perf_counter() - t
            figures = {"vnets": float(len(estate.vnets)), "load_s": load_s}
            figures.update(asyncio.run(measure(estate, args.presses, needle)))
            results[label] = figures

            if label != "clean":
                json_s = json_load_cold(path)

    base, big_label = results["clean"], f"synth-{args.vnets}"
    big = results[big_label]
    keys = list(base)
    print(f"json.load of the {big_label} snapshot, collector paused, cold: {json_s:.3f} s")
    print(f"{'measure':<24}{'clean':>14}{big_label:>16}{'ratio':>10}{'/json.load':>12}")
    for k in keys:
        a, b = base[k], big[k]
        ratio = f"{b / a:.1f}x" if a else "-"
        secs = b if k.endswith("_s") else b / 1000 if k.endswith("_ms") else None
        vs_json = f"{secs / json_s:.2f}x" if secs is not None else ""
        fmt = "{:>14.0f}" if k in ("vnets", "hub_peerings", "walk_keys") else "{:>14.3f}"
        print(f"{k:<24}{fmt.format(a)}{fmt.format(b):>16}{ratio:>10}{vs_json:>12}")
    keys_ms = [big[k] for k in ("key_during_median_ms", "key_after_median_ms", "filter_key_median_ms")]
    print(f"\nissue 16 targets on {big_label}:")
    print(f"  first screen {big['first_screen_s']:.2f} s (target < 1 s): "
          f"{'met' if big['first_screen_s'] < 1 else 'NOT met'}")
    print(f"  keypress median, worst of cursor/filter {max(keys_ms):.0f} ms (target < 50 ms): "
          f"{'met' if max(keys_ms) < 50 else 'NOT met'}")
    print(f"  keypress over the walk ({big['walk_keys']:.0f} keys, biggest hub included): median "
          f"{big['walk_median_ms']:.0f} ms (target < 50 ms: {'met' if big['walk_median_ms'] < 50 else 'NOT met'}), "
          f"p99 {big['walk_p99_ms']:.0f} ms (target < 200 ms: {'met' if big['walk_p99_ms'] < 200 else 'NOT met'})")
    print(f"  select the biggest hub ({big['hub_peerings']:.0f} peerings) {big['select_hub_ms']:.0f} ms, "
          f"who owns an address {big['who_owns_key_ms']:.0f} ms")
    return 0


def json_load_cold(path: Path) -> float:
    """``json.load`` of the file in a fresh process with the collector paused (the baseline)."""
    code = ("import gc, json, sys, time\ngc.disable()\nt = time.perf_counter()\n"
            "with open(sys.argv[1], 'rb') as f:\n    json.load(f)\nprint(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


if __name__ == "__main__":
    raise SystemExit(main())
