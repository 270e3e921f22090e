"""Static maps of scored corridors for print: a :class:`matplotlib.figure.Figure` from the shipped basemap.

Lon/lat are drawn in an equirectangular view whose aspect is true at the middle latitude; the
graticule is labelled in degrees and the scale bar is measured on the WGS84 ellipsoid at the
middle of the map. Corridors are styled as on the web map (colour by kind, rail with cross-ties,
dashes by status). Labels (corridor names, towns, crossings, countries) are placed by adjustText
with leader lines where a label moved off its anchor; a label that still overlaps one of higher
rank is left out, so no two labels overlap. The legend sits below the map, never on a route.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot, no global state); text from
data is never read as mathtext. :func:`figure_bytes` gives byte-identical output for the same
input: PNG without a Software chunk, SVG with a fixed hash salt and no date, PDF without dates.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from .. import alignment, distance, geodata
from .._errors import GeometryError, OutputError
from ..io import format_of
from ..scoring import records_of
from ..tables import cell, provenance_line
from . import _basemap, _style, _towns

if TYPE_CHECKING:
    import geopandas
    from matplotlib.figure import Figure

    from ..scoring import CorridorScore

__all__ = ["FORMATS", "alt_text", "figure", "figure_bytes", "figure_format", "save_figure"]

FORMATS = ("png", "svg", "pdf")
_METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}
#: rc settings in force while a figure is built and saved: fixed fonts and SVG ids, no mathtext.
_RC: dict[Any, Any] = {
    "svg.hashsalt": "corridors",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "font.family": "DejaVu Sans",
    "text.parse_math": False,
    "text.usetex": False,
}
_HALO = "#ffffff"
_INK = "#222222"
_TOWN = "#3a3a3a"
#: adjustText iterations: a fixed count (not a time limit) keeps the output deterministic.
_ITERATIONS = 400
#: A map of more corridors than this numbers them and lists the names in a key.
_MAX_NAMED = 10
#: Columns of that key.
_KEY_COLUMNS = 3

Scores = "geopandas.GeoDataFrame | Sequence[CorridorScore]"


def figure_format(path: str | Path) -> str:
    """Format a figure file's suffix names: ``png``, ``svg`` or ``pdf`` (`OutputError` otherwise).

    Examples
    --------
    >>> figure_format("brief/tapi.SVG")
    'svg'
    """
    return format_of(path, {f".{f}": f for f in FORMATS}, "figures")


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """The figure as PNG, SVG or PDF bytes, identical for the same figure (no dates, fixed ids).

    PNG is rendered at the figure's own ``dpi``.

    Examples
    --------
    >>> from corridors import load_catalog, score
    >>> fig = figure(score(load_catalog().select(["wakhan-corridor"])), dpi=40, towns=False)
    >>> figure_bytes(fig, "png")[:4]
    b'\\x89PNG'
    """
    import matplotlib

    if fmt not in FORMATS:
        raise OutputError(f"figure format {fmt!r} is not one of {', '.join(FORMATS)}")
    buf = io.BytesIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format=fmt, dpi="figure", metadata=_METADATA[fmt], facecolor="white")
    return buf.getvalue()


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write the figure to ``path`` atomically, as PNG, SVG or PDF by its suffix.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from corridors import load_catalog, score
    >>> fig = figure(score(load_catalog().select(["wakhan-corridor"])), dpi=40, towns=False)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_figure(fig, pathlib.Path(tmp) / "wakhan.svg").suffix
    '.svg'
    """
    from ..io import atomic_write

    return atomic_write(path, figure_bytes(fig, figure_format(path)))


def alt_text(scores: geopandas.GeoDataFrame | Sequence[CorridorScore]) -> str:
    """Alternative text for a figure of ``scores``: one sentence per corridor (name, modeled km, countries).

    Examples
    --------
    >>> from corridors import load_catalog, score
    >>> alt_text(score(load_catalog().select(["wakhan-corridor"])))  # doctest: +ELLIPSIS
    'Map of 1 corridor. Wakhan Corridor...: ... km modeled, through AFG.'
    """
    records = records_of(scores)
    head = f"Map of {len(records)} corridor{'s' if len(records) != 1 else ''}."
    sentences = [head]
    for s in records:
        countries = ", ".join(s.sequence) if s.sequence else "no mapped country"
        kind = _style.kind_style(s.corridor.kind).label.lower()
        sentences.append(f"{s.corridor.name} ({kind}): {cell(float(s.length_km))} km modeled, through {countries}.")
    return " ".join(sentences)


