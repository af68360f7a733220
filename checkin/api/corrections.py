"""Make-up requests (补卡) over the API: ask (exactly once), decide (once), list."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from checkin import db
from checkin.api import bp
from checkin.api.once import store_once
from checkin.api.payload import json_object, keyset_items, optional_number
from checkin.api.timefmt import parse_day, utc_z
from checkin.auth import current_scope, roles_required
from checkin.domain.refusal import Refusal
from checkin.models import AttendanceCorrection, CorrectionDecision
from checkin.platform import keyset
from checkin.platform.exactly_once import client_id, payload_digest
from checkin.services.attendance import corrections
from checkin.settings import policy

MAX_TEXT = 1000


def correction_json(row: AttendanceCorrection) -> dict[str, Any]:
    decision = row.decision
    return {
        "id": row.id, "user_id": row.user_id, "village_id": row.village_id,
        "day": row.day.isoformat(), "reason": row.reason, "lat": row.lat, "lon": row.lon,
        "status": row.status, "created_at": utc_z(row.created_at),
        "decided_by": None if decision is None else decision.decided_by_id,
        "decided_at": None if decision is None else utc_z(decision.decided_at),
        "comment": None if decision is None else decision.comment,
    }


def _text(body: dict[str, Any], name: str, required: bool) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise Refusal("invalid_text", field=name, name=name, limit=MAX_TEXT)
    if required and not value.strip():
        raise Refusal("field_required", field=name, name=name)
    return value.strip()


def parse_correction(body: dict[str, Any]) -> corrections.CorrectionInput:
    lat, lon = optional_number(body, "lat"), optional_number(body, "lon")
    if (lat is None) != (lon is None):
        raise Refusal("field_required", field="lon" if lon is None else "lat",
                      name="lon" if lon is None else "lat")
    fields = {k: body.get(k) for k in ("id", "day", "reason", "lat", "lon")}
    return corrections.CorrectionInput(
        id=client_id(body.get("id")), day=parse_day(body.get("day"), "day"),
        reason=_text(body, "reason", required=True) or "", lat=lat, lon=lon,
        digest=payload_digest(fields))


@bp.post("/attendance/corrections")
@roles_required("cadre")
def create_correction() -> Any:
    data = parse_correction(json_object())
    session = db.session()
    row, created = store_once(
        lambda: corrections.stored_or_serialised(session, current_user, data),
        lambda: corrections.request_makeup(session, current_user, data, policy()))
    return jsonify(correction_json(row)), 201 if created else 200


def _in_scope(correction_id: str) -> AttendanceCorrection:
    scope = current_scope()
    row = db.session().scalars(select(AttendanceCorrection).where(
        AttendanceCorrection.id == correction_id,
        scope.owned_by_user(AttendanceCorrection.user_id, AttendanceCorrection.village_id))
    ).first()
    if row is None:
        abort(404)
    return row


@bp.post("/attendance/corrections/<correction_id>/decision")
@roles_required("supervisor")
def decide_correction(correction_id: str) -> Any:
    body = json_object()
    approve = body.get("approve")
    if not isinstance(approve, bool):
        raise Refusal("not_a_bool", field="approve", name="approve")
    comment = _text(body, "comment", required=False)
    session = db.session()
    row = _in_scope(correction_id)
    try:
        corrections.decide(session, current_user, row, approve, comment)
    except IntegrityError:  # a concurrent decision won: answer it as the 409
        db.discard_writes()
        corrections.refuse_if_decided(_in_scope(correction_id))
        raise
    return jsonify(correction_json(row))


@bp.get("/attendance/corrections")
@login_required
def list_corrections() -> Any:
    scope = current_scope()
    stmt = select(AttendanceCorrection).where(
        scope.owned_by_user(AttendanceCorrection.user_id, AttendanceCorrection.village_id))
    status = request.args.get("status")
    decided = select(CorrectionDecision.correction_id)
    if status == "pending":
        stmt = stmt.where(AttendanceCorrection.id.not_in(decided))
    elif status in ("approved", "rejected"):
        stmt = stmt.where(AttendanceCorrection.id.in_(
            decided.where(CorrectionDecision.approve.is_(status == "approved"))))
    # newest day first, by (day, id)
    return jsonify(keyset_items(stmt, (AttendanceCorrection.day, AttendanceCorrection.id),
                                lambda r: (r.day.isoformat(), r.id), (str, str),
                                keyset.iso_key(date.fromisoformat, str), correction_json))
