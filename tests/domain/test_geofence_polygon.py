"""A village's boundary as its fence (polygons, several natural villages): which fixes are
inside, how the GPS accuracy weighs (as for the circle: it never widens the fence; too
coarse a fix does not count), a boundary read off AMap (GCJ-02) judging a phone's WGS-84
fix correctly, and what cannot be a boundary."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest

from checkin.domain import boundary, coordinates
from checkin.domain.evidence import VisitFacts, visit_flags
from checkin.domain.geofence import CheckinFacts, Fence, beyond_m, distance_m, evaluate_checkin
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

POLICY = Policy()  # max accuracy 500 m
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
# A village of Yuexi: about 1.9 km east-west and 2.2 km north-south, in WGS-84.
S, N, W, E = 30.84, 30.86, 116.35, 116.37
SQUARE = f"POLYGON(({W} {S}, {E} {S}, {E} {N}, {W} {N}, {W} {S}))"
# Two natural villages (自然村) 3 km apart, one administrative village.
UPPER = (30.90, 30.91, 116.35, 116.36)
TWO = (f"MULTIPOLYGON((({W} {S}, {E} {S}, {E} {N}, {W} {N}, {W} {S})),"
       f"(({UPPER[2]} {UPPER[0]}, {UPPER[3]} {UPPER[0]}, {UPPER[3]} {UPPER[1]}, "
       f"{UPPER[2]} {UPPER[1]}, {UPPER[2]} {UPPER[0]})))")
# A square with a reservoir in the middle that is not the village.
HOLED = (f"POLYGON(({W} {S}, {E} {S}, {E} {N}, {W} {N}, {W} {S}),"
         "(116.358 30.848, 116.362 30.848, 116.362 30.852, 116.358 30.852, 116.358 30.848))")
M_PER_DEG_LON = distance_m(30.85, 116.36, 30.85, 116.37) / 0.01
M_PER_DEG_LAT = distance_m(30.85, 116.36, 30.86, 116.36) / 0.01


def east_of_edge(metres: float, lat: float = 30.85) -> tuple[float, float]:
    """A point `metres` east of the square's east edge (negative: inside, west of it)."""
    return lat, E + metres / M_PER_DEG_LON


def fence(text: str, system: coordinates.System = "wgs84") -> Fence:
    return Fence(30.85, 116.36, 1500.0, boundary.parse(text, system))


def judge(place: tuple[float, float], accuracy_m: float, text: str = SQUARE,
          system: coordinates.System = "wgs84"):
    facts = CheckinFacts(lat=place[0], lon=place[1], accuracy_m=accuracy_m, recorded_at=NOW,
                         received_at=NOW, live=True)
    return evaluate_checkin(facts, fence(text, system), None, POLICY)


@pytest.mark.parametrize(("place", "accuracy_m", "in_fence", "counts", "flags"), [
    ((30.85, 116.36), 10, True, True, ()),                      # the middle
    (east_of_edge(-50), 20, True, True, ()),                    # 50 m inside the edge
    (east_of_edge(-50), 80, True, True, ()),                    # inside, the circle of
                                                                # accuracy crossing the edge
    (east_of_edge(-50), 600, True, False, ("low_accuracy",)),   # inside but too coarse
    (east_of_edge(0), 10, True, True, ()),                      # on the edge: inside
    (east_of_edge(30), 5, False, False, ("outside_fence",)),    # 30 m out
    (east_of_edge(30), 50, False, False, ("outside_fence",)),   # accuracy never widens it
    (east_of_edge(30), 499, False, False, ("outside_fence",)),
    ((30.865, 116.36), 10, False, False, ("outside_fence",)),   # north of it
    ((30.85, 116.36 + 1500 / M_PER_DEG_LON * 0.9), 10, False, False, ("outside_fence",)),
])
def test_a_fix_against_a_polygon(place, accuracy_m, in_fence, counts, flags) -> None:
    """Only the polygon decides: a point inside the 1,500 m circle but outside the
    boundary is outside (the last row)."""
    verdict = judge(place, accuracy_m)
    assert (verdict.in_fence, verdict.counts_for_day, verdict.flags) == (in_fence, counts, flags)


@pytest.mark.parametrize("metres", [1, 30, 200, 1500])
def test_how_far_outside_is_the_geodesic_distance_to_the_edge(metres) -> None:
    """The local metric projection agrees with the ellipsoid's geodesic to well under 0.1 %."""
    verdict = judge(east_of_edge(metres), 10)
    [reason] = verdict.reasons
    assert reason.params["outside_m"] == pytest.approx(metres, rel=1e-3, abs=0.05)
    lat, lon = east_of_edge(metres)
    assert reason.params["outside_m"] == pytest.approx(distance_m(lat, lon, lat, E), rel=1e-3)


def test_corner_distance_is_to_the_corner() -> None:
    lat, lon = N + 100 / M_PER_DEG_LAT, E + 100 / M_PER_DEG_LON
    [reason] = judge((lat, lon), 10).reasons
    assert reason.params["outside_m"] == pytest.approx(distance_m(lat, lon, N, E), rel=2e-3)


