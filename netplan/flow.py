"""Reachability of one flow, hop by hop: effective routes, peerings and NSGs, per port (R1-R5).

:func:`flow` answers "can SOURCE open a connection to TARGET on port N?" the way Network Watcher's
next hop and IP flow verify would, from a snapshot. SOURCE is a subnet (``VNET/SUBNET``, its ID),
an address in the estate, a NIC, or a VNet (then each of its workload subnets is asked); TARGET an
address or the ID of a frontend / endpoint / NIC (see :func:`netplan.reach.resolve_target`).

The walk: the source subnet's effective routes (:mod:`netplan.routes`) choose the next hop for the
destination address, longest prefix first. ``VnetLocal`` and peering routes deliver; a
``VirtualAppliance`` hop continues from the appliance's subnet (a declared forwarder, an Azure
Firewall or a NIC with IP forwarding; an address nobody owns, or a NIC without forwarding, is a
black hole); ``None`` drops; ``Internet`` never reaches a private address;
``VirtualNetworkGateway`` reaches the declared on-premises networks. Every peering crossed is held
to the peering rules of :func:`netplan.reach.reach` (P1-P6), and traffic forwarded by a hub needs
``allowForwardedTraffic`` on the receiving VNet's link. NSGs are evaluated outbound at the source
(NIC, then subnet) and inbound at the destination (subnet, then NIC) with :mod:`netplan.nsg`; an
internal load balancer's frontend is judged at its backends (the rule's backend port, R4); a
private endpoint's subnet NSG applies only when its network policies enable NSGs (R5), and traffic
through Private Link reaches the provider's backends from the Private Link Service's NAT addresses.
A firewall's own rule base is not in the model: a path through it is reachable "if the firewall
allows it", and says so, unless the forwarder's declaration states its rules
(:mod:`netplan.fwrules`): then the first declared rule that matches decides, else the declared
default (deny, as Azure Firewall does), and a denied flow is ``blocked_by`` the ``firewall-rule``
(the device's name and the rule's, or ``default``).

The verdict keeps :class:`netplan.reach.Verdict`'s fields (``reachable`` True/False/None,
``reasons``) and adds ``hops`` (each with the route that chose it) and, when blocked,
``blocked_by`` (``{"kind": "nsg-rule" | "route" | "peering" | "lb-rule" | "endpoint" |
"firewall-rule", "resource", "rule", "priority"}``). Without a port, the verdict is "reachable on some port", with the ports the
NSGs leave open.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import field
from dataclasses import replace as dc_replace
from typing import Any

from netplan.addr import AddressError, IPAddress, Prefix, ip_from_int, parse_ip, prefix_of_ip
from netplan.errors import RefError
from netplan.estate import Estate
from netplan.fwrules import evaluate as fw_evaluate
from netplan.fwrules import first_deny as fw_first_deny
from netplan.fwrules import open_ports as fw_open_ports
from netplan.ids import rid_key, short_id
from netplan.model import (
    Direction,
    Forwarder,
    LoadBalancer,
    NetworkInterface,
    NetworkSecurityGroup,
    PrivateEndpoint,
    PrivateLinkService,
    Subnet,
    VNet,
)
from netplan.nsg import Context, Decision, Ports, evaluate, intersect, open_ports, ports_text
from netplan.reach import Reason, Target, reach, resolve_target
from netplan.record import record
from netplan.routes import (
    HOP_ENDPOINT,
    HOP_GLOBAL_PEERING,
    HOP_PEERING,
    EffectiveRoute,
    effective_routes,
    resolve_subnet,
    subnet_of_nic,
)
from netplan.vnettag import VnetTag

#: Subnets that hold Azure infrastructure, not workloads: a VNet source is asked for the others.
INFRA_SUBNETS = frozenset(
    s.lower() for s in ("GatewaySubnet", "AzureFirewallSubnet", "AzureFirewallManagementSubnet",
                        "AzureBastionSubnet", "RouteServerSubnet")
)  # fmt: skip


def workload_subnets(vnet: VNet) -> list[Subnet]:
    """The subnets of ``vnet`` a VNet source is asked for: not infrastructure, not delegated."""
    return [s for s in vnet.subnets if s.name.lower() not in INFRA_SUBNETS and s.prefixes and not s.delegations]


_DROPPED_CODES = frozenset({"nsg-not-evaluated", "user-defined-routes-not-evaluated", "routes-assumed", "no-route-table",
                            "firewall-rules-declared"})  # fmt: skip
_ALL_PORTS: Ports = [(0, 65535)]


@record
class Hop:
    """One step of the walk: where the decision was made, the route that made it, where it went."""

    at: str
    to: str
    route: EffectiveRoute | None = None
    prefix: Prefix | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        route = None
        if self.route is not None:
            route = {
                "source": self.route.source,
                "addressPrefix": str(self.prefix) if self.prefix else None,
                "nextHopType": self.route.next_hop_type,
                "nextHopIpAddress": [str(i) for i in self.route.next_hop_ips],
                "name": self.route.name,
            }
        return {"at": self.at, "to": self.to, "route": route, "note": self.note}


@record
class BlockedBy:
    kind: str
    resource: str | None
    rule: str | None = None
    priority: int | None = None
    #: For a route: the subnet whose effective routes made the decision (not in the JSON; the
    #: planner adds its route there).
    at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "resource": self.resource, "rule": self.rule, "priority": self.priority}


@record
class FlowVerdict:
    """The answer for one flow (or, for a VNet source, the combined answer of its subnets)."""

    source: str
    target: Target
    port: int | None
    protocol: str
    reachable: bool | None
    reasons: list[Reason] = field(default_factory=list)
    hops: list[Hop] = field(default_factory=list)
    blocked_by: BlockedBy | None = None
    #: Without a port: the ports open end to end (None when a port was given).
    open_ports: Ports | None = None
    #: The NSG decisions met on the way (for the planner: which rule blocks).
    decisions: list[Decision] = field(default_factory=list, repr=False)
    #: For a VNet source: the verdict of each subnet asked.
    parts: list[FlowVerdict] = field(default_factory=list, repr=False)

    @property
    def path(self) -> list[str]:
        return [h.to for h in self.hops] if self.reachable else []

    def codes(self) -> list[str]:
        return [str(r.code) for r in self.reasons]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "target": self.target.to_dict(),
            "port": self.port,
            "protocol": self.protocol,
            "reachable": self.reachable,
            "path": self.path,
            "reasons": [r.to_dict() for r in self.reasons],
            "hops": [h.to_dict() for h in self.hops],
        }
        if self.blocked_by is not None:
            out["blocked_by"] = self.blocked_by.to_dict()
        if self.open_ports is not None:
            out["open_ports"] = ports_text(self.open_ports)
        if self.parts:
            out["subnets"] = [{"source": p.source, "reachable": p.reachable,
                               **({"blocked_by": p.blocked_by.to_dict()} if p.blocked_by else {})} for p in self.parts]  # fmt: skip
        return out


# ---------------------------------------------------------------------------------------------
# Per-estate index: appliances, backends, ASG membership


class _Index:
    def __init__(self, estate: Estate) -> None:
        self.nsgs: dict[str, NetworkSecurityGroup] = {g.key: g for g in estate.nsgs}
        self.backends: dict[str, list[tuple[IPAddress, str | None, str]]] = defaultdict(list)  # pool -> (ip, subnet, nic)
        self.cfg_asgs: dict[IPAddress, tuple[str, ...]] = {}
        self.subnet_asgs: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        self.nic_of_ip: dict[IPAddress, NetworkInterface] = {}
        for nic in estate.nics:
            for c in nic.ip_configs:
                if c.private_ip is not None:
                    self.nic_of_ip.setdefault(c.private_ip, nic)
                    self.cfg_asgs[c.private_ip] = c.asg_ids
                if c.subnet_id:
                    self.subnet_asgs[rid_key(c.subnet_id)].append(c.asg_ids)
                for pool_id in c.backend_pool_ids:
                    if c.private_ip is not None:
                        self.backends[rid_key(pool_id)].append((c.private_ip, c.subnet_id, nic.id))
        for lb in estate.load_balancers:
            for bp in lb.backend_pools:
                for a in bp.addresses:
                    if a.ip is not None:
                        self.backends[bp.key].append((a.ip, a.subnet_id, ""))
        self.contexts: dict[str, Context] = {}
        self.vnets_by_name: dict[str, list[VNet]] = defaultdict(list)
        for v in estate.vnets:
            self.vnets_by_name[v.name.lower()].append(v)


    def asgs_of(self, p: Prefix, subnet: Subnet | None) -> list[tuple[str, ...]]:
        if p.length == p.bits:

            ip = ip_from_int(p.version, p.value)
            return [self.cfg_asgs[ip]] if ip in self.cfg_asgs else []
        return list(self.subnet_asgs.get(subnet.key, ())) if subnet is not None else []


def _index(estate: Estate) -> _Index:
    """This module's index of ``estate``, kept by the estate (:meth:`Estate.memo`)."""
    return estate.memo("flow", _Index)


