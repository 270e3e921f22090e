#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (tests/test_browser.py), the map benchmark
# (benchmarks/bench_map.py) and the README screenshots, when it is not installed yet.
#
#   scripts/install_browser.sh
#
# The web maps need nothing else: Leaflet comes from the PyPI package django-js-lib-leaflet, a
# dependency of corridors, and the maps' own code ships in the package. Playwright drives Chromium
# from Python (pip install -e '.[test]'); it never downloads a browser of its own here.
set -euo pipefail

if command -v chromium >/dev/null; then
  echo "install_browser: $(command -v chromium) is installed"
  exit 0
fi
apt-get update && apt-get install -y --no-install-recommends chromium
