"""Writing the audit log: who did what to which record, with digests before and after."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime, time
from typing import Any

from flask import current_app, has_app_context
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


def _canonical(values: Any) -> bytes:
    return json.dumps(values, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


def plain_digest(values: Any) -> str:
    """SHA-256 of content that holds nothing personal (a draw's candidate list inside its
    own, keyed, digest)."""
    return hashlib.sha256(_canonical(values)).hexdigest()


def digest_key() -> bytes | None:
    """The key of the audit log's digests: AUDIT_DIGEST_KEY, or one derived from
    SECRET_KEY (never SECRET_KEY itself); None outside the app or without either.

    A snapshot holds phone numbers and names: an unkeyed SHA-256 of it would let whoever
    reads the log (a backup, a DBA) try the 10^8 numbers of a prefix and find one that the
    sealed column hides. Keyed, the digest proves what was written only to a holder of the
    key."""
    if not has_app_context():
        return None
    configured = current_app.config.get("AUDIT_DIGEST_KEY")
    if configured:
        return str(configured).encode()
    secret = current_app.config.get("SECRET_KEY")
    if not secret:
        return None
    return hmac.new(str(secret).encode(), b"checkin.audit.digest.v1", hashlib.sha256).digest()


def key_id(key: bytes) -> str:
    """What an entry records of the key its digests were made with (not the key)."""
    return "h1:" + hashlib.sha256(b"checkin.audit.key-id:" + key).hexdigest()[:12]


def digest(values: dict[str, Any] | None, key: bytes | None = None) -> str | None:
    """HMAC-SHA-256 of the values with the audit key (plain SHA-256 without one: entries
    written before keyed digests, and a test run outside the app)."""
    if values is None:
        return None
    key = key if key is not None else digest_key()
    if key is None:
        return plain_digest(values)
    return hmac.new(key, _canonical(values), hashlib.sha256).hexdigest()


def matches(stored: str | None, stored_key_id: str | None, values: dict[str, Any] | None
            ) -> bool:
    """Whether a stored digest is that of `values`, with the key the entry names: none
    (an entry from before keyed digests), or this deployment's. An entry made with another
    key cannot be checked here and does not match."""
    if stored is None or values is None:
        return stored is None and values is None
    if stored_key_id is None:
        return hmac.compare_digest(stored, plain_digest(values))
    key = digest_key()
    if key is None or key_id(key) != stored_key_id:
        return False
    return hmac.compare_digest(stored, digest(values, key) or "")


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
    key = digest_key()
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before_digest=digest(before, key),
        after_digest=digest(after, key),
        digest_key=None if key is None or (before is None and after is None) else key_id(key),
        detail=detail or {},
        address=address,
    )
    session.add(entry)
    return entry


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value
