"""Static maps of scored corridors for print (matplotlib, Agg), drawn from the shipped basemap.

Lon/lat are drawn in an equirectangular view whose aspect is true at the middle latitude; the
graticule is labelled in degrees and the scale bar is measured on the WGS84 ellipsoid at the
middle of the map. Corridors are styled as on the web map (colour by kind, dashes by status) and
labelled where their label overlaps nothing already placed. Output is byte-identical for the same
input: PNG without a Software chunk, SVG with a fixed hash salt and no date, PDF without dates.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from .. import alignment, distance
from .._errors import GeometryError, OutputError
from ..scoring import records_of
from . import _basemap, _style

if TYPE_CHECKING:
    from ..scoring import CorridorScore

__all__ = ["FORMATS", "StaticFigure", "figure", "figure_format"]

FORMATS = ("png", "svg", "pdf")
_METADATA: dict[str, dict[str, None]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
}
_RC: Any = {"svg.hashsalt": "corridors", "svg.fonttype": "path", "pdf.fonttype": 42, "font.family": "DejaVu Sans"}
_HALO = "#ffffff"


@dataclass(frozen=True)
class StaticFigure:
    """A rendered figure: the file's bytes in ``format`` (png, svg or pdf)."""

    data: bytes
    format: str

    def save(self, path: str | Path) -> Path:
        """Write to ``path`` atomically; its suffix must match the format."""
        if figure_format(path) != self.format:
            raise OutputError(f"{path}: the figure was drawn as {self.format}, not {Path(path).suffix.lstrip('.')}")
        from ..io import atomic_write

        return atomic_write(path, self.data)

    def _repr_png_(self) -> bytes | None:
        return self.data if self.format == "png" else None

    def _repr_svg_(self) -> str | None:
        return self.data.decode("utf-8") if self.format == "svg" else None


