"""Large exports as background jobs.

An export whose table is longer than EXPORT_INLINE_ROWS (a province's month grid, a
county's year of visits, 144,000 overdue households) is not written inside the request,
which a worker timeout would cut: the request queues a job with its own address and
answers the job's page. The worker answers that address again, in a request of its own
signed in as the same supervisor (`replay`), so the file holds exactly what the page's
filters and that supervisor's jurisdiction select, through the very code of the page;
`exports.export` writes it into the job's file, beating the job's progress as it goes.

Files are kept in EXPORT_DIR, named by the job's id and an unguessable token, for
KEEP_FOR; only the supervisor who asked may download one."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from flask import current_app, g, request
from flask_login import login_user
from sqlalchemy import update
from sqlalchemy.orm import Session

from checkin import db
from checkin.models import ExportJob, User
from checkin.platform import clock
from checkin.services import worker

KEEP_FOR = timedelta(days=1)
BEAT_EVERY = 2000  # rows written between two progress notes


@dataclass
class Sink:
    """Where the worker's export goes: the job's file, and its progress."""

    job_id: int
    out: IO[bytes]
    filename: str = ""
    kind: str = ""
    rows: int = 0

    def progress(self, written: int, total: int | None) -> None:
        if written % BEAT_EVERY:
            return
        with db.separate_transaction() as apart:
            apart.execute(update(ExportJob).where(ExportJob.id == self.job_id).values(
                rows=written, heartbeat_at=clock.now(),
                progress=round(min(0.99, written / total), 3) if total else 0.0))


def sink() -> Sink | None:
    """The job this request writes, when the worker answers it; None in a real request."""
    return g.get("export_sink")


def inline_rows() -> int:
    return int(current_app.config["EXPORT_INLINE_ROWS"])


def export_dir() -> Path:
    return Path(current_app.config["EXPORT_DIR"])


def file_of(job: ExportJob) -> Path:
    return export_dir() / f"{job.id}-{job.token}"


def enqueue(session: Session, actor_id: int, path: str, locale: str) -> ExportJob:
    job = ExportJob(actor_id=actor_id, path=path[:2000], locale=locale,
                    token=secrets.token_hex(16), status="queued", progress=0.0, rows=0)
    session.add(job)
    session.flush()
    return job


def claim_next() -> int | None:
    return worker.claim(ExportJob)


def _finish(job_id: int, **values: Any) -> None:
    with db.separate_transaction() as apart:
        apart.execute(update(ExportJob).where(ExportJob.id == job_id,
                                              ExportJob.status == "running")
                      .values(finished_at=clock.now(), **values))


@contextmanager
def _signed_in_as(user: User, path: str, locale: str) -> Iterator[None]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.test_request_context(path, headers={"Cookie": f"lang={locale}"}):
        login_user(user)
        yield


def run(job_id: int) -> None:
    """Write a claimed job's file: done with its name and rows, or failed with a reason;
    never leaves it running."""
    sweep()
    session = db.session()
    job = session.get(ExportJob, job_id)
    assert job is not None
    user = session.get(User, job.actor_id)
    if user is None or not user.active:
        _finish(job_id, status="failed", error="export_actor_gone")
        return
    target = file_of(job)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("wb") as out, _signed_in_as(user, job.path, job.locale):
            written = Sink(job_id, out)
            g.export_sink = written
            answer = replay()
            db.discard_writes()  # an export reads; nothing it did is kept
        if answer.status_code != 200 or not written.kind:
            raise RuntimeError(f"export answered {answer.status_code}")
    except Exception:  # an error of ours (or the page is gone): the job says failed
        current_app.logger.exception("export %s failed", job_id)
        target.unlink(missing_ok=True)
        db.discard_writes()
        _finish(job_id, status="failed", error="export_failed")
        return
    _finish(job_id, status="done", progress=1.0, filename=written.filename,
            kind=written.kind, rows=written.rows)


def replay() -> Any:
    """Answer the current (worker's) request with the page's own view, its decorators
    included: the role check sees the signed-in supervisor, the scope is theirs."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if request.url_rule is None:
        raise RuntimeError("no page at this address")
    view = app.view_functions[request.url_rule.endpoint]
    return app.make_response(view(**(request.view_args or {})))


def owned(session: Session, job_id: int, actor_id: int) -> ExportJob | None:
    job = session.get(ExportJob, job_id)
    return job if job is not None and job.actor_id == actor_id else None


def downloadable(job: ExportJob) -> bool:
    return (job.status == "done" and job.finished_at is not None
            and clock.now() - job.finished_at < KEEP_FOR and file_of(job).exists())


def sweep() -> int:
    """Delete the files written longer ago than KEEP_FOR (the jobs' rows stay)."""
    folder = export_dir()
    if not folder.is_dir():
        return 0
    oldest = time.time() - KEEP_FOR.total_seconds()
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < oldest:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
