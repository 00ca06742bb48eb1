"""How a consumer VNet resolves names, and whether the network already serves it.

:func:`resolution_path` says where the DNS queries of a VNet are answered (D2, A1): by Azure-provided
DNS with the VNet's own zone links; by a DNS private resolver inbound endpoint or a declared DNS
forwarder, then "as in" the VNet that holds it (its zone links and forwarding rulesets); by servers
the estate does not show (UNKNOWN, with the reason); or by nothing at all, when the consumer cannot
reach its custom DNS server on port 53 (:func:`server_reach` is the one place that decides this).

:func:`existing_path` answers the planner's first question for a connection: does the consumer
already resolve the app names to a target it reaches (through a hub's forwarder or gateway)? It
returns the path, what is broken on it that a repair fixes (a peering link that does not know the
remote's current address space, P4), and why not when it is not served.

The promise: every result carries its reasons, and anything the estate cannot tell is UNKNOWN
with the reason, never a guess. Nothing here writes or plans; :mod:`netplan.plan` and
:mod:`netplan.planopts` use the answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

from netplan.dns.names import AZURE_DNS_IP
from netplan.dns.simulator import DnsSimulator, Status
from netplan.estate import Estate
from netplan.ids import name_of, rid_key
from netplan.model import Peering, PeeringState, SyncLevel, VNet
from netplan.reach import reach


class PathKind(StrEnum):
    """Where a VNet's DNS queries are answered."""

    #: Azure-provided DNS (168.63.129.16): the VNet's own zone links and rulesets answer.
    AZURE = "azure-dns"
    #: A DNS private resolver inbound endpoint: answered as in the resolver's VNet.
    RESOLVER = "resolver"
    #: A declared DNS forwarder to Azure DNS: answered as in the forwarder's VNet.
    FORWARDER = "forwarder"
    #: Custom DNS servers the estate does not show: the answer is theirs.
    UNKNOWN = "unknown"
    #: The custom DNS server cannot be reached on port 53: the VNet resolves nothing.
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class ResolutionPath:
    """Where the queries of ``vnet_id`` are answered, and why."""

    vnet_id: str
    kind: PathKind
    #: The VNet whose zone links and forwarding rulesets answer (None for unknown/unreachable).
    resolver_vnet_id: str | None
    #: The custom DNS server in use (None for Azure-provided DNS).
    server: str | None = None
    reasons: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return self.resolver_vnet_id is not None

    def summary(self) -> str:
        """One line, e.g. ``custom DNS 10.100.0.68: resolver in-hub (resolved as in vnet-hub)``."""
        if self.kind is PathKind.AZURE:
            return f"Azure-provided DNS with the zone links of {name_of(self.vnet_id)}"
        where = f", resolved as in {name_of(self.resolver_vnet_id or '')}" if self.resolver_vnet_id else ""
        label = {PathKind.RESOLVER: "a DNS private resolver inbound endpoint",
                 PathKind.FORWARDER: "a declared DNS forwarder",
                 PathKind.UNKNOWN: "a server the estate does not show",
                 PathKind.UNREACHABLE: "unreachable on port 53: resolves nothing"}[self.kind]  # fmt: skip
        return f"custom DNS {self.server} ({label}{where})"

    def to_dict(self) -> dict[str, Any]:
        return {"vnet": self.vnet_id, "kind": self.kind.value, "resolver_vnet": self.resolver_vnet_id,
                "server": self.server, "summary": self.summary(), "reasons": list(self.reasons)}  # fmt: skip


def server_reach(estate: Estate, vnet: VNet, ip: str, sim: DnsSimulator | None = None) -> tuple[bool | None, tuple[str, ...]]:
    """Can VMs in ``vnet`` reach DNS server ``ip`` on port 53? (verdict, reasons).

    The simulator decides (:meth:`DnsSimulator.server_reachable`, the one place), so the planner,
    ``recommend`` and ``resolve`` agree; this only words the answer.
    """
    sim = sim or DnsSimulator(estate)
    ok, why = sim.server_reachable(vnet, ip)
    if ok:
        return True, (f"{vnet.name} reaches DNS server {ip} on port 53",)
    if ok is False:
        return False, (f"{vnet.name} cannot reach its DNS server {ip} on port 53: {why}",)
    return None, (f"whether {vnet.name} reaches its DNS server {ip} on port 53 cannot be determined: {why}",)


