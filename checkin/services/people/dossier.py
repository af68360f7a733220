"""A cadre's file (一人一档): one year of one cadre, every part a supervisor judges them by.

Decisions:

- Who may read it: a supervisor (or admin) whose scope holds the cadre, and the cadre
  itself; anyone else gets None (404 at the edge). Scoping is `Scope.users()`.
- Spot checks are unannounced: the cadre's own file has no spot-check part and no
  satisfaction (answers come from household back-checks); `spotchecks` is None then.
- A year's spot checks are the items of the cadre whose result was recorded that year,
  judged as the bulletin judges them (`results.judge`). Open items are not shown.
- Bulletin rows come from published bulletins only (the snapshot a county circulated);
  an unpublished month is not computed here (that is the whole area's work).
- The quarterly public evaluation (季众评): a supervisor sees the cadre's figure of each
  quarter with its n ("too few answers" below the minimum); the cadre sees only quarters
  that have ended with enough answers (public_evaluation.visible_to_cadre), never a
  household's answer.
- Every part is one query (or two) whatever the number of rows; the long lists
  (check-ins, visits) are read a page at a time.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import attendance, public_evaluation
from checkin.domain.policy import Policy
from checkin.models import (
    Area,
    AttendanceCorrection,
    AttendanceDay,
    BulletinPublication,
    Checkin,
    Leave,
    Photo,
    SpotcheckItem,
    SpotcheckResult,
    User,
    Visit,
)
from checkin.platform import clock
from checkin.scope import Scope
from checkin.services.attendance import daily_logs, ledger, opening
from checkin.services.evaluation import results as evaluation_results
from checkin.services.spotchecks import results
from checkin.services.trainings import shortfalls

PAGE_SIZE = 100


@dataclass(frozen=True)
class DayWhy:
    """Why a day has its category: a code and the numbers for the sentence."""

    code: str
    params: dict[str, Any]


@dataclass(frozen=True)
class CalendarMonth:
    grid: attendance.MonthGrid
    why: dict[date, DayWhy]


@dataclass(frozen=True)
class SpotcheckLine:
    week: str
    day: date
    kind: str
    outcome: str
    verdict: str
    satisfaction: str | None
    note: str


@dataclass(frozen=True)
class BulletinLine:
    month: str
    area_name: str
    rank: int | None
    teams: int
    score: float | None
    award: str | None


@dataclass(frozen=True)
class Dossier:
    user: User
    year: int
    ledger: attendance.Ledger
    checkins: dict[str, int]  # total, counted, flagged
    visits: dict[str, int]  # total, flagged
    leaves: list[Leave]
    corrections: list[AttendanceCorrection]
    spotchecks: list[SpotcheckLine] | None  # None: the cadre's own view
    satisfaction: dict[str, Any] | None
    bulletins: list[BulletinLine]
    due_households: int
    trainings: TrainingPart | None = None
    evaluation: list[EvaluationQuarter] = field(default_factory=list)
    opening: opening.Change | None = None  # the balance at go-live, and its changes


@dataclass(frozen=True)
class TrainingPart:
    """Trainings and quarterly meetings of the year: the shortfall and each session asked
    to, with its days present and how many of them the organiser marked."""

    shortfall: Any  # trainings services' CadreShortfall
    sessions: list[tuple[Any, int, int]]


@dataclass(frozen=True)
class EvaluationQuarter:
    """The cadre's 季众评 figure of one quarter; `result` None when the cadre may not see it
    yet (`why`: the quarter runs, or too few answers)."""

    quarter: str
    result: public_evaluation.Result | None
    why: str = ""


def as_date(value: Any) -> date:
    """A date from the driver: PostgreSQL gives dates, SQLite may give the stored text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year's first and after-last moments in the deployment's zone, for recorded_at."""
    zone = clock.zone()
    return (datetime.combine(date(year, 1, 1), time(), zone).astimezone(UTC),
            datetime.combine(date(year + 1, 1, 1), time(), zone).astimezone(UTC))


def cadre_in_scope(session: Session, scope: Scope, user_id: int) -> User | None:
    """The cadre if the scope may read their file: their own, or in a supervisor's area."""
    if scope.role == "cadre":
        if user_id != scope.user_id:
            return None
    elif not scope.is_supervisor:
        return None
    return session.scalars(scope.users().where(User.id == user_id, User.role == "cadre")
                           .options(selectinload(User.village), selectinload(User.team),
                                    selectinload(User.unit))).first()


