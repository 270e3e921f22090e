"""The corridor catalog: cited records from ``seeds/`` and user files, validated once.

A record names its waypoints (gazetteer names or explicit lon/lat), the countries its sources say
it crosses, and its published figures, each with a source. User files may be YAML records of the
same schema (one record, a list, or a folder of them) or GeoJSON LineString/MultiLineString
features as GIS software exports them, or GeoParquet files of such lines.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _validate as v
from . import settings
from ._errors import CatalogError, PlaceError, UnknownCorridorError
from .io import note_input

if TYPE_CHECKING:
    import geopandas

__all__ = [
    "MODES",
    "Attributes",
    "Catalog",
    "Corridor",
    "Cost",
    "Figure",
    "Owner",
    "Published",
    "Segment",
    "Source",
    "Waypoint",
    "corridors_from_gdf",
    "iter_catalog",
    "load_catalog",
]


#: Record kind → mode of its edges. Strips of territory are not ways and stay out of the network.
MODES: dict[str, str] = {
    "road": "road",
    "rail": "rail",
    "pipeline": "pipeline",
    "connector": "road",
    "port-link": "road",
    "route": "road",
}


_ATTRIBUTE_KEYS = ("capacity", "diameter_mm", "cost", "milestones", "owners", "fuel", "route_accuracy", "ids")
#: Keys a record may carry (anything else is an error with a did-you-mean).
RECORD_KEYS = (
    "id",
    "name",
    "kind",
    "status",
    "summary",
    "countries",
    "alignment",
    "alignment_note",
    "osm",
    "waypoints",
    "coords",
    "narrowest_between",
    "published",
    "variants",
    "sources",
    *_ATTRIBUTE_KEYS,
)
VARIANT_KEYS = (*(k for k in RECORD_KEYS if k != "variants"), "continues")
WAYPOINT_KEYS = ("place", "name", "lon", "lat", "source", "note", "offline", "tunnel", "bridge")
PUBLISHED_KEYS = ("length_km", "country_length_km", "segments", "facts")
_CITATION_KEYS = ("source", "url", "date", "kind", "as_of")
FIGURE_KEYS = ("value", "unit", "label", *_CITATION_KEYS, "alternatives", "reason", "exception")
SEGMENT_KEYS = ("from", "to", "km", "label", *_CITATION_KEYS, "alternatives", "reason", "exception")
SOURCE_KEYS = ("title", "url", "date", "kind")
COST_KEYS = ("amount", "currency", "year", *_CITATION_KEYS)
OWNER_KEYS = ("name", "role", "share_pct", "source")
ID_KEYS = ("gem_id", "wikidata", "osm_relation")


@dataclass(frozen=True)
class Figure:
    """A published figure and where it was published. ``value`` is a number or a text.

    ``kind`` is the kind of source (official, press or secondary), ``as_of`` the date the figure
    describes. A length with ``alternatives`` spans a range; ``reason`` says why ``value`` is the
    headline, ``exception`` why a modeled length may differ from the range beyond the tolerance.
    """

    value: float | str
    source: str
    label: str = ""
    unit: str = ""
    alternatives: tuple[Figure, ...] = ()
    url: str = ""
    date: str = ""
    kind: str = ""
    as_of: str = ""
    reason: str = ""
    exception: str = ""

    @property
    def values(self) -> tuple[float, ...]:
        """Every numeric value: the headline first, then the alternatives."""
        return tuple(
            float(f.value)
            for f in (self, *self.alternatives)
            if isinstance(f.value, int | float) and not isinstance(f.value, bool)
        )

    @property
    def range(self) -> tuple[float, float] | None:
        """Smallest and largest published value (None when none is a number).

        >>> Figure(573, "a", alternatives=(Figure(764, "b"), Figure(600, "c"))).range
        (573.0, 764.0)
        """
        vals = self.values
        return (min(vals), max(vals)) if vals else None

    def diff_to_range_pct(self, modeled: float) -> float | None:
        """Difference of ``modeled`` to the published range, percent of the nearer end (0 inside).

        >>> Figure(100, "a", alternatives=(Figure(120, "b"),)).diff_to_range_pct(110.0)
        0.0
        >>> round(Figure(100, "a").diff_to_range_pct(90.0), 1)
        -10.0
        """
        rng = self.range
        if rng is None or rng[0] <= 0:
            return None
        lo, hi = rng
        if modeled < lo:
            return (modeled - lo) / lo * 100.0
        if modeled > hi:
            return (modeled - hi) / hi * 100.0
        return 0.0

    @property
    def sources(self) -> tuple[Figure, ...]:
        """The headline and its alternatives: one figure per source."""
        return (self, *self.alternatives)


@dataclass(frozen=True)
class Segment:
    """A published length between two waypoints of the record (names as the record shows them)."""

    start: str
    end: str
    km: Figure

    @property
    def label(self) -> str:
        return f"{self.start} – {self.end}"


@dataclass(frozen=True)
class Published:
    """Published figures of a corridor: total length, length per country (ISO3), segments, facts."""

    length_km: Figure | None = None
    country_length_km: Mapping[str, Figure] = field(default_factory=dict)
    facts: tuple[Figure, ...] = ()
    segments: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class Cost:
    """Published cost of a project: amount in ``currency`` of ``year``."""

    amount: float
    currency: str
    year: int | None
    source: str
    as_of: str = ""


@dataclass(frozen=True)
class Owner:
    """An owner or operator of a project, with its share (percent) when published."""

    name: str
    role: str = "owner"
    share_pct: float | None = None
    source: str = ""


@dataclass(frozen=True)
class Attributes:
    """Structured project attributes after Global Energy Monitor's pipeline tracker.

    ``capacity`` in bcm/y (gas) or Mt/y (freight); ``diameter_mm``; ``cost``; ``milestones``:
    years by ``proposed``, ``fid``, ``construction_start``, ``operation_start``; ``owners``;
    ``fuel``; ``route_accuracy`` (high / medium / low); ``ids``: ``gem_id``, ``wikidata``,
    ``osm_relation``.
    """

    capacity: Figure | None = None
    diameter_mm: Figure | None = None
    cost: Cost | None = None
    milestones: Mapping[str, int] = field(default_factory=dict)
    owners: tuple[Owner, ...] = ()
    fuel: str = ""
    route_accuracy: str = ""
    ids: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    """A source cited by a record as a whole."""

    title: str
    url: str = ""
    date: str = ""
    kind: str = ""  #: official, press or secondary


@dataclass(frozen=True)
class Waypoint:
    """An ordered point of a route, lon/lat in degrees (WGS84)."""

    name: str
    lon: float
    lat: float
    source: str = ""
    kind: str = ""
    offline: bool = False  #: an off-line stop: served by a spur, not part of the line
    alias: str = ""  #: the place name as the record wrote it, when the gazetteer's differs
    #: The segment ending here is a tunnel (or bridge): the line runs straight from the previous
    #: waypoint and the profile interpolates between the two ends instead of following the ground.
    tunnel: bool = False
    bridge: bool = False


@dataclass(frozen=True)
class Corridor:
    """One corridor (or variant, or user route) as validated data.

    ``coords`` holds the vertices of a user-supplied geometry (lon, lat pairs) when the route comes
    from a GeoJSON file; otherwise the route is modeled from ``waypoints`` by `alignment`.
    """

    id: str
    name: str
    kind: str
    status: str
    waypoints: tuple[Waypoint, ...]
    countries: tuple[str, ...] = ()
    alignment: str = "geodesic"
    #: Why a route in mountains is not terrain-following (``alignment: geodesic`` kept on purpose).
    alignment_note: str = ""
    summary: str = ""
    published: Published = field(default_factory=Published)
    sources: tuple[Source, ...] = ()
    narrowest_between: tuple[str, str] | None = None
    parent: str | None = None
    path: str = ""
    coords: tuple[tuple[float, float], ...] = ()
    osm: str = ""  #: OSM XML extract for ``alignment: osm``, resolved against the record's folder
    stops: tuple[Waypoint, ...] = ()  #: off-line stops (``offline: true``), reached by a spur
    attributes: Attributes = field(default_factory=Attributes)
    #: Properties of a user's GeoJSON feature that the schema does not name, carried through untouched.
    properties: Mapping[str, Any] = field(default_factory=dict)

    @property
    def structures(self) -> tuple[tuple[int, str], ...]:
        """Segments built as tunnels or bridges: (index of the waypoint ending it, ``tunnel``/``bridge``)."""
        return tuple(
            (i, "tunnel" if w.tunnel else "bridge")
            for i, w in enumerate(self.waypoints)
            if i > 0 and (w.tunnel or w.bridge)
        )

    @property
    def source_text(self) -> str:
        """The record's sources as one line."""
        return "; ".join(s.title + (f" ({s.url})" if s.url else "") for s in self.sources)


