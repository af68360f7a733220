"""POST /daily-logs (exactly once, a version of the day's log) and GET /daily-logs?date=."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from checkin import db
from checkin.api import bp
from checkin.api.once import store_once
from checkin.api.payload import json_object
from checkin.api.timefmt import optional_day, parse_day, utc_z
from checkin.auth import current_scope, roles_required
from checkin.daily_log_text import draft_text
from checkin.domain.daily_log import MAX_TEXT
from checkin.domain.refusal import Refusal
from checkin.models import DailyLog, User
from checkin.platform import clock
from checkin.platform.exactly_once import client_id, payload_digest
from checkin.services.attendance import daily_logs
from checkin.services.attendance.daily_logs import LogInput


def log_json(row: DailyLog) -> dict[str, Any]:
    return {"id": row.id, "user_id": row.user_id, "date": row.day.isoformat(),
            "text": row.text, "supersedes": row.supersedes_id,
            "created_at": utc_z(row.created_at), "queued": row.queued}


def parse_log(body: dict[str, Any]) -> LogInput:
    text = body.get("text")
    if not isinstance(text, str) or len(text) > MAX_TEXT * 2:
        raise Refusal("invalid_text", field="text", name="text", limit=MAX_TEXT)
    supersedes = body.get("supersedes") or None  # a form's empty field: the first version
    if supersedes is not None:
        supersedes = client_id(supersedes)
    queued = body.get("queued", False)
    if not isinstance(queued, bool):
        raise Refusal("not_a_bool", field="queued", name="queued")
    raw_day = body.get("date")
    day = clock.today() if raw_day is None else parse_day(raw_day, "date")
    fields = {key: body.get(key) for key in ("id", "date", "text", "supersedes", "queued")}
    return LogInput(id=client_id(body.get("id")), day=day, text=text, supersedes=supersedes,
                    queued=queued, digest=payload_digest(fields))


def store(user: User, data: LogInput) -> tuple[DailyLog, bool]:
    """Store a version once (a replay answers the stored one); an edit that lost a race
    against another edit of the same version is refused as stale."""
    session = db.session()
    try:
        return store_once(lambda: daily_logs.existing(session, data),
                          lambda: daily_logs.record(session, user, data))
    except IntegrityError as exc:  # the unique keys of the chain refused it
        raise Refusal("daily_log_stale", field="supersedes", latest="") from exc


@bp.post("/daily-logs")
@roles_required("cadre")
def create_daily_log() -> Any:
    row, created = store(current_user, parse_log(json_object()))
    return jsonify(log_json(row)), 201 if created else 200


@bp.get("/daily-logs")
@login_required
def daily_log_of_day() -> Any:
    """The day's log (newest version), every version oldest first, and the draft from the
    day's records. A cadre reads its own; a supervisor names `user_id` in its area."""
    day = optional_day(request.args.get("date"), "date") or clock.today()
    user_id = request.args.get("user_id", type=int)
    if request.args.get("user_id") and user_id is None:
        raise Refusal("not_an_integer", field="user_id", name="user_id")
    session = db.session()
    if current_user.role == "cadre":
        if user_id not in (None, current_user.id):
            abort(404)
        cadre = current_user
    else:
        if user_id is None:
            raise Refusal("field_required", field="user_id", name="user_id")
        cadre = session.scalars(current_scope().users().where(
            User.id == user_id, User.role == "cadre")).first()
        if cadre is None:
            abort(404)
    rows = daily_logs.versions_of(session, cadre.id, day)
    newest = daily_logs.newest_of(rows)
    return jsonify({"date": day.isoformat(), "user_id": cadre.id,
                    "log": None if newest is None else log_json(newest),
                    "versions": [log_json(r) for r in rows],
                    "draft": draft_text(daily_logs.draft(session, cadre, day))})
