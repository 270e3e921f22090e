"""``corridors map | figure | report``: web maps, static figures and reports of scored corridors."""

from __future__ import annotations

import click

from .options import (
    catalog_option,
    emit,
    exposure_option,
    output_file_option,
    output_option,
    tolerance_option,
    worldview_option,
)

ids_argument = click.argument("ids", nargs=-1, metavar="[ID]...")
self_contained_option = click.option(
    "--self-contained",
    is_flag=True,
    help="Deprecated, no effect: pages are self-contained (offline) by default; see --cdn.",
)
cdn_option = click.option(
    "--cdn",
    is_flag=True,
    help="Load Leaflet from the jsDelivr CDN instead of inlining it (smaller file; needs a network to "
    "display). Without it the page works offline.",
)


def _scores(
    ids: tuple[str, ...],
    catalogs: tuple[str, ...],
    tolerance_km: float,
    worldview: str,
    exposure: str | None = None,
    *,
    most: tuple[str, str, str] | None = None,
):
    """Scores of the selected corridors; ``most`` = (output, limit name, what) refuses, before any
    scoring work, more corridors than the limit ``settings.limit(name)`` (``what`` names the cost)."""
    from ..catalog import load_catalog
    from ..scoring import score_records

    ex = None
    if exposure is not None:  # an empty name is an error, not "no file"
        from ..exposure import load_exposure

        ex = load_exposure(exposure)
    selected = load_catalog(catalogs).select(ids)
    if most is not None:
        from .. import settings
        from .._errors import OutputError

        output, limit_name, what = most
        count, limit = len(selected), settings.limit(limit_name)
        if count > limit:
            raise OutputError(
                f"{output}: {what.format(count=count)}; the limit is {limit:,} ({limit_name}): name fewer ids, "
                f"use 'corridors compare' or 'corridors map', or raise CORRIDORS_{limit_name}"
            )
    scores = score_records(selected, tolerance_km=tolerance_km, worldview=worldview)
    if ex is not None:
        from ..exposure import apply_exposure

        scores = apply_exposure(scores, ex)
    return scores


@click.command("map")
@ids_argument
@catalog_option
@output_option
@tolerance_option
@cdn_option
@self_contained_option
@click.option(
    "--tiles",
    "tiles",
    multiple=True,
    metavar="NAME",
    help="Tile base layer offered after the offline basemap, by xyzservices name (repeatable; "
    "default: OpenStreetMap.Mapnik, OpenTopoMap, Esri.WorldImagery; 'none' for no tiles). Tiles need a network.",
)
@click.option(
    "--fragment",
    is_flag=True,
    help="Write an <iframe srcdoc> snippet to embed in a notebook, Quarto, MkDocs or Sphinx page.",
)
@click.option("--title", default="Corridors atlas", show_default=True, help="Title of the page.")
@worldview_option
@exposure_option
@click.option(
    "--color-by",
    type=click.Choice(["corridor", "exposure"]),
    default="corridor",
    show_default=True,
    help="Colour routes by corridor, or by exposure_km per km (needs --exposure).",
)
def map_cmd(
    ids, catalogs, output, tolerance_km, cdn, self_contained, tiles, fragment, title, worldview, exposure, color_by
):
    """Web map of corridors (all by default): an offline basemap and tile layers, one layer per corridor.

    Popups give modeled lengths (km, WGS84 geodesic) beside published figures with their sources,
    per-country lengths and border crossings. The page works offline (Leaflet inlined) unless --cdn
    is given. The same input gives a byte-identical file.
    """

    from ..io import format_of
    from ..render.webmap import DEFAULT_TILES, atlas_map, map_html, tile_provider

    names = () if tiles == ("none",) else (tiles or DEFAULT_TILES)
    for name in names:
        tile_provider(name)  # fail on a bad name before the scoring work
    if output and not fragment:
        format_of(output, {".html": "html", ".htm": "html"}, "web maps")
    if color_by == "exposure" and exposure is None:
        raise click.UsageError("--color-by exposure needs --exposure FILE")
    scores = _scores(ids, catalogs, tolerance_km, worldview, exposure)
    m = atlas_map(scores, tiles=names, title=title, cdn=cdn, color_by=color_by)
    emit(map_html(m, fragment=True) + "\n" if fragment else map_html(m), output)  # atomically to a file


@click.command("figure")
@ids_argument
@catalog_option
@output_file_option("Write to FILE.png, FILE.svg or FILE.pdf (atomically).")
@tolerance_option
@click.option("--dpi", type=click.IntRange(50, 600), default=200, show_default=True, help="Resolution of PNG output.")
@click.option(
    "--title",
    default=None,
    help="Title drawn above the map (default: none for several corridors, the name for one).",
)
@worldview_option
def figure_cmd(ids, catalogs, output, tolerance_km, dpi, title, worldview):
    """Static map of corridors for print: labelled routes and crossings, legend, scale bar, graticule.

    Drawn with matplotlib from the shipped basemap (Natural Earth 1:10m, simplified); the same
    input gives a byte-identical PNG, SVG or PDF.
    """
    from ..render.staticmap import figure, figure_format, save_figure

    figure_format(output)  # fail on a bad suffix before the scoring work
    most = (output, "MAX_FIGURE_CORRIDORS", "a figure of {count:,} corridors labels each of them")
    save_figure(figure(_scores(ids, catalogs, tolerance_km, worldview, most=most), dpi=dpi, title=title), output)
    click.echo(f"wrote {output}", err=True)


@click.command("report")
@ids_argument
@catalog_option
@output_file_option("Write to FILE.html (one file) or FILE.md (figures and map in FILE_files/).")
@tolerance_option
@cdn_option
@self_contained_option
@worldview_option
def report_cmd(ids, catalogs, output, tolerance_km, cdn, self_contained, worldview):
    """Report on corridors (all by default): the comparison table, the web map and a figure per corridor.

    HTML reports are one file to hand on (figures embedded, the map works offline unless --cdn);
    Markdown reports keep the figures and the map beside them, in FILE_files/.
    """
    from ..render.report import write_report

    most = (output, "MAX_REPORT_CORRIDORS", "a report of {count:,} corridors draws {count:,} figures")
    for path in write_report(_scores(ids, catalogs, tolerance_km, worldview, most=most), output, cdn=cdn):
        click.echo(f"wrote {path}", err=True)


COMMANDS = [map_cmd, figure_cmd, report_cmd]
