"""The shipped reference layers in geodata/, read independently (pyogrio, rasterio) and checked
against known facts: who holds which town, spot heights, the Wakhan corridor's width, and the
integrity of the build (no duplicated border edges, checksums matching sources.json)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from pyproj import CRS, Geod, Transformer

from corridors.settings import REGION_BOUNDS

GEODATA = Path(__file__).resolve().parent.parent / "geodata"
COUNTRIES = GEODATA / "countries.gpkg"
PLACES = GEODATA / "places.gpkg"
DEM = GEODATA / "elevation.tif"


@pytest.fixture(scope="module")
def countries() -> dict[str, shapely.Geometry]:
    frame = pyogrio.read_dataframe(COUNTRIES, layer="countries")
    assert frame.iso_a3.is_unique
    return dict(zip(frame.iso_a3, frame.geometry, strict=True))


@pytest.fixture(scope="module")
def borders():
    return pyogrio.read_dataframe(COUNTRIES, layer="borders")


def holder(countries: dict, lat: float, lon: float) -> list[str]:
    return [iso for iso, geom in countries.items() if shapely.contains_xy(geom, lon, lat)]


def elevation(lat: float, lon: float) -> int:
    with rasterio.open(DEM) as ds:
        return int(next(ds.sample([(lon, lat)]))[0])


# --- countries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("place", "lat", "lon", "iso"),
    [
        ("Quetta", 30.183, 67.0, "PAK"),
        ("Spin Boldak", 31.005, 66.400, "AFG"),
        ("Chaman", 30.921, 66.452, "PAK"),
        ("Kashgar", 39.470, 75.990, "CHN"),
        ("Kabul", 34.53, 69.17, "AFG"),
        ("Dushanbe", 38.536, 68.779, "TJK"),
    ],
)
def test_town_lies_in_country(countries, place, lat, lon, iso):
    assert holder(countries, lat, lon) == [iso], place


def test_countries_layer_schema(countries):
    info = pyogrio.read_info(COUNTRIES, layer="countries")
    assert info["crs"] == "EPSG:4326"
    assert info["geometry_type"] == "MultiPolygon"
    assert list(info["fields"]) == ["iso_a3", "name"]
    assert list(countries) == sorted(countries)
    assert {"AFG", "PAK", "IRN", "CHN", "IND", "TJK", "TKM", "UZB", "KGZ", "KAS"} <= set(countries)
    attrs = pyogrio.read_dataframe(COUNTRIES, layer="countries", read_geometry=False)
    names = dict(zip(attrs.iso_a3, attrs.name, strict=True))
    assert names["CHN"] == "China"
    assert names["KAS"] == "Siachen Glacier"
    bounds = shapely.total_bounds(np.array(list(countries.values())))
    assert tuple(bounds) == pytest.approx(REGION_BOUNDS)
    assert all(shapely.is_valid(g) for g in countries.values())


def test_tjk_pak_gap_across_wakhan_is_16_to_17_km(countries):
    aeqd = CRS.from_proj4("+proj=aeqd +lat_0=36.8 +lon_0=72.1 +datum=WGS84 +units=m +no_defs")
    fwd = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True)
    back = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)

    def project(geom):
        return shapely.transform(geom, lambda xy: np.column_stack(fwd.transform(xy[:, 0], xy[:, 1])))

    line = shapely.shortest_line(project(countries["TJK"]), project(countries["PAK"]))
    (x0, y0), (x1, y1) = shapely.get_coordinates(line)
    (lon0, lon1), (lat0, lat1) = back.transform([x0, x1], [y0, y1])
    km = Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)[2] / 1000.0
    assert 16.0 < km < 17.0
    # the gap is the Wakhan corridor: both ends near 36.7-36.9N, 72.0-72.2E, and the middle is Afghan
    assert 36.6 < lat0 < 36.9 and 36.6 < lat1 < 36.9
    assert 71.9 < lon0 < 72.3 and 71.9 < lon1 < 72.3
    assert holder(countries, (lat0 + lat1) / 2, (lon0 + lon1) / 2) == ["AFG"]


# --- borders --------------------------------------------------------------------------------------


def test_borders_schema_and_piece_size(borders):
    info = pyogrio.read_info(COUNTRIES, layer="borders")
    assert info["geometry_type"] == "LineString"
    assert list(info["fields"]) == ["kind", "left", "right"]
    assert set(borders.kind) == {"land", "coast"}
    assert shapely.get_num_coordinates(borders.geometry.values).max() <= 64
    land = borders.kind == "land"
    assert (borders.left[land] < borders.right[land]).all()
    assert ((borders.left[~land] != "") & (borders.right[~land] == "")).all()


def test_afg_pak_border_appears_once(countries, borders):
    pieces = borders[(borders.left == "AFG") & (borders.right == "PAK")].geometry.values
    common = shapely.intersection(countries["AFG"].boundary, countries["PAK"].boundary)
    assert common.length > 20.0  # degrees of linework: a real shared edge, not touching points
    assert shapely.length(pieces).sum() == pytest.approx(common.length, rel=0.01)


def test_no_edge_is_duplicated(borders):
    geoms = borders.geometry.values
    total = shapely.length(geoms).sum()
    assert shapely.union_all(geoms).length == pytest.approx(total, rel=1e-9)


def test_no_border_piece_lies_on_the_region_box(borders):
    edge = shapely.box(*REGION_BOUNDS).exterior
    overlap = shapely.length(shapely.intersection(borders.geometry.values, edge))
    assert overlap.max() < 1e-9


def test_every_country_boundary_is_covered_by_its_pieces(countries, borders):
    edge = shapely.box(*REGION_BOUNDS).exterior
    for iso, geom in countries.items():
        mine = borders[(borders.left == iso) | (borders.right == iso)].geometry.values
        expected = geom.boundary.length - shapely.intersection(geom.boundary, edge).length
        assert shapely.length(mine).sum() == pytest.approx(expected, rel=1e-6), iso


def test_basemap_is_a_small_valid_coverage(countries):
    frame = pyogrio.read_dataframe(COUNTRIES, layer="basemap")
    geoms = frame.geometry.values
    assert list(frame.iso_a3) == list(countries)
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)
    # tolerance 0.01 deg: about 40% fewer vertices than the full 1:10m detail
    assert shapely.get_num_coordinates(geoms).sum() < 0.7 * sum(
        shapely.get_num_coordinates(g) for g in countries.values()
    )


# --- elevation ------------------------------------------------------------------------------------


def test_dem_grid_is_the_region_at_30_arc_seconds():
    with rasterio.open(DEM) as ds:
        assert ds.shape == (2760, 4560)
        assert ds.dtypes == ("int16",)
        assert ds.crs.to_epsg() == 4326
        assert tuple(ds.bounds) == pytest.approx(REGION_BOUNDS, abs=1e-9)
        assert ds.res == pytest.approx((1 / 120, 1 / 120))
        assert ds.nodata is None
        assert "GLOBE" in ds.tags()["SOURCE"]


@pytest.mark.parametrize(
    ("place", "lat", "lon", "metres", "tolerance"),
    [
        ("Khunjerab Pass (published 4,693 m)", 36.850, 75.428, 4693, 250),
        ("Quetta", 30.183, 67.0, 1675, 100),
        ("Kabul", 34.53, 69.17, 1806, 100),
    ],
)
def test_dem_spot_heights(place, lat, lon, metres, tolerance):
    assert abs(elevation(lat, lon) - metres) <= tolerance, place


def test_dem_sea_is_zero():
    assert elevation(24.0, 62.0) == 0  # Arabian Sea off Gwadar


# --- places ---------------------------------------------------------------------------------------


def test_places_has_known_towns():
    frame = pyogrio.read_dataframe(PLACES, layer="places")
    assert list(frame.columns) == ["name", "admin1", "cc", "geometry"]
    rows = {(n, c) for n, c in zip(frame.name, frame.cc, strict=True)}
    assert ("Quetta", "PK") in rows
    assert ("Dushanbe", "TJ") in rows
    assert ("Kabul", "AF") in rows
    x, y = shapely.get_coordinates(frame.geometry.values).T
    w, s, e, n = REGION_BOUNDS
    assert ((x >= w) & (x <= e) & (y >= s) & (y <= n)).all()
    keys = list(zip(frame.cc, frame.name, y, x, strict=True))
    assert keys == sorted(keys)


# --- provenance -----------------------------------------------------------------------------------


def _content_sha256(path: Path, layer: str) -> str:
    """The recipe written in sources.json (content_sha256_recipe)."""
    frame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True).sort_index()
    cols = [c for c in frame.columns if c != "geometry"]
    h = hashlib.sha256()
    wkb = shapely.to_wkb(frame.geometry.values, output_dimension=2, byte_order=1, flavor="iso")
    for values, blob in zip(frame[cols].itertuples(index=False, name=None), wkb, strict=True):
        h.update(json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode())
        h.update(b"\n")
        h.update(blob)
    return h.hexdigest()


def test_sources_json_lists_every_file_with_its_checksum():
    meta = json.loads((GEODATA / "sources.json").read_text(encoding="utf-8"))
    present = {p.name for p in GEODATA.iterdir() if p.is_file() and p.name != "sources.json"}
    assert present == set(meta["files"])
    for name, info in meta["files"].items():
        data = (GEODATA / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"], name
        assert len(data) == info["bytes"], name
        for layer, linfo in info.get("layers", {}).items():
            assert _content_sha256(GEODATA / name, layer) == linfo["content_sha256"], (name, layer)
            assert pyogrio.read_info(GEODATA / name, layer=layer)["features"] == linfo["rows"]
    assert meta["region"]["bounds"] == list(REGION_BOUNDS)
    licences = {k: v["licence"] for k, v in meta["inputs"].items()}
    assert "CC BY 4.0" in licences["geonames"]
    assert "ublic domain" in licences["natural_earth"] and "ublic domain" in licences["globe"]
    for inp in meta["inputs"].values():
        assert inp["url"].startswith("https://")
        assert len(inp["archive_sha256"]) == 64 and inp["members"]
