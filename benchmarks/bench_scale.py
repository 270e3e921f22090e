"""Benchmark: end-to-end ``corridors score`` of 10,000 and 100,000 routes against DuckDB spatial's split.

corridors runs the command users run, in its own process, timed from start to exit (import, reading
the catalog, every metric: per-country split, crossings and their names, terrain profiles, ranks;
CSV written)::

    corridors score --catalog N.parquet --format csv -o out.csv

DuckDB runs only the per-country split of the same routes (``bench_scoring.py --side duckdb``: an
``ST_Intersects`` join, ``ST_Intersection``, ``ST_Length_Spheroid``; load untimed). Sides alternate,
``--repeat`` times; medians are reported, with each side's peak memory (for corridors the summed
PSS of the command and its worker processes in one more run, see `timed`; for DuckDB, one
process, its max RSS)
and CPU time (every thread and worker process; on a shared machine a steadier measure of the work
than wall time).
``--engine dask`` runs are timed with 1, 2 and 4 local workers (``--workers``); they check that
the CSV is byte-identical to the local engine's.

    pip install -e '.[benchmark,scale]'
    python benchmarks/bench_scale.py [--routes 10000 100000] [--repeat 3] [--dask 10000] [--format parquet]

The local engine scores in one worker process per CPU (``--workers``), forked from the command.

Targets (issue 12): end-to-end ≤ 1× DuckDB's split at 10k and 100k routes; 100k peak ≤ 1 GB;
10k → 100k time grows ≤ 11×; 1,000,000 routes (``--routes 1000000 --repeat 1``, outside CI) ≤ 2 GB.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_scoring import synthetic_routes  # noqa: E402


def write_routes(n: int, folder: Path, fmt: str) -> Path:
    """``n`` generated routes (bench_scoring.synthetic_routes) as GeoParquet or GeoJSON, cached in ``folder``."""
    import geopandas
    import numpy as np
    import shapely

    path = folder / f"routes-{n}.{'parquet' if fmt == 'parquet' else 'geojson'}"
    if path.exists():
        return path
    lines = synthetic_routes(n)
    lines = shapely.transform(lines, lambda xy: np.round(xy, 6))  # 6 decimals, as GeoJSON files keep
    frame = geopandas.GeoDataFrame(
        {"id": [f"r{i:07d}" for i in range(n)], "name": [f"route {i}" for i in range(n)]},
        geometry=np.asarray(lines),
        crs="EPSG:4326",
    )
    if fmt == "parquet":
        frame.to_parquet(path)
    else:
        frame.to_file(path, driver="GeoJSON", COORDINATE_PRECISION=6)
    return path


def timed(cmd: list[str], *, sample_memory: bool = False) -> dict:
    """Wall time, CPU time (user + system, every thread and waited-for worker) and memory of one command.

    ``max_rss_mb`` is the largest single process's resident set (the kernel's max RSS). With
    ``sample_memory``, ``peak_mb`` is the peak of the command's process tree: the largest sum of
    PSS (proportional set size: a page shared by k processes counts 1/k in each, so forked
    workers' shared layers count once) over the process and its workers, read every 20 ms with
    psutil. Reading PSS costs CPU that the command then lacks, so timed runs do not sample.
    """
    import threading

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak, done = [0], threading.Event()

    def sample() -> None:
        import psutil

        root = psutil.Process(proc.pid)
        while not done.wait(0.02):
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    total += p.memory_full_info().pss
            except psutil.Error:  # a process ended between the listing and the reading
                continue
            peak[0] = max(peak[0], total)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_memory:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    done.set()
    if sample_memory:
        sampler.join()
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{err[-2000:]}")
    return {
        "seconds": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": peak[0] / 2**20,
        "max_rss_mb": usage.ru_maxrss / 1024,
    }


def corridors_cmd(catalog: Path, out: Path, *extra: str) -> list[str]:
    exe = Path(sys.executable).with_name("corridors")
    return [str(exe), "score", "--catalog", str(catalog), "--format", "csv", "-o", str(out), "--no-progress", *extra]


def duckdb_split(n: int) -> dict:
    cmd = [sys.executable, str(HERE / "bench_scoring.py"), "--routes", str(n), "--side", "duckdb"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs per side (median reported)")
    parser.add_argument("--format", choices=["parquet", "geojson"], default="parquet", help="catalog file format")
    parser.add_argument("--dask", type=int, default=10_000, help="routes for the dask runs (0: none)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--no-duckdb", action="store_true", help="only corridors (e.g. the 1,000,000-route run)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "corridors-bench-scale")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)

    seconds: dict[int, float] = {}
    for n in args.routes:
        catalog = write_routes(n, args.data, args.format)
        ours: list[dict] = []
        duck: list[dict] = []
        for _ in range(args.repeat):  # alternate the sides
            ours.append(timed(corridors_cmd(catalog, args.data / f"out-{n}.csv")))
            if not args.no_duckdb:
                duck.append(duckdb_split(n))
        peak_mb = timed(corridors_cmd(catalog, args.data / f"out-{n}.csv"), sample_memory=True)["peak_mb"]
        seconds[n] = median(ours, "seconds")
        print(f"routes: {n:,} ({args.format}), {args.repeat} alternating runs, medians")
        print(
            f"  corridors score (all metrics, CSV): {seconds[n]:.1f} s (CPU {median(ours, 'cpu_s'):.1f} s), "
            f"peak {peak_mb:.0f} MB (process and workers, summed PSS, one more run; largest process "
            f"{median(ours, 'max_rss_mb'):.0f} MB RSS)"
        )
        if duck:
            d = median(duck, "seconds")
            print(f"  duckdb spatial split only:          {d:.1f} s, peak {median(duck, 'peak_mb'):.0f} MB")
            print(f"  ratio corridors / duckdb: {seconds[n] / d:.2f}x (target <= 1x)")
            c, dc = median(ours, "cpu_s"), median(duck, "cpu_s")
            print(f"  CPU time (all threads): corridors {c:.1f} s, duckdb {dc:.1f} s, ratio {c / dc:.2f}x")
    ns = sorted(seconds)
    for a, b in itertools.pairwise(ns):
        growth = seconds[b] / seconds[a]
        print(f"growth {a:,} -> {b:,} routes: {growth:.1f}x time for {b / a:.0f}x routes (target <= 11x)")

    if args.dask:
        n = args.dask
        catalog = write_routes(n, args.data, args.format)
        chunk = max(1, -(-n // (2 * max(args.workers))))  # two partitions per worker at the most workers
        local_out = args.data / f"local-{n}.csv"
        local = [timed(corridors_cmd(catalog, local_out, "--chunk-routes", str(chunk))) for _ in range(args.repeat)]
        print(f"dask engine, {n:,} routes in partitions of {chunk:,} routes ({os.cpu_count()} cores here):")
        print(f"  local engine, same batches: {median(local, 'seconds'):.1f} s")
        for w in args.workers:
            out = args.data / f"dask-{n}-{w}.csv"
            cmd = corridors_cmd(catalog, out, "--engine", "dask", "--workers", str(w), "--chunk-routes", str(chunk))
            runs = [timed(cmd, sample_memory=True) for _ in range(args.repeat)]
            same = out.read_bytes() == local_out.read_bytes()
            print(
                f"  {w} worker(s): {median(runs, 'seconds'):.1f} s "
                f"(peak {median(runs, 'peak_mb'):.0f} MB, client and workers), CSV identical to local: {same}"
            )


if __name__ == "__main__":
    main()
