"""Spot checks after the draw: the queue in a jurisdiction, results (evidence: insert-only,
one per item, audited), what each result establishes, and the cadres' check history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from checkin.domain import findings
from checkin.domain.geofence import validate_position
from checkin.domain.refusal import Refusal
from checkin.domain.risk import CadreHistory
from checkin.models import (
    Leave,
    SpotcheckAppeal,
    SpotcheckBatch,
    SpotcheckItem,
    SpotcheckResult,
    User,
)
from checkin.platform import audit, clock
from checkin.scope import Scope
from checkin.services import notify

MAX_NOTE = 2000
# Earlier failures weigh on the risk for a year: the span of the annual assessment (年考核).
HISTORY_DAYS = 365


# Scoping -----------------------------------------------------------------------------
def visible_batches(scope: Scope) -> Select[SpotcheckBatch]:
    """Batches drawn for areas inside the scope; nobody but supervisors and admins."""
    if not scope.is_supervisor:
        return select(SpotcheckBatch).where(false())
    return select(SpotcheckBatch).where(scope.area_path_clause(SpotcheckBatch.area_path))


def visible_items(scope: Scope) -> Select[SpotcheckItem]:
    """Items of visible batches that concern villages inside the scope."""
    if not scope.is_supervisor:
        return select(SpotcheckItem).where(false())
    return (select(SpotcheckItem)
            .join(SpotcheckBatch, SpotcheckItem.batch_id == SpotcheckBatch.id)
            .where(scope.area_path_clause(SpotcheckBatch.area_path),
                   SpotcheckItem.village_id.in_(scope.village_ids())))


def with_details(stmt: Select[SpotcheckItem]) -> Select[SpotcheckItem]:
    return stmt.options(
        selectinload(SpotcheckItem.user), selectinload(SpotcheckItem.village),
        selectinload(SpotcheckItem.household), selectinload(SpotcheckItem.visit),
        selectinload(SpotcheckItem.result), selectinload(SpotcheckItem.batch))


def item_in_scope(session: Session, scope: Scope, item_id: int) -> SpotcheckItem | None:
    return session.scalars(with_details(visible_items(scope).where(
        SpotcheckItem.id == item_id))).first()


@dataclass(frozen=True)
class QueueFilters:
    status: str | None = None  # open, done, or None for both
    batch_id: int | None = None
    week: str | None = None


def queue(session: Session, scope: Scope, filters: QueueFilters, limit: int = 500,
          offset: int = 0) -> list[SpotcheckItem]:
    """Items to work: open ones first, then by day, time window and draw order."""
    stmt = visible_items(scope).outerjoin(
        SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
    if filters.status == "open":
        stmt = stmt.where(SpotcheckResult.id.is_(None))
    elif filters.status == "done":
        stmt = stmt.where(SpotcheckResult.id.is_not(None))
    if filters.batch_id is not None:
        stmt = stmt.where(SpotcheckItem.batch_id == filters.batch_id)
    if filters.week:
        stmt = stmt.where(SpotcheckBatch.week == filters.week)
    stmt = stmt.order_by(SpotcheckResult.id.is_not(None), SpotcheckItem.day,
                         SpotcheckItem.window_start, SpotcheckItem.batch_id,
                         SpotcheckItem.position).limit(limit).offset(offset)
    return list(session.scalars(with_details(stmt)))


def status_of(item: SpotcheckItem) -> str:
    return "open" if item.result is None else "done"


# Results -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ResultInput:
    method: str
    outcome: str
    satisfaction: str | None = None
    note: str = ""
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None


def check_result(item: SpotcheckItem, data: ResultInput) -> None:
    """422 for a result that breaks a rule of findings.result_problems."""
    if (data.lat is None) != (data.lon is None):
        raise Refusal("position_incomplete", field="lat")
    if data.lat is not None and data.lon is not None:
        validate_position(data.lat, data.lon, data.accuracy_m or 0.0)
    if len(data.note) > MAX_NOTE:
        raise Refusal("invalid_text", field="note", name="note", limit=MAX_NOTE)
    problems = findings.result_problems(item.kind, data.method, data.outcome,
                                        data.satisfaction, data.lat is not None)
    if problems:
        field, code = next(iter(problems.items()))
        raise Refusal(code, field=field)


def record_result(session: Session, supervisor: User, item: SpotcheckItem,
                  data: ResultInput) -> SpotcheckResult:
    """Store the one result of an item. A second answers 409; so does the loser of two
    saving at once, when the unique key on item_id refuses its row (the caller commits
    and turns the IntegrityError into that 409)."""
    check_result(item, data)
    if item.result is not None:
        raise already_recorded()
    now = clock.now()
    verdict = findings.verdict_then(item.kind, data.outcome, item.day, now,
                                    leaves_known(session, item.user_id, item.day))
    result = SpotcheckResult(
        item=item, checked_by_id=supervisor.id, method=data.method,
        outcome=data.outcome, satisfaction=data.satisfaction, note=data.note.strip(),
        lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m, recorded_at=now,
        local_day=clock.local_day(now), verdict=verdict)
    session.add(result)
    session.flush()
    audit.record(session, actor_id=supervisor.id, action="spotcheck.result",
                 entity="spotcheck_result", entity_id=result.id,
                 after=audit.snapshot(result), detail={"item_id": item.id})
    if findings.is_serious(verdict):
        notify.finding(session, item, result)
    return result


def already_recorded() -> Refusal:
    return Refusal("already_recorded", field="item_id")


# What results establish -----------------------------------------------------------------
def leaves_known(session: Session, user_id: int, day: date) -> list[findings.LeaveAsKnown]:
    """The cadre's leave over `day` with the moments of its decision and return, for the
    verdict of a result recorded now (findings.verdict_then)."""
    return [findings.LeaveAsKnown(start=row.start_date, end=row.end_date, status=row.status,
                                  decided_at=row.decided_at, returned_on=row.returned_on,
                                  closed_at=row.closed_at)
            for row in session.scalars(select(Leave).where(
                Leave.user_id == user_id, Leave.start_date <= day, Leave.end_date >= day))]


@dataclass(frozen=True)
class Judged:
    """A result with the verdict it stands on: the one recorded, unless an appeal the
    county upheld makes it "excused_on_appeal". `recorded` never changes."""

    item: SpotcheckItem
    result: SpotcheckResult
    verdict: findings.Verdict
    recorded: findings.Verdict
    appeal: SpotcheckAppeal | None = None

    @property
    def serious(self) -> bool:
        return findings.is_serious(self.verdict)


def appeals_of(session: Session, result_ids: Iterable[int]) -> dict[int, SpotcheckAppeal]:
    """The appeal of each result that has one, with its decision: one query for all."""
    wanted = list(set(result_ids))
    if not wanted:
        return {}
    return {appeal.result_id: appeal for appeal in session.scalars(
        select(SpotcheckAppeal).where(SpotcheckAppeal.result_id.in_(wanted))
        .options(selectinload(SpotcheckAppeal.decision),
                 selectinload(SpotcheckAppeal.made_by)))}


def recorded_verdict(result: SpotcheckResult) -> findings.Verdict:
    value = result.verdict
    if value not in findings.RECORDED_VERDICTS:
        raise ValueError(f"result {result.id} has no recorded verdict: {value!r}")
    return value  # type: ignore[return-value]


def judge(session: Session, items: Iterable[SpotcheckItem]) -> list[Judged]:
    """Each item that has a result, with its recorded verdict and any appeal; nothing is
    recomputed from the leave as it stands now."""
    done = [(i, i.result) for i in items if i.result is not None]
    appeals = appeals_of(session, [r.id for _, r in done])
    judged: list[Judged] = []
    for item, result in done:
        recorded = recorded_verdict(result)
        appeal = appeals.get(result.id)
        status = None if appeal is None else appeal.status
        judged.append(Judged(item, result, findings.standing_verdict(
            recorded, status), recorded, appeal))  # type: ignore[arg-type]
    return judged


def results_between(session: Session, scope: Scope, first: date, last: date,
                    village_ids: Select[int] | None = None,
                    whoever_drew: bool = False) -> list[Judged]:
    """Results recorded from `first` to `last` in the scope, judged. `whoever_drew`: also
    results of batches drawn above the scope (the county's checks in a township), as the
    monthly bulletin counts every check of the month, whichever office made it."""
    items = visible_items(scope)
    if whoever_drew:
        items = select(SpotcheckItem).where(
            SpotcheckItem.village_id.in_(scope.village_ids()) if scope.is_supervisor
            else false())
    stmt = items.join(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id).where(
        SpotcheckResult.local_day.between(first, last))
    if village_ids is not None:
        stmt = stmt.where(SpotcheckItem.village_id.in_(village_ids))
    # what tallies and lists of findings show; not the visits and batches behind them
    found = session.scalars(stmt.order_by(SpotcheckResult.recorded_at).options(
        selectinload(SpotcheckItem.user), selectinload(SpotcheckItem.village),
        selectinload(SpotcheckItem.household), selectinload(SpotcheckItem.result))).all()
    return judge(session, found)


def serious_findings(session: Session, scope: Scope, first: date, last: date
                     ) -> list[Judged]:
    return [j for j in results_between(session, scope, first, last) if j.serious]


# History of the cadres, for the draw -------------------------------------------------------
def histories(session: Session, user_ids: Select[int], reference: date
              ) -> dict[int, CadreHistory]:
    """Per cadre: checks and failures in the year before `reference`, days since the last
    check that established something (unreachable ones do not count)."""
    rows = session.scalars(with_details(
        select(SpotcheckItem)
        .join(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
        .where(SpotcheckItem.user_id.in_(user_ids),
               SpotcheckResult.local_day >= reference - timedelta(days=HISTORY_DAYS),
               SpotcheckResult.local_day < reference))).all()
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for judged in judge(session, rows):
        tally = counts[judged.item.user_id]
        tally[0] += findings.is_check(judged.verdict)
        tally[1] += findings.is_serious(judged.verdict)
    last = dict(session.execute(
        select(SpotcheckItem.user_id, func.max(SpotcheckResult.local_day))
        .join(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
        .where(SpotcheckItem.user_id.in_(user_ids), SpotcheckResult.outcome != "unreachable",
               SpotcheckResult.local_day < reference)
        .group_by(SpotcheckItem.user_id)).all())
    result: dict[int, CadreHistory] = {}
    for user_id in set(counts) | set(last):
        checks, failed = counts.get(user_id, (0, 0))
        day = last.get(user_id)
        result[user_id] = CadreHistory(
            failed_checks=failed, checks=max(checks, failed),
            days_since_last_check=None if day is None else max(0, (reference - day).days))
    return result


NO_HISTORY = CadreHistory(failed_checks=0, checks=0, days_since_last_check=None)


def last_drawn(session: Session, user_ids: Select[int], kind: str
               ) -> dict[int, date]:
    """When each cadre was last drawn for this kind of check, not counting draws that
    ended unreachable: presence by the day drawn, visit back-checks by the Monday of the
    batch's week (the month a back-check covers is that of its draw)."""
    # a date for presence, an ISO week string for back-checks
    column: InstrumentedAttribute[Any] = (SpotcheckItem.day if kind == "presence"
                                          else SpotcheckBatch.week)
    rows = session.execute(
        select(SpotcheckItem.user_id, func.max(column))
        .join(SpotcheckBatch, SpotcheckItem.batch_id == SpotcheckBatch.id)
        .outerjoin(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
        .where(SpotcheckItem.kind == kind, SpotcheckItem.user_id.in_(user_ids),
               or_(SpotcheckResult.id.is_(None), SpotcheckResult.outcome != "unreachable"))
        .group_by(SpotcheckItem.user_id))
    if kind == "presence":
        return dict(rows.all())
    return {user_id: date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
            for user_id, week in rows}
