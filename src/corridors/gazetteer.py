"""Place names to points: the curated ``seeds/places.yaml`` first, then GeoNames cities1000.

Curated places carry their kind (port, pass, border crossing, gas field…) and source; GeoNames
towns are cited to GeoNames (CC BY 4.0) through ``geodata/SOURCES.md``. Lookups ignore case.
``"Name, CC"`` narrows a GeoNames name to one country by ISO alpha-2 code.
"""

from __future__ import annotations

import difflib
import sqlite3
from dataclasses import dataclass
from functools import cache
from typing import Any

import shapely
import yaml

from . import _validate, geodata, settings
from ._errors import CatalogError, PlaceError

__all__ = ["POST_CARRIES", "POST_STATUSES", "Place", "curated_places", "lookup", "posts", "suggest"]

_GEONAMES_SOURCE = "GeoNames cities1000 (CC BY 4.0), via geodata/places.gpkg"


@dataclass(frozen=True)
class Place:
    """A named point. ``kind`` is ``town`` for GeoNames entries; ``country`` is ISO3 or alpha-2."""

    name: str
    lon: float
    lat: float
    kind: str
    country: str
    source: str
    elevation_m: float | None = None
    note: str = ""
    aliases: tuple[str, ...] = ()
    #: For border posts, passes and bridges: what crosses there (``road``, ``rail``, ``pipeline``).
    carries: tuple[str, ...] = ()
    #: ``open``, ``closed`` or ``seasonal`` (then ``open_months``, e.g. ``"Apr–Nov"``); "" unknown.
    status: str = ""
    open_months: str = ""
    #: Published opening hours or days of an open post (``"Mon–Fri; closed on Chinese public holidays"``).
    schedule: str = ""
    as_of: str = ""  #: the date the status describes (ISO 8601)
    status_source: str = ""  #: the publication that reports the status


#: Values of a post's ``status`` and ``carries``.
POST_STATUSES = ("open", "closed", "seasonal")
POST_CARRIES = ("road", "rail", "pipeline")


@cache
def curated_places() -> tuple[Place, ...]:
    """The curated points of ``seeds/places.yaml`` (ports, passes, crossings, fields…)."""
    path = settings.seeds_dir() / "places.yaml"
    try:
        records: Any = _validate.load_yaml(path.read_text(encoding="utf-8")) or []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read curated places: {_first_line(exc)}") from None
    if isinstance(records, dict):
        records = records.get("places", [])
    if not isinstance(records, list):
        raise CatalogError(f"{path}: places: {records!r:.60} is not a list of places")
    places = []
    for i, rec in enumerate(records):
        field = f"places[{i}]"
        if not isinstance(rec, dict):
            raise CatalogError(f"{path}: {field}: {rec!r:.60} is not a mapping with name, lon, lat and source")
        missing = [k for k in ("name", "lon", "lat", "source") if k not in rec]
        if missing:
            raise CatalogError(f"{path}: {field}: missing field(s) {', '.join(missing)}")
        problems: list[str] = []
        _validate.check_lonlat(problems, field, rec["lon"], rec["lat"])
        if rec.get("elevation_m") is not None:
            _validate.check_number(problems, f"{field}.elevation_m", rec["elevation_m"])
        status = rec.get("status", "")
        if status:
            _validate.check_choice(problems, f"{field}.status", status, POST_STATUSES)
            for key in ("as_of", "status_source"):
                if not rec.get(key):
                    problems.append(f"{field}: a post with a status needs {key}")
            if status == "seasonal" and not rec.get("open_months"):
                problems.append(f"{field}: a seasonal post needs open_months")
        for key in ("open_months", "schedule"):
            if key in rec and not isinstance(rec[key], str):
                problems.append(f"{field}.{key}: {rec[key]!r} is not text")
        carries = rec.get("carries") or []
        if not isinstance(carries, list):
            problems.append(f"{field}.carries: {carries!r} is not a list")
            carries = []
        for c in carries:
            _validate.check_choice(problems, f"{field}.carries", c, POST_CARRIES)
        _validate.raise_if(path, problems)
        places.append(
            Place(
                name=str(rec["name"]),
                lon=float(rec["lon"]),
                lat=float(rec["lat"]),
                kind=str(rec.get("kind", "place")),
                country=str(rec.get("country", "")),
                source=str(rec["source"]),
                elevation_m=None if rec.get("elevation_m") is None else float(rec["elevation_m"]),
                note=str(rec.get("note", "")),
                aliases=tuple(str(a) for a in rec.get("aliases") or ()),
                carries=tuple(str(c) for c in carries),
                status=str(status or ""),
                open_months=str(rec.get("open_months", "")),
                schedule=str(rec.get("schedule", "")),
                as_of=str(rec.get("as_of", "")),
                status_source=str(rec.get("status_source", "")),
            )
        )
    return tuple(places)


