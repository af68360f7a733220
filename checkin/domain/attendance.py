"""Attendance rules: day categories, the yearly 200-day ledger, the calendar, and leave (请销假)."""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal

# "pending": today, not (yet) on post and not on leave. A day is absent only once it has
# ended (`day_has_ended`); until then the cadre can still check in.
DayCategory = Literal[
    "on_post", "official", "training", "leave", "absent", "pending", "future",
    "outside_term", "makeup"
]
ApproverLevel = Literal["township", "county"]

# urgent (急事假): a family emergency, asked on the day like sick leave.
LEAVE_KINDS: tuple[str, ...] = ("personal", "sick", "urgent", "official", "training")
# One leave may last at most this many days (a longer absence is a recall, not leave).
MAX_LEAVE_DAYS = 90
# Nobody plans to fall ill: sick leave may be asked for the next morning, one day back.
SICK_LEAVE_BACKDATE_DAYS = 1
# pending -> approved | rejected | withdrawn (by the cadre); approved -> closed (销假).
# Nothing else moves.
LEAVE_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"approved", "rejected", "withdrawn"}),
    "approved": frozenset({"closed"}),
}

_CATEGORY_OF_KIND: dict[str, DayCategory] = {
    "personal": "leave",
    "sick": "leave",
    "urgent": "leave",
    "official": "official",
    "training": "training",
}
# If approved leaves overlap anyway (legacy data), the day takes the most favourable one.
_LEAVE_PRIORITY: tuple[DayCategory, ...] = ("official", "training", "leave")
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class LeaveSpan:
    """A leave from `start` to `end` inclusive; `returned_on` is the 销假 date, if closed."""

    kind: str
    start: date
    end: date
    status: str
    returned_on: date | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def counts(self) -> bool:
        """Only approved leave, or approved and then closed, excuses a day."""
        return self.status in ("approved", "closed")

    @property
    def effective_end(self) -> date:
        """The last day of leave: a return before `end` ends it the day before the return."""
        if self.returned_on is None:
            return self.end
        return min(self.end, self.returned_on - _ONE_DAY)


@dataclass(frozen=True)
class Ledger:
    """One cadre's attendance for one year, against the target pro-rated to the term."""

    year: int
    target_days: int
    on_post_days: int
    official_days: int
    training_days: int
    leave_days: int
    absent_days: int
    counted_days: int
    forecast_days: int
    on_pace: bool
    training_target: int
    remaining_days: int  # the term's days after today
    pending_days: int = 0  # 1 while today runs with nothing counted yet: still to come
    opening_days: int = 0  # of counted_days, those of the opening balance (开账前天数)


@dataclass(frozen=True)
class OpeningBalance:
    """A cadre's days of one year before the service went live for them (开账): counted
    from the county's own register, since no record exists before `go_live`. From
    `go_live` on, the records count; before it, only these numbers (never absent days)."""

    go_live: date
    on_post_days: int = 0
    official_days: int = 0
    training_days: int = 0
    leave_days: int = 0

    @property
    def days(self) -> int:
        return self.on_post_days + self.official_days + self.training_days + self.leave_days

    def counted(self, policy: Policy) -> int:
        return counted_days({"on_post": self.on_post_days, "official": self.official_days,
                             "training": self.training_days}, policy)


def days_before_go_live(year: int, go_live: date, term_start: date,
                        term_end: date | None) -> int:
    """The days of the year's term before go-live: the most an opening balance can hold."""
    first, last = _term_in_year(year, term_start, term_end)
    return max(0, (min(go_live - _ONE_DAY, last) - first).days + 1)


def validate_opening(balance: OpeningBalance, year: int, term_start: date,
                     term_end: date | None) -> None:
    """Raise a Refusal unless the balance can be true: go-live in the year, no negative
    count, and no more days than the term had before go-live (a balance inflated past the
    calendar is refused, whoever sets it)."""
    if balance.go_live.year != year:
        raise Refusal("opening_go_live_outside_year", field="go_live", year=year)
    for name in ("on_post_days", "official_days", "training_days", "leave_days"):
        value = getattr(balance, name)
        if value < 0 or value > 366:
            raise Refusal("opening_bad_days", field=name, value=value)
    most = days_before_go_live(year, balance.go_live, term_start, term_end)
    if balance.days > most:
        raise Refusal("opening_too_many_days", field="on_post_days", days=balance.days,
                      most=most, go_live=balance.go_live)


