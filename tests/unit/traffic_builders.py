"""ARM-shaped route tables, network security groups and ASGs for hand-built estates.

Each function returns the REST JSON Azure returns for the resource (as in the official examples
under ``tests/fixtures/traffic/``), so estates built with them go through the real loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tests.unit.builders import resource_id


def route(name: str, prefix: str, hop: str, ip: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"addressPrefix": prefix, "nextHopType": hop, "provisioningState": "Succeeded"}
    if ip:
        props["nextHopIpAddress"] = ip
    return {"name": name, "properties": props}


def route_table(name: str, routes: Sequence[dict[str, Any]], *, rg: str = "rg-net", disable_bgp: bool = False,
                location: str = "westeurope") -> dict[str, Any]:
    rid = resource_id("routeTables", name, rg)
    return {
        "name": name, "id": rid, "type": "Microsoft.Network/routeTables", "location": location,
        "properties": {
            "disableBgpRoutePropagation": disable_bgp, "provisioningState": "Succeeded",
            "routes": [{**r, "id": f"{rid}/routes/{r['name']}"} for r in routes],
        },
    }  # fmt: skip


def rule(name: str, priority: int, direction: str = "Inbound", access: str = "Allow", *,
         src: str | Sequence[str] = "*", dst: str | Sequence[str] = "*", ports: str | Sequence[str] = "*",
         protocol: str = "Tcp", src_asgs: Sequence[str] = (), dst_asgs: Sequence[str] = ()) -> dict[str, Any]:
    props: dict[str, Any] = {
        "priority": priority, "direction": direction, "access": access, "protocol": protocol,
        "sourcePortRange": "*",
    }  # fmt: skip
    for side, v, asgs in (("source", src, src_asgs), ("destination", dst, dst_asgs)):
        if asgs:
            props[f"{side}ApplicationSecurityGroups"] = [{"id": a} for a in asgs]
        elif isinstance(v, str):
            props[f"{side}AddressPrefix"] = v
        else:
            props[f"{side}AddressPrefixes"] = list(v)
    if isinstance(ports, str):
        props["destinationPortRange"] = ports
    else:
        props["destinationPortRanges"] = list(ports)
    return {"name": name, "properties": props}


def nsg(name: str, rules: Sequence[dict[str, Any]] = (), *, rg: str = "rg-net", location: str = "westeurope") -> dict[str, Any]:
    """An NSG without ``defaultSecurityRules`` (the loader supplies Azure's defaults)."""
    rid = resource_id("networkSecurityGroups", name, rg)
    return {
        "name": name, "id": rid, "type": "Microsoft.Network/networkSecurityGroups", "location": location,
        "properties": {"securityRules": [{**r, "id": f"{rid}/securityRules/{r['name']}"} for r in rules]},
    }  # fmt: skip


def asg(name: str, *, rg: str = "rg-net") -> dict[str, Any]:
    return {"name": name, "id": resource_id("applicationSecurityGroups", name, rg),
            "type": "Microsoft.Network/applicationSecurityGroups", "location": "westeurope", "properties": {}}  # fmt: skip


# ---- editing a tests.unit.builders.EstateBuilder in place -------------------------------------


def attach(b: Any, vnet: str, subnet: str, *, nsg_id: str | None = None, rt_id: str | None = None,
           pe_policies: str | None = None) -> None:
    """Put an NSG / route table / private endpoint network policies on a builder's subnet."""
    for s in b._vnets[vnet]["properties"]["subnets"]:
        if s["name"] == subnet:
            if nsg_id:
                s["properties"]["networkSecurityGroup"] = {"id": nsg_id}
            if rt_id:
                s["properties"]["routeTable"] = {"id": rt_id}
            if pe_policies:
                s["properties"]["privateEndpointNetworkPolicies"] = pe_policies
            return
    raise KeyError(f"no subnet {subnet} in {vnet}")


def nic_set(b: Any, nic_id: str, **props: Any) -> None:
    """Set NIC properties (``enableIPForwarding``, ``networkSecurityGroup``) or, with ``asgs`` /
    ``pools``, the first IP configuration's ASG / backend pool membership."""
    for r in b.resources:
        if r["id"] == nic_id:
            cfg = r["properties"]["ipConfigurations"][0]["properties"]
            if "asgs" in props:
                cfg["applicationSecurityGroups"] = [{"id": a} for a in props.pop("asgs")]
            if "pools" in props:
                cfg["loadBalancerBackendAddressPools"] = [{"id": p} for p in props.pop("pools")]
            r["properties"].update(props)
            return
    raise KeyError(nic_id)


def lb_rules(b: Any, lb_name: str, rules: Sequence[tuple[int, int]], *, protocol: str = "Tcp", pool: str = "pool") -> str:
    """Give a builder LB a backend pool and load-balancing rules (frontend port, backend port); returns the pool ID."""
    for r in b.resources:
        if r["type"].endswith("/loadBalancers") and r["name"] == lb_name:
            pool_id = f"{r['id']}/backendAddressPools/{pool}"
            fe = r["properties"]["frontendIPConfigurations"][0]["id"]
            r["properties"]["backendAddressPools"] = [{"name": pool, "id": pool_id, "properties": {}}]
            r["properties"]["loadBalancingRules"] = [
                {"name": f"r{fp}", "id": f"{r['id']}/loadBalancingRules/r{fp}",
                 "properties": {"frontendIPConfiguration": {"id": fe}, "backendAddressPool": {"id": pool_id},
                                "protocol": protocol, "frontendPort": fp, "backendPort": bp}}
                for fp, bp in rules
            ]  # fmt: skip
            return pool_id
    raise KeyError(lb_name)
