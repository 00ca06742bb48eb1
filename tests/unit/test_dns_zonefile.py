"""Zone files generated from the estate: what the simulator serves, in RFC 1035 master format."""

from __future__ import annotations

from netplan.dns.zonefile import zone_file, zones_for_vnet
from tests.dns.builders import APP_DOMAIN, mendix_provider
from tests.unit.builders import EstateBuilder


def test_zone_file_has_soa_ns_records_wildcards_cnames_and_registered_vms() -> None:
    b = EstateBuilder()
    p = mendix_provider(b)
    b.record(p["zone"], "legacy", "CNAME", ["Host.Corp.Internal."], ttl=60)
    b.vnet("workload", ["10.1.0.0/16"], subnets={"vms": "10.1.1.0/24"})
    corp = b.zone("corp.internal")
    b.zone_link(corp, "workload", registration=True)
    b.nic("vm-web01-nic", "workload", "vms", "10.1.1.5", vm="vm-web01")
    e = b.estate()
    app = zone_file(e, e.zone(p["zone"]))  # type: ignore[arg-type]
    lines = app.splitlines()
    assert f"$ORIGIN {APP_DOMAIN}." in lines
    assert any(ln.startswith("@ IN SOA localhost. ") for ln in lines)
    assert f"*.{APP_DOMAIN}. 300 IN A 10.20.0.4" in lines
    assert f"legacy.{APP_DOMAIN}. 60 IN CNAME host.corp.internal." in lines
    reg = zone_file(e, e.zone(corp))  # type: ignore[arg-type]
    assert "vm-web01.corp.internal. 3600 IN A 10.1.1.5  ; auto-registered" in reg.splitlines()
    assert zone_file(e, e.zone(p["zone"])) == app  # type: ignore[arg-type]  # deterministic


def test_zones_for_vnet_are_its_linked_zones_only() -> None:
    b = EstateBuilder()
    p = mendix_provider(b)
    b.vnet("spoke", ["10.1.0.0/16"])
    b.zone("unlinked.internal")
    e = b.estate()
    assert [z.name for z in zones_for_vnet(e, e.resolve_vnet("mendix-vnet"))] == [APP_DOMAIN]
    assert zones_for_vnet(e, e.resolve_vnet("spoke")) == []
    assert p
