"""The jobs the scheduler runs, each a function that does its own transactions (through
db.command_transaction) and returns a line saying what it did."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from checkin import db
from checkin.domain.reporting import week_of
from checkin.models import Area
from checkin.ops import delivery, integrity, retention
from checkin.photos.stores import photo_store
from checkin.platform import clock
from checkin.services.notify import digests, events
from checkin.services.people import signin_sessions
from checkin.settings import policy

Every = Literal["minute", "day", "week"]


@dataclass(frozen=True)
class Job:
    name: str
    every: Every
    run: Callable[[], str]
    # The setting naming the local hour this job waits for; JOBS_DAILY_HOUR when None.
    hour_setting: str | None = None


def leave_returns() -> str:
    with db.command_transaction() as session:
        made = events.leave_returns(session, clock.today(), policy())
    return f"{made} notification(s)"


def silent_cadres() -> str:
    with db.command_transaction() as session:
        made = events.silent_cadres(session, clock.today(), policy())
    return f"{made} notification(s)"


def overdue_digest() -> str:
    with db.command_transaction() as session:
        made = digests.overdue_households(session, clock.today(), policy())
    return f"{made} digest(s)"


def supervisor_daily() -> str:
    with db.command_transaction() as session:
        made = digests.supervisor_daily(session, clock.today())
    return f"{made} digest(s)"


def supervisor_weekly() -> str:
    with db.command_transaction() as session:
        made = digests.supervisor_weekly(session, clock.today())
    return f"{made} digest(s)"


def spotcheck_draws() -> str:
    """The weekly draw of each area named in SPOTCHECK_DRAW_AREAS (the same service as
    `flask spotcheck-draw`); an area already drawn this week keeps its batch."""
    from checkin.services.spotchecks import weekly_draw

    codes = [c.strip() for c in current_app.config.get("SPOTCHECK_DRAW_AREAS", "").split(",")
             if c.strip()]
    if not codes:
        return "no areas configured (SPOTCHECK_DRAW_AREAS)"
    week = week_of(clock.today())
    settings = weekly_draw.settings_from(current_app.config, policy())
    done = []
    for code in codes:
        with db.command_transaction() as session:
            area = session.scalars(select(Area).where(Area.code == code)).first()
            if area is None:
                done.append(f"{code}: unknown area")
                continue
            try:
                with db.savepoint():
                    batch, created = weekly_draw.draw(session, area, week, settings,
                                                      actor_id=None)
                done.append(f"{code}: {'drew' if created else 'had'} batch {batch.id}")
            except IntegrityError:  # drawn at the same moment by hand
                done.append(f"{code}: drawn elsewhere")
    return "; ".join(done)


def orphan_sweep() -> str:
    with db.command_transaction() as session:
        report = integrity.remove_orphans(session, photo_store(), db.engine())
    return f"removed {report.removed} file(s)"


def retention_purge() -> str:
    if not current_app.config.get("JOBS_PURGE"):
        return "off (JOBS_PURGE): run by cron as the owner role"
    cutoff = retention.default_cutoff(int(current_app.config["RETENTION_DAYS"]))
    with db.command_transaction() as session:
        report = retention.purge(session, cutoff)
    retention.delete_files(photo_store(), report, db.engine())  # once the purge is committed
    return (f"before {cutoff.isoformat()}: {report.photos} photos, {report.visits} visits, "
            f"{report.checkins} check-ins, {report.files_deleted} files deleted")


def session_sweep() -> str:
    hours = max(int(current_app.config["SESSION_MAX_HOURS"]),
                int(current_app.config["CADRE_SESSION_MAX_HOURS"]))
    with db.command_transaction() as session:
        removed = signin_sessions.sweep(session, timedelta(hours=hours))
    return f"{removed} old session row(s) removed"


def deliver() -> str:
    return str(delivery.deliver_all())


# In this order: the events of a run are delivered by the same run.
JOBS: tuple[Job, ...] = (
    Job("spotcheck_draw", "week", spotcheck_draws),
    Job("leave_returns", "day", leave_returns),
    Job("silent_cadres", "day", silent_cadres),
    Job("overdue_digest", "week", overdue_digest),
    Job("supervisor_daily", "day", supervisor_daily, "DIGEST_DAILY_HOUR"),
    Job("supervisor_weekly", "week", supervisor_weekly, "DIGEST_WEEKLY_HOUR"),
    Job("orphan_sweep", "day", orphan_sweep),
    Job("retention_purge", "day", retention_purge),
    Job("session_sweep", "day", session_sweep),
    Job("deliver", "minute", deliver),
)
