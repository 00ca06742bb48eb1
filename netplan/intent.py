"""The intent file: what must talk to what, and why, resolved against an estate.

An intent is YAML (see ``samples/mendix-intent.yaml`` for every field, commented): the provider
(VNet, internal load balancer or frontend, app domain, optionally its Private Link Service and
the NAT subnet for one), the connections (consumer VNet, use case, method auto|peering|
private-link, apps ``*`` or names, the consumer subnet and optional static IP for a private
endpoint), and the internal services the provider's apps must reach (FQDN + the service's
Private Link Service or private zone). The promise of :func:`load_intent`: it returns frozen
values whose every reference resolved in the estate (full IDs, original spelling), or raises
:class:`~netplan.errors.InputError` naming the file, the line and the field (exit 2), with
candidates when a reference matches nothing. ``plan``, ``drift``, ``verify`` and the TUI import it.

A VNet reference that matches nothing where the estate admits a gap that could hold it (a
subscription that could not be read) is not "no such VNet": the error says which scope could not be
read. The read-only checks (``audit``, ``drift``) use :func:`load_intent_partial` instead, which
keeps such connections as :class:`Unresolved` (every check of them is UNKNOWN, naming the gap)
rather than stopping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from netplan.addr import AddressError, IPAddress, parse_ip
from netplan.errors import InputError, RefError
from netplan.estate import Estate, describe_gaps
from netplan.ids import parse_id, rid_key
from netplan.model import Frontend, Gap, LoadBalancer, PrivateDnsZone, PrivateLinkService, Subnet, VNet
from netplan.record import record
from netplan.vocab import Method, UseCase
from netplan.yamlio import PathKey, load_with_lines, where

INTENT_VERSION = 1

#: Subnets Azure reserves for one service (no private endpoint or PLS NAT address there).
_RESERVED_SUBNETS = frozenset({"gatewaysubnet", "azurefirewallsubnet", "azurefirewallmanagementsubnet",
                               "azurebastionsubnet", "routeserversubnet"})  # fmt: skip

_DNS_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


#: The app ports a connection is held to when the intent names none: HTTPS and HTTP.
DEFAULT_APP_PORTS: tuple[int, ...] = (443, 80)




@record
class PlsSpec:
    """The provider's Private Link Service: an existing one (``exists``) or the one to create."""

    #: Full resource ID (existing, or where it will be created).
    id: str
    name: str
    #: Subnet of the provider VNet the NAT addresses come from (needed to create one).
    nat_subnet_id: str | None
    exists: bool
    #: Extra subscriptions allowed to see / auto-approved (consumers' are added by the planner).
    visibility: tuple[str, ...] = ()
    auto_approval: tuple[str, ...] = ()


@record
class Provider:
    vnet_id: str
    #: The internal load balancer and the frontend the apps are served on.
    lb_id: str
    frontend_id: str
    frontend_ip: IPAddress | None
    #: The apps' DNS domain, lower-case, no final dot (e.g. ``azure.mendixapps.io``).
    app_domain: str
    pls: PlsSpec | None = None
    #: Resource group (in the provider's subscription unless ``dns_subscription``) for new zones.
    dns_resource_group: str = ""
    dns_subscription: str = ""
    #: ``dns.private_only``: privatelink names must never fall back to public DNS (D5); None = not said.
    private_only: bool | None = None


@record
class Connection:
    consumer_vnet_id: str
    use_case: UseCase
    method: Method
    #: ``("*",)`` for every app (a wildcard record), else the app names (relative labels).
    apps: tuple[str, ...]
    #: Consumer subnet for the private endpoint (Private Link).
    subnet_id: str | None = None
    #: A pinned address for the private endpoint, else Azure assigns one.
    static_ip: IPAddress | None = None
    allow_forwarded_traffic: bool = False
    use_remote_gateways: bool = False
    #: For ``method: auto``: the consumer needs the whole provider VNet (prefer peering).
    whole_network: bool = False
    #: For ``method: auto``: how many distinct services the connection carries.
    services: int = 1
    #: TCP ports the consumer must reach the apps on (verify, whatif and the planned NSG rules).
    ports: tuple[int, ...] = DEFAULT_APP_PORTS
    #: ``line N: connections[i]`` for messages about this connection.
    where: str = ""

    @property
    def wildcard(self) -> bool:
        return self.apps == ("*",)


