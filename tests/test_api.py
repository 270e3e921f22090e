"""The public API as a notebook user meets it: names, GeoDataFrames, records, routes and plans.

Reference numbers come from published sources cited per line, or from an independent pyproj Geod.
"""

from __future__ import annotations

import inspect

import geopandas
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

import corridors
from corridors import CorridorsError, PlaceError, geodata, tables

WGS84 = Geod(ellps="WGS84")
PUBLIC = ("score", "load_catalog", "crossings_gdf", "route", "plan", "records_of")

# Published positions (lat, lon)
KHUNJERAB = (36.850, 75.428)  # en.wikipedia.org/wiki/Karakoram_Highway via corridor-facts.md §2
TORKHAM = (34.115, 71.085)  # corridor-facts.md, "Other places" (stated)
QUETTA = (30.183, 67.000)  # en.wikipedia.org/wiki/Quetta: 30°11′N 67°00′E
CHAMAN = (30.917, 66.450)  # en.wikipedia.org/wiki/Chaman: 30°55′N 66°27′E
PESHAWAR = (34.017, 71.583)  # en.wikipedia.org/wiki/Peshawar: 34°01′N 71°35′E
KABUL = (34.53, 69.17)  # corridor-facts.md, "Other places"


def geodesic_km(a, b) -> float:
    return WGS84.inv(a[1], a[0], b[1], b[0])[2] / 1000.0


@pytest.fixture(scope="module")
def catalog():
    return corridors.load_catalog()


@pytest.fixture(scope="module")
def scores(catalog):
    return corridors.score(catalog)


# ----------------------------------------------------------------------------------- the names


def test_dir_lists_the_public_names():
    names = dir(corridors)
    for name in (*PUBLIC, "settings", "CorridorsError", "PlaceError"):
        assert name in names
    assert not any(n.startswith("_") and n != "__version__" for n in names)


def test_public_names_import_as_functions():
    from corridors import crossings_gdf, load_catalog, plan, records_of, route, score

    for fn in (score, load_catalog, crossings_gdf, route, plan, records_of):
        assert inspect.isfunction(fn)
        assert fn.__doc__
    assert inspect.ismodule(corridors.settings) and corridors.settings.DENSIFY_KM > 0
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = corridors.no_such_name


# ------------------------------------------------------------------------------- catalog frame


def test_catalog_frame_is_one_row_per_corridor_indexed_by_id(catalog):
    gdf = catalog.to_gdf()
    assert isinstance(gdf, geopandas.GeoDataFrame)
    assert gdf.crs.to_epsg() == 4326
    assert gdf.index.name == "id" and gdf.index.is_unique
    assert gdf.index.tolist() == list(catalog)
    assert str(gdf["published_km"].dtype) == "Float64"
    assert gdf["waypoints"].dtype == np.int64
    assert set(gdf.geom_type) == {"LineString"}
    kkh = catalog["karakoram-highway"]
    assert gdf.loc["karakoram-highway", "waypoints"] == len(kkh.waypoints)
    assert shapely.get_coordinates(gdf.loc["karakoram-highway", "geometry"]).tolist() == [
        [w.lon, w.lat] for w in kkh.waypoints
    ]
    # en.wikipedia.org/wiki/Karakoram_Highway: 1,300 km
    assert gdf.loc["karakoram-highway", "published_km"] == 1300


# --------------------------------------------------------------------------------- score frame


def test_score_frame_shape(scores, catalog):
    assert isinstance(scores, geopandas.GeoDataFrame) and scores.crs.to_epsg() == 4326
    assert scores.index.tolist() == list(catalog) and scores.index.name == "id"
    assert scores["crossings"].dtype == np.int64 and scores["rank"].dtype == np.int64
    assert sorted(scores["rank"]) == list(range(1, len(catalog) + 1))


