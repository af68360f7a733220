"""Trainings (业务培训) and the quarterly meetings with first secretaries that a township or
county organises: who must attend (resolved when the session is made) and who was there.
The invitation list and the attendance are insert-only: a later roster change or an
organiser's second thoughts never rewrite who was asked and who came."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import Area, PathString
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User

TRAINING_KINDS = ("training", "meeting")
AUDIENCES = ("all", "first_secretaries", "list")
ATTENDANCE_METHODS = ("qr", "organiser")


class Training(Base):
    __tablename__ = "trainings"
    __table_args__ = (
        CheckConstraint("kind IN ('training','meeting')", name="kind"),
        CheckConstraint("audience IN ('all','first_secretaries','list')", name="audience"),
        CheckConstraint("last_day >= first_day", name="days"),
        CheckConstraint("ends_at > starts_at", name="hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    # The organising area (a township or county) and a copy of its path for scoping.
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    area_path: Mapped[str] = mapped_column(PathString, index=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    first_day: Mapped[date] = mapped_column(Date, index=True)
    last_day: Mapped[date] = mapped_column(Date)
    # The hours of each day, local time: a sign-in outside them does not count.
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)  # WGS-84, converted from what was typed
    lon: Mapped[float] = mapped_column(Float)
    coord_source: Mapped[str] = mapped_column(String(16), default="wgs84")
    radius_m: Mapped[float] = mapped_column(Float)
    audience: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    area: Mapped[Area] = relationship()
    organiser: Mapped[User] = relationship()

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


class TrainingInvitee(Base):
    """One person who must attend, as resolved when the session was made."""

    __tablename__ = "training_invitees"
    __table_args__ = (UniqueConstraint("training_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)  # as it was then

    user: Mapped[User] = relationship()


class TrainingAttendance(Base):
    """A sign-in at the venue (QR, with the fix and time) or the organiser marking someone
    present (with a reason, by whom). One counting record per person and day at most."""

    __tablename__ = "training_attendance"
    __table_args__ = (
        CheckConstraint("method IN ('qr','organiser')", name="method"),
        CheckConstraint("method <> 'organiser' OR marked_by_id IS NOT NULL", name="marked_by"),
        Index("uq_training_attendance_counted", "training_id", "user_id", "day", unique=True,
              sqlite_where=text("counts"), postgresql_where=text("counts")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's id, or ours
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16))
    counts: Mapped[bool] = mapped_column(Boolean)
    flags: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    marked_by: Mapped[User | None] = relationship(foreign_keys=[marked_by_id])

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]
