"""Custom folium elements of the web map (folium's MacroElement + template pattern).

Imported only when a map is built. Two hazards of folium shape them:

- every string reaches the scripts through ``tojson``, which writes ``<``, ``>``, ``&`` and ``'`` as
  ``\\u`` escapes, so a catalog text can neither close the script element nor leave its string
  (folium's Popup pastes HTML into a jQuery template literal, its Tooltip into a template
  literal where ``${…}`` runs);
- branca compiles each rendered snippet as a Jinja template again (slow for large data, and
  ``{{ … }}`` in a catalog text would run): these elements keep their output as text, and the
  callers' HTML escaping also writes ``{`` and ``}`` as entities. One element per corridor, drawing
  its line and markers from JSON, keeps the page small and fast to build.

The measure and tree-layer controls are folium's (``folium.plugins``) templates with the asset
URLs pinned in :mod:`._assets`; importing ``folium.plugins`` would compile every plugin's template.
"""

from __future__ import annotations

from itertools import count
from typing import Any

from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

from . import _assets, _style


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


class GeoJsonLayer(_Macro):
    """GeoJSON drawn into the parent layer with one style (``L.geoJSON`` options, e.g. ``style``).

    The data is embedded as a JSON string: browsers parse ``JSON.parse("…")`` of large data faster
    than the same data as a JavaScript literal.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
L.geoJSON(JSON.parse({{ this.data|tojson|tojson }}), {{ this.options|tojson }})
    .addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, data: dict[str, Any], **options: Any):
        super().__init__()
        self._name = "GeoJsonLayer"
        self.data = data
        self.options = options


class CorridorLayer(_Macro):
    """One corridor drawn into its parent feature group: the line, then its waypoints and crossings.

    The group holds one popup and one tooltip, filled from the layer under the pointer (a popup
    and tooltip bound to each marker would cost the browser two objects and their listeners each).

    ``points`` rows are ``[lat, lon, style key, tooltip HTML, popup HTML]``; ``point_styles`` maps
    the style keys to CircleMarker options (drawn in the ``points`` pane, above every line).
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (group) {
    L.polyline(JSON.parse({{ this.latlngs|tojson|tojson }}), Object.assign({{ this.line_options|tojson }},
        {popup: {{ this.popup|tojson }}, tooltip: {{ this.tooltip|tojson }}})).addTo(group);
    var styles = {{ this.point_styles|tojson }};
    JSON.parse({{ this.points|tojson|tojson }}).forEach(function (p) {
        L.circleMarker([p[0], p[1]], Object.assign({tooltip: p[3], popup: p[4]}, styles[p[2]])).addTo(group);
    });
    // one popup and one tooltip for the whole group, filled from the layer under the pointer
    group.bindPopup(function (layer) { return layer.options.popup; }, {maxWidth: 380, maxHeight: 340});
    group.bindTooltip(function (layer) { return layer.options.tooltip; }, {sticky: true});
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(
        self,
        latlngs: list[list[float]],
        line_options: dict[str, Any],
        popup: str,
        tooltip: str,
        points: list[list[Any]],
        point_styles: dict[str, dict[str, Any]],
    ):
        super().__init__()
        self._name = "CorridorLayer"
        self.latlngs = latlngs
        self.line_options = line_options
        self.popup = popup
        self.tooltip = tooltip
        self.points = points
        self.point_styles = point_styles


class FitBounds(_Macro):
    """Sets the view to ``bounds`` ([[south, west], [north, east]]) at once, without a zoom animation.

    Added before the layers, so that they are projected once, at the final zoom.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.fitBounds({{ this.bounds|tojson }}, {padding: [24, 24], animate: false});
{% endmacro %}"""
    )

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "FitBounds"
        self.bounds = bounds


