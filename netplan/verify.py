"""Verification: does each app name resolve, from each consumer VNet, to the right target, and can
the consumer reach it?

The expected target is derived from the estate and the connection method, never typed by the
user: with VNet peering it is the provider's internal load balancer frontend IP; with Private Link
it is the IP of the private endpoint (in the consumer VNet, else the nearest one the estate has)
connected to the Private Link Service on that frontend. For every app name the simulated answer
(:mod:`netplan.dns.simulator`) must equal the expected target and the target must be reachable
from the consumer (:func:`netplan.reach.reach`). Optionally real resolvers are asked
(:mod:`netplan.dns.live`): a live answer that differs from the simulation, a timeout or a SERVFAIL
is a FAIL naming both answers; and a TCP probe can be made to the resolved address.

The promise: :func:`verify_connection` returns PASS only when every check passed; it answers
UNKNOWN (with the reason) when the estate cannot tell, FAIL with a sentence naming the resources
otherwise, and never raises for network trouble. The planner (intent connections) and the TUI call
:func:`verify_connection` directly; ``vnetplan verify`` is a thin shell over it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field
from typing import Any

from netplan.dns import live
from netplan.dns.live import LiveAnswer, Nameserver, ProbeResult, parse_nameserver
from netplan.dns.matrix import app_names
from netplan.dns.names import DnsNameError, normalize
from netplan.dns.simulator import Answer, DnsSimulator, Status
from netplan.errors import RefError, UsageError
from netplan.estate import Estate
from netplan.flow import INFRA_SUBNETS, FlowVerdict, flow
from netplan.ids import rid_key
from netplan.intent import DEFAULT_APP_PORTS, Connection, Intent
from netplan.model import (
    ConnectionStatus,
    Frontend,
    LoadBalancer,
    PeeringState,
    PrivateEndpoint,
    PrivateLinkService,
    VNet,
)
from netplan.reach import reach
from netplan.record import record
from netplan.vocab import Method
from netplan.vocab import Status as Result

#: The name checked when no app is given and the app domain has no explicit records: any name
#: the wildcard answers will do.
PROBE_LABEL = "vnetplan-check"






@record
class Expected:
    """The target an app name must resolve to from one consumer."""

    method: Method
    addresses: tuple[str, ...]
    #: "lb-frontend" or "private-endpoint"
    kind: str
    resource_ids: tuple[str, ...]
    description: str


@record
class NameCheck:
    """The verdict for one app name from one consumer VNet."""

    name: str
    result: Result
    expected: tuple[str, ...]
    simulated: Answer
    #: reach() for the simulated addresses: True, False, None (unknown), or None when not asked.
    reachable: bool | None
    live: tuple[LiveAnswer, ...] = ()
    probes: tuple[ProbeResult, ...] = ()
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "result": self.result.value,
            "expected": list(self.expected),
            "simulated": self.simulated.to_dict(),
            "reachable": self.reachable,
            "live": [a.to_dict() for a in self.live],
            "probes": [p.to_dict() for p in self.probes],
            "reasons": list(self.reasons),
        }


@record
class ConnectionVerification:
    """Every app name checked from one consumer VNet."""

    provider_vnet_id: str
    consumer_vnet_id: str
    app_domain: str
    #: The method in force (``auto`` decided), or AUTO when it could not be decided.
    method: Method
    result: Result
    expected: Expected | None
    checks: tuple[NameCheck, ...] = ()
    #: Connection-level reasons (how the target and the method were derived).
    reasons: tuple[str, ...] = field(default_factory=tuple)
    #: Each app port to each expected address, through routes, peerings and NSGs (netplan.flow).
    ports: tuple[PortCheck, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider_vnet_id,
            "consumer": self.consumer_vnet_id,
            "app_domain": self.app_domain,
            "method": self.method.value,
            "result": self.result.value,
            "expected": None if self.expected is None else {
                "method": self.expected.method.value, "addresses": list(self.expected.addresses),
                "kind": self.expected.kind, "resources": list(self.expected.resource_ids),
                "description": self.expected.description,
            },
            "checks": [c.to_dict() for c in self.checks],
            "reasons": list(self.reasons),
            "ports": [p.to_dict() for p in self.ports],
        }  # fmt: skip


@record
class PortCheck:
    """One app port from the consumer VNet's workload subnets to one expected address."""

    port: int
    address: str
    result: Result
    reasons: tuple[str, ...] = ()
    #: What blocks it (``netplan.flow.BlockedBy.to_dict()``), when something does.
    blocked_by: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"port": self.port, "address": self.address, "result": self.result.value,
                "reasons": list(self.reasons), "blocked_by": self.blocked_by}  # fmt: skip


