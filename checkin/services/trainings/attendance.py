"""Attendance at a session: the cadre's sign-in at the venue (the rotating token, the fix
and the time, judged against the venue's fence and the session's hours) and the
organiser's mark (with a reason, by whom). Insert-only; one counting record per person
and day: a second sign-in the same day answers the first. Read back a person's records of
a page of sessions, or a session's invitees in a scope a page at a time (keyset, by
invitation), each with all their records."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import trainings
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import Training, TrainingAttendance, TrainingInvitee, User
from checkin.platform import audit, clock, keyset
from checkin.platform.among import among
from checkin.platform.exactly_once import replay_or_conflict
from checkin.scope import Scope
from checkin.services.trainings import sessions

MAX_REASON = 500


@dataclass(frozen=True)
class SigninInput:
    id: str
    token: str
    lat: float
    lon: float
    accuracy_m: float
    recorded_at: datetime
    digest: str


def counted_on(session: Session, training_id: int, user_id: int, day: date
               ) -> TrainingAttendance | None:
    return session.scalars(select(TrainingAttendance).where(
        TrainingAttendance.training_id == training_id, TrainingAttendance.user_id == user_id,
        TrainingAttendance.day == day, TrainingAttendance.counts.is_(True))).first()


def existing(session: Session, cadre: User, training_id: int, data: SigninInput
             ) -> TrainingAttendance | None:
    """A replay of the same sign-in (or 409 for a reused id), or the day's counting record
    (signing in twice is signing in once)."""
    stored = session.get(TrainingAttendance, data.id)
    if stored is not None:
        if stored.user_id != cadre.id or stored.training_id != training_id:
            raise Refusal("conflict", field="id")
        replay_or_conflict(stored.digest, data.digest)
        return stored
    return counted_on(session, training_id, cadre.id, clock.local_day(clock.now()))


def sign_in(session: Session, cadre: User, training_id: int, data: SigninInput,
            key: bytes, policy: Policy) -> TrainingAttendance:
    """Record a sign-in at the venue; refused without a fresh token or an invitation."""
    training = session.get(Training, training_id)
    if training is None or cadre.role != "cadre" or cadre.village is None \
            or not cadre.village.area_path.startswith(training.area_path):
        raise Refusal("not_found")  # not a session of the cadre's area: nothing to tell
    if not sessions.is_invited(session, training_id, cadre.id):
        raise Refusal("training_not_invited")
    now = clock.now()
    trainings.check_token(key, training_id, data.token, now)
    local = now.astimezone(clock.zone())
    verdict = trainings.judge_signin(sessions.as_session(training), data.lat, data.lon,
                                     data.accuracy_m, data.recorded_at, local, policy)
    row = TrainingAttendance(
        id=data.id, training_id=training_id, user_id=cadre.id, day=local.date(), method="qr",
        counts=verdict.counts, flags=",".join(verdict.flags), recorded_at=data.recorded_at,
        received_at=now, lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m,
        distance_m=round(verdict.distance_m, 1), digest=data.digest)
    session.add(row)
    audit.record(session, actor_id=cadre.id, action="training.signin", entity="training",
                 entity_id=training_id, detail={"attendance": data.id, "counts": verdict.counts,
                                                "flags": list(verdict.flags)})
    return row


def mark_present(session: Session, actor: User, training: Training, user_ids: Sequence[int],
                 day: date, reason: str) -> int:
    """The organiser marks invitees present on `day` (they signed a paper list, the phone
    had no signal): recorded as such, with the reason and by whom; those already counted
    that day are left as they are. Returns how many were marked."""
    if not sessions.runs(Scope.for_user(actor), training):
        raise Refusal("not_found")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise Refusal("invalid_text", field="reason", name="reason", limit=MAX_REASON)
    trainings.check_mark(day, training.first_day, training.last_day, clock.today(), reason)
    wanted = {int(i) for i in user_ids}
    invited = set(session.scalars(select(TrainingInvitee.user_id).where(
        TrainingInvitee.training_id == training.id)))
    counted = set(session.scalars(select(TrainingAttendance.user_id).where(
        TrainingAttendance.training_id == training.id, TrainingAttendance.day == day,
        TrainingAttendance.counts.is_(True))))
    chosen = sorted((wanted & invited) - counted)
    if not wanted & invited:
        raise Refusal("training_mark_nobody", field="user_ids")
    now = clock.now()
    session.add_all(TrainingAttendance(
        id=str(uuid.uuid4()), training_id=training.id, user_id=user_id, day=day,
        method="organiser", counts=True, received_at=now, marked_by_id=actor.id,
        reason=reason) for user_id in chosen)
    audit.record(session, actor_id=actor.id, action="training.mark", entity="training",
                 entity_id=training.id, detail={"day": day.isoformat(), "marked": len(chosen),
                                                "reason": reason})
    session.flush()
    return len(chosen)


@dataclass(frozen=True)
class RosterRow:
    """One invitee of a session with their attendance."""

    user: User
    days: dict[date, TrainingAttendance]  # the counting record of each day attended
    attempts: int  # sign-ins that did not count

    @property
    def marked(self) -> int:
        return sum(1 for row in self.days.values() if row.method == "organiser")


def roster(session: Session, training: Training, offset: int, limit: int
           ) -> tuple[list[RosterRow], int]:
    """A page of the invitation list with each one's attendance; and the total."""
    total = session.scalar(select(func.count()).select_from(TrainingInvitee).where(
        TrainingInvitee.training_id == training.id)) or 0
    users = list(session.scalars(
        select(User).join(TrainingInvitee, TrainingInvitee.user_id == User.id)
        .where(TrainingInvitee.training_id == training.id)
        .order_by(User.village_id, User.is_leader.desc(), User.name, User.id)
        .offset(offset).limit(limit)))
    ids = [u.id for u in users]
    days: dict[int, dict[date, TrainingAttendance]] = defaultdict(dict)
    attempts: dict[int, int] = defaultdict(int)
    if ids:
        for row in session.scalars(select(TrainingAttendance).where(
                TrainingAttendance.training_id == training.id,
                among(session, TrainingAttendance.user_id, ids))):
            if row.counts:
                days[row.user_id][row.day] = row
            else:
                attempts[row.user_id] += 1
    return [RosterRow(u, days[u.id], attempts[u.id]) for u in users], total


