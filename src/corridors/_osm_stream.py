"""Streaming OSM import (internal to `corridors.osm`): PBF or large XML into an OSMnx-schema graph.

Two passes with pyosmium (``osmium``): the ways with a ``highway`` tag or a rail ``railway`` tag
(their node references and useful tags), then only the nodes they use (an ``IdFilter`` in C++, so
Python never sees the others). The graph is then built as ``osmnx.graph_from_xml`` would build and
simplify it (OSMnx's one-way, reversal and endpoint rules), straight from arrays: no unsimplified
graph is ever held, so memory grows with the simplified graph, not with the file.
"""

from __future__ import annotations

from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._errors import CatalogError

if TYPE_CHECKING:
    import networkx as nx

# OSMnx's values (osmnx._overpass / osmnx.graph): a way is one-way for these ``oneway`` values or
# as a roundabout, and reversed (its nodes run against the traffic) for the reversed values.
_ONEWAY_VALUES = {"yes", "true", "1", "-1", "reverse", "T", "F"}
_REVERSED_VALUES = {"-1", "reverse", "T"}


def read(path: Path, way_tags: list[str], node_tags: list[str], rail_values: set[str]) -> nx.MultiDiGraph:
    """The simplified OSMnx graph of the road and rail ways of an OSM file (PBF, XML, gzip/bzip2 XML)."""
    import osmium
    import osmium.filter

    try:
        ways, refs, offsets = _ways(osmium, path, way_tags, rail_values)
        if not ways:
            raise CatalogError(f"{path}: holds no highway or railway ways")
        needed = np.unique(refs)
        ids, lon, lat, tags = _nodes(osmium, path, needed, node_tags)
    except CatalogError:
        raise
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as exc:  # osmium's I/O and parse errors
        message = " ".join(str(exc).split())
        raise CatalogError(f"{path}: not a readable OSM file: {message}") from None
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CatalogError(
            f"{path}: {int(bad.sum())} node(s) with invalid coordinates, first OSM node {ids[i]} "
            f"(lon {lon[i]!r}, lat {lat[i]!r})"
        )
    return _graph(ways, refs, offsets, ids, lon, lat, tags)


def _ways(osmium: Any, path: Path, way_tags: list[str], rail_values: set[str]):
    ways: list[dict[str, Any]] = []
    chunks: list[np.ndarray] = []
    offsets = [0]
    fp = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway", "railway"))
    for w in fp:
        tags = w.tags
        if "highway" not in tags and tags.get("railway") not in rail_values:
            continue
        node_refs = np.fromiter((n.ref for n in w.nodes), dtype=np.int64)
        if len(node_refs) < 2:
            continue
        attrs = {k: tags[k] for k in way_tags if k in tags}
        attrs["osmid"] = w.id
        ways.append(attrs)
        chunks.append(node_refs)
        offsets.append(offsets[-1] + len(node_refs))
    refs = np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)
    return ways, refs, np.asarray(offsets, dtype=np.int64)


def _nodes(osmium: Any, path: Path, needed: np.ndarray, node_tags: list[str]):
    ids = np.empty(len(needed), dtype=np.int64)
    lon = np.empty(len(needed))
    lat = np.empty(len(needed))
    tags: dict[int, dict[str, str]] = {}
    n = 0
    fp = osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(osmium.filter.IdFilter(needed.tolist()))
    for node in fp:
        loc = node.location
        ids[n], lon[n], lat[n] = node.id, loc.lon_without_check(), loc.lat_without_check()
        if len(node.tags):
            found = {k: node.tags[k] for k in node_tags if k in node.tags}
            if found:
                tags[node.id] = found
        n += 1
    order = np.argsort(ids[:n], kind="stable")
    return ids[:n][order], lon[:n][order], lat[:n][order], tags


