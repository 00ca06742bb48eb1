"""A small Mendix-on-Azure estate for the TUI tests, built with the shared test builders.

Used until (and alongside) the bundled samples: a corporate hub, the Mendix provider VNet with its
internal load balancer and the app-domain zone, and consumers showing each problem the UI must
surface: a healthy consumer (resolves apps), an Initiated peering (provider side only), a link out
of sync, a consumer on custom DNS (UNKNOWN, D2), and a disaster-recovery VNet overlapping a peered
consumer through the provider (the third-VNet rule, an error, P3), and an isolated VNet whose space
overlaps the provider's (legitimate while nothing routes between them, P3).
"""

from __future__ import annotations

from pathlib import Path

from netplan.estate import Estate
from tests.unit.builders import SUB2, EstateBuilder

APP_DOMAIN = "azure.mendixapps.io"
ILB_IP = "10.20.1.10"


def mendix_builder() -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("vnet-hub-weu", ["10.0.0.0/16"], rg="rg-hub", subnets={"AzureFirewallSubnet": "10.0.0.0/26"})
    b.vnet(
        "vnet-mendix-prod",
        ["10.20.0.0/16"],
        rg="rg-mendix",
        subnets={"aks": "10.20.0.0/24", "ilb": "10.20.1.0/24"},
    )
    b.vnet("vnet-erp-prod", ["10.30.0.0/16"], rg="rg-erp", sub=SUB2, subnets={"app": "10.30.1.0/24"})
    b.vnet("vnet-crm-test", ["10.31.0.0/16"], rg="rg-crm", sub=SUB2, subnets={"app": "10.31.1.0/24"})
    b.vnet("vnet-data-prod", ["10.32.0.0/16"], rg="rg-data", sub=SUB2, subnets={"db": "10.32.1.0/24"})
    b.vnet(
        "vnet-legacy",
        ["10.40.0.0/16"],
        rg="rg-legacy",
        sub=SUB2,
        subnets={"vm": "10.40.1.0/24"},
        dns=["10.40.1.4"],
    )
    b.vnet(
        "vnet-erp-dr",
        ["10.30.128.0/17"],
        rg="rg-erp",
        sub=SUB2,
        location="northeurope",
        subnets={"app": "10.30.129.0/24"},
    )
    b.vnet("vnet-lab-isolated", ["10.20.0.0/20"], rg="rg-lab", sub=SUB2, subnets={"lab": "10.20.0.0/24"})
    b.peer("vnet-hub-weu", "vnet-mendix-prod")
    b.peer("vnet-mendix-prod", "vnet-erp-prod")
    b.peer("vnet-mendix-prod", "vnet-crm-test", state="Initiated")
    b.peer("vnet-mendix-prod", "vnet-data-prod", sync="RemoteNotInSync")
    b.peer("vnet-mendix-prod", "vnet-legacy")
    b.peer("vnet-mendix-prod", "vnet-erp-dr")
    b.lb("lb-mendix-apps", "vnet-mendix-prod", "ilb", ILB_IP, rg="rg-mendix")
    zone = b.zone(APP_DOMAIN)
    b.record(zone, "*", "A", [ILB_IP])
    b.record(zone, "portal", "A", [ILB_IP])
    b.record(zone, "orders", "A", [ILB_IP])
    b.zone_link(zone, "vnet-mendix-prod")
    b.zone_link(zone, "vnet-erp-prod")
    b.zone_link(zone, "vnet-legacy")
    b.forwarder("vnet-hub-weu", device="azfw", ip="10.0.0.4")
    return b


def mendix_estate() -> Estate:
    return mendix_builder().estate()


def write_mendix_estate(path: Path) -> str:
    return mendix_builder().write(path)
