"""The web map in headless Chromium with every network request blocked: the atlas itself, and the map
embedded the ways readers meet it (report, ``--fragment``, closed ``<details>``, Quarto and MkDocs
tabs, an iframe sized late, a Jupyter notebook exported with nbconvert), each loaded 20 times.

A blank map is a failure: after the scenario, the map must have a size, a finite view, its corridor
lines in view and painted pixels on its canvas. One browser serves every test (new pages).

Needs Debian's ``chromium`` (or ``$CORRIDORS_CHROMIUM``) and the Python ``playwright`` package;
skipped with the reason when one is missing (``scripts/install_browser.sh`` installs Chromium).
"""

from __future__ import annotations

import contextlib
import html
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod
from render_common import IMG, PAYLOAD_NAMES, SCRIPT, payload_catalog

from corridors import load_catalog
from corridors.render import _assets, _style, atlas_map, map_html, report_html
from corridors.scoring import score_records as score

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CORRIDORS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [*_assets.HEADLESS_CHROMIUM_ARGS]
LOADS = 20
PlaywrightError: type[Exception] = Exception  # playwright's, once imported
EMBED_IDS = ["tapi", "karakoram-highway", "wakhan-corridor"]

# The state of the map in a frame: size, view, corridor lines in view, painted canvas pixels,
# labels drawn, and how much of the routes' box the controls cover.
MAP_STATE = """() => {
    if (typeof L === "undefined" || !L.Corridors) return null;
    const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
    if (!map) return null;
    const size = map.getSize(), view = map.getPixelBounds(), center = map.getCenter();
    let lines = 0, points = 0, labels = [], routes = null;
    map.eachLayer(l => {
        if (l instanceof L.Corridors.Lines && l.options.popup !== undefined && l._pxBounds) {
            if (l._pxBounds.intersects(L.bounds(view.min.subtract(map.getPixelOrigin()),
                                                view.max.subtract(map.getPixelOrigin())))) lines++;
            const b = l._pxBounds;
            routes = routes ? routes.extend(b.min).extend(b.max) : L.bounds(b.min, b.max);
        }
        if (l instanceof L.Corridors.Points && l._pts) points += l._pts.length;
        if (l instanceof L.Corridors.Labels) labels = l.drawn;
    });
    let painted = 0;  // pixels with paint on the map's canvas, counted on a 128 x 128 copy
    const canvas = map._corridorsRenderer && map._corridorsRenderer._container;
    if (canvas && canvas.width && canvas.height) {
        const small = document.createElement("canvas");
        small.width = small.height = 128;
        const ctx = small.getContext("2d");
        ctx.drawImage(canvas, 0, 0, 128, 128);
        const data = ctx.getImageData(0, 0, 128, 128).data;
        for (let i = 3; i < data.length; i += 4) if (data[i]) painted++;
    }
    let covered = 0;
    if (routes) {
        const pane = map._getMapPanePos(), rect = map.getContainer().getBoundingClientRect();
        const r = [routes.min.x + pane.x + 3, routes.min.y + pane.y + 3,
                   routes.max.x + pane.x - 3, routes.max.y + pane.y - 3];
        document.querySelectorAll(".leaflet-control").forEach(c => {
            const b = c.getBoundingClientRect(), x0 = b.left - rect.left, y0 = b.top - rect.top;
            const w = Math.min(r[2], x0 + b.width) - Math.max(r[0], x0);
            const h = Math.min(r[3], y0 + b.height) - Math.max(r[1], y0);
            if (w > 0 && h > 0 && !c.classList.contains("leaflet-control-attribution")) covered += w * h;
        });
    }
    return {w: size.x, h: size.y, lat: center.lat, zoom: map.getZoom(), lines, points, painted, labels, covered};
}"""

