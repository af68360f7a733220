"""A roster import run as a background job: its files, status, progress and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from checkin.db import Base
from checkin.models.types import UTCDateTime, utcnow

IMPORT_STATUSES = ("queued", "running", "done", "failed")


class RosterImport(Base):
    """One import (or preview, `dry_run`) of one or more roster files. A worker claims a
    queued one with an atomic UPDATE; the import itself is one transaction, and the row
    turns `done` in that same transaction. `result` holds the counts, problems (as codes
    and params, worded in the reader's language when read), notes and changes;
    `credentials` the new accounts' initial passwords until the admin downloads them once."""

    __tablename__ = "roster_imports"
    __table_args__ = (Index("ix_roster_imports_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    credentials: Mapped[list[list[str]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RosterImportFile(Base):
    """A file of an import, kept until the import is done."""

    __tablename__ = "roster_import_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("roster_imports.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