class Catalog(Mapping[str, Corridor]):
    """Corridors by id, in load order (shipped seeds first, sorted by id; then user files)."""

    def __init__(self, corridors: Iterable[Corridor]):
        self._items: dict[str, Corridor] = {}
        for corridor in corridors:
            if corridor.id in self._items:
                other = self._items[corridor.id].path
                raise CatalogError(f"{corridor.path}: id: {corridor.id!r} is already defined in {other}")
            self._items[corridor.id] = corridor

    def __getitem__(self, corridor_id: str) -> Corridor:
        try:
            return self._items[corridor_id]
        except KeyError:
            close = difflib.get_close_matches(corridor_id, list(self._items), n=3, cutoff=0.5)
            tail = f"; did you mean {', '.join(close)}?" if close else "; see 'corridors list'"
            raise UnknownCorridorError(f"unknown corridor id {corridor_id!r}{tail}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def select(self, ids: Sequence[str] = ()) -> list[Corridor]:
        """The corridors named by ``ids`` (all when empty), in the order given."""
        return [self[i] for i in ids] if ids else list(self._items.values())

    def __repr__(self) -> str:
        return f"<Catalog of {len(self)} corridors>"

    def to_gdf(self, ids: Sequence[str] = ()) -> geopandas.GeoDataFrame:
        """The catalog as a GeoDataFrame: one row per corridor, indexed by id, EPSG:4326.

        Columns: ``name``, ``kind``, ``status``, ``alignment``, ``countries`` (declared by the
        sources, ISO3 joined by `` > ``), ``published_km`` and ``published_source``, ``variant_of``,
        ``summary``, ``waypoints`` (count), ``sources`` (titles joined by ``; ``), ``file``, and
        ``geometry``: the line through the waypoints (or the user's vertices). The modeled route,
        geodesic or terrain-following, is the geometry of `corridors.score`.

        Examples
        --------
        >>> from corridors import load_catalog
        >>> gdf = load_catalog().to_gdf(["tapi", "karakoram-highway"])
        >>> gdf.loc["tapi", ["kind", "countries"]].tolist(), gdf.crs.to_epsg()
        (['pipeline', 'TKM > AFG > PAK > IND'], 4326)
        """
        import geopandas
        import pandas as pd
        import shapely

        items = self.select(ids)
        published = [c.published.length_km for c in items]
        return geopandas.GeoDataFrame(
            {
                "name": [c.name for c in items],
                "kind": [c.kind for c in items],
                "status": [c.status for c in items],
                "alignment": [c.alignment for c in items],
                "countries": [" > ".join(c.countries) for c in items],
                "published_km": pd.array(
                    [float(p.value) if p and isinstance(p.value, int | float) else None for p in published],
                    dtype="Float64",
                ),
                "published_source": [p.source if p else "" for p in published],
                "variant_of": [c.parent or "" for c in items],
                "summary": [c.summary for c in items],
                "waypoints": pd.array([len(c.waypoints) for c in items], dtype="int64"),
                "sources": ["; ".join(s.title for s in c.sources) for c in items],
                "file": [c.path for c in items],
            },
            index=pd.Index([c.id for c in items], name="id", dtype=object),
            geometry=[shapely.LineString(c.coords or [(w.lon, w.lat) for w in c.waypoints]) for c in items],
            crs="EPSG:4326",
        )


#: Suffixes of the catalog files a folder given to `load_catalog` is searched for.
_SUFFIXES = (".yaml", ".yml", ".geojson", ".json", ".parquet")


def load_catalog(paths: Iterable[str | Path] = (), *, include_seeds: bool = True) -> Catalog:
    """Load the shipped seeds (unless ``include_seeds`` is false) and the user files ``paths``.

    Each path is a YAML record file, a folder of them, a GeoJSON file or a GeoParquet file.

    Examples
    --------
    >>> from corridors import load_catalog
    >>> catalog = load_catalog()
    >>> catalog["tapi"].countries, len(catalog) >= 20
    (('TKM', 'AFG', 'PAK', 'IND'), True)
    """
    corridors: list[Corridor] = []
    for path in _catalog_files(paths, include_seeds):
        suffix = path.suffix.lower()
        if suffix in (".geojson", ".json"):
            corridors += read_geojson(path)
        elif suffix == ".parquet":
            corridors += read_parquet(path)
        else:
            corridors += read_yaml(path)
    return Catalog(corridors)


def _catalog_files(paths: Iterable[str | Path], include_seeds: bool) -> list[Path]:
    """The files of a catalog, in load order: the seeds (sorted), then each path (a folder's files sorted)."""
    files: list[Path] = []
    if include_seeds:
        files += sorted(p for p in settings.seeds_dir().glob("*.yaml") if p.name != "places.yaml")
    for path in map(v.input_path, paths):
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in _SUFFIXES)
            if not found:
                raise CatalogError(f"{path}: folder holds no corridor files ({', '.join(_SUFFIXES)})")
            files += found
        elif path.exists():
            files.append(path)
        else:
            raise CatalogError(f"{path}: no such catalog file or folder")
    for path in files:  # now, not when read: a streamed run reads them while it writes its output
        note_input(path)
    return files


def iter_catalog(
    paths: Iterable[str | Path] = (),
    *,
    chunk_routes: int,
    include_seeds: bool = True,
    count: Callable[[int], object] | None = None,
) -> Iterator[list[Corridor]]:
    """The corridors of `load_catalog` (same order, same checks) in lists of ``chunk_routes``, read as needed.

    GeoParquet files are read ``chunk_routes`` rows at a time (`_iter_parquet`), so a catalog of
    any size is never held whole: what stays in memory is one list and the ids seen (duplicates
    are refused as `Catalog` refuses them). Every list but the last holds ``chunk_routes`` corridors.

    ``count`` (a progress bar's total) is called with each file's number of corridors once known:
    every GeoParquet file's row count, from its metadata, before the first list; any other file's
    when it is read. The counts add up to the corridors yielded.
    """
    return _iter_files(_catalog_files(paths, include_seeds), chunk_routes, count)  # the paths are checked now