def context_for(estate: Estate, subnet: Subnet) -> Context:
    """What the service tags mean for an NSG applied to ``subnet`` (R3).

    ``VirtualNetwork``: the VNet's space, the space of its Connected peerings, the on-premises
    prefixes of the gateway it uses, and the prefixes of the subnet's user routes
    (:mod:`netplan.vnettag`: asked per address through the estate's indexes, never listed, so that
    a hub with thousands of spokes costs no more than a spoke).
    """
    idx = _index(estate)
    hit = idx.contexts.get(subnet.key)
    if hit is not None:
        return hit

    def asgs(p: Prefix) -> list[tuple[str, ...]]:
        return idx.asgs_of(p, subnet)

    ctx = Context(VnetTag(estate, subnet), asgs)
    idx.contexts[subnet.key] = ctx
    return ctx


# ---------------------------------------------------------------------------------------------
# Sources


@record
class Source:
    subnet: Subnet
    #: The source address (a host prefix) or the whole subnet.
    prefix: Prefix
    nic_id: str | None = None
    label: str = ""


def resolve_sources(estate: Estate, text: str) -> tuple[str, list[Source]]:
    """SOURCE as subnets to ask: (what it is, the sources). Raises RefError when it matches nothing or two things."""
    ref = text.strip()
    try:
        ip = parse_ip(ref)
    except AddressError:
        ip = None
    if ip is not None:
        return "address", [_source_of_ip(estate, ip)]
    obj = estate.get(ref) if ref.startswith("/") else None
    if isinstance(obj, NetworkInterface):
        sub = subnet_of_nic(estate, obj.id)
        cfg = next((c for c in obj.ip_configs if c.private_ip is not None), None)
        if sub is None or cfg is None or cfg.private_ip is None:
            raise RefError(f"network interface {short_id(obj.id)} has no address in a subnet of the estate")
        return "nic", [Source(sub, prefix_of_ip(cfg.private_ip), obj.id, f"{cfg.private_ip} ({obj.name})")]
    sub = resolve_subnet(estate, ref)
    vnet: VNet | None = None
    if sub is None:
        vnet = estate.resolve_vnet(ref)  # raises RefError with the candidates
    elif not ref.startswith("/") and _names_a_vnet(estate, ref):
        vnet = estate.resolve_vnet(ref)
    if sub is not None and vnet is not None:
        raise RefError(f"'{ref}' reads both as VNet {vnet.id} and as subnet {sub.id}: give the full ID of one",
                       (vnet.id, sub.id))  # fmt: skip
    if sub is not None:
        return "subnet", [_subnet_source(sub)]
    assert vnet is not None
    subs = workload_subnets(vnet)
    if not subs:
        raise RefError(f"VNet {short_id(vnet.id)} has no workload subnet to send traffic from")
    return "vnet", [_subnet_source(s) for s in subs]


