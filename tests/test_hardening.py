"""Guarantees on bad input, concurrent use and output files (docs/guarantees.md names these tests)."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from corridors import settings
from corridors._errors import CatalogError, DataError, OutputError, SettingsError
from corridors.cli.main import cli
from corridors.io import (
    atomic_write,
    atomic_write_tree,
    read_cache,
    read_npy_cache,
    strip_terminal_controls,
    track_inputs,
    write_cache,
    xml_safe,
)

RECORD = """\
id: {id}
name: {name}
kind: road
status: proposed
countries: [AFG, PAK]
summary: {summary}
waypoints:
  - {{name: Kabul, lon: 69.18, lat: 34.53}}
  - {{name: Peshawar, lon: 71.57, lat: 34.01}}
sources:
  - {{title: test}}
"""


def record(tmp_path: Path, id: str = "mine", name: str = "Mine", summary: str = "ok", file: str = "a.yaml") -> Path:
    path = tmp_path / file
    path.write_text(RECORD.format(id=id, name=json.dumps(name), summary=json.dumps(summary)), encoding="utf-8")
    return path


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def one_error_line(result) -> str:
    """The single ``corridors: error:`` line of a failed run (and nothing else on stderr)."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("corridors: error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


# ------------------------------------------------------------------------------- output files


