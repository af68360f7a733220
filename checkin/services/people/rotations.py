"""Recall and rotation (召回、轮换): a township asks that a cadre leave a post (with the
replacement), the county decides, and the approval sets both people's term dates.

The rules are in domain/rotation.py. Requests and decisions are insert-only records; the
term dates the approval writes on the two accounts are audited with digests before and
after. A back-dated last day (before the day of the request) is approved with the
absences it takes out of the ledger written to the audit log, and the file keeps the
ledger as it was without the rotation (`ledger_as_before`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import attendance, rotation
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import Area, Checkin, Household, Rotation, RotationDecision, Team, User
from checkin.platform import audit, clock, locks
from checkin.scope import Scope
from checkin.services.attendance import ledger

PAGE_SIZE = 50
_TERM_FIELDS = ("term_start", "term_end", "village_id", "team_id")


@dataclass(frozen=True)
class Pending:
    """A request as the county sees it before deciding: back-dated, and by how much."""

    rotation: Rotation
    backdated_days: int  # passed days the last day takes out of the term (0: none)
    absences_taken_out: int  # of them, days with no check-in and no leave


def _load() -> Any:
    return (selectinload(Rotation.cadre), selectinload(Rotation.replacement),
            selectinload(Rotation.requested_by), selectinload(Rotation.village),
            selectinload(Rotation.decision).selectinload(RotationDecision.decided_by))


def in_scope(scope: Scope) -> Any:
    return Rotation.village_id.in_(scope.village_ids())


def rotations(session: Session, scope: Scope, *, open_only: bool, page: int = 1,
              size: int = PAGE_SIZE) -> tuple[list[Rotation], bool]:
    """Requests in the scope, newest first; open ones only unless asked; one page, and
    whether there is another."""
    if not scope.is_supervisor:
        return [], False
    stmt = select(Rotation).where(in_scope(scope))
    if open_only:
        stmt = stmt.where(~exists().where(RotationDecision.rotation_id == Rotation.id))
    rows = list(session.scalars(stmt.options(*_load())
                                .order_by(Rotation.created_at.desc(), Rotation.id.desc())
                                .offset((page - 1) * size).limit(size + 1)))
    return rows[:size], len(rows) > size


def rotation_of(session: Session, scope: Scope, rotation_id: int) -> Rotation | None:
    if not scope.is_supervisor:
        return None
    return session.scalars(select(Rotation).where(Rotation.id == rotation_id, in_scope(scope))
                           .options(*_load())).first()


def history_of(session: Session, cadre: User) -> list[Rotation]:
    """The cadre's term history: requests for them to leave and those naming them as the
    replacement, oldest first."""
    return list(session.scalars(
        select(Rotation).where(or_(Rotation.cadre_id == cadre.id,
                                   Rotation.replacement_id == cadre.id))
        .options(*_load()).order_by(Rotation.created_at, Rotation.id)))


def replacement_choices(session: Session, scope: Scope, cadre: User) -> Sequence[User]:
    """Active cadres in the scope who could replace `cadre` (at most a few hundred)."""
    return list(session.scalars(
        scope.users().where(User.role == "cadre", User.active.is_(True), User.id != cadre.id,
                            User.term_end.is_(None))
        .order_by(User.name, User.id).limit(300)))


def _has_open(session: Session, cadre_id: int) -> bool:
    found = session.scalar(select(Rotation.id).where(
        Rotation.cadre_id == cadre_id,
        ~exists().where(RotationDecision.rotation_id == Rotation.id)).limit(1))
    return found is not None


def _check_replacement(session: Session, scope: Scope, cadre: User,
                       replacement_id: int | None) -> User | None:
    if replacement_id is None:
        return None
    found = session.scalars(scope.users().where(
        User.id == replacement_id, User.role == "cadre", User.active.is_(True))).first()
    if found is None or found.id == cadre.id or found.term_end is not None:
        raise Refusal("rotation_bad_replacement", field="replacement")
    if found.village_id != cadre.village_id:
        # Moving them must not take records or households along from another village.
        elsewhere = session.scalar(select(func.count()).select_from(Checkin).where(
            Checkin.user_id == found.id)) or session.scalar(
            select(func.count()).select_from(Household).where(Household.helper_id == found.id))
        if elsewhere:
            raise Refusal("rotation_bad_replacement", field="replacement")
    return found


def request(session: Session, actor: User, scope: Scope, cadre: User,
            data: rotation.Request, today: date) -> Rotation:
    """The township's request; `cadre` is already known to be in the actor's scope."""
    locks.serialise(session, locks.ROTATIONS, cadre.id)
    start, end = ledger.term_of(cadre, cadre.team, today.year)
    post = rotation.Post(term_start=start, term_end=end,
                         already_left=cadre.term_end is not None,
                         open_request=_has_open(session, cadre.id))
    rotation.check_request(data, post, today)
    _check_replacement(session, scope, cadre, data.replacement_id)
    assert cadre.village_id is not None  # a cadre has a village (users CHECK)
    row = Rotation(cadre_id=cadre.id, team_id=cadre.team_id, village_id=cadre.village_id,
                   kind=data.kind, leaves_on=data.leaves_on, reason=data.reason.strip(),
                   backdate_reason=data.backdate_reason.strip(),
                   replacement_id=data.replacement_id, starts_on=data.starts_on,
                   requested_by_id=actor.id, requested_on=today)
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor.id, action="rotation.request", entity="rotation",
                 entity_id=row.id, after=audit.snapshot(row))
    return row


def pending(session: Session, row: Rotation, today: date) -> Pending:
    days = (row.requested_on - row.leaves_on).days - 1 if rotation.is_backdated(
        row.leaves_on, row.requested_on) else 0
    days = max(0, days)
    absences = absences_between(session, row.cadre, row.leaves_on + timedelta(days=1),
                                min(row.requested_on - timedelta(days=1), today),
                                today) if days else 0
    return Pending(row, days, absences)


def absences_between(session: Session, cadre: User, first: date, last: date, today: date
                     ) -> int:
    """Days in [first, last] with no check-in and no counting leave (the term as it is
    now, before a decision changes it)."""
    if last < first:
        return 0
    days = ledger.days_on_post(session, [cadre.id], first, last).get(cadre.id, set())
    leaves = ledger.leaves_of(session, [cadre.id], first, last).get(cadre.id, [])
    classified = attendance.classify_days(days, leaves, first, last, today)
    return sum(1 for category in classified.values() if category == "absent")


def decide(session: Session, actor: User, row: Rotation, approve: bool, note: str,
           today: date) -> RotationDecision:
    """The county's decision; an approval sets the two people's terms (audited)."""
    locks.serialise(session, locks.ROTATIONS, row.cadre_id)
    session.refresh(row)
    area = session.get(Area, actor.area_id) if actor.area_id else None
    level = area.level if actor.role == "supervisor" and area is not None else ""
    rotation.check_decision(level, actor.id,
                            row.requested_by_id, row.decision is not None, approve, note)
    replacement = row.replacement
    if approve and replacement is not None and (not replacement.active
                                                or replacement.term_end is not None):
        raise Refusal("rotation_bad_replacement", field="replacement")  # changed since asked
    seen = pending(session, row, today)
    made = RotationDecision(rotation_id=row.id, approved=approve, note=note.strip(),
                            decided_by_id=actor.id)
    session.add(made)
    session.flush()
    if approve:
        _leave(session, actor, row)
        if row.replacement is not None:
            _arrive(session, actor, row)
    audit.record(session, actor_id=actor.id, action="rotation.decide", entity="rotation",
                 entity_id=row.id, after=audit.snapshot(made),
                 detail={"approved": approve, "backdated_days": seen.backdated_days,
                         "absences_taken_out": seen.absences_taken_out,
                         "leaves_on": row.leaves_on.isoformat(),
                         "requested_on": row.requested_on.isoformat()})
    return made


def _state(user: User) -> dict[str, Any]:
    values = audit.snapshot(user)
    return {key: values[key] for key in _TERM_FIELDS}


def _leave(session: Session, actor: User, row: Rotation) -> None:
    cadre = row.cadre
    before = _state(cadre)
    cadre.term_end = row.leaves_on
    session.flush()
    audit.record(session, actor_id=actor.id, action="user.term_end", entity="user",
                 entity_id=cadre.id, before=before, after=_state(cadre),
                 detail={"rotation_id": row.id, **_state(cadre)})


def _arrive(session: Session, actor: User, row: Rotation) -> None:
    person = row.replacement
    assert person is not None
    before = _state(person)
    person.village_id = row.village_id
    person.team_id = row.team_id
    person.term_start = row.starts_on
    person.term_end = None
    if row.team_id is not None:
        team = session.get(Team, row.team_id)
        if team is not None and person.unit_id is None:
            person.unit_id = team.unit_id
    session.flush()
    audit.record(session, actor_id=actor.id, action="user.term_start", entity="user",
                 entity_id=person.id, before=before, after=_state(person),
                 detail={"rotation_id": row.id, **_state(person)})


def ledger_as_before(session: Session, cadre: User, year: int, policy: Policy
                     ) -> attendance.Ledger | None:
    """The year's ledger on the team's term, without the cadre's own end: what the year
    looked like before the rotation (None when there is no rotation to compare with)."""
    if cadre.term_end is None or cadre.team is None:
        return None
    first, last = ledger.window(year, policy)
    days = ledger.days_on_post(session, [cadre.id], first, last).get(cadre.id, set())
    leaves = ledger.leaves_of(session, [cadre.id], first, last).get(cadre.id, [])
    start = rotation.split_term(cadre.team.term_start, cadre.team.term_end, cadre.term_start,
                                None)[0]
    return attendance.yearly_ledger(year, days, leaves, start, cadre.team.term_end,
                                    clock.today(), policy)