def _names_a_vnet(estate: Estate, ref: str) -> bool:
    """Does ``ref`` (``rg/name`` or ``name``) also name a VNet? A cheap test before resolve_vnet, whose
    error path suggests names (slow on 10k VNets)."""
    rg, _, name = ref.rpartition("/")
    by_name = _index(estate).vnets_by_name.get(name.lower(), ())
    return any(not rg or rid_key(v.id).split("/resourcegroups/", 1)[-1].startswith(rg.lower() + "/") for v in by_name)


def _subnet_source(sub: Subnet) -> Source:
    return Source(sub, sub.prefixes[0], None, short_id(sub.id))


def _source_of_ip(estate: Estate, ip: IPAddress) -> Source:
    owners = [o for o in estate.ip_owners(ip) if o.subnet_id and estate.subnet(o.subnet_id) is not None]
    nic = _index(estate).nic_of_ip.get(ip)
    if owners:
        sub = estate.subnet(owners[0].subnet_id)
        assert sub is not None
        return Source(sub, prefix_of_ip(ip), nic.id if nic is not None else None, str(ip))
    subs = [s for v in estate.vnets_containing(ip) if (s := estate.subnet_containing(v, ip)) is not None]
    if len(subs) > 1:
        raise RefError(f"{ip} is in {len(subs)} subnets of overlapping VNets, give one: "
                       + ", ".join(s.id for s in subs), tuple(s.id for s in subs))  # fmt: skip
    if not subs:
        raise RefError(f"{ip} is in no subnet of the estate: give a subnet, NIC or VNet as SOURCE")
    return Source(subs[0], prefix_of_ip(ip), None, str(ip))


# ---------------------------------------------------------------------------------------------
# The walk


@record(frozen=False, slots=False)
class _Walk:
    estate: Estate
    src: Source
    dst: IPAddress
    port: int | None
    protocol: str
    target: Target
    hops: list[Hop] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    blocked: BlockedBy | None = None
    unknown: bool = False
    ports: Ports = field(default_factory=lambda: list(_ALL_PORTS))
    via_appliance: VNet | None = None
    #: reach() verdicts already asked in this walk: (VNet key, address) -> verdict.
    asked: dict[tuple[str, str], Any] = field(default_factory=dict)

    def reach(self, vnet: VNet, to: str) -> Any:
        k = (vnet.key, to)
        hit = self.asked.get(k)
        if hit is None:
            hit = self.asked[k] = reach(self.estate, vnet.id, to)
        return hit

    def fail(self, kind: str, resource: str | None, code: str, message: str, rule: str | None = None,
             priority: int | None = None, at: str | None = None) -> bool:  # fmt: skip
        self.reasons.append(Reason(code, message))
        if self.blocked is None:
            self.blocked = BlockedBy(kind, resource, rule, priority, at)
        return False

    def unsure(self, code: str, message: str) -> None:
        self.reasons.append(Reason(code, message))
        self.unknown = True


