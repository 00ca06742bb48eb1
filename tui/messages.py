"""Messages shared across the app's regions: small dataclasses, each saying what happened.

Data flows down as attributes (the app hands the Estate and the selection to widgets) and up as
these messages. Workers post the past-tense ones when a core function has finished; widgets post
``VnetSelected`` when the user picks a VNet anywhere (tree, overlap row, topology).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from netplan.estate import Estate


@dataclass
class EstateLoaded(Message):
    """The estate was read again (R) and is ready to show."""

    estate: Estate
    #: True when it was read from Azure (after an apply), False from the files.
    live: bool = False


@dataclass
class VnetSelected(Message):
    """The user picked a VNet (by its resource ID, original spelling)."""

    vnet_id: str
    #: True when the pick came from elsewhere (an overlap row): the tree then moves to it.
    reveal: bool = False


@dataclass
class BadgesComputed(Message):
    """Per-VNet problem badges were computed: rid key -> badge names (overlap, peering, dns)."""

    badges: dict[str, frozenset[str]]
    #: False when netplan.overlaps is absent: the overlap badge is then not known, not "none".
    overlaps_known: bool
    #: The Details tab's per-VNet index of LB frontends and private endpoints
    #: (tui.widgets.details.vnet_details.Attached), built in the worker: (estate, index).
    attached: Any = None


@dataclass
class OverlapsFound(Message):
    """``netplan.overlaps.find_overlaps`` finished; ``report`` is its OverlapReport."""

    report: Any


@dataclass
class AuditFinished(Message):
    """``checks.registry.audit`` finished; ``report`` is its netplan.report.Report (its PASS
    findings counted, not listed), ``digest`` what the tabs show of it
    (tui.widgets.tabs.findings.AuditDigest), both made in the worker."""

    report: Any
    digest: Any


@dataclass
class GraphBuilt(Message):
    """The estate graph (``netplan.graph.build_graph``) is ready for the topology view."""

    graph: Any


@dataclass
class NameResolved(Message):
    """A simulated DNS answer (``netplan.dns.simulator.Answer``) for the DNS tab."""

    answer: Any


@dataclass
class MatrixComputed(Message):
    """The app-domain resolution matrix (``netplan.dns.matrix.ResolutionMatrix``) is ready."""

    domain: str
    matrix: Any


@dataclass
class WorkFailed(Message):
    """A worker could not do its job; ``text`` is the one line the CLI would print."""

    text: str


@dataclass
class Recommended(Message):
    """``netplan.recommend.recommend`` answered for one consumer/provider pair."""

    recommendation: Any


@dataclass
class Planned(Message):
    """``netplan.plan.make_plan`` produced the ChangeSet of the loaded intent."""

    changes: Any
    #: The plan file's content (``netplan.verdict.plan_document``: the what-if verdict included).
    document: dict[str, Any] | None = None


@dataclass
class WhatIfComputed(Message):
    """``netplan.whatif.what_if`` evaluated the current plan."""

    whatif: Any
    #: The ChangeSet it evaluated (a what-if of an older plan is shown, never saved with a newer one).
    changes: Any = None


@dataclass
class ApplyProgressed(Message):
    """The apply executor finished one change (``result`` is its netplan.live.apply.ChangeResult)."""

    result: Any
    done: int
    total: int


@dataclass
class ApplyLogged(Message):
    """The apply executor or the verification said something worth a log line (token redacted)."""

    text: str


@dataclass
class Applied(Message):
    """An apply ended: ``result`` is the ApplyResult (or, when cancelled, the changes finished so far)."""

    result: Any
    #: True when the user cancelled: no new change was started after the ones in flight.
    cancelled: bool = False


@dataclass
class Verified(Message):
    """The estate was re-inventoried after apply and each connection verified on it."""

    #: netplan.verify.ConnectionVerification per connection of the intent, in intent order.
    results: list[Any]
    #: the fresh Estate the verification ran on
    estate: Any
    #: True for ``v`` on the estate shown (no re-inventory); False after an apply.
    offline: bool = False


@dataclass
class PeeringsFound(Message):
    """``netplan.triage.peering_problems``: links that do not carry all traffic."""

    problems: list[Any]


@dataclass
class HealthComputed(Message):
    """``netplan.dns.health.domain_health`` for the app domain (None: no domain asked)."""

    health: Any


@dataclass
class TrafficComputed(Message):
    """``netplan.traffic.vnet_traffic`` for the selected VNet: its flows per app address and port."""

    traffic: Any


@dataclass
class AnalysesFinished(Message):
    """Every start-up analysis has posted its result (the app then freezes the collector's view)."""
