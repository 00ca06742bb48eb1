"""SARIF 2.1.0 for GitHub code scanning and Azure DevOps (the SARIF SAST Scans Tab).

Shape, and why:
- every rule of the run is a ``reportingDescriptor`` in ``tool.driver.rules`` (id, title as
  ``shortDescription``, rationale as ``fullDescription``, remediation as ``help``, the first
  reference as ``helpUri``, ``security-severity`` so GitHub ranks the alert); results point to
  their rule by ``ruleId`` and ``ruleIndex``;
- FAIL findings are results with a level from the severity (critical/high error, medium warning,
  low/info note); UNKNOWN findings are ``note`` results whose message starts ``UNKNOWN:`` so a
  gap never reads as a pass; PASS findings are not results (SARIF consumers turn every result
  into an alert) but they are counted in ``run.properties``;
- the Azure resource ID is the ``logicalLocation``; GitHub also requires a physical location, so
  each result points at the snapshot file (as given on the command line, relative paths kept
  relative so they resolve inside the checkout) at line 1;
- ``partialFingerprints`` hash the rule, the case-insensitive resource ID and the item, so an
  alert keeps its identity across runs whatever the message says;
- suppressed findings carry a SARIF ``suppressions`` entry (GitHub closes those alerts).
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from netplan import __version__
from netplan.report.model import Finding, Report, RuleInfo, Severity, Status

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/vnetplan/vnetplan"
FINGERPRINT_KEY = "vnetplanFinding/v1"
#: The artifact URI of an estate read with ``--live`` (there is no snapshot file).
LIVE_URI = "vnetplan-live-estate.json"

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


def _descriptor(info: RuleInfo) -> dict[str, Any]:
    help_md = info.remediation
    if info.references:
        help_md += "\n\n" + "\n".join(f"- {u}" for u in info.references)
    d: dict[str, Any] = {
        "id": info.id,
        "name": "".join(w.capitalize() for w in info.title.replace("-", " ").split() if w.isalnum()) or info.id,
        "shortDescription": {"text": info.title},
        "fullDescription": {"text": info.rationale},
        "help": {"text": info.remediation, "markdown": help_md},
        "defaultConfiguration": {"level": _LEVEL[info.severity]},
        "properties": {
            "tags": list(info.tags),
            "severity": info.severity.value,
            "security-severity": _SECURITY_SEVERITY[info.severity],
            "precision": "high",
        },
    }
    if info.references:
        d["helpUri"] = info.references[0]
    return d


def _result(f: Finding, rule_index: int, uri: str | None) -> dict[str, Any]:
    unknown = f.status is Status.UNKNOWN
    text = f"UNKNOWN: {f.message}" if unknown else f.message
    location: dict[str, Any] = {
        "logicalLocations": [{"fullyQualifiedName": f.resource, "kind": "resource"}],
    }
    if uri is not None:
        location["physicalLocation"] = {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}}
    r: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": "note" if unknown else _LEVEL[f.severity],
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"status": f.status.value, "severity": f.severity.value, "resource": f.resource},
    }
    if unknown:
        r["kind"] = "review"
    if f.item:
        r["properties"]["item"] = f.item
    if f.suppressed is not None:
        r["suppressions"] = [
            {"kind": "external", "justification": f"{f.suppressed.reason} (expires {f.suppressed.expires})"}
        ]
    return r


def to_sarif(report: Report) -> dict[str, Any]:
    rule_ids = sorted(report.rules)
    index = {rid: i for i, rid in enumerate(rule_ids)}
    uri = _artifact_uri(report.sources[0]) if report.sources else None
    results = [
        _result(f, index[f.rule], uri)
        for f in report.sorted_findings()
        if f.status is not Status.PASS and f.rule in index
    ]
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
        "automationDetails": {"id": f"vnetplan/{report.kind}/"},
        "results": results,
        "properties": {"summary": report.summary()},
    }
    if uri is not None:
        run["artifacts"] = [{"location": {"uri": uri}}]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report) -> str:
    return json.dumps(to_sarif(report), indent=2, ensure_ascii=False)
