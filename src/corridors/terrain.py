"""Terrain: the DEM, elevation profiles along routes, cost surfaces and terrain-following alignments.

The DEM is ``geodata/elevation.tif`` (NOAA GLOBE, 30" cells, int16 metres, EPSG:4326, sea 0),
read once with rasterio. A plain ``.npy`` copy keyed by the GeoTIFF's checksum is kept in
``settings.cache_dir()`` and memory-mapped on later runs, so that ``corridors compare`` needs
neither rasterio nor a full read; the values are the same array either way.

**Profiles.** Routes are sampled at equal steps of at most :data:`PROFILE_SPACING_KM` along the
WGS84 geodesic of each segment; elevation is interpolated bilinearly between cell centres.
:func:`profile_metrics` gives, per route, maximum and minimum elevation, the highest point and
the nearest named place to it, total ascent and descent, the share of the length above
:data:`HIGH_ELEVATION_M` and the mean and maximum grade between samples. All vectorized over
any number of routes.

**Cost.** A :class:`CostModel` prices one km of route in km-equivalents::

    cell factor f      = 1 + (slope_pct / slope_ref_pct)²           terrain slope of the cell
    move between cells = length_km × (½ (f_a + f_b) + (grade_pct / grade_ref_pct)²)
                         + crossing_penalty_km at each border crossing

``slope_pct`` is the cell's terrain slope (central differences over its neighbours, true cell
sizes on the ellipsoid); ``grade_pct`` the grade of the move itself, between the cells'
*valley-floor* elevations: the lowest elevation within one cell (a 3 × 3 minimum). A 30" cell in a
gorge averages the floor with its walls, so raw cell-to-cell grades along a gorge are noise of
tens of percent that would push routes over the ridges; the floor elevation follows the river.
Moves steeper than ``max_grade_pct`` are impossible; so are cells with no country (sea).
:data:`COST_MODELS` holds the presets for roads and pipelines.

**Terrain alignment.** A corridor with ``alignment: terrain`` follows, between each pair of
consecutive waypoints, the least-cost path over the DEM under its kind's cost model, kept inside
the countries of the two waypoints (a road between two Pakistani towns stays in Pakistan). Paths
are cached in ``settings.cache_dir()/terrain`` keyed by the waypoints, the model, the DEM and
country-layer checksums, the search parameters and a checksum of this code; a cached path is the
computed one, bit for bit.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path

import numpy as np
import shapely

from . import _lcp, geodata, settings
from ._errors import DataError, GeometryError, RoutingError

__all__ = [
    "COST_MODELS",
    "DEM",
    "HIGH_ELEVATION_M",
    "MAX_CROSSING_PENALTY_KM",
    "PROFILE_SPACING_KM",
    "CostModel",
    "ProfileMetrics",
    "Profiles",
    "cell_cost_factor",
    "cost_model",
    "country_raster",
    "dem",
    "least_cost_leg",
    "profile_metrics",
    "rasterize_countries",
    "sample_elevation",
    "sample_profiles",
    "slope_pct",
    "terrain_vertices",
    "valley_floor",
]

#: Largest spacing between profile samples along a route, km.
PROFILE_SPACING_KM = 1.0
#: Profiles report the share of the length above this elevation, m.
HIGH_ELEVATION_M = 3000.0
#: Largest crossing penalty accepted, km (longer than any route across the region).
MAX_CROSSING_PENALTY_KM = 5000.0


# ---------------------------------------------------------------------------------------- DEM


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
        return self.elevation_m.shape  # type: ignore[return-value]

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


def _file_digest(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "blake2b").hexdigest()[:32]


@cache
def dem() -> DEM:
    """The shipped DEM, cached; :class:`DataError` when missing or not the expected kind of grid."""
    path = geodata.elevation_path()
    checksum = _file_digest(path)
    folder = settings.cache_dir() / "terrain"
    npy, meta_path = folder / f"dem-{checksum}.npy", folder / f"dem-{checksum}.json"
    if npy.is_file() and meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            return DEM(np.load(npy, mmap_mode="r"), meta["west"], meta["north"], meta["res_deg"], checksum)
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache entry: read the GeoTIFF again
    array, west, north, res = _read_geotiff(path)
    _cache_write(npy, _npy_bytes(array))
    _cache_write(meta_path, json.dumps({"west": west, "north": north, "res_deg": res}))
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


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def _cache_write(path: Path, data: str | bytes) -> None:
    """Write a cache file atomically; a cache that cannot be written is skipped, never an error."""
    from ._errors import OutputError
    from .io import atomic_write

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    except (OSError, OutputError):
        pass


def sample_elevation(lon: np.ndarray, lat: np.ndarray, grid: DEM | None = None) -> np.ndarray:
    """Elevation, m, interpolated bilinearly between cell centres; NaN off the grid.

    At a cell centre the value is that cell's (to rounding).
    """
    grid = dem() if grid is None else grid
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    h, w = grid.shape
    x = (lon - grid.west) / grid.res_deg - 0.5
    y = (grid.north - lat) / grid.res_deg - 0.5
    c0 = np.clip(np.floor(x), 0, w - 2).astype(np.int64)
    r0 = np.clip(np.floor(y), 0, h - 2).astype(np.int64)
    tx, ty = np.clip(x - c0, 0.0, 1.0), np.clip(y - r0, 0.0, 1.0)
    z = grid.elevation_m
    out = (1 - ty) * ((1 - tx) * z[r0, c0] + tx * z[r0, c0 + 1]) + ty * (
        (1 - tx) * z[r0 + 1, c0] + tx * z[r0 + 1, c0 + 1]
    )
    return np.where(grid.contains(lon, lat), out, np.nan)


# ----------------------------------------------------------------------------------- profiles


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
    :data:`PROFILE_SPACING_KM`.
    """
    from .alignment import geod

    spacing = PROFILE_SPACING_KM if spacing_km is None else float(spacing_km)
    if not spacing > 0:
        raise GeometryError(f"spacing_km: {spacing_km!r} is not a positive number")
    lines = np.asarray(lines, dtype=object)
    xy, part = shapely.get_coordinates(lines, return_index=True)
    n = len(lines)
    az, _, seg_m = geod().inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
    seg_m = np.where(part[:-1] == part[1:], seg_m, 0.0)
    az = np.where(part[:-1] == part[1:], az, 0.0)
    cum = np.concatenate([[0.0], np.cumsum(seg_m)])  # running length over all routes, m
    v_first = np.searchsorted(part, np.arange(n))
    v_last = np.searchsorted(part, np.arange(n), side="right") - 1
    start_m, length_m = cum[v_first], cum[v_last] - cum[v_first]
    steps = np.maximum(1, np.ceil(length_m / (spacing * 1000.0) - 1e-9)).astype(np.int64)
    route = np.repeat(np.arange(n), steps + 1)
    first = np.concatenate([[0], np.cumsum(steps + 1)[:-1]])
    k = np.arange(len(route)) - first[route]
    along_m = length_m[route] * k / steps[route]
    pos = start_m[route] + along_m
    v = np.clip(
        np.searchsorted(cum, pos, side="right") - 1,
        v_first[route],
        np.maximum(v_last[route] - 1, v_first[route]),
    )
    offset = pos - cum[v]
    seg = np.minimum(v, len(seg_m) - 1)
    lon, lat, _ = geod().fwd(xy[v, 0], xy[v, 1], az[seg] if len(seg_m) else 0.0, offset)
    at_end = k == steps[route]
    lon = np.where(at_end, xy[v_last[route], 0], np.where(k == 0, xy[v_first[route], 0], lon))
    lat = np.where(at_end, xy[v_last[route], 1], np.where(k == 0, xy[v_first[route], 1], lat))
    return Profiles(route, along_m / 1000.0, lon, lat, sample_elevation(lon, lat, grid), first)


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
            f"above_{HIGH_ELEVATION_M:.0f}m_pct": round(float(self.above_high_pct[i]), 1),
            "mean_grade_pct": round(float(self.mean_grade_pct[i]), 2),
            "max_grade_pct": round(float(self.max_grade_pct[i]), 1),
        }


