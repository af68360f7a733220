"""The annual assessment's rules: the ceiling a year's records allow, Guangxi's steps for
absences without leave, and what recording the county's grade takes."""

from __future__ import annotations

import dataclasses

import pytest

from checkin.domain.assessment import (
    YearRecords,
    absence_ceiling,
    check_decision,
    is_above,
    may_decide,
    opens_on_month,
    sheet,
)
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

GUANGXI = Policy()
STRICT = dataclasses.replace(GUANGXI, assessment_absences_no_excellent=1,
                             assessment_absences_basic=1, assessment_absences_incompetent=2)
LENIENT = dataclasses.replace(GUANGXI, assessment_absences_no_excellent=2,
                              assessment_absences_basic=0, assessment_absences_incompetent=5)
GOOD_YEAR = YearRecords(counted_days=210, forecast_days=210, target_days=200)


@pytest.mark.parametrize(("absences", "policy", "ceiling"), [
    (0, GUANGXI, "excellent"),
    (1, GUANGXI, "competent"),      # 1: no commendation
    (2, GUANGXI, "basic"),          # 2: at most 基本称职
    (3, GUANGXI, "incompetent"),    # 3: 不称职
    (7, GUANGXI, "incompetent"),
    (1, STRICT, "basic"),
    (2, STRICT, "incompetent"),
    (1, LENIENT, "excellent"),
    (2, LENIENT, "competent"),      # the 基本称职 step is off
    (4, LENIENT, "competent"),
    (5, LENIENT, "incompetent"),
])
def test_absences_without_leave_cap_the_grade(absences: int, policy: Policy,
                                               ceiling: str) -> None:
    assert absence_ceiling(absences, policy) == ceiling
    found = sheet(dataclasses.replace(GOOD_YEAR, absences_without_leave=absences), policy)
    assert found.ceiling == ceiling


@pytest.mark.parametrize(("records", "ceiling", "codes"), [
    (GOOD_YEAR, "excellent", []),
    (dataclasses.replace(GOOD_YEAR, counted_days=199), "competent", ["short_of_days"]),
    (dataclasses.replace(GOOD_YEAR, year_over=False, counted_days=150, forecast_days=199),
     "competent", ["forecast_short"]),
    (dataclasses.replace(GOOD_YEAR, year_over=False, counted_days=150, forecast_days=200),
     "excellent", []),
    (dataclasses.replace(GOOD_YEAR, yellow_cards=1), "competent", ["yellow_cards"]),
    (dataclasses.replace(GOOD_YEAR, denied_visits=1), "competent", ["denied_visits"]),
    (dataclasses.replace(GOOD_YEAR, warning_talks=2), "excellent", ["warning_talks"]),
    (dataclasses.replace(GOOD_YEAR, red_flags=3), "excellent", ["red_flags"]),
    (dataclasses.replace(GOOD_YEAR, absences_without_leave=2, counted_days=120,
                         yellow_cards=2), "basic",
     ["absences_without_leave", "short_of_days", "yellow_cards"]),
])
def test_the_lowest_ceiling_of_the_flags_wins(records: YearRecords, ceiling: str,
                                               codes: list[str]) -> None:
    found = sheet(records, GUANGXI)
    assert found.ceiling == ceiling
    assert [f.code for f in found.flags] == codes


@pytest.mark.parametrize(("policy", "records", "ceiling"), [
    (dataclasses.replace(GUANGXI, assessment_short_days_no_excellent=False),
     dataclasses.replace(GOOD_YEAR, counted_days=10), "excellent"),
    (dataclasses.replace(GUANGXI, assessment_yellow_cards_no_excellent=0),
     dataclasses.replace(GOOD_YEAR, yellow_cards=4), "excellent"),
    (dataclasses.replace(GUANGXI, assessment_yellow_cards_no_excellent=2),
     dataclasses.replace(GOOD_YEAR, yellow_cards=1), "excellent"),
    (dataclasses.replace(GUANGXI, assessment_denied_visits_no_excellent=0),
     dataclasses.replace(GOOD_YEAR, denied_visits=1), "excellent"),
])
def test_each_rule_is_a_setting(policy: Policy, records: YearRecords, ceiling: str) -> None:
    found = sheet(records, policy)
    assert found.ceiling == ceiling
    assert found.flags, "a rule turned off still shows its flag"


@pytest.mark.parametrize(("grade", "ceiling", "above"), [
    ("excellent", "excellent", False), ("excellent", "competent", True),
    ("competent", "basic", True), ("basic", "competent", False),
    ("incompetent", "incompetent", False), ("basic", "incompetent", True),
])
def test_above_the_ceiling(grade: str, ceiling: str, above: bool) -> None:
    assert is_above(grade, ceiling) is above  # type: ignore[arg-type]


@pytest.mark.parametrize(("grade", "ceiling", "reason", "override", "code", "field"), [
    ("competent", "competent", "全年在岗，走访到位", "", None, None),
    ("basic", "competent", "工作一般", "", None, None),
    ("excellent", "competent", "表现突出", "", "assessment_above_ceiling", "override_reason"),
    ("excellent", "competent", "表现突出", "同意", "assessment_above_ceiling",
     "override_reason"),
    ("excellent", "competent", "表现突出", "脱岗当日经县领导电话同意赴县城开会，有会议记录为证",
     None, None),
    ("competent", "incompetent", "x", "  " * 20, "assessment_above_ceiling",
     "override_reason"),
    ("great", "excellent", "x", "", "assessment_grade_unknown", "grade"),
    ("competent", "excellent", "   ", "", "assessment_reason_required", "reason"),
    ("competent", "excellent", "x" * 2001, "", "invalid_text", "reason"),
])
def test_what_a_decision_takes(grade: str, ceiling: str, reason: str, override: str,
                               code: str | None, field: str | None) -> None:
    if code is None:
        assert check_decision(grade, ceiling, reason, override) == grade  # type: ignore[arg-type]
        return
    with pytest.raises(Refusal) as caught:
        check_decision(grade, ceiling, reason, override)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.field) == (code, field)


@pytest.mark.parametrize(("level", "role", "own", "allowed"), [
    ("county", "supervisor", False, True),
    ("city", "supervisor", False, True),
    ("province", "supervisor", False, True),
    ("township", "supervisor", False, False),
    (None, "admin", False, False),
    ("county", "cadre", True, False),
    ("county", "supervisor", True, False),
])
def test_who_grades(level: str | None, role: str, own: bool, allowed: bool) -> None:
    assert may_decide(level, role, is_the_cadre=own) is allowed


@pytest.mark.parametrize(("year", "today", "opens"), [
    (2026, (2026, 11), False), (2026, (2026, 12), True), (2026, (2027, 1), True),
    (2027, (2026, 12), False),
])
def test_a_year_is_graded_from_its_last_month(year: int, today: tuple[int, int],
                                              opens: bool) -> None:
    assert opens_on_month(year, today[0], today[1], GUANGXI) is opens
