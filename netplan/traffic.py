"""What one VNet's workload subnets can open to the addresses it must reach: the TUI's traffic view.

:func:`vnet_traffic` asks :func:`netplan.flow.flow` (routes hop by hop, peerings, NSGs, per port)
from the VNet to the address its intent connection must reach, on the connection's ports, or else
to the private addresses its names under the app domain resolve to
(:func:`netplan.dns.health.domain_health`), on 443 and 80. It lives apart from :mod:`netplan.flow`
because the DNS simulator asks flows itself (port 53 to custom DNS servers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from netplan.dns.health import domain_health
from netplan.errors import RefError
from netplan.estate import Estate
from netplan.flow import FlowVerdict, flow
from netplan.ids import rid_key
from netplan.verify import connection_flows

#: The app ports asked when no intent connection names them (as verify's default).
DEFAULT_PORTS = (443, 80)


@dataclass(frozen=True)
class VnetTraffic:
    """What one VNet's workload subnets can open to the addresses it must reach (the TUI's details)."""

    vnet_id: str
    #: (address, port, verdict) in the order asked.
    flows: list[tuple[str, int, FlowVerdict]]
    #: What was asked and why (the intent connection, or the app domain's answers), or why nothing was.
    note: str


def vnet_traffic(estate: Estate, vnet_id: str, domain: str = "", intent: Any = None) -> VnetTraffic:
    """The flows from ``vnet_id`` that matter: to the address its intent connection must reach, on
    the connection's ports; otherwise to the private addresses its names under ``domain`` resolve
    to, on 443 and 80."""
    vnet = estate.vnet(vnet_id)
    if vnet is None:
        return VnetTraffic(vnet_id, [], "the VNet is not in the estate")
    conn = next((c for c in getattr(intent, "connections", ()) if rid_key(c.consumer_vnet_id) == vnet.key), None)
    if conn is not None:
        flows = [(ip, port, v) for port, ip, v in connection_flows(estate, intent, conn)]
        if flows:
            return VnetTraffic(vnet.id, flows, f"the intent's connection to {intent.provider.app_domain}, TCP "
                               + ", ".join(str(p) for p in conn.ports))  # fmt: skip
    if not domain:
        return VnetTraffic(vnet.id, [], "no intent connection and no app domain: nothing to ask")
    rows = domain_health(estate, domain, vnets=[vnet]).rows
    addresses = list(rows[0].addresses) if rows else []
    if not addresses:
        return VnetTraffic(vnet.id, [], f"no name under {domain} resolves to a private address from this VNet")
    out: list[tuple[str, int, FlowVerdict]] = []
    for ip in addresses:
        for port in DEFAULT_PORTS:
            try:
                out.append((ip, port, flow(estate, vnet.id, ip, port)))
            except RefError as exc:
                return VnetTraffic(vnet.id, out, str(exc))
    return VnetTraffic(vnet.id, out, f"the addresses {domain} resolves to from this VNet, TCP "
                       + ", ".join(str(p) for p in DEFAULT_PORTS))  # fmt: skip