def _appliance(estate: Estate, ip: IPAddress) -> tuple[str, str, Subnet | None, str] | None:
    """(kind, resource id, subnet, name) of what forwards at ``ip``; kind "nic-no-forwarding" when a NIC
    holds it without IP forwarding."""
    for f in estate.forwarders:
        if f.ip == ip:
            vnet = estate.vnet(f.vnet_id)
            sub = estate.subnet_containing(vnet, ip) if vnet is not None else None
            return "forwarder", f.vnet_id, sub, f.device
    for o in estate.ip_owners(ip):
        sub = estate.subnet(o.subnet_id)
        if o.kind == "firewall":
            return "firewall", o.resource_id, sub, short_id(o.resource_id)
        if o.kind == "nic":
            nic = estate.get(o.parent_id)
            if isinstance(nic, NetworkInterface) and nic.ip_forwarding:
                return "nva", nic.id, sub, nic.name
            return "nic-no-forwarding", o.parent_id, sub, short_id(o.parent_id)
        if o.kind == "lb-frontend":
            return "lb", o.resource_id, sub, short_id(o.parent_id)
    return None


def _route_hop(w: _Walk, sub: Subnet, visited: set[str]) -> VNet | None:
    """Follow routes from ``sub`` until the flow is delivered into a VNet; None when it is not."""
    estate = w.estate
    if sub.key in visited:
        w.fail("route", sub.route_table_id, "routing-loop", f"the routes send the traffic back to {short_id(sub.id)}: a routing loop", at=sub.id)
        return None
    visited.add(sub.key)
    table = effective_routes(estate, sub)
    if table.unknown:
        for u in table.unknown:
            w.unsure("route-table-missing", u)
        return None
    hit = table.lookup(w.dst)
    vnet = estate.vnet(sub.vnet_id)
    assert vnet is not None
    if hit is None:
        w.fail("route", sub.id, "no-route", f"{short_id(sub.id)} has no route to {w.dst}", at=sub.id)
        return None
    prefix, route = hit
    t = route.next_hop_type
    where = short_id(sub.id)
    if t == "VnetLocal":
        if not any(p.contains_ip(w.dst) for p in vnet.address_prefixes):
            w.fail("route", route.resource_id, "black-hole",
                   f"route {prefix} of {where} sends {w.dst} to the virtual network, which does not contain it", at=sub.id)
            return None
        w.hops.append(Hop(sub.id, vnet.id, route, prefix, "within the virtual network"))
        return vnet
    if t in (HOP_PEERING, HOP_GLOBAL_PEERING):
        link = estate.get(route.resource_id)
        remote = estate.vnet(getattr(link, "remote_vnet_id", None))
        if remote is None:
            w.unsure("outside-snapshot", f"{w.dst} is routed over {short_id(route.resource_id or '')} to a VNet outside the snapshot")
            return None
        w.hops.append(Hop(sub.id, remote.id, route, prefix, f"over peering {getattr(link, 'name', '')}"))
        return remote if _peering_ok(w, vnet, remote) else None
    if t == HOP_ENDPOINT:
        pe = estate.get(route.resource_id)
        home = estate.vnet_of_subnet(getattr(pe, "subnet_id", None))
        w.hops.append(Hop(sub.id, route.resource_id or "", route, prefix, "private endpoint route"))
        if home is None:
            return None
        if home.key != vnet.key and not _peering_ok(w, vnet, home):
            return None
        return home
    if t == "None":
        w.fail("route", route.resource_id or sub.id, "route-none",
               f"{where}'s route {prefix} ({route.source}{' ' + route.name if route.name else ''}) has next hop None: "
               f"traffic to {w.dst} is dropped", at=sub.id)  # fmt: skip
        return None
    if t == "Internet":
        w.fail("route", route.resource_id or sub.id, "route-internet",
               f"{where} routes {w.dst} by {prefix} to the Internet, where a private address is not reachable", at=sub.id)
        return None
    if t == "VirtualNetworkGateway":
        nets = [n for n in estate.onprem if any(p.contains_ip(w.dst) for p in n.prefixes)]
        w.hops.append(Hop(sub.id, f"onprem:{nets[0].name}" if nets else "gateway", route, prefix, "virtual network gateway"))
        if not nets:
            w.unsure("gateway-destination-unknown",
                     f"{where} sends {w.dst} to a virtual network gateway; what its connections reach is not in the snapshot")
            return None
        return None  # delivered on-premises: the caller checks that through reach()
    # VirtualAppliance
    nh = route.next_hop_ips[0] if route.next_hop_ips else None
    if nh is None:
        w.fail("route", route.resource_id, "black-hole", f"route {route.name} of {where} has no next hop address", at=sub.id)
        return None
    app = _appliance(estate, nh)
    if app is None:
        w.fail("route", route.resource_id, "black-hole",
               f"route '{route.name}' ({prefix}) of {where} sends {w.dst} to {nh}, which no appliance in the snapshot "
               "holds: a black hole", at=sub.id)  # fmt: skip
        return None
    kind, rid, app_sub, name = app
    if kind == "nic-no-forwarding":
        w.fail("route", route.resource_id, "black-hole",
               f"route '{route.name}' of {where} sends {w.dst} to {nh}, held by {name} which does not have IP "
               "forwarding enabled: Azure drops the traffic", at=sub.id)  # fmt: skip
        return None
    if app_sub is None:
        w.unsure("appliance-subnet-unknown", f"the appliance {name} at {nh} is in no subnet of the snapshot")
        return None
    app_vnet = estate.vnet(app_sub.vnet_id)
    assert app_vnet is not None
    w.hops.append(Hop(sub.id, rid, route, prefix, f"to {kind} {name} ({nh})"))
    if app_vnet.key != vnet.key and not _peering_ok(w, vnet, app_vnet, nh):
        return None
    fwd = _declared_rules(estate, nh) if kind == "forwarder" else None
    if fwd is not None:
        if not _firewall(w, fwd, nh):
            return None
    elif kind in ("firewall", "forwarder"):
        w.reasons.append(Reason("via-firewall",
            f"traffic to {w.dst} passes {name} ({nh}): reachable if the firewall allows it (its rule base is not in "
            "the snapshot)"))  # fmt: skip
    w.via_appliance = app_vnet
    return _route_hop(w, app_sub, visited)


