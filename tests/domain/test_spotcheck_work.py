"""Working the week's spot checks: windows, positions, corrections, caps, pages (issue 15)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from checkin.domain import boundary
from checkin.domain.geofence import Fence
from checkin.domain.spotcheck_work import (
    Answer,
    Page,
    checker_refusal,
    correction_problem,
    field_position,
    join_flags,
    lightening_problem,
    one_per_household,
    page_of,
    percent_text,
    share,
    timing,
    untaken_visits,
    window_opens,
)

ZONE = timezone(timedelta(hours=8))
DRAWN = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Shanghai


@pytest.mark.parametrize(
    ("kind", "day", "start", "opens"),
    [
        ("presence", date(2026, 11, 19), time(10, 30),
         datetime(2026, 11, 19, 10, 30, tzinfo=ZONE)),
        ("presence", date(2026, 11, 19), None, datetime(2026, 11, 19, 0, 0, tzinfo=ZONE)),
        # a back-check may be called from the draw on: the visit is last week's
        ("visit", date(2026, 11, 10), None, DRAWN),
    ],
)
def test_a_window_opens(kind: str, day: date, start: time | None, opens: datetime) -> None:
    assert window_opens(kind, day, start, DRAWN, ZONE) == opens


OPENS = datetime(2026, 11, 20, 10, 0, tzinfo=ZONE)


@pytest.mark.parametrize(
    ("now", "reason", "answer"),
    [
        (OPENS, "", (None, ())),  # the window's first minute
        (OPENS + timedelta(hours=5), "", (None, ())),
        # two days early, no reason: refused (the yellow card of the issue)
        (OPENS - timedelta(days=2), "", ("result_before_window", ())),
        (OPENS - timedelta(minutes=1), "   ", ("result_before_window", ())),
        # early with a stated reason: kept, flagged
        (OPENS - timedelta(days=2), "met him in town on a field trip", (None, ("early_result",))),
    ],
)
def test_results_wait_for_the_window_unless_a_reason_is_given(
        now: datetime, reason: str, answer: tuple[str | None, tuple[str, ...]]) -> None:
    assert timing(OPENS, now, reason) == answer


VILLAGE = Fence(lat=30.85, lon=116.36, radius_m=1500)


@pytest.mark.parametrize(
    ("method", "lat", "lon", "flags"),
    [
        ("phone", None, None, ()),
        ("field", 30.85, 116.36, ()),  # at the centre
        ("field", 30.85 + 2000 / 111_195, 116.36, ()),  # 2 km: 500 m beyond the fence
        ("field", 30.85 + 2600 / 111_195, 116.36, ("far_from_village",)),  # 1.1 km beyond
        ("field", 30.85 + 14_000 / 111_195, 116.36, ("far_from_village",)),  # 14 km away
        ("field", None, None, ("field_without_position",)),
    ],
)
def test_a_field_result_is_compared_with_the_village(method: str, lat: float | None,
                                                     lon: float | None,
                                                     flags: tuple[str, ...]) -> None:
    distance, found = field_position(method, lat, lon, VILLAGE, 1000.0)
    assert found == flags
    if lat is not None:
        assert distance == pytest.approx((lat - 30.85) * 111_195, rel=0.01)
    else:
        assert distance is None


# A village whose fence is its boundary: a square about 11 km across around the centre,
# far larger than the 1,500 m circle it replaces.
SQUARE = boundary.load("POLYGON ((116.30 30.80, 116.42 30.80, 116.42 30.90, 116.30 30.90, "
                       "116.30 30.80))")
BOUNDED = Fence(lat=30.85, lon=116.36, radius_m=1500, boundary=SQUARE)


@pytest.mark.parametrize(
    ("lat", "flags"),
    [
        (30.85 + 4000 / 111_195, ()),  # 4 km from the centre, inside the boundary
        (30.90 + 500 / 111_195, ()),  # 500 m beyond the boundary's edge
        (30.90 + 1500 / 111_195, ("far_from_village",)),  # 1.5 km beyond it
    ],
)
def test_a_field_result_in_a_bounded_village_is_measured_from_its_boundary(
        lat: float, flags: tuple[str, ...]) -> None:
    distance, found = field_position("field", lat, 116.36, BOUNDED, 1000.0)
    assert found == flags
    assert distance == pytest.approx((lat - 30.85) * 111_195, rel=0.01)  # still the centre's


def test_flags_are_stored_in_one_order_without_repeats() -> None:
    assert join_flags(("far_from_village",), ("early_result", "far_from_village")) == (
        "early_result,far_from_village")
    assert join_flags() == ""


FAIL = Answer("phone", "not_confirmed", None, "")
FIXED = Answer("phone", "confirmed", None, "")


@pytest.mark.parametrize(
    ("current", "wanted", "reason", "appeal", "code"),
    [
        (FAIL, FIXED, "clicked the wrong button", False, None),
        (FAIL, FIXED, "", False, "result_correction_reason"),
        (FAIL, FIXED, "  ", False, "result_correction_reason"),
        (FAIL, FAIL, "same again", False, "correction_changes_nothing"),
        (FAIL, FIXED, "wrong", True, "correction_after_appeal"),  # the appeal decides
        (FAIL, Answer("phone", "not_confirmed", None, "called twice"), "note", False, None),
    ],
)
def test_a_correction_needs_a_reason_and_a_change(current: Answer, wanted: Answer, reason: str,
                                                  appeal: bool, code: str | None) -> None:
    assert correction_problem(current, wanted, reason, appeal) == code


@pytest.mark.parametrize(("assigned", "cap", "code"),
                         [(0, 60, None), (59, 60, None), (60, 60, "checker_week_full"),
                          (61, 60, "checker_week_full"), (0, 0, "checker_week_full")])
def test_a_checker_takes_no_more_than_the_weekly_cap(assigned: int, cap: int,
                                                     code: str | None) -> None:
    assert checker_refusal(assigned, cap) == code


@pytest.mark.parametrize(
    ("part", "whole", "text"),
    [
        (12, 35, "34%"),  # the demo's "15% of visits" that was 34%
        (1436, 4216, "34%"),
        (15, 100, "15%"),
        (0, 10, "0%"),
        (0, 0, "–"),
        (1, 3, "33%"),
        (1, 200, "1%"),  # 0.5% rounds half up
    ],
)
def test_the_share_shown_is_the_real_share(part: int, whole: int, text: str) -> None:
    assert percent_text(share(part, whole)) == text


def test_a_share_of_negative_counts_is_an_error() -> None:
    with pytest.raises(ValueError):
        share(-1, 3)


@pytest.mark.parametrize(
    ("total", "requested", "size", "page"),
    [
        (0, None, 50, Page(1, 1, 0, 50)),
        (1713, None, 50, Page(1, 35, 0, 50)),
        (1713, 35, 50, Page(35, 35, 1700, 50)),
        (1713, 36, 50, Page(35, 35, 1700, 50)),  # past the end: the last page
        (1713, 0, 50, Page(1, 35, 0, 50)),
        (1713, -4, 50, Page(1, 35, 0, 50)),
        (100, 2, 50, Page(2, 2, 50, 50)),
    ],
)
def test_pages_are_clamped(total: int, requested: int | None, size: int, page: Page) -> None:
    assert page_of(total, requested, size) == page


@pytest.mark.parametrize(
    ("visits", "taken", "left"),
    [
        # 6 of a township's 8 callbacks were visits the county had also drawn
        ([(f"v{n}", n) for n in range(8)], [0, 1, 2, 3, 4, 5], ["v6", "v7"]),
        ([("v1", 1), ("v2", 1), ("v3", 2)], [1], ["v3"]),  # every visit to the household
        ([("v1", 1)], [], ["v1"]),
    ],
)
def test_a_household_drawn_this_week_is_not_drawn_again(
        visits: list[tuple[str, int]], taken: list[int], left: list[str]) -> None:
    assert untaken_visits(visits, taken) == left


D1, D2 = date(2026, 11, 9), date(2026, 11, 12)


@pytest.mark.parametrize(
    ("visits", "kept"),
    [
        ([("v1", 1, 1.0, D1), ("v2", 1, 3.0, D1), ("v3", 2, 1.0, D1)], ["v2", "v3"]),  # riskiest
        ([("v1", 1, 2.0, D1), ("v2", 1, 2.0, D2)], ["v2"]),  # then the latest
        ([("v2", 1, 2.0, D1), ("v1", 1, 2.0, D1)], ["v2"]),  # then the highest id
        ([("v1", 1, 1.0, D1), ("v2", 2, 1.0, D1)], ["v1", "v2"]),
        ([], []),
    ],
)
def test_a_household_is_asked_about_one_visit_a_week(
        visits: list[tuple[str, int, float, date]], kept: list[str]) -> None:
    assert one_per_household(visits) == kept


@pytest.mark.parametrize(("old", "new", "level", "corrector", "recorder", "problem"), [
    ("fail", "pass", "township", 2, 1, "correction_lightens_needs_county"),
    ("fail", "no_contact", "township", 1, 1, "correction_lightens_needs_county"),
    ("fail", "pass", "county", 1, 1, "correction_lightens_own"),
    ("fail", "pass", "county", 2, 1, None),
    ("fail", "excused", "city", 2, 1, None),
    ("fail", "fail", "township", 1, 1, None),       # the finding stays: anyone in scope
    ("pass", "fail", "township", 1, 1, None),       # a finding made: anyone in scope
    ("no_contact", "pass", "township", 1, 1, None),
])
def test_a_finding_is_corrected_away_only_as_an_appeal_would_excuse_it(
        old: str, new: str, level: str, corrector: int, recorder: int,
        problem: str | None) -> None:
    assert lightening_problem(old, new, level, corrector, recorder) == problem
