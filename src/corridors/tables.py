"""Presentation: table rows, JSON documents, text summaries and the one number format.

Scoring returns data (`corridors.scoring.CorridorScore`, GeoDataFrames); this module shapes
it for people. The CLI, the reports and the map popups all format numbers through `cell`, so
a figure reads the same wherever it appears.
"""

from __future__ import annotations

import contextlib
import csv
import io as _io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from . import geodata
from ._errors import OutputError
from .io import TABLE_FORMATS, strip_terminal_controls, to_json

if TYPE_CHECKING:
    from pathlib import Path

    import pandas

    from .catalog import Corridor, Figure
    from .routing import Route
    from .scoring import ColumnLayout, CorridorScore, Crossing

__all__ = [
    "SUMMARY_FIRST",
    "attribute_columns",
    "attribute_dict",
    "cell",
    "column_digits",
    "corridor_text",
    "crossing_rows",
    "crossing_text",
    "csv_text",
    "data_frame",
    "figure_dict",
    "markdown_escape",
    "provenance_line",
    "range_text",
    "render_table",
    "route_row",
    "score_dict",
    "summary_row",
    "terminal_text",
    "write_score_csv",
    "write_score_parquet",
]

#: Characters with a meaning anywhere in Markdown text: backslash, code, emphasis, attribute lists,
#: link and image brackets, table pipes.
_MD_INLINE = re.compile(r"([\\`*_{}\[\]|~])")
#: Block syntax at the start of a line: headings, quotes, list items, rules, setext underlines.
_MD_START = re.compile(r"^(\s*\d*)([#>]|(?<=\d)[.)](?=\s|$)|(?<![\d])[-+=](?=[\s=+-]|$))")


def markdown_escape(text: object) -> str:
    """Text from data, safe to place in Markdown: shown as written, never a link, image, heading or HTML.

    Line breaks become spaces (a summary cannot start a heading); ``& < >`` become HTML entities;
    link, image, emphasis, code and table syntax is backslash-escaped (Python-Markdown, as MkDocs
    renders it, and CommonMark).

    >>> markdown_escape("[x](javascript:alert(1))")
    '\\\\[x\\\\](javascript:alert(1))'
    >>> markdown_escape("ok\\n# <b>heading</b>")
    'ok # &lt;b&gt;heading&lt;/b&gt;'
    """
    value = " ".join(str(text).splitlines())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _MD_INLINE.sub(r"\\\1", value)
    return _MD_START.sub(r"\1\\\2", value, count=1)


