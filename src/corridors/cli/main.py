"""The ``corridors`` command: a thin layer over the public API.

Every subcommand lives in a module of this package; heavy libraries are imported inside the
commands so that ``corridors --help`` starts fast.
"""

from __future__ import annotations

import gc
import signal
import sys
import warnings
from typing import Any

import click

from .. import settings
from .._errors import CorridorsError
from ..io import request_stop, stop_requested, strip_terminal_controls, track_inputs, written_outputs

_HELP = """Measure, compare and map the corridors linking South Asia and Central Asia.

Every length is geodesic, in km on the WGS84 ellipsoid (pyproj). Country splits and border
crossings use Natural Earth 1:10m admin-0 (de facto boundaries); places come from the curated
seeds/places.yaml and GeoNames; elevation from NOAA GLOBE 30". Published figures are shown beside
modeled ones, each with its source. Everything runs offline from the shipped data.
"""


def error_line(message: object) -> str:
    """One line ``corridors: error: …``: terminal controls stripped, further lines joined."""
    text = " ".join(strip_terminal_controls(str(message)).split())
    return f"corridors: error: {text}"


class _Terminated(Exception):
    """Raised by the SIGTERM handler, so that ``finally`` blocks remove temporary files."""


def _on_sigterm(signum: int, frame: object) -> None:
    request_stop()  # no output is replaced from now on, even if Python swallows the exception below
    raise _Terminated()


def _terminated_line() -> str:
    written = written_outputs()
    if written:
        return error_line(f"terminated after writing {', '.join(written)}")
    return error_line("terminated; no output was changed")


class _Group(click.Group):
    """Lists commands in the order they were added; every error becomes one line + exit status 2.

    Library errors (`CorridorsError`), click's usage errors and running out of memory print one
    line ``corridors: error: …`` on standard error and exit 2; warnings (deprecated record spellings
    included) print as one line ``corridors: warning: …``; an interrupt (Ctrl-C, SIGTERM) exits
    130 or 143 after temporary files are removed. Outputs may not overwrite inputs of the same run.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def invoke(self, ctx: click.Context) -> Any:
        with track_inputs(), warnings.catch_warnings():
            warnings.showwarning = _show_warning
            # Python hides DeprecationWarning outside __main__; a record's deprecated spelling is news
            warnings.filterwarnings("default", category=DeprecationWarning, module=r"corridors(\.|$)")
            try:
                return super().invoke(ctx)
            except CorridorsError as exc:
                click.echo(error_line(exc), err=True)
                ctx.exit(2)

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:  # fmt: skip
        code: int = 0
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) and not isinstance(rv, bool) else 0
        except click.ClickException as exc:
            message = exc.format_message()
            ctx = getattr(exc, "ctx", None)
            if isinstance(exc, click.UsageError) and ctx is not None:
                message = f"{message.rstrip('.')}; see '{ctx.command_path} --help'"
            click.echo(error_line(message), err=True)
            code = 2 if isinstance(exc, click.UsageError) else exc.exit_code
        except (click.exceptions.Abort, KeyboardInterrupt):
            click.echo(error_line("interrupted; no output was changed"), err=True)
            code = 130
        except _Terminated:
            click.echo(_terminated_line(), err=True)
            code = 143
        except MemoryError:
            click.echo(
                error_line("out of memory; split the input into smaller files, or select fewer corridors"), err=True
            )
            code = 2
        except RecursionError:
            click.echo(error_line("input nested too deeply to process; simplify or split it"), err=True)
            code = 2
        if stop_requested() and code != 143:  # the handler's exception was swallowed; the run still ends
            if code == 0:
                click.echo(_terminated_line(), err=True)
            code = 143
        if not standalone_mode:
            return code
        sys.exit(code)


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


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a warning of a run as one plain line on standard error, terminal controls stripped."""
    click.echo(strip_terminal_controls(_plain_warning(message, category, filename, lineno)).rstrip("\n"), err=True)


def main() -> None:
    """Console-script entry point; warnings print as one plain line."""
    gc.set_threshold(settings.GC_YOUNG_OBJECTS, *gc.get_threshold()[1:])  # before the commands' imports
    warnings.formatwarning = _plain_warning
    signal.signal(signal.SIGTERM, _on_sigterm)  # unwind through finally blocks: temporary files go
    sys.exit(cli.main(prog_name="corridors", standalone_mode=True))
