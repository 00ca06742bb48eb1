"""Suppressions: accepted findings, each with a reason and an expiry date.

A suppression file is YAML (or JSON)::

    suppressions:
      - rule: VNP-PEER-003
        resource: "/subscriptions/*/resourceGroups/rg-lab/*"   # a resource ID or a glob
        reason: lab spokes are isolated on purpose (CHG-1234)
        expires: 2026-12-31

A suppression covers FAIL and UNKNOWN findings of its rule whose resource ID matches the glob
(case-insensitively, as Azure compares IDs). The finding stays in every report, marked suppressed,
and no longer counts towards ``--fail-on``. An expired suppression suppresses nothing and is a
finding itself (:data:`EXPIRED`, FAIL), so an acceptance cannot outlive its review date unnoticed.
Mistakes in the file raise :class:`~netplan.errors.InputError` naming the file and line.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from checks.rules import _docs
from netplan.errors import InputError
from netplan.ids import rid_key
from netplan.record import record
from netplan.report.model import Finding, RuleInfo, Severity, Status, Suppressed
from netplan.yamlio import PathKey, load_with_lines, where

EXPIRED = RuleInfo(
    id="VNP-SUPP-001",
    title="Suppression has expired",
    severity=Severity.MEDIUM,
    rationale=(
        "Every accepted finding carries a review date; after it, the acceptance must be renewed or the "
        "problem fixed, so the findings it covered are reported again."
    ),
    remediation="Fix the findings it covered, or renew the suppression with a new reason and expiry date.",
    references=(_docs.PEERING_OVERVIEW,),
    tags=("governance",),
)

_FIELDS = ("rule", "resource", "reason", "expires")


@record
class Suppression:
    rule: str
    #: A resource ID or a glob (``*`` matches across ``/``), compared case-insensitively.
    resource: str
    reason: str
    expires: dt.date
    file: str = ""
    line: int = 0

    def matches(self, f: Finding) -> bool:
        return f.rule.upper() == self.rule.upper() and fnmatch.fnmatchcase(rid_key(f.resource), rid_key(self.resource))

    @property
    def place(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def load_suppressions(path: str | Path, known_rules: Collection[str]) -> list[Suppression]:
    """Read and validate a suppression file; unknown rule ids and bad dates are errors with the line."""
    file = str(path)
    data, lines = load_with_lines(path)
    base: PathKey = ()
    if isinstance(data, dict) and "suppressions" in data:
        data, base = data["suppressions"], ("suppressions",)
    if data is None:
        return []
    if not isinstance(data, list):
        raise InputError(file, where(base, lines), "expected a list of suppressions (rule, resource, reason, expires)")
    known = {r.upper() for r in known_rules}
    out: list[Suppression] = []
    for i, entry in enumerate(data):
        at: PathKey = (*base, i)
        if not isinstance(entry, dict):
            raise InputError(file, where(at, lines), "expected a mapping with rule, resource, reason, expires")
        extra = sorted(set(map(str, entry)) - set(_FIELDS))
        if extra:
            raise InputError(file, where((*at, extra[0]), lines), f"unknown field '{extra[0]}' (expected {', '.join(_FIELDS)})")
        values: dict[str, Any] = {}
        for key in _FIELDS:
            value = entry.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise InputError(file, where(at, lines), f"'{key}' is required")
            values[key] = value
        rule = str(values["rule"]).strip()
        if rule.upper() not in known:
            raise InputError(file, where((*at, "rule"), lines), f"unknown rule id '{rule}' (see vnetplan rules)")
        expires = values["expires"]
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires.strip())
            except ValueError:
                expires = None
        if not isinstance(expires, dt.date):
            raise InputError(file, where((*at, "expires"), lines), "'expires' must be a date (YYYY-MM-DD)")
        if not isinstance(values["resource"], str) or not isinstance(values["reason"], str):
            raise InputError(file, where(at, lines), "'resource' and 'reason' must be text")
        line = lines.get(at, 0)
        out.append(Suppression(rule.upper(), values["resource"].strip(), values["reason"].strip(), expires, file, line))
    return out


def apply_suppressions(
    findings: Iterable[Finding], suppressions: Sequence[Suppression], today: dt.date
) -> list[Finding]:
    """Mark covered FAIL/UNKNOWN findings as suppressed; add one finding per expired suppression.

    A suppression is current through its expiry date (inclusive).
    """
    active = [s for s in suppressions if s.expires >= today]
    out: list[Finding] = []
    for f in findings:
        if f.status is not Status.PASS:
            s = next((s for s in active if s.matches(f)), None)
            if s is not None:
                f = replace(f, suppressed=Suppressed(s.reason, s.expires.isoformat(), s.place))
        out.append(f)
    for s in suppressions:
        if s.expires < today:
            out.append(
                Finding(
                    EXPIRED.id, EXPIRED.severity, Status.FAIL, s.resource,
                    f"Suppression of {s.rule} for {s.resource} ({s.place}) expired on {s.expires.isoformat()} "
                    f"(reason: {s.reason}); the findings it covered are reported again.",
                    s.rule,
                )
            )  # fmt: skip
    return out