def test_length_is_the_sum_of_the_per_country_columns(scores):
    km = scores.filter(regex=r"^km_([A-Z]{3}|sea)$")  # km_<ISO3>; km_<area id> and km_<ISO 3166-2> are apart
    assert {"km_PAK", "km_AFG", "km_CHN"} <= set(km.columns)
    assert np.allclose(km.sum(axis=1), scores["length_km"], rtol=1e-6, atol=1e-6)


def test_geometry_geodesic_length_is_length_km(scores):
    measured = np.array([WGS84.geometry_length(g) for g in scores.geometry]) / 1000.0
    assert np.allclose(measured, scores["length_km"], rtol=1e-6)


def test_karakoram_highway_against_its_published_split(scores):
    # en.wikipedia.org/wiki/Karakoram_Highway: Pakistan 887 km, China 413 km. The geodesic model is
    # close to the published Chinese length and shorter than the winding Pakistani road.
    row = scores.loc["karakoram-highway"]
    assert row["countries"] == "PAK > CHN" and row["crossings"] == 1
    assert row["km_CHN"] == pytest.approx(413, rel=0.02)
    assert 0.8 * 887 < row["km_PAK"] < 887


def test_score_geometry_follows_the_requested_densify_spacing(catalog):
    frame = corridors.score(catalog.select(["karakoram-highway"]), densify_km=5.0)
    xy = shapely.get_coordinates(frame.geometry.iloc[0])
    gaps_km = WGS84.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[2] / 1000.0
    assert gaps_km.max() <= 5.0 + 1e-9


# ------------------------------------------------------------------------------------ records


def test_records_follow_filtered_and_sorted_rows(scores):
    picked = scores[scores["crossings"] >= 2].sort_values("length_km", ascending=False)
    assert len(picked) >= 3
    records = corridors.records_of(picked)
    assert [r.corridor.id for r in records] == picked.index.tolist()
    assert [r.length_km for r in records] == picked["length_km"].tolist()
    assert [len(r.crossings) for r in records] == picked["crossings"].tolist()
    flipped = scores.iloc[::-1].head(4)
    assert [r.corridor.id for r in corridors.records_of(flipped)] == flipped.index.tolist()


def test_records_of_a_frame_not_from_score_is_an_error(scores, catalog):
    with pytest.raises(CorridorsError, match=r"corridors\.score\(\)"):
        corridors.records_of(catalog.to_gdf())
    with pytest.raises(CorridorsError, match=r"corridors\.score\(\)"):
        corridors.records_of(geopandas.GeoDataFrame(geometry=[shapely.Point(67, 30)]))
    with pytest.raises(CorridorsError, match="'renamed'"):
        corridors.records_of(scores.rename(index={"tapi": "renamed"}))


def test_user_frame_in_web_mercator_scores_as_in_lonlat():
    lonlat = geopandas.GeoDataFrame(
        {"name": ["Quetta–Chaman", "Peshawar–Torkham–Kabul"]},
        geometry=[
            shapely.LineString([QUETTA[::-1], CHAMAN[::-1]]),
            shapely.LineString([PESHAWAR[::-1], TORKHAM[::-1], KABUL[::-1]]),
        ],
        index=pd.Index(["quetta-chaman", "peshawar-kabul"]),
        crs="EPSG:4326",
    )
    a = corridors.score(lonlat)
    b = corridors.score(lonlat.to_crs("EPSG:3857"))
    assert a.index.tolist() == b.index.tolist() == ["quetta-chaman", "peshawar-kabul"]
    assert a["name"].tolist() == ["Quetta–Chaman", "Peshawar–Torkham–Kabul"]
    expected = [geodesic_km(QUETTA, CHAMAN), geodesic_km(PESHAWAR, TORKHAM) + geodesic_km(TORKHAM, KABUL)]
    assert np.allclose(a["length_km"], expected, rtol=1e-6)
    assert np.allclose(b["length_km"], expected, rtol=1e-6)
    km_a, km_b = a.filter(regex="^km_[A-Z]{3}$"), b.filter(regex="^km_[A-Z]{3}$")
    assert km_a.columns.tolist() == km_b.columns.tolist() == ["km_AFG", "km_PAK"]
    assert np.allclose(km_a, km_b, rtol=1e-6, atol=1e-6)
    assert a["countries"].tolist() == b["countries"].tolist() == ["PAK", "PAK > AFG"]


