"""The corridor network in OSMnx's graph schema, built from the catalog.

**Schema.** The graph is the one OSMnx builds, so ``osmnx.routing.shortest_path``,
``osmnx.convert.graph_to_gdfs``, ``osmnx.io.save_graphml`` and ``osmnx.io.save_graph_geopackage``
work on it unchanged (it passes ``osmnx.convert.validate_graph(G, strict=True)``):

**Building from the catalog** (`build_network`). Every corridor except strips of territory
contributes its modeled route (`alignment.route_lines`, so ``alignment: osm`` records bring
their road geometry), cut at its waypoints into edges. Nodes are the waypoints, and each off-line stop at the
point of its record's line nearest to it: records join
where they share a place (Quetta, Multan, Kashgar…), and places closer than `SNAP_KM`
merge, nearest first, as long as no record passes through both (a record's own nearby
waypoints, such as a port and its town, stay apart); a straight stub then joins a merged
waypoint to its node. Roads, railways, connectors
and port links get edges in both directions; a pipeline only in its flow direction (the order of
its waypoints). Connectors and port links are roads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely

from . import alignment, settings
from ._errors import RoutingError
from .catalog import MODES, Corridor
from .distance import chord, distance_km, line_lengths_m, unit_xyz
from .graph_search import edge_geometries

if TYPE_CHECKING:
    import networkx as nx


__all__ = [
    "build_network",
    "edges_through",
]


def build_network(
    corridors: Iterable[Corridor] | None = None, *, snap_km: float | None = None, densify_km: float | None = None
) -> nx.MultiDiGraph:
    """The network of ``corridors`` (the whole catalog by default) in OSMnx's graph schema.

    ``snap_km`` is the joining distance (``settings.NETWORK_SNAP_KM`` by default); ``densify_km``
    the vertex spacing of the modeled lines (``settings.DENSIFY_KM`` by default).
    """
    import networkx as nx

    snap_km = settings.NETWORK_SNAP_KM if snap_km is None else float(snap_km)
    if corridors is None:
        from .catalog import load_catalog

        corridors = load_catalog().values()
    items = [c for c in corridors if c.kind in MODES]
    if not items:
        raise RoutingError("network: the catalog holds no road, rail, pipeline or connector record to join")
    lines = alignment.route_lines(items, densify_km=densify_km)
    xy, line_idx = shapely.get_coordinates(lines, return_index=True)
    line_start = np.searchsorted(line_idx, np.arange(len(items) + 1))
    points = [_line_points(c, xy[line_start[i] : line_start[i + 1]]) for i, c in enumerate(items)]
    counts = np.array([len(p) for p in points])
    wp_lonlat = np.array([(lon, lat) for p in points for _, lon, lat in p], dtype=float)
    wp_names = [name for p in points for name, _, _ in p]
    node_of, rep = _cluster(wp_lonlat[:, 0], wp_lonlat[:, 1], np.repeat(np.arange(len(items)), counts), snap_km)
    node_xy = wp_lonlat[rep]

    wp_start = np.concatenate([[0], np.cumsum(counts)])
    legs: list[tuple[int, int, int, np.ndarray]] = []  # corridor, u, v, coords
    seen: set[tuple[str, int, int, bytes]] = set()
    for i, corridor in enumerate(items):
        verts = xy[line_start[i] : line_start[i + 1]]
        nodes = node_of[wp_start[i] : wp_start[i + 1]]
        at = _waypoint_vertices(verts, wp_lonlat[wp_start[i] : wp_start[i + 1]])
        mode = MODES[corridor.kind]
        for (a, u), (b, v) in itertools.pairwise(zip(at, nodes, strict=True)):
            if u == v:
                continue
            coords = np.vstack([node_xy[u], verts[a : b + 1], node_xy[v]])  # stubs to merged nodes
            coords = coords[np.r_[True, np.any(coords[1:] != coords[:-1], axis=1)]]
            key = (mode, u, v, coords.tobytes())
            if mode != "pipeline" and u > v:  # the same line drawn the other way is the same road
                key = (mode, v, u, coords[::-1].copy().tobytes())
            if key not in seen:
                seen.add(key)
                legs.append((i, int(u), int(v), coords))
    if not legs:
        raise RoutingError("network: no corridor has two waypoints farther apart than the snapping distance")
    geoms = shapely.linestrings(
        np.concatenate([c for *_, c in legs]),
        indices=np.repeat(np.arange(len(legs)), [len(c) for *_, c in legs]),
    )
    lengths = line_lengths_m(geoms)
    ends = np.array([(u, v) for _, u, v, _ in legs], dtype=np.int64)
    street_count = np.bincount(ends.ravel(), minlength=len(rep))

    places: list[dict[str, None]] = [{} for _ in rep]  # every name merged into a node, in order
    for name, n in zip(wp_names, node_of.tolist(), strict=True):
        places[n][name] = None
    G = nx.MultiDiGraph(crs="EPSG:4326", name="corridor network", snap_km=float(snap_km))
    G.add_nodes_from(
        (
            n,
            {
                "y": float(node_xy[n, 1]),
                "x": float(node_xy[n, 0]),
                "name": wp_names[rep[n]],
                "places": "; ".join(places[n]),
                "street_count": int(street_count[n]),
            },
        )
        for n in range(len(rep))
    )
    for s, ((i, u, v, _), geom, length) in enumerate(zip(legs, geoms, lengths.tolist(), strict=True)):
        c = items[i]
        oneway = MODES[c.kind] == "pipeline"
        attrs = {
            "osmid": s,
            "corridor": c.id,
            "name": c.name,
            "kind": MODES[c.kind],
            "status": c.status,
            "oneway": oneway,
            "length": length,
        }
        G.add_edge(u, v, **attrs, reversed=False, geometry=geom)
        if not oneway:
            G.add_edge(v, u, **attrs, reversed=True, geometry=geom.reverse())
    return G


def _line_points(corridor: Corridor, verts: np.ndarray) -> list[tuple[str, float, float]]:
    """A record's points on its line, in order: its waypoints, and each off-line stop at the line's
    vertex nearest to it (named after the stop), so records join there without a spur."""
    wps = [(w.name, w.lon, w.lat) for w in corridor.waypoints]
    if not corridor.stops:
        return wps
    at = _waypoint_vertices(verts, np.array([(w.lon, w.lat) for w in corridor.waypoints]))
    out = [(int(k), 0, p) for k, p in zip(at, wps, strict=True)]
    for w in corridor.stops:
        k = int(
            np.argmin(distance_km(verts[:, 0], verts[:, 1], np.full(len(verts), w.lon), np.full(len(verts), w.lat)))
        )
        if at[0] < k < at[-1]:  # a stop beyond either end stays off the network
            out.append((k, 1, (w.name, float(verts[k, 0]), float(verts[k, 1]))))
    return [p for *_, p in sorted(out, key=lambda t: (t[0], t[1]))]


def _cluster(lon: np.ndarray, lat: np.ndarray, record: np.ndarray, snap_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Node of each waypoint, and each node's first waypoint; nodes numbered by first appearance.

    Waypoints at the same point are one node. Then, nearest pairs first, two nodes closer than
    ``snap_km`` merge when no record passes through both, so a record's own nearby waypoints
    (a port and its town) stay apart while different records meeting there join.
    """
    from scipy.spatial import cKDTree

    points, group = np.unique(np.column_stack([lon, lat]), axis=0, return_inverse=True)
    group = group.ravel()
    records: list[set[int]] = [set() for _ in points]  # records passing through each node
    for g, r in zip(group.tolist(), record.tolist(), strict=True):
        records[g].add(r)
    parent = list(range(len(points)))

    def root(g: int) -> int:
        while parent[g] != g:
            parent[g] = parent[parent[g]]
            g = parent[g]
        return g

    pairs = cKDTree(unit_xyz(points[:, 0], points[:, 1])).query_pairs(
        r=chord(snap_km) * 1.001 + 1e-12, output_type="ndarray"
    )
    if len(pairs):
        dist = distance_km(
            points[pairs[:, 0], 0], points[pairs[:, 0], 1], points[pairs[:, 1], 0], points[pairs[:, 1], 1]
        )
        order = np.lexsort((pairs[:, 1], pairs[:, 0], dist))
        for p, q in pairs[order][dist[order] <= snap_km].tolist():
            rp, rq = root(p), root(q)
            if rp != rq and not records[rp] & records[rq]:
                parent[rq] = rp
                records[rp] |= records[rq]
    label = np.array([root(g) for g in range(len(points))])[group]
    _, rep, inverse = np.unique(label, return_index=True, return_inverse=True)
    rank = np.empty(len(rep), dtype=np.int64)
    rank[np.argsort(rep)] = np.arange(len(rep))
    return rank[inverse.ravel()], np.sort(rep)


def _waypoint_vertices(verts: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Index of the vertex at (or nearest to) each waypoint, never going back along the line."""
    out = np.empty(len(points), dtype=np.int64)
    lo = 0
    for j, p in enumerate(points):
        lo += int(np.argmin(((verts[lo:] - p) ** 2).sum(axis=1)))
        out[j] = lo
    return out


def edges_through(
    G: nx.MultiDiGraph, codes: Sequence[str], *, tolerance_km: float | None = None
) -> list[tuple[int, int, int]]:
    """Edges whose line runs through any of the countries ``codes`` (ISO3).

    A stretch inside a country shorter than ``tolerance_km`` (``settings.BORDER_TOLERANCE_KM``)
    that is not the edge's longest is boundary-hugging and does not count, as in scoring.
    """
    from . import scoring

    edges = list(G.edges(keys=True))
    if not edges or not codes:
        return []
    split = scoring.split_by_country(edge_geometries(G, edges), tolerance_km=tolerance_km)
    hit = np.unique(split.seq_route[np.isin(split.seq_country, list(codes))])
    return [edges[i] for i in hit]