@record
class InternalService:
    """A service the provider's apps must reach by name."""

    fqdn: str
    #: Reached through a private endpoint (in ``subnet_id`` of the provider VNet) to this PLS ...
    pls_id: str | None = None
    subnet_id: str | None = None
    #: ... or resolved by linking this existing private zone to the provider VNet.
    zone_id: str | None = None
    where: str = ""


@record
class Unresolved:
    """A declared connection the estate cannot settle: a VNet it names (its consumer, or the
    provider) is not in the estate, and the snapshot could not read a scope that may hold it.
    Every check of the connection is UNKNOWN, naming the gap (:meth:`reason`)."""

    #: ``line N: connections[i]``.
    where: str
    #: The consumer reference as written.
    consumer: str
    #: The reference that did not resolve (the consumer's, or the provider VNet's) and its field.
    ref: str
    field: str
    #: The gaps that may hide that VNet.
    gaps: tuple[Gap, ...]
    #: The declared method (``auto`` when the field is missing or not a method).
    method: Method = Method.AUTO
    #: The consumer VNet's ID when only the provider is unresolved and the consumer is in the estate.
    consumer_vnet_id: str = ""

    @property
    def resource(self) -> str:
        """What findings about it name: the VNet ID when the reference is one, else the scope not read."""
        return self.ref if self.ref.startswith("/") else self.gaps[0].scope

    @property
    def item(self) -> str:
        return f"consumer {self.consumer}"

    def reason(self) -> str:
        role = "consumer" if self.field.endswith("consumer") else "provider VNet"
        return f"the {role} '{self.ref}' ({self.where}) is not in the estate, which {describe_gaps(self.gaps)}"

    def could_be(self, vnet_id: str) -> bool:
        """Could the consumer reference name this VNet (one the estate holds no object for)?"""
        ref = self.consumer.strip()
        if ref.startswith("/"):
            return rid_key(ref) == rid_key(vnet_id)
        rg, _, name = ref.rpartition("/")
        pid = parse_id(vnet_id)
        return pid.name.lower() == name.lower() and (not rg or pid.resource_group.lower() == rg.lower())


@record
class Intent:
    file: str
    provider: Provider
    connections: tuple[Connection, ...]
    services: tuple[InternalService, ...] = ()
    version: int = INTENT_VERSION
    #: The file's parsed data, for the plan's provenance.
    source: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: Connections left out of ``connections`` because of a gap (only from :func:`load_intent_partial`).
    unresolved: tuple[Unresolved, ...] = ()

    @property
    def app_domain(self) -> str:
        """The provider's app domain (as :class:`UnresolvedIntent` has it)."""
        return self.provider.app_domain

    @property
    def private_only(self) -> bool | None:
        """``provider.dns.private_only`` (as :class:`UnresolvedIntent` has it)."""
        return self.provider.private_only


@record
class UnresolvedIntent:
    """An intent whose provider VNet is not in the estate, which could not read where it may be
    (only from :func:`load_intent_partial`): every connection is unresolved. It has the attributes
    the rules read from an :class:`Intent` (``file``, ``app_domain``, ``private_only``,
    ``connections`` (none), ``unresolved``), and ``provider`` None."""

    file: str
    unresolved: tuple[Unresolved, ...]
    #: The app domain as written (lower case, no final dot), "" when missing.
    app_domain: str = ""
    #: ``provider.dns.private_only`` when it is true or false.
    private_only: bool | None = None
    provider: None = None
    connections: tuple[Connection, ...] = ()


# ---------------------------------------------------------------------------------------------


class _Hidden(Exception):
    """A VNet reference that matches nothing where a gap may hide it (partial reads only)."""

    def __init__(self, ref: str, path: PathKey, gaps: list[Gap]) -> None:
        super().__init__(ref)
        self.ref, self.path, self.gaps = ref, path, tuple(gaps)