def port_checks(estate: Estate, consumer: VNet, expected: Expected | None, ports: Sequence[int]) -> tuple[PortCheck, ...]:
    """TCP ``ports`` from ``consumer`` to each expected address: routes hop by hop and NSGs (R1-R5)."""

    if expected is None:
        return ()
    out = []
    for ip in expected.addresses:
        for port in ports:
            try:
                v = flow(estate, consumer.id, ip, port)
            except RefError as exc:
                out.append(PortCheck(port, ip, Result.UNKNOWN, (str(exc),)))
                continue
            result = {True: Result.PASS, False: Result.FAIL, None: Result.UNKNOWN}[v.reachable]
            reasons = tuple(r.message for r in v.reasons if result is not Result.PASS or r.code in ("via-firewall", "per-subnet"))
            out.append(PortCheck(port, ip, result, reasons, v.blocked_by.to_dict() if v.blocked_by else None))
    return tuple(out)


def combine(results: Sequence[Result]) -> Result:
    """FAIL if any failed, else UNKNOWN if any is unknown, else PASS (PASS for none only if asked)."""
    if Result.FAIL in results:
        return Result.FAIL
    if Result.UNKNOWN in results or not results:
        return Result.UNKNOWN
    return Result.PASS


# ------------------------------------------------------------------------------------------
# Deriving the expected target


def _internal_frontends(estate: Estate, provider: VNet) -> list[tuple[LoadBalancer, Frontend]]:
    out = []
    for lb in estate.load_balancers:
        for fe in lb.frontends:
            if fe.is_internal and fe.private_ip is not None and fe.subnet_id:
                v = estate.vnet_of_subnet(fe.subnet_id)
                if v is not None and v.key == provider.key:
                    out.append((lb, fe))
    return out


def _pls_on(estate: Estate, frontend: Frontend) -> list[PrivateLinkService]:
    return [p for p in estate.private_link_services if any(rid_key(f) == frontend.key for f in p.frontend_ids)]


def choose_frontend(
    estate: Estate, provider: VNet, app_domain: str, lb_frontend: str | None = None
) -> tuple[tuple[LoadBalancer, Frontend] | None, str]:
    """The provider's internal LB frontend the app domain should point at, and why (or why not).

    ``lb_frontend`` (a frontend resource ID or its private IP) picks one explicitly. Otherwise the
    only internal frontend in the provider VNet, or the only one the app-domain zone points at.
    """
    cands = _internal_frontends(estate, provider)
    if lb_frontend:
        want = lb_frontend.strip()
        hit = [(lb, fe) for lb, fe in cands if fe.key == rid_key(want) or str(fe.private_ip) == want]
        if not hit:
            raise RefError(
                f"--lb-frontend '{lb_frontend}' is not an internal load balancer frontend in VNet {provider.name}",
                tuple(f"{fe.id} ({fe.private_ip})" for _, fe in cands),
            )
        return hit[0], f"the LB frontend {hit[0][1].name} of {hit[0][0].name} ({hit[0][1].private_ip}, chosen explicitly)"
    if not cands:
        return None, f"VNet {provider.name} has no internal load balancer frontend in the snapshot"
    if len(cands) == 1:
        lb, fe = cands[0]
        return cands[0], f"the internal LB frontend {fe.name} of {lb.name} ({fe.private_ip})"
    # Several: the ones the app-domain zone's records already point at, if that singles one out.
    pointed = {v for z in estate.zones_named(app_domain) for r in estate.records_of_zone(z.id) for v in r.values}
    hit = [(lb, fe) for lb, fe in cands if str(fe.private_ip) in pointed]
    if len(hit) == 1:
        lb, fe = hit[0]
        return hit[0], f"the internal LB frontend {fe.name} of {lb.name} ({fe.private_ip}), the one zone {app_domain} points at"
    listed = ", ".join(f"{lb.name}/{fe.name} ({fe.private_ip})" for lb, fe in cands)
    return None, f"VNet {provider.name} has {len(cands)} internal LB frontends ({listed}); name one with --lb-frontend"


