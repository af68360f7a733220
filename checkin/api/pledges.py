"""The yearly pledge and the quarterly report (年承诺、季报告) over the API: the team leader
hands in a version of a quarter's report, exactly once by the id the phone made (the
report form sends through the outbox, so it is kept on the phone without signal); the
team's members and the supervisors above it read the year's pledge with every version of
each quarter's report and its review (GET /pledges)."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify
from flask_login import current_user, login_required

from checkin import db
from checkin.api import bp
from checkin.api.attendance import year_arg
from checkin.api.once import store_once
from checkin.api.payload import json_object, query_int
from checkin.api.timefmt import utc_z
from checkin.auth import current_scope, roles_required
from checkin.domain import pledges as rules
from checkin.domain.refusal import Refusal
from checkin.models import QuarterReport, TeamPledge
from checkin.platform.exactly_once import client_id, payload_digest
from checkin.services.reporting import pledges


def report_json(report: QuarterReport) -> dict[str, Any]:
    review = report.review
    state = "pending" if review is None else (
        "approved" if review.decision == "approve" else "returned")
    return {"id": report.request_id, "report_id": report.id, "team_id": report.team_id,
            "quarter": rules.Quarter(report.year, report.quarter).label,
            "version": report.version, "status": state,
            "entries": [{"item": e["item"], "status": e["status"], "text": e["text"]}
                        for e in report.entries],
            "summary": report.summary, "submitted_at": utc_z(report.submitted_at),
            "review": None if review is None else {
                "decision": review.decision, "remark": review.remark,
                "reviewed_at": utc_z(review.reviewed_at)}}


def pledge_json(pledge: TeamPledge | None) -> dict[str, Any] | None:
    if pledge is None:
        return None
    return {"id": pledge.id, "version": pledge.version, "items": list(pledge.items),
            "written_at": utc_z(pledge.written_at)}


@bp.get("/pledges")
@login_required
def read_pledge() -> Any:
    """The year's pledge of a team (the caller's own for a cadre) and each quarter's report
    versions, oldest first, with where the quarter stands; 404 outside the jurisdiction."""
    year = year_arg()
    team_id = query_int("team_id")
    if team_id is None:
        if current_user.role != "cadre":
            raise Refusal("field_required", field="team_id", name="team_id")
        team_id = current_user.team_id
    session = db.session()
    team = None if team_id is None else pledges.team_in_scope(
        session, current_scope(), current_user, team_id)
    if team is None:
        abort(404)
    reports = pledges.reports_of_year(session, team.id, year)
    quarters = [{"quarter": rules.Quarter(year, n).label,
                 "state": pledges.state_of(reports.get(n, [])),
                 "reports": [report_json(r) for r in reports.get(n, [])]} for n in (1, 2, 3, 4)]
    return jsonify({"team_id": team.id, "year": year,
                    "pledge": pledge_json(pledges.current_pledge(session, team.id, year)),
                    "quarters": quarters})


def _entries(body: dict[str, Any]) -> list[tuple[str, str]]:
    raw = body.get("entries")
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise Refusal("field_required", field="entries", name="entries")
    out = []
    for n, entry in enumerate(raw):
        status, text = entry.get("status"), entry.get("text", "")
        if not isinstance(status, str):
            raise Refusal("report_status_unknown", field=f"entries.{n}.status")
        if not isinstance(text, str):
            raise Refusal("invalid_text", field=f"entries.{n}.text", name="text",
                          limit=rules.MAX_TEXT)
        out.append((status, text))
    return out


@bp.post("/quarter-reports")
@roles_required("cadre")
def submit_quarter_report() -> Any:
    body = json_object()
    request_id = client_id(body.get("id"))
    try:
        quarter = rules.parse_quarter(str(body.get("quarter", "")))
    except ValueError as exc:
        raise Refusal("field_required", field="quarter", name="quarter") from exc
    entries = _entries(body)
    summary = body.get("summary", "")
    if not isinstance(summary, str):
        raise Refusal("invalid_text", field="summary", name="summary", limit=rules.MAX_TEXT)
    team = current_user.team
    if team is None:
        abort(404)
    digest = payload_digest({"quarter": quarter.label, "entries": entries,
                             "summary": summary})
    data = pledges.ReportInput(quarter, entries, summary)
    session = db.session()
    row, created = store_once(
        lambda: pledges.stored_report(session, current_user, request_id, digest),
        lambda: pledges.submit_report(session, current_user, team, data, request_id, digest))
    return jsonify(report_json(row)), 201 if created else 200