@dataclass(frozen=True)
class Tally:
    counted_days: int  # days with a counting record
    marked_days: int  # of them, marked by the organiser
    not_counted: int  # sign-ins kept as evidence that did not count


def tally(records: Sequence[TrainingAttendance]) -> Tally:
    counting = [r for r in records if r.counts]
    return Tally(len({r.day for r in counting}),
                 len({r.day for r in counting if r.method == "organiser"}),
                 sum(1 for r in records if not r.counts))


def own_records(session: Session, user_id: int, training_ids: Sequence[int]
                ) -> dict[int, list[TrainingAttendance]]:
    """Session id -> every record of `user_id` at it (counting or not), oldest first: one
    query for a page of sessions."""
    found: dict[int, list[TrainingAttendance]] = defaultdict(list)
    if training_ids:
        for row in session.scalars(select(TrainingAttendance).where(
                TrainingAttendance.user_id == user_id,
                among(session, TrainingAttendance.training_id, training_ids))
                .order_by(TrainingAttendance.day, TrainingAttendance.received_at,
                          TrainingAttendance.id)):
            found[row.training_id].append(row)
    return found


@dataclass(frozen=True)
class Attendee:
    """One who must attend (as resolved when the session was made) with every record."""

    invitee: TrainingInvitee
    records: list[TrainingAttendance]


def attendees_page(session: Session, scope: Scope, training: Training, cursor: str,
                   size: int) -> keyset.Page[Attendee]:
    """The session's invitees whom `scope` may see (a township reading the county's
    session sees its own people), in the order they were asked, `size` after the one
    `cursor` names, with their records: three queries for the page and one for the
    records, whatever its size."""
    keyset.check(cursor, (int,))
    stmt = (select(TrainingInvitee)
            .where(TrainingInvitee.training_id == training.id,
                   TrainingInvitee.user_id.in_(scope.users().with_only_columns(User.id)))
            .options(selectinload(TrainingInvitee.user)))
    found = keyset.page(session, stmt, (TrainingInvitee.id,), lambda i: (i.id,), cursor,
                        (int,), size)
    records: dict[int, list[TrainingAttendance]] = defaultdict(list)
    ids = [i.user_id for i in found.rows]
    if ids:
        for row in session.scalars(select(TrainingAttendance).where(
                TrainingAttendance.training_id == training.id,
                among(session, TrainingAttendance.user_id, ids))
                .order_by(TrainingAttendance.day, TrainingAttendance.received_at,
                          TrainingAttendance.id)):
            records[row.user_id].append(row)
    return keyset.Page([Attendee(i, records[i.user_id]) for i in found.rows], found.first,
                       found.total, found.next_after)


@dataclass(frozen=True)
class Counts:
    invited: int
    present: int  # person-days counted
    by_qr: int
    by_organiser: int
    not_counted: int  # sign-ins kept as evidence that did not count


def counts(session: Session, training_id: int) -> Counts:
    invited = session.scalar(select(func.count()).select_from(TrainingInvitee).where(
        TrainingInvitee.training_id == training_id)) or 0
    rows = session.execute(
        select(TrainingAttendance.method, TrainingAttendance.counts, func.count())
        .where(TrainingAttendance.training_id == training_id)
        .group_by(TrainingAttendance.method, TrainingAttendance.counts))
    tally = {(method, bool(c)): n for method, c, n in rows}
    qr, org = tally.get(("qr", True), 0), tally.get(("organiser", True), 0)
    return Counts(invited, qr + org, qr, org, tally.get(("qr", False), 0))


def counts_of(session: Session, training_ids: Sequence[int]) -> dict[int, Counts]:
    """`counts` of several sessions at once (a page of the list): two queries."""
    if not training_ids:
        return {}
    invited: dict[int, int] = {training_id: n for training_id, n in session.execute(
        select(TrainingInvitee.training_id, func.count())
        .where(among(session, TrainingInvitee.training_id, training_ids))
        .group_by(TrainingInvitee.training_id))}
    tally: dict[int, dict[tuple[str, bool], int]] = defaultdict(dict)
    for training_id, method, counted, n in session.execute(
            select(TrainingAttendance.training_id, TrainingAttendance.method,
                   TrainingAttendance.counts, func.count())
            .where(among(session, TrainingAttendance.training_id, training_ids))
            .group_by(TrainingAttendance.training_id, TrainingAttendance.method,
                      TrainingAttendance.counts)):
        tally[training_id][(method, bool(counted))] = n
    out = {}
    for training_id in training_ids:
        own = tally[training_id]
        qr, org = own.get(("qr", True), 0), own.get(("organiser", True), 0)
        out[training_id] = Counts(invited.get(training_id, 0), qr + org, qr, org,
                                  own.get(("qr", False), 0))
    return out
