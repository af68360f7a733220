"""Shortfalls of the year: cadres below the training days expected by today (业务培训,
POLICY_TRAINING_DAYS_PER_YEAR, pro-rated to the term's days that have ended) and first
secretaries who missed a quarterly meeting they were asked to. A few queries for any
number of cadres; the organiser's marks are counted apart so a page can show them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Generic

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import trainings
from checkin.domain.policy import Policy
from checkin.models import Leave, Training, TrainingAttendance, TrainingInvitee
from checkin.platform import clock
from checkin.platform.among import among
from checkin.platform.periods import overlaps
from checkin.services.attendance import ledger

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class CadreShortfall(Generic[ledger.C]):
    user: ledger.C  # a User, or for a province's list a light row (ledger.CadreRef)
    found: trainings.Shortfall
    missed_titles: tuple[str, ...]


def _elapsed(year: int, today: date) -> tuple[date, date]:
    return date(year, 1, 1), min(date(year, 12, 31), today - _ONE_DAY)


def _training_leave_days(session: Session, ids: Sequence[int], first: date, last: date
                         ) -> dict[int, set[date]]:
    found: dict[int, set[date]] = defaultdict(set)
    if last < first:
        return found
    for leave in session.scalars(select(Leave).where(
            among(session, Leave.user_id, ids), Leave.kind == "training",
            Leave.status.in_(ledger.COUNTING_STATUSES),
            overlaps(Leave.start_date, Leave.end_date, first, last))):
        end = leave.end_date if leave.returned_on is None else min(
            leave.end_date, leave.returned_on - _ONE_DAY)
        day = max(first, leave.start_date)
        while day <= min(last, end):
            found[leave.user_id].add(day)
            day += _ONE_DAY
    return found


def of_cadres(session: Session, cadres: Sequence[ledger.C], year: int, policy: Policy,
              today: date | None = None) -> list[CadreShortfall[ledger.C]]:
    """Every cadre's training days and meetings of `year`, in their order."""
    today = today or clock.today()
    first, last = _elapsed(year, today)
    ids = [c.id for c in cadres]
    session_days: dict[int, set[date]] = defaultdict(set)
    marked: dict[int, set[date]] = defaultdict(set)
    attended: dict[int, set[int]] = defaultdict(set)
    rows = session.execute(
        select(TrainingAttendance.user_id, TrainingAttendance.day, TrainingAttendance.method,
               Training.kind, Training.id)
        .join(Training, Training.id == TrainingAttendance.training_id)
        .where(among(session, TrainingAttendance.user_id, ids),
               TrainingAttendance.counts.is_(True),
               TrainingAttendance.day.between(date(year, 1, 1), date(year, 12, 31))))
    for user_id, day, method, kind, training_id in rows:
        attended[user_id].add(training_id)
        if kind == "training" and first <= day <= last:
            session_days[user_id].add(day)
            if method == "organiser":
                marked[user_id].add(day)
    meetings: dict[int, list[tuple[int, date]]] = defaultdict(list)
    titles: dict[int, str] = {}
    for user_id, training_id, last_day, title in session.execute(
            select(TrainingInvitee.user_id, Training.id, Training.last_day, Training.title)
            .join(Training, Training.id == TrainingInvitee.training_id)
            .where(among(session, TrainingInvitee.user_id, ids), Training.kind == "meeting",
                   Training.first_day.between(date(year, 1, 1), date(year, 12, 31)))):
        meetings[user_id].append((training_id, last_day))
        titles[training_id] = title
    leave_days = _training_leave_days(session, ids, first, last)
    terms = ledger.team_terms(session, {c.team_id for c in cadres if c.team_id})
    out = []
    for cadre in cadres:
        start, end = terms.get(cadre.team_id or -1, (date(year, 1, 1), None))
        expected = trainings.expected_training_days(policy.training_days_per_year, year,
                                                    today, start, end)
        found = trainings.shortfall(cadre.id, session_days[cadre.id], marked[cadre.id],
                                    leave_days[cadre.id], meetings[cadre.id],
                                    attended[cadre.id], expected, policy, today)
        out.append(CadreShortfall(cadre, found,
                                  tuple(titles[i] for i in found.meetings_missed)))
    return out


def sessions_of(session: Session, user_id: int, year: int) -> list[tuple[Training, int, int]]:
    """The sessions of `year` a cadre was asked to: (session, days counted, of them marked
    by the organiser), first first."""
    stmt = (select(Training).join(TrainingInvitee, TrainingInvitee.training_id == Training.id)
            .where(TrainingInvitee.user_id == user_id,
                   Training.first_day.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(Training.first_day, Training.id))
    found = list(session.scalars(stmt))
    counted: dict[int, list[str]] = defaultdict(list)
    if found:
        for training_id, method in session.execute(
                select(TrainingAttendance.training_id, TrainingAttendance.method)
                .where(TrainingAttendance.user_id == user_id,
                       TrainingAttendance.counts.is_(True),
                       among(session, TrainingAttendance.training_id, [t.id for t in found]))):
            counted[training_id].append(method)
    return [(t, len(counted[t.id]), counted[t.id].count("organiser")) for t in found]
