"""Households from the poverty register, each with one responsible helper (帮扶责任人)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import Village
from checkin.models.types import SealedString, UTCDateTime, utcnow
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
    # The resident cadre who has the household on their list (as before).
    helper_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The responsible helper when not a resident cadre (domain/helpers.py); and the day the
    # current helper's grace runs from (None: no change since the team's term began).
    outside_helper_id: Mapped[int | None] = mapped_column(ForeignKey("outside_helpers.id"))
    helper_grace_from: Mapped[date | None] = mapped_column(Date)
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
    outside_helper: Mapped[OutsideHelper | None] = relationship()


event.listen(Household, "before_insert", index_phone)
event.listen(Household, "before_update", index_changed_phone)


class OutsideHelper(Base):
    """A responsible helper (帮扶责任人) who does not live in the village: a unit employee,
    registered for one village. No account: never in a ledger, never on a check-in page."""

    __tablename__ = "outside_helpers"

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # Sealed at rest with FIELD_KEY, with its blind index (as households.phone).
    phone: Mapped[str] = mapped_column(SealedString(128, "outside_helpers.phone"), default="")
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


event.listen(OutsideHelper, "before_insert", index_phone)
event.listen(OutsideHelper, "before_update", index_changed_phone)


class HelperChange(Base):
    """One change of a household's helper (resident cadre or outside helper), with the day
    the new helper's grace runs from (domain/helpers.py). Insert-only."""

    __tablename__ = "helper_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    from_helper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    to_helper_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_outside_id: Mapped[int | None] = mapped_column(ForeignKey("outside_helpers.id"))
    to_outside_id: Mapped[int | None] = mapped_column(ForeignKey("outside_helpers.id"))
    grace_from: Mapped[date] = mapped_column(Date)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    to_helper: Mapped[User | None] = relationship(foreign_keys=[to_helper_id])
    to_outside: Mapped[OutsideHelper | None] = relationship(foreign_keys=[to_outside_id])
    changed_by: Mapped[User | None] = relationship(foreign_keys=[changed_by_id])


class HouseholdMove(Base):
    """A household's move to another village (易地扶贫搬迁, domain/moves.py): where from and
    to, the helpers before and after, the day, why and who; with the position it had in the
    old village (cleared on the household). Insert-only."""

    __tablename__ = "household_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    from_village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    to_village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    from_helper_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_helper_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    from_outside_id: Mapped[int | None] = mapped_column(ForeignKey("outside_helpers.id"))
    to_outside_id: Mapped[int | None] = mapped_column(ForeignKey("outside_helpers.id"))
    moved_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    from_lat: Mapped[float | None] = mapped_column(Float)
    from_lon: Mapped[float | None] = mapped_column(Float)
    from_coord_source: Mapped[str] = mapped_column(String(10), default="wgs84")
    # The address before the move (the household's address is replaced when one is given).
    from_address: Mapped[str] = mapped_column(String(200), default="")
    moved_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    from_village: Mapped[Village] = relationship(foreign_keys=[from_village_id])
    to_village: Mapped[Village] = relationship(foreign_keys=[to_village_id])
    from_helper: Mapped[User] = relationship(foreign_keys=[from_helper_id])
    to_helper: Mapped[User] = relationship(foreign_keys=[to_helper_id])
    to_outside: Mapped[OutsideHelper | None] = relationship(foreign_keys=[to_outside_id])
    moved_by: Mapped[User] = relationship(foreign_keys=[moved_by_id])