def figure(
    scores: geopandas.GeoDataFrame | Sequence[CorridorScore],
    *,
    dpi: int = 200,
    width_in: float = 10.0,
    title: str | None = None,
    towns: bool = True,
    worldview: str | None = None,
) -> Figure:
    """Draw scored corridors (from :func:`corridors.score`) on the offline basemap.

    One corridor gets its name as title and its endpoints and every crossing labelled; several get
    their names along the lines (with leader lines where a name had to move) and the named
    crossings labelled. Capitals and the largest towns in view are labelled too (``towns``), and
    GeoNames is credited in the footer, which also carries :func:`corridors.tables.provenance_line`.

    Parameters
    ----------
    scores : GeoDataFrame or sequence of CorridorScore
        The result of :func:`corridors.score`, or rows of it.
    dpi : int
        Resolution of the figure (and of its PNG).
    width_in : float
        Width of the figure, inches; the height follows from the map's aspect.
    title : str, optional
        Title above the map (default: the corridor's name for one corridor, none for several).
    towns : bool
        Label capitals and the largest towns in view.
    worldview : {"de-facto", "IND", "PAK", "CHN", "AFG"}, optional
        Score under this worldview (default: the one the scores were made under); named in the
        legend and footer, and a claimant's view draws its claimed borders.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with :func:`save_figure` or :func:`figure_bytes`; it shows itself in Jupyter.

    Examples
    --------
    >>> from corridors import load_catalog, score
    >>> fig = figure(score(load_catalog().select(["wakhan-corridor"])), dpi=40, towns=False)
    >>> type(fig).__name__
    'Figure'
    """
    records = records_of(scores)
    import matplotlib

    if not records:
        raise GeometryError("figure: no corridors to draw")
    if worldview is not None and any(r.worldview != geodata.check_worldview(worldview) for r in records):
        from ..scoring import score_records

        records = score_records([r.corridor for r in records], worldview=worldview)
    worldview = records[0].worldview
    lines = alignment.route_lines([s.corridor for s in records])
    base = _basemap.load(_basemap.view_box(lines, margin=0.12, min_margin_deg=0.8))
    if title is None and len(records) == 1:
        title = records[0].corridor.name
    with matplotlib.rc_context(_RC):
        # Corridor names go along their lines; a corridor whose name finds no free place (and every
        # corridor of a crowded map) gets a number instead, listed in a key below the legend.
        numbered = frozenset(range(len(records))) if len(records) > _MAX_NAMED else frozenset()
        for _ in range(3):
            fig, dropped = _draw(
                records, lines, base, width_in, title, dpi=dpi, towns=towns, worldview=worldview, numbered=numbered
            )
            if dropped <= numbered:
                break
            numbered |= dropped
        return fig


