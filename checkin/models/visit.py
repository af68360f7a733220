"""Household visits and contacts (evidence, insert-only), and their photos."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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
from checkin.models.area import Village
from checkin.models.household import Household
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User

VISIT_KINDS = ("visit", "contact")
PURPOSES = ("policy", "support", "care", "mediation", "other")


class Visit(Base):
    """A visit in person (在户走访) or a contact (电话或其他联系). Never updated or deleted:
    a correction is a new visit whose `corrects_id` points at the old one."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_household_day", "household_id", "local_day"),
        Index("ix_visits_user_recorded", "user_id", "recorded_at"),
        Index("ix_visits_village_day", "village_id", "local_day"),
        # Supervisors' list pages newest first by (recorded_at, id) (views.visit_page).
        Index("ix_visits_recorded", "recorded_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the phone's UUID
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    kind: Mapped[str] = mapped_column(String(16))
    purposes: Mapped[str] = mapped_column(String(100), default="")  # comma-separated
    note: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    local_day: Mapped[date] = mapped_column(Date)
    distance_m: Mapped[float | None] = mapped_column(Float)  # from the household's position
    flags: Mapped[str] = mapped_column(String(200), default="")
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    queued: Mapped[bool] = mapped_column(Boolean, default=False)
    digest: Mapped[str] = mapped_column(String(64))
    corrects_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"), index=True)
    correction_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
    household: Mapped[Household] = relationship()
    # The village the visit was made in: a household that moved since is elsewhere now.
    village: Mapped[Village] = relationship()
    photos: Mapped[list[Photo]] = relationship(back_populates="visit", order_by="Photo.id")

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f]

    @property
    def purpose_list(self) -> list[str]:
        return [p for p in self.purposes.split(",") if p]


class Photo(Base):
    """A stored photo: the upright, stripped JPEG and its thumbnail by content hash, the
    facts read from the original, and its perceptual hash split into four 16-bit bands."""

    __tablename__ = "photos"
    __table_args__ = tuple(
        Index(f"ix_photos_county_band{n}", "county_id", f"band{n}") for n in range(4)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    thumb_sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    original_format: Mapped[str] = mapped_column(String(16))
    original_width: Mapped[int] = mapped_column(Integer)
    original_height: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    camera: Mapped[str | None] = mapped_column(String(100))
    phash: Mapped[int] = mapped_column(BigInteger)  # signed 64-bit
    band0: Mapped[int] = mapped_column(Integer)
    band1: Mapped[int] = mapped_column(Integer)
    band2: Mapped[int] = mapped_column(Integer)
    band3: Mapped[int] = mapped_column(Integer)
    flags: Mapped[str] = mapped_column(String(200), default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the retention purge, which deletes the files and clears the EXIF position;
    # the row stays as the record that a photo with these hashes was given.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit] = relationship(back_populates="photos")

    @property
    def flag_list(self) -> list[str]:
        """Each flag once (rows stored before flags were de-duplicated repeat one)."""
        return list(dict.fromkeys(f for f in self.flags.split(",") if f))


class HouseholdContact(Base):
    """A household's last contact of any kind and last visit in person, as its visits say:
    kept by the database's triggers on visits (migration 0038), so the cadence of a
    province's 220,000 households is read as one row each instead of from 4.5 million
    visits. A visit that a correction supersedes no longer counts; the correction does.
    A cache of the visits, not evidence: no foreign key, rebuilt from them at will."""

    __tablename__ = "household_contacts"

    household_id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                              autoincrement=False)
    last_contact: Mapped[date | None] = mapped_column(Date)
    last_visit: Mapped[date | None] = mapped_column(Date)