def terminal_text(text: object) -> str:
    """Text from data, safe to print on a terminal: escape sequences and C0/C1 controls removed."""
    return strip_terminal_controls(str(text))


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
    worldview: str = "de facto",
) -> str:
    """Render rows (dicts sharing keys) as ``table``, ``csv``, ``json`` or ``markdown`` text.

    The terminal table fits ``width`` columns (default: ``$COLUMNS`` or the terminal's; unlimited
    when output is not a terminal, so piped output is complete). It never drops a column silently: the columns of
    ``keep`` that are present always show, the others in order while they fit, and a last line
    names those left out. Numbers are never wrapped; long text wraps between words. Terminal and
    Markdown tables end with :func:`provenance_line` (version, data digests, ``worldview``).
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
        esc = lambda s, c: markdown_escape(cell(s, column_digits(c)))  # noqa: E731
        lines = [f"**{markdown_escape(title)}**", ""] if title else []
        lines.append("| " + " | ".join(map(markdown_escape, columns)) + " |")
        lines.append("|" + "|".join("---:" if _numeric(rows, c) else "---" for c in columns) + "|")
        lines += ["| " + " | ".join(esc(r.get(c), c) for c in columns) + " |" for r in rows]
        lines += ["", f"_{provenance_line(worldview)}_"]
        return "\n".join(lines) + "\n"
    if fmt == "table":
        return _terminal_table(rows, columns, title, width, keep, provenance_line(worldview))
    raise ValueError(f"format {fmt!r} is not one of {', '.join(TABLE_FORMATS)}")


#: Text columns wider than this wrap between words (terminal tables).
_WRAP_CHARS = 36


def _terminal_table(
    rows: Sequence[dict[str, Any]],
    columns: list[str],
    title: str,
    width: int | None,
    keep: Sequence[str],
    caption: str,
) -> str:
    import os
    import shutil
    import sys
    import textwrap

    from rich.console import Console
    from rich.table import Table

    if width is None:  # $COLUMNS, else the terminal's width; no limit when piped
        if "COLUMNS" in os.environ or sys.stdout.isatty():
            width = shutil.get_terminal_size((80, 24)).columns
        else:
            width = 1_000_000
    texts = {c: [terminal_text(cell(r.get(c), column_digits(c))) for r in rows] for c in columns}
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
    table = Table(title=terminal_text(title) or None, header_style="bold", show_lines=False)
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
    out += "\n".join(textwrap.wrap(caption, width=max(width, 40), break_long_words=False)) + "\n"
    if hidden:
        note = (
            f"({len(hidden)} column(s) hidden to fit {width} characters: {', '.join(hidden)}; "
            "--format csv, json or markdown show every column, or widen the terminal)"
        )
        out += "\n".join(textwrap.wrap(note, width=max(width, 40), break_long_words=False)) + "\n"
    return out


def _numeric(rows: Sequence[dict[str, Any]], column: str) -> bool:
    values = [r.get(column) for r in rows if r.get(column) is not None]
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def figure_dict(fig: Figure | None) -> dict | None:
    """A published figure as JSON-ready data: value, source and every citation field that is set."""
    if fig is None:
        return None
    out: dict = {"value": fig.value, "source": fig.source}
    for key in ("unit", "label", "url", "date", "kind", "as_of", "reason", "exception"):
        if getattr(fig, key):
            out[key] = getattr(fig, key)
    if fig.alternatives:
        out["alternatives"] = [figure_dict(a) for a in fig.alternatives]
        out["range"] = list(fig.range) if fig.range else None
    return out


def range_text(fig: Figure | None) -> str:
    """A published length as its range over all sources, e.g. ``573–764`` (or the one value).

    >>> from corridors.catalog import Figure
    >>> range_text(Figure(573, "a", alternatives=(Figure(764, "b"),))), range_text(Figure(80, "c"))
    ('573–764', '80')
    """
    if fig is None or fig.range is None:
        return "" if fig is None else figure_value(fig.value)
    lo, hi = (figure_value(v) for v in fig.range)
    return lo if lo == hi else f"{lo}–{hi}"


def figure_value(value: float | str) -> str:
    """A published number as published: thousands separators, no decimals it does not have (text as is).

    >>> figure_value(1300), figure_value(2.67), figure_value(1814.5), figure_value("n/a")
    ('1,300', '2.67', '1,814.5', 'n/a')
    """
    if isinstance(value, str):
        return value
    return cell(value, 0) if float(value) == round(float(value)) else f"{float(value):,}"


def attribute_dict(c: Any) -> dict:
    """A corridor's structured attributes (GEM conventions) as JSON-ready data, unset ones left out."""
    a = c.attributes
    out: dict = {}
    if a.capacity is not None:
        out["capacity"] = figure_dict(a.capacity)
    if a.diameter_mm is not None:
        out["diameter_mm"] = figure_dict(a.diameter_mm)
    if a.cost is not None:
        out["cost"] = {
            "amount": a.cost.amount,
            "currency": a.cost.currency,
            "year": a.cost.year,
            "source": a.cost.source,
            **({"as_of": a.cost.as_of} if a.cost.as_of else {}),
        }
    if a.milestones:
        out["milestones"] = dict(a.milestones)
    if a.owners:
        out["owners"] = [
            {"name": o.name, "role": o.role, "share_pct": o.share_pct, **({"source": o.source} if o.source else {})}
            for o in a.owners
        ]
    for key in ("fuel", "route_accuracy"):
        if getattr(a, key):
            out[key] = getattr(a, key)
    if a.ids:
        out["ids"] = dict(a.ids)
    return out


