"""Households from the poverty register, each with one responsible helper (帮扶责任人)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import Village
from checkin.models.user import User

HOUSEHOLD_STATUSES = ("poor", "lifted", "monitored", "other")


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (
        CheckConstraint("status IN ('poor','lifted','monitored','other')", name="status"),
        # The households list pages by village and register code (directory.household_page).
        Index("ix_households_village_code", "village_id", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    head_name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # The map the position was read from; lat/lon are always WGS-84 (domain/coordinates).
    coord_source: Mapped[str] = mapped_column(String(10), default="wgs84",
                                              server_default="wgs84")
    status: Mapped[str] = mapped_column(String(16), default="poor")
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # A position proposed by the first accurate visit, until a supervisor confirms it.
    proposed_lat: Mapped[float | None] = mapped_column(Float)
    proposed_lon: Mapped[float | None] = mapped_column(Float)
    proposed_by_visit_id: Mapped[str | None] = mapped_column(String(36))

    village: Mapped[Village] = relationship()
    helper: Mapped[User] = relationship()
