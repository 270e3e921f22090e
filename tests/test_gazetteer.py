"""corridors.gazetteer: curated places, the GeoNames fallback, suggestions and a bad curated file.

Reference coordinates are published ones, cited per line; distances to them are measured here
with an independent pyproj Geod, not with corridors.distance.
"""

from __future__ import annotations

import re

import geopandas
import numpy as np
import pytest
import shapely
import shapely.ops
from pyproj import Geod

from corridors import CatalogError, CorridorsError, PlaceError, gazetteer, geodata

WGS84 = Geod(ellps="WGS84")


def km_between(place: gazetteer.Place, lat: float, lon: float) -> float:
    return WGS84.inv(place.lon, place.lat, lon, lat)[2] / 1000.0


def _clear_caches() -> None:
    for name in ("curated_places", "_curated_index", "_all_names"):
        getattr(gazetteer, name).cache_clear()


@pytest.fixture
def seeds(tmp_path, monkeypatch):
    """An empty CORRIDORS_SEEDS folder; the gazetteer caches are cleared before and after."""
    monkeypatch.setenv("CORRIDORS_SEEDS", str(tmp_path))
    _clear_caches()
    yield tmp_path
    _clear_caches()  # the next test reloads the shipped seeds/places.yaml


# (query, published lat, lon, source). Curated entries (kind != town) and GeoNames towns alike
# must sit within 5 km of the published position.
PUBLISHED = [
    # en.wikipedia.org/wiki/Karakoram_Highway via corridor-facts.md §2: 36.850 N, 75.428 E
    ("Khunjerab Pass", 36.850, 75.428, "pass"),
    # en.wikipedia.org/wiki/Gwadar_Port: 25.1105 N, 62.3396 E
    ("Gwadar Port", 25.1105, 62.3396, "port"),
    # en.wikipedia.org/wiki/Salang_Tunnel: 35°19′19.5″N 69°1′37″E
    ("Salang Tunnel", 35 + 19 / 60 + 19.5 / 3600, 69 + 1 / 60 + 37 / 3600, "pass"),
    # en.wikipedia.org/wiki/Torkham_border_crossing: 34°6′53″N 71°5′5″E
    ("Torkham", 34 + 6 / 60 + 53 / 3600, 71 + 5 / 60 + 5 / 3600, "border-crossing"),
    # en.wikipedia.org/wiki/Quetta: 30°11′N 67°00′E (corridor-facts.md §3: 30.183, 67.000) — GeoNames
    ("Quetta", 30.183, 67.000, "town"),
    # en.wikipedia.org/wiki/Gwadar (city): corridor-facts.md §3: 25.126, 62.323 — GeoNames
    ("Gwadar", 25.126, 62.323, "town"),
    # en.wikipedia.org/wiki/Multan via corridor-facts.md §4: 30.198, 71.471 — GeoNames
    ("Multan", 30.198, 71.471, "town"),
    # en.wikipedia.org/wiki/Herat via corridor-facts.md §4: 34.342, 62.203 — GeoNames
    ("Herat", 34.342, 62.203, "town"),
    # en.wikipedia.org/wiki/Wagah: 31°36′17″N 74°34′23″E
    ("Wagah–Attari crossing", 31 + 36 / 60 + 17 / 3600, 74 + 34 / 60 + 23 / 3600, "border-crossing"),
    # de.wikipedia.org/wiki/Taftan_(Belutschistan): 28°57′N 61°35′E
    ("Taftan–Mirjaveh crossing", 28.95, 61 + 35 / 60, "border-crossing"),
]


