"""Peering topology: pairs with their link states, common peers, routing domains (union-find)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from netplan.estate import Estate
from netplan.ids import rid_key
from netplan.model import Peering
from netplan.topology import (
    Topology,
    common_peers,
    link_graph,
    neighbours,
    onprem_key,
    peer_pair,
    peered_pairs,
    routing_domains,
)
from tests.unit.builders import SUB2, EstateBuilder, peering_dict, vnet_id


def k(name: str) -> str:
    return rid_key(vnet_id(name))


def test_peered_pairs_keep_one_entry_per_vnet_pair_with_both_links() -> None:
    b = EstateBuilder()
    for n, p in (("hub", "10.0.0.0/16"), ("spoke1", "10.1.0.0/16"), ("spoke2", "10.2.0.0/16")):
        b.vnet(n, [p])
    b.peer("hub", "spoke1")
    b.peer("hub", "spoke2", state="Initiated")
    pairs = peered_pairs(b.estate())
    assert len(pairs) == 2
    full = peer_pair(b.estate(), vnet_id("spoke1"), vnet_id("hub"))
    assert full is not None and full.connected and len(full.links) == 2
    half = pairs[tuple(sorted((k("hub"), k("spoke2"))))]  # type: ignore[index]
    assert not half.connected
    assert half.states == ("hub: Initiated",)


def test_peer_pair_ignores_id_case() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.0.0.0/16"])
    b.vnet("b", ["10.1.0.0/16"])
    b.peer("a", "b")
    e = b.estate()
    assert peer_pair(e, vnet_id("A").upper(), vnet_id("b")) is not None


def test_common_peers_names_the_hub_between_two_spokes() -> None:
    b = EstateBuilder()
    for n, p in (
        ("hub", "10.0.0.0/16"),
        ("s1", "10.1.0.0/16"),
        ("s2", "10.2.0.0/16"),
        ("lone", "10.3.0.0/16"),
    ):
        b.vnet(n, [p])
    b.peer("hub", "s1")
    b.peer("hub", "s2", state="Disconnected")  # any state counts
    e = b.estate()
    assert common_peers(e, vnet_id("s1"), vnet_id("s2")) == [k("hub")]
    assert common_peers(e, vnet_id("s1"), vnet_id("lone")) == []
    assert neighbours(e, vnet_id("hub")) == {k("s1"), k("s2")}


def test_routing_domains_join_peered_vnets_and_onprem_via_its_gateway() -> None:
    b = EstateBuilder()
    b.vnet("hub", ["10.0.0.0/16"], subnets={"GatewaySubnet": "10.0.255.0/27"})
    b.vnet("spoke", ["10.1.0.0/16"])
    b.vnet("island", ["10.9.0.0/16"])
    b.gateway("vpngw", "hub")
    b.peer("hub", "spoke", a_to_b={"allow_gateway_transit": True}, b_to_a={"use_remote_gateways": True})
    b.onprem("dc-amsterdam", ["192.168.0.0/16"], via="hub")
    b.onprem("branch-unknown", ["172.20.0.0/16"])
    e = b.estate()
    d = routing_domains(e)
    assert d[k("hub")] == d[k("spoke")] == d[onprem_key("dc-amsterdam")]
    assert d[k("island")] != d[k("hub")]
    assert d[onprem_key("branch-unknown")] not in (d[k("hub")], d[k("island")])
    pair = peer_pair(e, vnet_id("hub"), vnet_id("spoke"))
    assert pair is not None and pair.gateway_transit


def test_routing_domains_with_planned_edges_merge_domains_without_touching_the_cache() -> None:
    b = EstateBuilder()
    b.vnet("a", ["10.0.0.0/16"])
    b.vnet("b", ["10.1.0.0/16"])
    e = b.estate()
    assert routing_domains(e)[k("a")] != routing_domains(e)[k("b")]
    planned = routing_domains(e, [(vnet_id("a"), vnet_id("b"))])
    assert planned[k("a")] == planned[k("b")]
    assert routing_domains(e)[k("a")] != routing_domains(e)[k("b")]


def test_vnets_peered_with_the_same_hub_outside_the_snapshot_share_a_domain() -> None:
    b = EstateBuilder()
    b.vnet("s1", ["10.1.0.0/16"])
    b.vnet("s2", ["10.2.0.0/16"])
    unseen = vnet_id("hub-elsewhere", rg="rg-other")
    b.link("s1", unseen, remote_prefixes=["10.0.0.0/16"])
    b.link("s2", unseen, remote_prefixes=["10.0.0.0/16"])
    d = routing_domains(b.estate())
    assert d[k("s1")] == d[k("s2")] == d[rid_key(unseen)]


# ---------------------------------------------------------------------------------------------
# LinkGraph: the overlap analysis's lean view must answer as the Topology does

#: VNets outside the snapshot; the last one lists a peering of its own (an orphan) in some examples.
_GHOST = vnet_id("ghost", rg="rg-ghost")
_OUTSIDE = (vnet_id("hub-elsewhere", rg="rg-other"), vnet_id("far", rg="rg-far", sub=SUB2), _GHOST)


def _spelling(rid: str, how: int) -> str:
    """An ID as real payloads write it: as is, upper case, with a final '/' or a space after it."""
    return (rid, rid.upper(), rid + "/", rid + " ")[how]


def _assert_graph_answers_as_topology(e: Estate, extra: list[tuple[str, str]]) -> None:
    topo = e.topology
    want = _reference_topology(e)
    assert list(topo.links) == list(want.links)
    assert [[id(p) for p in ls] for ls in topo.links.values()] == [[id(p) for p in ls] for ls in want.links.values()]
    # The same neighbours, added in the same order (a set's iteration order follows it).
    assert [(k, list(v)) for k, v in topo.adjacency.items()] == [(k, list(v)) for k, v in want.adjacency.items()]
    assert list(topo.domains.items()) == list(want.domains.items())
    assert list(topo.ids.items()) == list(want.ids.items())
    assert topo.vnet_keys == want.vnet_keys
    graph = link_graph(e)
    for planned in ([], extra):
        numbers = routing_domains(e, planned)
        labels = graph.domains(planned)
        # One label per domain number and one number per label: the same partition.
        to_label: dict[int, int] = {}
        to_number: dict[int, int] = {}
        for key, number in numbers.items():
            label = labels.of(key)
            assert to_label.setdefault(number, label) == label, key
            assert to_number.setdefault(label, number) == number, key
        assert labels.vnets == [labels.of(key) for key in topo.vnet_keys]
        sizes = {number: sum(1 for k, d in numbers.items() if d == number and k.startswith("/")) for number in to_label}
        assert {to_label[n]: s for n, s in sizes.items() if s} == labels.sizes
    for key, spelled in topo.ids.items():
        assert graph.name(key) == spelled
        assert graph.neighbours(key) == topo.adjacency.get(key, set())
    keys = list(topo.ids)
    for a in keys:
        for b in keys:
            expected = topo.pair((a, b) if a < b else (b, a)) if a != b else None
            got = graph.pair(a, b)
            assert (got is None) == (expected is None), (a, b)
            if got is not None and expected is not None:
                assert (got.a, got.b) == (expected.a, expected.b)
                assert [id(p) for p in got.links] == [id(p) for p in expected.links]


def _reference_topology(estate: Estate) -> Topology:
    """The topology as a plain loop over the owners' links builds it (the version before
    :func:`build_topology` reused the LinkGraph): the oracle of its dicts and their order."""
    links: dict[tuple[str, str], list[Peering]] = {}
    adjacency: dict[str, set[str]] = {}
    ids: dict[str, str] = {}
    # Peerings listed without their VNet (the loader keeps them, with a gap) are links all the same:
    # their VNet is a node keyed by its ID, like a remote VNet outside the snapshot.
    orphan_links: dict[str, list[Peering]] = {}
    for o in estate.orphans:
        if isinstance(o, Peering):
            orphan_links.setdefault(rid_key(o.vnet_id), []).append(o)
    vnet_keys = tuple(rid_key(v.id) for v in estate.vnets)
    owners: list[tuple[str, str, Iterable[Peering]]] = [(k, v.id, v.peerings) for k, v in zip(vnet_keys, estate.vnets, strict=True)]
    owners += [(k, ls[0].vnet_id, ls) for k, ls in orphan_links.items()]
    remote_keys: dict[str, str] = {}  # remote ID -> key: the same hub is named by hundreds of links
    for vk, vid, peerings in owners:
        ids[vk] = vid
        for p in peerings:
            rid = p.remote_vnet_id
            rk = remote_keys.get(rid)
            if rk is None:
                rk = remote_keys[rid] = rid_key(rid)
            if rk == vk:
                continue
            if rk not in ids:
                ids[rk] = rid
            pair = (vk, rk) if vk < rk else (rk, vk)
            got = links.get(pair)
            if got is None:
                links[pair] = [p]
            else:
                got.append(p)
            if vk in adjacency:
                adjacency[vk].add(rk)
            else:
                adjacency[vk] = {rk}
            if rk in adjacency:
                adjacency[rk].add(vk)
            else:
                adjacency[rk] = {vk}
    # Routing domains: the connected components of the peering links plus each declared on-prem
    # network's edge to its via VNet, numbered in the order the nodes were first seen.
    edges: dict[str, list[str]] = {}
    onprem_nodes: list[str] = []
    for net in estate.onprem:
        ok = onprem_key(net)
        onprem_nodes.append(ok)
        if net.via_vnet_id:
            # The gateway's VNet; spokes using it (gateway transit) are peered with it, hence
            # already in its domain.
            vk = rid_key(net.via_vnet_id)
            onprem_nodes.append(vk)
            edges.setdefault(ok, []).append(vk)
            edges.setdefault(vk, []).append(ok)
    # ``ids`` has every VNet node in first-seen order already.
    order = list(ids) + list(dict.fromkeys(x for x in onprem_nodes if x not in ids))
    comp: dict[str, int] = {}
    count = 0
    for x in order:
        if x in comp:
            continue
        n = comp[x] = count
        count += 1
        if x not in adjacency and x not in edges:
            continue  # an isolated VNet: a domain of its own (most of a large estate's)
        todo = [x]
        while todo:
            y = todo.pop()
            near: Iterable[str] = adjacency.get(y, ())
            if edges and y in edges:
                near = (*near, *edges[y])
            for z in near:
                if z not in comp:
                    comp[z] = n
                    todo.append(z)
    domains = {x: comp[x] for x in order}
    return Topology(links, adjacency, domains, ids, vnet_keys)


_LINK = st.tuples(st.integers(0, 5), st.integers(-3, 5), st.integers(0, 3), st.sampled_from(["Connected", "Initiated"]))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6),
    st.lists(_LINK, max_size=12),
    st.lists(st.tuples(st.integers(-3, 5), st.integers(0, 3)), max_size=3),
    st.lists(st.integers(-1, 5), max_size=3),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=2),
    st.integers(-1, 11),
)
def test_link_graph_answers_every_question_as_the_topology_does(
    n: int,
    links: list[tuple[int, int, int, str]],
    orphans: list[tuple[int, int]],
    onprem: list[int],
    planned: list[tuple[int, int]],
    twin: int,
) -> None:
    """Domains (with and without planned edges) as the same partition, their sizes, every pair's
    links in the same order, every node's neighbours and spelling: on estates with remote VNets
    outside the snapshot, IDs spelled in other cases or with a final '/', links to their own VNet,
    two links between one pair, peerings listed without their VNet, on-prem networks, and (in an
    Estate made directly, which the loader would refuse) two VNets of one ID in other cases."""
    b = EstateBuilder()
    names = [f"v{i}" for i in range(n)]
    for i, name in enumerate(names):
        b.vnet(name, [f"10.{i}.0.0/16"])

    def remote(r: int, how: int) -> str:
        return _spelling(_OUTSIDE[-r - 1] if r < 0 else b.vid(names[r % n]), how)

    for i, (local, r, how, state) in enumerate(links):
        b.link(names[local % n], remote(r, how), state=state, name=f"link{i}")
    for i, (r, how) in enumerate(orphans):
        b.add(peering_dict(_GHOST, remote(r, how), ["10.200.0.0/16"], name=f"orphan{i}"))
    for i, via in enumerate(onprem):
        b.onprem(f"dc{i}", [f"192.168.{i}.0/24"], via=names[via % n] if via >= 0 else None)
    e = b.estate()
    if twin >= 0:  # the same VNet again, its ID upper-cased, listed first or last
        v = e.vnets[twin % n]
        other = replace(v, id=v.id.upper())
        e = replace(e, vnets=(other, *e.vnets) if twin < 6 else (*e.vnets, other))
    keys = [rid_key(b.vid(name)) for name in names]
    _assert_graph_answers_as_topology(e, [(keys[x % n], keys[y % n]) for x, y in planned if x % n != y % n])
