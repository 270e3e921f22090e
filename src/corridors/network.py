"""The corridor network in OSMnx's graph schema, routing across it, and OpenStreetMap import.

**Schema.** The graph is the one OSMnx builds, so ``osmnx.routing.shortest_path``,
``osmnx.convert.graph_to_gdfs``, ``osmnx.io.save_graphml`` and ``osmnx.io.save_graph_geopackage``
work on it unchanged (it passes ``osmnx.convert.validate_graph(G, strict=True)``):

* a ``networkx.MultiDiGraph`` with graph attribute ``crs = "EPSG:4326"`` and a ``name``;
* integer nodes with ``x`` (lon), ``y`` (lat), ``street_count`` and, on the corridor network,
  ``name`` (the first waypoint's place name) and ``places`` (every name merged into the node,
  separated by ``"; "``);
* edges with ``osmid`` (on the corridor network the number of the undirected segment, not an OSM
  id), ``length`` (metres on the WGS84 ellipsoid), ``geometry`` (lon/lat LineString from ``u`` to
  ``v``), ``kind`` (``road``, ``rail`` or ``pipeline``), ``corridor`` (catalog id, ``osm`` for OSM
  ways), ``name``, ``oneway`` and ``reversed``.

**Building from the catalog** (:func:`build_network`). Every corridor except strips of territory
contributes its modeled route (:func:`alignment.route_lines`, so ``alignment: osm`` records bring
their road geometry), cut at its waypoints into edges. Nodes are the waypoints: records join
where they share a place (Quetta, Multan, Kashgar…), and places closer than :data:`SNAP_KM`
merge, nearest first, as long as no record passes through both (a record's own nearby
waypoints, such as a port and its town, stay apart); a straight stub then joins a merged
waypoint to its node. Roads, railways, connectors
and port links get edges in both directions; a pipeline only in its flow direction (the order of
its waypoints). Connectors and port links are roads.

**Routing** (:func:`route`). Endpoints are place names: a node's own name, else the gazetteer
point snapped to the nearest node within :data:`ACCESS_KM`. Single shortest paths run scipy's
Dijkstra on a CSR matrix built once per graph (:class:`Router`); alternatives are Yen's
k shortest simple paths (networkx ``shortest_simple_paths``, as ``osmnx.routing.k_shortest_paths``
uses). ``avoid`` removes every edge whose line runs through a named country, apart from
boundary-hugging stretches shorter than the border tolerance, the rule scoring uses for crossings.
Each result is a :class:`~corridors.catalog.Corridor` whose ``coords`` are the path, scored by
:func:`corridors.scoring.score` like any corridor.

**OpenStreetMap** (:func:`load_osm`, :func:`fetch_osm`, :func:`osm_vertices`). A local OSM XML
extract is read with ``osmnx.graph_from_xml``; online, :func:`fetch_osm` downloads the roads (or
railways) within :data:`OSM_BUFFER_KM` of a corridor from the Overpass API with
``osmnx.graph_from_polygon``, keeps OSMnx's HTTP cache in ``settings.cache_dir() / "overpass"`` and
the graph in ``settings.cache_dir() / "osm" / "<id>.graphml"``. A corridor with ``alignment: osm``
follows the shortest OSM path between its waypoints, each waypoint joined to its nearest OSM node
(at most :data:`OSM_SNAP_KM` away) by a straight stub; its length becomes the road's. Without an
extract or a cached download it keeps the waypoint alignment and says, once, what is needed.
"""

from __future__ import annotations

import heapq
import itertools
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from . import _validate, alignment, settings
from ._errors import CatalogError, DataError, GeometryError, PlaceError, RoutingError
from .catalog import Corridor, Source, Waypoint, with_coords

if TYPE_CHECKING:
    import networkx as nx

    from .scoring import CorridorScore

__all__ = [
    "ACCESS_KM",
    "ALTERNATIVE_MIN_SHARE",
    "ALTERNATIVE_SEPARATION_KM",
    "DEFAULT_MODES",
    "KIND_CHOICES",
    "MODES",
    "OSM_BUFFER_KM",
    "OSM_SNAP_KM",
    "SNAP_KM",
    "Endpoint",
    "Route",
    "RouteSet",
    "Router",
    "build_network",
    "edges_through",
    "fetch_osm",
    "load_osm",
    "locate",
    "osm_cache_path",
    "osm_vertices",
    "resolve_countries",
    "route",
    "snap_to_osm",
]

