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

Prints the figures and the ratio 10k / clean for each. No thresholds: a benchmark reports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netplan.estate import Estate
from netplan.loader import load_estate
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

    base, big_label = results["clean"], f"synth-{args.vnets}"
    keys = list(base)
    print(f"{'measure':<24}{'clean':>14}{big_label:>16}{'ratio':>10}")
    for k in keys:
        a, b = base[k], results[big_label][k]
        ratio = f"{b / a:.1f}x" if a else "-"
        fmt = "{:>14.0f}" if k == "vnets" else "{:>14.3f}"
        print(f"{k:<24}{fmt.format(a)}{fmt.format(b):>16}{ratio:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
