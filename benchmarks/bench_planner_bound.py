"""Benchmark (issue 12, part 5): can a coarse lower bound make the planner's corridor admissible?

An admissible corridor keeps every cell ``v`` whose lower bounds ``LB(s, v) + LB(v, t)`` are within
the fine path's cost: the optimum cannot leave it. This script builds the sound coarse lower bound
that min-pooling gives and measures how tight it is and how many cells such a corridor keeps, for
one endpoint pair (default: Gwadar → Kashgar, pipeline, the pair the planner missed by 1.55 % before it
refined between its coarse seeds; it is now a heuristic checked against the exact solver instead,
see docs/methods/terrain.md).

The bound, over blocks of ``F`` × ``F`` cells (argument ``--factor``). Cut any fine path from ``s``
at landmarks: ``p0 = s``, ``p(j+1)`` the first cell at Chebyshev distance ``F`` (cells) from
``p(j)``. Between two landmarks the path stays within ``F`` cells of ``p(j)``, so inside the 3 × 3
blocks around ``p(j)``'s block; the blocks of consecutive landmarks are 8-neighbours; the piece is
at least ``F·dy`` long for a north–south block step, ``F·dx`` east–west and ``(F−1)·min(dy, dx) +
diag`` for a diagonal one (``dy``, ``dx``: the smallest cell sizes over those rows); each km of it
costs at least the smallest cell factor of the 3 × 3 blocks (a move costs ``½ (f_a + f_b)`` per km
plus a grade term ≥ 0); and it pays a crossing penalty when both blocks lie wholly in two different
countries. A coarse Dijkstra over these block steps, from each end, gives the bound (a cell's
bound is the smallest over the 3 × 3 blocks around it, the piece after the last landmark costing
≥ 0). ``--optimistic`` prices a diagonal block step at ``F·diag``, which is not a bound: it shows
how much of the looseness the step geometry explains. ``--perfect`` adds the corridor a perfect
bound (the exact cost from each end) would keep: the least any admissible corridor must search.

Then the fine search over the admissible corridor (exact inside it, hence the exact optimum) is
timed, beside the planner. Run from the repository::

    python benchmarks/bench_planner_bound.py [--factor 4] [--optimistic] [--perfect] [PLACE PLACE KIND]
"""

from __future__ import annotations

import argparse
import resource
import time
from dataclasses import replace

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from corridors import _lcp, costs, dem, gazetteer


