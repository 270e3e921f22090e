"""OpenStreetMap: reading extracts, fetching roads online, snapping corridors to OSM roads.

**OpenStreetMap** (`load_osm`, `fetch_osm`, `osm_vertices`). A local OSM extract is
read with pyosmium in bounded memory (``.osm.pbf``, and XML from `OSM_STREAM_MIN_BYTES`) or
``osmnx.graph_from_xml`` (smaller XML); online, `fetch_osm` downloads the roads (or
railways) within `OSM_BUFFER_KM` of a corridor from the Overpass API with
``osmnx.graph_from_polygon``, keeps OSMnx's HTTP cache in ``settings.cache_dir() / "overpass"`` and
the graph in ``settings.cache_dir() / "osm" / "<id>.graphml"``. A corridor with ``alignment: osm``
follows the shortest OSM path between its waypoints, each waypoint joined to its nearest OSM node
(at most `OSM_SNAP_KM` away) by a straight stub; its length becomes the road's. Without an
extract or a cached download it keeps the waypoint alignment and says, once, what is needed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from . import _validate, settings
from ._errors import CatalogError, DataError, GeometryError
from .catalog import MODES, Corridor, with_coords
from .distance import densify_lines, line_lengths_m, nearest
from .graph_search import Router, by_mode, edge_geometries, path_coords, path_edges
from .io import atomic_write, read_cache, seal_cache, xml_safe_graph

if TYPE_CHECKING:
    import networkx as nx


__all__ = [
    "fetch_osm",
    "load_osm",
    "osm_cache_path",
    "osm_vertices",
    "snap_to_osm",
    "write_graphml",
]


_RAIL_VALUES = {"rail", "light_rail", "narrow_gauge", "subway", "tram", "monorail", "funicular"}


_OVERPASS_FILTERS = {
    "road": '["highway"~"^(motorway|trunk|primary|secondary|tertiary)(_link)?$"]',
    "rail": '["railway"~"^(rail|narrow_gauge|light_rail)$"]',
}


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
    """Roads and railways of a local OSM extract (``.osm.pbf``, ``.osm``, ``.osm.gz``, ``.osm.bz2``).

    PBF files, and XML files of at least `OSM_STREAM_MIN_BYTES`, are streamed with pyosmium in
    bounded memory (ways first, then only the nodes they use) and simplified from arrays by
    OSMnx's rules; smaller XML files are read with ``osmnx.graph_from_xml`` (simplified, every
    component kept). Either way the graph is put in the network schema: ways with neither a
    ``highway`` nor a rail ``railway`` tag are dropped, ``kind`` is ``road`` or ``rail``,
    ``corridor`` is ``osm`` and ``length`` is re-measured on the ellipsoid. Bad input (missing,
    empty, truncated or corrupt files, coordinates off the globe) raises `CatalogError`.
    """
    from xml.etree.ElementTree import ParseError
    from xml.sax import SAXParseException

    path = _validate.input_path(path, "OSM", "an OSM file")
    if not path.exists():
        raise CatalogError(f"{path}: no such OSM file")
    _validate.check_regular_file(path, "OSM file")  # before the name: a FIFO or device named x.osm too
    name = path.name.lower()
    if not name.endswith((".pbf", ".osm", ".osm.gz", ".osm.bz2", ".xml")):
        raise CatalogError(f"{path}: not an OSM file name (.osm.pbf, .osm, .osm.gz or .osm.bz2)")
    if path.stat().st_size == 0:
        raise CatalogError(f"{path}: empty file")
    if name.endswith(".pbf"):
        return _as_network(_read_streaming(path), f"OSM extract {path.name}", str(path))
    _validate.check_osm_file(path)  # regular file, size and element limits, not truncated
    if path.stat().st_size >= settings.OSM_STREAM_MIN_BYTES:
        return _as_network(_read_streaming(path), f"OSM extract {path.name}", str(path))
    with _osmnx_settings(useful_tags_way=_way_tags()) as ox:
        try:
            with np.errstate(all="ignore"):  # bad coordinates are reported below, not as warnings
                G = ox.graph_from_xml(path, retain_all=True)
        except (ParseError, SAXParseException) as exc:
            raise CatalogError(f"{path}: not valid OSM XML: {exc}") from None
        except ox._errors.InsufficientResponseError:
            raise CatalogError(f"{path}: holds no OSM nodes or ways") from None
        except UnicodeDecodeError:
            raise CatalogError(f"{path}: not an OSM XML text file (an OSM PBF? name it .osm.pbf)") from None
        except (KeyError, ValueError) as exc:
            raise CatalogError(f"{path}: not valid OSM XML: an element lacks or misstates {exc}") from None
        except OSError as exc:
            raise CatalogError(f"{path}: cannot read: {exc}") from None
    _validate.check_osm_nodes(path, _node_coords(G))
    return _as_network(G, f"OSM extract {path.name}", str(path))


def _node_coords(G: nx.MultiDiGraph) -> Iterator[tuple[object, object, object]]:
    """(node, lon, lat) of every node, then the corners of the ways' simplified geometries."""
    yield from ((n, d.get("x"), d.get("y")) for n, d in G.nodes(data=True))
    geoms = [d["geometry"] for *_, d in G.edges(data=True) if d.get("geometry") is not None]
    if geoms:
        bounds = shapely.bounds(np.array(geoms, dtype=object))
        for corner in (bounds[:, :2], bounds[:, 2:]):
            bad = ~(np.isfinite(corner).all(axis=1) & (np.abs(corner) <= (180, 90)).all(axis=1))
            yield from (("of a way", x, y) for x, y in corner[bad].tolist())


