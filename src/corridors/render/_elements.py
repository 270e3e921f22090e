"""Custom folium elements of the web map (folium's MacroElement + template pattern).

Imported only when a map is built. They call the map's own code in ``atlas.js`` (``L.Corridors``),
which :class:`Assets` puts in the page's head together with Leaflet. Two hazards of folium shape them:

- every string reaches the scripts through ``tojson``, which writes ``<``, ``>``, ``&`` and ``'`` as
  ``\\u`` escapes, so a catalog text can neither close the script element nor leave its string
  (folium's Popup pastes HTML into a jQuery template literal, its Tooltip into a template
  literal where ``${…}`` runs);
- branca compiles each rendered snippet as a Jinja template again (slow for large data, and
  ``{{ … }}`` in a catalog text would run): these elements keep their output as text, and the
  callers' HTML escaping also writes ``{`` and ``}`` as entities. One element per corridor, drawing
  its line and markers from JSON, keeps the page small and fast to build.

Large data goes in ``<script type="application/json">`` blocks (the same escaped JSON), read with
``JSON.parse``: the browser's script parser never scans it, which saves a good part of the load time.
"""

from __future__ import annotations

import re
from itertools import count
from typing import Any

from branca.element import Element, Figure, MacroElement
from folium.elements import ElementAddToElement
from folium.template import Template

from . import _assets


class _Snippet(Element):
    """Rendered text, returned as it is."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _Macro(MacroElement):
    """A MacroElement whose rendered header, html and script are kept as text.

    branca's MacroElement wraps each in ``Element(text)``, which compiles the text as a Jinja
    template again: slow for large data, and a catalog text holding ``{{ … }}`` would run.
    """

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # as MacroElement.render
        figure = self.get_root()
        for part in ("header", "html", "script"):
            macro = self._template.module.__dict__.get(part)
            if macro is not None:
                getattr(figure, part).add_child(_Snippet(macro(self, kwargs)), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)

    @property
    def map_name(self) -> str:
        """JavaScript name of the folium Map this element belongs to."""
        import folium

        node = self._parent
        while node is not None and not isinstance(node, folium.Map):
            node = node._parent
        if node is None:
            raise TypeError(f"{type(self).__name__} must be added to a folium.Map or one of its layers")
        return node.get_name()


ASSETS_NAME = "corridors_assets"
#: Page snippets of folium's ``ElementAddToElement`` (``layer.addTo(map)``), which each render makes anew.
_ADD_TO = re.compile(r"^macro_element_[0-9a-f]{32}$")


def add_assets(root: Figure, *, cdn: bool) -> None:
    """Put Leaflet and the map's own code in the page's head, right after the charset meta tag.

    Any Leaflet link folium put there in an earlier render is removed (the inline copy replaces it).
    """
    header = root.header._children
    for key in ("leaflet", "leaflet_css", ASSETS_NAME):
        header.pop(key, None)
    root.header.add_child(_Snippet(_assets.head_html(cdn)), name=ASSETS_NAME)
    keys = [k for k in header if k != "meta_http"]
    for key in [ASSETS_NAME, *[k for k in keys if k != ASSETS_NAME]]:
        header.move_to_end(key)


class Shapes(_Macro):
    """Rings of Web Mercator pixel coordinates at zoom 0 (``[[x0, y0, x1, y1, …], …]``) drawn into the
    parent layer on the map's canvas, as filled areas (``closed``) or lines, with one style.

    Projecting these takes one multiplication per vertex in the browser (no clipping or
    simplification), which keeps the basemap light. The data is embedded as a JSON string: browsers
    """

    _template = Template(
        """{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}">{{ this.rings|tojson }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
