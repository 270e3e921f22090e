"""``corridors profile | plan``: elevation profiles and least-cost route planning."""

from __future__ import annotations

import click

from .. import settings
from ..io import strip_terminal_controls
from .options import (
    FiniteFloat,
    OutputPath,
    catalog_option,
    emit,
    format_option,
    output_file_option,
    tolerance_option,
    worldview_option,
)


@click.command("profile")
@click.argument("corridor_id", metavar="ID")
@catalog_option
@output_file_option("Write to FILE.png, FILE.svg or FILE.pdf (atomically).")
@click.option(
    "--spacing-km",
    type=FiniteFloat(min=0.05, max=1.0),
    default=1.0,
    show_default=True,
    help="Largest step between elevation samples along the route, km.",
)
@click.option("--dpi", type=click.IntRange(50, 600), default=200, show_default=True, help="Resolution of PNG output.")
@tolerance_option
@worldview_option
def profile_cmd(corridor_id, catalogs, output, spacing_km, dpi, tolerance_km, worldview):
    """Draw the elevation profile of corridor ID: elevation (m, NOAA GLOBE 30") against distance (km).

    Border crossings (as --worldview draws the borders) and named waypoints are marked, the highest
    point labelled with the nearest named place. The same input gives a byte-identical PNG, SVG or PDF.
    """
    from ..catalog import load_catalog
    from ..render.elevation import profile_figure
    from ..render.staticmap import figure_format, save_figure
    from ..scoring import score_records

    figure_format(output)  # fail on a bad suffix before the scoring work
    result = score_records(load_catalog(catalogs)[corridor_id], tolerance_km=tolerance_km, worldview=worldview)[0]
    save_figure(profile_figure(result, dpi=dpi, spacing_km=spacing_km), output)
    click.echo(f"wrote {output}", err=True)


class _Progress:
    """A rich progress bar on standard error while a plan runs (only when it is a terminal)."""

    def __enter__(self):
        import sys

        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(file=sys.stderr)
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self._bar.__enter__()
        self._task = self._bar.add_task("planning", total=1.0)
        return self

    def __call__(self, stage: str, fraction: float) -> None:
        self._bar.update(self._task, description=stage, completed=fraction)

    def __exit__(self, *exc):
        return self._bar.__exit__(*exc)


@click.command("plan")
@click.argument("origin", metavar="FROM")
@click.argument("destination", metavar="TO")
@click.option("--via", multiple=True, metavar="PLACE", help="Pass through PLACE on the way (repeatable, in order).")
@click.option(
    "--avoid",
    multiple=True,
    metavar="COUNTRY",
    help="Never enter COUNTRY (ISO3 code or English name; repeatable or comma-separated).",
)
@click.option(
    "--crossing-penalty",
    "crossing_penalty_km",
    type=FiniteFloat(min=0, max=settings.MAX_CROSSING_PENALTY_KM),
    default=None,
    metavar="KM",
    help="Cost of each border crossing, in km of flat route. Default: 100 for pipelines, 50 for roads.",
)
@click.option(
    "--max-grade",
    "max_grade_pct",
    type=FiniteFloat(min=0, max=100, min_open=True),
    default=None,
    metavar="PCT",
    help='Forbid moves steeper than PCT percent between neighbouring 30" cells. Default: none.',
)
@click.option(
    "--kind",
    type=click.Choice(["pipeline", "rail", "road"]),  # planner.KINDS, without importing it for --help
    default="pipeline",
    show_default=True,
    help="Cost model: pipelines mind side slope, roads mind along-route grade, railways a 3 % ruling grade.",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(["open", "closed", "seasonal"]),
    help="Cross borders only at border posts of seeds/places.yaml with this status (repeatable) that "
    "carry the --kind, within PLAN_POST_RADIUS_KM (5 km) of the post, e.g. --status open for a route a "
    "traveller can take; posts with no recorded status are not used. A note names the post of each "
    "crossing. Default: borders are crossed anywhere.",
)
@click.option(
    "-o",
    "--output",
    type=OutputPath(),
    metavar="CATALOG.yaml",
    help="Save the planned corridor into this user catalog (created, or its record replaced); use "
    "it later with --catalog.",
)
@click.option(
    "--compare",
    multiple=True,
    metavar="ID",
    help="List catalog corridor ID beside the plan, scored the same way (repeatable).",
)
@catalog_option
@format_option
@tolerance_option
@worldview_option
def plan_cmd(
    origin,
    destination,
    via,
    avoid,
    crossing_penalty_km,
    max_grade_pct,
    kind,
    statuses,
    output,
    compare,
    catalogs,
    fmt,
    tolerance_km,
    worldview,
):
    """Plan a least-cost route from FROM to TO over the DEM and print its metrics.

    FROM, TO and --via are place names or LON,LAT. The cost of each move between 30" cells is its
    length (km, WGS84) times a factor for terrain slope and along-route grade, plus a penalty at
    each border crossing; sea and --avoid countries are impassable (docs/methods/terrain.md). The
    search is bounded in time and memory and says why it stops. cost_km is the route's cost in
    km-equivalents; every other column is as in 'corridors compare'.
    """
    from ..catalog import load_catalog
    from ..io import to_json
    from ..planner import plan_route, save_record
    from ..scoring import score_records
    from ..tables import provenance_line, render_table, score_dict, summary_row

    with _Progress() as progress:
        result = plan_route(
            origin,
            destination,
            via=via,
            avoid=avoid,  # comma lists are resolved, and an empty name refused, by the planner
            crossing_penalty_km=crossing_penalty_km,
            max_grade_pct=max_grade_pct,
            kind=kind,
            progress=progress,
            status=statuses,
        )
    for note in result.notes:
        click.echo(f"corridors: note: {strip_terminal_controls(note)}", err=True)
    others = load_catalog(catalogs).select(compare) if compare else []
    scores = score_records([result.corridor, *others], tolerance_km=tolerance_km, worldview=worldview)
    if output:
        save_record(result.corridor, output)
        click.echo(f"saved {result.corridor.id} to {output}", err=True)
    cost = {0: round(result.cost_km, 1)}
    if fmt == "json":
        emit(to_json([{**score_dict(s), "cost_km": cost.get(i)} for i, s in enumerate(scores)]), None)
        return
    drop = ("published_km", "diff_pct", "published_source", "matches_sources")
    rows = [
        {"cost_km": cost.get(i), **{k: v for k, v in summary_row(s).items() if k not in drop}}
        for i, s in enumerate(scores)
    ]
    if fmt == "table":
        keep = (
            "id",
            "cost_km",
            "modeled_km",
            "countries",
            "crossings",
            "max_elevation_m",
            "highest_point",
            "ascent_m",
            "above_3000m_pct",
            "mean_grade_pct",
            "score",
        )
        rows = [{k: r.get(k) for k in keep} for r in rows]
    emit(render_table(rows, fmt, title=f"{result.corridor.name} · {provenance_line(worldview)}"), None)


COMMANDS = [profile_cmd, plan_cmd]
