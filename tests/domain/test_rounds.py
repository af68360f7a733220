"""Table tests for duties over several villages (巡村, seed 003): an envoy's weekly visit
to each village, a district secretary's fixed day and monthly round."""

from __future__ import annotations

from datetime import date

import pytest

from checkin.domain import rounds
from checkin.domain.rounds import Term, Visit

# November 2026: Sunday 1st to Monday 30th. Its ISO weeks (Thursday in November) start on
# Mondays 2, 9, 16, 23 (the week of 30 Nov has its Thursday on 3 Dec: December's).
NOV = (2026, 11)
AFTER_NOV = date(2026, 12, 10)
ALL_YEAR = Term(date(2026, 1, 1))


@pytest.mark.parametrize(("year", "month", "mondays"), [
    (2026, 11, [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]),
    # 1 Jan 2026 is a Thursday: that week (from Mon 29 Dec 2025) is January's.
    (2026, 1, [date(2025, 12, 29), date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19),
               date(2026, 1, 26)]),
    # December 2026 holds the week of Mon 30 Nov (Thursday 3 Dec), up to Mon 28 Dec.
    (2026, 12, [date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 21),
                date(2026, 12, 28)]),
])
def test_a_month_holds_the_weeks_whose_thursday_is_in_it(year: int, month: int,
                                                          mondays: list[date]) -> None:
    assert rounds.weeks_of_month(year, month) == mondays


def test_every_week_of_a_year_is_in_exactly_one_month() -> None:
    weeks = [m for month in range(1, 13) for m in rounds.weeks_of_month(2026, month)]
    assert len(weeks) == len(set(weeks)) == 53  # 2026 has 53 ISO weeks


@pytest.mark.parametrize(("first", "last", "term", "today", "met", "state"), [
    # a whole week in force, ended
    (date(2026, 11, 9), date(2026, 11, 15), Term(date(2026, 1, 1)), AFTER_NOV, True, "met"),
    (date(2026, 11, 9), date(2026, 11, 15), Term(date(2026, 1, 1)), AFTER_NOV, False, "missed"),
    # the week holding today is open until it ends; met as soon as the visit is made
    (date(2026, 11, 9), date(2026, 11, 15), Term(date(2026, 1, 1)), date(2026, 11, 15), False,
     "open"),
    (date(2026, 11, 9), date(2026, 11, 15), Term(date(2026, 1, 1)), date(2026, 11, 10), True,
     "met"),
    # a week still to come
    (date(2026, 11, 23), date(2026, 11, 29), Term(date(2026, 1, 1)), date(2026, 11, 10), False,
     "open"),
    # the duty began on Wednesday: that week is partial, never missed
    (date(2026, 11, 9), date(2026, 11, 15), Term(date(2026, 11, 11)), AFTER_NOV, False,
     "partial"),
    (date(2026, 11, 9), date(2026, 11, 15), Term(date(2026, 11, 11)), AFTER_NOV, True, "met"),
    # the duty ended on Friday
    (date(2026, 11, 9), date(2026, 11, 15), Term(date(2026, 1, 1), date(2026, 11, 13)),
     AFTER_NOV, False, "partial"),
    # before the duty began, after it ended
    (date(2026, 11, 2), date(2026, 11, 8), Term(date(2026, 11, 11)), AFTER_NOV, False,
     "not_in_force"),
    (date(2026, 11, 16), date(2026, 11, 22), Term(date(2026, 1, 1), date(2026, 11, 13)),
     AFTER_NOV, False, "not_in_force"),
    # a duty ending on the week's last day covers it
    (date(2026, 11, 9), date(2026, 11, 15), Term(date(2026, 11, 9), date(2026, 11, 15)),
     AFTER_NOV, False, "missed"),
])
def test_a_period_is_judged_whole(first: date, last: date, term: Term, today: date, met: bool,
                                  state: str) -> None:
    assert rounds.judge(first, last, term, today, met) == state


def _envoy(visits: list[Visit], *, term: Term = ALL_YEAR, today: date = AFTER_NOV,
           per_week: int = 1) -> rounds.DutyMonth:
    return rounds.duty_month("envoy", [1, 2], term, *NOV, visits, today,
                             envoy_per_week=per_week)


EVERY_WEEK_BOTH = [Visit(v, date(2026, 11, d)) for v in (1, 2) for d in (3, 10, 17, 24)]


