"""The ``corridors`` command: a thin layer over the public API.

Every subcommand lives in a module of this package; heavy libraries are imported inside the
commands so that ``corridors --help`` starts fast.
"""

from __future__ import annotations

import sys
import warnings

import click

from .._errors import CorridorsError

_HELP = """Measure, compare and map the corridors linking South Asia and Central Asia.

Every length is geodesic, in km on the WGS84 ellipsoid (pyproj). Country splits and border
crossings use Natural Earth 1:10m admin-0 (de facto boundaries); places come from the curated
seeds/places.yaml and GeoNames; elevation from NOAA GLOBE 30". Published figures are shown beside
modeled ones, each with its source. Everything runs offline from the shipped data.
"""


class _Group(click.Group):
    """Lists commands in the order they were added, and turns library errors into one line + exit 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CorridorsError as exc:
            click.echo(f"corridors: error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, help=_HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="corridors")
def cli() -> None:
    pass


#: Command modules of this package, each exporting ``COMMANDS``, in help order.
_COMMAND_MODULES = ("catalog_cmds", "network_cmds", "maps", "terrain_cmds")


def _register() -> None:
    from importlib import import_module

    for name in _COMMAND_MODULES:
        for command in import_module(f".{name}", __package__).COMMANDS:
            cli.add_command(command)


_register()


def _plain_warning(message, category, filename, lineno, line=None) -> str:
    return f"corridors: warning: {message}\n"


def main() -> None:
    """Console-script entry point; warnings print as one plain line."""
    warnings.formatwarning = _plain_warning
    sys.exit(cli.main(prog_name="corridors", standalone_mode=True))