def _iter_files(
    files: list[Path], chunk_routes: int, count: Callable[[int], object] | None = None
) -> Iterator[list[Corridor]]:
    seen: dict[str, str] = {}
    buffer: list[Corridor] = []
    rows: dict[Path, int | None] = {}
    if count is not None:  # every GeoParquet file's rows now; other files' corridors when read
        rows = {path: _parquet_rows(path) for path in files if path.suffix.lower() == ".parquet"}
        for known in filter(None, rows.values()):
            count(known)
    for path in files:
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            parts: Iterable[list[Corridor]] = _iter_parquet(path, chunk_routes)
        else:
            parts = [read_geojson(path) if suffix in (".geojson", ".json") else read_yaml(path)]
        for part in parts:
            if count is not None and rows.get(path) is None:
                count(len(part))
            for corridor in part:
                if corridor.id in seen:
                    other = seen[corridor.id]
                    raise CatalogError(f"{corridor.path}: id: {corridor.id!r} is already defined in {other}")
                seen[corridor.id] = corridor.path
            buffer += part
            while len(buffer) >= chunk_routes:
                yield buffer[:chunk_routes]
                buffer = buffer[chunk_routes:]
    if buffer:
        yield buffer


def read_yaml(path: Path) -> list[Corridor]:
    """Corridors (with their variants) of one YAML file holding a record or a list of them."""
    with v.gc_paused():  # once over parsing and building the records
        data = v.parse_yaml(v.read_input(path), path)  # limits, finite numbers, clean text (_validate)
        records = data if isinstance(data, list) else [data]
        out: list[Corridor] = []
        for i, record in enumerate(records):
            prefix = f"[{i}]." if isinstance(data, list) else ""
            out += _parse_record(path, record, prefix)
    return out


def _parse_record(path: Path, record: Any, prefix: str) -> list[Corridor]:
    problems: list[str] = []
    if not isinstance(record, dict):
        v.raise_if(path, [f"{prefix.rstrip('.') or 'record'}: {type(record).__name__} is not a mapping of fields"])
    for key in ("id", "name", "kind", "status", "waypoints"):
        if key not in record:
            problems.append(f"{prefix}{key}: missing")
    v.check_keys(problems, prefix.rstrip("."), record, RECORD_KEYS)
    v.raise_if(path, problems)
    corridor = _parse_route(path, record, prefix, problems, parent=None)
    variants = record.get("variants") or []
    if not isinstance(variants, list):
        problems.append(f"{prefix}variants: {variants!r} is not a list")
        variants = []
    out = [corridor] if corridor else []
    for j, variant in enumerate(variants):
        vp = f"{prefix}variants[{j}]."
        if not isinstance(variant, dict):
            problems.append(f"{vp[:-1]}: {variant!r} is not a mapping")
            continue
        v.check_keys(problems, vp.rstrip("."), variant, VARIANT_KEYS)
        inherited = ("kind", "status", "sources", "alignment", "alignment_note", "osm", *_ATTRIBUTE_KEYS)
        merged = {k: record[k] for k in inherited if k in record}
        merged.update(variant)
        merged.pop("continues", None)
        more = variant.get("waypoints") or []
        if variant.get("continues") and isinstance(record.get("waypoints"), list) and isinstance(more, list):
            merged["waypoints"] = record["waypoints"] + more
        for key in ("id", "name", "waypoints", "countries"):
            if key not in merged:
                problems.append(f"{vp}{key}: missing")
        if all(k in merged for k in ("id", "name", "waypoints")):
            route = _parse_route(path, merged, vp, problems, parent=record.get("id"))
            if route:
                out.append(route)
    v.raise_if(path, problems)
    return out


def _parse_route(path: Path, rec: dict, prefix: str, problems: list[str], parent: str | None) -> Corridor | None:
    start = len(problems)
    v.check_id(problems, f"{prefix}id", rec.get("id"))
    v.check_text(problems, f"{prefix}name", rec.get("name"))
    v.check_choice(problems, f"{prefix}kind", rec.get("kind"), v.KINDS)
    status = _status(path, rec.get("status"))
    v.check_choice(problems, f"{prefix}status", status, v.STATUSES)
    v.check_choice(problems, f"{prefix}alignment", rec.get("alignment", "geodesic"), v.ALIGNMENTS)
    if rec.get("alignment_note") is not None:
        v.check_text(problems, f"{prefix}alignment_note", rec["alignment_note"])
    if "countries" in rec:
        _check_countries(problems, f"{prefix}countries", rec["countries"])
    every = _parse_waypoints(rec.get("waypoints"), f"{prefix}waypoints", problems)
    waypoints = tuple(w for w in every if not w.offline)
    stops = tuple(w for w in every if w.offline)
    published = _parse_published(rec.get("published"), f"{prefix}published", problems, every)
    attributes = _parse_attributes(rec, prefix, problems)
    sources = _parse_sources(rec.get("sources"), f"{prefix}sources", problems)
    osm = rec.get("osm")
    if osm is not None:
        v.check_text(problems, f"{prefix}osm", osm)
        if isinstance(osm, str) and osm.strip() and not (path.parent / osm).is_file():
            problems.append(f"{prefix}osm: {osm!r} is not a file (resolved to {path.parent / osm})")
    narrowest = rec.get("narrowest_between")
    if narrowest is not None:
        _check_countries(problems, f"{prefix}narrowest_between", narrowest)
        if isinstance(narrowest, list) and len(narrowest) != 2:
            problems.append(f"{prefix}narrowest_between: {narrowest!r} does not name exactly two countries")
    coords = None
    if rec.get("coords") is not None:  # explicit vertices, e.g. a saved plan: the route follows them
        coords = _line_coords({"type": "LineString", "coordinates": rec["coords"]}, f"{prefix}coords", problems)
    if len(problems) > start:
        return None
    return Corridor(
        id=rec["id"],
        name=rec["name"].strip(),
        kind=rec["kind"],
        status=str(status),
        waypoints=waypoints,
        countries=tuple(rec.get("countries") or ()),
        alignment=rec.get("alignment", "geodesic"),
        alignment_note=str(rec.get("alignment_note") or "").strip(),
        summary=str(rec.get("summary") or "").strip(),
        published=published,
        sources=sources,
        narrowest_between=tuple(narrowest) if narrowest else None,
        parent=parent,
        path=str(path),
        osm=str(path.parent / osm) if osm else "",
        coords=tuple(coords or ()),
        stops=stops,
        attributes=attributes,
    )


def _status(path: Path, status: object) -> object:
    """The status in today's vocabulary; an old spelling is read with a one-line deprecation message."""
    if isinstance(status, str) and status in v.LEGACY_STATUSES:
        import warnings

        new = v.LEGACY_STATUSES[status]
        warnings.warn(f"{path}: status: {status!r} is deprecated; use {new!r}", DeprecationWarning, stacklevel=2)
        return new
    return status


def _check_countries(problems: list[str], field_name: str, value: object) -> None:
    """ISO alpha-3 codes (`_validate.check_countries`) of countries in the shipped countries layer.

    A code of no country there (a typo such as ``XXX``) would only show as a mismatch in
    ``corridors check``; it is refused when the record is read.
    """
    start = len(problems)
    v.check_countries(problems, field_name, value)
    if len(problems) > start or not isinstance(value, list):
        return
    from . import geodata

    known = geodata.countries().iso_a3.tolist()
    for i, code in enumerate(value):
        if code not in known:
            problems.append(
                f"{field_name}[{i}]: {code!r} is not a country of the region (one of {', '.join(sorted(known))})"
            )


