"""Table tests for attendance: day categories, the 200-day ledger, the calendar and leave."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from checkin.domain.attendance import (
    MAX_LEAVE_DAYS,
    LeaveSpan,
    approver_level,
    classify_days,
    day_has_ended,
    is_approved_after_start,
    is_return_backdated,
    is_return_overdue,
    is_same_day,
    leave_transition,
    month_grid,
    month_target,
    open_leave_on,
    prorated_target,
    validate_leave_request,
    validate_return,
    yearly_ledger,
)
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

POLICY = Policy()  # 200 days a year, 4 training days, 28-day forecast window, township <= 3
TODAY = date(2026, 11, 22)
TOMORROW = TODAY + timedelta(days=1)


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


def days(start: date, end: date, step: int = 1) -> set[date]:
    return {start + timedelta(days=i) for i in range(0, (end - start).days + 1, step)}


def leave(kind: str, start: date, end: date, status: str = "approved", returned_on=None):
    return LeaveSpan(kind, start, end, status, returned_on)


# --- what each day is -----------------------------------------------------------------

BACK_ON_20TH = leave("personal", d(11, 18), d(11, 25), "closed", returned_on=d(11, 20))
PERSONAL_19_21 = leave("personal", d(11, 19), d(11, 21))
OFFICIAL_20 = leave("official", d(11, 20), d(11, 20))


@pytest.mark.parametrize(
    "day, on_post, leaves, category",
    [
        (d(11, 20), True, [], "on_post"),
        (d(11, 20), False, [], "absent"),
        (d(11, 20), True, [PERSONAL_19_21], "on_post"),  # on post wins over leave
        (d(11, 20), False, [PERSONAL_19_21], "leave"),
        (d(11, 20), False, [leave("sick", d(11, 20), d(11, 20))], "leave"),
        (d(11, 20), False, [OFFICIAL_20], "official"),
        (d(11, 20), False, [leave("training", d(11, 18), d(11, 20))], "training"),
        (d(11, 20), False, [leave("personal", d(11, 19), d(11, 21), "pending")], "absent"),
        (d(11, 20), False, [leave("personal", d(11, 19), d(11, 21), "rejected")], "absent"),
        (d(11, 20), False, [leave("personal", d(11, 19), d(11, 21), "closed", d(11, 22))], "leave"),
        # closed early: back on the 20th, so the 20th itself is no longer leave
        (d(11, 19), False, [BACK_ON_20TH], "leave"),
        (d(11, 20), False, [BACK_ON_20TH], "absent"),
        # overlapping approved leave (legacy data): the most favourable kind wins
        (d(11, 20), False, [PERSONAL_19_21, OFFICIAL_20], "official"),
        (TODAY, False, [], "pending"),  # today, not yet checked in: the day still runs
        (TODAY, False, [leave("personal", TODAY, TODAY, "pending")], "pending"),
        (TODAY, False, [leave("sick", TODAY, TODAY)], "leave"),
        (TODAY, True, [], "on_post"),
        (d(11, 23), True, [], "future"),
        (d(11, 23), False, [leave("personal", d(11, 23), d(11, 24))], "future"),
    ],
)
def test_each_day_is_on_post_leave_or_absent_and_after_today_future(day, on_post, leaves, category):
    result = classify_days({day} if on_post else set(), leaves, d(11, 1), d(11, 30), TODAY)
    assert result[day] == category


@pytest.mark.parametrize(
    "day, today, ended",
    [
        (d(11, 21), TODAY, True),  # yesterday: over at local midnight
        (TODAY, TODAY, False),  # today runs to local midnight, whatever the hour
        (TOMORROW, TODAY, False),
        (d(12, 31, 2025), d(1, 1), True),  # across the year
    ],
)
def test_a_day_ends_at_the_end_of_the_local_day(day, today, ended):
    assert day_has_ended(day, today) is ended


@pytest.mark.parametrize(
    "on_post, leaves, today_category, absent_days, pending_days",
    [
        (set(), [], "pending", 21, 1),  # 06:00, nothing yet: 21 days absent, today pending
        ({TODAY}, [], "on_post", 21, 0),
        (set(), [leave("official", TODAY, TODAY)], "official", 21, 0),
    ],
)
def test_today_is_not_absent_before_the_day_ends(on_post, leaves, today_category,
                                                  absent_days, pending_days):
    assert classify_days(on_post, leaves, d(11, 1), d(11, 30), TODAY)[TODAY] == today_category
    ledger = yearly_ledger(2026, on_post, leaves, d(11, 1), None, TODAY, POLICY)
    assert (ledger.absent_days, ledger.pending_days) == (absent_days, pending_days)
    # the next day, today is over: absent if nothing came; tomorrow is the pending one
    after = yearly_ledger(2026, on_post, leaves, d(11, 1), None, TOMORROW, POLICY)
    assert (after.absent_days, after.pending_days) == (absent_days + pending_days, 1)


def test_a_pending_today_is_still_to_come_in_the_forecast():
    # On post every day of the last four weeks until yesterday; 06:00 today, nothing yet.
    on_post = days(d(10, 25), d(11, 21))
    ledger = yearly_ledger(2026, on_post, [], d(10, 25), None, TODAY, POLICY)
    # the pace of the 28 days that ended (all on post) times today and the 39 days after it
    assert (ledger.counted_days, ledger.remaining_days, ledger.pending_days) == (28, 39, 1)
    assert ledger.forecast_days == 28 + 40
    # at midnight today ends absent: the 28 days that ended then hold 27 on post
    after = yearly_ledger(2026, on_post, [], d(10, 25), None, TOMORROW, POLICY)
    assert (after.absent_days, after.pending_days) == (1, 1)
    assert after.forecast_days == 28 + 27 * 39 // 28


def test_classify_covers_every_day_of_the_range():
    result = classify_days(set(), [], d(11, 1), d(11, 30), TODAY)
    assert list(result) == sorted(days(d(11, 1), d(11, 30)))
    assert classify_days(set(), [], d(11, 2), d(11, 1), TODAY) == {}


# --- the target, pro-rated to the term ------------------------------------------------


@pytest.mark.parametrize(
    "year, term_start, term_end, target_days, training_target",
    [
        (2026, d(3, 1, 2025), None, 200, 4),  # the whole year inside the term
        (2026, d(1, 1), d(12, 31), 200, 4),
        (2026, d(7, 1), None, 101, 3),  # 184/365 of the year: 100.8 -> 101, 2.02 -> 3
        (2026, d(1, 1), d(6, 30), 100, 2),  # 181/365: 99.2 -> 100, 1.98 -> 2
        (2026, d(12, 31), None, 1, 1),  # one day still owes a (rounded up) day
        (2026, d(3, 1, 2024), d(12, 31, 2025), 0, 0),  # term over before the year began
        (2026, d(1, 1, 2027), None, 0, 0),  # term begins after the year
        (2028, d(1, 1, 2028), None, 200, 4),  # leap year
        (2028, d(7, 1, 2028), None, 101, 3),  # 184/366: 100.5 -> 101
    ],
)
def test_target_is_prorated_by_the_share_of_the_year_in_the_term_rounded_up(
    year, term_start, term_end, target_days, training_target
):
    ledger = yearly_ledger(year, set(), [], term_start, term_end, TODAY, POLICY)
    assert (ledger.target_days, ledger.training_target) == (target_days, training_target)


@pytest.mark.parametrize(
    "year, month, target",
    [
        (2026, 4, 17),  # 200 × 30/365 = 16.4: rounded up, as the year's target is (not 16)
        (2026, 6, 17),
        (2026, 1, 17),  # 200 × 31/365 = 16.99
        (2026, 2, 16),  # 200 × 28/365 = 15.3
        (2028, 2, 16),  # 200 × 29/366 = 15.8, a leap year
        (2028, 12, 17),  # 200 × 31/366 = 16.9
    ],
)
def test_a_months_target_is_the_years_prorated_to_its_days_rounded_up(year, month, target):
    assert month_target(year, month, POLICY) == target


@pytest.mark.parametrize(
    "per_year, days, year, target",
    [
        (200, 365, 2026, 200),
        (200, 0, 2026, 0),
        (200, 73, 2026, 40),  # exactly 40: no rounding
        (200, 74, 2026, 41),  # 40.5
        (4, 1, 2026, 1),  # any share of a training day is a day to do
        (200, 183, 2028, 100),  # 100.0 in a leap year, exactly
    ],
)
def test_prorating_rounds_up_in_exact_arithmetic(per_year, days, year, target):
    assert prorated_target(per_year, days, year) == target


# --- counting days --------------------------------------------------------------------

TEN_DAYS = {
    "on_post": days(d(1, 1), d(1, 6)),
    "leaves": [
        leave("official", d(1, 7), d(1, 7)),
        leave("training", d(1, 8), d(1, 8)),
        leave("personal", d(1, 9), d(1, 9)),
    ],
}  # and January 10th, today, nothing yet


@pytest.mark.parametrize(
    "policy, counted_days",
    [
        (Policy(), 8),  # on post 6 + official 1 + training 1
        (Policy(official_leave_counts=False), 7),
        (Policy(training_leave_counts=False), 7),
        (Policy(official_leave_counts=False, training_leave_counts=False), 6),
    ],
)
def test_counted_days_are_on_post_plus_official_and_training_when_policy_says(policy, counted_days):
    ledger = yearly_ledger(
        2026, TEN_DAYS["on_post"], TEN_DAYS["leaves"], d(1, 1), None, d(1, 10), policy
    )
    assert (
        ledger.on_post_days,
        ledger.official_days,
        ledger.training_days,
        ledger.leave_days,
        ledger.absent_days,
    ) == (6, 1, 1, 1, 0)  # January 10th is today: not yet absent, still to come
    assert ledger.pending_days == 1
    assert ledger.counted_days == counted_days


# --- forecast and pace ----------------------------------------------------------------


@pytest.mark.parametrize(
    "case, on_post, term_start, today, counted, remaining, forecast, on_pace",
    [
        # every day so far: 181 + 184 still to come
        ("all days", days(d(1, 1), d(6, 30)), d(1, 1), d(6, 30), 181, 184, 365, True),
        # strong start, nothing for the last month: the recent pace is zero
        ("stopped", days(d(1, 1), d(5, 30)), d(1, 1), d(6, 30), 150, 184, 150, False),
        # every other day in the last 28: 14 + 14/28 × 184
        ("half", days(d(6, 3), d(6, 30), 2), d(1, 1), d(6, 30), 14, 184, 106, False),
        # term started ten days ago: the window is those ten days, target 107 (194/365)
        ("new term", days(d(6, 21), d(6, 30)), d(6, 21), d(6, 30), 10, 184, 194, True),
        # January 3rd: the window reaches back into last December
        (
            "new year",
            days(d(12, 1, 2025), d(1, 3)),
            d(1, 1, 2025),
            d(1, 3),
            3,
            362,
            365,
            True,
        ),
        # term not started yet: no pace to judge, assume every remaining day
        ("not started", set(), d(12, 1), TODAY, 0, 31, 31, True),
    ],
)
def test_forecast_is_counted_so_far_plus_recent_pace_times_remaining_days(
    case, on_post, term_start, today, counted, remaining, forecast, on_pace
):
    ledger = yearly_ledger(2026, on_post, [], term_start, None, today, POLICY)
    assert (ledger.counted_days, ledger.remaining_days) == (counted, remaining)
    assert (ledger.forecast_days, ledger.on_pace) == (forecast, on_pace)


def test_on_pace_when_the_forecast_just_reaches_the_target():
    # 200 days so far, nothing lately: the forecast is exactly the target
    ledger = yearly_ledger(2026, days(d(1, 1), d(7, 19)), [], d(1, 1), None, d(8, 31), POLICY)
    assert (ledger.counted_days, ledger.forecast_days, ledger.on_pace) == (200, 200, True)
    ledger = yearly_ledger(2026, days(d(1, 2), d(7, 19)), [], d(1, 1), None, d(8, 31), POLICY)
    assert (ledger.forecast_days, ledger.on_pace) == (199, False)


def test_counted_official_leave_keeps_the_pace():
    official = [leave("official", d(6, 1), d(6, 30))]
    ledger = yearly_ledger(2026, days(d(1, 1), d(5, 31)), official, d(1, 1), None, d(6, 30), POLICY)
    assert (ledger.counted_days, ledger.forecast_days) == (181, 365)
    strict = Policy(official_leave_counts=False)
    ledger = yearly_ledger(2026, days(d(1, 1), d(5, 31)), official, d(1, 1), None, d(6, 30), strict)
    assert (ledger.counted_days, ledger.forecast_days) == (151, 151)


@pytest.mark.parametrize(
    "year, term_end, absent_days, remaining",
    [
        (2025, None, 365, 0),  # a past year: nothing remains, forecast = counted
        (2026, d(6, 30), 181, 0),  # term ended: days after it are neither absent nor to come
    ],
)
def test_closed_periods_forecast_what_was_counted(year, term_end, absent_days, remaining):
    ledger = yearly_ledger(year, set(), [], d(1, 1, 2025), term_end, TODAY, POLICY)
    assert (ledger.absent_days, ledger.remaining_days) == (absent_days, remaining)
    assert ledger.forecast_days == ledger.counted_days == 0
    assert ledger.on_pace is False


# --- the month calendar ---------------------------------------------------------------


def test_month_grid_is_monday_first_weeks_with_blanks_outside_the_month():
    grid = month_grid(2026, 11, set(), [], d(1, 1), None, TODAY)
    assert (grid.year, grid.month, len(grid.weeks)) == (2026, 11, 6)
    assert all(len(week) == 7 for week in grid.weeks)
    assert grid.weeks[0][:6] == (None,) * 6  # November 1st 2026 is a Sunday
    assert grid.weeks[0][6].day == d(11, 1)
    assert grid.weeks[-1][0].day == d(11, 30) and grid.weeks[-1][1:] == (None,) * 6


@pytest.mark.parametrize(
    "day, category",
    [
        (d(11, 9), "outside_term"),  # term starts November 10th
        (d(11, 10), "on_post"),
        (d(11, 11), "leave"),
        (d(11, 12), "absent"),
        (d(11, 22), "on_post"),  # today
        (d(11, 23), "future"),
        (d(11, 26), "future"),  # the term's last day
        (d(11, 27), "outside_term"),  # after the term, even though in the future
    ],
)
def test_month_grid_days_carry_their_category(day, category):
    on_post = {d(11, 10), d(11, 22)}
    leaves = [leave("personal", d(11, 11), d(11, 11))]
    grid = month_grid(2026, 11, on_post, leaves, d(11, 10), d(11, 26), TODAY)
    cells = {cell.day: cell.category for week in grid.weeks for cell in week if cell}
    assert len(cells) == 30
    assert cells[day] == category


# --- asking for leave -----------------------------------------------------------------

PENDING_25_30 = leave("personal", d(11, 25), d(11, 30), "pending")
SICK_20_24 = leave("sick", d(11, 20), d(11, 24))
REJECTED_20_24 = leave("sick", d(11, 20), d(11, 24), "rejected")
CLOSED_18_30_BACK_22 = leave("sick", d(11, 18), d(11, 30), "closed", returned_on=d(11, 22))


@pytest.mark.parametrize(
    "kind, start, end, existing, code",
    [
        ("personal", d(11, 23), d(11, 25), [], None),
        # asked on its first day: only the kinds the policy allows (sick, urgent)
        ("personal", TODAY, TODAY, [], "leave_same_day_kind"),
        ("official", TODAY, TODAY + timedelta(days=1), [], "leave_same_day_kind"),
        ("sick", TODAY, TODAY, [], None),
        ("urgent", TODAY, TODAY, [], None),
        ("personal", TODAY + timedelta(days=1), TODAY + timedelta(days=1), [], None),
        ("urgent", d(11, 21), d(11, 23), [], "leave_backdated"),  # only sick, a day back
        ("vacation", d(11, 23), d(11, 25), [], "leave_bad_kind"),
        ("personal", d(11, 25), d(11, 23), [], "leave_dates_reversed"),
        ("personal", d(11, 21), d(11, 23), [], "leave_backdated"),  # asked for afterwards
        ("official", d(11, 21), d(11, 23), [], "leave_backdated"),
        ("sick", d(11, 21), d(11, 23), [], None),  # sick leave: one day back is allowed
        ("sick", d(11, 20), d(11, 23), [], "leave_backdated"),  # but not two
        # 90 days (from tomorrow: training is not asked on the day)
        ("training", TOMORROW, TOMORROW + timedelta(days=MAX_LEAVE_DAYS - 1), [], None),
        ("training", TOMORROW, TOMORROW + timedelta(days=MAX_LEAVE_DAYS), [],
         "leave_too_long"),
        ("personal", d(11, 24), d(11, 26), [PENDING_25_30], "leave_overlaps"),
        ("personal", d(11, 24), d(11, 26), [SICK_20_24], "leave_overlaps"),  # shares the 24th
        ("personal", d(11, 25), d(11, 26), [SICK_20_24], None),  # adjacent is fine
        ("personal", d(11, 24), d(11, 26), [REJECTED_20_24], None),
        # closed on return (the 22nd): its days up to the return still block, the rest are free
        ("sick", d(11, 21), d(11, 23), [CLOSED_18_30_BACK_22], "leave_overlaps"),
        ("sick", d(11, 22), d(11, 23), [CLOSED_18_30_BACK_22], None),
        # a withdrawn request blocks nothing
        ("personal", d(11, 25), d(11, 26), [leave("personal", d(11, 25), d(11, 30),
                                                  "withdrawn")], None),
    ],
)
def test_leave_is_asked_for_beforehand_not_too_long_and_not_overlapping(
    kind, start, end, existing, code
):
    if code is None:
        validate_leave_request(kind, start, end, TODAY, existing)
        return
    with pytest.raises(Refusal) as caught:
        validate_leave_request(kind, start, end, TODAY, existing)
    assert caught.value.code == code
    assert caught.value.field in ("kind", "start_date", "end_date")


@pytest.mark.parametrize(
    "days_, policy, level",
    [
        (1, Policy(), "township"),
        (3, Policy(), "township"),  # up to township_leave_max_days
        (4, Policy(), "county"),
        (90, Policy(), "county"),
        (5, Policy(township_leave_max_days=5), "township"),
    ],
)
def test_short_leave_goes_to_the_township_longer_to_the_county(days_, policy, level):
    assert approver_level(days_, policy) == level


def test_a_leave_lasts_at_least_a_day():
    with pytest.raises(ValueError):
        approver_level(0, POLICY)
    assert leave("personal", d(11, 23), d(11, 25)).days == 3


# --- the leave state machine ----------------------------------------------------------


@pytest.mark.parametrize(
    "status, target, allowed",
    [
        ("pending", "approved", True),
        ("pending", "rejected", True),
        ("pending", "withdrawn", True),  # the cadre takes the request back
        ("approved", "withdrawn", False),  # decided: too late to withdraw
        ("withdrawn", "approved", False),
        ("approved", "closed", True),  # 销假
        ("pending", "closed", False),
        ("pending", "pending", False),
        ("approved", "rejected", False),
        ("approved", "approved", False),
        ("rejected", "approved", False),
        ("rejected", "closed", False),
        ("closed", "approved", False),
        ("closed", "closed", False),
    ],
)
def test_leave_moves_pending_to_decided_and_approved_to_closed_only(status, target, allowed):
    if allowed:
        assert leave_transition(status, target) == target
        return
    with pytest.raises(Refusal) as caught:
        leave_transition(status, target)
    assert caught.value.code == "leave_bad_state"


@pytest.mark.parametrize(
    "status, end, overdue",
    [
        ("approved", TODAY - timedelta(days=1), True),  # should have been back today
        ("approved", TODAY, False),  # the last day of leave is today
        ("approved", TODAY + timedelta(days=3), False),
        ("closed", TODAY - timedelta(days=5), False),
        ("pending", TODAY - timedelta(days=5), False),
        ("rejected", TODAY - timedelta(days=5), False),
    ],
)
def test_return_is_overdue_when_approved_leave_ended_and_is_not_closed(status, end, overdue):
    assert is_return_overdue(leave("personal", d(11, 1), end, status), TODAY) is overdue


@pytest.mark.parametrize(
    "status, return_date, code",
    [
        ("approved", TODAY, None),
        ("approved", d(11, 12), None),  # back early
        ("approved", d(11, 10), None),  # back on the first day: no leave used
        ("approved", TODAY - timedelta(days=1), None),  # closed a day late, dated truly
        ("approved", TODAY + timedelta(days=1), "return_in_future"),
        ("approved", d(11, 9), "return_before_start"),
        ("pending", TODAY, "leave_bad_state"),
        ("rejected", TODAY, "leave_bad_state"),
        ("closed", TODAY, "leave_bad_state"),
    ],
)
def test_return_closes_approved_leave_on_a_day_not_in_the_future(status, return_date, code):
    span = leave("personal", d(11, 10), d(11, 15), status)
    if code is None:
        validate_return(span, return_date, TODAY)
        return
    with pytest.raises(Refusal) as caught:
        validate_return(span, return_date, TODAY)
    assert caught.value.code == code


# --- leave rules with time in them (issue 12, case 3) ---------------------------------------


@pytest.mark.parametrize(
    "kinds, kind, code",
    [
        (("sick", "urgent"), "personal", "leave_same_day_kind"),
        (("sick", "urgent"), "sick", None),
        (("sick", "urgent", "personal"), "personal", None),  # a deployment allows more
        ((), "sick", "leave_same_day_kind"),  # or none at all
    ],
)
def test_same_day_leave_only_for_the_kinds_the_deployment_allows(kinds, kind, code):
    if code is None:
        validate_leave_request(kind, TODAY, TODAY, TODAY, [], frozenset(kinds))
        return
    with pytest.raises(Refusal) as caught:
        validate_leave_request(kind, TODAY, TODAY, TODAY, [], frozenset(kinds))
    assert caught.value.code == code and caught.value.field == "start_date"


@pytest.mark.parametrize(
    "start, asked_on, same_day",
    [
        (TODAY, TODAY, True),
        (TODAY - timedelta(days=1), TODAY, True),  # sick leave asked the morning after
        (TODAY + timedelta(days=1), TODAY, False),
    ],
)
def test_leave_asked_on_or_after_its_first_day_is_same_day(start, asked_on, same_day):
    assert is_same_day(start, asked_on) is same_day


@pytest.mark.parametrize(
    "start, decided_on, after",
    [
        (TODAY + timedelta(days=1), TODAY, False),  # approved beforehand
        (TODAY, TODAY, False),  # same-day leave approved that day (marked same-day)
        (TODAY - timedelta(days=1), TODAY, True),  # 事后补批
        (d(10, 5), TODAY, True),  # last month's leave approved today
    ],
)
def test_approval_after_the_first_day_is_after_the_fact(start, decided_on, after):
    assert is_approved_after_start(start, decided_on) is after


@pytest.mark.parametrize(
    "return_date, tolerance, backdated",
    [
        (TODAY, 1, False),
        (TODAY - timedelta(days=1), 1, False),  # declared the day after: within tolerance
        (TODAY - timedelta(days=2), 1, True),
        (TODAY - timedelta(days=2), 3, False),
        (TODAY - timedelta(days=1), 0, True),
    ],
)
def test_a_return_declared_late_is_backdated(return_date, tolerance, backdated):
    assert is_return_backdated(return_date, TODAY, tolerance) is backdated


@pytest.mark.parametrize(
    "leaves, found",
    [
        ([leave("sick", d(11, 20), d(11, 24))], 0),
        ([leave("sick", d(11, 20), d(11, 24), "pending")], None),  # not approved
        ([leave("sick", d(11, 20), d(11, 24), "closed", returned_on=d(11, 22))], None),
        ([leave("sick", d(11, 23), d(11, 24))], None),  # not yet begun
        ([leave("sick", d(11, 10), d(11, 21))], None),  # ended (overdue, but not today)
        ([leave("sick", d(11, 10), d(11, 12)), leave("official", d(11, 22), d(11, 22))], 1),
    ],
)
def test_a_checkin_on_a_day_of_open_leave_is_made_during_leave(leaves, found):
    expected = None if found is None else leaves[found]
    assert open_leave_on(TODAY, leaves) == expected


@pytest.mark.parametrize(
    "raw, kinds",
    [
        ("sick,urgent", ("sick", "urgent")),
        ("sick, urgent, personal", ("sick", "urgent", "personal")),
        ("", ()),  # no leave on the day itself
    ],
)
def test_the_same_day_kinds_come_from_the_environment_as_a_list(raw, kinds):
    from checkin.settings import build_policy

    assert build_policy({"same_day_leave_kinds": raw}).same_day_leave_kinds == kinds


@pytest.mark.parametrize(("approve", "comment", "refused"), [
    (True, None, False), (True, "", False), (False, "人手不足", False),
    (False, None, True), (False, "", True), (False, "   ", True)])
def test_a_rejection_needs_a_reason(approve: bool, comment: str | None, refused: bool) -> None:
    from checkin.domain.attendance import require_rejection_reason
    from checkin.domain.refusal import Refusal

    if refused:
        with pytest.raises(Refusal) as caught:
            require_rejection_reason(approve, comment)
        assert caught.value.code == "leave_rejection_needs_reason"
    else:
        require_rejection_reason(approve, comment)
