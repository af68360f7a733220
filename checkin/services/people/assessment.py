"""The annual assessment (年考核): each cadre's year summed from the file (days on post
against the target, visits, absences without leave and denied visits found by checks,
the team's bulletin awards, warning talks), the rules' ceiling, and the county's
decisions.

Decisions:

- Who reads: a supervisor (or admin) whose scope holds the cadre; the cadre reads its own
  sheet through `own_sheet`, which carries no check findings and no awards (spot checks
  are unannounced; a count that moved would tell the cadre the day it was checked). The
  cadre sees the county's grade and reason once the county has decided, not before.
- Who decides: a supervisor of a county or above whose scope holds the cadre (seed 002:
  县委组织部复评确定等次); never a township, an admin or the cadre. With duties separated
  no admin reaches these pages but through its duty (checkin/domain/duties.py), and no
  admin decides in any case.
- A decision is insert-only: a change is a new row with the next sequence that points at
  the one it replaces; it must name the decision it replaces (what the county saw), so a
  decision made meanwhile by someone else is not silently overwritten (409).
- The sheet is worked out from the records each time it is read; a decision keeps the
  ceiling and flags as they stood when it was made, and the page says when the records
  have moved the ceiling below the grade since.
- The township party committee's opinion (乡镇党委意见, rules in
  checkin/domain/township_opinion.py) is written by a supervisor of the cadre's township
  from the year's opening month until the county grades; insert-only like the decisions,
  a new version names the one it saw standing (409 otherwise). The county reads it on
  the sheet, the list and the printed form; the cadre's own sheet does not carry it (the
  township writes to the county, and its text is free: it may name a check).
- A grade and an opinion of the same cadre are written one after the other (a lock on the
  cadre): an opinion cannot be recorded alongside a grade made at the same moment.
- Every list is a page of cadres and a fixed number of queries for the page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from checkin.domain import assessment as rules
from checkin.domain import publication
from checkin.domain import township_opinion as opinion_rules
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import (
    AssessmentDecision,
    BulletinPublication,
    SpotcheckItem,
    SpotcheckResult,
    TownshipOpinion,
    User,
    Village,
    Visit,
    WarningTalk,
)
from checkin.platform import audit, clock, locks
from checkin.platform.among import among
from checkin.scope import Scope
from checkin.services.attendance import ledger
from checkin.services.people.dossier import year_bounds
from checkin.services.spotchecks import results

PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    """One cadre's year on the county's list and sheet."""

    cadre: User
    ledger: Any  # attendance.Ledger
    records: rules.YearRecords
    sheet: rules.Sheet
    visits: int
    contacts: int
    history: list[AssessmentDecision]  # oldest first; the last one stands
    opinions: list[TownshipOpinion] = field(default_factory=list)  # oldest first, likewise

    @property
    def decision(self) -> AssessmentDecision | None:
        return self.history[-1] if self.history else None

    @property
    def opinion(self) -> TownshipOpinion | None:
        """The township's opinion in force: its latest version."""
        return self.opinions[-1] if self.opinions else None

    @property
    def above_now(self) -> bool:
        """The standing grade is above the ceiling the records give today."""
        d = self.decision
        return d is not None and rules.is_above(d.grade, self.sheet.ceiling)  # type: ignore[arg-type]


def cadres_query(scope: Scope) -> Any:
    return (scope.users().join(Village, Village.id == User.village_id)
            .where(User.role == "cadre"))


def cadres_page(session: Session, scope: Scope, page: int, size: int = PAGE_SIZE
                ) -> tuple[list[User], int]:
    """A page of the scope's cadres (by township, village, name) and how many in all."""
    if not scope.is_supervisor:
        return [], 0
    total = session.scalar(select(func.count()).select_from(cadres_query(scope).subquery()))
    cadres = list(session.scalars(
        cadres_query(scope).order_by(Village.area_path, User.is_leader.desc(), User.name,
                                     User.id)
        .options(selectinload(User.village), selectinload(User.team),
                 selectinload(User.unit))
        .limit(size).offset(max(0, page - 1) * size)))
    return cadres, total or 0


def cadre_in_scope(session: Session, scope: Scope, user_id: int) -> User | None:
    """A cadre a supervisor (or admin) of this scope may assess; None for anyone else."""
    if not scope.is_supervisor:
        return None
    return session.scalars(cadres_query(scope).where(User.id == user_id).options(
        selectinload(User.village), selectinload(User.team), selectinload(User.unit))
    ).first()


