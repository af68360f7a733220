"""Attendance ledgers: one cadre's year, and one row per cadre for a jurisdiction."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import attendance
from checkin.domain.policy import Policy
from checkin.models import AttendanceDay, Leave, Team, User
from checkin.services import clock
from checkin.services.leaves import span


@dataclass(frozen=True)
class CadreLedger:
    user: User
    ledger: attendance.Ledger


def term_of(user: User, team: Team | None, year: int) -> tuple[date, date | None]:
    if team is None:
        return date(year, 1, 1), None
    return team.term_start, team.term_end


def window(year: int, policy: Policy) -> tuple[date, date]:
    """The days a ledger needs: the year, plus the forecast window reaching back before it."""
    return date(year, 1, 1) - timedelta(days=policy.forecast_window_days), date(year, 12, 31)


def days_on_post(session: Session, user_ids: list[int], first: date, last: date
                 ) -> dict[int, set[date]]:
    found: dict[int, set[date]] = defaultdict(set)
    rows = session.execute(
        select(AttendanceDay.user_id, AttendanceDay.day)
        .where(AttendanceDay.user_id.in_(user_ids), AttendanceDay.day.between(first, last))
    )
    for user_id, day in rows:
        found[user_id].add(day)
    return found


def leaves_of(session: Session, user_ids: list[int], first: date, last: date
              ) -> dict[int, list[attendance.LeaveSpan]]:
    found: dict[int, list[attendance.LeaveSpan]] = defaultdict(list)
    rows = session.scalars(select(Leave).where(
        Leave.user_id.in_(user_ids), Leave.start_date <= last, Leave.end_date >= first,
        Leave.status.in_(("approved", "closed"))))
    for leave in rows:
        found[leave.user_id].append(span(leave))
    return found


def ledgers(session: Session, cadres: list[User], year: int, policy: Policy
            ) -> list[CadreLedger]:
    """Ledgers for many cadres with two queries in all, whatever their number."""
    first, last = window(year, policy)
    ids = [c.id for c in cadres]
    days = days_on_post(session, ids, first, last)
    leaves = leaves_of(session, ids, first, last)
    teams = {t.id: t for t in session.scalars(select(Team).where(
        Team.id.in_({c.team_id for c in cadres if c.team_id})))}
    today = clock.today()
    out = []
    for cadre in cadres:
        start, end = term_of(cadre, teams.get(cadre.team_id or -1), year)
        out.append(CadreLedger(cadre, attendance.yearly_ledger(
            year, days.get(cadre.id, set()), leaves.get(cadre.id, []), start, end, today,
            policy)))
    return out


def month(session: Session, cadre: User, year: int, month_no: int) -> attendance.MonthGrid:
    first = date(year, month_no, 1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    days = days_on_post(session, [cadre.id], first, last).get(cadre.id, set())
    leaves = leaves_of(session, [cadre.id], first, last).get(cadre.id, [])
    start, end = term_of(cadre, cadre.team, year)
    return attendance.month_grid(year, month_no, days, leaves, start, end, clock.today())
