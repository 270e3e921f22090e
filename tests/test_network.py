"""The corridor network, routing and OSM import.

Synthetic worlds first (hand-made corridors, a generated OSM XML grid; expected lengths computed
here with pyproj from the coordinates), then the shipped catalog. Online tests are marked
``network`` and skipped offline.
"""

from __future__ import annotations

import itertools
import json
import socket
import warnings

import networkx as nx
import numpy as np
import osmnx as ox
import pytest
from click.testing import CliRunner
from fixtures.synthetic_network import COLS, PLACES, ROWS, corridor, corridors, install, node_id, write_osm
from pyproj import Geod

from corridors import graph_search, network, osm, routing, settings
from corridors._errors import CatalogError, GeometryError, PlaceError, RoutingError
from corridors.catalog import load_catalog
from corridors.cli.main import cli
from corridors.scoring import score_records as score

GEOD = Geod(ellps="WGS84")


def km(*points: tuple[float, float]) -> float:
    """Geodesic length of a polyline through ``points`` (lon, lat), km."""
    lon, lat = np.array(points).T
    return float(GEOD.line_length(lon, lat)) / 1000.0


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def same_as_osmnx(G: nx.MultiDiGraph, pairs) -> None:
    """Every pair routes to the same length as ``osmnx.routing.shortest_path``; None when it finds none."""
    router = graph_search.Router(G)
    for a, b in pairs:
        ours, theirs = router.shortest_path(a, b), ox.routing.shortest_path(G, a, b, weight="length")
        if theirs is None:
            assert ours is None
            continue
        assert ours is not None
        assert nx.path_weight(G, ours, "length") == pytest.approx(nx.path_weight(G, theirs, "length"), rel=1e-12)
        assert ours[0] == a and ours[-1] == b


# ---------------------------------------------------------------------------------------------
# a synthetic corridor network


@pytest.fixture
def world(monkeypatch):
    install(monkeypatch)
    return network.build_network(corridors())


A, B, C, D = (PLACES[n] for n in ("Alpha", "Bravo", "Charlie", "Delta"))
NC, FP = PLACES["North Cape"], PLACES["Far Point"]


def test_synthetic_network_is_an_osmnx_graph(world):
    ox.convert.validate_graph(world, strict=True)
    assert world.graph["crs"] == "EPSG:4326"
    # 9 distinct waypoints; Bravo East lies 4.8 km from Bravo and joins it; the strip adds nothing
    assert km(PLACES["Bravo East"], B) == pytest.approx(4.79, abs=0.01)
    names = dict(world.nodes(data="name"))
    assert sorted(names.values()) == sorted(
        ["Alpha", "Bravo", "Charlie", "Delta", "North Cape", "Far Point", "Spur End", "Isle A", "Isle B"]
    )
    bravo = next(n for n, name in names.items() if name == "Bravo")
    assert world.nodes[bravo]["places"] == "Bravo; Bravo East"
    # roads both ways, the pipeline one way: 2·(2 + 1 + 3 + 1 + 1) + 1 edges
    assert world.number_of_edges() == 17
    assert {c for *_, c in world.edges(data="corridor")} == {"west", "east", "north", "spur", "islet", "pipe"}
    nodes, edges = ox.convert.graph_to_gdfs(world)
    assert len(nodes) == 9 and len(edges) == 17
    ab = edges[(edges.corridor == "west") & ~edges.reversed.astype(bool)]["length"].min()
    assert ab / 1000.0 == pytest.approx(km(A, B), rel=1e-9)
    # the spur joins Bravo's node by a straight stub from Bravo East
    spur = edges[(edges.corridor == "spur") & ~edges.reversed.astype(bool)]
    expected = km(B, PLACES["Bravo East"]) + km(PLACES["Bravo East"], PLACES["Spur End"])
    assert spur["length"].iloc[0] / 1000.0 == pytest.approx(expected, rel=1e-9)


def test_routes_agree_with_osmnx_on_the_synthetic_network(world):
    same_as_osmnx(world, itertools.permutations(world.nodes, 2))


def test_shortest_route_is_scored_like_a_corridor(world):
    found = routing.find_routes(world, "Alpha", "Delta")
    (r,) = found.routes
    assert [world.nodes[n]["name"] for n in r.nodes] == ["Alpha", "Bravo", "Charlie", "Delta"]
    expected = km(A, B) + km(B, C) + km(C, D)
    assert r.network_km == pytest.approx(expected, rel=1e-9)
    assert r.corridors == ("west", "east")
    assert r.corridor.coords[0] == A and r.corridor.coords[-1] == D
    # scoring measures the same line on the ellipsoid (plus the crossing points it inserts, which
    # lie within millimetres of the geodesic) and crosses AAA > BBB > CCC twice
    assert r.score.length_km == pytest.approx(expected, rel=1e-7)
    assert r.score.sequence == ("AAA", "BBB", "CCC")
    assert [(x.from_country, x.to_country) for x in r.score.crossings] == [("AAA", "BBB"), ("BBB", "CCC")]
    assert [x.lon for x in r.score.crossings] == pytest.approx([61.0, 62.0])
    assert r.score == score(r.corridor)[0]


