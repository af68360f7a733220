"""Admin pages: the roster upload with its template, and the list of accounts."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user
from sqlalchemy import select

from checkin import db, refusals
from checkin.auth import roles_required
from checkin.domain.refusal import Refusal
from checkin.exports import download
from checkin.models import User
from checkin.roster.read import Limits, read_roster
from checkin.roster.template import template_xlsx
from checkin.services.people.roster_import import import_roster
from checkin.settings import policy
from checkin.web.forms import RosterForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/roster", methods=["GET", "POST"])
@roles_required("admin")
def roster() -> Any:
    form = RosterForm()
    problems: list[str] = []
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        limits = Limits(max_bytes=current_app.config["ROSTER_MAX_BYTES"],
                        max_rows=current_app.config["ROSTER_MAX_ROWS"])
        session = db.session()
        data = upload.stream.read(limits.max_bytes + 1)
        try:
            sheets = read_roster(upload.filename or "", data, limits)
            result = import_roster(session, sheets, actor_id=current_user.id, policy=policy())
        except Refusal as exc:  # answered 422: the commit point rolls back
            problems = [refusals.problem_text(p) for p in exc.problems[:500]] \
                or [refusals.message(exc)]
    status = 422 if problems else 200
    return render_template("admin/roster.html", form=form, problems=problems,
                           result=result), status


@bp.get("/roster/template.xlsx")
@roles_required("admin")
def roster_template() -> Response:
    return download(io.BytesIO(template_xlsx()), "roster-template.xlsx", "xlsx")


@bp.get("/users")
@roles_required("admin")
def users() -> Any:
    people = db.session().scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=people)
