"""Catalog loading and validation: good records, user GeoJSON, and every kind of bad input."""

from __future__ import annotations

import json
import re
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
    # an unknown ISO3 code was read, and showed only in 'corridors check'
    (RECORD.replace("countries: [PAK]", "countries: [XXX]"), r"countries\[0\]: 'XXX' is not a country of the region"),
    (
        RECORD.replace("published:", "narrowest_between: [PAK, QQQ]\npublished:"),
        r"narrowest_between\[1\]: 'QQQ' is not a country of the region \(one of AFG, .*PAK",
    ),
    (RECORD.replace("kind: road", "kind: road\0"), r"bad\.yaml: line 3, column 11: character '\\x00' is not allowed"),
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


LINE = '{"type": "LineString", "coordinates": [[67.0, 30.18], [66.45, 30.92]]}'
NAME_NOT_TEXT = r"bad\.geojson: geometry\.properties\.name: \{'a': 1\} is not a text or number"
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
    # property types (were: the repr as name, 'none' as id, any properties accepted)
    (f'{{"type": "Feature", "properties": {{"name": {{"a": 1}}}}, "geometry": {LINE}}}', NAME_NOT_TEXT),
    (
        f'{{"type": "Feature", "properties": "x", "geometry": {LINE}}}',
        r"geometry\.properties: 'x' is not a mapping of properties \(or null\)",
    ),
    (f'{{"type": "Feature", "id": [1], "properties": {{}}, "geometry": {LINE}}}', r"geometry\.id: \[1\] is not a"),
    (f'{{"type": "Feature", "properties": {{"id": true}}, "geometry": {LINE}}}', r"properties\.id: True is not a"),
    (
        f'{{"type": "Feature", "properties": {{"countries": ["PAK", "XXX"]}}, "geometry": {LINE}}}',
        r"bad\.geojson: geometry\.properties\.countries\[1\]: 'XXX' is not a country of the region",
    ),
    (
        f'{{"type": "Feature", "properties": {{"name": "a", "name": "b"}}, "geometry": {LINE}}}',
        r"^\S*bad\.geojson: duplicate key 'name' in a JSON object$",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_GEOJSON)
def test_bad_geojson(tmp_path, text, message):
    path = write(tmp_path, "bad.geojson", text)
    with pytest.raises(CatalogError, match=message) as info:
        read_geojson(path)
    assert "\n" not in str(info.value)


def test_geojson_nulls_are_absent_and_a_bom_is_skipped(tmp_path):
    """``"id": null, "name": null`` gave id and name 'none'; a UTF-8 BOM was "Unexpected UTF-8 BOM"."""
    feature = {"type": "Feature", "properties": {"id": None, "name": None, "note": "x"}, "geometry": json.loads(LINE)}
    path = tmp_path / "Windows export.geojson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"type": "FeatureCollection", "features": [feature]}).encode())
    (route,) = read_geojson(path)
    assert (route.id, route.name, route.properties) == ("windows-export", "windows-export", {"note": "x"})
    feature["id"] = 7  # a GeoJSON feature id may be a number
    path.write_text(json.dumps(feature), encoding="utf-8")
    assert read_geojson(path)[0].id == "7"


def test_geoparquet_and_frames_get_the_text_checks_of_geojson(tmp_path):
    import geopandas
    import shapely

    from corridors.catalog import corridors_from_gdf

    frame = geopandas.GeoDataFrame(
        {"id": ["a", "b"], "name": ["fine", "\x1b[31mred"], "countries": [["PAK"], ["PAK", "XXX"]]},
        geometry=[shapely.LineString([(67.0, 30.18), (66.45, 30.92)])] * 2,
        crs="EPSG:4326",
    )
    frame.to_parquet(tmp_path / "routes.parquet")
    # the escape was read from .parquet (not from .geojson or .yaml); the country was not checked
    with pytest.raises(CatalogError, match=r"routes\.parquet: row\[1\]\.name: '\\x1b\[31mred' holds the control"):
        load_catalog([tmp_path / "routes.parquet"])
    with pytest.raises(CatalogError, match=r"GeoDataFrame: row\[1\]\.name: '\\x1b\[31mred' holds the control"):
        corridors_from_gdf(frame)
    frame["name"] = ["fine", "Mo\u0308nchgladbach"]  # NFC-normalised, as from GeoJSON
    with pytest.raises(CatalogError, match=r"row\[1\]\.properties\.countries\[1\]: 'XXX' is not a country"):
        corridors_from_gdf(frame)
    frame["countries"] = [["PAK"], ["PAK"]]
    frame.geometry = [shapely.LineString([(67.0, 30.18), (66.45, 30.92)]), shapely.Point(67, 30)]  # per-row path
    with pytest.raises(CatalogError, match=r"row\[1\]\.geometry\.type: 'Point'"):
        corridors_from_gdf(frame)
    frame.geometry = [shapely.LineString([(67.0, 30.18), (66.45, 30.92)])] * 2
    assert corridors_from_gdf(frame)[1].name == "M\u00f6nchgladbach"


