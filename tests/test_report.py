"""Reports: the comparison table, the embedded map and figures, escaping, determinism, CLI errors."""

from __future__ import annotations

import base64
import hashlib
import html
import re

import pytest
from click.testing import CliRunner
from render_common import IMG, SCRIPT, payload_catalog

from corridors import load_catalog
from corridors.cli.main import cli
from corridors.render.report import report_html, write_report
from corridors.scoring import score_records as score
from corridors.tables import provenance_line, summary_row

IDS = ["wakhan-corridor", "karakoram-highway"]


@pytest.fixture(scope="module")
def scores():
    return score(load_catalog().select(IDS))


@pytest.fixture(scope="module")
def document(scores) -> str:
    return report_html(scores, dpi=40)


def test_html_report_has_table_map_and_figures(document, scores):
    rows = re.findall(r"<tr>(<td.*?)</tr>", document.split("<h2>Map</h2>")[0])
    assert len(rows) == len(scores)
    for s in scores:
        row = summary_row(s)
        assert f'<td class="num">{row["modeled_km"]:,.1f}</td>' in document
        assert f"<td>{html.escape(s.corridor.name)}</td>" in document
        assert f'<section id="corridor-{s.corridor.id}">' in document
        assert f"{s.length_km:,.1f} km (WGS84 geodesic)" in document
    first = min(scores, key=lambda s: s.rank)
    assert rows[0].count(html.escape(first.corridor.name)) == 1  # ranked order
    srcdoc = re.search(r'<iframe srcdoc="([^"]*)"', document).group(1)
    map_page = html.unescape(srcdoc)
    assert "new L.Corridors.Layers(" in map_page and "<script src=" not in map_page  # the map works offline
    pngs = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', document)
    assert len(pngs) == len(scores) + 1  # overview and one per corridor
    assert all(base64.b64decode(p).startswith(b"\x89PNG") for p in pngs)
    # outside the map's srcdoc nothing is fetched: no scripts, stylesheets or remote images
    outside = re.sub(r'srcdoc="[^"]*"', "", document)
    assert "<script" not in outside and "<link" not in outside and 'src="http' not in outside


def test_html_report_has_alt_text_and_provenance(document, scores):
    images = re.findall(r"<img [^>]*>", document)
    assert len(images) == len(scores) + 1
    for img in images:
        alt = re.search(r'alt="([^"]+)"', img)
        assert alt and len(html.unescape(alt.group(1))) > 30, img[:80]  # says what the map shows
    wakhan = next(s for s in scores if s.corridor.id == "wakhan-corridor")
    assert f"{wakhan.length_km:,.1f} km modeled" in document
    assert re.search(r'<iframe srcdoc="[^"]*" title="Corridors report"', document)  # the map's frame is named
    footer = re.search(r"<footer[^>]*>(.*?)</footer>", document, flags=re.DOTALL).group(1)
    assert html.escape(provenance_line()) in footer


def test_cdn_report(scores):
    srcdoc = re.search(r'<iframe srcdoc="([^"]*)"', report_html(scores, cdn=True, dpi=20)).group(1)
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"' in html.unescape(srcdoc)


def test_html_report_is_deterministic(scores, document):
    assert hashlib.sha256(report_html(scores, dpi=40).encode()).digest() == hashlib.sha256(document.encode()).digest()


def test_catalog_text_is_escaped(tmp_path):
    catalog = load_catalog([payload_catalog(tmp_path)])
    scores = score(catalog.select(["payload-img", "payload-script"]))
    document = report_html(scores, dpi=30)
    outside = re.sub(r'srcdoc="[^"]*"', "", document)
    for raw in (IMG, SCRIPT, "<svg onload", "<iframe src=javascript", "<b onmouseover"):
        assert raw not in outside
    assert html.escape(IMG) in outside and 'href="javascript:' not in outside
    target = tmp_path / "report.md"
    write_report(scores, target)
    text = target.read_text()
    assert IMG not in text and html.escape(IMG, quote=False) in text
    assert "<script" not in text and "<svg" not in text


def test_markdown_report_writes_figures_and_map_beside_it(tmp_path, scores):
    target = tmp_path / "brief.md"
    written = write_report(scores, target)
    assert written[-1] == target
    files = tmp_path / "brief_files"
    assert sorted(p.name for p in files.iterdir()) == sorted(
        [".corridors-output", "map.html", "overview.png"] + [f"{s.corridor.id}.png" for s in scores]
    )
    assert all(p.name != ".corridors-output" for p in written)
    text = target.read_text()
    for link in re.findall(r"\]\((brief_files/[^)]+)\)", text):
        assert (tmp_path / link).is_file()
    assert "| rank |" in text and "## Corridors" in text and provenance_line() in text
    assert all(alt for alt in re.findall(r"!\[([^\]]*)\]", text))
    assert all(f"{s.length_km:,.1f}" in text for s in scores)
    first = {p.name: p.read_bytes() for p in files.iterdir()}
    write_report(scores, target)
    assert first == {p.name: p.read_bytes() for p in files.iterdir()}


def test_cli_report_and_bad_output(tmp_path):
    target = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "wakhan-corridor", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("<!DOCTYPE html>")
    keep = tmp_path / "r.pdf"
    keep.write_text("previous")
    for args, message in (
        (["wakhan-corridor", "-o", str(keep)], "reports are written as .html, .htm or .md"),
        (["nope", "-o", str(target)], "unknown corridor id 'nope'"),
        (["wakhan-corridor", "-o", str(tmp_path / "no" / "r.md")], "does not exist"),
    ):
        result = CliRunner().invoke(cli, ["report", *args])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert message in result.output
    assert keep.read_text() == "previous"


def test_a_route_name_cannot_become_a_link_in_the_markdown_report(tmp_path):
    """The outside tester's payload: a name closing the image's alt text and opening a link."""
    import geopandas
    import markdown
    import shapely

    name = "X](x) [click](javascript:alert(1)) ![Y"
    routes = geopandas.GeoDataFrame(
        {"id": ["xss-route"], "name": [name]},
        geometry=[shapely.LineString([(66.99, 30.18), (65.71, 31.61)])],
        crs=4326,
    )
    path = tmp_path / "routes.geojson"
    routes.to_file(path, driver="GeoJSON")
    scores = score(load_catalog([path]).select(["xss-route"]))
    target = tmp_path / "r.md"
    write_report(scores, target)
    rendered = markdown.markdown(target.read_text(encoding="utf-8"))
    assert 'href="javascript' not in rendered and "[click](javascript" in html.unescape(rendered)  # shown as text
    assert re.findall(r"<a [^>]*>", rendered) == ['<a href="r_files/map.html">']  # the report's own link only
