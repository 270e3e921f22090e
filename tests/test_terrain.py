"""Terrain: DEM sampling, profiles and their metrics, cost model, terrain alignment, ``corridors profile``."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from corridors import _lcp, costs, dem, distance, gazetteer, profile, settings
from corridors._errors import GeometryError, RoutingError
from corridors.catalog import load_catalog
from corridors.cli.main import cli
from corridors.scoring import score_records as score


@pytest.fixture(scope="module", autouse=True)
def _own_cache(tmp_path_factory):
    """A fresh cache folder, so the tests also exercise the DEM copy and the alignment cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CORRIDORS_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


def _rasterio_cells(lon: float, lat: float) -> tuple[int, np.ndarray]:
    """Independent read with rasterio: the cell containing the point, and the 3 x 3 cells around it."""
    import rasterio
    from rasterio.windows import Window

    from corridors.geodata import elevation_path

    with rasterio.open(elevation_path()) as ds:
        value = int(next(ds.sample([(lon, lat)]))[0])
        row, col = ds.index(lon, lat)
        around = ds.read(1, window=Window(col - 1, row - 1, 3, 3))
    return value, around


@pytest.mark.parametrize(
    ("lon", "lat", "cell_m"),
    [(75.428, 36.850, 4692), (67.0, 30.183, 1675), (69.17, 34.53, 1806)],
    ids=["Khunjerab Pass", "Quetta", "Kabul"],  # corridor-facts.md positions
)
def test_dem_matches_an_independent_read(lon, lat, cell_m):
    p = gazetteer.Place("point", lon, lat, "test", "", "")
    value, around = _rasterio_cells(p.lon, p.lat)
    assert value == cell_m  # GLOBE: Khunjerab ~4,700 m, Quetta ~1,675 m, Kabul ~1,806 m
    grid = dem.dem()
    rows, cols = grid.rowcol(np.array([p.lon]), np.array([p.lat]))
    assert grid.elevation_m[rows[0], cols[0]] == cell_m
    # At the cell centre the interpolated value is the cell's; at the place it lies between its neighbours.
    lon_c, lat_c = grid.lonlat(rows, cols)
    assert dem.sample_elevation(lon_c, lat_c)[0] == pytest.approx(cell_m, abs=1e-6)
    z = dem.sample_elevation(np.array([p.lon]), np.array([p.lat]))[0]
    assert around.min() <= z <= around.max()


def test_sampling_off_the_grid_is_nan():
    z = dem.sample_elevation(np.array([43.5, 60.0]), np.array([30.0, 45.5]))
    assert np.isnan(z).all()


def test_profile_samples_are_at_most_1_km_apart_and_keep_the_ends():
    line = shapely.LineString([(66.0, 30.0), (67.0, 30.183), (67.0, 30.6)])
    prof = profile.sample_profiles([line])
    from corridors.distance import geod

    length_km = geod().geometry_length(line) / 1000.0
    steps = np.diff(prof.distance_km)
    assert steps.max() <= 1.0 + 1e-9 and np.allclose(steps, steps[0])
    assert prof.distance_km[-1] == pytest.approx(length_km)
    assert (prof.lon[0], prof.lat[0]) == (66.0, 30.0) and (prof.lon[-1], prof.lat[-1]) == (67.0, 30.6)
    # Each sample lies on the route: its distance from the start along the route matches.
    _, _, d = geod().inv(np.full(3, 66.0), np.full(3, 30.0), prof.lon[[10, 50, 90]], prof.lat[[10, 50, 90]])
    assert np.allclose(d / 1000.0, prof.distance_km[[10, 50, 90]], rtol=1e-3)


def test_profile_samples_lie_within_10_m_of_the_geodesic():
    """Samples are interpolated between vertices densified every ``DENSIFY_KM``, not placed by ``Geod.fwd``.

    Reference: each sample's point on the geodesic at the same distance along its segment, placed
    by pyproj ``Geod.fwd`` from the segment's start. 10 m is about 1 % of a 30" DEM cell.
    """
    from corridors.distance import geod

    line = shapely.LineString([(61.0, 36.5), (67.5, 35.8), (73.9, 38.9)])  # two ~600 km segments, northern edge
    prof = profile.sample_profiles([line])
    (x0, y0), (x1, y1), (x2, y2) = shapely.get_coordinates(line)
    az1, _, d1 = geod().inv(x0, y0, x1, y1)
    az2, _, _ = geod().inv(x1, y1, x2, y2)
    along_m = prof.distance_km * 1000.0
    first = along_m <= d1
    lon, lat, _ = geod().fwd(
        np.where(first, x0, x1),
        np.where(first, y0, y1),
        np.where(first, az1, az2),
        np.where(first, along_m, along_m - d1),
    )
    _, _, off_m = geod().inv(lon, lat, prof.lon, prof.lat)
    assert len(prof.lon) > 1200 and off_m.max() < 10.0
    assert np.median(off_m) > 1.0  # interpolated (a chord, not the geodesic), so the check can fail


