"""Streaming OSM import (pyosmium): PBF and large XML into the same graph as osmnx.graph_from_xml.

The PBF files are written here with ``osmium.SimpleWriter`` from the synthetic XML extracts of
``fixtures/synthetic_network.py`` and ``benchmarks/bench_network.py``; no network.
"""

from __future__ import annotations

import bz2
import gzip
import sys
from pathlib import Path

import networkx as nx
import osmium
import osmnx as ox
import pytest
from click.testing import CliRunner
from fixtures.synthetic_network import install, write_osm

from corridors import osm, settings
from corridors._errors import CatalogError
from corridors.cli.main import cli

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import bench_network


def to_pbf(xml: Path, pbf: Path) -> Path:
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(xml)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
    return pbf


def canonical(G: nx.MultiDiGraph):
    """Nodes and edges with every attribute; list values as sorted lists (OSMnx keeps a set's order)."""

    def value(v):
        return sorted(map(str, v)) if isinstance(v, list) else v.wkt if hasattr(v, "wkt") else v

    nodes = sorted((n, sorted((k, value(v)) for k, v in d.items())) for n, d in G.nodes(data=True))
    edges = sorted((u, v, sorted((k, value(x)) for k, x in d.items())) for u, v, d in G.edges(data=True))
    return nodes, edges


@pytest.fixture
def fixture_xml(monkeypatch, tmp_path):
    install(monkeypatch)
    return write_osm(tmp_path / "grid.osm")


def test_pbf_gives_the_graph_osmnx_gives_for_the_xml(fixture_xml, tmp_path):
    pbf = to_pbf(fixture_xml, tmp_path / "grid.osm.pbf")
    expected, streamed = osm.load_osm(fixture_xml), osm.load_osm(pbf)
    ox.convert.validate_graph(streamed, strict=True)
    assert canonical(streamed) == canonical(expected)
    assert streamed.graph["crs"] == "EPSG:4326" and streamed.graph["name"] == "OSM extract grid.osm.pbf"


@pytest.mark.parametrize("suffix", [".osm", ".osm.gz", ".osm.bz2"])
def test_large_xml_is_streamed_to_the_same_graph(fixture_xml, tmp_path, monkeypatch, suffix):
    expected = osm.load_osm(fixture_xml)
    data = fixture_xml.read_bytes()
    path = tmp_path / f"big{suffix}"
    path.write_bytes(
        gzip.compress(data) if suffix == ".osm.gz" else bz2.compress(data) if suffix == ".osm.bz2" else data
    )
    monkeypatch.setattr(settings, "OSM_STREAM_MIN_BYTES", 1)
    calls = []
    monkeypatch.setattr(ox, "graph_from_xml", lambda *a, **k: calls.append(a))
    streamed = osm.load_osm(path)
    assert not calls
    assert canonical(streamed) == canonical(expected)


def test_generated_street_grid_matches_osmnx(tmp_path):
    """One-way rows (some reversed), shape nodes, railways: the benchmark's extract, small."""
    xml = tmp_path / "streets.osm"
    bench_network.write_extract(xml, 4000, 3)
    expected = osm.load_osm(xml)
    streamed = osm.load_osm(to_pbf(xml, tmp_path / "streets.osm.pbf"))
    ox.convert.validate_graph(streamed, strict=True)
    assert canonical(streamed) == canonical(expected)
    assert {k for *_, k in streamed.edges(data="kind")} == {"road", "rail"}


def _write_pbf(path: Path, nodes, ways) -> Path:
    with osmium.SimpleWriter(str(path)) as writer:
        for i, lon, lat in nodes:
            writer.add_node(osmium.osm.mutable.Node(id=i, location=osmium.osm.Location(lon, lat)))
        for i, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=i, nodes=refs, tags=tags))
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.osm.pbf", b"", "empty file"),
        ("junk.osm.pbf", b"\x00\x01not a pbf at all", "not a readable OSM file"),
        ("junk.pbf", b"\x00\x00\x00\x0d\n\tOSMHeader", "not a readable OSM file"),
        ("extract.txt", b"<osm/>", "not an OSM file name"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CatalogError, match=message) as err:
        osm.load_osm(path)
    assert str(err.value).startswith(f"{path}: ") and "\n" not in str(err.value)
    result = CliRunner().invoke(cli, ["route", "Quetta", "Kalat", "--osm", str(path)], catch_exceptions=False)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"corridors: error: {path}: ") and result.stderr.count("\n") == 1


def test_truncated_pbf(fixture_xml, tmp_path):
    pbf = to_pbf(fixture_xml, tmp_path / "grid.osm.pbf")
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(pbf.read_bytes()[: pbf.stat().st_size * 2 // 3])
    with pytest.raises(CatalogError, match=r"cut.osm.pbf: not a readable OSM file: .+"):
        osm.load_osm(cut)


@pytest.mark.parametrize("lat", [95.0, -91.0])
def test_nodes_off_the_globe(tmp_path, lat):
    path = _write_pbf(
        tmp_path / "bad.osm.pbf",
        [(1, 61.0, 30.5), (2, 61.1, lat), (3, 61.2, 30.5)],
        [(10, [1, 2, 3], {"highway": "primary"})],
    )
    with pytest.raises(CatalogError, match=r"bad.osm.pbf: 1 node\(s\) with invalid coordinates, first OSM node 2"):
        osm.load_osm(path)


def test_infinite_coordinates_in_streamed_xml(tmp_path, monkeypatch):
    path = tmp_path / "inf.osm"
    path.write_text(
        '<osm version="0.6"><node id="1" lat="30.5" lon="61.0"/><node id="2" lat="inf" lon="61.1"/>'
        '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way></osm>'
    )
    monkeypatch.setattr(settings, "OSM_STREAM_MIN_BYTES", 1)
    with pytest.raises(CatalogError, match=r"inf.osm: (not a readable OSM file|1 node\(s\) with invalid)"):
        osm.load_osm(path)


def test_pbf_without_roads(tmp_path):
    path = _write_pbf(
        tmp_path / "houses.osm.pbf", [(1, 61.0, 30.5), (2, 61.1, 30.5)], [(10, [1, 2], {"building": "yes"})]
    )
    with pytest.raises(CatalogError, match=r"houses\.osm\.pbf: holds no highway or railway ways"):
        osm.load_osm(path)
