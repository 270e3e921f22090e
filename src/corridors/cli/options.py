"""Options shared by the commands, and the one place library errors become exit status 2."""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import settings
from ..io import TABLE_FORMATS


class FiniteFloat(click.FloatRange):
    """A float option that refuses NaN and ±Inf (which pass every comparison of a plain range)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number

    def _describe_range(self) -> str:
        """The range shown in ``--help``; nothing for an unbounded number (click would show ``x<=None``)."""
        return "" if self.min is None and self.max is None else super()._describe_range()


class OutputPath(click.Path):
    """An output file name (``-`` is standard output); an empty name is an error, not standard output."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not str(value).strip():
            self.fail("the output file name is empty; name a file, or '-' for standard output", param, ctx)
        return super().convert(value, param, ctx)


catalog_option = click.option(
    "--catalog",
    "catalogs",
    multiple=True,
    type=click.Path(),
    metavar="PATH",
    help="Add corridors from a YAML record, a folder of records, or a GeoJSON or GeoParquet file of "
    "LineStrings (repeatable). Shipped corridors stay available.",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(TABLE_FORMATS),
    default="table",
    show_default=True,
    help="Output format. Lengths are km on the WGS84 ellipsoid; diff_pct is (modeled - published) / published.",
)
output_option = click.option(
    "-o",
    "--output",
    type=OutputPath(),
    metavar="FILE",
    help="Write to FILE (atomically) instead of standard output.",
)

#: The table format that the suffix of ``-o FILE`` names, when ``--format`` is not given.
_SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown"}
#: Suffixes of GIS files, which `corridors export` writes; a table command refuses them.
_GIS_SUFFIXES = (".geojson", ".gpkg", ".kml", ".shp")


def table_output_options(*, parquet: bool = False) -> Callable[[Callable], Callable]:
    """``--format`` and ``-o FILE`` for a command that prints a table: without ``--format`` the format
    is the one FILE's suffix names (.csv, .json, .md; any other: the text table). With ``parquet``,
    the command writes FILE.parquet as GeoParquet itself; a GIS suffix (and .parquet without
    ``parquet``) is refused in one line, pointing to `corridors export`."""

    def decorate(f: Callable) -> Callable:
        @functools.wraps(f)
        def command(*args: Any, fmt: str | None, output: str | None, **kwargs: Any) -> Any:
            from .._errors import OutputError

            suffix = Path(output).suffix.lower() if output and output != "-" else ""
            if suffix in _GIS_SUFFIXES or (suffix == ".parquet" and not parquet):
                written = ".csv, .json, .md" + (", .parquet" if parquet else "")
                raise OutputError(
                    f"{output}: this command writes a table ({written} or text); GIS files come from 'corridors export'"
                )
            return f(*args, fmt=fmt or _SUFFIX_FORMATS.get(suffix, "table"), output=output, **kwargs)

        with_output = output_option(command)
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(TABLE_FORMATS),
            default=None,
            help="Output format; default: the one the suffix of -o FILE names (.csv, .json, .md), else table. "
            "Lengths are km on the WGS84 ellipsoid; diff_pct is (modeled - published) / published.",
        )(with_output)

    return decorate


def output_file_option(help: str, *, required: bool = True, metavar: str = "FILE"):
    """``-o/--output FILE`` for commands whose output is a file of a kind named by its suffix."""
    return click.option("-o", "--output", required=required, type=OutputPath(), metavar=metavar, help=help)


tolerance_option = click.option(
    "--tolerance-km",
    type=FiniteFloat(min=0, max=1000),
    default=settings.BORDER_TOLERANCE_KM,
    show_default=True,
    help="Excursions into a neighbour shorter than this (km) are boundary-hugging, not crossings; 0 counts all.",
)
weight_option = click.option(
    "--weight",
    "weights",
    multiple=True,
    metavar="KEY=VALUE",
    help="Composite-score weight (repeatable): length_per_100km, crossing, detour. Lower scores rank first. "
    f"Defaults: {', '.join(f'{k}={v:g}' for k, v in settings.SCORE_WEIGHTS.items())}.",
)


