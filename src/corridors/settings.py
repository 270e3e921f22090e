"""Documented defaults, read at call time.

Each value may be overridden per call through the matching keyword argument of the public
functions; the data folders may also be moved with environment variables.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "BORDER_TOLERANCE_KM",
    "DENSIFY_KM",
    "ELLIPSOID",
    "REGION_BOUNDS",
    "SCORE_WEIGHTS",
    "cache_dir",
    "geodata_dir",
    "seeds_dir",
]

#: Study region covered by the shipped layers: (west_lon, south_lat, east_lon, north_lat), degrees.
REGION_BOUNDS: tuple[float, float, float, float] = (44.0, 22.0, 82.0, 45.0)

#: Ellipsoid used for every length (pyproj ``Geod``).
ELLIPSOID = "WGS84"

#: Largest spacing between vertices of a modeled route, km. Routes follow the geodesic between
#: waypoints and are densified to this spacing so that maps draw the true arc: over 20 km the
#: straight lon/lat chord strays at most 9 m from the geodesic in this region (measured with
#: pyproj ``Geod.npts``), far below the accuracy of 1:10m boundaries and a map pixel at zoom 12.
DENSIFY_KM = 20.0

#: Excursions into a neighbouring country shorter than this, km, are boundary-hugging stretches
#: (artefacts of 1:10m generalisation along a border-following road or river), not crossings.
#: Zero restores the raw count.
BORDER_TOLERANCE_KM = 3.0

#: Weights of the composite score (lower is better): per 100 km of modeled length, per border
#: crossing, and per unit of detour (1 - straightness).
SCORE_WEIGHTS: dict[str, float] = {"length_per_100km": 1.0, "crossing": 2.0, "detour": 5.0}

_ROOT = Path(__file__).resolve().parent


def _data_folder(env: str, name: str) -> Path:
    if env in os.environ:
        return Path(os.environ[env])
    packaged = _ROOT / "_data" / name
    if packaged.is_dir():
        return packaged
    return _ROOT.parent.parent / name


def geodata_dir() -> Path:
    """Folder of the shipped reference layers (``CORRIDORS_GEODATA`` overrides)."""
    return _data_folder("CORRIDORS_GEODATA", "geodata")


def seeds_dir() -> Path:
    """Folder of the authored corridor records (``CORRIDORS_SEEDS`` overrides)."""
    return _data_folder("CORRIDORS_SEEDS", "seeds")


def cache_dir() -> Path:
    """Folder for downloaded assets and OSM responses (``CORRIDORS_CACHE`` overrides)."""
    if "CORRIDORS_CACHE" in os.environ:
        return Path(os.environ["CORRIDORS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "corridors"
