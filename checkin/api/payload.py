"""Reading JSON bodies and query arguments, with errors a client can act on."""

from __future__ import annotations

import math
from typing import Any

from flask import request

from checkin.errors import ApiError

MAX_LIMIT = 500
DEFAULT_LIMIT = 50


def json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "malformed_json", "The body must be a JSON object.")
    return body


def require_str(body: dict[str, Any], name: str, *, max_length: int = 200) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "invalid_field", f"{name} is required.", {name: "required string"})
    if len(value) > max_length:
        raise ApiError(400, "invalid_field", f"{name} is too long.", {name: "too long"})
    return value


def require_number(body: dict[str, Any], name: str) -> float:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ApiError(400, "invalid_field", f"{name} must be a number.", {name: "number"})
    return float(value)


def optional_number(body: dict[str, Any], name: str) -> float | None:
    """A number that may be left out or null (a position, its accuracy): None then."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, "invalid_field", f"{name} must be a number.", {name: "number"})
    return float(value)


def page_args() -> tuple[int, int]:
    """`limit` and an opaque `cursor` (the offset so far)."""
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
        offset = int(request.args.get("cursor", 0) or 0)
    except ValueError as exc:
        raise ApiError(400, "invalid_query", "limit and cursor must be integers.") from exc
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise ApiError(400, "invalid_query", f"limit must be between 1 and {MAX_LIMIT}.",
                       {"limit": f"1..{MAX_LIMIT}"})
    return limit, offset


def page(items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    """Callers fetch limit + 1 rows; one extra row means there is a next page."""
    has_more = len(items) > limit
    return {
        "items": items[:limit],
        "next_cursor": str(offset + limit) if has_more else None,
    }