def _attribute_lines(c: Any, b: str) -> list[str]:
    a = c.attributes
    lines = []
    if a.capacity is not None:
        lines.append(f"{b}capacity: {cell(a.capacity.value)} {a.capacity.unit} ({_cite(a.capacity)})")
    if a.diameter_mm is not None:
        lines.append(f"{b}diameter: {cell(a.diameter_mm.value)} mm ({_cite(a.diameter_mm)})")
    if a.cost is not None:
        year = f" ({a.cost.year})" if a.cost.year else ""
        lines.append(f"{b}cost: {cell(a.cost.amount)} {a.cost.currency}{year} ({a.cost.source})")
    if a.milestones:
        lines.append(f"{b}milestones: " + ", ".join(f"{k.replace('_', ' ')} {y}" for k, y in a.milestones.items()))
    if a.owners:
        lines.append(
            f"{b}owners/operators: "
            + "; ".join(
                f"{o.name} ({o.role}" + (f", {cell(o.share_pct)} %" if o.share_pct is not None else "") + ")"
                for o in a.owners
            )
        )
    for key in ("fuel", "route_accuracy"):
        if getattr(a, key):
            lines.append(f"{b}{key.replace('_', ' ')}: {getattr(a, key)}")
    if a.ids:
        lines.append(f"{b}ids: " + ", ".join(f"{k} {x}" for k, x in a.ids.items()))
    return lines


def _cite(fig: Figure) -> str:
    """A figure's source with its kind and dates, for text output."""
    extra = [x for x in (fig.kind, fig.date, f"as of {fig.as_of}" if fig.as_of else "") if x]
    url = f", {fig.url}" if fig.url and fig.url not in fig.source else ""
    return fig.source + (f"; {', '.join(extra)}" if extra else "") + url


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


#: Columns a reader looks at first; narrow terminal tables keep these before the others.
SUMMARY_FIRST = (
    "rank",
    "id",
    "modeled_km",
    "published_km",
    "published_range_km",
    "diff_range_pct",
    "countries",
    "crossings",
    "score",
)