def _graph(
    ways: list[dict[str, Any]],
    refs: np.ndarray,
    offsets: np.ndarray,
    ids: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    node_tags: dict[int, dict[str, str]],
) -> nx.MultiDiGraph:
    import networkx as nx
    import shapely

    # node references -> node indices (references to nodes missing from the file are dropped)
    pos = np.searchsorted(ids, refs)
    pos[pos == len(ids)] = 0
    known = ids[pos] == refs if len(ids) else np.zeros(len(refs), dtype=bool)
    way_of = np.repeat(np.arange(len(ways)), np.diff(offsets))
    idx, way_of = pos[known], way_of[known]
    # directed edges of consecutive nodes of a way, as OSMnx adds them (reversed ways flipped first)
    same_way = way_of[1:] == way_of[:-1]
    a, b, w = idx[:-1][same_way], idx[1:][same_way], way_of[:-1][same_way]
    oneway = np.array([_one_way(t) for t in ways], dtype=bool)
    flip = np.array([t.get("oneway") in _REVERSED_VALUES for t in ways], dtype=bool)
    for t, one in zip(ways, oneway.tolist(), strict=True):
        t["oneway"] = one  # OSMnx replaces the tag by whether the edge is one-way
    f = flip[w]
    a, b = np.where(f, b, a), np.where(f, a, b)
    both = ~oneway[w]
    U = np.concatenate([a, b[both]])
    V = np.concatenate([b, a[both]])
    # Per directed edge: its way and whether it runs against the way. Read through memoryviews, which
    # give a Python int per access rather than holding millions of int objects (a list would take
    # 36 bytes an entry, and freed small objects stay in the process's arenas).
    W = _view(np.concatenate([w, w[both]]).astype(np.int64))
    R = _view(np.concatenate([np.zeros(len(a), dtype=bool), np.ones(int(both.sum()), dtype=bool)]))
    n = len(ids)
    # OSMnx's endpoint rules (simplification._is_endpoint): self-loop, no way in or out, or not
    # exactly two neighbours with degree 2 or 4
    out_deg, in_deg = np.bincount(U, minlength=n), np.bincount(V, minlength=n)
    keys = np.unique(np.concatenate([U * n + V, V * n + U]))  # each (node, neighbour) once
    neighbours = np.bincount(keys // n, minlength=n)
    del keys
    deg = out_deg + in_deg
    loop = np.zeros(n, dtype=bool)
    loop[U[U == V]] = True
    used = deg > 0
    endpoint = used & (loop | (out_deg == 0) | (in_deg == 0) | ~((neighbours == 2) & np.isin(deg, (2, 4))))
    # successor lists in insertion order (CSR over the directed edges)
    order = np.argsort(U, kind="stable")
    succ_ptr = np.concatenate([[0], np.cumsum(out_deg)])
    succ_v, succ_e = V[order], order
    G = nx.MultiDiGraph()
    keep = np.flatnonzero(endpoint)
    G.add_nodes_from(
        (int(ids[i]), {"y": float(lat[i]), "x": float(lon[i]), **node_tags.get(int(ids[i]), {})}) for i in keep
    )
    edges: list[tuple[int, int, dict[str, Any]]] = []
    flat = array("q")  # the node indices of every edge with interstitial nodes, end to end
    sizes: list[int] = []
    with_line: list[int] = []
    is_end = _view(endpoint)
    succ = _Successors(_view(succ_ptr.astype(np.int64)), _view(succ_v), _view(succ_e))
    osm_id = _view(ids.astype(np.int64))
    for u in keep.tolist():
        for v, e in succ[u]:
            path, path_edges = [u, v], [e]
            if not is_end[v]:
                path, path_edges = _follow(u, v, e, is_end, succ)
            edges.append((osm_id[path[0]], osm_id[path[-1]], _merge(ways, W, R, path_edges)))
            if len(path) > 2:
                with_line.append(len(edges) - 1)
                flat.extend(path)
                sizes.append(len(path))
    if sizes:
        at = np.frombuffer(flat, dtype=np.int64)
        geoms = shapely.linestrings(np.c_[lon[at], lat[at]], indices=np.repeat(np.arange(len(sizes)), sizes))
        for j, g in zip(with_line, geoms.tolist(), strict=True):
            edges[j][2]["geometry"] = g
    G.add_edges_from(edges)
    return G


def _view(a: np.ndarray) -> memoryview:
    """A 1-d array as a memoryview: each item read is a Python int (or bool), none is kept."""
    return np.ascontiguousarray(a).data


class _Successors:
    """Successors (node, edge) of each node from flat arrays: far less memory than a list per node."""

    def __init__(self, ptr: memoryview, nodes: memoryview, edges: memoryview):
        self.ptr, self.nodes, self.edges = ptr, nodes, edges

    def __getitem__(self, u: int) -> list[tuple[int, int]]:
        a, b = self.ptr[u], self.ptr[u + 1]
        return list(zip(self.nodes[a:b], self.edges[a:b], strict=True))


def _one_way(tags: dict[str, Any]) -> bool:
    """OSMnx's rule (graph._is_path_one_way, not bidirectional): the oneway tag or a roundabout."""
    import osmnx as ox

    if ox.settings.all_oneway:
        return True
    return tags.get("oneway") in _ONEWAY_VALUES or tags.get("junction") == "roundabout"


def _follow(start: int, first: int, edge: int, is_end: memoryview, succ: _Successors) -> tuple[list[int], list[int]]:
    """The chain of interstitial nodes from ``start`` through ``first`` to the next endpoint (OSMnx's _build_path)."""
    path, path_edges = [start, first], [edge]
    prev, node = start, first
    while not is_end[node]:
        # an interstitial node has two neighbours: the way on is the successor not yet on the path
        nxt = [(v, e) for v, e in succ[node] if v != prev and v != start]
        if len(nxt) != 1:
            back = [e for v, e in succ[node] if v == start]
            if back and not nxt:  # a loop back to where it began
                path.append(start)
                path_edges.append(back[0])
            break
        prev, (node, e) = node, nxt[0]
        path.append(node)
        path_edges.append(e)
    return path, path_edges


def _merge(ways: list[dict[str, Any]], W: memoryview, R: memoryview, path_edges: list[int]) -> dict[str, Any]:
    """Attributes of a simplified edge: each value once, a list (sorted) where the segments differ."""
    first = path_edges[0]
    if all(W[e] == W[first] and R[e] == R[first] for e in path_edges):
        way = ways[W[first]]
        return {**way, "reversed": R[first]}
    values: dict[str, list[Any]] = {}
    for e in path_edges:
        way = ways[W[e]]
        for key, value in (*way.items(), ("reversed", R[e])):
            values.setdefault(key, []).append(value)
    out: dict[str, Any] = {}
    for key, vals in values.items():
        unique = sorted(set(vals), key=str)
        out[key] = unique[0] if len(unique) == 1 else unique
    return out
