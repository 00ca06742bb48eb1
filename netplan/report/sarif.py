"""SARIF 2.1.0 for GitHub code scanning and Azure DevOps (the SARIF SAST Scans Tab).

Shape, and why:
- every rule of the run is a ``reportingDescriptor`` in ``tool.driver.rules`` (id, title as
  ``shortDescription``, rationale as ``fullDescription``, remediation as ``help``, the first
  reference as ``helpUri``); results point to their rule by ``ruleId`` and ``ruleIndex``. Only rules
  tagged ``exposure`` (traffic can reach something it should not) carry ``security-severity``, which
  makes GitHub file their results as security alerts; the others carry ``problem.severity``
  (error / warning / recommendation) and are code-quality alerts;
- FAIL findings are results with a level from the severity (critical/high error, medium warning,
  low/info note); UNKNOWN findings are ``kind: review`` results, so their ``level`` is ``none``
  (SARIF 2.1.0 §3.27.10: a level other than ``none`` only with kind ``fail``), with a message
  starting ``UNKNOWN:`` so a gap never reads as a pass; PASS findings are not results (SARIF
  consumers turn every result into an alert) but they are counted in ``run.properties``;
- the Azure resource ID is the ``logicalLocation``; GitHub also requires a physical location: the
  snapshot file that defines the resource (as given on the command line, relative paths kept
  relative so they resolve inside the checkout) at the line of the resource's ``"id"`` member
  (:mod:`netplan.report.locate`), or line 1 of the first snapshot when no file defines it;
- ``partialFingerprints.primaryLocationLineHash`` hashes the rule, the case-insensitive resource
  ID and the item. GitHub matches alerts across runs by it, and the upload action computes one from
  the file's text only when it is absent (github/codeql-action ``src/fingerprints.ts``), so an
  alert keeps its identity whatever else in the snapshot changes, and two findings never merge;
- suppressed findings are left out by default: GitHub ignores SARIF ``suppressions`` and would open
  an alert for each. ``include_suppressed`` keeps them with a ``suppressions`` entry (then every
  result carries the array, empty when not suppressed, as §3.27.23 requires);
- ``automationDetails.id`` only when a category is asked for: the upload action's ``category``
  input fills it only when the file has none, so a fixed one would silently override it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from netplan import __version__
from netplan.record import record
from netplan.report.locate import ResourceLines
from netplan.report.model import Finding, Report, RuleInfo, Severity, Status

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/vnetplan/vnetplan"
#: The partial fingerprint GitHub code scanning matches alerts by.
FINGERPRINT_KEY = "primaryLocationLineHash"
#: The artifact URI of an estate read with ``--live`` (there is no snapshot file).
LIVE_URI = "vnetplan-live-estate.json"
#: A rule with this tag is about exposure: its results are security alerts on GitHub.
EXPOSURE_TAG = "exposure"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

# GitHub maps security-severity > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

# GitHub's problem.severity for rules that are not security rules.
_PROBLEM_SEVERITY = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "recommendation",
    Severity.INFO: "recommendation",
}


@record
class SarifOptions:
    """What the user asked of the SARIF file (``--sarif-category``, ``--sarif-include-suppressed``)."""

    #: ``automationDetails.id`` (a trailing ``/`` is added, as the upload action does); None: none.
    category: str | None = None
    #: Keep suppressed findings as results with a ``suppressions`` entry (GitHub still opens alerts).
    include_suppressed: bool = False


@lru_cache(maxsize=64)
def _artifact_uri(source: str) -> str:
    """A snapshot path as a SARIF URI: forward slashes, relative kept relative (GitHub resolves
    relative URIs against the checkout); absolute paths become ``file://`` URIs."""
    if source.startswith("<"):
        # Read live (``<live Azure>``): no file exists, but GitHub requires a physical location, so
        # use a nominal, stable name (alerts keep their identity across runs).
        return LIVE_URI
    posix = source.replace("\\", "/")
    if posix.startswith("/"):
        return PurePosixPath(posix).as_uri()
    return posix[2:] if posix.startswith("./") else posix


