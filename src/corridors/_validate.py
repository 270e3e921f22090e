"""Checks for corridor records and user route files.

Each checker appends ``"field: problem"`` strings to a list; `raise_if` turns the list into
one `CatalogError` whose single line names the file, every bad field and its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import settings
from ._errors import CatalogError

KINDS = ("road", "rail", "pipeline", "port-link", "strip", "connector", "route")
#: One status vocabulary, after Global Energy Monitor's trackers (``partly-built``: some sections
#: operate, others are not built). ``modeled`` is the status of a user-drawn route with none given.
STATUSES = (
    "proposed",
    "construction",
    "operating",
    "shelved",
    "cancelled",
    "idle",
    "mothballed",
    "retired",
    "partly-built",
    "modeled",
)
#: Old spellings, still read (with a one-line deprecation message naming the file).
LEGACY_STATUSES = {
    "operational": "operating",
    "under-construction": "construction",
    "partial": "partly-built",
    "planned": "proposed",
    "suspended": "shelved",
    "historic": "retired",
}
SOURCE_KINDS = ("official", "press", "secondary")
ROUTE_ACCURACIES = ("high", "medium", "low")
FUELS = ("gas", "oil", "hydrogen", "products")
#: Units a capacity may be given in (gas in bcm/y; roads and railways in Mt/y of freight).
CAPACITY_UNITS = ("bcm/y", "Mt/y")
#: Milestone years of a project (Global Energy Monitor's columns).
MILESTONES = ("proposed", "fid", "construction_start", "operation_start")
ALIGNMENTS = ("geodesic", "terrain", "osm")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ISO3 = re.compile(r"^[A-Z]{3}$")


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens: a valid corridor id or ''.

    >>> slug("Gwadar Port → Kashgar (CPEC)")
    'gwadar-port-kashgar-cpec'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _strict_loader() -> type:
    """A safe YAML loader (libyaml's C parser when available) that rejects duplicate mapping keys."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictLoader(base):  # type: ignore[valid-type,misc]
        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
            seen: dict[object, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, str | int | float | bool) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key {key!r} (first on line {seen[key] + 1})",
                        key_node.start_mark,
                    )
                if isinstance(key, str | int | float | bool):
                    seen[key] = key_node.start_mark.line
            return dict(super().construct_mapping(node, deep=deep))

    return StrictLoader


_LOADER: list[type] = []


def load_yaml(text: str) -> object:
    """Parse YAML safely, with libyaml's C loader when PyYAML was built with it (10x faster).

    Duplicate keys in a mapping are errors (PyYAML would keep the last one silently).

    >>> import yaml
    >>> try:
    ...     load_yaml("a: 1\\na: 2")
    ... except yaml.YAMLError as exc:
    ...     print(exc.problem)
    duplicate key 'a' (first on line 1)
    """
    import yaml

    if not _LOADER:
        _LOADER.append(_strict_loader())
    return yaml.load(text, Loader=_LOADER[0])


def check_keys(problems: list[str], field: str, value: object, allowed: Iterable[str]) -> None:
    """Name every key of mapping ``value`` that ``allowed`` does not list, with a did-you-mean."""
    import difflib

    if not isinstance(value, dict):
        return
    allowed = tuple(allowed)
    for key in value:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(allowed)}"
            where = f"{field}." if field else ""
            problems.append(f"{where}{key}: unknown key{hint}")


def raise_if(path: object, problems: list[str]) -> None:
    """Raise one `CatalogError` naming ``path`` and every problem, if there are any."""
    if problems:
        raise CatalogError(f"{path}: " + "; ".join(problems))


def check_choice(problems: list[str], field: str, value: object, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        problems.append(f"{field}: {value!r} is not one of {', '.join(allowed)}")


def check_id(problems: list[str], field: str, value: object) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        problems.append(f"{field}: {value!r} is not a lower-case id of letters, digits and '-'")


def check_text(problems: list[str], field: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{field}: {value!r} is not a non-empty text")


def check_countries(problems: list[str], field: str, value: object) -> None:
    if not isinstance(value, list) or not value:
        problems.append(f"{field}: {value!r} is not a non-empty list of ISO alpha-3 codes")
        return
    for i, code in enumerate(value):
        if not isinstance(code, str) or not _ISO3.match(code):
            problems.append(f"{field}[{i}]: {code!r} is not an ISO alpha-3 code such as 'PAK'")


def check_lonlat(problems: list[str], field: str, lon: object, lat: object) -> bool:
    """Check a coordinate pair; True when it is usable."""
    ok = True
    for axis, value in (("lon", lon), ("lat", lat)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(f"{field}.{axis}: {value!r} is not a number")
            ok = False
    if not ok:
        return False
    lon_f, lat_f = float(lon), float(lat)  # type: ignore[arg-type]
    if lon_f != lon_f or lat_f != lat_f:
        problems.append(f"{field}: ({lon!r}, {lat!r}) is not a number")
        return False
    west, south, east, north = settings.REGION_BOUNDS
    inside = west <= lon_f <= east and south <= lat_f <= north
    swapped_inside = west <= lat_f <= east and south <= lon_f <= north
    if not -90 <= lat_f <= 90 or not -180 <= lon_f <= 180:
        hint = " (latitude and longitude probably swapped)" if swapped_inside else ""
        problems.append(f"{field}: lon {lon_f}, lat {lat_f} is not a valid coordinate{hint}")
        return False
    if not inside:
        hint = "; latitude and longitude probably swapped" if swapped_inside else ""
        problems.append(
            f"{field}: lon {lon_f}, lat {lat_f} lies outside the covered region "
            f"{west}–{east}°E, {south}–{north}°N{hint}"
        )
        return False
    return True


def check_figure(problems: list[str], field: str, value: object) -> None:
    if not isinstance(value, dict):
        problems.append(f"{field}: {value!r} is not a mapping with value and source")
        return
    if "value" not in value:
        problems.append(f"{field}.value: missing")
    check_text(problems, f"{field}.source", value.get("source"))
    for i, alt in enumerate(value.get("alternatives") or ()):
        check_figure(problems, f"{field}.alternatives[{i}]", alt)


def check_number(problems: list[str], field: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value < 0:
        problems.append(f"{field}: {value!r} is not a non-negative number")
