"""The elevation model: NOAA GLOBE 30" cells, read once, sampled bilinearly.

The DEM is ``geodata/elevation.tif`` (NOAA GLOBE, 30" cells, int16 metres, EPSG:4326, sea 0),
read once with rasterio. A plain ``.npy`` copy keyed by the GeoTIFF's checksum is kept in
``settings.cache_dir()`` and memory-mapped on later runs, so that ``corridors compare`` needs
neither rasterio nor a full read; the values are the same array either way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from . import geodata, settings
from ._errors import DataError
from .io import file_digest, npy_bytes, read_cache, read_npy_cache, write_cache

__all__ = [
    "DEM",
    "dem",
    "sample_elevation",
]


@dataclass(frozen=True)
class DEM:
    """The elevation grid. ``elevation_m[row, col]``, row 0 at ``north``; cells ``res_deg`` wide."""

    elevation_m: np.ndarray
    west: float
    north: float
    res_deg: float
    checksum: str

    @property
    def shape(self) -> tuple[int, int]:
        return self.elevation_m.shape

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north), degrees."""
        h, w = self.shape
        return self.west, self.north - h * self.res_deg, self.west + w * self.res_deg, self.north

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """True where a point lies on the grid (edges included)."""
        west, south, east, north = self.bounds
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)

    def rowcol(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of the cell containing each point (points on the far edges go to the last cell).

        A point on a cell edge belongs to the cell south or east of it, as in rasterio (the
        1e-6-cell tolerance absorbs the rounding of ``(north - lat) / res``).
        """
        h, w = self.shape
        rows = np.floor((self.north - np.asarray(lat, dtype=float)) / self.res_deg + 1e-6).astype(np.int64)
        cols = np.floor((np.asarray(lon, dtype=float) - self.west) / self.res_deg + 1e-6).astype(np.int64)
        return np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)

    def lonlat(self, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude of cell centres."""
        return (
            self.west + (np.asarray(cols) + 0.5) * self.res_deg,
            self.north - (np.asarray(rows) + 0.5) * self.res_deg,
        )

    def row_lat(self, rows: np.ndarray) -> np.ndarray:
        """Latitude of the centre of each row."""
        return self.north - (np.asarray(rows, dtype=float) + 0.5) * self.res_deg


@cache
def dem() -> DEM:
    """The shipped DEM, cached; `DataError` when missing or not the expected kind of grid."""
    path = geodata.elevation_path()
    checksum = file_digest(path, memo_dir=settings.cache_dir() / "digests")
    folder = settings.cache_dir() / "terrain"
    npy, meta_path = folder / f"dem-{checksum}.npy", folder / f"dem-{checksum}.json"
    key = f"dem {checksum}"  # each entry carries its checksum and this key (corridors.io.write_cache)
    cached, meta_raw = read_npy_cache(npy, key=key), read_cache(meta_path, key=key)
    if cached is not None and meta_raw is not None and cached.ndim == 2:
        try:
            meta = json.loads(meta_raw)
            return DEM(cached, float(meta["west"]), float(meta["north"]), float(meta["res_deg"]), checksum)
        except (ValueError, KeyError, TypeError):
            pass  # a damaged or foreign entry: read the GeoTIFF again
    array, west, north, res = _read_geotiff(path)
    write_cache(npy, npy_bytes(array), key=key)
    write_cache(meta_path, json.dumps({"west": west, "north": north, "res_deg": res}), key=key)
    return DEM(array, west, north, res, checksum)


def _read_geotiff(path: Path) -> tuple[np.ndarray, float, float, float]:
    import rasterio

    try:
        with rasterio.open(path) as ds:
            t = ds.transform
            if ds.crs is None or ds.crs.to_epsg() != 4326 or t.b or t.d or abs(t.a + t.e) > 1e-12:
                raise DataError(
                    f"{path}: expected a north-up EPSG:4326 grid with square cells, "
                    f"found crs {ds.crs}, transform {tuple(t)[:6]}"
                )
            array = ds.read(1)
    except rasterio.errors.RasterioIOError as exc:
        raise DataError(f"{path}: cannot read the DEM: {exc}") from None
    return array, float(t.c), float(t.f), float(t.a)


def sample_elevation(lon: np.ndarray, lat: np.ndarray, grid: DEM | None = None) -> np.ndarray:
    """Elevation, m, interpolated bilinearly between cell centres; NaN off the grid.

    At a cell centre the value is that cell's (to rounding).
    """
    grid = dem() if grid is None else grid
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    h, w = grid.shape
    # in place, one array per step: the samples of a batch outgrow the CPU caches
    x = lon - grid.west
    x /= grid.res_deg
    x -= 0.5
    y = grid.north - lat
    y /= grid.res_deg
    y -= 0.5
    # truncation, not floor: the two differ only below 0, which the clip maps to cell 0 either way
    c0, r0 = x.astype(np.int64), y.astype(np.int64)
    np.clip(c0, 0, w - 2, out=c0)
    np.clip(r0, 0, h - 2, out=r0)
    tx, ty = np.subtract(x, c0, out=x), np.subtract(y, r0, out=y)
    np.clip(tx, 0.0, 1.0, out=tx)
    np.clip(ty, 0.0, 1.0, out=ty)
    z = np.asarray(grid.elevation_m).ravel()  # a plain view of the (memory-mapped) grid: flat indexing
    i = r0
    i *= w
    i += c0
    sx = 1 - tx
    # the four corners: shifted views of the flat grid, so no index array per corner
    top = sx * z.take(i)
    top += tx * z[1:].take(i)
    bottom = sx * z[w:].take(i)
    bottom += tx * z[w + 1 :].take(i)
    bottom *= ty
    out = np.subtract(1, ty, out=sx) * top
    out += bottom
    out[~grid.contains(lon, lat)] = np.nan
    return out
