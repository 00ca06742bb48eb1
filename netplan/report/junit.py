"""JUnit XML for CI test reports (Azure DevOps ``PublishTestResults@2``, GitLab, Jenkins).

One ``<testsuite>`` per rule, one ``<testcase>`` per rule x resource (x item): PASS is a passed
test, FAIL a ``<failure>`` (type = severity), UNKNOWN and suppressed findings are ``<skipped>``
with the reason, so they are visible as not-run rather than read as passes. The ``classname`` is
the rule id and the test name is the resource ID, which is stable across runs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from netplan.report.model import Finding, Report, Status


def _case_name(f: Finding) -> str:
    return f"{f.resource} [{f.item}]" if f.item else f.resource


def render_junit(report: Report) -> str:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in report.sorted_findings():
        by_rule[f.rule].append(f)
    root = ET.Element("testsuites", name=f"vnetplan {report.kind}")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for rid in sorted(set(report.rules) | set(by_rule)):
        info = report.rules.get(rid)
        cases = sorted(by_rule.get(rid, []), key=lambda f: (f.resource.lower(), f.item))
        passed_not_listed = report.passed_not_listed.get(rid, 0)
        failures = sum(1 for f in cases if f.counts_as_failure)
        skipped = sum(1 for f in cases if f.status is Status.UNKNOWN or f.suppressed is not None)
        suite = ET.SubElement(
            root, "testsuite",
            name=f"{rid} {info.title}" if info else rid,
            tests=str(len(cases) + bool(passed_not_listed)), failures=str(failures), errors="0", skipped=str(skipped),
        )  # fmt: skip
        if info is not None:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="severity", value=info.severity.value)
        for f in cases:
            case = ET.SubElement(suite, "testcase", classname=rid, name=_case_name(f))
            if f.suppressed is not None:
                ET.SubElement(case, "skipped", message=f"suppressed until {f.suppressed.expires}: {f.suppressed.reason}")
            elif f.status is Status.FAIL:
                fail = ET.SubElement(case, "failure", message=f.message, type=f.severity.value)
                fail.text = f"{rid} ({f.severity.value}) {f.resource}\n{f.message}"
            elif f.status is Status.UNKNOWN:
                ET.SubElement(case, "skipped", message=f"UNKNOWN: {f.message}")
        if passed_not_listed:
            # PASS findings left out of the report (no --include-passed): one passed case counts them.
            ET.SubElement(suite, "testcase", classname=rid, name=f"{passed_not_listed} passed (not listed; --include-passed lists them)")
        totals["tests"] += len(cases) + bool(passed_not_listed)
        totals["failures"] += failures
        totals["skipped"] += skipped
    for k, v in totals.items():
        root.set(k, str(v))
    root.set("errors", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
