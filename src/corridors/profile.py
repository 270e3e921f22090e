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

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import shapely

from . import geodata, settings
from ._errors import GeometryError
from .dem import DEM, sample_elevation
from .distance import densify_geodesic, distance_km, nearest

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
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    along_km = np.arange(len(route), dtype=float)
    along_km -= np.repeat(first, count)  # the sample's step number k along its route
    along_km *= np.repeat(length_km, count)
    along_km /= np.repeat(steps, count)
    pos = np.repeat(start_km, count)
    pos += along_km
    v = np.searchsorted(cum, pos, side="right") - 1
    np.clip(v, np.repeat(v_first, count), np.repeat(np.maximum(v_last - 1, v_first), count), out=v)
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
        if not np.isfinite(self.max_elevation_m[i]):
            return {}
        return {
            "max_elevation_m": round(float(self.max_elevation_m[i])),
            "highest_point": f"{self.highest_name[i]} ({self.highest_name_km[i]:.0f} km)",
            "min_elevation_m": round(float(self.min_elevation_m[i])),
            "ascent_m": round(float(self.ascent_m[i])),
            "descent_m": round(float(self.descent_m[i])),
            f"above_{settings.HIGH_ELEVATION_M:.0f}m_pct": round(float(self.above_high_pct[i]), 1),
            "mean_grade_pct": round(float(self.mean_grade_pct[i]), 2),
            "max_grade_pct": round(float(self.max_grade_pct[i]), 1),
        }


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
def _gazetteer_points() -> tuple[np.ndarray, np.ndarray]:
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
    return names, xy


def _nearest_names(
    lon: np.ndarray, lat: np.ndarray, waypoints: Sequence[Sequence[tuple[str, float, float]]]
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest named point to each (lon, lat): the gazetteer's, or that route's own waypoints'."""
    names, xy = _gazetteer_points()
    best, dist_km = nearest(lon, lat, xy[:, 0], xy[:, 1])
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
