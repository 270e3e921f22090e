"""Benchmark: per-country lengths and crossings of 10,000 synthetic routes, against DuckDB spatial.

Both sides get the same routes and the same Natural Earth polygons; DuckDB (planar) is handed the
routes already densified along the geodesic, untimed, while corridors densifies inside its timing.
DuckDB does the split as an ``ST_Intersects`` join, ``ST_Intersection`` and ``ST_Length_Spheroid``;
corridors does :func:`corridors.scoring.split_by_country` (per-country lengths, crossings, hugging).
Each side runs in its own process, ``--repeat`` times alternating, and its median run is
reported, so peak memory (max RSS) is per side.

    pip install -e '.[benchmark]'
    python benchmarks/bench_scoring.py [--routes 10000]

Targets (issue 2): corridors at least 5x faster than DuckDB; corridors' peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely


def synthetic_routes(n: int, seed: int = 2026) -> np.ndarray:
    """``n`` random 3-6 vertex routes (steps of ~130 km) over Pakistan, Afghanistan and neighbours."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 7, n)
    start = np.column_stack([rng.uniform(60.0, 74.0, n), rng.uniform(26.0, 38.0, n)])
    steps = rng.normal(0.0, 1.2, (sizes.sum(), 2))
    parts = np.repeat(np.arange(n), sizes)
    first = np.cumsum(sizes) - sizes
    steps[first] = 0.0
    cum = np.cumsum(steps, axis=0)
    xy = start[parts] + cum - cum[first][parts]
    xy[:, 0] = np.clip(xy[:, 0], 45.0, 81.0)
    xy[:, 1] = np.clip(xy[:, 1], 23.0, 44.0)
    return shapely.linestrings(xy, indices=parts)


def run_corridors(n: int) -> dict:
    from corridors import geodata
    from corridors.scoring import split_by_country

    lines = synthetic_routes(n)
    geodata.countries()
    geodata.borders()
    t0 = time.perf_counter()
    split = split_by_country(lines)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "total_km": float(split.length_km.sum()),
        "crossings": int(split.crossings.sum()),
        "km_PAK": float(split.run_length_km[split.run_country == "PAK"].sum()),
    }


def run_duckdb(n: int) -> dict:
    import duckdb
    import duckdb_ext

    from corridors import geodata
    from corridors.alignment import densify_lines

    lines, _ = densify_lines(synthetic_routes(n))  # the geodesic arcs, densified as corridors does (untimed)
    countries = geodata.countries()
    ext = Path(next(iter(duckdb_ext.__path__))) / "extensions" / f"v{duckdb.__version__}"
    con = duckdb.connect(config={"allow_unsigned_extensions": True})
    con.execute(f"LOAD '{next(ext.glob('*/spatial.duckdb_extension'))}'")
    import pyarrow as pa

    con.register("r", pa.table({"id": np.arange(n), "wkb": shapely.to_wkb(lines)}))
    con.register("c", pa.table({"iso": countries.iso_a3, "wkb": shapely.to_wkb(countries.geometry)}))
    con.execute("CREATE TABLE routes AS SELECT id, ST_GeomFromWKB(wkb) AS geom FROM r")
    con.execute("CREATE TABLE countries AS SELECT iso, ST_GeomFromWKB(wkb) AS geom FROM c")
    t0 = time.perf_counter()
    rows = con.execute(
        """
        SELECT r.id, c.iso,
               ST_Length_Spheroid(ST_FlipCoordinates(ST_Intersection(r.geom, c.geom))) / 1000 AS km,
               ST_NumGeometries(ST_Intersection(r.geom, c.geom)) AS pieces
        FROM routes r JOIN countries c ON ST_Intersects(r.geom, c.geom)
        """
    ).fetchall()
    seconds = time.perf_counter() - t0
    km = np.array([row[2] for row in rows])
    return {
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "land_km": float(km.sum()),
        "km_PAK": float(sum(row[2] for row in rows if row[1] == "PAK")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs per side (median reported)")
    parser.add_argument("--side", choices=["corridors", "duckdb"])
    args = parser.parse_args()
    if args.side:
        result = run_corridors(args.routes) if args.side == "corridors" else run_duckdb(args.routes)
        print(json.dumps(result))
        return
    runs: dict[str, list[dict]] = {"corridors": [], "duckdb": []}
    for _ in range(args.repeat):  # alternate the sides; report each side's median run
        for side in runs:
            proc = subprocess.run(
                [sys.executable, __file__, "--routes", str(args.routes), "--side", side],
                capture_output=True, text=True, check=True,
            )
            runs[side].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out = {side: sorted(r, key=lambda x: x["seconds"])[len(r) // 2] for side, r in runs.items()}
    ours, duck = out["corridors"], out["duckdb"]
    print(f"routes: {args.routes}")
    print(
        f"corridors split_by_country: {ours['seconds']:.2f} s, peak {ours['peak_mb']:.0f} MB, "
        f"{ours['crossings']} crossings, PAK {ours['km_PAK']:,.0f} km"
    )
    print(
        f"duckdb spatial join:        {duck['seconds']:.2f} s, peak {duck['peak_mb']:.0f} MB, "
        f"PAK {duck['km_PAK']:,.0f} km"
    )
    print(f"agreement on km in PAK: {abs(ours['km_PAK'] - duck['km_PAK']) / duck['km_PAK'] * 100:.3f} %")
    print(f"speed-up (duckdb / corridors): {duck['seconds'] / ours['seconds']:.1f}x  (target >= 5x)")
    print(f"peak memory ok (< 1024 MB): {ours['peak_mb'] < 1024}")


if __name__ == "__main__":
    main()
