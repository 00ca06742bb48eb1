"""Intent drift: where an estate departs from its intent.

:func:`intent_drift` checks each declared connection of an intent (:mod:`netplan.intent`) against
the estate: missing or extra peering links, link state, sync and flags, the private endpoint and
its approval, the app-domain zone link, and the name verification of :mod:`netplan.verify` (a
record whose address is no longer the LB frontend's, e.g. after the cluster was rebuilt). It
returns a :class:`netplan.report.Report` of kind ``drift``, as :mod:`netplan.drift`'s comparison
of two snapshots does (kept apart from it so that comparing snapshots does not load the planner,
which an ``auto`` connection asks).
"""

from __future__ import annotations

from typing import Any

from netplan.dns.simulator import DnsSimulator
from netplan.dnspath import resolution_path
from netplan.estate import Estate, describe_gaps
from netplan.ids import name_of, rid_key
from netplan.intent import Intent, Unresolved, UnresolvedIntent
from netplan.model import ConnectionStatus, PeeringState, SyncLevel
from netplan.plan import make_plan
from netplan.report.model import Finding, Report, RuleInfo, Severity, Status
from netplan.verify import Method, Result, verify_connection

_REF_PE = "https://learn.microsoft.com/azure/private-link/private-endpoint-dns-integration"
_REF_PEER = "https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering"
_REF_LINK = "https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links"

PEERING_DRIFT = RuleInfo(
    "VNP-DRIFT-101", "Declared peering link is missing or not as declared", Severity.HIGH,
    "A connection the intent declares as peering needs both links Connected, in sync, with virtual network "
    "access and the declared forwarding/gateway flags (P1, P2, P4, P5).",
    "Run vnetplan plan --intent INTENT.yaml to get the exact changes, then vnetplan apply.",
    (_REF_PEER,), ("drift", "intent", "peering"),
)  # fmt: skip
EXTRA_PEERING = RuleInfo(
    "VNP-DRIFT-102", "Peering link the intent does not declare", Severity.MEDIUM,
    "The provider VNet is peered with a VNet that is not a declared peering consumer, exposing the whole "
    "provider network beyond what the intent allows.",
    "Remove the link (az network vnet peering delete -g <rg> --vnet-name <vnet> -n <link>) or declare the "
    "connection in the intent.",
    (_REF_PEER,), ("drift", "intent", "peering"),
)  # fmt: skip
ENDPOINT_DRIFT = RuleInfo(
    "VNP-DRIFT-103", "Declared private endpoint is missing or not Approved", Severity.HIGH,
    "A Private Link connection needs a private endpoint in the consumer VNet connected, and approved, to the "
    "provider's Private Link Service.",
    "Run vnetplan plan --intent INTENT.yaml; approve pending connections with "
    "az network private-endpoint-connection approve --id <connection-id>.",
    (_REF_PE,), ("drift", "intent", "private-link"),
)  # fmt: skip
DNS_LINK_DRIFT = RuleInfo(
    "VNP-DRIFT-104", "App-domain zone is not linked to a declared consumer", Severity.HIGH,
    "A consumer resolves the provider's app domain only through a private zone linked to its VNet (D1).",
    "az network private-dns link vnet create -g <zone-rg> -z <app-domain> -n <link> -v <consumer-vnet-id> -e false",
    (_REF_LINK,), ("drift", "intent", "dns"),
)  # fmt: skip
VERIFY_DRIFT = RuleInfo(
    "VNP-DRIFT-105", "Declared app name does not resolve to its expected target", Severity.HIGH,
    "Each app name must resolve, from the consumer, to the provider's LB frontend (peering) or the consumer's "
    "private endpoint (Private Link), and that address must be reachable; a record left at an old address "
    "after a cluster rebuild fails here.",
    "Update the record to the current address (az network private-dns record-set a add-record/remove-record), "
    "or fix what the verification names.",
    (_REF_PE,), ("drift", "intent", "dns", "verification"),
)  # fmt: skip
INTENT_RULES: dict[str, RuleInfo] = {
    r.id: r for r in (PEERING_DRIFT, EXTRA_PEERING, ENDPOINT_DRIFT, DNS_LINK_DRIFT, VERIFY_DRIFT)
}


