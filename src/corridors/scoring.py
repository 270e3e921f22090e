"""Corridor metrics: geodesic length, per-country lengths, border crossings, widths, a score.

The core, `split_by_country`, is vectorized over any number of routes:

1. every route's intersections with the shipped border linework (one STRtree query, one
   `shapely.intersection` call over all candidate pairs) are inserted into its vertices;
2. the route then splits into intervals between crossings, each lying in one country, found by
   one point-in-polygon test per interval (prepared polygons);
3. lengths are geodesic (pyproj ``Geod.inv`` on all segments at once), never degrees.

Intervals of the same country merge into runs. A run shorter than the tolerance is a
boundary-hugging stretch (an artefact of 1:10m generalisation along a border river or road): it
keeps its length in the per-country split, but does not make a crossing. Sea runs count in the
length (country ``""``) but never as crossings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from . import alignment, dem, distance, gazetteer, geodata, profile, settings
from ._errors import CorridorsError, ValidationError
from .catalog import Corridor, Figure, Segment, corridors_from_gdf

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "AreaLength",
    "AreaRuns",
    "AreaSplit",
    "ColumnLayout",
    "CorridorScore",
    "CountrySplit",
    "Crossing",
    "Hugging",
    "Narrowest",
    "ProvinceLength",
    "SegmentLength",
    "Stretch",
    "area_runs",
    "boundary_classes",
    "crossings_gdf",
    "narrowest_width",
    "ranks_of",
    "records_of",
    "score",
    "score_columns",
    "score_partition",
    "score_records",
    "split_areas",
    "split_by_country",
    "to_gdf",
]

_CROSSING_KINDS = ("border-crossing", "pass", "bridge")


@dataclass(frozen=True)
class CountrySplit:
    """Per-route results of `split_by_country` as flat arrays.

    Route arrays have one entry per input line. ``run_*`` arrays list the runs (maximal stretches
    in one country) in route order; ``cross_*`` the crossings; ``hug_*`` the boundary-hugging
    stretches. Country codes are ISO3; ``""`` is sea or outside every country.
    """

    length_km: np.ndarray
    crossings: np.ndarray
    start_lonlat: np.ndarray
    end_lonlat: np.ndarray
    run_route: np.ndarray
    run_country: np.ndarray
    run_length_km: np.ndarray
    run_start_km: np.ndarray
    cross_route: np.ndarray
    cross_from: np.ndarray
    cross_to: np.ndarray
    cross_lonlat: np.ndarray
    cross_at_km: np.ndarray
    hug_route: np.ndarray
    hug_country: np.ndarray
    hug_length_km: np.ndarray
    hug_lonlat: np.ndarray
    hug_at_km: np.ndarray
    seq_route: np.ndarray
    seq_country: np.ndarray

    def country_length_km(self, route: int) -> dict[str, float]:
        """Length per country code of one route, km, in order of first appearance."""
        return _country_km(self.run_country, self.run_length_km, _span(self.run_route, route))

    def sequence(self, route: int) -> tuple[str, ...]:
        """Countries one route passes through, in order, after boundary-hugging is folded."""
        return tuple(self.seq_country[_span(self.seq_route, route)].tolist())

    @property
    def straightness(self) -> np.ndarray:
        """Endpoint geodesic distance over route length (1 for a geodesic)."""
        _, _, d = distance.geod().inv(*self.start_lonlat.T, *self.end_lonlat.T)
        return np.divide(d / 1000.0, self.length_km, out=np.ones_like(self.length_km), where=self.length_km > 0)


def _span(routes: np.ndarray, route: int) -> slice:
    """The rows of one route in a route-sorted array (a binary search, not a scan)."""
    return slice(int(np.searchsorted(routes, route)), int(np.searchsorted(routes, route, side="right")))


def _bounds(routes: np.ndarray, n: int) -> np.ndarray:
    """Row offsets of routes ``0 … n`` in a route-sorted array: route ``i`` is ``[b[i], b[i + 1])``."""
    return np.searchsorted(routes, np.arange(n + 1))


def _country_km(country: np.ndarray, length_km: np.ndarray, rows: slice) -> dict[str, float]:
    out: dict[str, float] = {}
    for code, length in zip(country[rows].tolist(), length_km[rows].tolist(), strict=True):
        out[code] = out.get(code, 0.0) + float(length)
    return out


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """Boolean mask of the first element of each run of equal consecutive keys."""
    start = np.ones(len(keys), dtype=bool)
    start[1:] = keys[1:] != keys[:-1]
    return start


def split_by_country(
    routes: Sequence[shapely.LineString] | np.ndarray,
    *,
    tolerance_km: float | None = None,
    densify_km: float | None = None,
    countries: geodata.Countries | None = None,
    borders: np.ndarray | None = None,
) -> CountrySplit:
    """Split lon/lat routes by country and find their border crossings.

    ``routes`` are LineStrings through their waypoints; each segment is taken as the geodesic
    between its ends (densified to ``densify_km`` internally). ``countries``/``borders`` default to
    the shipped layers; tests pass synthetic ones. ``tolerance_km`` defaults to
    ``settings.BORDER_TOLERANCE_KM``.

    Examples
    --------
    A line from Quetta to Kandahar crosses once, from Pakistan into Afghanistan:

    >>> import shapely
    >>> split = split_by_country([shapely.LineString([(66.99, 30.18), (65.71, 31.61)])])
    >>> [(str(a), str(b)) for a, b in zip(split.cross_from, split.cross_to)], int(split.crossings[0])
    ([('PAK', 'AFG')], 1)
    """
    src_xy, src_idx = shapely.get_coordinates(np.asarray(routes, dtype=object), return_index=True)
    lon, lat, route, vert_km = distance.densify_geodesic(src_xy[:, 0], src_xy[:, 1], src_idx, densify_km=densify_km)
    return _split_countries(
        np.column_stack([lon, lat]), route, vert_km, len(routes), tolerance_km, countries=countries, borders=borders
    )


def _split_countries(
    xy: np.ndarray,
    route: np.ndarray,
    vert_km: np.ndarray,
    n: int,
    tolerance_km: float | None,
    *,
    countries: geodata.Countries | None = None,
    borders: np.ndarray | None = None,
) -> CountrySplit:
    """`split_by_country` on densified vertices (``xy``, their ``route`` and the km to the next vertex)."""
    tol_km = settings.BORDER_TOLERANCE_KM if tolerance_km is None else float(tolerance_km)
    countries = geodata.countries() if countries is None else countries
    borders = geodata.borders() if borders is None else borders

    # 1. a key increasing along each route and from one route to the next (planar distance)
    step = np.hypot(*np.diff(xy, axis=0).T)
    new_route = route[1:] != route[:-1]
    key = np.concatenate([[0.0], np.cumsum(np.where(new_route, 1.0, step))])
    first = np.searchsorted(route, np.arange(n))

    # 2. crossing points of every route segment with the border linework, keyed along the route
    seg, hit_s, hit_t = _segment_hits(xy, route, _border_outline(borders))
    s = seg[hit_s]
    hit_xy = np.where((hit_t == 1.0)[:, None], xy[s + 1], xy[s] + (xy[s + 1] - xy[s]) * hit_t[:, None])
    hit_route = route[s]
    hit_key = key[s] + hit_t * step[s]
    by_key = np.lexsort((hit_key, hit_route))
    hit_xy, hit_route, hit_key = hit_xy[by_key], hit_route[by_key], hit_key[by_key]
    # one crossing where a route passes through a vertex of the linework (two outline segments meet)
    distinct = np.ones(len(hit_key), dtype=bool)
    distinct[1:] = (hit_route[1:] != hit_route[:-1]) | (hit_key[1:] - hit_key[:-1] > _SAME_POINT_DEG)
    hit_xy, hit_route, hit_key = hit_xy[distinct], hit_route[distinct], hit_key[distinct]

    # 3. insert the crossings among the vertices; fold duplicates (a crossing on a vertex flags it)
    at = np.searchsorted(key, hit_key, side="right")
    all_xy = np.insert(xy, at, hit_xy, axis=0)
    all_route = np.insert(route, at, hit_route)
    all_vertex = np.insert(np.arange(len(xy)), at, -1)
    new = np.ones(len(all_route), dtype=bool)
    new[1:] = (all_route[1:] != all_route[:-1]) | np.any(all_xy[1:] != all_xy[:-1], axis=1)
    starts = np.flatnonzero(new)
    flag = np.logical_or.reduceat(all_vertex < 0, starts) if len(starts) else np.zeros(0, bool)
    p_route, p_xy, p_vertex = all_route[starts], all_xy[starts], all_vertex[starts]

    # 4. segment lengths: known from densification, geodesic only where a crossing splits one
    same = p_route[1:] == p_route[:-1]
    seg_km = np.zeros(len(same))
    whole = same & (p_vertex[:-1] >= 0) & (p_vertex[1:] == p_vertex[:-1] + 1)
    seg_km[whole] = vert_km[p_vertex[:-1][whole]]
    cut = np.flatnonzero(same & ~whole)
    if len(cut):
        seg_km[cut] = distance.geod().inv(*p_xy[cut].T, *p_xy[cut + 1].T)[2] / 1000.0
    route_start = np.ones(len(p_route), dtype=bool)
    route_start[1:] = ~same
    interval = np.cumsum(route_start | flag) - 1
    n_int = int(interval[-1]) + 1 if len(interval) else 0
    seg = np.flatnonzero(same)
    seg_int = interval[seg]
    int_len = np.bincount(seg_int, weights=seg_km[seg], minlength=n_int)
    has_seg = np.bincount(seg_int, minlength=n_int) > 0
    # label each interval by the midpoint of its middle segment (the farthest from its crossings)
    int_first_seg = np.searchsorted(seg_int, np.arange(n_int))
    lead = (int_first_seg + (np.bincount(seg_int, minlength=n_int) - 1) // 2)[has_seg]
    mid = (p_xy[seg[lead]] + p_xy[seg[lead] + 1]) / 2.0
    int_label = np.full(n_int, -1, dtype=np.int64)
    int_label[seg_int[lead]] = countries.locate(mid[:, 0], mid[:, 1])
    first_point = np.flatnonzero(route_start | flag)
    cum_km = np.concatenate([[0.0], np.cumsum(seg_km)])
    route_first_point = np.flatnonzero(route_start)
    int_route = p_route[first_point]
    int_start_km = cum_km[first_point] - cum_km[route_first_point[int_route]]
    int_xy = p_xy[first_point]
    keep = has_seg
    int_route, int_label, int_len = int_route[keep], int_label[keep], int_len[keep]
    int_start_km, int_xy = int_start_km[keep], int_xy[keep]

    # 5. runs: consecutive intervals in the same country
    run_first = _group_starts(int_route) | _group_starts(int_label)
    run_id = np.cumsum(run_first) - 1
    run_idx = np.flatnonzero(run_first)
    run_route = int_route[run_idx]
    run_label = int_label[run_idx]
    run_len = np.bincount(run_id, weights=int_len, minlength=len(run_idx))
    run_start_km = int_start_km[run_idx]
    run_xy = int_xy[run_idx]

    # 6. fold boundary-hugging runs; land sequence and crossings
    by = np.lexsort((-run_len, run_route))
    longest = np.zeros(len(run_idx), dtype=bool)
    longest[by[_group_starts(run_route[by])]] = True
    kept = (run_len >= tol_km) | longest
    land = kept & (run_label >= 0)
    land_idx = np.flatnonzero(land)
    seq_first = _group_starts(run_route[land_idx]) | _group_starts(run_label[land_idx])
    seq_idx = land_idx[seq_first]
    cross = np.flatnonzero(~_group_starts(run_route[seq_idx]))
    cur = seq_idx[cross]
    prev_land = land_idx[np.searchsorted(land_idx, cur) - 1]
    after_prev = prev_land + 1
    hug = np.flatnonzero(~kept & (run_label >= 0))

    iso = np.append(countries.iso_a3, "")  # index -1 → sea
    length_km = np.bincount(p_route[:-1][same], weights=seg_km[same], minlength=n)
    return CountrySplit(
        length_km=length_km,
        crossings=np.bincount(run_route[cur], minlength=n),
        start_lonlat=xy[first],
        end_lonlat=xy[np.append(first[1:], len(xy)) - 1],
        run_route=run_route,
        run_country=iso[run_label],
        run_length_km=run_len,
        run_start_km=run_start_km,
        cross_route=run_route[cur],
        cross_from=iso[run_label[prev_land]],
        cross_to=iso[run_label[cur]],
        cross_lonlat=run_xy[after_prev],
        cross_at_km=run_start_km[after_prev],
        hug_route=run_route[hug],
        hug_country=iso[run_label[hug]],
        hug_length_km=run_len[hug],
        hug_lonlat=run_xy[hug],
        hug_at_km=run_start_km[hug],
        seq_route=run_route[seq_idx],
        seq_country=iso[run_label[seq_idx]],
    )


#: Cell of the grid that marks where area outlines run, degrees. A route segment is tested against
#: the outlines only when its ends or middle fall within reach of a marked cell (a quarter of the
#: segment plus a cell), so no crossing is missed whatever ``DENSIFY_KM`` is.
_OUTLINE_CELL_DEG = 0.05


#: Outline segments per STRtree entry (consecutive segments of one ring, one box), and the longest
#: outline segment, degrees (long straight edges are cut so that their boxes stay small).
_OUTLINE_PIECE = 1
_OUTLINE_SEGMENT_DEG = 0.2


@dataclass(frozen=True, eq=False)  # hashed by identity (cached per layer)
class _Outline:
    """The outline of an area layer: segments ``(m, 2, 2)``, an STRtree of the boxes of runs of
    `_OUTLINE_PIECE` consecutive segments (``piece_first``/``piece_len`` index them), and the grid
    of cells holding an outline vertex."""

    segments: np.ndarray
    tree: shapely.STRtree
    piece_first: np.ndarray
    piece_len: np.ndarray
    cells: np.ndarray  # bool (ny, nx), row 0 at ``south``: cells holding an outline vertex
    west: float
    south: float

    def candidates(self, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(line index, outline segment index) pairs whose boxes may meet."""
        li, pi = self.tree.query(lines)
        counts = self.piece_len[pi]
        offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        return np.repeat(li, counts), np.repeat(self.piece_first[pi], counts) + offset


