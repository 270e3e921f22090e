"""Exposure weights owned by the user: km weighted by country, province or contested area.

An exposure file (YAML or TOML) gives a weight per country (ISO3), per province (ISO 3166-2) or
per contested area (its id in ``geodata/contested.gpkg``), for whatever the analyst models: risk,
tariffs, permits. The weight of a stretch of route is the most specific one that applies (area,
then province, then country, then ``default``, which is 1 unless the file says otherwise), and a
corridor's ``exposure_km`` is the sum of weight × km over its stretches. The tool ships no such
figures: ``examples/exposure-example.yaml`` shows the format, with values for illustration only.

.. code-block:: yaml

    default: 1.0
    countries: {AFG: 2.0}
    provinces: {PK-BA: 3.0}
    areas: {gilgit-baltistan: 1.5}
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _validate, geodata
from ._errors import CatalogError, ValidationError
from .scoring import CorridorScore, Stretch

__all__ = ["Exposure", "apply_exposure", "load_exposure", "parse_exposure"]

_SECTIONS = ("countries", "provinces", "areas")
_OTHER_KEYS = ("default", "note", "description", "illustration_only")


@dataclass(frozen=True)
class Exposure:
    """Weights per country (ISO3), province (ISO 3166-2) and contested area (id); ``default`` elsewhere."""

    countries: Mapping[str, float] = field(default_factory=dict)
    provinces: Mapping[str, float] = field(default_factory=dict)
    areas: Mapping[str, float] = field(default_factory=dict)
    default: float = 1.0
    source: str = ""

    def weight(self, stretch: Stretch) -> float:
        """The most specific weight of a stretch: its area's, else its province's, else its country's."""
        for table, key in (
            (self.areas, stretch.area),
            (self.provinces, stretch.province),
            (self.countries, stretch.country),
        ):
            if key and key in table:
                return float(table[key])
        return float(self.default)

    def km(self, record: CorridorScore) -> float:
        """Weighted km of a scored corridor: the sum of weight × km over its stretches.

        Examples
        --------
        >>> from corridors import load_catalog
        >>> from corridors.scoring import score_records
        >>> kkh = score_records(load_catalog()["karakoram-highway"])[0]
        >>> extra = Exposure(areas={"gilgit-baltistan": 2.0}).km(kkh) - kkh.length_km  # GB km counted twice
        >>> abs(extra - kkh.contested_km) < 1e-6, 380 < extra < 430
        (True, True)
        """
        return float(sum(self.weight(s) * s.length_km for s in record.stretches))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and value >= 0 else None


def parse_exposure(data: Any, source: str = "exposure") -> Exposure:
    """Check a parsed exposure mapping and return it as `Exposure`.

    Every problem is reported together in one line naming ``source``, the field and the value
    (`corridors.ValidationError`): a file that is not a mapping, an unknown section, country,
    province or area, a weight that is negative, NaN or not a number.
    """
    if not isinstance(data, Mapping):
        raise ValidationError(
            f"{source}: expected a mapping with countries, provinces or areas, got {type(data).__name__}"
        )
    problems: list[str] = []
    for key in data:
        if key not in _SECTIONS and key not in _OTHER_KEYS:
            problems.append(f"{key}: unknown field (use {', '.join(_SECTIONS)} or default)")
    known = {
        "countries": set(geodata.countries().iso_a3.tolist()),
        "provinces": set(geodata.provinces().code.tolist()),
        "areas": set(geodata.contested_areas().id.tolist()),
    }
    what = {"countries": "country (ISO3)", "provinces": "province (ISO 3166-2)", "areas": "contested area id"}
    tables: dict[str, dict[str, float]] = {}
    for section in _SECTIONS:
        table = data.get(section) or {}
        if not isinstance(table, Mapping):
            problems.append(f"{section}: expected a mapping of code: weight, got {table!r}")
            continue
        tables[section] = {}
        for code, value in table.items():
            if str(code) not in known[section]:
                problems.append(f"{section}.{code}: {code!r} is not a {what[section]} of the shipped data")
            number = _number(value)
            if number is None:
                problems.append(f"{section}.{code}: {value!r} is not a non-negative number")
            else:
                tables[section][str(code)] = number
    default = _number(data.get("default", 1.0))
    if default is None:
        problems.append(f"default: {data.get('default')!r} is not a non-negative number")
    if problems:
        raise ValidationError(f"{source}: " + "; ".join(problems))
    return Exposure(
        countries=tables.get("countries", {}),
        provinces=tables.get("provinces", {}),
        areas=tables.get("areas", {}),
        default=float(default or 0.0),
        source=source,
    )


def load_exposure(path: str | Path) -> Exposure:
    """Read and check an exposure file (``.yaml``/``.yml`` or ``.toml``); see the module docstring.

    Examples
    --------
    >>> from corridors import settings
    >>> ex = load_exposure(settings.geodata_dir().parent / "examples" / "exposure-example.yaml")
    >>> ex.provinces["PK-BA"] > ex.default
    True
    """
    try:  # the catalog's checks: a regular file, MAX_INPUT_BYTES, UTF-8, duplicate keys, limits
        path = _validate.input_path(path, "exposure", "a YAML or TOML file")
        text = _validate.read_input(path, "exposure file")
        parse = _validate.parse_toml if path.suffix.lower() == ".toml" else _validate.parse_yaml
        data = parse(text, path)
    except CatalogError as exc:
        raise ValidationError(str(exc)) from None
    return parse_exposure(data, str(path))


def apply_exposure(
    records: Sequence[CorridorScore], exposure: Exposure | str | Path, *, rank_by: str = "score"
) -> list[CorridorScore]:
    """The records with ``exposure_km`` set; ranked by it (lowest first) only when ``rank_by="exposure"``.

    Examples
    --------
    >>> from corridors import load_catalog
    >>> from corridors.scoring import score_records
    >>> recs = score_records(load_catalog().select(["karakoram-highway", "tapi"]))
    >>> ranked = apply_exposure(recs, Exposure(provinces={"PK-BA": 10.0}), rank_by="exposure")
    >>> [(r.corridor.id, r.rank) for r in ranked]
    [('karakoram-highway', 1), ('tapi', 2)]
    """
    if rank_by not in ("score", "exposure"):
        raise ValidationError(f"rank_by: {rank_by!r} is not one of score, exposure")
    ex = exposure if isinstance(exposure, Exposure) else load_exposure(exposure)
    km = np.array([ex.km(r) for r in records], dtype=float)
    out = [dataclasses.replace(r, exposure_km=float(k)) for r, k in zip(records, km, strict=True)]
    if rank_by == "exposure" and out:
        order = np.lexsort((np.arange(len(out)), np.round(km, 9)))
        ranks = np.empty(len(out), dtype=int)
        ranks[order] = np.arange(1, len(out) + 1)
        out = [dataclasses.replace(r, rank=int(k)) for r, k in zip(out, ranks, strict=True)]
    return out
