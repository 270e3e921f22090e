"""Elevation profile figures: elevation against distance along a corridor, as a matplotlib ``Figure``.

Border crossings are vertical lines labelled with the two countries; named waypoints are ticks
along the top, their names set horizontally in stacked rows above the plot with a leader to each
tick, so no two names overprint and none leaves the frame; the highest point is marked. Saved
with :func:`corridors.render.staticmap.figure_bytes` the output is byte-identical for the same
input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..profile import smooth_profile
from ..scoring import records_of
from ..tables import cell, provenance_line
from . import _style
from .staticmap import _RC

if TYPE_CHECKING:
    import geopandas
    from matplotlib.figure import Figure

    from ..profile import ProfileMetrics, Profiles
    from ..scoring import CorridorScore

__all__ = ["profile_data", "profile_figure"]

_HIGH = "#b0452f"
_INK = "#3b3847"
#: Waypoint labels longer than this are cut with an ellipsis.
_LABEL_CHARS = 26
#: Rows of waypoint names above the plot, and of crossing labels inside its top.
_NAME_ROWS = 6
_CROSSING_ROWS = 3


def profile_data(result: CorridorScore, spacing_km: float | None = None) -> tuple[Profiles, ProfileMetrics, np.ndarray]:
    """The profile of a scored corridor, its metrics, and each waypoint's distance along it, km."""
    from .. import alignment
    from .. import profile as profiles

    line = alignment.waypoint_lines([result.corridor])
    from ..scoring import structure_spans

    prof = profiles.through_structures(profiles.sample_profiles(line, spacing_km), [structure_spans(result.corridor)])
    wps = [(w.name, w.lon, w.lat) for w in result.corridor.waypoints]
    metrics = profiles.profile_metrics(prof, [wps])
    wxy = np.array([(w[1], w[2]) for w in wps])
    kx = np.cos(np.radians(wxy[:, 1]))[:, None]
    d = np.hypot((prof.lon[None, :] - wxy[:, :1]) * kx, prof.lat[None, :] - wxy[:, 1:])
    return prof, metrics, prof.distance_km[d.argmin(axis=1)]


def profile_figure(
    scores_or_record: geopandas.GeoDataFrame | CorridorScore,
    *,
    dpi: int = 200,
    width_in: float = 10.0,
    spacing_km: float | None = None,
    worldview: str | None = None,
) -> Figure:
    """Elevation (m) against distance (km) along a scored corridor.

    Parameters
    ----------
    scores_or_record : GeoDataFrame or CorridorScore
        One row of :func:`corridors.score` (the first row is drawn), or one record.
    dpi : int
        Resolution of the figure (and of its PNG).
    width_in : float
        Width of the figure, inches.
    spacing_km : float, optional
        Largest step between elevation samples, km (default: the DEM's resolution, about 1 km).
    worldview : str, optional
        Worldview named in the footer (default: the one the corridor was scored under; the
        crossings drawn are always those of its score).

    Returns
    -------
    matplotlib.figure.Figure
        Save it with :func:`corridors.render.save_figure` or :func:`corridors.render.figure_bytes`.

    Examples
    --------
    >>> from corridors import load_catalog, score
    >>> fig = profile_figure(score(load_catalog().select(["wakhan-corridor"])), dpi=40)
    >>> type(fig).__name__
    'Figure'
    """
    import matplotlib

    if hasattr(scores_or_record, "corridor"):
        result = scores_or_record
    else:
        records = records_of(scores_or_record)
        if not records:
            from .._errors import GeometryError

            raise GeometryError("profile_figure: no corridor to draw")
        result = records[0]
    prof, metrics, wp_km = profile_data(result, spacing_km)
    with matplotlib.rc_context(_RC):
        return _draw(result, prof, metrics, wp_km, width_in, dpi=dpi, worldview=worldview or result.worldview)


