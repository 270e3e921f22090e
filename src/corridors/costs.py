"""Cost surfaces over the DEM and terrain-following alignments (least-cost paths).

**Cost.** A `CostModel` prices one km of route in km-equivalents::

    cell factor f      = 1 + (slope_pct / slope_ref_pct)²           terrain slope of the cell
    move between cells = length_km × (½ (f_a + f_b) + (grade_pct / grade_ref_pct)²)
                         + crossing_penalty_km at each border crossing

``slope_pct`` is the cell's terrain slope (central differences over its neighbours, true cell
sizes on the ellipsoid); ``grade_pct`` the grade of the move itself, between the cells'
*valley-floor* elevations: the lowest elevation within one cell (a 3 × 3 minimum). A 30" cell in a
gorge averages the floor with its walls, so raw cell-to-cell grades along a gorge are noise of
tens of percent that would push routes over the ridges; the floor elevation follows the river.
Moves steeper than ``max_grade_pct`` are impossible; so are cells with no country (sea).
`COST_MODELS` holds the presets for roads, railways and pipelines.

**Terrain alignment.** A corridor with ``alignment: terrain`` follows, between each pair of
consecutive waypoints, the least-cost path over the DEM under its kind's cost model, kept inside
the countries of the two waypoints (a road between two Pakistani towns stays in Pakistan). Paths
are cached in ``settings.cache_dir()/terrain`` keyed by the waypoints, the model, the DEM and
country-layer checksums, the search parameters and a checksum of this code; a cached path is the
computed one, bit for bit. `terrain_alignments` aligns many routes at once: a leg that several
routes share is searched once, and the legs run in forked worker processes
(``settings.TERRAIN_PROCESSES``) where that is sound; the vertices are the same either way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from . import _lcp, geodata, settings
from ._errors import GeometryError, RoutingError
from ._workers import available_cpus, worker_processes
from .dem import dem
from .io import file_digest, npy_bytes, read_npy_cache, write_cache

__all__ = [
    "COST_MODELS",
    "CostModel",
    "TerrainRequest",
    "cell_cost_factor",
    "cost_model",
    "country_raster",
    "least_cost_leg",
    "rasterize_countries",
    "slope_pct",
    "terrain_alignments",
    "terrain_vertices",
    "valley_floor",
]


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
        if not _number(penalty) or not 0 <= penalty <= settings.MAX_CROSSING_PENALTY_KM:
            problems.append(
                f"crossing_penalty_km: {penalty!r} is not a number of km in [0, {settings.MAX_CROSSING_PENALTY_KM:g}]"
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
#: Karakoram Highway's published section lengths (docs/methods/terrain.md shows the sensitivity).
COST_MODELS: dict[str, CostModel] = {
    "road": CostModel(slope_ref_pct=25.0, grade_ref_pct=2.0, crossing_penalty_km=50.0),
    "pipeline": CostModel(slope_ref_pct=30.0, grade_ref_pct=15.0, crossing_penalty_km=100.0),
    #: Railways: adhesion limits the ruling grade of a mainline to about 1–2 % (Indian Railways
    #: design 1 in 100 to 1 in 150 in hills; Wikipedia: Ruling gradient,
    #: https://en.wikipedia.org/wiki/Ruling_gradient), so a km at 1 % costs double and moves
    #: steeper than 3 % are impossible; wide curves are left to the valley floor the path follows.
    "rail": CostModel(slope_ref_pct=20.0, grade_ref_pct=1.0, max_grade_pct=3.0, crossing_penalty_km=50.0),
}


def cost_model(kind: str = "road", **overrides: float | None) -> CostModel:
    """The preset for a corridor kind (``pipeline``, ``rail``, otherwise ``road``) with fields overridden."""
    base = COST_MODELS.get(kind, COST_MODELS["road"])
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None or k == "max_grade_pct"}
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
    key = hashlib.blake2b(f"{dem().checksum} {_countries_digest()} {_code_digest()}".encode()).hexdigest()[:24]
    folder = settings.cache_dir() / "terrain"
    paths = [folder / f"{name}-{key}-{i}.npy" for i in range(len(name.split("-")))]
    cached = [read_npy_cache(p, key=f"{name} {key}", shape=dem().shape) for p in paths]  # verified, or None
    if all(a is not None for a in cached):
        return tuple(a for a in cached if a is not None)
    arrays = compute()
    for p, a in zip(paths, arrays, strict=True):
        write_cache(p, npy_bytes(a), key=f"{name} {key}")
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
    """`rasterize_countries` for every country, cached (also on disk)."""
    return _derived("countries", lambda: (rasterize_countries(),))[0]


def _surface_maker(model: CostModel, passable: np.ndarray | None = None, allowed: Sequence[int] = ()):
    """``make_surface(r0, r1, c0, c1)`` for `_lcp.route`: land cells (in ``allowed`` countries
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
    barrier: np.ndarray | None = None,
) -> tuple[np.ndarray, float, str]:
    """Least-cost route between two lon/lat points: (vertices (n, 2), cost in km-equivalents, note).

    ``barrier``: cells the coarse search treats as impassable (see `_lcp.route`). Raises
    `_lcp.Unreachable` with the reason when no route exists.
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
        barrier=barrier,
    )
    return _cells_to_vertices(path, a, b), path.cost_km, path.note


def _countries_digest() -> str:
    """Checksum of the shipped countries layer (remembered while the file is unchanged)."""
    return file_digest(geodata.layer_path("countries.gpkg"), memo_dir=settings.cache_dir() / "digests")


@cache
def _code_digest() -> str:
    """Checksum of the code that computes alignments, so a changed search never reuses old paths."""
    return hashlib.blake2b(Path(__file__).read_bytes() + Path(_lcp.__file__).read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class TerrainRequest:
    """One route for `terrain_alignments`: waypoints ``lonlat`` (n, 2), degrees, and how to align them.

    ``model``: the cost model (the preset of ``kind`` when None). ``label`` names the route in
    errors. ``straight[i]`` true makes the leg from waypoint ``i`` to ``i + 1`` a straight line (a
    tunnel or bridge, which goes through the mountain or over the valley, not along the ground).
    """

    lonlat: np.ndarray
    kind: str = "road"
    model: CostModel | None = None
    label: str = "route"
    straight: tuple[bool, ...] = ()


#: A leg to solve: (from lon/lat, to lon/lat, cost model, allowed country rows). Legs are keyed by
#: these alone, so a leg that several routes share is searched once.
_Leg = tuple[tuple[float, float], tuple[float, float], CostModel, tuple[int, ...]]


def terrain_vertices(
    lonlat: np.ndarray,
    kind: str = "road",
    *,
    model: CostModel | None = None,
    use_cache: bool = True,
    label: str = "route",
    straight: Sequence[bool] = (),
) -> np.ndarray:
    """Terrain-following vertices (lon, lat) through the given waypoints, cached.

    Between each pair of consecutive waypoints, the least-cost path under ``model`` (the kind's
    preset by default), kept in the waypoints' countries. ``label`` names the route in errors.
    ``straight[i]`` true makes the leg from waypoint ``i`` to ``i + 1`` a straight line (a
    tunnel or bridge, which goes through the mountain or over the valley, not along the ground).
    """
    request = TerrainRequest(lonlat, kind, model, label, tuple(bool(x) for x in straight))
    return terrain_alignments([request], use_cache=use_cache)[0]


def terrain_alignments(
    requests: Sequence[TerrainRequest], *, use_cache: bool = True, processes: int | None = None
) -> list[np.ndarray]:
    """`terrain_vertices` of many routes at once: one array of vertices (lon, lat) per request.

    Routes found in the cache are read; the legs of the others are gathered, each distinct leg
    (waypoints, model, allowed countries) searched once, in up to ``processes`` worker processes
    (default ``settings.TERRAIN_PROCESSES``), longest first. The vertices are those of
    `terrain_vertices` one route at a time, bit for bit. Errors name the first failing route, in
    order.
    """
    if not requests:
        return []  # no DEM to load
    grid = dem()
    keyed = [_cache_key(r, grid) for r in requests]  # checks every request before any search
    out: list[np.ndarray | None] = [None] * len(requests)
    if use_cache:
        for i, (key, path) in enumerate(keyed):
            cached = read_npy_cache(path, key=key)  # checksum and key verified
            if cached is not None and cached.ndim == 2 and cached.shape[1] == 2 and len(cached) >= 2:
                out[i] = np.array(cached, dtype=float)
    todo = {i: _legs(requests[i], grid) for i, v in enumerate(out) if v is None}
    wanted = dict.fromkeys(leg for legs in todo.values() for leg in legs if leg is not None)  # in order, once
    solved = _solve_legs(list(wanted), processes)
    for i, legs in todo.items():
        lonlat = np.asarray(requests[i].lonlat, dtype=float).reshape(-1, 2)
        parts = []
        for j, leg in enumerate(legs):
            if leg is None:  # straight
                parts.append(lonlat[j : j + 2] if j == 0 else lonlat[j + 1 : j + 2])
                continue
            xy = solved[leg]
            if isinstance(xy, _lcp.Unreachable):
                raise RoutingError(f"{requests[i].label}: no terrain path from waypoint {j} to {j + 1}: {xy}")
            parts.append(xy if j == 0 else xy[1:])
        out[i] = vertices = np.concatenate(parts)
        if use_cache:
            key, path = keyed[i]
            write_cache(path, npy_bytes(vertices), key=key)
    return [v for v in out if v is not None]


def _model(request: TerrainRequest) -> CostModel:
    return cost_model(request.kind) if request.model is None else request.model


def _cache_key(request: TerrainRequest, grid) -> tuple[str, Path]:
    """A request's cache key and cache file; `GeometryError` when a waypoint lies off the DEM."""
    straight = [bool(s) for s in request.straight]
    lonlat = np.asarray(request.lonlat, dtype=float).reshape(-1, 2)
    outside = np.flatnonzero(~grid.contains(lonlat[:, 0], lonlat[:, 1]))
    if len(outside):
        i = int(outside[0])
        raise GeometryError(
            f"{request.label}: waypoints[{i}]: lon {lonlat[i, 0]}, lat {lonlat[i, 1]} lies outside the "
            f"DEM {grid.bounds}; terrain alignment needs every waypoint on it"
        )
    key = hashlib.blake2b(
        json.dumps(
            [
                _code_digest(),
                grid.checksum,
                _countries_digest(),
                asdict(_model(request)),
                lonlat.tolist(),
                {
                    k: getattr(settings, k) for k in sorted(dir(settings)) if k.startswith("LCP_")
                },  # every search setting
                *([straight] if any(straight) else []),
            ]
        ).encode()
    ).hexdigest()[:32]
    return key, settings.cache_dir() / "terrain" / f"align-{key}.npy"


