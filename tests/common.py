"""Shared synthetic geometry: three 1°-square "countries" in a row, and helpers.

    AAA: 60–61°E   BBB: 61–62°E   CCC: 62–63°E   (all 30–31°N)

Crossings on these maps are counted by hand in the tests.
"""

from __future__ import annotations

import numpy as np
import shapely

from corridors.geodata import Countries

BOXES = {"AAA": (60, 30, 61, 31), "BBB": (61, 30, 62, 31), "CCC": (62, 30, 63, 31)}


def synthetic_countries() -> Countries:
    geometry = np.array([shapely.box(*b) for b in BOXES.values()])
    shapely.prepare(geometry)
    return Countries(np.array(list(BOXES)), np.array(["A-land", "B-land", "C-land"]), geometry)


def synthetic_borders(countries: Countries) -> np.ndarray:
    """Unique linework of the synthetic polygons (each shared edge once)."""
    merged = shapely.line_merge(shapely.union_all(shapely.boundary(countries.geometry)))
    return np.asarray(shapely.get_parts(merged))


def lines(routes: list[list[tuple[float, float]]]) -> np.ndarray:
    return np.array([shapely.LineString(c) for c in routes], dtype=object)
