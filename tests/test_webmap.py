"""The web map: layers, popup numbers, determinism, escaping, offline assets, fragments, CLI errors."""

from __future__ import annotations

import hashlib
import html
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod
from render_common import (
    IMG,
    JINJA,
    SCRIPT,
    assets_available,
    js_strings,
    payload_catalog,
    point_rows,
    tree_labels,
)

from corridors import load_catalog
from corridors._errors import CorridorsError, DataError, OutputError
from corridors.cli.main import cli
from corridors.render import _assets, _basemap
from corridors.render.webmap import AtlasMap, atlas_map, tile_provider
from corridors.scoring import score_records as score

ROOT = Path(__file__).resolve().parent.parent
IDS = ["tapi", "karakoram-highway", "wakhan-corridor"]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def scores():
    return score(load_catalog().select(IDS))


@pytest.fixture(scope="module")
def page(scores) -> str:
    return atlas_map(scores).html


@pytest.fixture(scope="module")
def payload_page(tmp_path_factory) -> str:
    path = payload_catalog(tmp_path_factory.mktemp("payloads"))
    catalog = load_catalog([path])
    return atlas_map(score(catalog.select(["payload-img", "payload-script", "tapi"]))).html


def test_layers_present(page, scores):
    for s in scores:
        assert page.count(f'"className": "corridor corridor-{s.corridor.id}"') == 1
        assert any(html.escape(s.corridor.name) in label for label in tree_labels(page))
    for tiles in (
        "tile.openstreetmap.org",
        "tile.opentopomap.org",
        "server.arcgisonline.com/ArcGIS/rest/services/World_Imagery",
    ):
        assert tiles in page
    assert "Offline basemap (Natural Earth)" in page and "Country borders" in page
    assert "L.control.layers.tree(" in page and "new L.Control.Measure(" in page
    assert "L.control.scale()" in page and "corridors-legend" in page and ".fitBounds(" in page
    # groups by kind, dash by status
    assert {"Pipelines", "Roads", "Strips of territory", "Corridors", "Base maps"} <= set(tree_labels(page))
    assert '"dashArray": "16 8"' in page  # TAPI: under construction, weight 4
    # no jQuery, Bootstrap or icon fonts: only Leaflet and the two plugins are loaded
    links = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', page)
    assert sorted(links) == sorted(
        [
            _assets.LEAFLET_JS,
            _assets.LEAFLET_CSS,
            _assets.TREE_JS,
            _assets.TREE_CSS,
            _assets.MEASURE_JS,
            _assets.MEASURE_CSS,
        ]
    )


def test_corridor_popups_carry_the_scored_numbers(page, scores):
    popups = js_strings(page, "popup")
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
    assert f"km {first.at_km:,.1f} from the start" in row[4]
    assert any(x.named and html.escape(x.named) in " ".join(r[4] for r in crossings) for x in tapi.crossings)


def test_same_input_gives_identical_bytes(tmp_path):
    digests = set()
    for name in ("a.html", "b.html"):
        target = tmp_path / name
        assert run("map", *IDS, "-o", str(target)).exit_code == 0
        digests.add(hashlib.sha256(target.read_bytes()).hexdigest())
    assert len(digests) == 1
    text = (tmp_path / "a.html").read_text()
    assert not re.search(r"[0-9a-f]{32}", text)  # no random element ids left


def test_identical_across_processes(tmp_path):
    code = (
        "import sys; from corridors import load_catalog, score; from corridors.render import atlas_map; "
        "sys.stdout.write(atlas_map(score(load_catalog().select(['wakhan-corridor']))).html)"
    )
    outs = {
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=tmp_path).stdout
        for _ in range(2)
    }
    assert len(outs) == 1


def test_escaping_payloads(payload_page):
    page = payload_page
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
    assert "`" not in page  # no template literals, where ${…} would run
    assert "49" not in re.sub(r"[0-9.]{3,}", "", page)  # {{ 7*7 }} was not evaluated
    popups = js_strings(page, "popup") + [row[4] for row in point_rows(page)]
    assert any(html.escape(IMG) in p for p in popups)
    assert any("&#123;&#123; 7*7 &#125;&#125;" in p for p in popups)
    assert any(html.escape(SCRIPT) in label for label in tree_labels(page))
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


