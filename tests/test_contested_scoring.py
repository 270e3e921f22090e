"""Worldviews, km in contested areas and provinces, boundary classes and exposure weights.

The expected numbers are computed independently: the shipped polygons read with pyogrio, a plain
shapely intersection with the modeled line (the ``geometry`` of `corridors.score`), measured with
pyproj ``Geod.geometry_length``. Town coordinates are those of the towns' Wikipedia infoboxes
(consulted 2026-12-02).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas
import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod

from corridors import ValidationError, geodata, load_catalog, score
from corridors.cli.main import cli
from corridors.exposure import Exposure, apply_exposure, load_exposure, parse_exposure
from corridors.scoring import boundary_classes, crossings_gdf, records_of, score_records
from corridors.tables import cell

ROOT = Path(__file__).resolve().parent.parent
GEOD = Geod(ellps="WGS84")
# Muzaffarabad (34°22′N 73°28′E) and Srinagar (34°05′N 74°47′E), Wikipedia infoboxes
MUZAFFARABAD = (73.4711, 34.3700)
SRINAGAR = (74.7973, 34.0837)


def independent_km(line: shapely.Geometry, polygon: shapely.Geometry) -> float:
    """Plain shapely intersection of each segment of ``line`` with ``polygon``, geodesic km.

    Segment by segment, because intersecting the whole line dissolves stretches a route runs
    twice (the modeled KKH retraces 1 km near 36.30°N 74.61°E, which a route's length counts twice).
    """
    xy = shapely.get_coordinates(line)
    segments = shapely.linestrings(np.stack([xy[:-1], xy[1:]], axis=1))
    return sum(GEOD.geometry_length(g) for g in shapely.intersection(segments, polygon)) / 1000.0


@pytest.fixture(scope="module")
def kkh():
    return {v: score(load_catalog().select(["karakoram-highway"]), worldview=v) for v in geodata.VIEWS}


@pytest.fixture(scope="module")
def loc_route():
    line = shapely.LineString([MUZAFFARABAD, SRINAGAR])
    return geopandas.GeoDataFrame({"name": ["Muzaffarabad–Srinagar"]}, geometry=[line], index=["loc"], crs=4326)


def test_kkh_contested_km_matches_an_independent_intersection(kkh):
    frame = pyogrio.read_dataframe(ROOT / "geodata" / "contested.gpkg", layer="contested")
    gb = frame.geometry[frame["id"] == "gilgit-baltistan"].iloc[0]
    row = kkh["de-facto"].loc["karakoram-highway"]
    expected = independent_km(row.geometry, gb)
    assert 380 < expected < 430  # the issue: "about 400 km"
    assert row["km_gilgit-baltistan"] == pytest.approx(expected, abs=0.01)
    assert row["contested_km"] == pytest.approx(expected, abs=0.01)
    # the whole line at once, dissolved, agrees too: the route no longer retraces itself (the Dasu and
    # Aliabad spurs are off-line stops since issue 10), so no stretch is counted once instead of twice
    dissolved = GEOD.geometry_length(shapely.intersection(row.geometry, gb)) / 1000.0
    assert row["contested_km"] == pytest.approx(dissolved, abs=0.05)
    rec = records_of(kkh["de-facto"])[0]
    (area,) = rec.contested
    assert (area.id, area.administered_by, area.claimed_by) == ("gilgit-baltistan", "PAK", ("IND",))
    # the same km under every worldview: areas do not depend on the view
    for view in geodata.VIEWS:
        assert kkh[view].loc["karakoram-highway", "contested_km"] == pytest.approx(row["contested_km"])


@pytest.mark.parametrize(
    ("view", "sequence", "crossings"),
    [
        ("de-facto", "PAK > CHN", 1),
        ("IND", "PAK > IND > CHN", 2),
        ("PAK", "PAK > CHN", 1),
        ("CHN", "PAK > CHN", 1),
        ("AFG", "PAK > CHN", 1),
    ],
)
def test_kkh_crossings_under_each_worldview(kkh, view, sequence, crossings):
    row = kkh[view].loc["karakoram-highway"]
    assert (row["countries"], int(row["crossings"]), row["worldview"]) == (sequence, crossings, view)
    x = crossings_gdf(kkh[view])
    assert x["to_country"].iloc[-1] == "CHN" and x["nearest_named"].iloc[-1] == "Khunjerab Pass"
    if view == "IND":
        assert x["from_country"].tolist() == ["PAK", "IND"]
        assert x["boundary_class"].iloc[0] == "IND claim (no de facto boundary)"
        # km in IND under IND's view = the Gilgit-Baltistan km
        assert row["km_IND"] == pytest.approx(row["km_gilgit-baltistan"], abs=0.5)


def test_line_of_control_crossing_is_typed_and_vanishes_under_claimant_views(loc_route):
    de_facto = score(loc_route)
    assert de_facto.loc["loc", "countries"] == "PAK > IND"
    (klass,) = crossings_gdf(de_facto)["boundary_class"].tolist()
    assert klass.startswith("line of control")
    assert {"IND", "PAK"} <= set(klass.split(": ")[1].replace(" views differ", "").split(", "))
    for view in ("IND", "PAK"):
        frame = score(loc_route, worldview=view)
        assert (frame.loc["loc", "countries"], int(frame.loc["loc", "crossings"])) == (view, 0)
    # contested km: the whole line runs through AJK, then J&K
    frame = pyogrio.read_dataframe(ROOT / "geodata" / "contested.gpkg", layer="contested")
    line = de_facto.loc["loc", "geometry"]
    for area in ("azad-jammu-and-kashmir", "jammu-and-kashmir-and-ladakh"):
        poly = frame.geometry[frame["id"] == area].iloc[0]
        assert de_facto.loc["loc", f"km_{area}"] == pytest.approx(independent_km(line, poly), abs=0.01)


def test_route_through_aksai_chin_is_contested_and_indian_under_indias_view():
    """A Xinjiang–Tibet line across Aksai Chin (roughly China's G219): from the Kun Lun north of
    India's claim line (36.6°N 79.3°E) to Tibet east of it (33.5°N 79.9°E). De facto it never leaves
    China; its km in the aksai-chin polygon match a plain intersection; under India's view it enters
    and leaves India, and under China's or Pakistan's view nothing changes."""
    line = shapely.LineString([(79.3, 36.6), (79.9, 33.5)])
    routes = geopandas.GeoDataFrame({"name": ["Kun Lun–Tibet"]}, geometry=[line], index=["g219"], crs=4326)
    de_facto = score(routes)
    row = de_facto.loc["g219"]
    assert (row["countries"], int(row["crossings"])) == ("CHN", 0)
    frame = pyogrio.read_dataframe(ROOT / "geodata" / "contested.gpkg", layer="contested")
    aksai = frame.geometry[frame["id"] == "aksai-chin"].iloc[0]
    expected = independent_km(row.geometry, aksai)
    assert 150 < expected < 300
    assert row["km_aksai-chin"] == pytest.approx(expected, abs=0.01)
    assert row["contested_km"] == pytest.approx(expected, abs=0.01)
    (area,) = records_of(de_facto)[0].contested
    assert (area.id, area.administered_by, area.claimed_by) == ("aksai-chin", "CHN", ("IND",))
    india = score(routes, worldview="IND").loc["g219"]
    assert (india["countries"], int(india["crossings"])) == ("CHN > IND > CHN", 2)
    assert india["km_IND"] == pytest.approx(expected, abs=0.5)
    for view in ("CHN", "PAK"):
        assert score(routes, worldview=view).loc["g219", "countries"] == "CHN"


def test_tapi_km_in_balochistan_matches_an_independent_intersection():
    tapi = score(load_catalog().select(["tapi"]))
    provinces = pyogrio.read_dataframe(ROOT / "geodata" / "provinces.gpkg", layer="provinces")
    ba = provinces.geometry[provinces["code"] == "PK-BA"].iloc[0]
    expected = independent_km(tapi.loc["tapi", "geometry"], ba)
    assert expected > 300
    assert tapi.loc["tapi", "km_PK-BA"] == pytest.approx(expected, abs=0.01)
    assert tapi.loc["tapi", "contested"] == "no contested ground" and tapi.loc["tapi", "contested_km"] == 0
    rec = records_of(tapi)[0]
    assert sum(p.length_km for p in rec.provinces) == pytest.approx(rec.length_km, abs=0.01)
    assert sum(s.length_km for s in rec.stretches) == pytest.approx(rec.length_km, abs=0.01)


def test_durand_line_classes_by_worldview():
    torkham = np.array([[71.0966, 34.1130]])  # Torkham border crossing, Wikipedia infobox
    assert boundary_classes(torkham) == ["international; not recognised by AFG"]
    assert boundary_classes(torkham, "AFG") == ["not recognised by AFG"]
    assert boundary_classes(torkham, "PAK") == ["international"]
    assert boundary_classes(np.array([[60.0, 30.0]]).reshape(-1, 2)[:0]) == []
    far = np.array([[65.0, 33.0]])  # central Afghanistan: no boundary near
    assert boundary_classes(far) == [""] and boundary_classes(far, "IND") == ["IND claim (no de facto boundary)"]
    with pytest.raises(ValidationError, match="worldview: 'XX' is not one of de-facto, IND, PAK, CHN, AFG"):
        boundary_classes(torkham, "XX")


def test_worldview_layers_are_cached_and_cover_the_claims():
    ind = geodata.worldview_layers("ind")
    assert ind is geodata.worldview_layers("IND") and geodata.countries("IND") is ind.countries
    assert geodata.countries() is geodata.countries("de-facto") and geodata.borders("de facto") is geodata.borders()
    pak = geodata.worldview_layers("PAK")
    assert [m[0] for m in pak.moved] == ["jammu-and-kashmir-and-ladakh", "siachen"]
    assert geodata.worldview_layers("CHN").moved == () and geodata.worldview_layers("AFG").moved == ()
    gilgit = (74.3080, 35.9208)  # Gilgit, Wikipedia infobox
    idx = ind.countries.locate(np.array([gilgit[0]]), np.array([gilgit[1]]))[0]
    assert ind.countries.iso_a3[idx] == "IND"
    idx = geodata.countries().locate(np.array([gilgit[0]]), np.array([gilgit[1]]))[0]
    assert geodata.countries().iso_a3[idx] == "PAK"


# --- exposure ------------------------------------------------------------------------------------


def test_most_specific_weight_wins():
    (rec,) = score_records(load_catalog()["karakoram-highway"])
    ex = Exposure(
        countries={"PAK": 2.0, "CHN": 0.0}, provinces={"PK-GB": 3.0, "PK-KP": 4.0}, areas={"gilgit-baltistan": 5.0}
    )
    km = {p.code: p.length_km for p in rec.provinces}
    gb = {a.id: a.length_km for a in rec.contested}["gilgit-baltistan"]
    pak_other = sum(v for k, v in km.items() if k.startswith("PK-") and k not in ("PK-GB", "PK-KP"))
    expected = 5.0 * gb + 4.0 * km["PK-KP"] + 2.0 * pak_other
    assert ex.km(rec) == pytest.approx(expected, rel=1e-3)


def test_exposure_ranking_on_a_synthetic_file(tmp_path):
    path = tmp_path / "weights.yaml"
    path.write_text("default: 1\nprovinces:\n  PK-BA: 10\n", encoding="utf-8")
    ids = ["karakoram-highway", "tapi", "iran-pakistan"]
    recs = score_records(load_catalog().select(ids))
    by_score = {r.corridor.id: r.rank for r in recs}
    same = {r.corridor.id: r.rank for r in apply_exposure(recs, load_exposure(path))}
    assert same == by_score  # ranking changes only with rank_by="exposure"
    ranked = apply_exposure(recs, load_exposure(path), rank_by="exposure")
    expected = {
        r.corridor.id: r.length_km + 9.0 * {p.code: p.length_km for p in r.provinces}.get("PK-BA", 0.0) for r in recs
    }
    for r in ranked:
        assert r.exposure_km == pytest.approx(expected[r.corridor.id], rel=1e-6)
    order = sorted(expected, key=expected.get)
    assert [r.corridor.id for r in sorted(ranked, key=lambda r: r.rank)] == order
    result = CliRunner().invoke(
        cli, ["compare", *ids, "--exposure", str(path), "--rank-by", "exposure", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = lines[0].split(",")
    assert "exposure_km" in header and "contested_km" in header and "km_PK-BA" in header
    assert [line.split(",")[0] for line in lines[1:]] == order
    toml = tmp_path / "weights.toml"
    toml.write_text("default = 1\n[provinces]\nPK-BA = 10\n", encoding="utf-8")
    assert load_exposure(toml).provinces == {"PK-BA": 10.0}


def test_shipped_example_is_labelled_illustration_only():
    text = (ROOT / "examples" / "exposure-example.yaml").read_text(encoding="utf-8")
    assert text.lower().count("illustration only") >= 5
    assert load_exposure(ROOT / "examples" / "exposure-example.yaml").default == 1.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- 1\n- 2\n", "expected a mapping with countries, provinces or areas, got list"),
        ("provinces:\n  PK-XX: 1\n", "provinces.PK-XX: 'PK-XX' is not a province (ISO 3166-2)"),
        ("areas:\n  atlantis: 1\n", "areas.atlantis: 'atlantis' is not a contested area id"),
        ("countries:\n  AFG: -1\n", "countries.AFG: -1 is not a non-negative number"),
        ("countries:\n  AFG: .nan\n", "countries.AFG: nan is not a finite number"),
        ("countries: [1]\n", "countries: expected a mapping of code: weight"),
        ("colours: {}\n", "colours: unknown field"),
        ("default: x\n", "default: 'x' is not a non-negative number"),
        ("countries: {AFG: [\n", "line 2, column 1: did not find expected node content"),
        # the catalog's parser: duplicate keys, digits, controls (were: accepted, or a Python hint)
        ("countries: {AFG: 2}\ncountries: {PAK: 3}\n", "line 2, column 1: duplicate key 'countries' (first on line 1)"),
        ("default: " + "7" * 100_000 + "\n", "a number has thousands of digits (MAX_NUMBER_DIGITS)"),
        ('note: "a\\x1bb"\n', "note: 'a\\x1bb' holds the control or invalid character '\\x1b'"),
        ("a: 1\nb: x\x00\n", "line 2, column 5: character '\\x00' is not allowed in YAML"),
    ],
)
def test_bad_exposure_files_exit_2_with_one_line(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["compare", "tapi", "--exposure", str(path)])
    assert result.exit_code == 2
    assert str(path) in result.output and message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_exposure_files_get_the_catalog_input_checks(tmp_path, monkeypatch):
    """A device, a FIFO, random bytes, a file above MAX_INPUT_BYTES, an empty name: one line, exit 2."""
    import os

    def line_of(path: str, *more: str) -> str:
        result = CliRunner().invoke(cli, ["compare", "tapi", "--exposure", path, *more])
        assert result.exit_code == 2, (result.output, result.exception)
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
        return result.output.strip()

    # /dev/zero was read until memory ran out (21 GB), a FIFO waited for a writer forever
    assert line_of("/dev/zero").endswith(
        "/dev/zero: is a device, not a regular file; the exposure file must be a regular file"
    )
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert "fifo.yaml: is a FIFO, not a regular file" in line_of(str(fifo))
    noise = tmp_path / "noise.yaml"
    noise.write_bytes(bytes([0xFF]) + bytes(range(256)) * 16)  # invalid UTF-8 at byte 0
    assert "noise.yaml: not UTF-8 text (byte 0)" in line_of(str(noise))
    big = tmp_path / "big.yaml"
    big.write_text("default: 1\n" + "#" * 2000 + "\n", encoding="utf-8")
    monkeypatch.setenv("CORRIDORS_MAX_INPUT_BYTES", "1000")
    assert f"big.yaml: {big.stat().st_size:,} bytes is larger than the limit of 1,000" in line_of(str(big))
    monkeypatch.delenv("CORRIDORS_MAX_INPUT_BYTES")
    assert "exposure path is empty" in line_of("")  # was: silently no exposure at all
    assert "exposure path is empty" in line_of("", "--rank-by", "exposure")
    toml = tmp_path / "w.toml"
    toml.write_text("default = 1\ndefault = 2\n", encoding="utf-8")
    assert "w.toml: not valid TOML: Cannot overwrite a value" in line_of(str(toml))
    toml.write_text("default = " + "9" * 5000 + "\n", encoding="utf-8")
    assert "w.toml: not usable TOML: a number has thousands of digits" in line_of(str(toml))
    toml.write_text("default = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert "w.toml: nested deeper than" in line_of(str(toml))
    result = CliRunner().invoke(cli, ["map", "tapi", "--exposure", "", "-o", str(tmp_path / "m.html")])
    assert result.exit_code == 2 and "exposure path is empty" in result.output


def test_output_may_not_replace_the_exposure_input(tmp_path):
    path = tmp_path / "ex.yaml"
    path.write_text("default: 1\nprovinces:\n  PK-BA: 10\n", encoding="utf-8")
    before = path.read_bytes()
    result = CliRunner().invoke(cli, ["score", "tapi", "--exposure", str(path), "--format", "csv", "-o", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}: is also an input of this run" in result.output
    assert path.read_bytes() == before


def test_exposure_api_errors(tmp_path):
    with pytest.raises(ValidationError, match="cannot read"):
        load_exposure(tmp_path / "missing.yaml")
    with pytest.raises(ValidationError, match="rank_by: 'size'"):
        apply_exposure([], Exposure(), rank_by="size")
    assert parse_exposure({}).default == 1.0 and not math.isnan(parse_exposure({"default": 0}).default)


# --- the CLI -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["score"],
        ["compare"],
        ["show", "tapi"],
        ["crossings"],
        ["map", "-o", "x.html"],
        ["figure", "-o", "x.png"],
        ["report", "-o", "x.html"],
        ["route", "Peshawar", "Kabul"],
        ["plan", "Quetta", "Chaman"],
        ["export", "-o", "x.geojson"],
    ],
)
def test_unknown_worldview_is_one_line_and_exit_2(command):
    result = CliRunner().invoke(cli, [*command, "--worldview", "Narnia"])
    assert result.exit_code == 2
    assert result.output.strip() == "corridors: error: worldview: 'Narnia' is not one of de-facto, IND, PAK, CHN, AFG"


def test_outputs_name_the_worldview_and_the_contested_ground():
    run = CliRunner().invoke
    text = run(cli, ["show", "karakoram-highway", "--worldview", "IND"]).output
    raw_km = float(score(load_catalog().select(["karakoram-highway"]))["contested_km"].iloc[0])
    km = cell(raw_km, 1)
    assert f"Contested ground ({km} km)" in text and "administered by PAK, claimed by IND" in text
    assert f"PK-GB Gilgit-Baltistan (PAK): {km}" in text and "boundary: IND claim" in text
    assert text.rstrip().endswith("worldview: IND")
    data = json.loads(run(cli, ["show", "tapi", "--format", "json"]).output)
    assert data["worldview"] == "de-facto" and data["contested"] == "no contested ground"
    assert {p["code"] for p in data["length_by_province_km"]} >= {"PK-BA", "AF-KAN", "AF-HEL", "AF-HER"}
    assert data["crossings"][1]["boundary_class"] == "international; not recognised by AFG"
    md = run(cli, ["compare", "karakoram-highway", "--format", "markdown", "--worldview", "PAK"]).output
    assert "worldview: PAK" in md.rstrip().splitlines()[-1] and f"Gilgit-Baltistan {raw_km:.0f} km" in md
    table = run(cli, ["crossings", "tapi", "--worldview", "AFG"]).output
    assert "not recognised by AFG" in table and "worldview: AFG" in table
    assert run(cli, ["compare", "tapi", "--rank-by", "exposure"]).exit_code == 2


def test_map_and_figure_under_a_worldview(tmp_path):
    from corridors.render.staticmap import figure
    from corridors.render.webmap import atlas_map, map_html

    scores = score(load_catalog().select(["karakoram-highway"]))
    page = map_html(atlas_map(scores, worldview="IND"))
    assert "worldview: IND" in page and "Contested areas and boundaries" in page
    assert "Gilgit-Baltistan: administered by PAK, claimed by IND" in page
    assert "Border as the worldview claims it (IND)" in page
    fig = figure(scores, worldview="PAK", dpi=40, towns=False)
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "worldview: PAK" in texts
    legend_titles = [leg.get_title().get_text() for leg in fig.legends]
    assert "Worldview: PAK" in legend_titles
    ex_scores = apply_exposure(records_of(scores), Exposure(areas={"gilgit-baltistan": 3.0}))
    page = map_html(atlas_map(ex_scores, color_by="exposure"))
    assert "exposure per km" in page
    with pytest.raises(Exception, match="color_by"):
        atlas_map(scores, color_by="exposure")
    result = CliRunner().invoke(cli, ["map", "tapi", "--color-by", "exposure", "-o", str(tmp_path / "m.html")])
    assert result.exit_code == 2
