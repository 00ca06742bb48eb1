"""The Topology tab: the selected VNet's neighbourhood drawn as text.

Drawn from :func:`netplan.graph.neighbourhood` (depth 1) of the estate graph the app builds once
in a worker. One line per peering, whichever side holds the links: solid for Connected, dashed
for Initiated, crossed for Disconnected, with the sync level, disabled access, gateway transit and
global peering spelled out; a neighbour with many peerings is marked as a hub; overlapping VNets
and VNets outside the snapshot are marked. Below: the gateways, internal LB frontends, private
endpoints (with what they connect to) and linked zones attached to the VNet.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from netplan.graph import neighbourhood

#: A neighbour with at least this many peered VNets is drawn as a hub.
HUB_DEGREE = 3


def _peers(g: Any, key: str) -> set[str]:
    out = {v for _u, v, d in g.out_edges(key, data=True) if d.get("kind") == "peering"}
    out |= {u for u, _v, d in g.in_edges(key, data=True) if d.get("kind") == "peering"}
    return out


def pair_label(g: Any, a: str, b: str) -> tuple[str, str, bool]:
    """(connector, label, problem) for the peering between ``a`` and ``b`` from both link edges."""
    links: dict[str, dict[str, Any]] = {}
    for u, v in ((a, b), (b, a)):
        for d in g.get_edge_data(u, v, default={}).values():
            if d.get("kind") == "peering":
                links[u] = d
    states = {d["state"] for d in links.values()}
    if len(links) == 2 and states == {"Connected"}:
        state, conn = "Connected", "━━"
    elif "Disconnected" in states:
        state, conn = "Disconnected", "╳╳"
    else:
        state, conn = "Initiated", "┅┅"
    parts = [state]
    if len(links) == 1:
        only = next(iter(links))
        parts[0] += f" ({g.nodes[only]['name']} side only)"
    problem = state != "Connected"
    for u, d in sorted(links.items()):
        if d.get("sync_level") and d["sync_level"] != "FullyInSync":
            parts.append(f"{d['sync_level']} ({g.nodes[u]['name']})")
            problem = True
        if not d.get("allow_virtual_network_access", True):
            parts.append(f"access off ({g.nodes[u]['name']})")
            problem = True
        other = b if u == a else a
        back = links.get(other)
        if d.get("use_remote_gateways") and back is not None and back.get("allow_gateway_transit"):
            parts.append(f"gateway transit via {g.nodes[other]['name']}")
    forwarding = sorted(g.nodes[u]["name"] for u, d in links.items() if d.get("allow_forwarded_traffic"))
    if len(forwarding) == 2:
        parts.append("forwarded traffic allowed both ways")
    elif forwarding:
        parts.append(f"forwarded traffic allowed by {forwarding[0]} only")
    if any(d.get("global") for d in links.values()):
        parts.append("global")
    return conn, ", ".join(parts), problem


def render_topology(g: Any, key: str, overlapping: set[str]) -> RenderableType:
    """The neighbourhood of VNet ``key`` (rid key) as styled text."""

    if key not in g:
        return Text("This VNet is not in the estate graph.", style="italic")
    sub = neighbourhood(g, key, depth=1)
    me = g.nodes[key]
    out = Text()
    out.append(me["name"], style="bold")
    out.append(f"  {', '.join(me.get('prefixes', []))}", style="dim")
    if key in overlapping:
        out.append("  OVERLAPS", style="bold red")
    if me.get("forwarder"):
        out.append(f"  forwarder {me['forwarder']} {me.get('forwarder_ip') or ''}".rstrip(), style="cyan")
    if me.get("gateways"):
        out.append(f"  gateway {', '.join(sorted(me['gateways']))}", style="cyan")
    peers = sorted(_peers(g, key), key=lambda n: (g.nodes[n]["name"].lower(), n))
    # A grid keeps wrapped peering labels indented under their VNet (a tree drawn in two columns).
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, no_wrap=True)
    grid.add_column(ratio=1)
    if not peers:
        grid.add_row("│", Text("no peerings", style="dim"))
    for i, n in enumerate(peers):
        d = g.nodes[n]
        conn, label, problem = pair_label(g, key, n)
        last = i == len(peers) - 1
        line = Text()
        line.append(d["name"], style="bold")
        line.append(f"  {', '.join(d.get('prefixes', [])) or '?'}", style="dim")
        degree = len(_peers(g, n))
        if degree >= HUB_DEGREE:
            line.append(f"  hub ({degree} peerings)", style="cyan")
        if d.get("forwarder"):
            line.append(f"  forwarder {d['forwarder']}", style="cyan")
        if d.get("external"):
            line.append("  (not in snapshot)", style="italic yellow")
        if n in overlapping:
            line.append("  OVERLAPS", style="bold red")
        line.append("\n")
        line.append(label, style="red" if problem else "")
        gutter = Text(
            ("└" if last else "├") + conn + ("" if last else "\n│"), style="red" if problem else "green"
        )
        grid.add_row(gutter, line)
    parts: list[RenderableType] = [out, grid]
    attached: list[tuple[str, str]] = []
    for _u, r, e in sub.out_edges(key, data=True):
        if e.get("kind") == "peering":
            continue
        rd = sub.nodes[r]
        kind = rd.get("kind")
        if kind == "lb-frontend":
            attached.append(("LB frontend", f"{rd['name']} {rd.get('ip') or 'dynamic'} ({rd.get('sku')})"))
        elif kind == "private-endpoint":
            targets = [
                f"{sub.nodes[t]['name']} ({ed.get('status')})"
                for _x, t, ed in sub.out_edges(r, data=True)
                if ed.get("kind") == "connects"
            ]
            attached.append(
                (
                    "private endpoint",
                    f"{rd['name']} {', '.join(rd.get('ips', [])) or '?'} → {', '.join(targets) or '?'}",
                )
            )
        elif kind == "gateway":
            attached.append(("gateway", f"{rd['name']} ({rd.get('gateway_type')})"))
        elif kind == "onprem":
            attached.append(("on-premises", f"{rd['name']} {', '.join(rd.get('prefixes', []))}"))
    for z, _v, e in sub.in_edges(key, data=True):
        if e.get("kind") == "zone-link":
            reg = ", registration" if e.get("registration_enabled") else ""
            attached.append(("zone link", f"{sub.nodes[z]['name']}{reg}"))
    if attached:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", no_wrap=True)
        table.add_column(ratio=1)
        for kind, text in sorted(attached):
            table.add_row(kind, text)
        parts += [Text("\nAttached", style="bold"), table]
    return Group(*parts)


class TopologyView(VerticalScroll):
    """Shows the neighbourhood of the VNet the app hands down, once the graph is built."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Building the estate graph…", style="dim"), id="topology-body")

    def show(self, g: Any | None, key: str | None, overlapping: set[str]) -> None:
        body = self.query_one("#topology-body", Static)
        if g is None:
            body.update(Text("Building the estate graph…", style="dim"))
        elif key is None:
            body.update(Text("Pick a VNet in the tree to see its peerings.", style="dim"))
        else:
            body.update(render_topology(g, key, overlapping))
