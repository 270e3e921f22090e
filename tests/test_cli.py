"""The command line end to end: exit codes, formats, atomic output, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from click.testing import CliRunner

from corridors.cli.main import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_help_explains_units_and_sources():
    out = run("--help").output
    assert "km on the WGS84 ellipsoid" in out and "Natural Earth" in out
    for cmd in ("list", "show", "score", "compare"):
        assert run(cmd, "--help").exit_code == 0


def test_list_shows_every_corridor():
    result = run("list", "--format", "csv")
    assert result.exit_code == 0
    ids = [row["id"] for row in csv.DictReader(io.StringIO(result.output))]
    assert {"tapi", "karakoram-highway", "wakhan-corridor", "iran-pakistan", "gwadar-cpec-western"} <= set(ids)


def test_compare_json_has_published_beside_modeled():
    result = run("compare", "tapi", "karakoram-highway", "--format", "json")
    assert result.exit_code == 0
    data = {d["id"]: d for d in json.loads(result.output)}
    tapi = data["tapi"]
    assert tapi["length_km"]["published"]["value"] == 1814
    assert tapi["length_km"]["published"]["source"]
    assert tapi["countries"]["modeled"] == ["TKM", "AFG", "PAK", "IND"]
    assert [c["to"] for c in tapi["crossings"]] == ["AFG", "PAK", "IND"]
    assert sorted(d["rank"] for d in data.values()) == [1, 2]


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown", "json"])
def test_compare_formats_are_deterministic(fmt):
    first = run("compare", "--format", fmt).output
    assert first == run("compare", "--format", fmt).output
    assert "tapi" in first


def test_compare_table_has_columns():
    out = run("compare", "tapi", "iran-pakistan").output
    assert "modeled_km" in out and "published_km" in out and "TKM > AFG > PAK > IND" in out


def test_score_markdown_and_output_file(tmp_path):
    target = tmp_path / "scores.md"
    result = run("score", "tapi", "--format", "markdown", "-o", str(target))
    assert result.exit_code == 0
    text = target.read_text()
    assert text.startswith("**Corridor scores**") and "| tapi |" in text
    assert text.rstrip().splitlines()[-1].startswith("_corridors ") and "worldview: de facto" in text


def test_show_text_names_crossings_and_sources():
    out = run("show", "karakoram-highway").output
    assert "PAK > CHN" in out and "Khunjerab" in out and "Sources" in out


def test_weights_change_the_score():
    a = json.loads(run("score", "tapi", "--format", "json").output)[0]["score"]
    b = json.loads(run("score", "tapi", "--format", "json", "--weight", "crossing=0").output)[0]["score"]
    assert a - b == pytest.approx(2.0 * 3, abs=1e-3)  # default crossing weight 2, three crossings


def test_check_passes_for_the_shipped_catalog():
    result = run("check")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "tapj"], "unknown corridor id 'tapj'; did you mean tapi"),
        (["compare", "tapi", "nope"], "unknown corridor id 'nope'"),
        (["score", "--weight", "speed=3"], "'speed' is not one of"),
        (["compare", "--catalog", "missing.yaml"], "missing.yaml: no such catalog file"),
        (["compare", "--tolerance-km", "-1"], "-1"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_user_catalog_leaves_no_output(tmp_path):
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "LineString", "coordinates": [[30.2, 67.0], [31, 68]]}')
    target = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["compare", "--catalog", str(bad), "-o", str(target)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "probably swapped" in lines[0] and str(bad) in lines[0]
    assert not target.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_existing_output_is_replaced_atomically_or_left_intact(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    assert CliRunner().invoke(cli, ["compare", "nope", "-o", str(target)]).exit_code == 2
    assert target.read_text() == "old"
    assert run("compare", "tapi", "--format", "csv", "-o", str(target)).exit_code == 0
    assert target.read_text().startswith("id,name,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_unwritable_output_folder(tmp_path):
    result = CliRunner().invoke(cli, ["compare", "tapi", "-o", str(tmp_path / "no" / "dir.csv")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_user_geojson_route_is_scored(tmp_path):
    route = tmp_path / "quetta-kandahar.geojson"
    route.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {"name": "Quetta to Kandahar"},
                "geometry": {"type": "LineString", "coordinates": [[67.0, 30.183], [66.445, 30.922], [65.716, 31.621]]},
            }
        )
    )
    data = json.loads(run("score", "quetta-kandahar", "--catalog", str(route), "--format", "json").output)[0]
    assert data["countries"]["modeled"] == ["PAK", "AFG"]
    assert data["name"] == "Quetta to Kandahar"


@pytest.mark.parametrize("args", [["compare"], ["score", "tapi"]])
def test_narrow_terminal_keeps_id_rank_and_score_and_names_hidden_columns(args, monkeypatch):
    from corridors.tables import render_table

    rows = [{"rank": 1, "id": "tapi", "name": "x" * 60, "modeled_km": 1897.9, "countries": "TKM > AFG", "score": 26.5}]
    text = render_table(rows, width=60)
    assert "tapi" in text and "26.5" in text and "1 │" in text
    assert "hidden" in text and "name" in text.split("hidden", 1)[1]
    # end to end, as a user at an 80-column terminal sees it
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if "┃" in line)
    assert all(f" {c} " in header for c in ("rank", "id", "score"))
    assert "hidden to fit 80 characters" in result.output
    assert any(line.startswith("corridors 0.") for line in lines) and "worldview: de facto" in result.output


def test_piped_table_is_complete(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    result = CliRunner().invoke(cli, ["compare"])
    assert result.exit_code == 0
    assert "hidden" not in result.output and "max_elevation_m" in result.output


def test_csv_is_spreadsheet_ready():
    """Numbers as numbers (per-country km sum to the length), booleans as booleans, one column per value."""
    rows = list(csv.DictReader(io.StringIO(run("score", "tapi", "karakoram-highway", "--format", "csv").output)))
    kkh = next(r for r in rows if r["id"] == "karakoram-highway")
    per_country = sum(float(v) for k, v in kkh.items() if re.fullmatch(r"km_([A-Z]{3}|sea)", k) and v)
    assert per_country == pytest.approx(float(kkh["length_km"]), rel=1e-9)
    assert float(kkh["km_CHN"]) == pytest.approx(413, abs=1)  # published: 413 km in China (Wikipedia)
    assert kkh["published_km_CHN"] == "413.0" and kkh["matches_sources"] == "True"
    assert int(kkh["crossings"]) == 1 and all("/" not in v for v in kkh.values() if v and v[0].isdigit())


def test_crossings_command_lists_one_row_per_crossing():
    rows = list(csv.DictReader(io.StringIO(run("crossings", "tapi", "--format", "csv").output)))
    assert [(r["from_country"], r["to_country"]) for r in rows] == [("TKM", "AFG"), ("AFG", "PAK"), ("PAK", "IND")]
    assert [int(r["number"]) for r in rows] == [1, 2, 3]
    assert rows[1]["nearest_named"] == "Wesh–Chaman crossing" and float(rows[1]["named_distance_km"]) < 5


def test_gpkg_export_has_typed_corridors_and_a_crossings_layer(tmp_path):
    import pyogrio

    out = tmp_path / "tapi.gpkg"
    assert run("export", "tapi", "-o", str(out)).exit_code == 0
    assert [list(x) for x in pyogrio.list_layers(out)] == [["corridors", "LineString"], ["crossings", "Point"]]
    frame = pyogrio.read_dataframe(out, layer="corridors")
    assert frame["matches_sources"].dtype == bool and frame["crossings"].dtype.kind == "i"
    assert frame["km_PAK"].dtype.kind == "f" and len(pyogrio.read_dataframe(out, layer="crossings")) == 3
