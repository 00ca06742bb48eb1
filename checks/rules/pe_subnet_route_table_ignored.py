"""VNP-PE-003: a private endpoint subnet with a route table that its network policies ignore (R5).

User-defined routes apply to private endpoints only when the subnet's
``privateEndpointNetworkPolicies`` is ``Enabled`` or ``RouteTableEnabled``. With ``Disabled`` (the
default) or ``NetworkSecurityGroupEnabled`` the route table does not steer the endpoints' traffic:
what the owner meant to send through a firewall bypasses it, and replies return asymmetrically.
PASS: the policies apply the table. FAIL: they do not. One finding per subnet that holds private
endpoints and has a route table.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.model import COUNTED_PASS, Context, Outcome, Rule, Severity, failed, passed
from checks.rules import _docs
from netplan.ids import rid_key


def check(ctx: Context) -> Iterator[Outcome]:
    e = ctx.estate
    with_pe = {rid_key(pe.subnet_id) for pe in e.private_endpoints}
    for v in e.vnets:
        for s in v.subnets:
            if not s.route_table_id or s.key not in with_pe:
                continue
            policy = s.private_endpoint_network_policies or "Disabled"
            what = f"Subnet {s.name} of VNet {v.name} holds private endpoints and uses route table {s.route_table_id.rsplit('/', 1)[-1]}"
            if s.pe_policies()[1]:
                yield passed(s.id, f"{what}; privateEndpointNetworkPolicies {policy} applies it to them.") if ctx.list_passed else COUNTED_PASS
            else:
                yield failed(s.id, f"{what}, but privateEndpointNetworkPolicies is {policy}: the routes do not apply "
                             "to the endpoints' traffic.")  # fmt: skip


RULE = Rule(
    id="VNP-PE-003",
    title="Private endpoint subnet has a route table its network policies ignore",
    severity=Severity.MEDIUM,
    rationale=(
        "Route tables (and NSGs) apply to private endpoints only when the subnet's privateEndpointNetworkPolicies "
        "enable them (R5). A route table on an endpoint subnet with the policies Disabled looks like inspection "
        "through a firewall but steers nothing; return traffic may bypass the firewall."
    ),
    remediation=(
        "Enable the route table policy on the subnet (az network vnet subnet update -g <rg> --vnet-name <vnet> "
        "-n <subnet> --private-endpoint-network-policies RouteTableEnabled, or Enabled for NSGs too), or remove "
        "the route table if it is not meant for the endpoints."
    ),
    check=check,
    references=(_docs.PE_NETWORK_POLICIES,),
    tags=("private-endpoint", "routes", "traffic-rules"),
)
