"""Check-ins (evidence, insert-only), the per-cadre-day table kept on write, and leave."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User

LEAVE_STATUSES = ("pending", "approved", "rejected", "closed", "withdrawn")


class Checkin(Base):
    """One GPS check-in as the phone made it. Never updated or deleted."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_user_recorded", "user_id", "recorded_at"),
        # The API's list newest first by (recorded_at, id), keyset-paged (api/checkins.py).
        Index("ix_checkins_recorded", "recorded_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's UUID
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    local_day: Mapped[date] = mapped_column(Date)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    distance_m: Mapped[float] = mapped_column(Float)
    in_fence: Mapped[bool] = mapped_column(Boolean)
    counts_for_day: Mapped[bool] = mapped_column(Boolean)
    flags: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    # [{"code": ..., "params": {...}}]: the numbers behind each flag, for the sentences.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    queued: Mapped[bool] = mapped_column(Boolean, default=False)
    digest: Mapped[str] = mapped_column(String(64))  # of the phone's payload, for replays

    user: Mapped[User] = relationship()

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]


class AttendanceDay(Base):
    """A day on post of one cadre: written with the first counting check-in of that day.

    Keeping this on write turns the year ledger into an index range count instead of a
    COUNT(DISTINCT day) over millions of raw check-ins.
    """

    __tablename__ = "attendance_days"
    __table_args__ = (
        Index("ix_attendance_days_village_day", "village_id", "day"),
        # The few days made by a make-up (ledger.makeup_days), apart from the millions
        # made by check-ins: a province's month grid read every day of the month for them.
        Index("ix_attendance_days_makeup", "correction_id",
              sqlite_where=text("correction_id IS NOT NULL"),
              postgresql_where=text("correction_id IS NOT NULL")),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    # The day's first counting check-in, or else the approved make-up that made it.
    first_checkin_id: Mapped[str | None] = mapped_column(ForeignKey("checkins.id"))
    correction_id: Mapped[str | None] = mapped_column(
        ForeignKey("attendance_corrections.id"))


class AttendanceYear(Base):
    """One cadre's days on post in one year as twelve bitmasks, one per month.

    Bit d-1 of `mNN` is set when day d of month NN is a day on post. The database keeps it
    in step with attendance_days by triggers (migration 0004), whoever writes the days; a
    setting is idempotent and commutative, so concurrent writers need no ordering. A
    ledger reads one row per cadre and counts any range of days with a popcount, whatever
    the term, the forecast window or the leave that crosses it.
    """

    __tablename__ = "attendance_years"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    m01: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m02: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m03: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m04: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m05: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m06: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m07: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m08: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m09: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m10: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m11: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    m12: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Leave(Base):
    """A leave request (请假) and its life: decision, return (销假)."""

    __tablename__ = "leaves"
    __table_args__ = (Index("ix_leaves_user_start", "user_id", "start_date"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    approver_level: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    digest: Mapped[str] = mapped_column(String(64))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    returned_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The id the phone made for its 销假: sent again (the outbox), it answers the closed leave.
    return_request_id: Mapped[str | None] = mapped_column(String(36), unique=True, index=True)
    # Marks a supervisor sees in the register (kept from the moment they were true):
    # asked on or after its first day; approved after its first day (事后补批); closed
    # (销假) with a return date further back than the policy's tolerance.
    same_day: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    approved_after_start: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    return_backdated: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AttendanceCorrection(Base):
    """A make-up request (补卡) for a day: evidence, never updated or deleted."""

    __tablename__ = "attendance_corrections"
    __table_args__ = (Index("ix_attendance_corrections_user_day", "user_id", "day"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's UUID
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    digest: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship()
    decision: Mapped[CorrectionDecision | None] = relationship(
        lazy="joined", viewonly=True, uselist=False)

    @property
    def status(self) -> str:
        if self.decision is None:
            return "pending"
        return "approved" if self.decision.approve else "rejected"


class CorrectionDecision(Base):
    """The township's decision on a make-up: a second record, one per request, never
    changed (its key is the request's id, so the database refuses a second one)."""

    __tablename__ = "attendance_correction_decisions"

    correction_id: Mapped[str] = mapped_column(
        ForeignKey("attendance_corrections.id"), primary_key=True)
    approve: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User] = relationship()


class OpeningBalance(Base):
    """A cadre's days of one year before go-live (开账前天数), set by an admin (page or
    roster import): the records count from `go_live` on, these numbers for the days
    before. A setting, not evidence: every change is in the audit log, before and after,
    and the cadre's file shows who set it and when."""

    __tablename__ = "opening_balances"
    __table_args__ = (UniqueConstraint("user_id", "year", name="uq_opening_balances_user_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    year: Mapped[int] = mapped_column(Integer)
    go_live: Mapped[date] = mapped_column(Date)
    on_post_days: Mapped[int] = mapped_column(Integer, default=0)
    official_days: Mapped[int] = mapped_column(Integer, default=0)
    training_days: Mapped[int] = mapped_column(Integer, default=0)
    leave_days: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    set_by: Mapped[User | None] = relationship(foreign_keys=[set_by_id])
