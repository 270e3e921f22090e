"""The web map: layers, popup numbers, labels, determinism, escaping, offline assets, fragments, API, CLI."""

from __future__ import annotations

import doctest
import hashlib
import html
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import folium
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod
from render_common import (
    IMG,
    JINJA,
    SCRIPT,
    control_labels,
    corridor_data,
    label_rows,
    payload_catalog,
    point_rows,
    without_assets,
)

from corridors import load_catalog
from corridors._errors import CorridorsError, DataError
from corridors.cli.main import cli
from corridors.render import _assets, _basemap, atlas_map, map_html, tile_provider
from corridors.scoring import score_records as score
from corridors.tables import provenance_line

ROOT = Path(__file__).resolve().parent.parent
IDS = ["tapi", "karakoram-highway", "wakhan-corridor"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def scores():
    return score(load_catalog().select(IDS))


@pytest.fixture(scope="module")
def page(scores) -> str:
    return map_html(atlas_map(scores))


@pytest.fixture(scope="module")
def payload_page(tmp_path_factory) -> str:
    path = payload_catalog(tmp_path_factory.mktemp("payloads"))
    catalog = load_catalog([path])
    return map_html(atlas_map(score(catalog.select(["payload-img", "payload-script", "tapi"]))))


def test_atlas_map_is_a_folium_map_with_a_short_repr(scores):
    m = atlas_map(scores)
    assert isinstance(m, folium.Map)
    assert len(repr(m)) < 100  # a notebook stores no megabytes of text/plain
    shown = m._repr_html_()  # what Jupyter displays: the page in an iframe, offline
    assert shown.startswith("<div") and "srcdoc=" in shown and "cdn.jsdelivr" not in shown
    assert map_html(m) == map_html(atlas_map(scores))  # rendering for display changes nothing


def test_adds_to_a_given_map():
    m = folium.Map(location=[34, 70], zoom_start=5)
    folium.Marker([34.5, 69.2], tooltip="my own marker").add_to(m)
    scores = score(load_catalog().select(["wakhan-corridor"]))
    assert atlas_map(scores, m=m) is m
    page = map_html(m)
    assert "my own marker" in page and len(corridor_data(page)) == 1
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@' not in page  # Leaflet inlined, not folium's CDN copy
    assert page.count("Leaflet 1.9.4, a JS library") == 1
    # the user's tiles stay the base layer: the offline basemap is offered but not shown
    basemap = re.search(r'\{label: "Offline basemap \(Natural Earth\)", layer: (\w+)\}', page).group(1)
    assert f"{basemap}.addTo(" not in page


def test_render_package_exports_functions():
    import corridors.render as render

    assert set(render.__all__) <= set(dir(render))
    for name in ("atlas_map", "map_html", "tile_provider", "report_html", "report_markdown", "write_report"):
        assert callable(getattr(render, name)), name
    code = "import sys, corridors.render; print('folium' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["False", "False"]  # importing the package stays cheap


def test_docstring_examples_run():
    from corridors.render import report, webmap

    for module in (webmap, report):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_layers_present(page, scores):
    data = corridor_data(page)
    assert [html.unescape(d["name"]) for d in data] == [s.corridor.name for s in scores]
    assert [d["line"]["corridor"] for d in data] == [s.corridor.id for s in scores]
    labels = control_labels(page)
    for s in scores:
        assert any(html.escape(s.corridor.name) in label for label in labels)
    for tiles in (
        "tile.openstreetmap.org",
        "tile.opentopomap.org",
        "server.arcgisonline.com/ArcGIS/rest/services/World_Imagery",
    ):
        assert tiles in page
    assert "Offline basemap (Natural Earth)" in page and "Country borders" in page and "Place names" in page
    assert "new L.Corridors.Layers(" in page and "new L.Corridors.Measure(" in page
    assert "L.control.scale()" in page and "corridors-legend" in page and "L.Corridors.fit(" in page
    assert {"Pipelines", "Roads", "Strips of territory"} <= set(labels)  # grouped by kind
    tapi = data[IDS.index("tapi")]["line"]
    assert tapi["dashArray"] == "16 8"  # TAPI: under construction, weight 4
    assert "preferCanvas" in page  # lines, markers and labels on canvases


def test_route_pixels_are_web_mercator(page, scores):
    """Lines reach the page as Web Mercator pixels at zoom 0, as Leaflet's EPSG:3857 projects them."""
    tapi = next(s for s in scores if s.corridor.id == "tapi")
    pixels = np.array(corridor_data(page)[IDS.index("tapi")]["pixels"]).reshape(-1, 2)
    lon = pixels[:, 0] / 256 * 360 - 180
    lat = np.degrees(2 * np.arctan(np.exp(np.pi * (1 - pixels[:, 1] / 128))) - np.pi / 2)
    first, last = tapi.corridor.waypoints[0], tapi.corridor.waypoints[-1]
    assert abs(lon[0] - first.lon) < 1e-4 and abs(lat[0] - first.lat) < 1e-4
    assert abs(lon[-1] - last.lon) < 1e-4 and abs(lat[-1] - last.lat) < 1e-4


def test_corridor_popups_carry_the_scored_numbers(page, scores):
    popups = [d["popup"] for d in corridor_data(page)]
    assert len(popups) == len(scores)
    geod = Geod(ellps="WGS84")
    for s, popup in zip(scores, popups, strict=True):
        c = s.corridor
        assert html.escape(c.name) in popup
        if c.alignment == "geodesic":  # checked independently: waypoint-to-waypoint geodesics on WGS84
            lon, lat = zip(*((w.lon, w.lat) for w in c.waypoints), strict=True)
            assert f"{geod.line_length(lon, lat) / 1000:,.1f} km" in popup
        assert f"{s.length_km:,.1f} km" in popup
        if s.published_length:
            assert html.escape(s.published_length.source) in popup
        for row in s.countries:
            assert f"{row.modeled_km:,.1f} km" in popup
        assert f"<th>Border crossings</th><td>{len(s.crossings)}</td>" in popup
        assert f"<th>Straightness</th><td>{s.straightness:,.3f}</td>" in popup  # tables.cell, 3 decimals
    tapi = popups[IDS.index("tapi")]
    assert "1,814 km" in tapi and "TKM → AFG → PAK → IND" in tapi
    assert "1,724.3 km" in tapi  # pinned: the geodesic through TAPI's waypoints (pyproj, above)


def test_crossing_and_waypoint_markers(page, scores):
    rows = point_rows(page)
    crossings = [r for r in rows if r[2] == "crossing"]
    waypoints = [r for r in rows if r[2] == "waypoint"]
    assert len(crossings) == sum(len(s.crossings) for s in scores)
    assert len(waypoints) == sum(len(s.corridor.waypoints) for s in scores)
    tapi = next(s for s in scores if s.corridor.id == "tapi")
    first = tapi.crossings[0]
    row = next(r for r in crossings if r[0] == round(first.lat, 5) and r[1] == round(first.lon, 5))
    assert row[3].startswith(f"{first.from_country} → {first.to_country}")
    assert row[4] == f"{first.lat:,.4f}° N, {first.lon:,.4f}° E"
    assert row[5] == "Turkmenistan → Afghanistan (international)" and row[6] == f"{first.at_km:,.1f}"
    assert any(x.named and html.escape(x.named) in " ".join(r[7] for r in crossings) for x in tapi.crossings)
    w = tapi.corridor.waypoints[0]
    assert next(r for r in waypoints if r[0] == w.lat)[4] == f"{w.lat:,.4f}° N, {w.lon:,.4f}° E"


def test_towns_labelled_by_zoom_with_credit():
    page = map_html(atlas_map(score(list(load_catalog().values()))))
    rows = label_rows(page)
    by_name = {r[2]: r for r in rows}
    for capital in ("Kabul", "Islamabad", "Tehran", "Dushanbe", "Tashkent", "Ashgabat", "New Delhi"):
        assert by_name[capital][3] == "capital" and by_name[capital][4] == 0
    for town in ("Quetta", "Karachi", "Gwadar", "Kashgar", "Peshawar", "Herat"):
        assert by_name[town][3] == "town" and by_name[town][4] <= 5, town
    assert by_name["Afghanistan"][3] == "country"
    minor = [r for r in rows if r[3] == "minor"]
    assert len(minor) > 100 and min(r[4] for r in minor) > max(by_name[t][4] for t in ("Quetta", "Gwadar"))
    styles = [r[3] for r in rows]
    assert styles.index("capital") < styles.index("country") < styles.index("town") < styles.index("minor")
    options = re.search(r"new L\.Corridors\.Labels\(L\.Corridors\.data\(\"labels_\w+\"\),\s*(\{.*?\})\);", page)
    assert "GeoNames</a> (CC BY 4.0)" in json.loads(options.group(1))["attribution"]
    assert json.dumps(provenance_line()) in page and "worldview: de facto" in page


def test_legend_tells_kind_and_status_apart(page):
    legend = json.loads(re.search(r'div.innerHTML = ("(?:[^"\\]|\\.)*");', page).group(1))
    assert "Kind (colour)" in legend and "Status (dash)" in legend
    swatches = dict(
        (name, svg) for svg, name in re.findall(r"<div><svg[^>]*>((?:(?!</svg>).)*)</svg> ([^<]+)</div>", legend)
    )
    assert swatches["Pipeline"].startswith("<rect") and swatches["Operating"].startswith("<line")  # bars vs lines
    assert "Capital" in legend and "Town" in legend and "Border crossing" in legend


def test_same_input_gives_identical_bytes(tmp_path):
    digests = set()
    for name in ("a.html", "b.html"):
        target = tmp_path / name
        assert run("map", *IDS, "-o", str(target)).exit_code == 0
        digests.add(hashlib.sha256(target.read_bytes()).hexdigest())
    assert len(digests) == 1
    text = (tmp_path / "a.html").read_text()
    assert not re.search(r"_[0-9a-f]{32}\b", text)  # no random element ids left


def test_identical_across_processes(tmp_path):
    code = (
        "import sys; from corridors import load_catalog, score; from corridors.render import atlas_map, map_html; "
        "sys.stdout.write(map_html(atlas_map(score(load_catalog().select(['wakhan-corridor'])))))"
    )
    outs = {
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=tmp_path).stdout
        for _ in range(2)
    }
    assert len(outs) == 1


