"""The home page of each role, and the navigation that differs by role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from checkin import db
from checkin.auth import current_scope
from checkin.domain import duties
from checkin.domain import standing as standing_rules
from checkin.platform import clock
from checkin.services.attendance import daily_logs, standing
from checkin.services.people import directory
from checkin.services.rounds import duties as rounds
from checkin.services.visits import households
from checkin.settings import policy
from checkin.web import supervise
from checkin.web.forms import LogoutForm

bp = Blueprint("home", __name__)

NAVIGATION: dict[str, list[tuple[str, Any]]] = {
    "cadre": [("home.index", _l("Home")), ("cadre.checkin_page", _l("Check in")),
              ("cadre.attendance_page", _l("My attendance")),
              ("cadre.leaves_page", _l("Leave")),
              ("visits.my_households", _l("My households")),
              ("visits.my_visits", _l("My visits"))],
    "supervisor": [("home.index", _l("Home")), ("supervise.today", _l("Today")),
                   ("supervise.leave_inbox", _l("Leave")),
                   ("visits.visits_list", _l("Visits")),
                   ("spotchecks.queue", _l("Spot checks")),
                   ("bulletins.bulletin_page", _l("Bulletin"))],
    "admin": [("home.index", _l("Home")), ("supervise.today", _l("Today")),
              ("visits.visits_list", _l("Visits")), ("spotchecks.queue", _l("Spot checks")),
              ("bulletins.bulletin_page", _l("Bulletin")),
              ("admin.roster", _l("Roster import")), ("admin.users", _l("Users")),
              ("admin.villages", _l("Villages and fences")),
              ("feedback.queue", _l("Feedback")), ("audit_log.entries", _l("Audit log"))],
}

# The rest of each role's pages, listed on its home page: a phone has room for six tabs.
SECTIONS: dict[str, list[tuple[str, Any]]] = {
    "cadre": [("cadre.daily_log_page", _l("Daily log")), ("team_reports.mine", _l("Team report")),
              ("trainings.mine", _l("My trainings")),
              ("people.village", _l("My village")),
              ("bulletins.bulletin_page", _l("Our team in the monthly bulletin")),
              ("pledges.mine", _l("Pledge and quarterly reports")),
              ("assessment.mine", _l("My annual assessment"))],
    "supervisor": [("supervise.month", _l("Month")), ("supervise.year", _l("Year")),
                   ("visits.coverage", _l("Coverage")), ("visits.overdue", _l("Overdue")),
                   ("team_reports.index", _l("Team reports")),
                   ("bulletins.warning_talks_page", _l("Warning talks")),
                   ("trainings.index", _l("Trainings and meetings")),
                   ("trainings.shortfalls_page", _l("Training shortfalls")),
                   ("teams.makeup", _l("Team make-up")),
                   ("evaluation.results_page", _l("Public evaluation")),
                   ("pledges.overview", _l("Pledges and quarterly reports")),
                   ("assessment.county_list", _l("Annual assessment")),
                   ("rotations.index", _l("Recalls and rotations")),
                   ("people.villages", _l("Villages")), ("people.cadres", _l("Cadres")),
                   ("people.households", _l("Households"))],
    "admin": [("supervise.month", _l("Month")), ("supervise.year", _l("Year")),
              ("visits.coverage", _l("Coverage")), ("visits.overdue", _l("Overdue")),
              ("team_reports.index", _l("Team reports")),
              ("bulletins.warning_talks_page", _l("Warning talks")),
              ("trainings.index", _l("Trainings and meetings")),
              ("trainings.shortfalls_page", _l("Training shortfalls")),
              ("teams.makeup", _l("Team make-up")),
              ("evaluation.results_page", _l("Public evaluation")),
              ("pledges.overview", _l("Pledges and quarterly reports")),
              ("assessment.county_list", _l("Annual assessment")),
              ("people.villages", _l("Villages")), ("people.cadres", _l("Cadres")),
              ("people.households", _l("Households")),
              ("inbox.deliveries", _l("Deliveries"))],
}


def inject_navigation() -> dict[str, Any]:
    role = current_user.role if current_user.is_authenticated else None
    navigation = NAVIGATION.get(role or "", [])
    if role == "admin":  # with duties separated, each admin sees the tabs of their duty
        separated = current_app.config["SEPARATION_OF_DUTIES"]
        navigation = [(endpoint, label) for endpoint, label in navigation
                      if duties.may_open(current_user.duty, endpoint, separated=separated)]
    # formdata=None: the sign-out button never reads the request's body (the error page of a
    # body refused for its size must not read it either).
    sections = SECTIONS.get(role or "", [])
    # A duty over several villages (巡村) brings its own page: one indexed look-up.
    holds_rounds = role in ("cadre", "supervisor") and _holds_rounds()
    if holds_rounds:
        sections = [("rounds.mine", _l("My rounds of villages")), *sections]
    if role in ("supervisor", "admin"):
        sections = [*sections, ("rounds.index", _l("Envoys and district secretaries"))]
    if role == "admin":
        sections = [*sections, ("rounds.admin_page", _l("Assign envoys and district "
                                                         "secretaries"))]
    return {"navigation": navigation, "sections": sections, "holds_rounds": holds_rounds,
            "logout_form": LogoutForm(formdata=None), "url_with": url_with}


def _holds_rounds() -> bool:
    """Whether the signed-in person holds a duty over several villages; the error page of
    a lost database is shown without the link rather than failing again."""
    if request.blueprint == "api":
        return False
    try:
        return rounds.holds_any(db.session(), current_user.id)
    except SQLAlchemyError:
        return False


def url_with(**changes: Any) -> str:
    """This page's URL with some query arguments changed (sorting, paging, an export's
    kind). What the query brought is kept as query text only: never a name url_for reads
    itself (``_method``, ``_external``...) or a path argument of the endpoint (``kind``)."""
    endpoint = request.endpoint or "home.index"
    view_args = request.view_args or {}
    in_path = {name for rule in current_app.url_map.iter_rules(endpoint)
               for name in rule.arguments}
    args = {key: value for key, value in request.args.to_dict().items()
            if not key.startswith("_") and key not in in_path}
    return url_for(endpoint, **{**view_args, **args, **changes})


# Where a list is in its pages: another period starts on its first page.
PAGING_ARGS = frozenset({"page", "after", "cursor", "cp", "vp"})


def period_url(name: str, value: str) -> str:
    """This page for another period (the picker's previous and next), its filters kept."""
    return url_with(**{name: value, **dict.fromkeys(PAGING_ARGS)})


@bp.get("/")
@login_required
def index() -> Any:
    session = db.session()
    scope = current_scope()
    if current_user.role == "cadre":
        return cadre_home()
    # Totals counted in SQL and a page of villages: a province's 7,366 made 840 KB.
    page = directory.village_page(session, scope, after=supervise.after())
    area = directory.area_name(session, current_user.area_id)
    return render_template("home/supervisor.html", rows=page.rows, page=page, area=area,
                           totals=directory.scope_totals(session, scope))


def cadre_home() -> Any:
    """What a cadre asks first: am I on pace, did today count, which households owe what,
    which leave waits for me."""
    session = db.session()
    today = clock.today()
    rows = households.household_rows(session, current_scope(), today, policy(),
                                     helper_id=current_user.id, limit=1000)
    rows = households.sort_for_cadre(rows, current_user.id)
    members = directory.cadres(session, current_scope(), village_id=current_user.village_id)
    return render_template(
        "home/cadre.html", rows=rows, pressing=[r for r in rows if r.owes][:5],
        counts=standing_rules.due_counts(r.owes for r in rows),
        due_within=policy().due_within_days, team=current_user.team, members=members,
        standing=standing.cadre_standing(session, current_user, today, policy()),
        log_written=bool(daily_logs.days_with_log(session, [current_user.id], today, today)))
