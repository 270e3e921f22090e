"""``corridors route | export | fetch-osm``: routes across the corridor network, GIS exports, OSM data."""

from __future__ import annotations

import click

from .. import settings
from ..io import strip_terminal_controls
from .options import (
    FiniteFloat,
    catalog_option,
    common,
    emit,
    output_file_option,
    tolerance_option,
    worldview_option,
)

_VECTOR = ("geojson", "kml", "gpkg")
_TABLE_COLUMNS = (
    "route",
    "rank",
    "modeled_km",
    "countries",
    "crossings",
    "km_by_country",
    "score",
    "corridors",
)


def _status_choices() -> list[str]:
    from .._validate import STATUSES

    return list(STATUSES)


route_options = common(
    click.option("--via", multiple=True, metavar="PLACE", help="Pass through PLACE on the way (repeatable, in order)."),
    click.option(
        "--kind",
        type=click.Choice(["road", "rail", "pipeline", "any"]),
        default=None,
        help="Route only over roads, railways or pipelines, or over any of them. Default: roads and "
        "railways (connectors and port links are roads; pipelines carry no travellers).",
    ),
    click.option(
        "--avoid",
        multiple=True,
        metavar="COUNTRY",
        help="Remove every edge running through COUNTRY (ISO3 code or English name; repeatable). "
        "Stretches along a border shorter than --tolerance-km do not count, as in scoring.",
    ),
    click.option(
        "-k",
        "k",
        type=click.IntRange(min=1, max=settings.MAX_ROUTES_K),
        default=1,
        show_default=True,
        help="Number of routes: the shortest and up to k-1 alternatives (Yen's k shortest paths; an "
        "alternative must run at least 5 % of its length more than 25 km from the routes before it).",
    ),
    click.option(
        "--status",
        "statuses",
        multiple=True,
        type=click.Choice(_status_choices()),
        help="Use only links of this status (repeatable), e.g. --status operating for a route a "
        "traveller can take today. Default: every link, proposed ones included.",
    ),
    click.option(
        "--osm",
        "osm_file",
        type=click.Path(dir_okay=False),
        metavar="FILE",
        help="Route over the roads and railways of this OSM XML extract (.osm, .osm.gz, .osm.bz2) "
        "instead of the corridor network.",
    ),
)


def _routes(
    origin, destination, via, kind, avoid, k, osm_file, catalogs, tolerance_km, statuses=(), worldview="de-facto"
):
    from .. import network, osm, routing

    if osm_file is not None:  # an empty name is an error, not "no file"
        graph = osm.load_osm(osm_file)
        access_km = settings.OSM_SNAP_KM
    else:
        from ..catalog import load_catalog

        graph = network.build_network(load_catalog(catalogs).values())
        access_km = settings.ACCESS_KM
    found = routing.find_routes(
        graph,
        origin,
        destination,
        via=via,
        kind=kind,
        avoid=avoid,
        k=k,
        access_km=access_km,
        tolerance_km=tolerance_km,
        status=statuses,
        worldview=worldview,
    )
    for stop in found.stops:
        if stop.note:
            click.echo(f"corridors: note: {strip_terminal_controls(stop.note)}", err=True)
    for note in found.notes:
        click.echo(f"corridors: note: {strip_terminal_controls(note)}", err=True)
    if len(found.routes) < k:
        click.echo(f"corridors: note: only {len(found.routes)} route(s) exist between these places", err=True)
    return found


@click.command("route")
@click.argument("origin", metavar="FROM")
@click.argument("destination", metavar="TO")
@route_options
@catalog_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "markdown", *_VECTOR]),
    default=None,
    help="Output format (default: from the -o suffix .geojson/.kml/.gpkg, else table). Lengths are km "
    "on the WGS84 ellipsoid.",
)
@output_file_option("Write to FILE (atomically) instead of standard output; .gpkg needs it.", required=False)
@tolerance_option
@worldview_option
def route_cmd(
    origin, destination, via, kind, avoid, k, statuses, osm_file, catalogs, fmt, output, tolerance_km, worldview
):
    """Shortest route from FROM to TO across the corridor network, and up to k-1 alternatives.

    FROM, TO and --via are place names (the network's own waypoints, or any gazetteer place within
    50 km of a node). Each route is scored like a corridor: length (km, WGS84 geodesic), length per
    country, border crossings, straightness and composite score (rank 1 is the best score); the
    corridors it chains are listed in order.
    """
    from ..export import geojson_text, kml_text, write_features
    from ..io import to_json
    from ..tables import render_table, score_dict

    fmt = fmt or _format_for(output)
    if fmt == "gpkg" and not output:
        raise click.UsageError("--format gpkg writes a file: give -o FILE.gpkg")
    found = _routes(origin, destination, via, kind, avoid, k, osm_file, catalogs, tolerance_km, statuses, worldview)
    rows, features = _route_rows(found)
    if fmt in _VECTOR:
        if output:
            write_features(features, output, layer="routes")
            click.echo(f"wrote {output}", err=True)
        else:
            emit((geojson_text if fmt == "geojson" else kml_text)(features, "routes"), None)
    elif fmt == "json":
        emit(
            to_json(
                {
                    "stops": [
                        {
                            "query": s.query,
                            "node": s.name,
                            "lon": round(s.lon, 6),
                            "lat": round(s.lat, 6),
                            "distance_km": round(s.distance_km, 1),
                        }
                        for s in found.stops
                    ],
                    "worldview": worldview,
                    "modes": list(found.modes),
                    "avoid": list(found.avoid),
                    "routes": [
                        {
                            "route": row["route"],
                            **score_dict(r.score),
                            "network_km": row["network_km"],
                            "corridors": list(r.corridors),
                            "path": [w.name for w in r.corridor.waypoints],
                        }
                        for row, r in zip(rows, found.routes, strict=True)
                    ],
                }
            ),
            output,
        )
    else:
        if fmt == "table":
            rows = [{c: row[c] for c in _TABLE_COLUMNS} for row in rows]
        from ..tables import provenance_line

        title = (
            f"Routes {found.stops[0].name} → {found.stops[-1].name} (km, WGS84 geodesic) · {provenance_line(worldview)}"
        )
        emit(render_table(rows, fmt, title=title), output)


