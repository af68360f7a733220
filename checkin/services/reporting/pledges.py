"""The yearly pledge and the quarterly reports (年承诺、季报告) of a work team: written by
the team leader (the cadre of the team marked as leader, as for team reports), reviewed by
the township; every write a new row (checkin/domain/pledges.py has the rules).

Decisions:

- Who reads: the members of the team and the supervisors (and admins) whose scope holds
  its village. Who writes: the team leader only. Who reviews: a supervisor of a township
  or above whose scope holds the village.
- A review is of the newest version only, and once: the unique key on report_id refuses a
  second review made at once.
- The quarterly report is taken exactly once by the id the phone made (the outbox), as
  check-ins and visits are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from checkin.domain import pledges as rules
from checkin.domain.refusal import Refusal
from checkin.models import QuarterReport, QuarterReportReview, Team, TeamPledge, User
from checkin.platform import audit, clock
from checkin.platform.among import among
from checkin.platform.exactly_once import replay_or_conflict
from checkin.scope import Scope
from checkin.services.reporting.team_reports import is_leader_of

PAGE_SIZE = 100


def team_in_scope(session: Session, scope: Scope, user: User, team_id: int) -> Team | None:
    """The team if the reader may see its pledge: a member, or a supervisor above it."""
    if scope.role == "cadre" and user.team_id != team_id:
        return None
    if scope.role not in ("cadre", "supervisor", "admin"):
        return None
    return session.scalars(scope.teams().where(Team.id == team_id).options(
        selectinload(Team.village), selectinload(Team.unit))).first()


def pledge_versions(session: Session, team_id: int, year: int) -> list[TeamPledge]:
    return list(session.scalars(select(TeamPledge).where(
        TeamPledge.team_id == team_id, TeamPledge.year == year)
        .options(selectinload(TeamPledge.written_by)).order_by(TeamPledge.version)))


def current_pledge(session: Session, team_id: int, year: int) -> TeamPledge | None:
    versions = pledge_versions(session, team_id, year)
    return versions[-1] if versions else None


def reports_of_year(session: Session, team_id: int, year: int
                    ) -> dict[int, list[QuarterReport]]:
    """Quarter -> its versions, oldest first, with their reviews."""
    out: dict[int, list[QuarterReport]] = defaultdict(list)
    for report in session.scalars(select(QuarterReport).where(
            QuarterReport.team_id == team_id, QuarterReport.year == year)
            .options(selectinload(QuarterReport.review)
                     .selectinload(QuarterReportReview.reviewed_by),
                     selectinload(QuarterReport.submitted_by))
            .order_by(QuarterReport.quarter, QuarterReport.version)):
        out[report.quarter].append(report)
    return out


def state_of(versions: list[QuarterReport]) -> str:
    latest = versions[-1] if versions else None
    review = latest.review if latest is not None else None
    return rules.report_state(review.decision if review else None, latest is not None)


# Writing -----------------------------------------------------------------------------------
def write_pledge(session: Session, leader: User, team: Team, year: int, items: list[str]
                 ) -> TeamPledge:
    if not is_leader_of(leader, team):
        raise Refusal("not_team_leader")
    today = clock.today()
    if year not in (today.year, today.year + 1):
        raise Refusal("pledge_year", year=year)
    kept = rules.clean_items(items)
    reported = session.scalar(select(func.count()).select_from(QuarterReport).where(
        QuarterReport.team_id == team.id, QuarterReport.year == year)) or 0
    if not rules.may_rewrite_pledge(reported):
        raise Refusal("pledge_fixed", year=year)
    latest = current_pledge(session, team.id, year)
    pledge = TeamPledge(team_id=team.id, year=year,
                        version=latest.version + 1 if latest else 1, items=kept,
                        written_by_id=leader.id, written_at=clock.now())
    try:
        with session.begin_nested():
            session.add(pledge)
            session.flush()
    except IntegrityError as exc:  # written from two devices at once
        raise Refusal("conflict") from exc
    audit.record(session, actor_id=leader.id, action="pledge.written", entity="team_pledge",
                 entity_id=pledge.id, after=audit.snapshot(pledge),
                 detail={"team_id": team.id, "year": year,
                         "replaces": latest.id if latest else None})
    return pledge


@dataclass(frozen=True)
class ReportInput:
    quarter: rules.Quarter
    entries: list[tuple[str, str]]  # (status, text) per commitment, in the pledge's order
    summary: str = ""


def stored_report(session: Session, leader: User, request_id: str, digest: str
                  ) -> QuarterReport | None:
    row = session.scalars(select(QuarterReport).where(
        QuarterReport.request_id == request_id).execution_options(
        populate_existing=True)).first()
    if row is None:
        return None
    if row.submitted_by_id != leader.id:
        raise Refusal("id_conflict", field="id")
    replay_or_conflict(row.digest, digest)
    return row


def submit_report(session: Session, leader: User, team: Team, data: ReportInput,
                  request_id: str | None = None, digest: str = "") -> QuarterReport:
    """Hand in a version of the quarter's report. Flushed by the caller (store_once) or
    here when there is no phone id."""
    if not is_leader_of(leader, team):
        raise Refusal("not_team_leader")
    quarter = data.quarter
    if not rules.may_report(quarter, clock.today()):
        raise Refusal("report_quarter_not_open", quarter=quarter.label)
    pledge = current_pledge(session, team.id, quarter.year)
    if pledge is None:
        raise Refusal("report_needs_pledge", year=quarter.year)
    versions = reports_of_year(session, team.id, quarter.year).get(quarter.number, [])
    state = state_of(versions)
    if not rules.may_hand_in(state):
        raise Refusal("report_waiting" if state == "pending" else "report_approved",
                      quarter=quarter.label)
    entries = rules.check_entries(len(pledge.items), data.entries)
    summary = data.summary.strip()
    if len(summary) > rules.MAX_TEXT:
        raise Refusal("invalid_text", field="summary", name="summary", limit=rules.MAX_TEXT)
    report = QuarterReport(
        request_id=request_id, team_id=team.id, year=quarter.year, quarter=quarter.number,
        version=versions[-1].version + 1 if versions else 1, pledge_id=pledge.id,
        entries=[{"item": item, "status": e.status, "text": e.text}
                 for item, e in zip(pledge.items, entries, strict=True)],
        summary=summary, digest=digest, submitted_by_id=leader.id, submitted_at=clock.now())
    try:
        with session.begin_nested():
            session.add(report)
            session.flush()
    except IntegrityError:
        if request_id is not None and session.scalar(select(QuarterReport.id).where(
                QuarterReport.request_id == request_id)) is not None:
            raise  # the same id stored meanwhile: store_once answers it as a replay
        raise Refusal("report_waiting", quarter=quarter.label) from None
    audit.record(session, actor_id=leader.id, action="quarter_report.submitted",
                 entity="quarter_report", entity_id=report.id, after=audit.snapshot(report),
                 detail={"team_id": team.id, "quarter": quarter.label})
    return report


# Reviewing ---------------------------------------------------------------------------------
def report_in_scope(session: Session, scope: Scope, report_id: int) -> QuarterReport | None:
    if not scope.is_supervisor:
        return None
    return session.scalars(select(QuarterReport).join(Team, Team.id == QuarterReport.team_id)
                           .where(QuarterReport.id == report_id,
                                  Team.village_id.in_(scope.village_ids()))
                           .options(selectinload(QuarterReport.review),
                                    selectinload(QuarterReport.team))).first()


def review(session: Session, supervisor: User, report: QuarterReport, decision: str,
           remark: str) -> QuarterReportReview:
    versions = reports_of_year(session, report.team_id, report.year).get(report.quarter, [])
    newest = versions[-1] if versions else None
    state = state_of(versions) if newest is not None and newest.id == report.id else (
        "superseded")
    level = supervisor.area.level if (supervisor.role == "supervisor"
                                      and supervisor.area is not None) else None
    rules.check_review(decision, remark, state, level)
    row = QuarterReportReview(report_id=report.id, decision=decision, remark=remark.strip(),
                              reviewed_by_id=supervisor.id, reviewed_at=clock.now())
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:  # two reviews at once: the first stands
        raise Refusal("report_not_pending", state="reviewed") from exc
    session.expire(report)
    audit.record(session, actor_id=supervisor.id, action=f"quarter_report.{decision}",
                 entity="quarter_report", entity_id=report.id, after=audit.snapshot(row),
                 detail={"team_id": report.team_id,
                         "quarter": rules.Quarter(report.year, report.quarter).label})
    return row


# The township's overview -------------------------------------------------------------------
@dataclass(frozen=True)
class TeamLine:
    team: Team
    pledge: TeamPledge | None
    state: str
    latest: QuarterReport | None


def overview(session: Session, scope: Scope, quarter: rules.Quarter, page: int,
             size: int = PAGE_SIZE) -> tuple[list[TeamLine], int]:
    """A page of the scope's teams with their pledge for the year and where the quarter's
    report stands: three queries for the page."""
    if not scope.is_supervisor:
        return [], 0
    total = session.scalar(select(func.count()).select_from(scope.teams().subquery())) or 0
    teams = list(session.scalars(scope.teams().options(
        selectinload(Team.village), selectinload(Team.unit)).order_by(Team.code)
        .limit(size).offset(max(0, page - 1) * size)))
    ids = [t.id for t in teams]
    pledged: dict[int, TeamPledge] = {}
    reports: dict[int, list[QuarterReport]] = defaultdict(list)
    if ids:
        for pledge in session.scalars(select(TeamPledge).where(
                among(session, TeamPledge.team_id, ids), TeamPledge.year == quarter.year)
                .order_by(TeamPledge.version)):
            pledged[pledge.team_id] = pledge
        for report in session.scalars(select(QuarterReport).where(
                among(session, QuarterReport.team_id, ids), QuarterReport.year == quarter.year,
                QuarterReport.quarter == quarter.number)
                .options(selectinload(QuarterReport.review))
                .order_by(QuarterReport.version)):
            reports[report.team_id].append(report)
    lines = [TeamLine(t, pledged.get(t.id), state_of(reports.get(t.id, [])),
                      reports[t.id][-1] if reports.get(t.id) else None) for t in teams]
    return lines, total


def year_states(session: Session, team_id: int, year: int) -> dict[int, str]:
    """Quarter -> where its report stands, for the cadre's file."""
    found = reports_of_year(session, team_id, year)
    return {n: state_of(found.get(n, [])) for n in (1, 2, 3, 4)}


def quarter_arg(raw: str, today: date) -> rules.Quarter:
    """The quarter asked for, else the one being reported now (this one from its last
    month, else the one before)."""
    try:
        return rules.parse_quarter(raw)
    except ValueError:
        now = rules.quarter_of(today)
        if rules.may_report(now, today):
            return now
        return rules.quarter_of(now.first - date.resolution)