def _ramp_dem() -> dem.DEM:
    """Synthetic 100 x 400 grid at 30" from (60°E, 31°N): 3,000 m at column 200, +20 m per column east."""
    cols = np.arange(400)
    z = np.broadcast_to(3000 + 20 * (cols - 200), (100, 400)).astype(np.int16)
    return dem.DEM(z, 60.0, 31.0, 1 / 120, "synthetic")


def test_profile_metrics_on_a_ramp_are_known_by_hand():
    grid = _ramp_dem()
    lat = 31.0 - 50.5 / 120
    lon0, lon1 = 60.0 + 10.5 / 120, 60.0 + 390.5 / 120  # cell centres of columns 10 and 390
    prof = profile.sample_profiles([shapely.LineString([(lon0, lat), (lon1, lat)])], grid=grid)
    m = profile.profile_metrics(prof, half_window_km=0, floor_km=0)
    assert m.min_elevation_m[0] == pytest.approx(3000 - 20 * 190)
    assert m.max_elevation_m[0] == pytest.approx(3000 + 20 * 190)
    assert m.ascent_m[0] == pytest.approx(20 * 380, rel=1e-6) and m.descent_m[0] == pytest.approx(0, abs=1e-6)
    assert m.above_high_pct[0] == pytest.approx(50.0, abs=0.2)
    cell_km = 2 * np.pi * 6378.137 / 360 / 120 * np.cos(np.radians(lat))  # width of a column, km (sphere)
    grade_pct = 20 / (cell_km * 1000) * 100  # about 2.5 %
    assert m.mean_grade_pct[0] == pytest.approx(grade_pct, rel=5e-3)
    assert m.max_grade_pct[0] == pytest.approx(grade_pct, rel=5e-3)
    assert m.highest_lon[0] == pytest.approx(lon1)


def test_smoothing_keeps_a_ramp_and_flattens_a_gorge():
    grid = _ramp_dem()
    lat = 31.0 - 50.5 / 120
    lon0, lon1 = 60.0 + 10.5 / 120, 60.0 + 390.5 / 120
    prof = profile.sample_profiles([shapely.LineString([(lon0, lat), (lon1, lat)])], grid=grid)
    raw = profile.profile_metrics(prof, half_window_km=0, floor_km=0)
    smooth = profile.profile_metrics(prof)
    assert smooth.max_grade_pct[0] == pytest.approx(raw.max_grade_pct[0], rel=0.01)  # a steady climb stays
    assert smooth.ascent_m[0] == pytest.approx(raw.ascent_m[0], rel=0.05)
    # a road along a floor at 1,000 m whose every other sample hits a 600 m wall: no climb at all
    n = 41
    wall = profile.Profiles(
        np.zeros(n, int),
        np.arange(n, dtype=float),
        np.zeros(n),
        np.zeros(n),
        np.where(np.arange(n) % 2 == 1, 1600.0, 1000.0),
        np.array([0]),
    )
    assert profile.profile_metrics(wall, half_window_km=0, floor_km=0).ascent_m[0] == pytest.approx(20 * 600)
    assert profile.profile_metrics(wall).ascent_m[0] == pytest.approx(0, abs=1e-6)
    with pytest.raises(GeometryError, match="half_window_km"):
        profile.smooth_profile(wall, -1)
    with pytest.raises(GeometryError, match="floor_km"):
        profile.smooth_profile(wall, 1, -1)


