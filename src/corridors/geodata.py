"""The shipped reference layers, opened once and cached.

``geodata/countries.gpkg`` (layers ``countries``, ``borders``, ``basemap``), ``geodata/places.gpkg``
(layer ``places``), ``geodata/provinces.gpkg`` (layer ``provinces``), ``geodata/contested.gpkg``
(layers ``boundaries``, ``contested``) and ``geodata/elevation.tif`` are built by ``scripts/build_geodata.py`` from
Natural Earth, GeoNames and NOAA GLOBE (see ``geodata/SOURCES.md``). Coordinates are lon/lat on
WGS84 (EPSG:4326).

GeoPackages are SQLite files; the hot path reads their geometry blobs with `sqlite3` and
`shapely.from_wkb`, which keeps ``corridors compare`` free of the pandas/GDAL start-up cost.
`countries_frame` gives the same layer as a GeoDataFrame through pyogrio.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from . import settings
from ._errors import DataError, PlaceError, ValidationError

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "VIEWS",
    "WORLDVIEWS",
    "Boundaries",
    "ContestedAreas",
    "Countries",
    "Provinces",
    "Worldview",
    "borders",
    "boundaries",
    "boundaries_frame",
    "check_worldview",
    "contested_areas",
    "contested_frame",
    "countries",
    "countries_frame",
    "elevation_path",
    "layer_path",
    "provenance",
    "provinces",
    "provinces_frame",
    "read_layer",
    "resolve_countries",
    "worldview_layers",
]

# GeoPackage binary header: "GP", version, flags; envelope size by the flags' bits 1-3.
_ENVELOPE_BYTES = (0, 32, 48, 48, 64)


@dataclass(frozen=True)
class Countries:
    """Country polygons of the study region, sorted by ISO code.

    ``iso_a3`` holds Natural Earth ``ADM0_A3`` codes (``KAS`` is the Siachen Glacier feature).
    ``geometry`` polygons are prepared for fast point-in-polygon tests.
    """

    iso_a3: np.ndarray
    name: np.ndarray
    geometry: np.ndarray

    def index_of(self, iso_a3: str) -> int:
        """Row of a country code; raises `DataError` when the region has no such country."""
        hits = np.flatnonzero(self.iso_a3 == iso_a3)
        if not len(hits):
            raise DataError(f"countries layer: no country with iso_a3 {iso_a3!r}")
        return int(hits[0])

    def name_of(self, iso_a3: str) -> str:
        """English name of a country code (the code itself for sea, ``""``)."""
        hits = np.flatnonzero(self.iso_a3 == iso_a3)
        return str(self.name[hits[0]]) if len(hits) else iso_a3

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Row index of the country containing each point, -1 where none does (sea)."""
        return _locate(self.geometry, lon, lat)


def layer_path(filename: str) -> Path:
    """Path of a file in the geodata folder; `DataError` when it is missing."""
    path = settings.geodata_dir() / filename
    if not path.is_file():
        raise DataError(f"{path}: reference layer missing; rebuild with scripts/build_geodata.py")
    return path


def read_layer(filename: str, layer: str, columns: tuple[str, ...] = ()) -> tuple[np.ndarray, dict]:
    """Geometries and attribute columns of a GeoPackage layer, in file order.

    Returns ``(geometry, {column: values})`` with geometry as a shapely array.
    """
    path = layer_path(filename)
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
            geom_col = con.execute(
                "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)
            ).fetchone()
            if geom_col is None:
                raise DataError(f"{path}: no layer {layer!r}")
            names = ", ".join(f'"{c}"' for c in (geom_col[0], *columns))
            rows = con.execute(f'SELECT {names} FROM "{layer}" ORDER BY fid').fetchall()
    except sqlite3.Error as exc:
        raise DataError(f"{path}: cannot read layer {layer!r}: {exc}") from None
    blobs = [_gpkg_to_wkb(row[0]) for row in rows]
    geometry = shapely.from_wkb(np.array(blobs, dtype=object))
    attrs = {c: np.array([row[i + 1] for row in rows], dtype=object) for i, c in enumerate(columns)}
    return geometry, attrs


def _gpkg_to_wkb(blob: bytes) -> bytes:
    flags = blob[3]
    return blob[8 + _ENVELOPE_BYTES[(flags >> 1) & 0x07] :]


def countries(worldview: str | None = None) -> Countries:
    """The ``countries`` layer (Natural Earth 1:10m admin-0 clipped to the region), cached.

    ``worldview`` (one of `VIEWS`; default de facto) gives that view's layer (`worldview_layers`).
    """
    if worldview is None or check_worldview(worldview) == "de-facto":
        return _countries()
    return worldview_layers(worldview).countries


