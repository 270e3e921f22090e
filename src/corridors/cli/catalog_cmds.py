"""``corridors list | show | score | compare | check``: the catalog and its metrics."""

from __future__ import annotations

import click

from .options import (
    catalog_option,
    emit,
    exposure_option,
    format_option,
    output_option,
    parse_weights,
    rank_by_option,
    tolerance_option,
    weight_option,
    worldview_option,
)


def _scores(
    ids: tuple[str, ...],
    catalogs: tuple[str, ...],
    tolerance_km: float,
    weights: tuple[str, ...],
    worldview: str = "de-facto",
    exposure: str | None = None,
    rank_by: str = "score",
):
    from ..catalog import load_catalog
    from ..scoring import score_records

    if rank_by == "exposure" and not exposure:
        raise click.UsageError("--rank-by exposure needs --exposure FILE")
    ex = None
    if exposure:
        from ..exposure import load_exposure

        ex = load_exposure(exposure)  # bad files fail before the scoring work
    catalog = load_catalog(catalogs)
    scores = score_records(
        catalog.select(ids), tolerance_km=tolerance_km, weights=parse_weights(weights), worldview=worldview
    )
    if ex is not None:
        from ..exposure import apply_exposure

        scores = apply_exposure(scores, ex, rank_by=rank_by)
    return scores


def _title(title: str, worldview: str) -> str:
    from ..tables import provenance_line

    return f"{title} · {provenance_line(worldview)}"


@click.command("list")
@catalog_option
@format_option
@output_option
def list_cmd(catalogs, fmt, output):
    """List the corridors: id, kind, status, declared countries and published length (with source)."""
    from ..catalog import load_catalog
    from ..tables import render_table

    rows = [
        {
            "id": c.id,
            "name": c.name,
            "kind": c.kind,
            "status": c.status,
            "countries": " > ".join(c.countries),
            "published_km": c.published.length_km.value if c.published.length_km else None,
            "source": c.published.length_km.source if c.published.length_km else c.sources[0].title,
            "variant_of": c.parent or "",
        }
        for c in load_catalog(catalogs).values()
    ]
    emit(render_table(rows, fmt, title="Corridors"), output)


@click.command("show")
@click.argument("corridor_id")
@catalog_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text: readable summary; json: every metric and source; markdown: for reports.",
)
@output_option
@tolerance_option
@worldview_option
def show_cmd(corridor_id, catalogs, fmt, output, tolerance_km, worldview):
    """Show one corridor: its record, modeled metrics beside published figures, crossings and sources.

    Lengths in km (WGS84 geodesic); positions in decimal degrees.
    """
    from ..catalog import load_catalog
    from ..io import to_json
    from ..scoring import score_records
    from ..tables import corridor_text, score_dict

    corridor = load_catalog(catalogs)[corridor_id]
    result = score_records(corridor, tolerance_km=tolerance_km, worldview=worldview)[0]
    if fmt == "json":
        emit(to_json(score_dict(result)), output)
    else:
        emit(corridor_text(result, markdown=fmt == "markdown"), output)


@click.command("score")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@catalog_option
@format_option
@output_option
@tolerance_option
@weight_option
@worldview_option
@exposure_option
def score_cmd(ids, catalogs, fmt, output, tolerance_km, weights, worldview, exposure):
    """Score corridors (all by default): length, per-country lengths, crossings, straightness, score.

    Modeled lengths are geodesic km (WGS84); published figures and their sources stand beside them.
    JSON output carries every metric, crossing location and source.
    """
    from ..io import to_json
    from ..tables import csv_text, data_frame, render_table, score_dict, summary_row

    scores = _scores(ids, catalogs, tolerance_km, weights, worldview, exposure)
    if fmt == "json":
        emit(to_json([score_dict(s) for s in scores]), output)
    elif fmt == "csv":
        emit(csv_text(data_frame(scores)), output)
    else:
        rows = [summary_row(s) for s in scores]
        emit(render_table(rows, fmt, title=_title("Corridor scores", worldview)), output)


@click.command("compare")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@catalog_option
@format_option
@output_option
@tolerance_option
@weight_option
@worldview_option
@exposure_option
@rank_by_option
def compare_cmd(ids, catalogs, fmt, output, tolerance_km, weights, worldview, exposure, rank_by):
    """Compare corridors (all by default), ranked by composite score, published vs modeled side by side.

    Columns: modeled_km (geodesic, WGS84) beside published_km and diff_pct; the country sequence and
    border crossings (Natural Earth 1:10m); km_by_country as modeled/published; straightness
    (endpoint distance / length); score = weighted length, crossings and detour (lower is better);
    contested_km (km in contested areas, by --worldview's map for the countries); exposure_km with
    --exposure (ranking changes only with --rank-by exposure).
    """
    from ..io import to_json
    from ..tables import csv_text, data_frame, render_table, score_dict, summary_row

    scores = sorted(_scores(ids, catalogs, tolerance_km, weights, worldview, exposure, rank_by), key=lambda s: s.rank)
    if fmt == "json":
        emit(to_json([score_dict(s) for s in scores]), output)
        return
    if fmt == "csv":
        emit(csv_text(data_frame(scores)), output)
        return
    rows = [summary_row(s) for s in scores]
    if fmt == "table":
        keep = (
            "rank",
            "id",
            "modeled_km",
            "published_km",
            "diff_pct",
            "countries",
            "crossings",
            "score",
            "exposure_km",
            "contested_km",
            "km_by_country",
            "straightness",
            "max_elevation_m",
            "kind",
            "status",
        )
        rows = [{k: r.get(k) for k in keep if k in r} for r in rows]
    title = _title("Corridor comparison (km, WGS84 geodesic; published vs modeled)", worldview)
    emit(render_table(rows, fmt, title=title), output)


@click.command("check")
@catalog_option
@tolerance_option
def check_cmd(catalogs, tolerance_km):
    """Check that every modeled route crosses the countries its sources declare, in order.

    Declared countries are de facto, so the check always uses the de facto worldview. Exits 2 and
    names each mismatching record when one does not.
    """
    from .._errors import CatalogError
    from ..catalog import load_catalog
    from ..scoring import score_records

    scores = score_records(list(load_catalog(catalogs).values()), tolerance_km=tolerance_km)
    bad = [s for s in scores if not s.matches_sources]
    for s in scores:
        click.echo(f"{'ok ' if s.matches_sources else 'BAD'} {s.corridor.id}: {' > '.join(s.sequence)}")
    if bad:
        raise CatalogError(
            "; ".join(
                f"{s.corridor.path}: countries: declared {list(s.corridor.countries)}, modeled {list(s.sequence)}"
                for s in bad
            )
        )


@click.command("crossings")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@catalog_option
@format_option
@output_option
@tolerance_option
@worldview_option
def crossings_cmd(ids, catalogs, fmt, output, tolerance_km, worldview):
    """List every border crossing of the corridors (all by default): one row per crossing.

    Columns: corridor, number along it, from_country and to_country (ISO3), at_km (km from the
    start, WGS84 geodesic), lon/lat (degrees) and the nearest named border post, pass or bridge
    within 40 km with its distance (km), and the boundary_class (international, line of control,
    disputed, …, as --worldview sees it).
    """
    from ..tables import crossing_rows, render_table

    rows = crossing_rows(_scores(ids, catalogs, tolerance_km, (), worldview))
    title = _title("Border crossings", worldview)
    emit(render_table(rows, fmt, title=title, keep=("corridor", "number")), output)


COMMANDS = [list_cmd, show_cmd, score_cmd, compare_cmd, check_cmd, crossings_cmd]