def test_valley_floor_reaches_the_whole_window_on_every_route():
    # route 0 sampled every 0.25 km beside three routes sampled every km: every sample of route 0
    # is within 1 km of its 1 m sample at 1 km (by hand), so its floor is 1 m throughout, not the
    # 4 m of the one neighbour a 1 km step reaches from the start; route 1 never takes route 0's
    d = np.r_[np.arange(9) * 0.25, np.tile(np.arange(5.0), 3)]
    z = np.r_[[5.0, 4, 9, 9, 1, 9, 9, 9, 9], [0.0, 7, 7, 7, 7], np.full(10, 7.0)]
    p = profile.Profiles(np.repeat(np.arange(4), [9, 5, 5, 5]), d, d, d, z, np.array([0, 9, 14, 19]))
    floor = profile.smooth_profile(p, 0.0, 1.0)
    assert floor[:9].tolist() == [1] * 9
    assert floor[9:14].tolist() == [0, 0, 7, 7, 7]


def test_no_routes_give_no_profiles_and_no_rows():
    prof = profile.sample_profiles([])
    assert len(prof.first) == len(prof.elevation_m) == 0
    assert profile.profile_metrics(prof).rows() == []


def test_nearest_place_is_that_of_a_full_search():
    # the box search against `distance.nearest` comparing every place (KD-tree at this size): points
    # in the region, far from it (the full-search fallback), near a pole and by the antimeridian
    rng = np.random.default_rng(7)
    lon = np.r_[rng.uniform(60, 80, 400), rng.uniform(-180, 180, 200), 179.99, -179.99, 10.0]
    lat = np.r_[rng.uniform(25, 40, 400), rng.uniform(-85, 85, 200), 35.0, -20.0, 89.9]
    _, xy, _, _ = profile._gazetteer_points()
    assert np.array_equal(profile._nearest_place(lon, lat), distance.nearest(lon, lat, xy[:, 0], xy[:, 1])[0])


def test_karakoram_highway_profile_peaks_at_khunjerab():
    s = score(load_catalog()["karakoram-highway"])[0]
    assert s.extra["highest_point"].startswith("Khunjerab Pass")
    assert s.extra["max_elevation_m"] == pytest.approx(4693, abs=150)  # Khunjerab Pass, 4,693 m published
    assert 20 <= s.extra["above_3000m_pct"] <= 50
    assert 5000 <= s.extra["ascent_m"] <= 12000  # raw 30" samples gave 38,958 m
    assert s.extra["max_grade_pct"] <= 20


def test_karakoram_highway_terrain_alignment_within_10_pct_of_published():
    kkh = load_catalog()["karakoram-highway"]
    assert kkh.alignment == "terrain"
    terrain_km = score(kkh)[0].length_km
    geodesic_km = score(dataclasses.replace(kkh, alignment="geodesic"))[0].length_km
    assert abs(terrain_km - 1300) / 1300 <= 0.10
    assert terrain_km == pytest.approx(1176, abs=3)  # Dasu and Aliabad are off-line stops, no spurs
    assert geodesic_km == pytest.approx(818, abs=3)


@pytest.mark.parametrize("corridor_id", ["karakoram-highway", "gwadar-m8-ratodero"])
def test_terrain_roads_are_closer_to_published_than_geodesic(corridor_id):
    c = load_catalog()[corridor_id]
    published = float(c.published.length_km.value)
    terrain_km = score(c)[0].length_km
    geodesic_km = score(dataclasses.replace(c, alignment="geodesic"))[0].length_km
    assert abs(terrain_km - published) < abs(geodesic_km - published)


def test_terrain_alignment_is_identical_with_and_without_the_cache():
    xy = np.array([(74.821, 36.69), (75.428, 36.85)])  # Sost -> Khunjerab Pass
    fresh = costs.terrain_vertices(xy, "road", use_cache=False)
    first = costs.terrain_vertices(xy, "road")
    cached = costs.terrain_vertices(xy, "road")
    assert np.array_equal(fresh, first) and np.array_equal(fresh, cached)
    assert tuple(fresh[0]) == tuple(xy[0]) and tuple(fresh[-1]) == tuple(xy[1])


def test_terrain_alignment_stays_in_the_waypoints_countries():
    xy = np.array([(74.821, 36.69), (75.428, 36.85), (75.224, 37.773)])  # Sost, Khunjerab, Tashkurgan
    v = costs.terrain_vertices(xy, "road")
    countries = costs.country_raster()
    rows, cols = dem.dem().rowcol(v[:, 0], v[:, 1])
    from corridors.geodata import countries as layer

    codes = set(layer().iso_a3[np.unique(countries[rows, cols])].tolist())
    assert codes <= {"PAK", "CHN"}


