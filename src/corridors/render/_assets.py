"""The scripts and stylesheets a web map needs, inlined by default so that it renders offline.

- Leaflet 1.9.4 comes from the PyPI package ``django-js-lib-leaflet`` (a dependency of corridors;
  its files are under ``js_lib_leaflet/static/js_lib_leaflet/``), read with :mod:`importlib.resources`;
  the images its stylesheet refers to become ``data:`` URIs.
- The map's own code (fitting in any container, labels, layer control, distance tool) is
  ``atlas.js`` and ``atlas.css`` beside this module.

:func:`head_html` returns them as inline ``<script>``/``<style>`` elements, or, when CDN assets are
asked for, Leaflet as links to jsDelivr (the map's own code is always inline). Nothing is copied into
the repository and nothing is downloaded.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources

from .._errors import DataError

__all__ = ["HEADLESS_CHROMIUM_ARGS", "LEAFLET_CSS_CDN", "LEAFLET_JS_CDN", "LEAFLET_VERSION", "head_html"]

LEAFLET_VERSION = "1.9.4"
_PACKAGE = "js_lib_leaflet"
_FOLDER = "static/js_lib_leaflet"
_PIP = "pip install django-js-lib-leaflet==1.9.4.1"
LEAFLET_JS_CDN = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS_CDN = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"

_CSS_URL = re.compile(r"url\((['\"]?)([^)'\"#][^)'\"]*)\1\)")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.MULTILINE)
_END_SCRIPT = re.compile(r"</(script)", re.IGNORECASE)
_END_STYLE = re.compile(r"</(style)", re.IGNORECASE)
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}


def _leaflet_file(name: str) -> bytes:
    try:
        folder = resources.files(_PACKAGE).joinpath(_FOLDER)
        return folder.joinpath(name).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise DataError(
            f"Leaflet {LEAFLET_VERSION} asset {name!r} not found in the {_PACKAGE} package ({exc}); {_PIP}"
        ) from None


def _own_file(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _script(code: str) -> str:
    # Only "</script" can end a script element early; "<\/" means "</" in JavaScript strings and
    # regular expressions, the only places it can occur.
    return "<script>\n" + _END_SCRIPT.sub(r"<\\/\1", code.strip()) + "\n</script>"


def _style(css: str) -> str:
    return "<style>\n" + _END_STYLE.sub(r"<\\/\1", css.strip()) + "\n</style>"


def _data_uri(name: str) -> str:
    suffix = name[name.rfind(".") :].lower()
    if suffix not in _MIME:
        raise DataError(f"{name}: stylesheet image of unknown type")
    return f"data:{_MIME[suffix]};base64,{base64.b64encode(_leaflet_file(name)).decode()}"


@cache
def leaflet_js() -> str:
    """Leaflet's minified script (source-map comment removed: nothing is fetched, even by tools)."""
    return _SOURCE_MAP.sub("", _leaflet_file("leaflet.js").decode("utf-8"))


@cache
def leaflet_css() -> str:
    """Leaflet's stylesheet with its images as ``data:`` URIs."""
    css = _leaflet_file("leaflet.css").decode("utf-8")
    return _CSS_URL.sub(lambda m: f'url("{_data_uri(m.group(2))}")', css)


@cache
def head_html(cdn: bool = False) -> str:
    """The ``<head>`` elements of a map page: Leaflet (inline, or jsDelivr links) and the map's own code."""
    if cdn:
        leaflet = f'<link rel="stylesheet" href="{LEAFLET_CSS_CDN}"/>\n<script src="{LEAFLET_JS_CDN}"></script>'
    else:
        leaflet = _style(leaflet_css()) + "\n" + _script(leaflet_js())
    return "\n".join([leaflet, _style(_own_file("atlas.css")), _script(_own_file("atlas.js"))])


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
