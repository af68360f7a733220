"""Team reports: the weekly summary (周小结) and monthly report (月报表) of a work team."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.org import Team
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User

REPORT_KINDS = ("weekly", "monthly")
REPORT_STATUSES = ("draft", "final")


class TeamReport(Base):
    """The team leader's remarks on a period; the figures are drafted from the records
    and frozen into `figures` when the report is finalised. A final report never changes."""

    __tablename__ = "team_reports"
    __table_args__ = (
        UniqueConstraint("team_id", "period"),
        CheckConstraint("kind IN ('weekly','monthly')", name="kind"),
        CheckConstraint("status IN ('draft','final')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    period: Mapped[str] = mapped_column(String(8))  # "2026-W47" or "2026-11"
    kind: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(8), default="draft")
    remarks: Mapped[str] = mapped_column(Text, default="")
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    team: Mapped[Team] = relationship()
    finalised_by: Mapped[User | None] = relationship(foreign_keys=[finalised_by_id])


class TeamReportRemarks(Base):
    """One save of a report's remarks, under the id the phone made for it: a resend (the
    outbox, a lost answer) finds it and changes nothing, so an old resend never overwrites
    remarks saved after it."""

    __tablename__ = "team_report_remarks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("team_reports.id"), index=True)
    remarks: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    saved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
