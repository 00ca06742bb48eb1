"""CLI: ``python -m tests.emulator --estate FILE --port PORT --state-dir DIR``.

Prints exactly one JSON line ``{"url": "https://127.0.0.1:PORT", "ca": "/path/to/ca.pem"}`` on
stdout when ready, then serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from types import FrameType

from .faults import FaultConfig
from .server import Emulator


def main(argv: list[str] | None = None) -> int:
    """Run the emulator until a signal arrives."""
    ap = argparse.ArgumentParser(
        prog="python -m tests.emulator", description="ARM emulator for vnetplan tests"
    )
    ap.add_argument("--estate", help="snapshot JSON file to seed the state from")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = pick a free port)")
    ap.add_argument(
        "--state-dir", help="persist state to DIR/state.json after each write (reloaded on start)"
    )
    ap.add_argument("--faults", help="JSON object of FaultConfig fields, e.g. '{\"page_size\": 5}'")
    ap.add_argument("--subscription", action="append", default=[], help="extra subscription id (repeatable)")
    ap.add_argument("--verbose", action="store_true", help="log request lines (never headers) to stderr")
    args = ap.parse_args(argv)
    faults = FaultConfig.from_dict(json.loads(args.faults)) if args.faults else None
    emu = Emulator(
        args.estate,
        state_dir=args.state_dir,
        faults=faults,
        port=args.port,
        subscriptions=args.subscription,
        verbose=args.verbose,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emu.start()
    try:
        sys.stdout.write(json.dumps({"url": emu.url, "ca": emu.ca_path}) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