def _outline_of(lines: np.ndarray) -> _Outline:
    """The `_Outline` of LineString linework (polygon rings or border lines)."""
    xy, idx = shapely.get_coordinates(shapely.segmentize(lines, _OUTLINE_SEGMENT_DEG), return_index=True)
    same = (idx[1:] == idx[:-1]) & np.any(xy[1:] != xy[:-1], axis=1)
    segments = np.stack([xy[:-1][same], xy[1:][same]], axis=1)
    ring = idx[:-1][same]
    start = np.ones(len(ring), dtype=bool)
    start[1:] = ring[1:] != ring[:-1]
    ring_first = np.flatnonzero(start)
    within = np.arange(len(ring)) - np.repeat(ring_first, np.diff(np.append(ring_first, len(ring))))
    piece_start = start | (within % _OUTLINE_PIECE == 0)
    piece_first = np.flatnonzero(piece_start)
    piece_len = np.diff(np.append(piece_first, len(ring)))
    lo = np.minimum.reduceat(segments.min(axis=1), piece_first, axis=0)
    hi = np.maximum.reduceat(segments.max(axis=1), piece_first, axis=0)
    tree = shapely.STRtree(shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))
    # the grid: cells holding a vertex of the outline segmentized to half a cell
    dense = shapely.get_coordinates(shapely.segmentize(lines, _OUTLINE_CELL_DEG / 2))
    west, south, east, north = settings.REGION_BOUNDS
    nx = int(np.ceil((east - west) / _OUTLINE_CELL_DEG)) + 1
    ny = int(np.ceil((north - south) / _OUTLINE_CELL_DEG)) + 1
    cells = np.zeros((ny, nx), dtype=bool)
    ix = np.clip(np.floor((dense[:, 0] - west) / _OUTLINE_CELL_DEG).astype(np.int64), 0, nx - 1)
    iy = np.clip(np.floor((dense[:, 1] - south) / _OUTLINE_CELL_DEG).astype(np.int64), 0, ny - 1)
    cells[iy, ix] = True
    outline = _Outline(segments, tree, piece_first, piece_len, cells, west, south)
    _marked(outline, 2)  # the grid for the default DENSIFY_KM (20 km: at most 0.26° at 45°N), built with the layer
    return outline


@cache
def _area_layer(kind: str) -> tuple[geodata.Countries, _Outline]:
    """A polygon layer (``"contested"`` or ``"provinces"``) and its outline (`_Outline`)."""
    if kind == "contested":
        areas = geodata.contested_areas()
        layer = geodata.Countries(iso_a3=areas.id, name=areas.name, geometry=areas.geometry)
    else:
        prov = geodata.provinces()
        layer = geodata.Countries(iso_a3=prov.code, name=prov.name, geometry=prov.geometry)
    return layer, _outline_of(shapely.get_parts(shapely.get_parts(shapely.boundary(layer.geometry))))


#: Outlines of the border linework arrays seen so far, by identity (the shipped borders and each
#: worldview's are cached arrays, so each is built once); the array is kept to pin its identity.
_BORDER_OUTLINES: dict[int, tuple[np.ndarray, _Outline]] = {}


