"""corridors: see, measure and compare the transit routes and pipelines linking South and Central Asia.

GeoDataFrames in and out::

    from corridors import load_catalog, score
    catalog = load_catalog()                       # the cited records in seeds/ (and your files)
    catalog.to_gdf()                               # one row per corridor, EPSG:4326
    scores = score(catalog.select(["tapi", "karakoram-highway"]))   # metrics + modeled geometry

Maps and figures live in `corridors.render`. Names are imported on first use, so
``import corridors`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

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
    ValidationError,
)
from ._version import __version__

if TYPE_CHECKING:  # what the names below resolve to, for type checkers and the API docs
    from .catalog import Catalog, Corridor, load_catalog
    from .planner import plan
    from .profile import profiles_gdf
    from .routing import route
    from .scoring import crossings_gdf, narrowest_width, records_of, score, split_by_country

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
    "score_frame": "scoring",  # deprecated (0.2), removed in 0.3
    "plan": "planner",
}

__all__ = [
    "Catalog",
    "CatalogError",
    "Corridor",
    "CorridorsError",
    "DataError",
    "GeometryError",
    "OutputError",
    "PlaceError",
    "RoutingError",
    "UnknownCorridorError",
    "ValidationError",
    "__version__",
    "crossings_gdf",
    "load_catalog",
    "narrowest_width",
    "plan",
    "profiles_gdf",
    "records_of",
    "route",
    "score",
    "settings",
    "split_by_country",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this hook
        return value
    raise AttributeError(f"module 'corridors' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
