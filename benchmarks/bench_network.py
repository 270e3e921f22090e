"""Benchmark: OSM import and routing on a generated extract of about 100,000 nodes.

Writes a synthetic OSM XML street grid in the Indus plain (intersections every ~1 km, one shape
node between them, one-way rows, highway classes, two railway lines; all inside Pakistan) and
reports, in one run:

1. load time and peak memory of ``osmnx.graph_from_xml`` alone and of ``corridors.network.load_osm``
   (the same call plus the network schema: kinds, ellipsoidal lengths, street counts). Each load
   runs in a fresh subprocess, alternating, ``--repeat`` times; the run with the least CPU time
   is reported (CPU time is steadier than wall time on a shared machine); peak
   memory is the rise of the peak resident set (VmHWM) over the resident set after imports, so it
   counts GEOS and numpy memory that tracemalloc cannot see;
2. median shortest-path query time of :class:`corridors.network.Router` (scipy Dijkstra on a CSR
   matrix, built once and timed apart) against networkx ``bidirectional_dijkstra`` on the same
   graph and the same random pairs (with ``osmnx.routing.shortest_path`` on the first ten for
   reference); every pair must give the same length, and
   the ratio must be at most 1.2 (exit status 1 otherwise);
3. the time to score one route (``corridors.scoring.score``) separately.

Run: ``python benchmarks/bench_network.py [--nodes 100000] [--queries 60] [--seed 7] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

#: South-west corner of the grid (lon, lat) and spacing of its intersections, degrees.
ORIGIN = (70.2, 29.2)
SPACING_DEG = 0.01
MAX_RATIO = 1.2
#: k = 3 alternatives must take at most this share of networkx shortest_simple_paths' time.
MAX_K_RATIO = 0.2
#: Origin-destination pairs of the k-shortest-paths comparison (networkx takes seconds to a minute each).
K_QUERIES = 5
#: Queries also timed with osmnx.routing.shortest_path (reference only).
OSMNX_QUERIES = 10


def write_extract(path: Path, target_nodes: int, seed: int, shape_nodes: int = 1) -> dict:
    """An OSM XML street grid of about ``target_nodes`` nodes, ``shape_nodes`` between intersections."""
    rng = np.random.default_rng(seed)
    side = int(math.sqrt(target_nodes / (1.0 + 2.0 * shape_nodes)))  # n² intersections + 2·s·n·(n-1) shape nodes
    lon0, lat0 = ORIGIN
    ids = np.arange(side * side).reshape(side, side) + 1
    jitter = rng.uniform(-0.2, 0.2, size=(side, side, 2)) * SPACING_DEG
    lon = lon0 + np.arange(side)[None, :] * SPACING_DEG + jitter[..., 0]
    lat = lat0 + np.arange(side)[:, None] * SPACING_DEG + jitter[..., 1]
    next_id = side * side + 1
    nodes: list[str] = [
        f'<node id="{i}" lat="{y:.7f}" lon="{x:.7f}" version="1"/>'
        for i, x, y in zip(ids.ravel(), lon.ravel(), lat.ravel(), strict=True)
    ]
    ways: list[str] = []

    def way(refs: list[int], tags: dict[str, str]) -> None:
        tag_xml = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        ways.append(
            f'<way id="{len(ways) + 1}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs) + tag_xml + "</way>"
        )

    def shape_node(x: float, y: float) -> int:
        nonlocal next_id
        nodes.append(f'<node id="{next_id}" lat="{y:.7f}" lon="{x:.7f}" version="1"/>')
        next_id += 1
        return next_id - 1

    for axis in (0, 1):
        for line in range(side):
            idx = (line, slice(None)) if axis == 0 else (slice(None), line)
            line_ids, xs, ys = ids[idx], lon[idx], lat[idx]
            refs: list[int] = [int(line_ids[0])]
            for j in range(1, side):
                for q in range(1, shape_nodes + 1):
                    bend = rng.uniform(-0.25, 0.25) * SPACING_DEG
                    t = q / (shape_nodes + 1)
                    mx, my = xs[j - 1] + t * (xs[j] - xs[j - 1]), ys[j - 1] + t * (ys[j] - ys[j - 1])
                    refs.append(shape_node(mx + (bend if axis else 0.0), my + (0.0 if axis else bend)))
                refs.append(int(line_ids[j]))
            cls = "primary" if line % 10 == 0 else "secondary" if line % 5 == 0 else "residential"
            tags = {"highway": cls, "name": f"{'Row' if axis == 0 else 'Column'} {line}"}
            if axis == 0 and line % 3 == 1:
                tags["oneway"] = "yes" if line % 2 else "-1"
            way(refs, tags)
    for k in range(2):  # two railway lines across the grid, on their own nodes
        start = len(nodes)
        refs = [
            shape_node(
                lon0 + (i + 0.5) * SPACING_DEG,
                lat0 + (side * (0.3 + 0.4 * k)) * SPACING_DEG + 0.003 * math.sin(i / 7),
            )
            for i in range(side - 1)
        ]
        way(refs, {"railway": "rail", "name": f"Railway {k}"})
        assert len(nodes) > start
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="corridors benchmark">\n')
        fh.write("\n".join(nodes))
        fh.write("\n")
        fh.write("\n".join(ways))
        fh.write("\n</osm>\n")
    return {
        "nodes": len(nodes),
        "ways": len(ways),
        "intersections": side * side,
        "file_mb": round(path.stat().st_size / 1e6, 1),
    }


def bench_pbf(folder: Path, nodes: int, shape_nodes: int, seed: int, repeat: int) -> dict:
    """``osm.load_osm`` on a PBF extract against ``osmnx.graph_from_xml`` on the same data as XML,
    each in fresh processes, alternating, ``repeat`` times; medians of the wall time."""
    xml = folder / "country.osm"
    extract = write_extract(xml, nodes, seed, shape_nodes)
    pbf = write_pbf(xml, folder / "country.osm.pbf")
    extract["pbf_mb"] = round(pbf.stat().st_size / 1e6, 1)
    runs: dict[str, list[dict]] = {"osmnx": [], "pbf": []}
    for _ in range(repeat):
        for which, path in (("osmnx", xml), ("pbf", pbf)):
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, which, str(path)], check=True, capture_output=True, text=True
            )
            runs[which].append(json.loads(out.stdout.strip().splitlines()[-1]))
    result = {
        which: {
            **r[-1],
            "seconds": statistics.median(x["seconds"] for x in r),
            "runs_s": [round(x["seconds"], 1) for x in r],
            "peak_mb": max(x["peak_mb"] for x in r),
            "peak_total_mb": max(x["peak_total_mb"] for x in r),
        }
        for which, r in runs.items()
    }
    return {"extract": extract, **result, "time_ratio": result["pbf"]["seconds"] / result["osmnx"]["seconds"]}


_CHILD = r"""
import json, sys, time

