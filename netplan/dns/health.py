"""App-domain health per consumer: what each VNet's app names resolve to, and whether it can reach it.

For one app domain (the intent's, or the one asked), every consumer VNet gets one row: how many of
the domain's app names resolve to an internal load balancer frontend, to a private endpoint, to
another private address, to public DNS, to NXDOMAIN (or to a name without an address), or to an
answer the snapshot cannot determine; and whether the private addresses answered are reachable
from that VNet on its app ports, by the traffic rules as ``verify`` judges them
(:func:`netplan.flow.flow`: peerings, effective routes hop by hop, NSGs at both ends, per TCP port;
the ports of the VNet's intent connection, default 443 and 80). The row's verdict is PASS only when
every name resolves privately *and* every address answered is reachable on every port; FAIL when a
name does not resolve privately or an address is not reachable on a port (the reason names what
blocks it: the route, the NSG rule and its priority, the peering); UNKNOWN otherwise (e.g. a
service tag or a firewall the model cannot see), with the reasons. This is the consumer × answer
matrix of the TUI's home screen; the answers come from the same
:func:`~netplan.dns.matrix.resolution_matrix` as ``vnetplan resolve`` (one resolution per DNS
context, not per VNet) and each flow is asked once per (VNet, address, port).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from netplan.dns.matrix import ResolutionMatrix, app_names, resolution_matrix
from netplan.dns.simulator import Answer, Status
from netplan.errors import RefError
from netplan.estate import Estate
from netplan.flow import FlowVerdict, flow, workload_subnets
from netplan.ids import rid_key, short_id
from netplan.intent import DEFAULT_APP_PORTS
from netplan.model import VNet
from netplan.reach import reach


class AnswerKind(StrEnum):
    """Where an app name's answer points, from one consumer."""

    ILB = "ILB"
    ENDPOINT = "private endpoint"
    PRIVATE = "other private"
    PUBLIC = "public"
    NXDOMAIN = "NXDOMAIN"
    UNKNOWN = "unknown"


#: Column order of the matrix.
KINDS = tuple(AnswerKind)
#: The kinds that mean "resolves privately" (an app name must, for a private connection).
PRIVATE_KINDS = frozenset({AnswerKind.ILB, AnswerKind.ENDPOINT, AnswerKind.PRIVATE})