@pytest.mark.parametrize(("query", "lat", "lon", "kind"), PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_places_lie_within_5_km_of_their_published_position(query, lat, lon, kind):
    place = gazetteer.lookup(query)
    assert place.kind == kind
    assert km_between(place, lat, lon) < 5.0


def test_a_town_not_curated_comes_from_geonames():
    assert "quetta" not in {p.name.casefold() for p in gazetteer.curated_places()}
    place = gazetteer.lookup("Quetta")
    assert (place.name, place.kind, place.country, place.note) == ("Quetta", "town", "PK", "Balochistan")
    assert "GeoNames" in place.source


def test_curated_entry_wins_over_a_misplaced_geonames_namesake():
    # GeoNames cities1000 has a 'Hasan Abdal' at 30.43 N (a different village); the KKH junction
    # is at 33.822 N, 72.683 E (en.wikipedia.org/wiki/Karakoram_Highway, corridor-facts.md §2).
    raw = geopandas.read_file(geodata.layer_path("places.gpkg"), where="name = 'Hasan Abdal'")
    assert len(raw) == 1 and abs(raw.geometry.y.iloc[0] - 30.43) < 0.01
    place = gazetteer.lookup("Hasan Abdal")
    assert place.kind == "junction"
    assert km_between(place, 33.822, 72.683) < 1.0


@pytest.mark.parametrize("query", ["khunjerab pass", "KHUNJERAB PASS", "  Khunjerab Pass\t\n", "khunjerab"])
def test_case_surrounding_whitespace_and_aliases_are_ignored(query):
    assert gazetteer.lookup(query).name == "Khunjerab Pass"


@pytest.mark.parametrize("query", ["quetta", " QUETTA ", "Quetta, PK", " quetta ,  pk "])
def test_geonames_lookup_ignores_case_and_whitespace(query):
    assert gazetteer.lookup(query) == gazetteer.lookup("Quetta")


def test_an_ambiguous_town_lists_its_countries_and_a_qualified_name_resolves():
    with pytest.raises(PlaceError) as err:
        gazetteer.lookup("Aliabad")
    msg = str(err.value)
    assert "'Aliabad'" in msg and "'Aliabad, AF'" in msg and "'Aliabad, PK'" in msg
    # corridor-facts.md §2: Aliabad (Hunza) 36.312 N, 74.618 E
    assert km_between(gazetteer.lookup("Aliabad, pk"), 36.312, 74.618) < 2.0


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("Quettta", "Quetta"), ("Khunjerab Pas", "Khunjerab Pass"), ("Gabd-Rimdan crossing", "Gabd–Rimdan crossing")],
)
def test_unknown_place_names_itself_and_suggests_close_names(typo, meant):
    assert meant in gazetteer.suggest(typo)
    with pytest.raises(PlaceError) as err:
        gazetteer.lookup(typo)
    assert isinstance(err.value, LookupError) and isinstance(err.value, CorridorsError)
    assert f"unknown place {typo!r}" in str(err.value)
    assert repr(meant) in str(err.value)
    assert "\n" not in str(err.value)


def test_a_name_like_nothing_gets_no_suggestion():
    assert gazetteer.suggest("Xyzzyqq") == []
    with pytest.raises(PlaceError, match=r"^unknown place 'Xyzzyqq'$"):
        gazetteer.lookup("Xyzzyqq")


def test_suggest_returns_at_most_n_names():
    assert len(gazetteer.suggest("Aliabad", n=1)) <= 1
    assert len(gazetteer.suggest("Quettta", n=3)) <= 3


def test_curated_places_are_read_from_the_seeds_folder_of_the_environment(seeds):
    (seeds / "places.yaml").write_text(
        "places:\n  - name: Test Post\n    aliases: [TP]\n    kind: border-crossing\n"
        "    lat: 30.5\n    lon: 61.0\n    country: AAA\n    source: hand-made\n",
        encoding="utf-8",
    )
    (place,) = gazetteer.curated_places()
    assert (place.name, place.lat, place.lon, place.kind, place.aliases) == (
        "Test Post",
        30.5,
        61.0,
        "border-crossing",
        ("TP",),
    )
    assert gazetteer.lookup(" tp ") is place


