"""The area tree (province > city > county > township > village) and villages with fences."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base

AREA_LEVELS = ("province", "city", "county", "township", "village")

# Materialized paths compare byte-wise on every backend so that a subtree is one index range.
PathString = String(255).with_variant(String(255, collation="C"), "postgresql")


class Area(Base):
    __tablename__ = "areas"
    __table_args__ = (
        CheckConstraint(
            "level IN ('province','city','county','township','village')", name="level"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # "/1/4/9/" — the ids from the root down to this area; a subtree is a prefix range.
    path: Mapped[str] = mapped_column(PathString, index=True, default="")

    parent: Mapped[Area | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.name}>"


class Village(Base):
    __tablename__ = "villages"
    __table_args__ = (
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="position"),
        CheckConstraint("radius_m > 0", name="radius"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), unique=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # The map the position was read from; lat/lon are always WGS-84 (domain/coordinates).
    coord_source: Mapped[str] = mapped_column(String(10), default="wgs84",
                                              server_default="wgs84")
    radius_m: Mapped[float] = mapped_column(Float, default=1500.0)
    # The village's boundary as its fence, when it has one (decides instead of the circle):
    # WKT in WGS-84, checked by domain/boundary; and the map it was read from.
    boundary: Mapped[str | None] = mapped_column(Text)
    boundary_source: Mapped[str | None] = mapped_column(String(10))
    landline: Mapped[str | None] = mapped_column(String(32))
    poverty_status: Mapped[str] = mapped_column(String(32), default="poor")
    # Copy of the area's path, so scoping a village needs no join.
    area_path: Mapped[str] = mapped_column(PathString, index=True, default="")

    area: Mapped[Area] = relationship()
