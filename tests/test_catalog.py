"""Catalog loading and validation: good records, user GeoJSON, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corridors import CatalogError, UnknownCorridorError, load_catalog
from corridors.catalog import read_geojson, read_yaml

RECORD = """\
id: test-road
name: Test road
kind: road
status: proposed
countries: [PAK]
waypoints:
  - place: Quetta
  - {name: Kuchlak, lon: 66.97, lat: 30.40, source: test}
sources: [{title: test fixture}]
published:
  length_km: {value: 25, source: test fixture}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_catalog_has_the_design_corridors():
    catalog = load_catalog()
    for cid in (
        "wakhan-corridor",
        "karakoram-highway",
        "gwadar-cpec-western",
        "tapi",
        "iran-pakistan",
        "iran-pakistan-india",
    ):
        assert cid in catalog
    assert catalog["iran-pakistan-india"].parent == "iran-pakistan"
    # every published figure carries a source
    for corridor in catalog.values():
        assert corridor.sources
        figures = [
            corridor.published.length_km,
            *corridor.published.country_length_km.values(),
            *corridor.published.facts,
        ]
        assert all(f.source.strip() for f in figures if f is not None), corridor.id


def test_user_yaml_is_added_to_the_seeds(tmp_path):
    catalog = load_catalog([write(tmp_path, "mine.yaml", RECORD)])
    road = catalog["test-road"]
    assert road.waypoints[0].name == "Quetta"
    assert road.waypoints[1].lon == 66.97
    assert road.published.length_km.value == 25
    assert "tapi" in catalog


def test_unknown_id_suggests_near_ids():
    with pytest.raises(UnknownCorridorError, match=r"unknown corridor id 'tapj'.*did you mean tapi"):
        load_catalog()["tapj"]


def test_geojson_only_geometry_required(tmp_path):
    path = write(
        tmp_path,
        "my routes.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Route one"},
                        "geometry": {"type": "LineString", "coordinates": [[67.0, 30.18], [66.45, 30.92]]},
                    },
                    {
                        "type": "Feature",
                        "properties": {"id": "two"},
                        "geometry": {
                            "type": "MultiLineString",
                            "coordinates": [[[67.0, 30.18], [68, 31]], [[68, 31], [69, 32]]],
                        },
                    },
                ],
            }
        ),
    )
    routes = read_geojson(path)
    assert [r.id for r in routes] == ["my-routes-1", "two"]
    assert routes[0].name == "Route one"
    assert routes[1].coords == ((67.0, 30.18), (68.0, 31.0), (69.0, 32.0))


BAD_YAML = [
    ("id: [unclosed\n", r"bad\.yaml: line 2, column 1: .*expected ','"),
    (RECORD.replace("  - place: Quetta\n", ""), r"waypoints: 1 .*at least two waypoints"),
    (
        RECORD.replace("place: Quetta", "place: Quetaa"),
        r"waypoints\[0\]\.place: unknown place 'Quetaa'; did you mean 'Quetta'",
    ),
    (
        RECORD.replace("lon: 66.97, lat: 30.40", "lon: 30.40, lat: 66.97"),
        r"waypoints\[1\]: lon 30.4, lat 66.97 .*probably swapped",
    ),
    (
        RECORD.replace("lon: 66.97, lat: 30.40", "lon: 66.97, lat: 130.4"),
        r"waypoints\[1\]: lon 66.97, lat 130.4 is not a valid coordinate",
    ),
    (RECORD.replace("lon: 66.97", "lon: east"), r"waypoints\[1\]\.lon: 'east' is not a number"),
    (RECORD.replace("kind: road", "kind: canal"), r"kind: 'canal' is not one of road, rail"),
    (RECORD.replace("countries: [PAK]", "countries: [Pakistan]"), r"countries\[0\]: 'Pakistan' is not an ISO alpha-3"),
    (RECORD.replace("{value: 25, source: test fixture}", "{value: 25}"), r"published\.length_km\.source: None"),
    (RECORD.replace("sources: [{title: test fixture}]\n", ""), r"sources: None — a record needs"),
    ("- just\n- a list\n", r"bad\.yaml: \[0\]: str is not a mapping of fields"),
]


@pytest.mark.parametrize(("text", "message"), BAD_YAML)
def test_bad_yaml_gives_one_line_naming_file_field_value(tmp_path, text, message):
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(CatalogError, match=message) as info:
        read_yaml(path)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(str(path))


def test_duplicate_ids_are_rejected(tmp_path):
    a = write(tmp_path, "a.yaml", RECORD)
    b = write(tmp_path, "b.yaml", RECORD)
    with pytest.raises(CatalogError, match=r"b\.yaml: id: 'test-road' is already defined in .*a\.yaml"):
        load_catalog([a, b])
    with pytest.raises(CatalogError, match=r"id: 'tapi' is already defined"):
        load_catalog([write(tmp_path, "c.yaml", RECORD.replace("id: test-road", "id: tapi"))])


BAD_GEOJSON = [
    ('{"type": "FeatureCollection", "features": [', r"line 1, column \d+: not valid JSON"),
    ('{"type": "FeatureCollection", "features": []}', r"features: the collection is empty"),
    ('{"type": "Point", "coordinates": [67, 30]}', r"geometry\.type: 'Point' is not a LineString"),
    ('{"type": "Feature", "geometry": null, "properties": {}}', r"geometry: None is not a geometry \(empty geometry\)"),
    ('{"type": "LineString", "coordinates": []}', r"0 distinct position\(s\)"),
    ('{"type": "LineString", "coordinates": [[67, 30], [67, 30]]}', r"1 distinct position\(s\)"),
    (
        '{"type": "LineString", "coordinates": [[30.2, 67.0], [31, 68]]}',
        r"coordinates\[0\]: lon 30.2, lat 67.0 .*probably swapped",
    ),
    ('{"type": "LineString", "coordinates": [[67, "x"], [68, 31]]}', r"coordinates\[0\]\.lat: 'x' is not a number"),
    ("[1, 2]", r"top level: list is not a GeoJSON object"),
]


@pytest.mark.parametrize(("text", "message"), BAD_GEOJSON)
def test_bad_geojson(tmp_path, text, message):
    path = write(tmp_path, "bad.geojson", text)
    with pytest.raises(CatalogError, match=message) as info:
        read_geojson(path)
    assert "\n" not in str(info.value)


def test_missing_catalog_path(tmp_path):
    with pytest.raises(CatalogError, match=r"no such catalog file"):
        load_catalog([tmp_path / "nope.yaml"])
