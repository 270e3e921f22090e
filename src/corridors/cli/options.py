"""Options shared by the commands, and the one place library errors become exit status 2."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from .. import settings
from ..io import TABLE_FORMATS

catalog_option = click.option(
    "--catalog",
    "catalogs",
    multiple=True,
    type=click.Path(),
    metavar="PATH",
    help="Add corridors from a YAML record, a folder of records, or a GeoJSON file of "
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
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Write to FILE (atomically) instead of standard output.",
)


def output_file_option(help: str, *, required: bool = True, metavar: str = "FILE"):
    """``-o/--output FILE`` for commands whose output is a file of a kind named by its suffix."""
    return click.option(
        "-o", "--output", required=required, type=click.Path(dir_okay=False), metavar=metavar, help=help
    )


tolerance_option = click.option(
    "--tolerance-km",
    type=click.FloatRange(min=0),
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
        except ValueError:
            raise click.BadParameter(f"{item!r} is not KEY=NUMBER", param_hint="--weight") from None
        if key.strip() not in settings.SCORE_WEIGHTS:
            raise click.BadParameter(
                f"{key.strip()!r} is not one of {', '.join(settings.SCORE_WEIGHTS)}", param_hint="--weight"
            )
    return out


def emit(text: str | bytes, output: str | None) -> None:
    """Print ``text`` or write it atomically to ``output``."""
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
