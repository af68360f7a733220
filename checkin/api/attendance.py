"""GET /attendance (one cadre's year) and /attendance/summary (a jurisdiction)."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request
from flask_login import current_user, login_required

from checkin import db
from checkin.api import bp
from checkin.api.payload import keyset_args
from checkin.auth import current_scope, roles_required
from checkin.domain import attendance
from checkin.domain.refusal import Refusal
from checkin.models import Area, User
from checkin.platform import clock, keyset
from checkin.services.attendance import boards, ledger
from checkin.settings import policy


def ledger_json(item: ledger.CadreLedger) -> dict[str, Any]:
    led = item.ledger
    return {
        "user_id": item.user.id, "name": item.user.name, "village_id": item.user.village_id,
        "team_id": item.user.team_id, "year": led.year, "target_days": led.target_days,
        "on_post_days": led.on_post_days, "leave_days": led.leave_days,
        "training_days": led.training_days, "official_days": led.official_days,
        "absent_days": led.absent_days, "counted_days": led.counted_days,
        "forecast_days": led.forecast_days, "on_pace": led.on_pace,
        "training_target": led.training_target, "pending_days": led.pending_days,
        "opening_days": led.opening_days,
    }


def year_arg() -> int:
    raw = request.args.get("year")
    if raw is None:
        return clock.today().year
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise Refusal("invalid_year", field="year")
    return int(raw)


@bp.get("/attendance")
@login_required
def attendance_of() -> Any:
    year = year_arg()
    user_id = request.args.get("user_id", type=int)
    if request.args.get("user_id") and user_id is None:
        raise Refusal("not_an_integer", field="user_id", name="user_id")
    if current_user.role == "cadre":
        if user_id not in (None, current_user.id):
            abort(404)
        cadre = current_user
    else:
        if user_id is None:
            raise Refusal("field_required", field="user_id", name="user_id")
        scope = current_scope()
        cadre = db.session().scalars(scope.users().where(
            User.id == user_id, User.role == "cadre")).first()
        if cadre is None:
            abort(404)
    [item] = ledger.ledgers(db.session(), [cadre], year, policy())
    return jsonify(ledger_json(item))


@bp.get("/attendance/summary")
@roles_required("supervisor", "admin")
def attendance_summary() -> Any:
    session = db.session()
    scope = current_scope()
    area_id = request.args.get("area_id", type=int)
    stmt = scope.users().where(User.role == "cadre", User.active.is_(True))
    if area_id is not None:
        area = session.scalars(scope.areas().where(Area.id == area_id)).first()
        if area is None:
            abort(404)
        from checkin.scope import Scope

        within = Scope(role="supervisor", user_id=None, area_path=area.path)
        stmt = stmt.where(User.village_id.in_(within.village_ids()))
    month = month_arg()
    year = month[0] if month else year_arg()
    # A page of cadres by (village, id), and the ledgers of that page only: a province's
    # 22,000 in one answer were megabytes and a second of ledgers (issue 14).
    limit, cursor = keyset_args()
    cadres, next_cursor = keyset.slice_after(
        session, stmt, (User.village_id, User.id), lambda u: (u.village_id, u.id), cursor,
        (int, int), limit, parse=keyset.iso_key(int, int))
    rows = [ledger_json(item) for item in ledger.ledgers(session, cadres, year, policy())]
    if month:
        rows = month_rows(session, cadres, rows, *month)
    return jsonify({"year": year, "month": f"{month[0]}-{month[1]:02d}" if month else None,
                    "area_id": area_id, "items": rows, "next_cursor": next_cursor})


def month_arg() -> tuple[int, int] | None:
    raw = request.args.get("month")
    if raw is None:
        return None
    parts = raw.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not (
            2000 <= int(parts[0]) <= 2100 and 1 <= int(parts[1]) <= 12):
        raise Refusal("invalid_month", field="month")
    return int(parts[0]), int(parts[1])


def month_rows(session: Any, cadres: list[User], year_rows: list[dict[str, Any]], year: int,
               month: int) -> list[dict[str, Any]]:
    """The month's days by category; the target is the year's, pro-rated to the month's
    share of the year; forecast and pace stay those of the year."""
    _, grid = boards.month_grid(session, cadres, year, month, clock.today())
    target = attendance.month_target(year, month, policy())
    out = []
    for row, cells in zip(year_rows, grid, strict=True):
        counts = cells.counts
        out.append({**row, "on_post_days": counts["on_post"], "leave_days": counts["leave"],
                    "training_days": counts["training"], "official_days": counts["official"],
                    "absent_days": counts["absent"], "target_days": target})
    return out