@pytest.mark.parametrize(("place", "in_fence"), [
    ((30.85, 116.36), False),            # the reservoir: a hole
    ((30.845, 116.36), True),            # around it
    ((30.905, 116.355), True),           # (multipolygon) the upper natural village
])
def test_holes_and_natural_villages(place, in_fence) -> None:
    text = HOLED if place[0] < 30.9 else TWO
    assert judge(place, 10, text).in_fence is in_fence


@pytest.mark.parametrize(("place", "in_fence"), [
    ((30.85, 116.36), True),             # the lower village
    ((30.905, 116.355), True),           # the upper one
    ((30.88, 116.355), False),           # the road between them
])
def test_a_multipolygon_is_every_natural_village(place, in_fence) -> None:
    assert judge(place, 10, TWO).in_fence is in_fence


def _in_gcj02(text_points: list[tuple[float, float]]) -> str:
    """The square as AMap shows it: each WGS-84 vertex moved to GCJ-02."""
    moved = [coordinates.wgs84_to_gcj02(lat, lon) for lat, lon in text_points]
    return "POLYGON((" + ", ".join(f"{lon:.7f} {lat:.7f}" for lat, lon in moved) + "))"


CORNERS = [(S, W), (S, E), (N, E), (N, W), (S, W)]


@pytest.mark.parametrize(("place", "in_fence"), [
    ((30.85, 116.36), True),
    (east_of_edge(-100), True),          # 100 m inside the true east edge
    (east_of_edge(100), False),          # 100 m outside it
    ((S + 100 / M_PER_DEG_LAT, 116.36), True),  # 100 m inside the south edge
    ((S - 100 / M_PER_DEG_LAT, 116.36), False),
])
def test_a_boundary_read_off_amap_judges_a_phone_fix_correctly(place, in_fence) -> None:
    """The issue's 'done when': a fence from GCJ-02 coordinates judges a WGS-84 fix as the
    true boundary would."""
    assert judge(place, 10, _in_gcj02(CORNERS), "gcj02").in_fence is in_fence


def test_the_same_amap_boundary_taken_as_wgs84_would_misjudge() -> None:
    """Why the system matters: AMap's numbers taken as WGS-84 put the boundary ~500 m east
    and ~240 m south here, and a cadre 100 m inside the north or west edge is 'outside'."""
    assert judge((30.85, W + 100 / M_PER_DEG_LON), 10, _in_gcj02(CORNERS), "wgs84"
                 ).in_fence is False
    place = (N - 100 / M_PER_DEG_LAT, 116.36)
    assert judge(place, 10, _in_gcj02(CORNERS), "wgs84").in_fence is False
    stored = boundary.parse(_in_gcj02(CORNERS), "gcj02")
    assert boundary.to_wkt(stored).startswith("POLYGON ((116.35 30.84, 116.37 30.84")


@pytest.mark.parametrize("system", ["bd09", "gcj02", "cgcs2000"])
def test_every_vertex_is_converted(system) -> None:
    moved = [coordinates.from_wgs84(lat, lon, system) for lat, lon in CORNERS]
    text = json.dumps({"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in moved]]})
    stored = boundary.parse(text, system)
    for (lon, lat), (want_lat, want_lon) in zip(stored.exterior.coords, CORNERS, strict=True):
        assert distance_m(lat, lon, want_lat, want_lon) < 0.5


def _ring(lat: float, lon: float, metres: float, vertices: int) -> list[list[float]]:
    points = [[lon + metres / M_PER_DEG_LON * math.cos(2 * math.pi * k / vertices),
               lat + metres / M_PER_DEG_LAT * math.sin(2 * math.pi * k / vertices)]
              for k in range(vertices)]
    return [*points, points[0]]


def _geojson(*rings: list[list[float]]) -> str:
    return json.dumps({"type": "Polygon", "coordinates": list(rings)})


@pytest.mark.parametrize("text", [
    SQUARE,
    "polygon((116.35 30.84, 116.37 30.84, 116.37 30.86, 116.35 30.84))",
    _geojson(_ring(30.85, 116.36, 1000, 12)),
    json.dumps({"type": "Feature", "properties": {"name": "上村"},
                "geometry": json.loads(_geojson(_ring(30.85, 116.36, 1000, 12)))}),
    json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": json.loads(_geojson(
            _ring(30.85, 116.36, 500, 8)))},
        {"type": "Feature", "properties": {}, "geometry": json.loads(_geojson(
            _ring(30.90, 116.36, 500, 8)))}]}),
    TWO, HOLED,
])
def test_what_a_boundary_may_be(text) -> None:
    parsed = boundary.parse(text, "wgs84")
    assert boundary.load(boundary.to_wkt(parsed)).equals(parsed)


