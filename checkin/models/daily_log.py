"""The daily log (日纪实): one entry per cadre per day, evidence (insert-only); an edit is a
new version naming the version it replaces."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User


class DailyLog(Base):
    """One version of a cadre's log of a day. Never updated or deleted: the day's first
    version replaces nothing (one per cadre and day, by a partial unique index), each later
    one replaces exactly one (a version is replaced at most once, by a unique key), so a
    day's versions are one chain and its newest is the log."""

    __tablename__ = "daily_logs"
    __table_args__ = (
        Index("ix_daily_logs_user_day", "user_id", "day"),
        Index("uq_daily_logs_first_of_day", "user_id", "day", unique=True,
              sqlite_where=text("supersedes_id IS NULL"),
              postgresql_where=text("supersedes_id IS NULL")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's UUID
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    supersedes_id: Mapped[str | None] = mapped_column(
        ForeignKey("daily_logs.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queued: Mapped[bool] = mapped_column(default=False)
    digest: Mapped[str] = mapped_column(String(64))  # of the phone's payload, for replays

    user: Mapped[User] = relationship()