def dossier(session: Session, scope: Scope, cadre: User, year: int, policy: Policy
            ) -> Dossier:
    [item] = ledger.ledgers(session, [cadre], year, policy)
    supervisor = scope.is_supervisor
    lines = spotcheck_lines(session, cadre, year) if supervisor else None
    return Dossier(
        user=cadre, year=year, ledger=item.ledger,
        checkins=checkin_totals(session, cadre, year),
        visits=visit_totals(session, cadre, year),
        leaves=leaves_of(session, cadre, year),
        corrections=corrections_of(session, cadre, year),
        spotchecks=lines,
        satisfaction=None if lines is None else satisfaction_of(lines),
        bulletins=bulletin_lines(session, cadre, year),
        due_households=due_households(session, cadre, policy),
        trainings=training_part(session, cadre, year, policy),
        evaluation=evaluation_of(session, cadre, year, policy, own=not supervisor),
        opening=opening.change_of(session, cadre.id, year))


def training_part(session: Session, cadre: User, year: int, policy: Policy) -> TrainingPart:
    [own] = shortfalls.of_cadres(session, [cadre], year, policy)
    return TrainingPart(own, shortfalls.sessions_of(session, cadre.id, year))


def evaluation_of(session: Session, cadre: User, year: int, policy: Policy, *, own: bool
                  ) -> list[EvaluationQuarter]:
    today = clock.today()
    out = []
    for quarter, result in evaluation_results.cadre_quarters(session, cadre, year, policy):
        if own and not public_evaluation.visible_to_cadre(result, quarter, today):
            why = "running" if not public_evaluation.quarter_ended(quarter, today) \
                else "too_few"
            out.append(EvaluationQuarter(quarter, None, why))
        else:
            out.append(EvaluationQuarter(quarter, result))
    return out


# Totals -------------------------------------------------------------------------------
def checkin_totals(session: Session, cadre: User, year: int) -> dict[str, int]:
    first, after = year_bounds(year)
    total, counted, flagged = session.execute(
        select(func.count(), func.count().filter(Checkin.counts_for_day.is_(True)),
               func.count().filter(Checkin.flags != ""))
        .where(Checkin.user_id == cadre.id, Checkin.recorded_at >= first,
               Checkin.recorded_at < after)).one()
    return {"total": total, "counted": counted, "flagged": flagged}


def _photo_flagged() -> Any:
    return exists().where(Photo.visit_id == Visit.id, Photo.flags != "")


def visit_totals(session: Session, cadre: User, year: int) -> dict[str, int]:
    first, after = year_bounds(year)
    total, flagged, contacts = session.execute(
        select(func.count(), func.count().filter(or_(Visit.flags != "", _photo_flagged())),
               func.count().filter(Visit.kind == "contact"))
        .where(Visit.user_id == cadre.id, Visit.recorded_at >= first,
               Visit.recorded_at < after)).one()
    return {"total": total, "flagged": flagged, "contacts": contacts,
            "visits": total - contacts}


def due_households(session: Session, cadre: User, policy: Policy) -> int:
    """Households the cadre helps that are due or overdue for a visit now."""
    from checkin.services.visits import households

    scope = Scope(role="cadre", user_id=cadre.id, village_id=cadre.village_id)
    rows = households.household_rows(session, scope, clock.today(), policy,
                                     helper_id=cadre.id)
    return sum(1 for r in rows if r.due.state != "ok")


# Lists --------------------------------------------------------------------------------
def leaves_of(session: Session, cadre: User, year: int) -> list[Leave]:
    return list(session.scalars(select(Leave).where(
        Leave.user_id == cadre.id, Leave.start_date <= date(year, 12, 31),
        Leave.end_date >= date(year, 1, 1)).options(selectinload(Leave.decided_by))
        .order_by(Leave.start_date)))


