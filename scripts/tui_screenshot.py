"""The README's screenshot: the bundled sample's Home screen, as `vnetplan tui` opens it.

    python scripts/tui_screenshot.py [--size 120x36] [--out docs/tui-home]

Opens the app through the same factory as the CLI on samples/mendix-estate.json with its intent,
in a headless terminal of the given size, waits until every start-up analysis has reported, and
saves Textual's screenshot as OUT.svg; then OUT.png with ``rsvg-convert`` (Debian package
``librsvg2-bin``) when it is installed. A development tool: no test depends on it.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from netplan.estate import load_estate  # noqa: E402
from netplan.intent import load_intent  # noqa: E402
from tests.tui.snapshot_app import ready  # noqa: E402
from tui.app import TuiOptions, create_app  # noqa: E402


async def shoot(size: tuple[int, int], out: Path) -> Path:
    sample = ROOT / "samples" / "mendix-estate.json"
    estate = load_estate([sample])
    intent = load_intent(str(sample.with_name("mendix-intent.yaml")), estate)
    app = create_app(estate, TuiOptions(source="samples/mendix-estate.json", intent=intent,
                                        app_domain=intent.provider.app_domain))  # fmt: skip
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        svg = out.with_suffix(".svg")
        app.save_screenshot(filename=svg.name, path=str(svg.parent))
    return svg


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="120x36", help="terminal COLUMNSxROWS (default 120x36)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "tui-home"), help="output path without suffix")
    args = ap.parse_args()
    cols, rows = (int(x) for x in args.size.lower().split("x"))
    svg = asyncio.run(shoot((cols, rows), Path(args.out)))
    print(f"wrote {svg}")
    if shutil.which("rsvg-convert"):
        png = svg.with_suffix(".png")
        subprocess.run(["rsvg-convert", "--zoom", "1.5", str(svg), "-o", str(png)], check=True)
        print(f"wrote {png}")
    else:
        print("rsvg-convert not found (apt-get install librsvg2-bin): no PNG", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
