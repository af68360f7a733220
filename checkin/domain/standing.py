"""Where a cadre stands today, as the home page answers it: the pace against the pro-rated
target, today's check-in, the leave to ask about or close, and what each household owes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from checkin.domain import attendance
from checkin.domain.cadence import DueLevel, DueState
from checkin.domain.policy import Policy

DueKind = Literal["visit", "contact"]
LeaveState = Literal["pending", "running", "to_close"]
TodayWord = Literal["counted", "not_counted", "none", "on_leave"]


@dataclass(frozen=True)
class DueItem:
    """What a household owes first: a visit in person or a contact, and by when."""

    kind: DueKind
    state: DueLevel
    deadline: date


def expected_by(today: date, year: int, term_start: date, term_end: date | None,
                policy: Policy) -> int:
    """Days on post the yearly target asks for by the end of `today`: the target pro-rated
    to the days of the term already behind us this year (today included)."""
    first = max(date(year, 1, 1), term_start)
    last = date(year, 12, 31) if term_end is None else min(date(year, 12, 31), term_end)
    end = min(today, last)
    days = max(0, (end - first).days + 1)
    return attendance.prorated_target(policy.days_on_post_per_year, days, year)


def expected_so_far(today: date, year: int, term_start: date, term_end: date | None,
                    policy: Policy, today_pending: bool) -> int:
    """What is owed by now: by the end of today once something counts for today; while
    today is still pending (nothing counted yet, `Ledger.pending_days`), by the end of
    yesterday: a day is not owed before it ends (`attendance.day_has_ended`), so at 06:00
    nobody is a day behind for not having checked in yet."""
    asof = today - timedelta(days=1) if today_pending else today
    return expected_by(asof, year, term_start, term_end, policy)


def what_is_due(due: DueState) -> DueItem | None:
    """The most pressing duty of a household: overdue before due; at the same level a visit
    before a contact (a visit in person is also a contact). None when nothing is due soon or
    the household has no schedule."""
    if due.visit_deadline is None or due.contact_deadline is None:
        return None
    for level in ("overdue", "due"):
        if due.visit_state == level:
            return DueItem("visit", level, due.visit_deadline)
        if due.contact_state == level:
            return DueItem("contact", level, due.contact_deadline)
    return None


@dataclass(frozen=True)
class DueCounts:
    overdue_visits: int
    overdue_contacts: int
    due_visits: int
    due_contacts: int

    @property
    def overdue(self) -> int:
        return self.overdue_visits + self.overdue_contacts

    @property
    def due(self) -> int:
        return self.due_visits + self.due_contacts


def due_counts(items: Iterable[DueItem | None]) -> DueCounts:
    """How many households owe a visit or a contact, overdue or due soon."""
    counts = {("overdue", "visit"): 0, ("overdue", "contact"): 0, ("due", "visit"): 0,
              ("due", "contact"): 0}
    for item in items:
        if item is not None:
            counts[(item.state, item.kind)] += 1
    return DueCounts(counts[("overdue", "visit")], counts[("overdue", "contact")],
                     counts[("due", "visit")], counts[("due", "contact")])


def leave_state(leave: attendance.LeaveSpan, today: date) -> LeaveState | None:
    """Pending: waiting for a decision. Running: approved and today is one of its days.
    To close: approved, its last day is behind us and it is not closed (销假) yet. Leave
    still ahead, refused or closed needs nothing from the cadre today."""
    if leave.status == "pending" and leave.end >= today:
        return "pending"
    if leave.status != "approved" or leave.start > today:
        return None
    return "to_close" if attendance.is_return_overdue(leave, today) else "running"


def today_word(counts: Sequence[bool], on_leave: bool) -> TodayWord:
    """Today in one word: a check-in counted; some were sent but none counts; on approved
    leave; or nothing yet."""
    if any(counts):
        return "counted"
    if counts:
        return "not_counted"
    return "on_leave" if on_leave else "none"
