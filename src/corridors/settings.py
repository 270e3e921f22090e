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
    "BOUNDARY_PIECE_VERTICES",
    "COORD_DECIMALS",
    "DENSIFY_KM",
    "ELLIPSOID",
    "GC_YOUNG_OBJECTS",
    "HIGH_ELEVATION_M",
    "LCP_BETWEEN_MAX_EXCESS",
    "LCP_BUFFER_KM",
    "LCP_COARSE_FACTOR",
    "LCP_DIRECT_MAX_CELLS",
    "LCP_END_RADIUS_KM",
    "LCP_EXPLORE_MIN_GAIN",
    "LCP_GRAPH_BAND_CELLS",
    "LCP_MAX_EXPLORATIONS",
    "LCP_MAX_WIDENINGS",
    "LCP_MIN_MARGIN_KM",
    "LCP_SAMPLE_MAX_EXCESS",
    "LCP_SAMPLE_STEP",
    "MAX_CROSSING_PENALTY_KM",
    "MAX_FEATURES",
    "MAX_FIGURE_CORRIDORS",
    "MAX_INPUT_BYTES",
    "MAX_NESTING_DEPTH",
    "MAX_NUMBER_DIGITS",
    "MAX_OSM_BYTES",
    "MAX_OSM_ELEMENT_BYTES",
    "MAX_REPORT_CORRIDORS",
    "MAX_ROUTES_K",
    "MAX_TEXT_CHARS",
    "MAX_VERTICES",
    "MAX_YAML_ALIASES",
    "MAX_YAML_NODES",
    "NAMED_CROSSING_RADIUS_KM",
    "NEAREST_BRUTE_FORCE_PAIRS",
    "NEAREST_PLACE_BOX_DEG",
    "NETWORK_SNAP_KM",
    "OSM_BUFFER_KM",
    "OSM_SNAP_KM",
    "OSM_STREAM_MIN_BYTES",
    "PLAN_POST_RADIUS_KM",
    "PROFILE_FLOOR_KM",
    "PROFILE_SMOOTH_KM",
    "PROFILE_SPACING_KM",
    "REGION_BOUNDS",
    "SCORE_CHUNK_ROUTES",
    "SCORE_PROCESSES",
    "SCORE_WEIGHTS",
    "TERRAIN_PARALLEL_MIN_CELLS",
    "TERRAIN_PROCESSES",
    "YEN_FIRST_LIMIT",
    "YEN_LIMIT_GROWTH",
    "cache_dir",
    "geodata_dir",
    "limit",
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

#: Vertices per piece of the boundary lines in their nearest-line index (`geodata.Boundaries`):
#: a nearest search over the 82 whole lines (up to 585 vertices each) measures long lines; over
#: pieces of 8 vertices, the nearest line of 28,163 points (20,000 near the lines, and every vertex)
#: took 0.09 s instead of 0.51 s, with the same rows and distances (pieces of 4: the same time; 32: 0.16 s).
BOUNDARY_PIECE_VERTICES = 8

#: The place nearest a route's highest point is sought among the places in a box around it, sized
#: by the nearest place in plain lon/lat; a point further than this from that place, degrees, is
#: compared with every place instead (`corridors.distance.nearest`): its box would hold too many.
#: In the region a 1° box holds about 20 of the ~4,100 places.
NEAREST_PLACE_BOX_DEG = 1.0

#: Routes scored together in one batch (split, crossings, names, terrain), routes. Every array of a
#: batch is proportional to it, so peak memory is bounded by it, not by the input: 1,000 routes of
#: ~600 km sampled every km hold ~0.6 M profile samples. Measured on 10,000 routes in one process:
#: batches of 2,000 peak at 0.35 GB, of 5,000 at 0.64 GB, one batch at 1.07 GB, and are no slower
#: (the arrays stay nearer the CPU caches); with two worker processes (``SCORE_PROCESSES``), the
#: command and its workers peak at 0.63 GB (PSS) with batches of 1,000 and 0.82 GB with 2,000, for
#: the same CPU time. The dask engine makes one partition per batch.
SCORE_CHUNK_ROUTES = 1_000

#: Worker processes of the streaming scorer (`corridors.tables.write_score_csv`, ``corridors score
#: --format csv``); 0 means one per CPU this process may use. Processes, forked once the layers are
#: loaded, not threads: with two scoring threads sharing the GEOS objects, 1 to 7 runs in 20 of
#: ``corridors score`` on 10,000 routes died of heap corruption (glibc "unaligned tcache chunk"),
#: even with every shared GEOS index built first. ``--workers`` sets it per run.
SCORE_PROCESSES = 0

