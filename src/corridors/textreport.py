"""One corridor as readable text or Markdown: record, metrics beside published figures, sources."""

from __future__ import annotations

from .scoring import CorridorScore

__all__ = ["corridor_text"]


def _num(value: float | None, unit: str = "", digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}{unit}"


def corridor_text(s: CorridorScore, *, markdown: bool = False) -> str:
    """Readable summary of one scored corridor (plain text, or Markdown with ``markdown=True``)."""
    c = s.corridor
    h = (lambda t: f"## {t}") if markdown else (lambda t: f"{t}\n{'-' * len(t)}")
    b = "- " if markdown else "  "
    pub = s.published_length
    lines = [("# " if markdown else "") + f"{c.name} [{c.id}]", ""]
    lines += [
        f"{b}kind: {c.kind}; status: {c.status}; alignment: {c.alignment}"
        + (f"; variant of {c.parent}" if c.parent else "")
    ]
    if c.summary:
        lines += [f"{b}{c.summary}"]
    lines += [
        "",
        h("Length (km, WGS84 geodesic)"),
        f"{b}modeled {_num(s.length_km, digits=1)}"
        + (
            f"; published {pub.value} ({pub.source}); difference {_num(s.length_diff_pct, ' %', 1)}"
            if pub
            else "; no published length"
        ),
        f"{b}straightness {s.straightness:.3f} (endpoint distance {s.endpoint_distance_km:,.1f} km / length)",
        f"{b}composite score {s.score:.2f} (lower is better)",
    ]
    for alt in pub.alternatives if pub else ():
        lines.append(f"{b}also published: {alt.value} ({alt.source})")
    lines += ["", h("Countries")]
    lines.append(
        f"{b}modeled: {' > '.join(s.sequence)}; declared by sources: {' > '.join(c.countries) or '—'}"
        + ("" if s.matches_sources else "  ** MISMATCH **")
    )
    for row in s.countries:
        pubtxt = (
            f"; published {row.published.value} ({row.published.source}), {_num(row.diff_pct, ' %', 1)}"
            if row.published
            else ""
        )
        lines.append(f"{b}{row.country or 'sea'}: modeled {row.modeled_km:,.1f}{pubtxt}")
    lines += ["", h(f"Border crossings ({len(s.crossings)})")]
    for x in s.crossings:
        near = f", nearest named crossing {x.named} ({x.named_distance_km:.1f} km)" if x.named else ""
        lines.append(f"{b}{x.from_country} > {x.to_country} at km {x.at_km:,.1f}, {x.lat:.4f}N {x.lon:.4f}E{near}")
    if s.hugging:
        lines.append(
            f"{b}boundary-hugging stretches (not counted): "
            + "; ".join(f"{g.country} {g.length_km:.2f} km at km {g.at_km:,.0f}" for g in s.hugging)
        )
    if s.narrowest:
        n = s.narrowest
        lines += [
            "",
            h("Narrowest width"),
            f"{b}{n.width_km:.1f} km between {n.between[0]} and {n.between[1]}, at {n.lat:.3f}N {n.lon:.3f}E",
        ]
    if s.extra:
        lines += ["", h("Terrain")] + [f"{b}{k}: {v}" for k, v in s.extra.items()]
    if c.published.facts:
        lines += ["", h("Published facts")]
        lines += [f"{b}{f.label}: {f.value}{' ' + f.unit if f.unit else ''} ({f.source})" for f in c.published.facts]
    lines += ["", h("Waypoints")]
    lines += [f"{b}{w.name}: {w.lat:.4f}N {w.lon:.4f}E" + (f" ({w.source})" if w.source else "") for w in c.waypoints]
    lines += ["", h("Sources")]
    lines += [f"{b}{x.title}" + (f", {x.url}" if x.url else "") + (f", {x.date}" if x.date else "") for x in c.sources]
    lines.append(f"{b}record: {c.path}")
    return "\n".join(lines) + "\n"
