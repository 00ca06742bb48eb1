"""``vnetplan resolve``: what a VM in a VNet gets back for a name from Azure DNS, and why.

``--vnet VNET NAME`` answers one query (the JSON shape is a contract). ``--all-vnets`` answers
every VNet x the names given (and/or the records under ``--app-domain``) in one pass with the
resolution matrix. Exit 0 when every answer is NOERROR with an address; 1 when any is NXDOMAIN,
SERVFAIL (a CNAME or forwarding loop, or no custom DNS server the VNet can reach), PUBLIC, UNKNOWN,
or NOERROR without an address of the asked type (NODATA: nothing to connect to); 2 for bad input.
"""

from __future__ import annotations

import argparse

from netplan.errors import ExitCode
from vnetplan.commands._common import add_estate_args, add_format_arg, emit, emit_json, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "resolve",
        help="simulate Azure Private DNS: the answer a VM in a VNet gets for a name, and why",
        description=(
            "Simulate Azure-provided DNS (168.63.129.16) for a VM in VNET: linked Private DNS zones "
            "(most specific wins, authoritative), wildcards, CNAME chains including the privatelink "
            "alias of Azure services, NxDomainRedirect, custom DNS servers, DNS private resolvers and "
            "forwarding rulesets; SERVFAIL for CNAME or forwarding loops and for custom DNS servers "
            "the VNet cannot reach. Exit 0 NOERROR with an address, 1 NXDOMAIN/SERVFAIL/PUBLIC/"
            "UNKNOWN/no address, 2 bad input."
        ),
    )
    add_estate_args(p)
    p.add_argument("--vnet", metavar="VNET", help="the asking VNet: resource ID, rg/name or a unique name")
    p.add_argument("--all-vnets", action="store_true", help="every VNet of the estate x the names (resolution matrix)")
    p.add_argument("--app-domain", metavar="DOMAIN", help="with --all-vnets: also every record name under DOMAIN")
    p.add_argument("name", metavar="NAME", nargs="*", help="the DNS name to resolve, e.g. myapp.azure.mendixapps.io")
    p.add_argument("--type", dest="rtype", choices=("A", "AAAA"), default="A", type=str.upper, help="query type (default A)")
    add_format_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from netplan.dns.simulator import DnsSimulator
    from netplan.errors import UsageError

    if args.all_vnets:
        if args.vnet:
            raise UsageError("give --vnet or --all-vnets, not both")
        if not args.name and not args.app_domain:
            raise UsageError("--all-vnets needs NAME(s) or --app-domain")
        return run_matrix(args)
    if not args.vnet:
        raise UsageError("resolve needs --vnet VNET (or --all-vnets)")
    if len(args.name) != 1 or args.app_domain:
        raise UsageError("with --vnet give exactly one NAME (use --all-vnets for several names or --app-domain)")
    estate = load(args)
    vnet = estate.resolve_vnet(args.vnet)
    answer = DnsSimulator(estate).resolve(vnet, args.name[0], args.rtype)
    if args.format == "json":
        emit_json(answer.to_dict(), pretty=args.pretty)
    else:
        emit(render_answer(answer, vnet.name))
    return int(ExitCode.OK if answer.resolved else ExitCode.PROBLEMS)


def run_matrix(args: argparse.Namespace) -> int:
    from netplan.dns.matrix import app_names, resolution_matrix
    from netplan.dns.names import DnsNameError
    from netplan.errors import UsageError
    from netplan.render import table

    estate = load(args)
    names = list(args.name)
    if args.app_domain:
        try:
            found = app_names(estate, args.app_domain)
        except DnsNameError as exc:
            raise UsageError(f"--app-domain: {exc}") from None
        if not found and not names:
            raise UsageError(f"no records under {args.app_domain} in the estate; give NAME(s)")
        names += found
    m = resolution_matrix(estate, names, args.rtype)
    if args.format == "json":
        emit_json({"names": list(m.names), "type": m.rtype, "results": [a.to_dict() for a in m.cells()]}, pretty=args.pretty)
    else:
        rows = []
        for v in m.vnets:
            for a in m.row(v):
                rows.append([v.name, a.name, a.status.value, ", ".join(a.addresses) or "-", a.reasons[-1] if a.reasons else ""])
        counts = ", ".join(f"{s.value} {n}" for s, n in sorted(m.status_counts().items()))
        emit(table(["vnet", "name", "status", "addresses", "why"], rows) + f"\n\n{len(m.vnets)} VNets x {len(m.names)} names: {counts}")
    ok = all(a.resolved for g in m.groups for a in g)
    return int(ExitCode.OK if ok else ExitCode.PROBLEMS)


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
