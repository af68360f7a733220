"""Counters of failed sign-ins, shared by every worker process (when Redis is not used, or
is down): a key, its value and when it stops counting. Not evidence: the audit log keeps
each failed sign-in; these rows only pace the next attempt and are deleted once expired."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from checkin.db import Base


class SigninCounter(Base):
    __tablename__ = "signin_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
    # Unix seconds after which the row counts for nothing (and may be deleted).
    expires_s: Mapped[int] = mapped_column(BigInteger, index=True)