L.Corridors.shapes({{ this.map_name }}, {{ this._parent.get_name() }},
    L.Corridors.data({{ this.get_name()|tojson }}), {{ this.closed|tojson }}, {{ this.options|tojson }});
{% endmacro %}"""
    )

    def __init__(self, rings: list[list[float]], *, closed: bool, **options: Any):
        super().__init__()
        self._name = "Shapes"
        self.rings = rings
        self.closed = closed
        self.options = options


class Vectors(_Macro):
    """Polygons and lines (lat/lon rings) drawn into the parent layer, each with its own style, an
    optional popup (escaped HTML) and tooltip: the contested areas and boundary classes.

    Features are ``{"kind": "polygon" | "line", "latlngs": [[lat, lon], …], "options": {…},
    "popup": html, "tooltip": html}``; they go on the map's one canvas (``L.Corridors.renderer``),
    before the corridors, which therefore stay on top for the pointer; popups are
    bound with Leaflet's own ``bindPopup`` (folium's Popup needs jQuery, which the page does not load).
    """

    _template = Template(
        """{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}">{{ this.features|tojson }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
L.Corridors.data({{ this.get_name()|tojson }}).forEach(function (f) {
    var options = Object.assign({renderer: L.Corridors.renderer({{ this.map_name }})}, f.options);
    var layer = (f.kind === "polygon" ? L.polygon : L.polyline)(f.latlngs, options);
    if (f.popup) layer.bindPopup(f.popup, {maxWidth: 320});
    if (f.tooltip) layer.bindTooltip(f.tooltip, {sticky: true});
    layer.addTo({{ this._parent.get_name() }});
});
{% endmacro %}"""
    )

    def __init__(self, features: list[dict[str, Any]]):
        super().__init__()
        self._name = "Vectors"
        self.features = features


class CorridorLayer(_Macro):
    """One corridor drawn into its parent feature group: the line, then its waypoints and crossings.

    The line is given as Web Mercator pixel coordinates at zoom 0 (``[x0, y0, x1, y1, …]``).

    The group holds one popup and one tooltip, filled from the layer under the pointer (a popup
    and tooltip bound to each marker would cost the browser two objects and their listeners each);
    a marker's popup is built from its row when it is clicked.

    ``points`` rows are ``[lat, lon, "waypoint", name, position, source]`` or ``[lat, lon, "crossing",
    tooltip, position, title, km from the start, nearest named crossing]``, every text escaped HTML
    and every number formatted by :func:`corridors.tables.cell`; ``point_styles``
    maps the style keys to CircleMarker options (added by :class:`Markers`, after every line).
    """

    _template = Template(
        """{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}">{{ this.data|tojson }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
L.Corridors.corridor({{ this.map_name }}, {{ this._parent.get_name() }},
    L.Corridors.data({{ this.get_name()|tojson }}), {{ this.point_styles|tojson }});
{% endmacro %}"""
    )

    def __init__(
        self,
        pixels: list[float],
        line_options: dict[str, Any],
        popup: str,
        tooltip: str,
        name: str,
        points: list[list[Any]],
        point_styles: dict[str, dict[str, Any]],
    ):
        super().__init__()
        self._name = "CorridorLayer"
        self.pixels = pixels
        self.line_options = line_options
        self.popup = popup
        self.tooltip = tooltip
        self.name = name
        self.points = points
        self.point_styles = point_styles

    @property
    def data(self) -> dict[str, Any]:
        return {
            "pixels": self.pixels,
            "line": self.line_options,
            "popup": self.popup,
            "tooltip": self.tooltip,
            "name": self.name,
            "points": self.points,
        }


class Markers(_Macro):
    """Adds the waypoints and crossings of every corridor layer, after all the lines (one canvas)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
