"""Peering links that do not carry all traffic, each with the sentence that says why.

A peering link carries every packet only when it is Connected (P1), fully in sync (P4) and allows
virtual network access (P5). This is the per-link list the TUI's home screen shows and its badges
follow; the audit rules VNP-PEER-001/002 judge the same facts (with their remediation). One
element per link, in estate order.
"""

from __future__ import annotations

from dataclasses import dataclass

from netplan.estate import Estate
from netplan.ids import name_of
from netplan.model import Peering, PeeringState, SyncLevel, VNet


@dataclass(frozen=True)
class PeeringProblem:
    """One link of ``vnet`` that does not carry all traffic, and why."""

    vnet: VNet
    peering: Peering
    #: "not connected", "not in sync" or "access disabled" (the first that applies)
    kind: str
    message: str


def link_problem(p: Peering) -> tuple[str, str] | None:
    """(kind, why) for one link, or None when it carries all traffic."""
    remote = name_of(p.remote_vnet_id)
    if p.state is not PeeringState.CONNECTED:
        return "not connected", f"{p.state} to {remote}: no traffic flows (P1)"
    if p.sync_level is not None and p.sync_level is not SyncLevel.FULLY_IN_SYNC:
        return "not in sync", f"{p.sync_level} with {remote}: traffic to unsynced prefixes is dropped (P4)"
    if not p.allow_virtual_network_access:
        return "access disabled", f"virtual network access to {remote} is off (P5)"
    return None


def peering_problems(estate: Estate) -> list[PeeringProblem]:
    out: list[PeeringProblem] = []
    for v in estate.vnets:
        for p in v.peerings:
            found = link_problem(p)
            if found is not None:
                out.append(PeeringProblem(v, p, *found))
    return out