def _endpoints_to(estate: Estate, plss: Sequence[PrivateLinkService]) -> list[PrivateEndpoint]:
    keys = {p.key for p in plss}
    return [pe for pe in estate.private_endpoints if any(rid_key(c.target_id) in keys for c in pe.connections)]


def expected_target(
    estate: Estate, provider: VNet, consumer: VNet, app_domain: str, method: Method | str = Method.AUTO,
    lb_frontend: str | None = None, *, simulator: DnsSimulator | None = None,
) -> tuple[Expected | None, Method, list[str], list[str]]:
    """The expected target for ``consumer``: (Expected or None, the method in force, reasons, failures).

    ``failures`` are sentences that make the connection FAIL whatever DNS says (a private endpoint
    that is not Approved, Private Link asked for but no endpoint exists). ``auto`` means Private
    Link when the consumer has an endpoint to the provider's Private Link Service; without one, it
    also means Private Link when the app names resolve, for the consumer, to an endpoint in a VNet
    directly peered with it (one shared endpoint in a hub); otherwise peering.
    """
    m = Method(method)
    reasons: list[str] = []
    failures: list[str] = []
    chosen, why = choose_frontend(estate, provider, app_domain, lb_frontend)
    if chosen is None:
        return None, m, [why], []
    lb, fe = chosen
    plss = _pls_on(estate, fe)
    pes = _endpoints_to(estate, plss)
    local = [pe for pe in pes if (v := estate.vnet_of_subnet(pe.subnet_id)) is not None and v.key == consumer.key]
    if m is Method.AUTO and not local and pes:
        shared = _shared_endpoint(estate, simulator, consumer, app_domain, pes)
        if shared is not None:
            m = Method.PRIVATE_LINK
            reasons.append(f"method private-link: no private endpoint in {consumer.name}, but {shared[0]} resolves to "
                           f"{shared[1]}, the address of private endpoint {shared[2]} in peered {shared[3]} (a shared "
                           "endpoint)")  # fmt: skip
    if m is Method.AUTO:
        m = Method.PRIVATE_LINK if local else Method.PEERING
        reasons.append(
            f"method private-link: private endpoint {local[0].name} in {consumer.name} connects to "
            f"{_pls_names(estate, local[0], plss)}" if local else
            f"method peering: no private endpoint in {consumer.name} connects to a Private Link Service on {fe.name}"
        )  # fmt: skip
    if m is Method.PEERING:
        reasons.append(f"expected target: {why}")
        return Expected(m, (str(fe.private_ip),), "lb-frontend", (fe.id,), why), m, reasons, failures
    if not plss:
        failures.append(f"Private Link: no Private Link Service is attached to LB frontend {fe.name} of {lb.name}")
        return None, m, reasons, failures
    use = local
    if not use:
        # "Near" means a VNet the consumer is directly peered with (both links Connected): a private
        # endpoint is reachable from its own VNet and from directly peered ones, nowhere else.
        use = [pe for pe in pes if _directly_peered(estate, consumer, estate.vnet_of_subnet(pe.subnet_id))]
        if use:
            near = ", ".join(sorted({(estate.vnet_of_subnet(pe.subnet_id) or provider).name for pe in use}))
            reasons.append(f"no private endpoint in {consumer.name}; using the endpoint(s) in peered {near}")
    if not use:
        names = ", ".join(p.name for p in plss)
        elsewhere = (f" (endpoints exist only in VNets not peered with it: "
                     f"{', '.join(sorted({(estate.vnet_of_subnet(pe.subnet_id) or provider).name for pe in pes}))})"
                     if pes else "")  # fmt: skip
        failures.append(f"Private Link: no private endpoint in or peered with {consumer.name} connects to {names}{elsewhere}")
        return None, m, reasons, failures
    ips: list[str] = []
    for pe in use:
        for c in pe.connections:
            if c.status is not ConnectionStatus.APPROVED and any(rid_key(c.target_id) == p.key for p in plss):
                failures.append(f"private endpoint {pe.name}: connection to the Private Link Service is {c.status.value}, not Approved")
        ips.extend(str(ip) for ip in estate.endpoint_ips(pe))
    if not ips:
        return None, m, [*reasons, f"private endpoint {use[0].name} has no address in the snapshot"], failures
    desc = f"the private endpoint {', '.join(pe.name for pe in use)} ({', '.join(ips)})"
    reasons.append(f"expected target: {desc}")
    return Expected(m, tuple(dict.fromkeys(ips)), "private-endpoint", tuple(pe.id for pe in use), desc), m, reasons, failures