def profile_metrics(profiles: Profiles, waypoints: Sequence[Sequence[tuple[str, float, float]]] = ()) -> ProfileMetrics:
    """Metrics of every sampled route at once (see :class:`ProfileMetrics`).

    ``waypoints`` optionally gives each route's named points ``(name, lon, lat)``, candidates for
    naming its highest point beside the gazetteer. Grades are between consecutive samples.
    """
    route, z, d = profiles.route, profiles.elevation_m, profiles.distance_km
    n = len(profiles.first)
    zmax = np.maximum.reduceat(z, profiles.first)
    zmin = np.minimum.reduceat(z, profiles.first)
    order = np.lexsort((-np.nan_to_num(z, nan=-np.inf), route))  # by route, highest sample first
    top = order[np.searchsorted(route[order], np.arange(n))]
    same = route[1:] == route[:-1]
    r_int = route[:-1][same]
    z0, z1 = z[:-1][same], z[1:][same]
    ds_km = (d[1:] - d[:-1])[same]
    dz = z1 - z0
    length_km = np.bincount(r_int, ds_km, minlength=n)
    ascent = np.bincount(r_int, np.maximum(dz, 0.0), minlength=n)
    descent = np.bincount(r_int, np.maximum(-dz, 0.0), minlength=n)
    lo, hi = np.minimum(z0, z1), np.maximum(z0, z1)
    frac = np.where(
        hi > lo,
        np.clip((hi - HIGH_ELEVATION_M) / np.where(hi > lo, hi - lo, 1.0), 0.0, 1.0),
        (lo > HIGH_ELEVATION_M).astype(float),
    )
    above = np.bincount(r_int, frac * ds_km, minlength=n)
    grade = np.abs(dz) / np.where(ds_km > 0, ds_km * 10.0, np.inf)
    max_grade = np.zeros(n)
    np.maximum.at(max_grade, r_int, grade)
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
    """Nearest named point to each (lon, lat): candidates are the gazetteer plus that route's waypoints."""
    from .alignment import geod

    names, xy = _gazetteer_points()
    n = len(lon)
    own = [list(waypoints[i]) if i < len(waypoints) else [] for i in range(n)]
    width = max((len(w) for w in own), default=0)
    wp_xy = np.full((n, width, 2), np.nan)
    wp_name = np.full((n, width), "", dtype=object)
    for i, pts in enumerate(own):  # per route, not per sample: a handful of waypoints each
        if pts:
            wp_name[i, : len(pts)] = [p[0] for p in pts]
            wp_xy[i, : len(pts)] = [(p[1], p[2]) for p in pts]
    cand_xy = np.concatenate([np.broadcast_to(xy, (n, *xy.shape)), wp_xy], axis=1)
    cand_name = np.concatenate([np.broadcast_to(names, (n, len(names))), wp_name], axis=1)
    # Equirectangular distance picks the candidate; the geodesic then measures it.
    kx = np.cos(np.radians(lat))[:, None]
    approx = np.hypot((cand_xy[..., 0] - lon[:, None]) * kx, cand_xy[..., 1] - lat[:, None])
    best = np.nanargmin(np.where(np.isnan(approx), np.inf, approx), axis=1) if cand_xy.shape[1] else np.zeros(n, int)
    bx, by = cand_xy[np.arange(n), best, 0], cand_xy[np.arange(n), best, 1]
    _, _, dist_m = geod().inv(lon, lat, bx, by)
    return cand_name[np.arange(n), best].astype(str), dist_m / 1000.0


