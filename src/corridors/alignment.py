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
from .costs import TerrainRequest, terrain_alignments
from .distance import densify_lines
from .osm import osm_vertices

__all__ = [
    "route_line",
    "route_lines",
    "waypoint_lines",
]


def _vertices(corridors: Sequence[Corridor]) -> list[np.ndarray]:
    """Vertices (lon, lat) of each corridor before geodesic densification, by its alignment.

    Terrain alignments are computed together (`corridors.costs.terrain_alignments`), so legs that
    records share are searched once and the searches can run in worker processes.
    """
    out: list[np.ndarray | None] = [None] * len(corridors)
    terrain: list[int] = []
    for i, corridor in enumerate(corridors):
        if corridor.coords:
            out[i] = np.asarray(corridor.coords, dtype=float)
        elif corridor.alignment == "terrain":
            terrain.append(i)
        else:  # osm snapping gives None (after a warning) when no OSM data are at hand
            snapped = osm_vertices(corridor) if corridor.alignment == "osm" else None
            out[i] = np.array([(w.lon, w.lat) for w in corridor.waypoints], dtype=float) if snapped is None else snapped
    requests = [
        TerrainRequest(
            np.array([(w.lon, w.lat) for w in corridors[i].waypoints], dtype=float),
            corridors[i].kind,
            label=corridors[i].path or corridors[i].id,
            straight=tuple(bool(w.tunnel or w.bridge) for w in corridors[i].waypoints[1:]),
        )
        for i in terrain
    ]
    for i, xy in zip(terrain, terrain_alignments(requests), strict=True):
        out[i] = xy
    return [xy for xy in out if xy is not None]


def waypoint_lines(corridors: Sequence[Corridor]) -> np.ndarray:
    """Each corridor's vertices before densification, as lon/lat LineStrings (one per corridor)."""
    verts = _vertices(corridors)
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