#: New container objects before Python's youngest-generation garbage collection in the ``corridors``
#: command and its worker processes (Python's default: 700), objects. A command builds records, not
#: reference cycles, and each collection reaches the older generations and their import-time objects
#: sooner; at 50,000, ``corridors score`` took 0.93–0.94× the CPU time on 10,000 routes and
#: 0.90–0.95× on 20 (medians of two sets of 5–7 alternating runs; as fast as with the collector off),
#: for at most a few MB of cyclic garbage waiting longer.
GC_YOUNG_OBJECTS = 50_000

# ------------------------------------------------------------------------------------ terrain

#: Largest spacing between elevation-profile samples along a route, km. The GLOBE DEM has ~0.9 km
#: cells, so 1 km samples every cell once on average.
PROFILE_SPACING_KM = 1.0

#: Road profiles (ascent, descent, grades, highest point) follow the valley floor: the lowest
#: sample within this distance either side, km. A 30" cell in a gorge averages the road with the
#: walls above it; one cell either side is the profile's version of the cost model's 3 × 3 floor.
PROFILE_FLOOR_KM = 1.0

#: Half-width of the moving mean that then smooths a road profile, km (each side; an 8 km window
#: at ~1 km samples). Measured on the Karakoram Highway (docs/methods/terrain.md): raw samples give
#: 38,958 m of ascent and 49 % grades; floor plus ±4 km gives ~8,200 m and a highest point within
#: 150 m of the Khunjerab Pass. Climbs shorter than about the window are not resolved.
PROFILE_SMOOTH_KM = 4.0

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

#: How many times the band (or the direct window's margin) may double before the search stops; the
#: coarse-to-fine corridor may also grow this many times round a path touching its edge. (Herat ->
#: Kashgar by road with a grade limit of 8 % found no path within 25-100 km of its seeds, and its
#: first path, within 200 km, touched the edge at 8.3 % above the optimum, which following it reached.)
LCP_MAX_WIDENINGS = 3

#: How many times the coarse-to-fine search may add a coarse path found after re-pricing the blocks
#: its fine path crosses at their measured cost (see `corridors._lcp`). Each round costs one coarse
#: search and one fine search; 4 rounds is more than any of the benchmark's pairs needs.
LCP_MAX_EXPLORATIONS = 4

#: A coarse path outside the corridor joins it when, re-priced, it looks at least this share cheaper
#: than the fine path found: the planner's optimality target, 1 %. (A margin the other way, exploring
#: routes that look as cheap, was tried: Galkynysh -> Fazilka then explored four near-copies of its
#: own corridor, and Gwadar -> Kashgar by pipeline still missed its optimum, which every coarse grid
#: rates 3-7 % dearer than the route it finds; see docs/methods/terrain.md.)
LCP_EXPLORE_MIN_GAIN = 0.01

#: The coarse-to-fine search also seeds its corridor with a search over every this many cells of the
#: grid (`corridors._lcp`), which keeps the terrain's grades where the coarse grids average them:
#: 3 found the road Kashgar -> Delhi by the Wakhan (16.9 % above the optimum without it) in 0.8 s over
#: the whole region; every 4th cell missed it, every 2nd took 2.3 s.
LCP_SAMPLE_STEP = 3

#: The search over every `LCP_SAMPLE_STEP`-th cell runs where the guide (the coarse grid of cheapest
#: moves) rates a path at most this share dearer than its best: it rated the road Kashgar -> Delhi by
#: the Wakhan 18 % dearer. 50 % keeps 28-55 % of the grid on three long pairs and the same sampled paths
#: as the whole grid, in 0.14-0.35 s rather than 0.6-0.8 s.
LCP_SAMPLE_MAX_EXCESS = 0.5

#: The coarse-to-fine search's corridor holds every coarse block within this distance of either end,
#: km (`corridors._lcp`): near its ends a route must find its way into a valley that the coarse grids
#: see as a block or two. Every road from the west into Khorugh came out 138.5 km-eq. dear (4.4-7.6 %)
#: over a ridge rather than up the Panj, 50-100 km from the seeds; 100 km fixed those, 150 km also
#: Kerman -> Dushanbe (0.75 %) and Kerman -> Kashgar (0.45 %); 250 km fixed one more 0.08 % for up to
#: 1.5x the time. ~95,000 cells per end, against ~1 million in a long corridor.
LCP_END_RADIUS_KM = 150.0

#: The coarse-to-fine search also refines inside the area its seed paths enclose, where the guide
#: rates a path through a block at most this share dearer than its own best (`corridors._lcp`).
#: Where the seeds disagree they misjudge mountains: the optimum Gwadar -> Kashgar by pipeline runs
#: between them up the Wakhan, through blocks the guide rates up to 4.0 % dearer than its best.
#: 2.5 times that. Without this step the plan came 1.55 % above the optimum (0.49 % with the
#: sampled seed below; the road 0.14 %); with it both are at the optimum.
LCP_BETWEEN_MAX_EXCESS = 0.10

