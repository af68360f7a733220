"""Where a cadre stands: the target expected by today, what a household owes, leave states."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.domain.attendance import LeaveSpan
from checkin.domain.cadence import household_due
from checkin.domain.policy import DEFAULT_POLICY
from checkin.domain.standing import (
    DueItem,
    due_counts,
    expected_by,
    expected_so_far,
    leave_state,
    today_word,
    what_is_due,
)

P = DEFAULT_POLICY
TODAY = date(2026, 7, 1)


@pytest.mark.parametrize(("today", "start", "end", "expected"), [
    (date(2026, 1, 1), date(2026, 1, 1), None, 1),        # a part of a day is a whole day
    (date(2026, 7, 1), date(2026, 1, 1), None, 100),      # 182 of 365 days: 99.7 -> 100
    (date(2026, 12, 31), date(2026, 1, 1), None, 200),
    (date(2026, 7, 1), date(2026, 7, 2), None, 0),        # the term begins tomorrow
    (date(2026, 12, 31), date(2026, 1, 1), date(2026, 3, 31), 50),  # term ended in March
])
def test_expected_by_today(today: date, start: date, end: date | None, expected: int) -> None:
    assert expected_by(today, today.year, start, end, P) == expected


@pytest.mark.parametrize(("today", "pending", "expected"), [
    (date(2026, 1, 2), False, 2),   # today counts already: owed by the end of today
    (date(2026, 1, 2), True, 1),    # 06:00, nothing yet: owed by the end of yesterday
    (date(2026, 1, 1), True, 0),    # the first day of the year, not over yet
    (date(2026, 12, 31), True, 200),  # 364/365 of 200 = 199.5 -> 200
])
def test_a_day_still_running_is_not_owed_yet(today: date, pending: bool,
                                             expected: int) -> None:
    assert expected_so_far(today, today.year, date(2026, 1, 1), None, P, pending) == expected


@pytest.mark.parametrize(("status", "contact", "visit", "owed"), [
    # 57 days since the visit, 60-day rule: the 30-day contact is what is overdue.
    ("poor", None, date(2026, 5, 5), DueItem("contact", "overdue", date(2026, 6, 4))),
    # After a phone contact, the visit is what is still needed.
    ("poor", date(2026, 6, 28), date(2026, 4, 20), DueItem("visit", "overdue",
                                                           date(2026, 6, 19))),
    ("poor", date(2026, 6, 28), date(2026, 5, 5), DueItem("visit", "due", date(2026, 7, 4))),
    ("poor", date(2026, 6, 28), date(2026, 6, 28), None),
    ("lifted", None, None, None),  # no schedule: nothing owed
])
def test_what_a_household_owes(status: str, contact: date | None, visit: date | None,
                               owed: DueItem | None) -> None:
    due = household_due(status, contact, visit, date(2026, 1, 1), TODAY, P)
    assert what_is_due(due) == owed


def test_a_household_without_schedule_is_not_scheduled() -> None:
    assert not household_due("other", None, None, date(2026, 1, 1), TODAY, P).scheduled
    assert household_due("poor", None, None, date(2026, 1, 1), TODAY, P).scheduled


def test_due_counts_by_kind() -> None:
    items = [DueItem("visit", "overdue", TODAY), DueItem("contact", "overdue", TODAY),
             DueItem("visit", "due", TODAY), None]
    counts = due_counts(items)
    assert (counts.overdue, counts.overdue_visits, counts.due, counts.due_contacts) == (2, 1, 1, 0)


@pytest.mark.parametrize(("status", "start", "end", "state"), [
    ("pending", date(2026, 7, 5), date(2026, 7, 6), "pending"),
    ("pending", date(2026, 6, 1), date(2026, 6, 2), None),   # never decided, long past
    ("approved", date(2026, 6, 30), date(2026, 7, 2), "running"),
    ("approved", date(2026, 6, 20), date(2026, 6, 30), "to_close"),
    ("approved", date(2026, 7, 5), date(2026, 7, 6), None),  # still ahead
    ("closed", date(2026, 6, 20), date(2026, 6, 30), None),
    ("rejected", date(2026, 7, 5), date(2026, 7, 6), None),
])
def test_leave_state(status: str, start: date, end: date, state: str | None) -> None:
    assert leave_state(LeaveSpan("personal", start, end, status), TODAY) == state


@pytest.mark.parametrize(("counts", "on_leave", "word"), [
    ([True], False, "counted"), ([False, True], False, "counted"),
    ([False], False, "not_counted"), ([], False, "none"), ([], True, "on_leave"),
])
def test_today_word(counts: list[bool], on_leave: bool, word: str) -> None:
    assert today_word(counts, on_leave) == word
