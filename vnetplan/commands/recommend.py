"""``vnetplan recommend``: peering or Private Link for one connection, with the reasons and a rough cost.

Exit 0 when a method exists, 1 when none does (``"method": "none"``, with what would unblock it),
2 when the question cannot be asked (bad file, unknown VNet reference, bad option).
"""

from __future__ import annotations

import argparse

from netplan.errors import ExitCode
from netplan.ids import short_id
from netplan.render import paint, use_color
from vnetplan.commands._common import add_estate_args, add_format_arg, emit, emit_json, load


def register(sub: argparse._SubParsersAction) -> None:
    from netplan.recommend import MANY_SERVICES

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
            "Exit 0 a method exists, 1 none does, 2 error."
        ),
    )
    add_estate_args(p)
    add_format_arg(p)
    p.add_argument("--consumer", required=True, metavar="VNET", help="the consumer VNet (ID, resourceGroup/name or unique name)")
    p.add_argument("--provider", required=True, metavar="VNET", help="the provider VNet")
    p.add_argument("--use-case", required=True, choices=("expose-apps", "internal-service", "database"))
    p.add_argument("--whole-network", action="store_true", help="the consumer needs to reach the whole provider VNet")
    p.add_argument("--services", type=int, default=1, metavar="N", help="distinct services the connection carries (default 1)")
    p.add_argument("--gateway-transit", action="store_true",
                   help="the consumer should also use the provider's VPN/ExpressRoute gateway (P2)")
    p.add_argument("--traffic-gb", type=float, default=100.0, metavar="GB",
                   help="traffic per month across the connection, both directions, for the cost estimate (default 100)")
    p.set_defaults(func=run)


def render_table(rec: object, color: bool = False) -> str:
    from netplan.recommend import Recommendation

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
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from netplan.recommend import recommend

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