def _draw(
    result: CorridorScore,
    prof: Profiles,
    metrics: ProfileMetrics,
    wp_km: np.ndarray,
    width_in: float,
    *,
    dpi: float = 100,
    worldview: str = "de facto",
) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from ..settings import HIGH_ELEVATION_M

    c = result.corridor
    color = _style.kind_style(c.kind).color
    x, z = prof.distance_km, prof.elevation_m
    height = width_in * 0.6
    fig = Figure(figsize=(width_in, height), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    ax = fig.add_axes((0.08, 0.15, 0.86, 0.5))
    top = float(np.nanmax(z)) * 1.22 + 300.0  # head room for the crossing labels
    # the road: the smoothed profile every figure of the subtitle is measured on; the raw DEM cells
    # under the line (ridges beside a valley road, a summit over a tunnel) faintly behind it
    road = smooth_profile(prof)
    ax.plot(x, z, color=_style.LABEL, linewidth=0.5, alpha=0.45, label='DEM cells under the line (30")')
    ax.fill_between(x, 0, road, color=color, alpha=0.22, linewidth=0)
    ax.plot(x, road, color=_darker(color), linewidth=1.4, label="road profile (smoothed; the subtitle's figures)")
    fig.legend(loc="upper left", bbox_to_anchor=(0.08, 0.885), ncol=2, fontsize=7, frameon=False)
    ax.set_xlim(0, float(x[-1]))
    ax.set_ylim(0, top)
    obstacles = []
    if top > HIGH_ELEVATION_M * 1.05:
        ax.axhline(HIGH_ELEVATION_M, color=_style.LABEL, linewidth=0.6, linestyle=(0, (4, 3)))
        obstacles.append(
            ax.text(
                0.995,
                HIGH_ELEVATION_M,
                f"{cell(int(HIGH_ELEVATION_M))} m",
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="bottom",
                fontsize=7,
                color=_style.LABEL,
            )
        )
    for cross in result.crossings:
        ax.axvline(cross.at_km, color=_style.BORDER, linewidth=0.9)
    crossing_labels = [
        (cross.at_km, f"{cross.from_country} | {cross.to_country}")
        for cross in sorted(result.crossings, key=lambda k: k.at_km)
    ]
    _crossing_rows(ax, renderer, crossing_labels, obstacles)

    ax.tick_params(axis="x", which="minor", top=True, bottom=False, length=5, color=_style.LABEL)
    ax.set_xticks(list(wp_km), minor=True)
    names = [w.name if len(w.name) <= _LABEL_CHARS else w.name[: _LABEL_CHARS - 1] + "…" for w in c.waypoints]
    _name_rows(fig, ax, renderer, list(zip(wp_km, names, strict=True)))

    hx, hz = float(metrics.highest_at_km[0]), float(metrics.max_elevation_m[0])
    ax.plot([hx], [hz], marker="^", color=_HIGH, markersize=6, zorder=5)
    _peak_label(
        ax,
        renderer,
        hx,
        hz,
        f"{cell(round(hz))} m, {metrics.highest_name[0]} ({cell(float(metrics.highest_name_km[0]), 0)} km)",
        obstacles,
    )
    ax.set_xlabel("distance along the route, km (WGS84 geodesic)", fontsize=8)
    ax.set_ylabel('elevation, m (NOAA GLOBE 30")', fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: cell(float(v), 0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: cell(float(v), 0)))
    ax.tick_params(labelsize=7)
    ax.grid(axis="y", color="#e6e3dc", linewidth=0.5)
    ax.set_axisbelow(True)
    m = metrics.row(0)
    route = "given vertices" if c.coords else f"{c.alignment} alignment"
    above = m.get(f"above_{HIGH_ELEVATION_M:.0f}m_pct", 0)
    facts = (
        f"{cell(float(result.length_km), 0)} km ({route}) · ascent {cell(m.get('ascent_m', 0))} m · "
        f"descent {cell(m.get('descent_m', 0))} m · above {cell(int(HIGH_ELEVATION_M))} m: "
        f"{cell(above)}% · mean grade {cell(m.get('mean_grade_pct', 0))}% · "
        f"samples every {cell(float(x[1] - x[0]), 2)} km"
    )
    fig.text(0.08, 1 - 0.12 / height, c.name, fontsize=11, fontweight="bold", va="top")
    fig.text(0.08, 1 - 0.42 / height, facts, fontsize=7.5, color=_INK, va="top")
    fig.text(0.08, 0.06 / height, provenance_line(worldview), fontsize=6.5, color="#555555", va="bottom")
    return fig


def _darker(color: str, factor: float = 0.75) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{int(v * factor):02x}" for v in (r, g, b))


def _rows(
    widths: list[float], centres: list[float], lo: float, hi: float, rows: int, gap: float, leaders: bool = False
) -> list[tuple[int, float]]:
    """Row and left edge of each label (display units), in order; row -1 when no row has room.

    Each label is centred on its anchor, pushed inside [lo, hi], and put in the first row where it
    starts ``gap`` after the previous label of that row ends. With ``leaders`` (lines from each
    label straight down to its anchor through the rows below), a label also keeps clear of the
    leaders of labels above its row, and its own leader of the labels below it.
    """
    spans: list[list[tuple[float, float]]] = [[] for _ in range(rows)]
    lines: list[tuple[int, float]] = []
    out = []
    for w, c in zip(widths, centres, strict=True):
        left = min(max(c - w / 2, lo), hi - w)
        free = [r for r in range(rows) if not spans[r] or left >= spans[r][-1][1] + gap]
        clear = [
            r
            for r in free
            if not leaders
            or not (
                any(row > r and left - gap <= x <= left + w + gap for row, x in lines)
                or any(a - gap <= c <= b + gap for below in spans[:r] for a, b in below)
            )
        ]
        # a row where no leader crosses a label if there is one; else the lowest free row (the
        # leader then runs behind the labels below, which have an opaque background)
        chosen = (clear or free or [-1])[0]
        if chosen >= 0:
            spans[chosen].append((left, left + w))
            lines.append((chosen, c))
        out.append((chosen, left))
    return out


def _name_rows(fig: Any, ax: Any, renderer: Any, names: list[tuple[float, str]]) -> None:
    """Waypoint names in rows above the plot, each joined to its tick by a thin leader."""
    from matplotlib.lines import Line2D

    frame = ax.get_window_extent(renderer)
    fig_box = fig.bbox
    pt = fig.dpi / 72
    row_h = 10 * pt
    base = frame.y1 + 8 * pt
    texts = [
        fig.text(
            0,
            0,
            name,
            fontsize=7,
            color=_INK,
            ha="left",
            va="bottom",
            zorder=3,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
        )
        for _, name in names
    ]
    widths = [t.get_window_extent(renderer).width for t in texts]
    centres = [float(ax.transData.transform((km, 0))[0]) for km, _ in names]
    order = np.argsort(centres, kind="stable")
    placed = _rows(
        [widths[i] for i in order],
        [centres[i] for i in order],
        frame.x0,
        fig_box.x1 - 4 * pt,
        _NAME_ROWS,
        4 * pt,
        leaders=True,
    )
    for i, (row, left) in zip(order, placed, strict=True):
        text = texts[i]
        if row < 0:
            text.remove()
            continue
        y = base + row * row_h
        text.set_position((left / fig_box.width, y / fig_box.height))
        x = centres[i]
        fig.add_artist(
            Line2D(
                [x / fig_box.width, x / fig_box.width],
                [frame.y1 / fig_box.height, (y - 1 * pt) / fig_box.height],
                transform=fig.transFigure,
                color="#b5b0a8",
                linewidth=0.5,
                zorder=2,
            )
        )


def _crossing_rows(ax: Any, renderer: Any, labels: list[tuple[float, str]], obstacles: list[Any]) -> None:
    """Crossing labels in rows inside the top of the plot, kept inside its frame."""
    frame = ax.get_window_extent(renderer)
    pt = ax.figure.dpi / 72
    texts = [
        ax.text(
            0,
            0,
            f" {text} ",
            transform=None,
            ha="left",
            va="top",
            fontsize=7,
            color=_INK,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
            zorder=6,
        )
        for _, text in labels
    ]
    widths = [t.get_window_extent(renderer).width for t in texts]
    centres = [float(ax.transData.transform((km, 0))[0]) for km, _ in labels]
    placed = _rows(widths, centres, frame.x0 + 2 * pt, frame.x1 - 2 * pt, _CROSSING_ROWS, 3 * pt)
    for text, (row, left) in zip(texts, placed, strict=True):
        if row < 0:
            text.remove()
            continue
        # back to axes coordinates, so the label stays put when the figure is saved at another dpi
        x, y = ax.transAxes.inverted().transform((left, frame.y1 - 3 * pt - row * 11 * pt))
        text.set_transform(ax.transAxes)
        text.set_position((x, y))
        obstacles.append(text)


def _peak_label(ax: Any, renderer: Any, hx: float, hz: float, text: str, obstacles: list[Any]) -> None:
    """The highest point's label below its marker, inside the frame and clear of the other labels."""
    frame = ax.get_window_extent(renderer)
    pt = ax.figure.dpi / 72
    px, py = ax.transData.transform((hx, hz))
    label = ax.text(
        0,
        0,
        text,
        transform=None,
        ha="left",
        va="top",
        fontsize=7,
        color=_HIGH,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
        zorder=7,
    )
    width = label.get_window_extent(renderer).width
    boxes = [o.get_window_extent(renderer) for o in obstacles]
    candidates = [(px - width / 2, py - 8 * pt - k * 11 * pt) for k in range(8)]
    candidates += [(px + 8 * pt, py + 4 * pt), (px - 8 * pt - width, py + 4 * pt)]
    for left, y in candidates:
        left = min(max(left, frame.x0 + 2 * pt), frame.x1 - 2 * pt - width)
        label.set_position((left, y))
        box = label.get_window_extent(renderer)
        inside = frame.y0 <= box.y0 and box.y1 <= frame.y1
        if inside and not any(box.overlaps(b) for b in boxes):
            break
    x, y = ax.transAxes.inverted().transform(label.get_position())
    label.set_transform(ax.transAxes)
    label.set_position((x, y))
