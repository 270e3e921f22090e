"""Streaming batch scoring: the same bytes in any batch size, from GeoJSON or GeoParquet, linear work."""

from __future__ import annotations

import json
import sys

import pytest
import shapely
from click.testing import CliRunner

import corridors
from corridors import settings
from corridors.cli.main import cli
from corridors.scoring import score_records, split_by_country
from corridors.tables import score_dict, summary_row


def _benchmark_module(name: str):
    """A script of benchmarks/ as a module (they import only numpy and shapely at the top)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: The benchmark's generator, so the test and the benchmark score the same kind of routes.
synthetic_routes = _benchmark_module("bench_scoring").synthetic_routes


def _features(n: int) -> list[dict]:
    return [
        {
            "type": "Feature",
            "properties": {"id": f"r{i:07d}", "name": f"route {i}"},
            "geometry": {
                "type": "LineString",
                "coordinates": [[round(x, 6), round(y, 6)] for x, y in shapely.get_coordinates(g)],
            },
        }
        for i, g in enumerate(synthetic_routes(n))
    ]


@pytest.fixture(scope="module")
def routes_2k(tmp_path_factory):
    """2,000 generated routes as GeoJSON and as GeoParquet (the same lines, ids and names)."""
    import geopandas

    folder = tmp_path_factory.mktemp("scale")
    features = _features(2000)
    geojson = folder / "routes.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    parquet = folder / "routes.parquet"
    geopandas.GeoDataFrame.from_features(features, crs="EPSG:4326").to_parquet(parquet)
    return geojson, parquet


def _csv(tmp_path, catalog, *extra: str) -> bytes:
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--format", "csv", "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.mark.slow
def test_scores_are_the_same_bytes_in_any_batch_size(routes_2k, tmp_path, monkeypatch):
    """One batch of every route (scoring as it was before streaming) and 7 batches give the same CSV."""
    geojson, parquet = routes_2k
    monkeypatch.setattr(settings, "SCORE_CHUNK_ROUTES", 10**9)
    whole = _csv(tmp_path, geojson)
    monkeypatch.setattr(settings, "SCORE_CHUNK_ROUTES", 317)  # 7 batches, one cut mid-way through the seeds
    assert _csv(tmp_path, geojson) == whole
    assert _csv(tmp_path, parquet) == whole  # GeoParquet in: the same routes, the same bytes


@pytest.mark.slow
def test_geoparquet_out_holds_the_score_frame(routes_2k, tmp_path):
    import geopandas

    import corridors

    _, parquet = routes_2k
    out = tmp_path / "scores.parquet"
    result = CliRunner().invoke(cli, ["compare", "--catalog", str(parquet), "-o", str(out)])
    assert result.exit_code == 0, result.output
    back = geopandas.read_parquet(out)
    frame = corridors.score(corridors.load_catalog([parquet]))
    assert len(back) == len(frame) == 2000 + len(corridors.load_catalog())
    assert back.crs.to_epsg() == 4326
    assert list(back.columns) == list(frame.columns)
    assert back["rank"].tolist() == list(range(1, len(back) + 1))  # compare: in rank order
    mine = back.sort_index()
    theirs = frame.sort_index()
    for column in ("length_km", "crossings", "countries", "score", "max_elevation_m", "km_PAK"):
        assert mine[column].tolist() == theirs[column].tolist(), column
    assert shapely.equals_exact(mine.geometry.values, theirs.geometry.values, tolerance=0).all()


def test_progress_bar_counts_every_route(tmp_path):
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["score", "tapi", "karakoram-highway", "--progress", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "2/2" in result.output  # CliRunner mixes standard error into the output


def test_progress_bar_of_a_streamed_geoparquet_catalog_has_its_total(tmp_path):
    """The streamed scorer's bar showed "N/?": a GeoParquet file's row count is in its metadata."""
    import geopandas

    from corridors import load_catalog
    from corridors.catalog import iter_catalog

    parquet = tmp_path / "routes.parquet"
    geopandas.GeoDataFrame.from_features(_features(5), crs="EPSG:4326").to_parquet(parquet)
    counted: list[int] = []
    batches = iter_catalog([parquet], chunk_routes=2, count=counted.append)
    first = next(batches)
    assert counted[0] == 5 and len(first) == 2  # the file's 5 rows counted before the first batch
    total = 5 + len(load_catalog())  # and the seeds as they are read
    assert sum(len(b) for b in batches) + 2 == sum(counted) == total
    out = tmp_path / "out.csv"
    args = ["score", "--catalog", str(parquet), "--format", "csv", "-o", str(out), "--progress"]
    result = CliRunner().invoke(cli, [*args, "--chunk-routes", "4", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert f"{total}/{total}" in result.output and "/?" not in result.output


def test_progress_callback_and_batches(monkeypatch):
    from corridors import load_catalog

    items = load_catalog().select()
    seen: list[int] = []
    monkeypatch.setattr(settings, "SCORE_CHUNK_ROUTES", 10)
    batched = score_records(items, progress=seen.append)
    assert sum(seen) == len(items) and max(seen) == 10
    whole = score_records(items, chunk_routes=len(items))
    # the same rows (positions along a route may differ in the 14th digit, from sums over the batch)
    assert [summary_row(r) for r in batched] == [summary_row(r) for r in whole]
    assert [score_dict(r) for r in batched] == [score_dict(r) for r in whole]
    assert sorted(r.rank for r in batched) == list(range(1, len(items) + 1))


def test_bad_engine_options_are_reported_together():
    from corridors import CorridorsError, load_catalog

    items = load_catalog().select(["tapi"])
    with pytest.raises(CorridorsError, match=r"engine: 'spark'.*scheduler: 'tcp://x:1' needs engine 'dask'"):
        score_records(items, engine="spark", scheduler="tcp://x:1")
    with pytest.raises(CorridorsError, match=r"n_workers: 0.*chunk_routes: -1"):
        score_records(items, n_workers=0, chunk_routes=-1)


def test_per_route_lookups_are_binary_searches():
    """`CountrySplit.sequence`/`country_length_km` read route slices; the answers match a full scan."""
    lines = synthetic_routes(300)
    split = split_by_country(lines)
    for i in (0, 1, 150, 299):
        mask = split.seq_route == i
        assert split.sequence(i) == tuple(split.seq_country[mask].tolist())
        km: dict[str, float] = {}
        rows = split.run_route == i
        for code, length in zip(split.run_country[rows], split.run_length_km[rows], strict=True):
            km[str(code)] = km.get(str(code), 0.0) + float(length)
        assert split.country_length_km(i) == km
    assert split.sequence(10_000) == () and split.country_length_km(10_000) == {}


def test_bad_geoparquet_is_one_catalog_error(tmp_path):
    bad = tmp_path / "routes.parquet"
    bad.write_bytes(b"not parquet")
    result = CliRunner().invoke(cli, ["score", "--catalog", str(bad)])
    assert result.exit_code == 2
    assert "cannot read as GeoParquet" in result.output


def test_a_geoparquet_line_of_one_point_is_one_line(tmp_path):
    """WKB that GEOS refuses (a LineString of one point) names the file and row, not a GEOS traceback."""
    import struct

    import geopandas
    import pyarrow as pa
    import pyarrow.parquet as pq

    from corridors._errors import CatalogError
    from corridors.catalog import iter_catalog, load_catalog

    lines = [shapely.LineString([(67.0, 30.0 + i / 10), (68.0, 31.0)]) for i in range(5)]
    geopandas.GeoDataFrame({"id": list("abcde")}, geometry=lines, crs="EPSG:4326").to_parquet(tmp_path / "ok.parquet")
    table = pq.read_table(tmp_path / "ok.parquet")
    blobs = table.column("geometry").to_pylist()
    blobs[3] = b"\x01\x02\x00\x00\x00\x01\x00\x00\x00" + struct.pack("<2d", 67.0, 30.0)  # one point
    field = table.schema.get_field_index("geometry")
    bad = table.set_column(field, table.schema.field(field), pa.array(blobs, type=table.schema.field(field).type))
    pq.write_table(bad.replace_schema_metadata(table.schema.metadata), tmp_path / "bad.parquet")
    with pytest.raises(CatalogError, match=r"bad\.parquet: row\[3\]\.geometry: not a geometry GEOS can read \(.*point"):
        list(iter_catalog([tmp_path / "bad.parquet"], chunk_routes=2, include_seeds=False))
    with pytest.raises(CatalogError, match=r"bad\.parquet: cannot read as GeoParquet: .*point array"):
        load_catalog([tmp_path / "bad.parquet"], include_seeds=False)


def test_geoparquet_rows_read_as_geojson_features(tmp_path):
    import geopandas

    from corridors import CatalogError, load_catalog

    good = geopandas.GeoDataFrame(
        {"id": ["a-1", "b-2"], "name": ["A", None], "countries": [["PAK", "AFG"], None], "kind": ["rail", None]},
        geometry=[shapely.LineString([(61, 32), (61, 32), (63, 34)]), shapely.LineString([(70, 30), (71, 31.5)])],
        crs="EPSG:4326",
    )
    good.to_parquet(tmp_path / "good.parquet")
    a, b = load_catalog([tmp_path / "good.parquet"], include_seeds=False).values()
    assert (a.id, a.name, a.kind, a.countries, a.coords) == ("a-1", "A", "rail", ("PAK", "AFG"), ((61, 32), (63, 34)))
    assert (b.id, b.name, b.kind, b.countries) == ("b-2", "b-2", "route", ())
    bad = good.copy()
    bad.geometry = [shapely.LineString([(10, 32), (63, 34)]), shapely.Point(70, 30)]
    bad.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(CatalogError, match=r"row\[0\].*outside the covered region.*row\[1\].*not a LineString"):
        load_catalog([tmp_path / "bad.parquet"])
    unknown = good.copy()
    unknown["kind"] = ["rail", "x"]  # a property the schema names is checked (issue 10)
    unknown.to_parquet(tmp_path / "unknown.parquet")
    with pytest.raises(CatalogError, match=r"row\[1\]\.properties\.kind: 'x' is not one of"):
        load_catalog([tmp_path / "unknown.parquet"])


def test_a_geoseries_of_lines_reads_with_default_ids():
    import geopandas

    from corridors.catalog import corridors_from_gdf

    routes = geopandas.GeoSeries([shapely.LineString([(66.99, 30.18), (66.45, 30.91)])] * 2, crs="EPSG:4326")
    assert [(c.id, c.name) for c in corridors_from_gdf(routes)] == [("0", "0"), ("1", "1")]


@pytest.fixture(scope="module")
def routes_600(tmp_path_factory):
    """600 generated routes as GeoParquet, with their ids and names."""
    import geopandas

    path = tmp_path_factory.mktemp("stream") / "routes.parquet"
    geopandas.GeoDataFrame.from_features(_features(600), crs="EPSG:4326").to_parquet(path)
    return path


def test_streamed_csv_is_the_in_memory_csv(routes_600):
    """Batches read from GeoParquet row by row, scored and written as they come: the same bytes.

    The batches of 97 routes lack columns that others have (a country, a province, a contested
    area met by none of their routes), which the writer fills as the table of all rows has them.
    (Worker processes write the same bytes: `test_cli_csv_is_the_same_with_any_number_of_workers`.)
    """
    import io

    from corridors import load_catalog
    from corridors.catalog import iter_catalog
    from corridors.scoring import ColumnLayout, score_partition
    from corridors.tables import csv_text, data_frame, write_score_csv

    whole = csv_text(data_frame(score_records(load_catalog([routes_600]).select())))
    batches = list(iter_catalog([routes_600], chunk_routes=97))
    assert [len(b) for b in batches] == [97] * 6 + [len(load_catalog()) + 600 - 6 * 97]
    layouts = [ColumnLayout.of(score_partition(b)[0]) for b in batches[-3:]]
    union = layouts[0].union(layouts[1]).union(layouts[2])
    assert any(set(lay.provinces) < set(union.provinces) for lay in layouts)  # a batch lacks a column
    out, sizes = io.StringIO(), []
    assert write_score_csv(iter(batches), out, processes=1, progress=sizes.append) == len(batches[0]) * 6 + len(
        batches[-1]
    )
    assert out.getvalue() == whole
    assert sizes == [len(b) for b in batches]


def test_terrain_whole_numbers_stay_whole_beside_a_route_without_terrain():
    """A route off the DEM (no terrain) leaves its cells blank; the other rows keep ``4677``, not ``4677.0``."""
    from dataclasses import replace

    from corridors import load_catalog
    from corridors.tables import csv_text, data_frame

    kkh, tapi = score_records(load_catalog().select(["karakoram-highway", "tapi"]))
    text = csv_text(data_frame([kkh, replace(tapi, extra={})])).splitlines()
    header = text[0].split(",")
    cells = dict(zip(header, text[1].split(","), strict=False))
    assert cells["max_elevation_m"] == str(kkh.extra["max_elevation_m"]) and "." not in cells["max_elevation_m"]
    blank = dict(zip(header, text[2].split(","), strict=False))
    assert blank["max_elevation_m"] == "" and blank["ascent_m"] == ""


def test_iter_catalog_numbers_rows_across_row_batches(tmp_path):
    """GeoParquet read 100 rows at a time: the corridors of the whole file; problems named by file row."""
    import geopandas

    from corridors import CatalogError, load_catalog
    from corridors.catalog import iter_catalog

    frame = geopandas.GeoDataFrame.from_features(_features(250), crs="EPSG:4326").drop(columns="id")
    frame.to_parquet(tmp_path / "r.parquet")
    parts = list(iter_catalog([tmp_path / "r.parquet"], chunk_routes=100, include_seeds=False))
    assert [len(p) for p in parts] == [100, 100, 50]
    assert [c for p in parts for c in p] == list(load_catalog([tmp_path / "r.parquet"], include_seeds=False).values())
    assert parts[2][-1].id == "249"  # ids from the row index over the whole file, not the batch
    frame.geometry = [*frame.geometry[:230], shapely.LineString([(10, 32), (63, 34)]), *frame.geometry[231:]]
    frame.to_parquet(tmp_path / "bad.parquet")
    with pytest.raises(CatalogError, match=r"bad.parquet: row\[230\].*outside the covered region"):
        list(iter_catalog([tmp_path / "bad.parquet"], chunk_routes=100, include_seeds=False))
    with pytest.raises(CatalogError, match=r"id: '0' is already defined in"):
        list(iter_catalog([tmp_path / "r.parquet", tmp_path / "r.parquet"], chunk_routes=100))


def test_streaming_memory_does_not_grow_with_the_routes(routes_600, tmp_path):
    """Peak traced memory of the streamed CSV: 600 routes in batches of 100 need little more than 200.

    Everything kept per row (8 bytes of composite score) is tiny beside a batch, so the peak is
    set by one batch; holding every record (~5 KB a route) would add ~2 MB for 400 more routes.
    """
    import io
    import tracemalloc

    import geopandas

    from corridors.catalog import iter_catalog
    from corridors.tables import write_score_csv

    geopandas.read_parquet(routes_600).iloc[:200].to_parquet(tmp_path / "200.parquet")
    write_score_csv(iter_catalog([tmp_path / "200.parquet"], chunk_routes=100), io.StringIO(), processes=1)
    peaks = {}
    for path in (tmp_path / "200.parquet", routes_600):
        batches = iter_catalog([path], chunk_routes=100, include_seeds=False)
        tracemalloc.start()
        write_score_csv(batches, io.StringIO(), processes=1)
        peaks[path.name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    small, large = peaks["200.parquet"], peaks[routes_600.name]
    assert large < 1.25 * small, (small, large)


_WORKER_SCRIPT = """
import json, os, signal, sys
from corridors import CorridorsError, GeometryError
from corridors._workers import can_fork, worker_processes

