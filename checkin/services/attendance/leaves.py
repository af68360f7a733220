"""Leave (请销假): asking, deciding by the right level of supervisor, closing on return."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkin.domain import attendance
from checkin.domain.policy import Policy
from checkin.domain.refusal import Refusal
from checkin.models import Leave, User
from checkin.platform import audit, clock, locks
from checkin.platform.exactly_once import replay_or_conflict
from checkin.services import notify

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


def stored_or_serialised(session: Session, user: User, data: LeaveInput) -> Leave | None:
    """The stored leave of a replay. Otherwise the cadre's leave requests are serialised
    from here to the commit (platform.locks) and the leave is looked up again: a replay
    that raced its original and waited for it answers the stored leave, never 422."""
    stored = existing(session, data)
    if stored is not None:
        return stored
    locks.serialise(session, locks.LEAVE_REQUESTS, user.id)
    return existing(session, data)


def ask_once(session: Session, user: User, data: LeaveInput, policy: Policy
             ) -> tuple[Leave, bool]:
    """(leave, created): the stored leave of a replay, else a new request."""
    stored = stored_or_serialised(session, user, data)
    if stored is not None:
        return stored, False
    return request_leave(session, user, data, policy), True


def request_leave(session: Session, user: User, data: LeaveInput, policy: Policy) -> Leave:
    """A new request, checked against the cadre's other leave while their requests are
    serialised (the database's lock, not only this check, keeps leave from overlapping)."""
    if user.village_id is None:
        raise Refusal("no_village")
    locks.serialise(session, locks.LEAVE_REQUESTS, user.id)
    today = clock.today()
    attendance.validate_leave_request(data.kind, data.start, data.end, today,
                                      spans_of(session, user.id),
                                      frozenset(policy.same_day_leave_kinds))
    days = (data.end - data.start).days + 1
    leave = Leave(id=data.id, user_id=user.id, village_id=user.village_id, kind=data.kind,
                  start_date=data.start, end_date=data.end, reason=data.reason,
                  status="pending", approver_level=attendance.approver_level(days, policy),
                  digest=data.digest, created_at=clock.now(),
                  same_day=attendance.is_same_day(data.start, today))
    session.add(leave)
    session.flush()
    audit.record(session, actor_id=user.id, action="leave.request", entity="leave",
                 entity_id=leave.id, after=audit.snapshot(leave))
    notify.leave_asked(session, leave)
    return leave


def may_decide(supervisor: User, leave: Leave) -> bool:
    """Township supervisors decide short leave; longer leave needs the county or above."""
    if supervisor.role != "supervisor" or supervisor.area is None:
        return False
    if leave.approver_level == "county":
        return supervisor.area.level in COUNTY_OR_ABOVE
    return True


def _current(session: Session, leave: Leave) -> None:
    """Serialise with the cadre's other leave writes and read the leave as committed: two
    decisions sent at once (two supervisors, a double tap) meet the first one's answer."""
    locks.serialise(session, locks.LEAVE_REQUESTS, leave.user_id)
    session.refresh(leave)


def already_decided(leave: Leave) -> Refusal:
    """409 naming who settled the leave and when: the supervisor who decided it, or the
    cadre who withdrew it."""
    if leave.status == "withdrawn":
        by, at, status = leave.user.name, leave.withdrawn_at, "withdrawn"
    else:
        decider = leave.decided_by
        by = decider.name if decider is not None else "?"
        at, status = leave.decided_at, "approved" if leave.status == "closed" else leave.status
    return Refusal("leave_already_decided", field="status", status=status, by=by,
                   at=local_minute(at) if at is not None else "?")


def local_minute(moment: datetime) -> str:
    return moment.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")


def decide(session: Session, supervisor: User, leave: Leave, approve: bool,
           comment: str | None) -> Leave:
    """Approve or reject a pending leave, once. An approval after the leave's first day is
    marked approved_after_start (事后补批): allowed, shown in the register, and it excuses
    no spot-check finding recorded before it (findings are frozen when recorded)."""
    if not may_decide(supervisor, leave):
        raise Refusal("needs_county")
    _current(session, leave)
    if leave.status != "pending":
        raise already_decided(leave)
    before = audit.snapshot(leave)
    now = clock.now()
    status = attendance.leave_transition(leave.status, "approved" if approve else "rejected")
    attendance.require_rejection_reason(approve, comment)
    leave.status = status
    leave.decided_by_id = supervisor.id
    leave.decided_at = now
    leave.decision_comment = comment
    leave.approved_after_start = approve and attendance.is_approved_after_start(
        leave.start_date, clock.local_day(now))
    audit.record(session, actor_id=supervisor.id, action=f"leave.{leave.status}",
                 entity="leave", entity_id=leave.id, before=before, after=audit.snapshot(leave))
    notify.leave_decided(session, leave)
    return leave


def withdraw(session: Session, user: User, leave: Leave) -> Leave:
    """The cadre takes back a request nobody has decided yet; its days are free again."""
    _current(session, leave)
    if leave.status != "pending":
        raise already_decided(leave)
    before = audit.snapshot(leave)
    leave.status = attendance.leave_transition(leave.status, "withdrawn")
    leave.withdrawn_at = clock.now()
    audit.record(session, actor_id=user.id, action="leave.withdrawn", entity="leave",
                 entity_id=leave.id, before=before, after=audit.snapshot(leave))
    return leave


def close(session: Session, user: User, leave: Leave, returned_on: date,
          policy: Policy, request_id: str | None = None) -> Leave:
    """销假: not dated after today nor before the leave began; dated further back than the
    policy's tolerance, it is marked return_backdated. `request_id` is the id the phone
    made for it: the same 销假 sent again (the outbox, a lost answer, two at once, which
    the lock serialises) answers the closed leave; another date under it is a conflict."""
    _current(session, leave)
    if request_id is not None and leave.return_request_id == request_id:
        if leave.returned_on != returned_on:
            raise Refusal("id_conflict", field="id")
        return leave
    today = clock.today()
    attendance.validate_return(span(leave), returned_on, today)
    before = audit.snapshot(leave)
    leave.status = "closed"
    leave.returned_on = returned_on
    leave.return_request_id = request_id
    leave.closed_at = clock.now()
    leave.return_backdated = attendance.is_return_backdated(
        returned_on, today, policy.return_backdate_tolerance_days)
    audit.record(session, actor_id=user.id, action="leave.closed", entity="leave",
                 entity_id=leave.id, before=before, after=audit.snapshot(leave))
    return leave


def open_on(session: Session, user_id: int, day: date) -> Leave | None:
    """The cadre's approved leave, not yet closed, that covers `day` (a check-in that day
    is made during leave: the phone offers 销假)."""
    for row in session.scalars(select(Leave).where(
            Leave.user_id == user_id, Leave.status == "approved", Leave.start_date <= day,
            Leave.end_date >= day).order_by(Leave.start_date)):
        if attendance.open_leave_on(day, [span(row)]) is not None:
            return row
    return None


def overdue(leave: Leave) -> bool:
    return attendance.is_return_overdue(span(leave), clock.today())