def opened_term_start(term_start: date, balance: OpeningBalance | None) -> date:
    """Where the records start to count: go-live, if it is after the term began."""
    return term_start if balance is None else max(term_start, balance.go_live)


def with_opening(after: Ledger, balance: OpeningBalance, term_start: date,
                 term_end: date | None, policy: Policy) -> Ledger:
    """The ledger of the days from go-live on (`after`, computed over the term cut at
    go-live) with the opening balance added: its days in their categories, counted as
    they would be, added to the forecast; the target stays the whole term's."""
    first, last = _term_in_year(after.year, term_start, term_end)
    term_days = max(0, (last - first).days + 1)
    target = prorated_target(policy.days_on_post_per_year, term_days, after.year)
    opening = balance.counted(policy)
    forecast = after.forecast_days + opening
    return Ledger(
        year=after.year, target_days=target,
        on_post_days=after.on_post_days + balance.on_post_days,
        official_days=after.official_days + balance.official_days,
        training_days=after.training_days + balance.training_days,
        leave_days=after.leave_days + balance.leave_days,
        absent_days=after.absent_days,
        counted_days=after.counted_days + opening,
        forecast_days=forecast, on_pace=forecast >= target,
        training_target=prorated_target(policy.training_days_per_year, term_days,
                                        after.year),
        remaining_days=after.remaining_days, pending_days=after.pending_days,
        opening_days=opening)


@dataclass(frozen=True)
class CalendarDay:
    day: date
    category: DayCategory


@dataclass(frozen=True)
class MonthGrid:
    """One month as weeks (Monday first); days of the neighbouring months are None."""

    year: int
    month: int
    weeks: tuple[tuple[CalendarDay | None, ...], ...]


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += _ONE_DAY


def _leave_categories(
    leaves: Iterable[LeaveSpan], start: date, end: date
) -> dict[date, DayCategory]:
    """Each day in [start, end] covered by counting leave, with its category."""
    found: dict[date, DayCategory] = {}
    for leave in leaves:
        if not leave.counts:
            continue
        category = _CATEGORY_OF_KIND[leave.kind]
        for day in _days(max(start, leave.start), min(end, leave.effective_end)):
            held = found.get(day)
            if held is None or _LEAVE_PRIORITY.index(category) < _LEAVE_PRIORITY.index(held):
                found[day] = category
    return found


def day_has_ended(day: date, today: date) -> bool:
    """The cut-off of a day: the end of the local day (midnight in the deployment's zone,
    the zone `local_day` of every check-in is in). A check-in at 23:59 still makes the day,
    so until midnight a day without one is not yet absent, whatever the hour. (A record
    made offline that day and sent later still makes it, as it always did: the category
    is computed, never stored.)"""
    return day < today


