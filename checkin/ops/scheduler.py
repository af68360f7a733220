"""The scheduler: `flask run-jobs`, run every minute by cron or a systemd timer on any
number of hosts, runs each due job at most once per period.

Two guards: a job is held by one host at a time (PostgreSQL: `pg_try_advisory_lock` on a
connection of its own; SQLite: a row of job_locks moved forward by a conditional UPDATE),
and each (job, period) is claimed by inserting its job_runs row, unique on both, so a job
that ran this period does not run again whoever comes next. A run that failed may be
claimed again in the same period (at most MAX_ATTEMPTS times); every run's outcome stays
in job_runs.
"""

from __future__ import annotations

import logging
import socket
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, text, update

from checkin import db
from checkin.models import JobLock, JobRun
from checkin.ops.jobs import JOBS, Job
from checkin.platform import clock
from checkin.services.notify.inbox import insert_ignoring_duplicates

log = logging.getLogger("checkin.jobs")
MAX_ATTEMPTS = 3
LOCK_S = 1800.0  # a host that died holding a SQLite lock lets it go after this
STALE_RUN = timedelta(hours=1)  # a run still "running" after this crashed
ADVISORY_NAMESPACE = 0x636B  # "ck": keeps our advisory keys apart from others'


def host_name() -> str:
    import os

    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def period_of(job: Job, now: datetime, daily_hour: int) -> str | None:
    """The period `now` falls in, or None when the job is not due yet (daily and weekly
    jobs wait for `daily_hour`, local time; weekly ones run from Monday)."""
    local = now.astimezone(clock.zone())
    if job.every == "minute":
        return local.strftime("%Y-%m-%dT%H:%M")
    if local.hour < daily_hour:
        return None
    if job.every == "day":
        return local.date().isoformat()
    year, week, _ = local.date().isocalendar()
    return f"{year}-W{week:02d}"


def advisory_key(job: str) -> int:
    return (ADVISORY_NAMESPACE << 32) | zlib.crc32(job.encode())


@contextmanager
def held(job: str, holder: str) -> Iterator[bool]:
    """True inside when this host holds `job`; False when another host does."""
    engine = db.engine()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            key = advisory_key(job)
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
            try:
                yield got
            finally:
                if got:
                    conn.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        return
    got = _take_row_lock(job, holder)
    try:
        yield got
    finally:
        if got:
            with db.command_transaction() as session:
                session.execute(update(JobLock).where(
                    JobLock.job == job, JobLock.holder == holder)
                    .values(locked_until=clock.now() - timedelta(seconds=1)))


def _take_row_lock(job: str, holder: str) -> bool:
    now = clock.now()
    with db.command_transaction() as session:
        insert_ignoring_duplicates(session, JobLock.__table__, [
            {"job": job, "holder": "", "locked_until": now - timedelta(seconds=1)}],
            JobLock.job)
        taken = session.execute(update(JobLock).where(
            JobLock.job == job, JobLock.locked_until < now)
            .values(holder=holder, locked_until=now + timedelta(seconds=LOCK_S)))
        return bool(getattr(taken, "rowcount", 0))


def claim(job: str, period: str, holder: str) -> int | None:
    """The job_runs row of this run, or None when the period's run is done or under way."""
    now = clock.now()
    with db.command_transaction() as session:
        new = insert_ignoring_duplicates(session, JobRun.__table__, [
            {"job": job, "period": period, "host": holder, "attempts": 1, "started_at": now,
             "outcome": "running", "detail": ""}], JobRun.id)
        if new:
            return int(new[0][0])
        again = session.scalars(update(JobRun).where(
            JobRun.job == job, JobRun.period == period, JobRun.attempts < MAX_ATTEMPTS,
            or_(JobRun.outcome == "error",
                (JobRun.outcome == "running") & (JobRun.started_at < now - STALE_RUN)))
            .values(outcome="running", host=holder, started_at=now, finished_at=None,
                    attempts=JobRun.attempts + 1).returning(JobRun.id)).first()
        return again


def finish(run_id: int, outcome: str, detail: str) -> None:
    with db.command_transaction() as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        run.outcome, run.detail, run.finished_at = outcome, detail[:2000], clock.now()


@dataclass(frozen=True)
class Ran:
    job: str
    period: str
    outcome: str  # ok, error, or skipped (done already, or held by another host)
    detail: str


def run_due(jobs: Sequence[Job] = JOBS, holder: str | None = None) -> list[Ran]:
    """Run every job that is due now and not run this period by anyone."""
    holder = holder or host_name()
    daily_hour = int(current_app.config.get("JOBS_DAILY_HOUR", 0))
    ran: list[Ran] = []
    for job in jobs:
        hour = int(current_app.config.get(job.hour_setting, daily_hour)) \
            if job.hour_setting else daily_hour
        period = period_of(job, clock.now(), hour)
        if period is None:
            continue
        ran.append(run_one(job, period, holder))
    return ran


def run_one(job: Job, period: str, holder: str) -> Ran:
    with held(job.name, holder) as mine:
        if not mine:
            return Ran(job.name, period, "skipped", "held by another host")
        run_id = claim(job.name, period, holder)
        if run_id is None:
            return Ran(job.name, period, "skipped", "already run this period")
        try:
            detail, outcome = job.run(), "ok"
        except Exception as exc:  # a failed job is logged and retried; the others go on
            log.exception("job %s failed", job.name)
            detail, outcome = f"{type(exc).__name__}: {exc}", "error"
        finish(run_id, outcome, detail)
        return Ran(job.name, period, outcome, detail)
