"""Hand-built estates for tests: ARM-shaped resources, loaded through the real loader.

Tests state an estate the way a person draws it ("hub and two spokes, the hub-spoke2 peering is
only Initiated") and get back the same :class:`~netplan.estate.Estate` a snapshot file would give,
because everything goes through :mod:`netplan.loader`. The JSON is the REST shape Azure returns
(``id``, ``name``, ``type``, ``location``, ``properties``), so a builder estate is also a valid
snapshot file (:meth:`EstateBuilder.write`) for CLI tests.

Typical use::

    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"AzureFirewallSubnet": "10.0.0.0/26"})
    b.vnet("spoke1", ["10.1.0.0/16"], subnets={"app": "10.1.1.0/24"})
    b.peer("hub", "spoke1")                       # both links, Connected, FullyInSync
    b.peer("hub", "spoke2", state="Initiated")    # only the hub's link exists (P1)
    b.lb("lb-app", "spoke1", "app", "10.1.1.10", sku="Standard")
    b.forwarder("hub", device="azfw", ip="10.0.0.4")
    estate = b.estate()

VNet arguments accept the name given to :meth:`EstateBuilder.vnet` or a full resource ID (for
resources that point outside the snapshot). Peering links are rendered when the snapshot is made,
so a link's ``remoteAddressSpace`` defaults to the remote VNet's final address space; pass
``remote_prefixes`` to model a stale link (P4).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netplan.estate import Estate, estate_from_data

SUB = "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f"
SUB2 = "/subscriptions/0b7c4d2e-8a9f-4e61-b3c2-5d6e7f8a9b0c"
NET = "Microsoft.Network"

SubnetSpec = Mapping[str, str | Sequence[str]] | Sequence[Mapping[str, Any]]


def vnet_id(name: str, rg: str = "rg-net", sub: str = SUB) -> str:
    return f"{sub}/resourceGroups/{rg}/providers/{NET}/virtualNetworks/{name}"


def resource_id(rtype: str, name: str, rg: str = "rg-net", sub: str = SUB) -> str:
    """``/subscriptions/<sub>/resourceGroups/rg/providers/Microsoft.Network/<rtype>/<name>``."""
    return f"{sub}/resourceGroups/{rg}/providers/{NET}/{rtype}/{name}"


def subnet_dict(
    name: str,
    prefixes: str | Sequence[str],
    vnet: str | None = None,
    *,
    route_table: str | None = None,
    nsg: str | None = None,
    delegations: Sequence[str] = (),
) -> dict[str, Any]:
    """An inline subnet as ARM returns it inside a VNet. ``vnet`` (an ID) fills in the subnet ID."""
    props: dict[str, Any] = {"provisioningState": "Succeeded"}
    if isinstance(prefixes, str):
        props["addressPrefix"] = prefixes
    else:
        props["addressPrefixes"] = list(prefixes)
    if route_table:
        props["routeTable"] = {"id": route_table}
    if nsg:
        props["networkSecurityGroup"] = {"id": nsg}
    if delegations:
        props["delegations"] = [
            {"name": f"d{i}", "properties": {"serviceName": svc}} for i, svc in enumerate(delegations)
        ]
    out: dict[str, Any] = {"name": name, "properties": props}
    if vnet:
        out["id"] = f"{vnet}/subnets/{name}"
        out["type"] = f"{NET}/virtualNetworks/subnets"
    return out


def vnet_dict(
    name: str,
    prefixes: Sequence[str],
    *,
    rg: str = "rg-net",
    sub: str = SUB,
    location: str = "westeurope",
    subnets: SubnetSpec | None = None,
    peerings: Sequence[Mapping[str, Any]] = (),
    dns: Sequence[str] = (),
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A VNet in ARM REST shape. ``subnets``: ``{"name": "10.0.1.0/24"}`` or a list of subnet dicts."""
    vid = vnet_id(name, rg, sub)
    subs: list[dict[str, Any]] = []
    if isinstance(subnets, Mapping):
        subs = [subnet_dict(n, p, vid) for n, p in subnets.items()]
    elif subnets:
        for s in subnets:
            d = dict(s)
            d.setdefault("id", f"{vid}/subnets/{d['name']}")
            subs.append(d)
    props: dict[str, Any] = {
        "addressSpace": {"addressPrefixes": list(prefixes)},
        "subnets": subs,
        "virtualNetworkPeerings": [dict(p) for p in peerings],
        "provisioningState": "Succeeded",
        "enableDdosProtection": False,
    }
    if dns:
        props["dhcpOptions"] = {"dnsServers": list(dns)}
    out: dict[str, Any] = {
        "name": name,
        "id": vid,
        "type": f"{NET}/virtualNetworks",
        "location": location,
        "properties": props,
    }
    if tags:
        out["tags"] = dict(tags)
    return out