def test_crossings_of_the_karakoram_highway(scores):
    points = corridors.crossings_gdf(scores.loc[["karakoram-highway"]])
    assert isinstance(points, geopandas.GeoDataFrame) and points.crs.to_epsg() == 4326
    assert len(points) == 1
    row = points.iloc[0]
    assert (row["corridor"], row["number"], row["from_country"], row["to_country"], row["nearest_named"]) == (
        "karakoram-highway",
        1,
        "PAK",
        "CHN",
        "Khunjerab Pass",
    )
    km_to_pass = geodesic_km((row.geometry.y, row.geometry.x), KHUNJERAB)
    assert km_to_pass < 5.0
    assert row["named_distance_km"] == pytest.approx(km_to_pass, abs=1e-6)
    # the crossing lies where the Pakistani stretch ends
    assert row["at_km"] == pytest.approx(scores.loc["karakoram-highway", "km_PAK"], rel=1e-9)


# ---------------------------------------------------------------------------- route and plan


def test_route_peshawar_kabul():
    frame = corridors.route("Peshawar", "Kabul")
    assert isinstance(frame, geopandas.GeoDataFrame) and len(frame) == 1
    row = frame.iloc[0]
    assert row["route"] == 1 and row["countries"] == "PAK > AFG" and row["crossings"] == 1
    assert "Torkham" in row["path"]
    direct = geodesic_km(PESHAWAR, KABUL)
    assert direct < row["length_km"] < 1.3 * direct
    assert WGS84.geometry_length(row.geometry) / 1000.0 == pytest.approx(row["length_km"], rel=1e-6)
    (crossing,) = corridors.crossings_gdf(frame).itertuples()
    assert crossing.nearest_named == "Torkham"


def test_plan_quetta_chaman_by_road():
    frame = corridors.plan("Quetta", "Chaman", kind="road")
    assert len(frame) == 1 and "cost_km" in frame.columns
    row = frame.iloc[0]
    assert row["countries"] == "PAK"
    direct = geodesic_km(QUETTA, CHAMAN)  # about 97 km
    assert direct < row["length_km"] < 2 * direct
    # every km costs at least one km-equivalent (cell factor ≥ 1, corridors.costs)
    assert row["cost_km"] >= 0.99 * row["length_km"]
    assert corridors.records_of(frame)[0].corridor.id == frame.index[0]


# ------------------------------------------------------------------------ countries and cells


def test_resolve_countries_by_name_and_code():
    assert geodata.resolve_countries("Pakistan,Iran") == ("PAK", "IRN")
    assert geodata.resolve_countries(["afghanistan", " pak , Pakistan"]) == ("AFG", "PAK")


def test_an_unknown_country_names_the_field_and_the_value():
    with pytest.raises(PlaceError, match=r"^avoid: 'Narnia' is not a country"):
        geodata.resolve_countries("Pakistan,Narnia")
    with pytest.raises(PlaceError, match=r"^via_countries: 'Pakistn'.*did you mean PAK\b"):
        geodata.resolve_countries("Pakistn", field="via_countries")


@pytest.mark.parametrize(
    ("value", "text"),
    [(1201.94, "1,201.9"), (0.5, "0.500"), (4897, "4,897"), (None, ""), (True, "yes"), (False, "no"), ("PAK", "PAK")],
)
def test_cell_formats(value, text):
    assert tables.cell(value) == text


def test_cell_formats_numpy_scalars_read_from_a_frame():
    assert tables.cell(np.int64(4897)) == "4,897"
    assert tables.cell(np.bool_(True)) == "yes"