def corrections_of(session: Session, cadre: User, year: int) -> list[AttendanceCorrection]:
    return list(session.scalars(select(AttendanceCorrection).where(
        AttendanceCorrection.user_id == cadre.id,
        AttendanceCorrection.day.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(AttendanceCorrection.day)).unique())


def checkins_page(session: Session, cadre: User, year: int, page: int,
                  size: int = PAGE_SIZE) -> tuple[list[Checkin], bool]:
    """One page of the year's check-ins, latest first; and whether there is another."""
    first, after = year_bounds(year)
    rows = list(session.scalars(select(Checkin).where(
        Checkin.user_id == cadre.id, Checkin.recorded_at >= first,
        Checkin.recorded_at < after)
        .order_by(Checkin.recorded_at.desc(), Checkin.id)
        .limit(size + 1).offset(max(0, page - 1) * size)))
    return rows[:size], len(rows) > size


def visits_page(session: Session, cadre: User, year: int, page: int,
                size: int = PAGE_SIZE) -> tuple[list[Visit], bool]:
    first, after = year_bounds(year)
    rows = list(session.scalars(select(Visit).where(
        Visit.user_id == cadre.id, Visit.recorded_at >= first, Visit.recorded_at < after)
        .options(selectinload(Visit.household), selectinload(Visit.photos))
        .order_by(Visit.recorded_at.desc(), Visit.id)
        .limit(size + 1).offset(max(0, page - 1) * size)))
    return rows[:size], len(rows) > size


# Spot checks and satisfaction (supervisors only) ------------------------------------------
def spotcheck_lines(session: Session, cadre: User, year: int) -> list[SpotcheckLine]:
    items = session.scalars(
        select(SpotcheckItem)
        .join(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
        .where(SpotcheckItem.user_id == cadre.id,
               SpotcheckResult.local_day.between(date(year, 1, 1), date(year, 12, 31)))
        .options(selectinload(SpotcheckItem.result), selectinload(SpotcheckItem.batch))
        .order_by(SpotcheckResult.recorded_at)).all()
    return [SpotcheckLine(week=j.item.batch.week, day=j.item.day, kind=j.item.kind,
                          outcome=j.outcome, verdict=j.verdict,
                          satisfaction=j.satisfaction, note=j.note)
            for j in results.judge(session, items)]


def satisfaction_of(lines: list[SpotcheckLine]) -> dict[str, Any]:
    """Answers and the share of them 'satisfied' (None without answers)."""
    answers = [line.satisfaction for line in lines if line.satisfaction is not None]
    satisfied = sum(1 for a in answers if a == "satisfied")
    return {"answers": len(answers),
            "satisfied_share": round(satisfied / len(answers), 4) if answers else None}


# Bulletins ----------------------------------------------------------------------------
def bulletin_lines(session: Session, cadre: User, year: int) -> list[BulletinLine]:
    """The cadre's team's rows of the year's published bulletins, of every area above it."""
    if cadre.team_id is None or cadre.village is None:
        return []
    above = [int(part) for part in cadre.village.area_path.strip("/").split("/") if part]
    superseded = select(BulletinPublication.supersedes_id).where(
        BulletinPublication.supersedes_id.is_not(None))
    rows = session.execute(
        select(BulletinPublication, Area.name)
        .join(Area, Area.id == BulletinPublication.area_id)
        .where(BulletinPublication.area_id.in_(above),
               BulletinPublication.month.between(f"{year}-01", f"{year}-12"),
               BulletinPublication.id.not_in(superseded))
        .order_by(BulletinPublication.month, Area.path)).all()
    out = []
    for published, area_name in rows:
        team_rows = published.content.get("rows", [])
        mine = next((r for r in team_rows if r.get("team_id") == cadre.team_id), None)
        if mine is not None:
            out.append(BulletinLine(month=published.month, area_name=area_name,
                                    rank=mine.get("rank"), teams=len(team_rows),
                                    score=mine.get("score"), award=mine.get("award")))
    return out


# The calendar -------------------------------------------------------------------------
def calendar_of(session: Session, cadre: User, year: int) -> list[CalendarMonth]:
    """The year's twelve months, each day classified as the ledger does, with why."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    today = clock.today()
    days = ledger.days_on_post(session, [cadre.id], first, last).get(cadre.id, set())
    days = {as_date(d) for d in days}
    made_up = ledger.makeup_days(session, [cadre.id], first, last).get(cadre.id, set())
    spans = ledger.leaves_of(session, [cadre.id], first, last).get(cadre.id, [])
    start, end = ledger.term_of(cadre, cadre.team, year)
    # Before go-live (an opening balance) the days are outside what the records show.
    start = attendance.opened_term_start(
        start, opening.balances_of(session, [cadre.id], year).get(cadre.id))
    why = day_reasons(session, cadre, year, spans)
    out = []
    for month_no in range(1, 13):
        grid = attendance.month_grid(year, month_no, days, spans, start, end, today, made_up)
        month_last = date(year, month_no, calendar.monthrange(year, month_no)[1])
        out.append(CalendarMonth(grid, {d: w for d, w in why.items()
                                        if date(year, month_no, 1) <= d <= month_last}))
    return out


def day_reasons(session: Session, cadre: User, year: int,
                spans: list[attendance.LeaveSpan]) -> dict[date, DayWhy]:
    """Per day: the first counting check-in, the make-up, the leave, or why the day's
    check-ins did not count."""
    first, after = year_bounds(year)
    why: dict[date, DayWhy] = {}
    marked = session.execute(
        select(AttendanceDay.day, Checkin.recorded_at, Checkin.distance_m,
               AttendanceCorrection.reason)
        .outerjoin(Checkin, Checkin.id == AttendanceDay.first_checkin_id)
        .outerjoin(AttendanceCorrection,
                   AttendanceCorrection.id == AttendanceDay.correction_id)
        .where(AttendanceDay.user_id == cadre.id,
               AttendanceDay.day.between(date(year, 1, 1), date(year, 12, 31))))
    for day, recorded_at, distance, reason in marked:
        day = as_date(day)
        if reason is not None:
            why[day] = DayWhy("makeup", {"reason": reason})
        elif recorded_at is not None:
            why[day] = DayWhy("first_checkin", {
                "time": recorded_at.astimezone(clock.zone()).strftime("%H:%M"),
                "distance_m": round(distance or 0)})
    failed: dict[date, list[Checkin]] = defaultdict(list)
    for row in session.scalars(select(Checkin).where(
            Checkin.user_id == cadre.id, Checkin.recorded_at >= first,
            Checkin.recorded_at < after, Checkin.counts_for_day.is_(False))
            .order_by(Checkin.recorded_at)):
        failed[row.local_day].append(row)
    for day, rows in failed.items():
        if day not in why:
            flags = sorted({f for r in rows for f in r.flag_list})
            why[day] = DayWhy("not_counted", {"count": len(rows), "flags": flags})
    for leave_span in spans:
        effective = leave_span.effective_end
        day = max(leave_span.start, date(year, 1, 1))
        while day <= min(effective, date(year, 12, 31)):
            if day not in why or why[day].code == "not_counted":
                why[day] = DayWhy("leave", {"kind": leave_span.kind,
                                            "start": leave_span.start,
                                            "end": leave_span.end})
            day += timedelta(days=1)
    return why


def day_counts(months: list[CalendarMonth]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for month in months:
        for week in month.grid.weeks:
            for cell in week:
                if cell is not None:
                    counts[cell.category] += 1
    return dict(counts)


@dataclass(frozen=True)
class DayRow:
    day: date
    category: str
    why: DayWhy | None
    checkins: int
    log: str  # the day's daily log (日纪实), else the notes of its check-ins (the old way)
    visits: int


def day_rows(session: Session, cadre: User, year: int, months: list[CalendarMonth]
             ) -> list[DayRow]:
    """Every day of the year with its category, why, check-ins, daily log and visits."""
    first, after = year_bounds(year)
    checkins: dict[date, int] = defaultdict(int)
    notes: dict[date, list[str]] = defaultdict(list)
    for day, note in session.execute(
            select(Checkin.local_day, Checkin.note).where(
                Checkin.user_id == cadre.id, Checkin.recorded_at >= first,
                Checkin.recorded_at < after).order_by(Checkin.recorded_at)):
        day = as_date(day)
        checkins[day] += 1
        if note:
            notes[day].append(note)
    logs = {day: row.text for (_user, day), row in daily_logs.newest_by_day(
        session, [cadre.id], date(year, 1, 1), date(year, 12, 31)).items()}
    visits = {as_date(day): n for day, n in session.execute(
        select(Visit.local_day, func.count()).where(
            Visit.user_id == cadre.id, Visit.recorded_at >= first, Visit.recorded_at < after)
        .group_by(Visit.local_day))}
    out = []
    for month in months:
        for week in month.grid.weeks:
            for cell in week:
                if cell is not None:
                    out.append(DayRow(cell.day, cell.category, month.why.get(cell.day),
                                      checkins.get(cell.day, 0),
                                      logs.get(cell.day) or "；".join(
                                          notes.get(cell.day, [])),
                                      visits.get(cell.day, 0)))
    return out


def is_flagged_visit(visit: Visit) -> bool:
    return bool(visit.flag_list) or any(p.flag_list for p in visit.photos)

