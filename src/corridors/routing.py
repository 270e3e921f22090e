"""Place-to-place routes across a network, scored like corridors.

**Routing** (`route`). Endpoints are place names: a node's own name, else the gazetteer
point snapped to the nearest node within `ACCESS_KM`. Single shortest paths run scipy's
Dijkstra on a CSR matrix built once per graph (`Router`); alternatives are Yen's
k shortest simple paths on the same matrix (the paths networkx ``shortest_simple_paths`` gives, as
``osmnx.routing.k_shortest_paths`` uses it, each spur search one scipy Dijkstra). ``avoid``
removes every edge whose line runs through a named country, apart from boundary-hugging
stretches shorter than the border tolerance, the rule scoring uses for crossings.
Each result is a `corridors.catalog.Corridor` whose ``coords`` are the path, scored by
`corridors.scoring.score` like any corridor.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from . import _validate, settings
from ._errors import RoutingError
from .catalog import Corridor, Source, Waypoint, with_coords
from .distance import nearest
from .gazetteer import Place
from .geodata import resolve_countries
from .graph_search import Router, by_mode, path_coords, path_edges
from .network import edges_through

if TYPE_CHECKING:
    import geopandas
    import networkx as nx

    from .scoring import CorridorScore


__all__ = [
    "DEFAULT_MODES",
    "KIND_CHOICES",
    "Endpoint",
    "Route",
    "RouteSet",
    "find_routes",
    "locate",
    "route",
]


#: Values of ``kind`` in `route`: one mode, or ``any`` for all three.
KIND_CHOICES = ("road", "rail", "pipeline", "any")


#: Modes routed when no kind is given: the ways that carry travellers and freight.
DEFAULT_MODES = ("road", "rail")


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
    #: Sentences about border posts: closed ones skipped or passed, seasonal or scheduled ones passed.
    notes: tuple[str, ...] = ()


def _modes(kind: str | None) -> tuple[str, ...]:
    if kind is None:
        return DEFAULT_MODES
    if kind not in KIND_CHOICES:
        raise RoutingError(f"kind: {kind!r} is not one of {', '.join(KIND_CHOICES)}")
    return ("road", "rail", "pipeline") if kind == "any" else (kind,)


def by_status(G: nx.MultiDiGraph, status: Sequence[str]) -> nx.MultiDiGraph:
    """View of ``G`` with only the links of the given statuses (all of them when none is given)."""
    from . import _validate

    if not status:
        return G
    unknown = [s for s in status if s not in _validate.STATUSES]
    if unknown:
        raise RoutingError(f"status: {unknown[0]!r} is not one of {', '.join(_validate.STATUSES)}")
    keep = set(status)
    return G.edge_subgraph(
        [(u, v, key) for u, v, key, st in G.edges(keys=True, data="status", default="operating") if st in keep]
    )


def _post_nodes(G: nx.MultiDiGraph) -> dict[int, Place]:
    """Network nodes standing for a curated border post with a status (by name or merged place)."""
    from . import gazetteer

    names: dict[str, Place] = {}
    for post in gazetteer.posts():
        for alias in (post.name, *post.aliases):
            names.setdefault(alias.casefold(), post)
    out = {}
    for node, data in G.nodes(data=True):
        for name in [data.get("name") or "", *str(data.get("places") or "").split("; ")]:
            if name.casefold() in names:
                out[node] = names[name.casefold()]
                break
    return out


def _post_text(post: Place) -> str:
    """``Torkham (closed, as of 2025-10-30; WE News …)``: a post's state, schedule and source."""
    state = f"open {post.open_months} only" if post.status == "seasonal" else post.status
    schedule = f": {post.schedule}" if post.schedule else ""
    return f"{post.name} ({state}{schedule}, as of {post.as_of}; {post.status_source})"


def _node_label(G: nx.MultiDiGraph, node: int) -> str:
    return str(G.nodes[node].get("name") or f"OSM node {node}")


def locate(G: nx.MultiDiGraph, place: str, *, max_km: float | None = None) -> Endpoint:
    """The node standing for ``place``: a node of that name, else the gazetteer point's nearest node.

    Raises `PlaceError` for an unknown name and `RoutingError` when the nearest node
    is farther than ``max_km``.
    """
    max_km = settings.ACCESS_KM if max_km is None else max_km
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
    idx, dist = nearest(np.array([point.lon]), np.array([point.lat]), node_lon, node_lat)
    node, d = nodes[int(idx[0])], float(dist[0])
    if d > max_km:
        raise RoutingError(
            f"{place} ({point.lat:.3f}N {point.lon:.3f}E) is not on the {G.graph.get('name', 'network')}: "
            f"the nearest node, {_node_label(G, node)}, is {d:,.1f} km away (limit {max_km:g} km)"
        )
    return Endpoint(place, node, _node_label(G, node), G.nodes[node]["x"], G.nodes[node]["y"], d)


