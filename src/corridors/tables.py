"""Presentation: table rows, JSON documents, text summaries and the one number format.

Scoring returns data (`corridors.scoring.CorridorScore`, GeoDataFrames); this module shapes
it for people. The CLI, the reports and the map popups all format numbers through `cell`, so
a figure reads the same wherever it appears.
"""

from __future__ import annotations

import csv
import io as _io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import geodata
from .io import TABLE_FORMATS, to_json

if TYPE_CHECKING:
    import pandas

    from .catalog import Figure
    from .routing import Route
    from .scoring import CorridorScore, Crossing

__all__ = [
    "cell",
    "column_digits",
    "corridor_text",
    "crossing_rows",
    "crossing_text",
    "csv_text",
    "data_frame",
    "figure_dict",
    "provenance_line",
    "render_table",
    "route_row",
    "score_dict",
    "summary_row",
]


def cell(value: Any, digits: int | None = None) -> str:
    """The one number format: thousands separators; ``digits`` decimals (default 3 below 1, else 1).

    ``None`` is empty, booleans read ``yes``/``no``, text is returned as it is.

    Examples
    --------
    >>> cell(1201.94), cell(0.5761), cell(4897), cell(12.345, 2), cell(1300, 1), cell(None), cell(True)
    ('1,201.9', '0.576', '4,897', '12.35', '1,300.0', '', 'yes')
    """
    if value is None:
        return ""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        value = value.item()  # numpy scalars format as the Python numbers they hold
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and digits is None:
        return f"{value:,}"
    if isinstance(value, int | float):
        if digits is None:
            digits = 3 if abs(value) < 1 else 1
        return f"{value:,.{digits}f}"
    return str(value)


#: Decimals by column, so that a unit reads the same in every table: exact names first, then suffixes.
_DIGITS_BY_NAME = {"lon": 4, "lat": 4, "straightness": 3, "score": 2}
_DIGITS_BY_SUFFIX = (("_pct", 1), ("_km", 1), ("_m", 0))


def column_digits(column: str) -> int | None:
    """Decimals a column's numbers are shown with (None: :func:`cell`'s default).

    >>> column_digits("lat"), column_digits("modeled_km"), column_digits("max_elevation_m"), column_digits("rank")
    (4, 1, 0, None)
    """
    if column in _DIGITS_BY_NAME:
        return _DIGITS_BY_NAME[column]
    return next((d for suffix, d in _DIGITS_BY_SUFFIX if column.endswith(suffix)), None)


