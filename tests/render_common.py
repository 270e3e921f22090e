"""Shared inputs of the render tests: a catalog whose texts are escaping payloads, and helpers.

Each payload would run script if pasted into HTML unescaped (``alert`` raises a browser dialog),
would close the page's script element, or would run as a Jinja or JavaScript template expression.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from corridors.render import _assets

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


def js_strings(html: str, key: str) -> list[str]:
    """Decoded JSON strings given as ``key: "…"`` in the page's scripts (``popup``, ``tooltip``)."""
    return [json.loads(m) for m in re.findall(r"\b" + key + r': ("(?:[^"\\]|\\.)*")', html)]


def tree_labels(html: str) -> list[str]:
    """Decoded labels of the layer-tree control (HTML)."""
    return [json.loads(m) for m in re.findall(r'"label": ("(?:[^"\\]|\\.)*")', html)]


def point_rows(html: str) -> list[list]:
    """Waypoint and crossing rows ``[lat, lon, kind, tooltip, popup]`` of every corridor layer."""
    rows = []
    for m in re.finditer(r'\n    JSON\.parse\(("(?:[^"\\]|\\.)*")\)\.forEach\(function \(p\)', html):
        rows += json.loads(json.loads(m.group(1)))
    return rows


def assets_available() -> bool:
    """True when every pinned package is in the asset folder or the cache (no download needed)."""
    return all(any((d / spec / "package.json").is_file() for d in _assets.asset_dirs()) for spec in _assets.PACKAGES)
