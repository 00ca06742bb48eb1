"""The intent file: every reference resolves in the estate, every mistake names file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from netplan.addr import parse_ip
from netplan.errors import InputError
from netplan.estate import load_estate
from netplan.intent import Method, UseCase, load_intent
from tests.unit.test_plan import INTENT, PEERING_A, PL_B, intent_file, mendix_builder


def fails(tmp_path: Path, text: str) -> str:
    p = tmp_path / "intent.yaml"
    p.write_text(textwrap.dedent(text))
    with pytest.raises(InputError) as exc:
        load_intent(p, mendix_builder().estate())
    return str(exc.value)


def test_pass_references_resolve_to_full_ids(tmp_path: Path) -> None:
    est = mendix_builder().estate()
    it = load_intent(intent_file(tmp_path, PEERING_A + PL_B + "    apps: [Sales, hr]\n"), est)
    p = it.provider
    assert p.vnet_id == est.resolve_vnet("vnet-mendix").id
    assert p.frontend_id.endswith("/loadBalancers/kubernetes-internal/frontendIPConfigurations/fe")
    assert p.frontend_ip == parse_ip("10.100.0.250")
    assert p.app_domain == "azure.mendixapps.io" and p.dns_resource_group == "rg-dns"
    assert p.pls is not None and not p.pls.exists and p.pls.nat_subnet_id.endswith("/subnets/pls-nat")  # type: ignore[union-attr]
    a, b = it.connections
    assert a.consumer_vnet_id == est.resolve_vnet("vnet-spoke-a").id and a.method is Method.PEERING and a.wildcard
    assert b.use_case is UseCase.EXPOSE_APPS and b.method is Method.AUTO and b.apps == ("sales", "hr")
    assert b.subnet_id is not None and b.subnet_id.endswith("vnet-spoke-b/subnets/pe")
    assert a.where == "line 12: connections[0]"


def test_pass_frontend_by_ip_and_existing_pls_found_on_it(tmp_path: Path) -> None:
    b = mendix_builder()
    fe = f"{b.rid('loadBalancers', 'kubernetes-internal', 'rg-mendix')}/frontendIPConfigurations/fe"
    pls = b.pls("pls-existing", fe, "vnet-mendix", "pls-nat", "10.100.16.4", rg="rg-mendix")
    p = tmp_path / "intent.yaml"
    p.write_text("provider:\n  vnet: vnet-mendix\n  frontend: 10.100.0.250\n  app_domain: azure.mendixapps.io\n"
                 "connections:\n  - consumer: vnet-spoke-b\n    method: private-link\n    subnet: pe\n")  # fmt: skip
    it = load_intent(p, b.estate())
    assert it.provider.pls is not None and it.provider.pls.exists and it.provider.pls.id == pls


@pytest.mark.parametrize(
    ("case", "connections", "expected"),
    [
        ("unknown-consumer", "  - consumer: vnet-spoke-x\n",
         "line 12: connections[0].consumer: no VNet matches 'vnet-spoke-x'; did you mean: rg-spoke-"),
        ("unknown-field", "  - consumer: vnet-spoke-a\n    mehtod: peering\n",
         "line 13: connections[0].mehtod: unknown field 'mehtod'"),
        ("bad-use-case", "  - consumer: vnet-spoke-a\n    use_case: email\n",
         "line 13: connections[0].use_case: use_case must be one of expose-apps, internal-service, database"),
        ("bad-method", "  - consumer: vnet-spoke-a\n    method: vpn\n",
         "line 13: connections[0].method: method must be one of auto, peering, private-link, not 'vpn'"),
        ("database-private-link", "  - consumer: vnet-spoke-a\n    use_case: database\n    method: private-link\n",
         "line 14: connections[0].method: use_case database needs direct network access"),
        ("private-link-no-subnet", "  - consumer: vnet-spoke-a\n    method: private-link\n",
         "connections[0].subnet: method private-link needs 'subnet'"),
        ("unknown-subnet", "  - consumer: vnet-spoke-a\n    subnet: nope\n",
         "line 13: connections[0].subnet: VNet vnet-spoke-a has no subnet 'nope' (subnets: workload, pe)"),
        ("static-ip-outside", "  - consumer: vnet-spoke-a\n    subnet: pe\n    static_ip: 10.1.9.9\n",
         "line 14: connections[0].static_ip: 10.1.9.9 is not in subnet pe (10.1.2.0/24)"),
        ("static-ip-not-ip", "  - consumer: vnet-spoke-a\n    subnet: pe\n    static_ip: 10.1.2.300\n",
         "line 14: connections[0].static_ip:"),
        ("static-ip-reserved", "  - consumer: vnet-spoke-a\n    subnet: pe\n    static_ip: 10.1.2.3\n",
         "line 14: connections[0].static_ip: 10.1.2.3 is reserved by Azure in 10.1.2.0/24"),
        ("bad-app-name", "  - consumer: vnet-spoke-a\n    apps: [ok, not_ok!]\n",
         "line 13: connections[0].apps[1]: 'not_ok!' is not a DNS name label"),
        ("apps-empty", "  - consumer: vnet-spoke-a\n    apps: []\n",
         "line 13: connections[0].apps: apps must be \"*\" or a non-empty list"),
        ("provider-as-consumer", "  - consumer: vnet-mendix\n",
         "line 12: connections[0].consumer: the consumer vnet-mendix is the provider VNet itself"),
        ("duplicate", "  - consumer: vnet-spoke-a\n  - consumer: rg-spoke-a/vnet-spoke-a\n",
         "line 13: connections[1].consumer: consumer also declared in connections[0]"),
        ("flag-not-bool", "  - consumer: vnet-spoke-a\n    allow_forwarded_traffic: yes please\n",
         "line 13: connections[0].allow_forwarded_traffic: 'allow_forwarded_traffic' must be true or false"),
    ],
    ids=lambda v: v if isinstance(v, str) and "\n" not in v and not v.startswith(("line", "connections")) else "",
)
def test_fail_bad_connection_names_line_and_field(tmp_path: Path, case: str, connections: str, expected: str) -> None:
    msg = fails(tmp_path, INTENT.format(connections=connections.rstrip("\n")))
    assert str(tmp_path / "intent.yaml") in msg
    assert expected in msg, (case, msg)


def test_fail_reserved_or_delegated_subnets(tmp_path: Path) -> None:
    b = mendix_builder()
    b.subnet("vnet-spoke-a", "GatewaySubnet", "10.1.255.0/27")
    b.subnet("vnet-spoke-a", "snet-aci", "10.1.3.0/24", delegations=["Microsoft.ContainerInstance/containerGroups"])
    for subnet, expected in (("GatewaySubnet", "GatewaySubnet is reserved"), ("snet-aci", "is delegated to")):
        p = tmp_path / "intent.yaml"
        p.write_text(INTENT.format(connections=f"  - consumer: vnet-spoke-a\n    subnet: {subnet}"))
        with pytest.raises(InputError, match=f"line 13: connections\\[0\\].subnet: .*{expected}"):
            load_intent(p, b.estate())


def test_fail_provider_mistakes(tmp_path: Path) -> None:
    assert "line 2: provider.vnet: no VNet matches 'vnet-mendx'" in fails(tmp_path, """\
        provider:
          vnet: vnet-mendx
          app_domain: azure.mendixapps.io
        connections: [{consumer: vnet-spoke-a}]
        """)
    assert "line 3: provider.load_balancer: no internal load balancer 'lb-nope' with a frontend in vnet-mendix " \
           "(candidates: kubernetes-internal)" in fails(tmp_path, """\
        provider:
          vnet: vnet-mendix
          load_balancer: lb-nope
          app_domain: azure.mendixapps.io
        connections: [{consumer: vnet-spoke-a}]
        """)  # fmt: skip
    assert "line 3: provider.app_domain: 'not a domain' is not a DNS domain name" in fails(tmp_path, """\
        provider:
          vnet: vnet-mendix
          app_domain: not a domain
        connections: [{consumer: vnet-spoke-a}]
        """)
    assert "provider: missing required field 'app_domain'" in fails(tmp_path, """\
        provider:
          vnet: vnet-mendix
        connections: [{consumer: vnet-spoke-a}]
        """)
    assert "missing required field 'provider'" in fails(tmp_path, "connections: []\n")
    assert "line 1: version: unsupported intent version 2" in fails(tmp_path, "version: 2\n")
    assert "line 4: connections: 'connections' must be a non-empty list" in fails(tmp_path, """\
        provider:
          vnet: vnet-mendix
          app_domain: azure.mendixapps.io
        connections: []
        """)


def test_fail_private_link_without_a_pls_or_nat_subnet(tmp_path: Path) -> None:
    assert "provider.private_link_service: connections[0] uses private-link but frontend fe" in fails(tmp_path, """\
        provider:
          vnet: vnet-mendix
          app_domain: azure.mendixapps.io
        connections:
          - consumer: vnet-spoke-b
            method: private-link
            subnet: pe
        """)
    assert "line 4: provider.private_link_service.nat_subnet: a new Private Link Service needs 'nat_subnet'" in fails(
        tmp_path, """\
        provider:
          vnet: vnet-mendix
          app_domain: azure.mendixapps.io
          private_link_service: {name: pls-new}
        connections: [{consumer: vnet-spoke-a}]
        """)  # fmt: skip


def test_fail_internal_service_mistakes(tmp_path: Path) -> None:
    head = "provider:\n  vnet: vnet-mendix\n  app_domain: azure.mendixapps.io\nconnections: [{consumer: vnet-spoke-a}]\n"
    assert "line 7: internal_services[0].private_zone: no private DNS zone 'privatelink.blob.core.windows.net'" in fails(
        tmp_path, head + "internal_services:\n  - fqdn: acct.privatelink.blob.core.windows.net\n"
        "    private_zone: privatelink.blob.core.windows.net\n")  # fmt: skip
    b = mendix_builder()
    b.zone("privatelink.blob.core.windows.net", rg="rg-dns")
    p = tmp_path / "typo.yaml"
    p.write_text(head + "internal_services:\n  - fqdn: a.privatelink.blob.core.windows.net\n"
                 "    private_zone: privatelink.blob.core.windows.nett\n")  # fmt: skip
    with pytest.raises(InputError, match=r"did you mean: privatelink\.blob\.core\.windows\.net"):
        load_intent(p, b.estate())
    assert "line 6: internal_services[0]: give exactly one of 'private_link_service' or 'private_zone'" in fails(
        tmp_path, head + "internal_services:\n  - fqdn: api.corp.internal\n")
    assert "internal_services[0].private_link_service: no Private Link Service 'pls-x'" in fails(
        tmp_path, head + "internal_services:\n  - fqdn: api.corp.internal\n    private_link_service: pls-x\n    subnet: svc-pe\n")


def test_fail_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    msg = fails(tmp_path, "provider:\n  vnet: [unclosed\nconnections: []\n")
    assert "invalid YAML" in msg and "line" in msg


def test_fail_empty_file(tmp_path: Path) -> None:
    assert "empty intent file" in fails(tmp_path, "")


def _sample_stand_in():  # type: ignore[no-untyped-def]
    """The test estate plus the shared service the Mendix sample names (used until the real
    sample estates exist; then the sample is checked against them)."""
    b = mendix_builder()
    b.vnet("vnet-shared", ["10.9.0.0/16"], rg="rg-shared", subnets={"lb": "10.9.0.0/24", "nat": "10.9.1.0/28"})
    fe = b.lb("lb-api", "vnet-shared", "lb", "10.9.0.10", rg="rg-shared")
    b.pls("pls-api", fe, "vnet-shared", "nat", "10.9.1.4", rg="rg-shared")
    b.zone("privatelink.database.windows.net", rg="rg-dns")
    return b.estate()


@pytest.mark.parametrize("sample", ["mendix-intent.yaml", "clean-intent.yaml"])
def test_samples_are_documented_and_resolve(sample: str) -> None:
    from netplan.estate import load_estate
    from netplan.plan import make_plan

    root = Path(__file__).resolve().parents[2] / "samples"
    intent = root / sample
    text = intent.read_text()
    assert sum(1 for line in text.splitlines() if line.lstrip().startswith("#")) >= 8  # documented
    estate_file = root / sample.replace("-intent.yaml", "-estate.json")
    est = load_estate([estate_file]) if estate_file.exists() else _sample_stand_in()
    it = load_intent(intent, est)
    assert it.connections
    cs = make_plan(est, it)
    assert not cs.empty


def test_private_only_dns_is_read_and_drives_the_nxdomain_redirect_rule(tmp_path: Path) -> None:
    from checks.registry import audit

    samples = Path(__file__).resolve().parents[2] / "samples"
    estate = load_estate([samples / "mendix-estate.json"])
    intent = load_intent(samples / "mendix-intent.yaml", estate)
    assert intent.provider.private_only is True
    report = audit(estate, only=("VNP-DNS-008",), intent=intent)
    failing = {f.resource.rsplit("/", 1)[-1] for f in report.findings if f.status.value == "FAIL"}
    assert failing == {"link-vnet-mendix-weu"}  # the one NxDomainRedirect link of the sample
    bad = tmp_path / "bad.yaml"
    bad.write_text((samples / "mendix-intent.yaml").read_text().replace("private_only: true", "private_only: yes-please"))
    with pytest.raises(InputError, match=r"bad.yaml: line \d+: provider.dns.private_only: 'private_only' must be true or false"):
        load_intent(bad, estate)
