"""Where a connection's DNS goes, and which option serves an ``auto`` connection.

Two halves, both used by :mod:`netplan.plan`:

* DNS placement: :func:`dns_home` is the VNet whose zone links answer a consumer (its own with
  Azure-provided DNS, the resolver's or forwarder's VNet with custom DNS, A1), so records go into
  the zone that VNet consults (the central zone, reused) and the VNet link goes there.
  :func:`shadow_problem` refuses a record that a more specific linked zone would hide, or a new zone
  that would take names away from a less specific one (D3). :func:`answer_conflict` refuses a record
  that would change the answer other VNets get from a shared zone (A2) and names the alternatives.
* ``auto``: :func:`plan_auto` weighs, for one expose-apps connection, the existing path (the
  consumer already reaches the apps through a hub: nothing to do, or repairs such as a peering
  sync), peering, a private endpoint of its own, and one shared endpoint in a hub VNet it is
  peered with. Each option is planned on top of the plan so far, with the routes and NSG security
  rules its app ports need (:mod:`netplan.ruleplan`, exactly as for a pinned method), run through
  the what-if (:mod:`netplan.whatif`), and kept only if the connection then verifies and no
  connection planned before it stops verifying. The first that verifies wins, in that order (no new
  exposure first, then the recommendation's method); the decision lists every option with what it
  changes, its exposure, its rough cost and its verdict. A route or rule in a resource group
  another party manages (``MC_*``, Mendix-managed) is an owner's change: an option that verifies
  only once it is made is ``needs-owner``, chosen only when no option verifies outright, and its
  owner's changes are problems of the plan that the what-if names. When none verifies the
  connection is ``none`` and a problem says why each failed and what would unblock one.

The promise: the plan never writes a record for a consumer into a zone the consumer does not
consult, never silently changes another VNet's answer, and ``auto`` never picks an option whose
what-if fails unless the only thing missing is an owner's change that the plan names.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from netplan import bodies as B
from netplan import kinds
from netplan.changeset import Change, ChangeSet, Decision, Problem
from netplan.dns.names import is_under
from netplan.dns.simulator import DnsSimulator
from netplan.dnspath import ExistingPath, PathKind, Repair, existing_path, resolution_path
from netplan.explain import option_line
from netplan.ids import name_of, parse_id, rid_key
from netplan.model import PeeringState, VNet
from netplan.recommend import NONE, Code, recommend
from netplan.ruleplan import FirewallNeed, Need, changes_for, plan_rules, with_firewall_opening
from netplan.verify import default_names
from netplan.vocab import Action, Method
from netplan.whatif import apply_in_memory, connection_result

if TYPE_CHECKING:
    from netplan.intent import Connection
    from netplan.plan import _Planner

EXISTING = "existing-path"
PEERING = "peering"
PRIVATE_LINK = "private-link"
SHARED = "shared-endpoint"

#: The verdict of an option that verifies only once another party makes its owner's changes.
NEEDS_OWNER = "needs-owner"

_EXPOSURE = {
    EXISTING: "no new exposure: the path that already carries the traffic",
    PEERING: "the whole provider VNet, to the whole consumer VNet",
    PRIVATE_LINK: "one private endpoint in the consumer VNet (the apps' load balancer only)",
    SHARED: "one private endpoint in the hub, reachable from every VNet peered with it",
}


def _sim(pl: _Planner) -> DnsSimulator:

    sim = getattr(pl, "_dns_sim", None)
    if sim is None:
        sim = DnsSimulator(pl.estate)
        pl._dns_sim = sim  # type: ignore[attr-defined]
    return sim


# ---------------------------------------------------------------------------------------------
# DNS placement


def dns_home(pl: _Planner, consumer: VNet, group: str) -> VNet | None:
    """The VNet whose zone links answer ``consumer`` (a problem, and None, when there is none)."""
    rp = resolution_path(pl.estate, consumer, _sim(pl))
    if rp.kind is PathKind.UNREACHABLE:
        pl.problem("dns-server-unreachable", f"{consumer.name} resolves nothing: {'; '.join(rp.reasons)}; no record "
                   f"anywhere makes its app names resolve until it reaches {rp.server} on port 53 (peer it with the "
                   "server's VNet or route to it), or it uses Azure-provided DNS", group)  # fmt: skip
        return None
    if rp.kind is PathKind.UNKNOWN or rp.resolver_vnet_id is None:
        pl.problem("dns-path-unknown", f"{consumer.name}: {'; '.join(rp.reasons)}; the plan cannot tell which zone "
                   f"answers it (declare {rp.server} under dns_forwarders if it forwards to Azure DNS in a VNet)",
                   group)  # fmt: skip
        return None
    return pl.estate.vnet(rp.resolver_vnet_id)


def consulting_vnets(pl: _Planner, zone_id: str) -> list[VNet]:
    """The VNets whose queries a zone answers: linked ones (as planned) and those that resolve
    through a DNS server in a linked VNet."""
    zk = rid_key(zone_id)
    linked = {rid_key(link.vnet_id) for link in pl.estate.links_of_zone(zone_id)}
    linked |= {vk for k, vk in pl.planned_links if k == zk}
    out = [v for v in pl.estate.vnets if v.key in linked]
    sim = _sim(pl)
    for v in pl.estate.vnets:
        if v.key in linked or not v.dns_servers:
            continue
        target, _how = sim.server_target(v, str(v.dns_servers[0]))
        if target is not None and target.key in linked:
            out.append(v)
    return out


def _current(pl: _Planner, zone_id: str, rname: str) -> tuple[str, tuple[str, ...]] | None:
    """What the zone answers now for record ``rname`` (explicit A record, else the wildcard)."""
    recs = [r for r in pl.estate.records_of_zone(zone_id) if r.rtype == "A"]
    own = next((r for r in recs if r.name.lower() == rname.lower()), None)
    if own is not None:
        return own.name, own.values
    if rname not in ("*", "@") and "." not in rname and not any(r.name.lower().endswith("." + rname.lower()) for r in recs):
        wild = next((r for r in recs if r.name == "*"), None)
        if wild is not None:
            return "*", wild.values
    return None


def answer_conflict(pl: _Planner, zone_id: str, names: Sequence[str], ips: Sequence[str], ph: str | None,
                    consumer: VNet, where: VNet, group: str) -> bool:  # fmt: skip
    """A2: would writing ``names`` -> ``ips`` (or endpoint ``ph``) change what other VNets get from
    the zone? Then a problem naming them and the alternatives, and True."""
    if pl.estate.zone(zone_id) is None:
        return False
    want = set(ips) if not ph else {f"endpoint {name_of(ph)}"}
    others: list[VNet] | None = None
    for n in names:
        cur = _current(pl, zone_id, n)
        if cur is None or set(cur[1]) == want:
            continue
        if others is None:
            others = [v for v in consulting_vnets(pl, zone_id) if v.key != consumer.key]
        if not others:
            continue
        shown = ", ".join(sorted(v.name for v in others)[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        pl.problem("zone-answer-conflict",
                   f"{consumer.name} resolves through {where.name} with zone {name_of(zone_id)} ({zone_id}), whose "
                   f"record {cur[0]} answers {', '.join(cur[1])} for {shown}; {consumer.name} needs "
                   f"{', '.join(sorted(want))}. One zone answers a name the same way for every VNet that consults "
                   "it (A2): reach the same target as they do (the existing path, or peering to the load "
                   "balancer frontend), or one shared endpoint in the hub that all of them use, or give "
                   f"{consumer.name} a resolution path of its own (Azure-provided DNS with its own zone copy)",
                   group)  # fmt: skip
        return True
    return False


def shadow_problem(pl: _Planner, where: VNet, zone_id: str, names: Sequence[str], group: str) -> bool:
    """D3: a more specific zone linked to ``where`` hides the record; a new zone would take names
    away from a less specific one ``where`` already sees. A problem and True when so."""
    zname = name_of(zone_id).lower()
    domain_names = [zname if n == "@" else f"{n}.{zname}" for n in names]
    for link in pl.estate.links_of_vnet(where.id):
        z = pl.estate.zone(link.zone_id)
        if z is None or z.name == zname:
            continue
        if is_under(z.name, zname):
            hidden = [d for d in domain_names if not d.startswith("*.") and is_under(d, z.name)]
            if hidden or any(d.startswith("*.") for d in domain_names):
                what = ", ".join(hidden) if hidden else f"every name under {z.name}"
                pl.problem("zone-shadowed", f"{where.name} is linked to zone {z.name} ({z.id}), more specific than "
                           f"{zname}: it answers {what} (D3: the most specific linked zone answers, authoritatively), "
                           f"so a record in {zname} is never consulted for them; add the record there instead",
                           group)  # fmt: skip
                return True
        elif is_under(zname, z.name) and pl.estate.zone(zone_id) is None and rid_key(zone_id) not in pl.planned_zones:
            taken = [r.name for r in pl.estate.records_of_zone(z.id)
                     if r.name == "*" or is_under(f"{r.name}.{z.name}", zname)]  # fmt: skip
            if taken:
                pl.problem("zone-would-shadow", f"a new zone {zname} linked to {where.name} would take over every name "
                           f"under it from zone {z.name} ({z.id}), which answers {where.name} now (records "
                           f"{', '.join(sorted(taken))}); D3: the most specific zone answers and is authoritative. "
                           f"Write the app records into {z.name} instead", group)  # fmt: skip
                return True
    return False


# ---------------------------------------------------------------------------------------------
# Repairs


def apply_repair(pl: _Planner, repair: Repair, group: str) -> None:
    """The change for one :class:`Repair` (a peering link PUT with syncRemoteAddressSpace=true)."""

    vnet = pl.estate.vnet(repair.vnet_id)
    link = pl.estate.peering(repair.vnet_id, repair.remote_vnet_id)
    if vnet is None or link is None:
        return
    raw = pl._peering_raw(vnet, link.id)
    before = B.update_body(raw, keep_top=()) if raw else None
    # The link exactly as it is (flags, subnet peering): only the sync is asked for.
    body = copy.deepcopy(before) if before else B.peering_body(
        link.remote_vnet_id, allow_virtual_network_access=link.allow_virtual_network_access,
        allow_forwarded_traffic=link.allow_forwarded_traffic, allow_gateway_transit=link.allow_gateway_transit,
        use_remote_gateways=link.use_remote_gateways)  # fmt: skip
    pl.add(Change(Action.UPDATE, link.id, kinds.PEERING.type, kinds.PEERING.api_version, body,
                  f"repair on the existing path: {repair.message}", group=group, before=before,
                  query={"syncRemoteAddressSpace": "true"}))  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Options for an auto connection


@dataclass(frozen=True)
class Option:
    """One way to serve a connection, as planned and checked by the what-if."""

    name: str
    #: "PASS", "FAIL", "UNKNOWN", or "not planned" (the option cannot be planned here).
    verdict: str
    reasons: tuple[str, ...]
    changes: tuple[str, ...] = ()
    cost: Any = None
    verify_as: str = ""
    #: The problems that kept the option from being planned.
    problems: tuple[Any, ...] = ()
    #: The routes and rules it needs that another party must make (their problems are in the plan).
    owner_changes: tuple[str, ...] = ()

    @property
    def verifies(self) -> bool:
        return self.verdict == "PASS"

    @property
    def verifies_once_owner_acts(self) -> bool:
        return self.verdict == NEEDS_OWNER

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "option": self.name, "verifies": self.verifies, "verdict": self.verdict,
            "exposure": _EXPOSURE.get(self.name, ""), "changes": list(self.changes),
            "cost": ({"monthly": self.cost.monthly, "currency": self.cost.currency,
                      "traffic_gb_per_month": self.cost.traffic_gb,
                      "items": [{"label": i.label, "amount": i.amount} for i in self.cost.items]}
                     if self.cost is not None else None),
            "reasons": list(self.reasons)}  # fmt: skip
        if self.owner_changes:
            out["owner_changes"] = list(self.owner_changes)
        return out

    def line(self) -> str:
        return option_line(self.to_dict())


def _snapshot(pl: _Planner) -> tuple[Any, ...]:
    return (dict(pl.changes), len(pl.problems), len(pl.warnings), dict(pl.zone_targets), dict(pl.planned_zones),
            set(pl.planned_links), list(pl.planned_peers))  # fmt: skip


def _restore(pl: _Planner, snap: tuple[Any, ...]) -> None:
    changes, np, nw, zt, pz, plinks, peers = snap
    pl.changes = dict(changes)
    del pl.problems[np:]
    del pl.warnings[nw:]
    pl.zone_targets = dict(zt)
    pl.planned_zones = dict(pz)
    pl.planned_links = set(plinks)
    pl.planned_peers = list(peers)


def _targets(pl: _Planner, consumer: VNet) -> list[str]:
    """Addresses that serve the apps for ``consumer``: the LB frontend, then endpoints to its
    Private Link Service in the consumer or a VNet directly peered with it (verify's rule)."""
    out = [str(pl.intent.provider.frontend_ip)] if pl.intent.provider.frontend_ip is not None else []
    spec = pl.intent.provider.pls
    if spec is None:
        return out
    tk = rid_key(spec.id)
    for pe in pl.estate.private_endpoints:
        if not any(rid_key(c.target_id) == tk for c in pe.connections):
            continue
        v = pl.estate.vnet_of_subnet(pe.subnet_id)
        if v is not None and (v.key == consumer.key or _peered(pl, consumer, v)):
            out.extend(str(ip) for ip in pl.estate.endpoint_ips(pe))
    return out


def _peered(pl: _Planner, a: VNet, b: VNet) -> bool:
    ab, ba = pl.estate.peering(a.id, b.id), pl.estate.peering(b.id, a.id)
    return all(p is not None and p.state is PeeringState.CONNECTED for p in (ab, ba))


def _direct(pl: _Planner, consumer: VNet, ep: ExistingPath) -> bool:
    """The existing path is the consumer's own: a direct peering with the provider, or an
    endpoint in the consumer VNet (no hub in between)."""
    vnets = [rid_key(p) for p in ep.route if pl.estate.vnet(p) is not None]
    return vnets in ([consumer.key], [consumer.key, pl.provider.key if pl.provider else ""])


def _hub_for(pl: _Planner, consumer: VNet) -> tuple[VNet | None, Any, str]:
    """Where a shared endpoint goes: the VNet the consumer resolves through if it is peered with
    it, else a peered VNet holding private endpoints; with the subnet for it. (hub, subnet, why not)."""
    assert pl.provider is not None
    rp = resolution_path(pl.estate, consumer, _sim(pl))
    peered = [v for v in (pl.estate.vnet(p.remote_vnet_id) for p in consumer.peerings)
              if v is not None and v.key not in (pl.provider.key, consumer.key) and _peered(pl, consumer, v)]  # fmt: skip
    if not peered:
        return None, None, f"{consumer.name} is peered with no VNet (other than the provider) that could hold a shared endpoint"
    pe_subnets: dict[str, Any] = {}
    for pe in pl.estate.private_endpoints:
        s = pl.estate.subnet(pe.subnet_id)
        if s is not None:
            pe_subnets.setdefault(rid_key(s.vnet_id), s)
    home = next((v for v in peered if rp.resolver_vnet_id and v.key == rid_key(rp.resolver_vnet_id)), None)
    for v in ([home] if home else []) + [v for v in peered if v is not home]:
        if v.key in pe_subnets:
            return v, pe_subnets[v.key], ""
    hub = home or peered[0]
    return hub, None, (f"{hub.name} has no subnet that holds private endpoints for a shared endpoint "
                       "(create one, or pin the connection to a method)")  # fmt: skip


def _build(pl: _Planner, name: str, conn: Connection, consumer: VNet, ep: ExistingPath) -> str:
    """Plan option ``name`` into ``pl``; returns the method verification expects ("" when it
    cannot be planned: the reason is a problem added to ``pl``)."""
    group = consumer.name
    assert pl.provider is not None
    if name == EXISTING:
        for r in ep.repairs:
            apply_repair(pl, r, group)
        fe = str(pl.intent.provider.frontend_ip) if pl.intent.provider.frontend_ip is not None else ""
        verify_as = PEERING if ep.target == fe else PRIVATE_LINK
        if ep.target:
            pl.app_dns(consumer, conn, (ep.target,), None, (), verify_as, group)
        return verify_as
    if name == PEERING:
        if pl.estate.peering(pl.provider.id, consumer.id) is None:
            rec = recommend(pl.estate, consumer, pl.provider, conn.use_case.value, whole_network=conn.whole_network,
                            services=conn.services, gateway_transit=conn.use_remote_gateways)  # fmt: skip
            # As if peering were asked for: a P3/P8 blocker becomes a problem, not a fallback.
            m, _why = pl._third_vnet_rule(replace(conn, method=Method.PEERING), consumer, rec, ())
            if m != PEERING:
                return ""
        pl.realise(conn, consumer, PEERING)
        return PEERING
    if name == PRIVATE_LINK:
        pl.realise(conn, consumer, PRIVATE_LINK)
        return PRIVATE_LINK
    if name == SHARED:
        spec = pl.intent.provider.pls
        if spec is None:
            pl.problem("no-private-link-service", "a shared endpoint needs provider.private_link_service", group)
            return ""
        hub, subnet, why = _hub_for(pl, consumer)
        if hub is None or subnet is None:
            pl.problem("shared-endpoint-impossible", why, group)
            return ""
        pls_deps = pl.ensure_pls([parse_id(hub.id).subscription], group)
        pe_deps, ip, ph = pl.ensure_endpoint(hub, subnet.id, spec.id, None, group, pls_deps, conn.where)
        if ip is None and ph is None:
            return ""
        pl.app_dns(consumer, conn, (ip,) if ip else (), ph, pe_deps, PRIVATE_LINK, group)
        return PRIVATE_LINK
    raise ValueError(name)


def plan_traffic(pl: _Planner, conn: Connection, consumer: VNet, verify_as: str, *,
                 trial: bool = False) -> tuple[list[Need], list[tuple[str, str, str]]]:  # fmt: skip
    """The routes and NSG security rules ``conn`` needs, served as ``verify_as``, on the estate
    after the plan so far (:func:`netplan.ruleplan.plan_rules`, as for a pinned method). Those
    vnetplan may make are added to ``pl``; returns (the owner's changes, the problems), which the
    caller records. The priorities given are remembered in ``pl.rule_priorities`` (not for a
    ``trial``), so that two owner's changes in one NSG never get the same one."""
    cs = ChangeSet(pl.plan_id, pl.intent.file, "", (), pl.ordered(), tuple(pl.decisions))
    after, _ph = apply_in_memory(pl.estate, cs)
    method = Method.PRIVATE_LINK if verify_as == PRIVATE_LINK else Method.PEERING
    one = replace(pl.intent, connections=(replace(conn, method=method),))
    taken = pl.rule_priorities
    needs, problems = plan_rules(pl.estate, after, one, {k: set(v) for k, v in taken.items()} if trial else taken)
    for change in changes_for(needs, pl.tags):
        pl.add(change)
    return [n for n in needs if n.owner], list(dict.fromkeys(problems))


def record_traffic(pl: _Planner, owner: Sequence[Need], problems: Sequence[tuple[str, str, str]]) -> None:
    """The owner's changes and the traffic-rule problems of the option the plan keeps, as problems
    (the what-if names the owner's changes as the condition for the connection to verify)."""
    for n in owner:
        pl.problem("owner-change", n.owner_message(), n.group)
    for code, message, group in problems:
        pl.problem(code, message, group)


def _evaluate(pl: _Planner, consumer: VNet, conn: Connection, verify_as: str,
              earlier: dict[str, str], owner: Sequence[Need] = ()) -> tuple[str, tuple[str, ...]]:  # fmt: skip
    """The what-if verdict of the plan so far for this connection; FAIL when it stops one planned
    before it from verifying. With ``owner`` (changes another party must make), a connection that
    fails without them but verifies with them is :data:`NEEDS_OWNER`."""
    result, reasons = _verdict(pl, consumer, conn, verify_as, earlier, ())
    if result == "PASS" or not owner:
        return result, reasons
    made = [replace(n, owner="") for n in owner if not isinstance(n, FirewallNeed)]
    opened = [n for n in owner if isinstance(n, FirewallNeed)]
    with_owner, _r = _verdict(pl, consumer, conn, verify_as, earlier, changes_for(made, pl.tags), opened)
    if with_owner != "PASS":
        return result, reasons
    return NEEDS_OWNER, (f"verifies only once the owner makes {len(owner)} change{'s' if len(owner) != 1 else ''}: "
                         + "; ".join(n.owner_message() for n in owner), *reasons)  # fmt: skip


def _verdict(pl: _Planner, consumer: VNet, conn: Connection, verify_as: str, earlier: dict[str, str],
             extra: Sequence[Change], opened: Sequence[FirewallNeed] = ()) -> tuple[str, tuple[str, ...]]:  # fmt: skip
    cs = ChangeSet(pl.plan_id, pl.intent.file, "", (), (*pl.ordered(), *extra), tuple(pl.decisions))
    after, _ph = apply_in_memory(pl.estate, cs)
    for n in opened:  # the firewall's owner has allowed these flows
        after = with_firewall_opening(after, n)
    result, reasons = connection_result(after, pl.intent, consumer.id, verify_as, conn.apps)
    if result == "PASS":
        for d in pl.decisions:
            if earlier.get(rid_key(d.consumer_id)) != "PASS":
                continue
            other = next((c for c in pl.intent.connections if rid_key(c.consumer_vnet_id) == rid_key(d.consumer_id)), None)
            if other is None:
                continue
            r2, _ = connection_result(after, pl.intent, d.consumer_id, d.verify_method, other.apps)
            if r2 != "PASS":
                return "FAIL", (f"it would stop {name_of(d.consumer_id)} (planned before it) from verifying",)
    return result, reasons


def _earlier_results(pl: _Planner) -> dict[str, str]:

    if not pl.decisions:
        return {}
    after, _ph = apply_in_memory(pl.estate, ChangeSet(pl.plan_id, pl.intent.file, "", (), pl.ordered()))
    out = {}
    for d in pl.decisions:
        other = next((c for c in pl.intent.connections if rid_key(c.consumer_vnet_id) == rid_key(d.consumer_id)), None)
        if other is not None and d.method != "none":
            out[rid_key(d.consumer_id)] = connection_result(after, pl.intent, d.consumer_id, d.verify_method, other.apps)[0]
    return out


@dataclass(frozen=True)
class Comparison:
    """Every way to serve one expose-apps connection, weighed on top of the plan so far."""

    #: The options in the order they were tried (existing path, the rules' method, the other
    #: method, a shared endpoint), each planned and checked by the what-if.
    options: tuple[Option, ...]
    #: The first option whose what-if verifies, or None.
    chosen: Option | None
    #: The method the rules prefer (:func:`netplan.recommend.recommend`) and their reasons.
    rule_method: str
    rule_reasons: tuple[Mapping[str, str], ...]
    recommendation: Any
    existing: ExistingPath


def compare_options(pl: _Planner, conn: Connection, consumer: VNet) -> Comparison:
    """Weigh every option for ``conn`` (module docstring); ``pl`` is left as it was."""
    assert pl.provider is not None
    np0 = len(pl.problems)
    method, rec_reasons, rec = pl.choose(replace(conn, method=Method.AUTO), consumer)
    del pl.problems[np0:]  # the rules' choice is only one input; what blocks it is in `rec`
    domain = pl.intent.provider.app_domain
    names = default_names(pl.estate, domain, () if conn.wildcard else conn.apps)
    ep = existing_path(pl.estate, consumer, names, _targets(pl, consumer), _sim(pl))
    order: list[str] = []
    if ep.reachable:
        order.append(EXISTING)
    for m in [method, *(a.method for a in rec.alternatives if a.possible)]:
        if m != NONE and m not in order:
            order.append(m)
    if any(a.method == PRIVATE_LINK and a.possible for a in rec.alternatives):
        order.append(SHARED)
    costs = {a.method: a.cost for a in rec.alternatives}
    earlier = _earlier_results(pl)
    options: list[Option] = []
    for name in order:
        snap = _snapshot(pl)
        before = set(pl.changes)
        verify_as = _build(pl, name, conn, consumer, ep)
        problems = pl.problems[snap[1]:]
        owner: list[Need] = []
        if problems or not verify_as:
            verdict, why = "not planned", tuple(f"[{p.code}] {p.message}" for p in problems)
        else:
            owner, traffic_problems = plan_traffic(pl, conn, consumer, verify_as, trial=True)
            verdict, why = _evaluate(pl, consumer, conn, verify_as, earlier, owner)
            if verdict != "PASS":
                why = (*why, *(f"[{code}] {message}" for code, message, _g in traffic_problems))
        changed = tuple(f"{c.action.value} {c.type.rsplit('/', 1)[-1]} {name_of(c.id)}"
                        for k, c in pl.changes.items() if k not in before or c is not snap[0].get(k))  # fmt: skip
        cost = None if name == EXISTING else costs.get(PRIVATE_LINK if name == SHARED else name)
        options.append(Option(name, verdict, why, changed, cost, verify_as, tuple(problems),
                              tuple(n.az_command() for n in owner)))  # fmt: skip
        _restore(pl, snap)
    chosen = next((o for o in options if o.verifies), None) or next((o for o in options if o.verifies_once_owner_acts), None)
    return Comparison(tuple(options), chosen, method, rec_reasons, rec, ep)


def decision_of(pl: _Planner, conn: Connection, consumer: VNet, cmp: Comparison) -> tuple[Decision, list[Problem]]:
    """The decision for ``conn`` from its comparison, with every reason; and, when no option
    verifies, the problems that say why (what blocks the rules' method, and what would unblock it)."""
    chosen, ep, rec = cmp.chosen, cmp.existing, cmp.recommendation
    reasons: list[dict[str, str]] = []
    problems: list[Problem] = []
    path = ""
    if chosen is not None:
        if chosen.name == EXISTING:
            path = ep.describe()
            what = ("needs nothing" if not chosen.changes else
                    f"needs only {len(chosen.changes)} repair{'s' if len(chosen.changes) != 1 else ''}")  # fmt: skip
            reasons.append({"code": "existing-path", "message": f"already served by the existing path ({path}); "
                            f"the connection {what}"})  # fmt: skip
            reasons += [{"code": "repair", "message": r.message} for r in ep.repairs]
            if not chosen.verifies:
                n = len(chosen.owner_changes)
                reasons.append({"code": NEEDS_OWNER, "message": f"it verifies only once the owner makes {n} change"
                                f"{'s' if n != 1 else ''} ({'; '.join(chosen.owner_changes)})"})  # fmt: skip
        else:
            if chosen.name == cmp.rule_method:
                reasons += [dict(r) for r in cmp.rule_reasons if r.get("code") != str(Code.CUSTOM_DNS)]
            skipped = [o for o in cmp.options if o is not chosen and cmp.options.index(o) < cmp.options.index(chosen)]
            tried = (f" ({', '.join(o.name for o in skipped)} tried first: "
                     + "; ".join(f"{o.name} {o.verdict}" for o in skipped) + ")" if skipped else "")  # fmt: skip
            if chosen.verifies:
                reasons.append({"code": "verifies", "message": f"{chosen.name} is the first option whose what-if verifies{tried}"})
            else:
                reasons.append({"code": NEEDS_OWNER, "message": f"no option verifies on vnetplan's changes alone; {chosen.name} "
                                f"verifies once the owner makes {len(chosen.owner_changes)} change"
                                f"{'s' if len(chosen.owner_changes) != 1 else ''} ({'; '.join(chosen.owner_changes)}){tried}"})  # fmt: skip
        m_out, verify_as = chosen.name, chosen.verify_as
        if chosen.name == EXISTING and _direct(pl, consumer, ep):
            # Served by its own peering with the provider or its own endpoint: that method, in place.
            m_out = verify_as
    else:
        m_out, verify_as = NONE, ""
        # What blocks the rules' option, as problems of their own (codes a pipeline can match).
        first = next((o for o in cmp.options if o.name == cmp.rule_method), None) or (cmp.options[0] if cmp.options else None)
        if first is not None:
            problems += list(first.problems)
        lines = "; ".join(o.line() for o in cmp.options) or "no option can be planned"
        unblock = "; ".join(str(u.get("message", "")) for u in rec.unblock)
        problems.append(Problem("no-verifying-option", f"{consumer.name}: no option verifies, so auto picks none: {lines}"
                                + (f". What would unblock it: {unblock}" if unblock else ""), consumer.name))  # fmt: skip
        reasons.append({"code": "no-verifying-option", "message": "no option's what-if verifies"
                        + (f"; what would unblock it: {unblock}" if unblock else "")})  # fmt: skip
    rp = ep.resolution
    reasons.append({"code": "resolution-path", "message": f"{consumer.name} resolves with {rp.summary()}: "
                    + "; ".join(rp.reasons)})  # fmt: skip
    reasons += [{"code": "option", "message": o.line()} for o in cmp.options]
    opts = tuple({**o.to_dict(), "chosen": o is chosen} for o in cmp.options)
    decision = Decision(consumer.id, conn.use_case.value, conn.method.value, m_out, tuple(reasons),
                        verify_as if verify_as != m_out else "", path, opts)  # fmt: skip
    return decision, problems


def plan_auto(pl: _Planner, conn: Connection, consumer: VNet) -> None:
    """Plan an ``auto`` expose-apps connection: the first option that verifies (module docstring)."""
    cmp = compare_options(pl, conn, consumer)
    if cmp.chosen is not None:
        verify_as = _build(pl, cmp.chosen.name, conn, consumer, cmp.existing)
        owner, traffic_problems = plan_traffic(pl, conn, consumer, verify_as)
        record_traffic(pl, owner, traffic_problems)
    decision, problems = decision_of(pl, conn, consumer, cmp)
    pl.problems += problems
    pl.decisions.append(decision)