def find_routes(
    G: nx.MultiDiGraph,
    origin: str,
    destination: str,
    *,
    via: Sequence[str] = (),
    kind: str | None = None,
    avoid: Sequence[str] = (),
    k: int = 1,
    access_km: float | None = None,
    tolerance_km: float | None = None,
    distinct: bool = True,
    score: bool = True,
    status: Sequence[str] = (),
    worldview: str | None = None,
) -> RouteSet:
    """Up to ``k`` shortest routes from ``origin`` through ``via`` to ``destination``, scored.

    ``kind`` is ``road``, ``rail``, ``pipeline`` or ``any``; by default roads and railways.
    ``avoid`` names countries (ISO3 or English name) whose edges are removed (see
    `edges_through`). Alternatives are Yen's next-shortest paths; with ``distinct`` only those
    running at least `corridors.settings.ALTERNATIVE_MIN_SHARE` of their length farther than
    `corridors.settings.ALTERNATIVE_SEPARATION_KM` from every route already chosen count, so the same road
    drawn by two records, or a detour through one more town, is not offered as an alternative.
    With via places, alternatives are found per leg and the ``k`` shortest combinations kept.
    ``status`` keeps only links of those statuses (``("operating",)`` for a traveller's route
    today); edges without a status (an OSM extract) count as operating. With a ``status``, border
    posts that the gazetteer records as closed are skipped (said in ``notes``); without one they
    may be used and ``notes`` says so. Seasonal posts on a route are named in ``notes`` with their
    open months, open posts with a published schedule (Torugart, Irkeshtam) with that schedule.
    Raises `RoutingError` with the reason when no route exists. ``worldview`` is that of the
    routes' scores (see `corridors.score`).
    """
    import networkx as nx

    access_km = settings.ACCESS_KM if access_km is None else access_km
    if k < 1:
        raise RoutingError(f"k: {k!r} is not a positive number of routes")
    modes = _modes(kind)
    g_kind = by_status(by_mode(G, modes), status)
    stops = []
    for name in (origin, *via, destination):
        named = _named_node(G, name)
        if named is not None and named[0] not in g_kind:
            raise RoutingError(_only_other_kinds(G, named[0], name, modes))
        stops.append(locate(g_kind, name, max_km=access_km))
    for a, b in itertools.pairwise(stops):
        if a.node == b.node:
            raise RoutingError(f"{a.query} and {b.query} are the same network node, {a.name}: nothing to route")
    post_at = _post_nodes(g_kind)
    notes: list[str] = []
    closed = {n: p for n, p in post_at.items() if p.status == "closed" and n not in {s.node for s in stops}}
    if status and closed:
        on_way = _posts_on_shortest_path(g_kind, stops, closed)
        g_kind = nx.restricted_view(g_kind, list(closed), [])
        notes += [f"skipping {_post_text(closed[n])}" for n in on_way]
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
            why = _why_unreachable(G, g_kind, g_route, a, b, modes, codes)
            if status:
                why = f"using only {'/'.join(status)} links: {why}"
            if notes:
                why += "; " + "; ".join(notes)
            raise RoutingError(why)
        legs.append(found)
    combos: list[tuple[float, list[int]]] = [(0.0, [stops[0].node])]
    for leg in legs:
        combos = heapq.nsmallest(
            k,
            ((total + length, path + nodes[1:]) for total, path in combos for length, nodes in leg),
            key=lambda item: item[0],
        )
    routes = [_route_of(g_route, nodes, stops, i + 1, len(combos)) for i, (_, nodes) in enumerate(combos)]
    for passed in dict.fromkeys(n for r in routes for n in r.nodes):
        post = post_at.get(passed)
        if post is not None and (post.status in ("closed", "seasonal") or post.schedule):
            notes.append(f"the route passes {_post_text(post)}")
    if score:
        from .scoring import score_records as score_corridors

        scores = score_corridors([r.corridor for r in routes], tolerance_km=tolerance_km, worldview=worldview)
        routes = [replace(r, score=s) for r, s in zip(routes, scores, strict=True)]
    return RouteSet(stops=tuple(stops), routes=tuple(routes), modes=modes, avoid=codes, notes=tuple(notes))


