"""Appeals (申诉) against failed spot checks: made by a supervisor of the cadre's village on
the cadre's behalf (the township holds the cadre's leave; the cadre never sees spot
checks), decided by the county. Both are records of their own, insert-only and audited;
the result and its recorded verdict stay as they were."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false, select
from sqlalchemy.orm import Session, selectinload

from checkin.domain import findings
from checkin.domain.refusal import Refusal
from checkin.domain.spotcheck_work import COUNTY_OR_ABOVE
from checkin.models import (
    SpotcheckAppeal,
    SpotcheckAppealDecision,
    SpotcheckItem,
    SpotcheckResult,
    User,
)
from checkin.platform import audit, clock
from checkin.scope import Scope
from checkin.services.spotchecks.results import standing_recorded

MAX_TEXT = 2000


@dataclass(frozen=True)
class AppealInput:
    reason: str
    evidence: str = ""


def result_in_scope(session: Session, scope: Scope, result_id: int
                    ) -> SpotcheckResult | None:
    """A result about a cadre of a village in the scope, whoever drew the check (a county's
    finding in a township is the township's to answer, as the bulletin counts it)."""
    if not scope.is_supervisor:
        return None
    return session.scalars(
        select(SpotcheckResult).join(SpotcheckItem, SpotcheckResult.item_id == SpotcheckItem.id)
        .where(SpotcheckResult.id == result_id,
               SpotcheckItem.village_id.in_(scope.village_ids()))
        .options(selectinload(SpotcheckResult.item))).first()


def appeal_in_scope(session: Session, scope: Scope, appeal_id: int) -> SpotcheckAppeal | None:
    stmt = (select(SpotcheckAppeal)
            .join(SpotcheckResult, SpotcheckAppeal.result_id == SpotcheckResult.id)
            .join(SpotcheckItem, SpotcheckResult.item_id == SpotcheckItem.id)
            .where(SpotcheckAppeal.id == appeal_id))
    stmt = stmt.where(SpotcheckItem.village_id.in_(scope.village_ids()) if scope.is_supervisor
                      else false())
    return session.scalars(stmt.options(selectinload(SpotcheckAppeal.decision))).first()


def _text(value: str, field: str, required: bool) -> str:
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise Refusal("invalid_text", field=field, name=field, limit=MAX_TEXT)
    if required and not value:
        raise Refusal("appeal_reason_required", field=field)
    return value


def make_appeal(session: Session, supervisor: User, result: SpotcheckResult,
                data: AppealInput) -> SpotcheckAppeal:
    """Store the one appeal of a failed check. A second answers 409; so does the loser of
    two made at once, when the unique key on result_id refuses its row."""
    reason = _text(data.reason, "reason", required=True)
    evidence = _text(data.evidence, "evidence", required=False)
    if not findings.may_appeal(standing_recorded(session, result)):  # after corrections
        raise Refusal("appeal_not_a_failure", field="result_id")
    if session.scalar(select(SpotcheckAppeal.id).where(
            SpotcheckAppeal.result_id == result.id)) is not None:
        raise already_appealed()
    # By id, not through the relationship: setting result.appeal would load the appeal a
    # concurrent request committed meanwhile and "detach" it with an UPDATE, which the
    # insert-only trigger refuses (a 500); by id, the unique key refuses the second row.
    appeal = SpotcheckAppeal(result_id=result.id, made_by_id=supervisor.id, reason=reason,
                             evidence=evidence, created_at=clock.now())
    session.add(appeal)
    session.flush()
    session.expire(result)
    audit.record(session, actor_id=supervisor.id, action="spotcheck.appeal",
                 entity="spotcheck_appeal", entity_id=appeal.id, after=audit.snapshot(appeal),
                 detail={"result_id": result.id})
    return appeal


def already_appealed() -> Refusal:
    return Refusal("appeal_exists", field="result_id")


def decide_appeal(session: Session, supervisor: User, appeal: SpotcheckAppeal, uphold: bool,
                  comment: str) -> SpotcheckAppealDecision:
    """The county's decision, once. Whoever made the appeal does not decide it."""
    if supervisor.area is None or supervisor.area.level not in COUNTY_OR_ABOVE:
        raise Refusal("appeal_needs_county")
    if supervisor.id == appeal.made_by_id:
        raise Refusal("appeal_own")
    if appeal.decision is not None:
        raise decided_already(appeal.decision)
    decision = SpotcheckAppealDecision(
        appeal_id=appeal.id, decided_by_id=supervisor.id, upheld=uphold,
        comment=_text(comment, "comment", required=False), decided_at=clock.now())
    session.add(decision)
    session.flush()
    session.expire(appeal)
    audit.record(session, actor_id=supervisor.id,
                 action="spotcheck.appeal_" + ("upheld" if uphold else "rejected"),
                 entity="spotcheck_appeal", entity_id=appeal.id,
                 after=audit.snapshot(decision), detail={"result_id": appeal.result_id})
    return decision


def decided_already(decision: SpotcheckAppealDecision) -> Refusal:
    return Refusal("appeal_decided", field="appeal_id", by=decision.decided_by.name,
                   at=local_minute(decision.decided_at))


def local_minute(moment: datetime) -> str:
    return moment.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")