# ------------------------------------------------------------------------------- cost surface


@dataclass(frozen=True)
class CostModel:
    """How a least-cost route prices one km (see the module docstring for the formula).

    ``slope_ref_pct``: terrain slope at which a km costs double. ``grade_ref_pct``: along-route
    grade at which a km costs double. ``max_grade_pct``: steeper moves are impossible (None: no
    limit). ``crossing_penalty_km``: added at each border crossing, in km of flat route.
    """

    slope_ref_pct: float
    grade_ref_pct: float
    max_grade_pct: float | None = None
    crossing_penalty_km: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        for name in ("slope_ref_pct", "grade_ref_pct"):
            value = getattr(self, name)
            if not _number(value) or not 0 < value <= 1000:
                problems.append(f"{name}: {value!r} is not a number in (0, 1000]")
        if self.max_grade_pct is not None and (not _number(self.max_grade_pct) or not 0 < self.max_grade_pct <= 100):
            problems.append(f"max_grade_pct: {self.max_grade_pct!r} is not a grade in (0, 100] percent")
        penalty = self.crossing_penalty_km
        if not _number(penalty) or not 0 <= penalty <= MAX_CROSSING_PENALTY_KM:
            problems.append(
                f"crossing_penalty_km: {penalty!r} is not a number of km in [0, {MAX_CROSSING_PENALTY_KM:g}]"
            )
        if problems:
            raise RoutingError("; ".join(problems))

    def params(self) -> _lcp.Params:
        return _lcp.Params(self.grade_ref_pct, self.max_grade_pct, self.crossing_penalty_km)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and bool(np.isfinite(value))