# The year's records, for many cadres at once -------------------------------------------------
def _findings(session: Session, ids: list[int], year: int) -> dict[int, tuple[int, int]]:
    """Per cadre: absences without leave and visits households denied, as they stand
    (after corrections and appeals)."""
    items = session.scalars(
        select(SpotcheckItem).join(SpotcheckResult, SpotcheckResult.item_id == SpotcheckItem.id)
        .where(among(session, SpotcheckItem.user_id, ids),
               SpotcheckResult.local_day.between(date(year, 1, 1), date(year, 12, 31)))
        .options(selectinload(SpotcheckItem.result))).all()
    found: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for judged in results.judge(session, items):
        if judged.serious:
            found[judged.item.user_id][0 if judged.item.kind == "presence" else 1] += 1
    return {user_id: (n[0], n[1]) for user_id, n in found.items()}


def _awards(session: Session, cadres: list[User], year: int
            ) -> dict[int, dict[str, set[str]]]:
    """Per team: the months of the year's published bulletins (of any area above it) that
    gave it a red flag or a yellow card; a month counts once whichever level gave it. A
    bulletin published without the ranking (POLICY_BULLETIN_RANKING off) gives no card:
    there a month with a serious finding counts as the yellow card would, so turning the
    ranking off excuses nothing."""
    above = {int(part) for c in cadres if c.village is not None
             for part in c.village.area_path.strip("/").split("/") if part}
    teams = {c.team_id for c in cadres if c.team_id is not None}
    if not above or not teams:
        return {}
    superseded = select(BulletinPublication.supersedes_id).where(
        BulletinPublication.supersedes_id.is_not(None))
    out: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for published in session.scalars(select(BulletinPublication).where(
            among(session, BulletinPublication.area_id, above),
            BulletinPublication.month.between(f"{year}-01", f"{year}-12"),
            BulletinPublication.id.not_in(superseded))):
        ranked = publication.ranked(published.content)
        for row in published.content.get("rows", []):
            team_id, award = row.get("team_id"), row.get("award")
            if not ranked and row.get("spotcheck_failures"):
                award = "yellow_card"  # unranked, the serious finding itself, with no card
            if team_id in teams and award in ("red_flag", "yellow_card"):
                out[team_id][award].add(published.month)
    return out


def _talks(session: Session, cadres: list[User], year: int) -> dict[int, int]:
    teams = {c.team_id for c in cadres if c.team_id is not None}
    if not teams:
        return {}
    return dict(session.execute(
        select(WarningTalk.team_id, func.count()).where(
            among(session, WarningTalk.team_id, teams),
            WarningTalk.month.between(f"{year}-01", f"{year}-12"))
        .group_by(WarningTalk.team_id)).all())


def _visits(session: Session, ids: list[int], year: int) -> dict[int, tuple[int, int]]:
    first, after = year_bounds(year)
    return {user_id: (total - contacts, contacts) for user_id, total, contacts in
            session.execute(select(Visit.user_id, func.count(),
                                   func.count().filter(Visit.kind == "contact"))
                            .where(among(session, Visit.user_id, ids),
                                   Visit.recorded_at >= first, Visit.recorded_at < after)
                            .group_by(Visit.user_id))}


def histories(session: Session, ids: list[int], year: int
              ) -> dict[int, list[AssessmentDecision]]:
    out: dict[int, list[AssessmentDecision]] = defaultdict(list)
    for decision in session.scalars(select(AssessmentDecision).where(
            among(session, AssessmentDecision.user_id, ids), AssessmentDecision.year == year)
            .options(selectinload(AssessmentDecision.decided_by))
            .order_by(AssessmentDecision.sequence)):
        out[decision.user_id].append(decision)
    return out


def opinion_histories(session: Session, ids: list[int], year: int
                      ) -> dict[int, list[TownshipOpinion]]:
    out: dict[int, list[TownshipOpinion]] = defaultdict(list)
    for opinion in session.scalars(select(TownshipOpinion).where(
            among(session, TownshipOpinion.user_id, ids), TownshipOpinion.year == year)
            .options(selectinload(TownshipOpinion.written_by))
            .order_by(TownshipOpinion.sequence)):
        out[opinion.user_id].append(opinion)
    return out