def test_routes_read_from_arrays_are_those_of_the_per_feature_checks(tmp_path, monkeypatch):
    """GeoParquet batches (Arrow arrays), frames and GeoJSON LineStrings checked at once give the corridors
    of the per-vertex, per-property path (`_line_coords`, `plain_data`), which names problems."""
    import geopandas
    import shapely

    from corridors import catalog
    from corridors.catalog import corridors_from_gdf, iter_catalog

    frame = geopandas.GeoDataFrame(
        {
            "id": ["Kabul Road", None, "c"],
            "name": ["Mo\u0308nchgladbach", "b", None],
            "lanes": [2, 4, 6],
            "paved": [True, False, True],
            "status": ["proposed", None, "operating"],
            "kind": ["road", "rail", None],
        },
        geometry=[
            shapely.LineString([(67.0, 30.18), (67.0, 30.18), (66.45, 30.92)]),  # a repeated vertex
            shapely.MultiLineString([[(68.0, 31.0), (68.5, 31.5)], [(68.5, 31.5), (69.0, 31.25)]]),
            shapely.LineString([(70, 33), (71, 34)]),
        ],
        crs="EPSG:4326",
    )
    frame.to_parquet(tmp_path / "r.parquet")
    frame.iloc[[0, 2]].to_file(tmp_path / "r.geojson", driver="GeoJSON")  # LineStrings only: read in one array

    def read() -> list:
        return [
            [c for part in iter_catalog([tmp_path / "r.parquet"], chunk_routes=2, include_seeds=False) for c in part],
            list(load_catalog([tmp_path / "r.parquet"], include_seeds=False).values()),
            list(load_catalog([tmp_path / "r.geojson"], include_seeds=False).values()),
            corridors_from_gdf(frame),
        ]

    fast = read()
    first = fast[0][0]
    assert (first.id, first.name, first.status, first.kind) == ("kabul-road", "M\u00f6nchgladbach", "proposed", "road")
    assert first.properties == {"lanes": 2, "paved": True} and first.coords == ((67.0, 30.18), (66.45, 30.92))
    assert fast[0][1].coords == ((68.0, 31.0), (68.5, 31.5), (69.0, 31.25)) and fast[0][1].id == "1"  # the row index
    assert fast[1] == fast[0] and [(c.id, c.properties) for c in fast[2]] == [
        ("kabul-road", {"lanes": 2, "paved": True}),
        ("c", {"lanes": 6, "paved": True}),
    ]
    for name in ("_frame_coords", "_line_features_coords"):  # every row through the per-feature checks
        monkeypatch.setattr(catalog, name, lambda *_: None)
    assert read() == fast


def test_missing_catalog_path(tmp_path):
    with pytest.raises(CatalogError, match=r"no such catalog file"):
        load_catalog([tmp_path / "nope.yaml"])


# A route across Balochistan and Khyber Pakhtunkhwa (lon, lat); written below in other CRSs by pyproj itself.
ROUTE_LONLAT = [(66.99, 30.18), (68.2, 31.9), (69.2, 34.5), (71.5, 34.0)]


def _collection(coords: list, crs: str | None = None, multi: bool = False) -> dict:
    geometry = (
        {"type": "MultiLineString", "coordinates": [coords]} if multi else {"type": "LineString", "coordinates": coords}
    )
    data: dict = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"id": "r"}, "geometry": geometry}],
    }
    if crs is not None:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return data


@pytest.mark.parametrize("fast", [True, False], ids=["one-array", "per-feature"])
def test_geojson_crs_member_is_honoured(tmp_path, monkeypatch, fast):
    """A GeoJSON 2008 ``crs`` member was ignored: metres were read as degrees (and refused as such)."""
    from pyproj import Geod, Transformer

    from corridors import catalog, score

    if not fast:  # every feature through `_line_coords`, as a MultiLineString or a bad position sends it
        monkeypatch.setattr(catalog, "_line_features_coords", lambda *_: None)
    files = {"lonlat": _collection([list(p) for p in ROUTE_LONLAT])}
    for name, crs in (("web-mercator", "urn:ogc:def:crs:EPSG::3857"), ("utm-42n", "EPSG:32642")):
        to_crs = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        xy = [list(to_crs.transform(lon, lat)) for lon, lat in ROUTE_LONLAT]
        files[name] = _collection(xy, crs)
        files[f"{name}-multi"] = _collection(xy, crs, multi=True)
    files["crs84"] = _collection([list(p) for p in ROUTE_LONLAT], "urn:ogc:def:crs:OGC:1.3:CRS84")
    files["epsg4326"] = _collection([list(p) for p in ROUTE_LONLAT], "EPSG:4326")
    files["epsg4326-versioned"] = _collection(
        [list(p) for p in ROUTE_LONLAT], "urn:ogc:def:crs:EPSG:6.6:4326"
    )  # pyproj's
    lon, lat = zip(*ROUTE_LONLAT, strict=True)
    reference_km = Geod(ellps="WGS84").line_length(lon, lat) / 1000.0  # 1,063 km, measured by pyproj alone
    for name, data in files.items():
        path = tmp_path / f"{name}.geojson"
        path.write_text(json.dumps(data))
        (route,) = read_geojson(path)
        flat = [x for point in route.coords for x in point]
        assert flat == pytest.approx([x for point in ROUTE_LONLAT for x in point], abs=1e-9), name  # 0.1 mm
        length_km = float(score(load_catalog([path], include_seeds=False))["length_km"].iloc[0])
        assert length_km == pytest.approx(reference_km, rel=1e-6), name


def test_geojson_crs_positions_outside_are_named_in_lonlat(tmp_path):
    """A projected position that lands outside the region is named with the lon/lat it was reprojected to."""
    data = _collection([[7457292.69, 3526708.21], [0.0, 0.0]], "EPSG:3857")
    path = write(tmp_path, "m.geojson", json.dumps(data))
    only = (
        r"features\[0\]\.geometry\.coordinates\[1\]: lon 0\.0, lat 0\.0 lies outside the covered region [^;]*"
        r" \(positions read in the file's crs 'EPSG:3857'; are they in it\?\)$"
    )
    with pytest.raises(CatalogError, match=rf"^{re.escape(str(path))}: {only}"):  # position 0 (metres) is fine
        read_geojson(path)
