"""``corridors list | show | score | compare | check``: the catalog and its metrics."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

import click

from .options import (
    ProgressBar,
    catalog_option,
    emit,
    engine_options,
    exposure_option,
    output_option,
    parse_weights,
    rank_by_option,
    table_output_options,
    tolerance_option,
    weight_option,
    worldview_option,
)


def _scores(
    ids: tuple[str, ...],
    catalogs: tuple[str, ...],
    tolerance_km: float,
    weights: tuple[str, ...],
    *,
    worldview: str = "de-facto",
    exposure: str | None = None,
    rank_by: str = "score",
    engine: str = "local",
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: bool | None = False,
    chunk_routes: int | None = None,
):
    from ..catalog import load_catalog
    from ..scoring import score_records

    if rank_by == "exposure" and exposure is None:
        raise click.UsageError("--rank-by exposure needs --exposure FILE")
    ex = None
    if exposure is not None:  # an empty name is an error, not "no file"
        from ..exposure import load_exposure

        ex = load_exposure(exposure)  # bad files fail before the scoring work
    items = load_catalog(catalogs).select(ids)
    with ProgressBar(len(items), progress) as bar:
        scores = score_records(
            items,
            tolerance_km=tolerance_km,
            weights=parse_weights(weights),
            worldview=worldview,
            engine="dask" if scheduler else engine,
            scheduler=scheduler,
            n_workers=n_workers,
            chunk_routes=chunk_routes,
            progress=bar,
        )
    if ex is not None:
        from ..exposure import apply_exposure

        scores = apply_exposure(scores, ex, rank_by=rank_by)
    return scores


def _stream_scores(
    catalogs: tuple[str, ...],
    output: str | None,
    tolerance_km: float,
    weights: tuple[str, ...],
    worldview: str,
    n_workers: int | None,
    chunk_routes: int | None,
    progress: bool | None,
) -> None:
    """``score`` as CSV or GeoParquet, read, scored and written batch by batch.

    (`corridors.tables.write_score_csv`, `corridors.tables.write_score_parquet`.) The same output
    as scoring every corridor at once; memory holds a few batches, not the catalog or the records;
    ``n_workers`` processes score them (default: one per CPU).
    """
    import sys

    from ..catalog import iter_catalog
    from ..engine import check_options
    from ..io import atomic_write
    from ..tables import write_score_csv, write_score_parquet

    chunk = check_options("local", None, n_workers, chunk_routes)
    bar = ProgressBar(None, progress)  # its total: each catalog file's corridors, once counted
    batches = iter_catalog(catalogs, chunk_routes=chunk, count=bar.expect)
    options = {"tolerance_km": tolerance_km, "weights": parse_weights(weights), "worldview": worldview}

    with bar:

        def write(fh: IO[str]) -> None:
            write_score_csv(batches, fh, processes=n_workers, progress=bar, **options)

        if output and _is_parquet(output):
            atomic_write(
                output, lambda tmp: write_score_parquet(batches, tmp, processes=n_workers, progress=bar, **options)
            )
        elif output and output != "-":
            atomic_write(output, lambda tmp: _write_text(tmp, write))
        else:
            write(sys.stdout)
            sys.stdout.flush()
    if output and output != "-":
        click.echo(f"wrote {output}", err=True)


def _is_parquet(output: str | None) -> bool:
    """Whether an output path names a GeoParquet file."""
    return bool(output) and str(output).lower().endswith(".parquet")


def _write_text(path: Path, write: Callable[[IO[str]], None]) -> None:
    """Call ``write`` with ``path`` open for text (UTF-8, line ends as written)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        write(fh)


def _emit_scores(
    scores, fmt: str, output: str | None, title: str, keep: tuple[str, ...] = (), *, worldview: str = "de-facto"
) -> None:
    """Write scores as a table (``fmt``), or as GeoParquet when ``output`` ends in ``.parquet``."""
    from ..io import to_json
    from ..tables import csv_text, data_frame, render_table, score_dict, summary_row

    if output and _is_parquet(output):
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
    if fmt == "csv":
        emit(csv_text(data_frame(scores)), output)
        return
    rows = [summary_row(s) for s in scores]
    if keep and fmt == "table":
        rows = [{k: r.get(k) for k in keep} for r in rows]
    emit(render_table(rows, fmt, title=title, worldview=worldview), output)


@click.command("list")
@catalog_option
@table_output_options(parquet=False)
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
@table_output_options(parquet=True)
@tolerance_option
@weight_option
@engine_options
@worldview_option
@exposure_option
def score_cmd(
    ids,
    catalogs,
    fmt,
    output,
    tolerance_km,
    weights,
    engine,
    scheduler,
    n_workers,
    chunk_routes,
    progress,
    worldview,
    exposure,
):
    """Score corridors (all by default): length, per-country lengths, crossings, straightness, score.

    Modeled lengths are geodesic km (WGS84); published figures and their sources stand beside them.
    JSON output carries every metric, crossing location and source. An output FILE ending in
    .parquet is written as GeoParquet (one row per corridor, the modeled route as geometry).
    """
    if (fmt == "csv" or _is_parquet(output)) and not ids and not exposure and engine == "local" and not scheduler:
        _stream_scores(catalogs, output, tolerance_km, weights, worldview, n_workers, chunk_routes, progress)
        return
    scores = _scores(
        ids,
        catalogs,
        tolerance_km,
        weights,
        worldview=worldview,
        exposure=exposure,
        engine=engine,
        scheduler=scheduler,
        n_workers=n_workers,
        progress=progress,
        chunk_routes=chunk_routes,
    )
    _emit_scores(scores, fmt, output, "Corridor scores", worldview=worldview)