def _legs(request: TerrainRequest, grid) -> list[_Leg | None]:
    """A request's legs, None where straight; each kept in the countries of its two waypoints."""
    lonlat = np.asarray(request.lonlat, dtype=float).reshape(-1, 2)
    model, straight = _model(request), [bool(s) for s in request.straight]
    rows, cols = grid.rowcol(lonlat[:, 0], lonlat[:, 1])
    cid = country_raster()[rows, cols]
    legs: list[_Leg | None] = []
    for i in range(len(lonlat) - 1):
        if i < len(straight) and straight[i]:
            legs.append(None)
            continue
        allowed = tuple(sorted({int(c) for c in cid[i : i + 2] if c >= 0}))
        a, b = (float(lonlat[i, 0]), float(lonlat[i, 1])), (float(lonlat[i + 1, 0]), float(lonlat[i + 1, 1]))
        legs.append((a, b, model, allowed))
    return legs


def _solve_leg(leg: _Leg) -> np.ndarray | _lcp.Unreachable:
    """The vertices of one leg, or the reason there is no path."""
    a, b, model, allowed = leg
    try:
        return least_cost_leg(a, b, model, allowed=allowed)[0]
    except _lcp.Unreachable as exc:
        return exc


def _solve_legs(legs: list[_Leg], processes: int | None) -> dict[_Leg, np.ndarray | _lcp.Unreachable]:
    """Each leg's vertices (or why it has none), in worker processes when that pays
    (`corridors._workers`: forked, and only where forking is sound).

    The workers share the DEM and the cost grids (memory-mapped, built here first) without copying
    them; the longest legs go first so that no worker is left with one at the end.
    """
    cells = [_leg_cells(leg) for leg in legs]
    n = 1
    if sum(cells) >= settings.TERRAIN_PARALLEL_MIN_CELLS:  # (a warm run has no legs: it imports nothing more)
        n = min(settings.TERRAIN_PROCESSES if processes is None else processes, available_cpus(), len(legs))
    if n < 2:
        return {leg: _solve_leg(leg) for leg in legs}
    import scipy.sparse.csgraph  # noqa: F401  (imported once here rather than in every worker)

    _grid()  # built (or mapped from the cache) once, before the fork
    order = [legs[i] for i in np.argsort(cells, kind="stable")[::-1]]
    with worker_processes(n) as run:
        return dict(zip(order, run(_solve_leg, order, {}), strict=True))


def _leg_cells(leg: _Leg) -> float:
    """About how many cells a leg's search covers: its first window (`_lcp.route`), at most the
    direct search's limit. An estimate, to order the legs and to decide whether a pool pays."""
    (x0, y0), (x1, y1) = leg[0], leg[1]
    res = dem().res_deg
    dy, dx = (float(v[0]) for v in _lcp.cell_size_km(np.array([(y0 + y1) / 2]), res))
    rows, cols = abs(y1 - y0) / res, abs(x1 - x0) / res
    margin_km = max(settings.LCP_MIN_MARGIN_KM, 0.5 * float(np.hypot(rows * dy, cols * dx)))
    return min((rows + 2 * margin_km / dy) * (cols + 2 * margin_km / dx), float(settings.LCP_DIRECT_MAX_CELLS))
