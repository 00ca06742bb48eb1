"""JUnit XML for CI test reports (Azure DevOps ``PublishTestResults@2``, GitLab, Jenkins).

One ``<testsuite>`` per rule, one ``<testcase>`` per rule x resource (x item): PASS is a passed
test, FAIL a ``<failure>`` (type = severity) whose text ends with the rule's remediation (the ``az``
command to run), UNKNOWN and suppressed findings are ``<skipped>`` with the reason, so they are
visible as not-run rather than read as passes. The ``classname`` is the rule id and the test name
is the resource ID (plus the item), which is stable across runs.

Azure DevOps keeps at most 512 characters of a test's name (its automated test name is
``classname.name``): a longer name keeps its head and tail around ``...`` and a short hash of the
whole, so names stay unique and stable; the failure text always has the full resource ID.
``timestamp``, ``hostname`` and ``time`` come from the report's :class:`RunInfo` (the commands
measure it): every suite carries the run's start and host, and its rule's own time when the rule
was timed (``<testsuites time>`` is the whole run).
"""

from __future__ import annotations

from collections import defaultdict

from netplan.report.model import Finding, Report, Status, sha256_hex

#: Azure DevOps' limit on a test's name (``classname.name``).
MAX_TEST_NAME = 512


def _case_name(f: Finding) -> str:
    return f"{f.resource} [{f.item}]" if f.item else f.resource


def fit_name(classname: str, name: str, limit: int = MAX_TEST_NAME) -> str:
    """``name`` shortened so that ``classname.name`` fits ``limit``, unique and stable."""
    budget = limit - len(classname) - 1
    if len(name) <= budget:
        return name
    tag = "#" + sha256_hex(name.encode("utf-8"))[:8]
    room = budget - len(tag) - 4  # "..." and a space before the tag
    head = room // 3
    tail = room - head
    return f"{name[:head]}...{name[-tail:]} {tag}"


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def render_junit(report: Report) -> str:
    # Deferred: netplan.report imports every writer, and ElementTree (with its parser) is start-up
    # every other format would pay for nothing (issue 15).
    import xml.etree.ElementTree as ET

    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in report.sorted_findings():
        by_rule[f.rule].append(f)
    run = report.run
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
        if run is not None:
            suite.set("timestamp", run.started)
            suite.set("hostname", run.hostname)
            suite.set("time", _seconds(run.rule_seconds.get(rid, 0.0)))
        if info is not None:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", name="severity", value=info.severity.value)
        for f in cases:
            case = ET.SubElement(suite, "testcase", classname=rid, name=fit_name(rid, _case_name(f)))
            if f.suppressed is not None:
                ET.SubElement(case, "skipped", message=f"suppressed until {f.suppressed.expires}: {f.suppressed.reason}")
            elif f.status is Status.FAIL:
                fail = ET.SubElement(case, "failure", message=f.message, type=f.severity.value)
                text = f"{rid} ({f.severity.value}) {f.resource}"
                if f.item:
                    text += f" [{f.item}]"
                text += f"\n{f.message}"
                if info is not None and info.remediation:
                    text += f"\nRemediation: {info.remediation}"
                fail.text = text
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
    if run is not None:
        root.set("time", _seconds(run.seconds))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
