"""Checks for corridor records, user route files and OSM extracts, at the boundary.

Each checker appends ``"field: problem"`` strings to a list; `raise_if` turns the list into
one `CatalogError` whose single line names the file, every bad field and its value.

Files are read through `read_input` (regular files only, size-limited) and parsed by `parse_yaml`,
`parse_json` or `parse_toml`, which enforce the limits of `corridors.settings` (nesting depth,
YAML aliases and expanded size, digits of a number, characters of a text) and hand back plain data:
text NFC-normalised with control characters and lone surrogates refused, finite numbers only, YAML
dates as ISO text, and nothing but text, numbers, booleans, None, lists and mappings.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import math
import os
import re
import stat
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import settings
from ._errors import CatalogError
from .io import note_input

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
_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_ISO3 = re.compile(r"[A-Z]{3}")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens: a valid corridor id or ''.

    >>> slug("Gwadar Port → Kashgar (CPEC)")
    'gwadar-port-kashgar-cpec'
    """
    return _NOT_SLUG.sub("-", text.lower()).strip("-")


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


def load_yaml(text: str, label: object = "YAML") -> object:
    """Parse YAML safely, with libyaml's C loader when PyYAML was built with it (10x faster).

    The document is checked first for the limits of `parse_yaml`; ``label`` names it in errors.
    Duplicate keys in a mapping are errors (PyYAML would keep the last one silently).

    >>> import yaml
    >>> try:
    ...     load_yaml("a: 1\\na: 2")
    ... except yaml.YAMLError as exc:
    ...     print(exc.problem)
    duplicate key 'a' (first on line 1)
    """
    import yaml

    _check_yaml_events(text, label)
    if not _LOADER:
        _LOADER.append(_strict_loader())
    return yaml.load(text, Loader=_LOADER[0])


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file's data and records are built.

    Parsed data and records hold no reference cycles, so reference counting frees them; the
    collector's passes over every live object, one per 700 new containers, cost about 40 % of
    reading 10,000 GeoJSON or GeoParquet routes. Nested pauses and other threads are harmless:
    the outermost pause turns the collector back on.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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


# ------------------------------------------------------------------------------------ reading


def input_path(value: str | Path, what: str = "catalog", expected: str = "a file or folder") -> Path:
    """``value`` as a path; an empty name is an error, not "the current folder"."""
    if not str(value).strip():
        raise CatalogError(f"{what} path is empty; name {expected}")
    return Path(value)


