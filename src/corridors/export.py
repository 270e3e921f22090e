"""Corridors, routes and the network as GIS files: GeoJSON, GeoPackage, KML and GraphML.

Vector files hold one LineString feature per corridor or route (lon/lat, EPSG:4326) with the
flat metrics of `corridors.scoring.summary_row` as attributes; the network goes to GraphML
(``osmnx.io.save_graphml``, reloadable with ``osmnx.load_graphml``), to a GeoPackage with
``nodes`` and ``edges`` layers (``osmnx.io.save_graph_geopackage``), or to GeoJSON/KML as its
undirected edges and its nodes.

GeoJSON, KML and GraphML are deterministic: the same inputs give byte-identical files
(coordinates rounded to `corridors.settings.COORD_DECIMALS` places, about 0.1 m). Every file is written beside its
target and renamed over it, so a failed export never leaves half a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import numpy as np
import shapely

from . import osm, settings
from ._errors import OutputError
from .io import atomic_write, to_json

if TYPE_CHECKING:
    import networkx as nx

    from .scoring import CorridorScore

__all__ = [
    "SUFFIXES",
    "Feature",
    "export_network",
    "format_of",
    "geojson_text",
    "kml_text",
    "network_features",
    "score_features",
    "write_features",
]

#: File suffix → format.
SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".kml": "kml", ".graphml": "graphml"}

#: A feature: a lon/lat geometry and flat attributes (str, int, float, bool or None).
Feature = tuple[shapely.Geometry, dict[str, Any]]

_KML_COLOURS = {"road": "ff1e1ed2", "rail": "ff202020", "pipeline": "ffd27819", "route": "ff00a5ff"}


def format_of(path: str | Path) -> str:
    """Format named by a file's suffix; `OutputError` listing the known suffixes otherwise."""
    fmt = SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise OutputError(f"{path}: unknown output format; use one of {', '.join(SUFFIXES)}")
    return fmt


def score_features(scores: Sequence[CorridorScore], extra: Sequence[dict[str, Any]] = ()) -> list[Feature]:
    """One feature per scored corridor or route: its modeled line and its metrics as typed attributes.

    The attributes are the columns of :func:`corridors.tables.data_frame` (numeric per-country km,
    booleans as booleans), plus ``extra`` per feature.
    """
    from .alignment import route_lines
    from .tables import data_frame

    lines = route_lines([s.corridor for s in scores])
    rows = data_frame(scores).astype(object).where(lambda f: f.notna(), None).to_dict("records")
    extra = list(extra) or [{}] * len(scores)
    return [(line, {**row, **more}) for line, row, more in zip(lines, rows, extra, strict=True)]


def crossing_features(scores: Sequence[CorridorScore]) -> list[Feature]:
    """One point feature per border crossing (see :func:`corridors.tables.crossing_rows`)."""
    from .tables import crossing_rows

    return [(shapely.Point(r["lon"], r["lat"]), r) for r in crossing_rows(scores)]


def network_features(G: nx.MultiDiGraph) -> list[Feature]:
    """The network's undirected edges (one per ``osmid``; the forward edge) and its nodes."""
    from .graph_search import edge_geometries

    edges = [(u, v, k) for u, v, k, rev in G.edges(keys=True, data="reversed") if not rev]
    geoms = edge_geometries(G, edges)
    out: list[Feature] = []
    for (u, v, k), geom in zip(edges, geoms, strict=True):
        d = G.edges[u, v, k]
        out.append(
            (
                geom,
                {
                    "type": "edge",
                    "u": u,
                    "v": v,
                    "key": k,
                    "osmid": _plain(d.get("osmid")),
                    "corridor": d.get("corridor"),
                    "name": _plain(d.get("name")),
                    "kind": d.get("kind"),
                    "oneway": bool(d.get("oneway")),
                    "length_km": round(float(d["length"]) / 1000.0, 3),
                },
            )
        )
    for n, d in G.nodes(data=True):
        out.append(
            (
                shapely.Point(d["x"], d["y"]),
                {"type": "node", "u": n, "name": d.get("name"), "street_count": d.get("street_count")},
            )
        )
    return out


def _plain(value: Any) -> Any:
    """A GIS-friendly scalar: lists (OSMnx merges tags when simplifying) become ``a; b`` text."""
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, np.generic):
        return value.item()
    return value


