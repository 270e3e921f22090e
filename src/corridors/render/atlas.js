/* corridors web-map runtime: fitting in any container, labels, layer control, distance tool.
 * Part of the corridors package (MIT). Needs Leaflet 1.9; no other library. */
(function () {
"use strict";
if (L.Corridors) return;
var C = (L.Corridors = {});

// The JSON data block of an element (a script element of type application/json, by id).
C.data = function (id) { return JSON.parse(document.getElementById(id).textContent); };

/* --- one canvas for every vector of the map: basemap, borders, lines, then markers ------------- */
// Leaflet draws a canvas's layers in the order they were added; the markers are added after all
// the lines (C.markers), so that no line covers a marker.
C.renderer = function (map) {
    if (!map._corridorsRenderer) map._corridorsRenderer = L.canvas({pane: "overlayPane", padding: 0.1, tolerance: 5});
    return map._corridorsRenderer;
};

/* --- fitting: waits until the container has a size, re-fits when it is resized or shown ------- */
// Padding so that no control covers the fitted box: each corner's controls are kept clear either
// by a horizontal or by a vertical margin; the combination that allows the largest zoom wins.
// ``reserve`` gives room, per corner, for controls added after the fit ({topright: [w, h]}).
function fitPadding(map, bounds, reserve) {
    var corners = map._controlCorners, size = map.getSize(), gap = 10, best = null;
    var keys = ["topleft", "topright", "bottomleft", "bottomright"];
    var boxes = keys.map(function (k) {
        var el = corners[k], extra = (reserve || {})[k] || [0, 0];
        var w = el && el.children.length ? el.offsetWidth + gap : 0, h = el && el.children.length ? el.offsetHeight + gap : 0;
        return [Math.max(w, extra[0]), Math.max(h, extra[1])];
    });
    for (var mask = 0; mask < 16; mask++) {
        var pad = {top: gap, right: gap, bottom: gap, left: gap};
        for (var i = 0; i < 4; i++) {
            var horizontal = (mask >> i) & 1, w = boxes[i][0], h = boxes[i][1];
            if (!w && !h) continue;
            var side = horizontal ? (i % 2 ? "right" : "left") : (i < 2 ? "top" : "bottom");
            pad[side] = Math.max(pad[side], horizontal ? w : h);
        }
        var free = [size.x - pad.left - pad.right, size.y - pad.top - pad.bottom];
        if (free[0] < 60 || free[1] < 60) continue;
        var zoom = map.getBoundsZoom(bounds, false, L.point(pad.left + pad.right, pad.top + pad.bottom));
        if (!best || zoom > best.zoom) best = {zoom: zoom, pad: pad};
    }
    var p = best ? best.pad : {top: 4, right: 4, bottom: 4, left: 4};
    return {paddingTopLeft: [p.left, p.top], paddingBottomRight: [p.right, p.bottom]};
}

C.fit = function (map, bounds, options) {
    options = options || {};
    bounds = L.latLngBounds(bounds);
    var container = map.getContainer(), touched = false, fitting = false, last = "", pending = false;
    map.on("dragstart", function () { touched = true; });
    map.on("zoomstart", function () { if (!fitting) touched = true; });
    function refit() {
        pending = false;
        var w = container.clientWidth, h = container.clientHeight;
        if (!w || !h) return;  // hidden, collapsed or not laid out yet: wait for a size
        var key = w + "x" + h;
        if (key === last) return;
        last = key;
        map.invalidateSize({pan: false});
        if (options.legend) {
            var small = w < 700 || h < 520;  // a small map shows the legend folded
            var details = container.querySelector(".corridors-legend details");
            if (details && !details.dataset.userToggled) details.open = !small;
        }
        if (touched) return;
        fitting = true;
        try {
            map.fitBounds(bounds, Object.assign(fitPadding(map, bounds, options.reserve), {animate: false}));
        } finally {
            fitting = false;
        }
        map.fire("corridorsfit");
    }
    function later() {
        if (pending) return;
        pending = true;
        (window.requestAnimationFrame || setTimeout)(refit);
    }
    C.whenVisible(container, later);
    refit();
    map._corridorsRefit = function () { last = ""; refit(); };
};

// Calls back whenever the element may have gained a size or become visible.
C.whenVisible = function (el, callback) {
    if (window.ResizeObserver) new ResizeObserver(callback).observe(el);
    if (window.IntersectionObserver) {
        new IntersectionObserver(function (entries) {
            if (entries.some(function (e) { return e.isIntersecting; })) callback();
        }).observe(el);
    }
    window.addEventListener("resize", callback);
    window.addEventListener("load", callback);
    document.addEventListener("visibilitychange", callback);
    document.addEventListener("toggle", callback, true);  // <details> opened
};

/* --- corridors: a line, its waypoints and crossings, one popup and tooltip per group ----------- */
// Point rows: [lat, lon, "waypoint", name, position, source] or [lat, lon, "crossing", tooltip, position,
// title, km, near], every text already escaped HTML. A marker's popup is built when it is opened.
function table(cls, title, rows) {
    return '<div class="' + cls + '"><h4>' + title + "</h4><table>" + rows.map(function (r) {
        return "<tr><th>" + r[0] + "</th><td>" + r[1] + "</td></tr>";
    }).join("") + "</table></div>";
}

C.pointPopup = function (p, corridor) {
    if (p[2] === "waypoint") {
        return table("waypoint-popup", p[3], [["Waypoint of", corridor], ["Position", p[4]]]
            .concat(p[5] ? [["Source", p[5]]] : []));
    }
    return table("crossing-popup", p[5], [["Corridor", corridor], ["Modeled crossing", "km " + p[6] + " from the start"]]
        .concat(p[7] ? [["Nearest named crossing", p[7]]] : []).concat([["Position", p[4]]]));
};

// d: {pixels, line (options), popup, tooltip, name, points}
C.corridor = function (map, group, d, styles) {
    var name = d.name;
    new C.Lines([d.pixels], Object.assign({renderer: C.renderer(map), popup: d.popup, tooltip: d.tooltip}, d.line))
        .addTo(group);
    (map._corridorsMarkers = map._corridorsMarkers || []).push([group, d.points, styles]);
    function row(layer) { return layer._rows ? layer._rows[Math.max(layer._hit, 0)] : null; }
    group.bindPopup(function (layer) {
        var r = row(layer);
        return r ? C.pointPopup(r, name) : layer.options.popup;
    }, {maxWidth: 380, maxHeight: 340});
    group.bindTooltip(function (layer) {
        var r = row(layer);
        return r ? r[3] : layer.options.tooltip;
    }, {sticky: true});
};

// The waypoints and crossings of one corridor as one canvas layer: drawn as circles, hit-tested
// point by point; a marker's tooltip and popup are made when the pointer reaches it.
C.Points = L.Path.extend({
    options: {interactive: true},
    initialize: function (rows, styles, options) {
        L.setOptions(this, options);
        this._rows = rows;
        this._styles = styles;
        this._hit = -1;
        var rad = Math.PI / 180;
        this._zero = rows.map(function (r) {
            var lat = Math.max(Math.min(r[0], 85.0511), -85.0511) * rad;
            return [(r[1] + 180) / 360 * 256, (1 - Math.log(Math.tan(Math.PI / 4 + lat / 2)) / Math.PI) * 128];
        });
        this._radius = Math.max.apply(null, Object.keys(styles).map(function (k) {
            return styles[k].radius + styles[k].weight;
        }));
        this.on("mousemove", function () {
            if (this._hit >= 0 && this._hit !== this._shown && this._tipGroup) {
                this._shown = this._hit;
                var tip = this._tipGroup.getTooltip();
                if (tip) tip.setContent(this._rows[this._hit][3]);
            }
        }, this);
    },
    getLatLng: function () { return L.latLng(this._rows[0][0], this._rows[0][1]); },
    _project: function () {
        var map = this._map, s = map.options.crs.scale(map.getZoom()) / 256, o = map.getPixelOrigin();
        var r = this._radius, b = L.bounds([]);
        this._pts = this._zero.map(function (z) {
            var p = L.point(z[0] * s - o.x, z[1] * s - o.y);
            b.extend(p);
            return p;
        });
        this._pxBounds = this._pts.length ? L.bounds(b.min.subtract([r, r]), b.max.add([r, r])) : null;
    },
    _update: function () { if (this._map) this._updatePath(); },
    _updatePath: function () {
        var renderer = this._renderer, ctx = renderer._ctx;
        if (!renderer._drawing || !this._pts.length) return;
        for (var i = 0; i < this._pts.length; i++) {
            var p = this._pts[i], style = this._styles[this._rows[i][2]];
            ctx.beginPath();
            ctx.arc(p.x, p.y, style.radius, 0, Math.PI * 2, false);
            renderer._fillStroke(ctx, {options: style});
        }
    },
    _empty: function () { return !this._pts || !this._pts.length; },
    _containsPoint: function (p) {
        var tolerance = this._renderer.options.tolerance || 0;
        for (var i = this._pts.length - 1; i >= 0; i--) {
            var style = this._styles[this._rows[i][2]];
            if (p.distanceTo(this._pts[i]) <= style.radius + style.weight / 2 + tolerance) {
                this._hit = i;
                return true;
            }
        }
        return false;
    }
});

// The waypoints and crossings of every corridor, after all the lines.
C.markers = function (map) {
    var renderer = C.renderer(map);
    (map._corridorsMarkers || []).forEach(function (item) {
        var styles = {};
        Object.keys(item[2]).forEach(function (k) {
            styles[k] = Object.assign({stroke: true, fill: true, lineCap: "round", lineJoin: "round", opacity: 1,
                fillOpacity: 1, fillRule: "evenodd"}, item[2][k]);
        });
        var points = new C.Points(item[1], styles, {renderer: renderer});
        points._tipGroup = item[0];
        if (item[1].length) points.addTo(item[0]);
    });
    map._corridorsMarkers = [];
};

// Shapes given as rings of Web Mercator pixel coordinates at zoom 0, [x0, y0, x1, y1, …]: projected
// by one multiplication per vertex, neither clipped nor simplified (the basemap and its borders).
function projected(Base) {
    return Base.extend({
        initialize: function (rings, options) {
            L.setOptions(this, options);
            this._flat = rings;
            this._latlngs = [];
            this._bounds = L.latLngBounds([]);
        },
        _project: function () {
            var map = this._map, s = map.options.crs.scale(map.getZoom()) / 256, o = map.getPixelOrigin();
            var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, rings = [];
            for (var r = 0; r < this._flat.length; r++) {
                var f = this._flat[r], ring = new Array(f.length / 2);
                for (var i = 0; i < f.length; i += 2) {
                    var x = f[i] * s - o.x, y = f[i + 1] * s - o.y;
                    ring[i / 2] = new L.Point(x, y);
                    if (x < x0) x0 = x;
                    if (x > x1) x1 = x;
                    if (y < y0) y0 = y;
                    if (y > y1) y1 = y;
                }
                rings.push(ring);
            }
            var w = this._clickTolerance();
            this._rings = rings;
            this._pxBounds = rings.length ? L.bounds([x0 - w, y0 - w], [x1 + w, y1 + w]) : null;
        },
        _update: function () {
            if (!this._map) return;
            this._parts = this._rings;
            this._updatePath();
        },
        _containsPoint: function (p) { return this.options.interactive && Base.prototype._containsPoint.call(this, p); }
    });
}
C.Area = projected(L.Polygon);
C.Lines = projected(L.Polyline);

C.shapes = function (map, parent, rings, closed, options) {
    var Shape = closed ? C.Area : C.Lines;
    return new Shape(rings, Object.assign({renderer: C.renderer(map), interactive: false}, options)).addTo(parent);
};

/* --- labels: country names, capitals and towns drawn on one canvas, by zoom, without overlaps -- */
// Each label is [lat, lon, text, style, minZoom], in priority order.
var LABEL_STYLES = {
    country: {font: "600 11px system-ui, sans-serif", color: "#6e6a62", spacing: "1px", upper: true, dot: 0},
    capital: {font: "700 12px system-ui, sans-serif", color: "#1f1f1f", dot: 3.5, square: true},
    town: {font: "600 11px system-ui, sans-serif", color: "#2b2b2b", dot: 2.5},
    minor: {font: "400 10px system-ui, sans-serif", color: "#444", dot: 1.8}
};

C.Labels = L.Layer.extend({
    options: {pane: "labels", attribution: null},
    initialize: function (labels, options) {
        L.setOptions(this, options);
        this._labels = labels;
        this._widths = {};
        this.drawn = [];
    },
    onAdd: function (map) {
        this._canvas = L.DomUtil.create("canvas", "corridors-labels leaflet-zoom-hide");
        this._canvas.setAttribute("aria-hidden", "true");
        this.getPane().appendChild(this._canvas);
        map.on("moveend zoomend resize viewreset", this._redraw, this);
        this._redraw();
    },
    onRemove: function (map) {
        map.off("moveend zoomend resize viewreset", this._redraw, this);
        L.DomUtil.remove(this._canvas);
        this.drawn = [];
    },
    _width: function (ctx, text, key) {
        var id = key + "\u0000" + text;
        if (!(id in this._widths)) this._widths[id] = ctx.measureText(text).width;
        return this._widths[id];
    },
    _redraw: function () {
        var map = this._map, size = map && map.getSize();
        if (!size || !size.x || !size.y) return;
        var margin = size.multiplyBy(0.1).round(), full = size.add(margin.multiplyBy(2));
        var origin = map.containerPointToLayerPoint(margin.multiplyBy(-1));
        var ratio = window.devicePixelRatio || 1, canvas = this._canvas, ctx = canvas.getContext("2d");
        L.DomUtil.setPosition(canvas, origin);
        canvas.width = Math.round(full.x * ratio);
        canvas.height = Math.round(full.y * ratio);
        canvas.style.width = full.x + "px";
        canvas.style.height = full.y + "px";
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        ctx.textBaseline = "middle";
        ctx.lineJoin = "round";
        var zoom = map.getZoom(), grid = {}, marks = {}, cell = 64, drawn = [], current = null;
        var spacing = "letterSpacing" in ctx;
        function hits(index, b) {
            for (var gx = Math.floor(b[0] / cell); gx <= Math.floor(b[2] / cell); gx++) {
                for (var gy = Math.floor(b[1] / cell); gy <= Math.floor(b[3] / cell); gy++) {
                    var list = index[gx + "," + gy] || [];
                    for (var k = 0; k < list.length; k++) {
                        var o = list[k];
                        if (b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3]) return true;
                    }
                }
            }
            return false;
        }
        function keep(index, b) {
            for (var gx = Math.floor(b[0] / cell); gx <= Math.floor(b[2] / cell); gx++) {
                for (var gy = Math.floor(b[1] / cell); gy <= Math.floor(b[3] / cell); gy++) {
                    (index[gx + "," + gy] = index[gx + "," + gy] || []).push(b);
                }
            }
        }
        // the map's controls: no label is written under them, nor across the map's edge
        var frame = map.getContainer().getBoundingClientRect();
        map.getContainer().querySelectorAll(".leaflet-control").forEach(function (c) {
            var r = c.getBoundingClientRect();
            if (r.width && r.height) {
                keep(grid, [r.left - frame.left + margin.x, r.top - frame.top + margin.y,
                    r.right - frame.left + margin.x, r.bottom - frame.top + margin.y]);
            }
        });
        var inside = function (b) {
            return b[0] >= margin.x && b[1] >= margin.y && b[2] <= margin.x + size.x && b[3] <= margin.y + size.y;
        };
        // the corridors' markers: no label text is written over them
        map.eachLayer(function (layer) {
            if (layer instanceof C.Points && layer._pts) {
                for (var k = 0; k < layer._pts.length; k++) {
                    var q = layer._pts[k].subtract(origin), r = layer._styles[layer._rows[k][2]].radius + 1;
                    keep(marks, [q.x - r, q.y - r, q.x + r, q.y + r]);
                }
            }
        });
        for (var i = 0; i < this._labels.length; i++) {
            var l = this._labels[i];
            if (zoom < l[4]) continue;
            var p = map.latLngToLayerPoint([l[0], l[1]]).subtract(origin);
            if (p.x < -50 || p.y < -20 || p.x > full.x + 50 || p.y > full.y + 20) continue;
            var s = LABEL_STYLES[l[3]] || LABEL_STYLES.town, text = s.upper ? l[2].toUpperCase() : l[2];
            if (s !== current) {
                current = s;
                ctx.font = s.font;
                if (spacing) ctx.letterSpacing = s.spacing || "0px";
            }
            var w = this._width(ctx, text, l[3]), h = 13, placed = null, d = s.dot;
            var dot = d ? [p.x - d - 1, p.y - d - 1, p.x + d + 1, p.y + d + 1] : null;
            var spots = d
                ? [[p.x + d + 3, p.y], [p.x - d - 3 - w, p.y], [p.x - w / 2, p.y - d - 9], [p.x - w / 2, p.y + d + 9]]
                : [[p.x - w / 2, p.y]];
            if (dot && hits(grid, dot)) continue;
            // named towns may overlap a corridor's marker when no place is free; minor towns never do
            // and a label that fits inside the map is preferred to one cut by its edge
            var passes = l[3] === "minor" ? [[true, true]] : l[3] === "country" ? [[false, true], [false, false]]
                : [[true, true], [false, true], [true, false], [false, false]];
            for (var pass = 0; pass < passes.length && !placed; pass++) {
                for (var j = 0; j < spots.length && !placed; j++) {
                    var sx = spots[j][0], sy = spots[j][1], box = [sx - 2, sy - h / 2 - 1, sx + w + 2, sy + h / 2 + 1];
                    if (hits(grid, box) || (passes[pass][0] && hits(marks, box))) continue;
                    if (passes[pass][1] && !inside(box)) continue;
                    placed = [spots[j], box];
                }
            }
            if (!placed) continue;
            keep(grid, placed[1]);
            if (dot) keep(grid, dot);
            if (s.dot) {
                ctx.beginPath();
                if (s.square) ctx.rect(p.x - s.dot, p.y - s.dot, 2 * s.dot, 2 * s.dot);
                else ctx.arc(p.x, p.y, s.dot, 0, 2 * Math.PI);
                ctx.fillStyle = s.square ? "#1f1f1f" : "#fff";
                ctx.strokeStyle = "#1f1f1f";
                ctx.lineWidth = 1.2;
                ctx.fill();
                ctx.stroke();
            }
            ctx.textAlign = "left";
            ctx.strokeStyle = "rgba(255,255,255,0.9)";
            ctx.lineWidth = 3;
            ctx.strokeText(text, placed[0][0], placed[0][1]);
            ctx.fillStyle = s.color;
            ctx.fillText(text, placed[0][0], placed[0][1]);
            drawn.push(l[2]);
        }
        this.drawn = drawn;
    }
});

/* --- layer control: base maps (radio) and overlays grouped by kind (checkbox per group) ------- */
// base: [{label, layer}]; overlays: [{label, layer} | {label, children: [{label, layer}]}]. Labels
// are HTML escaped by the page's author.
C.Layers = L.Control.extend({
    options: {position: "topright", collapsed: true},
    initialize: function (base, overlays, options) {
        L.setOptions(this, options);
        this._base = base;
        this._overlays = overlays;
        this._inputs = [];
    },
    onAdd: function (map) {
        var div = L.DomUtil.create("div", "leaflet-control-layers corridors-layers"), self = this;
        var toggle = L.DomUtil.create("a", "leaflet-control-layers-toggle", div);
        toggle.href = "#";
        toggle.title = "Layers";
        toggle.setAttribute("role", "button");
        var list = L.DomUtil.create("section", "leaflet-control-layers-list", div);
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        var built = false, build = function () {  // the list is made when it is first opened
            if (built) return;
            built = true;
            if (self._base.length > 1) {
                self._heading(list, "Base maps");
                self._base.forEach(function (item) { self._item(list, item, "radio"); });
                L.DomUtil.create("div", "leaflet-control-layers-separator", list);
            }
            self._overlays.forEach(function (item) {
                if (item.children) self._group(list, item);
                else self._item(list, item, "checkbox");
            });
            map.on("layeradd layerremove", self._sync, self);
            self._sync();
        };
        var expand = function () { build(); L.DomUtil.addClass(div, "leaflet-control-layers-expanded"); };
        var collapse = function () { L.DomUtil.removeClass(div, "leaflet-control-layers-expanded"); };
        if (this.options.collapsed) {
            L.DomEvent.on(div, "mouseenter focusin", expand);
            L.DomEvent.on(div, "mouseleave", collapse);
            L.DomEvent.on(toggle, "click", function (e) {
                L.DomEvent.preventDefault(e);
                (L.DomUtil.hasClass(div, "leaflet-control-layers-expanded") ? collapse : expand)();
            });
        } else {
            expand();
        }
        return div;
    },
    onRemove: function (map) { map.off("layeradd layerremove", this._sync, this); },
    _heading: function (parent, text) {
        L.DomUtil.create("div", "corridors-layers-heading", parent).textContent = text;
    },
    _item: function (parent, item, type) {
        var label = L.DomUtil.create("label", "corridors-layers-item", parent), map = this._map, base = this._base;
        var input = L.DomUtil.create("input", "", label);
        input.type = type;
        if (type === "radio") input.name = "corridors-base-" + L.stamp(this);
        var span = L.DomUtil.create("span", "corridors-layers-name", label);
        span.innerHTML = item.label;
        L.DomEvent.on(input, "change", function () {
            if (type === "radio") {
                base.forEach(function (b) { if (b.layer !== item.layer) map.removeLayer(b.layer); });
                map.addLayer(item.layer);
            } else if (input.checked) map.addLayer(item.layer);
            else map.removeLayer(item.layer);
        });
        this._inputs.push({input: input, layer: item.layer});
        return input;
    },
    _group: function (parent, group) {
        var box = L.DomUtil.create("div", "corridors-layers-group", parent), self = this, map = this._map;
        var head = L.DomUtil.create("label", "corridors-layers-item corridors-layers-grouphead", box);
        var all = L.DomUtil.create("input", "", head);
        all.type = "checkbox";
        L.DomUtil.create("span", "corridors-layers-name", head).innerHTML = group.label;
        var children = L.DomUtil.create("div", "corridors-layers-children", box);
        var layers = group.children.map(function (item) { self._item(children, item, "checkbox"); return item.layer; });
        L.DomEvent.on(all, "change", function () {
            var on = all.checked;  // read once: each add or remove re-syncs the checkbox
            layers.forEach(function (layer) { if (on) map.addLayer(layer); else map.removeLayer(layer); });
        });
        this._inputs.push({input: all, layers: layers});
    },
    _sync: function () {
        var map = this._map;
        if (!map) return;
        this._inputs.forEach(function (x) {
            if (x.layer) {
                x.input.checked = map.hasLayer(x.layer);
            } else {
                var on = x.layers.filter(function (l) { return map.hasLayer(l); }).length;
                x.input.checked = on === x.layers.length;
                x.input.indeterminate = on > 0 && on < x.layers.length;
            }
        });
    }
});

/* --- distance tool: two clicks, the WGS84 geodesic between them -------------------------------- */
// Vincenty's inverse formula on the WGS84 ellipsoid, km (converges for all but nearly antipodal points).
C.geodesicKm = function (p1, p2) {
    var a = 6378137, f = 1 / 298.257223563, b = a * (1 - f), rad = Math.PI / 180;
    var Lon = (p2.lng - p1.lng) * rad, U1 = Math.atan((1 - f) * Math.tan(p1.lat * rad));
    var U2 = Math.atan((1 - f) * Math.tan(p2.lat * rad));
    var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    var lambda = Lon, prev, iter = 100, sinS, cosS, sigma, cos2A, cos2Sm;
    do {
        var sinL = Math.sin(lambda), cosL = Math.cos(lambda);
        sinS = Math.sqrt(Math.pow(cosU2 * sinL, 2) + Math.pow(cosU1 * sinU2 - sinU1 * cosU2 * cosL, 2));
        if (sinS === 0) return 0;
        cosS = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
        sigma = Math.atan2(sinS, cosS);
        var sinA = cosU1 * cosU2 * sinL / sinS;
        cos2A = 1 - sinA * sinA;
        cos2Sm = cos2A ? cosS - 2 * sinU1 * sinU2 / cos2A : 0;
        var Cc = f / 16 * cos2A * (4 + f * (4 - 3 * cos2A));
        prev = lambda;
        lambda = Lon + (1 - Cc) * f * sinA * (sigma + Cc * sinS * (cos2Sm + Cc * cosS * (-1 + 2 * cos2Sm * cos2Sm)));
    } while (Math.abs(lambda - prev) > 1e-12 && --iter > 0);
    var u2 = cos2A * (a * a - b * b) / (b * b);
    var A = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
    var B = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
    var dS = B * sinS * (cos2Sm + B / 4 * (cosS * (-1 + 2 * cos2Sm * cos2Sm) -
        B / 6 * cos2Sm * (-3 + 4 * sinS * sinS) * (-3 + 4 * cos2Sm * cos2Sm)));
    return b * A * (sigma - dS) / 1000;
};

function kmText(km) {
    return km.toLocaleString("en-US", {minimumFractionDigits: 1, maximumFractionDigits: 1}) + " km";
}

C.Measure = L.Control.extend({
    options: {position: "topleft"},
    onAdd: function (map) {
        var div = L.DomUtil.create("div", "leaflet-bar corridors-measure");
        var a = (this._button = L.DomUtil.create("a", "", div));
        a.href = "#";
        a.title = "Measure a distance: click two points (WGS84 geodesic)";
        a.setAttribute("role", "button");
        a.setAttribute("aria-label", a.title);
        a.innerHTML = '<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true"><path d="M2 12 12 2l4 4L6 16z"' +
            ' fill="none" stroke="#333" stroke-width="1.5"/><path d="M5 9l1.5 1.5M7.5 6.5 9 8M10 4l1.5 1.5" ' +
            'stroke="#333" stroke-width="1.3"/></svg>';
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.on(a, "click", function (e) {
            L.DomEvent.preventDefault(e);
            if (this._layer) this.stop(); else this.start();
        }, this);
        return div;
    },
    start: function () {
        var map = this._map;
        this._layer = L.layerGroup().addTo(map);
        this._points = [];
        L.DomUtil.addClass(map.getContainer(), "corridors-measuring");
        L.DomUtil.addClass(this._button, "active");
        map.on("click", this._click, this).on("mousemove", this._move, this).on("popupopen", this._nopopup, this);
        map.doubleClickZoom.disable();
    },
    stop: function () {
        var map = this._map;
        map.off("click", this._click, this).off("mousemove", this._move, this).off("popupopen", this._nopopup, this);
        map.removeLayer(this._layer);
        this._layer = null;
        L.DomUtil.removeClass(map.getContainer(), "corridors-measuring");
        L.DomUtil.removeClass(this._button, "active");
        map.doubleClickZoom.enable();
    },
    _nopopup: function () { this._map.closePopup(); },
    _renderer: function () { return C.renderer(this._map); },
    _click: function (e) {
        if (this._points.length === 2) {
            this._layer.clearLayers();
            this._points = [];
        }
        this._points.push(e.latlng);
        L.circleMarker(e.latlng, {renderer: this._renderer(), radius: 4, color: "#222", weight: 2, fillColor: "#fff",
            fillOpacity: 1, interactive: false}).addTo(this._layer);
        if (this._points.length === 2) {
            this._draw(this._points[0], this._points[1], true);
            this.distanceKm = C.geodesicKm(this._points[0], this._points[1]);
        }
    },
    _move: function (e) {
        if (this._points.length === 1) this._draw(this._points[0], e.latlng, false);
    },
    _draw: function (a, b, final) {
        if (this._line) this._layer.removeLayer(this._line);
        var km = C.geodesicKm(a, b);
        this._line = L.polyline([a, b], {renderer: this._renderer(), color: "#222", weight: 2, dashArray: "6 4",
            interactive: false}).addTo(this._layer);
        this._line.bindTooltip(kmText(km), {permanent: true, direction: "center", className: "corridors-measure-label"})
            .openTooltip(L.latLng((a.lat + b.lat) / 2, (a.lng + b.lng) / 2));
        if (final) this._line = null;
    }
});
})();