@pytest.mark.parametrize(("text", "code"), [
    ("x" * (boundary.MAX_CHARS + 1), "boundary_too_long"),
    ("a village", "boundary_unreadable"),
    ("POLYGON((116.35 30.84, 116.37 30.84, 116.37 30.86", "boundary_unreadable"),
    ("{\"type\": \"Polygon\"", "boundary_unreadable"),
    (json.dumps({"type": "Polygon", "coordinates": [[["east", "30.84"], ["116.37", "30.84"],
                                                     ["116.37", "30.86"], ["east", "30.84"]]]}),
     "boundary_unreadable"),
    ("[" * 5000 + "]" * 5000, "boundary_unreadable"),
    ("POLYGON((116.35 30.84, nan 30.84, 116.37 30.86, 116.35 30.84))", "boundary_unreadable"),
    ("POINT(116.36 30.85)", "boundary_not_polygon"),
    ("LINESTRING(116.35 30.84, 116.37 30.84, 116.37 30.86)", "boundary_not_polygon"),
    ("POLYGON EMPTY", "boundary_not_polygon"),
    (json.dumps({"type": "FeatureCollection", "features": []}), "boundary_not_polygon"),
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.3, 30.8]}},
        {"type": "Feature", "geometry": json.loads(_geojson(_ring(30.85, 116.36, 500, 8)))}]}),
     "boundary_not_polygon"),
    ("POLYGON((116.35 30.84, 116.37 30.84, 116.37 30.86, 116.35 30.86))", "boundary_not_closed"),
    (json.dumps({"type": "Polygon", "coordinates": [[[116.35, 30.84], [116.37, 30.84],
                                                     [116.37, 30.86], [116.35, 30.86]]]}),
     "boundary_not_closed"),
    ("POLYGON((116.35 30.84, 116.37 30.86, 116.37 30.84, 116.35 30.86, 116.35 30.84))",
     "boundary_crosses_itself"),  # a bow tie
    (TWO.replace("30.90", "30.845").replace("30.91", "30.855"), "boundary_crosses_itself"),
    ("POLYGON((30.84 116.35, 30.84 116.37, 30.86 116.37, 30.84 116.35))",
     "boundary_outside_china"),  # latitude and longitude swapped
    ("POLYGON((16.35 30.84, 16.37 30.84, 16.37 30.86, 16.35 30.84))", "boundary_outside_china"),
    ("POLYGON((" + ", ".join(f"{lon:.5f} {lat:.5f}" for lon, lat in _ring(
        30.85, 116.36, 1000, boundary.MAX_VERTICES)) + "))", "boundary_too_many_vertices"),
    (_geojson(_ring(30.85, 116.36, 20, 8)), "boundary_too_small"),
    (_geojson(_ring(30.85, 116.36, 25_000, 16)), "boundary_too_large"),
])
def test_what_cannot_be_a_boundary_is_refused_with_its_reason(text, code) -> None:
    with pytest.raises(Refusal) as refused:
        boundary.parse(text, "wgs84")
    assert refused.value.code == code


def test_a_crossing_is_located() -> None:
    with pytest.raises(Refusal) as refused:
        boundary.parse("POLYGON((116.35 30.84, 116.37 30.86, 116.37 30.84, 116.35 30.86, "
                       "116.35 30.84))", "wgs84")
    assert refused.value.params == {"lat": 30.85, "lon": 116.36}


def test_rings_for_drawing_are_lat_lon() -> None:
    [[outer]] = boundary.rings(boundary.parse(SQUARE, "wgs84"))
    assert outer[0] == [S, W] and outer[1] == [S, E]


@pytest.mark.parametrize(("place", "flagged"), [
    ((30.85, 116.36), False),
    (east_of_edge(-50), False),
    (east_of_edge(40), True),            # inside the circle, outside the boundary
    ((30.905, 116.355), False),          # the upper natural village, far from the centre
])
def test_a_visit_is_flagged_outside_the_boundary_not_the_circle(place, flagged) -> None:
    facts = VisitFacts(lat=place[0], lon=place[1], accuracy_m=10, recorded_at=NOW,
                       received_at=NOW, queued=False, in_person=True)
    flags = visit_flags(facts, None, fence(TWO), POLICY)
    outside = [f for f in flags if f.code == "outside_fence"]
    assert bool(outside) is flagged
    if flagged:
        assert outside[0].params == {"outside_m": 40}


@pytest.mark.parametrize(("fence", "place", "metres"), [
    (Fence(30.85, 116.36, 1500), (30.85, 116.36), 0.0),  # the circle's centre
    (Fence(30.85, 116.36, 1500), (30.85 + 1000 / M_PER_DEG_LAT, 116.36), 0.0),  # inside
    (Fence(30.85, 116.36, 1500), (30.85 + 2000 / M_PER_DEG_LAT, 116.36), 500.0),
    (Fence(30.85, 116.36, 1500, boundary.load(SQUARE)), (30.85, 116.36), 0.0),
    (Fence(30.85, 116.36, 1500, boundary.load(SQUARE)), east_of_edge(200), 200.0),
    # the boundary decides alone: inside the circle, but outside the square
    (Fence(30.85, 116.36, 5000, boundary.load(SQUARE)), east_of_edge(700), 700.0),
])
def test_how_far_beyond_the_fence(fence: Fence, place: tuple[float, float],
                                  metres: float) -> None:
    assert beyond_m(*place, fence) == pytest.approx(metres, rel=2e-3, abs=0.05)
