"""Records made on the phone carry its UUID: a replay answers the stored record, a changed
payload under the same id is a conflict."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from checkin.domain.refusal import Refusal


def client_id(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError) as exc:
        raise Refusal("invalid_id", field="id") from exc


def payload_digest(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay_or_conflict(stored_digest: str, digest: str) -> None:
    """Raise 409 unless the replayed payload is the one stored under this id."""
    if stored_digest != digest:
        raise Refusal("id_conflict", field="id")
