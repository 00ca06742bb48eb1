"""Builders for DNS test estates: DNS private resolvers, forwarding rulesets, and a Mendix-style
provider with consumers, on top of the shared :class:`tests.unit.builders.EstateBuilder`.

Every resource is ARM-shaped and goes through the real loader, so these estates are also valid
snapshot files for CLI and live tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tests.unit.builders import NET, EstateBuilder

APP_DOMAIN = "azure.mendixapps.io"


def resolver(b: EstateBuilder, name: str, vnet: str, subnet: str, inbound_ip: str, *, rg: str = "rg-dns") -> str:
    """A DNS private resolver in ``vnet`` with one inbound endpoint at ``inbound_ip``; returns its ID."""
    rid = b.rid("dnsResolvers", name, rg)
    b.add({"name": name, "id": rid, "type": f"{NET}/dnsResolvers", "location": b.location,
           "properties": {"virtualNetwork": {"id": b.vid(vnet)}, "provisioningState": "Succeeded"}})
    b.add({"name": "inbound", "id": f"{rid}/inboundEndpoints/inbound", "type": f"{NET}/dnsResolvers/inboundEndpoints",
           "location": b.location,
           "properties": {"ipConfigurations": [{"subnet": {"id": b.sid(vnet, subnet)}, "privateIpAddress": inbound_ip,
                                                "privateIpAllocationMethod": "Static"}],
                          "provisioningState": "Succeeded"}})
    return rid


def ruleset(b: EstateBuilder, name: str, rules: Mapping[str, Sequence[str]], vnets: Sequence[str], *,
            rg: str = "rg-dns", disabled: Sequence[str] = ()) -> str:
    """A forwarding ruleset with ``{domain: [target ip[:port], ...]}`` rules, linked to ``vnets``."""
    rid = b.rid("dnsForwardingRulesets", name, rg)
    b.add({"name": name, "id": rid, "type": f"{NET}/dnsForwardingRulesets", "location": b.location,
           "properties": {"dnsResolverOutboundEndpoints": [], "provisioningState": "Succeeded"}})
    for i, (domain, targets) in enumerate(rules.items()):
        servers: list[dict[str, Any]] = []
        for t in targets:
            ip, _, port = t.partition(":")
            servers.append({"ipAddress": ip, "port": int(port or 53)})
        b.add({"name": f"rule{i}", "id": f"{rid}/forwardingRules/rule{i}",
               "type": f"{NET}/dnsForwardingRulesets/forwardingRules",
               "properties": {"domainName": domain, "targetDnsServers": servers,
                              "forwardingRuleState": "Disabled" if domain in disabled else "Enabled"}})
    for v in vnets:
        vname = b.vid(v).rsplit("/", 1)[-1]
        b.add({"name": f"link-{vname}", "id": f"{rid}/virtualNetworkLinks/link-{vname}",
               "type": f"{NET}/dnsForwardingRulesets/virtualNetworkLinks",
               "properties": {"virtualNetwork": {"id": b.vid(v)}}})
    return rid


def mendix_provider(b: EstateBuilder, *, frontend_ip: str = "10.20.0.4", wildcard: bool = True) -> dict[str, str]:
    """The provider: ``mendix-vnet`` 10.20.0.0/16, an internal LB, the app-domain zone with ``*``.

    Returns the IDs: ``vnet``, ``frontend``, ``zone``.
    """
    vid = b.vnet("mendix-vnet", ["10.20.0.0/16"], rg="rg-mendix",
                 subnets={"aks": "10.20.0.0/22", "pls-nat": "10.20.8.0/28"})
    fe = b.lb("mendix-ilb", "mendix-vnet", "aks", frontend_ip, rg="rg-mendix")
    zone = b.zone(APP_DOMAIN)
    if wildcard:
        b.record(zone, "*", "A", [frontend_ip])
    b.zone_link(zone, "mendix-vnet")
    return {"vnet": vid, "frontend": fe, "zone": zone}
