"""The background worker: it runs the queued roster imports and large exports.

A job is a row (RosterImport, ExportJob) with a status, a progress and a heartbeat. A
worker takes one with an UPDATE that only one worker can win, so several web processes
(or `flask run-worker`) may poll the same tables; a running job whose worker stopped
beating for STALE_AFTER is taken again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select, update

from checkin import db
from checkin.platform import clock

STALE_AFTER = timedelta(minutes=30)


def claim(model: Any) -> int | None:
    """The id of a job of `model` this worker now runs, or None: a queued one (or one whose
    worker stopped beating), taken by an UPDATE that only one worker can win."""
    now = clock.now()
    stale = model.heartbeat_at < now - STALE_AFTER
    with db.separate_transaction() as apart:
        candidates = apart.scalars(
            select(model.id).where((model.status == "queued")
                                   | ((model.status == "running") & stale))
            .order_by(model.id).limit(5)).all()
        for job_id in candidates:
            won = apart.execute(
                update(model)
                .where(model.id == job_id, (model.status == "queued") | stale)
                .values(status="running", heartbeat_at=now, progress=0.0))
            if won.rowcount == 1:  # type: ignore[attr-defined]
                return int(job_id)
    return None


def _queues() -> tuple[tuple[Callable[[], int | None], Callable[[int], None]], ...]:
    """Each kind of job: how to claim one, how to run it. Imports first: an admin waits
    on the page for an import to go on."""
    from checkin.services.people import roster_jobs
    from checkin.services.reporting import export_jobs

    return ((roster_jobs.claim_next, roster_jobs.run),
            (export_jobs.claim_next, export_jobs.run))


# The worker: a daemon thread in the process that took the job (or `flask run-worker`).
_worker_lock = threading.Lock()
_worker: threading.Thread | None = None
IDLE_ROUNDS = 20  # half-second polls with nothing to do before the thread ends


def work(app: Flask, *, idle_rounds: int | None = IDLE_ROUNDS) -> None:
    """Claim and run jobs until none comes for `idle_rounds` polls (None: forever)."""
    idle = 0
    while idle_rounds is None or idle < idle_rounds:
        ran = False
        for claim_next, run in _queues():
            with app.app_context():
                job_id = claim_next()
                if job_id is not None:
                    run(job_id)
                    ran = True
                    break
        if ran:
            idle = 0
            continue
        idle += 1
        time.sleep(0.5)


def ensure_worker() -> None:
    """Start this process's worker thread unless it runs (BACKGROUND_WORKER=thread, the
    default; `external` when `flask run-worker` runs apart)."""
    global _worker
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("BACKGROUND_WORKER", "thread") != "thread":
        return
    with _worker_lock:
        if _worker is not None and _worker.is_alive():
            return
        _worker = threading.Thread(target=work, args=(app,), name="jobs", daemon=True)
        _worker.start()
