"""``vnetplan routes``: the effective routes of a subnet or NIC, like the portal's "Effective routes".

Exit 0 the table is complete; 1 part of it is unknown (a route table the subnet references is not
in the snapshot: the reason is on stderr and in the JSON); 2 the question cannot be asked.
"""

from __future__ import annotations

import argparse
import sys

from netplan.errors import ExitCode
from netplan.ids import short_id
from vnetplan.commands._common import add_estate_args, add_format_arg, emit, emit_json, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "routes",
        help="effective routes of a subnet or NIC (system, peering, gateway, private endpoint and user routes)",
        description=(
            "Print the route table Azure applies to traffic leaving SUBNET (VNET/SUBNET with any VNet reference, "
            "or the subnet's ID) or a NIC (its ID or unique name): system routes, one per Connected peering, "
            "private endpoint /32 routes, gateway routes to declared on-prem prefixes (unless the route table "
            "disables BGP propagation) and user-defined routes; longest prefix wins, on equal prefixes user > "
            "gateway > system and the losers are Invalid. --format json prints Azure's effective route table "
            "shape ({\"value\": [...]}, as `az network nic show-effective-route-table`). Exit 0 complete, "
            "1 partly unknown, 2 error."
        ),
    )
    add_estate_args(p)
    add_format_arg(p)
    p.add_argument("subnet", metavar="SUBNET|NIC", help="VNET/SUBNET, a subnet ID, or a NIC ID or name")
    p.set_defaults(func=run)


def render_table(title: str, rows: list[list[str]]) -> str:
    head = ["Source", "State", "Address prefixes", "Next hop type", "Next hop IP address"]
    widths = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(len(head))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from netplan.routes import effective_routes, resolve_subnet_or_nic, routes_text

    estate = load(args)
    subnet, nic = resolve_subnet_or_nic(estate, args.subnet)
    table = effective_routes(estate, subnet)
    for reason in table.unknown:
        print(f"vnetplan: warning: {reason}", file=sys.stderr)
    if args.format == "json":
        data = table.to_dict()
        if table.unknown:
            data["unknown"] = list(table.unknown)
        emit_json(data)
    else:
        title = f"Effective routes of {short_id(subnet.id)}" + (f" (NIC {short_id(nic)})" if nic else "")
        if table.route_table_id:
            title += f", route table {short_id(table.route_table_id)}"
        emit(render_table(title, routes_text(table.routes)))
    return int(ExitCode.PROBLEMS if table.unknown else ExitCode.OK)