def _draw(
    scores: Sequence[CorridorScore],
    lines: np.ndarray,
    base: _basemap.Basemap,
    width_in: float,
    title: str | None,
    *,
    dpi: float = 100,
    towns: bool = True,
    worldview: str = "de-facto",
    numbered: frozenset[int] = frozenset(),
) -> tuple[Any, frozenset[int]]:
    """The figure, and the corridors (by position) whose label found no place."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    west, south, east, north = base.box
    aspect = 1.0 / np.cos(np.radians((south + north) / 2))
    map_w = 0.86 * width_in
    map_h = map_w * (north - south) * aspect / (east - west)
    disputed = _basemap.contested(base.box, worldview, simplify_deg=0.005)
    groups = _legend_groups(scores) + _contested_legend(disputed, worldview)
    legend_h = 0.14 * max(len(rows) for _, rows in groups) + 0.3
    footer_h = 0.42
    top_h = 0.5 if title else 0.2
    numbers = {i: n for n, i in enumerate(sorted(numbered), 1)}
    key_rows = -(-len(numbers) // _KEY_COLUMNS)
    key_h = 0.14 * key_rows + 0.3 if numbers else 0.0
    footer_h += key_h
    height = top_h + map_h + 0.3 + legend_h + footer_h
    fig = Figure(figsize=(width_in, height), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    bottom = (legend_h + footer_h + 0.3) / height
    ax = fig.add_axes((0.07, bottom, 0.86, map_h / height))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect)
    ax.set_facecolor(_style.SEA)
    _draw_basemap(ax, base)
    _draw_contested(ax, disputed)
    _graticule(ax, base.box)
    for s, line in zip(scores, lines, strict=True):
        _draw_corridor(ax, s, line)
    single = len(scores) == 1
    crossings = _crossing_points(scores, label_all=single)
    for (lon, lat), _ in crossings:
        ax.plot(lon, lat, "o", ms=5.5, mfc=_style.CROSSING_FILL, mec=_style.CROSSING_EDGE, mew=0.9, zorder=6)
    span = max(east - west, north - south)
    route_xy = shapely.get_coordinates(shapely.segmentize(lines, span / 200))
    panel = _scale_bar(ax, base.box, route_xy)

    labels = _Labels(ax)
    if single:
        c = scores[0].corridor
        for w in (c.waypoints[0], c.waypoints[-1]):
            labels.add(w.lon, w.lat, w.name, rank=1, color=_INK, size=7.5, weight="bold")
    else:
        for i, (s, line) in enumerate(zip(scores, lines, strict=True)):
            anchors = _label_anchors(line, route_xy, base.box)
            lon, lat = anchors[0]
            color = _darker(_style.kind_style(s.corridor.kind).color)
            text = str(numbers[i]) if i in numbers else s.corridor.name
            labels.add(
                lon,
                lat,
                text,
                rank=0,
                color=color,
                size=7.5 if i in numbers else 7,
                weight="bold",
                key=i,
                alternatives=anchors[1:],
            )
    for (lon, lat), text in crossings:
        if text:
            labels.add(lon, lat, text, rank=3, color=_INK, size=6.5)
    town_list: list[_towns.Town] = []
    if towns:
        waypoints = np.array([(w.lon, w.lat) for s in scores for w in s.corridor.waypoints])
        near = _towns.near(_towns.in_view(base.box), lines, span * 0.03, waypoints)
        # one corridor: its labelled endpoints stand for the towns there
        ends = [(w.lon, w.lat) for w in (scores[0].corridor.waypoints[0], scores[0].corridor.waypoints[-1])]
        taken = np.array(ends if single else []).reshape(-1, 2)
        town_list = _towns.spread(near, taken, min_deg=span * 0.04)[: 8 + 8 * int(span > 8)]
        for t in town_list:
            (marker,) = ax.plot(
                t.lon,
                t.lat,
                marker="s" if t.capital else "o",
                ms=4.2 if t.capital else 3.2,
                mfc=_TOWN if t.capital else "white",
                mec=_TOWN,
                mew=0.8,
                ls="",
                zorder=6.5,
            )
            labels.add(
                t.lon,
                t.lat,
                t.name,
                rank=1 if t.capital else 2,
                color=_TOWN,
                size=7 if t.capital else 6.5,
                weight="bold" if t.capital else "normal",
                marker=marker,
            )
    for name, (x, y) in zip(base.name, base.label_xy, strict=True):
        if west < x < east and south < y < north:
            labels.add(x, y, str(name).upper(), rank=4, color=_style.LABEL, size=7.5, leader=False, style="italic")
    dropped = labels.place(canvas.get_renderer(), obstacles_lonlat=route_xy, blocked=[panel])

    if title:
        fig.text(0.07, 1 - 0.12 / height, title, ha="left", va="top", fontsize=13, fontweight="bold")
    _legend(fig, groups, top=(legend_h + footer_h) / height, height=height, towns=bool(town_list))
    view = "de facto borders" if worldview == "de-facto" else f"borders as {worldview} claims them"
    credits = f"Basemap: Natural Earth 1:10m (simplified), {view}. Lengths: km on the WGS84 ellipsoid."
    if town_list:
        credits += f" {_towns.CREDIT}."
    if numbers:
        _key(fig, scores, numbers, top=(footer_h - 0.1) / height, height=height)
    fig.text(0.07, 0.24 / height, credits, ha="left", va="bottom", fontsize=6.5, color="#555555")
    fig.text(0.07, 0.08 / height, provenance_line(worldview), ha="left", va="bottom", fontsize=6.5, color="#555555")
    return fig, dropped


# --- layers ------------------------------------------------------------------------------------


def _polygon_path(geom: shapely.Geometry) -> Any:
    from matplotlib.path import Path as MplPath

    verts, codes = [], []
    parts = shapely.get_parts(geom)
    for ring in shapely.get_rings(parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON]):
        xy = shapely.get_coordinates(ring)
        if len(xy) >= 4:
            verts.append(xy)
            codes.append(np.r_[MplPath.MOVETO, np.full(len(xy) - 2, MplPath.LINETO), MplPath.CLOSEPOLY])
    return MplPath(np.concatenate(verts), np.concatenate(codes).astype(np.uint8))


def _draw_basemap(ax: Any, base: _basemap.Basemap) -> None:
    from matplotlib.collections import LineCollection, PathCollection

    land = [_polygon_path(g) for g in base.land if not shapely.is_empty(g)]
    ax.add_collection(PathCollection(land, facecolors=_style.LAND, edgecolors="#9fb3bf", linewidths=0.35, zorder=1))
    segments = [shapely.get_coordinates(part) for g in base.borders for part in shapely.get_parts(g)]
    ax.add_collection(LineCollection(segments, colors=_style.BORDER, linewidths=0.8, zorder=2))


def _draw_contested(ax: Any, layer: _basemap.ContestedLayer) -> None:
    """Contested areas hatched over the land, and non-international boundaries dashed by class."""
    from matplotlib.collections import LineCollection, PathCollection

    areas = [_polygon_path(g) for g in layer.areas if not shapely.is_empty(g)]
    if areas:
        ax.add_collection(
            PathCollection(
                areas,
                facecolors="none",
                edgecolors=_style.CONTESTED_EDGE,
                hatch=_style.CONTESTED_HATCH,
                linewidths=0.0,
                alpha=0.45,
                zorder=1.5,
            )
        )
    for cls, lines in layer.lines.items():
        style = _style.BOUNDARY_STYLES.get(cls, _style.BOUNDARY_STYLES["Disputed"])
        segments = [shapely.get_coordinates(part) for g in lines for part in shapely.get_parts(g)]
        if segments:
            ax.add_collection(
                LineCollection(
                    segments,
                    colors=style.color,
                    linewidths=style.weight * 0.6,
                    linestyles=[(0, style.dashes)],
                    zorder=2.5,
                )
            )


def _contested_legend(layer: _basemap.ContestedLayer, worldview: str) -> list[tuple[str, list[tuple[Any, str]]]]:
    """Legend group for the contested layer, titled with the worldview (areas and the boundary classes in view)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    rows: list[tuple[Any, str]] = []
    if any(not shapely.is_empty(g) for g in layer.areas):
        rows.append(
            (
                Patch(facecolor="none", edgecolor=_style.CONTESTED_EDGE, hatch=_style.CONTESTED_HATCH, lw=0.0),
                "Contested area",
            )
        )
    for cls, lines in layer.lines.items():
        if len(lines):
            st = _style.BOUNDARY_STYLES.get(cls, _style.BOUNDARY_STYLES["Disputed"])
            label = f"{st.label} ({worldview})" if cls == "claim" else st.label
            rows.append((Line2D([], [], color=st.color, lw=st.weight * 0.6, linestyle=(0, st.dashes)), label))
    title = "Worldview: de facto" if worldview == "de-facto" else f"Worldview: {worldview}"
    return [(title, rows)] if rows else [(title, [(Line2D([], [], color="none"), "no contested ground in view")])]


