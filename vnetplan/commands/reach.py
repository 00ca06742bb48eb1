"""``vnetplan reach``: can traffic from a VNet get to a VNet, an address or an on-prem network?

Exit 0 reachable; 1 not reachable, or cannot be determined (``"reachable": null``, with the
reason); 2 the question cannot be asked (bad file, unknown or ambiguous VNet reference).
"""

from __future__ import annotations

import argparse

from netplan.errors import ExitCode
from netplan.ids import short_id
from netplan.render import paint, use_color
from vnetplan.commands._common import add_estate_args, add_format_arg, emit, emit_json, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reach",
        help="can traffic from a VNet reach a VNet or an IP address? (peering state, flags, hubs, gateways)",
        description=(
            "Decide whether traffic from SOURCE (a VNet: full ID, resourceGroup/name or a unique name) reaches "
            "TARGET (a VNet reference, an IP address, or the ID of an LB frontend, private endpoint or NIC), "
            "following peering state (both links Connected), allowVirtualNetworkAccess, non-transitivity, "
            "declared forwarding hubs, gateway transit, peering sync and Basic load balancers across global "
            "peering. Exit 0 reachable, 1 not reachable or cannot be determined, 2 error."
        ),
    )
    add_estate_args(p)
    add_format_arg(p)
    p.add_argument("source", metavar="SOURCE", help="the VNet traffic starts in")
    p.add_argument("target", metavar="TARGET", help="a VNet, an IP address, or a frontend/endpoint/NIC ID")
    p.set_defaults(func=run)


_VERDICT = {True: ("REACHABLE", "green"), False: ("NOT REACHABLE", "red"), None: ("UNKNOWN", "yellow")}


def render_table(verdict: object, color: bool = False) -> str:
    """The human-readable answer: verdict, what the target is, the path, and why."""
    from netplan.reach import Verdict

    assert isinstance(verdict, Verdict)
    t = verdict.target
    word, hue = _VERDICT[verdict.reachable]
    what = t.input
    if t.kind != "vnet":
        kind = "not in the snapshot" if t.kind == "outside" else t.kind
        held = f"{kind} {short_id(t.resource)}" if t.resource else kind
        where = f" in {short_id(t.vnet)}" if t.vnet else ""
        sub = f" (subnet {t.subnet.rsplit('/', 1)[-1]})" if t.subnet else ""
        what = f"{t.input}: {held}{where}{sub}"
    lines = [
        f"{paint(word, hue, color)}  {short_id(verdict.source)} -> {what}",
    ]
    if verdict.path:
        lines.append("path: " + " -> ".join(short_id(p) if p.startswith("/") else p for p in verdict.path))
    for r in verdict.reasons:
        lines.append(f"  - [{r.code}] {r.message}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from netplan.reach import reach

    estate = load(args)
    verdict = reach(estate, args.source, args.target)
    if args.format == "json":
        emit_json(verdict.to_dict(), pretty=args.pretty)
    else:
        emit(render_table(verdict, color=use_color()))
    return int(ExitCode.OK if verdict.reachable else ExitCode.PROBLEMS)
