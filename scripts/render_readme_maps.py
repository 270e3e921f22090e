"""Regenerate the README's maps: maps/atlas.html, maps/atlas.png, maps/figure.png and the KKH profile.

- ``maps/atlas.html``: ``corridors map`` of every corridor, loading Leaflet from its CDN (the
  self-contained version would commit Leaflet into the repository);
- ``maps/atlas.png``: a screenshot of the self-contained atlas in headless Chromium, with every
  network request blocked and the TAPI popup open;
- ``maps/figure.png``: ``corridors figure`` of the design's main corridors (a figure of every
  corridor numbers them and lists the names in a key; the README shows the named version);
- ``maps/profile-karakoram-highway.png``: ``corridors profile karakoram-highway``;
- ``maps/contested-kkh-IND.png`` and ``maps/contested-kkh-de-facto.png``: the Karakoram Highway on the
  web map under India's worldview and de facto, its popup open (docs/contested.md).

``--figures-only`` redraws the two figures without the browser; ``--contested-only`` takes only the
two contested-ground screenshots.

Needs Chromium (``scripts/install_browser.sh``) and the ``playwright`` package::

    python scripts/render_readme_maps.py [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from corridors.render import _assets

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from corridors.cli.main import main; main()"]
ARGS = [*_assets.HEADLESS_CHROMIUM_ARGS, "--hide-scrollbars", "--font-render-hinting=none"]
#: The corridors of the README figure: the design's five and the India extension of Iran–Pakistan.
FIGURE_IDS = [
    "wakhan-corridor",
    "karakoram-highway",
    "gwadar-cpec-western",
    "tapi",
    "iran-pakistan",
    "iran-pakistan-india",
]
#: The screen point of a lon/lat on the page's (canvas-drawn) map.
SCREEN_POINT = """([lat, lon]) => {
    const name = Object.keys(window).find((k) => k.startsWith("map_") && window[k] instanceof L.Map);
    const p = window[name].latLngToContainerPoint([lat, lon]);
    const box = window[name].getContainer().getBoundingClientRect();
    return [box.left + p.x, box.top + p.y];
}"""


def points_on(corridor: str) -> list[list[float]]:
    """[lat, lon] of the vertices of a corridor's modeled route, from its middle outwards."""
    import shapely

    from corridors import load_catalog, score

    xy = shapely.get_coordinates(score(load_catalog().select([corridor])).geometry.iloc[0])
    mid = len(xy) // 2
    order = sorted(range(len(xy)), key=lambda i: abs(i - mid))
    return [[float(xy[i, 1]), float(xy[i, 0])] for i in order]


def open_corridor_popup(page, corridor: str) -> None:
    """Click along the corridor (its vertices, middle first) until its popup opens."""
    for latlon in points_on(corridor)[::5]:
        page.mouse.click(*page.evaluate(SCREEN_POINT, latlon))
        page.wait_for_timeout(150)
        popup = page.locator(".leaflet-popup-content")
        if popup.count() and "Length, modeled" in popup.first.inner_text():
            return
    raise RuntimeError(f"no point of {corridor} opened its popup")


def screenshot(page_path: Path, png: Path, chromium: str, corridor: str = "tapi") -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page.goto(page_path.as_uri(), wait_until="load")
        page.wait_for_timeout(1500)  # the view fits once the map has a size
        open_corridor_popup(page, corridor)
        page.locator(".leaflet-popup-content").wait_for()
        page.mouse.move(5, 400)
        page.wait_for_timeout(500)
        page.screenshot(path=str(png))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--figures-only", action="store_true", help="redraw the figures, not the web map")
    parser.add_argument("--contested-only", action="store_true", help="only the contested-ground screenshots")
    opts = parser.parse_args()
    maps = ROOT / "maps"
    with tempfile.TemporaryDirectory() as tmp:
        for view in ("IND", "de-facto"):
            page = Path(tmp) / f"kkh-{view}.html"
            cmd = [*CLI, "map", "karakoram-highway", "--worldview", view, "--tiles", "none", "-o", str(page)]
            subprocess.run(cmd, check=True, cwd=ROOT)
            screenshot(page, maps / f"contested-kkh-{view}.png", opts.chromium, "karakoram-highway")
            print(f"wrote {maps / f'contested-kkh-{view}.png'}")
    if opts.contested_only:
        return
    subprocess.run([*CLI, "figure", *FIGURE_IDS, "-o", str(maps / "figure.png"), "--dpi", "110"], check=True, cwd=ROOT)
    profile = maps / "profile-karakoram-highway.png"
    subprocess.run([*CLI, "profile", "karakoram-highway", "-o", str(profile)], check=True, cwd=ROOT)
    if opts.figures_only:
        return
    subprocess.run([*CLI, "map", "-o", str(maps / "atlas.html")], check=True, cwd=ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        offline = Path(tmp) / "atlas.html"
        subprocess.run([*CLI, "map", "-o", str(offline)], check=True, cwd=ROOT)
        screenshot(offline, maps / "atlas.png", opts.chromium)
    print(f"wrote {maps / 'atlas.png'}")


if __name__ == "__main__":
    main()
