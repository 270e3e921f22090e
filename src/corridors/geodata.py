"""The shipped reference layers, opened once and cached.

``geodata/countries.gpkg`` (layers ``countries``, ``borders``, ``basemap``), ``geodata/places.gpkg``
(layer ``places``) and ``geodata/elevation.tif`` are built by ``scripts/build_geodata.py`` from
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
from ._errors import DataError, PlaceError

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "Countries",
    "borders",
    "countries",
    "countries_frame",
    "elevation_path",
    "layer_path",
    "provenance",
    "read_layer",
    "resolve_countries",
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
        lon = np.asarray(lon, dtype=float)
        lat = np.asarray(lat, dtype=float)
        out = np.full(lon.shape, -1, dtype=np.int64)
        bounds = shapely.bounds(self.geometry)
        for row, (x0, y0, x1, y1) in enumerate(bounds):
            cand = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1) & (out < 0))
            if len(cand):
                inside = shapely.contains_xy(self.geometry[row], lon[cand], lat[cand])
                out[cand[inside]] = row
        return out


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


@cache
def countries() -> Countries:
    """The ``countries`` layer (Natural Earth 1:10m admin-0 clipped to the region), cached."""
    geometry, attrs = read_layer("countries.gpkg", "countries", ("iso_a3", "name"))
    shapely.prepare(geometry)
    return Countries(iso_a3=attrs["iso_a3"].astype(str), name=attrs["name"].astype(str), geometry=geometry)


@cache
def borders() -> np.ndarray:
    """Unique land-border and coastline linework of the region, as short LineString pieces."""
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
