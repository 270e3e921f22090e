"""Regenerate the README's maps: maps/atlas.html, maps/atlas.png, maps/figure.png and the KKH profile.

- ``maps/atlas.html``: ``corridors map`` of every corridor, loading Leaflet from its CDN (the
  self-contained version would commit Leaflet into the repository);
- ``maps/atlas.png``: a screenshot of the self-contained atlas in headless Chromium, with every
  network request blocked and the TAPI popup open;
- ``maps/figure.png``: ``corridors figure`` of the design's main corridors (a figure of every
  corridor numbers them and lists the names in a key; the README shows the named version);
- ``maps/profile-karakoram-highway.png``: ``corridors profile karakoram-highway``.

``--figures-only`` redraws the two figures without the browser.

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
# A screen point on a corridor's path where that path is the topmost element.
POINT_ON_PATH = """(cls) => {
    const path = document.querySelector("path." + cls);
    const length = path.getTotalLength(), m = path.getScreenCTM();
    for (const f of [0.3, 0.35, 0.25, 0.4, 0.2, 0.45, 0.5, 0.15, 0.55, 0.6, 0.1, 0.65, 0.7, 0.75, 0.8]) {
        const q = path.getPointAtLength(length * f);
        const x = m.a * q.x + m.c * q.y + m.e, y = m.b * q.x + m.d * q.y + m.f;
        if (document.elementFromPoint(x, y) === path) return [x, y];
    }
    return null;
}"""


def screenshot(page_path: Path, png: Path, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page.goto(page_path.as_uri(), wait_until="load")
        page.mouse.click(*page.evaluate(POINT_ON_PATH, "corridor-tapi"))
        page.locator(".leaflet-popup-content").wait_for()
        page.mouse.move(5, 400)
        page.wait_for_timeout(500)
        page.screenshot(path=str(png))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--figures-only", action="store_true", help="redraw the figures, not the web map")
    opts = parser.parse_args()
    maps = ROOT / "maps"
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