def posts() -> tuple[Place, ...]:
    """The curated places with a crossing status (border posts, passes, bridges), in file order."""
    return tuple(p for p in curated_places() if p.status)


@cache
def _curated_index() -> dict[str, Place]:
    index: dict[str, Place] = {}
    for place in curated_places():
        for alias in (place.name, *place.aliases):
            index.setdefault(alias.casefold(), place)
    return index


def lookup(name: str) -> Place:
    """The place called ``name``; `PlaceError` with suggestions when there is none.

    A GeoNames name found in several countries must be qualified as ``"Name, CC"``.
    """
    key = name.strip().casefold()
    if key in _curated_index():
        return _curated_index()[key]
    base, _, cc = (part.strip() for part in name.partition(","))
    rows = _geonames_rows(base, cc.upper())
    if not rows:
        hint = suggest(name)
        tail = f"; did you mean {', '.join(repr(s) for s in hint)}?" if hint else ""
        raise PlaceError(f"unknown place {name!r}{tail}")
    countries = sorted({r[1] for r in rows})
    if len(countries) > 1:
        options = ", ".join(f"'{base}, {c}'" for c in countries)
        raise PlaceError(f"ambiguous place {name!r}: found in {len(countries)} countries; write one of {options}")
    place_name, cc_found, lon, lat, admin1 = rows[0]
    return Place(
        name=place_name,
        lon=lon,
        lat=lat,
        kind="town",
        country=cc_found,
        source=_GEONAMES_SOURCE,
        note=admin1 or "",
    )


@cache
def _geonames_index() -> dict[str, list[tuple[str, str, float, float, str]]]:
    """Every GeoNames place by case-folded name, in file order: one read of the layer, then lookups."""
    path = geodata.layer_path("places.gpkg")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT name, cc, geom, admin1 FROM places ORDER BY fid").fetchall()
    points = shapely.from_wkb([geodata._gpkg_to_wkb(blob) for _, _, blob, _ in rows])
    xy = shapely.get_coordinates(points).tolist()
    index: dict[str, list[tuple[str, str, float, float, str]]] = {}
    for (place_name, cc, _, admin1), (lon, lat) in zip(rows, xy, strict=True):
        index.setdefault(place_name.casefold(), []).append((place_name, cc, lon, lat, admin1))
    return index


def _geonames_rows(name: str, cc: str) -> list[tuple[str, str, float, float, str]]:
    rows = _geonames_index().get(name.casefold(), [])
    return [r for r in rows if r[1] == cc] if cc else rows


@cache
def _all_names() -> tuple[str, ...]:
    path = geodata.layer_path("places.gpkg")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        names = {row[0] for row in con.execute("SELECT DISTINCT name FROM places")}
    names.update(p.name for p in curated_places())
    return tuple(sorted(names))


def suggest(name: str, n: int = 3) -> list[str]:
    """Up to ``n`` known place names that look like ``name``."""
    return difflib.get_close_matches(name.split(",")[0].strip(), _all_names(), n=n, cutoff=0.75)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
