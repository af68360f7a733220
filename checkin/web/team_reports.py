"""Team reports (周小结、月报表): the team's own page, where the leader adds remarks and
finalises; supervisors read every team's in their jurisdiction."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain import reporting
from checkin.domain.refusal import Refusal
from checkin.models import Team
from checkin.platform import clock
from checkin.services.reporting import team_reports
from checkin.settings import policy
from checkin.web import supervise
from checkin.web.period import report_steps

bp = Blueprint("team_reports", __name__)


class RemarksForm(FlaskForm):
    period = HiddenField()
    remarks = TextAreaField(_l("Remarks of the team leader"),
                            validators=[Length(max=team_reports.MAX_REMARKS)])


def _period() -> reporting.Period:
    today = clock.today()
    label = request.args.get("period") or request.form.get("period") or \
        reporting.week_of(today)
    try:
        return team_reports.parse(label, today)
    except Refusal as exc:
        if request.method != "GET" or exc.code == "period_not_begun":
            abort(404)
        g.bad_period = label[:20]  # said on the page, which shows this week instead
        return team_reports.parse(reporting.week_of(today), today)


def _picker(shown: reporting.Period) -> dict[str, Any]:
    today = clock.today()
    before, after = report_steps(shown, today)
    return {"periods": team_reports.recent_periods(today), "step_before": before,
            "step_after": after, "bad_period": g.get("bad_period")}


def _render(team: Team, period: reporting.Period, mine: bool) -> Any:
    today = clock.today()
    shown = team_reports.view(db.session(), team, period, today, policy())
    form = RemarksForm(period=period.label, remarks=shown.remarks)
    leader = team_reports.is_leader_of(current_user, team)
    return render_template("team_reports/report.html", r=shown, form=form, mine=mine,
                           leader=leader, **_picker(period))


@bp.get("/team/report")
@roles_required("cadre")
def mine() -> Any:
    team = current_user.team
    if team is None:
        abort(404)
    return _render(team, _period(), mine=True)


@bp.post("/team/report")
@roles_required("cadre")
def save_mine() -> Any:
    team = current_user.team
    if team is None or not team_reports.is_leader_of(current_user, team):
        abort(404)
    period = _period()
    form = RemarksForm()
    if not form.validate_on_submit():
        flash(_("The remarks are too long."), "error")
        return redirect(url_for("team_reports.mine", period=period.label))
    session = db.session()
    finalising = request.form.get("action") == "finalise"
    try:
        with db.savepoint():
            if finalising:
                team_reports.finalise(session, current_user, team, period,
                                      form.remarks.data or "", clock.today(), policy())
            else:
                team_reports.save_remarks(session, current_user, team, period,
                                          form.remarks.data or "")
    except Refusal as exc:
        flash(refusals.message(exc), "error")
    else:
        flash(_("The report is final.") if finalising else _("Remarks saved."), "info")
    return redirect(url_for("team_reports.mine", period=period.label))


@bp.get("/team-reports")
@roles_required("supervisor", "admin")
def index() -> Any:
    session = db.session()
    period = _period()
    page = team_reports.team_page(session, current_scope(),
                                  supervise.after())
    found = team_reports.statuses(session, [t.id for t in page.rows], period.label)
    return render_template("team_reports/index.html", teams=page.rows, page=page, found=found,
                           period=period, finals=team_reports.final_count(
                               session, current_scope(), period.label), **_picker(period))


@bp.get("/team-reports/<int:team_id>")
@roles_required("supervisor", "admin")
def team_report(team_id: int) -> Any:
    team = team_reports.team_in_scope(db.session(), current_scope(), team_id)
    if team is None:
        abort(404)
    return _render(team, _period(), mine=False)
