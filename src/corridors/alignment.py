"""Waypoints to route lines.

``geodesic`` alignment follows the shortest path on the WGS84 ellipsoid between consecutive
waypoints, densified so that no two vertices are more than ``densify_km`` apart (maps then draw
the true arc). User geometries keep their vertices and are densified the same way. The terrain
(issue 4) and OSM (issue 5) alignments plug in through :func:`route_lines`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import shapely
from pyproj import Geod

from . import settings
from ._errors import GeometryError
from .catalog import Corridor

__all__ = ["densify_geodesic", "densify_lines", "geod", "route_line", "route_lines", "waypoint_lines"]


@cache
def geod() -> Geod:
    """The ellipsoid every length is measured on (``settings.ELLIPSOID``)."""
    return Geod(ellps=settings.ELLIPSOID)


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


def _vertices(corridor: Corridor) -> np.ndarray:
    """Vertices (lon, lat) of a corridor before geodesic densification, by its alignment."""
    if corridor.coords:
        return np.asarray(corridor.coords, dtype=float)
    if corridor.alignment == "osm":
        from .network import osm_vertices

        snapped = osm_vertices(corridor)  # None (after a warning) when no OSM data are at hand
        if snapped is not None:
            return snapped
    if corridor.alignment == "terrain":
        from .terrain import terrain_vertices

        xy = np.array([(w.lon, w.lat) for w in corridor.waypoints], dtype=float)
        return terrain_vertices(xy, corridor.kind, label=corridor.path or corridor.id)
    return np.array([(w.lon, w.lat) for w in corridor.waypoints], dtype=float)


def waypoint_lines(corridors: Sequence[Corridor]) -> np.ndarray:
    """Each corridor's vertices before densification, as lon/lat LineStrings (one per corridor)."""
    verts = [_vertices(c) for c in corridors]
    for corridor, xy in zip(corridors, verts, strict=True):
        if len(xy) < 2 or np.all(xy == xy[0]):
            raise GeometryError(
                f"{corridor.path or corridor.id}: waypoints: the route of {corridor.id!r} has no length"
            )
    return np.array([shapely.LineString(xy) for xy in verts], dtype=object)


def densify_lines(lines: np.ndarray, *, densify_km: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Densify lon/lat LineStrings geodesically; returns ``(lines, segment_km)`` (see :func:`densify_geodesic`)."""
    xy, idx = shapely.get_coordinates(lines, return_index=True)
    lon, lat, parts, seg_km = densify_geodesic(xy[:, 0], xy[:, 1], idx, densify_km=densify_km)
    return shapely.linestrings(np.column_stack([lon, lat]), indices=parts), seg_km


def route_lines(corridors: Sequence[Corridor], *, densify_km: float | None = None) -> np.ndarray:
    """Modeled route of each corridor as an array of densified lon/lat LineStrings (vectorized)."""
    if not corridors:
        return np.empty(0, dtype=object)
    return densify_lines(waypoint_lines(corridors), densify_km=densify_km)[0]


def route_line(corridor: Corridor, *, densify_km: float | None = None) -> shapely.LineString:
    """Modeled route of one corridor (lon/lat LineString)."""
    return route_lines([corridor], densify_km=densify_km)[0]
