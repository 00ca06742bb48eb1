"""Peering or Private Link? The recommendation for one connection, with its reasons.

Rules (DESIGN.md's comparison table and P2/P3/P6/P7/P8), each a named reason in the result:
overlapping address spaces, or the P3 third-VNet rule, exclude peering; the ``database`` use case
excludes Private Link (it serves a load-balanced service, not direct database access); a Basic
load balancer across regions (P6) and the 500-peerings limit (P8) exclude peering; a Basic LB or a
missing internal frontend excludes Private Link; gateway-transit wishes (P2) need peering. When both
methods work the smaller exposure (Private Link) wins, unless whole-network reach is asked for or
the connection needs at least :data:`MANY_SERVICES` services (then one peering beats that many
endpoints); the reason says which. When neither works the method is ``none`` and ``unblock`` says
what would change that (free prefixes to re-address the consumer, or a NAT/proxy pattern).
Cross-subscription permissions (P7) and Private Link approval are stated, never assumed.

The promise: :func:`recommend` never silently passes; anything the snapshot cannot tell (a gap in
the snapshot, custom DNS servers, a remote VNet outside the snapshot) is a reason in the result.
Per pair it looks only at the two VNets and their peers, so it is cheap on a 10,000-VNet estate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from netplan.cost import Cost, monthly_cost
from netplan.dnspath import resolution_path
from netplan.errors import UsageError
from netplan.estate import Estate
from netplan.free import find_free
from netplan.ids import parse_id, rid_key
from netplan.model import Frontend, LoadBalancer, VNet
from netplan.overlaps import peering_blockers as shared
from netplan.reach import reach
from netplan.record import record
from netplan.vocab import UseCase

#: From this many distinct services behind the connection, one peering is preferred over one
#: private endpoint (and Private Link Service) per service: the endpoints' hours and their DNS
#: records grow per service, the peering does not.
MANY_SERVICES = 5
#: Default VNet peering limit (P8); Azure can raise it on request.
PEERING_LIMIT = 500
PEERING_LIMIT_WARN = 450


class Code(StrEnum):
    """Stable reason codes."""

    OVERLAP = "VnetAddressSpacesOverlap"
    OVERLAP_PEERED = "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet"
    ANOTHER_PEERING = "AnotherPeeringAlreadyReferencesRemoteVnet"
    ALREADY_PEERED = "already-peered"
    DATABASE_NO_PRIVATE_LINK = "database-excludes-private-link"
    NO_INTERNAL_FRONTEND = "no-internal-frontend"
    BASIC_LB_PRIVATE_LINK = "basic-lb-no-private-link"
    BASIC_LB_GLOBAL = "basic-lb-global-peering"
    PEERING_LIMIT = "peering-limit"
    PEERING_LIMIT_NEAR = "peering-limit-near"
    REMOTE_PERMISSION = "remote-permission"
    PLS_APPROVAL = "private-link-approval"
    GATEWAY_TRANSIT = "gateway-transit-needs-peering"
    GATEWAY_TRANSIT_INVALID = "gateway-transit-invalid"
    SMALLER_EXPOSURE = "smaller-exposure"
    WHOLE_NETWORK = "whole-network-requested"
    MANY_SERVICES = "many-services"
    ONLY_METHOD = "only-method"
    NO_METHOD = "no-method"
    CUSTOM_DNS = "custom-dns"
    ALREADY_REACHABLE = "already-reachable"
    SNAPSHOT_GAP = "snapshot-gap"
    OUTSIDE_SNAPSHOT = "outside-snapshot"




PEERING = "peering"
PRIVATE_LINK = "private-link"
NONE = "none"


@record
class Reason:
    code: str
    message: str
    #: The method this reason is about ("peering", "private-link"), or "" for the decision itself.
    method: str = ""

    def to_dict(self) -> dict[str, str]:
        d = {"code": self.code, "message": self.message}
        if self.method:
            d["method"] = self.method
        return d


@record
class Alternative:
    method: str
    possible: bool
    reasons: tuple[Reason, ...]
    cost: Cost | None

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "possible": self.possible, "reasons": [r.to_dict() for r in self.reasons],
                "cost": self.cost.to_dict() if self.cost else None}  # fmt: skip


@dataclass(frozen=True)
class Recommendation:
    consumer_id: str
    provider_id: str
    use_case: str
    #: "peering", "private-link" or "none".
    method: str
    alternatives: tuple[Alternative, ...]
    #: Why this method: the decision's reasons first, then notes about the chosen method.
    reasons: tuple[Reason, ...]
    #: Reasons that exclude a method (each names the method).
    blocked_by: tuple[Reason, ...]
    #: What would make a method possible when none is (method "none").
    unblock: tuple[dict[str, Any], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.method != NONE

    def to_dict(self) -> dict[str, Any]:
        return {
            "consumer": self.consumer_id,
            "provider": self.provider_id,
            "use_case": self.use_case,
            "method": self.method,
            "alternatives": [a.to_dict() for a in self.alternatives],
            "reasons": [r.to_dict() for r in self.reasons],
            "blocked_by": [r.to_dict() for r in self.blocked_by],
            "unblock": list(self.unblock),
            # Rough monthly cost of every method, possible or not, keyed by method.
            "cost": {a.method: a.cost.to_dict() for a in self.alternatives if a.cost},
        }


# ---------------------------------------------------------------------------------------------


@record
class Blocker:
    """A peering blocker in the shape of :class:`netplan.overlaps.PeeringBlocker`."""

    code: str
    message: str
    prefixes: tuple[str, ...] = ()
    third_vnet_id: str | None = None


def overlapping_prefixes(a: VNet, b_prefixes: tuple[Any, ...]) -> list[str]:
    """``a~b`` for each overlapping pair of ``a``'s prefixes and ``b_prefixes``."""
    # Per-VNet prefix lists are short (a handful); this is per pair, never over the estate.
    return sorted({f"{p}~{q}" for p in a.address_prefixes for q in b_prefixes if p.overlaps(q)})


