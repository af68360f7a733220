"""Team reports: the weekly summary (周小结) and monthly report (月报表) drafted from a team's
records (days on post, visits made, households overdue, leave), with the team leader's
remarks; finalising freezes the figures and the remarks. Nothing about spot checks is in
them: cadres read these reports, and spot checks are unannounced.

Decisions:

- The team leader (the cadre of the team marked as leader, usually the first secretary)
  writes the remarks and finalises; the other members and the supervisors above read.
- A draft's figures follow the records; the remarks can be saved any number of times
  until the report is final (every save is in the audit log). Finalising is allowed from
  the period's last working day on (reporting.may_finalise) and cannot be undone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from checkin.domain import attendance, cadence, reporting
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import Household, Leave, Team, TeamReport, TeamReportRemarks, User, Visit
from checkin.platform import audit, clock, keyset
from checkin.platform.among import among
from checkin.platform.exactly_once import replay_or_conflict
from checkin.scope import Scope
from checkin.services.attendance import ledger
from checkin.services.visits.households import superseded

MAX_REMARKS = 4000
CATEGORIES = ("on_post", "official", "training", "leave", "absent")


def parse(label: str, today: date) -> reporting.Period:
    """The period of a label; 404 for a malformed label or one that has not begun."""
    try:
        period = reporting.parse_period(label)
    except ValueError as exc:
        raise Refusal("no_such_period") from exc
    if period.first > today:
        raise Refusal("period_not_begun")
    return period


def recent_periods(today: date, weeks: int = 6, months: int = 3) -> list[reporting.Period]:
    """This week and the weeks before it, then this month and the months before it."""
    found = []
    for n in range(weeks):
        label = reporting.week_of(date.fromordinal(today.toordinal() - 7 * n))
        found.append(reporting.parse_period(label))
    first = today.replace(day=1)
    for _ in range(months):
        found.append(reporting.parse_period(reporting.month_of(first)))
        first = (first.replace(day=1) - date.resolution).replace(day=1)
    return found


def is_leader_of(user: User, team: Team) -> bool:
    return user.role == "cadre" and user.is_leader and user.team_id == team.id


def team_page(session: Session, scope: Scope, after: str = "") -> keyset.Page[Team]:
    """The scope's teams by code, a page at a time with "N of M" (a province has 7,000)."""
    stmt = scope.teams().options(selectinload(Team.village), selectinload(Team.unit))
    return keyset.page(session, stmt, (Team.code, Team.id), lambda t: (t.code, t.id), after,
                       (str, int), keyset.PAGE_SIZE)


def final_count(session: Session, scope: Scope, label: str) -> int:
    """How many of the scope's teams have finalised their report of the period."""
    return session.scalar(select(func.count()).select_from(TeamReport).where(
        TeamReport.team_id.in_(scope.teams().with_only_columns(Team.id)),
        TeamReport.period == label, TeamReport.status == "final")) or 0


def team_in_scope(session: Session, scope: Scope, team_id: int) -> Team | None:
    return session.scalars(scope.teams().where(Team.id == team_id)).first()


def report_of(session: Session, team_id: int, label: str) -> TeamReport | None:
    return session.scalars(select(TeamReport).where(
        TeamReport.team_id == team_id, TeamReport.period == label)).first()


def statuses(session: Session, team_ids: list[int], label: str) -> dict[int, TeamReport]:
    return {r.team_id: r for r in session.scalars(select(TeamReport).where(
        among(session, TeamReport.team_id, team_ids), TeamReport.period == label))}


@dataclass(frozen=True)
class ReportView:
    team: Team
    period: reporting.Period
    report: TeamReport | None
    figures: dict[str, Any]
    may_finalise: bool

    @property
    def final(self) -> bool:
        return self.report is not None and self.report.status == "final"

    @property
    def remarks(self) -> str:
        return self.report.remarks if self.report is not None else ""


def view(session: Session, team: Team, period: reporting.Period, today: date,
         policy: Policy) -> ReportView:
    report = report_of(session, team.id, period.label)
    if report is not None and report.status == "final" and report.figures is not None:
        figures = report.figures
    else:
        figures = draft(session, team, period, today, policy)
    return ReportView(team, period, report, figures, reporting.may_finalise(period, today))


# Drafting ------------------------------------------------------------------------------
def draft(session: Session, team: Team, period: reporting.Period, today: date,
          policy: Policy) -> dict[str, Any]:
    """The period's figures from the records, as JSON (frozen as is on finalising)."""
    asof = min(period.last, today)
    members = list(session.scalars(select(User).where(
        User.team_id == team.id, User.role == "cadre", User.active.is_(True))
        .order_by(User.is_leader.desc(), User.name)))
    ids = [m.id for m in members]
    window = reporting.elapsed_in_term(period.first, period.last, asof, team.term_start,
                                       team.term_end)
    made = _visits_made(session, ids, period)
    days = ledger.days_on_post(session, ids, *window) if window else {}
    leaves = ledger.leaves_of(session, ids, *window) if window else {}
    rows: list[dict[str, Any]] = []
    for member in members:
        counts: Counter[str] = Counter()
        if window is not None:
            # The window ends at `asof`; the day that is still running is judged against
            # the real today (not absent before it ends), every earlier day has ended.
            counts = Counter(attendance.classify_days(
                days.get(member.id, set()), leaves.get(member.id, []), window[0], window[1],
                today).values())
        rows.append({"user_id": member.id, "name": member.name, "leader": member.is_leader,
                     **{key: counts[key] for key in CATEGORIES},
                     "visits": made.get((member.id, "visit"), 0),
                     "contacts": made.get((member.id, "contact"), 0)})
    totals = {key: sum(r[key] for r in rows) for key in (*CATEGORIES, "visits", "contacts")}
    return {
        "period": period.label, "kind": period.kind, "first": period.first.isoformat(),
        "last": period.last.isoformat(), "asof": asof.isoformat(), "members": rows,
        "totals": totals, "households": _households(session, team, period, asof, policy),
        "leaves": _leaves(session, members, period),
    }


