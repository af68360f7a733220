"""Make-up requests (补卡): asked by a cadre exactly once, decided once by the township (or
above) of that cadre; an approved one makes the day in attendance_days, like the first
counting check-in of a day does, so every ledger (year, month grid, bulletin, exports)
counts it, and names the make-up there so that pages can show it as such."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from checkin.domain import geofence, makeup
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import AttendanceCorrection, AttendanceDay, CorrectionDecision, User
from checkin.platform import audit, clock, locks
from checkin.platform.exactly_once import replay_or_conflict
from checkin.services import notify

_MARK_DAY = {name: dialect_insert(AttendanceDay).on_conflict_do_nothing(
                 index_elements=["user_id", "day"])
             for name, dialect_insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))}


@dataclass(frozen=True)
class CorrectionInput:
    id: str
    day: date
    reason: str
    lat: float | None
    lon: float | None
    digest: str


def existing(session: Session, data: CorrectionInput) -> AttendanceCorrection | None:
    stored = session.get(AttendanceCorrection, data.id)
    if stored is not None:
        replay_or_conflict(stored.digest, data.digest)
    return stored


def stored_or_serialised(session: Session, user: User, data: CorrectionInput
                         ) -> AttendanceCorrection | None:
    """The stored request of a replay. Otherwise the cadre's make-up requests are
    serialised from here to the commit (platform.locks) and the id is looked up again: a
    replay that raced its original and waited for it answers the stored request."""
    stored = existing(session, data)
    if stored is not None:
        return stored
    locks.serialise(session, locks.MAKEUP_REQUESTS, user.id)
    return existing(session, data)


def _earlier(session: Session, user_id: int, day: date) -> list[makeup.MakeupOfDay]:
    rows = session.scalars(select(AttendanceCorrection).where(
        AttendanceCorrection.user_id == user_id, AttendanceCorrection.day == day))
    return [makeup.MakeupOfDay(row.day, row.status) for row in rows]


def request_makeup(session: Session, user: User, data: CorrectionInput, policy: Policy
                   ) -> AttendanceCorrection:
    """Store the request and its audit entry (flushed; the caller commits), checked against
    the cadre's other make-ups while their requests are serialised: the database's lock,
    not only this check, keeps one pending make-up a day."""
    if user.village_id is None:
        raise Refusal("no_village")
    locks.serialise(session, locks.MAKEUP_REQUESTS, user.id)
    if data.lat is not None and data.lon is not None:
        geofence.validate_position(data.lat, data.lon, 0.0)
    counts = session.get(AttendanceDay, (user.id, data.day)) is not None
    makeup.validate_makeup_request(data.day, clock.today(), counts,
                                   _earlier(session, user.id, data.day), policy)
    row = AttendanceCorrection(id=data.id, user_id=user.id, village_id=user.village_id,
                               day=data.day, reason=data.reason, lat=data.lat, lon=data.lon,
                               created_at=clock.now(), digest=data.digest)
    session.add(row)
    audit.record(session, actor_id=user.id, action="correction.request",
                 entity="attendance_correction", entity_id=row.id,
                 after={"digest": data.digest, "day": data.day.isoformat()})
    session.flush()
    notify.makeup_asked(session, row)
    return row


def refuse_if_decided(correction: AttendanceCorrection) -> None:
    decision = correction.decision
    if decision is not None:
        raise makeup.refuse_second_decision(
            decision.decided_by.name, decision.decided_at.astimezone(clock.zone()),
            correction.status)


def decide(session: Session, supervisor: User, correction: AttendanceCorrection,
           approve: bool, comment: str | None) -> CorrectionDecision:
    """Record the decision (a second row; the request is never changed) and, if approved,
    the cadre's day; audited. A concurrent second decision fails at the flush on the
    decision's key (the caller answers it as the 409). Decisions are serialised with the
    cadre's make-up requests and the request read again, so two sent at once (two
    supervisors, a double tap on the page) meet the first one's answer."""
    locks.serialise(session, locks.MAKEUP_REQUESTS, correction.user_id)
    session.expire(correction, ["decision"])
    refuse_if_decided(correction)
    makeup.validate_decision(approve, comment)
    decision = CorrectionDecision(correction_id=correction.id, approve=approve,
                                  comment=(comment or "").strip() or None,
                                  decided_by_id=supervisor.id, decided_at=clock.now())
    session.add(decision)
    session.flush()
    if approve:
        session.execute(_MARK_DAY[session.get_bind().dialect.name], {
            "user_id": correction.user_id, "day": correction.day,
            "village_id": correction.village_id, "first_checkin_id": None,
            "correction_id": correction.id})
    status = "approved" if approve else "rejected"
    audit.record(session, actor_id=supervisor.id, action=f"correction.{status}",
                 entity="attendance_correction", entity_id=correction.id,
                 after=audit.snapshot(decision))
    notify.makeup_decided(session, correction, approve)
    session.expire(correction, ["decision"])
    return decision

