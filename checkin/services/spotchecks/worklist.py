"""A week's list as a county works it (issue 15): grouped by township, paged, each check
assigned to a checker (a supervisor whose area holds the check's village), each checker's
own list, the weekly cap per checker, and the real shares of what was drawn.

Assignments are not evidence, but they are kept: each change is a new row (the latest
row of an item names its checker) and an audit entry. The cap counts the checks of the
same ISO week whose latest assignment is the checker (Policy.spotcheck_checker_week_cap);
reassigning a check to the checker it already has changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from checkin.domain import spotcheck_work
from checkin.domain.policy import DEFAULT_POLICY, Policy
from checkin.domain.refusal import Refusal
from checkin.domain.spotcheck_work import Page
from checkin.models import (
    Area,
    SpotcheckAssignment,
    SpotcheckBatch,
    SpotcheckItem,
    SpotcheckResult,
    User,
    Village,
)
from checkin.platform import audit, clock
from checkin.scope import Scope
from checkin.services.spotchecks import results
from checkin.services.spotchecks.results import assigned_to, checkers_of

PAGE_SIZE = 50


def eligible_checkers(session: Session, village: Village) -> list[User]:
    """Active supervisors whose area holds the village (the township's, the county's...)."""
    areas = [int(part) for part in village.area_path.strip("/").split("/") if part]
    return list(session.scalars(select(User).where(
        User.role == "supervisor", User.active.is_(True), User.area_id.in_(areas))
        .order_by(User.area_id, User.name, User.id)))


def week_load(session: Session, checker_id: int, week: str) -> int:
    return session.scalar(select(func.count()).select_from(SpotcheckItem)
                          .join(SpotcheckBatch, SpotcheckItem.batch_id == SpotcheckBatch.id)
                          .where(SpotcheckBatch.week == week,
                                 SpotcheckItem.id.in_(assigned_to(checker_id)))) or 0


def assign(session: Session, actor: User, item: SpotcheckItem, checker_id: int,
           policy: Policy = DEFAULT_POLICY) -> SpotcheckAssignment | None:
    """Give the check to a checker; None when it has that checker already. Refused for a
    checker who does not supervise the village, or whose week is full."""
    checker = next((u for u in eligible_checkers(session, item.village)
                    if u.id == checker_id), None)
    if checker is None:
        raise Refusal("checker_not_in_area", field="checker_id")
    current = checkers_of(session, [item.id]).get(item.id)
    if current is not None and current.id == checker.id:
        return None
    refusal = spotcheck_work.checker_refusal(week_load(session, checker.id, item.batch.week),
                                             policy.spotcheck_checker_week_cap)
    if refusal is not None:
        raise Refusal(refusal, field="checker_id", name=checker.name,
                      cap=policy.spotcheck_checker_week_cap)
    row = SpotcheckAssignment(item_id=item.id, checker_id=checker.id, assigned_by_id=actor.id,
                              assigned_at=clock.now())
    session.add(row)
    session.flush()
    audit.record(session, actor_id=actor.id, action="spotcheck.assign",
                 entity="spotcheck_item", entity_id=item.id,
                 before={"checker_id": None if current is None else current.id},
                 after={"checker_id": checker.id}, detail={"week": item.batch.week})
    return row


# Townships and pages -----------------------------------------------------------------
_VillageArea = aliased(Area)
_Township = aliased(Area)


def _with_township(stmt: Select[Any]) -> Select[Any]:
    return (stmt.join(Village, Village.id == SpotcheckItem.village_id)
            .join(_VillageArea, _VillageArea.id == Village.area_id)
            .join(_Township, _Township.id == _VillageArea.parent_id))


@dataclass(frozen=True)
class TownshipRow:
    id: int
    name: str
    total: int
    open: int
    presence: int
    visits: int


def townships(session: Session, scope: Scope, batch_id: int,
              checker_id: int | None = None) -> list[TownshipRow]:
    """The batch's checks per township of their villages, in the order of their codes."""
    stmt = _with_township(results.visible_items(scope).where(SpotcheckItem.batch_id == batch_id))
    stmt = stmt.outerjoin(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
    if checker_id is not None:
        stmt = stmt.where(SpotcheckItem.id.in_(assigned_to(checker_id)))
    rows = session.execute(stmt.with_only_columns(
        _Township.id, _Township.name, func.count(SpotcheckItem.id),
        func.count(SpotcheckItem.id).filter(SpotcheckResult.id.is_(None)),
        func.count(SpotcheckItem.id).filter(SpotcheckItem.kind == "presence"),
        func.count(SpotcheckItem.id).filter(SpotcheckItem.kind == "visit"))
        .group_by(_Township.id, _Township.name, _Township.code)
        .order_by(_Township.code, _Township.id))
    return [TownshipRow(*row) for row in rows]


def township_page(session: Session, scope: Scope, batch_id: int, township_id: int | None,
                  requested: int | None, checker_id: int | None = None,
                  size: int = PAGE_SIZE) -> tuple[list[SpotcheckItem], Page]:
    """One page of the batch's checks in one township (all townships when None), in draw
    order."""
    stmt = results.visible_items(scope).where(SpotcheckItem.batch_id == batch_id)
    if township_id is not None:
        stmt = _with_township(stmt).where(_Township.id == township_id)
    if checker_id is not None:
        stmt = stmt.where(SpotcheckItem.id.in_(assigned_to(checker_id)))
    total = session.scalar(select(func.count()).select_from(
        stmt.with_only_columns(SpotcheckItem.id).subquery())) or 0
    page = spotcheck_work.page_of(total, requested, size)
    items = list(session.scalars(results.with_details(
        stmt.order_by(SpotcheckItem.position).limit(page.size).offset(page.offset))))
    return items, page


@dataclass(frozen=True)
class Shares:
    """What a batch drew of what it could: the real shares, as the page says them."""

    cadres: int
    presence: int
    visits_candidates: int
    visits: int
    cap: int | None
    left_out: int
    same_household: int = 0

    @property
    def presence_share(self) -> float | None:
        return spotcheck_work.share(self.presence, self.cadres)

    @property
    def visit_share(self) -> float | None:
        return spotcheck_work.share(self.visits, self.visits_candidates)


def shares(batch: SpotcheckBatch) -> Shares:
    """From the items stored and the frozen candidates (never the policy's nominal share)."""
    candidates = batch.candidates or {}
    presence = sum(1 for i in batch.items if i.kind == "presence")
    visits = sum(1 for i in batch.items if i.kind == "visit")
    return Shares(
        cadres=len(candidates.get("presence", {}).get("users", [])), presence=presence,
        visits_candidates=len(candidates.get("visits", {}).get("ids", [])), visits=visits,
        cap=candidates.get("cap"), left_out=candidates.get("left_out", {}).get("visits", 0),
        same_household=candidates.get("left_out", {}).get("same_household", 0))
