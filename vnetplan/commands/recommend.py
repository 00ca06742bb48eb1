"""``vnetplan recommend``: how to serve a connection, with the reasons and a rough cost.

Two questions. With ``--intent``: every way to serve each connection of the intent file (the
existing path, peering, a private endpoint of the consumer's own, one shared endpoint in a hub),
each planned on top of the connections before it and checked by the what-if, as ``vnetplan plan``
weighs them (:mod:`netplan.compare`); the first that verifies is chosen. Without it: peering or
Private Link between ``--consumer`` and ``--provider`` by the method rules alone
(:mod:`netplan.recommend`; no app domain, so nothing to resolve or verify).

Exit 0 when a method exists (for every connection compared), 1 when none does (``"method":
"none"``, with what would unblock it), 2 when the question cannot be asked (bad file, unknown VNet
reference, bad option).
"""

from __future__ import annotations

import argparse

from netplan.compare import compare_connections
from netplan.errors import ExitCode, UsageError
from netplan.explain import BAD, GOOD, Explanation, explain_all
from netplan.ids import short_id
from netplan.intent import load_intent
from netplan.recommend import MANY_SERVICES, Recommendation, recommend
from netplan.render import paint, use_color
from vnetplan.commands._common import add_estate_args, add_format_arg, emit, emit_json, load


def register(sub: argparse._SubParsersAction) -> None:

    p = sub.add_parser(
        "recommend",
        help="peering or Private Link for a connection? (reasons, blockers, rough monthly cost)",
        description=(
            "Recommend how CONSUMER should be connected with PROVIDER for a use case: expose-apps (the consumer "
            "reaches the provider's apps behind its internal load balancer), internal-service (the provider's apps "
            "reach a service behind an internal load balancer in the consumer VNet) or database (direct database "
            "access; Private Link does not serve it). Overlaps (P3), Basic LB across regions (P6), the peering "
            "limit (P8) and gateway-transit wishes (P2) exclude peering; when both work Private Link (the smaller "
            f"exposure) wins unless --whole-network is given or --services is at least {MANY_SERVICES}. "
            "With --intent FILE every connection of the intent (or only --consumer's) is compared the way "
            "`vnetplan plan` compares them: the existing path (what the consumer already reaches and resolves, "
            "with the repairs it needs), peering, a private endpoint of its own and one shared endpoint in a hub, "
            "each with what it changes, its exposure, its rough cost and whether its what-if verifies; the first "
            "that verifies is chosen, and the reasons say why. "
            "Exit 0 a method exists, 1 none does, 2 error."
        ),
    )
    add_estate_args(p)
    add_format_arg(p)
    p.add_argument("--intent", metavar="FILE",
                   help="compare every way to serve the connections of this intent file, as `vnetplan plan` does "
                        "(then --provider and --use-case come from it, and --consumer picks one connection)")
    p.add_argument("--consumer", metavar="VNET",
                   help="the consumer VNet (ID, resourceGroup/name or unique name); required without --intent")
    p.add_argument("--provider", metavar="VNET", help="the provider VNet (required without --intent)")
    p.add_argument("--use-case", choices=("expose-apps", "internal-service", "database"),
                   help="required without --intent")
    p.add_argument("--whole-network", action="store_true", help="the consumer needs to reach the whole provider VNet")
    p.add_argument("--services", type=int, default=1, metavar="N", help="distinct services the connection carries (default 1)")
    p.add_argument("--gateway-transit", action="store_true",
                   help="the consumer should also use the provider's VPN/ExpressRoute gateway (P2)")
    p.add_argument("--traffic-gb", type=float, default=100.0, metavar="GB",
                   help="traffic per month across the connection, both directions, for the cost estimate (default 100)")
    p.set_defaults(func=run)


def render_table(rec: object, color: bool = False) -> str:

    assert isinstance(rec, Recommendation)
    hue = "green" if rec.ok else "red"
    lines = [f"{paint(rec.method.upper(), hue, color)}  {short_id(rec.consumer_id)} -> {short_id(rec.provider_id)}  ({rec.use_case})"]
    lines.append("why:")
    lines.extend(f"  - [{r.code}] {r.message}" for r in rec.reasons)
    if rec.blocked_by:
        lines.append("blocked:")
        lines.extend(f"  - {r.method}: [{r.code}] {r.message}" for r in rec.blocked_by)
    if rec.unblock:
        lines.append("what would unblock it:")
        for u in rec.unblock:
            extra = f" (free: {', '.join(u['free_prefixes'])})" if u.get("free_prefixes") else ""
            lines.append(f"  - {u['action']}: {u['message']}{extra}")
    lines.append("rough monthly cost (approximate list prices):")
    for a in rec.alternatives:
        if a.cost is None:
            continue
        mark = "" if a.possible else "  (not possible)"
        lines.append(f"  {a.method:<13} {a.cost.monthly:>10.2f} {a.cost.currency}/month at {a.cost.traffic_gb:g} GB{mark}")
    first = next((a.cost for a in rec.alternatives if a.cost), None)
    if first is not None:
        lines.append(f"  prices as of {first.as_of}; see netplan/data/prices.yaml for sources")
    lines.append("(by the method rules only; with --intent FILE the existing path and a shared hub endpoint are "
                 "compared too, each checked by the what-if)")  # fmt: skip
    return "\n".join(lines)


_TONE = {GOOD: "green", BAD: "red", "": None}


def render_comparison(explanations: tuple[Explanation, ...], intent_file: str, color: bool = False) -> str:
    """The text of ``recommend --intent``: one block per connection (:mod:`netplan.explain`)."""
    n = len(explanations)
    lines = [f"{n} connection{'s' if n != 1 else ''} of {intent_file} compared: each option is planned on top of "
             "the connections before it and checked by the what-if; the first that verifies is chosen"]  # fmt: skip
    for ex in explanations:
        lines.append("")
        lines.extend(paint(text, _TONE[tone], color) for text, tone in ex.lines())
    return "\n".join(lines)


def run_intent(args: argparse.Namespace) -> int:
    for flag, value in (("--provider", args.provider), ("--use-case", args.use_case)):
        if value is not None:
            raise UsageError(f"{flag} comes from the intent file with --intent; leave it out")
    estate = load(args)
    intent = load_intent(args.intent, estate)
    explanations = explain_all(compare_connections(estate, intent, args.consumer))
    if args.format == "json":
        emit_json({"intent": args.intent, "connections": [e.to_dict() for e in explanations]}, pretty=args.pretty)
    else:
        emit(render_comparison(explanations, args.intent, color=use_color()))
    return int(ExitCode.OK if all(e.method != "none" for e in explanations) else ExitCode.PROBLEMS)


def run(args: argparse.Namespace) -> int:
    if args.intent:
        return run_intent(args)
    missing = [f for f, v in (("--consumer", args.consumer), ("--provider", args.provider),
                              ("--use-case", args.use_case)) if v is None]  # fmt: skip
    if missing:
        raise UsageError(f"recommend needs {', '.join(missing)} (or --intent FILE)")
    estate = load(args)
    rec = recommend(
        estate, args.consumer, args.provider, args.use_case, whole_network=args.whole_network,
        services=args.services, gateway_transit=args.gateway_transit, traffic_gb=args.traffic_gb,
    )  # fmt: skip
    if args.format == "json":
        emit_json(rec.to_dict(), pretty=args.pretty)
    else:
        emit(render_table(rec, color=use_color()))
    return int(ExitCode.OK if rec.ok else ExitCode.PROBLEMS)
