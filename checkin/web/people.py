"""Villages, cadres and households as tables, each limited to the viewer's scope."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from checkin import db
from checkin.auth import current_scope, roles_required
from checkin.models import Village
from checkin.services.attendance import areas
from checkin.services.people import directory
from checkin.web import supervise

bp = Blueprint("people", __name__)


def _search() -> str:
    return request.args.get("q", "").strip()[:50]


@bp.get("/villages")
@roles_required("supervisor", "admin")
def villages() -> Any:
    place = supervise.current_place()
    page = directory.village_page(db.session(), current_scope(), under=place.path,
                                  query=_search(), after=supervise.after())
    return render_template("people/villages.html", rows=page.rows, page=page, place=place,
                           query=_search())


@bp.get("/villages/<int:village_id>")
@login_required
def village_detail(village_id: int) -> Any:
    session = db.session()
    scope = current_scope()
    village = scope.get(session, scope.villages(), village_id)
    if village is None:
        abort(404)
    return render_template(
        "people/village.html",
        village=village,
        teams=directory.teams_of(session, scope, village.id),
        cadres=directory.cadres(session, scope, village_id=village.id),
        households=directory.households(session, scope, village_id=village.id, limit=1000),
    )


@bp.get("/village")
@roles_required("cadre")
def village() -> Any:
    return redirect(url_for("people.village_detail", village_id=current_user.village_id))


@bp.get("/cadres")
@roles_required("supervisor", "admin")
def cadres() -> Any:
    place = supervise.current_place()
    page = directory.cadre_page(db.session(), current_scope(), under=place.path,
                                query=_search(), after=supervise.after())
    return render_template("people/cadres.html", cadres=page.rows, page=page, place=place,
                           query=_search())


@bp.get("/households")
@roles_required("supervisor", "admin")
def households() -> Any:
    place = supervise.current_place()
    village_id = request.args.get("village_id", type=int)
    if village_id is None or not 0 < village_id <= areas.MAX_ID:
        village_id = supervise.chosen_id(Village, Village.code,
                                         request.args.get("village_code", ""))
    page = directory.household_page(db.session(), current_scope(), village_id=village_id,
                                    under=place.path, query=_search(),
                                    after=supervise.after())
    return render_template("people/households.html", households=page.rows, page=page,
                           place=place, query=_search(),
                           village_code=request.args.get("village_code", "")[:100])
