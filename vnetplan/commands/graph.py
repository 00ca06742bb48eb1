"""``vnetplan graph``: draw the estate (Graphviz dot, Mermaid) or dump its graph (node-link JSON).

Exit 0 when the diagram is written; 2 for bad input or an unknown/ambiguous ``--vnet``.
"""

from __future__ import annotations

import argparse
import gc

from netplan.errors import ExitCode, UsageError
from netplan.graph import (
    build_graph,
    neighbourhood,
    node_link_stream,
    to_dot,
    to_mermaid,
    to_node_link,
    vnets_overlapping,
)
from vnetplan.commands._common import add_estate_args, add_pretty_arg, emit, emit_json, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "graph",
        help="diagram of VNets and peerings (dot, mermaid) or the estate graph as JSON",
        description=(
            "Draw VNets (name and prefixes, grouped by subscription and region) and their peerings "
            "(Connected solid, Initiated dashed, Disconnected red; sync problems, disabled access, gateway "
            "transit and global peering in the label); overlapping VNets are filled red. With --vnet, only "
            "the VNets within --depth peerings of it, with their load balancer frontends, private endpoints "
            "and the services behind them, gateways, DNS zones and on-prem networks. JSON (node-link) "
            "always includes those resources. Exit 0 written, 2 error."
        ),
    )
    add_estate_args(p)
    p.add_argument("--format", choices=("dot", "mermaid", "json"), default="dot", help="output format (default dot)")
    add_pretty_arg(p)
    p.add_argument("--vnet", metavar="REF", help="draw only the neighbourhood of this VNet")
    p.add_argument("--depth", type=int, default=1, metavar="N", help="peering hops around --vnet (default 1)")
    p.add_argument("--resources", action="store_true",
                   help="also draw LB frontends, private endpoints, services, gateways and zones for the whole estate")  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:

    if args.depth < 0:
        raise UsageError("--depth must be 0 or more")
    estate = load(args)
    center = estate.resolve_vnet(args.vnet) if args.vnet else None
    overlapping = vnets_overlapping(estate)
    resources = bool(args.resources or center is not None or args.format == "json")
    if args.format == "json" and center is None:
        # The node-link JSON of the whole estate needs no graph: each item made as it is written.
        # Nothing it makes holds a reference cycle, and the collector's passes over what it keeps
        # while writing (which nodes and edges there are) cost a fifth of the run at 10k VNets:
        # paused for it, as the loader and the audit rules pause it.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            emit_json(node_link_stream(estate, overlapping), pretty=args.pretty)
        finally:
            if was_enabled:
                gc.enable()
        return int(ExitCode.OK)
    g = build_graph(estate, overlapping=overlapping, resources=resources)
    title = "vnetplan"
    if center is not None:
        g = neighbourhood(g, center.key, args.depth)
        title = f"vnetplan: {center.name} +{args.depth}"
    if args.format == "dot":
        emit(to_dot(g, title))
    elif args.format == "mermaid":
        emit(to_mermaid(g))
    else:
        emit_json(to_node_link(g), pretty=args.pretty)
    return int(ExitCode.OK)