#: Presets by kind. Roads: a km at 2 % along-route grade costs double (loaded trucks lose speed
#: from 2–3 %; highways keep long climbs gentle), and a km across 25 % side slope costs double
#: (cut and fill). Pipelines tolerate grade (pumping) more than side slope (trenching, stability):
#: 15 % and 30 %. Other kinds use the road model. The road values were chosen against the
#: Karakoram Highway's published section lengths (the README's Terrain section shows the sensitivity).
COST_MODELS: dict[str, CostModel] = {
    "road": CostModel(slope_ref_pct=25.0, grade_ref_pct=2.0, crossing_penalty_km=50.0),
    "pipeline": CostModel(slope_ref_pct=30.0, grade_ref_pct=15.0, crossing_penalty_km=100.0),
}


def cost_model(kind: str = "road", **overrides: float | None) -> CostModel:
    """The preset for a corridor kind (``pipeline``, otherwise ``road``) with fields overridden."""
    base = COST_MODELS["pipeline" if kind == "pipeline" else "road"]
    given = {k: v for k, v in overrides.items() if v is not None or k == "max_grade_pct"}
    unknown = set(given) - set(asdict(base))
    if unknown:
        raise RoutingError(f"cost model: unknown parameter(s) {', '.join(sorted(unknown))}")
    return replace(base, **given)


def slope_pct(elevation_m: np.ndarray, lat_deg: np.ndarray, res_deg: float) -> np.ndarray:
    """Terrain slope, percent, of each cell: central differences with true cell sizes (float32)."""
    z = np.asarray(elevation_m, dtype=np.float32)
    dy_km, dx_km = _lcp.cell_size_km(lat_deg, res_deg)
    gy, gx = np.gradient(z)
    gy /= (dy_km * 10.0).astype(np.float32)[:, None]  # m per cell -> percent
    gx /= (dx_km * 10.0).astype(np.float32)[:, None]
    return np.hypot(gx, gy)


def cell_cost_factor(slope: np.ndarray, model: CostModel) -> np.ndarray:
    """Cost factor of each cell, ``1 + (slope_pct / slope_ref_pct)²`` (float32)."""
    return (1.0 + (np.asarray(slope, dtype=np.float32) / np.float32(model.slope_ref_pct)) ** 2).astype(np.float32)


@dataclass(frozen=True)
class _Grid:
    """Full-region arrays for routing: valley-floor elevation, slope, country row (-1 none), row latitudes."""

    floor_m: np.ndarray
    slope_pct: np.ndarray
    country: np.ndarray
    lat_deg: np.ndarray


@cache
def _grid() -> _Grid:
    grid = dem()
    lat = grid.row_lat(np.arange(grid.shape[0]))

    def floor_and_slope() -> tuple[np.ndarray, np.ndarray]:
        z = np.asarray(grid.elevation_m, dtype=np.float32)
        return valley_floor(z), slope_pct(z, lat, grid.res_deg)

    floor, slope = _derived("floor-slope", floor_and_slope)
    return _Grid(floor, slope, country_raster(), lat)