def _declared_rules(estate: Estate, ip: IPAddress) -> Forwarder | None:
    """The declared forwarder at ``ip`` when its rule base is declared."""
    return next((f for f in estate.forwarders if f.ip == ip and f.rules is not None), None)


def _firewall(w: _Walk, fwd: Forwarder, nh: IPAddress) -> bool:
    """A forwarder's declared rules decide the flow (:mod:`netplan.fwrules`): it sees the source
    address and the destination address and port as sent."""
    src, dst = w.src.prefix, prefix_of_ip(w.dst)
    proto = w.protocol.upper()
    what = f"{proto} {w.port if w.port is not None else '(any port)'} from {src} to {dst}"
    if w.port is None:
        allowed, unsure = fw_open_ports(fwd, src, dst, w.protocol)
        w.ports = intersect(w.ports, allowed + unsure)
        if unsure:
            w.reasons.append(Reason("firewall-partly-unknown",
                f"firewall {fwd.device} ({nh}): ports {ports_text(unsure)} depend on declared rules that cover only part "
                f"of {src} or {dst}"))  # fmt: skip
        if not allowed and not unsure:
            return w.fail("firewall-rule", fwd.device, "firewall-denies",
                          f"firewall {fwd.device} ({nh}) leaves no {proto} port open from {src} to {dst} (declared rules)",
                          fw_first_deny(fwd, src, dst, w.protocol))  # fmt: skip
        w.reasons.append(Reason("firewall-allows",
            f"firewall {fwd.device} ({nh}) allows {proto} {ports_text(allowed)} from {src} to {dst} (declared rules)"))  # fmt: skip
        return True
    d = fw_evaluate(fwd, src, dst, w.port, w.protocol)
    if d.allowed is None:
        w.unsure("firewall-unknown", d.describe(what))
        return False
    if not d.allowed:
        return w.fail("firewall-rule", fwd.device, "firewall-denies", d.describe(what), d.rule_name)
    w.reasons.append(Reason("firewall-allows", f"{d.describe(what)} ({nh})"))
    if w.hops:
        by = f"declared rule '{d.rule.name}'" if d.rule is not None else "its declared default"
        w.hops[-1] = dc_replace(w.hops[-1], note=f"{w.hops[-1].note}, allowed by {by}")
    return True


def _peering_ok(w: _Walk, a: VNet, b: VNet, to: IPAddress | None = None) -> bool:
    """The peering between two VNets carries traffic to ``to`` (default: the flow's destination):
    P1-P6 through reach(), and allowForwardedTraffic for traffic an appliance forwarded."""
    if a.key == b.key:
        return True
    v = w.reach(a, str(to or w.dst))
    direct = [r for r in v.reasons if str(r.code) not in _DROPPED_CODES]
    if v.reachable is False:
        for r in direct:
            w.reasons.append(r)
        code = next((str(r.code) for r in direct), "peering")
        link = w.estate.peering(a.id, b.id)
        w.fail("endpoint" if code == "endpoint-not-approved" else "peering", link.id if link else None, code,
               f"the peering between {short_id(a.id)} and {short_id(b.id)} does not carry traffic to {w.dst}")  # fmt: skip
        return False
    if v.reachable is None:
        for r in direct:
            w.unsure(str(r.code), r.message)
        return False
    if w.via_appliance is not None and w.via_appliance.key == a.key:
        back = w.estate.peering(b.id, a.id)
        if back is not None and not back.allow_forwarded_traffic:
            return w.fail("peering", back.id, "forwarded-traffic-not-allowed",
                          f"traffic to {w.dst} is forwarded by an appliance in {short_id(a.id)}, and {short_id(b.id)}'s "
                          f"peering link '{back.name}' has allowForwardedTraffic=false")  # fmt: skip
    return True


# ---------------------------------------------------------------------------------------------
# NSGs