def square_or_fail(part, *, plus=0):
    if -1 in part:
        raise GeometryError("routes.geojson: row[3]: geometry: empty LineString")
    if -9 in part:
        os.kill(os.getpid(), signal.SIGKILL)
    return os.getpid(), [x * x + plus for x in part]

taken, out, ahead = [], [], []
def parts():
    for k in range(12):
        taken.append(k)
        yield [k, k + 1]

report = {"can_fork": can_fork()}
with worker_processes(2) as run:
    for pid, squares in run(square_or_fail, parts(), {"plus": 1}):
        out.append(squares)
        ahead.append(len(taken) - len(out))
        report.setdefault("pids", []).append(pid)
    report["again"] = [s for _, s in run(square_or_fail, [[5]], {})]  # a second map over the same workers
report.update(out=out, ahead=max(ahead), parent=os.getpid())
with worker_processes(1) as run:
    report["inline"] = [pid for pid, _ in run(square_or_fail, [[1], [2]], {})]
for bad in ([-1], [-9]):
    try:
        with worker_processes(2) as run:
            list(run(square_or_fail, [[1], bad, [3]], {}))
    except CorridorsError as exc:
        report[str(bad[0])] = [type(exc).__name__, str(exc)]
print(json.dumps(report))
"""


@pytest.mark.skipif(sys.platform != "linux", reason="worker processes are forked on Linux only")
def test_worker_processes():
    """Forked workers (in a fresh interpreter: the test process may run other threads, which forbid a fork).

    Results come in the order of the parts, from other processes, with at most processes + 1 parts
    taken ahead; a worker's own error comes back as raised; a killed worker ends the run with one
    CorridorsError; one process runs the parts in the caller.
    """
    import subprocess

    done = subprocess.run([sys.executable, "-c", _WORKER_SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    r = json.loads(done.stdout)
    assert r["can_fork"] and r["out"] == [[k * k + 1, (k + 1) ** 2 + 1] for k in range(12)]
    assert r["parent"] not in r["pids"] and r["again"] == [[25]]  # (one worker may take every part)
    assert r["ahead"] <= 2  # a part per worker, and one queued
    assert r["inline"] == [r["parent"]] * 2
    assert r["-1"] == ["GeometryError", "routes.geojson: row[3]: geometry: empty LineString"]
    assert r["-9"][0] == "CorridorsError" and "worker process ended without its result" in r["-9"][1]


def test_no_fork_beside_another_thread():
    """With another Python thread running, the work runs in the calling process (a fork would copy its locks)."""
    import os
    import threading

    from corridors._workers import can_fork, worker_processes

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
        with worker_processes(2) as run:
            assert list(run(_pid_of, [[1], [2]], {})) == [os.getpid()] * 2
    finally:
        stop.set()
        thread.join()


def _pid_of(part):
    import os

    return os.getpid()


@pytest.mark.skipif(sys.platform != "linux", reason="worker processes are forked on Linux only")
def test_cli_csv_is_the_same_with_any_number_of_workers(routes_600, tmp_path):
    """``corridors score --workers N`` (its own process, so it may fork): the same CSV and GeoParquet for 1 and 3."""
    import subprocess
    from pathlib import Path

    import geopandas
    import pandas as pd

    exe = str(Path(sys.executable).with_name("corridors"))
    for workers in (1, 3):
        for out in (tmp_path / f"w{workers}.csv", tmp_path / f"w{workers}.parquet"):
            args = ["score", "--catalog", str(routes_600), "--format", "csv", "-o", str(out)]
            args += ["--chunk-routes", "150", "--workers", str(workers), "--no-progress"]
            done = subprocess.run([exe, *args], capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr
    one, three = (tmp_path / "w1.csv").read_bytes(), (tmp_path / "w3.csv").read_bytes()
    assert one == three and one.count(b"\n") == len(corridors.load_catalog()) + 601
    frames = [geopandas.read_parquet(tmp_path / f"w{w}.parquet") for w in (1, 3)]
    pd.testing.assert_frame_equal(*frames)
    assert len(frames[0]) == len(corridors.load_catalog()) + 600


def test_csv_body_writes_what_pandas_writes():
    """`csv_body` against pandas' ``to_csv`` on awkward values: quotes, commas, CR/LF, -0.0, inf, NA, 1e16."""
    import numpy as np
    import pandas as pd

    from corridors.tables import csv_body

    frame = pd.DataFrame(
        {
            "s": pd.array(["a,b", 'q"x', "line\nbreak", "cr\r", "", None, " sp", "é"], dtype="string"),
            "f": [0.0, -0.0, np.nan, 1e16, 1e-5, np.inf, -np.inf, 0.1 + 0.2],
            "F": pd.array([1.5, None, 0.0, -0.0, 1e22, 3.0, None, 2.5], dtype="Float64"),
            "I": pd.array([1, None, -3, 0, 10**12, 5, None, 7], dtype="Int64"),
            "b": [True, False] * 4,
            "i": np.arange(8),
            "o": [None, 1, "x", 2.5, None, None, None, None],  # a type it leaves to pandas
        }
    )
    for part in (frame.drop(columns="o"), frame, frame.iloc[:0]):
        assert csv_body(part) == part.to_csv(index=False, header=False, lineterminator="\n")
    assert csv_body(frame.drop(columns="o")).splitlines()[0] == '"a,b",0.0,1.5,1,True,0'