@pytest.mark.parametrize(("visits", "per_week", "today", "missed", "state"), [
    (EVERY_WEEK_BOTH, 1, AFTER_NOV, 0, "on_track"),
    # village 2 was not visited in the week of 16 Nov
    ([v for v in EVERY_WEEK_BOTH if v != Visit(2, date(2026, 11, 17))], 1, AFTER_NOV, 1,
     "behind"),
    # two visits to one village on one week do not make up for the other village
    ([Visit(1, date(2026, 11, d)) for d in (3, 4, 10, 11, 17, 18, 24, 25)], 1, AFTER_NOV, 4,
     "behind"),
    # twice a week wanted: one visit a week misses every week of both villages
    (EVERY_WEEK_BOTH, 2, AFTER_NOV, 8, "behind"),
    # a visit on Sunday 1 Nov is in the week of 26 Oct: October's, not November's
    ([Visit(1, date(2026, 11, 1))], 1, AFTER_NOV, 8, "behind"),
    # mid-month: the weeks ended are judged, the current and later ones are open
    ([Visit(v, date(2026, 11, d)) for v in (1, 2) for d in (3, 10)], 1, date(2026, 11, 18), 0,
     "on_track"),
    ([Visit(1, date(2026, 11, 3))], 1, date(2026, 11, 18), 3, "behind"),
    # nothing yet at the start of the first week
    ([], 1, date(2026, 11, 2), 0, "none"),
])
def test_an_envoy_visits_each_village_every_week(visits: list[Visit], per_week: int,
                                                  today: date, missed: int, state: str) -> None:
    month = _envoy(visits, per_week=per_week, today=today)
    assert month.missed == missed
    assert month.state == state


def test_visits_outside_the_duty_or_its_villages_are_not_the_duty_s() -> None:
    term = Term(date(2026, 11, 9), date(2026, 11, 22))
    visits = [Visit(1, date(2026, 11, 3)),   # before the duty
              Visit(3, date(2026, 11, 10)),  # another village
              Visit(1, date(2026, 11, 10)), Visit(2, date(2026, 11, 11)),
              Visit(1, date(2026, 11, 17)), Visit(2, date(2026, 11, 18)),
              Visit(1, date(2026, 11, 24))]  # after it ended
    month = _envoy(visits, term=term)
    assert [[w.state for w in v.weeks] for v in month.villages] == [
        ["not_in_force", "met", "met", "not_in_force"]] * 2
    assert [v.visits for v in month.villages] == [2, 2]
    assert month.state == "on_track"
    assert month.villages[0].last_visit == date(2026, 11, 17)


def _district(visits: list[Visit], *, weekday: int = 2, today: date = AFTER_NOV,
              term: Term = ALL_YEAR) -> rounds.DutyMonth:
    return rounds.duty_month("district_secretary", [1, 2, 3], term, *NOV, visits, today,
                             weekday=weekday)


WEDNESDAYS = [4, 11, 18, 25]


@pytest.mark.parametrize(("visits", "today", "fixed", "months", "state"), [
    # every Wednesday in one village, and every village once in the month
    ([Visit(1, date(2026, 11, d)) for d in WEDNESDAYS] + [Visit(2, date(2026, 11, 5)),
                                                          Visit(3, date(2026, 11, 30))],
     AFTER_NOV, ["met"] * 4, ["met"] * 3, "on_track"),
    # on site on Thursdays instead of the fixed Wednesday
    ([Visit(v, date(2026, 11, d)) for v in (1, 2, 3) for d in (5, 12, 19, 26)],
     AFTER_NOV, ["missed"] * 4, ["met"] * 3, "behind"),
    # every Wednesday, but village 3 never in the month
    ([Visit(1 + n % 2, date(2026, 11, d)) for n, d in enumerate(WEDNESDAYS)],
     AFTER_NOV, ["met"] * 4, ["met", "met", "missed"], "behind"),
    # mid-month: the month is open for the village not yet visited
    ([Visit(1, date(2026, 11, 4)), Visit(2, date(2026, 11, 11))], date(2026, 11, 16),
     ["met", "met", "open", "open"], ["met", "met", "open"], "on_track"),
    # a Wednesday visit on 2 Dec belongs to December's week, and to no village's November
    ([Visit(1, date(2026, 12, 2))], AFTER_NOV, ["missed"] * 4, ["missed"] * 3, "behind"),
])
def test_a_district_secretary_has_a_fixed_day_and_a_monthly_round(
        visits: list[Visit], today: date, fixed: list[str], months: list[str],
        state: str) -> None:
    month = _district(visits, today=today)
    assert [w.state for w in month.fixed_days] == fixed
    assert [v.month_state for v in month.villages] == months
    assert month.state == state


def test_a_district_begun_mid_month_is_not_behind_for_the_month() -> None:
    month = _district([Visit(1, date(2026, 11, 18)), Visit(1, date(2026, 11, 25))],
                      term=Term(date(2026, 11, 16)))
    assert [w.state for w in month.fixed_days] == ["not_in_force", "not_in_force", "met", "met"]
    assert [v.month_state for v in month.villages] == ["met", "partial", "partial"]
    assert month.state == "on_track"


@pytest.mark.parametrize(("kind", "townships", "counties", "problem"), [
    ("envoy", [10, 11], [5, 5], None),
    ("envoy", [10, 11], [5, 6], "round_one_county"),
    ("district_secretary", [10, 10, 10], [5, 5, 5], None),
    ("district_secretary", [10, 11], [5, 5], "round_district_one_township"),
    ("envoy", [], [], "round_no_villages"),
])
def test_the_villages_of_one_duty(kind: str, townships: list[int], counties: list[int],
                                  problem: str | None) -> None:
    assert rounds.check_villages(kind, townships, counties) == problem


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        rounds.duty_month("inspector", [1], Term(date(2026, 1, 1)), *NOV, [], AFTER_NOV)