@cache
def _countries() -> Countries:
    geometry, attrs = read_layer("countries.gpkg", "countries", ("iso_a3", "name"))
    shapely.prepare(geometry)
    return Countries(iso_a3=attrs["iso_a3"].astype(str), name=attrs["name"].astype(str), geometry=geometry)


def borders(worldview: str | None = None) -> np.ndarray:
    """Unique land-border and coastline linework of the region, as short LineString pieces.

    ``worldview`` (one of `VIEWS`; default de facto) gives that view's borders (`worldview_layers`).
    """
    if worldview is None or check_worldview(worldview) == "de-facto":
        return _borders()
    return worldview_layers(worldview).borders


@cache
def _borders() -> np.ndarray:
    geometry, _ = read_layer("countries.gpkg", "borders")
    return geometry


def countries_frame(layer: str = "countries") -> geopandas.GeoDataFrame:
    """A layer of ``countries.gpkg`` (``countries``, ``borders`` or ``basemap``) as a GeoDataFrame."""
    import pyogrio

    return pyogrio.read_dataframe(layer_path("countries.gpkg"), layer=layer)


def elevation_path() -> Path:
    """Path of the GLOBE 30-arc-second DEM crop (int16 metres, EPSG:4326)."""
    return layer_path("elevation.tif")


@cache
def provenance() -> dict[str, str]:
    """What an output was made from: the tool version and short digests of the data.

    ``data`` digests the sha256 of every shipped layer listed in ``geodata/sources.json``
    (Natural Earth, GeoNames, GLOBE); ``seeds`` digests the shipped corridor records. The same
    version and digests mean the same inputs.
    """
    import hashlib
    import json

    from ._version import __version__

    try:
        files = json.loads(layer_path("sources.json").read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"{layer_path('sources.json')}: cannot read the layer checksums: {exc}") from None
    data = hashlib.sha256("".join(f"{k}={v['sha256']}\n" for k, v in sorted(files.items())).encode())
    seeds = hashlib.sha256()
    for path in sorted(settings.seeds_dir().glob("*.yaml")):
        seeds.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return {"version": __version__, "data": data.hexdigest()[:12], "seeds": seeds.hexdigest()[:12]}


def resolve_countries(names: str | Iterable[str], *, field: str = "avoid") -> tuple[str, ...]:
    """ISO3 codes of countries given by code or English name (any case), in the order given.

    Each item may itself be a comma-separated list (``"Pakistan,Iran"``), as typed on a command
    line. An unknown name raises `corridors.PlaceError` naming ``field``, with suggestions.

    Examples
    --------
    >>> resolve_countries(["afghanistan", "PAK,Iran"])
    ('AFG', 'PAK', 'IRN')
    """
    import difflib

    layer = countries()
    by_key = {str(c).casefold(): str(c) for c in layer.iso_a3}
    by_key.update({str(n).casefold(): str(c) for c, n in zip(layer.iso_a3, layer.name, strict=True)})
    items = [names] if isinstance(names, str) else list(names)
    out: list[str] = []
    for name in (part.strip() for item in items for part in str(item).split(",")):
        if not name:
            continue
        code = by_key.get(name.casefold())
        if code is None:
            close = difflib.get_close_matches(name.casefold(), list(by_key), n=2, cutoff=0.6)
            hint = f"; did you mean {' or '.join(by_key[c] for c in close)}?" if close else ""
            raise PlaceError(f"{field}: {name!r} is not a country of the region (ISO3 code or English name){hint}")
        if code not in out:
            out.append(code)
    return tuple(out)


# --- provinces, contested areas, boundary classes -----------------------------------------------------

#: Worldviews with a boundary class column in ``contested.gpkg`` (Natural Earth point-of-view columns).
WORLDVIEWS: tuple[str, ...] = ("ISO", "IN", "PK", "CN", "NP", "US")