def _line_effects(kind: str, width: float) -> list[Any]:
    """Path effects of a corridor line: a white halo, and cross-ties for rail."""
    from matplotlib import patheffects

    effects: list[patheffects.AbstractPathEffect] = [
        patheffects.withStroke(linewidth=width + 1.4, foreground=_HALO, alpha=0.7)
    ]
    if kind == "rail":
        effects.append(patheffects.TickedStroke(spacing=7, angle=90, length=0.9, linewidth=0.8))
    return [*effects, patheffects.Normal()] if kind == "rail" else effects


def _draw_corridor(ax: Any, s: CorridorScore, line: shapely.LineString) -> None:
    kind = _style.kind_style(s.corridor.kind)
    xy = shapely.get_coordinates(line)
    width = kind.weight * 0.55
    pattern = _style.dash(s.corridor.status)
    ax.plot(
        *xy.T,
        color=kind.color,
        lw=width,
        alpha=kind.opacity,
        zorder=4,
        linestyle=(0, pattern) if pattern else "-",
        dash_capstyle="butt",
        solid_capstyle="round",
        path_effects=_line_effects(s.corridor.kind, width),
    )
    way = np.array([(w.lon, w.lat) for w in s.corridor.waypoints])
    ax.plot(*way.T, "o", ms=2.6, mfc=_style.WAYPOINT_FILL, mec=kind.color, mew=0.7, zorder=5)


def _crossing_points(scores: Sequence[CorridorScore], *, label_all: bool) -> list[tuple[tuple[float, float], str]]:
    """Crossings, one per place (shared ones drawn once), and their labels.

    Named crossings are labelled once each; with ``label_all`` (one corridor) every crossing is.
    """
    out: dict[tuple[float, float], str] = {}
    named_seen: set[str] = set()
    for s in scores:
        for x in s.crossings:
            key = (round(x.lon, 2), round(x.lat, 2))
            if key in out:
                continue
            arrow = f"{x.from_country}→{x.to_country}"
            if label_all:
                out[key] = f"{x.named} ({arrow})" if x.named else arrow
            elif x.named and x.named not in named_seen:
                out[key] = x.named
            else:
                out[key] = ""
            named_seen.add(x.named)
    return list(out.items())


