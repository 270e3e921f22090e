"""Static figures: the Figure API, formats, determinism, labels that never overlap, legend, palette, CLI."""

from __future__ import annotations

import hashlib
import io
import itertools

import matplotlib
import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image
from render_common import payload_catalog

from corridors import load_catalog
from corridors._errors import OutputError
from corridors.alignment import route_lines
from corridors.cli.main import cli
from corridors.render import _basemap, _style
from corridors.render.staticmap import (
    _RC,
    _draw,
    _nice,
    alt_text,
    figure,
    figure_bytes,
    figure_format,
    save_figure,
)
from corridors.scoring import score_records as score


@pytest.fixture(scope="module")
def scores():
    return score(load_catalog().select(["tapi", "karakoram-highway"]))


@pytest.fixture(scope="module")
def catalog_figure():
    """A figure of every shipped corridor, drawn once for the label and legend tests."""
    records = score(list(load_catalog().values()))
    return records, figure(records, dpi=100)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _label_boxes(fig):
    """Window extents of the map's labels: every visible, non-empty text drawn in the map axes."""
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_visible() and t.get_text()]


def test_figure_is_importable_as_the_readme_says_and_returns_a_figure(scores):
    from matplotlib.figure import Figure

    from corridors.render import figure as public_figure

    fig = public_figure(scores, dpi=50, towns=False)
    assert callable(public_figure) and isinstance(fig, Figure)
    assert fig.dpi == 50


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_same_input_gives_identical_bytes(scores, fmt):
    first = figure_bytes(figure(scores, dpi=60), fmt)
    assert hashlib.sha256(first).digest() == hashlib.sha256(figure_bytes(figure(scores, dpi=60), fmt)).digest()
    assert first[:8] in (b"\x89PNG\r\n\x1a\n", b"<?xml ve", b"%PDF-1.4")
    for stamp in (b"CreationDate", b"<dc:date>", b"Software", b"Matplotlib v"):
        assert stamp not in first


def test_png_shows_basemap_corridors_and_crossings(scores):
    png = figure_bytes(figure(scores, dpi=80))
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
    texts = [t.get_text() for t in figure(scores[:1], dpi=50).texts]
    assert scores[0].corridor.name in texts
    assert "Other" in [t.get_text() for t in figure(scores[:1], dpi=50, title="Other").texts]


def test_footer_carries_provenance_and_credits_geonames_when_towns_are_labelled(scores):
    from corridors.tables import provenance_line

    with_towns = [t.get_text() for t in figure(scores, dpi=50).texts]
    assert provenance_line() in with_towns
    assert any("GeoNames (CC BY 4.0)" in t for t in with_towns)
    towns = {t.get_text() for t in figure(scores, dpi=50).axes[0].texts}
    assert {"Islamabad", "Kashgar"} <= towns, towns
    without = [t.get_text() for t in figure(scores, dpi=50, towns=False).texts]
    assert not any("Towns: GeoNames" in t for t in without)


def test_catalog_text_is_drawn_literally(tmp_path):
    catalog = load_catalog([payload_catalog(tmp_path)])
    # "$…$" would be mathtext and "{{" a template; both must simply be drawn as text
    png = figure_bytes(figure(score(catalog.select(["payload-img", "payload-script"])), dpi=50))
    assert png.startswith(b"\x89PNG")


@pytest.mark.parametrize("name", [r"$\frac$", "$x^2$", r"$\alpha$ and $5", "50$ per $t"])
def test_names_that_look_like_mathtext_render_literally(tmp_path, name):
    record = {
        "id": "math-name",
        "name": name,
        "kind": "road",
        "status": "proposed",
        "waypoints": [
            {"name": name + " start", "lon": 69.18, "lat": 34.53},
            {"name": "Peshawar", "lon": 71.57, "lat": 34.01},
        ],
        "sources": [{"title": name}],
    }
    path = tmp_path / "math.yaml"
    path.write_text(yaml.safe_dump([record]), encoding="utf-8")
    records = score(load_catalog([path]).select(["math-name"]))
    for fmt in ("png", "svg", "pdf"):
        fig = figure(records, dpi=40)
        assert figure_bytes(fig, fmt)
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
    assert name in [t.get_text() for t in texts]
    assert not any(t._parse_math for t in texts)


def test_whole_catalog_labels_never_overlap_and_every_corridor_is_labelled(catalog_figure):
    records, fig = catalog_figure
    boxes = _label_boxes(fig)
    clashes = [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.overlaps(box_b)]
    assert not clashes
    frame = fig.axes[0].get_window_extent(fig.canvas.get_renderer())
    for text, box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1, text
    # each corridor carries its name or its number on the map; numbered ones are named in the key
    on_map = {text for text, _ in boxes}
    key = " ".join(t.get_text() for t in fig.texts)
    for s in records:
        name = s.corridor.name
        if name not in on_map:
            numbered = [t for t in on_map if t.isdigit() and f"{t}  {name[:40]}" in key]
            assert numbered, name
    assert len(boxes) >= len(records) + 8  # towns, crossings and countries too


