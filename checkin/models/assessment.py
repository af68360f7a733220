"""The county's annual assessment decisions (年度考核等次), insert-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User

GRADE_CHECK = "IN ('excellent','competent','basic','incompetent')"


class AssessmentDecision(Base):
    """One grade the county gave a cadre for a year, with the rules' ceiling and flags as
    they stood then. A change is a new row (sequence + 1) pointing at the one it replaces;
    the unique key refuses two decisions made at once on the same one."""

    __tablename__ = "assessment_decisions"
    __table_args__ = (
        UniqueConstraint("user_id", "year", "sequence"),
        CheckConstraint(f"grade {GRADE_CHECK}", name="grade"),
        CheckConstraint(f"ceiling {GRADE_CHECK}", name="ceiling"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_decisions.id"))
    grade: Mapped[str] = mapped_column(String(16))
    ceiling: Mapped[str] = mapped_column(String(16))
    above_ceiling: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User] = relationship(foreign_keys=[decided_by_id])