#: With ``plan --status``, a route crosses a border only within this distance of a border post of an
#: allowed status, km. Posts keep their published position while the Natural Earth 1:10m line can
#: lie a few km off the real boundary (the 30" grid adds 0.9 km), so 5 km reaches the line at every
#: post of seeds/places.yaml while keeping a crossing at its post rather than in the next valley.
PLAN_POST_RADIUS_KM = 5.0

#: Smallest margin around the endpoints of a directly solved window, km.
LCP_MIN_MARGIN_KM = 20.0

#: Cells per band when the least-cost search writes its graph (`corridors._lcp`), about 100 bytes each
#: while a band is priced: 32,768 cells keep a band's arrays (~3 MB) in the processor's cache, about
#: 1.3x faster than bands of 262,144 on a 700 × 700-cell window; smaller bands gained nothing more.
LCP_GRAPH_BAND_CELLS = 32_768

#: Worker processes that search the legs of terrain alignments (`corridors.costs.terrain_alignments`),
#: at most; fewer when fewer cores or legs. Each holds one search, up to ~0.3 GB for the largest
#: direct window (`LCP_DIRECT_MAX_CELLS`), so 4 stay within ~1.2 GB. Forked processes, as for
#: scoring (`SCORE_PROCESSES`), not threads. 1 searches in this process.
TERRAIN_PROCESSES = 4

#: Terrain legs are searched in worker processes only when their search windows hold at least this
#: many cells in all (about 0.3 s of work on one core): starting the pool costs ~30 ms, as much
#: as ~100,000 cells of search.
TERRAIN_PARALLEL_MIN_CELLS = 1_000_000

# ---------------------------------------------------------------------------- network and OSM

#: Places closer than this, km (geodesic), merge into one network node unless a record passes
#: through both (a port and its town stay apart). 10 km joins a border post to its town.
NETWORK_SNAP_KM = 10.0

#: A route's origin, destination or via place may lie at most this far from a network node, km.
ACCESS_KM = 50.0

#: A corridor waypoint (or, routing on an extract, a place) may lie at most this far from an OSM
#: node of its kind, km; farther, the OSM data do not cover it.
OSM_SNAP_KM = 5.0

#: OSM XML files (``.osm``, ``.osm.gz``, ``.osm.bz2``) of at least this size, bytes, are read by the
#: streaming reader (pyosmium, two passes, the graph built from arrays) rather than
#: ``osmnx.graph_from_xml``, which holds the whole parsed file and its unsimplified graph (about
#: 6 kB per OSM node: a 1 GB extract would need over 20 GB). Below it both give the same graph
#: and osmnx keeps OSMnx's exact attribute order; ``.osm.pbf`` is always streamed.
OSM_STREAM_MIN_BYTES = 50_000_000

#: Half-width of the band around a corridor that ``fetch_osm`` downloads, km.
OSM_BUFFER_KM = 5.0

#: Routes closer than this, km, run along the same corridor (capped at 5 % of the shortest route).
ALTERNATIVE_SEPARATION_KM = 25.0

#: An alternative route must run at least this share of its length apart from every route chosen
#: before it, so that "alternatives" are not the same road with a detour of a few km.
ALTERNATIVE_MIN_SHARE = 0.05

#: First distance limit of each spur search of the k-shortest-paths search (``graph_search.Router``),
#: as a share of the shortest path's length: the search runs on reduced costs, where a spur's
#: distance is its detour over the shortest path, so most spurs end within a few percent. The limit
#: grows by `YEN_LIMIT_GROWTH` until the target is reached (past 4× the shortest length it is lifted).
#: Changes only the speed, never the paths; 0.02 measured fastest on a 33,000-node street grid.
YEN_FIRST_LIMIT = 0.02

#: Factor by which the spur searches' distance limit grows, see `YEN_FIRST_LIMIT`.
YEN_LIMIT_GROWTH = 4.0

# ------------------------------------------------------------------------------------ outputs

#: Decimal places kept in GeoJSON and KML coordinates (1e-6° ≈ 0.1 m, far below the data's accuracy).
COORD_DECIMALS = 6

# ------------------------------------------------------------------------------------- limits
# Each limit refuses absurd input with one clear line instead of exhausting memory or time. The
# defaults leave room for legitimate large work (a million routes, a country-sized OSM extract);
# `limit` reads them, and the environment variable ``CORRIDORS_<NAME>`` (for example
# ``CORRIDORS_MAX_INPUT_BYTES=8000000000``) or an assignment in a notebook overrides any of them.