def _nsg(w: _Walk, nsg_id: str | None, what: str) -> NetworkSecurityGroup | None:
    if not nsg_id:
        return None
    g = _index(w.estate).nsgs.get(rid_key(nsg_id))
    if g is None:
        w.unsure("nsg-missing", f"{what} uses network security group {short_id(nsg_id)}, which is not in the snapshot")
    return g


def _check(w: _Walk, g: NetworkSecurityGroup, direction: Direction, src: Prefix, dst: Prefix, port: int | None,
           where: Subnet, what: str) -> bool:  # fmt: skip
    ctx = context_for(w.estate, where)
    if port is None:
        allowed, unsure = open_ports(g, direction, src, dst, w.protocol, ctx)
        w.ports = intersect(w.ports, allowed + unsure)
        if unsure:
            w.reasons.append(Reason("nsg-partly-unknown",
                f"network security group {g.name} ({what}): ports {ports_text(unsure)} depend on rules the snapshot cannot decide"))  # fmt: skip
        if not allowed and not unsure:
            rule = next((r for r in g.ordered(direction)), None)
            return w.fail("nsg-rule", g.id, "nsg-denies", f"network security group {g.name} ({what}) leaves no port "
                          f"open from {src} to {dst}", rule.name if rule else None, rule.priority if rule else None)  # fmt: skip
        return True
    d = evaluate(g, direction, src, dst, port, w.protocol, ctx)
    w.decisions.append(d)
    if d.allowed is None:
        w.unsure("nsg-unknown", d.describe())
        return False
    if not d.allowed:
        r = d.rule
        assert r is not None
        return w.fail("nsg-rule", g.id, "nsg-denies", f"{d.describe()} for {w.protocol.upper()} {port} from {src} to {dst} ({what})",
                      r.name, r.priority)  # fmt: skip
    w.reasons.append(Reason("nsg-allows", f"{d.describe()} ({what})"))
    return True


def _outbound(w: _Walk) -> bool:
    src = w.src
    dst = prefix_of_ip(w.dst)
    ok = True
    nic = w.estate.get(src.nic_id) if src.nic_id else None
    if isinstance(nic, NetworkInterface):
        g = _nsg(w, nic.nsg_id, f"NIC {nic.name}")
        if g is not None:
            ok = _check(w, g, Direction.OUTBOUND, src.prefix, dst, w.port, src.subnet, f"outbound at NIC {nic.name}") and ok
    g = _nsg(w, src.subnet.nsg_id, f"subnet {short_id(src.subnet.id)}")
    if g is not None and ok:
        ok = _check(w, g, Direction.OUTBOUND, src.prefix, dst, w.port, src.subnet, f"outbound at subnet {src.subnet.name}") and ok
    return ok


def _inbound_at(w: _Walk, sub: Subnet, nic_id: str | None, src: Prefix, dst_ip: IPAddress, port: int | None,
                label: str) -> bool:  # fmt: skip
    dst = prefix_of_ip(dst_ip)
    g = _nsg(w, sub.nsg_id, f"subnet {short_id(sub.id)}")
    if g is not None and not _check(w, g, Direction.INBOUND, src, dst, port, sub, f"inbound at subnet {sub.name}{label}"):
        return False
    nic = w.estate.get(nic_id) if nic_id else None
    if isinstance(nic, NetworkInterface):
        g = _nsg(w, nic.nsg_id, f"NIC {nic.name}")
        if g is not None and not _check(w, g, Direction.INBOUND, src, dst, port, sub, f"inbound at NIC {nic.name}{label}"):
            return False
    return True


def _inbound(w: _Walk, src: Prefix) -> bool:
    """Inbound NSGs where the flow lands: backends of an ILB, an endpoint's subnet (R5), a NIC's subnet."""
    estate, t = w.estate, w.target
    if t.kind == "lb-frontend" and t.resource:
        return _at_backends(w, t.resource, src, w.port)
    if t.kind == "private-endpoint" and t.resource:
        pe = estate.get(t.resource)
        assert isinstance(pe, PrivateEndpoint)
        sub = estate.subnet(pe.subnet_id)
        if sub is not None:
            nsg_on, _ = sub.pe_policies()
            if sub.nsg_id and not nsg_on:
                w.reasons.append(Reason("pe-nsg-not-applied",
                    f"subnet {short_id(sub.id)} has NSG {short_id(sub.nsg_id)}, but its privateEndpointNetworkPolicies "
                    f"({sub.private_endpoint_network_policies or 'Disabled'}) do not apply it to private endpoints (R5)"))  # fmt: skip
            elif not _inbound_at(w, sub, None, src, w.dst, w.port, " (private endpoint)"):
                return False
        return _private_link(w, pe)
    sub = estate.subnet(t.subnet) if t.subnet else None
    if sub is None:
        return True
    nic_id = None
    if t.kind == "nic" and t.resource:
        cfg = estate.get(t.resource)
        nic_id = cfg.id.rsplit("/ipConfigurations/", 1)[0] if cfg is not None else None
    return _inbound_at(w, sub, nic_id, src, w.dst, w.port, "")


