"""Properties of the yearly ledger: the day categories add up to the elapsed days of the
term, the forecast never falls below what is counted, and the target is pro-rated."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from checkin.domain.attendance import LEAVE_KINDS, LeaveSpan, classify_days, yearly_ledger
from checkin.domain.policy import Policy

YEAR = 2026
days_in = st.dates(min_value=date(YEAR - 1, 10, 1), max_value=date(YEAR + 1, 2, 28))
policies = st.builds(
    Policy,
    days_on_post_per_year=st.integers(1, 366),
    training_days_per_year=st.integers(0, 30),
    official_leave_counts=st.booleans(),
    training_leave_counts=st.booleans(),
    forecast_window_days=st.integers(1, 90),
)


@st.composite
def leaves(draw: st.DrawFn) -> LeaveSpan:
    start = draw(days_in)
    end = start + timedelta(days=draw(st.integers(0, 40)))
    status = draw(st.sampled_from(["pending", "approved", "rejected", "closed"]))
    returned = None
    if status == "closed":
        returned = start + timedelta(days=draw(st.integers(0, 45)))
    return LeaveSpan(draw(st.sampled_from(LEAVE_KINDS)), start, end, status, returned)


@st.composite
def cases(draw: st.DrawFn):
    term_start = draw(st.dates(min_value=date(YEAR - 2, 1, 1), max_value=date(YEAR, 12, 31)))
    term_end = draw(st.none() | st.dates(min_value=term_start,
                                         max_value=date(YEAR + 2, 12, 31)))
    on_post = draw(st.frozensets(days_in, max_size=250))
    return (on_post, draw(st.lists(leaves(), max_size=6)), term_start, term_end,
            draw(days_in), draw(policies))


def _term(term_start: date, term_end: date | None) -> tuple[date, date]:
    first = max(date(YEAR, 1, 1), term_start)
    last = date(YEAR, 12, 31) if term_end is None else min(date(YEAR, 12, 31), term_end)
    return first, last


@given(cases())
def test_the_categories_add_up_to_the_elapsed_days_of_the_term(case) -> None:
    on_post, spans, term_start, term_end, today, policy = case
    ledger = yearly_ledger(YEAR, on_post, spans, term_start, term_end, today, policy)
    first, last = _term(term_start, term_end)
    elapsed = max(0, (min(last, today) - first).days + 1)
    parts = (ledger.on_post_days + ledger.official_days + ledger.training_days
             + ledger.leave_days + ledger.absent_days + ledger.pending_days)
    assert parts == elapsed
    # only today can be pending: inside the term, not on post
    assert ledger.pending_days in (0, 1)
    if ledger.pending_days:
        assert first <= today <= last and today not in on_post
    term_days = max(0, (last - first).days + 1)
    assert elapsed + ledger.remaining_days == term_days
    assert ledger.on_post_days == sum(1 for d in on_post if first <= d <= min(last, today))


@given(cases())
def test_counted_days_follow_the_policy_and_the_forecast_never_falls_below(case) -> None:
    on_post, spans, term_start, term_end, today, policy = case
    ledger = yearly_ledger(YEAR, on_post, spans, term_start, term_end, today, policy)
    counted = (ledger.on_post_days
               + (ledger.official_days if policy.official_leave_counts else 0)
               + (ledger.training_days if policy.training_leave_counts else 0))
    assert ledger.counted_days == counted
    assert (ledger.counted_days <= ledger.forecast_days
            <= counted + ledger.remaining_days + ledger.pending_days)
    assert ledger.on_pace == (ledger.forecast_days >= ledger.target_days)


@given(cases())
def test_the_target_is_pro_rated_to_the_term(case) -> None:
    on_post, spans, term_start, term_end, today, policy = case
    ledger = yearly_ledger(YEAR, on_post, spans, term_start, term_end, today, policy)
    first, last = _term(term_start, term_end)
    term_days = max(0, (last - first).days + 1)
    year_days = 366 if calendar.isleap(YEAR) else 365
    per_year = policy.days_on_post_per_year
    assert 0 <= ledger.target_days <= per_year
    # ceil(per_year x term_days / year_days): never short of the exact share, by < 1 day
    assert ledger.target_days * year_days >= per_year * term_days
    assert (ledger.target_days - 1) * year_days < per_year * term_days
    if term_days == year_days:
        assert ledger.target_days == per_year
    if term_days == 0:
        assert ledger.target_days == 0
    assert 0 <= ledger.training_target <= policy.training_days_per_year


@given(cases(), st.integers(1, 60))
def test_more_days_on_post_never_lower_the_count(case, extra) -> None:
    on_post, spans, term_start, term_end, today, policy = case
    more = on_post | {today - timedelta(days=n) for n in range(extra)}
    before = yearly_ledger(YEAR, on_post, spans, term_start, term_end, today, policy)
    after = yearly_ledger(YEAR, more, spans, term_start, term_end, today, policy)
    assert after.counted_days >= before.counted_days
    assert after.on_post_days >= before.on_post_days


@given(cases())
def test_every_day_gets_exactly_one_category(case) -> None:
    on_post, spans, _start, _end, today, _policy = case
    start, end = date(YEAR, 1, 1), date(YEAR, 3, 31)
    classified = classify_days(on_post, spans, start, end, today)
    assert len(classified) == (end - start).days + 1
    for day, category in classified.items():
        if day > today:
            assert category == "future"
        elif day in on_post:
            assert category == "on_post"
        elif day == today:  # the day still runs: never absent yet
            assert category in ("official", "training", "leave", "pending")
        else:
            assert category in ("official", "training", "leave", "absent")