def test_escaping_payloads(payload_page):
    page = without_assets(payload_page)
    for raw in (
        "<img src=x",
        "</script><script>alert",
        "<b onmouseover",
        "<svg onload",
        "<iframe src",
        "<script>alert(5)",
        "<i>Cost",
        "<u>1",
        "<s>USD",
    ):
        assert raw not in page
    assert page.count("</script>") == page.count("<script")  # every script element closes where it should
    assert 'href="javascript:' not in page
    scripts = re.sub(r'<script type="application/json".*?</script>', "", page, flags=re.DOTALL)
    assert "`" not in scripts  # no template literals, where ${…} would run (data blocks are JSON, never run)
    assert "49" not in re.sub(r"[0-9.]{3,}", "", page)  # {{ 7*7 }} was not evaluated
    data = corridor_data(payload_page)
    texts = [d["popup"] for d in data] + [str(r) for r in point_rows(payload_page)]
    assert any(html.escape(IMG) in p for p in texts)
    assert any("&#123;&#123; 7*7 &#125;&#125;" in p for p in texts)
    assert any(html.escape(SCRIPT) in label for label in control_labels(payload_page))
    assert JINJA not in page


def test_tile_providers_are_validated():
    assert tile_provider("opentopomap").name == "OpenTopoMap"
    with pytest.raises(
        CorridorsError, match=r"'OpenTopoMapp' is not an xyzservices tile provider; did you mean OpenTopoMap"
    ):
        tile_provider("OpenTopoMapp")
    with pytest.raises(CorridorsError, match="needs an API key"):
        tile_provider("Thunderforest.Landscape")


