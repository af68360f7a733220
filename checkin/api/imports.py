"""Roster imports as background jobs: POST /imports (admin; multipart `files`, `dry_run`)
answers 202 at once; GET /imports/<id> the status, progress, counts, problems and, for a
preview, every change; the new accounts' credentials sheet once, to the admin who ran it."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from openpyxl import Workbook

from checkin import db
from checkin.api import bp
from checkin.auth import roles_required
from checkin.domain.refusal import Refusal
from checkin.exports import download
from checkin.models import RosterImport
from checkin.services import worker
from checkin.services.people import roster_jobs

TRUE = {"1", "true", "yes", "on"}


def _job(import_id: int) -> RosterImport:
    job = db.session().get(RosterImport, import_id)
    if job is None:
        raise Refusal("not_found")
    return job


@bp.post("/imports")
@roles_required("admin")
def create_import() -> Any:
    uploads = request.files.getlist("files")
    files = [(f.filename or "roster.xlsx", f.read()) for f in uploads if f.filename]
    if not files:
        raise Refusal("roster_no_files", field="files")
    dry_run = (request.form.get("dry_run") or "").lower() in TRUE
    job = roster_jobs.enqueue(db.session(), current_user.id, files, dry_run)
    worker.ensure_worker()  # it claims the job once this request commits
    response = jsonify({"id": job.id, "status": job.status})
    response.status_code = 202
    response.headers["Location"] = f"/api/v1/imports/{job.id}"
    return response


@bp.get("/imports/<int:import_id>")
@roles_required("admin")
def get_import(import_id: int) -> Any:
    job = _job(import_id)
    if job.status == "queued":
        worker.ensure_worker()  # the process that took it may have gone
    response = jsonify(roster_jobs.describe(job))
    response.headers["Cache-Control"] = "no-store"
    return response


def credentials_xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = str(_("Initial passwords"))[:31]
    sheet.append([str(_("Name")), str(_("Phone")), str(_("Username")),
                  str(_("Initial password"))])
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCD", (14, 16, 18, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def take_credentials(import_id: int) -> Response:
    """The credentials sheet of a finished import, once, to the admin who ran it."""
    job = _job(import_id)
    if job.actor_id != current_user.id or job.status != "done":
        raise Refusal("not_found")
    if not job.credentials:
        raise Refusal("credentials_taken")
    data = credentials_xlsx(job.credentials)
    job.credentials = []  # gone once taken: the commit point keeps this
    response = download(io.BytesIO(data), f"initial-passwords-{job.id}.xlsx", "xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/imports/<int:import_id>/credentials.xlsx")
@roles_required("admin")
def import_credentials(import_id: int) -> Response:
    return take_credentials(import_id)
