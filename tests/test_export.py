"""GIS exports of corridors, routes and the network: round trips, determinism, atomic writes."""

from __future__ import annotations

import hashlib
import json

import networkx as nx
import numpy as np
import osmnx as ox
import pyogrio
import pytest
from click.testing import CliRunner
from fixtures.synthetic_network import corridors, install

from corridors import export, graph_search, network, routing
from corridors._errors import OutputError
from corridors.catalog import load_catalog
from corridors.cli.main import cli
from corridors.scoring import score_records as score
from corridors.tables import route_row


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def routes():
    G = network.build_network(load_catalog().values())
    return routing.find_routes(G, "Dushanbe", "Gwadar", k=3)


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".kml"])
def test_routes_round_trip_through_pyogrio(routes, tmp_path, suffix):
    rows = [route_row(r, i) for i, r in enumerate(routes.routes, 1)]
    features = export.score_features(
        [r.score for r in routes.routes],
        [{"route": row["route"], "corridors": row["corridors"]} for row in rows],
    )
    path = export.write_features(features, tmp_path / f"routes{suffix}", layer="routes")
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 3
    name_column = "Name" if suffix == ".kml" else "name"
    assert list(frame[name_column]) == [r.corridor.name for r in routes.routes]
    for geom, r in zip(frame.geometry, routes.routes, strict=True):
        got = np.asarray(geom.coords)[:, :2]
        want = np.asarray(r.corridor.coords)
        # the exported line is the scored line: the path's vertices, densified geodesically
        assert got[0] == pytest.approx(want[0], abs=1e-6) and got[-1] == pytest.approx(want[-1], abs=1e-6)
        assert len(got) >= len(want)
    # typed fields: KML is written by LIBKML with a <Schema>, so numbers read back as numbers
    assert list(frame["length_km"]) == pytest.approx([r.score.length_km for r in routes.routes], rel=1e-12)
    assert list(frame["corridors"]) == [" > ".join(r.corridors) for r in routes.routes]
    assert frame.crs.to_epsg() == 4326


def test_network_graphml_round_trips_through_osmnx(tmp_path, monkeypatch):
    install(monkeypatch)
    G = network.build_network(corridors())
    path = export.export_network(G, tmp_path / "net.graphml")
    H = ox.load_graphml(path)
    assert sorted(H.nodes) == sorted(G.nodes) and H.number_of_edges() == G.number_of_edges()
    for u, v, k, d in G.edges(keys=True, data=True):
        e = H.edges[u, v, k]
        assert e["length"] == pytest.approx(d["length"], rel=1e-12)
        assert e["corridor"] == d["corridor"] and e["kind"] == d["kind"] and e["oneway"] is d["oneway"]
        assert e["geometry"].equals_exact(d["geometry"], 1e-12)
    assert dict(H.nodes(data="name")) == dict(G.nodes(data="name"))
    assert H.graph["crs"] == "EPSG:4326"
    # networkx reads it too
    assert nx.read_graphml(path).number_of_nodes() == G.number_of_nodes()
    # the same routes on the reloaded graph
    router_g, router_h = graph_search.Router(G), graph_search.Router(H)
    for a in G.nodes:
        for b in G.nodes:
            if a != b:
                assert router_g.shortest_path(a, b) == router_h.shortest_path(a, b)


def test_network_geopackage_and_geojson(tmp_path, monkeypatch):
    install(monkeypatch)
    G = network.build_network(corridors())
    gpkg = export.export_network(G, tmp_path / "net.gpkg")
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert layers == {"nodes", "edges"}
    assert len(pyogrio.read_dataframe(gpkg, layer="nodes")) == G.number_of_nodes()
    # GeoJSON: one feature per undirected segment (the pipeline's one edge included) and per node
    data = json.loads(export.export_network(G, tmp_path / "net.geojson").read_text())
    kinds = [f["properties"]["type"] for f in data["features"]]
    assert kinds.count("edge") == len({d["osmid"] for *_, d in G.edges(data=True)}) == 9
    assert kinds.count("node") == G.number_of_nodes()
    edge = next(f for f in data["features"] if f["properties"].get("corridor") == "pipe")
    assert edge["properties"]["oneway"] is True and edge["geometry"]["coordinates"][0] == [62.5, 30.5]