def _derived(name: str, compute) -> tuple[np.ndarray, ...]:
    """Arrays derived from the DEM and the countries, memory-mapped from the cache when there.

    Keyed by both layers' checksums and the code; a cached array is the computed one.
    """
    key = hashlib.blake2b(
        f"{dem().checksum} {_file_digest(geodata.layer_path('countries.gpkg'))} {_code_digest()}".encode()
    ).hexdigest()[:24]
    folder = settings.cache_dir() / "terrain"
    paths = [folder / f"{name}-{key}-{i}.npy" for i in range(len(name.split("-")))]
    if all(p.is_file() for p in paths):
        try:
            return tuple(np.load(p, mmap_mode="r") for p in paths)
        except (OSError, ValueError):
            pass
    arrays = compute()
    for p, a in zip(paths, arrays, strict=True):
        _cache_write(p, _npy_bytes(a))
    return arrays


def valley_floor(elevation_m: np.ndarray) -> np.ndarray:
    """Lowest elevation within one cell of each cell (3 × 3 minimum, edges repeated)."""
    z = np.asarray(elevation_m)
    rows = z.copy()
    np.minimum(rows[1:], z[:-1], out=rows[1:])
    np.minimum(rows[:-1], z[1:], out=rows[:-1])
    out = rows.copy()
    np.minimum(out[:, 1:], rows[:, :-1], out=out[:, 1:])
    np.minimum(out[:, :-1], rows[:, 1:], out=out[:, :-1])
    return out


def rasterize_countries(codes: Sequence[str] | None = None, *, all_touched: bool = False) -> np.ndarray:
    """Country row (index into ``geodata.countries()``) of each DEM cell, -1 for none.

    With ``codes``, only those countries are burnt in; ``all_touched`` burns every cell a polygon
    touches rather than the cells whose centre it contains.
    """
    from rasterio.features import rasterize
    from rasterio.transform import Affine

    grid, countries = dem(), geodata.countries()
    rows = range(len(countries.iso_a3)) if codes is None else [countries.index_of(c) for c in codes]
    shapes = [(countries.geometry[i], i) for i in rows]
    if not shapes:
        return np.full(grid.shape, -1, dtype=np.int16)
    transform = Affine(grid.res_deg, 0.0, grid.west, 0.0, -grid.res_deg, grid.north)
    return rasterize(shapes, out_shape=grid.shape, transform=transform, fill=-1, dtype="int16", all_touched=all_touched)


@cache
def country_raster() -> np.ndarray:
    """:func:`rasterize_countries` for every country, cached (also on disk)."""
    return _derived("countries", lambda: (rasterize_countries(),))[0]


def _surface_maker(model: CostModel, passable: np.ndarray | None = None, allowed: Sequence[int] = ()):
    """``make_surface(r0, r1, c0, c1)`` for :func:`_lcp.route`: land cells (in ``allowed`` countries
    when given, and where ``passable`` when given) of the full grid."""
    g, res = _grid(), dem().res_deg

    def make(r0: int, r1: int, c0: int, c1: int) -> _lcp.Surface:
        country = g.country[r0:r1, c0:c1]
        ok = np.isin(country, np.asarray(allowed)) if len(allowed) else country >= 0
        if passable is not None:
            ok &= passable[r0:r1, c0:c1]
        return _lcp.Surface(
            g.floor_m[r0:r1, c0:c1],
            cell_cost_factor(g.slope_pct[r0:r1, c0:c1], model),
            country,
            ok,
            g.lat_deg[r0:r1],
            res,
        )

    return make