def test_terrain_alignment_rejects_waypoints_off_the_dem():
    with pytest.raises(GeometryError, match="outside the DEM"):
        costs.terrain_vertices(np.array([(70.0, 30.0), (90.0, 30.0)]), label="x.yaml")


def _lonlat(corridor_id: str) -> np.ndarray:
    return np.array([(w.lon, w.lat) for w in load_catalog()[corridor_id].waypoints])


#: Four records (the Pamir and Wakhan roads, all priced as roads): 40 legs, of which 20 are distinct
#: (15 legs appear in two or three records); about 0.5 s of search.
_SHARING = ("pamir-kulma-road", "wakhan-corridor", "wakhan-broghil-chitral", "tajikistan-pakistan-road")

#: Run in a fresh interpreter: a test process that has run dask holds its threads, and rightly gets
#: no worker processes. Prints the searching processes and whether both ways gave the same arrays.
_IN_WORKERS = """
import json, os, sys
import numpy as np
from corridors import _lcp, costs, settings
from corridors._errors import RoutingError
from corridors.catalog import load_catalog

catalog = load_catalog()
requests = [
    costs.TerrainRequest(np.array([(w.lon, w.lat) for w in catalog[c].waypoints]), "road", label=c + ".yaml")
    for c in sys.argv[1:]
]
settings.TERRAIN_PROCESSES, settings.TERRAIN_PARALLEL_MIN_CELLS = 2, 0
one_by_one = [costs.terrain_alignments([r], use_cache=False, processes=1)[0] for r in requests]
pids, solve = sys.argv[0] + ".pids", costs.least_cost_leg
blocked = tuple(requests[1].lonlat[2])

def leg(a, b, model, **kwargs):
    with open(pids, "a") as f:
        f.write(f"{os.getpid()}\\n")
    if tuple(a) == blocked and os.environ.get("BLOCK"):
        raise _lcp.Unreachable("walled in")
    return solve(a, b, model, **kwargs)

costs.least_cost_leg = leg
together = costs.terrain_alignments(requests, use_cache=False)
solved_in = open(pids).read().split()
os.environ["BLOCK"] = "1"
try:
    costs.terrain_alignments(requests, use_cache=False)
    error = None
except RoutingError as exc:
    error = str(exc)
print(json.dumps({
    "parent": os.getpid(),
    "solved_in": solved_in,
    "identical": all(np.array_equal(a, b) for a, b in zip(together, one_by_one, strict=True)),
    "error": error,
}))
"""


