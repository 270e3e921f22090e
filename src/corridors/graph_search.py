"""Shortest paths on any OSMnx-schema graph: a CSR matrix built once and scipy's Dijkstra.

Knows nothing of corridors: `Router` answers single shortest paths and k shortest simple
paths on a ``networkx.MultiDiGraph`` whose edges carry a weight (``length`` by default), taking the
least weight between parallel edges as OSMnx does. Helpers turn node paths into edges and lines.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely

from . import settings

if TYPE_CHECKING:
    import networkx as nx
    from scipy.sparse import csr_array


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
        self._reverse: csr_array | None = None
        self._keys = np.empty(0, dtype=np.int64)

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
        """Simple paths as ``(length, nodes)`` in order of length (Yen's algorithm on the CSR matrix).

        The same paths in the same order as networkx ``shortest_simple_paths`` on the graph with
        parallel edges collapsed (as ``osmnx.routing.k_shortest_paths`` uses it), ties apart: each
        path after the first deviates from an earlier one at a spur node, and the spur search is
        scipy's Dijkstra on the CSR matrix with the root's nodes and the earlier paths' next edges
        masked (weight infinity). The searches run on reduced costs ``w(u, v) + h(v) - h(u)``, with
        ``h`` the exact distance to ``dest`` (one Dijkstra on the reversed graph), and stop at a
        distance limit raised until the target is reached, so each explores only the nodes near
        the detour it finds (A* with a perfect heuristic for the unmasked graph).
        """
        from scipy.sparse import csr_array
        from scipy.sparse.csgraph import dijkstra

        first = self._shortest(orig, dest)
        if first is None:
            return
        yield first
        s, t = self.index[orig], self.index[dest]
        if self._reverse is None:
            self._reverse = self.csr.T.tocsr()
            self._keys = self._u * len(self.nodes) + self._v
        h = dijkstra(self._reverse, directed=True, indices=t)
        indptr = self.csr.indptr
        with np.errstate(invalid="ignore"):
            reduced = self._w + h[self._v] - h[self._u]
        reduced[~np.isfinite(reduced)] = np.inf  # edges from or into nodes that cannot reach dest
        np.maximum(reduced, 0.0, out=reduced)  # rounding; h is consistent
        scale = max(float(h[s]), 1e-9)
        found: list[list[int]] = [[self.index[n] for n in first[1]]]
        heap: list[tuple[float, int, list[int]]] = []
        queued: set[tuple[int, ...]] = set()
        counter = itertools.count()
        prev = found[0]
        while True:
            data = reduced.copy()
            graph = csr_array((data, self.csr.indices, indptr), shape=self.csr.shape, copy=False)
            data = graph.data  # the matrix's own array: masks written here reach the searches
            # prefix sums of the previous path's weights: the root lengths, summed as networkx does
            root_lengths = np.concatenate([[0.0], np.cumsum(self._w[self._edge_positions(prev)])])
            sharing = found  # earlier paths that begin with the current root
            for i in range(1, len(prev)):
                v = prev[i - 1]
                sharing = [path for path in sharing if len(path) > i and path[i - 1] == v]
                data[self._edge_positions_of([(path[i - 1], path[i]) for path in sharing])] = np.inf
                spur = self._spur(graph, v, t, scale)
                if spur is not None:
                    candidate = prev[: i - 1] + spur
                    key = tuple(candidate)
                    if key not in queued:
                        length = float(root_lengths[i - 1]) + float(self._w[self._edge_positions(spur)].sum())
                        heapq.heappush(heap, (length, next(counter), candidate))
                        queued.add(key)
                data[indptr[v] : indptr[v + 1]] = np.inf  # the root's nodes are used up
            if not heap:
                return
            _, _, prev = heapq.heappop(heap)
            queued.discard(tuple(prev))
            found.append(prev)
            yield float(self._w[self._edge_positions(prev)].sum()), [self.nodes[j] for j in prev]

    def _edge_positions(self, path: Sequence[int]) -> np.ndarray:
        """Positions in the CSR data of the edges along a path of node indices."""
        p = np.asarray(path, dtype=np.int64)
        return np.searchsorted(self._keys, p[:-1] * len(self.nodes) + p[1:])

    def _edge_positions_of(self, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
        """Positions in the CSR data of the edges ``(u, v)`` (node indices)."""
        p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return np.searchsorted(self._keys, p[:, 0] * len(self.nodes) + p[:, 1])

    @staticmethod
    def _spur(graph: csr_array, v: int, t: int, scale: float) -> list[int] | None:
        """Shortest path (node indices) from ``v`` to ``t`` on the reduced costs; None when there is none."""
        from scipy.sparse.csgraph import dijkstra

        limit = scale * settings.YEN_FIRST_LIMIT
        while True:
            dist, pred = dijkstra(graph, directed=True, indices=v, return_predecessors=True, limit=limit)
            if np.isfinite(dist[t]):
                break
            if not np.isfinite(limit) or not _cut(graph, dist):
                return None
            limit = limit * settings.YEN_LIMIT_GROWTH if limit < scale * 4 else np.inf
        path = [t]
        while path[-1] != v:
            path.append(int(pred[path[-1]]))
        return path[::-1]


def _cut(graph: csr_array, dist: np.ndarray) -> bool:
    """Whether a search stopped by its distance limit left an edge unexplored (else all is reached)."""
    reached = np.flatnonzero(np.isfinite(dist))
    starts, stops = graph.indptr[reached], graph.indptr[reached + 1]
    counts = stops - starts
    at = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    return bool(np.any(np.isfinite(graph.data[at]) & ~np.isfinite(dist[graph.indices[at]])))


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
