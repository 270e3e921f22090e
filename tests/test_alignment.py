"""corridors.alignment and distance.densify_geodesic: modeled lines follow the geodesic, densified.

Lengths are checked against an independent pyproj Geod (sums of Geod.inv over the waypoints, or
Geod.npts for the intermediate points); vertex counts are counted by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod

from corridors import CorridorsError, GeometryError, alignment, settings
from corridors.catalog import Corridor, Waypoint
from corridors.distance import densify_geodesic

WGS84 = Geod(ellps="WGS84")

# TAPI-like waypoints, corridor-facts.md §4 (lat, lon): Galkynysh, Herat, Kandahar, Quetta, Multan, Fazilka.
TAPI_LATLON = [
    (37.301, 62.359),
    (34.342, 62.203),
    (31.621, 65.716),
    (30.183, 67.000),
    (30.198, 71.471),
    (30.403, 74.025),
]


def corridor(points, *, cid="test-route", path="", coords=()):
    waypoints = tuple(Waypoint(f"w{i}", lon, lat) for i, (lat, lon) in enumerate(points))
    return Corridor(
        id=cid, name=cid, kind="road", status="modeled", waypoints=waypoints, path=path, coords=tuple(coords)
    )


def geod_sum_km(lonlat) -> float:
    """Sum of Geod.inv over consecutive points, km."""
    lon, lat = np.asarray(lonlat, dtype=float).T
    return float(np.sum(WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2])) / 1000.0


def spacing_km(line) -> np.ndarray:
    xy = shapely.get_coordinates(line)
    return WGS84.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])[2] / 1000.0


def test_route_length_is_the_sum_of_the_geodesics_between_waypoints():
    line = alignment.route_line(corridor(TAPI_LATLON))
    expected = geod_sum_km([(lon, lat) for lat, lon in TAPI_LATLON])
    # shorter than the published 1,814 km (trend.az, corridor-facts.md §4): this skips Zhob and D.I. Khan
    assert 1600 < expected < 1814
    assert WGS84.geometry_length(line) / 1000.0 == pytest.approx(expected, rel=1e-6)


def test_vertices_are_never_more_than_densify_km_apart():
    line = alignment.route_line(corridor(TAPI_LATLON))
    gaps = spacing_km(line)
    assert gaps.max() <= settings.DENSIFY_KM * (1 + 1e-9)
    assert gaps.min() > 0


def test_one_degree_of_latitude_is_cut_into_six_equal_pieces():
    # 30°N → 31°N along 61°E is about 110.9 km on WGS84, so at 20 km: ceil(110.9 / 20) = 6 pieces, 7 vertices.
    line = alignment.route_line(corridor([(30.0, 61.0), (31.0, 61.0)]), densify_km=20.0)
    xy = shapely.get_coordinates(line)
    assert len(xy) == 7
    assert np.allclose(xy[:, 0], 61.0, atol=1e-9)  # a meridian is a geodesic
    assert np.allclose(spacing_km(line), 110.86 / 6, rtol=1e-3)


def test_the_densify_setting_is_read_at_call_time_and_the_keyword_overrides_it(monkeypatch):
    route = corridor([(30.0, 61.0), (31.0, 61.0)])
    monkeypatch.setattr(settings, "DENSIFY_KM", 5.0)
    assert len(shapely.get_coordinates(alignment.route_line(route))) == math.ceil(110.86 / 5) + 1  # 23
    assert len(shapely.get_coordinates(alignment.route_line(route, densify_km=50.0))) == 4  # ceil(110.86/50) + 1


def test_waypoints_stay_vertices_in_order():
    line = alignment.route_line(corridor(TAPI_LATLON))
    xy = shapely.get_coordinates(line)
    at = [int(np.flatnonzero(np.all(np.isclose(xy, (lon, lat), atol=1e-12), axis=1))[0]) for lat, lon in TAPI_LATLON]
    assert at[0] == 0 and at[-1] == len(xy) - 1
    assert at == sorted(at)


def test_user_coords_are_kept_as_vertices():
    user = [(61.0, 30.0), (61.3, 30.6), (61.9, 30.2), (62.5, 30.9)]
    route = corridor([(30.0, 61.0), (30.9, 62.5)], coords=user)
    xy = shapely.get_coordinates(alignment.route_line(route, densify_km=10.0))
    for lon, lat in user:
        assert np.any(np.all(xy == (lon, lat), axis=1)), (lon, lat)
    assert WGS84.geometry_length(shapely.LineString(xy)) / 1000.0 == pytest.approx(geod_sum_km(user), rel=1e-6)
    # the waypoints themselves (only the ends of the user line) are not what the route follows
    assert len(shapely.get_coordinates(alignment.waypoint_lines([route])[0])) == 4


def test_waypoint_lines_are_the_undensified_waypoints():
    routes = [corridor(TAPI_LATLON), corridor([(30.0, 61.0), (31.0, 61.0)], cid="meridian")]
    lines = alignment.waypoint_lines(routes)
    assert len(lines) == 2
    assert shapely.get_coordinates(lines[0]).tolist() == [[lon, lat] for lat, lon in TAPI_LATLON]
    assert shapely.get_coordinates(lines[1]).tolist() == [[61.0, 30.0], [61.0, 31.0]]


def test_route_lines_is_one_line_per_corridor_and_empty_for_none():
    lines = alignment.route_lines([corridor(TAPI_LATLON), corridor([(30.0, 61.0), (31.0, 61.0)], cid="b")])
    assert len(lines) == 2 and len(shapely.get_coordinates(lines[1])) == 7
    assert len(alignment.route_lines([])) == 0


@pytest.mark.parametrize(("path", "label"), [("seeds/dup.yaml", "seeds/dup.yaml"), ("", "zero-length")])
def test_a_zero_length_route_is_a_geometry_error_naming_the_record(path, label):
    good = corridor(TAPI_LATLON, cid="good-route", path="seeds/good.yaml")
    bad = corridor([(30.0, 61.0), (30.0, 61.0), (30.0, 61.0)], cid="zero-length", path=path)
    with pytest.raises(GeometryError) as err:
        alignment.route_lines([good, bad])
    msg = str(err.value)
    assert isinstance(err.value, ValueError)
    assert msg.startswith(f"{label}: ") and "'zero-length'" in msg and "no length" in msg
    assert "good" not in msg


def test_a_route_back_to_its_start_has_a_length():
    there_and_back = corridor([(30.0, 61.0), (31.0, 61.0), (30.0, 61.0)])
    assert WGS84.geometry_length(alignment.route_line(there_and_back)) / 1000.0 == pytest.approx(
        2 * geod_sum_km([(61.0, 30.0), (61.0, 31.0)]), rel=1e-6
    )


def test_a_zero_densify_spacing_is_refused_by_name():
    with pytest.raises(CorridorsError, match="densify_km"):
        alignment.route_line(corridor(TAPI_LATLON), densify_km=0)


# ------------------------------------------------------------------------------ densify_geodesic


def test_intermediate_points_are_those_of_geod_npts():
    # Asaluyeh (27.476 N, 52.608 E) to Fazilka (30.403 N, 74.025 E), corridor-facts.md §4/§5: ~2,100 km,
    # where the geodesic bows well away from the straight lon/lat chord.
    lon0, lat0, lon1, lat1 = 52.608, 27.476, 74.025, 30.403
    total_km = WGS84.inv(lon0, lat0, lon1, lat1)[2] / 1000.0
    lon, lat, parts, seg_km = densify_geodesic(np.array([lon0, lon1]), np.array([lat0, lat1]), densify_km=50.0)
    n_pieces = math.ceil(total_km / 50.0)
    assert len(lon) == n_pieces + 1
    ref = np.array(WGS84.npts(lon0, lat0, lon1, lat1, n_pieces - 1))
    assert np.allclose(lon[1:-1], ref[:, 0], atol=1e-9) and np.allclose(lat[1:-1], ref[:, 1], atol=1e-9)
    assert (lon[0], lat[0], lon[-1], lat[-1]) == (lon0, lat0, lon1, lat1)
    assert np.all(parts == 0)
    assert seg_km[-1] == 0.0 and np.allclose(seg_km[:-1], total_km / n_pieces, rtol=1e-9)
    chord_mid_lat = np.interp((lon0 + lon1) / 2, [lon0, lon1], [lat0, lat1])
    geodesic_mid_lat = np.interp((lon0 + lon1) / 2, lon, lat)
    assert geodesic_mid_lat - chord_mid_lat > 0.4  # the arc bows north of the chord by about 50 km


def test_segments_never_join_two_lines():
    # two 1°-meridian lines 20° apart; nothing may be inserted between the end of one and the start of the next
    lon = np.array([61.0, 61.0, 81.0, 81.0])
    lat = np.array([30.0, 31.0, 30.0, 31.0])
    out_lon, _, parts, seg_km = densify_geodesic(lon, lat, np.array([0, 0, 1, 1]), densify_km=20.0)
    assert parts.tolist() == [0] * 7 + [1] * 7
    assert np.all(out_lon[:7] == 61.0) and np.all(out_lon[7:] == 81.0)
    assert seg_km[6] == 0.0 and seg_km[13] == 0.0
    meridian_km = WGS84.inv(61.0, 30.0, 61.0, 31.0)[2] / 1000.0
    assert seg_km[:6].sum() == pytest.approx(meridian_km, rel=1e-9)
    assert seg_km.sum() == pytest.approx(2 * meridian_km, rel=1e-9)


def test_short_segments_and_single_points_are_left_alone():
    lon, _, parts, seg_km = densify_geodesic(np.array([61.0, 61.01]), np.array([30.0, 30.0]), densify_km=20.0)
    assert lon.tolist() == [61.0, 61.01] and parts.tolist() == [0, 0]
    assert seg_km[0] == pytest.approx(WGS84.inv(61.0, 30.0, 61.01, 30.0)[2] / 1000.0, rel=1e-12)
    one = densify_geodesic(np.array([61.0]), np.array([30.0]))
    assert one[0].tolist() == [61.0] and one[3].tolist() == [0.0]
