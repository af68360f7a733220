"""Recording a household's answer: on its link (no account) or from a checker's call.

Decisions:

- The cadres rated are the active cadres of the village's current team (the team whose
  term covers the day, the newest if several); the answer names that team.
- One answer per household and quarter, held by the database: a second is refused with
  `evaluation_answered` (409), also when two arrive at once.
- A call is entered by a supervisor (or admin) whose scope holds the household, while the
  quarter runs; the answer is marked as by call with who entered it. A cadre cannot enter
  one.
- An answer on a link keeps the device's keyed hash and who, if anyone, was signed in on
  that browser (the flags are judged from them, domain/public_evaluation.flags).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checkin import db
from checkin.domain import public_evaluation as rules
from checkin.domain.refusal import Refusal
from checkin.models import (
    EvaluationAnswer,
    EvaluationLink,
    EvaluationRating,
    Household,
    Team,
    User,
)
from checkin.platform import audit, clock
from checkin.scope import Scope


@dataclass(frozen=True)
class Form:
    """What a household's form asks about, and its answer if it has one."""

    household: Household
    quarter: str
    team: Team | None
    cadres: list[User]
    answered: EvaluationAnswer | None


def current_team(session: Session, village_id: int, day: date) -> Team | None:
    return session.scalars(select(Team).where(
        Team.village_id == village_id, Team.term_start <= day,
        or_(Team.term_end.is_(None), Team.term_end >= day))
        .order_by(Team.term_start.desc(), Team.id.desc())).first()


def form_for(session: Session, household: Household, quarter: str) -> Form:
    team = current_team(session, household.village_id, clock.today())
    cadres = [] if team is None else list(session.scalars(select(User).where(
        User.team_id == team.id, User.role == "cadre", User.active.is_(True))
        .order_by(User.is_leader.desc(), User.id)))
    answered = session.scalars(select(EvaluationAnswer).where(
        EvaluationAnswer.household_id == household.id,
        EvaluationAnswer.quarter == quarter)).first()
    return Form(household, quarter, team, cadres, answered)


def answer_by_link(session: Session, link: EvaluationLink, team_rating: str | None,
                   cadres: Mapping[int, rules.CadreAnswer], remark: str, device: str,
                   signed_in: User | None) -> EvaluationAnswer:
    form = form_for(session, link.household, link.quarter)
    return _record(session, form, team_rating, cadres, remark, channel="qr",
                   link_id=link.id, device=device,
                   signed_in_user_id=None if signed_in is None else signed_in.id)


def household_in_scope(session: Session, scope: Scope, household_id: int
                       ) -> Household | None:
    if not scope.is_supervisor:
        return None
    return scope.get(session, scope.households(), household_id)


def answer_by_call(session: Session, scope: Scope, actor: User, household: Household,
                   quarter: str, team_rating: str | None,
                   cadres: Mapping[int, rules.CadreAnswer], remark: str) -> EvaluationAnswer:
    if not scope.is_supervisor or household_in_scope(session, scope, household.id) is None:
        raise Refusal("not_found")
    rules.check_quarter(quarter, clock.today())
    if not rules.quarter_running(quarter, clock.today()):
        raise Refusal("evaluation_quarter_over", field="quarter", quarter=quarter)
    answer = _record(session, form_for(session, household, quarter), team_rating, cadres,
                     remark, channel="call", entered_by_id=actor.id)
    audit.record(session, actor_id=actor.id, action="evaluation.call",
                 entity="evaluation_answer", entity_id=answer.id,
                 detail={"household_id": household.id, "quarter": quarter})
    return answer


def _record(session: Session, form: Form, team_rating: str | None,
            cadres: Mapping[int, rules.CadreAnswer], remark: str, **source: object
            ) -> EvaluationAnswer:
    if form.answered is not None:
        raise Refusal("evaluation_answered", quarter=form.quarter)
    remark = remark.strip()
    rules.check_answer(team_rating, cadres, [c.id for c in form.cadres], remark)
    answer = EvaluationAnswer(
        household_id=form.household.id, village_id=form.household.village_id,
        team_id=None if form.team is None else form.team.id, quarter=form.quarter,
        team_rating=team_rating, remark=remark, created_at=clock.now(), **source)
    try:
        with db.savepoint():
            session.add(answer)
            session.flush()
    except IntegrityError as exc:  # the same household's answer arrived first
        raise Refusal("evaluation_answered", quarter=form.quarter) from exc
    for cadre in form.cadres:
        given = cadres[cadre.id]
        session.add(EvaluationRating(answer_id=answer.id, cadre_id=cadre.id,
                                     knows=bool(given.knows),
                                     rating=given.rating if given.knows else None))
    session.flush()
    return answer