L.Corridors.markers({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Markers"


class FitWhenSized(_Macro):
    """Fits the view to ``bounds`` ([[south, west], [north, east]]) once the map's container has a
    size, and again when it is resized or shown (until the reader moves the map), with padding that
    keeps the legend and controls off the routes. Added last, so that the controls are measured.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
L.Corridors.fit({{ this._parent.get_name() }}, {{ this.bounds|tojson }}, {{ this.options|tojson }});
{% endmacro %}"""
    )

    def __init__(self, bounds: list[list[float]], **options: Any):
        super().__init__()
        self._name = "FitWhenSized"
        self.bounds = bounds
        self.options = options


class Labels(_Macro):
    """Place labels ``[lat, lon, text, style, min zoom]`` on one canvas (``L.Corridors.Labels``).

    The text is drawn as text on a canvas, never parsed as HTML.
    """

    _template = Template(
        """{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}">{{ this.labels|tojson }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = new L.Corridors.Labels(L.Corridors.data({{ this.get_name()|tojson }}),
    {{ this.options|tojson }});
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, labels: list[list[Any]], **options: Any):
        super().__init__()
        self._name = "Labels"
        self.labels = labels
        self.options = options


class Legend(_Macro):
    """The legend (escaped HTML) as a collapsible Leaflet control, and the attribution lines."""

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: "bottomleft"});
{{ this.get_name() }}.onAdd = function () {
    var div = L.DomUtil.create("div", "corridors-legend");
    div.innerHTML = {{ this.content|tojson }};
    div.querySelector("summary").addEventListener("click", function () {
        div.querySelector("details").dataset.userToggled = "1";
    });
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% for line in this.attribution %}
if ({{ this._parent.get_name() }}.attributionControl)
    {{ this._parent.get_name() }}.attributionControl.addAttribution({{ line|tojson }});
{% endfor %}
{% endmacro %}"""
    )

    def __init__(self, content: str, attribution: list[str]):
        super().__init__()
        self._name = "Legend"
        self.content = content
        self.attribution = attribution


class LayerControl(_Macro):
    """Layer control with base maps and grouped overlays (``L.Corridors.Layers``).

    ``base`` items are ``{"label": HTML, "layer": element}``; ``overlays`` items are the same or
    ``{"label": HTML, "children": [items]}`` (a group with one checkbox for all its layers).
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = new L.Corridors.Layers(
    {{ this.base_js }},
    {{ this.overlays_js }},
    {collapsed: true}
).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, base: list[dict[str, Any]], overlays: list[dict[str, Any]]):
        super().__init__()
        self._name = "LayerControl"
        self.base = base
        self.overlays = overlays

    @staticmethod
    def _js(items: list[dict[str, Any]]) -> str:
        import json

        from jinja2.utils import htmlsafe_json_dumps

        def one(item: dict[str, Any]) -> str:
            label = str(htmlsafe_json_dumps(item["label"], dumps=json.dumps))
            if "children" in item:
                return f"{{label: {label}, children: [{', '.join(one(c) for c in item['children'])}]}}"
            return f"{{label: {label}, layer: {item['layer'].get_name()}}}"

        return "[" + ", ".join(one(i) for i in items) + "]"

    @property
    def base_js(self) -> str:
        return self._js(self.base)

    @property
    def overlays_js(self) -> str:
        return self._js(self.overlays)


class MeasureControl(_Macro):
    """The two-click distance tool (``L.Corridors.Measure``): the WGS84 geodesic between two points."""

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = new L.Corridors.Measure({position: "topleft"}).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MeasureControl"


def number_elements(root: Element) -> None:
    """Give every element of the tree under ``root`` a counter-based id in tree order.

    branca draws ids from ``os.urandom``; element names (and so the page's JavaScript variables
    and the map's div id) derive from them, so numbering them makes the output reproducible.
    What an earlier render left (folium's ``…_add`` calls, the elements' snippets in the page's
    header, html and script) is removed, so that the next render writes them afresh in tree order.
    """
    numbers = count()
    old: set[str] = set()
    new: set[str] = set()

    def walk(element: Element) -> None:
        for key, child in list(element._children.items()):
            if isinstance(child, ElementAddToElement):
                old.add(child.get_name())
                del element._children[key]  # re-created by each render
        old.add(element.get_name())
        element._id = format(next(numbers), "x")
        new.add(element.get_name())
        for child in element._children.values():
            walk(child)

    walk(root)
    stale = old | new
    figure = root.get_root()
    for part in ("header", "html", "script"):
        children = getattr(figure, part, None)
        if isinstance(children, Element):
            for key in [k for k in children._children if k in stale or _ADD_TO.match(k)]:
                del children._children[key]