def _f(rule: RuleInfo, status: Status, resource: str, message: str, item: str = "") -> Finding:
    return Finding(rule.id, rule.severity, status, resource, message, item)


def _peering_findings(estate: Estate, provider: Any, consumer: Any, conn: Any) -> list[Finding]:

    out: list[Finding] = []
    for local, remote, is_consumer in ((provider, consumer, False), (consumer, provider, True)):
        item = f"peering to {remote.name}"
        link = estate.peering(local.id, remote.id)
        if link is None:
            out.append(_f(PEERING_DRIFT, Status.FAIL, local.id, f"VNet {local.name} has no peering link to {remote.name}.", item))
            continue
        problems = []
        if link.state is not PeeringState.CONNECTED:
            problems.append(f"state is {link.state.value}")
        if link.sync_level is not None and link.sync_level is not SyncLevel.FULLY_IN_SYNC:
            problems.append(f"sync level is {link.sync_level.value}")
        if not link.allow_virtual_network_access:
            problems.append("allowVirtualNetworkAccess is false")
        if is_consumer:
            if link.allow_forwarded_traffic != conn.allow_forwarded_traffic:
                problems.append(f"allowForwardedTraffic is {str(link.allow_forwarded_traffic).lower()}, declared "
                                f"{str(conn.allow_forwarded_traffic).lower()}")  # fmt: skip
            if link.use_remote_gateways != conn.use_remote_gateways:
                problems.append(f"useRemoteGateways is {str(link.use_remote_gateways).lower()}, declared "
                                f"{str(conn.use_remote_gateways).lower()}")  # fmt: skip
        what = f"Peering link {link.name} of {local.name} to {remote.name}"
        if problems:
            out.append(_f(PEERING_DRIFT, Status.FAIL, link.id, f"{what}: " + "; ".join(problems) + ".", item))
        else:
            out.append(_f(PEERING_DRIFT, Status.PASS, link.id, f"{what} is Connected and as declared.", item))
    return out


#: Gap kinds under which a private endpoint may be missing.
_ENDPOINT_GAP_KINDS = frozenset({"", "*", "all", "subscription", "subscriptions", "resourcegroup", "resource-group",
                                 "privateendpoints"})  # fmt: skip


def _endpoint_findings(estate: Estate, intent: Any, consumer: Any) -> list[Finding]:

    pls = intent.provider.pls
    item = "private endpoint"
    if pls is None:
        return [_f(ENDPOINT_DRIFT, Status.UNKNOWN, consumer.id,
                   f"The intent names no Private Link Service for the provider, so {consumer.name}'s endpoint cannot be checked.",
                   item)]  # fmt: skip
    key = rid_key(pls.id)
    pes = [
        pe for pe in estate.private_endpoints
        if any(rid_key(c.target_id) == key for c in pe.connections)
        and (v := estate.vnet_of(pe.id)) is not None and v.key == consumer.key
    ]  # fmt: skip
    hidden = [g for g in estate.gaps_for(consumer.id) if g.kind.strip().lower() in _ENDPOINT_GAP_KINDS]
    if not pes and hidden:
        # An endpoint is in its VNet's subscription, which could not be listed for endpoints.
        return [_f(ENDPOINT_DRIFT, Status.UNKNOWN, consumer.id,
                   f"VNet {consumer.name} has no private endpoint to {pls.name} among those read; the estate "
                   f"{describe_gaps(hidden)}.", item)]  # fmt: skip
    if not pes:
        return [_f(ENDPOINT_DRIFT, Status.FAIL, consumer.id,
                   f"VNet {consumer.name} has no private endpoint to {pls.name}.", item)]  # fmt: skip
    out = []
    for pe in pes:
        bad = [c for c in pe.connections if rid_key(c.target_id) == key and c.status is not ConnectionStatus.APPROVED]
        if bad:
            out.append(_f(ENDPOINT_DRIFT, Status.FAIL, pe.id,
                          f"Private endpoint {pe.name} in {consumer.name} to {pls.name} is {bad[0].status.value}.", item))  # fmt: skip
        else:
            out.append(_f(ENDPOINT_DRIFT, Status.PASS, pe.id, f"Private endpoint {pe.name} in {consumer.name} is Approved.", item))
    return out


