"""Published monthly bulletins: the snapshot a county circulated, insert-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import Area
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User

_FIRST = text("supersedes_id IS NULL")


class BulletinPublication(Base):
    """One publication of an area's month: the computed bulletin as JSON (`content`) and
    the SHA-256 of its canonical text. Never updated or deleted (database triggers); a
    correction is a new row whose `supersedes_id` names the one it replaces. The database
    holds one first publication per area and month and one correction per publication, so
    two publishers at once cannot both succeed."""

    __tablename__ = "bulletin_publications"
    __table_args__ = (
        Index("uq_bulletin_publications_first", "area_id", "month", unique=True,
              sqlite_where=_FIRST, postgresql_where=_FIRST),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    month: Mapped[str] = mapped_column(String(7))  # "2026-10"
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("bulletin_publications.id"), unique=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")

    area: Mapped[Area] = relationship()
    published_by: Mapped[User] = relationship()