def test_avoid_takes_the_northern_road_round_the_country(world):
    found = routing.find_routes(world, "Alpha", "Delta", avoid=["B-land"])
    assert found.avoid == ("BBB",)
    (r,) = found.routes
    assert [world.nodes[n]["name"] for n in r.nodes] == ["Alpha", "Bravo", "North Cape", "Far Point", "Delta"]
    assert r.network_km == pytest.approx(km(A, B) + km(B, NC) + km(NC, FP) + km(FP, D), rel=1e-9)
    assert "BBB" not in r.score.sequence and r.score.sequence == ("AAA", "CCC")


def test_an_avoid_that_disconnects_says_why(monkeypatch):
    install(monkeypatch)
    G = network.build_network([c for c in corridors() if c.id != "north"])
    with pytest.raises(RoutingError) as err:
        routing.find_routes(G, "Alpha", "Delta", avoid=["BBB"])
    assert str(err.value) == (
        "no road/rail route from Alpha to Delta avoiding BBB: every route between them passes through BBB; "
        "without it Alpha is in a component of 3 nodes (corridors spur, west); Delta in an isolated node"
    )
    with pytest.raises(RoutingError, match=r"^Charlie lies in BBB \(B-land\), which --avoid excludes$"):
        routing.find_routes(G, "Alpha", "Charlie", avoid=["BBB"])
    with pytest.raises(RoutingError, match=r"^Near Bravo \(Bravo\) lies in AAA \(A-land\), which --avoid excludes$"):
        routing.find_routes(G, "Near Bravo", "Delta", avoid=["AAA", "CCC"])
    outer = network.build_network([*corridors()[:2], corridor("far", "road", ["Delta", "Outer"])])
    with pytest.raises(RoutingError) as err:
        routing.find_routes(outer, "Alpha", "Outer", avoid=["BBB", "CCC"])
    assert str(err.value) == (
        "no road/rail route from Alpha to Outer avoiding BBB, CCC: every route between them passes "
        "through BBB or CCC; without them Alpha is in a component of 2 nodes (corridors west); "
        "Outer in an isolated node"
    )
    with pytest.raises(PlaceError, match="'Narnia' is not a country of the region"):
        routing.find_routes(G, "Alpha", "Delta", avoid=["Narnia"])


def test_one_way_pipeline_and_kind_filter(world):
    # any: Delta → Alpha takes the pipeline (the geodesic, shorter than the roads along the parallel)
    (r,) = routing.find_routes(world, "Delta", "Alpha", kind="any").routes
    assert r.corridors == ("pipe",) and r.network_km == pytest.approx(km(D, A), rel=1e-9)
    assert km(D, A) < km(D, C) + km(C, B) + km(B, A)
    # … but a pipeline flows one way: Alpha → Delta stays on the roads
    (back,) = routing.find_routes(world, "Alpha", "Delta", kind="any").routes
    assert back.corridors == ("west", "east")
    with pytest.raises(RoutingError, match="run only against one-way edges"):
        routing.find_routes(world, "Alpha", "Delta", kind="pipeline")
    # two roads joined only by a pipeline
    joined = network.build_network(
        [
            corridor("r1", "road", ["Alpha", "Bravo"]),
            corridor("r2", "road", ["Charlie", "Delta"]),
            corridor("p", "pipeline", ["Bravo", "Charlie"]),
        ]
    )
    with pytest.raises(RoutingError) as err:
        routing.find_routes(joined, "Alpha", "Delta")
    assert str(err.value) == (
        "no road/rail route from Alpha to Delta: only pipeline links join them; "
        "Alpha is in a component of 2 nodes (corridors r1); Delta in a component of 2 nodes (corridors r2)"
    )
    assert len(routing.find_routes(joined, "Alpha", "Delta", kind="any").routes) == 1


