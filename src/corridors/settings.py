"""Every tuning constant of corridors, with its unit and the reason for its value.

Values are read at call time, so a notebook may change one (``corridors.settings.DENSIFY_KM = 5``)
and the next call uses it; most also have a keyword argument on the public function that uses it.
The data and cache folders may be moved with environment variables.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "ACCESS_KM",
    "ALTERNATIVE_MIN_SHARE",
    "ALTERNATIVE_SEPARATION_KM",
    "BORDER_TOLERANCE_KM",
    "COORD_DECIMALS",
    "DENSIFY_KM",
    "ELLIPSOID",
    "HIGH_ELEVATION_M",
    "LCP_BUFFER_KM",
    "LCP_COARSE_FACTOR",
    "LCP_DIRECT_MAX_CELLS",
    "LCP_MAX_WIDENINGS",
    "LCP_MIN_MARGIN_KM",
    "MAX_CROSSING_PENALTY_KM",
    "NAMED_CROSSING_RADIUS_KM",
    "NEAREST_BRUTE_FORCE_PAIRS",
    "NETWORK_SNAP_KM",
    "OSM_BUFFER_KM",
    "OSM_SNAP_KM",
    "PROFILE_SPACING_KM",
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

# ------------------------------------------------------------------------------------ scoring

#: A modeled crossing is named after the nearest curated border post, pass or bridge when that lies
#: within this distance, km. 40 km covers the offset between a 1:10m boundary and the real post
#: in the mountains (Khunjerab 3 km, Fazilka–Sadqi 11 km) without naming a post on another road.
NAMED_CROSSING_RADIUS_KM = 40.0

#: Nearest-neighbour searches with up to this many point × candidate pairs use one matrix product;
#: larger ones build a KD-tree. Below it the product is faster than importing scipy.spatial
#: (0.4 s) and building the tree; memory stays under 16 MB.
NEAREST_BRUTE_FORCE_PAIRS = 2_000_000

# ------------------------------------------------------------------------------------ terrain

#: Largest spacing between elevation-profile samples along a route, km. The GLOBE DEM has ~0.9 km
#: cells, so 1 km samples every cell once on average.
PROFILE_SPACING_KM = 1.0

#: Profiles report the share of the length above this elevation, m (where altitude sickness and
#: winter closures begin to matter for road traffic).
HIGH_ELEVATION_M = 3000.0

#: Largest crossing penalty the planner accepts, km of flat route: longer than any route across
#: the region, so larger values change nothing but can overflow the search.
MAX_CROSSING_PENALTY_KM = 5000.0

#: Largest window, in DEM cells, that the least-cost search solves directly at full resolution
#: (about 1,400 × 1,400 km²; ~0.4 GB peak). Larger searches go coarse-to-fine.
LCP_DIRECT_MAX_CELLS = 2_000_000

#: Block size, in cells, of the coarse grid of the coarse-to-fine search (8 × 0.93 km): coarse
#: enough to solve the whole region in a second, fine enough to find the right valley.
LCP_COARSE_FACTOR = 8

#: Half-width of the full-resolution band searched around the coarse path, km.
LCP_BUFFER_KM = 25.0

#: How many times the band (or the direct window's margin) may double before the search stops.
LCP_MAX_WIDENINGS = 3

#: Smallest margin around the endpoints of a directly solved window, km.
LCP_MIN_MARGIN_KM = 20.0

# ---------------------------------------------------------------------------- network and OSM

#: Places closer than this, km (geodesic), merge into one network node unless a record passes
#: through both (a port and its town stay apart). 10 km joins a border post to its town.
NETWORK_SNAP_KM = 10.0

#: A route's origin, destination or via place may lie at most this far from a network node, km.
ACCESS_KM = 50.0

#: A corridor waypoint (or, routing on an extract, a place) may lie at most this far from an OSM
#: node of its kind, km; farther, the OSM data do not cover it.
OSM_SNAP_KM = 5.0

#: Half-width of the band around a corridor that ``fetch_osm`` downloads, km.
OSM_BUFFER_KM = 5.0

#: Routes closer than this, km, run along the same corridor (capped at 5 % of the shortest route).
ALTERNATIVE_SEPARATION_KM = 25.0

#: An alternative route must run at least this share of its length apart from every route chosen
#: before it, so that "alternatives" are not the same road with a detour of a few km.
ALTERNATIVE_MIN_SHARE = 0.05

# ------------------------------------------------------------------------------------ outputs

#: Decimal places kept in GeoJSON and KML coordinates (1e-6° ≈ 0.1 m, far below the data's accuracy).
COORD_DECIMALS = 6

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


#: A crossing takes the class of the nearest Natural Earth boundary line within this distance
#: (degrees, ~5 km): farther, the crossing is on a line only a worldview's claim draws.
BOUNDARY_CLASS_DISTANCE_DEG: float = 0.05
