"""A duty holder's check-in in one of their villages: judged against that village's fence
as a resident cadre's check-in is (geofence.evaluate_checkin), stored once by the phone's
id, never a day on post in the 200-day ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import geofence
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import RoundCheckin, User
from checkin.platform import audit, clock
from checkin.platform.exactly_once import replay_or_conflict
from checkin.services.attendance.checkins import CheckinInput, fence_of, previous_fix
from checkin.services.rounds import duties


@dataclass(frozen=True)
class RoundCheckinInput(CheckinInput):
    """A check-in in a village of a duty holder's round: a cadre's check-in and its village."""

    village_id: int


def existing(session: Session, data: RoundCheckinInput) -> RoundCheckin | None:
    """The stored record for a replay (same payload), or 409 for a reused id."""
    stored = session.get(RoundCheckin, data.id)
    if stored is not None:
        replay_or_conflict(stored.digest, data.digest)
    return stored


def record(session: Session, user: User, data: RoundCheckinInput, policy: Policy
           ) -> RoundCheckin:
    """Judge and store the check-in and its audit entry (flushed; the caller commits).
    Refused unless a duty of the person holds the village on the day it was made."""
    received = clock.now()
    geofence.validate_position(data.lat, data.lon, data.accuracy_m)
    geofence.validate_recorded_at(data.recorded_at, received)
    local_day = clock.local_day(data.recorded_at)
    held = {v.id for duty in duties.held_by(session, user.id, local_day) for v in duty.villages}
    fence = fence_of(session, data.village_id) if data.village_id in held else None
    if fence is None:
        raise Refusal("round_not_your_village", field="village_id")
    facts = geofence.CheckinFacts(lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m,
                                  recorded_at=data.recorded_at, received_at=received,
                                  live=not data.queued)
    verdict = geofence.evaluate_checkin(facts, fence,
                                        previous_fix(session, user.id, data.recorded_at), policy)
    row = RoundCheckin(
        id=data.id, user_id=user.id, village_id=data.village_id, recorded_at=data.recorded_at,
        received_at=received, local_day=local_day, lat=data.lat, lon=data.lon,
        accuracy_m=data.accuracy_m, distance_m=round(verdict.distance_m, 1),
        in_fence=verdict.in_fence, counts=verdict.counts_for_day,
        flags=",".join(verdict.flags),
        reasons=[{"code": r.code, "params": dict(r.params)} for r in verdict.reasons],
        note=data.note, queued=data.queued, digest=data.digest)
    session.add(row)
    audit.record(session, actor_id=user.id, action="round_checkin.create",
                 entity="round_checkin", entity_id=row.id, after={"digest": row.digest})
    session.flush()  # a concurrent request with the same id fails here
    return row


def of_day(session: Session, user_id: int, day: object) -> list[RoundCheckin]:
    return list(session.scalars(
        select(RoundCheckin).where(RoundCheckin.user_id == user_id,
                                   RoundCheckin.local_day == day)
        .order_by(RoundCheckin.recorded_at)))
