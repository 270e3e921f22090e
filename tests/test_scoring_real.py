"""Scoring the shipped catalog against independent references: pyproj, the layers, published facts."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from pyproj import Geod

from corridors import load_catalog
from corridors.scoring import score_records as score

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def scores():
    return {s.corridor.id: s for s in score(list(load_catalog().values()))}


def test_every_record_crosses_the_countries_its_sources_declare(scores):
    bad = {cid: (s.sequence, s.corridor.countries) for cid, s in scores.items() if not s.matches_sources}
    assert not bad


def test_geodesic_length_matches_pyproj_reference(scores):
    for cid in ("tapi", "iran-pakistan", "gwadar-cpec-western"):
        s = scores[cid]
        if s.corridor.alignment != "geodesic":
            continue
        lon = [w.lon for w in s.corridor.waypoints]
        lat = [w.lat for w in s.corridor.waypoints]
        reference_km = GEOD.line_length(lon, lat) / 1000.0
        assert s.length_km == pytest.approx(reference_km, rel=1e-6), cid


def test_invariants_hold_for_every_corridor(scores):
    for cid, s in scores.items():
        assert sum(c.modeled_km for c in s.countries) == pytest.approx(s.length_km, rel=1e-3), cid
        assert len(s.crossings) == sum(1 for a, b in zip(s.sequence, s.sequence[1:], strict=False) if a != b), cid
        assert 0 < s.straightness <= 1.0 + 1e-9, cid


def test_reversing_a_corridor_keeps_totals_and_mirrors_the_sequence(scores):
    tapi = load_catalog()["tapi"]
    rev = replace(tapi, id="tapi-reversed", waypoints=tapi.waypoints[::-1], countries=tapi.countries[::-1])
    fwd_s, rev_s = scores["tapi"], score(rev)[0]
    assert rev_s.length_km == pytest.approx(fwd_s.length_km, rel=1e-9)
    assert rev_s.sequence == fwd_s.sequence[::-1]
    assert {c.country: round(c.modeled_km, 3) for c in rev_s.countries} == {
        c.country: round(c.modeled_km, 3) for c in fwd_s.countries
    }


def test_karakoram_highway_crosses_once_near_khunjerab(scores):
    s = scores["karakoram-highway"]
    assert s.sequence == ("PAK", "CHN")
    (x,) = s.crossings
    assert (x.from_country, x.to_country) == ("PAK", "CHN")
    assert "Khunjerab" in x.named
    # within 10 km of the pass (corridor-facts.md: 36.850N 75.428E)
    assert GEOD.inv(x.lon, x.lat, 75.428, 36.850)[2] < 10_000


def test_tapi_runs_tkm_afg_pak_ind_with_the_published_crossings(scores):
    s = scores["tapi"]
    assert s.sequence == ("TKM", "AFG", "PAK", "IND")
    expected = [
        ("TKM", "AFG", 62.350, 35.283),  # Serhetabat
        ("AFG", "PAK", 66.445, 30.922),  # Wesh–Chaman
        ("PAK", "IND", 74.025, 30.403),
    ]  # Fazilka
    for x, (a, b, lon, lat) in zip(s.crossings, expected, strict=True):
        assert (x.from_country, x.to_country) == (a, b)
        assert GEOD.inv(x.lon, x.lat, lon, lat)[2] < 30_000, (a, b)
        assert x.named


def test_wakhan_narrowest_width_is_16_to_17_km(scores):
    n = scores["wakhan-corridor"].narrowest
    assert n is not None and set(n.between) == {"TJK", "PAK"}
    assert 16.0 <= n.width_km <= 17.0  # the paper says 16 km
    assert 71.9 < n.lon < 72.3 and 36.6 < n.lat < 36.9


def test_straight_wakhan_road_would_cut_through_tajikistan():
    wakhan = load_catalog()["wakhan-corridor"]
    names = [w.name for w in wakhan.waypoints]
    ishkashim = next(w for w in wakhan.waypoints if w.name.startswith("Ishkashim"))
    khandud = next(w for w in wakhan.waypoints if w.name.startswith("Khandud"))
    straight = replace(wakhan, id="straight", waypoints=(ishkashim, khandud), countries=(), alignment="geodesic")
    s = score(straight)[0]
    tjk = {c.country: c.modeled_km for c in s.countries}.get("TJK", 0.0)
    assert 40 < tjk < 70, names  # corridor-facts.md: about 54 km


def test_published_and_modeled_side_by_side(scores):
    s = scores["tapi"]
    assert s.published_length.value == 1814
    assert s.length_diff_pct == pytest.approx((s.length_km - 1814) / 1814 * 100)
    by = {c.country: c for c in s.countries}
    assert by["TKM"].published.value == 214 and by["TKM"].published.source


def test_tolerance_zero_restores_raw_counts():
    wakhan = load_catalog()["wakhan-corridor"]
    folded = score(wakhan)[0]
    raw = score(wakhan, tolerance_km=0)[0]
    assert folded.hugging, "the Panj-following road should hug the TJK border somewhere"
    assert raw.hugging == ()
    # each folded stretch removes one transition (at an end) or two (inside the route)
    assert len(raw.crossings) >= len(folded.crossings) + len(folded.hugging)
    assert raw.length_km == pytest.approx(folded.length_km)


def test_ranks_follow_composite_score(scores):
    ordered = sorted(scores.values(), key=lambda s: s.rank)
    assert [s.rank for s in ordered] == list(range(1, len(ordered) + 1))
    assert all(a.score <= b.score for a, b in itertools.pairwise(ordered))


def test_score_frame_is_deprecated_but_still_works():
    import geopandas
    import pytest
    import shapely

    from corridors import score_frame

    routes = geopandas.GeoSeries([shapely.LineString([(66.99, 30.18), (66.45, 30.91)])], crs="EPSG:4326")
    with pytest.warns(DeprecationWarning, match="use corridors.score"):
        frame = score_frame(routes)
    assert "geometry" not in frame.columns and frame["countries"].iloc[0] == "PAK"