def _locate(geometry: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Row of the first polygon containing each point, -1 where none does.

    Points are sorted by longitude once, so each polygon's bounding box selects its candidates
    with two binary searches before the (prepared) point-in-polygon test.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    shape = lon.shape
    lon, lat = lon.ravel(), lat.ravel()
    out = np.full(lon.shape, -1, dtype=np.int64)
    order = np.argsort(lon, kind="stable")
    sorted_lon = lon[order]
    for row, (x0, y0, x1, y1) in enumerate(shapely.bounds(geometry)):
        if not x0 <= x1:  # empty geometry (NaN bounds)
            continue
        i0, i1 = np.searchsorted(sorted_lon, x0, side="left"), np.searchsorted(sorted_lon, x1, side="right")
        cand = order[i0:i1]
        cand = cand[(lat[cand] >= y0) & (lat[cand] <= y1) & (out[cand] < 0)]
        if len(cand):
            inside = shapely.contains_xy(geometry[row], lon[cand], lat[cand])
            out[cand[inside]] = row
    return out.reshape(shape)


@dataclass(frozen=True)
class Provinces:
    """Admin-1 polygons (provinces, states, regions) of the countries that have them, sorted by code.

    ``code`` holds ISO 3166-2 codes (``PK-BA``), ``name`` English names, ``country`` the ISO3 code
    of the country (as in `Countries`). See ``geodata/SOURCES.md`` for the vintage (FATA still
    separate as ``PK-TA``; India's Jammu and Kashmir not split from Ladakh).
    """

    code: np.ndarray
    name: np.ndarray
    country: np.ndarray
    geometry: np.ndarray

    def index_of(self, code: str) -> int:
        """Row of an ISO 3166-2 code; raises `DataError` when there is no such province."""
        hits = np.flatnonzero(self.code == code)
        if not len(hits):
            raise DataError(f"provinces layer: no province with code {code!r}")
        return int(hits[0])

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Row index of the province containing each point, -1 where none does."""
        return _locate(self.geometry, lon, lat)


@dataclass(frozen=True)
class ContestedAreas:
    """Territory administered by one country and claimed by others, sorted by ``id``.

    ``administered_by`` is an ISO3 code, ``claimed_by`` a tuple of ISO3 codes per area; ``note``
    and ``source`` (publisher, title, date, URL) say who claims what.
    """

    id: np.ndarray
    name: np.ndarray
    administered_by: np.ndarray
    claimed_by: tuple[tuple[str, ...], ...]
    note: np.ndarray
    source: np.ndarray
    geometry: np.ndarray

    def index_of(self, area_id: str) -> int:
        """Row of an area id; raises `DataError` when there is no such area."""
        hits = np.flatnonzero(self.id == area_id)
        if not len(hits):
            raise DataError(f"contested layer: no area with id {area_id!r}")
        return int(hits[0])

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Row index of the contested area containing each point, -1 outside every area."""
        return _locate(self.geometry, lon, lat)


@dataclass(frozen=True)
class Boundaries:
    """Land boundary lines with Natural Earth's class per worldview.

    ``featurecla`` is the default (de facto) class: "International boundary", "Line of control",
    "Disputed", "Indefinite" or "Indeterminant frontier". ``fclass`` maps a worldview in
    `WORLDVIEWS` (``"IN"``, ``"PK"``, ``"CN"``, …) to that view's class of each line
    ("Unrecognized", "Admin-1 boundary", …). ``left``/``right`` are the ISO3 codes on either side;
    ``durand_line`` marks the Afghanistan–Pakistan boundary, which Afghanistan does not recognise
    (``note`` cites the source). ``tree`` indexes the lines cut into pieces of at most
    ``settings.BOUNDARY_PIECE_VERTICES`` vertices, ``piece_row`` the line of each piece: a nearest
    search then measures short pieces, not lines of hundreds of vertices.
    """

    featurecla: np.ndarray
    fclass: dict[str, np.ndarray]
    left: np.ndarray
    right: np.ndarray
    durand_line: np.ndarray
    note: np.ndarray
    geometry: np.ndarray
    tree: shapely.STRtree
    piece_row: np.ndarray

    def nearest(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row of the nearest boundary line to each point and the distance to it, in degrees.

        Where lines are equally near (a point where two meet), the lowest row.
        """
        points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        points = np.atleast_1d(points)
        (src, pieces), dist = self.tree.query_nearest(points, return_distance=True, all_matches=True)
        rows = self.piece_row[pieces]
        out_rows = np.full(len(points), np.iinfo(np.int64).max, dtype=np.int64)
        out_dist = np.full(len(points), np.inf)
        np.minimum.at(out_rows, src, rows)
        out_dist[src] = dist
        out_rows[out_rows == np.iinfo(np.int64).max] = -1
        return out_rows, out_dist

    def classify(
        self,
        lon: np.ndarray,
        lat: np.ndarray,
        worldview: str | None = None,
        max_distance_deg: float = 0.05,
    ) -> np.ndarray:
        """Boundary class of the nearest boundary line to each (crossing) point.

        ``worldview`` is ``None`` (de facto: ``featurecla``) or one of `WORLDVIEWS`; points farther
        than ``max_distance_deg`` from every boundary line get ``""``.

        Examples
        --------
        >>> str(boundaries().classify([73.887], [34.092])[0])  # on the Line of Control west of Uri
        'Line of control'
        >>> str(boundaries().classify([73.887], [34.092], worldview="IN")[0])
        'Unrecognized'
        """
        if worldview is None:
            classes = self.featurecla
        elif worldview in self.fclass:
            classes = self.fclass[worldview]
        else:
            raise DataError(f"worldview {worldview!r}: not one of {', '.join(self.fclass)} (or None for de facto)")
        rows, dist = self.nearest(lon, lat)
        out = np.where((rows >= 0) & (dist <= max_distance_deg), classes[np.maximum(rows, 0)], "")
        return out.astype(str)


@cache
def provinces() -> Provinces:
    """The ``provinces`` layer (Natural Earth admin-1 faces named from GeoNames), cached."""
    geometry, attrs = read_layer("provinces.gpkg", "provinces", ("code", "name", "country"))
    shapely.prepare(geometry)
    return Provinces(
        code=attrs["code"].astype(str),
        name=attrs["name"].astype(str),
        country=attrs["country"].astype(str),
        geometry=geometry,
    )


@cache
def contested_areas() -> ContestedAreas:
    """The ``contested`` layer (areas administered by one country and claimed by others), cached."""
    cols = ("id", "name", "administered_by", "claimed_by", "note", "source")
    geometry, attrs = read_layer("contested.gpkg", "contested", cols)
    shapely.prepare(geometry)
    claimed = tuple(tuple(c for c in str(v).split(",") if c) for v in attrs["claimed_by"])
    return ContestedAreas(
        id=attrs["id"].astype(str),
        name=attrs["name"].astype(str),
        administered_by=attrs["administered_by"].astype(str),
        claimed_by=claimed,
        note=attrs["note"].astype(str),
        source=attrs["source"].astype(str),
        geometry=geometry,
    )


@cache
def boundaries() -> Boundaries:
    """The ``boundaries`` layer (Natural Earth land boundary lines with worldview classes), cached."""
    wv = tuple(f"fclass_{w.lower()}" for w in WORLDVIEWS)
    cols = ("featurecla", *wv, "left", "right", "durand_line", "note")
    geometry, attrs = read_layer("contested.gpkg", "boundaries", cols)
    tree, piece_row = _pieces(geometry, settings.BOUNDARY_PIECE_VERTICES)
    return Boundaries(
        featurecla=attrs["featurecla"].astype(str),
        fclass={w: attrs[c].astype(str) for w, c in zip(WORLDVIEWS, wv, strict=True)},
        left=attrs["left"].astype(str),
        right=attrs["right"].astype(str),
        durand_line=attrs["durand_line"].astype(bool),
        note=attrs["note"].astype(str),
        geometry=geometry,
        tree=tree,
        piece_row=piece_row,
    )


def _pieces(lines: np.ndarray, vertices: int) -> tuple[shapely.STRtree, np.ndarray]:
    """An STRtree of ``lines`` cut into pieces of at most ``vertices`` vertices, and each piece's line.

    Consecutive pieces share their end vertex, so together they are the line. (Once per process,
    over the ~80 lines of the layer.)
    """
    pieces, rows = [], []
    for row, xy in enumerate(shapely.get_coordinates(line) for line in lines):
        for start in range(0, max(len(xy) - 1, 1), vertices - 1):
            pieces.append(shapely.LineString(xy[start : start + vertices]))
            rows.append(row)
    return shapely.STRtree(pieces), np.array(rows, dtype=np.int64)


def provinces_frame() -> geopandas.GeoDataFrame:
    """The ``provinces`` layer as a GeoDataFrame (code, name, country, geometry; EPSG:4326)."""
    import pyogrio

    return pyogrio.read_dataframe(layer_path("provinces.gpkg"), layer="provinces")


def contested_frame(layer: str = "contested") -> geopandas.GeoDataFrame:
    """A layer of ``contested.gpkg`` (``contested`` or ``boundaries``) as a GeoDataFrame.

    ``claimed_by`` is the comma-separated ISO3 list as stored; `contested_areas` splits it.
    """
    import pyogrio

    return pyogrio.read_dataframe(layer_path("contested.gpkg"), layer=layer)


def boundaries_frame() -> geopandas.GeoDataFrame:
    """The ``boundaries`` layer (land boundary lines with worldview classes) as a GeoDataFrame."""
    return contested_frame("boundaries")


# --- worldviews ------------------------------------------------------------------------------------------

#: Worldviews a score can take: de facto (who holds the ground) or a country's own claims.
VIEWS: tuple[str, ...] = ("de-facto", "IND", "PAK", "CHN", "AFG")

#: Natural Earth point-of-view column (`WORLDVIEWS`) of each worldview that has one.
NE_VIEW: dict[str, str] = {"IND": "IN", "PAK": "PK", "CHN": "CN"}


def check_worldview(worldview: str | None) -> str:
    """The canonical name of a worldview (``"de-facto"``, ``"IND"``, ``"PAK"``, ``"CHN"``, ``"AFG"``).

    Case is ignored and ``None``/``"de facto"`` mean ``"de-facto"``; anything else raises
    `corridors.ValidationError` naming the allowed values.

    Examples
    --------
    >>> check_worldview("ind"), check_worldview(None)
    ('IND', 'de-facto')
    """
    if worldview is None:
        return "de-facto"
    key = str(worldview).strip()
    if key.casefold().replace(" ", "-").replace("_", "-") in ("de-facto", "defacto"):
        return "de-facto"
    if key.upper() in VIEWS:
        return key.upper()
    raise ValidationError(f"worldview: {worldview!r} is not one of {', '.join(VIEWS)}")


@dataclass(frozen=True)
class Worldview:
    """The countries layer and borders of one worldview.

    ``moved`` lists ``(area id, from ISO3, to ISO3)`` for each contested area this view assigns to
    another country than the de facto layer does: a claimant's view takes the areas it claims (and
    those it administers, such as the Siachen area, Natural Earth's ``KAS``); ``de-facto``, ``CHN``
    (the data hold no area China claims) and ``AFG`` (Natural Earth has no Afghan view; only the
    class of Durand Line crossings changes) move none. ``borders`` are the de facto borders plus the
    outlines of the moved areas, so every change of country along a route meets a line.
    """

    name: str
    countries: Countries
    borders: np.ndarray
    moved: tuple[tuple[str, str, str], ...]


def outline_pieces(polygons: np.ndarray, max_vertices: int = 64) -> np.ndarray:
    """The outlines of polygons as LineString pieces of at most ``max_vertices`` vertices (for STRtree queries)."""
    rings = shapely.get_parts(shapely.get_parts(shapely.boundary(np.asarray(polygons, dtype=object))))
    out: list[shapely.LineString] = []
    step = max_vertices - 1
    for ring in rings:
        xy = shapely.get_coordinates(ring)
        out += [shapely.linestrings(xy[i : i + max_vertices]) for i in range(0, max(len(xy) - 1, 1), step)]
    return np.array([p for p in out if len(shapely.get_coordinates(p)) >= 2], dtype=object)


def worldview_layers(name: str | None = "de-facto") -> Worldview:
    """The countries layer and borders of a worldview, built once and cached.

    Examples
    --------
    >>> view = worldview_layers("IND")
    >>> [area for area, _, _ in view.moved]
    ['aksai-chin', 'azad-jammu-and-kashmir', 'gilgit-baltistan', 'shaksgam-valley', 'siachen']
    """
    return _worldview_layers(check_worldview(name))


@cache
def _worldview_layers(name: str) -> Worldview:
    base = _countries()
    if name == "de-facto":
        return Worldview(name, base, _borders(), ())
    areas = contested_areas()
    geometry = shapely.from_wkb(shapely.to_wkb(base.geometry))  # unprepared copies
    moved: list[tuple[str, str, str]] = []
    for i, area_id in enumerate(areas.id.tolist()):
        if name not in areas.claimed_by[i] and name != areas.administered_by[i]:
            continue
        area = areas.geometry[i]
        x, y = shapely.get_coordinates(shapely.point_on_surface(area))[0]
        src = int(base.locate(np.array([x]), np.array([y]))[0])
        if src < 0 or str(base.iso_a3[src]) == name:
            continue
        dst = base.index_of(name)
        geometry[src] = shapely.difference(geometry[src], area)
        geometry[dst] = shapely.union(geometry[dst], area)
        moved.append((area_id, str(base.iso_a3[src]), name))
    if not moved:
        return Worldview(name, base, _borders(), ())
    shapely.prepare(geometry)
    layer = Countries(iso_a3=base.iso_a3, name=base.name, geometry=geometry)
    extra = outline_pieces(areas.geometry[[areas.index_of(a) for a, _, _ in moved]])
    return Worldview(name, layer, np.concatenate([_borders(), extra]), tuple(moved))
