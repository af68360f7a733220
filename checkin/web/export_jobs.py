"""Large exports' pages: the job's progress, then its file; the supervisor's recent exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template
from flask_login import current_user
from sqlalchemy import select

from checkin import db
from checkin.auth import roles_required
from checkin.exports import download, local_time
from checkin.models import ExportJob
from checkin.services import worker
from checkin.services.reporting import export_jobs

bp = Blueprint("export_jobs", __name__, url_prefix="/exports")

RECENT = 20


def _own(job_id: int) -> ExportJob:
    """The supervisor's own job; another's (or none) is not found."""
    job = export_jobs.owned(db.session(), job_id, current_user.id)
    if job is None:
        abort(404)
    return job


def describe(job: ExportJob) -> dict[str, Any]:
    return {"id": job.id, "status": job.status, "progress": job.progress, "rows": job.rows,
            "filename": job.filename, "downloadable": export_jobs.downloadable(job)}


@bp.get("")
@roles_required("supervisor", "admin")
def recent() -> Any:
    found = db.session().scalars(select(ExportJob).where(
        ExportJob.actor_id == current_user.id).order_by(ExportJob.id.desc())
        .limit(RECENT)).all()
    return render_template("exports/recent.html", jobs=found, local_time=local_time,
                           downloadable=export_jobs.downloadable)


@bp.get("/<int:job_id>")
@roles_required("supervisor", "admin")
def show(job_id: int) -> Any:
    job = _own(job_id)
    if job.status == "queued":
        worker.ensure_worker()  # the process that queued it may have gone
    return render_template("exports/job.html", job=job,
                           downloadable=export_jobs.downloadable(job))


@bp.get("/<int:job_id>.json")
@roles_required("supervisor", "admin")
def status(job_id: int) -> Any:
    return jsonify(describe(_own(job_id)))


@bp.get("/<int:job_id>/file")
@roles_required("supervisor", "admin")
def file(job_id: int) -> Any:
    job = _own(job_id)
    if not export_jobs.downloadable(job) or job.filename is None or job.kind is None:
        abort(404)
    return download(export_jobs.file_of(job).open("rb"), job.filename, job.kind)
