"""Households from the poverty register, each with one responsible helper (帮扶责任人)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import Village
from checkin.models.types import SealedString
from checkin.models.user import User, index_changed_phone, index_phone

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
    # Sealed at rest with FIELD_KEY (models/types.SealedString); its keyed blind index
    # finds a number once the column holds only ciphertext (None without a key).
    phone: Mapped[str | None] = mapped_column(SealedString(128, "households.phone"))
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
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
    # The last visit in person and the last contact before go-live, from the roster (the
    # county's own register): the cadence runs from them until a record is newer.
    visited_before: Mapped[date | None] = mapped_column(Date)
    contacted_before: Mapped[date | None] = mapped_column(Date)

    village: Mapped[Village] = relationship()
    helper: Mapped[User] = relationship()


event.listen(Household, "before_insert", index_phone)
event.listen(Household, "before_update", index_changed_phone)