def check_regular_file(path: Path, what: str = "input") -> os.stat_result:
    """The ``stat`` of ``path``; `CatalogError` unless it is a regular file (no device, FIFO, folder)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        kinds = (
            (stat.S_ISDIR, "a folder"),
            (stat.S_ISFIFO, "a FIFO"),
            (stat.S_ISCHR, "a device"),
            (stat.S_ISBLK, "a device"),
        )
        kind = next((name for test, name in kinds if test(st.st_mode)), "a special file")
        raise CatalogError(f"{path}: is {kind}, not a regular file; the {what} must be a regular file")
    note_input(path)
    return st


def read_input(path: Path, what: str = "catalog file") -> str:
    """The text of a regular, UTF-8 input file no larger than ``MAX_INPUT_BYTES``."""
    st = check_regular_file(path, what)
    cap = settings.limit("MAX_INPUT_BYTES")
    if st.st_size > cap:
        raise CatalogError(
            f"{path}: {st.st_size:,} bytes is larger than the limit of {cap:,} (MAX_INPUT_BYTES); "
            "split the file, or raise CORRIDORS_MAX_INPUT_BYTES"
        )
    try:
        with open(path, "rb") as fh:
            raw = fh.read(cap + 1)
        if len(raw) > cap:
            raise CatalogError(f"{path}: larger than the limit of {cap:,} bytes (MAX_INPUT_BYTES)")
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _check_yaml_events(text: str, label: object) -> None:
    """Refuse YAML nested too deep, with too many aliases, or expanding to too many nodes.

    Walks libyaml's event stream (no objects are built) and sums each anchored node's expanded
    size, so a "billion laughs" file stops after reading its few hundred bytes.
    """
    import yaml

    depth_cap = settings.limit("MAX_NESTING_DEPTH")
    alias_cap = settings.limit("MAX_YAML_ALIASES")
    node_cap = settings.limit("MAX_YAML_NODES")
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = [[None, 0]]  # [anchor, expanded size so far] per open collection
    aliases = total = 0
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append([event.anchor, 1])
                if len(stack) - 1 > depth_cap:
                    raise CatalogError(
                        f"{label}: nested deeper than {depth_cap} levels (MAX_NESTING_DEPTH)"
                        + (f" at line {event.start_mark.line + 1}" if event.start_mark else "")
                    )
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                anchor, size = stack.pop()
                if anchor is not None:
                    sizes[anchor] = size
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > alias_cap:
                    raise CatalogError(f"{label}: more than {alias_cap:,} YAML aliases (MAX_YAML_ALIASES)")
                size = sizes.get(event.anchor or "", 1)
            elif isinstance(event, yaml.ScalarEvent):
                size = 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            else:
                continue
            stack[-1][1] += size
            total += size if len(stack) == 1 else 0
            if stack[-1][1] > node_cap or total > node_cap:
                raise CatalogError(
                    f"{label}: expands to more than {node_cap:,} values through YAML aliases "
                    "(MAX_YAML_NODES); a record needs a few hundred"
                )
    except yaml.YAMLError:
        return  # the loader reports it, with its position


def parse_yaml(text: str, label: object) -> Any:
    """YAML text as plain checked data (see the module docstring); one `CatalogError` naming ``label``."""
    with gc_paused():  # once over loading and checking: a pause between them would collect all the data
        return plain_data(_loaded_yaml(text, label), label)


def _loaded_yaml(text: str, label: object) -> Any:
    import yaml

    try:
        return load_yaml(text, label)
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (NUL, other controls): no mark
        raise CatalogError(
            f"{label}: {_line_column(text, exc.position)}: character {chr(exc.character)!r} is not allowed in YAML"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise CatalogError(f"{label}: {where}{problem}") from None
    except CatalogError:
        raise
    except (ValueError, RecursionError) as exc:  # digits of an int beyond Python's limit, deep nesting
        raise CatalogError(f"{label}: not usable YAML: {_first_line(exc)}") from None


def _line_column(text: str, position: int) -> str:
    """``line L, column C`` (both from 1) of the character at ``position`` of ``text``."""
    line_start = text.rfind("\n", 0, position) + 1
    return f"line {text.count(chr(10), 0, position) + 1}, column {position - line_start + 1}"


class _DuplicateKey(ValueError):
    """A JSON object names a key twice (`json` would keep the last value silently)."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(f"duplicate key {key!r} in a JSON object")
            seen.add(key)
    return out


def parse_json(text: str, label: object) -> Any:
    """JSON text as plain checked data (see the module docstring); NaN and Infinity are refused.

    A key repeated in one object is an error, as in YAML; a leading UTF-8 byte-order mark (which
    Windows GIS software writes) is skipped.

    >>> parse_json('\ufeff{"a": 1}', "x.geojson")
    {'a': 1}
    >>> parse_json('{"a": 1, "a": 2}', "x.geojson")
    Traceback (most recent call last):
    ...
    corridors._errors.CatalogError: x.geojson: duplicate key 'a' in a JSON object
    """
    with gc_paused():  # once over loading and checking, as `parse_yaml`
        return plain_data(_loaded_json(text, label), label)


