"""Elevation profile figures: elevation against distance along a corridor (matplotlib, Agg).

Border crossings are vertical lines labelled with the two countries; named waypoints are ticks
along the top labelled with their names; the highest point is marked. Output is byte-identical
for the same input (the metadata of :mod:`corridors.render.figure`).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .._errors import OutputError
from . import _style
from .figure import _METADATA, _RC, FORMATS, StaticFigure

if TYPE_CHECKING:
    from ..profile import ProfileMetrics, Profiles
    from ..scoring import CorridorScore

__all__ = ["profile_data", "profile_figure"]

_HIGH = "#b0452f"
#: Waypoint labels longer than this are cut with an ellipsis.
_LABEL_CHARS = 22


def profile_data(result: CorridorScore, spacing_km: float | None = None) -> tuple[Profiles, ProfileMetrics, np.ndarray]:
    """The profile of a scored corridor, its metrics, and each waypoint's distance along it, km."""
    from .. import alignment
    from .. import profile as profiles

    line = alignment.waypoint_lines([result.corridor])
    prof = profiles.sample_profiles(line, spacing_km)
    wps = [(w.name, w.lon, w.lat) for w in result.corridor.waypoints]
    metrics = profiles.profile_metrics(prof, [wps])
    wxy = np.array([(w[1], w[2]) for w in wps])
    kx = np.cos(np.radians(wxy[:, 1]))[:, None]
    d = np.hypot((prof.lon[None, :] - wxy[:, :1]) * kx, prof.lat[None, :] - wxy[:, 1:])
    return prof, metrics, prof.distance_km[d.argmin(axis=1)]


def profile_figure(
    result: CorridorScore,
    *,
    fmt: str = "png",
    dpi: int = 200,
    width_in: float = 10.0,
    spacing_km: float | None = None,
) -> StaticFigure:
    """Elevation (m) against distance (km) along a scored corridor, as png, svg or pdf bytes."""
    import matplotlib

    if fmt not in FORMATS:
        raise OutputError(f"figure format {fmt!r} is not one of {', '.join(FORMATS)}")
    prof, metrics, wp_km = profile_data(result, spacing_km)
    with matplotlib.rc_context(cast(Any, _RC)):  # matplotlib 3.11 types the keys as literals
        fig = _draw(result, prof, metrics, wp_km, width_in)
        buf = io.BytesIO()
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=_METADATA[fmt], facecolor="white")
    return StaticFigure(buf.getvalue(), fmt)


def _draw(result: CorridorScore, prof: Profiles, metrics: ProfileMetrics, wp_km: np.ndarray, width_in: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    from ..settings import HIGH_ELEVATION_M

    c = result.corridor
    color = _style.KINDS.get(c.kind, _style.KINDS["route"]).color
    x, z = prof.distance_km, prof.elevation_m
    fig = Figure(figsize=(width_in, width_in * 0.56))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.08, 0.1, 0.84, 0.54))
    top = float(np.nanmax(z)) * 1.08 + 100.0
    ax.fill_between(x, 0, z, color=color, alpha=0.18, linewidth=0)
    ax.plot(x, z, color=color, linewidth=1.2)
    ax.set_xlim(0, float(x[-1]))
    ax.set_ylim(0, top)
    if top > HIGH_ELEVATION_M * 1.05:
        ax.axhline(HIGH_ELEVATION_M, color=_style.LABEL, linewidth=0.6, linestyle=(0, (4, 3)))
        ax.text(
            float(x[-1]),
            HIGH_ELEVATION_M,
            f"{HIGH_ELEVATION_M:,.0f} m ",
            ha="right",
            va="bottom",
            fontsize=7,
            color=_style.LABEL,
        )
    for cross in result.crossings:
        ax.axvline(cross.at_km, color=_style.BORDER, linewidth=0.9)
        ax.text(
            cross.at_km,
            top * 0.97,
            f" {cross.from_country} | {cross.to_country} ",
            ha="center",
            va="top",
            fontsize=7,
            color="#3b3847",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
        )
    sec = ax.secondary_xaxis("top")
    names = [w.name if len(w.name) <= _LABEL_CHARS else w.name[: _LABEL_CHARS - 1] + "…" for w in c.waypoints]
    sec.set_ticks(list(wp_km), labels=names, rotation=55, ha="left", fontsize=7, rotation_mode="anchor")
    sec.tick_params(length=4, color=_style.LABEL)
    hx, hz = float(metrics.highest_at_km[0]), float(metrics.max_elevation_m[0])
    ax.plot([hx], [hz], marker="^", color=_HIGH, markersize=6)
    ax.annotate(
        f"{hz:,.0f} m, {metrics.highest_name[0]} ({metrics.highest_name_km[0]:.0f} km)",
        (hx, hz),
        xytext=(0, -12),
        textcoords="offset points",
        ha="center" if 0.15 < hx / x[-1] < 0.85 else ("left" if hx / x[-1] <= 0.15 else "right"),
        va="top",
        fontsize=7,
        color=_HIGH,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85},
        zorder=5,
    )
    ax.set_xlabel("distance along the route, km (WGS84 geodesic)", fontsize=8)
    ax.set_ylabel('elevation, m (NOAA GLOBE 30")', fontsize=8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.tick_params(labelsize=7)
    ax.grid(axis="y", color="#e6e3dc", linewidth=0.5)
    ax.set_axisbelow(True)
    m = metrics.row(0)
    route = "given vertices" if c.coords else f"{c.alignment} alignment"
    facts = (
        f"{result.length_km:,.0f} km ({route}) · ascent {m.get('ascent_m', 0):,} m · "
        f"descent {m.get('descent_m', 0):,} m · above {HIGH_ELEVATION_M:,.0f} m: "
        f"{m.get(f'above_{HIGH_ELEVATION_M:.0f}m_pct', 0)}% · mean grade {m.get('mean_grade_pct', 0)}% · "
        f"samples every {x[1] - x[0]:.2f} km"
    )
    fig.text(0.08, 0.975, c.name, fontsize=11, fontweight="bold", va="top")
    fig.text(0.08, 0.93, facts, fontsize=7.5, color="#3b3847", va="top")
    return fig
