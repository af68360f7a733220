"""Table tests for the visit cadence: contact every 30 days, visit every 60, due 7 days ahead."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from checkin.domain.cadence import (
    DueState,
    HouseholdContacts,
    coverage,
    household_due,
    sort_key,
)
from checkin.domain.policy import Policy

POLICY = Policy()  # contact every 30 days, visit every 60, due within 7 days of the deadline
TODAY = date(2026, 11, 22)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def ahead(days: int) -> date:
    return TODAY + timedelta(days=days)


@pytest.mark.parametrize(
    "last_visit, visit_state",
    [
        (ago(20), "ok"),
        (ago(52), "ok"),  # deadline in 8 days
        (ago(53), "due"),  # deadline in 7 days: due
        (ago(60), "due"),  # deadline is today: still due, not yet overdue
        (ago(61), "overdue"),  # deadline was yesterday
        (ago(200), "overdue"),
    ],
)
def test_visit_deadline_is_last_visit_plus_60_days(last_visit, visit_state):
    due = household_due("poor", ago(1), last_visit, ago(400), TODAY, POLICY)
    assert due.visit_state == visit_state
    assert due.contact_state == "ok"
    assert due.state == visit_state


@pytest.mark.parametrize(
    "last_contact, contact_state",
    [
        (ago(5), "ok"),
        (ago(22), "ok"),  # deadline in 8 days
        (ago(23), "due"),  # deadline in 7 days
        (ago(30), "due"),  # deadline is today
        (ago(31), "overdue"),
    ],
)
def test_contact_deadline_is_last_contact_plus_30_days(last_contact, contact_state):
    due = household_due("poor", last_contact, ago(40), ago(400), TODAY, POLICY)
    assert due.contact_state == contact_state
    assert due.visit_state == "ok"  # visited 40 days ago: deadline in 20 days
    assert due.state == contact_state


@pytest.mark.parametrize(
    "last_contact, last_visit, contact_state, days_since_contact",
    [
        (None, ago(10), "ok", 10),  # a visit is also a contact
        (ago(45), ago(35), "overdue", 35),  # the visit is the later contact
        (ago(10), ago(35), "ok", 10),
        (None, None, "ok", None),  # never: counted from `since` (10 days ago)
    ],
)
def test_a_visit_is_also_a_contact(last_contact, last_visit, contact_state, days_since_contact):
    due = household_due("poor", last_contact, last_visit, ago(10), TODAY, POLICY)
    assert due.contact_state == contact_state
    assert due.days_since_contact == days_since_contact


@pytest.mark.parametrize(
    "since, contact_state, visit_state, next_deadline",
    [
        (ago(0), "ok", "ok", ahead(30)),  # assigned today
        (ago(22), "ok", "ok", ahead(8)),
        (ago(25), "due", "ok", ahead(5)),
        (ago(31), "overdue", "ok", ago(1)),
        (ago(55), "overdue", "due", ago(25)),
        (ago(61), "overdue", "overdue", ago(31)),
    ],
)
def test_never_seen_households_count_from_when_the_helper_was_assigned(
    since, contact_state, visit_state, next_deadline
):
    due = household_due("poor", None, None, since, TODAY, POLICY)
    assert (due.contact_state, due.visit_state) == (contact_state, visit_state)
    assert due.next_deadline == next_deadline
    assert (due.days_since_contact, due.days_since_visit) == (None, None)


@pytest.mark.parametrize(
    "status, state, next_deadline",
    [
        ("poor", "overdue", ago(335)),
        ("monitored", "overdue", ago(335)),  # 监测户: the same cadence as poor households
        ("lifted", "ok", None),  # 脱贫户: no cadence here (mark as monitored to watch them)
        ("other", "ok", None),
    ],
)
def test_only_poor_and_monitored_households_have_a_cadence(status, state, next_deadline):
    due = household_due(status, None, ago(365), ago(400), TODAY, POLICY)
    assert (due.state, due.next_deadline) == (state, next_deadline)
    assert due.days_since_visit == 365  # the facts are reported for every household


def test_an_unknown_status_is_a_programming_error():
    with pytest.raises(ValueError):
        household_due("rich", None, None, TODAY, TODAY, POLICY)


def test_intervals_come_from_the_policy():
    weekly = Policy(contact_every_days=7, visit_every_days=14, due_within_days=2)
    due = household_due("poor", ago(6), ago(13), ago(100), TODAY, weekly)
    assert (due.contact_state, due.visit_state, due.next_deadline) == ("due", "due", ahead(1))


def test_next_deadline_is_the_earlier_of_contact_and_visit():
    due = household_due("poor", ago(10), ago(50), ago(400), TODAY, POLICY)
    assert due.next_deadline == ahead(10)  # visit 50 + 60 = 10 days ahead; contact is 20
    assert (due.days_since_contact, due.days_since_visit) == (10, 50)


# --- ordering the helper's list -------------------------------------------------------


def state(level: str, deadline: date = TODAY) -> DueState:
    return DueState(level, level, level, None, None, deadline)  # type: ignore[arg-type]


def test_overdue_first_then_due_then_nearest_with_unknown_distance_last():
    rows = [
        ("ok near", state("ok"), 50.0),
        ("due far", state("due"), 5000.0),
        ("overdue unknown", state("overdue"), None),
        ("due near", state("due"), 100.0),
        ("overdue far", state("overdue"), 9000.0),
        ("overdue near", state("overdue"), 10.0),
        ("ok unknown", state("ok"), None),
        ("due unknown", state("due"), None),
    ]
    ordered = [name for name, due, dist in sorted(rows, key=lambda r: sort_key(r[1], r[2]))]
    assert ordered == [
        "overdue near",
        "overdue far",
        "overdue unknown",
        "due near",
        "due far",
        "due unknown",
        "ok near",
        "ok unknown",
    ]


def test_at_equal_distance_the_earlier_deadline_comes_first():
    later, sooner = state("due", ahead(5)), state("due", ahead(2))
    assert sort_key(sooner, None) < sort_key(later, None)


# --- coverage -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rows, total, visited, contacted",
    [
        ([], 0, 0, 0),
        ([HouseholdContacts("poor", None, ago(60))], 1, 1, 0),  # visited exactly 60 days ago
        ([HouseholdContacts("poor", None, ago(61))], 1, 0, 0),
        ([HouseholdContacts("poor", ago(30), None)], 1, 0, 1),  # contacted exactly 30 days ago
        ([HouseholdContacts("poor", ago(31), None)], 1, 0, 0),
        ([HouseholdContacts("poor", None, ago(3))], 1, 1, 1),  # a visit is also a contact
        ([HouseholdContacts("monitored", ago(1), ago(1))], 1, 1, 1),
        ([HouseholdContacts("lifted", ago(1), ago(1))], 0, 0, 0),  # no cadence, not counted
        ([HouseholdContacts("other", None, None)], 0, 0, 0),
        ([HouseholdContacts("poor", None, None)], 1, 0, 0),
        ([HouseholdContacts("poor", ahead(1), ahead(1))], 1, 0, 0),  # after `today`: not yet
    ],
)
def test_coverage_counts_cadence_households_visited_in_60_and_contacted_in_30_days(
    rows, total, visited, contacted
):
    cov = coverage(rows, TODAY, POLICY)
    assert (cov.poor_total, cov.visited_60, cov.contacted_30) == (total, visited, contacted)


def test_coverage_shares_are_fractions_and_none_when_there_is_nobody():
    rows = [
        HouseholdContacts("poor", None, ago(10)),
        HouseholdContacts("poor", ago(10), ago(90)),
        HouseholdContacts("monitored", None, None),
        HouseholdContacts("poor", ago(40), ago(40)),
        HouseholdContacts("lifted", None, None),
    ]
    cov = coverage(rows, TODAY, POLICY)
    assert (cov.poor_total, cov.visited_60, cov.contacted_30) == (4, 2, 2)
    assert (cov.share_visited, cov.share_contacted) == (0.5, 0.5)
    empty = coverage([], TODAY, POLICY)
    assert (empty.share_visited, empty.share_contacted) == (None, None)