def summary_row(s: CorridorScore) -> dict:
    """One flat row of the comparison table (CSV/Markdown/terminal)."""
    pub = s.published_length
    row = {
        "rank": s.rank,
        "id": s.corridor.id,
        "name": s.corridor.name,
        "kind": s.corridor.kind,
        "status": s.corridor.status,
        "modeled_km": _r(s.length_km),
        "published_km": pub.value if pub else None,
        "published_range_km": range_text(pub),
        "diff_pct": _r(s.length_diff_pct),
        "diff_range_pct": _r(s.length_diff_range_pct),
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
        "segments_off": sum(1 for seg in s.segments if seg.diff_pct is not None and abs(seg.diff_pct) > 10),
        "worldview": s.worldview,
        "published_source": pub.source if pub else "",
    }
    return {**{k: row[k] for k in SUMMARY_FIRST if k in row}, **row}


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
            "published_range": list(s.published_length.range)
            if s.published_length and s.published_length.range
            else None,
            "diff_pct": _r(s.length_diff_pct),
            "diff_to_range_pct": _r(s.length_diff_range_pct),
        },
        "segments_km": [
            {
                "from": g.segment.start,
                "to": g.segment.end,
                "modeled": _r(g.modeled_km),
                "from_km": _r(g.from_km),
                "to_km": _r(g.to_km),
                "published": figure_dict(g.published),
                "published_range": list(g.published.range) if g.published.range else None,
                "diff_to_range_pct": _r(g.diff_pct),
            }
            for g in s.segments
        ],
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
        "attributes": attribute_dict(c),
        "facts": [figure_dict(f) for f in c.published.facts],
        "waypoints": [{"name": w.name, "lon": w.lon, "lat": w.lat, "source": w.source} for w in c.waypoints],
        "offline_stops": [{"name": w.name, "lon": w.lon, "lat": w.lat, "source": w.source} for w in c.stops],
        "sources": [
            {"title": x.title, "url": x.url, "date": x.date, **({"kind": x.kind} if x.kind else {})} for x in c.sources
        ],
        "file": c.path,
        "provenance": provenance_line(),
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
    """Readable summary of one scored corridor (plain text, or Markdown with ``markdown=True``).

    Every text from data passes `markdown_escape` (Markdown) or `terminal_text` (plain text).
    """
    c = s.corridor
    t: Callable[[object], str] = str  # every line is escaped once, at the end
    h = (lambda x: f"## {x}") if markdown else (lambda x: f"{x}\n{'-' * len(x)}")
    b = "- " if markdown else "  "
    pub = s.published_length
    lines = [("# " if markdown else "") + f"{t(c.name)} [{t(c.id)}]", ""]
    lines += [
        f"{b}kind: {t(c.kind)}; status: {t(c.status)}; alignment: {t(c.alignment)}"
        + (f"; variant of {t(c.parent)}" if c.parent else "")
    ]
    if c.summary:
        lines += [f"{b}{t(c.summary)}"]
    lines += [
        "",
        h("Length (km, WGS84 geodesic)"),
        f"{b}modeled {cell(s.length_km, 1)}"
        + (
            f"; published {range_text(pub)} (headline {figure_value(pub.value)}: {_cite(pub)}"
            + (f"; chosen because {pub.reason}" if pub.reason else "")
            + f"); difference to the range {_pct(s.length_diff_range_pct)}"
            if pub
            else "; no published length"
        ),
        f"{b}straightness {s.straightness:.3f} (endpoint distance {s.endpoint_distance_km:,.1f} km / length)",
        f"{b}composite score {s.score:.2f} (lower is better)",
    ]
    for alt in pub.alternatives if pub else ():
        lines.append(f"{b}also published: {figure_value(alt.value)} ({_cite(alt)})")
    if pub and pub.exception:
        lines.append(f"{b}exception: {pub.exception}")
    if s.segments:
        lines += ["", h("Segments (km along the modeled route)")]
        for g in s.segments:
            lines.append(
                f"{b}{g.segment.label}: modeled {cell(g.modeled_km, 1)}; published {range_text(g.published)} "
                f"({_cite(g.published)}); difference to the range {_pct(g.diff_pct)}"
                + (f"; exception: {g.published.exception}" if g.published.exception else "")
            )
    attrs = _attribute_lines(c, b)
    if attrs:
        lines += ["", h("Attributes"), *attrs]
    lines += ["", h("Countries")]
    lines.append(
        f"{b}modeled: {' > '.join(s.sequence)}; declared by sources: {t(' > '.join(c.countries)) or '—'}"
        + ("" if s.matches_sources else "  ** MISMATCH **")
    )
    for row in s.countries:
        pubtxt = (
            f"; published {t(row.published.value)} ({t(row.published.source)}), {_pct(row.diff_pct)}"
            if row.published
            else ""
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
        near = f", nearest named crossing {t(x.named)} ({x.named_distance_km:.1f} km)" if x.named else ""
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
        lines += ["", h("Terrain")] + [f"{b}{k}: {t(v)}" for k, v in s.extra.items()]
    if c.published.facts:
        lines += ["", h("Published facts")]
        lines += [
            f"{b}{t(f.label)}: {t(f.value)}{' ' + t(f.unit) if f.unit else ''} ({t(f.source)})"
            for f in c.published.facts
        ]
    lines += ["", h("Waypoints")]
    lines += [f"{b}{w.name}: {w.lat:.4f}N {w.lon:.4f}E" + (f" ({w.source})" if w.source else "") for w in c.waypoints]
    lines += [
        f"{b}{w.name} (off-line stop): {w.lat:.4f}N {w.lon:.4f}E" + (f" ({w.source})" if w.source else "")
        for w in c.stops
    ]
    lines += ["", h("Sources")]
    lines += [
        f"{b}{t(x.title)}" + (f", {t(x.url)}" if x.url else "") + (f", {t(x.date)}" if x.date else "")
        for x in c.sources
    ]
    lines.append(f"{b}record: {t(c.path)}")
    lines += ["", provenance_line(s.worldview)]
    # our own heading and bullet marks stay; everything after them is text from data, escaped once
    lines = [_markdown_line(line) if markdown else terminal_text(line) for line in lines]
    return "\n".join(lines) + "\n"


def _markdown_line(line: str) -> str:
    for mark in ("## ", "# ", "- "):
        if line.startswith(mark):
            return mark + markdown_escape(line[len(mark) :])
    return markdown_escape(line)


def provenance_line(worldview: str = "de facto") -> str:
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


def data_frame(scores: Sequence[CorridorScore], layout: ColumnLayout | None = None) -> pandas.DataFrame:
    """Spreadsheet-ready metrics, one row per corridor: numbers as numbers, booleans as booleans.

    The columns of :func:`corridors.score` without the geometry (``id`` first), then
    ``published_km_<ISO3>`` beside each ``km_<ISO3>`` where a source gives a country's length, and
    ``published_source``. docs/columns.md explains every column. ``layout``
    (`corridors.scoring.ColumnLayout`) fixes the columns that depend on the rows.
    """
    import pandas as pd

    from .scoring import ColumnLayout, score_columns

    layout = ColumnLayout.of(scores) if layout is None else layout
    data, index = score_columns(scores, layout)
    frame = pd.DataFrame(data, index=index).reset_index()
    for code in layout.published:
        values = [s.corridor.published.country_length_km.get(code) for s in scores]
        frame[f"published_km_{code}"] = pd.array(
            [float(f.value) if f is not None and isinstance(f.value, int | float) else None for f in values],
            dtype="Float64",
        )
    frame["published_source"] = [s.published_length.source if s.published_length else "" for s in scores]
    pubs = [s.published_length for s in scores]
    frame["published_min_km"] = pd.array([p.range[0] if p and p.range else None for p in pubs], dtype="Float64")
    frame["published_max_km"] = pd.array([p.range[1] if p and p.range else None for p in pubs], dtype="Float64")
    frame["diff_range_pct"] = pd.array([_r(s.length_diff_range_pct) for s in scores], dtype="Float64")
    frame["segments"] = pd.array([len(s.segments) for s in scores], dtype="Int64")
    frame["segments_off_10pct"] = pd.array(
        [sum(1 for g in s.segments if g.diff_pct is not None and abs(g.diff_pct) > 10) for s in scores], dtype="Int64"
    )
    for column, values in attribute_columns([s.corridor for s in scores]).items():
        frame[column] = values
    return frame


def attribute_columns(corridors: Sequence[Any]) -> dict[str, Any]:
    """Typed columns of the structured attributes (GEM conventions), one entry per corridor."""
    import pandas as pd

    attrs = [c.attributes for c in corridors]

    def num(values: list[Any], dtype: str = "Float64") -> Any:
        return pd.array(values, dtype=dtype)  # type: ignore[call-overload]

    return {
        "capacity": num([float(a.capacity.value) if a.capacity else None for a in attrs]),
        "capacity_unit": [a.capacity.unit if a.capacity else "" for a in attrs],
        "diameter_mm": num([float(a.diameter_mm.value) if a.diameter_mm else None for a in attrs]),
        "cost_amount": num([a.cost.amount if a.cost else None for a in attrs]),
        "cost_currency": [a.cost.currency if a.cost else "" for a in attrs],
        "cost_year": num([a.cost.year if a.cost else None for a in attrs], "Int64"),
        **{f"{k}_year": num([a.milestones.get(k) for a in attrs], "Int64") for k in _MILESTONES},
        "owners": ["; ".join(o.name for o in a.owners if o.role != "operator") for a in attrs],
        "operators": ["; ".join(o.name for o in a.owners if o.role != "owner") for a in attrs],
        "fuel": [a.fuel for a in attrs],
        "route_accuracy": [a.route_accuracy for a in attrs],
        "gem_id": [a.ids.get("gem_id", "") for a in attrs],
        "wikidata": [a.ids.get("wikidata", "") for a in attrs],
        "osm_relation": [a.ids.get("osm_relation", "") for a in attrs],
    }


_MILESTONES = ("proposed", "fid", "construction_start", "operation_start")


def csv_text(frame: pandas.DataFrame) -> str:
    """A data frame as CSV: no index, ``\\n`` line ends, empty cells for missing values."""
    return str(frame.to_csv(index=False, lineterminator="\n"))


def write_score_csv(
    batches: Iterable[Sequence[Corridor]],
    out: IO[str],
    *,
    processes: int | None = None,
    progress: Callable[[int], object] | None = None,
    **options: Any,
) -> int:
    """Score corridors given batch by batch and write the CSV of `data_frame` of all of them; return the rows.

    The same bytes as ``csv_text(data_frame(score_records(corridors)))``, without holding the
    corridors or their records: batches are taken from ``batches`` as workers need them and scored
    (`corridors.scoring.score_partition` with ``options``) in ``processes`` forked worker processes
    (`corridors._workers.worker_processes`; default ``settings.SCORE_PROCESSES``, 0: one per CPU), each
    batch's rows going to a temporary spool file with its composite scores and columns
    (`corridors.scoring.ColumnLayout`). Once every batch is in, the rows are ranked over all of
    them (`corridors.scoring.ranks_of`) and the workers format the batches again in order, under
    the columns of all batches (``km_`` columns a batch lacks are 0, others blank). Memory holds a
    few batches and 8 bytes per row. ``progress`` is called with each batch's size when it is scored.
    """
    with _scored_spool(batches, "csv", processes, progress, options) as spool:
        header = data_frame([], spool.layout)
        out.write(csv_text(header))
        for text in spool.run(_csv_rows, spool.parts(), {"columns": tuple(header.columns)}):
            out.write(text)
        return spool.rows


def write_score_parquet(
    batches: Iterable[Sequence[Corridor]],
    path: str | Path,
    *,
    processes: int | None = None,
    progress: Callable[[int], object] | None = None,
    **options: Any,
) -> int:
    """Score corridors given batch by batch into one GeoParquet file at ``path``; return the rows.

    The rows and values of ``corridors.scoring.to_gdf(score_records(corridors)).to_parquet(path)``
    (the columns of `corridors.score`, indexed by ``id``, the modeled route as geometry), read back
    by ``geopandas.read_parquet`` as that frame, without holding the corridors or their records:
    scored as `write_score_csv` scores them, each batch then written as one row group under the
    columns of all batches, with GeoParquet 1.0 metadata (WKB, EPSG:4326, the bounding box and
    geometry types of all rows). Needs pyarrow.
    """
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise OutputError(f"{path}: GeoParquet output needs pyarrow: pip install 'corridors[scale]' ({exc})") from None

    with _scored_spool(batches, "geo", processes, progress, options) as spool:
        dtypes: dict[str, str] = {}
        for extent in spool.extents:
            for column, dtype in extent["dtypes"].items():
                dtypes.setdefault(column, dtype)
        columns = [c for c in _geo_header(spool.layout) if c in dtypes or c.startswith("km_") or c == "geometry"]
        writer = None
        try:
            for table in spool.run(_geo_rows, spool.parts(), {"columns": tuple(columns), "dtypes": dtypes}):
                if writer is None:
                    meta = {**(table.schema.metadata or {}), b"geo": _geo_metadata(spool.extents).encode()}
                    schema = table.schema.with_metadata(meta)
                    writer = pq.ParquetWriter(str(path), schema)
                writer.write_table(table.cast(schema))
            if writer is None:  # no rows: the empty table of these columns
                from .scoring import to_gdf

                to_gdf([]).to_parquet(path, index=True)
        finally:
            if writer is not None:
                writer.close()
        return spool.rows


class _Spool:
    """Batches scored into a temporary file (`_scored_spool`): their columns, ranks, and the workers."""

    def __init__(self, run: Callable[..., Iterator[Any]], file: IO[bytes]) -> None:
        from .scoring import ColumnLayout

        self.run, self.file = run, file
        self.layout = ColumnLayout()
        self.spans: list[tuple[int, int, int]] = []
        self.extents: list[Any] = []
        self.ranks: Any = None

    @property
    def rows(self) -> int:
        return sum(size for _, _, size in self.spans)

    def parts(self) -> Iterator[tuple[bytes, Any]]:
        """Each batch's pickled table, with its ranks over all rows, in order."""
        start = 0
        for at, length, size in self.spans:
            self.file.seek(at)
            yield self.file.read(length), self.ranks[start : start + size]
            start += size


@contextlib.contextmanager
def _scored_spool(
    batches: Iterable[Sequence[Corridor]],
    table: str,
    processes: int | None,
    progress: Callable[[int], object] | None,
    options: Mapping[str, Any],
) -> Iterator[_Spool]:
    """Score ``batches`` in worker processes into a spool file of pickled tables (``table``: "csv" or "geo").

    The first two batches are read before the workers start: a single batch is scored here.
    """
    import tempfile

    import numpy as np

    from . import settings
    from ._workers import available_cpus, can_fork, worker_processes
    from .scoring import preload_layers, ranks_of

    if processes is None:
        processes = settings.SCORE_PROCESSES or available_cpus()
    batches = iter(batches)
    head = list(itertools.islice(batches, 2))
    if len(head) < 2:  # one batch: workers would only add their start-up to it
        processes = 1
    if processes > 1 and can_fork():
        preload_layers(options.get("worldview"))  # before the fork, so every worker shares them
    with worker_processes(processes) as run, tempfile.TemporaryFile(prefix="corridors-scores-") as file:
        spool, composite = _Spool(run, file), []
        work = itertools.chain(head, batches)
        for rows, scores, own, extent in run(_scored_rows, work, {"table": table, **options}):
            spool.layout = spool.layout.union(own)
            spool.spans.append((file.tell(), len(rows), len(scores)))
            spool.extents.append(extent)
            file.write(rows)
            composite.append(scores)
            if progress is not None:
                progress(len(scores))
        spool.ranks = ranks_of(np.concatenate(composite) if composite else np.zeros(0))
        yield spool


def _scored_rows(batch: Sequence[Corridor], *, table: str, **options: Any) -> tuple[bytes, Any, ColumnLayout, Any]:
    """One batch scored (in a worker): its table under its own columns, pickled; composite scores; columns.

    ``table`` "csv": the `data_frame`; "geo": the `corridors.scoring.to_gdf` frame, with its extent
    (bounding box, geometry types, column types) for the GeoParquet metadata.
    """
    import pickle

    from .scoring import ColumnLayout, score_partition, to_gdf

    records, composite = score_partition(batch, **options)
    own = ColumnLayout.of(records)
    if table == "csv":
        frame, extent = data_frame(records, own), None
    else:
        frame = to_gdf(records, layout=own)
        frame.attrs = {}
        extent = {
            "bounds": frame.total_bounds.tolist(),
            "types": sorted(set(frame.geom_type.dropna())),
            "dtypes": {c: str(t) for c, t in frame.drop(columns="geometry").dtypes.items()},
        }
    return pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL), composite, own, extent


