"""A team report's remarks over the API, saved exactly once by the id the phone made (the
remarks form sends through the outbox, so it works without signal)."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask_login import current_user

from checkin import db
from checkin.api import bp
from checkin.api.once import store_once
from checkin.api.payload import json_object
from checkin.auth import roles_required
from checkin.domain.refusal import Refusal
from checkin.models import TeamReportRemarks
from checkin.platform import clock
from checkin.platform.exactly_once import client_id, payload_digest
from checkin.services.reporting import team_reports


def remarks_json(row: TeamReportRemarks, period: str) -> dict[str, Any]:
    return {"id": row.id, "period": period, "remarks": row.remarks}


@bp.post("/team-report/remarks")
@roles_required("cadre")
def save_team_report_remarks() -> Any:
    body = json_object()
    request_id = client_id(body.get("id"))
    remarks = body.get("remarks")
    if not isinstance(remarks, str) or len(remarks) > team_reports.MAX_REMARKS:
        raise Refusal("invalid_text", field="remarks", name="remarks",
                      limit=team_reports.MAX_REMARKS)
    label = body.get("period")
    if not isinstance(label, str):
        raise Refusal("field_required", field="period", name="period")
    team = current_user.team
    if team is None:
        abort(404)
    period = team_reports.parse(label, clock.today())
    digest = payload_digest({"period": period.label, "remarks": remarks})
    session = db.session()
    row, created = store_once(
        lambda: team_reports.stored_remarks(session, current_user, request_id, digest),
        lambda: team_reports.save_remarks_once(session, current_user, team, period, remarks,
                                               request_id, digest))
    return jsonify(remarks_json(row, period.label)), 201 if created else 200
