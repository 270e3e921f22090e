"""Layered web maps of scored corridors (folium / Leaflet).

:func:`atlas_map` turns the results of :func:`corridors.score` into a :class:`folium.Map` (or adds
them to the map it is given); :func:`map_html` renders a map as a page or an embeddable fragment.

- base layers: an offline vector basemap drawn from the shipped ``basemap`` layer (shown first,
  so the map is readable with no tile server), then tile layers named through xyzservices;
- one overlay per corridor (its line styled by kind and dashed by status, its waypoints and its
  border crossings), grouped by kind in the layer control, the land borders, and the names of
  countries, capitals and towns (by zoom; GeoNames and the curated gazetteer) on one canvas;
- popups and tooltips with the scored metrics (km, WGS84 geodesic) beside the published figures
  and their sources; a legend, a scale bar, a distance tool; the attribution carries the
  provenance line (version, data digests, worldview).

Lines, markers and labels are drawn on canvases. The view fits the corridors once the map's
container has a size and again when it is resized or shown, so the map draws in hidden tabs,
collapsed ``<details>``, late-sized iframes and notebooks. Leaflet and the map's own code are
inlined (offline) unless CDN links are asked for.

Every text taken from a catalog is HTML-escaped, and every string reaches the page's scripts as
JSON with ``<``, ``>``, ``&`` and ``'`` escaped, so no catalog text can close a script element or
add markup. Element ids are numbered in tree order, so the same input gives the same bytes.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from .. import alignment, geodata
from .._errors import CorridorsError, GeometryError, PlaceError
from ..scoring import contested_text as _contested_text
from ..scoring import records_of
from ..tables import cell, provenance_line, range_text
from . import _basemap, _style

if TYPE_CHECKING:
    import folium
    import xyzservices

    from ..scoring import CorridorScore, Crossing

__all__ = ["DEFAULT_TILES", "atlas_map", "map_html", "tile_provider"]

#: Tile base layers offered after the offline basemap, as xyzservices names.
DEFAULT_TILES: tuple[str, ...] = ("OpenStreetMap.Mapnik", "OpenTopoMap", "Esri.WorldImagery")
_TILE_LABELS = {
    "OpenStreetMap.Mapnik": "Streets (OpenStreetMap)",
    "OpenTopoMap": "Topographic (OpenTopoMap)",
    "Esri.WorldImagery": "Satellite (Esri World Imagery)",
}
_BASEMAP_LABEL = "Offline basemap (Natural Earth)"
_BORDERS_LABEL = "Country borders"
_CONTESTED_LABEL = "Contested areas and boundaries"
_LABELS_LABEL = "Place names"
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
_LINE_DECIMALS = 5  # of a zoom-0 pixel: about 1.5 m
#: Further simplification of the basemap for the browser, degrees (about 3 km): Leaflet projects
#: and draws every vertex, and the shipped layer's detail (0.01°) is finer than a pixel below zoom 6.
_BASEMAP_SIMPLIFY_DEG = 0.03
_BASEMAP_DECIMALS = 3  # about 100 m, finer than the simplification
_NATURAL_EARTH = "Basemap: Natural Earth"
_GEONAMES = 'Places: <a href="https://www.geonames.org/">GeoNames</a> (CC BY 4.0)'

#: National capitals inside the region the shipped layers cover, by GeoNames name and ISO alpha-2
#: code; labelled at every zoom.
_CAPITALS = (
    ("Kabul", "AF"), ("Islamabad", "PK"), ("New Delhi", "IN"), ("Tehran", "IR"), ("Dushanbe", "TJ"),
    ("Tashkent", "UZ"), ("Ashgabat", "TM"), ("Bishkek", "KG"), ("Abu Dhabi", "AE"), ("Muscat", "OM"),
    ("Baku", "AZ"), ("Doha", "QA"), ("Manama", "BH"), ("Kuwait City", "KW"), ("Riyadh", "SA"),
    ("Baghdad", "IQ"), ("Yerevan", "AM"), ("Tbilisi", "GE"),
)  # fmt: skip
#: Large towns and the corridors' key towns, labelled from zoom 5 (first row) or 6 (second). The
#: GeoNames layer carries no population, so this editorial list stands in for a size rank; names
#: are looked up through :func:`corridors.gazetteer.lookup` (curated places first).
_TOWNS = (
    (
        "Karachi, PK", "Lahore, PK", "Peshawar, PK", "Quetta, PK", "Multan, PK", "Faisalabad, PK", "Gwadar",
        "Kandahar, AF", "Herat, AF", "Mazar-e Sharif, AF", "Jalalabad (Afghanistan)", "Mashhad, IR", "Isfahan, IR",
        "Shiraz, IR", "Zahedan, IR", "Bandar 'Abbas, IR", "Chabahar, IR", "Samarqand, UZ", "Bukhara, UZ",
        "Termez", "Mary, TM", "Turkmenabat, TM", "Khujand, TJ", "Osh, KG", "Kashgar", "Almaty, KZ",
        "Amritsar, IN", "Ahmedabad, IN", "Jaipur, IN", "Dubai, AE", "Tabriz, IR",
    ),
    (
        "Rawalpindi, PK", "Hyderabad, PK", "Sukkur, PK", "Dera Ismail Khan, PK", "Gilgit, PK", "Chaman, PK",
        "Kunduz, AF", "Ghazni, AF", "Zaranj, AF", "Kerman, IR", "Yazd, IR", "Qom, IR", "Ahvaz, IR",
        "Namangan, UZ", "Andijon, UZ", "Fergana, UZ", "Nukus, UZ", "Turkmenbasy, TM", "Dasoguz, TM",
        "Serhetabat, TM", "Kulob, TJ", "Khorugh, TJ", "Shymkent, KZ", "Taraz, KZ", "Srinagar, IN", "Jammu, IN",
        "Ludhiana, IN", "Jodhpur, IN", "Skardu, PK", "Muzaffarabad, PK",
    ),
)  # fmt: skip
#: Zoom from which each kind of label shows: capitals and countries always, then the towns above,
#: the curated gazetteer's towns and ports, and every GeoNames town (cities1000).
_LABEL_ZOOM = {"capital": 0, "country": 0, "town": 5.0, "town2": 6.0, "curated": 6.5, "minor": 7.5}
#: GeoNames towns (the ``minor`` labels) are kept within this distance of a corridor, in degrees
#: (a selection radius only: 0.4° is 35–45 km in this region), which keeps the page small.
_TOWN_NEAR_DEG = 0.4


def tile_provider(name: str) -> xyzservices.TileProvider:
    """The xyzservices tile provider called ``name``, checked.

    Parameters
    ----------
    name : str
        An xyzservices name such as ``OpenTopoMap`` (any case).

    Returns
    -------
    xyzservices.TileProvider

    Raises
    ------
    CorridorsError
        One line naming close matches when the name is unknown, or when the provider needs an API key.

    Examples
    --------
    >>> tile_provider("opentopomap").name
    'OpenTopoMap'
    """
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
    scores: Any,
    *,
    m: folium.Map | None = None,
    tiles: Sequence[str] = DEFAULT_TILES,
    title: str = "Corridors atlas",
    cdn: bool = False,
    fit: bool = True,
    worldview: str | None = None,
    color_by: str = "corridor",
) -> folium.Map:
    """Web map of scored corridors, as a :class:`folium.Map`.

    Parameters
    ----------
    scores : GeoDataFrame or sequence of CorridorScore
        The result of :func:`corridors.score`.
    m : folium.Map, optional
        A map to add the layers, legend and controls to (it is returned). Without one, a new map
        is made on the offline basemap. A given map keeps its tiles; the offline basemap is shown
        on it only when it has none.
    tiles : sequence of str
        xyzservices names of the tile layers offered after the offline basemap (none shown at first).
    title : str
        Title of the page.
    cdn : bool
        Load Leaflet from the jsDelivr CDN instead of inlining it (inlined by default: the page,
        saved or shown in a notebook, works with no network). The map's own code is always inline.
    fit : bool
        Fit the view to the corridors once the map has a size, and again on resize until the
        reader moves the map.
    worldview : {"de-facto", "IND", "PAK", "CHN", "AFG"}, optional
        Score under this worldview (default: the one the scores were made under). The legend and
        the attribution name it; a claimant's view draws its claimed borders.
    color_by : {"corridor", "exposure"}
        Colour routes by kind, or by exposure_km per km (scores from
        :func:`corridors.exposure.apply_exposure`).

    Returns
    -------
    folium.Map
        Shows itself in Jupyter; :func:`map_html` gives its page or an ``<iframe>`` fragment.

    Examples
    --------
    >>> from corridors import load_catalog, score
    >>> m = atlas_map(score(load_catalog().select(["tapi"])))
    >>> type(m).__name__
    'Map'
    >>> map_html(m).startswith("<!DOCTYPE html>")
    True
    """
    scores = records_of(scores)
    import branca.element
    import folium

    from . import _elements

    if worldview is not None and scores:
        from ..scoring import score_records

        view = geodata.check_worldview(worldview)
        if any(s.worldview != view for s in scores):
            scores = score_records([s.corridor for s in scores], worldview=view)
    if color_by not in ("corridor", "exposure"):
        raise CorridorsError(f"color_by: {color_by!r} is not one of corridor, exposure")
    if color_by == "exposure" and any(s.exposure_km is None for s in scores):
        raise CorridorsError("color_by: 'exposure' needs scores with exposure_km (corridors.exposure.apply_exposure)")
    view = scores[0].worldview if scores else "de-facto"

    providers = [tile_provider(name) for name in tiles]
    if not scores:
        raise GeometryError("map: no corridors to draw")
    lines = alignment.route_lines([s.corridor for s in scores])
    base = _basemap.load(
        _basemap.view_box(lines, margin=0.8, min_margin_deg=6.0),
        decimals=_BASEMAP_DECIMALS,
        simplify_deg=_BASEMAP_SIMPLIFY_DEG,
    )
    west, south, east, north = base.box
    if m is None:
        m = folium.Map(
            location=[(south + north) / 2, (west + east) / 2],
            zoom_start=5,
            tiles=None,
            control_scale=True,
            min_zoom=3,
            zoom_snap=0.25,
            prefer_canvas=True,
            font_size="13px",
        )
        m.default_js = []
        m.default_css = []
        m.get_root().title = _e(title)  # type: ignore[attr-defined]  # the root is a branca Figure
    else:
        m.default_js = [(k, v) for k, v in m.default_js if k != "leaflet"]
        m.default_css = [(k, v) for k, v in m.default_css if k != "leaflet_css"]
    root = m.get_root()
    assert isinstance(root, branca.element.Figure)  # folium maps live in a branca Figure
    _elements.add_assets(root, cdn=cdn)
    folium.map.CustomPane("labels", z_index=420, pointer_events=False).add_to(m)

    # The legend and distance tool first, then the fit (which measures them and keeps room for the
    # layer control's button), then the layers: they are projected and drawn once, at the final view.
    _elements.MeasureControl().add_to(m)
    _elements.Legend(_legend_html(scores, view, color_by), [_e(provenance_line(view))]).add_to(m)
    if fit:
        x0, y0, x1, y1 = shapely.total_bounds(lines)
        _elements.FitWhenSized(
            [[float(y0), float(x0)], [float(y1), float(x1)]], legend=True, reserve={"topright": [54, 54]}
        ).add_to(m)
    has_tiles = any(isinstance(c, folium.TileLayer) for c in m._children.values())
    basemap = folium.FeatureGroup(name=_BASEMAP_LABEL, overlay=False, control=False, show=not has_tiles).add_to(m)
    _add_basemap(basemap, base)
    base_items = [{"label": _BASEMAP_LABEL, "layer": basemap}]
    for provider in providers:
        label = _TILE_LABELS.get(provider.name, provider.name)
        tiles_layer = folium.TileLayer(provider, name=label, overlay=False, show=False, control=False).add_to(m)
        base_items.append({"label": _e(label), "layer": tiles_layer})
    borders = folium.FeatureGroup(name=_BORDERS_LABEL, control=False).add_to(m)  # on the basemap's canvas
    _add_borders(borders, base)
    disputed = _basemap.contested(base.box, view, decimals=_BASEMAP_DECIMALS, simplify_deg=_BASEMAP_SIMPLIFY_DEG)
    contested = folium.FeatureGroup(name=_CONTESTED_LABEL, control=False).add_to(m)
    _add_contested(contested, disputed, view)

    names = dict(zip(base.iso_a3.tolist(), base.name.tolist(), strict=True))
    country_name = lambda code: names.get(code, code)  # noqa: E731
    groups: dict[str, list[dict[str, Any]]] = {}
    for s, line in zip(scores, lines, strict=True):
        layer = folium.FeatureGroup(name=_e(s.corridor.name), control=False).add_to(m)
        _add_corridor(layer, s, line, country_name, len(scores), _route_color(s, scores, color_by))
        groups.setdefault(s.corridor.kind, []).append({"label": _swatch_label(s), "layer": layer})

    order = list(_style.KINDS)
    overlays: list[dict[str, Any]] = [
        {"label": _e(_GROUP_LABELS.get(kind, kind)), "children": items}
        for kind, items in sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    ]
    _elements.Markers().add_to(m)
    places = folium.FeatureGroup(name=_LABELS_LABEL, control=False).add_to(m)  # after the markers it avoids
    _elements.Labels(_labels(base, lines), attribution=_GEONAMES).add_to(places)
    overlays += [
        {"label": _BORDERS_LABEL, "layer": borders},
        {"label": _CONTESTED_LABEL, "layer": contested},
        {"label": _LABELS_LABEL, "layer": places},
    ]
    _elements.LayerControl(base_items, overlays).add_to(m)
    _elements.number_elements(m.get_root())
    return m


def map_html(m: folium.Map, *, fragment: bool = False, width: str = "100%", height: str = "600px") -> str:
    """The page of a folium map, or an ``<iframe srcdoc>`` fragment holding it.

    Element ids are numbered in tree order first, so the same map gives the same bytes in any
    process (and a map shown before renders again cleanly).

    Parameters
    ----------
    m : folium.Map
        A map, e.g. from :func:`atlas_map`.
    fragment : bool
        Return a sandboxed ``<iframe srcdoc>`` snippet (scripts run in an opaque origin, so the map
        cannot touch the embedding page) for notebooks, Quarto, MkDocs or Sphinx pages.
    width, height : str
        CSS sizes of the fragment's frame (``600px``, ``100%``…).

    Returns
    -------
    str

    Examples
    --------
    >>> from corridors import load_catalog, score
    >>> m = atlas_map(score(load_catalog().select(["wakhan-corridor"])))
    >>> map_html(m, fragment=True, height="400px").startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')
    True
    """
    from ._elements import number_elements

    for name, value in (("width", width), ("height", height)):
        if not _CSS_SIZE.match(value):
            raise CorridorsError(f"map {name}: {value!r} is not a CSS size such as 600px or 100%")
    root = m.get_root()
    number_elements(root)
    document = root.render()
    if not fragment:
        return document
    title = getattr(root, "title", None) or "Map"
    return (
        f'<iframe srcdoc="{html.escape(document, quote=True)}" '
        f'title="{html.escape(html.unescape(title), quote=True)}" '
        f'style="width:{width};height:{height};border:0" '
        'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>'
    )


# --- layers ------------------------------------------------------------------------------------


def _pixels(geoms: np.ndarray, decimals: int = 3) -> list[list[float]]:
    """Every ring or line of ``geoms`` as flat Web Mercator pixel coordinates at zoom 0 (256 px wide),
    rounded to ``decimals`` (3: about 150 m): Leaflet's EPSG:3857 on the sphere, the map's own
    projection, so the page projects them with one multiplication per vertex."""
    parts = shapely.get_parts(geoms[~shapely.is_empty(geoms)])
    if len(parts) and shapely.get_type_id(parts[0]) == 3:  # polygons: exterior and interior rings
        parts = shapely.get_rings(parts)
    xy, index = shapely.get_coordinates(parts, return_index=True)
    lat = np.radians(np.clip(xy[:, 1], -85.0511, 85.0511))
    px = np.column_stack(
        [(xy[:, 0] + 180.0) / 360.0 * 256.0, (1.0 - np.log(np.tan(np.pi / 4 + lat / 2)) / np.pi) * 128.0]
    )
    px = np.round(px, decimals)
    cuts = np.flatnonzero(np.diff(index)) + 1
    return [ring.ravel().tolist() for ring in np.split(px, cuts)]


def _add_basemap(group: Any, base: _basemap.Basemap) -> None:
    from ._elements import Shapes

    sea = np.array([shapely.box(*base.box)])
    Shapes(_pixels(sea), closed=True, stroke=False, fillColor=_style.SEA, fillOpacity=1.0).add_to(group)
    Shapes(
        _pixels(base.land),
        closed=True,
        stroke=False,
        fillColor=_style.LAND,
        fillOpacity=1.0,
        attribution=_NATURAL_EARTH,
    ).add_to(group)


def _add_borders(group: Any, base: _basemap.Basemap) -> None:
    from ._elements import Shapes

    Shapes(_pixels(base.borders), closed=False, color=_style.BORDER, weight=1.2, opacity=0.9, fill=False).add_to(group)


def _add_contested(group: Any, layer: _basemap.ContestedLayer, view: str) -> None:
    """Contested areas (translucent fill, popup: administrator, claimants, note, source) and the
    line of control, disputed and indefinite boundaries (and a claimant view's borders), dashed by class."""
    from ._elements import Vectors

    features: list[dict[str, Any]] = []
    for geom, row in zip(layer.areas, layer.area_rows, strict=True):
        if shapely.is_empty(geom):
            continue
        popup = (
            f'<div class="corridor-popup"><h4>{_e(row["name"])}</h4><table>'
            f"<tr><th>Administered by</th><td>{_e(row['administered_by'])}</td></tr>"
            f"<tr><th>Claimed by</th><td>{_e(row['claimed_by'])}</td></tr></table>"
            f'<p>{_e(row["note"])}</p><p class="sources">Source: {_e(row["source"])}</p></div>'
        )
        tooltip = _e(f"{row['name']}: administered by {row['administered_by']}, claimed by {row['claimed_by']}")
        for part in shapely.get_parts(geom):  # exterior rings (the areas have no holes at this scale)
            ring = [[round(float(y), 3), round(float(x), 3)] for x, y in shapely.get_coordinates(part.exterior)]
            options = {
                "color": _style.CONTESTED_EDGE,
                "weight": 1,
                "opacity": 0.8,
                "fillColor": _style.CONTESTED_FILL,
                "fillOpacity": _style.CONTESTED_FILL_OPACITY,
            }
            features.append(
                {"kind": "polygon", "latlngs": ring, "options": options, "popup": popup, "tooltip": tooltip}
            )
    for cls, lines in layer.lines.items():
        style = _style.BOUNDARY_STYLES.get(cls, _style.BOUNDARY_STYLES["Disputed"])
        label = f"{style.label} ({view} view)" if cls == "claim" else style.label
        options = {
            "color": style.color,
            "weight": style.weight,
            "opacity": 0.95,
            "dashArray": " ".join(f"{d * style.weight:g}" for d in style.dashes),
            "interactive": True,
        }
        for line in shapely.get_parts(lines):
            latlngs = [[round(float(y), 3), round(float(x), 3)] for x, y in shapely.get_coordinates(line)]
            features.append({"kind": "line", "latlngs": latlngs, "options": options, "popup": "", "tooltip": _e(label)})
    Vectors(features).add_to(group)


def _route_color(s: CorridorScore, scores: Sequence[CorridorScore], color_by: str) -> str | None:
    """The exposure colour of a route (``color_by="exposure"``), else None (colour by kind)."""
    if color_by != "exposure":
        return None
    per_km = [(r.exposure_km or 0.0) / r.length_km if r.length_km else 0.0 for r in scores]
    mine = (s.exposure_km or 0.0) / s.length_km if s.length_km else 0.0
    return _style.exposure_color(mine, max(per_km))


@cache
def _town_points() -> tuple[tuple[float, float, str, str], ...]:
    """Named towns as (lon, lat, name, tier): capitals, the listed towns, the curated towns and ports."""
    from .. import gazetteer

    out: list[tuple[float, float, str, str]] = []
    for name, cc in _CAPITALS:
        place = gazetteer.lookup(f"{name}, {cc}")
        out.append((place.lon, place.lat, place.name, "capital"))
    for tier, names in zip(("town", "town2"), _TOWNS, strict=True):
        for query in names:
            try:
                place = gazetteer.lookup(query)
            except PlaceError:
                continue
            label = query.partition(",")[0] if "," in query else place.name.partition(" (")[0]
            out.append((place.lon, place.lat, label.replace("Bandar 'Abbas", "Bandar Abbas"), tier))
    for place in gazetteer.curated_places():
        if place.kind in ("town", "port"):
            out.append((place.lon, place.lat, place.name.partition(" (")[0], "curated"))
    return tuple(out)


@cache
def _geonames_points() -> tuple[np.ndarray, np.ndarray]:
    from .. import geodata

    points, attrs = geodata.read_layer("places.gpkg", "places", ("name",))
    return shapely.get_coordinates(points), attrs["name"].astype(str)


def _labels(base: _basemap.Basemap, lines: np.ndarray) -> list[list[Any]]:
    """Labels ``[lat, lon, text, style, min zoom]`` in drawing priority: capitals, countries, towns.

    A town already labelled (within about 5 km) is not labelled again by a lower tier; GeoNames
    towns are kept near the corridors (``_TOWN_NEAR_DEG``).
    """
    west, south, east, north = base.box
    rows: list[list[Any]] = []
    seen: list[tuple[float, float]] = []

    def add(lon: float, lat: float, text: str, style: str, zoom: float) -> None:
        if not (west <= lon <= east and south <= lat <= north):
            return
        if style != "country" and any(abs(lon - x) < 0.05 and abs(lat - y) < 0.05 for x, y in seen):
            return
        if style != "country":
            seen.append((lon, lat))
        rows.append([round(lat, 3), round(lon, 3), text, style, zoom])

    towns = _town_points()
    for lon, lat, name, tier in towns:
        if tier == "capital":
            add(lon, lat, name, "capital", _LABEL_ZOOM["capital"])
    for name, (x, y) in zip(base.name, base.label_xy, strict=True):
        if not np.isnan(x):
            add(float(x), float(y), str(name), "country", _LABEL_ZOOM["country"])
    for lon, lat, name, tier in towns:
        if tier != "capital":
            add(lon, lat, name, "town", _LABEL_ZOOM[tier])
    xy, names = _geonames_points()
    inside = (xy[:, 0] >= west) & (xy[:, 0] <= east) & (xy[:, 1] >= south) & (xy[:, 1] <= north)
    near = shapely.dwithin(shapely.multilinestrings(shapely.get_parts(lines)), shapely.points(xy), _TOWN_NEAR_DEG)
    inside &= near
    known = {(round(r[1], 1), round(r[0], 1)) for r in rows}
    for (lon, lat), name in zip(xy[inside], names[inside], strict=True):
        if (round(lon, 1), round(lat, 1)) not in known:
            rows.append([round(float(lat), 3), round(float(lon), 3), str(name), "minor", _LABEL_ZOOM["minor"]])
    return rows


def _add_corridor(
    group: Any, s: CorridorScore, line: shapely.LineString, country_name: Any, n: int, color: str | None = None
) -> None:
    from ._elements import CorridorLayer

    c = s.corridor
    kind = _style.kind_style(c.kind)
    dashes = _style.dash_array(c.status, kind.weight)
    line_options = {
        "color": color or kind.color,
        "weight": kind.weight,
        "opacity": kind.opacity,
        "lineCap": "butt" if dashes else "round",
        "corridor": c.id,
        **({"dashArray": dashes} if dashes else {}),
    }
    point_styles = {
        "waypoint": {
            "radius": 3.5,
            "color": kind.color,
            "weight": 1.5,
            "fill": True,
            "fillColor": _style.WAYPOINT_FILL,
            "fillOpacity": 1.0,
            "role": "waypoint",
        },
        "crossing": {
            "radius": 5.5,
            "color": _style.CROSSING_EDGE,
            "weight": 1.5,
            "fill": True,
            "fillColor": _style.CROSSING_FILL,
            "fillOpacity": 1.0,
            "role": "crossing",
        },
    }
    points = [
        [w.lat, w.lon, "waypoint", _e(w.name), _position(w.lat, w.lon), _e(w.source) if w.source else ""]
        for w in c.waypoints
    ]
    points += [[round(x.lat, 5), round(x.lon, 5), "crossing", *_crossing_fields(x, country_name)] for x in s.crossings]
    CorridorLayer(
        _pixels(np.array([line]), _LINE_DECIMALS)[0],
        line_options,
        _corridor_popup(s, country_name, n),
        _corridor_tooltip(s),
        _e(c.name),
        points,
        point_styles,
    ).add_to(group)


# --- popup and tooltip text (every catalog text escaped here) -------------------------------


def _e(text: object) -> str:
    """Catalog text for HTML; braces as entities too, since branca compiles snippets as Jinja templates."""
    return html.escape(str(text), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _km(value: float) -> str:
    return f"{cell(float(value), 1)} km"


def _value(value: object) -> str:
    """A published value: numbers in the one number format, text escaped."""
    return _e(cell(value))


def _pct(value: float | None) -> str:
    return "—" if value is None else ("+" if value > 0 else "") + f"{cell(float(value), 1)} %"


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
        ("Contested ground", _e(_contested_text(s))),
        *(
            [("Provinces (km)", _e("; ".join(f"{p.code} {cell(p.length_km, 0)}" for p in s.provinces)))]
            if s.provinces
            else []
        ),
        *([("Exposure (weighted km)", _e(cell(s.exposure_km, 1)))] if s.exposure_km is not None else []),
        ("Worldview", _e(s.worldview)),
        ("Straightness", cell(s.straightness, 3)),
        ("Score", f"{cell(s.score, 2)} (rank {s.rank} of {n}; lower is better)"),
    ]
    if s.narrowest:
        a, b = s.narrowest.between
        rows.append(("Narrowest width", f"{_km(s.narrowest.width_km)} between {_e(a)} and {_e(b)}"))
    rows += [(_e(_metric_label(k)), _e(cell(v))) for k, v in s.extra.items()]
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


def _position(lat: float, lon: float) -> str:
    return f"{cell(float(lat), 4)}° N, {cell(float(lon), 4)}° E"


def _crossing_fields(x: Crossing, country_name: Any) -> list[str]:
    """A crossing's tooltip, position, popup title, km from the start and nearest named crossing
    (escaped HTML). The page builds the popup from these when the marker is clicked
    (``L.Corridors.pointPopup``).
    """
    near = f" · {_e(x.named)}" if x.named else ""
    kind = f" · {_e(x.boundary_class)}" if x.boundary_class else ""
    return [
        f"{_e(x.from_country)} → {_e(x.to_country)}{near}{kind}",
        _position(x.lat, x.lon),
        f"{_e(country_name(x.from_country))} → {_e(country_name(x.to_country))}"
        + (f" ({_e(x.boundary_class)})" if x.boundary_class else ""),
        cell(x.at_km, 1),
        f"{_e(x.named)} ({_km(x.named_distance_km or 0.0)} away)" if x.named else "",
    ]


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


def _legend_html(scores: Sequence[CorridorScore], worldview: str = "de-facto", color_by: str = "corridor") -> str:
    """Legend: kinds (colour bars) beside statuses (grey dash patterns), markers, places, units, sources."""
    present_kinds = {s.corridor.kind for s in scores}
    kinds = [k for k in _style.KINDS if k in present_kinds] + sorted(present_kinds - set(_style.KINDS))
    statuses = [k for k in _style.STATUSES if any(s.corridor.status == k for s in scores)]
    kind_rows = "".join(
        f'<div><svg width="30" height="12" aria-hidden="true"><rect x="1" y="3" width="28" height="6" rx="3" '
        f'fill="{_style.kind_style(k).color}" fill-opacity="{_style.kind_style(k).opacity:g}"/></svg> '
        f"{_e(_style.kind_style(k).label)}</div>"
        for k in kinds
    )
    status_rows = "".join(
        f"<div>{_line_svg('#7d7d7d', 2.5, _style.dash_array(k, 2.5))} {_e(_style.status_label(k))}</div>"
        for k in statuses
    )
    crossing = (
        f'<svg width="14" height="12" aria-hidden="true"><circle cx="7" cy="6" r="5" '
        f'fill="{_style.CROSSING_FILL}" stroke="{_style.CROSSING_EDGE}" stroke-width="1.5"/></svg>'
    )
    waypoint = (
        '<svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="3.5" fill="#fff" '
        'stroke="#444" stroke-width="1.5"/></svg>'
    )
    capital = (
        '<svg width="10" height="12" aria-hidden="true"><rect x="1.5" y="2.5" width="7" height="7" fill="#1f1f1f"/>'
        "</svg>"
    )
    town = (
        '<svg width="10" height="12" aria-hidden="true"><circle cx="5" cy="6" r="2.5" fill="#fff" stroke="#1f1f1f" '
        'stroke-width="1.2"/></svg>'
    )
    contested = (
        f'<svg width="18" height="12" aria-hidden="true"><rect x="1" y="1" width="16" height="10" '
        f'fill="{_style.CONTESTED_FILL}" fill-opacity="{_style.CONTESTED_FILL_OPACITY * 2:g}" '
        f'stroke="{_style.CONTESTED_EDGE}"/></svg> Contested area'
    )
    boundary_rows = " &nbsp;".join(
        f"{_line_svg(st.color, st.weight, ' '.join(f'{d * st.weight:g}' for d in st.dashes))} "
        + _e(f"{st.label} ({worldview})" if key == "claim" else st.label)
        for key, st in _style.BOUNDARY_STYLES.items()
        if key != "claim" or worldview in geodata.NE_VIEW
    )
    view_label = "de facto (who holds the ground)" if worldview == "de-facto" else f"{worldview}'s view"
    exposure = ""
    if color_by == "exposure":
        ramp = "".join(
            f'<rect x="{1 + 10 * i}" y="2" width="10" height="8" fill="{c}"/>'
            for i, c in enumerate(_style.EXPOSURE_RAMP)
        )
        exposure = (
            f'<div><svg width="52" height="12" aria-hidden="true">{ramp}</svg> '
            "Route colour: exposure per km (low → high, user weights)</div>"
        )
    return (
        "<details open><summary>Legend</summary>"
        '<div class="cols"><div class="head">Kind (colour)</div><div class="head">Status (dash)</div>'
        f"<div>{kind_rows}</div><div>{status_rows}</div></div>"
        f"<div>{crossing} Border crossing &nbsp;{waypoint} Waypoint</div>"
        f"<div>{capital} Capital &nbsp;{town} Town (more as you zoom in)</div>"
        f"{exposure}<div>{contested}</div><div>{boundary_rows}</div>"
        '<div class="note">Lengths: km on the WGS84 ellipsoid (modeled, geodesic). '
        f"Borders: Natural Earth 1:10m; worldview: {_e(view_label)}. Places: GeoNames (CC BY 4.0).</div></details>"
    )