def test_k_alternatives_in_order(world):
    found = routing.find_routes(world, "Delta", "Alpha", kind="any", k=3, distinct=False)
    chains = [r.corridors for r in found.routes]
    assert chains == [("pipe",), ("east", "west"), ("north", "west")]
    router = graph_search.Router(graph_search.by_mode(world, ("road", "rail", "pipeline")))
    yen = [p for p in ox.routing.k_shortest_paths(world, found.routes[0].nodes[0], found.routes[0].nodes[-1], 3)]
    assert (
        [list(r.nodes) for r in found.routes]
        == yen
        == [p for _, p in router.k_shortest_paths(yen[0][0], yen[0][-1], 3)]
    )
    lengths = [r.network_km for r in found.routes]
    assert lengths == pytest.approx(
        [km(D, A), km(D, C) + km(C, B) + km(B, A), km(D, FP) + km(FP, NC) + km(NC, B) + km(B, A)], rel=1e-9
    )
    assert lengths == sorted(lengths)
    assert sorted(r.score.rank for r in found.routes) == [1, 2, 3]
    assert len({r.corridor.id for r in found.routes}) == 3
    # the roads along the parallel never leave the pipeline's corridor (< 25 km): not a distinct alternative
    distinct = routing.find_routes(world, "Delta", "Alpha", kind="any", k=3)
    assert [r.corridors for r in distinct.routes] == [("pipe",), ("north", "west")]
    # only two simple road routes join Alpha and Delta
    assert len(routing.find_routes(world, "Alpha", "Delta", k=3).routes) == 2


def test_via_and_alternatives_combine_per_leg(world):
    found = routing.find_routes(world, "Alpha", "Delta", via=["North Cape"], k=2)
    first = found.routes[0]
    assert [world.nodes[n]["name"] for n in first.nodes] == [
        "Alpha",
        "Bravo",
        "North Cape",
        "Far Point",
        "Delta",
    ]
    assert [s.name for s in found.stops] == ["Alpha", "North Cape", "Delta"]
    # second best: Alpha → North Cape shortest, then North Cape → Bravo → Charlie → Delta
    second = found.routes[1]
    assert [world.nodes[n]["name"] for n in second.nodes] == [
        "Alpha",
        "Bravo",
        "North Cape",
        "Bravo",
        "Charlie",
        "Delta",
    ]
    assert second.network_km == pytest.approx(km(A, B) + 2 * km(B, NC) + km(B, C) + km(C, D), rel=1e-9)


def test_places_near_the_network_and_off_it(world):
    found = routing.find_routes(world, "Near Bravo", "Delta")
    near = found.stops[0]
    assert near.name == "Bravo" and near.distance_km == pytest.approx(km(PLACES["Near Bravo"], B), rel=1e-9)
    assert near.note == (
        f"Near Bravo is not on the network; using the nearest node, Bravo, {km(PLACES['Near Bravo'], B):.1f} km away"
    )
    with pytest.raises(RoutingError) as err:
        routing.find_routes(world, "Lonely", "Delta")
    nearest = min(("Isle B", "Isle A", "Delta", "Far Point"), key=lambda n: km(PLACES["Lonely"], PLACES[n]))
    assert str(err.value) == (
        f"Lonely (40.000N 69.000E) is not on the corridor network: the nearest node, {nearest}, is "
        f"{km(PLACES['Lonely'], PLACES[nearest]):,.1f} km away (limit 50 km)"
    )
    with pytest.raises(PlaceError, match="unknown place 'Atlantis'"):
        routing.find_routes(world, "Atlantis", "Delta")
    with pytest.raises(RoutingError, match="Alpha and Alpha are the same network node"):
        routing.find_routes(world, "Alpha", "Alpha")


def test_disconnected_endpoints_name_their_components(world, monkeypatch):
    with pytest.raises(RoutingError) as err:
        routing.find_routes(world, "Alpha", "Isle B")
    assert str(err.value) == (
        "no road/rail route from Alpha to Isle B: they lie in different components of the network: "
        "Alpha is in a component of 7 nodes (corridors east, north, spur, west); "
        "Isle B in a component of 2 nodes (corridors islet)"
    )
    # with a 1 km snapping distance the spur no longer joins Bravo
    tight = network.build_network(corridors(), snap_km=1.0)
    assert tight.number_of_nodes() == 10
    with pytest.raises(RoutingError, match="Spur End in a component of 2 nodes \\(corridors spur\\)"):
        routing.find_routes(tight, "Alpha", "Spur End")


# ---------------------------------------------------------------------------------------------
# a synthetic OSM extract: the grid of fixtures/synthetic_network.py


@pytest.fixture
def grid(monkeypatch, tmp_path):
    install(monkeypatch)
    return write_osm(tmp_path / "grid.osm")


def P(row: str, col: str) -> tuple[float, float]:
    return COLS[col], ROWS[row]


EAST_WAY = km(P("s", "m"), P("s", "e"), P("c", "e"), P("n", "e"), P("n", "m"))  # S → N, column e one-way north
WEST_WAY = km(P("n", "m"), P("n", "w"), P("c", "w"), P("s", "w"), P("s", "m"))  # N → S round the west


