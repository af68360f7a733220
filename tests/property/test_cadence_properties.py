"""Properties of the visit cadence: a later visit or contact never makes a household more
overdue, and the clock moving on never makes it less overdue."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from checkin.domain.cadence import HOUSEHOLD_STATUSES, coverage, household_due
from checkin.domain.cadence import HouseholdContacts as Contacts
from checkin.domain.policy import Policy

RANK = {"overdue": 0, "due": 1, "ok": 2}  # higher is better
TODAY = date(2026, 11, 22)

days_back = st.integers(min_value=0, max_value=400)
statuses = st.sampled_from(sorted(HOUSEHOLD_STATUSES))
policies = st.builds(
    Policy,
    contact_every_days=st.integers(1, 90),
    visit_every_days=st.integers(1, 180),
    due_within_days=st.integers(0, 30),
)
maybe_back = st.none() | days_back


def _day(back: int | None) -> date | None:
    return None if back is None else TODAY - timedelta(days=back)


def _not_worse(later, earlier) -> bool:
    return all(RANK[getattr(later, f)] >= RANK[getattr(earlier, f)]
               for f in ("state", "contact_state", "visit_state"))


@given(statuses, maybe_back, days_back, days_back, days_back, policies)
def test_a_later_visit_never_makes_a_household_more_overdue(status, contact, visit, sooner,
                                                             since, policy) -> None:
    earlier, later = TODAY - timedelta(days=max(visit, sooner)), \
        TODAY - timedelta(days=min(visit, sooner))
    args = (_day(contact),)
    before = household_due(status, *args, earlier, _day(since), TODAY, policy)
    after = household_due(status, *args, later, _day(since), TODAY, policy)
    assert _not_worse(after, before)


@given(statuses, maybe_back, maybe_back, days_back, days_back, policies)
def test_a_later_contact_never_makes_a_household_more_overdue(status, visit, contact, sooner,
                                                               since, policy) -> None:
    assume(contact is not None)
    earlier = TODAY - timedelta(days=max(contact, sooner))
    later = TODAY - timedelta(days=min(contact, sooner))
    before = household_due(status, earlier, _day(visit), _day(since), TODAY, policy)
    after = household_due(status, later, _day(visit), _day(since), TODAY, policy)
    assert _not_worse(after, before)
    assert after.visit_state == before.visit_state  # a contact is not a visit


@given(statuses, maybe_back, days_back, days_back, policies)
def test_a_first_visit_since_registration_never_hurts(status, contact, visit, since,
                                                      policy) -> None:
    assume(visit <= since)  # the visit is not older than the household's start
    without = household_due(status, _day(contact), None, _day(since), TODAY, policy)
    with_visit = household_due(status, _day(contact), _day(visit), _day(since), TODAY, policy)
    assert _not_worse(with_visit, without)


@given(statuses, maybe_back, maybe_back, days_back, st.integers(0, 200), policies)
def test_time_passing_never_makes_a_household_less_overdue(status, contact, visit, since,
                                                           wait, policy) -> None:
    now = household_due(status, _day(contact), _day(visit), _day(since), TODAY, policy)
    later = household_due(status, _day(contact), _day(visit), _day(since),
                          TODAY + timedelta(days=wait), policy)
    assert _not_worse(now, later)
    if now.days_since_visit is not None:
        assert later.days_since_visit == now.days_since_visit + wait


@given(st.lists(st.tuples(statuses, maybe_back, maybe_back), max_size=40), policies)
def test_coverage_shares_are_shares(rows, policy) -> None:
    result = coverage([Contacts(s, _day(c), _day(v)) for s, c, v in rows], TODAY, policy)
    assert 0 <= result.visited_60 <= result.poor_total
    assert 0 <= result.contacted_30 <= result.poor_total
    if result.poor_total:
        assert 0.0 <= result.share_visited <= 1.0 and 0.0 <= result.share_contacted <= 1.0
    else:
        assert result.share_visited is None and result.share_contacted is None
