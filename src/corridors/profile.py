"""Elevation profiles along routes and their metrics, vectorized over any number of routes.

**Profiles.** Routes are sampled at equal steps of at most ``settings.PROFILE_SPACING_KM`` along the
WGS84 geodesic of each segment; elevation is interpolated bilinearly between cell centres.
`profile_metrics` gives, per route, maximum and minimum elevation, the highest point and
the nearest named place to it, total ascent and descent, the share of the length above
``settings.HIGH_ELEVATION_M`` and the mean and maximum grade between samples. All vectorized over
any number of routes.

**Smoothing.** A 30" cell averages a valley road with the walls above it, so the raw samples of
a road up a gorge jump by hundreds of metres from one km to the next, and summing those jumps
gives an "ascent" several times the real climb. Ascent, descent, grades and the share above
``settings.HIGH_ELEVATION_M`` are therefore computed on a smoothed road profile (`smooth_profile`):
first the valley floor, the lowest sample within ``settings.PROFILE_FLOOR_KM`` either side (as the
cost model's 3 × 3 floor), then the mean of that floor within ``settings.PROFILE_SMOOTH_KM`` either
side along the route. Features shorter than the window (a hairpin stack, a short climb to a
bridge) are not resolved.
The highest and lowest elevation are taken from the smoothed profile too, so a summit cell beside
the road does not count as the road's highest point.

**Tunnels and bridges.** `through_structures` replaces the ground under a tunnel or bridge by the
straight grade between its two ends, so the profile follows the road, not the mountain above it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import shapely

from . import geodata, settings
from ._errors import GeometryError
from .dem import DEM, sample_elevation
from .distance import densify_geodesic, distance_km, nearest, unit_xyz

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "ProfileMetrics",
    "Profiles",
    "profile_metrics",
    "profiles_gdf",
    "sample_profiles",
    "smooth_profile",
    "through_structures",
]


@dataclass(frozen=True)
class Profiles:
    """Samples along many routes, concatenated in route order.

    ``route`` is each sample's route index; ``distance_km`` its distance from the route's start
    along the route; ``first`` the index of each route's first sample.
    """

    route: np.ndarray
    distance_km: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    elevation_m: np.ndarray
    first: np.ndarray


def sample_profiles(
    lines: Sequence[shapely.LineString] | np.ndarray, spacing_km: float | None = None, grid: DEM | None = None
) -> Profiles:
    """Sample each lon/lat line every ``spacing_km`` or less (equal steps, both ends included).

    Steps are measured along the WGS84 geodesic of each segment; ``spacing_km`` defaults to
    `corridors.settings.PROFILE_SPACING_KM`. Samples lie on the route densified geodesically to
    ``settings.DENSIFY_KM``, interpolated in lon/lat between its vertices (within ~9 m of the geodesic).
    """
    spacing = settings.PROFILE_SPACING_KM if spacing_km is None else float(spacing_km)
    if not spacing > 0:
        raise GeometryError(f"spacing_km: {spacing_km!r} is not a positive number")
    lines = np.asarray(lines, dtype=object)
    n = len(lines)
    src, src_part = shapely.get_coordinates(lines, return_index=True)
    x, y, part, seg_km = densify_geodesic(src[:, 0], src[:, 1], src_part)
    cum = np.concatenate([[0.0], np.cumsum(seg_km)])  # running length over all routes, km (flat between routes)
    v_first = np.searchsorted(part, np.arange(n))
    v_last = np.searchsorted(part, np.arange(n), side="right") - 1
    start_km, length_km = cum[v_first], cum[v_last] - cum[v_first]
    steps = np.maximum(1, np.ceil(length_km / spacing - 1e-9)).astype(np.int64)
    # per-route values spread to the samples by np.repeat (a sequential copy), samples in place
    count = steps + 1
    route = np.repeat(np.arange(n), count)
    first = np.cumsum(count) - count
    along_km = np.arange(len(route), dtype=float)
    along_km -= np.repeat(first, count)  # the sample's step number k along its route
    along_km *= np.repeat(length_km, count)
    along_km /= np.repeat(steps, count)
    pos = np.repeat(start_km, count)
    pos += along_km
    v = _sample_vertex(cum, part, v_first, v_last, start_km, length_km, steps, first)
    seg = seg_km[v]
    f = pos - cum[v]
    with np.errstate(invalid="ignore", divide="ignore"):
        f /= seg
    f[~(seg > 0)] = 0.0
    np.clip(f, 0.0, 1.0, out=f)
    # between densified vertices (at most settings.DENSIFY_KM apart) the lon/lat chord stays within
    # ~9 m of the geodesic: 1 % of a DEM cell, so samples need no Geod.fwd of their own
    lon, lat = _between(x, v, f), _between(y, v, f)
    end = first + steps  # each route's last sample: exactly its last vertex
    lon[end], lat[end] = x[v_last], y[v_last]
    return Profiles(route, along_km, lon, lat, sample_elevation(lon, lat, grid), first)


def _sample_vertex(
    cum: np.ndarray,
    part: np.ndarray,
    v_first: np.ndarray,
    v_last: np.ndarray,
    start_km: np.ndarray,
    length_km: np.ndarray,
    steps: np.ndarray,
    first: np.ndarray,
) -> np.ndarray:
    """The vertex starting each sample's segment: the last of its route's (before the route's last
    vertex) at or before the sample's position ``start_km + k * length_km / steps`` along ``cum``.

    Found from the vertices, not the samples: each inner vertex's first sample at or past it (by
    its estimate, checked and moved a step at a time with the samples' own arithmetic), then a
    running count of the vertices passed. Linear in the samples; no binary search per sample.
    """
    inner = np.ones(len(part), dtype=bool)
    inner[v_first], inner[v_last] = False, False
    j = np.flatnonzero(inner)
    r = part[j]
    s, length, start, at = steps[r], length_km[r], start_km[r], cum[j]

    def position(k: np.ndarray) -> np.ndarray:  # as the samples: start + k * length / steps
        return start + k.astype(float) * length / s

    with np.errstate(invalid="ignore", divide="ignore"):
        guess = np.where(length > 0, np.ceil((at - start) / length * s), 0.0)
    k = np.clip(np.nan_to_num(guess), 0, s + 1).astype(np.int64)
    while (down := (k > 0) & (position(k - 1) >= at)).any():
        k -= down
    while (up := (k <= s) & (position(k) < at)).any():
        k += up
    n_samples = int(steps.sum()) + len(steps)
    reached = k <= s
    passed = np.cumsum(np.bincount((first[r] + k)[reached], minlength=n_samples)[:n_samples])
    per_route = np.bincount(r[reached], minlength=len(steps))
    return passed + np.repeat(v_first - (np.cumsum(per_route) - per_route), steps + 1)


def _between(x: np.ndarray, v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``x[v] + f * (x[v + 1] - x[v])`` (``x[v]`` at the last vertex), with two gathers and no index array."""
    x0 = x[v]
    out = np.append(x[1:], x[-1:])[v]
    out -= x0
    out *= f
    out += x0
    return out


