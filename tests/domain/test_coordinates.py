"""Coordinate systems: conversions against published point pairs, and the 100-700 m trap."""

from __future__ import annotations

import pytest

from checkin.domain.coordinates import (
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)
from checkin.domain.geofence import distance_m

# (lon, lat) in, (lon, lat) out: the pairs published with wandergis/coordtransform
# (test/app.js), at Tiananmen.
PUBLISHED = [
    (bd09_to_gcj02, (116.404, 39.915), (116.39762729119315, 39.90865673957631)),
    (gcj02_to_bd09, (116.404, 39.915), (116.41036949371029, 39.92133699351021)),
    (wgs84_to_gcj02, (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
]
TIANANMEN_GCJ02_TO_WGS84_ONE_STEP = (116.39775550083061, 39.91359571849836)


@pytest.mark.parametrize(("convert", "given", "expected"), PUBLISHED,
                         ids=lambda v: getattr(v, "__name__", ""))
def test_published_pairs(convert, given, expected) -> None:
    lat, lon = convert(given[1], given[0])
    assert lon == pytest.approx(expected[0], abs=1e-9)
    assert lat == pytest.approx(expected[1], abs=1e-9)


def test_the_way_back_lands_where_the_published_one_step_inverse_does_within_decimetres() -> None:
    lat, lon = gcj02_to_wgs84(39.915, 116.404)
    there = wgs84_to_gcj02(lat, lon)
    assert distance_m(there[0], there[1], 39.915, 116.404) < 0.001
    one_step = TIANANMEN_GCJ02_TO_WGS84_ONE_STEP
    assert distance_m(lat, lon, one_step[1], one_step[0]) < 0.2


@pytest.mark.parametrize("place", [(30.8512, 116.3605), (47.33, 130.28)])
def test_the_way_back_is_exact_where_the_one_step_inverse_is_off_by_a_metre(place) -> None:
    shown = wgs84_to_gcj02(*place)
    again = wgs84_to_gcj02(*shown)
    one_step = (2 * shown[0] - again[0], 2 * shown[1] - again[1])
    assert distance_m(*place, *one_step) > 1
    assert distance_m(*place, *gcj02_to_wgs84(*shown)) < 0.001


# Villages of the demo county and far corners of China: GCJ-02 is 100-700 m off WGS-84,
# BD-09 a further 500-1,000 m; BD-09's formulas invert each other to about 0.1 m.
PLACES = [(30.8512, 116.3605), (30.7421, 116.1177), (47.33, 130.28), (18.25, 109.51),
          (43.82, 87.61), (29.65, 91.13)]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_each_system_round_trips_and_is_offset_as_published(place, system) -> None:
    lat, lon = place
    shown = from_wgs84(lat, lon, system)
    offset = distance_m(lat, lon, *shown)
    assert (100 < offset < 700) if system == "gcj02" else (600 < offset < 1700)
    back = to_wgs84(*shown, system)
    assert distance_m(lat, lon, *back) < (0.001 if system == "gcj02" else 0.2)


@pytest.mark.parametrize("system", ["wgs84", "cgcs2000"])
def test_wgs84_and_tianditu_are_taken_as_is(system) -> None:
    assert to_wgs84(30.8512, 116.3605, system) == (30.8512, 116.3605)


def test_outside_china_nothing_moves() -> None:
    assert to_wgs84(51.5, -0.12, "gcj02") == (51.5, -0.12)
    assert wgs84_to_gcj02(35.68, 139.76) == (35.68, 139.76)