def peering_dict(
    local_id: str,
    remote_id: str,
    remote_prefixes: Sequence[str],
    *,
    name: str | None = None,
    state: str = "Connected",
    sync: str | None = "FullyInSync",
    allow_vnet_access: bool = True,
    allow_forwarded: bool = False,
    allow_gateway_transit: bool = False,
    use_remote_gateways: bool = False,
    peer_complete_vnets: bool = True,
    local_subnets: Sequence[str] = (),
    remote_subnets: Sequence[str] = (),
    only_ipv6: bool = False,
    remote_gateways: Sequence[str] = (),
) -> dict[str, Any]:
    """One peering link object (P1: a peering is two of these, one in each VNet)."""
    pname = name or f"{local_id.rsplit('/', 1)[-1]}-to-{remote_id.rsplit('/', 1)[-1]}"
    props: dict[str, Any] = {
        "peeringState": state,
        "remoteVirtualNetwork": {"id": remote_id},
        "allowVirtualNetworkAccess": allow_vnet_access,
        "allowForwardedTraffic": allow_forwarded,
        "allowGatewayTransit": allow_gateway_transit,
        "useRemoteGateways": use_remote_gateways,
        "remoteAddressSpace": {"addressPrefixes": list(remote_prefixes)},
        "remoteVirtualNetworkAddressSpace": {"addressPrefixes": list(remote_prefixes)},
        "provisioningState": "Succeeded",
    }
    if sync is not None:
        props["peeringSyncLevel"] = sync
    if not peer_complete_vnets:
        props["peerCompleteVnets"] = False
        props["localSubnetNames"] = list(local_subnets)
        props["remoteSubnetNames"] = list(remote_subnets)
    if only_ipv6:
        props["enableOnlyIPv6Peering"] = True
    if remote_gateways:
        props["remoteGateways"] = [{"id": g} for g in remote_gateways]
    return {
        "name": pname,
        "id": f"{local_id}/virtualNetworkPeerings/{pname}",
        "type": f"{NET}/virtualNetworks/virtualNetworkPeerings",
        "properties": props,
    }


@dataclass
class _LinkSpec:
    local: str
    remote: str
    kwargs: dict[str, Any]
    remote_prefixes: Sequence[str] | None


