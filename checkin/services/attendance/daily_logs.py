"""The daily log (日纪实): writing a version exactly once, reading a day's versions, the
draft from the day's records, and the newest log of many cadres' days for supervisors.

The rules are in `checkin.domain.daily_log`. A cadre's log writes are serialised
(platform.locks) from the check of the chain to the commit, so two edits of the same
version, or two first entries of a day, cannot both pass the check; the unique keys of
migration 0014 refuse them anyway.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checkin.domain import daily_log
from checkin.domain.refusal import Refusal
from checkin.models import Checkin, DailyLog, Household, Leave, User, Visit
from checkin.platform import audit, clock, locks
from checkin.platform.among import among
from checkin.platform.exactly_once import replay_or_conflict


@dataclass(frozen=True)
class LogInput:
    id: str
    day: date
    text: str
    supersedes: str | None
    queued: bool
    digest: str


def existing(session: Session, data: LogInput) -> DailyLog | None:
    """The stored version for a replay (same payload), or 409 for a reused id."""
    stored = session.get(DailyLog, data.id)
    if stored is not None:
        replay_or_conflict(stored.digest, data.digest)
    return stored


def versions_of(session: Session, user_id: int, day: date) -> list[DailyLog]:
    """A cadre's versions of one day's log, along the chain: the first entry first."""
    rows = {r.id: r for r in session.scalars(select(DailyLog).where(
        DailyLog.user_id == user_id, DailyLog.day == day))}
    return [rows[v.id] for v in daily_log.in_order(_chain(list(rows.values())))]


def _chain(rows: Sequence[DailyLog]) -> list[daily_log.Version]:
    return [daily_log.Version(r.id, r.supersedes_id) for r in rows]


def newest_of(rows: Sequence[DailyLog]) -> DailyLog | None:
    head = daily_log.newest(_chain(rows))
    return next((r for r in rows if head is not None and r.id == head.id), None)


def record(session: Session, user: User, data: LogInput) -> DailyLog:
    """Store one version of the cadre's log of `data.day` and its audit entry (flushed;
    the caller commits). No position, no check-in: the day's category is not touched."""
    if user.village_id is None:
        raise Refusal("no_village")
    text = daily_log.validate_entry(data.text, data.day, clock.today())
    locks.serialise(session, locks.DAILY_LOGS, user.id)
    stored = existing(session, data)  # a replay that waited for its original
    if stored is not None:
        return stored
    daily_log.check_supersedes(_chain(versions_of(session, user.id, data.day)),
                               data.supersedes)
    row = DailyLog(id=data.id, user_id=user.id, village_id=user.village_id, day=data.day,
                   text=text, supersedes_id=data.supersedes, created_at=clock.now(),
                   queued=data.queued, digest=data.digest)
    session.add(row)
    audit.record(session, actor_id=user.id, action="daily_log.create", entity="daily_log",
                 entity_id=row.id, after={"digest": row.digest, "day": row.day.isoformat(),
                                          "supersedes": row.supersedes_id})
    return row


def draft(session: Session, user: User, day: date) -> list[daily_log.DraftItem]:
    """The day's check-ins, visits and contacts, and the leave covering it, as the draft's
    items (read only)."""
    zone = clock.zone()
    checkins = [daily_log.CheckinFact(c.recorded_at.astimezone(zone).strftime("%H:%M"),
                                      c.counts_for_day, c.distance_m)
                for c in session.scalars(select(Checkin).where(
                    Checkin.user_id == user.id, Checkin.local_day == day)
                    .order_by(Checkin.recorded_at))]
    visits = [daily_log.VisitFact(v.recorded_at.astimezone(zone).strftime("%H:%M"), v.kind,
                                  head, v.note or "")
              for v, head in session.execute(
                  select(Visit, Household.head_name)
                  .join(Household, Household.id == Visit.household_id)
                  .where(Visit.user_id == user.id, Visit.local_day == day)
                  .order_by(Visit.recorded_at))]
    leaves = [daily_log.LeaveFact(row.kind, row.start_date, row.end_date)
              for row in session.scalars(select(Leave).where(
                  Leave.user_id == user.id, Leave.status.in_(("approved", "closed")),
                  Leave.start_date <= day, Leave.end_date >= day))
              if row.returned_on is None or row.returned_on > day]
    return daily_log.draft_items(checkins, visits, leaves)


def newest_by_day(session: Session, user_ids: Sequence[int], first: date, last: date
                  ) -> dict[tuple[int, date], DailyLog]:
    """The newest version of each (cadre, day) log in [first, last]: one query."""
    replaced = select(DailyLog.supersedes_id).where(DailyLog.supersedes_id.is_not(None),
                                                    DailyLog.day.between(first, last))
    rows = session.scalars(select(DailyLog).where(
        among(session, DailyLog.user_id, list(user_ids)), DailyLog.day.between(first, last),
        DailyLog.id.not_in(replaced)))
    return {(row.user_id, row.day): row for row in rows}


def version_counts(session: Session, user_id: int, first: date, last: date
                   ) -> dict[date, int]:
    """How many versions each day's log of one cadre has (1: never edited)."""
    return {day: n for day, n in session.execute(
        select(DailyLog.day, func.count()).where(
            DailyLog.user_id == user_id, DailyLog.day.between(first, last))
        .group_by(DailyLog.day))}


def days_with_log(session: Session, user_ids: Sequence[int], first: date, last: date
                  ) -> set[tuple[int, date]]:
    """(cadre, day) pairs in [first, last] that have a log: the month grid marks them
    (the texts stay in the cadre's file)."""
    rows = session.execute(select(DailyLog.user_id, DailyLog.day).where(
        among(session, DailyLog.user_id, list(user_ids)), DailyLog.day.between(first, last),
        DailyLog.supersedes_id.is_(None)))
    return {(user_id, day) for user_id, day in rows}