def test_catalog_alignments_in_worker_processes_are_the_one_by_one_alignments(tmp_path):
    if not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2:
        pytest.skip("worker processes need Linux and two cores")
    script = tmp_path / "in_workers.py"
    script.write_text(_IN_WORKERS)
    done = subprocess.run(
        [sys.executable, str(script), *_SHARING], capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["identical"]
    legs = {(tuple(xy[i]), tuple(xy[i + 1])) for c in _SHARING for xy in [_lonlat(c)] for i in range(len(xy) - 1)}
    assert len(result["solved_in"]) == len(legs) == 20  # each shared leg searched once, not 40 times
    assert str(result["parent"]) not in result["solved_in"] and len(set(result["solved_in"])) == 2
    # a leg with no path, searched in a worker: the error names the first route that needs it, as one by one
    assert result["error"] == "wakhan-corridor.yaml: no terrain path from waypoint 2 to 3: walled in"


def test_a_leg_without_a_path_names_the_first_failing_route(monkeypatch):
    solve = costs.least_cost_leg
    blocked = tuple(_lonlat("wakhan-corridor")[2])

    def no_path_from_the_third_waypoint(a, b, model, **kwargs):
        if tuple(a) == blocked:
            raise _lcp.Unreachable("walled in")
        return solve(a, b, model, **kwargs)

    monkeypatch.setattr(costs, "least_cost_leg", no_path_from_the_third_waypoint)
    requests = [costs.TerrainRequest(_lonlat(c), "road", label=f"{c}.yaml") for c in _SHARING[:3]]
    with pytest.raises(RoutingError) as caught:
        costs.terrain_alignments(requests, use_cache=False, processes=1)
    assert str(caught.value) == "wakhan-corridor.yaml: no terrain path from waypoint 2 to 3: walled in"


def test_the_search_graph_is_the_module_formula_move_by_move(monkeypatch):
    """`_lcp._graph` against its docstring, cell by cell in plain Python, on bands of 2-3 rows."""
    rng = np.random.default_rng(12)
    h, w = 9, 13
    s = _lcp.Surface(
        rng.integers(0, 400, (h, w)).astype(np.float32),
        (1 + rng.random((h, w)) * 3).astype(np.float32),
        rng.integers(-1, 2, (h, w)).astype(np.int16),
        rng.random((h, w)) < 0.85,
        36.0 - (np.arange(h) + 0.5) / 120,
        1 / 120,
    )
    include = np.zeros((h, w), dtype=bool)
    for r in range(h):  # a diagonal band, so each band of rows is cut to its own columns
        include[r, max(0, r - 2) : r + 5] = True
    p = _lcp.Params(grade_ref_pct=5.0, max_grade_pct=25.0, crossing_penalty_km=40.0)
    monkeypatch.setattr(settings, "LCP_GRAPH_BAND_CELLS", 30)
    graph, cells = _lcp._graph(s, p, include)
    usable = [(r, c) for r in range(h) for c in range(w) if include[r, c] and s.passable[r, c]]
    assert cells.tolist() == [r * w + c for r, c in usable]
    node = {rc: i for i, rc in enumerate(usable)}
    expected = []
    for r, c in usable:
        for di, dj in _lcp._OFFSETS:
            nb = (r + di, c + dj)
            if nb not in node:
                continue
            dy, dx = _lcp.cell_size_km(np.array([s.lat_deg[r] - di * s.res_deg / 2]), s.res_deg)
            length = float(np.hypot(di * dy[0], dj * dx[0]))
            grade = abs(float(s.elevation_m[nb]) - float(s.elevation_m[r, c])) / (10 * length)
            if grade > p.max_grade_pct:
                continue
            cost = length * (0.5 * (float(s.factor[r, c]) + float(s.factor[nb])) + (grade / p.grade_ref_pct) ** 2)
            a, b = int(s.country[r, c]), int(s.country[nb])
            cost += p.crossing_penalty_km * (a != b and a >= 0 and b >= 0)
            expected.append((node[(r, c)], node[nb], cost))
    coo = graph.tocoo()
    got = sorted(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True))
    assert [(a, b) for a, b, _ in got] == [(a, b) for a, b, _ in sorted(expected)]
    assert [c for *_, c in got] == pytest.approx([c for *_, c in sorted(expected)], rel=1e-6)
    assert 0 < len(got) < 8 * len(usable)  # some moves are missing: off the band, impassable or too steep


def test_valley_floor_is_the_3x3_minimum():
    z = np.random.default_rng(4).integers(0, 8000, (23, 31)).astype(np.float32)
    padded = np.pad(z, 1, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3))
    assert np.array_equal(costs.valley_floor(z), windows.min(axis=(2, 3)))


def test_slope_of_a_known_plane():
    lat = np.full(5, 30.0)
    from corridors._lcp import cell_size_km

    _dy, dx = cell_size_km(lat, 1 / 120)
    z = np.broadcast_to(np.arange(6) * 10.0, (5, 6))  # +10 m per column
    assert np.allclose(costs.slope_pct(z, lat, 1 / 120), 10 / (dx[0] * 1000) * 100, rtol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"crossing_penalty_km": -5}, "crossing_penalty_km: -5"),
        ({"crossing_penalty_km": 1e7}, "crossing_penalty_km: 10000000.0"),
        ({"max_grade_pct": 0}, "max_grade_pct: 0"),
        ({"max_grade_pct": 250}, "max_grade_pct: 250"),
        ({"grade_ref_pct": float("nan")}, "grade_ref_pct: nan"),
    ],
)
def test_cost_model_rejects_bad_parameters(kwargs, message):
    with pytest.raises(RoutingError, match=message):
        costs.cost_model("road", **kwargs)