def is_exposure(info: RuleInfo) -> bool:
    return EXPOSURE_TAG in info.tags


def _descriptor(info: RuleInfo) -> dict[str, Any]:
    help_md = info.remediation
    if info.references:
        help_md += "\n\n" + "\n".join(f"- {u}" for u in info.references)
    props: dict[str, Any] = {"tags": list(info.tags), "severity": info.severity.value, "precision": "high"}
    if is_exposure(info):
        props["tags"].append("security")
        props["security-severity"] = _SECURITY_SEVERITY[info.severity]
    else:
        props["problem.severity"] = _PROBLEM_SEVERITY[info.severity]
    d: dict[str, Any] = {
        "id": info.id,
        "name": "".join(w.capitalize() for w in info.title.replace("-", " ").split() if w.isalnum()) or info.id,
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.rationale},
        "help": {"text": info.remediation, "markdown": help_md},
        "defaultConfiguration": {"level": _LEVEL[info.severity]},
        "properties": props,
    }
    if info.references:
        d["helpUri"] = info.references[0]
    return d


def _result(f: Finding, rule_index: int, uri: str | None, line: int, with_suppressions: bool) -> dict[str, Any]:
    unknown = f.status is Status.UNKNOWN
    text = f"UNKNOWN: {f.message}" if unknown else f.message
    location: dict[str, Any] = {
        "logicalLocations": [{"fullyQualifiedName": f.resource, "kind": "resource"}],
    }
    if uri is not None:
        location["physicalLocation"] = {"artifactLocation": {"uri": uri}, "region": {"startLine": line}}
    r: dict[str, Any] = {"ruleId": f.rule, "ruleIndex": rule_index}
    if unknown:
        # §3.27.10: a result whose kind is not "fail" has level "none".
        r["kind"] = "review"
        r["level"] = "none"
    else:
        r["level"] = _LEVEL[f.severity]
    r["message"] = {"text": text}
    r["locations"] = [location]
    r["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    r["properties"] = {"status": f.status.value, "severity": f.severity.value, "resource": f.resource}
    if f.item:
        r["properties"]["item"] = f.item
    if with_suppressions:
        r["suppressions"] = []
        if f.suppressed is not None:
            why = f"{f.suppressed.reason} (expires {f.suppressed.expires})"
            r["suppressions"].append({"kind": "external", "status": "accepted", "justification": why})
    return r


def to_sarif(
    report: Report, options: SarifOptions | None = None, lines: ResourceLines | None = None
) -> dict[str, Any]:
    """The SARIF log of a report. ``lines`` places each result (default: no line index, line 1)."""
    opts = options or SarifOptions()
    where = lines or ResourceLines()
    rule_ids = sorted(report.rules)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    default_uri = _artifact_uri(report.sources[0]) if report.sources else None
    uris: dict[str, None] = {} if default_uri is None else {default_uri: None}
    results = []
    for f in report.sorted_findings():
        if f.status is Status.PASS or f.rule not in index:
            continue
        if f.suppressed is not None and not opts.include_suppressed:
            continue
        place = where.find(f.resource)
        uri, line = (_artifact_uri(place.source), place.line) if place is not None else (default_uri, 1)
        if uri is not None:
            uris.setdefault(uri)
        results.append(_result(f, index[f.rule], uri, line, opts.include_suppressed))
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "vnetplan",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(report.rules[rid]) for rid in rule_ids],
            }
        },
    }
    if opts.category:
        run["automationDetails"] = {"id": opts.category if opts.category.endswith("/") else opts.category + "/"}
    run["results"] = results
    run["properties"] = {"summary": report.summary()}
    if uris:
        run["artifacts"] = [{"location": {"uri": u}} for u in uris]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report, options: SarifOptions | None = None) -> str:
    """The SARIF text; reads the report's snapshot files once to place each result on its line."""
    lines = ResourceLines.scan(report.sources, wanted={f.resource for f in report.findings if f.status is not Status.PASS})
    return json.dumps(to_sarif(report, options, lines), indent=2, ensure_ascii=False)
