"""The emulated tenant the inventory benchmarks run against: one home for its set-up.

:func:`estate` is a tenant of ``subs`` subscriptions x ``vnets`` VNets (one subnet each, no
peerings); :func:`emulator` serves it from the ARM emulator (``tests.emulator``) in its own process,
as Azure would be (in-process it would compete with the client for the GIL and measure Python
scheduling rather than the inventory), with ``latency_ms`` added to every request and pages of
100; :func:`control` talks to the emulator's ``/_emulator`` endpoints (reset, request counts).
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


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


@contextmanager
def emulator(subs: int, vnets: int, latency_ms: float) -> Iterator[tuple[str, str]]:
    """The emulator serving :func:`estate`, as ``(url, CA bundle path)``; stopped on exit."""
    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed.json"
        seed.write_text(json.dumps(estate(subs, vnets)))
        faults = json.dumps({"latency_ms": latency_ms, "page_size": 100})
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.emulator", "--estate", str(seed), "--port", "0", "--faults", faults],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            ready = json.loads(proc.stdout.readline())
            yield ready["url"], ready["ca"]
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def control(url: str, ca: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET (or POST ``body`` to) one of the emulator's ``/_emulator/...`` endpoints."""
    ctx = ssl.create_default_context(cafile=ca)
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method="POST" if data else "GET",
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(req, context=ctx) as resp:
        out: dict[str, Any] = json.loads(resp.read() or b"{}")
        return out
