"""GET /cadres/<id>/dossier: a cadre's file (一人一档) for one year."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask_login import login_required

from checkin import db
from checkin.api import bp
from checkin.api.attendance import ledger_json, year_arg
from checkin.api.corrections import correction_json
from checkin.api.evaluation import figure
from checkin.api.leaves import leave_json
from checkin.auth import current_scope
from checkin.personal_data import person_number, text
from checkin.services.attendance.ledger import CadreLedger
from checkin.services.people import dossier
from checkin.settings import policy


def user_json(file: dossier.Dossier) -> dict[str, Any]:
    user = file.user
    return {"id": user.id, "name": user.name, "username": user.username,
            "village_id": user.village_id,
            "village_name": user.village.name if user.village else None,
            "team_id": user.team_id, "team_code": user.team.code if user.team else None,
            "unit": user.unit.name if user.unit else None, "is_leader": user.is_leader,
            "phone": text(person_number(user, "supervise"))}


def dossier_json(file: dossier.Dossier) -> dict[str, Any]:
    checks = file.spotchecks or []
    return {
        "user": user_json(file), "year": file.year,
        "attendance": ledger_json(CadreLedger(file.user, file.ledger)),
        "checkins": file.checkins, "visits": file.visits,
        "due_households": file.due_households,
        "leaves": [leave_json(row) for row in file.leaves],
        "corrections": [correction_json(row) for row in file.corrections],
        "spotchecks": [{"week": c.week, "day": c.day.isoformat(), "kind": c.kind,
                        "outcome": c.outcome, "verdict": c.verdict,
                        "satisfaction": c.satisfaction} for c in checks],
        "satisfaction": file.satisfaction,
        "bulletins": [{"month": b.month, "area": b.area_name, "rank": b.rank,
                       "teams": b.teams, "score": b.score, "award": b.award}
                      for b in file.bulletins],
        "evaluation": [{"quarter": e.quarter, "why": e.why or None,
                        "figure": None if e.result is None else figure(e.result)}
                       for e in file.evaluation],
    }


@bp.get("/cadres/<int:user_id>/dossier")
@login_required
def cadre_dossier(user_id: int) -> Any:
    year = year_arg()
    session = db.session()
    scope = current_scope()
    cadre = dossier.cadre_in_scope(session, scope, user_id)
    if cadre is None:
        abort(404)
    return jsonify(dossier_json(dossier.dossier(session, scope, cadre, year, policy())))