def _shared_endpoint(estate: Estate, sim: DnsSimulator | None, consumer: VNet, app_domain: str,
                     pes: Sequence[PrivateEndpoint]) -> tuple[str, str, str, str] | None:  # fmt: skip
    """(name, address, endpoint, its VNet) when the first app name resolves, for ``consumer``, to an
    endpoint of ``pes`` in a VNet directly peered with it; else None."""
    near = {}
    for pe in pes:
        v = estate.vnet_of_subnet(pe.subnet_id)
        if v is not None and _directly_peered(estate, consumer, v):
            near.update({str(ip): (pe, v) for ip in estate.endpoint_ips(pe)})
    if not near:
        return None
    names = default_names(estate, app_domain, ())
    if not names:
        return None
    answer = (sim or DnsSimulator(estate)).resolve(consumer, names[0])
    hit = next((a for a in answer.addresses if a in near), None)
    if hit is None:
        return None
    pe, v = near[hit]
    return names[0], hit, pe.name, v.name


def _directly_peered(estate: Estate, a: VNet, b: VNet | None) -> bool:
    if b is None:
        return False
    ab, ba = estate.peering(a.id, b.id), estate.peering(b.id, a.id)
    return all(p is not None and p.state is PeeringState.CONNECTED for p in (ab, ba))


def _pls_names(estate: Estate, pe: PrivateEndpoint, plss: Sequence[PrivateLinkService]) -> str:
    keys = {rid_key(c.target_id) for c in pe.connections}
    return ", ".join(f"Private Link Service {p.name}" for p in plss if p.key in keys)


# ------------------------------------------------------------------------------------------
# Verification


def _reach(estate: Estate, consumer: VNet, ip: str) -> tuple[bool | None, list[str], list[str]]:
    """reach() for one address: (reachable, reason messages, path)."""

    verdict = reach(estate, consumer.id, ip)
    return verdict.reachable, [r.message for r in verdict.reasons], list(verdict.path)


def _target_reach_note(estate: Estate, consumer: VNet, expected: Expected | None) -> list[str]:
    """When DNS already fails: say whether fixing DNS would be enough (is the target reachable?)."""
    if expected is None:
        return []
    notes = []
    for ip in expected.addresses:
        ok, why, _path = _reach(estate, consumer, ip)
        if ok is False:
            notes.append(f"fixing DNS is not enough: the expected target {ip} is not reachable either: {'; '.join(why)}")
        elif ok is None:
            notes.append(f"whether the expected target {ip} is reachable cannot be determined: {'; '.join(why)}")
    return notes