class Health(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"


def answer_kind(estate: Estate, answer: Answer) -> AnswerKind:
    """Classify one simulated answer by the owner of the address it gives."""
    if answer.status is Status.UNKNOWN:
        return AnswerKind.UNKNOWN
    if answer.status is Status.PUBLIC:
        return AnswerKind.PUBLIC
    if not answer.resolved:
        return AnswerKind.NXDOMAIN
    if answer.zone_name is None:
        # Answered by the declared public DNS, not a private zone.
        return AnswerKind.PUBLIC
    kinds = {o.kind for ip in answer.addresses for o in estate.ip_owners(ip)}
    if "lb-frontend" in kinds:
        return AnswerKind.ILB
    if "private-endpoint" in kinds:
        return AnswerKind.ENDPOINT
    return AnswerKind.PRIVATE


@dataclass(frozen=True)
class ConsumerHealth:
    """One consumer VNet's row: answers by kind, reachability of the private addresses, verdict."""

    vnet: VNet
    counts: dict[AnswerKind, int]
    #: The private addresses answered, in first-seen order.
    addresses: tuple[str, ...]
    #: True: every private address answered is reachable on every app port; False: one is not;
    #: None: unknown, or no private address.
    reachable: bool | None
    health: Health
    reasons: tuple[str, ...] = ()
    #: The TCP ports reachability was judged on.
    ports: tuple[int, ...] = DEFAULT_APP_PORTS


@dataclass(frozen=True)
class DomainHealth:
    """Every consumer's row for one app domain (problems first), and the app names asked."""

    domain: str
    names: tuple[str, ...]
    rows: tuple[ConsumerHealth, ...] = ()
    matrix: ResolutionMatrix | None = field(default=None, compare=False, repr=False)

    def counts(self) -> Counter[Health]:
        return Counter(r.health for r in self.rows)


_ORDER = {Health.FAIL: 0, Health.UNKNOWN: 1, Health.PASS: 2}


def domain_health(
    estate: Estate, domain: str, vnets: Sequence[VNet] | None = None, names: Sequence[str] = (),
    ports: Mapping[str, Sequence[int]] | None = None,
) -> DomainHealth:
    """The consumer × answer matrix of ``domain`` over ``vnets`` (default: every VNet).

    ``names`` default to the explicit records under the domain (:func:`app_names`); with none, the
    result has no rows (nothing to check is not a pass: the caller says so). ``ports``: VNet key ->
    the TCP ports its traffic is judged on (:func:`intent_ports`); others get 443 and 80.
    Raises :class:`~netplan.errors.UsageError` for an invalid name.
    """

    asked = tuple(names) or tuple(app_names(estate, domain))
    if not asked:
        return DomainHealth(domain, ())
    members = tuple(vnets if vnets is not None else estate.vnets)
    matrix = resolution_matrix(estate, asked, vnets=members)
    # Kinds depend only on the answer, which a whole DNS-context group shares.
    kinds = [[answer_kind(estate, a) for a in answers] for answers in matrix.groups]
    rows: list[ConsumerHealth] = []
    for v in members:
        g = matrix.group_of[v.key]
        answers = matrix.groups[g]
        counts: Counter[AnswerKind] = Counter(kinds[g])
        reasons: list[str] = []
        addresses: list[str] = []
        for a, k in zip(answers, kinds[g], strict=True):
            if k in PRIVATE_KINDS:
                addresses.extend(x for x in a.addresses if x not in addresses)
            elif a.reasons:
                reasons.append(f"{a.name}: {k.value}: {a.reasons[-1]}")
            else:
                reasons.append(f"{a.name}: {k.value}")
        app_ports = tuple((ports or {}).get(v.key) or DEFAULT_APP_PORTS)
        reach_results: list[bool | None] = []
        workloads = bool(workload_subnets(v))
        for ip in addresses:
            if not workloads:
                # No workload sends app traffic from here (a hub of gateways and firewalls): routes and
                # NSGs apply per subnet, so only the peering-level answer is asked.
                ok, why = _peering_only(estate, v, ip)
                reach_results.append(ok)
                reasons.append(why)
                continue
            for port in app_ports:
                ok, why = _judge(estate, v, ip, port)
                reach_results.append(ok)
                if why:
                    reasons.append(why)
        if False in reach_results:
            reachable: bool | None = False
        elif reach_results and None not in reach_results:
            reachable = True
        else:
            reachable = None
        if reachable is False or any(counts[k] for k in (AnswerKind.PUBLIC, AnswerKind.NXDOMAIN)):
            health = Health.FAIL
        elif counts[AnswerKind.UNKNOWN] or reachable is None:
            health = Health.UNKNOWN
        else:
            health = Health.PASS
        rows.append(ConsumerHealth(v, dict(counts), tuple(addresses), reachable, health, tuple(reasons), app_ports))
    rows.sort(key=lambda r: (_ORDER[r.health], r.vnet.name.lower()))
    return DomainHealth(domain, asked, tuple(rows), matrix)


def intent_ports(intent: object) -> dict[str, tuple[int, ...]]:
    """VNet key -> the app ports of its intent connection (``ports:``), for :func:`domain_health`."""
    return {rid_key(c.consumer_vnet_id): tuple(c.ports) for c in getattr(intent, "connections", ())}


def _judge(estate: Estate, vnet: VNet, ip: str, port: int) -> tuple[bool | None, str]:
    """Is ``ip`` reachable from ``vnet`` on TCP ``port`` (:func:`netplan.flow.flow`)? With a
    sentence saying why not, or why it is not known."""
    try:
        v = flow(estate, vnet.id, ip, port)
    except RefError as exc:
        return None, f"{ip} TCP {port}: reachability unknown: {exc}"
    if v.reachable is True:
        return True, ""
    state = "not reachable" if v.reachable is False else "reachability unknown"
    return v.reachable, f"{ip} TCP {port}: {state}: {_why(v)}"


def _peering_only(estate: Estate, vnet: VNet, ip: str) -> tuple[bool | None, str]:
    v = reach(estate, vnet.id, ip)
    state = {True: "reachable", False: "not reachable", None: "reachability unknown"}[v.reachable]
    why = f": {v.reasons[-1].message}" if v.reasons and v.reachable is not True else ""
    return v.reachable, (f"{ip}: {state} by peerings{why} ({vnet.name} has no workload subnet: routes and NSGs, "
                         "judged per subnet, are not asked)")  # fmt: skip


def _why(v: FlowVerdict) -> str:
    parts = v.parts or [v]
    bad = next((p for p in parts if p.reachable is False), None) or next((p for p in parts if p.reachable is None), v)
    b = bad.blocked_by or v.blocked_by
    why = bad.reasons[-1].message if bad.reasons else (v.reasons[-1].message if v.reasons else "no reason given")
    if b is None or (b.rule and b.rule in why):
        return why
    what = f"{b.kind} {short_id(b.resource)}" if b.resource else b.kind
    if b.rule:
        what += f" rule {b.rule}" + (f" (priority {b.priority})" if b.priority is not None else "")
    return f"{why} (blocked by {what})"
