"""Table tests for the opening balance at go-live (开账前天数): a county that starts in the
year has no records before go-live; the balance stands for those days, the records count
from go-live on, and no day before go-live is absent."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from checkin.domain.attendance import (
    LeaveSpan,
    OpeningBalance,
    days_before_go_live,
    validate_opening,
    yearly_ledger,
)
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

POLICY = Policy()  # 200 days a year, official and training count, 28-day forecast window
TODAY = date(2026, 12, 20)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def every_day(start: date, end: date) -> set[date]:
    return {start + timedelta(days=i) for i in range((end - start).days + 1)}


DEC = every_day(d(12, 1), d(12, 19))  # on post every day since go-live on 1 December
GO_LIVE_DEC = OpeningBalance(d(12, 1), on_post_days=180, official_days=5, training_days=4,
                             leave_days=10)


@pytest.mark.parametrize(
    "balance, on_post, official, training, leave, absent, counted, opening",
    [
        # no balance: every day from 1 January without a record is absent
        (None, 19, 0, 0, 0, 334, 19, 0),
        # go-live on 1 December: the 334 days before it are the balance, none absent
        (GO_LIVE_DEC, 199, 5, 4, 10, 0, 208, 189),
        # an empty balance: the days before go-live are neither counted nor absent
        (OpeningBalance(d(12, 1)), 19, 0, 0, 0, 0, 19, 0),
        # only leave before go-live: shown, never counted
        (OpeningBalance(d(12, 1), leave_days=30), 19, 0, 0, 30, 0, 19, 0),
        # a balance of another year changes nothing in this one
        (OpeningBalance(d(12, 1, 2025), on_post_days=20), 19, 0, 0, 0, 334, 19, 0),
    ])
def test_the_balance_stands_for_the_days_before_go_live(
        balance, on_post, official, training, leave, absent, counted, opening) -> None:
    got = yearly_ledger(2026, DEC, [], d(1, 1), None, TODAY, POLICY, balance)
    assert (got.on_post_days, got.official_days, got.training_days, got.leave_days,
            got.absent_days, got.counted_days, got.opening_days) == (
        on_post, official, training, leave, absent, counted, opening)
    assert got.target_days == 200  # the whole year's target, whatever the go-live


@pytest.mark.parametrize(
    "policy, counted",
    [(POLICY, 189 + 19),
     (Policy(official_leave_counts=False), 184 + 19),
     (Policy(official_leave_counts=False, training_leave_counts=False), 180 + 19)])
def test_the_balance_counts_what_the_policy_counts(policy: Policy, counted: int) -> None:
    assert yearly_ledger(2026, DEC, [], d(1, 1), None, TODAY, policy,
                         GO_LIVE_DEC).counted_days == counted


def test_the_forecast_runs_at_the_pace_since_go_live() -> None:
    """19 of 19 days on post since go-live: the 12 days left (today included, not yet
    counted) at that pace, plus the balance."""
    got = yearly_ledger(2026, DEC, [], d(1, 1), None, TODAY, POLICY, GO_LIVE_DEC)
    assert got.forecast_days == 189 + 19 + 12 and got.on_pace
    half = {day for day in DEC if day.day % 2}  # every other day since go-live
    slow = yearly_ledger(2026, half, [], d(1, 1), None, TODAY, POLICY,
                         OpeningBalance(d(12, 1), on_post_days=150))
    assert slow.counted_days == 150 + 10 and slow.absent_days == 9
    assert slow.forecast_days == 150 + 10 + 10 * 12 // 19 and not slow.on_pace


def test_records_before_go_live_give_way_to_the_balance() -> None:
    """Check-ins made while testing the service in November are not counted twice: from
    go-live on the records count, before it the balance."""
    tried = every_day(d(11, 20), d(11, 30)) | DEC
    got = yearly_ledger(2026, tried, [], d(1, 1), None, TODAY, POLICY, GO_LIVE_DEC)
    assert got.on_post_days == 199


def test_leave_after_go_live_counts_as_leave() -> None:
    sick = [LeaveSpan("sick", d(12, 10), d(12, 12), "approved")]
    days = DEC - every_day(d(12, 10), d(12, 12))
    got = yearly_ledger(2026, days, sick, d(1, 1), None, TODAY, POLICY, GO_LIVE_DEC)
    assert (got.on_post_days, got.leave_days, got.absent_days) == (196, 13, 0)


@pytest.mark.parametrize(
    "term_start, term_end, go_live, most",
    [(d(1, 1), None, d(12, 1), 334),
     (d(1, 1), None, d(1, 1), 0),  # live from the first day: nothing before
     (d(6, 1), None, d(12, 1), 183),  # a term begun in June
     (d(1, 1), d(3, 31), d(12, 1), 90),  # a term that ended before go-live
     (d(12, 15), None, d(12, 1), 0),  # a term begun after go-live
     (d(7, 1, 2025), d(6, 30, 2027), d(3, 1), 59)])
def test_a_balance_holds_at_most_the_terms_days_before_go_live(
        term_start: date, term_end: date | None, go_live: date, most: int) -> None:
    assert days_before_go_live(2026, go_live, term_start, term_end) == most


@pytest.mark.parametrize(
    "balance, code",
    [(OpeningBalance(d(12, 1), on_post_days=334), None),
     (OpeningBalance(d(12, 1), on_post_days=300, leave_days=34), None),
     # inflated: more days than the calendar had before go-live
     (OpeningBalance(d(12, 1), on_post_days=335), "opening_too_many_days"),
     (OpeningBalance(d(12, 1), on_post_days=300, official_days=20, leave_days=15),
      "opening_too_many_days"),
     (OpeningBalance(d(1, 1), on_post_days=1), "opening_too_many_days"),
     (OpeningBalance(d(12, 1), on_post_days=-5), "opening_bad_days"),
     (OpeningBalance(d(12, 1), training_days=400), "opening_bad_days"),
     (OpeningBalance(d(12, 1, 2025)), "opening_go_live_outside_year")])
def test_which_balances_can_be_true(balance: OpeningBalance, code: str | None) -> None:
    if code is None:
        validate_opening(balance, 2026, d(1, 1), None)
        return
    with pytest.raises(Refusal) as refused:
        validate_opening(balance, 2026, d(1, 1), None)
    assert refused.value.code == code


def test_a_team_begun_after_go_live_has_no_balance_to_claim() -> None:
    with pytest.raises(Refusal):
        validate_opening(OpeningBalance(d(12, 1), on_post_days=10), 2026, d(12, 5), None)
