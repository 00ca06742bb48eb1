"""The estate-wide resolution matrix: every VNet x a set of names, in one pass.

Resolution from a VNet depends only on its *context*: its linked zones (with their resolution
policies) and linked forwarding rulesets, or, with custom DNS servers, the list of servers
(:meth:`DnsSimulator.context_key`). Estates have far fewer contexts than VNets (every spoke linked
to the same central zones), so the matrix groups VNets by context, resolves each name once per
group, and hands out per-VNet answers on demand. The per-zone data and per-context indexes are
built once by the shared :class:`~netplan.dns.simulator.DnsSimulator`.

The promise: ``matrix.answer(vnet, name)`` equals ``DnsSimulator(estate).resolve(vnet, name)``
for every cell (a test checks it cell by cell), at a fraction of the cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from netplan.dns.names import DnsNameError, absolute, is_under, normalize
from netplan.dns.simulator import QUERY_TYPES, Answer, DnsSimulator, Status, view_keys
from netplan.errors import UsageError
from netplan.estate import Estate
from netplan.ids import rid_key
from netplan.model import VNet
from netplan.record import record


@record
class ResolutionMatrix:
    """Answers for ``vnets`` x ``names``, stored once per group of VNets with one context."""

    names: tuple[str, ...]
    rtype: str
    vnets: tuple[VNet, ...]
    #: VNet key -> index into ``groups``
    group_of: dict[str, int]
    #: per group, one answer per name (computed for some VNet with the same view of that name;
    #: ``answer``/``row``/``cells`` restate it for the asking VNet)
    groups: tuple[tuple[Answer, ...], ...]
    #: how many queries were actually simulated to fill the matrix
    resolutions: int = 0

    def answer(self, vnet: VNet | str, name: str) -> Answer:
        """The answer for one cell, as seen from ``vnet`` (a VNet or its resource ID)."""
        key = vnet.key if isinstance(vnet, VNet) else rid_key(vnet)
        g = self.group_of.get(key)
        if g is None:
            raise KeyError(f"VNet {vnet if isinstance(vnet, str) else vnet.id} is not in the matrix")
        col = self.names.index(normalize(name))
        ans = self.groups[g][col]
        v = vnet if isinstance(vnet, VNet) else next(x for x in self.vnets if x.key == key)
        return ans if rid_key(ans.vnet_id) == v.key else _as_seen_from(ans, v)

    def row(self, vnet: VNet) -> list[Answer]:
        g = self.groups[self.group_of[vnet.key]]
        return [a if rid_key(a.vnet_id) == vnet.key else _as_seen_from(a, vnet) for a in g]

    def cells(self) -> Iterator[Answer]:
        """Every cell, VNet by VNet in input order."""
        for v in self.vnets:
            yield from self.row(v)

    def status_counts(self) -> Counter[Status]:
        """How many cells have each status (without building per-VNet answers)."""
        sizes = Counter(self.group_of.values())
        out: Counter[Status] = Counter()
        for g, answers in enumerate(self.groups):
            for a in answers:
                out[a.status] += sizes[g]
        return out

    @property
    def group_count(self) -> int:
        return len(self.groups)


def _as_seen_from(answer: Answer, vnet: VNet) -> Answer:
    from dataclasses import replace

    return replace(answer, vnet_id=vnet.id)


def resolution_matrix(
    estate: Estate,
    names: Iterable[str],
    rtype: str = "A",
    vnets: Sequence[VNet] | None = None,
    simulator: DnsSimulator | None = None,
) -> ResolutionMatrix:
    """Resolve every name from every VNet (default: all VNets of the estate) in one pass.

    Raises :class:`UsageError` for an invalid name or query type.
    """
    rt = rtype.upper()
    if rt not in QUERY_TYPES:
        raise UsageError(f"query type must be A or AAAA, not {rtype!r}")
    try:
        qnames = tuple(dict.fromkeys(normalize(n) for n in names))
    except DnsNameError as exc:
        raise UsageError(str(exc)) from None
    sim = simulator or DnsSimulator(estate)
    members = tuple(vnets if vnets is not None else estate.vnets)
    # 1. VNets with the same whole context (linked zones, rulesets, DNS servers) share a group.
    by_key: dict[tuple[object, ...], int] = {}
    group_of: dict[str, int] = {}
    reps: list[VNet] = []
    for v in members:
        ctx = sim.context_key(v)
        g = by_key.get(ctx)
        if g is None:
            g = len(reps)
            by_key[ctx] = g
            reps.append(v)
        group_of[v.key] = g
    # 2. Per name, groups whose contexts look the same *for that name* (only the zones and rules
    # its CNAME closure can touch) share one resolution: for an app name that is usually just
    # "is the app zone linked", whatever else each VNet links.
    columns: list[list[Answer]] = []
    resolutions = 0
    for q in qnames:
        closure = sim.cname_closure(q)
        keys = view_keys(closure) if closure is not None else None
        seen: dict[tuple[object, ...], Answer] = {}
        col: list[Answer] = []
        for g, rep in enumerate(reps):
            view = sim.context_view(rep, *keys) if keys is not None else ("group", g)
            ans = seen.get(view)
            if ans is None:
                ans = sim.resolve_normalized(rep, q, rt)
                seen[view] = ans
                resolutions += 1
            col.append(ans)
        columns.append(col)
    groups = tuple(tuple(columns[i][g] for i in range(len(qnames))) for g in range(len(reps)))
    return ResolutionMatrix(qnames, rt, members, group_of, groups, resolutions)


def app_names(estate: Estate, app_domain: str) -> list[str]:
    """The explicit host names recorded under ``app_domain`` in the estate's zones of that name or
    below it (wildcards and the apex excluded), sorted: the app list a matrix is usually run for.
    """
    domain = normalize(app_domain)
    out: set[str] = set()
    for zone in estate.zones:
        if not is_under(zone.name, domain):
            continue
        for rs in estate.records_of_zone(zone.id):
            if rs.rtype not in ("A", "AAAA", "CNAME") or rs.name in ("@", "") or rs.name.startswith("*"):
                continue
            out.add(absolute(rs.name, zone.name))
    return sorted(out)
