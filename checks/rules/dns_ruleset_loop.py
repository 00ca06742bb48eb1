"""VNP-DNS-009: a DNS forwarding ruleset that loops, or forwards to 168.63.129.16 (D8).

A ruleset must not be linked to the VNet holding the inbound endpoint its rules forward to: the
query comes back to the resolver's outbound endpoint forever. And 168.63.129.16 is not a valid
forwarding target.

Judges every ruleset link (FAIL: an enabled rule of the ruleset forwards to an inbound endpoint in
the linked VNet; PASS otherwise) and every forwarding rule (FAIL: 168.63.129.16 among its targets;
PASS otherwise).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed
from checks.rules import _docs
from netplan.ids import name_of, rid_key
from netplan.model import ForwardingRule

AZURE_DNS = "168.63.129.16"


def check(ctx: Context) -> Iterator[Outcome]:
    est = ctx.estate
    rules: dict[str, list[ForwardingRule]] = defaultdict(list)
    for rule in est.forwarding_rules:
        what = f"Forwarding rule {rule.name} ({rule.domain}) of ruleset {name_of(rule.ruleset_id)}"
        if any(str(t.ip) == AZURE_DNS for t in rule.targets):
            yield failed(rule.id, f"{what} forwards to {AZURE_DNS}, which is not a valid target.")
        else:
            yield passed(rule.id, f"{what} has valid targets.") if ctx.list_passed else COUNTED_PASS
        if rule.enabled:
            rules[rid_key(rule.ruleset_id)].append(rule)
    for link in est.ruleset_links:
        loops = []
        for rule in rules.get(rid_key(link.ruleset_id), ()):
            for t in rule.targets:
                for owner in est.ip_owners(t.ip):
                    if owner.kind == "resolver-inbound" and owner.vnet_id and rid_key(owner.vnet_id) == rid_key(link.vnet_id):
                        loops.append(f"{rule.domain} -> {t.ip}")
        what = f"Ruleset {name_of(link.ruleset_id)} linked to VNet {name_of(link.vnet_id)}"
        if loops:
            yield failed(
                link.id,
                f"{what} forwards {', '.join(sorted(set(loops)))}, an inbound endpoint in that same VNet: queries loop.",
            )
        else:
            yield passed(link.id, f"{what} does not forward to an inbound endpoint in that VNet.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-DNS-009",
    title="DNS forwarding ruleset loops or targets Azure DNS",
    severity=Severity.HIGH,
    rationale=(
        "A ruleset linked to the VNet holding the inbound endpoint its rules forward to creates a loop, and "
        "168.63.129.16 is not a valid forwarding target (D8): matching queries fail."
    ),
    remediation=(
        "Unlink the ruleset from the VNet of the inbound endpoint (az dns-resolver vnet-link delete "
        "-g <rg> --ruleset-name <ruleset> -n <link>) or point the rule at another target "
        "(az dns-resolver forwarding-rule update -g <rg> --ruleset-name <ruleset> -n <rule> --target-dns-servers ...)."
    ),
    check=check,
    references=(_docs.RESOLVER_RULESETS, _docs.RESOLVER_ARCHITECTURE),
    tags=("dns", "dns-resolver"),
)
