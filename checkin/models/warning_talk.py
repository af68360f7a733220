"""Warning talks (约谈): a satisfaction warning in a published bulletin makes one, addressed
to the team's sending unit (its head, 一把手) and the person directly responsible (the
team's first secretary), open until a supervisor records that it was held."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import Village
from checkin.models.org import Team
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User


class WarningTalk(Base):
    """One team's warning talk for one month; the names are those of when it was raised.
    Recorded once (held_on, held_with, note, recorded_by, recorded_at), audited."""

    __tablename__ = "warning_talks"
    __table_args__ = (UniqueConstraint("team_id", "month", name="uq_warning_talks_team_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    publication_id: Mapped[int] = mapped_column(ForeignKey("bulletin_publications.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("sending_units.id"))
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    responsible_name: Mapped[str] = mapped_column(String(100), default="")
    answers: Mapped[int] = mapped_column(Integer)
    satisfaction: Mapped[float] = mapped_column(Float)  # 0..1
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    held_on: Mapped[date | None] = mapped_column(Date)
    held_with: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship()
    village: Mapped[Village] = relationship()
    responsible: Mapped[User | None] = relationship(foreign_keys=[responsible_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