def test_cost_model_presets():
    assert costs.cost_model("pipeline") == costs.COST_MODELS["pipeline"]
    assert costs.cost_model("rail") == costs.COST_MODELS["rail"]
    assert costs.cost_model("rail").max_grade_pct == 3.0 and costs.cost_model("connector") == costs.COST_MODELS["road"]
    assert costs.cost_model("road", max_grade_pct=8).max_grade_pct == 8


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_profile_command_is_deterministic(tmp_path, suffix):
    outs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.{suffix}"
        result = CliRunner().invoke(cli, ["profile", "karakoram-highway", "-o", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and len(outs[0]) > 10_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["profile", "karakoram-highway", "-o", "x.jpg"], "figures are written as .png, .svg or .pdf"),
        (["profile", "no-such-corridor", "-o", "x.png"], "unknown corridor id 'no-such-corridor'"),
    ],
)
def test_profile_bad_input_exits_2_with_one_line(tmp_path, args, message):
    args = [a if a not in ("x.jpg", "x.png") else str(tmp_path / a) for a in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("corridors: error:") and message in lines[0]


def _overlaps(fig, monkeypatch):
    """Texts drawn in ``fig``, the pairs whose rendered boxes overlap, and those that leave the figure."""
    import itertools

    import matplotlib.text

    drawn = []
    draw = matplotlib.text.Text.draw

    def record(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return draw(self, renderer)

    monkeypatch.setattr(matplotlib.text.Text, "draw", record)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in drawn]
    frame = fig.bbox
    clashes = [(a, b) for (a, x), (b, y) in itertools.combinations(boxes, 2) if x.overlaps(y)]
    outside = [a for a, x in boxes if x.x0 < frame.x0 or x.x1 > frame.x1 or x.y0 < frame.y0 or x.y1 > frame.y1]
    return [t.get_text() for t in drawn], clashes, outside


@pytest.mark.parametrize("corridor_id", ["karakoram-highway", "tapi", "wakhan-corridor", "iran-pakistan-india"])
def test_profile_labels_never_overlap_or_leave_the_frame(corridor_id, monkeypatch):
    from corridors.render import profile_figure

    fig = profile_figure(score(load_catalog().select([corridor_id])), dpi=100)
    texts, clashes, outside = _overlaps(fig, monkeypatch)
    assert not clashes and not outside, (clashes, outside)
    assert corridor_id == "wakhan-corridor" or any("|" in t for t in texts)  # crossings are labelled
    if corridor_id == "tapi":
        assert {"Spin Boldak", "Wesh–Chaman crossing", "TKM | AFG", "AFG | PAK", "PAK | IND"} <= {
            t.strip() for t in texts
        }
    if corridor_id == "wakhan-corridor":
        assert sum(t.startswith(("Ishkoshim", "Ishkashim")) for t in texts) == 3


def test_profile_figure_returns_a_figure_from_a_record_or_a_frame():
    from matplotlib.figure import Figure

    from corridors.render import profile_figure

    frame = score(load_catalog().select(["wakhan-corridor"]))
    assert isinstance(profile_figure(frame, dpi=40), Figure)
    assert isinstance(profile_figure(frame[0] if isinstance(frame, list) else frame, dpi=40), Figure)


#: The highest named pass on each shipped road, with its published elevation (m).
HIGHEST_PASS = {
    # Wikipedia: Karakoram Highway (4,693 m; also given as 4,714 and 4,733 m)
    "karakoram-highway": ("Khunjerab Pass", 4693),
    # Quad-Offroad: Ak-Baital (Ashuu) Pass 4,655 m, the highest point of the M41
    "pamir-highway": ("Ak-Baital Pass", 4655),
    # Wikipedia: Kulma Pass (4,362.7 m)
    "pamir-kulma-road": ("Kulma Pass", 4363),
    # Wikipedia: Torugart Pass (3,752 m)
    "kashgar-torugart-bishkek": ("Torugart Pass", 3752),
    # Wikipedia: Irkeshtam (Taldyk Pass 3,615 m, between Sary-Tash and Osh)
    "kashgar-irkeshtam-osh": ("Taldyk Pass", 3615),
    # Norwegian Wikipedia: Salangtunnelen (the 3,878 m Salang Pass above the tunnel)
    "termez-peshawar-road": ("Salang Pass", 3878),
    # German Wikipedia: Lowari-Pass (3,120 m)
    "chitral-peshawar-connector": ("Lowari Pass", 3120),
    # the record's fact (unverified): Broghil Pass 3,798 m
    "wakhan-broghil-chitral": ("Broghil Pass", 3798),
    "tajikistan-pakistan-road": ("Broghil Pass", 3798),
}


def test_no_road_rises_more_than_150_m_above_its_highest_named_pass():
    catalog = load_catalog()
    scores = {s.corridor.id: s for s in score(catalog.select(sorted(HIGHEST_PASS)))}
    for cid, (name, elevation_m) in HIGHEST_PASS.items():
        top = scores[cid].extra["max_elevation_m"]
        assert top <= elevation_m + 150, f"{cid}: highest point {top} m, {name} {elevation_m} m"
    assert abs(scores["karakoram-highway"].extra["max_elevation_m"] - 4693) <= 150
    assert abs(scores["pamir-highway"].extra["max_elevation_m"] - 4655) <= 150


def test_mountain_roads_follow_the_terrain_or_say_why_not():
    catalog = load_catalog()
    for cid in HIGHEST_PASS:
        assert catalog[cid].alignment == "terrain", cid
    rail = catalog["trans-afghan-railway"]
    assert rail.alignment == "geodesic" and "ruling" in rail.alignment_note


def test_a_tunnel_takes_the_profile_under_the_pass():
    """The Lowari Tunnel: the road's profile stays below the pass (3,120 m); over the mountain it would not."""
    road = load_catalog()["chitral-peshawar-connector"]
    assert [kind for _, kind in road.structures] == ["tunnel"]
    over = dataclasses.replace(road, waypoints=tuple(dataclasses.replace(w, tunnel=False) for w in road.waypoints))
    through, above = score([road, over])
    assert through.extra["max_elevation_m"] < 3120 - 300
    assert above.extra["max_elevation_m"] > through.extra["max_elevation_m"] + 300


#: Each shipped tunnel: record, published length (km) and the pass above it (m).
TUNNELS = {
    # Wikipedia: Salang Tunnel (2.67 km, centre 35°19′19.5″N 69°1′37″E); Norwegian Wikipedia: Salangpasset 3,878 m
    "termez-peshawar-road": (2.67, 3878),
    # APP, 2017-07-20: main tunnel 8.5 km; German Wikipedia: Lowari-Pass 3,120 m
    "chitral-peshawar-connector": (8.5, 3120),
}


@pytest.mark.parametrize("corridor_id", sorted(TUNNELS))
def test_tunnels_have_their_published_length_and_the_profile_runs_through_them(corridor_id):
    from pyproj import Geod

    from corridors.alignment import route_line

    length_km, pass_m = TUNNELS[corridor_id]
    road = load_catalog()[corridor_id]
    [(i, kind)] = road.structures
    a, b = road.waypoints[i - 1], road.waypoints[i]
    assert kind == "tunnel"
    # portal to portal on the ellipsoid (pyproj, not the package's distance code) against the published length
    portal_km = Geod(ellps="WGS84").inv(a.lon, a.lat, b.lon, b.lat)[2] / 1000.0
    assert portal_km == pytest.approx(length_km, rel=0.02)
    raw = profile.sample_profiles([route_line(road)])
    through = profile.through_structures(raw, [[((a.lon, a.lat), (b.lon, b.lat))]])
    ia, ib = (int(np.argmin(np.hypot(raw.lon - w.lon, raw.lat - w.lat))) for w in (a, b))
    span = slice(min(ia, ib), max(ia, ib) + 1)
    z, d = through.elevation_m[span], through.distance_km[span]
    # the portals keep the ground's elevation; between them the road is the straight tunnel grade
    assert (z[0], z[-1]) == (raw.elevation_m[span][0], raw.elevation_m[span][-1])
    assert np.allclose(z, np.interp(d, [d[0], d[-1]], [z[0], z[-1]]))
    assert d[-1] - d[0] == pytest.approx(length_km, rel=0.15)  # nearest 1-km samples to the portals
    assert z.max() < pass_m - 250


def test_profile_follows_the_worldview_of_its_score():
    """Under India's view the KKH enters India from Pakistan and leaves it into China; the figure
    marks both crossings and names the view in its footer (the CLI's profile --worldview)."""
    from corridors import load_catalog, score
    from corridors.render.elevation import profile_figure

    fig = profile_figure(score(load_catalog().select(["karakoram-highway"]), worldview="IND"), dpi=40)
    texts = [t.get_text().strip() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]
    assert "PAK | IND" in texts and "IND | CHN" in texts
    assert any(t.endswith("worldview: IND") for t in texts)
    from click.testing import CliRunner

    from corridors.cli.main import cli

    assert "--worldview" in CliRunner().invoke(cli, ["profile", "--help"]).output
