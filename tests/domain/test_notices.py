"""The rules of who is told what, and when (checkin/domain/notices.py)."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.domain.notices import (
    ChainLevel,
    deciders,
    may_receive,
    newly_overdue,
    retry_delay_s,
    return_due,
    return_overdue,
    silent_since,
    township_supervisors,
)

D = date(2026, 12, 10)

CHAIN = [ChainLevel("village", ()), ChainLevel("township", (5, 6)),
         ChainLevel("county", (7,)), ChainLevel("city", ()), ChainLevel("province", (9,))]
NO_TOWNSHIP = [ChainLevel("village", ()), ChainLevel("township", ()),
               ChainLevel("county", (7,))]


@pytest.mark.parametrize(("level", "chain", "told"), [
    ("township", CHAIN, [5, 6]),          # short leave: the township decides
    ("county", CHAIN, [7]),               # long leave: the county, not the township
    ("township", NO_TOWNSHIP, [7]),       # a township without supervisors passes it up
    ("county", [ChainLevel("village", ()), ChainLevel("township", (5,))], []),
])
def test_leave_goes_to_the_deciding_level(level: str, chain: list[ChainLevel],
                                          told: list[int]) -> None:
    assert deciders(level, chain) == told


def test_attendance_goes_to_the_nearest_supervisors() -> None:
    assert township_supervisors(CHAIN) == [5, 6]
    assert township_supervisors(NO_TOWNSHIP) == [7]


@pytest.mark.parametrize(("kind", "role", "ok"), [
    ("spotcheck.finding", "cadre", False), ("spotcheck.drawn", "cadre", False),
    ("leave.asked", "cadre", False), ("attendance.silent", "cadre", False),
    ("leave.asked", "supervisor", True), ("leave.approved", "cadre", True),
    ("leave.approved", "supervisor", False), ("bulletin.published", "cadre", True),
])
def test_supervision_never_reaches_a_cadre(kind: str, role: str, ok: bool) -> None:
    assert may_receive(kind, role) is ok


@pytest.mark.parametrize(("status", "end", "due", "overdue"), [
    ("approved", date(2026, 12, 10), False, False),   # last day of leave: not yet
    ("approved", date(2026, 12, 9), True, False),     # the day after: 销假 due
    ("approved", date(2026, 12, 7), True, False),     # 3 days after the due day: not yet
    ("approved", date(2026, 12, 6), True, True),      # due on the 7th, overdue on the 10th
    ("closed", date(2026, 12, 1), False, False),
    ("pending", date(2026, 12, 1), False, False),
])
def test_return_due_then_overdue(status: str, end: date, due: bool, overdue: bool) -> None:
    assert return_due(status, end, D) is due
    assert return_overdue(status, end, D, after_days=3) is overdue


@pytest.mark.parametrize(("last", "leave", "silent"), [
    (date(2026, 12, 9), [], None),                      # checked in yesterday
    (date(2026, 12, 7), [], None),                      # 2 quiet days (8th, 9th)
    (date(2026, 12, 6), [], date(2026, 12, 7)),         # 3 quiet days
    (date(2026, 12, 6), [(date(2026, 12, 8), date(2026, 12, 9))], None),  # on leave
    (None, [], date(2026, 12, 1)),                      # never since duty began
])
def test_days_without_a_counted_checkin(last: date | None, leave: list[tuple[date, date]],
                                        silent: date | None) -> None:
    assert silent_since(last, date(2026, 12, 1), D, 3, leave) == silent


@pytest.mark.parametrize(("deadline", "state", "new"), [
    (date(2026, 12, 9), "overdue", True), (date(2026, 12, 3), "overdue", True),
    (date(2026, 12, 2), "overdue", False),  # overdue since before this week: told already
    (date(2026, 12, 9), "due", False), (None, "overdue", False),
])
def test_newly_overdue_households(deadline: date | None, state: str, new: bool) -> None:
    assert newly_overdue(deadline, state, D) is new


@pytest.mark.parametrize(("attempts", "delay"), [(1, 30), (2, 60), (3, 120), (10, 3600)])
def test_backoff_doubles_up_to_a_ceiling(attempts: int, delay: float) -> None:
    assert retry_delay_s(attempts, 30, 3600) == delay


@pytest.mark.parametrize(("level", "told"), [
    ("county", [5, 6, 7]),  # a county's bulletin: the township and the county
    ("township", [5, 6]),
    ("province", [5, 6, 7, 9]),
    ("", [5, 6, 7, 9]),  # not on the chain: everyone on it
])
def test_a_warning_talk_is_told_to_the_supervisors_up_to_the_publisher(
        level: str, told: list[int]) -> None:
    from checkin.domain.notices import supervisors_up_to

    assert supervisors_up_to(CHAIN, level) == told


def test_a_warning_talk_never_reaches_a_cadre() -> None:
    assert not may_receive("bulletin.warning_talk", "cadre")
    assert may_receive("bulletin.warning_talk", "supervisor")
