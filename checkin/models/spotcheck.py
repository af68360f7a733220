"""Unannounced spot checks (周抽查): weekly batches with their frozen candidates, the items
drawn, and the results (evidence: insert-only, one per item)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from checkin.db import Base
from checkin.models.area import Area, PathString, Village
from checkin.models.household import Household
from checkin.models.types import UTCDateTime, utcnow
from checkin.models.user import User
from checkin.models.visit import Visit

SPOTCHECK_KINDS = ("presence", "visit")
SPOTCHECK_METHODS = ("phone", "field")
SPOTCHECK_OUTCOMES = ("confirmed", "not_confirmed", "unreachable")
SATISFACTION_LEVELS = ("satisfied", "basic", "unsatisfied")


class SpotcheckBatch(Base):
    """One area's draw for one ISO week: the seed and the candidates it was drawn from,
    frozen so that an auditor can repeat the draw. Never updated."""

    __tablename__ = "spotcheck_batches"
    __table_args__ = (UniqueConstraint("area_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    # Copy of the area's path, so scoping a batch needs no join.
    area_path: Mapped[str] = mapped_column(PathString, index=True)
    week: Mapped[str] = mapped_column(String(8))  # "2026-W47"
    seed: Mapped[str] = mapped_column(String(64))
    candidates: Mapped[dict[str, Any]] = mapped_column(JSON)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    area: Mapped[Area] = relationship()
    drawn_by: Mapped[User | None] = relationship()
    items: Mapped[list[SpotcheckItem]] = relationship(
        back_populates="batch", order_by="SpotcheckItem.position")


class SpotcheckItem(Base):
    """A drawn check: a cadre to find on post (presence) or a visit to confirm with the
    household (visit). Never updated; its result is a row of its own."""

    __tablename__ = "spotcheck_items"
    __table_args__ = (
        CheckConstraint("kind IN ('presence','visit')", name="kind"),
        Index("ix_spotcheck_items_batch_position", "batch_id", "position"),
        Index("ix_spotcheck_items_user_day", "user_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_batches.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    # Presence: the day drawn for the check; visit: the day of the visit to confirm.
    day: Mapped[date] = mapped_column(Date)
    window_start: Mapped[time | None] = mapped_column(Time)
    window_end: Mapped[time | None] = mapped_column(Time)
    risk: Mapped[float] = mapped_column(Float)
    # [{"code": ..., "weight": ..., "params": {...}}], heaviest first
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    batch: Mapped[SpotcheckBatch] = relationship(back_populates="items")
    user: Mapped[User] = relationship()
    village: Mapped[Village] = relationship()
    visit: Mapped[Visit | None] = relationship()
    household: Mapped[Household | None] = relationship()
    result: Mapped[SpotcheckResult | None] = relationship(back_populates="item", uselist=False)


class SpotcheckResult(Base):
    """What the check found. One per item (the unique key settles two supervisors saving
    at once); never updated or deleted."""

    __tablename__ = "spotcheck_results"
    __table_args__ = (
        CheckConstraint("method IN ('phone','field')", name="method"),
        CheckConstraint("outcome IN ('confirmed','not_confirmed','unreachable')",
                        name="outcome"),
        CheckConstraint("satisfaction IS NULL OR satisfaction IN "
                        "('satisfied','basic','unsatisfied')", name="satisfaction"),
        CheckConstraint("verdict IN ('pass','fail','excused','no_contact')", name="verdict"),
        Index("ix_spotcheck_results_local_day", "local_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_items.id"), unique=True)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(16))
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    local_day: Mapped[date] = mapped_column(Date)
    # Decided when recorded, from what was known then (findings.verdict_then); never
    # recomputed. An appeal is a record of its own beside it.
    verdict: Mapped[str] = mapped_column(String(16))
    # Issue 15: why a result came before its window opened (then flagged early_result);
    # flags (spotcheck_work.RESULT_FLAGS, comma list); a field result's distance from the
    # village centre.
    early_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    flags: Mapped[str] = mapped_column(String(64), default="", server_default="")
    distance_m: Mapped[float | None] = mapped_column(Float)

    item: Mapped[SpotcheckItem] = relationship(back_populates="result")
    checked_by: Mapped[User] = relationship()
    corrections: Mapped[list[SpotcheckCorrection]] = relationship(
        back_populates="result", order_by="SpotcheckCorrection.sequence")
    appeal: Mapped[SpotcheckAppeal | None] = relationship(back_populates="result",
                                                          uselist=False)


class SpotcheckCorrection(Base):
    """A correction of a mistaken result: what the result should have said, why, by whom.
    The result stays as recorded; the latest correction (highest sequence) is what stands.
    The unique key on (result_id, sequence) settles two corrections made at once. Never
    updated or deleted."""

    __tablename__ = "spotcheck_corrections"
    __table_args__ = (
        UniqueConstraint("result_id", "sequence"),
        CheckConstraint("method IN ('phone','field')", name="method"),
        CheckConstraint("outcome IN ('confirmed','not_confirmed','unreachable')",
                        name="outcome"),
        CheckConstraint("satisfaction IS NULL OR satisfaction IN "
                        "('satisfied','basic','unsatisfied')", name="satisfaction"),
        CheckConstraint("verdict IN ('pass','fail','excused','no_contact')", name="verdict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_results.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    corrected_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(16))
    satisfaction: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)
    # From the leave as known when the result was first recorded (spotcheck_work).
    verdict: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    result: Mapped[SpotcheckResult] = relationship(back_populates="corrections")
    corrected_by: Mapped[User] = relationship()


class SpotcheckAssignment(Base):
    """Who is to make a check: the latest row of an item is its checker (a supervisor of
    the item's village). Not evidence, but kept: a new row for each change, audited."""

    __tablename__ = "spotcheck_assignments"
    __table_args__ = (Index("ix_spotcheck_assignments_checker", "checker_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_items.id"), index=True)
    checker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checker: Mapped[User] = relationship(foreign_keys=[checker_id])


class SpotcheckAppeal(Base):
    """An appeal (申诉) against a failed check: who made it, why, and the evidence. Made by
    a supervisor of the cadre's village (the township, which holds the cadre's leave; the
    cadre never sees spot checks), decided by the county. One per result; never updated or
    deleted: its decision is a row of its own."""

    __tablename__ = "spotcheck_appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_results.id"), unique=True)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    result: Mapped[SpotcheckResult] = relationship(back_populates="appeal")
    made_by: Mapped[User] = relationship()
    decision: Mapped[SpotcheckAppealDecision | None] = relationship(back_populates="appeal",
                                                                    uselist=False)

    @property
    def status(self) -> str:
        if self.decision is None:
            return "pending"
        return "upheld" if self.decision.upheld else "rejected"


class SpotcheckAppealDecision(Base):
    """The county's decision on an appeal. One per appeal; never updated or deleted."""

    __tablename__ = "spotcheck_appeal_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("spotcheck_appeals.id"), unique=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    upheld: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    appeal: Mapped[SpotcheckAppeal] = relationship(back_populates="decision")
    decided_by: Mapped[User] = relationship()
