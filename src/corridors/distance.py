"""Distances on the WGS84 ellipsoid: geodesics, line lengths and the one nearest-neighbour search.

Every length in corridors comes from pyproj's ``Geod`` on ``settings.ELLIPSOID``, never from
degrees. Lines are densified along the geodesic (`densify_geodesic`) so that maps draw the
true arc; `nearest` finds the nearest of many points with a KD-tree on unit-sphere vectors
(the chord order is the great-circle order) and measures the answer on the ellipsoid. The pyproj
objects are built once: the ellipsoid (`geod`) and each CRS a user file names (`crs`, `is_wgs84`).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Geod

from . import settings
from ._errors import GeometryError

__all__ = [
    "crs",
    "densify_geodesic",
    "densify_lines",
    "geod",
    "is_wgs84",
]


_EARTH_RADIUS_KM = 6371.0088


@cache
def geod() -> Geod:
    """The ellipsoid every length is measured on (``settings.ELLIPSOID``)."""
    return Geod(ellps=settings.ELLIPSOID)


@cache
def crs(text: str) -> CRS:
    """The pyproj CRS of an authority code, WKT or PROJJSON text, built once per text."""
    return CRS.from_user_input(text)


def is_wgs84(value: CRS | str, *, any_axis_order: bool = False) -> bool:
    """Whether a CRS (or its text) is EPSG:4326, the lon/lat of every layer and route here; with
    ``any_axis_order``, also OGC:CRS84 (the same datum, longitude first, as GeoParquet and GeoJSON
    files name it), whose x, y are EPSG:4326's lon, lat in shapely and geopandas.

    >>> is_wgs84("EPSG:4326"), is_wgs84("OGC:CRS84"), is_wgs84(crs("EPSG:32642"))
    (True, False, False)
    >>> is_wgs84("OGC:CRS84", any_axis_order=True)
    True
    """
    return (value if isinstance(value, CRS) else crs(value)).equals(crs("EPSG:4326"), ignore_axis_order=any_axis_order)


def densify_geodesic(
    lon: np.ndarray, lat: np.ndarray, parts: np.ndarray | None = None, *, densify_km: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Insert geodesic intermediate points so no segment is longer than ``densify_km``.

    ``parts`` gives each vertex's line index (all zero when omitted); segments never join two
    lines. Returns ``(lon, lat, parts, segment_km)`` of the densified vertices, where
    ``segment_km[i]`` is the geodesic length from vertex ``i`` to ``i + 1`` (0 at a line's end).
    Vectorized over all lines: one ``Geod.inv`` per input segment, one ``Geod.fwd`` per new point.
    """
    spacing_km = settings.DENSIFY_KM if densify_km is None else densify_km
    if not (isinstance(spacing_km, int | float) and math.isfinite(spacing_km) and spacing_km > 0):
        raise GeometryError(f"densify_km: {spacing_km!r} is not a positive number of km")
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    parts = np.zeros(len(lon), dtype=np.int64) if parts is None else np.asarray(parts, dtype=np.int64)
    if len(lon) < 2:
        return lon, lat, parts, np.zeros(len(lon))
    az, _, dist_m = geod().inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    same = parts[:-1] == parts[1:]
    steps = np.where(same, np.maximum(1, np.ceil(dist_m / (spacing_km * 1000.0))), 1).astype(np.int64)
    # Each segment i contributes its start vertex plus steps[i]-1 intermediate points.
    seg = np.repeat(np.arange(len(steps)), steps)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(steps) - steps, steps)
    new = np.flatnonzero(k > 0)
    x, y = lon[seg], lat[seg]
    if len(new):
        x[new], y[new], _ = geod().fwd(x[new], y[new], az[seg[new]], dist_m[seg[new]] * k[new] / steps[seg[new]])
    seg_km = np.where(same[seg], dist_m[seg] / steps[seg] / 1000.0, 0.0)
    return np.append(x, lon[-1]), np.append(y, lat[-1]), np.append(parts[seg], parts[-1]), np.append(seg_km, 0.0)


def densify_lines(lines: np.ndarray, *, densify_km: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Densify lon/lat LineStrings geodesically; returns ``(lines, segment_km)`` (see `densify_geodesic`)."""
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    lon, lat, parts, seg_km = densify_geodesic(xy[:, 0], xy[:, 1], idx, densify_km=densify_km)
    return shapely.linestrings(np.column_stack([lon, lat]), indices=parts), seg_km


def unit_xyz(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lon_r, lat_r = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)])


def chord(km: float) -> float:
    """Chord length on the unit sphere of an arc of ``km``."""
    return 2.0 * np.sin(min(km / _EARTH_RADIUS_KM, np.pi) / 2.0)


def distance_km(lon0: Any, lat0: Any, lon1: Any, lat1: Any) -> np.ndarray:
    _, _, d = geod().inv(lon0, lat0, lon1, lat1)
    return np.asarray(d, dtype=float) / 1000.0


def nearest(
    lon: np.ndarray, lat: np.ndarray, node_lon: np.ndarray, node_lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest node to each point (great-circle order) and its geodesic distance, km.

    Points and nodes become unit vectors; the nearest node has the shortest chord. Up to
    ``settings.NEAREST_BRUTE_FORCE_PAIRS`` point-node pairs one matrix product finds it (no index
    to build, no scipy import); above, a KD-tree (scipy ``cKDTree``). Both give the same answer.
    The distance is then measured on the ellipsoid.

    Examples
    --------
    >>> idx, km = nearest(np.array([66.99]), np.array([30.18]), np.array([67.0, 71.5]), np.array([30.2, 34.0]))
    >>> int(idx[0]), round(float(km[0]), 1)
    (0, 2.4)
    """
    lon, lat = np.atleast_1d(lon).astype(float), np.atleast_1d(lat).astype(float)
    node_lon, node_lat = np.atleast_1d(node_lon).astype(float), np.atleast_1d(node_lat).astype(float)
    points, nodes = unit_xyz(lon, lat), unit_xyz(node_lon, node_lat)
    if len(points) * len(nodes) <= settings.NEAREST_BRUTE_FORCE_PAIRS:
        idx = np.argmax(points @ nodes.T, axis=1) if len(points) else np.zeros(0, dtype=np.int64)
    else:
        from scipy.spatial import cKDTree

        _, idx = cKDTree(nodes).query(points)
    return idx, distance_km(lon, lat, node_lon[idx], node_lat[idx])


def line_lengths_m(lines: np.ndarray) -> np.ndarray:
    """Geodesic length of each lon/lat LineString, metres (vectorized over all segments)."""
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    same = idx[1:] == idx[:-1]
    _, _, seg = geod().inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
    return np.bincount(idx[:-1][same], weights=seg[same], minlength=len(lines))
