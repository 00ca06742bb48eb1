"""``vnetplan tui``: open the terminal UI on a snapshot (by default the bundled sample estate).

The estate is loaded here, before the terminal is taken over, so that a missing or malformed
file fails like every other command: one line on stderr, exit 2. The UI itself is the ``tui``
package, imported inside :func:`run`: the other commands must not pay for loading Textual (a
deliberate deferred import; ``tests/unit/test_import_hygiene.py`` proves the offline commands never
load it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import netplan
from netplan.errors import UsageError
from netplan.intent import load_intent
from vnetplan.commands._common import add_credential_arg, add_estate_args, load


def default_estate_path() -> Path:
    """samples/mendix-estate.json next to the installed package (not relative to the cwd)."""

    return Path(netplan.__file__).resolve().parents[1] / "samples" / "mendix-estate.json"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "tui", help="explore the estate in the terminal UI (default: the bundled sample estate)",
        description="Open the terminal UI: estate tree with problem badges, VNet details, topology, "
                    "simulated DNS answers and the app-domain matrix, overlaps, audit findings, and planning a connection (recommendation, changes, what-if, apply after a confirmation naming the subscriptions, then verification on a fresh inventory). Credentials for apply as for inventory (--credential; default VNETPLAN_ACCESS_TOKEN or DefaultAzureCredential). Exit 0 on quit, 2 when the estate, intent or CA bundle cannot be read.",
    )  # fmt: skip
    add_estate_args(p, required=False)
    p.add_argument(
        "--intent", metavar="FILE", help="intent YAML: the provider and the declared connections (Plan tab)"
    )
    p.add_argument("--app-domain", default=None, metavar="DOMAIN",
                   help="app domain for the DNS matrix (default azure.mendixapps.io)")  # fmt: skip
    p.add_argument("--theme", choices=("dark", "light"), default="dark", help="colour theme (default dark)")
    p.add_argument("--endpoint", metavar="URL",
                   help="ARM base URL for apply and the re-inventory after it (sovereign clouds, the test emulator)")  # fmt: skip
    p.add_argument("--ca-bundle", metavar="FILE", help="CA bundle to trust for --endpoint")
    add_credential_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.estate:
        sample = default_estate_path()
        if not sample.is_file():
            raise UsageError(
                f"the bundled sample estate {sample} is missing; open a snapshot with --estate FILE"
            )
        args.estate = [str(sample)]
        # The bundled estate comes with its intent, so the Plan tab works out of the box.
        sample_intent = sample.with_name("mendix-intent.yaml")
        if args.intent is None and sample_intent.is_file():
            args.intent = str(sample_intent)
    if args.ca_bundle and not args.endpoint:
        raise UsageError("--ca-bundle is for --endpoint; give the ARM endpoint it belongs to")
    if args.endpoint and not args.endpoint.startswith("https://"):
        # The bearer token goes with every request: never over plain HTTP.
        raise UsageError(f"--endpoint must be an https:// URL, not {args.endpoint!r}")
    estate = load(args)
    intent = None
    if args.intent:

        intent = load_intent(args.intent, estate)
    # Deferred: Textual loads only for this command (see the module docstring).
    from tui import app as tui_app

    options = tui_app.TuiOptions(
        source=", ".join(args.estate),
        app_domain=args.app_domain
        or (intent.provider.app_domain if intent is not None else tui_app.DEFAULT_APP_DOMAIN),
        intent=intent,
        theme="textual-light" if args.theme == "light" else "textual-dark",
        endpoint=args.endpoint,
        ca_bundle=args.ca_bundle,
        # R reads the same files again, through the same loader (errors as one line).
        reload=lambda: load(args),
        credential=args.credential,
    )
    app = tui_app.create_app(estate, options)
    app.run()
    return int(app.return_code or 0)