# A container point on a corridor's line where that line is the topmost interactive layer.
POINT_ON_LINE = """(id) => {
    const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
    let target = null, others = [];
    map.eachLayer(l => {
        if (l instanceof L.Corridors.Lines && l.options.corridor === id) target = l;
        else if (l._containsPoint && l.options.interactive) others.push(l);
    });
    const pts = target._parts[0], order = [];
    for (let i = 0; i + 1 < pts.length; i++) order.push(i);
    order.sort((a, b) => Math.abs(a - pts.length / 2) - Math.abs(b - pts.length / 2));
    const size = map.getSize();
    const candidates = [];
    for (const i of order) for (const f of [0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.1, 0.9]) {
        candidates.push(pts[i].multiplyBy(1 - f).add(pts[i + 1].multiplyBy(f)));
    }
    for (const p of candidates) {
        const c = map.layerPointToContainerPoint(p);
        if (c.x < 60 || c.y < 60 || c.x > size.x - 60 || c.y > size.y - 60) continue;
        if (others.some(o => o._containsPoint(p) && o !== target)) continue;
        const box = map.getContainer().getBoundingClientRect();
        if (document.elementFromPoint(box.left + c.x, box.top + c.y) !== target._renderer._container) continue;
        return [box.left + c.x, box.top + c.y];
    }
    return null;
}"""


def ok(state: dict | None, corridors: int) -> bool:
    """A drawn map: sized, a finite view, every corridor line in view, painted, labelled, uncovered."""
    return bool(
        state
        and state["w"] > 100
        and state["h"] > 100
        and np.isfinite(state["lat"])
        and np.isfinite(state["zoom"])
        and state["lines"] == corridors
        and state["points"] > 0
        and state["painted"] > 2000
        and state["labels"]
        and state["covered"] == 0
    )


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (scripts/install_browser.sh)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    global PlaywrightError
    PlaywrightError = sync_api.Error
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Watch:
    """A page with every network request blocked; records page errors, dialogs and blocked requests."""

    def __init__(self, browser, viewport=(1280, 800)):
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.blocked: list[tuple[str, str]] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on(
            "console", lambda m: m.type == "error" and "ERR_FAILED" not in m.text and self.errors.append(m.text)
        )
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._route)

    def _route(self, route):
        if route.request.url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            self.blocked.append((route.request.frame.url, route.request.url))
            route.abort()

    def map_frame(self):
        for frame in self.page.frames:
            if frame.evaluate("typeof L !== 'undefined' && !!L.Corridors"):
                return frame
        return None

    def close(self):
        self.page.close()


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    catalog = load_catalog([payload_catalog(folder)])
    scores = score(list(catalog.values()))
    path = folder / "atlas.html"
    path.write_text(map_html(atlas_map(scores)), encoding="utf-8")
    return path, scores


@pytest.fixture
def page(browser, atlas):
    watch = Watch(browser)
    watch.page.goto(atlas[0].as_uri(), wait_until="load")
    watch.page.wait_for_function(f"({MAP_STATE})() && ({MAP_STATE})().painted > 0")
    yield watch
    watch.close()


def test_atlas_draws_offline_without_errors(page, atlas):
    state = page.page.evaluate(MAP_STATE)
    assert ok(state, len(atlas[1])), state
    for town in ("Kabul", "Islamabad", "Quetta", "Karachi", "Gwadar", "Kashgar"):
        assert town in state["labels"], town
    assert page.errors == [] and page.blocked == [] and page.dialogs == []
    p = page.page
    assert p.locator(".leaflet-control-scale").count() == 1
    assert p.locator(".corridors-measure").count() == 1
    legend = p.locator(".corridors-legend").inner_text()
    assert legend.split()[:4] == ["Legend", "Kind", "(colour)", "Status"] and "Pipeline" in legend
    attribution = p.locator(".leaflet-control-attribution").inner_text()
    assert "GeoNames (CC BY 4.0)" in attribution and "worldview: de facto" in attribution
    assert "Natural Earth" in attribution


def test_more_towns_as_you_zoom_in(page):
    before = page.page.evaluate(MAP_STATE)["labels"]
    page.page.evaluate(
        "() => { window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))]"
        ".setView([30.2, 67.0], 8.5, {animate: false}); }"
    )
    page.page.wait_for_timeout(100)
    after = page.page.evaluate(MAP_STATE)["labels"]
    assert "Quetta" in after and len(set(after) - set(before)) >= 5


