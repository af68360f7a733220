"""The inbox: notifications written once per (event, recipient), listed newest first by a
keyset cursor, marked read by their owner only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from checkin.domain.notices import may_receive
from checkin.models import Notification, User
from checkin.platform import clock

INSERT_CHUNK = 500


@dataclass(frozen=True)
class Created:
    id: int
    user_id: int
    kind: str
    event_key: str


def insert_ignoring_duplicates(session: Session, table: Any, rows: list[dict[str, Any]],
                               *returning: Any) -> list[Any]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING: only the rows that were new come back."""
    dialect = session.get_bind().dialect.name
    maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
    made: list[Any] = []
    # In chunks: a bulletin to a county's 1,500 cadres must stay under the drivers' limits
    # on bound parameters (SQLite 32,766; PostgreSQL 65,535).
    for first in range(0, len(rows), INSERT_CHUNK):
        stmt = maker(table).values(rows[first:first + INSERT_CHUNK]) \
            .on_conflict_do_nothing().returning(*returning)
        made += list(session.execute(stmt))
    return made


def notify(session: Session, recipients: Iterable[User], kind: str, event_key: str,
           params: Mapping[str, Any]) -> list[Created]:
    """Write a notification of `event_key` to each recipient who may receive `kind` and
    has none of it yet; queue its deliveries. Returns what was written now."""
    from checkin.services.notify import outbox

    people = {u.id: u for u in recipients if u.active and may_receive(kind, u.role)}
    now = clock.now()
    rows = [{"user_id": uid, "kind": kind, "event_key": event_key, "params": dict(params),
             "created_at": now} for uid in sorted(people)]
    made = [Created(nid, uid, kind, event_key) for nid, uid in insert_ignoring_duplicates(
        session, Notification.__table__, rows, Notification.id, Notification.user_id)]
    outbox.enqueue(session, [(c, people[c.user_id]) for c in made])
    return made


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def page_of(session: Session, user_id: int, *, unread: bool | None, before_id: int | None,
            limit: int) -> tuple[list[Notification], int | None]:
    """Newest first; the cursor is the id of the last notification of the page."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread is True:
        stmt = stmt.where(Notification.read_at.is_(None))
    elif unread is False:
        stmt = stmt.where(Notification.read_at.is_not(None))
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    rows = list(session.scalars(stmt.order_by(Notification.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1].id if more and rows else None


def own(session: Session, user_id: int, notification_id: int) -> Notification | None:
    return session.scalars(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id)).first()


def mark_read(session: Session, notification: Notification, at: datetime | None = None
              ) -> Notification:
    if notification.read_at is None:
        notification.read_at = at or clock.now()
        session.flush()
    return notification


def mark_all_read(session: Session, user_id: int) -> int:
    result = session.execute(update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now()))
    return int(getattr(result, "rowcount", 0) or 0)