engine_option = click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: score in this process, in batches; dask: score the batches on a dask cluster "
    "(a local one, or --scheduler). Same results. dask needs pip install 'corridors[scale]'.",
)
scheduler_option = click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Address of a running dask scheduler (tcp://host:8786); implies --engine dask.",
)
workers_option = click.option(
    "--workers",
    "n_workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="Worker processes: of the local dask cluster, or of the local engine's CSV stream (default: one per CPU).",
)
chunk_option = click.option(
    "--chunk-routes",
    type=click.IntRange(min=1),
    metavar="N",
    help="Routes scored together in one batch (one dask partition); bounds memory "
    f"(default settings.SCORE_CHUNK_ROUTES = {settings.SCORE_CHUNK_ROUTES:,}).",
)
progress_option = click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on standard error (default: when it is a terminal).",
)


def engine_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--engine``, ``--scheduler``, ``--workers``, ``--chunk-routes`` and ``--progress``."""
    return common(engine_option, scheduler_option, workers_option, chunk_option, progress_option)(f)


class ProgressBar:
    """A rich progress bar on standard error, advanced by the routes of each scored batch.

    Shown when ``enabled`` is true, or (``None``) when standard error is a terminal. It redraws
    when advanced, from the calling thread: a refresh thread would keep scoring from forking its
    worker processes (`corridors._workers.can_fork`).
    """

    def __init__(self, total: int | None, enabled: bool | None, label: str = "scoring"):
        self.total = total
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.label = label
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
                auto_refresh=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def expect(self, routes: int) -> None:
        """Add ``routes`` to the total (a bar made without one gets it), as a streamed catalog counts its files."""
        self.total = (self.total or 0) + routes
        if self._bar is not None:
            self._bar.update(self._task, total=self.total)
            self._bar.refresh()  # shown now, not when the first batch is scored

    def __call__(self, done: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, done)
            self._bar.refresh()

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _check_worldview(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    from ..geodata import check_worldview

    return check_worldview(value)  # a ValidationError becomes one line and exit status 2


worldview_option = click.option(
    "--worldview",
    default="de-facto",
    show_default=True,
    metavar="VIEW",
    callback=_check_worldview,
    help="Whose map decides the country of contested ground: de-facto (who holds it), IND, PAK, CHN "
    "(their claims) or AFG (Durand Line crossings not recognised). Named in every output.",
)
exposure_option = click.option(
    "--exposure",
    "exposure",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="YAML or TOML file of exposure weights per country (ISO3), province (ISO 3166-2) or contested "
    "area (id); adds exposure_km (weighted km; the most specific weight wins). See "
    "examples/exposure-example.yaml.",
)
rank_by_option = click.option(
    "--rank-by",
    type=click.Choice(["score", "exposure"]),
    default="score",
    show_default=True,
    help="Rank by the composite score, or by exposure_km (needs --exposure).",
)


def parse_weights(values: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for item in values:
        key, sep, raw = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[key.strip()] = float(raw)
            if not math.isfinite(out[key.strip()]) or abs(out[key.strip()]) > 1e6:
                raise ValueError
        except ValueError:
            raise click.BadParameter(
                f"{item!r} is not KEY=NUMBER (a finite number up to 1e6)", param_hint="--weight"
            ) from None
        if key.strip() not in settings.SCORE_WEIGHTS:
            raise click.BadParameter(
                f"{key.strip()!r} is not one of {', '.join(settings.SCORE_WEIGHTS)}", param_hint="--weight"
            )
    return out


def emit(text: str | bytes, output: str | None) -> None:
    """Print ``text`` or write it to ``output`` (atomically; ``-``, a device or a FIFO as a stream)."""
    if output == "-":
        output = None
    if output:
        from ..io import atomic_write

        atomic_write(output, text)
        click.echo(f"wrote {output}", err=True)
    elif isinstance(text, bytes):
        sys.stdout.buffer.write(text)
        sys.stdout.flush()
    else:
        click.echo(text, nl=False)


def common(*decorators: Callable[..., Any]) -> Callable[..., Any]:
    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        for d in reversed(decorators):
            f = d(f)
        return f

    return wrap