def test_every_corridor_is_in_the_layer_control_and_toggles(page, atlas):
    p = page.page
    p.hover(".corridors-layers")
    names = [n.strip() for n in p.locator(".corridors-layers-name").all_inner_texts()]
    for s in atlas[1]:
        assert s.corridor.name in names, s.corridor.name
    on_map = (
        "(id) => { let on = false; window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))].eachLayer(l => {"
        " if (l instanceof L.Corridors.Lines && l.options.corridor === id) on = true; }); return on; }"
    )
    for s in atlas[1][:12]:
        box = p.locator(".corridors-layers-item", has_text=s.corridor.name).last.locator("input")
        assert p.evaluate(on_map, s.corridor.id)
        box.click()
        assert not p.evaluate(on_map, s.corridor.id)
        box.click()
        assert p.evaluate(on_map, s.corridor.id)
    group = p.locator(".corridors-layers-grouphead", has_text="Pipelines").locator("input")
    group.click()
    assert not any(p.evaluate(on_map, s.corridor.id) for s in atlas[1] if s.corridor.kind == "pipeline")
    group.click()
    assert all(p.evaluate(on_map, s.corridor.id) for s in atlas[1] if s.corridor.kind == "pipeline")
    assert page.errors == [] and page.dialogs == []


def test_popup_shows_the_modeled_length(page, atlas):
    """Click a corridor that runs on its own line (TAPI now shares Quetta–Multan with others)."""
    kkh = next(s for s in atlas[1] if s.corridor.id == "karakoram-highway")
    x, y = page.page.evaluate(POINT_ON_LINE, "karakoram-highway")
    page.page.mouse.click(x, y)
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert kkh.corridor.name in text
    assert f"{kkh.length_km:,.1f} km" in text and "1,300" in text  # published: 1,300 km


def test_marker_popup_is_built_on_demand(page, atlas):
    tapi = next(s for s in atlas[1] if s.corridor.id == "tapi")
    first = tapi.crossings[0]
    x, y = page.page.evaluate(
        """([lat, lon]) => { const m = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
            const c = m.latLngToContainerPoint([lat, lon]), b = m.getContainer().getBoundingClientRect();
            return [b.left + c.x, b.top + c.y]; }""",
        [first.lat, first.lon],
    )
    page.page.mouse.click(x, y)
    popup = page.page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()  # the topmost marker there: TAPI's, or one of its variants' at the same place
    name = text.split("Corridor\t")[1].split("\n")[0]
    s = next(s for s in atlas[1] if s.corridor.name == name)
    assert text.startswith("Turkmenistan → Afghanistan")
    assert any(f"km {x.at_km:,.1f} from the start" in text for x in s.crossings)


def test_distance_tool_measures_the_geodesic(page):
    p = page.page
    p.click(".corridors-measure a")
    box = p.locator(".folium-map").bounding_box()
    a, b = (box["x"] + 300, box["y"] + 300), (box["x"] + 900, box["y"] + 500)
    p.mouse.click(*a)
    p.mouse.click(*b)
    label = p.locator(".corridors-measure-label").last.inner_text()
    (lat1, lon1), (lat2, lon2) = p.evaluate(
        """(pts) => { const m = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
            const r = m.getContainer().getBoundingClientRect();
            return pts.map(q => {
                const ll = m.containerPointToLatLng([q[0] - r.left, q[1] - r.top]);
                return [ll.lat, ll.lng];
            }); }""",
        [a, b],
    )
    km = Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2] / 1000
    assert label == f"{km:,.1f} km"
    assert p.locator(".leaflet-popup").count() == 0  # measuring opens no corridor popup
    assert page.errors == []


def test_screenshot_is_not_blank(page, tmp_path):
    from PIL import Image

    page.page.screenshot(path=str(tmp_path / "atlas.png"))
    image = np.asarray(Image.open(tmp_path / "atlas.png").convert("RGB")).astype(int)
    assert len(np.unique(image.reshape(-1, 3), axis=0)) > 100
    for colour, least in (
        (_style.LAND, 100_000),
        (_style.SEA, 5_000),
        (_style.CROSSING_FILL, 200),
        (_style.KINDS["pipeline"].color, 1_000),
        (_style.KINDS["road"].color, 1_000),
    ):
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert np.count_nonzero(np.abs(image - rgb).sum(axis=2) <= 30) >= least, colour


