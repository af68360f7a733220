"""Reading JSON bodies and query arguments, with errors a client can act on."""

from __future__ import annotations

import math
from typing import Any

from flask import request

from checkin.domain.refusal import Refusal

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


def json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refusal("malformed_json", name="body")
    return body


def require_str(body: dict[str, Any], name: str, *, max_length: int = 200) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Refusal("field_required", field=name, name=name)
    if len(value) > max_length:
        raise Refusal("invalid_text", field=name, name=name, limit=max_length)
    return value


def optional_number(body: dict[str, Any], name: str) -> float | None:
    """The one number parser: a finite JSON number, None when absent, else `not_a_number`."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise Refusal("not_a_number", field=name, name=name)
    return float(value)


def require_number(body: dict[str, Any], name: str) -> float:
    value = optional_number(body, name)
    if value is None:
        raise Refusal("not_a_number", field=name, name=name)
    return value


def query_int(name: str) -> int | None:
    """A whole-number query argument, None when absent or empty, else `not_an_integer`."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise Refusal("not_an_integer", field=name, name=name)
    return int(raw)


def page_args() -> tuple[int, int]:
    """`limit` and an opaque `cursor` (the offset so far)."""
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
        offset = int(request.args.get("cursor", 0) or 0)
    except ValueError as exc:
        raise Refusal("invalid_paging", field="limit", most=MAX_LIMIT) from exc
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise Refusal("invalid_paging", field="limit", most=MAX_LIMIT)
    return limit, offset


MAX_CURSOR = 400


def keyset_args() -> tuple[int, str]:
    """`limit` and the opaque keyset `cursor` of a list paged by checkin.platform.keyset
    (the service checks that the cursor is one of its list's)."""
    raw = request.args.get("limit") or str(DEFAULT_LIMIT)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 4 \
            or not 1 <= int(raw) <= MAX_LIMIT:
        raise Refusal("invalid_paging", field="limit", most=MAX_LIMIT)
    cursor = request.args.get("cursor", "")
    if len(cursor) > MAX_CURSOR:
        raise Refusal("invalid_cursor", field="cursor")
    return int(raw), cursor


def page(items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    """Callers fetch limit + 1 rows; one extra row means there is a next page."""
    has_more = len(items) > limit
    return {
        "items": items[:limit],
        "next_cursor": str(offset + limit) if has_more else None,
    }
