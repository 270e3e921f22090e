"""Reports on scored corridors: the comparison table, the web map and a figure per corridor.

An HTML report is one file to hand on: figures are embedded as PNG ``data:`` URIs and the map as
an ``<iframe srcdoc>`` fragment that works offline (Leaflet inlined unless ``cdn=True``). A Markdown
report writes its figures and the map beside it, in ``<stem>_files/``. Catalog text is HTML-escaped
in both (Markdown is turned into HTML by whoever renders it). Every figure has alt text; the footer
carries the provenance line (version, data digests, worldview). Nothing depends on the clock.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .._errors import OutputError
from ..scoring import records_of
from ..tables import cell, markdown_escape
from .staticmap import alt_text, figure, figure_bytes

if TYPE_CHECKING:
    from ..scoring import CorridorScore

__all__ = ["report_html", "report_markdown", "write_report"]

_TITLE = "Corridors report"
_COLUMNS = (
    ("rank", "Rank"),
    ("name", "Corridor"),
    ("kind", "Kind"),
    ("status", "Status"),
    ("modeled_km", "Modeled km"),
    ("published_km", "Published km"),
    ("diff_pct", "Diff %"),
    ("countries", "Countries (modeled)"),
    ("crossings", "Crossings"),
    ("km_by_country", "km by country (modeled/published)"),
    ("contested", "Contested ground"),
    ("km_by_province", "km by province (ISO 3166-2)"),
    ("straightness", "Straightness"),
    ("score", "Score"),
    ("published_source", "Source of published length"),
)
_INTRO = (
    "Modeled lengths are geodesic, in km on the WGS84 ellipsoid; published figures stand beside them with "
    "their sources. Countries and border crossings use Natural Earth 1:10m admin-0 under the worldview named "
    "in the footer; km in contested areas (administrator, claimants) and per province stand beside them. "
    "The score weighs length, crossings and detour; lower is better."
)
_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 1100px; margin: 2em auto;
  padding: 0 1em; }
table { border-collapse: collapse; font-size: 13px; margin: 0.5em 0 1em; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; }
.note { color: #555; font-size: 13px; }
section { border-top: 2px solid #eee; margin-top: 2em; }
.wide { overflow-x: auto; }
"""


#: Decimals of the numeric columns (the rest use :func:`corridors.tables.cell`'s default).
_DIGITS = {"modeled_km": 1, "diff_pct": 1, "straightness": 3, "score": 2}


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _png(scores: Sequence[CorridorScore], dpi: int) -> bytes:
    """A static map of ``scores`` as PNG bytes."""
    return figure_bytes(figure(scores, dpi=dpi), "png")


def _footer(scores: Sequence[CorridorScore] = ()) -> str:
    from ..tables import provenance_line

    return provenance_line(scores[0].worldview if scores else "de facto")


def _png_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _comparison_rows(scores: Sequence[CorridorScore]) -> list[dict]:
    from ..tables import summary_row

    return [summary_row(s) for s in sorted(scores, key=lambda s: s.rank)]


def report_html(scores: Sequence[CorridorScore], *, cdn: bool = False, dpi: int = 96) -> str:
    """The HTML report as one document: table, map (offline unless ``cdn``) and figures embedded.

    Parameters
    ----------
    scores : GeoDataFrame or sequence of CorridorScore
        The result of :func:`corridors.score`.
    cdn : bool
        Load the map's Leaflet from the jsDelivr CDN instead of inlining it.
    dpi : int
        Resolution of the embedded figures.

    Returns
    -------
    str

    Examples
    --------
    >>> from corridors import load_catalog, score
    >>> page = report_html(score(load_catalog().select(["wakhan-corridor"])), dpi=20)
    >>> page.startswith("<!DOCTYPE html>"), "worldview: de facto" in page
    (True, True)
    """
    scores = records_of(scores)
    from .webmap import atlas_map, map_html

    rows = _comparison_rows(scores)
    numeric = {"rank", "modeled_km", "published_km", "diff_pct", "crossings", "straightness", "score"}
    head = "".join(f"<th>{_e(label)}</th>" for _, label in _COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_e(cell(r.get(k), _DIGITS.get(k)))}</td>'
            if k in numeric
            else f"<td>{_e(cell(r.get(k)))}</td>"
            for k, _ in _COLUMNS
        )
        + "</tr>"
        for r in rows
    )
    atlas = atlas_map(scores, cdn=cdn, title=_TITLE)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(_TITLE)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(_TITLE)}</h1>",
        f'<p class="note">{_e(_INTRO)}</p>',
        "<h2>Comparison</h2>",
        f'<div class="wide"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>',
        "<h2>Map</h2>",
        map_html(atlas, fragment=True, height="560px"),
        f'<p><img src="{_png_uri(_png(scores, dpi))}" alt="{_e(alt_text(scores))}"></p>',
        "<h2>Corridors</h2>",
    ]
    for s in sorted(scores, key=lambda s: s.rank):
        parts.append(_corridor_section(s, _png([s], dpi)))
    parts += [f'<footer class="note"><p>{_e(_footer(scores))}</p></footer>', "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _corridor_section(s: CorridorScore, png: bytes) -> str:
    c = s.corridor
    pub = s.published_length
    facts = [
        ("Kind, status", f"{c.kind}, {c.status}"),
        ("Length, modeled", f"{cell(s.length_km, 1)} km (WGS84 geodesic)"),
        ("Length, published", f"{cell(pub.value)} km ({pub.source})" if pub else "—"),
        ("Countries, modeled", " > ".join(s.sequence)),
        ("Countries, declared by sources", " > ".join(c.countries) or "—"),
        ("Straightness", cell(s.straightness, 3)),
        ("Score (rank)", f"{cell(s.score, 2)} ({s.rank})"),
        *((f.label, f"{cell(f.value)}{' ' + f.unit if f.unit else ''} ({f.source})") for f in c.published.facts),
    ]
    by_country = "".join(
        f'<tr><td>{_e(r.country or "sea")}</td><td class="num">{cell(r.modeled_km, 1)}</td>'
        f"<td>{_e(f'{cell(r.published.value)} ({r.published.source})') if r.published else '—'}</td></tr>"
        for r in s.countries
    )
    crossings = "".join(
        f"<li>{_e(x.from_country)} → {_e(x.to_country)} at km {cell(x.at_km, 1)} "
        f"({cell(x.lat, 4)}° N, {cell(x.lon, 4)}° E)"
        + (f", nearest named crossing {_e(x.named)} ({cell(x.named_distance_km or 0.0, 1)} km)" if x.named else "")
        + "</li>"
        for x in s.crossings
    )
    sources = "".join(
        "<li>"
        + (
            f'<a href="{_e(x.url)}">{_e(x.title)}</a>'
            if x.url.startswith(("https://", "http://"))
            else _e(x.title) + (f" ({_e(x.url)})" if x.url else "")
        )
        + (f", {_e(x.date)}" if x.date else "")
        + "</li>"
        for x in c.sources
    )
    return (
        f'<section id="corridor-{_e(c.id)}"><h3>{_e(c.name)}</h3>'
        + (f"<p>{_e(c.summary)}</p>" if c.summary else "")
        + f'<p><img src="{_png_uri(png)}" alt="{_e(alt_text([s]))}"></p>'
        + "<table>"
        + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts)
        + "</table>"
        + f"<h4>Length by country (km)</h4><table><tr><th>Country</th><th>Modeled</th><th>Published</th></tr>"
        f"{by_country}</table>"
        + f"<h4>Border crossings ({len(s.crossings)})</h4>"
        + (f"<ul>{crossings}</ul>" if crossings else "<p>None.</p>")
        + f"<h4>Sources</h4><ul>{sources}</ul></section>"
    )


