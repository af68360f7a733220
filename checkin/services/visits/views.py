"""Visits as supervisors see them: filtered lists, one visit with its chain, coverage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from checkin.domain import cadence
from checkin.domain.policy import Policy
from checkin.models import Household, Photo, User, Village, Visit
from checkin.platform import clock, keyset
from checkin.platform.among import among
from checkin.scope import Scope
from checkin.services.visits import households

PAGE_SIZE = 100
PHOTO_FLAGS = ("duplicate_photo", "photo_old", "exif_gps_far", "no_exif_time")


@dataclass(frozen=True)
class VisitFilters:
    village_id: int | None = None
    user_id: int | None = None
    household_code: str = ""
    flag: str = ""
    first: date | None = None
    last: date | None = None


def visits_query(scope: Scope, filters: VisitFilters) -> Select[Visit]:
    stmt = select(Visit).where(scope.owned_by_user(Visit.user_id, Visit.village_id))
    if filters.village_id:
        stmt = stmt.where(Visit.village_id == filters.village_id)
    if filters.user_id:
        stmt = stmt.where(Visit.user_id == filters.user_id)
    if filters.household_code:
        stmt = stmt.where(Visit.household_id.in_(select(Household.id).where(
            Household.code == filters.household_code.strip())))
    if filters.flag in PHOTO_FLAGS:
        stmt = stmt.where(exists().where(Photo.visit_id == Visit.id,
                                         Photo.flags.like(f"%{filters.flag}%")))
    elif filters.flag:
        stmt = stmt.where(Visit.flags.like(f"%{filters.flag}%"))
    zone = clock.zone()
    if filters.first:
        stmt = stmt.where(Visit.recorded_at >= datetime.combine(filters.first, time(), zone))
    if filters.last:
        stmt = stmt.where(Visit.recorded_at < datetime.combine(
            filters.last + timedelta(days=1), time(), zone))
    return stmt.order_by(Visit.recorded_at.desc()).options(
        selectinload(Visit.photos), selectinload(Visit.household), selectinload(Visit.village),
        selectinload(Visit.user))


def list_visits(session: Session, scope: Scope, filters: VisitFilters, limit: int = 200
                ) -> list[Visit]:
    return list(session.scalars(visits_query(scope, filters).limit(limit)))


# The visits' keyset order, newest first (ix_visits_recorded): its columns, a visit's key
# in a cursor, the key's kinds and its parser. The page and the API list share it.
VISIT_ORDER = (Visit.recorded_at, Visit.id)
VISIT_LIKE = (str, str)
visit_key = keyset.iso_key(keyset.moment, str)


def visit_cursor(visit: Visit) -> tuple[str, str]:
    return (visit.recorded_at.isoformat(), visit.id)


def visit_page(session: Session, scope: Scope, filters: VisitFilters, after: str = ""
               ) -> keyset.Page[Visit]:
    """The visits the filters select, newest first, `PAGE_SIZE` at a time with a keyset
    cursor (time, id): the same cost at the 100,000th visit as at the first."""
    return keyset.page(session, visits_query(scope, filters), VISIT_ORDER, visit_cursor,
                       after, VISIT_LIKE, PAGE_SIZE, descending=True, parse=visit_key)


def stream_visits(session: Session, scope: Scope, filters: VisitFilters) -> Iterator[Visit]:
    """Every visit the filters select, newest first, loaded a batch at a time (exports)."""
    return iter(session.scalars(visits_query(scope, filters).execution_options(yield_per=500)))


def visit_chain(session: Session, scope: Scope, visit_id: str) -> tuple[Visit | None,
                                                                         list[Visit]]:
    """The visit (if visible) and every visit in its correction chain, oldest first."""
    visible = scope.owned_by_user(Visit.user_id, Visit.village_id)
    visit = session.scalars(select(Visit).where(Visit.id == visit_id, visible)).first()
    if visit is None:
        return None, []
    chain = [visit]
    while chain[0].corrects_id:
        older = session.get(Visit, chain[0].corrects_id)
        if older is None:
            break
        chain.insert(0, older)
    newer = session.scalars(select(Visit).where(Visit.corrects_id == chain[-1].id)).first()
    while newer is not None:
        chain.append(newer)
        newer = session.scalars(select(Visit).where(Visit.corrects_id == newer.id)).first()
    return visit, chain


def earlier_photos(session: Session, scope: Scope, photos: list[Photo]) -> dict[int, Photo]:
    """For each reused photo, the earlier photo it repeats, when the viewer may see the
    earlier photo's visit (a reuse across the county may be outside a township's scope)."""
    wanted = {p.id: p.duplicate_of_id for p in photos if p.duplicate_of_id is not None}
    if not wanted:
        return {}
    found = {p.id: p for p in session.scalars(
        select(Photo).join(Visit, Visit.id == Photo.visit_id)
        .where(Photo.id.in_(set(wanted.values())),
               scope.owned_by_user(Visit.user_id, Visit.village_id))
        .options(selectinload(Photo.visit)))}
    return {pid: found[earlier] for pid, earlier in wanted.items() if earlier in found}


@dataclass(frozen=True)
class VillageCoverage:
    village: Village
    coverage: cadence.Coverage
    overdue: int


def coverage_by_village(session: Session, scope: Scope, policy: Policy,
                        under: str | None = None) -> list[VillageCoverage]:
    today = clock.today()
    # Every household as a light row: a county's 15,000 as objects took half a second.
    rows = households.ref_rows(session, scope, today, policy, under=under)
    by_village: dict[int, list[households.HouseholdRow[households.HouseholdRef]]] = {}
    for row in rows:
        by_village.setdefault(row.household.village_id, []).append(row)
    villages = {v.id: v for v in session.scalars(scope.villages())}
    return [VillageCoverage(villages[vid], cadence.coverage(group, today, policy),
                            sum(r.due.state == "overdue" for r in group))
            for vid, group in sorted(by_village.items(), key=lambda kv: villages[kv[0]].name)]


def preload_households(session: Session, found: list[Household]) -> None:
    """The villages and helpers of `found` in one statement each, set on each household,
    so a list of them costs no query per row."""
    loads: tuple[tuple[Any, str, str], ...] = (
        (Village, "village", "village_id"), (User, "helper", "helper_id"))
    for model, name, key in loads:
        ids = sorted({getattr(h, key) for h in found})
        loaded = {row.id: row for row in session.scalars(select(model).where(
            among(session, model.id, ids)))} if ids else {}
        for household in found:
            set_committed_value(household, name, loaded.get(getattr(household, key)))


def overdue_rows(session: Session, scope: Scope, policy: Policy, under: str | None = None
                 ) -> list[households.HouseholdRow[households.HouseholdRef]]:
    """The overdue households, soonest deadline first, as light rows (with_households
    makes the rows shown whole)."""
    rows = [r for r in households.ref_rows(session, scope, clock.today(), policy, under=under)
            if r.due.state == "overdue"]
    return sorted(rows, key=lambda r: (r.due.next_deadline or date.max, r.household.code))


def with_households(session: Session,
                    rows: list[households.HouseholdRow[households.HouseholdRef]]
                    ) -> list[households.HouseholdRow[Household]]:
    """The rows with their households loaded, each with its village and helper."""
    found = {h.id: h for h in session.scalars(select(Household).where(
        among(session, Household.id, [r.household.id for r in rows])))} if rows else {}
    loaded = [found[r.household.id] for r in rows]
    preload_households(session, loaded)
    return [households.HouseholdRow(h, r.last_contact, r.last_visit, r.due)
            for r, h in zip(rows, loaded, strict=True)]
