"""What an interrupted apply did, from the journal: the message Ctrl-C (CLI) or cancel (TUI) shows.

An interrupt never abandons a write half-way: no new change starts, and those in flight run to
their end (a thread cannot be stopped mid-write, nor should it be). So after the interrupt the
journal, fsync'd around every write, is the truth: which changes were done before the interrupt
(the run had reported them), which were in flight and finished since, and which are left - those a
re-run of the same apply (same journal) will do; it skips the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from netplan.ids import short_id
from netplan.live.journal import Journal


@dataclass
class InterruptSummary:
    """Change ids of one plan, sorted into what an interrupted run left behind."""

    total: int
    done_before: list[str] = field(default_factory=list)
    finished_in_flight: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    #: change id -> "create peering rg/vnet/peer" for the messages
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return len(self.done_before) + len(self.finished_in_flight)

    def _names(self, ids: list[str], limit: int = 3) -> str:
        names = [self.labels.get(i, i) for i in ids[:limit]]
        more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
        return ", ".join(names) + more

    def sentence(self) -> str:
        """What happened, without the advice (shared by the CLI and the TUI)."""
        parts = [f"{len(self.done_before)} of {self.total} change(s) were done before the interrupt"]
        if self.finished_in_flight:
            parts.append(f"{len(self.finished_in_flight)} in flight then finished ({self._names(self.finished_in_flight)})")
        else:
            parts.append("none was in flight")
        parts.append(f"{len(self.left)} left" + (f" ({self._names(self.left)})" if self.left else ""))
        return "; ".join(parts)

    def rerun(self, command: str) -> str:
        """What running ``command`` again will do."""
        if not self.left:
            return f"every change is done: {command} again only checks them (all 'already')"
        return f"{command} again skips the {self.done} done and applies the {len(self.left)} left"


def summarize(plan: Any, journal_path: str, reported: Iterable[str]) -> InterruptSummary:
    """Sort ``plan``'s steps by the journal at ``journal_path``; ``reported`` = the change ids the
    run reported finished before it was interrupted."""

    journal = Journal(journal_path, plan.plan_id).load()
    seen = set(reported)
    out = InterruptSummary(total=len(plan.changes))
    for step in plan.changes:
        cid = step.key
        out.labels[cid] = f"{step.action.value} {short_id(step.id)}"
        if journal.state(cid).finished:
            (out.done_before if cid in seen else out.finished_in_flight).append(cid)
        else:
            out.left.append(cid)
    return out
