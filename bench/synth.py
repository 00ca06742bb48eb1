"""Synthetic Azure estate generator: large, realistic snapshots for benchmarks and scale tests.

``python -m bench.synth --vnets 10000 [--seed 1] [--prefixes-per-vnet 10] [--out FILE]`` writes a
snapshot (``{"resources": [...], "declarations": {...}}``, ARM REST shapes, the same format as
``samples/*.json``) to FILE or stdout. ``generate(vnets, seed, prefixes_per_vnet)`` returns it as a
dict. The output depends only on the arguments (deterministic for a seed).

What the estate looks like:

- regions, each with one or more hubs (at most ~400 spokes per hub, below the 500-peering limit):
  a /22 with AzureFirewallSubnet (the firewall is declared as a forwarder), GatewaySubnet with a
  VPN gateway, a DNS private resolver inbound endpoint (declared as a DNS forwarder); hubs of a
  region are peered with each other, and the first hubs of all regions form a global mesh;
- spokes peered with their hub, Connected on both sides (hub ``allowGatewayTransit``, spoke
  ``useRemoteGateways``), except a few percent: Initiated (hub side missing), Disconnected (hub
  side deleted) or not in sync after an address-space change (spoke RemoteNotInSync, hub
  LocalNotInSync with a stale remote address space); a few direct spoke-to-spoke peerings;
- about 15% isolated VNets (no peering) that reuse the portal's default ranges (10.0.0.0/16,
  10.1.0.0/16, 172.16.0.0/16, 192.168.0.0/24), overlapping each other legitimately; with
  ``--default-share 0.2`` (issue 15's realistic estate) a further fifth of the VNets are isolated
  and keep only the portal's default 10.0.0.0/16;
- every other prefix allocated without overlap from 10.0.0.0/8 and 172.16.0.0/12 (outside the
  default ranges), sizes /16 to /26, except a small injected rate of accidental overlaps between
  spokes of the same hub; VNets carry several prefixes so that the average is
  ``prefixes_per_vnet`` (VNet address prefixes, subnets not counted), a few of them IPv6 ULA
  (fd00::/8, /48 to /64);
- subnets carved from each VNet's first prefix, custom DNS (the hub resolver) on part of the
  spokes, internal load balancers, NICs, private endpoints (NIC, zone group, A record) to
  out-of-snapshot PaaS resources, privatelink zones linked to the hubs and to spokes that use
  Azure DNS (at most 1000 links per zone), app zones (``*`` and per-app A records to an internal
  LB frontend) linked to the provider, its hub and a few consumers;
- declarations: one on-premises network per region (via its first hub), the hub firewalls as
  forwarders and the resolver inbound endpoints as DNS forwarders.

Standalone on purpose: standard library only, no import of other netplan modules.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections.abc import Iterator
from typing import Any, TextIO

NET = "Microsoft.Network"
REGIONS: tuple[tuple[str, str], ...] = (
    ("westeurope", "weu"),
    ("northeurope", "neu"),
    ("eastus", "eus"),
    ("eastus2", "eus2"),
    ("westus2", "wus2"),
    ("uksouth", "uks"),
    ("germanywestcentral", "gwc"),
    ("francecentral", "frc"),
    ("swedencentral", "sdc"),
    ("centralus", "cus"),
    ("southeastasia", "sea"),
    ("australiaeast", "aue"),
)
SPOKES_PER_HUB = 400
ISOLATED_SHARE = 0.15
DEFAULT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0A000000, 16),  # 10.0.0.0/16
    (0x0A010000, 16),  # 10.1.0.0/16
    (0xAC100000, 16),  # 172.16.0.0/16
    (0xC0A80000, 24),  # 192.168.0.0/24
)
# Pool for non-overlapping allocation: 10.0.0.0/8 and 172.16.0.0/12 minus the default ranges,
# as aligned blocks of at least /16 (requests are /16 or smaller, so alignment always holds).
POOL_BLOCKS: tuple[tuple[int, int], ...] = (
    (0x0A020000, 15),
    (0x0A040000, 14),
    (0x0A080000, 13),
    (0x0A100000, 12),
    (0x0A200000, 11),
    (0x0A400000, 10),
    (0x0A800000, 9),
    (0xAC110000, 16),
    (0xAC120000, 15),
    (0xAC140000, 14),
    (0xAC180000, 13),
)
PAAS: tuple[tuple[str, str, str, str], ...] = (
    # (zone, provider/type, groupId, name prefix)
    ("privatelink.blob.core.windows.net", "Microsoft.Storage/storageAccounts", "blob", "st"),
    ("privatelink.database.windows.net", "Microsoft.Sql/servers", "sqlServer", "sql-"),
    ("privatelink.vaultcore.azure.net", "Microsoft.KeyVault/vaults", "vault", "kv-"),
    (
        "privatelink.postgres.database.azure.com",
        "Microsoft.DBforPostgreSQL/flexibleServers",
        "postgresqlServer",
        "psql-",
    ),
)
WORKLOADS = (
    "crm",
    "erp",
    "web",
    "data",
    "api",
    "hr",
    "sales",
    "ops",
    "bi",
    "iot",
    "ml",
    "portal",
    "pay",
    "mail",
)
ENVS = ("prod", "test", "dev", "acc")
APP_NAMES = ("portal", "crm", "orders", "hr-portal", "sales", "timesheets", "intake")
MAX_ZONE_LINKS = 1000


def _ip4(a: int) -> str:
    return f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}"


def _cidr4(a: int, plen: int) -> str:
    return f"{_ip4(a)}/{plen}"


def _cidr6(a: int, plen: int) -> str:
    groups = [(a >> (112 - 16 * i)) & 0xFFFF for i in range(8)]
    while groups and groups[-1] == 0:
        groups.pop()
    text = ":".join(f"{g:x}" for g in groups)
    return f"{text}::/{plen}" if len(groups) < 8 else f"{text}/{plen}"


class _Rand:
    """Deterministic ids and choices from one seed."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def guid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def etag(self) -> str:
        return f'W/"{self.guid()}"'


