"""JSON: ``{"kind", "sources", "findings": [...], "summary": {...}, "rules": [...]}``.

The contract scripts rely on: each finding has ``rule``, ``severity``, ``status``, ``resource`` and
``message`` (plus ``item`` and ``suppressed`` when set); findings are sorted (FAIL, UNKNOWN, PASS;
severity; rule; resource) so two runs on the same estate give the same bytes. ``findings`` holds
what the report holds: the CLI leaves unsuppressed PASS findings out unless ``--include-passed``
(``summary.passed_not_listed`` counts them); every rule carries its ``counts`` (pass, fail, unknown,
suppressed) either way.

Written through :mod:`netplan.jsonout` (C encoder, streamed): :func:`netplan.report.write_report`
streams :func:`to_data` for the CLI; :func:`render_json` is the indented text (golden files).
"""

from __future__ import annotations

from typing import Any

from netplan.jsonout import Stream, dumps
from netplan.report.model import Report


def to_data(report: Report, *, lazy: bool = False) -> dict[str, Any]:
    findings = (f.to_dict() for f in report.sorted_findings())
    return {
        "kind": report.kind,
        "sources": list(report.sources),
        "findings": Stream(findings) if lazy else list(findings),
        "summary": report.summary(),
        "rules": [{**info.to_dict(), "counts": counts} for info, counts in report.per_rule()],
    }


def render_json(report: Report) -> str:
    return dumps(to_data(report, lazy=True), pretty=True)