def _loaded_json(text: str, label: object) -> Any:
    import json

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not a finite number")

    try:
        return json.loads(text.removeprefix("\ufeff"), parse_constant=constant, object_pairs_hook=_unique_pairs)
    except _DuplicateKey as exc:
        raise CatalogError(f"{label}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{label}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        cap = settings.limit("MAX_NESTING_DEPTH")
        raise CatalogError(f"{label}: nested deeper than {cap} levels (MAX_NESTING_DEPTH)") from None
    except ValueError as exc:
        raise CatalogError(f"{label}: not usable JSON: {_first_line(exc)}") from None


def parse_toml(text: str, label: object) -> Any:
    """TOML text as plain checked data (see the module docstring); dates become ISO text."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{label}: not valid TOML: {_first_line(exc)}") from None
    except RecursionError:
        cap = settings.limit("MAX_NESTING_DEPTH")
        raise CatalogError(f"{label}: nested deeper than {cap} levels (MAX_NESTING_DEPTH)") from None
    except ValueError as exc:  # digits of an int beyond Python's limit
        raise CatalogError(f"{label}: not usable TOML: {_first_line(exc)}") from None
    return plain_data(data, label)


def _first_line(exc: BaseException) -> str:
    text = (str(exc).splitlines() or [type(exc).__name__])[0]
    if "integer string conversion" in text:
        return "a number has thousands of digits (MAX_NUMBER_DIGITS)"
    return text[:200]


#: C0 and C1 controls (tab, newline and carriage return allowed), DEL, lone surrogates, non-characters.
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str, field: str, problems: list[str]) -> str:
    """``value`` NFC-normalised; a problem when it holds control characters or lone surrogates."""
    bad = _BAD_CHARS.search(value)
    if bad:
        problems.append(f"{field}: {value[:80]!r} holds the control or invalid character {bad.group()!r}")
        return value
    return unicodedata.normalize("NFC", value)


def _long_text(field: str, length: int, cap: int) -> str:
    """The problem of a text of ``length`` characters above ``MAX_TEXT_CHARS`` (``cap``); the text is not shown."""
    return (
        f"{field}: a text of {length:,} characters is longer than the limit of {cap:,} (MAX_TEXT_CHARS); "
        "shorten it, or raise CORRIDORS_MAX_TEXT_CHARS"
    )


def _field_name(path: tuple) -> str:
    """``a.b[2].c`` from the linked path ``(((None, "a"), "b"), 2), "c")`` built by `plain_data`."""
    parts: list[str] = []
    while path:
        path, key = path
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key!s:.40}")
    return "".join(reversed(parts)).lstrip(".")


def plain_data(data: Any, label: object) -> Any:
    """Checked plain data: see the module docstring. Raises one `CatalogError` listing the problems."""
    problems: list[str] = []
    digits = settings.limit("MAX_NUMBER_DIGITS")
    depth_cap = settings.limit("MAX_NESTING_DEPTH")
    int_cap = 10**digits
    text_cap = settings.limit("MAX_TEXT_CHARS")
    tiny = sys.float_info.min
    seen: set[int] = set()
    isfinite = math.isfinite
    floats, strs = {float}, {str}

    def plain_floats(items: list) -> bool:  # finite floats, none subnormal (a position): nothing to check or change
        return set(map(type, items)) == floats and isfinite(sum(items)) and min(map(abs, items)) >= tiny

    def walk(value: Any, path: tuple, depth: int) -> Any:  # the field name is built only for a problem
        kind = type(value)
        if kind is float:
            if not isfinite(value):
                problems.append(f"{_field_name(path) or 'value'}: {value!r} is not a finite number")
            elif value != 0 and -tiny < value < tiny:
                return 0.0  # subnormal: below any meaningful quantity, read as zero
            return value
        if kind is str:
            if len(value) > text_cap:
                problems.append(_long_text(_field_name(path) or "value", len(value), text_cap))
                return value
            if _BAD_CHARS.search(value) or not value.isascii():
                return clean_text(value, _field_name(path) or "value", problems)
            return value
        if value is None or kind is bool:
            return value
        if kind is int:
            if not -int_cap < value < int_cap:
                problems.append(
                    f"{_field_name(path)}: a number of {len(str(abs(value)))} digits is too long (MAX_NUMBER_DIGITS)"
                )
            return value
        if len(problems) >= 20:
            return None
        if kind is list or kind is dict:
            if depth >= depth_cap:
                problems.append(f"{_field_name(path)}: nested deeper than {depth_cap} levels (MAX_NESTING_DEPTH)")
                return None
            if id(value) in seen:
                problems.append(f"{_field_name(path)}: refers to itself (a recursive YAML alias)")
                return None
            seen.add(id(value))
            try:
                if kind is list:
                    inner = depth + 1 < depth_cap
                    return [
                        item[:]
                        if inner and type(item) is list and plain_floats(item)
                        else walk(item, (path, i), depth + 1)
                        for i, item in enumerate(value)
                    ]
                out = {}
                keys = "".join(value) if set(map(type, value)) <= strs else None
                plain_keys = (
                    keys is not None
                    and (len(keys) <= text_cap or max(map(len, value)) <= text_cap)
                    and keys.isascii()
                    and not _BAD_CHARS.search(keys)
                )
                for key, item in value.items():
                    k = key if plain_keys else walk(key, (path, str(key)), depth + 1)  # plain keys stay as they are
                    if not isinstance(k, str | int | float | bool) and k is not None:
                        problems.append(f"{_field_name(path) or 'record'}: key {key!r} is not a text or number")
                        continue
                    if type(item) is str and len(item) <= text_cap and item.isascii() and not _BAD_CHARS.search(item):
                        out[k] = item  # plain text: what walk would return
                    else:
                        out[k] = walk(item, (path, str(k)), depth + 1)
                return out
            finally:
                seen.discard(id(value))
        if isinstance(value, _dt.datetime | _dt.date):
            return value.isoformat()
        names: dict[type, str] = {bytes: "binary data (!!binary)", set: "a set (!!set)"}
        what = names.get(kind, kind.__name__)
        problems.append(f"{_field_name(path) or 'value'}: {what} is not a text, number, list or mapping")
        return None

    out = walk(data, (), 0)
    raise_if(label, problems)
    return out


def plain_column(values: list[Any]) -> list[Any] | None:
    """A column of values (text or None; or whole numbers and booleans) as `plain_data` would give them.

    One search over the column's joined text replaces a walk per value, and its length bounds every
    value's (``MAX_TEXT_CHARS``). None when a value needs `plain_data`'s own checks, which name it
    (a control character, a text or number too long), or is of another type.

    >>> plain_column(["Mo\u0308nchgladbach", None]), plain_column([1, True]), plain_column(["\x1b[31m"])
    (['Mönchgladbach', None], [1, True], None)
    """
    kinds = set(map(type, values))
    if kinds <= {str, type(None)}:
        text = "".join(x for x in values if x is not None)
        cap = settings.limit("MAX_TEXT_CHARS")
        if _BAD_CHARS.search(text) or (len(text) > cap and max(len(x) for x in values if x is not None) > cap):
            return None
        if text.isascii():
            return values
        return [None if x is None else unicodedata.normalize("NFC", x) for x in values]
    if kinds <= {int, bool}:
        cap = 10 ** settings.limit("MAX_NUMBER_DIGITS")
        return values if all(-cap < x < cap for x in values) else None
    return None


#: Problems named in one error message; the rest are counted (a file with thousands of bad rows
#: gets a line a reader can read, not hundreds of kilobytes).
_MAX_PROBLEMS_SHOWN = 20


def raise_if(path: object, problems: list[str]) -> None:
    """Raise one `CatalogError` naming ``path`` and the problems (the first 20, then their count), if any.

    Examples
    --------
    >>> raise_if("r.geojson", [f"row[{i}]: bad" for i in range(25)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    corridors._errors.CatalogError: r.geojson: row[0]: bad; ...; row[19]: bad; and 5 more problems
    """
    if problems:
        shown = "; ".join(problems[:_MAX_PROBLEMS_SHOWN])
        more = len(problems) - _MAX_PROBLEMS_SHOWN
        raise CatalogError(f"{path}: {shown}" + (f"; and {more:,} more problem{'s' * (more > 1)}" if more > 0 else ""))


def check_count(label: object, what: str, count: int, limit_name: str) -> None:
    """`CatalogError` when ``count`` items exceed the limit ``limit_name`` of `corridors.settings`."""
    cap = settings.limit(limit_name)
    if count > cap:
        raise CatalogError(
            f"{label}: {what}: {count:,} is more than the limit of {cap:,} ({limit_name}); split the input, "
            f"or raise CORRIDORS_{limit_name}"
        )


def check_choice(problems: list[str], field: str, value: object, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        problems.append(f"{field}: {value!r} is not one of {', '.join(allowed)}")


def check_id(problems: list[str], field: str, value: object) -> None:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        problems.append(f"{field}: {value!r} is not a lower-case id of letters, digits and '-'")


def check_text(problems: list[str], field: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{field}: {value!r} is not a non-empty text")


def check_countries(problems: list[str], field: str, value: object) -> None:
    if not isinstance(value, list) or not value:
        problems.append(f"{field}: {value!r} is not a non-empty list of ISO alpha-3 codes")
        return
    for i, code in enumerate(value):
        if not isinstance(code, str) or not _ISO3.fullmatch(code):
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
    try:
        lon_f, lat_f = float(lon), float(lat)  # type: ignore[arg-type]
    except OverflowError:
        lon_f = lat_f = math.nan
    if not (math.isfinite(lon_f) and math.isfinite(lat_f)):
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
    elif isinstance(value["value"], bool) or not isinstance(value["value"], str | int | float):
        problems.append(f"{field}.value: {value['value']!r} is not a number or a text")
    elif isinstance(value["value"], int | float) and not math.isfinite(value["value"]):
        problems.append(f"{field}.value: {value['value']!r} is not a finite number")
    check_text(problems, f"{field}.source", value.get("source"))
    for key in ("label", "unit"):
        if value.get(key) is not None and not isinstance(value.get(key), str | int | float):
            problems.append(f"{field}.{key}: {value.get(key)!r} is not a text")
    alternatives = value.get("alternatives") or []
    if not isinstance(alternatives, list):
        problems.append(f"{field}.alternatives: {alternatives!r} is not a list of figures")
        return
    for i, alt in enumerate(alternatives):
        check_figure(problems, f"{field}.alternatives[{i}]", alt)


#: Largest number a record field may hold: above any cost in currency units or length in metres.
_MAX_NUMBER = 1e15


def check_number(problems: list[str], field: str, value: object) -> None:
    """A non-negative finite number no larger than 1e15 (costs in currency units fit)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
        or value > _MAX_NUMBER
    ):
        problems.append(f"{field}: {value!r} is not a non-negative finite number up to {_MAX_NUMBER:g}")


def check_osm_file(path: Path) -> None:
    """Read an OSM XML file once as a stream and refuse what would exhaust the parser.

    ``.gz`` and ``.bz2`` are decompressed on the fly; `CatalogError` when the file is not a
    regular file, is truncated or damaged, decompresses to more than ``MAX_OSM_BYTES``, or holds
    one element (``<`` to ``<``) longer than ``MAX_OSM_ELEMENT_BYTES`` (expat is quadratic in it).
    """
    import bz2
    import gzip
    import zlib

    check_regular_file(path, "OSM file")
    total_cap = settings.limit("MAX_OSM_BYTES")
    element_cap = settings.limit("MAX_OSM_ELEMENT_BYTES")
    chunk_size = min(1 << 16, element_cap)  # gaps inside one chunk are shorter than the cap
    suffix = path.suffix.lower()
    opener: Any = bz2.open if suffix == ".bz2" else gzip.open if suffix == ".gz" else open
    total = since_lt = 0
    try:
        with opener(path, "rb") as fh:
            while chunk := fh.read(chunk_size):
                total += len(chunk)
                if total > total_cap:
                    raise CatalogError(
                        f"{path}: decompresses to more than {total_cap:,} bytes (MAX_OSM_BYTES); "
                        "cut a smaller extract, or raise CORRIDORS_MAX_OSM_BYTES"
                    )
                first, last = chunk.find(b"<"), chunk.rfind(b"<")
                if first < 0:
                    since_lt += len(chunk)
                else:
                    since_lt += first
                    if since_lt > element_cap:
                        break
                    since_lt = len(chunk) - last
                if since_lt > element_cap:
                    break
    except (OSError, EOFError, zlib.error, ValueError) as exc:
        raise CatalogError(f"{path}: truncated or damaged ({_first_line(exc)})") from None
    if since_lt > element_cap:
        raise CatalogError(
            f"{path}: holds an XML element longer than {element_cap:,} bytes (MAX_OSM_ELEMENT_BYTES); "
            "not an OSM extract"
        )


def check_osm_nodes(label: object, nodes: Iterable[tuple[object, object, object]]) -> None:
    """`CatalogError` naming the first OSM nodes whose (id, lon, lat) is not a finite, valid coordinate."""
    problems = []
    for node, lon, lat in nodes:
        try:
            x, y = float(lon), float(lat)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            x = y = math.nan
        if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
            problems.append(f"node {node}: lon {lon!r}, lat {lat!r} is not a valid coordinate")
            if len(problems) == 5:
                break
    raise_if(label, problems)