def _private_link(w: _Walk, pe: PrivateEndpoint) -> bool:
    """R4: through Private Link the provider's backends see the PLS's NAT addresses as the source."""
    estate = w.estate
    for c in pe.connections:
        pls = estate.get(c.target_id)
        if not isinstance(pls, PrivateLinkService):
            continue
        nat = [prefix_of_ip(n.private_ip) for n in pls.nat_ips if n.private_ip is not None]
        if not nat:
            subs = [estate.subnet(n.subnet_id) for n in pls.nat_ips]
            nat = [s.prefixes[0] for s in subs if s is not None and s.prefixes]
        if not nat:
            w.unsure("pls-nat-unknown", f"Private Link Service {pls.name} shows no NAT address: the source its backends see is unknown")
            return False
        w.hops.append(Hop(pe.id, pls.id, note=f"through Private Link Service {pls.name}, source NAT to {', '.join(str(n) for n in nat)}"))
        w.reasons.append(Reason("private-link-nat",
            f"through Private Link Service {pls.name}, the provider's backends see the NAT addresses "
            f"{', '.join(str(n) for n in nat)} as the source, not {w.src.label}"))  # fmt: skip
        ok = True
        for fe_id in pls.frontend_ids:
            ok = _at_backends(w, fe_id, nat[0], w.port) and ok
        return ok
    return True


def _at_backends(w: _Walk, frontend_id: str, src: Prefix, port: int | None) -> bool:
    """R4: an internal LB delivers to its backend pool; the backends' NSGs decide, on the backend port."""
    estate = w.estate
    fe = estate.frontend(frontend_id)
    lb = estate.load_balancer_of(fe) if fe is not None else None
    if fe is None or not isinstance(lb, LoadBalancer):
        return True
    rules = [r for r in lb.rules if r.frontend_id and rid_key(r.frontend_id) == fe.key]
    proto = w.protocol.lower()
    if port is not None:
        matching = [r for r in rules if (r.frontend_port == port or r.frontend_port == 0)
                    and r.protocol.lower() in (proto, "all")]  # fmt: skip
        if rules and not matching:
            served = ", ".join(f"{r.protocol.upper()} {r.frontend_port}" for r in rules)
            return w.fail("lb-rule", lb.id, "lb-no-rule",
                          f"load balancer {lb.name} has no load-balancing rule for {w.protocol.upper()} {port} on frontend "
                          f"{fe.name} (it serves {served})")  # fmt: skip
    else:
        matching = rules
        if rules and not any(r.frontend_port == 0 for r in rules):
            w.ports = intersect(w.ports, [(r.frontend_port, r.frontend_port) for r in rules])
    if not rules:
        w.reasons.append(Reason("lb-rules-unknown", f"load balancer {lb.name} shows no load-balancing rules: judged at the frontend's subnet"))
    idx = _index(estate)
    members: list[tuple[IPAddress, str | None, str, int | None]] = []
    for r in matching or [None]:  # type: ignore[list-item]
        pools = r.backend_pool_ids if r is not None else tuple(p.id for p in lb.backend_pools)
        bport = (r.backend_port or port) if r is not None and port is not None else port
        for pool in pools:
            members.extend((ip, s, n, bport) for ip, s, n in idx.backends.get(rid_key(pool), ()))
    if not members:
        sub = estate.subnet(fe.subnet_id)
        w.reasons.append(Reason("lb-backends-unknown",
            f"the backends of load balancer {lb.name} are not in the snapshot (e.g. AKS scale-set NICs): judged at the "
            f"frontend's subnet {short_id(fe.subnet_id or '')}"))  # fmt: skip
        if sub is None or fe.private_ip is None:
            return True
        return _inbound_at(w, sub, None, src, fe.private_ip, port, f" (backends of {lb.name})")
    results = []
    blocked_before = w.blocked
    for ip, sub_id, nic_id, bport in members:
        sub = estate.subnet(sub_id)
        if sub is None:
            continue
        results.append(_inbound_at(w, sub, nic_id or None, src, ip, bport, f" (backend {ip} of {lb.name})"))
    if any(results):
        w.blocked = blocked_before  # one healthy backend that admits the flow serves it
        if not all(results):
            w.reasons.append(Reason("lb-some-backends-blocked", f"some backends of {lb.name} refuse the flow; the load balancer "
                                    "only reaches the others"))  # fmt: skip
        return True
    return not results


# ---------------------------------------------------------------------------------------------
# Public API


def flow(estate: Estate, source: str, target: str, port: int | None = None, protocol: str = "tcp") -> FlowVerdict:
    """Can ``source`` reach ``target`` on ``port``/``protocol`` (any port when None)? See the module docstring."""
    kind, sources = resolve_sources(estate, source)
    resolved = resolve_target(estate, target)
    if isinstance(resolved, VNet):
        raise RefError(f"with a traffic source, TARGET must be an address or the ID of a frontend, endpoint or NIC; "
                       f"'{target}' is VNet {resolved.id}")  # fmt: skip
    # The peering-level verdicts (reach()) depend on the VNet and the address only: the subnets of
    # a VNet source share them.
    asked: dict[tuple[str, str], Any] = {}
    parts = [_one(estate, s, target, resolved, port, protocol, asked) for s in sources]
    if kind != "vnet":
        return parts[0]
    return _combine(source, parts, port, protocol)