def _parse_waypoints(value: object, field_name: str, problems: list[str]) -> tuple[Waypoint, ...]:
    from . import gazetteer

    if not isinstance(value, list) or len(value) < 2:
        count = len(value) if isinstance(value, list) else value
        problems.append(f"{field_name}: {count!r} — a route needs a list of at least two waypoints")
        return ()
    out = []
    for i, item in enumerate(value):
        f = f"{field_name}[{i}]"
        if isinstance(item, str):
            item = {"place": item}
        if not isinstance(item, dict):
            problems.append(f"{f}: {item!r} is neither a place name nor a mapping with lon and lat")
            continue
        v.check_keys(problems, f, item, WAYPOINT_KEYS)
        flags = {}
        for flag in ("offline", "tunnel", "bridge"):
            flags[flag] = item.get(flag, False)
            if not isinstance(flags[flag], bool):
                problems.append(f"{f}.{flag}: {flags[flag]!r} is not true or false")
                flags[flag] = False
        offline = flags["offline"]
        if i == 0 and (flags["tunnel"] or flags["bridge"]):
            problems.append(f"{f}: the first waypoint ends no segment, so it cannot mark a tunnel or bridge")
        if "place" in item:
            try:
                place = gazetteer.lookup(str(item["place"]))
            except PlaceError as exc:
                problems.append(f"{f}.place: {exc}")
                continue
            alias = str(item["place"]) if str(item["place"]) != place.name else ""
            out.append(
                Waypoint(
                    place.name,
                    place.lon,
                    place.lat,
                    place.source,
                    place.kind,
                    offline,
                    alias,
                    tunnel=flags["tunnel"],
                    bridge=flags["bridge"],
                )
            )
        elif "lon" in item or "lat" in item:
            if v.check_lonlat(problems, f, item.get("lon"), item.get("lat")):
                name = str(item.get("name") or f"waypoint {i + 1}")
                source = str(item.get("source", ""))
                out.append(
                    Waypoint(
                        name,
                        float(item["lon"]),
                        float(item["lat"]),
                        source,
                        offline=offline,
                        tunnel=flags["tunnel"],
                        bridge=flags["bridge"],
                    )
                )
        else:
            problems.append(f"{f}: {item!r} has neither 'place' nor 'lon'/'lat'")
    _check_retrace(out, field_name, problems)
    return tuple(out)


def _check_retrace(points: list[Waypoint], field_name: str, problems: list[str]) -> None:
    """No line segment may retrace the previous one (A → B → A): make B an off-line stop instead."""
    line = [w for w in points if not w.offline]
    for i in range(len(line) - 2):
        a, b, c = line[i], line[i + 1], line[i + 2]
        if abs(a.lon - c.lon) < 1e-3 and abs(a.lat - c.lat) < 1e-3:
            problems.append(
                f"{field_name}: {a.name!r} → {b.name!r} → {c.name!r} retraces the previous segment; "
                f"mark {b.name!r} 'offline: true' (a stop reached by a spur, not part of the line)"
            )


def _figure(value: dict, label: str = "") -> Figure:
    return Figure(
        value=value["value"] if "value" in value else value["km"],
        source=str(value["source"]),
        label=str(value.get("label", label)),
        unit=str(value.get("unit", "")),
        alternatives=tuple(_figure(a, label) for a in value.get("alternatives") or ()),
        url=str(value.get("url", "")),
        date=str(value.get("date", "")),
        kind=str(value.get("kind", "")),
        as_of=str(value.get("as_of", "")),
        reason=str(value.get("reason", "")).strip(),
        exception=str(value.get("exception", "")).strip(),
    )


def _check_citation(problems: list[str], field: str, value: object, keys: Sequence[str] = FIGURE_KEYS) -> None:
    """A figure's keys, source kind and dates (the figure itself by `_validate.check_figure`)."""
    if not isinstance(value, dict):
        return
    v.check_keys(problems, field, value, keys)
    if "kind" in value:
        v.check_choice(problems, f"{field}.kind", value["kind"], v.SOURCE_KINDS)
    for key in ("reason", "exception", "url", "date", "as_of"):
        if key in value and not isinstance(value[key], str | int):
            problems.append(f"{field}.{key}: {value[key]!r} is not a text")
    alternatives = value.get("alternatives") or []
    if not isinstance(alternatives, list):
        problems.append(f"{field}.alternatives: {alternatives!r} is not a list")
        return
    for i, alt in enumerate(alternatives):
        _check_citation(problems, f"{field}.alternatives[{i}]", alt, keys)


def _check_length(problems: list[str], field: str, fig: object, keys: Sequence[str] = FIGURE_KEYS) -> None:
    """A published length: a figure whose value (and every alternative's) is a number of km."""
    v.check_figure(problems, field, fig)
    _check_citation(problems, field, fig, keys)
    if isinstance(fig, dict):
        v.check_number(problems, f"{field}.value", fig.get("value"))
        if fig.get("unit", "km") != "km":
            problems.append(f"{field}.unit: {fig['unit']!r} is not km")
        alternatives = fig.get("alternatives") or []
        for i, alt in enumerate(alternatives if isinstance(alternatives, list) else []):
            if isinstance(alt, dict):
                v.check_number(problems, f"{field}.alternatives[{i}].value", alt.get("value"))
        if fig.get("alternatives") and not str(fig.get("reason", "")).strip():
            problems.append(f"{field}.reason: missing; say why {fig.get('value')!r} is the headline among the sources")


def _parse_published(
    value: object, field_name: str, problems: list[str], waypoints: Sequence[Waypoint] = ()
) -> Published:
    if value is None:
        return Published()
    if not isinstance(value, dict):
        problems.append(f"{field_name}: {value!r} is not a mapping")
        return Published()
    start = len(problems)
    v.check_keys(problems, field_name, value, PUBLISHED_KEYS)
    length = value.get("length_km")
    if length is not None:
        _check_length(problems, f"{field_name}.length_km", length)
    by_country = value.get("country_length_km") or {}
    if not isinstance(by_country, dict):
        problems.append(f"{field_name}.country_length_km: {by_country!r} is not a mapping of ISO3 to figures")
        by_country = {}
    for code, fig in by_country.items():
        _check_countries(problems, f"{field_name}.country_length_km", [code])
        _check_length(problems, f"{field_name}.country_length_km.{code}", fig)
    segments = _parse_segments(value.get("segments"), f"{field_name}.segments", problems, waypoints)
    facts = value.get("facts") or []
    if not isinstance(facts, list):
        problems.append(f"{field_name}.facts: {facts!r} is not a list")
        facts = []
    for i, fact in enumerate(facts):
        v.check_figure(problems, f"{field_name}.facts[{i}]", fact)
        _check_citation(problems, f"{field_name}.facts[{i}]", fact)
        if isinstance(fact, dict):
            v.check_text(problems, f"{field_name}.facts[{i}].label", fact.get("label"))
            if fact.get("value") is None:
                problems.append(f"{field_name}.facts[{i}].value: None is not a value")
    if len(problems) > start:
        return Published()
    return Published(
        length_km=_figure(length, "Length") if length else None,
        country_length_km={code: _figure(fig, f"Length in {code}") for code, fig in sorted(by_country.items())},
        facts=tuple(_figure(f) for f in facts),
        segments=segments,
    )


