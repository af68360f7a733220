"""Assigning and ending a duty over several villages (an admin's), and which duties a
person holds or a supervisor sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import rounds
from checkin.domain.refusal import Refusal
from checkin.models import Area, RoundDuty, RoundDutyVillage, User, Village
from checkin.platform import audit
from checkin.scope import Scope

# A district has a handful of villages, an envoy a few more; a longer list is a mistake
# (a whole county typed in), and it bounds the page and the month's query.
MAX_VILLAGES = 60
MAX_TITLE = 100


@dataclass(frozen=True)
class DutyInput:
    username: str
    kind: str
    village_codes: tuple[str, ...]
    start: date
    weekday: int | None = None
    title: str = ""


def _holder(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active or user.role not in ("cadre", "supervisor"):
        raise Refusal("round_bad_holder", field="username")
    return user


def _villages(session: Session, codes: tuple[str, ...]) -> list[Village]:
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if len(wanted) > MAX_VILLAGES:
        raise Refusal("round_too_many_villages", field="villages", limit=MAX_VILLAGES)
    found = {v.code: v for v in session.scalars(
        select(Village).options(selectinload(Village.area)).where(Village.code.in_(wanted)))}
    for code in wanted:
        if code not in found:
            raise Refusal("round_unknown_village", field="villages", village=code)
    return [found[c] for c in wanted]


def _township_and_county(session: Session, villages: list[Village]
                         ) -> tuple[list[int], list[int]]:
    """The township and county area ids of each village (its area's parent, and above)."""
    townships = [v.area.parent_id or 0 for v in villages]
    parents = dict(session.execute(select(Area.id, Area.parent_id).where(
        Area.id.in_(set(townships)))).all())
    return townships, [parents.get(t) or 0 for t in townships]


def assign(session: Session, actor_id: int | None, data: DutyInput) -> RoundDuty:
    """A new duty (flushed, audited; the caller commits)."""
    if data.kind not in rounds.KINDS:
        raise Refusal("round_bad_kind", field="kind", kind=data.kind)
    weekday = data.weekday
    if data.kind == "district_secretary" and weekday is None:
        raise Refusal("round_needs_weekday", field="weekday")
    if weekday is not None and not 0 <= weekday <= 6:
        raise Refusal("round_needs_weekday", field="weekday")
    if data.kind == "envoy":
        weekday = None
    holder = _holder(session, data.username)
    villages = _villages(session, data.village_codes)
    townships, counties = _township_and_county(session, villages)
    problem = rounds.check_villages(data.kind, townships, counties)
    if problem is not None:
        raise Refusal(problem, field="villages")
    # Jurisdiction: the township of a district; for an envoy the county (or the one
    # township if every village is in it).
    home_id = townships[0] if len(set(townships)) == 1 else counties[0]
    home = session.get(Area, home_id)
    if home is None:
        raise Refusal("round_no_villages", field="villages")
    duty = RoundDuty(user_id=holder.id, kind=data.kind, weekday=weekday, area_id=home.id,
                     area_path=home.path, title=data.title.strip()[:MAX_TITLE],
                     start_date=data.start, assigned_by_id=actor_id)
    session.add(duty)
    session.flush()
    session.add_all([RoundDutyVillage(duty_id=duty.id, village_id=v.id) for v in villages])
    audit.record(session, actor_id=actor_id, action="round_duty.assign", entity="round_duty",
                 entity_id=duty.id, detail={
                     "user_id": holder.id, "kind": duty.kind, "weekday": weekday,
                     "villages": [v.code for v in villages], "start": data.start.isoformat(),
                     "title": duty.title})
    session.flush()
    return duty


def end(session: Session, actor_id: int | None, duty: RoundDuty, last_day: date) -> None:
    """The duty's last day (audited); its months up to then stay as they were."""
    if duty.end_date is not None:
        raise Refusal("round_already_ended")
    if last_day < duty.start_date:
        raise Refusal("round_end_before_start", field="end_date", day=last_day.isoformat(),
                      start=duty.start_date.isoformat())
    duty.end_date = last_day
    audit.record(session, actor_id=actor_id, action="round_duty.end", entity="round_duty",
                 entity_id=duty.id, detail={"end": last_day.isoformat()})
    session.flush()


def visible(scope: Scope) -> Select[RoundDuty]:
    """The duties a supervisor sees: those whose home area is in their jurisdiction, or
    with a village in it (an envoy of the county seen by one township)."""
    in_scope = select(RoundDutyVillage.duty_id).join(
        Village, Village.id == RoundDutyVillage.village_id).where(scope.village_clause())
    return select(RoundDuty).where(
        scope.area_path_clause(RoundDuty.area_path) | RoundDuty.id.in_(in_scope))


def held_by(session: Session, user_id: int, day: date | None = None) -> list[RoundDuty]:
    """A person's duties (in force on `day`, when given), with their villages."""
    stmt = (select(RoundDuty).options(selectinload(RoundDuty.villages))
            .where(RoundDuty.user_id == user_id).order_by(RoundDuty.start_date, RoundDuty.id))
    if day is not None:
        stmt = stmt.where(RoundDuty.start_date <= day,
                          (RoundDuty.end_date.is_(None)) | (RoundDuty.end_date >= day))
    return list(session.scalars(stmt))


def holds_any(session: Session, user_id: int) -> bool:
    return session.scalar(select(RoundDuty.id).where(RoundDuty.user_id == user_id).limit(1)
                          ) is not None