def _one(estate: Estate, src: Source, text: str, dst: IPAddress, port: int | None, protocol: str,
         asked: dict[tuple[str, str], Any]) -> FlowVerdict:  # fmt: skip
    vnet = estate.vnet(src.subnet.vnet_id)
    assert vnet is not None
    base = asked.get((vnet.key, text))
    if base is None:
        base = asked[(vnet.key, text)] = reach(estate, vnet.id, text)
    target = base.target
    w = _Walk(estate, src, dst, port, protocol, target, asked=asked)
    w.asked[(vnet.key, str(dst))] = base
    if target.kind == "outside" or (target.vnet is None and target.kind != "onprem"):
        return FlowVerdict(src.label, target, port, protocol, base.reachable,
                           [r for r in base.reasons if str(r.code) not in _DROPPED_CODES])  # fmt: skip
    ok_out = _outbound(w)
    delivered = _route_hop(w, src.subnet, set()) if (ok_out or port is None) else None
    routed = delivered is not None or (w.hops and w.hops[-1].to.startswith("onprem:"))
    if routed and delivered is not None and target.vnet and rid_key(target.vnet) != delivered.key:
        w.fail("route", None, "wrong-vnet", f"the routes deliver {dst} into {short_id(delivered.id)}, not into "
               f"{short_id(target.vnet)} where {target.kind} {short_id(target.resource or '')} holds it (overlapping space)")  # fmt: skip
        routed = False
    if routed and delivered is None and base.reachable is not True:
        # On-premises through a gateway: the gateway-transit rules of reach() decide.
        w.reasons.extend(r for r in base.reasons if str(r.code) not in _DROPPED_CODES)
        if base.reachable is False:
            w.fail("peering", None, "gateway", f"the gateway path to {dst} does not work")
        else:
            w.unknown = True
        routed = False
    if routed and target.kind == "private-endpoint" and target.resource:
        pe = estate.get(target.resource)
        bad = isinstance(pe, PrivateEndpoint) and pe.connections and all(str(c.status) != "Approved" for c in pe.connections)
        if bad:
            w.fail("endpoint", target.resource, "endpoint-not-approved",
                   f"private endpoint {short_id(target.resource)} is not approved by the service owner")
            routed = False
    ok_in = _inbound(w, src.prefix) if routed else False
    if target.kind == "address" and target.ip is not None:
        w.reasons.append(Reason("no-resource-holds-address", f"no resource in the snapshot holds {dst}"))
    if w.blocked is not None:
        reachable: bool | None = False
    elif w.unknown:
        reachable = None
    else:
        reachable = bool(ok_out and routed and ok_in)
    open_p: Ports | None = None
    if port is None:
        open_p = w.ports if reachable else []
        if reachable and not w.ports:
            reachable = False
            w.fail("nsg-rule", None, "no-port-open", "no port is open end to end")
        elif reachable:
            w.reasons.append(Reason("open-ports", f"open end to end for {protocol.upper()}: {ports_text(w.ports)}"))
    return FlowVerdict(src.label, target, port, protocol, reachable, _dedupe(w.reasons), w.hops, w.blocked, open_p,
                       w.decisions)  # fmt: skip


def _combine(source: str, parts: Sequence[FlowVerdict], port: int | None, protocol: str) -> FlowVerdict:
    """A VNet source reaches the target when each of its workload subnets does."""
    values = [p.reachable for p in parts]
    if all(v is True for v in values):
        reachable: bool | None = True
    elif any(v is False for v in values):
        reachable = False
    else:
        reachable = None
    first_bad = next((p for p in parts if p.reachable is False), None) or next((p for p in parts if p.reachable is None), None)
    lead = first_bad or parts[0]
    reasons = [Reason("per-subnet", f"{p.source}: {_word(p.reachable)}"
                      + (f" ({p.blocked_by.kind} {short_id(p.blocked_by.resource or '')}"
                         + (f" rule {p.blocked_by.rule}" if p.blocked_by.rule else "") + ")" if p.blocked_by else ""))
               for p in parts]  # fmt: skip
    open_p = None
    if port is None:
        sets = [p.open_ports or [] for p in parts]
        open_p = sets[0]
        for s in sets[1:]:
            open_p = intersect(open_p, s)
    decisions = [d for p in parts for d in p.decisions]
    return FlowVerdict(source, lead.target, port, protocol, reachable, [*reasons, *lead.reasons], lead.hops,
                       lead.blocked_by, open_p, decisions, list(parts))  # fmt: skip


def _word(v: bool | None) -> str:
    return {True: "reachable", False: "not reachable", None: "unknown"}[v]


def _dedupe(reasons: list[Reason]) -> list[Reason]:
    return list(dict.fromkeys(reasons))
