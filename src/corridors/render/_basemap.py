"""The shipped ``basemap`` layer cut to a view: land polygons, land borders and label points.

The ``basemap`` layer of ``geodata/countries.gpkg`` is Natural Earth 1:10m simplified with
``shapely.coverage_simplify``, so neighbours share identical edge vertices. Land borders are
taken as the intersection of neighbouring polygon boundaries, which yields every shared edge
exactly once and exactly where both polygons have it; further simplification goes through
``shapely.coverage_simplify`` for the same reason, and clipping polygons and borders with the same
rectangle keeps them consistent. Coordinates are lon/lat degrees (EPSG:4326).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import shapely

from .. import geodata, settings

#: Smallest country area (square degrees, inside the view) that gets a name label.
_LABEL_MIN_AREA_DEG2 = 1.5


@dataclass(frozen=True)
class Basemap:
    """Basemap pieces inside ``box`` = (west, south, east, north), degrees."""

    box: tuple[float, float, float, float]
    iso_a3: np.ndarray
    name: np.ndarray
    land: np.ndarray  # (Multi)Polygons, one per country, empty outside the box
    borders: np.ndarray  # LineStrings/MultiLineStrings of land borders
    label_xy: np.ndarray  # (n, 2) lon/lat of each country's label, NaN when too small to label


@cache
def _full(simplify_deg: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    land, attrs = geodata.read_layer("countries.gpkg", "basemap", ("iso_a3", "name"))
    if simplify_deg:
        land = shapely.coverage_simplify(land, simplify_deg)
    return attrs["iso_a3"].astype(str), attrs["name"].astype(str), land, _shared_edges(land)


def _shared_edges(polygons: np.ndarray) -> np.ndarray:
    """Edges that two polygons share (land borders), merged into lines; each appears once.

    Neighbours of a coverage share identical vertices, so a shared edge is a segment found twice
    among all ring segments (in either direction); coasts and clip edges are found once.
    """
    rings = shapely.get_rings(shapely.get_parts(polygons))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    seg = np.column_stack([xy[:-1], xy[1:]])[same]
    forward = (seg[:, 0] < seg[:, 2]) | ((seg[:, 0] == seg[:, 2]) & (seg[:, 1] <= seg[:, 3]))
    key = np.where(forward[:, None], seg, seg[:, [2, 3, 0, 1]])
    _, first, counts = np.unique(key, axis=0, return_index=True, return_counts=True)
    shared = key[np.sort(first[counts > 1])]
    lines = shapely.linestrings(shared.reshape(-1, 2, 2))
    return shapely.get_parts(shapely.line_merge(shapely.multilinestrings(lines)))


def view_box(lines: np.ndarray, *, margin: float = 0.25, min_margin_deg: float = 2.0) -> tuple[float, ...]:
    """Bounds of ``lines`` widened by ``margin`` of their span (at least ``min_margin_deg``),
    kept inside the region the shipped layers cover."""
    west, south, east, north = shapely.total_bounds(lines)
    dx = max((east - west) * margin, min_margin_deg)
    dy = max((north - south) * margin, min_margin_deg)
    rw, rs, re, rn = settings.REGION_BOUNDS
    return (max(west - dx, rw), max(south - dy, rs), min(east + dx, re), min(north + dy, rn))


def load(box: tuple[float, ...], *, decimals: int = 4, simplify_deg: float = 0.0) -> Basemap:
    """The basemap clipped to ``box``, coordinates rounded to ``decimals`` places.

    ``simplify_deg`` simplifies the layer further (``shapely.coverage_simplify``, which keeps
    neighbours' shared edges identical) before clipping.
    """
    iso, name, land, borders = _full(simplify_deg)
    rounded = lambda g: shapely.transform(g, lambda xy: np.round(xy, decimals))  # noqa: E731
    clipped = rounded(shapely.clip_by_rect(land, *box))
    border_lines = rounded(shapely.clip_by_rect(borders, *box))
    border_lines = border_lines[~shapely.is_empty(border_lines)]
    label_xy = np.full((len(land), 2), np.nan)
    for i, geom in enumerate(clipped):
        parts = shapely.get_parts(geom)
        if not len(parts):
            continue
        largest = parts[np.argmax(shapely.area(parts))]
        if shapely.area(largest) >= _LABEL_MIN_AREA_DEG2:
            from shapely.ops import polylabel

            point = polylabel(largest, tolerance=0.05)
            label_xy[i] = (round(point.x, 3), round(point.y, 3))
    return Basemap(tuple(float(v) for v in box), iso, name, clipped, border_lines, label_xy)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ContestedLayer:
    """Contested areas and non-international boundary lines inside a box, simplified for display."""

    areas: np.ndarray  # (Multi)Polygons, one per contested area (empty outside the box)
    area_rows: list[dict[str, str]]  # id, name, administered_by, claimed_by, note, source
    lines: dict[str, np.ndarray]  # Natural Earth class (or "claim") -> LineStrings


def contested(
    box: tuple[float, ...], worldview: str = "de-facto", *, decimals: int = 4, simplify_deg: float = 0.0
) -> ContestedLayer:
    """Contested areas, boundary lines by class (not "International boundary") and, under a claimant's
    worldview, the outlines of the areas it claims (``"claim"``), clipped to ``box``."""
    rounded = lambda g: shapely.transform(g, lambda xy: np.round(xy, decimals))  # noqa: E731
    areas = geodata.contested_areas()
    geoms = shapely.simplify(areas.geometry, simplify_deg) if simplify_deg else areas.geometry
    geoms = rounded(shapely.clip_by_rect(geoms, *box))
    rows = [
        {
            "id": str(areas.id[i]),
            "name": str(areas.name[i]),
            "administered_by": str(areas.administered_by[i]),
            "claimed_by": ", ".join(areas.claimed_by[i]),
            "note": str(areas.note[i]),
            "source": str(areas.source[i]),
        }
        for i in range(len(areas.id))
    ]
    b = geodata.boundaries()
    lines: dict[str, np.ndarray] = {}
    for cls in sorted(set(b.featurecla.tolist()) - {"International boundary"}):
        part = b.geometry[b.featurecla == cls]
        part = shapely.simplify(part, simplify_deg) if simplify_deg else part
        part = rounded(shapely.clip_by_rect(part, *box))
        lines[cls] = part[~shapely.is_empty(part)]
    view = geodata.worldview_layers(worldview)
    if view.moved:
        moved = areas.geometry[[areas.index_of(a) for a, _, _ in view.moved]]
        claimant = view.countries.geometry[view.countries.index_of(view.name)]
        outline = shapely.intersection(shapely.boundary(claimant), shapely.buffer(shapely.union_all(moved), 0.02))
        outline = shapely.simplify(outline, simplify_deg) if simplify_deg else outline
        claim = rounded(shapely.clip_by_rect(np.array([outline]), *box))
        lines["claim"] = claim[~shapely.is_empty(claim)]
    return ContestedLayer(geoms, rows, lines)
