"""Attendance ledgers: one cadre's year, and one row per cadre for a jurisdiction.

The rules live in `checkin.domain.attendance.yearly_ledger`, a pure function over a set of
days on post and the leave. Calling it per cadre over every (cadre, day) row is correct
but reads ~400 rows and classifies ~400 days per cadre: far too slow for a county, let
alone a province of 22,000 cadres (`reference_ledgers` keeps that path for tests).

`ledgers` gives the same Ledger from aggregates. The database keeps, per cadre and year,
the days on post as twelve month bitmasks (table attendance_years, kept in step with
attendance_days by triggers). A cadre's rows become one Python int in the *slot layout*:
each month owns 32 bits, day d at bit d-1 of its month's slot, months one after another
from January of a base year - the month columns side by side. Every count a ledger needs
(the term's elapsed days, the forecast window, the days of leave not on post) is then a
popcount of that int under a range mask; range masks depend only on the term, so they are
built once per distinct term. Leave rows become three priority-resolved masks (official,
training, other leave).

Where a window would reach outside the data read (a ledger for a year that has not begun
yet), the domain function runs on exactly the data the old path read, rebuilt from the
masks. tests/domain/test_ledger_aggregate.py checks both paths agree on random data on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import (
    String,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from checkin.domain import attendance, rotation
from checkin.domain.policy import Policy
from checkin.domain.trainings import ledger_kind
from checkin.models import (
    AttendanceDay,
    AttendanceYear,
    Leave,
    Team,
    Training,
    TrainingAttendance,
    User,
)
from checkin.platform import clock
from checkin.platform.among import among
from checkin.platform.periods import overlaps
from checkin.services.attendance import opening

COUNTING_STATUSES = ("approved", "closed")
# The day category each kind of counting leave gives, as in the domain's classification;
# where counting leaves overlap, the day takes the first of OFFICIAL, TRAINING, LEAVE.
OFFICIAL, TRAINING, LEAVE = 0, 1, 2
LEAVE_CATEGORY = {"personal": LEAVE, "sick": LEAVE, "urgent": LEAVE, "official": OFFICIAL,
                  "training": TRAINING}
MONTH_BITS = 32
YEAR_BITS = 12 * MONTH_BITS
_YEARS = AttendanceYear.__table__
_MONTH_COLUMNS = tuple(_YEARS.c[f"m{number:02d}"] for number in range(1, 13))
_LEAVES = Leave.__table__
_ONE_DAY = timedelta(days=1)


class CadreRef(NamedTuple):
    """What a province's page reads of each of its 22,000 cadres for the totals, the sort
    and the ledgers: a row, not an ORM object (several times cheaper to load:
    boards.cadre_refs). The page's own rows become Users (areas.people)."""

    id: int
    village_id: int | None
    team_id: int | None
    unit_id: int | None
    is_leader: bool
    name: str
    term_start: date | None
    term_end: date | None


# A cadre as a ledger reads it: a User or its light row.
C = TypeVar("C", User, CadreRef)


class CadreLedger(NamedTuple, Generic[C]):
    user: C
    ledger: attendance.Ledger
    # The cadre's term in the year (term_of), as the ledger read it: pages that pro-rate
    # the target by it need not load 22,000 cadres' teams again.
    term: tuple[date, date | None] | None = None


def term_of(user: User, team: Team | None, year: int) -> tuple[date, date | None]:
    """The cadre's term: the team's, narrowed by their own start and end (a replacement, a
    cadre recalled or rotated: domain/rotation.split_term)."""
    if team is None:
        return rotation.split_term(date(year, 1, 1), None, user.term_start, user.term_end)
    return rotation.split_term(team.term_start, team.term_end, user.term_start, user.term_end)


def _own_term(cadre: User | CadreRef, terms: dict[int, tuple[date, date | None]], year: int
              ) -> tuple[date, date | None]:
    team = terms.get(cadre.team_id) if cadre.team_id else None
    start, end = team if team is not None else (date(year, 1, 1), None)
    return rotation.split_term(start, end, cadre.term_start, cadre.term_end)


def window(year: int, policy: Policy) -> tuple[date, date]:
    """The days a ledger needs: the year, plus the forecast window reaching back before it."""
    return date(year, 1, 1) - timedelta(days=policy.forecast_window_days), date(year, 12, 31)


