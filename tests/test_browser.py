"""The self-contained atlas in headless Chromium with every network request blocked.

Needs Debian's ``chromium`` (or ``$CORRIDORS_CHROMIUM``), the Python ``playwright`` package and the
offline assets (``scripts/fetch_assets.sh``); skipped with the reason when one is missing.
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from render_common import IMG, PAYLOAD_NAMES, SCRIPT, assets_available, payload_catalog

from corridors import load_catalog
from corridors.render import _assets, _style, atlas_map
from corridors.scoring import score_records as score

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CORRIDORS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [*_assets.HEADLESS_CHROMIUM_ARGS]

# A screen point on a corridor's SVG path where that path is the topmost element.
_POINT_ON_PATH = """(cls) => {
    const path = document.querySelector("path." + cls);
    const length = path.getTotalLength(), m = path.getScreenCTM();
    for (const f of [0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8]) {
        const q = path.getPointAtLength(length * f);
        const x = m.a * q.x + m.c * q.y + m.e, y = m.b * q.x + m.d * q.y + m.f;
        if (document.elementFromPoint(x, y) === path) return [x, y];
    }
    return null;
}"""


@pytest.fixture(scope="module")
def atlas(tmp_path_factory):
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not assets_available():
        pytest.skip("offline assets missing: run scripts/fetch_assets.sh")
    folder = tmp_path_factory.mktemp("browser")
    catalog = load_catalog([payload_catalog(folder)])
    scores = score(list(catalog.values()))
    path = folder / "atlas.html"
    atlas_map(scores, self_contained=True).save(path)
    return path, scores


@pytest.fixture(scope="module")
def browser(atlas):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, atlas):
    """The atlas, opened with all network blocked; records console errors, dialogs and requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.events = {"errors": [], "dialogs": [], "blocked": []}
    page.on("console", lambda m: m.type == "error" and page.events["errors"].append(m.text))
    page.on("pageerror", lambda e: page.events["errors"].append(str(e)))

    def dialog(d):
        page.events["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", dialog)

    def route(r):
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            page.events["blocked"].append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(atlas[0].as_uri(), wait_until="load")
    page.wait_for_function("document.querySelectorAll('path.corridor').length > 0")
    yield page
    context.close()


def test_loads_offline_without_errors(page, atlas):
    page.wait_for_timeout(300)
    assert page.events["errors"] == []
    assert page.events["blocked"] == []
    assert page.locator("path.corridor").count() == len(atlas[1])
    assert page.locator(".country-label").count() > 5
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-control-measure").count() == 1
    assert page.locator(".corridors-legend").inner_text().split()[:2] == ["Pipeline", "Road"]


def test_every_corridor_is_in_the_layer_control_and_toggles(page, atlas):
    page.hover(".leaflet-control-layers")
    names = page.locator(".leaflet-layerstree-header-name").all_inner_texts()
    for s in atlas[1]:
        assert any(name.strip() == s.corridor.name for name in names), s.corridor.name
    for s in atlas[1]:
        cls = f"path.corridor-{s.corridor.id}"
        box = (
            page.locator(".leaflet-layerstree-header", has_text=s.corridor.name)
            .filter(has=page.locator("input[type=checkbox]"))
            .last
        )
        checkbox = box.locator("input[type=checkbox]")
        assert page.locator(cls).count() == 1
        checkbox.click()
        assert page.locator(cls).count() == 0
        checkbox.click()
        assert page.locator(cls).count() == 1
    assert page.events["errors"] == [] and page.events["dialogs"] == []


def test_popup_shows_the_modeled_length(page, atlas):
    tapi = next(s for s in atlas[1] if s.corridor.id == "tapi")
    x, y = page.evaluate(_POINT_ON_PATH, "corridor-tapi")
    page.mouse.click(x, y)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert tapi.corridor.name in text
    assert f"{tapi.length_km:,.1f} km" in text and "1,814 km" in text


def test_screenshot_is_not_blank(page, tmp_path):
    from PIL import Image

    page.screenshot(path=str(tmp_path / "atlas.png"))
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
    for corridor_id, name in PAYLOAD_NAMES.items():
        point = page.evaluate(_POINT_ON_PATH, f"corridor-{corridor_id}")
        assert point is not None
        page.mouse.move(*point)
        page.mouse.click(*point)
        popup = page.locator(".leaflet-popup-content").last
        popup.wait_for()
        assert name in popup.inner_text()  # shown as text
    for marker in page.locator("path.waypoint-payload-img").all():
        marker.dispatch_event("mouseover")
        marker.dispatch_event("click")
    page.hover(".leaflet-control-layers")
    page.wait_for_timeout(300)
    assert page.events["dialogs"] == []
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], svg[onload], iframe, b[onmouseover]').length") == 0
    assert page.evaluate("document.querySelectorAll('script').length") == page.evaluate(
        "document.documentElement.outerHTML.split('<script').length - 1"
    )
    assert IMG in page.locator(".leaflet-control-layers").inner_text()
    assert SCRIPT in page.locator(".leaflet-control-layers").inner_text()
    assert html.escape(IMG) not in page.locator(".leaflet-control-layers").inner_text()  # escaped once, not twice
    assert page.events["errors"] == []


def test_fragment_renders_inside_a_page(browser, atlas, tmp_path):
    from corridors.render import AtlasMap

    document = atlas[0].read_text(encoding="utf-8")
    host = tmp_path / "host.html"
    host.write_text(
        "<!DOCTYPE html><html><body><h1>Host</h1>"
        + AtlasMap(html=document, title="Atlas").fragment(height="500px")
        + "</body></html>"
    )
    page = browser.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith(("file:", "data:", "about:")) else r.abort(),
    )
    page.goto(host.as_uri(), wait_until="load")
    frame = page.frames[1]
    frame.wait_for_function("document.querySelectorAll('path.corridor').length > 0")
    assert frame.locator("path.corridor").count() == len(atlas[1])
    assert dialogs == [] and errors == []
    page.close()