def _parse_segments(
    value: object, field_name: str, problems: list[str], waypoints: Sequence[Waypoint]
) -> tuple[Segment, ...]:
    """Published lengths between two of the record's waypoints (``from``, ``to``, ``km``, source)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(f"{field_name}: {value!r} is not a list of segments")
        return ()
    names: dict[str, str] = {}
    for w in waypoints:
        names[w.name] = w.name
        if w.alias:
            names[w.alias] = w.name
    out = []
    for i, item in enumerate(value):
        f = f"{field_name}[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{f}: {item!r} is not a mapping with from, to, km and source")
            continue
        start = len(problems)
        v.check_keys(problems, f, item, SEGMENT_KEYS)
        for end in ("from", "to"):
            if item.get(end) not in names:
                close = difflib.get_close_matches(str(item.get(end)), list(names), n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(f"{f}.{end}: {item.get(end)!r} is not a waypoint of the record{hint}")
        if item.get("from") == item.get("to") and item.get("from") is not None:
            problems.append(f"{f}.to: {item.get('to')!r} is the segment's start too")
        fig = {("value" if k == "km" else k): x for k, x in item.items() if k not in ("from", "to")}
        if "km" not in item:
            problems.append(f"{f}.km: missing")
        else:
            _check_length(problems, f, fig, (*SEGMENT_KEYS, "value"))
        if len(problems) == start:
            a, b = names[item["from"]], names[item["to"]]
            out.append(Segment(a, b, _figure(fig, f"{a} – {b}")))
    return tuple(out)


def _parse_attributes(rec: dict, prefix: str, problems: list[str]) -> Attributes:
    """GEM-style project attributes (capacity, diameter, cost, milestones, owners, fuel, ids)."""
    start = len(problems)
    capacity = rec.get("capacity")
    if capacity is not None:
        f = f"{prefix}capacity"
        v.check_figure(problems, f, capacity)
        _check_citation(problems, f, capacity)
        if isinstance(capacity, dict):
            v.check_number(problems, f"{f}.value", capacity.get("value"))
            v.check_choice(problems, f"{f}.unit", capacity.get("unit"), v.CAPACITY_UNITS)
    diameter = rec.get("diameter_mm")
    if diameter is not None:
        f = f"{prefix}diameter_mm"
        v.check_figure(problems, f, diameter)
        _check_citation(problems, f, diameter)
        if isinstance(diameter, dict):
            v.check_number(problems, f"{f}.value", diameter.get("value"))
            if diameter.get("unit", "mm") != "mm":
                problems.append(f"{f}.unit: {diameter['unit']!r} is not mm")
    cost = rec.get("cost")
    if cost is not None:
        f = f"{prefix}cost"
        if not isinstance(cost, dict):
            problems.append(f"{f}: {cost!r} is not a mapping with amount, currency, year and source")
        else:
            v.check_keys(problems, f, cost, COST_KEYS)
            v.check_number(problems, f"{f}.amount", cost.get("amount"))
            if not isinstance(cost.get("currency"), str) or not re.fullmatch(r"[A-Z]{3}", cost["currency"]):
                problems.append(f"{f}.currency: {cost.get('currency')!r} is not an ISO 4217 code such as 'USD'")
            if cost.get("year") is not None and not _is_year(cost["year"]):
                problems.append(f"{f}.year: {cost['year']!r} is not a year")
            v.check_text(problems, f"{f}.source", cost.get("source"))
    milestones = rec.get("milestones") or {}
    if not isinstance(milestones, dict):
        problems.append(f"{prefix}milestones: {milestones!r} is not a mapping of milestone to year")
        milestones = {}
    v.check_keys(problems, f"{prefix}milestones", milestones, v.MILESTONES)
    for key, year in milestones.items():
        if not _is_year(year):
            problems.append(f"{prefix}milestones.{key}: {year!r} is not a year")
    owners = rec.get("owners") or []
    if not isinstance(owners, list):
        problems.append(f"{prefix}owners: {owners!r} is not a list")
        owners = []
    for i, owner in enumerate(owners):
        f = f"{prefix}owners[{i}]"
        if not isinstance(owner, dict):
            problems.append(f"{f}: {owner!r} is not a mapping with a name")
            continue
        v.check_keys(problems, f, owner, OWNER_KEYS)
        v.check_text(problems, f"{f}.name", owner.get("name"))
        v.check_choice(problems, f"{f}.role", owner.get("role", "owner"), ("owner", "operator", "owner-operator"))
        if owner.get("share_pct") is not None:
            v.check_number(problems, f"{f}.share_pct", owner["share_pct"])
    for key, allowed in (("fuel", v.FUELS), ("route_accuracy", v.ROUTE_ACCURACIES)):
        if rec.get(key) is not None:
            v.check_choice(problems, f"{prefix}{key}", rec[key], allowed)
    ids = rec.get("ids") or {}
    if not isinstance(ids, dict):
        problems.append(f"{prefix}ids: {ids!r} is not a mapping")
        ids = {}
    v.check_keys(problems, f"{prefix}ids", ids, ID_KEYS)
    if len(problems) > start:
        return Attributes()
    return Attributes(
        capacity=_figure(capacity) if capacity else None,
        diameter_mm=_figure(diameter) if diameter else None,
        cost=Cost(
            float(cost["amount"]),
            cost["currency"],
            int(cost["year"]) if cost.get("year") is not None else None,
            str(cost["source"]),
            str(cost.get("as_of", "")),
        )
        if cost
        else None,
        milestones={k: int(milestones[k]) for k in v.MILESTONES if k in milestones},
        owners=tuple(
            Owner(
                str(o["name"]),
                str(o.get("role", "owner")),
                float(o["share_pct"]) if o.get("share_pct") is not None else None,
                str(o.get("source", "")),
            )
            for o in owners
        ),
        fuel=str(rec.get("fuel") or ""),
        route_accuracy=str(rec.get("route_accuracy") or ""),
        ids={k: str(ids[k]) for k in ID_KEYS if k in ids},
    )


def _is_year(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1800 <= value <= 2100


def _parse_sources(value: object, field_name: str, problems: list[str]) -> tuple[Source, ...]:
    if not isinstance(value, list) or not value:
        problems.append(f"{field_name}: {value!r} — a record needs a non-empty list of sources")
        return ()
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            item = {"title": item}
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            problems.append(f"{field_name}[{i}]: {item!r} is not a source with a title")
            continue
        v.check_keys(problems, f"{field_name}[{i}]", item, SOURCE_KEYS)
        if "kind" in item:
            v.check_choice(problems, f"{field_name}[{i}].kind", item["kind"], v.SOURCE_KINDS)
        out.append(
            Source(item["title"], str(item.get("url", "")), str(item.get("date", "")), str(item.get("kind", "")))
        )
    return tuple(out)


def read_geojson(path: Path) -> list[Corridor]:
    """User routes from a GeoJSON file: LineString or MultiLineString features (or bare geometries).

    Only the geometry is required; ``id`` and ``name`` come from the properties when present,
    otherwise from the file name and the feature's position. Coordinates are lon/lat on WGS84
    (RFC 7946) unless the file names another CRS in a top-level ``crs`` member (GeoJSON 2008, as
    GDAL still writes it): they are then reprojected to lon/lat (`_geojson_crs`).
    """
    with v.gc_paused():  # once over parsing and building the routes
        data = v.parse_json(v.read_input(path), path)  # limits, finite numbers, clean text (_validate)
        if not isinstance(data, dict):
            raise CatalogError(f"{path}: top level: {type(data).__name__} is not a GeoJSON object")
        if data.get("type") == "FeatureCollection":
            features = data.get("features")
            if not isinstance(features, list):
                raise CatalogError(f"{path}: features: {features!r} is not a list")
        elif data.get("type") == "Feature":
            features = [data]
        else:
            features = [{"type": "Feature", "geometry": data, "properties": {}}]
        feature_field = "features[{}]" if data.get("type") == "FeatureCollection" else "geometry"
        to_lonlat = _geojson_crs(data, path)
        nested = next((i for i, f in enumerate(features) if type(f) is dict and f.get("crs") is not None), None)
        if nested is not None and data.get("type") == "FeatureCollection":
            raise CatalogError(
                f"{path}: features[{nested}].crs: {features[nested]['crs']!r:.200} is not read; "
                "name one CRS for the whole file in a top-level crs member"
            )
        try:
            coords = _line_features_coords(features, to_lonlat) if features else None
            label, stem = str(path), v.slug(path.stem) or "route"
            return _corridors_of_features(features, label, stem, feature_field, coords, to_lonlat=to_lonlat)
        except CatalogError as exc:
            if to_lonlat is None or "outside the covered region" not in str(exc):
                raise
            named = data["crs"]["properties"]["name"]
            raise CatalogError(f"{exc} (positions read in the file's crs {named!r:.100}; are they in it?)") from None


#: Names of lon/lat on WGS84 in a GeoJSON ``crs`` member; GDAL writes the first for every EPSG:4326 layer.
_LONLAT_CRS_NAMES = frozenset(
    (
        "urn:ogc:def:crs:OGC:1.3:CRS84",
        "urn:ogc:def:crs:OGC::CRS84",
        "OGC:CRS84",
        "EPSG:4326",
        "urn:ogc:def:crs:EPSG::4326",
    )
)


def _geojson_crs(data: dict, path: Path) -> Any:
    """The pyproj ``Transformer`` to lon/lat (EPSG:4326) of a GeoJSON file's top-level ``crs`` member.

    The member is GeoJSON 2008's ``{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}``
    (any name pyproj reads: ``EPSG:32642``, a URN, WKT), with x, y in the named CRS's easting,
    northing or longitude, latitude order. None when there is no member (RFC 7946: lon/lat), it is
    null, or it names lon/lat on WGS84 (EPSG:4326, OGC CRS84). `CatalogError` naming the value for
    a member of another form or a name of no geographic or projected CRS.
    """
    member = data.get("crs")
    if member is None:
        return None
    props = member.get("properties") if isinstance(member, dict) else None
    name = props.get("name") if isinstance(props, dict) else None
    if not isinstance(member, dict) or member.get("type") != "name" or not isinstance(name, str):
        raise CatalogError(
            f"{path}: crs: {member!r:.200} is not a named CRS such as "
            '{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32642"}}'
        )
    if name in _LONLAT_CRS_NAMES:  # what GDAL writes for lon/lat: no pyproj needed (60 ms to import)
        return None
    from pyproj import Transformer
    from pyproj.exceptions import CRSError, ProjError

    from . import distance

    try:
        named = distance.crs(name)
    except CRSError:
        named = None
    if named is None or not (named.is_geographic or named.is_projected):
        raise CatalogError(
            f"{path}: crs: {name!r:.200} is not a geographic or projected CRS pyproj knows "
            "(such as EPSG:4326, EPSG:32642 or urn:ogc:def:crs:EPSG::3857)"
        )
    if distance.is_wgs84(named, any_axis_order=True):
        return None
    try:
        return Transformer.from_crs(named, distance.crs("EPSG:4326"), always_xy=True)
    except ProjError as exc:
        raise CatalogError(f"{path}: crs: {name!r:.200} has no transformation to EPSG:4326 ({exc})") from None


def read_parquet(path: Path) -> list[Corridor]:
    """User routes from a GeoParquet file (or dataset folder read as one), as from a GeoJSON file.

    Columns are read as `corridors_from_gdf` reads them; ids default to the file name and row.
    """
    import geopandas
    import shapely

    try:
        frame = geopandas.read_parquet(path)
    except ImportError as exc:
        raise CatalogError(f"{path}: GeoParquet needs pyarrow: pip install 'corridors[scale]' ({exc})") from None
    except (OSError, ValueError, TypeError, shapely.errors.GEOSException) as exc:
        raise CatalogError(f"{path}: cannot read as GeoParquet: {exc}") from None
    with v.gc_paused():
        return _corridors_of_frame(frame, str(path), v.slug(path.stem) or "route")


def _parquet_rows(path: Path) -> int | None:
    """The rows of a GeoParquet file (one corridor each), from its metadata; None when it opens as no Parquet file."""
    try:
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    except (ImportError, OSError, ValueError, TypeError):
        return None


def _iter_parquet(path: Path, chunk_routes: int) -> Iterator[list[Corridor]]:
    """`read_parquet` ``chunk_routes`` rows at a time (pyarrow ``iter_batches``), the same corridors in order.

    A file this cannot stream (a dataset folder, a stored index, geometry not in WKB) is read whole.
    A batch of lon/lat lines whose columns hold text, whole numbers or booleans is read from its
    Arrow arrays (`_frame_coords`, `_plain_rows`); any other batch becomes a GeoDataFrame first.
    """
    from pyproj.exceptions import CRSError

    from . import distance

    try:
        import pyarrow.parquet as pq

        reader = pq.ParquetFile(path)
        meta = reader.schema_arrow.metadata or {}
        geo = json.loads(meta[b"geo"])
        column = geo["primary_column"]
        encoding = str(geo["columns"][column].get("encoding", "")).lower()
        pandas_meta = json.loads(meta.get(b"pandas", b"{}"))
    except (ImportError, OSError, ValueError, KeyError, TypeError, AttributeError):
        reader = None
    index = pandas_meta.get("index_columns", []) if reader is not None else []
    ranges = [i for i in index if isinstance(i, dict) and i.get("kind") == "range"]
    if reader is None or encoding != "wkb" or len(ranges) != len(index) or not reader.metadata.num_rows:
        yield read_parquet(path)  # the whole-file reader names every problem
        return
    start, step = (int(ranges[0].get("start", 0)), int(ranges[0].get("step", 1))) if ranges else (0, 1)
    label, stem, total = str(path), v.slug(path.stem) or "route", reader.metadata.num_rows
    v.check_count(label, "features", total, "MAX_FEATURES")
    crs = geo["columns"][column].get("crs", "OGC:CRS84")
    crs = json.dumps(crs) if isinstance(crs, dict) else crs
    try:
        lonlat = crs is None or (isinstance(crs, str) and distance.is_wgs84(crs, any_axis_order=True))
    except CRSError:  # read as a frame, which meets the same error
        lonlat = False
    offset, vertices = 0, 0
    for batch in reader.iter_batches(batch_size=min(chunk_routes, total)):  # pyarrow takes a C long
        rows = range(start + offset * step, start + (offset + batch.num_rows) * step, step)
        geoms = _wkb_geometries(batch.column(column), label, offset)
        with v.gc_paused():
            coords = _frame_coords(geoms) if lonlat else None
            props = _plain_rows(_arrow_columns(batch, column), batch.num_rows) if coords is not None else None
            if props is None:  # the rows as `read_parquet` reads them
                frame = _batch_frame(batch, column, geoms, crs, rows)
                part = _corridors_of_frame(frame, label, stem, offset=offset, total=total)
            else:
                features = [{"id": str(i), "properties": p} for i, p in zip(rows, props, strict=True)]
                part = _corridors_of_features(features, label, stem, "row[{}]", coords, offset=offset, total=total)
        vertices += sum(len(c.coords) for c in part)
        v.check_count(label, "vertices", vertices, "MAX_VERTICES")
        offset += batch.num_rows
        yield part


def _wkb_geometries(values: Any, label: str, offset: int) -> Any:
    """The geometries of a WKB column (rows ``offset …``); `CatalogError` naming the first row GEOS cannot read."""
    import shapely

    blobs = values.to_numpy(zero_copy_only=False)
    try:
        with warnings.catch_warnings():  # NaN coordinates: named by the coordinate checks, not as a warning
            warnings.simplefilter("ignore", RuntimeWarning)
            return shapely.from_wkb(blobs)
    except shapely.errors.GEOSException:
        for i, blob in enumerate(blobs):
            try:
                shapely.from_wkb(blob)
            except shapely.errors.GEOSException as exc:
                where = f"{label}: row[{offset + i}].geometry"
                raise CatalogError(f"{where}: not a geometry GEOS can read ({exc})") from None
        raise


def _batch_frame(batch: Any, column: str, geoms: Any, crs: Any, rows: range) -> geopandas.GeoDataFrame:
    """A GeoParquet row batch as the GeoDataFrame `geopandas.read_parquet` would give for its rows."""
    import geopandas
    import pyarrow as pa

    from . import distance

    table = pa.Table.from_batches([batch]).replace_schema_metadata(None)
    frame = geopandas.GeoDataFrame(
        table.drop_columns([column]).to_pandas(), geometry=geoms, crs=distance.crs(crs) if isinstance(crs, str) else crs
    )
    frame.index = rows
    return frame


def _arrow_columns(batch: Any, geometry: str) -> dict[str, list] | None:
    """The property columns of an Arrow batch as lists, when each holds text, or whole numbers or booleans
    with none missing (the values pandas would give); None for any other column."""
    import pyarrow.types as pat

    names = [n for n in batch.schema.names if n != geometry]
    if len(set(names)) != len(names) or len(names) != batch.num_columns - 1:
        return None
    out = {}
    for name in names:
        values = batch.column(name)
        kind = values.type
        text = pat.is_string(kind) or pat.is_large_string(kind)
        whole = (pat.is_integer(kind) and not pat.is_uint64(kind)) or pat.is_boolean(kind)
        if not (text or (whole and values.null_count == 0)):
            return None
        out[name] = values.to_pylist()
    return out


def _frame_columns(frame: Any) -> dict[str, list] | None:
    """The columns of a (property) frame as lists (missing values None) when each holds text, or whole
    numbers or booleans; None for any other column."""
    if not frame.columns.is_unique:
        return None
    out = {}
    for name in frame.columns:
        series = frame[name]
        if series.dtype.kind in "ib":  # NumPy ints and booleans; nullable ones hold pd.NA, refused below
            out[name] = series.tolist()
        elif series.dtype.kind == "O":  # objects, pandas text and categories: text or missing, checked below
            missing = series.isna().tolist()
            out[name] = [None if m else x for x, m in zip(series.tolist(), missing, strict=True)]
        else:
            return None
    return out


def _plain_rows(columns: dict[str, list] | None, count: int) -> list[dict[str, Any]] | None:
    """Each row's properties (missing values left out) as `_check_properties` gives them, checked a column
    at a time (`_validate.plain_column`); None when a name or value needs the per-value checks."""
    if columns is None:
        return None
    rows: list[dict[str, Any]] = [{} for _ in range(count)]
    for name, values in columns.items():
        plain = v.plain_column(values)
        if plain is None or not (isinstance(name, str) and name.isascii() and v.plain_column([name])):
            return None
        for row, value in zip(rows, plain, strict=True):
            if value is not None:
                row[name] = value
    return rows


def _jsonable(value: Any) -> Any:
    """JSON for values a frame may hold beside numbers and text (arrays read from GeoParquet lists)."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


