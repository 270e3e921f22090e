"""split_by_country on hand-made maps: every expected number is counted or computed independently."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from common import lines, synthetic_borders, synthetic_countries
from pyproj import Geod

from corridors.scoring import composite_score, split_by_country

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def world():
    countries = synthetic_countries()
    return {"countries": countries, "borders": synthetic_borders(countries)}


def geodesic_km(a, b):
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0


def test_straight_route_crosses_twice_and_splits_lengths(world):
    split = split_by_country(lines([[(60.5, 30.5), (62.5, 30.5)]]), tolerance_km=0, **world)
    assert split.sequence(0) == ("AAA", "BBB", "CCC")
    assert split.crossings.tolist() == [2]
    # total length equals pyproj's geodesic length
    assert split.length_km[0] == pytest.approx(geodesic_km((60.5, 30.5), (62.5, 30.5)), rel=1e-6)
    # the geodesic bulges north; the crossings lie on the meridians 61°E and 62°E
    lon = split.cross_lonlat[:, 0]
    assert lon.tolist() == pytest.approx([61.0, 62.0])
    # per-country lengths equal geodesic lengths between the crossing points (independent route)
    a, b = split.cross_lonlat
    by = split.country_length_km(0)
    assert by["AAA"] == pytest.approx(geodesic_km((60.5, 30.5), a), rel=1e-4)
    assert by["BBB"] == pytest.approx(geodesic_km(a, b), rel=1e-4)
    assert by["CCC"] == pytest.approx(geodesic_km(b, (62.5, 30.5)), rel=1e-4)
    assert sum(by.values()) == pytest.approx(split.length_km[0], rel=1e-3)
    assert split.cross_from.tolist() == ["AAA", "BBB"] and split.cross_to.tolist() == ["BBB", "CCC"]


def test_reversing_keeps_totals_and_mirrors_sequence(world):
    route = [(60.2, 30.2), (61.5, 30.9), (62.7, 30.1)]
    fwd = split_by_country(lines([route]), **world)
    rev = split_by_country(lines([route[::-1]]), **world)
    assert rev.length_km[0] == pytest.approx(fwd.length_km[0], rel=1e-9)
    assert rev.sequence(0) == fwd.sequence(0)[::-1]
    assert rev.crossings[0] == fwd.crossings[0] == 2
    f, r = fwd.country_length_km(0), rev.country_length_km(0)
    assert all(r[k] == pytest.approx(v, rel=1e-6) for k, v in f.items())


def test_boundary_hugging_excursion_is_not_a_crossing(world):
    # along the AAA/BBB border (61°E) with a dip ~0.5 km deep and ~1.8 km long into BBB
    route = [(60.9, 30.1), (60.99, 30.40), (61.005, 30.405), (61.005, 30.41), (60.99, 30.415), (60.9, 30.9)]
    route_lines = lines([route])
    hugging = split_by_country(route_lines, tolerance_km=3, densify_km=0.5, **world)
    assert hugging.sequence(0) == ("AAA",)
    assert hugging.crossings[0] == 0
    assert hugging.hug_country.tolist() == ["BBB"]
    assert 1.0 < hugging.hug_length_km[0] < 2.5
    raw = split_by_country(route_lines, tolerance_km=0, densify_km=0.5, **world)
    assert raw.sequence(0) == ("AAA", "BBB", "AAA")
    assert raw.crossings[0] == 2
    # per-country lengths are the same either way: hugging only changes the count
    assert raw.country_length_km(0) == hugging.country_length_km(0)


def test_many_routes_at_once_match_one_by_one(world):
    rng = np.random.default_rng(7)
    routes = [
        [tuple(p) for p in np.column_stack([rng.uniform(60.05, 62.95, 4), rng.uniform(30.05, 30.95, 4)])]
        for _ in range(40)
    ]
    together = split_by_country(lines(routes), **world)
    for i in (0, 13, 39):
        alone = split_by_country(lines([routes[i]]), **world)
        assert together.sequence(i) == alone.sequence(0)
        assert together.length_km[i] == pytest.approx(alone.length_km[0])
        assert together.crossings[i] == alone.crossings[0]
    # invariants over all routes
    for i in range(len(routes)):
        assert sum(together.country_length_km(i).values()) == pytest.approx(together.length_km[i], rel=1e-3)
        seq = together.sequence(i)
        assert together.crossings[i] == sum(1 for a, b in itertools.pairwise(seq) if a != b)


def test_sea_is_length_but_not_a_crossing(world):
    # from AAA out to sea (south of 30°N) and back into AAA
    split = split_by_country(lines([[(60.5, 30.5), (60.5, 29.5), (60.7, 30.5)]]), **world)
    assert split.sequence(0) == ("AAA",)
    assert split.crossings[0] == 0
    assert split.country_length_km(0)[""] > 100


def test_composite_score_weights():
    s = composite_score(
        np.array([250.0]), np.array([3]), np.array([0.8]), {"length_per_100km": 1, "crossing": 2, "detour": 5}
    )
    assert s[0] == pytest.approx(2.5 + 6 + 1.0)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -2e6, "2", None, True])
def test_composite_score_refuses_a_weight_that_is_not_a_finite_number(bad):
    from corridors import ValidationError

    with pytest.raises(ValidationError, match=r"weights: crossing = .* is not a finite number up to 1e6"):
        composite_score(np.array([250.0]), np.array([3]), np.array([0.8]), {"crossing": bad})