def _format_for(output: str | None) -> str:
    """The vector format named by the suffix of ``output``, else ``table``."""
    from pathlib import Path

    from ..export import SUFFIXES

    fmt = SUFFIXES.get(Path(output).suffix.lower()) if output else None
    return fmt if fmt in _VECTOR else "table"


def _route_rows(found):
    """Flat rows of the routes, and their features (line + score + route columns) for GIS files."""
    from ..export import score_features
    from ..tables import route_row

    rows = [route_row(r, i) for i, r in enumerate(found.routes, 1)]
    extra = [{c: row[c] for c in ("route", "network_km", "corridors", "path")} for row in rows]
    return rows, score_features([r.score for r in found.routes], extra)


@click.command("export")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--route", "ends", nargs=2, metavar="FROM TO", help="Export the routes from FROM to TO.")
@route_options
@click.option(
    "--network",
    "whole_network",
    is_flag=True,
    help="Export the network (the corridor network, or with --osm the extract's roads).",
)
@catalog_option
@output_file_option("FILE.geojson, FILE.gpkg or FILE.kml; FILE.graphml for the network (written atomically).")
@tolerance_option
@worldview_option
def export_cmd(
    ids, ends, via, kind, avoid, k, statuses, osm_file, whole_network, catalogs, output, tolerance_km, worldview
):
    """Export corridors (all by default), routes (--route FROM TO) or the network (--network) as GIS files.

    Corridors and routes become LineStrings (lon/lat, EPSG:4326) carrying their scores; the network
    goes to GraphML (reload with osmnx.load_graphml), a GeoPackage with nodes and edges layers, or
    GeoJSON/KML. GeoJSON, KML and GraphML are byte-identical for the same inputs.
    """
    from .. import export
    from ..io import format_of

    chosen = [
        name for name, on in (("corridor ids", bool(ids)), ("--route", bool(ends)), ("--network", whole_network)) if on
    ]
    if len(chosen) > 1:
        raise click.UsageError(f"give one of corridor ids, --route or --network, not {' and '.join(chosen)}")
    fmt = format_of(output, export.SUFFIXES, "GIS files")
    if whole_network:
        from .. import network, osm
        from ..catalog import load_catalog

        graph = (
            osm.load_osm(osm_file) if osm_file is not None else network.build_network(load_catalog(catalogs).values())
        )
        export.export_network(graph, output)
    elif fmt == "graphml":
        raise click.UsageError(
            "GraphML holds the network: use --network, or write corridors and routes as .geojson, .gpkg or .kml"
        )
    elif ends:
        found = _routes(ends[0], ends[1], via, kind, avoid, k, osm_file, catalogs, tolerance_km, statuses, worldview)
        _, features = _route_rows(found)
        export.write_features(features, output, layer="routes")
    else:
        from ..catalog import load_catalog
        from ..scoring import score_records

        scores = score_records(load_catalog(catalogs).select(ids), tolerance_km=tolerance_km, worldview=worldview)
        export.write_features(
            export.score_features(scores),
            output,
            layer="corridors",
            more_layers={"crossings": export.crossing_features(scores)},
        )
    click.echo(f"wrote {output}", err=True)


@click.command("fetch-osm")
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@catalog_option
@click.option(
    "--buffer-km",
    type=FiniteFloat(min=0.1, max=50),
    default=5.0,
    show_default=True,
    help="Half-width of the band downloaded around each corridor, km.",
)
def fetch_osm_cmd(ids, catalogs, buffer_km):
    """Download the OpenStreetMap roads (or railways) along corridors from the Overpass API (online).

    The graphs are cached, so corridors with 'alignment: osm' then follow the real road offline.
    """
    from ..catalog import load_catalog
    from ..osm import fetch_osm

    for corridor in load_catalog(catalogs).select(ids):
        click.echo(f"wrote {fetch_osm(corridor, buffer_km=buffer_km)}", err=True)


COMMANDS = [route_cmd, export_cmd, fetch_osm_cmd]