def test_streamed_geoparquet_is_the_in_memory_frame(routes_600, tmp_path):
    """GeoParquet written batch by batch (batches of 97 with different columns): the frame of all rows at once."""
    import geopandas
    import pandas as pd
    import pyarrow.parquet as pq

    from corridors import load_catalog
    from corridors.catalog import iter_catalog
    from corridors.scoring import to_gdf
    from corridors.tables import write_score_parquet

    whole = to_gdf(score_records(load_catalog([routes_600]).select()))
    whole.attrs = {}
    whole.to_parquet(tmp_path / "whole.parquet", index=True)
    rows = write_score_parquet(iter_catalog([routes_600], chunk_routes=97), tmp_path / "streamed.parquet", processes=1)
    assert rows == len(whole) == pq.ParquetFile(tmp_path / "streamed.parquet").metadata.num_rows
    assert pq.ParquetFile(tmp_path / "streamed.parquet").metadata.num_row_groups == 7  # one per batch
    streamed = geopandas.read_parquet(tmp_path / "streamed.parquet")
    pd.testing.assert_frame_equal(streamed, geopandas.read_parquet(tmp_path / "whole.parquet"))
    assert sorted(streamed["rank"]) == list(range(1, len(whole) + 1))
    geo = json.loads(pq.read_schema(tmp_path / "streamed.parquet").metadata[b"geo"])["columns"]["geometry"]
    assert geo["bbox"] == pytest.approx(list(whole.total_bounds)) and geo["geometry_types"] == ["LineString"]


