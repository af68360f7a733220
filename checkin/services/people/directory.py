"""Who and what is in a scope: villages, teams, cadres and households, with counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Select, case, func, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from checkin.models import Area, Household, Team, User, Village
from checkin.platform import keyset
from checkin.platform.among import among
from checkin.scope import Scope
from checkin.services.attendance import areas

PAGE_SIZE = 100


@dataclass(frozen=True)
class VillageRow:
    village: Village
    township: str
    cadres: int
    households: int
    poor_households: int


@dataclass(frozen=True)
class ScopeTotals:
    villages: int
    cadres: int
    poor_households: int


def scope_totals(session: Session, scope: Scope) -> ScopeTotals:
    """How many villages, active cadres and poor or monitored households the scope holds,
    counted by the database (a province's 7,366 villages are not loaded to count them)."""
    villages = scope.village_ids()
    return ScopeTotals(
        villages=session.scalar(select(func.count()).select_from(villages.subquery())) or 0,
        cadres=session.scalar(select(func.count()).select_from(User).where(
            User.village_id.in_(villages), User.role == "cadre",
            User.active.is_(True))) or 0,
        poor_households=session.scalar(select(func.count()).select_from(Household).where(
            Household.village_id.in_(villages),
            Household.status.in_(("poor", "monitored")))) or 0)


def rows_of(session: Session, villages: Sequence[Village]) -> list[VillageRow]:
    """The rows of `villages`, with their counts from two grouped queries."""
    ids = [v.id for v in villages]
    cadres = dict(
        session.execute(
            select(User.village_id, func.count())
            .where(among(session, User.village_id, ids), User.role == "cadre",
                   User.active.is_(True))
            .group_by(User.village_id)
        ).all()
    )
    household_counts = {
        village_id: (total, poor)
        for village_id, total, poor in session.execute(
            select(
                Household.village_id,
                func.count(),
                func.count().filter(Household.status.in_(("poor", "monitored"))),
            )
            .where(among(session, Household.village_id, ids))
            .group_by(Household.village_id)
        ).all()
    }
    townships = township_names(session, villages)
    return [
        VillageRow(
            village=v,
            township=townships.get(v.id, ""),
            cadres=cadres.get(v.id, 0),
            households=household_counts.get(v.id, (0, 0))[0],
            poor_households=household_counts.get(v.id, (0, 0))[1],
        )
        for v in villages
    ]


def township_names(session: Session, villages: Sequence[Village]) -> dict[int, str]:
    parent_ids = {v.area.parent_id for v in villages if v.area.parent_id}
    names = dict(session.execute(select(Area.id, Area.name)
                                 .where(among(session, Area.id, parent_ids))).all())
    return {v.id: names.get(v.area.parent_id, "") for v in villages if v.area.parent_id}


def cadres(session: Session, scope: Scope, village_id: int | None = None) -> list[User]:
    stmt = scope.users().where(User.role == "cadre")
    if village_id is not None:
        stmt = stmt.where(User.village_id == village_id)
    return list(session.scalars(stmt.order_by(User.village_id, User.is_leader.desc(), User.name)))


def households(
    session: Session,
    scope: Scope,
    *,
    village_id: int | None = None,
    helper_id: int | None = None,
    query: str = "",
    limit: int = 200,
    offset: int = 0,
    under: str | None = None,
) -> list[Household]:
    stmt = households_query(scope, village_id=village_id, helper_id=helper_id, query=query,
                            under=under)
    stmt = stmt.order_by(*HOUSEHOLD_ORDER).limit(limit).offset(offset)
    return list(session.scalars(stmt))


# The households' order in a supervisor's lists: by village, then code (the id breaks ties).
HOUSEHOLD_ORDER = (Household.village_id, Household.code, Household.id)


def households_query(scope: Scope, *, village_id: int | None = None,
                     helper_id: int | None = None, query: str = "",
                     under: str | None = None) -> Select[Any]:
    """The scope's households that the filters select, in no order."""
    stmt = scope.households()
    if village_id is not None:
        stmt = stmt.where(Household.village_id == village_id)
    if under:
        stmt = stmt.where(Household.village_id.in_(select(Village.id).where(
            _under(Village.area_path, under))))
    if helper_id is not None:
        stmt = stmt.where(Household.helper_id == helper_id)
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(or_(Household.head_name.like(like), Household.code.like(like)))
    return stmt


def _under(column: Any, under: str | None) -> ColumnElement[bool]:
    return (column >= under) & (column < under + "~") if under else true()


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def cadre_page(session: Session, scope: Scope, *, under: str | None = None, query: str = "",
               after: str = "") -> keyset.Page[User]:
    """Cadres of the scope (under the area path `under`, matching `query` in name,
    username or code), a page at a time, by village, leader first, then name."""
    stmt = scope.users().where(User.role == "cadre")
    if under:
        stmt = stmt.where(User.village_id.in_(select(Village.id).where(
            _under(Village.area_path, under))))
    if query:
        pattern = _like(query)
        stmt = stmt.where(or_(User.name.ilike(pattern, escape="\\"),
                              User.username.ilike(pattern, escape="\\"),
                              User.code.ilike(pattern, escape="\\")))
    rank = case((User.is_leader.is_(True), 0), else_=1)
    found = keyset.page(session, stmt, (User.village_id, rank, User.name, User.id),
                        lambda u: (u.village_id, 0 if u.is_leader else 1, u.name, u.id),
                        after, (int, int, str, int), PAGE_SIZE)
    areas.preload_people(session, found.rows)
    return found


def village_page(session: Session, scope: Scope, *, under: str | None = None,
                 query: str = "", after: str = "") -> keyset.Page[VillageRow]:
    """Villages of the scope (under `under`, matching `query` in code or name) with their
    counts, a page at a time, in the order of the area tree."""
    stmt = scope.villages().where(_under(Village.area_path, under))
    if query:
        pattern = _like(query)
        stmt = stmt.where(or_(Village.name.ilike(pattern, escape="\\"),
                              Village.code.ilike(pattern, escape="\\")))
    found = keyset.page(session, stmt, (Village.area_path, Village.id),
                        lambda v: (v.area_path, v.id), after, (str, int), PAGE_SIZE)
    areas_of = {a.id: a for a in session.scalars(select(Area).where(among(
        session, Area.id, sorted({v.area_id for v in found.rows}))))}
    for village in found.rows:
        set_committed_value(village, "area", areas_of.get(village.area_id))
    return replace(found, rows=rows_of(session, found.rows))


def household_page(session: Session, scope: Scope, *, village_id: int | None = None,
                   under: str | None = None, query: str = "", after: str = ""
                   ) -> keyset.Page[Household]:
    """Households of the scope, a page at a time by village and register code, each with
    its helper (one statement for the page's helpers)."""
    stmt = scope.households()
    if village_id is not None:
        stmt = stmt.where(Household.village_id == village_id)
    if under:
        stmt = stmt.where(Household.village_id.in_(select(Village.id).where(
            _under(Village.area_path, under))))
    if query:
        pattern = _like(query)
        stmt = stmt.where(or_(Household.head_name.ilike(pattern, escape="\\"),
                              Household.code.ilike(pattern, escape="\\")))
    found = keyset.page(session, stmt, (Household.village_id, Household.code),
                        lambda h: (h.village_id, h.code), after, (int, str), PAGE_SIZE)
    helpers = {u.id: u for u in session.scalars(select(User).where(among(
        session, User.id, sorted({h.helper_id for h in found.rows}))))}
    for household in found.rows:
        set_committed_value(household, "helper", helpers.get(household.helper_id))
    return found


def teams_of(session: Session, scope: Scope, village_id: int) -> list[Team]:
    return list(session.scalars(scope.teams().where(Team.village_id == village_id)))


def area_name(session: Session, area_id: int | None) -> str:
    if area_id is None:
        return ""
    area = session.get(Area, area_id)
    return area.name if area else ""