def write_features(
    features: Sequence[Feature],
    path: str | Path,
    *,
    layer: str = "corridors",
    more_layers: dict[str, Sequence[Feature]] | None = None,
) -> Path:
    """Write features to ``path`` as GeoJSON, GeoPackage or KML, chosen by its suffix.

    ``more_layers`` (name → features) go into the same GeoPackage as extra layers, such as the
    crossings as points; GeoJSON and KML hold one layer and leave them out.
    """
    fmt = format_of(path)
    if fmt == "geojson":
        return atomic_write(path, geojson_text(features, layer))
    if fmt == "kml":
        return atomic_write(path, kml_text(features, layer))
    if fmt == "gpkg":

        def write(tmp: Path) -> None:
            _gpkg(features, tmp, layer)
            for name, extra in (more_layers or {}).items():
                if extra:
                    _gpkg(extra, tmp, name)

        return atomic_write(path, write)
    raise OutputError(f"{path}: GraphML holds a network; write corridors and routes as .geojson, .gpkg or .kml")


def export_network(G: nx.MultiDiGraph, path: str | Path) -> Path:
    """Write the network to ``path``: GraphML, GeoPackage (``nodes``/``edges``), GeoJSON or KML."""
    fmt = format_of(path)
    if fmt == "graphml":
        return osm.write_graphml(G, path)
    if fmt == "gpkg":
        import osmnx as ox

        return atomic_write(path, lambda tmp: ox.io.save_graph_geopackage(G, tmp))
    return write_features(network_features(G), path, layer="network")


def _coords(geom: shapely.Geometry) -> list:
    xy = np.round(shapely.get_coordinates(geom), settings.COORD_DECIMALS).tolist()
    return xy[0] if geom.geom_type == "Point" else xy


def geojson_text(features: Sequence[Feature], layer: str) -> str:
    """Features as a GeoJSON FeatureCollection (RFC 7946, lon/lat), coordinates rounded."""
    return to_json(
        {
            "type": "FeatureCollection",
            "name": layer,
            "features": [
                {
                    "type": "Feature",
                    "properties": {k: _plain(v) for k, v in props.items()},
                    "geometry": {"type": geom.geom_type, "coordinates": _coords(geom)},
                }
                for geom, props in features
            ],
        }
    )


def kml_text(features: Sequence[Feature], layer: str) -> str:
    """Features as a KML document: one Placemark each, attributes as ExtendedData, lines styled by kind."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2">',
        "<Document>",
        f"<name>{escape(layer)}</name>",
    ]
    out += [
        f'<Style id="{kind}"><LineStyle><color>{colour}</color><width>3</width></LineStyle></Style>'
        for kind, colour in _KML_COLOURS.items()
    ]
    for geom, props in features:
        name = props.get("name") or props.get("id") or ""
        data = "".join(
            f'<Data name="{escape(str(k))}"><value>{escape("" if v is None else str(_plain(v)))}</value></Data>'
            for k, v in props.items()
        )
        style = f"<styleUrl>#{props['kind']}</styleUrl>" if props.get("kind") in _KML_COLOURS else ""
        text = " ".join(
            f"{x:.{settings.COORD_DECIMALS}f},{y:.{settings.COORD_DECIMALS}f}" for x, y in shapely.get_coordinates(geom)
        )
        shape = (
            f"<Point><coordinates>{text}</coordinates></Point>"
            if geom.geom_type == "Point"
            else f"<LineString><tessellate>1</tessellate><coordinates>{text}</coordinates></LineString>"
        )
        out.append(
            f"<Placemark><name>{escape(str(name))}</name>{style}<ExtendedData>{data}</ExtendedData>{shape}</Placemark>"
        )
    out += ["</Document>", "</kml>", ""]
    return "\n".join(out)


def _gpkg(features: Sequence[Feature], path: Path, layer: str) -> None:
    import geopandas as gpd
    import pyogrio

    frame = gpd.GeoDataFrame(
        [{k: _plain(v) for k, v in props.items()} for _, props in features],
        geometry=[geom for geom, _ in features],
        crs="EPSG:4326",
    )
    # A fixed "last change" date (GDAL writes the current time otherwise) keeps the file byte-identical.
    with _gdal_config(OGR_CURRENT_DATE="2000-01-01T00:00:00.000Z"):
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG", append=path.exists())


@contextmanager
def _gdal_config(**options: str):
    import pyogrio

    before = pyogrio.get_gdal_config_option
    saved = {k: before(k) for k in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(saved)
