"""Duties over several villages over the API: a holder's check-in in one of their villages
(exactly once by id) and their duties with how each stands in a month."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import jsonify
from flask_login import current_user

from checkin import db
from checkin.api import bp
from checkin.api.attendance import month_arg
from checkin.api.checkins import CHECKIN_KEYS, parse_checkin
from checkin.api.once import store_once
from checkin.api.payload import json_object
from checkin.api.timefmt import utc_z
from checkin.auth import roles_required
from checkin.domain.geofence import Reason
from checkin.domain.refusal import Refusal
from checkin.models import RoundCheckin
from checkin.platform import clock
from checkin.reasons import flag_text
from checkin.services.rounds import checkins, duties, standing
from checkin.services.rounds.checkins import RoundCheckinInput
from checkin.settings import policy


def round_checkin_json(row: RoundCheckin) -> dict[str, Any]:
    return {
        "id": row.id, "user_id": row.user_id, "village_id": row.village_id,
        "recorded_at": utc_z(row.recorded_at), "received_at": utc_z(row.received_at),
        "day": row.local_day.isoformat(), "lat": row.lat, "lon": row.lon,
        "accuracy_m": row.accuracy_m, "distance_m": row.distance_m, "in_fence": row.in_fence,
        "counts": row.counts, "flags": row.flag_list, "note": row.note,
        "reasons": [{"code": r["code"],
                     "message": flag_text(Reason(r["code"], r.get("params", {})))}
                    for r in row.reasons],
    }


def parse_round_checkin(body: dict[str, Any]) -> RoundCheckinInput:
    village_id = body.get("village_id")
    if isinstance(village_id, bool) or not isinstance(village_id, int) or not (
            0 < village_id < 2**31):
        raise Refusal("not_an_integer", field="village_id", name="village_id")
    base = parse_checkin(body, (*CHECKIN_KEYS, "village_id"))
    return RoundCheckinInput(**dataclasses.asdict(base), village_id=village_id)


@bp.post("/round-checkins")
@roles_required("cadre", "supervisor")
def create_round_checkin() -> Any:
    data = parse_round_checkin(json_object())
    session = db.session()
    row, created = store_once(
        lambda: checkins.existing(session, data),
        lambda: checkins.record(session, current_user, data, policy()))
    return jsonify(round_checkin_json(row)), 201 if created else 200


def _week_json(mark: Any) -> dict[str, Any]:
    return {"week": mark.label, "monday": mark.monday.isoformat(), "state": mark.state,
            "visits": mark.visits}


def standing_json(item: standing.DutyStanding) -> dict[str, Any]:
    duty, month = item.duty, item.month
    return {
        "id": duty.id, "kind": duty.kind, "title": duty.title, "weekday": duty.weekday,
        "start_date": duty.start_date.isoformat(),
        "end_date": None if duty.end_date is None else duty.end_date.isoformat(),
        "state": month.state, "due": month.due, "met": month.met, "missed": month.missed,
        "fixed_days": [_week_json(w) for w in month.fixed_days],
        "villages": [{
            "id": village.id, "code": village.code, "name": village.name,
            "visits": row.visits, "month_state": row.month_state or None,
            "last_visit": None if row.last_visit is None else row.last_visit.isoformat(),
            "weeks": [_week_json(w) for w in row.weeks]}
            for village, row in zip(item.villages, month.villages, strict=True)],
    }


@bp.get("/rounds")
@roles_required("cadre", "supervisor")
def my_rounds() -> Any:
    today = clock.today()
    year, month = month_arg() or (today.year, today.month)
    session = db.session()
    held = duties.held_by(session, current_user.id)
    rows = standing.standings(session, held, year, month, today, policy())
    return jsonify({"month": f"{year}-{month:02d}",
                    "duties": [standing_json(r) for r in rows]})
