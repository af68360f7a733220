"""Visit cadence: each poor household is contacted monthly and visited every two months (001)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from checkin.domain import helpers
from checkin.domain.policy import Policy

DueLevel = Literal["ok", "due", "overdue"]

HOUSEHOLD_STATUSES: frozenset[str] = frozenset({"poor", "monitored", "lifted", "other"})
# Only these owe a cadence. Lifted-out households (脱贫户) are still watched during the
# transition period in reality, but the sources put the monthly contact and two-monthly
# visit on poor households; a deployment that wants them watched marks them "monitored".
CADENCE_STATUSES: frozenset[str] = frozenset({"poor", "monitored"})

_RANK: dict[DueLevel, int] = {"overdue": 0, "due": 1, "ok": 2}


@dataclass(frozen=True)
class DueState:
    """Where a household stands: the worse of its contact and visit states."""

    state: DueLevel
    contact_state: DueLevel
    visit_state: DueLevel
    days_since_visit: int | None
    days_since_contact: int | None
    next_deadline: date | None
    # Each duty's own deadline; None for a household with no schedule (not poor/monitored).
    contact_deadline: date | None = None
    visit_deadline: date | None = None

    @property
    def scheduled(self) -> bool:
        return self.visit_deadline is not None


@dataclass(frozen=True)
class HouseholdContacts:
    """The facts coverage needs about one household."""

    status: str
    last_contact: date | None
    last_visit: date | None


class HasContacts(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def last_contact(self) -> date | None: ...
    @property
    def last_visit(self) -> date | None: ...


@dataclass(frozen=True)
class Coverage:
    """How many cadence households were visited / contacted within their intervals."""

    poor_total: int
    visited_60: int
    contacted_30: int
    share_visited: float | None
    share_contacted: float | None


def has_cadence(status: str) -> bool:
    """Whether a household with this status owes contacts and visits."""
    if status not in HOUSEHOLD_STATUSES:
        raise ValueError(f"unknown household status {status!r}")
    return status in CADENCE_STATUSES


def latest(*days: date | None) -> date | None:
    """The latest of the days that are known, or None (a loop, not a list: a province's
    pages ask this of 220,000 households, twice each)."""
    found = None
    for day in days:
        if day is not None and (found is None or day > found):
            found = day
    return found


def last_contact_of(last_contact: date | None, last_visit: date | None) -> date | None:
    """A visit is also a contact: the later of the two."""
    return latest(last_contact, last_visit)


def due_level(deadline: date, today: date, policy: Policy) -> DueLevel:
    """Overdue after the deadline day; due within policy.due_within_days of it."""
    if today > deadline:
        return "overdue"
    if (deadline - today).days <= policy.due_within_days:
        return "due"
    return "ok"


def _days_since(day: date | None, today: date) -> int | None:
    return None if day is None else (today - day).days


def household_due(
    status: str,
    last_contact: date | None,
    last_visit: date | None,
    since: date,
    today: date,
    policy: Policy,
    grace: date | None = None,
) -> DueState:
    """Deadlines run from the last contact/visit, or from `since` if there was none; a new
    helper's deadlines are not before one period after `grace` (domain/helpers.py)."""
    contact = last_contact_of(last_contact, last_visit)
    days_since_visit = _days_since(last_visit, today)
    days_since_contact = _days_since(contact, today)
    if not has_cadence(status):
        return DueState("ok", "ok", "ok", days_since_visit, days_since_contact, None)
    contact_deadline = helpers.deadline(contact, since, grace, policy.contact_every_days)
    visit_deadline = helpers.deadline(last_visit, since, grace, policy.visit_every_days)
    contact_state = due_level(contact_deadline, today, policy)
    visit_state = due_level(visit_deadline, today, policy)
    return DueState(
        state=min(contact_state, visit_state, key=_RANK.__getitem__),
        contact_state=contact_state,
        visit_state=visit_state,
        days_since_visit=days_since_visit,
        days_since_contact=days_since_contact,
        next_deadline=min(contact_deadline, visit_deadline),
        contact_deadline=contact_deadline,
        visit_deadline=visit_deadline,
    )


def sort_key(due: DueState, distance_m: float | None) -> tuple[int, bool, float, date]:
    """Overdue first, then due, then ok; within each, nearest first (unknown distance last)."""
    return (
        _RANK[due.state],
        distance_m is None,
        0.0 if distance_m is None else distance_m,
        due.next_deadline or date.max,
    )


def _within(day: date | None, today: date, every_days: int) -> bool:
    """The day is in the last `every_days` days (inclusive), and not in the future."""
    return day is not None and 0 <= (today - day).days <= every_days


def coverage(rows: Iterable[HasContacts], today: date, policy: Policy) -> Coverage:
    """Shares of cadence households (poor and monitored) visited in 60 / contacted in 30 days."""
    total = visited = contacted = 0
    for row in rows:
        if not has_cadence(row.status):
            continue
        total += 1
        visited += _within(row.last_visit, today, policy.visit_every_days)
        contact = last_contact_of(row.last_contact, row.last_visit)
        contacted += _within(contact, today, policy.contact_every_days)
    return Coverage(
        poor_total=total,
        visited_60=visited,
        contacted_30=contacted,
        share_visited=visited / total if total else None,
        share_contacted=contacted / total if total else None,
    )
