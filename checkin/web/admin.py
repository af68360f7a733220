"""Admin pages: the roster upload (a preview job, then the import on confirmation, with
progress), its template, and the list of accounts."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from checkin import db
from checkin.api.imports import take_credentials
from checkin.auth import roles_required
from checkin.domain.refusal import Refusal
from checkin.exports import download
from checkin.models import RosterImport, User
from checkin.roster.template import template_xlsx
from checkin.services.people import roster_jobs
from checkin.web.forms import ConfirmForm, RosterForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/roster", methods=["GET", "POST"])
@roles_required("admin")
def roster() -> Any:
    form = RosterForm()
    if form.validate_on_submit():
        files = [(f.filename or "roster.xlsx", f.read()) for f in form.file.data if f]
        job = roster_jobs.enqueue(db.session(), current_user.id, files, dry_run=True)
        roster_jobs.ensure_worker()
        return redirect(url_for("admin.roster_job", import_id=job.id), code=303)
    return render_template("admin/roster.html", form=form)


def _job(import_id: int) -> RosterImport:
    job = db.session().get(RosterImport, import_id)
    if job is None:
        raise Refusal("not_found")
    return job


@bp.get("/roster/<int:import_id>")
@roles_required("admin")
def roster_job(import_id: int) -> Any:
    job = _job(import_id)
    if job.status == "queued":
        roster_jobs.ensure_worker()
    answer = roster_jobs.describe(job)
    status = 422 if job.status == "failed" else 200
    return render_template("admin/roster_job.html", job=answer, form=ConfirmForm(),
                           mine=job.actor_id == current_user.id), status


@bp.post("/roster/<int:import_id>/confirm")
@roles_required("admin")
def roster_confirm(import_id: int) -> Any:
    preview = _job(import_id)
    if not ConfirmForm().validate_on_submit() or not preview.dry_run \
            or preview.status != "done":
        raise Refusal("not_found")
    job = roster_jobs.confirm(db.session(), preview, current_user.id)
    roster_jobs.ensure_worker()
    return redirect(url_for("admin.roster_job", import_id=job.id), code=303)


@bp.get("/roster/<int:import_id>/credentials.xlsx")
@roles_required("admin")
def roster_credentials(import_id: int) -> Response:
    return take_credentials(import_id)


@bp.get("/roster/template.xlsx")
@roles_required("admin")
def roster_template() -> Response:
    return download(io.BytesIO(template_xlsx()), "roster-template.xlsx", "xlsx")


@bp.get("/users")
@roles_required("admin")
def users() -> Any:
    people = db.session().scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=people)