def check_name(
    estate: Estate, sim: DnsSimulator, consumer: VNet, name: str, expected: Expected | None, *,
    nameservers: Sequence[Nameserver] = (), probe_tcp: int | None = None, timeout: float = 2.0, retries: int = 1,
    query: Callable[..., LiveAnswer] | None = None,
) -> NameCheck:
    """Verify one name from one consumer (see the module docstring for what PASS means)."""

    answer = sim.resolve(consumer, name)
    results: list[Result] = []
    reasons: list[str] = []
    reachable: bool | None = None
    got = answer.summary()
    exp_text = ", ".join(expected.addresses) if expected else "?"
    if answer.status is Status.UNKNOWN:
        results.append(Result.UNKNOWN)
        reasons.append(f"cannot tell what {consumer.name} resolves: {answer.reasons[-1] if answer.reasons else 'unknown'}")
    elif not answer.resolved:
        results.append(Result.FAIL)
        to = f" to {exp_text}" if expected else ""
        reasons.append(f"{name} does not resolve from {consumer.name}{to}: {got}")
        reasons += _target_reach_note(estate, consumer, expected)
    elif expected is None:
        results.append(Result.UNKNOWN)
        reasons.append(f"resolves to {got}, but the expected target cannot be derived from the estate")
    elif not set(answer.addresses) <= set(expected.addresses):
        results.append(Result.FAIL)
        reasons.append(f"resolves to {got}, expected {exp_text} ({expected.description})")
        reasons += _target_reach_note(estate, consumer, expected)
    else:
        what = {"lb-frontend": "LB frontend", "private-endpoint": "private endpoint"}.get(expected.kind, "address")
        verdicts = [_reach(estate, consumer, ip) for ip in answer.addresses]
        vals = [v[0] for v in verdicts]
        why = "; ".join(m for v in verdicts for m in v[1])
        if False in vals:
            reachable = False
            results.append(Result.FAIL)
            reasons.append(f"resolves to {got}, but that {what} is not reachable: {why}")
        elif None in vals:
            results.append(Result.UNKNOWN)
            reasons.append(f"resolves to {got}, but whether that {what} is reachable cannot be determined: {why}")
        else:
            reachable = True
            results.append(Result.PASS)
            via = " -> ".join(_short(estate, p) for p in verdicts[0][2])
            reasons.append(f"resolves to {got}, reachable{f' ({via})' if via else ''}")
    lives: list[LiveAnswer] = []
    ask = query or live.query
    for ns in nameservers:
        la = ask(ns, name, "A", timeout=timeout, retries=retries)
        lives.append(la)
        if la.status not in ("NOERROR", "NXDOMAIN"):
            # TIMEOUT, SERVFAIL, REFUSED, ERROR: the resolver itself is the problem.
            results.append(Result.FAIL)
            reasons.append(f"live DNS {ns}: {la.summary()}; the simulation says {got}")
        elif answer.status in (Status.UNKNOWN, Status.PUBLIC):
            # Nothing to compare with: the simulation does not know the address.
            reasons.append(f"live DNS {ns} answers {la.summary()}; the simulation says {got}")
        elif la.status != answer.status.value or set(la.addresses) != set(answer.addresses):
            results.append(Result.FAIL)
            reasons.append(f"live DNS {ns} answers {la.summary()}, the simulation says {got}")
        else:
            reasons.append(f"live DNS {ns} agrees: {la.summary()}")
    probes: list[ProbeResult] = []
    if probe_tcp is not None:
        targets = next((la.addresses for la in lives if la.resolved), answer.addresses)
        for ip in targets:
            pr = live.probe_tcp(ip, probe_tcp, timeout=timeout)
            probes.append(pr)
            if pr.ok:
                reasons.append(f"TCP {ip}:{probe_tcp} connected")
            else:
                results.append(Result.FAIL)
                reasons.append(f"TCP {ip}:{probe_tcp} failed: {pr.detail}")
    return NameCheck(
        name=answer.name, result=combine(results), expected=expected.addresses if expected else (), simulated=answer,
        reachable=reachable, live=tuple(lives), probes=tuple(probes), reasons=tuple(reasons),
    )  # fmt: skip


def _short(estate: Estate, rid: str) -> str:
    v = estate.vnet(rid)
    return v.name if v is not None else rid.rsplit("/", 1)[-1]


def default_names(estate: Estate, app_domain: str, apps: Sequence[str]) -> list[str]:
    """The FQDNs to check: ``<app>.<domain>`` for the given apps (an app given as a full name under
    the domain is kept), else the explicit records under the domain, else one name the wildcard
    must answer.
    """
    domain = normalize(app_domain)
    if apps:
        out = []
        for app in apps:
            a = app.strip().lower().rstrip(".")
            out.append(a if a.endswith("." + domain) else f"{a}.{domain}")
        return out
    return app_names(estate, domain) or [f"{PROBE_LABEL}.{domain}"]