def test_osm_grid_loads_in_the_network_schema(grid):
    G = osm.load_osm(grid)
    ox.convert.validate_graph(G, strict=True)
    assert G.graph["crs"] == "EPSG:4326" and "created_date" not in G.graph
    kinds = {(u, v): k for u, v, k in G.edges(data="kind")}
    assert kinds[3, 4] == kinds[4, 3] == "rail"
    assert {k for k in kinds.values()} == {"road", "rail"}
    assert not {5, 6, 7} & set(G.nodes)  # the building is no way
    # the one-way column has no southbound edges
    assert G.has_edge(node_id("s", "e"), node_id("c", "e")) and not G.has_edge(node_id("c", "e"), node_id("s", "e"))
    # lengths are geodesic on the ellipsoid, from the geometry (simplified edges bend at the corners)
    corner = G.edges[node_id("n", "m"), node_id("c", "w"), 0]
    assert corner["length"] / 1000.0 == pytest.approx(km(P("n", "m"), P("n", "w"), P("c", "w")), rel=1e-9)
    same_as_osmnx(G, itertools.permutations(G.nodes, 2))


def test_osm_grid_shortest_paths_respect_one_way_streets(grid):
    G = osm.load_osm(grid)
    router = graph_search.Router(G)
    s, n = node_id("s", "m"), node_id("n", "m")
    assert router.shortest_path(s, n) == [s, node_id("s", "e"), node_id("c", "e"), node_id("n", "e"), n]
    assert router.shortest_path(n, s) == [n, node_id("c", "w"), s]
    assert pytest.approx(16.2486, abs=1e-3) == EAST_WAY and pytest.approx(22.0068, abs=1e-3) == WEST_WAY
    found = routing.find_routes(G, "Southgate", "Northgate", access_km=settings.OSM_SNAP_KM)
    assert found.routes[0].network_km == pytest.approx(EAST_WAY, rel=1e-9)
    assert found.routes[0].score.length_km == pytest.approx(EAST_WAY, rel=1e-7)  # + crossing points
    assert found.routes[0].corridors == ("osm",)
    back = routing.find_routes(G, "Northgate", "Southgate", access_km=settings.OSM_SNAP_KM)
    assert back.routes[0].network_km == pytest.approx(WEST_WAY, rel=1e-9)


def test_osm_grid_border_avoid_and_kind(grid):
    G = osm.load_osm(grid)
    found = routing.find_routes(G, "Southgate", "Northgate", avoid=["BBB"], access_km=settings.OSM_SNAP_KM)
    r = found.routes[0]
    assert r.network_km == pytest.approx(km(P("s", "m"), P("s", "w"), P("c", "w"), P("n", "w"), P("n", "m")), rel=1e-9)
    assert r.score.sequence == ("AAA",)
    with pytest.raises(RoutingError) as err:
        routing.find_routes(G, "Southgate", "Northgate", kind="rail", access_km=settings.OSM_SNAP_KM)
    to_rail = {3: km(PLACES["Southgate"], (60.90, 30.60)), 4: km(PLACES["Southgate"], (61.03, 30.60))}
    nearest = min(to_rail, key=to_rail.get)
    assert nearest == 4
    assert str(err.value) == (
        f"Southgate (30.500N 60.980E) is not on the OSM extract grid.osm: the nearest node, "
        f"OSM node 4, is {to_rail[4]:.1f} km away (limit 5 km)"
    )


def test_cli_routes_over_an_osm_extract(grid):
    result = run("route", "Southgate", "Northgate", "--osm", str(grid), "--format", "json", "--tolerance-km", "0")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["routes"][0]["length_km"]["modeled"] == round(EAST_WAY, 1)
    # 1.9 km in AAA at each end: a crossing with no tolerance, boundary-hugging with the default 3 km
    assert data["routes"][0]["countries"]["modeled"] == ["AAA", "BBB", "AAA"]
    default = json.loads(run("route", "Southgate", "Northgate", "--osm", str(grid), "--format", "json").stdout)
    assert default["routes"][0]["countries"]["modeled"] == ["BBB"]
    avoided = json.loads(
        run("route", "Southgate", "Northgate", "--osm", str(grid), "--avoid", "BBB", "--format", "json").stdout
    )
    assert avoided["avoid"] == ["BBB"] and avoided["routes"][0]["network_km"] == pytest.approx(WEST_WAY, abs=0.06)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "cut.osm",
            '<?xml version="1.0"?>\n<osm version="0.6">\n  <node id="1" lat="30.5" lon="61.0"/>\n',
            "not valid OSM XML: no element found: line 4, column 0",
        ),
        ("empty.osm", "", "empty file"),
        (
            "nodes.osm",
            '<osm version="0.6"><node id="1" lat="30.5" lon="61.0"/></osm>',
            "holds no highway or railway ways",
        ),
        ("blank.osm", '<osm version="0.6"></osm>', "holds no OSM nodes or ways"),
        (
            "nolat.osm",
            '<osm version="0.6"><node id="1" lon="61.0"/><way id="2"><nd ref="1"/>'
            '<tag k="highway" v="primary"/></way></osm>',
            "not valid OSM XML: an element lacks or misstates",
        ),
        ("extract.osm.pbf", "\x00\x01", "not a readable OSM file"),
    ],
)
def test_malformed_osm_files_are_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(CatalogError, match=message):
        osm.load_osm(path)
    result = run("route", "Quetta", "Kalat", "--osm", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"corridors: error: {path}: ") and result.stderr.count("\n") == 1


