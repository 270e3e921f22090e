"""Shared cartography of the web map and the static figures: colours by kind, dashes by status.

Dash patterns are given in line widths (the unit matplotlib scales dashes by); the web map
multiplies them by its stroke weight in pixels and draws dashed lines with butt caps, so both
renderers show the same rhythm.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Fill of land and sea on the offline basemap, of the area beyond it, and of land borders.
LAND = "#f3f0e8"
SEA = "#cfe0ea"
NO_DATA = "#e3e3e0"
BORDER = "#8f8a99"
LABEL = "#6e6a62"


@dataclass(frozen=True)
class KindStyle:
    label: str
    color: str
    weight: float  # stroke width, pixels on the web map and points in figures
    opacity: float = 0.95


#: One style per corridor kind (``corridors._validate.KINDS``), in legend order.
#:
#: Colour-blind safe: the smallest CAM02-UCS distance between two of these colours, seen with
#: normal vision or simulated deuteranopia, protanopia or tritanopia (colorspacious, severity 100),
#: is 17.2 (tests/test_figure.py keeps it above 15; the previous palette had 1.6 between pipeline
#: and strip for deuteranopes). The colours are the best 7-colour subset of the Okabe–Ito and Tol
#: palettes by that measure, excluding colours too light to read on the land colour. Rail is also
#: drawn with cross-ties, so it never depends on colour alone.
KINDS: dict[str, KindStyle] = {
    "pipeline": KindStyle("Pipeline", "#e69f00", 4.0),
    "road": KindStyle("Road", "#332288", 4.0),
    "rail": KindStyle("Rail", "#1a1a1a", 3.0),
    "port-link": KindStyle("Port link", "#117733", 4.0),
    "strip": KindStyle("Strip of territory", "#aa4499", 9.0, 0.45),
    "connector": KindStyle("Connector", "#8c8c8c", 2.5),
    "route": KindStyle("User route", "#56b4e9", 3.5),
}

#: Dash pattern by status (``corridors._validate.STATUSES``), in line widths; empty means solid.
#: The vocabulary is Global Energy Monitor's; each status keeps a distinct pattern (the old
#: ``operational``, ``partial``, ``under-construction``, ``suspended`` and ``historic`` patterns carry
#: over to ``operating``, ``partly-built``, ``construction``, ``shelved`` and ``retired``).
STATUSES: dict[str, tuple[str, tuple[float, ...]]] = {
    "operating": ("Operating", ()),
    "partly-built": ("Partly built", (4.0, 1.5, 1.0, 1.5)),
    "construction": ("Under construction", (4.0, 2.0)),
    "proposed": ("Proposed", (1.0, 1.5)),
    "shelved": ("Shelved", (4.0, 1.5, 1.0, 1.5, 1.0, 1.5)),
    "idle": ("Idle", (2.0, 2.0)),
    "mothballed": ("Mothballed", (2.0, 1.0, 0.7, 1.0)),
    "cancelled": ("Cancelled", (0.7, 1.5, 0.7, 4.0)),
    "retired": ("Retired", (0.7, 3.0)),
    "modeled": ("Modeled", (6.0, 1.5, 2.0, 1.5)),
}

#: Markers: border crossings and waypoints.
CROSSING_FILL = "#ffd21f"
CROSSING_EDGE = "#1a1a1a"
WAYPOINT_FILL = "#ffffff"


def kind_style(kind: str) -> KindStyle:
    """Style of a corridor kind (user routes for a kind the style table does not know)."""
    return KINDS.get(kind, KINDS["route"])


def dash(status: str) -> tuple[float, ...]:
    """Dash pattern of a status in line widths; ``()`` for a solid line."""
    return STATUSES.get(status, ("", ()))[1]


def status_label(status: str) -> str:
    return STATUSES.get(status, (status, ()))[0] or status


def kml_color(color: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` and an opacity as KML's ``aabbggrr`` hex (alpha, blue, green, red).

    >>> kml_color("#e69f00")
    'ff009fe6'
    """
    r, g, b = color[1:3], color[3:5], color[5:7]
    return f"{round(opacity * 255):02x}{b}{g}{r}".lower()


def dash_array(status: str, weight: float) -> str | None:
    """SVG/Leaflet ``dashArray`` of a status at a stroke weight in pixels (None when solid)."""
    pattern = dash(status)
    return " ".join(f"{p * weight:g}" for p in pattern) if pattern else None


#: Contested areas: a translucent fill (canvas-friendly on the web map, hatched in figures) and edge.
CONTESTED_FILL = "#d55e00"
CONTESTED_FILL_OPACITY = 0.16
CONTESTED_EDGE = "#a8460b"
CONTESTED_HATCH = "////"


@dataclass(frozen=True)
class BoundaryStyle:
    label: str
    color: str
    weight: float
    dashes: tuple[float, ...]  # in line widths, as STATUSES


#: Boundaries other than international ones, by Natural Earth class, and lines only a worldview draws.
BOUNDARY_STYLES: dict[str, BoundaryStyle] = {
    "Line of control": BoundaryStyle("Line of control", "#b2182b", 1.8, (3.0, 2.0)),
    "Disputed": BoundaryStyle("Disputed boundary", "#b2182b", 1.6, (1.0, 2.0)),
    "Indefinite": BoundaryStyle("Indefinite boundary", "#6a3d9a", 1.6, (4.0, 2.0, 1.0, 2.0)),
    "Indeterminant frontier": BoundaryStyle("Indeterminate frontier", "#6a3d9a", 1.6, (1.0, 3.0)),
    "claim": BoundaryStyle("Border as the worldview claims it", "#1a1a1a", 1.6, (6.0, 3.0)),
}

#: Sequential ramp (light to dark) for colouring routes by exposure per km.
EXPOSURE_RAMP = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")


def exposure_color(per_km: float, top: float) -> str:
    """Colour of a route whose exposure per km is ``per_km``, on a ramp ending at ``top``.

    >>> exposure_color(0.0, 2.0), exposure_color(2.0, 2.0)
    ('#fde725', '#440154')
    """
    if top <= 0:
        return EXPOSURE_RAMP[0]
    step = min(int(per_km / top * (len(EXPOSURE_RAMP) - 1) + 0.5), len(EXPOSURE_RAMP) - 1)
    return EXPOSURE_RAMP[max(step, 0)]