def peering_blockers(estate: Estate, a: VNet, b: VNet) -> list[Blocker]:
    """P3 blockers of a new peering a<->b (netplan.overlaps decides), in the planner's shape."""

    return [
        Blocker(str(x.code), str(x.message), tuple(f"{p[0]}~{p[1]}" if isinstance(p, tuple) else str(p) for p in x.prefixes),
                getattr(x, "third_vnet", None))
        for x in shared(estate, a.id, b.id)
    ]  # fmt: skip


def internal_frontends(estate: Estate, vnet: VNet) -> list[tuple[LoadBalancer, Frontend]]:
    """Internal LB frontends whose subnet is in ``vnet``."""
    prefix = vnet.key + "/"
    return [
        (lb, fe) for lb in estate.load_balancers for fe in lb.frontends
        if fe.is_internal and fe.subnet_id and rid_key(fe.subnet_id).startswith(prefix)
    ]  # fmt: skip


def _free_prefixes(estate: Estate, consumer: VNet) -> tuple[list[str], str | None]:
    """Free prefixes the consumer could be re-addressed into (netplan.free), and any caveat."""

    out: list[str] = []
    caveat: str | None = None
    for p in consumer.address_prefixes:
        if p.version != 4:
            continue
        res = find_free(estate, p.length, count=2)
        out.extend(str(x) for x in res.prefixes)
        caveat = caveat or res.incomplete
    return out, caveat


