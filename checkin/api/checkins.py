"""POST /checkins (exactly once) and GET /checkins."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import jsonify, request
from flask_login import current_user, login_required
from sqlalchemy import select

from checkin import db
from checkin.api import bp
from checkin.api.once import store_once
from checkin.api.payload import json_object, keyset_items, require_number
from checkin.api.timefmt import optional_day, parse_moment, utc_z
from checkin.auth import current_scope, roles_required
from checkin.domain.geofence import Reason
from checkin.domain.refusal import Refusal
from checkin.models import Checkin
from checkin.platform import clock, keyset
from checkin.platform.exactly_once import client_id, payload_digest
from checkin.reasons import flag_text
from checkin.services.attendance import checkins, leaves
from checkin.services.attendance.checkins import MAX_NOTE, CheckinInput
from checkin.settings import policy


def flag_list(flags: str) -> list[str]:
    return [f for f in flags.split(",") if f]


def checkin_json(row: Checkin) -> dict[str, Any]:
    """A check-in as the API shows it."""
    return {
        "id": row.id, "user_id": row.user_id, "village_id": row.village_id,
        "recorded_at": utc_z(row.recorded_at), "received_at": utc_z(row.received_at),
        "day": row.local_day.isoformat(), "lat": row.lat, "lon": row.lon,
        "accuracy_m": row.accuracy_m, "distance_m": row.distance_m, "in_fence": row.in_fence,
        "counts_for_day": row.counts_for_day, "flags": flag_list(row.flags), "note": row.note,
    }


def with_reasons(row: Checkin) -> dict[str, Any]:
    """The answer to the phone: why the day does or does not count, in the user's language;
    and, on a day of approved leave still open, the leave the phone offers to close (销假)."""
    body = checkin_json(row)
    body["reasons"] = [
        {"code": r["code"], "message": flag_text(Reason(r["code"], r.get("params", {})))}
        for r in row.reasons
    ]
    open_leave = (leaves.open_on(db.session(), row.user_id, row.local_day)
                  if checkins.DURING_LEAVE in row.flag_list else None)
    body["offer_return"] = None if open_leave is None else {
        "leave_id": open_leave.id, "start_date": open_leave.start_date.isoformat(),
        "end_date": open_leave.end_date.isoformat()}
    return body


def note_and_queued(body: dict[str, Any]) -> tuple[str | None, bool]:
    """A check-in's optional note (bounded, blank is none) and whether it was queued on the
    phone (the outbox): check-ins in a cadre's village and a duty holder's alike."""
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise Refusal("invalid_text", field="note", name="note", limit=MAX_NOTE)
    queued = body.get("queued", False)
    if not isinstance(queued, bool):
        raise Refusal("not_a_bool", field="queued", name="queued")
    return (note.strip() or None) if isinstance(note, str) else None, queued


CHECKIN_KEYS = ("id", "lat", "lon", "accuracy_m", "recorded_at", "note", "queued")


def parse_checkin(body: dict[str, Any], keys: tuple[str, ...] = CHECKIN_KEYS) -> CheckinInput:
    """A check-in's body; its digest (a replay's test) covers `keys` of the body."""
    note, queued = note_and_queued(body)
    fields = {key: body.get(key) for key in keys}
    return CheckinInput(
        id=client_id(body.get("id")), lat=require_number(body, "lat"),
        lon=require_number(body, "lon"), accuracy_m=require_number(body, "accuracy_m"),
        recorded_at=parse_moment(body.get("recorded_at"), "recorded_at"),
        note=note, queued=queued, digest=payload_digest(fields))


@bp.post("/checkins")
@roles_required("cadre")
def create_checkin() -> Any:
    data = parse_checkin(json_object())
    session = db.session()
    row, created = store_once(
        lambda: checkins.existing(session, data),
        lambda: checkins.record(session, current_user, data, policy()))
    return jsonify(with_reasons(row)), 201 if created else 200


@bp.get("/checkins")
@login_required
def list_checkins() -> Any:
    scope = current_scope()
    stmt = select(Checkin).where(scope.owned_by_user(Checkin.user_id, Checkin.village_id))
    first = optional_day(request.args.get("from"), "from")
    last = optional_day(request.args.get("to"), "to")
    zone = clock.zone()
    if first:
        stmt = stmt.where(Checkin.recorded_at >= datetime.combine(first, time(), zone))
    if last:
        stmt = stmt.where(Checkin.recorded_at <
                          datetime.combine(last + timedelta(days=1), time(), zone))
    user_id = request.args.get("user_id", type=int)
    if request.args.get("user_id") and user_id is None:
        raise Refusal("not_an_integer", field="user_id", name="user_id")
    if user_id is not None:
        stmt = stmt.where(Checkin.user_id == user_id)
    # newest first by (recorded_at, id): ix_checkins_recorded, ix_checkins_user_recorded
    return jsonify(keyset_items(stmt, (Checkin.recorded_at, Checkin.id),
                                lambda r: (r.recorded_at.isoformat(), r.id), (str, str),
                                keyset.iso_key(keyset.moment, str), checkin_json))
