"""Report periods (周小结 by ISO week, 月报表 by month), when they may be finalised, and the
attendance pace of a month."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.domain.reporting import (
    attendance_pace,
    days_in_month_mask,
    elapsed_in_term,
    expected_days,
    last_working_day,
    may_finalise,
    month_of,
    parse_month,
    parse_period,
    week_of,
)


@pytest.mark.parametrize(("label", "kind", "first", "last"), [
    ("2026-W47", "weekly", date(2026, 11, 16), date(2026, 11, 22)),
    ("2026-W01", "weekly", date(2025, 12, 29), date(2026, 1, 4)),
    ("2026-11", "monthly", date(2026, 11, 1), date(2026, 11, 30)),
    ("2028-02", "monthly", date(2028, 2, 1), date(2028, 2, 29)),
])
def test_periods(label: str, kind: str, first: date, last: date) -> None:
    period = parse_period(label)
    assert (period.kind, period.first, period.last) == (kind, first, last)


@pytest.mark.parametrize("label", ["2026-13", "2026-00", "26-11", "2026-W54", "", "2026-1"])
def test_bad_periods(label: str) -> None:
    with pytest.raises(ValueError):
        parse_period(label)


def test_labels_of_a_day() -> None:
    assert week_of(date(2026, 1, 1)) == "2026-W01" and month_of(date(2026, 1, 1)) == "2026-01"
    assert parse_month("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))


@pytest.mark.parametrize(("label", "today", "allowed"), [
    ("2026-W47", date(2026, 11, 19), False),  # Thursday: the week is not written up yet
    ("2026-W47", date(2026, 11, 20), True),  # Friday, the last working day
    ("2026-W47", date(2026, 11, 23), True),  # afterwards
    ("2026-10", date(2026, 10, 29), False),
    ("2026-10", date(2026, 10, 30), True),  # 31 October 2026 is a Saturday
])
def test_reports_are_finalised_from_the_last_working_day(label: str, today: date,
                                                        allowed: bool) -> None:
    assert may_finalise(parse_period(label), today) is allowed


def test_last_working_day_skips_the_weekend() -> None:
    assert last_working_day(parse_period("2026-05")) == date(2026, 5, 29)


@pytest.mark.parametrize(("first", "last", "today", "term", "expected"), [
    (date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 18), (date(2026, 1, 1), None),
     (date(2026, 11, 1), date(2026, 11, 18))),
    (date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 5), (date(2026, 11, 10), None),
     (date(2026, 11, 10), date(2026, 11, 30))),
    (date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 5),
     (date(2026, 1, 1), date(2026, 11, 20)), (date(2026, 11, 1), date(2026, 11, 20))),
    (date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 5), (date(2026, 11, 10), None),
     None),
])
def test_elapsed_in_term(first, last, today, term, expected) -> None:
    assert elapsed_in_term(first, last, today, *term) == expected


@pytest.mark.parametrize(("counted", "expected", "pace"), [
    (10, 10.0, 1.0),
    (20, 10.0, 1.0),  # days beyond the pace do not buy off another part
    (5, 10.0, 0.5),
    (0, 0.0, 1.0),  # nothing owed yet
    (0, 16.4, 0.0),
])
def test_attendance_pace(counted: int, expected: float, pace: float) -> None:
    assert attendance_pace(counted, expected) == pytest.approx(pace)


def test_expected_days_follow_the_yearly_target() -> None:
    assert expected_days(365, 2026, 200) == pytest.approx(200)
    assert expected_days(30, 2026, 200) == pytest.approx(200 * 30 / 365)
    assert expected_days(366, 2028, 200) == pytest.approx(200)


@pytest.mark.parametrize(("mask", "first", "last", "days"), [
    (0, 1, 31, 0),
    ((1 << 31) - 1, 1, 31, 31),       # every day of a long month
    ((1 << 31) - 1, 5, 5, 1),         # one day
    ((1 << 31) - 1, 10, 20, 11),
    (0b1, 1, 1, 1),                   # day 1 is bit 0
    (0b1, 2, 31, 0),
    (1 << 30, 31, 31, 1),             # day 31 is bit 30
    (1 << 30, 1, 30, 0),
    (0b1010, 1, 3, 1),                # days 2 and 4: only day 2 is in 1..3
    (0b1010, 2, 4, 2),
])
def test_days_in_month_mask(mask: int, first: int, last: int, days: int) -> None:
    assert days_in_month_mask(mask, first, last) == days