def _decided_methods(estate: Estate, intent: Any) -> dict[str, str]:
    """consumer VNet key -> the method the planner chooses for each ``auto`` connection."""
    if not any(c.method.value == "auto" for c in intent.connections):
        return {}

    # An existing path (through a hub) or a shared endpoint is held to the target it reaches.
    return {rid_key(d.consumer_id): (d.method if d.method in ("peering", "private-link") else f"{d.method}:{d.verify_method}")
            for d in make_plan(estate, intent).decisions}  # fmt: skip


def _unresolved_findings(u: Unresolved) -> list[Finding]:
    """A connection the estate cannot settle (a gap may hide its VNet): each check UNKNOWN, naming the gap."""
    why = u.reason()
    rule = ENDPOINT_DRIFT if u.method is Method.PRIVATE_LINK else PEERING_DRIFT
    what = {PEERING_DRIFT.id: "its peering links", ENDPOINT_DRIFT.id: "its private endpoint"}[rule.id]
    return [
        _f(rule, Status.UNKNOWN, u.resource, f"Connection {u.consumer}: {what} cannot be checked: {why}.", u.item),
        _f(DNS_LINK_DRIFT, Status.UNKNOWN, u.resource, f"Connection {u.consumer}: its zone link cannot be checked: {why}.",
           u.item),
        _f(VERIFY_DRIFT, Status.UNKNOWN, u.resource, f"Connection {u.consumer}: its app names cannot be verified: {why}.",
           u.item),
    ]  # fmt: skip