def rows(session: Session, cadres: list[User], year: int, policy: Policy) -> list[Row]:
    """The sheets of `cadres` for `year`: a fixed number of queries for any number."""
    if not cadres:
        return []
    ids = [c.id for c in cadres]
    over = clock.today() > date(year, 12, 31)
    found, awards = _findings(session, ids, year), _awards(session, cadres, year)
    talks, visits = _talks(session, cadres, year), _visits(session, ids, year)
    decided, opinions = histories(session, ids, year), opinion_histories(session, ids, year)
    out = []
    for item in ledger.ledgers(session, cadres, year, policy):
        cadre, book = item.user, item.ledger
        absences, denied = found.get(cadre.id, (0, 0))
        team = awards.get(cadre.team_id or 0, {})
        records = rules.YearRecords(
            absences_without_leave=absences, denied_visits=denied,
            yellow_cards=len(team.get("yellow_card", ())),
            red_flags=len(team.get("red_flag", ())),
            warning_talks=talks.get(cadre.team_id or 0, 0),
            counted_days=book.counted_days, forecast_days=book.forecast_days,
            target_days=book.target_days, year_over=over)
        made, contacts = visits.get(cadre.id, (0, 0))
        out.append(Row(cadre, book, records, rules.sheet(records, policy), made, contacts,
                       decided.get(cadre.id, []), opinions.get(cadre.id, [])))
    return out


def row_of(session: Session, cadre: User, year: int, policy: Policy) -> Row:
    [row] = rows(session, [cadre], year, policy)
    return row


# The county's decision ----------------------------------------------------------------------
@dataclass(frozen=True)
class DecisionInput:
    grade: str
    reason: str
    override_reason: str = ""
    replaces: int | None = None  # the decision the county saw standing (None: none)


def may_decide(actor: User, cadre: User) -> bool:
    level = actor.area.level if actor.area is not None else None
    return rules.may_decide(level, actor.role, is_the_cadre=actor.id == cadre.id)


def decide(session: Session, actor: User, cadre: User, year: int, data: DecisionInput,
           policy: Policy) -> AssessmentDecision:
    """Record the county's grade for the cadre's year. `cadre` must come from
    `cadre_in_scope` of the actor's scope (out of scope is 404 before this)."""
    if not may_decide(actor, cadre):
        raise Refusal("assessment_needs_county")
    locks.serialise(session, locks.ASSESSMENTS, cadre.id)  # no opinion slips in meanwhile
    today = clock.today()
    if not rules.opens_on_month(year, today.year, today.month, policy):
        raise Refusal("assessment_not_open", year=year, month=policy.assessment_opens_month)
    row = row_of(session, cadre, year, policy)
    standing = row.decision
    if (standing.id if standing else None) != data.replaces:
        raise Refusal("assessment_changed_meanwhile")
    grade = rules.check_decision(data.grade, row.sheet.ceiling, data.reason,
                                 data.override_reason)
    above = rules.is_above(grade, row.sheet.ceiling)
    decision = AssessmentDecision(
        user_id=cadre.id, year=year, sequence=(standing.sequence + 1) if standing else 1,
        supersedes_id=standing.id if standing else None, grade=grade,
        ceiling=row.sheet.ceiling, above_ceiling=above, reason=data.reason.strip(),
        override_reason=data.override_reason.strip() if above else "",
        flags=[asdict(f) for f in row.sheet.flags], decided_by_id=actor.id,
        decided_at=clock.now())
    try:
        with session.begin_nested():
            session.add(decision)
            session.flush()
    except IntegrityError as exc:  # another decision on the same one, made at once
        raise Refusal("assessment_changed_meanwhile") from exc
    audit.record(session, actor_id=actor.id,
                 action="assessment.changed" if standing else "assessment.decided",
                 entity="assessment_decision", entity_id=decision.id,
                 before=audit.snapshot(standing) if standing else None,
                 after=audit.snapshot(decision),
                 detail={"user_id": cadre.id, "year": year, "above_ceiling": above})
    return decision


# The township's opinion --------------------------------------------------------------------
@dataclass(frozen=True)
class OpinionInput:
    text: str
    suggested_grade: str = ""
    replaces: int | None = None  # the version the township saw standing (None: none)


def writer(actor: User) -> opinion_rules.Writer:
    area = actor.area if actor.role == "supervisor" else None
    return opinion_rules.Writer(actor.role, area.level if area else None,
                                area.path if area else None)


