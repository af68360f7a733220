"""Duties over several villages (巡村: 党建特派员, 管区书记) and their check-ins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import PathString, Village
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User

ROUND_KINDS = ("envoy", "district_secretary")


class RoundDuty(Base):
    """One person's duty over a set of villages (domain/rounds.py), set by an admin. A
    setting, not evidence: assigning and ending it are in the audit log; it is ended (an
    end date), never deleted, so its past months stay as they were judged."""

    __tablename__ = "round_duties"
    __table_args__ = (
        CheckConstraint("kind IN ('envoy','district_secretary')", name="kind"),
        CheckConstraint("kind <> 'district_secretary' OR weekday IS NOT NULL",
                        name="district_weekday"),
        CheckConstraint("weekday IS NULL OR (weekday >= 0 AND weekday <= 6)", name="weekday"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    # The district secretary's fixed day on site: 0 Monday … 6 Sunday.
    weekday: Mapped[int | None] = mapped_column(Integer)
    # The township the villages are in (a district is part of one), for jurisdiction.
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    area_path: Mapped[str] = mapped_column(PathString, index=True)
    title: Mapped[str] = mapped_column(String(100), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    villages: Mapped[list[Village]] = relationship(
        secondary="round_duty_villages", order_by="Village.code")


class RoundDutyVillage(Base):
    __tablename__ = "round_duty_villages"

    duty_id: Mapped[int] = mapped_column(ForeignKey("round_duties.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True,
                                            index=True)


class RoundCheckin(Base):
    """A check-in of a duty holder in one of their villages, as the phone made it: judged
    as a resident cadre's check-in is, but never a day on post in the 200-day ledger.
    Never updated or deleted."""

    __tablename__ = "round_checkins"
    __table_args__ = (Index("ix_round_checkins_user_day", "user_id", "local_day"),
                      Index("ix_round_checkins_village_day", "village_id", "local_day"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's UUID
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    local_day: Mapped[date] = mapped_column(Date)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    distance_m: Mapped[float] = mapped_column(Float)
    in_fence: Mapped[bool] = mapped_column(Boolean)
    counts: Mapped[bool] = mapped_column(Boolean)
    flags: Mapped[str] = mapped_column(String(200), default="")
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    queued: Mapped[bool] = mapped_column(Boolean, default=False)
    digest: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship()
    village: Mapped[Village] = relationship()

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]