def intent_drift(estate: Estate, intent: Intent | UnresolvedIntent) -> Report:
    """Each declared connection of ``intent`` (from :mod:`netplan.intent`) against ``estate``.

    A connection whose VNet may be in a scope the estate could not read (``intent.unresolved``, or a
    whole :class:`UnresolvedIntent` when the provider is such a VNet) is UNKNOWN in every check,
    naming the gap; so is a provider peering to a VNet not read that may be such a consumer."""
    findings: list[Finding] = [f for u in intent.unresolved for f in _unresolved_findings(u)]
    if isinstance(intent, UnresolvedIntent):
        return Report("drift", findings, INTENT_RULES, sources=estate.sources, fail_on=Severity.INFO,
                      extra={"intent": intent.file})  # fmt: skip
    provider = estate.vnet(intent.provider.vnet_id)
    if provider is None:  # the intent loader resolves references, so only a hand-built intent gets here
        raise ValueError(f"provider VNet {intent.provider.vnet_id} is not in the estate")
    domain = intent.provider.app_domain
    sim = DnsSimulator(estate)
    decided = _decided_methods(estate, intent)
    peering_consumers: set[str] = set()
    for conn in intent.connections:
        consumer = estate.vnet(conn.consumer_vnet_id)
        if consumer is None:
            raise ValueError(f"consumer VNet {conn.consumer_vnet_id} is not in the estate")
        method = conn.method.value
        via_path = ""
        if method == "auto" and decided.get(consumer.key) in ("peering", "private-link"):
            # `auto` means what the planner chooses; drift must hold the estate to that choice, or a
            # plan and a drift check of the same intent would disagree about the target state.
            method = decided[consumer.key]
        elif method == "auto" and ":" in decided.get(consumer.key, ""):
            via_path, method = decided[consumer.key].split(":", 1)
        ver = verify_connection(
            estate, provider, consumer, domain, apps=() if conn.wildcard else conn.apps,
            method=method, lb_frontend=intent.provider.frontend_id, simulator=sim, ports=conn.ports,
        )  # fmt: skip
        # Served through a hub (existing path or shared endpoint): no direct peering or own
        # endpoint to hold it to; the name checks below are what must pass.
        if via_path:
            findings.append(_f(PEERING_DRIFT, Status.PASS, consumer.id,
                               f"Connection to {consumer.name}: the plan serves it by {via_path}.", "method"))  # fmt: skip
        elif ver.method is Method.PEERING:
            peering_consumers.add(consumer.key)
            findings += _peering_findings(estate, provider, consumer, conn)
        elif ver.method is Method.PRIVATE_LINK:
            findings += _endpoint_findings(estate, intent, consumer)
        else:
            why = "; ".join(ver.reasons) or "the method could not be decided"
            findings.append(_f(PEERING_DRIFT, Status.UNKNOWN, consumer.id,
                               f"Connection to {consumer.name}: method auto is undecided ({why}).", "method"))  # fmt: skip
        linked = {rid_key(link.zone_id) for link in estate.links_of_vnet(consumer.id)}
        zones = estate.zones_named(domain)

        rp = resolution_path(estate, consumer, sim) if consumer.dns_servers else None
        home = estate.vnet(rp.resolver_vnet_id) if rp is not None and rp.resolver_vnet_id else None
        home_linked = {rid_key(link.zone_id) for link in estate.links_of_vnet(home.id)} if home is not None else set()
        if any(z.key in linked for z in zones) and not consumer.dns_servers:
            findings.append(_f(DNS_LINK_DRIFT, Status.PASS, consumer.id, f"VNet {consumer.name} is linked to {domain}.", domain))
        elif home is not None and home.key != consumer.key and any(z.key in home_linked for z in zones):
            findings.append(_f(DNS_LINK_DRIFT, Status.PASS, consumer.id,
                               f"VNet {consumer.name} resolves as in {home.name} ({rp.summary() if rp else ''}), "
                               f"which is linked to {domain}.", domain))  # fmt: skip
        elif sim.dns_gaps and not any(z.key in linked for z in zones):
            via = f" (it resolves as in {home.name})" if home is not None and home.key != consumer.key else ""
            findings.append(_f(DNS_LINK_DRIFT, Status.UNKNOWN, consumer.id,
                               f"VNet {consumer.name}{via} is linked to no private zone {domain} that was read; the "
                               f"estate {describe_gaps(sim.dns_gaps)}, where a zone linked to it may be.", domain))  # fmt: skip
        elif home is not None and home.key != consumer.key:
            findings.append(_f(DNS_LINK_DRIFT, Status.FAIL, consumer.id,
                               f"VNet {consumer.name} resolves as in {home.name}, which is not linked to a private "
                               f"zone {domain}.", domain))  # fmt: skip
        elif any(z.key in linked for z in zones):
            findings.append(_f(DNS_LINK_DRIFT, Status.PASS, consumer.id, f"VNet {consumer.name} is linked to {domain}.", domain))
        elif consumer.dns_servers:
            findings.append(_f(DNS_LINK_DRIFT, Status.UNKNOWN, consumer.id,
                               f"VNet {consumer.name} uses custom DNS servers; its zone links are not consulted (D2).", domain))  # fmt: skip
        else:
            findings.append(_f(DNS_LINK_DRIFT, Status.FAIL, consumer.id,
                               f"VNet {consumer.name} is not linked to a private zone {domain}.", domain))  # fmt: skip
        for check in ver.checks:
            status = {Result.PASS: Status.PASS, Result.FAIL: Status.FAIL}.get(check.result, Status.UNKNOWN)
            expected = ", ".join(check.expected) or "unknown"
            why = "; ".join(check.reasons)
            findings.append(_f(VERIFY_DRIFT, status, consumer.id,
                               f"{check.name} from {consumer.name} (expected {expected}): {why or check.result.value}.",
                               check.name))  # fmt: skip
    for link in provider.peerings:
        if rid_key(link.remote_vnet_id) in peering_consumers:
            continue
        maybe = [u for u in intent.unresolved if estate.vnet(link.remote_vnet_id) is None and u.could_be(link.remote_vnet_id)]
        if maybe:
            findings.append(_f(EXTRA_PEERING, Status.UNKNOWN, link.id,
                               f"Provider {provider.name} has peering link {link.name} to {name_of(link.remote_vnet_id)}, "
                               f"which may be the declared consumer {maybe[0].consumer}: {maybe[0].reason()}.",
                               name_of(link.remote_vnet_id)))  # fmt: skip
        else:
            findings.append(_f(EXTRA_PEERING, Status.FAIL, link.id,
                               f"Provider {provider.name} has peering link {link.name} to {name_of(link.remote_vnet_id)}, "
                               "which the intent does not declare as a peering consumer.", name_of(link.remote_vnet_id)))  # fmt: skip
    return Report("drift", findings, INTENT_RULES, sources=estate.sources, fail_on=Severity.INFO,
                  extra={"intent": getattr(intent, "file", "")})  # fmt: skip