def verify_connection(
    estate: Estate,
    provider_vnet: VNet | str,
    consumer_vnet: VNet | str,
    app_domain: str,
    apps: Sequence[str] = (),
    method: Method | str = Method.AUTO,
    lb_frontend: str | None = None,
    nameservers: Sequence[Nameserver | str] = (),
    probe_tcp: int | None = None,
    *,
    timeout: float = 2.0,
    retries: int = 1,
    simulator: DnsSimulator | None = None,
    ports: Sequence[int] = DEFAULT_APP_PORTS,
) -> ConnectionVerification:
    """Verify that ``consumer_vnet`` resolves and reaches the apps of ``provider_vnet``.

    ``provider_vnet``/``consumer_vnet``: VNets or references (:meth:`Estate.resolve_vnet`).
    ``apps``: app names (``myapp``) or FQDNs under ``app_domain``; default: the explicit records
    under the domain, else a name the wildcard must answer. ``method``: auto, peering or
    private-link. ``lb_frontend``: the provider frontend (ID or IP) when it has several.
    ``nameservers``: live resolvers to compare with (``HOST[:PORT]`` or :class:`Nameserver`).
    ``probe_tcp``: a TCP port to connect to on each resolved address. Pass one ``simulator`` when
    verifying many connections of one estate. ``ports``: the app ports the consumer must reach the
    expected address on, through routes, peerings and NSGs (default 443 and 80; the intent sets
    them per connection).

    Raises :class:`RefError` / :class:`UsageError` for references and arguments that cannot be used;
    everything else (network trouble included) ends up in the result.
    """

    provider = provider_vnet if isinstance(provider_vnet, VNet) else estate.resolve_vnet(provider_vnet)
    consumer = consumer_vnet if isinstance(consumer_vnet, VNet) else estate.resolve_vnet(consumer_vnet)
    try:
        domain = normalize(app_domain)
        names = [normalize(n) for n in default_names(estate, domain, apps)]
    except DnsNameError as exc:
        raise UsageError(str(exc)) from None
    try:
        m = Method(method)
    except ValueError:
        raise UsageError(f"method must be auto, peering or private-link, not {method!r}") from None
    servers = [ns if isinstance(ns, Nameserver) else parse_nameserver(ns) for ns in nameservers]
    sim = simulator or DnsSimulator(estate)
    expected, in_force, reasons, failures = expected_target(estate, provider, consumer, domain, m, lb_frontend,
                                                            simulator=sim)  # fmt: skip
    checks = tuple(
        check_name(estate, sim, consumer, n, expected, nameservers=servers, probe_tcp=probe_tcp,
                   timeout=timeout, retries=retries)
        for n in names
    )  # fmt: skip

    senders = [x for x in consumer.subnets if x.name.lower() not in INFRA_SUBNETS and x.prefixes and not x.delegations]
    if senders:
        pchecks = port_checks(estate, consumer, expected, ports) if not failures else ()
    else:
        pchecks = ()
        reasons.append(f"app ports not evaluated: {consumer.name} has no workload subnet in the snapshot to send from")
    result = combine([c.result for c in checks] + [p.result for p in pchecks] + [Result.FAIL] * bool(failures))
    return ConnectionVerification(
        provider_vnet_id=provider.id, consumer_vnet_id=consumer.id, app_domain=domain,
        method=in_force,
        result=result, expected=expected, checks=checks, reasons=tuple(reasons + failures), ports=pchecks,
    )  # fmt: skip


# ------------------------------------------------------------------------------------------
# The other direction: the provider's apps reaching internal services by name


@record
class ServiceVerification:
    """Whether ``fqdn`` resolves from ``vnet_id`` (the provider) to the service and is reachable."""

    vnet_id: str
    fqdn: str
    #: "private-endpoint" (a private endpoint to the service's PLS) or "private-zone" (a linked zone).
    via: str
    result: Result
    expected: Expected | None
    check: NameCheck
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "vnet": self.vnet_id, "fqdn": self.fqdn, "via": self.via, "result": self.result.value,
            "expected": list(self.expected.addresses) if self.expected else None,
            "check": self.check.to_dict(), "reasons": list(self.reasons),
        }  # fmt: skip