def test_output_to_a_symlink_writes_through_to_its_target(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("stale\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    result = invoke("list", "--format", "csv", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("id,name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_output_to_a_fifo_is_a_stream_and_the_fifo_stays(tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, "a,b\n1,2\n")
    reader.join(10)
    assert got == [b"a,b\n1,2\n"]
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_output_dash_is_standard_output():
    result = invoke("list", "--format", "csv", "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("id,name")


def test_a_writer_function_streams_to_a_fifo(tmp_path):
    fifo = tmp_path / "out.bin"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    atomic_write(fifo, lambda tmp: tmp.write_bytes(b"\x00\x01"))
    reader.join(10)
    assert got == [b"\x00\x01"]


def test_output_onto_an_input_of_the_same_run_is_refused(tmp_path):
    catalog = record(tmp_path)
    before = catalog.read_bytes()
    line = one_error_line(invoke("list", "--catalog", str(catalog), "-o", str(catalog), "--format", "csv"))
    assert "is also an input of this run" in line
    link = tmp_path / "alias.yaml"
    link.symlink_to(catalog)
    one_error_line(invoke("list", "--catalog", str(catalog), "-o", str(link), "--format", "csv"))
    assert catalog.read_bytes() == before
    with track_inputs():  # outside a run nothing is tracked; inside, an OSM input is protected too
        from corridors._validate import check_regular_file

        check_regular_file(catalog)
        with pytest.raises(OutputError, match="input of this run"):
            atomic_write_tree(tmp_path, {"a.yaml": "x"})
    atomic_write(tmp_path / "b.txt", "fine outside a run")


def test_an_output_folder_or_an_empty_name_is_refused(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        atomic_write(tmp_path, "x")
    with pytest.raises(OutputError, match="empty"):
        atomic_write(" ", "x")


def test_multi_file_output_is_replaced_as_a_unit(tmp_path):
    atomic_write_tree(tmp_path, {"r_files/a.png": b"A", "r_files/old.png": b"O", "r.md": "one"})
    written = atomic_write_tree(tmp_path, {"r_files/a.png": b"B", "r.md": "two"})
    assert written == [tmp_path / "r_files/a.png", tmp_path / "r.md"]
    assert sorted(p.name for p in (tmp_path / "r_files").iterdir()) == [".corridors-output", "a.png"]  # no stale figure
    assert (tmp_path / "r.md").read_text() == "two" and (tmp_path / "r_files/a.png").read_bytes() == b"B"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md", "r_files"]  # no scratch left


def test_a_folder_of_the_users_is_never_replaced(tmp_path):
    """`report -o brief.md` writes brief_files/ whole; a brief_files/ the user made (holding, say,
    the catalog of this very run) must survive: only empty folders or folders corridors marked go."""
    mine = tmp_path / "brief_files"
    mine.mkdir()
    (mine / "mine.geojson").write_text("{}", encoding="utf-8")
    with pytest.raises(OutputError, match="was not written by corridors"):
        atomic_write_tree(tmp_path, {"brief_files/a.png": b"A", "brief.md": "one"})
    assert (mine / "mine.geojson").read_text(encoding="utf-8") == "{}" and not (tmp_path / "brief.md").exists()
    # through the CLI, with that file as the run's catalog: one line, exit 2, nothing lost
    catalog = mine / "mine.geojson"
    catalog.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "g1", "name": "G1"}, '
        '"geometry": {"type": "LineString", "coordinates": [[66.99, 30.18], [65.71, 31.61]]}}]}',
        encoding="utf-8",
    )
    before = catalog.read_bytes()
    line = one_error_line(invoke("report", "g1", "--catalog", str(catalog), "-o", str(tmp_path / "brief.md")))
    assert "brief_files" in line
    assert catalog.read_bytes() == before
    # an empty folder, or one corridors wrote, is replaced
    empty = tmp_path / "e_files"
    empty.mkdir()
    atomic_write_tree(tmp_path, {"e_files/a.png": b"A", "e.md": "one"})
    atomic_write_tree(tmp_path, {"e_files/b.png": b"B", "e.md": "two"})
    assert sorted(p.name for p in empty.iterdir()) == [".corridors-output", "b.png"]


def test_multi_file_output_that_fails_leaves_the_previous_version(tmp_path, monkeypatch):
    atomic_write_tree(tmp_path, {"r_files/a.png": b"A", "r.md": "one"})
    real_rename = os.rename
    calls = []

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == 3:  # after the folder has been swapped, the main file fails
            raise OSError(28, "No space left on device")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", failing)
    with pytest.raises(OutputError, match="No space left"):
        atomic_write_tree(tmp_path, {"r_files/a.png": b"B", "r.md": "two"})
    monkeypatch.undo()
    assert (tmp_path / "r.md").read_text() == "one" and (tmp_path / "r_files/a.png").read_bytes() == b"A"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md", "r_files"]
    with pytest.raises(OutputError, match="relative path"):
        atomic_write_tree(tmp_path, {"../x": "no"})


def test_markdown_report_is_written_through_the_tree_writer(tmp_path, monkeypatch):
    from corridors.render import report

    seen = {}
    monkeypatch.setattr(report, "report_markdown", lambda scores, folder, **kw: ("# r\n", {"map.html": "<p>"}))
    monkeypatch.setattr(report, "records_of", lambda scores: scores)
    import corridors.io

    real = corridors.io.atomic_write_tree
    monkeypatch.setattr(corridors.io, "atomic_write_tree", lambda root, files: seen.update(files) or real(root, files))
    report.write_report([], tmp_path / "r.md")
    assert seen == {"r_files/map.html": "<p>", "r.md": "# r\n"}


_SLOW_WRITER = """
import signal, sys, time
from pathlib import Path
from corridors.cli.main import _on_sigterm
from corridors.io import atomic_write
signal.signal(signal.SIGTERM, _on_sigterm)
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal: CI may start us with SIGINT ignored
def slow(tmp):
    tmp.write_text("partial")
    print("ready", flush=True)
    time.sleep(60)
atomic_write(Path(sys.argv[1]) / "out.txt", slow)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_temporary_files_are_removed_when_a_run_is_killed(tmp_path, sig):
    command = [sys.executable, "-c", _SLOW_WRITER, str(tmp_path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        assert any(p.name.startswith(".out.txt.") for p in tmp_path.iterdir())  # the scratch folder exists
        proc.send_signal(sig)
        proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_sigterm_whose_exception_python_swallows_still_stops_the_run(tmp_path, monkeypatch):
    """The outside tester's 1-in-16 case: SIGTERM landing in a weakref callback, whose exception
    Python prints and ignores. The run must not replace its output afterwards, and exits 143."""
    import weakref

    from corridors.cli.main import _on_sigterm

    target = tmp_path / "keep.csv"
    target.write_text("before\n", encoding="utf-8")

    class Thing:
        pass

    def compare_but_signalled(*a, **k):
        thing = Thing()
        weakref.finalize(thing, _on_sigterm, signal.SIGTERM, None)  # raises inside a finalizer: swallowed
        del thing
        return real(*a, **k)

    import corridors.catalog

    real = corridors.catalog.load_catalog
    monkeypatch.setattr(corridors.catalog, "load_catalog", compare_but_signalled)
    result = invoke("score", "tapi", "--format", "csv", "-o", str(target))
    assert result.exit_code == 143
    assert target.read_text(encoding="utf-8") == "before\n"
    assert result.stderr.strip().splitlines()[-1] == f"corridors: error: {target}: not written: the run was terminated"


def test_the_cli_reports_an_interrupt_in_one_line(monkeypatch):
    import corridors.catalog

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(corridors.catalog, "load_catalog", interrupted)
    result = invoke("list")
    assert result.exit_code == 130 and result.stderr.strip() == "corridors: error: interrupted; no output was changed"


def _save(args):
    folder, i = args
    from corridors.catalog import load_catalog
    from corridors.planner import save_record

    corridor = dataclasses.replace(load_catalog()["wakhan-corridor"], id=f"plan-{i}", parent=None)
    save_record(corridor, Path(folder) / "plans.yaml")
    return i


def test_concurrent_plan_saves_all_survive(tmp_path):
    with multiprocessing.get_context("fork").Pool(8) as pool:
        assert sorted(pool.map(_save, [(str(tmp_path), i) for i in range(8)])) == list(range(8))
    from corridors.catalog import load_catalog

    catalog = load_catalog([tmp_path / "plans.yaml"], include_seeds=False)
    assert sorted(catalog) == [f"plan-{i}" for i in range(8)]


# ------------------------------------------------------------------------------------- limits


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path):
    start = time.perf_counter()
    line = one_error_line(invoke("list", "--catalog", "tests/corpus/yaml-alias-bomb.yaml"))
    assert "MAX_YAML_NODES" in line and time.perf_counter() - start < 10


def test_too_many_aliases_and_features_are_refused(tmp_path, monkeypatch):
    from corridors._validate import parse_yaml

    monkeypatch.setattr(settings, "MAX_YAML_ALIASES", 2)
    with pytest.raises(CatalogError, match="MAX_YAML_ALIASES"):
        parse_yaml("a: &x 1\nb: [*x, *x, *x]\n", "f.yaml")
    monkeypatch.setattr(settings, "MAX_FEATURES", 1)
    path = tmp_path / "two.geojson"
    line = {"type": "LineString", "coordinates": [[69.18, 34.53], [71.57, 34.01]]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": line}] * 2}))
    assert "MAX_FEATURES" in one_error_line(invoke("list", "--catalog", str(path)))
    monkeypatch.setattr(settings, "MAX_FEATURES", 10)
    monkeypatch.setattr(settings, "MAX_VERTICES", 3)
    assert "MAX_VERTICES" in one_error_line(invoke("list", "--catalog", str(path)))


def _route_files(tmp_path: Path, name: str, notes: str) -> list[Path]:
    """The same route as GeoJSON, GeoParquet and a YAML record, with ``name`` and a ``notes`` text."""
    import geopandas
    import shapely

    line = [[69.18, 34.53], [71.57, 34.01]]
    feature = {"type": "Feature", "properties": {"id": "r", "name": name, "notes": notes}}
    geojson = tmp_path / "r.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{**feature, "geometry": {"type": "LineString", "coordinates": line}}],
            }
        )
    )
    parquet = tmp_path / "r.parquet"
    frame = geopandas.GeoDataFrame(
        {"id": ["a", "b"], "name": ["fine", name], "notes": ["fine", notes]},
        geometry=[shapely.LineString(line)] * 2,
        crs="EPSG:4326",
    )
    frame.to_parquet(parquet)
    return [geojson, parquet, record(tmp_path, name=name, summary=notes, file="r.yaml")]


def test_a_text_longer_than_max_text_chars_is_refused_by_its_length(tmp_path, monkeypatch):
    """A name of 5 million characters was read and copied into every output; now one line gives its length."""
    long = "x" * 5_000_000
    geojson, parquet, yaml_file = _route_files(tmp_path, long, "a note")
    expected = {
        geojson: "features[0].properties.name",
        parquet: "row[1].name",
        yaml_file: "name",
    }
    for path, field in expected.items():
        for command in (["score", "--format", "csv", "--no-progress"], ["list"]):  # the streamed and whole readers
            line = one_error_line(invoke(*command, "--catalog", str(path)))
            assert line == (
                f"corridors: error: {path}: {field}: a text of 5,000,000 characters is longer than the limit of "
                "100,000 (MAX_TEXT_CHARS); shorten it, or raise CORRIDORS_MAX_TEXT_CHARS"
            ), line
    import geopandas

    from corridors.catalog import corridors_from_gdf, iter_catalog, load_catalog

    with pytest.raises(CatalogError, match=r"^GeoDataFrame: row\[1\]\.name: a text of 5,000,000 characters"):
        corridors_from_gdf(geopandas.read_parquet(parquet))
    # the limit is on each text: a value of exactly MAX_TEXT_CHARS passes, one more does not (notes, keys too)
    monkeypatch.setattr(settings, "MAX_TEXT_CHARS", 20)  # "FeatureCollection" is 17
    for path in _route_files(tmp_path, "twenty characters!!!", "a note"):
        assert load_catalog([path], include_seeds=False)
    fields = ("features[0].properties.notes", "row[1].notes", "summary")
    for path, field in zip(_route_files(tmp_path, "name", "twenty-one characters"), fields, strict=True):
        message = rf"^{re.escape(str(path))}: {re.escape(field)}: a text of 21 characters is longer"
        with pytest.raises(CatalogError, match=message):
            [c for part in iter_catalog([path], chunk_routes=1, include_seeds=False) for c in part]
    key = tmp_path / "key.geojson"
    key.write_text(json.dumps({"type": "Feature", "properties": {"k" * 21: 1}, "geometry": None}))
    with pytest.raises(CatalogError, match=r"properties\.k{21}: a text of 21 characters"):
        load_catalog([key], include_seeds=False)
    monkeypatch.setenv("CORRIDORS_MAX_TEXT_CHARS", "21")
    assert load_catalog([path], include_seeds=False)


def test_limits_are_overridable_by_the_environment(tmp_path, monkeypatch):
    from corridors._validate import read_input

    path = record(tmp_path)
    monkeypatch.setenv("CORRIDORS_MAX_INPUT_BYTES", "100")
    with pytest.raises(CatalogError, match="MAX_INPUT_BYTES"):
        read_input(path)
    monkeypatch.setenv("CORRIDORS_MAX_INPUT_BYTES", "1_000_000")
    assert read_input(path).startswith("id: mine")
    monkeypatch.setenv("CORRIDORS_MAX_INPUT_BYTES", "lots")
    with pytest.raises(SettingsError, match="CORRIDORS_MAX_INPUT_BYTES: 'lots'"):
        settings.limit("MAX_INPUT_BYTES")


def test_inputs_that_are_not_regular_files_are_refused(tmp_path):
    fifo = tmp_path / "x.yaml"
    os.mkfifo(fifo)
    assert "is a FIFO" in one_error_line(invoke("list", "--catalog", str(fifo)))
    # /dev/zero is only stat()-ed, never opened
    assert "must be a regular file" in one_error_line(invoke("list", "--catalog", "/dev/zero"))
    # --osm said "no such OSM file" of both
    osm_fifo = tmp_path / "x.osm"
    os.mkfifo(osm_fifo)
    assert "x.osm: is a FIFO, not a regular file" in one_error_line(invoke("route", "A", "B", "--osm", str(osm_fifo)))
    assert "x.yaml: is a FIFO, not a regular file" in one_error_line(invoke("route", "A", "B", "--osm", str(fifo)))
    line = one_error_line(invoke("route", "A", "B", "--osm", "/dev/zero"))
    assert line.endswith("/dev/zero: is a device, not a regular file; the OSM file must be a regular file")


def test_a_catalog_folder_without_records_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("not a record")
    line = one_error_line(invoke("list", "--catalog", str(tmp_path)))
    assert (
        line == f"corridors: error: {tmp_path}: folder holds no corridor files (.yaml, .yml, .geojson, .json, .parquet)"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["score", "tapi"],
        ["list", "--format", "csv"],
        ["crossings", "tapi"],
        ["export", "tapi"],
        ["map", "tapi"],
        ["profile", "tapi"],
        ["plan", "Kabul", "Peshawar"],
    ],
)
def test_an_empty_output_name_is_an_error_everywhere(args):
    """``-o ''`` wrote to standard output (score, list) or saved nothing (plan)."""
    result = invoke(*args, "-o", "")
    line = one_error_line(result)
    assert "the output file name is empty; name a file, or '-' for standard output" in line
    assert result.stdout == ""


def test_empty_paths_are_errors_not_the_current_folder(tmp_path):
    assert "catalog path is empty" in one_error_line(invoke("list", "--catalog", ""))
    for env, folder in (("CORRIDORS_CACHE", settings.cache_dir), ("CORRIDORS_SEEDS", settings.seeds_dir)):
        os.environ[env] = " "
        try:
            with pytest.raises(SettingsError, match=f"{env} is set but empty"):
                folder()
        finally:
            del os.environ[env]
    assert "CORRIDORS_SEEDS is set but empty" in one_error_line(invoke("list", env={"CORRIDORS_SEEDS": ""}))
    out = tmp_path / "p.png"  # a fresh process: the DEM is not yet cached in memory
    done = subprocess.run(
        [sys.executable, "-c", "from corridors.cli.main import main; main()", "profile", "wakhan-corridor", "-o", out],
        env={**os.environ, "CORRIDORS_CACHE": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        "corridors: error: CORRIDORS_CACHE is set but empty; unset it or name a folder"
    ]
    assert not out.exists()


def test_memory_error_becomes_one_line_suggesting_to_split(monkeypatch):
    import corridors.catalog

    def exhausted(*a, **k):
        raise MemoryError

    monkeypatch.setattr(corridors.catalog, "load_catalog", exhausted)
    assert "split the input" in one_error_line(invoke("list"))


def test_osm_limits_stream_the_decompressed_bytes(tmp_path, monkeypatch):
    import gzip

    from corridors._validate import check_osm_file

    path = tmp_path / "x.osm.gz"
    path.write_bytes(gzip.compress(b"<osm>" + b"<node/>" * 1000 + b"</osm>"))
    check_osm_file(path)
    monkeypatch.setattr(settings, "MAX_OSM_BYTES", 1000)
    with pytest.raises(CatalogError, match="MAX_OSM_BYTES"):
        check_osm_file(path)


# --------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "args",
    [
        ["score", "--tolerance-km", "nan"],
        ["score", "--tolerance-km", "inf"],
        ["compare", "--weight", "crossing=nan"],
        ["compare", "--weight", "crossing=1e400"],
        ["route", "Kabul", "Peshawar", "-k", str(10**30)],
        ["plan", "Kabul", "Peshawar", "--crossing-penalty", "nan"],
        ["profile", "tapi", "-o", "x.png", "--spacing-km", "-inf"],
        ["list", "--no-such-option"],
        ["no-such-command"],
        ["show"],
        ["list", "--format", "yaml"],
    ],
)
def test_bad_cli_values_are_one_line_and_exit_2(args):
    line = one_error_line(invoke(*args))
    assert "Usage:" not in line


LONLAT_LINE = {"type": "LineString", "coordinates": [[69.18, 34.53], [71.57, 34.01]]}


@pytest.mark.parametrize(
    ("member", "shown"),
    [
        (
            {"type": "name", "properties": {"name": "EPSG:999999"}},
            "crs: 'EPSG:999999' is not a geographic or projected",
        ),
        ({"type": "name", "properties": {"name": "not a crs"}}, "crs: 'not a crs' is not a geographic or projected"),
        ({"type": "name", "properties": {"name": "EPSG:5773"}}, "crs: 'EPSG:5773' is not a geographic or projected"),
        ({"type": "link", "properties": {"href": "http://x/crs"}}, "crs: {'type': 'link', 'properties': {'href': "),
        ("EPSG:3857", "crs: 'EPSG:3857' is not a named CRS such as"),
        ({"type": "name", "properties": {"name": 3857}}, "crs: {'type': 'name', 'properties': {'name': 3857}} is not"),
    ],
    ids=["unknown-code", "not-a-name", "vertical", "link", "bare-text", "number"],
)
def test_a_bad_geojson_crs_member_is_one_line(tmp_path, member, shown):
    """A crs member was ignored whatever it held; one it cannot honour is now refused, naming file, field and value."""
    path = tmp_path / "routes.geojson"
    feature = {"type": "Feature", "properties": {}, "geometry": LONLAT_LINE}
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": member, "features": [feature]}))
    for command in (["score", "--format", "csv", "--no-progress"], ["list"]):
        line = one_error_line(invoke(*command, "--catalog", str(path)))
        assert line.startswith(f"corridors: error: {path}: {shown}"), line


def test_a_crs_member_on_a_feature_is_refused(tmp_path):
    """GeoJSON 2008 allowed a crs per feature; it would be read as lon/lat silently, so it is refused."""
    path = tmp_path / "routes.geojson"
    crs = {"type": "name", "properties": {"name": "EPSG:32642"}}
    features = [{"type": "Feature", "properties": {}, "geometry": LONLAT_LINE}] * 2
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [*features, {**features[0], "crs": crs}]}))
    line = one_error_line(invoke("list", "--catalog", str(path)))
    assert line.startswith(f"corridors: error: {path}: features[2].crs: {crs!r} is not read; name one CRS"), line


def test_positions_outside_after_a_crs_member_say_in_which_crs_they_were_read(tmp_path):
    """Lon/lat positions labelled EPSG:3857 land near 0°E 0°N: the message says which crs was applied."""
    path = tmp_path / "routes.geojson"
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    feature = {"type": "Feature", "properties": {}, "geometry": LONLAT_LINE}
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": [feature]}))
    line = one_error_line(invoke("list", "--catalog", str(path)))
    assert "lies outside the covered region" in line
    assert line.endswith("(positions read in the file's crs 'urn:ogc:def:crs:EPSG::3857'; are they in it?)"), line


def test_strings_are_nfc_normalised_and_ids_fullmatched(tmp_path):
    from corridors.catalog import load_catalog

    path = record(tmp_path, name="Mo\u0308nchgladbach")  # o + combining diaeresis
    assert load_catalog([path], include_seeds=False)["mine"].name == "M\u00f6nchgladbach"
    bad = record(tmp_path, id="tapi\\n", file="b.yaml")
    bad.write_text(bad.read_text().replace("id: tapi\\n", 'id: "tapi\\n"'))
    with pytest.raises(CatalogError, match=r"'tapi\\n' is not a lower-case id"):
        load_catalog([bad], include_seeds=False)


# ----------------------------------------------------------------------------------- escaping


def test_markdown_from_data_never_becomes_a_link_image_heading_or_html(tmp_path):
    import markdown

    from corridors.catalog import load_catalog
    from corridors.scoring import score_records
    from corridors.tables import corridor_text, render_table

    path = tmp_path / "md.yaml"
    path.write_text(Path("tests/corpus/yaml-markdown-injection.yaml").read_text())
    s = score_records(load_catalog([path], include_seeds=False)["md-injection"])[0]
    for text in (corridor_text(s, markdown=True), render_table([{"name": s.corridor.name, "n": 1}], "markdown")):
        page = markdown.markdown(text, extensions=["tables"])
        assert "<a " not in page and "<img" not in page and "<script" not in page
        assert "<h1>Injected" not in page and "javascript:alert(1)" in page  # shown, as text
    result = invoke("show", "md-injection", "--catalog", str(path), "--format", "markdown")
    assert result.exit_code == 0 and "\n# Injected" not in result.stdout


def test_terminal_output_strips_escape_sequences():
    from corridors.tables import render_table, terminal_text

    hostile = "a\x1b]0;title\x07b\x1b]52;c;Y2xpcA==\x07c\x1b[2Jd\x9b31me\x00\x07f"
    assert strip_terminal_controls(hostile) == terminal_text(hostile) == "abcdef"
    table = render_table([{"id": "x", "name": hostile}], "table", width=80)
    assert "\x1b" not in table and "\x07" not in table and "abcdef" in table


def test_xml_outputs_drop_characters_xml_forbids(tmp_path):
    import networkx as nx
    import osmnx as ox

    from corridors.export import write_features
    from corridors.osm import write_graphml

    G = nx.MultiDiGraph(crs="EPSG:4326", name="bad\x00name")
    G.add_node(1, x=69.0, y=34.0, name="A\x1bB")
    G.add_node(2, x=70.0, y=34.5)
    G.add_edge(1, 2, name=["N\x0b5", "ok"], length=1.0, highway="primary\ud800")
    path = write_graphml(G, tmp_path / "g.graphml")
    back = ox.load_graphml(path)
    assert back.nodes[1]["name"] == "AB" and back.graph["name"] == "badname"
    assert xml_safe("\ufffe<ok>\t") == "<ok>\t"
    import shapely

    features = [(shapely.LineString([(69, 34), (70, 34.5)]), {"id": "x", "name": "A\x00B\x1b", "n": 1})]
    kml = write_features(features, tmp_path / "x.kml", layer="routes")
    ET.parse(kml)  # well-formed


# ------------------------------------------------------------------------------------- caches


def test_cache_entries_carry_their_checksum_and_key(tmp_path):
    path = tmp_path / "c.npy"
    write_cache(path, b"payload", key="k1")
    assert read_cache(path, key="k1") == b"payload"
    assert read_cache(path, key="k2") is None  # foreign
    path.write_bytes(b"paylOad")
    assert read_cache(path, key="k1") is None  # damaged
    path.write_bytes(b"")
    assert read_npy_cache(path, key="k1") is None


def test_a_cache_entry_of_an_older_sidecar_is_hashed_once(tmp_path, monkeypatch):
    """A sidecar without the file's stat (older versions) is verified by its checksum, then stamped."""
    import hashlib
    import json

    path = tmp_path / "c.npy"
    write_cache(path, b"payload", key="k1")
    sidecar = tmp_path / "c.npy.json"
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({k: meta[k] for k in ("key", "blake2b", "bytes")}))
    hashed = []
    real = hashlib.file_digest
    monkeypatch.setattr(hashlib, "file_digest", lambda *a, **k: hashed.append(1) or real(*a, **k))
    assert read_cache(path, key="k1") == b"payload" and len(hashed) == 1
    assert json.loads(sidecar.read_text())["stat"] == meta["stat"]  # stamped: the same stat write_cache takes
    assert read_cache(path, key="k1") == b"payload" and len(hashed) == 1  # not hashed again
    path.write_bytes(b"paylOad")  # same size, new content: the stat changes, the checksum fails
    assert read_cache(path, key="k1") is None and len(hashed) == 2


def test_a_damaged_or_foreign_dem_cache_is_rebuilt(tmp_path, monkeypatch):
    from corridors import dem as dem_module
    from corridors.io import file_digest

    monkeypatch.setenv("CORRIDORS_CACHE", str(tmp_path))
    dem_module.dem.cache_clear()
    try:
        fresh = dem_module.dem()
        checksum = file_digest(dem_module.geodata.elevation_path())
        npy = tmp_path / "terrain" / f"dem-{checksum}.npy"
        for damage in (b"", np.zeros(3).tobytes()):
            npy.write_bytes(damage)
            dem_module.dem.cache_clear()
            again = dem_module.dem()
            assert again.shape == fresh.shape and np.array_equal(again.elevation_m, fresh.elevation_m)
        np.save(npy, np.zeros((2, 2), dtype=np.int16))  # valid .npy, wrong content, stale sidecar
        dem_module.dem.cache_clear()
        assert np.array_equal(dem_module.dem().elevation_m, fresh.elevation_m)
    finally:
        dem_module.dem.cache_clear()


def test_a_corrupt_cached_graphml_is_one_line(tmp_path, monkeypatch):
    from corridors import osm

    monkeypatch.setenv("CORRIDORS_CACHE", str(tmp_path))
    path = osm.osm_cache_path("m2")
    path.parent.mkdir(parents=True)
    path.write_text("<graphml><broken")
    with pytest.raises(DataError, match="damaged or was not written by corridors"):
        osm._osm_graph(str(path), 1)
    write_cache(path, "<graphml><broken", key=osm._GRAPHML_KEY)  # sealed, yet not GraphML
    with pytest.raises(DataError, match="cannot be read"):
        osm._osm_graph(str(path), 2)


@pytest.mark.parametrize(
    ("command", "limit", "suffix"),
    [("report", "MAX_REPORT_CORRIDORS", "html"), ("figure", "MAX_FIGURE_CORRIDORS", "png")],
)
def test_too_many_corridors_for_a_report_or_figure_are_refused_before_any_work(
    tmp_path, monkeypatch, command, limit, suffix
):
    """A report draws a figure per corridor, a figure places a label per corridor (the outside
    tester's 300-route figure ran for minutes): past the limit, one line."""
    monkeypatch.setenv(f"CORRIDORS_{limit}", "2")
    out = tmp_path / f"r.{suffix}"
    result = CliRunner().invoke(cli, [command, "tapi", "karakoram-highway", "wakhan-corridor", "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert result.output.count("\n") == 1 and "3 corridors" in result.output and limit in result.output


def test_a_deprecated_status_prints_one_notice_line(tmp_path):
    """Python hides DeprecationWarning outside __main__: a record with 'status: planned' printed nothing."""
    path = record(tmp_path)
    path.write_text(path.read_text().replace("status: proposed", "status: planned"))
    result = invoke("score", "mine", "--catalog", str(path), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stderr == f"corridors: warning: {path}: status: 'planned' is deprecated; use 'proposed'\n"
    with pytest.warns(DeprecationWarning, match="'planned' is deprecated"):  # the API still warns
        from corridors.catalog import read_yaml

        read_yaml(path)


def test_plan_help_shows_the_ranges_of_its_numbers():
    """``--crossing-penalty`` and ``--max-grade`` showed ``[x<=None]``."""
    result = invoke("plan", "--help")
    assert result.exit_code == 0 and "None" not in result.output
    assert f"[0<=x<={settings.MAX_CROSSING_PENALTY_KM}]" in result.output and "[0<x<=100]" in result.output
    assert "0<x<=100" in one_error_line(invoke("plan", "Kabul", "Peshawar", "--max-grade", "0"))
