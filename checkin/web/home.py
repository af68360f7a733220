"""The home page of each role, and the navigation that differs by role."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from checkin import db
from checkin.auth import current_scope
from checkin.services.people import directory
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
              ("admin.roster", _l("Roster import")), ("admin.users", _l("Users"))],
}

# The rest of each role's pages, listed on its home page: a phone has room for six tabs.
SECTIONS: dict[str, list[tuple[str, Any]]] = {
    "cadre": [("team_reports.mine", _l("Team report")), ("people.village", _l("My village"))],
    "supervisor": [("supervise.month", _l("Month")), ("supervise.year", _l("Year")),
                   ("visits.coverage", _l("Coverage")), ("visits.overdue", _l("Overdue")),
                   ("team_reports.index", _l("Team reports")),
                   ("people.villages", _l("Villages")), ("people.cadres", _l("Cadres")),
                   ("people.households", _l("Households"))],
    "admin": [("supervise.month", _l("Month")), ("supervise.year", _l("Year")),
              ("visits.coverage", _l("Coverage")), ("visits.overdue", _l("Overdue")),
              ("team_reports.index", _l("Team reports")),
              ("people.villages", _l("Villages")), ("people.cadres", _l("Cadres")),
              ("people.households", _l("Households")),
              ("inbox.deliveries", _l("Deliveries"))],
}


def inject_navigation() -> dict[str, Any]:
    role = current_user.role if current_user.is_authenticated else None
    return {"navigation": NAVIGATION.get(role or "", []),
            "sections": SECTIONS.get(role or "", []), "logout_form": LogoutForm(),
            "url_with": url_with}


def url_with(**changes: Any) -> str:
    """This page's URL with some query arguments changed (sorting, paging)."""
    args: dict[str, Any] = request.args.to_dict()
    args.update(changes)
    return url_for(request.endpoint or "home.index", **(request.view_args or {}), **args)


@bp.get("/")
@login_required
def index() -> Any:
    session = db.session()
    scope = current_scope()
    if current_user.role == "cadre":
        mine = directory.households(session, scope, helper_id=current_user.id, limit=1000)
        team = current_user.team
        members = directory.cadres(session, scope, village_id=current_user.village_id)
        return render_template("home/cadre.html", households=mine, team=team, members=members)
    rows = directory.village_rows(session, scope)
    area = directory.area_name(session, current_user.area_id)
    return render_template("home/supervisor.html", rows=rows, area=area)
