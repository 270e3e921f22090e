"""Shared inputs of the render tests: a catalog whose texts are escaping payloads, and helpers.

Each payload would run script if pasted into HTML unescaped (``alert`` raises a browser dialog),
would close the page's script element, or would run as a Jinja or JavaScript template expression.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(2)</script>"
JINJA = "{{ 7*7 }}"
TEMPLATE_LITERAL = "${alert(3)}"

PAYLOAD_YAML = f"""
- id: payload-img
  name: {json.dumps(IMG)}
  kind: road
  status: proposed
  summary: {json.dumps(SCRIPT + " " + JINJA + " " + TEMPLATE_LITERAL)}
  countries: [AFG, PAK]
  waypoints:
    - {{name: "<b onmouseover=alert(4)>Kabul</b>", lon: 69.18, lat: 34.53,
       source: "<script>alert(5)</script>"}}
    - {{name: "Peshawar {JINJA}", lon: 71.57, lat: 34.01}}
  published:
    length_km: {{value: 300, source: "<svg onload=alert(6)>"}}
    facts:
      - {{label: "<i>Cost</i>", value: "<u>1</u>", unit: "<s>USD</s>", source: "{TEMPLATE_LITERAL}"}}
  sources:
    - {{title: "<iframe src=javascript:alert(7)>", url: "javascript:alert(8)"}}
- id: payload-script
  name: {json.dumps(SCRIPT)}
  kind: pipeline
  status: proposed
  waypoints:
    - {{name: {json.dumps(TEMPLATE_LITERAL)}, lon: 66.0, lat: 30.0}}
    - {{name: {json.dumps(JINJA)}, lon: 67.0, lat: 31.0}}
  sources:
    - {{title: {json.dumps(IMG)}}}
"""

PAYLOAD_NAMES = {"payload-img": IMG, "payload-script": SCRIPT}


def payload_catalog(folder: Path) -> Path:
    path = folder / "payloads.yaml"
    path.write_text(PAYLOAD_YAML, encoding="utf-8")
    return path


def data_blocks(html: str) -> dict[str, object]:
    """The JSON data blocks (``<script type="application/json" id=…>``) of a map page, by id."""
    return {
        m.group(1): json.loads(m.group(2))
        for m in re.finditer(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, flags=re.DOTALL)
    }


def corridor_data(html: str) -> list[dict]:
    """Each corridor layer's data: ``pixels``, ``line`` (options), ``popup``, ``tooltip``, ``name``, ``points``."""
    return [d for d in data_blocks(html).values() if isinstance(d, dict) and "pixels" in d]


def point_rows(html: str) -> list[list]:
    """Waypoint rows ``[lat, lon, "waypoint", name, position, source]`` and crossing rows ``[lat, lon,
    "crossing", tooltip, position, title, km, nearest named crossing]`` of every corridor layer."""
    return [row for d in corridor_data(html) for row in d["points"]]


def label_rows(html: str) -> list[list]:
    """Place labels ``[lat, lon, text, style, min zoom]``."""
    return [row for k, d in data_blocks(html).items() if k.startswith("labels_") for row in d]


def control_labels(html: str) -> list[str]:
    """Decoded labels of the layer control (HTML)."""
    return [json.loads(m) for m in re.findall(r'\blabel: ("(?:[^"\\]|\\.)*")', html)]


def without_assets(html: str) -> str:
    """The page without the inlined Leaflet and map code (third-party text the checks do not cover)."""
    from corridors.render import _assets

    return html.replace(_assets.head_html(cdn=False), "").replace(_assets.head_html(cdn=True), "")