def _frame_coords(geoms: Any) -> list[list[tuple[float, float]]] | None:
    """Every row's vertices, checked at once (the checks of `_line_coords`); None when a row fails one.

    Rows that fail go through the per-vertex checks of the GeoJSON path, which name each problem.
    """
    import numpy as np
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    kinds = shapely.get_type_id(geoms)
    if not np.isin(kinds, (1, 5)).all():  # LineString, MultiLineString (missing geometries are -1)
        return None
    xy, row = shapely.get_coordinates(geoms, return_index=True)
    return _row_coords(xy, row, len(geoms))


def _line_features_coords(features: list, to_lonlat: Any = None) -> list[list[tuple[float, float]]] | None:
    """`_frame_coords` of GeoJSON features whose geometries are LineStrings of [x, y] numbers, read
    into one array (reprojected by the pyproj ``Transformer`` ``to_lonlat``, when given, in one call);
    None for any other feature (the per-feature checks of `_line_coords` name it)."""
    import numpy as np

    lines: list[Any] = []
    for feature in features:
        geometry = feature.get("geometry") if type(feature) is dict else None
        if type(geometry) is not dict or geometry.get("type") != "LineString":
            return None
        lines.append(geometry.get("coordinates"))
    if set(map(type, lines)) != {list}:
        return None
    positions = [p for line in lines for p in line]
    if set(map(type, positions)) != {list} or set(map(len, positions)) != {2}:
        return None
    lon, lat = [p[0] for p in positions], [p[1] for p in positions]
    if not set(map(type, lon)) | set(map(type, lat)) <= {float, int}:  # bool is neither
        return None
    try:
        xy = np.column_stack([np.array(lon, dtype=float), np.array(lat, dtype=float)])
    except OverflowError:  # a whole number beyond any float
        return None
    if to_lonlat is not None:  # positions pyproj cannot project come back infinite: refused by _row_coords
        xy = np.column_stack(to_lonlat.transform(xy[:, 0], xy[:, 1]))
    return _row_coords(xy, np.repeat(np.arange(len(lines)), list(map(len, lines))), len(lines))