def _status_choices() -> list[str]:
    from .._validate import STATUSES

    return list(STATUSES)


@click.command("compare")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@catalog_option
@table_output_options(parquet=True)
@tolerance_option
@weight_option
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(_status_choices()),
    help="Only corridors of this status (repeat for several), e.g. --status operating.",
)
@engine_options
@worldview_option
@exposure_option
@rank_by_option
def compare_cmd(
    ids,
    catalogs,
    fmt,
    output,
    tolerance_km,
    weights,
    statuses,
    engine,
    scheduler,
    n_workers,
    chunk_routes,
    progress,
    worldview,
    exposure,
    rank_by,
):
    """Compare corridors (all by default), ranked by composite score, published vs modeled side by side.

    Columns: modeled_km (geodesic, WGS84) beside published_km and diff_pct; the country sequence and
    border crossings (Natural Earth 1:10m); km_by_country as modeled/published; straightness
    (endpoint distance / length); score = weighted length, crossings and detour (lower is better);
    contested_km (km in contested areas, by --worldview's map for the countries); exposure_km with
    --exposure (ranking changes only with --rank-by exposure).
    """
    from ..tables import SUMMARY_FIRST

    if statuses:
        from .._errors import CatalogError
        from ..catalog import load_catalog

        catalog = load_catalog(catalogs)
        ids = tuple(c.id for c in catalog.select(ids) if c.status in statuses)
        if not ids:
            raise CatalogError(f"--status: no corridor is {' or '.join(statuses)}")
    scores = _scores(
        ids,
        catalogs,
        tolerance_km,
        weights,
        worldview=worldview,
        exposure=exposure,
        rank_by=rank_by,
        engine=engine,
        scheduler=scheduler,
        n_workers=n_workers,
        progress=progress,
        chunk_routes=chunk_routes,
    )
    scores = sorted(scores, key=lambda s: s.rank)
    keep = (
        *SUMMARY_FIRST,
        "exposure_km",
        "contested_km",
        "km_by_country",
        "straightness",
        "max_elevation_m",
        "kind",
        "status",
    )
    title = "Corridor comparison (km, WGS84 geodesic; published vs modeled)"
    _emit_scores(scores, fmt, output, title, keep, worldview=worldview)


@click.command("check")
@catalog_option
@tolerance_option
@click.option(
    "--max-diff-pct",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Largest difference (percent) of a modeled total or segment length to its published range.",
)
def check_cmd(catalogs, tolerance_km, max_diff_pct):
    """Check every record against its sources: country sequence, total and segment lengths.

    A route must cross the countries its sources declare, in order; each published total and
    segment length must lie within --max-diff-pct of its published range (km along the modeled
    route), unless the record gives a written ``exception:`` reason, which is printed. Exits 2 and
    names each failing record when one fails. Declared countries are de facto, so the check always
    uses the de facto worldview.
    """
    from .._errors import CatalogError
    from ..catalog import load_catalog
    from ..scoring import score_records
    from ..tables import cell

    scores = score_records(list(load_catalog(catalogs).values()), tolerance_km=tolerance_km)
    problems = []
    for s in scores:
        off = s.off_by(max_diff_pct)
        failing = [o for o in off if not o[2]]
        ok = s.matches_sources and not failing
        checked = int(s.published_length is not None) + len(s.segments)
        click.echo(
            f"{'ok ' if ok else 'BAD'} {s.corridor.id}: {' > '.join(s.sequence)}; "
            f"{checked - len(off)}/{checked} lengths within {cell(max_diff_pct)} %"
        )
        if not s.matches_sources:
            problems.append(
                f"{s.corridor.path}: countries: declared {list(s.corridor.countries)}, modeled {list(s.sequence)}"
            )
        for what, diff, exception in off:
            if exception:
                click.echo(f"    exception: {what} off by {cell(diff, 1)} %: {exception}")
            else:
                click.echo(f"    {what}: off by {cell(diff, 1)} % (more than {cell(max_diff_pct)} %)")
                problems.append(f"{s.corridor.path}: {what}: modeled off by {cell(diff, 1)} %")
    if problems:
        raise CatalogError("; ".join(problems))


@click.command("crossings")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@catalog_option
@table_output_options(parquet=False)
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

    rows = crossing_rows(_scores(ids, catalogs, tolerance_km, (), worldview=worldview))
    emit(render_table(rows, fmt, title="Border crossings", keep=("corridor", "number"), worldview=worldview), output)


COMMANDS = [list_cmd, show_cmd, score_cmd, compare_cmd, check_cmd, crossings_cmd]
