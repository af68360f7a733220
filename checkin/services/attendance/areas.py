"""Drilling down a supervisor's area: the area a page is at (inside the scope), the way up
to the supervisor's own area, its child areas with their totals, and keyset pages of rows.

A province holds 22,000 cadres: its pages show one row per child area (city, county,
township) with totals, each linking one level down, and the cadres a page at a time. The
totals come from the rows the boards and the ledger compute for the whole area in a fixed
number of statements; they are summed here, never rendered row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value

from checkin.models import Area, SendingUnit, Team, User, Village
from checkin.platform.among import among
from checkin.scope import Scope

T = TypeVar("T")
# Child areas are listed while the area is one of these; below, the page is its cadres.
ABOVE_TOWNSHIP = ("province", "city", "county")
MAX_ID = 2**31 - 1  # an id from the query string beyond any key is nobody's


@dataclass(frozen=True)
class Place:
    """Where a page is: `area` (None: an admin's whole country), the trail from the
    viewer's own area down to it, and its child areas."""

    area: Area | None
    trail: list[Area]
    children: list[Area]

    @property
    def drills(self) -> bool:
        """Whether this level lists child areas rather than only cadres."""
        return self.area is None or self.area.level in ABOVE_TOWNSHIP

    @property
    def path(self) -> str | None:
        return self.area.path if self.area is not None else None


def place(session: Session, scope: Scope, own_area_id: int | None, area_id: int | None
          ) -> Place | None:
    """The place `area_id` names (the viewer's own area when None); None when it is not
    an area of the scope."""
    if area_id is not None and not 0 < area_id <= MAX_ID:
        return None
    chosen = area_id if area_id is not None else own_area_id
    area = scope.get(session, scope.areas(), chosen) if chosen is not None else None
    if chosen is not None and area is None:
        return None
    top = own_area_id if scope.role == "supervisor" else None
    trail = _trail(session, area, top)
    children = list(session.scalars(select(Area).where(
        Area.parent_id == area.id if area is not None else Area.parent_id.is_(None))
        .order_by(Area.code)))
    return Place(area, trail, children)


def _trail(session: Session, area: Area | None, top: int | None) -> list[Area]:
    """The areas from `top` (or the root) down to `area`, read from its path at once."""
    if area is None:
        return []
    ids = [int(part) for part in area.path.strip("/").split("/") if part]
    if top is not None and top in ids:
        ids = ids[ids.index(top):]
    found = {a.id: a for a in session.scalars(select(Area).where(among(session, Area.id, ids)))}
    return [found[i] for i in ids if i in found]


def child_of_villages(session: Session, place: Place) -> dict[int, int]:
    """village id -> the child area of `place` it lies in, in one statement (a range join
    on the materialized paths: each child is one index range of villages)."""
    if not place.drills or not place.children:
        return {}
    child = aliased(Area)
    under = child.parent_id == place.area.id if place.area is not None \
        else child.parent_id.is_(None)
    rows = session.execute(select(Village.id, child.id).join(
        child, (Village.area_path >= child.path) & (Village.area_path < child.path + "~"))
        .where(under))
    return {village_id: child_id for village_id, child_id in rows}


@dataclass
class ChildTotals:
    """Sums over the cadres of one child area; `counts` by whatever the page counts."""

    area: Area
    cadres: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, value: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + value

    def get(self, key: str) -> int:
        return self.counts.get(key, 0)


def child_totals(place: Place, villages: dict[int, int], rows: Iterable[T],
                 village_of: Callable[[T], int | None],
                 counts_of: Callable[[T], Iterable[tuple[str, int]]]) -> list[ChildTotals]:
    """One `ChildTotals` per child area of `place` (those without cadres too)."""
    totals = {a.id: ChildTotals(a) for a in place.children}
    for row in rows:
        child = villages.get(village_of(row) or 0)
        if child is None:
            continue
        entry = totals[child]
        entry.cadres += 1
        for key, value in counts_of(row):
            entry.add(key, value)
    return list(totals.values())


def people(session: Session, refs: Sequence[Any]) -> list[User]:
    """The Users of `refs` (rows with an id: ledger.CadreRef), in their order, each with
    its village, team and unit: four statements for a page."""
    found = {u.id: u for u in session.scalars(
        select(User).where(among(session, User.id, [r.id for r in refs])))}
    users = [found[r.id] for r in refs]
    preload_people(session, users)
    return users


def preload_people(session: Session, cadres: Sequence[User],
                   which: Sequence[str] = ("village", "team", "unit")) -> None:
    """Villages, teams and units of `cadres` in three statements, set on each cadre, so
    reading them costs no query per cadre (a selectinload runs one per 500). Cadres read
    with only some columns (boards.cadres_in) get the rest in one more statement."""
    columns = set(inspect(User).column_attrs.keys())
    if "village" in which and any(columns & inspect(c).unloaded for c in cadres):
        session.scalars(select(User).where(among(session, User.id, [c.id for c in cadres])))\
            .all()
    loads: tuple[tuple[Any, str, str], ...] = (
        (Village, "village", "village_id"), (Team, "team", "team_id"),
        (SendingUnit, "unit", "unit_id"))
    for model, name, key in loads:
        if name not in which:
            continue
        wanted = sorted({getattr(c, key) for c in cadres} - {None})
        found: dict[int | None, Any] = {None: None}
        if wanted:
            found.update((row.id, row) for row in session.scalars(
                select(model).where(among(session, model.id, wanted))))
        for cadre in cadres:
            set_committed_value(cadre, name, found.get(getattr(cadre, key)))


def places_matching(session: Session, scope: Scope, kind: str, text: str, under: str | None,
                    limit: int = 20) -> list[tuple[str, str]]:
    """(code, name) of villages (in scope, under `under`), cadres of the scope (their
    username is the code) or sending units whose code or name holds `text`, for a
    type-ahead."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if kind == "unit":
        units = select(SendingUnit.code, SendingUnit.name).where(
            SendingUnit.code.ilike(pattern, escape="\\")
            | SendingUnit.name.ilike(pattern, escape="\\")).order_by(SendingUnit.code)
        return [(c, n) for c, n in session.execute(units.limit(limit))]
    if kind == "cadre":
        cadres = scope.users().where(User.role == "cadre", User.username.ilike(
            pattern, escape="\\") | User.name.ilike(pattern, escape="\\"))
        if under:
            cadres = cadres.where(User.village_id.in_(select(Village.id).where(
                Village.area_path >= under, Village.area_path < under + "~")))
        return [(u.username, u.name) for u in session.scalars(
            cadres.order_by(User.name, User.id).limit(limit))]
    villages = select(Village.code, Village.name).where(
        scope.village_clause(),
        Village.code.ilike(pattern, escape="\\") | Village.name.ilike(pattern, escape="\\"))
    if under:
        villages = villages.where(Village.area_path >= under, Village.area_path < under + "~")
    return [(c, n) for c, n in session.execute(
        villages.order_by(Village.code).limit(limit))]