def test_streamed_outputs_refuse_their_own_inputs(routes_600, tmp_path):
    """``-o`` naming the GeoParquet being read (directly or through a symbolic link) is refused before any work."""
    import shutil

    src = tmp_path / "in.parquet"
    shutil.copy(routes_600, src)
    (tmp_path / "alias.parquet").symlink_to(src)
    before = src.read_bytes()
    for catalog, out, fmt in [
        (src, src, "table"),
        (src, src, "csv"),
        (src, tmp_path / "alias.parquet", "csv"),
        (tmp_path / "alias.parquet", src, "table"),
    ]:
        result = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--format", fmt, "-o", str(out)])
        assert result.exit_code == 2, result.output
        assert "is also an input of this run" in result.output
    assert src.read_bytes() == before


def test_streamed_geoparquet_problems_name_the_row_of_the_file(routes_600, tmp_path):
    """A bad name or a NaN vertex deep in a GeoParquet file: one line naming its row in the file, any batch size."""
    import geopandas

    frame = geopandas.read_parquet(routes_600)
    frame.loc[407, "name"] = 'bad\x07bell, "q"'
    frame.to_parquet(tmp_path / "name.parquet")
    frame = geopandas.read_parquet(routes_600)
    with pytest.warns(RuntimeWarning):  # shapely warns of the NaN it is asked to store
        frame.loc[311, "geometry"] = shapely.LineString([(70, 30), (float("nan"), 31)])
    frame.to_parquet(tmp_path / "nan.parquet")
    for name, row, field in [("name.parquet", 407, "name"), ("nan.parquet", 311, "geometry")]:
        for chunk in ("1000", "97", "7"):
            args = ["score", "--catalog", str(tmp_path / name), "--format", "csv", "-o", str(tmp_path / "o.csv")]
            result = CliRunner().invoke(cli, [*args, "--chunk-routes", chunk, "--no-progress"])
            assert result.exit_code == 2
            lines = result.output.strip().splitlines()
            assert len(lines) == 1 and f"row[{row}].{field}" in lines[0], lines  # no warning line beside it
    assert not (tmp_path / "o.csv").exists()


