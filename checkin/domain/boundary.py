"""A village's boundary as a fence: a polygon, or several (a multipolygon: the natural
villages 自然村 of one administrative village), instead of the circle.

An office pastes it as WKT or GeoJSON, read off the map it has open, in that map's
coordinate system; every vertex is converted to WGS-84 (domain/coordinates) and the
boundary is stored as WKT in WGS-84. What cannot be a fence is refused with a reason: not
a polygon, a ring not closed, a boundary crossing itself or parts overlapping, a vertex
outside China (or latitude and longitude swapped), too many vertices, too long a text, or
smaller or larger than the circles a fence may be (radius 50 m to 20 km).

Inside or outside is decided, and the distance to the boundary measured, in a local metric
projection centred on the fix: east and north metres from the fix, with the WGS-84
ellipsoid's radii of curvature at its latitude (an equirectangular projection). Over the
few hundred metres around a boundary that matter the error is below a centimetre; over 20
km, about 0.1 %. The GPS accuracy is treated as for the circle: it never widens the fence
(the reported point must be inside); a fix less accurate than the policy allows does not
count (domain/geofence).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, TypeAlias

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from checkin.domain import coordinates
from checkin.domain.refusal import Refusal

Boundary: TypeAlias = Polygon | MultiPolygon

MAX_CHARS = 32_767  # an Excel cell holds no more
MAX_VERTICES = 1_000  # a village's boundary needs far fewer; simplify a surveyed one
MIN_AREA_M2 = math.pi * 50.0 ** 2  # the smallest circle a fence may be
MAX_AREA_M2 = math.pi * 20_000.0 ** 2  # the largest
_WGS84_A = 6378137.0
_WGS84_E2 = 6.69437999014e-3
_AT = re.compile(r"\[\s*(-?[\d.]+)\s+(-?[\d.]+)\s*\]")


def _radii(lat: float) -> tuple[float, float]:
    """Metres per radian north (meridian) and east (prime vertical times cos lat)."""
    s = math.sin(math.radians(lat))
    w = 1.0 - _WGS84_E2 * s * s
    meridian = _WGS84_A * (1.0 - _WGS84_E2) / w ** 1.5
    east = _WGS84_A / math.sqrt(w) * math.cos(math.radians(lat))
    return meridian, east


def _projected(geometry: BaseGeometry, lat: float, lon: float) -> BaseGeometry:
    """`geometry` (x = lon, y = lat degrees) as metres east and north of (lat, lon)."""
    north, east = _radii(lat)

    def to_metres(xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy)
        out[:, 0] = np.radians(xy[:, 0] - lon) * east
        out[:, 1] = np.radians(xy[:, 1] - lat) * north
        return out

    return shapely.transform(geometry, to_metres)


def outside_m(boundary: Boundary, lat: float, lon: float) -> float:
    """How far (lat, lon) is outside the boundary, in metres; 0 inside or on it."""
    local = _projected(boundary, lat, lon)
    here = Point(0.0, 0.0)
    if local.covers(here):
        return 0.0
    return float(local.distance(here))


def area_m2(boundary: Boundary) -> float:
    centre = boundary.centroid
    return float(_projected(boundary, centre.y, centre.x).area)


def circle(lat: float, lon: float, radius_m: float, vertices: int = 64) -> Polygon:
    """A circle fence as a polygon (its vertices on the circle), to compare with a boundary."""
    north, east = _radii(lat)
    points = [(lon + math.degrees(radius_m * math.cos(2 * math.pi * k / vertices) / east),
               lat + math.degrees(radius_m * math.sin(2 * math.pi * k / vertices) / north))
              for k in range(vertices)]
    return Polygon(points)


def widens(old: Boundary, new: Boundary) -> bool:
    """Whether `new` takes in ground `old` did not (more than a square metre of it)."""
    centre = old.centroid
    gained = _projected(new, centre.y, centre.x).difference(_projected(old, centre.y, centre.x))
    return bool(gained.area > 1.0)


def load(wkt: str) -> Boundary:
    """A stored boundary (WGS-84 WKT, checked when it was stored)."""
    geometry = shapely.from_wkt(wkt)
    assert isinstance(geometry, Polygon | MultiPolygon)
    return geometry


def to_wkt(boundary: Boundary) -> str:
    return str(shapely.to_wkt(boundary, rounding_precision=7, trim=True))


def drawn(boundary: Boundary, tolerance_deg: float = 0.00005) -> Boundary:
    """The boundary with vertices closer than `tolerance_deg` (about 5 m) to its line
    dropped: enough to draw it, far fewer vertices to send."""
    simpler = boundary.simplify(tolerance_deg, preserve_topology=True)
    return simpler if isinstance(simpler, Polygon | MultiPolygon) else boundary


def geojson(boundary: Boundary) -> dict[str, Any]:
    """The boundary as a GeoJSON geometry (longitude first)."""
    return dict(json.loads(shapely.to_geojson(boundary)))


def rings(boundary: Boundary) -> list[list[list[list[float]]]]:
    """[polygon][ring][[lat, lon]] (outer ring first, then holes), for drawing."""
    polygons = list(boundary.geoms) if isinstance(boundary, MultiPolygon) else [boundary]
    return [[[[round(y, 7), round(x, 7)] for x, y in ring.coords]
             for ring in (polygon.exterior, *polygon.interiors)] for polygon in polygons]


def parse(text: str, system: coordinates.System, field: str = "boundary") -> Boundary:
    """The boundary `text` (WKT or GeoJSON, in `system`) in WGS-84, or a Refusal."""
    text = text.strip()
    if len(text) > MAX_CHARS:
        raise Refusal("boundary_too_long", field=field, limit=MAX_CHARS)
    geometry = _read(text, field)
    if geometry.is_empty or not isinstance(geometry, Polygon | MultiPolygon):
        raise Refusal("boundary_not_polygon", field=field, found=geometry.geom_type)
    vertices = int(shapely.get_num_coordinates(geometry))
    if vertices > MAX_VERTICES:
        raise Refusal("boundary_too_many_vertices", field=field, count=vertices,
                      limit=MAX_VERTICES)
    xy = shapely.get_coordinates(geometry)
    if not np.isfinite(xy).all():
        raise Refusal("boundary_unreadable", field=field)
    for lon, lat in xy:
        if coordinates.out_of_china(float(lat), float(lon)):
            raise Refusal("boundary_outside_china", field=field, lat=round(float(lat), 6),
                          lon=round(float(lon), 6))
    converted = _to_wgs84(geometry, system)
    _check_shape(converted, field)
    return converted


def _read(text: str, field: str) -> BaseGeometry:
    if text.startswith(("{", "[")):
        return _read_geojson(text, field)
    try:
        with np.errstate(invalid="ignore"):  # NaN in the text: refused below as unreadable
            return shapely.from_wkt(text)
    except shapely.errors.ShapelyError as exc:
        if "closed" in str(exc):
            raise Refusal("boundary_not_closed", field=field) from exc
        raise Refusal("boundary_unreadable", field=field) from exc


def _read_geojson(text: str, field: str) -> BaseGeometry:
    try:
        data = json.loads(text)
        geometries = _geojson_geometries(data)
        for geometry in geometries:
            _geojson_closed(geometry, field)
        shapes = [shape(geometry) for geometry in geometries]
    except Refusal:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError,
            shapely.errors.ShapelyError) as exc:
        raise Refusal("boundary_unreadable", field=field) from exc
    if not shapes:
        raise Refusal("boundary_not_polygon", field=field, found="FeatureCollection")
    if len(shapes) == 1:
        return shapes[0]
    kinds = {s.geom_type for s in shapes}
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise Refusal("boundary_not_polygon", field=field, found=", ".join(sorted(kinds)))
    parts = [p for s in shapes for p in (s.geoms if isinstance(s, MultiPolygon) else [s])]
    return MultiPolygon(parts)


def _geojson_geometries(data: Any) -> list[dict[str, Any]]:
    """A geometry, a Feature, or a FeatureCollection's features (natural villages): the
    geometries they hold."""
    kind = data["type"]
    if kind == "FeatureCollection":
        return [feature["geometry"] for feature in data["features"]]
    if kind == "Feature":
        return [data["geometry"]]
    return [data]


def _geojson_closed(geometry: dict[str, Any], field: str) -> None:
    """GeoJSON rings must end where they start (shapely would close them silently)."""
    if geometry.get("type") == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return
    for polygon in polygons:
        for ring in polygon:
            if len(ring) < 4 or list(ring[0]) != list(ring[-1]):
                raise Refusal("boundary_not_closed", field=field)


def _to_wgs84(geometry: Boundary, system: coordinates.System) -> Boundary:
    def convert(xy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xy)
        for index, (lon, lat) in enumerate(xy):
            wgs_lat, wgs_lon = coordinates.to_wgs84(float(lat), float(lon), system)
            out[index] = (round(wgs_lon, 7), round(wgs_lat, 7))
        return out

    converted = shapely.transform(geometry, convert)
    assert isinstance(converted, Polygon | MultiPolygon)
    return converted


def _check_shape(boundary: Boundary, field: str) -> None:
    reason = shapely.is_valid_reason(boundary)
    if reason != "Valid Geometry":
        at = _AT.search(str(reason))
        lon, lat = (float(at.group(1)), float(at.group(2))) if at else (math.nan, math.nan)
        raise Refusal("boundary_crosses_itself", field=field, lat=round(lat, 6),
                      lon=round(lon, 6))
    area = area_m2(boundary)
    if area < MIN_AREA_M2:
        raise Refusal("boundary_too_small", field=field, area_m2=round(area),
                      limit_m2=round(MIN_AREA_M2))
    if area > MAX_AREA_M2:
        raise Refusal("boundary_too_large", field=field, area_km2=round(area / 1e6, 1),
                      limit_km2=round(MAX_AREA_M2 / 1e6))
