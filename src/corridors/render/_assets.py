"""Offline copies of the scripts, stylesheets and icons a web map loads, for ``--self-contained``.

The maps reference their JavaScript and CSS by the CDN URLs folium uses. :func:`inline` replaces
each ``<script src>`` and stylesheet ``<link>`` with the file's text and each image a stylesheet
refers to with a ``data:`` URI, so the page needs no network at all. Files come from the npm
packages the CDN serves them from, found in

1. the folder ``$CORRIDORS_ASSETS`` (when set), else ``./assets``: one sub-folder per package
   spec, holding the package as ``npm pack`` ships it (``assets/leaflet@1.9.3/dist/leaflet.js``);
   ``scripts/fetch_assets.sh`` fills it;
2. the cache ``corridors.settings.cache_dir() / "assets"``, which the tool fills from the npm
   registry when the file is in neither folder and the network is available; tarballs are
   checked against the integrity hashes pinned here.

Assets are never committed to the repository (``/assets/`` is in ``.gitignore``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import tarfile
from pathlib import Path

from .. import settings
from .._errors import DataError

#: npm packages the maps use, with the registry's sha512 integrity of their tarballs.
PACKAGES: dict[str, str] = {
    "leaflet@1.9.3": "sha512-iB2cR9vAkDOu5l3HAay2obcUHZ7xwUBBjph8+PGtmW/2lYhbLizWtG7nTeYht36WfOslixQF9D/uSIzhZgGMfQ==",
    "leaflet-measure@2.1.7": "sha512-IvoHIoVTIQSXUgaNnAMF17qXFB+dF5ICdwmY8BHyq/Hh33/xeGqQUUYlz0pRMzFN9NUcjsT6JBhCr1ia0CG5ug==",  # noqa: E501
    "leaflet.control.layers.tree@1.1.0": "sha512-B4/dfplsWL2ozra6UcHOfsA20ncmtBwu2HRNdrUSB5Xcd+kK5Tuxb9I+YyjE30cy2oRA3jHoM9sU11aFXAEaBA==",  # noqa: E501
}

# The URLs folium 0.20 references for Leaflet and the two plugins the maps use (folium.folium,
# folium.plugins.measure_control, folium.plugins.treelayercontrol); the maps pin them here.
LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"
MEASURE_JS = "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js"
MEASURE_CSS = "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css"
TREE_JS = "https://cdn.jsdelivr.net/npm/leaflet.control.layers.tree@1.1.0/L.Control.Layers.Tree.min.js"
TREE_CSS = "https://cdn.jsdelivr.net/npm/leaflet.control.layers.tree@1.1.0/L.Control.Layers.Tree.min.css"

#: Each URL's file inside its npm package. jsDelivr minifies ``*.min.*`` on the fly where a package
#: ships only the plain file (the tree control; the measure control's CSS), so those map to it.
FILES: dict[str, tuple[str, str]] = {
    LEAFLET_JS: ("leaflet@1.9.3", "dist/leaflet.js"),
    LEAFLET_CSS: ("leaflet@1.9.3", "dist/leaflet.css"),
    MEASURE_JS: ("leaflet-measure@2.1.7", "dist/leaflet-measure.min.js"),
    MEASURE_CSS: ("leaflet-measure@2.1.7", "dist/leaflet-measure.css"),
    TREE_JS: ("leaflet.control.layers.tree@1.1.0", "L.Control.Layers.Tree.js"),
    TREE_CSS: ("leaflet.control.layers.tree@1.1.0", "L.Control.Layers.Tree.css"),
}

_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"/>')
_CSS_URL = re.compile(r"url\((['\"]?)([^)'\"#][^)'\"]*)\1\)")
_END_SCRIPT = re.compile(r"</(script)", re.IGNORECASE)
_END_STYLE = re.compile(r"</(style)", re.IGNORECASE)
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif", ".jpg": "image/jpeg"}


def asset_dirs() -> list[Path]:
    """Folders searched for package copies, in order: the asset folder, then the cache."""
    local = Path(os.environ["CORRIDORS_ASSETS"]) if os.environ.get("CORRIDORS_ASSETS") else Path("assets")
    return [local, settings.cache_dir() / "assets"]


def _hint(spec: str) -> str:
    return (
        f"run scripts/fetch_assets.sh, or 'npm pack {spec}' and unpack its package/ folder as "
        f"assets/{spec} (or under $CORRIDORS_ASSETS)"
    )


def asset_path(spec: str, member: str) -> Path:
    """Local path of ``member`` of the npm package ``spec``, filling the cache when online."""
    for folder in asset_dirs():
        path = folder / spec / member
        if path.is_file():
            return path
    cache = settings.cache_dir() / "assets" / spec
    try:
        _download(spec, cache)
    except OSError as exc:
        where = " or ".join(str(d / spec / member) for d in asset_dirs())
        raise DataError(f"{where}: offline asset missing and not downloadable ({exc}); {_hint(spec)}") from None
    path = cache / member
    if not path.is_file():
        raise DataError(f"{path}: npm package {spec} has no file {member!r}; {_hint(spec)}")
    return path


def _download(spec: str, dest: Path) -> None:
    """Fetch the npm tarball of ``spec``, check its pinned integrity and unpack it to ``dest``."""
    from urllib.request import urlopen

    name, _, version = spec.rpartition("@")
    url = f"https://registry.npmjs.org/{name}/-/{name.rpartition('/')[2]}-{version}.tgz"
    with urlopen(url, timeout=20) as response:
        data = response.read()
    algo, _, expected = PACKAGES[spec].partition("-")
    digest = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if digest != expected:
        raise OSError(f"{url}: integrity {algo}-{digest} does not match the pinned {PACKAGES[spec]}")
    tmp = dest.with_name(dest.name + ".part")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            member.name = member.name.partition("/")[2]  # drop the leading package/
        tar.extractall(tmp, filter="data")
    os.replace(tmp, dest)


def _read(url: str) -> tuple[Path, str]:
    if url not in FILES:
        raise DataError(f"{url}: no offline copy is known for this asset; it cannot be inlined")
    path = asset_path(*FILES[url])
    try:
        return path, path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read asset: {exc}") from None


def _data_uri(path: Path) -> str:
    mime = _MIME.get(path.suffix.lower())
    if mime is None or not path.is_file():
        raise DataError(f"{path}: stylesheet image missing or of unknown type")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _inline_css(url: str) -> str:
    path, css = _read(url)
    css = _CSS_URL.sub(lambda m: f'url("{_data_uri(path.parent / m.group(2))}")', css)
    return "<style>\n" + _END_STYLE.sub(r"<\\/\1", css) + "\n</style>"


def _inline_js(url: str) -> str:
    _, code = _read(url)
    # Only "</script" can end a script element early; "<\/" means "</" in JavaScript strings and
    # regular expressions, the only places it can occur (the pinned files have none).
    return "<script>\n" + _END_SCRIPT.sub(r"<\\/\1", code) + "\n</script>"


def inline(html: str) -> str:
    """``html`` with every external script and stylesheet replaced by its inlined text."""
    html = _SCRIPT.sub(lambda m: _inline_js(m.group(1)), html)
    html = _STYLESHEET.sub(lambda m: _inline_css(m.group(1)), html)
    return html


#: Flags for headless Chromium on an offline machine (background networking off, no sandbox as root),
#: shared by the browser tests, the map benchmark and the README screenshot script.
HEADLESS_CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
