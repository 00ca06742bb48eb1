"""The estate tree: subscriptions -> resource groups -> VNets, built lazily, with badges.

Only the top level exists at first; a subscription's resource groups and a group's VNets are
added when the node is expanded, so a 10,000-VNet estate opens as fast as a small one. Grouping
is one pass over the VNets (:class:`TreeIndex`). Typing a filter replaces the tree with the
matching VNets, flat and capped at :data:`MAX_MATCHES` rows, so every keystroke stays cheap.
Badges arrive later from a worker and are painted onto the VNet nodes already shown.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import compress, islice, repeat
from operator import contains

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.timer import Timer
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from netplan.addr import parse_address_query
from netplan.estate import Estate
from netplan.ids import sub_and_group
from netplan.model import VNet
from netplan.owners import VnetHolding, WhoOwns, holder_label, who_owns
from tui.messages import VnetSelected

#: Rows shown for a filter (two screens or so); more matches are summarised in one last row: each
#: keystroke rebuilds the list, and 500 rows made typing a 100 ms affair on a big estate.
MAX_MATCHES = 100
#: Seconds without a keystroke before the filter's first match is selected (its Details drawn).
TYPING_REST_S = 0.08
#: Subnet and resource rows shown under one VNet of a "who owns" answer.
MAX_OWNER_ROWS = 50
#: Estates up to this many VNets open fully expanded (everything fits on a screen or two).
SMALL_ESTATE = 60
#: Badges that count as a problem in a subscription's or group's roll-up.
PROBLEM_BADGES = frozenset({"overlap", "peering", "gap"})

#: Badge -> (label, style). Styles use theme variables' named colours that read on light and dark.
BADGE_STYLE: dict[str, tuple[str, str]] = {
    "overlap": ("overlap", "bold red"),
    "peering": ("peering", "bold dark_orange"),
    "custom-dns": ("custom DNS", "bold magenta"),
    "gap": ("gap", "bold yellow"),
}


@dataclass(frozen=True)
class NodeData:
    """What a tree node stands for: kind "subscription", "group", "vnet", "owner" (a subnet or
    resource of a "who owns" answer, in the VNet ``vnet``) or "more" (a note, not selectable)."""

    kind: str
    key: str
    sub: str = ""
    label: str = ""
    vnet: str = ""


@dataclass
class TreeIndex:
    """subscription -> resource group -> VNets, and a lower-case search text per VNet."""

    groups: dict[str, dict[str, list[VNet]]] = field(default_factory=dict)
    search: list[tuple[str, VNet]] = field(default_factory=list)
    #: VNet key -> (subscription, resource group), parsed once.
    where: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: The search texts and their VNets, as two lists (built with ``search``).
    _hays: list[str] | None = None
    _vnets: list[VNet] | None = None

    @classmethod
    def of(cls, estate: Estate) -> TreeIndex:
        groups: dict[str, dict[str, list[VNet]]] = defaultdict(lambda: defaultdict(list))
        where: dict[str, tuple[str, str]] = {}
        for v in estate.vnets:
            # One ID split per VNet (v.subscription and v.resource_group would parse twice).
            sub, rg = where[v.key] = sub_and_group(v.id)
            groups[sub][rg].append(v)
        ordered = {
            sub: {
                rg: sorted(vs, key=lambda x: x.name.lower())
                for rg, vs in sorted(rgs.items(), key=lambda kv: kv[0].lower())
            }
            for sub, rgs in sorted(groups.items())
        }
        return cls(ordered, [], where)

    def matches(self, names: dict[str, str] | None = None) -> list[tuple[str, VNet]]:
        """(search text, VNet) sorted by name; built on the first filter keystroke, not at start-up
        (rendering 100,000 prefixes as text is the slowest part of opening a big estate). The text
        holds the name, group, region, prefixes and the subscription's display name (``names``,
        keyed by lower-case ID) or ID."""
        names = names or {}
        if not self.search:
            for rgs in self.groups.values():
                for rg, vnets in rgs.items():
                    for v in vnets:
                        sub = self.where.get(v.key, ("", ""))[0]
                        text = " ".join(
                            [v.name, rg, v.location, *(str(p) for p in v.address_prefixes), names.get(sub.lower(), sub)]
                        ).lower()
                        self.search.append((text, v))
            self.search.sort(key=lambda tv: tv[1].name.lower())
            self._hays = [hay for hay, _ in self.search]
            self._vnets = [v for _, v in self.search]
        return self.search

    def find(self, needle: str, limit: int, names: dict[str, str] | None = None) -> tuple[list[VNet], int]:
        """The first ``limit`` VNets (by name) whose search text holds ``needle``, and how many do:
        the 10,000 tests run in C (``map``/``compress``), a Python loop over them took 10-15 ms of
        every keystroke."""
        self.matches(names)
        hits = list(map(contains, self._hays or [], repeat(needle)))  # contains(hay, needle): needle in hay
        first = list(islice(compress(self._vnets or [], hits), limit))
        return first, sum(hits)

    def group_of(self, v: VNet) -> str:
        return self.where.get(v.key, ("", ""))[1]


def badge_text(badges: frozenset[str]) -> Text:
    out = Text()
    for badge in BADGE_STYLE:
        if badge in badges:
            label, style = BADGE_STYLE[badge]
            out.append(" ")
            out.append(f"[{label}]", style=style)
    return out


def rollup_text(vnets: list[VNet], badges: dict[str, frozenset[str]]) -> Text:
    """A subscription's or group's roll-up: how many of its VNets have a problem badge."""
    n = sum(1 for v in vnets if badges.get(v.key, frozenset()) & PROBLEM_BADGES)
    return Text(f" ▲{n}", style="bold red") if n else Text()


class EstateTree(Tree[NodeData]):
    """The estate as a lazy tree. Posts :class:`VnetSelected` when a VNet row is highlighted."""

    #: Adding nodes in bulk (:meth:`_adding`): the tree is invalidated once at the end.
    _bulk = False
    #: The sidebar's width for the labels, as of the last resize (see get_label_width).
    _room = 0
    #: The selection a rebuild's cursor asks for, posted when the typing rests.
    _pending: Timer | None = None

    def __init__(self, estate: Estate, *, id: str | None = None) -> None:
        super().__init__("estate", NodeData("root", ""), id=id)
        self.show_root = False
        self.guide_depth = 2
        self.estate = estate
        self.index = TreeIndex.of(estate)
        self.badges: dict[str, frozenset[str]] = {}
        self.filter_text = ""
        #: The "who owns" answer when the filter is an address or a prefix.
        self.owners: WhoOwns | None = None
        self._vnet_nodes: dict[str, TreeNode[NodeData]] = {}
        self._folder_nodes: list[TreeNode[NodeData]] = []
        #: "name  prefixes" per VNet key, built once (str() of a prefix is not free, 500 per keystroke).
        self._prefix_text: dict[str, str] = {}

    @property
    def small(self) -> bool:
        """Small enough to open fully expanded."""
        return len(self.estate.vnets) <= SMALL_ESTATE

    def on_mount(self) -> None:
        self.rebuild()
        # A cursor from the start: arrows, j/k and Enter work without a click first.
        self.cursor_line = 0

    def set_estate(self, estate: Estate) -> None:
        """A new estate (reload): rebuilt with the same filter; badges come again from the app."""
        self.estate = estate
        self.index = TreeIndex.of(estate)
        self._prefix_text = {}
        self.badges = {}
        query = parse_address_query(self.filter_text) if self.filter_text else None
        self.owners = who_owns(estate, query) if query is not None else None
        self.rebuild()

    def render_label(self, node: TreeNode[NodeData], base_style: Style, style: Style) -> Text:
        # Cut at the sidebar's edge with an ellipsis (a clipped prefix would read as another one).
        text = super().render_label(node, base_style, style)
        depth, parent = 0, node.parent
        while parent is not None and parent is not self.root:
            depth, parent = depth + 1, parent.parent
        width = self.scrollable_content_region.width - depth * self.guide_depth
        if width > 4 and text.cell_len > width:
            text.truncate(width, overflow="ellipsis")
        return text

    def on_resize(self) -> None:
        self._room = self.scrollable_content_region.width

    def get_label_width(self, node: TreeNode[NodeData]) -> int:
        # What render_label draws, without drawing it: the tree asks for every line's width on
        # each rebuild (500 rows of a filter), and the labels are cut at the sidebar's edge anyway.
        icon = (self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE) if node.allow_expand else ""
        label = node.label
        width = cell_len(icon) + (label.cell_len if isinstance(label, Text) else cell_len(label))
        depth, parent = 0, node.parent
        while parent is not None and parent is not self.root:
            depth, parent = depth + 1, parent.parent
        room = self._room - depth * self.guide_depth
        return room if room > 4 and width > room else width

    @contextmanager
    def _adding(self) -> Iterator[None]:
        """Add many nodes with one invalidation of the tree (Textual's is a layout refresh per node)."""
        if self._bulk:  # already inside one
            yield
            return
        self._bulk = True
        try:
            yield
        finally:
            self._bulk = False
            self._invalidate()

    def _invalidate(self) -> None:
        """Tree._invalidate, but the lines are laid out now and the screen's layout is asked for
        only when that changes the tree's size. Each filter keystroke rebuilds the tree at the same
        size (100 rows and a "more" row): a layout then re-arranged the whole screen for nothing,
        and told the tree's scrollbar to draw again, unchanged, in a frame of its own."""
        if self._bulk:
            return
        before = self.virtual_size
        self._clear_line_cache()
        self._updates += 1
        self.root._reset()
        self._build()  # the lines, and the virtual size from them
        self.refresh(layout=self.virtual_size != before)

    def sub_label(self, sub: str) -> Text:
        rgs = self.index.groups.get(sub, {})
        count = sum(len(vs) for vs in rgs.values())
        label = Text(self.estate.subscription_label(sub) if sub else "(no subscription)")
        label.append(f"  {count} VNet{'s' if count != 1 else ''}", style="dim")
        label.append_text(rollup_text([v for vs in rgs.values() for v in vs], self.badges))
        return label

    def group_label(self, sub: str, rg: str) -> Text:
        vnets = self.index.groups.get(sub, {}).get(rg, [])
        label = Text(rg)
        label.append(f"  {len(vnets)}", style="dim")
        label.append_text(rollup_text(vnets, self.badges))
        return label

    # ------------------------------------------------------------------ building

    def vnet_label(self, v: VNet) -> Text:
        label = Text(v.name)
        prefixes = self._prefix_text.get(v.key)
        if prefixes is None:
            prefixes = self._prefix_text[v.key] = f"  {', '.join(str(p) for p in v.address_prefixes)}"
        label.append(prefixes, style="dim")
        label.append_text(badge_text(self.badges.get(v.key, frozenset())))
        return label

    def _add_vnet(self, parent: TreeNode[NodeData], v: VNet, with_group: bool = False) -> None:
        label = self.vnet_label(v)
        if with_group:
            label.append(f"  {self.index.group_of(v)}", style="italic dim")
        # The subscription as the index parsed it once (v.subscription parses the ID each time).
        node = parent.add_leaf(label, NodeData("vnet", v.id, self.index.where.get(v.key, ("", ""))[0]))
        self._vnet_nodes[v.key] = node

    def rebuild(self) -> None:
        """Show the whole estate (collapsed) or, with a filter, the matching VNets."""
        with self._adding():
            self._rebuild()

    def _rebuild(self) -> None:
        self.clear()
        self._vnet_nodes = {}
        self._folder_nodes = []
        if self.owners is not None:
            self._show_owners(self.owners)
            return
        if self.filter_text:
            self._show_matches(self.filter_text)
            return
        for sub in self.index.groups:
            node = self.root.add(self.sub_label(sub), NodeData("subscription", sub, sub))
            self._folder_nodes.append(node)
            if self.small:
                self._fill(node)
                node.expand()
                for rg_node in node.children:
                    self._fill(rg_node)
                    rg_node.expand()
            elif len(self.index.groups) == 1:
                node.expand()
        self.root.expand()

    def _show_matches(self, text: str) -> None:
        first, total = self.index.find(text.lower(), MAX_MATCHES, dict(self.estate.subscription_names))
        for v in first:
            self._add_vnet(self.root, v, with_group=True)
        shown, more = len(first), total - len(first)
        if not shown:
            self.root.add_leaf(Text(f"no VNet matches {text!r}", style="italic"), NodeData("more", ""))
        elif more:
            self.root.add_leaf(
                Text(f"… {more} more; keep typing to narrow", style="italic"), NodeData("more", "")
            )
        self.root.expand()

    def owner_vnet_label(self, h: VnetHolding) -> Text:
        label = Text(h.vnet.name)
        label.append(f"  {', '.join(str(p) for p in h.prefixes)}", style="dim")
        label.append_text(badge_text(self.badges.get(h.vnet.key, frozenset())))
        label.append(f"  {self.index.group_of(h.vnet)}", style="italic dim")
        return label

    def _show_owners(self, w: WhoOwns) -> None:
        """A "who owns" answer: a summary row, then each VNet holding the address or prefix with
        the subnets and resources holding it (an address: the one subnet, the resources on it)."""
        what = "address" if w.is_address else "prefix"
        q = str(w.query).removesuffix("/32").removesuffix("/128") if w.is_address else str(w.query)
        if not w.vnets and not w.onprem and not w.elsewhere:
            head = Text(f"no VNet in the snapshot holds {q}", style="italic")
            if w.incomplete:
                head.append(" (the snapshot has gaps: it may be in what was not read)", style="yellow")
            self.root.add_leaf(head, NodeData("more", ""))
        else:
            head = Text(f"{q}: {len(w.vnets)} VNet{'s' if len(w.vnets) != 1 else ''}", style="bold")
            if w.holder_count:
                head.append(f", {w.holder_count} resource{'s' if w.holder_count != 1 else ''}")
            if w.overlap:
                head.append(f"  ▲ overlap: the {what} is in {len(w.vnets) + len(w.onprem)} networks", style="bold red")
            self.root.add_leaf(head, NodeData("more", ""))
        for h in w.vnets[:MAX_MATCHES]:
            node = self.root.add(self.owner_vnet_label(h), NodeData("vnet", h.vnet.id, h.vnet.subscription))
            self._vnet_nodes[h.vnet.key] = node
            rows: list[tuple[Text, str]] = []
            for sn in h.subnets:
                t = Text(f"subnet {sn.name}", style="")
                t.append(f"  {', '.join(str(p) for p in sn.prefixes)}", style="dim")
                rows.append((t, sn.id))
            for o in h.holders:
                t = Text(holder_label(o))
                t.append(f"  {o.ip}", style="dim")
                rows.append((t, o.resource_id))
            for t, rid in rows[:MAX_OWNER_ROWS]:
                node.add_leaf(t, NodeData("owner", rid, vnet=h.vnet.id))
            if len(rows) > MAX_OWNER_ROWS:
                node.add_leaf(Text(f"… {len(rows) - MAX_OWNER_ROWS} more; narrow the prefix", style="italic"),
                              NodeData("more", ""))  # fmt: skip
            node.expand()
        if len(w.vnets) > MAX_MATCHES:
            self.root.add_leaf(Text(f"… {len(w.vnets) - MAX_MATCHES} more VNets; narrow the prefix", style="italic"),
                               NodeData("more", ""))  # fmt: skip
        for n in w.onprem:
            t = Text(f"on-prem {n.name}", style="bold")
            t.append(f"  {', '.join(str(p) for p in n.prefixes)} (declared)", style="dim")
            self.root.add_leaf(t, NodeData("more", ""))
        for o in w.elsewhere[:MAX_OWNER_ROWS]:
            t = Text(holder_label(o))
            t.append(f"  {o.ip}  (its VNet is not in the snapshot)", style="dim")
            self.root.add_leaf(t, NodeData("more", ""))
        self.root.expand()

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        self._fill(event.node)

    def _fill(self, node: TreeNode[NodeData]) -> None:
        """Add a subscription's groups or a group's VNets, the first time it is opened."""
        data = node.data
        if data is None or node.children:
            return
        with self._adding():
            self._fill_with(node, data)

    def _fill_with(self, node: TreeNode[NodeData], data: NodeData) -> None:
        if data.kind == "subscription":
            for rg in self.index.groups.get(data.key, {}):
                self._folder_nodes.append(node.add(self.group_label(data.key, rg), NodeData("group", rg, data.key)))
        elif data.kind == "group":
            for v in self.index.groups.get(data.sub, {}).get(data.key, []):
                self._add_vnet(node, v)

    # ------------------------------------------------------------------ attributes down

    def set_filter(self, text: str) -> None:
        """Filter the tree: an IP address or a CIDR prefix asks "who owns" it (the estate's address
        indexes answer); any other text matches VNet names, groups, regions, prefixes and
        subscription names."""
        text = text.strip()
        if text != self.filter_text:
            self.filter_text = text
            query = parse_address_query(text)
            self.owners = who_owns(self.estate, query) if query is not None else None
            self.rebuild()

    def set_badges(self, badges: dict[str, frozenset[str]], estate: Estate) -> None:
        self.badges = badges
        for folder in self._folder_nodes:
            data = folder.data
            if data is not None and data.kind == "subscription":
                folder.set_label(self.sub_label(data.key))
            elif data is not None and data.kind == "group":
                folder.set_label(self.group_label(data.sub, data.key))
        holdings = {h.vnet.key: h for h in self.owners.vnets} if self.owners else {}
        for key, node in self._vnet_nodes.items():
            v = estate.vnet(key)
            if v is None:
                continue
            holding = holdings.get(key)
            if holding is not None:
                node.set_label(self.owner_vnet_label(holding))
                continue
            label = self.vnet_label(v)
            if self.filter_text:
                label.append(f"  {self.index.group_of(v)}", style="italic dim")
            node.set_label(label)

    def reveal(self, v: VNet) -> None:
        """Expand the path to ``v`` and move the cursor onto it (used by jumps from other tabs)."""
        if v.key not in self._vnet_nodes and self.filter_text:
            self.filter_text = ""
            self.owners = None
            self.rebuild()
        if v.key not in self._vnet_nodes:
            for sub_node in self.root.children:
                if sub_node.data and sub_node.data.key == self.index.where.get(v.key, ("", ""))[0]:
                    sub_node.expand()
                    self._fill(sub_node)
                    for rg_node in sub_node.children:
                        if rg_node.data and rg_node.data.key == self.index.group_of(v):
                            rg_node.expand()
                            self._fill(rg_node)
        node = self._vnet_nodes.get(v.key)
        if node is not None:
            # After the refresh: nodes added in this turn have no line yet.
            self.call_after_refresh(self.move_cursor, node)

    def first_match(self) -> str | None:
        """Enter in the filter box: the cursor goes to the first matching VNet; returns its ID."""
        self.cancel_pending()
        first = next((n for n in self.root.children if n.data is not None and n.data.kind == "vnet"), None)
        if first is None or first.data is None:
            return None
        # After the refresh: a node added in this turn has no line yet.
        self.call_after_refresh(self.move_cursor, first)
        return first.data.key

    def cancel_pending(self) -> None:
        """Drop the selection a filter keystroke scheduled: Enter chose the first match before the
        typing rested, and a row the last keystroke highlighted must not replace it later."""
        if self._pending is not None:
            self._pending.stop()
            self._pending = None

    # ------------------------------------------------------------------ messages up

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        data = event.node.data
        if not self.has_focus:
            # The cursor moved under a rebuild: each filter keystroke lands it on the first row.
            # That VNet is selected once the typing rests, not on every keystroke (each would
            # draw its Details and start its traffic while the next key waits).
            event.stop()
            key = data.key if data is not None and data.kind == "vnet" else (
                data.vnet if data is not None and data.kind == "owner" else "")  # fmt: skip
            if self._pending is not None:
                self._pending.stop()
            self._pending = self.set_timer(TYPING_REST_S, partial(self.post_message, VnetSelected(key))) if key else None
            return
        if data is not None and data.kind == "vnet":
            event.stop()
            self.post_message(VnetSelected(data.key))
        elif data is not None and data.kind == "owner" and data.vnet:
            event.stop()
            self.post_message(VnetSelected(data.vnet))
