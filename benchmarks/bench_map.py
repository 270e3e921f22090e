"""Benchmark of the full atlas: build time and time to a loaded, idle page.

1. ``corridors map -o atlas.html`` (every corridor) against ``corridors compare``, each as a cold
   process, median of ``--runs`` alternating runs; target: ratio at most 2.
2. The atlas (offline by default: Leaflet inlined from the ``django-js-lib-leaflet`` package)
   against an empty Leaflet map carrying the same inlined assets, in one headless Chromium with
   every network request blocked: time from navigation start to the first idle callback after the
   load event, median of alternating runs; target: ratio at most 2.

Prints both ratios and the HTML sizes (limit 1.2 MB). Needs Chromium for part 2 (``--chromium``,
default ``/usr/bin/chromium``; ``scripts/install_browser.sh``)::

    python benchmarks/bench_map.py [--runs 7] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corridors.render import _assets

CLI = [sys.executable, "-c", "from corridors.cli.main import main; main()"]
ARGS = [*_assets.HEADLESS_CHROMIUM_ARGS]
IDLE_MS = "() => new Promise(done => requestIdleCallback(() => done(performance.now()), {timeout: 10000}))"


def cold(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([*CLI, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def build_times(folder: Path, runs: int) -> tuple[float, float]:
    cold(["compare"])  # warm the OS file cache once for both
    maps, compares = [], []
    for _ in range(runs):
        maps.append(cold(["map", "-o", str(folder / "atlas.html")]))
        compares.append(cold(["compare"]))
    return statistics.median(maps), statistics.median(compares)


def empty_leaflet_page() -> str:
    """An empty Leaflet map with the atlas's scripts and stylesheets, inlined the same way."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>" + _assets.head_html(cdn=False) + "<style>"
        "html,body,#map{margin:0;height:100%}</style></head><body><div id='map'></div>"
        "<script>L.map('map').setView([33, 66], 5);</script></body></html>"
    )


def load_times(atlas: Path, empty: Path, runs: int, chromium: str) -> tuple[float, float]:
    from playwright.sync_api import sync_playwright

    def once(browser, path: Path) -> float:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
        page.goto(path.as_uri(), wait_until="load")
        idle = page.evaluate(IDLE_MS)
        page.close()
        return idle

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        once(browser, empty)  # first navigation warms the browser process
        atlas_ms, empty_ms = [], []
        for _ in range(runs):
            atlas_ms.append(once(browser, atlas))
            empty_ms.append(once(browser, empty))
        browser.close()
    return statistics.median(atlas_ms), statistics.median(empty_ms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        map_s, compare_s = build_times(folder, opts.runs)
        print(
            f"build: corridors map {map_s:.2f} s, corridors compare {compare_s:.2f} s, "
            f"ratio {map_s / compare_s:.2f} (target <= 2)"
        )
        offline = (folder / "atlas.html").stat().st_size
        subprocess.run(
            [*CLI, "map", "--cdn", "-o", str(folder / "atlas-cdn.html")], check=True, stderr=subprocess.DEVNULL
        )
        plain = (folder / "atlas-cdn.html").stat().st_size
        print(
            f"size: atlas {offline / 1e6:.2f} MB (offline, the default; limit 1.2 MB), {plain / 1e6:.2f} MB with --cdn"
        )
        (folder / "empty.html").write_text(empty_leaflet_page(), encoding="utf-8")
        if not Path(opts.chromium).is_file():
            print(f"load: skipped, no Chromium at {opts.chromium}")
            return
        atlas_ms, empty_ms = load_times(folder / "atlas.html", folder / "empty.html", opts.runs, opts.chromium)
        print(
            f"load: atlas {atlas_ms:.0f} ms, empty Leaflet map {empty_ms:.0f} ms, "
            f"ratio {atlas_ms / empty_ms:.2f} (target <= 2)"
        )


if __name__ == "__main__":
    main()