def test_legend_sits_outside_the_map_and_separates_kind_from_status(catalog_figure):
    _, fig = catalog_figure
    renderer = fig.canvas.get_renderer()
    frame = fig.axes[0].get_window_extent(renderer)
    legends = fig.legends
    assert len(legends) == 4  # kinds, statuses, symbols, the worldview's contested layer
    for legend in legends:
        assert not legend.get_window_extent(renderer).overlaps(frame)
    kinds, statuses, _, contested = legends
    assert contested.get_title().get_text() == "Worldview: de facto"
    assert "Contested area" in [t.get_text() for t in contested.get_texts()]
    assert kinds.get_title().get_text().startswith("Kind") and statuses.get_title().get_text().startswith("Status")
    rail = next(h for h, t in zip(kinds.legend_handles, kinds.get_texts(), strict=True) if t.get_text() == "Rail")
    operational = next(
        h for h, t in zip(statuses.legend_handles, statuses.get_texts(), strict=True) if t.get_text() == "Operating"
    )
    # rail: black with cross-ties; operational: a thin neutral line, no ties
    assert any(type(e).__name__ == "TickedStroke" for e in rail.get_path_effects())
    assert not any(type(e).__name__ == "TickedStroke" for e in operational.get_path_effects())
    assert rail.get_color() != operational.get_color() and rail.get_linewidth() > operational.get_linewidth()


def test_kind_colours_stay_apart_for_colour_blind_readers():
    """Smallest CAM02-UCS distance between two kind colours, with normal vision and simulated CVD.

    CAM02-UCS is perceptually uniform: a distance of about 1 is just noticeable between large
    patches side by side. Thin lines on a map, seen apart, need far more; Okabe–Ito-type
    categorical palettes keep 10–20 between neighbours. 15 keeps a margin over the point where
    two colours of thin lines start to be confused; the palette measures 17.2 (the old one 1.6).
    """
    from colorspacious import cspace_convert

    colours = np.array([_rgb(k.color) for k in _style.KINDS.values()]) / 255
    land = np.array([_rgb(_style.LAND)]) / 255
    worst = {}
    for cvd in (None, "deuteranomaly", "protanomaly", "tritanomaly"):
        seen, seen_land = colours, land
        if cvd:
            space = {"name": "sRGB1+CVD", "cvd_type": cvd, "severity": 100}
            seen = np.clip(cspace_convert(colours, space, "sRGB1"), 0, 1)
            seen_land = np.clip(cspace_convert(land, space, "sRGB1"), 0, 1)
        ucs = cspace_convert(seen, "sRGB1", "CAM02-UCS")
        d = np.linalg.norm(ucs[:, None] - ucs[None], axis=2)
        worst[cvd] = d[np.triu_indices(len(ucs), 1)].min()
        # and every kind stands out from the land it is drawn on
        assert np.linalg.norm(ucs - cspace_convert(seen_land, "sRGB1", "CAM02-UCS"), axis=1).min() > 30
    assert min(worst.values()) > 15, worst


def test_alt_text_names_each_corridor_with_its_length_and_countries(scores):
    text = alt_text(scores)
    assert text.startswith("Map of 2 corridors.")
    for s in scores:
        assert s.corridor.name in text and ", ".join(s.sequence) in text
    assert text.count(" km modeled") == 2


def test_scale_bar_length_is_geodesic(scores):
    assert [_nice(v) for v in (1234.0, 430.0, 99.0, 7.0)] == [1000.0, 200.0, 50.0, 5.0]
    lines = route_lines([s.corridor for s in scores])
    base = _basemap.load(_basemap.view_box(lines, margin=0.12, min_margin_deg=0.8))
    with matplotlib.rc_context(_RC):
        fig, _ = _draw(scores, lines, base, 8.0, None, towns=False)
    ax = fig.axes[0]
    bar = [p for p in ax.patches if p.get_zorder() == 9]
    km = next(
        float(t.get_text().removesuffix(" km").replace(",", "")) for t in ax.texts if t.get_text().endswith(" km")
    )
    width_deg = sum(p.get_width() for p in bar)
    # closed form: one degree of longitude at latitude phi on the WGS84 ellipsoid
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    phi = np.radians((base.box[1] + base.box[3]) / 2)
    km_per_deg = np.pi * a * np.cos(phi) / (180 * np.sqrt(1 - e2 * np.sin(phi) ** 2)) / 1000
    assert len(bar) == 2 and km in (100.0, 200.0, 500.0, 1000.0)
    assert width_deg * km_per_deg == pytest.approx(km, rel=1e-4)


def test_formats_by_suffix_and_save_figure(scores, tmp_path):
    assert [figure_format(f"x.{s}") for s in ("png", "SVG", "pdf")] == ["png", "svg", "pdf"]
    with pytest.raises(OutputError, match=r"not '\.jpg'"):
        figure_format("x.jpg")
    fig = figure(scores[:1], dpi=40, towns=False)
    assert save_figure(fig, tmp_path / "a.svg").read_bytes() == figure_bytes(fig, "svg")
    with pytest.raises(OutputError, match=r"not '\.gif'"):
        save_figure(fig, tmp_path / "a.gif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.svg"]


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
