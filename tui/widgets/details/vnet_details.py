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
from textual.widgets import Input, Static

from netplan.estate import Estate
from netplan.ids import name_of
from netplan.model import Frontend, LoadBalancer, PeeringState, PrivateEndpoint, SyncLevel, VNet
from netplan.owners import WhoOwns, holder_label
from netplan.traffic import VnetTraffic
from tui.widgets.lazy import LazyStatic
from tui.widgets.sidebar.estate_tree import badge_text

STATE_STYLE = {
    PeeringState.CONNECTED: "green",
    PeeringState.INITIATED: "dark_orange",
    PeeringState.DISCONNECTED: "red",
}


#: Rows drawn per table; the title counts them all and says how to narrow (a hub can have 500
#: peerings, a busy subnet thousands of endpoints: drawing them all would stall every keypress).
DETAIL_ROWS = 200

Cell = str | Text


def _table(title: str, *columns: str) -> Table:
    t = Table(
        title=title, title_justify="left", title_style="bold", expand=True, show_edge=False, pad_edge=False
    )
    for c in columns:
        # Cut with an ellipsis, never wrapped: a prefix broken over two lines reads as two prefixes.
        t.add_column(c, overflow="ellipsis", no_wrap=True)
    return t


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def bounded_table(title: str, columns: tuple[str, ...], rows: list[tuple[Cell, ...]], needle: str = "",
                  limit: int = DETAIL_ROWS) -> Table:  # fmt: skip
    """A table of at most ``limit`` rows whose title says how many there are, how many match the
    filter ``needle`` (case-insensitive, any cell) and, when cut, how to see the rest."""
    total = len(rows)
    if needle:
        n = needle.lower()
        rows = [r for r in rows if any(n in _plain(c).lower() for c in r)]
    count = f"{len(rows)} of {total} match {needle!r}" if needle else str(total)
    t = _table(f"{title} ({count})", *columns)
    for r in rows[:limit]:
        t.add_row(*r)
    if len(rows) > limit:
        t.caption = f"showing {limit} of {len(rows)} — filter to narrow (i)"
        t.caption_justify = "left"
        t.caption_style = "italic dark_orange"
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


def render_owners(w: WhoOwns) -> RenderableType:
    """The "who owns" answer of the filter, at the full width of the pane."""
    what = str(w.query).removesuffix("/32").removesuffix("/128") if w.is_address else str(w.query)
    rows: list[tuple[Cell, ...]] = []
    for h in w.vnets:
        prefixes = ", ".join(str(p) for p in h.prefixes)
        subnets = ", ".join(f"{s.name} {', '.join(str(p) for p in s.prefixes)}" for s in h.subnets) or "(no subnet)"
        if not h.holders:
            rows.append((h.vnet.name, prefixes, subnets, "", ""))
        for o in h.holders:
            sn = name_of(o.subnet_id) if o.subnet_id else ""
            rows.append((h.vnet.name, prefixes, sn, holder_label(o), str(o.ip)))
    for n in w.onprem:
        rows.append((Text(f"on-prem {n.name}", style="italic"), ", ".join(str(p) for p in n.prefixes), "(declared)", "", ""))
    for o in w.elsewhere:
        rows.append((Text("(VNet not in snapshot)", style="italic dim"), "", name_of(o.subnet_id or ""),
                     holder_label(o), str(o.ip)))  # fmt: skip
    table = bounded_table(f"Who owns {what}", ("VNet", "address space", "subnet", "resource", "IP"), rows)
    # The address and the resource are the answer: they get their room before the others.
    for col, ratio, least in zip(table.columns, (3, 2, 2, 4, 0), (8, 8, 6, 12, 15), strict=True):
        col.ratio, col.min_width = (ratio or None), least
    out: list[RenderableType] = [table]
    if w.overlap:
        out.append(Text(f"Overlap: {what} is in {len(w.vnets) + len(w.onprem)} networks; traffic to it goes to "
                        "whichever one the sender routes to.", style="bold red"))  # fmt: skip
    if not rows:
        out.append(Text(f"No VNet in the snapshot holds {what}.", style="italic"))
    if w.incomplete:
        out.append(Text("The snapshot has gaps: an owner in what was not read is not listed.", style="yellow"))
    return Group(*out)