class _Vnet:
    __slots__ = (
        "dns",
        "hub",
        "id",
        "idx",
        "injected",
        "kind",
        "name",
        "nprefixes",
        "region",
        "res",
        "rg",
        "sub",
        "subnet_objs",
        "subnets",
        "v4",
        "v6",
    )

    def __init__(self, idx: int, kind: str) -> None:
        self.idx = idx
        self.kind = kind  # hub | spoke | isolated
        self.hub: _Vnet | None = None
        self.name = ""
        self.rg = ""
        self.sub = ""
        self.region: tuple[str, str] = REGIONS[0]
        self.nprefixes = 1
        self.v4: list[tuple[int, int]] = []  # (address, prefix length)
        self.v6: list[tuple[int, int]] = []
        self.injected: set[int] = set()  # indexes into v4 copied from another spoke
        self.subnets: list[tuple[str, int, int]] = []  # (name, address, prefix length)
        self.dns: list[str] | None = None
        self.id = ""
        self.res: dict[str, Any] = {}
        self.subnet_objs: list[dict[str, Any]] = []

    def prefixes(self) -> list[str]:
        return [_cidr4(a, p) for a, p in self.v4] + [_cidr6(a, p) for a, p in self.v6]


def _spread(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainders)."""
    if not weights or total <= 0:
        return [0] * len(weights)
    wsum = sum(weights) or 1.0
    exact = [total * w / wsum for w in weights]
    parts = [int(x) for x in exact]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


class _Builder:
    def __init__(self, vnets: int, seed: int, prefixes_per_vnet: int, default_share: float = 0.0) -> None:
        if not 0.0 <= default_share <= 1.0 - ISOLATED_SHARE:
            raise ValueError(f"default_share must be between 0 and {1.0 - ISOLATED_SHARE}")
        self.default_share = default_share
        if vnets < 1:
            raise ValueError("vnets must be at least 1")
        if prefixes_per_vnet < 1:
            raise ValueError("prefixes_per_vnet must be at least 1")
        self.n = vnets
        self.ppv = prefixes_per_vnet
        self.rnd = _Rand(seed)
        self.r = self.rnd.r
        self.resources: list[dict[str, Any]] = []
        self.vnets: list[_Vnet] = []
        self.hubs: list[_Vnet] = []
        self.conn_sub = self.rnd.guid()
        self.lz_subs: list[str] = []
        self.decl: dict[str, list[dict[str, Any]]] = {"onprem": [], "forwarders": [], "dns_forwarders": []}

    # -- layout -----------------------------------------------------------------------------
    def layout(self) -> None:
        r = self.r
        n_default = int(self.n * self.default_share)
        n_iso = (int(self.n * ISOLATED_SHARE) if self.n >= 10 else 0) + n_default
        n_rest = self.n - n_iso
        n_hubs = max(1, -(-max(n_rest - 1, 1) // (SPOKES_PER_HUB + 1))) if n_rest > 0 else 0
        n_regions = max(1, min(len(REGIONS), n_hubs, 1 + self.n // 500))
        kinds = ["hub"] * n_hubs + ["spoke"] * (n_rest - n_hubs) + ["isolated"] * n_iso
        self.vnets = [_Vnet(i, k) for i, k in enumerate(kinds)]
        # The last n_default isolated VNets keep the portal's default 10.0.0.0/16 and nothing else.
        self.portal_default = {v.idx for v in self.vnets[len(self.vnets) - n_default :]} if n_default else set()
        self.hubs = [v for v in self.vnets if v.kind == "hub"]
        self.lz_subs = [self.rnd.guid() for _ in range(max(1, self.n // 50))]
        hub_count: dict[str, int] = {}
        for i, h in enumerate(self.hubs):
            h.region = REGIONS[i % n_regions]
            k = hub_count[h.region[1]] = hub_count.get(h.region[1], 0) + 1
            h.name = f"vnet-hub-{h.region[1]}-{k:02d}"
            h.rg = f"rg-connectivity-{h.region[1]}"
            h.sub = self.conn_sub
        spokes = [v for v in self.vnets if v.kind == "spoke"]
        for j, s in enumerate(spokes):
            s.hub = self.hubs[j % len(self.hubs)]
            s.region = s.hub.region
        for v in self.vnets:
            if v.kind == "isolated":
                v.region = REGIONS[r.randrange(n_regions)]
            if v.kind != "hub":
                wl = WORKLOADS[r.randrange(len(WORKLOADS))]
                env = ENVS[r.randrange(len(ENVS))]
                v.name = f"vnet-{wl}-{env}-{v.region[1]}-{v.idx:05d}"
                v.rg = f"rg-{wl}-{env}-{v.region[1]}-{v.idx:05d}"
                v.sub = self.lz_subs[r.randrange(len(self.lz_subs))]
            v.id = f"/subscriptions/{v.sub}/resourceGroups/{v.rg}/providers/{NET}/virtualNetworks/{v.name}"

    # -- prefix counts and sizes ------------------------------------------------------------
    def count_prefixes(self) -> None:
        r = self.r
        extra = self.n * self.ppv - self.n
        iso = [v for v in self.vnets if v.kind == "isolated"]
        for v in iso:
            if v.idx in self.portal_default:
                continue
            if extra > 0 and r.random() < 0.3:
                v.nprefixes = 2
                extra -= 1
        # hubs keep a small space; everyone else shares the rest with a skewed distribution
        takers = [v for v in self.vnets if v.kind == "spoke"] or [v for v in self.vnets if v.kind == "hub"]
        if not takers:
            takers = iso
        parts = _spread(extra, [r.expovariate(1.0) + 0.05 for _ in takers])
        for v, k in zip(takers, parts, strict=True):
            v.nprefixes += k

    def allocate(self) -> None:
        r = self.r
        requests: list[tuple[int, bool, int, int]] = []  # (plen, fixed size, vnet idx, slot)
        v6_share = 0.05
        for v in self.vnets:
            if v.idx in self.portal_default:
                v.v4.append(DEFAULT_RANGES[0])
                continue
            if v.kind == "isolated":
                first = r.randrange(len(DEFAULT_RANGES))
                v.v4.append(DEFAULT_RANGES[first])
                if v.nprefixes > 1:
                    second = (first + 1 + r.randrange(len(DEFAULT_RANGES) - 1)) % len(DEFAULT_RANGES)
                    v.v4.append(DEFAULT_RANGES[second])
                continue
            n_v6 = 1 if (v.nprefixes >= 2 and r.random() < v6_share) else 0
            for _ in range(n_v6):
                gid = r.getrandbits(40)
                plen = (48, 56, 64)[r.randrange(3)]
                sub = r.getrandbits(plen - 48) if plen > 48 else 0
                v.v6.append((((0xFD << 40 | gid) << 80) | (sub << (128 - plen)), plen))
            for slot in range(v.nprefixes - n_v6):
                if v.kind == "hub" and slot == 0:
                    plen = 22
                elif slot == 0:
                    x = r.random()
                    plen = (
                        16
                        if x < 0.003
                        else 20
                        if x < 0.05
                        else 21
                        if x < 0.15
                        else 22
                        if x < 0.45
                        else (23 if x < 0.75 else 24)
                    )
                else:
                    x = r.random()
                    plen = 24 if x < 0.15 else 25 if x < 0.45 else 26
                requests.append((plen, v.kind == "hub" and slot == 0, v.idx, slot))
        avail = sum(1 << (32 - p) for _, p in POOL_BLOCKS)
        shift = 0

        def need(shift: int) -> int:
            return sum(1 << (32 - (p if fixed else min(26, p + shift))) for p, fixed, _, _ in requests)

        shift = 0
        while need(shift) > avail:
            shift += 1
            if shift > 10:
                raise ValueError("address pool exhausted: too many prefixes for 10.0.0.0/8 + 172.16.0.0/12")
        sized = sorted((p if fixed else min(26, p + shift), i, s) for p, fixed, i, s in requests)
        slots: dict[tuple[int, int], tuple[int, int]] = {}
        blk = 0
        ptr, end = POOL_BLOCKS[0][0], POOL_BLOCKS[0][0] + (1 << (32 - POOL_BLOCKS[0][1]))
        for plen, i, s in sized:
            size = 1 << (32 - plen)
            while ptr + size > end:
                blk += 1
                if blk >= len(POOL_BLOCKS):
                    raise ValueError(
                        "address pool exhausted: too many prefixes for 10.0.0.0/8 + 172.16.0.0/12"
                    )
                ptr, end = POOL_BLOCKS[blk][0], POOL_BLOCKS[blk][0] + (1 << (32 - POOL_BLOCKS[blk][1]))
            slots[(i, s)] = (ptr, plen)
            ptr += size
        for v in self.vnets:
            if v.kind != "isolated":
                v.v4 = [slots[(v.idx, s)] for s in range(v.nprefixes - len(v.v6))]
                # the first prefix is the largest one, so the subnets fit
                first = min(range(len(v.v4)), key=lambda k: (v.v4[k][1], k))
                v.v4.insert(0, v.v4.pop(first))
        # accidental overlaps between spokes of the same hub: a later prefix copies another spoke's
        by_hub: dict[int, list[_Vnet]] = {}
        for v in self.vnets:
            if v.kind == "spoke" and v.hub is not None:
                by_hub.setdefault(v.hub.idx, []).append(v)
        for group in by_hub.values():
            if len(group) < 2:
                continue
            for v in group:
                if len(v.v4) >= 3 and r.random() < 0.01:
                    other = group[r.randrange(len(group))]
                    if other is v or other.injected:
                        continue
                    v.v4[-1] = other.v4[r.randrange(len(other.v4))]
                    v.injected.add(len(v.v4) - 1)

    # -- resources ---------------------------------------------------------------------------
    def add(self, res: dict[str, Any]) -> dict[str, Any]:
        self.resources.append(res)
        return res

    def build_vnets(self) -> None:
        r = self.r
        for v in self.vnets:
            et = self.rnd.etag()
            props: dict[str, Any] = {
                "addressSpace": {"addressPrefixes": v.prefixes()},
                "enableDdosProtection": False,
                "provisioningState": "Succeeded",
                "resourceGuid": self.rnd.guid(),
                "subnets": [],
                "virtualNetworkPeerings": [],
            }
            if v.kind == "spoke" and v.hub is not None:
                x = r.random()
                if x < 0.4:
                    v.dns = [_ip4(v.hub.v4[0][0] + 132)]
                elif x < 0.41:
                    v.dns = ["192.168.16.10", "192.168.16.11"]  # on-prem DNS, not modelled
            if v.dns is not None:
                props["dhcpOptions"] = {"dnsServers": v.dns}
            v.res = {
                "name": v.name,
                "id": v.id,
                "etag": et,
                "type": f"{NET}/virtualNetworks",
                "location": v.region[0],
                "tags": {
                    "environment": v.name.split("-")[2] if v.kind != "hub" else "prod",
                    "generator": "bench.synth",
                },
                "properties": props,
            }
            self.add(v.res)
            base, plen = v.v4[0]
            if v.kind == "hub":
                v.subnets = [
                    ("AzureFirewallSubnet", base, 26),
                    ("GatewaySubnet", base + 64, 27),
                    ("snet-dnspr-inbound", base + 128, 28),
                    ("snet-mgmt", base + 256, 24),
                ]
            elif v.kind == "isolated":
                sp = max(plen, 24)
                v.subnets = [("default", base, sp)]
            else:
                sp = min(plen + 2, 28)
                names = ("snet-app", "snet-data", "snet-pe", "snet-mgmt")
                k = 2 + r.randrange(3)
                v.subnets = [(names[j], base + j * (1 << (32 - sp)), sp) for j in range(k)]
                for j in range(1, len(v.v4)):
                    if j not in v.injected and len(v.subnets) < 7 and r.random() < 0.3:
                        a, p = v.v4[j]
                        v.subnets.append((f"snet-ext-{j:02d}", a, p))
            for j, (sname, a, p) in enumerate(v.subnets):
                sprops: dict[str, Any] = {"addressPrefix": _cidr4(a, p)}
                if j == 0 and v.v6:
                    a6, _p6 = v.v6[0]
                    sprops = {"addressPrefixes": [_cidr4(a, p), _cidr6(a6, 64)]}
                sprops["delegations"] = []
                if sname == "snet-dnspr-inbound":
                    sprops["delegations"] = [
                        {
                            "name": "Microsoft.Network.dnsResolvers",
                            "id": f"{v.id}/subnets/{sname}/delegations/Microsoft.Network.dnsResolvers",
                            "properties": {
                                "serviceName": "Microsoft.Network/dnsResolvers",
                                "actions": ["Microsoft.Network/virtualNetworks/subnets/join/action"],
                            },
                            "type": f"{NET}/virtualNetworks/subnets/delegations",
                        }
                    ]
                sprops["ipConfigurations"] = []
                sprops["privateEndpointNetworkPolicies"] = "Disabled"
                sprops["privateLinkServiceNetworkPolicies"] = "Enabled"
                sprops["provisioningState"] = "Succeeded"
                s = {"name": sname, "id": f"{v.id}/subnets/{sname}", "etag": et, "properties": sprops}
                props["subnets"].append(s)
                v.subnet_objs.append(s)

    def _peering(
        self,
        local: _Vnet,
        remote: _Vnet,
        *,
        state: str = "Connected",
        sync: str = "FullyInSync",
        transit: bool = False,
        use_remote: bool = False,
        stale: list[str] | None = None,
    ) -> None:
        name = f"peer-{local.name.removeprefix('vnet-')}-to-{remote.name.removeprefix('vnet-')}"
        space = stale if stale is not None else remote.prefixes()
        local.res["properties"]["virtualNetworkPeerings"].append(
            {
                "name": name,
                "id": f"{local.id}/virtualNetworkPeerings/{name}",
                "etag": local.res["etag"],
                "properties": {
                    "allowForwardedTraffic": True,
                    "allowGatewayTransit": transit,
                    "allowVirtualNetworkAccess": True,
                    "peerCompleteVnets": True,
                    "peeringState": state,
                    "peeringSyncLevel": sync,
                    "provisioningState": "Succeeded",
                    "remoteAddressSpace": {"addressPrefixes": space},
                    "remoteVirtualNetwork": {"id": remote.id},
                    "remoteVirtualNetworkAddressSpace": {"addressPrefixes": list(space)},
                    "useRemoteGateways": use_remote,
                },
            }
        )

    def build_peerings(self) -> None:
        r = self.r
        by_region: dict[str, list[_Vnet]] = {}
        for h in self.hubs:
            by_region.setdefault(h.region[0], []).append(h)
        pairs: list[tuple[_Vnet, _Vnet]] = []
        for hs in by_region.values():
            pairs += [(a, b) for i, a in enumerate(hs) for b in hs[i + 1 :]]
        firsts = [hs[0] for hs in by_region.values()]
        pairs += [(a, b) for i, a in enumerate(firsts) for b in firsts[i + 1 :]]
        for a, b in pairs:
            self._peering(a, b)
            self._peering(b, a)
        prev: dict[int, _Vnet] = {}
        for v in self.vnets:
            if v.kind != "spoke" or v.hub is None:
                continue
            hub = v.hub
            x = r.random()
            if x < 0.02:
                self._peering(v, hub, state="Initiated")
            elif x < 0.03:
                self._peering(v, hub, state="Disconnected")
            elif x < 0.05 and len(v.v4) + len(v.v6) >= 2:
                self._peering(v, hub, sync="RemoteNotInSync", use_remote=True)
                self._peering(hub, v, sync="LocalNotInSync", transit=True, stale=v.prefixes()[:-1])
            else:
                self._peering(v, hub, use_remote=True)
                self._peering(hub, v, transit=True)
            p = prev.get(hub.idx)
            if p is not None and r.random() < 0.02 and not p.injected and not v.injected:
                self._peering(v, p)
                self._peering(p, v)
            prev[hub.idx] = v

    def _attach(self, subnet: dict[str, Any], ipconfig_id: str) -> None:
        subnet["properties"]["ipConfigurations"].append({"id": ipconfig_id})

    def _nic(
        self,
        v: _Vnet,
        name: str,
        subnet_i: int,
        ip: int,
        extra: dict[str, Any] | None = None,
        ipconfig: str = "ipconfig1",
    ) -> dict[str, Any]:
        nid = f"/subscriptions/{v.sub}/resourceGroups/{v.rg}/providers/{NET}/networkInterfaces/{name}"
        s = v.subnet_objs[subnet_i]
        cfg = f"{nid}/ipConfigurations/{ipconfig}"
        props: dict[str, Any] = {
            "ipConfigurations": [
                {
                    "name": ipconfig,
                    "id": cfg,
                    "properties": {
                        "primary": True,
                        "privateIPAddress": _ip4(ip),
                        "privateIPAddressVersion": "IPv4",
                        "privateIPAllocationMethod": "Dynamic",
                        "provisioningState": "Succeeded",
                        "subnet": {"id": s["id"]},
                    },
                }
            ],
            "provisioningState": "Succeeded",
        }
        if extra:
            props.update(extra)
        self._attach(s, cfg)
        return self.add(
            {
                "name": name,
                "id": nid,
                "etag": self.rnd.etag(),
                "type": f"{NET}/networkInterfaces",
                "location": v.region[0],
                "properties": props,
            }
        )

    def build_hub_services(self) -> None:
        for h in self.hubs:
            base = h.v4[0][0]
            gw_id = (
                f"/subscriptions/{h.sub}/resourceGroups/{h.rg}/providers/{NET}/virtualNetworkGateways/"
                f"vgw-{h.name.removeprefix('vnet-')}"
            )
            cfg = f"{gw_id}/ipConfigurations/default"
            self.add(
                {
                    "name": gw_id.rsplit("/", 1)[1],
                    "id": gw_id,
                    "etag": self.rnd.etag(),
                    "type": f"{NET}/virtualNetworkGateways",
                    "location": h.region[0],
                    "properties": {
                        "activeActive": False,
                        "enableBgp": False,
                        "gatewayType": "Vpn",
                        "ipConfigurations": [
                            {
                                "name": "default",
                                "id": cfg,
                                "properties": {
                                    "privateIPAllocationMethod": "Dynamic",
                                    "provisioningState": "Succeeded",
                                    "subnet": {"id": h.subnet_objs[1]["id"]},
                                },
                            }
                        ],
                        "provisioningState": "Succeeded",
                        "sku": {"name": "VpnGw2AZ", "tier": "VpnGw2AZ", "capacity": 2},
                        "vpnGatewayGeneration": "Generation2",
                        "vpnType": "RouteBased",
                    },
                }
            )
            self._attach(h.subnet_objs[1], cfg)
            rid = (
                f"/subscriptions/{h.sub}/resourceGroups/{h.rg}/providers/{NET}/dnsResolvers/"
                f"dnspr-{h.name.removeprefix('vnet-')}"
            )
            self.add(
                {
                    "name": rid.rsplit("/", 1)[1],
                    "id": rid,
                    "etag": f'"{self.rnd.guid()}"',
                    "type": f"{NET}/dnsResolvers",
                    "location": h.region[0],
                    "properties": {
                        "dnsResolverState": "Connected",
                        "provisioningState": "Succeeded",
                        "virtualNetwork": {"id": h.id},
                    },
                }
            )
            self.add(
                {
                    "name": "inbound",
                    "id": f"{rid}/inboundEndpoints/inbound",
                    "etag": f'"{self.rnd.guid()}"',
                    "type": f"{NET}/dnsResolvers/inboundEndpoints",
                    "location": h.region[0],
                    "properties": {
                        "ipConfigurations": [
                            {
                                "privateIpAddress": _ip4(base + 132),
                                "privateIpAllocationMethod": "Static",
                                "subnet": {"id": h.subnet_objs[2]["id"]},
                            }
                        ],
                        "provisioningState": "Succeeded",
                    },
                }
            )
            fw = f"azfw-{h.name.removeprefix('vnet-')}"
            self.decl["forwarders"].append(
                {
                    "vnet": h.id,
                    "device": fw,
                    "ip": _ip4(base + 4),
                    "note": "Azure Firewall with UDRs on the spokes",
                }
            )
            self.decl["dns_forwarders"].append(
                {"ip": _ip4(base + 132), "vnet": h.id, "note": "DNS private resolver inbound endpoint"}
            )
        seen: set[str] = set()
        for h in self.hubs:
            if h.region[0] in seen:
                continue
            i = len(seen)
            seen.add(h.region[0])
            self.decl["onprem"].append(
                {"name": f"dc-{h.region[1]}", "prefixes": [_cidr4(0xC0A81000 + (i << 12), 20)], "via": h.id}
            )

    def _zone(self, name: str) -> dict[str, Any]:
        zid = f"/subscriptions/{self.conn_sub}/resourceGroups/rg-privatedns/providers/{NET}/privateDnsZones/{name}"
        z = self.add(
            {
                "id": zid,
                "name": name,
                "type": f"{NET}/privateDnsZones",
                "location": "global",
                "etag": self.rnd.guid(),
                "properties": {"provisioningState": "Succeeded"},
            }
        )
        self.add(
            {
                "id": f"{zid}/SOA/@",
                "etag": self.rnd.guid(),
                "name": "@",
                "type": f"{NET}/privateDnsZones/SOA",
                "properties": {
                    "ttl": 3600,
                    "fqdn": f"{name}.",
                    "isAutoRegistered": False,
                    "soaRecord": {
                        "email": "azureprivatedns-host.microsoft.com",
                        "expireTime": 2419200,
                        "host": "azureprivatedns.net",
                        "minimumTtl": 10,
                        "refreshTime": 3600,
                        "retryTime": 300,
                        "serialNumber": 1,
                    },
                },
            }
        )
        return z

    def _a(self, zone: dict[str, Any], name: str, ips: list[str], ttl: int = 10) -> None:
        fq = f"{name}.{zone['name']}."
        self.add(
            {
                "id": f"{zone['id']}/A/{name}",
                "etag": self.rnd.guid(),
                "name": name,
                "type": f"{NET}/privateDnsZones/A",
                "properties": {
                    "ttl": ttl,
                    "fqdn": fq,
                    "isAutoRegistered": False,
                    "aRecords": [{"ipv4Address": i} for i in ips],
                },
            }
        )

    def _link(self, zone: dict[str, Any], v: _Vnet, policy: str = "Default") -> None:
        lid = f"{zone['id']}/virtualNetworkLinks/link-{v.name}"
        self.add(
            {
                "id": lid,
                "name": f"link-{v.name}",
                "type": f"{NET}/privateDnsZones/virtualNetworkLinks",
                "location": "global",
                "etag": self.rnd.guid(),
                "properties": {
                    "provisioningState": "Succeeded",
                    "registrationEnabled": False,
                    "resolutionPolicy": policy,
                    "virtualNetwork": {"id": v.id},
                    "virtualNetworkLinkState": "Completed",
                },
            }
        )

    def build_workloads(self) -> None:
        r = self.r
        zones = {z: self._zone(z) for z, _, _, _ in PAAS}
        azure_dns_spokes: list[_Vnet] = []
        providers: list[tuple[_Vnet, str]] = []
        for v in self.vnets:
            if v.kind == "hub":
                continue
            subs = v.subnet_objs
            s0_base = v.subnets[0][1]
            if r.random() < 0.2:
                self._nic(v, f"nic-vm-{v.idx:05d}-01", 0, s0_base + 4)
            if v.kind != "spoke":
                continue
            if v.dns is None:
                azure_dns_spokes.append(v)
            if r.random() < 0.06:
                lb_id = f"/subscriptions/{v.sub}/resourceGroups/{v.rg}/providers/{NET}/loadBalancers/lbi-{v.idx:05d}"
                fe = f"{lb_id}/frontendIPConfigurations/fe-01"
                ip = _ip4(s0_base + 5)
                self.add(
                    {
                        "name": f"lbi-{v.idx:05d}",
                        "id": lb_id,
                        "etag": self.rnd.etag(),
                        "type": f"{NET}/loadBalancers",
                        "location": v.region[0],
                        "sku": {"name": "Basic" if r.random() < 0.1 else "Standard", "tier": "Regional"},
                        "properties": {
                            "frontendIPConfigurations": [
                                {
                                    "name": "fe-01",
                                    "id": fe,
                                    "type": f"{NET}/loadBalancers/frontendIPConfigurations",
                                    "properties": {
                                        "privateIPAddress": ip,
                                        "privateIPAddressVersion": "IPv4",
                                        "privateIPAllocationMethod": "Static",
                                        "provisioningState": "Succeeded",
                                        "subnet": {"id": subs[0]["id"]},
                                    },
                                }
                            ],
                            "backendAddressPools": [],
                            "loadBalancingRules": [],
                            "probes": [],
                            "provisioningState": "Succeeded",
                        },
                    }
                )
                self._attach(subs[0], fe)
                if r.random() < 0.4:
                    providers.append((v, ip))
            if r.random() < 0.1:
                zname, rtype, group, pfx = PAAS[r.randrange(len(PAAS))]
                si = len(v.subnets) - 1 if len(v.subnets) > 1 else 0
                ip_int = v.subnets[si][1] + (6 if si == 0 else 4)
                target_name = f"{pfx}{v.name.split('-')[1]}{v.idx:05d}"
                target = f"/subscriptions/{v.sub}/resourceGroups/{v.rg}/providers/{rtype}/{target_name}"
                pe_name = f"pe-{target_name}-{group.lower()}"
                pe_id = (
                    f"/subscriptions/{v.sub}/resourceGroups/{v.rg}/providers/{NET}/privateEndpoints/{pe_name}"
                )
                nic_name = f"{pe_name}.nic.{self.rnd.guid()}"
                nic_id = f"/subscriptions/{v.sub}/resourceGroups/{v.rg}/providers/{NET}/networkInterfaces/{nic_name}"
                status = "Pending" if r.random() < 0.03 else "Approved"
                self.add(
                    {
                        "name": pe_name,
                        "id": pe_id,
                        "etag": self.rnd.etag(),
                        "type": f"{NET}/privateEndpoints",
                        "location": v.region[0],
                        "properties": {
                            "customDnsConfigs": [],
                            "manualPrivateLinkServiceConnections": [],
                            "networkInterfaces": [{"id": nic_id}],
                            "privateLinkServiceConnections": [
                                {
                                    "name": pe_name,
                                    "id": f"{pe_id}/privateLinkServiceConnections/{pe_name}",
                                    "properties": {
                                        "groupIds": [group],
                                        "privateLinkServiceId": target,
                                        "privateLinkServiceConnectionState": {
                                            "actionsRequired": "None",
                                            "description": "",
                                            "status": status,
                                        },
                                        "provisioningState": "Succeeded",
                                    },
                                }
                            ],
                            "provisioningState": "Succeeded",
                            "subnet": {"id": subs[si]["id"]},
                        },
                    }
                )
                self._nic(
                    v,
                    nic_name,
                    si,
                    ip_int,
                    {"privateEndpoint": {"id": pe_id}},
                    ipconfig=f"privateEndpointIpConfig.{self.rnd.guid()}",
                )
                subs[si]["properties"].setdefault("privateEndpoints", []).append({"id": pe_id})
                zone = zones[zname]
                self._a(zone, target_name.lower(), [_ip4(ip_int)])
                self.add(
                    {
                        "name": "default",
                        "id": f"{pe_id}/privateDnsZoneGroups/default",
                        "etag": self.rnd.etag(),
                        "type": f"{NET}/privateEndpoints/privateDnsZoneGroups",
                        "properties": {
                            "privateDnsZoneConfigs": [
                                {
                                    "name": zname.replace(".", "-"),
                                    "properties": {
                                        "privateDnsZoneId": zone["id"],
                                        "recordSets": [
                                            {
                                                "fqdn": f"{target_name.lower()}.{zname}",
                                                "ipAddresses": [_ip4(ip_int)],
                                                "provisioningState": "Succeeded",
                                                "recordSetName": target_name.lower(),
                                                "recordType": "A",
                                                "ttl": 10,
                                            }
                                        ],
                                    },
                                }
                            ],
                            "provisioningState": "Succeeded",
                        },
                    }
                )
        room = MAX_ZONE_LINKS - len(self.hubs)
        for zi, zone in enumerate(zones.values()):
            for h in self.hubs:
                self._link(zone, h)
            for k, v in enumerate(azure_dns_spokes[: max(0, room)]):
                self._link(zone, v, "NxDomainRedirect" if (zi + k) % 97 == 0 else "Default")
        for n, (v, ip) in enumerate(providers):
            zone = self._zone(f"apps{n:04d}.contoso.internal")
            self._a(zone, "*", [ip], ttl=300)
            for app in sorted({APP_NAMES[r.randrange(len(APP_NAMES))] for _ in range(1 + r.randrange(3))}):
                self._a(zone, app, [ip], ttl=300)
            linked = {v.idx: v}
            if v.hub is not None:
                linked[v.hub.idx] = v.hub
            for _ in range(r.randrange(6)):
                c = azure_dns_spokes[r.randrange(len(azure_dns_spokes))] if azure_dns_spokes else v
                linked.setdefault(c.idx, c)
            for idx in sorted(linked):
                self._link(zone, linked[idx])

    def run(self) -> dict[str, Any]:
        self.layout()
        self.count_prefixes()
        self.allocate()
        self.build_vnets()
        self.build_peerings()
        self.build_hub_services()
        self.build_workloads()
        return {"resources": self.resources, "declarations": self.decl}


def generate(vnets: int, seed: int = 1, prefixes_per_vnet: int = 10, default_share: float = 0.0) -> dict[str, Any]:
    """A synthetic estate snapshot of ``vnets`` VNets averaging ``prefixes_per_vnet`` address prefixes;
    ``default_share`` of the VNets (issue 15's realistic estate: 0.2) are isolated and keep only the
    portal's default 10.0.0.0/16, on top of the usual isolated share."""
    return _Builder(vnets, seed, prefixes_per_vnet, default_share).run()


def _chunks(doc: dict[str, Any]) -> Iterator[str]:
    yield '{"resources":['
    for i, res in enumerate(doc["resources"]):
        yield ("," if i else "") + "\n" + json.dumps(res, separators=(",", ":"))
    yield '\n],"declarations":' + json.dumps(doc["declarations"], separators=(",", ":")) + "}\n"


def write(doc: dict[str, Any], out: TextIO) -> None:
    """Write a snapshot, one resource per line (fast, streaming, still one JSON document)."""
    for chunk in _chunks(doc):
        out.write(chunk)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.synth", description=__doc__.splitlines()[0] if __doc__ else None
    )
    ap.add_argument("--vnets", type=int, required=True, help="number of VNets (hubs, spokes and isolated)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (same seed, same estate)")
    ap.add_argument(
        "--prefixes-per-vnet", type=int, default=10, help="average VNet address prefixes per VNet"
    )
    ap.add_argument(
        "--default-share", type=float, default=0.0,
        help="share of VNets that are isolated and keep only the portal's default 10.0.0.0/16 (e.g. 0.2)",
    )  # fmt: skip
    ap.add_argument("--out", help="output file (default: stdout)")
    args = ap.parse_args(argv)
    try:
        doc = generate(args.vnets, args.seed, args.prefixes_per_vnet, args.default_share)
    except ValueError as exc:
        print(f"bench.synth: {exc}", file=sys.stderr)
        return 2
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            write(doc, f)
    else:
        write(doc, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