def test_cli_bad_input_exits_2_and_keeps_existing_output(tmp_path):
    target = tmp_path / "atlas.html"
    target.write_text("previous")
    for args, message in (
        (["--tiles", "NoSuchTiles"], "is not an xyzservices tile provider"),
        (["no-such-corridor"], "unknown corridor id 'no-such-corridor'"),
    ):
        result = CliRunner().invoke(cli, ["map", *args, "-o", str(target)])
        assert result.exit_code == 2
        assert result.output.count("\n") == 1 and result.output.startswith("corridors: error: ")
        assert message in result.output
        assert target.read_text() == "previous"
    result = CliRunner().invoke(cli, ["map", "tapi", "-o", str(tmp_path / "missing" / "atlas.html")])
    assert result.exit_code == 2 and "output folder" in result.output and "does not exist" in result.output
    result = CliRunner().invoke(cli, ["map", "tapi", "-o", str(tmp_path / "atlas.txt")])
    assert result.exit_code == 2 and "written as .html" in result.output


def test_missing_leaflet_package_gives_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setattr(_assets, "_PACKAGE", "no_such_leaflet_package")
    _assets.leaflet_js.cache_clear()
    _assets.leaflet_css.cache_clear()
    _assets.head_html.cache_clear()
    target = tmp_path / "atlas.html"
    target.write_text("previous")
    try:
        result = CliRunner().invoke(cli, ["map", "wakhan-corridor", "-o", str(target)])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert "pip install django-js-lib-leaflet==1.9.4.1" in result.output
        assert target.read_text() == "previous"
        with pytest.raises(DataError):
            _assets.head_html(cdn=False)
    finally:
        monkeypatch.undo()
        _assets.leaflet_js.cache_clear()
        _assets.leaflet_css.cache_clear()
        _assets.head_html.cache_clear()