def _label_anchors(line: shapely.LineString, route_xy: np.ndarray, box: tuple[float, ...]) -> list[tuple[float, float]]:
    """Points of ``line`` inside the view, those with the fewest other route vertices around them first."""
    xy = shapely.get_coordinates(line)
    west, south, east, north = box
    radius = 0.04 * max(east - west, north - south)
    picks = xy[np.linspace(0, len(xy) - 1, min(len(xy), 25)).round().astype(int)]
    inside = picks[(picks[:, 0] > west) & (picks[:, 0] < east) & (picks[:, 1] > south) & (picks[:, 1] < north)]
    picks = inside if len(inside) else picks
    own = {tuple(p) for p in xy}
    others = np.array([p for p in route_xy if tuple(p) not in own]).reshape(-1, 2)
    middle = np.abs(np.arange(len(picks)) - (len(picks) - 1) / 2) / max(len(picks), 1)
    crowd = np.array([np.count_nonzero(np.hypot(*(others - p).T) < radius) for p in picks]) + middle
    order = np.argsort(crowd, kind="stable")
    return [(float(picks[i, 0]), float(picks[i, 1])) for i in order[:6]]


# --- labels ------------------------------------------------------------------------------------


class _Labels:
    """Labels to place with adjustText, by rank (0 first); lower-ranked ones that still collide are dropped."""

    def __init__(self, ax: Any):
        self.ax = ax
        self.items: list[tuple[int, Any, tuple[float, float], bool]] = []
        self.keys: dict[int, int] = {}
        self.markers: dict[int, Any] = {}  # a town's symbol goes with its label
        self.alternatives: dict[int, list[tuple[float, float]]] = {}  # other anchors to try

    def add(
        self,
        lon: float,
        lat: float,
        text: str,
        *,
        rank: int,
        color: str,
        size: float,
        leader: bool = True,
        key: int | None = None,
        marker: Any = None,
        alternatives: Sequence[tuple[float, float]] = (),
        **font: Any,
    ) -> None:
        from matplotlib import patheffects

        label = self.ax.text(
            lon,
            lat,
            text,
            fontsize=size,
            color=color,
            ha="center",
            va="center",
            zorder=8,
            parse_math=False,
            path_effects=[patheffects.withStroke(linewidth=2.4, foreground=_HALO)],
            **font,
        )
        self.items.append((rank, label, (lon, lat), leader))
        if key is not None:
            self.keys[id(label)] = key
        if marker is not None:
            self.markers[id(label)] = marker
        self.alternatives[id(label)] = list(alternatives)

    def place(self, renderer: Any, obstacles_lonlat: np.ndarray, blocked: Sequence[Any] = ()) -> frozenset[int]:
        """Spread the labels off each other and the routes, then drop the lower-ranked ones that still collide.

        Labels of rank 0 (corridor names) that collide get a second adjustText pass among the
        labels kept. Returns the keys of the labels dropped.
        """
        if not self.items:
            return frozenset()
        self.items.sort(key=lambda item: item[0])
        # route vertices as obstacles, one per 8-pixel cell of the view (enough to keep labels off the lines)
        px = self.ax.transData.transform(obstacles_lonlat)
        frame = self.ax.get_window_extent(renderer)
        inside = (px[:, 0] >= frame.x0) & (px[:, 0] <= frame.x1) & (px[:, 1] >= frame.y0) & (px[:, 1] <= frame.y1)
        _, first = np.unique(np.floor(px[inside] / 8.0), axis=0, return_index=True)
        static = obstacles_lonlat[inside][np.sort(first)]
        to_data = self.ax.transData.inverted()

        kept: list[Any] = [b.get_window_extent(renderer) for b in blocked]
        leaders = self._adjust([i for i in self.items if i[3]], static, list(blocked))
        retry = []
        for rank, label, anchor, moves in self.items:
            if self._fits(label, renderer, frame, kept):
                self._keep(label, leaders, renderer, kept)
            elif rank == 0 and moves:
                retry.append((rank, label, anchor, moves))
                self._drop_leader(label, leaders)
            else:
                self._drop(label, leaders)
        dropped: set[int] = set()
        for item in retry:  # one at a time, at each of its anchors, among the labels kept
            _, label, anchor, _ = item
            occupied = [box.transformed(to_data) for box in kept]
            for xy in [anchor, *self.alternatives.get(id(label), [])]:
                label.set_position(xy)
                leaders = self._adjust([(0, label, xy, True)], static, occupied)
                if self._fits(label, renderer, frame, kept):
                    self._keep(label, leaders, renderer, kept)
                    break
                self._drop_leader(label, leaders)
            else:
                dropped.add(self.keys.get(id(label), -1))
                self._drop(label, leaders)
        return frozenset(dropped - {-1})

    def _adjust(self, items: list[Any], static: np.ndarray, objects: list[Any]) -> dict[int, Any]:
        """adjustText on ``items``; the leader line of each label that moved, by ``id(label)``."""
        if not items:
            return {}
        texts = [label for _, label, _, _ in items]
        anchors = np.array([xy for _, _, xy, _ in items]).reshape(-1, 2)
        with _fast_adjust_text() as adjust_text:
            _, arrows = adjust_text(
                texts,
                x=static[:, 0],
                y=static[:, 1],
                objects=objects or None,
                target_x=anchors[:, 0],
                target_y=anchors[:, 1],
                ax=self.ax,
                iter_lim=_ITERATIONS,
                time_lim=None,
                expand=(1.08, 1.35),
                force_text=(0.3, 0.5),
                force_static=(0.15, 0.3),
                force_pull=(0.02, 0.02),
                ensure_inside_axes=True,
                min_arrow_len=9,
                arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.5, "shrinkA": 1, "shrinkB": 2},
            )
        return {id(a.patchA): a for a in arrows}

    @staticmethod
    def _fits(label: Any, renderer: Any, frame: Any, kept: list[Any]) -> bool:
        box = label.get_window_extent(renderer).padded(1.0)
        inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
        return inside and not any(box.overlaps(other) for other in kept)

    @staticmethod
    def _keep(label: Any, leaders: dict[int, Any], renderer: Any, kept: list[Any]) -> None:
        kept.append(label.get_window_extent(renderer).padded(1.0))
        if id(label) in leaders:
            leaders[id(label)].set_zorder(7.5)

    @staticmethod
    def _drop_leader(label: Any, leaders: dict[int, Any]) -> None:
        if id(label) in leaders:
            leaders.pop(id(label)).remove()

    def _drop(self, label: Any, leaders: dict[int, Any]) -> None:
        self._drop_leader(label, leaders)
        label.remove()
        if id(label) in self.markers:
            self.markers[id(label)].remove()