def test_missing_osm_file(tmp_path):
    result = run("route", "Quetta", "Kalat", "--osm", str(tmp_path / "nope.osm"))
    assert result.exit_code == 2 and "nope.osm: no such OSM file" in result.stderr
    result = run("route", "Quetta", "Kalat", "--osm", "")  # was: the corridor network, silently
    assert result.exit_code == 2 and result.stderr == "corridors: error: OSM path is empty; name an OSM file\n"


def test_output_may_not_replace_the_osm_input(grid):
    before = grid.read_bytes()
    result = run("route", "Southgate", "Northgate", "--osm", str(grid), "--format", "csv", "-o", str(grid))
    assert result.exit_code == 2 and f"{grid}: is also an input of this run" in result.stderr
    assert grid.read_bytes() == before


# ---------------------------------------------------------------------------------------------
# alignment: osm


def _record(folder, cid: str, names: list[str], osm: str | None) -> str:
    wps = "\n".join(f"  - {{name: {n}, lon: {PLACES[n][0]}, lat: {PLACES[n][1]}}}" for n in names)
    text = (
        f"id: {cid}\nname: {cid}\nkind: road\nstatus: operating\nalignment: osm\n"
        + (f"osm: {osm}\n" if osm else "")
        + f"waypoints:\n{wps}\nsources: [synthetic]\n"
    )
    path = folder / f"{cid}.yaml"
    path.write_text(text)
    return str(path)