def test_exports_are_byte_identical_across_runs(tmp_path):
    for suffix in ("geojson", "kml"):
        a, b = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        for path in (a, b):
            assert run("export", "--route", "Dushanbe", "Gwadar", "-k", "2", "-o", str(path)).exit_code == 0
        assert digest(a) == digest(b)
        c, d = tmp_path / f"c.{suffix}", tmp_path / f"d.{suffix}"
        for path in (c, d):
            assert run("export", "tapi", "karakoram-highway", "-o", str(path)).exit_code == 0
        assert digest(c) == digest(d)
    a, b = tmp_path / "a.graphml", tmp_path / "b.graphml"
    for path in (a, b):
        assert run("export", "--network", "-o", str(path)).exit_code == 0
    assert digest(a) == digest(b)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(  # no temporary files left behind
        [f"{x}.{s}" for s in ("geojson", "kml") for x in "abcd"] + ["a.graphml", "b.graphml"]
    )


def test_corridor_export_carries_the_scores(tmp_path):
    path = tmp_path / "two.geojson"
    result = run("export", "tapi", "karakoram-highway", "-o", str(path))
    assert result.exit_code == 0 and result.stderr == f"wrote {path}\n"
    data = json.loads(path.read_text())
    assert data["type"] == "FeatureCollection" and data["name"] == "corridors"
    props = {f["properties"]["id"]: f["properties"] for f in data["features"]}
    scores = {s.corridor.id: s for s in score(load_catalog().select(["tapi", "karakoram-highway"]))}
    for cid, s in scores.items():
        assert props[cid]["length_km"] == pytest.approx(s.length_km, rel=1e-12)
        assert props[cid]["countries"] == " > ".join(s.sequence)
    assert props["tapi"]["countries"] == "TKM > AFG > PAK > IND"
    line = next(f for f in data["features"] if f["properties"]["id"] == "tapi")["geometry"]
    assert line["type"] == "LineString" and all(len(str(x).split(".")[-1]) <= 6 for x in line["coordinates"][1])


def test_route_command_writes_gis_files(tmp_path):
    path = tmp_path / "r.kml"
    result = run("route", "Dushanbe", "Gwadar", "-k", "3", "-o", str(path))
    assert result.exit_code == 0
    text = path.read_text()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>') and text.count("<Placemark") == 3
    geojson = run("route", "Dushanbe", "Gwadar", "--format", "geojson")
    assert json.loads(geojson.stdout)["name"] == "routes"
    assert run("route", "Dushanbe", "Gwadar", "--format", "gpkg").exit_code == 2


def test_bad_exports_are_one_line_errors(tmp_path):
    missing = tmp_path / "no" / "x.geojson"
    result = run("export", "tapi", "-o", str(missing))
    assert result.exit_code == 2
    assert result.stderr == f"corridors: error: {missing}: output folder '{missing.parent}' does not exist\n"
    result = run("export", "tapi", "-o", str(tmp_path / "x.shp"))
    assert (
        result.exit_code == 2
        and "x.shp: GIS files are written as .geojson, .json, .gpkg, .kml or .graphml" in result.stderr
    )
    assert run("export", "tapi", "-o", str(tmp_path / "x.graphml")).exit_code == 2
    assert run("export", "tapi", "--network", "-o", str(tmp_path / "x.geojson")).exit_code == 2
    with pytest.raises(OutputError, match="GraphML holds a network"):
        export.write_features([], tmp_path / "x.graphml")
    assert not list(tmp_path.iterdir())


def test_kml_is_written_by_libkml_with_typed_fields_and_the_map_colours(tmp_path):
    import re

    from corridors.render import _style

    assert "LIBKML" in pyogrio.list_drivers()
    ids = ["tapi", "karakoram-highway", "chitral-peshawar-connector", "trans-afghan-railway"]
    path = tmp_path / "c.kml"
    assert run("export", *ids, "-o", str(path)).exit_code == 0
    text = path.read_text()
    assert '<SimpleField name="length_km" type="double"/>' in text
    assert '<SimpleField name="crossings" type="int"/>' in text
    placemarks = re.findall(r"<Placemark id=\"([^\"]+)\">.*?<color>([0-9a-f]{8})</color>", text, flags=re.S)
    colours = dict(placemarks)
    kinds = {c.id: c.kind for c in load_catalog().select(ids)}
    assert set(colours) == set(ids)
    for cid, colour in colours.items():
        kind = _style.kind_style(kinds[cid])
        # KML is aabbggrr: the pipeline's orange keeps its red byte last, the road's blue first
        assert colour == _style.kml_color(kind.color, kind.opacity), cid
    assert colours["tapi"].endswith("e6") and colours["karakoram-highway"][2:4] == "88"
    assert colours["chitral-peshawar-connector"] == _style.kml_color(_style.KINDS["connector"].color, 0.95)
    frame = pyogrio.read_dataframe(path)
    assert frame["length_km"].dtype.kind == "f" and frame["crossings"].dtype.kind == "i"
