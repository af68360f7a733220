"""Recall and rotation (召回、轮换): a township's request that a cadre leave a post, with
the replacement, and the county's decision. Both are insert-only records; the approval
sets the term dates on the two people (audited)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import Village
from checkin.models.org import Team
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User

ROTATION_KINDS = ("recall", "rotation", "term_end")


class Rotation(Base):
    """A request that `cadre` leave the post after `leaves_on`; the names and the post are
    those of when it was asked."""

    __tablename__ = "rotations"
    __table_args__ = (
        CheckConstraint("kind IN ('recall','rotation','term_end')", name="kind"),
        CheckConstraint("(replacement_id IS NULL) = (starts_on IS NULL)", name="replacement"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    leaves_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    # Not empty when leaves_on is before requested_on (domain/rotation.is_backdated).
    backdate_reason: Mapped[str] = mapped_column(Text, default="")
    replacement_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cadre: Mapped[User] = relationship(foreign_keys=[cadre_id])
    replacement: Mapped[User | None] = relationship(foreign_keys=[replacement_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    team: Mapped[Team | None] = relationship()
    village: Mapped[Village] = relationship()
    decision: Mapped[RotationDecision | None] = relationship(
        back_populates="rotation", uselist=False)


class RotationDecision(Base):
    """The county's one decision on a request."""

    __tablename__ = "rotation_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    rotation_id: Mapped[int] = mapped_column(ForeignKey("rotations.id"), unique=True)
    approved: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rotation: Mapped[Rotation] = relationship(back_populates="decision")
    decided_by: Mapped[User] = relationship()