def test_osm_alignment_takes_the_length_of_the_road(grid, tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDORS_CACHE", str(tmp_path / "cache"))
    north = load_catalog([_record(tmp_path, "up", ["Southgate", "Northgate"], "grid.osm")], include_seeds=False)["up"]
    south = load_catalog([_record(tmp_path, "down", ["Northgate", "Southgate"], "grid.osm")], include_seeds=False)[
        "down"
    ]
    assert north.osm == str(grid)
    up, down = score([north, south])
    assert up.length_km == pytest.approx(EAST_WAY, rel=1e-7)  # the one-way column north
    assert down.length_km == pytest.approx(WEST_WAY, rel=1e-9)  # all in AAA: no crossing points
    assert km(PLACES["Southgate"], PLACES["Northgate"]) == pytest.approx(6.652, abs=1e-3)  # the waypoint line
    # snapping a corridor to a graph directly gives the same line
    snapped = osm.snap_to_osm(north, osm.load_osm(grid), source=str(grid))
    assert score(snapped)[0].length_km == pytest.approx(EAST_WAY, rel=1e-7)


def test_an_extract_that_misses_the_corridor_is_an_error(grid, tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDORS_CACHE", str(tmp_path / "cache"))
    seeds = tmp_path / "seeds"  # no shipped records: only the curated places
    seeds.mkdir()
    (seeds / "places.yaml").write_text((settings.seeds_dir() / "places.yaml").read_text())
    monkeypatch.setattr(settings, "seeds_dir", lambda: seeds)
    path = _record(tmp_path, "astray", ["Southgate", "Lonely"], "grid.osm")
    corridor = load_catalog([path], include_seeds=False)["astray"]
    expected = km(PLACES["Lonely"], P("n", "e"))
    with pytest.raises(GeometryError) as err:
        score(corridor)
    assert str(err.value) == (
        f"{grid}: does not cover corridor 'astray': Lonely (40.000N 69.000E) is "
        f"{expected:,.1f} km from the nearest OSM road (limit 5 km)"
    )
    result = run("show", "astray", "--catalog", path)
    assert result.exit_code == 2 and result.stderr.startswith(f"corridors: error: {grid}: does not cover")
    bad = tmp_path / "bad"
    bad.mkdir()
    with pytest.raises(CatalogError, match=r"osm: 'missing.osm' is not a file"):
        load_catalog([_record(bad, "lost", ["Southgate", "Northgate"], "missing.osm")], include_seeds=False)


def test_without_osm_data_the_waypoint_alignment_stays_with_one_warning(grid, tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDORS_CACHE", str(tmp_path / "cache"))
    corridor = load_catalog([_record(tmp_path, "offline", ["Southgate", "Northgate"], None)], include_seeds=False)[
        "offline"
    ]
    with pytest.warns(
        UserWarning,
        match=r"offline: alignment 'osm' needs OpenStreetMap data .* 'corridors "
        r"fetch-osm offline' once online",
    ):
        result = score(corridor)[0]
    assert result.length_km == pytest.approx(km(PLACES["Southgate"], PLACES["Northgate"]), rel=1e-9)
    # a graph in the cache (as fetch-osm leaves it) is then used offline
    from corridors.osm import write_graphml

    osm.osm_cache_path("offline").parent.mkdir(parents=True)
    write_graphml(osm.load_osm(grid), osm.osm_cache_path("offline"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert score(corridor)[0].length_km == pytest.approx(EAST_WAY, rel=1e-7)  # GraphML keeps 15 digits


def _online() -> bool:
    try:
        socket.create_connection(("overpass-api.de", 443), timeout=3).close()
    except OSError:
        return False
    return True


@pytest.mark.network
@pytest.mark.skipif(not _online(), reason="Overpass API unreachable (offline)")
def test_fetch_osm_downloads_and_caches_a_corridor(tmp_path, monkeypatch):
    monkeypatch.setenv("CORRIDORS_CACHE", str(tmp_path))
    record = tmp_path / "m2.yaml"
    record.write_text(
        "id: m2-stub\nname: Islamabad ring stub\nkind: road\nstatus: operating\nalignment: osm\n"
        "waypoints:\n  - {name: Zero Point, lon: 73.0551, lat: 33.6938}\n"
        "  - {name: Faizabad, lon: 73.0647, lat: 33.6623}\n"
        "sources: [OpenStreetMap]\n"
    )
    corridor = load_catalog([record], include_seeds=False)["m2-stub"]
    path = osm.fetch_osm(corridor, buffer_km=2)
    assert path == tmp_path / "osm" / "m2-stub.graphml" and path.is_file()
    assert list((tmp_path / "overpass").glob("*.json"))  # OSMnx's HTTP cache
    straight = km((73.0551, 33.6938), (73.0647, 33.6623))
    assert straight < score(corridor)[0].length_km < 3 * straight


# ---------------------------------------------------------------------------------------------
# the shipped catalog


@pytest.fixture(scope="module")
def catalog_network():
    return network.build_network(load_catalog().values())


def test_catalog_network_is_an_osmnx_graph(catalog_network):
    ox.convert.validate_graph(catalog_network, strict=True)
    nodes, edges = ox.convert.graph_to_gdfs(catalog_network)
    assert len(nodes) == catalog_network.number_of_nodes() and set(edges.kind) <= {"road", "rail", "pipeline"}
    assert "wakhan-corridor" not in set(edges.corridor)  # a strip of territory, not a way


def _waypoint_km(G: nx.MultiDiGraph, r: routing.Route) -> float:
    """Geodesic length through the route's nodes, and the stubs to waypoints merged into them."""
    return km(*(tuple(p) for p in r.corridor.coords))


def test_catalog_network_connects_gwadar_and_kashgar(catalog_network):
    r = routing.find_routes(catalog_network, "Gwadar", "Kashgar").routes[0]
    assert r.score.sequence == ("PAK", "CHN") and r.corridors[-1] == "karakoram-highway"
    nodes = [catalog_network.nodes[n]["name"] for n in r.nodes]
    assert nodes[0] == "Gwadar" and nodes[-1] == "Kashgar" and "Khunjerab Pass" in nodes
    assert r.network_km == pytest.approx(_waypoint_km(catalog_network, r), rel=1e-9)
    assert r.score.length_km == pytest.approx(r.network_km, rel=1e-6)
    back = routing.find_routes(catalog_network, "Kashgar", "Gwadar").routes[0]
    assert back.network_km == pytest.approx(r.network_km, rel=1e-9)


def test_catalog_network_connects_herat_and_multan(catalog_network):
    """By road over the Afghan ring road and the Khyber; by pipeline along TAPI, one way only."""
    road = routing.find_routes(catalog_network, "Herat", "Multan").routes[0]
    assert road.corridors[0] == "afghan-ring-road-south" and road.score.sequence == ("AFG", "PAK")
    assert road.network_km == pytest.approx(_waypoint_km(catalog_network, road), rel=1e-9)
    r = routing.find_routes(catalog_network, "Herat", "Multan", kind="pipeline").routes[0]
    assert r.corridors[0] == "tapi" and r.score.sequence == ("AFG", "PAK")
    assert r.network_km == pytest.approx(_waypoint_km(catalog_network, r), rel=1e-9)
    with pytest.raises(RoutingError, match="run only against one-way edges"):  # gas flows towards India
        routing.find_routes(catalog_network, "Multan", "Herat", kind="pipeline")
    # the gas field at TAPI's head is on no road or railway
    with pytest.raises(RoutingError, match=r"^Galkynysh gas field lies only on pipeline links \(tapi"):
        routing.find_routes(catalog_network, "Galkynysh gas field", "Multan")


def test_catalog_routes_agree_with_osmnx(catalog_network):
    nodes = sorted(catalog_network.nodes)[::3]
    same_as_osmnx(catalog_network, itertools.permutations(nodes, 2))


def test_dushanbe_to_gwadar_three_alternatives(catalog_network):
    found = routing.find_routes(catalog_network, "Dushanbe", "Gwadar", k=3)
    assert len(found.routes) == 3
    lengths = [r.network_km for r in found.routes]
    assert lengths == sorted(lengths) and len({r.nodes for r in found.routes}) == 3
    for r in found.routes:
        assert r.score.sequence[0] == "TJK" and r.score.sequence[-1] == "PAK"
        assert r.score.length_km == pytest.approx(r.network_km, rel=1e-6)
        assert r.network_km == pytest.approx(_waypoint_km(catalog_network, r), rel=1e-9)
    # each alternative runs at least 5 % of its length more than 25 km from the routes before it
    lines = [np.array(r.corridor.coords) for r in found.routes]
    for i in (1, 2):
        assert routing._apart_share(lines[i], lines[:i], 25_000.0) >= 0.05
    # raw Yen paths are near-copies: the same roads drawn by two records
    raw = routing.find_routes(catalog_network, "Dushanbe", "Gwadar", k=3, distinct=False, score=False)
    assert raw.routes[1].network_km - raw.routes[0].network_km < 0.005 * raw.routes[0].network_km


def test_dushanbe_to_gwadar_avoiding_afghanistan(catalog_network):
    """Without Afghanistan the way south runs over the Pamirs into China and down the Karakoram Highway."""
    found = routing.find_routes(catalog_network, "Dushanbe", "Gwadar", avoid=["AFG"])
    r = found.routes[0]
    assert "AFG" not in r.score.sequence
    assert r.score.sequence[:3] == ("TJK", "CHN", "PAK")
    assert "karakoram-highway" in r.corridors


def test_cli_route_table_and_errors():
    result = run("route", "Dushanbe", "Gwadar", "-k", "3")
    assert result.exit_code == 0, result.output
    assert "Routes Dushanbe → Gwadar" in result.stdout and result.stdout.count("TJK >") == 3
    bad = run("route", "Dushanbe", "Atlantis")
    assert bad.exit_code == 2 and bad.stderr.startswith("corridors: error: unknown place 'Atlantis'")
    far = run("route", "Dushanbe", "Tehran")
    assert far.exit_code == 2 and "is not on the corridor network: the nearest node" in far.stderr


def test_status_operating_excludes_proposed_links(catalog_network):
    """Dushanbe → Gwadar runs along the proposed trans-Afghan railway unless a status is asked for."""
    every = routing.find_routes(catalog_network, "Dushanbe", "Gwadar", score=False)
    assert "trans-afghan-railway" in every.routes[0].corridors
    today = routing.find_routes(
        catalog_network, "Dushanbe", "Gwadar", status=("operating", "partly-built"), score=False
    )
    statuses = {
        d["status"] for u, v in itertools.pairwise(today.routes[0].nodes) for d in catalog_network[u][v].values()
    }
    assert "trans-afghan-railway" not in today.routes[0].corridors and "proposed" not in statuses
    with pytest.raises(RoutingError, match="using only operating links"):
        routing.find_routes(catalog_network, "Dushanbe", "Gwadar", status=("operating",), score=False)
    with pytest.raises(RoutingError, match="status: 'open'"):
        routing.find_routes(catalog_network, "Dushanbe", "Gwadar", status=("open",))


def test_route_cli_status_option():
    args = ["route", "Dushanbe", "Gwadar", "--status", "operating", "--status", "partly-built", "--format", "json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "trans-afghan-railway" not in result.output
    bad = CliRunner().invoke(cli, ["route", "Dushanbe", "Gwadar", "--status", "operating"])
    assert bad.exit_code == 2 and "using only operating links" in bad.output


def test_off_line_stops_are_network_nodes(catalog_network):
    names = {d["name"] for _, d in catalog_network.nodes(data=True)}
    assert {"Dasu", "Aliabad (Hunza)"} <= names
    kkh = load_catalog()["karakoram-highway"]
    assert [w.name for w in kkh.stops] == ["Dasu", "Aliabad (Hunza)"]


def test_route_skips_closed_posts_and_warns_on_seasonal_ones(catalog_network):
    """Torkham is recorded closed (as of 2025-10-30): a traveller's route goes round it."""
    today = routing.find_routes(catalog_network, "Peshawar", "Kabul", status=("operating",), score=False)
    assert any(n.startswith("skipping Torkham (closed, as of 2025-10-30") for n in today.notes)
    names = {catalog_network.nodes[n]["name"] for n in today.routes[0].nodes}
    assert "Torkham" not in names and "Khunjerab Pass" in names
    assert any(n.startswith("the route passes Khunjerab Pass (open Apr–Nov only") for n in today.notes)
    planner = routing.find_routes(catalog_network, "Peshawar", "Kabul", score=False)
    assert any(n.startswith("the route passes Torkham (closed") for n in planner.notes)
    result = CliRunner().invoke(cli, ["route", "Peshawar", "Kabul", "--status", "operating", "--format", "csv"])
    assert result.exit_code == 0 and "note: skipping Torkham (closed" in result.output


def test_a_route_skips_a_closed_post_and_names_a_seasonal_one(world, monkeypatch):
    """Synthetic: Charlie is a closed post, North Cape a seasonal one. By hand, a route over open
    links from Alpha to Delta must leave Charlie out: Alpha–Bravo–North Cape–Far Point–Delta."""
    from corridors import gazetteer

    closed = gazetteer.Place(
        "Charlie", *PLACES["Charlie"], "border-crossing", "BBB", "synthetic", carries=("road",),
        status="closed", as_of="2025-01-01", status_source="Test Gazette, 2025-01-01",
    )  # fmt: skip
    seasonal = gazetteer.Place(
        "North Cape", *NC, "pass", "AAA", "synthetic", carries=("road",), status="seasonal",
        open_months="Jun–Sep", as_of="2025-02-01", status_source="Test Gazette, 2025-02-01",
    )  # fmt: skip
    monkeypatch.setattr(gazetteer, "posts", lambda: (closed, seasonal))
    today = routing.find_routes(world, "Alpha", "Delta", status=("operating",), score=False)
    (r,) = today.routes
    assert [world.nodes[n]["name"] for n in r.nodes] == ["Alpha", "Bravo", "North Cape", "Far Point", "Delta"]
    assert r.network_km == pytest.approx(km(A, B) + km(B, NC) + km(NC, FP) + km(FP, D), rel=1e-9)
    assert today.notes == (
        "skipping Charlie (closed, as of 2025-01-01; Test Gazette, 2025-01-01)",
        "the route passes North Cape (open Jun–Sep only, as of 2025-02-01; Test Gazette, 2025-02-01)",
    )
    # without a status every link counts: the shortest route crosses Charlie and says it is closed
    planner = routing.find_routes(world, "Alpha", "Delta", score=False)
    assert [world.nodes[n]["name"] for n in planner.routes[0].nodes] == ["Alpha", "Bravo", "Charlie", "Delta"]
    assert planner.notes == ("the route passes Charlie (closed, as of 2025-01-01; Test Gazette, 2025-01-01)",)
    # a closed post that no route between the stops would use is not mentioned
    assert routing.find_routes(world, "Alpha", "Bravo", status=("operating",), score=False).notes == ()
    # a closed post that is the only way is skipped, and the error says so
    G = network.build_network([c for c in corridors() if c.id != "north"])
    with pytest.raises(RoutingError, match=r"using only operating links: .*skipping Charlie \(closed"):
        routing.find_routes(G, "Alpha", "Delta", status=("operating",), score=False)


def test_scheduled_posts_on_a_route_are_named(catalog_network):
    """Irkeshtam works Monday to Friday (Kyrgyz Border Service); Torkham is not in the way."""
    found = routing.find_routes(catalog_network, "Kashgar", "Osh", status=("operating",), score=False)
    assert [n.split(";")[0] for n in found.notes] == [
        "the route passes Irkeshtam crossing (open: Mon–Fri",
    ]


def test_posts_record_what_they_carry_and_their_state():
    from corridors import gazetteer

    posts = {p.name: p for p in gazetteer.posts()}
    assert {"Wagah–Attari crossing", "Taftan–Mirjaveh crossing", "Torkham", "Khunjerab Pass"} <= set(posts)
    assert (
        posts["Wagah–Attari crossing"].carries == ("road", "rail") and posts["Wagah–Attari crossing"].status == "closed"
    )
    assert posts["Khunjerab Pass"].status == "seasonal" and posts["Khunjerab Pass"].open_months
    for p in posts.values():
        assert p.status in gazetteer.POST_STATUSES and p.as_of and p.status_source and p.carries
