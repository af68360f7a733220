"""A large export run as a background job: who asked, the page's address, progress, the file."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from checkin.db import Base
from checkin.models.types import UTCDateTime, utcnow

EXPORT_STATUSES = ("queued", "running", "done", "failed")


class ExportJob(Base):
    """An export too large to write inside a request (a province's month grid, a county's
    year of visits). `path` is the export's address with its query string, as the
    supervisor asked for it: the worker answers it again as that supervisor, so the file
    holds what the page's filters and the supervisor's jurisdiction select, nothing else.
    The file lives in EXPORT_DIR under the job's id and `token` (unguessable), and only
    the supervisor who asked may download it."""

    __tablename__ = "export_jobs"
    __table_args__ = (Index("ix_export_jobs_status", "status", "id"),
                      Index("ix_export_jobs_actor", "actor_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    path: Mapped[str] = mapped_column(String(2000))
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    token: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str | None] = mapped_column(String(8))
    error: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
