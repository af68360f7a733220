"""Roster imports as background jobs: queued by a request, claimed by a worker with an
atomic UPDATE, run in one transaction (all or nothing), polled for progress.

Phases and progress: reading 0-0.05, checking 0.05-0.1, hashing the new accounts'
passwords 0.1-0.9 (a process pool, outside the import's transaction, so progress is seen
on SQLite too), applying 0.9-1.0. A preview (`dry_run`) applies and rolls back, keeping
every change field by field."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from checkin import db, refusals
from checkin.domain.refusal import Problem, Refusal
from checkin.models import RosterImport, RosterImportFile
from checkin.platform import audit, clock
from checkin.platform import hashing as password_hashing
from checkin.roster.read import Limits, read_rosters
from checkin.services import notify, worker
from checkin.services.people.roster_import import (
    apply_roster,
    check_roster,
    initial_passwords,
)
from checkin.settings import policy

MAX_CHANGES = 5000  # a preview lists this many changes, and says how many there are


def enqueue(session: Session, actor_id: int, files: list[tuple[str, bytes]],
            dry_run: bool) -> RosterImport:
    job = RosterImport(actor_id=actor_id, dry_run=dry_run, status="queued", progress=0.0)
    session.add(job)
    session.flush()
    for name, data in files:
        session.add(RosterImportFile(import_id=job.id, name=name[:255], data=data))
    session.flush()
    return job


def confirm(session: Session, preview: RosterImport, actor_id: int) -> RosterImport:
    """The import of what a finished preview showed: the same files, for real."""
    files = [(f.name, f.data) for f in session.scalars(
        select(RosterImportFile).where(RosterImportFile.import_id == preview.id)
        .order_by(RosterImportFile.id))]
    return enqueue(session, actor_id, files, dry_run=False)


def claim_next() -> int | None:
    return worker.claim(RosterImport)


def _progress(job_id: int, value: float) -> None:
    with db.separate_transaction() as apart:
        apart.execute(update(RosterImport).where(RosterImport.id == job_id)
                      .values(progress=round(value, 3), heartbeat_at=clock.now()))


def _problem(problem: Problem) -> dict[str, Any]:
    return asdict(problem)


def _finish_apart(job_id: int, status: str, result: dict[str, Any]) -> None:
    with db.separate_transaction() as apart:
        # Only a job still running: one that another worker finished stays as it ended.
        ended = apart.execute(update(RosterImport)
                              .where(RosterImport.id == job_id,
                                     RosterImport.status == "running")
                              .values(status=status, progress=1.0, result=result,
                                      finished_at=clock.now()))
        if getattr(ended, "rowcount", 0) == 1:  # this worker ended it: tell who started it
            job = apart.get(RosterImport, job_id)
            assert job is not None
            notify.import_finished(apart, job)


def run(job_id: int) -> None:
    """Run a claimed job to its end: done (imported, or a preview), or failed (problems,
    or an error); never leaves it running."""
    try:
        _run(job_id)
    except Refusal as exc:
        _finish_apart(job_id, "failed", {"problems": [_problem(p) for p in exc.problems]
                                         or [_problem(Problem(exc.code, params=exc.params))]})
    except Exception:  # an error of ours: the job says failed, the log says why
        current_app.logger.exception("roster import %s failed", job_id)
        _finish_apart(job_id, "failed", {"problems": [_problem(Problem("job_error"))]})


def _run(job_id: int) -> None:
    limits = Limits(max_bytes=current_app.config["ROSTER_MAX_BYTES"],
                    max_rows=current_app.config["ROSTER_MAX_ROWS"])
    session = db.session()
    job = session.get(RosterImport, job_id)
    assert job is not None
    dry_run, actor_id = job.dry_run, job.actor_id
    files = [(f.name, f.data) for f in session.scalars(
        select(RosterImportFile).where(RosterImportFile.import_id == job_id)
        .order_by(RosterImportFile.id))]
    db.end_reading()
    sheets, found = read_rosters(files, limits)
    del files
    _progress(job_id, 0.05)
    checked = check_roster(session, sheets, found)
    _progress(job_id, 0.1)
    passwords = None
    if not dry_run:
        method = password_hashing.method_in_use()
        new = checked.new_usernames()
        passwords = initial_passwords(
            new, lambda done, total: _progress(job_id, 0.1 + 0.8 * done / total), method)
        # The pool's minutes held no transaction; what was read is read again to apply.
        db.end_reading()
        checked = check_roster(session, sheets, found)
    _progress(job_id, 0.9)
    with db.command_transaction(keep=not dry_run):
        result = apply_roster(session, checked, actor_id=actor_id, passwords=passwords,
                              policy=policy(), dry_run=dry_run)
        answer = {"created": result.created, "updated": result.updated,
                  "unchanged": result.unchanged, "problems": [],
                  "notes": [_problem(n) for n in result.notes],
                  "warnings": [_problem(n) for n in result.warnings],
                  "changes": result.changes[:MAX_CHANGES],
                  "changes_total": len(result.changes),
                  "new_accounts": len(result.new_accounts)}
        if dry_run:
            pass  # rolled back; the answer is written apart below
        else:
            names = {row["username"]: (row["name"], row.get("phone") or "")
                     for kind in ("cadres", "supervisors")
                     for _, row in checked.rows.get(kind)}
            job = session.get(RosterImport, job_id)
            assert job is not None
            job.status, job.progress, job.result = "done", 1.0, answer
            job.finished_at = clock.now()
            job.credentials = [[*names.get(u, ("", "")), u, p]
                               for u, p in result.new_accounts]
            for stored in session.scalars(select(RosterImportFile)
                                          .where(RosterImportFile.import_id == job_id)):
                session.delete(stored)
            audit.record(session, actor_id=actor_id, action="roster.import",
                         entity="roster_import", entity_id=job_id)
            notify.import_finished(session, job)
    if dry_run:
        _finish_apart(job_id, "done", answer)


def describe(job: RosterImport) -> dict[str, Any]:
    """The job as the API answers it, problems worded in the reader's language."""
    result = job.result or {}

    def worded(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            problem = Problem(**item)
            out.append({"sheet": problem.sheet, "row": problem.row, "column": problem.column,
                        "letter": problem.letter, "code": problem.code,
                        "message": refusals.problem_text(problem)})
        return out

    return {"id": job.id, "status": job.status, "dry_run": job.dry_run,
            "progress": job.progress,
            "created": result.get("created", {}), "updated": result.get("updated", {}),
            "unchanged": result.get("unchanged", {}),
            "problems": worded(result.get("problems", [])),
            "notes": worded(result.get("notes", [])),
            "warnings": worded(result.get("warnings", [])),
            "changes": result.get("changes", []),
            "changes_total": result.get("changes_total", 0),
            "new_accounts": result.get("new_accounts", 0),
            "credentials_available": job.credentials is not None and bool(job.credentials)}