class Labels(_Macro):
    """Country-name labels ``[lat, lon, escaped text]`` as divIcons in the ``labels`` pane."""

    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this.labels|tojson }}.forEach(function (l) {
    L.marker([l[0], l[1]], {pane: "labels", interactive: false, keyboard: false,
        icon: L.divIcon({className: "country-label", html: "<span>" + l[2] + "</span>", iconSize: null})
    }).addTo({{ this._parent.get_name() }});
});
{% endmacro %}"""
    )

    def __init__(self, labels: list[tuple[float, float, str]]):
        super().__init__()
        self._name = "Labels"
        self.labels = labels


class Legend(_Macro):
    """The legend (escaped HTML) as a Leaflet control, and the page's map styles."""

    _template = Template(
        """
{% macro header(this, kwargs) %}
<style>
.leaflet-container { background: """
        + _style.NO_DATA
        + """; }
.corridors-legend { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.35 system-ui, sans-serif; color: #222;
  max-width: 300px; }
.corridors-legend .cols { display: grid; grid-template-columns: auto auto; column-gap: 12px; }
.corridors-legend svg { vertical-align: middle; }
.corridors-legend .note { margin-top: 4px; color: #555; font-size: 11px; }
.country-label span { position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font: 600 11px/1 system-ui, sans-serif; letter-spacing: 0.08em; text-transform: uppercase;
  color: """
        + _style.LABEL
        + """; text-shadow: 0 0 3px #fff, 0 0 3px #fff; }
.leaflet-popup-content { font-size: 12px; }
.leaflet-popup-content p { margin: 4px 0; }
.leaflet-popup-content h4 { margin: 0 0 2px; font-size: 14px; }
.leaflet-popup-content table { border-collapse: collapse; margin: 4px 0; font-size: 12px; }
.leaflet-popup-content th { text-align: left; font-weight: 600; padding: 1px 8px 1px 0; vertical-align: top; }
.leaflet-popup-content td { padding: 1px 6px 1px 0; vertical-align: top; }
.leaflet-popup-content .num { white-space: nowrap; }
.leaflet-popup-content .src, .leaflet-popup-content .meta, .leaflet-popup-content .sources {
  color: #666; font-size: 11px; }
.leaflet-popup-content .warn { color: #b00020; }
.leaflet-layerstree-header-name svg { vertical-align: middle; }
.leaflet-container path.leaflet-interactive:focus { outline: none; }
.leaflet-control-layers-expanded { max-height: 75vh; overflow-y: auto; }
</style>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: "bottomleft"});
{{ this.get_name() }}.onAdd = function () {
    var div = L.DomUtil.create("div", "corridors-legend");
    div.innerHTML = {{ this.content|tojson }};
    L.DomEvent.disableClickPropagation(div);
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(self, content: str):
        super().__init__()
        self._name = "Legend"
        self.content = content


class LayersTree(JSCSSMixin, _Macro):
    """Layer control with groups (Leaflet.Control.Layers.Tree, as ``folium.plugins.TreeLayerControl``).

    Tree nodes are ``{"label": HTML, "layer": element}`` or ``{"label": HTML, "children": [...]}``.
    """

    default_js = [("layers_tree_js", _assets.TREE_JS)]  # noqa: RUF012 (folium's attribute)
    default_css = [("layers_tree_css", _assets.TREE_CSS)]  # noqa: RUF012
    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control.layers.tree(
    {{ this.base_tree|tojavascript }},
    {{ this.overlay_tree|tojavascript }},
    {{ this.options|tojavascript }}
).addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, base_tree: dict[str, Any], overlay_tree: dict[str, Any], **options: Any):
        super().__init__()
        self._name = "LayersTree"
        self.base_tree = base_tree
        self.overlay_tree = overlay_tree
        self.options = options


class MeasureControl(JSCSSMixin, _Macro):
    """Distance and area measuring (leaflet-measure, as ``folium.plugins.MeasureControl``)."""

    default_js = [("leaflet_measure_js", _assets.MEASURE_JS)]  # noqa: RUF012 (folium's attribute)
    default_css = [("leaflet_measure_css", _assets.MEASURE_CSS)]  # noqa: RUF012
    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = new L.Control.Measure({{ this.options|tojavascript }});
{{ this._parent.get_name() }}.addControl({{ this.get_name() }});
// leaflet-measure 2.1.7 with Leaflet >= 1.8 (https://github.com/ljagis/leaflet-measure/issues/171)
L.Control.Measure.include({
    _setCaptureMarkerIcon: function () {
        this._captureMarker.options.autoPanOnFocus = false;
        this._captureMarker.setIcon(L.divIcon({iconSize: this._map.getSize().multiplyBy(2)}));
    },
});
{% endmacro %}"""
    )

    def __init__(self, **options: Any):
        super().__init__()
        self._name = "MeasureControl"
        self.options = options


def number_elements(root: Element) -> None:
    """Give every element under ``root`` a counter-based id in tree order.

    branca draws ids from ``os.urandom``; element names (and so the page's JavaScript variables
    and the map's div id) derive from them, so numbering them makes the output reproducible.
    """
    numbers = count()

    def walk(element: Element) -> None:
        element._id = format(next(numbers), "x")
        for part in ("header", "html", "script"):
            child = getattr(element, part, None)
            if isinstance(child, Element):
                walk(child)
        for child in element._children.values():
            walk(child)

    walk(root)
