"""Recording a check-in: validate, judge it against the fence, store it and its day.

A check-in is written as every other record made on the phone: through the request's
session, exactly once (api/once.store_once with `existing` and `record`). The check-in,
its attendance day if it counts (migration 0004's triggers fold the day into
attendance_years, which keeps the year ledger fast) and its audit entry are flushed in the
caller's transaction; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from checkin.domain import boundary, geofence
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import AttendanceDay, Checkin, RoundCheckin, User, Village
from checkin.platform import audit, clock
from checkin.platform.exactly_once import replay_or_conflict
from checkin.services.attendance import leaves

MAX_NOTE = 2000
# The flag of a check-in made on a day of approved leave not yet closed (销假).
DURING_LEAVE = "during_leave"

# Built once: the same statements for every check-in, only their parameters change.
_FENCE = select(Village.lat, Village.lon, Village.radius_m, Village.boundary).where(
    Village.id == bindparam("village_id"))
# A person's positions are one trail, whichever kind of check-in made them: their own
# village's and a duty's over several villages (巡村), so nobody is in two places at once
# by using the other kind.
_PREVIOUS_FIX = [
    select(model.lat, model.lon, model.recorded_at, model.accuracy_m)
    .where(model.user_id == bindparam("user_id"), model.recorded_at <= bindparam("before"))
    .order_by(model.recorded_at.desc()).limit(1)
    for model in (Checkin, RoundCheckin)]
# The first counting check-in of a day makes the day; later ones change nothing (also when
# two of them race: the database keeps the first).
_MARK_DAY = {name: dialect_insert(AttendanceDay).on_conflict_do_nothing(
                 index_elements=["user_id", "day"])
             for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))}


@dataclass(frozen=True)
class CheckinInput:
    id: str
    lat: float
    lon: float
    accuracy_m: float
    recorded_at: datetime
    note: str | None
    queued: bool
    digest: str


def existing(session: Session, data: CheckinInput) -> Checkin | None:
    """The stored record for a replay (same payload), or 409 for a reused id."""
    stored = session.get(Checkin, data.id)
    if stored is not None:
        replay_or_conflict(stored.digest, data.digest)
    return stored


def previous_fix(session: Session, user_id: int, before: datetime
                 ) -> geofence.PreviousFix | None:
    """The person's latest check-in of either kind at or before `before` (visits use it
    too): two indexed look-ups, the later one wins."""
    found = [session.execute(stmt, {"user_id": user_id, "before": before}).first()
             for stmt in _PREVIOUS_FIX]
    rows = [r for r in found if r is not None]
    if not rows:
        return None
    row = max(rows, key=lambda r: r.recorded_at)
    return geofence.PreviousFix(lat=row.lat, lon=row.lon, recorded_at=row.recorded_at,
                                accuracy_m=row.accuracy_m)


def fence_of(session: Session, village_id: int) -> geofence.Fence | None:
    row = session.execute(_FENCE, {"village_id": village_id}).first()
    return None if row is None else fence_from(row.lat, row.lon, row.radius_m, row.boundary)


def fence_from(lat: float, lon: float, radius_m: float, wkt: str | None) -> geofence.Fence:
    """A village's fence: its boundary when it has one, else its circle."""
    return geofence.Fence(lat, lon, radius_m, None if wkt is None else boundary.load(wkt))


def record(session: Session, user: User, data: CheckinInput, policy: Policy) -> Checkin:
    """Judge the check-in against the cadre's village fence and store it, its day if it
    counts and its audit entry (flushed; the caller commits)."""
    received = clock.now()
    geofence.validate_position(data.lat, data.lon, data.accuracy_m)
    geofence.validate_recorded_at(data.recorded_at, received)
    village_id = user.village_id
    fence = None if village_id is None else fence_of(session, village_id)
    if village_id is None or fence is None:
        raise Refusal("no_village")
    facts = geofence.CheckinFacts(lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m,
                                  recorded_at=data.recorded_at, received_at=received,
                                  live=not data.queued)
    verdict = geofence.evaluate_checkin(
        facts, fence,
        previous_fix(session, user.id, data.recorded_at), policy)
    flags = list(verdict.flags)
    reasons = [{"code": r.code, "params": dict(r.params)} for r in verdict.reasons]
    local_day = clock.local_day(data.recorded_at)
    on_leave = leaves.open_on(session, user.id, local_day)
    if on_leave is not None:  # on post while on approved leave: the phone offers 销假
        flags.append(DURING_LEAVE)
        reasons.append({"code": DURING_LEAVE, "params": {
            "start": on_leave.start_date.isoformat(), "end": on_leave.end_date.isoformat()}})
    checkin = Checkin(
        id=data.id, user_id=user.id, village_id=village_id, recorded_at=data.recorded_at,
        received_at=received, local_day=local_day, lat=data.lat,
        lon=data.lon, accuracy_m=data.accuracy_m, distance_m=round(verdict.distance_m, 1),
        in_fence=verdict.in_fence, counts_for_day=verdict.counts_for_day,
        flags=",".join(flags), note=data.note, reasons=reasons,
        queued=data.queued, digest=data.digest)
    session.add(checkin)
    audit.record(session, actor_id=user.id, action="checkin.create", entity="checkin",
                 entity_id=checkin.id, after={"digest": checkin.digest})
    session.flush()  # a concurrent request with the same id fails here
    if checkin.counts_for_day:
        mark_day(session, checkin)
    return checkin


def mark_day(session: Session, checkin: Checkin) -> None:
    """The check-in's attendance day, unless the cadre has it already."""
    session.execute(_MARK_DAY[session.get_bind().dialect.name], {
        "user_id": checkin.user_id, "day": checkin.local_day, "village_id": checkin.village_id,
        "first_checkin_id": checkin.id})
