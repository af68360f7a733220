"""Jurisdiction: the one place that decides which rows a signed-in person may see.

A supervisor sees its area and everything below it; a cadre sees its own village (and,
for personal records, only its own); an admin sees everything. Every query that lists or
loads records of the domain goes through `Scope`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, false, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from checkin.models import Area, Household, Team, User, Village

T = TypeVar("T")


def subtree_range(path: str) -> tuple[str, str]:
    """Bounds of the index range that holds `path` and everything below it."""
    # Paths hold digits and '/'; '~' sorts after both byte-wise (collation "C").
    return path, path + "~"


@dataclass(frozen=True)
class Scope:
    role: str
    user_id: int | None
    area_path: str | None = None
    village_id: int | None = None

    @classmethod
    def for_user(cls, user: User | None) -> Scope:
        if user is None or not user.is_active:
            return cls(role="anonymous", user_id=None)
        if user.role == "supervisor" and user.area is not None:
            return cls(role="supervisor", user_id=user.id, area_path=user.area.path)
        if user.role == "cadre":
            return cls(role="cadre", user_id=user.id, village_id=user.village_id)
        if user.role == "admin":
            return cls(role="admin", user_id=user.id)
        return cls(role="anonymous", user_id=None)

    @property
    def is_supervisor(self) -> bool:
        return self.role in {"supervisor", "admin"}

    # Predicates --------------------------------------------------------------------
    def area_path_clause(self, column: Any) -> ColumnElement[bool]:
        if self.role == "admin":
            return true()
        if self.role == "supervisor" and self.area_path:
            low, high = subtree_range(self.area_path)
            return (column >= low) & (column < high)
        return false()

    def village_clause(self) -> ColumnElement[bool]:
        if self.role == "cadre":
            return Village.id == self.village_id
        return self.area_path_clause(Village.area_path)

    def village_ids(self) -> Select[int]:
        return select(Village.id).where(self.village_clause())

    def areas(self) -> Select[Area]:
        if self.role == "cadre":
            return select(Area).where(
                Area.id.in_(select(Village.area_id).where(Village.id == self.village_id))
            )
        return select(Area).where(self.area_path_clause(Area.path))

    def villages(self) -> Select[Village]:
        return select(Village).where(self.village_clause())

    def users(self) -> Select[User]:
        """People visible here: a supervisor sees cadres and supervisors in its subtree."""
        if self.role == "admin":
            return select(User)
        if self.role == "cadre":
            return select(User).where(
                (User.village_id == self.village_id) & (User.role == "cadre")
            )
        if self.role == "supervisor":
            in_villages = User.village_id.in_(self.village_ids())
            in_areas = User.area_id.in_(select(Area.id).where(self.area_path_clause(Area.path)))
            return select(User).where(in_villages | in_areas)
        return select(User).where(false())

    def households(self) -> Select[Household]:
        return select(Household).where(Household.village_id.in_(self.village_ids()))

    def teams(self) -> Select[Team]:
        return select(Team).where(Team.village_id.in_(self.village_ids()))

    def owned_by_user(self, user_column: Any, village_column: Any) -> ColumnElement[bool]:
        """Personal records (check-ins, visits, leave): a cadre sees only its own."""
        if self.role == "cadre":
            return user_column == self.user_id
        return village_column.in_(self.village_ids())

    # Loading one record --------------------------------------------------------------
    def get(self, session: Session, stmt: Select[T], ident: int) -> T | None:
        """The row with primary key `ident` if it is inside the scope, else None."""
        entity = stmt.column_descriptions[0]["entity"]
        return session.scalars(stmt.where(entity.id == ident)).first()