def test_escaping_payloads_never_run(page, atlas):
    p = page.page
    p.evaluate(  # only the payload corridors stay, so that nothing else lies under the pointer
        """(ids) => { const map = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))], drop = [];
            map.eachLayer(l => { if (l instanceof L.FeatureGroup) {
                const keep = l.getLayers().some(x => ids.includes(x.options.corridor));
                if (!keep && l.getLayers().some(x => x instanceof L.Corridors.Lines)) drop.push(l); } });
            drop.forEach(l => map.removeLayer(l)); }""",
        list(PAYLOAD_NAMES),
    )
    for corridor_id, name in PAYLOAD_NAMES.items():
        point = p.evaluate(POINT_ON_LINE, corridor_id)
        assert point is not None
        p.mouse.move(*point)
        p.mouse.click(*point)
        popup = p.locator(".leaflet-popup-content").last
        popup.wait_for()
        assert name in popup.inner_text()  # shown as text
    payload = next(s for s in atlas[1] if s.corridor.id == "payload-img")
    for w in payload.corridor.waypoints:
        x, y = p.evaluate(
            """([lat, lon]) => { const m = window[Object.keys(window).find(k => /^map_[0-9a-f]+$/.test(k))];
                const c = m.latLngToContainerPoint([lat, lon]), b = m.getContainer().getBoundingClientRect();
                return [b.left + c.x, b.top + c.y]; }""",
            [w.lat, w.lon],
        )
        p.mouse.move(x, y)
        p.mouse.click(x, y)
    p.hover(".corridors-layers")
    p.wait_for_timeout(200)
    assert page.dialogs == []
    assert p.evaluate("document.querySelectorAll('img[src=\"x\"], svg[onload], iframe, b[onmouseover]').length") == 0
    assert p.evaluate("document.querySelectorAll('script').length") == p.evaluate(
        "document.documentElement.outerHTML.split('<script').length - 1"
    )
    control = p.locator(".corridors-layers").inner_text()
    assert IMG in control and SCRIPT in control
    assert html.escape(IMG) not in control  # escaped once, not twice
    assert page.errors == []


# --- embeddings -------------------------------------------------------------------------------

_BOOTSTRAP_TABS = """<style>.tab-content > .tab-pane { display: none; } .tab-content > .active { display: block; }
.nav-tabs { display: flex; list-style: none; gap: 8px; padding: 0; }</style>
<script>document.addEventListener("click", e => {
  const a = e.target.closest("[data-bs-toggle=tab]"); if (!a) return; e.preventDefault();
  a.closest(".panel-tabset").querySelectorAll(".nav-link, .tab-pane").forEach(x => x.classList.remove("active"));
  a.classList.add("active"); document.querySelector(a.dataset.bsTarget).classList.add("active");
});</script>"""

_MATERIAL_TABS = """<style>.tabbed-set { display: flex; flex-flow: column wrap; position: relative; }
.tabbed-set > input { position: absolute; opacity: 0; } .tabbed-labels { display: flex; gap: 8px; }
.tabbed-labels > label { cursor: pointer; } .tabbed-content { width: 100%; } .tabbed-block { display: none; }
.tabbed-set > input:first-child:checked ~ .tabbed-content > :first-child,
.tabbed-set > input:nth-child(2):checked ~ .tabbed-content > :nth-child(2) { display: block; }</style>"""


def _host(title: str, body: str, head: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f"<body><h1>{title}</h1><p>Text before the map.</p>{body}<p>Text after.</p></body></html>"
    )


def _notebook(m) -> str:
    """A notebook that displays the map, exported with nbconvert (or its output structure, without it)."""
    shown = {"text/html": m._repr_html_(), "text/plain": repr(m)}
    try:
        import nbformat
        from nbconvert import HTMLExporter
    except ImportError:
        return _host(
            "Notebook",
            '<div class="jp-Cell jp-CodeCell"><div class="jp-Cell-outputWrapper"><div class="jp-OutputArea">'
            '<div class="jp-OutputArea-child jp-OutputArea-executeResult">'
            '<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output" data-mime-type="text/html">'
            f"{shown['text/html']}</div></div></div></div></div>",
        )
    import warnings

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("m = atlas_map(scores)\nm", execution_count=1)
    cell.outputs = [nbformat.v4.new_output("execute_result", data=shown, execution_count=1)]
    nb.cells = [nbformat.v4.new_markdown_cell("# Corridors"), cell]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        body, _ = HTMLExporter().from_notebook_node(nb)
    return body