#: Places closer than this, km (geodesic), merge into one node unless a record passes through both.
SNAP_KM = 10.0
#: A route's origin, destination or via place may lie at most this far from a node, km.
ACCESS_KM = 50.0
#: A corridor waypoint (or, routing on an extract, a place) may lie at most this far from an OSM
#: node of its kind, km; farther, the OSM data do not cover it.
OSM_SNAP_KM = 5.0
#: Half-width of the band around a corridor that :func:`fetch_osm` downloads, km.
OSM_BUFFER_KM = 5.0
#: Record kind → mode of its edges. Strips of territory are not ways and stay out of the network.
MODES: dict[str, str] = {
    "road": "road",
    "rail": "rail",
    "pipeline": "pipeline",
    "connector": "road",
    "port-link": "road",
    "route": "road",
}
#: Routes closer than this, km, run along the same corridor (capped at 5 % of the shortest route).
ALTERNATIVE_SEPARATION_KM = 25.0
#: An alternative must run at least this share of its length apart from every route chosen before.
ALTERNATIVE_MIN_SHARE = 0.05
#: Values of ``kind`` in :func:`route`: one mode, or ``any`` for all three.
KIND_CHOICES = ("road", "rail", "pipeline", "any")
#: Modes routed when no kind is given: the ways that carry travellers and freight.
DEFAULT_MODES = ("road", "rail")

_EARTH_RADIUS_KM = 6371.0088
_RAIL_VALUES = {"rail", "light_rail", "narrow_gauge", "subway", "tram", "monorail", "funicular"}
_OVERPASS_FILTERS = {
    "road": '["highway"~"^(motorway|trunk|primary|secondary|tertiary)(_link)?$"]',
    "rail": '["railway"~"^(rail|narrow_gauge|light_rail)$"]',
}


# --------------------------------------------------------------------------------------------
# geometry helpers


def _unit_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon_r, lat_r = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)])


def _chord(km: float) -> float:
    """Chord length on the unit sphere of an arc of ``km``."""
    return 2.0 * np.sin(min(km / _EARTH_RADIUS_KM, np.pi) / 2.0)


def _distance_km(lon0: Any, lat0: Any, lon1: Any, lat1: Any) -> np.ndarray:
    _, _, d = alignment.geod().inv(lon0, lat0, lon1, lat1)
    return np.asarray(d, dtype=float) / 1000.0