def test_a_chunk_larger_than_any_file_reads_the_file_whole(routes_600, tmp_path):
    """``--chunk-routes`` beyond what pyarrow takes (a C long): the file as one batch, not an overflow."""
    out = tmp_path / "o.csv"
    args = ["score", "--catalog", str(routes_600), "--format", "csv", "-o", str(out), "--no-progress"]
    result = CliRunner().invoke(cli, [*args, "--chunk-routes", str(10**20)])
    assert result.exit_code == 0, result.output
    assert out.read_text().count("\n") == len(corridors.load_catalog()) + 601


def test_scores_of_own_routes_read_back_as_a_catalog(tmp_path):
    """`score -o scores.parquet` of one's own routes is a catalog again: its `countries` text ("PAK > AFG", as the
    score writes it) is read as the declared sequence, which then matches the modeled one."""
    import pandas

    lines = {
        "quetta-kandahar": [[66.99, 30.18], [66.45, 30.92], [65.71, 31.61]],  # PAK > AFG by Chaman
        "kabul-peshawar": [[69.17, 34.53], [71.1, 34.1], [71.57, 34.01]],  # AFG > PAK by Torkham
        "in-iran": [[59.6, 36.3], [58.8, 35.0]],  # Mashhad southwards, in Iran only
    }
    routes = tmp_path / "mine.geojson"
    routes.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"id": rid}, "geometry": {"type": "LineString", "coordinates": c}}
                    for rid, c in lines.items()
                ],
            }
        )
    )
    out, again = tmp_path / "scores.parquet", tmp_path / "again.csv"
    first = CliRunner().invoke(cli, ["score", "--catalog", str(routes), *lines, "-o", str(out)])
    assert first.exit_code == 0, first.output
    second = CliRunner().invoke(cli, ["score", "--catalog", str(out), *lines, "--format", "csv", "-o", str(again)])
    assert second.exit_code == 0, second.output
    table = pandas.read_csv(again, index_col="id")
    assert table.loc[list(lines), "countries"].tolist() == ["PAK > AFG", "AFG > PAK", "IRN"]
    assert table["declared_countries"].tolist() == table["countries"].tolist()
    assert table["matches_sources"].all()


