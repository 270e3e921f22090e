"""Maps, figures and reports of scored corridors.

- :func:`atlas_map` → :class:`AtlasMap`: a layered folium web map (``.html``, ``.save()``,
  ``.fragment()`` for embedding; shows itself in Jupyter);
- :func:`figure` → :class:`matplotlib.figure.Figure`: a static map (save it with :func:`save_figure`
  or :func:`figure_bytes` as PNG, SVG or PDF); :func:`profile_figure`: an elevation profile;
- :func:`write_report`: an HTML or Markdown report with the comparison table, map and figures.

Each takes the results of :func:`corridors.score`. folium and matplotlib are imported only when
a map or figure is drawn::

    from corridors import load_catalog, score
    from corridors.render import atlas_map
    atlas_map(score(load_catalog().select(["tapi"]))).save("tapi.html")
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "AtlasMap": "webmap",
    "DEFAULT_TILES": "webmap",
    "atlas_map": "webmap",
    "tile_provider": "webmap",
    "alt_text": "staticmap",
    "figure": "staticmap",
    "figure_bytes": "staticmap",
    "save_figure": "staticmap",
    "profile_figure": "elevation",
    "report_html": "report",
    "report_markdown": "report",
    "write_report": "report",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'corridors.render' has no attribute {name!r}")
