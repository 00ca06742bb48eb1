"""``vnetplan inventory``: read the estate from Azure and save it as a snapshot."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from netplan.errors import ExitCode, InputError, UsageError, VnetplanError
from netplan.estate import Estate
from netplan.live.credentials import acquire
from netplan.live.inventory import InventoryOptions, take_inventory
from netplan.live.resourcegraph import take_inventory_graph
from netplan.loader import (
    merge_declarations,
    parse_declarations,
    parse_snapshots,
    read_declarations_data,
    snapshot_from_data,
)
from netplan.render import table
from vnetplan.commands._common import add_credential_arg, add_verbose_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "inventory",
        help="read VNets, LBs, Private Link, endpoints and Private DNS from Azure into a snapshot",
        description=(
            "Read the estate from Azure with the Azure SDK (only GET requests) and write the snapshot "
            "format the other commands read. Credentials: --credential (default auto: VNETPLAN_ACCESS_TOKEN "
            "if set, a bearer token never printed, else DefaultAzureCredential: environment, workload "
            "identity, managed identity, Azure CLI login). Exit 0 done, 2 when a subscription or "
            "resource kind could not be read (unless --allow-partial)."
        ),
    )
    p.add_argument("--source", choices=("arm", "resource-graph"), default="arm",
                   help="arm: list each kind per subscription (default); resource-graph: one paged Azure Resource "
                        "Graph query for every subscription, ARM only for what Resource Graph does not hold "
                        "(record sets, zone groups, forwarding rules and ruleset links); rows carry no etag")  # fmt: skip
    p.add_argument("--subscription", action="append", default=[], metavar="ID",
                   help="subscription to read; repeat; default: every subscription the credential can list")
    p.add_argument("--management-group", action="append", default=[], metavar="NAME",
                   help="with --source resource-graph: read every subscription under this management group; repeat")
    p.add_argument("--resource-group", action="append", default=[], metavar="NAME", help="only these resource groups")
    p.add_argument("--out", metavar="FILE",
                   help="write the snapshot here (default: stdout); the declarations of the snapshot already "
                        "there are kept unless --declarations is given")  # fmt: skip
    p.add_argument("--declarations", action="append", default=[], metavar="FILE",
                   help="declarations to carry into the snapshot (what no Azure API shows: on-prem prefixes, "
                        "forwarding hubs, DNS forwarders, public DNS answers): a declarations file or a snapshot "
                        "whose 'declarations' key is taken; repeat to merge")  # fmt: skip
    p.add_argument("--endpoint", metavar="URL", help="ARM base URL (sovereign clouds, the test emulator)")
    p.add_argument("--ca-bundle", metavar="FILE", help="CA bundle to trust for --endpoint")
    p.add_argument("--concurrency", type=int, default=32, metavar="N", help="parallel requests (default 32)")
    p.add_argument("--allow-partial", action="store_true",
                   help="write a snapshot even if some subscription/kind failed; it records what is missing")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary on stderr")
    add_credential_arg(p)
    add_verbose_arg(p)
    p.set_defaults(func=run)


def write_atomically(path: str, text: str) -> None:
    """Write a file so that a crash never leaves it half-written."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:

    if args.concurrency < 1:

        raise UsageError("--concurrency must be at least 1")
    opts = InventoryOptions(
        subscriptions=tuple(args.subscription),
        resource_groups=tuple(args.resource_group),
        endpoint=args.endpoint,
        ca_bundle=args.ca_bundle,
        concurrency=args.concurrency,
        allow_partial=args.allow_partial,
    )
    if args.management_group and args.source != "resource-graph":

        raise UsageError("--management-group needs --source resource-graph")
    declarations, carried_from = _declarations(args)
    # One token before any work: a missing credential is one line, not one per subscription.
    credential = acquire(args.credential, args.endpoint)
    if args.source == "resource-graph":

        result, _stats = take_inventory_graph(
            credential, opts, management_groups=tuple(args.management_group),
            progress=sys.stderr, show_progress=not args.quiet,
        )  # fmt: skip
    else:
        result = take_inventory(credential, opts, progress=sys.stderr, show_progress=not args.quiet)
    snapshot = result.snapshot
    if declarations:
        snapshot = {**snapshot, "declarations": declarations}
        _check_declarations(snapshot, carried_from)
    text = json.dumps(snapshot, indent=1, ensure_ascii=False) + "\n"
    if args.out:
        write_atomically(args.out, text)
    else:
        sys.stdout.write(text)
    if not args.quiet:
        kinds = sorted({k for c in result.counts.values() for k in c})
        rows = [[_sub_label(sub, result.names), *(result.counts[sub].get(k, 0) for k in kinds)]
                for sub in sorted(result.counts)]  # fmt: skip
        print(table(["subscription", *kinds], rows), file=sys.stderr)
        print(f"read {len(result.snapshot['resources'])} resources in {result.seconds:.1f}s", file=sys.stderr)
        for f in result.failures:
            print(f"vnetplan: warning: not read: {f['kind']} in {f['scope']}: {f['reason']}", file=sys.stderr)
        if declarations:
            print(f"declarations carried into the snapshot from {', '.join(carried_from)}", file=sys.stderr)
    if result.names_unread:
        # Not a gap in the estate (no analysis depends on a name), but said even with --quiet.
        print(f"vnetplan: warning: not read: the subscription list (display names): {result.names_unread}; "
              "subscriptions are shown by ID", file=sys.stderr)  # fmt: skip
    return int(ExitCode.OK)


def _sub_label(sub: str, names: dict[str, str]) -> str:
    name = names.get(sub.lower())
    return f"{name} ({sub})" if name else sub


def _declarations(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    """The declarations to write into the snapshot, and the files they come from: --declarations
    (files or snapshots), else those of the snapshot already at --out. Checked before Azure is read."""

    files = list(args.declarations)
    if not files and args.out and Path(args.out).is_file():
        try:
            data, _ = read_declarations_data(args.out)
        except VnetplanError:
            data = None  # not a snapshot we can read: it is about to be replaced anyway
        if data:
            files = [args.out]
    raw = []
    for f in files:
        data, lines = read_declarations_data(f)
        parse_declarations(f, data, lines)  # the file and the place in it, one line, exit 2
        raw.append(data)
    return merge_declarations(raw), files


def _check_declarations(snapshot: dict[str, Any], sources: list[str]) -> None:
    """The declarations must resolve against what was read (a VNet they name must be in it)."""

    parsed = parse_snapshots([snapshot_from_data(snapshot, "<inventory>")])
    try:
        Estate.build(parsed, [parse_declarations(f, d) for f, d in parsed.declarations])
    except VnetplanError as exc:
        raise InputError(", ".join(sources), "", f"declarations do not fit the inventoried estate: {exc}") from None
