"""Counters of failed sign-ins, shared by every worker process (when Redis is not used, or
is down): a key, its value and when it stops counting. Not evidence: the audit log keeps
each failed sign-in; these rows only pace the next attempt and are deleted once expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from checkin.db import Base
from checkin.models.types import UTCDateTime, utcnow


class SigninCounter(Base):
    __tablename__ = "signin_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    # Unix seconds after which the row counts for nothing (and may be deleted).
    expires_s: Mapped[int] = mapped_column(BigInteger, index=True)


class SigninSession(Base):
    """One browser sign-in (a session cookie), so that a person, and the security
    administrator, can see where an account is signed in and end one session (a lost
    phone) without ending the others. The cookie (signed) carries the id; a session whose
    row is ended, or of an older epoch, is signed out at its next request. Not evidence:
    sign-ins and their endings are in the audit log; `seen_at` is rewritten at most once a
    minute."""

    __tablename__ = "signin_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    epoch: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
