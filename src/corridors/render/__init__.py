"""Maps, figures and reports of scored corridors.

- `atlas_map` → `folium.Map`: a layered web map (adds to a map you pass as ``m``; shows itself in
  Jupyter); `map_html` renders it as a page or an ``<iframe>`` fragment;
- `figure` → `matplotlib.figure.Figure`: a static map (save it with `save_figure`, or get PNG, SVG
  or PDF bytes with `figure_bytes`); `profile_figure`: an elevation profile; `alt_text`: a text
  description for each figure;
- `report_html`, `report_markdown`, `write_report`: a report with the comparison table, the map and
  figures.

Each takes the results of `corridors.score`. folium and matplotlib are imported only when a map or
figure is drawn, so importing this package is cheap::

    from corridors import load_catalog, score
    from corridors.render import atlas_map, figure, map_html, save_figure
    scores = score(load_catalog().select(["tapi"]))
    open("tapi.html", "w").write(map_html(atlas_map(scores)))
    save_figure(figure(scores), "tapi.png")
"""

from __future__ import annotations

from .elevation import profile_figure
from .report import report_html, report_markdown, write_report
from .staticmap import alt_text, figure, figure_bytes, save_figure
from .webmap import DEFAULT_TILES, atlas_map, map_html, tile_provider

__all__ = [
    "DEFAULT_TILES",
    "alt_text",
    "atlas_map",
    "figure",
    "figure_bytes",
    "map_html",
    "profile_figure",
    "report_html",
    "report_markdown",
    "save_figure",
    "tile_provider",
    "write_report",
]


def __dir__() -> list[str]:
    return sorted(__all__)
