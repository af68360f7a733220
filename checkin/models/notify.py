"""Notifications (the in-app inbox), their deliveries on other channels (the outbox), and the
scheduler's record of job runs and locks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User

DELIVERY_STATUSES = ("pending", "sent", "failed")
JOB_OUTCOMES = ("running", "ok", "error")


class Notification(Base):
    """One message to one person. The text is not stored: it is rendered from `kind` and
    `params` in the reader's language when read. `event_key` names the event that caused it;
    (event_key, user_id) is unique, so an event noticed twice notifies once."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_key", "user_id", name="uq_notifications_event_key"),
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index("ix_notifications_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Delivery(Base):
    """A notification to send on one channel (e-mail, a group robot, a webhook). `dedupe_key`
    is unique: one delivery per (notification, channel) for personal channels, one per
    (event, channel) for a group robot, which every recipient of the event shares."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    dedupe_key: Mapped[str] = mapped_column(String(240), unique=True)
    target: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker that took the delivery holds it until then; a crashed worker's lease runs out.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification: Mapped[Notification] = relationship()


class JobRun(Base):
    """One run of a scheduled job for one period (a minute, a day, a week): claimed by
    inserting the row, so (job, period) runs once whichever host comes first."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(20))
    host: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(8), default="running")
    detail: Mapped[str] = mapped_column(Text, default="")


class JobLock(Base):
    """Where PostgreSQL's advisory locks are not to be had (SQLite): a job is held by the
    host that moved `locked_until` forward with a conditional UPDATE."""

    __tablename__ = "job_locks"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100), default="")
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime)
