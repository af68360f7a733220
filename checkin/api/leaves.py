"""Leave over the API: ask (exactly once), decide, close on return, list."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy import select

from checkin import db
from checkin.api import bp
from checkin.api.once import store_once
from checkin.api.payload import json_object, keyset_items
from checkin.api.timefmt import parse_day, utc_z
from checkin.auth import current_scope, roles_required
from checkin.domain.refusal import Refusal
from checkin.models import Leave
from checkin.platform import keyset
from checkin.platform.exactly_once import client_id, payload_digest
from checkin.services.attendance import leaves
from checkin.settings import policy

MAX_REASON = 1000


def leave_json(row: Leave) -> dict[str, Any]:
    return {
        "id": row.id, "user_id": row.user_id, "village_id": row.village_id, "kind": row.kind,
        "start_date": row.start_date.isoformat(), "end_date": row.end_date.isoformat(),
        "reason": row.reason, "status": row.status, "approver_level": row.approver_level,
        "created_at": utc_z(row.created_at), "decided_at": utc_z(row.decided_at),
        "decision_comment": row.decision_comment,
        "returned_on": row.returned_on.isoformat() if row.returned_on else None,
        "overdue": leaves.overdue(row), "decided_by_id": row.decided_by_id,
        "same_day": row.same_day, "approved_after_start": row.approved_after_start,
        "return_backdated": row.return_backdated, "withdrawn_at": utc_z(row.withdrawn_at),
    }


def parse_leave(body: dict[str, Any]) -> leaves.LeaveInput:
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise Refusal("invalid_text", field="reason", name="reason", limit=MAX_REASON)
    kind = body.get("kind")
    if not isinstance(kind, str):
        raise Refusal("field_required", field="kind", name="kind")
    fields = {k: body.get(k) for k in ("id", "kind", "start_date", "end_date", "reason")}
    return leaves.LeaveInput(id=client_id(body.get("id")), kind=kind,
                             start=parse_day(body.get("start_date"), "start_date"),
                             end=parse_day(body.get("end_date"), "end_date"),
                             reason=reason.strip(), digest=payload_digest(fields))


@bp.post("/leaves")
@roles_required("cadre")
def create_leave() -> Any:
    data = parse_leave(json_object())
    session = db.session()
    row, created = store_once(
        lambda: leaves.stored_or_serialised(session, current_user, data),
        lambda: leaves.request_leave(session, current_user, data, policy()))
    return jsonify(leave_json(row)), 201 if created else 200


def _leave_in_scope(leave_id: str) -> Leave:
    scope = current_scope()
    row = db.session().scalars(select(Leave).where(
        Leave.id == leave_id, scope.owned_by_user(Leave.user_id, Leave.village_id))).first()
    if row is None:
        abort(404)
    return row


@bp.post("/leaves/<leave_id>/decision")
@roles_required("supervisor")
def decide_leave(leave_id: str) -> Any:
    body = json_object()
    approve = body.get("approve")
    if not isinstance(approve, bool):
        raise Refusal("not_a_bool", field="approve", name="approve")
    comment = body.get("comment")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_REASON):
        raise Refusal("invalid_text", field="comment", name="comment", limit=MAX_REASON)
    session = db.session()
    row = leaves.decide(session, current_user, _leave_in_scope(leave_id), approve, comment)
    return jsonify(leave_json(row))


@bp.post("/leaves/<leave_id>/return")
@roles_required("cadre")
def return_from_leave(leave_id: str) -> Any:
    """销假. With the `id` the phone made for it, sending it again answers the closed leave."""
    body = json_object()
    session = db.session()
    row = _leave_in_scope(leave_id)
    request_id = None if body.get("id") is None else client_id(body.get("id"))
    row = leaves.close(session, current_user, row, parse_day(body.get("date"), "date"),
                       policy(), request_id)
    return jsonify(leave_json(row))


@bp.post("/leaves/<leave_id>/withdraw")
@roles_required("cadre")
def withdraw_leave(leave_id: str) -> Any:
    """The cadre takes back a pending request (audited); a decided one answers 409."""
    row = leaves.withdraw(db.session(), current_user, _leave_in_scope(leave_id))
    return jsonify(leave_json(row))


@bp.get("/leaves")
@login_required
def list_leaves() -> Any:
    scope = current_scope()
    stmt = select(Leave).where(scope.owned_by_user(Leave.user_id, Leave.village_id))
    status = request.args.get("status")
    if status:
        stmt = stmt.where(Leave.status == status)
    # newest first by (start, id)
    return jsonify(keyset_items(stmt, (Leave.start_date, Leave.id),
                                lambda r: (r.start_date.isoformat(), r.id), (str, str),
                                keyset.iso_key(date.fromisoformat, str), leave_json))