def verify_service(
    estate: Estate,
    vnet: VNet | str,
    fqdn: str,
    *,
    pls_id: str | None = None,
    zone_id: str | None = None,
    nameservers: Sequence[Nameserver | str] = (),
    probe_tcp: int | None = None,
    timeout: float = 2.0,
    retries: int = 1,
    simulator: DnsSimulator | None = None,
) -> ServiceVerification:
    """Verify that ``vnet`` resolves ``fqdn`` to the service and reaches it.

    Give exactly one of ``pls_id`` (expected: the IP of a private endpoint in ``vnet`` connected to
    that Private Link Service) or ``zone_id`` (expected: the answer comes from that private zone,
    which must be linked to ``vnet``).
    """

    if (pls_id is None) == (zone_id is None):
        raise UsageError("verify_service needs exactly one of pls_id or zone_id")
    v = vnet if isinstance(vnet, VNet) else estate.resolve_vnet(vnet)
    try:
        name = normalize(fqdn)
    except DnsNameError as exc:
        raise UsageError(str(exc)) from None
    servers = [ns if isinstance(ns, Nameserver) else parse_nameserver(ns) for ns in nameservers]
    sim = simulator or DnsSimulator(estate)
    reasons: list[str] = []
    failures: list[str] = []
    expected: Expected | None = None
    if pls_id is not None:
        via = "private-endpoint"
        pls = estate.get(pls_id)
        label = pls.name if isinstance(pls, PrivateLinkService) else pls_id.rsplit("/", 1)[-1]
        pes = [
            pe for pe in estate.private_endpoints
            if any(rid_key(c.target_id) == rid_key(pls_id) for c in pe.connections)
            and (pv := estate.vnet_of_subnet(pe.subnet_id)) is not None and pv.key == v.key
        ]  # fmt: skip
        if not pes:
            failures.append(f"no private endpoint in {v.name} connects to Private Link Service {label}")
        else:
            ips = [str(ip) for pe in pes for ip in estate.endpoint_ips(pe)]
            for pe in pes:
                for c in pe.connections:
                    if rid_key(c.target_id) == rid_key(pls_id) and c.status is not ConnectionStatus.APPROVED:
                        failures.append(f"private endpoint {pe.name}: connection to {label} is {c.status.value}, not Approved")
            if ips:
                desc = f"the private endpoint {', '.join(pe.name for pe in pes)} ({', '.join(ips)}) to {label}"
                expected = Expected(Method.PRIVATE_LINK, tuple(dict.fromkeys(ips)), "private-endpoint",
                                    tuple(pe.id for pe in pes), desc)  # fmt: skip
                reasons.append(f"expected target: {desc}")
    else:
        assert zone_id is not None
        via = "private-zone"
        zone = estate.zone(zone_id)
        zname = zone.name if zone is not None else zone_id.rsplit("/", 1)[-1]
        if zone is None:
            failures.append(f"private zone {zone_id} is not in the snapshot")
        elif not any(rid_key(link.zone_id) == zone.key for link in estate.links_of_vnet(v.id)):
            failures.append(f"private zone {zname} is not linked to {v.name} (D1)")
        answer = sim.resolve(v, name)
        if zone is not None and answer.resolved and answer.zone_id and rid_key(answer.zone_id) == zone.key:
            desc = f"the record in zone {zname}"
            expected = Expected(Method.AUTO, answer.addresses, "zone-record", (zone.id,), desc)
            reasons.append(f"expected target: {desc} ({', '.join(answer.addresses)})")
    check = check_name(estate, sim, v, name, expected, nameservers=servers, probe_tcp=probe_tcp,
                       timeout=timeout, retries=retries)  # fmt: skip
    result = combine([check.result] + [Result.FAIL] * bool(failures))
    return ServiceVerification(v.id, name, via, result, expected, check, tuple(reasons + failures))


def verify_intent(estate: Estate, intent: Any) -> list[ConnectionVerification]:
    """Every connection the intent declares, verified offline on ``estate`` (intent order).

    ``intent`` is a :class:`netplan.intent.Intent` resolved against this estate. The same
    verdicts as ``vnetplan verify --intent`` gives for the connections.
    """
    sim = DnsSimulator(estate)
    prov = intent.provider
    return [
        verify_connection(estate, prov.vnet_id, c.consumer_vnet_id, prov.app_domain,
                          () if c.wildcard else c.apps, c.method.value, prov.frontend_id, simulator=sim)
        for c in intent.connections
    ]


def connection_flows(estate: Estate, intent: Intent, conn: Connection) -> list[tuple[int, str, FlowVerdict]]:
    """(port, address, verdict) for each app port of an intent connection, from the consumer VNet to
    the address it must reach (the LB frontend for peering, its private endpoint for Private Link)."""
    provider = estate.vnet(intent.provider.vnet_id)
    consumer = estate.vnet(conn.consumer_vnet_id)
    if provider is None or consumer is None:
        return []
    expected, _m, _r, _f = expected_target(estate, provider, consumer, intent.provider.app_domain, conn.method,
                                           intent.provider.frontend_id)  # fmt: skip
    if expected is None:
        return []
    out = []
    for ip in expected.addresses:
        for port in conn.ports:
            try:
                out.append((port, ip, flow(estate, consumer.id, ip, port)))
            except RefError:
                continue
    return out