def _batch_under(part: tuple[bytes, Any], columns: Sequence[str]) -> Any:
    """A pickled batch table under ``columns`` (``km_`` columns it lacks 0, others missing), with its ranks."""
    import pickle

    rows, ranks = part
    frame = pickle.loads(rows)
    lacking = [c for c in columns if c.startswith("km_") and c not in frame.columns]
    frame = frame.reindex(columns=list(columns))
    for column in lacking:  # km in a country, area or province this batch never entered
        frame[column] = 0.0
    frame["rank"] = ranks
    return frame


def _csv_rows(part: tuple[bytes, Any], *, columns: tuple[str, ...]) -> str:
    """CSV lines (no header) of a pickled batch table under ``columns``, with its ranks (in a worker)."""
    return csv_body(_batch_under(part, columns))


def _geo_header(layout: ColumnLayout) -> list[str]:
    """The columns of `corridors.scoring.to_gdf` under ``layout``, geometry last."""
    from .scoring import to_gdf

    return [c for c in to_gdf([], layout=layout).columns if c != "geometry"] + ["geometry"]


def _geo_rows(part: tuple[bytes, Any], *, columns: tuple[str, ...], dtypes: Mapping[str, str]) -> Any:
    """A pickled batch frame under ``columns`` and ``dtypes``, with its ranks, as an Arrow table (WKB geometry)."""
    import geopandas
    import pyarrow as pa

    frame = _batch_under(part, columns)
    for column, dtype in dtypes.items():
        if str(frame[column].dtype) != dtype:
            frame[column] = frame[column].astype(dtype)
    plain = geopandas.GeoDataFrame(frame, geometry="geometry").to_wkb()
    return pa.Table.from_pandas(plain, preserve_index=True)