def _blocks(a: np.ndarray, f: int, fill, op) -> np.ndarray:
    h, w = a.shape
    hb, wb = -(-h // f), -(-w // f)
    padded = np.full((hb * f, wb * f), fill, dtype=a.dtype)
    padded[:h, :w] = a
    return op(padded.reshape(hb, f, wb, f), axis=(1, 3))


def lower_bound(s: _lcp.Surface, p: _lcp.Params, ends, f: int, optimistic: bool = False):
    """Block lower bounds of the cost from each end: two (hb, wb) arrays (inf where unreachable)."""
    ok = s.passable.copy()
    for e in ends:
        ok[e] = True
    factor = np.where(ok, s.factor, np.inf).astype(np.float32)
    block_min = _blocks(factor, f, np.inf, np.min)
    usable = np.isfinite(block_min)
    cheap = costs.valley_floor(block_min)  # the smallest over each block's 3 x 3 neighbourhood
    country = np.where(ok, s.country, -1).astype(np.int16)
    high = _blocks(country, f, -1, np.max)
    low = _blocks(np.where(ok, s.country, 32767).astype(np.int16), f, 32767, np.min)
    pure = np.where((high == low) & (low >= 0), high, -1)  # every usable cell in one country
    hb, wb = usable.shape
    lat = np.concatenate([s.lat_deg, np.full(hb * f - len(s.lat_deg), s.lat_deg[-1])])
    dy, dx = (a.reshape(hb, f).min(axis=1) for a in _lcp.cell_size_km(lat, s.res_deg))
    dy, dx = (np.minimum.reduce([a, np.r_[a[1:], a[-1]], np.r_[a[0], a[:-1]]]) for a in (dy, dx))
    node = np.full(hb * wb, -1)
    cells = np.flatnonzero(usable.ravel())
    node[cells] = np.arange(len(cells))
    bi, bj = np.divmod(cells, wb)
    src, dst, weight = [], [], []
    for di, dj in _lcp._OFFSETS:
        i2, j2 = bi + di, bj + dj
        m = (i2 >= 0) & (i2 < hb) & (j2 >= 0) & (j2 < wb)
        m[m] &= usable[i2[m], j2[m]]
        if di and dj:
            step = f * np.hypot(dy, dx) if optimistic else (f - 1) * np.minimum(dy, dx) + np.hypot(dy, dx)
        else:
            step = f * (dy if di else dx)
        a, b = (bi[m], bj[m]), (i2[m], j2[m])
        crossing = (pure[a] >= 0) & (pure[b] >= 0) & (pure[a] != pure[b])
        src.append(node[a[0] * wb + a[1]])
        dst.append(node[b[0] * wb + b[1]])
        weight.append(step[a[0]] * cheap[a] + p.crossing_penalty_km * crossing)
    n = len(cells)
    graph = csr_matrix((np.concatenate(weight), (np.concatenate(src), np.concatenate(dst))), shape=(n, n))
    starts = [node[(e[0] // f) * wb + e[1] // f] for e in ends]
    out = []
    for row in dijkstra(graph, directed=True, indices=starts):
        full = np.full(hb * wb, np.inf)
        full[cells] = row
        out.append(costs.valley_floor(full.reshape(hb, wb)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("places", nargs="*", default=["Gwadar", "Kashgar", "pipeline"])
    parser.add_argument("--factor", type=int, default=4, help="block size of the bound, cells")
    parser.add_argument("--optimistic", action="store_true", help="price a diagonal block step at F·diag")
    parser.add_argument(
        "--perfect", action="store_true", help="also the corridor a perfect bound would keep (two full-grid Dijkstras)"
    )
    args = parser.parse_args()
    origin, destination, kind = args.places
    model = costs.cost_model(kind)
    a, b = gazetteer.lookup(origin), gazetteer.lookup(destination)
    grid = dem.dem()
    h, w = grid.shape
    rows, cols = grid.rowcol(np.array([a.lon, b.lon]), np.array([a.lat, b.lat]))
    ends = ((int(rows[0]), int(cols[0])), (int(rows[1]), int(cols[1])))
    t0 = time.perf_counter()
    _, plan, _ = costs.least_cost_leg((a.lon, a.lat), (b.lon, b.lat), model)
    t_plan = time.perf_counter() - t0
    s = costs._surface_maker(model)(0, h, 0, w)
    t0 = time.perf_counter()
    from_s, from_t = lower_bound(s, model.params(), ends, args.factor, args.optimistic)
    t_bound = time.perf_counter() - t0
    f = args.factor
    print(
        f"{origin} -> {destination} ({kind}), blocks of {f} cells{', optimistic steps' if args.optimistic else ''}: "
        f"plan {plan:,.1f} in {t_plan:.1f} s; lower bound s -> t {from_s[ends[1][0] // f, ends[1][1] // f]:,.1f} "
        f"({t_bound:.1f} s)"
    )
    for theta, label in ((plan, "the plan's cost"), (plan / 1.01, "the plan's cost / 1.01")):
        keep = np.repeat(np.repeat(from_s + from_t <= theta, f, axis=0), f, axis=1)[:h, :w]
        print(f"  cells whose bound is within {label}: {int(keep.sum()):,} of {h * w:,}")
    # Inside the last corridor the search finds the optimum if it costs at most plan / 1.01; otherwise the
    # plan is within 1 % of it. Either way the answer is proven, which is what the corridor would buy.
    t0 = time.perf_counter()
    exact = _lcp.solve(s, model.params(), ends[0], ends[1], keep)
    print(
        f"  exact search inside them: {exact.cost_km:,.1f} in {time.perf_counter() - t0:.1f} s "
        f"(peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB)"
    )
    # The bound checked against that path: never above the cost of its prefix from s, nor its suffix to t.
    *_, move = _lcp._moves(s, model.params(), exact.rows, exact.cols)
    ca, cb = s.country[exact.rows[:-1], exact.cols[:-1]], s.country[exact.rows[1:], exact.cols[1:]]
    move = move + model.params().crossing_penalty_km * ((ca != cb) & (ca >= 0) & (cb >= 0))
    prefix = np.r_[0.0, np.cumsum(move)]
    i, j = exact.rows // f, exact.cols // f
    ok = bool(np.all(from_s[i, j] <= prefix + 1e-6) and np.all(from_t[i, j] <= prefix[-1] - prefix + 1e-6))
    print(f"  bound <= the exact path's prefix and suffix costs at each of its {len(i):,} cells: {ok}")
    if args.perfect:
        # The exact cost from each end to every cell: the corridor even a perfect bound must keep.
        passable = s.passable.copy()
        passable[ends[0]] = passable[ends[1]] = True  # as _lcp.solve does
        graph, cells = _lcp._graph(replace(s, passable=passable), model.params(), np.ones((h, w), dtype=bool))
        both = dijkstra(graph, directed=True, indices=np.searchsorted(cells, [e[0] * w + e[1] for e in ends]))
        through = both[0] + both[1]
        del graph, both
        for theta, label in ((plan, "the plan's cost"), (plan / 1.01, "the plan's cost / 1.01")):
            print(f"  cells on a path within {label}: {int(np.sum(through <= theta)):,} (a perfect bound's corridor)")
        keep = np.zeros(h * w, dtype=bool)
        keep[cells[through <= plan / 1.01]] = True
        t0 = time.perf_counter()
        inside = _lcp.solve(s, model.params(), ends[0], ends[1], keep.reshape(h, w))
        print(f"  exact search inside the perfect corridor: {inside.cost_km:,.1f} in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