def _posts_on_shortest_path(G: nx.MultiDiGraph, stops: Sequence[Endpoint], posts: dict[int, Place]) -> list[int]:
    """The nodes of ``posts`` that the shortest path through ``stops`` would pass, in path order.

    These are the closed posts a route skips: the others were never in its way.
    """
    router = Router(G)
    passed: dict[int, None] = {}
    for a, b in itertools.pairwise(stops):
        for node in router.shortest_path(a.node, b.node) or ():
            if node in posts:
                passed[node] = None
    return list(passed)


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


def _distinct(G: nx.MultiDiGraph, paths: Iterator[tuple[float, list[int]]], k: int) -> list[tuple[float, list[int]]]:
    """The first ``k`` paths that each run apart from those kept before (see `route`).

    At most 25·k candidates are examined.
    """
    chosen: list[tuple[float, list[int]]] = []
    lines: list[np.ndarray] = []
    separation_m = 0.0
    for length, nodes in itertools.islice(paths, 25 * k):
        xy = path_coords(G, path_edges(G, nodes))
        if not chosen:
            separation_m = min(settings.ALTERNATIVE_SEPARATION_KM * 1000.0, settings.ALTERNATIVE_MIN_SHARE * length)
        elif _apart_share(xy, lines, separation_m) < settings.ALTERNATIVE_MIN_SHARE:
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
    edges = path_edges(G, nodes)
    coords = path_coords(G, edges)
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


def route(
    origin: str,
    destination: str,
    *,
    via: Sequence[str] = (),
    kind: str | None = None,
    avoid: Sequence[str] = (),
    k: int = 1,
    graph: nx.MultiDiGraph | None = None,
    tolerance_km: float | None = None,
    status: Sequence[str] = (),
    worldview: str | None = None,
) -> geopandas.GeoDataFrame:
    """Up to ``k`` shortest routes between two places across the corridor network, scored.

    Parameters
    ----------
    origin, destination : str
        Place names: a network node's name, or any gazetteer place within
        ``settings.ACCESS_KM`` of a node.
    via : sequence of str, optional
        Places to pass through, in order.
    kind : {"road", "rail", "pipeline", "any"}, optional
        Which links to use; roads and railways by default.
    avoid : sequence of str, optional
        Countries whose links are not used (ISO3 codes or English names; comma lists allowed).
    k : int
        How many distinct alternatives to return at most.
    graph : networkx.MultiDiGraph, optional
        An OSMnx-schema graph (`corridors.network.build_network` of the shipped catalog by
        default, or `corridors.osm.load_osm` of an extract).
    tolerance_km : float, optional
        Border tolerance of the scoring (see `corridors.score`).
    status : sequence of str, optional
        Use only links of these statuses, e.g. ``["operating"]`` (all by default).
    worldview : {"de-facto", "IND", "PAK", "CHN", "AFG"}, optional
        Worldview of the scoring (see `corridors.score`); the network search itself is unchanged.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per route, shortest first, with the columns of `corridors.score` plus
        ``route`` (1, 2, …), ``network_km``, ``via_corridors`` and ``path`` (the places passed).
        ``attrs["corridors.notes"]`` says how each endpoint was reached.

    Examples
    --------
    >>> from corridors import route
    >>> r = route("Peshawar", "Kabul")
    >>> r["countries"].iloc[0], int(r["crossings"].iloc[0])
    ('PAK > AFG', 1)
    """
    from .network import build_network
    from .scoring import to_gdf

    G = build_network() if graph is None else graph
    found = find_routes(
        G,
        origin,
        destination,
        via=via,
        kind=kind,
        avoid=avoid,
        k=k,
        tolerance_km=tolerance_km,
        status=status,
        worldview=worldview,
    )
    records = [r.score for r in found.routes if r.score is not None]
    frame = to_gdf(records)
    frame.insert(0, "route", list(range(1, len(records) + 1)))
    frame["network_km"] = [r.network_km for r in found.routes]
    frame["via_corridors"] = [" > ".join(r.corridors) for r in found.routes]
    frame["path"] = [" > ".join(w.name for w in r.corridor.waypoints) for r in found.routes]
    frame.attrs["corridors.notes"] = (*(stop.note for stop in found.stops if stop.note), *found.notes)
    return frame
