"""JSON: ``{"findings": [...], "summary": {...}, "rules": [...]}``, every finding including PASS.

The contract scripts rely on: each finding has ``rule``, ``severity``, ``status``, ``resource`` and
``message`` (plus ``item`` and ``suppressed`` when set); findings are sorted (FAIL, UNKNOWN, PASS;
severity; rule; resource) so two runs on the same estate give the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from netplan.report.model import Report


def to_data(report: Report) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "sources": list(report.sources),
        "findings": [f.to_dict() for f in report.sorted_findings()],
        "summary": report.summary(),
        "rules": [report.rules[r].to_dict() for r in sorted(report.rules)],
    }


def render_json(report: Report) -> str:
    return json.dumps(to_data(report), indent=2, ensure_ascii=False)
