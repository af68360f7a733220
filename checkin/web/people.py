"""Villages, cadres and households as tables, each limited to the viewer's scope."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from checkin import db
from checkin.auth import current_scope, roles_required
from checkin.models import Village
from checkin.services.people import directory

bp = Blueprint("people", __name__)


@bp.get("/villages")
@roles_required("supervisor", "admin")
def villages() -> Any:
    rows = directory.village_rows(db.session(), current_scope())
    return render_template("people/villages.html", rows=rows)


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
    return render_template("people/cadres.html",
                           cadres=directory.cadres(db.session(), current_scope()))


@bp.get("/households")
@roles_required("supervisor", "admin")
def households() -> Any:
    session = db.session()
    scope = current_scope()
    query = request.args.get("q", "")[:50]
    village_id = request.args.get("village_id", type=int)
    rows = directory.households(session, scope, village_id=village_id, query=query, limit=500)
    villages = session.scalars(scope.villages().order_by(Village.name)).all()
    return render_template("people/households.html", households=rows, query=query,
                           villages=villages, village_id=village_id)
