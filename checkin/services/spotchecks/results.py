"""Spot checks after the draw: the queue in a jurisdiction, results (evidence: insert-only,
one per item, audited) and their corrections, what each result establishes, and the
cadres' check history.

A result is accepted once its item's window has opened, or earlier with a stated reason
(flagged early_result); a field result is measured against the village
(spotcheck_work.field_position). A mistaken result is corrected by a new record
(SpotcheckCorrection) with a reason: the first stays as recorded and shown, the latest
correction is what the verdict, the rates, the bulletin and the appeals follow (`Judged`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, case, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from checkin.domain import findings, spotcheck_work
from checkin.domain.geofence import validate_position
from checkin.domain.policy import DEFAULT_POLICY, Policy
from checkin.domain.refusal import Refusal
from checkin.domain.risk import CadreHistory
from checkin.models import (
    Leave,
    SpotcheckAppeal,
    SpotcheckAssignment,
    SpotcheckBatch,
    SpotcheckCorrection,
    SpotcheckItem,
    SpotcheckResult,
    User,
)
from checkin.platform import audit, clock, keyset
from checkin.scope import Scope
from checkin.services import notify
from checkin.services.attendance.checkins import fence_from

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
    """Items of visible batches that concern villages inside the scope, and the items
    assigned to the supervisor (a county's check given to a township's checker)."""
    if not scope.is_supervisor:
        return select(SpotcheckItem).where(false())
    batch_visible = scope.area_path_clause(SpotcheckBatch.area_path)
    if scope.user_id is not None:
        batch_visible = or_(batch_visible, SpotcheckItem.id.in_(assigned_to(scope.user_id)))
    return (select(SpotcheckItem)
            .join(SpotcheckBatch, SpotcheckItem.batch_id == SpotcheckBatch.id)
            .where(batch_visible, SpotcheckItem.village_id.in_(scope.village_ids())))


def with_details(stmt: Select[SpotcheckItem]) -> Select[SpotcheckItem]:
    return stmt.options(
        selectinload(SpotcheckItem.user), selectinload(SpotcheckItem.village),
        selectinload(SpotcheckItem.household), selectinload(SpotcheckItem.visit),
        selectinload(SpotcheckItem.result).selectinload(SpotcheckResult.corrections),
        selectinload(SpotcheckItem.batch))


def item_in_scope(session: Session, scope: Scope, item_id: int) -> SpotcheckItem | None:
    return session.scalars(with_details(visible_items(scope).where(
        SpotcheckItem.id == item_id))).first()


# Assignments (worklist.py assigns) ------------------------------------------------------
def latest_assignment() -> Any:
    """(item_id, id of its latest assignment) for every assigned item."""
    return (select(SpotcheckAssignment.item_id, func.max(SpotcheckAssignment.id).label("last"))
            .group_by(SpotcheckAssignment.item_id))


def checkers_of(session: Session, item_ids: list[int]) -> dict[int, User]:
    """The checker each assigned item has now."""
    if not item_ids:
        return {}
    last = latest_assignment().where(SpotcheckAssignment.item_id.in_(item_ids)).subquery()
    rows = session.execute(
        select(SpotcheckAssignment.item_id, User)
        .join(last, SpotcheckAssignment.id == last.c.last)
        .join(User, User.id == SpotcheckAssignment.checker_id))
    return {item_id: user for item_id, user in rows}


def assigned_to(checker_id: int) -> Select[int]:
    """Ids of the items whose latest assignment is the checker."""
    last = latest_assignment().subquery()
    return (select(SpotcheckAssignment.item_id)
            .join(last, SpotcheckAssignment.id == last.c.last)
            .where(SpotcheckAssignment.checker_id == checker_id))



@dataclass(frozen=True)
class QueueFilters:
    status: str | None = None  # open, done, or None for both
    batch_id: int | None = None
    week: str | None = None
    checker_id: int | None = None  # only the checks assigned to this checker


def queue(session: Session, scope: Scope, filters: QueueFilters, limit: int = 500
          ) -> list[SpotcheckItem]:
    """Items to work: open ones first, then by day, time window and draw order."""
    stmt = queue_query(scope, filters).order_by(
        SpotcheckResult.id.is_not(None), SpotcheckItem.day, SpotcheckItem.window_start,
        SpotcheckItem.batch_id, SpotcheckItem.position).limit(limit)
    return list(session.scalars(stmt))


# The API's keyset order of the queue: open ones first, then by day and draw order (the
# window, which may be empty, is left out: a key has no NULLs).
QUEUE_KEY = (int, str, int, int)
QUEUE_PARSE = keyset.iso_key(int, date.fromisoformat, int, int)


def queue_columns() -> tuple[Any, ...]:
    return (case((SpotcheckResult.id.is_(None), 0), else_=1), SpotcheckItem.day,
            SpotcheckItem.batch_id, SpotcheckItem.position)


def queue_key(item: SpotcheckItem) -> tuple[int | str, ...]:
    return (0 if item.result is None else 1, item.day.isoformat(), item.batch_id,
            item.position)


def queue_page(session: Session, scope: Scope, filters: QueueFilters, after: str = ""
               ) -> keyset.Page[SpotcheckItem]:
    """The queue's page after the cursor, in the API's order, with "N of M": a province's
    weekly draw is thousands of checks, and the page showed the first 300 and no more."""
    return keyset.page(session, queue_query(scope, filters), queue_columns(), queue_key,
                       after, QUEUE_KEY, keyset.PAGE_SIZE, parse=QUEUE_PARSE)


def queue_query(scope: Scope, filters: QueueFilters) -> Select[SpotcheckItem]:
    """The items the filters select, with what their pages show, in no order."""
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
    if filters.checker_id is not None:
        stmt = stmt.where(SpotcheckItem.id.in_(assigned_to(filters.checker_id)))
    return with_details(stmt)


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
    early_reason: str = ""


def check_result(item: SpotcheckItem, data: ResultInput) -> None:
    """422 for a result that breaks a rule of findings.result_problems."""
    if (data.lat is None) != (data.lon is None):
        raise Refusal("position_incomplete", field="lat")
    if data.lat is not None and data.lon is not None:
        validate_position(data.lat, data.lon, data.accuracy_m or 0.0)
    if len(data.note) > MAX_NOTE:
        raise Refusal("invalid_text", field="note", name="note", limit=MAX_NOTE)
    if len(data.early_reason) > MAX_NOTE:
        raise Refusal("invalid_text", field="early_reason", name="early_reason",
                      limit=MAX_NOTE)
    problems = findings.result_problems(item.kind, data.method, data.outcome,
                                        data.satisfaction, data.lat is not None)
    if problems:
        field, code = next(iter(problems.items()))
        raise Refusal(code, field=field)


def window_opens(item: SpotcheckItem) -> Any:
    return spotcheck_work.window_opens(item.kind, item.day, item.window_start,
                                       item.batch.drawn_at, clock.zone())


def record_result(session: Session, supervisor: User, item: SpotcheckItem,
                  data: ResultInput, policy: Policy = DEFAULT_POLICY) -> SpotcheckResult:
    """Store the one result of an item. A second answers 409; so does the loser of two
    saving at once, when the unique key on item_id refuses its row (the caller commits
    and turns the IntegrityError into that 409). Before the item's window opens only with
    an early_reason (then flagged); a field result gets its distance from the village."""
    check_result(item, data)
    if item.result is not None:
        raise already_recorded()
    now = clock.now()
    refusal, early = spotcheck_work.timing(window_opens(item), now, data.early_reason)
    if refusal is not None:
        opens = window_opens(item).astimezone(clock.zone())
        raise Refusal(refusal, field="early_reason", at=opens.strftime("%Y-%m-%d %H:%M"))
    village = item.village
    distance, far = spotcheck_work.field_position(
        data.method, data.lat, data.lon,
        fence_from(village.lat, village.lon, village.radius_m, village.boundary),
        policy.spotcheck_far_from_village_m)
    verdict = findings.verdict_then(item.kind, data.outcome, item.day, now,
                                    leaves_known(session, item.user_id, item.day))
    result = SpotcheckResult(
        item=item, checked_by_id=supervisor.id, method=data.method,
        outcome=data.outcome, satisfaction=data.satisfaction, note=data.note.strip(),
        lat=data.lat, lon=data.lon, accuracy_m=data.accuracy_m, recorded_at=now,
        local_day=clock.local_day(now), verdict=verdict,
        early_reason=data.early_reason.strip() if early else "",
        flags=spotcheck_work.join_flags(early, far), distance_m=distance)
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


@dataclass(frozen=True)
class CorrectionInput:
    method: str
    outcome: str
    reason: str
    satisfaction: str | None = None
    note: str = ""


def correct_result(session: Session, supervisor: User, result: SpotcheckResult,
                   data: CorrectionInput) -> SpotcheckCorrection:
    """A new record saying what the result should have said, and why; the result and
    earlier corrections stay. Refused without a reason, without a change, or once the
    result has an appeal. The verdict is judged from the leave as it was known when the
    check was first recorded (a correction never turns later leave into an excuse). Two
    corrections at once: the unique (result_id, sequence) refuses the second (409)."""
    item = result.item
    check_result(item, ResultInput(method=data.method, outcome=data.outcome,
                                   satisfaction=data.satisfaction, note=data.note))
    if len(data.reason) > MAX_NOTE:
        raise Refusal("invalid_text", field="reason", name="reason", limit=MAX_NOTE)
    corrections = list(session.scalars(select(SpotcheckCorrection).where(
        SpotcheckCorrection.result_id == result.id).order_by(SpotcheckCorrection.sequence)))
    latest = corrections[-1] if corrections else None
    has_appeal = session.scalar(select(SpotcheckAppeal.id).where(
        SpotcheckAppeal.result_id == result.id)) is not None
    standing = latest or result
    current = spotcheck_work.Answer(standing.method, standing.outcome, standing.satisfaction,
                                    standing.note)
    wanted = spotcheck_work.Answer(data.method, data.outcome, data.satisfaction,
                                   data.note.strip())
    problem = spotcheck_work.correction_problem(current, wanted, data.reason, has_appeal)
    if problem is not None:
        raise Refusal(problem, field="reason")
    verdict = findings.verdict_then(item.kind, data.outcome, item.day, result.recorded_at,
                                    leaves_known(session, item.user_id, item.day))
    lighter = spotcheck_work.lightening_problem(
        standing.verdict, verdict, supervisor.area.level if supervisor.area else None,
        supervisor.id, result.checked_by_id)
    if lighter is not None:
        raise Refusal(lighter, field="outcome")
    correction = SpotcheckCorrection(
        result_id=result.id, sequence=len(corrections) + 1, corrected_by_id=supervisor.id,
        method=data.method, outcome=data.outcome, satisfaction=data.satisfaction,
        note=data.note.strip(), reason=data.reason.strip(), verdict=verdict,
        recorded_at=clock.now())
    session.add(correction)
    session.flush()
    session.expire(result, ["corrections"])
    audit.record(session, actor_id=supervisor.id, action="spotcheck.correction",
                 entity="spotcheck_correction", entity_id=correction.id,
                 before={"method": current.method, "outcome": current.outcome,
                         "satisfaction": current.satisfaction, "note": current.note,
                         "verdict": standing.verdict},
                 after=audit.snapshot(correction),
                 detail={"result_id": result.id, "item_id": item.id})
    return correction


def correction_taken() -> Refusal:
    return Refusal("correction_conflict", field="reason")


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
    """A result with the verdict it stands on: the one recorded (by the latest correction
    if corrected), unless an appeal the county upheld makes it "excused_on_appeal".
    `first` is the verdict frozen on the result when it was recorded; it never changes."""

    item: SpotcheckItem
    result: SpotcheckResult
    verdict: findings.Verdict
    recorded: findings.Verdict
    appeal: SpotcheckAppeal | None = None
    correction: SpotcheckCorrection | None = None

    @property
    def serious(self) -> bool:
        return findings.is_serious(self.verdict)

    @property
    def first(self) -> findings.Verdict:
        return recorded_verdict(self.result)

    @property
    def corrected(self) -> bool:
        return self.correction is not None

    @property
    def method(self) -> str:
        return (self.correction or self.result).method

    @property
    def outcome(self) -> str:
        return (self.correction or self.result).outcome

    @property
    def satisfaction(self) -> str | None:
        return (self.correction or self.result).satisfaction

    @property
    def note(self) -> str:
        return (self.correction or self.result).note


def latest_corrections(session: Session, result_ids: Iterable[int]
                       ) -> dict[int, SpotcheckCorrection]:
    """The latest correction of each corrected result: one query for all."""
    wanted = list(set(result_ids))
    if not wanted:
        return {}
    latest: dict[int, SpotcheckCorrection] = {}
    for correction in session.scalars(select(SpotcheckCorrection).where(
            SpotcheckCorrection.result_id.in_(wanted)).order_by(SpotcheckCorrection.sequence)):
        latest[correction.result_id] = correction
    return latest


def standing_recorded(session: Session, result: SpotcheckResult) -> findings.Verdict:
    """The verdict a result stands on before any appeal: its latest correction's, or its
    own."""
    latest = latest_corrections(session, [result.id]).get(result.id)
    return recorded_verdict(result) if latest is None else _verdict(latest.verdict, result.id)


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
    return _verdict(result.verdict, result.id)


def _verdict(value: str, result_id: int) -> findings.Verdict:
    if value not in findings.RECORDED_VERDICTS:
        raise ValueError(f"result {result_id} has no recorded verdict: {value!r}")
    return value  # type: ignore[return-value]


def judge(session: Session, items: Iterable[SpotcheckItem]) -> list[Judged]:
    """Each item that has a result, with its recorded verdict and any appeal; nothing is
    recomputed from the leave as it stands now."""
    done = [(i, i.result) for i in items if i.result is not None]
    appeals = appeals_of(session, [r.id for _, r in done])
    corrections = latest_corrections(session, [r.id for _, r in done])
    judged: list[Judged] = []
    for item, result in done:
        correction = corrections.get(result.id)
        recorded = (recorded_verdict(result) if correction is None
                    else _verdict(correction.verdict, result.id))
        appeal = appeals.get(result.id)
        status = None if appeal is None else appeal.status
        judged.append(Judged(item, result, findings.standing_verdict(
            recorded, status), recorded, appeal, correction))  # type: ignore[arg-type]
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
        .where(SpotcheckItem.user_id.in_(user_ids), current_outcome() != "unreachable",
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


def current_outcome() -> Any:
    """The outcome a result stands on, in SQL: its latest correction's, or its own."""
    latest = (select(SpotcheckCorrection.outcome)
              .where(SpotcheckCorrection.result_id == SpotcheckResult.id)
              .order_by(SpotcheckCorrection.sequence.desc()).limit(1)
              .correlate(SpotcheckResult).scalar_subquery())
    return func.coalesce(latest, SpotcheckResult.outcome)


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
               or_(SpotcheckResult.id.is_(None), current_outcome() != "unreachable"))
        .group_by(SpotcheckItem.user_id))
    if kind == "presence":
        return dict(rows.all())
    return {user_id: date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
            for user_id, week in rows}