def _geo_metadata(extents: Sequence[Mapping[str, Any]]) -> str:
    """GeoParquet 1.0 ``geo`` metadata of the batches' geometry: WKB, EPSG:4326, their bounding box and types."""
    import json

    import numpy as np
    import pyproj

    bounds = np.array([e["bounds"] for e in extents if np.isfinite(e["bounds"]).all()]).reshape(-1, 4)
    column: dict[str, Any] = {
        "encoding": "WKB",
        "crs": pyproj.CRS("EPSG:4326").to_json_dict(),
        "geometry_types": sorted({t for e in extents for t in e["types"]}),
    }
    if len(bounds):
        column["bbox"] = [*bounds[:, :2].min(axis=0).tolist(), *bounds[:, 2:].max(axis=0).tolist()]
    return json.dumps({"primary_column": "geometry", "version": "1.0.0", "columns": {"geometry": column}})


def csv_body(frame: pandas.DataFrame) -> str:
    """The lines of ``csv_text(frame)`` after its header: the same bytes, formatted faster.

    Each column is formatted once per distinct value (score tables repeat a few values down most
    columns: 0 km in a country not entered, blanks): floats as ``repr`` (pandas writes the same
    shortest round-trip digits), missing values blank, text with a comma, quote, CR or LF quoted
    by the ``csv`` module as pandas has it quoted. A frame holding a column of another type, or a float NaN
    in a nullable column (which pandas writes as ``NaN``, not blank), is written by pandas.
    """
    columns = [_column_text(column) for _, column in frame.items()]
    if any(c is None for c in columns):
        return str(frame.to_csv(index=False, header=False, lineterminator="\n"))
    if not len(frame):
        return ""
    return "\n".join(map(",".join, zip(*columns, strict=True))) + "\n"


