"""corridors: see, measure and compare the transit routes and pipelines linking South and Central Asia.

The public API, imported lazily so that ``import corridors`` stays cheap::

    from corridors import load_catalog, score
    scores = score(load_catalog().select(["tapi", "karakoram-highway"]))
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

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

__version__ = "0.1.0"

_LAZY = {
    "load_catalog": "catalog",
    "Catalog": "catalog",
    "Corridor": "catalog",
    "score": "scoring",
    "score_frame": "scoring",
    "split_by_country": "scoring",
    "narrowest_width": "scoring",
    "route_line": "alignment",
    "route_lines": "alignment",
    "plan": "planner",
    "sample_profiles": "terrain",
    "profile_metrics": "terrain",
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
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'corridors' has no attribute {name!r}")