def rss_kb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1])

import osmnx as ox
from corridors import graph_search, network, osm
base = rss_kb("VmRSS:")
start, cpu = time.perf_counter(), time.process_time()
if sys.argv[1] == "osmnx":
    G = ox.graph_from_xml(sys.argv[2], retain_all=True)
else:
    G = osm.load_osm(sys.argv[2])
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_mb": (rss_kb("VmHWM:") - base) / 1024,
                  "peak_total_mb": rss_kb("VmHWM:") / 1024,
                  "graph_nodes": G.number_of_nodes(), "graph_edges": G.number_of_edges()}))
"""


def write_pbf(xml: Path, pbf: Path) -> Path:
    """The same data as PBF, written by pyosmium."""
    import osmium

    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
    return pbf


def measure_load(which: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, which, str(path)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_loads(path: Path, repeat: int) -> dict:
    """Both loads, alternating, ``repeat`` times each; the fastest run of each is kept."""
    runs: dict[str, list[dict]] = {"osmnx": [], "corridors": []}
    for _ in range(repeat):
        for which in runs:
            runs[which].append(measure_load(which, path))
    return {
        which: {**min(r, key=lambda x: x["cpu_seconds"]), "runs_s": [round(x["seconds"], 2) for x in r]}
        for which, r in runs.items()
    }


def bench_routing(path: Path, queries: int, seed: int) -> dict:
    import networkx as nx
    import osmnx as ox

    from corridors import graph_search, osm

    G = osm.load_osm(path)
    start = time.perf_counter()
    router = graph_search.Router(G)
    build = time.perf_counter() - start
    rng = np.random.default_rng(seed)
    roads = G.edge_subgraph([(u, v, k) for u, v, k, kind in G.edges(keys=True, data="kind") if kind == "road"])
    nodes = np.array(sorted(max(nx.strongly_connected_components(roads), key=len)))
    pairs = [tuple(int(x) for x in rng.choice(nodes, 2, replace=False)) for _ in range(queries)]
    ours, theirs, osmnx_times = [], [], []
    for i, (s, t) in enumerate(pairs):
        t0 = time.perf_counter()
        path_ours = router.shortest_path(s, t)
        t1 = time.perf_counter()
        length_nx, _ = nx.bidirectional_dijkstra(G, s, t, weight="length")
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        theirs.append(t2 - t1)
        if i < OSMNX_QUERIES:  # osmnx checks every edge's weight on each call: slow, for reference only
            ox.routing.shortest_path(G, s, t, weight="length")
            osmnx_times.append(time.perf_counter() - t2)
        length_ours = nx.path_weight(G, path_ours, "length")
        if not math.isclose(length_ours, length_nx, rel_tol=1e-12):
            raise SystemExit(f"pair {s}→{t}: Router {length_ours} m, networkx {length_nx} m")
    longest = max(pairs, key=lambda p: nx.path_weight(G, router.shortest_path(*p), "length"))
    k_paths = bench_k_shortest(G, nodes, K_QUERIES, 3, seed) if K_QUERIES else None
    return {
        "k_shortest": k_paths,
        "graph": {"nodes": G.number_of_nodes(), "edges": G.number_of_edges()},
        "router_build_s": build,
        "queries": queries,
        "median_router_ms": statistics.median(ours) * 1000,
        "median_networkx_bidirectional_ms": statistics.median(theirs) * 1000,
        "median_osmnx_shortest_path_ms": statistics.median(osmnx_times) * 1000,
        "ratio": statistics.median(ours) / statistics.median(theirs),
        "score": bench_score(G, longest),
    }


def bench_k_shortest(G, nodes: np.ndarray, queries: int, k: int, seed: int) -> dict:
    """k shortest simple paths: Router (Yen on the CSR matrix) against networkx shortest_simple_paths
    on the collapsed DiGraph, alternating per pair; the paths must be identical."""
    import itertools

    import networkx as nx

    from corridors import graph_search

    router = graph_search.Router(G)
    D = nx.DiGraph()
    D.add_nodes_from(G.nodes)
    nodes_of = np.asarray(router.nodes)
    D.add_weighted_edges_from(
        zip(nodes_of[router._u].tolist(), nodes_of[router._v].tolist(), router._w.tolist(), strict=True),
        weight="length",
    )
    rng = np.random.default_rng(seed + 1)
    ours, theirs = [], []
    for _ in range(queries):
        s, t = (int(x) for x in rng.choice(nodes, 2, replace=False))
        t0 = time.perf_counter()
        found = router.k_shortest_paths(s, t, k)
        t1 = time.perf_counter()
        expected = list(itertools.islice(nx.shortest_simple_paths(D, s, t, weight="length"), k))
        t2 = time.perf_counter()
        if [p for _, p in found] != expected:
            raise SystemExit(f"k shortest paths {s}→{t}: Router and networkx differ")
        ours.append(t1 - t0)
        theirs.append(t2 - t1)
    return {
        "k": k,
        "queries": queries,
        "median_router_s": statistics.median(ours),
        "median_networkx_s": statistics.median(theirs),
        "ratio": statistics.median(ours) / statistics.median(theirs),
        "ratios": [round(a / b, 3) for a, b in zip(ours, theirs, strict=True)],
    }


def bench_score(G, pair: tuple[int, int]) -> dict:
    from corridors import graph_search
    from corridors.catalog import Corridor, Source, Waypoint, with_coords
    from corridors.scoring import score_records as score

    nodes = graph_search.Router(G).shortest_path(*pair)
    coords = graph_search.path_coords(G, graph_search.path_edges(G, nodes))
    corridor = with_coords(
        Corridor(
            "bench",
            "benchmark route",
            "route",
            "modeled",
            (Waypoint("a", *coords[0]), Waypoint("b", *coords[-1])),
            sources=(Source("x"),),
        ),
        [tuple(p) for p in coords.tolist()],
    )
    score(corridor)  # warm the shipped layers (opened once per process)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        result = score(corridor)[0]
        times.append(time.perf_counter() - start)
    return {
        "vertices": len(coords),
        "length_km": round(result.length_km, 2),
        "countries": list(result.sequence),
        "median_ms": statistics.median(times) * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000, help="approximate node count of the extract")
    parser.add_argument("--queries", type=int, default=60, help="random origin-destination pairs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2, help="load runs of each kind (the fastest is reported)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--pbf-nodes", type=int, default=1_000_000, help="OSM nodes of the PBF extract (0: skip)")
    parser.add_argument("--pbf-shape-nodes", type=int, default=5, help="shape nodes between two intersections")
    parser.add_argument("--pbf-repeat", type=int, default=3, help="alternating load runs of each kind (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "grid.osm"
        extract = write_extract(path, args.nodes, args.seed)
        print(f"extract: {extract['nodes']:,} nodes, {extract['ways']:,} ways, {extract['file_mb']} MB")
        loads = measure_loads(path, args.repeat)
        for which, label in (("osmnx", "osmnx.graph_from_xml"), ("corridors", "osm.load_osm")):
            r = loads[which]
            print(
                f"load  {label:<22} {r['cpu_seconds']:6.2f} s CPU ({r['seconds']:6.2f} s wall)   peak "
                f"+{r['peak_mb']:4.0f} MB   graph {r['graph_nodes']:,} nodes / {r['graph_edges']:,} edges"
            )
        ratio = loads["corridors"]["cpu_seconds"] / loads["osmnx"]["cpu_seconds"]
        print(
            f"      load_osm / graph_from_xml: CPU time {ratio:.2f}x, "
            f"peak memory {loads['corridors']['peak_mb'] / loads['osmnx']['peak_mb']:.2f}x"
        )
        routing = bench_routing(path, args.queries, args.seed)
        pbf = (
            bench_pbf(Path(folder), args.pbf_nodes, args.pbf_shape_nodes, args.seed, args.pbf_repeat)
            if args.pbf_nodes
            else None
        )
    g = routing["graph"]
    print(f"route graph {g['nodes']:,} nodes / {g['edges']:,} edges; Router built in {routing['router_build_s']:.2f} s")
    print(
        f"route median of {routing['queries']} queries: Router {routing['median_router_ms']:.2f} ms, "
        f"networkx bidirectional Dijkstra {routing['median_networkx_bidirectional_ms']:.2f} ms, "
        f"osmnx.shortest_path {routing['median_osmnx_shortest_path_ms']:.2f} ms; "
        f"ratio {routing['ratio']:.3f} (limit {MAX_RATIO})"
    )
    s = routing["score"]
    print(
        f"score one route ({s['vertices']:,} vertices, {s['length_km']} km, {' > '.join(s['countries'])}): "
        f"median {s['median_ms']:.1f} ms"
    )
    kp = routing["k_shortest"]
    if kp:
        print(
            f"k={kp['k']} shortest simple paths, median of {kp['queries']} pairs: "
            f"Router {kp['median_router_s']:.2f} s, "
            f"networkx shortest_simple_paths {kp['median_networkx_s']:.2f} s; ratio {kp['ratio']:.3f} "
            f"(limit {MAX_K_RATIO}; per pair {kp['ratios']}); identical paths"
        )
    if pbf:
        e = pbf["extract"]
        print(
            f"pbf   extract {e['nodes']:,} OSM nodes ({e['intersections']:,} intersections, {args.pbf_shape_nodes} "
            f"shape nodes between), {e['file_mb']} MB XML, {e['pbf_mb']} MB PBF"
        )
        for which, label in (("osmnx", "osmnx.graph_from_xml (XML)"), ("pbf", "osm.load_osm (PBF)")):
            r = pbf[which]
            print(
                f"      {label:<27} median {r['seconds']:7.1f} s {r['runs_s']}   peak +{r['peak_mb']:5.0f} MB "
                f"({r['peak_total_mb']:5.0f} MB in all)   graph {r['graph_nodes']:,} / {r['graph_edges']:,}"
            )
        print(f"      load_osm(PBF) / graph_from_xml: time {pbf['time_ratio']:.2f}x (limit 1), peak memory limit 1 GB")
    if args.json:
        args.json.write_text(
            json.dumps({"extract": extract, "load": loads, "routing": routing, "pbf": pbf}, indent=2) + "\n"
        )
    ok = routing["ratio"] <= MAX_RATIO and (not kp or kp["ratio"] <= MAX_K_RATIO)
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
