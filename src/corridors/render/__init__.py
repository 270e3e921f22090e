"""Maps and reports of scored corridors.

- :func:`atlas_map` → :class:`folium.Map`: a layered web map (adds to a map you pass as ``m``;
  shows itself in Jupyter); :func:`map_html` renders it as a page or an ``<iframe>`` fragment;
- :func:`report_html`, :func:`report_markdown`, :func:`write_report`: a report with the comparison
  table, the map and figures.

Each takes the results of :func:`corridors.score`. folium and matplotlib are imported only when a
map or figure is drawn, so importing this package is cheap::

    from corridors import load_catalog, score
    from corridors.render import atlas_map, map_html
    m = atlas_map(score(load_catalog().select(["tapi"])))
    open("tapi.html", "w").write(map_html(m))
"""

from __future__ import annotations

from .report import report_html, report_markdown, write_report
from .webmap import DEFAULT_TILES, atlas_map, map_html, tile_provider

__all__ = [
    "DEFAULT_TILES",
    "atlas_map",
    "map_html",
    "report_html",
    "report_markdown",
    "tile_provider",
    "write_report",
]


def __dir__() -> list[str]:
    return sorted(__all__)