def render_vnet(estate: Estate, v: VNet, badges: frozenset[str], attached: Attached, needle: str = "",
                owners: WhoOwns | None = None) -> RenderableType:  # fmt: skip
    """The details of one VNet as Rich renderables (also used by the snapshot tests): each table
    bounded to :data:`DETAIL_ROWS` and narrowed by ``needle``; with ``owners`` (the filter asked
    "who owns" an address), that answer first."""
    head = Text(v.name, style="bold")
    head.append_text(badge_text(badges))
    facts = Text()
    sub_name = estate.subscription_name(v.subscription)
    facts.append(f"{v.resource_group} · {v.location} · "
                 f"{f'{sub_name} ({v.subscription})' if sub_name else v.subscription}\n", style="dim")  # fmt: skip
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
    if owners is not None:
        parts.insert(0, render_owners(owners))

    subnets: list[tuple[Cell, ...]] = [
        (s.name, ", ".join(str(p) for p in s.prefixes),
         name_of(s.nsg_id) if s.nsg_id else "", name_of(s.route_table_id) if s.route_table_id else "")
        for s in v.subnets
    ]  # fmt: skip
    parts.append(bounded_table("Subnets", ("name", "prefixes", "NSG", "route table"), subnets, needle))

    peerings: list[tuple[Cell, ...]] = []
    for p in v.peerings:
        remote = estate.vnet(p.remote_vnet_id)
        to = Text(remote.name if remote else name_of(p.remote_vnet_id))
        if remote is None:
            to.append(" (not in snapshot)", style="italic dim")
        elif estate.peering(remote.id, v.id) is None:
            to.append(" (no link back)", style="italic dark_orange")
        sync = str(p.sync_level) if p.sync_level else "unknown"
        sync_style = "" if p.sync_level in (None, SyncLevel.FULLY_IN_SYNC) else "bold red"
        peerings.append((
            to, Text(str(p.state), style=STATE_STYLE.get(p.state, "")), Text(sync, style=sync_style),
            Text(_yes(p.allow_virtual_network_access), style="" if p.allow_virtual_network_access else "bold red"),
            _yes(p.allow_forwarded_traffic), _yes(p.allow_gateway_transit), _yes(p.use_remote_gateways),
        ))  # fmt: skip
    parts.append(bounded_table(
        "Peerings", ("to", "state", "sync", "access", "fwd", "gw transit", "remote gw"), peerings, needle
    ))  # fmt: skip

    lbs: list[tuple[Cell, ...]] = [
        (lb.name, lb.sku, fe.name, str(fe.private_ip or "dynamic"), name_of(fe.subnet_id or ""))
        for lb, fe in attached.frontends.get(v.key, ())
    ]
    if lbs:
        parts.append(bounded_table("Load balancers", ("name", "sku", "frontend", "IP", "subnet"), lbs, needle))

    pes: list[tuple[Cell, ...]] = []
    for pe in attached.endpoints.get(v.key, ()):
        ips = ", ".join(str(ip) for ip in estate.endpoint_ips(pe)) or "unknown"
        for c in pe.connections:
            pes.append((pe.name, ips, name_of(c.target_id), str(c.status)))
    if pes:
        parts.append(bounded_table("Private endpoints", ("name", "IP", "target", "status"), pes, needle))

    zones: list[tuple[Cell, ...]] = []
    for link in estate.links_of_vnet(v.id):
        zone = estate.zone(link.zone_id)
        zones.append((zone.name if zone else name_of(link.zone_id), _yes(link.registration_enabled),
                      str(link.resolution_policy)))  # fmt: skip
    parts.append(
        bounded_table("Linked Private DNS zones", ("zone", "registration", "resolution policy"), zones, needle)
        if zones else Text("No Private DNS zone linked.", style="dim")
    )  # fmt: skip

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
    """The flows of :func:`netplan.traffic.vnet_traffic`: per workload subnet, address and port, the
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
                elif any(str(r.code) == "firewall-allows" for r in part.reasons):
                    why += " (the firewall's declared rules allow it)"
            t.add_row(name_of(part.source) if "/" in part.source else part.source, ip, f"{part.protocol.upper()} {port}",
                      Text(word, style=style), why)  # fmt: skip
    return t


class VnetDetails(VerticalScroll):
    """Shows :func:`render_vnet` for the VNet the app hands down (``show``); ``i`` opens a filter
    over its tables (hidden until asked, so it takes no line of a small terminal). Below it, the
    VNet's traffic (``show_traffic``), which the app computes in a worker."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter these tables: name, prefix, state… (Escape: back)", id="details-filter")
        # Drawn as they scroll into view: a hub's tables hold hundreds of rows (tui/widgets/lazy.py).
        yield LazyStatic(
            Text("Pick a VNet in the tree (arrows, Enter, or type / to filter).", style="dim"),
            id="details-body",
        )
        yield LazyStatic("", id="details-traffic")

    _attached: tuple[Estate, Attached] | None = None
    _shown: tuple[Estate, VNet, frozenset[str], WhoOwns | None] | None = None
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

    def on_mount(self) -> None:
        self.query_one("#details-filter", Input).display = False

    def use_attached(self, estate: Estate, attached: Attached) -> None:
        """The estate's attachments index, built off the UI thread (the analyses' worker): the
        first selection then does not build it (30-70 ms on the 10k estate)."""
        if self._attached is None or self._attached[0] is not estate:
            self._attached = (estate, attached)

    def show(self, estate: Estate, v: VNet, badges: frozenset[str], owners: WhoOwns | None = None) -> None:
        if self._attached is None or self._attached[0] is not estate:
            # Built on the first selection, once per estate (estates are immutable).
            self._attached = (estate, attached_index(estate))
        shown = self._shown
        if shown is not None and shown[0] is estate and shown[1] is v and shown[2] == badges and shown[3] is owners:
            return  # already drawn (Enter in the filter selects, and the cursor landing there again)
        same = shown is not None and shown[1].key == v.key
        self._shown = (estate, v, badges, owners)
        self._draw()
        if not same:
            self.scroll_home(animate=False)

    def _draw(self) -> None:
        if self._shown is None or self._attached is None:
            return
        estate, v, badges, owners = self._shown
        needle = self.query_one("#details-filter", Input).value.strip()
        self.query_one("#details-body", Static).update(
            render_vnet(estate, v, badges, self._attached[1], needle, owners)
        )

    def ask_filter(self) -> None:
        """``i`` on the Details tab: show the table filter and type into it."""
        box = self.query_one("#details-filter", Input)
        box.display = True
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "details-filter":
            event.stop()
            self._draw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "details-filter":
            event.stop()
            self.focus()