def test_missing_assets_give_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDORS_ASSETS", str(tmp_path / "empty"))
    monkeypatch.setenv("CORRIDORS_CACHE", str(tmp_path / "cache"))

    def offline(spec, dest):
        raise OSError("network is unreachable")

    monkeypatch.setattr(_assets, "_download", offline)
    target = tmp_path / "atlas.html"
    target.write_text("previous")
    result = CliRunner().invoke(cli, ["map", "wakhan-corridor", "--self-contained", "-o", str(target)])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    assert "offline asset missing" in result.output and "npm pack leaflet@1.9.3" in result.output
    assert target.read_text() == "previous"


def _fake_assets(root: Path) -> None:
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
    for url, (spec, member) in _assets.FILES.items():
        path = root / spec / member
        path.parent.mkdir(parents=True, exist_ok=True)
        if member.endswith(".css"):
            path.write_text(f".x{{background:url(images/icon.png)}} .y{{behavior:url(#default#VML)}} /* {url} */")
            (path.parent / "images").mkdir(exist_ok=True)
            (path.parent / "images" / "icon.png").write_bytes(png)
        else:
            path.write_text(f"var s = '</script>'; /* {url} */")


def test_self_contained_inlines_every_script_style_and_icon(tmp_path, monkeypatch, scores):
    _fake_assets(tmp_path / "assets")
    monkeypatch.setenv("CORRIDORS_ASSETS", str(tmp_path / "assets"))
    page = atlas_map(scores[2:], self_contained=True).html
    assert "<script src=" not in page and '<link rel="stylesheet"' not in page
    assert "cdn.jsdelivr.net" in page  # only inside the inlined files' comments
    assert not re.search(r'(src|href)="https://cdn', page)
    assert "url(images/" not in page and page.count("data:image/png;base64,") == 3
    assert "url(#default#VML)" in page
    assert "var s = '<\\/script>'" in page  # a "</script>" inside an inlined file cannot end its element


def test_known_urls_map_to_pinned_packages():
    assert {spec for spec, _ in _assets.FILES.values()} == set(_assets.PACKAGES)
    script = (ROOT / "scripts" / "fetch_assets.sh").read_text()
    pinned = dict(re.findall(r'^  "(\S+@\S+) (sha512-\S+)"$', script, flags=re.MULTILINE))
    assert pinned == _assets.PACKAGES
    with pytest.raises(DataError, match="no offline copy is known"):
        _assets.inline('<script src="https://example.org/x.js"></script>')


@pytest.mark.skipif(not assets_available(), reason="offline assets missing: run scripts/fetch_assets.sh")
def test_full_atlas_fits_in_2_mb():
    scores = score(list(load_catalog().values()))
    plain = atlas_map(scores)
    inlined = atlas_map(scores, self_contained=True)
    assert len(plain.html.encode()) < 2_000_000
    assert len(inlined.html.encode()) < 2_000_000
    assert "<script src=" not in inlined.html


def test_fragment_embeds_the_whole_page(page):
    atlas = AtlasMap(html=page, title='Atlas "<b>"')
    snippet = atlas.fragment(height="480px")
    m = re.fullmatch(
        r'<iframe srcdoc="([^"]*)" title="([^"]*)" style="width:100%;height:480px;border:0" '
        r'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>',
        snippet,
    )
    assert m is not None
    assert html.unescape(m.group(1)) == page
    assert "<" not in m.group(1) and html.unescape(m.group(2)) == 'Atlas "<b>"'
    assert atlas._repr_html_() == atlas.fragment()
    with pytest.raises(CorridorsError, match="not a CSS size"):
        atlas.fragment(height="1px;background:url(x)")


def test_fragment_cli(tmp_path):
    target = tmp_path / "snippet.html"
    assert run("map", "wakhan-corridor", "--fragment", "-o", str(target)).exit_code == 0
    assert target.read_text().startswith("<iframe srcdoc=")


def test_save_writes_html_atomically(tmp_path, page):
    atlas = AtlasMap(html=page, title="t")
    assert atlas.save(tmp_path / "m.html").read_text() == page
    with pytest.raises(OutputError):
        atlas.save(tmp_path / "m.png")


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
