"""One household's page for supervisors and admins: where it stands on its cadence, its
helpers, its moves and its visits; and its move to another village (易地扶贫搬迁,
services/people/moves.py). Others get 404, as a household outside the jurisdiction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from checkin import db, refusals
from checkin.auth import current_scope, roles_required
from checkin.domain.refusal import Refusal
from checkin.models import Household, Village
from checkin.platform import clock
from checkin.platform.among import among
from checkin.services.people import administration, moves
from checkin.services.visits import households
from checkin.settings import policy
from checkin.web.forms import form_day

bp = Blueprint("households", __name__)


def _household(household_id: int) -> Household:
    found = moves.household_in_scope(db.session(), current_scope(), household_id)
    if found is None:
        abort(404)
    return found


def _timeline(household: Household) -> list[tuple[date, str, Any]]:
    """Moves and helper changes in the order they were recorded (a move before the helper
    change it made, on the day it was recorded; its text gives the day of the move)."""
    session = db.session()
    entries: list[tuple[date, str, Any]] = [
        (clock.local_day(row.created_at), "move", row)
        for row in moves.history(session, household.id)]
    entries += [(clock.local_day(row.created_at), "helper", row) for row in
                administration.helper_history(session, [household.id]).get(household.id, [])]
    return sorted(entries, key=lambda entry: (entry[0], entry[1] != "move"))


def _page(household: Household, to: Village | None, form: Mapping[str, str],
          status: int = 200, asked: str = "") -> Any:
    session = db.session()
    today = clock.today()
    visits = moves.visits_of(session, household.id)
    village_ids = sorted({v.village_id for v in visits} | {household.village_id})
    names: dict[int, str] = {village_id: name for village_id, name in session.execute(
        select(Village.id, Village.name).where(among(session, Village.id, village_ids)))}
    return render_template(
        "households/household.html", household=household,
        row=households.household_row(session, household, today, policy()),
        timeline=_timeline(household), visits=visits, village_names=names, to=to,
        asked=asked, form=form, today=today,
        helpers=[] if to is None else administration.helpers_of(session, to.id),
        outside=[] if to is None else administration.outside_helpers_of(session, to.id)
    ), status


@bp.get("/households/<int:household_id>")
@roles_required("supervisor", "admin")
def household(household_id: int) -> Any:
    found = _household(household_id)
    asked = request.args.get("to", "").strip()[:32]
    to = moves.target(db.session(), current_scope(), asked) if asked else None
    if to is not None and to.id == found.village_id:
        to = None
    return _page(found, to, {}, asked=asked)


@bp.post("/households/<int:household_id>/move")
@roles_required("supervisor", "admin")
def move(household_id: int) -> Any:
    found = _household(household_id)
    session = db.session()
    form = request.form
    to_id = moves.parse_id(form.get("to_village_id", ""))
    to = None if to_id is None else current_scope().get(session, current_scope().villages(),
                                                        to_id)
    try:
        raw_outside = form.get("outside_helper_id", "").strip()
        data = moves.MoveInput(
            to_village_id=to_id, helper_id=moves.parse_id(form.get("helper_id", "")),
            outside_id=moves.parse_id(raw_outside), outside_chosen=bool(raw_outside),
            moved_on=form_day(form.get("moved_on", ""), "moved_on", "move_day_not_a_date"),
            reason=form.get("reason", ""), address=form.get("address", ""))
        with db.savepoint():
            made = moves.move(session, current_user, current_scope(), found, data,
                              clock.today())
    except Refusal as exc:
        flash(refusals.message(exc), "error")
        session.refresh(found)
        return _page(found, None if to is None or to.id == found.village_id else to, form,
                     422)
    flash(_("%(household)s has moved to %(village)s; %(helper)s is the helper now.",
            household=found.head_name, village=made.to_village.name,
            helper=made.to_helper.name), "info")
    return redirect(url_for("households.household", household_id=found.id), code=303)
