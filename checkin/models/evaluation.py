"""季众评, the quarterly public evaluation: the households' links (one live per household and
quarter: the newest), their answers (one per household and quarter) and the ratings of the
team's cadres in each answer. Answers and ratings are insert-only (0026 triggers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import Village
from checkin.models.household import Household
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User

EVALUATION_CHANNELS = ("qr", "call")
EVALUATION_RATINGS = ("satisfied", "basic", "unsatisfied")


class EvaluationLink(Base):
    """A household's link for a quarter; only the SHA-256 of its token is kept (the token is
    printed once, on the sheet). Printing a new sheet makes newer links: only the newest of
    a household and quarter opens the form."""

    __tablename__ = "evaluation_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    household: Mapped[Household] = relationship()


class EvaluationAnswer(Base):
    """One household's answer for one quarter: the team's rating, a remark, how it came
    (its link, or a call and who entered it) and what the flags are judged on."""

    __tablename__ = "evaluation_answers"
    __table_args__ = (
        UniqueConstraint("household_id", "quarter",
                         name="uq_evaluation_answers_household_quarter"),
        CheckConstraint("channel IN ('qr','call')", name="channel"),
        CheckConstraint("team_rating IN ('satisfied','basic','unsatisfied')",
                        name="team_rating"),
        CheckConstraint("(channel = 'qr' AND link_id IS NOT NULL) OR "
                        "(channel = 'call' AND entered_by_id IS NOT NULL)", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))
    channel: Mapped[str] = mapped_column(String(8))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_links.id"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    team_rating: Mapped[str] = mapped_column(String(16))
    remark: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # HMAC of the network (/24, IPv6 /48) and the browser: equal for one device, never
    # readable back into an address.
    device: Mapped[str] = mapped_column(String(64), default="")
    # Whoever was signed in on the device that answered (a cadre filling in forms).
    signed_in_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    household: Mapped[Household] = relationship()
    village: Mapped[Village] = relationship()
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    signed_in_user: Mapped[User | None] = relationship(foreign_keys=[signed_in_user_id])
    ratings: Mapped[list[EvaluationRating]] = relationship(back_populates="answer")


class EvaluationRating(Base):
    """Whether the household knows one cadre of the team and, if so, its rating."""

    __tablename__ = "evaluation_ratings"
    __table_args__ = (
        UniqueConstraint("answer_id", "cadre_id", name="uq_evaluation_ratings_answer_cadre"),
        CheckConstraint("rating IS NULL OR rating IN ('satisfied','basic','unsatisfied')",
                        name="rating"),
        CheckConstraint("knows OR rating IS NULL", name="known_rated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("evaluation_answers.id"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    knows: Mapped[bool] = mapped_column(Boolean)
    rating: Mapped[str | None] = mapped_column(String(16))

    answer: Mapped[EvaluationAnswer] = relationship(back_populates="ratings")
    cadre: Mapped[User] = relationship()
