"""Least-cost paths over windows of the DEM grid (internal to `terrain` and `planner`).

The grid is the DEM's: rows of latitude (row 0 northernmost), columns of longitude, each cell
connected to its 8 neighbours. A move between neighbouring cells ``a`` and ``b`` is an edge of an
undirected graph of weight (km-equivalents)::

    length_km × (½ (f_a + f_b) + (grade_pct / grade_ref_pct)²) + crossing_penalty_km × [country_a ≠ country_b]

``length_km`` is the move's true length on the WGS84 ellipsoid at its latitude (a cell is
narrower east–west than north–south, more so further north); ``f`` is the per-cell cost factor
(terrain slope, `corridors.terrain.CostModel`); ``grade_pct`` is the along-move grade
between the two cells' elevations. Moves into impassable cells and moves steeper than
``max_grade_pct`` are not edges. The graph is written straight into CSR form (no sort) and solved
with `scipy.sparse.csgraph.dijkstra`.

Search is bounded. A route whose search window stays under `corridors.settings.LCP_DIRECT_MAX_CELLS` is solved at
full resolution in a window around its endpoints, widened while the path touches the window's
edge. Longer routes are solved coarse-to-fine: first on the whole region coarsened by
`corridors.settings.LCP_COARSE_FACTOR`, four ways (as a relaxation, each block as cheap and as passable
as its best cell, so "no coarse path" proves "no path"; with each block's average cell, two ways;
and the guide, each block priced by its cells' cheapest move per km), and once over every
`corridors.settings.LCP_SAMPLE_STEP`-th cell of the grid itself, which keeps the grades the coarse
grids average away, where the guide rates a path within `corridors.settings.LCP_SAMPLE_MAX_EXCESS`
of its best. Then at full resolution inside a corridor reaching at least
`corridors.settings.LCP_BUFFER_KM` around these paths, the cells they enclose that the guide
rates within `corridors.settings.LCP_BETWEEN_MAX_EXCESS`, and every cell within
`corridors.settings.LCP_END_RADIUS_KM` of either end. While the fine path touches the
corridor's edge, the corridor grows around it (up to `corridors.settings.LCP_MAX_WIDENINGS` times).
Then the search checks for a cheaper route elsewhere: the guide is re-priced so that its best path
inside the corridor costs what the fine path does (outside, prices are lowered alike but never
raised), and searched again; a coarse path leaving the corridor and looking at least
`corridors.settings.LCP_EXPLORE_MIN_GAIN` cheaper joins the corridor, up to
`corridors.settings.LCP_MAX_EXPLORATIONS` times. Last, a band twice as wide around the path alone
is searched. Each search after the first is bounded by the best cost so far. The coarse-to-fine
stage is a heuristic; ``benchmarks/bench_terrain.py`` checks it against the exact optimum over the
whole grid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from . import settings

_A_KM = 6378.137  # WGS84 semi-major axis
_E2 = 0.00669437999014  # WGS84 first eccentricity squared
# Neighbour offsets (d_row, d_col); their order is the CSR column order of each node.
_OFFSETS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))

Progress = Callable[[str, float], None]


class Unreachable(Exception):
    """No path; the message says why the search stopped."""


@dataclass(frozen=True)
class Params:
    """Edge-cost parameters (see the module docstring). ``max_grade_pct`` None = no limit."""

    grade_ref_pct: float
    max_grade_pct: float | None
    crossing_penalty_km: float


@dataclass(frozen=True)
class Surface:
    """Arrays over a rectangle of grid cells. Row 0 is the northernmost."""

    elevation_m: np.ndarray  # float32 (h, w)
    factor: np.ndarray  # float32 (h, w), cell cost factor >= 1
    country: np.ndarray  # int16 (h, w), -1 for no country
    passable: np.ndarray  # bool (h, w)
    lat_deg: np.ndarray  # float64 (h,), latitude of each row's centre
    res_deg: float

    @property
    def shape(self) -> tuple[int, int]:
        return self.elevation_m.shape

    def crop(self, r0: int, r1: int, c0: int, c1: int) -> Surface:
        return Surface(
            self.elevation_m[r0:r1, c0:c1],
            self.factor[r0:r1, c0:c1],
            self.country[r0:r1, c0:c1],
            self.passable[r0:r1, c0:c1],
            self.lat_deg[r0:r1],
            self.res_deg,
        )


@dataclass(frozen=True)
class Path:
    """A least-cost path: cell rows/cols (in the grid the search was given) and its cost."""

    rows: np.ndarray
    cols: np.ndarray
    cost_km: float
    note: str = ""


def cell_size_km(lat_deg: np.ndarray, res_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """North–south and east–west size, km, of a ``res_deg`` cell centred at each latitude (WGS84)."""
    phi = np.radians(np.asarray(lat_deg, dtype=float))
    w = np.sqrt(1.0 - _E2 * np.sin(phi) ** 2)
    step = np.radians(res_deg)
    return _A_KM * (1.0 - _E2) / w**3 * step, _A_KM / w * np.cos(phi) * step


def _move_km(lat_deg: np.ndarray, res_deg: float) -> np.ndarray:
    """Length, km, of each of the 8 moves from a cell of each row: shape (rows, 8)."""
    out = np.empty((len(lat_deg), len(_OFFSETS)))
    for k, (di, dj) in enumerate(_OFFSETS):
        mid = lat_deg - di * res_deg / 2.0  # a move to row i+di ends res_deg*di further south
        dy, dx = cell_size_km(mid, res_deg)
        out[:, k] = np.hypot(di * dy, dj * dx)
    return out


def _graph(s: Surface, p: Params, include: np.ndarray):
    """CSR graph over the cells where ``include`` and ``passable`` hold; returns (graph, cells).

    Works on the grid padded with one impassable cell all round, so a neighbour is a shifted slice.
    Bands of rows, each cut to the columns its usable cells span (a corridor's diagonal band costs
    its own cells, not its bounding box), are priced as (rows, cols, 8) blocks and appended to the
    CSR arrays in node order, without gathers: about 125 bytes per cell at the peak.
    """
    from scipy.sparse import csr_matrix

    h, w = s.shape

    def pad(a: np.ndarray, fill) -> np.ndarray:
        out = np.full((h + 2, w + 2), fill, dtype=a.dtype)
        out[1:-1, 1:-1] = a
        return out

    usable = pad(include & s.passable, False)
    inner = usable[1:-1, 1:-1]
    cells = np.flatnonzero(inner).astype(np.int32)
    n = len(cells)
    node = np.full(usable.shape, -1, dtype=np.int32)
    node[1:-1, 1:-1][inner] = np.arange(n, dtype=np.int32)  # row-major, as ``cells``
    z, f, cid = pad(s.elevation_m, np.float32(0)), pad(s.factor, np.float32(1)), pad(s.country, np.int16(-1))
    move = _move_km(s.lat_deg, s.res_deg)
    indptr = np.zeros(n + 1, dtype=np.int64)
    data = np.empty(8 * n)  # an upper bound on the edges; the CSR keeps the first indptr[-1]
    indices = np.empty(8 * n, dtype=np.int32)
    used_rows = np.flatnonzero(inner.any(axis=1))
    first, edges = 0, 0  # next node and next edge slot
    band = max(1, settings.LCP_GRAPH_BAND_CELLS // max(w, 1))
    for b0 in range(0, len(used_rows), band):
        r0, r1 = int(used_rows[b0]), int(used_rows[min(b0 + band, len(used_rows)) - 1]) + 1
        cols = np.flatnonzero(inner[r0:r1].any(axis=0))
        c0, c1 = int(cols[0]), int(cols[-1]) + 1
        here = (slice(r0 + 1, r1 + 1), slice(c0 + 1, c1 + 1))
        ok, za, fa, ca = inner[r0:r1, c0:c1], z[here], f[here], cid[here]
        valid = np.empty((r1 - r0, c1 - c0, 8), dtype=bool)
        cost = np.empty((r1 - r0, c1 - c0, 8))
        nb_node = np.empty((r1 - r0, c1 - c0, 8), dtype=np.int32)
        for k, (di, dj) in enumerate(_OFFSETS):
            there = (slice(r0 + 1 + di, r1 + 1 + di), slice(c0 + 1 + dj, c1 + 1 + dj))
            length = move[r0:r1, k : k + 1]
            grade = np.abs(z[there] - za) / (10.0 * length)  # m per km -> percent
            v = ok & usable[there]
            if p.max_grade_pct is not None:
                v &= grade <= p.max_grade_pct
            c = length * (0.5 * (fa + f[there]) + (grade / p.grade_ref_pct) ** 2)
            if p.crossing_penalty_km:
                cb = cid[there]
                c += p.crossing_penalty_km * ((ca != cb) & (ca >= 0) & (cb >= 0))
            valid[:, :, k], cost[:, :, k], nb_node[:, :, k] = v, c, node[there]
        count = valid.sum(axis=2)[ok]
        m = int(count.sum())
        indptr[first + 1 : first + 1 + len(count)] = edges + np.cumsum(count)
        data[edges : edges + m] = cost[valid]
        indices[edges : edges + m] = nb_node[valid]
        first, edges = first + len(count), edges + m
    return csr_matrix((data[:edges], indices[:edges], indptr), shape=(n, n)), cells


def _end_graph(s: Surface, p: Params, ends: tuple[tuple[int, int], ...], include: np.ndarray | None = None):
    """`_graph` over ``s`` with the ``ends`` (row, col) made passable and included; returns
    (graph, cells, the ends' node numbers)."""
    h, w = s.shape
    passable = s.passable.copy()
    mask = np.ones((h, w), dtype=bool) if include is None else include.copy()
    for end in ends:
        passable[end] = mask[end] = True
    graph, cells = _graph(replace(s, passable=passable), p, mask)
    return graph, cells, np.searchsorted(cells, [r * w + c for r, c in ends])


def solve(
    s: Surface,
    p: Params,
    start: tuple[int, int],
    end: tuple[int, int],
    include: np.ndarray | None = None,
    limit_km: float = np.inf,
) -> Path | None:
    """Least-cost path between two cells of ``s`` (row, col); None when ``end`` is unreachable
    (or costs more than ``limit_km``, beyond which the search stops).

    ``start`` and ``end`` are made passable. ``include`` limits the search to a mask of cells.
    """
    from scipy.sparse.csgraph import dijkstra

    graph, cells, (src, dst) = _end_graph(s, p, (start, end), include)
    dist, pred = dijkstra(graph, directed=True, indices=int(src), return_predecessors=True, limit=limit_km)
    return _walk(dist, pred, cells, int(src), int(dst), s.shape[1])


def _walk(dist: np.ndarray, pred: np.ndarray, cells: np.ndarray, src: int, dst: int, w: int) -> Path | None:
    """The path to node ``dst`` in the Dijkstra tree from ``src`` (None when unreached), back along
    the predecessors: O(path length), not O(cells)."""
    if not np.isfinite(dist[dst]):
        return None
    chain = [dst]
    while chain[-1] != src:
        chain.append(int(pred[chain[-1]]))
    rows, cols = np.divmod(cells[np.array(chain[::-1])], w)
    return Path(rows, cols, float(dist[dst]))


def _moves(s: Surface, p: Params, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per move of a path of neighbouring cells: (length_km, grade_pct, cost without crossing penalty)."""
    di, dj = np.diff(rows), np.diff(cols)
    if np.any((np.abs(di) > 1) | (np.abs(dj) > 1) | ((di == 0) & (dj == 0))):
        raise ValueError("path: consecutive cells are not neighbours")
    k = (di + 1) * 3 + (dj + 1)
    k = np.where(k > 4, k - 1, k)  # index into _OFFSETS, which skips (0, 0)
    a, b = (rows[:-1], cols[:-1]), (rows[1:], cols[1:])
    length = _move_km(s.lat_deg, s.res_deg)[rows[:-1], k]
    grade = np.abs(s.elevation_m[b] - s.elevation_m[a]) / (10.0 * length)
    return length, grade, length * (0.5 * (s.factor[a] + s.factor[b]) + (grade / p.grade_ref_pct) ** 2)


def path_cost(s: Surface, p: Params, rows: np.ndarray, cols: np.ndarray) -> float:
    """Cost of a path of neighbouring cells of ``s`` under the edge costs of this module (inf when
    it uses an impassable cell, other than its ends, or a move steeper than the grade limit)."""
    rows, cols = np.asarray(rows), np.asarray(cols)
    _, grade, cost = _moves(s, p, rows, cols)
    ca, cb = s.country[rows[:-1], cols[:-1]], s.country[rows[1:], cols[1:]]
    cost = cost + p.crossing_penalty_km * ((ca != cb) & (ca >= 0) & (cb >= 0))
    inner_ok = s.passable[rows[1:-1], cols[1:-1]].all()
    steep = p.max_grade_pct is not None and bool(np.any(grade > p.max_grade_pct))
    return float(cost.sum()) if inner_ok and not steep else float("inf")


def coarsen(s: Surface, factor: int, how: str = "best") -> Surface:
    """A coarse surface of ``factor`` × ``factor`` blocks.

    ``best``: each block is as good as its best passable cell (minimum elevation and cost
    factor; passable when any cell is), a relaxation: no coarse path means no path. ``typical``:
    each block is its passable cells' mean, passable when most of its cells are, an estimate that
    does not mistake a mountain block with one valley cell for a valley. ``mean``: the same mean,
    passable when any cell is, so that a coast or a border does not cut the coarse grid (a port
    whose neighbouring blocks are mostly sea). A block's country is its centre cell's (-1 when that
    cell is impassable).
    """
    h, w = s.shape
    hb, wb = -(-h // factor), -(-w // factor)

    def blocks(a: np.ndarray, fill, op) -> np.ndarray:
        """Reduce each block with ``op`` (a ufunc) over strided views: no 4-d reshape, no sort."""
        if (hb * factor, wb * factor) != (h, w):
            padded = np.full((hb * factor, wb * factor), fill, dtype=a.dtype)
            padded[:h, :w] = a
            a = padded
        rows = a[0::factor].copy()
        for i in range(1, factor):
            op(rows, a[i::factor], out=rows)
        out = rows[:, 0::factor].copy()
        for j in range(1, factor):
            op(out, rows[:, j::factor], out=out)
        return out

    count = blocks(s.passable.astype(np.int32), 0, np.add)
    if how == "best":
        passable = count > 0
        inf = np.float32(np.inf)
        zc = blocks(np.where(s.passable, s.elevation_m, inf).astype(np.float32, copy=False), inf, np.minimum)
        fc = blocks(np.where(s.passable, s.factor, inf).astype(np.float32, copy=False), inf, np.minimum)
    else:
        passable = count > 0 if how == "mean" else count * 2 > factor * factor
        n = np.maximum(count, 1)
        zero = np.float32(0)
        zc = blocks(np.where(s.passable, s.elevation_m, zero).astype(np.float32, copy=False), zero, np.add) / n
        fc = blocks(np.where(s.passable, s.factor, zero).astype(np.float32, copy=False), zero, np.add) / n
    rows, cols = np.arange(factor // 2, h, factor), np.arange(factor // 2, w, factor)  # the blocks' centres
    centre = np.full((hb, wb), -1, dtype=np.int16)
    inside = np.ix_(rows, cols)
    centre[: len(rows), : len(cols)] = np.where(s.passable[inside], s.country[inside], -1)
    lat0 = s.lat_deg[0] + s.res_deg / 2.0
    lat = lat0 - (np.arange(hb) + 0.5) * s.res_deg * factor
    return Surface(
        np.where(passable, zc, 0).astype(np.float32),
        np.where(passable, fc, 1).astype(np.float32),
        centre,
        passable,
        lat,
        s.res_deg * factor,
    )


def _roughness(s: Surface, p: Params, step: int = 2) -> Surface:
    """``s`` at 1/``step`` resolution and flattened, each cell's factor its cheapest move's cost per km
    (grade term included); cells with no allowed move are impassable. A move costs the same both
    ways, so four directions suffice."""
    z, f, ok = s.elevation_m[::step, ::step], s.factor[::step, ::step], s.passable[::step, ::step]
    lat, res = s.lat_deg[::step], s.res_deg * step
    h, w = z.shape
    move = _move_km(lat, res).astype(np.float32)
    best = np.full((h, w), np.inf, dtype=np.float32)
    for k in (4, 5, 6, 7):  # (0, 1), (1, -1), (1, 0), (1, 1)
        di, dj = _OFFSETS[k]
        a = (slice(0, h - di), slice(max(0, -dj), w - max(0, dj)))
        b = (slice(di, h), slice(max(0, dj), w - max(0, -dj)))
        grade = np.abs(z[b] - z[a]) / (10.0 * move[: h - di, k : k + 1])
        cost = 0.5 * (f[a] + f[b]) + (grade / np.float32(p.grade_ref_pct)) ** 2
        blocked = ~(ok[a] & ok[b])
        if p.max_grade_pct is not None:
            blocked |= grade > p.max_grade_pct
        cost[blocked] = np.inf
        np.minimum(best[a], cost, out=best[a])
        np.minimum(best[b], cost, out=best[b])
    usable = ok & np.isfinite(best)
    country = s.country[::step, ::step]
    return Surface(np.zeros_like(z), np.where(usable, best, 1).astype(np.float32), country, usable, lat, res)


def _sample(s: Surface, step: int) -> Surface:
    """Every ``step``-th cell of ``s`` in each direction (its true elevations, so its true grades)."""
    return Surface(
        s.elevation_m[::step, ::step],
        s.factor[::step, ::step],
        s.country[::step, ::step],
        s.passable[::step, ::step],
        s.lat_deg[::step],
        s.res_deg * step,
    )


def _touches(path: Path, shape: tuple[int, int], edge: int, full: bool) -> bool:
    h, w = shape
    if full:
        return False
    return bool(np.any((path.rows < edge) | (path.rows >= h - edge) | (path.cols < edge) | (path.cols >= w - edge)))


def route(
    make_surface: Callable[[int, int, int, int], Surface],
    shape: tuple[int, int],
    res_deg: float,
    lat_of_row: Callable[[np.ndarray], np.ndarray],
    start: tuple[int, int],
    end: tuple[int, int],
    params: Params,
    *,
    progress: Progress | None = None,
    barrier: np.ndarray | None = None,
) -> Path:
    """Least-cost path between two cells of the full grid (rows/cols in full-grid indices).

    ``make_surface(r0, r1, c0, c1)`` gives the arrays of a window of the full grid. ``barrier``
    (full grid) marks cells that the coarse grids treat as impassable, so that a wall of impassable
    cells thinner than a coarse block (a border closed except at its posts) also stops the coarse
    search. Raises `Unreachable` with the reason.
    """
    report = progress or (lambda stage, fraction: None)
    h, w = shape
    (r0, c0), (r1, c1) = start, end
    dy, dx = cell_size_km(lat_of_row(np.array([(r0 + r1) / 2.0])), res_deg)
    dist_km = float(np.hypot((r1 - r0) * dy[0], (c1 - c0) * dx[0]))
    margin_km = max(settings.LCP_MIN_MARGIN_KM, 0.5 * dist_km)
    for _ in range(settings.LCP_MAX_WIDENINGS + 1):
        mr, mc = int(np.ceil(margin_km / dy[0])), int(np.ceil(margin_km / dx[0]))
        top, bottom = max(0, min(r0, r1) - mr), min(h, max(r0, r1) + mr + 1)
        left, right = max(0, min(c0, c1) - mc), min(w, max(c0, c1) + mc + 1)
        if (bottom - top) * (right - left) > settings.LCP_DIRECT_MAX_CELLS:
            break
        report("searching a window at full resolution", 0.2)
        full = (top, bottom, left, right) == (0, h, 0, w)
        path = solve(make_surface(top, bottom, left, right), params, (r0 - top, c0 - left), (r1 - top, c1 - left))
        if path is not None and not _touches(path, (bottom - top, right - left), 2, full):
            return Path(path.rows + top, path.cols + left, path.cost_km)
        if full:
            raise Unreachable("no path over the whole region")
        margin_km *= 2.0
    return _coarse_to_fine(make_surface(0, h, 0, w), start, end, params, report, barrier)


def border_cells(country: np.ndarray) -> np.ndarray:
    """Cells with one of their 8 neighbours in another country (both countries >= 0): every move
    across a border starts and ends on such cells."""
    c = np.asarray(country)
    out = np.zeros(c.shape, dtype=bool)
    h, w = c.shape
    for di, dj in _OFFSETS[4:]:  # each pair of neighbours once; both cells are marked
        a = (slice(0, h - di), slice(max(0, -dj), w - max(0, dj)))
        b = (slice(di, h), slice(max(0, dj), w - max(0, -dj)))
        differ = (c[a] != c[b]) & (c[a] >= 0) & (c[b] >= 0)
        out[a] |= differ
        out[b] |= differ
    return out


def dilate(mask: np.ndarray, ry: int, rx: int) -> np.ndarray:
    """Cells within ``ry`` rows and ``rx`` columns of a True cell (separable, so O(cells × radius))."""
    rows = mask.copy()
    for k in range(1, ry + 1):
        rows[k:] |= mask[:-k]
        rows[:-k] |= mask[k:]
    out = rows.copy()
    for k in range(1, rx + 1):
        out[:, k:] |= rows[:, :-k]
        out[:, :-k] |= rows[:, k:]
    return out


def _coarse_to_fine(
    fine: Surface,
    start: tuple[int, int],
    end: tuple[int, int],
    params: Params,
    report: Progress,
    barrier: np.ndarray | None = None,
) -> Path:
    f = settings.LCP_COARSE_FACTOR
    report("searching the coarse grid", 0.1)
    relaxed = Params(params.grade_ref_pct, None, params.crossing_penalty_km)
    cstart, cend = (start[0] // f, start[1] // f), (end[0] // f, end[1] // f)
    s = fine if barrier is None else replace(fine, passable=fine.passable & ~barrier)  # for the coarse grids
    relaxation = coarsen(s, f, "best")
    best_case = solve(relaxation, relaxed, cstart, cend)
    if best_case is None:
        raise Unreachable(
            "no land path at all (the coarse search over the whole region proves it)"
            if barrier is None
            else "no land path through the allowed border posts"
        )
    # The relaxation alone can prefer a mountain route whose blocks each hold one cheap cell; the
    # typical-cost search finds the route an average block suggests. The corridor holds both.
    typical = solve(coarsen(s, f, "typical"), relaxed, cstart, cend)
    # The mean over any passable cell keeps the grid connected where the typical one breaks at a
    # coast or a border, and prices mountains as a whole: it finds the long flat way round that the
    # relaxation, which sees every block by its valley floor, misses (a road Gwadar -> Kashgar by
    # Iran and the Turan lowland rather than over the Karakoram: 31 % cheaper).
    mean = solve(coarsen(s, f, "mean"), relaxed, cstart, cend)
    # Neither sees the grades of a mountain route cell by cell (a coarse move averages them away):
    # the third prices each block by its cells' cheapest move per km, grade included.
    step = 2 if f % 2 == 0 else 1  # half resolution is plenty for a seed, and 10x faster
    cheapest = coarsen(_roughness(s, params, step), f // step, "mean")
    # ... and the climb between blocks, from their lowest cells.
    cheapest = replace(cheapest, elevation_m=np.where(cheapest.passable, relaxation.elevation_m, 0).astype(np.float32))
    guide = cheapest
    via_km, rough = _via_km(guide, relaxed, cstart, cend)  # rough: the guide's best path, found on the way
    # Every coarse grid still prices a climb by its average grade, while a road pays the square of
    # each move's grade: they rated the road Kashgar -> Delhi by the Wakhan 18 % dearer than ways
    # east that cost 50 % more than they thought. Every few cells of the grid itself keep its grades.
    # It searches where the guide rates a path at most `LCP_SAMPLE_MAX_EXCESS` dearer than its best.
    guide_km = np.inf if rough is None else rough.cost_km
    k = settings.LCP_SAMPLE_STEP
    h, w = s.shape
    near = via_km[np.ix_(np.arange(0, h, k) // f, np.arange(0, w, k) // f)]
    near = near <= (1.0 + settings.LCP_SAMPLE_MAX_EXCESS) * guide_km
    sampled = solve(_sample(s, k), params, (start[0] // k, start[1] // k), (end[0] // k, end[1] // k), near)
    seed = np.zeros(guide.shape, dtype=bool)
    for coarse in (best_case, typical, mean, rough):
        if coarse is not None:
            seed[coarse.rows, coarse.cols] = True
    if sampled is not None:
        seed[sampled.rows * k // f, sampled.cols * k // f] = True  # k < f: neighbouring blocks
    seed |= _between(seed, via_km <= (1.0 + settings.LCP_BETWEEN_MAX_EXCESS) * guide_km)
    dy, dx = cell_size_km(s.lat_deg, s.res_deg * f)
    # Near its ends a route must find its way out of (or into) a valley that every coarse grid sees
    # as a block or two: the corridor holds every block within `LCP_END_RADIUS_KM` of either end.
    rows, cols = np.indices(seed.shape, sparse=True)
    for r, c in (cstart, cend):
        seed |= np.hypot((rows - r) * dy.min(), (cols - c) * dx.min()) <= settings.LCP_END_RADIUS_KM
    buffer_km = settings.LCP_BUFFER_KM
    best: Path | None = None
    widenings = {"doubled": 0, "followed": 0}  # up to LCP_MAX_WIDENINGS of each
    explorations = 0
    gain = 1.0 - settings.LCP_EXPLORE_MIN_GAIN
    while True:
        report(
            f"refining at full resolution within {buffer_km:.0f} km of {explorations + 5} coarse paths",
            min(0.95, 0.4 + 0.1 * (sum(widenings.values()) + explorations)),
        )
        ry, rx = int(np.ceil(buffer_km / dy.min())), int(np.ceil(buffer_km / dx.min()))
        inner = dilate(seed, ry - 1, rx - 1)  # a path leaving it touches the corridor's edge
        # The corridor only grows, so the best path so far bounds the search.
        found = _solve_in(fine, dilate(seed, ry, rx), f, start, end, params, np.inf if best is None else best.cost_km)
        best = found or best
        if found is None or not inner[found.rows // f, found.cols // f].all():
            # No path in the corridor (a grade limit the coarse grids cannot see): widen it all.
            # A path touching its edge: follow it. Under a grade limit a plan can need both in turn.
            how = "doubled" if found is None else "followed"
            if widenings[how] == settings.LCP_MAX_WIDENINGS:
                break
            widenings[how] += 1
            if found is None:
                buffer_km *= 2.0
            else:
                seed[found.rows // f, found.cols // f] = True
            continue
        # The coarse models can all misjudge the same mountains (a valley floor looks cheap until
        # its grades are priced cell by cell). Re-price the guide so that its best path inside the
        # corridor costs what the fine search found there, and search the whole coarse grid again:
        # a route elsewhere that looks cheaper joins the corridor. Once the
        # guide's optimum runs inside the corridor or looks costlier, the search ends.
        if explorations < settings.LCP_MAX_EXPLORATIONS:
            guide = _calibrate(guide, inner, found, fine, params, relaxed, cstart, cend)
            other = solve(guide, relaxed, cstart, cend)
            if other is not None and not inner[other.rows, other.cols].all() and other.cost_km <= gain * found.cost_km:
                seed[other.rows, other.cols] = True
                explorations += 1
                continue
        # Last, a band twice as wide around the path alone: the corridor's seeds can all pass a
        # valley or a town by a few km on the same side (Kashgar -> Delhi by road: 1.1 % dearer
        # than the optimum, 30-40 km away between Peshawar and Islamabad).
        trace = np.zeros_like(seed)
        trace[found.rows // f, found.cols // f] = True
        return _solve_in(fine, dilate(trace, 2 * ry, 2 * rx), f, start, end, params, found.cost_km) or found
    if best is not None:
        return Path(
            best.rows,
            best.cols,
            best.cost_km,
            note=f"the path still touches the edge of its {buffer_km:.0f} km search corridor",
        )
    raise Unreachable(
        f"no path within {buffer_km:.0f} km of the coarse route meets the grade limit"
        if params.max_grade_pct is not None
        else f"no path within {buffer_km:.0f} km of the coarse route"
    )


def _solve_in(
    fine: Surface,
    blocks: np.ndarray,
    f: int,
    start: tuple[int, int],
    end: tuple[int, int],
    params: Params,
    limit_km: float,
) -> Path | None:
    """`solve` on ``fine`` within the coarse ``blocks`` (``f`` × ``f`` cells each), in full-grid
    indices; None when no path there costs at most ``limit_km`` (plus rounding)."""
    h, w = fine.shape
    rows, cols = np.flatnonzero(blocks.any(axis=1)), np.flatnonzero(blocks.any(axis=0))
    top, bottom = rows[0] * f, min(h, (rows[-1] + 1) * f)
    left, right = cols[0] * f, min(w, (cols[-1] + 1) * f)
    block = blocks[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    include = np.repeat(np.repeat(block, f, axis=0), f, axis=1)[: bottom - top, : right - left]
    window = fine.crop(top, bottom, left, right)
    path = solve(
        window, params, (start[0] - top, start[1] - left), (end[0] - top, end[1] - left), include, limit_km * (1 + 1e-9)
    )
    return None if path is None else Path(path.rows + top, path.cols + left, path.cost_km)


def _via_km(g: Surface, p: Params, start: tuple[int, int], end: tuple[int, int]) -> tuple[np.ndarray, Path | None]:
    """Per cell of ``g``, the cost of its best path from ``start`` to ``end`` through that cell
    (inf where there is none), and the best path (as `solve` finds it; None when there is none)."""
    from scipy.sparse.csgraph import dijkstra

    graph, cells, (src, dst) = _end_graph(g, p, (start, end))
    from_ends, pred = dijkstra(graph, directed=True, indices=[src, dst], return_predecessors=True)  # symmetric moves
    via_km = np.full(g.shape, np.inf)
    via_km.ravel()[cells] = from_ends.sum(axis=0)
    return via_km, _walk(from_ends[0], pred[0], cells, int(src), int(dst), g.shape[1])


def _between(seed: np.ndarray, near: np.ndarray) -> np.ndarray:
    """Cells of ``near`` that the ``seed`` paths (which all join the same two cells) enclose. Where
    the coarse models disagree, the optimum often runs between their paths."""
    from scipy import ndimage

    return ndimage.binary_fill_holes(seed) & ~seed & near  # 8-connected paths enclose 4-connected holes


def _calibrate(
    guide: Surface,
    inner: np.ndarray,
    found: Path,
    s: Surface,
    params: Params,
    relaxed: Params,
    cstart: tuple[int, int],
    cend: tuple[int, int],
) -> Surface:
    """``guide`` with its cell factors scaled so that its best path inside ``inner`` costs what the
    fine path ``found`` (on ``s``) does, border penalties and the guide's grade term left as they
    are. Outside ``inner`` the factors are lowered alike but never raised: estimates there stay
    optimistic."""
    inside = solve(guide, relaxed, cstart, cend, inner)
    if inside is None:
        return guide
    length, _, cost = _moves(guide, relaxed, inside.rows, inside.cols)
    a, b = (inside.rows[:-1], inside.cols[:-1]), (inside.rows[1:], inside.cols[1:])
    flat = float(np.sum(length * 0.5 * (guide.factor[a] + guide.factor[b])))
    wanted = _excess(found, s, params) - (float(cost.sum()) - flat)  # the fine cost less the guide's grades
    scale = np.float32(max(wanted, 0.1 * flat) / flat)
    return replace(guide, factor=guide.factor * np.where(inner, scale, min(scale, np.float32(1))))


def _excess(path: Path, s: Surface, params: Params) -> float:
    """A path's cost on ``s`` without its border-crossing penalties, km-equivalents."""
    a, b = s.country[path.rows[:-1], path.cols[:-1]], s.country[path.rows[1:], path.cols[1:]]
    return path.cost_km - params.crossing_penalty_km * int(np.sum((a != b) & (a >= 0) & (b >= 0)))