def recommend(
    estate: Estate,
    consumer: VNet | str,
    provider: VNet | str,
    use_case: str = UseCase.EXPOSE_APPS,
    *,
    whole_network: bool = False,
    services: int = 1,
    gateway_transit: bool = False,
    traffic_gb: float = 100.0,
) -> Recommendation:
    """Recommend peering or Private Link between ``consumer`` and ``provider`` for ``use_case``.

    ``expose-apps``: the consumer reaches the provider's apps behind its internal LB.
    ``internal-service``: the provider's apps reach a service hosted in the consumer VNet (Private
    Link then needs an internal LB there). ``database``: direct access to the provider's database.
    ``services``: how many distinct services the connection carries. ``gateway_transit``: the
    consumer should also use the provider's VPN/ExpressRoute gateway (P2).
    """
    try:
        uc = UseCase(str(use_case))
    except ValueError:
        raise UsageError(f"use case must be one of {', '.join(u.value for u in UseCase)}, not {use_case!r}") from None
    if services < 1:
        raise UsageError("--services must be at least 1")
    if traffic_gb < 0:
        raise UsageError("--traffic-gb must not be negative")
    c = consumer if isinstance(consumer, VNet) else estate.resolve_vnet(consumer)
    p = provider if isinstance(provider, VNet) else estate.resolve_vnet(provider)
    if c.key == p.key:
        raise UsageError(f"consumer and provider are the same VNet ({c.name})")

    peer_r: list[Reason] = []
    pl_r: list[Reason] = []
    notes: list[Reason] = []
    peer_block: list[Reason] = []
    pl_block: list[Reason] = []

    # --- peering (P3, P8, P6, P2, P7)
    a_link, b_link = estate.peering(c.id, p.id), estate.peering(p.id, c.id)
    if a_link is not None and b_link is not None:
        peer_r.append(Reason(Code.ALREADY_PEERED, f"{c.name} and {p.name} are already peered "
                             f"({a_link.state.value}/{b_link.state.value})", PEERING))  # fmt: skip
    else:
        for b in peering_blockers(estate, c, p):
            if b.code == Code.ANOTHER_PEERING:
                peer_r.append(Reason(b.code, b.message, PEERING))
                continue
            peer_block.append(Reason(b.code, b.message, PEERING))
        for v in (c, p):
            n = len(v.peerings)
            if n >= PEERING_LIMIT:
                peer_block.append(Reason(Code.PEERING_LIMIT, f"{v.name} already has {n} peerings (limit {PEERING_LIMIT}, P8)", PEERING))
            elif n >= PEERING_LIMIT_WARN:
                peer_r.append(Reason(Code.PEERING_LIMIT_NEAR, f"{v.name} has {n} of {PEERING_LIMIT} peerings (P8)", PEERING))
    global_peering = bool(c.location and p.location and c.location != p.location)
    app_vnet = c if uc is UseCase.INTERNAL_SERVICE else p
    frontends = internal_frontends(estate, app_vnet)
    if uc is not UseCase.DATABASE and global_peering:
        basic = [(lb, fe) for lb, fe in frontends if lb.sku.lower() == "basic"]
        if basic and len(basic) == len(frontends):
            names = ", ".join(lb.name for lb, _ in basic)
            peer_block.append(Reason(Code.BASIC_LB_GLOBAL, f"the Basic load balancer {names} in {app_vnet.name} "
                                     f"({app_vnet.location}) is unreachable over global peering from "
                                     f"{(p if app_vnet is c else c).location} (P6)", PEERING))  # fmt: skip
    if gateway_transit:
        gws_p, gws_c = estate.gateways_of(p.id), estate.gateways_of(c.id)
        pl_block.append(Reason(Code.GATEWAY_TRANSIT, "gateway transit (useRemoteGateways) is a peering feature; "
                               "a private endpoint carries no gateway routes (P2)", PRIVATE_LINK))  # fmt: skip
        if not gws_p:
            peer_r.append(Reason(Code.GATEWAY_TRANSIT_INVALID, f"{p.name} has no VPN/ExpressRoute gateway to share (P2)", PEERING))
        if gws_c:
            peer_r.append(Reason(Code.GATEWAY_TRANSIT_INVALID, f"{c.name} has its own gateway "
                                 f"{gws_c[0].name}: useRemoteGateways is not allowed with a local gateway (P2)", PEERING))  # fmt: skip
    subs = {parse_id(c.id).subscription.lower(), parse_id(p.id).subscription.lower()}
    if len(subs) > 1:
        peer_r.append(Reason(Code.REMOTE_PERMISSION,
            f"cross-subscription: {c.name}'s link needs Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write "
            f"on {c.id} and Microsoft.Network/virtualNetworks/peer/action on {p.id}; {p.name}'s link needs the "
            f"same on the other side (P7)", PEERING))  # fmt: skip

    # --- Private Link
    if uc is UseCase.DATABASE:
        pl_block.append(Reason(Code.DATABASE_NO_PRIVATE_LINK, "direct database access needs a network path to the "
                               "database; Private Link exposes only a load-balanced service", PRIVATE_LINK))  # fmt: skip
    elif not frontends:
        pl_block.append(Reason(Code.NO_INTERNAL_FRONTEND, f"{app_vnet.name} has no internal load balancer frontend "
                               "for a Private Link Service", PRIVATE_LINK))  # fmt: skip
    elif all(lb.sku.lower() == "basic" for lb, _ in frontends):
        pl_block.append(Reason(Code.BASIC_LB_PRIVATE_LINK, f"Private Link Service needs a Standard load balancer; "
                               f"{', '.join(lb.name for lb, _ in frontends)} is Basic", PRIVATE_LINK))  # fmt: skip
    else:
        pls_on = [s for s in estate.private_link_services for _, fe in frontends if any(rid_key(f) == fe.key for f in s.frontend_ids)]
        pe_vnet = p if uc is UseCase.INTERNAL_SERVICE else c
        sub = parse_id(pe_vnet.id).subscription.lower()
        if not pls_on or not any(sub in {x.lower() for x in s.auto_approval_subscriptions} for s in pls_on):
            pl_r.append(Reason(Code.PLS_APPROVAL, f"the private endpoint's connection must be approved on the Private "
                               f"Link Service unless subscription {parse_id(pe_vnet.id).subscription} is in its "
                               "autoApproval list (the plan adds it)", PRIVATE_LINK))  # fmt: skip

    # --- facts that make any answer uncertain
    for v in (c, p):
        if v.dns_servers:
            # Where its queries are answered (netplan.dnspath: a resolver or declared forwarder, then
            # as in that VNet; a server the estate does not show; or nothing, when port 53 is closed).
            rp = resolution_path(estate, v)
            notes.append(Reason(Code.CUSTOM_DNS, f"{v.name} uses custom DNS servers ({', '.join(map(str, v.dns_servers))}) "
                                f"and resolves with {rp.summary()}: {'; '.join(rp.reasons)}; its own zone links "
                                "are not consulted (D2)"))  # fmt: skip
        for g in estate.gaps_for(v.id):
            notes.append(Reason(Code.SNAPSHOT_GAP, f"snapshot gap for {v.name}: {g.kind} in {g.scope}: {g.reason}"))
        for link in v.peerings:
            if estate.vnet(link.remote_vnet_id) is None:
                notes.append(Reason(Code.OUTSIDE_SNAPSHOT, f"{v.name} is peered with {link.remote_vnet_id}, outside the "
                                    "snapshot: overlap checks use the link's remote address space"))  # fmt: skip

    # The network may already carry this traffic (a forwarding hub, gateway transit): worth knowing
    # before adding a second path. Asked at VNet level: an address-level question would build the
    # estate's address indexes, seconds on a 10,000-VNet estate, for the same answer.
    if uc is not UseCase.INTERNAL_SERVICE and (a_link is None or b_link is None):

        verdict = reach(estate, c.id, p.id)
        if verdict.reachable:
            path = " -> ".join(x.rsplit("/", 1)[-1] for x in verdict.path)
            notes.append(Reason(Code.ALREADY_REACHABLE, f"{c.name} already reaches {p.name} over the network "
                                f"({path}); a new connection adds a second path"))  # fmt: skip

    same_region = not global_peering
    peer_ok, pl_ok = not peer_block, not pl_block
    alts = (
        Alternative(PEERING, peer_ok, tuple(peer_block + peer_r), monthly_cost(PEERING, traffic_gb, same_region)),
        Alternative(PRIVATE_LINK, pl_ok, tuple(pl_block + pl_r),
                    monthly_cost(PRIVATE_LINK, traffic_gb, same_region, endpoints=services)),
    )  # fmt: skip
    decision: list[Reason] = []
    unblock: list[dict[str, Any]] = []
    if peer_ok and pl_ok:
        if whole_network:
            method = PEERING
            decision.append(Reason(Code.WHOLE_NETWORK, "whole-network reach was asked for: peering connects the entire VNets"))
        elif services >= MANY_SERVICES:
            method = PEERING
            decision.append(Reason(Code.MANY_SERVICES, f"{services} services (threshold {MANY_SERVICES}): one peering "
                                   f"instead of {services} private endpoints"))  # fmt: skip
        else:
            method = PRIVATE_LINK
            decision.append(Reason(Code.SMALLER_EXPOSURE, "both methods work; Private Link exposes one endpoint instead "
                                   "of the whole VNet (ask for --whole-network to prefer peering)"))  # fmt: skip
    elif peer_ok:
        method = PEERING
        decision.append(Reason(Code.ONLY_METHOD, "Private Link is excluded: " + "; ".join(r.message for r in pl_block)))
    elif pl_ok:
        method = PRIVATE_LINK
        decision.append(Reason(Code.ONLY_METHOD, "peering is excluded: " + "; ".join(r.message for r in peer_block)))
    else:
        method = NONE
        decision.append(Reason(Code.NO_METHOD, "neither peering nor Private Link can serve this connection"))
        overlap_only = all(r.code in (Code.OVERLAP, Code.OVERLAP_PEERED) for r in peer_block)
        if overlap_only:
            free, caveat = _free_prefixes(estate, c)
            entry: dict[str, Any] = {
                "action": "re-address",
                "message": f"re-address {c.name} ({', '.join(map(str, c.address_prefixes))}) into free space, then peer",
                "free_prefixes": free,
            }
            if caveat:
                entry["caveat"] = caveat
            unblock.append(entry)
        unblock.append({
            "action": "nat-proxy",
            "message": f"place a NAT or proxy (an NVA with SNAT, or a TCP proxy) in a VNet that overlaps neither, "
                       f"peer it with {p.name}, and reach it from {c.name} through a Private Link Service on an "
                       "internal load balancer in front of it",
        })  # fmt: skip
    chosen = next((a for a in alts if a.method == method), None)
    reasons = decision + (list(chosen.reasons) if chosen else []) + notes
    return Recommendation(
        consumer_id=c.id, provider_id=p.id, use_case=uc.value, method=method, alternatives=alts,
        reasons=tuple(reasons), blocked_by=tuple(peer_block + pl_block), unblock=tuple(unblock),
    )  # fmt: skip
