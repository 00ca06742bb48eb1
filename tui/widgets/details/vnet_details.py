"""The selected VNet in full: address space, subnets, peerings, load balancers, endpoints, zones,
and its traffic: what its workload subnets can open to the app addresses, per port, hop by hop.

Everything shown is read from the Estate's indexes for one VNet (no estate-wide work), so
moving the cursor through a 10,000-VNet tree stays instant. Peering rows show both the link's
own facts (state, sync level, flags) and, when the remote VNet is not in the snapshot, say so,
because the other half of the peering (P1) cannot be checked then.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from netplan.estate import Estate
from netplan.flow import VnetTraffic
from netplan.ids import name_of
from netplan.model import Frontend, LoadBalancer, PeeringState, PrivateEndpoint, SyncLevel, VNet
from tui.widgets.sidebar.estate_tree import badge_text

STATE_STYLE = {
    PeeringState.CONNECTED: "green",
    PeeringState.INITIATED: "dark_orange",
    PeeringState.DISCONNECTED: "red",
}


def _table(title: str, *columns: str) -> Table:
    t = Table(
        title=title, title_justify="left", title_style="bold", expand=True, show_edge=False, pad_edge=False
    )
    for c in columns:
        # Cut with an ellipsis, never wrapped: a prefix broken over two lines reads as two prefixes.
        t.add_column(c, overflow="ellipsis", no_wrap=True)
    return t


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


@dataclass(frozen=True)
class Attached:
    """Internal LB frontends and private endpoints per VNet key, built in one pass."""

    frontends: dict[str, list[tuple[LoadBalancer, Frontend]]]
    endpoints: dict[str, list[PrivateEndpoint]]


def attached_index(estate: Estate) -> Attached:
    """Per-VNet attachments, so a cursor move costs one dict lookup, not a scan of the estate."""
    fes: dict[str, list[tuple[LoadBalancer, Frontend]]] = {}
    pes: dict[str, list[PrivateEndpoint]] = {}
    for lb in estate.load_balancers:
        for fe in lb.frontends:
            v = estate.vnet_of_subnet(fe.subnet_id) if fe.is_internal else None
            if v is not None:
                fes.setdefault(v.key, []).append((lb, fe))
    for pe in estate.private_endpoints:
        v = estate.vnet_of_subnet(pe.subnet_id)
        if v is not None:
            pes.setdefault(v.key, []).append(pe)
    return Attached(fes, pes)


def render_vnet(estate: Estate, v: VNet, badges: frozenset[str], attached: Attached) -> RenderableType:
    """The details of one VNet as Rich renderables (also used by the snapshot tests)."""
    head = Text(v.name, style="bold")
    head.append_text(badge_text(badges))
    facts = Text()
    facts.append(f"{v.resource_group} · {v.location} · {v.subscription}\n", style="dim")
    facts.append("Address space: ", style="bold")
    facts.append(", ".join(str(p) for p in v.address_prefixes) or "(none)")
    facts.append("\nDNS: ", style="bold")
    if v.dns_servers:
        facts.append(
            f"custom servers {', '.join(str(ip) for ip in v.dns_servers)} (linked zones not consulted, D2)"
        )
    else:
        facts.append("Azure-provided (168.63.129.16)")
    parts: list[RenderableType] = [head, facts]

    subnets = _table(f"Subnets ({len(v.subnets)})", "name", "prefixes", "NSG", "route table")
    for s in v.subnets:
        subnets.add_row(s.name, ", ".join(str(p) for p in s.prefixes),
                        name_of(s.nsg_id) if s.nsg_id else "", name_of(s.route_table_id) if s.route_table_id else "")  # fmt: skip
    parts.append(subnets)

    peerings = _table(
        f"Peerings ({len(v.peerings)})", "to", "state", "sync", "access", "fwd", "gw transit", "remote gw"
    )
    for p in v.peerings:
        remote = estate.vnet(p.remote_vnet_id)
        to = Text(remote.name if remote else name_of(p.remote_vnet_id))
        if remote is None:
            to.append(" (not in snapshot)", style="italic dim")
        elif estate.peering(remote.id, v.id) is None:
            to.append(" (no link back)", style="italic dark_orange")
        sync = str(p.sync_level) if p.sync_level else "unknown"
        sync_style = "" if p.sync_level in (None, SyncLevel.FULLY_IN_SYNC) else "bold red"
        peerings.add_row(
            to, Text(str(p.state), style=STATE_STYLE.get(p.state, "")), Text(sync, style=sync_style),
            Text(_yes(p.allow_virtual_network_access), style="" if p.allow_virtual_network_access else "bold red"),
            _yes(p.allow_forwarded_traffic), _yes(p.allow_gateway_transit), _yes(p.use_remote_gateways),
        )  # fmt: skip
    parts.append(peerings)

    lbs = _table("Load balancers", "name", "sku", "frontend", "IP", "subnet")
    for lb, fe in attached.frontends.get(v.key, ()):
        lbs.add_row(lb.name, lb.sku, fe.name, str(fe.private_ip or "dynamic"), name_of(fe.subnet_id or ""))
    if lbs.row_count:
        parts.append(lbs)

    pes = _table("Private endpoints", "name", "IP", "target", "status")
    for pe in attached.endpoints.get(v.key, ()):
        ips = ", ".join(str(ip) for ip in estate.endpoint_ips(pe)) or "unknown"
        for c in pe.connections:
            pes.add_row(pe.name, ips, name_of(c.target_id), str(c.status))
    if pes.row_count:
        parts.append(pes)

    zones = _table("Linked Private DNS zones", "zone", "registration", "resolution policy")
    for link in estate.links_of_vnet(v.id):
        zone = estate.zone(link.zone_id)
        zones.add_row(
            zone.name if zone else name_of(link.zone_id),
            _yes(link.registration_enabled),
            str(link.resolution_policy),
        )
    parts.append(zones if zones.row_count else Text("No Private DNS zone linked.", style="dim"))

    gaps = estate.gaps_for(v.id)
    if gaps:
        parts.append(
            Text(
                "Snapshot gaps: " + "; ".join(f"{g.kind} in {g.scope}: {g.reason}" for g in gaps),
                style="yellow",
            )
        )
    return Group(*(x for p in parts for x in (p, Text(""))))


_VERDICT = {True: ("reachable", "green"), False: ("blocked", "bold red"), None: ("unknown", "yellow")}


def render_traffic(estate: Estate, traffic: VnetTraffic) -> RenderableType:
    """The flows of :func:`netplan.flow.vnet_traffic`: per workload subnet, address and port, the
    verdict with the route hops it took or what blocked it (route, NSG rule, peering)."""
    if not traffic.flows:
        return Text(f"Traffic: {traffic.note}.", style="dim")
    t = _table(f"Traffic ({traffic.note})", "from", "to", "port", "verdict", "path / blocked by")
    for ip, port, verdict in traffic.flows:
        for part in verdict.parts or [verdict]:
            word, style = _VERDICT[part.reachable]
            b = part.blocked_by
            if b is not None:
                why = f"{b.kind} {name_of(b.resource) if b.resource else ''}"
                if b.rule:
                    why += f" rule '{b.rule}'" + (f" ({b.priority})" if b.priority is not None else "")
            elif part.reachable is None:
                why = next((r.message for r in reversed(part.reasons)), "")
            else:
                why = " → ".join(name_of(h.to) if h.to.startswith("/") else h.to for h in part.hops) or "direct"
                if any(str(r.code) == "via-firewall" for r in part.reasons):
                    why += " (if the firewall allows it)"
            t.add_row(name_of(part.source) if "/" in part.source else part.source, ip, f"{part.protocol.upper()} {port}",
                      Text(word, style=style), why)  # fmt: skip
    return t


class VnetDetails(VerticalScroll):
    """Shows :func:`render_vnet` for the VNet the app hands down (``show``), and below it the VNet's
    traffic (``show_traffic``), which the app computes in a worker."""

    def compose(self) -> ComposeResult:
        yield Static(
            Text("Pick a VNet in the tree (arrows, Enter, or type / to filter).", style="dim"),
            id="details-body",
        )
        yield Static("", id="details-traffic")

    _attached: tuple[Estate, Attached] | None = None
    #: (estate, VNet ID) whose traffic is shown or being computed.
    _traffic_for: tuple[Estate, str] | None = None

    def wants_traffic(self, vnet_id: str) -> bool:
        """True (and says it is computing) when the traffic of ``vnet_id`` on the current estate is
        not shown yet: the caller then starts the worker."""
        estate = self._attached[0] if self._attached is not None else None
        if estate is None or (self._traffic_for is not None and self._traffic_for[0] is estate
                              and self._traffic_for[1] == vnet_id):  # fmt: skip
            return False
        self._traffic_for = (estate, vnet_id)
        self.query_one("#details-traffic", Static).update(Text("Traffic: computing the flows…", style="dim"))
        return True

    def show_traffic(self, estate: Estate, traffic: VnetTraffic) -> None:
        if self._traffic_for is None or self._traffic_for[1] != traffic.vnet_id:
            return  # the selection moved on
        self.query_one("#details-traffic", Static).update(render_traffic(estate, traffic))

    def show(self, estate: Estate, v: VNet, badges: frozenset[str]) -> None:
        if self._attached is None or self._attached[0] is not estate:
            # Built on the first selection, once per estate (estates are immutable).
            self._attached = (estate, attached_index(estate))
        self.query_one("#details-body", Static).update(render_vnet(estate, v, badges, self._attached[1]))
        self.scroll_home(animate=False)
