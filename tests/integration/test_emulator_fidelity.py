"""The ARM emulator answers like real Azure, so that it cannot hide client bugs (issue 13).

One test per difference found against recorded real responses and the official examples
(``tests/fixtures/azure-rest-examples``, or the azure-rest-api-specs repository): no ``Retry-After``
unless configured; operation-status bodies of just ``{"status": ...}`` (plus ``error``); Private DNS
polls that re-send ``Azure-AsyncOperation`` and ``Location``; a Private DNS PUT 202 whose body is
``{}`` as JSON; quoted link etags; ``resolutionPolicy: "Default"`` on 2024-06-01 link bodies; zone
bodies without ``internalId`` or unset ``tags``; peering bodies with ``type``, ``remoteGateways``
and ``routeServiceVips``.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.emulator import Emulator, FaultConfig
from tests.emulator.sample import rg_scope, sample_snapshot, vnet_id

pytestmark = pytest.mark.integration

HUB = vnet_id("hub", "rg-hub")
SPOKE1 = vnet_id("spoke1")
NET_API = "api-version=2024-05-01"
DNS_API = "api-version=2024-06-01"
GATEWAY = f"{rg_scope('rg-hub')}/providers/Microsoft.Network/virtualNetworkGateways/vgw-hub"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    snap = sample_snapshot()
    # A hub gateway the emulator holds (it serves no gateway API; peerings name it in remoteGateways).
    snap["resources"].append({
        "id": GATEWAY, "name": "vgw-hub", "type": "Microsoft.Network/virtualNetworkGateways", "location": "westeurope",
        "properties": {"gatewayType": "Vpn", "ipConfigurations": [
            {"name": "default", "properties": {"subnet": {"id": f"{HUB}/subnets/GatewaySubnet"}}}]},
    })  # fmt: skip
    with Emulator(snap, faults=FaultConfig(lro_polls=1, retry_after=0)) as e:
        yield e


class Reply:
    def __init__(self, status: int, headers: dict[str, str], raw: bytes) -> None:
        self.status, self.headers, self.raw = status, {k.lower(): v for k, v in headers.items()}, raw

    @property
    def body(self) -> Any:
        return json.loads(self.raw) if self.raw else None


def call(emu: Emulator, method: str, path_or_url: str, body: Any = None) -> Reply:
    return call_with(emu, method, path_or_url, body, {})


def call_with(emu: Emulator, method: str, path_or_url: str, body: Any, headers: dict[str, str]) -> Reply:
    ctx = ssl.create_default_context(cafile=emu.ca_path)
    url = path_or_url if path_or_url.startswith("https://") else emu.url + path_or_url
    # LRO URLs are absolute and name the emulator's own host.
    parts = urlsplit(url)
    url = emu.url + parts.path + (f"?{parts.query}" if parts.query else "")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", "Bearer fake-token")
    for k, v in headers.items():
        req.add_header(k, v)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
            return Reply(resp.status, dict(resp.headers), resp.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, dict(e.headers), e.read())


def put_peering(emu: Emulator, vnet: str, name: str, remote: str, **props: Any) -> Reply:
    body = {"properties": {"remoteVirtualNetwork": {"id": remote}, "allowVirtualNetworkAccess": True, **props}}
    return call(emu, "PUT", f"{vnet}/virtualNetworkPeerings/{name}?{NET_API}", body)


def put_zone(emu: Emulator, name: str, body: dict[str, Any] | None = None) -> Reply:
    zone = f"{rg_scope('rg-dns')}/providers/Microsoft.Network/privateDnsZones/{name}"
    return call(emu, "PUT", f"{zone}?{DNS_API}", body or {"location": "Global"})


def finish(emu: Emulator, reply: Reply) -> None:
    url = reply.headers.get("azure-asyncoperation") or reply.headers["location"]
    for _ in range(5):
        if call(emu, "GET", url).body in ({"status": "Succeeded"}, None):
            return


def test_no_retry_after_on_201_202_or_polls_unless_configured(emu: Emulator) -> None:
    r = put_peering(emu, SPOKE1, "spoke1-to-hub", HUB)
    assert r.status == 201 and "retry-after" not in r.headers
    poll = call(emu, "GET", r.headers["azure-asyncoperation"])
    assert "retry-after" not in poll.headers
    z = put_zone(emu, "contoso.internal")
    assert z.status == 202 and "retry-after" not in z.headers
    assert "retry-after" not in call(emu, "GET", z.headers["location"]).headers


def test_operation_status_body_is_just_the_status(emu: Emulator) -> None:
    r = put_peering(emu, SPOKE1, "spoke1-to-hub", HUB)
    url = r.headers["azure-asyncoperation"]
    assert call(emu, "GET", url).body == {"status": "InProgress"}
    assert call(emu, "GET", url).body == {"status": "Succeeded"}


def test_failed_operation_status_carries_the_error(emu: Emulator) -> None:
    emu.set_faults(lro_fail_rate=1.0)
    r = put_peering(emu, SPOKE1, "spoke1-to-hub", HUB)
    url = r.headers["azure-asyncoperation"]
    bodies = [call(emu, "GET", url).body for _ in range(2)]
    assert bodies[0] == {"status": "InProgress"}
    assert set(bodies[1]) == {"status", "error"} and bodies[1]["status"] == "Failed"
    assert {"code", "message"} <= set(bodies[1]["error"])


def test_private_dns_polls_resend_both_lro_urls(emu: Emulator) -> None:
    z = put_zone(emu, "contoso.internal")
    assert {"location", "azure-asyncoperation"} <= set(z.headers)
    for url in (z.headers["location"], z.headers["azure-asyncoperation"]):
        z2 = put_zone(emu, f"x{len(url)}.internal")
        first = call(emu, "GET", z2.headers["location"] if "Results" in url else z2.headers["azure-asyncoperation"])
        assert {"location", "azure-asyncoperation"} <= set(first.headers), url
        assert "privateDnsOperationResults" in first.headers["location"]
        assert "privateDnsOperationStatuses" in first.headers["azure-asyncoperation"]


def test_private_dns_put_202_body_is_an_empty_json_object(emu: Emulator) -> None:
    z = put_zone(emu, "contoso.internal")
    assert z.status == 202 and z.raw == b"{}"
    assert z.headers["content-type"].startswith("application/json")


def test_link_etag_is_quoted_and_2024_06_01_bodies_say_resolution_policy_default(emu: Emulator) -> None:
    z = put_zone(emu, "contoso.internal")
    finish(emu, z)
    zone = f"{rg_scope('rg-dns')}/providers/Microsoft.Network/privateDnsZones/contoso.internal"
    link = f"{zone}/virtualNetworkLinks/spoke1"
    r = call(emu, "PUT", f"{link}?{DNS_API}",
             {"location": "Global", "properties": {"virtualNetwork": {"id": SPOKE1}, "registrationEnabled": False}})
    finish(emu, r)
    got = call(emu, "GET", f"{link}?{DNS_API}").body
    etag = got["etag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 38
    assert got["properties"]["resolutionPolicy"] == "Default"
    assert "resolutionPolicy" not in call(emu, "GET", f"{link}?api-version=2020-06-01").body["properties"]
    listed = call(emu, "GET", f"{zone}/virtualNetworkLinks?{DNS_API}").body["value"]
    assert listed[0]["properties"]["resolutionPolicy"] == "Default"
    # The quoted etag sent back as it is matches (If-Match), and a stale one does not.
    body = {"location": "Global", "properties": {"virtualNetwork": {"id": SPOKE1}, "registrationEnabled": True}}
    assert call_with(emu, "PUT", f"{link}?{DNS_API}", body, {"If-Match": '"0000"'}).status == 412
    assert call_with(emu, "PUT", f"{link}?{DNS_API}", body, {"If-Match": etag}).status == 202


def test_zone_body_has_no_internal_id_and_no_tags_unless_set(emu: Emulator) -> None:
    finish(emu, put_zone(emu, "plain.internal"))
    finish(emu, put_zone(emu, "tagged.internal", {"location": "Global", "tags": {"env": "prod"}}))
    base = f"{rg_scope('rg-dns')}/providers/Microsoft.Network/privateDnsZones"
    plain = call(emu, "GET", f"{base}/plain.internal?{DNS_API}").body
    tagged = call(emu, "GET", f"{base}/tagged.internal?{DNS_API}").body
    assert "internalId" not in plain["properties"] and "tags" not in plain
    assert tagged["tags"] == {"env": "prod"}
    assert not tagged["etag"].startswith(('"', "W/"))  # zones keep bare-GUID etags


def test_new_peering_body_has_type_remote_gateways_and_route_service_vips(emu: Emulator) -> None:
    hub_side = put_peering(emu, HUB, "hub-to-spoke1", SPOKE1, allowGatewayTransit=True)
    finish(emu, hub_side)
    r = put_peering(emu, SPOKE1, "spoke1-to-hub", HUB, useRemoteGateways=True)
    assert r.body["type"] == "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
    assert r.body["properties"]["routeServiceVips"] == {}
    assert r.body["properties"]["remoteGateways"] == [{"id": GATEWAY}]
    assert "remoteGateways" not in hub_side.body["properties"]
    finish(emu, r)
    inline = call(emu, "GET", f"{SPOKE1}?{NET_API}").body["properties"]["virtualNetworkPeerings"]
    assert inline[0]["type"] == "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
