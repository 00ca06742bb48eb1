"""The neutral shape of a finding, shared by the compliance rules, drift and every output writer.

A :class:`Finding` is one verdict about one resource: which rule (or drift kind) produced it, how
severe a failure is, whether the resource PASSed, FAILed or could not be judged (UNKNOWN, with the
reason in the message), and a sentence naming the resource. A :class:`Report` bundles the findings
with the metadata of the rules that produced them (:class:`RuleInfo`) and the files that were read,
which is all a writer needs. This module imports nothing from ``checks``: the rule pack produces
these values, and drift (in the core) produces them too, so the writers serve both.

The promise: severities and statuses are enums, never bare strings; the exit decision
(:meth:`Report.failed`) is made here, once, from ``--fail-on``; suppressed findings never fail a
run but stay visible in every format.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import field, replace
from enum import StrEnum
from typing import Any

from netplan.ids import rid_key
from netplan.record import record
from netplan.vocab import Status


class Severity(StrEnum):
    """How bad a failure is. Ordered: :attr:`rank` 4 (critical) down to 0 (info)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_least(self, other: Severity) -> bool:
        return self.rank >= other.rank


_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1, Severity.INFO: 0}




#: ``--fail-on`` values: a severity, or ``none`` to report without ever failing.
FAIL_ON_CHOICES: tuple[str, ...] = (*(s.value for s in Severity), "none")


def parse_fail_on(text: str) -> Severity | None:
    """``"high"`` -> Severity.HIGH; ``"none"`` -> None (never fail)."""
    return None if text == "none" else Severity(text)


@record
class RuleInfo:
    """What a writer needs to know about a rule (or a drift kind): the policy reviewer's view."""

    #: Stable, opaque identifier (``VNP-PEER-001``); never reused for another meaning.
    id: str
    title: str
    severity: Severity
    #: Why it matters, in a sentence or two (cites the Azure behaviour, e.g. "P1").
    rationale: str
    #: What to do, with the ``az`` command where there is one.
    remediation: str
    #: Microsoft documentation URLs.
    references: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "rationale": self.rationale,
            "remediation": self.remediation,
            "references": list(self.references),
            "tags": list(self.tags),
        }


@record
class Suppressed:
    """Why a finding does not count: the suppression's reason and its expiry date (ISO text)."""

    reason: str
    expires: str
    source: str = ""


@record
class Finding:
    """One verdict about one resource."""

    rule: str
    severity: Severity
    status: Status
    #: The resource ID the finding is about, in its original spelling.
    resource: str
    #: A sentence that names the resource and says what was found (or why it is UNKNOWN).
    message: str
    #: What within the resource, when a rule can judge one resource more than once (a zone name for
    #: a VNet, a property for drift). Part of the fingerprint, so alerts track across runs.
    item: str = ""
    suppressed: Suppressed | None = None

    @property
    def counts_as_failure(self) -> bool:
        return self.status is Status.FAIL and self.suppressed is None

    @property
    def fingerprint(self) -> str:
        """Stable across runs: rule, case-insensitive resource ID and item, hashed."""
        text = f"{self.rule}|{rid_key(self.resource)}|{self.item.lower()}"
        return sha256_hex(text.encode("utf-8"))[:32]

    def sort_key(self) -> tuple[int, int, str, str, str]:
        return (_STATUS_ORDER[self.status], -self.severity.rank, self.rule, rid_key(self.resource), self.item)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "status": self.status.value,
            "resource": self.resource,
            "message": self.message,
        }
        if self.item:
            d["item"] = self.item
        if self.suppressed is not None:
            d["suppressed"] = {"reason": self.suppressed.reason, "expires": self.suppressed.expires}
        return d


_STATUS_ORDER = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.PASS: 2}


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in hex, from the C module that :mod:`hashlib` falls back to, when there is
    one: importing hashlib loads OpenSSL, about 11M instructions (2% of a command's start-up, and
    more than the SARIF of a small estate spends hashing); the digest is the same. Deferred: only
    SARIF fingerprints and JUnit's shortened names ask for it."""
    try:
        from _sha256 import sha256  # Python 3.11
    except ImportError:  # 3.12 on: _sha2, which hashlib takes as it is
        from hashlib import sha256
    return str(sha256(data).hexdigest())


