"""VNP-RT-001: a user-defined route whose next hop address no appliance owns (a black hole).

A VirtualAppliance route sends traffic to an address: a NIC with IP forwarding enabled, an Azure
Firewall, a declared forwarder or an internal load balancer in front of appliances (R2). PASS: one
of those holds it. FAIL: nothing in the snapshot holds it, or a NIC without IP forwarding does
(Azure drops what it would forward). UNKNOWN: the address lies in a VNet the snapshot could not
fully read. One finding per VirtualAppliance route.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed, unknown
from checks.rules import _docs
from netplan.model import NetworkInterface, NextHopType


def check(ctx: Context) -> Iterator[Outcome]:
    e = ctx.estate
    declared = {f.ip for f in e.forwarders if f.ip is not None}
    for rt in e.route_tables:
        for r in rt.routes:
            if r.next_hop_type is not NextHopType.VIRTUAL_APPLIANCE or r.next_hop_ip is None:
                continue
            ip = r.next_hop_ip
            what = f"Route {r.name} ({r.address_prefix} -> {ip}) of route table {rt.name}"
            owners = e.ip_owners(ip)
            if ip in declared or any(o.kind in ("firewall", "lb-frontend") for o in owners):
                yield passed(r.id, f"{what}: {ip} is a forwarding appliance.") if ctx.list_passed else COUNTED_PASS
                continue
            nics = [n for o in owners if o.kind == "nic" and isinstance(n := e.get(o.parent_id), NetworkInterface)]
            if any(n.ip_forwarding for n in nics):
                yield passed(r.id, f"{what}: {ip} is a NIC with IP forwarding enabled.") if ctx.list_passed else COUNTED_PASS
            elif nics:
                yield failed(r.id, f"{what}: {ip} belongs to NIC {nics[0].name}, which does not have IP forwarding "
                             "enabled: Azure drops the traffic it would forward.")  # fmt: skip
            elif any(e.gaps_for(v.id) for v in e.vnets_containing(ip)):
                yield unknown(r.id, f"{what}: no resource in the snapshot holds {ip}, but the snapshot could not read "
                              "everything in the VNet that contains it.")  # fmt: skip
            else:
                yield failed(r.id, f"{what}: no appliance in the snapshot holds {ip}: traffic sent by this route is "
                             "dropped (a black hole).")  # fmt: skip


RULE = Rule(
    id="VNP-RT-001",
    title="Route next hop address is held by no forwarding appliance",
    severity=Severity.HIGH,
    rationale=(
        "A VirtualAppliance route only works when its next hop address belongs to a device that forwards: a NIC "
        "with IP forwarding, an Azure Firewall, or a load balancer in front of appliances (R2). An address nobody "
        "holds, or a NIC without IP forwarding, silently drops every packet the route sends."
    ),
    remediation=(
        "Point the route at the appliance's private address (az network route-table route update -g <rg> "
        "--route-table-name <rt> -n <route> --next-hop-ip-address <ip>), or enable IP forwarding on the NIC "
        "(az network nic update -g <rg> -n <nic> --ip-forwarding true)."
    ),
    check=check,
    references=(_docs.UDR_OVERVIEW, _docs.IP_FORWARDING),
    tags=("routes", "traffic-rules"),
)
