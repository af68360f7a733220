"""Reading the audit log (等保: who did what, when, from where): filters, a keyset-paged
page, and every matching entry for an export, streamed. The log itself is insert-only
(database triggers) and the retention purge never touches it, so it is kept for as long
as the database is (at least the 6 months of the Cybersecurity Law, art. 21)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from checkin.models import AuditEntry, User
from checkin.platform import clock

PAGE_SIZE = 100
STREAM_BATCH = 2000


@dataclass(frozen=True)
class Filters:
    who: str = ""        # a username or a name, or part of one
    action: str = ""     # an action or its start, e.g. "login" or "user."
    address: str = ""    # an address or its start
    first: date | None = None  # local days, both included
    last: date | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _utc_start(day: date) -> datetime:
    return datetime.combine(day, time(0), clock.zone())


def chosen(filters: Filters) -> Select[AuditEntry, User]:
    query = select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.actor_id)
    if filters.who:
        pattern = "%" + _like(filters.who)
        query = query.where(or_(User.username.ilike(pattern, escape="\\"),
                                User.name.ilike(pattern, escape="\\")))
    if filters.action:
        query = query.where(AuditEntry.action.like(_like(filters.action), escape="\\"))
    if filters.address:
        query = query.where(AuditEntry.address.like(_like(filters.address), escape="\\"))
    if filters.first:
        query = query.where(AuditEntry.at >= _utc_start(filters.first))
    if filters.last:
        query = query.where(AuditEntry.at < _utc_start(filters.last + timedelta(days=1)))
    return query


def page(session: Session, filters: Filters, before_id: int | None
         ) -> tuple[list[tuple[AuditEntry, User | None]], int | None]:
    """Newest first, `PAGE_SIZE` at a time; the id to continue before, if more."""
    query = chosen(filters).order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    rows: list[tuple[AuditEntry, User | None]] = [
        (entry, user) for entry, user in session.execute(query)]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, rows[-1][0].id if more and rows else None


def every(session: Session, filters: Filters) -> Iterator[tuple[AuditEntry, User | None]]:
    """Every matching entry, oldest first, in bounded memory."""
    query = chosen(filters).order_by(AuditEntry.id).execution_options(
        stream_results=True, yield_per=STREAM_BATCH)
    yield from ((entry, user) for entry, user in session.execute(query))


def local_time(moment: datetime) -> datetime:
    """A stored time as the wall clock of the deployment (what an export shows)."""
    return moment.astimezone(clock.zone()).replace(tzinfo=None)


def row(entry: AuditEntry, user: User | None) -> list[Any]:
    return [entry.id, local_time(entry.at), user.username if user else "",
            user.name if user else "", entry.action, entry.entity, entry.entity_id or "",
            entry.address or "", detail_text(entry.detail)]


def detail_text(detail: dict[str, Any] | None) -> str:
    if not detail:
        return ""
    return "; ".join(f"{key}={value}" for key, value in sorted(detail.items()))[:500]