@pytest.fixture(scope="module")
def embeddings(tmp_path_factory):
    """Host pages, each with the scenario that makes its map visible (None: visible at once)."""
    folder = tmp_path_factory.mktemp("embed")
    scores = score(load_catalog().select(EMBED_IDS))
    m = atlas_map(scores)
    fragment = map_html(m, fragment=True, height="480px")
    pages = {
        "report": (report_html(scores, dpi=30), None),
        "fragment": (_host("Fragment", fragment), None),
        "details": (_host("Details", f"<details><summary>Show the map</summary>{fragment}</details>"), "summary"),
        "quarto-tabset": (
            _host(
                "Quarto",
                '<div class="panel-tabset"><ul class="nav nav-tabs" role="tablist">'
                '<li class="nav-item" role="presentation"><a class="nav-link active" id="tabset-1-1-tab" '
                'data-bs-toggle="tab" data-bs-target="#tabset-1-1" role="tab" aria-controls="tabset-1-1" '
                'aria-selected="true" href="">Table</a></li>'
                '<li class="nav-item" role="presentation"><a class="nav-link" id="tabset-1-2-tab" '
                'data-bs-toggle="tab" data-bs-target="#tabset-1-2" role="tab" aria-controls="tabset-1-2" '
                'aria-selected="false" href="">Map</a></li></ul>'
                '<div class="tab-content">'
                '<div id="tabset-1-1" class="tab-pane active" role="tabpanel" aria-labelledby="tabset-1-1-tab">'
                "<p>The comparison table.</p></div>"
                '<div id="tabset-1-2" class="tab-pane" role="tabpanel" aria-labelledby="tabset-1-2-tab">'
                f"{fragment}</div></div></div>",
                _BOOTSTRAP_TABS,
            ),
            "#tabset-1-2-tab",
        ),
        "mkdocs-tabs": (
            _host(
                "MkDocs",
                '<div class="tabbed-set tabbed-alternate" data-tabs="1:2">'
                '<input checked="checked" id="__tabbed_1_1" name="__tabbed_1" type="radio">'
                '<input id="__tabbed_1_2" name="__tabbed_1" type="radio">'
                '<div class="tabbed-labels"><label for="__tabbed_1_1">Table</label>'
                '<label for="__tabbed_1_2">Map</label></div>'
                '<div class="tabbed-content"><div class="tabbed-block"><p>The comparison table.</p></div>'
                f'<div class="tabbed-block">{fragment}</div></div></div>',
                _MATERIAL_TABS,
            ),
            "label[for=__tabbed_1_2]",
        ),
        "iframe-sized-late": (
            _host(
                "Late",
                fragment.replace("width:100%;height:480px", "width:0;height:0")
                + "<script>setTimeout(() => { const f = document.querySelector('iframe');"
                " f.style.width = '900px'; f.style.height = '520px'; }, 150);</script>",
            ),
            None,
        ),
        "jupyter-nbconvert": (_notebook(m), None),
    }
    paths = {}
    for name, (text, action) in pages.items():
        path = folder / f"{name}.html"
        path.write_text(text, encoding="utf-8")
        paths[name] = (path, action)
    return paths, len(scores)


@pytest.mark.parametrize(
    "name",
    ["report", "fragment", "details", "quarto-tabset", "mkdocs-tabs", "iframe-sized-late", "jupyter-nbconvert"],
)
def test_embedded_map_draws_every_time(browser, embeddings, name):
    paths, corridors = embeddings
    path, action = paths[name]
    failures, start = [], time.perf_counter()
    watch = Watch(browser, viewport=(1100, 800))  # one page, loaded afresh each time
    try:
        for i in range(LOADS):
            watch.errors.clear()
            watch.dialogs.clear()
            watch.blocked.clear()
            watch.page.goto(path.as_uri(), wait_until="load")
            frame = watch.map_frame()
            assert frame is not None, "no map frame"
            if action:
                hidden = frame.evaluate(MAP_STATE)
                assert hidden is not None and not ok(hidden, corridors)  # hidden at first: nothing to see yet
                watch.page.click(action)
            frame.frame_element().scroll_into_view_if_needed()
            with contextlib.suppress(PlaywrightError):  # a map that never draws is reported below
                frame.wait_for_function(
                    f"(s => s && s.w > 100 && s.painted > 2000 && s.labels.length)(({MAP_STATE})())", timeout=5000
                )
            state = frame.evaluate(MAP_STATE)
            map_requests = [url for frame_url, url in watch.blocked if frame_url == "about:srcdoc"]
            if not ok(state, corridors) or watch.errors or watch.dialogs or map_requests:
                failures.append((i, state, list(watch.errors), map_requests))
    finally:
        watch.close()
    elapsed = time.perf_counter() - start
    assert failures == [], f"{name}: {len(failures)} of {LOADS} loads failed: {failures[:2]}"
    print(f"{name}: {LOADS} loads in {elapsed:.1f} s")
