"""Recommendation rules, one case per reason code, plus cost and the command line.

VNet names say the case: ``fail_*`` consumers cannot be peered for the reason tested, ``pass_*``
consumers can.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netplan.cost import load_prices, monthly_cost, parse_prices
from netplan.errors import InputError, RefError, UsageError
from netplan.recommend import MANY_SERVICES, Code, recommend
from tests.unit.builders import SUB2, EstateBuilder
from vnetplan.cli import main

SUB2_ID = SUB2.rsplit("/", 1)[-1]


def base(lb_sku: str = "Standard", location: str = "westeurope") -> EstateBuilder:
    b = EstateBuilder()
    b.vnet("provider", ["10.100.0.0/16"], rg="rg-mendix", location=location,
           subnets={"aks": "10.100.0.0/20", "GatewaySubnet": "10.100.255.0/27"})  # fmt: skip
    b.lb("kubernetes-internal", "provider", "aks", "10.100.0.250", rg="rg-mendix", sku=lb_sku)
    b.vnet("pass_spoke", ["10.1.0.0/16"], rg="rg-spoke", subnets={"workload": "10.1.1.0/24"})
    b.vnet("fail_overlap", ["10.100.128.0/17"], rg="rg-spoke", subnets={"workload": "10.100.128.0/24"})
    return b


def codes(reasons: object) -> set[str]:
    return {r.code for r in reasons}  # type: ignore[attr-defined]


def test_pass_both_work_private_link_wins_by_smaller_exposure() -> None:
    rec = recommend(base().estate(), "pass_spoke", "provider", "expose-apps")
    assert rec.method == "private-link"
    assert Code.SMALLER_EXPOSURE in codes(rec.reasons)
    assert [a.possible for a in rec.alternatives] == [True, True]
    assert not rec.blocked_by


def test_pass_whole_network_prefers_peering() -> None:
    rec = recommend(base().estate(), "pass_spoke", "provider", "expose-apps", whole_network=True)
    assert rec.method == "peering" and Code.WHOLE_NETWORK in codes(rec.reasons)


def test_pass_many_services_prefers_peering_and_states_the_count() -> None:
    rec = recommend(base().estate(), "pass_spoke", "provider", "expose-apps", services=MANY_SERVICES)
    assert rec.method == "peering"
    [r] = [r for r in rec.reasons if r.code == Code.MANY_SERVICES]
    assert f"{MANY_SERVICES} services" in r.message
    fewer = recommend(base().estate(), "pass_spoke", "provider", "expose-apps", services=MANY_SERVICES - 1)
    assert fewer.method == "private-link"


def test_fail_overlap_excludes_peering() -> None:
    rec = recommend(base().estate(), "fail_overlap", "provider", "expose-apps")
    assert rec.method == "private-link"
    assert codes(rec.blocked_by) == {Code.OVERLAP}
    assert Code.ONLY_METHOD in codes(rec.reasons)


def test_fail_overlap_with_already_peered_third_vnet() -> None:
    b = base()
    b.vnet("third", ["10.1.128.0/17"], rg="rg-third")
    b.peer("provider", "third")
    rec = recommend(b.estate(), "pass_spoke", "provider", "expose-apps", whole_network=True)
    assert codes(rec.blocked_by) == {Code.OVERLAP_PEERED}
    assert rec.method == "private-link"
    assert "third" in next(r.message for r in rec.blocked_by)


def test_fail_database_excludes_private_link() -> None:
    rec = recommend(base().estate(), "pass_spoke", "provider", "database")
    assert rec.method == "peering"
    assert codes(rec.blocked_by) == {Code.DATABASE_NO_PRIVATE_LINK}


def test_fail_database_and_overlap_gives_none_with_what_would_unblock_it() -> None:
    rec = recommend(base().estate(), "fail_overlap", "provider", "database")
    assert rec.method == "none" and not rec.ok
    assert codes(rec.blocked_by) == {Code.OVERLAP, Code.DATABASE_NO_PRIVATE_LINK}
    assert Code.NO_METHOD in codes(rec.reasons)
    actions = [u["action"] for u in rec.unblock]
    assert actions == ["re-address", "nat-proxy"]
    free = rec.unblock[0]["free_prefixes"]
    assert free and all(f.endswith("/17") for f in free)
    assert not any(f.startswith(("10.100.", "10.1.")) for f in free)


def test_fail_no_internal_frontend_excludes_private_link() -> None:
    b = EstateBuilder()
    b.vnet("provider", ["10.100.0.0/16"], subnets={"aks": "10.100.0.0/20"})
    b.vnet("pass_spoke", ["10.1.0.0/16"])
    rec = recommend(b.estate(), "pass_spoke", "provider", "expose-apps")
    assert rec.method == "peering" and codes(rec.blocked_by) == {Code.NO_INTERNAL_FRONTEND}


def test_fail_basic_lb_cannot_carry_private_link() -> None:
    rec = recommend(base(lb_sku="Basic").estate(), "pass_spoke", "provider", "expose-apps")
    assert rec.method == "peering" and codes(rec.blocked_by) == {Code.BASIC_LB_PRIVATE_LINK}


def test_fail_basic_lb_across_regions_blocks_peering_too() -> None:
    b = base(lb_sku="Basic")
    b.vnet("fail_global", ["10.2.0.0/16"], rg="rg-ne", location="northeurope")
    rec = recommend(b.estate(), "fail_global", "provider", "expose-apps")
    assert rec.method == "none"
    assert codes(rec.blocked_by) == {Code.BASIC_LB_GLOBAL, Code.BASIC_LB_PRIVATE_LINK}
    assert [u["action"] for u in rec.unblock] == ["nat-proxy"]  # not an overlap: re-addressing would not help


def test_pass_standard_lb_across_regions_and_global_peering_cost() -> None:
    b = base()
    b.vnet("pass_global", ["10.2.0.0/16"], rg="rg-ne", location="northeurope")
    rec = recommend(b.estate(), "pass_global", "provider", "expose-apps", whole_network=True, traffic_gb=100)
    assert rec.method == "peering" and not rec.blocked_by
    peering = next(a for a in rec.alternatives if a.method == "peering")
    assert peering.cost is not None and peering.cost.monthly == pytest.approx(7.0)


def test_fail_peering_limit_and_warning_near_it() -> None:
    def with_links(n: int) -> EstateBuilder:
        b = base()
        for i in range(n):
            b.link("provider", f"{SUB2}/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/x{i}",
                   remote_prefixes=[f"172.{16 + i // 256}.{i % 256}.0/24"])  # fmt: skip
        return b

    full = recommend(with_links(500).estate(), "pass_spoke", "provider", "expose-apps")
    assert Code.PEERING_LIMIT in codes(full.blocked_by) and full.method == "private-link"
    near = recommend(with_links(460).estate(), "pass_spoke", "provider", "expose-apps", whole_network=True)
    assert near.method == "peering" and Code.PEERING_LIMIT_NEAR in codes(near.reasons)


def test_remote_permission_named_for_another_subscription() -> None:
    b = base()
    b.vnet("pass_other_sub", ["10.5.0.0/16"], rg="rg-other", sub=SUB2)
    rec = recommend(b.estate(), "pass_other_sub", "provider", "database")
    [r] = [r for r in rec.reasons if r.code == Code.REMOTE_PERMISSION]
    assert "Microsoft.Network/virtualNetworks/peer/action" in r.message
    assert "virtualNetworkPeerings/write" in r.message and "/rg-mendix/" in r.message


def test_private_link_approval_needed_unless_auto_approved() -> None:
    rec = recommend(base().estate(), "pass_spoke", "provider", "expose-apps")
    assert Code.PLS_APPROVAL in codes(rec.reasons)
    b = base()
    fe = f"{b.rid('loadBalancers', 'kubernetes-internal', 'rg-mendix')}/frontendIPConfigurations/fe"
    b.subnet("provider", "nat", "10.100.16.0/28")
    b.pls("pls", fe, "provider", "nat", "10.100.16.4", rg="rg-mendix", auto_approval=[b.sub.rsplit("/", 1)[-1]])
    assert Code.PLS_APPROVAL not in codes(recommend(b.estate(), "pass_spoke", "provider", "expose-apps").reasons)


def test_gateway_transit_wish_needs_peering_and_a_gateway_to_share() -> None:
    rec = recommend(base().estate(), "pass_spoke", "provider", "expose-apps", gateway_transit=True)
    assert rec.method == "peering"
    assert codes(rec.blocked_by) == {Code.GATEWAY_TRANSIT}
    assert Code.GATEWAY_TRANSIT_INVALID in codes(rec.reasons)  # the provider has no gateway
    b = base()
    b.gateway("vpngw", "provider", rg="rg-mendix")
    ok = recommend(b.estate(), "pass_spoke", "provider", "expose-apps", gateway_transit=True)
    assert Code.GATEWAY_TRANSIT_INVALID not in codes(ok.reasons)


def test_already_peered_is_said() -> None:
    b = base()
    b.peer("pass_spoke", "provider")
    rec = recommend(b.estate(), "pass_spoke", "provider", "database")
    assert rec.method == "peering" and Code.ALREADY_PEERED in codes(rec.reasons)


def test_custom_dns_gap_and_outside_snapshot_are_stated() -> None:
    b = base()
    b.vnet("pass_custom_dns", ["10.6.0.0/16"], rg="rg-dnsy", dns=["10.6.0.4"])
    b.link("pass_custom_dns", f"{SUB2}/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/outside",
           remote_prefixes=["172.31.0.0/16"])  # fmt: skip
    b.gap(f"{b.sub}/resourceGroups/rg-dnsy", kind="privateDnsZones", reason="AuthorizationFailed")
    rec = recommend(b.estate(), "pass_custom_dns", "provider", "expose-apps")
    assert {Code.CUSTOM_DNS, Code.SNAPSHOT_GAP, Code.OUTSIDE_SNAPSHOT} <= codes(rec.reasons)


def test_internal_service_private_link_needs_a_frontend_in_the_service_vnet() -> None:
    rec = recommend(base().estate(), "pass_spoke", "provider", "internal-service")
    assert rec.method == "peering" and codes(rec.blocked_by) == {Code.NO_INTERNAL_FRONTEND}


def test_bad_arguments_are_usage_errors() -> None:
    est = base().estate()
    with pytest.raises(UsageError):
        recommend(est, "pass_spoke", "provider", "email")
    with pytest.raises(UsageError):
        recommend(est, "provider", "provider", "expose-apps")
    with pytest.raises(RefError):
        recommend(est, "nope", "provider", "expose-apps")


# ---------------------------------------------------------------------------------------------
# cost


def test_price_table_is_dated_sourced_and_costs_add_up() -> None:
    p = load_prices()
    assert p.as_of and p.sources and p.currency == "USD"
    pl = monthly_cost("private-link", 100, True, p)
    assert pl.monthly == pytest.approx(730 * 0.01 + 100 * 0.01)
    peer = monthly_cost("peering", 100, True, p)
    assert peer.monthly == pytest.approx(2.0)
    assert pl.to_dict()["approximate"] is True


def test_bad_price_table_names_the_field() -> None:
    with pytest.raises(InputError, match=r"private_endpoint\.hour"):
        parse_prices({"hours_per_month": 730, "private_endpoint": {"gb_processed": 0.01}})


# ---------------------------------------------------------------------------------------------
# command line


def test_cli_json_shape_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    est = base().write(tmp_path / "estate.json")
    args = ["recommend", "--estate", est, "--provider", "provider", "--format", "json"]
    assert main([*args, "--consumer", "pass_spoke", "--use-case", "expose-apps", "--traffic-gb", "50"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"method", "alternatives", "reasons", "blocked_by", "cost"}
    assert out["method"] == "private-link"
    assert out["cost"]["private-link"]["traffic_gb_per_month"] == 50
    assert out["cost"]["private-link"]["monthly"] == pytest.approx(7.3 + 0.5)
    assert out["cost"]["peering"]["monthly"] == pytest.approx(1.0)
    assert main([*args, "--consumer", "fail_overlap", "--use-case", "database"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "none" and {b["code"] for b in out["blocked_by"]} == {Code.OVERLAP, Code.DATABASE_NO_PRIVATE_LINK}


def test_cli_table_and_unknown_vnet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    est = base().write(tmp_path / "estate.json")
    assert main(["recommend", "--estate", est, "--provider", "provider", "--consumer", "fail_overlap",
                 "--use-case", "expose-apps"]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert text.startswith("PRIVATE-LINK") and "[VnetAddressSpacesOverlap]" in text and "USD/month" in text
    assert main(["recommend", "--estate", est, "--provider", "provider", "--consumer", "pass_spok",
                 "--use-case", "expose-apps"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "did you mean" in err and "Traceback" not in err


def test_already_reachable_through_a_forwarding_hub_is_said() -> None:
    b = base()
    b.vnet("hub", ["10.0.0.0/16"], rg="rg-hub", subnets={"AzureFirewallSubnet": "10.0.0.0/26"})
    b.peer("hub", "pass_spoke", b_to_a={"allow_forwarded": True})
    b.peer("hub", "provider", b_to_a={"allow_forwarded": True})
    b.forwarder("hub", device="azfw", ip="10.0.0.4")
    rec = recommend(b.estate(), "pass_spoke", "provider", "expose-apps")
    [r] = [r for r in rec.reasons if r.code == Code.ALREADY_REACHABLE]
    assert "pass_spoke -> hub -> provider" in r.message
    assert Code.ALREADY_REACHABLE not in codes(recommend(base().estate(), "pass_spoke", "provider", "expose-apps").reasons)