def _read_streaming(path: Path) -> nx.MultiDiGraph:
    """The simplified OSMnx graph of an OSM file through pyosmium (`corridors._osm_stream`)."""
    import osmnx as ox

    from . import _osm_stream

    node_tags = list(ox.settings.useful_tags_node)
    return _osm_stream.read(path, _way_tags(), node_tags, _RAIL_VALUES)


def _as_network(G: nx.MultiDiGraph, name: str, source: str) -> nx.MultiDiGraph:
    """An OSMnx graph put in the network schema (in place), see `load_osm`."""
    import networkx as nx
    import osmnx as ox

    def values(v: Any) -> list[str]:
        return [str(x) for x in v] if isinstance(v, list) else [] if v is None else [str(v)]

    # Attributes are set on the edges' own dicts, in place: no dict keyed by every edge (a country
    # extract has millions), which would outlast its use in the allocator's arenas.
    drop = []
    for u, v, key, data in G.edges(keys=True, data=True):
        if values(data.get("highway")):
            data["kind"] = "road"
        elif _RAIL_VALUES.intersection(values(data.get("railway"))):
            data["kind"] = "rail"
        else:
            drop.append((u, v, key))
    G.remove_edges_from(drop)
    G.remove_nodes_from(list(nx.isolates(G)))
    if not G.number_of_edges():
        raise CatalogError(f"{source}: holds no highway or railway ways")
    lengths = line_lengths_m(edge_geometries(G, list(G.edges(keys=True)))).tolist()
    nx.set_node_attributes(G, ox.stats.count_streets_per_node(G), "street_count")
    for (*_, data), length in zip(G.edges(data=True), lengths, strict=True):  # the same edge order
        data["corridor"] = "osm"
        data["length"] = length
    G.graph.clear()
    G.graph.update(crs="EPSG:4326", name=name, source="OpenStreetMap contributors (ODbL)")
    return G


def osm_cache_path(corridor_id: str) -> Path:
    """Where `fetch_osm` keeps the downloaded graph of a corridor."""
    return settings.cache_dir() / "osm" / f"{corridor_id}.graphml"


def _mode_of(corridor: Corridor) -> str:
    mode = MODES.get(corridor.kind)
    if mode not in _OVERPASS_FILTERS:
        raise CatalogError(
            f"{corridor.path or corridor.id}: alignment: 'osm' follows OpenStreetMap roads and railways; "
            f"{corridor.id!r} is a {corridor.kind}"
        )
    return str(mode)