def may_write_opinion(actor: User, cadre: User) -> bool:
    """Whether the actor is of the township that writes this cadre's opinion (the year
    may still be closed: not yet open, or graded)."""
    village = cadre.village
    return village is not None and opinion_rules.may_write(writer(actor), village.area_path)


def write_opinion(session: Session, actor: User, cadre: User, year: int, data: OpinionInput,
                  policy: Policy) -> TownshipOpinion:
    """Record a version of the township's opinion on the cadre's year. `cadre` must come
    from `cadre_in_scope` of the actor's scope (out of scope is 404 before this)."""
    locks.serialise(session, locks.ASSESSMENTS, cadre.id)  # no grade slips in meanwhile
    decided = session.scalar(select(AssessmentDecision.id).where(
        AssessmentDecision.user_id == cadre.id, AssessmentDecision.year == year).limit(1))
    opinion_rules.check_writing(writer(actor), cadre.village.area_path if cadre.village
                                else "", decided=decided is not None)
    today = clock.today()
    if not rules.opens_on_month(year, today.year, today.month, policy):
        raise Refusal("opinion_not_open", year=year, month=policy.assessment_opens_month)
    versions = opinion_histories(session, [cadre.id], year).get(cadre.id, [])
    standing = versions[-1] if versions else None
    if (standing.id if standing else None) != data.replaces:
        raise Refusal("opinion_changed_meanwhile")
    text, grade = opinion_rules.check_opinion(data.text, data.suggested_grade)
    assert actor.area_id is not None  # a township supervisor, by check_writing
    opinion = TownshipOpinion(
        user_id=cadre.id, year=year, sequence=(standing.sequence + 1) if standing else 1,
        supersedes_id=standing.id if standing else None, township_id=actor.area_id,
        text=text, suggested_grade=grade, written_by_id=actor.id, written_at=clock.now())
    try:
        with session.begin_nested():
            session.add(opinion)
            session.flush()
    except IntegrityError as exc:  # another version on the same one, written at once
        raise Refusal("opinion_changed_meanwhile") from exc
    audit.record(session, actor_id=actor.id,
                 action="assessment.opinion_rewritten" if standing
                 else "assessment.opinion_written",
                 entity="township_opinion", entity_id=opinion.id,
                 before=audit.snapshot(standing) if standing else None,
                 after=audit.snapshot(opinion),
                 detail={"user_id": cadre.id, "year": year, "suggested_grade": grade,
                         "supersedes_id": standing.id if standing else None})
    return opinion


# The cadre's own view -----------------------------------------------------------------------
@dataclass(frozen=True)
class OwnSheet:
    """What the cadre reads of its own assessment: attendance and visits, and the county's
    standing grade and reason once decided; no check findings, no awards, no ceiling."""

    cadre: User
    year: int
    ledger: Any
    visits: int
    contacts: int
    decision: AssessmentDecision | None


def own_sheet(session: Session, cadre: User, year: int, policy: Policy) -> OwnSheet:
    [item] = ledger.ledgers(session, [cadre], year, policy)
    made, contacts = _visits(session, [cadre.id], year).get(cadre.id, (0, 0))
    history = histories(session, [cadre.id], year).get(cadre.id, [])
    return OwnSheet(cadre, year, item.ledger, made, contacts,
                    history[-1] if history else None)


def grade_counts(session: Session, scope: Scope, year: int) -> dict[str, int]:
    """How many cadres of the scope stand at each grade for the year (standing decisions
    only), and how many of those are above the ceiling as decided."""
    latest = (select(AssessmentDecision.user_id,
                     func.max(AssessmentDecision.sequence).label("sequence"))
              .where(AssessmentDecision.year == year,
                     AssessmentDecision.user_id.in_(cadres_query(scope).with_only_columns(
                         User.id)))
              .group_by(AssessmentDecision.user_id).subquery())
    counts: dict[str, int] = defaultdict(int)
    for grade, above in session.execute(
            select(AssessmentDecision.grade, AssessmentDecision.above_ceiling)
            .join(latest, (latest.c.user_id == AssessmentDecision.user_id)
                  & (latest.c.sequence == AssessmentDecision.sequence))
            .where(AssessmentDecision.year == year)):
        counts[grade] += 1
        counts["above_ceiling"] += bool(above)
    return dict(counts)
