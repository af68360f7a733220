"""The cadre's standing for the home page: the year's ledger against what is expected by
today, today's check-ins and the leave that needs the cadre (read only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import attendance, standing
from checkin.domain.policy import Policy
from checkin.models import Checkin, Leave, User
from checkin.services.attendance import leaves, ledger


@dataclass(frozen=True)
class LeaveNeed:
    leave: Leave
    state: standing.LeaveState


@dataclass(frozen=True)
class Standing:
    ledger: attendance.Ledger
    expected_by_today: int
    year_target: int
    today: standing.TodayWord
    checkins_today: int
    latest_flags: list[str]
    leave: list[LeaveNeed]

    @property
    def ahead(self) -> int:
        """Counted days above (positive) or below (negative) what is expected by today."""
        return self.ledger.counted_days - self.expected_by_today


def cadre_standing(session: Session, cadre: User, today: date, policy: Policy) -> Standing:
    [mine] = ledger.ledgers(session, [cadre], today.year, policy)
    start, end = ledger.term_of(cadre, cadre.team, today.year)
    todays = session.scalars(select(Checkin).where(
        Checkin.user_id == cadre.id, Checkin.local_day == today)
        .order_by(Checkin.recorded_at.desc())).all()
    rows = session.scalars(select(Leave).where(Leave.user_id == cadre.id)
                           .order_by(Leave.start_date)).all()
    needs = [LeaveNeed(row, state) for row in rows
             if (state := standing.leave_state(leaves.span(row), today)) is not None]
    on_leave = any(n.state == "running" for n in needs)
    return Standing(
        ledger=mine.ledger,
        expected_by_today=standing.expected_so_far(today, today.year, start, end, policy,
                                                   bool(mine.ledger.pending_days)),
        year_target=policy.days_on_post_per_year,
        today=standing.today_word([c.counts_for_day for c in todays], on_leave),
        checkins_today=len(todays),
        latest_flags=todays[0].flag_list if todays else [],
        leave=needs)
