"""Rough monthly cost of a connection method, from the small dated price table in the package.

The promise: every figure names the price it came from, the table's date and sources, and is
marked approximate; nothing here pretends to be a quote. Peering bills every GB twice (outbound
at the sender, inbound at the receiver), at higher rates across regions (global peering); a
private endpoint bills its hours plus every GB it processes. ``traffic_gb`` is the total volume
per month that crosses the connection, both directions together.
"""

from __future__ import annotations

from dataclasses import field
from functools import lru_cache
from importlib import resources
from typing import Any

from netplan.errors import InputError
from netplan.record import record

PRICES_FILE = "data/prices.yaml"


@record
class PriceTable:
    currency: str
    as_of: str
    sources: tuple[str, ...]
    hours_per_month: float
    pe_hour: float
    pe_gb: float
    peering_intra_in: float
    peering_intra_out: float
    peering_inter_in: float
    peering_inter_out: float


@record
class CostItem:
    label: str
    quantity: float
    unit: str
    unit_price: float

    @property
    def amount(self) -> float:
        return round(self.quantity * self.unit_price, 2)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "quantity": self.quantity, "unit": self.unit,
                "unit_price": self.unit_price, "amount": self.amount}  # fmt: skip


@record
class Cost:
    """A rough monthly cost: the items, their total, and where the prices came from."""

    method: str
    traffic_gb: float
    items: tuple[CostItem, ...]
    currency: str
    as_of: str
    sources: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def monthly(self) -> float:
        return round(sum(i.amount for i in self.items), 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "monthly": self.monthly,
            "currency": self.currency,
            "approximate": True,
            "traffic_gb_per_month": self.traffic_gb,
            "items": [i.to_dict() for i in self.items],
            "prices_as_of": self.as_of,
            "sources": list(self.sources),
            "notes": list(self.notes),
        }


def _num(d: Any, *path: str) -> float:
    cur = d
    for p in path:
        if not isinstance(cur, dict) or p not in cur:
            raise InputError(PRICES_FILE, ".".join(path), "missing price")
        cur = cur[p]
    if not isinstance(cur, int | float):
        raise InputError(PRICES_FILE, ".".join(path), f"expected a number, got {cur!r}")
    return float(cur)


def parse_prices(data: Any) -> PriceTable:
    """A :class:`PriceTable` from the YAML structure of ``prices.yaml``."""
    if not isinstance(data, dict):
        raise InputError(PRICES_FILE, "", "expected a mapping")
    return PriceTable(
        currency=str(data.get("currency", "USD")),
        as_of=str(data.get("as_of", "")),
        sources=tuple(str(s) for s in data.get("sources") or ()),
        hours_per_month=_num(data, "hours_per_month"),
        pe_hour=_num(data, "private_endpoint", "hour"),
        pe_gb=_num(data, "private_endpoint", "gb_processed"),
        peering_intra_in=_num(data, "vnet_peering", "intra_region", "gb_in"),
        peering_intra_out=_num(data, "vnet_peering", "intra_region", "gb_out"),
        peering_inter_in=_num(data, "vnet_peering", "inter_region", "gb_in"),
        peering_inter_out=_num(data, "vnet_peering", "inter_region", "gb_out"),
    )


@lru_cache(maxsize=1)
def load_prices() -> PriceTable:
    """The packaged price table (read once)."""
    import yaml

    text = resources.files("netplan").joinpath(PRICES_FILE).read_text(encoding="utf-8")
    return parse_prices(yaml.safe_load(text))


def monthly_cost(
    method: str, traffic_gb: float, same_region: bool, prices: PriceTable | None = None, endpoints: int = 1
) -> Cost:
    """The rough monthly cost of ``method`` ("peering" or "private-link") for ``traffic_gb``."""
    p = prices or load_prices()
    items: list[CostItem] = []
    notes: list[str] = []
    if method == "peering":
        if same_region:
            items.append(CostItem("peering data out (sending VNet)", traffic_gb, "GB", p.peering_intra_out))
            items.append(CostItem("peering data in (receiving VNet)", traffic_gb, "GB", p.peering_intra_in))
        else:
            items.append(CostItem("global peering data out (sending VNet)", traffic_gb, "GB", p.peering_inter_out))
            items.append(CostItem("global peering data in (receiving VNet)", traffic_gb, "GB", p.peering_inter_in))
            notes.append("global peering rates for billing Zone 1; other zones cost more")
    elif method == "private-link":
        items.append(CostItem("private endpoint hours", p.hours_per_month * endpoints, "hour", p.pe_hour))
        items.append(CostItem("private endpoint data processed", traffic_gb, "GB", p.pe_gb))
        if not same_region:
            notes.append("cross-region traffic also pays inter-region bandwidth, not included")
    else:
        raise ValueError(f"no cost model for method {method!r}")
    return Cost(method, traffic_gb, tuple(items), p.currency, p.as_of, p.sources, tuple(notes))