def _as_date(value: Any) -> date:
    """A date from the driver: PostgreSQL gives dates, SQLite the stored ISO text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


# The slot layout ------------------------------------------------------------------------

def slot_range(base_year: int, a: date, b: date) -> int:
    """The bits of the days [a, b] (0 when b < a)."""
    mask = 0
    year, month = a.year, a.month
    while (year, month) <= (b.year, b.month):
        low = a.day if (year, month) == (a.year, a.month) else 1
        high = b.day if (year, month) == (b.year, b.month) else calendar.monthrange(
            year, month)[1]
        if low <= high:
            start = ((year - base_year) * 12 + month - 1) * MONTH_BITS + low - 1
            mask |= ((1 << (high - low + 1)) - 1) << start
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return mask


def slot_dates(base_year: int, mask: int) -> set[date]:
    """The days a slot-layout mask holds."""
    days = set()
    while mask:
        low = mask & -mask
        bit = low.bit_length() - 1
        months, day = divmod(bit, MONTH_BITS)
        years, month = divmod(months, 12)
        days.add(date(base_year + years, month + 1, day + 1))
        mask ^= low
    return days


def year_mask(months: Sequence[int]) -> int:
    """The twelve month columns of one attendance_years row as the year in the slot layout."""
    return sum(mask << number * MONTH_BITS for number, mask in enumerate(months))


def day_masks(session: Session, user_ids: Sequence[int], first: date, last: date
              ) -> dict[int, int]:
    """Days on post in [first, last] per cadre, in the slot layout of `first.year`.

    One attendance_years row per cadre and year; cadres without a row are left out.
    """
    base = first.year
    rows = session.execute(
        select(_YEARS.c.user_id, _YEARS.c.year, *_MONTH_COLUMNS)
        .where(among(session, _YEARS.c.user_id, user_ids),
               _YEARS.c.year.between(first.year, last.year)))
    found: dict[int, int] = {}
    for user_id, year, *months in rows:
        found[user_id] = found.get(user_id, 0) | year_mask(months) << (year - base) * YEAR_BITS
    if first == date(first.year, 1, 1) and last == date(last.year, 12, 31):
        return found  # whole years: nothing to cut
    clip = slot_range(base, first, last)
    return {user_id: mask & clip for user_id, mask in found.items() if mask & clip}


def month_masks(session: Session, user_ids: Sequence[int], year: int, month: int
                ) -> dict[int, int]:
    """Days on post in one month per cadre: bit d-1 for day d (one column of one row)."""
    column = _MONTH_COLUMNS[month - 1]
    rows = session.execute(select(_YEARS.c.user_id, column).where(
        among(session, _YEARS.c.user_id, user_ids), _YEARS.c.year == year, column != 0))
    return {user_id: mask for user_id, mask in rows}


def days_on_post(session: Session, user_ids: list[int], first: date, last: date
                 ) -> dict[int, set[date]]:
    """The days on post in [first, last] per cadre from attendance_days, as sets."""
    found: dict[int, set[date]] = defaultdict(set)
    rows = session.execute(
        select(AttendanceDay.user_id, AttendanceDay.day)
        .where(among(session, AttendanceDay.user_id, user_ids),
               AttendanceDay.day.between(first, last)))
    for user_id, day in rows:
        found[user_id].add(day)
    return found


def makeup_days(session: Session, user_ids: Sequence[int], first: date, last: date
                ) -> dict[int, set[date]]:
    """The days on post in [first, last] made by an approved make-up (补卡), per cadre:
    they count as every day on post does; pages and exports show them as make-ups."""
    found: dict[int, set[date]] = defaultdict(set)
    rows = session.execute(
        select(AttendanceDay.user_id, AttendanceDay.day)
        .where(among(session, AttendanceDay.user_id, user_ids),
               AttendanceDay.day.between(first, last),
               AttendanceDay.correction_id.is_not(None)))
    for user_id, day in rows:
        found[user_id].add(_as_date(day))
    return found


# Leave ----------------------------------------------------------------------------------

def _leave_rows(session: Session, user_ids: Sequence[int], first: date, last: date
                ) -> Iterator[tuple[Any, ...]]:
    """(user, kind, start, end, returned_on) of counting leave touching [first, last].

    The dates come as the driver gives them (SQLite: ISO text, see `_as_date`): converting
    tens of thousands of them is the slowest part of reading leave on SQLite otherwise.
    """
    raw = [type_coerce(column, String) for column in (
        _LEAVES.c.start_date, _LEAVES.c.end_date, _LEAVES.c.returned_on)]
    yield from session.execute(
        select(_LEAVES.c.user_id, _LEAVES.c.kind, *raw)
        .where(among(session, _LEAVES.c.user_id, user_ids),
               overlaps(_LEAVES.c.start_date, _LEAVES.c.end_date, first, last),
               _LEAVES.c.status.in_(COUNTING_STATUSES)))
    for user_id, kind, day in session_days(session, user_ids, first, last):
        yield user_id, kind, day, day, None


def session_days(session: Session, user_ids: Sequence[int], first: date, last: date
                 ) -> Iterator[tuple[int, str, date]]:
    """(user, leave kind, day) of each day in [first, last] a cadre was counted present at
    a training or meeting the township or county organised: a day of leave of kind
    'training' (a meeting: 'official') that nobody had to ask for. A day on post as well
    counts once, as any leave does."""
    rows = session.execute(
        select(TrainingAttendance.user_id, Training.kind, TrainingAttendance.day)
        .join(Training, Training.id == TrainingAttendance.training_id)
        .where(among(session, TrainingAttendance.user_id, user_ids),
               TrainingAttendance.counts.is_(True),
               TrainingAttendance.day.between(first, last)).distinct())
    for user_id, kind, day in rows:
        yield user_id, ledger_kind(kind), _as_date(day)


def leaves_of(session: Session, user_ids: Sequence[int], first: date, last: date
              ) -> dict[int, list[attendance.LeaveSpan]]:
    """Counting leave (approved or closed) that touches [first, last], per cadre."""
    found: dict[int, list[attendance.LeaveSpan]] = defaultdict(list)
    raw = [type_coerce(column, String) for column in (
        _LEAVES.c.start_date, _LEAVES.c.end_date, _LEAVES.c.returned_on)]
    rows = session.execute(
        select(_LEAVES.c.user_id, _LEAVES.c.kind, raw[0], raw[1], _LEAVES.c.status, raw[2])
        .where(among(session, _LEAVES.c.user_id, user_ids),
               overlaps(_LEAVES.c.start_date, _LEAVES.c.end_date, first, last),
               _LEAVES.c.status.in_(COUNTING_STATUSES)))
    for user_id, kind, start, end, status, returned in rows:
        found[user_id].append(attendance.LeaveSpan(
            kind, _as_date(start), _as_date(end), status,
            None if returned is None else _as_date(returned)))
    for user_id, kind, day in session_days(session, user_ids, first, last):
        found[user_id].append(attendance.LeaveSpan(kind, day, day, "approved"))
    return found


def leave_masks(session: Session, user_ids: Sequence[int], first: date, last: date
                ) -> dict[int, tuple[int, int, int]]:
    """Days of counting leave in [first, last] per cadre, in the slot layout of first.year,
    as (official, training, other leave) masks: a day covered by several leaves is in the
    mask of the most favourable one only, as in the domain. Cadres without are left out.
    """
    base = first.year
    spans: dict[tuple[Any, Any, Any], int] = {}  # many leaves share their dates
    found: dict[int, list[int]] = {}
    for user_id, kind, start, end, returned in _leave_rows(session, user_ids, first, last):
        key = (start, end, returned)
        mask = spans.get(key)
        if mask is None:
            last_day = _as_date(end)
            if returned is not None:  # a return before the end ends the leave the day before
                last_day = min(last_day, _as_date(returned) - _ONE_DAY)
            mask = spans[key] = slot_range(base, max(first, _as_date(start)),
                                           min(last, last_day))
        if mask:
            masks = found.get(user_id)
            if masks is None:
                masks = found[user_id] = [0, 0, 0]
            masks[LEAVE_CATEGORY[kind]] |= mask
    return {user_id: (official, training & ~official, other & ~official & ~training)
            for user_id, (official, training, other) in found.items()}


# Ledgers --------------------------------------------------------------------------------

@dataclass
class _Frame:
    """What every ledger of one term needs: the range masks and the day-independent parts."""

    exact: bool  # False: a range leaves the data read; use the domain function
    plain: attendance.Ledger  # the ledger with no day and no leave (target, remaining...)
    start: date  # the term's first day in the year
    elapsed_end: date  # the last day counted so far
    window_start: date
    window_days: int  # <= 0: nothing elapsed, no pace to judge
    # Today may still run with nothing counted ("pending"): then the window is the one
    # ending yesterday. today_open: today is the term's last elapsed day.
    today_open: bool = False
    early_start: date | None = None
    early_days: int = 0
    tally: int = 0  # masks of [start, elapsed_end] and of the window, made by `lay_out`
    window: int = 0
    today: int = 0  # the bit of today when today_open
    early: int = 0  # the window ending yesterday
    tally_days: int = 0
    ledgers: dict[tuple[int, ...], attendance.Ledger] = field(default_factory=dict)

    def lay_out(self, base_year: int) -> None:
        self.tally_days = max(0, (self.elapsed_end - self.start).days + 1)
        self.tally = slot_range(base_year, self.start, self.elapsed_end)
        if self.window_days > 0:
            self.window = slot_range(base_year, self.window_start, self.elapsed_end)
        if self.today_open:
            self.today = slot_range(base_year, self.elapsed_end, self.elapsed_end)
            if self.early_days > 0 and self.early_start is not None:
                self.early = slot_range(base_year, self.early_start,
                                        self.elapsed_end - _ONE_DAY)


def _frame(year: int, term: tuple[date, date | None], today: date, policy: Policy,
           first: date) -> _Frame:
    term_start, term_end = term
    start = max(date(year, 1, 1), term_start)
    end = date(year, 12, 31) if term_end is None else min(date(year, 12, 31), term_end)
    elapsed_end = min(end, today)
    window_start = max(elapsed_end - timedelta(days=policy.forecast_window_days - 1),
                       term_start)
    window_days = (elapsed_end - window_start).days + 1
    plain = attendance.yearly_ledger(year, frozenset(), (), term_start, term_end, today,
                                     policy)
    frame = _Frame(exact=window_days <= 0 or window_start >= first, plain=plain, start=start,
                   elapsed_end=elapsed_end, window_start=window_start,
                   window_days=window_days)
    if start <= today <= end:  # today is in the term: it may still be pending
        yesterday = today - _ONE_DAY
        frame.today_open = True
        frame.early_start = max(yesterday - timedelta(days=policy.forecast_window_days - 1),
                                term_start)
        frame.early_days = (yesterday - frame.early_start).days + 1
        if frame.early_days > 0 and frame.early_start < first:
            frame.exact = False
    return frame


def _exact_ledger(frame: _Frame, days: int, leave: tuple[int, int, int] | None,
                  policy: Policy) -> attendance.Ledger:
    tally = frame.tally
    on_post = (days & tally).bit_count()
    covered = days
    official = training = other = 0
    if leave is not None:
        free = ~days
        official_mask, training_mask, other_mask = leave
        official = (official_mask & free & tally).bit_count()
        training = (training_mask & free & tally).bit_count()
        other = (other_mask & free & tally).bit_count()
        covered |= official_mask | training_mask | other_mask
    # Today with nothing on it yet is pending: not absent, and the pace is the one of the
    # window ending yesterday (attendance.yearly_ledger).
    pending = 1 if frame.today_open and not covered & frame.today else 0
    mask, window_days = (frame.early, frame.early_days) if pending else (
        frame.window, frame.window_days)
    window: dict[attendance.DayCategory, int] = {"on_post": (days & mask).bit_count()}
    if leave is not None:
        free = ~days
        window["official"] = (leave[0] & free & mask).bit_count()
        window["training"] = (leave[1] & free & mask).bit_count()
    in_window = attendance.counted_days(window, policy)
    # Within a term these six numbers decide the ledger, and cadres share them often:
    # ledgers are immutable, so equal ones are one object.
    key = (on_post, official, training, other, in_window, pending)
    found = frame.ledgers.get(key)
    if found is None:
        found = frame.ledgers[key] = _count(frame, on_post, official, training, other,
                                            in_window, window_days, pending, policy)
    return found


def _count(frame: _Frame, on_post: int, official: int, training: int, other: int,
           in_window: int, window_days: int, pending: int, policy: Policy
           ) -> attendance.Ledger:
    plain = frame.plain
    counted = attendance.counted_days(
        {"on_post": on_post, "official": official, "training": training}, policy)
    remaining = plain.remaining_days
    to_come = remaining + pending
    expected = to_come if window_days <= 0 else in_window * to_come // window_days
    forecast = counted + expected
    return attendance.Ledger(
        year=plain.year, target_days=plain.target_days, on_post_days=on_post,
        official_days=official, training_days=training, leave_days=other,
        absent_days=frame.tally_days - on_post - official - training - other - pending,
        counted_days=counted, forecast_days=forecast, on_pace=forecast >= plain.target_days,
        training_target=plain.training_target, remaining_days=remaining,
        pending_days=pending,
    )


def team_terms(session: Session, team_ids: Iterable[int]) -> dict[int, tuple[date, date | None]]:
    rows = session.execute(select(Team.id, Team.term_start, Team.term_end)
                           .where(among(session, Team.id, sorted(set(team_ids)))))
    return {team_id: (start, end) for team_id, start, end in rows}


def ledgers(session: Session, cadres: Sequence[C], year: int, policy: Policy
            ) -> list[CadreLedger[C]]:
    """The year's ledger of every cadre, in their order: four queries, whatever the number
    of cadres. A cadre with an opening balance of the year (开账) is counted from go-live
    on, over the term cut there, and the balance is added (attendance.with_opening)."""
    first, last = window(year, policy)
    today = clock.today()
    teams = team_terms(session, {c.team_id for c in cadres if c.team_id})
    ids = [c.id for c in cadres]
    balances = opening.balances_of(session, ids, year)
    # One frame per distinct term: a team's, or a cadre's own within it (a rotation); a
    # cadre with an opening balance is counted over that term cut at go-live.
    keys = [(c.id, _own_term(c, teams, year)) for c in cadres]
    frames: dict[tuple[date, date | None], _Frame] = {}

    def counted_term(user_id: int, term: tuple[date, date | None]
                     ) -> tuple[date, date | None]:
        held = balances.get(user_id)
        return term if held is None else (max(term[0], held.go_live), term[1])

    for user_id, term in keys:
        cut = counted_term(user_id, term)
        if cut not in frames:
            frames[cut] = _frame(year, cut, today, policy, first)
    # Read only as far back as some ledger looks (all of it for the domain path): a year
    # nearly always needs its own days only. Bits before `read_from` are never used.
    read_from = date(year, 1, 1)
    for frame in frames.values():
        if not frame.exact:
            read_from = first
        else:
            if frame.window_days > 0:
                read_from = min(read_from, frame.window_start)
            if frame.early_days > 0 and frame.early_start is not None:
                read_from = min(read_from, frame.early_start)
    base = read_from.year
    for frame in frames.values():
        if frame.exact:
            frame.lay_out(base)
    masks = day_masks(session, ids, read_from, last)
    leave = leave_masks(session, ids, read_from, last)
    fallback = [user_id for user_id, term in keys
                if not frames[counted_term(user_id, term)].exact]
    spans = leaves_of(session, fallback, first, last) if fallback else {}
    out = []
    for cadre, (user_id, term) in zip(cadres, keys, strict=True):
        frame = frames[counted_term(user_id, term)]
        balance = balances.get(user_id)
        if frame.exact:
            led = _exact_ledger(frame, masks.get(user_id, 0), leave.get(user_id), policy)
            if balance is not None:
                led = attendance.with_opening(led, balance, term[0], term[1], policy)
        else:
            led = attendance.yearly_ledger(
                year, slot_dates(base, masks.get(user_id, 0)), spans.get(user_id, []),
                term[0], term[1], today, policy, balance)
        out.append(CadreLedger(cadre, led, term))
    return out


def month(session: Session, cadre: User, year: int, month_no: int) -> attendance.MonthGrid:
    first = date(year, month_no, 1)
    last = date(year, month_no, calendar.monthrange(year, month_no)[1])
    days = days_on_post(session, [cadre.id], first, last).get(cadre.id, set())
    leaves = leaves_of(session, [cadre.id], first, last).get(cadre.id, [])
    start, end = term_of(cadre, cadre.team, year)
    start = attendance.opened_term_start(
        start, opening.balances_of(session, [cadre.id], year).get(cadre.id))
    made_up = makeup_days(session, [cadre.id], first, last).get(cadre.id, set())
    return attendance.month_grid(year, month_no, days, leaves, start, end, clock.today(),
                                 made_up)


def reference_ledgers(session: Session, cadres: Sequence[C], year: int, policy: Policy
                      ) -> list[CadreLedger[C]]:
    """The domain function over every (cadre, day) row: the path `ledgers` replaces.

    Kept for the identity test and the benchmark, not for pages.
    """
    first, last = window(year, policy)
    ids = [c.id for c in cadres]
    days = days_on_post(session, ids, first, last)
    leaves = leaves_of(session, ids, first, last)
    terms = team_terms(session, (c.team_id for c in cadres if c.team_id))
    balances = opening.balances_of(session, ids, year)
    today = clock.today()
    out = []
    for cadre in cadres:
        start, end = _own_term(cadre, terms, year)
        out.append(CadreLedger(cadre, attendance.yearly_ledger(
            year, days.get(cadre.id, set()), leaves.get(cadre.id, []), start, end, today,
            policy, balances.get(cadre.id)), (start, end)))
    return out