def render_table(
    rows: Sequence[dict[str, Any]],
    fmt: str = "table",
    *,
    title: str = "",
    width: int | None = None,
    keep: Sequence[str] = ("rank", "id", "score"),
) -> str:
    """Render rows (dicts sharing keys) as ``table``, ``csv``, ``json`` or ``markdown`` text.

    The terminal table fits ``width`` columns (default: ``$COLUMNS`` or the terminal's; unlimited
    when output is not a terminal, so piped output is complete). It never drops a column silently: the columns of
    ``keep`` that are present always show, the others in order while they fit, and a last line
    names those left out. Numbers are never wrapped; long text wraps between words.
    """
    columns = list(rows[0]) if rows else []
    if fmt == "json":
        return to_json(list(rows))
    if fmt == "csv":
        buf = _io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if r.get(k) is None else r.get(k) for k in columns} for r in rows)
        return buf.getvalue()
    if fmt == "markdown":
        esc = lambda s, c: cell(s, column_digits(c)).replace("|", "\\|").replace("\n", " ")  # noqa: E731
        lines = [f"**{title}**", ""] if title else []
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "|".join("---:" if _numeric(rows, c) else "---" for c in columns) + "|")
        lines += ["| " + " | ".join(esc(r.get(c), c) for c in columns) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    if fmt == "table":
        return _terminal_table(rows, columns, title, width, keep)
    raise ValueError(f"format {fmt!r} is not one of {', '.join(TABLE_FORMATS)}")


#: Text columns wider than this wrap between words (terminal tables).
_WRAP_CHARS = 36


def _terminal_table(
    rows: Sequence[dict[str, Any]], columns: list[str], title: str, width: int | None, keep: Sequence[str]
) -> str:
    import os
    import shutil
    import sys

    from rich.console import Console
    from rich.table import Table

    if width is None:  # $COLUMNS, else the terminal's width; no limit when piped
        if "COLUMNS" in os.environ or sys.stdout.isatty():
            width = shutil.get_terminal_size((80, 24)).columns
        else:
            width = 1_000_000
    texts = {c: [cell(r.get(c), column_digits(c)) for r in rows] for c in columns}
    numeric = {c: _numeric(rows, c) for c in columns}

    def need(c: str) -> int:  # the column's width: whole numbers, text wrapped at _WRAP_CHARS
        longest_word = max((len(w) for t in texts[c] for w in t.split()), default=0)
        body = max((len(t) for t in texts[c]), default=0)
        if not numeric[c]:
            body = min(body, max(_WRAP_CHARS, longest_word))
        return max(body, len(c)) + 3  # padding and the rule

    shown = [c for c in columns if c in keep]
    used = 1 + sum(need(c) for c in shown)
    for c in columns:
        if c not in shown and used + need(c) <= width:
            shown.append(c)
            used += need(c)
    shown.sort(key=columns.index)
    hidden = [c for c in columns if c not in shown]
    table = Table(title=title or None, header_style="bold", show_lines=False)
    for c in shown:
        table.add_column(
            c,
            justify="right" if numeric[c] else "left",
            no_wrap=numeric[c],
            overflow="fold",
            min_width=need(c) - 3 if numeric[c] else min(need(c) - 3, len(c)),
            max_width=None if numeric[c] else max(need(c) - 3, len(c)),
        )
    for i in range(len(rows)):
        table.add_row(*(texts[c][i] for c in shown))
    console = Console(file=_io.StringIO(), width=max(used, 20), color_system=None, force_terminal=False)
    console.print(table)
    out: str = console.file.getvalue()  # type: ignore[attr-defined]
    if hidden:
        out += f"({len(hidden)} column(s) hidden to fit {width} characters: {', '.join(hidden)}; "
        out += "--format csv, json or markdown show every column, or widen the terminal)\n"
    return out


def _numeric(rows: Sequence[dict[str, Any]], column: str) -> bool:
    values = [r.get(column) for r in rows if r.get(column) is not None]
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def figure_dict(fig: Figure | None) -> dict | None:
    if fig is None:
        return None
    out: dict = {"value": fig.value, "source": fig.source}
    if fig.unit:
        out["unit"] = fig.unit
    if fig.label:
        out["label"] = fig.label
    if fig.alternatives:
        out["alternatives"] = [figure_dict(a) for a in fig.alternatives]
    return out


def crossing_text(c: Crossing) -> str:
    near = f" near {c.named} ({c.named_distance_km:.0f} km)" if c.named else ""
    kind = f" [{c.boundary_class}]" if c.boundary_class else ""
    return f"{c.from_country}>{c.to_country} at km {c.at_km:.0f} ({c.lat:.3f}N {c.lon:.3f}E){near}{kind}"


def province_text(s: CorridorScore, min_km: float = 0.5) -> str:
    """``PK-GB 404; PK-KP 310`` — km per province (ISO 3166-2), in route order."""
    return "; ".join(f"{p.code} {p.length_km:.0f}" for p in s.provinces if p.length_km >= min_km)


def contested_text(s: CorridorScore) -> str:
    """The contested areas a corridor crosses with their km, or ``"no contested ground"``."""
    from .scoring import contested_text as text

    return text(s)


def summary_row(s: CorridorScore) -> dict:
    """One flat row of the comparison table (CSV/Markdown/terminal)."""
    pub = s.published_length
    return {
        "rank": s.rank,
        "id": s.corridor.id,
        "name": s.corridor.name,
        "kind": s.corridor.kind,
        "status": s.corridor.status,
        "modeled_km": _r(s.length_km),
        "published_km": pub.value if pub else None,
        "diff_pct": _r(s.length_diff_pct),
        "countries": " > ".join(s.sequence),
        "matches_sources": "yes" if s.matches_sources else "NO, sources: " + " > ".join(s.corridor.countries),
        "crossings": len(s.crossings),
        "crossing_points": "; ".join(crossing_text(c) for c in s.crossings),
        "km_by_country": "; ".join(
            f"{c.country or 'sea'} {c.modeled_km:.0f}" + (f"/{c.published.value}" if c.published else "")
            for c in s.countries
            if c.published or c.modeled_km >= 0.5
        ),
        "contested_km": _r(s.contested_km),
        "contested": contested_text(s),
        **({"exposure_km": _r(s.exposure_km)} if s.exposure_km is not None else {}),
        "km_by_province": province_text(s),
        "straightness": _r(s.straightness, 3),
        **{k: v for k, v in s.extra.items()},
        **({"narrowest_km": _r(s.narrowest.width_km)} if s.narrowest else {}),
        "score": _r(s.score, 2),
        "worldview": s.worldview,
        "published_source": pub.source if pub else "",
    }


def score_dict(s: CorridorScore) -> dict:
    """Every metric of one corridor as JSON-ready data, published beside modeled, with sources."""
    c = s.corridor
    return {
        "id": c.id,
        "name": c.name,
        "kind": c.kind,
        "status": c.status,
        "parent": c.parent,
        "alignment": c.alignment,
        "rank": s.rank,
        "score": _r(s.score, 3),
        "worldview": s.worldview,
        "length_km": {
            "modeled": _r(s.length_km),
            "published": figure_dict(s.published_length),
            "diff_pct": _r(s.length_diff_pct),
        },
        "countries": {"modeled": list(s.sequence), "declared": list(c.countries), "match": s.matches_sources},
        "length_by_country_km": [
            {
                "country": r.country or "sea",
                "modeled": _r(r.modeled_km),
                "published": figure_dict(r.published),
                "diff_pct": _r(r.diff_pct),
            }
            for r in s.countries
        ],
        "crossings": [
            {
                "from": x.from_country,
                "to": x.to_country,
                "lon": _r(x.lon, 4),
                "lat": _r(x.lat, 4),
                "at_km": _r(x.at_km),
                "nearest_named": x.named or None,
                "named_distance_km": _r(x.named_distance_km),
                "boundary_class": x.boundary_class,
            }
            for x in s.crossings
        ],
        "contested_km": _r(s.contested_km),
        "contested": [
            {
                "id": a.id,
                "name": a.name,
                "administered_by": a.administered_by,
                "claimed_by": list(a.claimed_by),
                "length_km": _r(a.length_km),
            }
            for a in s.contested
        ]
        or "no contested ground",
        "length_by_province_km": [
            {"code": p.code, "name": p.name, "country": p.country, "length_km": _r(p.length_km)} for p in s.provinces
        ],
        **({"exposure_km": _r(s.exposure_km)} if s.exposure_km is not None else {}),
        "boundary_hugging": [
            {
                "country": h.country,
                "length_km": _r(h.length_km, 2),
                "lon": _r(h.lon, 4),
                "lat": _r(h.lat, 4),
                "at_km": _r(h.at_km),
            }
            for h in s.hugging
        ],
        "straightness": _r(s.straightness, 4),
        "endpoint_distance_km": _r(s.endpoint_distance_km),
        "narrowest": None
        if s.narrowest is None
        else {
            "between": list(s.narrowest.between),
            "width_km": _r(s.narrowest.width_km, 2),
            "lon": _r(s.narrowest.lon, 4),
            "lat": _r(s.narrowest.lat, 4),
        },
        **({"terrain": dict(s.extra)} if s.extra else {}),
        "facts": [figure_dict(f) for f in c.published.facts],
        "waypoints": [{"name": w.name, "lon": w.lon, "lat": w.lat, "source": w.source} for w in c.waypoints],
        "sources": [{"title": x.title, "url": x.url, "date": x.date} for x in c.sources],
        "file": c.path,
    }


def route_row(r: Route, number: int) -> dict:
    """One flat row for a route: its number, score, chained corridors and the path's nodes."""
    row = summary_row(r.score) if r.score is not None else {"id": r.corridor.id, "name": r.corridor.name}
    drop = ("kind", "status", "published_km", "diff_pct", "matches_sources", "published_source")
    return {
        "route": number,
        **{k: v for k, v in row.items() if k not in drop},
        "network_km": round(r.network_km, 1),
        "corridors": " > ".join(r.corridors),
        "path": " > ".join(w.name for w in r.corridor.waypoints),
    }


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{cell(value, 1)} %"


def corridor_text(s: CorridorScore, *, markdown: bool = False) -> str:
    """Readable summary of one scored corridor (plain text, or Markdown with ``markdown=True``)."""
    c = s.corridor
    h = (lambda t: f"## {t}") if markdown else (lambda t: f"{t}\n{'-' * len(t)}")
    b = "- " if markdown else "  "
    pub = s.published_length
    lines = [("# " if markdown else "") + f"{c.name} [{c.id}]", ""]
    lines += [
        f"{b}kind: {c.kind}; status: {c.status}; alignment: {c.alignment}"
        + (f"; variant of {c.parent}" if c.parent else "")
    ]
    if c.summary:
        lines += [f"{b}{c.summary}"]
    lines += [
        "",
        h("Length (km, WGS84 geodesic)"),
        f"{b}modeled {cell(s.length_km, 1)}"
        + (
            f"; published {pub.value} ({pub.source}); difference {_pct(s.length_diff_pct)}"
            if pub
            else "; no published length"
        ),
        f"{b}straightness {s.straightness:.3f} (endpoint distance {s.endpoint_distance_km:,.1f} km / length)",
        f"{b}composite score {s.score:.2f} (lower is better)",
    ]
    for alt in pub.alternatives if pub else ():
        lines.append(f"{b}also published: {alt.value} ({alt.source})")
    lines += ["", h("Countries")]
    lines.append(
        f"{b}modeled: {' > '.join(s.sequence)}; declared by sources: {' > '.join(c.countries) or '—'}"
        + ("" if s.matches_sources else "  ** MISMATCH **")
    )
    for row in s.countries:
        pubtxt = (
            f"; published {row.published.value} ({row.published.source}), {_pct(row.diff_pct)}" if row.published else ""
        )
        lines.append(f"{b}{row.country or 'sea'}: modeled {row.modeled_km:,.1f}{pubtxt}")
    lines += ["", h(f"Contested ground ({cell(s.contested_km, 1)} km)")]
    if not s.contested:
        lines.append(f"{b}no contested ground")
    for a in s.contested:
        lines.append(
            f"{b}{a.name} [{a.id}]: {a.length_km:,.1f} km; administered by {a.administered_by}, "
            f"claimed by {', '.join(a.claimed_by)}"
        )
    lines += ["", h("Provinces (km, ISO 3166-2)")]
    lines += [f"{b}{p.code} {p.name} ({p.country}): {p.length_km:,.1f}" for p in s.provinces]
    if s.exposure_km is not None:
        lines += ["", h("Exposure"), f"{b}weighted km: {s.exposure_km:,.1f}"]
    lines += ["", h(f"Border crossings ({len(s.crossings)})")]
    for x in s.crossings:
        near = f", nearest named crossing {x.named} ({x.named_distance_km:.1f} km)" if x.named else ""
        kind = f"; boundary: {x.boundary_class}" if x.boundary_class else ""
        lines.append(
            f"{b}{x.from_country} > {x.to_country} at km {x.at_km:,.1f}, {x.lat:.4f}N {x.lon:.4f}E{near}{kind}"
        )
    if s.hugging:
        lines.append(
            f"{b}boundary-hugging stretches (not counted): "
            + "; ".join(f"{g.country} {g.length_km:.2f} km at km {g.at_km:,.0f}" for g in s.hugging)
        )
    if s.narrowest:
        n = s.narrowest
        lines += [
            "",
            h("Narrowest width"),
            f"{b}{n.width_km:.1f} km between {n.between[0]} and {n.between[1]}, at {n.lat:.3f}N {n.lon:.3f}E",
        ]
    if s.extra:
        lines += ["", h("Terrain")] + [f"{b}{k}: {v}" for k, v in s.extra.items()]
    if c.published.facts:
        lines += ["", h("Published facts")]
        lines += [f"{b}{f.label}: {f.value}{' ' + f.unit if f.unit else ''} ({f.source})" for f in c.published.facts]
    lines += ["", h("Waypoints")]
    lines += [f"{b}{w.name}: {w.lat:.4f}N {w.lon:.4f}E" + (f" ({w.source})" if w.source else "") for w in c.waypoints]
    lines += ["", h("Sources")]
    lines += [f"{b}{x.title}" + (f", {x.url}" if x.url else "") + (f", {x.date}" if x.date else "") for x in c.sources]
    lines.append(f"{b}record: {c.path}")
    lines += ["", provenance_line(s.worldview)]
    return "\n".join(lines) + "\n"


def provenance_line(worldview: str | None = "de facto") -> str:
    """One line naming the tool version, the data digests and the worldview, for captions and footers.

    >>> provenance_line().startswith("corridors ")
    True
    """
    p = geodata.provenance()
    worldview = "de facto" if geodata.check_worldview(worldview) == "de-facto" else geodata.check_worldview(worldview)
    return (
        f"corridors {p['version']} · data {p['data']} (Natural Earth 1:10m, GeoNames CC BY 4.0, NOAA GLOBE) "
        f"· records {p['seeds']} · worldview: {worldview}"
    )


def data_frame(scores: Sequence[CorridorScore]) -> pandas.DataFrame:
    """Spreadsheet-ready metrics, one row per corridor: numbers as numbers, booleans as booleans.

    The columns of :func:`corridors.score` without the geometry (``id`` first), then
    ``published_km_<ISO3>`` beside each ``km_<ISO3>`` where a source gives a country's length, and
    ``published_source``. docs/columns.md explains every column.
    """
    import pandas as pd

    from .scoring import to_gdf

    frame = pd.DataFrame(to_gdf(list(scores)).drop(columns="geometry")).reset_index()
    codes = sorted({c for s in scores for c in s.corridor.published.country_length_km})
    for code in codes:
        values = [s.corridor.published.country_length_km.get(code) for s in scores]
        frame[f"published_km_{code}"] = pd.array(
            [float(f.value) if f is not None and isinstance(f.value, int | float) else None for f in values],
            dtype="Float64",
        )
    frame["published_source"] = [s.published_length.source if s.published_length else "" for s in scores]
    return frame


def csv_text(frame: pandas.DataFrame) -> str:
    """A data frame as CSV: no index, ``\\n`` line ends, empty cells for missing values."""
    return str(frame.to_csv(index=False, lineterminator="\n"))


def crossing_rows(scores: Sequence[CorridorScore]) -> list[dict[str, Any]]:
    """One flat row per border crossing: corridor, number along it, countries, position, named post."""
    return [
        {
            "corridor": s.corridor.id,
            "number": n,
            "from_country": x.from_country,
            "to_country": x.to_country,
            "at_km": _r(x.at_km),
            "lon": _r(x.lon, 5),
            "lat": _r(x.lat, 5),
            "nearest_named": x.named,
            "named_distance_km": _r(x.named_distance_km),
            "boundary_class": x.boundary_class,
        }
        for s in scores
        for n, x in enumerate(s.crossings, 1)
    ]
