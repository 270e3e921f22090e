"""The exception family of corridors.

Every error the library raises for bad input derives from `CorridorsError` and from the
built-in it specialises, so callers may catch either. Messages are one line that names the file,
the field and the offending value; the CLI prints them as they are and exits with status 2.
"""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "CorridorsError",
    "DataError",
    "GeometryError",
    "OutputError",
    "PlaceError",
    "RoutingError",
    "SettingsError",
    "UnknownCorridorError",
    "ValidationError",
]


class CorridorsError(Exception):
    """Base class of every error corridors raises on purpose."""


class CatalogError(CorridorsError, ValueError):
    """A corridor record or user route file is malformed."""


class UnknownCorridorError(CorridorsError, KeyError):
    """A corridor id is not in the catalog."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class PlaceError(CorridorsError, LookupError):
    """A place name is not in the gazetteer."""


class GeometryError(CorridorsError, ValueError):
    """A geometry is empty, of the wrong type or outside the covered region."""


class DataError(CorridorsError, OSError):
    """A shipped reference layer is missing or unreadable."""


class OutputError(CorridorsError, OSError):
    """An output file cannot be written."""


class RoutingError(CorridorsError, ValueError):
    """No route satisfies the request (unreachable target, forbidden endpoints, bad parameters)."""


class SettingsError(CorridorsError, ValueError):
    """A setting or its environment variable holds an unusable value."""


class ValidationError(CorridorsError, ValueError):
    """An option or an input file (worldview, exposure weights) has a bad value."""