@dataclass
class EstateBuilder:
    """Collects ARM resources and declarations, and loads them through the real loader."""

    sub: str = SUB
    location: str = "westeurope"
    resources: list[dict[str, Any]] = field(default_factory=list)
    declarations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    gaps: list[dict[str, str]] = field(default_factory=list)
    _vnets: dict[str, dict[str, Any]] = field(default_factory=dict)
    _links: list[_LinkSpec] = field(default_factory=list)

    # ------------------------------------------------------------------ references

    def vid(self, ref: str) -> str:
        """The ID of a VNet added by name (or ``ref`` itself when it is already an ID)."""
        if ref.startswith("/"):
            return ref
        if ref not in self._vnets:
            raise KeyError(f"builder: no VNet named {ref!r} (add it with .vnet() first)")
        return str(self._vnets[ref]["id"])

    def sid(self, vnet: str, subnet: str) -> str:
        """The ID of subnet ``subnet`` of VNet ``vnet``."""
        return f"{self.vid(vnet)}/subnets/{subnet}"

    def rid(self, rtype: str, name: str, rg: str = "rg-net", sub: str | None = None) -> str:
        return resource_id(rtype, name, rg, sub or self.sub)

    # ------------------------------------------------------------------ networks

    def vnet(
        self,
        name: str,
        prefixes: Sequence[str],
        *,
        rg: str = "rg-net",
        sub: str | None = None,
        location: str | None = None,
        subnets: SubnetSpec | None = None,
        dns: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        key: str | None = None,
    ) -> str:
        """Add a VNet; returns its ID. ``key`` names it for later calls when two VNets share a name."""
        d = vnet_dict(
            name, prefixes, rg=rg, sub=sub or self.sub, location=location or self.location,
            subnets=subnets, dns=dns, tags=tags,
        )  # fmt: skip
        k = key or name
        if k in self._vnets:
            raise KeyError(f"builder: VNet key {k!r} used twice; pass key=")
        self._vnets[k] = d
        return str(d["id"])

    def subnet(
        self,
        vnet: str,
        name: str,
        prefixes: str | Sequence[str],
        *,
        route_table: str | None = None,
        nsg: str | None = None,
        delegations: Sequence[str] = (),
    ) -> str:
        """Add a subnet to a VNet added earlier; returns the subnet ID."""
        d = self._vnets[vnet]
        d["properties"]["subnets"].append(
            subnet_dict(name, prefixes, d["id"], route_table=route_table, nsg=nsg, delegations=delegations)
        )
        return f"{d['id']}/subnets/{name}"

    def route_table(self, name: str, rg: str = "rg-net") -> str:
        """The ID of a route table (not a modelled resource; subnets only reference it)."""
        return self.rid("routeTables", name, rg)

    def link(self, local: str, remote: str, *, remote_prefixes: Sequence[str] | None = None, **kwargs: Any) -> None:
        """One peering link object on ``local``'s side (see :func:`peering_dict` for the flags)."""
        if local.startswith("/"):
            raise KeyError("builder: a peering link must live in a VNet of the builder")
        self._links.append(_LinkSpec(local, remote, dict(kwargs), remote_prefixes))

    def peer(
        self,
        a: str,
        b: str,
        *,
        state: str = "Connected",
        sync: str | None = "FullyInSync",
        a_to_b: Mapping[str, Any] | None = None,
        b_to_a: Mapping[str, Any] | None = None,
        **both: Any,
    ) -> None:
        """A peering between ``a`` and ``b`` as Azure shows it after the given lifecycle (P1).

        ``state="Connected"``: both links, Connected. ``"Initiated"``: only ``a``'s link exists,
        Initiated (``b`` never created its side). ``"Disconnected"``: only ``a``'s link exists,
        Disconnected (``b`` deleted its side). ``both`` sets flags on both links; ``a_to_b`` /
        ``b_to_a`` override flags of one link (e.g. ``{"allow_forwarded": True}``,
        ``{"state": "Initiated"}``, ``{"remote_prefixes": [...]}``).
        """
        if state not in ("Connected", "Initiated", "Disconnected"):
            raise ValueError(f"builder: unknown peering state {state!r}")
        first = {"state": state, "sync": sync, **both, **(a_to_b or {})}
        rp = first.pop("remote_prefixes", None)
        self.link(a, b, remote_prefixes=rp, **first)
        if state == "Connected" and not b.startswith("/"):
            second = {"state": "Connected", "sync": sync, **both, **(b_to_a or {})}
            rp2 = second.pop("remote_prefixes", None)
            self.link(b, a, remote_prefixes=rp2, **second)

    # ------------------------------------------------------------------ resources

    def add(self, *resources: Mapping[str, Any]) -> None:
        """Add raw ARM resources as they are."""
        self.resources.extend(dict(r) for r in resources)

    def lb(
        self,
        name: str,
        vnet: str,
        subnet: str,
        ip: str,
        *,
        sku: str = "Standard",
        rg: str = "rg-net",
        location: str | None = None,
        frontend: str = "fe",
        extra_frontends: Sequence[tuple[str, str, str]] = (),
    ) -> str:
        """An internal load balancer with a frontend ``ip`` in ``vnet/subnet``; returns the frontend ID.

        ``extra_frontends``: more ``(name, subnet, ip)`` frontends in the same VNet.
        """
        lid = self.rid("loadBalancers", name, rg)
        fes = [(frontend, subnet, ip), *extra_frontends]
        self.resources.append({
            "name": name,
            "id": lid,
            "type": f"{NET}/loadBalancers",
            "location": location or self._loc(vnet),
            "sku": {"name": sku, "tier": "Regional"},
            "properties": {
                "frontendIPConfigurations": [
                    {
                        "name": fname,
                        "id": f"{lid}/frontendIPConfigurations/{fname}",
                        "properties": {
                            "privateIPAddress": fip,
                            "privateIPAllocationMethod": "Static",
                            "subnet": {"id": self.sid(vnet, fsub)},
                            "provisioningState": "Succeeded",
                        },
                    }
                    for fname, fsub, fip in fes
                ],
                "backendAddressPools": [],
                "loadBalancingRules": [],
                "provisioningState": "Succeeded",
            },
        })  # fmt: skip
        return f"{lid}/frontendIPConfigurations/{frontend}"

    def pls(
        self,
        name: str,
        frontend_id: str,
        vnet: str,
        subnet: str,
        nat_ip: str,
        *,
        rg: str = "rg-net",
        location: str | None = None,
        visibility: Sequence[str] = (),
        auto_approval: Sequence[str] = (),
        connections: Sequence[tuple[str, str]] = (),
    ) -> str:
        """A Private Link Service on an LB frontend; ``connections`` = ``(pe_id, status)``."""
        pid = self.rid("privateLinkServices", name, rg)
        self.resources.append({
            "name": name,
            "id": pid,
            "type": f"{NET}/privateLinkServices",
            "location": location or self._loc(vnet),
            "properties": {
                "loadBalancerFrontendIpConfigurations": [{"id": frontend_id}],
                "ipConfigurations": [{
                    "name": "nat0",
                    "properties": {"privateIPAddress": nat_ip, "privateIPAllocationMethod": "Static",
                                   "subnet": {"id": self.sid(vnet, subnet)}, "primary": True},
                }],
                "visibility": {"subscriptions": list(visibility)},
                "autoApproval": {"subscriptions": list(auto_approval)},
                "alias": f"{name}.00000000-0000-0000-0000-000000000000.westeurope.azure.privatelinkservice",
                "privateEndpointConnections": [
                    {"name": f"conn{i}", "id": f"{pid}/privateEndpointConnections/conn{i}",
                     "properties": {"privateEndpoint": {"id": pe}, "privateLinkServiceConnectionState": {"status": st}}}
                    for i, (pe, st) in enumerate(connections)
                ],
                "provisioningState": "Succeeded",
            },
        })  # fmt: skip
        return pid

    def pe(
        self,
        name: str,
        vnet: str,
        subnet: str,
        ip: str,
        target_id: str,
        *,
        group_ids: Sequence[str] = (),
        status: str = "Approved",
        manual: bool = False,
        rg: str = "rg-net",
        location: str | None = None,
        fqdns: Sequence[str] = (),
        with_nic: bool = True,
    ) -> str:
        """A private endpoint in ``vnet/subnet`` connected to ``target_id`` (a PLS or a PaaS resource).

        Like Azure, the address lives on a NIC the endpoint owns (``with_nic``); without the NIC
        the address is stated in ``customDnsConfigs`` only. Returns the endpoint ID.
        """
        pid = self.rid("privateEndpoints", name, rg)
        nic_id = self.rid("networkInterfaces", f"{name}.nic.0a1b2c3d", rg)
        key = "manualPrivateLinkServiceConnections" if manual else "privateLinkServiceConnections"
        props: dict[str, Any] = {
            "subnet": {"id": self.sid(vnet, subnet)},
            "privateLinkServiceConnections": [],
            "manualPrivateLinkServiceConnections": [],
            "networkInterfaces": [{"id": nic_id}] if with_nic else [],
            "customDnsConfigs": [{"fqdn": f, "ipAddresses": [ip]} for f in fqdns] or (
                [] if with_nic else [{"fqdn": f"{name}.example.internal", "ipAddresses": [ip]}]
            ),
            "provisioningState": "Succeeded",
        }
        props[key] = [{
            "name": f"{name}-conn",
            "id": f"{pid}/{key}/{name}-conn",
            "properties": {
                "privateLinkServiceId": target_id,
                "groupIds": list(group_ids),
                "privateLinkServiceConnectionState": {"status": status, "description": "", "actionsRequired": "None"},
            },
        }]  # fmt: skip
        loc = location or self._loc(vnet)
        self.resources.append(
            {"name": name, "id": pid, "type": f"{NET}/privateEndpoints", "location": loc, "properties": props}
        )
        if with_nic:
            self.resources.append(self._nic_dict(f"{name}.nic.0a1b2c3d", vnet, subnet, ip, rg=rg, location=loc,
                                                 extra={"privateEndpoint": {"id": pid}}))  # fmt: skip
        return pid

    def nic(
        self, name: str, vnet: str, subnet: str, ip: str, *, rg: str = "rg-net", vm: str | None = None,
        location: str | None = None,
    ) -> str:
        """A network interface (a VM's, unless ``vm`` is None) with one address; returns its ID."""
        extra = {"virtualMachine": {"id": f"{self.sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}"}} if vm else {}
        self.resources.append(self._nic_dict(name, vnet, subnet, ip, rg=rg, location=location, extra=extra))
        return self.rid("networkInterfaces", name, rg)

    def _nic_dict(self, name: str, vnet: str, subnet: str, ip: str, *, rg: str, location: str | None,
                  extra: Mapping[str, Any]) -> dict[str, Any]:
        nid = self.rid("networkInterfaces", name, rg)
        return {
            "name": name,
            "id": nid,
            "type": f"{NET}/networkInterfaces",
            "location": location or self._loc(vnet),
            "properties": {
                "ipConfigurations": [{
                    "name": "ipconfig1",
                    "id": f"{nid}/ipConfigurations/ipconfig1",
                    "properties": {"privateIPAddress": ip, "privateIPAllocationMethod": "Dynamic",
                                   "privateIPAddressVersion": "IPv6" if ":" in ip else "IPv4",
                                   "subnet": {"id": self.sid(vnet, subnet)}, "primary": True},
                }],
                "provisioningState": "Succeeded",
                **extra,
            },
        }  # fmt: skip

    def gateway(self, name: str, vnet: str, *, gateway_type: str = "Vpn", sku: str = "VpnGw1", rg: str = "rg-net") -> str:
        """A virtual network gateway in ``vnet``'s GatewaySubnet (added if missing)."""
        d = self._vnets[vnet]
        if not any(s["name"] == "GatewaySubnet" for s in d["properties"]["subnets"]):
            raise KeyError(f"builder: VNet {vnet!r} has no GatewaySubnet; add one with .subnet()")
        gid = self.rid("virtualNetworkGateways", name, rg)
        self.resources.append({
            "name": name,
            "id": gid,
            "type": f"{NET}/virtualNetworkGateways",
            "location": self._loc(vnet),
            "properties": {
                "gatewayType": gateway_type,
                "vpnType": "RouteBased",
                "sku": {"name": sku, "tier": sku},
                "ipConfigurations": [{"name": "gwipconfig", "properties": {
                    "subnet": {"id": self.sid(vnet, "GatewaySubnet")}, "privateIPAllocationMethod": "Dynamic"}}],
                "provisioningState": "Succeeded",
            },
        })  # fmt: skip
        return gid

    # ------------------------------------------------------------------ Private DNS

    def zone(self, name: str, *, rg: str = "rg-dns") -> str:
        """A Private DNS zone; returns its ID."""
        zid = f"{self.sub}/resourceGroups/{rg}/providers/{NET}/privateDnsZones/{name}"
        self.resources.append({
            "name": name, "id": zid, "type": f"{NET}/privateDnsZones", "location": "global",
            "properties": {"numberOfRecordSets": 0, "provisioningState": "Succeeded"},
        })  # fmt: skip
        return zid

    def record(self, zone_id: str, name: str, rtype: str, values: Sequence[str], *, ttl: int = 300) -> str:
        """A record set (A, AAAA, CNAME) in a zone; ``name`` relative (``@``, ``*``, ``app``)."""
        rt = rtype.upper()
        rid = f"{zone_id}/{rt}/{name}"
        props: dict[str, Any] = {"ttl": ttl, "isAutoRegistered": False}
        if rt == "A":
            props["aRecords"] = [{"ipv4Address": v} for v in values]
        elif rt == "AAAA":
            props["aaaaRecords"] = [{"ipv6Address": v} for v in values]
        elif rt == "CNAME":
            props["cnameRecord"] = {"cname": values[0]}
        else:
            raise ValueError(f"builder: record type {rtype!r} not supported")
        self.resources.append({"name": name, "id": rid, "type": f"{NET}/privateDnsZones/{rt}", "properties": props})
        return rid

    def zone_link(
        self, zone_id: str, vnet: str, *, name: str | None = None, registration: bool = False,
        resolution_policy: str | None = None,
    ) -> str:
        """A zone's VNet link (D1); ``resolution_policy="NxDomainRedirect"`` for D5."""
        vid = self.vid(vnet)
        lname = name or f"link-{vid.rsplit('/', 1)[-1]}"
        lid = f"{zone_id}/virtualNetworkLinks/{lname}"
        props: dict[str, Any] = {
            "virtualNetwork": {"id": vid}, "registrationEnabled": registration,
            "virtualNetworkLinkState": "Completed", "provisioningState": "Succeeded",
        }  # fmt: skip
        if resolution_policy:
            props["resolutionPolicy"] = resolution_policy
        self.resources.append({"name": lname, "id": lid, "type": f"{NET}/privateDnsZones/virtualNetworkLinks",
                               "location": "global", "properties": props})  # fmt: skip
        return lid

    # ------------------------------------------------------------------ declarations and gaps

    def onprem(self, name: str, prefixes: Sequence[str], via: str | None = None) -> None:
        """Declared on-premises space reached through ``via``'s gateway."""
        e: dict[str, Any] = {"name": name, "prefixes": list(prefixes)}
        if via:
            e["via"] = self.vid(via)
        self.declarations.setdefault("onprem", []).append(e)

    def forwarder(self, vnet: str, device: str = "azfw", ip: str | None = None, note: str = "", *,
                  rules: Sequence[Mapping[str, Any]] | None = None, default: str | None = None) -> None:  # fmt: skip
        """Declare that ``vnet`` (a hub) forwards traffic between its spokes (P2); ``rules`` and
        ``default``: its declared rule base (netplan.fwrules)."""
        e: dict[str, Any] = {"vnet": self.vid(vnet), "device": device}
        if ip:
            e["ip"] = ip
        if note:
            e["note"] = note
        if rules is not None:
            e["rules"] = [dict(r) for r in rules]
        if default is not None:
            e["default"] = default
        self.declarations.setdefault("forwarders", []).append(e)

    def dns_forwarder(self, ip: str, vnet: str, note: str = "") -> None:
        e: dict[str, Any] = {"ip": ip, "vnet": self.vid(vnet)}
        if note:
            e["note"] = note
        self.declarations.setdefault("dns_forwarders", []).append(e)

    def public_dns(self, name: str, addresses: Sequence[str], rtype: str = "A") -> None:
        self.declarations.setdefault("public_dns", []).append({"name": name, "type": rtype, "addresses": list(addresses)})

    def gap(self, scope: str, kind: str = "subscription", reason: str = "AuthorizationFailed") -> None:
        """Record that the snapshot could not read ``scope`` (a subscription/resource-group ID)."""
        self.gaps.append({"scope": scope, "kind": kind, "reason": reason})

    # ------------------------------------------------------------------ output

    def _loc(self, vnet: str) -> str:
        d = self._vnets.get(vnet)
        return str(d["location"]) if d else self.location

    def vnet_resources(self) -> list[dict[str, Any]]:
        """The VNets with their peering links rendered (remote space as of now unless overridden)."""
        out = []
        links_by_local: dict[str, list[_LinkSpec]] = {}
        for spec in self._links:
            links_by_local.setdefault(spec.local, []).append(spec)
        for k, d in self._vnets.items():
            v = json.loads(json.dumps(d))
            for spec in links_by_local.get(k, ()):
                remote_id = self.vid(spec.remote)
                remote_space = spec.remote_prefixes
                if remote_space is None:
                    remote_space = (
                        self._vnets[spec.remote]["properties"]["addressSpace"]["addressPrefixes"]
                        if spec.remote in self._vnets else []
                    )
                v["properties"]["virtualNetworkPeerings"].append(
                    peering_dict(v["id"], remote_id, list(remote_space), **spec.kwargs)
                )
            out.append(v)
        return out

    def snapshot(self) -> dict[str, Any]:
        """The estate as a snapshot document (``resources``, ``declarations``, ``gaps``)."""
        snap: dict[str, Any] = {"resources": [*self.vnet_resources(), *self.resources]}
        if self.declarations:
            snap["declarations"] = json.loads(json.dumps(self.declarations))
        if self.gaps:
            snap["gaps"] = list(self.gaps)
        return snap

    def estate(self) -> Estate:
        """Load the snapshot through :mod:`netplan.loader`, exactly as ``--estate FILE`` would."""
        return load_snapshot(self.snapshot())

    def write(self, path: str | Path) -> str:
        """Write the snapshot to ``path`` (for CLI tests); returns the path as a string."""
        Path(path).write_text(json.dumps(self.snapshot(), indent=1))
        return str(path)


def load_snapshot(data: Any, file: str = "<test>") -> Estate:
    """An Estate from snapshot data, through the same steps as :func:`netplan.estate.load_estate`."""
    return estate_from_data(data, file)


def estate_of(resources: Iterable[Mapping[str, Any]], declarations: Mapping[str, Any] | None = None) -> Estate:
    """An Estate from a list of ARM resources (and an optional declarations mapping)."""
    snap: dict[str, Any] = {"resources": [dict(r) for r in resources]}
    if declarations:
        snap["declarations"] = dict(declarations)
    return load_snapshot(snap)