def classify_days(
    days_on_post: AbstractSet[date],
    leaves: Sequence[LeaveSpan],
    start: date,
    end: date,
    today: date,
) -> dict[date, DayCategory]:
    """Every day in [start, end]: on post wins over leave; days after today are "future";
    today without either is "pending" (not absent before it ends)."""
    on_leave = _leave_categories(leaves, start, min(end, today))
    result: dict[date, DayCategory] = {}
    for day in _days(start, end):
        if day > today:
            result[day] = "future"
        elif day in days_on_post:
            result[day] = "on_post"
        elif day in on_leave:
            result[day] = on_leave[day]
        else:
            result[day] = "absent" if day_has_ended(day, today) else "pending"
    return result


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def prorated_target(per_year: int, days: int, year: int) -> int:
    """The part of a yearly target that `days` days of `year` carry: per_year × days /
    days in the year, rounded up (a part of a day still has to be done), in exact integer
    arithmetic. The yearly ledger, the term's share and a month's target all use it."""
    return -(-per_year * days // days_in_year(year))


def month_target(year: int, month: int, policy: Policy) -> int:
    """Days on post a month asks for: the yearly target pro-rated to the month's days."""
    return prorated_target(policy.days_on_post_per_year, calendar.monthrange(year, month)[1],
                           year)


def counting_categories(policy: Policy) -> frozenset[DayCategory]:
    """The day categories that count toward the target: on post, and the leave the policy
    counts (official business, training)."""
    found: set[DayCategory] = {"on_post"}
    if policy.official_leave_counts:
        found.add("official")
    if policy.training_leave_counts:
        found.add("training")
    return frozenset(found)


def counted_days(categories: Mapping[DayCategory, int], policy: Policy) -> int:
    """Days that count toward the target, from the number of days in each category."""
    return sum(categories.get(category, 0) for category in counting_categories(policy))


def _term_in_year(year: int, term_start: date, term_end: date | None) -> tuple[date, date]:
    """The part of the year inside the term; empty when first > last."""
    first = max(date(year, 1, 1), term_start)
    last = date(year, 12, 31) if term_end is None else min(date(year, 12, 31), term_end)
    return first, last


def _tally(
    days_on_post: AbstractSet[date],
    leaves: Sequence[LeaveSpan],
    start: date,
    end: date,
    today: date,
) -> Counter[DayCategory]:
    if end < start:
        return Counter()
    return Counter(classify_days(days_on_post, leaves, start, end, today).values())


def _expected_more(
    days_on_post: AbstractSet[date],
    leaves: Sequence[LeaveSpan],
    term_start: date,
    elapsed_end: date,
    remaining: int,
    policy: Policy,
) -> int:
    """Counted days still to come at the pace of the recent window (may reach last year)."""
    window_start = max(elapsed_end - timedelta(days=policy.forecast_window_days - 1), term_start)
    window_len = (elapsed_end - window_start).days + 1
    if window_len <= 0:  # nothing elapsed yet: no pace to judge, assume every day counts
        return remaining
    tally = _tally(days_on_post, leaves, window_start, elapsed_end, elapsed_end)
    return counted_days(tally, policy) * remaining // window_len


def yearly_ledger(
    year: int,
    days_on_post: AbstractSet[date],
    leaves: Sequence[LeaveSpan],
    term_start: date,
    term_end: date | None,
    today: date,
    policy: Policy,
    opening: OpeningBalance | None = None,
) -> Ledger:
    """The year's ledger; `days_on_post`/`leaves` must also cover the forecast window.

    Today, while nothing counts for it yet, is neither absent nor elapsed: it is still to
    come, so the forecast's pace is that of the days that ended and it applies to today
    too. With an opening balance of this year, the records count from go-live on and the
    balance stands for the days before it."""
    if opening is not None and opening.go_live.year == year:
        after = yearly_ledger(year, days_on_post, leaves,
                              opened_term_start(term_start, opening), term_end, today, policy)
        return with_opening(after, opening, term_start, term_end, policy)
    first, last = _term_in_year(year, term_start, term_end)
    term_days = max(0, (last - first).days + 1)
    elapsed_end = min(last, today)
    tally = _tally(days_on_post, leaves, first, elapsed_end, today)
    counted = counted_days(tally, policy)
    remaining = max(0, (last - max(today, first - _ONE_DAY)).days)
    pending = tally["pending"]
    expected = _expected_more(days_on_post, leaves, term_start, elapsed_end - pending * _ONE_DAY,
                              remaining + pending, policy)
    target = prorated_target(policy.days_on_post_per_year, term_days, year)
    return Ledger(
        year=year,
        target_days=target,
        on_post_days=tally["on_post"],
        official_days=tally["official"],
        training_days=tally["training"],
        leave_days=tally["leave"],
        absent_days=tally["absent"],
        counted_days=counted,
        forecast_days=counted + expected,
        on_pace=counted + expected >= target,
        training_target=prorated_target(policy.training_days_per_year, term_days, year),
        remaining_days=remaining,
        pending_days=pending,
    )


def month_grid(
    year: int,
    month: int,
    days_on_post: AbstractSet[date],
    leaves: Sequence[LeaveSpan],
    term_start: date,
    term_end: date | None,
    today: date,
    makeup_days: AbstractSet[date] = frozenset(),
) -> MonthGrid:
    """The calendar of one month; days outside the term are "outside_term"; a day on post
    made by an approved make-up (补卡, among `days_on_post` too) is "makeup"."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    classified = classify_days(days_on_post, leaves, first, last, today)

    def cell(day: date) -> CalendarDay | None:
        if day.month != month:
            return None
        if day < term_start or (term_end is not None and day > term_end):
            return CalendarDay(day, "outside_term")
        category = classified[day]
        if category == "on_post" and day in makeup_days:
            category = "makeup"
        return CalendarDay(day, category)

    weeks = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(year, month)
    return MonthGrid(year, month, tuple(tuple(cell(day) for day in week) for week in weeks))


def validate_leave_request(
    kind: str, start: date, end: date, today: date, existing: Iterable[LeaveSpan],
    same_day_kinds: AbstractSet[str] = frozenset(Policy().same_day_leave_kinds),
) -> None:
    """Raise a Refusal unless this leave may be asked for: before it starts, except for the
    kinds a deployment allows on the day itself (sick, urgent), sick leave also the
    morning after; not too long; no overlap."""
    if kind not in LEAVE_KINDS:
        raise Refusal("leave_bad_kind", field="kind", kind=kind)
    if end < start:
        raise Refusal("leave_dates_reversed", field="end_date")
    earliest = today - timedelta(days=SICK_LEAVE_BACKDATE_DAYS if kind == "sick" else 0)
    if start < earliest:
        raise Refusal("leave_backdated", field="start_date", earliest=earliest)
    if is_same_day(start, today) and kind not in same_day_kinds:
        raise Refusal("leave_same_day_kind", field="start_date", kind=kind,
                      earliest=today + _ONE_DAY)
    days = (end - start).days + 1
    if days > MAX_LEAVE_DAYS:
        raise Refusal("leave_too_long", field="end_date", days=days, max_days=MAX_LEAVE_DAYS)
    _check_no_overlap(start, end, existing)


def is_same_day(start: date, asked_on: date) -> bool:
    """Asked on the leave's first day or after it began: no time to approve it first."""
    return start <= asked_on


def is_approved_after_start(start: date, decided_on: date) -> bool:
    """事后补批: the decision came after the leave's first day was over, so the cadre was
    away at least a day without approval. (Same-day leave approved that day is marked
    same-day, not this.)"""
    return decided_on > start


def _check_no_overlap(start: date, end: date, existing: Iterable[LeaveSpan]) -> None:
    """Pending, approved and closed leave (up to its return) block their days."""
    for other in existing:
        if other.status in ("rejected", "withdrawn"):
            continue
        if start <= other.effective_end and other.start <= end:
            raise Refusal("leave_overlaps", field="start_date", other_start=other.start,
                          other_end=other.effective_end)


def approver_level(days: int, policy: Policy) -> ApproverLevel:
    """Short leave is approved by the township, longer leave by the county."""
    if days < 1:
        raise ValueError(f"a leave lasts at least one day, not {days}")
    return "township" if days <= policy.township_leave_max_days else "county"


def leave_transition(status: str, target: str) -> str:
    """Return `target` if a leave in `status` may move there, else raise leave_bad_state."""
    if target not in LEAVE_TRANSITIONS.get(status, frozenset()):
        raise Refusal("leave_bad_state", field="status", status=status, target=target)
    return target


def require_rejection_reason(approve: bool, comment: str | None) -> None:
    """A rejected leave tells the cadre why: a rejection without a reason is refused."""
    if not approve and not (comment or "").strip():
        raise Refusal("leave_rejection_needs_reason", field="comment")


def is_return_overdue(leave: LeaveSpan, today: date) -> bool:
    """Approved, not yet closed (销假), and its last day is behind us."""
    return leave.status == "approved" and leave.end < today


def validate_return(leave: LeaveSpan, return_date: date, today: date) -> None:
    """Raise a Refusal unless the leave may be closed as returned on `return_date`: not
    after today, not before the leave began."""
    leave_transition(leave.status, "closed")
    if return_date > today:
        raise Refusal("return_in_future", field="date")
    if return_date < leave.start:
        raise Refusal("return_before_start", field="date", start=leave.start)


def is_return_backdated(return_date: date, today: date, tolerance_days: int) -> bool:
    """A return (销假) declared later than `tolerance_days` after the day back: the leave
    ran on undeclared, so the county sees it marked."""
    return return_date < today - timedelta(days=tolerance_days)


def open_leave_on(day: date, leaves: Iterable[LeaveSpan]) -> LeaveSpan | None:
    """Approved leave not yet closed that covers `day`: a check-in on that day is made
    while on leave, and the phone offers to close it (销假)."""
    for leave in leaves:
        if leave.status == "approved" and leave.start <= day <= leave.end:
            return leave
    return None
