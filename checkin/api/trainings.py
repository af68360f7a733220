"""POST /trainings/<id>/signins: a cadre signs in at a training or meeting with the code
scanned off the organiser's screen (exactly once by id; a second sign-in of the day
answers the first)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from flask_login import current_user

from checkin import db
from checkin.api import bp
from checkin.api.once import store_once
from checkin.api.payload import json_object, require_number
from checkin.api.timefmt import parse_moment, utc_z
from checkin.auth import roles_required
from checkin.domain.refusal import Refusal
from checkin.models import TrainingAttendance
from checkin.platform.exactly_once import client_id, payload_digest
from checkin.reasons import training_flag_text
from checkin.services.trainings import attendance, sessions
from checkin.settings import policy


def attendance_json(row: TrainingAttendance) -> dict[str, Any]:
    return {
        "id": row.id, "training_id": row.training_id, "user_id": row.user_id,
        "day": row.day.isoformat(), "method": row.method, "counts": row.counts,
        "flags": row.flag_list,
        "reasons": [{"code": f, "message": training_flag_text(f)} for f in row.flag_list],
        "recorded_at": None if row.recorded_at is None else utc_z(row.recorded_at),
        "received_at": utc_z(row.received_at), "lat": row.lat, "lon": row.lon,
        "accuracy_m": row.accuracy_m, "distance_m": row.distance_m,
    }


def parse_signin(body: dict[str, Any]) -> attendance.SigninInput:
    token = body.get("token")
    if not isinstance(token, str) or not token or len(token) > 64:
        raise Refusal("training_token_invalid", field="token")
    fields = {key: body.get(key) for key in ("id", "token", "lat", "lon", "accuracy_m",
                                             "recorded_at")}
    return attendance.SigninInput(
        id=client_id(body.get("id")), token=token, lat=require_number(body, "lat"),
        lon=require_number(body, "lon"), accuracy_m=require_number(body, "accuracy_m"),
        recorded_at=parse_moment(body.get("recorded_at"), "recorded_at"),
        digest=payload_digest(fields))


@bp.post("/trainings/<int:training_id>/signins")
@roles_required("cadre")
def create_training_signin(training_id: int) -> Any:
    data = parse_signin(json_object())
    session = db.session()
    key = sessions.token_key(current_app.config)
    row, created = store_once(
        lambda: attendance.existing(session, current_user, training_id, data),
        lambda: attendance.sign_in(session, current_user, training_id, data, key, policy()))
    return jsonify(attendance_json(row)), 201 if created else 200
