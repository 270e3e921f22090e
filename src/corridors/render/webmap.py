"""Layered web maps of scored corridors (folium / Leaflet).

:func:`atlas_map` turns :class:`~corridors.scoring.CorridorScore` results into one HTML page:

- base layers: an offline vector basemap drawn from the shipped ``basemap`` layer (shown first,
  so the map is readable with no tile server), then tile layers named through xyzservices;
- one overlay per corridor (its line styled by kind and dashed by status, its waypoints and its
  border crossings), grouped by kind in a tree layer control, plus the land borders;
- popups and tooltips with the scored metrics (km, WGS84 geodesic) beside the published figures
  and their sources; a legend, a scale bar, a distance-measuring tool; the view fits the corridors.

Every text taken from a catalog is HTML-escaped, and every string reaches the page's scripts as
JSON with ``<``, ``>``, ``&`` and ``'`` escaped, so no catalog text can close a script element or
add markup. Element ids are numbered in tree order, so the same input gives the same bytes.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from .. import alignment
from .._errors import CorridorsError, GeometryError, OutputError
from ..scoring import records_of
from ..tables import range_text
from . import _assets, _basemap, _style

if TYPE_CHECKING:
    import xyzservices

    from ..scoring import CorridorScore, Crossing

__all__ = ["DEFAULT_TILES", "AtlasMap", "atlas_map", "tile_provider"]

#: Tile base layers offered after the offline basemap, as xyzservices names.
DEFAULT_TILES: tuple[str, ...] = ("OpenStreetMap.Mapnik", "OpenTopoMap", "Esri.WorldImagery")
_TILE_LABELS = {
    "OpenStreetMap.Mapnik": "Streets (OpenStreetMap)",
    "OpenTopoMap": "Topographic (OpenTopoMap)",
    "Esri.WorldImagery": "Satellite (Esri World Imagery)",
}
_BASEMAP_LABEL = "Offline basemap (Natural Earth)"
_BORDERS_LABEL = "Country borders"
_GROUP_LABELS = {
    "pipeline": "Pipelines",
    "road": "Roads",
    "rail": "Railways",
    "port-link": "Port links",
    "strip": "Strips of territory",
    "connector": "Connectors",
    "route": "User routes",
}
_CSS_SIZE = re.compile(r"^\d+(\.\d+)?(px|%|em|rem|vh|vw)$")
_LINE_DECIMALS = 5  # about 1 m
#: Further simplification of the basemap for the browser, degrees (about 2 km): Leaflet projects
#: every vertex, and the shipped layer's detail (0.01°) is finer than a pixel below zoom 7.
_BASEMAP_SIMPLIFY_DEG = 0.02


@dataclass(frozen=True)
class AtlasMap:
    """A rendered web map: the HTML document, to save, embed or show in Jupyter."""

    html: str
    title: str

    def save(self, path: str | Path) -> Path:
        """Write the document to ``path`` atomically (an existing file is replaced whole or kept)."""
        suffix = Path(path).suffix.lower()
        if suffix not in (".html", ".htm"):
            raise OutputError(f"{path}: a web map is written as .html, not {suffix or 'a file without suffix'!r}")
        from ..io import atomic_write

        return atomic_write(path, self.html)

    def fragment(self, *, width: str = "100%", height: str = "600px") -> str:
        """An ``<iframe srcdoc>`` snippet holding the whole map, for notebooks, Quarto, MkDocs, Sphinx.

        The document is attribute-escaped into ``srcdoc``; the frame is sandboxed (scripts run in
        an opaque origin, so the map cannot touch the embedding page).
        """
        for name, value in (("width", width), ("height", height)):
            if not _CSS_SIZE.match(value):
                raise CorridorsError(f"fragment {name}: {value!r} is not a CSS size such as 600px or 100%")
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'title="{html.escape(self.title, quote=True)}" '
            f'style="width:{width};height:{height};border:0" '
            'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>'
        )

    def _repr_html_(self) -> str:
        return self.fragment()


def tile_provider(name: str) -> xyzservices.TileProvider:
    """The xyzservices provider called ``name`` (e.g. ``OpenTopoMap``); one-line error otherwise."""
    import xyzservices

    try:
        provider = xyzservices.providers.query_name(name)
    except ValueError:
        names = sorted(xyzservices.providers.flatten())
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        tail = f"; did you mean {', '.join(close)}?" if close else f"; known names include {', '.join(DEFAULT_TILES)}"
        raise CorridorsError(f"tiles: {name!r} is not an xyzservices tile provider{tail}") from None
    if provider.requires_token():
        raise CorridorsError(f"tiles: provider {name!r} needs an API key; choose one that does not")
    return provider


def atlas_map(
    scores: Sequence[CorridorScore],
    *,
    tiles: Sequence[str] = DEFAULT_TILES,
    self_contained: bool = False,
    title: str = "Corridors atlas",
) -> AtlasMap:
    """Web map of scored corridors (from :func:`corridors.score`).

    ``tiles`` names the xyzservices tile layers offered after the offline basemap.
    ``self_contained`` inlines Leaflet and the plugins (see :mod:`corridors.render._assets`)
    so that the page renders with no network.
    """
    scores = records_of(scores)
    import folium

    from . import _elements

    providers = [tile_provider(name) for name in tiles]
    if not scores:
        raise GeometryError("map: no corridors to draw")
    lines = alignment.route_lines([s.corridor for s in scores])
    base = _basemap.load(_basemap.view_box(lines, margin=0.5, min_margin_deg=4.0), simplify_deg=_BASEMAP_SIMPLIFY_DEG)
    west, south, east, north = base.box

    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=5,
        tiles=None,
        control_scale=True,
        max_bounds=True,
        min_lat=south,
        max_lat=north,
        min_lon=west,
        max_lon=east,
        min_zoom=4,
        zoom_snap=0.25,
        font_size="13px",
    )
    m.default_js = [("leaflet", _assets.LEAFLET_JS)]
    m.default_css = [("leaflet_css", _assets.LEAFLET_CSS)]
    m.get_root().title = _e(title)  # type: ignore[attr-defined]  # the root is a branca Figure
    x0, y0, x1, y1 = shapely.total_bounds(lines)
    _elements.FitBounds([[float(y0), float(x0)], [float(y1), float(x1)]]).add_to(m)
    for pane, z_index in (("basemap", 250), ("borders", 380), ("labels", 390), ("points", 450)):
        folium.map.CustomPane(pane, z_index=z_index, pointer_events=pane == "points").add_to(m)

    basemap = folium.FeatureGroup(name=_BASEMAP_LABEL, overlay=False, control=False).add_to(m)
    _add_basemap(basemap, base)
    tile_tree = []
    for provider in providers:
        label = _TILE_LABELS.get(provider.name, provider.name)
        tiles_layer = folium.TileLayer(provider, name=label, overlay=False, show=False, control=False).add_to(m)
        tile_tree.append({"label": _e(label), "layer": tiles_layer})
    borders = folium.FeatureGroup(name=_BORDERS_LABEL, control=False).add_to(m)
    _add_borders(borders, base)

    names = dict(zip(base.iso_a3.tolist(), base.name.tolist(), strict=True))
    country_name = lambda code: names.get(code, code)  # noqa: E731
    groups: dict[str, list[dict[str, Any]]] = {}
    for s, line in zip(scores, lines, strict=True):
        layer = folium.FeatureGroup(name=_e(s.corridor.name), control=False).add_to(m)
        _add_corridor(layer, s, line, country_name, len(scores))
        groups.setdefault(s.corridor.kind, []).append({"label": _swatch_label(s), "layer": layer})

    order = list(_style.KINDS)
    corridor_tree = [
        {"label": _e(_GROUP_LABELS.get(kind, kind)), "selectAllCheckbox": True, "children": items}
        for kind, items in sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    ]
    base_tree = {
        "label": "Base maps",
        "children": [
            {"label": _BASEMAP_LABEL, "layer": basemap},
            *tile_tree,
        ],
    }
    overlay_tree = {
        "label": "Layers",
        "children": [
            {"label": "Corridors", "selectAllCheckbox": True, "children": corridor_tree},
            {"label": _BORDERS_LABEL, "layer": borders},
        ],
    }
    _elements.LayersTree(base_tree, overlay_tree, collapsed=True).add_to(m)
    _elements.MeasureControl(
        position="topleft",
        primary_length_unit="kilometers",
        secondary_length_unit="miles",
        primary_area_unit="hectares",
        secondary_area_unit="sqmiles",
    ).add_to(m)
    _elements.Legend(_legend_html(scores)).add_to(m)

    _elements.number_elements(m.get_root())
    document = m.get_root().render()
    if self_contained:
        document = _assets.inline(document)
    return AtlasMap(html=document, title=title)


# --- layers ------------------------------------------------------------------------------------


def _add_basemap(group: Any, base: _basemap.Basemap) -> None:
    from ._elements import GeoJsonLayer, Labels

    sea = {"type": "Feature", "properties": {}, "geometry": _geojson(shapely.box(*base.box))}
    land = {
        "type": "Feature",
        "properties": {},
        "geometry": _geojson(shapely.multipolygons(shapely.get_parts(base.land[~shapely.is_empty(base.land)]))),
    }
    for feature, fill, attribution in (
        (sea, _style.SEA, None),
        (land, _style.LAND, "Basemap: Made with Natural Earth"),
    ):
        GeoJsonLayer(
            feature,
            pane="basemap",
            interactive=False,
            style={"stroke": False, "fillColor": fill, "fillOpacity": 1.0},
            **({"attribution": attribution} if attribution else {}),
        ).add_to(group)
    labels = [
        (float(y), float(x), _e(name)) for name, (x, y) in zip(base.name, base.label_xy, strict=True) if not np.isnan(x)
    ]
    Labels(labels).add_to(group)


def _add_borders(group: Any, base: _basemap.Basemap) -> None:
    from ._elements import GeoJsonLayer

    borders = {
        "type": "Feature",
        "properties": {},
        "geometry": _geojson(shapely.multilinestrings(shapely.get_parts(base.borders))),
    }
    GeoJsonLayer(
        borders,
        pane="borders",
        interactive=False,
        style={"color": _style.BORDER, "weight": 1.2, "opacity": 0.9},
    ).add_to(group)


def _add_corridor(group: Any, s: CorridorScore, line: shapely.LineString, country_name: Any, n: int) -> None:
    from ._elements import CorridorLayer

    c = s.corridor
    kind = _style.kind_style(c.kind)
    dashes = _style.dash_array(c.status, kind.weight)
    xy = np.round(shapely.get_coordinates(line), _LINE_DECIMALS)
    line_options = {
        "color": kind.color,
        "weight": kind.weight,
        "opacity": kind.opacity,
        "lineCap": "butt" if dashes else "round",
        "className": f"corridor corridor-{c.id}",
        **({"dashArray": dashes} if dashes else {}),
    }
    point_styles = {
        "waypoint": {
            "pane": "points",
            "radius": 3.5,
            "color": kind.color,
            "weight": 1.5,
            "fill": True,
            "fillColor": _style.WAYPOINT_FILL,
            "fillOpacity": 1.0,
            "className": f"waypoint waypoint-{c.id}",
        },
        "crossing": {
            "pane": "points",
            "radius": 5.5,
            "color": _style.CROSSING_EDGE,
            "weight": 1.5,
            "fill": True,
            "fillColor": _style.CROSSING_FILL,
            "fillOpacity": 1.0,
            "className": f"crossing crossing-{c.id}",
        },
    }
    points = [[w.lat, w.lon, "waypoint", _e(w.name), _waypoint_popup(s, w)] for w in c.waypoints]
    points += [
        [
            round(x.lat, 5),
            round(x.lon, 5),
            "crossing",
            _crossing_tooltip(x),
            _crossing_popup(s, x, country_name),
        ]
        for x in s.crossings
    ]
    CorridorLayer(
        xy[:, ::-1].tolist(),
        line_options,
        _corridor_popup(s, country_name, n),
        _corridor_tooltip(s),
        points,
        point_styles,
    ).add_to(group)


def _geojson(geom: shapely.Geometry) -> dict:
    import json

    return json.loads(shapely.to_geojson(geom))


# --- popup and tooltip text (every catalog text escaped here) -------------------------------


def _e(text: object) -> str:
    """Catalog text for HTML; braces as entities too, since branca compiles snippets as Jinja templates."""
    return html.escape(str(text), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _km(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f} km"


def _value(value: float | str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _e(value)
    return f"{value:,.1f}".removesuffix(".0")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f} %"


def _cite(source: str) -> str:
    return f'<span class="src">{_e(source)}</span>'


def _published_km(figure: Any) -> str:
    return f"{_value(figure.value)} km {_cite(figure.source)}" if figure else "—"


def _link(title: str, url: str) -> str:
    if url.startswith(("https://", "http://")):
        return f'<a href="{_e(url)}" target="_blank" rel="noopener noreferrer">{_e(title)}</a>'
    return _e(title) + (f" ({_e(url)})" if url else "")


def _corridor_tooltip(s: CorridorScore) -> str:
    c = s.corridor
    return (
        f"<b>{_e(c.name)}</b><br>{_km(s.length_km)} modeled · {_e(_style.kind_style(c.kind).label.lower())}, "
        f"{_e(_style.status_label(c.status).lower())}"
    )


def _corridor_popup(s: CorridorScore, country_name: Any, n: int) -> str:
    c = s.corridor
    pub = s.published_length
    rows = [
        ("Length, modeled", f'<span class="num">{_km(s.length_km)}</span> (WGS84 geodesic)'),
        (
            "Length, published",
            f'<span class="num">{_value(pub.value)} km</span> {_cite(pub.source)}' if pub else "—",
        ),
        ("Difference", _pct(s.length_diff_pct)),
        (
            "Countries",
            " → ".join(_e(code) for code in s.sequence)
            + ("" if s.matches_sources else f' <span class="warn">(sources: {_e(" → ".join(c.countries))})</span>'),
        ),
        ("Border crossings", str(len(s.crossings))),
        ("Straightness", f"{s.straightness:.3f}"),
        ("Score", f"{s.score:.2f} (rank {s.rank} of {n}; lower is better)"),
    ]
    if s.narrowest:
        a, b = s.narrowest.between
        rows.append(("Narrowest width", f"{_km(s.narrowest.width_km)} between {_e(a)} and {_e(b)}"))
    rows += [(_e(_metric_label(k)), _e(f"{v:,g}" if isinstance(v, int | float) else v)) for k, v in s.extra.items()]
    rows += [
        (_e(f.label), f"{_value(f.value)}{' ' + _e(f.unit) if f.unit else ''} {_cite(f.source)}")
        for f in c.published.facts
    ]
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    by_country = "".join(
        f"<tr><td>{_e(country_name(r.country)) if r.country else 'sea'}</td>"
        f'<td class="num">{_km(r.modeled_km)}</td><td>{_published_km(r.published)}</td></tr>'
        for r in s.countries
    )
    segments = "".join(
        f"<tr><td>{_e(g.segment.label)}</td>"
        f'<td class="num">{_km(g.modeled_km)}</td><td>{_e(range_text(g.published))} km {_cite(g.published.source)}</td>'
        f'<td class="num">{"" if g.diff_pct is None else _e(f"{g.diff_pct:+.1f} %")}</td></tr>'
        for g in s.segments
    )
    sources = "; ".join(_link(x.title, x.url) + (f", {_e(x.date)}" if x.date else "") for x in c.sources)
    status = f"{_e(_style.kind_style(c.kind).label)} · {_e(_style.status_label(c.status))}"
    return (
        f'<div class="corridor-popup"><h4>{_e(c.name)}</h4><p class="meta">{status}</p>'
        + (f"<p>{_e(c.summary)}</p>" if c.summary else "")
        + f"<table>{table}</table>"
        + '<table class="by-country"><tr><th>Country</th><th>modeled</th><th>published</th></tr>'
        + f"{by_country}</table>"
        + (
            '<table class="segments"><tr><th>Segment</th><th>modeled</th><th>published</th><th>diff</th></tr>'
            + f"{segments}</table>"
            if segments
            else ""
        )
        + f'<p class="sources">Sources: {sources}</p></div>'
    )


_UNITS = {"_m": " (m)", "_km": " (km)", "_pct": " (%)"}


def _metric_label(key: str) -> str:
    """``max_elevation_m`` → ``Max elevation (m)``."""
    for suffix, unit in _UNITS.items():
        if key.endswith(suffix):
            return key.removesuffix(suffix).replace("_", " ").capitalize() + unit
    return key.replace("_", " ").capitalize()


def _crossing_tooltip(x: Crossing) -> str:
    near = f" · {_e(x.named)}" if x.named else ""
    return f"{_e(x.from_country)} → {_e(x.to_country)}{near}"


def _crossing_popup(s: CorridorScore, x: Crossing, country_name: Any) -> str:
    near = (
        f"<tr><th>Nearest named crossing</th><td>{_e(x.named)} ({_km(x.named_distance_km or 0.0)} away)</td></tr>"
        if x.named
        else ""
    )
    return (
        '<div class="crossing-popup">'
        f"<h4>{_e(country_name(x.from_country))} → {_e(country_name(x.to_country))}</h4>"
        f"<table><tr><th>Corridor</th><td>{_e(s.corridor.name)}</td></tr>"
        f"<tr><th>Modeled crossing</th><td>km {x.at_km:,.1f} from the start</td></tr>{near}"
        f"<tr><th>Position</th><td>{x.lat:.4f}° N, {x.lon:.4f}° E</td></tr></table></div>"
    )


def _waypoint_popup(s: CorridorScore, w: Any) -> str:
    src = f"<tr><th>Source</th><td>{_e(w.source)}</td></tr>" if w.source else ""
    return (
        f'<div class="waypoint-popup"><h4>{_e(w.name)}</h4><table>'
        f"<tr><th>Waypoint of</th><td>{_e(s.corridor.name)}</td></tr>"
        f"<tr><th>Position</th><td>{w.lat:.4f}° N, {w.lon:.4f}° E</td></tr>{src}</table></div>"
    )


def _line_svg(color: str, weight: float, dashes: str | None, opacity: float = 1.0) -> str:
    dash_attr = f' stroke-dasharray="{dashes}"' if dashes else ""
    return (
        f'<svg width="34" height="12" aria-hidden="true"><line x1="1" y1="6" x2="33" y2="6" stroke="{color}" '
        f'stroke-width="{min(weight, 8):g}" stroke-opacity="{opacity:g}"{dash_attr}/></svg>'
    )


def _swatch_label(s: CorridorScore) -> str:
    kind = _style.kind_style(s.corridor.kind)
    dashes = _style.dash_array(s.corridor.status, min(kind.weight, 4.0))
    return f"{_line_svg(kind.color, min(kind.weight, 4.0), dashes, kind.opacity)} {_e(s.corridor.name)}"


def _legend_html(scores: Sequence[CorridorScore]) -> str:
    """Legend: the kinds and statuses on the map side by side, the markers, units and boundary source."""
    present_kinds = {s.corridor.kind for s in scores}
    kinds = [k for k in _style.KINDS if k in present_kinds] + sorted(present_kinds - set(_style.KINDS))
    statuses = [k for k in _style.STATUSES if any(s.corridor.status == k for s in scores)]
    kind_rows = "".join(
        f"<div>{_line_svg(_style.kind_style(k).color, 4, None, _style.kind_style(k).opacity)} "
        f"{_e(_style.kind_style(k).label)}</div>"
        for k in kinds
    )
    status_rows = "".join(
        f"<div>{_line_svg('#444', 3, _style.dash_array(k, 3))} {_e(_style.status_label(k))}</div>" for k in statuses
    )
    crossing = (
        f'<svg width="20" height="12" aria-hidden="true"><circle cx="10" cy="6" r="5" '
        f'fill="{_style.CROSSING_FILL}" stroke="{_style.CROSSING_EDGE}" stroke-width="1.5"/></svg>'
    )
    waypoint = (
        '<svg width="20" height="12" aria-hidden="true"><circle cx="10" cy="6" r="3.5" fill="#fff" '
        'stroke="#444" stroke-width="1.5"/></svg>'
    )
    return (
        f'<div class="cols"><div>{kind_rows}</div><div>{status_rows}</div></div>'
        f"<div>{crossing} Border crossing &nbsp; {waypoint} Waypoint</div>"
        '<div class="note">Lengths: km on the WGS84 ellipsoid (modeled, geodesic). '
        "Borders: Natural Earth 1:10m, de facto.</div>"
    )
