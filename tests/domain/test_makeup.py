"""Table tests for make-up requests (补卡): which days may be asked for, and decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from checkin.domain.makeup import (
    MakeupOfDay,
    earliest_day,
    refuse_second_decision,
    validate_decision,
    validate_makeup_request,
)
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

TODAY = date(2026, 11, 20)
POLICY = Policy()


@pytest.mark.parametrize("today, months_back, earliest", [
    (date(2026, 11, 20), 1, date(2026, 10, 1)),
    (date(2026, 1, 5), 1, date(2025, 12, 1)),  # across the year
    (date(2026, 3, 31), 0, date(2026, 3, 1)),  # this month only
    (date(2026, 3, 31), 14, date(2025, 1, 1)),
])
def test_the_earliest_day_is_the_first_of_a_month_back(today, months_back, earliest) -> None:
    assert earliest_day(today, Policy(makeup_months_back=months_back)) == earliest


@pytest.mark.parametrize("day, counts, earlier, code", [
    (date(2026, 11, 19), False, [], None),  # yesterday
    (date(2026, 10, 1), False, [], None),  # the first day of the previous month
    (TODAY, False, [], "correction_not_past"),  # today: check in instead
    (date(2026, 11, 21), False, [], "correction_not_past"),
    (date(2026, 9, 30), False, [], "correction_too_old"),
    (date(1, 1, 1), False, [], "correction_too_old"),
    (date(2026, 11, 3), True, [], "correction_day_counts"),
    (date(2026, 11, 3), False, [MakeupOfDay(date(2026, 11, 3), "pending")],
     "correction_pending"),
    (date(2026, 11, 3), False, [MakeupOfDay(date(2026, 11, 3), "approved")],
     "correction_pending"),
    (date(2026, 11, 3), False, [MakeupOfDay(date(2026, 11, 3), "rejected")], None),
    (date(2026, 11, 3), False, [MakeupOfDay(date(2026, 11, 4), "pending")], None),
])
def test_which_days_may_be_asked_for(day, counts, earlier, code) -> None:
    if code is None:
        validate_makeup_request(day, TODAY, counts, earlier, POLICY)
        return
    with pytest.raises(Refusal) as refused:
        validate_makeup_request(day, TODAY, counts, earlier, POLICY)
    assert (refused.value.code, refused.value.field) == (code, "day")


@pytest.mark.parametrize("approve, comment, refused", [
    (True, None, False),
    (True, "", False),
    (False, "当天不在村", False),
    (False, None, True),
    (False, "   ", True),
])
def test_a_rejection_needs_a_comment(approve, comment, refused) -> None:
    if not refused:
        validate_decision(approve, comment)
        return
    with pytest.raises(Refusal) as error:
        validate_decision(approve, comment)
    assert error.value.code == "correction_needs_comment"


def test_a_second_decision_names_who_and_when() -> None:
    refusal = refuse_second_decision("王书记", datetime(2026, 11, 20, 10, 5, tzinfo=UTC),
                                     "approved")
    assert refusal.code == "correction_decided"
    assert refusal.params["name"] == "王书记" and refusal.params["at"] == "2026-11-20 10:05"
