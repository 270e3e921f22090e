"""``corridors list | show | score | compare | check``: the catalog and its metrics."""

from __future__ import annotations

import click

from .options import (
    ProgressBar,
    catalog_option,
    emit,
    engine_options,
    format_option,
    output_option,
    parse_weights,
    tolerance_option,
    weight_option,
)


def _scores(
    ids: tuple[str, ...],
    catalogs: tuple[str, ...],
    tolerance_km: float,
    weights: tuple[str, ...],
    engine: str = "local",
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: bool | None = False,
    chunk_routes: int | None = None,
):
    from ..catalog import load_catalog
    from ..scoring import score_records

    items = load_catalog(catalogs).select(ids)
    with ProgressBar(len(items), progress) as bar:
        return score_records(
            items,
            tolerance_km=tolerance_km,
            weights=parse_weights(weights),
            engine="dask" if scheduler else engine,
            scheduler=scheduler,
            n_workers=n_workers,
            chunk_routes=chunk_routes,
            progress=bar,
        )


def _emit_scores(scores, fmt: str, output: str | None, title: str, keep: tuple[str, ...] = ()) -> None:
    """Write scores as a table (``fmt``), or as GeoParquet when ``output`` ends in ``.parquet``."""
    from ..io import to_json
    from ..tables import render_table, score_dict, summary_row

    if output and output.lower().endswith(".parquet"):
        from ..io import atomic_write
        from ..scoring import to_gdf

        frame = to_gdf(scores)
        frame.attrs = {}  # the records stay in memory; the file holds the columns
        atomic_write(output, lambda tmp: frame.to_parquet(tmp, index=True))
        click.echo(f"wrote {output}", err=True)
        return
    if fmt == "json":
        emit(to_json([score_dict(s) for s in scores]), output)
        return
    rows = [summary_row(s) for s in scores]
    if keep and fmt == "table":
        rows = [{k: r.get(k) for k in keep} for r in rows]
    emit(render_table(rows, fmt, title=title), output)


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
def show_cmd(corridor_id, catalogs, fmt, output, tolerance_km):
    """Show one corridor: its record, modeled metrics beside published figures, crossings and sources.

    Lengths in km (WGS84 geodesic); positions in decimal degrees.
    """
    from ..catalog import load_catalog
    from ..io import to_json
    from ..scoring import score_records
    from ..tables import corridor_text, score_dict

    corridor = load_catalog(catalogs)[corridor_id]
    result = score_records(corridor, tolerance_km=tolerance_km)[0]
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
@engine_options
def score_cmd(ids, catalogs, fmt, output, tolerance_km, weights, engine, scheduler, n_workers, chunk_routes, progress):
    """Score corridors (all by default): length, per-country lengths, crossings, straightness, score.

    Modeled lengths are geodesic km (WGS84); published figures and their sources stand beside them.
    JSON output carries every metric, crossing location and source. An output FILE ending in
    .parquet is written as GeoParquet (one row per corridor, the modeled route as geometry).
    """
    scores = _scores(ids, catalogs, tolerance_km, weights, engine, scheduler, n_workers, progress, chunk_routes)
    _emit_scores(scores, fmt, output, "Corridor scores")


@click.command("compare")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@catalog_option
@format_option
@output_option
@tolerance_option
@weight_option
@engine_options
def compare_cmd(
    ids, catalogs, fmt, output, tolerance_km, weights, engine, scheduler, n_workers, chunk_routes, progress
):
    """Compare corridors (all by default), ranked by composite score, published vs modeled side by side.

    Columns: modeled_km (geodesic, WGS84) beside published_km and diff_pct; the country sequence and
    border crossings (Natural Earth 1:10m); km_by_country as modeled/published; straightness
    (endpoint distance / length); score = weighted length, crossings and detour (lower is better).
    """
    scores = sorted(
        _scores(ids, catalogs, tolerance_km, weights, engine, scheduler, n_workers, progress, chunk_routes),
        key=lambda s: s.rank,
    )
    keep = (
        "rank",
        "id",
        "modeled_km",
        "published_km",
        "diff_pct",
        "countries",
        "crossings",
        "score",
        "km_by_country",
        "straightness",
        "max_elevation_m",
        "kind",
        "status",
    )
    _emit_scores(scores, fmt, output, "Corridor comparison (km, WGS84 geodesic; published vs modeled)", keep)


@click.command("check")
@catalog_option
@tolerance_option
def check_cmd(catalogs, tolerance_km):
    """Check that every modeled route crosses the countries its sources declare, in order.

    Exits 2 and names each mismatching record when one does not.
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


COMMANDS = [list_cmd, show_cmd, score_cmd, compare_cmd, check_cmd]
