"""Leave (请销假): asking, deciding by the right level of supervisor, closing on return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import attendance
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import Leave, User
from checkin.platform import audit, clock
from checkin.platform.exactly_once import replay_or_conflict

COUNTY_OR_ABOVE = {"province", "city", "county"}


@dataclass(frozen=True)
class LeaveInput:
    id: str
    kind: str
    start: date
    end: date
    reason: str
    digest: str


def span(leave: Leave) -> attendance.LeaveSpan:
    return attendance.LeaveSpan(kind=leave.kind, start=leave.start_date, end=leave.end_date,
                                status=leave.status, returned_on=leave.returned_on)


def spans_of(session: Session, user_id: int) -> list[attendance.LeaveSpan]:
    return [span(row) for row in session.scalars(select(Leave).where(Leave.user_id == user_id))]


def existing(session: Session, data: LeaveInput) -> Leave | None:
    stored = session.get(Leave, data.id)
    if stored is not None:
        replay_or_conflict(stored.digest, data.digest)
    return stored


def request_leave(session: Session, user: User, data: LeaveInput, policy: Policy) -> Leave:
    if user.village_id is None:
        raise Refusal("no_village")
    attendance.validate_leave_request(data.kind, data.start, data.end, clock.today(),
                                      spans_of(session, user.id))
    days = (data.end - data.start).days + 1
    leave = Leave(id=data.id, user_id=user.id, village_id=user.village_id, kind=data.kind,
                  start_date=data.start, end_date=data.end, reason=data.reason,
                  status="pending", approver_level=attendance.approver_level(days, policy),
                  digest=data.digest, created_at=clock.now())
    session.add(leave)
    session.flush()
    audit.record(session, actor_id=user.id, action="leave.request", entity="leave",
                 entity_id=leave.id, after=audit.snapshot(leave))
    return leave


def may_decide(supervisor: User, leave: Leave) -> bool:
    """Township supervisors decide short leave; longer leave needs the county or above."""
    if supervisor.role != "supervisor" or supervisor.area is None:
        return False
    if leave.approver_level == "county":
        return supervisor.area.level in COUNTY_OR_ABOVE
    return True


def decide(session: Session, supervisor: User, leave: Leave, approve: bool,
           comment: str | None) -> Leave:
    if not may_decide(supervisor, leave):
        raise Refusal("needs_county")
    before = audit.snapshot(leave)
    status = attendance.leave_transition(leave.status, "approved" if approve else "rejected")
    attendance.require_rejection_reason(approve, comment)
    leave.status = status
    leave.decided_by_id = supervisor.id
    leave.decided_at = clock.now()
    leave.decision_comment = comment
    audit.record(session, actor_id=supervisor.id, action=f"leave.{leave.status}",
                 entity="leave", entity_id=leave.id, before=before, after=audit.snapshot(leave))
    return leave


def close(session: Session, user: User, leave: Leave, returned_on: date) -> Leave:
    attendance.validate_return(span(leave), returned_on, clock.today())
    before = audit.snapshot(leave)
    leave.status = "closed"
    leave.returned_on = returned_on
    leave.closed_at = clock.now()
    audit.record(session, actor_id=user.id, action="leave.closed", entity="leave",
                 entity_id=leave.id, before=before, after=audit.snapshot(leave))
    return leave


def overdue(leave: Leave) -> bool:
    return attendance.is_return_overdue(span(leave), clock.today())