def fetch_osm(corridor: Corridor, *, buffer_km: float = settings.OSM_BUFFER_KM) -> Path:
    """Download the OSM roads (or railways) within ``buffer_km`` of a corridor; return the cache file.

    Uses ``osmnx.graph_from_polygon`` on the buffered waypoint alignment with OSMnx's HTTP cache
    in ``settings.cache_dir() / "overpass"``; the graph is saved (atomically) as GraphML at
    `osm_cache_path`, where `osm_vertices` finds it offline.
    """
    import requests

    mode = _mode_of(corridor)
    xy = np.array([(w.lon, w.lat) for w in corridor.waypoints], dtype=float)
    line = densify_lines(np.array([shapely.LineString(xy)], dtype=object))[0][0]
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

    The data are the record's ``osm:`` extract, else the graph `fetch_osm` cached. Without
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


#: Key of the checksum sidecar of a cached GraphML (see `corridors.io.write_cache`).
_GRAPHML_KEY = "osm-graphml-1"


@lru_cache(maxsize=8)
def _osm_graph(source: str, mtime_ns: int) -> nx.MultiDiGraph:
    if source.endswith(".graphml"):
        import osmnx as ox

        again = f"run 'corridors fetch-osm {Path(source).stem}' again"
        if read_cache(Path(source), key=_GRAPHML_KEY) is None:
            raise DataError(f"{source}: cached OSM graph is damaged or was not written by corridors; {again}")
        try:
            return ox.load_graphml(source)
        except Exception as exc:  # a foreign file that passed its checksum: any parser error
            raise DataError(f"{source}: cached OSM graph cannot be read ({type(exc).__name__}); {again}") from None
    return load_osm(source)


@lru_cache(maxsize=8)
def _osm_router(source: str, mtime_ns: int, mode: str) -> tuple[Router, np.ndarray, np.ndarray]:
    return _mode_router(_osm_graph(source, mtime_ns), mode)


def _mode_router(G: nx.MultiDiGraph, mode: str) -> tuple[Router, np.ndarray, np.ndarray]:
    """Router over the ``mode`` edges of ``G``, with its nodes' lon and lat arrays."""
    router = Router(by_mode(G, (mode,)))
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
    idx, dist = nearest(wp[:, 0], wp[:, 1], node_lon, node_lat)
    far = np.flatnonzero(dist > settings.OSM_SNAP_KM)
    if len(far):
        what = "; ".join(
            f"{waypoints[i][0]} ({wp[i, 1]:.3f}N {wp[i, 0]:.3f}E) is {dist[i]:,.1f} km from the nearest OSM {mode}"
            for i in far.tolist()
        )
        raise GeometryError(
            f"{source}: does not cover corridor {corridor_id!r}: {what} (limit {settings.OSM_SNAP_KM:g} km)"
        )
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
            pieces.append(path_coords(G, path_edges(G, nodes)))
        pieces.append(wp[j + 1 : j + 2])
    coords = np.concatenate(pieces)
    keep = np.ones(len(coords), dtype=bool)
    keep[1:] = np.any(coords[1:] != coords[:-1], axis=1)
    return coords[keep]


def snap_to_osm(corridor: Corridor, G: nx.MultiDiGraph, *, source: str = "OSM data") -> Corridor:
    """A copy of ``corridor`` whose route follows the OSM graph ``G`` (see `osm_vertices`).

    Raises `GeometryError` naming ``source`` when ``G`` does not cover a waypoint or does
    not connect two of them.
    """
    mode = _mode_of(corridor)
    router, lon, lat = _mode_router(G, mode)
    waypoints = [(w.name, w.lon, w.lat) for w in corridor.waypoints]
    coords = _snap(router, lon, lat, mode, corridor.id, waypoints, source)
    return with_coords(corridor, [tuple(p) for p in coords.tolist()])


def write_graphml(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """The graph as GraphML through ``osmnx.io.save_graphml``, written atomically.

    Characters XML 1.0 forbids are dropped from text attributes, so ``osmnx.load_graphml`` reads
    it back. Written into the cache folder, it gets a checksum sidecar (`corridors.io.write_cache`).
    """
    import osmnx as ox

    safe = xml_safe_graph(G)
    out = atomic_write(path, lambda tmp: ox.io.save_graphml(safe, tmp))
    if Path(path).resolve().is_relative_to(settings.cache_dir().resolve()):
        seal_cache(Path(path), key=_GRAPHML_KEY)
    return out
