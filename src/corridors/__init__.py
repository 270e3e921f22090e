"""corridors: see, measure and compare the transit routes and pipelines linking South and Central Asia.

GeoDataFrames in and out::

    from corridors import load_catalog, score
    catalog = load_catalog()                       # the cited records in seeds/ (and your files)
    catalog.to_gdf()                               # one row per corridor, EPSG:4326
    scores = score(catalog.select(["tapi", "karakoram-highway"]))   # metrics + modeled geometry

Maps and figures live in :mod:`corridors.render`. Names are imported on first use, so
``import corridors`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from . import settings
from ._errors import (
    CatalogError,
    CorridorsError,
    DataError,
    GeometryError,
    OutputError,
    PlaceError,
    RoutingError,
    UnknownCorridorError,
)
from ._version import __version__

#: Public name → the module that defines it (imported on first access).
_LAZY = {
    "Catalog": "catalog",
    "Corridor": "catalog",
    "load_catalog": "catalog",
    "score": "scoring",
    "crossings_gdf": "scoring",
    "records_of": "scoring",
    "split_by_country": "scoring",
    "narrowest_width": "scoring",
    "profiles_gdf": "profile",
    "route": "routing",
    "plan": "planner",
}

__all__ = [
    "CatalogError",
    "CorridorsError",
    "DataError",
    "GeometryError",
    "OutputError",
    "PlaceError",
    "RoutingError",
    "UnknownCorridorError",
    "__version__",
    "settings",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this hook
        return value
    raise AttributeError(f"module 'corridors' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
