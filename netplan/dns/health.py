"""App-domain health per consumer: what each VNet's app names resolve to, and whether it can reach it.

For one app domain (the intent's, or the one asked), every consumer VNet gets one row: how many of
the domain's app names resolve to an internal load balancer frontend, to a private endpoint, to
another private address, to public DNS, to NXDOMAIN (or to a name without an address), or to an
answer the snapshot cannot determine; and whether the private addresses answered are reachable
from that VNet (:func:`netplan.reach.reach`). The row's verdict is PASS only when every name
resolves privately *and* every address answered is reachable; FAIL when a name does not resolve
privately or an address is not reachable; UNKNOWN otherwise, with the reasons. This is the
consumer × answer matrix of the TUI's home screen; the answers come from the same
:func:`~netplan.dns.matrix.resolution_matrix` as ``vnetplan resolve`` (one resolution per DNS
context, not per VNet) and reachability is asked once per (VNet, address).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from netplan.dns.matrix import ResolutionMatrix, app_names, resolution_matrix
from netplan.dns.simulator import Answer, Status
from netplan.estate import Estate
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
    #: True: every private address answered is reachable; False: one is not; None: unknown or none.
    reachable: bool | None
    health: Health
    reasons: tuple[str, ...] = ()


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
    estate: Estate, domain: str, vnets: Sequence[VNet] | None = None, names: Sequence[str] = ()
) -> DomainHealth:
    """The consumer × answer matrix of ``domain`` over ``vnets`` (default: every VNet).

    ``names`` default to the explicit records under the domain (:func:`app_names`); with none, the
    result has no rows (nothing to check is not a pass: the caller says so).
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
        reach_results: list[bool | None] = []
        for ip in addresses:
            verdict = reach(estate, v.id, ip)
            reach_results.append(verdict.reachable)
            if verdict.reachable is not True:
                why = verdict.reasons[-1].message if verdict.reasons else "no reason given"
                state = "not reachable" if verdict.reachable is False else "reachability unknown"
                reasons.append(f"{ip}: {state}: {why}")
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
        rows.append(ConsumerHealth(v, dict(counts), tuple(addresses), reachable, health, tuple(reasons)))
    rows.sort(key=lambda r: (_ORDER[r.health], r.vnet.name.lower()))
    return DomainHealth(domain, asked, tuple(rows), matrix)
