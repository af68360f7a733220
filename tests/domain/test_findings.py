"""What a spot-check result establishes, and which answers a result may carry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from checkin.domain.findings import (
    Counts,
    LeaveAsKnown,
    count,
    is_check,
    is_serious,
    may_appeal,
    result_problems,
    standing_verdict,
    verdict,
    verdict_then,
)


@pytest.mark.parametrize(("kind", "outcome", "on_leave", "expected"), [
    ("presence", "confirmed", False, "pass"),
    ("presence", "confirmed", True, "pass"),
    ("presence", "not_confirmed", False, "fail"),  # absent without leave: serious
    ("presence", "not_confirmed", True, "excused"),  # away with approved leave
    ("presence", "unreachable", False, "no_contact"),
    ("visit", "confirmed", False, "pass"),
    ("visit", "not_confirmed", False, "fail"),  # the household denies the visit
    ("visit", "not_confirmed", True, "fail"),  # leave does not excuse a forged visit
    ("visit", "unreachable", False, "no_contact"),
])
def test_verdict(kind: str, outcome: str, on_leave: bool, expected: str) -> None:
    assert verdict(kind, outcome, on_leave) == expected


@pytest.mark.parametrize(("v", "check", "serious"), [
    ("pass", True, False),
    ("excused", True, False),
    ("fail", True, True),
    ("no_contact", False, False),  # unreachable establishes nothing
])
def test_what_counts(v: str, check: bool, serious: bool) -> None:
    assert is_check(v) is check  # type: ignore[arg-type]
    assert is_serious(v) is serious  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "outcome"), [("checkin", "confirmed"), ("visit", "maybe")])
def test_verdict_refuses_unknown_values(kind: str, outcome: str) -> None:
    with pytest.raises(ValueError):
        verdict(kind, outcome, False)


@pytest.mark.parametrize(("kind", "method", "outcome", "satisfaction", "position", "problems"), [
    ("visit", "phone", "confirmed", "satisfied", False, {}),
    ("visit", "field", "not_confirmed", "unsatisfied", True, {}),
    ("presence", "field", "confirmed", None, True, {}),
    ("presence", "phone", "confirmed", None, False, {}),
    ("presence", "phone", "confirmed", "satisfied", False,
     {"satisfaction": "satisfaction_only_households"}),
    ("visit", "phone", "unreachable", "basic", False,
     {"satisfaction": "satisfaction_needs_answer"}),
    ("visit", "phone", "confirmed", "happy", False, {"satisfaction": "satisfaction_unknown"}),
    ("visit", "phone", "confirmed", None, True, {"lat": "position_only_field"}),
    ("visit", "fax", "perhaps", None, False,
     {"method": "method_unknown", "outcome": "outcome_unknown"}),
])
def test_result_problems(kind: str, method: str, outcome: str, satisfaction: str | None,
                         position: bool, problems: dict[str, str]) -> None:
    assert result_problems(kind, method, outcome, satisfaction, position) == problems


def test_counts_add_up() -> None:
    judged = [("pass", "satisfied"), ("fail", "unsatisfied"), ("no_contact", None),
              ("excused", None), ("pass", "basic")]
    counts = count(judged)  # type: ignore[arg-type]
    assert counts == Counts(checks=4, failures=1, answers=3, satisfied=1, basic=1,
                            unsatisfied=1)
    assert counts + Counts(checks=1) == Counts(5, 1, 3, 1, 1, 1)


# --- frozen when recorded: what was known at the moment of the result (issue 12, case 2) ---
DAY = date(2026, 11, 18)
RECORDED = datetime(2026, 11, 18, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
BEFORE = RECORDED - timedelta(hours=1)
AFTER = RECORDED + timedelta(hours=1)


def known(status: str = "approved", decided_at: datetime | None = BEFORE,
          start: date = DAY, end: date = DAY, returned_on: date | None = None,
          closed_at: datetime | None = None) -> LeaveAsKnown:
    return LeaveAsKnown(start=start, end=end, status=status, decided_at=decided_at,
                        returned_on=returned_on, closed_at=closed_at)


@pytest.mark.parametrize(("leaves", "expected"), [
    ([], "fail"),
    ([known()], "excused"),  # approved before the check
    ([known(decided_at=None)], "excused"),  # legacy row: no decision time, taken as known
    ([known(decided_at=AFTER)], "fail"),  # approved after the finding (事后补批): no excuse
    ([known("closed", decided_at=AFTER, returned_on=DAY + timedelta(days=1),
            closed_at=AFTER)], "fail"),
    ([known("pending", decided_at=None)], "fail"),  # asked, not approved when checked
    ([known("rejected")], "fail"),
    ([known("withdrawn", decided_at=None)], "fail"),
    ([known(start=DAY - timedelta(days=3), end=DAY + timedelta(days=2))], "excused"),
    ([known(start=DAY + timedelta(days=1), end=DAY + timedelta(days=2))], "fail"),
    # back on the day of the check, declared before it: the leave no longer covers the day
    ([known("closed", start=DAY - timedelta(days=2), end=DAY + timedelta(days=2),
            returned_on=DAY, closed_at=BEFORE)], "fail"),
    # the return declared after the check changes nothing about what was known then
    ([known("closed", start=DAY - timedelta(days=2), end=DAY + timedelta(days=2),
            returned_on=DAY, closed_at=AFTER)], "excused"),
    ([known(decided_at=AFTER), known(start=DAY - timedelta(days=1))], "excused"),
])
def test_a_verdict_is_decided_from_the_leave_known_when_it_was_recorded(
        leaves: list[LeaveAsKnown], expected: str) -> None:
    assert verdict_then("presence", "not_confirmed", DAY, RECORDED, leaves) == expected


@pytest.mark.parametrize(("kind", "outcome", "expected"), [
    ("visit", "not_confirmed", "fail"),  # leave never excuses a forged visit
    ("presence", "confirmed", "pass"),
    ("presence", "unreachable", "no_contact"),
])
def test_leave_known_then_matters_only_to_absences(kind: str, outcome: str,
                                                   expected: str) -> None:
    assert verdict_then(kind, outcome, DAY, RECORDED, [known()]) == expected


@pytest.mark.parametrize(("recorded", "appeal", "standing", "appealable"), [
    ("fail", None, "fail", True),
    ("fail", "pending", "fail", True),  # until the county decides, the finding stands
    ("fail", "rejected", "fail", True),
    ("fail", "upheld", "excused_on_appeal", True),
    ("pass", "upheld", "pass", False),  # only a failure is appealed
    ("excused", None, "excused", False),
    ("no_contact", None, "no_contact", False),
])
def test_an_upheld_appeal_excuses_a_failure_and_nothing_else(
        recorded: str, appeal: str | None, standing: str, appealable: bool) -> None:
    assert standing_verdict(recorded, appeal) == standing  # type: ignore[arg-type]
    assert may_appeal(recorded) is appealable  # type: ignore[arg-type]


def test_excused_on_appeal_is_a_check_and_not_serious() -> None:
    assert is_check("excused_on_appeal") and not is_serious("excused_on_appeal")