def test_countries_as_text_are_checked_as_a_list(tmp_path):
    routes = tmp_path / "mine.geojson"
    feature = {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[66.99, 30.18], [65.71, 31.61]]}}
    routes.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{**feature, "properties": {"countries": "PAK > XXX"}}]})
    )
    result = CliRunner().invoke(cli, ["score", "--catalog", str(routes), "mine"])
    assert result.exit_code == 2
    assert "features[0].properties.countries[1]: 'XXX' is not a country of the region" in result.output


def test_table_format_follows_the_output_suffix(tmp_path):
    """Without --format, -o FILE's suffix names the format; --format wins; GIS suffixes are refused."""
    runner = CliRunner()
    for name, first in (("s.csv", "id,name,kind,"), ("s.json", "[\n  {\n"), ("s.md", "**Corridor scores**")):
        result = runner.invoke(cli, ["score", "tapi", "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(first), name
    result = runner.invoke(cli, ["score", "tapi", "--format", "json", "-o", str(tmp_path / "t.csv")])
    assert result.exit_code == 0 and (tmp_path / "t.csv").read_text(encoding="utf-8").startswith("[")
    for command, name in (("score", "s.geojson"), ("compare", "s.gpkg"), ("list", "s.parquet"), ("crossings", "c.kml")):
        result = runner.invoke(cli, [command, "-o", str(tmp_path / name)])
        assert result.exit_code == 2, (command, result.output)
        assert "GIS files come from 'corridors export'" in result.output
        assert not (tmp_path / name).exists()


def test_progress_bar_shows_its_total_before_the_first_batch(monkeypatch):
    """The total counted from a GeoParquet file's metadata is drawn at once on a terminal, not with
    the first batch."""
    import io

    from corridors.cli.options import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with ProgressBar(None, True) as bar:
        bar.expect(6029)
        assert "0/6029" in terminal.getvalue()