def _floor(profiles: Profiles, floor_km: float) -> np.ndarray:
    """Lowest sample within ±``floor_km`` along the same route, by index shifts; ``inf`` where none is finite.

    Shift ``j`` pairs each sample with the one ``j`` further on; the shifts stop at the first that
    pairs none within reach (samples are in distance order along each route, so no later one can).
    """
    z = profiles.elevation_m
    out = np.where(np.isfinite(z), z, np.inf)
    if floor_km <= 0 or len(z) < 2:
        return out
    raw = out.copy()
    d, r = profiles.distance_km, profiles.route
    for j in range(1, len(z)):
        ok = r[j:] == r[:-j]
        ok &= np.abs(d[j:] - d[:-j]) <= floor_km + 1e-9
        if not ok.any():
            break
        np.minimum(out[j:], raw[:-j], out=out[j:], where=ok)
        np.minimum(out[:-j], raw[j:], out=out[:-j], where=ok)
    return out


def _window(key: np.ndarray, below: np.ndarray, above: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``searchsorted(key, below, "left")`` and ``searchsorted(key, above, "right")`` for sorted ``key``
    and ``below <= key <= above``, counted by index shifts as in `_floor`: a window of ``w``
    samples costs ``w`` vector comparisons, not a binary search per sample.
    """
    n = len(key)
    lo, hi = np.arange(n), np.arange(1, n + 1)
    for j in range(1, n):
        hit = key[:-j] >= below[j:]
        if not hit.any():
            break
        lo[j:] -= hit
    for j in range(1, n):
        hit = key[j:] <= above[:-j]
        if not hit.any():
            break
        hi[:-j] += hit
    return lo, hi


Span = tuple[tuple[float, float], tuple[float, float]]


def through_structures(profiles: Profiles, spans: Sequence[Sequence[Span]]) -> Profiles:
    """The profiles with each tunnel or bridge spanned: elevation interpolated linearly between its ends.

    ``spans[r]`` lists route ``r``'s structures as ``((lon, lat) start, (lon, lat) end)``; each
    end is placed at the route's nearest sample. Samples off the DEM at an end leave that span raw.
    """
    z = np.array(profiles.elevation_m, dtype=float)
    bounds = np.append(profiles.first, len(z))
    for r, route_spans in enumerate(spans):
        if r >= len(profiles.first):
            break
        if not route_spans:
            continue
        lo, hi = int(bounds[r]), int(bounds[r + 1])
        lon, lat = profiles.lon[lo:hi], profiles.lat[lo:hi]
        for a, b in route_spans:
            ia = lo + int(np.argmin(distance_km(lon, lat, np.full(len(lon), a[0]), np.full(len(lon), a[1]))))
            ib = lo + int(np.argmin(distance_km(lon, lat, np.full(len(lon), b[0]), np.full(len(lon), b[1]))))
            i0, i1 = min(ia, ib), max(ia, ib)
            if i1 - i0 < 2 or not (np.isfinite(z[i0]) and np.isfinite(z[i1])):
                continue
            dd = profiles.distance_km[i0 : i1 + 1]
            z[i0 : i1 + 1] = np.interp(dd, [dd[0], dd[-1]], [z[i0], z[i1]])
    return Profiles(profiles.route, profiles.distance_km, profiles.lon, profiles.lat, z, profiles.first)


@dataclass(frozen=True)
class ProfileMetrics:
    """Per-route profile metrics as arrays (one entry per route). Elevations m, lengths km, grades %.

    ``highest_name`` is the nearest named place (curated gazetteer, GeoNames, or one of the
    route's waypoints) to the highest sample, ``highest_name_km`` its distance from it.
    """

    max_elevation_m: np.ndarray
    min_elevation_m: np.ndarray
    highest_lon: np.ndarray
    highest_lat: np.ndarray
    highest_at_km: np.ndarray
    highest_name: np.ndarray
    highest_name_km: np.ndarray
    ascent_m: np.ndarray
    descent_m: np.ndarray
    above_high_pct: np.ndarray
    mean_grade_pct: np.ndarray
    max_grade_pct: np.ndarray

    def row(self, i: int) -> dict[str, float | str]:
        """Route ``i``'s metrics as a flat, rounded mapping (empty when the route leaves the DEM)."""
        return self.rows(slice(i, i + 1 or None))[0]

    def rows(self, routes: slice = slice(None)) -> list[dict[str, float | str]]:
        """The `row` of each route in ``routes`` (all by default), from whole arrays at once."""
        above_key = f"above_{settings.HIGH_ELEVATION_M:.0f}m_pct"
        columns = zip(
            self.max_elevation_m[routes].tolist(),
            self.highest_name[routes].tolist(),
            self.highest_name_km[routes].tolist(),
            self.min_elevation_m[routes].tolist(),
            self.ascent_m[routes].tolist(),
            self.descent_m[routes].tolist(),
            self.above_high_pct[routes].tolist(),
            self.mean_grade_pct[routes].tolist(),
            self.max_grade_pct[routes].tolist(),
            strict=True,
        )
        return [
            {
                "max_elevation_m": round(top),
                "highest_point": f"{name} ({name_km:.0f} km)",
                "min_elevation_m": round(low),
                "ascent_m": round(up),
                "descent_m": round(down),
                above_key: round(above, 1),
                "mean_grade_pct": round(mean_grade, 2),
                "max_grade_pct": round(max_grade, 1),
            }
            if math.isfinite(top)
            else {}
            for top, name, name_km, low, up, down, above, mean_grade, max_grade in columns
        ]


def smooth_profile(
    profiles: Profiles, half_window_km: float | None = None, floor_km: float | None = None
) -> np.ndarray:
    """Elevation of each sample on the smoothed road profile (see the module docstring).

    The valley floor (lowest sample within ±``floor_km``, default
    `corridors.settings.PROFILE_FLOOR_KM`), then its mean over ±``half_window_km`` (default
    `corridors.settings.PROFILE_SMOOTH_KM`); both 0 return the raw samples. NaN samples (off the
    DEM) are left out; a window of NaNs stays NaN. Vectorized over every route.

    Examples
    --------
    >>> import numpy as np
    >>> p = Profiles(np.zeros(5, int), np.arange(5.0), np.zeros(5), np.zeros(5),
    ...              np.array([0.0, 100, 0, 100, 0]), np.array([0]))
    >>> smooth_profile(p, 1.0, 0.0).round(1).tolist()
    [50.0, 33.3, 66.7, 33.3, 50.0]
    """
    half = settings.PROFILE_SMOOTH_KM if half_window_km is None else float(half_window_km)
    floor = settings.PROFILE_FLOOR_KM if floor_km is None else float(floor_km)
    if not half >= 0:
        raise GeometryError(f"half_window_km: {half_window_km!r} is not a number >= 0")
    if not floor >= 0:
        raise GeometryError(f"floor_km: {floor_km!r} is not a number >= 0")
    z = _floor(profiles, floor)
    finite = z < np.inf
    if half == 0 or len(z) == 0:
        z[~finite] = np.nan
        return z
    span = float(np.nanmax(profiles.distance_km)) + 2 * half + 1.0
    key = profiles.route * span + profiles.distance_km  # routes apart by more than a window
    lo, hi = _window(key, key - half - 1e-9, key + half + 1e-9)
    z[~finite] = 0.0
    cz = np.zeros(len(z) + 1)
    np.cumsum(z, out=cz[1:])
    out = cz[hi]
    out -= cz[lo]
    if finite.all():
        count = hi - lo
    else:
        cn = np.zeros(len(z) + 1, dtype=np.int64)
        np.cumsum(finite, out=cn[1:])
        count = cn[hi] - cn[lo]
    out /= np.maximum(count, 1)
    out[count == 0] = np.nan
    return out


def profile_metrics(
    profiles: Profiles,
    waypoints: Sequence[Sequence[tuple[str, float, float]]] = (),
    *,
    half_window_km: float | None = None,
    floor_km: float | None = None,
) -> ProfileMetrics:
    """Metrics of every sampled route at once (see `ProfileMetrics`).

    ``waypoints`` optionally gives each route's named points ``(name, lon, lat)``, candidates for
    naming its highest point beside the gazetteer. Elevations, ascent, descent and grades are those
    of the smoothed profile (`smooth_profile` with ``half_window_km`` and ``floor_km``; both 0 for
    the raw samples);
    grades are between consecutive samples.
    """
    route, d, first = profiles.route, profiles.distance_km, profiles.first
    z = smooth_profile(profiles, half_window_km, floor_km)
    n = len(first)
    zmax = np.maximum.reduceat(z, first)
    zmin = np.minimum.reduceat(z, first)
    # each route's highest sample (the first of equals; NaN never wins): one pass, no sort
    finite = np.isfinite(zmax)
    zz, ztop = z, zmax
    if not finite.all():
        zz = np.nan_to_num(z, nan=-np.inf)
        ztop = np.maximum.reduceat(zz, first)
    at_top = np.flatnonzero(zz == np.repeat(ztop, np.diff(first, append=len(z)))) if n else np.zeros(0, np.int64)
    top = at_top[np.searchsorted(route[at_top], np.arange(n))]
    # one entry per pair of consecutive samples; the pair joining two routes gets no rise and no run
    link = first[1:] - 1
    dz, ds_km = np.diff(z), np.diff(d)
    dz[link], ds_km[link] = 0.0, 0.0
    r_pair = route[:-1]
    length_km = np.bincount(r_pair, ds_km, minlength=n)
    rise = np.maximum(dz, 0.0)
    ascent = np.bincount(r_pair, rise, minlength=n)
    descent = np.bincount(r_pair, np.maximum(np.negative(dz, out=rise), 0.0, out=rise), minlength=n)
    # the share above HIGH_ELEVATION_M: only pairs reaching above it have any
    hi = np.maximum(z[:-1], z[1:])
    high = np.flatnonzero(hi > settings.HIGH_ELEVATION_M)
    hi = hi[high]
    lo = np.minimum(z[:-1][high], z[1:][high])
    frac = np.where(
        hi > lo,
        np.clip((hi - settings.HIGH_ELEVATION_M) / np.where(hi > lo, hi - lo, 1.0), 0.0, 1.0),
        (lo > settings.HIGH_ELEVATION_M).astype(float),
    )
    above = np.bincount(r_pair[high], frac * ds_km[high], minlength=n)
    run = ds_km * 10.0
    run[~(ds_km > 0)] = np.inf
    grade = np.abs(dz, out=dz)
    grade /= run
    max_grade = np.zeros(n)
    if len(grade):  # every route has at least two samples, so one grade or more: reduce per route
        max_grade = np.maximum(max_grade, np.maximum.reduceat(grade, np.minimum(first, len(grade) - 1)))
    safe_len = np.where(length_km > 0, length_km, np.inf)
    names, dist_km = _nearest_names(profiles.lon[top], profiles.lat[top], waypoints)
    return ProfileMetrics(
        max_elevation_m=zmax,
        min_elevation_m=zmin,
        highest_lon=profiles.lon[top],
        highest_lat=profiles.lat[top],
        highest_at_km=d[top],
        highest_name=names,
        highest_name_km=dist_km,
        ascent_m=ascent,
        descent_m=descent,
        above_high_pct=100.0 * above / safe_len,
        mean_grade_pct=(ascent + descent) / (safe_len * 10.0),
        max_grade_pct=max_grade,
    )


@cache
def _gazetteer_points() -> tuple[np.ndarray, np.ndarray, shapely.STRtree, np.ndarray]:
    """Names and lon/lat of the curated gazetteer and GeoNames, their STRtree and unit vectors (`_nearest_place`)."""
    from . import gazetteer

    curated = gazetteer.curated_places()
    geometry, attrs = geodata.read_layer("places.gpkg", "places", ("name",))
    names = np.concatenate([np.array([p.name for p in curated], dtype=object), attrs["name"]])
    xy = np.concatenate(
        [
            np.array([(p.lon, p.lat) for p in curated], dtype=float).reshape(-1, 2),
            shapely.get_coordinates(geometry),
        ]
    )
    tree = shapely.STRtree(shapely.points(xy))
    tree.query(shapely.box(0.0, 0.0, 0.0, 0.0))  # GEOS builds the tree on its first query: here, not in a thread
    return names, xy, tree, unit_xyz(xy[:, 0], xy[:, 1])


def _nearest_place(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Index of the gazetteer point nearest each (lon, lat) on the sphere (shortest chord; the first of equals).

    The answer of `corridors.distance.nearest` without its KD-tree, whose scipy import costs each
    process about 0.5 s: the nearest point in plain lon/lat bounds the great-circle angle to the
    nearest one, all points within that angle lie in a box (latitude ± the angle, longitude by the
    haversine bound, the whole circle where the box would cross ±180°), and the closest of the
    box's points wins. Points further than ``settings.NEAREST_PLACE_BOX_DEG`` from every place go
    to `corridors.distance.nearest`; the rest in chunks of at most
    ``settings.NEAREST_BRUTE_FORCE_PAIRS`` point × place pairs.
    """
    _, xy, tree, nodes = _gazetteer_points()
    chunk = max(1, settings.NEAREST_BRUTE_FORCE_PAIRS // len(nodes))
    out = np.empty(len(lon), dtype=np.int64)
    for i in range(0, len(lon), chunk):
        part = slice(i, i + chunk)
        out[part] = _nearest_in_boxes(lon[part], lat[part], tree, nodes)
    far = out < 0
    if far.any():
        out[far] = nearest(lon[far], lat[far], xy[:, 0], xy[:, 1])[0]
    return out


def _sq_chord(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared distance between rows of unit vectors, summed x, y, z in turn (as scipy's KD-tree)."""
    gap = a - b
    gap *= gap
    return gap[:, 0] + gap[:, 1] + gap[:, 2]


def _nearest_in_boxes(lon: np.ndarray, lat: np.ndarray, tree: shapely.STRtree, nodes: np.ndarray) -> np.ndarray:
    """`_nearest_place` of points near a place; -1 for those further than ``settings.NEAREST_PLACE_BOX_DEG``."""
    found, place = tree.query_nearest(shapely.points(lon, lat), all_matches=False)
    guess = np.zeros(len(lon), dtype=np.int64)  # a point GEOS skips (NaN) is measured to place 0: NaN, so far
    guess[found] = place
    points = unit_xyz(lon, lat)
    angle = 2.0 * np.arcsin(np.minimum(np.sqrt(_sq_chord(points, nodes[guess])) / 2.0, 1.0))
    angle = angle * (1.0 + 1e-6) + 1e-12  # a margin for rounding
    dlat = np.degrees(angle)
    near = np.flatnonzero(dlat <= settings.NEAREST_PLACE_BOX_DEG)
    lon, lat, angle, dlat = lon[near], lat[near], angle[near], dlat[near]
    cos_far = np.cos(np.radians(np.minimum(np.abs(lat) + dlat, 90.0)))
    with np.errstate(divide="ignore"):
        spread = np.sin(angle / 2.0) / np.sqrt(np.cos(np.radians(lat)) * cos_far)
    dlon = np.degrees(2.0 * np.arcsin(np.minimum(spread, 1.0)))
    wraps = (lon - dlon < -180.0) | (lon + dlon > 180.0)
    x0, x1 = np.where(wraps, -180.0, lon - dlon), np.where(wraps, 180.0, lon + dlon)
    box, node = tree.query(shapely.box(x0, lat - dlat, x1, lat + dlat))
    order = np.lexsort((node, _sq_chord(points[near[box]], nodes[node]), box))
    best = order[np.r_[True, box[order][1:] != box[order][:-1]]] if len(order) else order
    out = np.full(len(points), -1, dtype=np.int64)
    out[near[box[best]]] = node[best]
    return out


def _nearest_names(
    lon: np.ndarray, lat: np.ndarray, waypoints: Sequence[Sequence[tuple[str, float, float]]]
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest named point to each (lon, lat): the gazetteer's, or that route's own waypoints'."""
    names, xy, _, _ = _gazetteer_points()
    best = _nearest_place(lon, lat)
    dist_km = distance_km(lon, lat, xy[best, 0], xy[best, 1])
    # object, not fixed-width text: a waypoint name longer than every gazetteer name chosen in the batch
    # was cut to their width, so a name depended on the other routes scored with it
    out_name = names[best].astype(str).astype(object)
    own = [(i, name, wlon, wlat) for i in range(len(lon)) if i < len(waypoints) for name, wlon, wlat in waypoints[i]]
    if own:
        route = np.array([o[0] for o in own])
        wp_km = distance_km(lon[route], lat[route], np.array([o[2] for o in own]), np.array([o[3] for o in own]))
        order = np.lexsort((wp_km, route))  # by route, nearest waypoint first
        first = order[np.flatnonzero(np.r_[True, route[order][1:] != route[order][:-1]])]
        closer = wp_km[first] < dist_km[route[first]]
        hit = route[first][closer]
        out_name[hit] = [own[k][1] for k in first[closer]]
        dist_km[hit] = wp_km[first][closer]
    return out_name, dist_km


def profiles_gdf(
    routes: geopandas.GeoDataFrame | geopandas.GeoSeries, spacing_km: float | None = None
) -> geopandas.GeoDataFrame:
    """Elevation profiles of routes as points (EPSG:4326): one row per sample.

    ``routes`` is a frame from `corridors.score` (or any lon/lat lines; its index names the
    routes). Columns: ``corridor`` (the index value), ``distance_km`` along the route (geodesic),
    ``elevation_m`` (GLOBE 30", bilinear; NaN off the DEM) and the sample ``geometry``; samples
    are at most ``spacing_km`` apart (``settings.PROFILE_SPACING_KM`` by default).

    Examples
    --------
    >>> from corridors import load_catalog, profiles_gdf, score
    >>> p = profiles_gdf(score(load_catalog().select(["karakoram-highway"])))
    >>> bool(4500 < p["elevation_m"].max() < 5000), bool(p["distance_km"].iloc[-1] > 1100)
    (True, True)
    """
    import geopandas

    geoms = routes.geometry if isinstance(routes, geopandas.GeoDataFrame) else routes
    if geoms.crs is not None and not geoms.crs.equals("EPSG:4326"):
        geoms = geoms.to_crs("EPSG:4326")
    prof = sample_profiles(np.asarray(geoms.values, dtype=object), spacing_km)
    return geopandas.GeoDataFrame(
        {
            "corridor": np.asarray(geoms.index, dtype=object)[prof.route],
            "distance_km": prof.distance_km,
            "elevation_m": prof.elevation_m,
        },
        geometry=geopandas.points_from_xy(prof.lon, prof.lat),
        crs="EPSG:4326",
    )