def _column_text(column: pandas.Series) -> list[str] | None:
    """One column's CSV fields (see `csv_body`), or None for a type it does not format."""
    import numpy as np
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, pd.Float64Dtype):
        values, missing = column.to_numpy(dtype="float64", na_value=np.nan), column.isna().to_numpy()
        return None if np.isnan(values[~missing]).any() else _distinct_text(values, missing, repr)
    if isinstance(dtype, pd.Int64Dtype):
        return _distinct_text(column.to_numpy(dtype="int64", na_value=0), column.isna().to_numpy(), str)
    if isinstance(dtype, pd.StringDtype):
        text = column.to_numpy(dtype=object, na_value="")
        special = column.str.contains('[,"\r\n]', regex=True).to_numpy(dtype=bool, na_value=False)
        text[special] = [_quoted(v) for v in text[special].tolist()]
        return text.tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        values = column.to_numpy()
        return _distinct_text(values, np.isnan(values), repr)
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return _distinct_text(column.to_numpy(), np.zeros(len(column), dtype=bool), str)
    return None


def _distinct_text(values: Any, missing: Any, text: Callable[[Any], str]) -> list[str]:
    """``text`` of each value, blank where missing, calling ``text`` once per distinct value."""
    import numpy as np

    out = np.full(len(values), "", dtype=object)
    present = values[~missing]
    if len(present):
        key = present.view(np.int64) if present.dtype == np.float64 else present  # -0.0 apart from 0.0
        distinct, inverse = np.unique(key, return_inverse=True)
        if present.dtype == np.float64:
            distinct = distinct.view(np.float64)
        out[~missing] = np.array([text(v) for v in distinct.tolist()], dtype=object)[inverse]
    return out.tolist()


def _quoted(value: str) -> str:
    """A field holding a comma, quote, CR or LF as pandas writes it (the ``csv`` module, minimal quoting)."""
    out = _io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([value])  # the module decides, as for pandas
    return out.getvalue()[:-1]


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
