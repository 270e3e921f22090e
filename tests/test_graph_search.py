"""graph_search.Router: k shortest simple paths on the CSR matrix against networkx's Yen.

Synthetic graphs with random real weights (so no two paths tie and the order is unique), parallel
edges, one-way edges, unreachable targets and more paths asked for than exist; then the OSM fixture.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
from fixtures.synthetic_network import install, node_id, write_osm

from corridors import graph_search, osm


def perturbed_grid(n: int, seed: int, *, one_way_share: float = 0.2) -> nx.MultiDiGraph:
    """An n × n grid, edges of random length 1–2, some one way, some doubled by a longer parallel edge."""
    rng = np.random.default_rng(seed)
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_nodes_from((i * n + j, {"x": float(j), "y": float(i)}) for i in range(n) for j in range(n))
    for i, j, (di, dj) in itertools.product(range(n), range(n), ((0, 1), (1, 0))):
        if i + di < n and j + dj < n:
            a, b = i * n + j, (i + di) * n + j + dj
            G.add_edge(a, b, length=float(rng.uniform(1, 2)))
            if rng.random() > one_way_share:
                G.add_edge(b, a, length=float(rng.uniform(1, 2)))
            if rng.random() < 0.1:
                G.add_edge(a, b, length=float(rng.uniform(2, 3)))  # parallel, never the shorter
    return G


def networkx_paths(G: nx.MultiDiGraph, a: int, b: int, k: int) -> list[list[int]]:
    D = ox.convert.to_digraph(G, weight="length")
    try:
        return list(itertools.islice(nx.shortest_simple_paths(D, a, b, weight="length"), k))
    except nx.NetworkXNoPath:
        return []


def assert_same_as_networkx(G: nx.MultiDiGraph, pairs, k: int) -> None:
    router = graph_search.Router(G)
    D = ox.convert.to_digraph(G, weight="length")
    for a, b in pairs:
        ours = router.k_shortest_paths(a, b, k)
        theirs = networkx_paths(G, a, b, k)
        assert [p for _, p in ours] == theirs, (a, b)
        assert [length for length, _ in ours] == pytest.approx(
            [nx.path_weight(D, p, "length") for p in theirs], rel=1e-12
        )
        assert [length for length, _ in ours] == sorted(length for length, _ in ours)


@pytest.mark.parametrize("n, k, seed", [(6, 12, 1), (9, 8, 2), (14, 4, 3)])
def test_k_shortest_paths_equal_networkx_on_perturbed_grids(n, k, seed):
    G = perturbed_grid(n, seed)
    rng = np.random.default_rng(seed)
    pairs = [tuple(int(x) for x in rng.choice(n * n, 2, replace=False)) for _ in range(6)]
    assert_same_as_networkx(G, [(0, n * n - 1), (n * n - 1, 0), *pairs], k)


def test_every_simple_path_of_a_small_graph_in_order():
    G = perturbed_grid(3, 4, one_way_share=0.0)
    router = graph_search.Router(G)
    ours = list(router.simple_paths(0, 8))
    assert [p for _, p in ours] == networkx_paths(G, 0, 8, 10_000)
    assert len(ours) == 12  # the simple corner-to-corner paths of a 3 × 3 grid


def test_unreachable_and_single_paths():
    G = nx.MultiDiGraph(crs="EPSG:4326")
    G.add_nodes_from((i, {"x": float(i), "y": 0.0}) for i in range(5))
    G.add_edge(0, 1, length=1.0)
    G.add_edge(1, 2, length=1.0)
    G.add_edge(1, 2, length=0.5)  # parallel: the shorter counts
    G.add_edge(3, 4, length=1.0)
    router = graph_search.Router(G)
    assert router.k_shortest_paths(0, 2, 3) == [(1.5, [0, 1, 2])]
    assert router.k_shortest_paths(2, 0, 3) == []
    assert router.k_shortest_paths(0, 4, 3) == []
    G.add_edge(0, 2, length=2.0)
    assert graph_search.Router(G).k_shortest_paths(0, 2, 5) == [(1.5, [0, 1, 2]), (2.0, [0, 2])]


def test_k_shortest_paths_on_the_osm_fixture(monkeypatch, tmp_path):
    install(monkeypatch)
    G = osm.load_osm(write_osm(tmp_path / "grid.osm"))
    nodes = sorted(G.nodes)
    assert_same_as_networkx(G, itertools.permutations(nodes, 2), 4)
    # and the same as osmnx's own k_shortest_paths (networkx's Yen on the collapsed graph)
    router = graph_search.Router(G)
    for a, b in [(node_id("s", "m"), node_id("n", "m")), (node_id("c", "w"), node_id("n", "m"))]:
        expected = list(ox.routing.k_shortest_paths(G, a, b, 4, weight="length"))
        assert len(expected) >= 2
        assert [p for _, p in router.k_shortest_paths(a, b, 4)] == expected