def test_broken_yaml_is_a_catalog_error_naming_the_file(seeds):
    bad = seeds / "places.yaml"
    bad.write_text("- name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"places\.yaml: cannot read curated places") as err:
        gazetteer.lookup("Quetta")  # the curated index is consulted first
    assert str(bad) in str(err.value)


def test_a_record_missing_a_field_names_the_file_the_record_and_the_field(seeds):
    bad = seeds / "places.yaml"
    bad.write_text(
        "- {name: Ok, lat: 30, lon: 61, source: s}\n- {name: No lat, lon: 61, source: s}\n", encoding="utf-8"
    )
    with pytest.raises(CatalogError) as err:
        gazetteer.curated_places()
    assert str(bad) in str(err.value) and "places[1]" in str(err.value) and "missing field(s) lat" in str(err.value)


def test_a_missing_curated_file_is_a_catalog_error(seeds):
    with pytest.raises(CatalogError, match=r"places\.yaml"):
        gazetteer.curated_places()


@pytest.mark.parametrize("text", ["42\n", "places: 5\n"])
def test_a_scalar_curated_file_is_a_catalog_error(seeds, text):
    (seeds / "places.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"places\.yaml"):
        gazetteer.curated_places()


def test_a_curated_file_that_is_not_utf8_is_a_catalog_error(seeds):
    (seeds / "places.yaml").write_bytes(b"- name: Gabd\xff\n  lat: 25\n  lon: 61\n  source: s\n")
    with pytest.raises(CatalogError, match=r"places\.yaml"):
        gazetteer.curated_places()


def test_a_curated_latitude_out_of_range_is_a_catalog_error(seeds):
    (seeds / "places.yaml").write_text("- {name: Nowhere, lat: 95, lon: 61, source: s}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="95"):
        gazetteer.curated_places()


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            "status: shut, as_of: '2025', status_source: s",
            "places[0].status: 'shut' is not one of open, closed, seasonal",
        ),
        (
            "status: open, carries: [ferry], as_of: '2025', status_source: s",
            "'ferry' is not one of road, rail, pipeline",
        ),
        ("status: closed", "places[0]: a post with a status needs as_of"),
        ("status: seasonal, as_of: '2025', status_source: s", "places[0]: a seasonal post needs open_months"),
        ("carries: road", "places[0].carries: 'road' is not a list"),
        ("status: open, schedule: [1], as_of: '2025', status_source: s", "places[0].schedule: [1] is not text"),
    ],
)
def test_post_status_is_validated(seeds, record, message):
    (seeds / "places.yaml").write_text(f"- {{name: A, lon: 70, lat: 30, source: s, {record}}}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=re.escape(message)):
        gazetteer.curated_places()


# ---------------------------------------------------------------------------------- border posts

#: Posts at a published position: name, the position converted here by hand from the figure the
#: source states, and that figure as the record quotes it.
POST_FIGURES = [
    ("Torkham", 34 + 6 / 60 + 53 / 3600, 71 + 5 / 60 + 5 / 3600, "34°6′53″N 71°5′5″E"),
    ("Wesh–Chaman crossing", 30 + 55 / 60 + 20 / 3600, 66 + 26 / 60 + 41 / 3600, "30°55′20″N 66°26′41″E"),
    ("Irkeshtam crossing", 39 + 40 / 60 + 41 / 3600, 73 + 53 / 60 + 55 / 3600, "39°40′41″N 73°53′55″E"),
    ("Kyzyl-Art Pass", 39 + 23 / 60 + 3.6 / 3600, 73 + 19 / 60 + 21 / 3600, "39°23′03.60″N 73°19′21″E"),
    ("Hairatan–Termez Friendship Bridge", 37 + 13 / 60 + 40 / 3600, 67 + 25 / 60 + 42 / 3600, "37°13′40″N 67°25′42″E"),
    ("Wagah–Attari crossing", 31 + 36 / 60 + 17 / 3600, 74 + 34 / 60 + 23 / 3600, "31°36′17″N 74°34′23″E"),
    ("Taftan–Mirjaveh crossing", 28 + 57 / 60, 61 + 35 / 60, "28°57′N 61°35′E"),
    ("Sher Khan Bandar–Panji Poyon bridge", 37 + 12 / 60, 68 + 35 / 60, "37°12′N 68°35′E"),
    ("Torugart Pass", 40 + 35 / 60 + 33 / 3600, 75 + 25 / 60 + 38 / 3600, "40°35′33″N 75°25′38″E"),
    ("Kulma Pass", 38 + 8 / 60 + 58 / 3600, 74 + 48 / 60 + 5 / 3600, "38°08′58″N 74°48′05″E"),
]


@pytest.mark.parametrize(("name", "lat", "lon", "figure"), POST_FIGURES, ids=[p[0] for p in POST_FIGURES])
def test_posts_sit_at_the_position_their_source_states(name, lat, lon, figure):
    post = {p.name: p for p in gazetteer.posts()}[name]
    assert figure in post.source
    assert km_between(post, lat, lon) < 0.05


def test_every_border_crossing_is_a_post_with_a_dated_state_and_what_it_carries():
    crossings = [p for p in gazetteer.curated_places() if p.kind == "border-crossing"]
    assert len(crossings) == 13 and set(crossings) <= set(gazetteer.posts())
    for p in gazetteer.posts():
        assert p.status in gazetteer.POST_STATUSES and p.carries, p.name
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.as_of), (p.name, p.as_of)
        assert re.search(r"(19|20)\d\d", p.status_source), p.name
        assert p.status != "seasonal" or p.open_months, p.name


