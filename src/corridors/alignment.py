"""Waypoints to route lines.

``geodesic`` alignment follows the shortest path on the WGS84 ellipsoid between consecutive
waypoints, densified so that no two vertices are more than ``densify_km`` apart (maps then draw
the true arc). User geometries keep their vertices and are densified the same way. ``terrain``
alignment follows least-cost paths over the DEM (`corridors.costs`); ``osm`` alignment
follows OpenStreetMap roads (`corridors.osm`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from ._errors import GeometryError
from .catalog import Corridor
from .costs import terrain_vertices
from .distance import densify_lines
from .osm import osm_vertices

__all__ = [
    "route_line",
    "route_lines",
    "waypoint_lines",
]


def _vertices(corridor: Corridor) -> np.ndarray:
    """Vertices (lon, lat) of a corridor before geodesic densification, by its alignment."""
    if corridor.coords:
        return np.asarray(corridor.coords, dtype=float)
    if corridor.alignment == "osm":
        snapped = osm_vertices(corridor)  # None (after a warning) when no OSM data are at hand
        if snapped is not None:
            return snapped
    if corridor.alignment == "terrain":
        xy = np.array([(w.lon, w.lat) for w in corridor.waypoints], dtype=float)
        straight = [w.tunnel or w.bridge for w in corridor.waypoints[1:]]
        return terrain_vertices(xy, corridor.kind, label=corridor.path or corridor.id, straight=straight)
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


def route_lines(corridors: Sequence[Corridor], *, densify_km: float | None = None) -> np.ndarray:
    """Modeled route of each corridor as an array of densified lon/lat LineStrings (vectorized)."""
    if not corridors:
        return np.empty(0, dtype=object)
    return densify_lines(waypoint_lines(corridors), densify_km=densify_km)[0]


def route_line(corridor: Corridor, *, densify_km: float | None = None) -> shapely.LineString:
    """Modeled route of one corridor (lon/lat LineString)."""
    return route_lines([corridor], densify_km=densify_km)[0]
