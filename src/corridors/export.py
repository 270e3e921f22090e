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

import tempfile
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from . import osm, settings
from ._errors import OutputError
from .io import atomic_write, format_of, to_json, xml_safe
from .tables import provenance_line

if TYPE_CHECKING:
    import networkx as nx

    from .scoring import CorridorScore

__all__ = [
    "SUFFIXES",
    "Feature",
    "export_network",
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


def score_features(scores: Sequence[CorridorScore], extra: Sequence[dict[str, Any]] = ()) -> list[Feature]:
    """One feature per scored corridor or route: its modeled line and its metrics as typed attributes.

    The attributes are the columns of :func:`corridors.tables.data_frame` (numeric per-country km,
    booleans as booleans), plus ``extra`` per feature.
    """
    from .alignment import route_lines
    from .tables import data_frame

    lines = route_lines([s.corridor for s in scores])
    frame = data_frame(scores).astype(object)
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in row.items()} for row in frame.where(frame.notna(), None).to_dict("records")
    ]
    extra = list(extra) or [{}] * len(scores)
    # a user's own GeoJSON properties travel with the feature, never overriding a computed column
    own = [
        {k: x for k, x in s.corridor.properties.items() if k not in row} for s, row in zip(scores, rows, strict=True)
    ]
    return [(line, {**row, **mine, **more}) for line, row, mine, more in zip(lines, rows, own, extra, strict=True)]


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
    if isinstance(value, dict):
        import json

        return json.dumps(value, ensure_ascii=False)
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
    fmt = format_of(path, SUFFIXES, "GIS files")
    if fmt == "geojson":
        return atomic_write(path, geojson_text(features, layer))
    if fmt == "kml":
        return atomic_write(path, lambda tmp: _kml(features, tmp, layer))
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
    fmt = format_of(path, SUFFIXES, "GIS files")
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


def _kml_style(props: dict[str, Any]) -> str:
    """OGR style string of a feature (GDAL's LIBKML driver writes it as a KML ``<Style>``).

    Lines take their kind's colour and width from the map (:mod:`corridors.render._style`),
    dashed statuses a pen pattern; network nodes and other points a small pin of the connector
    colour. GDAL turns ``#rrggbbaa`` into KML's ``aabbggrr``.
    """
    from .render import _style

    kind = _style.kind_style(str(props.get("kind") or "route"))
    alpha = f"{round(kind.opacity * 255):02X}"
    width = max(1.0, round(kind.weight * 0.75, 1))
    if props.get("type") == "node":
        return f"SYMBOL(c:{_style.KINDS['connector'].color.upper()}FF,s:0.6)"
    pattern = _style.dash(str(props.get("status") or ""))
    dashes = f',p:"{" ".join(f"{p * width:g}px" for p in pattern)}"' if pattern else ""
    return f"PEN(c:{kind.color.upper()}{alpha},w:{width:g}px{dashes})"


def kml_text(features: Sequence[Feature], layer: str) -> str:
    """Features as KML text, exactly as :func:`write_features` writes a ``.kml`` file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{layer}.kml"
        _kml(features, path, layer)
        return path.read_text(encoding="utf-8")


def _kml(features: Sequence[Feature], path: Path, layer: str) -> None:
    """KML through GDAL's LIBKML driver: typed fields (a ``<Schema>``), one styled Placemark per feature.

    Integers are written as 32-bit where they fit (LIBKML types 64-bit integers as text), floats
    as doubles, booleans as ``bool``; coordinates are rounded to :data:`DECIMALS` places. Each
    Placemark's ``<name>`` is the feature's name (or id) and its style is the map's
    (:func:`_kml_style`).
    """
    import geopandas as gpd
    import pandas as pd
    import pyogrio

    if "LIBKML" not in pyogrio.list_drivers():
        raise OutputError(f"{path.name}: GDAL has no LIBKML driver; write .geojson or .gpkg instead")
    rows = []
    for _, props in features:
        row = {k: xml_safe(_plain(v)) for k, v in props.items()}  # KML is XML 1.0: no control characters
        row["Name"] = xml_safe(str(props.get("name") or props.get("id") or ""))
        row["OGR_STYLE"] = _kml_style(props)
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_integer_dtype(values) and values.abs().max() < 2**31:
            frame[column] = values.astype("int32")
    geoms = [shapely.transform(geom, lambda xy: np.round(xy, settings.COORD_DECIMALS)) for geom, _ in features]
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")
    pyogrio.write_dataframe(gdf, path, layer=layer, driver="LIBKML")


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
        pyogrio.write_dataframe(
            frame,
            path,
            layer=layer,
            driver="GPKG",
            append=path.exists(),
            layer_metadata={"DESCRIPTION": provenance_line()},
        )


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