def figure_format(path: str | Path) -> str:
    """Format named by a file's suffix; :class:`OutputError` for anything but .png, .svg, .pdf."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise OutputError(f"{path}: figures are written as .png, .svg or .pdf, not {suffix or 'no suffix'!r}")
    return suffix


def figure(
    scores: Sequence[CorridorScore],
    *,
    fmt: str = "png",
    dpi: int = 200,
    width_in: float = 10.0,
    title: str | None = None,
) -> StaticFigure:
    """Draw scored corridors (from :func:`corridors.score`) on the offline basemap.

    One corridor gets its name as title and its endpoints and every crossing labelled; several get
    their names along the lines and the named crossings labelled.
    """
    scores = records_of(scores)
    import matplotlib

    if fmt not in FORMATS:
        raise OutputError(f"figure format {fmt!r} is not one of {', '.join(FORMATS)}")
    if not scores:
        raise GeometryError("figure: no corridors to draw")
    lines = alignment.route_lines([s.corridor for s in scores])
    base = _basemap.load(_basemap.view_box(lines, margin=0.12, min_margin_deg=0.8))
    if title is None and len(scores) == 1:
        title = scores[0].corridor.name
    with matplotlib.rc_context(_RC):
        fig = _draw(scores, lines, base, width_in, title)
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=_METADATA[fmt], facecolor="white")
    return StaticFigure(buf.getvalue(), fmt)


def _draw(
    scores: Sequence[CorridorScore],
    lines: np.ndarray,
    base: _basemap.Basemap,
    width_in: float,
    title: str | None,
) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    west, south, east, north = base.box
    aspect = 1.0 / np.cos(np.radians((south + north) / 2))
    map_h = width_in * 0.86 * (north - south) * aspect / (east - west)
    legend_rows = _legend_rows(scores)
    legend_h = 0.22 * ((len(legend_rows) + 3) // 4) + 0.35
    height = map_h + legend_h + (0.45 if title else 0.15) + 0.35
    fig = Figure(figsize=(width_in, height))
    canvas = FigureCanvasAgg(fig)
    bottom = (legend_h + 0.35) / height
    ax = fig.add_axes((0.07, bottom, 0.86, map_h / height))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect)
    ax.set_facecolor(_style.SEA)
    _draw_basemap(ax, base)
    _graticule(ax, base.box)

    for s, line in zip(scores, lines, strict=True):
        _draw_corridor(ax, s, line)
    labels = _Labeller(ax, canvas.get_renderer(), shapely.get_coordinates(lines))
    _scale_bar(ax, base.box, labels)
    single = len(scores) == 1
    crossings = _crossing_points(scores, label_all=single)
    for (lon, lat), _ in crossings:
        ax.plot(lon, lat, "o", ms=5.5, mfc=_style.CROSSING_FILL, mec=_style.CROSSING_EDGE, mew=0.9, zorder=6)
    if single:
        c = scores[0].corridor
        for w in (c.waypoints[0], c.waypoints[-1]):
            labels.place([(w.lon, w.lat)], w.name, color="#333333", size=7.5)
    else:
        for s, line in zip(scores, lines, strict=True):
            xy = shapely.get_coordinates(line)
            anchors = [tuple(xy[int(f * (len(xy) - 1))]) for f in (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9)]
            labels.place(
                anchors,
                s.corridor.name,
                color=_darker(_style.kind_style(s.corridor.kind).color),
                size=7.5,
                required=True,
            )
    for (lon, lat), text in crossings:
        if text:
            labels.place([(lon, lat)], text, color="#222222", size=7)
    west, south, east, north = base.box
    for name, (x, y) in zip(base.name, base.label_xy, strict=True):
        if west < x < east and south < y < north:
            labels.place([(x, y)], str(name).upper(), color=_style.LABEL, size=8, offsets=((0, 0), (0, 12), (0, -12)))
    if title:
        fig.text(
            0.07,
            1 - 0.12 / height,
            title,
            ha="left",
            va="top",
            fontsize=13,
            fontweight="bold",
            parse_math=False,
        )
    handles = [h for h, _ in legend_rows]
    fig.legend(
        handles,
        [label for _, label in legend_rows],
        loc="lower left",
        bbox_to_anchor=(0.07, 0.3 / height),
        ncol=4,
        frameon=False,
        fontsize=8,
        handlelength=3.2,
        columnspacing=1.6,
    )
    fig.text(
        0.93,
        0.12 / height,
        "Basemap: Natural Earth 1:10m (simplified), de facto borders. Lengths: km on the WGS84 ellipsoid.",
        ha="right",
        va="bottom",
        fontsize=6.5,
        color="#555555",
    )
    return fig


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


def _draw_corridor(ax: Any, s: CorridorScore, line: shapely.LineString) -> None:
    from matplotlib import patheffects

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
        path_effects=[patheffects.withStroke(linewidth=width + 1.4, foreground=_HALO, alpha=0.7)],
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


# --- labels ------------------------------------------------------------------------------------

#: Label offsets from the anchor point, in points: right, left, above, below, diagonals.
_NEAR = ((6, 4), (-6, 4), (0, 8), (0, -10), (6, -8), (-6, -8), (8, 10), (-8, 10))


class _Labeller:
    """Places labels where they overlap no placed label and as few route vertices as possible."""

    def __init__(self, ax: Any, renderer: Any, obstacles_lonlat: np.ndarray):
        self.ax = ax
        self.renderer = renderer
        self.frame = ax.get_window_extent(renderer)
        self.obstacles = ax.transData.transform(obstacles_lonlat)
        self.placed: list[Any] = []

    def block(self, box: Any) -> None:
        """Keep later labels off ``box`` (display coordinates)."""
        self.placed.append(box)

    def place(
        self,
        anchors: Sequence[tuple[float, float]],
        text: str,
        *,
        color: str,
        size: float,
        offsets: Sequence[tuple[float, float]] = _NEAR,
        required: bool = False,
    ) -> None:
        """Put ``text`` at the best anchor and offset.

        A label that collides with another everywhere is skipped, unless ``required``.
        """
        from matplotlib import patheffects

        best: tuple[float, Any] | None = None
        for x, y in anchors:
            for dx, dy in offsets:
                label = self.ax.annotate(
                    text,
                    (x, y),
                    xytext=(dx, dy),
                    textcoords="offset points",
                    fontsize=size,
                    color=color,
                    ha="left" if dx > 0 else "right" if dx < 0 else "center",
                    va="center",
                    zorder=7,
                    annotation_clip=False,
                    parse_math=False,
                    path_effects=[patheffects.withStroke(linewidth=2.2, foreground=_HALO)],
                )
                box = label.get_window_extent(self.renderer).expanded(1.04, 1.2)
                cost = self._cost(box)
                if cost == 0:
                    self._keep(best, label, box)
                    return
                if best is None or cost < best[0]:
                    if best is not None:
                        best[1][0].remove()
                    best = (cost, (label, box))
                else:
                    label.remove()
        if best is not None and (required or best[0] < 1000):
            self.placed.append(best[1][1])
        elif best is not None:
            best[1][0].remove()

    def _keep(self, best: tuple[float, Any] | None, label: Any, box: Any) -> None:
        if best is not None:
            best[1][0].remove()
        self.placed.append(box)

    def _cost(self, box: Any) -> float:
        f = self.frame
        outside = not (f.x0 <= box.x0 and box.x1 <= f.x1 and f.y0 <= box.y0 and box.y1 <= f.y1)
        overlaps = sum(box.overlaps(other) for other in self.placed)
        xy = self.obstacles
        hits = np.count_nonzero(
            (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)
        )
        return 1000.0 * (overlaps + outside) + hits


def _darker(color: str, factor: float = 0.8) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{int(c * factor):02x}" for c in (r, g, b))


# --- graticule, scale bar, legend --------------------------------------------------------------


def _graticule(ax: Any, box: tuple[float, float, float, float]) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter

    west, south, east, north = box
    span = max(east - west, north - south)
    step = next(s for s in (0.5, 1, 2, 5, 10) if span / s <= 9)
    ax.xaxis.set_major_locator(FixedLocator(np.arange(np.ceil(west / step) * step, east, step).tolist()))
    ax.yaxis.set_major_locator(FixedLocator(np.arange(np.ceil(south / step) * step, north, step).tolist()))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}°E"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}°N"))
    ax.tick_params(labelsize=7, length=2, colors="#444444")
    ax.grid(True, color="#7d8b96", lw=0.4, ls=(0, (2, 3)), alpha=0.6, zorder=2.5)
    ax.set_axisbelow(False)
    for spine in ax.spines.values():
        spine.set_linewidth(0.6)
        spine.set_color("#666666")


def _nice(value: float) -> float:
    exp = 10 ** np.floor(np.log10(value))
    return float(next(m * exp for m in (5, 2, 1) if m * exp <= value))


def _scale_bar(ax: Any, box: tuple[float, float, float, float], labels: _Labeller) -> None:
    """A two-segment scale bar in km, in the corner with the fewest route vertices.

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
    panel_w, panel_h = deg + 2 * pad_x + 0.04 * w, 5.5 * bar_h
    corners = [
        (west + 0.02 * w, south + 0.02 * h),
        (east - 0.02 * w - panel_w, south + 0.02 * h),
        (west + 0.02 * w, north - 0.02 * h - panel_h),
        (east - 0.02 * w - panel_w, north - 0.02 * h - panel_h),
    ]
    lonlat = ax.transData.inverted().transform(labels.obstacles)

    def crowding(corner: tuple[float, float]) -> int:
        x, y = corner
        inside = (
            (lonlat[:, 0] >= x) & (lonlat[:, 0] <= x + panel_w) & (lonlat[:, 1] >= y) & (lonlat[:, 1] <= y + panel_h)
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
    for frac, text in ((0, "0"), (0.5, f"{length_km / 2:g}"), (1, f"{length_km:g} km")):
        ax.text(
            x0 + frac * deg,
            y0 + 1.6 * bar_h,
            text,
            ha="left" if frac == 1 else "center",
            va="bottom",
            fontsize=6.5,
            zorder=9,
        )
    labels.block(panel.get_window_extent(labels.renderer))


def _legend_rows(scores: Sequence[CorridorScore]) -> list[tuple[Any, str]]:
    from matplotlib.lines import Line2D

    present_kinds = {s.corridor.kind for s in scores}
    kinds = [k for k in _style.KINDS if k in present_kinds] + sorted(present_kinds - set(_style.KINDS))
    statuses = [k for k in _style.STATUSES if any(s.corridor.status == k for s in scores)]
    rows = []
    for k in kinds:
        style = _style.kind_style(k)
        rows.append(
            (
                Line2D([], [], color=style.color, lw=min(style.weight, 5) * 0.55, alpha=style.opacity),
                style.label,
            )
        )
    for k in statuses:
        pattern = _style.dash(k)
        rows.append(
            (
                Line2D(
                    [],
                    [],
                    color="#444444",
                    lw=1.6,
                    linestyle=(0, pattern) if pattern else "-",
                    dash_capstyle="butt",
                ),
                _style.status_label(k),
            )
        )
    rows.append(
        (
            Line2D([], [], ls="", marker="o", ms=5.5, mfc=_style.CROSSING_FILL, mec=_style.CROSSING_EDGE),
            "Border crossing",
        )
    )
    rows.append((Line2D([], [], ls="", marker="o", ms=3, mfc="white", mec="#444444"), "Waypoint"))
    return rows