def report_markdown(
    scores: Sequence[CorridorScore], files_dir: str, *, cdn: bool = False, dpi: int = 110
) -> tuple[str, dict[str, bytes | str]]:
    """The Markdown report and its companion files.

    Parameters
    ----------
    scores : GeoDataFrame or sequence of CorridorScore
        The result of :func:`corridors.score`.
    files_dir : str
        Folder name the report links its figures and map by (beside the report).
    cdn : bool
        Load the map's Leaflet from the jsDelivr CDN instead of inlining it.
    dpi : int
        Resolution of the figures.

    Returns
    -------
    tuple of (str, dict)
        The Markdown text, and the companion files (name in ``files_dir`` → content).
    """
    scores = records_of(scores)
    from ..tables import corridor_text, render_table
    from .webmap import atlas_map, map_html

    keep = [k for k, _ in _COLUMNS]
    rows = [{k: r.get(k) for k in keep} for r in _comparison_rows(scores)]
    files: dict[str, bytes | str] = {
        "map.html": map_html(atlas_map(scores, cdn=cdn, title=_TITLE)),
        "overview.png": _png(scores, dpi),
    }
    lines = [
        f"# {_TITLE}",
        "",
        _md(_INTRO),
        "",
        "## Comparison",
        "",
        render_table(rows, "markdown").rstrip("\n"),  # data Markdown-escaped (tables.markdown_escape)
        "",
        "## Map",
        "",
        f"[Open the interactive map]({files_dir}/map.html)",
        "",
        f"![{markdown_escape(alt_text(scores))}]({files_dir}/overview.png)",
        "",
        "## Corridors",
        "",
    ]
    for s in sorted(scores, key=lambda s: s.rank):
        name = f"{s.corridor.id}.png"
        files[name] = _png([s], dpi)
        text = re.sub(r"^#", "###", corridor_text(s, markdown=True), flags=re.MULTILINE)
        lines += [text.rstrip("\n"), "", f"![{markdown_escape(alt_text([s]))}]({files_dir}/{name})", ""]
    lines += ["---", "", _md(_footer(scores)), ""]
    return "\n".join(lines), files


def _md(text: str) -> str:
    """Catalog text for Markdown: HTML-escaped, so that a renderer shows it and runs nothing."""
    return html.escape(text, quote=False)


def write_report(scores: Sequence[CorridorScore], path: str | Path, *, cdn: bool = False) -> list[Path]:
    """Write an HTML (``.html``) or Markdown (``.md``) report.

    Companion files of a Markdown report are written first, the report itself last, each atomically.

    Parameters
    ----------
    scores : GeoDataFrame or sequence of CorridorScore
        The result of :func:`corridors.score`.
    path : str or Path
        ``FILE.html`` (one file) or ``FILE.md`` (figures and map in ``FILE_files/``).
    cdn : bool
        Load the map's Leaflet from the jsDelivr CDN instead of inlining it.

    Returns
    -------
    list of Path
        The files written, the report last.

    Raises
    ------
    OutputError
        For another suffix, or a folder that does not exist.
    """
    scores = records_of(scores)
    from ..io import atomic_write, atomic_write_tree, format_of

    path = Path(path)
    if format_of(path, {".html": "html", ".htm": "html", ".md": "markdown"}, "reports") == "html":
        return [atomic_write(path, report_html(scores, cdn=cdn))]
    if not path.parent.is_dir():
        raise OutputError(f"{path}: output folder {str(path.parent)!r} does not exist")
    folder = path.with_name(f"{path.stem}_files")
    text, files = report_markdown(scores, folder.name, cdn=cdn)
    return atomic_write_tree(path.parent, {**{f"{folder.name}/{n}": d for n, d in files.items()}, path.name: text})