def test_border_crossings_without_published_coordinates_say_so():
    figures = {name for name, *_ in POST_FIGURES}
    estimates = []
    for p in gazetteer.curated_places():
        if p.kind != "border-crossing" or p.name in figures:
            continue
        if p.note.startswith("estimate"):
            assert "No published coordinates" in p.source, p.name
            estimates.append(p.name)
        else:  # a position the source states, to the minute
            assert re.search(r"\d+°\d+′", p.source), p.name
    assert len(estimates) == 6  # Ishkoshim, Gabd, Serhetabat, Fazilka, Kharlachi, Tursunzoda


def test_posts_lie_on_the_side_of_the_border_they_record():
    """Natural Earth 1:10m puts every post in the country its record names (the real post's side),
    unless the record says where Natural Earth's line is off (Wagah: 1.4 km)."""
    posts = gazetteer.posts()
    countries = geodata.countries()
    rows = countries.locate(np.array([p.lon for p in posts]), np.array([p.lat for p in posts]))
    other_side = [p.name for p, r in zip(posts, rows, strict=True) if countries.iso_a3[r] != p.country]
    assert other_side == ["Wagah–Attari crossing"]
    assert "puts this point in India" in {p.name: p for p in posts}["Wagah–Attari crossing"].note


def test_the_new_posts_of_issue_10():
    posts = {p.name: p for p in gazetteer.posts()}
    tursunzoda = posts["Tursunzoda–Sariosiyo crossing"]
    assert (tursunzoda.country, tursunzoda.carries, tursunzoda.status) == ("TJK", ("road", "rail"), "open")
    assert gazetteer.lookup("Bor-Döbö") is posts["Kyzyl-Art Pass"]
    assert posts["Irkeshtam crossing"].schedule.startswith("Mon–Fri")
    assert posts["Torugart Pass"].schedule == posts["Irkeshtam crossing"].schedule
    assert posts["Khunjerab Pass"].open_months == "Apr–Nov"


#: A modeled crossing and the real post it is named after: corridor, post, published lat, lon.
OFF_LINE_POSTS = [
    ("dushanbe-kunduz-connector", "Sher Khan Bandar–Panji Poyon bridge", 37 + 12 / 60, 68 + 35 / 60),
    ("kashgar-irkeshtam-osh", "Irkeshtam crossing", 39 + 40 / 60 + 41 / 3600, 73 + 53 / 60 + 55 / 3600),
    ("pamir-highway", "Kyzyl-Art Pass", 39 + 23 / 60 + 3.6 / 3600, 73 + 19 / 60 + 21 / 3600),
]


@pytest.mark.parametrize(("cid", "post", "lat", "lon"), OFF_LINE_POSTS, ids=[p[0] for p in OFF_LINE_POSTS])
def test_a_modeled_crossing_reports_its_distance_to_the_real_post(cid, post, lat, lon):
    from corridors.catalog import load_catalog
    from corridors.scoring import score_records

    (s,) = score_records([load_catalog()[cid]])
    (x,) = [x for x in s.crossings if x.named == post]
    # the modeled crossing lies on the Natural Earth boundary between its two countries ...
    countries = geodata.countries()
    a, b = (countries.geometry[list(countries.iso_a3).index(c)] for c in (x.from_country, x.to_country))
    border = shapely.intersection(shapely.boundary(a), shapely.boundary(b))
    on_border = shapely.ops.nearest_points(border, shapely.Point(x.lon, x.lat))[0]
    assert WGS84.inv(x.lon, x.lat, on_border.x, on_border.y)[2] < 50.0
    # ... off the real post, whose distance it reports (pyproj here, the KD-tree search there)
    expected_km = WGS84.inv(x.lon, x.lat, lon, lat)[2] / 1000.0
    assert expected_km > 0.15
    assert x.named_distance_km == pytest.approx(expected_km, abs=0.005)
