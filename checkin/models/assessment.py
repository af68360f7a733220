"""The county's annual assessment decisions (年度考核等次) and the township's opinions
(乡镇党委意见) before them, both insert-only."""

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
from checkin.models.area import Area
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


class TownshipOpinion(Base):
    """One version of the township party committee's opinion on a cadre's year: the text
    and a suggested grade (or none). Writing again is a new row (sequence + 1) pointing at
    the one it supersedes; the latest stands. The township is kept as it was when written
    (a cadre may later move)."""

    __tablename__ = "township_opinions"
    __table_args__ = (
        UniqueConstraint("user_id", "year", "sequence"),
        CheckConstraint(f"suggested_grade IS NULL OR suggested_grade {GRADE_CHECK}",
                        name="suggested_grade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("township_opinions.id"))
    township_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    text: Mapped[str] = mapped_column(Text)
    suggested_grade: Mapped[str | None] = mapped_column(String(16))
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    written_by: Mapped[User] = relationship(foreign_keys=[written_by_id])
    township: Mapped[Area] = relationship()