def test_offline_by_default(page):
    assert "<script src=" not in page and '<link rel="stylesheet"' not in page
    assert not re.search(r'(src|href)="https?://', without_assets(page).split("<body>")[0])
    assert "Leaflet 1.9.4, a JS library" in page and "sourceMappingURL" not in page
    assert page.count("data:image/png;base64,") == 3  # the layer control's icons, inlined
    assert "L.Corridors = {}" in page  # the map's own code
    # the files come from the pinned PyPI package
    assert importlib.metadata.version("django-js-lib-leaflet") == "1.9.4.1"
    assert '"django-js-lib-leaflet==1.9.4.1"' in (ROOT / "pyproject.toml").read_text()


def test_cdn_links_leaflet_only(scores):
    page = map_html(atlas_map(scores[2:], cdn=True))
    links = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', page)
    assert sorted(links) == sorted([_assets.LEAFLET_JS_CDN, _assets.LEAFLET_CSS_CDN])
    assert "L.Corridors = {}" in page  # the map's own code is inline either way


def test_full_atlas_fits_in_1_2_mb():
    scores = score(list(load_catalog().values()))
    offline = map_html(atlas_map(scores))
    assert len(offline.encode()) <= 1_200_000
    assert "<script src=" not in offline


def test_fragment_embeds_the_whole_page(scores):
    m = atlas_map(scores[2:], title='Atlas "<b>"')
    snippet = map_html(m, fragment=True, height="480px")
    match = re.fullmatch(
        r'<iframe srcdoc="([^"]*)" title="([^"]*)" style="width:100%;height:480px;border:0" '
        r'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>',
        snippet,
    )
    assert match is not None
    assert html.unescape(match.group(1)) == map_html(m)
    assert "<" not in match.group(1) and html.unescape(match.group(2)) == 'Atlas "<b>"'
    with pytest.raises(CorridorsError, match="not a CSS size"):
        map_html(m, fragment=True, height="1px;background:url(x)")


def test_fragment_cli(tmp_path):
    target = tmp_path / "snippet.html"
    assert run("map", "wakhan-corridor", "--fragment", "-o", str(target)).exit_code == 0
    assert target.read_text().startswith("<iframe srcdoc=")


def test_cli_flags(tmp_path):
    cdn, deprecated = tmp_path / "cdn.html", tmp_path / "old.html"
    assert run("map", "wakhan-corridor", "--cdn", "-o", str(cdn)).exit_code == 0
    assert _assets.LEAFLET_JS_CDN in cdn.read_text()
    assert run("map", "wakhan-corridor", "--self-contained", "-o", str(deprecated)).exit_code == 0
    assert deprecated.read_text() == run("map", "wakhan-corridor").output
    assert "Deprecated, no effect" in run("map", "--help").output


def test_basemap_borders_are_the_shared_polygon_edges():
    base = _basemap.load((60.0, 28.0, 75.0, 40.0))
    assert shapely.total_bounds(base.land).tolist() == [60.0, 28.0, 75.0, 40.0]
    boundaries = shapely.boundary(base.land[~shapely.is_empty(base.land)])
    for line in base.borders:
        # a land border lies on the boundary of exactly two countries, vertex for vertex
        assert np.count_nonzero(shapely.covers(boundaries, line)) == 2
    names = dict(zip(base.iso_a3, base.name, strict=True))
    assert names["AFG"] == "Afghanistan"
    afg = base.label_xy[list(base.iso_a3).index("AFG")]
    assert shapely.contains_xy(base.land[list(base.iso_a3).index("AFG")], *afg)