def _cells_to_vertices(path: _lcp.Path, a: tuple[float, float], b: tuple[float, float]) -> np.ndarray:
    """Cell-centre vertices of a path, ends replaced by the exact points, collinear runs dropped."""
    grid = dem()
    lon, lat = grid.lonlat(path.rows, path.cols)
    xy = np.column_stack([lon, lat])
    if len(xy) > 2:
        step = np.diff(np.column_stack([path.rows, path.cols]), axis=0)
        turn = np.any(step[1:] != step[:-1], axis=1)  # vertex i+1 is kept when the move changes there
        xy = np.concatenate([xy[:1], xy[1:-1][turn], xy[-1:]])
    xy[0], xy[-1] = a, b
    return xy


def least_cost_leg(
    a: tuple[float, float],
    b: tuple[float, float],
    model: CostModel,
    *,
    passable: np.ndarray | None = None,
    allowed: Sequence[int] = (),
    progress: _lcp.Progress | None = None,
) -> tuple[np.ndarray, float, str]:
    """Least-cost route between two lon/lat points: (vertices (n, 2), cost in km-equivalents, note).

    Raises :class:`_lcp.Unreachable` with the reason when no route exists.
    """
    grid = dem()
    (ra, rb), (ca, cb) = grid.rowcol(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    if (ra, ca) == (rb, cb):
        return np.array([a, b], dtype=float), 0.0, ""
    make = _surface_maker(model, passable, allowed)
    path = _lcp.route(
        make,
        grid.shape,
        grid.res_deg,
        grid.row_lat,
        (int(ra), int(ca)),
        (int(rb), int(cb)),
        model.params(),
        progress=progress,
    )
    return _cells_to_vertices(path, a, b), path.cost_km, path.note


@cache
def _code_digest() -> str:
    """Checksum of the code that computes alignments, so a changed search never reuses old paths."""
    return hashlib.blake2b(Path(__file__).read_bytes() + Path(_lcp.__file__).read_bytes()).hexdigest()[:16]


def terrain_vertices(
    lonlat: np.ndarray,
    kind: str = "road",
    *,
    model: CostModel | None = None,
    use_cache: bool = True,
    label: str = "route",
) -> np.ndarray:
    """Terrain-following vertices (lon, lat) through the given waypoints, cached.

    Between each pair of consecutive waypoints, the least-cost path under ``model`` (the kind's
    preset by default), kept in the waypoints' countries. ``label`` names the route in errors.
    """
    lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    model = cost_model(kind) if model is None else model
    grid = dem()
    outside = np.flatnonzero(~grid.contains(lonlat[:, 0], lonlat[:, 1]))
    if len(outside):
        i = int(outside[0])
        raise GeometryError(
            f"{label}: waypoints[{i}]: lon {lonlat[i, 0]}, lat {lonlat[i, 1]} lies outside the "
            f"DEM {grid.bounds}; terrain alignment needs every waypoint on it"
        )
    key = hashlib.blake2b(
        json.dumps(
            [
                _code_digest(),
                grid.checksum,
                _file_digest(geodata.layer_path("countries.gpkg")),
                asdict(model),
                lonlat.tolist(),
                _lcp.DIRECT_MAX_CELLS,
                _lcp.COARSE_FACTOR,
                _lcp.BUFFER_KM,
                _lcp.MAX_WIDENINGS,
                _lcp.MIN_MARGIN_KM,
            ]
        ).encode()
    ).hexdigest()[:32]
    path = settings.cache_dir() / "terrain" / f"align-{key}.npy"
    if use_cache and path.is_file():
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            pass
    rows, cols = grid.rowcol(lonlat[:, 0], lonlat[:, 1])
    cid = country_raster()[rows, cols]
    legs = []
    for i in range(len(lonlat) - 1):
        allowed = sorted({int(c) for c in cid[i : i + 2] if c >= 0})
        try:
            xy, _, _ = least_cost_leg(tuple(lonlat[i]), tuple(lonlat[i + 1]), model, allowed=allowed)
        except _lcp.Unreachable as exc:
            raise RoutingError(f"{label}: no terrain path from waypoint {i} to {i + 1}: {exc}") from None
        legs.append(xy if i == 0 else xy[1:])
    out = np.concatenate(legs)
    if use_cache:
        _cache_write(path, _npy_bytes(out))
    return out
