"""Least-cost route planning: "what would a better route look like?".

`plan` finds the cheapest route between two places (through optional via points) over the
DEM grid under a `costs.CostModel`: distance, terrain slope and along-route grade, a
penalty per border crossing, an optional grade limit, land only, and forbidden countries. The
result is a `Corridor` (status ``modeled``) whose vertices are the path, so it can be
scored, compared, mapped, and saved into a user catalog with `save_record`.

Forbidden countries are burnt into the grid with every cell their polygon touches, so the path's
straight segments between cell centres keep out of them. The search is bounded (see
`corridors._lcp`): it ends with a route, or with a `RoutingError` that says why.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import _lcp, _validate, costs, geodata
from ._errors import CatalogError, PlaceError, RoutingError
from .catalog import Corridor, Source, Waypoint
from .dem import dem

if TYPE_CHECKING:
    import geopandas

    from .gazetteer import Place

__all__ = ["KINDS", "PlanResult", "plan", "plan_route", "resolve_point", "save_record", "to_record"]

#: Corridor kinds the planner models (each with a `costs.COST_MODELS` preset).
KINDS = ("pipeline", "rail", "road")
_LONLAT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")

PointSpec = str | tuple[float, float] | Waypoint


@dataclass(frozen=True)
class PlanResult:
    """A planned corridor with its cost (km-equivalents), the model used and notes on the search."""

    corridor: Corridor
    cost_km: float
    model: costs.CostModel
    notes: tuple[str, ...] = ()


def resolve_point(spec: PointSpec, field: str) -> Waypoint:
    """A place name, ``"LON,LAT"`` text, (lon, lat) pair or `Waypoint` as a waypoint."""
    if isinstance(spec, Waypoint):
        return spec
    if isinstance(spec, tuple):
        lon, lat = (float(v) for v in spec)
        return Waypoint(f"{lon:.4f}E {lat:.4f}N", lon, lat, "given coordinates")
    match = _LONLAT.match(spec)
    if match:
        lon, lat = float(match[1]), float(match[2])
        return Waypoint(f"{lon:.4f}E {lat:.4f}N", lon, lat, "given coordinates")
    from . import gazetteer

    try:
        place = gazetteer.lookup(spec)
    except PlaceError as exc:
        raise PlaceError(f"{field}: {exc}") from None
    return Waypoint(place.name, place.lon, place.lat, place.source, place.kind)


def _check(points: list[tuple[str, Waypoint]], avoid: tuple[str, ...], kind: str) -> list[str]:
    """Every problem with the request, each naming its field and value."""
    problems = []
    if kind not in KINDS:
        problems.append(f"kind: {kind!r} is not one of {', '.join(KINDS)}")
    countries = geodata.countries()
    grid = dem()
    west, south, east, north = grid.bounds
    lon = np.array([p.lon for _, p in points])
    lat = np.array([p.lat for _, p in points])
    inside = grid.contains(lon, lat)
    rows, cols = grid.rowcol(lon, lat)
    raster = costs.country_raster()
    # Land within two cells (about 2 km): a port or a coastal field on the shore is an endpoint.
    near = np.array(
        [raster[max(0, r - 2) : r + 3, max(0, c - 2) : c + 3].max() for r, c in zip(rows, cols, strict=True)]
    )
    located = countries.locate(lon, lat)
    for (field, p), ok, cid, row in zip(points, inside, near, located, strict=True):
        where = f"{field}: {p.name!r} (lon {p.lon:g}, lat {p.lat:g})"
        if not ok:
            problems.append(f"{where} lies outside the DEM coverage {west:g}–{east:g}°E, {south:g}–{north:g}°N")
        elif row >= 0 and countries.iso_a3[row] in avoid:
            problems.append(f"{where} lies in {countries.iso_a3[row]}, which is to be avoided")
        elif row < 0 and cid < 0:
            problems.append(f"{where} lies in the sea, more than 2 km from land; routes are over land")
    cells = list(zip(rows.tolist(), cols.tolist(), strict=True))
    for (field_a, a), (field_b, b), cell_a, cell_b in zip(points, points[1:], cells, cells[1:], strict=False):
        if cell_a == cell_b:  # a leg of no length: the same place twice, or two in one DEM cell
            problems.append(
                f"{field_b}: {b.name!r} is in the DEM cell of {field_a} ({a.name!r}); a leg needs two places"
            )
    return problems


def plan_route(
    origin: PointSpec,
    destination: PointSpec,
    *,
    via: Sequence[PointSpec] = (),
    avoid: Sequence[str] = (),
    crossing_penalty_km: float | None = None,
    max_grade_pct: float | None = None,
    kind: str = "pipeline",
    progress: Callable[[str, float], None] | None = None,
    status: Sequence[str] = (),
) -> PlanResult:
    """Plan a least-cost route; see `plan`. Returns the corridor with its cost and notes."""
    points = [("from", resolve_point(origin, "from"))]
    points += [(f"via[{i}]", resolve_point(v, f"via[{i}]")) for i, v in enumerate(via)]
    points.append(("to", resolve_point(destination, "to")))
    problems: list[str] = []
    found: set[str] = set()
    for name in avoid:  # each one on its own, so that every unknown name is reported
        if not str(name).strip(" ,"):
            problems.append(f"avoid: {name!r} names no country")
            continue
        try:
            found.update(geodata.resolve_countries(name))
        except PlaceError as exc:
            problems.append(str(exc))
    avoid_codes = tuple(sorted(found))
    model = None
    try:
        grade = {} if max_grade_pct is None else {"max_grade_pct": max_grade_pct}  # None: the preset's (rail: 3 %)
        model = costs.cost_model(kind if kind in KINDS else "road", crossing_penalty_km=crossing_penalty_km, **grade)
    except RoutingError as exc:
        problems.append(
            str(exc).replace("crossing_penalty_km", "crossing penalty").replace("max_grade_pct", "max grade")
        )
    from .gazetteer import POST_STATUSES

    problems += [f"status: {s!r} is not one of {', '.join(POST_STATUSES)}" for s in status if s not in POST_STATUSES]
    problems += _check(points, avoid_codes, kind)
    if problems:
        raise RoutingError("; ".join(problems))
    assert model is not None
    report = progress or (lambda stage, fraction: None)
    report("preparing the cost surface", 0.0)
    passable = None
    if avoid_codes:
        passable = costs.rasterize_countries(avoid_codes, all_touched=True) < 0
    gates = _Gates.build(tuple(sorted(set(status))), kind, avoid_codes) if status else None
    barrier = None
    if gates is not None:
        gates.check(points)
        passable = gates.passable if passable is None else passable & gates.passable
        barrier = gates.barrier
    legs, cost, notes = [], 0.0, []
    n = len(points) - 1
    for i in range(n):
        (_, a), (_, b) = points[i], points[i + 1]

        def leg_progress(stage: str, fraction: float, i: int = i) -> None:
            report(f"leg {i + 1}/{n}: {stage}" if n > 1 else stage, (i + fraction) / n)

        try:
            xy, leg_cost, note = costs.least_cost_leg(
                (a.lon, a.lat), (b.lon, b.lat), model, passable=passable, progress=leg_progress, barrier=barrier
            )
        except _lcp.Unreachable as exc:
            blocked = f" avoiding {', '.join(avoid_codes)}" if avoid_codes else ""
            blocked += f" crossing borders only at {'/'.join(gates.statuses)} posts" if gates is not None else ""
            limit = f" with grades up to {max_grade_pct:g}%" if max_grade_pct is not None else ""
            raise RoutingError(f"unreachable: no route from {a.name!r} to {b.name!r}{blocked}{limit}: {exc}") from None
        legs.append(xy if i == 0 else xy[1:])
        cost += leg_cost
        if note:
            notes.append(f"{a.name} → {b.name}: {note}")
        if gates is not None:
            notes += gates.crossings(xy)
    report("done", 1.0)
    coords = np.concatenate(legs)
    statuses = () if gates is None else gates.statuses
    return PlanResult(_corridor(points, avoid_codes, kind, model, cost, coords, statuses), cost, model, tuple(notes))


def plan(
    origin: PointSpec,
    destination: PointSpec,
    *,
    via: Sequence[PointSpec] = (),
    avoid: Sequence[str] = (),
    crossing_penalty_km: float | None = None,
    max_grade_pct: float | None = None,
    kind: str = "pipeline",
    tolerance_km: float | None = None,
    progress: Callable[[str, float], None] | None = None,
    worldview: str | None = None,
    status: Sequence[str] = (),
) -> geopandas.GeoDataFrame:
    """Least-cost route over the DEM from ``origin`` to ``destination``, scored like a corridor.

    Parameters
    ----------
    origin, destination : str or (lon, lat)
        Place names (gazetteer), ``"LON,LAT"`` texts or (lon, lat) pairs.
    via : sequence, optional
        Places to pass through, in order.
    avoid : sequence of str, optional
        Countries to keep out of (ISO3 codes or English names; comma lists allowed).
    crossing_penalty_km, max_grade_pct : float, optional
        Override the ``kind``'s preset in `corridors.costs.COST_MODELS`.
    kind : {"pipeline", "rail", "road"}
        The cost model (rail: a 3 % ruling grade unless ``max_grade_pct`` says otherwise).
    tolerance_km : float, optional
        Border tolerance of the scoring (see `corridors.score`).
    progress : callable, optional
        ``progress(stage, fraction)`` is called as the search advances.
    worldview : {"de-facto", "IND", "PAK", "CHN", "AFG"}, optional
        Worldview of the scoring (see `corridors.score`); the search avoids de facto countries.
    status : sequence of {"open", "closed", "seasonal"}, optional
        Cross borders only within `corridors.settings.PLAN_POST_RADIUS_KM` of a border post of
        ``seeds/places.yaml`` with one of these statuses that carries the ``kind`` (a traveller's
        route: ``status=["open"]``). The notes name the post of each crossing. Default: anywhere.

    Returns
    -------
    geopandas.GeoDataFrame
        One row with the columns of `corridors.score`, plus ``cost_km`` (km-equivalents).
        ``attrs["corridors.notes"]`` holds notes on the search. The planned corridor itself is
        ``records_of(frame)[0].corridor``.

    Raises
    ------
    RoutingError
        Bad parameters, endpoints off the DEM, at sea or in avoided countries, unreachable targets,
        no allowed border post between the countries of the ends.
    PlaceError
        Unknown places or countries.

    Examples
    --------
    >>> from corridors import plan
    >>> p = plan("Quetta", "Chaman", kind="road")
    >>> p["countries"].iloc[0], 100 < float(p["length_km"].iloc[0]) < 200
    ('PAK', True)
    """
    from .geodata import check_worldview
    from .scoring import score

    check_worldview(worldview)  # before the search
    result = plan_route(
        origin,
        destination,
        via=via,
        avoid=avoid,
        crossing_penalty_km=crossing_penalty_km,
        max_grade_pct=max_grade_pct,
        kind=kind,
        progress=progress,
        status=status,
    )
    frame = score(result.corridor, tolerance_km=tolerance_km, worldview=worldview)
    frame["cost_km"] = result.cost_km
    frame.attrs["corridors.notes"] = result.notes
    return frame


@dataclass(frozen=True)
class _Gates:
    """Where a route may cross a border: within `settings.PLAN_POST_RADIUS_KM` of an allowed post.

    ``passable`` (full grid) closes every cell next to another country except near the posts;
    ``barrier`` widens the closed cells by a coarse block for the coarse search (see `_lcp.route`).
    ``joins[i]`` holds the countries (ISO3) within the radius of ``posts[i]`` on a border.
    """

    statuses: tuple[str, ...]
    kind: str
    posts: tuple[Place, ...]
    joins: tuple[frozenset[str], ...]
    others: tuple[tuple[Place, frozenset[str]], ...]  # the posts not allowed, for the error message
    passable: np.ndarray
    barrier: np.ndarray

    @classmethod
    def build(cls, statuses: tuple[str, ...], kind: str, avoid: tuple[str, ...]) -> _Gates:
        from . import gazetteer, settings

        grid, raster, iso = dem(), costs.country_raster(), geodata.countries().iso_a3
        border = _lcp.border_cells(raster)
        radius = settings.PLAN_POST_RADIUS_KM
        f = settings.LCP_COARSE_FACTOR
        near = np.zeros(grid.shape, dtype=bool)  # within the radius of an allowed post
        wide = np.zeros(grid.shape, dtype=bool)  # within the radius and a coarse block
        posts, joins, others = [], [], []
        for post in gazetteer.posts():  # border posts, passes and bridges with a status: a few dozen
            allowed = post.status in statuses and (not post.carries or kind in post.carries)
            (r,), (c,) = grid.rowcol(np.array([post.lon]), np.array([post.lat]))
            dy, dx = _lcp.cell_size_km(grid.row_lat(np.array([r])), grid.res_deg)
            reach = radius + f * float(dy[0])
            ry, rx = int(np.ceil(reach / dy[0])), int(np.ceil(reach / dx[0]))
            r0, c0 = max(0, r - ry), max(0, c - rx)
            i, j = np.ogrid[r0 : min(grid.shape[0], r + ry + 1), c0 : min(grid.shape[1], c + rx + 1)]
            km = np.hypot((i - r) * dy[0], (j - c) * dx[0])
            window = (slice(r0, r0 + km.shape[0]), slice(c0, c0 + km.shape[1]))
            on_border = raster[window][(km <= radius) & border[window]]
            codes = frozenset(str(iso[k]) for k in np.unique(on_border) if k >= 0) - set(avoid)
            if allowed:
                near[window] |= km <= radius
                wide[window] |= km <= reach
                posts.append(post)
                joins.append(codes)
            else:
                others.append((post, codes))
        closed = border & ~near
        barrier = _lcp.dilate(closed, f - 1, f - 1) & ~wide
        return cls(statuses, kind, tuple(posts), tuple(joins), tuple(others), ~closed, barrier)

    def check(self, points: list[tuple[str, Waypoint]]) -> None:
        """Raise `RoutingError` when no chain of allowed posts joins the countries of two consecutive points."""
        grid, raster, iso = dem(), costs.country_raster(), geodata.countries().iso_a3
        lon, lat = np.array([p.lon for _, p in points]), np.array([p.lat for _, p in points])
        rows, cols = grid.rowcol(lon, lat)
        codes = [str(iso[k]) if k >= 0 else "" for k in raster[rows, cols]]
        for (_, a), (_, b), ca, cb in zip(points, points[1:], codes, codes[1:], strict=False):
            if not ca or not cb or ca == cb:
                continue
            reached, frontier = {ca}, [ca]
            while frontier:  # countries joined through allowed posts (a dozen posts: a tiny graph)
                here = frontier.pop()
                for joined in self.joins:
                    if here in joined:
                        frontier += sorted(joined - reached)
                        reached |= joined
            if cb not in reached:
                seen = [f"{p.name} ({p.status or 'no status'})" for p, j in self.others if {ca, cb} <= j]
                raise RoutingError(
                    f"status: no border post with status {'/'.join(self.statuses)} that carries a {self.kind} "
                    f"joins {ca} ({a.name}) and {cb} ({b.name})"
                    + (f"; posts between them: {', '.join(seen)}" if seen else "")
                )

    def crossings(self, xy: np.ndarray) -> list[str]:
        """A note per border crossing of a path (vertices lon/lat) naming the post it uses."""
        import shapely

        from .distance import geod

        grid, raster, iso = dem(), costs.country_raster(), geodata.countries().iso_a3
        rows, cols = grid.rowcol(xy[:, 0], xy[:, 1])
        cid = raster[rows, cols]
        at = np.flatnonzero((cid[:-1] != cid[1:]) & (cid[:-1] >= 0) & (cid[1:] >= 0))
        if not len(at) or not self.posts:
            return []
        where = shapely.points([(p.lon, p.lat) for p in self.posts])
        notes = []
        for k in at:  # one per crossing: a handful
            segment = shapely.LineString(xy[k : k + 2])
            nearest = int(np.argmin(shapely.distance(where, segment)))
            post = self.posts[nearest]
            point = shapely.get_coordinates(shapely.shortest_line(where[nearest], segment))[1]
            km = geod().inv(post.lon, post.lat, point[0], point[1])[2] / 1000.0
            notes.append(
                f"crosses {iso[cid[k]]} → {iso[cid[k + 1]]} at {post.name} ({post.status}, {km:.1f} km from the post)"
            )
        return notes


def _corridor(
    points: list[tuple[str, Waypoint]],
    avoid: tuple[str, ...],
    kind: str,
    model: costs.CostModel,
    cost_km: float,
    coords: np.ndarray,
    statuses: tuple[str, ...] = (),
) -> Corridor:
    names = [p.name for _, p in points]
    first, last = names[0], names[-1]
    avoiding = f", avoiding {', '.join(avoid)}" if avoid else ""
    via = f" via {', '.join(names[1:-1])}" if len(names) > 2 else ""
    grade = "none" if model.max_grade_pct is None else f"{model.max_grade_pct:g}%"
    summary = (
        f'Least-cost {kind} route{via}{avoiding}, modeled over NOAA GLOBE 30" and Natural Earth 1:10m: '
        f"cost {cost_km:,.0f} km-equivalents (slope_ref {model.slope_ref_pct:g}%, grade_ref "
        f"{model.grade_ref_pct:g}%, crossing penalty {model.crossing_penalty_km:g} km, max grade {grade})."
    )
    # Every choice that changes the plan is in its id, so that saving a plan never replaces a
    # differently made one: the kind (but the default pipeline), grade limit and crossing penalty
    # other than the kind's preset, and the post statuses.
    preset = costs.cost_model(kind)
    rid = _validate.slug(
        f"plan-{first}-{last}"
        + (f"-via-{'-'.join(names[1:-1])}" if via else "")
        + (f"-avoid-{'-'.join(avoid)}" if avoid else "")
        + (f"-{kind}" if kind != "pipeline" else "")
        + (f"-max-grade-{grade}" if model.max_grade_pct != preset.max_grade_pct else "")
        + (f"-penalty-{model.crossing_penalty_km:g}" if model.crossing_penalty_km != preset.crossing_penalty_km else "")
        + (f"-{'-'.join(statuses)}-posts" if statuses else "")
    )
    return Corridor(
        id=rid or "plan",
        name=f"{first} → {last} (planned {kind}{avoiding})",
        kind=kind,
        status="modeled",
        waypoints=tuple(p for _, p in points),
        summary=summary,
        sources=(Source('corridors plan: least-cost path over NOAA GLOBE 30" DEM and Natural Earth 1:10m'),),
        coords=tuple(map(tuple, coords.tolist())),
    )


def to_record(corridor: Corridor) -> dict:
    """A catalog record (``seeds/`` schema) of a corridor: its named waypoints and its vertices.

    ``coords`` holds every vertex at full precision, so the record loads back as the same route,
    bit for bit; ``waypoints`` keeps the named points (ends and vias) with their sources.
    """
    coords = corridor.coords or tuple((w.lon, w.lat) for w in corridor.waypoints)
    return {
        "id": corridor.id,
        "name": corridor.name,
        "kind": corridor.kind,
        "status": corridor.status,
        "summary": corridor.summary,
        "waypoints": [
            {"name": w.name, "lon": w.lon, "lat": w.lat, "source": w.source or "given coordinates"}
            for w in corridor.waypoints
        ],
        "coords": [[float(lon), float(lat)] for lon, lat in coords],
        "sources": [{"title": s.title} for s in corridor.sources],
    }


def save_record(corridor: Corridor, path: str | Path) -> Path:
    """Save a corridor into a user YAML catalog file, atomically and under a lock.

    A new file holds a list of one record; an existing file (one record or a list) keeps its
    other records, and a record with the same id is replaced. Comments in an existing file are
    not kept. Concurrent saves into one file (several ``corridors plan -o``) queue on a
    ``filelock`` lock (``.NAME.lock`` beside it), so every record survives.
    """
    import yaml

    from . import settings
    from .io import atomic_write, check_output, locked

    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise CatalogError(f"{path}: a user catalog is a .yaml file")
    if Path(os.path.realpath(path)).is_relative_to(os.path.realpath(settings.seeds_dir())):
        raise CatalogError(f"{path}: seeds/ holds the shipped catalog; save plans into a catalog file of your own")
    check_output(path)  # not a folder, an input of this run (a --catalog file) or in a missing folder
    with locked(path):  # concurrent saves queue: each reads the records the previous one wrote
        records: list = []
        if path.exists():
            data = _validate.parse_yaml(_validate.read_input(path, "user catalog"), path)
            records = data if isinstance(data, list) else [] if data is None else [data]
            if not all(isinstance(r, dict) for r in records):
                raise CatalogError(f"{path}: not a catalog of records; choose another file")
            records = [r for r in records if r.get("id") != corridor.id]
        records.append(to_record(corridor))
        text = yaml.safe_dump(records, sort_keys=False, allow_unicode=True, default_flow_style=None, width=120)
        return atomic_write(path, text, check_inputs=False)  # updating it in place is the point
