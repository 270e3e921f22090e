"""Static figures: formats, determinism, what is drawn, the scale bar, CLI errors."""

from __future__ import annotations

import hashlib
import io

import matplotlib
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from render_common import payload_catalog

from corridors import load_catalog
from corridors._errors import OutputError
from corridors.alignment import route_lines
from corridors.cli.main import cli
from corridors.render import _basemap, _style
from corridors.render.figure import _RC, _draw, _nice, figure, figure_format
from corridors.scoring import score_records as score


@pytest.fixture(scope="module")
def scores():
    return score(load_catalog().select(["tapi", "karakoram-highway"]))


def _colours(png: bytes) -> set[tuple[int, int, int]]:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).reshape(-1, 3)
    return set(map(tuple, np.unique(pixels, axis=0).tolist()))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_same_input_gives_identical_bytes(scores, fmt):
    first = figure(scores, fmt=fmt, dpi=60).data
    assert hashlib.sha256(first).digest() == hashlib.sha256(figure(scores, fmt=fmt, dpi=60).data).digest()
    assert first[:8] in (b"\x89PNG\r\n\x1a\n", b"<?xml ve", b"%PDF-1.4")
    for stamp in (b"CreationDate", b"<dc:date>", b"Software", b"Matplotlib v"):
        assert stamp not in first


def test_png_shows_basemap_corridors_and_crossings(scores):
    png = figure(scores, dpi=80).data
    assert len(_colours(png)) > 200  # not blank: basemap, anti-aliased lines and text
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    for colour, least in (
        (_style.LAND, 100_000),
        (_style.CROSSING_FILL, 20),
        (_style.KINDS["pipeline"].color, 300),
        (_style.KINDS["road"].color, 100),
        (_style.BORDER, 200),
    ):
        near = np.abs(image - np.array(_rgb(colour))).sum(axis=2) <= 60
        assert np.count_nonzero(near) >= least, colour
    height, width, _ = image.shape
    assert width == 800 and 500 < height < 1400


def test_single_corridor_gets_its_name_as_title(scores):
    svg = figure(scores[:1], fmt="svg").data.decode()
    # text is drawn as paths; the title and labels are in the SVG as glyph references
    assert svg.count("<use xlink:href=") > 50
    assert figure(scores[:1], fmt="png", dpi=50).data != figure(scores[:1], fmt="png", dpi=50, title="Other").data


def test_catalog_text_is_drawn_literally(tmp_path):
    catalog = load_catalog([payload_catalog(tmp_path)])
    # "$…$" would be mathtext and "{{" a template; both must simply be drawn as text
    png = figure(score(catalog.select(["payload-img", "payload-script"])), dpi=50).data
    assert png.startswith(b"\x89PNG")


def test_scale_bar_length_is_geodesic(scores):
    assert [_nice(v) for v in (1234.0, 430.0, 99.0, 7.0)] == [1000.0, 200.0, 50.0, 5.0]
    lines = route_lines([s.corridor for s in scores])
    base = _basemap.load(_basemap.view_box(lines, margin=0.12, min_margin_deg=0.8))
    with matplotlib.rc_context(_RC):
        ax = _draw(scores, lines, base, 8.0, None).axes[0]
    bar = [p for p in ax.patches if p.get_zorder() == 9]
    km = next(float(t.get_text().removesuffix(" km")) for t in ax.texts if t.get_text().endswith(" km"))
    width_deg = sum(p.get_width() for p in bar)
    # closed form: one degree of longitude at latitude phi on the WGS84 ellipsoid
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    phi = np.radians((base.box[1] + base.box[3]) / 2)
    km_per_deg = np.pi * a * np.cos(phi) / (180 * np.sqrt(1 - e2 * np.sin(phi) ** 2)) / 1000
    assert len(bar) == 2 and km in (100.0, 200.0, 500.0, 1000.0)
    assert width_deg * km_per_deg == pytest.approx(km, rel=1e-4)


def test_formats_by_suffix():
    assert [figure_format(f"x.{s}") for s in ("png", "SVG", "pdf")] == ["png", "svg", "pdf"]
    with pytest.raises(OutputError, match="not 'jpg'"):
        figure_format("x.jpg")


def test_cli_writes_figure_and_rejects_bad_output(tmp_path):
    target = tmp_path / "tapi.png"
    result = CliRunner().invoke(cli, ["figure", "tapi", "-o", str(target), "--dpi", "60"])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"\x89PNG")
    previous = tmp_path / "keep.txt"
    previous.write_text("previous")
    for args, message in (
        (["tapi", "-o", str(previous)], "written as .png, .svg or .pdf"),
        (["nope", "-o", str(tmp_path / "x.png")], "unknown corridor id 'nope'"),
        (["tapi", "-o", str(tmp_path / "no" / "x.png")], "does not exist"),
    ):
        result = CliRunner().invoke(cli, ["figure", *args])
        assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
        assert message in result.output
    assert previous.read_text() == "previous"
