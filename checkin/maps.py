"""What a map on a page is drawn with: its tile layers from the settings (Tianditu by
default, OpenStreetMap or another source only when configured), and the fences and points
written in the tiles' own coordinate system.

Positions are stored in WGS-84. Tianditu draws in CGCS2000 and OpenStreetMap in WGS-84,
within a metre of each other: points are drawn as stored. Tiles of AMap or Tencent are in
GCJ-02: every point and fence vertex is shifted to GCJ-02 here, on the server, before the
page gets it, or each would sit 100-700 m off its place on those tiles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _

from checkin.domain import boundary, coordinates

# Tianditu's WMTS in Web Mercator ("_w"): the vector map and its annotation (place names).
TIANDITU_LAYER = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                  "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                  "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
TIANDITU_LAYERS = ("vec", "cva")
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
# Systems a custom tile source may name. BD-09 is not one: Baidu's tiles are cut on a grid
# of their own, which a standard (Web Mercator) tile layer cannot draw.
TILE_SYSTEMS = ("wgs84", "cgcs2000", "gcj02")


@dataclass(frozen=True)
class Tiles:
    """The tile layers of the deployment's maps (bottom first), their credit and system;
    `missing` says why there are none ("no_key", "off") or is empty."""

    layers: tuple[str, ...]
    subdomains: str
    attribution: str
    system: coordinates.System
    missing: str = ""


def tiles_of(config: Mapping[str, Any]) -> Tiles:
    """The tiles `MAP_TILES` names: tianditu (with `TIANDITU_KEY`), osm, none, or URL
    templates (separated by spaces) in `MAP_TILES_SYSTEM`."""
    source = str(config.get("MAP_TILES") or "tianditu").strip()
    credit = str(config.get("MAP_ATTRIBUTION") or "")
    if source == "tianditu":
        key = str(config.get("TIANDITU_KEY") or "").strip()
        if not key:
            return Tiles((), "", "", "cgcs2000", "no_key")
        layers = tuple(TIANDITU_LAYER.format(layer=layer, key=quote(key, safe=""))
                       for layer in TIANDITU_LAYERS)
        return Tiles(layers, "01234567", credit or "© 天地图 Tianditu", "cgcs2000")
    if source == "osm":
        return Tiles((OSM_URL,), "abc", credit or "© OpenStreetMap contributors", "wgs84")
    if source == "none":
        return Tiles((), "", "", "wgs84", "off")
    system = str(config.get("MAP_TILES_SYSTEM") or "wgs84").strip().lower()
    subdomains = str(config.get("MAP_TILES_SUBDOMAINS") or "abc").strip()
    return Tiles(tuple(source.split()), subdomains, credit, cast(coordinates.System, system))


def check_tiles(config: Mapping[str, Any]) -> str | None:
    """What is wrong with the map settings, or None (checked when the app starts)."""
    source = str(config.get("MAP_TILES") or "tianditu").strip()
    if source in ("tianditu", "osm", "none"):
        return None
    for url in source.split():
        if not url.startswith(("https://", "http://")) or "{z}" not in url \
                or "{x}" not in url or "{y}" not in url:
            return (f"MAP_TILES: {url!r} is not tianditu, osm, none or a tile URL template "
                    "with {z}, {x} and {y}")
    if str(config.get("MAP_TILES_SYSTEM") or "wgs84").strip().lower() not in TILE_SYSTEMS:
        return f"MAP_TILES_SYSTEM must be one of {', '.join(TILE_SYSTEMS)} (BD-09 tiles " \
            "cannot be drawn)"
    return None


def tile_origins(config: Mapping[str, Any]) -> list[str]:
    """The origins the tiles come from, for the Content-Security-Policy."""
    origins: list[str] = []
    for url in tiles_of(config).layers:
        scheme, _sep, rest = url.partition("://")
        host = rest.split("/", 1)[0].split("?", 1)[0]
        if "{s}" in host:  # t{s}.tianditu.gov.cn, {s}.tile.example.org: the whole domain
            host = "*." + host.split(".", 1)[1] if "." in host else ""
        if host and f"{scheme}://{host}" not in origins:
            origins.append(f"{scheme}://{host}")
    return origins


class _Village(Protocol):
    name: str
    lat: float
    lon: float
    radius_m: float
    boundary: str | None


def fence_drawing(village: _Village) -> dict[str, Any]:
    """A village's fence for a map (WGS-84): its circle, and its boundary if it has one,
    simplified to about 5 m for drawing (a county's map carries hundreds of villages; the
    check-ins are judged against the whole boundary)."""
    shape = None
    if village.boundary is not None:
        shape = boundary.rings(boundary.drawn(boundary.load(village.boundary)))
    return {"name": village.name, "lat": village.lat, "lon": village.lon,
            "radius_m": village.radius_m, "shape": shape}


def _point(lat: float, lon: float, system: coordinates.System) -> tuple[float, float]:
    shown_lat, shown_lon = coordinates.from_wgs84(lat, lon, system)
    return round(shown_lat, 7), round(shown_lon, 7)


def on_tiles(data: Mapping[str, Any], system: coordinates.System) -> dict[str, Any]:
    """Fences (centres and polygon vertices) and marks as `system` writes them."""
    fences = []
    for fence in data.get("fences", ()):
        fence = dict(fence)
        fence["lat"], fence["lon"] = _point(fence["lat"], fence["lon"], system)
        if fence.get("shape"):
            fence["shape"] = [[[list(_point(lat, lon, system)) for lat, lon in ring]
                               for ring in polygon] for polygon in fence["shape"]]
        fences.append(fence)
    marks = []
    for mark in data.get("marks", ()):
        mark = dict(mark)
        mark["lat"], mark["lon"] = _point(mark["lat"], mark["lon"], system)
        marks.append(mark)
    return {"fences": fences, "marks": marks}


def map_payload(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a page's map script reads: the tiles, the notes it may show (in the reader's
    language) and the data in the tiles' system."""
    tiles = tiles_of(current_app.config)
    notes = {
        "no_key": _("No map key is set (Tianditu), so there is no background map: the "
                    "fences and positions are drawn on a blank ground. An administrator "
                    "sets TIANDITU_KEY."),
        "off": _("Background maps are turned off here: the fences and positions are drawn "
                 "on a blank ground."),
        "tile_error": _("The background map could not be loaded (no network, or the map "
                        "key was refused): the fences and positions are still drawn."),
    }
    return {"tiles": {"layers": list(tiles.layers), "subdomains": tiles.subdomains,
                      "attribution": tiles.attribution, "missing": tiles.missing},
            "notes": notes, **on_tiles(data, tiles.system)}
