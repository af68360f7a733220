"""The yearly pledge and the quarterly reports (年承诺、季报告) as pages: the team's page
(the pledge, each quarter's versions, the leader's forms, the township's review) and the
township's overview of its teams for a quarter."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain import pledges as rules
from checkin.domain.refusal import Refusal
from checkin.models import Team
from checkin.platform import clock
from checkin.platform.exactly_once import payload_digest
from checkin.services.reporting import pledges
from checkin.services.reporting.team_reports import is_leader_of
from checkin.web.dossier import page_arg

bp = Blueprint("pledges", __name__)

STATE_WORDS = {"none": _l("Not handed in"), "pending": _l("Waiting for the township"),
               "returned": _l("Returned"), "approved": _l("Approved"),
               "superseded": _l("Replaced")}
STATUS_WORDS = {"done": _l("Done"), "in_progress": _l("In progress"),
                "not_done": _l("Not done")}


@bp.app_template_global("pledge_words")
def pledge_words() -> dict[str, Any]:
    return {"state": lambda s: str(STATE_WORDS.get(s, s)),
            "status": lambda s: str(STATUS_WORDS.get(s, s)), "statuses": rules.STATUSES}


def _team_or_404(team_id: int) -> Team:
    team = pledges.team_in_scope(db.session(), current_scope(), current_user, team_id)
    if team is None:
        abort(404)
    return team


def _year() -> int:
    raw = request.args.get("year", "") or request.form.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.today().year


def _quarter_shown(today: Any) -> rules.Quarter:
    """The quarter asked for; else of the year asked for, the one being reported now
    (a past year: its fourth, a coming year: its first)."""
    try:
        return rules.parse_quarter(request.args.get("quarter", ""))
    except ValueError:
        pass
    year = _year()
    if year < today.year:
        return rules.Quarter(year, 4)
    now = pledges.quarter_arg("", today)
    return now if now.year == year else rules.Quarter(year, 1)


@bp.get("/my/pledge")
@roles_required("cadre")
def mine() -> Any:
    if current_user.team_id is None:
        abort(404)
    wanted: dict[str, Any] = {k: v for k, v in request.args.items()
                              if k in ("year", "quarter")}
    return redirect(url_for("pledges.team_page", team_id=current_user.team_id, **wanted))


@bp.get("/teams/<int:team_id>/pledge")
@login_required
def team_page(team_id: int) -> Any:
    team = _team_or_404(team_id)
    session = db.session()
    today = clock.today()
    quarter = _quarter_shown(today)
    year = quarter.year
    versions = pledges.pledge_versions(session, team.id, year)
    reports = pledges.reports_of_year(session, team.id, year)
    shown = reports.get(quarter.number, [])
    state = pledges.state_of(shown)
    leader = is_leader_of(current_user, team)
    pledge = versions[-1] if versions else None
    supervisor_level = (current_user.area.level if current_user.role == "supervisor"
                        and current_user.area is not None else None)
    return render_template(
        "pledges/team.html", team=team, year=year, quarter=quarter, versions=versions,
        pledge=pledge, reports=reports, shown=shown, state=state,
        states={n: pledges.state_of(reports.get(n, [])) for n in (1, 2, 3, 4)},
        leader=leader, may_rewrite=leader and rules.may_rewrite_pledge(
            sum(len(v) for v in reports.values())) and year in (today.year, today.year + 1),
        may_hand_in=leader and pledge is not None and rules.may_hand_in(state)
        and rules.may_report(quarter, today),
        reportable=rules.may_report(quarter, today),
        may_review=state == "pending" and supervisor_level in (
            "township", "county", "city", "province"))


@bp.post("/teams/<int:team_id>/pledge")
@roles_required("cadre")
def write_pledge(team_id: int) -> Any:
    team = _team_or_404(team_id)
    year = _year()
    items = request.form.get("items", "").splitlines()
    try:
        with db.savepoint():
            pledges.write_pledge(db.session(), current_user, team, year, items)
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        flash(_("The pledge of %(y)s is saved.", y=year), "info")
    return redirect(url_for("pledges.team_page", team_id=team.id, year=year))


def entries_from(form: Any, n: int) -> list[tuple[str, str]]:
    return [(form.get(f"status_{i}", ""), form.get(f"text_{i}", "")) for i in range(n)]


@bp.post("/teams/<int:team_id>/quarter-report")
@roles_required("cadre")
def hand_in(team_id: int) -> Any:
    """The form's own POST (a browser without the scripts; the outbox sends to the API)."""
    team = _team_or_404(team_id)
    session = db.session()
    try:
        quarter = rules.parse_quarter(request.form.get("quarter", ""))
    except ValueError:
        abort(404)
    pledge = pledges.current_pledge(session, team.id, quarter.year)
    entries = entries_from(request.form, len(pledge.items) if pledge else 0)
    summary = request.form.get("summary", "")
    digest = payload_digest({"quarter": quarter.label, "entries": entries,
                             "summary": summary})
    try:
        with db.savepoint():
            pledges.submit_report(session, current_user, team,
                                  pledges.ReportInput(quarter, entries, summary), None, digest)
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        flash(_("The report on %(q)s is handed in to the township.", q=quarter.label), "info")
    return redirect(url_for("pledges.team_page", team_id=team.id, year=quarter.year,
                            quarter=quarter.label))


@bp.post("/quarter-reports/<int:report_id>/review")
@roles_required("supervisor", "admin")
def review(report_id: int) -> Any:
    session = db.session()
    report = pledges.report_in_scope(session, current_scope(), report_id)
    if report is None:
        abort(404)
    decision = request.form.get("decision", "")
    try:
        with db.savepoint():
            pledges.review(session, current_user, report, decision,
                           request.form.get("remark", ""))
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        flash(_("The report is approved.") if decision == "approve"
              else _("The report is returned to the team."), "info")
    label = rules.Quarter(report.year, report.quarter).label
    return redirect(url_for("pledges.team_page", team_id=report.team_id, year=report.year,
                            quarter=label))


@bp.get("/pledges")
@roles_required("supervisor", "admin")
def overview() -> Any:
    quarter = pledges.quarter_arg(request.args.get("quarter", ""), clock.today())
    page = page_arg("page")
    lines, total = pledges.overview(db.session(), current_scope(), quarter, page)
    previous = rules.quarter_of(quarter.first - quarter.first.resolution)
    following = rules.quarter_of(quarter.first.replace(
        month=min(12, quarter.first.month + 3)) if quarter.number < 4
        else quarter.first.replace(year=quarter.year + 1, month=1))
    return render_template("pledges/overview.html", lines=lines, quarter=quarter, page=page,
                           pages=max(1, -(-total // pledges.PAGE_SIZE)), total=total,
                           previous=previous, following=following)
