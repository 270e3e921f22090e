"""corridors.distance: the nearest-neighbour search, geodesic distances, line lengths and chords.

References are an independent pyproj Geod (brute force over every candidate), published lengths
of a degree on WGS84, and spherical trigonometry done by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod

from corridors import settings
from corridors.distance import chord, distance_km, line_lengths_m, nearest

WGS84 = Geod(ellps="WGS84")
WEST, SOUTH, EAST, NORTH = settings.REGION_BOUNDS
MEAN_RADIUS_KM = 6371.0088  # IUGG mean Earth radius R1 (Moritz, Geodetic Reference System 1980)


@pytest.fixture(scope="module")
def random_points():
    rng = np.random.default_rng(20260101)
    nodes = rng.uniform((WEST, SOUTH), (EAST, NORTH), size=(500, 2))
    points = rng.uniform((WEST, SOUTH), (EAST, NORTH), size=(200, 2))
    return points, nodes


def brute_force(points, nodes):
    """Geodesic distance (km) from every point to every node, one Geod.inv row per point."""
    return (
        np.array(
            [WGS84.inv(np.full(len(nodes), x), np.full(len(nodes), y), nodes[:, 0], nodes[:, 1])[2] for x, y in points]
        )
        / 1000.0
    )


@pytest.fixture(params=["matrix", "kdtree"])
def search(request, monkeypatch):
    """Run a test through both searches of nearest(): the matrix product and the KD-tree."""
    if request.param == "kdtree":
        monkeypatch.setattr(settings, "NEAREST_BRUTE_FORCE_PAIRS", 0)
    else:
        monkeypatch.setattr(settings, "NEAREST_BRUTE_FORCE_PAIRS", 10**9)
    return request.param


def test_nearest_agrees_with_brute_force_on_200_random_points(random_points, search):
    points, nodes = random_points
    idx, km = nearest(points[:, 0], points[:, 1], nodes[:, 0], nodes[:, 1])
    full = brute_force(points, nodes)
    assert idx.shape == (200,) and km.shape == (200,)
    # the search ranks on the sphere; on the ellipsoid a near-tie may flip, by far less than 0.5 %
    assert np.mean(idx == full.argmin(axis=1)) >= 0.99
    assert np.allclose(km, full.min(axis=1), rtol=5e-3)
    assert np.allclose(km, full[np.arange(200), idx], rtol=1e-12)  # the reported distance is the ellipsoidal one


def test_nearest_of_a_node_itself_is_that_node_at_zero_km(random_points, search):
    _, nodes = random_points
    idx, km = nearest(nodes[:50, 0], nodes[:50, 1], nodes[:, 0], nodes[:, 1])
    assert idx.tolist() == list(range(50))
    assert np.all(km == 0.0)


def test_nearest_takes_a_scalar_point(search):
    # Quetta (30.183 N, 67.000 E) against Chaman, Peshawar and Kabul (corridor-facts.md; Chaman 30.92 N 66.45 E
    # from en.wikipedia.org/wiki/Chaman): Chaman is nearest, about 97 km away.
    lon = np.array([66.45, 71.578, 69.172])
    lat = np.array([30.92, 34.008, 34.528])
    idx, km = nearest(67.0, 30.183, lon, lat)
    assert idx.tolist() == [0]
    assert km[0] == pytest.approx(WGS84.inv(67.0, 30.183, 66.45, 30.92)[2] / 1000.0, rel=1e-12)
    assert 90 < km[0] < 100


def test_nearest_of_no_points_is_empty(search):
    idx, km = nearest(np.array([]), np.array([]), np.array([67.0, 70.0]), np.array([30.0, 31.0]))
    assert idx.shape == (0,) and km.shape == (0,)


@pytest.mark.parametrize(
    ("lon0", "lat0", "lon1", "lat1", "published_km"),
    [
        # Length of a degree on WGS84 (en.wikipedia.org/wiki/Latitude#Meridian_distance_on_the_ellipsoid):
        (0.0, -0.5, 0.0, 0.5, 110.574),  # a degree of latitude at the equator
        (0.0, 89.5, 0.0, 90.0, 111.694 / 2),  # half a degree of latitude at the pole
        (0.0, 0.0, 1.0, 0.0, 111.320),  # a degree of longitude at the equator
    ],
)
def test_distance_km_matches_published_degree_lengths(lon0, lat0, lon1, lat1, published_km):
    assert float(distance_km(lon0, lat0, lon1, lat1)) == pytest.approx(published_km, abs=2e-3)


def test_distance_km_is_vectorised_and_symmetric(random_points):
    points, nodes = random_points
    a = distance_km(points[:, 0], points[:, 1], nodes[:200, 0], nodes[:200, 1])
    b = distance_km(nodes[:200, 0], nodes[:200, 1], points[:, 0], points[:, 1])
    assert a.shape == (200,) and np.allclose(a, b, rtol=1e-12)
    assert np.allclose(a, brute_force(points, nodes[:200])[np.arange(200), np.arange(200)], rtol=1e-12)


def test_line_lengths_match_geod_line_length():
    rng = np.random.default_rng(7)
    coords = [rng.uniform((WEST, SOUTH), (EAST, NORTH), size=(n, 2)) for n in (2, 3, 17, 50)]
    lines = np.array([shapely.LineString(c) for c in coords], dtype=object)
    expected = [WGS84.line_length(c[:, 0], c[:, 1]) for c in coords]
    assert np.allclose(line_lengths_m(lines), expected, rtol=1e-9)


def test_line_lengths_keep_empty_lines_in_place():
    # 30°N → 31°N along 61°E and back: 2 × 110.86 km (the meridian arc, as Geod.inv measures it)
    meridian_m = WGS84.inv(61.0, 30.0, 61.0, 31.0)[2]
    lines = np.array(
        [
            shapely.LineString([(61, 30), (61, 31), (61, 30)]),
            shapely.LineString(),
            shapely.LineString([(61, 30), (61, 31)]),
        ],
        dtype=object,
    )
    assert line_lengths_m(lines) == pytest.approx([2 * meridian_m, 0.0, meridian_m], rel=1e-12)
    assert 110_800 < meridian_m < 110_900
    assert line_lengths_m(np.empty(0, dtype=object)).shape == (0,)


@pytest.mark.parametrize(
    ("km", "expected"),
    [
        (0.0, 0.0),
        (math.pi * MEAN_RADIUS_KM / 3, 1.0),  # 60°: an equilateral triangle with the centre
        (math.pi * MEAN_RADIUS_KM / 2, math.sqrt(2.0)),  # a quarter circle
        (math.pi * MEAN_RADIUS_KM, 2.0),  # antipodes: the diameter
        (3 * math.pi * MEAN_RADIUS_KM, 2.0),  # longer than half the globe: still the diameter
    ],
)
def test_chord_of_an_arc(km, expected):
    assert chord(km) == pytest.approx(expected, abs=1e-12)


def test_chord_is_the_straight_distance_between_unit_vectors():
    # Quetta (30.183 N, 67.0 E) to Kabul (34.528 N, 69.172 E): haversine arc on the mean sphere, then the
    # unit-vector distance by the law of cosines, both by hand.
    p1, l1, p2, l2 = map(math.radians, (30.183, 67.0, 34.528, 69.172))
    central = 2 * math.asin(
        math.sqrt(math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2)
    )
    straight = math.sqrt(2 - 2 * math.cos(central))
    assert chord(central * MEAN_RADIUS_KM) == pytest.approx(straight, rel=1e-12)
