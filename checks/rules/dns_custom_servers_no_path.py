"""VNP-DNS-002: a VNet with custom DNS servers and no declared path to the private zones (D2).

A VNet with ``dhcpOptions.dnsServers`` does not consult its linked zones; names resolve the way
its servers decide. A server has a known path to Azure DNS (and so to the zones linked where it
runs) when it is 168.63.129.16 itself, the inbound endpoint of a DNS private resolver in the
snapshot, or a DNS forwarder the user declared (``declarations: dns_forwarders``).

PASS: every server has such a path (or the estate has no private zones). FAIL: at least one
server has none (clients use every listed server, so one undeclared server makes answers
inconsistent). VNets with Azure-provided DNS are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed
from checks.rules import _docs

AZURE_DNS = "168.63.129.16"


def check(ctx: Context) -> Iterator[Outcome]:
    est = ctx.estate
    declared = {str(f.ip) for f in est.dns_forwarders}
    for v in est.vnets:
        if not v.dns_servers:
            continue
        servers = ", ".join(str(s) for s in v.dns_servers)
        if not est.zones:
            yield passed(v.id, f"VNet {v.name} uses custom DNS servers {servers}; the estate has no private zones.") if ctx.list_passed else COUNTED_PASS
            continue
        unexplained = []
        for ip in v.dns_servers:
            text = str(ip)
            if text == AZURE_DNS or text in declared:
                continue
            if any(o.kind == "resolver-inbound" for o in est.ip_owners(ip)):
                continue
            unexplained.append(text)
        if unexplained:
            yield failed(
                v.id,
                f"VNet {v.name} uses custom DNS servers {servers}; {', '.join(unexplained)} is neither a DNS private "
                "resolver inbound endpoint nor a declared DNS forwarder, so whether it resolves the private zones "
                "is unknown (D2).",
            )
        else:
            yield passed(v.id, f"VNet {v.name} uses custom DNS servers {servers}, each a resolver inbound endpoint or a declared forwarder.") if ctx.list_passed else COUNTED_PASS


RULE = Rule(
    id="VNP-DNS-002",
    title="VNet with custom DNS servers has no declared path to the private zones",
    severity=Severity.MEDIUM,
    rationale=(
        "A VNet with custom DNS servers does not consult its linked private zones; private names resolve "
        "only if those servers forward to Azure DNS from a linked VNet or to a DNS private resolver (D2)."
    ),
    remediation=(
        "Point the VNet at a DNS private resolver inbound endpoint (az network vnet update -g <rg> -n <vnet> "
        "--dns-servers <inbound-ip>), or, when the server does forward to 168.63.129.16 from a linked VNet, "
        "declare it under declarations.dns_forwarders (ip, vnet) so the path is known."
    ),
    check=check,
    references=(_docs.NAME_RESOLUTION, _docs.RESOLVER_ARCHITECTURE, _docs.PE_DNS_INTEGRATION),
    tags=("dns", "custom-dns"),
)