#: Largest catalog file (YAML or GeoJSON) read, bytes (2 GiB). A million GeoJSON routes of a
#: hundred vertices take about 1.5 GB; the parsed data take several times the file in memory.
MAX_INPUT_BYTES = 2 * 1024**3

#: Most features (GeoJSON features, YAML records) in one catalog file. A million routes pass.
MAX_FEATURES = 5_000_000

#: Most vertices of all the routes of one catalog file (200 per route for a million routes).
MAX_VERTICES = 200_000_000

#: Deepest nesting of lists and mappings in a YAML or JSON file. Records and GeoJSON need fewer
#: than 10 levels; the limit stops ``RecursionError`` (and a C stack overflow in libyaml's
#: composer) on hostile files nested 100,000 deep.
MAX_NESTING_DEPTH = 64

#: Most alias references (``*name``) in one YAML file. Records rarely use any.
MAX_YAML_ALIASES = 10_000

#: Most nodes of a YAML document with every alias expanded (as printing or JSON output would
#: expand it). A 1 KB "billion laughs" file with anchors nested 9 × 9 expands to 9⁹ ≈ 387 million
#: nodes and is refused after a few milliseconds; a million small records hold about 30 million.
MAX_YAML_NODES = 50_000_000

#: Most digits of an integer in a record or GeoJSON property (a float holds 15 to 17 significant
#: digits; longer numbers are typing errors or attacks on ``int`` parsing).
MAX_NUMBER_DIGITS = 30

#: Longest single text (a name, id, kind, status, note, any property or key) in a record or user
#: route file, characters. The longest text of the shipped records is a 770-character source note
#: (seeds/places.yaml), and OSM caps tag values at 255; a value a hundred times longer is no name or
#: note but pasted data, and would be copied into every CSV cell, HTML popup and JSON field it reaches.
MAX_TEXT_CHARS = 100_000

#: Largest OSM XML read, bytes after decompressing ``.gz``/``.bz2`` (64 GiB). Pakistan's whole
#: OSM extract is about 25 GB as XML; a 1 KB bzip2 bomb stops at this budget or at the next limit.
MAX_OSM_BYTES = 64 * 1024**3

#: Longest single XML element (from one ``<`` to the next) in an OSM file, bytes. OSM caps tag
#: values at 255 characters, so real elements stay under a few KB; expat is quadratic in the
#: length of one attribute, and a 1 GiB attribute would hang the parser for hours.
MAX_OSM_ELEMENT_BYTES = 1024**2

#: Most routes ``route -k`` asks for (Yen's k shortest paths costs k shortest-path searches).
MAX_ROUTES_K = 1000

#: Most corridors in one report: a report draws a figure per corridor (about 0.5 s each), so 200
#: take minutes already; more belong in ``compare`` (a table) and ``map`` (one layer each).
MAX_REPORT_CORRIDORS = 200

#: Most corridors in one static figure: each gets a label placed among the others (adjustText),
#: 60 took about 10 s and 200 about 90 s of CPU here; more are unreadable on a page anyway
#: (``map`` draws any number as layers).
MAX_FIGURE_CORRIDORS = 100


def limit(name: str) -> int:
    """The limit ``name`` (such as ``"MAX_INPUT_BYTES"``): ``$CORRIDORS_<name>`` when set, else the setting.

    >>> limit("MAX_NESTING_DEPTH")
    64
    """
    from ._errors import SettingsError

    default = globals()[name]
    raw = os.environ.get(f"CORRIDORS_{name}")
    if raw is None:
        return int(default)
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = -1
    if value < 1:
        raise SettingsError(f"CORRIDORS_{name}: {raw!r} is not a positive whole number")
    return value


_ROOT = Path(__file__).resolve().parent


def _env_folder(env: str) -> Path | None:
    """The folder named by environment variable ``env``; an empty value is an error, not "here"."""
    if env not in os.environ:
        return None
    if not os.environ[env].strip():
        from ._errors import SettingsError

        raise SettingsError(f"{env} is set but empty; unset it or name a folder")
    return Path(os.environ[env])


def _data_folder(env: str, name: str) -> Path:
    folder = _env_folder(env)
    if folder is not None:
        return folder
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
    folder = _env_folder("CORRIDORS_CACHE")
    if folder is not None:
        return folder
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "corridors"


#: A crossing takes the class of the nearest Natural Earth boundary line within this distance
#: (degrees, ~5 km): farther, the crossing is on a line only a worldview's claim draws.
BOUNDARY_CLASS_DISTANCE_DEG: float = 0.05
