"""Who and what is in a scope: villages, teams, cadres and households, with counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from checkin.models import Area, Household, Team, User, Village
from checkin.platform.among import among
from checkin.scope import Scope


@dataclass(frozen=True)
class VillageRow:
    village: Village
    township: str
    cadres: int
    households: int
    poor_households: int


def village_rows(session: Session, scope: Scope) -> list[VillageRow]:
    """One row per village in scope with counts from two grouped queries, not a loop."""
    villages = session.scalars(scope.villages().order_by(Village.area_path, Village.name)).all()
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
) -> list[Household]:
    stmt = scope.households()
    if village_id is not None:
        stmt = stmt.where(Household.village_id == village_id)
    if helper_id is not None:
        stmt = stmt.where(Household.helper_id == helper_id)
    if query:
        like = f"%{query.strip()}%"
        stmt = stmt.where(or_(Household.head_name.like(like), Household.code.like(like)))
    stmt = stmt.order_by(Household.village_id, Household.code).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def teams_of(session: Session, scope: Scope, village_id: int) -> list[Team]:
    return list(session.scalars(scope.teams().where(Team.village_id == village_id)))


def area_name(session: Session, area_id: int | None) -> str:
    if area_id is None:
        return ""
    area = session.get(Area, area_id)
    return area.name if area else ""
