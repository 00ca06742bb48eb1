"""``vnetplan resolve``: what a VM in a VNet gets back for a name from Azure DNS, and why.

Exit 0 when the answer is NOERROR with an address; 1 for NXDOMAIN, PUBLIC, UNKNOWN, and for
NOERROR without an address of the asked type (NODATA: nothing to connect to); 2 for bad input.
"""

from __future__ import annotations

import argparse

from netplan.commands._common import add_estate_args, add_format_arg, emit, emit_json, load
from netplan.errors import ExitCode


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "resolve",
        help="simulate Azure Private DNS: the answer a VM in a VNet gets for a name, and why",
        description=(
            "Simulate Azure-provided DNS (168.63.129.16) for a VM in VNET: linked Private DNS zones "
            "(most specific wins, authoritative), wildcards, CNAME chains including the privatelink "
            "alias of Azure services, NxDomainRedirect, custom DNS servers, DNS private resolvers and "
            "forwarding rulesets. Exit 0 NOERROR with an address, 1 NXDOMAIN/PUBLIC/UNKNOWN/no "
            "address, 2 bad input."
        ),
    )
    add_estate_args(p)
    p.add_argument("--vnet", required=True, metavar="VNET", help="the asking VNet: resource ID, rg/name or a unique name")
    p.add_argument("name", metavar="NAME", help="the DNS name to resolve, e.g. myapp.azure.mendixapps.io")
    p.add_argument("--type", dest="rtype", choices=("A", "AAAA"), default="A", type=str.upper, help="query type (default A)")
    add_format_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from netplan.dns.simulator import DnsSimulator

    estate = load(args)
    vnet = estate.resolve_vnet(args.vnet)
    answer = DnsSimulator(estate).resolve(vnet, args.name, args.rtype)
    if args.format == "json":
        emit_json(answer.to_dict())
    else:
        emit(render_answer(answer, vnet.name))
    return int(ExitCode.OK if answer.resolved else ExitCode.PROBLEMS)


def render_answer(answer: object, vnet_label: str) -> str:
    """The table view of one :class:`~netplan.dns.simulator.Answer`."""
    from netplan.dns.simulator import Answer
    from netplan.ids import short_id
    from netplan.render import table

    assert isinstance(answer, Answer)
    lines = [
        f"name:      {answer.name} ({answer.rtype})",
        f"vnet:      {vnet_label}",
        f"status:    {answer.status.value}",
        f"addresses: {', '.join(answer.addresses) or '-'}",
        f"zone:      {short_id(answer.zone_id) if answer.zone_id else '-'}",
    ]
    if answer.chain:
        rows = [[s.name, s.rtype, s.value, short_id(s.zone_id) if s.zone_id else "(public DNS)"] for s in answer.chain]
        lines += ["", table(["name", "type", "value", "zone"], rows)]
    if answer.reasons:
        lines += ["", "why:"] + [f"  - {r}" for r in answer.reasons]
    return "\n".join(lines)
