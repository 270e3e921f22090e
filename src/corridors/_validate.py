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
STATUSES = (
    "operational",
    "under-construction",
    "partial",
    "proposed",
    "planned",
    "suspended",
    "historic",
    "modeled",
)
ALIGNMENTS = ("geodesic", "terrain", "osm")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ISO3 = re.compile(r"^[A-Z]{3}$")


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens: a valid corridor id or ''.

    >>> slug("Gwadar Port → Kashgar (CPEC)")
    'gwadar-port-kashgar-cpec'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def load_yaml(text: str) -> object:
    """Parse YAML safely, with libyaml's C loader when PyYAML was built with it (10x faster)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


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
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problems.append(f"{field}: {value!r} is not a non-negative number")