def _visits_made(session: Session, ids: list[int], period: reporting.Period
                 ) -> dict[tuple[int, str], int]:
    rows = session.execute(
        select(Visit.user_id, Visit.kind, func.count())
        .where(among(session, Visit.user_id, ids),
               Visit.local_day.between(period.first, period.last),
               Visit.id.not_in(superseded()))
        .group_by(Visit.user_id, Visit.kind))
    return {(user_id, kind): n for user_id, kind, n in rows}


def _households(session: Session, team: Team, period: reporting.Period, asof: date,
                policy: Policy) -> dict[str, int]:
    """The village's cadence households: how many, visited and contacted in the period,
    and overdue as of the period's end (or today)."""
    households = list(session.execute(select(Household.id, Household.status).where(
        Household.village_id == team.village_id)))
    last = {hid: (contact, visit) for hid, contact, visit in session.execute(
        select(Visit.household_id, func.max(Visit.local_day),
               func.max(Visit.local_day).filter(Visit.kind == "visit"))
        .where(Visit.village_id == team.village_id, Visit.local_day <= asof,
               Visit.id.not_in(superseded()))
        .group_by(Visit.household_id))}
    total = visited = contacted = overdue = 0
    for hid, status in households:
        if not cadence.has_cadence(status):
            continue
        contact, visit = last.get(hid, (None, None))
        total += 1
        visited += visit is not None and period.contains(visit)
        contacted += contact is not None and period.contains(contact)
        due = cadence.household_due(status, contact, visit, team.term_start, asof, policy)
        overdue += due.state == "overdue"
    return {"total": total, "visited": visited, "contacted": contacted, "overdue": overdue}


def _leaves(session: Session, members: list[User], period: reporting.Period
            ) -> list[dict[str, Any]]:
    names = {m.id: m.name for m in members}
    rows = session.scalars(select(Leave).where(
        among(session, Leave.user_id, names), Leave.status.in_(("approved", "closed")),
        Leave.start_date <= period.last, Leave.end_date >= period.first)
        .order_by(Leave.start_date))
    return [{"name": names[r.user_id], "kind": r.kind, "start": r.start_date.isoformat(),
             "end": r.end_date.isoformat(), "status": r.status,
             "returned_on": r.returned_on.isoformat() if r.returned_on else None}
            for r in rows]


# Writing -------------------------------------------------------------------------------
def _editable(session: Session, leader: User, team: Team, period: reporting.Period
              ) -> TeamReport:
    if not is_leader_of(leader, team):
        raise Refusal("not_team_leader")
    report = report_of(session, team.id, period.label)
    if report is None:
        report = TeamReport(team_id=team.id, period=period.label, kind=period.kind,
                            status="draft", remarks="", created_at=clock.now(),
                            updated_at=clock.now(), updated_by_id=leader.id)
        try:
            with session.begin_nested():
                session.add(report)
        except IntegrityError:  # the leader saved from two devices at once
            report = report_of(session, team.id, period.label)
            assert report is not None
    if report.status == "final":
        raise Refusal("report_final")
    return report


def save_remarks(session: Session, leader: User, team: Team, period: reporting.Period,
                 remarks: str) -> TeamReport:
    if len(remarks) > MAX_REMARKS:
        raise Refusal("invalid_text", field="remarks", name="remarks", limit=MAX_REMARKS)
    report = _editable(session, leader, team, period)
    before = audit.snapshot(report)
    report.remarks = remarks.strip()
    report.updated_at = clock.now()
    report.updated_by_id = leader.id
    session.flush()
    audit.record(session, actor_id=leader.id, action="team_report.remarks",
                 entity="team_report", entity_id=report.id, before=before,
                 after=audit.snapshot(report))
    return report


def stored_remarks(session: Session, leader: User, request_id: str, digest: str
                   ) -> TeamReportRemarks | None:
    """The remarks saved under `request_id`, read after the leader's earlier saves (a
    replay answers them; other remarks under the id are a conflict)."""
    row = session.get(TeamReportRemarks, request_id, populate_existing=True)
    if row is None:
        return None
    if row.saved_by_id != leader.id:
        raise Refusal("id_conflict", field="id")
    replay_or_conflict(row.digest, digest)
    return row


def save_remarks_once(session: Session, leader: User, team: Team, period: reporting.Period,
                      remarks: str, request_id: str, digest: str) -> TeamReportRemarks:
    """Save the remarks and keep the save under the id the phone made for it (its unique
    key refuses the same save twice; api/once.store_once answers the stored one)."""
    report = save_remarks(session, leader, team, period, remarks)
    row = TeamReportRemarks(id=request_id, report_id=report.id, remarks=report.remarks,
                            digest=digest, saved_by_id=leader.id, saved_at=clock.now())
    session.add(row)
    return row


def finalise(session: Session, leader: User, team: Team, period: reporting.Period,
             remarks: str, today: date, policy: Policy) -> TeamReport:
    if not reporting.may_finalise(period, today):
        raise Refusal("too_early")
    report = save_remarks(session, leader, team, period, remarks)
    before = audit.snapshot(report)
    report.figures = draft(session, team, period, today, policy)
    report.status = "final"
    report.finalised_at = clock.now()
    report.finalised_by_id = leader.id
    session.flush()
    audit.record(session, actor_id=leader.id, action="team_report.finalise",
                 entity="team_report", entity_id=report.id, before=before,
                 after=audit.snapshot(report))
    return report