@record
class RunInfo:
    """When, where and how long the run took: what CI test reports show (JUnit ``timestamp``,
    ``hostname``, ``time``). The commands measure it; writers only copy it, so they stay pure."""

    #: Start of the run, ISO 8601 in UTC to the second (``2026-11-23T06:00:00``).
    started: str
    hostname: str
    #: Wall-clock seconds of the whole run (loading excluded).
    seconds: float
    #: Seconds per rule, when each rule was timed (the audit); drift times only the whole run.
    rule_seconds: Mapping[str, float] = field(default_factory=dict)


@record
class Report:
    """Findings plus the rule metadata and inputs the writers need."""

    #: "audit" or "drift": the writers title their output with it.
    kind: str
    findings: Sequence[Finding]
    rules: Mapping[str, RuleInfo]
    #: The files read (snapshot paths); SARIF uses the first as the physical location.
    sources: tuple[str, ...] = ()
    #: Failing findings at or above this severity fail the run; None: never.
    fail_on: Severity | None = Severity.HIGH
    #: Extra summary facts (drift: unchanged resource count, baseline file).
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: When and where it ran (None in library use and golden files without it).
    run: RunInfo | None = None
    #: PASS findings counted but not listed, per rule (set by :meth:`without_passed`): the summary
    #: and per-rule counts include them, ``findings`` does not.
    passed_not_listed: Mapping[str, int] = field(default_factory=dict)

    def without_passed(self) -> Report:
        """The report the CLI writes by default: failures, UNKNOWNs and suppressed findings listed,
        unsuppressed PASS findings only counted (an estate of 50,000 VNets passes millions of checks;
        ``--include-passed`` keeps them). Every count, the exit decision and every format agree with
        the full report."""
        kept: list[Finding] = []
        omitted: Counter[str] = Counter(self.passed_not_listed)
        for f in self.findings:
            if f.status is Status.PASS and f.suppressed is None:
                omitted[f.rule] += 1
            else:
                kept.append(f)
        return replace(self, findings=kept, passed_not_listed=dict(sorted(omitted.items())))

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)

    def failing(self) -> list[Finding]:
        """Failing, unsuppressed findings at or above ``fail_on``: the ones that make exit code 1."""
        if self.fail_on is None:
            return []
        floor = self.fail_on
        return [f for f in self.findings if f.counts_as_failure and f.severity.at_least(floor)]

    @property
    def failed(self) -> bool:
        return bool(self.failing())

    def summary(self) -> dict[str, Any]:
        status = Counter(f.status.value for f in self.findings)
        fails = Counter(f.severity.value for f in self.findings if f.counts_as_failure)
        not_listed = sum(self.passed_not_listed.values())
        out: dict[str, Any] = {
            "total": len(self.findings) + not_listed,
            "pass": status.get("PASS", 0) + not_listed,
            "fail": status.get("FAIL", 0),
            "unknown": status.get("UNKNOWN", 0),
            "suppressed": sum(1 for f in self.findings if f.suppressed is not None),
            "failures_by_severity": {s.value: fails.get(s.value, 0) for s in Severity},
            "rules": len(self.rules),
            "fail_on": self.fail_on.value if self.fail_on else "none",
            "result": "fail" if self.failed else "pass",
            **dict(self.extra),
        }
        if self.passed_not_listed:
            out["passed_not_listed"] = not_listed
        return out

    def per_rule(self) -> list[tuple[RuleInfo, dict[str, int]]]:
        """Each rule with its PASS/FAIL/UNKNOWN/suppressed counts, in rule-id order."""
        counts: dict[str, Counter[str]] = {rid: Counter() for rid in self.rules}
        for f in self.findings:
            c = counts.setdefault(f.rule, Counter())
            c["suppressed" if f.suppressed is not None else f.status.value.lower()] += 1
        for rid, n in self.passed_not_listed.items():
            counts.setdefault(rid, Counter())["pass"] += n
        out = []
        for rid in sorted(counts):
            info = self.rules.get(rid)
            if info is None:
                continue
            c = counts[rid]
            out.append((info, {k: c.get(k, 0) for k in ("pass", "fail", "unknown", "suppressed")}))
        return out