class _Reader:
    """Typed access to the YAML data with errors that name file, line and field."""

    def __init__(self, file: str, lines: dict[PathKey, int], estate: Estate, partial: bool = False) -> None:
        self.file = file
        self.lines = lines
        self.estate = estate
        self.partial = partial

    def fail(self, path: PathKey, message: str) -> InputError:
        return InputError(self.file, where(path, self.lines), message)

    def mapping(self, value: Any, path: PathKey, allowed: frozenset[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected a mapping, got {type(value).__name__}")
        for k in value:
            if k not in allowed:
                raise self.fail((*path, str(k)), f"unknown field '{k}' (expected one of: {', '.join(sorted(allowed))})")
        return value

    def text(self, obj: dict[str, Any], path: PathKey, key: str, required: bool = True) -> str | None:
        v = obj.get(key)
        if v is None:
            if required:
                raise self.fail((*path, key) if key in obj else path, f"missing required field '{key}'")
            return None
        if not isinstance(v, str) or not v.strip():
            raise self.fail((*path, key), f"'{key}' must be a non-empty string, got {v!r}")
        return v.strip()

    def flag(self, obj: dict[str, Any], path: PathKey, key: str) -> bool:
        v = obj.get(key, False)
        if not isinstance(v, bool):
            raise self.fail((*path, key), f"'{key}' must be true or false, got {v!r}")
        return v

    def strings(self, obj: dict[str, Any], path: PathKey, key: str) -> tuple[str, ...]:
        v = obj.get(key)
        if v is None:
            return ()
        if not isinstance(v, list) or not all(isinstance(s, str) and s for s in v):
            raise self.fail((*path, key), f"'{key}' must be a list of strings")
        return tuple(v)

    def vnet(self, obj: dict[str, Any], path: PathKey, key: str) -> VNet:
        ref = self.text(obj, path, key)
        assert ref is not None
        try:
            return self.estate.resolve_vnet(ref)
        except RefError as exc:
            if self.partial and (gaps := self.estate.vnet_gaps(ref)):
                raise _Hidden(ref, (*path, key), gaps) from None
            raise self.fail((*path, key), str(exc)) from None

    def subnet(self, vnet: VNet, obj: dict[str, Any], path: PathKey, key: str, required: bool = False) -> Subnet | None:
        ref = self.text(obj, path, key, required=required)
        if ref is None:
            return None
        for s in vnet.subnets:
            if s.name.lower() == ref.lower() or rid_key(s.id) == rid_key(ref):
                # Azure refuses private endpoints and PLS NAT addresses in these subnets.
                if s.name.lower() in _RESERVED_SUBNETS:
                    raise self.fail((*path, key), f"{s.name} is reserved for its Azure service; choose another subnet")
                if s.delegations:
                    raise self.fail((*path, key), f"subnet {s.name} is delegated to {', '.join(s.delegations)}; "
                                    "private endpoints and Private Link NAT addresses need a subnet without delegation")  # fmt: skip
                return s
        names = ", ".join(s.name for s in vnet.subnets) or "none"
        raise self.fail((*path, key), f"VNet {vnet.name} has no subnet '{ref}' (subnets: {names})")


_TOP = frozenset({"version", "provider", "connections", "internal_services"})
_PROVIDER = frozenset({"vnet", "load_balancer", "frontend", "app_domain", "private_link_service", "dns"})
_PLS = frozenset({"name", "id", "resource_group", "nat_subnet", "visibility", "auto_approval"})
_DNS = frozenset({"resource_group", "subscription", "private_only"})
_CONN = frozenset({"consumer", "use_case", "method", "apps", "subnet", "static_ip", "allow_forwarded_traffic",
                   "use_remote_gateways", "whole_network", "services", "ports"})  # fmt: skip
_SERVICE = frozenset({"fqdn", "private_link_service", "private_zone", "subnet"})


def _domain(r: _Reader, path: PathKey, text: str) -> str:
    d = text.lower().rstrip(".")
    if not d or not all(_DNS_LABEL.match(label) for label in d.split(".")) or "." not in d:
        raise r.fail(path, f"'{text}' is not a DNS domain name")
    return d


def _frontend(r: _Reader, vnet: VNet, obj: dict[str, Any], path: PathKey) -> tuple[LoadBalancer, Frontend]:
    """The provider's internal LB frontend from ``load_balancer`` and/or ``frontend``."""
    est = r.estate
    lb_ref = r.text(obj, path, "load_balancer", required=False)
    fe_ref = r.text(obj, path, "frontend", required=False)
    in_vnet = [
        (lb, fe) for lb in est.load_balancers for fe in lb.frontends
        if fe.is_internal and fe.subnet_id and rid_key(fe.subnet_id).startswith(vnet.key + "/")
    ]  # fmt: skip
    cands = in_vnet
    if lb_ref is not None:
        cands = [(lb, fe) for lb, fe in in_vnet if lb.name.lower() == lb_ref.lower() or rid_key(lb.id) == rid_key(lb_ref)]
        if not cands:
            known = ", ".join(sorted({lb.name for lb, _ in in_vnet})) or "none"
            raise r.fail((*path, "load_balancer"),
                         f"no internal load balancer '{lb_ref}' with a frontend in {vnet.name} (candidates: {known})")  # fmt: skip
    if fe_ref is not None:
        ip: IPAddress | None
        try:
            ip = parse_ip(fe_ref)
        except AddressError:
            ip = None
        picked = [
            (lb, fe) for lb, fe in cands
            if fe.name.lower() == fe_ref.lower() or rid_key(fe.id) == rid_key(fe_ref) or (ip is not None and fe.private_ip == ip)
        ]  # fmt: skip
        if not picked:
            known = ", ".join(f"{fe.name} ({fe.private_ip})" for _, fe in cands) or "none"
            raise r.fail((*path, "frontend"), f"no internal frontend '{fe_ref}' (candidates: {known})")
        cands = picked
    if not cands:
        raise r.fail((*path, "load_balancer"), f"VNet {vnet.name} has no internal load balancer frontend")
    if len(cands) > 1:
        known = ", ".join(f"{lb.name}/{fe.name}" for lb, fe in cands)
        raise r.fail((*path, "frontend"), f"{len(cands)} internal frontends match; name one of: {known}")
    return cands[0]


def _pls(r: _Reader, vnet: VNet, lb: LoadBalancer, fe: Frontend, obj: Any, path: PathKey) -> PlsSpec | None:
    on_fe = [p for p in r.estate.private_link_services if any(rid_key(f) == fe.key for f in p.frontend_ids)]
    if obj is None:
        if on_fe:
            p = on_fe[0]
            return PlsSpec(p.id, p.name, p.nat_ips[0].subnet_id if p.nat_ips else None, True)
        return None
    spec = r.mapping(obj, path, _PLS)
    ref = r.text(spec, path, "id", required=False) or r.text(spec, path, "name", required=False)
    nat = r.subnet(vnet, spec, path, "nat_subnet")
    vis = r.strings(spec, path, "visibility")
    auto = r.strings(spec, path, "auto_approval")
    existing: PrivateLinkService | None = None
    if ref is not None:
        existing = next((p for p in r.estate.private_link_services if rid_key(p.id) == rid_key(ref) or p.name.lower() == ref.lower()), None)
    elif on_fe:
        existing = on_fe[0]
    if existing is not None:
        if not any(rid_key(f) == fe.key for f in existing.frontend_ids):
            raise r.fail(path, f"Private Link Service {existing.name} is not attached to frontend {fe.name} of {lb.name}")
        nat_id = nat.id if nat else (existing.nat_ips[0].subnet_id if existing.nat_ips else None)
        return PlsSpec(existing.id, existing.name, nat_id, True, vis, auto)
    if ref is not None and ref.startswith("/"):
        raise r.fail((*path, "id"), f"Private Link Service '{ref}' is not in the estate")
    if nat is None:
        raise r.fail((*path, "nat_subnet"), "a new Private Link Service needs 'nat_subnet' (a subnet of the provider VNet)")
    name = ref or f"pls-{lb.name}"
    rg = r.text(spec, path, "resource_group", required=False) or parse_id(lb.id).resource_group
    pid = f"/subscriptions/{parse_id(lb.id).subscription}/resourceGroups/{rg}/providers/Microsoft.Network/privateLinkServices/{name}"
    return PlsSpec(pid, name, nat.id, False, vis, auto)


def _connection(r: _Reader, obj: Any, path: PathKey, provider: VNet, pls_id: str | None) -> Connection:
    c = r.mapping(obj, path, _CONN)
    consumer = r.vnet(c, path, "consumer")
    if consumer.key == provider.key:
        raise r.fail((*path, "consumer"), f"the consumer {consumer.name} is the provider VNet itself")
    uc_text = r.text(c, path, "use_case", required=False) or UseCase.EXPOSE_APPS.value
    try:
        use_case = UseCase(uc_text)
    except ValueError:
        raise r.fail((*path, "use_case"), f"use_case must be one of {', '.join(u.value for u in UseCase)}, not '{uc_text}'") from None
    m_text = r.text(c, path, "method", required=False) or Method.AUTO.value
    try:
        method = Method(m_text)
    except ValueError:
        raise r.fail((*path, "method"), f"method must be one of {', '.join(m.value for m in Method)}, not '{m_text}'") from None
    if use_case is UseCase.DATABASE and method is Method.PRIVATE_LINK:
        raise r.fail((*path, "method"), "use_case database needs direct network access: Private Link does not serve it")
    apps_raw = c.get("apps", "*")
    if apps_raw == "*" or apps_raw == ["*"]:
        apps: tuple[str, ...] = ("*",)
    elif isinstance(apps_raw, list) and apps_raw and all(isinstance(a, str) for a in apps_raw):
        for i, a in enumerate(apps_raw):
            if not all(_DNS_LABEL.match(label) for label in a.lower().split(".")):
                raise r.fail((*path, "apps", i), f"'{a}' is not a DNS name label")
        apps = tuple(dict.fromkeys(a.lower() for a in apps_raw))
    else:
        raise r.fail((*path, "apps"), "apps must be \"*\" or a non-empty list of app names")
    sub = r.subnet(consumer, c, path, "subnet")
    static: IPAddress | None = None
    ip_text = r.text(c, path, "static_ip", required=False)
    if ip_text is not None:
        try:
            static = parse_ip(ip_text)
        except AddressError as exc:
            raise r.fail((*path, "static_ip"), str(exc)) from None
        if sub is None:
            raise r.fail((*path, "static_ip"), "a static_ip needs 'subnet' (the consumer subnet it is in)")
        holder = next((p for p in sub.prefixes if p.contains_ip(static)), None)
        if holder is None:
            raise r.fail((*path, "static_ip"), f"{static} is not in subnet {sub.name} ({', '.join(map(str, sub.prefixes))})")
        offset = int(static) - holder.first
        if offset < 4 or int(static) == holder.last:
            raise r.fail((*path, "static_ip"), f"{static} is reserved by Azure in {holder} (the first four addresses "
                         "and the last one of a subnet)")  # fmt: skip
        for owner in r.estate.ip_owners(static):
            pe = r.estate.get(owner.resource_id) if owner.kind == "private-endpoint" else None
            if pls_id and pe is not None and any(rid_key(c.target_id) == rid_key(pls_id) for c in pe.connections):
                continue  # the very endpoint this connection asks for, already made
            raise r.fail((*path, "static_ip"), f"{static} is already used by {owner.kind} {owner.resource_id}")
    services = c.get("services", 1)
    if not isinstance(services, int) or isinstance(services, bool) or services < 1:
        raise r.fail((*path, "services"), f"services must be a whole number of at least 1, got {services!r}")
    ports_raw = c.get("ports", list(DEFAULT_APP_PORTS))
    if not isinstance(ports_raw, list) or not ports_raw:
        raise r.fail((*path, "ports"), "ports must be a non-empty list of TCP ports (1-65535)")
    for i, p in enumerate(ports_raw):
        if not isinstance(p, int) or isinstance(p, bool) or not 1 <= p <= 65535:
            raise r.fail((*path, "ports", i), f"invalid port {p!r} (1-65535)")
    return Connection(
        ports=tuple(dict.fromkeys(ports_raw)),
        whole_network=r.flag(c, path, "whole_network"), services=services,
        consumer_vnet_id=consumer.id, use_case=use_case, method=method, apps=apps,
        subnet_id=sub.id if sub else None, static_ip=static,
        allow_forwarded_traffic=r.flag(c, path, "allow_forwarded_traffic"),
        use_remote_gateways=r.flag(c, path, "use_remote_gateways"),
        where=where(path, r.lines),
    )  # fmt: skip


def _service(r: _Reader, obj: Any, path: PathKey, provider: VNet) -> InternalService:
    s = r.mapping(obj, path, _SERVICE)
    fqdn_text = r.text(s, path, "fqdn")
    assert fqdn_text is not None
    fqdn = _domain(r, (*path, "fqdn"), fqdn_text)
    pls_ref = r.text(s, path, "private_link_service", required=False)
    zone_ref = r.text(s, path, "private_zone", required=False)
    if (pls_ref is None) == (zone_ref is None):
        raise r.fail(path, "give exactly one of 'private_link_service' or 'private_zone'")
    if pls_ref is not None:
        pls = next((p for p in r.estate.private_link_services
                    if rid_key(p.id) == rid_key(pls_ref) or p.name.lower() == pls_ref.lower()), None)  # fmt: skip
        if pls is None:
            cands = ", ".join(p.name for p in r.estate.private_link_services) or "none in the estate"
            raise r.fail((*path, "private_link_service"), f"no Private Link Service '{pls_ref}' (candidates: {cands})")
        sub = r.subnet(provider, s, path, "subnet", required=True)
        assert sub is not None
        return InternalService(fqdn, pls_id=pls.id, subnet_id=sub.id, where=where(path, r.lines))
    assert zone_ref is not None
    zones: list[PrivateDnsZone] = [z for z in r.estate.zones if rid_key(z.id) == rid_key(zone_ref)] or r.estate.zones_named(zone_ref)
    if not zones:
        import difflib

        close = difflib.get_close_matches(zone_ref.lower(), sorted({z.name for z in r.estate.zones}), n=3, cutoff=0.6)
        hint = f"; did you mean: {', '.join(close)}" if close else ""
        raise r.fail((*path, "private_zone"), f"no private DNS zone '{zone_ref}' in the estate{hint}")
    if len(zones) > 1:
        raise r.fail((*path, "private_zone"), f"{len(zones)} zones are named '{zone_ref}'; give the ID of one: "
                     + ", ".join(z.id for z in zones))  # fmt: skip
    zone = zones[0]
    if fqdn != zone.name and not fqdn.endswith("." + zone.name):
        raise r.fail((*path, "fqdn"), f"{fqdn} is not under zone {zone.name}")
    return InternalService(fqdn, zone_id=zone.id, where=where(path, r.lines))


def _declared_method(obj: Any) -> Method:
    text = obj.get("method") if isinstance(obj, dict) else None
    try:
        return Method(text) if isinstance(text, str) else Method.AUTO
    except ValueError:
        return Method.AUTO


def _consumer_text(obj: Any) -> str:
    ref = obj.get("consumer") if isinstance(obj, dict) else None
    return ref.strip() if isinstance(ref, str) else "?"


def parse_intent(file: str, data: Any, lines: dict[PathKey, int], estate: Estate) -> Intent:
    """Validate intent data (as loaded from YAML) against ``estate``."""
    got = _parse(file, data, lines, estate, partial=False)
    assert isinstance(got, Intent)
    return got


def _parse(file: str, data: Any, lines: dict[PathKey, int], estate: Estate, partial: bool) -> Intent | UnresolvedIntent:
    r = _Reader(file, lines, estate, partial)
    top = r.mapping(data, (), _TOP)
    version = top.get("version", INTENT_VERSION)
    if version != INTENT_VERSION:
        raise r.fail(("version",), f"unsupported intent version {version!r} (this vnetplan reads {INTENT_VERSION})")
    if "provider" not in top:
        raise r.fail((), "missing required field 'provider'")
    ppath: PathKey = ("provider",)
    p = r.mapping(top["provider"], ppath, _PROVIDER)
    try:
        pvnet = r.vnet(p, ppath, "vnet")
    except _Hidden as hidden:
        return _unresolved_intent(r, top, p, hidden)
    lb, fe = _frontend(r, pvnet, p, ppath)
    domain_text = r.text(p, ppath, "app_domain")
    assert domain_text is not None
    domain = _domain(r, (*ppath, "app_domain"), domain_text)
    pls = _pls(r, pvnet, lb, fe, p.get("private_link_service"), (*ppath, "private_link_service"))
    dns = r.mapping(p.get("dns") or {}, (*ppath, "dns"), _DNS)
    provider = Provider(
        vnet_id=pvnet.id, lb_id=lb.id, frontend_id=fe.id, frontend_ip=fe.private_ip, app_domain=domain, pls=pls,
        dns_resource_group=r.text(dns, (*ppath, "dns"), "resource_group", required=False) or parse_id(pvnet.id).resource_group,
        dns_subscription=r.text(dns, (*ppath, "dns"), "subscription", required=False) or parse_id(pvnet.id).subscription,
        private_only=r.flag(dns, (*ppath, "dns"), "private_only") if "private_only" in dns else None,
    )  # fmt: skip
    conns_raw = top.get("connections")
    if not isinstance(conns_raw, list) or not conns_raw:
        raise r.fail(("connections",), "'connections' must be a non-empty list")
    conns: list[Connection] = []
    unresolved: list[Unresolved] = []
    at: list[int] = []  # the index in the file of each resolved connection
    for i, c in enumerate(conns_raw):
        try:
            conns.append(_connection(r, c, ("connections", i), pvnet, pls.id if pls else None))
            at.append(i)
        except _Hidden as hidden:
            unresolved.append(Unresolved(where(("connections", i), r.lines), _consumer_text(c), hidden.ref,
                                         "consumer", hidden.gaps, _declared_method(c)))  # fmt: skip
    seen: dict[str, int] = {}
    for i, c in zip(at, conns, strict=True):
        k = rid_key(c.consumer_vnet_id)
        if k in seen:
            raise r.fail(("connections", i, "consumer"), f"consumer also declared in connections[{seen[k]}]")
        seen[k] = i
        if c.method is Method.PRIVATE_LINK and c.subnet_id is None:
            raise r.fail(("connections", i, "subnet"),
                         "method private-link needs 'subnet': the consumer subnet for the private endpoint")  # fmt: skip
        if c.method is Method.PRIVATE_LINK and pls is None:
            raise r.fail(("provider", "private_link_service"),
                         f"connections[{i}] uses private-link but frontend {fe.name} has no Private Link Service; "
                         "declare one with a nat_subnet")  # fmt: skip
    svc_raw = top.get("internal_services") or []
    if not isinstance(svc_raw, list):
        raise r.fail(("internal_services",), "'internal_services' must be a list")
    services = tuple(_service(r, s, ("internal_services", i), pvnet) for i, s in enumerate(svc_raw))
    return Intent(file, provider, tuple(conns), services, INTENT_VERSION, source=top, unresolved=tuple(unresolved))


def _consumer_id(estate: Estate, ref: str) -> str:
    try:
        return estate.resolve_vnet(ref).id
    except RefError:
        return ""


def _unresolved_intent(r: _Reader, top: dict[str, Any], provider: dict[str, Any], hidden: _Hidden) -> UnresolvedIntent:
    """The provider VNet may be in a scope not read: every connection is unresolved."""
    conns_raw = top.get("connections")
    if not isinstance(conns_raw, list) or not conns_raw:
        raise r.fail(("connections",), "'connections' must be a non-empty list")
    unresolved = tuple(
        Unresolved(where(("connections", i), r.lines), _consumer_text(c), hidden.ref, "provider.vnet", hidden.gaps,
                   _declared_method(c), _consumer_id(r.estate, _consumer_text(c)))
        for i, c in enumerate(conns_raw)
    )  # fmt: skip
    domain = provider.get("app_domain")
    dns = provider.get("dns")
    private_only = dns.get("private_only") if isinstance(dns, dict) else None
    return UnresolvedIntent(
        r.file, unresolved, domain.strip().lower().rstrip(".") if isinstance(domain, str) else "",
        private_only if isinstance(private_only, bool) else None,
    )  # fmt: skip


def load_intent(path: str | Path, estate: Estate) -> Intent:
    """Read and validate an intent file; :class:`InputError` (file, line, field) when it is wrong."""
    data, lines = load_with_lines(path)
    if data is None:
        raise InputError(str(path), "", "empty intent file")
    return parse_intent(str(path), data, lines, estate)


def load_intent_partial(path: str | Path, estate: Estate) -> Intent | UnresolvedIntent:
    """As :func:`load_intent`, for read-only checks of an estate with gaps: a connection whose
    consumer VNet matches nothing where a gap may hide it is kept in ``Intent.unresolved`` instead
    of failing; a provider VNet hidden that way gives an :class:`UnresolvedIntent`. Every other
    error is the same :class:`InputError`."""
    data, lines = load_with_lines(path)
    if data is None:
        raise InputError(str(path), "", "empty intent file")
    return _parse(str(path), data, lines, estate, partial=True)


#: What the compliance rules may be given: a resolved intent, or one whose provider is unresolved.
AnyIntent = Intent | UnresolvedIntent
