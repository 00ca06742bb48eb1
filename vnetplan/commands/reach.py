"""``vnetplan reach``: can traffic from a VNet, subnet or address get to a VNet, an address or an on-prem network?

With ``--port`` (or a subnet, address or NIC as SOURCE) the answer is per flow, hop by hop:
effective routes, peerings and NSGs (:mod:`netplan.flow`), with ``hops`` and ``blocked_by`` in the
JSON. A VNet SOURCE without ``--port`` keeps the peering-level answer (:mod:`netplan.reach`) and
adds the ports the routes and NSGs leave open.

Exit 0 reachable; 1 not reachable, or cannot be determined (``"reachable": null``, with the
reason); 2 the question cannot be asked (bad file, unknown or ambiguous reference).
"""

from __future__ import annotations

import argparse

from netplan.errors import ExitCode, RefError, VnetplanError
from netplan.flow import FlowVerdict, flow, resolve_sources
from netplan.ids import short_id
from netplan.nsg import ports_text
from netplan.reach import Reason, Verdict, reach
from netplan.render import paint, use_color
from vnetplan.commands._common import add_estate_args, add_format_arg, emit, emit_json, load


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reach",
        help="can traffic reach a VNet or an address? peerings, and per port routes hop by hop and NSGs",
        description=(
            "Decide whether traffic from SOURCE reaches TARGET (a VNet reference, an IP address, or the ID of an "
            "LB frontend, private endpoint or NIC). SOURCE is a VNet (full ID, resourceGroup/name or a unique "
            "name), a subnet (VNET/SUBNET or its ID), an address in the estate, or a NIC ID. From a VNet without "
            "--port: peering state (both links Connected), allowVirtualNetworkAccess, non-transitivity, declared "
            "forwarding hubs, gateway transit, peering sync and Basic load balancers across global peering, plus "
            "the ports routes and NSGs leave open. With --port (or a subnet/address SOURCE): the flow hop by hop "
            "through effective routes (user, gateway and system routes; appliances, black holes, None) and NSGs "
            "(outbound at the source, inbound at the destination, first matching rule by priority, default rules "
            "included), a declared forwarder's declared rules (first match, else its default; without rules: "
            "reachable if the firewall allows it), an internal load balancer judged at its backends, Private Link "
            "from the NAT addresses; "
            "the JSON adds hops and blocked_by. Exit 0 reachable, 1 not reachable or cannot be determined, 2 error."
        ),
    )
    add_estate_args(p)
    add_format_arg(p)
    p.add_argument("source", metavar="SOURCE",
                   help="where traffic starts: a VNet, a subnet (VNET/SUBNET or its ID), an address in the estate, or a NIC ID")  # fmt: skip
    p.add_argument("target", metavar="TARGET", help="a VNet, an IP address, or a frontend/endpoint/NIC ID")
    p.add_argument("--port", type=_port, default=None,
                   help="destination port: evaluate routes hop by hop and NSGs (first matching rule by priority) for this flow")  # fmt: skip
    p.add_argument("--protocol", choices=("tcp", "udp"), default=None, help="protocol of the flow (default tcp)")
    p.set_defaults(func=run)


def _port(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r} (1-65535)") from None
    if not 1 <= v <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {text!r} (1-65535)")
    return v


_VERDICT = {True: ("REACHABLE", "green"), False: ("NOT REACHABLE", "red"), None: ("UNKNOWN", "yellow")}


def render_table(verdict: object, color: bool = False) -> str:
    """The human-readable answer: verdict, what the target is, the path, and why."""

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


def render_flow(verdict: object, color: bool = False) -> str:
    """A per-flow answer: verdict, the flow, each hop with its route, what blocks it, why."""

    assert isinstance(verdict, FlowVerdict)
    word, hue = _VERDICT[verdict.reachable]
    t = verdict.target
    what = t.input + (f" ({t.kind} {short_id(t.resource)})" if t.resource else "")
    port = f" {verdict.protocol.upper()} {verdict.port}" if verdict.port is not None else f" {verdict.protocol.upper()} (any port)"
    lines = [f"{paint(word, hue, color)}  {verdict.source} -> {what}{port}"]
    for i, h in enumerate(verdict.hops, 1):
        route = ""
        if h.route is not None:
            ips = ",".join(str(x) for x in h.route.next_hop_ips)
            route = f" [route {h.prefix} {h.route.next_hop_type}{' ' + ips if ips else ''} ({h.route.source}{' ' + h.route.name if h.route.name else ''})]"
        lines.append(f"  hop {i}: {short_id(h.at) if h.at.startswith('/') else h.at} -> "
                     f"{short_id(h.to) if h.to.startswith('/') else h.to}{route} {h.note}".rstrip())  # fmt: skip
    b = verdict.blocked_by
    if b is not None:
        rule = (f" rule '{b.rule}'" + (f" (priority {b.priority})" if b.priority is not None else "")) if b.rule else ""
        lines.append(f"blocked by: {b.kind} {short_id(b.resource) if b.resource else ''}{rule}".rstrip())
    for r in verdict.reasons:
        lines.append(f"  - [{r.code}] {r.message}")
    return "\n".join(lines)


def _wants_flow(estate: object, args: argparse.Namespace) -> bool:

    if args.port is not None or args.protocol is not None:
        return True
    try:
        kind, _ = resolve_sources(estate, args.source)  # type: ignore[arg-type]
    except RefError:
        return False  # reach() reports the reference problem as before
    return kind != "vnet"


def run(args: argparse.Namespace) -> int:

    estate = load(args)
    if _wants_flow(estate, args):
        fv = flow(estate, args.source, args.target, args.port, args.protocol or "tcp")
        if args.format == "json":
            emit_json(fv.to_dict())
        else:
            emit(render_flow(fv, color=use_color()))
        return int(ExitCode.OK if fv.reachable else ExitCode.PROBLEMS)
    verdict = reach(estate, args.source, args.target)
    if verdict.target.kind not in ("vnet", "outside"):
        # Routes and NSGs are evaluated now: drop the peering-level "not evaluated" caveats.
        verdict.reasons[:] = [r for r in verdict.reasons if r.code not in ("nsg-not-evaluated", "user-defined-routes-not-evaluated")]
    if verdict.reachable and verdict.target.kind not in ("vnet", "outside"):
        extra: FlowVerdict | None
        try:
            extra = flow(estate, args.source, args.target, None, "tcp")
        except VnetplanError:  # the peering verdict stands on its own
            extra = None
        if extra is not None and extra.reachable and extra.open_ports is not None:

            verdict.reasons.append(Reason("open-ports", f"routes and NSGs leave TCP {ports_text(extra.open_ports)} open "
                                          "(ask with --port N for one flow)"))  # fmt: skip
        elif extra is not None and extra.reachable is False:
            why = next((r.message for r in reversed(extra.reasons) if r.code not in ("per-subnet",)), "")
            verdict.reasons.append(Reason("traffic-rules", f"routes and NSGs block it from some subnet: {why} "
                                          "(ask with --port N or a subnet SOURCE for the per-flow verdict)"))  # fmt: skip
    if args.format == "json":
        emit_json(verdict.to_dict(), pretty=args.pretty)
    else:
        emit(render_table(verdict, color=use_color()))
    return int(ExitCode.OK if verdict.reachable else ExitCode.PROBLEMS)