def resolution_path(estate: Estate, vnet: VNet, sim: DnsSimulator | None = None) -> ResolutionPath:
    """Where ``vnet``'s queries are answered (see the module docstring). Clients use the first
    server; the others are failover, named in the reasons when they would answer differently."""
    if not vnet.dns_servers:
        return ResolutionPath(vnet.id, PathKind.AZURE, vnet.id, None,
                              (f"{vnet.name} uses Azure-provided DNS: its own zone links and rulesets answer (D2)",))  # fmt: skip
    sim = sim or DnsSimulator(estate)
    # Clients skip a server they cannot reach and use the next one (as the simulator does).
    notes: list[str] = []
    unreachable: list[str] = []
    skipped: set[str] = set()
    ip = ""
    why: tuple[str, ...] = ()
    ok: bool | None = False
    for server in (str(s) for s in vnet.dns_servers):
        ok, why = server_reach(estate, vnet, server, sim) if server != AZURE_DNS_IP else (True, ())
        if ok is False:
            unreachable.append(why[0])
            skipped.add(server)
            continue
        ip = server
        break
    if not ip:
        return ResolutionPath(vnet.id, PathKind.UNREACHABLE, None, str(vnet.dns_servers[0]),
                              (*unreachable, f"{vnet.name} reaches none of its DNS servers: it resolves nothing (SERVFAIL)"))  # fmt: skip
    if unreachable:
        notes.append(f"clients skip the DNS servers they cannot reach: {'; '.join(unreachable)}")
    rest = [str(s) for s in vnet.dns_servers if str(s) != ip and str(s) not in skipped]
    if rest:
        notes.append(f"{vnet.name} uses {ip} first, {', '.join(rest)} on failover")
    if ip == AZURE_DNS_IP:
        return ResolutionPath(vnet.id, PathKind.AZURE, vnet.id, ip,
                              (f"{vnet.name} names Azure-provided DNS {ip} itself: its own zone links answer", *notes))  # fmt: skip
    target, how = sim.server_target(vnet, ip)
    if target is None:
        return ResolutionPath(vnet.id, PathKind.UNKNOWN, None, ip,
                              (f"{vnet.name} uses custom DNS server {ip}, which {how}: what it answers is unknown (D2)", *notes))  # fmt: skip
    if ok is None:
        return ResolutionPath(vnet.id, PathKind.UNKNOWN, None, ip, (*why, *notes))
    inbound = any(str(a) == ip for ep in estate.resolver_endpoints if ep.direction == "inbound" for a in ep.ips)
    kind = PathKind.RESOLVER if inbound else PathKind.FORWARDER
    return ResolutionPath(vnet.id, kind, target.id, ip,
                          (f"{vnet.name} uses custom DNS server {ip}, which {how} (A1)", *why, *notes))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Repairs on a path


@dataclass(frozen=True)
class Repair:
    """Something broken on an existing path that one change fixes."""

    #: "sync-peering" (PUT the link with syncRemoteAddressSpace=true, P4).
    kind: str
    #: The resource the change writes (the peering link).
    resource_id: str
    vnet_id: str
    remote_vnet_id: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "resource": self.resource_id, "message": self.message}


def _stale(link: Peering, remote: VNet) -> list[str]:
    """The remote's current prefixes this link does not know (P4/P9)."""
    return [str(p) for p in remote.address_prefixes if not any(k.contains(p) for k in link.remote_prefixes)]


def peering_repairs(estate: Estate, vnet_ids: Sequence[str]) -> list[Repair]:
    """Sync repairs for the peerings between consecutive VNets of ``vnet_ids`` (a path).

    A link whose known remote space misses part of the remote VNet's current space is synced; when
    no link is stale but a Connected link reports a sync level other than FullyInSync, that link is.
    """
    out: list[Repair] = []
    keys = [rid_key(v) for v in vnet_ids]
    for a_key, b_key in pairwise(keys):
        a, b = estate.vnet(a_key), estate.vnet(b_key)
        if a is None or b is None:
            continue
        links = [(x, y, estate.peering(x.id, y.id)) for x, y in ((a, b), (b, a))]
        stale = [(x, y, link, _stale(link, y)) for x, y, link in links
                 if link is not None and link.state is PeeringState.CONNECTED and link.remote_prefixes]  # fmt: skip
        picked = [(x, y, link, miss) for x, y, link, miss in stale if miss]
        if not picked:
            picked = [(x, y, link, []) for x, y, link in links
                      if link is not None and link.state is PeeringState.CONNECTED
                      and link.sync_level not in (None, SyncLevel.FULLY_IN_SYNC)]  # fmt: skip
        for x, y, link, miss in picked:
            assert link is not None
            what = (f"does not know {', '.join(miss)} of {y.name}" if miss
                    else f"is {link.sync_level.value if link.sync_level else 'not in sync'}")  # fmt: skip
            out.append(Repair("sync-peering", link.id, x.id, y.id,
                              f"peering link {link.name} of {x.name} {what}: sync it with the remote address "
                              "space (syncRemoteAddressSpace, P4)"))  # fmt: skip
    return out


