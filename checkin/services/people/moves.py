"""A household moves to another village (易地扶贫搬迁, issue #19; rules in domain/moves.py):
the move is an insert-only record with the position the household had, the helper change
goes through administration.set_helper (and set_outside_helper) with the move's day as the
grace day, and both are in the audit log. The household's visits are not touched: they
point at the household and keep the village they were made in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import moves
from checkin.models import Household, HouseholdMove, OutsideHelper, User, Village, Visit
from checkin.platform import audit, locks
from checkin.scope import Scope
from checkin.services.people import administration
from checkin.services.visits import households

VISITS_SHOWN = 50


@dataclass(frozen=True)
class MoveInput:
    to_village_id: int | None
    helper_id: int | None
    outside_id: int | None
    outside_chosen: bool  # something was chosen as the outside helper (maybe nothing valid)
    moved_on: date | None
    reason: str
    address: str = ""  # the address in the new village; blank keeps the old text


def parse_id(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 12 else None


def household_in_scope(session: Session, scope: Scope, household_id: int) -> Household | None:
    return scope.get(session, scope.households(), household_id)


def target(session: Session, scope: Scope, code: str) -> Village | None:
    """The village of this code, if the mover's jurisdiction holds it."""
    code = code.strip()[:32]
    if not code:
        return None
    return session.scalars(scope.villages().where(Village.code == code)).first()


def village_choices(session: Session, scope: Scope, household: Household,
                    limit: int = 300) -> list[Village]:
    """Villages to offer for the move (the jurisdiction's, nearest codes first)."""
    return list(session.scalars(scope.villages().where(Village.id != household.village_id)
                                .order_by(Village.code).limit(limit)))


def last_record_day(session: Session, household: Household) -> date | None:
    """The household's last visit or contact (the register's included) or move."""
    contact, visit = households.with_register(
        household, *households.last_dates(session, [household.id]).get(household.id,
                                                                       (None, None)))
    moved = session.scalar(select(func.max(HouseholdMove.moved_on)).where(
        HouseholdMove.household_id == household.id))
    days = [d for d in (contact, visit, moved) if d is not None]
    return max(days) if days else None


def _state(household: Household) -> dict[str, Any]:
    grace = household.helper_grace_from
    return {"village_id": household.village_id, "helper_id": household.helper_id,
            "outside_helper_id": household.outside_helper_id,
            "helper_grace_from": None if grace is None else grace.isoformat(),
            **{name: getattr(household, name) for name in moves.CLEARED_WITH_THE_VILLAGE},
            "coord_source": household.coord_source, "address": household.address}


def move(session: Session, actor: User, scope: Scope, household: Household, data: MoveInput,
         today: date) -> HouseholdMove:
    """Move the household, or refuse before anything is written."""
    locks.serialise(session, locks.HOUSEHOLD_MOVES, household.id)
    session.refresh(household)
    to_village = None if data.to_village_id is None else scope.get(
        session, scope.villages(), data.to_village_id)
    helper = None if data.helper_id is None else session.get(User, data.helper_id)
    fits = helper is not None and helper.role == "cadre" and helper.active
    outside = None if data.outside_id is None else session.get(OutsideHelper, data.outside_id)
    moves.check(moves.MoveFacts(
        from_village_id=household.village_id,
        to_village_id=None if to_village is None else to_village.id,
        old_helper_id=household.helper_id, new_helper_id=data.helper_id,
        new_helper_village_id=helper.village_id if fits and helper else None,
        outside_village_id=None if outside is None else outside.village_id,
        outside_chosen=data.outside_chosen, moved_on=data.moved_on, today=today,
        last_record_day=last_record_day(session, household), reason=data.reason,
        to_village_name="" if to_village is None else to_village.name,
        address=data.address))
    assert to_village is not None and helper is not None and data.moved_on is not None
    before = _state(household)
    record = HouseholdMove(
        household_id=household.id, from_village_id=household.village_id,
        to_village_id=to_village.id, from_helper_id=household.helper_id,
        to_helper_id=helper.id, from_outside_id=household.outside_helper_id,
        to_outside_id=data.outside_id, moved_on=data.moved_on, reason=data.reason.strip(),
        from_lat=household.lat, from_lon=household.lon,
        from_coord_source=household.coord_source, from_address=household.address,
        moved_by_id=actor.id)
    household.village_id = to_village.id
    household.village = to_village
    for name in moves.CLEARED_WITH_THE_VILLAGE:
        setattr(household, name, None)
    household.coord_source = "wgs84"
    if data.address.strip():
        household.address = data.address.strip()
    # The one way a helper changes: its history row (the resident cadre and the outside
    # helper together), its grace from the move's day, its audit entry; checked against
    # the new village.
    administration.set_helper(session, household, helper.id, actor_id=actor.id,
                              day=data.moved_on, outside_id=data.outside_id)
    session.add(record)
    session.flush()
    audit.record(session, actor_id=actor.id, action="household.move", entity="household",
                 entity_id=household.id, before=before, after=_state(household),
                 detail={"move_id": record.id, "from_village_id": record.from_village_id,
                         "to_village_id": record.to_village_id,
                         "moved_on": record.moved_on.isoformat(),
                         "grace_from": None if household.helper_grace_from is None
                         else household.helper_grace_from.isoformat()})
    return record


def history(session: Session, household_id: int) -> list[HouseholdMove]:
    """The household's moves, oldest first."""
    return list(session.scalars(select(HouseholdMove).where(
        HouseholdMove.household_id == household_id)
        .options(selectinload(HouseholdMove.from_village),
                 selectinload(HouseholdMove.to_village),
                 selectinload(HouseholdMove.to_helper),
                 selectinload(HouseholdMove.to_outside),
                 selectinload(HouseholdMove.moved_by))
        .order_by(HouseholdMove.moved_on, HouseholdMove.id)))


def visits_of(session: Session, household_id: int) -> list[Visit]:
    """The household's latest visits and contacts, wherever they were made."""
    return list(session.scalars(select(Visit).where(Visit.household_id == household_id)
                                .options(selectinload(Visit.user))
                                .order_by(Visit.local_day.desc(), Visit.recorded_at.desc())
                                .limit(VISITS_SHOWN)))
