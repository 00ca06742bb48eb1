"""Helpers for the rule tests: run one rule and group the judged resources by status.

Resources in rule tests are named ``pass_*`` / ``fail_*`` / ``unknown_*`` so each test reads as the
case it covers; :func:`judged` returns, per status, the set of names (the last segment of the
resource ID, or ``name[item]`` when a rule judges one resource more than once).
"""

from __future__ import annotations

from typing import Any

from checks.model import Context, Rule
from netplan.estate import Estate
from netplan.ids import name_of
from netplan.report.model import Status


def judged(rule: Rule, estate: Estate, intent: Any | None = None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {s.value: set() for s in Status}
    for f in rule.run(Context(estate, intent)):
        label = name_of(f.resource) + (f"[{f.item}]" if f.item else "")
        out[f.status.value].add(label)
    return out


def messages(rule: Rule, estate: Estate, intent: Any | None = None) -> dict[str, str]:
    """Resource name (and item) -> message, for asserting on the sentence a user reads."""
    return {name_of(f.resource) + (f"[{f.item}]" if f.item else ""): f.message for f in rule.run(Context(estate, intent))}


# ---------------------------------------------------------------------------------------------
# The golden-file estate: a small Mendix-style hub and spoke with one of each common problem.

GOLDEN_ESTATE = "tests/golden/audit-estate.json"
GOLDEN_TODAY = "2026-11-23"
STORAGE = (
    "/subscriptions/6f1c2a9e-3b1d-4d4a-9c55-0a1b2c3d4e5f/resourceGroups/rg-data/providers/"
    "Microsoft.Storage/storageAccounts/stcorpdata"
)


def golden_builder() -> Any:
    """Provider (Mendix ILB, app-domain zone) + corporate hub + spokes, with deliberate problems:
    an Initiated peering, a link RemoteNotInSync, a Basic ILB behind global peering, a stale app
    record, a Pending private endpoint, a spoke with undeclared custom DNS, a NxDomainRedirect link."""
    from tests.unit.builders import EstateBuilder

    b = EstateBuilder()
    b.vnet("hub-vnet", ["10.0.0.0/16"], rg="rg-hub", subnets={"GatewaySubnet": "10.0.255.0/27", "shared": "10.0.1.0/24"})
    b.vnet("mendix-vnet", ["10.20.0.0/16"], rg="rg-mendix", subnets={"aks": "10.20.0.0/22"})
    b.vnet("spoke-erp", ["10.1.0.0/16"], rg="rg-erp", subnets={"app": "10.1.1.0/24", "pe": "10.1.2.0/24"})
    b.vnet("spoke-hr", ["10.2.0.0/16"], rg="rg-hr", subnets={"app": "10.2.1.0/24"}, dns=["10.0.1.53"])
    b.vnet("spoke-us", ["10.3.0.0/16"], rg="rg-us", location="eastus", subnets={"app": "10.3.1.0/24"})
    b.gateway("hub-gw", "hub-vnet", rg="rg-hub")
    b.peer("spoke-erp", "hub-vnet", a_to_b={"use_remote_gateways": True}, b_to_a={"allow_gateway_transit": True})
    b.peer("hub-vnet", "spoke-hr", b_to_a={"sync": "RemoteNotInSync"})
    b.peer("mendix-vnet", "spoke-erp")
    b.peer("mendix-vnet", "spoke-us")
    b.peer("mendix-vnet", "hub-vnet", state="Initiated")
    b.lb("mendix-ilb", "mendix-vnet", "aks", "10.20.0.4", sku="Basic", rg="rg-mendix")
    b.nic("erp-vm-nic", "spoke-erp", "app", "10.1.1.4", vm="erp-vm", rg="rg-erp")
    zone = b.zone("azure.mendixapps.io")
    b.record(zone, "*", "A", ["10.20.0.4"])
    b.record(zone, "billing", "A", ["10.20.0.9"])
    for v in ("mendix-vnet", "spoke-erp", "spoke-us"):
        b.zone_link(zone, v)
    blob = b.zone("privatelink.blob.core.windows.net")
    b.pe("pe-stcorpdata", "spoke-erp", "pe", "10.1.2.4", STORAGE, group_ids=["blob"], status="Pending", manual=True,
         rg="rg-erp")  # fmt: skip
    b.record(blob, "stcorpdata", "A", ["10.1.2.4"])
    b.zone_link(blob, "spoke-erp", resolution_policy="NxDomainRedirect")
    return b


GOLDEN_SUPPRESSIONS = """\
suppressions:
  - rule: VNP-PEER-001
    resource: "*/virtualNetworks/mendix-vnet/virtualNetworkPeerings/*"
    reason: hub side approved in CHG-2041, waiting for the network team
    expires: 2026-12-31
  - rule: VNP-DNS-004
    resource: "*/billing"
    reason: billing pinned during the cluster migration
    expires: 2026-10-31
"""


GOLDEN_DRIFT_ESTATE = "tests/golden/drift-estate.json"


def golden_drift_builder() -> Any:
    """The golden estate a week later: the ERP spoke grew, the Mendix cluster was rebuilt (new ILB
    frontend address, the wildcard record still at the old one), the HR spoke's peering was deleted
    on the hub side, and the pending endpoint was approved."""
    b = golden_builder()
    erp = b._vnets["spoke-erp"]
    erp["properties"]["addressSpace"]["addressPrefixes"].append("10.11.0.0/16")
    for r in b.resources:
        if r["name"] == "mendix-ilb":
            r["properties"]["frontendIPConfigurations"][0]["properties"]["privateIPAddress"] = "10.20.0.10"
        if r["name"] == "pe-stcorpdata":
            conn = r["properties"]["manualPrivateLinkServiceConnections"][0]["properties"]
            conn["privateLinkServiceConnectionState"]["status"] = "Approved"
    b._links = [s for s in b._links if not (s.local == "hub-vnet" and s.remote == "spoke-hr")]
    for s in b._links:
        if s.local == "spoke-hr":
            s.kwargs["state"] = "Disconnected"
    return b
