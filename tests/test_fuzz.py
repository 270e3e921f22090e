"""Standing fuzz suite: generated records, GeoJSON, OSM XML and argument lists through the CLI.

Every run must end with exit status 0, or 2 and exactly one ``corridors: error:`` line; never a
traceback, never another status, and within a bounded time. The profile comes from
``$HYPOTHESIS_PROFILE``: ``ci`` (default, about a minute, derandomized) or ``long`` (thousands of
examples, minutes to hours; see docs/guarantees.md).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from xml.sax.saxutils import quoteattr

import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from corridors.cli.main import cli

#: Longest a single generated run may take, s (the slowest legitimate run here scores one corridor).
MAX_RUN_S = 60.0


def check_run(args: list[str], cwd: Path | None = None) -> object:
    """Run the CLI in-process and assert the error contract; the result for further checks."""
    start = time.perf_counter()
    runner = CliRunner()
    if cwd is not None:
        import os

        old = os.getcwd()
        os.chdir(cwd)
    try:
        result = runner.invoke(cli, args)
    finally:
        if cwd is not None:
            os.chdir(old)
    elapsed = time.perf_counter() - start
    assert elapsed < MAX_RUN_S, (args, elapsed)
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (args, repr(exc), result.output)
    assert result.exit_code in (0, 2), (args, result.exit_code, result.output)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("corridors: error: ")]
        assert len(errors) == 1 and errors == lines[-1:], (args, result.stderr)
        assert all(line.startswith(("corridors: note:", "corridors: warning:")) for line in lines[:-1])
    return result


# ----------------------------------------------------------------------------------- strategies

hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "[x](javascript:alert(1))",
            "ok\n# heading\n![i](http://evil.example/i.png)",
            "\x1b]0;title\x07\x1b[2J",
            "\x00\x07\x1b",
            "Mo\u0308nchgladbach",
            "tapi\n",
            "<script>alert(1)</script>",
            "$\\frac$",
            "",
            " ",
            "\u202e",
            "\ufeff",
        ]
    ),
)
numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1e-320, 5e-324, 1e308, -1.0, 300, 1814.0]),
)
scalars = st.one_of(hostile_text, numbers, st.booleans(), st.none(), st.dates())
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3), max_leaves=8
)
lons = st.one_of(st.floats(60, 80), numbers)
lats = st.one_of(st.floats(25, 40), numbers)
waypoint = st.one_of(
    st.fixed_dictionaries({"name": hostile_text, "lon": lons, "lat": lats}),
    st.sampled_from(["Kabul", "Peshawar", "Quetta", "Nowhere-at-all"]).map(lambda p: {"place": p}),
    values,
)
figure = st.one_of(
    st.fixed_dictionaries({"value": st.one_of(numbers, hostile_text, values), "source": hostile_text}),
    st.fixed_dictionaries(
        {"value": numbers, "source": st.just("s"), "alternatives": st.one_of(values, st.lists(values, max_size=2))}
    ),
    values,
)
record = st.fixed_dictionaries(
    {
        "id": st.one_of(st.just("fuzz-route"), hostile_text),
        "name": hostile_text,
        "kind": st.sampled_from(["road", "rail", "pipeline", "boat"]),
        "status": st.sampled_from(["proposed", "operational", "imaginary"]),
        "waypoints": st.one_of(st.lists(waypoint, min_size=0, max_size=4), values),
        "sources": st.one_of(st.just([{"title": "fuzz"}]), values),
    },
    optional={
        "countries": st.one_of(st.just(["AFG", "PAK"]), values),
        "summary": hostile_text,
        "published": st.one_of(
            st.fixed_dictionaries({"length_km": figure}),
            st.fixed_dictionaries({"facts": st.lists(figure, max_size=2)}),
            st.fixed_dictionaries({"country_length_km": st.dictionaries(st.sampled_from(["AFG", "PAK", "x"]), figure)}),
            values,
        ),
        "variants": st.one_of(
            values, st.lists(st.dictionaries(st.sampled_from(["id", "name", "waypoints", "continues"]), values))
        ),
        "alignment": st.sampled_from(["geodesic", "osm", "warp"]),
    },
)


def _dump_yaml(data: object) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return json.dumps(str(data))


@given(records=st.lists(record, min_size=1, max_size=2), command=st.sampled_from(["list", "show"]))
def test_generated_yaml_records(tmp_path_factory, records, command):
    path = tmp_path_factory.mktemp("fuzz") / "records.yaml"
    path.write_text(_dump_yaml(records), encoding="utf-8", errors="surrogatepass")
    if command == "list":
        check_run(["list", "--catalog", str(path), "--format", "json"])
    else:
        for fmt in ("json", "markdown", "text"):
            result = check_run(["show", "fuzz-route", "--catalog", str(path), "--format", fmt])
            if result.exit_code == 0 and fmt == "text":
                assert "\x1b" not in result.stdout


coordinate = st.one_of(st.lists(st.one_of(lons, lats), min_size=0, max_size=3), values)
geometry = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["LineString", "MultiLineString", "Point"]),
            "coordinates": st.lists(coordinate, max_size=4),
        }
    ),
    values,
)
feature = st.fixed_dictionaries(
    {"type": st.just("Feature"), "geometry": geometry},
    optional={
        "properties": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": hostile_text,
                    "name": hostile_text,
                    "countries": values,
                    "kind": hostile_text,
                    "description": hostile_text,
                },
            ),
            values,
        )
    },
)


@given(features=st.lists(feature, min_size=0, max_size=3), raw=st.booleans())
def test_generated_geojson(tmp_path_factory, features, raw):
    path = tmp_path_factory.mktemp("fuzz") / "routes.geojson"
    text = json.dumps({"type": "FeatureCollection", "features": features}, default=str)
    if raw:  # also through json's NaN/Infinity spellings and a cut file
        text = text[: len(text) * 2 // 3]
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = check_run(["list", "--catalog", str(path), "--format", "json"])
    if result.exit_code == 0:
        ids = [row["id"] for row in json.loads(result.stdout) if row["source"].startswith("user file")]
        if ids:
            check_run(["show", ids[0], "--catalog", str(path), "--format", "json"])


osm_coord = st.one_of(
    st.floats(33.9, 34.1).map(lambda v: f"{v:.5f}"),
    st.sampled_from(["inf", "-inf", "nan", "95", "-181", "", "1e400", "x"]),
)
osm_node = st.tuples(st.integers(1, 6), osm_coord, osm_coord)
osm_way = st.tuples(
    st.lists(st.integers(1, 7), min_size=0, max_size=5),
    st.dictionaries(st.sampled_from(["highway", "railway", "name", "oneway"]), hostile_text, max_size=3),
)


def _osm_xml(nodes: list, ways: list) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for nid, lat, lon in nodes:
        lines.append(f'<node id="{nid}" lat={quoteattr(lat)} lon={quoteattr(str(73.0 + len(lon) / 100))}/>')
    for i, (refs, tags) in enumerate(ways):
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        body += "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append(f'<way id="{100 + i}">{body}</way>')
    return "\n".join([*lines, "</osm>"])


@given(
    nodes=st.lists(osm_node, max_size=6),
    ways=st.lists(osm_way, max_size=3),
    suffix=st.sampled_from([".osm", ".osm.gz", ".osm.bz2"]),
)
def test_generated_osm_xml(tmp_path_factory, nodes, ways, suffix):
    import bz2
    import gzip

    folder = tmp_path_factory.mktemp("fuzz")
    raw = _osm_xml(nodes, ways).encode("utf-8", "surrogatepass")
    data = {".osm": raw, ".osm.gz": gzip.compress(raw, mtime=0), ".osm.bz2": bz2.compress(raw)}[suffix]
    path = folder / f"extract{suffix}"
    path.write_bytes(data)
    check_run(["export", "--network", "--osm", str(path), "-o", str(folder / "net.geojson")])


_COMMANDS = {
    "list": [],
    "show": ["tapi", "karakoram-highway", "nope"],
    "score": ["tapi", "nope"],
    "compare": ["tapi", "wakhan-corridor"],
    "crossings": ["tapi"],
    "route": ["Kabul", "Peshawar", "Quetta", "Nowhere"],
    "export": ["tapi"],
    "check": [],
}
_OPTIONS = {
    "--format": ["table", "csv", "json", "markdown", "text", "geojson", "kml", "gpkg", "yaml", ""],
    "--tolerance-km": ["0", "3", "nan", "inf", "-1", "1e400", "x", ""],
    "--weight": ["crossing=2", "crossing=nan", "detour=inf", "speed=1", "crossing", "=", ""],
    "-k": ["1", "3", "0", "-1", str(10**30), "nan", ""],
    "--via": ["Kabul", "Nowhere", ""],
    "--avoid": ["AFG", "Narnia", ""],
    "--kind": ["road", "rail", "any", "boat"],
    "-o": ["out.csv", "out.geojson", "out.kml", "out.graphml", "-", ""],
    "--catalog": ["", "missing.yaml", "."],
    "--network": [],
    "--bogus": [],
}
cli_args = st.tuples(
    st.sampled_from(sorted(_COMMANDS)),
    st.lists(
        st.sampled_from(sorted(_OPTIONS)).flatmap(
            lambda o: st.tuples(st.just(o), st.sampled_from(_OPTIONS[o] or [None]))
        ),
        max_size=3,
    ),
    st.lists(
        st.one_of(
            st.sampled_from([a for v in _COMMANDS.values() for a in v]),
            st.text(alphabet="abcdefz-0123456789 ", max_size=8),
        ),
        max_size=2,
    ),
)


@given(parts=cli_args)
def test_generated_argument_lists(tmp_path_factory, parts):
    command, options, positional = parts
    args = [command, *positional]
    for name, value in options:
        args += [name] if value is None else [name, value]
    check_run(args, cwd=tmp_path_factory.mktemp("fuzz"))  # outputs land in a fresh folder
