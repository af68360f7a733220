"""Properties of the geofence rules: distances behave like distances, and a verdict's
counting, fence and flags always agree with each other and with the facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from checkin.domain.geofence import (
    FLAGS,
    CheckinFacts,
    Fence,
    PreviousFix,
    distance_m,
    evaluate_checkin,
)
from checkin.domain.policy import Policy

lats = st.floats(min_value=-89.0, max_value=89.0, allow_nan=False)
lons = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)
# Villages and phones are in China: keep most pairs near each other, as in life.
near = st.floats(min_value=-0.05, max_value=0.05, allow_nan=False)
accuracies = st.floats(min_value=0.0, max_value=5000.0, allow_nan=False)
radii = st.floats(min_value=1.0, max_value=10_000.0, allow_nan=False)
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(UTC))
policies = st.builds(
    Policy,
    max_accuracy_m=st.floats(min_value=1.0, max_value=2000.0),
    late_sync_hours=st.floats(min_value=0.0, max_value=72.0),
    clock_skew_minutes=st.floats(min_value=0.0, max_value=120.0),
    offline_window_hours=st.floats(min_value=0.0, max_value=24.0 * 7),
    clock_tolerance_minutes=st.floats(min_value=0.0, max_value=120.0),
    max_travel_kmh=st.floats(min_value=1.0, max_value=1000.0),
)


@given(lats, lons, lats, lons)
def test_distance_is_symmetric_and_not_negative(lat1, lon1, lat2, lon2) -> None:
    there = distance_m(lat1, lon1, lat2, lon2)
    back = distance_m(lat2, lon2, lat1, lon1)
    assert there >= 0.0
    assert abs(there - back) <= 1e-6 * max(1.0, there)
    assert distance_m(lat1, lon1, lat1, lon1) == 0.0


@given(lats, lons, near, near, near, near)
def test_distance_obeys_the_triangle_inequality(lat, lon, d1, d2, d3, d4) -> None:
    a, b, c = (lat, lon), (lat + d1, lon + d2), (lat + d3, lon + d4)
    if not all(-90 <= p[0] <= 90 for p in (b, c)):
        return
    ab, bc, ac = distance_m(*a, *b), distance_m(*b, *c), distance_m(*a, *c)
    assert ac <= ab + bc + 1e-6


@st.composite
def checkins(draw: st.DrawFn) -> tuple[CheckinFacts, Fence, PreviousFix | None, Policy]:
    centre_lat, centre_lon = draw(st.floats(18.0, 53.0)), draw(st.floats(73.0, 135.0))
    fence = Fence(centre_lat, centre_lon, draw(radii))
    recorded = draw(moments)
    live = draw(st.booleans())
    received = recorded + timedelta(minutes=draw(st.integers(-600, 60 * 24 * 5)))
    facts = CheckinFacts(lat=centre_lat + draw(near), lon=centre_lon + draw(near),
                         accuracy_m=draw(accuracies), recorded_at=recorded,
                         received_at=received, live=live)
    previous = None
    if draw(st.booleans()):
        previous = PreviousFix(lat=centre_lat + draw(near), lon=centre_lon + draw(near),
                               recorded_at=recorded - timedelta(
                                   minutes=draw(st.integers(0, 60 * 24))),
                               accuracy_m=draw(accuracies))
    return facts, fence, previous, draw(policies)


def on_time(facts: CheckinFacts, policy: Policy) -> bool:
    gap = facts.received_at - facts.recorded_at
    if facts.live:
        return abs(gap) <= timedelta(minutes=policy.clock_tolerance_minutes)
    return gap <= timedelta(hours=policy.offline_window_hours)


@given(checkins())
def test_a_verdict_agrees_with_its_facts(case) -> None:
    facts, fence, previous, policy = case
    verdict = evaluate_checkin(facts, fence, previous, policy)
    accurate = facts.accuracy_m <= policy.max_accuracy_m
    assert verdict.distance_m >= 0.0
    assert verdict.in_fence == (verdict.distance_m <= fence.radius_m)
    # It counts for the day if and only if it is inside the fence, accurate enough and on
    # time: sent within the offline window (queued) or with a clock the server agrees with.
    assert verdict.counts_for_day == (verdict.in_fence and accurate
                                      and on_time(facts, policy))
    # Flags are the reasons' codes, each once, all known.
    assert verdict.flags == tuple(r.code for r in verdict.reasons)
    assert len(set(verdict.flags)) == len(verdict.flags)
    assert set(verdict.flags) <= set(FLAGS)
    assert ("outside_fence" in verdict.flags) == (not verdict.in_fence)
    assert ("low_accuracy" in verdict.flags) == (not accurate)
    if facts.live:
        assert "late_sync" not in verdict.flags
    else:
        assert "clock_skew" not in verdict.flags
    if previous is None:
        assert "impossible_travel" not in verdict.flags


@given(checkins())
def test_a_check_in_at_the_centre_with_a_good_fix_counts(case) -> None:
    facts, fence, previous, policy = case
    centre = CheckinFacts(lat=fence.lat, lon=fence.lon, accuracy_m=0.0,
                          recorded_at=facts.recorded_at, received_at=facts.received_at,
                          live=facts.live)
    verdict = evaluate_checkin(centre, fence, previous, policy)
    assert verdict.in_fence and verdict.distance_m == 0.0
    assert verdict.counts_for_day == on_time(facts, policy)


@given(lats, lons, near, near, accuracies, accuracies,
       st.floats(min_value=0.0, max_value=48.0), policies)
def test_travel_verdict_is_the_one_the_full_geodesic_gives(
        lat, lon, dlat, dlon, acc_now, acc_before, hours, policy) -> None:
    """The travel flag is exactly what the geodesic distance and the time between fixes say."""
    now = datetime(2026, 5, 1, 12, tzinfo=UTC)
    before = PreviousFix(lat, lon, now - timedelta(hours=hours), acc_before)
    facts = CheckinFacts(lat + dlat, lon + dlon, acc_now, now, now, True)
    verdict = evaluate_checkin(facts, Fence(lat, lon, 1500.0), before, policy)
    got = next((r for r in verdict.reasons if r.code == "impossible_travel"), None)
    raw = distance_m(lat, lon, lat + dlat, lon + dlon)
    moved = max(0.0, raw - acc_now - acc_before)
    if moved == 0.0 or (hours > 0 and moved / 1000 / hours <= policy.max_travel_kmh):
        assert got is None
    else:
        assert got is not None and got.params["distance_m"] == raw
