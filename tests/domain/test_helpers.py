"""A new helper's deadlines: a grace of one cadence period from the change, given once per
visit period; the household's history still decides."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from checkin.domain.cadence import household_due
from checkin.domain.helpers import deadline, grace_from
from checkin.domain.policy import Policy

POLICY = Policy()  # contact every 30 days, visit every 60
CHANGE = date(2026, 6, 1)
TERM = date(2026, 1, 1)


@pytest.mark.parametrize(("previous", "change", "grace"), [
    (None, CHANGE, CHANGE),  # the first change
    (CHANGE - timedelta(days=60), CHANGE, CHANGE),  # a whole visit period since the last
    (CHANGE - timedelta(days=59), CHANGE, CHANGE - timedelta(days=59)),  # too soon: kept
    (CHANGE - timedelta(days=1), CHANGE, CHANGE - timedelta(days=1)),  # back and forth
])
def test_a_grace_is_given_once_per_visit_period(previous: date | None, change: date,
                                                grace: date) -> None:
    assert grace_from(previous, change, POLICY) == grace


@pytest.mark.parametrize(("last", "grace", "every", "due_on"), [
    (None, None, 60, TERM + timedelta(days=60)),  # as before: from the start of the duty
    (date(2026, 5, 20), None, 60, date(2026, 7, 19)),
    # long overdue when the helper changes: one period from the change
    (date(2026, 1, 10), CHANGE, 60, CHANGE + timedelta(days=60)),
    (None, CHANGE, 30, CHANGE + timedelta(days=30)),
    # visited after the change: the visit decides when it is later
    (date(2026, 6, 20), CHANGE, 60, date(2026, 8, 19)),
    # visited just before the change: the grace still runs from the change
    (date(2026, 5, 31), CHANGE, 30, CHANGE + timedelta(days=30)),
])
def test_a_deadline_is_not_before_one_period_after_the_grace(
        last: date | None, grace: date | None, every: int, due_on: date) -> None:
    assert deadline(last, TERM, grace, every) == due_on


@pytest.mark.parametrize(("today", "grace", "state"), [
    (date(2026, 6, 15), None, "overdue"),  # last visit in January: overdue as before
    (date(2026, 6, 15), CHANGE, "ok"),  # the new helper has until 1 July to contact
    (date(2026, 7, 2), CHANGE, "overdue"),  # and is overdue the day after
])
def test_a_household_with_a_new_helper(today: date, grace: date | None, state: str) -> None:
    due = household_due("poor", None, date(2026, 1, 10), TERM, today, POLICY, grace)
    assert due.state == state
