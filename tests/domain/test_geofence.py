"""Table tests for the geofence rules: what counts for the day and what gets flagged."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from geopy.distance import geodesic

from checkin.domain.geofence import (
    CheckinFacts,
    Fence,
    PreviousFix,
    Reason,
    distance_m,
    evaluate_checkin,
    validate_position,
    validate_recorded_at,
)
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.reasons import flag_text
from tests.lang import speaking

POLICY = Policy()  # max accuracy 500 m, late sync 2 h, clock skew 10 min, 150 km/h
VILLAGE = Fence(lat=30.85, lon=116.36, radius_m=1500.0)
NOW = datetime(2026, 11, 22, 0, 5, tzinfo=UTC)  # 08:05 in Asia/Shanghai


def reason_text(reason: Reason, lang: str) -> str:
    with speaking(lang):
        return flag_text(reason)


def north_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    point = geodesic(meters=metres).destination((lat, lon), bearing=0)
    return point.latitude, point.longitude


def checkin(
    metres_from_centre: float = 0.0,
    accuracy_m: float = 20.0,
    *,
    sent_after: timedelta = timedelta(0),
    live: bool = True,
) -> CheckinFacts:
    lat, lon = north_of(VILLAGE.lat, VILLAGE.lon, metres_from_centre)
    return CheckinFacts(lat, lon, accuracy_m, NOW - sent_after, NOW, live)


# --- distance -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, metres",
    [
        ((30.85, 116.36), (30.85, 116.36), 0.0),
        ((0.0, 0.0), (1.0, 0.0), 110_574.4),  # one degree of latitude at the equator
        ((0.0, 0.0), (0.0, 1.0), 111_319.5),  # one degree of longitude at the equator
        ((0.0, 0.0), (90.0, 0.0), 10_001_965.7),  # the quarter meridian
    ],
)
def test_distance_is_geodesic_metres(a, b, metres):
    assert distance_m(*a, *b) == pytest.approx(metres, abs=1.0, rel=1e-3)
    assert distance_m(*a, *b) == pytest.approx(distance_m(*b, *a))


# --- position validation --------------------------------------------------------------


@pytest.mark.parametrize(
    "lat, lon, accuracy_m, code, field",
    [
        (30.85, 116.36, 20.0, None, None),
        (90.0, 180.0, 0.0, None, None),
        (-90.0, -180.0, 0.0, None, None),
        (90.0001, 116.36, 20.0, "invalid_latitude", "lat"),
        (-91.0, 116.36, 20.0, "invalid_latitude", "lat"),
        (math.nan, 116.36, 20.0, "invalid_latitude", "lat"),
        (math.inf, 116.36, 20.0, "invalid_latitude", "lat"),
        (30.85, 180.5, 20.0, "invalid_longitude", "lon"),
        (30.85, -181.0, 20.0, "invalid_longitude", "lon"),
        (30.85, math.nan, 20.0, "invalid_longitude", "lon"),
        (30.85, 116.36, -1.0, "invalid_accuracy", "accuracy_m"),
        (30.85, 116.36, math.nan, "invalid_accuracy", "accuracy_m"),
        (30.85, 116.36, math.inf, "invalid_accuracy", "accuracy_m"),
    ],
)
def test_position_must_be_wgs84_degrees_with_a_nonnegative_accuracy(
    lat, lon, accuracy_m, code, field
):
    if code is None:
        validate_position(lat, lon, accuracy_m)
        return
    with pytest.raises(Refusal) as caught:
        validate_position(lat, lon, accuracy_m)
    assert (caught.value.code, caught.value.field) == (code, field)


# --- recorded_at ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "device_ahead, code",
    [
        (timedelta(days=-3), None),  # an old offline record is fine here
        (timedelta(0), None),
        (timedelta(minutes=5), None),  # five minutes ahead is tolerated
        (timedelta(minutes=5, seconds=1), "recorded_at_in_future"),
        (timedelta(hours=8), "recorded_at_in_future"),  # local time sent as UTC
    ],
)
def test_recorded_at_may_not_be_more_than_five_minutes_ahead(device_ahead, code):
    if code is None:
        validate_recorded_at(NOW + device_ahead, NOW)
        return
    with pytest.raises(Refusal) as caught:
        validate_recorded_at(NOW + device_ahead, NOW)
    assert (caught.value.code, caught.value.field) == (code, "recorded_at")


def test_recorded_at_compares_instants_not_wall_clocks():
    shanghai = timezone(timedelta(hours=8))
    validate_recorded_at(datetime(2026, 11, 22, 8, 5, tzinfo=shanghai), NOW)


def test_recorded_at_without_offset_is_refused():
    with pytest.raises(Refusal) as caught:
        validate_recorded_at(datetime(2026, 11, 22, 8, 5), NOW)
    assert caught.value.code == "recorded_at_naive"


def test_recorded_at_future_limit_can_be_changed():
    validate_recorded_at(NOW + timedelta(minutes=9), NOW, max_future=timedelta(minutes=10))


# --- counts for the day ---------------------------------------------------------------


@pytest.mark.parametrize(
    "accuracy_m, distance_m_, counts, flags",
    [
        (20.0, 100.0, True, ()),
        (500.0, 100.0, True, ()),  # accuracy exactly at the limit is accurate enough
        (500.1, 100.0, False, ("low_accuracy",)),
        (850.0, 100.0, False, ("low_accuracy",)),
        (20.0, 1499.9, True, ()),  # just inside the 1500 m fence
        (20.0, 1500.1, False, ("outside_fence",)),
        (850.0, 3000.0, False, ("low_accuracy", "outside_fence")),
    ],
)
def test_checkin_counts_iff_inside_fence_and_accurate_enough(
    accuracy_m, distance_m_, counts, flags
):
    verdict = evaluate_checkin(checkin(distance_m_, accuracy_m), VILLAGE, None, POLICY)
    assert verdict.counts_for_day is counts
    assert verdict.in_fence is (distance_m_ <= VILLAGE.radius_m)
    assert verdict.distance_m == pytest.approx(distance_m_, abs=0.01)
    assert verdict.flags == flags
    assert tuple(r.code for r in verdict.reasons) == flags


def test_fence_radius_and_accuracy_limit_come_from_the_inputs():
    wide = Fence(VILLAGE.lat, VILLAGE.lon, radius_m=5000.0)
    lenient = Policy(max_accuracy_m=1000.0)
    verdict = evaluate_checkin(checkin(3000.0, 850.0), wide, None, lenient)
    assert (verdict.counts_for_day, verdict.flags) == (True, ())


def test_reasons_carry_the_numbers():
    verdict = evaluate_checkin(checkin(2000.0, 850.0), VILLAGE, None, POLICY)
    low, outside = verdict.reasons
    assert low == Reason("low_accuracy", {"accuracy_m": 850.0, "limit_m": 500.0})
    assert outside.code == "outside_fence"
    assert outside.params["distance_m"] == pytest.approx(2000.0, abs=0.01)
    assert outside.params["radius_m"] == 1500.0


# --- late sync and clock skew ---------------------------------------------------------


@pytest.mark.parametrize(
    "live, sent_after, flags, counts",
    [
        (False, timedelta(minutes=30), (), True),
        (False, timedelta(hours=2), (), True),  # exactly the 2 h limit
        (False, timedelta(hours=2, minutes=1), ("late_sync",), True),
        (False, timedelta(days=3), ("late_sync",), True),  # offline in the mountains for days
        (True, timedelta(minutes=10), (), True),  # exactly the 10 min skew limit
        # Issue 12: beyond the clock tolerance (10 min) a live check-in no longer counts.
        (True, timedelta(minutes=11), ("clock_disagrees",), False),  # phone clock behind
        (True, -timedelta(minutes=11), ("clock_disagrees",), False),  # phone clock ahead
        (True, timedelta(hours=3), ("clock_disagrees",), False),  # live: the gap is the clock
        (False, -timedelta(minutes=30), (), True),  # queued: device time is not compared to now
    ],
)
def test_late_sync_for_queued_records_clock_skew_for_live_ones(live, sent_after, flags,
                                                                counts):
    facts = checkin(sent_after=sent_after, live=live)
    verdict = evaluate_checkin(facts, VILLAGE, None, POLICY)
    assert verdict.flags == flags
    assert verdict.counts_for_day is counts


@pytest.mark.parametrize("minutes", [31, 62, 123, 245, 481, 500])
def test_a_clock_exactly_at_the_limit_agrees(minutes: int) -> None:
    """"Past the limit" means past it: a live check-in whose clock is off by exactly the
    tolerance (or the skew limit) keeps its day. Hours converted back to minutes made 31
    minutes 31.000000000000004, past a limit of 31 (the property test found it)."""
    policy = Policy(clock_tolerance_minutes=float(minutes), clock_skew_minutes=float(minutes))
    for sign in (1, -1):
        facts = checkin(sent_after=sign * timedelta(minutes=minutes), live=True)
        verdict = evaluate_checkin(facts, VILLAGE, None, policy)
        assert verdict.flags == () and verdict.counts_for_day


# --- the offline window (issue 12) ---------------------------------------------------


@pytest.mark.parametrize(
    "live, sent_after, policy, counts, flags",
    [
        # A weekend without signal: made Friday morning, sent Monday morning, 72 h later.
        (False, timedelta(hours=72), POLICY, True, ("late_sync",)),
        (False, timedelta(hours=72, minutes=1), POLICY, False, ("synced_too_late",)),
        (False, timedelta(days=60), POLICY, False, ("synced_too_late",)),
        (False, timedelta(days=400), POLICY, False, ("synced_too_late",)),
        (False, NOW - datetime(1, 1, 1, tzinfo=UTC), POLICY, False, ("synced_too_late",)),
        (True, timedelta(days=5), POLICY, False, ("clock_disagrees",)),
        (True, NOW - datetime(1, 1, 1, tzinfo=UTC), POLICY, False, ("clock_disagrees",)),
        (True, timedelta(minutes=10), POLICY, True, ()),
        # A deployment may flag earlier than it refuses: suspicious, still counted.
        (True, timedelta(minutes=7), Policy(clock_skew_minutes=5), True, ("clock_skew",)),
        (True, timedelta(minutes=11), Policy(clock_tolerance_minutes=30), True,
         ("clock_skew",)),
        (False, timedelta(hours=30), Policy(offline_window_hours=24), False,
         ("synced_too_late",)),
        (False, timedelta(hours=100), Policy(offline_window_hours=168), True, ("late_sync",)),
    ],
)
def test_a_record_counts_only_within_the_offline_window(live, sent_after, policy, counts,
                                                        flags):
    verdict = evaluate_checkin(checkin(sent_after=sent_after, live=live), VILLAGE, None,
                               policy)
    assert (verdict.counts_for_day, verdict.flags) == (counts, flags)


def test_outside_the_window_the_reason_carries_the_numbers():
    late = evaluate_checkin(checkin(sent_after=timedelta(hours=80), live=False), VILLAGE,
                            None, POLICY)
    assert late.reasons == (Reason("synced_too_late", {"delay_hours": 80.0,
                                                       "limit_hours": 72.0}),)
    skewed = evaluate_checkin(checkin(sent_after=timedelta(minutes=30)), VILLAGE, None, POLICY)
    assert skewed.reasons == (Reason("clock_disagrees", {"skew_minutes": 30.0,
                                                         "limit_minutes": 10.0}),)


# --- impossible travel ----------------------------------------------------------------


@pytest.mark.parametrize(
    "km_from_previous, minutes_since, accuracies_m, flagged, speed_kmh",
    [
        (10.0, 10.0, (0.0, 0.0), False, None),  # 60 km/h
        (24.9, 10.0, (0.0, 0.0), False, None),  # 149.4 km/h, just under 150
        (25.2, 10.0, (0.0, 0.0), True, 151.2),
        (25.005, 10.0, (0.0, 0.0), True, 150.03),  # 0.02 % over: the bound must not hide it
        (30.0, 10.0, (0.0, 0.0), True, 180.0),
        (30.0, -10.0, (0.0, 0.0), True, 180.0),  # the previous fix synced late, is later
        (2.0, 0.0, (0.0, 0.0), True, None),  # a real move in no time at all
        (0.03, 0.0, (20.0, 20.0), False, None),  # jitter within the fixes' accuracy
        (1.0, 1 / 60, (600.0, 600.0), False, None),  # 1 km in a second, but 600 m fixes
        (4.0, 1.0, (500.0, 500.0), True, 180.0),  # 3 km beyond the accuracies in 1 min
    ],
)
def test_travel_faster_than_the_limit_is_impossible(
    km_from_previous, minutes_since, accuracies_m, flagged, speed_kmh
):
    current_accuracy, previous_accuracy = accuracies_m
    plat, plon = north_of(VILLAGE.lat, VILLAGE.lon, km_from_previous * 1000)
    previous = PreviousFix(plat, plon, NOW - timedelta(minutes=minutes_since), previous_accuracy)
    verdict = evaluate_checkin(checkin(0.0, current_accuracy), VILLAGE, previous, POLICY)
    assert ("impossible_travel" in verdict.flags) is flagged
    if flagged:
        (reason,) = (r for r in verdict.reasons if r.code == "impossible_travel")
        assert reason.params.get("speed_kmh") == (
            None if speed_kmh is None else pytest.approx(speed_kmh, rel=1e-3)
        )
        assert reason.params["limit_kmh"] == 150.0


def test_no_previous_fix_no_travel_check():
    assert evaluate_checkin(checkin(), VILLAGE, None, POLICY).flags == ()


# --- reasons in words -----------------------------------------------------------------


@pytest.mark.parametrize(
    "reason, zh, en",
    [
        (
            Reason("low_accuracy", {"accuracy_m": 850, "limit_m": 500}),
            "精度 850 米，超过 500 米的上限",
            "Accuracy 850 m is worse than the 500 m limit",
        ),
        (
            Reason("outside_fence", {"distance_m": 1523.46, "radius_m": 1500.0}),
            "距村中心 1523 米，超出 1500 米的范围",
            "1523 m from the village centre, outside the 1500 m fence",
        ),
        (
            Reason("late_sync", {"delay_hours": 3.5, "limit_hours": 2.0}),
            "离线记录，3.5 小时后才上传，超过 2 小时",
            "Recorded offline and sent 3.5 h later, more than 2 h",
        ),
        (
            Reason("clock_skew", {"skew_minutes": 15.0, "limit_minutes": 10.0}),
            "手机时间与服务器相差 15 分钟，超过 10 分钟",
            "The phone's clock is 15 min off the server's, more than 10 min",
        ),
        (
            Reason(
                "impossible_travel",
                {"distance_m": 30000.0, "minutes": 10.0, "speed_kmh": 180.0, "limit_kmh": 150},
            ),
            "与上一次定位相距 30000 米、间隔 10 分钟，时速 180 公里，超过 150 公里",
            "30000 m from the previous fix in 10 min: 180 km/h, faster than 150 km/h",
        ),
        (
            Reason("impossible_travel", {"distance_m": 2000.0, "minutes": 0.0, "limit_kmh": 150}),
            "与上一次定位同一时刻却相距 2000 米",
            "2000 m from the previous fix made at the same moment",
        ),
        (
            Reason("synced_too_late", {"delay_hours": 80.0, "limit_hours": 72.0}),
            "记录后 80 小时才上传，超过 72 小时的离线期限：已保存，但不计入当天出勤，可申请补卡",
            "Sent 80 h after it was made, beyond the 72 h offline window: kept, but it does "
            "not count for the day (ask for a make-up)",
        ),
        (
            Reason("clock_disagrees", {"skew_minutes": 30.0, "limit_minutes": 10.0}),
            "手机时间与服务器相差 30 分钟，超过允许的 10 分钟：已保存，但不计入当天出勤",
            "The phone's clock is 30 min off the server's, more than the 10 min allowed: "
            "kept, but it does not count for the day",
        ),
        (Reason("something_new", {"x": 1.0}), "something_new", "something_new"),
    ],
)
def test_reason_text_in_chinese_and_english(reason, zh, en):
    assert reason_text(reason, "zh") == zh
    assert reason_text(reason, "en") == en


def test_every_flag_of_a_verdict_has_a_sentence():
    facts = checkin(3000.0, 850.0, sent_after=timedelta(hours=5), live=False)
    far_away = north_of(VILLAGE.lat, VILLAGE.lon, 50_000)
    previous = PreviousFix(*far_away, facts.recorded_at - timedelta(minutes=10))
    verdict = evaluate_checkin(facts, VILLAGE, previous, POLICY)
    assert verdict.flags == ("low_accuracy", "outside_fence", "late_sync", "impossible_travel")
    for reason in verdict.reasons:
        assert reason_text(reason, "zh") != reason.code
        assert reason_text(reason, "en") != reason.code


def test_reason_text_in_another_language_is_chinese():
    reason = Reason("low_accuracy", {"accuracy_m": 1, "limit_m": 1})
    assert reason_text(reason, "fr") == reason_text(reason, "zh") == "精度 1 米，超过 1 米的上限"


def test_reasons_are_values():
    one = Reason("low_accuracy", {"accuracy_m": 850, "limit_m": 500})
    two = Reason("low_accuracy", {"limit_m": 500, "accuracy_m": 850})
    assert one == two
    assert len({one, two}) == 1
