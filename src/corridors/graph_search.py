"""Shortest paths on any OSMnx-schema graph: a CSR matrix built once and scipy's Dijkstra.

Knows nothing of corridors: `Router` answers single shortest paths and k shortest simple
paths on a ``networkx.MultiDiGraph`` whose edges carry a weight (``length`` by default), taking the
least weight between parallel edges as OSMnx does. Helpers turn node paths into edges and lines.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:
    import networkx as nx


__all__ = [
    "Router",
    "by_mode",
]


class Router:
    """Shortest paths on a (Multi)DiGraph through a CSR matrix built once and scipy's Dijkstra.

    Between parallel edges the one with the least ``weight`` counts, as in OSMnx.
    """

    def __init__(self, G: nx.MultiDiGraph, weight: str = "length"):
        from scipy.sparse import csr_array

        self.graph = G
        self.weight = weight
        self.nodes: list[int] = list(G.nodes)
        self.index = {n: i for i, n in enumerate(self.nodes)}
        triples = [(self.index[u], self.index[v], w) for u, v, w in G.edges(data=weight)]
        n = len(self.nodes)
        if triples:
            u, v, w = (np.array(col) for col in zip(*triples, strict=True))
            u, v, w = u.astype(np.int64), v.astype(np.int64), w.astype(float)
        else:
            u = v = np.empty(0, dtype=np.int64)
            w = np.empty(0)
        order = np.lexsort((w, v, u))
        u, v, w = u[order], v[order], w[order]
        first = np.ones(len(u), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        self._u, self._v, self._w = u[first], v[first], w[first]
        indptr = np.searchsorted(self._u, np.arange(n + 1))
        self.csr = csr_array((self._w, self._v, indptr), shape=(n, n))
        self._digraph: nx.DiGraph | None = None

    def distances(self, orig: int) -> tuple[np.ndarray, np.ndarray]:
        """Distances (``weight`` units) from ``orig`` to every node, and the predecessor array."""
        from scipy.sparse.csgraph import dijkstra

        return dijkstra(self.csr, directed=True, indices=self.index[orig], return_predecessors=True)

    def shortest_path(self, orig: int, dest: int) -> list[int] | None:
        """Nodes of the shortest path from ``orig`` to ``dest``; None when ``dest`` is unreachable."""
        found = self._shortest(orig, dest)
        return None if found is None else found[1]

    def _shortest(self, orig: int, dest: int) -> tuple[float, list[int]] | None:
        dist, pred = self.distances(orig)
        j = self.index[dest]
        if not np.isfinite(dist[j]):
            return None
        path = [j]
        while path[-1] != self.index[orig]:
            path.append(int(pred[path[-1]]))
        return float(dist[j]), [self.nodes[i] for i in reversed(path)]

    def k_shortest_paths(self, orig: int, dest: int, k: int) -> list[tuple[float, list[int]]]:
        """Up to ``k`` shortest simple paths as ``(length, nodes)``, shortest first (Yen's algorithm)."""
        return list(itertools.islice(self.simple_paths(orig, dest), k))

    def simple_paths(self, orig: int, dest: int) -> Iterator[tuple[float, list[int]]]:
        """Simple paths as ``(length, nodes)`` in order of length: the Dijkstra path, then Yen's next ones.

        The later paths come from networkx ``shortest_simple_paths`` on the graph with parallel
        edges collapsed, as ``osmnx.routing.k_shortest_paths`` does.
        """
        import networkx as nx

        first = self._shortest(orig, dest)
        if first is None:
            return
        yield first
        if self._digraph is None:
            nodes = np.asarray(self.nodes)
            self._digraph = nx.DiGraph()
            self._digraph.add_nodes_from(self.nodes)
            self._digraph.add_weighted_edges_from(
                zip(nodes[self._u].tolist(), nodes[self._v].tolist(), self._w.tolist(), strict=True),
                weight=self.weight,
            )
        for path in nx.shortest_simple_paths(self._digraph, orig, dest, weight=self.weight):
            if path != first[1]:
                yield nx.path_weight(self._digraph, path, self.weight), path


def edge_geometries(G: nx.MultiDiGraph, edges: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """Geometry of each edge; straight lines between the nodes where an edge has none (OSMnx's rule)."""
    geoms = np.array([G.edges[e].get("geometry") for e in edges], dtype=object)
    missing = np.flatnonzero([not isinstance(g, shapely.Geometry) for g in geoms])
    if len(missing):
        ends = [(G.nodes[edges[i][0]], G.nodes[edges[i][1]]) for i in missing.tolist()]
        xy = np.array([[(a["x"], a["y"]), (b["x"], b["y"])] for a, b in ends], dtype=float).reshape(-1, 2)
        geoms[missing] = shapely.linestrings(xy, indices=np.repeat(np.arange(len(missing)), 2))
    return geoms


def path_edges(G: nx.MultiDiGraph, nodes: Sequence[int]) -> list[tuple[int, int, int]]:
    """The edges of a node path, the shortest of parallel edges each time (OSMnx's rule)."""
    return [(u, v, min(G[u][v], key=lambda key: G[u][v][key]["length"])) for u, v in itertools.pairwise(nodes)]


def path_coords(G: nx.MultiDiGraph, edges: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """Vertices (lon, lat) of a path: its edges' geometries joined end to end."""
    parts = [shapely.get_coordinates(g) for g in edge_geometries(G, edges)]
    return np.concatenate([parts[0], *(p[1:] for p in parts[1:])])


def by_mode(G: nx.MultiDiGraph, modes: Sequence[str]) -> nx.MultiDiGraph:
    """View of ``G`` with only the edges of ``modes`` (and the nodes they touch)."""
    return G.edge_subgraph([(u, v, key) for u, v, key, m in G.edges(keys=True, data="kind") if m in modes])
