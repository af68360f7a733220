"""What a spot-check result establishes, and which answers a result may carry."""

from __future__ import annotations

import pytest

from checkin.domain.findings import Counts, count, is_check, is_serious, result_problems, verdict


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
