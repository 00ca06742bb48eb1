"""Findings and their output formats, shared by ``vnetplan audit`` and ``vnetplan drift``.

:mod:`netplan.report.model` defines the neutral :class:`Finding` / :class:`Report`; one module per
format renders a Report to text: :mod:`.table`, :mod:`.json_format`, :mod:`.sarif`, :mod:`.junit`,
:mod:`.markdown`. :func:`render` picks the writer by format name. Writers are pure functions of
the Report (no clock, no environment) so golden files lock them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, TYPE_CHECKING

from netplan.errors import UsageError
from netplan.jsonout import pretty_default, write_json
from netplan.render import use_color
from netplan.report.json_format import render_json, to_data
from netplan.report.junit import render_junit
from netplan.report.locate import ResourceLines
from netplan.report.markdown import render_markdown
from netplan.report.model import (
    FAIL_ON_CHOICES,
    Finding,
    Report,
    RuleInfo,
    RunInfo,
    Severity,
    Status,
    Suppressed,
    parse_fail_on,
)
from netplan.report.sarif import render_sarif, to_sarif
from netplan.report.table import render_table

if TYPE_CHECKING:
    from netplan.report.sarif import SarifOptions

#: Output formats, in the order ``--format`` lists them.
FORMATS: tuple[str, ...] = ("table", "json", "sarif", "junit", "markdown")


def render(report: Report, fmt: str, *, color: bool = False, sarif: SarifOptions | None = None) -> str:
    """The report in one format (``table``, ``json``, ``sarif``, ``junit``, ``markdown``).

    ``sarif`` holds the SARIF-only choices (category, suppressed results); other formats ignore it.
    """
    if fmt == "table":

        return render_table(report, color=color)
    if fmt == "json":

        return render_json(report)
    if fmt == "sarif":

        return render_sarif(report, sarif)
    if fmt == "junit":

        return render_junit(report)
    if fmt == "markdown":

        return render_markdown(report)
    raise ValueError(f"unknown report format {fmt!r}")


__all__ = [
    "FAIL_ON_CHOICES",
    "FORMATS",
    "Finding",
    "Report",
    "RuleInfo",
    "RunInfo",
    "Severity",
    "Status",
    "Suppressed",
    "parse_fail_on",
    "render",
    "run_info",
    "summary_line",
    "write_report",
]


def run_info(started: float, seconds: float, rule_seconds: Mapping[str, float] | None = None) -> RunInfo:
    """This run's :class:`RunInfo`: ``started`` is a ``time.time()`` value, the host is this machine."""
    import datetime as dt
    from _socket import gethostname  # socket's own (it re-exports it); see netplan.addr

    when = dt.datetime.fromtimestamp(started, dt.UTC).replace(microsecond=0, tzinfo=None)
    return RunInfo(when.isoformat(), gethostname(), seconds, dict(rule_seconds or {}))


def write_report(
    report: Report,
    fmt: str,
    output: str | None = None,
    *,
    sarif: SarifOptions | None = None,
    pretty: bool | None = None,
) -> None:
    """Render to ``output`` (a file, never coloured) or to stdout (coloured on a TTY in table format).

    JSON and SARIF are streamed through the C encoder (:mod:`netplan.jsonout`): indented with
    ``pretty=True``, compact with False, and with None indented only when writing to a terminal.
    """
    import sys

    if output:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                _write(report, fmt, fh, color=False, pretty=bool(pretty), sarif=sarif)
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
        return

    _write(
        report, fmt, sys.stdout,
        color=fmt == "table" and use_color(),
        pretty=pretty_default(sys.stdout) if pretty is None else pretty,
        sarif=sarif,
    )  # fmt: skip


def _write(report: Report, fmt: str, out: IO[str], *, color: bool, pretty: bool, sarif: SarifOptions | None) -> None:
    if fmt in ("json", "sarif"):

        if fmt == "json":

            write_json(out, to_data(report, lazy=True), pretty=pretty)
        else:

            # Only the resources with results are placed (passes have none): the scan stays one pass.
            wanted = {f.resource for f in report.findings if f.status is not Status.PASS}
            write_json(out, to_sarif(report, sarif, ResourceLines.scan(report.sources, wanted)), pretty=pretty)
        return
    text = render(report, fmt, color=color, sarif=sarif)
    out.write(text if text.endswith("\n") else text + "\n")


def summary_line(report: Report) -> str:
    """One line for stderr: what was found, including what could not be judged."""
    s = report.summary()
    if report.kind == "drift":
        line = f"vnetplan drift: {s['fail']} differences, {s['unknown']} unknown, {s['pass']} declared checks in sync"
    else:
        line = f"vnetplan {report.kind}: {s['fail']} failed, {s['unknown']} unknown, {s['pass']} passed, {s['suppressed']} suppressed"
    if s["unknown"]:
        line += " (UNKNOWN findings could not be judged from the snapshot; see their messages)"
    return line
