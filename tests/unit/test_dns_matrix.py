"""The resolution matrix: one pass over every VNet x names, identical to one-by-one resolution."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netplan.dns.matrix import app_names, resolution_matrix
from netplan.dns.simulator import DnsSimulator, Status
from netplan.errors import UsageError
from tests.dns.builders import APP_DOMAIN, mendix_provider, resolver, ruleset
from tests.unit.builders import EstateBuilder


def hub_and_spokes(n: int = 12) -> EstateBuilder:
    """Spokes in four flavours: linked, unlinked, custom DNS via the hub resolver, unknown custom DNS."""
    b = EstateBuilder()
    p = mendix_provider(b)
    b.record(p["zone"], "admin", "A", ["10.20.0.9"])
    b.record(p["zone"], "legacy", "CNAME", ["legacy-host.corp.internal"])
    b.vnet("hub", ["10.0.0.0/16"], subnets={"dns-in": "10.0.4.0/28"})
    resolver(b, "dnspr", "hub", "dns-in", "10.0.4.4")
    b.zone_link(p["zone"], "hub")
    corp = b.zone("corp.internal")
    b.record(corp, "legacy-host", "A", ["10.0.9.9"])
    b.zone_link(corp, "hub")
    for i in range(n):
        name = f"spoke{i:02d}"
        flavour = i % 4
        dns = ["10.0.4.4"] if flavour == 2 else ["10.77.0.1"] if flavour == 3 else []
        b.vnet(name, [f"10.{100 + i}.0.0/16"], dns=dns)
        if flavour in (2, 3):
            b.peer(name, "hub")  # a spoke using the hub's resolver is peered with the hub
        if flavour == 0:
            b.zone_link(p["zone"], name)
            b.zone_link(corp, name)
    ruleset(b, "rs", {"corp.internal.": ["10.0.4.4"]}, ["spoke01"])
    return b


NAMES = [f"myapp.{APP_DOMAIN}", f"admin.{APP_DOMAIN}", f"legacy.{APP_DOMAIN}", "acct.blob.core.windows.net"]


def test_every_cell_equals_the_one_by_one_answer() -> None:
    e = hub_and_spokes().estate()
    m = resolution_matrix(e, NAMES)
    sim = DnsSimulator(e)
    cells = 0
    for v in e.vnets:
        for name in NAMES:
            assert m.answer(v, name) == sim.resolve(v, name)
            cells += 1
    assert cells == len(e.vnets) * len(NAMES)
    assert list(m.cells()) == [sim.resolve(v, n) for v in e.vnets for n in NAMES]


def test_vnets_with_one_context_share_one_group() -> None:
    e = hub_and_spokes(40).estate()
    m = resolution_matrix(e, NAMES)
    # mendix-vnet; the hub with the linked spokes (same two zones); unlinked spokes; spoke01 (its
    # ruleset); spokes via the resolver; spokes with unknown custom DNS.
    assert m.group_count == 6
    assert sum(m.status_counts().values()) == len(e.vnets) * len(NAMES)


def test_matrix_statuses_per_flavour() -> None:
    e = hub_and_spokes().estate()
    m = resolution_matrix(e, [f"legacy.{APP_DOMAIN}"])
    by_name = {v.name: m.answer(v, f"legacy.{APP_DOMAIN}") for v in e.vnets}
    assert by_name["spoke00"].addresses == ("10.0.9.9",)  # CNAME into corp.internal, linked
    assert by_name["spoke02"].addresses == ("10.0.9.9",)  # via the hub's resolver
    assert by_name["spoke03"].status is Status.UNKNOWN  # custom DNS not in the estate
    assert by_name["spoke05"].status is Status.PUBLIC  # not linked
    assert by_name["mendix-vnet"].status is Status.PUBLIC  # the CNAME target is under no linked zone there


def test_app_names_lists_explicit_records_only() -> None:
    e = hub_and_spokes().estate()
    assert app_names(e, APP_DOMAIN) == [f"admin.{APP_DOMAIN}", f"legacy.{APP_DOMAIN}"]


def test_bad_names_are_usage_errors() -> None:
    e = hub_and_spokes().estate()
    with pytest.raises(UsageError):
        resolution_matrix(e, ["a..b"])
    with pytest.raises(UsageError):
        resolution_matrix(e, ["a.b"], rtype="TXT")


ZONE_NAMES = ["corp.internal", "app.corp.internal", "privatelink.blob.core.windows.net", APP_DOMAIN]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    links=st.lists(st.lists(st.sampled_from(range(len(ZONE_NAMES))), max_size=3), min_size=1, max_size=8),
    modes=st.lists(st.sampled_from(["azure", "resolver", "unknown", "ruleset"]), min_size=8, max_size=8),
    redirect=st.booleans(),
)
def test_matrix_equals_one_by_one_on_random_estates(links: list[list[int]], modes: list[str], redirect: bool) -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"dns-in": "10.0.4.0/28"})
    resolver(b, "dnspr", "hub", "dns-in", "10.0.4.4")
    zids = [b.zone(z) for z in ZONE_NAMES]
    b.record(zids[0], "*", "A", ["10.0.9.1"])
    b.record(zids[0], "web", "CNAME", ["web.app.corp.internal"])
    b.record(zids[1], "web", "CNAME", ["stweb.blob.core.windows.net"])
    b.record(zids[2], "stweb", "A", ["10.0.9.2"])
    b.record(zids[3], "*", "A", ["10.20.0.4"])
    b.zone_link(zids[0], "hub")
    b.zone_link(zids[2], "hub")
    spokes = []
    for i, zs in enumerate(links):
        mode = modes[i]
        name = f"s{i}"
        dns = ["10.0.4.4"] if mode == "resolver" else ["10.77.0.1"] if mode == "unknown" else []
        b.vnet(name, [f"10.{100 + i}.0.0/16"], dns=dns)
        if mode != "resolver" or i % 3:
            b.peer(name, "hub")  # most resolver users reach the hub; every third does not (SERVFAIL)
        for z in dict.fromkeys(zs):
            policy = "NxDomainRedirect" if redirect and z == 2 else None
            b.zone_link(zids[z], name, resolution_policy=policy)
        if mode == "ruleset":
            spokes.append(name)
    if spokes:
        ruleset(b, "rs", {"corp.internal.": ["10.0.4.4"]}, spokes)
    e = b.estate()
    names = ["web.corp.internal", "x.app.corp.internal", "stweb.blob.core.windows.net", f"myapp.{APP_DOMAIN}", "a.corp.internal"]
    m = resolution_matrix(e, names)
    sim = DnsSimulator(e)
    assert list(m.cells()) == [sim.resolve(v, n) for v in e.vnets for n in names]