# ---------------------------------------------------------------------------------------------
# The existing path


@dataclass(frozen=True)
class ExistingPath:
    """Whether a consumer is already served: it resolves the app names to a target it reaches."""

    consumer_id: str
    resolution: ResolutionPath
    #: True: every name resolves to an acceptable target that is reachable. False: not (the
    #: reasons say what is missing). None: the estate cannot tell.
    served: bool | None
    #: The consumer reaches the target over the network (True/False/None), whatever DNS says.
    reachable: bool | None
    #: The address the names resolve to (or would, once DNS is fixed).
    target: str | None
    #: VNet IDs crossed to the target, then the target resource.
    route: tuple[str, ...] = ()
    repairs: tuple[Repair, ...] = ()
    reasons: tuple[str, ...] = ()

    def describe(self) -> str:
        """The path in one line: traffic hops, then where names are answered."""
        hops = " -> ".join(name_of(p) for p in self.route) or "?"
        return f"{hops}; DNS: {self.resolution.summary()}"

    def to_dict(self) -> dict[str, Any]:
        return {"consumer": self.consumer_id, "served": self.served, "reachable": self.reachable,
                "target": self.target, "route": list(self.route), "resolution": self.resolution.to_dict(),
                "repairs": [r.to_dict() for r in self.repairs], "reasons": list(self.reasons),
                "path": self.describe()}  # fmt: skip


def existing_path(estate: Estate, consumer: VNet, names: Sequence[str], targets: Sequence[str],
                  sim: DnsSimulator | None = None) -> ExistingPath:  # fmt: skip
    """Is ``consumer`` already served? ``names``: the app FQDNs to resolve; ``targets``: the
    addresses that serve the apps (the LB frontend, private endpoints to its Private Link Service),
    the first being the one to reach when DNS does not answer yet."""

    sim = sim or DnsSimulator(estate)
    rp = resolution_path(estate, consumer, sim)
    reasons: list[str] = list(rp.reasons)
    ok_targets = {str(t) for t in targets}
    answers = [sim.resolve(consumer, n) for n in names]
    resolved = [a for a in answers if a.resolved and set(a.addresses) <= ok_targets]
    got = {x for a in resolved for x in a.addresses}
    target = sorted(got)[0] if len(got) == 1 else (str(targets[0]) if targets else None)
    dns_ok: bool | None = len(resolved) == len(answers) and len(got) == 1
    for a in answers:
        if a not in resolved:
            if a.status is Status.UNKNOWN:
                dns_ok = None if dns_ok is not False else False
            reasons.append(f"{a.name} from {consumer.name}: {a.summary()}")
    if rp.kind is PathKind.UNREACHABLE:
        dns_ok = False
    if target is None:
        return ExistingPath(consumer.id, rp, False, None, None, (), (), (*reasons, "no target address is known"))
    verdict = reach(estate, consumer.id, target)
    route = tuple(verdict.path)
    vnets = [p for p in verdict.path if estate.vnet(p) is not None]
    repairs: list[Repair] = peering_repairs(estate, vnets) if verdict.reachable else []
    if rp.kind in (PathKind.RESOLVER, PathKind.FORWARDER) and rp.server:
        dv = reach(estate, consumer.id, rp.server)
        if dv.reachable:
            have = {r.resource_id.lower() for r in repairs}
            repairs += [r for r in peering_repairs(estate, [p for p in dv.path if estate.vnet(p) is not None])
                        if r.resource_id.lower() not in have]  # fmt: skip
    if verdict.reachable:
        reasons.append(f"{consumer.name} reaches {target} (" + " -> ".join(name_of(p) for p in route) + ")")
    else:
        reasons.append(f"{consumer.name} does not reach {target}: " + "; ".join(r.message for r in verdict.reasons))
    served: bool | None
    if verdict.reachable is False or dns_ok is False:
        served = False
    elif verdict.reachable is None or dns_ok is None:
        served = None
    else:
        served = True
    return ExistingPath(consumer.id, rp, served, verdict.reachable, target, route, tuple(repairs), tuple(reasons))
