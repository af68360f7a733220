"""What a supervisor needs to decide leave, and the register of decided leave.

Decisions:

- "Away" teammates: the other members of the cadre's team whose leave (asked, approved or
  closed) touches the same days; pending ones are shown as such, so two asking for the same
  week are seen together.
- Standing: the year's ledger of the cadre (days counted against the target and the
  forecast) and the days expected by today at an even pace over the term's days so far.
- The register lists leave that was decided (approved, rejected or closed), newest start
  first; the month filter keeps leave touching that month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import attendance
from checkin.domain.policy import Policy
from checkin.models import AttendanceCorrection, CorrectionDecision, Leave, User
from checkin.platform import clock, keyset
from checkin.platform.among import among
from checkin.platform.periods import overlaps
from checkin.scope import Scope
from checkin.services.attendance import ledger

AWAY_STATUSES = ("pending", "approved", "closed")
DECIDED_STATUSES = ("approved", "rejected", "closed")
REGISTER_PAGE = 200
# Each list of the inbox a page at a time: a county's waiting leave is dozens, a province's
# thousands (bench: 13,000 pending, 13,000 approved).
INBOX_PAGE = 50


@dataclass(frozen=True)
class InboxRow:
    leave: Leave
    days: int
    away: list[Leave]  # teammates' leave over the same days
    ledger: attendance.Ledger
    expected_by_today: int


def days_of(leave: Leave) -> int:
    return (leave.end_date - leave.start_date).days + 1


def with_people(stmt: Select[Leave]) -> Select[Leave]:
    return stmt.options(selectinload(Leave.user).selectinload(User.village),
                        selectinload(Leave.user).selectinload(User.team),
                        selectinload(Leave.decided_by))


def _day_key(parts: list[Any]) -> list[Any] | None:
    """A cursor's (day, id) back as column values; None for a day that is not one."""
    try:
        return [date.fromisoformat(parts[0]), parts[1]]
    except ValueError:
        return None


def _by_day(session: Session, stmt: Select[Any], day: Any, key: Any, cursor: str
            ) -> keyset.Page[Any]:
    return keyset.page(session, stmt, (day, key),
                       lambda row: (getattr(row, day.key).isoformat(), getattr(row, key.key)),
                       cursor, (str, str), INBOX_PAGE, parse=_day_key)


def pending_page(session: Session, scope: Scope, cursor: str = "") -> keyset.Page[Leave]:
    """Leave waiting for a decision, the soonest first, a page at a time."""
    stmt = with_people(select(Leave).where(scope.owned_by_user(Leave.user_id, Leave.village_id),
                                           Leave.status == "pending"))
    return _by_day(session, stmt, Leave.start_date, Leave.id, cursor)


def overdue_page(session: Session, scope: Scope, today: date, cursor: str = ""
                 ) -> keyset.Page[Leave]:
    """Approved leave whose last day is behind us and not closed (销假), the longest
    overdue first (attendance.is_return_overdue, in SQL)."""
    stmt = with_people(select(Leave).where(scope.owned_by_user(Leave.user_id, Leave.village_id),
                                           Leave.status == "approved", Leave.end_date < today))
    return _by_day(session, stmt, Leave.end_date, Leave.id, cursor)


def makeups_page(session: Session, scope: Scope, cursor: str = ""
                 ) -> keyset.Page[AttendanceCorrection]:
    """Make-ups (补卡) waiting for a decision, the oldest day first."""
    stmt = select(AttendanceCorrection).options(selectinload(AttendanceCorrection.user)).where(
        scope.owned_by_user(AttendanceCorrection.user_id, AttendanceCorrection.village_id),
        AttendanceCorrection.id.not_in(select(CorrectionDecision.correction_id)))
    return _by_day(session, stmt, AttendanceCorrection.day, AttendanceCorrection.id, cursor)


def inbox_rows(session: Session, pending: list[Leave], policy: Policy) -> list[InboxRow]:
    """The pending leave with what deciding needs; a handful of queries for any number."""
    if not pending:
        return []
    cadres = list({leave.user_id: leave.user for leave in pending}.values())
    year = clock.today().year
    ledgers = {item.user.id: item.ledger for item in ledger.ledgers(session, cadres, year,
                                                                     policy)}
    teams = {c.team_id for c in cadres if c.team_id is not None}
    first = min(leave.start_date for leave in pending)
    last = max(leave.end_date for leave in pending)
    by_team: dict[int, list[Leave]] = defaultdict(list)
    if teams:
        for other in session.scalars(with_people(
                select(Leave).join(User, User.id == Leave.user_id)
                .where(among(session, User.team_id, sorted(teams)),
                       Leave.status.in_(AWAY_STATUSES),
                       overlaps(Leave.start_date, Leave.end_date, first, last))
                .order_by(Leave.start_date))):
            by_team[other.user.team_id or 0].append(other)
    return [InboxRow(leave, days_of(leave), _away(leave, by_team), ledgers[leave.user_id],
                     expected_by_today(ledgers[leave.user_id], leave.user, year))
            for leave in pending]


def _away(leave: Leave, by_team: dict[int, list[Leave]]) -> list[Leave]:
    if leave.user.team_id is None:
        return []
    return [other for other in by_team.get(leave.user.team_id, [])
            if other.user_id != leave.user_id and other.start_date <= leave.end_date
            and other.end_date >= leave.start_date]


def expected_by_today(led: attendance.Ledger, cadre: User, year: int) -> int:
    """The target's share for the term's days of the year up to today."""
    today = clock.today()
    start, end = ledger.term_of(cadre, cadre.team, year)
    first = max(date(year, 1, 1), start)
    last = min(today, date(year, 12, 31), end or date(year, 12, 31))
    if last < first:
        return 0
    term_last = min(date(year, 12, 31), end or date(year, 12, 31))
    term_days = (term_last - first).days + 1
    return -(-led.target_days * ((last - first).days + 1) // term_days)


@dataclass(frozen=True)
class RegisterFilters:
    status: str | None = None
    kind: str | None = None
    month: tuple[int, int] | None = None


def register(scope: Scope, filters: RegisterFilters) -> Select[Leave]:
    """Decided leave in the scope, newest start first."""
    stmt = select(Leave).where(scope.owned_by_user(Leave.user_id, Leave.village_id),
                               Leave.status.in_(DECIDED_STATUSES))
    if filters.status in DECIDED_STATUSES:
        stmt = stmt.where(Leave.status == filters.status)
    if filters.kind in attendance.LEAVE_KINDS:
        stmt = stmt.where(Leave.kind == filters.kind)
    if filters.month is not None:
        year, month = filters.month
        first = date(year, month, 1)
        after = date(year + month // 12, month % 12 + 1, 1)
        stmt = stmt.where(Leave.start_date < after, Leave.end_date >= first)
    return with_people(stmt.order_by(Leave.start_date.desc(), Leave.id))


def register_page(session: Session, scope: Scope, filters: RegisterFilters, page: int
                  ) -> tuple[list[Leave], bool]:
    rows = list(session.scalars(register(scope, filters).limit(REGISTER_PAGE + 1)
                                .offset((page - 1) * REGISTER_PAGE)))
    return rows[:REGISTER_PAGE], len(rows) > REGISTER_PAGE