def _border_outline(borders: np.ndarray) -> _Outline:
    """The `_Outline` of a border linework array, built once per array."""
    hit = _BORDER_OUTLINES.get(id(borders))
    if hit is None or hit[0] is not borders:
        if len(_BORDER_OUTLINES) >= 16:  # synthetic layers in tests: keep the cache small
            _BORDER_OUTLINES.clear()
        hit = _BORDER_OUTLINES[id(borders)] = (borders, _outline_of(np.asarray(borders, dtype=object)))
    return hit[1]


#: Crossings closer than this along a route (planar degrees) are one: a route through a vertex of
#: the linework meets the two outline segments that share it.
_SAME_POINT_DEG = 1e-12


@cache
def _marked(outline: _Outline, k: int) -> np.ndarray:
    """The outline cells dilated by ``k`` cells (a square neighbourhood)."""
    ny, nx = outline.cells.shape
    padded = np.zeros((ny + 2 * k, nx + 2 * k), dtype=bool)
    padded[k : k + ny, k : k + nx] = outline.cells
    out = np.zeros_like(outline.cells)
    for dy in range(-k, k + 1):
        for dx in range(-k, k + 1):
            out |= padded[k + dy : k + dy + ny, k + dx : k + dx + nx]
    return out


def _near_outline(outline: _Outline, marked: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """True where a point lies in a ``marked`` cell (or outside the grid)."""
    ny, nx = marked.shape
    ix = np.floor((x - outline.west) / _OUTLINE_CELL_DEG).astype(np.int64)
    iy = np.floor((y - outline.south) / _OUTLINE_CELL_DEG).astype(np.int64)
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    out = ~inside
    out[inside] = marked[iy[inside], ix[inside]]
    return out


def _segment_hits(xy: np.ndarray, part: np.ndarray, outline: _Outline) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where route segments cross an outline: ``(seg, hit_s, hit_t)``.

    ``seg`` indexes the vertex starting each route segment (consecutive vertices of one ``part``);
    each crossing is on segment ``seg[hit_s]`` at fraction ``hit_t`` (0–1) of it. Every segment near
    the outline (`_near_outline`) is tested against the outline segments whose boxes it meets (the
    STRtree), all pairs solved in one array operation; collinear overlaps are not crossings.
    """
    seg = np.flatnonzero(part[:-1] == part[1:]) if len(xy) > 1 else np.zeros(0, dtype=np.int64)
    a, b = xy[seg], xy[seg + 1]
    d = b - a
    m = (a + b) / 2.0
    # every point of a segment is within a quarter of its length of a, m or b; outline vertices are
    # at most half a cell apart: a crossing lies within `reach` of a sample, k cells away at most
    reach = (float(np.abs(d).max()) / 4.0 if len(seg) else 0.0) + _OUTLINE_CELL_DEG / 4.0
    marked = _marked(outline, int(np.ceil(reach / _OUTLINE_CELL_DEG)))
    near = np.flatnonzero(
        _near_outline(outline, marked, a[:, 0], a[:, 1])
        | _near_outline(outline, marked, b[:, 0], b[:, 1])
        | _near_outline(outline, marked, m[:, 0], m[:, 1])
    )
    if len(near):
        si, oi = outline.candidates(shapely.linestrings(np.stack([a[near], b[near]], axis=1)))
        si = near[si]
    else:
        si = oi = np.zeros(0, dtype=np.int64)
    q, e = outline.segments[oi, 0], outline.segments[oi, 1] - outline.segments[oi, 0]
    cross = lambda u, v: u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]  # noqa: E731
    denom = cross(d[si], e)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = cross(q - a[si], e) / denom
        u = cross(q - a[si], d[si]) / denom
    ok = (denom != 0) & (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1)
    return seg, si[ok], t[ok]


@dataclass(frozen=True)
class AreaRuns:
    """Km of routes per area of a polygon layer (provinces or contested areas), as runs in route order.

    ``run_country`` holds the layer's codes (ISO 3166-2 codes, area ids; ``""`` outside every
    area); the runs of a route add up to its length.
    """

    run_route: np.ndarray
    run_country: np.ndarray
    run_length_km: np.ndarray
    run_start_km: np.ndarray

    def country_length_km(self, route: int) -> dict[str, float]:
        """Length per area code of one route, km, in order of first appearance."""
        return _country_km(self.run_country, self.run_length_km, _span(self.run_route, route))

    def sequence(self, route: int) -> tuple[str, ...]:
        """Areas one route passes through, in order (outside-area runs left out, repeats folded)."""
        out: list[str] = []
        for code in self.run_country[_span(self.run_route, route)].tolist():
            if code and (not out or out[-1] != code):
                out.append(code)
        return tuple(out)


def area_runs(
    xy: np.ndarray, part: np.ndarray, seg_km: np.ndarray, layer: geodata.Countries, outline: _Outline
) -> AreaRuns:
    """Split densified routes by the polygons of ``layer`` (vectorized, exact).

    ``xy``/``part``/``seg_km`` are the densified vertices, their route and the geodesic km to the
    next vertex (`corridors.distance.densify_geodesic`). Every route segment near an outline
    (`_near_outline`) is tested against the layer's outline segments (candidates from their
    STRtree, the crossings solved in one array operation); the route is cut at each crossing, each stretch
    between crossings labelled by one point-in-polygon test at its middle, and each piece
    measured on the ellipsoid (whole segments keep their ``seg_km``).
    """
    labels = np.append(layer.iso_a3, "")
    seg, hit_s, hit_t = _segment_hits(xy, part, outline)
    n = len(seg)
    a, b = xy[seg], xy[seg + 1]
    d = b - a
    # a crossing on a vertex starts the stretch at that vertex
    starts_at_hit = np.zeros(n + 1, dtype=bool)
    starts_at_hit[hit_s[hit_t == 0.0]] = True
    starts_at_hit[hit_s[hit_t == 1.0] + 1] = True
    # pieces between consecutive cut points (0, the crossings, 1): one per segment without a
    # crossing, several for the few with one; merged in route order by a key within each segment
    cut = np.unique(hit_s)
    c_s = np.concatenate([cut, hit_s, cut])
    c_f = np.concatenate([np.zeros(len(cut)), hit_t, np.ones(len(cut))])
    order = np.lexsort((c_f, c_s))
    c_s, c_f = c_s[order], c_f[order]
    keep = (c_s[1:] == c_s[:-1]) & (c_f[1:] > c_f[:-1])
    plain = np.ones(n, dtype=bool)
    plain[cut] = False
    plain_s = np.flatnonzero(plain)
    p_s = np.concatenate([plain_s, c_s[:-1][keep]])
    f0 = np.concatenate([np.zeros(len(plain_s)), c_f[:-1][keep]])
    f1 = np.concatenate([np.ones(len(plain_s)), c_f[1:][keep]])
    order = np.argsort(p_s + (f0 + f1) / 4.0, kind="stable")
    p_s, f0, f1 = p_s[order], f0[order], f1[order]
    p_route = part[seg[p_s]]
    whole = (f0 == 0.0) & (f1 == 1.0)
    p_km = seg_km[seg[p_s]].astype(float)
    if np.any(~whole):
        w = np.flatnonzero(~whole)
        p0 = a[p_s[w]] + d[p_s[w]] * f0[w, None]
        p1 = a[p_s[w]] + d[p_s[w]] * f1[w, None]
        p_km[w] = distance.geod().inv(p0[:, 0], p0[:, 1], p1[:, 0], p1[:, 1])[2] / 1000.0
    # stretches: a new one at each route start and at each crossing
    new_route = _group_starts(p_route)
    start = new_route | (f0 > 0.0) | ((f0 == 0.0) & starts_at_hit[p_s])
    stretch = np.cumsum(start) - 1
    first = np.flatnonzero(start)
    count = np.diff(np.append(first, len(p_s)))
    middle = first + (count - 1) // 2
    fm = (f0[middle] + f1[middle]) / 2.0
    mid = a[p_s[middle]] + d[p_s[middle]] * fm[:, None]
    st_label = layer.locate(mid[:, 0], mid[:, 1]) if len(mid) else np.zeros(0, dtype=np.int64)
    st_route = p_route[first]
    st_km = np.bincount(stretch, weights=p_km, minlength=len(first))
    # runs: consecutive stretches in the same area
    run_first = _group_starts(st_route) | _group_starts(st_label)
    run_id = np.cumsum(run_first) - 1
    idx = np.flatnonzero(run_first)
    run_km = np.bincount(run_id, weights=st_km, minlength=len(idx))
    run_route = st_route[idx]
    cum = np.cumsum(run_km) - run_km
    route_first = np.flatnonzero(_group_starts(run_route))
    run_start = cum - np.repeat(cum[route_first], np.diff(np.append(route_first, len(run_km))))
    return AreaRuns(
        run_route=run_route, run_country=labels[st_label[idx]], run_length_km=run_km, run_start_km=run_start
    )


@dataclass(frozen=True)
class AreaSplit:
    """`split_areas`: the country split under a worldview, and km per province and per contested area."""

    worldview: str
    countries: CountrySplit
    provinces: AreaRuns
    contested: AreaRuns


def split_areas(
    routes: Sequence[shapely.LineString] | np.ndarray,
    *,
    worldview: str | None = None,
    tolerance_km: float | None = None,
    densify_km: float | None = None,
) -> AreaSplit:
    """Split routes by country (as ``worldview`` draws them), by province and by contested area.

    The countries go through `split_by_country` (lengths, crossings, boundary-hugging); the
    provinces and the contested areas through `area_runs` on the same geodesically densified
    routes, so their km add up along each route like the per-country km. Province and area runs
    are never folded.

    Examples
    --------
    >>> from corridors import load_catalog
    >>> from corridors.alignment import waypoint_lines
    >>> lines = waypoint_lines([load_catalog()["karakoram-highway"]])
    >>> split = split_areas(lines, worldview="IND")
    >>> split.countries.sequence(0), split.contested.sequence(0)
    (('PAK', 'IND', 'CHN'), ('gilgit-baltistan',))
    """
    view = geodata.worldview_layers(geodata.check_worldview(worldview))
    routes = np.asarray(routes, dtype=object)
    src_xy, src_idx = shapely.get_coordinates(routes, return_index=True)
    lon, lat, part, seg_km = distance.densify_geodesic(src_xy[:, 0], src_xy[:, 1], src_idx, densify_km=densify_km)
    xy = np.column_stack([lon, lat])

    moved = bool(view.moved)  # de facto (or a view moving nothing): the shipped layers, as patched in tests
    province_layer, contested_layer = _area_layer("provinces"), _area_layer("contested")  # built before the thread
    # the province split (the longest: the most outline) runs beside the country and contested-area
    # splits in a second thread (GEOS, PROJ and NumPy release the GIL for their array work); the two
    # threads touch no GEOS object in common
    with ThreadPoolExecutor(max_workers=1) as pool:
        in_provinces = pool.submit(area_runs, xy, part, seg_km, *province_layer)
        contested = area_runs(xy, part, seg_km, *contested_layer)
        countries = _split_countries(
            xy,
            part,
            seg_km,
            len(routes),
            tolerance_km,
            countries=view.countries if moved else None,
            borders=view.borders if moved else None,
        )
        provinces = in_provinces.result()
    return AreaSplit(worldview=view.name, countries=countries, provinces=provinces, contested=contested)


#: Wording of Natural Earth's FEATURECLA values in crossing classes.
_CLASS_LABEL = {
    "International boundary": "international",
    "Line of control": "line of control",
    "Disputed": "disputed",
    "Indefinite": "indefinite",
    "Indeterminant frontier": "indeterminate frontier",
}


def boundary_classes(lonlat: np.ndarray, worldview: str | None = None) -> list[str]:
    """The class of the boundary at each crossing point, as a worldview sees it.

    De facto: Natural Earth's class ("international", "line of control", "disputed",
    "indefinite", …), then the views whose class differs (``"line of control: IND, PAK views
    differ"``) and, on the Durand Line, ``"; not recognised by AFG"``. Under ``IND``/``PAK``/``CHN``:
    the de facto class and, where that view's class differs, ``": IND view differs (unrecognized)"``.
    Under ``AFG``: Durand Line crossings are ``"not recognised by AFG"``. A crossing that only the
    view's own claim draws (no de facto boundary within 0.05°) is ``"IND claim (no de facto boundary)"``.

    Examples
    --------
    >>> boundary_classes(np.array([[73.887, 34.092]]))
    ['line of control: IND, PAK views differ']
    >>> boundary_classes(np.array([[71.13, 34.115]]), "AFG")  # Torkham
    ['not recognised by AFG']
    """
    view = geodata.check_worldview(worldview)
    lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    if not len(lonlat):
        return []
    b = geodata.boundaries()
    rows, dist = b.nearest(lonlat[:, 0], lonlat[:, 1])
    out = []
    for row, d in zip(rows.tolist(), dist.tolist(), strict=True):
        if row < 0 or d > settings.BOUNDARY_CLASS_DISTANCE_DEG:
            out.append(f"{view} claim (no de facto boundary)" if view in geodata.NE_VIEW else "")
            continue
        de_facto = str(b.featurecla[row])
        label = _CLASS_LABEL.get(de_facto, de_facto.lower())
        durand = bool(b.durand_line[row])
        if view == "AFG":
            out.append("not recognised by AFG" if durand else label)
        elif view in geodata.NE_VIEW:
            theirs = str(b.fclass[geodata.NE_VIEW[view]][row])
            out.append(label if theirs == de_facto else f"{label}: {view} view differs ({theirs.lower()})")
        else:
            differ = [v for v, ne in geodata.NE_VIEW.items() if str(b.fclass[ne][row]) != de_facto]
            if differ:
                label += f": {', '.join(differ)} view{'s differ' if len(differ) > 1 else ' differs'}"
            out.append(label + ("; not recognised by AFG" if durand else ""))
    return out


def _stretches(split: AreaSplit) -> list[tuple[Stretch, ...]]:
    """Every route cut at every change of country, province or contested area (the whole batch at once).

    The cuts are the starts of the runs of the three splits; each piece between two cuts takes the
    label of the run of each split containing its middle; neighbours with the same labels merge.
    """
    parts: list[CountrySplit | AreaRuns] = [split.countries, split.provinces, split.contested]
    total = split.countries.length_km
    n = len(total)
    route = np.concatenate([p.run_route for p in parts] + [np.arange(n), np.arange(n)])
    km = np.concatenate([p.run_start_km for p in parts] + [np.zeros(n), total])
    keep = (km >= 0) & (km <= total[route])
    route, km = route[keep], km[keep]
    order = np.lexsort((km, route))
    route, km = route[order], km[order]
    distinct = _group_starts(route) | _group_starts(km)
    route, km = route[distinct], km[distinct]
    same = route[1:] == route[:-1]
    lo, hi, piece_route = km[:-1][same], km[1:][same], route[:-1][same]
    ok = hi - lo > 1e-9
    lo, hi, piece_route = lo[ok], hi[ok], piece_route[ok]
    labels = [_label_at(p, piece_route, (lo + hi) / 2).tolist() for p in parts]
    out: list[list[Stretch]] = [[] for _ in range(n)]
    for r, a, b, country, province, area in zip(piece_route.tolist(), lo.tolist(), hi.tolist(), *labels, strict=True):
        merged = out[r]
        if merged and (merged[-1].country, merged[-1].province, merged[-1].area) == (country, province, area):
            last = merged[-1]
            merged[-1] = Stretch(last.start_km, last.length_km + (b - a), country, province, area)
        else:
            merged.append(Stretch(a, b - a, country, province, area))
    return [tuple(m) for m in out]


def _label_at(runs: CountrySplit | AreaRuns, route: np.ndarray, at_km: np.ndarray) -> np.ndarray:
    """The code of the run of ``route`` holding each position ``at_km`` (the last to start at or before it).

    ``""`` where the route has no runs. Runs and positions are merged in one sort (runs first at
    equal km), so each position takes the run seen last before it.
    """
    n_runs = len(runs.run_route)
    all_route = np.concatenate([runs.run_route, route])
    all_km = np.concatenate([runs.run_start_km, at_km])
    is_pos = np.concatenate([np.zeros(n_runs, dtype=bool), np.ones(len(route), dtype=bool)])
    order = np.lexsort((is_pos, all_km, all_route))
    last = np.maximum.accumulate(np.where(is_pos[order], -1, order))
    run = np.empty(len(route), dtype=np.int64)
    run[order[is_pos[order]] - n_runs] = last[is_pos[order]]
    found = (run >= 0) & (runs.run_route[np.maximum(run, 0)] == route) if n_runs else np.zeros(len(route), bool)
    codes = np.append(np.asarray(runs.run_country, dtype=object), "")
    return codes[np.where(found, run, -1)].astype(str)


@dataclass(frozen=True)
class Crossing:
    """A border crossing: from one country to the next, where, and the nearest named crossing."""

    from_country: str
    to_country: str
    lon: float
    lat: float
    at_km: float
    named: str = ""
    named_distance_km: float | None = None
    boundary_class: str = ""


@dataclass(frozen=True)
class Hugging:
    """A short excursion into a neighbour, folded as boundary-hugging rather than counted."""

    country: str
    length_km: float
    lon: float
    lat: float
    at_km: float


@dataclass(frozen=True)
class Narrowest:
    """Narrowest width of a strip of territory between two neighbours, geodesic km."""

    between: tuple[str, str]
    width_km: float
    lon: float
    lat: float
    ends: tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class CountryLength:
    """Modeled length in one country beside the published figure, when there is one."""

    country: str
    modeled_km: float
    published: Figure | None = None

    @property
    def diff_pct(self) -> float | None:
        """(modeled - published) / published, percent."""
        return _diff_pct(self.modeled_km, self.published)


@dataclass(frozen=True)
class SegmentLength:
    """Modeled length between two waypoints of a corridor beside the published segment figure.

    ``from_km``/``to_km`` are the waypoints' positions along the modeled route (km from its start).
    """

    segment: Segment
    modeled_km: float
    from_km: float
    to_km: float

    @property
    def published(self) -> Figure:
        return self.segment.km

    @property
    def diff_pct(self) -> float | None:
        """Difference to the published range, percent of its nearer end (0 inside the range)."""
        return self.segment.km.diff_to_range_pct(self.modeled_km)


@dataclass(frozen=True)
class AreaLength:
    """Modeled km inside one contested area, with who administers it and who claims it."""

    id: str
    name: str
    administered_by: str
    claimed_by: tuple[str, ...]
    length_km: float


@dataclass(frozen=True)
class ProvinceLength:
    """Modeled km in one province (admin-1), by ISO 3166-2 code."""

    code: str
    name: str
    country: str
    length_km: float


@dataclass(frozen=True)
class Stretch:
    """A stretch of a route in one country, province and contested area (``""`` where none)."""

    start_km: float
    length_km: float
    country: str
    province: str
    area: str


@dataclass(frozen=True)
class CorridorScore:
    """Every metric of one corridor. Lengths in km on the WGS84 ellipsoid."""

    corridor: Corridor
    length_km: float
    countries: tuple[CountryLength, ...]
    sequence: tuple[str, ...]
    crossings: tuple[Crossing, ...]
    hugging: tuple[Hugging, ...]
    straightness: float
    endpoint_distance_km: float
    score: float
    rank: int = 0
    narrowest: Narrowest | None = None
    extra: Mapping[str, float | str] = field(default_factory=dict)
    segments: tuple[SegmentLength, ...] = ()
    worldview: str = "de-facto"
    contested: tuple[AreaLength, ...] = ()
    provinces: tuple[ProvinceLength, ...] = ()
    stretches: tuple[Stretch, ...] = ()
    exposure_km: float | None = None

    @property
    def contested_km(self) -> float:
        """Modeled km inside contested areas (0 when the corridor touches no contested ground)."""
        return float(sum(a.length_km for a in self.contested))

    @property
    def published_length(self) -> Figure | None:
        return self.corridor.published.length_km

    @property
    def length_diff_pct(self) -> float | None:
        """(modeled - published) / published total length, percent."""
        return _diff_pct(self.length_km, self.published_length)

    @property
    def length_diff_range_pct(self) -> float | None:
        """Difference of the modeled length to the published range, percent (0 inside the range)."""
        fig = self.published_length
        return fig.diff_to_range_pct(self.length_km) if fig is not None else None

    def off_by(self, max_diff_pct: float) -> list[tuple[str, float, str]]:
        """Published lengths (total, segments) the model misses by more than ``max_diff_pct``.

        Each as ``(what, diff_pct, exception)``; ``exception`` is the record's written reason ("" if none).
        """
        out = []
        fig = self.published_length
        d = self.length_diff_range_pct
        if fig is not None and d is not None and abs(d) > max_diff_pct:
            out.append(("total length", d, fig.exception))
        for seg in self.segments:
            d = seg.diff_pct
            if d is not None and abs(d) > max_diff_pct:
                out.append((f"segment {seg.segment.label}", d, seg.published.exception))
        return out

    @property
    def matches_sources(self) -> bool:
        """True when the modeled country sequence is the one the record's sources declare.

        Sources declare de facto countries, so only a de facto score is checked; under another
        worldview this is True (the view's sequence is reported, not checked).
        """
        if self.worldview != "de-facto":
            return True
        return not self.corridor.countries or self.sequence == self.corridor.countries


def _diff_pct(modeled: float, figure: Figure | None) -> float | None:
    if figure is None or not isinstance(figure.value, int | float) or not figure.value:
        return None
    return (modeled - float(figure.value)) / float(figure.value) * 100.0


@cache
def _named_crossings() -> tuple[np.ndarray, np.ndarray]:
    places = [p for p in gazetteer.curated_places() if p.kind in _CROSSING_KINDS]
    names = np.array([p.name for p in places], dtype=object)
    return names, np.array([(p.lon, p.lat) for p in places], dtype=float).reshape(-1, 2)


def _nearest_named(lonlat: np.ndarray) -> tuple[list[str], list[float | None]]:
    """The nearest named crossing to each point, when within ``settings.NAMED_CROSSING_RADIUS_KM``."""
    names, pts = _named_crossings()
    if not len(pts) or not len(lonlat):
        return [""] * len(lonlat), [None] * len(lonlat)
    best, dist = distance.nearest(lonlat[:, 0], lonlat[:, 1], pts[:, 0], pts[:, 1])
    ok = dist <= settings.NAMED_CROSSING_RADIUS_KM
    return (
        [str(names[b]) if k else "" for b, k in zip(best, ok, strict=True)],
        [float(x) if k else None for x, k in zip(dist, ok, strict=True)],
    )


def composite_score(
    length_km: np.ndarray, crossings: np.ndarray, straightness: np.ndarray, weights: Mapping[str, float] | None = None
) -> np.ndarray:
    """Composite score, lower is better: ``w_len·length/100 km + w_cross·crossings + w_detour·(1-straightness)``.

    Weights default to ``settings.SCORE_WEIGHTS`` (keys ``length_per_100km``, ``crossing``, ``detour``).
    """
    w = {**settings.SCORE_WEIGHTS, **(weights or {})}
    unknown = set(w) - set(settings.SCORE_WEIGHTS)
    if unknown:
        raise CorridorsError(
            f"weights: unknown key(s) {', '.join(sorted(unknown))}; use {', '.join(settings.SCORE_WEIGHTS)}"
        )
    for key, value in w.items():
        if isinstance(value, bool) or not isinstance(value, int | float | np.number) or not abs(value) <= 1e6:
            raise ValidationError(f"weights: {key} = {value!r} is not a finite number up to 1e6")
    return (
        w["length_per_100km"] * np.asarray(length_km) / 100.0
        + w["crossing"] * np.asarray(crossings)
        + w["detour"] * (1.0 - np.asarray(straightness))
    )


def narrowest_width(
    between: tuple[str, str], near: shapely.Geometry | None = None, *, countries: geodata.Countries | None = None
) -> Narrowest:
    """Closest approach of two countries' polygons, geodesic km, optionally only within 1° of ``near``.

    The shortest line is found in an azimuthal equidistant projection centred on the area, so
    its length is true to well under 0.1 %, then measured on the ellipsoid.

    Examples
    --------
    The Wakhan Corridor between Tajikistan and Pakistan (published: about 16 km at its narrowest):

    >>> w = narrowest_width(("TJK", "PAK"))
    >>> 10 < w.width_km < 20
    True
    """
    from pyproj import Transformer

    countries = geodata.countries() if countries is None else countries
    a, b = (countries.geometry[countries.index_of(code)] for code in between)
    if near is not None:
        box = shapely.box(*shapely.bounds(shapely.buffer(shapely.envelope(near), 1.0)))
        a, b = shapely.intersection(a, box), shapely.intersection(b, box)
    rough = shapely.shortest_line(a, b)
    lon0, lat0 = shapely.get_coordinates(shapely.centroid(rough))[0]
    crs = f"+proj=aeqd +lat_0={lat0:.4f} +lon_0={lon0:.4f} +ellps=WGS84 +units=m"
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    line = shapely.shortest_line(
        shapely.transform(a, fwd.transform, interleaved=False), shapely.transform(b, fwd.transform, interleaved=False)
    )
    back = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    (x0, y0), (x1, y1) = zip(*back.transform(*shapely.get_coordinates(line).T), strict=True)
    _, _, d = distance.geod().inv(x0, y0, x1, y1)
    return Narrowest(
        between=between, width_km=d / 1000.0, lon=(x0 + x1) / 2, lat=(y0 + y1) / 2, ends=((x0, y0), (x1, y1))
    )


def score_records(
    corridors: Corridor | Iterable[Corridor],
    *,
    tolerance_km: float | None = None,
    weights: Mapping[str, float] | None = None,
    densify_km: float | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    n_workers: int | None = None,
    chunk_routes: int | None = None,
    progress: Callable[[int], object] | None = None,
    worldview: str | None = None,
) -> list[CorridorScore]:
    """Score one corridor or many as `CorridorScore` records (what renderers and tables read).

    Ranks are 1 for the lowest composite score among those given. `score` returns the same
    results as a GeoDataFrame. Routes are scored in batches of ``chunk_routes``
    (``settings.SCORE_CHUNK_ROUTES``), so memory beyond the records stays bounded; ``engine``
    ``"dask"`` scores the batches on a dask cluster (`corridors.engine`), with the same results.
    ``progress`` is called with the number of routes of each finished batch. ``worldview``
    (`corridors.geodata.VIEWS`, default de facto) decides which country holds contested ground;
    km per contested area and per province do not depend on it.
    """
    from . import engine as engines

    items = [corridors] if isinstance(corridors, Corridor) else list(corridors)
    options: dict[str, Any] = {
        "tolerance_km": tolerance_km,
        "weights": weights,
        "densify_km": densify_km,
        "worldview": worldview,
    }
    chunk = engines.check_options(engine, scheduler, n_workers, chunk_routes)
    parts = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    if engine == "dask" and parts:
        results = engines.run_dask(
            score_partition, parts, options, scheduler=scheduler, n_workers=n_workers, progress=progress
        )
    else:
        results = []
        for part in parts:
            results.append(score_partition(part, **options))
            if progress is not None:
                progress(len(part))
    out = [r for records, _ in results for r in records]
    composite = np.concatenate([c for _, c in results]) if results else np.zeros(0)
    for record, rank in zip(out, ranks_of(composite).tolist(), strict=True):
        object.__setattr__(record, "rank", rank)  # records are built here and not yet shared
    return out


def ranks_of(composite: np.ndarray) -> np.ndarray:
    """Rank of each composite score: 1 for the lowest (scores equal to 9 decimals keep their order)."""
    ranks = np.empty(len(composite), dtype=np.int64)
    ranks[np.lexsort((np.arange(len(composite)), np.round(composite, 9)))] = np.arange(1, len(composite) + 1)
    return ranks


def preload_layers(worldview: str | None) -> None:
    """Load every layer batches share and build its lazy parts, before worker processes are forked.

    Forked workers (`corridors.tables.write_score_csv`) then share these pages instead of each
    loading and indexing the layers again: the layers, the gazetteer, the DEM, the outlines'
    STRtrees, and the prepared polygons' point locators (GEOS builds one on a polygon's first
    point-in-polygon test, so one test at each polygon's bounding-box centre builds them all).
    """
    view = geodata.worldview_layers(geodata.check_worldview(worldview))
    layers = [view.countries, geodata.countries(), _area_layer("provinces")[0], _area_layer("contested")[0]]
    for layer in layers:
        x0, y0, x1, y1 = shapely.bounds(layer.geometry).T
        ok = np.isfinite(x0)
        shapely.prepare(layer.geometry[ok])
        shapely.contains_xy(layer.geometry[ok], (x0[ok] + x1[ok]) / 2, (y0[ok] + y1[ok]) / 2)
    geodata.borders(), geodata.boundaries(), geodata.contested_areas(), geodata.provinces()
    _named_crossings(), profile._gazetteer_points(), dem.dem()
    # the crossing solver's outlines and the boundary lines: a first query builds each GEOS STRtree
    probe = shapely.box(60.0, 30.0, 61.0, 31.0)
    outlines = [_border_outline(b) for b in (geodata.borders(), view.borders)]
    for outline in [*outlines, _area_layer("provinces")[1], _area_layer("contested")[1]]:
        outline.tree.query(probe)
    geodata.boundaries().tree.query_nearest(probe)


def score_partition(
    items: Sequence[Corridor],
    *,
    tolerance_km: float | None = None,
    weights: Mapping[str, float] | None = None,
    densify_km: float | None = None,
    worldview: str | None = None,
) -> tuple[list[CorridorScore], np.ndarray]:
    """Score one batch of corridors: records (rank 0, set by `score_records`) and composite scores.

    Every metric is computed for the whole batch at once; per-route rows are found by binary search
    in the route-sorted arrays, so the work is linear in the batch.
    """
    items = list(items)
    n = len(items)
    lines = alignment.waypoint_lines(items)
    areas = split_areas(lines, worldview=worldview, tolerance_km=tolerance_km, densify_km=densify_km)
    split = areas.countries
    classes = boundary_classes(split.cross_lonlat, areas.worldview)
    contested, provinces = geodata.contested_areas(), geodata.provinces()
    area_row = {a: contested.index_of(a) for a in set(areas.contested.run_country.tolist()) - {""}}
    province_row = {p: provinces.index_of(p) for p in set(areas.provinces.run_country.tolist()) - {""}}
    straight = split.straightness
    composite = composite_score(split.length_km, split.crossings, straight, weights)
    names, dists = _nearest_named(split.cross_lonlat)
    terrain_rows = _terrain_extra(items, lines)
    segment_rows = segment_lengths(items, lines)
    run_b = _bounds(split.run_route, n)
    prov_b, area_b = _bounds(areas.provinces.run_route, n), _bounds(areas.contested.run_route, n)
    stretches = _stretches(areas)
    seq_b = _bounds(split.seq_route, n)
    cross_b = _bounds(split.cross_route, n)
    hug_b = _bounds(split.hug_route, n)
    cross_from, cross_to = split.cross_from.tolist(), split.cross_to.tolist()
    cross_lon, cross_lat = split.cross_lonlat[:, 0].tolist(), split.cross_lonlat[:, 1].tolist()
    cross_at = split.cross_at_km.tolist()
    hug_country, hug_len = split.hug_country.tolist(), split.hug_length_km.tolist()
    hug_lon, hug_lat = split.hug_lonlat[:, 0].tolist(), split.hug_lonlat[:, 1].tolist()
    hug_at = split.hug_at_km.tolist()
    seq_country = split.seq_country.tolist()
    c_code, c_km = areas.contested.run_country, areas.contested.run_length_km
    p_code, p_km = areas.provinces.run_country, areas.provinces.run_length_km
    length_km, straight_l, composite_l = split.length_km.tolist(), straight.tolist(), composite.tolist()
    endpoint_km = (straight * split.length_km).tolist()
    out = []
    for i, corridor in enumerate(items):
        by_country = _country_km(split.run_country, split.run_length_km, slice(run_b[i], run_b[i + 1]))
        published = corridor.published.country_length_km
        country_rows = [CountryLength(c, km, published.get(c)) for c, km in by_country.items()]
        country_rows += [CountryLength(c, 0.0, fig) for c, fig in published.items() if c not in by_country]
        narrowest = narrowest_width(corridor.narrowest_between, lines[i]) if corridor.narrowest_between else None
        out.append(
            CorridorScore(
                corridor=corridor,
                length_km=length_km[i],
                countries=tuple(country_rows),
                sequence=tuple(seq_country[seq_b[i] : seq_b[i + 1]]),
                crossings=tuple(
                    Crossing(
                        from_country=cross_from[k],
                        to_country=cross_to[k],
                        lon=cross_lon[k],
                        lat=cross_lat[k],
                        at_km=cross_at[k],
                        named=names[k],
                        named_distance_km=dists[k],
                        boundary_class=classes[k],
                    )
                    for k in range(cross_b[i], cross_b[i + 1])
                ),
                hugging=tuple(
                    Hugging(
                        country=hug_country[k],
                        length_km=hug_len[k],
                        lon=hug_lon[k],
                        lat=hug_lat[k],
                        at_km=hug_at[k],
                    )
                    for k in range(hug_b[i], hug_b[i + 1])
                ),
                straightness=straight_l[i],
                endpoint_distance_km=endpoint_km[i],
                score=composite_l[i],
                narrowest=narrowest,
                extra=terrain_rows[i],
                segments=segment_rows[i],
                worldview=areas.worldview,
                contested=tuple(
                    AreaLength(
                        id=a,
                        name=str(contested.name[j]),
                        administered_by=str(contested.administered_by[j]),
                        claimed_by=contested.claimed_by[j],
                        length_km=km,
                    )
                    for a, km in _country_km(c_code, c_km, slice(area_b[i], area_b[i + 1])).items()
                    if a and km > 0
                    for j in [area_row[a]]
                ),
                provinces=tuple(
                    ProvinceLength(code=p, name=str(provinces.name[j]), country=str(provinces.country[j]), length_km=km)
                    for p, km in _country_km(p_code, p_km, slice(prov_b[i], prov_b[i + 1])).items()
                    if p and km > 0
                    for j in [province_row[p]]
                ),
                stretches=stretches[i],
            )
        )
    return out, composite


def segment_lengths(
    corridors: Sequence[Corridor], lines: np.ndarray, *, densify_km: float | None = None
) -> list[tuple[SegmentLength, ...]]:
    """Modeled length of every published segment, measured along each corridor's modeled line.

    The line is densified geodesically (as `split_by_country` does); each waypoint is located at
    the nearest vertex, searching onward from the previous waypoint's position so that a route that
    passes a place twice is read in order. An off-line stop is located at the nearest vertex of the
    whole line (where its spur leaves). Lengths are cumulative geodesic km between the positions.
    """
    out: list[tuple[SegmentLength, ...]] = [() for _ in corridors]
    todo = [i for i, c in enumerate(corridors) if c.published.segments]
    if not todo:
        return out
    dense, step_km = distance.densify_lines(np.asarray([lines[i] for i in todo], dtype=object), densify_km=densify_km)
    xy, route = shapely.get_coordinates(dense, return_index=True)
    first = np.searchsorted(route, np.arange(len(todo)))
    ends = np.append(first[1:], len(route))
    for j, i in enumerate(todo):
        corridor = corridors[i]
        v_xy = xy[first[j] : ends[j]]
        cum = np.concatenate([[0.0], np.cumsum(step_km[first[j] : ends[j]][:-1])])
        at = _positions(corridor, v_xy, cum)
        rows = []
        for seg in corridor.published.segments:
            if seg.start in at and seg.end in at:  # a copy with other waypoints may no longer hold them
                a, b = at[seg.start], at[seg.end]
                rows.append(SegmentLength(seg, abs(b - a), a, b))
        out[i] = tuple(rows)
    return out


def _positions(corridor: Corridor, v_xy: np.ndarray, cum: np.ndarray) -> dict[str, float]:
    """km along the modeled line of each waypoint (in order) and each off-line stop (anywhere)."""
    at: dict[str, float] = {}
    lo = 0
    for w in corridor.waypoints:
        k, _ = distance.nearest(np.array([w.lon]), np.array([w.lat]), v_xy[lo:, 0], v_xy[lo:, 1])
        lo += int(k[0])
        at.setdefault(w.name, float(cum[lo]))
    for w in corridor.stops:
        k, _ = distance.nearest(np.array([w.lon]), np.array([w.lat]), v_xy[:, 0], v_xy[:, 1])
        at.setdefault(w.name, float(cum[int(k[0])]))
    return at


def structure_spans(corridor: Corridor) -> list[profile.Span]:
    """Each tunnel or bridge of a corridor as ((lon, lat) start, (lon, lat) end), for `profile.through_structures`."""
    wps = corridor.waypoints
    return [((wps[i - 1].lon, wps[i - 1].lat), (wps[i].lon, wps[i].lat)) for i, _ in corridor.structures]


def _terrain_extra(items: Sequence[Corridor], lines: np.ndarray) -> list[dict[str, float | str]]:
    """Elevation-profile metrics of every route at once (`profile.profile_metrics`)."""
    sampled = profile.through_structures(profile.sample_profiles(lines), [structure_spans(c) for c in items])
    metrics = profile.profile_metrics(sampled, [[(w.name, w.lon, w.lat) for w in c.waypoints] for c in items])
    return metrics.rows()


_ATTRS_KEY = "corridors.scores"


class _Records:
    """The `CorridorScore` records behind a frame, by id, carried in ``GeoDataFrame.attrs``.

    Immutable, so pandas' deep copy of ``attrs`` (on every derived frame) may share it.
    """

    __slots__ = ("by_id",)

    def __init__(self, records: Sequence[CorridorScore]):
        self.by_id = {r.corridor.id: r for r in records}

    def __deepcopy__(self, memo: dict[int, Any]) -> _Records:
        return self

    def __repr__(self) -> str:
        return f"<{len(self.by_id)} corridor score records>"


@dataclass(frozen=True)
class ColumnLayout:
    """The columns of a score table that depend on the rows: which terrain keys, countries, areas.

    ``terrain`` keeps the order in which the keys first appear; ``countries`` (ISO3, ``""`` for
    sea), ``contested`` (area ids), ``provinces`` (ISO 3166-2) and ``published`` (ISO3 codes with a
    published length) are sorted. The layout of many batches is the `union` of theirs, so a table
    written batch by batch has the columns of the table of all rows at once.
    """

    terrain: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    contested: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    published: tuple[str, ...] = ()

    @classmethod
    def of(cls, records: Sequence[CorridorScore]) -> ColumnLayout:
        """The layout of these records' own columns."""
        return cls(
            terrain=tuple(dict.fromkeys(k for r in records for k in r.extra)),
            countries=tuple(sorted({c.country for r in records for c in r.countries})),
            contested=tuple(sorted({a.id for r in records for a in r.contested})),
            provinces=tuple(sorted({p.code for r in records for p in r.provinces})),
            published=tuple(sorted({c for r in records for c in r.corridor.published.country_length_km})),
        )

    def union(self, other: ColumnLayout) -> ColumnLayout:
        """The columns of both (this layout's terrain keys first)."""
        return ColumnLayout(
            terrain=tuple(dict.fromkeys(self.terrain + other.terrain)),
            countries=tuple(sorted({*self.countries, *other.countries})),
            contested=tuple(sorted({*self.contested, *other.contested})),
            provinces=tuple(sorted({*self.provinces, *other.provinces})),
            published=tuple(sorted({*self.published, *other.published})),
        )


def to_gdf(
    records: Sequence[CorridorScore], *, densify_km: float | None = None, layout: ColumnLayout | None = None
) -> geopandas.GeoDataFrame:
    """Score records as a GeoDataFrame: one row per corridor, indexed by id, EPSG:4326.

    Columns: ``name``, ``kind``, ``status``, ``length_km``, ``published_km``, ``diff_pct``,
    ``countries`` (modeled ISO3 sequence joined by `` > ``), ``declared_countries``,
    ``matches_sources`` (bool), ``crossings`` (int), ``straightness``, ``endpoint_distance_km``,
    the terrain metrics, ``narrowest_km``, ``score``, ``rank``, ``worldview``, ``contested``
    (the contested areas crossed, or "no contested ground"), ``contested_km``, ``exposure_km`` (when
    exposure weights were applied), one ``km_<ISO3>`` column per country met (``km_sea`` for water),
    one ``km_<area id>`` per contested area and one ``km_<ISO 3166-2>`` per province met, and
    ``geometry`` (the modeled route, densified geodesic).
    The records stay attached (``attrs``) for `records_of`, maps and figures.
    ``layout`` fixes the terrain, ``km_`` columns (`ColumnLayout`; by default those of the records).
    """
    import geopandas

    lines = (
        alignment.route_lines([r.corridor for r in records], densify_km=densify_km)
        if records
        else np.empty(0, dtype=object)
    )
    data, index = score_columns(records, layout)
    frame = geopandas.GeoDataFrame(data, index=index, geometry=list(lines), crs="EPSG:4326")
    frame.attrs[_ATTRS_KEY] = _Records(records)
    return frame


def score_columns(records: Sequence[CorridorScore], layout: ColumnLayout | None = None) -> tuple[dict[str, Any], Any]:
    """The columns of `to_gdf` without the geometry, and their ``id`` index (see `to_gdf`).

    Every value depends on its own row only: whole-number terrain metrics are ``Int64`` (blank
    where a route has no terrain), so a table written batch by batch has the bytes of one
    written at once.
    """
    import pandas as pd

    layout = ColumnLayout.of(records) if layout is None else layout
    codes = layout.countries
    where = {code: j for j, code in enumerate(codes)}
    km = np.zeros((len(records), len(codes)))
    for i, r in enumerate(records):
        for c in r.countries:
            km[i, where[c.country]] += c.modeled_km
    pub = [r.published_length for r in records]
    data: dict[str, Any] = {
        "name": [r.corridor.name for r in records],
        "kind": [r.corridor.kind for r in records],
        "status": [r.corridor.status for r in records],
        "length_km": np.array([r.length_km for r in records], dtype=float),
        "published_km": pd.array(
            [float(p.value) if p is not None and isinstance(p.value, int | float) else None for p in pub],
            dtype="Float64",
        ),
        "diff_pct": pd.array([r.length_diff_pct for r in records], dtype="Float64"),
        "countries": [" > ".join(r.sequence) for r in records],
        "declared_countries": [" > ".join(r.corridor.countries) for r in records],
        "matches_sources": np.array([r.matches_sources for r in records], dtype=bool),
        "crossings": np.array([len(r.crossings) for r in records], dtype=np.int64),
        "straightness": np.array([r.straightness for r in records], dtype=float),
        "endpoint_distance_km": np.array([r.endpoint_distance_km for r in records], dtype=float),
        **{k: _terrain_column([r.extra.get(k) for r in records]) for k in layout.terrain},
        "narrowest_km": pd.array([r.narrowest.width_km if r.narrowest else None for r in records], dtype="Float64"),
        "score": np.array([r.score for r in records], dtype=float),
        "rank": np.array([r.rank for r in records], dtype=np.int64),
        "worldview": [r.worldview for r in records],
        "contested": [contested_text(r) for r in records],
        "contested_km": np.array([r.contested_km for r in records], dtype=float),
        **(
            {"exposure_km": pd.array([r.exposure_km for r in records], dtype="Float64")}
            if any(r.exposure_km is not None for r in records)
            else {}
        ),
        **{f"km_{code or 'sea'}": km[:, j] for j, code in enumerate(codes)},
        **_km_columns(records, layout.contested, lambda r: [(a.id, a.length_km) for a in r.contested]),
        **_km_columns(records, layout.provinces, lambda r: [(p.code, p.length_km) for p in r.provinces]),
    }
    return data, pd.Index([r.corridor.id for r in records], name="id", dtype=object)


def _terrain_column(values: list[Any]) -> Any:
    """A terrain metric column: ``Int64`` when every value present is a whole number, else as given."""
    import pandas as pd

    present = [x for x in values if x is not None]
    if present and all(isinstance(x, int) and not isinstance(x, bool) for x in present):
        return pd.array(values, dtype="Int64")
    return values


def _km_columns(records: Sequence[CorridorScore], keys: Sequence[str], items: Any) -> dict[str, np.ndarray]:
    """``km_<key>`` columns for ``keys`` from ``items(record) -> [(key, km), ...]``."""
    where = {k: j for j, k in enumerate(keys)}
    km = np.zeros((len(records), len(keys)))
    for i, r in enumerate(records):
        for key, length in items(r):
            km[i, where[key]] = length
    return {f"km_{k}": km[:, j] for j, k in enumerate(keys)}


def contested_text(record: CorridorScore) -> str:
    """One line on the contested ground a corridor crosses, or ``"no contested ground"``.

    Each area reads ``name km (administered by X; claimed by Y)``.
    """
    if not record.contested:
        return "no contested ground"
    return "; ".join(
        f"{a.name} {a.length_km:.0f} km (administered by {a.administered_by}; claimed by {', '.join(a.claimed_by)})"
        for a in record.contested
    )


def records_of(scores: geopandas.GeoDataFrame | Sequence[CorridorScore]) -> list[CorridorScore]:
    """The `CorridorScore` records of the rows of a frame from `score` (in row order).

    A sequence of records is returned as a list. Rows may have been filtered or sorted; a frame
    that did not come from `score` raises `corridors.CorridorsError`.

    Examples
    --------
    >>> from corridors import load_catalog, records_of, score
    >>> scores = score(load_catalog().select(["tapi", "karakoram-highway"]))
    >>> [r.corridor.id for r in records_of(scores.sort_values("length_km"))]
    ['karakoram-highway', 'tapi']
    """
    attrs = getattr(scores, "attrs", None)
    if attrs is None:
        return list(scores)
    held = attrs.get(_ATTRS_KEY)
    if not isinstance(held, _Records):
        raise CorridorsError("scores: pass the GeoDataFrame returned by corridors.score() (its records are missing)")
    try:
        return [held.by_id[i] for i in scores.index]  # type: ignore[union-attr]
    except KeyError as exc:
        raise CorridorsError(f"scores: row {exc.args[0]!r} is not one that corridors.score() returned") from None


def score(
    corridors: Corridor | Iterable[Corridor] | geopandas.GeoDataFrame | geopandas.GeoSeries,
    *,
    tolerance_km: float | None = None,
    weights: Mapping[str, float] | None = None,
    densify_km: float | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    n_workers: int | None = None,
    worldview: str | None = None,
) -> geopandas.GeoDataFrame:
    """Score corridors: geodesic length, per-country km, border crossings, terrain, composite score.

    Parameters
    ----------
    corridors : Corridor, iterable of Corridor, Catalog, GeoDataFrame or GeoSeries
        Corridors from `corridors.load_catalog` (a `corridors.Catalog` scores all its
        corridors), or lon/lat routes of your own (LineString or MultiLineString; any CRS, reprojected
        to EPSG:4326). A frame's index gives the ids; ``name``, ``kind`` and ``status`` columns are kept.
    tolerance_km : float, optional
        Excursions into a neighbour shorter than this are boundary-hugging, not crossings
        (default ``settings.BORDER_TOLERANCE_KM``; 0 counts every one).
    weights : mapping, optional
        Composite-score weights (keys of ``settings.SCORE_WEIGHTS``).
    densify_km : float, optional
        Largest vertex spacing of the modeled routes (default ``settings.DENSIFY_KM``).
    engine : {"local", "dask"}
        ``"local"`` scores in this process, in batches of ``settings.SCORE_CHUNK_ROUTES`` routes;
        ``"dask"`` scores the batches as dask-geopandas partitions on a ``dask.distributed`` cluster
        (needs the ``scale`` extra). Both give the same results.
    scheduler : str, optional
        Address of a running dask scheduler (``"tcp://host:8786"``); by default the dask engine
        starts a local cluster of ``n_workers`` processes (default: one per core).
    n_workers : int, optional
        Workers of the local cluster (dask engine only).
    worldview : {"de-facto", "IND", "PAK", "CHN", "AFG"}, optional
        Whose map decides the country of contested ground (default de facto, who holds it).
        Per-country km, the sequence and the crossings follow it; km per contested area and
        per province do not.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per corridor, indexed by id, EPSG:4326; columns as in `to_gdf`. Border
        crossings as points: `crossings_gdf`.

    Examples
    --------
    >>> from corridors import load_catalog, score
    >>> scores = score(load_catalog().select(["karakoram-highway", "tapi"]))
    >>> scores.loc["tapi", "countries"], int(scores.loc["tapi", "crossings"])
    ('TKM > AFG > PAK > IND', 3)
    >>> round(float(scores.loc["karakoram-highway", "km_CHN"]))
    413
    >>> score(load_catalog().select(["karakoram-highway"]), worldview="IND").loc["karakoram-highway", "countries"]
    'PAK > IND > CHN'
    """
    if hasattr(corridors, "geometry") and not isinstance(corridors, Corridor):
        corridors = corridors_from_gdf(corridors)
    elif hasattr(corridors, "values") and callable(corridors.values):  # a Catalog (a Mapping)
        corridors = list(corridors.values())
    records = score_records(
        corridors,
        tolerance_km=tolerance_km,
        weights=weights,
        densify_km=densify_km,
        engine=engine,
        scheduler=scheduler,
        n_workers=n_workers,
        worldview=worldview,
    )
    return to_gdf(records, densify_km=densify_km)


def crossings_gdf(scores: geopandas.GeoDataFrame | Sequence[CorridorScore]) -> geopandas.GeoDataFrame:
    """Border crossings of scored corridors as points (EPSG:4326), one row per crossing.

    Columns: ``corridor`` (id), ``number`` (1, 2, … along the route), ``from_country``,
    ``to_country`` (ISO3), ``at_km`` (distance along the route), ``nearest_named`` and
    ``named_distance_km`` (the closest named crossing within ``settings.NAMED_CROSSING_RADIUS_KM``),
    ``boundary_class`` (`boundary_classes`, under the scores' worldview).

    Examples
    --------
    >>> from corridors import crossings_gdf, load_catalog, score
    >>> x = crossings_gdf(score(load_catalog().select(["karakoram-highway"])))
    >>> x[["from_country", "to_country", "nearest_named"]].values.tolist()
    [['PAK', 'CHN', 'Khunjerab Pass']]
    """
    import geopandas
    import pandas as pd

    rows = [(r.corridor.id, n, x) for r in records_of(scores) for n, x in enumerate(r.crossings, 1)]
    return geopandas.GeoDataFrame(
        {
            "corridor": [c for c, _, _ in rows],
            "number": np.array([n for _, n, _ in rows], dtype=np.int64),
            "from_country": [x.from_country for _, _, x in rows],
            "to_country": [x.to_country for _, _, x in rows],
            "at_km": np.array([x.at_km for _, _, x in rows], dtype=float),
            "nearest_named": [x.named for _, _, x in rows],
            "named_distance_km": pd.array([x.named_distance_km for _, _, x in rows], dtype="Float64"),
            "boundary_class": [x.boundary_class for _, _, x in rows],
        },
        geometry=geopandas.points_from_xy([x.lon for _, _, x in rows], [x.lat for _, _, x in rows]),
        crs="EPSG:4326",
    )


def score_frame(routes: Any, **options: Any) -> Any:
    """Deprecated since 0.2: use :func:`score`, which takes the same GeoDataFrame and returns geometry too.

    Kept for one release; returns ``score(routes, ...)`` without its geometry, as before.
    """
    import warnings

    warnings.warn(
        "corridors.score_frame() is deprecated and will be removed in 0.3; use corridors.score(), which "
        "returns a GeoDataFrame with the same columns plus geometry",
        DeprecationWarning,
        stacklevel=2,
    )
    return score(routes, **options).drop(columns="geometry")