def _nearest(
    lon: np.ndarray, lat: np.ndarray, node_lon: np.ndarray, node_lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest node to each point (on the sphere) and its geodesic distance, km."""
    from scipy.spatial import cKDTree

    lon, lat = np.atleast_1d(lon).astype(float), np.atleast_1d(lat).astype(float)
    _, idx = cKDTree(_unit_xyz(node_lon, node_lat)).query(_unit_xyz(lon, lat))
    return idx, _distance_km(lon, lat, node_lon[idx], node_lat[idx])


def _lengths_m(lines: np.ndarray) -> np.ndarray:
    """Geodesic length of each lon/lat LineString, metres (vectorized over all segments)."""
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    same = idx[1:] == idx[:-1]
    _, _, seg = alignment.geod().inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
    return np.bincount(idx[:-1][same], weights=seg[same], minlength=len(lines))


def _edge_geometries(G: nx.MultiDiGraph, edges: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """Geometry of each edge; straight lines between the nodes where an edge has none (OSMnx's rule)."""
    geoms = np.array([G.edges[e].get("geometry") for e in edges], dtype=object)
    missing = np.flatnonzero([not isinstance(g, shapely.Geometry) for g in geoms])
    if len(missing):
        ends = [(G.nodes[edges[i][0]], G.nodes[edges[i][1]]) for i in missing.tolist()]
        xy = np.array([[(a["x"], a["y"]), (b["x"], b["y"])] for a, b in ends], dtype=float).reshape(-1, 2)
        geoms[missing] = shapely.linestrings(xy, indices=np.repeat(np.arange(len(missing)), 2))
    return geoms


# --------------------------------------------------------------------------------------------
# the corridor network


def build_network(
    corridors: Iterable[Corridor] | None = None, *, snap_km: float = SNAP_KM, densify_km: float | None = None
) -> nx.MultiDiGraph:
    """The network of ``corridors`` (the whole catalog by default) in OSMnx's graph schema.

    ``snap_km`` is the joining distance (see :data:`SNAP_KM`); ``densify_km`` the vertex spacing
    of the modeled lines (``settings.DENSIFY_KM`` by default).
    """
    import networkx as nx

    if corridors is None:
        from .catalog import load_catalog

        corridors = load_catalog().values()
    items = [c for c in corridors if c.kind in MODES]
    if not items:
        raise RoutingError("network: the catalog holds no road, rail, pipeline or connector record to join")
    lines = alignment.route_lines(items, densify_km=densify_km)
    counts = np.array([len(c.waypoints) for c in items])
    wp_lonlat = np.array([(w.lon, w.lat) for c in items for w in c.waypoints], dtype=float)
    wp_names = [w.name for c in items for w in c.waypoints]
    node_of, rep = _cluster(wp_lonlat[:, 0], wp_lonlat[:, 1], np.repeat(np.arange(len(items)), counts), snap_km)
    node_xy = wp_lonlat[rep]

    xy, line_idx = shapely.get_coordinates(lines, return_index=True)
    line_start = np.searchsorted(line_idx, np.arange(len(items) + 1))
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
    lengths = _lengths_m(geoms)
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

    pairs = cKDTree(_unit_xyz(points[:, 0], points[:, 1])).query_pairs(
        r=_chord(snap_km) * 1.001 + 1e-12, output_type="ndarray"
    )
    if len(pairs):
        dist = _distance_km(
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


# --------------------------------------------------------------------------------------------
# routing


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


@dataclass(frozen=True)
class Endpoint:
    """A place asked for (origin, via or destination) and the network node that stands for it."""

    query: str
    node: int
    name: str
    lon: float
    lat: float
    distance_km: float

    @property
    def note(self) -> str:
        """A sentence when the place is not itself a node, else ``""``."""
        if self.distance_km < 0.05:
            return ""
        return (
            f"{self.query} is not on the network; using the nearest node, {self.name}, {self.distance_km:.1f} km away"
        )


@dataclass(frozen=True)
class Route:
    """One route: a scored corridor whose ``coords`` are the path, and the path in the graph."""

    corridor: Corridor
    nodes: tuple[int, ...]
    edges: tuple[tuple[int, int, int], ...]
    network_km: float
    corridors: tuple[str, ...]
    score: CorridorScore | None = None


@dataclass(frozen=True)
class RouteSet:
    """The routes found between the stops (origin, via places, destination), shortest first."""

    stops: tuple[Endpoint, ...]
    routes: tuple[Route, ...]
    modes: tuple[str, ...]
    avoid: tuple[str, ...] = ()


def _modes(kind: str | None) -> tuple[str, ...]:
    if kind is None:
        return DEFAULT_MODES
    if kind not in KIND_CHOICES:
        raise RoutingError(f"kind: {kind!r} is not one of {', '.join(KIND_CHOICES)}")
    return ("road", "rail", "pipeline") if kind == "any" else (kind,)


def _by_mode(G: nx.MultiDiGraph, modes: Sequence[str]) -> nx.MultiDiGraph:
    """View of ``G`` with only the edges of ``modes`` (and the nodes they touch)."""
    return G.edge_subgraph([(u, v, key) for u, v, key, m in G.edges(keys=True, data="kind") if m in modes])


def _node_label(G: nx.MultiDiGraph, node: int) -> str:
    return str(G.nodes[node].get("name") or f"OSM node {node}")


def locate(G: nx.MultiDiGraph, place: str, *, max_km: float = ACCESS_KM) -> Endpoint:
    """The node standing for ``place``: a node of that name, else the gazetteer point's nearest node.

    Raises :class:`PlaceError` for an unknown name and :class:`RoutingError` when the nearest node
    is farther than ``max_km``.
    """
    from . import gazetteer

    named = _named_node(G, place)
    if named is not None:
        node, name = named
        return Endpoint(place, node, name, G.nodes[node]["x"], G.nodes[node]["y"], 0.0)
    if not len(G):
        raise RoutingError(f"{G.graph.get('name', 'network')}: has no nodes to route {place!r} from")
    point = gazetteer.lookup(place)
    nodes = list(G.nodes)
    node_lon = np.fromiter((G.nodes[n]["x"] for n in nodes), float, len(nodes))
    node_lat = np.fromiter((G.nodes[n]["y"] for n in nodes), float, len(nodes))
    idx, dist = _nearest(np.array([point.lon]), np.array([point.lat]), node_lon, node_lat)
    node, d = nodes[int(idx[0])], float(dist[0])
    if d > max_km:
        raise RoutingError(
            f"{place} ({point.lat:.3f}N {point.lon:.3f}E) is not on the {G.graph.get('name', 'network')}: "
            f"the nearest node, {_node_label(G, node)}, is {d:,.1f} km away (limit {max_km:g} km)"
        )
    return Endpoint(place, node, _node_label(G, node), G.nodes[node]["x"], G.nodes[node]["y"], d)


def resolve_countries(names: Iterable[str]) -> tuple[str, ...]:
    """ISO3 codes of countries given by code or English name (case ignored), in the order given."""
    import difflib

    from . import geodata

    countries = geodata.countries()
    by_key = {str(c).casefold(): str(c) for c in countries.iso_a3}
    by_key.update({str(n).casefold(): str(c) for c, n in zip(countries.iso_a3, countries.name, strict=True)})
    out: list[str] = []
    for name in names:
        code = by_key.get(name.strip().casefold())
        if code is None:
            close = difflib.get_close_matches(name.strip().casefold(), list(by_key), n=2, cutoff=0.6)
            hint = f"; did you mean {' or '.join(by_key[c] for c in close)}?" if close else ""
            raise PlaceError(f"avoid: {name!r} is not a country of the region (ISO3 code or English name){hint}")
        if code not in out:
            out.append(code)
    return tuple(out)


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
    split = scoring.split_by_country(_edge_geometries(G, edges), tolerance_km=tolerance_km)
    hit = np.unique(split.seq_route[np.isin(split.seq_country, list(codes))])
    return [edges[i] for i in hit]


def route(
    G: nx.MultiDiGraph,
    origin: str,
    destination: str,
    *,
    via: Sequence[str] = (),
    kind: str | None = None,
    avoid: Sequence[str] = (),
    k: int = 1,
    access_km: float = ACCESS_KM,
    tolerance_km: float | None = None,
    distinct: bool = True,
    score: bool = True,
) -> RouteSet:
    """Up to ``k`` shortest routes from ``origin`` through ``via`` to ``destination``, scored.

    ``kind`` is ``road``, ``rail``, ``pipeline`` or ``any``; by default roads and railways.
    ``avoid`` names countries (ISO3 or English name) whose edges are removed (see
    :func:`edges_through`). Alternatives are Yen's next-shortest paths; with ``distinct`` only those
    running at least :data:`ALTERNATIVE_MIN_SHARE` of their length farther than
    :data:`ALTERNATIVE_SEPARATION_KM` from every route already chosen count, so the same road
    drawn by two records, or a detour through one more town, is not offered as an alternative.
    With via places, alternatives are found per leg and the ``k`` shortest combinations kept.
    Raises :class:`RoutingError` with the reason when no route exists.
    """
    import networkx as nx

    if k < 1:
        raise RoutingError(f"k: {k!r} is not a positive number of routes")
    modes = _modes(kind)
    g_kind = _by_mode(G, modes)
    stops = []
    for name in (origin, *via, destination):
        named = _named_node(G, name)
        if named is not None and named[0] not in g_kind:
            raise RoutingError(_only_other_kinds(G, named[0], name, modes))
        stops.append(locate(g_kind, name, max_km=access_km))
    for a, b in itertools.pairwise(stops):
        if a.node == b.node:
            raise RoutingError(f"{a.query} and {b.query} are the same network node, {a.name}: nothing to route")
    codes = resolve_countries(avoid)
    g_route = g_kind
    if codes:
        from . import geodata

        countries = geodata.countries()
        inside = countries.locate(np.array([s.lon for s in stops]), np.array([s.lat for s in stops]))
        for stop, row in zip(stops, inside.tolist(), strict=True):
            if row >= 0 and countries.iso_a3[row] in codes:
                node = "" if stop.name.casefold() == stop.query.strip().casefold() else f" ({stop.name})"
                raise RoutingError(
                    f"{stop.query}{node} lies in {countries.iso_a3[row]} ({countries.name[row]}), "
                    "which --avoid excludes"
                )
        g_route = nx.restricted_view(g_kind, [], edges_through(g_kind, codes, tolerance_km=tolerance_km))
    router = Router(g_route)
    legs = []
    for a, b in itertools.pairwise(stops):
        paths = router.simple_paths(a.node, b.node)
        found = _distinct(g_route, paths, k) if distinct else list(itertools.islice(paths, k))
        if not found:
            raise RoutingError(_why_unreachable(G, g_kind, g_route, a, b, modes, codes))
        legs.append(found)
    combos: list[tuple[float, list[int]]] = [(0.0, [stops[0].node])]
    for leg in legs:
        combos = heapq.nsmallest(
            k,
            ((total + length, path + nodes[1:]) for total, path in combos for length, nodes in leg),
            key=lambda item: item[0],
        )
    routes = [_route_of(g_route, nodes, stops, i + 1, len(combos)) for i, (_, nodes) in enumerate(combos)]
    if score:
        from .scoring import score_records as score_corridors

        scores = score_corridors([r.corridor for r in routes], tolerance_km=tolerance_km)
        routes = [replace(r, score=s) for r, s in zip(routes, scores, strict=True)]
    return RouteSet(stops=tuple(stops), routes=tuple(routes), modes=modes, avoid=codes)


def _named_node(G: nx.MultiDiGraph, place: str) -> tuple[int, str] | None:
    """The node carrying ``place`` among its merged names (case ignored), with that name."""
    key = place.strip().casefold()
    for node, names in G.nodes(data="places"):
        for name in str(names or "").split("; "):
            if name.casefold() == key:
                return node, name
    return None


def _only_other_kinds(G: nx.MultiDiGraph, node: int, place: str, modes: tuple[str, ...]) -> str:
    edges = [*G.in_edges(node, data=True), *G.out_edges(node, data=True)]
    kinds = sorted({d["kind"] for *_, d in edges})
    ids = sorted({d["corridor"] for *_, d in edges})
    return (
        f"{place} lies only on {'/'.join(kinds)} links ({', '.join(ids)}), "
        f"which a {'/'.join(modes)} route leaves out; "
        f"route with --kind any (or --kind {' or --kind '.join(kinds)})"
    )


def _path_edges(G: nx.MultiDiGraph, nodes: Sequence[int]) -> list[tuple[int, int, int]]:
    """The edges of a node path, the shortest of parallel edges each time (OSMnx's rule)."""
    return [(u, v, min(G[u][v], key=lambda key: G[u][v][key]["length"])) for u, v in itertools.pairwise(nodes)]


def _path_coords(G: nx.MultiDiGraph, edges: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """Vertices (lon, lat) of a path: its edges' geometries joined end to end."""
    parts = [shapely.get_coordinates(g) for g in _edge_geometries(G, edges)]
    return np.concatenate([parts[0], *(p[1:] for p in parts[1:])])


def _distinct(G: nx.MultiDiGraph, paths: Iterator[tuple[float, list[int]]], k: int) -> list[tuple[float, list[int]]]:
    """The first ``k`` paths that each run apart from those kept before (see :func:`route`).

    At most 25·k candidates are examined.
    """
    chosen: list[tuple[float, list[int]]] = []
    lines: list[np.ndarray] = []
    separation_m = 0.0
    for length, nodes in itertools.islice(paths, 25 * k):
        xy = _path_coords(G, _path_edges(G, nodes))
        if not chosen:
            separation_m = min(ALTERNATIVE_SEPARATION_KM * 1000.0, ALTERNATIVE_MIN_SHARE * length)
        elif _apart_share(xy, lines, separation_m) < ALTERNATIVE_MIN_SHARE:
            continue
        chosen.append((length, nodes))
        lines.append(xy)
        if len(chosen) == k:
            break
    return chosen


def _apart_share(xy: np.ndarray, others: Sequence[np.ndarray], separation_m: float) -> float:
    """Share of the line ``xy`` lying farther than ``separation_m`` from every line of ``others``.

    Measured in an azimuthal equidistant projection centred on the line's start (distances true
    to about 2 % within 2,000 km, ample for telling corridors apart).
    """
    from pyproj import Transformer

    lon0, lat0 = xy[0]
    to_m = Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m", always_xy=True
    )
    px, py = to_m.transform(xy[:, 0], xy[:, 1])
    mids = shapely.points((px[:-1] + px[1:]) / 2.0, (py[:-1] + py[1:]) / 2.0)
    seg = np.hypot(np.diff(px), np.diff(py))
    near = np.zeros(len(seg), dtype=bool)
    for other in others:
        line = shapely.linestrings(np.column_stack(to_m.transform(other[:, 0], other[:, 1])))
        near |= shapely.dwithin(line, mids, separation_m)
    return float(seg[~near].sum() / seg.sum()) if seg.sum() > 0 else 0.0


def _route_of(G: nx.MultiDiGraph, nodes: list[int], stops: Sequence[Endpoint], number: int, total: int) -> Route:
    edges = _path_edges(G, nodes)
    coords = _path_coords(G, edges)
    chain = [c for c, _ in itertools.groupby(G.edges[e]["corridor"] for e in edges)]
    named = {G.edges[e]["corridor"]: _plain_name(G.edges[e].get("name")) for e in edges}
    origin, dest = stops[0], stops[-1]
    title = f"{origin.query} → {dest.query}" + (
        f" via {', '.join(s.query for s in stops[1:-1])}" if len(stops) > 2 else ""
    )
    if total > 1:
        title += f" (route {number} of {total})"
    asked = {s.node: s.query for s in stops}  # OSM nodes have no names: use the places asked for
    waypoints = [
        Waypoint(G.nodes[n].get("name") or asked.get(n) or f"OSM node {n}", G.nodes[n]["x"], G.nodes[n]["y"])
        for n in nodes
        if n in asked or G.nodes[n].get("name")
    ]
    slug = "-".join(_validate.slug(s.query) or "place" for s in (origin, dest))
    corridor = Corridor(
        id=f"{slug}-{number}",
        name=title,
        kind="route",
        status="modeled",
        waypoints=tuple(waypoints),
        summary="via " + " > ".join(chain),
        sources=tuple(
            Source("OpenStreetMap contributors (ODbL)" if c == "osm" else f"{named[c]} [{c}]")
            for c in dict.fromkeys(chain)
        ),
        path=str(G.graph.get("name", "")),
    )
    length_km = float(sum(G.edges[e]["length"] for e in edges)) / 1000.0
    return Route(
        with_coords(corridor, [tuple(p) for p in coords.tolist()]),
        tuple(nodes),
        tuple(edges),
        length_km,
        tuple(chain),
    )


def _plain_name(name: Any) -> str:
    return "; ".join(map(str, name)) if isinstance(name, list) else str(name or "")


def _component(G: nx.MultiDiGraph, node: int) -> str:
    import networkx as nx

    members = nx.node_connected_component(G.to_undirected(as_view=True), node)
    if len(members) == 1:
        return "an isolated node"
    ids = sorted({c for _, _, c in G.subgraph(members).edges(data="corridor")})
    shown = ", ".join(ids[:8]) + (", …" if len(ids) > 8 else "")
    return f"a component of {len(members)} nodes (corridors {shown})"


def _why_unreachable(
    G: nx.MultiDiGraph,
    g_kind: nx.MultiDiGraph,
    g_route: nx.MultiDiGraph,
    a: Endpoint,
    b: Endpoint,
    modes: tuple[str, ...],
    codes: tuple[str, ...],
) -> str:
    import networkx as nx

    def joined(graph: nx.MultiDiGraph) -> bool:
        return b.node in nx.node_connected_component(graph.to_undirected(as_view=True), a.node)

    what = "/".join(modes) if modes != ("road", "rail", "pipeline") else "any"
    base = f"no {what} route from {a.query} to {b.query}" + (f" avoiding {', '.join(codes)}" if codes else "")
    parts = f"{a.name} is in {_component(g_route, a.node)}; {b.name} in {_component(g_route, b.node)}"
    if joined(g_route):
        return f"{base}: the links between them run only against one-way edges (pipelines flow in waypoint order)"
    if codes and joined(g_kind) and Router(g_kind).shortest_path(a.node, b.node) is not None:
        return (
            f"{base}: every route between them passes through {' or '.join(codes)}; without "
            f"{'it' if len(codes) == 1 else 'them'} {parts}"
        )
    if joined(G):
        others = sorted({m for _, _, m in G.edges(data="kind")} - set(modes))
        return f"{base}: only {'/'.join(others)} links join them; {parts}"
    return f"{base}: they lie in different components of the network: {parts}"


# --------------------------------------------------------------------------------------------
# OpenStreetMap


@contextmanager
def _osmnx_settings(**values: Any) -> Iterator[Any]:
    """OSMnx with some settings changed for the duration (restored afterwards)."""
    import osmnx as ox

    old = {name: getattr(ox.settings, name) for name in values}
    for name, value in values.items():
        setattr(ox.settings, name, value)
    try:
        yield ox
    finally:
        for name, value in old.items():
            setattr(ox.settings, name, value)


def _way_tags() -> list[str]:
    import osmnx as ox

    return list(dict.fromkeys([*ox.settings.useful_tags_way, "railway"]))


def load_osm(path: str | Path) -> nx.MultiDiGraph:
    """Roads and railways of a local OSM XML extract (``.osm``, ``.osm.gz``, ``.osm.bz2``).

    Read with ``osmnx.graph_from_xml`` (simplified, every component kept), then put in the network
    schema: ways with neither a ``highway`` nor a rail ``railway`` tag are dropped, ``kind`` is
    ``road`` or ``rail``, ``corridor`` is ``osm`` and ``length`` is re-measured on the ellipsoid.
    """
    from xml.etree.ElementTree import ParseError
    from xml.sax import SAXParseException

    path = Path(path)
    if not path.is_file():
        raise CatalogError(f"{path}: no such OSM file")
    if path.name.lower().endswith(".pbf"):
        raise CatalogError(
            f"{path}: OSM PBF cannot be read; convert it to OSM XML first (osmium cat {path.name} -o extract.osm)"
        )
    with _osmnx_settings(useful_tags_way=_way_tags()) as ox:
        try:
            G = ox.graph_from_xml(path, retain_all=True)
        except (ParseError, SAXParseException) as exc:
            raise CatalogError(f"{path}: not valid OSM XML: {exc}") from None
        except ox._errors.InsufficientResponseError:
            raise CatalogError(f"{path}: holds no OSM nodes or ways") from None
        except UnicodeDecodeError:
            raise CatalogError(f"{path}: not an OSM XML text file (an OSM PBF? convert it with osmium)") from None
        except (KeyError, ValueError) as exc:
            raise CatalogError(f"{path}: not valid OSM XML: an element lacks or misstates {exc}") from None
        except OSError as exc:
            raise CatalogError(f"{path}: cannot read: {exc}") from None
    return _as_network(G, f"OSM extract {path.name}", str(path))


def _as_network(G: nx.MultiDiGraph, name: str, source: str) -> nx.MultiDiGraph:
    """An OSMnx graph put in the network schema (in place), see :func:`load_osm`."""
    import networkx as nx
    import osmnx as ox

    def values(v: Any) -> list[str]:
        return [str(x) for x in v] if isinstance(v, list) else [] if v is None else [str(v)]

    kinds = {}
    for u, v, key, data in G.edges(keys=True, data=True):
        if values(data.get("highway")):
            kinds[u, v, key] = "road"
        elif _RAIL_VALUES.intersection(values(data.get("railway"))):
            kinds[u, v, key] = "rail"
    G.remove_edges_from([e for e in list(G.edges(keys=True)) if e not in kinds])
    G.remove_nodes_from(list(nx.isolates(G)))
    if not G.number_of_edges():
        raise CatalogError(f"{source}: holds no highway or railway ways")
    edges = list(G.edges(keys=True))
    lengths = _lengths_m(_edge_geometries(G, edges))
    nx.set_node_attributes(G, ox.stats.count_streets_per_node(G), "street_count")
    nx.set_edge_attributes(G, kinds, "kind")
    nx.set_edge_attributes(G, "osm", "corridor")
    nx.set_edge_attributes(G, dict(zip(edges, lengths.tolist(), strict=True)), "length")
    G.graph.clear()
    G.graph.update(crs="EPSG:4326", name=name, source="OpenStreetMap contributors (ODbL)")
    return G


def osm_cache_path(corridor_id: str) -> Path:
    """Where :func:`fetch_osm` keeps the downloaded graph of a corridor."""
    return settings.cache_dir() / "osm" / f"{corridor_id}.graphml"


def _mode_of(corridor: Corridor) -> str:
    mode = MODES.get(corridor.kind)
    if mode not in _OVERPASS_FILTERS:
        raise CatalogError(
            f"{corridor.path or corridor.id}: alignment: 'osm' follows OpenStreetMap roads and railways; "
            f"{corridor.id!r} is a {corridor.kind}"
        )
    return str(mode)


def fetch_osm(corridor: Corridor, *, buffer_km: float = OSM_BUFFER_KM) -> Path:
    """Download the OSM roads (or railways) within ``buffer_km`` of a corridor; return the cache file.

    Uses ``osmnx.graph_from_polygon`` on the buffered waypoint alignment with OSMnx's HTTP cache
    in ``settings.cache_dir() / "overpass"``; the graph is saved (atomically) as GraphML at
    :func:`osm_cache_path`, where :func:`osm_vertices` finds it offline.
    """
    import requests

    from .export import write_graphml

    mode = _mode_of(corridor)
    line = alignment.route_line(replace(corridor, alignment="geodesic"))
    with _osmnx_settings(
        use_cache=True, cache_folder=str(settings.cache_dir() / "overpass"), useful_tags_way=_way_tags()
    ) as ox:
        band, crs = ox.projection.project_geometry(line)
        polygon, _ = ox.projection.project_geometry(band.buffer(buffer_km * 1000.0), crs=crs, to_latlong=True)
        try:
            G = ox.graph_from_polygon(polygon, custom_filter=_OVERPASS_FILTERS[mode], retain_all=True)
        except (requests.RequestException, ox._errors.ResponseStatusCodeError) as exc:
            raise DataError(
                f"Overpass API ({ox.settings.overpass_url}) unreachable or refusing: {exc}; connect to the "
                "internet, or give the record an 'osm:' extract"
            ) from None
        except ox._errors.InsufficientResponseError:
            raise GeometryError(
                f"Overpass: no OpenStreetMap {mode} within {buffer_km:g} km of {corridor.id!r}"
            ) from None
    path = osm_cache_path(corridor.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_graphml(_as_network(G, f"OSM {mode}s along {corridor.id}", "Overpass API"), path)
    return path


def _osm_source(corridor: Corridor) -> Path | None:
    if corridor.osm:
        return Path(corridor.osm)
    cached = osm_cache_path(corridor.id)
    return cached if cached.is_file() else None


def osm_vertices(corridor: Corridor) -> np.ndarray | None:
    """Vertices (lon, lat) of a corridor snapped to OpenStreetMap, or None when there are no OSM data.

    The data are the record's ``osm:`` extract, else the graph :func:`fetch_osm` cached. Without
    either, this warns (once per corridor) that a download or an extract is needed and returns None,
    so the caller keeps the waypoint alignment.
    """
    mode = _mode_of(corridor)
    source = _osm_source(corridor)
    if source is None:
        warnings.warn(
            f"{corridor.id}: alignment 'osm' needs OpenStreetMap data and none is available offline; run "
            f"'corridors fetch-osm {corridor.id}' once online, or give the record an 'osm:' extract. "
            "Using the waypoint alignment meanwhile.",
            UserWarning,
            stacklevel=3,
        )
        return None
    if not source.is_file():
        raise CatalogError(f"{corridor.path or corridor.id}: osm: {str(source)!r} does not exist")
    waypoints = tuple((w.name, w.lon, w.lat) for w in corridor.waypoints)
    return _snapped(str(source), source.stat().st_mtime_ns, mode, corridor.id, waypoints)


@lru_cache(maxsize=8)
def _osm_graph(source: str, mtime_ns: int) -> nx.MultiDiGraph:
    if source.endswith(".graphml"):
        import osmnx as ox

        return ox.load_graphml(source)
    return load_osm(source)


@lru_cache(maxsize=8)
def _osm_router(source: str, mtime_ns: int, mode: str) -> tuple[Router, np.ndarray, np.ndarray]:
    return _mode_router(_osm_graph(source, mtime_ns), mode)


def _mode_router(G: nx.MultiDiGraph, mode: str) -> tuple[Router, np.ndarray, np.ndarray]:
    """Router over the ``mode`` edges of ``G``, with its nodes' lon and lat arrays."""
    router = Router(_by_mode(G, (mode,)))
    lon = np.fromiter((G.nodes[n]["x"] for n in router.nodes), float, len(router.nodes))
    lat = np.fromiter((G.nodes[n]["y"] for n in router.nodes), float, len(router.nodes))
    return router, lon, lat


@lru_cache(maxsize=64)
def _snapped(
    source: str, mtime_ns: int, mode: str, corridor_id: str, waypoints: tuple[tuple[str, float, float], ...]
) -> np.ndarray:
    router, node_lon, node_lat = _osm_router(source, mtime_ns, mode)
    coords = _snap(router, node_lon, node_lat, mode, corridor_id, waypoints, source)
    coords.setflags(write=False)
    return coords


def _snap(
    router: Router,
    node_lon: np.ndarray,
    node_lat: np.ndarray,
    mode: str,
    corridor_id: str,
    waypoints: Sequence[tuple[str, float, float]],
    source: str,
) -> np.ndarray:
    if not router.nodes:
        raise GeometryError(f"{source}: does not cover corridor {corridor_id!r}: it holds no OSM {mode}")
    wp = np.array([(lon, lat) for _, lon, lat in waypoints], dtype=float)
    idx, dist = _nearest(wp[:, 0], wp[:, 1], node_lon, node_lat)
    far = np.flatnonzero(dist > OSM_SNAP_KM)
    if len(far):
        what = "; ".join(
            f"{waypoints[i][0]} ({wp[i, 1]:.3f}N {wp[i, 0]:.3f}E) is {dist[i]:,.1f} km from the nearest OSM {mode}"
            for i in far.tolist()
        )
        raise GeometryError(f"{source}: does not cover corridor {corridor_id!r}: {what} (limit {OSM_SNAP_KM:g} km)")
    G = router.graph
    pieces = [wp[:1]]
    for j in range(len(wp) - 1):
        a, b = router.nodes[idx[j]], router.nodes[idx[j + 1]]
        if a != b:
            nodes = router.shortest_path(a, b)
            if nodes is None:
                raise GeometryError(
                    f"{source}: the OSM {mode}s do not connect {waypoints[j][0]} to {waypoints[j + 1][0]} "
                    f"on corridor {corridor_id!r} "
                    "(the extract is cut, or a one-way stretch runs the other way)"
                )
            pieces.append(_path_coords(G, _path_edges(G, nodes)))
        pieces.append(wp[j + 1 : j + 2])
    coords = np.concatenate(pieces)
    keep = np.ones(len(coords), dtype=bool)
    keep[1:] = np.any(coords[1:] != coords[:-1], axis=1)
    return coords[keep]


def snap_to_osm(corridor: Corridor, G: nx.MultiDiGraph, *, source: str = "OSM data") -> Corridor:
    """A copy of ``corridor`` whose route follows the OSM graph ``G`` (see :func:`osm_vertices`).

    Raises :class:`GeometryError` naming ``source`` when ``G`` does not cover a waypoint or does
    not connect two of them.
    """
    mode = _mode_of(corridor)
    router, lon, lat = _mode_router(G, mode)
    waypoints = [(w.name, w.lon, w.lat) for w in corridor.waypoints]
    coords = _snap(router, lon, lat, mode, corridor.id, waypoints, source)
    return with_coords(corridor, [tuple(p) for p in coords.tolist()])
