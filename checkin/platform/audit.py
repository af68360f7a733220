"""Writing the audit log: who did what to which record, with digests before and after."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from checkin.db import Base
from checkin.models import AuditEntry


def snapshot(record: Base) -> dict[str, Any]:
    """The record's column values, as JSON-safe data (password hashes left out)."""
    values: dict[str, Any] = {}
    for attr in inspect(record).mapper.column_attrs:
        if attr.key in {"password_hash", "token_hash"}:
            continue
        values[attr.key] = _jsonable(getattr(record, attr.key))
    return values


def digest(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: object | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    address: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before_digest=digest(before),
        after_digest=digest(after),
        detail=detail or {},
        address=address,
    )
    session.add(entry)
    return entry


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value