@contextmanager
def _fast_adjust_text() -> Iterator[Any]:
    """``adjustText.adjust_text`` with its pair search made O(n log n) and its leader-crossing test
    vectorized while it runs.

    adjustText 1.4 finds boxes that overlap in both x and y by comparing every x-overlapping
    pair with every y-overlapping pair (``(a[:, None] == b).all(-1).any(-1)``), which takes
    minutes for a few dozen labels among a few thousand route points. The same pairs are found
    here by intersecting pair codes; the shifts are computed exactly as adjustText does.
    """
    import adjustText

    def pairs(x: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
        common = np.intersect1d(x[:, 0] * n + x[:, 1], y[:, 0] * n + y[:, 1])
        return np.column_stack([common // n, common % n]).astype(int)

    def shifts_texts(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = coords.shape[0]
        xo = adjustText.overlap_intervals(coords[:, 0], coords[:, 1], coords[:, 0], coords[:, 1])
        yo = adjustText.overlap_intervals(coords[:, 2], coords[:, 3], coords[:, 2], coords[:, 3])
        overlaps = pairs(xo, yo, n)
        overlaps = overlaps[overlaps[:, 0] != overlaps[:, 1]]
        if len(overlaps) == 0:
            return np.zeros(n), np.zeros(n)
        diff = coords[overlaps[:, 1]] - coords[overlaps[:, 0]]
        xs = np.where(np.abs(diff[:, 0]) < np.abs(diff[:, 1]), diff[:, 0], diff[:, 1])
        ys = np.where(np.abs(diff[:, 2]) < np.abs(diff[:, 3]), diff[:, 2], diff[:, 3])
        return np.bincount(overlaps[:, 0], xs, minlength=n), np.bincount(overlaps[:, 0], ys, minlength=n)

    def shifts_extra(coords: np.ndarray, extra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = coords.shape[0]
        xo = adjustText.overlap_intervals(coords[:, 0], coords[:, 1], extra[:, 0], extra[:, 1])
        yo = adjustText.overlap_intervals(coords[:, 2], coords[:, 3], extra[:, 2], extra[:, 3])
        overlaps = pairs(xo, yo, max(len(extra), 1))
        if len(overlaps) == 0:
            return np.zeros(n), np.zeros(n)
        dx = coords[overlaps[:, 0], :2] - extra[overlaps[:, 1], -3::-1]
        dy = coords[overlaps[:, 0], 2:] - extra[overlaps[:, 1], -1:-3:-1]
        xs = np.where(np.abs(dx[:, 0]) < np.abs(dx[:, 1]), dx[:, 0], dx[:, 1])
        ys = np.where(np.abs(dy[:, 0]) < np.abs(dy[:, 1]), dy[:, 0], dy[:, 1])
        return np.bincount(overlaps[:, 0], xs, minlength=n), np.bincount(overlaps[:, 0], ys, minlength=n)

    def remove_crossings(coords: np.ndarray, target_coords: np.ndarray, step: int) -> np.ndarray:
        # adjustText tests every pair of leader lines in Python (seconds per iteration for a few
        # dozen labels); the same test on all pairs at once, then its swaps in its order
        c = np.column_stack([coords[:, :2].mean(axis=1), coords[:, 2:].mean(axis=1), target_coords])
        j, i = np.triu_indices(len(c), k=1)  # i > j, as adjustText's loop
        x1, y1, x2, y2 = c[i].T
        x3, y3, x4, y4 = c[j].T
        denom = (y4 - y3) * (x2 - x1) - (x4 - x3) * (y2 - y1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ua = ((x4 - x3) * (y1 - y3) - (y4 - y3) * (x1 - x3)) / denom
            ub = ((x2 - x1) * (y1 - y3) - (y2 - y1) * (x1 - x3)) / denom
        hit = (denom != 0) & (ua >= 0) & (ua <= 1) & (ub >= 0) & (ub <= 1)
        for a, b in sorted(zip(i[hit].tolist(), j[hit].tolist(), strict=True)):
            coords[a], coords[b] = coords[b].copy(), coords[a].copy()
        return coords

    saved = adjustText.get_shifts_texts, adjustText.get_shifts_extra, adjustText.remove_crossings
    adjustText.get_shifts_texts, adjustText.get_shifts_extra = shifts_texts, shifts_extra
    adjustText.remove_crossings = remove_crossings
    try:
        yield adjustText.adjust_text
    finally:
        adjustText.get_shifts_texts, adjustText.get_shifts_extra, adjustText.remove_crossings = saved


def _darker(color: str, factor: float = 0.8) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{int(c * factor):02x}" for c in (r, g, b))


# --- graticule, scale bar, legend --------------------------------------------------------------


def _degrees(value: float, hemisphere: str) -> str:
    return f"{cell(float(value), 0 if float(value).is_integer() else 1)}°{hemisphere}"


def _graticule(ax: Any, box: tuple[float, float, float, float]) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter

    west, south, east, north = box
    span = max(east - west, north - south)
    step = next(s for s in (0.5, 1, 2, 5, 10) if span / s <= 9)
    ax.xaxis.set_major_locator(FixedLocator(np.arange(np.ceil(west / step) * step, east, step).tolist()))
    ax.yaxis.set_major_locator(FixedLocator(np.arange(np.ceil(south / step) * step, north, step).tolist()))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _degrees(v, "E")))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _degrees(v, "N")))
    ax.tick_params(labelsize=7, length=2, colors="#444444")
    ax.grid(True, color="#7d8b96", lw=0.4, ls=(0, (2, 3)), alpha=0.6, zorder=2.5)
    ax.set_axisbelow(False)
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color("#666666")


def _nice(value: float) -> float:
    exp = 10 ** np.floor(np.log10(value))
    return float(next(m * exp for m in (5, 2, 1) if m * exp <= value))


def _scale_bar(ax: Any, box: tuple[float, float, float, float], route_xy: np.ndarray) -> Any:
    """A two-segment scale bar in km, in the corner with the fewest route vertices; returns its panel.

    Its length is measured on the WGS84 ellipsoid along the parallel through the middle of the map.
    """
    from matplotlib.patches import Rectangle

    west, south, east, north = box
    mid = (south + north) / 2
    _, _, step_m = distance.geod().inv(west, mid, west + 0.01, mid)  # a 0.01° step follows the parallel
    km_per_deg = step_m / 10.0
    length_km = _nice(km_per_deg * (east - west) / 5)
    deg = length_km / km_per_deg
    w, h = east - west, north - south
    pad_x, bar_h = 0.015 * w, 0.012 * h
    panel_w, panel_h = deg + 2 * pad_x + 0.05 * w, 5.5 * bar_h
    corners = [
        (west + 0.02 * w, south + 0.02 * h),
        (east - 0.02 * w - panel_w, south + 0.02 * h),
        (west + 0.02 * w, north - 0.02 * h - panel_h),
        (east - 0.02 * w - panel_w, north - 0.02 * h - panel_h),
    ]

    def crowding(corner: tuple[float, float]) -> int:
        x, y = corner
        inside = (
            (route_xy[:, 0] >= x)
            & (route_xy[:, 0] <= x + panel_w)
            & (route_xy[:, 1] >= y)
            & (route_xy[:, 1] <= y + panel_h)
        )
        return int(np.count_nonzero(inside))

    px, py = min(corners, key=crowding)
    panel = ax.add_patch(
        Rectangle((px, py), panel_w, panel_h, facecolor="white", alpha=0.8, edgecolor="none", zorder=8)
    )
    x0, y0 = px + pad_x, py + 1.2 * bar_h
    for i, fill in enumerate(("#222222", "white")):
        ax.add_patch(
            Rectangle((x0 + i * deg / 2, y0), deg / 2, bar_h, facecolor=fill, edgecolor="#222222", lw=0.6, zorder=9)
        )
    half = length_km / 2
    for frac, text in ((0, "0"), (0.5, cell(int(half)) if half.is_integer() else cell(half)), (1, None)):
        ax.text(
            x0 + frac * deg,
            y0 + 1.6 * bar_h,
            text if text is not None else f"{cell(int(length_km))} km",
            ha="left" if frac == 1 else "center",
            va="bottom",
            fontsize=6.5,
            zorder=9,
        )
    return panel


def _legend_groups(scores: Sequence[CorridorScore]) -> list[tuple[str, list[tuple[Any, str]]]]:
    """Legend entries in groups: kinds (colour, cross-ties for rail), statuses (dash pattern), symbols."""
    from matplotlib.lines import Line2D

    present_kinds = {s.corridor.kind for s in scores}
    kinds = [k for k in _style.KINDS if k in present_kinds] + sorted(present_kinds - set(_style.KINDS))
    statuses = [k for k in _style.STATUSES if any(s.corridor.status == k for s in scores)]
    kind_rows = []
    for k in kinds:
        style = _style.kind_style(k)
        width = min(style.weight, 5) * 0.55
        line = Line2D([], [], color=style.color, lw=width, alpha=style.opacity, solid_capstyle="butt")
        line.set_path_effects(_line_effects(k, width))
        kind_rows.append((line, style.label))
    status_rows = []
    for k in statuses:
        pattern = _style.dash(k)
        status_rows.append(
            (
                Line2D(
                    [], [], color="#555555", lw=1.0, linestyle=(0, pattern) if pattern else "-", dash_capstyle="butt"
                ),
                _style.status_label(k),
            )
        )
    symbols = [
        (
            Line2D([], [], ls="", marker="o", ms=5.5, mfc=_style.CROSSING_FILL, mec=_style.CROSSING_EDGE),
            "Border crossing",
        ),
        (Line2D([], [], ls="", marker="o", ms=3, mfc="white", mec="#444444"), "Waypoint"),
        (Line2D([], [], ls="", marker="s", ms=4.2, mfc=_TOWN, mec=_TOWN), "Capital"),
        (Line2D([], [], ls="", marker="o", ms=3.2, mfc="white", mec=_TOWN), "Town"),
    ]
    return [("Kind (colour)", kind_rows), ("Status (line pattern)", status_rows), ("Symbols", symbols)]


def _legend(
    fig: Any, groups: list[tuple[str, list[tuple[Any, str]]]], *, top: float, height: float, towns: bool
) -> None:
    """The legend groups side by side below the map (outside it, so they never cover a route)."""
    x = 0.07
    for name, rows in groups:
        if name == "Symbols" and not towns:
            rows = rows[:2]
        if not rows:
            continue
        legend = fig.legend(
            [h for h, _ in rows],
            [label for _, label in rows],
            loc="upper left",
            bbox_to_anchor=(x, top),
            frameon=False,
            fontsize=7,
            title=name,
            title_fontsize=7.5,
            alignment="left",
            handlelength=3.4,
            borderaxespad=0.0,
            labelspacing=0.35,
        )
        legend.get_title().set_fontweight("bold")
        x += 0.22


def _key(fig: Any, scores: Sequence[CorridorScore], numbers: dict[int, int], *, top: float, height: float) -> None:
    """The numbered corridors' names, in columns below the legend, each in its kind's colour."""
    fig.text(0.07, top, "Corridors by number", ha="left", va="top", fontsize=7.5, fontweight="bold")
    rows = -(-len(numbers) // _KEY_COLUMNS)
    for j, (i, n) in enumerate(sorted(numbers.items(), key=lambda item: item[1])):
        col, row = divmod(j, rows)
        name = scores[i].corridor.name
        name = name if len(name) <= 52 else name[:51] + "…"
        fig.text(
            0.07 + col * 0.29,
            top - (0.2 + 0.14 * row) / height,
            f"{n:>2}  {name}",
            ha="left",
            va="top",
            fontsize=6.5,
            color=_darker(_style.kind_style(scores[i].corridor.kind).color),
        )
