"""The yearly pledge (年承诺) of a work team and its quarterly reports (季报告) with the
township's reviews; every row insert-only (a new version, never a change)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.org import Team
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User


class TeamPledge(Base):
    """One version of a team's pledge for a year: its commitments, in order."""

    __tablename__ = "team_pledges"
    __table_args__ = (UniqueConstraint("team_id", "year", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[str]] = mapped_column(JSON)
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship()
    written_by: Mapped[User] = relationship()


class QuarterReport(Base):
    """One version of a team's report on a quarter, against one version of its pledge;
    `request_id` is the id the phone made (a resend finds it)."""

    __tablename__ = "quarter_reports"
    __table_args__ = (UniqueConstraint("team_id", "year", "quarter", "version"),
                      CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("team_pledges.id"))
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text, default="")
    digest: Mapped[str] = mapped_column(String(64))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship()
    pledge: Mapped[TeamPledge] = relationship()
    submitted_by: Mapped[User] = relationship()
    review: Mapped[QuarterReportReview | None] = relationship(
        back_populates="report", uselist=False, viewonly=True)


class QuarterReportReview(Base):
    """The township's one review of one version: approved, or returned with a remark."""

    __tablename__ = "quarter_report_reviews"
    __table_args__ = (CheckConstraint("decision IN ('approve','return')", name="decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("quarter_reports.id"), unique=True)
    decision: Mapped[str] = mapped_column(String(8))
    remark: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[QuarterReport] = relationship(back_populates="review")
    reviewed_by: Mapped[User] = relationship()
