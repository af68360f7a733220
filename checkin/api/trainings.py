"""Trainings and quarterly meetings over the API. POST /trainings/<id>/signins: a cadre
signs in with the code scanned off the organiser's screen (exactly once by id; a second
sign-in of the day answers the first). GET /trainings: the sessions the caller may see,
newest first by a keyset cursor (a cadre's own invitations with its own records, a
supervisor's with each session's counts). GET /trainings/<id>: one session for a
supervisor, with its attendance list (the invitees in the caller's jurisdiction, paged
the same way)."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from flask_login import current_user, login_required

from checkin import db
from checkin.api import bp
from checkin.api.attendance import year_arg
from checkin.api.once import store_once
from checkin.api.payload import json_object, keyset_args, require_number
from checkin.api.timefmt import parse_moment, utc_z
from checkin.auth import current_scope, roles_required
from checkin.domain.refusal import Refusal
from checkin.models import TRAINING_KINDS, Training, TrainingAttendance
from checkin.platform import clock
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


def training_json(row: Training) -> dict[str, Any]:
    today = clock.today()
    state = ("upcoming" if row.first_day > today else
             "past" if row.last_day < today else "ongoing")
    return {
        "id": row.id, "kind": row.kind, "title": row.title, "area_id": row.area_id,
        "first_day": row.first_day.isoformat(), "last_day": row.last_day.isoformat(),
        "days": row.days, "starts_at": row.starts_at.strftime("%H:%M"),
        "ends_at": row.ends_at.strftime("%H:%M"), "place": row.place, "lat": row.lat,
        "lon": row.lon, "radius_m": row.radius_m, "audience": row.audience, "state": state,
    }


def counts_json(found: attendance.Counts) -> dict[str, int]:
    return {"invited": found.invited, "present": found.present, "by_qr": found.by_qr,
            "by_organiser": found.by_organiser, "not_counted": found.not_counted}


def records_json(records: list[TrainingAttendance]) -> dict[str, Any]:
    """Counted days, of them marked by the organiser, and every record (the ones that did
    not count too, with their reasons)."""
    found = attendance.tally(records)
    return {"counted_days": found.counted_days, "marked_days": found.marked_days,
            "attendance": [attendance_json(r) for r in records]}


def attendee_json(row: attendance.Attendee) -> dict[str, Any]:
    user = row.invitee.user
    found = attendance.tally(row.records)
    return {"user_id": user.id, "name": user.name, "village_id": user.village_id,
            "is_leader": row.invitee.is_leader, "present": found.counted_days > 0,
            "not_counted": found.not_counted, **records_json(row.records)}


def _list_filters() -> tuple[int | None, str | None]:
    year = year_arg() if "year" in request.args else None
    kind = request.args.get("kind") or None
    if kind is not None and kind not in TRAINING_KINDS:
        raise Refusal("not_in_choices", field="kind", name="kind",
                      choices=", ".join(TRAINING_KINDS))
    return year, kind


@bp.get("/trainings")
@login_required
def list_trainings() -> Any:
    limit, cursor = keyset_args()
    year, kind = _list_filters()
    session = db.session()
    scope = current_scope()
    found = sessions.page_of(session, scope, cursor, limit, year=year, kind=kind)
    ids = [row.id for row in found.rows]
    if scope.role == "cadre":
        own = attendance.own_records(session, current_user.id, ids)
        items = [{**training_json(t), "mine": records_json(own.get(t.id, []))}
                 for t in found.rows]
    else:
        tallies = attendance.counts_of(session, ids)
        items = [{**training_json(t), "counts": counts_json(tallies[t.id])}
                 for t in found.rows]
    return jsonify({"items": items, "next_cursor": found.next_after})


@bp.get("/trainings/<int:training_id>")
@roles_required("supervisor", "admin")
def read_training(training_id: int) -> Any:
    limit, cursor = keyset_args()
    session = db.session()
    scope = current_scope()
    training = sessions.get(session, scope, training_id)
    found = attendance.attendees_page(session, scope, training, cursor, limit)
    return jsonify({**training_json(training),
                    "counts": counts_json(attendance.counts(session, training.id)),
                    "runs": sessions.runs(scope, training),
                    "attendees": [attendee_json(r) for r in found.rows],
                    "next_cursor": found.next_after})