def _row_coords(xy: Any, row: Any, count: int) -> list[list[tuple[float, float]]] | None:
    """`_frame_coords` of ``count`` rows from their vertices ``xy`` and the row of each (ascending)."""
    import numpy as np

    west, south, east, north = settings.REGION_BOUNDS
    lon, lat = xy[:, 0], xy[:, 1]
    if not ((lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)).all():  # NaN fails too
        return None
    keep = np.ones(len(xy), dtype=bool)  # drop a vertex equal to the one before it on the same row
    keep[1:] = (row[1:] != row[:-1]) | (lon[1:] != lon[:-1]) | (lat[1:] != lat[:-1])
    xy, row = xy[keep], row[keep]
    counts = np.bincount(row, minlength=count)
    if (counts < 2).any():
        return None
    pairs = list(zip(xy[:, 0].tolist(), xy[:, 1].tolist(), strict=True))
    ends = np.cumsum(counts).tolist()
    return [pairs[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def corridors_from_gdf(routes: geopandas.GeoDataFrame | geopandas.GeoSeries) -> list[Corridor]:
    """User routes from a GeoDataFrame or GeoSeries of LineStrings (any CRS; reprojected to EPSG:4326).

    The index gives the ids (an ``id`` column wins); ``name``, ``kind``, ``status``, ``countries``
    and ``description`` columns are read as in a GeoJSON file.
    """
    import geopandas

    frame = routes if isinstance(routes, geopandas.GeoDataFrame) else geopandas.GeoDataFrame(geometry=routes)
    with v.gc_paused():
        return _corridors_of_frame(frame, "GeoDataFrame", "route")


def _corridors_of_frame(
    frame: geopandas.GeoDataFrame, label: str, stem: str, *, offset: int = 0, total: int | None = None
) -> list[Corridor]:
    """Corridors of a frame's rows; rows ``offset …`` of a file of ``total`` rows when read in chunks."""
    from . import distance

    if frame.crs is not None and not distance.is_wgs84(frame.crs, any_axis_order=True):
        frame = frame.to_crs("EPSG:4326")
    coords = _frame_coords(frame.geometry.values) if len(frame) else None
    if coords is None:  # the per-feature checks, which name every problem
        data = json.loads(frame.to_json(na="drop", drop_id=False, default=_jsonable))
        _check_properties(data["features"], label, offset)
        return _corridors_of_features(data["features"], label, stem, "row[{}]", offset=offset, total=total)
    columns = frame.drop(columns=frame.geometry.name)
    props = _plain_rows(_frame_columns(columns), len(frame))
    checked = props is not None
    if props is None:  # the properties as to_json(na="drop") gives them, without writing every vertex as text
        props = [
            {k: x for k, x in p.items() if x is not None}
            for p in (
                json.loads(columns.to_json(orient="records", default_handler=str, double_precision=15))
                if len(columns.columns)
                else [{}] * len(frame)  # to_json gives [] for a frame of no columns
            )
        ]
    features = [{"id": str(i), "properties": p} for i, p in zip(frame.index.tolist(), props, strict=True)]
    if not checked:
        _check_properties(features, label, offset)
    return _corridors_of_features(features, label, stem, "row[{}]", coords, offset=offset, total=total)


def _check_properties(features: list[dict], label: str, offset: int = 0) -> None:
    """Put the rows' properties through the checks a parsed GeoJSON or YAML file gets (`_validate.plain_data`).

    Control characters are refused and text NFC-normalised, as in every other source of routes.
    Problems name the row in the file: ``row[offset + i]``.
    """
    keys = [f"row[{offset + i}]" for i in range(len(features))]
    rows = v.plain_data({"": dict(zip(keys, (f.get("properties") for f in features), strict=True))}, label)[""]
    for feature, key in zip(features, keys, strict=True):
        feature["properties"] = rows[key]


def _corridors_of_features(
    features: list,
    label: str,
    stem: str,
    feature_field: str,
    checked: list[list[tuple[float, float]]] | None = None,
    *,
    offset: int = 0,
    total: int | None = None,
    to_lonlat: Any = None,
) -> list[Corridor]:
    """Corridors of features ``offset …`` of a collection of ``total`` (default: these features).

    ``checked`` holds every feature's vertices when read at once; otherwise each geometry is read by
    `_line_coords`, its positions reprojected by the pyproj ``Transformer`` ``to_lonlat`` when given.
    """
    total = len(features) if total is None else total
    if not total:
        raise CatalogError(f"{label}: features: the collection is empty; a route needs a LineString")
    v.check_count(label, "features", total, "MAX_FEATURES")
    problems: list[str] = []
    out: list[Corridor] = []
    path = Path(label)
    # the same for every route of the file: frozen, shared rather than built per route
    sources, published, attributes = (Source(f"user file {path.name}"),), Published(), Attributes()
    for i, feature in enumerate(features, offset):
        f = feature_field.format(i)
        if not isinstance(feature, dict):
            problems.append(f"{f}: {feature!r} is not a GeoJSON Feature")
            continue
        props = feature.get("properties")
        if props is None:
            props = {}
        elif not isinstance(props, dict):
            problems.append(f"{f}.properties: {props!r} is not a mapping of properties (or null)")
            continue
        given, name, summary = props.get("id"), props.get("name"), props.get("description")
        fid, status, kind, countries = feature.get("id"), props.get("status"), props.get("kind"), props.get("countries")
        for where, value in (
            ("id", fid),
            ("properties.id", given),
            ("properties.name", name),
            ("properties.description", summary),
        ):
            if value is not None and (type(value) is bool or not isinstance(value, str | int | float)):
                problems.append(f"{f}.{where}: {value!r} is not a text or number")
        coords: list[tuple[float, float]] | None
        if checked is not None:
            coords = checked[i - offset]
        else:
            coords = _line_coords(feature.get("geometry"), f"{f}.geometry", problems, to_lonlat)
        if coords is None:
            continue
        if given is None:  # null: not given
            given = fid
        rid = v.slug("" if given is None else str(given)) or (stem if total == 1 else f"{stem}-{i + 1}")
        name = str(name or props.get("id") or rid)
        if isinstance(countries, str):  # codes as text, as `corridors score` writes them: "PAK > AFG"
            countries = [code.strip() for code in re.split("[>,]", countries) if code.strip()] or None
        if countries is not None:
            _check_countries(problems, f"{f}.properties.countries", countries)
        status = "modeled" if status is None else _status(path, status)
        if status not in v.STATUSES:
            v.check_choice(problems, f"{f}.properties.status", status, v.STATUSES)
        if kind is not None and kind not in v.KINDS:
            v.check_choice(problems, f"{f}.properties.kind", kind, v.KINDS)
        out.append(
            Corridor(
                id=rid,
                name=name,
                kind=str(kind) if kind in v.KINDS else "route",
                status=str(status) if status in v.STATUSES else "modeled",
                properties={k: x for k, x in props.items() if k not in _GEOJSON_KEYS},
                waypoints=(Waypoint("start", *coords[0]), Waypoint("end", *coords[-1])),
                countries=tuple(countries) if isinstance(countries, list) else (),
                summary=str(summary or ""),
                sources=sources,
                path=label,
                coords=tuple(coords),
                published=published,
                attributes=attributes,
            )
        )
    v.raise_if(label, problems)
    v.check_count(label, "vertices", sum(len(c.coords) for c in out), "MAX_VERTICES")
    return out


#: Feature properties the schema reads from a GeoJSON file; every other property is carried through.
#: Of these, ``id``, ``name`` and ``description`` must be a text or a number when given (not null).
_GEOJSON_KEYS = ("id", "name", "kind", "status", "countries", "description")


def _line_coords(
    geometry: object, field_name: str, problems: list[str], to_lonlat: Any = None
) -> list[tuple[float, float]] | None:
    """The distinct vertices (lon, lat) of a GeoJSON LineString or MultiLineString; None, with the
    problems named, when a position is not a usable coordinate. ``to_lonlat``: a pyproj ``Transformer``
    applied first to each part's positions of two finite numbers, in one call (`_reprojected`)."""
    if not isinstance(geometry, dict):
        problems.append(f"{field_name}: {geometry!r} is not a geometry (empty geometry)")
        return None
    kind = geometry.get("type")
    raw = geometry.get("coordinates")
    if kind == "LineString":
        parts = [raw]
    elif kind == "MultiLineString" and isinstance(raw, list):
        parts = raw
    else:
        problems.append(f"{field_name}.type: {kind!r} is not a LineString or MultiLineString")
        return None
    coords: list[tuple[float, float]] = []
    start = len(problems)
    for p, part in enumerate(parts):
        if not isinstance(part, list):
            problems.append(f"{field_name}.coordinates[{p}]: {part!r} is not a list of positions")
            continue
        if to_lonlat is not None:
            part = _reprojected(part, to_lonlat)
        for k, pos in enumerate(part):
            pf = f"{field_name}.coordinates" + (f"[{p}]" if kind == "MultiLineString" else "") + f"[{k}]"
            if not isinstance(pos, list) or len(pos) < 2:
                problems.append(f"{pf}: {pos!r} is not a [lon, lat] position")
            elif v.check_lonlat(problems, pf, pos[0], pos[1]):
                point = (float(pos[0]), float(pos[1]))
                if not coords or coords[-1] != point:
                    coords.append(point)
    if len(problems) > start:
        return None
    if len(coords) < 2:
        problems.append(
            f"{field_name}.coordinates: {len(coords)} distinct position(s); a line needs two (empty geometry)"
        )
        return None
    return coords


def _reprojected(part: list, to_lonlat: Any) -> list:
    """``part`` with each position of two finite numbers [x, y, …] replaced by [lon, lat] from the
    pyproj ``Transformer`` ``to_lonlat`` (one call for all); other positions are left for the checks."""
    import numpy as np

    def finite_xy(pos: object) -> bool:
        if type(pos) is not list or len(pos) < 2 or not {type(pos[0]), type(pos[1])} <= {int, float}:
            return False
        try:
            return math.isfinite(float(pos[0])) and math.isfinite(float(pos[1]))
        except OverflowError:  # a whole number beyond any float
            return False

    at = [k for k, pos in enumerate(part) if finite_xy(pos)]
    if not at:
        return part
    lon, lat = to_lonlat.transform(np.array([part[k][0] for k in at], float), np.array([part[k][1] for k in at], float))
    out = list(part)
    for k, x, y in zip(at, lon.tolist(), lat.tolist(), strict=True):
        out[k] = [x, y]
    return out


def with_coords(corridor: Corridor, coords: Sequence[tuple[float, float]]) -> Corridor:
    """A copy of ``corridor`` whose route is the given vertices (used by planners and routers)."""
    return replace(corridor, coords=tuple(coords))
