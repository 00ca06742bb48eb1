"""The rule pack: every rule, registered explicitly, and the audit entry point.

Rules are listed by hand in :data:`RULES` (never discovered by globbing module names), so adding
a rule is a reviewed change to this file. Importing this module imports every rule module, which
validates each rule's metadata, and checks here that ids are unique.

:func:`audit` is what ``vnetplan audit`` and the TUI call: select rules, run each over one shared
:class:`~checks.model.Context`, apply suppressions, and return a :class:`netplan.report.Report`.
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Iterable, Sequence
from typing import Any

from checks.model import Context, Rule
from checks.rules import (
    addr_forbidden_space,
    dns_custom_servers_no_path,
    dns_dangling_record,
    dns_duplicate_zone_links,
    dns_multiple_registration,
    dns_nested_zone_links,
    dns_nxdomain_redirect,
    dns_ruleset_loop,
    dns_wildcard_shadowed,
    dns_zone_not_linked,
    fw_intent_denied,
    lb_basic_global_peering,
    net_routing_domain_overlap,
    net_space_self_overlap,
    net_subnet_outside_space,
    nsg_intent_denied,
    nsg_rule_shadowed,
    pe_no_dns,
    pe_not_approved,
    pe_subnet_route_table_ignored,
    peer_access_disabled,
    peer_address_overlap,
    peer_gateway_transit,
    peer_limit,
    peer_not_connected,
    peer_not_in_sync,
    route_next_hop_unowned,
    snapshot_gaps,
)
from checks.suppressions import EXPIRED, Suppression, apply_suppressions
from netplan.errors import UsageError
from netplan.estate import Estate
from netplan.report.model import Finding, Report, RuleInfo, Severity

RULES: tuple[Rule, ...] = (
    snapshot_gaps.RULE,
    peer_not_connected.RULE,
    peer_not_in_sync.RULE,
    peer_access_disabled.RULE,
    peer_address_overlap.RULE,
    peer_limit.RULE,
    peer_gateway_transit.RULE,
    lb_basic_global_peering.RULE,
    net_subnet_outside_space.RULE,
    addr_forbidden_space.RULE,
    net_space_self_overlap.RULE,
    net_routing_domain_overlap.RULE,
    dns_zone_not_linked.RULE,
    dns_custom_servers_no_path.RULE,
    dns_dangling_record.RULE,
    dns_wildcard_shadowed.RULE,
    dns_duplicate_zone_links.RULE,
    dns_nested_zone_links.RULE,
    dns_multiple_registration.RULE,
    dns_nxdomain_redirect.RULE,
    dns_ruleset_loop.RULE,
    pe_not_approved.RULE,
    pe_no_dns.RULE,
    pe_subnet_route_table_ignored.RULE,
    nsg_rule_shadowed.RULE,
    nsg_intent_denied.RULE,
    fw_intent_denied.RULE,
    route_next_hop_unowned.RULE,
)


def _check_unique(rules: Sequence[Rule]) -> None:
    seen: set[str] = {EXPIRED.id}
    for r in rules:
        if r.id in seen:
            raise ValueError(f"rule id {r.id} is registered twice")
        seen.add(r.id)


_check_unique(RULES)


def rule_infos() -> dict[str, RuleInfo]:
    """Every rule's metadata by id, including the expired-suppression finding."""
    infos = {r.id: r.info for r in RULES}
    infos[EXPIRED.id] = EXPIRED
    return infos


def _ids(values: Iterable[str]) -> list[str]:
    """``--rules A,B --rules C`` -> [A, B, C], upper-cased."""
    return [part.strip().upper() for v in values for part in v.split(",") if part.strip()]


def select(only: Iterable[str] = (), skip: Iterable[str] = ()) -> list[Rule]:
    """The rules to run. Unknown ids are a usage error (exit 2), never silently ignored."""
    by_id = {r.id: r for r in RULES}
    wanted, unwanted = _ids(only), _ids(skip)
    unknown = [i for i in (*wanted, *unwanted) if i not in by_id]
    if unknown:
        raise UsageError(f"unknown rule id(s): {', '.join(unknown)} (vnetplan rules lists them)")
    chosen = [by_id[i] for i in wanted] if wanted else list(RULES)
    drop = set(unwanted)
    return [r for r in dict.fromkeys(chosen) if r.id not in drop]


def run_rules(
    estate: Estate,
    rules: Sequence[Rule] | None = None,
    intent: Any | None = None,
    timings: dict[str, float] | None = None,
    unlisted_passes: dict[str, int] | None = None,
) -> list[Finding]:
    """Run rules (default: all) over one shared context; findings in rule order.

    ``timings``, when given, receives each rule's wall-clock seconds (a shared index is charged to
    the first rule that builds it), for the JUnit report's per-suite ``time``. ``unlisted_passes``,
    when given, asks for no PASS findings: it receives each rule's count of passes instead.
    """
    ctx = Context(estate, intent, list_passed=unlisted_passes is None)
    out: list[Finding] = []
    # The rules allocate a few hundred thousand small objects on a heap that already holds the whole
    # estate; with the cyclic GC on, its full collections rescan that heap again and again (about a
    # third of the run on 10,000 VNets). Nothing here makes reference cycles, so pause it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for rule in RULES if rules is None else rules:
            if timings is None:
                out.extend(rule.run(ctx))
                continue
            start = time.perf_counter()
            out.extend(rule.run(ctx))
            timings[rule.id] = time.perf_counter() - start
    finally:
        if was_enabled:
            gc.enable()
    if unlisted_passes is not None:
        unlisted_passes.update(ctx.unlisted_passes)
    return out


def audit(
    estate: Estate,
    *,
    only: Iterable[str] = (),
    skip: Iterable[str] = (),
    suppressions: Sequence[Suppression] = (),
    intent: Any | None = None,
    today: dt.date | None = None,
    fail_on: Severity | None = Severity.HIGH,
    timings: dict[str, float] | None = None,
    include_passed: bool = True,
) -> Report:
    """Select, run, suppress: the complete audit as a Report for :func:`netplan.report.render`.

    ``timings`` receives each rule's seconds (see :func:`run_rules`). ``include_passed`` False gives
    the same report as ``audit(...).without_passed()`` (every count and the exit decision agree)
    without building the PASS findings: suppressions never cover a PASS, so none would be listed.
    """
    rules = select(only, skip)
    unlisted: dict[str, int] | None = None if include_passed else {}
    findings = run_rules(estate, rules, intent, timings, unlisted)
    findings = apply_suppressions(findings, suppressions, today or dt.date.today())
    infos = {r.id: r.info for r in rules}
    if any(f.rule == EXPIRED.id for f in findings):
        infos[EXPIRED.id] = EXPIRED
    return Report(
        "audit", findings, infos, sources=estate.sources, fail_on=fail_on,
        passed_not_listed=dict(sorted(unlisted.items())) if unlisted else {},
    )  # fmt: skip
